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

from ...io.wire import I32, encode_len, encode_tag, encode_varint_field, len_header

#: Smallest IR version that allows each opset (the ``onnx`` package's table).
IR_VERSION = {13: 7, 14: 7, 15: 8, 16: 8, 17: 8, 18: 8, 19: 9, 20: 9}

# AttributeProto.AttributeType
_FLOAT, _INT, _STRING, _FLOATS, _INTS = 1, 2, 3, 6, 7


def string(number: int, text: str) -> bytes:
    """A string field (undecodable characters kept as the bytes they came from)."""
    return encode_len(number, text.encode("utf-8", "surrogateescape"))


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
            out += encode_len(5, _attribute(name, self.attributes[name]))
        return bytes(out)


def _attribute(name: str, value: object) -> bytes:
    out = string(1, name)
    if isinstance(value, numbers.Integral):
        return out + encode_varint_field(3, int(value)) + encode_varint_field(20, _INT)
    if isinstance(value, numbers.Real):
        return out + encode_tag(2, I32) + struct.pack("<f", value) + encode_varint_field(20, _FLOAT)
    if isinstance(value, str):
        return out + encode_len(4, value.encode()) + encode_varint_field(20, _STRING)
    if isinstance(value, (list, tuple)):
        if all(isinstance(v, numbers.Integral) for v in value):
            return out + b"".join(encode_varint_field(8, int(v)) for v in value) + encode_varint_field(20, _INTS)
        return out + b"".join(encode_tag(7, I32) + struct.pack("<f", float(v)) for v in value) + encode_varint_field(20, _FLOATS)
    raise TypeError(f"attribute {name!r}: unsupported value {value!r}")


def value_info(name: str, elem_type: int, dims: Sequence[int | str]) -> bytes:
    """A ValueInfoProto of a tensor (an int dimension is a value, a str a parameter)."""
    shape = b"".join(
        encode_len(1, string(2, d) if isinstance(d, str) else encode_varint_field(1, d)) for d in dims
    )
    tensor = encode_varint_field(1, elem_type) + encode_len(2, shape)
    return string(1, name) + encode_len(2, encode_len(1, tensor))


def tensor_header(name: str, data_type: int, dims: Sequence[int], nbytes: int) -> bytes:
    """A TensorProto up to the key and length of its ``raw_data`` (the payload follows)."""
    out = b"".join(encode_varint_field(1, d) for d in dims) + encode_varint_field(2, data_type) + string(8, name)
    return out + len_header(9, nbytes)


def graph_body(nodes: Sequence[OnnxNode], name: str, inputs: Sequence[bytes], outputs: Sequence[bytes]) -> bytes:
    """A GraphProto without its initializers (the writer appends them as field 5)."""
    out = bytearray()
    for node in nodes:
        out += encode_len(1, node.encode())
    out += string(2, name)
    for info in inputs:
        out += encode_len(11, info)
    for info in outputs:
        out += encode_len(12, info)
    return bytes(out)


def model_head(opset: int, producer: str, version: str) -> bytes:
    """A ModelProto without its graph (the writer appends it as field 7)."""
    opset_id = string(1, "") + encode_varint_field(2, opset)
    return (
        encode_varint_field(1, IR_VERSION[opset])
        + string(2, producer)
        + string(3, version)
        + encode_len(8, opset_id)
    )
