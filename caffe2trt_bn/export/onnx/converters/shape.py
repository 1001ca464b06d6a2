"""Layers that move values without computing: Concat, Slice, Split, Flatten, Reshape,
Crop, Tile.

Reshapes write the batch dimension as ``0`` (copy) whenever the batch axis is kept, so
a ``--dynamic-batch`` model reshapes any batch size.
"""

from __future__ import annotations

import math
from itertools import pairwise

from ....ir import schema
from ....ir.graph import Layer
from ..context import Context
from ..params import has, layer_params
from ..registry import converter


def canonical_axis(ctx: Context, layer: Layer, axis: int, rank: int, field: str = "axis") -> int:
    """Caffe's ``CanonicalAxisIndex``: ``-rank <= axis < rank``, negatives from the end."""
    if not -rank <= axis < rank:
        raise ctx.refuse(layer, field, f"axis {axis} is out of range for a blob of {rank} axes")
    return axis % rank


def reshape(ctx: Context, layer: Layer, x: str, in_shape: tuple[int, ...], out_shape: tuple[int, ...], y: str) -> None:
    """Emits ``Reshape(x) -> y`` to ``out_shape``; a kept batch dimension is written 0."""
    dims = list(out_shape)
    if dims and in_shape and dims[0] == in_shape[0] and len(dims) > 1 and math.prod(in_shape[1:]) == math.prod(dims[1:]):
        dims[0] = 0
    elif ctx.options.dynamic_batch and dims:
        dims[0] = -1
    ctx.node("Reshape", [x, ctx.ints(f"{layer.name}/shape", dims)], [y])


@converter("Concat")
def concat(ctx: Context, layer: Layer) -> None:
    p = layer_params(layer, schema.ConcatParameter)
    if has(p, "axis") and has(p, "concat_dim"):
        raise ctx.refuse(layer, "concat_dim", "either axis or the legacy concat_dim, not both")
    shapes = [ctx.shape(layer, i) for i in range(len(layer.bottoms))]
    if not shapes or len(layer.tops) != 1:
        raise ctx.refuse(layer, None, "Concat takes bottoms and one top")
    rank = len(shapes[0])
    axis = p.concat_dim if has(p, "concat_dim") else canonical_axis(ctx, layer, p.axis, rank)
    for s in shapes[1:]:
        if len(s) != rank or any(a != b for i, (a, b) in enumerate(zip(s, shapes[0])) if i != axis):
            raise ctx.refuse(layer, "bottom", f"shapes {shapes[0]} and {s} differ outside axis {axis}")
    out = list(shapes[0])
    out[axis] = sum(s[axis] for s in shapes)
    y = ctx.output(layer, 0, out)
    inputs = [ctx.input(layer, i) for i in range(len(shapes))]
    if len(inputs) == 1:
        ctx.node("Identity", inputs, [y])
    else:
        ctx.node("Concat", inputs, [y], axis=axis)


@converter("Slice")
def slice_(ctx: Context, layer: Layer) -> None:
    p = layer_params(layer, schema.SliceParameter)
    if has(p, "axis") and has(p, "slice_dim"):
        raise ctx.refuse(layer, "slice_dim", "either axis or the legacy slice_dim, not both")
    shape = ctx.shape(layer, 0)
    axis = p.slice_dim if has(p, "slice_dim") else canonical_axis(ctx, layer, p.axis, len(shape))
    size = shape[axis]
    count = len(layer.tops)
    points = tuple(p.slice_point)
    if points:
        if len(points) != count - 1:
            raise ctx.refuse(layer, "slice_point", f"{len(points)} points for {count} tops (Caffe needs tops - 1)")
        bounds = [0, *points, size]
        if any(b >= a_next for b, a_next in pairwise(bounds)) and count > 1:
            raise ctx.refuse(layer, "slice_point", f"points {points} must increase within the {size} values of axis {axis}")
        sizes = [b - a for a, b in pairwise(bounds)]
    else:
        if size % count:
            raise ctx.refuse(layer, "top", f"{count} tops do not split the {size} values of axis {axis} evenly")
        sizes = [size // count] * count
    outs = []
    for i, part in enumerate(sizes):
        s = list(shape)
        s[axis] = part
        outs.append(ctx.output(layer, i, s))
    if count == 1:
        ctx.node("Identity", [ctx.input(layer, 0)], outs)
        return
    ctx.node("Split", [ctx.input(layer, 0), ctx.ints(f"{layer.name}/split", sizes)], outs, axis=axis)


@converter("Split")
def split(ctx: Context, layer: Layer) -> None:
    shape = ctx.shape(layer, 0)
    for i in range(len(layer.tops)):
        ctx.node("Identity", [ctx.input(layer, 0)], [ctx.output(layer, i, shape)])


@converter("Flatten")
def flatten(ctx: Context, layer: Layer) -> None:
    p = layer_params(layer, schema.FlattenParameter)
    shape = ctx.shape(layer, 0)
    rank = len(shape)
    start = canonical_axis(ctx, layer, p.axis, rank)
    end = canonical_axis(ctx, layer, p.end_axis, rank, "end_axis")
    if end < start:
        raise ctx.refuse(layer, "end_axis", f"end_axis {p.end_axis} comes before axis {p.axis}")
    out = (*shape[:start], math.prod(shape[start : end + 1]), *shape[end + 1 :])
    reshape(ctx, layer, ctx.input(layer, 0), shape, out, ctx.output(layer, 0, out))


@converter("Reshape")
def reshape_layer(ctx: Context, layer: Layer) -> None:
    """Caffe's Reshape: ``shape`` replaces the axes ``[axis, axis + num_axes)`` (a
    negative ``axis`` counts from one past the end); 0 copies the bottom's dimension at
    the same place, -1 is inferred."""
    p = layer_params(layer, schema.ReshapeParameter)
    shape = ctx.shape(layer, 0)
    rank = len(shape)
    start = p.axis if p.axis >= 0 else rank + p.axis + 1
    if not 0 <= start <= rank:
        raise ctx.refuse(layer, "axis", f"axis {p.axis} is out of range for a blob of {rank} axes")
    if p.num_axes < -1:
        raise ctx.refuse(layer, "num_axes", f"must be -1 or more, not {p.num_axes}")
    end = rank if p.num_axes == -1 else start + p.num_axes
    if end > rank:
        raise ctx.refuse(layer, "num_axes", f"axis {start} + num_axes {p.num_axes} pass the {rank} axes")
    dims = list(p.shape.dim)
    if dims.count(-1) > 1:
        raise ctx.refuse(layer, "dim", "at most one -1")
    new: list[int] = []
    for i, d in enumerate(dims):
        if d == 0:
            if start + i >= rank:
                raise ctx.refuse(layer, "dim", f"0 at position {i} copies an axis the bottom does not have")
            new.append(shape[start + i])
        elif d < -1:
            raise ctx.refuse(layer, "dim", f"{d} is not a dimension")
        else:
            new.append(d)
    total = math.prod(shape)
    fixed = math.prod(shape[:start]) * math.prod(shape[end:]) * math.prod(d for d in new if d != -1)
    if -1 in new:
        if fixed == 0 or total % fixed:
            raise ctx.refuse(layer, "dim", f"cannot infer -1 reshaping {shape}")
        new[new.index(-1)] = total // fixed
    out = (*shape[:start], *new, *shape[end:])
    if math.prod(out) != total:
        raise ctx.refuse(layer, "shape", f"reshaping {shape} to {out} changes the value count")
    reshape(ctx, layer, ctx.input(layer, 0), shape, out, ctx.output(layer, 0, out))


@converter("Crop")
def crop(ctx: Context, layer: Layer) -> None:
    """Crop bottom 0 to bottom 1's shape from ``axis`` on, at ``offset`` (one for every
    cropped axis, or one per axis)."""
    p = layer_params(layer, schema.CropParameter)
    if len(layer.bottoms) != 2:
        raise ctx.refuse(layer, "bottom", "Crop takes two bottoms (the blob and the reference)")
    shape, ref = ctx.shape(layer, 0), ctx.shape(layer, 1)
    rank = len(shape)
    if len(ref) != rank:
        raise ctx.refuse(layer, "bottom", f"the reference {ref} and the blob {shape} differ in rank")
    axis = canonical_axis(ctx, layer, p.axis, rank)
    offsets = tuple(p.offset)
    cropped = rank - axis
    if len(offsets) not in (0, 1, cropped):
        raise ctx.refuse(layer, "offset", f"{len(offsets)} offsets for {cropped} cropped axes")
    if len(offsets) <= 1:
        offsets = (offsets[0] if offsets else 0,) * cropped
    out = (*shape[:axis], *ref[axis:])
    starts, ends, axes = [], [], []
    for i, off in enumerate(offsets):
        a = axis + i
        if off + ref[a] > shape[a]:
            raise ctx.refuse(layer, "offset", f"offset {off} + size {ref[a]} pass the {shape[a]} values of axis {a}")
        if off == 0 and ref[a] == shape[a]:
            continue
        starts.append(off)
        ends.append(off + ref[a])
        axes.append(a)
    y = ctx.output(layer, 0, out)
    if not axes:
        ctx.node("Identity", [ctx.input(layer, 0)], [y])
        return
    name = layer.name
    ctx.node(
        "Slice",
        [ctx.input(layer, 0), ctx.ints(f"{name}/starts", starts), ctx.ints(f"{name}/ends", ends), ctx.ints(f"{name}/axes", axes)],
        [y],
    )


@converter("Tile")
def tile(ctx: Context, layer: Layer) -> None:
    p = layer_params(layer, schema.TileParameter)
    shape = ctx.shape(layer, 0)
    axis = canonical_axis(ctx, layer, p.axis, len(shape))
    if not has(p, "tiles") or p.tiles < 1:
        raise ctx.refuse(layer, "tiles", "must be given and positive")
    repeats = [1] * len(shape)
    repeats[axis] = p.tiles
    out = list(shape)
    out[axis] *= p.tiles
    ctx.node("Tile", [ctx.input(layer, 0), ctx.ints(f"{layer.name}/repeats", repeats)], [ctx.output(layer, 0, out)])
