"""InnerProduct and Embed.

InnerProduct flattens its bottom from ``axis`` on (``M = prod(shape[:axis])`` rows of
``K = prod(shape[axis:])``), multiplies by the ``(N, K)`` weights (``(K, N)`` with
``transpose: true``) and keeps the leading axes: ONNX ``Gemm`` on the 2-D view
(``Flatten`` for axis 1, else a Reshape there and back).  Embed gathers rows of its
``(input_dim, N)`` weights at the integer values of its bottom.
"""

from __future__ import annotations

import math

from ....ir import schema
from ....ir.graph import Layer
from ..context import Context
from ..params import has, layer_params
from ..registry import converter
from .shape import canonical_axis, reshape


@converter("InnerProduct")
def inner_product(ctx: Context, layer: Layer) -> None:
    p = layer_params(layer, schema.InnerProductParameter)
    if len(layer.bottoms) != 1 or len(layer.tops) != 1:
        raise ctx.refuse(layer, None, "InnerProduct takes one bottom and one top")
    if not has(p, "num_output") or p.num_output < 1:
        raise ctx.refuse(layer, "num_output", "must be given and positive")
    shape = ctx.shape(layer, 0)
    axis = canonical_axis(ctx, layer, p.axis, len(shape))
    n = p.num_output
    m, k = math.prod(shape[:axis]), math.prod(shape[axis:])
    stored = len(ctx.blobs(layer))
    if not ctx.folded(layer) and stored != (2 if p.bias_term else 1):
        raise ctx.refuse(layer, "bias_term", f"needs {2 if p.bias_term else 1} blob(s), the caffemodel holds {stored}")
    weights = ctx.weight(layer, 0, (k, n) if p.transpose else (n, k))
    inputs = [weights]
    if p.bias_term or ctx.folded(layer):
        inputs.append(ctx.weight(layer, 1, (n,)))
    out_shape = (*shape[:axis], n)
    x = ctx.input(layer, 0)
    if axis == 1 and len(shape) == 2:
        ctx.node("Gemm", [x, *inputs], [ctx.output(layer, 0, out_shape)], transB=0 if p.transpose else 1)
        return
    flat = ctx.temp(f"{layer.name}/flat")
    if axis == 1:
        ctx.node("Flatten", [x], [flat], axis=1)
        ctx.node("Gemm", [flat, *inputs], [ctx.output(layer, 0, out_shape)], transB=0 if p.transpose else 1)
        return
    reshape(ctx, layer, x, shape, (m, k), flat)
    product = ctx.temp(f"{layer.name}/gemm")
    ctx.node("Gemm", [flat, *inputs], [product], transB=0 if p.transpose else 1)
    reshape(ctx, layer, product, (m, n), out_shape, ctx.output(layer, 0, out_shape))


@converter("Embed")
def embed(ctx: Context, layer: Layer) -> None:
    p = layer_params(layer, schema.EmbedParameter)
    if len(layer.bottoms) != 1 or len(layer.tops) != 1:
        raise ctx.refuse(layer, None, "Embed takes one bottom and one top")
    if not has(p, "num_output") or not has(p, "input_dim") or p.num_output < 1 or p.input_dim < 1:
        raise ctx.refuse(layer, "input_dim", "input_dim and num_output must be given and positive")
    shape = ctx.shape(layer, 0)
    weights = ctx.weight(layer, 0, (p.input_dim, p.num_output))
    indices = ctx.temp(f"{layer.name}/indices")
    ctx.node("Cast", [ctx.input(layer, 0)], [indices], to=6)  # INT32: TensorRT 8.6 has no int64
    out_shape = (*shape, p.num_output)
    if not p.bias_term:
        ctx.node("Gather", [weights, indices], [ctx.output(layer, 0, out_shape)], axis=0)
        return
    gathered = ctx.temp(f"{layer.name}/gathered")
    ctx.node("Gather", [weights, indices], [gathered], axis=0)
    ctx.node("Add", [gathered, ctx.weight(layer, 1, (p.num_output,))], [ctx.output(layer, 0, out_shape)])
