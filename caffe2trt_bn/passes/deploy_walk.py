"""The deploy rewrite's walk over the TEST net (see :mod:`.deploy` for the rules).

:class:`Walk` visits the layers in order and resolves every bottom to the blob version
it reads (:class:`~caffe2trt_bn.ir.graph.BlobVersions`, the graph's own versioning);
each value records the data values it is computed from, and removed values record why
they are gone, so the layers reading them go too.  Unlike
:func:`~caffe2trt_bn.ir.graph.build_graph`, the walk also sees the layers of other
phases (a train-only file's data layers provide blobs) and removes layers as it goes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..errors import GraphError
from ..io.prototxt import Document, Node
from ..ir.graph import BlobVersions, Value

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


@dataclass(eq=False)
class WalkLayer:
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
class Origin:
    """A data blob value: the data layer writing it and the top's position there."""

    layer: WalkLayer
    index: int
    known_label: bool


class Walk:
    """Walks the TEST net in order, resolving each bottom to the blob value it reads.

    Every value records the data values it is computed from (``deps``); removed values
    record why they are gone, so the layers reading them go too.
    """

    def __init__(self, doc: Document, layers: list[WalkLayer]) -> None:
        self.path = doc.path
        self.layers = layers
        self.versions = BlobVersions()
        self.deps: dict[Value, frozenset[Value]] = {}
        self.primary: set[Value] = set()  # inputs the deploy net certainly takes
        self.origins: dict[Value, Origin] = {}
        self.removed: dict[Value, str] = {}
        self.gone: dict[int, str] = {}  # id(layer node) -> why it is removed
        self.kept: list[WalkLayer] = []
        self.losses: list[WalkLayer] = []  # losses to turn into their output layer (OUTPUT_LOSSES)
        self.first_data = True
        for blob in doc.get_strings("input"):
            self.primary.add(self._source(blob))
        for layer in layers:
            self._visit(layer)

    def _write(self, top: str, deps: frozenset[Value]) -> Value:
        value = self.versions.write(top)
        self.deps[value] = deps
        return value

    def _source(self, top: str) -> Value:
        """A new input value: computed from itself."""
        value = self._write(top, frozenset())
        self.deps[value] = frozenset((value,))
        return value

    def _data(self, layer: WalkLayer, index: int) -> Value:
        value = self._source(layer.tops[index])
        label = layer.type in LABEL_TOP_TYPES and index >= 1
        self.origins[value] = Origin(layer, index, label)
        if label:
            self.removed[value] = f"label blob {value.blob!r} of data layer {layer.name!r}"
        if index == 0 and self.first_data:
            self.primary.add(value)
            self.first_data = False
        return value

    def _resolve(self, layer: WalkLayer, blob: str) -> Value:
        value = self.versions.read(blob)
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

    def _visit(self, layer: WalkLayer) -> None:
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


def free_name(base: str, taken: set[str]) -> str:
    name, n = base, 2
    while name in taken:
        name, n = f"{base}_{n}", n + 1
    return name
