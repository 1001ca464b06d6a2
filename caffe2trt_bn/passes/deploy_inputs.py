"""The deploy rewrite's ``Input`` layer: its blobs, their shapes, its name (see
:mod:`.deploy`, "Input shape", for the rules).

A data layer type that states its blobs' shapes in a message of its own has a reader in
:data:`DATA_SHAPES` (a :class:`~caffe2trt_bn.ir.registry.Registry`); every other data
layer is read for an image input: the crop or resize size and the channel count.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from numbers import Integral
from typing import TYPE_CHECKING

from ..errors import Diagnostic, GraphError
from ..io.prototxt import Node
from ..ir.graph import Value
from ..ir.params import param, written
from ..ir.registry import Registry
from ..ir.schema import (
    DummyDataParameter,
    ImageDataParameter,
    MemoryDataParameter,
    TransformationParameter,
    WindowDataParameter,
)
from .deploy_walk import Origin, WalkLayer, free_name

if TYPE_CHECKING:
    from .deploy import DeployPlan

#: ``input_shape`` argument: one shape for the first input, or shapes by blob name.
InputShapes = Sequence[int] | Mapping[str, Sequence[int]] | None


@dataclass(frozen=True)
class InputBlob:
    """A blob of the new ``Input`` layer, the layer it comes from and where its shape comes from."""

    blob: str
    shape: tuple[int, ...]
    source_layer: str
    shape_from: str


def plan_input(
    layers: list[WalkLayer],
    needed: list[Value],
    origins: dict[Value, Origin],
    input_shape: InputShapes,
    plan: DeployPlan,
    path: str | None,
    kept_names: set[str],
) -> None:
    """Plans the Input layer: its blobs, their shapes, its name (the first blob's, as deploy
    nets conventionally name it, unless a kept layer has that name)."""
    data_layers = [layer for layer in layers if layer.is_data]
    if not data_layers:
        _given_shapes(input_shape, [], path)  # checked even when unused
        if input_shape is not None:
            plan.diagnostics.append(
                Diagnostic(
                    "input_shape_unused", "the net has no data layer, so the input shape is not used", None, path
                )
            )
        return
    blobs: list[Value] = []
    for value in needed:
        if value.blob not in {b.blob for b in blobs}:
            blobs.append(value)
    given = _given_shapes(input_shape, [v.blob for v in blobs], path)
    plan.input_before = data_layers[0].node
    if not blobs:
        return
    first = origins[blobs[0]].layer
    for candidate in (blobs[0].blob, first.name):
        if candidate and candidate not in kept_names:
            plan.input_name = candidate
            break
    else:
        plan.input_name = free_name(blobs[0].blob, kept_names)
    for value in blobs:
        origin = origins[value]
        if value.blob in given:
            shape, source = given[value.blob], "given"
        else:
            shape, source = _infer_shape(value.blob, origin, layers, path)
            problem = shape_problem(shape)
            if problem is not None:
                raise GraphError(
                    f"input shape {list(shape)} of blob {value.blob!r} ({source}): {problem}; "
                    "give another with --input-shape (input_shape= in the API)",
                    file=path,
                    layer=origin.layer.name,
                )
        plan.inputs.append(InputBlob(value.blob, tuple(shape), origin.layer.name, source))


#: Caffe's limits on a blob shape (``Blob::Reshape``): at most 32 axes (``kMaxBlobAxes``),
#: and dimensions held as C ``int``, the count of values at most ``INT_MAX``.
MAX_BLOB_AXES = 32
MAX_BLOB_COUNT = 2**31 - 1


def shape_problem(dims: Sequence[object]) -> str | None:
    """Why Caffe cannot set up an ``Input`` blob of shape ``dims``, or None if it can.

    ``BlobShape.dim`` is an int64 in the file, but Caffe's ``Blob::Reshape`` copies each
    dimension into a C ``int`` and checks ``dim >= 0`` and a count of at most
    ``INT_MAX`` values ("blob size exceeds INT_MAX"); a dimension of 0 gives an empty
    blob, and setting up the net then fails (``Check failed: data_``); all checked
    with Caffe itself.  So every dimension must be a whole number from 1 to
    2147483647, the product at most 2147483647, and there are 1 to 32 axes.  The one
    check of every shape to-deploy writes: given (``--input-shape``, ``input_shape=``)
    or read from a data layer.
    """
    if not dims:
        return "has no dimensions"
    if len(dims) > MAX_BLOB_AXES:
        return f"has {len(dims)} axes, more than the {MAX_BLOB_AXES} Caffe allows"
    count = 1
    for d in dims:
        if isinstance(d, bool) or not isinstance(d, Integral):
            return f"dimension {d!r} is not a whole number"
        value = int(d)
        if value <= 0:
            return f"dimension {value} is not positive (Caffe cannot set up an empty or negative blob)"
        if value > MAX_BLOB_COUNT:
            return f"dimension {value} is beyond {MAX_BLOB_COUNT}, the largest Caffe holds (its dimensions are C ints)"
        count *= value
    if count > MAX_BLOB_COUNT:
        return f"holds {count} values, more than the {MAX_BLOB_COUNT} Caffe allows in one blob"
    return None


def _given_shapes(input_shape: InputShapes, blobs: list[str], path: str | None) -> dict[str, tuple[int, ...]]:
    """The shapes given by the caller, by blob, each checked (see :func:`shape_problem`)."""
    if input_shape is None:
        return {}
    if isinstance(input_shape, Mapping):
        items = dict(input_shape)
    elif isinstance(input_shape, str):
        raise TypeError("input_shape is a sequence of integers (N, C, H, W) or a mapping blob -> shape")
    else:
        items = {blobs[0] if blobs else "": input_shape}
    out: dict[str, tuple[int, ...]] = {}
    for blob, shape in items.items():
        dims = tuple(shape)
        problem = shape_problem(dims)
        if problem is not None:
            shown = f"input shape {list(dims)}" + (f" of blob {blob!r}" if blob else "")
            raise GraphError(f"{shown}: {problem}", file=path)
        if blob not in blobs:
            if not blobs:
                return {}  # no data layer: the shape is not used (a warning says so)
            inputs = ", ".join(map(repr, blobs))
            raise GraphError(f"input shape given for blob {blob!r}, but the deploy inputs are {inputs}", file=path)
        out[blob] = tuple(int(d) for d in dims)
    return out


def _infer_shape(blob: str, origin: Origin, layers: list[WalkLayer], path: str | None) -> tuple[tuple[int, ...], str]:
    """The shape of data blob ``blob``: from its data layer, else from another phase's."""
    candidates = [origin.layer] + [
        layer for layer in layers if layer.is_data and layer is not origin.layer and blob in layer.tops
    ]
    reasons: list[str] = []
    for layer in candidates:
        shape, why = _shape_from_layer(layer, layer.tops.index(blob))
        if shape is not None:
            return shape, why
        reasons.append(why)
    example = "N,C,H,W" if origin.index == 0 else f"{blob}=N,C,H,W"
    raise GraphError(
        f"cannot tell the shape of input blob {blob!r}: {reasons[0]}; "
        f"give it with --input-shape {example} (input_shape= in the API)",
        file=path,
        layer=origin.layer.name,
    )


#: A data layer's shape reader: ``(layer, top index) -> (shape, where it comes from)``,
#: or ``(None, why it is unknown)``.
ShapeReader = Callable[[WalkLayer, int], "tuple[tuple[int, ...] | None, str]"]

#: The data layer types that state their blobs' shapes in a message of their own.
DATA_SHAPES: Registry[ShapeReader] = Registry("input shape reader")


def _shape_from_layer(layer: WalkLayer, index: int) -> tuple[tuple[int, ...] | None, str]:
    """(shape, where it comes from) or (None, why it is unknown): by the layer type's
    reader (:data:`DATA_SHAPES`), else as an image input (:func:`_image_shape`)."""
    reader = DATA_SHAPES.get(layer.type)
    if reader is not None:
        return reader(layer, index)
    return _image_shape(layer, index)


@DATA_SHAPES.register("DummyData")
def _dummy_data_shape(layer: WalkLayer, index: int) -> tuple[tuple[int, ...] | None, str]:
    dummy = param(layer, "dummy_data_param")
    assert isinstance(dummy, DummyDataParameter)
    shape = _dummy_shape(dummy, index, len(layer.tops))
    if shape is not None:
        return shape, "dummy_data_param shape"
    return None, "its DummyData layer gives no shape for it"


@DATA_SHAPES.register("MemoryData")
def _memory_data_shape(layer: WalkLayer, index: int) -> tuple[tuple[int, ...] | None, str]:
    memory = param(layer, "memory_data_param")
    assert isinstance(memory, MemoryDataParameter)
    dims = (memory.batch_size, memory.channels, memory.height, memory.width)
    if index == 0 and all(d > 0 for d in dims):
        return dims, "memory_data_param"
    return None, "memory_data_param gives no batch_size, channels, height and width"


def _image_shape(layer: WalkLayer, index: int) -> tuple[tuple[int, ...] | None, str]:
    """``(1, C, H, W)`` of an image data layer's first top: the size from the crop or
    resize fields, the channels from the colour fields or the mean values."""
    if index != 0:
        return None, f"a {layer.type} layer describes only its first top"
    transform = param(layer, "transform_param")
    image = param(layer, "image_data_param")
    window = param(layer, "window_data_param")
    assert isinstance(transform, TransformationParameter)
    assert isinstance(image, ImageDataParameter) and isinstance(window, WindowDataParameter)
    # Fork fields outside the schema, read as written: crop_h/crop_w of several forks,
    # Caffe-SSD's transform_param.resize_param.
    transform_node = layer.node.get("transform_param")
    resize = transform_node.get("resize_param") if transform_node is not None else None
    crop = max(transform.crop_size, window.crop_size)
    if _fork_int(transform_node, "crop_h") > 0 and _fork_int(transform_node, "crop_w") > 0:
        size, size_from = (_fork_int(transform_node, "crop_h"), _fork_int(transform_node, "crop_w")), "crop_h/crop_w"
    elif crop > 0:
        size, size_from = (crop, crop), "crop_size"
    elif image.new_height > 0 and image.new_width > 0:
        size, size_from = (image.new_height, image.new_width), "new_height/new_width"
    elif _fork_int(resize, "height") > 0 and _fork_int(resize, "width") > 0:
        size, size_from = (_fork_int(resize, "height"), _fork_int(resize, "width")), "resize_param"
    else:
        return None, f"its {layer.type} layer has no crop_size or resize dimensions"
    channels, channels_from = _channels(transform, image if written(image) else None)
    if channels is None:
        return None, f"its {layer.type} layer gives the size ({size_from}) but not the channel count ({channels_from})"
    return (1, channels, *size), f"{size_from}, channels from {channels_from}"


def _fork_int(node: Node | None, name: str) -> int:
    """Integer field ``name`` of a fork's message ``node`` (outside the typed schema), 0
    when either is absent."""
    return node.get_int(name, 0) if node is not None else 0


def _channels(transform: TransformationParameter, image: ImageDataParameter | None) -> tuple[int | None, str]:
    if transform.force_gray:
        return 1, "force_gray"
    if transform.force_color:
        return 3, "force_color"
    if image is not None:
        return (3, "is_color") if image.is_color else (1, "is_color: false")
    count = len(transform.mean_value)
    if count > 1:
        return count, f"{count} mean_value entries"
    if count == 1:
        return None, "one mean_value applies to every channel"
    return None, "no mean_value, force_color or force_gray"


def _dummy_shape(param: DummyDataParameter, index: int, tops: int) -> tuple[int, ...] | None:
    shapes = param.shape
    if shapes:
        shape = shapes[0] if len(shapes) == 1 else shapes[index] if index < len(shapes) else None
        if shape is None:
            return None
        return shape.dim or None
    legacy = [param.num, param.channels, param.height, param.width]
    if all(len(dims) == 1 for dims in legacy):
        return tuple(dims[0] for dims in legacy)
    if all(len(dims) == tops for dims in legacy):
        return tuple(dims[index] for dims in legacy)
    return None
