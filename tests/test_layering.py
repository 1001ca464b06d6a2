"""The packages import one way, toward the file formats (docs/design.md):

    cli -> verify -> export -> passes -> ir -> io -> (errors, policy, caffe_pb2)

A module may import from its own package and from any package to its right, never
from one to its left.  Read from the source (every ``import`` statement, also those
inside functions), so a lazy import cannot hide an upward dependency.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "caffe2trt_bn"

#: Layers from the top (may import everything below) to the bottom.
ORDER = ["cli", "verify", "export", "passes", "ir", "io", "base"]
BASE = {"errors", "policy", "caffe_pb2", "__init__", "__main__"}


def layer_of(module: str) -> str:
    """The layer of a dotted module name inside the package (``caffe2trt_bn.ir.graph`` -> ``ir``)."""
    parts = module.split(".")[1:]
    if not parts or parts[0] in BASE or parts[0].startswith("__"):
        return "base"
    return parts[0]


def imports_of(path: Path) -> list[tuple[int, str]]:
    """(line, absolute module) of every import of a package module in ``path``."""
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    package = list(rel.parts[:-1]) if rel.name != "__init__" else list(rel.parts[:-1])
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] != "caffe2trt_bn":
                continue
            if node.module is None or target.count(".") == 0:
                # "from . import x": x is a module of that package
                found.extend((node.lineno, f"{target}.{alias.name}") for alias in node.names)
            else:
                found.append((node.lineno, target))
        elif isinstance(node, ast.Import):
            found.extend((node.lineno, a.name) for a in node.names if a.name.split(".")[0] == "caffe2trt_bn")
    return found


def modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def test_the_layers_are_the_packages() -> None:
    """Every module belongs to a named layer (a new top-level module must be placed)."""
    layers = {layer_of("caffe2trt_bn." + ".".join(p.relative_to(PACKAGE).with_suffix("").parts)) for p in modules()}
    assert layers <= set(ORDER), layers - set(ORDER)


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_upward_import(path: Path) -> None:
    own = layer_of("caffe2trt_bn." + ".".join(path.relative_to(PACKAGE).with_suffix("").parts))
    if path.relative_to(PACKAGE).parts in {("__init__.py",), ("__main__.py",)}:
        return  # the public facade re-exports from every layer, lazily
    upward = [
        f"line {line}: {target}"
        for line, target in imports_of(path)
        if ORDER.index(layer_of(target)) < ORDER.index(own)
    ]
    assert not upward, f"{path.relative_to(PACKAGE)} ({own}) imports from a layer above it: {upward}"
