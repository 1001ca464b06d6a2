"""Fold's prototxt edit, on the lossless tree: comments, unknown fields and layout stay.

The Scale layers that replace groups take their BatchNorms' places (named after them,
keeping their phase rules), the folded layers go, a producer writes the group's output
blob and gains ``bias_term: true`` when the fold added a bias.
"""

from __future__ import annotations

from ..errors import GraphError
from ..io.prototxt import Document, parse, quote
from ..ir.graph import Layer, build_graph
from ..ir.params import LAYER_PARAMS
from .fold_plan import FoldTarget


def edit_prototxt(doc: Document, targets: list[FoldTarget], removed: list[Layer], added_bias: set[str]) -> str:
    """Applies the fold to the lossless tree and returns the new text.

    The Scale layers replace their BatchNorms and the folded layers go in one pass each
    (:meth:`Document.replace_many`, :meth:`Document.remove_many`): one at a time, each
    would look its layer up among all the others.
    """
    scales = [target for target in targets if target.is_scale]
    try:
        doc.replace_many([(target.layer.node, _scale_layer_text(target)) for target in scales])
    except ValueError:
        direct = {id(child) for child in doc.children}
        target = next(target for target in scales if id(target.layer.node) not in direct)
        raise GraphError(
            "is written inside a 'layer: [...]' list; write it as 'layer { ... }' to fold it",
            file=doc.path,
            layer=target.layer.name,
        ) from None
    for target in targets:
        if target.is_scale:
            continue
        node = target.layer.node
        if target.top != target.layer.tops[0]:
            top = node.all("top")[-1]
            top.set_value(f"[{quote(target.top)}]" if top.is_list else quote(target.top))
        if target.layer.name in added_bias:
            param_node = target.layer.node.get(LAYER_PARAMS[target.layer.type][0])
            assert param_node is not None  # bias_term: false was read from it
            param_node.set("bias_term", "true")
    doc.remove_many(layer.node for layer in removed)
    return doc.render()


def _scale_layer_text(target: FoldTarget) -> str:
    """The prototxt text of the Scale layer that replaces a group (named after its BatchNorm)."""
    node = target.layer.node
    lines = [
        "layer {",
        f"  name: {quote(target.layer.name)}",
        '  type: "Scale"',
        f"  bottom: {quote(target.bottom)}",
        f"  top: {quote(target.top)}",
    ]
    # Keep the BatchNorm's phase rules, so the Scale exists where the BatchNorm did.
    for rule in node.all("include") + node.all("exclude"):
        lines.append("  " + rule.render().replace("\n", "\n  "))
    lines += ["  scale_param {", "    bias_term: true", "  }", "}"]
    return "\n".join(lines)


def check_result(text: str, path: str | None) -> None:
    """The folded prototxt must parse, resolve every bottom and hold no BatchNorm in
    the TEST net; a failure here is a bug, reported with the file it concerns."""
    graph = build_graph(parse(text, path))
    left = [layer.name for layer in graph.layers if layer.type == "BatchNorm"]
    if left:
        raise AssertionError(f"folded net still holds BatchNorm layers {left}")
