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
from .harness import ALL_CASES, FORK_LAYERS, RTOL, check_case

CASES = [
    "fork_layers/upsample_pixelshuffle",
    "fork_layers/resize_bilinear",
    "fork_layers/maxunpool_segnet",
    "fork_layers/yolo_upsample_block",
    "fork_layers/unpool_overlap",
    "fork_layers/resample_more",
    "fork_layers/stand_in_layers",
]


def test_family_is_in_the_shared_case_list() -> None:
    """Opsets 13 and 17 of these cases run in test_onnx_cases (the harness's ALL_CASES)."""
    assert set(CASES) <= set(ALL_CASES)


@pytest.mark.parametrize("case", CASES)
def test_case_matches_caffe_at_opset_20(case: str, tmp_path: Path) -> None:
    result = check_case(case, tmp_path / "model.onnx", opset=20)
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


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def test_darknet2caffe_caffemodel_with_upsample_param_at_field_149(tmp_path: Path) -> None:
    """darknet2caffe stores upsample_param under LayerParameter field 149, psroi_pooling_param
    in other forks (a Caffe built from those aborts on the file).  The prototxt is what
    this exporter reads, so such a caffemodel exports like any other."""
    from caffe2trt_bn import caffe_pb2

    folder = tmp_path / "case"
    shutil.copytree(FORK_LAYERS / "yolo_upsample_block", folder)
    net = caffe_pb2.NetParameter.FromString((folder / "net.caffemodel").read_bytes())
    index = next(i for i, layer in enumerate(net.layer) if layer.name == "layer9-upsample")
    layer = net.layer[index]
    tag500, tag149 = _varint(500 << 3 | 2), _varint(149 << 3 | 2)
    raw = layer.SerializeToString()
    assert raw.count(tag500) == 1  # brocolli-caffe wrote it at 500 (an unknown field to BVLC)
    darknet = caffe_pb2.LayerParameter.FromString(raw.replace(tag500, tag149))
    assert darknet.SerializeToString().count(tag149) == 1
    net.layer[index].CopyFrom(darknet)
    (folder / "net.caffemodel").write_bytes(net.SerializeToString())
    result = check_case(str(folder), tmp_path / "model.onnx")
    assert result.failures == []
    assert result.errors["layer9-upsample"] <= RTOL


def test_unpooling_duplicates_write_one_value(tmp_path: Path) -> None:
    """Overlapping windows can put one mask index twice in a plane; Caffe keeps the later
    value.  ONNX ScatterElements leaves duplicate writes unordered (ONNX Runtime happens to
    write in order), so the exporter makes every duplicate carry the later value: checked
    on the updates each unpooling scatters, for the case where duplicates occur."""
    import numpy as np
    import onnx

    from .forknets import run
    from .harness import recorded

    out = tmp_path / "model.onnx"
    check_case("fork_layers/unpool_overlap", out)
    model = onnx.load(str(out))
    scatters = [n for n in model.graph.node if n.op_type == "ScatterElements" and n.name.startswith(("unpool", "up_segnet"))]
    assert scatters
    for node in scatters:
        for name in node.input[1:]:
            model.graph.output.append(onnx.ValueInfoProto(name=name))
    onnx.save(model, str(tmp_path / "probe.onnx"))
    rec, _ = recorded("fork_layers/unpool_overlap")
    got = run(tmp_path / "probe.onnx", rec.input)
    duplicates = 0
    for node in scatters:
        index, values = got[node.input[1]], got[node.input[2]]
        for plane_index, plane_values in zip(index.reshape(-1, index.shape[-1]), values.reshape(-1, values.shape[-1])):
            for target in np.unique(plane_index):
                written = plane_values[plane_index == target]
                duplicates += len(written) > 1 and len(set(written.tolist())) == 1
                assert len(set(written.tolist())) == 1, (node.name, target, written)
    assert duplicates > 0  # the case does hold repeated indices with (originally) different values


@pytest.mark.parametrize(
    ("layer", "why"),
    [
        ('type: "Interp" interp_param { zoom_factor: 2 pad_beg: 1 }', "pad_beg: only non-positive"),
        ('type: "Interp" interp_param { height: 5 }', "height: gives no output size"),
        ('type: "BilinearInterpolate" bilinear_interpolate_param { dst_h: 4 scale_factor: 2 }', "exactly one of them"),
        ('type: "BilinearInterpolate" bilinear_interpolate_param { dst_h: 1 dst_w: 3 }', "align_corners: an output side of 1"),
        ('type: "Resize" resize_param { height: 4 }', "height and width are required"),
        ('type: "Upsample" upsample_param { scale: 2 dims_num: 3 }', "dims_num 3 upsamples 3-D blobs"),
    ],
)
def test_sizes_caffe_cannot_compute_are_refused(tmp_path: Path, layer: str, why: str) -> None:
    from .forknets import write_net

    proto, model = write_net(tmp_path, f'layer {{ name: "l" {layer} bottom: "data" top: "l" }}\n')
    with pytest.raises(Caffe2TrtError, match=why):
        to_onnx(proto, model, tmp_path / "out.onnx")


def test_a_mask_plane_past_exact_float_indices_is_refused(tmp_path: Path) -> None:
    d = FORK_LAYERS / "maxunpool_segnet"
    with pytest.raises(Caffe2TrtError, match=r"layer 'pool': top: a mask of a 5000x4000 plane"):
        to_onnx(d / "deploy.prototxt", d / "net.caffemodel", tmp_path / "m.onnx", input_shape=(1, 3, 5000, 4000))
