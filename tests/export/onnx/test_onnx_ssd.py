"""ONNX export of the SSD layers (Normalize, Permute, PriorBox, DetectionOutput) against
the fork-Caffe-made cases: every blob, and the detection rows as Caffe's rows per image
(count, order, image ids, labels exactly; scores and boxes within the harness's RTOL);
--ssd-head cut; the forks' disagreeing defaults (PriorBox clip, DetectionOutput without
nms_param) warned about or chosen with --fork."""

from __future__ import annotations

import shutil
import warnings
from pathlib import Path

import numpy as np
import pytest

from caffe2trt_bn.errors import Caffe2TrtError, Caffe2TrtWarning
from caffe2trt_bn.export.onnx import to_onnx

from .forknets import run
from .harness import ALL_CASES, FORK_LAYERS, RTOL, check_case, recorded, rel_error

CASES = [
    "fork_layers/ssd_bn_three_scale",
    "fork_layers/ssd_detection_variants",
    "fork_layers/ssd_no_detections",
    "fork_layers/priorbox_variants",
    "fork_layers/normalize_permute_flatten",
    "fork_layers/ssd_eta_corner_keep",
    "fork_layers/ssd_eta_crafted",
    "fork_layers/ssd_brocolli_defaults",
    "fork_layers/priorbox_more",
]


def test_family_is_in_the_shared_case_list() -> None:
    """Opsets 13 and 17 of these cases run in test_onnx_cases (the harness's ALL_CASES)."""
    assert set(CASES) <= set(ALL_CASES)


@pytest.mark.parametrize("case", CASES)
def test_case_matches_caffe_at_opset_20(case: str, tmp_path: Path) -> None:
    result = check_case(case, tmp_path / "model.onnx", opset=20)
    assert result.failures == []
    assert result.errors


def test_detection_rows_are_compared(tmp_path: Path) -> None:
    """The detection tops are among the checked blobs, with Caffe's row counts (the
    harness compares them as rows)."""
    result = check_case("fork_layers/ssd_detection_variants", tmp_path / "model.onnx")
    dets = ["det_center", "det_corner", "det_corner_size", "det_center_vit", "det_keep3", "det_noshare"]
    assert all(result.errors[d] <= RTOL for d in dets)
    rec, _ = recorded("fork_layers/ssd_detection_variants")
    got = run(tmp_path / "model.onnx", rec.input)
    for d in dets:
        assert got[d].shape == rec.values[(d, 0)].shape


@pytest.mark.parametrize("case", ["fork_layers/ssd_bn_three_scale", "fork_layers/ssd_no_detections", "fork_layers/ssd_eta_crafted"])
def test_dynamic_batch(case: str, tmp_path: Path) -> None:
    result = check_case(case, tmp_path / "model.onnx", dynamic_batch=True)
    assert result.failures == []


def test_no_detection_output_for_one_image(tmp_path: Path) -> None:
    """Run on one image of the case (dynamic batch): image 1 alone (a flat image) has no
    box, so the top is Caffe's single [0, -1, ...] row."""
    rec, _ = recorded("fork_layers/ssd_no_detections")
    d = FORK_LAYERS / "ssd_no_detections"
    to_onnx(d / "deploy.prototxt", d / "net.caffemodel", tmp_path / "m.onnx", dynamic_batch=True)
    got = run(tmp_path / "m.onnx", rec.input[1:2])
    np.testing.assert_array_equal(got["det_mixed"], [[[[0, -1, -1, -1, -1, -1, -1]]]])
    both = run(tmp_path / "m.onnx", rec.input)
    assert both["det_mixed"].shape == rec.values[("det_mixed", 0)].shape


def test_ssd_head_cut_ends_at_the_detection_inputs(tmp_path: Path) -> None:
    import onnx

    case = "fork_layers/ssd_bn_three_scale"
    d = FORK_LAYERS / "ssd_bn_three_scale"
    report = to_onnx(d / "deploy.prototxt", d / "net.caffemodel", tmp_path / "m.onnx", ssd_head="cut")
    names = [n for n, _ in report.outputs]
    assert names == ["mbox_loc", "mbox_conf_flatten", "mbox_priorbox"]
    model = onnx.load(str(tmp_path / "m.onnx"))
    onnx.checker.check_model(model, full_check=True)
    assert not {"NonMaxSuppression", "TopK"} & {n.op_type for n in model.graph.node}
    rec, _ = recorded(case)
    got = run(tmp_path / "m.onnx", rec.input)
    for name in names:
        assert rel_error(got[name], rec.values[(name, 0)]) <= RTOL


def _edited(tmp_path: Path, case: str, old: str, new: str, count: int = 1) -> Path:
    folder = tmp_path / "case"
    tmp_path.mkdir(parents=True, exist_ok=True)
    shutil.copytree(FORK_LAYERS / case, folder)
    text = (folder / "deploy.prototxt").read_text()
    assert text.count(old) >= count
    (folder / "deploy.prototxt").write_text(text.replace(old, new))
    return folder


def test_unwritten_clip_follows_weiliu89_with_a_warning(tmp_path: Path) -> None:
    # pb_min_max_ar writes clip: false; without it weiliu89's default (false) gives the same boxes.
    folder = _edited(tmp_path, "priorbox_variants", "aspect_ratio: 3 flip: true clip: false", "aspect_ratio: 3 flip: true")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", Caffe2TrtWarning)
        result = check_case(str(folder), tmp_path / "m.onnx")
    assert result.failures == []
    texts = [str(w.message) for w in caught if issubclass(w.category, Caffe2TrtWarning)]
    assert any("layer 'pb_min_max_ar': clip is not written" in t and "[fork_default]" in t for t in texts)
    with pytest.raises(Caffe2TrtError, match="clip is not written"):
        to_onnx(folder / "deploy.prototxt", folder / "net.caffemodel", tmp_path / "s.onnx", strict=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error", Caffe2TrtWarning)  # a chosen fork: no warning
        report = to_onnx(folder / "deploy.prototxt", folder / "net.caffemodel", tmp_path / "f.onnx", fork="ssd")
    assert report.diagnostics == []


def test_unwritten_clip_with_fork_brocolli_clips(tmp_path: Path) -> None:
    # pb_min_only writes clip: true (brocolli-caffe's default): --fork brocolli reproduces it.
    folder = _edited(tmp_path, "priorbox_variants", "min_size: 4 clip: true", "min_size: 4")
    assert check_case(str(folder), tmp_path / "m.onnx", fork="brocolli").failures == []
    failures = check_case(str(folder), tmp_path / "w.onnx", fork="ssd").failures
    assert any(f.startswith("pb_min_only:") for f in failures)  # weiliu89's default does not clip


def test_cut_refuses_a_read_detection_top(tmp_path: Path) -> None:
    folder = tmp_path / "case"
    shutil.copytree(FORK_LAYERS / "ssd_no_detections", folder)
    with (folder / "deploy.prototxt").open("a") as f:
        f.write('layer { name: "reader" type: "Flatten" bottom: "det_mixed" top: "reader" }\n')
    with pytest.raises(Caffe2TrtError, match=r"layer 'det_mixed': top: --ssd-head cut removes this layer, but 'reader' reads"):
        to_onnx(folder / "deploy.prototxt", folder / "net.caffemodel", tmp_path / "m.onnx", ssd_head="cut")
    assert not (tmp_path / "m.onnx").exists()


def test_brocolli_defaults_differ_from_weiliu89(tmp_path: Path) -> None:
    """ssd_brocolli_defaults was made by brocolli-caffe without clip and nms_param: --fork
    brocolli reproduces it (the harness's CASE_OPTIONS), weiliu89's defaults do not, and
    without a --fork the export warns of both unwritten fields."""
    result = check_case("fork_layers/ssd_brocolli_defaults", tmp_path / "b.onnx", fork="brocolli")
    assert result.failures == []
    assert result.report.diagnostics == []  # type: ignore[attr-defined]
    weiliu = check_case("fork_layers/ssd_brocolli_defaults", tmp_path / "w.onnx", fork="ssd")
    assert {f.split(":")[0] for f in weiliu.failures} >= {"f_priorbox", "det_all", "det_all_keep"}
    d = FORK_LAYERS / "ssd_brocolli_defaults"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        report = to_onnx(d / "deploy.prototxt", d / "net.caffemodel", tmp_path / "n.onnx")
    warned = sorted((w.layer, w.message.split(" ")[0]) for w in report.diagnostics if w.code == "fork_default")
    assert warned == [("det_all", "nms_param"), ("det_all_keep", "nms_param"), ("f_priorbox", "clip")]


def test_detection_rows_are_a_symbolic_dimension(tmp_path: Path) -> None:
    import onnx

    d = FORK_LAYERS / "ssd_no_detections"
    report = to_onnx(d / "deploy.prototxt", d / "net.caffemodel", tmp_path / "m.onnx", dynamic_batch=True)
    assert dict(report.outputs)["det_mixed"] == (1, 1, "det_mixed_rows", 7)
    out = {o.name: o for o in onnx.load(str(tmp_path / "m.onnx")).graph.output}
    dims = [d.dim_param or d.dim_value for d in out["det_mixed"].type.tensor_type.shape.dim]
    assert dims == [1, 1, "det_mixed_rows", 7]  # the first axis stays 1 with --dynamic-batch


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"fork": "caffe-ssd"}, "--fork must be one of ssd, brocolli, segnet, not 'caffe-ssd'"),
        ({"fork": ("ssd", "brocolli")}, "--fork ssd and --fork brocolli disagree"),
        ({"ssd_head": "plugin"}, "--ssd-head must be one of decode, cut, not 'plugin'"),
    ],
)
def test_bad_fork_options(tmp_path: Path, options: dict[str, object], message: str) -> None:
    d = FORK_LAYERS / "ssd_no_detections"
    with pytest.raises(Caffe2TrtError, match=message):
        to_onnx(d / "deploy.prototxt", d / "net.caffemodel", tmp_path / "m.onnx", **options)  # type: ignore[arg-type]


def test_shared_boxes_need_a_background_class(tmp_path: Path) -> None:
    folder = _edited(tmp_path, "ssd_no_detections", "background_label_id: 0", "background_label_id: -1", 2)
    with pytest.raises(Caffe2TrtError, match=r"layer 'det_none': background_label_id: -1 with share_location true"):
        to_onnx(folder / "deploy.prototxt", folder / "net.caffemodel", tmp_path / "m.onnx")


def _docs_decode() -> object:
    """The ``decode`` function docs/onnx.md gives for --ssd-head cut."""
    from .harness import ROOT

    text = (ROOT / "docs" / "onnx.md").read_text()
    section = text[text.index("### `--ssd-head cut`"):]
    code = section[section.index("```python") + len("```python"): section.index("```", section.index("```python") + 9)]
    namespace: dict[str, object] = {}
    exec(compile(code, "docs/onnx.md", "exec"), namespace)  # noqa: S102 (our own documentation)
    return namespace["decode"]


@pytest.mark.parametrize(("layer", "code", "vit"), [("det_center", "CENTER_SIZE", False), ("det_corner", "CORNER", False),
                                                    ("det_corner_size", "CORNER_SIZE", True), ("det_center_vit", "CENTER_SIZE", True)])
def test_documented_decode_gives_caffes_boxes(tmp_path: Path, layer: str, code: str, vit: bool) -> None:
    """Every box of Caffe's detection rows is one of the boxes the documented decode makes
    of the --ssd-head cut outputs."""
    decode = _docs_decode()
    d = FORK_LAYERS / "ssd_detection_variants"
    report = to_onnx(d / "deploy.prototxt", d / "net.caffemodel", tmp_path / "m.onnx", ssd_head="cut")
    assert "mbox_loc" in dict(report.outputs)
    rec, _ = recorded("fork_layers/ssd_detection_variants")
    got = run(tmp_path / "m.onnx", rec.input)
    boxes = decode(got["mbox_loc"], got["mbox_priorbox"], code, vit)  # type: ignore[operator]
    rows = rec.values[(layer, 0)].reshape(-1, 7)
    assert len(rows) > 0
    for row in rows:
        distance = np.abs(boxes[int(row[0])] - row[3:]).max(axis=1).min()
        assert distance < 1e-5, (layer, row)


def test_nms_threshold_above_one_keeps_every_box(tmp_path: Path) -> None:
    """Caffe takes any nms_threshold >= 0; above 1 no IoU reaches it.  ONNX NMS takes
    thresholds in [0, 1] only: the export gives the rows of threshold 1."""
    rows = {}
    for t in ("1", "7.5"):
        folder = _edited(tmp_path / t, "ssd_eta_crafted", "nms_threshold: 0.8 eta: 0.75", f"nms_threshold: {t}")
        to_onnx(folder / "deploy.prototxt", folder / "net.caffemodel", tmp_path / t / "m.onnx")
        rows[t] = run(tmp_path / t / "m.onnx", np.load(folder / "input.npy"))["det_eta_08_075"]
    np.testing.assert_array_equal(rows["1"], rows["7.5"])
    assert rows["1"].shape[2] == 24  # every candidate above the threshold of both images


def test_adaptive_nms_unrolls_a_bounded_number_of_steps(tmp_path: Path) -> None:
    folder = _edited(tmp_path, "ssd_eta_corner_keep", "nms_threshold: 0.7 top_k: 40 eta: 0.9", "nms_threshold: 100 top_k: 40 eta: 0.9")
    with pytest.raises(Caffe2TrtError, match=r"layer 'det_eta': eta: the threshold changes over 40 kept boxes"):
        to_onnx(folder / "deploy.prototxt", folder / "net.caffemodel", tmp_path / "m.onnx")


def test_priorbox_aspect_ratio_must_be_positive(tmp_path: Path) -> None:
    folder = _edited(tmp_path, "priorbox_variants", "min_size: 16 aspect_ratio: 3", "min_size: 16 aspect_ratio: 0")
    with pytest.raises(Caffe2TrtError, match=r"layer 'pb_one_var': aspect_ratio: must be positive"):
        to_onnx(folder / "deploy.prototxt", folder / "net.caffemodel", tmp_path / "m.onnx")


def test_nms_top_k_zero_keeps_no_candidate(tmp_path: Path) -> None:
    """nms_param.top_k 0: Caffe cuts every class's candidate list to 0, so no image has a
    box and the top is Caffe's no-detection rows ([i, -1, ...] per image), as with
    keep_top_k 0.  The export once built a TopK of 0 that failed ONNX shape inference."""
    import onnx

    old = "nms_param { nms_threshold: 0.7 top_k: 10 eta: 0.9 } keep_top_k: 8"
    outputs = {}
    for name, new in (("top_k", old.replace("top_k: 10", "top_k: 0")), ("keep", old.replace("keep_top_k: 8", "keep_top_k: 0"))):
        folder = _edited(tmp_path / name, "ssd_eta_crafted", old, new)
        to_onnx(folder / "deploy.prototxt", folder / "net.caffemodel", tmp_path / name / "m.onnx")
        onnx.checker.check_model(onnx.load(str(tmp_path / name / "m.onnx")), full_check=True)
        outputs[name] = run(tmp_path / name / "m.onnx", np.load(folder / "input.npy"))["det_eta_07_09"]
    batch = np.load(FORK_LAYERS / "ssd_eta_crafted" / "input.npy").shape[0]
    expected = np.full((1, 1, batch, 7), -1, np.float32)
    expected[0, 0, :, 0] = np.arange(batch)
    np.testing.assert_array_equal(outputs["top_k"], expected)
    np.testing.assert_array_equal(outputs["keep"], expected)


def test_adaptive_nms_compares_later_boxes_at_the_lowered_threshold(tmp_path: Path) -> None:
    """eta 0.9 from 0.7: the threshold is 0.63, 0.567, 0.5103 after 1, 2, 3 kept boxes
    and 0.45927 from the 4th on.  Boxes A, B, C, D apart (IoU 0) are kept; X, after them,
    overlaps A by IoU 0.48: within 0.5103 but not within 0.45927, the threshold in force
    when Caffe's ApplyNMSFast reaches it, so Caffe drops it (4 rows).  (The export kept
    it when its final NonMaxSuppression compared X with A at the 4th box's threshold.)"""
    boxes = np.array([[0, 0, 1, 1], [2, 0, 3, 1], [4, 0, 5, 1], [6, 0, 7, 1], [0, 0, 0.48, 1]], np.float32)
    scores = np.array([0.9, 0.8, 0.7, 0.6, 0.5], np.float32)
    p = len(boxes)
    proto = tmp_path / "deploy.prototxt"
    proto.write_text(
        f'layer {{ name: "loc" type: "Input" top: "loc" input_param {{ shape {{ dim: 1 dim: {4 * p} }} }} }}\n'
        f'layer {{ name: "conf" type: "Input" top: "conf" input_param {{ shape {{ dim: 1 dim: {2 * p} }} }} }}\n'
        f'layer {{ name: "pri" type: "Input" top: "pri" input_param {{ shape {{ dim: 1 dim: 2 dim: {4 * p} }} }} }}\n'
        'layer { name: "det" type: "DetectionOutput" bottom: "loc" bottom: "conf" bottom: "pri" top: "det"\n'
        '  detection_output_param { num_classes: 2 share_location: true background_label_id: 0 code_type: CORNER\n'
        '    variance_encoded_in_target: true nms_param { nms_threshold: 0.7 eta: 0.9 } confidence_threshold: 0.1 } }\n'
    )
    from caffe2trt_bn import caffe_pb2

    model = tmp_path / "net.caffemodel"
    net = caffe_pb2.NetParameter(name="net")
    net.layer.add(name="loc", type="Input")
    model.write_bytes(net.SerializeToString())
    to_onnx(proto, model, tmp_path / "m.onnx")
    import onnxruntime as ort

    session = ort.InferenceSession(str(tmp_path / "m.onnx"), providers=["CPUExecutionProvider"])
    feed = {
        "loc": np.zeros((1, 4 * p), np.float32),
        "conf": np.stack([1 - scores, scores], 1).reshape(1, -1),
        "pri": np.concatenate([boxes.ravel(), np.ones(4 * p, np.float32)]).reshape(1, 2, -1),
    }
    (rows,) = session.run(["det"], feed)
    np.testing.assert_array_equal(rows[0, 0, :, 2], scores[:4])  # A, B, C, D; not X
    np.testing.assert_array_equal(rows[0, 0, :, 3:], boxes[:4])
