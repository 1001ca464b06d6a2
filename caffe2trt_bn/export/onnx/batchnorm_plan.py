"""What the ``--bn`` mode does with each BatchNorm group of the net, decided before the
walk (:func:`plan_batchnorm`), and the per-channel affine emitted in place of a group
(:func:`emit_affine`).  ``fold`` places groups with fold's own decision
(:func:`caffe2trt_bn.passes.fold.place_groups`), so the folded weights are its numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ...errors import Diagnostic, ModelValueError
from ...ir.graph import Layer, Value
from ...ir.net import Net, net_diagnostics
from ...ir.params import field_diagnostics
from ...passes.batchnorm import BATCHNORM_TYPES, Affine

if TYPE_CHECKING:
    from .context import Context


@dataclass
class AffineStep:
    """A per-channel ``y = a*x + b`` emitted as Mul + Add in place of BatchNorm layers."""

    source: Value
    result: Value
    affine: Affine


@dataclass
class BatchNormPlan:
    """What the ``--bn`` mode does with each BatchNorm group.

    ``skip``: layer indices not converted on their own (their work is done by a folded
    producer or an :class:`AffineStep`); ``steps``: layer index -> the affine emitted
    there; ``folds``: producer layer index -> (fold target, the value it now writes);
    ``report``: one JSON-ready record per group; ``diagnostics``: model warnings, first
    those about the model as a whole (``unknown_field`` from the typed parameters, a
    layer stored twice), then each group's, in every mode.
    """

    mode: str
    skip: set[int] = field(default_factory=set)
    steps: dict[int, AffineStep] = field(default_factory=dict)
    folds: dict[int, tuple[Any, Value]] = field(default_factory=dict)
    report: list[dict[str, object]] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)


def plan_batchnorm(net: Net, mode: str) -> BatchNormPlan:
    """The :class:`BatchNormPlan` of ``mode`` for ``net``.

    ``fold`` places groups exactly as ``caffe-bn-merge fold`` does
    (:func:`caffe2trt_bn.passes.fold.place_groups`), so the folded weights are the same numbers;
    ``scale`` makes every group one affine step; ``keep`` leaves every layer to its
    converter (BatchNorm becomes ONNX BatchNormalization).
    """
    plan = BatchNormPlan(mode)
    if mode == "keep" or not any(layer.type in BATCHNORM_TYPES for layer in net.graph.layers):
        # The model's warnings, as compute_groups gives them first for the other modes.
        plan.diagnostics = field_diagnostics(net.graph.layers) + net_diagnostics(net)
        return plan
    if mode == "fold":
        from ...passes.fold import place_groups
        from ...passes.fuse import check_float32_range

        targets, report, diagnostics = place_groups(net, check_moved_writes=False)
        plan.diagnostics = diagnostics
        plan.report = [item.to_json() for item in report]
        for target in targets:
            first, last = target.groups[0], target.groups[-1]
            for layer in target.folded_layers:
                plan.skip.add(layer.index)
            if target.is_scale:
                if len(target.groups) > 1:
                    try:
                        check_float32_range(target.affine)
                    except ModelValueError as exc:
                        raise exc.with_context(file=net.caffemodel_path, layer=target.layer.name) from None
                plan.steps[target.layer.index] = AffineStep(first.input, last.output, target.affine)
                plan.skip.discard(target.layer.index)
            else:
                plan.folds[target.layer.index] = (target, last.output)
        return plan
    from ...passes.fuse import compute_groups

    computed, diagnostics = compute_groups(net)
    plan.diagnostics = diagnostics
    for item in computed:
        group = item.group
        for layer in group.layers[1:]:
            plan.skip.add(layer.index)
        plan.steps[group.bn.index] = AffineStep(group.input, group.output, item.affine)
        plan.report.append(
            {
                "name": group.name,
                "layers": [layer.name for layer in group.layers],
                "action": "scale",
                "into": group.name,
                "channels": item.affine.channels,
                "notes": list(group.notes),
            }
        )
    return plan


def emit_affine(ctx: Context, layer: Layer, step: AffineStep) -> None:
    """A BatchNorm group as ``x * a + b`` per channel (float32 constants of the float64 map)."""
    from ...passes.batchnorm import to_float32

    shape = ctx.shapes[step.source]
    if len(shape) < 2 or shape[1] != step.affine.channels:
        raise ctx.refuse(
            layer, None, f"the group's {step.affine.channels} channels do not match its input's shape {shape}"
        )
    a, b = to_float32(step.affine)
    from .context import channel_shape

    cshape = channel_shape(step.affine.channels, len(shape))
    x = ctx.names[step.source]
    scaled = ctx.temp(f"{layer.name}/scaled")
    ctx.node("Mul", [x, ctx.const(f"{layer.name}/scale", a.reshape(cshape))], [scaled])
    ctx.node("Add", [scaled, ctx.const(f"{layer.name}/shift", b.reshape(cshape))], [ctx.names[step.result]])
    # The group's other versions get their shape as the walk skips their layers.
    for value in layer.outputs:
        ctx.shapes[value] = shape
    ctx.shapes[step.result] = shape
