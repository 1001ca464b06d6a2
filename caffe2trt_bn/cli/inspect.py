"""``caffe-bn-merge inspect DEPLOY CAFFEMODEL [--fork F] [-v] [--json]``: what each BatchNorm-like layer is.

Prints the report of :func:`caffe2trt_bn.passes.inspect.inspect_net` (one row per
BatchNorm-like layer: variant, channels, factor, eps, smallest variance, the layers it
fuses with and why, or the error that stops the merge there), then one row per layer
the Caffe forks disagree on (the fork whose semantics the ONNX export follows, with
``--fork`` as for ``onnx``, and why), then the warnings the merge would give.  This
module only parses the arguments and prints; the report is the pass's.

Exit status: 0 when the merge would convert the model, 1 when it would not (the report
is printed either way; standard error names every layer that stops it), 2 for a usage
error.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from . import (
    PROG,
    ArgumentParser,
    failure_json,
    print_json,
    print_table,
    print_warnings,
    warnings_json,
)
from .onnx import add_fork_option, fork_rows


def parser() -> argparse.ArgumentParser:
    p = ArgumentParser(
        prog=f"{PROG} inspect",
        description=(
            "Describe every BatchNorm-like layer of a Caffe model: the storage variant detected, channels, "
            "moving-average factor, eps, smallest variance, and the Scale/Bias layers it fuses with and why. "
            "Exit status 1 exactly when the merge would refuse the model; every layer that stops it is named "
            "with its error."
        ),
    )
    p.add_argument("prototxt", help="deploy prototxt")
    p.add_argument("caffemodel", help="trained binary caffemodel")
    add_fork_option(p)
    p.add_argument("-v", "--verbose", action="store_true", help="list every warning (default: one line per warning code)")
    p.add_argument("--json", action="store_true", help="print the report as JSON on stdout")
    return p


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:.6g}"


def run(argv: Sequence[str]) -> int:
    args = parser().parse_args(argv)
    from ..passes.inspect import inspect_net

    report = inspect_net(args.prototxt, args.caffemodel, fork=args.fork)
    failure = None if report.failure is None else f"{PROG}: {report.failure}"
    if args.json:
        summary = report.to_json()
        summary["warning_summary"] = warnings_json(report.diagnostics)["warning_summary"]
        if failure is not None:
            summary.update(failure_json(failure, "not_convertible", 1))
        print_json(summary)
        return 0 if report.convertible else 1
    if report.message is not None:
        print(report.message)
        return 1
    if report.layers:
        rows = [
            (
                r.name,
                r.type,
                r.variant,
                "-" if r.channels is None else str(r.channels),
                _number(r.factor),
                _number(r.eps),
                _number(r.min_variance),
                " + ".join(r.fuses_with) or "-",
                r.error if r.error is not None else r.why,
            )
            for r in report.layers
        ]
        print_table(("layer", "type", "variant", "channels", "factor", "eps", "min var", "fuses with", "why"), rows)
    else:
        print(f"{report.prototxt}: no BatchNorm-like layers; nothing to merge")
    if report.fork_semantics:
        print(f"\nlayers the Caffe forks disagree on (ONNX export; --fork: {', '.join(report.forks) or 'none given'}):")
        print_table(("layer", "type", "fork", "semantics", "why"), fork_rows(report.fork_semantics))
    print_warnings(report.diagnostics, verbose=args.verbose)
    if failure is not None:
        for r in report.failed:
            print(f"{PROG}: error: {r.error}", file=sys.stderr)
        print(failure, file=sys.stderr)
        return 1
    return 0
