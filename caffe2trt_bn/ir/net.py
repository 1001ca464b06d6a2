"""A deploy net: the prototxt's graph bound to the caffemodel's blobs by layer name.

This mirrors how Caffe itself loads a model: structure and parameters come from the
prototxt, blobs from the caffemodel, matched by layer name (the caffemodel is usually
the TRAIN net, so it may hold extra layers; they are ignored).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from ..errors import Diagnostic, GraphError
from ..io.caffemodel import Blob, CaffeModel, ModelLayer, read_caffemodel
from ..io.prototxt import Document, parse_file
from .graph import Graph, Layer, build_graph


@dataclass
class Net:
    """The deploy prototxt (``doc``, ``graph``) and the caffemodel (``model``)."""

    doc: Document
    graph: Graph
    model: CaffeModel

    @property
    def prototxt_path(self) -> str | None:
        return self.doc.path

    @property
    def caffemodel_path(self) -> str:
        return self.model.path

    def blobs(self, layer: Layer) -> list[Blob]:
        """The caffemodel blobs of ``layer``; a missing layer is an error, because
        Caffe would silently keep the layer's initial values (zeros for BatchNorm)."""
        stored = self.model.layer(layer.name)
        if stored is None or not stored.blobs:
            what = "is not in the caffemodel" if stored is None else "has no blobs in the caffemodel"
            raise GraphError(
                f"{layer.type} layer {what}; Caffe would silently run it with its initial values",
                file=self.model.path,
                layer=layer.name,
            )
        return stored.blobs


def load_net(prototxt: str | os.PathLike[str], caffemodel: str | os.PathLike[str]) -> Net:
    """Reads both files of a model (the caffemodel through a read-only memory map).

    Every stored layer is decoded (:meth:`CaffeModel.check`, a few microseconds per
    layer; blob values stay untouched): a damaged layer is refused here, and a layer is
    known by the name Caffe gives it (protobuf keeps the last of repeated ``name``
    fields, which only a full decode sees) before any lookup by name.
    """
    doc = parse_file(prototxt)
    graph = build_graph(doc)
    model = read_caffemodel(caffemodel)
    model.check()
    return Net(doc=doc, graph=graph, model=model)


def net_diagnostics(net: Net) -> list[Diagnostic]:
    """The warnings about the model as a whole, which every command that reads a
    caffemodel gives (the merge, fold and inspect): a layer of the deploy net stored
    more than once with different blobs (code ``duplicate_stored_layer``).

    Caffe copies trained weights stored layer by stored layer, so the last copy of a
    name wins, and this project reads that one (:attr:`CaffeModel.by_name`); OpenCV's
    importer keeps the first, so OpenCV (and ``fold --verify``) runs other weights.
    Copies whose blobs are byte for byte the same, and names the deploy net does not
    use, change nothing and are not reported.
    """
    layers = net.model.layers
    copies: dict[str, list[ModelLayer]] = {}
    for layer in layers:
        copies.setdefault(layer.name, []).append(layer)
    if len(copies) == len(layers):
        return []
    used = {layer.name for layer in net.graph.layers}
    diagnostics: list[Diagnostic] = []
    for name, stored in copies.items():
        if len(stored) < 2 or name not in used or all(_same_blobs(copy, stored[-1]) for copy in stored[:-1]):
            continue
        positions = ", ".join(str(copy.index) for copy in stored[:-1]) + f" and {stored[-1].index}"
        diagnostics.append(
            Diagnostic(
                DUPLICATE_STORED_LAYER,
                f"the caffemodel holds {len(stored)} layers of this name with different blobs (stored layers "
                f"{positions}); Caffe and this tool use the last, OpenCV (and so `fold --verify`) the first",
                name,
                net.caffemodel_path,
            )
        )
    return diagnostics


#: Code of the warning about a layer stored more than once (see :func:`net_diagnostics`).
DUPLICATE_STORED_LAYER = "duplicate_stored_layer"


def _same_blobs(a: ModelLayer, b: ModelLayer) -> bool:
    """Whether two stored layers hold the same blobs, byte for byte."""
    spans_a, spans_b = a.blob_spans, b.blob_spans
    return len(spans_a) == len(spans_b) and all(
        a.buffer[x0:x1] == b.buffer[y0:y1] for (x0, x1), (y0, y1) in zip(spans_a, spans_b)
    )
