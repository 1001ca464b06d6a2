"""BatchNorm (BVLC and the forks this project reads), Scale and Bias.

With ``--bn fold`` and ``--bn scale`` the context's :class:`~..context.BatchNormPlan`
turns every BatchNorm group into folded producer weights or one Mul + Add before these
converters are asked; they then see only ``--bn keep`` BatchNorm layers and the Scale
and Bias layers that belong to no group (other axes, two bottoms, fan-out).

* BatchNorm (``--bn keep``): ONNX ``BatchNormalization`` with the statistics already
  divided by Caffe's moving-average factor (factor 0: mean = var = 0), eps from the
  prototxt; forks' scale/shift become its scale and B.
* Scale: ``x * scale (+ bias)``, the scale a blob shaped ``bottom.shape[axis : axis +
  num_axes]`` or the second bottom (data), broadcast by reshaping to trailing ones.
* Bias: ``x + bias``, same rules.
"""

from __future__ import annotations

import numpy as np

from ....ir import schema
from ....ir.graph import Layer
from ....passes.batchnorm import read_batchnorm
from ..context import Context
from ..params import layer_params
from ..registry import converter


@converter("BatchNorm", "BN")
def batchnorm(ctx: Context, layer: Layer) -> None:
    if len(layer.bottoms) != 1 or len(layer.tops) != 1:
        raise ctx.refuse(layer, None, f"{layer.type} takes one bottom and one top")
    shape = ctx.shape(layer, 0)
    with np.errstate(over="ignore", invalid="ignore"):  # a statistic beyond float64 is refused by name
        stats = read_batchnorm(layer, ctx.blobs(layer))
    if len(shape) < 2 or shape[1] != stats.channels:
        raise ctx.refuse(layer, None, f"{stats.channels} channels of statistics for an input of shape {shape}")
    c = stats.channels
    gamma = np.ones(c) if stats.gamma is None else stats.gamma
    beta = np.zeros(c) if stats.beta is None else stats.beta
    mean, var, eps = stats.mean, stats.var, stats.eps
    if stats.folded:
        mean, var, eps = np.zeros(c), np.ones(c), 0.0
    name = layer.name
    inputs = [
        ctx.input(layer, 0),
        ctx.const(f"{name}/scale", gamma),
        ctx.const(f"{name}/B", beta),
        ctx.const(f"{name}/mean", mean),
        ctx.const(f"{name}/var", var),
    ]
    y = ctx.output(layer, 0, shape)
    ctx.node("BatchNormalization", inputs, [y], epsilon=float(np.float32(eps)))


def _axes(ctx: Context, layer: Layer, rank: int, axis: int, num_axes: int | None) -> tuple[int, int]:
    """Caffe's canonical ``axis`` and the end of the covered axes."""
    if not -rank <= axis < rank:
        raise ctx.refuse(layer, "axis", f"axis {axis} is out of range for a blob of {rank} axes")
    axis %= rank
    if num_axes is None:
        return axis, axis
    if num_axes < -1:
        raise ctx.refuse(layer, "num_axes", f"must be -1 or more, not {num_axes}")
    end = rank if num_axes == -1 else axis + num_axes
    if end > rank:
        raise ctx.refuse(layer, "num_axes", f"axis {axis} + num_axes {num_axes} pass the {rank} axes of the blob")
    return axis, end


def _broadcast(shape: tuple[int, ...], rank: int, end: int) -> tuple[int, ...]:
    """``shape`` (the covered axes) followed by ones up to ``rank`` (ONNX broadcasts from the right)."""
    return tuple(shape) + (1,) * (rank - end)


def _operand(
    ctx: Context, layer: Layer, blob_index: int, p: schema.ScaleParameter | schema.BiasParameter, what: str
) -> tuple[str, int]:
    """The scale or bias operand (a blob, or bottom 1) shaped for broadcasting, and the
    first axis after the covered ones."""
    shape = ctx.shape(layer, 0)
    rank = len(shape)
    if len(layer.bottoms) == 2:
        axis, _ = _axes(ctx, layer, rank, p.axis, None)
        other = ctx.shape(layer, 1)
        end = axis + len(other)
        if end > rank or tuple(shape[axis:end]) != tuple(other):
            raise ctx.refuse(layer, "axis", f"bottom 1 of shape {other} does not match {shape} from axis {axis}")
        operand = ctx.input(layer, 1)
        if end < rank:
            reshaped = ctx.temp(f"{layer.name}/{what}_reshaped")
            dims = [0] * len(other)  # Reshape's 0 copies these leading dimensions
            ctx.node("Reshape", [operand, ctx.ints(f"{layer.name}/{what}_shape", [*dims, *([1] * (rank - end))])], [reshaped])
            operand = reshaped
        return operand, end
    axis, end = _axes(ctx, layer, rank, p.axis, p.num_axes)
    covered = tuple(shape[axis:end])
    return ctx.weight(layer, blob_index, _broadcast(covered, rank, end)), end


@converter("Scale")
def scale(ctx: Context, layer: Layer) -> None:
    if len(layer.bottoms) not in (1, 2) or len(layer.tops) != 1:
        raise ctx.refuse(layer, None, "Scale takes one or two bottoms and one top")
    p = layer_params(layer, schema.ScaleParameter)
    two = len(layer.bottoms) == 2
    want = (0 if two else 1) + (1 if p.bias_term else 0)
    stored = len(ctx.blobs(layer)) if want else 0
    if stored != want:
        raise ctx.refuse(layer, "bias_term", f"needs {want} blob(s), the caffemodel holds {stored}")
    shape = ctx.shape(layer, 0)
    factor, end = _operand(ctx, layer, 0, p, "scale")
    y = ctx.output(layer, 0, shape)
    if not p.bias_term:
        ctx.node("Mul", [ctx.input(layer, 0), factor], [y])
        return
    scaled = ctx.temp(f"{layer.name}/scaled")
    ctx.node("Mul", [ctx.input(layer, 0), factor], [scaled])
    axis = end - (len(ctx.shape(layer, 1)) if two else 0)
    if not two:
        axis, end = _axes(ctx, layer, len(shape), p.axis, p.num_axes)
    bias = ctx.weight(layer, 0 if two else 1, _broadcast(tuple(shape[axis:end]), len(shape), end))
    ctx.node("Add", [scaled, bias], [y])


@converter("Bias")
def bias(ctx: Context, layer: Layer) -> None:
    if len(layer.bottoms) not in (1, 2) or len(layer.tops) != 1:
        raise ctx.refuse(layer, None, "Bias takes one or two bottoms and one top")
    p = layer_params(layer, schema.BiasParameter)
    operand, _ = _operand(ctx, layer, 0, p, "bias")
    y = ctx.output(layer, 0, ctx.shape(layer, 0))
    ctx.node("Add", [ctx.input(layer, 0), operand], [y])

