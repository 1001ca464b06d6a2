"""protobuf is an optional dependency (the ``proto`` extra): only the shipped
``caffe2trt_bn.caffe_pb2`` imports it.  Every other module, and every command, must work
without it."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "caffe2trt_bn"
FIXTURE = ROOT / "fixtures" / "branching"

#: Run before the command: makes ``import google`` (and so google.protobuf) fail.
_BLOCK_PROTOBUF = "import sys; sys.modules['google'] = None; "


def _imported_modules(path: Path) -> set[str]:
    """Top-level names of every absolute import in ``path`` (lazy ones too)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            names.add(node.module)
    return names


def test_only_caffe_pb2_imports_protobuf() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}: {name}"
        for path in sorted(PACKAGE.rglob("*.py"))
        if path.name != "caffe_pb2.py"
        for name in sorted(_imported_modules(path))
        if name == "google" or name.startswith("google.")
    ]
    assert offenders == []


@pytest.mark.parametrize(
    ("command", "outputs"),
    [
        (["{p}", "{m}", "-o", "{o}/w.h5"], ["w.h5"]),
        (["{p}", "{m}", "-o", "{o}/w.npz"], ["w.npz"]),
        (["{p}", "{m}", "-o", "{o}/w.wts"], ["w.wts"]),
        (["fold", "{p}", "{m}", "-o", "{o}/folded"], ["folded/deploy.prototxt", "folded/net.caffemodel"]),
        (["to-deploy", "{t}", "-o", "{o}/deploy.prototxt"], ["deploy.prototxt"]),
        (["inspect", "{p}", "{m}"], []),
        (["onnx", "{p}", "{m}", "-o", "{o}/net.onnx"], ["net.onnx"]),
    ],
    ids=["merge-h5", "merge-npz", "merge-wts", "fold", "to-deploy", "inspect", "onnx"],
)
def test_every_command_runs_without_protobuf(tmp_path: Path, command: list[str], outputs: list[str]) -> None:
    fields = {
        "p": str(FIXTURE / "deploy.prototxt"),
        "m": str(FIXTURE / "net.caffemodel"),
        "t": str(FIXTURE / "train.prototxt"),
        "o": str(tmp_path),
    }
    argv = [arg.format(**fields) for arg in command]
    code = _BLOCK_PROTOBUF + "from caffe2trt_bn.cli import console; console()"
    done = subprocess.run([sys.executable, "-c", code, *argv], cwd=ROOT, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    for name in outputs:
        assert (tmp_path / name).is_file(), name


def test_caffe_pb2_needs_protobuf() -> None:
    """The one module that needs protobuf fails on import without it (the check above
    would pass vacuously if blocking did not work)."""
    done = subprocess.run(
        [sys.executable, "-c", _BLOCK_PROTOBUF + "import caffe2trt_bn.caffe_pb2"],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )
    assert done.returncode != 0
    assert "google" in done.stderr
