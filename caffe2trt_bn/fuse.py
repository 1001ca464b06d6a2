"""Finding the BatchNorm -> Scale -> Bias groups that may fuse, and their merged affine.

Matching (:func:`match_groups`) looks only at the graph; computing
(:func:`group_affine`) looks at the weights.  A group is a BatchNorm-like layer ``N``,
optionally the ``Scale`` that reads its output, optionally a ``Bias`` after that (or
directly after ``N``).  A layer joins the group only when all of these hold:

* the value it reads (a blob *version*: in-place layers write new versions) has
  exactly one reader, itself, so no other layer sees the intermediate value;
* it has one bottom and one top (a two-bottom Scale multiplies by data, e.g. a
  squeeze-excitation gate, and never becomes constants);
* it works per channel on axis 1 (``axis: 1``, the default) or is a scalar
  (``num_axes: 0``), see :func:`batchnorm.per_channel_reason`.

The merged map is ``a = a1*a2``, ``b = a2*b1 + b2`` (then ``+ b3`` for a Bias),
computed in float64 and rounded to float32 once.  A BatchNorm that cannot pair is a
group of one.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .batchnorm import (
    BATCHNORM_TYPES,
    Affine,
    BatchNormStats,
    check_supported,
    per_channel_reason,
    read_batchnorm,
    scale_bias_affine,
    use_global_stats,
)
from .errors import Caffe2TrtError, Diagnostic, GraphError, ModelValueError
from .graph import Graph, Layer, Value
from .net import Net

#: The largest finite float32: merged values up to it are representable as weights.
FLOAT32_MAX = float(np.finfo(np.float32).max)


@dataclass
class Group:
    """A BatchNorm-like layer and the Scale/Bias layers that fuse with it.

    ``notes`` say why the chain stopped where it did, when that was not simply the
    end of a normal BatchNorm/Scale/Bias chain (e.g. fan-out).
    """

    bn: Layer
    scale: Layer | None = None
    bias: Layer | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def layers(self) -> list[Layer]:
        return [layer for layer in (self.bn, self.scale, self.bias) if layer is not None]

    @property
    def last(self) -> Layer:
        return self.layers[-1]

    @property
    def input(self) -> Value:
        return self.bn.inputs[0]

    @property
    def output(self) -> Value:
        return self.last.outputs[0]

    @property
    def name(self) -> str:
        return self.bn.name


def match_groups(graph: Graph) -> list[Group]:
    """Every BatchNorm-like layer of ``graph`` with the Scale/Bias it may fuse with."""
    groups: list[Group] = []
    for layer in graph.layers:
        if layer.type not in BATCHNORM_TYPES:
            continue
        if len(layer.bottoms) != 1 or len(layer.tops) != 1:
            raise GraphError(
                f"{layer.type} must have one bottom and one top, not {len(layer.bottoms)} and {len(layer.tops)}",
                file=graph.path,
                layer=layer.name,
            )
        group = Group(layer)
        nxt = _sole_affine_reader(graph, layer, ("Scale", "Bias"), group.notes)
        if nxt is not None and nxt.type == "Scale":
            group.scale = nxt
            nxt = _sole_affine_reader(graph, nxt, ("Bias",), group.notes)
        if nxt is not None:
            group.bias = nxt
        groups.append(group)
    return groups


def _sole_affine_reader(graph: Graph, layer: Layer, types: tuple[str, ...], notes: list[str]) -> Layer | None:
    """The layer after ``layer`` that may join its group, or None (with a note why)."""
    value = layer.outputs[0]
    readers = graph.readers_of(value)
    candidates = [r for r in readers if r.type in types]
    if not candidates:
        return None
    if len(readers) > 1:
        names = ", ".join(repr(r.name) for r in readers)
        notes.append(f"not fused with {candidates[0].name!r}: the output of {layer.name!r} is also read by others ({names})")
        return None
    reason = per_channel_reason(readers[0])
    if reason is not None:
        notes.append(f"not fused: {reason}")
        return None
    return readers[0]


def group_affine(group: Group, net: Net) -> tuple[Affine, BatchNormStats]:
    """The group's merged float64 affine and its BatchNorm statistics.

    Raises :class:`ModelValueError` when a merged value does not fit a float32 (the
    type of TensorRT and Caffe weights): finite inputs can still multiply past it.
    """
    stats = read_batchnorm(group.bn, net.blobs(group.bn))
    affine = stats.affine()
    for layer in group.layers[1:]:
        affine = affine.then(scale_bias_affine(layer, net.blobs(layer), stats.channels))
    for what, values in (("scale", affine.a), ("shift", affine.b)):
        if np.abs(values).max(initial=0.0) <= FLOAT32_MAX:  # the usual case, in one pass (NaN fails it)
            continue
        with np.errstate(over="ignore", invalid="ignore"):
            bad = np.flatnonzero(~np.isfinite(values.astype(np.float32)))
        if bad.size:
            c = int(bad[0])
            raise ModelValueError(
                f"the merged {what} is {float(values[c]):.6g}, beyond the float32 range of weights", channel=c
            )
    return affine, stats


@dataclass
class ComputedGroup:
    """A matched group with its merged float64 affine and its BatchNorm statistics."""

    group: Group
    affine: Affine
    stats: BatchNormStats


def compute_groups(net: Net) -> tuple[list[ComputedGroup], list[Diagnostic]]:
    """Matches every group of ``net`` and computes its affine, with the model warnings.

    The one place both the Scale-weight export and folding get their numbers from:
    refuses nets that cannot be converted as a whole (:func:`batchnorm.check_supported`),
    puts the caffemodel and layer into errors, and collects the statistics' warnings and
    an explicit ``use_global_stats: false`` (which only BVLC's BatchNorm obeys at TEST).
    """
    check_supported(net.graph, net.model)
    computed: list[ComputedGroup] = []
    diagnostics: list[Diagnostic] = []
    for group in match_groups(net.graph):
        try:
            # NaN/Inf are checked for explicitly and reported by name; numpy need not warn.
            with np.errstate(invalid="ignore", over="ignore"):
                affine, stats = group_affine(group, net)
        except Caffe2TrtError as exc:
            raise exc.with_context(file=net.caffemodel_path, layer=group.name) from None
        computed.append(ComputedGroup(group, affine, stats))
        if stats.variant == "bvlc" and use_global_stats(group.bn) is False:
            diagnostics.append(
                Diagnostic(
                    "use_global_stats_false",
                    "use_global_stats: false, so Caffe normalises this layer with each batch's own statistics, "
                    "while the converted weights use the stored ones "
                    "(`caffe-bn-merge to-deploy` fixes the prototxt)",
                    group.name,
                    net.prototxt_path,
                )
            )
        for d in stats.diagnostics:
            diagnostics.append(Diagnostic(d.code, d.message, d.layer, net.caffemodel_path))
    return computed, diagnostics
