"""Running the measured commands: wall time, peak RSS, and the pairing of in-process work.

Every command runs as a child process started by a small launcher
(``peers/launcher.py``) that reads the child's ``ru_maxrss`` with ``os.wait4``: Linux
carries the memory high-water mark of the spawning process into the child's figure, so a
child forked from the (large) benchmark process would report at least the benchmark's
peak.  :func:`make_tools` says which commands run on a model, :func:`measure` runs them in
rounds, and :func:`measure_paired` runs the paired in-process comparisons.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.peers import script

#: The checkout holding ``benchmarks`` (and, in a checkout, ``caffe2trt_bn``).
REPO = Path(__file__).resolve().parent.parent


@dataclass
class Sample:
    """One run of a command: wall seconds, peak RSS in bytes, and what the child reported."""

    wall: float
    rss: int
    report: dict[str, object]


@dataclass
class Tool:
    """A command measured as a child process.  ``prepare`` runs before each run (e.g.
    removes the previous output) and is not timed."""

    key: str
    label: str
    argv: list[str]
    env: dict[str, str] | None = None
    prepare: Callable[[], None] | None = None
    samples: list[Sample] = field(default_factory=list)

    def median_wall(self) -> float:
        return statistics.median(s.wall for s in self.samples)

    def median_rss(self) -> float:
        return statistics.median(s.rss for s in self.samples)

    def median_report(self, key: str) -> float | None:
        values = [float(s.report[key]) for s in self.samples if key in s.report]  # type: ignore[arg-type]
        return statistics.median(values) if values else None


class ToolFailed(RuntimeError):
    """A command could not be run, or exited with an error."""


@dataclass
class Run:
    """A child process that ended, or was killed at its timeout: wall seconds around it
    (launcher start-up excluded), its peak RSS in bytes, its exit code (negative: the
    signal that ended it) and what it wrote."""

    wall: float
    rss: int
    exit: int
    timed_out: bool
    stdout: str
    stderr: str
    #: The largest private (anonymous) resident memory seen, in bytes, when sampled.
    anon_peak: int | None = None


def run_measured(
    argv: Sequence[str], env: dict[str, str] | None, cwd: Path, timeout: float | None = None, sample: float = 0
) -> Run:
    """Runs ``argv`` through the launcher, killing it after ``timeout`` seconds if given;
    ``sample`` > 0 also samples its private memory every ``sample`` seconds (see
    ``peers/launcher.py``).

    Raises :class:`ToolFailed` only when the command cannot be started."""
    exe = shutil.which(argv[0], path=(env or os.environ).get("PATH")) if os.sep not in argv[0] else argv[0]
    if exe is None:
        raise ToolFailed(f"{argv[0]}: command not found")
    with tempfile.NamedTemporaryFile() as out, tempfile.NamedTemporaryFile() as err:
        res = subprocess.run(
            [sys.executable, "-I", "-S", script("launcher"), out.name, err.name, str(timeout or 0), str(sample), exe,
             *argv[1:]],
            env=env, cwd=cwd, capture_output=True, text=True, stdin=subprocess.DEVNULL, check=False,
        )
        if res.returncode != 0:
            raise ToolFailed(f"launcher failed: {res.stderr.strip().splitlines()[-1:]}")
        meta = json.loads(res.stdout)
        stdout = Path(out.name).read_text(errors="replace")
        stderr = Path(err.name).read_text(errors="replace")
    # ru_maxrss is in KiB on Linux, in bytes on macOS.
    rss = meta["maxrss"] if sys.platform == "darwin" else meta["maxrss"] * 1024
    anon = meta.get("anon_peak")
    return Run(float(meta["wall"]), int(rss), int(meta["exit"]), bool(meta["timed_out"]), stdout, stderr,
               None if anon is None else int(anon) * 1024)


def run_child(argv: Sequence[str], env: dict[str, str] | None, cwd: Path) -> Sample:
    """Runs ``argv`` to completion through the launcher: wall time around the child
    (launcher start-up excluded), its peak RSS, and its last stdout line parsed as JSON
    when that is a JSON object.  A non-zero exit raises :class:`ToolFailed`."""
    run = run_measured(argv, env, cwd)
    if run.exit != 0:
        tail = run.stderr.strip().splitlines()[-5:]
        raise ToolFailed(f"exit {run.exit}: " + " | ".join(tail))
    lines = run.stdout.strip().splitlines()
    report: dict[str, object] = {}
    if lines and lines[-1].startswith("{"):
        with contextlib.suppress(json.JSONDecodeError):
            report = json.loads(lines[-1])
    return Sample(run.wall, run.rss, report)


def child_env(extra_path: Sequence[str] = (), pycache: Path | None = None) -> dict[str, str]:
    """The environment of the children: this one, with ``extra_path`` before PYTHONPATH.

    Python modules are run from cached bytecode, as from an installed package: the
    warm-up run writes it under ``pycache`` (never into the source tree)."""
    env = dict(os.environ)
    env.setdefault("GLOG_minloglevel", "2")
    if pycache is not None:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(pycache)
    paths = [p for p in extra_path if p]
    if env.get("PYTHONPATH"):
        paths.append(env["PYTHONPATH"])
    if paths:
        env["PYTHONPATH"] = os.pathsep.join(paths)
    return env


def probe(argv: Sequence[str], env: dict[str, str]) -> str | None:
    """None when ``argv`` exits 0, else the reason (last line of stderr)."""
    try:
        res = subprocess.run(list(argv), env=env, capture_output=True, text=True, timeout=120, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return str(exc)
    if res.returncode == 0:
        return None
    lines = res.stderr.strip().splitlines()
    return lines[-1] if lines else f"exit {res.returncode}"


def package_root() -> str | None:
    """The checkout holding ``caffe2trt_bn`` (put on the children's PYTHONPATH), or None
    when the package is used as installed."""
    return str(REPO) if (REPO / "caffe2trt_bn").is_dir() else None


def caffe_pb2_path() -> Path:
    """The generated protobuf module the protobuf peer loads: the checkout's, or the
    installed package's."""
    pb2 = Path(package_root() or REPO) / "caffe2trt_bn" / "caffe_pb2.py"
    if not pb2.exists():
        import caffe2trt_bn

        pb2 = Path(caffe2trt_bn.__file__).parent / "caffe_pb2.py"
    return pb2


@dataclass
class Setup:
    """Which tools can run here, and why the others are skipped."""

    tools: list[Tool]
    skipped: dict[str, str]


def removal(path: Path) -> Callable[[], None]:
    """A ``prepare`` step that removes ``path`` (a file or a folder) if it exists."""

    def go() -> None:
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()

    return go


def make_tools(args: argparse.Namespace, deploy: Path, model: Path, work: Path) -> Setup:
    """The commands measured on one model: ours first, then the peers and the floors."""
    py = sys.executable
    root = package_root()
    pycache = work / "pycache"
    ours = child_env([root] if root else [], pycache)
    setup = Setup([], {})
    out_h5 = work / "out.scale.h5"
    fold_dir = work / "folded"
    merge_argv = [py, "-m", "caffe2trt_bn", str(deploy), str(model), "-o", str(out_h5)]
    setup.tools.append(Tool("merge", "caffe-bn-merge -o x.h5", merge_argv, ours, removal(out_h5)))
    fold_argv = [py, "-m", "caffe2trt_bn", "fold", str(deploy), str(model), "-o", str(fold_dir)]
    why = probe([py, "-m", "caffe2trt_bn", "fold", "--help"], ours)
    if why is None:
        setup.tools.append(Tool("fold", "caffe-bn-merge fold", fold_argv, ours, removal(fold_dir)))
    else:
        setup.skipped["fold"] = f"`caffe-bn-merge fold` is not available here ({why})"
    extract_argv = [py, script("extract_loop"), str(deploy), str(model), str(args.loops)]
    setup.tools.append(Tool("extract", "extract() in-process", extract_argv, ours))
    add_peers(setup, args, deploy, model, work)
    return setup


def add_peers(setup: Setup, args: argparse.Namespace, deploy: Path, model: Path, work: Path) -> None:
    """Appends to ``setup`` the peers that can run here (protobuf, OpenCV, pycaffe, cp)
    and the floors, and the reasons the others are skipped."""
    py = sys.executable
    pycache = work / "pycache"
    plain = child_env((), pycache)
    tools, skipped = setup.tools, setup.skipped
    why = probe([py, "-c", "import google.protobuf, numpy"], plain)
    if why is None:
        protobuf_argv = [py, script("protobuf_parse"), str(caffe_pb2_path()), str(model)]
        tools.append(Tool("protobuf", "protobuf parse (Python)", protobuf_argv, plain))
    else:
        skipped["protobuf"] = f"protobuf is not importable ({why})"
    why = probe([py, "-c", "import cv2; cv2.dnn.readNetFromCaffe"], plain)
    if why is None:
        opencv_argv = [py, script("opencv_load"), str(deploy), str(model)]
        tools.append(Tool("opencv", "OpenCV readNetFromCaffe", opencv_argv, plain))
    else:
        skipped["opencv"] = f"OpenCV (cv2.dnn) is not importable ({why})"
    caffe_py = args.pycaffe_python or py
    caffe_env = child_env([args.pycaffe_path] if args.pycaffe_path else [], pycache)
    why = probe([caffe_py, "-c", "import caffe"], caffe_env)
    if why is None:
        pycaffe_argv = [caffe_py, script("pycaffe_load"), str(deploy), str(model)]
        tools.append(Tool("pycaffe", "pycaffe caffe.Net", pycaffe_argv, caffe_env))
    else:
        skipped["pycaffe"] = f"`import caffe` fails in {caffe_py} ({why}); see --pycaffe-python/--pycaffe-path"
    cp = shutil.which("cp")
    cp_dst = work / "copy.caffemodel"
    if cp:
        tools.append(Tool("cp", "cp (copy of the caffemodel)", [cp, str(model), str(cp_dst)], plain, removal(cp_dst)))
    else:
        skipped["cp"] = "no cp command"
    floor_dst = work / "floor.caffemodel"
    for key, label, child in (
        ("floor-copy", "floor: Python + numpy, copy in the kernel", "floor_copy"),
        ("floor-scale", "floor: Python + numpy, scale every value and write", "floor_scale"),
    ):
        tools.append(Tool(key, label, [py, script(child), str(model), str(floor_dst)], plain, removal(floor_dst)))


def measure(setup: Setup, rounds: int, warmup: int, work: Path, log: Callable[[str], None]) -> None:
    """Warm-up rounds, then ``rounds`` rounds each running every tool once.  A tool that
    fails is dropped with the reason recorded in ``setup.skipped``."""
    for r in range(warmup + rounds):
        for tool in list(setup.tools):
            if tool.prepare:
                tool.prepare()
            try:
                sample = run_child(tool.argv, tool.env, work)
            except ToolFailed as exc:
                setup.skipped[tool.key] = f"failed: {exc}"
                setup.tools.remove(tool)
                log(f"  {tool.label}: {exc}")
                continue
            if r >= warmup:
                tool.samples.append(sample)
        log(f"  round {r + 1}/{warmup + rounds}{' (warm-up)' if r < warmup else ''} done")
    for tool in setup.tools:
        if tool.prepare:
            tool.prepare()


#: The paired in-process comparisons: label -> (model of side A, side A, model of side B,
#: side B); a side is "extract", "sketch" (the unchecked reader of ``peers/sketch.py``) or
#: "protobuf".
PAIRS: dict[str, tuple[str, str, str, str]] = {
    "protobuf parse work / extract() time": ("resnet152", "extract", "resnet152", "protobuf"),
    "protobuf parse work / unchecked sketch time": ("resnet152", "sketch", "resnet152", "protobuf"),
    "extract() time / unchecked sketch time": ("resnet152", "sketch", "resnet152", "extract"),
    "extract() time resnet50-k7 / resnet50": ("resnet50", "extract", "resnet50-k7", "extract"),
    "extract() time resnet152 / resnet50": ("resnet50", "extract", "resnet152", "extract"),
}


def measure_paired(
    files: dict[str, tuple[Path, Path]], rounds: int, work: Path, log: Callable[[str], None]
) -> dict[str, dict[str, float]]:
    """Runs the :data:`PAIRS` whose models were generated in one child process
    (``peers/paired.py``); their ratios are the figures the targets use."""
    root = package_root()
    pb2 = caffe_pb2_path()
    spec = []
    for label, (model_a, side_a, model_b, side_b) in PAIRS.items():
        if model_a not in files or model_b not in files:
            continue
        sides = []
        for model, side in ((model_a, side_a), (model_b, side_b)):
            deploy, caffemodel = files[model]
            sides.append([side, str(pb2 if side == "protobuf" else deploy), str(caffemodel)])
        spec.append([label, *sides, rounds])
    if not spec:
        return {}
    env = child_env([root] if root else [], work / "pycache")
    try:
        sample = run_child([sys.executable, script("paired"), json.dumps(spec)], env, work)
    except ToolFailed as exc:
        log(f"  paired measurements failed: {exc}")
        return {}
    log(f"  paired in-process measurements done ({len(spec)} pairs, {rounds} rounds each)")
    return {label: dict(values) for label, values in sample.report.items()}  # type: ignore[call-overload]
