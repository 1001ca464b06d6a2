"""The ONNX writer streams through the caffemodel writer's ordered writer: a writer thread
writes what this thread computes (folded weights, finiteness checks), and the pages of the
caffemodel's map are released from the process once written.

None of it may show in the result: the bytes do not depend on how the pieces travel,
non-finite weights are refused by initializer name with nothing written, a failing write
in the writer thread is an :class:`OutputError` naming the output, and no writer thread
is left behind.  Speed and memory are measured by ``benchmarks/onnx_peers.py``.
"""

from __future__ import annotations

import errno
import mmap
import os
import threading
from pathlib import Path
from typing import IO, Any, Self

import numpy as np
import pytest
from caffe_models import WRITER_THREAD, chunked_model

import caffe2trt_bn.io.caffemodel_writer as caffe_module
import caffe2trt_bn.export.onnx.writer as writer_module
import caffe2trt_bn.passes.fold_weights as fold_module
from caffe2trt_bn.errors import ModelValueError, OutputError
from caffe2trt_bn.export.onnx import to_onnx
from caffe2trt_bn.export.onnx.writer import _MapRelease

def model(folder: Path, conv_weights: np.ndarray | None = None, bn: list[np.ndarray] | None = None) -> tuple[Path, Path]:
    return chunked_model(folder, seed=21, conv_weights=conv_weights, bn=bn)


@pytest.fixture
def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    """Many chunks (one per output channel of "conv"), one piece per batch, one batch
    queued at most: every hand-over path of the writer runs often."""
    monkeypatch.setattr(fold_module, "CHUNK_VALUES", 100)
    monkeypatch.setattr(writer_module, "CHUNK_VALUES", 64)
    monkeypatch.setattr(caffe_module, "BATCH_BYTES", 64)
    monkeypatch.setattr(caffe_module, "QUEUE_BATCHES", 1)
    monkeypatch.setattr(caffe_module, "WRITEBACK_STRIDE", 512)


def writer_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == WRITER_THREAD]


@pytest.mark.parametrize("bn", ["fold", "scale", "keep"])
def test_the_bytes_do_not_depend_on_how_the_pieces_travel(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, bn: str
) -> None:
    proto, caffemodel = model(tmp_path / "in")
    to_onnx(proto, caffemodel, tmp_path / "a.onnx", bn=bn)
    monkeypatch.setattr(fold_module, "CHUNK_VALUES", 100)
    monkeypatch.setattr(writer_module, "CHUNK_VALUES", 64)
    monkeypatch.setattr(caffe_module, "BATCH_BYTES", 64)
    monkeypatch.setattr(caffe_module, "QUEUE_BATCHES", 1)
    to_onnx(proto, caffemodel, tmp_path / "b.onnx", bn=bn)
    assert (tmp_path / "a.onnx").read_bytes() == (tmp_path / "b.onnx").read_bytes()
    assert not writer_threads()


def test_the_model_reads_back_with_the_folded_weights(tmp_path: Path, small_batches: None) -> None:
    onnx = pytest.importorskip("onnx")
    from onnx import numpy_helper

    proto, caffemodel = model(tmp_path / "in")
    to_onnx(proto, caffemodel, tmp_path / "m.onnx")
    m = onnx.load(str(tmp_path / "m.onnx"))
    onnx.checker.check_model(m, full_check=True)
    weights = {t.name: numpy_helper.to_array(t) for t in m.graph.initializer}
    assert weights["conv/weight"].shape == (24, 8, 3, 3) and weights["fc/weight"].shape == (10, 256)
    assert all(np.isfinite(w).all() for w in weights.values())


def test_non_finite_folded_weight_in_a_later_chunk_names_it_and_writes_nothing(
    tmp_path: Path, small_batches: None
) -> None:
    rng = np.random.default_rng(22)
    weights = rng.normal(0, 0.5, (24, 8, 3, 3))
    weights[20, 1, 2, 0] = 1e38  # times about 10: beyond float32, in the chunk of channel 20
    bn = [np.zeros(24), np.full(24, 0.01), np.array([1.0])]
    proto, caffemodel = model(tmp_path / "in", conv_weights=weights, bn=bn)
    out = tmp_path / "m.onnx"
    with pytest.raises(ModelValueError, match="initializer 'conv/weight' holds the non-finite value inf"):
        to_onnx(proto, caffemodel, out)
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in"]
    assert not writer_threads()


class FailingFile:
    """A binary file that runs out of space after ``fail_after`` bytes, recording the
    thread that met the error."""

    def __init__(self, f: IO[Any], fail_after: int) -> None:
        self.f = f
        self.fail_after = fail_after
        self.written = 0
        self.failed_in: str | None = None

    def write(self, data: Any) -> int:
        size = memoryview(data).nbytes
        if self.written + size > self.fail_after:
            self.failed_in = threading.current_thread().name
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        self.written += size
        return self.f.write(data)

    def fileno(self) -> int:
        return self.f.fileno()

    def tell(self) -> int:
        return self.f.tell()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.f.close()


def test_failing_write_in_the_writer_thread_is_an_output_error(
    tmp_path: Path, small_batches: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    proto, caffemodel = model(tmp_path / "in")
    out = tmp_path / "m.onnx"
    out.write_bytes(b"previous")
    opened: list[FailingFile] = []

    def fake_open(path: Any, mode: str = "r", *args: Any, **kwargs: Any) -> FailingFile:
        opened.append(FailingFile(open(path, mode, *args, **kwargs), fail_after=3000))  # noqa: SIM115
        return opened[-1]

    monkeypatch.setattr(writer_module, "open", fake_open, raising=False)
    with pytest.raises(OutputError, match="No space left on device") as info:
        to_onnx(proto, caffemodel, out)
    assert info.value.file == str(out)
    assert [f.failed_in for f in opened] == [WRITER_THREAD]
    assert out.read_bytes() == b"previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in", "m.onnx"]
    assert not writer_threads()


def test_map_pages_released_are_the_whole_pages_under_a_view_of_the_map(tmp_path: Path) -> None:
    page = mmap.PAGESIZE
    path = tmp_path / "blob"
    path.write_bytes(bytes(5 * page))
    with open(path, "rb") as f:
        buf = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    release = _MapRelease(buf)
    calls: list[Any] = []

    class Sink:
        def call(self, action: Any) -> None:
            calls.append(action)

    sink: Any = Sink()
    view = np.frombuffer(buf, dtype="<f4", offset=100, count=(3 * page) // 4)  # bytes 100 to 3 pages + 100
    assert release.after(sink, view) == (page, 3 * page)
    assert release.after(sink, view[: page // 8]) is None  # within one page: nothing whole to release
    assert release.after(sink, np.zeros(4 * page // 4, dtype="<f4")) is None  # not a view of the map
    assert release.after(sink, view[::2]) is None  # not contiguous
    assert _MapRelease(b"\0" * (2 * page)).after(sink, np.zeros(4, dtype="<f4")) is None  # bytes: no map
    assert len(calls) == 1
    calls[0]()  # the madvise itself runs; the values read again from the page cache
    assert not view.any()
    del view
