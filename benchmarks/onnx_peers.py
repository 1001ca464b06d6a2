#!/usr/bin/env python3
"""Caffe -> ONNX converters checked against real Caffe, and timed on a big model.

For every case made by real Caffe in ``fixtures/`` (the BatchNorm cases),
``fixtures/zoo/`` and ``fixtures/fork_layers/``, each converter turns ``deploy.prototxt``
and ``net.caffemodel`` into ONNX (a child process, with a timeout); ONNX Runtime runs the
result on the case's ``input.npy``; every Caffe output blob is compared with the value
Caffe recorded (``benchmarks/onnx_compare.py``).  A case's result: matches, wrong values,
wrong shape, missing output, ORT refuses, or converter fails (with the first line of the
error).  Then each converter converts the ResNet-152-shaped model of ``bench.py``
(230 MiB) once, with its wall time, peak RSS and sampled peak private memory, killed at
``--big-timeout``; our exporter also runs ``--big-runs`` times alternating with
``caffe-bn-merge fold`` on the same model (medians, the time ratio per round, and
whether its outputs are byte-identical).

The peers are caffe2onnx 2.0.1 and caffe-onnx 0.1.2 from PyPI.  This script installs
nothing: each peer lives in a virtual environment of its own under ``--workdir`` (see
``benchmarks/README.md`` or ``--print-setup``).  A converter that is not installed, or
crashes, has that as its result.  Our own exporter is two more columns (default options,
and ``--opset 13``) when its command (``--ours``) is available, else skipped with a note;
on a case made by a fork whose defaults differ it gets the option the case's README names
(:data:`CASE_ARGS`).  Writes ``ONNX-PEERS.md`` beside this script unless ``--results``
says otherwise.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from benchmarks.measure import Run
    from benchmarks.onnx_compare import Case, CaseResult

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
MIB = 1024 * 1024

#: Our exporter's command, as the project's CLI offers it.
OURS_TEMPLATE = "python -m caffe2trt_bn onnx {deploy} {model} -o {out}"
#: Appended to ``--ours`` for the second column of our exporter.
OPSET_13 = " --opset 13"
#: Options our exporter is given on a case whose Caffe computes what the exporter's
#: default does not (the case's README says so, and ``tests/export/onnx/harness.py``
#: exports it the same way); a peer has no such option and gets none.
CASE_ARGS: dict[str, tuple[str, ...]] = {"fork_layers/ssd_brocolli_defaults": ("--fork", "brocolli")}
#: ``fold`` on the big model, the yardstick of our exporter's time and memory.
FOLD_ARGV = (sys.executable, "-m", "caffe2trt_bn", "fold")
#: Seconds between two samples of a big-model run's private memory.
SAMPLE_SECONDS = 0.002

#: How the peers are set up under WORKDIR (printed by --print-setup, described in the README).
SETUP = """\
# caffe2onnx 2.0.1 pins onnx==1.6.0, which has no wheel for Python 3.11 and does not build
# here; it is installed without its dependencies, beside the newest onnx that still takes
# the protobuf 3 its generated caffe_pb2 module needs, and a numpy that has np.float.
python3 -m venv WORKDIR/caffe2onnx
WORKDIR/caffe2onnx/bin/pip install --no-deps caffe2onnx==2.0.1
WORKDIR/caffe2onnx/bin/pip install "protobuf<4" "onnx<1.18" "numpy<1.24"
# caffe-onnx 0.1.2 installs with its own requirements (protobuf<4 picks onnx 1.17);
# numpy<1.24 as for caffe2onnx: both use np.float.
python3 -m venv WORKDIR/caffe-onnx
WORKDIR/caffe-onnx/bin/pip install caffe-onnx==0.1.2 "numpy<1.24"
"""


@dataclass(frozen=True)
class Converter:
    """A Caffe -> ONNX converter: ``template`` is its command line, with the fields
    ``{deploy}``, ``{model}``, ``{out}`` (the .onnx to write), ``{out_dir}`` and
    ``{out_stem}`` (its folder and its name without .onnx); ``python`` the interpreter
    whose packages it uses (for the versions in the report)."""

    key: str
    label: str
    template: str
    python: str | None
    ours: bool = False

    def argv(self, deploy: Path, model: Path, out: Path, case: str | None = None) -> list[str]:
        """The command line; ours gets the options of ``case`` in :data:`CASE_ARGS`."""
        fields = {"deploy": deploy, "model": model, "out": out, "out_dir": out.parent, "out_stem": out.stem}
        extra = list(CASE_ARGS.get(case, ())) if self.ours and case else []
        return [token.format(**fields) for token in shlex.split(self.template)] + extra

    def env(self, pycache: Path | None = None) -> dict[str, str]:
        """Ours sees the checkout first (running from cached bytecode written under
        ``pycache`` when given); a peer sees no PYTHONPATH at all (caffe-onnx's top-level
        packages are named ``src`` and ``proto``)."""
        if self.ours:
            from benchmarks.measure import child_env

            return child_env([str(REPO)], pycache)
        return {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}


def peers(workdir: Path, args: argparse.Namespace) -> list[Converter]:
    """The converters measured: the two peers from their virtual environments, then ours."""
    c2o = workdir / "caffe2onnx" / "bin"
    co = workdir / "caffe-onnx" / "bin"
    return [
        Converter(
            "caffe2onnx", "caffe2onnx 2.0.1",
            args.caffe2onnx or f"{shlex.quote(str(c2o / 'python'))} -m caffe2onnx.convert "
            "--prototxt {deploy} --caffemodel {model} --onnx {out}",
            str(c2o / "python"),
        ),
        Converter(
            "caffe-onnx", "caffe-onnx 0.1.2",
            args.caffe_onnx or f"{shlex.quote(str(co / 'caffe2onnx'))} {{deploy}} {{model}} {{out_stem}} {{out_dir}}",
            str(co / "python"),
        ),
        Converter("ours", "caffe-bn-merge onnx", args.ours, sys.executable, ours=True),
        Converter("ours-opset13", "caffe-bn-merge onnx --opset 13", args.ours + OPSET_13, sys.executable, ours=True),
    ]


def unavailable(conv: Converter) -> str | None:
    """Why ``conv`` cannot run here, or None.  Its program must exist; for ours, the
    usage line of ``PREFIX --help`` (PREFIX: the words before the first field) must name
    PREFIX's last word, e.g. ``usage: caffe-bn-merge onnx ...`` (a CLI without the
    command prints its general usage instead)."""
    words = shlex.split(conv.template)
    if not words or shutil.which(words[0]) is None:
        return f"{words[0] if words else conv.template!r}: not found"
    if not conv.ours:
        return None
    prefix = words[: next((i for i, w in enumerate(words) if "{" in w), len(words))]
    if not prefix:
        return f"{conv.template!r}: no command before the first field"
    try:
        res = subprocess.run([*prefix, "--help"], capture_output=True, text=True, timeout=120,
                             env=conv.env(), cwd=REPO, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"`{' '.join(prefix)} --help` failed: {exc}"
    usage = next((line for line in res.stdout.splitlines() if line.startswith("usage:")), "")
    if res.returncode != 0 or prefix[-1] not in usage.split():
        return f"`{' '.join(prefix)}` is not available here (its --help shows no such command)"
    return None


def error_line(run: Run) -> str:
    """The first line of a failed command's error: the exception line of the last Python
    traceback on stderr, else the first line of stderr, else the last line of stdout."""
    err = run.stderr.splitlines()
    starts = [i for i, line in enumerate(err) if line.startswith("Traceback (most recent call last)")]
    if starts:
        for line in err[starts[-1] + 1:]:
            if line and not line[0].isspace():
                return line.strip()[:300]
    for text in (err, list(reversed(run.stdout.splitlines()))):
        for line in text:
            if line.strip():
                return line.strip()[:300]
    return "no message"


def convert(
    conv: Converter, deploy: Path, model: Path, out: Path, timeout: float, case: str | None = None,
    sample: float = 0, pycache: Path | None = None,
) -> tuple[Run | None, str | None]:
    """Runs ``conv`` on ``case`` into ``out`` (in ``out``'s folder); the run, and why it
    failed if it did.  ``sample``: see :func:`benchmarks.measure.run_measured`."""
    from benchmarks.measure import ToolFailed, run_measured

    out.parent.mkdir(parents=True, exist_ok=True)
    try:
        run = run_measured(conv.argv(deploy, model, out, case), conv.env(pycache), out.parent, timeout, sample)
    except ToolFailed as exc:
        return None, str(exc)
    if run.timed_out:
        return run, f"timed out after {timeout:.0f} s"
    if run.exit != 0:
        return run, f"exit {run.exit}: {error_line(run)}"
    if not out.is_file() or out.stat().st_size == 0:
        return run, f"exit 0 but no ONNX file written: {error_line(run)}"
    return run, None


def run_case(conv: Converter, case: Case, work: Path, timeout: float) -> CaseResult:
    """Converts ``case`` with ``conv``, runs the ONNX model, compares its outputs."""
    from benchmarks.onnx_compare import CONVERTER_FAILS, CaseResult

    out = work / conv.key / case.name.replace("/", "__") / "model.onnx"
    _, failure = convert(conv, case.deploy, case.model, out, timeout, case.name)
    result = CaseResult(CONVERTER_FAILS, failure) if failure is not None else check_onnx(out, case, timeout)
    # Messages name the files by their names alone: the report does not depend on folders.
    for folder in (out.parent, case.folder, REPO):
        result.detail = result.detail.replace(f"{folder}{os.sep}", "")
    return result


def check_onnx(onnx_path: Path, case: Case, timeout: float) -> CaseResult:
    """Runs ``onnx_path`` in ONNX Runtime (``peers/ort_run.py``, a child process) and
    compares its outputs with Caffe's."""
    import numpy as np

    from benchmarks.onnx_compare import ORT_REFUSES, CaseResult, check_outputs
    from benchmarks.peers import script

    saved = onnx_path.with_suffix(".outputs.npz")
    argv = [sys.executable, script("ort_run"), str(onnx_path), str(case.input), case.input_blob(), str(saved)]
    try:
        res = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return CaseResult(ORT_REFUSES, f"ONNX Runtime did not finish in {timeout:.0f} s")
    lines = res.stdout.strip().splitlines()
    if res.returncode != 0 or not lines:
        tail = res.stderr.strip().splitlines()[-1:] or [f"exit {res.returncode}"]
        return CaseResult(ORT_REFUSES, f"ONNX Runtime crashed: {tail[0][:300]}")
    report = json.loads(lines[-1])
    opset = report.get("opset")
    if report["stage"] != "ok":
        return CaseResult(ORT_REFUSES, f"at {report['stage']}: {report.get('error', '')}", opset=opset)
    with np.load(saved) as z:
        produced = {name: z[f"o{i}"] for i, name in enumerate(report["outputs"])}
    return CaseResult.from_checks(check_outputs(case.reference(), produced), opset)


@dataclass
class BigRun:
    """A converter on the ResNet-152-shaped model: one run, capped at the timeout."""

    wall: float | None
    rss: int | None
    outcome: str
    onnx_bytes: int | None = None
    anon: int | None = None


def run_big(conv: Converter, deploy: Path, model: Path, work: Path, timeout: float) -> BigRun:
    """Converts the big model once; its wall time, peak RSS and sampled peak private
    memory, and whether it wrote ONNX."""
    out = work / conv.key / "resnet152" / "model.onnx"
    run, failure = convert(conv, deploy, model, out, timeout, sample=SAMPLE_SECONDS)
    size = out.stat().st_size if out.is_file() else None
    if out.parent.is_dir():
        shutil.rmtree(out.parent)
    if run is None:
        return BigRun(None, None, f"did not run: {failure}")
    outcome = "wrote the ONNX model" if failure is None else failure
    return BigRun(run.wall, run.rss, outcome, size, run.anon_peak)


@dataclass
class Round:
    """One round of ours against ``fold`` on the big model."""

    export_wall: float
    export_rss: int
    export_anon: int | None
    fold_wall: float
    fold_rss: int
    fold_anon: int | None

    @property
    def ratio(self) -> float:
        return self.export_wall / self.fold_wall


@dataclass
class OursVsFold:
    """Our exporter against ``caffe-bn-merge fold`` on the big model, ``rounds`` measured
    (after a warm-up), or why it could not be measured."""

    model_bytes: int
    rounds: list[Round] = field(default_factory=list)
    #: The sha256 of every export's output, the warm-up's included.
    digests: list[str] = field(default_factory=list)
    failure: str | None = None

    def median(self, attr: str) -> float | None:
        values = [getattr(r, attr) for r in self.rounds]
        if not values or any(v is None for v in values):
            return None
        return float(statistics.median(values))

    @property
    def identical(self) -> bool:
        """Whether every export (warm-up included) wrote the same bytes."""
        return len(self.digests) >= 2 and len(set(self.digests)) == 1


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def ours_vs_fold(
    conv: Converter, deploy: Path, model: Path, work: Path, rounds: int, timeout: float, log: Callable[[str], None]
) -> OursVsFold:
    """A warm-up round then ``rounds`` rounds, each running ``fold`` then our exporter
    once (outputs removed before each run, untimed), both from cached bytecode, with
    their private memory sampled.  The warm-up's export is hashed with the others, so
    the byte-identity check covers ``rounds`` + 1 exports."""
    from benchmarks.measure import ToolFailed, child_env, run_measured

    result = OursVsFold(model.stat().st_size)
    pycache = work / "pycache"
    fold_dir, out = work / "fold-out", work / "ours-big" / "model.onnx"
    fold_argv = [*FOLD_ARGV, str(deploy), str(model), "-o", str(fold_dir)]
    fold_env = child_env([str(REPO)], pycache)
    for r in range(rounds + 1):
        shutil.rmtree(fold_dir, ignore_errors=True)
        try:
            fold = run_measured(fold_argv, fold_env, work, timeout, SAMPLE_SECONDS)
        except ToolFailed as exc:
            result.failure = f"fold did not run: {exc}"
            return result
        if fold.exit != 0:
            result.failure = f"fold failed: exit {fold.exit}: {error_line(fold)}"
            return result
        out.unlink(missing_ok=True)
        ours, failure = convert(conv, deploy, model, out, timeout, sample=SAMPLE_SECONDS, pycache=pycache)
        if ours is None or failure is not None:
            result.failure = f"our export failed: {failure}"
            return result
        result.digests.append(sha256(out))
        if r == 0:
            log(f"  ours vs fold: warm-up done ({ours.wall:.2f} s, fold {fold.wall:.2f} s)")
            continue
        result.rounds.append(Round(ours.wall, ours.rss, ours.anon_peak, fold.wall, fold.rss, fold.anon_peak))
        log(f"  ours vs fold: round {r}/{rounds}: {ours.wall:.2f} s vs {fold.wall:.2f} s")
    shutil.rmtree(fold_dir, ignore_errors=True)
    shutil.rmtree(out.parent, ignore_errors=True)
    return result


def versions(conv: Converter) -> str:
    """The versions of Python, onnx, protobuf and numpy in ``conv``'s environment."""
    if not conv.python or not Path(conv.python).exists():
        return "-"
    code = ("import platform, numpy, onnx, google.protobuf as p; "
            "print(f'Python {platform.python_version()}, onnx {onnx.__version__}, "
            "protobuf {p.__version__}, numpy {numpy.__version__}')")
    try:
        res = subprocess.run([conv.python, "-c", code], capture_output=True, text=True, timeout=120,
                             env=conv.env(), check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"? ({exc})"
    return res.stdout.strip() if res.returncode == 0 else f"? ({(res.stderr.strip().splitlines() or ['?'])[-1]})"


@dataclass
class Column:
    """A converter with its results: per case name, and on the big model."""

    conv: Converter
    skipped: str | None = None
    cases: dict[str, CaseResult] = field(default_factory=dict)
    big: BigRun | None = None
    versions: str = "-"
    vs_fold: OursVsFold | None = None


def measure_cases(columns: list[Column], cases: list[Case], work: Path, timeout: float,
                  log: Callable[[str], None]) -> None:
    """Every available converter on every case."""
    for case in cases:
        cells = []
        for col in columns:
            if col.skipped is None:
                col.cases[case.name] = run_case(col.conv, case, work, timeout)
                cells.append(f"{col.conv.key}: {col.cases[case.name].result}")
        log(f"{case.name}: " + ", ".join(cells))


def measure_big(
    columns: list[Column], work: Path, seed: int, timeout: float, rounds: int, log: Callable[[str], None]
) -> str:
    """Our exporter (default options) against ``fold`` over ``rounds`` rounds, then every
    available converter once on the ResNet-152-shaped model of ``bench.py`` (the
    ``--opset 13`` column too); returns the 1-minute load average before and after
    (other busy processes slow every figure)."""
    from benchmarks.models import write_model
    from benchmarks.report import load_average

    deploy, model, _ = write_model("resnet152", work, seed)
    log(f"resnet152: wrote {model.name} ({model.stat().st_size / MIB:.0f} MiB)")
    before = load_average()
    for col in columns:
        if col.conv.key == "ours" and col.skipped is None and rounds > 0:
            col.vs_fold = ours_vs_fold(col.conv, deploy, model, work, rounds, timeout, log)
    for col in columns:
        if col.skipped is None:
            col.big = run_big(col.conv, deploy, model, work, timeout)
            log(f"  {col.conv.key}: {col.big.outcome} ({fmt_s(col.big.wall)}, {fmt_mib(col.big.rss)})")
    deploy.unlink()
    model.unlink()
    return f"1-minute load average {before} before, {load_average()} after"


def fmt_s(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds:.1f} s"


def fmt_mib(nbytes: float | None) -> str:
    return "-" if nbytes is None else f"{nbytes / MIB:.0f} MiB"


def cell(text: str) -> str:
    """Text for a markdown table cell."""
    return text.replace("|", "\\|").replace("\n", " ")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    p.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "caffe-onnx-peers",
                   help="folder holding the peers' virtual environments (caffe2onnx/, caffe-onnx/) and, while "
                        "running, the converted models (default: <temp>/caffe-onnx-peers)")
    p.add_argument("--caffe2onnx", help="command template of caffe2onnx (default: its venv under --workdir)")
    p.add_argument("--caffe-onnx", help="command template of caffe-onnx (default: its venv under --workdir)")
    p.add_argument("--ours", default=OURS_TEMPLATE, help=f"command template of our exporter (default: {OURS_TEMPLATE})")
    p.add_argument("--cases", help="comma-separated case names (e.g. zoo/eltwise_ops); default all")
    p.add_argument("--timeout", type=float, default=120, help="seconds per conversion and per ONNX run (default 120)")
    p.add_argument("--big-timeout", type=float, default=600,
                   help="seconds for each conversion of the ResNet-152-shaped model (default 600)")
    p.add_argument("--no-big", action="store_true", help="skip the ResNet-152-shaped model")
    p.add_argument("--big-runs", type=int, default=7,
                   help="rounds of our exporter against fold on the ResNet-152-shaped model, after a warm-up "
                        "(default 7; 0 skips them)")
    p.add_argument("--seed", type=int, default=0, help="seed of the big model's weights (default 0, as bench.py)")
    p.add_argument("--keep", action="store_true", help="keep the converted models under --workdir")
    p.add_argument("--results", type=Path, default=HERE / "ONNX-PEERS.md", help="report to write")
    p.add_argument("--no-results", action="store_true", help="print only, write no report")
    p.add_argument("--print-setup", action="store_true", help="print how to set up the peers, and exit")
    return p.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    if str(REPO) not in sys.path:  # the checkout's benchmarks and caffe2trt_bn, when run as a script
        sys.path.insert(0, str(REPO))
    from benchmarks.onnx_compare import find_cases
    from benchmarks.onnx_report import markdown, short_table, summary_lines

    args = parse_args(argv)
    if args.print_setup:
        print(SETUP.replace("WORKDIR", str(args.workdir)), end="")
        return 0

    def log(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    cases = find_cases(REPO / "fixtures")
    if args.cases:
        wanted = {c.strip() for c in args.cases.split(",") if c.strip()}
        unknown = wanted - {c.name for c in cases}
        if unknown:
            log(f"unknown case(s): {', '.join(sorted(unknown))}")
            return 2
        cases = [c for c in cases if c.name in wanted]
    columns = [Column(conv, unavailable(conv)) for conv in peers(args.workdir, args)]
    for col in columns:
        col.versions = versions(col.conv) if col.skipped is None else "-"
        log(f"{col.conv.label}: " + (f"skipped: {col.skipped}" if col.skipped else col.versions))
    args.workdir.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="run-", dir=args.workdir))
    started = time.strftime("%Y-%m-%d")
    big_note = ""
    try:
        measure_cases(columns, cases, work, args.timeout, log)
        if not args.no_big:
            big_note = measure_big(columns, work, args.seed, args.big_timeout, args.big_runs, log)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    for line in summary_lines(columns, cases):
        print(line)
    if not args.no_big:
        print()
        for line in short_table(columns, cases):
            print(line)
    if not args.no_results:
        machine = f"{platform.platform()}, {os.cpu_count()} logical CPUs"
        args.results.write_text(markdown(columns, cases, args, started, machine, big_note))
        log(f"wrote {args.results}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
