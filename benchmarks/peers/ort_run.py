"""Runs an ONNX model in ONNX Runtime (CPU) on a case's input; the outputs go to a file.

Arguments: MODEL.onnx INPUT.npy INPUT_BLOB OUT.npz.  The input is fed to the graph's one
input that is not an initializer (or, when there are several, to the one named
INPUT_BLOB), cast to the element type the graph declares for it.  Every graph output is
saved in OUT.npz as ``o0``, ``o1``, ... in graph order.  Prints one JSON line: ``stage``
(``ok``, or ``load``/``feed``/``run``: where ONNX Runtime or the model failed), ``error``
(the first line of the error), ``outputs`` (the graph outputs' names), ``opset`` (of the
default ONNX domain) and ``ort`` (ONNX Runtime's version).  Run in a child process so that
a crash of ONNX Runtime is the case's result, not the benchmark's end.
"""

import json
import re
import sys

import numpy as np
import onnx
import onnxruntime as ort  # type: ignore[import-untyped]

#: ONNX Runtime's wording around the reason of an error: the error code's preamble, the
#: model's path, and the C++ source location and signature of the check that failed.
ORT_NOISE = (
    re.compile(r"^\w+: \[ONNXRuntimeError\] : \d+ : "),
    re.compile(r"Load model from \S+ failed:"),
    re.compile(r"/onnxruntime_src/\S+:\d+ .*?\)(?: \[with [^\]]*\])? "),
)


def first_line(exc: BaseException) -> str:
    """The first line of the error, without ONNX Runtime's :data:`ORT_NOISE`."""
    text = f"{type(exc).__name__}: {exc}".strip().splitlines()[0]
    for noise in ORT_NOISE:
        text = noise.sub("", text, count=1)
    return text[:400]


def feed(model: onnx.ModelProto, x: np.ndarray, input_blob: str) -> dict[str, np.ndarray]:
    """The input feed: the one non-initializer graph input, cast to its declared type."""
    initializers = {t.name for t in model.graph.initializer}
    inputs = [i for i in model.graph.input if i.name not in initializers]
    if len(inputs) != 1:
        named = [i for i in inputs if i.name == input_blob]
        if len(named) != 1:
            raise ValueError(f"cannot tell which graph input is {input_blob!r}: {[i.name for i in inputs]}")
        inputs = named
    elem = inputs[0].type.tensor_type.elem_type
    dtype = onnx.helper.tensor_dtype_to_np_dtype(elem) if elem else np.float32
    return {inputs[0].name: x.astype(dtype)}


def main() -> None:
    path, input_path, input_blob, out_path = sys.argv[1:5]
    report: dict[str, object] = {"stage": "load", "ort": ort.__version__}
    try:
        model = onnx.load(path, load_external_data=False)
        report["opset"] = next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), None)
        report["outputs"] = [o.name for o in model.graph.output]
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
        report["stage"] = "feed"
        inputs = feed(model, np.load(input_path), input_blob)
        report["stage"] = "run"
        names = [o.name for o in session.get_outputs()]
        values = session.run(names, inputs)
    except Exception as exc:  # noqa: BLE001  (any failure is the result reported)
        report["error"] = first_line(exc)
        print(json.dumps(report))
        return
    report["stage"] = "ok"
    report["outputs"] = names
    np.savez(out_path, **{f"o{i}": np.asarray(v) for i, v in enumerate(values)})  # type: ignore[arg-type]
    print(json.dumps(report))


main()
