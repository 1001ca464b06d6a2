"""Typed layer parameters as the converters read them: :mod:`caffe2trt_bn.ir.params`
(``layer_params``, ``param``, ``has``, ``field_error``), plus :func:`unknown_fields`,
the exporter's stricter rule for fields BVLC Caffe does not define.

Elsewhere in the project an unknown field is a warning (the field is skipped); an
exporter that promises to compute what Caffe computes cannot skip a field whose meaning
it does not know, so every such field of a converted layer's parameters is refused,
except the fork fields a converter honours (:data:`HONOURED_FORK_FIELDS`).
"""

from __future__ import annotations

from ...io.prototxt import Node
from ...ir.graph import Layer
from ...ir.params import LAYER_PARAMS, field_error, has, layer_params, param
from ...ir.schema import MESSAGES

__all__ = ["HONOURED_FORK_FIELDS", "field_error", "has", "layer_params", "param", "unknown_fields"]

#: Fork fields that converters read and honour, by message.
HONOURED_FORK_FIELDS: dict[str, frozenset[str]] = {"PoolingParameter": frozenset({"ceil_mode"})}


#: Types the exporter converts beyond :data:`LAYER_PARAMS` (they read another type's message).
_OWN_PARAMS = {"Im2col": LAYER_PARAMS["Convolution"]}


def unknown_fields(layer: Layer) -> list[tuple[str, Node]]:
    """Fields written in the layer's ``<type>_param`` (at any depth) that BVLC Caffe's
    schema does not have, as ``(dotted path, node)``."""
    entry = LAYER_PARAMS.get(layer.type) or _OWN_PARAMS.get(layer.type)
    if entry is None:
        return []
    field, cls = entry
    out: list[tuple[str, Node]] = []
    stack = [(node, cls, field) for node in layer.node.all(field)]
    while stack:
        message, mcls, path = stack.pop()
        honoured = HONOURED_FORK_FIELDS.get(mcls.__name__, frozenset())
        for child in message.children or ():
            spec = mcls.FIELDS.get(child.name)
            if spec is None:
                if child.name not in honoured:
                    out.append((f"{path}.{child.name}", child))
            elif spec.kind == "message":
                sub = MESSAGES[spec.message or ""]
                stack.extend((item, sub, f"{path}.{child.name}") for item in message.all(child.name) if item.children is not None)
    return out
