"""``onnx --verify``: the exported model in ONNX Runtime against the Caffe model.

The reference is pycaffe when it imports (real Caffe), else OpenCV dnn (a Caffe
runtime).  Both nets get the same random input (seeded); every graph output is compared
relative to its magnitude with a named tolerance (:data:`VERIFY_RTOL`).

OpenCV dnn computes some Caffe layers differently from Caffe (measured on the layer
zoo): LRN ignores ``k`` (and an LRN without ``lrn_param`` is not computed with Caffe's
defaults); MVN puts eps inside the square root; Log ignores
base/scale/shift; InnerProduct ignores ``transpose: true``; Deconvolution ignores
``dilation``.  An output computed through such a layer is reported as "reference cannot
check" with the reason, not as a failure; so is every output when OpenCV cannot run the
net at all (a layer it lacks).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import Caffe2TrtError
from ..ir.graph import Graph, Layer, Value
from ..ir.net import Net

#: Largest accepted difference between ONNX Runtime and the reference, relative to the
#: output's magnitude (both compute in float32).
VERIFY_RTOL = 1e-5


@dataclass
class BlobCheck:
    """One compared blob: ``status`` is ``ok``, ``FAIL`` or ``unchecked`` (with ``reason``)."""

    blob: str
    shape: tuple[int, ...]
    relative: float | None
    status: str
    reason: str | None = None

    def to_json(self) -> dict[str, object]:
        return {"blob": self.blob, "shape": list(self.shape), "relative": self.relative, "status": self.status, "reason": self.reason}


@dataclass
class VerifyResult:
    reference: str
    rtol: float
    checks: list[BlobCheck]

    @property
    def ok(self) -> bool:
        return all(c.status != "FAIL" for c in self.checks)

    def to_json(self) -> dict[str, object]:
        return {"reference": self.reference, "rtol": self.rtol, "ok": self.ok, "blobs": [c.to_json() for c in self.checks]}


def pycaffe_available() -> bool:
    try:
        import caffe  # noqa: F401
    except Exception:  # noqa: BLE001 - a broken pycaffe build raises anything on import
        return False
    return True


def opencv_difference(layer: Layer) -> str | None:
    """Why OpenCV dnn computes ``layer`` differently from Caffe, or None."""
    node = layer.node
    if layer.type == "LRN":
        p = node.get("lrn_param")
        if p is None:
            # Measured (OpenCV 4.14, zoo case lrn_variants): an LRN without lrn_param is
            # not computed with Caffe's defaults.
            return "OpenCV dnn does not apply Caffe's defaults to an LRN without lrn_param"
        if p.get_float("k", 1.0) != 1.0:
            return "OpenCV dnn ignores LRN's k"
    if layer.type == "MVN":
        p = node.get("mvn_param")
        if p is None or p.get_bool("normalize_variance", True):
            return "OpenCV dnn puts MVN's eps inside the square root"
    if layer.type == "Log":
        p = node.get("log_param")
        if p is not None and any(p.get(f) is not None for f in ("base", "scale", "shift")):
            return "OpenCV dnn ignores Log's base, scale and shift"
    if layer.type == "InnerProduct":
        p = node.get("inner_product_param")
        if p is not None and p.get_bool("transpose", False):
            return "OpenCV dnn ignores InnerProduct's transpose"
    if layer.type == "Deconvolution":
        p = node.get("convolution_param")
        if p is not None and any(v != 1 for v in p.get_ints("dilation")):
            return "OpenCV dnn ignores Deconvolution's dilation"
    return _fork_difference(layer)


def _fork_difference(layer: Layer) -> str | None:
    """OpenCV dnn's differences on the forks' layers (measured with OpenCV 4.14 when
    fixtures/fork_layers was made, see its README); layers OpenCV does not have make it
    refuse the whole net, which the verification reports as such."""
    node = layer.node
    if layer.type == "DetectionOutput":
        return "OpenCV dnn lists DetectionOutput's rows by score and pads them with zero rows"
    if layer.type == "PriorBox":
        p = node.get("prior_box_param")
        sizes = [*p.get_floats("min_size"), *p.get_floats("max_size")] if p is not None else []
        if (
            p is None
            or any(v != int(v) for v in sizes)
            or any(p.get(f) is not None for f in ("img_size", "img_h", "img_w"))
            or len(p.get_floats("variance")) != 4
            or len(layer.bottoms) != 2
        ):
            return "OpenCV dnn keeps PriorBox sizes as floats, ignores img_size/img_h/img_w and needs four variances and the image bottom"
    if layer.type == "ReLU6":
        p = node.get("relu6_param")
        if p is not None and (p.get_float("threshold", 6.0) != 6.0 or p.get_float("negative_slope", 0.0) != 0.0):
            return "OpenCV dnn ignores ReLU6's threshold and negative_slope"
    return None


def _tainted(graph: Graph) -> dict[str, str]:
    """Blob -> the reason its final value differs in OpenCV (propagated downstream)."""
    reasons: dict[Value, str] = {}
    for layer in graph.layers:
        reason = opencv_difference(layer)
        if reason is None:
            reason = next((reasons[v] for v in layer.inputs if v in reasons), None)
        if reason is not None:
            for v in layer.outputs:
                reasons[v] = f"{reason} (layer {layer.name!r})" if "(layer" not in reason else reason
    return {v.blob: r for v, r in reasons.items()}


def verify_onnx(net: Net, onnx_path: str | Path, blobs: list[str], *, rtol: float = VERIFY_RTOL, seed: int = 0) -> VerifyResult:
    """Runs ``onnx_path`` in ONNX Runtime and the Caffe model in pycaffe (else OpenCV dnn)
    on one seeded random input, and compares each of ``blobs`` (graph output names)."""
    import onnx
    import onnxruntime as ort

    model = onnx.load(str(onnx_path), load_external_data=False)
    rng = np.random.default_rng(seed)
    inputs: dict[str, np.ndarray] = {}
    from ..passes.fold import input_shapes

    stated = input_shapes(net.doc, net.graph)
    for value in model.graph.input:
        dims = [d.dim_value if d.HasField("dim_value") else stated[value.name][i] for i, d in enumerate(value.type.tensor_type.shape.dim)]
        inputs[value.name] = rng.standard_normal(dims).astype(np.float32)
    session = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    got = dict(zip(blobs, session.run(blobs, inputs)))
    if pycaffe_available():
        reference, tainted = "pycaffe", {}
        try:
            want = _run_pycaffe(net, inputs, blobs)
        except Caffe2TrtError as exc:
            return VerifyResult(reference, rtol, [BlobCheck(b, tuple(got[b].shape), None, "unchecked", str(exc)) for b in blobs])
    else:
        reference, tainted = "opencv", _tainted(net.graph)
        try:
            want = _run_opencv(net, inputs, blobs)
        except Caffe2TrtError as exc:
            return VerifyResult(reference, rtol, [BlobCheck(b, tuple(got[b].shape), None, "unchecked", str(exc)) for b in blobs])
    checks = []
    for blob in blobs:
        a, b = np.asarray(got[blob], np.float64), np.asarray(want[blob], np.float64)
        if blob in tainted and (a.size != b.size):
            checks.append(BlobCheck(blob, a.shape, None, "unchecked", tainted[blob]))
            continue
        if a.size == b.size and a.shape != b.shape:
            b = b.reshape(a.shape)  # OpenCV drops or adds unit axes of some outputs
        if a.shape != b.shape:
            checks.append(BlobCheck(blob, a.shape, None, "FAIL", f"shape {a.shape}, reference {b.shape}"))
            continue
        scale = float(np.abs(b).max()) if b.size else 0.0
        diff = float(np.abs(a - b).max()) if b.size else 0.0
        relative = diff / scale if scale > 0 else (0.0 if diff == 0 else float("inf"))
        if blob in tainted:
            checks.append(BlobCheck(blob, a.shape, relative, "unchecked", tainted[blob]))
        else:
            checks.append(BlobCheck(blob, a.shape, relative, "ok" if relative <= rtol else "FAIL"))
    return VerifyResult(reference, rtol, checks)


def _prototxt_file(net: Net) -> str:
    """The prototxt file the reference frameworks read: they read files, not parsed trees,
    so a net parsed from text (no path) cannot be compared (its blobs become unchecked)."""
    if net.prototxt_path is None:
        raise Caffe2TrtError("the reference run reads the prototxt from its file, and this net was not read from one")
    return net.prototxt_path


def _run_pycaffe(net: Net, inputs: dict[str, np.ndarray], blobs: list[str]) -> dict[str, np.ndarray]:
    import caffe

    caffe.set_mode_cpu()
    model = caffe.Net(_prototxt_file(net), net.caffemodel_path, caffe.TEST)
    for name, x in inputs.items():
        model.blobs[name].reshape(*x.shape)
        model.blobs[name].data[...] = x
    model.forward()
    return {b: np.array(model.blobs[b].data) for b in blobs}


def _run_opencv(net: Net, inputs: dict[str, np.ndarray], blobs: list[str]) -> dict[str, np.ndarray]:
    from .fold import OPENCV_HINT, _register_bias_layer, opencv_available
    from .fold import _run_opencv as run

    if not opencv_available():
        raise Caffe2TrtError(OPENCV_HINT)
    import cv2

    registered = _register_bias_layer(cv2)
    try:
        return run(cv2, _prototxt_file(net), net.caffemodel_path, inputs, net.graph, blobs)
    finally:
        if registered:
            cv2.dnn_unregisterLayer("Bias")
