"""What each BatchNorm-like layer of a model is, and whether the merge converts it.

:func:`inspect_net` reads a model as the merge does and describes, for every
BatchNorm-like layer in execution order, the storage variant detected (BVLC, NVIDIA
Caffe 0.16+/0.15, the TSN or SegNet ``BN``), channels, moving-average factor, eps,
smallest variance, the Scale/Bias layers it fuses with and why the group ends where it
does, and the warnings the merge would give.

Its verdict is the merge's, by construction: every group goes through
:func:`fuse.group_outcomes`, the very computation :func:`fuse.compute_groups` makes
for the merge and for ``fold`` (which stop at the first error where this goes on, so
that every layer that cannot be converted is listed with its error).  A report is
convertible exactly when the merge of the same files succeeds (a V1 net, an
unsupported batch-normalisation type or a group the merge refuses makes it not); input
errors that stop the merge before any group is looked at (a damaged file, a bottom no
layer produces, a BatchNorm with two bottoms) are raised, as the merge raises them.
``fold`` refuses a few nets the merge converts (a train_val prototxt, producer weights
that do not fit the BatchNorm's channels): those checks are fold's own and are not
part of this report.

The report also lists, for every layer the Caffe forks give different meanings
(PriorBox ``clip``'s default, DetectionOutput without ``nms_param``, Upsample's two
forms, Interp's size), whose semantics the ONNX exporter follows and why, with the same
``--fork`` choices: the decision is :func:`caffe2trt_bn.ir.forks.fork_semantics`, the
very function the exporter's converters call.  It does not change the verdict, which
is the merge's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import Caffe2TrtError, Diagnostic, GraphError
from ..ir.forks import ForkSemantics, check_forks, fork_semantics
from ..ir.graph import Graph
from ..ir.net import Net, load_net, net_diagnostics
from ..ir.params import field_diagnostics
from ..policy import entry_point
from .batchnorm import (
    BATCHNORM_TYPES,
    VARIANTS,
    batchnorm_like,
    unsupported_message,
    v1_problem,
)
from .fuse import Group, GroupOutcome, group_outcomes, match_groups
from .scale_weights import no_batchnorm_error, value_diagnostics


@dataclass
class LayerReport:
    """One BatchNorm-like layer as :func:`inspect_net` sees it.

    ``variant`` is a key of :data:`~caffe2trt_bn.passes.batchnorm.VARIANTS` when the layer's
    statistics could be read, ``"unsupported"`` (a batch-normalisation-like type this
    project does not read) or ``"error"`` (its blobs or parameters cannot be read).
    ``error`` is the one-line error the merge stops with for this layer's group (naming
    the file, and the layer: the BatchNorm's, or its Scale's or Bias's when the problem
    is there), None when the group converts; ``error_layer`` is that layer.
    ``warnings`` are the merge's warnings about the group.
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
    warnings: list[Diagnostic] = field(default_factory=list)
    error: str | None = None
    error_layer: str | None = None

    @property
    def convertible(self) -> bool:
        return self.error is None

    def to_json(self) -> dict[str, object]:
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
            "convertible": self.convertible,
            "warnings": [d.to_json() for d in self.warnings],
            "error": self.error,
            "error_layer": self.error_layer,
        }


@dataclass
class Report:
    """The whole inspection.

    ``message`` is set for a V1 net (nothing to merge); ``error`` is the merge's error
    line for a net with no BatchNorm-like layer (the merge refuses it: nothing to write);
    ``warnings`` are the warnings about the model as a whole (e.g. a layer stored twice),
    the layers' own are in their :class:`LayerReport`.  ``forks``: the ``--fork``
    choices given; ``fork_semantics``: whose semantics each layer the forks disagree on
    follows in the ONNX export, and why (see the module docstring).
    """

    prototxt: str
    caffemodel: str
    layers: list[LayerReport]
    v1: bool = False
    message: str | None = None
    error: str | None = None
    warnings: list[Diagnostic] = field(default_factory=list)
    forks: tuple[str, ...] = ()
    fork_semantics: list[ForkSemantics] = field(default_factory=list)

    @property
    def convertible(self) -> bool:
        """Whether the merge converts the model (see the module docstring)."""
        return not self.v1 and self.error is None and all(r.convertible for r in self.layers)

    @property
    def failed(self) -> list[LayerReport]:
        """The layers that stop the merge."""
        return [r for r in self.layers if not r.convertible]

    @property
    def failure(self) -> str | None:
        """Why the merge would refuse the model, in one line (None when it converts it):
        the V1 message, the net's error, or the BatchNorm-like layers that stop it."""
        if self.v1:
            return self.message
        if self.error is not None:
            return f"error: {self.error}"
        failed = self.failed
        if failed:
            names = ", ".join(repr(r.name) for r in failed)
            return f"{len(failed)} of {len(self.layers)} BatchNorm-like layer(s) cannot be converted: {names}"
        return None

    @property
    def diagnostics(self) -> list[Diagnostic]:
        """Every warning, as the merge lists them: the model's, then each layer's."""
        return self.warnings + [d for r in self.layers for d in r.warnings]

    def to_json(self) -> dict[str, object]:
        return {
            "prototxt": self.prototxt,
            "caffemodel": self.caffemodel,
            "v1": self.v1,
            "message": self.message,
            "net_error": self.error,
            "convertible": self.convertible,
            "layers": [r.to_json() for r in self.layers],
            "warnings": [d.to_json() for d in self.diagnostics],  # as the merge lists them
            "fork": list(self.forks),
            "fork_semantics": [s.to_json() for s in self.fork_semantics],
        }


@entry_point(issue=False)
def inspect_net(prototxt: str | Path, caffemodel: str | Path, fork: Sequence[str] = ()) -> Report:
    """Reads both files and describes each BatchNorm-like layer (see :class:`LayerReport`)
    and each layer the forks disagree on, with the ``--fork`` choices ``fork``."""
    forks = tuple(fork)
    check_forks(forks)
    net = load_net(prototxt, caffemodel)
    report = Report(str(prototxt), str(caffemodel), [], forks=forks)
    v1 = v1_problem(net.graph, net.model)
    if v1 is not None:
        report.v1, report.message = True, v1[1]
        return report
    report.fork_semantics = describe_forks(net.graph, forks)
    report.warnings = field_diagnostics(net.graph.layers) + net_diagnostics(net)
    outcomes = {outcome.group.bn.index: outcome for outcome in group_outcomes(net, match_groups(net.graph))}
    for layer in net.graph.layers:
        if layer.type in BATCHNORM_TYPES:
            report.layers.append(_describe(net, outcomes[layer.index]))
        elif batchnorm_like(layer.type):
            # The error check_supported stops the merge with.
            error = GraphError(unsupported_message(layer), file=net.graph.path, layer=layer.name)
            row = LayerReport(layer.name, layer.type, "unsupported", why=error.message)
            row.error, row.error_layer = str(error), layer.name
            report.layers.append(row)
    if not report.layers:
        report.error = str(no_batchnorm_error(prototxt))
    return report


def describe_forks(graph: Graph, forks: Sequence[str]) -> list[ForkSemantics]:
    """:func:`~caffe2trt_bn.ir.forks.fork_semantics` of every layer of ``graph`` the forks
    disagree on; a layer whose parameters cannot be read is listed, undecided, with the
    error (the export refuses it with the same error)."""
    out: list[ForkSemantics] = []
    for layer in graph.layers:
        try:
            choice = fork_semantics(graph, layer, forks)
        except Caffe2TrtError as exc:
            error = str(exc.with_context(file=graph.path, layer=layer.name))
            choice = ForkSemantics(
                layer.name, layer.type, None, None, "unreadable", "undecided", "its parameters cannot be read", error=error
            )
        if choice is not None:
            out.append(choice)
    return out


def _describe(net: Net, outcome: GroupOutcome) -> LayerReport:
    """One group: its BatchNorm's statistics, its warnings, or why it cannot be converted."""
    group, stats = outcome.group, outcome.stats
    layer = group.bn
    row = LayerReport(layer.name, layer.type, "error", fuses_with=[x.name for x in group.layers[1:]])
    row.why = _why(net, group)
    stored = net.model.layer(layer.name)
    try:
        if stored is not None:
            row.blobs = [{"shape": list(b.shape), "dtype": str(b.data.dtype)} for b in stored.blobs]
    except Caffe2TrtError:
        pass  # a damaged blob: the group's error says so
    if outcome.error is not None:
        row.error, row.error_layer = str(outcome.error), outcome.error.layer
    row.warnings = list(outcome.diagnostics)
    if stats is None:
        return row
    row.variant = stats.variant
    row.channels = stats.channels
    row.factor = stats.factor
    if not stats.folded:
        row.eps = stats.eps
        row.min_variance = float(stats.var.min()) if stats.var.size else None
    if outcome.computed is not None:
        scale, shift = (values.astype("float32") for values in (outcome.computed.affine.a, outcome.computed.affine.b))
        row.warnings += value_diagnostics(group.name, scale, shift, net.caffemodel_path)
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
