"""The benchmark's yardsticks do the work they stand for.

``benchmarks/bench.py`` sets our figures beside floors and a sketch (child programs in
``benchmarks/peers/``): a Python + numpy
process that only copies the model, one that scales every value of it and writes it,
and an unchecked single-purpose reader of the generated models.  Their figures mean
something only if they do that work, so they are run here on a small generated model
(no timing is asserted: the benchmark is the measure).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from benchmarks import models
from benchmarks.measure import PAIRS, measure_paired, run_measured
from benchmarks.peers import script
from benchmarks.peers.sketch import sketch_extract
from caffe2trt_bn import extract


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A small net of the benchmark's shape (two bottleneck blocks per stage, width 4)."""
    folder = tmp_path_factory.mktemp("bench")
    deploy, model, _ = models.write_model("tiny", folder, seed=3, shape=models.ModelKind((2, 2, 2, 2), 4, "tiny"))
    return deploy, model


def test_sketch_computes_what_extract_computes(tiny: tuple[Path, Path]) -> None:
    sketch = sketch_extract(*tiny)
    weights = extract(*tiny)
    # conv1, three per bottleneck block (4 stages of 2), one per stage's shortcut
    assert len(sketch) == len(weights) == 1 + 4 * 2 * 3 + 4
    for (scale, shift), w in zip(sketch, weights, strict=True):
        assert scale.dtype == shift.dtype == np.float32
        np.testing.assert_array_equal(scale, w.scale)
        np.testing.assert_array_equal(shift, w.shift)


def run_floor(child: str, src: Path, dst: Path) -> None:
    subprocess.run([sys.executable, script(child), str(src), str(dst)], check=True, timeout=120)


def test_copy_floor_copies(tiny: tuple[Path, Path], tmp_path: Path) -> None:
    out = tmp_path / "copy.caffemodel"
    run_floor("floor_copy", tiny[1], out)
    assert out.read_bytes() == tiny[1].read_bytes()


def test_scale_floor_scales_every_value(tmp_path: Path) -> None:
    """Every whole chunk of float32 values is widened, multiplied by its row's factor and
    rounded once; the bytes after the last whole chunk are copied."""
    row, chunk = 1024, 1 << 18
    rng = np.random.default_rng(0)
    values = rng.standard_normal(2 * chunk + 3000, dtype=np.float32)
    src = tmp_path / "in.bin"
    src.write_bytes(values.tobytes() + b"\x01\x02\x03")  # and a tail that is no float
    out = tmp_path / "out.bin"
    run_floor("floor_scale", src, out)
    data = out.read_bytes()
    assert len(data) == src.stat().st_size
    factors = np.linspace(0.5, 1.5, values.size // row + 1)
    full = 2 * chunk
    expected = (values[:full].astype(np.float64).reshape(-1, row) * factors[: full // row, None]).astype(np.float32)
    np.testing.assert_array_equal(np.frombuffer(data, np.float32, full), expected.reshape(-1))
    assert data[full * 4 :] == src.read_bytes()[full * 4 :]


def test_paired_child_measures_every_pair(tiny: tuple[Path, Path], tmp_path: Path) -> None:
    """The paired child runs every pair, with every kind of side (extract(), the sketch,
    the protobuf parse) and protobuf's module loaded once for several pairs."""
    assert {side for _, a, _, b in PAIRS.values() for side in (a, b)} == {"extract", "sketch", "protobuf"}
    logged: list[str] = []
    paired = measure_paired({kind: tiny for kind in models.MODELS}, 1, tmp_path, logged.append)
    assert set(paired) == set(PAIRS), logged
    for values in paired.values():
        assert values["a"] > 0 and values["b"] > 0 and values["rounds"] == 1


def test_launcher_reports_the_child_and_kills_it_at_the_timeout(tmp_path: Path) -> None:
    """The launcher passes the child's output and exit code through, and a child still
    running at the timeout is killed and reported as such (the ONNX peers' big model
    is measured with a cap)."""
    done = run_measured([sys.executable, "-c", "import sys; print('out'); sys.exit(3)"], None, tmp_path)
    assert (done.exit, done.timed_out, done.stdout.strip()) == (3, False, "out")
    assert done.rss > 0
    slow = run_measured([sys.executable, "-c", "import time; time.sleep(60)"], None, tmp_path, timeout=0.5)
    assert slow.timed_out and slow.exit == -9
