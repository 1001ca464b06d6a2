"""The forks' element-wise and shape layers: ReLU6, HardSigmoid, HardSwish, Axpy,
Unsqueeze, Pad, PixelShuffle, ShuffleChannel, ConvolutionDepthwise and
DepthwiseConvolution.

Semantics as the forks' C++ computes them (brocolli-caffe for ReLU6, HardSigmoid,
HardSwish, Unsqueeze, Pad and PixelShuffle; ShuffleNet's Caffe for ShuffleChannel;
SENet's Caffe for Axpy; the MobileNet forks for the depthwise convolutions):

* ReLU6: ``min(max(x, 0) + negative_slope*min(x, 0), threshold)`` (``Clip`` when the
  slope is 0, else ``LeakyRelu`` then ``Min``);
* HardSigmoid: ``max(0, min(1, alpha*x + beta))`` (ONNX ``HardSigmoid``);
* HardSwish: ``x * max(0, min(1, x/6 + 0.5))`` (``HardSigmoid`` with alpha 1/6, times
  ``x``: the same at every opset, where ONNX ``HardSwish`` needs opset 14);
* Axpy (bottoms ``a`` (N, C[, 1, 1]), ``x``, ``y`` (N, C, H, W)): ``a*x + y``;
* Unsqueeze: a unit axis at ``dim`` (negative: ``dim + rank + 1``);
* Pad (4-D only, as its Forward): all four of pad_u/pad_d/pad_l/pad_r >= 0 pads H and W
  (CONSTANT with ``pad_value``, REPLICATE = ONNX ``edge``, REFLECT = mirror without the
  edge = ONNX ``reflect``); all four < 0 crops; mixed signs make Caffe write outside
  its top and are refused, as is a REFLECT pad not smaller than the side it mirrors;
* PixelShuffle (4-D): ``out[c, h*r + i, w*r + j] = in[c*r*r + i*r + j, h, w]``, ONNX
  ``DepthToSpace`` in CRD mode;
* ShuffleChannel: channel ``i*(C/g) + j`` goes to ``j*g + i`` (reshape to (g, C/g),
  transpose, reshape back);
* ConvolutionDepthwise: one ``k x k`` filter per input channel, as many output channels
  as input channels (``num_output`` and ``group`` are not read by that layer), weights
  ``(C, 1, kh, kw)``; DepthwiseConvolution is a BVLC convolution (its own ``group``).
"""

from __future__ import annotations

import numpy as np

from ....ir import schema
from ....ir.geometry import conv_geometry
from ....ir.graph import Layer
from ..context import Context
from ..params import has, layer_params
from ..registry import converter
from .conv import convolution
from .shape import reshape

F32 = np.float32


def _one_to_one(ctx: Context, layer: Layer) -> None:
    if len(layer.bottoms) != 1 or len(layer.tops) != 1:
        raise ctx.refuse(layer, None, f"{layer.type} takes one bottom and one top")


@converter("ReLU6")
def relu6(ctx: Context, layer: Layer) -> None:
    _one_to_one(ctx, layer)
    p = layer_params(layer, schema.ReLU6Parameter)
    shape = ctx.shape(layer, 0)
    x = ctx.input(layer, 0)
    threshold = ctx.const(f"{layer.name}/threshold", F32(p.threshold))
    if p.negative_slope == 0 and p.threshold >= 0:
        zero = ctx.const(f"{layer.name}/zero", F32(0))
        ctx.node("Clip", [x, zero, threshold], [ctx.output(layer, 0, shape)])
        return
    leaky = ctx.temp(f"{layer.name}/leaky")
    ctx.node("LeakyRelu", [x], [leaky], alpha=float(p.negative_slope))
    ctx.node("Min", [leaky, threshold], [ctx.output(layer, 0, shape)])


@converter("HardSigmoid")
def hard_sigmoid(ctx: Context, layer: Layer) -> None:
    _one_to_one(ctx, layer)
    p = layer_params(layer, schema.HardSigmoidParameter)
    y = ctx.output(layer, 0, ctx.shape(layer, 0))
    ctx.node("HardSigmoid", [ctx.input(layer, 0)], [y], alpha=float(p.alpha), beta=float(p.beta))


@converter("HardSwish")
def hard_swish(ctx: Context, layer: Layer) -> None:
    _one_to_one(ctx, layer)
    x = ctx.input(layer, 0)
    gate = ctx.temp(f"{layer.name}/gate")
    ctx.node("HardSigmoid", [x], [gate], alpha=1.0 / 6.0, beta=0.5)
    ctx.node("Mul", [x, gate], [ctx.output(layer, 0, ctx.shape(layer, 0))])


@converter("Axpy")
def axpy(ctx: Context, layer: Layer) -> None:
    if len(layer.bottoms) != 3 or len(layer.tops) != 1:
        raise ctx.refuse(layer, "bottom", "Axpy takes three bottoms (a, x, y) and one top")
    a_shape, x_shape, y_shape = (ctx.shape(layer, i) for i in range(3))
    if x_shape != y_shape:
        raise ctx.refuse(layer, "bottom", f"x {x_shape} and y {y_shape} must have one shape (Caffe checks it)")
    if len(x_shape) < 2 or a_shape[:2] != x_shape[:2] or any(d != 1 for d in a_shape[2:]) or len(a_shape) > len(x_shape):
        raise ctx.refuse(layer, "bottom", f"a {a_shape} must be (N, C) or (N, C, 1, 1) of x {x_shape}")
    a = ctx.input(layer, 0)
    if len(a_shape) != len(x_shape):
        shaped = ctx.temp(f"{layer.name}/a")
        reshape(ctx, layer, a, a_shape, (*a_shape[:2], *(1,) * (len(x_shape) - 2)), shaped)
        a = shaped
    scaled = ctx.temp(f"{layer.name}/ax")
    ctx.node("Mul", [a, ctx.input(layer, 1)], [scaled])
    ctx.node("Add", [scaled, ctx.input(layer, 2)], [ctx.output(layer, 0, x_shape)])


@converter("Unsqueeze")
def unsqueeze(ctx: Context, layer: Layer) -> None:
    _one_to_one(ctx, layer)
    p = layer_params(layer, schema.UnsqueezeParameter)
    if not has(p, "dim"):
        raise ctx.refuse(layer, "dim", "is required (Caffe stops without it)")
    shape = ctx.shape(layer, 0)
    index = p.dim + len(shape) + 1 if p.dim < 0 else p.dim
    if not 0 <= index <= len(shape):
        raise ctx.refuse(layer, "dim", f"{p.dim} is out of range for a blob of {len(shape)} axes")
    out = (*shape[:index], 1, *shape[index:])
    ctx.node("Unsqueeze", [ctx.input(layer, 0), ctx.ints(f"{layer.name}/axes", [index])], [ctx.output(layer, 0, out)])


@converter("Pad")
def pad(ctx: Context, layer: Layer) -> None:
    _one_to_one(ctx, layer)
    if layer.bottoms[0] == layer.tops[0]:
        raise ctx.refuse(layer, "top", "Pad cannot work in place (Caffe refuses it)")
    p = layer_params(layer, schema.PadParameter)
    shape = ctx.shape(layer, 0)
    if len(shape) != 4:
        raise ctx.refuse(layer, None, f"Caffe's Pad computes 4-D blobs only, this one is {shape}")
    n, c, h, w = shape
    u, d, left, r = p.pad_u, p.pad_d, p.pad_l, p.pad_r
    out = (n, c, h + u + d, w + left + r)
    x = ctx.input(layer, 0)
    name = layer.name
    if u < 0 and d < 0 and left < 0 and r < 0:
        if out[2] < 1 or out[3] < 1:
            raise ctx.refuse(layer, "pad_u", f"cropping {(-u, -d, -left, -r)} leaves nothing of {shape}")
        ctx.node(
            "Slice",
            [x, ctx.ints(f"{name}/starts", [-u, -left]), ctx.ints(f"{name}/ends", [h + d, w + r]),
             ctx.ints(f"{name}/axes", [2, 3])],
            [ctx.output(layer, 0, out)],
        )
        return
    if min(u, d, left, r) < 0:
        raise ctx.refuse(
            layer, "pad_u", f"pads {(u, d, left, r)} mix signs: Caffe crops only when all four are negative "
            "and otherwise writes outside its top"
        )
    mode = {"CONSTANT": "constant", "REPLICATE": "edge", "REFLECT": "reflect"}[p.pad_type]
    if mode == "reflect" and (max(u, d) >= h or max(left, r) >= w):
        raise ctx.refuse(layer, "pad_type", f"REFLECT pads {(u, d, left, r)} must be smaller than the sides of {shape}")
    inputs = [x, ctx.ints(f"{name}/pads", [0, 0, u, left, 0, 0, d, r])]
    if mode == "constant":
        inputs.append(ctx.const(f"{name}/value", F32(p.pad_value)))
    ctx.node("Pad", inputs, [ctx.output(layer, 0, out)], mode=mode)


@converter("PixelShuffle")
def pixel_shuffle(ctx: Context, layer: Layer) -> None:
    _one_to_one(ctx, layer)
    p = layer_params(layer, schema.PixelShuffleParameter)
    if not has(p, "upscale_factor") or p.upscale_factor < 1:
        raise ctx.refuse(layer, "upscale_factor", "must be given and positive")
    shape = ctx.shape(layer, 0)
    r = p.upscale_factor
    if len(shape) != 4 or shape[1] % (r * r):
        raise ctx.refuse(layer, "upscale_factor", f"{r}*{r} must divide the channels of a 4-D blob, not {shape}")
    n, c, h, w = shape
    y = ctx.output(layer, 0, (n, c // (r * r), h * r, w * r))
    ctx.node("DepthToSpace", [ctx.input(layer, 0)], [y], blocksize=r, mode="CRD")


@converter("ShuffleChannel")
def shuffle_channel(ctx: Context, layer: Layer) -> None:
    _one_to_one(ctx, layer)
    p = layer_params(layer, schema.ShuffleChannelParameter)
    shape = ctx.shape(layer, 0)
    g = p.group
    if len(shape) < 2 or g < 1 or shape[1] % g:
        raise ctx.refuse(layer, "group", f"group {g} must divide the channels of {shape}")
    name = layer.name
    n, c, *rest = shape
    grouped, swapped = ctx.temp(f"{name}/grouped"), ctx.temp(f"{name}/swapped")
    reshape(ctx, layer, ctx.input(layer, 0), shape, (n, g, c // g, *rest), grouped)
    perm = [0, 2, 1, *range(3, len(shape) + 1)]
    ctx.node("Transpose", [grouped], [swapped], perm=perm)
    reshape(ctx, layer, swapped, (n, c // g, g, *rest), shape, ctx.output(layer, 0, shape))


@converter("ConvolutionDepthwise")
def convolution_depthwise(ctx: Context, layer: Layer) -> None:
    _one_to_one(ctx, layer)
    p = layer_params(layer, schema.ConvolutionParameter)
    shape = ctx.shape(layer, 0)
    if len(shape) != 4:
        raise ctx.refuse(layer, None, f"ConvolutionDepthwise convolves 4-D blobs, this one is {shape}")
    g = conv_geometry(p, 2)
    n, c, h, w = shape
    sizes = list(g.output_size((h, w)))
    if any(s < 1 for s in sizes):
        raise ctx.refuse(layer, "kernel_size", f"leaves no output on the input of shape {shape}")
    stored = len(ctx.blobs(layer))
    if stored != (2 if p.bias_term else 1):
        raise ctx.refuse(layer, "bias_term", f"needs {2 if p.bias_term else 1} blob(s), the caffemodel holds {stored}")
    inputs = [ctx.input(layer, 0), ctx.weight(layer, 0, (c, 1, *g.kernel))]
    if p.bias_term:
        inputs.append(ctx.weight(layer, 1, (c,)))
    ctx.node(
        "Conv", inputs, [ctx.output(layer, 0, (n, c, *sizes))], kernel_shape=list(g.kernel), strides=list(g.stride),
        pads=list(g.pad) * 2, dilations=list(g.dilation), group=c,
    )


@converter("DepthwiseConvolution")
def depthwise_convolution(ctx: Context, layer: Layer) -> None:
    """A BVLC Convolution (num_output and group as written) under a fork's type name."""
    convolution(ctx, layer)

