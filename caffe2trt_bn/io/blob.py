"""BlobProto decoding: a blob's shape and a zero-copy numpy view of its values.

Blob payloads understood (``BlobProto`` field numbers): ``data`` 5 (packed or unpacked
float32), ``double_data`` 8 (packed or unpacked float64), and the NVIDIA Caffe / OpenCV
typed ``raw_data`` 12 with ``raw_data_type`` 10 (FLOAT16, FLOAT, DOUBLE).  Shapes come
from ``shape`` 7 or the legacy ``num``/``channels``/``height``/``width`` 1-4.
:func:`parse_blob` is the one entry point: the layout every Caffe release writes is
decoded by a short path, which declines anything else to the general parser.
"""

from __future__ import annotations

import functools
import mmap
from dataclasses import dataclass

import numpy as np

from ..errors import ModelFormatError
from . import wire

# BlobProto
B_NUM, B_CHANNELS, B_HEIGHT, B_WIDTH, B_DATA, B_SHAPE, B_DOUBLE_DATA = 1, 2, 3, 4, 5, 7, 8
B_RAW_DATA_TYPE, B_RAW_DATA = 10, 12
# raw_data_type enum (NVIDIA Caffe / OpenCV): value -> numpy dtype
RAW_TYPES: dict[int, np.dtype] = {0: np.dtype("<f8"), 1: np.dtype("<f4"), 2: np.dtype("<f2")}
RAW_TYPE_NAMES = {0: "DOUBLE", 1: "FLOAT", 2: "FLOAT16", 3: "INT", 4: "UINT"}
F32 = np.dtype("<f4")


@dataclass(slots=True)
class Blob:
    """One ``BlobProto``: its shape and a flat view of its values in the file.

    ``data`` is read-only and shares memory with the model file; its dtype is the
    stored one (float32, float64 or float16).  ``span`` is the byte range of the
    serialised BlobProto payload.  Slotted and not frozen: a model holds hundreds of
    blobs, and a frozen dataclass pays an ``object.__setattr__`` call per field.
    """

    shape: tuple[int, ...]
    data: np.ndarray
    span: tuple[int, int]
    legacy_shape: bool = False

    @property
    def count(self) -> int:
        return int(self.data.size)

    def array(self) -> np.ndarray:
        """The values shaped as the blob (still a view)."""
        return self.data.reshape(self.shape)


def parse_blob(buf: mmap.mmap | bytes, start: int, end: int) -> Blob:
    """Parses one BlobProto payload into a :class:`Blob` viewing ``buf``.

    The one entry point for blobs: the layout every Caffe release writes is decoded by
    :func:`_parse_caffe_blob`, which declines anything else to the general parser
    :func:`_parse_blob_fields` (which also reports what is wrong with a malformed blob).
    """
    blob = _parse_caffe_blob(buf, start, end)
    return blob if blob is not None else _parse_blob_fields(buf, start, end)


def _parse_blob_fields(buf: mmap.mmap | bytes, start: int, end: int) -> Blob:
    """The general BlobProto parser: any field order and every storage form; reports
    what is wrong with a malformed blob."""
    legacy: list[int | None] = [None, None, None, None]  # num, channels, height, width
    dims: list[int] | None = None
    segments: list[np.ndarray] = []
    raw_type: int | None = None
    raw: tuple[int, int] | None = None
    sources: set[str] = set()
    it = wire.iter_fields(buf, start, end)
    pos = start
    while pos < end:
        # Unpacked repeated floats/doubles are recognised in bulk (see wire.fixed_run).
        tag = buf[pos]
        if tag == 0x2D or tag == 0x41:
            width, dtype, src = (4, "<f4", "data") if tag == 0x2D else (8, "<f8", "double_data")
            n = wire.fixed_run(buf, pos, end, tag, width)
            if n:
                segments.append(np.ndarray((n,), dtype=dtype, buffer=buf, offset=pos + 1, strides=(width + 1,)))
                sources.add(src)
                pos += n * (width + 1)
                it = wire.iter_fields(buf, pos, end)
                continue
            # Too few bytes left for one value: the field loop reports the truncation.
        number, wt, a, b = next(it)
        pos = b
        if number in (B_DATA, B_DOUBLE_DATA) and wt == wire.LEN:
            width, dtype, src = (4, "<f4", "data") if number == B_DATA else (8, "<f8", "double_data")
            if (b - a) % width:
                raise ModelFormatError(f"packed {src} of {b - a} bytes is not a whole number of values")
            segments.append(np.frombuffer(buf, dtype=dtype, count=(b - a) // width, offset=a))
            sources.add(src)
        elif number == B_SHAPE and wt == wire.LEN:
            dims = []
            for n2, wt2, a2, b2 in wire.iter_fields(buf, a, b):
                if n2 == 1 and wt2 == wire.LEN:
                    dims.extend(wire.to_int64(v) for v in wire.packed_varints(buf, a2, b2))
                elif n2 == 1 and wt2 == wire.VARINT:
                    dims.append(wire.to_int64(a2))
        elif 1 <= number <= 4 and wt == wire.VARINT:
            legacy[number - 1] = wire.to_int64(a)
        elif number == B_RAW_DATA_TYPE and wt == wire.VARINT:
            raw_type = a
        elif number == B_RAW_DATA and wt == wire.LEN:
            raw = (a, b)
            sources.add("raw_data")
    if raw is not None:
        rtype = 1 if raw_type is None else raw_type
        if rtype not in RAW_TYPES:
            raise ModelFormatError(f"raw_data of type {RAW_TYPE_NAMES.get(rtype, rtype)} is not a floating-point type")
        raw_dtype = RAW_TYPES[rtype]
        a, b = raw
        if (b - a) % raw_dtype.itemsize:
            raise ModelFormatError(f"raw_data of {b - a} bytes is not a whole number of {raw_dtype.itemsize}-byte values")
        segments.append(np.frombuffer(buf, dtype=raw_dtype, count=(b - a) // raw_dtype.itemsize, offset=a))
    if len(sources) > 1:
        raise ModelFormatError(f"blob holds values in more than one field ({', '.join(sorted(sources))})")
    if not segments:
        data = np.zeros(0, dtype=np.float32)
    elif len(segments) == 1:
        data = segments[0]
    else:
        data = np.concatenate(segments)
    legacy_shape = dims is None and any(v is not None for v in legacy)
    if dims is not None:
        shape = tuple(dims)
    elif legacy_shape:
        shape = tuple(v if v is not None else 0 for v in legacy)
    else:
        shape = (int(data.size),)
    if any(d < 0 for d in shape):
        raise ModelFormatError(f"negative dimension in shape {_shape_text(shape)}")
    expected = _value_count(shape, data.size)
    if expected != data.size:
        needs = f"{expected} values" if expected is not None else f"more than {data.size} values"
        raise ModelFormatError(f"shape {_shape_text(shape)} needs {needs} but the blob holds {data.size}")
    return Blob(shape=shape, data=data, span=(start, end), legacy_shape=legacy_shape)


def _value_count(shape: tuple[int, ...], limit: int) -> int | None:
    """The number of values ``shape`` holds, exactly, or None when it is more than
    ``limit`` (a forged shape of many dims near 2**63 must not cost a huge product)."""
    if 0 in shape:
        return 0
    count = 1
    for d in shape:
        count *= d
        if count > limit:
            return None
    return count


def _shape_text(shape: tuple[int, ...]) -> str:
    """``shape`` for a message: in full up to 8 dims, else the first ones and the count."""
    if len(shape) <= 8:
        return str(shape)
    return f"({', '.join(map(str, shape[:4]))}, ... {len(shape)} dims)"


def _parse_caffe_blob(buf: mmap.mmap | bytes, start: int, end: int) -> Blob | None:
    """The layout every Caffe release writes, decoded without the general field loop:
    packed float32 ``data`` then ``shape`` holding only packed ``dim``s.  None for any
    other layout or any inconsistency; :func:`parse_blob` then decides (and reports).

    This runs for every blob a caller uses (hundreds per model), so the usual case is
    decoded with as few Python steps as possible: a data length of one or two varint
    bytes read inline, and a 1-D shape (every BatchNorm and Scale blob) recognised by
    comparing its bytes with the encoding of ``shape { dim: <value count> }``.
    """
    # The smallest such blob: data tag+length, shape tag+length, dim tag+length, one dim.
    if end - start < 7 or buf[start] != 0x2A:  # data (5), length-delimited
        return None
    size = buf[start + 1]
    if size < 0x80:
        data_at = start + 2
    elif buf[start + 2] < 0x80:
        size = (size & 0x7F) | (buf[start + 2] << 7)
        data_at = start + 3
    else:
        try:
            size, data_at = wire.read_varint(buf, start + 1, end)
        except ModelFormatError:
            return None
    pos = data_at + size
    if size & 3 or pos >= end:
        return None
    count = size >> 2
    shape = buf[pos:end]
    if shape == _one_dim_shape(count):
        dims: tuple[int, ...] = (count,)
    else:
        packed = _packed_dims(shape, count)
        if packed is None:
            return None
        dims = packed
    return Blob(dims, np.frombuffer(buf, F32, count, data_at), (start, end))


@functools.lru_cache(maxsize=1024)
def _one_dim_shape(count: int) -> bytes:
    """The bytes of a BlobProto ``shape`` field holding the single packed ``dim``
    ``count``, as Caffe writes it (cached: a model has few distinct channel counts)."""
    return wire.encode_len(B_SHAPE, wire.encode_len(1, wire.encode_varint(count)))


def _packed_dims(shape: bytes, count: int) -> tuple[int, ...] | None:
    """The dims of a ``shape`` field (its bytes, tag included) holding only packed
    ``dim``s whose product is ``count``; None for any other content."""
    n = len(shape)
    # 0x3A (shape, field 7), its length, 0x0A (dim, packed), the dims' length: both
    # lengths one byte (up to 123 bytes of dims), reaching exactly the end of the blob.
    if n < 5 or n > 127 or shape[0] != 0x3A or shape[1] != n - 2 or shape[2] != 0x0A or shape[3] != n - 4:
        return None
    raw = shape[4:]
    if max(raw) < 0x80:  # every dim below 128: one byte each
        dims = tuple(raw)
    else:
        try:
            dims = tuple(wire.to_int64(v) for v in wire.packed_varints(raw, 0, len(raw)))
        except ModelFormatError:
            return None
        if any(d < 0 for d in dims):
            return None
    return dims if _value_count(dims, count) == count else None
