"""Folding BatchNorm (+ Scale + Bias) groups into the layers that produce their input.

Every group :func:`fuse.match_groups` finds computes ``y = a*x + b`` per channel.  When
``x`` is the single output of a Convolution, Deconvolution or InnerProduct that no other
layer reads, the map moves into that layer's weights and the group's layers disappear:

* Convolution, weights ``(C_out, C_in/group, kh, kw)``: ``W'[o] = W[o]*a[o]``.
* Deconvolution, weights ``(C_in, C_out/group, kh, kw)``: output channel
  ``g*(C_out/group) + j`` is column ``j`` of the rows of group ``g``.
* InnerProduct, weights ``(N, K)``, or ``(K, N)`` with ``transpose: true``: the rows
  (or columns) of the outputs are scaled.
* Always ``bias'[o] = bias[o]*a[o] + b[o]``; a producer with ``bias_term: false`` gains a
  bias blob ``(C_out,)`` and ``bias_term: true``.

All of it in float64, rounded once to the stored precision.  The producer's top is
renamed to the group's output blob, so every later layer reads what it read before.

A group that cannot fold (its input is a net input or comes from another kind of layer
such as Concat or Eltwise, the producer writes several tops, its output has other
readers, its weights are shared, ...) becomes one ``Scale`` layer with ``bias_term:
true`` carrying the merged map, in place of its BatchNorm and named after it, reading
and writing the same blobs as the group did.  A group whose input is the output of an
earlier group (BatchNorm after BatchNorm) joins that group's target.

Nothing is written before everything has been computed and checked: the prototxt edit
is done on the lossless tree (comments and unknown fields stay), the caffemodel is
written by :mod:`.export.caffe`, which copies every untouched layer byte for byte.

Decisions worth knowing:

* The Scale layer that replaces a group is named after the group's BatchNorm (in the
  prototxt and in the caffemodel, at the BatchNorm's place) and keeps its phase rules.
* The folded net always uses the stored statistics; a BatchNorm with
  ``use_global_stats: false`` is reported as a warning.
* The net is read in the TEST phase; layers excluded from it are left as they are.
* When the caffemodel holds several layers of one name, Caffe loads the last; that one
  is edited and the earlier ones (which Caffe would overwrite) are dropped.
"""

from __future__ import annotations

import bisect
import contextlib
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..io.atomic import atomic_output, check_output_path, same_file
from .batchnorm import BATCHNORM_TYPES, Affine, to_float32
from ..io.caffemodel import Blob
from ..errors import (
    Caffe2TrtError,
    Diagnostic,
    GraphError,
    ModelValueError,
    OutputError,
    enforce_strict,
    file_error,
    issue_warnings,
)
from ..io.caffemodel_writer import (
    BlobValues,
    LayerEdit,
    RewriteBlobs,
    scale_layer_payload,
    write_caffemodel,
)
from .fuse import Group, check_float32_range, compute_groups
from ..gcpause import gc_paused
from ..ir.graph import Graph, Layer, Value, build_graph, layer_selected, net_state
from ..ir.params import LAYER_PARAMS, layer_params, read_message
from ..ir.schema import (
    BlobShape,
    ConvolutionParameter,
    DEFAULT_BiasParameter,
    InnerProductParameter,
    InputParameter,
    ParamSpec,
)
from ..ir.net import Net, load_net
from ..io.prototxt import Document, parse, parse_file, quote

#: Layer types whose weights can absorb a per-channel affine of their output.
FOLDABLE_TYPES = ("Convolution", "Deconvolution", "InnerProduct")

#: Parameter message field numbers (LayerParameter) whose ``bias_term`` is set in the binary.
PARAM_FIELD_NUMBERS = {"Convolution": 106, "Deconvolution": 106, "InnerProduct": 117}

#: Values per chunk when folded weights are computed (1 MiB of float32).
CHUNK_VALUES = 1 << 18

#: Default ``--rtol`` of ``fold --verify``: the largest accepted difference between an
#: output of the original and of the folded net, relative to the output's magnitude.
VERIFY_RTOL = 1e-5


@dataclass
class FoldedGroup:
    """Where one BatchNorm group went.

    ``action`` is ``"folded"`` (into the producer ``into``) or ``"scale"`` (it became the
    Scale layer ``into``, named after the group's BatchNorm); ``reason`` says why it was
    not folded into a producer; ``bias_added`` is set when the producer had no bias.
    """

    name: str
    layers: list[str]
    action: str
    into: str
    channels: int
    reason: str | None = None
    bias_added: bool = False
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, object]:
        return {
            "name": self.name,
            "layers": list(self.layers),
            "action": self.action,
            "into": self.into,
            "channels": self.channels,
            "reason": self.reason,
            "bias_added": self.bias_added,
            "notes": list(self.notes),
        }


@dataclass
class FoldResult:
    """What :func:`fold` did: one :class:`FoldedGroup` per group, the layers removed
    from the net, the warnings, and the files written."""

    groups: list[FoldedGroup]
    removed: list[str]
    diagnostics: list[Diagnostic]
    prototxt: Path
    caffemodel: Path


@dataclass(eq=False)
class FoldTarget:
    """The layer that computes one or more groups after folding.

    For a producer, ``layer`` is the Convolution/Deconvolution/InnerProduct; for a new
    Scale, ``layer`` is the BatchNorm it replaces and ``bottom`` the blob it reads.
    ``top`` is the blob the target writes after folding; ``groups`` are the groups it
    computes (more than one for BatchNorm after BatchNorm).  Compared by identity.
    """

    layer: Layer
    is_scale: bool
    affine: Affine
    top: str
    bottom: str
    groups: list[Group] = field(default_factory=list)
    #: The indices of the layers of ``groups`` (kept with them: a clash check skips them).
    own: set[int] = field(default_factory=set)

    def add(self, group: Group) -> None:
        """Makes the target compute ``group`` too."""
        self.groups.append(group)
        self.own.update(layer.index for layer in group.layers)

    @property
    def folded_layers(self) -> list[Layer]:
        return [layer for group in self.groups for layer in group.layers]


@dataclass
class _BlobUses:
    """The layers that read or write each blob name, as sorted layer indices: a clash
    check looks at the uses of one blob between two layers, not at every layer between
    them (which, for groups far from their producers, would cost the net's length per group)."""

    graph: Graph
    by_blob: dict[str, list[int]]

    @classmethod
    def of(cls, graph: Graph) -> _BlobUses:
        by_blob: dict[str, list[int]] = {}
        for layer in graph.layers:
            for blob in (*layer.bottoms, *layer.tops):
                uses = by_blob.setdefault(blob, [])
                if not uses or uses[-1] != layer.index:
                    uses.append(layer.index)
        return cls(graph, by_blob)

    def clash(self, blob: str, start: int, end: int, *own: set[int]) -> Layer | None:
        """A layer strictly between ``start`` and ``end`` (not in any of the ``own`` sets
        of layer indices) that reads or writes ``blob``: moving the write of ``blob`` to
        ``start`` would change it."""
        uses = self.by_blob.get(blob, [])
        for k in range(bisect.bisect_right(uses, start), bisect.bisect_left(uses, end)):
            if not any(uses[k] in indices for indices in own):
                return self.graph.layers[uses[k]]
        return None


@dataclass
class FoldPlan:
    """Everything :func:`fold` writes, computed and checked before anything is written.

    ``text`` is the folded prototxt; ``edits`` the caffemodel edits by stored-layer index
    (see :func:`export.caffe.write_caffemodel`).
    """

    net: Net
    groups: list[FoldedGroup]
    removed: list[str]
    diagnostics: list[Diagnostic]
    text: str
    edits: dict[int, LayerEdit]


def fold(
    prototxt: str | os.PathLike[str],
    caffemodel: str | os.PathLike[str],
    outdir: str | os.PathLike[str],
    *,
    strict: bool = False,
) -> FoldResult:
    """Folds every BatchNorm group of a model and writes ``outdir/<same file names>``.

    ``prototxt`` is the deploy net, ``caffemodel`` the trained weights (possibly the
    TRAIN net saved by Caffe: its extra layers pass through).  ``outdir`` is created if
    missing; it may not be the folder of the inputs when that would overwrite them.
    Both outputs are written atomically, and neither is left behind if writing fails.
    ``strict`` turns the first warning that is a risk into a :class:`StrictModeError`
    (nothing is written; see :func:`~caffe2trt_bn.errors.enforce_strict`).  Raises :class:`Caffe2TrtError` for problems with the input.
    """
    prototxt_out, caffemodel_out = output_paths(prototxt, caffemodel, outdir)
    with gc_paused():  # planning and writing make many objects beside the loaded net, no cycles
        net = load_net(prototxt, caffemodel)
        plan = plan_fold(net)
        enforce_strict(plan.diagnostics, strict)
        write_plan(plan, prototxt_out, caffemodel_out)
        result = FoldResult(plan.groups, plan.removed, plan.diagnostics, prototxt_out, caffemodel_out)
    issue_warnings(plan.diagnostics)
    return result


def output_paths(
    prototxt: str | os.PathLike[str], caffemodel: str | os.PathLike[str], outdir: str | os.PathLike[str]
) -> tuple[Path, Path]:
    """``outdir/<prototxt name>`` and ``outdir/<caffemodel name>``, refused when they
    would overwrite an input or each other, or when ``outdir`` is a file."""
    out = Path(outdir)
    proto_in, model_in = Path(prototxt), Path(caffemodel)
    if proto_in.name == model_in.name:
        raise OutputError(
            f"the prototxt and the caffemodel are both named {proto_in.name!r}; their outputs would collide", file=out
        )
    try:
        is_file = out.exists() and not out.is_dir()
    except OSError as exc:  # a name too long, a folder that may not be searched
        raise file_error(exc, out, writing=True) from None
    if is_file:
        raise OutputError("output folder is a file", file=out)
    targets = (out / proto_in.name, out / model_in.name)
    for target in targets:
        for src in (proto_in, model_in):
            if same_file(target, src):
                raise OutputError(
                    f"would overwrite the input {str(src)!r}; choose another output folder", file=out
                )
    return targets


def write_plan(plan: FoldPlan, prototxt_out: Path, caffemodel_out: Path) -> None:
    """Writes both outputs atomically (creating their folder); on any failure neither
    output is replaced, and the folders this call created are removed again."""
    inputs = [p for p in (plan.net.prototxt_path, plan.net.caffemodel_path) if p is not None]
    created = _make_folder(prototxt_out.parent)
    try:
        for path in (prototxt_out, caffemodel_out):
            check_output_path(path, inputs)
        data = plan.text.encode("utf-8")
        with atomic_output(prototxt_out, inputs) as proto_tmp, atomic_output(caffemodel_out, inputs) as model_tmp:
            with open(model_tmp, "wb") as f:
                write_caffemodel(plan.net.model, f, plan.edits)
            with open(proto_tmp, "wb") as f:
                f.write(data)
    except BaseException:
        _remove_folders(created)
        raise


def _make_folder(folder: Path) -> list[Path]:
    """Creates ``folder`` one path component at a time and returns the folders it created,
    deepest first (so ``missing/../existing`` creates ``missing`` only, and only that
    is removed again).  An OS error removes them and becomes an :class:`OutputError`."""
    created: list[Path] = []
    current = Path(folder.anchor)
    try:
        for part in folder.parts[1:] if folder.anchor else folder.parts:
            current = current / part
            try:
                current.mkdir()
            except FileExistsError:
                continue
            created.insert(0, current)
    except BaseException as exc:  # an OS error, or an interrupt between two folders
        _remove_folders(created)
        if isinstance(exc, OSError):
            raise file_error(exc, folder, writing=True) from None
        raise
    return created


def _remove_folders(created: list[Path]) -> None:
    """Removes the folders :func:`_make_folder` created, if they are still empty."""
    for made in created:
        with contextlib.suppress(OSError):
            made.rmdir()


# --- planning -----------------------------------------------------------------------


# Chained maps and folded biases can pass the float32 range (or meet inf*0); every value
# is checked where it is written (check_float32_range, and the writer refuses non-finite
# weights by name), so numpy need not warn of them.
@np.errstate(invalid="ignore", over="ignore")
def plan_fold(net: Net) -> FoldPlan:
    """Decides where every group goes and prepares both outputs (nothing is written;
    ``net.doc`` is edited in place into the folded prototxt).

    Raises :class:`Caffe2TrtError` for weights that do not match the net (channel
    counts, blob counts, a producer missing from the caffemodel), and for a damaged
    layer anywhere in the caffemodel: the fold copies every layer, so every layer is
    decoded first (:meth:`CaffeModel.check`).
    """
    net.model.check()
    state = net_state(net.doc)
    training_only = [node for node in net.doc.all("layer") if not layer_selected(node, state)]
    if training_only:
        # Folding edits the prototxt as written: layers of other phases would be left half-edited.
        raise GraphError(
            f"fold rewrites a deploy net, but this prototxt has {len(training_only)} layer(s) outside the TEST "
            "phase; run `caffe-bn-merge to-deploy` on it first",
            file=net.prototxt_path,
            layer=training_only[0].get_string("name", ""),
        )
    targets, report, diagnostics = place_groups(net)
    edits: dict[int, LayerEdit] = {}
    stored: dict[str, list[int]] = {}
    for i, layer in enumerate(net.model.layers):
        stored.setdefault(layer.name, []).append(i)
    added_bias: set[str] = set()
    for target in targets:
        if target.is_scale:
            if len(target.groups) > 1:  # each group's map fits float32, their product may not
                try:
                    check_float32_range(target.affine)
                except ModelValueError as exc:
                    raise exc.with_context(file=net.caffemodel_path, layer=target.layer.name) from None
            scale, shift = to_float32(target.affine)
            payload = scale_layer_payload(target.layer.name, target.bottom, target.top, scale, shift)
            _edit_stored(net, stored, target.layer.name, payload, edits)
        else:
            try:
                rewrite, bias_added = producer_rewrite(net, target)
            except Caffe2TrtError as exc:  # e.g. a bad bias_term value of the producer
                raise exc.with_context(layer=target.layer.name) from None
            _edit_stored(net, stored, target.layer.name, rewrite, edits)
            if bias_added:
                added_bias.add(target.layer.name)
    removed: list[Layer] = []
    for target in targets:
        for layer in target.folded_layers:
            if not (target.is_scale and layer is target.layer):
                removed.append(layer)
                for i in stored.get(layer.name, []):
                    edits[i] = None
    for item in report:
        item.bias_added = item.action == "folded" and item.into in added_bias
    text = _edit_prototxt(net.doc, targets, removed, added_bias)
    _check_result(text, net.doc.path)
    removed.sort(key=lambda layer: layer.index)
    return FoldPlan(net, report, [layer.name for layer in removed], diagnostics, text, edits)


def place_groups(
    net: Net, *, check_moved_writes: bool = True
) -> tuple[list[FoldTarget], list[FoldedGroup], list[Diagnostic]]:
    """Where every BatchNorm group of ``net`` goes when folded: the targets (producers
    that absorb groups, Scale layers that replace them), one report entry per group, and
    the model warnings.  The one decision shared by :func:`fold` and the ONNX export's
    ``--bn fold``, so both give the same numbers bit for bit.

    ``check_moved_writes`` refuses nets where a new Scale layer, written at its
    BatchNorm's place, would change what a layer in between sees (a prototxt edit
    problem; a graph of distinct values, like ONNX's, has no such problem).
    """
    graph = net.graph
    uses = _BlobUses.of(graph)
    targets: list[FoldTarget] = []
    placed: set[FoldTarget] = set()  # the same targets, for a membership test (by identity)
    by_output: dict[Value, FoldTarget] = {}
    report: list[FoldedGroup] = []
    param_users: dict[str, list[Layer]] = {}
    for layer in graph.layers:
        for name in _param_names(layer):
            param_users.setdefault(name, []).append(layer)
    computed, diagnostics = compute_groups(net)
    for item in computed:
        group, affine = item.group, item.affine
        target, reason = _place(graph, uses, group, affine, by_output, param_users)
        if target is None:
            target = FoldTarget(group.bn, True, affine, group.output.blob, group.input.blob)
            target.add(group)
            if check_moved_writes:
                _check_moved_write(graph, uses, target)
            targets.append(target)
        elif target not in placed:  # a new producer target, not an earlier group's
            targets.append(target)
        placed.add(target)
        by_output[group.output] = target
        report.append(
            FoldedGroup(
                name=group.name,
                layers=[layer.name for layer in group.layers],
                action="scale" if target.is_scale else "folded",
                into=target.layer.name,
                channels=affine.channels,
                reason=reason,
                notes=list(group.notes),
            )
        )
    return targets, report, diagnostics


def _place(
    graph: Graph,
    uses: _BlobUses,
    group: Group,
    affine: Affine,
    by_output: dict[Value, FoldTarget],
    param_users: dict[str, list[Layer]],
) -> tuple[FoldTarget | None, str | None]:
    """The existing or new producer target of ``group``, or (None, why not)."""
    value = group.input
    others = [r.name for r in graph.readers_of(value) if r is not group.bn]
    earlier = by_output.get(value)
    producer = graph.producer.get(value)
    if others:
        readers = ", ".join(map(repr, others))
        if producer is None:
            return None, f"the net input {value.blob!r} is also read by {readers}"
        source = earlier.layer.name if earlier is not None else producer.name
        return None, f"the output {value.blob!r} of {source!r} is also read by {readers}"
    if earlier is not None:
        own = {layer.index for layer in group.layers}
        clash = uses.clash(group.output.blob, earlier.layer.index, group.last.index, earlier.own, own)
        if clash is not None:
            return None, _clash_reason(group.output.blob, earlier.layer.name, clash)
        earlier.affine = earlier.affine.then(affine)
        earlier.top = group.output.blob
        earlier.add(group)
        return earlier, None
    if producer is None:
        return None, f"its input {value.blob!r} is a net input"
    reason = _unfoldable_reason(producer, param_users)
    if reason is not None:
        return None, reason
    clash = uses.clash(group.output.blob, producer.index, group.last.index, {layer.index for layer in group.layers})
    if clash is not None:
        return None, _clash_reason(group.output.blob, producer.name, clash)
    target = FoldTarget(producer, False, affine, group.output.blob, "")
    target.add(group)
    return target, None


def _unfoldable_reason(producer: Layer, param_users: dict[str, list[Layer]]) -> str | None:
    """Why ``producer`` cannot take folded weights, or None if it can; ``param_users``
    maps each ``param { name }`` to the layers that use it (Caffe shares those weights)."""
    if producer.type not in FOLDABLE_TYPES:
        return (
            f"its input comes from {producer.type or 'untyped'} layer {producer.name!r}; "
            f"only {', '.join(FOLDABLE_TYPES)} layers take folded weights"
        )
    if len(producer.tops) != 1:
        return f"its producer {producer.name!r} writes {len(producer.tops)} tops"
    axis = _producer_params(producer).axis
    if axis != 1:
        return f"{producer.type} {producer.name!r} has axis {axis}, so its outputs are not on the channel axis 1"
    for name in sorted(_param_names(producer)):
        others = [layer for layer in param_users.get(name, []) if layer is not producer]
        if others:
            return f"{producer.name!r} shares its weights (param name {name!r}) with {others[0].name!r}"
    return None


def _producer_params(layer: Layer) -> ConvolutionParameter | InnerProductParameter:
    """The typed parameters of a Convolution, Deconvolution or InnerProduct layer."""
    param = layer_params(layer)
    assert isinstance(param, (ConvolutionParameter, InnerProductParameter))
    return param


def _param_names(layer: Layer) -> set[str]:
    """The ``param { name }`` of a layer (Caffe shares the weights of equal names)."""
    specs = (read_message(p, ParamSpec, layer=layer.name, path="param") for p in layer.node.all("param"))
    return {spec.name for spec in specs if spec.name}


def _clash_reason(blob: str, writer: str, clash: Layer) -> str:
    return f"making {writer!r} write {blob!r} would change the {blob!r} that {clash.name!r} sees"


def _check_moved_write(graph: Graph, uses: _BlobUses, target: FoldTarget) -> None:
    """A new Scale writes the group's output at the BatchNorm's place: refuse nets where
    that changes what a layer in between sees."""
    group = target.groups[0]
    clash = uses.clash(target.top, group.bn.index, group.last.index, target.own)
    if clash is not None:
        raise GraphError(
            f"cannot replace the group {' + '.join(l.name for l in group.layers)} by one Scale layer: "
            + _clash_reason(target.top, group.bn.name, clash),
            file=graph.path,
            layer=group.name,
        )


# --- caffemodel edits ---------------------------------------------------------------


def _edit_stored(
    net: Net, stored: dict[str, list[int]], name: str, edit: LayerEdit, edits: dict[int, LayerEdit]
) -> None:
    """Applies ``edit`` to the stored layer named ``name`` that Caffe reads (the last of
    that name); earlier duplicates, which Caffe overwrites when loading, are dropped.
    ``stored`` maps layer names to their indices in the caffemodel."""
    indices = stored.get(name)
    if not indices:
        raise GraphError("is not in the caffemodel", file=net.caffemodel_path, layer=name)
    for i in indices:
        edits[i] = edit if i == indices[-1] else None


def producer_rewrite(net: Net, target: FoldTarget) -> tuple[RewriteBlobs, bool]:
    """The new blobs of a producer target (values computed when written) and whether
    a bias blob is added."""
    layer = target.layer
    blobs = net.blobs(layer)
    bias_term = _producer_params(layer).bias_term
    want = 2 if bias_term else 1
    path = net.caffemodel_path

    def mismatch(message: str) -> ModelValueError:
        return ModelValueError(message, file=path, layer=layer.name)

    if len(blobs) != want:
        raise mismatch(
            f"{layer.type} with bias_term: {'true' if bias_term else 'false'} needs {want} blob(s) "
            f"but the caffemodel holds {len(blobs)}"
        )
    a, b = target.affine.a, target.affine.b
    channels = target.affine.channels
    weights = blobs[0]
    rows, cols, factor = _weight_layout(layer, weights, a, mismatch)
    double = weights.data.dtype == np.float64
    new = [
        BlobValues(
            count=weights.count,
            chunks=_scaled_chunks(weights.data, rows, cols, factor, double),
            double=double,
            keep_from=weights,
        )
    ]
    if bias_term:
        stored = blobs[1]
        if stored.count != channels:
            raise mismatch(f"bias has {stored.count} values (shape {stored.shape}) but the output has {channels} channels")
        bias = stored.data.astype(np.float64) * a + b
        bias_double = stored.data.dtype == np.float64
        new.append(_array_blob(bias, bias_double, stored, (channels,)))
    else:
        new.append(_array_blob(b, double, None, (channels,)))
    return RewriteBlobs(new, None if bias_term else PARAM_FIELD_NUMBERS[layer.type]), not bias_term


def _weight_layout(
    layer: Layer, weights: Blob, a: np.ndarray, mismatch: Callable[[str], ModelValueError]
) -> tuple[int, int, Callable[[int, int], np.ndarray]]:
    """The weights seen as ``rows x cols`` in stored order, and the factors of rows
    ``r0:r1`` (broadcastable to ``(r1 - r0, cols)``)."""
    channels = a.size
    shape = weights.shape
    count = weights.count
    param = _producer_params(layer)
    what = f"{layer.type} weights of shape {shape}"
    if channels == 0 or count == 0:
        raise mismatch(f"{what} hold no values: a layer without channels cannot be folded")
    if layer.type == "Convolution":
        if not shape or shape[0] != channels:
            raise mismatch(f"{what} do not have the {channels} output channels of the BatchNorm after it")
        return channels, count // channels, lambda r0, r1: a[r0:r1, None]
    if layer.type == "Deconvolution":
        assert isinstance(param, ConvolutionParameter)
        group = param.group
        if len(shape) < 2 or group < 1 or shape[0] % group or shape[1] * group != channels:
            raise mismatch(
                f"{what} with group {group} do not have the {channels} output channels of the BatchNorm after it"
            )
        rows, per_group = shape[0], shape[1]
        rows_per_group = rows // group
        spatial = count // (rows * per_group) if rows * per_group else 0
        # Row r (input channel) belongs to group r // rows_per_group; along a row the
        # output channel j of that group repeats for each of the `spatial` kernel taps.
        table = np.repeat(a.reshape(group, per_group), spatial, axis=1)
        return rows, per_group * spatial, lambda r0, r1: table[np.arange(r0, r1) // rows_per_group]
    assert isinstance(param, InnerProductParameter)
    if param.transpose:
        if not shape or shape[-1] != channels:
            raise mismatch(f"{what} (transposed, K x N) do not have the {channels} outputs of the BatchNorm after it")
        return count // channels, channels, lambda r0, r1: a[None, :]
    outputs = shape[-2] if weights.legacy_shape and len(shape) >= 2 else (shape[0] if shape else 0)
    if outputs != channels or count % channels:
        raise mismatch(f"{what} (N x K) do not have the {channels} outputs of the BatchNorm after it")
    return channels, count // channels, lambda r0, r1: a[r0:r1, None]


def _scaled_chunks(
    flat: np.ndarray, rows: int, cols: int, factor: Callable[[int, int], np.ndarray], double: bool
) -> Callable[[Callable[[int], np.ndarray]], Iterator[np.ndarray]]:
    """Chunks of ``flat`` (``rows x cols``) times the row factors: float64 products,
    each rounded once to the output precision, in arrays lent by the writer (``take``,
    see :class:`export.caffe.BlobValues`)."""

    def chunks(take: Callable[[int], np.ndarray]) -> Iterator[np.ndarray]:
        if rows == 0 or cols == 0:
            return
        step = max(1, CHUNK_VALUES // cols)
        # float32 weights are widened (exactly) into ``wide``, multiplied there and rounded
        # once into the chunk: the values of one mixed-type multiply, which is slower (it
        # copies the broadcast factors for every block it casts).
        wide = None if double else np.empty(min(rows, step) * cols, dtype=np.float64)
        for r0 in range(0, rows, step):
            r1 = min(rows, r0 + step)
            n = (r1 - r0) * cols
            chunk = take(n)
            out = chunk.reshape(r1 - r0, cols)
            block = flat[r0 * cols : r1 * cols].reshape(r1 - r0, cols)
            # Non-finite producer weights stay non-finite, as in Caffe (the writer refuses
            # them); no numpy warning for them.
            with np.errstate(invalid="ignore", over="ignore"):
                if wide is None:
                    np.multiply(block, factor(r0, r1), out=out)
                else:
                    product = wide[:n].reshape(r1 - r0, cols)
                    product[...] = block
                    np.multiply(product, factor(r0, r1), out=product)
                    out[...] = product
            yield chunk

    return chunks


def _array_blob(values: np.ndarray, double: bool, keep_from: Blob | None, shape: tuple[int, ...]) -> BlobValues:
    """A small blob whose float64 values are already computed (the writer refuses the
    non-finite ones by name)."""
    rounded = values.astype(np.float64 if double else np.float32)
    return BlobValues(
        count=int(rounded.size), chunks=lambda take: [rounded], double=double, keep_from=keep_from, shape=shape
    )


# --- prototxt edits -----------------------------------------------------------------


def _edit_prototxt(doc: Document, targets: list[FoldTarget], removed: list[Layer], added_bias: set[str]) -> str:
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


def _check_result(text: str, path: str | None) -> None:
    """The folded prototxt must parse, resolve every bottom and hold no BatchNorm in
    the TEST net; a failure here is a bug, reported with the file it concerns."""
    graph = build_graph(parse(text, path))
    left = [layer.name for layer in graph.layers if layer.type == "BatchNorm"]
    if left:
        raise AssertionError(f"folded net still holds BatchNorm layers {left}")


# --- verification -------------------------------------------------------------------


@dataclass
class OutputDifference:
    """One blob compared between the original and the folded net: a net output
    (``output``), or the top of an intermediate layer the fold leaves unchanged.

    ``relative`` is the largest absolute difference divided by the largest magnitude
    of the original output (0 for an all-zero output that stays zero).
    """

    blob: str
    shape: tuple[int, ...]
    max_abs: float
    relative: float
    output: bool = True

    def to_json(self) -> dict[str, object]:
        return {
            "blob": self.blob,
            "shape": list(self.shape),
            "max_abs": self.max_abs,
            "relative": self.relative,
            "output": self.output,
        }


OPENCV_HINT = 'verification needs OpenCV dnn: pip install "opencv-python-headless<5"'


def opencv_available() -> bool:
    """True when OpenCV dnn imports (call it only when verification is wanted: the
    import takes a while)."""
    try:
        import cv2
    except ImportError:
        return False
    return hasattr(cv2, "dnn")


def verify_fold(
    prototxt: str | os.PathLike[str],
    caffemodel: str | os.PathLike[str],
    folded_prototxt: str | os.PathLike[str],
    folded_caffemodel: str | os.PathLike[str],
    *,
    seed: int = 0,
) -> list[OutputDifference]:
    """Runs the original and the folded net in OpenCV dnn on the same random input.

    Input shapes come from the original prototxt (``Input`` layers or ``input_shape`` /
    ``input_dim``).  OpenCV's own layer fusion is switched off, so the original runs
    BatchNorm and Scale as separate layers, and so is Winograd convolution, whose own
    rounding (a few 1e-6) would hide the fold's.  Caffe ``Bias`` layers, which OpenCV lacks,
    are run by a small custom layer while this function runs.  Returns one
    :class:`OutputDifference` per output of the original net, then one per intermediate
    layer whose output the fold does not change (see :func:`unchanged_layers`): a net
    ending in a saturated Softmax would otherwise hide any difference.
    """
    try:
        import cv2
    except ImportError:
        raise Caffe2TrtError(OPENCV_HINT) from None
    original_doc = parse_file(prototxt)
    original = build_graph(original_doc)
    for layer in original.layers:
        params = layer_params(layer) if layer.type == "InnerProduct" else None
        if isinstance(params, InnerProductParameter) and params.transpose:
            # OpenCV dnn reads the (K, N) weights as if they were (N, K): both nets would be wrong.
            raise Caffe2TrtError(
                "cannot verify with OpenCV dnn: it ignores 'transpose: true' of InnerProduct layers",
                file=prototxt,
                layer=layer.name,
            )
    folded = build_graph(parse_file(folded_prototxt))
    shapes = input_shapes(original_doc, original)
    rng = np.random.default_rng(seed)
    inputs = {name: rng.standard_normal(shape).astype(np.float32) for name, shape in shapes.items()}
    outputs = net_outputs(original)
    is_output = set(outputs)
    intermediate = [blob for blob in unchanged_layers(original, folded) if blob not in is_output]
    blobs = outputs + intermediate
    registered = _register_bias_layer(cv2)
    try:
        before = _run_opencv(cv2, prototxt, caffemodel, inputs, original, blobs)
        after = _run_opencv(cv2, folded_prototxt, folded_caffemodel, inputs, folded, blobs)
    finally:
        if registered:
            cv2.dnn_unregisterLayer("Bias")
    result = []
    for blob in blobs:
        ref = before[blob].astype(np.float64)
        got = after[blob].astype(np.float64)
        if ref.shape != got.shape:
            raise Caffe2TrtError(f"output {blob!r} has shape {got.shape} after folding, {ref.shape} before")
        max_abs = float(np.max(np.abs(got - ref))) if ref.size else 0.0
        magnitude = float(np.max(np.abs(ref))) if ref.size else 0.0
        relative = max_abs / magnitude if magnitude > 0 else (0.0 if max_abs == 0 else float("inf"))
        result.append(OutputDifference(blob, tuple(ref.shape), max_abs, relative, output=blob in is_output))
    return result


def unchanged_layers(original: Graph, folded: Graph) -> list[str]:
    """Blobs whose final value both nets compute alike: the single top of each layer
    present in both with the same type and the same tops, written last by that layer,
    and not read by a batch normalisation in the original (a folded producer's output
    changes by design; so does a BatchNorm's that became a Scale layer).  Listed in
    execution order, each once."""
    kept = {layer.name: layer for layer in folded.layers}
    original_writers, folded_writers = final_writers(original), final_writers(folded)
    blobs: dict[str, None] = {}  # ordered, each once
    for layer in original.layers:
        twin = kept.get(layer.name)
        if twin is None or twin.type != layer.type or twin.tops != layer.tops or len(layer.tops) != 1:
            continue
        if layer.type in BATCHNORM_TYPES or layer.type == "Input":
            continue
        value = layer.outputs[0]
        if any(reader.type in BATCHNORM_TYPES for reader in original.readers_of(value)):
            continue
        # Only a blob's last writer is retrievable unambiguously by its blob name.
        if original_writers[value.blob][0] != layer.name or folded_writers[value.blob][0] != layer.name:
            continue
        blobs[value.blob] = None
    return list(blobs)


def input_shapes(doc: Document, graph: Graph) -> dict[str, tuple[int, ...]]:
    """Shapes of the net inputs: ``Input`` layers' ``input_param``, or the net-level
    ``input`` with ``input_shape`` / ``input_dim``."""
    shapes: dict[str, tuple[int, ...]] = {}
    given = [read_message(node, BlobShape, path="input_shape").dim for node in doc.all("input_shape")]
    dims = list(doc.get_ints("input_dim"))
    for i, name in enumerate(graph.net_inputs):
        if i < len(given):
            shapes[name] = given[i]
        elif len(dims) >= 4 * (i + 1):
            shapes[name] = tuple(dims[4 * i : 4 * i + 4])
        else:
            raise Caffe2TrtError(f"the shape of net input {name!r} is not given", file=graph.path)
    for layer in graph.layers:
        if layer.type != "Input":
            continue
        param = layer_params(layer)
        assert isinstance(param, InputParameter)
        stated = [shape.dim for shape in param.shape]
        if not stated:
            raise Caffe2TrtError("Input layer gives no shape", file=graph.path, layer=layer.name)
        for i, top in enumerate(layer.tops):
            shapes[top] = stated[i] if len(stated) > 1 else stated[0]
    return shapes


def net_outputs(graph: Graph) -> list[str]:
    """Blobs the net reports as outputs (written, never read afterwards), in order."""
    outputs: dict[str, None] = {}  # ordered, each once
    for layer in graph.layers:
        if layer.type == "Input":
            continue
        for value in layer.outputs:
            if graph.is_net_output(value):
                outputs[value.blob] = None
    return list(outputs)


def final_writers(graph: Graph) -> dict[str, tuple[str, int]]:
    """For every blob a layer writes: the layer that writes its last version, and
    which of that layer's tops it is (the first such top)."""
    writers: dict[str, tuple[str, int]] = {}
    for layer in graph.layers:
        for index, blob in reversed(list(enumerate(layer.tops))):
            writers[blob] = (layer.name, index)
    return writers


def _run_opencv(
    cv2: object,
    prototxt: str | os.PathLike[str],
    caffemodel: str | os.PathLike[str],
    inputs: dict[str, np.ndarray],
    graph: Graph,
    outputs: list[str],
) -> dict[str, np.ndarray]:
    """The value of each output blob after one OpenCV forward pass."""
    last = final_writers(graph)
    missing = next((blob for blob in outputs if blob not in last), None)
    if missing is not None:
        raise Caffe2TrtError(f"no layer writes output {missing!r}", file=graph.path)
    writers = [last[blob] for blob in outputs]
    try:
        net = cv2.dnn.readNetFromCaffe(str(prototxt), str(caffemodel))  # type: ignore[attr-defined]
        net.enableFusion(False)
        if hasattr(net, "enableWinograd"):
            # Winograd convolution is off by about 3e-6 relative: it would hide the fold's own error.
            net.enableWinograd(False)
        # OpenCV renames some layers (a Convolution) after their top blob.
        known = set(net.getLayerNames())
        writers = [(name if name in known else blob, index) for blob, (name, index) in zip(outputs, writers)]
        for name, x in inputs.items():
            net.setInput(x, name)
        layers = list(dict.fromkeys(name for name, _ in writers))
        results = net.forwardAndRetrieve(layers)
    except cv2.error as exc:  # type: ignore[attr-defined]
        message = str(exc).strip().splitlines()
        raise Caffe2TrtError(f"OpenCV cannot run this net: {message[-1] if message else exc}", file=prototxt) from None
    by_layer = dict(zip(layers, results))
    return {blob: np.asarray(by_layer[name][index]) for blob, (name, index) in zip(outputs, writers)}


def _register_bias_layer(cv2: object) -> bool:
    """Registers a Caffe ``Bias`` layer for OpenCV dnn, which has none; returns True if
    it registered one (the caller unregisters it)."""

    class BiasLayer:
        """Caffe Bias with one bottom: ``y = x + bias`` broadcast from ``axis``."""

        def __init__(self, params: dict[str, str], blobs: list[np.ndarray]) -> None:
            self.axis = int(params.get("axis", DEFAULT_BiasParameter.axis))
            self.num_axes = int(params.get("num_axes", DEFAULT_BiasParameter.num_axes))
            self.bias = np.asarray(blobs[0]).reshape(-1) if blobs else np.zeros(1, np.float32)

        def getMemoryShapes(self, inputs: list[list[int]]) -> list[list[int]]:  # noqa: N802 (OpenCV API)
            return [inputs[0]]

        def forward(self, inputs: list[np.ndarray]) -> list[np.ndarray]:
            x = inputs[0]
            axis = self.axis + x.ndim if self.axis < 0 else self.axis
            end = x.ndim if self.num_axes == -1 else axis + self.num_axes
            shape = (1,) * axis + tuple(x.shape[axis:end]) + (1,) * (x.ndim - end)
            return [(x + self.bias.reshape(shape)).astype(np.float32)]

    try:
        cv2.dnn_registerLayer("Bias", BiasLayer)  # type: ignore[attr-defined]
    except Exception:  # an older OpenCV without custom layers: Bias nets then fail to load
        return False
    return True
