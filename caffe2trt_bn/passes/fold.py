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
written by :mod:`caffe2trt_bn.io.caffemodel_writer`, which copies every untouched layer
byte for byte.

The fold is in parts, by job: this module is the API (:func:`fold`, :func:`plan_fold`,
the writing of both outputs); :mod:`.fold_plan` decides where each group goes
(:func:`place_groups`, shared with the ONNX export); :mod:`.fold_weights` edits the
producers' blobs, each producer type's weight layout registered in its ``PRODUCERS``
registry; :mod:`.fold_prototxt` edits the prototxt; ``caffe2trt_bn.verify.fold`` checks
a fold in OpenCV dnn (``fold --verify``).

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

import contextlib
import os
from dataclasses import dataclass
from pathlib import Path

from ..errors import (
    Caffe2TrtError,
    Diagnostic,
    GraphError,
    ModelValueError,
    OutputError,
    file_error,
)
from ..io.atomic import atomic_output, check_output_path, same_file
from ..io.caffemodel_writer import LayerEdit, scale_layer_payload, write_caffemodel
from ..io.prototxt import Document
from ..ir.graph import Graph, Layer, layer_selected, net_state
from ..ir.net import Net, load_net
from ..ir.params import layer_name, layer_params, read_message
from ..ir.schema import BlobShape, InputParameter
from ..policy import entry_point, report
from .batchnorm import to_float32
from .fold_plan import FoldedGroup, FoldTarget, place_groups
from .fold_prototxt import check_result, edit_prototxt
from .fold_weights import edit_stored, producer_rewrite
from .fuse import check_float32_range

__all__ = [
    "FoldPlan",
    "FoldResult",
    "FoldTarget",
    "FoldedGroup",
    "fold",
    "input_shapes",
    "output_paths",
    "place_groups",
    "plan_fold",
    "producer_rewrite",
    "write_plan",
]


@dataclass
class FoldResult:
    """What :func:`fold` did: one :class:`FoldedGroup` per group, the layers removed
    from the net, the warnings, and the files written."""

    groups: list[FoldedGroup]
    removed: list[str]
    diagnostics: list[Diagnostic]
    prototxt: Path
    caffemodel: Path


@dataclass
class FoldPlan:
    """Everything :func:`fold` writes, computed and checked before anything is written.

    ``text`` is the folded prototxt; ``edits`` the caffemodel edits by stored-layer index
    (see :func:`caffe2trt_bn.io.caffemodel_writer.write_caffemodel`).
    """

    net: Net
    groups: list[FoldedGroup]
    removed: list[str]
    diagnostics: list[Diagnostic]
    text: str
    edits: dict[int, LayerEdit]


@entry_point
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
    (nothing is written; see :mod:`caffe2trt_bn.policy`).  Raises :class:`Caffe2TrtError` for problems with the input.
    """
    prototxt_out, caffemodel_out = output_paths(prototxt, caffemodel, outdir)
    net = load_net(prototxt, caffemodel)
    plan = plan_fold(net)
    report(plan.diagnostics)
    write_plan(plan, prototxt_out, caffemodel_out)
    return FoldResult(plan.groups, plan.removed, plan.diagnostics, prototxt_out, caffemodel_out)


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
            layer=layer_name(training_only[0]),
        )
    targets, report, diagnostics = place_groups(net)
    edits: dict[int, LayerEdit] = {}
    stored: dict[str, list[int]] = {}
    for i, stored_layer in enumerate(net.model.layers):
        stored.setdefault(stored_layer.name, []).append(i)
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
            edit_stored(net, stored, target.layer.name, payload, edits)
        else:
            try:
                rewrite, bias_added = producer_rewrite(net, target)
            except Caffe2TrtError as exc:  # e.g. a bad bias_term value of the producer
                raise exc.with_context(layer=target.layer.name) from None
            edit_stored(net, stored, target.layer.name, rewrite, edits)
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
    text = edit_prototxt(net.doc, targets, removed, added_bias)
    check_result(text, net.doc.path)
    removed.sort(key=lambda layer: layer.index)
    return FoldPlan(net, report, [layer.name for layer in removed], diagnostics, text, edits)


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
