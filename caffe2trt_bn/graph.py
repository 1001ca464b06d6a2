"""The net as a graph of layers and blob *versions*.

Caffe blob names are not values: an in-place layer (``top == bottom``) writes a new
version under the same name, and a later layer reading that name sees the newest
version.  Fusing is only legal when each intermediate value has exactly one reader, so
the graph resolves every bottom to the version it reads and records, for every version,
its producer and its readers.

The graph is built from the deploy prototxt (the prototxt decides structure and
parameters; the caffemodel only supplies blobs, matched by layer name).  Layers are
selected for the TEST phase with Caffe's ``include``/``exclude`` rules on ``phase``;
``stage`` and ``level`` rules are ignored (deploy nets do not use them).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .errors import GraphError, PrototxtSyntaxError
from .prototxt import Document, Node


@dataclass(frozen=True)
class Value:
    """One version of a named blob: ``version`` counts the writes of ``blob``."""

    blob: str
    version: int

    def __str__(self) -> str:
        return self.blob if self.version == 0 else f"{self.blob}#{self.version}"


@dataclass
class Layer:
    """A layer of the deploy net with its resolved input and output values.

    ``node`` is the prototxt subtree (parameters are read from it); ``index`` is the
    position in execution order among the selected layers.
    """

    index: int
    name: str
    type: str
    bottoms: list[str]
    tops: list[str]
    node: Node
    inputs: list[Value] = field(default_factory=list)
    outputs: list[Value] = field(default_factory=list)

    @property
    def param_node(self) -> Node | None:
        """The ``<type>_param`` message typical for this layer type, if present."""
        return self.node.get(PARAM_FIELDS.get(self.type, ""))

    def __hash__(self) -> int:
        return hash(self.index)


# Layer type -> its parameter message in LayerParameter (BVLC names).
PARAM_FIELDS = {
    "BatchNorm": "batch_norm_param",
    "Scale": "scale_param",
    "Bias": "bias_param",
    "Convolution": "convolution_param",
    "Deconvolution": "convolution_param",
    "InnerProduct": "inner_product_param",
    "Input": "input_param",
}


@dataclass
class Graph:
    """Layers in execution order, with producers and readers of every blob version."""

    path: str | None
    name: str
    layers: list[Layer]
    net_inputs: list[str]
    producer: dict[Value, Layer | None]
    readers: dict[Value, list[Layer]]
    v1: bool = False

    def layer(self, name: str) -> Layer | None:
        for layer in self.layers:
            if layer.name == name:
                return layer
        return None

    def readers_of(self, value: Value) -> list[Layer]:
        return self.readers.get(value, [])

    def is_net_output(self, value: Value) -> bool:
        """True when no layer reads the value and no later write replaces it: Caffe
        then reports it as a net output."""
        if self.readers.get(value):
            return False
        return Value(value.blob, value.version + 1) not in self.producer


def phase_selected(node: Node, phase: str = "TEST") -> bool:
    """Caffe's ``StateMeetsRule`` on phase only: include any-of, exclude none-of."""
    includes = node.all("include")
    excludes = node.all("exclude")

    def meets(rule: Node) -> bool:
        p = rule.get("phase")
        return p is None or p.enum() == phase

    if includes and not any(meets(r) for r in includes):
        return False
    return not any(meets(r) for r in excludes)


def build_graph(doc: Document, phase: str = "TEST") -> Graph:
    """Builds the :class:`Graph` of the ``phase`` net described by ``doc``.

    Raises :class:`GraphError` for duplicate layer names and for bottoms that no
    earlier layer or net input produces.
    """
    path = doc.path
    layer_nodes = doc.all("layer")
    v1_nodes = doc.all("layers")
    v1 = bool(v1_nodes) and not layer_nodes
    if layer_nodes and v1_nodes:
        raise GraphError("mixes 'layer' and legacy 'layers' entries; Caffe accepts only one kind", file=path)
    if not layer_nodes and not v1_nodes:
        what = "the file is empty" if not doc.children else "defines no layers"
        raise GraphError(f"{what}: not a Caffe net prototxt", file=path)
    current: dict[str, Value] = {}
    producer: dict[Value, Layer | None] = {}
    readers: dict[Value, list[Layer]] = {}
    net_inputs = doc.get_strings("input")
    for blob in net_inputs:
        value = Value(blob, 0)
        current[blob] = value
        producer[value] = None
    layers: list[Layer] = []
    seen: dict[str, Node] = {}
    for node in v1_nodes if v1 else layer_nodes:
        if not phase_selected(node, phase):
            continue
        name = node.get_string("name", "")
        ltype = _layer_type(node, v1)
        if name in seen:
            raise GraphError(
                f"duplicate layer name (also at line {seen[name].line}); weights are matched by name, so names must be unique",
                file=path,
                layer=name,
            )
        seen[name] = node
        layer = Layer(
            index=len(layers),
            name=name,
            type=ltype,
            bottoms=node.get_strings("bottom"),
            tops=node.get_strings("top"),
            node=node,
        )
        for blob in layer.bottoms:
            value = current.get(blob)
            if value is None:
                raise GraphError(
                    f"bottom {blob!r} is not produced by any earlier layer or net input", file=path, layer=name
                )
            layer.inputs.append(value)
            readers.setdefault(value, []).append(layer)
        for blob in layer.tops:
            previous = current.get(blob)
            value = Value(blob, 0 if previous is None else previous.version + 1)
            current[blob] = value
            producer[value] = layer
            layer.outputs.append(value)
        layers.append(layer)
    name = doc.get_string("name", "")
    return Graph(path=path, name=name, layers=layers, net_inputs=net_inputs, producer=producer, readers=readers, v1=v1)


def _layer_type(node: Node, v1: bool) -> str:
    t = node.get("type")
    if t is None:
        return ""
    try:
        return t.enum() if v1 else t.string()
    except PrototxtSyntaxError:
        # V1 files sometimes quote the enum, new files never leave it bare; accept both.
        return t.string() if v1 else t.enum()
