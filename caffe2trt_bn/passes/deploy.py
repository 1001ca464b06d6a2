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
is never modified.  The walk over the net is :mod:`.deploy_walk`; the ``Input`` layer
and its shapes are :mod:`.deploy_inputs`.

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
  layer exists already does not count); other ones are named ``<bottom>_prob``.  A
  ``SoftmaxWithLoss`` with a second top (the probabilities) keeps that top's name, so its
  readers keep working.  If a kept ``Softmax`` (``Sigmoid``) already reads the same blob,
  the loss is just removed.  All other losses (types ending in ``Loss``, or any layer with a non-zero ``loss_weight``) are removed: their
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

import os
from dataclasses import dataclass, field

from ..errors import Diagnostic, GraphError
from ..io.prototxt import Document, Node, parse, parse_file, quote
from ..ir.graph import (
    NetState,
    check_singular,
    layer_selected,
    layer_type,
    missing_type,
    net_state,
)
from ..ir.params import (
    field_diagnostics,
    field_node,
    has,
    layer_name,
    param,
    read_message,
)
from ..ir.schema import NetStateRule
from ..policy import entry_point, report
from .deploy_inputs import InputBlob, InputShapes, plan_input, shape_problem
from .deploy_walk import DATA_LAYER_TYPES, OUTPUT_LOSSES, Walk, WalkLayer, free_name

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
    "deploy_file",
    "plan_deploy",
    "rewrite",
    "shape_problem",
    "to_deploy",
]

#: Name of the layer and blob of the main converted loss (deploy convention).
PROB_NAME = "prob"
#: Fields of a loss that its Softmax or Sigmoid does not have.
_LOSS_ONLY_FIELDS = ("loss_weight", "loss_param", "propagate_down", "include", "exclude")
_RULE_FIELDS = ("include", "exclude")
_STAGE_RULE_FIELDS = ("stage", "not_stage", "min_level", "max_level")


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


@entry_point
def to_deploy(text: str, input_shape: InputShapes = None, *, path: str | None = None, strict: bool = False) -> str:
    """The deploy prototxt for the train_val (or deploy) prototxt ``text``.

    ``input_shape`` gives the shape of the first input blob (``(N, C, H, W)``) or of input
    blobs by name; without it the shape comes from the file.  ``path`` only names the
    file in errors.  Raises :class:`~caffe2trt_bn.errors.PrototxtSyntaxError` (file, line,
    column) for invalid text and :class:`~caffe2trt_bn.errors.GraphError` for nets that
    cannot be converted (unknown input shape, a bottom nobody produces, V1 nets).
    Warnings (e.g. ignored stage rules) are issued as
    :class:`~caffe2trt_bn.errors.Caffe2TrtWarning`; ``strict=True`` raises the first that is a risk
    (:mod:`caffe2trt_bn.policy`).
    """
    result = rewrite(parse(text, path), input_shape)
    report(result.diagnostics)
    return result.text


@entry_point(issue=False)
def deploy_file(path: str | os.PathLike[str], input_shape: InputShapes = None, *, strict: bool = False) -> DeployResult:
    """The rewrite of the prototxt file ``path``, with its changes and warnings (returned,
    not issued: the command line prints them); ``strict`` as for :func:`to_deploy`."""
    result = rewrite(parse_file(path), input_shape)
    report(result.diagnostics)
    return result


def deploy_document(doc: Document, input_shape: InputShapes = None) -> DeployResult:
    """Plans and applies the rewrite on a copy of ``doc`` (``doc`` itself is not modified)."""
    return rewrite(parse(doc.render(), doc.path), input_shape)


def rewrite(doc: Document, input_shape: InputShapes = None) -> DeployResult:
    """Plans and applies the rewrite on ``doc`` itself (for callers that own the document)."""
    plan = plan_deploy(doc, input_shape)
    changes = apply_plan(doc, plan)
    return DeployResult(doc, changes, plan.inputs, plan.diagnostics)


# --------------------------------------------------------------------------- matching


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
    walk = Walk(doc, layers)
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
    plan_input(layers, needed, walk.origins, input_shape, plan, path, kept_names)
    return plan


def _read_layer(node: Node, state: NetState) -> WalkLayer:
    """A layer as the walk sees it; the checks of :func:`~caffe2trt_bn.ir.graph.build_graph`
    apply (a singular field given twice, a selected layer without a type)."""
    check_singular(node)
    name = layer_name(node)
    ltype = layer_type(node)
    selected = layer_selected(node, state, name)
    if selected and not ltype:
        raise missing_type(node, name, node.get("type"))
    return WalkLayer(
        node=node,
        name=name,
        type=ltype,
        bottoms=node.get_strings("bottom"),
        tops=node.get_strings("top"),
        selected=selected,
    )


def _note_stage_rules(layers: list[WalkLayer], plan: DeployPlan, path: str | None) -> None:
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


def _plan_losses(walk: Walk, plan: DeployPlan) -> None:
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
    converted: list[WalkLayer] = []
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
        main_free = index == main and PROB_NAME not in taken
        name = PROB_NAME if main_free else free_name(f"{source.blob}_{PROB_NAME}", taken)
        taken.add(name)
        top = layer.tops[1] if len(layer.tops) > 1 else name
        plan.losses.append(LossEdit(layer.node, name, top, layer.type, kind))


def _loss_weight(layer: WalkLayer) -> float:
    """Weight of the loss (first) top: 1 unless ``loss_weight`` says otherwise."""
    weights = layer.node.get_floats("loss_weight")
    return weights[0] if weights else 1.0


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
                "use_global_stats", layer_name(layer), "false -> true (use the stored statistics)", flag.line
            )
        )
    for layer, rule in plan.rules:
        layer.remove(rule)
        changes.append(Change("rules", layer_name(layer), f"removed {rule.name} rule", rule.line))
    for node, reason in plan.remove:
        changes.append(Change("removed", layer_name(node), reason, node.line))
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
    old_name = layer_name(node)
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
