"""Fold's planning: where every BatchNorm group goes (see :mod:`.fold` for the rules).

:func:`place_groups` is the one decision shared by ``fold`` and the ONNX export's
``--bn fold``: a group folds into the producer of its input when that producer is a
type of :data:`.fold_weights.PRODUCERS` that no other layer reads from and that shares
no weights; otherwise it becomes one Scale layer; BatchNorm after BatchNorm joins the
earlier group's target.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

from ..errors import Diagnostic, GraphError
from ..ir.graph import Graph, Layer, Value
from ..ir.net import Net
from ..ir.params import read_message
from ..ir.schema import ParamSpec
from .batchnorm import Affine
from .fold_weights import PRODUCERS, producer_params
from .fuse import Group, compute_groups


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
    if producer.type not in PRODUCERS:
        return (
            f"its input comes from {producer.type or 'untyped'} layer {producer.name!r}; "
            f"only {', '.join(PRODUCERS.types())} layers take folded weights"
        )
    if len(producer.tops) != 1:
        return f"its producer {producer.name!r} writes {len(producer.tops)} tops"
    axis = producer_params(producer).axis
    if axis != 1:
        return f"{producer.type} {producer.name!r} has axis {axis}, so its outputs are not on the channel axis 1"
    for name in sorted(_param_names(producer)):
        others = [layer for layer in param_users.get(name, []) if layer is not producer]
        if others:
            return f"{producer.name!r} shares its weights (param name {name!r}) with {others[0].name!r}"
    return None


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
            f"cannot replace the group {' + '.join(member.name for member in group.layers)} by one Scale layer: "
            + _clash_reason(target.top, group.bn.name, clash),
            file=graph.path,
            layer=group.name,
        )
