"""A deploy net: the prototxt's graph bound to the caffemodel's blobs by layer name.

This mirrors how Caffe itself loads a model: structure and parameters come from the
prototxt, blobs from the caffemodel, matched by layer name (the caffemodel is usually
the TRAIN net, so it may hold extra layers; they are ignored).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .caffemodel import Blob, CaffeModel, read_caffemodel
from .errors import GraphError
from .gcpause import gc_paused
from .graph import Graph, Layer, build_graph
from .prototxt import Document, parse_file


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


def load_net(prototxt: str | Path, caffemodel: str | Path) -> Net:
    """Reads both files of a model (the caffemodel through a read-only memory map).

    Every stored layer is decoded (:meth:`CaffeModel.check`, a few microseconds per
    layer; blob values stay untouched): a damaged layer is refused here, and a layer is
    known by the name Caffe gives it (protobuf keeps the last of repeated ``name``
    fields, which only a full decode sees) before any lookup by name.
    """
    with gc_paused():
        doc = parse_file(prototxt)
        graph = build_graph(doc)
        model = read_caffemodel(caffemodel)
        model.check()
        return Net(doc=doc, graph=graph, model=model)
