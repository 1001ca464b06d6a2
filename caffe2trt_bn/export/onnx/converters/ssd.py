"""The SSD layers (weiliu89's Caffe and the forks that copied it): Normalize, Permute,
PriorBox and DetectionOutput, in standard ONNX ops only (TensorRT 11 has no SSD plugins).

* Normalize: ``x / sqrt(sum x^2 + eps)`` over C*H*W per item (``across_spatial``, the
  default) or over C per pixel, then times the learned scale (one value with
  ``channel_shared``, the default, else one per channel); eps inside the root.
* Permute: ONNX ``Transpose``; the axes ``order`` does not list follow in increasing
  order.
* PriorBox: its top depends on shapes only, so it is a constant computed here exactly as
  the C++ computes it (:func:`prior_boxes`).  ``clip`` defaults to false in weiliu89's SSD
  and to true in brocolli-caffe: a PriorBox that does not write it follows weiliu89 (or
  ``--fork brocolli``) with a warning unless a ``--fork`` was chosen
  (:func:`caffe2trt_bn.ir.forks.fork_semantics` decides, as for DetectionOutput without
  ``nms_param``).
* DetectionOutput: see :func:`detection_output`; ``--ssd-head cut`` leaves it out and
  makes its three bottoms the graph outputs.
"""

from __future__ import annotations

import math

import numpy as np

from ....ir import schema
from ....ir.graph import Layer
from ..context import Context, channel_shape
from ..params import has, layer_params
from ..registry import converter
from .normalization import reduce

F32 = np.float32


@converter("Normalize")
def normalize(ctx: Context, layer: Layer) -> None:
    if len(layer.bottoms) != 1 or len(layer.tops) != 1:
        raise ctx.refuse(layer, None, "Normalize takes one bottom and one top")
    p = layer_params(layer, schema.NormalizeParameter)
    shape = ctx.shape(layer, 0)
    if not 2 <= len(shape) <= 4:
        raise ctx.refuse(layer, None, f"Normalize reads 2-D to 4-D blobs (Caffe's legacy shape), this one is {shape}")
    channels = shape[1]
    scale_shape = (1,) if p.channel_shared else channel_shape(channels, len(shape))
    scale = ctx.weight(layer, 0, scale_shape)
    name = layer.name
    x = ctx.input(layer, 0)
    axes = list(range(1, len(shape))) if p.across_spatial else [1]
    squares, total, norm, unit = (ctx.temp(f"{name}/{s}") for s in ("sum_sq", "sum_eps", "norm", "unit"))
    reduce(ctx, layer, "ReduceSumSquare", x, axes, True, squares)
    ctx.node("Add", [squares, ctx.const(f"{name}/eps", F32(p.eps))], [total])
    ctx.node("Sqrt", [total], [norm])
    ctx.node("Div", [x, norm], [unit])
    ctx.node("Mul", [unit, scale], [ctx.output(layer, 0, shape)])


def permute_order(ctx: Context, layer: Layer, rank: int) -> list[int]:
    """Caffe's full axis order of a Permute layer (listed axes, then the others)."""
    order = [int(a) for a in layer_params(layer, schema.PermuteParameter).order]
    if any(a >= rank for a in order):
        raise ctx.refuse(layer, "order", f"axes {order} must be less than the {rank} axes of the bottom")
    if len(set(order)) != len(order):
        raise ctx.refuse(layer, "order", f"{order} repeats an axis (Caffe refuses it)")
    return order + [a for a in range(rank) if a not in order]


@converter("Permute")
def permute(ctx: Context, layer: Layer) -> None:
    if len(layer.bottoms) != 1 or len(layer.tops) != 1:
        raise ctx.refuse(layer, None, "Permute takes one bottom and one top")
    shape = ctx.shape(layer, 0)
    perm = permute_order(ctx, layer, len(shape))
    out = tuple(shape[a] for a in perm)
    ctx.node("Transpose", [ctx.input(layer, 0)], [ctx.output(layer, 0, out)], perm=perm)


# --- PriorBox ---------------------------------------------------------------------------


@np.errstate(over="ignore", invalid="ignore")  # boxes beyond float32 are refused as non-finite constants
def prior_boxes(
    p: schema.PriorBoxParameter, layer_hw: tuple[int, int], image_hw: tuple[int, int] | None, clip: bool
) -> tuple[np.ndarray, str | None]:
    """PriorBox's top ``(1, 2, H*W*P*4)`` as its C++ computes it (float32 where it keeps
    floats, double where it divides by 2. and by the image size, sizes truncated to int),
    or ``(empty, problem)`` when Caffe would refuse the parameters (problem names the
    field first: ``"field: why"``)."""
    largest = float(np.finfo(F32).max)
    for name in ("min_size", "max_size", "aspect_ratio", "variance", "step", "step_h", "step_w", "offset"):
        values = getattr(p, name)
        for v in values if isinstance(values, (tuple, list)) else (values,):
            if not (math.isfinite(v) and abs(v) <= largest):
                return np.zeros(0, F32), f"{name}: {v} is not a finite float32 value"
    mins = [float(F32(s)) for s in p.min_size]
    maxs = [float(F32(s)) for s in p.max_size]
    if not mins:
        return np.zeros(0, F32), "min_size: at least one is required"
    if any(s <= 0 for s in mins):
        return np.zeros(0, F32), "min_size: must be positive"
    if maxs and len(maxs) != len(mins):
        return np.zeros(0, F32), "max_size: one per min_size"
    if any(b <= a for a, b in zip(mins, maxs)):
        return np.zeros(0, F32), "max_size: must be greater than min_size"
    if any(a <= 0 for a in p.aspect_ratio):
        return np.zeros(0, F32), "aspect_ratio: must be positive (Caffe would make boxes of NaN)"
    ratios = [F32(1.0)]
    for ar in (F32(a) for a in p.aspect_ratio):
        if any(abs(float(ar) - float(r)) < 1e-6 for r in ratios):
            continue
        ratios.append(ar)
        if p.flip:
            ratios.append(F32(1.0 / float(ar)))
    variance = [float(F32(v)) for v in p.variance]
    if len(variance) > 1 and len(variance) != 4:
        return np.zeros(0, F32), "variance: give one or four values"
    if any(v <= 0 for v in variance):
        return np.zeros(0, F32), "variance: must be positive"
    if has(p, "img_h") or has(p, "img_w"):
        if has(p, "img_size"):
            return np.zeros(0, F32), "img_size: either img_size or img_h/img_w, not both"
        if p.img_h <= 0 or p.img_w <= 0:
            return np.zeros(0, F32), "img_h: img_h and img_w must both be positive"
        img_h, img_w = p.img_h, p.img_w
    elif has(p, "img_size"):
        if p.img_size <= 0:
            return np.zeros(0, F32), "img_size: must be positive"
        img_h = img_w = p.img_size
    elif image_hw is None:
        return np.zeros(0, F32), "img_size: without img_size or img_h/img_w, PriorBox reads the image size from a second bottom"
    else:
        img_h, img_w = image_hw
    if has(p, "step_h") or has(p, "step_w"):
        if has(p, "step"):
            return np.zeros(0, F32), "step: either step or step_h/step_w, not both"
        if not (p.step_h > 0 and p.step_w > 0):
            return np.zeros(0, F32), "step_h: step_h and step_w must both be positive"
        step_h, step_w = F32(p.step_h), F32(p.step_w)
    elif has(p, "step"):
        if not p.step > 0:
            return np.zeros(0, F32), "step: must be positive"
        step_h = step_w = F32(p.step)
    else:
        lh, lw = layer_hw
        step_h, step_w = F32(img_h) / F32(lh), F32(img_w) / F32(lw)
    offset = F32(p.offset)
    sizes: list[tuple[float, float]] = []  # (box_width, box_height) as the float C++ keeps
    for s, min_size in enumerate(mins):
        m = int(min_size)
        sizes.append((float(F32(m)), float(F32(m))))
        if maxs:
            side = float(F32(math.sqrt(m * int(maxs[s]))))
            sizes.append((side, side))
        for ar in ratios[1:]:
            if abs(float(ar) - 1.0) < 1e-6:
                continue
            root = F32(np.sqrt(ar))
            with np.errstate(over="ignore"):  # a box beyond float32: refused below
                sizes.append((float(F32(m) * root), float(F32(m) / root)))
    if not all(math.isfinite(w) and math.isfinite(h) for w, h in sizes):
        return np.zeros(0, F32), "min_size: with aspect_ratio, a box size overflows float32"
    lh, lw = layer_hw
    cx = (np.arange(lw, dtype=F32) + offset) * step_w  # float32, as the C++
    cy = (np.arange(lh, dtype=F32) + offset) * step_h
    bw = np.array([w for w, _ in sizes]) / 2.0
    bh = np.array([h for _, h in sizes]) / 2.0
    cx64, cy64 = cx.astype(np.float64)[None, :, None], cy.astype(np.float64)[:, None, None]
    boxes = np.empty((lh, lw, len(sizes), 4))
    boxes[..., 0] = (cx64 - bw) / img_w
    boxes[..., 1] = (cy64 - bh) / img_h
    boxes[..., 2] = (cx64 + bw) / img_w
    boxes[..., 3] = (cy64 + bh) / img_h
    top = np.empty((2, boxes.size), F32)
    top[0] = boxes.astype(F32).ravel()
    if clip:
        top[0] = np.clip(top[0], F32(0), F32(1))
    four = variance if len(variance) == 4 else [variance[0] if variance else 0.1] * 4
    top[1] = np.tile(np.array(four, F32), boxes.size // 4)
    return top[None], None


@converter("PriorBox")
def prior_box(ctx: Context, layer: Layer) -> None:
    if len(layer.bottoms) not in (1, 2) or len(layer.tops) != 1:
        raise ctx.refuse(layer, None, "PriorBox takes one or two bottoms (feature map, image) and one top")
    p = layer_params(layer, schema.PriorBoxParameter)
    feature = ctx.shape(layer, 0)
    if len(feature) != 4:
        raise ctx.refuse(layer, "bottom", f"PriorBox reads a 4-D feature map, bottom 0 is {feature}")
    image = ctx.shape(layer, 1) if len(layer.bottoms) == 2 else None
    if image is not None and len(image) != 4:
        raise ctx.refuse(layer, "bottom", f"PriorBox reads the image size from a 4-D bottom, bottom 1 is {image}")
    clip = bool(ctx.fork_semantics(layer).value)
    top, problem = prior_boxes(p, (feature[2], feature[3]), None if image is None else (image[2], image[3]), clip)
    if problem is not None:
        field, why = problem.split(": ", 1)
        raise ctx.refuse(layer, field, why)
    y = ctx.output(layer, 0, top.shape)
    ctx.node("Identity", [ctx.const(f"{layer.name}/priors", top)], [y])



# --- DetectionOutput --------------------------------------------------------------------


class _Graph:
    """Node-writing shorthand for the DetectionOutput subgraph (every tensor named after
    the layer)."""

    def __init__(self, ctx: Context, layer: Layer) -> None:
        self.ctx, self.layer, self.name = ctx, layer, layer.name

    def op(self, op_type: str, inputs: list[str], hint: str, **attributes: object) -> str:
        out = self.ctx.temp(f"{self.name}/{hint}")
        self.ctx.node(op_type, inputs, [out], **attributes)
        return out

    def ints(self, hint: str, values: list[int]) -> str:
        return self.ctx.ints(f"{self.name}/{hint}", values)

    def const(self, hint: str, values: object, dtype: object = F32) -> str:
        return self.ctx.const(f"{self.name}/{hint}", values, dtype)

    def slice(self, x: str, start: int, end: int, axis: int, hint: str) -> str:
        return self.op("Slice", [x, self.ints(f"{hint}_s", [start]), self.ints(f"{hint}_e", [end]), self.ints(f"{hint}_a", [axis])], hint)

    def reshape(self, x: str, dims: list[int], hint: str) -> str:
        return self.op("Reshape", [x, self.ints(f"{hint}_shape", dims)], hint)


#: The most NMS steps unrolled while ``eta`` still changes the threshold.
MAX_ADAPTIVE_STEPS = 32


def _nms_schedule(t0: float, eta: float) -> list[float]:
    """The IoU thresholds weiliu89's adaptive NMS compares with once 1, 2, ... boxes are
    kept (float32, as the C++ keeps them), up to the first that no longer changes."""
    t, e = F32(t0), F32(eta)
    schedule: list[float] = []
    while True:
        nxt = t * e if (e < 1 and t > 0.5) else t
        if schedule and float(nxt) == schedule[-1]:
            return schedule
        schedule.append(float(nxt))
        t = nxt


@converter("DetectionOutput")
def detection_output(ctx: Context, layer: Layer) -> None:
    """SSD's DetectionOutput in standard ONNX ops, with Caffe's rows and row order.

    1. Decode every prior (CENTER_SIZE, CORNER, CORNER_SIZE; the variances of the prior
       blob unless ``variance_encoded_in_target``), no clipping.
    2. Per image and foreground class, the candidates sorted by score (``TopK``: ties keep
       the lower prior first, as Caffe's stable sort), cut to ``nms_param.top_k``.
    3. ``NonMaxSuppression`` per (image, class) with the confidence threshold (strictly
       greater) and the IoU threshold (kept while IoU <= threshold).  ``eta`` < 1 lowers
       the threshold after each kept box while it is above 0.5: the first steps, where it
       still changes, are unrolled before a final ``NonMaxSuppression``.
    4. ``keep_top_k``: the best over all classes of an image (``TopK`` + ``ScatterElements``).
    5. Rows ``[image, label, score, xmin, ymin, xmax, ymax]`` in the table's order (image,
       label ascending, score descending): Caffe's order; the kept rows gathered with
       ``NonZero``.  When no image has a row, the top is one ``[i, -1, ...]`` row per image.

    The top is ``(1, 1, rows, 7)``; ``rows`` is a symbolic dimension of the ONNX output.
    """
    if len(layer.bottoms) != 3 or len(layer.tops) != 1:
        raise ctx.refuse(layer, "bottom", "DetectionOutput takes three bottoms (loc, conf, priors) and one top")
    if ctx.options.ssd_head == "cut":
        readers = [r.name for v in layer.outputs for r in ctx.graph.readers_of(v)]
        if readers:
            raise ctx.refuse(layer, "top", f"--ssd-head cut removes this layer, but {readers[0]!r} reads its top")
        ctx.cut(layer)
        ctx.notes.append(f"layer {layer.name!r}: DetectionOutput cut (--ssd-head cut): its bottoms are graph outputs")
        return
    p = layer_params(layer, schema.DetectionOutputParameter)
    if not has(p, "num_classes") or p.num_classes < 1:
        raise ctx.refuse(layer, "num_classes", "is required and positive")
    classes = p.num_classes
    share = p.share_location
    background = p.background_label_id
    if share and background == -1:
        raise ctx.refuse(layer, "background_label_id", "-1 with share_location true: Caffe finds no shared boxes and stops")
    loc_s, conf_s, pri_s = (ctx.shape(layer, i) for i in range(3))
    if len(pri_s) != 3 or pri_s[1] != 2 or pri_s[2] % 4:
        raise ctx.refuse(layer, "bottom", f"the priors must be PriorBox's (1, 2, P*4), not {pri_s}")
    priors = pri_s[2] // 4
    loc_classes = 1 if share else classes
    if len(loc_s) < 2 or loc_s[1] != priors * loc_classes * 4 or math.prod(loc_s[2:]) != 1:
        raise ctx.refuse(layer, "bottom", f"loc {loc_s} must hold {priors}*{loc_classes}*4 values per image")
    if len(conf_s) < 2 or conf_s[1] != priors * classes or math.prod(conf_s[2:]) != 1 or conf_s[0] != loc_s[0]:
        raise ctx.refuse(layer, "bottom", f"conf {conf_s} must hold {priors}*{classes} values per image of loc's batch")
    if p.code_type not in ("CENTER_SIZE", "CORNER", "CORNER_SIZE"):
        raise ctx.refuse(layer, "code_type", f"{p.code_type} is not a code type")
    nms: tuple[list[float], int] | None = None  # brocolli-caffe without nms_param: every prior of every class
    if ctx.fork_semantics(layer).value:
        q = p.nms_param  # its defaults where it is not written (weiliu89's SSD)
        if q.nms_threshold < 0 or not 0 < q.eta <= 1:
            raise ctx.refuse(layer, "nms_threshold", "nms_threshold must be >= 0 and eta in (0, 1] (Caffe checks them)")
        nms = (_nms_schedule(q.nms_threshold, q.eta), q.top_k if has(q, "top_k") else -1)
    threshold = float(F32(p.confidence_threshold)) if has(p, "confidence_threshold") and nms is not None else None
    foreground = [c for c in range(classes) if c != background]
    keep_top_k = p.keep_top_k
    top_k = nms[1] if nms is not None else -1
    batch = loc_s[0]
    g = _Graph(ctx, layer)
    y_shape = (1, 1, 1, 7)
    y = ctx.output(layer, 0, y_shape, symbolic={2: f"{layer.tops[0]}_rows"})
    images = _image_index(ctx, g, batch)
    if not foreground or keep_top_k == 0 or top_k == 0:
        # nms_param.top_k 0 keeps no candidate of any class (Caffe resizes the list to 0).
        _finish(g, None, images, batch, y)
        return
    fg = len(foreground)
    k1 = priors if top_k < 0 or top_k >= priors else top_k
    if k1 >= 3840 or (keep_top_k > 0 and keep_top_k >= 3840):
        ctx.warn(
            layer, "tensorrt_topk", f"sorts {k1} candidates per class (keep_top_k {keep_top_k}): TensorRT's TopK takes "
            "K < 3840; set nms_param.top_k/keep_top_k lower to build it with TensorRT",
        )
    boxes = _decode(ctx, g, p, loc_classes, priors)  # (N, P, Lc, 4)
    scores = g.op("Transpose", [g.reshape(ctx.input(layer, 1), [0, priors, classes], "conf")], "conf_cp", perm=[0, 2, 1])
    if fg != classes:
        scores = g.op("Gather", [scores, g.ints("foreground", foreground)], "fg_scores", axis=1)
    cut = 0 < keep_top_k < fg * k1
    if nms is None and not cut:
        # brocolli-caffe without nms_param: every prior, each class's rows in prior order
        per_class = g.op("Transpose", [boxes], "class_boxes", perm=[0, 2, 1, 3])
        if share:
            per_class = g.op("Expand", [per_class, g.ints("fg_expand", [1, fg, 1, 1])], "fg_boxes")
        elif fg != classes:
            per_class = g.op("Gather", [per_class, g.ints("fg_loc", foreground)], "fg_boxes", axis=1)
        _rows(g, per_class, scores, g.op("Equal", [scores, scores], "kept"), images, foreground, batch, y)
        return
    values, index = (ctx.temp(f"{g.name}/top_scores"), ctx.temp(f"{g.name}/top_index"))
    ctx.node("TopK", [scores, g.ints("k1", [k1])], [values, index], axis=2, largest=1, sorted=1)
    if share:
        flat = g.reshape(boxes, [0, priors, 4], "shared_boxes")
        picked = g.op("GatherND", [flat, g.reshape(index, [0, -1, 1], "pick")], "picked", batch_dims=1)
        cand = g.reshape(picked, [0, fg, k1, 4], "cand_boxes")
    else:
        per_class = g.op("Transpose", [boxes], "class_boxes", perm=[0, 2, 1, 3])
        if fg != classes:
            per_class = g.op("Gather", [per_class, g.ints("fg_loc", foreground)], "fg_boxes", axis=1)
        cand = g.op("GatherND", [per_class, g.op("Unsqueeze", [index, g.ints("last", [-1])], "pick")], "cand_boxes", batch_dims=2)
    if nms is None:
        kept = g.op("Equal", [values, values], "kept")
    else:
        schedule = nms[0][: k1 + 1]  # past k1 kept boxes no candidate is left
        if len(schedule) > MAX_ADAPTIVE_STEPS + 1:
            raise ctx.refuse(
                layer, "eta", f"the threshold changes over {len(schedule) - 1} kept boxes; the exporter unrolls at most "
                f"{MAX_ADAPTIVE_STEPS} (lower nms_threshold or nms_param.top_k, or raise eta)"
            )
        kept = _suppress(ctx, g, cand, values, k1, fg, schedule, threshold)
    if cut:
        kept = _keep_best(g, kept, values, fg * k1, keep_top_k)
    _rows(g, cand, values, kept, images, foreground, batch, y)


def _rows(g: _Graph, cand: str, values: str, kept: str, images: str, foreground: list[int], batch: int, y: str) -> None:
    """The top from the table of candidates ``(N, C', K)`` (boxes, scores, kept): the kept
    rows ``[image, label, score, box]`` in the table's order."""
    score4 = g.op("Unsqueeze", [values, g.ints("axis3", [3])], "score4")
    like = g.op("Shape", [score4], "row_shape")
    image_col = g.op("Expand", [g.reshape(images, [-1, 1, 1, 1], "image4"), like], "image_col")
    labels = g.const("labels", np.array(foreground, F32).reshape(1, len(foreground), 1, 1))
    label_col = g.op("Expand", [labels, like], "label_col")
    table = g.op("Concat", [image_col, label_col, score4, cand], "table", axis=3)
    rows = g.reshape(table, [-1, 7], "rows")
    where = g.op("NonZero", [g.reshape(kept, [-1], "kept_flat")], "kept_where")
    chosen = g.op("Gather", [rows, g.reshape(where, [-1], "kept_rows")], "chosen", axis=0)
    _finish(g, (chosen, where), images, batch, y)


def _image_index(ctx: Context, g: _Graph, batch: int) -> str:
    """The image ids ``0..N-1`` as a float (N,) tensor (read from loc's shape with a
    dynamic batch)."""
    if not ctx.options.dynamic_batch:
        return g.const("images", np.arange(batch, dtype=F32))
    scalar = g.ints("scalar", [])  # Range takes 0-d inputs: 1-element vectors reshaped to ()
    n = g.op("Reshape", [g.slice(g.op("Shape", [ctx.input(g.layer, 0)], "loc_shape"), 0, 1, 0, "n_vec1"), scalar], "n")
    start = g.op("Reshape", [g.ints("start", [0]), scalar], "start0")
    step = g.op("Reshape", [g.ints("step", [1]), scalar], "step1")
    count = g.op("Range", [start, n, step], "image_ids")
    return g.op("Cast", [count], "images", to=1)


def _finish(g: _Graph, chosen: tuple[str, str] | None, images: str, batch: int, y: str) -> None:
    """The top: the chosen rows, followed by one ``[i, -1, ...]`` row per image when no
    row was chosen (Caffe's output then), shaped (1, 1, rows, 7)."""
    empty = g.op(
        "Concat", [g.reshape(images, [-1, 1], "image_rows"),
                   g.op("Expand", [g.const("minus_one", np.full((1, 6), -1, F32)),
                                   g.op("Concat", [g.op("Shape", [images], "n_vec"), g.ints("six", [6])], "pad_shape", axis=0)],
                        "minus_ones")],
        "empty_rows", axis=1,
    )
    if chosen is None:
        g.ctx.node("Reshape", [empty, g.ints("out_shape", [1, 1, -1, 7])], [y])
        return
    rows, where = chosen
    count = g.slice(g.op("Shape", [where], "where_shape"), 1, 2, 0, "count")
    none = g.op("Cast", [g.op("Equal", [count, g.ints("no_rows", [0])], "none")], "none_i", to=7)
    end = g.op("Mul", [none, g.op("Shape", [images], "n_images")], "empty_end")
    fallback = g.op("Slice", [empty, g.ints("first", [0]), end, g.ints("axis0", [0])], "fallback")
    both = g.op("Concat", [rows, fallback], "all_rows", axis=0)
    g.ctx.node("Reshape", [both, g.ints("out_shape", [1, 1, -1, 7])], [y])


def _decode(ctx: Context, g: _Graph, p: schema.DetectionOutputParameter, loc_classes: int, priors: int) -> str:
    """The decoded boxes ``(N, P, Lc, 4)`` (xmin, ymin, xmax, ymax), each float operation
    in the C++'s order."""
    loc = g.reshape(ctx.input(g.layer, 0), [0, priors, loc_classes, 4], "loc")
    pri = g.reshape(ctx.input(g.layer, 2), [2, priors, 1, 4], "priors") if ctx.shape(g.layer, 2)[0] == 1 else g.reshape(
        g.slice(ctx.input(g.layer, 2), 0, 1, 0, "first_priors"), [2, priors, 1, 4], "priors"
    )
    box = g.reshape(g.slice(pri, 0, 1, 0, "prior_box"), [priors, 1, 4], "prior_boxes")
    var = g.reshape(g.slice(pri, 1, 2, 0, "prior_var"), [priors, 1, 4], "prior_vars")
    lo, hi = g.slice(box, 0, 2, 2, "prior_lo"), g.slice(box, 2, 4, 2, "prior_hi")
    d_lo, d_hi = g.slice(loc, 0, 2, 3, "d_lo"), g.slice(loc, 2, 4, 3, "d_hi")
    vit = p.variance_encoded_in_target
    if not vit:
        d_lo = g.op("Mul", [g.slice(var, 0, 2, 2, "var_lo"), d_lo], "vd_lo")
        d_hi = g.op("Mul", [g.slice(var, 2, 4, 2, "var_hi"), d_hi], "vd_hi")
    code = p.code_type
    if code == "CORNER":
        out_lo, out_hi = g.op("Add", [lo, d_lo], "xy_min"), g.op("Add", [hi, d_hi], "xy_max")
    else:
        size = g.op("Sub", [hi, lo], "prior_size")
        if code == "CORNER_SIZE":
            out_lo = g.op("Add", [lo, g.op("Mul", [d_lo, size], "off_lo")], "xy_min")
            out_hi = g.op("Add", [hi, g.op("Mul", [d_hi, size], "off_hi")], "xy_max")
        else:
            half = g.const("half", F32(0.5))
            center = g.op("Mul", [g.op("Add", [lo, hi], "prior_sum"), half], "prior_center")
            c = g.op("Add", [g.op("Mul", [d_lo, size], "shift"), center], "center")
            wh = g.op("Mul", [g.op("Exp", [d_hi], "growth"), size], "wh")
            half_wh = g.op("Mul", [wh, half], "half_wh")
            out_lo, out_hi = g.op("Sub", [c, half_wh], "xy_min"), g.op("Add", [c, half_wh], "xy_max")
    return g.op("Concat", [out_lo, out_hi], "boxes", axis=3)


def _suppress(
    ctx: Context, g: _Graph, cand: str, values: str, k1: int, fg: int, schedule: list[float], threshold: float | None
) -> str:
    """The kept candidates ``(N, C', K1)`` (bool) after Caffe's greedy NMS.

    Caffe's IoU of a box whose xmax < xmin or ymax < ymin (a CORNER code can decode one)
    is 0 with every box, where ONNX NMS would swap its corners: such a box enters NMS
    collapsed to the point (xmin, ymin), whose IoU is 0 everywhere too."""
    lo, hi = g.slice(cand, 0, 2, 3, "cand_lo"), g.slice(cand, 2, 4, 3, "cand_hi")
    narrowest = g.ctx.temp(f"{g.name}/narrowest")
    reduce(g.ctx, g.layer, "ReduceMin", g.op("Sub", [hi, lo], "cand_size"), [3], True, narrowest)
    inverted = g.op("Less", [narrowest, g.const("zero_size", F32(0))], "inverted")
    point = g.op("Concat", [lo, lo], "cand_point", axis=3)
    boxes = g.reshape(g.op("Where", [inverted, point, cand], "nms_cand"), [-1, k1, 4], "nms_boxes")
    scores2 = g.reshape(values, [-1, k1], "nms_scores2")
    pre_kept = None
    if len(schedule) > 1:
        scores2, pre_kept = _adaptive_steps(g, boxes, scores2, k1, schedule, threshold)
    lowest = float(np.finfo(F32).min)
    inputs = [boxes, g.op("Unsqueeze", [scores2, g.ints("axis1", [1])], "nms_scores"), g.ints("max_boxes", [k1]),
              g.const("iou", np.array([min(schedule[-1], 1.0)], F32))]  # an IoU never exceeds 1: same decisions
    floor = threshold if threshold is not None else (lowest if pre_kept is not None else None)
    if floor is not None:
        inputs.append(g.const("score_floor", np.array([floor], F32)))
    selected = g.op("NonMaxSuppression", inputs, "selected", center_point_box=0)
    pairs = g.op("Gather", [selected, g.ints("batch_box", [0, 2])], "selected_pairs", axis=1)
    ones = g.op("Expand", [g.const("one", np.ones(1, F32)), g.slice(g.op("Shape", [selected], "sel_shape"), 0, 1, 0, "sel_count")], "ones")
    zeros = g.op("Expand", [g.const("zero_f", np.zeros((1, 1), F32)), g.op("Shape", [scores2], "b_shape")], "zeros")
    marks = g.op("ScatterND", [zeros, pairs, ones], "marks")
    if pre_kept is not None:
        marks = g.op("Add", [marks, pre_kept], "all_marks")
    kept = g.op("Greater", [marks, g.const("half_mark", F32(0.5))], "kept2")
    return g.op("Reshape", [kept, g.op("Shape", [values], "v_shape")], "kept")


def _adaptive_steps(
    g: _Graph, boxes: str, scores2: str, k1: int, schedule: list[float], threshold: float | None
) -> tuple[str, str]:
    """The boxes kept while eta still lowers the threshold, as Caffe picks them one by
    one; returns the scores with every decided candidate masked out (for the final NMS
    at the stable threshold) and the kept marks (B, K1).

    ``schedule[k]`` is the threshold once k + 1 boxes are kept; the last is the stable
    one.  All ``len(schedule)`` boxes are picked here, so that a candidate left for the
    final NMS has been compared with every kept box at the stable threshold (the final
    NMS compares the candidates with each other only)."""
    lowest = F32(np.finfo(F32).min)
    pos = g.const("positions", np.arange(k1, dtype=F32).reshape(1, k1))
    valid = g.op("Greater", [scores2, g.const("conf_floor", F32(threshold) if threshold is not None else lowest)], "valid")
    valid_f = g.op("Cast", [valid], "valid_f", to=1)
    x1, y1, x2, y2 = (g.slice(boxes, i, i + 1, 2, f"c{i}") for i in range(4))
    area = g.op(
        "Mul", [g.op("Relu", [g.op("Sub", [x2, x1], "w")], "w0"), g.op("Relu", [g.op("Sub", [y2, y1], "h")], "h0")], "area"
    )
    maxiou = None
    marks = None
    eligible_f = valid_f
    count = len(schedule)
    for k in range(count):
        # candidate k+1: the first eligible one (eligible: valid, after the last kept, IoU
        # with every kept box <= the threshold in force)
        first = g.op("ArgMax", [eligible_f], f"first{k}", axis=1, keepdims=1, select_last_index=0)
        found = g.op("ReduceMax", [eligible_f], f"found{k}", keepdims=1, axes=[1]) if g.ctx.opset < 18 else g.op(
            "ReduceMax", [eligible_f, g.ints(f"axes{k}", [1])], f"found{k}", keepdims=1
        )
        where = g.op("Where", [g.op("Greater", [found, g.const(f"half{k}", F32(0.5))], f"has{k}"),
                               g.op("Cast", [first], f"first_f{k}", to=1), g.const(f"none{k}", F32(k1))], f"pick{k}")
        chosen = g.op("Cast", [g.op("Equal", [pos, where], f"one_hot{k}")], f"mark{k}", to=1)
        marks = chosen if marks is None else g.op("Add", [marks, chosen], f"marks{k}")
        # IoU of every candidate with the new kept box, as Caffe's JaccardOverlap
        gather_at = g.op("Expand", [g.op("Unsqueeze", [g.op("Cast", [where], f"pick_i{k}", to=7), g.ints(f"ax2_{k}", [2])], f"pick3_{k}"),
                                    g.ints(f"pick_shape{k}", [1, 1, 4])], f"at{k}")
        safe = g.op("Min", [gather_at, g.const(f"last{k}", np.array(k1 - 1, np.int64), np.int64)], f"at_safe{k}")
        kept_box = g.op("GatherElements", [boxes, safe], f"kept_box{k}", axis=1)
        kx1, ky1, kx2, ky2 = (g.slice(kept_box, i, i + 1, 2, f"k{k}_{i}") for i in range(4))
        iw = g.op("Sub", [g.op("Min", [x2, kx2], f"ix2_{k}"), g.op("Max", [x1, kx1], f"ix1_{k}")], f"iw{k}")
        ih = g.op("Sub", [g.op("Min", [y2, ky2], f"iy2_{k}"), g.op("Max", [y1, ky1], f"iy1_{k}")], f"ih{k}")
        inter = g.op("Mul", [g.op("Relu", [iw], f"iw0_{k}"), g.op("Relu", [ih], f"ih0_{k}")], f"inter{k}")
        kept_area = g.op("Mul", [g.op("Relu", [g.op("Sub", [kx2, kx1], f"kw{k}")], f"kw0{k}"),
                                 g.op("Relu", [g.op("Sub", [ky2, ky1], f"kh{k}")], f"kh0{k}")], f"karea{k}")
        union = g.op("Sub", [g.op("Add", [area, kept_area], f"sum_area{k}"), inter], f"union{k}")
        positive = g.op("Greater", [inter, g.const(f"zero{k}", F32(0))], f"overlap{k}")
        ratio = g.op("Div", [inter, g.op("Max", [union, g.const(f"tiny{k}", F32(1e-38))], f"union_safe{k}")], f"ratio{k}")
        iou = g.reshape(g.op("Where", [positive, ratio, g.const(f"zero_iou{k}", F32(0))], f"iou3_{k}"), [-1, k1], f"iou{k}")
        maxiou = iou if maxiou is None else g.op("Max", [maxiou, iou], f"maxiou{k}")
        later = g.op("Greater", [pos, where], f"later{k}")
        close = g.op("LessOrEqual", [maxiou, g.const(f"t{k}", F32(schedule[k]))], f"apart{k}")
        eligible = g.op("And", [g.op("And", [valid, later], f"valid_later{k}"), close], f"eligible{k}")
        eligible_f = g.op("Cast", [eligible], f"eligible_f{k}", to=1)
    masked = g.op("Where", [g.op("Greater", [eligible_f, g.const("half_e", F32(0.5))], "rest"), scores2,
                            g.const("masked", lowest)], "rest_scores")
    assert marks is not None, "the caller passes a schedule of one step or more"
    return masked, marks


def _keep_best(g: _Graph, kept: str, values: str, total: int, keep_top_k: int) -> str:
    """``kept`` restricted to the ``keep_top_k`` best-scoring kept candidates of each image."""
    lowest = F32(np.finfo(F32).min)
    key = g.reshape(g.op("Where", [kept, values, g.const("not_kept", lowest)], "keep_key3"), [0, total], "keep_key")
    best_values, best = g.ctx.temp(f"{g.name}/best_values"), g.ctx.temp(f"{g.name}/best")
    g.ctx.node("TopK", [key, g.ints("keep_top_k", [keep_top_k])], [best_values, best], axis=1, largest=1, sorted=1)
    ones = g.op("Expand", [g.const("one_k", np.ones((1, 1), F32)), g.op("Shape", [best], "best_shape")], "best_ones")
    zeros = g.op("Expand", [g.const("zero_k", np.zeros((1, 1), F32)), g.op("Shape", [key], "key_shape")], "key_zeros")
    marked = g.op("ScatterElements", [zeros, best, ones], "best_marks", axis=1)
    in_best = g.op("Greater", [marked, g.const("half_best", F32(0.5))], "in_best")
    return g.op("And", [kept, g.op("Reshape", [in_best, g.op("Shape", [kept], "kept_shape")], "in_best3")], "kept_best")
