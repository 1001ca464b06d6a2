#!/usr/bin/env python3
"""Speed and memory of caffe-bn-merge next to the tools people use today.

The script writes ResNet-50- and ResNet-152-shaped Caffe models (deterministic random
weights, BatchNorm statistics stored the way Caffe accumulates them), and a ResNet-50
with 7x7 bottleneck kernels (the same layers and channels, 3x the bytes), into a
temporary folder, then runs, side by side in one session, each of:

* ``caffe-bn-merge DEPLOY MODEL -o x.h5`` as a whole process (start-up included);
* ``caffe-bn-merge fold DEPLOY MODEL -o OUTDIR`` as a whole process;
* the in-process :func:`caffe2trt_bn.extract` call (timed in a loop inside one process);
* the peers: a full protobuf parse in Python (``NetParameter.FromString`` and numpy
  conversion of the BatchNorm/Scale blobs), OpenCV ``cv2.dnn.readNetFromCaffe``,
  pycaffe ``caffe.Net(...)`` (when an interpreter that can ``import caffe`` is named),
  and ``cp`` of the caffemodel;
* yardsticks of what Python can reach at all: two floors of a fold in Python with numpy
  (``peers/floor_copy.py``, ``peers/floor_scale.py``) and an unchecked single-purpose
  reader (``peers/sketch.py``), measured beside ``extract()`` in the paired step.

Every command runs once as a warm-up (so the model is in the page cache for all of them
alike), then ``--runs`` rounds each run every command once, in the same order; figures
are medians.  Wall time is ``time.perf_counter`` around the child process; peak memory
is the child's ``ru_maxrss`` from ``os.wait4`` (resident pages, file-backed pages of
memory-mapped files included).  Peers that are Python processes also report the time
of their work alone, without interpreter start-up, so in-process figures compare like
with like.

It prints ratios against each peer and the project's targets, and writes a markdown
report (``RESULTS.md`` beside this script unless ``--results`` says otherwise) with a
description of the machine.  Run ``python benchmarks/bench.py --help`` for options.

This file is the command line; the models are written by ``models.py``, the commands run
by ``measure.py`` (each child program a file in ``peers/``), the report made by
``report.py``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from benchmarks.report import ModelResult

HERE = Path(__file__).resolve().parent
REPO = HERE.parent


def use_checkout() -> None:
    """Puts the checkout first on ``sys.path``: its ``benchmarks`` and its
    ``caffe2trt_bn`` (rather than an installed one), when run as a script.  The modules of
    the benchmark are imported after this, inside the functions that use them."""
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))


@dataclass
class Workdir:
    path: Path
    keep: bool

    def __enter__(self) -> Path:
        return self.path

    def __exit__(self, *exc: object) -> None:
        if not self.keep:
            shutil.rmtree(self.path, ignore_errors=True)


def workdir(args: argparse.Namespace) -> Workdir:
    base = args.workdir
    if base is not None:
        base.mkdir(parents=True, exist_ok=True)
    return Workdir(Path(tempfile.mkdtemp(prefix="caffe-bn-bench-", dir=base)), args.keep)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    from benchmarks.models import MODELS

    p = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    p.add_argument(
        "--models",
        default=",".join(MODELS),
        help=f"comma-separated, from {', '.join(MODELS)} (default all; the targets need resnet152)",
    )
    p.add_argument("--runs", type=int, default=5, help="measured runs of each command (default 5; figures are medians)")
    p.add_argument("--warmup", type=int, default=1, help="unmeasured runs first (default 1)")
    p.add_argument("--loops", type=int, default=20, help="extract() calls timed inside one process (default 20)")
    p.add_argument("--seed", type=int, default=0, help="seed of the random weights (default 0)")
    p.add_argument("--workdir", type=Path, help="folder for the generated models and outputs (default: system temp)")
    p.add_argument("--keep", action="store_true", help="keep the generated models and outputs")
    p.add_argument("--results", type=Path, default=HERE / "RESULTS.md", help="report to write (default: RESULTS.md)")
    p.add_argument("--no-results", action="store_true", help="print only, write no report")
    p.add_argument(
        "--pycaffe-python",
        default=os.environ.get("PYCAFFE_PYTHON"),
        help="Python interpreter that can `import caffe` (default $PYCAFFE_PYTHON, else this interpreter)",
    )
    p.add_argument(
        "--pycaffe-path",
        default=os.environ.get("PYCAFFE_PATH"),
        help="folder to put on that interpreter's PYTHONPATH, e.g. $CAFFE_ROOT/python (default $PYCAFFE_PATH)",
    )
    args = p.parse_args(argv)
    args.models = [m.strip() for m in args.models.split(",") if m.strip()]
    unknown = [m for m in args.models if m not in MODELS]
    if unknown:
        p.error(f"unknown model(s) {', '.join(unknown)}; choose from {', '.join(MODELS)}")
    if args.runs < 1:
        p.error("--runs must be at least 1")
    return args


def print_summary(res: ModelResult) -> None:
    from benchmarks.report import MIB, ratio_table, results_table

    print(f"\n{res.kind}: {res.layers} layers, {res.model_bytes / MIB:.0f} MiB "
          f"(load average {res.load_before} before, {res.load_after} after)")
    for line in results_table(res) + [""] + ratio_table(res):
        print(line)


def measure_models(
    args: argparse.Namespace, work: Path, log: Callable[[str], None]
) -> tuple[dict[str, ModelResult], dict[str, dict[str, float]]]:
    """Writes each model of ``args.models`` into ``work`` and measures every command on
    it, then the paired comparisons; removes the models unless ``--keep``."""
    from benchmarks.measure import make_tools, measure, measure_paired
    from benchmarks.models import write_model
    from benchmarks.report import MIB, ModelResult, load_average

    results: dict[str, ModelResult] = {}
    files: dict[str, tuple[Path, Path]] = {}
    for kind in args.models:
        start = time.perf_counter()
        deploy, model, n_layers = write_model(kind, work, args.seed)
        files[kind] = (deploy, model)
        size = model.stat().st_size
        log(f"{kind}: wrote {model.name} ({size / MIB:.0f} MiB, {n_layers} deploy layers) in "
            f"{time.perf_counter() - start:.1f} s")
        setup = make_tools(args, deploy, model, work)
        for key, why in setup.skipped.items():
            log(f"  skipping {key}: {why}")
        load_before = load_average()
        measure(setup, args.runs, args.warmup, work, log)
        results[kind] = ModelResult(kind, n_layers, size, setup, load_before, load_average())
        print_summary(results[kind])
    paired = measure_paired(files, args.runs, work, log)
    if not args.keep:
        for paths in files.values():
            for path in paths:
                path.unlink()
    return results, paired


def main(argv: Sequence[str] | None = None) -> int:
    use_checkout()
    from benchmarks.report import report, targets

    args = parse_args(argv)

    def log(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    with workdir(args) as work:
        results, paired = measure_models(args, work, log)
    tgt = targets(results, paired)
    if tgt:
        print("\nTargets (ResNet-152-shaped model):")
        for t in tgt:
            met = "n/a" if t.met is None else ("met" if t.met else "NOT MET")
            print(f"  {t.what}: {t.measured} (limit {t.limit}) {met}; {t.margin}")
    if not args.no_results:
        args.results.write_text(report(results, paired, args))
        log(f"wrote {args.results}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
