"""Softmax, LRN (both regions) and MVN.

* Softmax over any axis: ONNX ``Softmax`` (per axis from opset 13, the lowest written).
* LRN ACROSS_CHANNELS: ONNX ``LRN`` with Caffe's alpha unchanged and ``bias = k``
  (both divide alpha by the window size).  TensorRT reads odd windows up to 15.
* LRN WITHIN_CHANNEL has no ONNX op: Caffe computes
  ``x * (1 + alpha * avgpool_{n x n, pad (n-1)/2, padding counted}(x^2)) ^ -beta``
  (``k`` is not used), written with those ops.
* MVN: ``(x - mean) / (sqrt(var) + eps)`` over each (n, c) (or each n with
  ``across_channels``), var the biased one and eps outside the root, as Caffe computes.
"""

from __future__ import annotations

import numpy as np

from ....ir import schema
from ....ir.graph import Layer
from ..context import Context
from ..params import layer_params
from ..registry import converter
from .pooling import pool2d
from .shape import canonical_axis

F32 = np.float32


def reduce(ctx: Context, layer: Layer, op: str, x: str, axes: list[int], keepdims: bool, y: str) -> None:
    """A Reduce* node with ``axes`` as the opset wants them (an input for ReduceSum from
    opset 13 and for the others from 18, an attribute before)."""
    as_input = ctx.opset >= (13 if op == "ReduceSum" else 18)
    if as_input:
        ctx.node(op, [x, ctx.ints(f"{layer.name}/axes", axes)], [y], keepdims=int(keepdims))
    else:
        ctx.node(op, [x], [y], axes=axes, keepdims=int(keepdims))


@converter("Softmax")
def softmax(ctx: Context, layer: Layer) -> None:
    p = layer_params(layer, schema.SoftmaxParameter)
    shape = ctx.shape(layer, 0)
    axis = canonical_axis(ctx, layer, p.axis, len(shape))
    ctx.node("Softmax", [ctx.input(layer, 0)], [ctx.output(layer, 0, shape)], axis=axis)


@converter("LRN")
def lrn(ctx: Context, layer: Layer) -> None:
    p = layer_params(layer, schema.LRNParameter)
    shape = ctx.shape(layer, 0)
    size = p.local_size
    if size < 1 or size % 2 == 0:
        raise ctx.refuse(layer, "local_size", f"must be odd (Caffe refuses {size})")
    if len(shape) != 4:
        # Caffe's LRNLayer::Reshape checks it for both regions (ONNX LRN fails at run time).
        raise ctx.refuse(layer, "bottom", f"LRN works on 4-D blobs (num, channels, height, width), this one is {shape}")
    x = ctx.input(layer, 0)
    if p.norm_region == "ACROSS_CHANNELS":
        if size > 15:
            raise ctx.refuse(layer, "local_size", f"{size}: TensorRT's ONNX parser reads LRN windows up to 15")
        if p.alpha > 0 and p.beta > 0:
            y = ctx.output(layer, 0, shape)
            ctx.node("LRN", [x], [y], size=size, alpha=float(p.alpha), beta=float(p.beta), bias=float(p.k))
        else:
            _lrn_across_explicit(ctx, layer, x, shape, size, p.alpha, p.beta, p.k)
        return
    name = layer.name
    square = ctx.temp(f"{name}/square")
    ctx.node("Mul", [x, x], [square])
    pad = (size - 1) // 2
    pooled = ctx.temp(f"{name}/pooled")
    pool2d(ctx, layer, square, shape, "AVE", (size, size), (1, 1), (pad, pad), True, lambda s: pooled)
    scaled = ctx.temp(f"{name}/scaled")
    ctx.node("Mul", [pooled, ctx.const(f"{name}/alpha", F32(p.alpha))], [scaled])
    base = ctx.temp(f"{name}/base")
    ctx.node("Add", [scaled, ctx.const(f"{name}/one", F32(1))], [base])
    factor = ctx.temp(f"{name}/factor")
    ctx.node("Pow", [base, ctx.const(f"{name}/neg_beta", -F32(p.beta))], [factor])
    ctx.node("Mul", [x, factor], [ctx.output(layer, 0, shape)])


def _lrn_across_explicit(
    ctx: Context, layer: Layer, x: str, shape: tuple[int, ...], size: int, alpha: float, beta: float, k: float
) -> None:
    """LRN ACROSS_CHANNELS without ONNX ``LRN``, which runtimes refuse for an ``alpha`` or
    ``beta`` that is not positive (Caffe computes with any): ``x * (k + alpha *
    avg_{size channels, zero padded, padding counted}(x^2)) ^ -beta``, the channel window
    pooled as the rows of an ``(N, 1, C, rest)`` view."""
    if len(shape) < 2:
        raise ctx.refuse(layer, None, f"LRN needs a channel axis, this blob is {shape}")
    name = layer.name
    n, c = shape[0], shape[1]
    rest = 1
    for d in shape[2:]:
        rest *= d
    square = ctx.temp(f"{name}/square")
    ctx.node("Mul", [x, x], [square])
    view = ctx.temp(f"{name}/channels_as_rows")
    ctx.node("Reshape", [square, ctx.ints(f"{name}/view", [0, 1, c, rest])], [view])
    pad = (size - 1) // 2
    pooled = ctx.temp(f"{name}/pooled")
    pool2d(ctx, layer, view, (n, 1, c, rest), "AVE", (size, 1), (1, 1), (pad, 0), True, lambda s: pooled)
    back = ctx.temp(f"{name}/pooled_back")
    ctx.node("Reshape", [pooled, ctx.ints(f"{name}/back", [0, *shape[1:]])], [back])
    scaled = ctx.temp(f"{name}/scaled")
    ctx.node("Mul", [back, ctx.const(f"{name}/alpha", F32(alpha))], [scaled])
    base = ctx.temp(f"{name}/base")
    ctx.node("Add", [scaled, ctx.const(f"{name}/k", F32(k))], [base])
    factor = ctx.temp(f"{name}/factor")
    ctx.node("Pow", [base, ctx.const(f"{name}/neg_beta", -F32(beta))], [factor])
    ctx.node("Mul", [x, factor], [ctx.output(layer, 0, shape)])


@converter("MVN")
def mvn(ctx: Context, layer: Layer) -> None:
    p = layer_params(layer, schema.MVNParameter)
    shape = ctx.shape(layer, 0)
    start = 1 if p.across_channels else 2
    axes = list(range(start, len(shape)))
    if not axes:
        raise ctx.refuse(layer, None, f"MVN on a blob of shape {shape} normalises single values")
    name = layer.name
    x = ctx.input(layer, 0)
    mean = ctx.temp(f"{name}/mean")
    reduce(ctx, layer, "ReduceMean", x, axes, True, mean)
    y = ctx.output(layer, 0, shape)
    if not p.normalize_variance:
        ctx.node("Sub", [x, mean], [y])
        return
    centred = ctx.temp(f"{name}/centred")
    ctx.node("Sub", [x, mean], [centred])
    square = ctx.temp(f"{name}/square")
    ctx.node("Mul", [centred, centred], [square])
    var = ctx.temp(f"{name}/var")
    reduce(ctx, layer, "ReduceMean", square, axes, True, var)
    std = ctx.temp(f"{name}/std")
    ctx.node("Sqrt", [var], [std])
    denom = ctx.temp(f"{name}/denom")
    ctx.node("Add", [std, ctx.const(f"{name}/eps", F32(p.eps))], [denom])
    ctx.node("Div", [centred, denom], [y])
