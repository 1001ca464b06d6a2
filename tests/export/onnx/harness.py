"""Shared harness of the ONNX export tests: every Caffe-made case, exported and checked
against what real Caffe recorded.

:func:`check_case` exports one case and checks, each as an assertion that can fail:

* ``onnx.checker.check_model(full_check=True)`` (strict shape inference included);
* only ops of TensorRT's documented list; no initializer among the graph inputs; the
  graph inputs/outputs are the Caffe net's, named as its blobs, shaped as Caffe shaped them;
* ONNX Runtime on the recorded ``input.npy``: every graph output within
  :data:`RTOL` of Caffe's activation relative to the blob's magnitude;
* every intermediate tensor the model holds for a Caffe blob version (exposed as extra
  outputs of a copy of the model): its inferred ONNX shape equals Caffe's recorded
  shape, and its value agrees with Caffe's within :data:`RTOL`.

Tolerances: Caffe computes in float32, so agreement is about 1e-6 relative to a blob's
magnitude; :data:`RTOL` is the 1e-5 the exporter promises.  ArgMax indices and Threshold
outputs compare exactly (they are whole numbers; an index off by one fails).

DetectionOutput tops (``(1, 1, rows, 7)``, the row count known only at run time) are
compared as Caffe's rows (:func:`detection_error`): the same rows in the same order (per
image, by label, then by score), image ids and labels exactly, scores and coordinates
within :data:`RTOL` of the blob's magnitude; the ONNX shape declares the row axis as a
symbolic dimension.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[3]
FIXTURES = ROOT / "fixtures"
ZOO = FIXTURES / "zoo"
FORK_LAYERS = FIXTURES / "fork_layers"

#: Largest accepted difference from Caffe, relative to the blob's magnitude (max |Caffe|).
RTOL = 1e-5

#: Caffe-made cases with recorded activations: the BatchNorm fixtures and the layer zoo.
BN_CASES = sorted(p.name for p in FIXTURES.iterdir() if (p / "activations.json").exists())
ZOO_CASES = sorted(p.name for p in ZOO.iterdir() if (p / "activations.json").exists())
#: The forks' layers (SSD, YOLO ports, segmentation and mobile nets), made by a fork Caffe.
FORK_CASES = [f"fork_layers/{p.name}" for p in sorted(FORK_LAYERS.iterdir()) if (p / "activations.json").exists()]
ALL_CASES = [*(f"fixtures/{c}" for c in BN_CASES), *(f"zoo/{c}" for c in ZOO_CASES), *FORK_CASES]

#: Export options a case needs to mean what the Caffe that made it computed (check_case
#: applies them unless the caller gives its own): brocolli-caffe's defaults.
CASE_OPTIONS: dict[str, dict[str, object]] = {"fork_layers/ssd_brocolli_defaults": {"fork": "brocolli"}}


def case_dir(case: str) -> Path:
    """The folder of ``case``: a name under fixtures/, or an absolute path (a case copied
    and edited by a test)."""
    if Path(case).is_absolute():
        return Path(case)
    return FIXTURES / case.split("/", 1)[1] if case.startswith("fixtures/") else FIXTURES / case


@dataclass
class Recorded:
    """What Caffe recorded for a case: per (layer index in our graph, top index), the array."""

    input_blob: str
    input: np.ndarray
    values: dict[tuple[str, int], np.ndarray] = field(default_factory=dict)


def recorded(case: str) -> tuple[Recorded, object]:
    """Caffe's activations keyed by blob version (``Value``), with the parsed graph.

    Records are matched to the prototxt's layers in order by name; the Split layers Caffe
    inserts for fan-out (and the layer Caffe makes of a legacy ``input:`` header) are not
    in the prototxt and are passed over.
    """
    from caffe2trt_bn.ir.graph import build_graph
    from caffe2trt_bn.io.prototxt import parse_file

    d = case_dir(case)
    meta = json.loads((d / "activations.json").read_text())
    graph = build_graph(parse_file(d / "deploy.prototxt"))
    with np.load(d / "activations.npz") as z:
        arrays = {k: z[k] for k in z.files}
    rec = Recorded(meta.get("input_blob", "data"), np.load(d / meta.get("input", "input.npy")))
    layers = [layer for layer in graph.layers if layer.type != "Input"]
    j = 0
    for r in meta["layers"]:
        if j < len(layers) and r["layer"] == layers[j].name:
            for value, key in zip(layers[j].outputs, r["keys"]):
                rec.values[(value.blob, value.version)] = arrays[key]
            j += 1
    assert j == len(layers), f"{case}: matched {j} of {len(layers)} layers to Caffe's records"
    return rec, graph


def detection_error(got: np.ndarray, want: np.ndarray) -> float:
    """A DetectionOutput top against Caffe's: inf unless the rows are the same in number
    and order with the same image ids and labels; else the largest difference of scores
    and coordinates relative to the blob's magnitude."""
    got = np.asarray(got, dtype=np.float64)
    want = np.asarray(want, dtype=np.float64)
    if got.shape != want.shape or got.ndim != 4 or got.shape[-1] != 7:
        return float("inf")
    g, w = got.reshape(-1, 7), want.reshape(-1, 7)
    if not np.array_equal(g[:, :2], w[:, :2]):
        return float("inf")
    return rel_error(g[:, 2:], w[:, 2:])


def rel_error(got: np.ndarray, want: np.ndarray) -> float:
    """max |got - want| / max(max |want|, 1e-30)."""
    got = np.asarray(got, dtype=np.float64)
    want = np.asarray(want, dtype=np.float64)
    if got.shape != want.shape:
        return float("inf")
    if want.size == 0:
        return 0.0
    scale = max(float(np.abs(want).max()), 1e-30)
    return float(np.abs(got - want).max() / scale)


@dataclass
class CaseResult:
    """What :func:`check_case` found: per checked tensor, its relative error."""

    path: Path
    report: object
    errors: dict[str, float]
    failures: list[str]


def export_case(case: str, out: Path, **options: object) -> object:
    from caffe2trt_bn.export.onnx import to_onnx

    d = case_dir(case)
    return to_onnx(d / "deploy.prototxt", d / "net.caffemodel", out, **options)


def check_case(case: str, out: Path, *, intermediates: bool = True, **options: object) -> CaseResult:
    """Exports ``case`` to ``out`` with ``options`` and checks it (see the module docstring).

    Returns the failures instead of raising, so callers can count passing cases; tests
    assert that the list is empty.
    """
    import onnx
    import onnxruntime as ort

    from caffe2trt_bn.export.onnx.trt_ops import TRT_OPS

    options = {**CASE_OPTIONS.get(case, {}), **options}
    report = export_case(case, out, **options)
    rec, graph = recorded(case)
    failures: list[str] = []
    errors: dict[str, float] = {}
    model = onnx.load(str(out))
    try:
        onnx.checker.check_model(model, full_check=True)
    except (onnx.checker.ValidationError, onnx.shape_inference.InferenceError) as exc:
        failures.append(f"check_model: {exc}")
        return CaseResult(out, report, errors, failures)
    ops = {n.op_type for n in model.graph.node}
    unknown = sorted(ops - set(TRT_OPS))
    if unknown:
        failures.append(f"ops outside TensorRT's list: {unknown}")
    init_names = {i.name for i in model.graph.initializer}
    if any(i.name in init_names for i in model.graph.input):
        failures.append("an initializer is a graph input")
    inputs = [i.name for i in model.graph.input]
    if inputs != [rec.input_blob]:
        failures.append(f"graph inputs {inputs}, Caffe's {rec.input_blob!r}")
    # Caffe's net outputs: the last version of every blob no layer reads afterwards.
    want_outputs = []
    for layer in graph.layers:
        if layer.type == "Input":
            continue
        for value in layer.outputs:
            if graph.is_net_output(value) and value.blob not in want_outputs:
                want_outputs.append(value.blob)
    extra = list(options.get("outputs", ()))  # type: ignore[call-overload]
    got_outputs = [o.name for o in model.graph.output]
    if got_outputs != want_outputs + [b for b in extra if b not in want_outputs]:
        failures.append(f"graph outputs {got_outputs}, Caffe's {want_outputs} + {extra}")
    # Every tensor named for a blob version (the report's map), as an extra output.
    tensor_of = dict(report.tensors)  # type: ignore[attr-defined]
    detections = {
        key
        for layer in graph.layers
        if layer.type == "DetectionOutput"
        for v in layer.outputs
        for key in [v.blob if v.version == 0 else f"{v.blob}#{v.version}"]
    }
    inferred = onnx.shape_inference.infer_shapes(model, strict_mode=True)
    known = {v.name: v for v in [*inferred.graph.value_info, *inferred.graph.output, *inferred.graph.input]}
    probe = onnx.load(str(out))
    present = {o for n in model.graph.node for o in n.output}
    checked: dict[str, tuple[str, np.ndarray]] = {}
    for (blob, version), array in rec.values.items():
        key = blob if version == 0 else f"{blob}#{version}"
        name = tensor_of.get(key)
        if name is None or name not in present:
            continue  # folded away (a BatchNorm group's intermediate value)
        info = known.get(name)
        if info is None:
            failures.append(f"{key}: no inferred shape for tensor {name!r}")
            continue
        dims = tuple(d.dim_value if d.HasField("dim_value") else -1 for d in info.type.tensor_type.shape.dim)
        if options.get("dynamic_batch") and dims:
            dims = (array.shape[0], *dims[1:]) if dims[0] == -1 else dims
        if key in detections and len(dims) == 4 and dims[2] == -1:
            dims = (dims[0], dims[1], array.shape[2], dims[3])  # rows: known at run time only
        if dims != tuple(array.shape):
            failures.append(f"{key}: inferred shape {dims}, Caffe's {tuple(array.shape)}")
        if intermediates or name in got_outputs:
            checked[name] = (key, array)
    existing = set(got_outputs)
    for name in checked:
        if name not in existing:
            probe.graph.output.append(known[name])
    session = ort.InferenceSession(probe.SerializeToString(), providers=["CPUExecutionProvider"])
    names = [o.name for o in probe.graph.output]
    results = dict(zip(names, session.run(names, {rec.input_blob: rec.input})))
    for name, (key, want) in checked.items():
        err = detection_error(results[name], want) if key in detections else rel_error(results[name], want)
        errors[key] = err
        if not err <= RTOL:
            failures.append(f"{key}: relative error {err:.3g} > {RTOL}")
    for blob in want_outputs:
        if blob not in results:
            failures.append(f"output {blob!r} missing")
    return CaseResult(out, report, errors, failures)
