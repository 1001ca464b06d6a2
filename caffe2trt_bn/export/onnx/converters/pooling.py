"""Pooling (MAX, AVE, global) and SPP, exact whatever the ONNX runtime.

Caffe rounds the output size up (``round_mode: CEIL``, its default; ``FLOOR`` and the
forks' ``ceil_mode: false`` round down), drops a last window that would start in the
padding, and divides an AVE window by its part inside the padded border
``[-pad, in + pad)``.  ONNX runtimes disagree on ``ceil_mode`` (ONNX Runtime drops a
window starting in the right padding even without padding, TensorRT's round-up mode has
no drop rule, ONNX Runtime's AVE divisor with ceil depends on the opset), so this
exporter never uses it: it computes Caffe's output size itself and writes
``ceil_mode=0`` with the extra end padding ``e = (out-1)*s + k - (in + 2p)`` that gives
that size.  MAX pads with -inf (padding never wins).  AVE with ``e == 0`` is
``AveragePool(pads=p, count_include_pad=1)``; otherwise an explicit zero ``Pad`` by
``p`` followed by ``AveragePool`` with end pads ``e`` and ``count_include_pad=0``: the
divisor is then the window's overlap with the padded tensor, Caffe's.
"""

from __future__ import annotations

from collections.abc import Callable

from ....ir.graph import Layer
from ....ir.geometry import pool_geometry, pooled_extent
from ..context import Context
from ..params import has, layer_params
from ..registry import converter


def _ceil(ctx: Context, layer: Layer, p: object) -> bool:
    """Whether the pooling rounds up: BVLC ``round_mode`` or the forks' ``ceil_mode``."""
    node = layer.node.get("pooling_param")
    fork = node.get("ceil_mode") if node is not None else None
    if fork is not None:
        if has(p, "round_mode"):
            raise ctx.refuse(layer, "ceil_mode", "give round_mode or the fork's ceil_mode, not both")
        return fork.boolean()
    return p.round_mode == "CEIL"  # type: ignore[attr-defined]


def pool2d(
    ctx: Context,
    layer: Layer,
    x: str,
    shape: tuple[int, ...],
    method: str,
    kernel: tuple[int, int],
    stride: tuple[int, int],
    pad: tuple[int, int],
    ceil: bool,
    declare: Callable[[tuple[int, ...]], str],
) -> tuple[int, ...]:
    """Emits one Caffe pooling of ``x`` (NCHW ``shape``) into the tensor ``declare(out
    shape)`` names; returns the output shape.  Shared by Pooling and SPP."""
    n, c, h, w = shape
    mode = "CEIL" if ceil else "FLOOR"
    sizes = tuple(pooled_extent(size, k, s, q, mode) for size, k, s, q in zip((h, w), kernel, stride, pad))
    if any(o < 1 for o in sizes):
        raise ctx.refuse(layer, "kernel_size", f"leaves no output on the input of shape {shape}")
    extra = [
        (o - 1) * s + k - (size + 2 * q) for o, size, k, s, q in zip(sizes, (h, w), kernel, stride, pad)
    ]
    # Floor rounding can leave input rows past the last window: they are simply not read.
    end = [max(0, e) for e in extra]
    out_shape = (n, c, *sizes)
    out_name = declare(out_shape)
    common = {"kernel_shape": list(kernel), "strides": list(stride), "ceil_mode": 0}
    if method == "MAX":
        ctx.node("MaxPool", [x], [out_name], pads=[pad[0], pad[1], pad[0] + end[0], pad[1] + end[1]], **common)
    elif not any(end):
        ctx.node("AveragePool", [x], [out_name], pads=[pad[0], pad[1], pad[0], pad[1]], count_include_pad=1, **common)
    else:
        padded = x
        if any(pad):
            padded = ctx.temp(f"{layer.name}/padded")
            pads = ctx.ints(f"{layer.name}/pads", [0, 0, pad[0], pad[1], 0, 0, pad[0], pad[1]])
            ctx.node("Pad", [x, pads], [padded], mode="constant")
        ctx.node("AveragePool", [padded], [out_name], pads=[0, 0, end[0], end[1]], count_include_pad=0, **common)
    return out_shape


@converter("Pooling")
def pooling(ctx: Context, layer: Layer) -> None:
    p = layer_params(layer)
    shape = ctx.shape(layer, 0)
    if len(shape) != 4:
        raise ctx.refuse(layer, None, f"Caffe pools 4-D blobs only, this one is {shape}")
    if p.pool not in ("MAX", "AVE"):
        raise ctx.refuse(layer, "pool", f"{p.pool} pooling is random at training and has no exact ONNX form")
    if len(layer.tops) > 2 or (len(layer.tops) == 2 and (p.pool != "MAX" or p.global_pooling)):
        raise ctx.refuse(layer, "top", "a second top (the argmax mask) is converted for MAX pooling with a kernel only")
    x = ctx.input(layer, 0)
    g = pool_geometry(p, shape[2], shape[3])
    if p.global_pooling:
        y = ctx.output(layer, 0, (shape[0], shape[1], 1, 1))
        ctx.node("GlobalMaxPool" if p.pool == "MAX" else "GlobalAveragePool", [x], [y])
        return
    kernel, stride, pad = g.kernel, g.stride, g.pad
    out = pool2d(ctx, layer, x, shape, p.pool, kernel, stride, pad, _ceil(ctx, layer, p), lambda s: ctx.output(layer, 0, s))
    if len(layer.tops) == 2:
        from .resample import pooling_mask

        pooled = ctx.names[ctx.redirect.get(layer.outputs[0], layer.outputs[0])]
        pooling_mask(ctx, layer, x, shape, pooled, kernel, stride, pad, (out[2], out[3]))


@converter("SPP")
def spp(ctx: Context, layer: Layer) -> None:
    """Spatial pyramid pooling: level ``l`` pools to ``2^l x 2^l`` bins with Caffe's
    kernel ``ceil(size / bins)`` and pad ``(kernel*bins - size + 1) // 2``, each flattened,
    all concatenated along axis 1."""
    p = layer_params(layer)
    shape = ctx.shape(layer, 0)
    if len(shape) != 4:
        raise ctx.refuse(layer, None, f"SPP pools 4-D blobs only, this one is {shape}")
    if p.pool not in ("MAX", "AVE"):
        raise ctx.refuse(layer, "pool", f"{p.pool} pooling has no exact ONNX form")
    if not has(p, "pyramid_height") or p.pyramid_height < 1:
        raise ctx.refuse(layer, "pyramid_height", "must be given and positive")
    n, _, h, w = shape
    x = ctx.input(layer, 0)
    parts = []
    total = 0
    for level in range(p.pyramid_height):
        bins = 2**level
        kh, kw = -(-h // bins), -(-w // bins)
        ph, pw = (kh * bins - h + 1) // 2, (kw * bins - w + 1) // 2
        if p.pyramid_height == 1:
            # Caffe runs a global pooling for a one-level pyramid.
            kh, kw, ph, pw = h, w, 0, 0
        pooled = ctx.temp(f"{layer.name}/level{level}")
        out = pool2d(ctx, layer, x, shape, p.pool, (kh, kw), (kh, kw), (ph, pw), True, lambda s, name=pooled: name)
        flat = ctx.temp(f"{layer.name}/flat{level}")
        ctx.node("Flatten", [pooled], [flat], axis=1)
        parts.append(flat)
        total += out[1] * out[2] * out[3]
    y = ctx.output(layer, 0, (n, total))
    if len(parts) == 1:
        ctx.node("Identity", parts, [y])
    else:
        ctx.node("Concat", parts, [y], axis=1)
