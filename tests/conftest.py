"""Shared test helpers: the real-Caffe fixtures in ``fixtures/`` and how to read them."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from caffe2trt_bn.io.prototxt import Document, Node

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
CASES = sorted(p.name for p in FIXTURES.iterdir() if (p / "net.caffemodel").exists())

#: Agreement with Caffe's own float32 forward pass, relative to the blob's magnitude
#: (the fused float32 map and Caffe's two-step float32 computation round differently).
CAFFE_RTOL = 2e-5


@dataclass
class Activations:
    """What real Caffe recorded for a fixture: each layer's tops right after it ran."""

    case: Path
    records: list[dict]
    arrays: dict[str, np.ndarray]
    input: np.ndarray

    @classmethod
    def load(cls, case: str | Path) -> "Activations":
        d = FIXTURES / case if not isinstance(case, Path) else case
        meta = json.loads((d / "activations.json").read_text())
        with np.load(d / "activations.npz") as z:
            arrays = {k: z[k] for k in z.files}
        return cls(d, meta["layers"], arrays, np.load(d / "input.npy"))

    def _index(self, layer: str) -> int:
        for i, r in enumerate(self.records):
            if r["layer"] == layer:
                return i
        raise KeyError(layer)

    def before(self, layer: str, blob: str) -> np.ndarray:
        """The value of ``blob`` as ``layer`` read it: its last write before ``layer``."""
        for r in reversed(self.records[: self._index(layer)]):
            if blob in r["tops"]:
                return self.arrays[r["keys"][r["tops"].index(blob)]]
        assert blob == "data", blob
        return self.input

    def after(self, layer: str, blob: str) -> np.ndarray:
        r = self.records[self._index(layer)]
        return self.arrays[r["keys"][r["tops"].index(blob)]]


def apply_scale(x: np.ndarray, scale: np.ndarray, shift: np.ndarray) -> np.ndarray:
    """``x*scale + shift`` per channel of axis 1, in float32 as TensorRT computes it."""
    shape = (1, -1) + (1,) * (x.ndim - 2)
    return (x * scale.reshape(shape) + shift.reshape(shape)).astype(np.float32)


def rel_error(got: np.ndarray, ref: np.ndarray) -> float:
    """Largest absolute difference relative to the reference blob's largest magnitude."""
    return float(np.max(np.abs(got.astype(np.float64) - ref)) / max(float(np.max(np.abs(ref))), 1e-30))


def run_cli(*args: str, cwd: Path | None = None, prefix: Sequence[str] = ()) -> subprocess.CompletedProcess:
    """Runs ``python -m caffe2trt_bn ARGS`` in a subprocess, as a user would.

    ``prefix`` is a command that runs it (e.g. one that drops privileges).
    """
    return subprocess.run(
        [*prefix, sys.executable, "-m", "caffe2trt_bn", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**__import__("os").environ, "PYTHONPATH": str(ROOT)},
        timeout=120,
    )


@pytest.fixture(params=CASES)
def case(request: pytest.FixtureRequest) -> str:
    return request.param


#: Every attribute a prototxt node has (the dataclass fields of Node).
NODE_FIELDS = tuple(f.name for f in dataclasses.fields(Node))


def tree_difference(a: Document | Node, b: Document | Node, where: str = "document") -> str | None:
    """None when two prototxt trees agree in every field of every node, else where not."""
    if type(a) is not type(b):
        return f"{where}: {type(a).__name__} != {type(b).__name__}"
    if isinstance(a, Document):
        assert isinstance(b, Document)
        if (a.path, a._close_lead) != (b.path, b._close_lead):
            return f"{where}: path or trailing trivia"
    else:
        assert isinstance(b, Node)
        for name in NODE_FIELDS:
            if name in ("children", "_items"):
                continue
            if getattr(a, name) != getattr(b, name):
                return f"{where}: {name} {getattr(a, name)!r} != {getattr(b, name)!r}"
        if (a._items is None) != (b._items is None):
            return f"{where}: message list"
    if (a.children is None) != (b.children is None) or len(a.children or ()) != len(b.children or ()):
        return f"{where}: children"
    for i, (x, y) in enumerate(zip(a.children or (), b.children or ())):
        found = tree_difference(x, y, f"{where}/{i}:{x.name}")
        if found:
            return found
    return None
