"""``onnx --verify`` against OpenCV dnn on nets OpenCV cannot run whole: the fork cases
and the zoo.  OpenCV runs the net without the layers it cannot run (and what reads them),
so the other outputs are still compared; every output it cannot compute, or computes
differently from Caffe, is ``unchecked`` with the reason naming the layer, never a
failure and never a crash."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from .harness import FORK_LAYERS, ZOO

ROOT = Path(__file__).resolve().parents[3]
#: In this process; filler_weights made OpenCV crash the process: checked in a subprocess below.
FORK_CASES = sorted(p.parent.name for p in FORK_LAYERS.glob("*/net.caffemodel") if p.parent.name != "filler_weights")
#: Cases made with brocolli-caffe's defaults: exported with its semantics.
OPTIONS = {"ssd_brocolli_defaults": ("brocolli",)}


@pytest.fixture(autouse=True)
def _opencv_reference() -> None:
    pytest.importorskip("cv2")
    pytest.importorskip("onnxruntime")
    from caffe2trt_bn.verify.onnx import pycaffe_available

    if pycaffe_available():
        pytest.skip("pycaffe imports: --verify uses it instead of OpenCV dnn")


def _verify(case: Path, tmp_path: Path, fork: tuple[str, ...] = ()) -> dict[str, tuple[str, str | None]]:
    """blob -> (status, reason) of --verify on ``case`` (in this process)."""
    from caffe2trt_bn.export.onnx import ExportOptions, export_net
    from caffe2trt_bn.ir.net import load_net
    from caffe2trt_bn.verify.onnx import verify_onnx

    net = load_net(case / "deploy.prototxt", case / "net.caffemodel")
    report = export_net(net, tmp_path / "m.onnx", ExportOptions(fork=fork))
    result = verify_onnx(net, tmp_path / "m.onnx", [name for name, _ in report.outputs])
    assert result.reference == "opencv"
    return {c.blob: (c.status, c.reason) for c in result.checks}


@pytest.mark.parametrize("case", FORK_CASES)
def test_every_fork_case_verifies_without_a_false_failure(case: str, tmp_path: Path) -> None:
    checks = _verify(FORK_LAYERS / case, tmp_path, OPTIONS.get(case, ()))
    assert all(status in ("ok", "unchecked") for status, _ in checks.values()), checks
    for status, reason in checks.values():
        if status == "unchecked":
            assert reason is not None and "(layer '" in reason, reason  # the layer is named
            assert "OpenCV cannot run this net" not in reason


def test_a_layer_opencv_lacks_does_not_hide_the_outputs_it_can_compute(tmp_path: Path) -> None:
    """yolo_upsample_block: OpenCV has no Upsample, yet the branch before it is compared."""
    checks = _verify(FORK_LAYERS / "yolo_upsample_block", tmp_path)
    assert checks["layer6-conv"] == ("ok", None)
    assert checks["layer12-conv"] == ("unchecked", "OpenCV dnn has no Upsample layer (layer 'layer9-upsample')")


def test_priorboxes_opencv_runs_are_compared(tmp_path: Path) -> None:
    checks = _verify(FORK_LAYERS / "priorbox_variants", tmp_path)
    assert checks["pb_dup_ratios"][0] == "ok" and checks["pb_concat"][0] == "ok"
    assert checks["pb_min_only"] == ("unchecked", "OpenCV dnn refuses a PriorBox without variance (layer 'pb_min_only')")


def test_detection_outputs_opencv_cannot_read_are_left_out(tmp_path: Path) -> None:
    """A CORNER_SIZE DetectionOutput makes OpenCV's parser refuse the whole prototxt: it
    is left out and the other DetectionOutputs run (their rows are OpenCV's order)."""
    checks = _verify(FORK_LAYERS / "ssd_detection_variants", tmp_path)
    assert checks["det_corner_size"] == (
        "unchecked", "OpenCV dnn cannot read DetectionOutput's code_type CORNER_SIZE (layer 'det_corner_size')"
    )
    assert checks["det_keep3"][1] == "OpenCV dnn lists DetectionOutput's rows by score and pads them with zero rows (layer 'det_keep3')"


def test_interp_differences_are_unchecked_not_failures(tmp_path: Path) -> None:
    """stand_in_layers: OpenCV's Interp ignores shrink_factor and pad_beg/pad_end (its
    sizes differ from Caffe's), refuses shrink_factor alone and a second bottom."""
    checks = _verify(FORK_LAYERS / "stand_in_layers", tmp_path)
    assert checks["interp_sz"] == ("unchecked", "OpenCV dnn ignores Interp's shrink_factor, pad_beg and pad_end (layer 'interp_sz')")
    assert checks["interp_crop"][0] == "unchecked"
    assert checks["interp_ref"] == ("unchecked", "OpenCV dnn's Interp takes one bottom (layer 'interp_ref')")


def test_a_layer_type_opencv_names_is_left_out(tmp_path: Path) -> None:
    """act_pointwise: OpenCV has no Threshold layer (not in the measured list: found from
    OpenCV's own error); the other activations are compared."""
    checks = _verify(ZOO / "act_pointwise", tmp_path)
    assert checks["thr"] == ("unchecked", "OpenCV dnn has no Threshold layer (layer 'thr')")
    assert [b for b, (status, _) in checks.items() if status == "ok"] and all(
        status == "ok" for b, (status, _) in checks.items() if not b.startswith("thr")
    )


def test_the_layer_opencv_fails_on_is_found(tmp_path: Path) -> None:
    """reshape_flatten: OpenCV fails on one Reshape with an error naming no layer; the
    bisection names it, and the eight other outputs are compared."""
    checks = _verify(ZOO / "reshape_flatten", tmp_path)
    unchecked = {b: r for b, (s, r) in checks.items() if s == "unchecked"}
    assert list(unchecked) == ["rs_append"]
    assert unchecked["rs_append"] is not None and unchecked["rs_append"].startswith("OpenCV dnn cannot run it: ")
    assert unchecked["rs_append"].endswith("(layer 'rs_append')")
    assert sum(s == "ok" for s, _ in checks.values()) == 8


def test_weights_caffe_fills_do_not_crash_opencv(tmp_path: Path) -> None:
    """filler_weights: OpenCV 4.14 crashes (segmentation fault) on a Deconvolution the
    caffemodel does not hold; --verify leaves it out.  Run as a user would, in a
    subprocess, so that a crash fails this test instead of ending the test run."""
    case = FORK_LAYERS / "filler_weights"
    out = tmp_path / "m.onnx"
    run = subprocess.run(
        [sys.executable, "-m", "caffe2trt_bn", "onnx", str(case / "deploy.prototxt"), str(case / "net.caffemodel"),
         "-o", str(out), "--verify", "--json"],
        check=False, capture_output=True, text=True, cwd=ROOT, timeout=300,
    )
    assert run.returncode == 0, run.stderr
    (check,) = json.loads(run.stdout)["verify"]["blobs"]
    assert check["status"] == "unchecked" and check["reason"].endswith("(layer 'up')")
    assert "fillers" in check["reason"]


# --- pycaffe in a child process --------------------------------------------------------

#: A stand-in for pycaffe that knows Input and ReLU only and dies as Caffe does (glog's
#: FATAL line, then abort) on any other layer type: the child process the verification
#: runs pycaffe in must survive that, and leave the layer out.
FAKE_CAFFE = '''
import os, re, sys
import numpy as np
TEST = 1
def set_mode_cpu():
    pass
class _Blob:
    def __init__(self):
        self.data = np.zeros(1, np.float32)
    def reshape(self, *shape):
        self.data = np.zeros(shape, np.float32)
class Net:
    def __init__(self, prototxt, caffemodel, phase):
        self.layers = re.findall(r'layer \\{ name: "([^"]*)" type: "([^"]*)"(?: bottom: "([^"]*)")? top: "([^"]*)"', open(prototxt).read())
        for name, kind, bottom, top in self.layers:
            if kind not in ("Input", "ReLU"):
                sys.stderr.write("F20261205 12:00:00.000000  4242 layer_factory.hpp:81] Check failed: registry.count(type) == 1 "
                                 "(0 vs. 1) Unknown layer type: %s (known types: Input, ReLU)\\n*** Check failure stack trace: ***\\n" % kind)
                sys.stderr.flush()
                os.abort()
        self.blobs = {top: _Blob() for _, _, _, top in self.layers}
    def forward(self):
        for name, kind, bottom, top in self.layers:
            if kind == "ReLU":
                self.blobs[top].data = np.maximum(self.blobs[bottom].data, 0)
'''


def test_pycaffe_runs_in_a_child_process_that_may_abort(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from caffe2trt_bn import caffe_pb2
    from caffe2trt_bn.export.onnx import ExportOptions, export_net
    from caffe2trt_bn.ir.net import load_net
    from caffe2trt_bn.verify import onnx as verify

    fake = tmp_path / "fake"
    fake.mkdir()
    (fake / "caffe.py").write_text(FAKE_CAFFE)
    monkeypatch.setenv("PYTHONPATH", str(fake))
    monkeypatch.setenv(verify.PYCAFFE_PYTHON_ENV, sys.executable)
    assert verify.pycaffe_python() == sys.executable
    proto = tmp_path / "deploy.prototxt"
    proto.write_text(
        'layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 1 dim: 2 dim: 3 dim: 4 } } }\n'
        'layer { name: "r" type: "ReLU" bottom: "data" top: "r" }\n'
        'layer { name: "t" type: "TanH" bottom: "data" top: "t" }\n'
    )
    model = tmp_path / "net.caffemodel"
    model.write_bytes(caffe_pb2.NetParameter(name="net", layer=[caffe_pb2.LayerParameter(name="data", type="Input")]).SerializeToString())
    net = load_net(proto, model)
    report = export_net(net, tmp_path / "m.onnx", ExportOptions())
    result = verify.verify_onnx(net, tmp_path / "m.onnx", [name for name, _ in report.outputs])
    assert result.reference == "pycaffe"
    checks = {c.blob: (c.status, c.reason) for c in result.checks}
    assert checks == {"r": ("ok", None), "t": ("unchecked", "this Caffe has no TanH layer (layer 't')")}
    monkeypatch.setenv("PYTHONPATH", str(tmp_path / "nowhere"))  # caffe does not import there
    assert verify.pycaffe_python() is None


def test_caffe_errors_are_one_line() -> None:
    from caffe2trt_bn.verify.onnx import _caffe_error

    parse = (
        '[libprotobuf ERROR google/protobuf/text_format.cc:337] Error parsing text-format caffe.NetParameter: 18:25: '
        'Message type "caffe.LayerParameter" has no field named "interp_param".\n'
        "WARNING: Logging before InitGoogleLogging() is written to STDERR\n"
        "F20261205 12:32:24.660063 13917 upgrade_proto.cpp:94] Check failed: ReadProtoFromTextFile(param_file, param) "
        "Failed to parse NetParameter file: /tmp/x/net1.prototxt\n*** Check failure stack trace: ***\n"
    )
    assert _caffe_error(parse) == 'this Caffe cannot read it: Message type "caffe.LayerParameter" has no field named "interp_param".'
    check = "F1205 12:32:24.660063 13917 pooling_layer.cpp:40] Check failed: kernel_h_ > 0 (0 vs. 0) Filter dimensions cannot be zero.\n"
    assert _caffe_error(check) == "Caffe stops: Check failed: kernel_h_ > 0 (0 vs. 0) Filter dimensions cannot be zero."
    assert _caffe_error("Traceback (most recent call last):\nKeyError: 'prob'\n") == "pycaffe fails: KeyError: 'prob'"


def test_an_input_embed_reads_is_given_row_indices(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Embed reads row indices: random normal values would be out of range (Caffe then
    reads outside its table, measured: 0.44 relative difference against pycaffe on
    embed_lookup).  The input is whole numbers below the smallest table's rows."""
    import numpy as np

    from caffe2trt_bn.export.onnx import ExportOptions, export_net
    from caffe2trt_bn.ir.net import load_net
    from caffe2trt_bn.verify import onnx as verify

    case = ZOO / "embed_lookup"
    net = load_net(case / "deploy.prototxt", case / "net.caffemodel")
    assert verify._index_inputs(net.graph) == {"data": 10}
    export_net(net, tmp_path / "m.onnx", ExportOptions())
    seen: dict[str, np.ndarray] = {}

    class Runner(verify._Runner):
        def values(self, layers: list[int], blobs: list[str]) -> dict[str, np.ndarray]:
            seen.update(self.inputs)
            raise verify.Caffe2TrtError("stop here")

        def error(self, layers: list[int]) -> str | None:
            return None

    monkeypatch.setattr(verify, "_OpenCV", lambda net, inputs, folder: Runner(net, inputs, folder))
    verify.verify_onnx(net, tmp_path / "m.onnx", ["fc"])
    x = seen["data"]
    assert x.shape == (2, 5) and np.array_equal(x, np.round(x)) and x.min() >= 0 and x.max() <= 9
