"""ONNX export of the forks' resampling layers: Upsample (darknet2caffe/brocolli nearest,
SegNet max-unpooling), Resize, BilinearInterpolate, MaxUnPool and the argmax mask top of
MAX pooling, checked against the fork-Caffe-made cases by the shared harness; and which
Upsample is meant, decided from the bottoms and fields or by --fork."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from caffe2trt_bn.errors import Caffe2TrtError
from caffe2trt_bn.export.onnx import to_onnx

from .forknets import line_of
from .harness import FORK_LAYERS, check_case

CASES = [
    "fork_layers/upsample_pixelshuffle",
    "fork_layers/resize_bilinear",
    "fork_layers/maxunpool_segnet",
    "fork_layers/yolo_upsample_block",
]


@pytest.mark.parametrize("opset", [17, 13])
@pytest.mark.parametrize("case", CASES)
def test_case_matches_caffe(case: str, opset: int, tmp_path: Path) -> None:
    result = check_case(case, tmp_path / "model.onnx", opset=opset)
    assert result.failures == []
    assert result.errors


@pytest.mark.parametrize("case", ["fork_layers/maxunpool_segnet", "fork_layers/resize_bilinear"])
def test_dynamic_batch(case: str, tmp_path: Path) -> None:
    result = check_case(case, tmp_path / "model.onnx", dynamic_batch=True)
    assert result.failures == []


def _edited(tmp_path: Path, case: str, old: str, new: str) -> Path:
    """A copy of a fork case with ``old`` replaced by ``new`` in its deploy prototxt."""
    folder = tmp_path / "case"
    shutil.copytree(FORK_LAYERS / case, folder)
    text = (folder / "deploy.prototxt").read_text()
    assert old in text
    (folder / "deploy.prototxt").write_text(text.replace(old, new))
    return folder


@pytest.mark.parametrize(
    "spec", ["upsample_param { upsample_h: 9 upsample_w: 11 }", "upsample_param { scale: 2 pad_out_h: true pad_out_w: true }"]
)
def test_segnet_upsample_is_the_unpooling_caffe_recorded(tmp_path: Path, spec: str) -> None:
    """SegNet's Upsample (values + pooling mask) computes what brocolli's MaxUnPool does:
    the case's MaxUnPool layers rewritten as SegNet Upsample match Caffe's recording."""
    folder = _edited(
        tmp_path, "maxunpool_segnet", 'type: "MaxUnPool" bottom: "mid" bottom: "pool_mask" top: "unpool"\n'
        "  max_unpool_param { dst_h: 9 dst_w: 11 }", f'type: "Upsample" bottom: "mid" bottom: "pool_mask" top: "unpool"\n  {spec}',
    )
    result = check_case(str(folder), tmp_path / "model.onnx")
    assert result.failures == []
    assert result.errors["unpool"] < 1e-6
    assert any("SegNet's max-unpooling" in note for note in result.report.notes)  # type: ignore[attr-defined]


def _upsample_two_bottoms(tmp_path: Path) -> Path:
    # bottom 2 is a plain blob, not a pooling mask
    return _edited(
        tmp_path, "upsample_pixelshuffle", 'type: "Upsample" bottom: "data" top: "up2"',
        'type: "Upsample" bottom: "data" bottom: "data" top: "up2"',
    )


def test_two_bottoms_without_a_mask_ask_for_a_fork(tmp_path: Path) -> None:
    folder = _upsample_two_bottoms(tmp_path)
    with pytest.raises(Caffe2TrtError) as info:
        to_onnx(folder / "deploy.prototxt", folder / "net.caffemodel", tmp_path / "out.onnx")
    message = str(info.value)
    line = line_of(folder / "deploy.prototxt", 'bottom: "data" bottom: "data" top: "up2"')
    assert f"deploy.prototxt:{line}: layer 'up2': bottom: two bottoms, but 'data' is not the mask top" in message
    assert "--fork segnet" in message and "--fork brocolli" in message
    assert not (tmp_path / "out.onnx").exists()


def test_fork_brocolli_reads_one_bottom(tmp_path: Path) -> None:
    """brocolli-caffe (the Caffe that made the case) ignores a second bottom: with
    --fork brocolli the edited layer still matches Caffe's recording of the original."""
    folder = _upsample_two_bottoms(tmp_path)
    result = check_case(str(folder), tmp_path / "model.onnx", fork="brocolli")
    assert result.failures == []
    assert "up2" in result.errors


def test_segnet_fields_need_the_mask(tmp_path: Path) -> None:
    folder = _edited(tmp_path, "upsample_pixelshuffle", "upsample_param { scale: 3 }", "upsample_param { upsample_h: 9 upsample_w: 15 }")
    with pytest.raises(Caffe2TrtError, match=r"layer 'up3': upsample_h: is a field of SegNet's Upsample"):
        to_onnx(folder / "deploy.prototxt", folder / "net.caffemodel", tmp_path / "out.onnx")


def test_a_field_no_fork_has_is_refused_by_name(tmp_path: Path) -> None:
    from caffe2trt_bn.export.onnx import to_onnx

    src = FORK_LAYERS / "upsample_pixelshuffle"
    text = (src / "deploy.prototxt").read_text().replace("upsample_param { scale: 3 }", "upsample_param { scale: 3 mode: 1 }")
    proto = tmp_path / "deploy.prototxt"
    proto.write_text(text)
    shutil.copy(src / "net.caffemodel", tmp_path / "net.caffemodel")
    line = next(i + 1 for i, t in enumerate(text.splitlines()) if "mode: 1" in t)
    with pytest.raises(Caffe2TrtError) as info:
        to_onnx(proto, tmp_path / "net.caffemodel", tmp_path / "out.onnx")
    assert f"{proto}:{line}: layer 'up3': upsample_param.mode: not a field of the forks' Upsample layer" in str(info.value)
    assert not (tmp_path / "out.onnx").exists()
