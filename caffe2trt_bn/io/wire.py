"""Protobuf wire-format scanning and encoding, without a schema.

Caffe models are one big ``NetParameter`` message whose bytes are almost all float
payloads.  Decoding it with a full protobuf parser copies every float into Python
objects; this module instead walks the tag/length structure over any buffer (usually a
read-only memory map) and hands out *positions*, so callers can build zero-copy numpy
views of the payloads and copy untouched messages byte for byte.

Every length is checked against the end of its enclosing message before anything is
allocated, so a forged length prefix (claiming terabytes) fails at once.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

import numpy as np

from ..errors import ModelFormatError

VARINT = 0
I64 = 1
LEN = 2
START_GROUP = 3
END_GROUP = 4
I32 = 5

WIRE_TYPE_NAMES = {VARINT: "varint", I64: "64-bit", LEN: "length-delimited", I32: "32-bit"}


class Buffer(Protocol):
    """Anything indexable by int and slice over bytes: bytes, memoryview, mmap."""

    def __getitem__(self, index: int, /) -> int: ...
    def __len__(self) -> int: ...


def read_varint(buf: Buffer, pos: int, end: int) -> tuple[int, int]:
    """Decodes a base-128 varint at ``pos``; returns (value, position after it)."""
    result = 0
    shift = 0
    while True:
        if pos >= end:
            raise ModelFormatError(f"malformed protobuf: varint runs past the end of its message at byte {pos}")
        byte = buf[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if byte < 0x80:
            return result, pos
        shift += 7
        if shift >= 70:
            raise ModelFormatError(f"malformed protobuf: varint longer than 10 bytes at byte {pos - 10}")


def iter_fields(buf: Buffer, start: int, end: int) -> Iterator[tuple[int, int, int, int]]:
    """Yields ``(field_number, wire_type, a, b)`` for each field in ``buf[start:end]``.

    For varints ``a`` is the value and ``b`` the position after it; for length-delimited,
    32-bit and 64-bit fields ``buf[a:b]`` is the payload.  Groups (a deprecated wire
    type Caffe never writes) and field number 0 are rejected as malformed.
    """
    pos = start
    while pos < end:
        # Fast path for the one-byte tags that are almost all of a Caffe model.
        key = buf[pos]
        if key < 0x80:
            pos += 1
        else:
            key, pos = read_varint(buf, pos, end)
        number = key >> 3
        wire = key & 7
        if number == 0:
            raise ModelFormatError(f"malformed protobuf: field number 0 at byte {pos - 1}")
        if wire == LEN:
            length = buf[pos] if pos < end else 0x80
            if length < 0x80:
                pos += 1
            else:
                length, pos = read_varint(buf, pos, end)
            if length > end - pos:
                raise ModelFormatError(
                    f"malformed protobuf: field {number} claims {length} bytes at byte {pos}, "
                    f"but only {end - pos} remain (truncated or corrupt file)"
                )
            yield number, LEN, pos, pos + length
            pos += length
        elif wire == VARINT:
            value, after = read_varint(buf, pos, end)
            yield number, VARINT, value, after
            pos = after
        elif wire == I32:
            if pos + 4 > end:
                raise ModelFormatError(f"malformed protobuf: 32-bit field {number} truncated at byte {pos}")
            yield number, I32, pos, pos + 4
            pos += 4
        elif wire == I64:
            if pos + 8 > end:
                raise ModelFormatError(f"malformed protobuf: 64-bit field {number} truncated at byte {pos}")
            yield number, I64, pos, pos + 8
            pos += 8
        else:
            raise ModelFormatError(f"malformed protobuf: unsupported wire type {wire} for field {number} at byte {pos}")


def decode_string(buf: Buffer, start: int, end: int) -> str:
    """Decodes a string field as UTF-8, other bytes kept as surrogate escapes.

    Caffe (proto2) stores names as plain bytes, and the prototxt reader decodes them the
    same way, so a name matches between the two files whatever bytes it holds.
    """
    return bytes(buf[start:end]).decode("utf-8", "surrogateescape")  # type: ignore[index]


def packed_varints(buf: Buffer, start: int, end: int) -> list[int]:
    """Decodes a packed repeated varint payload."""
    values = []
    pos = start
    while pos < end:
        value, pos = read_varint(buf, pos, end)
        values.append(value)
    return values


def to_int64(value: int) -> int:
    """Reinterprets a decoded varint as a two's-complement int64 (proto int64/int32)."""
    value &= (1 << 64) - 1
    return value - (1 << 64) if value >= 1 << 63 else value


#: Inclusive value range of each integer type of the proto: what a field of that type
#: can hold (Caffe's parser refuses a text-format value outside it).
INT_RANGES: dict[str, tuple[int, int]] = {
    "int32": (-(2**31), 2**31 - 1),
    "sint32": (-(2**31), 2**31 - 1),
    "sfixed32": (-(2**31), 2**31 - 1),
    "uint32": (0, 2**32 - 1),
    "fixed32": (0, 2**32 - 1),
    "int64": (-(2**63), 2**63 - 1),
    "sint64": (-(2**63), 2**63 - 1),
    "sfixed64": (-(2**63), 2**63 - 1),
    "uint64": (0, 2**64 - 1),
    "fixed64": (0, 2**64 - 1),
}


def int_range_error(value: int, type_name: str) -> str | None:
    """Why ``value`` cannot be a value of the proto integer type ``type_name`` (the
    message names the type's range), or None when it can."""
    low, high = INT_RANGES[type_name]
    if low <= value <= high:
        return None
    return f"{value} is out of the range of {type_name} ({low} to {high})"


def fixed_run(buf: Buffer, pos: int, end: int, tag: int, width: int) -> int:
    """Counts consecutive unpacked ``tag`` + ``width``-byte records from ``pos``.

    Old writers store repeated floats unpacked: one tag byte before each value.  The
    records are recognised in one vectorised pass so a million-value blob costs no
    Python loop.
    """
    stride = width + 1
    limit = (end - pos) // stride
    if limit == 0:
        return 0
    tags = np.ndarray((limit,), dtype=np.uint8, buffer=buf, offset=pos, strides=(stride,))  # type: ignore[arg-type]  # bytes or mmap: the Protocol names only item access
    mismatch = np.flatnonzero(tags != tag)
    return int(mismatch[0]) if mismatch.size else limit


# --- encoding -----------------------------------------------------------------------


def encode_varint(value: int) -> bytes:
    """Encodes a non-negative int (or a negative int64 as ten bytes) as a varint."""
    if value < 0:
        value += 1 << 64
    out = bytearray()
    while True:
        bits = value & 0x7F
        value >>= 7
        if value:
            out.append(bits | 0x80)
        else:
            out.append(bits)
            return bytes(out)


def encode_tag(number: int, wire: int) -> bytes:
    return encode_varint((number << 3) | wire)


def encode_len(number: int, payload: bytes | bytearray | memoryview) -> bytes:
    """A length-delimited field: tag, length, payload."""
    return encode_tag(number, LEN) + encode_varint(len(payload)) + bytes(payload)


def encode_varint_field(number: int, value: int) -> bytes:
    return encode_tag(number, VARINT) + encode_varint(value)


def len_header(number: int, length: int) -> bytes:
    """The tag and length prefix of a length-delimited field whose payload follows."""
    return encode_tag(number, LEN) + encode_varint(length)
