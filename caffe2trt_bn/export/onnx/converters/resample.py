"""The forks' resampling layers: Upsample (both forms), Interp, Resize,
BilinearInterpolate, MaxUnPool, and the argmax mask top of MAX pooling they read.

Every size is computed with the fork's own formula; the sampling is ONNX ``Resize``
whose coordinate mode reproduces the fork's:

* Upsample, darknet2caffe/brocolli form (one bottom; ``scale`` default 1, brocolli's
  ``dims_num`` 4 or 3): ``out[h, w] = in[h // scale, w // scale]`` on the last two axes
  (the last one with ``dims_num: 3``): ``Resize`` nearest, ``asymmetric``, ``floor``.
* Upsample, SegNet form (two bottoms: values and the mask top of a MAX pooling; output
  ``upsample_h`` x ``upsample_w``, else ``H*scale - pad_out`` with ``scale`` default 2 or
  ``scale_h``/``scale_w``) and MaxUnPool (``dst_h`` x ``dst_w``): zeros, then
  ``out[mask[i]] = value[i]`` per (n, c) plane in the order of ``i``.  ONNX
  ``ScatterElements`` on the flattened planes.  Overlapping pooling windows can pick one
  input position twice; Caffe keeps the later window's value, so each value is first
  replaced by that of the last window sharing its mask index (a few shifted compares):
  the duplicate writes then agree and the result is the same on every runtime.
* Interp (DeepLab/PSPNet): the input cropped by ``pad_beg``/``pad_end`` (<= 0), size by
  ``shrink_factor`` ``(in - 1) // s + 1``, ``zoom_factor`` ``in + (in - 1)*(z - 1)``,
  both (shrink first), ``height``/``width``, or the second bottom's H, W;
  ``src = dst*(in - 1)/(out - 1)``: ``Resize`` linear ``align_corners``.
* BilinearInterpolate (brocolli): size from ``dst_h``/``dst_w`` (a missing one keeps the
  input's) or ``scale_factor`` (``int(in*scale_factor)``); ``align_corners`` (default
  true) as Interp, false: ``src = (dst + 0.5)*in/out - 0.5`` clamped to ``[0, in - 1]``:
  ``Resize`` ``half_pixel`` (ONNX clamps the same way).
* Resize (brocolli): ``src = dst*in/out`` with the neighbours past the last row and
  column counted as 0 (edges fade): the input padded by one zero row and column, then
  ``Resize`` ``asymmetric`` by the scale ``out/in`` and cropped to the output size.

The mask top of MAX pooling (Caffe's second Pooling top) holds, per output position, the
index ``h*W + w`` of the first maximum of its window in row-major order (windows clipped
to the input): the window taps of the padded input are compared with the pooled maximum,
last tap first, so the first matching tap's index wins.  TensorRT cannot read MaxPool's
``Indices`` output, and it would count differently.
"""

from __future__ import annotations

import numpy as np

from ....ir import schema
from ....ir.forks import mask_source
from ....ir.graph import Layer
from ..context import Context
from ..params import has, layer_params
from ..registry import converter

F32 = np.float32
#: The padding of the mask computation: below every value a window can hold.
LOWEST = float(np.finfo(np.float32).min)


def _sizes_input(ctx: Context, layer: Layer, x: str, shape: tuple[int, ...], spatial: tuple[int, ...]) -> str:
    """A shape vector (``Resize``'s ``sizes``, an ``Expand`` target): the leading dims of
    ``x`` (the batch read from its shape when it is dynamic) followed by ``spatial``."""
    lead = len(shape) - len(spatial)
    if not ctx.options.dynamic_batch:
        return ctx.ints(f"{layer.name}/sizes", [*shape[:lead], *spatial])
    full, kept, sizes = ctx.temp(f"{layer.name}/shape"), ctx.temp(f"{layer.name}/lead"), ctx.temp(f"{layer.name}/sizes")
    ctx.node("Shape", [x], [full])
    ctx.node(
        "Slice", [full, ctx.ints(f"{layer.name}/zero", [0]), ctx.ints(f"{layer.name}/one", [1]),
                  ctx.ints(f"{layer.name}/axis0", [0])], [kept],
    )
    rest = ctx.ints(f"{layer.name}/rest", [*shape[1:lead], *spatial])
    ctx.node("Concat", [kept, rest], [sizes], axis=0)
    return sizes


def _resize(
    ctx: Context, layer: Layer, x: str, shape: tuple[int, ...], spatial: tuple[int, ...], y: str, *, mode: str, coord: str
) -> None:
    """``Resize`` of the last ``len(spatial)`` axes of ``x`` to ``spatial``."""
    empty = ctx.const(f"{layer.name}/no_scales", np.zeros(0, F32))
    sizes = _sizes_input(ctx, layer, x, shape, spatial)
    extra = {"nearest_mode": "floor"} if mode == "nearest" else {}
    ctx.node("Resize", [x, "", empty, sizes], [y], mode=mode, coordinate_transformation_mode=coord, **extra)


# --- Upsample ---------------------------------------------------------------------------

SEGNET_FIELDS = ("scale_h", "scale_w", "pad_out_h", "pad_out_w", "upsample_h", "upsample_w")


@converter("Upsample")
def upsample(ctx: Context, layer: Layer) -> None:
    """Detects the variant from the bottoms and ``--fork``
    (:func:`caffe2trt_bn.ir.forks.fork_semantics`); where they cannot tell, asks for
    ``--fork``."""
    p = layer_params(layer, schema.UpsampleParameter)
    segnet_fields = [f for f in SEGNET_FIELDS if has(p, f)]
    if len(layer.tops) != 1 or len(layer.bottoms) not in (1, 2):
        raise ctx.refuse(layer, None, "Upsample takes one or two bottoms and one top")
    form = ctx.fork_semantics(layer)
    if form.value == "nearest":
        if segnet_fields:
            why = (
                "brocolli-caffe's Upsample (--fork brocolli) has no such field" if len(layer.bottoms) == 2
                else "is a field of SegNet's Upsample, which needs the pooling mask as a second bottom"
            )
            raise ctx.refuse(layer, segnet_fields[0], why)
        if len(layer.bottoms) == 2:
            ctx.notes.append(f"layer {layer.name!r}: Upsample as brocolli-caffe's nearest upsampling (bottom 2 not read)")
        _nearest(ctx, layer, p)
        return
    pooling = mask_source(ctx.graph, layer.inputs[1])
    if has(p, "dims_num"):
        raise ctx.refuse(layer, "dims_num", "is brocolli-caffe's field; SegNet's Upsample (two bottoms) has none")
    n, c, h, w = _four_d(ctx, layer, 0)
    if ctx.shape(layer, 1) != (n, c, h, w):
        raise ctx.refuse(layer, "bottom", f"the mask {ctx.shape(layer, 1)} must have the shape of the values {(n, c, h, w)}")
    if has(p, "upsample_h") and has(p, "upsample_w"):
        out_h, out_w = p.upsample_h, p.upsample_w
        if out_h <= 1 or out_w <= 1:
            raise ctx.refuse(layer, "upsample_h", "upsample_h and upsample_w must be greater than 1 (SegNet checks it)")
    else:
        if has(p, "scale_h") != has(p, "scale_w"):
            raise ctx.refuse(layer, "scale_h", "scale_h and scale_w go together")
        sh, sw = (p.scale_h, p.scale_w) if has(p, "scale_h") else ((p.scale, p.scale) if has(p, "scale") else (2, 2))
        if sh <= 1 or sw <= 1:
            raise ctx.refuse(layer, "scale", f"SegNet's Upsample needs scales greater than 1, not {(sh, sw)}")
        if (p.pad_out_h and sh != 2) or (p.pad_out_w and sw != 2):
            raise ctx.refuse(layer, "pad_out_h", "pad_out_h/pad_out_w need a scale of 2 (SegNet checks it)")
        out_h, out_w = h * sh - int(p.pad_out_h), w * sw - int(p.pad_out_w)
    ctx.notes.append(f"layer {layer.name!r}: Upsample as SegNet's max-unpooling with the mask {layer.bottoms[1]!r}")
    _unpool(ctx, layer, pooling, (out_h, out_w))


def _nearest(ctx: Context, layer: Layer, p: schema.UpsampleParameter) -> None:
    scale = p.scale if has(p, "scale") else 1
    dims_num = p.dims_num
    shape = ctx.shape(layer, 0)
    if scale < 1:
        raise ctx.refuse(layer, "scale", f"must be positive, not {scale}")
    if dims_num not in (3, 4) or len(shape) != dims_num:
        raise ctx.refuse(layer, "dims_num", f"dims_num {dims_num} upsamples {dims_num}-D blobs (3 or 4), this one is {shape}")
    axes = 2 if dims_num == 4 else 1
    spatial = tuple(d * scale for d in shape[-axes:])
    y = ctx.output(layer, 0, (*shape[:-axes], *spatial))
    _resize(ctx, layer, ctx.input(layer, 0), shape, spatial, y, mode="nearest", coord="asymmetric")


# --- max unpooling ----------------------------------------------------------------------


def _four_d(ctx: Context, layer: Layer, i: int) -> tuple[int, int, int, int]:
    shape = ctx.shape(layer, i)
    if len(shape) != 4:
        raise ctx.refuse(layer, "bottom", f"{layer.type} works on 4-D blobs, bottom {i} is {shape}")
    return shape


@converter("MaxUnPool")
def max_unpool(ctx: Context, layer: Layer) -> None:
    p = layer_params(layer, schema.MaxUnPoolParameter)
    if len(layer.bottoms) != 2 or len(layer.tops) != 1:
        raise ctx.refuse(layer, "bottom", "MaxUnPool takes two bottoms (values, mask) and one top")
    if not (has(p, "dst_h") and has(p, "dst_w")) or p.dst_h < 1 or p.dst_w < 1:
        raise ctx.refuse(layer, "dst_h", "dst_h and dst_w are required and positive")
    n, c, h, w = _four_d(ctx, layer, 0)
    if ctx.shape(layer, 1) != (n, c, h, w):
        # One mask index per value, as a MAX Pooling's mask top holds.
        raise ctx.refuse(layer, "bottom", f"the mask {ctx.shape(layer, 1)} must have the shape of the values {(n, c, h, w)}")
    _unpool(ctx, layer, mask_source(ctx.graph, layer.inputs[1]), (p.dst_h, p.dst_w))


def _unpool(ctx: Context, layer: Layer, pooling: Layer | None, out_hw: tuple[int, int]) -> None:
    """``out[mask[i]] = value[i]`` per plane (see the module docstring)."""
    n, c, h, w = ctx.shape(layer, 0)
    out_h, out_w = out_hw
    name = layer.name
    values, mask = ctx.input(layer, 0), ctx.input(layer, 1)
    window = None
    if pooling is not None:
        pin = ctx.shapes[pooling.inputs[0]]
        if pin[2] * pin[3] > out_h * out_w:
            raise ctx.refuse(
                layer, None, f"the mask indexes a {pin[2]}x{pin[3]} plane, more than the {out_h}x{out_w} output "
                "(Caffe stops at the first index out of range)"
            )
        window = _pool_window(pooling)
    if window is None:
        ctx.warn(
            layer, "unpool_order", f"the mask {layer.bottoms[1]!r} does not come from a MAX Pooling this exporter "
            "reads: where it holds an index twice, Caffe keeps the later value, and ONNX ScatterElements leaves "
            "the order to the runtime (ONNX Runtime writes in order, like Caffe)",
        )
    elif any(k > s for k, s in zip(window[0], window[1])):
        values = _last_of_duplicates(ctx, layer, values, mask, (n, c, h, w), window)
    index = ctx.temp(f"{name}/index")
    ctx.node("Cast", [mask], [index], to=7)  # INT64, as ScatterElements wants
    flat_index, flat_values = ctx.temp(f"{name}/flat_index"), ctx.temp(f"{name}/flat_values")
    plane = ctx.ints(f"{name}/plane", [0, 0, -1])
    ctx.node("Reshape", [index, plane], [flat_index])
    ctx.node("Reshape", [values, plane], [flat_values])
    zeros = ctx.temp(f"{name}/zeros")
    zeros_shape = _sizes_input(ctx, layer, values, (n, c, h * w), (out_h * out_w,))
    ctx.node("Expand", [ctx.const(f"{name}/zero_value", np.zeros((1, 1, 1), F32)), zeros_shape], [zeros])
    scattered = ctx.temp(f"{name}/scattered")
    ctx.node("ScatterElements", [zeros, flat_index, flat_values], [scattered], axis=2)
    y = ctx.output(layer, 0, (n, c, out_h, out_w))
    ctx.node("Reshape", [scattered, ctx.ints(f"{name}/out_shape", [0, c, out_h, out_w])], [y])


def _pool_window(pooling: Layer) -> tuple[tuple[int, int], tuple[int, int]] | None:
    """(kernel, stride) of a MAX Pooling, or None for a global one."""
    p = layer_params(pooling, schema.PoolingParameter)
    if p.global_pooling:
        return None
    kernel = (p.kernel_h, p.kernel_w) if has(p, "kernel_h") else (p.kernel_size, p.kernel_size)
    stride = (p.stride_h, p.stride_w) if has(p, "stride_h") else (p.stride, p.stride)
    return kernel, stride


def _last_of_duplicates(
    ctx: Context, layer: Layer, values: str, mask: str, shape: tuple[int, int, int, int],
    window: tuple[tuple[int, int], tuple[int, int]],
) -> str:
    """Each value replaced by that of the last pooled position (row-major) holding the
    same mask index: only windows less than ``ceil(k/s)`` apart can share one."""
    _, _, h, w = shape
    (kh, kw), (sh, sw) = window
    rh, rw = -(-kh // sh) - 1, -(-kw // sw) - 1
    name = layer.name
    pads = ctx.ints(f"{name}/dup_pads", [0, 0, 0, rw, 0, 0, rh, rw])
    padded_mask, padded_values = ctx.temp(f"{name}/dup_mask"), ctx.temp(f"{name}/dup_values")
    ctx.node("Pad", [mask, pads, ctx.const(f"{name}/dup_none", F32(-1))], [padded_mask], mode="constant")
    ctx.node("Pad", [values, pads], [padded_values], mode="constant")
    current = values
    for di in range(rh + 1):
        for dj in range(-rw, rw + 1):
            if di == 0 and dj <= 0:
                continue
            tag = f"{di}_{dj + rw}"
            starts = ctx.ints(f"{name}/dup_start{tag}", [di, dj + rw])
            ends = ctx.ints(f"{name}/dup_end{tag}", [di + h, dj + rw + w])
            axes = ctx.ints(f"{name}/dup_axes{tag}", [2, 3])
            later_mask, later_values = ctx.temp(f"{name}/later_mask{tag}"), ctx.temp(f"{name}/later_values{tag}")
            ctx.node("Slice", [padded_mask, starts, ends, axes], [later_mask])
            ctx.node("Slice", [padded_values, starts, ends, axes], [later_values])
            same, chosen = ctx.temp(f"{name}/same{tag}"), ctx.temp(f"{name}/chosen{tag}")
            ctx.node("Equal", [later_mask, mask], [same])
            ctx.node("Where", [same, later_values, current], [chosen])
            current = chosen
    return current


def pooling_mask(
    ctx: Context, layer: Layer, x: str, shape: tuple[int, ...], pooled: str, kernel: tuple[int, int],
    stride: tuple[int, int], pad: tuple[int, int], out_hw: tuple[int, int],
) -> None:
    """Declares Caffe's argmax mask top (top 1) of the MAX Pooling ``layer`` whose top 0
    is ``pooled`` (see the module docstring)."""
    n, c, h, w = shape
    oh, ow = out_hw
    (kh, kw), (sh, sw), (ph, pw) = kernel, stride, pad
    name = layer.name
    if h * w > 1 << 24:
        raise ctx.refuse(layer, "top", f"a mask of a {h}x{w} plane: Caffe's float mask holds exact indices up to 2^24 only")
    end_h, end_w = max(0, (oh - 1) * sh + kh - (h + 2 * ph)), max(0, (ow - 1) * sw + kw - (w + 2 * pw))
    hp, wp = h + 2 * ph + end_h, w + 2 * pw + end_w
    padded = ctx.temp(f"{name}/mask_input")
    ctx.node(
        "Pad", [x, ctx.ints(f"{name}/mask_pads", [0, 0, ph, pw, 0, 0, ph + end_h, pw + end_w]),
                ctx.const(f"{name}/mask_lowest", F32(LOWEST))], [padded], mode="constant",
    )
    index = np.full((hp, wp), -1, dtype=np.float32)
    index[ph : ph + h, pw : pw + w] = np.arange(h * w, dtype=np.float32).reshape(h, w)
    current = ctx.const(f"{name}/mask_none", np.full((1, 1, 1, 1), -1, F32))
    taps = [(i, j) for i in range(kh) for j in range(kw)]
    for k, (i, j) in enumerate(reversed(taps)):
        tap, same, chosen = ctx.temp(f"{name}/tap{k}"), ctx.temp(f"{name}/is_max{k}"), ctx.temp(f"{name}/argmax{k}")
        ctx.node(
            "Slice",
            [
                padded,
                ctx.ints(f"{name}/tap_start{k}", [i, j]),
                ctx.ints(f"{name}/tap_end{k}", [i + (oh - 1) * sh + 1, j + (ow - 1) * sw + 1]),
                ctx.ints(f"{name}/tap_axes{k}", [2, 3]),
                ctx.ints(f"{name}/tap_steps{k}", [sh, sw]),
            ],
            [tap],
        )
        ctx.node("Equal", [tap, pooled], [same])
        tap_index = index[i : i + (oh - 1) * sh + 1 : sh, j : j + (ow - 1) * sw + 1 : sw]
        last = k == len(taps) - 1
        out = ctx.output(layer, 1, (n, c, oh, ow)) if last else chosen
        ctx.node("Where", [same, ctx.const(f"{name}/tap_index{k}", tap_index[None, None]), current], [out])
        current = out


# --- bilinear layers --------------------------------------------------------------------


@converter("Interp")
def interp(ctx: Context, layer: Layer) -> None:
    p = layer_params(layer, schema.InterpParameter)
    if len(layer.tops) != 1 or len(layer.bottoms) not in (1, 2):
        raise ctx.refuse(layer, None, "Interp takes one or two bottoms and one top")
    n, c, h, w = _four_d(ctx, layer, 0)
    if p.pad_beg > 0 or p.pad_end > 0:
        raise ctx.refuse(layer, "pad_beg", "only non-positive pad_beg/pad_end (cropping), as Interp checks")
    in_h, in_w = h + p.pad_beg + p.pad_end, w + p.pad_beg + p.pad_end
    if in_h < 1 or in_w < 1:
        raise ctx.refuse(layer, "pad_beg", f"cropping leaves nothing of {(n, c, h, w)}")
    shrink, zoom = has(p, "shrink_factor"), has(p, "zoom_factor")
    if ctx.fork_semantics(layer).value == "bottom":
        out_h, out_w = ctx.shape(layer, 1)[2:4]
    elif shrink or zoom:
        if (shrink and p.shrink_factor < 1) or (zoom and p.zoom_factor < 1):
            raise ctx.refuse(layer, "shrink_factor" if shrink else "zoom_factor", "must be positive")
        out_h, out_w = in_h, in_w
        if shrink:
            out_h, out_w = (out_h - 1) // p.shrink_factor + 1, (out_w - 1) // p.shrink_factor + 1
        if zoom:
            out_h, out_w = out_h + (out_h - 1) * (p.zoom_factor - 1), out_w + (out_w - 1) * (p.zoom_factor - 1)
    elif has(p, "height") and has(p, "width"):
        out_h, out_w = p.height, p.width
    else:
        raise ctx.refuse(layer, "height", "gives no output size (zoom_factor, shrink_factor, or height and width)")
    if out_h < 1 or out_w < 1:
        raise ctx.refuse(layer, "height", f"output size {(out_h, out_w)} must be positive")
    x = ctx.input(layer, 0)
    if in_h != h or in_w != w:
        cropped = ctx.temp(f"{layer.name}/cropped")
        ctx.node(
            "Slice", [x, ctx.ints(f"{layer.name}/crop_start", [-p.pad_beg] * 2),
                      ctx.ints(f"{layer.name}/crop_end", [h + p.pad_end, w + p.pad_end]), ctx.ints(f"{layer.name}/crop_axes", [2, 3])],
            [cropped],
        )
        x = cropped
    y = ctx.output(layer, 0, (n, c, out_h, out_w))
    _resize(ctx, layer, x, (n, c, in_h, in_w), (out_h, out_w), y, mode="linear", coord="align_corners")


@converter("BilinearInterpolate")
def bilinear_interpolate(ctx: Context, layer: Layer) -> None:
    if len(layer.bottoms) != 1 or len(layer.tops) != 1:
        raise ctx.refuse(layer, None, "BilinearInterpolate takes one bottom and one top")
    p = layer_params(layer, schema.BilinearInterpolateParameter)
    n, c, h, w = _four_d(ctx, layer, 0)
    sized, scaled = has(p, "dst_h") or has(p, "dst_w"), has(p, "scale_factor")
    if sized == scaled:
        raise ctx.refuse(
            layer, "scale_factor", "give dst_h/dst_w or scale_factor, exactly one of them (otherwise Caffe leaves "
            "the output size undefined)"
        )
    if sized:
        out_h = p.dst_h if has(p, "dst_h") else h
        out_w = p.dst_w if has(p, "dst_w") else w
    else:
        out_h, out_w = _scaled_sides(ctx, layer, "scale_factor", (h, w), (p.scale_factor, p.scale_factor))
    if out_h < 1 or out_w < 1:
        raise ctx.refuse(layer, "dst_h", f"output size {(out_h, out_w)} must be positive")
    if p.align_corners and (out_h == 1 or out_w == 1) and (out_h, out_w) != (h, w):
        raise ctx.refuse(layer, "align_corners", "an output side of 1 divides by zero in Caffe's align_corners sampling")
    y = ctx.output(layer, 0, (n, c, out_h, out_w))
    coord = "align_corners" if p.align_corners else "half_pixel"
    _resize(ctx, layer, ctx.input(layer, 0), (n, c, h, w), (out_h, out_w), y, mode="linear", coord=coord)


def _scaled_sides(
    ctx: Context, layer: Layer, field_name: str, sides: tuple[int, int], scales: tuple[float, float]
) -> tuple[int, int]:
    """``int(side * scale)`` in float32 as the forks compute it; a product beyond Caffe's
    int range (or not finite) is refused."""
    with np.errstate(over="ignore", invalid="ignore"):
        products = [F32(side) * F32(scale) for side, scale in zip(sides, scales)]
    if not all(np.isfinite(v) and abs(v) <= 2**31 - 1 for v in products):
        raise ctx.refuse(layer, field_name, f"scales {list(scales)} make an output side beyond Caffe's int range")
    return int(products[0]), int(products[1])


@converter("Resize")
def resize(ctx: Context, layer: Layer) -> None:
    if len(layer.bottoms) != 1 or len(layer.tops) != 1:
        raise ctx.refuse(layer, None, "Resize takes one bottom and one top")
    p = layer_params(layer, schema.ResizeParameter)
    n, c, h, w = _four_d(ctx, layer, 0)
    if p.is_pyramid_test:
        if not (has(p, "out_height_scale") and has(p, "out_width_scale")):
            raise ctx.refuse(layer, "out_height_scale", "is_pyramid_test needs out_height_scale and out_width_scale")
        out_h, out_w = _scaled_sides(ctx, layer, "out_height_scale", (h, w), (p.out_height_scale, p.out_width_scale))
    else:
        if not (has(p, "height") and has(p, "width")):
            raise ctx.refuse(layer, "height", "height and width are required (Caffe checks them)")
        out_h, out_w = p.height, p.width
    if out_h < 1 or out_w < 1 or h < 1 or w < 1:
        raise ctx.refuse(layer, "height", f"input size {(h, w)} and output size {(out_h, out_w)} must be positive")
    name = layer.name
    padded, resized = ctx.temp(f"{name}/padded"), ctx.temp(f"{name}/resized")
    ctx.node("Pad", [ctx.input(layer, 0), ctx.ints(f"{name}/pads", [0, 0, 0, 0, 0, 0, 1, 1])], [padded], mode="constant")
    scales = ctx.const(f"{name}/scales", np.array([1, 1, out_h / h, out_w / w], F32))
    ctx.node("Resize", [padded, "", scales], [resized], mode="linear", coordinate_transformation_mode="asymmetric")
    y = ctx.output(layer, 0, (n, c, out_h, out_w))
    ctx.node(
        "Slice", [resized, ctx.ints(f"{name}/start", [0, 0]), ctx.ints(f"{name}/end", [out_h, out_w]),
                  ctx.ints(f"{name}/axes", [2, 3])], [y],
    )
