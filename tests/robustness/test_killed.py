"""A run killed with SIGKILL leaves nothing behind in the output folder.

SIGKILL cannot be caught, so no clean-up code runs: only outputs written through unnamed
temporary files (Linux ``O_TMPFILE``, see :mod:`caffe2trt_bn.io.atomic`) leave nothing, since
the kernel frees them.  Each case runs ``fold`` or the merge in a child process on a
generated model of a few MiB and kills it, either from inside at a chosen moment of the
write (the child sends itself SIGKILL, which is the same as receiving it) or from outside
after a delay.  Afterwards the output folder must hold what it held before and, for each
output, either its old bytes or the complete new ones; no hidden file.

All children run at once (they are mostly Python starting), so the whole module takes
about as long as a few runs.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest

import caffe2trt_bn
from benchmarks import models
from caffe2trt_bn.export import save

from conftest import ROOT

pytestmark = pytest.mark.skipif(
    not (hasattr(os, "O_TMPFILE") and Path("/proc/self/fd").is_dir()), reason="unnamed temporary files are Linux's"
)


#: Runs the command line, killing itself (SIGKILL) at the moment ``argv[1]`` names:
#: ``open:K`` when the K-th output temporary file is opened; ``write:N`` once N bytes in
#: all were written to output temporary files (flushed first, so they are in the file);
#: ``placed:K`` once K outputs were put in place (linked or renamed at their name);
#: ``none`` never.  Output temporary files are the ones opened in the folder ``argv[2]``
#: by their /proc/self/fd path (unnamed) or by a hidden name (named ones, where there are
#: no unnamed ones); the hooks stand between the writers and the file objects, so they
#: do not depend on how each writer is written.
CHILD = r"""
import builtins, io, os, signal, sys
point, folder, args = sys.argv[1], sys.argv[2], sys.argv[3:]
kind, _, number = point.partition(":")
limit = int(number or 0)
state = {"opened": 0, "written": 0, "placed": 0}

def die():
    os.kill(os.getpid(), signal.SIGKILL)

class Watched:
    def __init__(self, f):
        self._f = f
    def write(self, data):
        n = self._f.write(data)
        state["written"] += memoryview(data).nbytes
        if kind == "write" and state["written"] >= limit:
            self._f.flush()
            die()
        return n
    def __enter__(self):
        return self
    def __exit__(self, *exc):
        self._f.close()
    def __getattr__(self, name):
        return getattr(self._f, name)

real_open = builtins.open
def watching_open(file, mode="r", *a, **k):
    f = real_open(file, mode, *a, **k)
    name = str(os.fspath(file)) if isinstance(file, (str, os.PathLike)) else ""
    unnamed = name.startswith("/proc/self/fd/") and os.readlink(name).startswith(folder + "/#")
    hidden = os.path.dirname(name) == folder and os.path.basename(name).startswith(".")
    if "w" in mode and (unnamed or hidden):
        state["opened"] += 1
        if kind == "open" and state["opened"] == limit:
            die()
        return Watched(f)
    return f
builtins.open = io.open = watching_open

real_link, real_replace = os.link, os.replace
def placed(dst):
    if not os.path.basename(os.fspath(dst)).startswith("."):
        state["placed"] += 1
        if kind == "placed" and state["placed"] == limit:
            die()
def link(src, dst, **k):
    real_link(src, dst, **k)
    placed(dst)
def replace(src, dst, **k):
    real_replace(src, dst, **k)
    placed(dst)
os.link, os.replace = link, replace

from caffe2trt_bn.cli import main
sys.exit(main(args))
"""

OLD = b"the output of an earlier run\n"
UNRELATED = b"a file the user keeps in the output folder\n"


@dataclass(frozen=True)
class Case:
    """One killed run: the command (``fold`` or a merge to ``suffix``), when it is
    killed (a :data:`CHILD` point, or ``after:SECONDS`` from outside), and whether old
    outputs are in the folder beforehand."""

    command: str
    point: str
    old_outputs: bool


CASES = [
    Case("fold", "open:1", False),  # the first output opened, still empty
    Case("fold", "write:1", True),
    Case("fold", "write:HALF", False),  # mid-write of the caffemodel
    Case("fold", "write:ALL", True),  # every byte written, nothing put in place yet
    Case("fold", "open:2", True),
    Case("fold", "placed:1", True),  # the one moment two outputs can disagree (documented)
    Case("fold", "after:0.1", False),
    Case("fold", "after:0.3", True),
    Case("fold", "after:0.45", True),
    Case(".h5", "write:1", True),  # the whole HDF5 image written, not in place
    Case(".npz", "write:HALF", False),
    Case(".h5", "after:0.25", True),
]


@dataclass
class Outcome:
    returncode: int
    stderr: str
    folder: Path
    outputs: dict[str, bytes]  # output name -> the complete new bytes
    before: dict[str, bytes]


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A ResNet-50-shaped model of width 16 from the benchmark's generator (8 MiB)."""
    folder = tmp_path_factory.mktemp("model")
    shape = models.ModelKind((3, 4, 6, 3), 16, "killed")
    deploy, caffemodel, _ = models.write_model("killed", folder, seed=5, shape=shape)
    return deploy, caffemodel


@pytest.fixture(scope="module")
def outcomes(model: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory) -> dict[Case, Outcome]:
    """Runs every case at once and returns what each left."""
    deploy, caffemodel = model
    reference = tmp_path_factory.mktemp("reference")
    caffe2trt_bn.fold(deploy, caffemodel, reference / "folded")
    new_fold = {p.name: p.read_bytes() for p in (reference / "folded").iterdir()}
    weights = caffe2trt_bn.extract(deploy, caffemodel)
    new_merge = {s: save(weights, reference / f"w{s}").read_bytes() for s in (".h5", ".npz", ".wts")}
    total_fold = sum(len(b) for b in new_fold.values())

    runs: list[tuple[Case, subprocess.Popen, Outcome, threading.Timer | None]] = []
    for i, case in enumerate(CASES):
        folder = tmp_path_factory.mktemp(f"out{i}")
        if case.command == "fold":
            outputs = new_fold
            args = ["fold", str(deploy), str(caffemodel), "-o", str(folder), "-q"]
            total = total_fold
        else:
            outputs = {f"w{case.command}": new_merge[case.command]}
            args = [str(deploy), str(caffemodel), "-o", str(folder / f"w{case.command}"), "-q"]
            total = len(new_merge[case.command])
        (folder / "notes.txt").write_bytes(UNRELATED)
        if case.old_outputs:
            for name in outputs:
                (folder / name).write_bytes(OLD)
        before = {p.name: p.read_bytes() for p in folder.iterdir()}
        point = case.point.replace("HALF", str(total // 2)).replace("ALL", str(total))
        child_point = "none" if point.startswith("after:") else point
        proc = subprocess.Popen(
            [sys.executable, "-c", CHILD, child_point, str(folder), *args],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            cwd=folder,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        timer = None
        if point.startswith("after:"):
            timer = threading.Timer(float(point.split(":")[1]), _kill, (proc,))
            timer.start()
        runs.append((case, proc, Outcome(0, "", folder, outputs, before), timer))
    results = {}
    for case, proc, outcome, timer in runs:
        _, err = proc.communicate(timeout=120)
        if timer is not None:
            timer.cancel()
        outcome.returncode, outcome.stderr = proc.returncode, err
        results[case] = outcome
    return results


def _kill(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGKILL)


@pytest.mark.parametrize("case", CASES, ids=[f"{c.command} {c.point}{' over old outputs' if c.old_outputs else ''}" for c in CASES])
def test_killed_run_leaves_nothing_behind(case: Case, outcomes: dict[Case, Outcome]) -> None:
    got = outcomes[case]
    if case.point.startswith("after:"):
        # Killed, or finished before the delay: either is fine, not a failure.
        assert got.returncode in (-signal.SIGKILL, 0), got.stderr
    else:
        assert got.returncode == -signal.SIGKILL, f"the child was not killed where asked: {got.stderr}"
    after = {p.name: p.read_bytes() for p in got.folder.iterdir()}
    # Nothing but what was there and the outputs: no temporary file, hidden or not.
    assert set(after) <= set(got.before) | set(got.outputs), sorted(after)
    assert after.get("notes.txt") == UNRELATED
    for name in got.outputs:
        assert after.get(name) in (got.before.get(name), got.outputs[name]), f"{name} is neither old nor complete"
    replaced = [name for name in got.outputs if after.get(name) == got.outputs[name]]
    if case.point.startswith(("open:", "write:")):
        assert replaced == [], "an output was put in place before every output was complete"
    elif case.point == "placed:1":
        assert len(replaced) == 1
