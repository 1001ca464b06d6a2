"""``onnx --verify``: the exported model in ONNX Runtime against the Caffe model.

The reference is pycaffe when it imports (real Caffe), else OpenCV dnn (a Caffe
runtime).  Both nets get the same random input (seeded); every graph output is compared
relative to its magnitude with a named tolerance (:data:`VERIFY_RTOL`).

OpenCV dnn computes some Caffe layers differently from Caffe (measured on the layer
zoo): LRN ignores ``k`` (and an LRN without ``lrn_param`` is not computed with Caffe's
defaults); MVN puts eps inside the square root; Log ignores
base/scale/shift; InnerProduct ignores ``transpose: true``; Deconvolution ignores
``dilation``; and on the forks' layers (:func:`_fork_difference`).  An output computed
through such a layer is reported ``unchecked`` with the reason, not as a failure.

OpenCV cannot run some layers at all (a type it lacks, parameters it refuses, weights
Caffe fills at load, on which OpenCV 4.14 crashes: :func:`opencv_cannot_run`).  OpenCV
then runs the net without them and without what reads their tops (a reduced prototxt in
a temporary folder), so the outputs it can compute are still compared; when it fails on
a layer no rule names, that layer is found by bisection and left out in turn.  Every
output OpenCV cannot compute is ``unchecked`` with the reason naming the layer.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import Caffe2TrtError
from ..ir.forks import ForkSemantics
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


#: Environment variable naming a Python interpreter that imports pycaffe, for when this
#: one cannot (pycaffe is often built for the system Python).
PYCAFFE_PYTHON_ENV = "CAFFE2TRT_BN_PYCAFFE_PYTHON"


def pycaffe_python() -> str | None:
    """The Python interpreter that runs pycaffe for ``--verify``: the one
    :data:`PYCAFFE_PYTHON_ENV` names when ``import caffe`` works there, else this one
    when ``import caffe`` works here, else None (OpenCV dnn is the reference then)."""
    import os
    import subprocess
    import sys

    other = os.environ.get(PYCAFFE_PYTHON_ENV)
    if other:
        try:
            done = subprocess.run([other, "-c", "import caffe"], check=False, capture_output=True, timeout=120)
        except (OSError, subprocess.TimeoutExpired):
            return None
        return other if done.returncode == 0 else None
    try:
        import caffe  # noqa: F401
    except Exception:  # noqa: BLE001 - a broken pycaffe build raises anything on import
        return None
    return sys.executable


def pycaffe_available() -> bool:
    return pycaffe_python() is not None


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
    if layer.type == "Interp":
        p = node.get("interp_param")
        if p is not None and (p.get("shrink_factor") is not None or p.get_int("pad_beg", 0) or p.get_int("pad_end", 0)):
            return "OpenCV dnn ignores Interp's shrink_factor, pad_beg and pad_end"
    if layer.type == "ReLU6":
        p = node.get("relu6_param")
        if p is not None and (p.get_float("threshold", 6.0) != 6.0 or p.get_float("negative_slope", 0.0) != 0.0):
            return "OpenCV dnn ignores ReLU6's threshold and negative_slope"
    return None


def _tainted(graph: Graph, reason_of: Callable[[Layer], str | None] = opencv_difference) -> dict[str, str]:
    """Blob -> the reason its final value differs in the reference: ``reason_of`` a layer
    it is computed through (by default OpenCV's differences), propagated downstream."""
    reasons: dict[Value, str] = {}
    for layer in graph.layers:
        reason = reason_of(layer)
        if reason is None:
            reason = next((reasons[v] for v in layer.inputs if v in reasons), None)
        if reason is not None:
            for v in layer.outputs:
                reasons[v] = f"{reason} (layer {layer.name!r})" if "(layer" not in reason else reason
    return {v.blob: r for v, r in reasons.items()}


def _index_inputs(graph: Graph) -> dict[str, int]:
    """Net input -> the number of rows of the smallest Embed table reading it: such an
    input holds row indices, and the random input is whole numbers below that (Caffe
    reads an index out of range from outside the table: its result means nothing)."""
    from ..ir import schema
    from ..ir.params import layer_params

    limits: dict[str, int] = {}
    for layer in graph.layers:
        if layer.type != "Embed":
            continue
        value = layer.inputs[0]
        producer = graph.producer.get(value)
        if value.version == 0 and (producer is None or producer.type == "Input"):
            rows = layer_params(layer, schema.EmbedParameter).input_dim
            limits[value.blob] = min(rows, limits.get(value.blob, rows))
    return limits


def _fork_hints(graph: Graph, choices: Sequence[ForkSemantics]) -> dict[str, str]:
    """Blob -> the layer it is computed through whose fork semantics the prototxt does not
    fix (the bottoms, a ``--fork`` or a default decided them): a Caffe of another fork
    computes that layer otherwise, which explains a difference from pycaffe."""
    chosen = {s.layer: s for s in choices if s.source in ("bottoms", "option", "default")}

    def hint(layer: Layer) -> str | None:
        s = chosen.get(layer.name)
        if s is None:
            return None
        return f"{layer.type} exported with {s.fork}'s semantics ({s.why}): a Caffe of another fork computes it otherwise (see --fork)"

    return _tainted(graph, hint)


def verify_onnx(
    net: Net, onnx_path: str | Path, blobs: list[str], *, rtol: float = VERIFY_RTOL, seed: int = 0,
    fork_semantics: Sequence[ForkSemantics] = (),
) -> VerifyResult:
    """Runs ``onnx_path`` in ONNX Runtime and the Caffe model in pycaffe (else OpenCV dnn)
    on one seeded random input, and compares each of ``blobs`` (graph output names).
    ``fork_semantics`` (the export report's): a difference from pycaffe in a blob computed
    through a layer the forks disagree on says so (the pycaffe may be another fork's)."""
    import onnx
    import onnxruntime as ort

    model = onnx.load(str(onnx_path), load_external_data=False)
    rng = np.random.default_rng(seed)
    inputs: dict[str, np.ndarray] = {}
    from ..passes.fold import input_shapes

    stated = input_shapes(net.doc, net.graph)
    indices = _index_inputs(net.graph)
    for value in model.graph.input:
        dims = [d.dim_value if d.HasField("dim_value") else stated[value.name][i] for i, d in enumerate(value.type.tensor_type.shape.dim)]
        if value.name in indices:
            inputs[value.name] = rng.integers(0, indices[value.name], dims).astype(np.float32)
        else:
            inputs[value.name] = rng.standard_normal(dims).astype(np.float32)
    session = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    got = dict(zip(blobs, session.run(blobs, inputs)))
    python = pycaffe_python()
    with tempfile.TemporaryDirectory(prefix="caffe2trt_bn-verify-") as folder:
        runner: _Runner
        if python is not None:
            reference, tainted = "pycaffe", {}
            runner = _PyCaffe(net, inputs, Path(folder), python)
        else:
            from .fold import OPENCV_HINT, opencv_available

            if not opencv_available():
                raise Caffe2TrtError(OPENCV_HINT)
            reference, tainted = "opencv", _tainted(net.graph)
            runner = _OpenCV(net, inputs, Path(folder))
        try:
            want, unrun = _run_pruned(runner, blobs)  # unrun: blob -> why the reference computed no value
        finally:
            runner.close()
    hints = _fork_hints(net.graph, fork_semantics) if reference == "pycaffe" else {}
    checks = []
    for blob in blobs:
        if blob in unrun:
            checks.append(BlobCheck(blob, tuple(got[blob].shape), None, "unchecked", unrun[blob]))
            continue
        a, b = np.asarray(got[blob], np.float64), np.asarray(want[blob], np.float64)
        if blob in tainted and (a.size != b.size):
            checks.append(BlobCheck(blob, a.shape, None, "unchecked", tainted[blob]))
            continue
        if a.size == b.size and a.shape != b.shape:
            b = b.reshape(a.shape)  # OpenCV drops or adds unit axes of some outputs
        if a.shape != b.shape:
            why = f"shape {a.shape}, reference {b.shape}" + (f"; {hints[blob]}" if blob in hints else "")
            checks.append(BlobCheck(blob, a.shape, None, "FAIL", why))
            continue
        scale = float(np.abs(b).max()) if b.size else 0.0
        diff = float(np.abs(a - b).max()) if b.size else 0.0
        relative = diff / scale if scale > 0 else (0.0 if diff == 0 else float("inf"))
        if blob in tainted:
            checks.append(BlobCheck(blob, a.shape, relative, "unchecked", tainted[blob]))
        elif relative <= rtol:
            checks.append(BlobCheck(blob, a.shape, relative, "ok"))
        else:
            checks.append(BlobCheck(blob, a.shape, relative, "FAIL", hints.get(blob)))
    return VerifyResult(reference, rtol, checks)


#: Layer types OpenCV dnn 4.x cannot create (measured with OpenCV 4.14 on fixtures/fork_layers;
#: a type it lacks that is not listed is found when OpenCV names it, see :func:`_run_opencv_pruned`).
OPENCV_LACKS = frozenset(
    {
        "Upsample", "PixelShuffle", "Pad", "BilinearInterpolate", "MaxUnPool", "Unsqueeze", "DepthwiseConvolution",
        "Resize", "Parameter",
    }
)


def opencv_cannot_run(net: Net, layer: Layer) -> str | None:
    """Why OpenCV dnn cannot run ``layer`` of ``net`` at all (measured with OpenCV 4.14 on
    fixtures/fork_layers), or None.  Such a layer is left out of the net OpenCV runs, and
    every output computed through it is reported unchecked with this reason."""
    from ..export.onnx.fillers import FILLED_TYPES

    if layer.type in OPENCV_LACKS:
        return f"OpenCV dnn has no {layer.type} layer"
    if layer.type in FILLED_TYPES and net.model.layer(layer.name) is None:
        # OpenCV 4.14 crashes (segmentation fault) on a convolution without weights.
        return "OpenCV dnn does not fill weights the caffemodel does not hold (Caffe fills them from the prototxt's fillers)"
    if layer.type == "DetectionOutput":
        p = layer.node.get("detection_output_param")
        if p is None or p.get("keep_top_k") is None:
            return "OpenCV dnn refuses a DetectionOutput without keep_top_k"
        code = p.get("code_type")
        if code is not None and code.value not in ("CORNER", "CENTER_SIZE", "1", "2"):
            # Its copy of the message lacks CORNER_SIZE: the whole prototxt fails to parse.
            return f"OpenCV dnn cannot read DetectionOutput's code_type {code.value}"
        if p.get_bool("variance_encoded_in_target", False):
            return "OpenCV dnn reads the priors without their variances when variance_encoded_in_target is set"
        if p.get_int("keep_top_k") == 0:
            return "OpenCV dnn refuses keep_top_k: 0"
        nms = p.get("nms_param")
        if nms is None or nms.get("nms_threshold") is None:
            return "OpenCV dnn refuses a DetectionOutput without nms_param.nms_threshold"
    if layer.type == "PriorBox":
        p = layer.node.get("prior_box_param")
        if p is None or not p.get_floats("variance"):
            return "OpenCV dnn refuses a PriorBox without variance"
    if layer.type == "Interp":
        p = layer.node.get("interp_param")
        if len(layer.bottoms) != 1:
            return "OpenCV dnn's Interp takes one bottom"
        if p is not None and p.get("shrink_factor") is not None and p.get("zoom_factor") is None:
            return "OpenCV dnn refuses Interp's shrink_factor without zoom_factor"
    return None


def _last_values(graph: Graph) -> list[Value]:
    """The last version of every blob a layer writes."""
    last: dict[str, Value] = {}
    for value in graph.producer:
        if value.version >= last.get(value.blob, value).version:
            last[value.blob] = value
    return list(last.values())


def _needed(graph: Graph, blobs: list[str]) -> list[int]:
    """Indices of the layers that compute the last version of each of ``blobs``, in
    execution order (so that every prefix holds the producers of what it reads)."""
    last = {value.blob: value for value in _last_values(graph)}
    todo = [last[b] for b in blobs if b in last]
    needed: set[int] = set()
    while todo:
        producer = graph.producer.get(todo.pop())
        if producer is not None and producer.index not in needed:
            needed.add(producer.index)
            todo.extend(producer.inputs)
    return sorted(needed)


def _run_pruned(runner: _Runner, blobs: list[str]) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """The reference's value of each of ``blobs`` it can compute, and why it computes no
    value for the others.

    The reference runs the net reduced to the layers the compared blobs need, without
    the layers it cannot run (:meth:`_Runner.cannot_run`) and those reading their tops;
    a blob computed through a left-out layer is reported with that layer's reason.  When
    the reference still fails, the layer that makes it fail is found (the shortest
    failing prefix of the layers in execution order, by bisection), left out with the
    reference's message, and it runs again: one layer it cannot run does not hide the
    outputs it can compute."""
    graph = runner.net.graph
    blocked: dict[Value, str] = {}

    def block(layer: Layer, reason: str) -> None:
        for later in graph.layers[layer.index:]:
            why = reason if later is layer else next((blocked[v] for v in later.inputs if v in blocked), None)
            if why is not None:
                for value in later.outputs:
                    blocked.setdefault(value, why)

    for layer in graph.layers:
        reason = runner.cannot_run(layer)
        if reason is not None:
            block(layer, f"{reason} (layer {layer.name!r})")
    unrun: dict[str, str] = {}
    for _ in range(len(graph.layers) + 1):
        finals = {v.blob: blocked[v] for v in _last_values(graph) if v in blocked}
        unrun.update({b: finals[b] for b in blobs if b in finals})
        wanted = [b for b in blobs if b not in unrun]
        if not wanted:
            return {}, unrun
        needed = _needed(graph, wanted)
        try:
            return runner.values(needed, wanted), unrun
        except Caffe2TrtError as exc:
            culprit = runner.first_failing(needed)
            if culprit is None:
                unrun.update(dict.fromkeys(wanted, str(exc)))
                return {}, unrun
            layer, message = culprit
            block(layer, f"{message} (layer {layer.name!r})")
    raise AssertionError("the reference failed with every layer left out")


def _prototxt_file(net: Net) -> str:
    """The prototxt file the reference runtimes read: they read files, not parsed trees,
    so a net parsed from text (no path) cannot be compared (its blobs become unchecked)."""
    if net.prototxt_path is None:
        raise Caffe2TrtError("the reference run reads the prototxt from its file, and this net was not read from one")
    return net.prototxt_path


class _Runner:
    """Runs sub-nets of ``net`` in a reference runtime (prototxts written to ``folder``)."""

    def __init__(self, net: Net, inputs: dict[str, np.ndarray], folder: Path) -> None:
        self.net, self.inputs, self.folder = net, inputs, folder
        self.nodes = net.doc.all("layer")
        self.position = {id(node): i for i, node in enumerate(self.nodes)}
        self.written = 0

    def cannot_run(self, layer: Layer) -> str | None:
        """Why the reference cannot run ``layer`` at all (known before trying), or None."""
        return None

    def values(self, layers: list[int], blobs: list[str]) -> dict[str, np.ndarray]:
        """The values of ``blobs`` from the sub-net of ``layers``; Caffe2TrtError if it fails."""
        raise NotImplementedError

    def error(self, layers: list[int]) -> str | None:
        """The reference's error running the sub-net of ``layers``, or None."""
        raise NotImplementedError

    def close(self) -> None:
        """Undoes what the runner set up."""

    def prototxt(self, layers: list[int]) -> Path:
        """The deploy prototxt with only ``layers`` (and the Input layers)."""
        graph = self.net.graph
        keep = {self.position[id(graph.layers[i].node)] for i in layers}
        keep |= {self.position[id(layer.node)] for layer in graph.layers if layer.type == "Input"}
        drop = [i for i in range(len(self.nodes)) if i not in keep]
        source = _prototxt_file(self.net)
        if not drop:
            return Path(source)
        from ..io.prototxt import parse_file

        doc = parse_file(source)
        nodes = doc.all("layer")
        doc.remove_many([nodes[i] for i in drop])
        self.written += 1
        path = self.folder / f"net{self.written}.prototxt"
        path.write_text(doc.render())
        return path

    def first_failing(self, layers: list[int]) -> tuple[Layer, str] | None:
        """The layer ending the shortest prefix of ``layers`` the reference fails on, with
        its error; None when the whole of ``layers`` runs (the failure lies elsewhere)."""
        layers = [i for i in layers if self.net.graph.layers[i].type != "Input"]  # always kept
        if not layers or self.error(layers) is None:
            return None
        lo, hi = 0, len(layers) - 1  # the prefix ending at hi fails
        while lo < hi:
            mid = (lo + hi) // 2
            if self.error(layers[: mid + 1]) is None:
                lo = mid + 1
            else:
                hi = mid
        message = self.error(layers[: hi + 1]) or ""
        return self.net.graph.layers[layers[hi]], message


#: What the pycaffe child process runs: argv[1] is a folder holding ``job.json``
#: (prototxt, caffemodel, input names, blobs) and ``inputs.npz``; it writes ``outputs.npz``.
_PYCAFFE_SCRIPT = """
import json, sys
import numpy as np
import caffe
folder = sys.argv[1]
job = json.load(open(folder + "/job.json"))
caffe.set_mode_cpu()
net = caffe.Net(job["prototxt"], job["caffemodel"], caffe.TEST)
given = np.load(folder + "/inputs.npz")
for i, name in enumerate(job["inputs"]):
    x = given["arr_%d" % i]
    net.blobs[name].reshape(*x.shape)
    net.blobs[name].data[...] = x
net.forward()
np.savez(folder + "/outputs.npz", *[np.array(net.blobs[b].data) for b in job["blobs"]])
"""


class _PyCaffe(_Runner):
    """Real Caffe through pycaffe, in a child process: Caffe aborts the process on a
    layer type it does not have or a failed check, which must not end this one."""

    def __init__(self, net: Net, inputs: dict[str, np.ndarray], folder: Path, python: str) -> None:
        super().__init__(net, inputs, folder)
        self.python = python

    def _run(self, layers: list[int], blobs: list[str]) -> tuple[dict[str, np.ndarray] | None, str]:
        import json
        import os
        import subprocess

        job = self.folder / "job"
        job.mkdir(exist_ok=True)
        names = list(self.inputs)
        (job / "job.json").write_text(json.dumps({
            "prototxt": str(self.prototxt(layers)), "caffemodel": str(self.net.caffemodel_path),
            "inputs": names, "blobs": blobs,
        }))
        np.savez(job / "inputs.npz", *[self.inputs[n] for n in names])
        (job / "outputs.npz").unlink(missing_ok=True)
        env = {**os.environ, "GLOG_minloglevel": "2"}  # Caffe's INFO and WARNING logs: noise here
        done = subprocess.run([self.python, "-c", _PYCAFFE_SCRIPT, str(job)], check=False, capture_output=True, text=True, env=env)
        if done.returncode != 0 or not (job / "outputs.npz").exists():
            return None, _caffe_error(done.stderr)
        with np.load(job / "outputs.npz") as got:
            return {b: got[f"arr_{i}"] for i, b in enumerate(blobs)}, ""

    def values(self, layers: list[int], blobs: list[str]) -> dict[str, np.ndarray]:
        got, message = self._run(layers, blobs)
        if got is None:
            raise Caffe2TrtError(f"pycaffe cannot run this net: {message}", file=self.net.prototxt_path)
        return got

    def error(self, layers: list[int]) -> str | None:
        got, message = self._run(layers, [])
        return None if got is not None else message


def _caffe_error(stderr: str) -> str:
    """The one line saying why Caffe (or the child's Python) stopped."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    for line in lines:
        parse = re.search(r"\[libprotobuf ERROR [^\]]*\] Error parsing text-format caffe\.NetParameter: \d+:\d+: (.*)", line)
        if parse:  # reported before the FATAL line, which only names the file
            return f"this Caffe cannot read it: {parse.group(1)}"
    for line in lines:
        fatal = re.match(r"F\d{4,8} [\d:.]+\s+\d+ [^\]]*\] (.*)", line)  # glog's FATAL line
        if fatal:
            text = fatal.group(1)
            unknown = re.search(r"Unknown layer type: (\S+)", text)
            return f"this Caffe has no {unknown.group(1)} layer" if unknown else f"Caffe stops: {text}"
    return f"pycaffe fails: {lines[-1]}" if lines else "pycaffe fails"


class _OpenCV(_Runner):
    """OpenCV dnn, in this process."""

    def __init__(self, net: Net, inputs: dict[str, np.ndarray], folder: Path) -> None:
        import cv2

        from .fold import _register_bias_layer

        super().__init__(net, inputs, folder)
        self.cv2 = cv2
        logging = cv2.utils.logging
        # The failures are reported per layer; OpenCV's own log of them would only repeat them.
        self.log_level = logging.getLogLevel()
        logging.setLogLevel(logging.LOG_LEVEL_SILENT)
        self.registered = _register_bias_layer(cv2)

    def cannot_run(self, layer: Layer) -> str | None:
        return opencv_cannot_run(self.net, layer)

    def close(self) -> None:
        self.cv2.utils.logging.setLogLevel(self.log_level)
        if self.registered:
            self.cv2.dnn_unregisterLayer("Bias")

    def values(self, layers: list[int], blobs: list[str]) -> dict[str, np.ndarray]:
        from .fold import _run_opencv

        path = self.prototxt(layers)
        try:
            return _run_opencv(self.cv2, path, self.net.caffemodel_path, self.inputs, self.net.graph, blobs)
        except Caffe2TrtError as exc:
            raise Caffe2TrtError(str(exc).replace(str(path), str(self.net.prototxt_path))) from None

    def error(self, layers: list[int]) -> str | None:
        """OpenCV's error running the sub-net of ``layers`` (a prefix of the net), or None."""
        cv2 = self.cv2
        try:
            model = cv2.dnn.readNetFromCaffe(str(self.prototxt(layers)), str(self.net.caffemodel_path))
            model.enableFusion(False)
            for name, x in self.inputs.items():
                model.setInput(x, name)
            model.forward()
        except cv2.error as exc:
            text = str(exc)
            unknown = re.search(r'Can\'t create layer "[^"]*" of type "([^"]*)"', text)
            if unknown:
                return f"OpenCV dnn has no {unknown.group(1)} layer"
            lines = [line for line in text.splitlines() if "error:" in line] or text.strip().splitlines() or [""]
            return "OpenCV dnn cannot run it: " + lines[0].split("error:", 1)[-1].strip()
        return None
