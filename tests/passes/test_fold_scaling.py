"""``fold`` costs time linear in the number of groups, shown by counting work, not timing.

A net of ``n`` groups of every kind (folded in place, folded with the producer's top
renamed, replaced by a Scale layer) is planned for ``n`` = 100, 200 and 400 while two
counters run:

* every line of this project's code executed (a ``sys.settrace`` line count), which a
  Python loop over the groups or layers inside a loop over the groups makes quadratic;
* every element the top-level node list of the prototxt is scanned or shifted by (a
  list that counts them for ``index``, ``remove``, ``in``, ``del`` and ``insert``):
  removing or replacing layers one at a time scans and shifts the list per layer.

For work ``w(n) = a + b*n`` the step from 200 to 400 groups costs exactly twice the step
from 100 to 200; a term in ``n**2`` makes it four times.  The bound allows the slack of
names that grow a digit, far below what a quadratic term gives (measured: 2.007 on
the lines, no list scan; the code before the fix: 2.39 on the lines and 3.99 on the list).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Any

import numpy as np

import caffe2trt_bn
from caffe2trt_bn.passes.fold import plan_fold
from caffe2trt_bn.ir.net import load_net

from caffe_models import bn_blobs, scale_blobs, write_model

PACKAGE = str(Path(caffe2trt_bn.__file__).parent)
SIZES = (100, 200, 400)
#: Largest accepted ratio of the work from 200 to 400 groups to that from 100 to 200 (2 when linear).
STEP_RATIO = 2.1


def mixed_net(folder: Path, n: int) -> tuple[Path, Path]:
    """``n`` groups after one convolution each: a third read a ReLU's output (they
    become Scale layers), a third write a blob of their own (the producer's top is
    renamed), a third work in place; half the convolutions have no bias."""
    rng = np.random.default_rng(n)
    lines = ['name: "mixed"', 'layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 1 dim: 2 dim: 2 dim: 2 } } }']
    blobs: dict[str, list[np.ndarray]] = {}
    previous = "data"
    for i in range(n):
        bias = i % 2 == 0
        lines.append(
            f'layer {{ name: "conv{i}" type: "Convolution" bottom: "{previous}" top: "conv{i}" '
            f"convolution_param {{ num_output: 2 kernel_size: 1 bias_term: {'true' if bias else 'false'} }} }}"
        )
        blobs[f"conv{i}"] = [rng.normal(size=(2, 2, 1, 1))] + ([rng.normal(size=2)] if bias else [])
        source = f"conv{i}"
        if i % 3 == 0:
            lines.append(f'layer {{ name: "pre{i}" type: "ReLU" bottom: "conv{i}" top: "pre{i}" }}')
            source = f"pre{i}"
        out = source if i % 3 == 2 else f"bn{i}"
        lines.append(f"# group {i}")
        lines.append(f'layer {{\n  name: "bn{i}" type: "BatchNorm" bottom: "{source}" top: "{out}"\n}}')
        lines.append(f'layer {{ name: "scale{i}" type: "Scale" bottom: "{out}" top: "{out}" scale_param {{ bias_term: true }} }}')
        blobs[f"bn{i}"] = bn_blobs(rng, 2)
        blobs[f"scale{i}"] = scale_blobs(rng, 2)
        previous = out
    return write_model(folder, "\n".join(lines) + "\n", blobs)


class CountingList(list):  # type: ignore[type-arg]
    """A list that counts the elements its searching and shifting operations touch."""

    touched = 0

    def index(self, value: Any, *args: Any) -> int:
        i = super().index(value, *args)
        CountingList.touched += i + 1
        return i

    def __contains__(self, value: object) -> bool:
        CountingList.touched += len(self)
        return super().__contains__(value)

    def remove(self, value: Any) -> None:
        CountingList.touched += len(self)
        super().remove(value)

    def __delitem__(self, index: Any) -> None:
        CountingList.touched += len(self)
        super().__delitem__(index)

    def insert(self, index: int, value: Any) -> None:
        CountingList.touched += len(self)
        super().insert(index, value)

    def pop(self, index: int = -1) -> Any:
        CountingList.touched += len(self)
        return super().pop(index)


def counted(run: Callable[[], object]) -> int:
    """The lines of this project's code that ``run()`` executes."""
    count = 0

    def local(frame: FrameType, event: str, arg: object) -> Callable[..., object]:
        nonlocal count
        if event == "line":
            count += 1
        return local

    def trace(frame: FrameType, event: str, arg: object) -> Callable[..., object] | None:
        return local if frame.f_code.co_filename.startswith(PACKAGE) else None

    sys.settrace(trace)
    try:
        run()
    finally:
        sys.settrace(None)
    return count


def work(folder: Path, n: int) -> tuple[int, int]:
    """(lines executed, node-list elements touched) planning the fold of ``mixed_net(n)``."""
    proto, model = mixed_net(folder / str(n), n)
    net = load_net(proto, model)
    net.doc.children = CountingList(net.doc.children)
    CountingList.touched = 0
    lines = counted(lambda: plan_fold(net))
    assert "BatchNorm" not in net.doc.render()  # the plan did the whole edit
    return lines, CountingList.touched


def step_ratio(values: list[int]) -> float:
    small, large = values[1] - values[0], values[2] - values[1]
    return large / small if small else (1.0 if large == 0 else float("inf"))


def test_fold_plan_is_linear_in_the_groups(tmp_path: Path) -> None:
    results = [work(tmp_path, n) for n in SIZES]
    lines = [r[0] for r in results]
    touched = [r[1] for r in results]
    assert step_ratio(lines) <= STEP_RATIO, lines
    assert step_ratio(touched) <= STEP_RATIO, touched


def test_the_scaling_net_folds_every_kind_of_group(tmp_path: Path) -> None:
    """The net measured above has each kind of group, so each path is measured."""
    proto, model = mixed_net(tmp_path, 7)
    plan = plan_fold(load_net(proto, model))
    actions = {(g.action, g.into == f"conv{g.name[2:]}") for g in plan.groups}
    assert actions == {("scale", False), ("folded", True)}
    renamed = [g.name for g in plan.groups if g.action == "folded" and int(g.name[2:]) % 3 == 1]
    assert renamed and f'top: "bn{renamed[0][2:]}"' in plan.text
