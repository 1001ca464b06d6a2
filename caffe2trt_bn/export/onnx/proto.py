"""The few ONNX protobuf messages the exporter writes, encoded by hand.

The ONNX graph of a Caffe net needs only nodes with int, float, string and int-list
attributes, tensor value infos and initializer headers.  Encoding them here (about a
tenth of a millisecond per node) spares the export the ``onnx`` package, whose import
alone takes most of a second: the export then runs without it, and ``onnx`` is needed
only to check or run a model.  Field numbers are those of ``onnx/onnx.proto`` (IR 7-9);
repeated scalars are written unpacked, as proto2 (and the ``onnx`` package) writes them.
The tests load every written model with ``onnx`` and run ``check_model(full_check=True)``.
"""

from __future__ import annotations

import numbers
import struct
from collections.abc import Sequence
from dataclasses import dataclass, field

#: Smallest IR version that allows each opset (the ``onnx`` package's table).
IR_VERSION = {13: 7, 14: 7, 15: 8, 16: 8, 17: 8, 18: 8, 19: 9, 20: 9}

# AttributeProto.AttributeType
_FLOAT, _INT, _STRING, _FLOATS, _INTS = 1, 2, 3, 6, 7


def varint(value: int) -> bytes:
    """Protobuf varint; negative int64 values take ten bytes (two's complement)."""
    if value < 0:
        value += 1 << 64
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def key(number: int, wire_type: int) -> bytes:
    return varint(number << 3 | wire_type)


def length_delimited(number: int, payload: bytes) -> bytes:
    return key(number, 2) + varint(len(payload)) + payload


def string(number: int, text: str) -> bytes:
    return length_delimited(number, text.encode("utf-8", "surrogateescape"))


def integer(number: int, value: int) -> bytes:
    return key(number, 0) + varint(value)


@dataclass
class OnnxNode:
    """One NodeProto: ``attributes`` hold ints, floats, strings or lists of ints/floats."""

    op_type: str
    input: list[str]
    output: list[str]
    name: str
    attributes: dict[str, object] = field(default_factory=dict)

    def encode(self) -> bytes:
        out = bytearray()
        for name in self.input:
            out += string(1, name)
        for name in self.output:
            out += string(2, name)
        out += string(3, self.name)
        out += string(4, self.op_type)
        for name in sorted(self.attributes):
            out += length_delimited(5, _attribute(name, self.attributes[name]))
        return bytes(out)


def _attribute(name: str, value: object) -> bytes:
    out = string(1, name)
    if isinstance(value, numbers.Integral):
        return out + integer(3, int(value)) + integer(20, _INT)
    if isinstance(value, numbers.Real):
        return out + key(2, 5) + struct.pack("<f", value) + integer(20, _FLOAT)
    if isinstance(value, str):
        return out + length_delimited(4, value.encode()) + integer(20, _STRING)
    if isinstance(value, (list, tuple)):
        if all(isinstance(v, numbers.Integral) for v in value):
            return out + b"".join(integer(8, int(v)) for v in value) + integer(20, _INTS)
        return out + b"".join(key(7, 5) + struct.pack("<f", float(v)) for v in value) + integer(20, _FLOATS)
    raise TypeError(f"attribute {name!r}: unsupported value {value!r}")


def value_info(name: str, elem_type: int, dims: Sequence[int | str]) -> bytes:
    """A ValueInfoProto of a tensor (an int dimension is a value, a str a parameter)."""
    shape = b"".join(
        length_delimited(1, string(2, d) if isinstance(d, str) else integer(1, d)) for d in dims
    )
    tensor = integer(1, elem_type) + length_delimited(2, shape)
    return string(1, name) + length_delimited(2, length_delimited(1, tensor))


def tensor_header(name: str, data_type: int, dims: Sequence[int], nbytes: int) -> bytes:
    """A TensorProto up to the key and length of its ``raw_data`` (the payload follows)."""
    out = b"".join(integer(1, d) for d in dims) + integer(2, data_type) + string(8, name)
    return out + key(9, 2) + varint(nbytes)


def graph_body(nodes: Sequence[OnnxNode], name: str, inputs: Sequence[bytes], outputs: Sequence[bytes]) -> bytes:
    """A GraphProto without its initializers (the writer appends them as field 5)."""
    out = bytearray()
    for node in nodes:
        out += length_delimited(1, node.encode())
    out += string(2, name)
    for info in inputs:
        out += length_delimited(11, info)
    for info in outputs:
        out += length_delimited(12, info)
    return bytes(out)


def model_head(opset: int, producer: str, version: str) -> bytes:
    """A ModelProto without its graph (the writer appends it as field 7)."""
    opset_id = string(1, "") + integer(2, opset)
    return (
        integer(1, IR_VERSION[opset])
        + string(2, producer)
        + string(3, version)
        + length_delimited(8, opset_id)
    )
