"""Caffe's spatial geometry rules, written once for the converters that need them.

Convolution-like layers give kernel/stride/pad/dilation as scalars, as repeated fields
(one value for every spatial axis, or one per axis) or as ``_h``/``_w`` fields (2-D
only); pooling layers as scalars or ``_h``/``_w``.  Output sizes follow Caffe's
formulas: convolution floors; pooling rounds up (``round_mode: CEIL``, the default)
and then drops a last window that would start in the padding.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ...errors import GraphError
from .params import has

Refuse = Callable[[str, str], GraphError]


@dataclass(frozen=True)
class Geometry:
    """Per spatial axis: kernel, stride, pad (both sides), dilation."""

    kernel: tuple[int, ...]
    stride: tuple[int, ...]
    pad: tuple[int, ...]
    dilation: tuple[int, ...]


def _per_axis(
    p: Any, name: str, h: str | None, w: str | None, spatial: int, default: int | None, refuse: Refuse
) -> tuple[int, ...]:
    """One value per spatial axis from the repeated field ``name`` or ``h``/``w``."""
    if h is not None and w is not None and (has(p, h) or has(p, w)):
        if spatial != 2:
            raise refuse(h, f"{h}/{w} are only for 2-D blobs, this one has {spatial} spatial axes")
        if has(p, name):
            raise refuse(name, f"either {name} or {h}/{w}, not both (Caffe refuses both)")
        if default is None and not (has(p, h) and has(p, w)):
            raise refuse(h, f"{h} and {w} must be given together")
        return (int(getattr(p, h)), int(getattr(p, w)))
    values = getattr(p, name)
    if isinstance(values, int):
        values = (values,) if has(p, name) else ()
    values = tuple(int(v) for v in values)
    if not values:
        if default is None:
            raise refuse(name, "is required")
        return (default,) * spatial
    if len(values) == 1:
        return values * spatial
    if len(values) != spatial:
        raise refuse(name, f"gives {len(values)} values for {spatial} spatial axes")
    return values


def conv_geometry(p: Any, spatial: int, refuse: Refuse) -> Geometry:
    """Geometry of a ConvolutionParameter over ``spatial`` axes (Caffe's rules)."""
    kernel = _per_axis(p, "kernel_size", "kernel_h", "kernel_w", spatial, None, refuse)
    stride = _per_axis(p, "stride", "stride_h", "stride_w", spatial, 1, refuse)
    pad = _per_axis(p, "pad", "pad_h", "pad_w", spatial, 0, refuse)
    dilation = _per_axis(p, "dilation", None, None, spatial, 1, refuse)
    if any(k < 1 for k in kernel):
        raise refuse("kernel_size", "must be positive")
    if any(s < 1 for s in stride):
        raise refuse("stride", "must be positive")
    if any(d < 1 for d in dilation):
        raise refuse("dilation", "must be positive")
    return Geometry(kernel, stride, pad, dilation)


def conv_out(size: int, g: Geometry, axis: int) -> int:
    """Caffe's convolution output size along ``axis`` (floor)."""
    extent = g.dilation[axis] * (g.kernel[axis] - 1) + 1
    return (size + 2 * g.pad[axis] - extent) // g.stride[axis] + 1


def deconv_out(size: int, g: Geometry, axis: int) -> int:
    """Caffe's deconvolution output size along ``axis``."""
    extent = g.dilation[axis] * (g.kernel[axis] - 1) + 1
    return g.stride[axis] * (size - 1) + extent - 2 * g.pad[axis]


def pool_out(size: int, kernel: int, stride: int, pad: int, ceil: bool) -> int:
    """Caffe's pooling output size: rounded up (or down), then a last window that would
    start in the padding is dropped."""
    span = size + 2 * pad - kernel
    out = (-(-span // stride) if ceil else span // stride) + 1
    if pad > 0 and (out - 1) * stride >= size + pad:
        out -= 1
    return out
