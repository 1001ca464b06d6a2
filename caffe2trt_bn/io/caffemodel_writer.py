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
slices, new values are produced chunk by chunk into a few recycled buffers, and pages
already written are released from the process (``madvise(MADV_DONTNEED)``; the file
stays in the page cache).

Speed: computing new values (numpy) and writing (``write()``) both release the GIL, so
a writer thread writes what the calling thread has computed while it computes the
next chunk; and write-back to disk is started as the output grows
(:func:`atomic.start_writeback`), so the fsync that makes the output durable finds
little left to do.
"""

from __future__ import annotations

import mmap
import queue
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import BinaryIO

import numpy as np

from ..errors import ModelFormatError, ModelValueError
from . import wire
from .atomic import start_writeback
from .blob import B_DATA, B_DOUBLE_DATA, B_RAW_DATA, B_RAW_DATA_TYPE, B_SHAPE, Blob
from .caffemodel import (
    L_BLOBS,
    L_BOTTOM,
    L_NAME,
    L_TOP,
    L_TYPE,
    NET_LAYER,
    CaffeModel,
    ModelLayer,
)

#: LayerParameter.scale_param, written for new Scale layers.
L_SCALE_PARAM = 142
#: ``bias_term`` in ConvolutionParameter, InnerProductParameter (2) and ScaleParameter (4).
CONV_BIAS_TERM, SCALE_BIAS_TERM = 2, 4
B_DIFF, B_DOUBLE_DIFF = 6, 9
#: BlobProto fields holding values (or their gradients): replaced when a blob is rewritten.
VALUE_FIELDS = frozenset({B_DATA, B_DIFF, B_DOUBLE_DATA, B_DOUBLE_DIFF, B_RAW_DATA_TYPE, B_RAW_DATA})

#: Bytes copied from the map per write, and the stride at which written pages are released.
COPY_SLICE = 8 << 20
#: Bytes gathered before they go to the writer thread as one batch: every hand-over
#: costs a wake-up and a GIL switch, so pieces (headers, chunks) travel in batches.
BATCH_BYTES = 1 << 20
#: Batches waiting for the writer thread at most; the computing thread waits beyond
#: that, which bounds the memory held by chunks not yet written.
QUEUE_BATCHES = 4
#: Bytes written between two requests to start write-back to disk.
WRITEBACK_STRIDE = 16 << 20

#: Lends an empty array of ``n`` values of the blob's dtype; see :class:`BlobValues`.
Take = Callable[[int], np.ndarray]


@dataclass(frozen=True)
class BlobValues:
    """New values of one blob, produced in chunks only when the layer is written.

    ``chunks(take)`` yields flat arrays holding ``count`` values in total, in blob
    order.  ``take(n)`` lends an empty array of ``n`` values of :attr:`dtype` to fill
    and yield: the writer writes it later, from its writer thread, then lends it again,
    so the producer must not touch a chunk once yielded.  Any other array yielded is
    written as it is and must not change afterwards either.

    Values are written as packed ``double_data`` when ``double`` is set (the stored blob
    held float64), else as packed float32 ``data``.  ``keep_from`` is the stored blob
    whose other fields (``shape`` or the legacy ``num``/``channels``/... dimensions)
    are kept byte for byte; a new blob (``keep_from`` None) gets ``shape`` as its
    ``BlobShape``.
    """

    count: int
    chunks: Callable[[Take], Iterable[np.ndarray]]
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
LayerEdit = None | bytes | RewriteBlobs


def write_caffemodel(
    model: CaffeModel, out: BinaryIO, edits: Mapping[int, LayerEdit], *, background: bool = True
) -> None:
    """Writes ``model`` to ``out`` with ``edits`` applied to ``model.layers[index]``.

    Layers without an edit, and every top-level field that is not a layer, are copied
    verbatim in file order.  Raises :class:`ModelFormatError` for an edit of a legacy
    V1 layer, :class:`ModelValueError` when new values are not finite, and the errors of
    ``out`` as they are; when several happen, the first in file order.  ``background``
    writes from a writer thread; False writes from the calling thread (same bytes, same
    errors).
    """
    buf = model.buffer
    sink = OrderedWriter(out, background=background)
    try:
        copier = _Copier(buf, sink)
        for index, layer in enumerate(model.layers):
            if index not in edits:
                continue
            start, end = layer.span
            copier.copy_until(start)
            edit = edits[index]
            if isinstance(edit, bytes):
                sink.write(wire.len_header(NET_LAYER, len(edit)))
                sink.write(edit)
            elif isinstance(edit, RewriteBlobs):
                _write_rewritten(buf, layer, edit, sink, model.path)
            copier.skip_to(end)
        copier.copy_until(len(buf))
        first = sink.close()
    except BaseException as exc:  # this thread failed (or was interrupted while closing)
        first = sink.close()
        if first is not None and first is not exc:
            raise first from None  # ``out`` failed on bytes before the ones that failed here
        raise
    if first is not None:
        raise first


#: A piece to write (``bytes``, a view of the map, a chunk array) or an action to run
#: once the pieces before it are written.
_Item = bytes | memoryview | np.ndarray | Callable[[], None]
_STOP = None


class OrderedWriter:
    """Writes pieces to ``out`` in order, from a writer thread when ``background``.

    A piece must not change until written: ``bytes``, views of the read-only map, or
    arrays lent by :meth:`take` (lent again once written).  :meth:`call` runs an action
    once every piece before it is written (releasing pages of the map).  Pieces travel
    in batches of about :data:`BATCH_BYTES`.  Once ``out`` has failed, the next
    :meth:`write` or :meth:`call` raises its error and nothing more is written;
    :meth:`close` ends the thread.
    """

    def __init__(self, out: BinaryIO, *, background: bool) -> None:
        self.out = out
        self.pool = _BufferPool()
        self.batch: list[_Item] = []
        self.batch_bytes = 0
        #: The first error of ``out``, set by whichever thread writes.
        self.error: BaseException | None = None
        # Bytes written, and of those, the ones whose write-back was started.
        self.written = self.kicked = 0
        self.fd: int | None = None
        self.offset = 0
        try:
            self.fd, self.offset = out.fileno(), out.tell()
        except (AttributeError, OSError, ValueError):  # not a file (io.UnsupportedOperation is both)
            self.fd = None
        self.queue: queue.Queue[list[_Item] | None] | None = None
        self.thread: threading.Thread | None = None
        if background:
            self.queue = queue.Queue(maxsize=QUEUE_BATCHES)
            self.thread = threading.Thread(target=self._run, name="caffemodel-writer", daemon=True)
            self.thread.start()

    def take(self, count: int, dtype: np.dtype) -> np.ndarray:
        return self.pool.take(count, dtype)

    def write(self, data: bytes | memoryview | np.ndarray) -> None:
        self._add(data, data.nbytes if isinstance(data, (np.ndarray, memoryview)) else len(data))

    def call(self, action: Callable[[], None]) -> None:
        self._add(action, 0)

    def close(self) -> BaseException | None:
        """Writes every piece given so far (also when the caller stops on an error of
        its own: they come before it in the file, and a writer without a thread would
        have written them), ends the writer thread, and returns the first error of
        ``out``, or None."""
        try:
            self._hand_over()
        except BaseException as exc:  # noqa: BLE001  (kept and returned: any failure of ``out``, this thread)
            if self.error is None:
                self.error = exc
        if self.thread is not None and self.queue is not None:
            self.queue.put(_STOP)
            self.thread.join()
            self.thread = None
        return self.error

    def _add(self, item: _Item, size: int) -> None:
        if self.error is not None:
            raise self.error
        self.batch.append(item)
        self.batch_bytes += size
        if self.batch_bytes >= BATCH_BYTES:
            self._hand_over()

    def _hand_over(self) -> None:
        batch, self.batch, self.batch_bytes = self.batch, [], 0
        if self.queue is None:
            self._write_batch(batch)
        elif batch:
            self.queue.put(batch)

    def _run(self) -> None:
        assert self.queue is not None
        while True:
            batch = self.queue.get()
            if batch is _STOP:
                return
            if self.error is None:
                try:
                    self._write_batch(batch)
                except BaseException as exc:  # noqa: BLE001  (carried to the calling thread, raised there)
                    self.error = exc

    def _write_batch(self, batch: list[_Item]) -> None:
        for item in batch:
            if callable(item):
                item()
                continue
            if isinstance(item, np.ndarray):
                self.out.write(item.data)
                self.written += item.nbytes
                self.pool.give_back(item)
            else:
                self.out.write(item)
                self.written += len(item) if isinstance(item, bytes) else item.nbytes
        if self.fd is not None and self.written - self.kicked >= WRITEBACK_STRIDE:
            start_writeback(self.fd, self.offset + self.kicked, self.written - self.kicked)
            self.kicked = self.written


class _BufferPool:
    """Arrays lent for chunks (:meth:`take`) and recycled once written (:meth:`give_back`).

    Chunk buffers are allocated once, not per chunk: fresh memory costs a page fault per
    4 KiB every time.  Sizes are rounded up to a power of two so that buffers fit the
    next chunks, whose sizes vary a little with the row length.  ``take`` runs in the
    calling thread and ``give_back`` in the writer thread; list appends and pops are
    atomic, and only ``take`` pops.
    """

    def __init__(self) -> None:
        self.free: list[np.ndarray] = []
        self.owned: dict[int, np.ndarray] = {}

    def take(self, count: int, dtype: np.dtype) -> np.ndarray:
        nbytes = count * dtype.itemsize
        while self.free:
            buf = self.free.pop()
            if buf.nbytes >= nbytes:
                return buf[:nbytes].view(dtype)
            del self.owned[id(buf)]  # too small for this blob's chunks
        buf = np.empty(1 << max(nbytes - 1, 0).bit_length(), dtype=np.uint8)
        self.owned[id(buf)] = buf
        return buf[:nbytes].view(dtype)

    def give_back(self, chunk: np.ndarray) -> None:
        """Lends the buffer ``chunk`` views again, if it is one of the pool's."""
        base = chunk.base
        if base is not None and self.owned.get(id(base)) is base:
            self.free.append(base)


class _Copier:
    """Copies verbatim ranges of the map and releases the pages it has passed."""

    def __init__(self, buf: mmap.mmap | bytes, out: OrderedWriter) -> None:
        self.buf = buf
        self.view = memoryview(buf)
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
        page cache), so reading the whole model does not count against its memory.
        Runs once the writer has written everything before it (it reads those pages)."""
        if not self.can_release:
            return
        upto = self.pos - self.pos % mmap.PAGESIZE
        if upto - self.released >= COPY_SLICE or (upto > self.released and self.pos >= len(self.buf)):
            start, buf = self.released, self.buf
            self.out.call(lambda: buf.madvise(mmap.MADV_DONTNEED, start, upto - start))  # type: ignore[union-attr]
            self.released = upto


def _write_rewritten(
    buf: mmap.mmap | bytes, layer: ModelLayer, edit: RewriteBlobs, out: OrderedWriter, path: str
) -> None:
    """Writes one layer whose non-blob fields keep their bytes and whose blobs are new."""
    if layer.v1:
        raise ModelFormatError(
            "is a legacy V1 layer; upgrade the caffemodel (Caffe's upgrade_net_proto_binary) first",
            file=path,
            layer=layer.name,
        )
    view = memoryview(buf)
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

    def write(self, out: OrderedWriter, path: str, layer: str) -> None:
        out.write(self.header)
        out.write(self.head)
        written = 0
        dtype = self.values.dtype
        for piece in self.values.chunks(lambda n: out.take(n, dtype)):
            chunk = np.ascontiguousarray(piece, dtype=dtype)
            if not np.isfinite(chunk).all():
                bad = int(np.flatnonzero(~np.isfinite(chunk))[0]) + written
                raise ModelValueError(f"folded value {bad} of a blob is not finite", file=path, layer=layer)
            out.write(chunk.reshape(-1))
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
