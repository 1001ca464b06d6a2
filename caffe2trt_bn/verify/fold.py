"""Checking a fold in OpenCV dnn: the original and the folded net on the same input.

:func:`verify_fold` runs both nets (``fold --verify``) and compares every net output
and every intermediate blob the fold leaves unchanged (:func:`unchanged_layers`), so a
net ending in a saturated Softmax cannot hide a difference.  OpenCV is imported only
here, when a verification is asked for.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from ..errors import Caffe2TrtError
from ..io.prototxt import parse_file
from ..ir.graph import Graph, build_graph
from ..ir.params import layer_params
from ..ir.schema import DEFAULT_BiasParameter, InnerProductParameter
from ..passes.batchnorm import BATCHNORM_TYPES
from ..passes.fold import input_shapes
from ..policy import entry_point

#: Default ``--rtol`` of ``fold --verify``: the largest accepted difference between an
#: output of the original and of the folded net, relative to the output's magnitude.
VERIFY_RTOL = 1e-5


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


@entry_point
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

        def getMemoryShapes(self, inputs: list[list[int]]) -> list[list[int]]:  # noqa: N802  (OpenCV calls it by this name)
            return [inputs[0]]

        def forward(self, inputs: list[np.ndarray]) -> list[np.ndarray]:
            x = inputs[0]
            axis = self.axis + x.ndim if self.axis < 0 else self.axis
            end = x.ndim if self.num_axes == -1 else axis + self.num_axes
            shape = (1,) * axis + tuple(x.shape[axis:end]) + (1,) * (x.ndim - end)
            return [(x + self.bias.reshape(shape)).astype(np.float32)]

    try:
        cv2.dnn_registerLayer("Bias", BiasLayer)  # type: ignore[attr-defined]
    except Exception:  # noqa: BLE001 (an older OpenCV without custom layers: Bias nets then fail to load)
        return False
    return True
