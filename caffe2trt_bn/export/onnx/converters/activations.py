"""Element-wise activations: ReLU (leaky), PReLU, ELU, Sigmoid, TanH, AbsVal, BNLL,
Power, Exp, Log, Threshold, Clip, Swish.

Caffe's parameterised maps become the same arithmetic in ONNX ops, with Caffe's
constants computed as Caffe computes them (in float32):

* Power: ``(shift + scale*x) ^ power``;
* Exp: ``base ^ (shift + scale*x)`` = ``base^shift * exp(ln(base)*scale * x)`` (base -1 is e);
* Log: ``log_base(shift + scale*x)`` = ``ln(shift + scale*x) / ln(base)``;
* Threshold: 1 where ``x > threshold``, else 0;
* BNLL: ``log(1 + e^x)`` (ONNX Softplus).
"""

from __future__ import annotations

import numpy as np

from ....ir import schema
from ....ir.graph import Layer
from ..context import Context, channel_shape
from ..params import layer_params
from ..registry import converter

F32 = np.float32


def _unary(ctx: Context, layer: Layer, op: str, **attrs: object) -> None:
    y = ctx.output(layer, 0, ctx.shape(layer, 0))
    ctx.node(op, [ctx.input(layer, 0)], [y], **attrs)


def _one_to_one(ctx: Context, layer: Layer) -> None:
    if len(layer.bottoms) != 1 or len(layer.tops) != 1:
        raise ctx.refuse(layer, None, f"{layer.type} takes one bottom and one top")


@converter("ReLU")
def relu(ctx: Context, layer: Layer) -> None:
    _one_to_one(ctx, layer)
    slope = layer_params(layer, schema.ReLUParameter).negative_slope
    if slope == 0:
        _unary(ctx, layer, "Relu")
    else:
        _unary(ctx, layer, "LeakyRelu", alpha=float(slope))


#: Parameterless Caffe activations and the ONNX op computing each (BNLL is log(1 + e^x)).
PLAIN_OPS = {"Sigmoid": "Sigmoid", "TanH": "Tanh", "AbsVal": "Abs", "BNLL": "Softplus"}


@converter(*PLAIN_OPS)
def plain(ctx: Context, layer: Layer) -> None:
    _one_to_one(ctx, layer)
    _unary(ctx, layer, PLAIN_OPS[layer.type])


@converter("ELU")
def elu(ctx: Context, layer: Layer) -> None:
    _one_to_one(ctx, layer)
    _unary(ctx, layer, "Elu", alpha=float(layer_params(layer, schema.ELUParameter).alpha))


@converter("PReLU")
def prelu(ctx: Context, layer: Layer) -> None:
    _one_to_one(ctx, layer)
    p = layer_params(layer, schema.PReLUParameter)
    shape = ctx.shape(layer, 0)
    if len(shape) < 2:
        raise ctx.refuse(layer, None, f"PReLU needs a channel axis; the input is {shape}")
    channels = 1 if p.channel_shared else shape[1]
    slope_shape = (1,) if p.channel_shared else channel_shape(channels, len(shape))
    slope = ctx.weight(layer, 0, slope_shape)
    y = ctx.output(layer, 0, shape)
    ctx.node("PRelu", [ctx.input(layer, 0), slope], [y])


def _affine(ctx: Context, layer: Layer, x: str, scale: float, shift: float, hint: str) -> str:
    """``x*scale + shift`` with the constants as float32 (skipping a 1 scale and a 0 shift)."""
    if scale != 1:
        scaled = ctx.temp(f"{layer.name}/{hint}_scaled")
        ctx.node("Mul", [x, ctx.const(f"{layer.name}/{hint}_scale", F32(scale))], [scaled])
        x = scaled
    if shift != 0:
        shifted = ctx.temp(f"{layer.name}/{hint}_shifted")
        ctx.node("Add", [x, ctx.const(f"{layer.name}/{hint}_shift", F32(shift))], [shifted])
        x = shifted
    return x


def _finish(ctx: Context, layer: Layer, x: str) -> None:
    """Writes ``x`` (already computed) to the layer's top (Identity if nothing was emitted)."""
    y = ctx.output(layer, 0, ctx.shape(layer, 0))
    ctx.node("Identity", [x], [y])


@converter("Power")
def power(ctx: Context, layer: Layer) -> None:
    _one_to_one(ctx, layer)
    p = layer_params(layer, schema.PowerParameter)
    x = _affine(ctx, layer, ctx.input(layer, 0), p.scale, p.shift, "inner")
    shape = ctx.shape(layer, 0)
    if p.power == 1:
        if x == ctx.input(layer, 0):
            _finish(ctx, layer, x)
            return
        y = ctx.output(layer, 0, shape)
        ctx.nodes[-1].output[0] = y
        return
    y = ctx.output(layer, 0, shape)
    ctx.node("Pow", [x, ctx.const(f"{layer.name}/power", F32(p.power))], [y])


@converter("Exp")
def exp(ctx: Context, layer: Layer) -> None:
    _one_to_one(ctx, layer)
    p = layer_params(layer, schema.ExpParameter)
    base = F32(p.base)
    if base != -1 and base <= 0:
        raise ctx.refuse(layer, "base", f"must be positive or -1 (e), not {p.base}")
    log_base = F32(1) if base == -1 else F32(np.log(base))
    with np.errstate(over="ignore"):
        inner_scale = F32(log_base * F32(p.scale))
        outer_scale = F32(1) if p.shift == 0 else (F32(np.exp(F32(p.shift))) if base == -1 else F32(np.power(base, F32(p.shift))))
    if not (np.isfinite(inner_scale) and np.isfinite(outer_scale)):
        raise ctx.refuse(
            layer, "shift" if np.isfinite(inner_scale) else "scale",
            "base^shift or log(base)*scale overflows float32 (Caffe would compute inf or nan for every value)",
        )
    x = _affine(ctx, layer, ctx.input(layer, 0), float(inner_scale), 0.0, "inner")
    e = ctx.temp(f"{layer.name}/exp")
    ctx.node("Exp", [x], [e])
    y = ctx.output(layer, 0, ctx.shape(layer, 0))
    if outer_scale == 1:
        ctx.nodes[-1].output[0] = y
    else:
        ctx.node("Mul", [e, ctx.const(f"{layer.name}/outer_scale", outer_scale)], [y])


@converter("Log")
def log(ctx: Context, layer: Layer) -> None:
    _one_to_one(ctx, layer)
    p = layer_params(layer, schema.LogParameter)
    base = F32(p.base)
    if base != -1 and (base <= 0 or base == 1):
        raise ctx.refuse(layer, "base", f"must be positive and not 1, or -1 (e), not {p.base}")
    base_scale = F32(1) if base == -1 else F32(1) / F32(np.log(base))
    x = _affine(ctx, layer, ctx.input(layer, 0), p.scale, p.shift, "inner")
    logged = ctx.temp(f"{layer.name}/log")
    ctx.node("Log", [x], [logged])
    y = ctx.output(layer, 0, ctx.shape(layer, 0))
    if base_scale == 1:
        ctx.nodes[-1].output[0] = y
    else:
        ctx.node("Mul", [logged, ctx.const(f"{layer.name}/base_scale", base_scale)], [y])


@converter("Threshold")
def threshold(ctx: Context, layer: Layer) -> None:
    _one_to_one(ctx, layer)
    t = layer_params(layer, schema.ThresholdParameter).threshold
    above = ctx.temp(f"{layer.name}/above")
    ctx.node("Greater", [ctx.input(layer, 0), ctx.const(f"{layer.name}/threshold", F32(t))], [above])
    y = ctx.output(layer, 0, ctx.shape(layer, 0))
    ctx.node("Cast", [above], [y], to=1)


@converter("Clip")
def clip(ctx: Context, layer: Layer) -> None:
    _one_to_one(ctx, layer)
    p = layer_params(layer, schema.ClipParameter)
    y = ctx.output(layer, 0, ctx.shape(layer, 0))
    ctx.node(
        "Clip",
        [ctx.input(layer, 0), ctx.const(f"{layer.name}/min", F32(p.min)), ctx.const(f"{layer.name}/max", F32(p.max))],
        [y],
    )


@converter("Swish")
def swish(ctx: Context, layer: Layer) -> None:
    _one_to_one(ctx, layer)
    beta = layer_params(layer, schema.SwishParameter).beta
    x = ctx.input(layer, 0)
    gate_in = _affine(ctx, layer, x, beta, 0.0, "beta")
    gate = ctx.temp(f"{layer.name}/gate")
    ctx.node("Sigmoid", [gate_in], [gate])
    y = ctx.output(layer, 0, ctx.shape(layer, 0))
    ctx.node("Mul", [x, gate], [y])
