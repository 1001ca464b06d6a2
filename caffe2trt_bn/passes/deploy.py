"""Train_val -> deploy prototxt rewriting that loses nothing.

People train a Caffe net from a ``train_val.prototxt`` and deploy it with a hand-edited
``deploy.prototxt``; that edit is where BatchNorm nets break (``use_global_stats: false``
left in, data and loss layers half removed).  :func:`to_deploy` does the edit: it keeps
the TEST-phase net, puts one ``Input`` layer where the data layers were, turns
``SoftmaxWithLoss`` into ``Softmax`` and ``SigmoidCrossEntropyLoss`` into ``Sigmoid``,
drops the other losses, metrics and labels, and makes every
BatchNorm use its stored statistics.  It works on the lossless tree of
:mod:`caffe2trt_bn.io.prototxt`: every byte it does not change stays as written (comments,
blank lines, field order, layer types and fields unknown to the BVLC schema, such as
SSD's ``PriorBox``/``prior_box_param``).  Running it on its own output changes nothing,
and on a deploy net it only fixes ``use_global_stats: false``.

Matching is separated from editing: :func:`plan_deploy` reads a document and returns a
:class:`DeployPlan` (which layers go, which fields change, the ``Input`` layer to add)
without touching it; :func:`apply_plan` performs the plan; :func:`rewrite` does both on
a document the caller owns, :func:`deploy_document` on a copy, so the caller's document
is never modified.

Rules and choices
-----------------
* **Phase.**  A layer stays when Caffe's ``include``/``exclude`` rules select it the way
  ``caffe.Net(prototxt, caffe.TEST)`` does: phase TEST, level 0, the stages of the net's
  own ``state``.  Rules on stages or levels get a warning saying what was chosen, since
  the output keeps no rules.
  Kept layers lose all their ``include``/``exclude`` rules and a net-level ``state`` is
  removed: the result is one phase-free net that every tool loads the same way (and a
  second pass finds nothing to select).
* **Data layers** (``Data``, ``ImageData``, ``HDF5Data``, ``MemoryData``, ``DummyData``,
  ``WindowData``, ``AnnotatedData``, a ``Python`` layer without bottoms, and any other
  bottomless ``*Data`` type of a fork) of every phase are removed; one ``Input`` layer
  takes the place of the first of them (the comments directly above a data layer go
  with it, like those of every removed layer).  It is named like its first blob
  (``data``), as deploy nets conventionally have it, and its tops are the data blobs
  the kept net still needs; a train-only file (data layers under
  ``include { phase: TRAIN }``) works too.  An existing ``Input`` layer and net-level
  ``input`` fields are deploy inputs and stay as written.
* **Labels.**  The second and later tops of ``Data``, ``ImageData``, ``WindowData``,
  ``AnnotatedData`` and ``MemoryData`` are labels by definition: every layer reading
  them (evaluation layers such as ``DetectionEvaluate`` included) is removed.  Other
  extra data blobs (of ``HDF5Data``, ``DummyData``, ``Python``, a second data layer)
  stay inputs only when some kept layer combines them with the first input (Faster
  R-CNN's ``im_info``); otherwise they and the layers computing from them alone (a
  ``Flatten`` of the label feeding a loss) are removed.
* **Input shape.**  From ``input_shape`` / ``--input-shape``, else from the file: a
  ``DummyData`` or ``MemoryData`` shape as written, else ``(1, C, H, W)`` with ``H``, ``W``
  from ``crop_size`` (``transform_param``, ``window_data_param``), else from the resize
  dimensions (``image_data_param`` ``new_height``/``new_width``, SSD's
  ``transform_param.resize_param``), and ``C`` from ``force_gray``/``force_color``,
  ``image_data_param.is_color``, or the number of ``mean_value`` entries (a single
  ``mean_value`` applies to every channel, so it does not tell ``C``).  When the shape
  cannot be known, :class:`~caffe2trt_bn.errors.GraphError` asks for it.  The deploy net
  takes preprocessed input: mean subtraction, scaling and cropping are the caller's job.
  A shape Caffe cannot set up (:func:`shape_problem`: a dimension of 0, negative or past
  ``INT_MAX``, more than ``INT_MAX`` values, more than 32 axes) is refused, given or read;
  it is the only number the rewrite writes besides ``use_global_stats: true``.
* **Losses.**  The two losses whose inference output is a layer of their own become it
  (:data:`OUTPUT_LOSSES`): every ``SoftmaxWithLoss`` becomes a ``Softmax`` and every
  ``SigmoidCrossEntropyLoss`` a ``Sigmoid`` (the probabilities its loss is computed on:
  Caffe applies the sigmoid to every value of the first bottom), on the same first
  bottom, edited in place (its comments and ``softmax_param`` stay; label bottoms,
  ``loss_weight``, ``loss_param``, ``propagate_down`` and rules go).  One naming rule
  serves both: the layer and its top are named ``prob``, as deploy nets conventionally
  have it, when there is one such loss (or one with the largest ``loss_weight``,
  GoogLeNet's main classifier) and the name is free (a loss dropped because its output
  layer exists already does not count); other ones are named ``<bottom>_prob``.  A ``SoftmaxWithLoss`` with a second top (the probabilities) keeps
  that top's name, so its readers keep working.  If a kept ``Softmax`` (``Sigmoid``)
  already reads the same blob, the loss is just removed.  All other losses (types ending
  in ``Loss``, or any layer with a non-zero ``loss_weight``) are removed: their
  prediction is their first bottom itself (``EuclideanLoss``, ``HingeLoss``), a
  probability computed by the net (``MultinomialLogisticLoss``), or nothing a deploy net
  computes (``ContrastiveLoss``, ``InfogainLoss``, whose meaning changed between Caffe
  versions); so are ``Accuracy``/``DetectionEvaluate``, then every layer left reading a
  removed blob, transitively.
* **BatchNorm.**  An effective ``batch_norm_param { use_global_stats: false }`` is set to
  ``true`` (one token changed, the line and its comments stay): Caffe then normalises
  with the stored statistics in any phase, which is what TEST means.  ``true`` or unset
  stays as written.
* **Training-only settings** are kept: ``param { lr_mult ... }``, fillers,
  ``Dropout`` layers (in place or not) and fork blocks such as
  ``detection_output_param.save_output_param``.  Caffe, OpenCV and TensorRT's Caffe
  parser ignore them or treat them as identity at inference, BVLC's own deploy nets
  keep them, and keeping them changes no byte and needs no rewiring of bottoms.
* **Legacy V1 nets** (``layers { type: CONVOLUTION }``) predate BatchNorm and are
  refused; Caffe's ``upgrade_net_proto_text`` converts them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from numbers import Integral
from typing import Any, Union

from ..errors import Diagnostic, GraphError, enforce_strict, issue_warnings
from ..ir.graph import (
    NetState,
    Value,
    check_singular,
    layer_selected,
    layer_type,
    missing_type,
    net_state,
)
from ..ir.params import field_diagnostics, field_node, has, param, read_message, written
from ..ir.schema import (
    DummyDataParameter,
    ImageDataParameter,
    MemoryDataParameter,
    NetStateRule,
    TransformationParameter,
    WindowDataParameter,
)
from ..io.prototxt import Document, Node, parse, quote

__all__ = [
    "DATA_LAYER_TYPES",
    "Change",
    "DeployPlan",
    "DeployResult",
    "InputBlob",
    "InputShapes",
    "LossEdit",
    "apply_plan",
    "deploy_document",
    "plan_deploy",
    "rewrite",
    "to_deploy",
]

#: Data layer types of BVLC Caffe and Caffe-SSD; bottomless ``Python`` layers and other
#: bottomless ``*Data`` types are data layers too.
DATA_LAYER_TYPES = frozenset(
    {"Data", "ImageData", "HDF5Data", "MemoryData", "DummyData", "WindowData", "AnnotatedData"}
)
#: Data layer types whose second and later tops are labels by definition.
LABEL_TOP_TYPES = frozenset({"Data", "ImageData", "MemoryData", "WindowData", "AnnotatedData"})
#: Layers that only measure the net against labels.
METRIC_TYPES = frozenset({"Accuracy", "DetectionEvaluate"})
#: Losses whose inference output is a layer of their own: loss type -> that layer's type.
OUTPUT_LOSSES = {"SoftmaxWithLoss": "Softmax", "SigmoidCrossEntropyLoss": "Sigmoid"}
#: Name of the layer and blob of the main converted loss (deploy convention).
PROB_NAME = "prob"
#: Fields of a loss that its Softmax or Sigmoid does not have.
_LOSS_ONLY_FIELDS = ("loss_weight", "loss_param", "propagate_down", "include", "exclude")
_RULE_FIELDS = ("include", "exclude")
_STAGE_RULE_FIELDS = ("stage", "not_stage", "min_level", "max_level")

#: ``input_shape`` argument: one shape for the first input, or shapes by blob name.
InputShapes = Union[Sequence[int], Mapping[str, Sequence[int]], None]


@dataclass(frozen=True)
class Change:
    """One edit of the rewrite, for the user: ``action`` is ``removed``, ``input``,
    ``softmax``, ``sigmoid``, ``use_global_stats``, ``rules`` or ``state``; ``line`` is the
    source line."""

    action: str
    layer: str | None
    detail: str
    line: int = 0

    def __str__(self) -> str:
        where = f"line {self.line}: " if self.line else ""
        if self.layer is not None:
            where += f"layer {self.layer!r}: "
        return f"{where}{self.action}: {self.detail}"


@dataclass(frozen=True)
class InputBlob:
    """A blob of the new ``Input`` layer, the layer it comes from and where its shape comes from."""

    blob: str
    shape: tuple[int, ...]
    source_layer: str
    shape_from: str


@dataclass
class LossEdit:
    """A loss layer (``node``, of type ``loss``) to edit into a layer of type ``type`` (see
    :data:`OUTPUT_LOSSES`) named ``name`` writing ``top``."""

    node: Node
    name: str
    top: str
    loss: str = "SoftmaxWithLoss"
    type: str = "Softmax"


@dataclass
class DeployPlan:
    """What :func:`plan_deploy` found; nodes belong to the planned document.

    ``remove`` holds layer nodes with the reason they go, ``rules`` the
    ``include``/``exclude`` fields of kept layers, ``states`` net-level ``state`` fields,
    ``use_global_stats`` the boolean fields to set to ``true``; ``losses`` the losses to
    turn into Softmax or Sigmoid layers; ``inputs``/``input_name``/``input_before`` the ``Input``
    layer to insert before the node ``input_before`` (the first data layer).
    """

    remove: list[tuple[Node, str]] = field(default_factory=list)
    rules: list[tuple[Node, Node]] = field(default_factory=list)
    states: list[Node] = field(default_factory=list)
    use_global_stats: list[tuple[Node, Node]] = field(default_factory=list)
    losses: list[LossEdit] = field(default_factory=list)
    inputs: list[InputBlob] = field(default_factory=list)
    input_name: str = ""
    input_before: Node | None = None
    diagnostics: list[Diagnostic] = field(default_factory=list)


@dataclass
class DeployResult:
    """The deploy document, what changed, and warnings (e.g. ignored stage rules)."""

    document: Document
    changes: list[Change]
    inputs: list[InputBlob]
    diagnostics: list[Diagnostic]

    @property
    def text(self) -> str:
        return self.document.render()


# --------------------------------------------------------------------------- public API


def to_deploy(text: str, input_shape: InputShapes = None, *, path: str | None = None, strict: bool = False) -> str:
    """The deploy prototxt for the train_val (or deploy) prototxt ``text``.

    ``input_shape`` gives the shape of the first input blob (``(N, C, H, W)``) or of input
    blobs by name; without it the shape comes from the file.  ``path`` only names the
    file in errors.  Raises :class:`~caffe2trt_bn.errors.PrototxtSyntaxError` (file, line,
    column) for invalid text and :class:`~caffe2trt_bn.errors.GraphError` for nets that
    cannot be converted (unknown input shape, a bottom nobody produces, V1 nets).
    Warnings (e.g. ignored stage rules) are issued as
    :class:`~caffe2trt_bn.errors.Caffe2TrtWarning`; ``strict=True`` raises the first that is a risk
    (:func:`~caffe2trt_bn.errors.enforce_strict`).
    """
    result = rewrite(parse(text, path), input_shape)
    enforce_strict(result.diagnostics, strict)
    issue_warnings(result.diagnostics)
    return result.text


def deploy_document(doc: Document, input_shape: InputShapes = None) -> DeployResult:
    """Plans and applies the rewrite on a copy of ``doc`` (``doc`` itself is not modified)."""
    return rewrite(parse(doc.render(), doc.path), input_shape)


def rewrite(doc: Document, input_shape: InputShapes = None) -> DeployResult:
    """Plans and applies the rewrite on ``doc`` itself (for callers that own the document)."""
    plan = plan_deploy(doc, input_shape)
    changes = apply_plan(doc, plan)
    return DeployResult(doc, changes, plan.inputs, plan.diagnostics)


# --------------------------------------------------------------------------- matching


@dataclass(eq=False)
class _Layer:
    """A ``layer`` entry as the walk sees it; ``inputs`` are the values its bottoms read."""

    node: Node
    name: str
    type: str
    bottoms: list[str]
    tops: list[str]
    selected: bool
    inputs: list[Value] = field(default_factory=list)
    deps: frozenset[Value] = frozenset()  # the data values its result is computed from
    params_cache: dict[str, Any] = field(default_factory=dict)  # typed parameters read (ir.params)

    @property
    def is_data(self) -> bool:
        if self.type in DATA_LAYER_TYPES:
            return True
        return not self.bottoms and (self.type == "Python" or self.type.endswith("Data"))

    @property
    def is_loss(self) -> bool:
        return self.type.endswith("Loss") or any(w != 0 for w in self.node.get_floats("loss_weight"))


@dataclass(frozen=True)
class _Origin:
    """A data blob value: the data layer writing it and the top's position there."""

    layer: _Layer
    index: int
    known_label: bool


class _Walk:
    """Walks the TEST net in order, resolving each bottom to the blob value it reads.

    Every value records the data values it is computed from (``deps``); removed values
    record why they are gone, so the layers reading them go too.
    """

    def __init__(self, doc: Document, layers: list[_Layer]) -> None:
        self.path = doc.path
        self.layers = layers
        self.current: dict[str, Value] = {}
        self.deps: dict[Value, frozenset[Value]] = {}
        self.primary: set[Value] = set()  # inputs the deploy net certainly takes
        self.origins: dict[Value, _Origin] = {}
        self.removed: dict[Value, str] = {}
        self.gone: dict[int, str] = {}  # id(layer node) -> why it is removed
        self.kept: list[_Layer] = []
        self.losses: list[_Layer] = []  # losses to turn into their output layer (OUTPUT_LOSSES)
        self.first_data = True
        for blob in doc.get_strings("input"):
            self.primary.add(self._source(blob))
        for layer in layers:
            self._visit(layer)

    def _write(self, top: str, deps: frozenset[Value]) -> Value:
        previous = self.current.get(top)
        value = Value(top, 0 if previous is None else previous.version + 1)
        self.current[top] = value
        self.deps[value] = deps
        return value

    def _source(self, top: str) -> Value:
        """A new input value: computed from itself."""
        value = self._write(top, frozenset())
        self.deps[value] = frozenset((value,))
        return value

    def _data(self, layer: _Layer, index: int) -> Value:
        value = self._source(layer.tops[index])
        label = layer.type in LABEL_TOP_TYPES and index >= 1
        self.origins[value] = _Origin(layer, index, label)
        if label:
            self.removed[value] = f"label blob {value.blob!r} of data layer {layer.name!r}"
        if index == 0 and self.first_data:
            self.primary.add(value)
            self.first_data = False
        return value

    def _resolve(self, layer: _Layer, blob: str) -> Value:
        value = self.current.get(blob)
        if value is not None:
            return value
        # A train-only file: a data layer of another phase provides the blob.
        for other in self.layers:
            if not other.selected and other.is_data and blob in other.tops:
                return self._data(other, other.tops.index(blob))
        raise GraphError(
            f"bottom {blob!r} is not produced by any earlier TEST-phase layer or data layer",
            file=self.path,
            layer=layer.name,
        )

    def _visit(self, layer: _Layer) -> None:
        if not layer.selected:
            self.gone[id(layer.node)] = "not in the TEST phase"
            return
        if layer.is_data:
            self.gone[id(layer.node)] = f"{layer.type} data layer, replaced by an Input layer"
            for index in range(len(layer.tops)):
                self._data(layer, index)
            return
        if layer.type == "Input":
            layer.deps = frozenset(self._source(top) for top in layer.tops)
            self.primary.update(layer.deps)
            self.kept.append(layer)
            return
        layer.inputs = [self._resolve(layer, blob) for blob in layer.bottoms]
        deps = frozenset().union(*(self.deps[v] for v in layer.inputs))
        if layer.type in OUTPUT_LOSSES and layer.inputs and layer.inputs[0] not in self.removed:
            # Becomes a Softmax (Sigmoid) of its first bottom; the loss blob goes, a second
            # top (the probabilities of a SoftmaxWithLoss) stays.
            deps = layer.deps = self.deps[layer.inputs[0]]
            for index, top in enumerate(layer.tops):
                value = self._write(top, deps)
                if index == 0:
                    self.removed[value] = f"loss blob {top!r} of layer {layer.name!r}"
            self.losses.append(layer)
            self.kept.append(layer)
            return
        if layer.is_loss:
            reason: str | None = "loss layer"
        elif layer.type in METRIC_TYPES:
            reason = f"{layer.type} layer (needs labels)"
        else:
            reason = next((f"reads {self.removed[v]}" for v in layer.inputs if v in self.removed), None)
        for top in layer.tops:
            value = self._write(top, deps)
            if reason is not None:
                self.removed[value] = f"blob {top!r} of removed layer {layer.name!r}"
        if reason is None:
            layer.deps = deps
            self.kept.append(layer)
        else:
            self.gone[id(layer.node)] = reason

    def prune_inputs(self) -> list[Value]:
        """The data values the deploy net takes; removes the layers computing only from
        the others.  An extra data blob is an input only where a kept layer combines it
        with a primary input."""
        needed: list[Value] = []
        for value, origin in self.origins.items():
            if value in self.primary or (
                not origin.known_label
                and any(value in layer.deps and not layer.deps.isdisjoint(self.primary) for layer in self.kept)
            ):
                needed.append(value)
        dropped = set(self.origins).difference(needed)
        survivors = []
        for layer in self.kept:
            lost = layer.deps & dropped
            if lost:
                blob = min(str(v) for v in lost)
                self.gone[id(layer.node)] = f"computes only from data blob {blob!r}, which the deploy net does not take"
            else:
                survivors.append(layer)
        self.kept = survivors
        self.losses = [layer for layer in self.losses if id(layer.node) not in self.gone]
        return needed


def plan_deploy(doc: Document, input_shape: InputShapes = None) -> DeployPlan:
    """Finds every edit the deploy rewrite makes to ``doc``, without making it."""
    path = doc.path
    if doc.all("layers"):
        raise GraphError(
            "legacy V1 net ('layers' entries); upgrade it with Caffe's upgrade_net_proto_text first",
            file=path,
        )
    if not doc.all("layer"):
        what = "the file is empty" if not doc.children else "defines no layers"
        raise GraphError(f"{what}: not a Caffe net prototxt", file=path)
    plan = DeployPlan()
    state = net_state(doc)
    layers = [_read_layer(node, state) for node in doc.all("layer")]
    plan.diagnostics += field_diagnostics(layers)
    _note_stage_rules(layers, plan, path)
    walk = _Walk(doc, layers)
    needed = walk.prune_inputs()
    _plan_losses(walk, plan)
    for layer in layers:
        reason = walk.gone.get(id(layer.node))
        if reason is not None:
            plan.remove.append((layer.node, reason))
    converted = {id(edit.node) for edit in plan.losses}
    for layer in walk.kept:
        if id(layer.node) in walk.gone:
            continue
        if id(layer.node) not in converted:
            plan.rules += [(layer.node, c) for c in layer.node.children or () if c.name in _RULE_FIELDS]
        # Any layer type that carries a batch_norm_param (a fork's BatchNorm too).
        bn = param(layer, "batch_norm_param")
        if has(bn, "use_global_stats") and not bn.use_global_stats:  # type: ignore[attr-defined]
            plan.use_global_stats.append((layer.node, field_node(bn, "use_global_stats")))
    plan.states = [c for c in doc.children if c.name == "state"]
    kept_names = {layer.name for layer in layers if id(layer.node) not in walk.gone and id(layer.node) not in converted}
    kept_names.update(edit.name for edit in plan.losses)
    _plan_input(layers, needed, walk.origins, input_shape, plan, path, kept_names)
    return plan


def _read_layer(node: Node, state: NetState) -> _Layer:
    """A layer as the walk sees it; the checks of :func:`~caffe2trt_bn.ir.graph.build_graph`
    apply (a singular field given twice, a selected layer without a type)."""
    check_singular(node)
    name = node.get_string("name", "")
    ltype = layer_type(node)
    selected = layer_selected(node, state, name)
    if selected and not ltype:
        raise missing_type(node, name, node.get("type"))
    return _Layer(
        node=node,
        name=name,
        type=ltype,
        bottoms=node.get_strings("bottom"),
        tops=node.get_strings("top"),
        selected=selected,
    )


def _note_stage_rules(layers: list[_Layer], plan: DeployPlan, path: str | None) -> None:
    """A warning for each rule on stages or levels: they are evaluated as ``caffe.Net``
    evaluates them for TEST (level 0, the stages of the net's own ``state``), and the
    output keeps no rules, so the choice made is said."""
    for layer in layers:
        for rule_field in _RULE_FIELDS:
            for rule_node in layer.node.all(rule_field):
                rule = read_message(rule_node, NetStateRule, layer=layer.name, path=rule_field)
                stated = sorted(name for name in _STAGE_RULE_FIELDS if has(rule, name))
                rule_line = rule_node.line
                if stated:
                    plan.diagnostics.append(
                        Diagnostic(
                            "stage_rule",
                            f"{rule_field} rule with {', '.join(stated)} at line {rule_line}: evaluated as Caffe "
                            "loads the net for TEST (level 0, the stages of the net's own state), so the layer is "
                            f"{'kept' if layer.selected else 'removed'}",
                            layer.name,
                            path,
                        )
                    )


def _plan_losses(walk: _Walk, plan: DeployPlan) -> None:
    """Names the Softmax and Sigmoid layers that replace the kept losses of
    :data:`OUTPUT_LOSSES` (one naming rule for both kinds)."""
    losses = walk.losses
    taken: set[str] = set()
    for layer in walk.layers:
        if id(layer.node) not in walk.gone and layer not in losses:
            taken.update((layer.name, *layer.tops, *layer.bottoms))
    # A kept Softmax (Sigmoid) already reading the loss's input makes the conversion unneeded.
    outputs = set(OUTPUT_LOSSES.values())
    existing_of = {(layer.type, layer.inputs[0]): layer for layer in walk.kept if layer.type in outputs and layer.inputs}
    converted: list[_Layer] = []
    for layer in losses:
        source = layer.inputs[0]
        kind = OUTPUT_LOSSES[layer.type]
        existing = existing_of.get((kind, source))
        if existing is not None and len(layer.tops) <= 1:
            walk.gone[id(layer.node)] = f"loss layer ({kind} layer {existing.name!r} already reads {source.blob!r})"
        else:
            converted.append(layer)
    weights = [_loss_weight(layer) for layer in converted]
    main = weights.index(max(weights)) if weights and weights.count(max(weights)) == 1 else None
    for index, layer in enumerate(converted):
        source = layer.inputs[0]
        kind = OUTPUT_LOSSES[layer.type]
        if index == main and PROB_NAME not in taken:
            name = PROB_NAME
        else:
            name = _free_name(f"{source.blob}_{PROB_NAME}", taken)
        taken.add(name)
        top = layer.tops[1] if len(layer.tops) > 1 else name
        plan.losses.append(LossEdit(layer.node, name, top, layer.type, kind))


def _loss_weight(layer: _Layer) -> float:
    """Weight of the loss (first) top: 1 unless ``loss_weight`` says otherwise."""
    weights = layer.node.get_floats("loss_weight")
    return weights[0] if weights else 1.0


def _free_name(base: str, taken: set[str]) -> str:
    name, n = base, 2
    while name in taken:
        name, n = f"{base}_{n}", n + 1
    return name


# --------------------------------------------------------------------------- input shapes


def _plan_input(
    layers: list[_Layer],
    needed: list[Value],
    origins: dict[Value, _Origin],
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
        plan.input_name = _free_name(blobs[0].blob, kept_names)
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
        out[blob] = tuple(int(d) for d in dims)  # type: ignore[call-overload]
    return out


def _infer_shape(blob: str, origin: _Origin, layers: list[_Layer], path: str | None) -> tuple[tuple[int, ...], str]:
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


def _shape_from_layer(layer: _Layer, index: int) -> tuple[tuple[int, ...] | None, str]:
    """(shape, where it comes from) or (None, why it is unknown)."""
    if layer.type == "DummyData":
        dummy = param(layer, "dummy_data_param")
        assert isinstance(dummy, DummyDataParameter)
        shape = _dummy_shape(dummy, index, len(layer.tops))
        if shape is not None:
            return shape, "dummy_data_param shape"
        return None, "its DummyData layer gives no shape for it"
    if layer.type == "MemoryData":
        memory = param(layer, "memory_data_param")
        assert isinstance(memory, MemoryDataParameter)
        dims = (memory.batch_size, memory.channels, memory.height, memory.width)
        if index == 0 and all(d > 0 for d in dims):
            return dims, "memory_data_param"
        return None, "memory_data_param gives no batch_size, channels, height and width"
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


# --------------------------------------------------------------------------- editing


def apply_plan(doc: Document, plan: DeployPlan) -> list[Change]:
    """Performs ``plan`` on the document it was made from; returns the changes made."""
    changes: list[Change] = []
    if plan.inputs and plan.input_before is not None:
        _insert_input(doc, plan)
        for blob in plan.inputs:
            changes.append(
                Change(
                    "input",
                    plan.input_name,
                    f"blob {blob.blob!r} shape {list(blob.shape)} ({blob.shape_from}) "
                    f"replaces data layer {blob.source_layer!r}",
                    plan.input_before.line,
                )
            )
    for edit in plan.losses:
        changes.append(_edit_loss(edit))
    for layer, flag in plan.use_global_stats:
        flag.set_value("true")
        changes.append(
            Change(
                "use_global_stats", layer.get_string("name", ""), "false -> true (use the stored statistics)", flag.line
            )
        )
    for layer, rule in plan.rules:
        layer.remove(rule)
        changes.append(Change("rules", layer.get_string("name", ""), f"removed {rule.name} rule", rule.line))
    for node, reason in plan.remove:
        changes.append(Change("removed", node.get_string("name", ""), reason, node.line))
    for state in plan.states:
        changes.append(Change("state", None, "removed the net-level state", state.line))
    # In one pass: removing layers one at a time would look each up among all the others.
    doc.remove_many([node for node, _ in plan.remove] + plan.states)
    changes.sort(key=lambda c: c.line)
    return changes


def _insert_input(doc: Document, plan: DeployPlan) -> None:
    """Inserts the Input layer in place of the first data layer (removed afterwards)."""
    shape_nodes = [Node("shape", None, [Node("dim", str(d)) for d in blob.shape]) for blob in plan.inputs]
    children = [Node("name", quote(plan.input_name)), Node("type", quote("Input"))]
    children += [Node("top", quote(blob.blob)) for blob in plan.inputs]
    children.append(Node("input_param", None, shape_nodes))
    index = next(
        i
        for i, child in enumerate(doc.children)
        if child is plan.input_before or any(item is plan.input_before for item in child._items or ())
    )
    # Inserted after the data layer, it gets the data layer's line and blank-line layout
    # once the data layer (and the comments directly above it) is removed.
    doc.insert(index + 1, "layer", children=children)


def _edit_loss(edit: LossEdit) -> Change:
    """Edits a loss layer in place into its Softmax or Sigmoid (see :class:`LossEdit`)."""
    node = edit.node
    old_name = node.get_string("name", "")
    line = node.line
    for child in list(node.children or ()):
        if child.name in _LOSS_ONLY_FIELDS:
            node.remove(child)
    bottoms = node.all("bottom")
    _keep_first_value(node, bottoms)
    tops = node.all("top")
    if len(tops) > 1 or (tops and len(tops[0].values()) > 1):
        # The second top (the probabilities) becomes the only one.
        first = tops[0]
        if first.is_list:
            first.set_value("[" + ", ".join(first.values()[1:]) + "]")
        else:
            node.remove(first)
    elif tops:
        tops[0].set_string(edit.top)
    else:
        node.append("top", quote(edit.top))
    _set_or_insert(node, "name", quote(edit.name), 0)
    _set_or_insert(node, "type", quote(edit.type), 1)
    return Change(edit.type.lower(), old_name, f"{edit.loss} -> {edit.type} {edit.name!r} writing {edit.top!r}", line)


def _keep_first_value(node: Node, fields: list[Node]) -> None:
    """Keeps only the first value of a repeated scalar field (``bottom``)."""
    if not fields:
        return
    first = fields[0]
    if first.is_list and len(first.values()) > 1:
        first.set_value("[" + first.values()[0] + "]")
    for extra in fields[1:]:
        node.remove(extra)


def _set_or_insert(node: Node, name: str, raw: str, index: int) -> None:
    existing = node.get(name)
    if existing is not None:
        if existing.value != raw:
            existing.set_value(raw)
    else:
        node.insert(index, name, raw)
