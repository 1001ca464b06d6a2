"""Weights Caffe fills when it loads a net: a layer the caffemodel does not hold.

Caffe copies the caffemodel's layers by name (``Net::CopyTrainedLayersFrom``); a layer
the file does not hold keeps the values its fillers gave it when the net was built.
Models ship like that on purpose: FCN-style and lane-segmentation nets leave out their
upsampling Deconvolution layers (bilinear ``weight_filler``, learning rate 0).  This
module reproduces the deterministic fillers for such layers, exactly as Caffe computes
them in float32:

* ``constant``: ``value`` everywhere (FillerParameter's default type, value 0);
* ``bilinear`` (4-D, square kernels): ``f = ceil(k/2)``, ``c = (2f - 1 - f % 2) / (2f)``,
  ``w[.., y, x] = (1 - |x/f - c|) * (1 - |y/f - c|)``.

Only Convolution, Deconvolution, ConvolutionDepthwise and InnerProduct are filled, and
only when the prototxt writes their ``weight_filler`` (a layer missing from the file by
mistake, e.g. renamed, would otherwise run silently on zeros: that stays an error).  A
random filler (gaussian, xavier, msra, uniform, ...) cannot be reproduced: an error names
it.  A layer the caffemodel holds with no blobs is refused, as Caffe refuses to load it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from ...errors import GraphError
from ...io.caffemodel import Blob
from ...ir import schema
from ...ir.graph import Layer
from .params import has, layer_params

if TYPE_CHECKING:
    from .context import Context

F32 = np.float32

#: Layer types whose blobs are filled when the caffemodel does not hold them.
FILLED_TYPES = ("Convolution", "Deconvolution", "ConvolutionDepthwise", "InnerProduct")

DETERMINISTIC = ("constant", "bilinear")

#: The most float32 values one filled blob may hold: a protobuf file holds 2 GiB.
MAX_FILLED_VALUES = (1 << 31) // 4


def fill(filler: schema.FillerParameter, shape: tuple[int, ...], refuse: Callable[[str], Exception]) -> np.ndarray:
    """The values Caffe's ``filler`` gives a blob of ``shape`` (float32, flat)."""
    kind = filler.type
    if kind == "constant":
        return np.full(math.prod(shape), F32(filler.value), F32)
    if kind == "bilinear":
        if len(shape) != 4 or shape[2] != shape[3]:
            raise refuse(f"the bilinear filler needs a 4-D blob with a square kernel, not {shape}")
        k = shape[3]
        f = math.ceil(k / 2.0)
        c = F32((2 * f - 1 - f % 2) / (2.0 * f))
        x = np.arange(k, dtype=F32)
        line = F32(1) - np.abs(x / F32(f) - c)
        kernel = (line[:, None] * line[None, :]).astype(F32)
        return np.broadcast_to(kernel, shape).astype(F32).ravel()
    raise refuse(
        f"filler type {kind!r} is random: Caffe's values cannot be reproduced (only {', '.join(DETERMINISTIC)} can); "
        "put the layer's weights in the caffemodel"
    )


def filled_blobs(ctx: Context, layer: Layer) -> list[Blob] | None:
    """The blobs Caffe fills for ``layer`` when the caffemodel does not hold it, or None
    when this module does not fill it (the caller then reports the missing layer)."""
    if layer.type not in FILLED_TYPES or not layer.inputs:
        return None
    p: schema.InnerProductParameter | schema.ConvolutionParameter
    if layer.type == "InnerProduct":
        p = layer_params(layer, schema.InnerProductParameter)
    else:
        p = layer_params(layer, schema.ConvolutionParameter)
    if not has(p, "weight_filler"):
        return None

    def refuse(why: str) -> GraphError:
        return ctx.refuse(layer, "weight_filler", f"the caffemodel does not hold this layer and {why}")

    shape = ctx.shape(layer, 0)
    shapes: list[tuple[int, ...]]
    if isinstance(p, schema.InnerProductParameter):
        rank = len(shape)
        axis = p.axis % rank if -rank <= p.axis < rank else 1
        k = math.prod(shape[axis:])
        shapes = [(k, p.num_output) if p.transpose else (p.num_output, k), (p.num_output,)]
    else:
        if len(shape) < 3:
            return None
        spatial = len(shape) - 2
        from ...ir.geometry import conv_geometry

        g = conv_geometry(p, spatial)
        channels = shape[1]
        if layer.type == "ConvolutionDepthwise":
            shapes = [(channels, 1, *g.kernel), (channels,)]
        elif layer.type == "Deconvolution":
            shapes = [(channels, p.num_output // max(p.group, 1), *g.kernel), (p.num_output,)]
        else:
            shapes = [(p.num_output, channels // max(p.group, 1), *g.kernel), (p.num_output,)]
    fillers = [p.weight_filler, p.bias_filler][: 2 if p.bias_term else 1]
    blobs = []
    for filler, blob_shape in zip(fillers, shapes):
        if math.prod(blob_shape) > MAX_FILLED_VALUES:
            raise refuse(f"its blob {blob_shape} would not fit an ONNX file (2 GiB)")
        values = fill(filler, blob_shape, refuse)
        blobs.append(Blob(tuple(blob_shape), values, (0, 0)))
    kinds = " and ".join(f.type for f in fillers)
    ctx.notes.append(f"layer {layer.name!r} is not in the caffemodel: its blobs are Caffe's {kinds} fillers, as Caffe fills them at load")
    return blobs
