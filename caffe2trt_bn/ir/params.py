"""Typed layer parameters: prototxt messages read into the schema's classes, once.

Every parameter the project interprets is read here, through the classes of
:mod:`caffe2trt_bn.ir.schema` (generated from ``proto/caffe.proto``), so Caffe's
defaults are written in one place and every value is read the way Caffe's text parser
(protobuf ``TextFormat``) reads it:

* an enum by name or by number (``phase: TEST`` or ``phase: 1``); an unknown name or
  number, or another spelling (``phase: test``), is an error naming file, line, layer
  and field;
* a singular field given twice is an error (Caffe's parser refuses it), naming the
  line of the second occurrence;
* a value of the wrong kind (a string where a number goes, ``1.5`` for an integer, an
  int32 or uint32 out of range, a message for a scalar) is an error;
* float fields are float32-rounded, as Caffe stores them.

Fields a message does not know are not errors here (forks add their own fields to
BVLC's messages); :func:`field_diagnostics` reports the suspicious ones as
``unknown_field`` warnings (see its docstring for which).

Reading is lazy and cached: :func:`layer_params` and :func:`param` read a layer's
message the first time it is asked for and keep it on the layer.
"""

from __future__ import annotations

import difflib
import struct
from collections.abc import Iterable
from typing import Any, NoReturn, Protocol, TypeVar, overload

from ..errors import Diagnostic, GraphError, PrototxtSyntaxError
from ..io.prototxt import Node
from ..io.wire import int_range_error
from . import schema
from .schema import MESSAGES
from .spec import FieldSpec, Message

__all__ = [
    "FORK_FIELDS",
    "FORK_LAYER_FIELDS",
    "INTERPRETED_FIELDS",
    "LAYER_PARAMS",
    "LayerLike",
    "field_diagnostics",
    "field_error",
    "field_line",
    "field_node",
    "has",
    "layer_name",
    "layer_params",
    "layer_rules",
    "param",
    "read_message",
    "rules",
    "written",
]

M = TypeVar("M", bound=Message)


class LayerLike(Protocol):
    """What the readers need of a layer: :class:`caffe2trt_bn.ir.graph.Layer` and the
    deploy rewrite's layers both are."""

    name: str
    type: str
    node: Node
    params_cache: dict[str, Any]


#: Layer type -> (its parameter field in LayerParameter, the message class).  The one
#: table of which message a layer type reads.
LAYER_PARAMS: dict[str, tuple[str, type[Message]]] = {
    "ArgMax": ("argmax_param", schema.ArgMaxParameter),
    "BatchNorm": ("batch_norm_param", schema.BatchNormParameter),
    "BN": ("bn_param", schema.BNParameter),
    "Bias": ("bias_param", schema.BiasParameter),
    "Clip": ("clip_param", schema.ClipParameter),
    "Concat": ("concat_param", schema.ConcatParameter),
    "Convolution": ("convolution_param", schema.ConvolutionParameter),
    "Crop": ("crop_param", schema.CropParameter),
    "Deconvolution": ("convolution_param", schema.ConvolutionParameter),
    "Dropout": ("dropout_param", schema.DropoutParameter),
    "ELU": ("elu_param", schema.ELUParameter),
    "Eltwise": ("eltwise_param", schema.EltwiseParameter),
    "Embed": ("embed_param", schema.EmbedParameter),
    "Exp": ("exp_param", schema.ExpParameter),
    "Flatten": ("flatten_param", schema.FlattenParameter),
    "InnerProduct": ("inner_product_param", schema.InnerProductParameter),
    "Input": ("input_param", schema.InputParameter),
    "LRN": ("lrn_param", schema.LRNParameter),
    "Log": ("log_param", schema.LogParameter),
    "MVN": ("mvn_param", schema.MVNParameter),
    "PReLU": ("prelu_param", schema.PReLUParameter),
    "Parameter": ("parameter_param", schema.ParameterParameter),
    "Pooling": ("pooling_param", schema.PoolingParameter),
    "Power": ("power_param", schema.PowerParameter),
    "ReLU": ("relu_param", schema.ReLUParameter),
    "Reduction": ("reduction_param", schema.ReductionParameter),
    "Reshape": ("reshape_param", schema.ReshapeParameter),
    "SPP": ("spp_param", schema.SPPParameter),
    "Scale": ("scale_param", schema.ScaleParameter),
    "Sigmoid": ("sigmoid_param", schema.SigmoidParameter),
    "Slice": ("slice_param", schema.SliceParameter),
    "Softmax": ("softmax_param", schema.SoftmaxParameter),
    "Swish": ("swish_param", schema.SwishParameter),
    "TanH": ("tanh_param", schema.TanHParameter),
    "Threshold": ("threshold_param", schema.ThresholdParameter),
    "Tile": ("tile_param", schema.TileParameter),
    # Forks' layers (proto/caffe_forks.proto), converted by the ONNX exporter.
    "BilinearInterpolate": ("bilinear_interpolate_param", schema.BilinearInterpolateParameter),
    "ConvolutionDepthwise": ("convolution_param", schema.ConvolutionParameter),
    "DepthwiseConvolution": ("convolution_param", schema.ConvolutionParameter),
    "DetectionOutput": ("detection_output_param", schema.DetectionOutputParameter),
    "HardSigmoid": ("hardsigmoid_param", schema.HardSigmoidParameter),
    "Interp": ("interp_param", schema.InterpParameter),
    "MaxUnPool": ("max_unpool_param", schema.MaxUnPoolParameter),
    "Normalize": ("norm_param", schema.NormalizeParameter),
    "Pad": ("pad_param", schema.PadParameter),
    "Permute": ("permute_param", schema.PermuteParameter),
    "PixelShuffle": ("pixelshuffle_param", schema.PixelShuffleParameter),
    "PriorBox": ("prior_box_param", schema.PriorBoxParameter),
    "ReLU6": ("relu6_param", schema.ReLU6Parameter),
    "Resize": ("resize_param", schema.ResizeParameter),
    "ShuffleChannel": ("shuffle_channel_param", schema.ShuffleChannelParameter),
    "Unsqueeze": ("unsqueeze_param", schema.UnsqueezeParameter),
    "Upsample": ("upsample_param", schema.UpsampleParameter),
}

_LAYER_FIELDS = schema.LayerParameter.FIELDS


class _Source:
    """Where a message instance was read from (kept in its ``_src`` slot).

    ``fields`` maps each field written in the prototxt to its last node (for lines);
    ``line`` is the message's own line, or its parent's when the message is absent;
    ``path`` names the message from the layer down (``convolution_param.weight_filler``).
    """

    __slots__ = ("fields", "file", "layer", "line", "path", "written")

    def __init__(
        self, fields: dict[str, Node], file: str | None, layer: str | None, line: int | None, path: str, written: bool
    ) -> None:
        self.fields = fields
        self.file = file
        self.layer = layer
        self.line = line
        self.path = path
        self.written = written


def _source(msg: Message) -> _Source | None:
    return getattr(msg, "_src", None)


def _locate(msg: Message, name: str) -> tuple[_Source | None, str, Node | None]:
    """Follows the dotted field name ``name`` (``weight_filler.type``) down from ``msg``:
    the source of the deepest message on the way that was read from the prototxt, the
    path of the field below it, and the field's node when it was written.  KeyError for
    a name that is not a field."""
    parts = name.split(".")
    current: Message | None = msg
    cls: type[Message] = type(msg)
    src = _source(msg)
    below = 0  # where the path below ``src`` starts
    for i, part in enumerate(parts):
        spec = cls.FIELDS.get(part)
        if spec is None:
            raise KeyError(f"{cls.__name__} has no field {part!r}")
        last = i == len(parts) - 1
        if not last:
            if spec.kind != "message" or spec.repeated:
                raise KeyError(f"{cls.__name__}.{part} is not a singular message field")
            cls = MESSAGES[spec.message or ""]
        if current is None:
            continue  # under an absent message: only the names are checked
        here = _source(current)
        node = here.fields.get(part) if here is not None else None
        if last:
            return here, ".".join(parts[below:]), node
        if node is None:
            current = None  # absent: its default instance knows no location
        else:
            current = getattr(current, part)
            src, below = _source(current), i + 1
    return src, ".".join(parts[below:]), None


def written(msg: Message) -> bool:
    """Whether the message itself was written in the prototxt (False for the default
    instance of an absent message)."""
    src = _source(msg)
    return src is not None and src.written


def has(msg: Message, name: str) -> bool:
    """Whether field ``name`` was written in the prototxt message ``msg`` was read from.
    ``name`` may be dotted (``weight_filler.type``)."""
    return _locate(msg, name)[2] is not None


def field_node(msg: Message, name: str) -> Node:
    """The prototxt node field ``name`` of ``msg`` was read from (the last occurrence of a
    repeated field), for the commands that edit the prototxt.  KeyError if not written."""
    node = _locate(msg, name)[2]
    if node is None:
        raise KeyError(f"field {name!r} was not written")
    return node


def field_line(msg: Message, name: str) -> int | None:
    """The line field ``name`` (may be dotted) of ``msg`` was written on; when it was not,
    the line of the deepest enclosing message that was; None for a message built in code
    (and for the shared default instance of an absent sub-message)."""
    src, _, node = _locate(msg, name)
    if node is not None:
        return node.line or None
    return src.line if src is not None else None


def field_error(msg: Message, name: str, message: str, cls: type[GraphError] = GraphError) -> GraphError:
    """The error for a field the code cannot honour: it names the file, the layer, the
    field (from the layer down: ``pooling_param.pool``) and the line where it was
    written, or the line of its message when it was not.  Raise it.

    ``name`` may be dotted, to reach into a sub-message that may be absent (an absent
    sub-message is the shared default instance, which knows no location):
    ``field_error(conv, "weight_filler.type", ...)``.
    """
    src, path, node = _locate(msg, name)
    if src is not None and src.path:
        path = f"{src.path}.{path}"
    return cls(
        f"field {path!r}: {message}",
        file=src.file if src is not None else None,
        layer=src.layer if src is not None else None,
        line=(node.line or None) if node is not None else (src.line if src is not None else None),
    )


# --------------------------------------------------------------------------- reading


def read_message(
    node: Node | None,
    cls: type[M],
    *,
    layer: str | None = None,
    path: str | None = None,
    parent: Node | None = None,
) -> M:
    """Reads the prototxt message ``node`` into ``cls``; None gives the default instance.

    ``layer`` names the layer in errors; ``path`` names the message (default: the
    node's field name); ``parent`` is the node that holds ``node``, whose line stands
    for an absent message's (:func:`field_error`).  An absent sub-message of ``node``
    is the shared default instance (``schema.DEFAULT_<Message>``): reach its fields'
    presence and location through the enclosing message with a dotted name
    (:func:`has`, :func:`field_error`).  Raises
    :class:`~caffe2trt_bn.errors.PrototxtSyntaxError` for the values Caffe's parser
    refuses (see the module docstring).  Unknown fields are skipped.
    """
    where = path if path is not None else (node.name if node is not None else "")
    if node is None:
        msg = cls()
        line = parent.line or None if parent is not None else None
        file = parent._path if parent is not None else None
        object.__setattr__(msg, "_src", _Source({}, file, layer, line, where, False))
        return msg
    if node.children is None:
        _fail(node, layer, "expected a message { ... }, found a value")
    specs = cls.FIELDS
    values: dict[str, Any] = {}
    seen: dict[str, Node] = {}
    repeated: dict[str, list[Any]] = {}
    for child in node.children:
        name = child.name
        spec = specs.get(name)
        if spec is None:
            continue
        items = child._items
        if spec.label == "repeated":
            out = repeated.setdefault(name, [])
            if items is not None:
                for item in items:
                    out.append(_read_value(item, spec, layer, where))
            elif spec.kind == "message" or child.value is None or not child.value.startswith("["):
                out.append(_read_value(child, spec, layer, where))
            else:
                out.extend(_read_value(_item_node(child, raw), spec, layer, where) for raw in child.values())
            seen[name] = child if items is None or not items else items[-1]
            continue
        if items is not None or (child.value is not None and child.value.startswith("[")):
            _fail(child, layer, "is not a repeated field; a list [...] is not accepted")
        first = seen.get(name)
        if first is not None:
            _fail(
                child,
                layer,
                f"given twice (first at line {first.line}); Caffe's parser refuses a singular field given twice",
            )
        seen[name] = child
        values[name] = _read_value(child, spec, layer, where)
    for name, out in repeated.items():
        values[name] = tuple(out)
    # An absent sub-message keeps the class default: the shared default instance.
    msg = cls(**values)
    object.__setattr__(msg, "_src", _Source(seen, node._path, layer, node.line or None, where, True))
    return msg


def _item_node(field_node: Node, raw: str) -> Node:
    """A throwaway node for one item of a scalar list, at the list's position."""
    item = Node(field_node.name, raw, None, field_node.line, field_node.column)
    item._path = field_node._path
    return item


def _fail(node: Node, layer: str | None, message: str) -> NoReturn:
    raise PrototxtSyntaxError(
        f"field {node.name!r}: {message}",
        file=node._path,
        layer=layer,
        line=node.line or None,
        column=node.column or None,
    )


def _read_value(node: Node, spec: FieldSpec, layer: str | None, where: str) -> Any:
    """One value of field ``spec`` from ``node``, checked as Caffe's parser checks it."""
    kind = spec.kind
    try:
        if kind == "message":
            if node.children is None:
                _fail(node, layer, "expected a message { ... }, found a value")
            return read_message(node, MESSAGES[spec.message or ""], layer=layer, path=f"{where}.{spec.name}")
        if node.children is not None:
            _fail(node, layer, f"expected {_WHAT[kind]}, found a message")
        if kind == "int":
            number = node.integer()
            out_of_range = int_range_error(number, spec.type)
            if out_of_range is not None:
                _fail(node, layer, out_of_range)
            return number
        if kind == "float":
            return _float32(node.number())
        if kind == "double":
            return node.number()
        if kind == "bool":
            return node.boolean()
        if kind == "string":
            return node.string()
        if kind == "bytes":
            return node.string().encode("utf-8", "surrogateescape")
        return _enum_name(node, spec, layer)
    except PrototxtSyntaxError as exc:
        if exc.layer is None:
            exc.layer = layer
        raise


_WHAT = {
    "int": "an integer",
    "float": "a number",
    "double": "a number",
    "bool": "a boolean",
    "string": "a string",
    "bytes": "a string",
    "enum": "an enum value",
}

_BY_NUMBER: dict[int, dict[int, str]] = {}


def _enum_name(node: Node, spec: FieldSpec, layer: str | None) -> str:
    """The value name of an enum written by name or number (protobuf TextFormat)."""
    values = spec.enum or {}
    raw = node.enum()
    if raw in values:
        return raw
    if raw[0].isdigit() or raw[0] == "-":
        by_number = _BY_NUMBER.get(id(values))
        if by_number is None:
            by_number = {}
            for name, number in values.items():
                by_number.setdefault(number, name)
            _BY_NUMBER[id(values)] = by_number
        found = by_number.get(node.integer())
        if found is not None:
            return found
    accepted = ", ".join(f"{name} ({number})" for name, number in values.items())
    _fail(node, layer, f"unknown value {raw} of enum {spec.type}; Caffe accepts {accepted}, by name or number")


_F32 = struct.Struct("f")


def _float32(value: float) -> float:
    """``value`` as the float32 Caffe stores (beyond the float32 range: infinity)."""
    try:
        return float(_F32.unpack(_F32.pack(value))[0])
    except OverflowError:
        return float("inf") if value > 0 else float("-inf")


# --------------------------------------------------------------------------- layers


@overload
def layer_params(layer: LayerLike) -> Message: ...
@overload
def layer_params(layer: LayerLike, expected: type[M]) -> M: ...
def layer_params(layer: LayerLike, expected: type[Message] = Message) -> Message:
    """The typed ``<type>_param`` message of ``layer`` (:data:`LAYER_PARAMS`), read once.

    A type without an entry raises KeyError: callers ask only for types they handle.
    ``expected`` is the class the caller reads (``layer_params(layer, schema.PoolingParameter)``):
    the result is typed as that class, so a type checker checks the field names the caller
    reads; a layer whose message is another class is a TypeError (a caller's mistake, not
    the model's).
    """
    field_name, cls = LAYER_PARAMS[layer.type]
    return _expect(_read_layer_field(layer, field_name, cls), expected, layer)


def layer_name(node: Node) -> str:
    """The ``name`` of the layer node ``node``, Caffe's default (empty) when absent: for
    the code that holds a layer's node, not a read layer."""
    return node.get_string("name", _LAYER_FIELDS["name"].default)


@overload
def param(layer: LayerLike, field_name: str) -> Message: ...
@overload
def param(layer: LayerLike, field_name: str, expected: type[M]) -> M: ...
def param(layer: LayerLike, field_name: str, expected: type[Message] = Message) -> Message:
    """The typed message field ``field_name`` of ``layer`` (any LayerParameter message
    field, e.g. ``transform_param``), read once; the default instance when absent.
    ``expected``: as for :func:`layer_params`."""
    spec = _LAYER_FIELDS.get(field_name)
    if spec is None or spec.kind != "message" or spec.label == "repeated":
        raise KeyError(f"LayerParameter has no singular message field {field_name!r}")
    return _expect(_read_layer_field(layer, field_name, MESSAGES[spec.message or ""]), expected, layer)


def _expect(msg: Message, expected: type[M], layer: LayerLike) -> M:
    if not isinstance(msg, expected):
        raise TypeError(f"layer {layer.name!r} ({layer.type}) reads {type(msg).__name__}, not {expected.__name__}")
    return msg


def _read_layer_field(layer: LayerLike, field_name: str, cls: type[M]) -> M:
    # A layer field given twice was refused when the layer was read
    # (graph.check_singular), so the last occurrence is the only one.
    cache = layer.params_cache
    msg: M | None = cache.get(field_name)
    if msg is None:
        node = layer.node
        msg = read_message(node.get(field_name), cls, layer=layer.name, path=field_name, parent=node)
        cache[field_name] = msg
    return msg


def rules(layer: LayerLike, kind: str) -> tuple[schema.NetStateRule, ...]:
    """The typed ``include`` or ``exclude`` rules of ``layer`` (``kind``), read once."""
    cache = layer.params_cache
    key = "." + kind
    found: tuple[schema.NetStateRule, ...] | None = cache.get(key)
    if found is None:
        found = layer_rules(layer.node, kind, layer.name)
        cache[key] = found
    return found


def layer_rules(node: Node, kind: str, layer: str | None = None) -> tuple[schema.NetStateRule, ...]:
    """The ``include`` or ``exclude`` (``kind``) rules of the layer node ``node``, typed:
    ``phase`` by name or number, as Caffe reads it."""
    return tuple(read_message(rule, schema.NetStateRule, layer=layer, path=kind) for rule in node.all(kind))


# --------------------------------------------------------------------------- unknown fields

#: Layer-level fields of Caffe forks: their parameter messages (SSD, OpenCV's and
#: NVIDIA's forks, the TSN and SegNet ``BN``, YOLO and segmentation forks).  They are not
#: misspellings of BVLC fields, and their contents are not checked.
FORK_LAYER_FIELDS: frozenset[str] = frozenset(
    {
        # Caffe-SSD
        "annotated_data_param", "detection_evaluate_param", "detection_output_param",
        "multibox_loss_param", "norm_param", "normalize_param", "permute_param",
        "prior_box_param", "video_data_param",
        # BN forks (TSN / Inception-BN, SegNet), NVIDIA Caffe
        "bn_param",
        # up-sampling, resizing and padding layers of segmentation and detection forks
        "upsample_param", "interp_param", "resize_param", "bilinear_interpolate_param",
        "pixelshuffle_param", "max_unpool_param", "pad_param", "unsqueeze_param", "reorg_param",
        "region_param", "yolo_param", "shuffle_channel_param",
        # activations of MobileNet forks
        "relu6_param", "hardsigmoid_param", "hswish_param", "hsigmoid_param",
        # R-CNN families
        "roi_pooling_param", "psroi_pooling_param", "proposal_param", "smooth_l1_loss_param",
    }
)

#: Fields forks add to BVLC's messages, by message: not misspellings either.
FORK_FIELDS: dict[str, frozenset[str]] = {
    # Caffe-SSD's data augmentation and resizing (and the crop_h/crop_w of several forks).
    "TransformationParameter": frozenset(
        {"resize_param", "noise_param", "distort_param", "expand_param", "emit_constraint", "crop_h", "crop_w"}
    ),
    # OpenCV's and several forks' explicit rounding of the output size.
    "PoolingParameter": frozenset({"ceil_mode"}),
    # ReLU6 as a ReLU option in MobileNet forks.
    "ReLUParameter": frozenset({"relu6"}),
}

#: The LayerParameter message fields whose contents the project interprets: the
#: per-type messages (:data:`LAYER_PARAMS`), the phase rules, and the data-layer
#: messages the deploy rewrite reads input shapes from.  Unknown fields inside these
#: are reported; other messages are passed through as written.
INTERPRETED_FIELDS: frozenset[str] = frozenset(
    {field_name for field_name, _ in LAYER_PARAMS.values()}
    | {"include", "exclude", "transform_param", "image_data_param", "window_data_param",
       "memory_data_param", "dummy_data_param"}
)

#: difflib ratio from which an unknown layer-level name is taken for a misspelling of a
#: known one (and warned about).
CLOSE_MATCH = 0.8
#: The looser ratio of the did-you-mean hint inside interpreted messages, where every
#: unknown field is warned about anyway.
HINT_MATCH = 0.6


def field_diagnostics(layers: Iterable[LayerLike]) -> list[Diagnostic]:
    """``unknown_field`` warnings for fields Caffe's parser would refuse and this project
    skips, in the ``layers`` given (a graph's layers, or every layer of a file).

    * Inside a message the project interprets (:data:`INTERPRETED_FIELDS`, and the
      messages within them): every field the schema does not have, unless a known fork
      adds it (:data:`FORK_FIELDS`), with a did-you-mean when a known name is close.
      Such a field is ignored, so its value silently falls back to the default.
    * At the layer level: only a name close to a known field or fork message
      (``batchnorm_param``): forks add countless layer-level messages, and a name that
      resembles none is one of them far more often than a misspelling.

    Each warning names the file, line, layer and field.  Reading costs a look at the
    names of the fields only (values are read where they are used).  V1 layers
    (``layers { }``) are skipped.
    """
    out: list[Diagnostic] = []
    known_layer = [*_LAYER_FIELDS, *sorted(FORK_LAYER_FIELDS)]
    for layer in layers:
        if layer.node.name == "layers":
            continue  # a V1 layer: another message, and V1 nets are refused anyway
        for child in layer.node.children or ():
            name = child.name
            if name in _LAYER_FIELDS:
                if name in INTERPRETED_FIELDS:
                    cls = MESSAGES[_LAYER_FIELDS[name].message or ""]
                    for item in child._items if child._items is not None else (child,):
                        if item.children is not None:
                            _unknown_in(item, cls, name, layer.name, out)
                continue
            if name in FORK_LAYER_FIELDS:
                continue
            close = _close(name, known_layer)
            if close is not None:
                out.append(_unknown(child, layer.name, f"unknown layer field {name!r}", close))
    return out


def _unknown_in(node: Node, cls: type[Message], path: str, layer: str, out: list[Diagnostic]) -> None:
    specs = cls.FIELDS
    fork = FORK_FIELDS.get(cls.__name__, frozenset())
    for child in node.children or ():
        name = child.name
        spec = specs.get(name)
        if spec is not None:
            if spec.kind == "message":
                sub = MESSAGES[spec.message or ""]
                for item in child._items if child._items is not None else (child,):
                    if item.children is not None:
                        _unknown_in(item, sub, f"{path}.{name}", layer, out)
            continue
        if name in fork:
            continue
        hint = _close(name, [*specs, *sorted(fork)], HINT_MATCH)
        out.append(_unknown(child, layer, f"unknown field {name!r} in {path}", hint))


def _unknown(node: Node, layer: str, what: str, close: str | None) -> Diagnostic:
    hint = f"; did you mean {close!r}?" if close is not None else ""
    return Diagnostic(
        "unknown_field",
        f"{what} is ignored (Caffe's parser refuses it){hint}",
        layer,
        node._path,
        node.line or None,
    )


def _close(name: str, known: list[str], cutoff: float = CLOSE_MATCH) -> str | None:
    """The known name ``name`` most likely misspells, if any: one equal but for case,
    else the closest by difflib's ratio from ``cutoff`` (compared in lower case), else,
    below that cutoff, one that begins the other (``eps`` for ``epsilon``)."""
    lower = name.lower()
    by_lower = {k.lower(): k for k in known}
    if lower in by_lower:
        return by_lower[lower]
    match = difflib.get_close_matches(lower, list(by_lower), n=1, cutoff=cutoff)
    if match:
        return by_lower[match[0]]
    if cutoff <= HINT_MATCH:
        for key, original in by_lower.items():
            if min(len(key), len(lower)) >= 3 and (lower.startswith(key) or key.startswith(lower)):
                return original
    return None
