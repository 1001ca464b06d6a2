"""Reduction and ArgMax.

* Reduction always reduces every axis from ``axis`` to the end (output shape
  ``shape[:axis]``; axis 0 gives a 0-d blob): SUM, ASUM (L1), SUMSQ, MEAN, times ``coeff``.
* ArgMax without ``axis`` ranks all of ``C*H*W`` per item: output ``(N, 1, top_k, 1)``,
  or ``(N, 2, top_k, 1)`` with ``out_max_val`` (indices, then values); with ``axis``
  the output has ``top_k`` along it and holds the values with ``out_max_val`` (else the
  indices).  Indices are float32, as in Caffe.
"""

from __future__ import annotations

import math

import numpy as np

from ....ir import schema
from ....ir.graph import Layer
from ..context import Context
from ..params import has, layer_params
from ..registry import converter
from .normalization import reduce
from .shape import canonical_axis, reshape

_REDUCE_OPS = {"SUM": "ReduceSum", "ASUM": "ReduceL1", "SUMSQ": "ReduceSumSquare", "MEAN": "ReduceMean"}


@converter("Reduction")
def reduction(ctx: Context, layer: Layer) -> None:
    p = layer_params(layer, schema.ReductionParameter)
    shape = ctx.shape(layer, 0)
    axis = canonical_axis(ctx, layer, p.axis, len(shape))
    out = shape[:axis]
    x = ctx.input(layer, 0)
    y = ctx.output(layer, 0, out)
    target = y if p.coeff == 1 else ctx.temp(f"{layer.name}/reduced")
    reduce(ctx, layer, _REDUCE_OPS[p.operation], x, list(range(axis, len(shape))), False, target)
    if p.coeff != 1:
        ctx.node("Mul", [target, ctx.const(f"{layer.name}/coeff", np.float32(p.coeff))], [y])


@converter("ArgMax")
def argmax(ctx: Context, layer: Layer) -> None:
    p = layer_params(layer, schema.ArgMaxParameter)
    shape = ctx.shape(layer, 0)
    k = p.top_k
    name = layer.name
    x = ctx.input(layer, 0)
    if has(p, "axis"):
        axis = canonical_axis(ctx, layer, p.axis, len(shape))
        if not 1 <= k <= shape[axis]:
            raise ctx.refuse(layer, "top_k", f"top_k {k} must be from 1 to the {shape[axis]} values of axis {axis}")
        out = list(shape)
        out[axis] = k
        values, indices = ctx.temp(f"{name}/values"), ctx.temp(f"{name}/indices")
        ctx.node("TopK", [x, ctx.ints(f"{name}/k", [k])], [values, indices], axis=axis, largest=1, sorted=1)
        y = ctx.output(layer, 0, out)
        if p.out_max_val:
            ctx.node("Identity", [values], [y])
        else:
            ctx.node("Cast", [indices], [y], to=1)
        return
    per_item = math.prod(shape[1:])
    if not 1 <= k <= per_item:
        raise ctx.refuse(layer, "top_k", f"top_k {k} must be from 1 to the {per_item} values of an item")
    flat = ctx.temp(f"{name}/flat")
    ctx.node("Flatten", [x], [flat], axis=1)
    values, indices = ctx.temp(f"{name}/values"), ctx.temp(f"{name}/indices")
    ctx.node("TopK", [flat, ctx.ints(f"{name}/k", [k])], [values, indices], axis=1, largest=1, sorted=1)
    as_float = ctx.temp(f"{name}/index_values")
    ctx.node("Cast", [indices], [as_float], to=1)
    rank = max(3, len(shape))
    out = [1] * rank
    out[0], out[2] = shape[0], k
    if p.out_max_val:
        out[1] = 2
        both = ctx.temp(f"{name}/both")
        ctx.node("Concat", [as_float, values], [both], axis=1)
        reshape(ctx, layer, both, (shape[0], 2 * k), tuple(out), ctx.output(layer, 0, out))
    else:
        reshape(ctx, layer, as_float, (shape[0], k), tuple(out), ctx.output(layer, 0, out))
