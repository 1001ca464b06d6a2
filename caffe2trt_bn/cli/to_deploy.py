"""``caffe-bn-merge to-deploy TRAIN_VAL [-o DEPLOY] [--input-shape N,C,H,W]``.

Rewrites a train_val prototxt into a deploy prototxt (see :mod:`caffe2trt_bn.passes.deploy`):
TEST-phase layers only, one ``Input`` layer instead of the data layers, ``Softmax``
instead of ``SoftmaxWithLoss`` and ``Sigmoid`` instead of ``SigmoidCrossEntropyLoss``, no
other losses, metrics or labels, every BatchNorm on its stored statistics; everything else
byte for byte as written.

Without ``-o`` (or with ``-o -``) the deploy net goes to standard output and the report
to standard error, so the command works as a filter; with ``-o FILE`` the file is
written atomically (never over the input) and the report goes to standard output.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from . import PROG, ArgumentParser, add_output_options, print_json, print_warnings, warnings_json

STDOUT = "-"


def _shape(text: str) -> tuple[str | None, tuple[int, ...]]:
    """Parses ``N,C,H,W`` or ``BLOB=N,C,H,W``; a shape Caffe cannot set up is a usage
    error (see :func:`caffe2trt_bn.passes.deploy.shape_problem`)."""
    from ..passes.deploy import shape_problem

    blob, _, dims = text.rpartition("=")
    try:
        shape = tuple(int(d) for d in dims.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a shape like 1,3,224,224 or BLOB=1,3,224,224") from None
    problem = shape_problem(shape)
    if problem is not None:
        raise argparse.ArgumentTypeError(f"{text!r}: the shape {problem}")
    return (blob or None), shape


def parser() -> argparse.ArgumentParser:
    p = ArgumentParser(
        prog=f"{PROG} to-deploy",
        description=(
            "Rewrite a train_val prototxt as a deploy prototxt: TEST-phase layers only, one Input layer "
            "instead of the data layers, Softmax instead of SoftmaxWithLoss, Sigmoid instead of "
            "SigmoidCrossEntropyLoss, other losses/Accuracy/labels removed, "
            "BatchNorm 'use_global_stats: false' set to true. Everything else (comments, field order, "
            "layers and fields of Caffe forks) stays byte for byte. On a deploy prototxt it only fixes "
            "use_global_stats; on its own output it changes nothing."
        ),
    )
    p.add_argument("prototxt", help="train_val (or deploy) prototxt to read; it is never modified")
    p.add_argument(
        "-o",
        "--output",
        help="deploy prototxt to write (default, or '-': standard output; the report then goes to standard error)",
    )
    p.add_argument(
        "--input-shape",
        action="append",
        type=_shape,
        metavar="[BLOB=]N,C,H,W",
        help="shape of the first input blob (or of BLOB; repeat for several), instead of the one "
        "read from the data layer (DummyData shape, or 1 x channels of mean_value x crop_size)",
    )
    add_output_options(p, verbose="also print every change with its line (layers removed, fields edited)")
    return p


def run(argv: Sequence[str]) -> int:
    p = parser()
    args = p.parse_args(argv)
    to_stdout = args.output in (None, STDOUT)
    if to_stdout and args.json:
        p.error("--json prints the report on standard output, so it needs -o FILE for the deploy net")
    shapes = args.input_shape or []
    if len(shapes) > 1 and any(blob is None for blob, _ in shapes):
        p.error("with several --input-shape options, name each blob: BLOB=N,C,H,W")

    from ..io.atomic import check_output_path, write_bytes_atomic
    from ..passes.deploy import deploy_file

    if not to_stdout:
        check_output_path(args.output, [args.prototxt])  # fails before any work is done
    input_shape = None
    if len(shapes) == 1 and shapes[0][0] is None:
        input_shape = shapes[0][1]
    elif shapes:
        input_shape = dict(shapes)
    result = deploy_file(args.prototxt, input_shape, strict=args.strict)
    print_warnings(result.diagnostics, verbose=args.verbose, quiet=args.quiet)
    data = result.text.encode("utf-8")
    if to_stdout:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        write_bytes_atomic(args.output, data, inputs=[args.prototxt])
    report = sys.stderr if to_stdout else sys.stdout
    if args.json:
        summary = {
            "output": args.output,
            "prototxt": args.prototxt,
            "unchanged": not result.changes,
            "inputs": [{"blob": b.blob, "shape": list(b.shape), "from": b.shape_from} for b in result.inputs],
            "changes": [
                {"action": c.action, "layer": c.layer, "line": c.line, "detail": c.detail} for c in result.changes
            ],
            **warnings_json(result.diagnostics),
        }
        print_json(summary, report)
        return 0
    if args.quiet:
        return 0
    where = "standard output" if to_stdout else args.output
    if not result.changes:
        print(f"{args.prototxt} is already a deploy net; wrote it unchanged to {where}", file=report)
        return 0
    if args.verbose:
        for change in result.changes:
            print(f"  {change}", file=report)
    for blob in result.inputs:
        print(f"input {blob.blob!r}: shape {list(blob.shape)} ({blob.shape_from})", file=report)
    counts: dict[str, int] = {}
    for change in result.changes:
        counts[change.action] = counts.get(change.action, 0) + 1
    parts = [f"{counts.get('removed', 0)} layer(s) removed", f"{counts.get('softmax', 0)} SoftmaxWithLoss -> Softmax"]
    if counts.get("sigmoid"):  # named only when there is one, like the rarer loss it is
        parts.append(f"{counts['sigmoid']} SigmoidCrossEntropyLoss -> Sigmoid")
    parts.append(f"use_global_stats fixed in {counts.get('use_global_stats', 0)} layer(s)")
    print(f"wrote deploy net to {where}: {', '.join(parts)}", file=report)
    return 0
