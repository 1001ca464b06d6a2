"""``caffe-bn-merge fold DEPLOY CAFFEMODEL -o OUTDIR``: fold BatchNorm groups into their producers.

Writes ``OUTDIR/<prototxt name>`` and ``OUTDIR/<caffemodel name>`` (see
:mod:`caffe2trt_bn.passes.fold`) and reports, for every group, where it went.  ``--verify``
then runs the original and the folded net in OpenCV dnn on the same random input and
exits 1 when a net output differs by more than ``--rtol`` relative to its magnitude.
Intermediate blobs the fold leaves unchanged are compared too and reported (a warning
above ``--rtol``): a saturated output such as a Softmax would hide a difference.
OpenCV is imported only for ``--verify``.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from . import (
    PROG,
    ArgumentParser,
    add_output_options,
    failure_json,
    print_json,
    print_table,
    print_warnings,
    warning_counts,
    warnings_json,
)

if TYPE_CHECKING:
    from ..passes.fold import FoldResult
    from ..verify.fold import OutputDifference


def parser() -> argparse.ArgumentParser:
    from ..verify.fold import VERIFY_RTOL

    p = ArgumentParser(
        prog=f"{PROG} fold",
        description=(
            "Fold every BatchNorm (+ Scale + Bias) group into the Convolution, Deconvolution or InnerProduct "
            "that produces its input, and write a deploy prototxt and caffemodel without them. Groups that "
            "cannot fold become one Scale layer each (named after the BatchNorm). Untouched layers are copied "
            "byte for byte."
        ),
    )
    p.add_argument("prototxt", help="deploy prototxt")
    p.add_argument("caffemodel", help="trained binary caffemodel (the TRAIN net saved by Caffe is fine)")
    p.add_argument(
        "-o",
        "--output-dir",
        required=True,
        metavar="OUTDIR",
        help="folder for the folded files, which keep the input file names (created if missing)",
    )
    p.add_argument(
        "--verify",
        action="store_true",
        help="run the original and the folded net in OpenCV dnn on random input and compare every output "
        '(needs "opencv-python-headless<5")',
    )
    p.add_argument(
        "--rtol",
        type=float,
        default=VERIFY_RTOL,
        help=f"largest accepted difference relative to each output's magnitude with --verify (default {VERIFY_RTOL:g})",
    )
    p.add_argument("--seed", type=_seed, default=0, help="seed of the random input used by --verify (default 0)")
    add_output_options(p, verbose="also print why layers were not fused and, with --verify, every compared blob")
    return p


def _seed(text: str) -> int:
    """A seed of the random input: a whole number from 0 up (what numpy accepts)."""
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number from 0 up")
    return value


def run(argv: Sequence[str]) -> int:
    p = parser()
    args = p.parse_args(argv)
    if not (math.isfinite(args.rtol) and args.rtol >= 0):
        p.error(f"--rtol must be a non-negative number, not {args.rtol}")
    from ..errors import Caffe2TrtError
    from ..ir.net import DUPLICATE_STORED_LAYER
    from ..passes.fold import fold
    from ..verify.fold import OPENCV_HINT, opencv_available, verify_fold

    if args.verify and not opencv_available():
        # Checked first: nothing is written when the requested check cannot run.
        raise Caffe2TrtError(f"--verify: {OPENCV_HINT}")
    result = fold(args.prototxt, args.caffemodel, args.output_dir, strict=args.strict)
    print_warnings(result.diagnostics, verbose=args.verbose, quiet=args.quiet)
    checks = None
    if args.verify:
        try:
            checks = verify_fold(args.prototxt, args.caffemodel, result.prototxt, result.caffemodel, seed=args.seed)
        except Caffe2TrtError as exc:
            exc.message += f" (verification only: the folded files were written: {result.prototxt}, {result.caffemodel})"
            raise
    # The exit status follows the net outputs; intermediate blobs above the tolerance are
    # reported (they expose a difference that a saturated output such as a Softmax hides).
    failed = [c for c in checks or [] if c.output and not c.relative <= args.rtol]
    inner_over = [c for c in checks or [] if not c.output and not c.relative <= args.rtol]
    # Layers stored twice with different blobs: OpenCV runs the original with the first copy.
    duplicated = [d.layer for d in result.diagnostics if d.code == DUPLICATE_STORED_LAYER and d.layer is not None]
    first_copy_note = (
        f"OpenCV reads the first copy of the layer(s) stored more than once in the caffemodel "
        f"({', '.join(map(repr, duplicated))}), Caffe and this tool the last, so the differences include theirs"
        if checks is not None and duplicated
        else None
    )
    failure = None
    if failed:
        bad = max(failed, key=lambda c: c.relative)
        failure = (
            f"{PROG}: error: verification failed: output {bad.blob!r} of the folded net differs by "
            f"{bad.relative:.3g} relative (rtol {args.rtol:g}); {len(failed)} output(s) above the tolerance "
            "(the folded files were written)" + (f"; {first_copy_note}" if first_copy_note is not None else "")
        )
    if args.json:
        summary = _json_summary(args, result, checks, bool(failed), duplicated)
        if failure is not None:
            summary.update(failure_json(failure, "verify_failed", 1))
        print_json(summary)
    elif not args.quiet:
        _print_text(args, result, checks, bool(failed), first_copy_note)
    for c in inner_over:
        print(
            f"{PROG}: warning: intermediate blob {c.blob!r} differs by {c.relative:.3g} relative, above rtol {args.rtol:g}",
            file=sys.stderr,
        )
    if failure is not None:
        print(failure, file=sys.stderr)
        return 1
    return 0


def _json_summary(
    args: argparse.Namespace, result: FoldResult, checks: list[OutputDifference] | None, failed: bool, duplicated: list[str]
) -> dict[str, object]:
    """The ``--json`` document of a fold (and of its ``--verify``)."""
    folded = sum(1 for g in result.groups if g.action == "folded")
    summary: dict[str, object] = {
        "prototxt": str(result.prototxt),
        "caffemodel": str(result.caffemodel),
        "inputs": {"prototxt": str(args.prototxt), "caffemodel": str(args.caffemodel)},
        "groups": [g.to_json() for g in result.groups],
        "folded": folded,
        "scale_layers": len(result.groups) - folded,
        "removed_layers": result.removed,
        **warnings_json(result.diagnostics),
        "verify": None
        if checks is None
        else {
            "rtol": args.rtol,
            "seed": args.seed,
            "passed": not failed,
            "outputs": [c.to_json() for c in checks],
            "opencv_reads_first_copy_of": duplicated,
        },
    }
    return summary


def _print_text(
    args: argparse.Namespace, result: FoldResult, checks: list[OutputDifference] | None, failed: bool, note: str | None
) -> None:
    """The table of groups, the summary line and, with ``--verify``, the comparison table."""
    folded = sum(1 for g in result.groups if g.action == "folded")
    rows = []
    for g in result.groups:
        went = f"folded into {g.into}" if g.action == "folded" else f"Scale {g.into}"
        if g.bias_added:
            went += " (bias added)"
        rows.append((g.name, " + ".join(g.layers), went, g.reason or ""))
    if rows:
        print_table(("group", "layers", "now", "why not folded"), rows)
    if args.verbose:
        for g in result.groups:
            for note in g.notes:
                print(f"{g.name}: {note}")
    print(
        f"wrote {result.prototxt} and {result.caffemodel}: {len(result.groups)} BatchNorm group(s), "
        f"{folded} folded, {len(result.groups) - folded} became Scale layers, "
        f"{len(result.removed)} layer(s) removed, {warning_counts(result.diagnostics)}"
    )
    if checks is not None:
        # Net outputs always; intermediate blobs all with -v, else the worst of them.
        inner = [c for c in checks if not c.output]
        shown = [c for c in checks if c.output or args.verbose]
        if inner and not args.verbose:
            shown.append(max(inner, key=lambda c: c.relative))
        print_table(
            ("blob", "kind", "shape", "max abs diff", "relative"),
            [
                (
                    c.blob,
                    "output" if c.output else "intermediate",
                    "x".join(map(str, c.shape)),
                    f"{c.max_abs:.3g}",
                    f"{c.relative:.3g}",
                )
                for c in shown
            ],
        )
        if inner and not args.verbose:
            print(f"({len(inner)} intermediate blob(s) compared; the largest difference is shown, -v lists all)")
        if note is not None:
            print(f"note: {note}")
        if not failed:
            worst = max((c.relative for c in checks if c.output), default=0.0)
            print(f"verified with OpenCV dnn: largest relative difference of the outputs {worst:.3g} <= rtol {args.rtol:g}")
