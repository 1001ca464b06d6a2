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

Without padding, rounding up with a stride longer than the kernel, Caffe's last windows
can lie wholly past the input (``e >= k``, which ONNX runtimes refuse as a pad).  Caffe
gives such a window ``-FLT_MAX`` (MAX) or 0 (AVE: a sum of nothing divided by a nonzero
size it computes as negative; Caffe writes -0 where this writes 0).  The windows that start
inside the input are pooled as above and the output is padded at the end with that value:
exact, and no pad reaches the kernel.  An AVE window starting exactly at the input's end
has Caffe divide 0 by 0 (NaN): refused.  A pad not below the kernel is refused as Caffe
refuses it (SPP's levels included).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ....ir import schema
from ....ir.geometry import pool_geometry, pooled_extent
from ....ir.graph import Layer
from ..context import Context
from ..params import has, layer_params
from ..registry import converter


def _ceil(ctx: Context, layer: Layer, p: schema.PoolingParameter) -> bool:
    """Whether the pooling rounds up: BVLC ``round_mode`` or the forks' ``ceil_mode``."""
    node = layer.node.get("pooling_param")
    fork = node.get("ceil_mode") if node is not None else None
    if fork is not None:
        if has(p, "round_mode"):
            raise ctx.refuse(layer, "ceil_mode", "give round_mode or the fork's ceil_mode, not both")
        return fork.boolean()
    return p.round_mode == "CEIL"


def _named(name: str) -> Callable[[tuple[int, ...]], str]:
    """A ``declare`` for :func:`pool2d` that names an existing tensor (whatever the shape)."""
    return lambda _shape: name


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
    if pad[0] >= kernel[0] or pad[1] >= kernel[1]:
        raise ctx.refuse(layer, "pad", f"pad {list(pad)} must be smaller than the kernel {list(kernel)} (Caffe refuses it)")
    mode = "CEIL" if ceil else "FLOOR"
    sizes = tuple(pooled_extent(size, k, s, q, mode) for size, k, s, q in zip((h, w), kernel, stride, pad))
    if any(o < 1 for o in sizes):
        raise ctx.refuse(layer, "kernel_size", f"leaves no output on the input of shape {shape}")
    out_shape = (n, c, *sizes)
    out_name = declare(out_shape)
    reached = empty_windows(shape, kernel, stride, pad, sizes)
    if reached != sizes:
        # The last windows lie wholly past the input: pool the others, then append Caffe's
        # value for an empty window (MAX: -FLT_MAX; AVE: a sum of 0 over a nonzero size).
        if method == "AVE":
            for axis, size, s, q, o in zip("hw", (h, w), stride, pad, sizes):
                if any(i * s - q == size for i in range(o)):
                    raise ctx.refuse(
                        layer, "stride", f"a window starts right at the end of the input along {axis}: Caffe divides "
                        "0 by a window size of 0 there (NaN outputs); no exact finite export exists",
                    )
        inner = ctx.temp(f"{layer.name}/reached")
        _emit_pool(ctx, f"{layer.name}/reached", x, inner, (h, w), method, kernel, stride, pad, reached)
        pads = ctx.ints(f"{layer.name}/empty_pads", [0, 0, 0, 0, 0, 0, sizes[0] - reached[0], sizes[1] - reached[1]])
        fill = ctx.const(f"{layer.name}/empty_value", np.float32(-np.finfo(np.float32).max if method == "MAX" else 0))
        ctx.node("Pad", [inner, pads, fill], [out_name], mode="constant")
        return out_shape
    _emit_pool(ctx, layer.name, x, out_name, (h, w), method, kernel, stride, pad, sizes)
    return out_shape


def empty_windows(
    shape: tuple[int, ...], kernel: tuple[int, int], stride: tuple[int, int], pad: tuple[int, int], sizes: tuple[int, ...]
) -> tuple[int, int]:
    """How many windows along H and W start inside the input (padding included at the
    start); the rest of Caffe's ``sizes`` lie wholly past the input's end.  Only without
    padding, rounding up with a stride longer than the kernel, can a window do so (with
    padding, Caffe drops a last window that would start in it)."""
    rows, cols = (min(o, -(-(size + q) // s)) for o, size, s, q in zip(sizes, shape[2:], stride, pad))
    return rows, cols


def _emit_pool(
    ctx: Context,
    hint: str,
    x: str,
    out_name: str,
    hw: tuple[int, int],
    method: str,
    kernel: tuple[int, int],
    stride: tuple[int, int],
    pad: tuple[int, int],
    sizes: tuple[int, ...],
) -> None:
    """The pooling node(s) computing ``sizes`` windows, each starting inside the input,
    with Caffe's divisor: ONNX pads then stay below the kernel, as runtimes require."""
    extra = [(o - 1) * s + k - (size + 2 * q) for o, size, k, s, q in zip(sizes, hw, kernel, stride, pad)]
    # Floor rounding can leave input rows past the last window: they are simply not read.
    end = [max(0, e) for e in extra]
    common = {"kernel_shape": list(kernel), "strides": list(stride), "ceil_mode": 0}
    if method == "MAX":
        ctx.node("MaxPool", [x], [out_name], pads=[pad[0], pad[1], pad[0] + end[0], pad[1] + end[1]], **common)
    elif not any(end):
        ctx.node("AveragePool", [x], [out_name], pads=[pad[0], pad[1], pad[0], pad[1]], count_include_pad=1, **common)
    else:
        padded = x
        if any(pad):
            padded = ctx.temp(f"{hint}/padded")
            pads = ctx.ints(f"{hint}/pads", [0, 0, pad[0], pad[1], 0, 0, pad[0], pad[1]])
            ctx.node("Pad", [x, pads], [padded], mode="constant")
        ctx.node("AveragePool", [padded], [out_name], pads=[0, 0, end[0], end[1]], count_include_pad=0, **common)


@converter("Pooling")
def pooling(ctx: Context, layer: Layer) -> None:
    p = layer_params(layer, schema.PoolingParameter)
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
    if len(layer.tops) == 2 and empty_windows(shape, kernel, stride, pad, g.output) != g.output:
        raise ctx.refuse(
            layer, "top", "the argmax mask of a pooling whose last windows lie past the input is not converted "
            "(Caffe marks them -1)",
        )
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
    p = layer_params(layer, schema.SPPParameter)
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
        out = pool2d(ctx, layer, x, shape, p.pool, (kh, kw), (kh, kw), (ph, pw), True, _named(pooled))
        flat = ctx.temp(f"{layer.name}/flat{level}")
        ctx.node("Flatten", [pooled], [flat], axis=1)
        parts.append(flat)
        total += out[1] * out[2] * out[3]
    y = ctx.output(layer, 0, (n, total))
    if len(parts) == 1:
        ctx.node("Identity", parts, [y])
    else:
        ctx.node("Concat", parts, [y], axis=1)
