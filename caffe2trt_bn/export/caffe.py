"""Writing a caffemodel by wire-level editing of the one it came from.

A folded model differs from the original in a few layers only: the producers that took
folded weights, the BatchNorm/Scale/Bias layers that disappeared, and the Scale layers
that replaced groups which could not fold.  Everything else (every other layer, the
``NetParameter`` fields around them, layers of the TRAIN net that the deploy net does
not use) is copied byte for byte straight from the memory-mapped input, in the same
order, without being decoded.

What an edit does to one stored layer (see :func:`write_caffemodel`):

* ``None``: the layer is dropped.
* ``bytes``: the layer is replaced by that ``LayerParameter`` payload (a new Scale layer,
  built with :func:`scale_layer_payload`).
* :class:`RewriteBlobs`: the layer's non-blob fields keep their bytes; its blob fields
  are re-encoded from new values, streamed in chunks as they are computed, and blobs
  beyond the stored ones are appended after the last stored blob.  ``set_bias_term``
  appends ``<param> { bias_term: true }``: protobuf merges repeated occurrences of a
  singular message field and the last ``bias_term`` wins.

Memory stays small whatever the model size: verbatim ranges are written from the map in
slices, new values are produced chunk by chunk, and pages already written are released
from the process (``madvise(MADV_DONTNEED)``; the file stays in the page cache).
"""

from __future__ import annotations

import mmap
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import BinaryIO, Union

import numpy as np

from .. import wire
from ..caffemodel import (
    B_DATA,
    B_DOUBLE_DATA,
    B_RAW_DATA,
    B_RAW_DATA_TYPE,
    B_SHAPE,
    L_BLOBS,
    L_BOTTOM,
    L_NAME,
    L_TOP,
    L_TYPE,
    NET_LAYER,
    Blob,
    CaffeModel,
    ModelLayer,
)
from ..errors import ModelFormatError, ModelValueError

#: LayerParameter.scale_param, written for new Scale layers.
L_SCALE_PARAM = 142
#: ``bias_term`` in ConvolutionParameter, InnerProductParameter (2) and ScaleParameter (4).
CONV_BIAS_TERM, SCALE_BIAS_TERM = 2, 4
B_DIFF, B_DOUBLE_DIFF = 6, 9
#: BlobProto fields holding values (or their gradients): replaced when a blob is rewritten.
VALUE_FIELDS = frozenset({B_DATA, B_DIFF, B_DOUBLE_DATA, B_DOUBLE_DIFF, B_RAW_DATA_TYPE, B_RAW_DATA})

#: Bytes copied from the map per write, and the stride at which written pages are released.
COPY_SLICE = 32 << 20


@dataclass(frozen=True)
class BlobValues:
    """New values of one blob, produced in chunks only when the layer is written.

    ``chunks()`` yields flat arrays holding ``count`` values in total, in blob order.
    They are written as packed ``double_data`` when ``double`` is set (the stored blob
    held float64), else as packed float32 ``data``.  ``keep_from`` is the stored blob
    whose other fields (``shape`` or the legacy ``num``/``channels``/... dimensions)
    are kept byte for byte; a new blob (``keep_from`` None) gets ``shape`` as its
    ``BlobShape``.
    """

    count: int
    chunks: Callable[[], Iterable[np.ndarray]]
    double: bool = False
    keep_from: Blob | None = None
    shape: tuple[int, ...] = ()

    @property
    def dtype(self) -> np.dtype:
        return np.dtype("<f8" if self.double else "<f4")


@dataclass(frozen=True)
class RewriteBlobs:
    """New blobs for a stored layer; see the module docstring."""

    blobs: Sequence[BlobValues]
    #: Field number of the parameter message (106 convolution_param, 117
    #: inner_product_param) whose ``bias_term`` is set true, or None.
    set_bias_term: int | None = None


#: What happens to one stored layer: dropped, replaced by a payload, or given new blobs.
LayerEdit = Union[None, bytes, RewriteBlobs]


def write_caffemodel(model: CaffeModel, out: BinaryIO, edits: Mapping[int, LayerEdit]) -> None:
    """Writes ``model`` to ``out`` with ``edits`` applied to ``model.layers[index]``.

    Layers without an edit, and every top-level field that is not a layer, are copied
    verbatim in file order.  Raises :class:`ModelFormatError` for an edit of a legacy
    V1 layer and :class:`ModelValueError` when new values are not finite.
    """
    buf = model.buffer
    writer = _Writer(buf, out)
    for index, layer in enumerate(model.layers):
        if index not in edits:
            continue
        start, end = layer.span
        writer.copy_until(start)
        edit = edits[index]
        if isinstance(edit, bytes):
            out.write(wire.len_header(NET_LAYER, len(edit)))
            out.write(edit)
        elif isinstance(edit, RewriteBlobs):
            _write_rewritten(buf, layer, edit, out, model.path)
        writer.skip_to(end)
    writer.copy_until(len(buf))


class _Writer:
    """Copies verbatim ranges of the map and releases the pages it has passed."""

    def __init__(self, buf: mmap.mmap | bytes, out: BinaryIO) -> None:
        self.buf = buf
        self.view = memoryview(buf)  # type: ignore[arg-type]
        self.out = out
        self.pos = 0
        self.released = 0
        self.can_release = isinstance(buf, mmap.mmap) and hasattr(mmap, "MADV_DONTNEED")

    def copy_until(self, end: int) -> None:
        while self.pos < end:
            stop = min(end, self.pos + COPY_SLICE)
            self.out.write(self.view[self.pos:stop])
            self.pos = stop
            self.release()

    def skip_to(self, end: int) -> None:
        self.pos = end
        self.release()

    def release(self) -> None:
        """Drops the pages before the current position from this process (not from the
        page cache), so reading the whole model does not count against its memory."""
        if not self.can_release:
            return
        upto = self.pos - self.pos % mmap.PAGESIZE
        if upto - self.released >= COPY_SLICE or (upto > self.released and self.pos >= len(self.buf)):
            self.buf.madvise(mmap.MADV_DONTNEED, self.released, upto - self.released)  # type: ignore[union-attr]
            self.released = upto


def _write_rewritten(buf: mmap.mmap | bytes, layer: ModelLayer, edit: RewriteBlobs, out: BinaryIO, path: str) -> None:
    """Writes one layer whose non-blob fields keep their bytes and whose blobs are new."""
    if layer.v1:
        raise ModelFormatError(
            "is a legacy V1 layer; upgrade the caffemodel (Caffe's upgrade_net_proto_binary) first",
            file=path,
            layer=layer.name,
        )
    view = memoryview(buf)  # type: ignore[arg-type]
    start, end = layer.payload
    stored = len(layer.blobs)
    if stored == 0 or stored > len(edit.blobs):
        raise ModelFormatError(
            f"rewriting {stored} stored blob(s) with {len(edit.blobs)} new one(s) is not supported",
            file=path,
            layer=layer.name,
        )
    # The payload as pieces: verbatim byte ranges and new blobs, in order.
    pieces: list[memoryview | bytes | _NewBlob] = []
    seen = 0
    pos = start
    for number, wt, _a, b in wire.iter_fields(buf, start, end):
        if number == L_BLOBS and wt == wire.LEN:
            pieces.append(_NewBlob(edit.blobs[seen], buf))
            seen += 1
            if seen == stored:
                pieces.extend(_NewBlob(extra, buf) for extra in edit.blobs[stored:])
        else:
            pieces.append(view[pos:b])
        pos = b
    if edit.set_bias_term is not None:
        pieces.append(wire.encode_len(edit.set_bias_term, wire.encode_varint_field(CONV_BIAS_TERM, 1)))
    out.write(wire.len_header(NET_LAYER, sum(len(p) for p in pieces)))
    for piece in pieces:
        if isinstance(piece, _NewBlob):
            piece.write(out, path, layer.name)
        else:
            out.write(piece)


class _NewBlob:
    """A ``blobs`` field of a rewritten layer: its size is known before its values."""

    def __init__(self, values: BlobValues, buf: mmap.mmap | bytes) -> None:
        self.values = values
        kept = bytearray()
        if values.keep_from is not None:
            a, b = values.keep_from.span
            pos = a
            for number, _wt, _x, y in wire.iter_fields(buf, a, b):
                if number not in VALUE_FIELDS:
                    kept += buf[pos:y]
                pos = y
        else:
            kept += shape_field(values.shape)
        field = B_DOUBLE_DATA if values.double else B_DATA
        self.nbytes = values.count * values.dtype.itemsize
        self.head = bytes(kept) + wire.len_header(field, self.nbytes)
        self.header = wire.len_header(L_BLOBS, len(self.head) + self.nbytes)

    def __len__(self) -> int:
        return len(self.header) + len(self.head) + self.nbytes

    def write(self, out: BinaryIO, path: str, layer: str) -> None:
        out.write(self.header)
        out.write(self.head)
        written = 0
        dtype = self.values.dtype
        for chunk in self.values.chunks():
            chunk = np.ascontiguousarray(chunk, dtype=dtype)
            if not np.isfinite(chunk).all():
                bad = int(np.flatnonzero(~np.isfinite(chunk))[0]) + written
                raise ModelValueError(f"folded value {bad} of a blob is not finite", file=path, layer=layer)
            out.write(chunk.data)
            written += chunk.size
        if written != self.values.count:
            raise AssertionError(f"blob of layer {layer!r}: {written} values produced, {self.values.count} announced")


# --- encoding new messages ----------------------------------------------------------


def shape_field(shape: Sequence[int]) -> bytes:
    """A ``BlobProto.shape`` field: ``BlobShape`` with ``dim`` packed."""
    dims = b"".join(wire.encode_varint(int(d)) for d in shape)
    return wire.encode_len(B_SHAPE, wire.encode_len(1, dims))


def blob_payload(values: np.ndarray) -> bytes:
    """A 1-D float32 ``BlobProto``: ``shape { dim: n }`` and packed ``data``."""
    data = np.ascontiguousarray(values, dtype="<f4").reshape(-1)
    return shape_field((data.size,)) + wire.encode_len(B_DATA, data.tobytes())


def scale_layer_payload(name: str, bottom: str, top: str, scale: np.ndarray, shift: np.ndarray) -> bytes:
    """A ``Scale`` LayerParameter with ``bias_term: true`` and blobs ``scale``, ``shift``."""
    return b"".join(
        (
            wire.encode_len(L_NAME, name.encode("utf-8", "surrogateescape")),
            wire.encode_len(L_TYPE, b"Scale"),
            wire.encode_len(L_BOTTOM, bottom.encode("utf-8", "surrogateescape")),
            wire.encode_len(L_TOP, top.encode("utf-8", "surrogateescape")),
            wire.encode_len(L_BLOBS, blob_payload(scale)),
            wire.encode_len(L_BLOBS, blob_payload(shift)),
            wire.encode_len(L_SCALE_PARAM, wire.encode_varint_field(SCALE_BIAS_TERM, 1)),
        )
    )
