"""Typed layer parameters as the converters read them.

The converters use only :func:`layer_params`, :func:`param`, :func:`has` and
:func:`field_error`, whose contract is that of ``caffe2trt_bn.ir.params``: a message
whose attributes are the proto field names, enums as their value names, repeated fields
as tuples, absent sub-messages as default instances, float fields rounded to float32 as
Caffe stores them.

Until ``caffe2trt_bn.ir.params`` exists this module implements that contract over the
prototxt tree with protobuf's text parser and the generated ``caffe_pb2`` descriptors;
the parameter messages of the forks' layers (SSD, YOLO ports, segmentation and mobile
nets) come from ``caffe_forks_pb2`` (``proto/caffe_forks.proto``, read by name only).
"""

from __future__ import annotations

from typing import Any

from ...errors import GraphError
from ...graph import Layer
from ...prototxt import Node

#: Layer type -> its parameter field in LayerParameter.
PARAM_FIELD = {
    "Convolution": "convolution_param",
    "Deconvolution": "convolution_param",
    "Im2col": "convolution_param",
    "Pooling": "pooling_param",
    "InnerProduct": "inner_product_param",
    "BatchNorm": "batch_norm_param",
    "Scale": "scale_param",
    "Bias": "bias_param",
    "Eltwise": "eltwise_param",
    "Concat": "concat_param",
    "Slice": "slice_param",
    "Reshape": "reshape_param",
    "Flatten": "flatten_param",
    "Softmax": "softmax_param",
    "LRN": "lrn_param",
    "PReLU": "prelu_param",
    "ReLU": "relu_param",
    "ELU": "elu_param",
    "Power": "power_param",
    "Exp": "exp_param",
    "Log": "log_param",
    "Threshold": "threshold_param",
    "Crop": "crop_param",
    "Tile": "tile_param",
    "Reduction": "reduction_param",
    "ArgMax": "argmax_param",
    "MVN": "mvn_param",
    "Dropout": "dropout_param",
    "Input": "input_param",
    "Embed": "embed_param",
    "SPP": "spp_param",
    "Parameter": "parameter_param",
    "Sigmoid": "sigmoid_param",
    "TanH": "tanh_param",
    # Forks' layers (messages in proto/caffe_forks.proto).
    "PriorBox": "prior_box_param",
    "DetectionOutput": "detection_output_param",
    "Normalize": "norm_param",
    "Permute": "permute_param",
    "Upsample": "upsample_param",
    "Interp": "interp_param",
    "Resize": "resize_param",
    "BilinearInterpolate": "bilinear_interpolate_param",
    "ShuffleChannel": "shuffle_channel_param",
    "ReLU6": "relu6_param",
    "HardSigmoid": "hardsigmoid_param",
    "Pad": "pad_param",
    "PixelShuffle": "pixelshuffle_param",
    "MaxUnPool": "max_unpool_param",
    "Unsqueeze": "unsqueeze_param",
    "ConvolutionDepthwise": "convolution_param",
    "DepthwiseConvolution": "convolution_param",
}


def param_descriptor(field: str) -> Any:
    """The message descriptor of the LayerParameter field ``field``: BVLC's, else a
    fork's (``caffe_forks_pb2.ForkLayerParameter``); None for an unknown name."""
    from ... import caffe_forks_pb2, caffe_pb2

    for owner in (caffe_pb2.LayerParameter, caffe_forks_pb2.ForkLayerParameter):
        fd = owner.DESCRIPTOR.fields_by_name.get(field)
        if fd is not None:
            return fd.message_type
    return None


def _repeated(fd: Any) -> bool:
    flag = getattr(fd, "is_repeated", None)
    return bool(flag) if flag is not None else fd.label == fd.LABEL_REPEATED


class Message:
    """A read-only view of a parsed parameter message (see the module docstring)."""

    __slots__ = ("_layer", "_node", "_path", "_pb")

    def __init__(self, pb: Any, node: Node | None, layer: Layer, path: str | None) -> None:
        self._pb = pb
        self._node = node
        self._layer = layer
        self._path = path

    def __getattr__(self, name: str) -> Any:
        pb = object.__getattribute__(self, "_pb")
        fd = pb.DESCRIPTOR.fields_by_name.get(name)
        if fd is None:
            raise AttributeError(name)
        value = getattr(pb, name)
        if fd.type == fd.TYPE_MESSAGE:
            node = self._node
            sub = [n for n in node.all(name)] if node is not None else []
            if _repeated(fd):
                return tuple(
                    Message(v, sub[i] if i < len(sub) else None, self._layer, self._path) for i, v in enumerate(value)
                )
            return Message(value, sub[-1] if sub else None, self._layer, self._path)
        if fd.type == fd.TYPE_ENUM:
            names = fd.enum_type.values_by_number
            if _repeated(fd):
                return tuple(names[v].name for v in value)
            return names[value].name
        if _repeated(fd):
            return tuple(value)
        return value


def _parse(node: Node, descriptor: Any) -> Any:
    from google.protobuf import message_factory, text_format

    pb = message_factory.GetMessageClass(descriptor)()
    body = "\n".join(child.render() for child in node.children or ())
    try:
        text_format.Parse(body, pb, allow_unknown_field=True)
    except text_format.ParseError as exc:
        raise GraphError(f"{node.name}: {exc}", line=node.line or None) from None
    return pb


_cache: dict[tuple[int, str], Message] = {}


def param(layer: Layer, field: str) -> Message:
    """The ``field`` message of ``layer`` (a LayerParameter field), parsed once per layer."""
    key = id(layer), field
    cached = _cache.get(key)
    if cached is not None and cached._layer is layer:
        return cached
    from google.protobuf import message_factory

    descriptor = param_descriptor(field)
    if descriptor is None:
        raise KeyError(field)
    node = layer.node.get(field)
    path = layer.node._path_of()
    if node is None:
        pb = message_factory.GetMessageClass(descriptor)()
    else:
        try:
            pb = _parse(node, descriptor)
        except GraphError as exc:
            raise exc.with_context(file=path, layer=layer.name) from None
    msg = Message(pb, node, layer, path)
    _cache[key] = msg
    return msg


def layer_params(layer: Layer) -> Message:
    """The typed ``<type>_param`` message of ``layer``."""
    return param(layer, PARAM_FIELD[layer.type])


def has(msg: Message, name: str) -> bool:
    """Whether field ``name`` was written in the prototxt."""
    pb = msg._pb
    fd = pb.DESCRIPTOR.fields_by_name[name]
    if _repeated(fd):
        return len(getattr(pb, name)) > 0
    return pb.HasField(name)


def field_error(msg: Message, name: str, message: str) -> GraphError:
    """An error naming the file, the line of field ``name`` (or of the message), the layer
    and the field."""
    node = msg._node
    line = None
    if node is not None:
        written = node.all(name)
        line = (written[-1].line if written else node.line) or None
    else:
        line = msg._layer.node.line or None
    return GraphError(f"{name}: {message}", file=msg._path, layer=msg._layer.name, line=line)


#: Fields of forks that converters read by name (``node.get``) and honour.
HONOURED_FORK_FIELDS: dict[str, frozenset[str]] = {"pooling_param": frozenset({"ceil_mode"})}


def unknown_fields(layer: Layer) -> list[tuple[str, Node]]:
    """Fields written in the layer's ``<type>_param`` that BVLC Caffe's schema does not
    have (forks' fields), as ``(dotted path, node)``: their meaning is unknown, so a
    converter cannot claim to honour them.  A fork layer's message is the one in
    ``proto/caffe_forks.proto``."""
    field = PARAM_FIELD.get(layer.type)
    if field is None:
        return []
    out: list[tuple[str, Node]] = []
    honoured = HONOURED_FORK_FIELDS.get(field, frozenset())
    for node in layer.node.all(field):
        descriptor = param_descriptor(field)
        stack = [(node, descriptor, field)]
        while stack:
            message, desc, path = stack.pop()
            for child in message.children or ():
                fd = desc.fields_by_name.get(child.name)
                if fd is None:
                    if not (path == field and child.name in honoured):
                        out.append((f"{path}.{child.name}", child))
                elif fd.message_type is not None:
                    for element in message.all(child.name):
                        if element.children is not None:
                            stack.append((element, fd.message_type, f"{path}.{child.name}"))
    return out
