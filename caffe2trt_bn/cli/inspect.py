"""``caffe-bn-merge inspect DEPLOY CAFFEMODEL [--json]``: what each BatchNorm-like layer is.

For every BatchNorm-like layer of the deploy net, in execution order: the storage
variant detected (BVLC, NVIDIA Caffe 0.16+/0.15, the TSN or SegNet ``BN``), channels,
the moving-average factor, eps, the smallest variance, the layers it fuses with and why
the group ends where it does.  Layers that cannot be converted (unknown fork types,
blobs that fit no layout) are listed with the reason instead of stopping the report.

Exit status: 0 when the main job would convert every BatchNorm-like layer, 1 when it
would not (the report is printed either way), 2 for a usage error.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import Caffe2TrtError, Diagnostic
from . import PROG, print_json, print_table, print_warnings

if TYPE_CHECKING:  # the package modules are imported when a command runs (start-up time)
    from ..fuse import Group
    from ..net import Net


@dataclass
class LayerReport:
    """One BatchNorm-like layer as :func:`inspect_net` sees it.

    ``variant`` is a key of :data:`~caffe2trt_bn.batchnorm.VARIANTS`, or
    ``"unsupported"`` (a batch-normalisation-like type this project does not read) or
    ``"error"`` (blobs or parameters that cannot be read; ``error`` says why).
    """

    name: str
    type: str
    variant: str
    channels: int | None = None
    factor: float | None = None
    eps: float | None = None
    min_variance: float | None = None
    blobs: list[dict[str, object]] = field(default_factory=list)
    fuses_with: list[str] = field(default_factory=list)
    why: str = ""
    warnings: list[dict[str, str | None]] = field(default_factory=list)
    error: str | None = None

    @property
    def convertible(self) -> bool:
        return self.variant not in ("unsupported", "error")

    def to_json(self) -> dict[str, object]:
        from ..batchnorm import VARIANTS

        return {
            "name": self.name,
            "type": self.type,
            "variant": self.variant,
            "variant_description": VARIANTS.get(self.variant),
            "channels": self.channels,
            "factor": self.factor,
            "eps": self.eps,
            "min_variance": self.min_variance,
            "blobs": self.blobs,
            "fuses_with": self.fuses_with,
            "why": self.why,
            "warnings": self.warnings,
            "error": self.error,
        }


@dataclass
class Report:
    """The whole inspection: ``message`` is set for a net that has nothing to merge (V1)."""

    prototxt: str
    caffemodel: str
    layers: list[LayerReport]
    v1: bool = False
    message: str | None = None
    #: Warnings about the prototxt itself (``unknown_field``).
    warnings: list[Diagnostic] = field(default_factory=list)

    @property
    def convertible(self) -> bool:
        return not self.v1 and all(r.convertible for r in self.layers)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog=f"{PROG} inspect",
        description=(
            "Describe every BatchNorm-like layer of a Caffe model: the storage variant detected, channels, "
            "moving-average factor, eps, smallest variance, and the Scale/Bias layers it fuses with and why. "
            "Exit status 1 when a layer could not be converted."
        ),
    )
    p.add_argument("prototxt", help="deploy prototxt")
    p.add_argument("caffemodel", help="trained binary caffemodel")
    p.add_argument("--json", action="store_true", help="print the report as JSON on stdout")
    return p


def inspect_net(prototxt: str | Path, caffemodel: str | Path) -> Report:
    """Reads both files and describes each BatchNorm-like layer (see :class:`LayerReport`)."""
    from ..batchnorm import BATCHNORM_TYPES, batchnorm_like, unsupported_message, v1_problem
    from ..fuse import match_groups
    from ..ir.params import field_diagnostics
    from ..net import load_net

    net = load_net(prototxt, caffemodel)
    report = Report(str(prototxt), str(caffemodel), [], warnings=field_diagnostics(net.graph.layers))
    v1 = v1_problem(net.graph, net.model)
    if v1 is not None:
        report.v1, report.message = True, v1[1]
        return report
    groups = {group.bn.name: group for group in match_groups(net.graph)}
    for layer in net.graph.layers:
        if layer.type in BATCHNORM_TYPES:
            report.layers.append(_describe(net, groups[layer.name]))
        elif batchnorm_like(layer.type):
            report.layers.append(LayerReport(layer.name, layer.type, "unsupported", why=unsupported_message(layer)))
    return report


def _describe(net: Net, group: Group) -> LayerReport:
    """One supported-type layer: its statistics, or why they cannot be read."""
    from ..batchnorm import read_batchnorm, use_global_stats

    layer = group.bn
    row = LayerReport(layer.name, layer.type, "error", fuses_with=[x.name for x in group.layers[1:]])
    row.why = _why(net, group)
    stored = net.model.layer(layer.name)
    if stored is not None:
        row.blobs = [{"shape": list(b.shape), "dtype": str(b.data.dtype)} for b in stored.blobs]
    try:
        stats = read_batchnorm(layer, net.blobs(layer))
    except Caffe2TrtError as exc:
        row.error = exc.message
        return row
    row.variant = stats.variant
    row.channels = stats.channels
    row.factor = stats.factor
    if not stats.folded:
        row.eps = stats.eps
        row.min_variance = float(stats.var.min()) if stats.var.size else None
    diagnostics = list(stats.diagnostics)
    if stats.variant == "bvlc" and use_global_stats(layer) is False:
        diagnostics.append(
            Diagnostic(
                "use_global_stats_false",
                "use_global_stats: false, so Caffe normalises this layer with each batch's own statistics",
                layer.name,
            )
        )
    row.warnings = [d.to_json() for d in diagnostics]
    return row


def _why(net: Net, group: Group) -> str:
    """Why the group holds the layers it holds, in one sentence."""
    parts: list[str] = []
    previous = group.bn
    for layer in group.layers[1:]:
        parts.append(f"{layer.name!r} is the only reader of the output of {previous.name!r}")
        previous = layer
    parts.extend(group.notes)
    if not parts:
        readers = net.graph.readers_of(group.output)
        if readers:
            names = ", ".join(f"{r.name!r} ({r.type})" for r in readers)
            parts.append(f"no Scale or Bias reads its output alone (read by {names})")
        else:
            parts.append("its output is a net output")
    return "; ".join(parts)


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:.6g}"


def run(argv: Sequence[str]) -> int:
    args = parser().parse_args(argv)
    report = inspect_net(args.prototxt, args.caffemodel)
    if args.json:
        print_json(
            {
                "prototxt": report.prototxt,
                "caffemodel": report.caffemodel,
                "v1": report.v1,
                "message": report.message,
                "convertible": report.convertible,
                "layers": [r.to_json() for r in report.layers],
                "warnings": [d.to_json() for d in report.warnings],
            }
        )
        return 0 if report.convertible else 1
    print_warnings(report.warnings)
    if report.message is not None:
        print(report.message)
        return 1
    if not report.layers:
        print(f"{report.prototxt}: no BatchNorm-like layers; nothing to merge")
        return 0
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
    print_warnings(
        [
            Diagnostic(str(w["code"]), str(w["message"]), w["layer"], report.caffemodel)
            for r in report.layers
            for w in r.warnings
        ]
    )
    failed = [r for r in report.layers if not r.convertible]
    if failed:
        print(
            f"{PROG}: {len(failed)} of {len(report.layers)} BatchNorm-like layer(s) cannot be converted: "
            + ", ".join(repr(r.name) for r in failed),
            file=sys.stderr,
        )
        return 1
    return 0
