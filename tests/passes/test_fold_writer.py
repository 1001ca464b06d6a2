"""The caffemodel writer of ``fold``: a writer thread writes what the calling thread
computes, into chunk buffers that are lent and recycled, and write-back to disk starts
as the output grows.

None of it may show in the result: the bytes are those the writer gives without its
thread, errors are the same (non-finite values name the file and the layer, a failing
write becomes an :class:`OutputError`, the first in file order wins), and no output and
no thread are left behind on failure.  Speed itself is measured by ``benchmarks/``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import functools
import io
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import numpy as np
import pytest

import caffe2trt_bn.io.caffemodel_writer as caffe_module
import caffe2trt_bn.passes.fold as fold_module
import caffe2trt_bn.passes.fold_weights as fold_weights
from caffe2trt_bn.io.atomic import start_writeback
from caffe2trt_bn.errors import ModelValueError, OutputError
from caffe2trt_bn.io.caffemodel_writer import RewriteBlobs, write_caffemodel
from caffe2trt_bn.passes.fold import FoldPlan, fold, plan_fold
from caffe2trt_bn.passes.fuse import group_affine, match_groups
from caffe2trt_bn.ir.net import load_net

from caffe_models import WRITER_THREAD, chunked_model, layer_message

#: Values per chunk in these tests: every output channel of "conv" (72 values) is a chunk.
SMALL_CHUNK = 100


def chunky_model(
    folder: Path, conv_weights: np.ndarray | None = None, bn: list[np.ndarray] | None = None
) -> tuple[Path, Path]:
    return chunked_model(folder, seed=11, conv_weights=conv_weights, bn=bn)


@pytest.fixture
def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    """Many chunks, one piece per batch, one batch queued at most, write-back started
    and map pages released every few hundred bytes: every hand-over path runs often."""
    monkeypatch.setattr(fold_weights, "CHUNK_VALUES", SMALL_CHUNK)
    monkeypatch.setattr(caffe_module, "BATCH_BYTES", 64)
    monkeypatch.setattr(caffe_module, "QUEUE_BATCHES", 1)
    monkeypatch.setattr(caffe_module, "WRITEBACK_STRIDE", 512)
    monkeypatch.setattr(caffe_module, "COPY_SLICE", 256)


class SlowFile:
    """A binary file that writes slowly, so the writer thread lags behind the chunks
    being computed, and records which thread wrote; it fails with ``error`` once
    ``fail_after`` bytes are written."""

    def __init__(self, f: IO[Any], *, fail_after: int | None = None, error: OSError | None = None) -> None:
        self.f = f
        self.fail_after = fail_after
        self.error = error
        self.threads: set[str] = set()
        self.failed_in: str | None = None
        self.written = 0

    def write(self, data: Any) -> int:
        self.threads.add(threading.current_thread().name)
        size = memoryview(data).nbytes
        if self.fail_after is not None and self.written + size > self.fail_after:
            self.failed_in = threading.current_thread().name
            assert self.error is not None
            raise self.error
        time.sleep(0.0005)
        self.written += size
        return self.f.write(data)

    def fileno(self) -> int:
        return self.f.fileno()

    def tell(self) -> int:
        return self.f.tell()

    def __enter__(self) -> SlowFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.f.close()


def writer_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == WRITER_THREAD]


def planned(proto: Path, model: Path) -> FoldPlan:
    return plan_fold(load_net(proto, model))


def write(plan: FoldPlan, path: Path, *, background: bool, **slow: Any) -> SlowFile:
    with open(path, "wb") as f:
        out = SlowFile(f, **slow)
        write_caffemodel(plan.net.model, out, plan.edits, background=background)  # type: ignore[arg-type]
    return out


# --- the bytes ----------------------------------------------------------------------


def test_threaded_writer_writes_the_bytes_of_the_single_threaded_one(
    tmp_path: Path, small_batches: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    proto, model = chunky_model(tmp_path / "in")
    plan = planned(proto, model)
    lent: list[Any] = []  # the buffers behind the chunks (kept, so ids stay unique)
    take = caffe_module._BufferPool.take

    def counting_take(pool: caffe_module._BufferPool, count: int, dtype: np.dtype) -> np.ndarray:
        array = take(pool, count, dtype)
        lent.append(array.base)
        return array

    monkeypatch.setattr(caffe_module._BufferPool, "take", counting_take)
    threaded = write(plan, tmp_path / "threaded.caffemodel", background=True)
    chunks, buffers = len(lent), len({id(buffer) for buffer in lent})
    direct = write(plan, tmp_path / "direct.caffemodel", background=False)

    assert threaded.threads == {WRITER_THREAD} and direct.threads == {threading.current_thread().name}
    assert (tmp_path / "threaded.caffemodel").read_bytes() == (tmp_path / "direct.caffemodel").read_bytes()
    # 24 chunks for conv, 4 for conv2, in a few buffers lent again and again: at most 3 of
    # each size in use (one written, one queued, one computed).
    assert chunks == 28 and buffers <= 8
    assert not writer_threads()

    # And those bytes are the fold: W[o] * a[o] in float64, rounded once.
    net = load_net(proto, model)
    affine, _ = group_affine(match_groups(net.graph)[0], net)
    conv = net.model.layer("conv")
    assert conv is not None
    weights = conv.blobs[0].data.reshape(24, -1).astype(np.float64)
    expected = (weights * affine.a[:, None]).astype(np.float32).reshape(-1)
    stored = layer_message(tmp_path / "threaded.caffemodel", "conv").blobs[0]
    assert np.array_equal(np.asarray(stored.data, dtype=np.float32), expected)


def test_fold_output_is_the_same_with_and_without_the_thread(
    tmp_path: Path, small_batches: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    proto, model = chunky_model(tmp_path / "in")
    threaded = fold(proto, model, tmp_path / "threaded")
    monkeypatch.setattr(fold_module, "write_caffemodel", functools.partial(write_caffemodel, background=False))
    direct = fold(proto, model, tmp_path / "direct")
    assert threaded.caffemodel.read_bytes() == direct.caffemodel.read_bytes()
    assert threaded.prototxt.read_bytes() == direct.prototxt.read_bytes()


# --- errors -------------------------------------------------------------------------


def overflowing_model(folder: Path) -> tuple[Path, Path, int]:
    """A model whose folded "conv" weights overflow float32 from output channel 20 on
    (a later chunk), and the index of the first value that does."""
    rng = np.random.default_rng(12)
    weights = rng.normal(0, 0.5, (24, 8, 3, 3))
    weights[20, 1, 2, 0] = 1e38
    weights[21, 0, 0, 0] = -2e38
    # mean 0, var 0.01, scale factor 1: a = 1/sqrt(0.01 + eps), about 10.
    bn = [np.zeros(24), np.full(24, 0.01), np.array([1.0])]
    proto, model = chunky_model(folder, conv_weights=weights, bn=bn)
    return proto, model, 20 * 72 + 1 * 9 + 2 * 3 + 0


@pytest.mark.parametrize("background", [True, False])
def test_non_finite_value_in_a_later_chunk_names_the_layer_and_leaves_no_output(
    tmp_path: Path, small_batches: None, monkeypatch: pytest.MonkeyPatch, background: bool
) -> None:
    proto, model, bad = overflowing_model(tmp_path / "in")
    monkeypatch.setattr(fold_module, "write_caffemodel", functools.partial(write_caffemodel, background=background))
    out = tmp_path / "out"
    with pytest.raises(ModelValueError, match=f"folded value {bad} of a blob is not finite") as info:
        fold(proto, model, out)
    assert info.value.layer == "conv" and info.value.file == str(model)
    assert not out.exists()  # the folder fold created is removed again
    assert not writer_threads()


def failing_open(monkeypatch: pytest.MonkeyPatch, fail_after: int) -> list[SlowFile]:
    """Makes ``fold`` write its caffemodel through a SlowFile that runs out of space
    after ``fail_after`` bytes; returns the SlowFiles opened."""
    opened: list[SlowFile] = []
    # Temporary file -> the output it becomes (an unnamed temporary file has no name to tell).
    targets: dict[str, Path] = {}
    real_atomic_output = fold_module.atomic_output

    @contextlib.contextmanager
    def atomic_output(path: Any, *args: Any, **kwargs: Any) -> Iterator[Path]:
        with real_atomic_output(path, *args, **kwargs) as tmp:
            targets[str(tmp)] = Path(path)
            yield tmp

    def fake_open(path: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        f = open(path, mode, *args, **kwargs)
        if "caffemodel" not in targets[str(path)].name:
            return f
        opened.append(SlowFile(f, fail_after=fail_after, error=OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))))
        return opened[-1]

    monkeypatch.setattr(fold_module, "atomic_output", atomic_output)
    monkeypatch.setattr(fold_module, "open", fake_open, raising=False)
    return opened


def test_failing_write_in_the_writer_thread_is_an_output_error(
    tmp_path: Path, small_batches: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    proto, model = chunky_model(tmp_path / "in")
    out = tmp_path / "out"
    out.mkdir()
    (out / "net.caffemodel").write_bytes(b"old model")
    opened = failing_open(monkeypatch, fail_after=3000)
    with pytest.raises(OutputError, match="No space left on device") as info:
        fold(proto, model, out)
    assert info.value.file == str(out / "net.caffemodel")
    assert [f.failed_in for f in opened] == [WRITER_THREAD]
    assert sorted(p.name for p in out.iterdir()) == ["net.caffemodel"]
    assert (out / "net.caffemodel").read_bytes() == b"old model"
    assert not writer_threads()


@pytest.mark.parametrize("background", [True, False])
def test_the_first_error_in_file_order_wins(
    tmp_path: Path, small_batches: None, monkeypatch: pytest.MonkeyPatch, background: bool
) -> None:
    """The disk fills up before the bytes of the bad values: the disk is reported, as
    when everything is written from one thread (whichever thread notices first)."""
    proto, model, bad = overflowing_model(tmp_path / "in")
    monkeypatch.setattr(fold_module, "write_caffemodel", functools.partial(write_caffemodel, background=background))
    # The file holds headers before the weights: this is 200 bytes before the bad value, at least.
    opened = failing_open(monkeypatch, fail_after=bad * 4 - 200)
    with pytest.raises(OutputError, match="No space left on device"):
        fold(proto, model, tmp_path / "out")
    assert [f.failed_in for f in opened] == [WRITER_THREAD if background else threading.current_thread().name]
    assert not writer_threads()


@pytest.mark.parametrize("batch_bytes", [64, 1 << 20])
@pytest.mark.parametrize("background", [True, False])
def test_interrupted_write_stops_the_thread_after_what_came_before(
    tmp_path: Path, small_batches: None, monkeypatch: pytest.MonkeyPatch, background: bool, batch_bytes: int
) -> None:
    monkeypatch.setattr(caffe_module, "BATCH_BYTES", batch_bytes)  # large: all of it still in the batch
    proto, model = chunky_model(tmp_path / "in")
    plan = planned(proto, model)
    write(plan, tmp_path / "full.caffemodel", background=False)
    index, edit = next((i, e) for i, e in plan.edits.items() if isinstance(e, RewriteBlobs))
    weights = edit.blobs[0]

    def interrupted(take: caffe_module.Take) -> Any:
        for n, chunk in enumerate(weights.chunks(take)):
            if n == 5:
                raise KeyboardInterrupt
            yield chunk

    blobs = [dataclasses.replace(weights, chunks=interrupted), *edit.blobs[1:]]
    plan.edits[index] = dataclasses.replace(edit, blobs=blobs)
    with pytest.raises(KeyboardInterrupt):
        write(plan, tmp_path / "partial.caffemodel", background=background)
    assert not writer_threads()
    partial, full = (tmp_path / "partial.caffemodel").read_bytes(), (tmp_path / "full.caffemodel").read_bytes()
    # Everything given to the writer before the interruption is written, nothing after:
    # the file ends after the first 5 output channels (72 float32 each) of "conv".
    first = np.asarray(layer_message(tmp_path / "full.caffemodel", "conv").blobs[0].data[:72], dtype="<f4").tobytes()
    assert partial == full[: full.index(first) + 5 * 72 * 4]


# --- write-back ---------------------------------------------------------------------


def test_write_back_is_started_over_the_whole_output(
    tmp_path: Path, small_batches: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    proto, model = chunky_model(tmp_path / "in")
    plan = planned(proto, model)
    ranges: list[tuple[int, int]] = []
    monkeypatch.setattr(caffe_module, "start_writeback", lambda fd, offset, length: ranges.append((offset, length)))
    path = tmp_path / "out.caffemodel"
    write(plan, path, background=True)
    size = path.stat().st_size
    assert len(ranges) > 10 and ranges[0][0] == 0
    assert all(a + n == b for (a, n), (b, _) in zip(ranges, ranges[1:], strict=False)), "ranges must follow each other"
    assert all(n >= 512 for _, n in ranges) and size - 512 <= sum(n for _, n in ranges) <= size


def test_start_writeback_is_only_a_hint(tmp_path: Path) -> None:
    path = tmp_path / "f"
    with open(path, "wb") as f:
        f.write(b"x" * 10000)
        f.flush()
        start_writeback(f.fileno(), 0, 10000)
    start_writeback(-1, 0, 10)  # a bad descriptor is ignored, as on systems without it
    assert path.read_bytes() == b"x" * 10000


def test_output_without_a_file_descriptor(tmp_path: Path, small_batches: None) -> None:
    proto, model = chunky_model(tmp_path / "in")
    plan = planned(proto, model)
    buffer = io.BytesIO()
    write_caffemodel(plan.net.model, buffer, plan.edits)
    write(plan, tmp_path / "file.caffemodel", background=True)
    assert buffer.getvalue() == (tmp_path / "file.caffemodel").read_bytes()
