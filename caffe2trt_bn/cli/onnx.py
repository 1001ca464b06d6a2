"""``caffe-bn-merge onnx DEPLOY CAFFEMODEL -o OUT.onnx``: the whole net as ONNX for TensorRT.

See :mod:`caffe2trt_bn.export.onnx` for what is written; ``--verify`` then runs the model
in ONNX Runtime against pycaffe (or OpenCV dnn) and exits 1 when an output differs by
more than ``--rtol``.  The export itself needs no ``onnx`` package (see
:mod:`caffe2trt_bn.export.onnx.proto`); onnx, onnxruntime and OpenCV are imported for
``--verify`` only.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, cast

from . import (
    PROG,
    add_output_options,
    failure_json,
    print_json,
    print_table,
    print_warnings,
)

if TYPE_CHECKING:
    from ..export.onnx import OnnxReport
    from ..ir.forks import ForkSemantics
    from ..verify.onnx import VerifyResult

ONNX_HINT = '--verify needs the onnx extra: pip install "caffe2trt_bn[onnx]" (onnx and onnxruntime)'


def _input_shape(text: str) -> tuple[str | None, tuple[int, ...]]:
    """``[BLOB=]N,C,H,W`` -> (blob or None, dims)."""
    blob, _, dims = text.rpartition("=")
    try:
        shape = tuple(int(d) for d in dims.split(","))
    except ValueError:
        shape = ()
    if not shape or any(d < 1 for d in shape):
        raise argparse.ArgumentTypeError(f"{text!r} is not [BLOB=]N,C,H,W with positive whole numbers")
    return (blob or None), shape


def add_fork_option(p: argparse.ArgumentParser) -> None:
    """``--fork`` (repeatable), shared by ``onnx`` and ``inspect``: whose semantics the
    layers the forks disagree on follow (:mod:`caffe2trt_bn.ir.forks`)."""
    from ..ir.forks import FORKS

    p.add_argument(
        "--fork", choices=FORKS, action="append", default=[],
        help="whose semantics a layer the forks disagree on follows where the prototxt does not say: ssd "
        "(weiliu89's SSD, the default, with a warning), brocolli (brocolli-caffe), segnet (a two-bottom Upsample "
        "unpools); repeat to give segnet with ssd or brocolli",
    )


def fork_rows(choices: Sequence[ForkSemantics]) -> list[tuple[str, ...]]:
    """Table rows (layer, type, fork, semantics, why) of fork decisions."""
    return [
        (s.layer, s.type, s.fork or "-", s.semantics, s.why if s.error is None else f"{s.why}: {s.error}")
        for s in choices
    ]


def parser() -> argparse.ArgumentParser:
    from ..export.onnx import SSD_HEADS
    from ..export.onnx.trt_ops import DEFAULT_OPSET, MAX_OPSET, MIN_OPSET
    from ..verify.onnx import VERIFY_RTOL

    p = argparse.ArgumentParser(
        prog=f"{PROG} onnx",
        description=(
            "Export the whole Caffe net to ONNX for TensorRT's ONNX parser (TensorRT 8.6 to 11): every layer "
            "converted exactly or refused by name, graph inputs and outputs named as the Caffe blobs, weights "
            "streamed from the caffemodel."
        ),
    )
    p.add_argument("prototxt", help="deploy prototxt")
    p.add_argument("caffemodel", help="trained binary caffemodel")
    p.add_argument("-o", "--output", required=True, metavar="OUT.onnx", help="the ONNX file to write")
    p.add_argument(
        "--opset", type=int, default=DEFAULT_OPSET,
        help=f"ONNX opset, {MIN_OPSET} to {MAX_OPSET} (default {DEFAULT_OPSET}: TensorRT 8.5 and later read it)",
    )
    p.add_argument(
        "--bn", choices=("fold", "scale", "keep"), default="fold",
        help="BatchNorm groups: fold into the producing layer as `fold` does, else Mul+Add (default); "
        "scale: always Mul+Add; keep: ONNX BatchNormalization",
    )
    p.add_argument(
        "--input-shape", type=_input_shape, action="append", default=[], metavar="[BLOB=]N,C,H,W",
        help="use this input shape instead of the prototxt's (repeat for several inputs)",
    )
    p.add_argument("--dynamic-batch", action="store_true", help="make the first dimension of inputs and outputs symbolic (N)")
    p.add_argument("--outputs", default="", metavar="BLOB,...", help="also expose these blobs as graph outputs")
    add_fork_option(p)
    p.add_argument(
        "--ssd-head", choices=SSD_HEADS, default="decode",
        help="decode (default): DetectionOutput as ONNX ops; cut: end the graph at its location, confidence and "
        "prior inputs (named after their Caffe blobs), to decode on the host or with a plugin",
    )
    p.add_argument(
        "--verify", action="store_true",
        help="run the model in ONNX Runtime and the Caffe model in pycaffe (else OpenCV dnn) on random input and compare",
    )
    p.add_argument(
        "--rtol", type=float, default=VERIFY_RTOL, help=f"largest relative difference accepted by --verify (default {VERIFY_RTOL:g})"
    )
    p.add_argument("--seed", type=int, default=0, help="seed of the random input of --verify (default 0)")
    add_output_options(
        p,
        verbose="also print whose semantics each layer the forks disagree on follows, every BatchNorm group, "
        "the notes, and every warning on its own line",
    )
    return p


def run(argv: Sequence[str]) -> int:
    p = parser()
    args = p.parse_args(argv)
    if not (math.isfinite(args.rtol) and args.rtol >= 0):
        p.error(f"--rtol must be a non-negative number, not {args.rtol}")
    if args.seed < 0:
        p.error("--seed must be a whole number from 0 up")
    from ..errors import Caffe2TrtError

    if args.verify:
        try:
            import onnx  # noqa: F401
            import onnxruntime  # noqa: F401
        except ImportError:
            raise Caffe2TrtError(ONNX_HINT) from None
    from ..export.onnx import ExportOptions, export_net
    from ..io.atomic import check_output_path
    from ..ir.net import load_net

    outputs = tuple(b for b in (s.strip() for s in args.outputs.split(",")) if b)
    options = ExportOptions(
        opset=args.opset,
        bn=args.bn,
        input_shapes=tuple(args.input_shape),
        dynamic_batch=args.dynamic_batch,
        outputs=outputs,
        strict=args.strict,
        fork=tuple(args.fork),
        ssd_head=args.ssd_head,
    )
    options.check()
    check_output_path(args.output, [args.prototxt, args.caffemodel])
    net = load_net(args.prototxt, args.caffemodel)
    report = export_net(net, args.output, options)
    print_warnings(report.diagnostics, verbose=args.verbose, quiet=args.quiet)
    verification = None
    if args.verify:
        from ..verify.onnx import verify_onnx

        verification = verify_onnx(
            net, args.output, [name for name, _ in report.outputs], rtol=args.rtol, seed=args.seed,
            fork_semantics=report.fork_semantics,
        )
    failure = None  # the line on standard error when --verify finds a difference
    if verification is not None and not verification.ok:
        failed = [c.blob for c in verification.checks if c.status == "FAIL"]
        failure = f"{PROG}: error: --verify: {len(failed)} output(s) differ beyond rtol {args.rtol:g}: {', '.join(failed)}"
    if args.json:
        summary = report.to_json()
        summary["prototxt"], summary["caffemodel"] = str(args.prototxt), str(args.caffemodel)
        if verification is not None:
            summary["verify"] = verification.to_json()
        if failure is not None:
            summary.update(failure_json(failure, "verify_failed", 1))
        print_json(summary)
    elif not args.quiet:
        _print_text(args, report)
        if verification is not None:
            _print_verification(verification)
    if failure is not None:
        print(failure, file=sys.stderr)
        return 1
    return 0


def _print_text(args: argparse.Namespace, report: OnnxReport) -> None:
    """The summary line, the graph's inputs and outputs and, with ``-v``, the fork
    decisions, the BatchNorm groups and the notes."""
    folded = sum(1 for g in report.groups if g.get("action") == "folded")
    print(
        f"wrote {args.output}: opset {report.opset}, {report.nodes} nodes, {report.initializers} initializers "
        f"({report.weight_bytes / 2**20:.1f} MiB), {len(report.groups)} BatchNorm group(s) "
        f"({folded} folded), {len(report.diagnostics)} warning(s)"
    )
    for name, shape in report.inputs:
        print(f"  input  {name}: {list(shape)}")
    for name, dims in report.outputs:
        print(f"  output {name}: {list(dims)}")
    if args.verbose:
        print(f"  fork: {', '.join(report.fork) or 'none given'}; ssd head: {report.ssd_head}")
        if report.fork_semantics:
            print("  whose semantics each layer the forks disagree on follows:")
            print_table(("layer", "type", "fork", "semantics", "why"), fork_rows(report.fork_semantics))
        for g in report.groups:
            layers = cast(list[str], g["layers"])  # the groups are JSON-ready dicts of object
            print(f"  {g['name']}: {g['action']} into {g['into']!r} ({' + '.join(layers)})")
        for note in report.notes:
            print(f"  note: {note}")


def _print_verification(verification: VerifyResult) -> None:
    """The table of ``--verify``: every compared output with its status."""
    print(f"verify against {verification.reference} (rtol {verification.rtol:g}):")
    rows = [
        (
            c.blob,
            "x".join(map(str, c.shape)),
            "-" if c.relative is None else f"{c.relative:.3g}",
            c.status + (f": {c.reason}" if c.reason else ""),
        )
        for c in verification.checks
    ]
    print_table(("blob", "shape", "relative", "status"), rows)
