"""The benchmark's yardsticks do the work they stand for.

``benchmarks/bench.py`` sets our figures beside floors and a sketch: a Python + numpy
process that only copies the model, one that scales every value of it and writes it,
and an unchecked single-purpose reader of the generated models.  Their figures mean
something only if they do that work, so they are run here on a small generated model
(no timing is asserted: the benchmark is the measure).
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

from caffe2trt_bn import extract

BENCH = Path(__file__).resolve().parent.parent / "benchmarks" / "bench.py"


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_under_test", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def tiny(bench: ModuleType, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A small net of the benchmark's shape (two bottleneck blocks per stage, width 4)."""
    folder = tmp_path_factory.mktemp("bench")
    bench.MODELS["tiny"] = bench.ModelKind((2, 2, 2, 2), 4, "tiny")
    try:
        deploy, model, _ = bench.write_model("tiny", folder, seed=3)
    finally:
        del bench.MODELS["tiny"]
    return deploy, model


def test_sketch_computes_what_extract_computes(bench: ModuleType, tiny: tuple[Path, Path]) -> None:
    namespace: dict[str, object] = {}
    exec(bench.SKETCH_WORK, namespace)
    sketch = namespace["sketch_extract"](*tiny)  # type: ignore[operator]
    weights = extract(*tiny)
    # conv1, three per bottleneck block (4 stages of 2), one per stage's shortcut
    assert len(sketch) == len(weights) == 1 + 4 * 2 * 3 + 4
    for (scale, shift), w in zip(sketch, weights):
        assert scale.dtype == shift.dtype == np.float32
        np.testing.assert_array_equal(scale, w.scale)
        np.testing.assert_array_equal(shift, w.shift)


def run_floor(child: str, src: Path, dst: Path) -> None:
    subprocess.run([sys.executable, "-c", child, str(src), str(dst)], check=True, timeout=120)


def test_copy_floor_copies(bench: ModuleType, tiny: tuple[Path, Path], tmp_path: Path) -> None:
    out = tmp_path / "copy.caffemodel"
    run_floor(bench.FLOOR_COPY_CHILD, tiny[1], out)
    assert out.read_bytes() == tiny[1].read_bytes()


def test_scale_floor_scales_every_value(bench: ModuleType, tmp_path: Path) -> None:
    """Every whole chunk of float32 values is widened, multiplied by its row's factor and
    rounded once; the bytes after the last whole chunk are copied."""
    row, chunk = 1024, 1 << 18
    rng = np.random.default_rng(0)
    values = rng.standard_normal(2 * chunk + 3000, dtype=np.float32)
    src = tmp_path / "in.bin"
    src.write_bytes(values.tobytes() + b"\x01\x02\x03")  # and a tail that is no float
    out = tmp_path / "out.bin"
    run_floor(bench.FLOOR_SCALE_CHILD, src, out)
    data = out.read_bytes()
    assert len(data) == src.stat().st_size
    factors = np.linspace(0.5, 1.5, values.size // row + 1)
    full = 2 * chunk
    expected = (values[:full].astype(np.float64).reshape(-1, row) * factors[: full // row, None]).astype(np.float32)
    np.testing.assert_array_equal(np.frombuffer(data, np.float32, full), expected.reshape(-1))
    assert data[full * 4 :] == src.read_bytes()[full * 4 :]


def test_paired_child_measures_every_pair(bench: ModuleType, tiny: tuple[Path, Path], tmp_path: Path) -> None:
    """The paired child runs every pair, with every kind of side (extract(), the sketch,
    the protobuf parse) and protobuf's module loaded once for several pairs."""
    assert {side for _, a, _, b in bench.PAIRS.values() for side in (a, b)} == {"extract", "sketch", "protobuf"}
    logged: list[str] = []
    paired = bench.measure_paired({kind: tiny for kind in bench.MODELS}, 1, tmp_path, logged.append)
    assert set(paired) == set(bench.PAIRS), logged
    for values in paired.values():
        assert values["a"] > 0 and values["b"] > 0 and values["rounds"] == 1
