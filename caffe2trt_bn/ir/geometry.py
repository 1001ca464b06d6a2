"""Convolution and pooling geometry from typed parameters, with Caffe's own rules.

Written once for every user (export, shape inference): kernel, stride, pad and dilation
per spatial axis, as ``BaseConvolutionLayer::LayerSetUp`` and
``PoolingLayer::LayerSetUp``/``Reshape`` compute them, and the errors for what Caffe
refuses (``kernel_size`` together with ``kernel_h``, a zero kernel, padding of stochastic
pooling, ...), each naming file, layer, field and line (:func:`~.params.field_error`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..errors import GraphError
from .params import field_error, has
from .schema import ConvolutionParameter, PoolingParameter

__all__ = ["ConvGeometry", "PoolGeometry", "conv_geometry", "pool_geometry", "pooled_extent"]


@dataclass(frozen=True, slots=True)
class ConvGeometry:
    """Per spatial axis (outermost first): kernel, stride, pad and dilation."""

    kernel: tuple[int, ...]
    stride: tuple[int, ...]
    pad: tuple[int, ...]
    dilation: tuple[int, ...]

    def output_size(self, size: tuple[int, ...], deconvolution: bool = False) -> tuple[int, ...]:
        """The output extent for input extent ``size`` (Caffe's ``compute_output_shape``)."""
        out = []
        for n, k, s, p, d in zip(size, self.kernel, self.stride, self.pad, self.dilation):
            extent = d * (k - 1) + 1
            out.append(s * (n - 1) + extent - 2 * p if deconvolution else (n + 2 * p - extent) // s + 1)
        return tuple(out)


def conv_geometry(p: ConvolutionParameter, spatial_axes: int = 2) -> ConvGeometry:
    """Kernel, stride, pad and dilation of a Convolution/Deconvolution over
    ``spatial_axes`` axes: a repeated field holds one value for every axis or one per
    axis; ``kernel_h``/``kernel_w`` (likewise stride, pad) are the 2-D alternative and
    exclude the repeated field (one of the pair alone leaves the other 0, as in Caffe);
    defaults stride 1, pad 0, dilation 1."""
    kernel = _conv_values(p, "kernel_size", "kernel_h", "kernel_w", spatial_axes, None)
    if any(k <= 0 for k in kernel):
        raise field_error(p, "kernel_size", f"filter dimensions must be nonzero (Caffe refuses {list(kernel)})")
    stride = _conv_values(p, "stride", "stride_h", "stride_w", spatial_axes, 1)
    if any(s <= 0 for s in stride):
        raise field_error(p, "stride", f"stride dimensions must be nonzero (Caffe refuses {list(stride)})")
    pad = _conv_values(p, "pad", "pad_h", "pad_w", spatial_axes, 0)
    dilation = _repeated(p, "dilation", spatial_axes, 1)
    if 0 in dilation:
        # Caffe accepts it (every kernel tap then reads one input position); no runtime
        # this geometry is written for does (ONNX Conv takes dilations of at least 1).
        raise field_error(p, "dilation", f"0 is not supported (ONNX convolutions need dilations >= 1; {list(dilation)})")
    return ConvGeometry(kernel, stride, pad, dilation)


def _conv_values(
    p: ConvolutionParameter, name: str, name_h: str, name_w: str, axes: int, default: int | None
) -> tuple[int, ...]:
    if has(p, name_h) or has(p, name_w):
        if axes != 2:
            raise field_error(p, name_h, f"{name_h}/{name_w} can only be used for 2-D convolution")
        if getattr(p, name):
            raise field_error(p, name_h, f"either {name} or {name_h}/{name_w} should be given, not both")
        # As Caffe: the one not given is its proto default (0; a zero kernel or stride is refused).
        return (getattr(p, name_h), getattr(p, name_w))
    return _repeated(p, name, axes, default)


def _repeated(p: ConvolutionParameter, name: str, axes: int, default: int | None) -> tuple[int, ...]:
    values: tuple[int, ...] = getattr(p, name)
    if not values:
        if default is None:
            raise field_error(p, name, f"is required (or {name.split('_')[0]}_h and _w)")
        return (default,) * axes
    if len(values) == 1:
        return values * axes
    if len(values) != axes:
        raise field_error(p, name, f"holds {len(values)} values; Caffe wants 1 or one per spatial axis ({axes})")
    return values


@dataclass(frozen=True, slots=True)
class PoolGeometry:
    """Kernel, stride and pad as (h, w), and the output extent (h, w)."""

    kernel: tuple[int, int]
    stride: tuple[int, int]
    pad: tuple[int, int]
    output: tuple[int, int]


def pool_geometry(p: PoolingParameter, h: int, w: int) -> PoolGeometry:
    """The geometry of a Pooling layer over an ``h`` x ``w`` input, as Caffe sets it up
    (global pooling takes the whole input; ``round_mode`` CEIL or FLOOR; a last window
    that would start in the padding is dropped)."""
    if p.global_pooling:
        if has(p, "kernel_size") or has(p, "kernel_h") or has(p, "kernel_w"):
            raise field_error(p, "global_pooling", "with global_pooling: true the filter size cannot be given")
        kernel = (h, w)
    else:
        if has(p, "kernel_size") == (has(p, "kernel_h") and has(p, "kernel_w")):
            raise _either(p, "kernel_size", "kernel_h", "kernel_w")
        kernel = (p.kernel_size, p.kernel_size) if has(p, "kernel_size") else (p.kernel_h, p.kernel_w)
        if kernel[0] <= 0 or kernel[1] <= 0:
            raise field_error(p, "kernel_size", "filter dimensions must be greater than zero")
    pad = _pool_pair(p, "pad", "pad_h", "pad_w")
    stride = _pool_pair(p, "stride", "stride_h", "stride_w")
    if p.global_pooling and (pad != (0, 0) or stride != (1, 1)):
        raise field_error(p, "global_pooling", "with global_pooling: true only pad 0 and stride 1 are allowed")
    if pad != (0, 0):
        if p.pool not in ("AVE", "MAX"):
            raise field_error(p, "pool", f"padding is implemented only for AVE and MAX pooling, not {p.pool}")
        if pad[0] >= kernel[0] or pad[1] >= kernel[1]:
            raise field_error(p, "pad", f"pad {list(pad)} must be smaller than the kernel {list(kernel)}")
    output = (
        _pooled(h, kernel[0], stride[0], pad[0], p.round_mode),
        _pooled(w, kernel[1], stride[1], pad[1], p.round_mode),
    )
    return PoolGeometry(kernel, stride, pad, output)


def _either(p: PoolingParameter, name: str, name_h: str, name_w: str) -> GraphError:
    if has(p, name):
        return field_error(p, name, f"give {name} or {name_h} and {name_w}, not both")
    return field_error(p, name, f"is required (or both {name_h} and {name_w})")


def _pool_pair(p: PoolingParameter, name: str, name_h: str, name_w: str) -> tuple[int, int]:
    if has(p, name_h) or has(p, name_w):
        if has(p, name) or not (has(p, name_h) and has(p, name_w)):
            raise field_error(p, name_h, f"give {name} or both {name_h} and {name_w}")
        value = (getattr(p, name_h), getattr(p, name_w))
    else:
        value = (getattr(p, name), getattr(p, name))
    if name == "stride" and (value[0] <= 0 or value[1] <= 0):
        raise field_error(p, name, "stride must be greater than zero")
    return value


def pooled_extent(size: int, kernel: int, stride: int, pad: int, round_mode: str) -> int:
    """Caffe's pooled extent of ``size`` values: rounded up (``CEIL``) or down, then one
    less when the last window would start in the padding.  Public for the windows other
    layers pool with (SPP's levels, LRN within a channel)."""
    return _pooled(size, kernel, stride, pad, round_mode)


def _pooled(size: int, kernel: int, stride: int, pad: int, round_mode: str) -> int:
    span = size + 2 * pad - kernel
    rounded = math.ceil(span / stride) if round_mode == "CEIL" else span // stride
    pooled = rounded + 1
    if pad and (pooled - 1) * stride >= size + pad:
        pooled -= 1  # the last window would start in the padding
    return pooled
