"""Writes the ONNX file, streaming initializer payloads from the caffemodel's memory map.

The graph (nodes, inputs, outputs) is encoded once by :mod:`.proto`; the initializers
never become ``TensorProto`` objects holding the weights.  Each one is written as its
protobuf record: the small header (``dims``, ``data_type``, ``name``), then the
``raw_data`` field whose payload is copied from the memory map (or from the
folded-weight chunks) straight to the file.  The
protobuf wire format allows the fields of a message in any order, so

    ModelProto = <ir_version, producer, opset_import>  graph(7){ <nodes, name, inputs,
                 outputs>  initializer(5){header, raw_data(9)} ... }

is a valid ModelProto that ``onnx.load`` reads like any other, and the model is never
held twice in memory.  The same input gives the same bytes (no time stamps, no maps).

Speed: the pieces go through the caffemodel writer's ordered writer
(:mod:`caffe2trt_bn.io.caffemodel_writer`): a writer thread writes them while this thread
computes the next ones (the folded weights' float64 arithmetic, the finiteness checks),
write-back to disk starts as the file grows, and the pages of the caffemodel's map an
initializer was copied from are released from the process once written (they stay in
the page cache), so peak RSS does not grow with the model.
"""

from __future__ import annotations

import mmap
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ...errors import ModelValueError, OutputError
from ...io.atomic import atomic_output
from ...io.caffemodel_writer import OrderedWriter
from ...io.wire import len_header
from . import proto
from .context import FLOAT, INT64, Context, Initializer

#: Largest file protobuf readers accept (2 GiB - 1): larger models need external data.
MAX_PROTOBUF_BYTES = (1 << 31) - 1

#: Values per buffer lent to chunk producers (4 MiB of float32).
CHUNK_VALUES = 1 << 20

PRODUCER = "caffe2trt_bn"


@dataclass
class WriteStats:
    """What was written: total bytes, initializer count and their payload bytes."""

    bytes: int
    initializers: int
    weight_bytes: int


def build_model(ctx: Context, outputs: list[tuple[str, tuple[int | str, ...]]], graph_name: str) -> tuple[bytes, bytes]:
    """The serialized ModelProto without its graph, and the GraphProto without initializers.

    With ``--dynamic-batch`` the first dimension is ``N``, except in a shape that
    already names a data-dependent dimension (DetectionOutput's rows: its first axis
    is always 1)."""
    from ... import __version__

    dynamic = ctx.options.dynamic_batch

    def info(name: str, shape: tuple[int | str, ...]) -> bytes:
        dims: list[int | str] = list(shape)
        if dynamic and dims and not any(isinstance(d, str) for d in dims):
            dims[0] = "N"
        return proto.value_info(name, FLOAT, dims)

    graph = proto.graph_body(
        ctx.nodes,
        graph_name or "caffe_net",
        [info(name, shape) for name, shape in ctx.graph_inputs],
        [info(name, shape) for name, shape in outputs],
    )
    return proto.model_head(ctx.opset, PRODUCER, __version__), graph


def write_model(
    ctx: Context, outputs: list[tuple[str, tuple[int | str, ...]]], path: str | Path, inputs: Iterable[str | Path]
) -> WriteStats:
    """Writes the model to ``path`` atomically (nothing is left behind on failure)."""
    model_bytes, graph_bytes = build_model(ctx, outputs, ctx.graph.name)
    headers = [proto.tensor_header(i.name, i.data_type, i.dims, i.nbytes) for i in ctx.initializers]
    records = [len_header(5, len(h) + i.nbytes) + h for h, i in zip(headers, ctx.initializers)]
    graph_size = len(graph_bytes) + sum(len(r) + init.nbytes for r, init in zip(records, ctx.initializers))
    total = len(model_bytes) + len(len_header(7, graph_size)) + graph_size
    if total > MAX_PROTOBUF_BYTES:
        raise OutputError(
            f"the model would take {total} bytes, beyond the 2 GiB limit of a protobuf file "
            "(ONNX external data is not written by this exporter)",
            file=path,
        )
    release = _MapRelease(getattr(getattr(ctx.net, "model", None), "buffer", None))
    weight_bytes = 0
    with atomic_output(path, inputs) as tmp:
        with open(tmp, "wb") as f:
            sink = OrderedWriter(f, background=True)
            try:
                sink.write(model_bytes)
                sink.write(len_header(7, graph_size))
                sink.write(graph_bytes)
                for record, init in zip(records, ctx.initializers):
                    sink.write(record)
                    try:
                        written = _write_payload(sink, init)
                    except ModelValueError as exc:
                        raise exc.with_context(file=init.file, layer=init.layer) from None
                    if written != init.nbytes:
                        raise AssertionError(f"initializer {init.name!r}: wrote {written} bytes, declared {init.nbytes}")
                    weight_bytes += written
                    release.after(sink, init.array if init.array is not None else init.source)
                failed = sink.close()
            except BaseException as exc:  # this thread failed: the writer thread stops too
                failed = sink.close()
                if failed is not None and failed is not exc:
                    raise failed from None  # the file failed on bytes before the ones that failed here
                raise
            if failed is not None:
                raise failed
            size = f.tell()
        if size != total:
            raise AssertionError(f"wrote {size} bytes, computed {total}")
    return WriteStats(total, len(ctx.initializers), weight_bytes)


def _write_payload(sink: OrderedWriter, init: Initializer) -> int:
    """Hands the values of ``init`` to ``sink`` as little-endian raw bytes; returns the
    byte count.  Non-finite float weights are refused by name (TensorRT and Caffe weights
    are finite).  Views of the map are handed over as they are (read-only); computed
    chunks are written into arrays the writer lends (``sink.take``), so none is changed
    before it is written."""
    written = 0
    if init.array is not None:
        array = init.array
        if init.data_type == FLOAT:
            array = array.astype("<f4", copy=False)
            for start in range(0, array.size, CHUNK_VALUES):
                part = np.ascontiguousarray(array.reshape(-1)[start : start + CHUNK_VALUES])
                _check_finite(init, part)
                sink.write(part)
                written += part.nbytes
            return written
        assert init.data_type == INT64
        data = np.ascontiguousarray(array.astype("<i8", copy=False))
        sink.write(data.tobytes())
        return data.nbytes
    assert init.chunks is not None
    f4 = np.dtype("<f4")
    for chunk in init.chunks(lambda n: sink.take(n, f4)):
        part = np.ascontiguousarray(chunk, dtype=f4)
        _check_finite(init, part)
        sink.write(part.reshape(-1))
        written += part.nbytes
    return written


class _MapRelease:
    """Releases from the process the pages of the caffemodel's map that an initializer
    was written from (``madvise(MADV_DONTNEED)``, run by the writer once the bytes are
    written; the file stays in the page cache and a later read faults them in again)."""

    def __init__(self, buf: object) -> None:
        self.buf = buf if isinstance(buf, mmap.mmap) and hasattr(mmap, "MADV_DONTNEED") else None
        self.base = 0
        if self.buf is not None and len(self.buf):
            self.base = np.frombuffer(self.buf, dtype=np.uint8).__array_interface__["data"][0]

    def after(self, sink: OrderedWriter, array: np.ndarray | None) -> tuple[int, int] | None:
        """Queues the release of the whole pages under ``array`` if it is a contiguous
        view of the map; returns the byte range queued (None: nothing to release)."""
        buf = self.buf
        if buf is None or array is None or not array.nbytes or not array.flags.c_contiguous:
            return None
        start = array.__array_interface__["data"][0] - self.base
        end = start + array.nbytes
        if start < 0 or end > len(buf):
            return None  # not a view of the map
        page = mmap.PAGESIZE
        first, last = -(-start // page) * page, end - end % page
        if last <= first:
            return None
        sink.call(lambda: buf.madvise(mmap.MADV_DONTNEED, first, last - first))
        return first, last


def _check_finite(init: Initializer, part: np.ndarray) -> None:
    with np.errstate(invalid="ignore"):  # inf + -inf: a non-finite value, reported below
        total = np.add.reduce(part, dtype=np.float64) if part.size else 0.0
    if not np.isfinite(total):
        bad = np.flatnonzero(~np.isfinite(part))
        if bad.size:
            raise ModelValueError(
                f"initializer {init.name!r} holds the non-finite value {float(part[bad[0]])}: "
                "TensorRT and Caffe weights must be finite"
            )


def file_size(path: str | Path) -> int:
    return os.stat(path).st_size
