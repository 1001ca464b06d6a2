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
  (``num_axes: 0``), see :func:`scale_bias.per_channel_reason`.

The merged map is ``a = a1*a2``, ``b = a2*b1 + b2`` (then ``+ b3`` for a Bias),
computed in float64 and rounded to float32 once.  A BatchNorm that cannot pair is a
group of one.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

import numpy as np

from ..errors import Caffe2TrtError, Diagnostic, GraphError, ModelValueError
from ..ir.graph import Graph, Layer, Value
from ..ir.net import Net, net_diagnostics
from ..ir.params import field_diagnostics, layer_params
from ..ir.schema import BiasParameter, ScaleParameter
from .batchnorm import (
    BATCHNORM_TYPES,
    Affine,
    BatchNormStats,
    batch_norm_param,
    bn_affine,
    bvlc_blobs,
    check_supported,
    read_batchnorm,
    use_global_stats,
)
from .scale_bias import AFFINE_LAYERS, per_channel_reason, scale_bias_affine

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
    try:
        reason = per_channel_reason(readers[0])
    except Caffe2TrtError as exc:  # a bad parameter value: it is that layer's
        raise exc.with_context(layer=readers[0].name) from None
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
    return chain_affine(group, net, stats), stats


def chain_affine(group: Group, net: Net, stats: BatchNormStats) -> Affine:
    """The group's merged float64 affine, given its BatchNorm's statistics ``stats``
    (see :func:`group_affine`): an error in a Scale or Bias names that layer."""
    affine = stats.affine()
    for layer in group.layers[1:]:
        try:
            affine = affine.then(scale_bias_affine(layer, net.blobs(layer), stats.channels))
        except Caffe2TrtError as exc:  # its parameters or blobs, not the BatchNorm's
            raise exc.with_context(layer=layer.name) from None
    check_float32_range(affine)
    return affine


def check_float32_range(affine: Affine) -> None:
    """Raises :class:`ModelValueError` (naming the first channel) when a value of
    ``affine`` does not round to a finite float32, the type of TensorRT and Caffe weights."""
    for what, values in (("scale", affine.a), ("shift", affine.b)):
        if np.abs(values).max(initial=0.0) <= FLOAT32_MAX:  # the usual case, in one pass (NaN fails it)
            continue
        bad = np.flatnonzero(~np.isfinite(values.astype(np.float32)))
        if bad.size:
            c = int(bad[0])
            raise ModelValueError(
                f"the merged {what} is {float(values[c]):.6g}, beyond the float32 range of weights", channel=c
            )


@dataclass
class ComputedGroup:
    """A matched group with its merged float64 affine and its BatchNorm statistics."""

    group: Group
    affine: Affine
    stats: BatchNormStats


@dataclass
class GroupOutcome:
    """What :func:`group_outcomes` found for one group.

    ``computed`` is set when the group converts; otherwise ``error`` is the error the
    conversion stops with (file and layer named).  ``stats`` are the BatchNorm's
    statistics whenever they could be read (also when a later layer of the group fails),
    ``diagnostics`` the warnings about them.
    """

    group: Group
    computed: ComputedGroup | None = None
    stats: BatchNormStats | None = None
    error: Caffe2TrtError | None = None
    diagnostics: list[Diagnostic] = field(default_factory=list)


def compute_groups(net: Net) -> tuple[list[ComputedGroup], list[Diagnostic]]:
    """Matches every group of ``net`` and computes its affine, with the model warnings.

    The one place both the Scale-weight export and folding get their numbers from:
    refuses nets that cannot be converted as a whole (:func:`batchnorm.check_supported`),
    raises the first group's error in net order (see :func:`group_outcomes`), and
    collects the warnings: first the prototxt's ``unknown_field`` warnings
    (:func:`~caffe2trt_bn.ir.params.field_diagnostics`), then those about the net
    (:func:`net.net_diagnostics`), then each group's.
    """
    check_supported(net.graph, net.model)
    computed: list[ComputedGroup] = []
    diagnostics = field_diagnostics(net.graph.layers) + net_diagnostics(net)
    for outcome in group_outcomes(net, match_groups(net.graph)):
        if outcome.error is not None:
            raise outcome.error
        assert outcome.computed is not None
        computed.append(outcome.computed)
        diagnostics.extend(outcome.diagnostics)
    return computed, diagnostics


def group_outcomes(net: Net, groups: list[Group]) -> Iterator[GroupOutcome]:
    """Computes each of ``groups`` in net order: its affine, or the error that stops a
    conversion of the net there, with the warnings about its statistics.

    Shared by the conversion (:func:`compute_groups`, which stops at the first error) and
    by the inspection (:mod:`.inspection`, which reports every group), so both decide
    alike.  Errors name the caffemodel and the layer; the warnings are an explicit
    ``use_global_stats: false`` (which only BVLC's BatchNorm obeys at TEST) and those of
    the statistics.  A group that reads the output of another must have its channel count.

    Groups in the common form are computed together (:func:`_bulk_affines`); every
    other group, and every group whose values need a warning or an error, goes through
    :func:`group_affine`'s steps one by one, in net order, so errors and warnings are
    the same as if every group had.
    """
    bulk = _bulk_affines(groups, net)
    by_output: dict[Value, ComputedGroup] = {}
    for index, group in enumerate(groups):
        outcome = GroupOutcome(group)
        done = bulk.get(index)
        try:
            if done is None:
                outcome.stats = read_batchnorm(group.bn, net.blobs(group.bn))
                outcome.diagnostics = _stats_diagnostics(group, outcome.stats, net)
                done = chain_affine(group, net, outcome.stats), outcome.stats
            else:
                outcome.stats = done[1]
                outcome.diagnostics = _stats_diagnostics(group, outcome.stats, net)
            affine, stats = done
            earlier = by_output.get(group.input)
            if earlier is not None and earlier.affine.channels != affine.channels:
                # Caffe refuses such weights too (a BatchNorm's blobs have its input's channels).
                raise ModelValueError(
                    f"has {affine.channels} channels, but its input {group.input.blob!r} is the output of "
                    f"{earlier.group.name!r}, which has {earlier.affine.channels}"
                )
        except Caffe2TrtError as exc:
            outcome.error = exc.with_context(file=net.caffemodel_path, layer=group.name)
            yield outcome
            continue
        outcome.computed = by_output[group.output] = ComputedGroup(group, affine, stats)
        yield outcome


def _stats_diagnostics(group: Group, stats: BatchNormStats, net: Net) -> list[Diagnostic]:
    """The warnings about a group's BatchNorm: an explicit ``use_global_stats: false``
    (BVLC only), then those of its statistics, naming the file each concerns."""
    diagnostics: list[Diagnostic] = []
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
    diagnostics.extend(replace(d, file=net.caffemodel_path) for d in stats.diagnostics)
    return diagnostics


@dataclass
class _Common:
    """A group in the common form, its blobs picked (see :func:`_common_form`)."""

    index: int
    channels: int
    eps: float
    factor: float
    mean: np.ndarray
    var: np.ndarray
    #: Per later layer: (a values or None for ones, b values or None for zeros).
    later: list[tuple[np.ndarray | None, np.ndarray | None]]


def _common_form(index: int, group: Group, net: Net) -> _Common | None:
    """The blobs of a group that :func:`_bulk_affines` computes: a BVLC BatchNorm with a
    nonzero factor, then per-channel (not scalar) Scale/Bias layers whose blob counts
    and sizes fit.  The blobs are picked by the general path's own readers
    (:func:`batchnorm.bvlc_blobs`, :data:`scale_bias.AFFINE_LAYERS`); where one of them
    raises, or for anything else, None: :func:`group_affine`'s steps then handle (and
    report) the group."""
    try:
        blobs = net.blobs(group.bn)
        if group.bn.type != "BatchNorm" or len(blobs) != 3:
            return None  # another variant (NVIDIA Caffe, the BN forks): group_affine reads it
        mean, var, s = bvlc_blobs(group.bn, blobs)
        channels = mean.size
        if s == 0 or not math.isfinite(s):
            return None
        later: list[tuple[np.ndarray | None, np.ndarray | None]] = []
        for layer in group.layers[1:]:
            param = layer_params(layer)
            assert isinstance(param, (ScaleParameter, BiasParameter))
            if param.num_axes == 0:
                return None
            picked = AFFINE_LAYERS.handler(layer)(layer, param, net.blobs(layer))
            later.append(
                (
                    None if picked.scale is None else picked.scale.data,
                    None if picked.bias is None else picked.bias.data,
                )
            )
            if any(values is not None and values.size != channels for values in later[-1]):
                return None
        eps = batch_norm_param(group.bn).eps
    except Caffe2TrtError:
        return None  # group_affine meets the same error in net order
    return _Common(index, channels, eps, 1.0 / s, mean, var, later)


#: Channels computed together: the temporaries stay small enough to be reused from
#: the heap between batches instead of being mapped (and page-faulted) afresh.
BULK_CHANNELS = 8192


def _bulk_affines(groups: list[Group], net: Net) -> dict[int, tuple[Affine, BatchNormStats]]:
    """The affines of the groups in the common form, computed many groups at a time
    with the very operations :func:`group_affine` applies to each (so the values are
    the same, bit for bit), keyed by group index.  Groups whose values would raise an
    error or a warning are left out: :func:`group_affine` reports them."""
    result: dict[int, tuple[Affine, BatchNormStats]] = {}
    batch: list[_Common] = []
    size = 0
    for i, group in enumerate(groups):
        common = _common_form(i, group, net)
        if common is None:
            continue
        if batch and size + common.channels > BULK_CHANNELS:
            _bulk_batch(batch, result)
            batch, size = [], 0
        batch.append(common)
        size += common.channels
    if batch:
        _bulk_batch(batch, result)
    return result


def _bulk_batch(common: list[_Common], result: dict[int, tuple[Affine, BatchNormStats]]) -> None:
    """Computes one batch of :func:`_bulk_affines` into ``result``."""
    counts = [c.channels for c in common]
    offsets = [0]
    for count in counts:
        offsets.append(offsets[-1] + count)
    left_out: set[int] = set()

    def leave_out(ok: np.ndarray) -> None:
        """Leaves out the groups owning a channel where ``ok`` is false."""
        bad = np.flatnonzero(~ok)
        left_out.update((np.searchsorted(offsets, bad, side="right") - 1).tolist())

    def check_finite(values: np.ndarray) -> None:
        if not np.isfinite(np.add.reduce(values, axis=None)):
            leave_out(np.isfinite(values))

    mean_s = np.concatenate([c.mean for c in common])
    var_s = np.concatenate([c.var for c in common])
    check_finite(mean_s)
    check_finite(var_s)
    factors = np.repeat([c.factor for c in common], counts)
    mean = np.multiply(mean_s, factors, dtype=np.float64)
    var = np.multiply(var_s, factors, dtype=np.float64)
    check_finite(mean)
    check_finite(var)
    eps = np.repeat([c.eps for c in common], counts)
    if not var.size or not np.minimum.reduce(var - eps) >= 0:
        leave_out(var >= eps)  # warnings for small or negative variance (or var + eps <= 0)
    affine = bn_affine(mean, var, eps)
    for step in range(max(len(c.later) for c in common)):
        # Identity where a group has no such layer: x*1 and x + (-0.0) are exactly x.
        a = np.ones(mean.size)
        b = np.full(mean.size, -0.0)
        for c, lo, hi in zip(common, offsets, offsets[1:]):
            if step < len(c.later):
                a_values, b_values = c.later[step]
                if a_values is not None:
                    a[lo:hi] = a_values
                    b[lo:hi] = 0.0  # a Scale without bias_term adds zeros
                if b_values is not None:
                    b[lo:hi] = b_values
        check_finite(a)
        check_finite(b)
        affine = affine.then(Affine(a, b))
    for values in (affine.a, affine.b):
        if not np.abs(values).max(initial=0.0) <= FLOAT32_MAX:
            leave_out(np.abs(values) <= FLOAT32_MAX)
    for i, (c, lo, hi) in enumerate(zip(common, offsets, offsets[1:])):
        if i not in left_out:
            stats = BatchNormStats("bvlc", mean[lo:hi], var[lo:hi], c.eps, factor=c.factor)
            result[c.index] = (Affine(affine.a[lo:hi], affine.b[lo:hi]), stats)
