"""Whose semantics a layer follows where Caffe forks give one layer type different meanings.

The same layer name means different things in different forks, and a prototxt does not
say which fork wrote it.  :func:`fork_semantics` is the one rule that decides it, per
layer, for the ONNX exporter (which computes that fork's semantics) and for ``inspect``
(which lists the decision).  Each decision comes from, in this order:

* ``field``: a field written in the prototxt that every fork reads alike (PriorBox
  ``clip``, DetectionOutput ``nms_param``);
* ``bottoms``: the layer's bottoms (an Upsample with one bottom is the darknet2caffe /
  brocolli-caffe nearest upsampling; with the mask top of a MAX Pooling as its second
  bottom, SegNet's max-unpooling; an Interp's size from its second bottom);
* ``option``: a ``--fork`` given by the user (``forks``, :data:`FORKS`);
* ``default``: the fork people deploy (weiliu89's SSD), with a ``fork_default`` warning
  (:attr:`ForkSemantics.warning`);
* ``undecided``: nothing above decides and no default is safe: :attr:`ForkSemantics.error`
  says which field to write or which ``--fork`` to pass.

The questions, with the forks' answers (read from their C++ sources):

* PriorBox without ``clip``: weiliu89's SSD (and OpenCV) do not clip, brocolli-caffe does.
* DetectionOutput without ``nms_param``: weiliu89's SSD runs NMS with ``nms_param``'s
  defaults (threshold 0.3) and the confidence threshold; brocolli-caffe skips both.
* Upsample with two bottoms: SegNet's max-unpooling reads bottom 2 as the pooling mask;
  brocolli-caffe's nearest upsampling ignores it.
* Interp with a second bottom and size fields: the forks disagree which sets the size;
  refused (remove one of them).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..errors import Caffe2TrtError
from . import schema
from .graph import Graph, Layer, Value
from .params import has, layer_params

#: ``--fork`` choices: whose semantics a fork layer follows where the prototxt does not
#: say and the forks disagree.  ``ssd``: weiliu89's SSD Caffe (the default where nothing
#: is chosen, with a warning); ``brocolli``: brocolli-caffe (PriorBox ``clip`` defaults to
#: true, DetectionOutput without ``nms_param`` keeps every box, Upsample ignores a second
#: bottom); ``segnet``: a two-bottom Upsample is SegNet's max-unpooling even when its
#: second bottom is not a pooling mask.
FORKS = ("ssd", "brocolli", "segnet")

#: Layer types whose meaning differs between forks (those :func:`fork_semantics` decides).
DISPUTED_TYPES = ("PriorBox", "DetectionOutput", "Upsample", "Interp")

#: Where a decision came from (see the module docstring).
SOURCES = ("field", "bottoms", "option", "default", "undecided")


@dataclass(frozen=True)
class ForkSemantics:
    """The decision for one layer.

    ``fork``: whose semantics apply: a name of :data:`FORKS`, ``darknet2caffe`` (one-bottom
    Upsample), ``deeplab`` (Interp), ``any`` (a written field every fork reads alike), or
    ``None`` when undecided.  ``value``: what the converter computes with (PriorBox: the
    ``clip`` used; DetectionOutput: whether NMS and the confidence threshold apply;
    Upsample: ``"nearest"`` or ``"unpool"``; Interp: ``"bottom"`` or ``"fields"``, the
    source of the output size).  ``semantics``: that, in words; ``why``: the reason, in
    words; ``source``: one of :data:`SOURCES`.  ``warning``: the ``fork_default`` warning
    text when a default was taken; ``error`` (with the ``field`` it concerns): why the
    layer cannot be converted without a choice.
    """

    layer: str
    type: str
    fork: str | None
    value: object
    semantics: str
    source: str
    why: str
    warning: str | None = None
    error: str | None = None
    field: str | None = None

    def to_json(self) -> dict[str, object]:
        return {
            "layer": self.layer,
            "type": self.type,
            "fork": self.fork,
            "semantics": self.semantics,
            "source": self.source,
            "why": self.why,
            "warning": self.warning,
            "error": self.error,
        }


def check_forks(forks: Sequence[str]) -> None:
    """Raises :class:`Caffe2TrtError` for a ``--fork`` choice that is not in
    :data:`FORKS`, or for ``ssd`` with ``brocolli`` (they answer the same questions
    differently)."""
    for fork in forks:
        if fork not in FORKS:
            raise Caffe2TrtError(f"--fork must be one of {', '.join(FORKS)}, not {fork!r}")
    if "ssd" in forks and "brocolli" in forks:
        raise Caffe2TrtError("--fork ssd and --fork brocolli disagree on PriorBox and DetectionOutput: choose one")


def fork_semantics(graph: Graph, layer: Layer, forks: Sequence[str]) -> ForkSemantics | None:
    """Whose semantics ``layer`` follows given the ``--fork`` choices ``forks``; None for a
    layer type the forks agree on (not in :data:`DISPUTED_TYPES`)."""
    decide = _RULES.get(layer.type)
    return None if decide is None else decide(graph, layer, tuple(forks))


def net_fork_semantics(graph: Graph, forks: Sequence[str]) -> list[ForkSemantics]:
    """:func:`fork_semantics` of every disputed layer of ``graph``, in execution order."""
    found = (fork_semantics(graph, layer, forks) for layer in graph.layers)
    return [s for s in found if s is not None]


def mask_source(graph: Graph, value: Value) -> Layer | None:
    """The MAX Pooling whose mask top (its second top) ``value`` is, or None."""
    producer = graph.producer.get(value)
    if producer is None or producer.type != "Pooling" or len(producer.outputs) != 2 or producer.outputs[1] != value:
        return None
    return producer if layer_params(producer, schema.PoolingParameter).pool == "MAX" else None


def _prior_box(graph: Graph, layer: Layer, forks: tuple[str, ...]) -> ForkSemantics:
    p = layer_params(layer, schema.PriorBoxParameter)
    if has(p, "clip"):
        return ForkSemantics(layer.name, layer.type, "any", p.clip, f"clip: {str(p.clip).lower()}", "field", "clip is written")
    return _unwritten_default(
        layer, forks, "clip",
        brocolli=(True, "clip: true (brocolli-caffe's default)"),
        ssd=(False, "clip: false (weiliu89 SSD's default)"),
        why="clip is not written: weiliu89 SSD's default (brocolli-caffe's is true)",
        warning="clip is not written: weiliu89 SSD's default clip: false is used (brocolli-caffe's differs); "
        "write clip or pass --fork ssd / --fork brocolli to say whose default is meant",
    )


def _unwritten_default(
    layer: Layer,
    forks: tuple[str, ...],
    field: str,
    *,
    brocolli: tuple[object, str],
    ssd: tuple[object, str],
    why: str,
    warning: str,
) -> ForkSemantics:
    """A ``field`` the prototxt does not write and whose default brocolli-caffe and
    weiliu89 SSD disagree on: ``brocolli``/``ssd`` are each fork's (value, semantics);
    ``--fork`` picks one, else weiliu89's with ``why`` and ``warning``."""
    if "brocolli" in forks:
        value, semantics = brocolli
        return ForkSemantics(
            layer.name, layer.type, "brocolli", value, semantics, "option", f"{field} is not written; --fork brocolli given"
        )
    value, semantics = ssd
    if "ssd" in forks:
        return ForkSemantics(layer.name, layer.type, "ssd", value, semantics, "option", f"{field} is not written; --fork ssd given")
    return ForkSemantics(layer.name, layer.type, "ssd", value, semantics, "default", why, warning=warning)


def _detection_output(graph: Graph, layer: Layer, forks: tuple[str, ...]) -> ForkSemantics:
    p = layer_params(layer, schema.DetectionOutputParameter)
    nms = "NMS and the confidence threshold"
    if has(p, "nms_param"):
        return ForkSemantics(layer.name, layer.type, "any", True, f"{nms} of nms_param", "field", "nms_param is written")
    return _unwritten_default(
        layer, forks, "nms_param",
        brocolli=(False, "no NMS and no confidence threshold: every prior of every class (brocolli-caffe)"),
        ssd=(True, f"{nms}, nms_param's defaults (threshold 0.3; weiliu89 SSD)"),
        why="nms_param is not written: weiliu89 SSD's defaults (brocolli-caffe skips NMS)",
        warning="nms_param is not written: weiliu89 SSD's NMS with nms_param's defaults (threshold 0.3) is used "
        "(brocolli-caffe's differs); write nms_param or pass --fork ssd / --fork brocolli to say whose default is meant",
    )


def _upsample(graph: Graph, layer: Layer, forks: tuple[str, ...]) -> ForkSemantics:
    nearest = "nearest upsampling by scale"
    if len(layer.inputs) != 2:
        return ForkSemantics(
            layer.name, layer.type, "darknet2caffe", "nearest", nearest, "bottoms",
            "one bottom: the darknet2caffe / brocolli-caffe Upsample (SegNet's takes two)",
        )
    if "brocolli" in forks:
        return ForkSemantics(
            layer.name, layer.type, "brocolli", "nearest", f"{nearest}, bottom 2 not read", "option",
            "two bottoms; --fork brocolli given (brocolli-caffe ignores a second bottom)",
        )
    unpool = f"max-unpooling with the mask {layer.bottoms[1]!r} (SegNet)"
    pooling = mask_source(graph, layer.inputs[1])
    if pooling is not None:
        return ForkSemantics(
            layer.name, layer.type, "segnet", "unpool", unpool, "bottoms",
            f"bottom 2 is the mask top of the MAX Pooling {pooling.name!r}",
        )
    if "segnet" in forks:
        return ForkSemantics(
            layer.name, layer.type, "segnet", "unpool", unpool, "option",
            "bottom 2 is not a pooling mask; --fork segnet given",
        )
    return ForkSemantics(
        layer.name, layer.type, None, None, "undecided", "undecided",
        f"bottom 2 {layer.bottoms[1]!r} is not the mask top of a MAX Pooling",
        error=f"two bottoms, but {layer.bottoms[1]!r} is not the mask top of a MAX Pooling: pass --fork segnet to "
        "unpool with it as SegNet's Upsample does, or --fork brocolli (brocolli-caffe ignores a second bottom)",
        field="bottom",
    )


def _interp(graph: Graph, layer: Layer, forks: tuple[str, ...]) -> ForkSemantics:
    p = layer_params(layer, schema.InterpParameter)
    sized = [f for f in ("zoom_factor", "shrink_factor", "height", "width") if has(p, f)]
    if len(layer.inputs) == 2:
        if sized:
            return ForkSemantics(
                layer.name, layer.type, None, None, "undecided", "undecided",
                f"a second bottom and {', '.join(sized)}: the forks disagree which sets the size",
                error="a second bottom and size fields: the forks disagree which wins (remove one of them)",
                field="bottom",
            )
        return ForkSemantics(
            layer.name, layer.type, "deeplab", "bottom", "align-corners bilinear to bottom 2's height and width",
            "bottoms", "a second bottom and no size field: every fork's Interp takes its size",
        )
    return ForkSemantics(
        layer.name, layer.type, "deeplab", "fields", "align-corners bilinear to the size the fields give",
        "field", f"{', '.join(sized) or 'no size field'} written, one bottom",
    )


_RULES = {"PriorBox": _prior_box, "DetectionOutput": _detection_output, "Upsample": _upsample, "Interp": _interp}

