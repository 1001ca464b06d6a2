"""Binary ``.caffemodel`` reading: the layer list with zero-copy views of every blob.

A caffemodel is a serialised ``NetParameter``.  Only the small fields of each layer are
decoded (name, type, bottoms, tops); each blob becomes a :class:`Blob` whose ``data`` is
a numpy view straight into the memory-mapped file, so reading a 600 MB model touches
only the pages of the layers a caller asks for.  Byte spans of every layer are kept so
writers can copy untouched layers verbatim.

Blob payloads understood (``BlobProto`` field numbers): ``data`` 5 (packed or unpacked
float32), ``double_data`` 8 (packed or unpacked float64), and the NVIDIA Caffe / OpenCV
typed ``raw_data`` 12 with ``raw_data_type`` 10 (FLOAT16, FLOAT, DOUBLE).  Shapes come
from ``shape`` 7 or the legacy ``num``/``channels``/``height``/``width`` 1-4.
"""

from __future__ import annotations

import math
import mmap
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import wire
from .errors import Caffe2TrtError, ModelFormatError, file_error

# NetParameter
NET_NAME, NET_LAYERS_V1, NET_LAYER = 1, 2, 100
# LayerParameter
L_NAME, L_TYPE, L_BOTTOM, L_TOP, L_BLOBS = 1, 2, 3, 4, 7
# V1LayerParameter
V1_BOTTOM, V1_TOP, V1_NAME, V1_TYPE, V1_BLOBS = 2, 3, 4, 5, 6
# BlobProto
B_NUM, B_CHANNELS, B_HEIGHT, B_WIDTH, B_DATA, B_SHAPE, B_DOUBLE_DATA = 1, 2, 3, 4, 5, 7, 8
B_RAW_DATA_TYPE, B_RAW_DATA = 10, 12
# raw_data_type enum (NVIDIA Caffe / OpenCV): value -> numpy dtype
RAW_TYPES: dict[int, np.dtype] = {0: np.dtype("<f8"), 1: np.dtype("<f4"), 2: np.dtype("<f2")}
RAW_TYPE_NAMES = {0: "DOUBLE", 1: "FLOAT", 2: "FLOAT16", 3: "INT", 4: "UINT"}


@dataclass(frozen=True)
class Blob:
    """One ``BlobProto``: its shape and a flat view of its values in the file.

    ``data`` is read-only and shares memory with the model file; its dtype is the
    stored one (float32, float64 or float16).  ``span`` is the byte range of the
    serialised BlobProto payload.
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


@dataclass(eq=False)
class ModelLayer:
    """A layer as stored in the caffemodel.

    ``span`` is the byte range of the whole field (tag, length and payload) in the
    file, ``payload`` the LayerParameter bytes alone; ``v1`` marks a legacy
    ``layers`` entry, whose ``type`` is then the V1 enum name or number.
    ``blob_spans`` are the byte ranges of the BlobProto payloads; :attr:`blobs`
    parses them on first use only, so reading a model costs time per layer, not per
    blob (a tool that needs the BatchNorm blobs never decodes the convolutions').
    """

    name: str
    type: str
    bottoms: list[str]
    tops: list[str]
    blob_spans: list[tuple[int, int]]
    span: tuple[int, int]
    payload: tuple[int, int]
    v1: bool = False
    buffer: mmap.mmap | bytes = field(default=b"", repr=False)
    path: str = field(default="<memory>", repr=False)
    _blobs: list[Blob] | None = field(default=None, init=False, repr=False)

    @property
    def blobs(self) -> list[Blob]:
        """The layer's blobs (views into :attr:`buffer`); a malformed blob raises
        :class:`ModelFormatError` naming the file and the layer."""
        if self._blobs is None:
            blobs: list[Blob] = []
            for i, (a, b) in enumerate(self.blob_spans):
                try:
                    blobs.append(parse_blob(self.buffer, a, b))
                except Caffe2TrtError as exc:
                    exc.message = f"blob {i}: {exc.message}"
                    layer = self.name or f"#{len(self.blob_spans)}@{self.payload[0]}"
                    raise exc.with_context(file=self.path, layer=layer) from None
            self._blobs = blobs
        return self._blobs


@dataclass
class CaffeModel:
    """A parsed caffemodel; ``buffer`` keeps the memory map alive for the blob views."""

    path: str
    name: str
    layers: list[ModelLayer]
    buffer: mmap.mmap | bytes = field(repr=False)
    by_name: dict[str, ModelLayer] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        # Caffe copies weights source layer by source layer, so a later duplicate wins.
        self.by_name = {layer.name: layer for layer in self.layers}

    def layer(self, name: str) -> ModelLayer | None:
        return self.by_name.get(name)

    @property
    def is_v1(self) -> bool:
        return any(layer.v1 for layer in self.layers)


def open_readonly_map(path: str | Path) -> mmap.mmap:
    """Memory-maps ``path`` read-only, turning OS errors into user errors."""
    p = str(path)
    try:
        with open(p, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            if size == 0:
                raise ModelFormatError("the file is empty", file=p)
            return mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    except OSError as exc:
        raise file_error(exc, p, what="caffemodel file") from None


def read_caffemodel(path: str | Path) -> CaffeModel:
    """Reads a binary caffemodel into a :class:`CaffeModel` without copying blob data."""
    p = str(path)
    buf = open_readonly_map(p)
    try:
        return parse_caffemodel(buf, p)
    except Caffe2TrtError as exc:
        if looks_like_text(buf):
            raise ModelFormatError(
                "this is a text file, not a binary caffemodel (did you swap the prototxt and the caffemodel?)",
                file=p,
            ) from None
        raise exc.with_context(file=p)


def looks_like_text(buf: mmap.mmap | bytes) -> bool:
    """True when the first bytes are printable text: a prototxt given as caffemodel."""
    head = bytes(buf[:512])
    if not head:
        return False
    printable = sum(1 for b in head if 32 <= b < 127 or b in (9, 10, 13))
    return printable == len(head)


def parse_caffemodel(buf: mmap.mmap | bytes, path: str = "<memory>") -> CaffeModel:
    """Parses NetParameter bytes held in ``buf`` (see :func:`read_caffemodel`)."""
    name = ""
    layers: list[ModelLayer] = []
    pos = 0
    end = len(buf)
    for number, wt, a, b in wire.iter_fields(buf, 0, end):
        if number == NET_LAYER and wt == wire.LEN:
            layers.append(_parse_layer(buf, a, b, (pos, b), path, v1=False))
        elif number == NET_LAYERS_V1 and wt == wire.LEN:
            layers.append(_parse_layer(buf, a, b, (pos, b), path, v1=True))
        elif number == NET_NAME and wt == wire.LEN:
            name = wire.decode_string(buf, a, b)
        pos = b
    if not layers:
        raise ModelFormatError("no layers found: not a Caffe caffemodel", file=path)
    return CaffeModel(path=path, name=name, layers=layers, buffer=buf)


def _parse_layer(
    buf: mmap.mmap | bytes, start: int, end: int, span: tuple[int, int], path: str, *, v1: bool
) -> ModelLayer:
    if v1:
        f_name, f_type, f_bottom, f_top, f_blobs = V1_NAME, V1_TYPE, V1_BOTTOM, V1_TOP, V1_BLOBS
    else:
        f_name, f_type, f_bottom, f_top, f_blobs = L_NAME, L_TYPE, L_BOTTOM, L_TOP, L_BLOBS
    name = ""
    type_ = ""
    bottoms: list[str] = []
    tops: list[str] = []
    blob_spans: list[tuple[int, int]] = []
    for number, wt, a, b in wire.iter_fields(buf, start, end):
        if wt == wire.LEN:
            if number == f_blobs:
                blob_spans.append((a, b))
            elif number == f_name:
                name = wire.decode_string(buf, a, b)
            elif number == f_bottom:
                bottoms.append(wire.decode_string(buf, a, b))
            elif number == f_top:
                tops.append(wire.decode_string(buf, a, b))
            elif number == f_type and not v1:
                type_ = wire.decode_string(buf, a, b)
        elif v1 and number == f_type and wt == wire.VARINT:
            type_ = v1_type_name(a)
    return ModelLayer(
        name=name, type=type_, bottoms=bottoms, tops=tops, blob_spans=blob_spans, span=span,
        payload=(start, end), v1=v1, buffer=buf, path=path,
    )


def parse_blob(buf: mmap.mmap | bytes, start: int, end: int) -> Blob:
    """Parses one BlobProto payload into a :class:`Blob` viewing ``buf``."""
    blob = _parse_caffe_blob(buf, start, end)
    if blob is not None:
        return blob
    legacy = [None, None, None, None]  # num, channels, height, width
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
        dtype = RAW_TYPES[rtype]
        a, b = raw
        if (b - a) % dtype.itemsize:
            raise ModelFormatError(f"raw_data of {b - a} bytes is not a whole number of {dtype.itemsize}-byte values")
        segments.append(np.frombuffer(buf, dtype=dtype, count=(b - a) // dtype.itemsize, offset=a))
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
        shape = tuple(v if v is not None else 0 for v in legacy)  # type: ignore[misc]
    else:
        shape = (int(data.size),)
    if any(d < 0 for d in shape):
        raise ModelFormatError(f"negative dimension in shape {shape}")
    expected = int(np.prod(shape, dtype=np.float64)) if shape else 1
    if expected != data.size:
        raise ModelFormatError(f"shape {shape} needs {expected} values but the blob holds {data.size}")
    return Blob(shape=shape, data=data, span=(start, end), legacy_shape=legacy_shape)


def _parse_caffe_blob(buf: mmap.mmap | bytes, start: int, end: int) -> Blob | None:
    """The layout every Caffe release writes, decoded without the general field loop:
    packed float32 ``data`` then ``shape`` holding only packed ``dim``s.  None for any
    other layout or any inconsistency; :func:`parse_blob` then decides (and reports)."""
    if end - start < 4 or buf[start] != 0x2A:  # data (5), length-delimited
        return None
    try:
        size, data_at = wire.read_varint(buf, start + 1, end)
        pos = data_at + size
        if size % 4 or pos + 2 > end or buf[pos] != 0x3A:  # shape (7)
            return None
        shape_size, pos = wire.read_varint(buf, pos + 1, end)
        if pos + shape_size != end or shape_size < 2 or buf[pos] != 0x0A:  # dim (1), packed
            return None
        dims_size, pos = wire.read_varint(buf, pos + 1, end)
    except ModelFormatError:
        return None
    if pos + dims_size != end:
        return None
    raw = buf[pos:end]
    if max(raw, default=0) < 0x80:  # every dim below 128: one byte each
        dims = tuple(raw)
    else:
        try:
            dims = tuple(wire.to_int64(v) for v in wire.packed_varints(buf, pos, end))
        except ModelFormatError:
            return None
        if any(d < 0 for d in dims):
            return None
    count = size // 4
    if math.prod(dims) != count:
        return None
    return Blob(shape=dims, data=np.frombuffer(buf, dtype="<f4", count=count, offset=data_at), span=(start, end))


def v1_type_name(value: int) -> str:
    """The name of a V1 ``LayerType`` enum value (V1 nets predate BatchNorm)."""
    return V1_TYPES.get(value, f"V1 type {value}")


# BVLC V1LayerParameter.LayerType, the values used by old nets.
V1_TYPES: dict[int, str] = {
    0: "NONE", 35: "ABSVAL", 1: "ACCURACY", 30: "ARGMAX", 2: "BNLL", 3: "CONCAT",
    37: "CONTRASTIVE_LOSS", 4: "CONVOLUTION", 5: "DATA", 39: "DECONVOLUTION", 6: "DROPOUT",
    32: "DUMMY_DATA", 7: "EUCLIDEAN_LOSS", 25: "ELTWISE", 38: "EXP", 8: "FLATTEN",
    9: "HDF5_DATA", 10: "HDF5_OUTPUT", 28: "HINGE_LOSS", 11: "IM2COL", 12: "IMAGE_DATA",
    13: "INFOGAIN_LOSS", 14: "INNER_PRODUCT", 15: "LRN", 29: "MEMORY_DATA",
    16: "MULTINOMIAL_LOGISTIC_LOSS", 34: "MVN", 17: "POOLING", 26: "POWER", 18: "RELU",
    19: "SIGMOID", 27: "SIGMOID_CROSS_ENTROPY_LOSS", 36: "SILENCE", 20: "SOFTMAX",
    21: "SOFTMAX_LOSS", 22: "SPLIT", 33: "SLICE", 23: "TANH", 24: "WINDOW_DATA", 31: "THRESHOLD",
}
