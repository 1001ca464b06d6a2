"""The net as a graph of layers and blob *versions*.

Caffe blob names are not values: an in-place layer (``top == bottom``) writes a new
version under the same name, and a later layer reading that name sees the newest
version.  Fusing is only legal when each intermediate value has exactly one reader, so
the graph resolves every bottom to the version it reads and records, for every version,
its producer and its readers.

The graph is built from the deploy prototxt (the prototxt decides structure and
parameters; the caffemodel only supplies blobs, matched by layer name).  Layers are
selected with Caffe's own ``include``/``exclude`` rules (phase, level, stages) in the
state ``caffe.Net(prototxt, caffe.TEST)`` loads a net in (:func:`net_state`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..errors import GraphError, PrototxtSyntaxError
from ..io.prototxt import Document, Node
from . import schema
from .params import has, layer_rules, read_message


@dataclass(frozen=True, slots=True)
class Value:
    """One version of a named blob: ``version`` counts the writes of ``blob``.

    Slotted: a net has a version per layer output, each hashed into the graph's maps.
    """

    blob: str
    version: int

    def __str__(self) -> str:
        return self.blob if self.version == 0 else f"{self.blob}#{self.version}"


class BlobVersions:
    """The newest version of every blob name as a net is walked in execution order: a
    bottom reads :meth:`read`, a top writes :meth:`write` (a new version of the name).

    The one versioning of blob names: :func:`build_graph` and the deploy rewrite's walk
    both resolve bottoms through it.
    """

    __slots__ = ("current",)

    def __init__(self) -> None:
        self.current: dict[str, Value] = {}

    def read(self, blob: str) -> Value | None:
        """The version of ``blob`` a reader sees now, or None if nothing wrote it."""
        return self.current.get(blob)

    def write(self, blob: str) -> Value:
        """A new version of ``blob`` (0 for its first write), now the current one."""
        previous = self.current.get(blob)
        # Created without the frozen dataclass's __init__: a net has a version per output.
        value = _new_value(Value)
        _set_field(value, "blob", blob)
        _set_field(value, "version", 0 if previous is None else previous.version + 1)
        self.current[blob] = value
        return value


_new_value = object.__new__
_set_field = object.__setattr__


@dataclass
class Layer:
    """A layer of the deploy net with its resolved input and output values.

    ``node`` is the prototxt subtree (parameters are read from it, typed, through
    :mod:`caffe2trt_bn.ir.params`, which keeps what it read in ``params_cache``);
    ``index`` is the position in execution order among the selected layers.
    """

    index: int
    name: str
    type: str
    bottoms: list[str]
    tops: list[str]
    node: Node
    inputs: list[Value] = field(default_factory=list)
    outputs: list[Value] = field(default_factory=list)
    params_cache: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def __hash__(self) -> int:
        return hash(self.index)


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
    _by_name: dict[str, Layer] | None = field(default=None, init=False, repr=False, compare=False)

    def layer(self, name: str) -> Layer | None:
        """The first layer named ``name`` (weightless layers may share a name), or None.

        Looked up in a name index built on the first call (a scan per call would make
        callers that look up every layer quadratic in the net's length)."""
        index = self._by_name
        if index is None:
            index = {}
            for layer in self.layers:
                index.setdefault(layer.name, layer)
            self._by_name = index
        return index.get(name)

    def readers_of(self, value: Value) -> list[Layer]:
        return self.readers.get(value, [])

    def is_net_output(self, value: Value) -> bool:
        """True when no layer reads the value and no later write replaces it: Caffe
        then reports it as a net output."""
        if self.readers.get(value):
            return False
        return Value(value.blob, value.version + 1) not in self.producer


#: Layer types whose caffemodel weights this project reads or rewrites, matched by layer
#: name: their names must be unique.  Caffe itself accepts other duplicate names (weightless
#: layers such as a reused "relu"), and so does this project.
NAMED_WEIGHTS = frozenset({"BatchNorm", "BN", "Scale", "Bias", "Convolution", "Deconvolution", "InnerProduct"})


@dataclass(frozen=True)
class NetState:
    """The state Caffe selects layers with: ``phase``, ``level`` and ``stages``.

    ``caffe.Net(prototxt, phase)`` sets the phase, sets the level to 0 and keeps the
    stages of the prototxt's own ``state`` (see :func:`net_state`).
    """

    phase: str = "TEST"
    level: int = 0
    stages: frozenset[str] = frozenset()


def net_state(doc: Document, phase: str = "TEST") -> NetState:
    """The state a net is loaded in for ``phase``, as ``caffe.Net(prototxt, phase)`` does.

    The net-level ``state`` is read typed (its own ``phase`` and ``level`` are checked
    as Caffe's parser checks them, though ``caffe.Net`` replaces both).
    """
    states = doc.all("state")
    if len(states) > 1:
        raise PrototxtSyntaxError(
            f"field 'state': given twice (first at line {states[0].line}); "
            "Caffe's parser refuses a singular field given twice",
            file=doc.path,
            line=states[1].line or None,
            column=states[1].column or None,
        )
    stages: frozenset[str] = frozenset()
    if states:
        stages = frozenset(read_message(states[0], schema.NetState).stage)
    return NetState(phase=phase, level=0, stages=stages)


def rule_met(rule: schema.NetStateRule, state: NetState) -> bool:
    """Caffe's ``StateMeetsRule``: every condition the typed rule states holds in ``state``."""
    if has(rule, "phase") and rule.phase != state.phase:
        return False
    if has(rule, "min_level") and state.level < rule.min_level:
        return False
    if has(rule, "max_level") and state.level > rule.max_level:
        return False
    if any(stage not in state.stages for stage in rule.stage):
        return False
    return not any(stage in state.stages for stage in rule.not_stage)


def layer_selected(node: Node, state: NetState, layer: str | None = None) -> bool:
    """Caffe's ``FilterNet`` for one layer: with ``include`` rules, one must be met;
    otherwise no ``exclude`` rule may be met.  The rules are read typed (``phase`` by
    name or number); ``layer`` names the layer in their errors."""
    includes = layer_rules(node, "include", layer)
    if includes:
        return any(rule_met(rule, state) for rule in includes)
    return not any(rule_met(rule, state) for rule in layer_rules(node, "exclude", layer))


def build_graph(doc: Document, phase: str = "TEST") -> Graph:
    """Builds the :class:`Graph` of the ``phase`` net described by ``doc``.

    Raises :class:`GraphError` for duplicate names of layers whose weights are read
    (:data:`NAMED_WEIGHTS`) and for bottoms that no earlier layer or net input produces.
    Every model load builds the graph, so each layer is read by :class:`_LayerReader`
    (one pass over its fields where it can) and blob versions are created through
    :class:`BlobVersions` (without the frozen dataclass's ``__init__``).
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
    reader = _LayerReader(net_state(doc, phase), v1)
    versions = BlobVersions()
    current, write = versions.current, versions.write
    producer: dict[Value, Layer | None] = {}
    readers: dict[Value, list[Layer]] = {}
    net_inputs = doc.get_strings("input")
    for blob in net_inputs:
        value = Value(blob, 0)  # an input named twice is one value
        current[blob] = value
        producer[value] = None
    layers: list[Layer] = []
    seen: dict[str, tuple[Node, str]] = {}
    for node in v1_nodes if v1 else layer_nodes:
        read = reader.read(node)
        if read is None:
            continue
        name, ltype, bottoms, tops = read
        if name in seen and (ltype in NAMED_WEIGHTS or seen[name][1] in NAMED_WEIGHTS):
            raise GraphError(
                f"duplicate layer name (also at line {seen[name][0].line}); weights are matched by name, "
                "so a layer whose weights are read must have a name of its own",
                file=path,
                layer=name,
            )
        seen[name] = (node, ltype)
        if bottoms is None or tops is None:
            bottoms = node.get_strings("bottom")
            tops = node.get_strings("top")
        inputs: list[Value] = []
        outputs: list[Value] = []
        layer = Layer(len(layers), name, ltype, bottoms, tops, node, inputs, outputs)
        for blob in bottoms:
            read_value = current.get(blob)
            if read_value is None:
                raise GraphError(
                    f"bottom {blob!r} is not produced by any earlier layer or net input", file=path, layer=name
                )
            inputs.append(read_value)
            readers.setdefault(read_value, []).append(layer)
        for blob in tops:
            value = write(blob)
            producer[value] = layer
            outputs.append(value)
        layers.append(layer)
    name = doc.get_string("name", "")
    return Graph(path=path, name=name, layers=layers, net_inputs=net_inputs, producer=producer, readers=readers, v1=v1)


class _LayerReader:
    """Reads what :func:`build_graph` needs of each layer of one net, in Caffe's order of
    checks: the singular fields, the name, the include/exclude rules, the type.

    :meth:`read` is the one entry point.  It first tries the one-pass scan
    (:func:`_layer_fields`, with decoded strings and types cached across layers: blob
    names and types repeat), which declines a layer written in a way only the general
    accessors handle in the right order; the general accessors then read that layer,
    with the same errors in the same order.
    """

    __slots__ = ("singular", "state", "strings", "types", "v1")

    def __init__(self, state: NetState, v1: bool) -> None:
        self.state = state
        self.v1 = v1
        self.singular = _SINGULAR_V1 if v1 else _SINGULAR
        self.strings: dict[str, str] = {}  # raw string literal -> its text
        self.types: dict[str, str] = {}  # raw type value -> layer type

    def read(self, node: Node) -> tuple[str, str, list[str] | None, list[str] | None] | None:
        """The layer's name, type, bottoms and tops, or None if the net state leaves it
        out.  Bottoms and tops are None when the general accessors must read them after
        the caller's duplicate-name check (the order of Caffe's errors)."""
        fields = _layer_fields(node, self.strings, self.singular)
        if fields is None:
            return self._read_general(node)
        name_node, type_node, bottoms, tops, has_rules = fields
        name = "" if name_node is None else name_node.string()
        if has_rules and not layer_selected(node, self.state, name):
            return None
        ltype = ""
        if type_node is not None:
            raw = type_node.value
            cached = self.types.get(raw) if raw is not None else None
            if cached is None:
                cached = _type_value(type_node, self.v1)
                if raw is not None:
                    self.types[raw] = cached
            ltype = cached
        if not ltype:
            raise missing_type(node, name, type_node)
        return name, ltype, bottoms, tops

    def _read_general(self, node: Node) -> tuple[str, str, None, None] | None:
        check_singular(node, self.v1)
        name = node.get_string("name", "")
        if not layer_selected(node, self.state, name):
            return None
        type_node = node.get("type")
        ltype = layer_type(node, self.v1)
        if not ltype:
            raise missing_type(node, name, type_node)
        return name, ltype, None, None


#: What :func:`_layer_fields` reads from a layer: its ``name`` and ``type`` nodes (None
#: if absent), its decoded bottoms and tops, and whether it has include/exclude rules.
_LayerFields = tuple[Node | None, Node | None, list[str], list[str], bool]


def _layer_fields(node: Node, strings: dict[str, str], singular: frozenset[str]) -> _LayerFields | None:
    """Reads the fields :func:`build_graph` needs from a layer in one pass over its children.

    Gives exactly what ``get("name")``, ``get("type")``, ``get_strings("bottom")``,
    ``get_strings("top")`` and the presence of ``include``/``exclude`` would give, or None
    when the layer is written in a way only the general accessors handle in the right
    order (a message list, a scalar list, a bottom or top that is not a valid string:
    its error must come after those of the name and type), or when a field of
    ``singular`` (the layer message's singular fields) is given twice, which the general
    path refuses (:func:`check_singular`).  ``strings`` caches decoded string literals
    (``'"conv1"'`` -> ``conv1``) across layers: blob names repeat, and a cache hit costs
    less than decoding.
    """
    name_node: Node | None = None
    type_node: Node | None = None
    bottoms: list[str] = []
    tops: list[str] = []
    has_rules = False
    others: set[str] = set()
    for child in node.children or ():
        field_name = child.name
        if field_name == "bottom" or field_name == "top":
            raw = child.value
            if raw is None:
                return None
            text = strings.get(raw)
            if text is None:
                try:  # a scalar list or an invalid string: the general path decides
                    text = child.string()
                except PrototxtSyntaxError:
                    return None
                strings[raw] = text
            if field_name == "bottom":
                bottoms.append(text)
            else:
                tops.append(text)
        elif field_name == "name":
            if child._items is not None or name_node is not None:
                return None
            name_node = child
        elif field_name == "type":
            if child._items is not None or type_node is not None:
                return None
            type_node = child
        elif field_name == "include" or field_name == "exclude":
            has_rules = True
        elif field_name in singular:
            if field_name in others:
                return None
            others.add(field_name)
    return name_node, type_node, bottoms, tops, has_rules


#: The singular fields of a layer message (current and V1 format): each may be given once.
_SINGULAR = frozenset(n for n, spec in schema.LayerParameter.FIELDS.items() if not spec.repeated)
_SINGULAR_V1 = frozenset(n for n, spec in schema.V1LayerParameter.FIELDS.items() if not spec.repeated)


def check_singular(node: Node, v1: bool = False) -> None:
    """Refuses a singular field of the layer ``node`` given twice, as Caffe's parser does
    (``name``, ``type``, ``batch_norm_param``, ...), naming the second occurrence's line."""
    singular = _SINGULAR_V1 if v1 else _SINGULAR
    first: dict[str, Node] = {}
    for child in node.children or ():
        if child.name not in singular:
            continue
        if child.name in first or child._items is not None:
            earlier = first.get(child.name)
            what = f"given twice (first at line {earlier.line})" if earlier is not None else "given as a list"
            name_node = node.get("name")
            layer = None
            if name_node is not None and child.name != "name":
                try:
                    layer = name_node.string()
                except PrototxtSyntaxError:
                    layer = None
            raise PrototxtSyntaxError(
                f"field {child.name!r}: {what}; Caffe's parser refuses a singular field given more than once",
                file=child._path,
                layer=layer,
                line=child.line or None,
                column=child.column or None,
            )
        first[child.name] = child


def missing_type(node: Node, name: str, type_node: Node | None) -> GraphError:
    """The error for a layer without a type (or with an empty one): Caffe cannot create
    it, and leaving it out would silently drop it and what depends on it."""
    import difflib

    if type_node is not None:
        return GraphError(
            "field 'type' is empty; Caffe refuses a layer without a type",
            file=node._path,
            layer=name,
            line=type_node.line or None,
        )
    hint = ""
    for child in node.children or ():
        if child.name not in _SINGULAR and difflib.get_close_matches(child.name, ["type"], n=1, cutoff=0.6):
            hint = f" (is {child.name!r} at line {child.line} a misspelling of 'type'?)"
            break
    return GraphError(
        f"has no 'type' field{hint}; Caffe refuses a layer without a type", file=node._path, layer=name, line=node.line or None
    )


def layer_type(node: Node, v1: bool = False) -> str:
    """A layer's type: a quoted string in ``layer``, a bare enum in V1 ``layers``."""
    t = node.get("type")
    return "" if t is None else _type_value(t, v1)


def _type_value(t: Node, v1: bool) -> str:
    """The value of a layer's ``type`` field ``t`` (see :func:`layer_type`)."""
    try:
        return t.enum() if v1 else t.string()
    except PrototxtSyntaxError:
        # V1 files sometimes quote the enum, new files never leave it bare; accept both.
        return t.string() if v1 else t.enum()
