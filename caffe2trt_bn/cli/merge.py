"""``caffe-bn-merge DEPLOY CAFFEMODEL [-o OUT]``: the main job, Scale weights to a file.

A net with no BatchNorm-like layer in its TEST phase is an error (exit 1, nothing
written): an empty weights file is never what was asked for, and most likely the wrong
prototxt was given.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from . import (
    COMMANDS,
    PROG,
    ArgumentParser,
    add_output_options,
    print_json,
    print_table,
    print_warnings,
    warning_counts,
    warnings_json,
)


def parser() -> argparse.ArgumentParser:
    p = ArgumentParser(
        prog=PROG,
        description=(
            "Merge every Caffe BatchNorm (+ Scale + Bias) group into per-channel TensorRT Scale weights "
            "(scale, shift, power). Other commands: "
            + ", ".join(f"'{PROG} {command}'" for command in COMMANDS)
            + " (each with -h)."
        ),
    )
    p.add_argument("prototxt", help="deploy prototxt (structure and parameters such as eps)")
    p.add_argument("caffemodel", help="trained binary caffemodel (blobs)")
    p.add_argument(
        "-o",
        "--output",
        help="output file: .h5/.hdf5, .npz or .wts (default: <caffemodel stem>.scale.h5 in the current folder)",
    )
    add_output_options(p)
    return p


def run(argv: Sequence[str]) -> int:
    args = parser().parse_args(argv)
    from ..export import format_of, save
    from ..io.atomic import check_output_path
    from ..passes.scale_weights import convert, no_batchnorm_error

    output = args.output or f"{Path(args.caffemodel).name.rsplit('.', 1)[0]}.scale.h5"
    # A bad output path (a directory, an input file, an unknown suffix) fails before any work.
    check_output_path(output, [args.prototxt, args.caffemodel])
    format_of(output)
    result = convert(args.prototxt, args.caffemodel, strict=args.strict)
    if not result.weights:
        raise no_batchnorm_error(args.prototxt)
    print_warnings(result.diagnostics, verbose=args.verbose, quiet=args.quiet)
    save(result.weights, output, inputs=[args.prototxt, args.caffemodel])
    weights = result.weights
    if args.json:
        summary = {
            "output": str(output),
            "format": format_of(output),
            "prototxt": str(args.prototxt),
            "caffemodel": str(args.caffemodel),
            "groups": [
                {
                    **w.metadata(),
                    "scale_min": float(w.scale.min()),
                    "scale_max": float(w.scale.max()),
                    "shift_min": float(w.shift.min()),
                    "shift_max": float(w.shift.max()),
                    "notes": w.notes,
                }
                for w in weights
            ],
            **warnings_json(result.diagnostics),
        }
        print_json(summary)
        return 0
    if not args.quiet:
        rows = [
            (w.name, " + ".join(w.layers), str(w.channels), f"[{w.scale.min():.4g}, {w.scale.max():.4g}]")
            for w in weights
        ]
        print_table(("group", "fused layers", "channels", "scale range"), rows)
        if args.verbose:
            for w in weights:
                print(f"{w.name}: eps {w.eps:.9g}, variant {w.variant}, {w.bottom!r} -> {w.top!r}")
                for note in w.notes:
                    print(f"  {note}")
        with_scale = sum(1 for w in weights if len(w.layers) > 1)
        print(
            f"wrote {len(weights)} Scale layer(s) to {output}: {len(weights)} BatchNorm, "
            f"{with_scale} fused with Scale/Bias, {len(weights) - with_scale} alone, {warning_counts(result.diagnostics)}"
        )
    return 0
