"""ONNX export of the forks' element-wise and shape layers (ReLU6, HardSigmoid,
HardSwish, Unsqueeze, Pad, PixelShuffle, depthwise convolutions): the fork-Caffe-made
cases that exercise them, checked against the recorded activations by the shared harness
at opset 20 (13 and 17 in test_onnx_cases)."""

from __future__ import annotations

from pathlib import Path

import pytest

from .harness import ALL_CASES, check_case

CASES = [
    "fork_layers/act_relu6_hard",
    "fork_layers/pad_modes",
    "fork_layers/mobilenet_v3_block",
    "fork_layers/resample_more",
    "fork_layers/stand_in_layers",
    "fork_layers/filler_weights",
]


def test_family_is_in_the_shared_case_list() -> None:
    """Opsets 13 and 17 of these cases run in test_onnx_cases (the harness's ALL_CASES)."""
    assert set(CASES) <= set(ALL_CASES)


@pytest.mark.parametrize("case", CASES)
def test_case_matches_caffe_at_opset_20(case: str, tmp_path: Path) -> None:
    result = check_case(case, tmp_path / "model.onnx", opset=20)
    assert result.failures == []
    assert result.errors


def _refused(tmp_path: Path, layers: str, shape: tuple[int, ...] = (1, 2, 5, 6)) -> tuple[str, Path]:
    from caffe2trt_bn.errors import Caffe2TrtError
    from caffe2trt_bn.export.onnx import to_onnx

    from .forknets import write_net

    proto, model = write_net(tmp_path, layers, shape)
    with pytest.raises(Caffe2TrtError) as info:
        to_onnx(proto, model, tmp_path / "out.onnx")
    assert not (tmp_path / "out.onnx").exists()
    return str(info.value), proto


@pytest.mark.parametrize(
    ("spec", "field", "why"),
    [
        ("pad_u: 1 pad_d: -1", "pad_u", "mix signs"),
        ("pad_type: REFLECT pad_l: 6", "pad_type", "must be smaller than the sides"),
        ("pad_type: REFLECT pad_u: 5", "pad_type", "must be smaller than the sides"),
        ("pad_u: -3 pad_d: -2 pad_l: -1 pad_r: -1", "pad_u", "leaves nothing"),
    ],
)
def test_pad_that_caffe_cannot_compute_is_refused(tmp_path: Path, spec: str, field: str, why: str) -> None:
    from .forknets import line_of

    message, proto = _refused(tmp_path, f'layer {{ name: "p" type: "Pad" bottom: "data" top: "p" pad_param {{ {spec} }} }}\n')
    assert f"{proto}:{line_of(proto, 'pad_param')}: layer 'p': {field}: " in message
    assert why in message


def test_pad_in_place_and_on_3d_blobs_is_refused(tmp_path: Path) -> None:
    message, _ = _refused(tmp_path, 'layer { name: "p" type: "Pad" bottom: "data" top: "data" pad_param { pad_u: 1 } }\n')
    assert "layer 'p': top: Pad cannot work in place" in message
    message, _ = _refused(tmp_path, 'layer { name: "p" type: "Pad" bottom: "data" top: "p" pad_param { pad_u: 1 } }\n', (1, 2, 5))
    assert "4-D blobs only" in message


@pytest.mark.parametrize(
    ("layer", "shape", "why"),
    [
        ('type: "PixelShuffle" pixelshuffle_param { upscale_factor: 2 }', (1, 6, 3, 3), "2*2 must divide the channels"),
        ('type: "PixelShuffle"', (1, 4, 3, 3), "upscale_factor: must be given"),
        ('type: "Unsqueeze"', (1, 4, 3), "dim: is required"),
        ('type: "Unsqueeze" unsqueeze_param { dim: 4 }', (1, 4, 3), "dim: 4 is out of range"),
        ('type: "Unsqueeze" unsqueeze_param { dim: -5 }', (1, 4, 3), "dim: -5 is out of range"),
        ('type: "ShuffleChannel" shuffle_channel_param { group: 4 }', (1, 6, 3, 3), "group: group 4 must divide"),
    ],
)
def test_shapes_caffe_refuses_are_refused(tmp_path: Path, layer: str, shape: tuple[int, ...], why: str) -> None:
    message, _ = _refused(tmp_path, f'layer {{ name: "l" {layer} bottom: "data" top: "l" }}\n', shape)
    assert why in message


def test_axpy_needs_a_per_channel_scale(tmp_path: Path) -> None:
    layers = (
        'layer { name: "g" type: "Pooling" bottom: "data" top: "g" pooling_param { pool: AVE global_pooling: true } }\n'
        'layer { name: "ax" type: "Axpy" bottom: "data" bottom: "data" bottom: "data" top: "ax" }\n'
    )
    message, _ = _refused(tmp_path, layers)
    assert "layer 'ax': bottom: a (1, 2, 5, 6) must be (N, C) or (N, C, 1, 1)" in message


def _filler_case(tmp_path: Path, old: str, new: str) -> Path:
    import shutil

    from .harness import FORK_LAYERS

    folder = tmp_path / "case"
    shutil.copytree(FORK_LAYERS / "filler_weights", folder)
    text = (folder / "deploy.prototxt").read_text()
    assert old in text
    (folder / "deploy.prototxt").write_text(text.replace(old, new))
    return folder


def test_filled_layers_are_named_in_the_report(tmp_path: Path) -> None:
    result = check_case("fork_layers/filler_weights", tmp_path / "model.onnx")
    notes = " ".join(result.report.notes)  # type: ignore[attr-defined]
    assert "layer 'up' is not in the caffemodel: its blobs are Caffe's bilinear fillers" in notes
    assert "layer 'smooth' is not in the caffemodel: its blobs are Caffe's bilinear and constant fillers" in notes


def test_a_random_filler_cannot_be_reproduced(tmp_path: Path) -> None:
    from caffe2trt_bn.errors import Caffe2TrtError
    from caffe2trt_bn.export.onnx import to_onnx

    from .forknets import line_of

    folder = _filler_case(tmp_path, 'bias_term: false weight_filler { type: "bilinear" }', 'bias_term: false weight_filler { type: "xavier" }')
    with pytest.raises(Caffe2TrtError) as info:
        to_onnx(folder / "deploy.prototxt", folder / "net.caffemodel", tmp_path / "out.onnx")
    line = line_of(folder / "deploy.prototxt", 'type: "xavier"')
    assert f"deploy.prototxt:{line}: layer 'up': weight_filler: the caffemodel does not hold this layer and filler type 'xavier' is random" in str(info.value)
    assert not (tmp_path / "out.onnx").exists()


def test_a_missing_layer_without_a_written_filler_stays_an_error(tmp_path: Path) -> None:
    """FillerParameter defaults to constant 0: a layer left out of the caffemodel by mistake
    would run on zeros, so only a written weight_filler is reproduced."""
    from caffe2trt_bn.errors import Caffe2TrtError
    from caffe2trt_bn.export.onnx import to_onnx

    folder = _filler_case(tmp_path, ' weight_filler { type: "constant" value: 0.1 }', "")
    with pytest.raises(Caffe2TrtError, match=r"layer 'const_ip': InnerProduct layer is not in the caffemodel"):
        to_onnx(folder / "deploy.prototxt", folder / "net.caffemodel", tmp_path / "out.onnx")


@pytest.mark.parametrize(
    ("case", "unchecked"),
    [("act_relu6_hard", {"relu6_t3_s01"}), ("ssd_bn_three_scale", {"detection_out"})],
)
def test_verify_with_opencv_reports_its_fork_differences(tmp_path: Path, case: str, unchecked: set[str]) -> None:
    """--verify against OpenCV dnn: its measured differences on fork layers (ReLU6's
    parameters, DetectionOutput's row order) are reported as unchecked, not as failures,
    and the other outputs agree."""
    pytest.importorskip("cv2")
    from caffe2trt_bn.export.onnx import ExportOptions, export_net
    from caffe2trt_bn.ir.net import load_net
    from caffe2trt_bn.verify.onnx import pycaffe_available, verify_onnx

    from .harness import FORK_LAYERS

    if pycaffe_available():
        pytest.skip("pycaffe imports: --verify uses it instead of OpenCV dnn")
    d = FORK_LAYERS / case
    net = load_net(d / "deploy.prototxt", d / "net.caffemodel")
    report = export_net(net, tmp_path / "m.onnx", ExportOptions())
    result = verify_onnx(net, tmp_path / "m.onnx", [name for name, _ in report.outputs])
    assert result.reference == "opencv"
    assert {c.blob for c in result.checks if c.status == "unchecked"} == unchecked
    assert all(c.status == "ok" for c in result.checks if c.blob not in unchecked)


def test_a_filled_blob_too_large_for_onnx_is_refused(tmp_path: Path) -> None:
    from caffe2trt_bn.errors import Caffe2TrtError
    from caffe2trt_bn.export.onnx import to_onnx

    folder = _filler_case(tmp_path, "num_output: 3 weight_filler", "num_output: 600000000 weight_filler")
    with pytest.raises(Caffe2TrtError, match=r"layer 'const_ip': weight_filler: .* would not fit an ONNX file"):
        to_onnx(folder / "deploy.prototxt", folder / "net.caffemodel", tmp_path / "out.onnx")
