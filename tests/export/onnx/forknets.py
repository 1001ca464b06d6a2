"""Small hand-written nets for the fork-layer tests of what the exporter refuses or warns
about (values are checked against real Caffe's recordings in the harness cases only)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np


def write_net(
    folder: Path, layers: str, shape: Sequence[int] = (1, 2, 5, 6), blobs: Mapping[str, Sequence[np.ndarray]] | None = None
) -> tuple[Path, Path]:
    """``deploy.prototxt`` (an ``Input`` blob ``data`` of ``shape``, then ``layers``) and
    ``net.caffemodel`` holding ``blobs`` (layer name -> arrays) in ``folder``."""
    from caffe2trt_bn import caffe_pb2

    dims = " ".join(f"dim: {d}" for d in shape)
    proto = folder / "deploy.prototxt"
    proto.write_text(
        f'layer {{ name: "data" type: "Input" top: "data" input_param {{ shape {{ {dims} }} }} }}\n{layers}'
    )
    net = caffe_pb2.NetParameter(name="net")
    net.layer.add(name="data", type="Input")  # a caffemodel holds at least one layer
    for name, arrays in (blobs or {}).items():
        layer = net.layer.add(name=name)
        for array in arrays:
            blob = layer.blobs.add()
            blob.shape.dim.extend(np.shape(array))
            blob.data.extend(np.asarray(array, dtype=np.float32).ravel().tolist())
    model = folder / "net.caffemodel"
    model.write_bytes(net.SerializeToString())
    return proto, model


def line_of(proto: Path, text: str) -> int:
    """The 1-based line of ``proto`` holding ``text``."""
    return next(i + 1 for i, line in enumerate(proto.read_text().splitlines()) if text in line)


def run(path: Path, x: np.ndarray) -> dict[str, np.ndarray]:
    """Every graph output of the model at ``path`` on input ``x`` (ONNX Runtime)."""
    import onnxruntime as ort

    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    names = [o.name for o in session.get_outputs()]
    return dict(zip(names, session.run(names, {session.get_inputs()[0].name: x})))
