"""Eltwise: SUM (with coefficients), PROD, MAX over bottoms of one shape."""

from __future__ import annotations

import numpy as np

from ....ir import schema
from ....ir.graph import Layer
from ..context import Context
from ..params import has, layer_params
from ..registry import converter


@converter("Eltwise")
def eltwise(ctx: Context, layer: Layer) -> None:
    p = layer_params(layer, schema.EltwiseParameter)
    if len(layer.bottoms) < 2 or len(layer.tops) != 1:
        raise ctx.refuse(layer, "bottom", "Eltwise takes at least two bottoms and one top")
    shape = ctx.shape(layer, 0)
    for i in range(1, len(layer.bottoms)):
        if ctx.shape(layer, i) != shape:
            raise ctx.refuse(layer, "bottom", f"bottom shapes differ: {shape} and {ctx.shape(layer, i)}")
    inputs = [ctx.input(layer, i) for i in range(len(layer.bottoms))]
    coeff = tuple(p.coeff)
    if has(p, "coeff"):
        if p.operation != "SUM":
            raise ctx.refuse(layer, "coeff", "Caffe takes coefficients for SUM only")
        if len(coeff) != len(inputs):
            raise ctx.refuse(layer, "coeff", f"{len(coeff)} coefficients for {len(inputs)} bottoms")
    y = ctx.output(layer, 0, shape)
    if p.operation == "SUM":
        terms = []
        for i, (x, c) in enumerate(zip(inputs, coeff or (1.0,) * len(inputs))):
            if c == 1:
                terms.append(x)
                continue
            scaled = ctx.temp(f"{layer.name}/term{i}")
            ctx.node("Mul", [x, ctx.const(f"{layer.name}/coeff{i}", np.float32(c))], [scaled])
            terms.append(scaled)
        ctx.node("Sum", terms, [y])
    elif p.operation == "PROD":
        acc = inputs[0]
        for i, x in enumerate(inputs[1:], 1):
            out = y if i == len(inputs) - 1 else ctx.temp(f"{layer.name}/prod{i}")
            ctx.node("Mul", [acc, x], [out])
            acc = out
    else:
        ctx.node("Max", inputs, [y])
