"""Convolution and Deconvolution: ONNX ``Conv`` and ``ConvTranspose``.

Weights keep Caffe's layout, which is ONNX's: ``(C_out, C_in/group, k...)`` for Conv,
``(C_in, C_out/group, k...)`` for ConvTranspose.  Output sizes are Caffe's; ONNX's
formulas give the same with symmetric ``pads`` and no output padding.  Only the
channel axis 1 (Caffe's default ``axis``) is converted.
"""

from __future__ import annotations

from ....ir import schema
from ....ir.geometry import conv_geometry
from ....ir.graph import Layer
from ..context import Context
from ..params import has, layer_params, param
from ..registry import converter


@converter("Convolution", "Deconvolution")
def convolution(ctx: Context, layer: Layer) -> None:
    deconv = layer.type == "Deconvolution"
    p = layer_params(layer, schema.ConvolutionParameter)
    if len(layer.bottoms) != len(layer.tops):
        raise ctx.refuse(layer, "bottom", "a convolution needs one top per bottom")
    if p.axis != 1:
        raise ctx.refuse(layer, "axis", f"only the channel axis 1 is converted, not {p.axis}")
    if not has(p, "num_output") or p.num_output < 1:
        raise ctx.refuse(layer, "num_output", "must be given and positive")
    shape = ctx.shape(layer, 0)
    spatial = len(shape) - 2
    if spatial not in (1, 2, 3):
        raise ctx.refuse(layer, None, f"input of shape {shape}: ONNX/TensorRT convolve 1-D to 3-D blobs")
    g = conv_geometry(p, spatial)
    channels = shape[1]
    group = p.group
    if group < 1 or channels % group or p.num_output % group:
        raise ctx.refuse(layer, "group", f"group {group} must divide the {channels} input and {p.num_output} output channels")
    if deconv:
        wshape = (channels, p.num_output // group, *g.kernel)
        sizes = list(g.output_size(tuple(shape[2:]), deconvolution=True))
    else:
        wshape = (p.num_output, channels // group, *g.kernel)
        sizes = list(g.output_size(tuple(shape[2:])))
    if any(s < 1 for s in sizes):
        raise ctx.refuse(layer, "kernel_size", f"leaves no output on the input of shape {shape}")
    bias = p.bias_term or ctx.folded(layer)
    stored = len(ctx.blobs(layer))
    if not ctx.folded(layer) and stored != (2 if p.bias_term else 1):
        raise ctx.refuse(
            layer, "bias_term", f"bias_term {str(p.bias_term).lower()} needs {2 if p.bias_term else 1} blob(s), "
            f"the caffemodel holds {stored}"
        )
    weights = ctx.weight(layer, 0, wshape)
    inputs = [weights]
    if bias:
        inputs.append(ctx.weight(layer, 1, (p.num_output,)))
    for i in range(len(layer.bottoms)):
        if ctx.shape(layer, i) != shape:
            raise ctx.refuse(layer, "bottom", "every bottom of a convolution must have the same shape")
        y = ctx.output(layer, i, (shape[0], p.num_output, *sizes))
        ctx.node(
            "ConvTranspose" if deconv else "Conv",
            [ctx.input(layer, i), *inputs],
            [y],
            kernel_shape=list(g.kernel),
            strides=list(g.stride),
            pads=list(g.pad) * 2,
            dilations=list(g.dilation),
            group=group,
        )


@converter("Im2col")
def im2col(ctx: Context, layer: Layer) -> None:
    """Caffe's im2col as a grouped convolution with one-hot kernels: output channel
    ``c*kh*kw + i*kw + j`` holds input channel ``c`` at kernel tap ``(i, j)``, the column
    order of Caffe's im2col (each output value is one input value times 1, exactly)."""
    import numpy as np

    p = param(layer, "convolution_param", schema.ConvolutionParameter)
    if p.axis != 1:
        raise ctx.refuse(layer, "axis", f"only the channel axis 1 is converted, not {p.axis}")
    shape = ctx.shape(layer, 0)
    if len(shape) != 4:
        raise ctx.refuse(layer, None, f"Im2col is converted for 4-D blobs, this one is {shape}")
    g = conv_geometry(p, 2)
    channels = shape[1]
    taps = g.kernel[0] * g.kernel[1]
    sizes = list(g.output_size(tuple(shape[2:])))
    y = ctx.output(layer, 0, (shape[0], channels * taps, *sizes))  # checks the size first
    kernels = np.zeros((channels * taps, 1, *g.kernel), dtype=np.float32)
    for c in range(channels):
        for t in range(taps):
            kernels[c * taps + t, 0, t // g.kernel[1], t % g.kernel[1]] = 1
    ctx.node(
        "Conv",
        [ctx.input(layer, 0), ctx.const(f"{layer.name}/onehot", kernels)],
        [y],
        kernel_shape=list(g.kernel),
        strides=list(g.stride),
        pads=list(g.pad) * 2,
        dilations=list(g.dilation),
        group=channels,
    )
