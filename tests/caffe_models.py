"""Small Caffe models written for tests: BatchNorm and Scale blobs, and a deploy
prototxt with its caffemodel (through the protobuf schema, as Caffe would write them)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from caffe2trt_bn import caffe_pb2
from caffe2trt_bn.io.prototxt import parse
from caffe2trt_bn.ir.graph import build_graph


def layer_message(path: Path, name: str) -> caffe_pb2.LayerParameter:
    net = caffe_pb2.NetParameter.FromString(Path(path).read_bytes())
    (layer,) = [l for l in net.layer if l.name == name]
    return layer


def bn_blobs(rng: np.random.Generator, c: int, s: float = 3.5) -> list[np.ndarray]:
    """BVLC BatchNorm blobs: mean*s, var*s, s."""
    return [rng.normal(0.3, 1, c) * s, (rng.random(c) + 0.2) * s, np.array([s])]


def scale_blobs(rng: np.random.Generator, c: int) -> list[np.ndarray]:
    return [rng.random(c) + 0.5, rng.normal(0, 1, c)]


def write_model(
    folder: Path,
    text: str,
    blobs: dict[str, list[np.ndarray]],
    *,
    double: tuple[str, ...] = (),
    legacy: tuple[str, ...] = (),
    extra: tuple[tuple[str, str], ...] = (),
) -> tuple[Path, Path]:
    """Writes ``deploy.prototxt`` and a ``net.caffemodel`` holding ``blobs`` per layer
    (float32 ``data`` and ``shape``; float64 ``double_data`` for ``double`` layers; legacy
    num/channels/height/width for ``legacy`` ones) plus ``extra`` (name, type) layers
    first, as a TRAIN net saved by Caffe would have."""
    folder.mkdir(parents=True, exist_ok=True)
    proto = folder / "deploy.prototxt"
    proto.write_text(text)
    net = caffe_pb2.NetParameter(name="synthetic")
    for name, type_ in extra:
        net.layer.add(name=name, type=type_)
    for layer in build_graph(parse(text)).layers:
        stored = net.layer.add(name=layer.name, type=layer.type, bottom=layer.bottoms, top=layer.tops)
        for arr in blobs.get(layer.name, []):
            arr = np.asarray(arr)
            blob = stored.blobs.add()
            if layer.name in legacy and arr.ndim == 4:
                blob.num, blob.channels, blob.height, blob.width = arr.shape
            else:
                blob.shape.dim.extend(arr.shape)
            if layer.name in double:
                blob.double_data.extend(arr.astype(np.float64).ravel().tolist())
            else:
                blob.data.extend(arr.astype(np.float32).ravel().tolist())
    model = folder / "net.caffemodel"
    model.write_bytes(net.SerializeToString())
    return proto, model


#: The name of the writer thread of io.caffemodel_writer.OrderedWriter.
WRITER_THREAD = "caffemodel-writer"

#: A net whose producers need many chunks once the chunk size is small: a convolution
#: with a bias folded (float32), one without bias stored as float64 (widened, and gains a
#: bias), and an InnerProduct left as stored.
CHUNKED_NET = """name: "chunks"
input: "data"
input_shape { dim: 1 dim: 8 dim: 6 dim: 6 }
layer { name: "conv" type: "Convolution" bottom: "data" top: "conv" convolution_param { num_output: 24 kernel_size: 3 } }
layer { name: "bn" type: "BatchNorm" bottom: "conv" top: "conv" }
layer { name: "relu" type: "ReLU" bottom: "conv" top: "conv" }
layer { name: "conv2" type: "Convolution" bottom: "conv" top: "conv2" convolution_param { num_output: 16 kernel_size: 1 bias_term: false } }
layer { name: "bn2" type: "BatchNorm" bottom: "conv2" top: "conv2" }
layer { name: "sc2" type: "Scale" bottom: "conv2" top: "conv2" scale_param { bias_term: true } }
layer { name: "fc" type: "InnerProduct" bottom: "conv2" top: "fc" inner_product_param { num_output: 10 } }
"""


def chunked_model(
    folder: Path, *, seed: int, conv_weights: np.ndarray | None = None, bn: list[np.ndarray] | None = None
) -> tuple[Path, Path]:
    """:data:`CHUNKED_NET` with random weights of ``seed`` (``conv_weights``/``bn``
    replace those of "conv"/"bn")."""
    rng = np.random.default_rng(seed)
    blobs = {
        "conv": [rng.normal(0, 0.5, (24, 8, 3, 3)) if conv_weights is None else conv_weights, rng.normal(0, 1, 24)],
        "bn": bn_blobs(rng, 24) if bn is None else bn,
        "conv2": [rng.normal(0, 0.5, (16, 24, 1, 1))],
        "bn2": bn_blobs(rng, 16),
        "sc2": scale_blobs(rng, 16),
        "fc": [rng.normal(0, 0.1, (10, 16 * 4 * 4)), rng.normal(0, 1, 10)],
    }
    return write_model(folder, CHUNKED_NET, blobs, double=("conv2",))
