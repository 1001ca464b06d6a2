"""A layer stored twice in the caffemodel: Caffe (checked with pycaffe: ``caffe.Net``
loads the last copy's blobs) and this project use the last copy, OpenCV the first.
Every command that reads the caffemodel warns (``duplicate_stored_layer``), naming the
layer, and ``fold --verify`` says why OpenCV then sees a difference."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from caffe2trt_bn import caffe_pb2, extract

from conftest import FIXTURES
from test_inspect import run

CASE = FIXTURES / "resnet_inplace"
CODE = "duplicate_stored_layer"


def stored_twice(folder: Path, name: str = "bn1", factor: float = 2.0) -> Path:
    """The fixture's caffemodel with a first, earlier copy of layer ``name`` whose first
    blob is multiplied by ``factor`` (the original stays last, where Caffe reads it)."""
    net = caffe_pb2.NetParameter.FromString((CASE / "net.caffemodel").read_bytes())
    first = caffe_pb2.LayerParameter()
    first.CopyFrom(next(layer for layer in net.layer if layer.name == name))
    if first.blobs:
        values = np.array(first.blobs[0].data) * factor
        del first.blobs[0].data[:]
        first.blobs[0].data.extend(values.tolist())
    model = folder / "net.caffemodel"
    model.write_bytes(caffe_pb2.NetParameter(layer=[first]).SerializeToString() + net.SerializeToString())
    return model


def codes(warnings: list[dict]) -> list[tuple[str, str]]:
    return [(w["code"], w["layer"]) for w in warnings]


def test_every_command_warns_and_the_last_copy_is_used(tmp_path: Path) -> None:
    model = stored_twice(tmp_path)
    proto = CASE / "deploy.prototxt"
    code, out, err = run(proto, model, "--json", "-o", tmp_path / "w.npz")
    assert code == 0 and codes(json.loads(out)["warnings"]) == [(CODE, "bn1")]
    (line,) = [line for line in err.splitlines() if CODE in line]
    assert f"{model}: layer 'bn1': the caffemodel holds 2 layers of this name with different blobs (stored layers 0 and 3)" in line
    assert "Caffe and this tool use the last, OpenCV (and so `fold --verify`) the first" in line
    with pytest.warns(UserWarning, match=CODE):
        weights = extract(proto, model)
    reference = extract(proto, CASE / "net.caffemodel")
    assert all(np.array_equal(w.scale, r.scale) and np.array_equal(w.shift, r.shift) for w, r in zip(weights, reference))

    code, out, _ = run("inspect", proto, model, "--json")
    assert code == 0 and codes(json.loads(out)["warnings"]) == [(CODE, "bn1")]
    code, _, err = run("inspect", proto, model)
    assert code == 0 and "layer 'bn1': the caffemodel holds 2 layers" in err

    code, out, _ = run("fold", proto, model, "--json", "-o", tmp_path / "folded")
    assert code == 0 and codes(json.loads(out)["warnings"]) == [(CODE, "bn1")]
    code, _, err = run("fold", proto, model, "--strict", "-o", tmp_path / "strict")
    assert code == 1 and f"warning {CODE}" in err and not (tmp_path / "strict").exists()


def test_copies_that_change_nothing_are_not_reported(tmp_path: Path) -> None:
    proto = CASE / "deploy.prototxt"
    for name, factor in (("bn1", 1.0), ("relu1", 2.0)):  # the same blobs; a layer without blobs
        folder = tmp_path / name
        folder.mkdir()
        code, out, _ = run(proto, stored_twice(folder, name, factor), "--json", "-o", folder / "w.npz")
        assert code == 0 and json.loads(out)["warnings"] == [], name
    net = caffe_pb2.NetParameter.FromString((CASE / "net.caffemodel").read_bytes())
    extra = caffe_pb2.NetParameter(layer=[caffe_pb2.LayerParameter(name="unused", type="Convolution")] * 2)
    extra.layer[0].blobs.add().data.append(1.0)
    model = tmp_path / "unused.caffemodel"
    model.write_bytes(extra.SerializeToString() + net.SerializeToString())
    code, out, _ = run(proto, model, "--json", "-o", tmp_path / "w.npz")
    assert code == 0 and json.loads(out)["warnings"] == []  # the deploy net has no layer 'unused'


def test_fold_verify_says_opencv_reads_the_first_copy(tmp_path: Path) -> None:
    pytest.importorskip("cv2")
    model = stored_twice(tmp_path)
    code, out, err = run("fold", CASE / "deploy.prototxt", model, "--verify", "-o", tmp_path / "folded")
    note = (
        "OpenCV reads the first copy of the layer(s) stored more than once in the caffemodel ('bn1'), "
        "Caffe and this tool the last, so the differences include theirs"
    )
    assert code == 1  # OpenCV ran the original with the first copy's statistics
    assert f"note: {note}" in out.splitlines()
    assert err.splitlines()[-1].endswith(f"(the folded files were written); {note}")
    code, out, _ = run("fold", CASE / "deploy.prototxt", model, "--verify", "--json", "-o", tmp_path / "again")
    assert code == 1 and json.loads(out)["verify"]["opencv_reads_first_copy_of"] == ["bn1"]
