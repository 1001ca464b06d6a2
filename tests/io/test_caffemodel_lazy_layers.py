"""Regression tests from a review of the speed changes (lazy caffemodel layers).

Each test states the behaviour the code had before layers were decoded lazily and
that Caffe/protobuf agree with.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest

from caffe2trt_bn import caffe_pb2
from caffe2trt_bn.io import wire
from caffe2trt_bn.io.caffemodel import read_caffemodel
from caffe2trt_bn.passes.scale_weights import extract
from caffe2trt_bn.errors import ModelFormatError

DEPLOY = (
    'input: "data"\ninput_dim: 1 input_dim: 2 input_dim: 1 input_dim: 1\n'
    'layer { name: "bn" type: "BatchNorm" bottom: "data" top: "data" }\n'
)


def _bn_layer(name: str, mean: list[float], var: list[float]) -> caffe_pb2.LayerParameter:
    layer = caffe_pb2.LayerParameter(name=name, type="BatchNorm")
    for values in (mean, var, [1.0]):
        blob = layer.blobs.add()
        blob.shape.dim.append(len(values))
        blob.data.extend(values)
    return layer


def test_layer_with_two_name_fields_is_known_by_the_last(tmp_path: Path) -> None:
    """Checks that a stored layer with two ``name`` fields is looked up under the last
    one, as protobuf (and so Caffe's CopyTrainedLayersFrom, where a later layer wins)
    reads it, or refused: extract() must not silently take an earlier layer's weights."""
    first = _bn_layer("bn", [1.0, 2.0], [4.0, 9.0])
    # Named "stale" in its first name field and "bn" in a second one: protobuf says "bn".
    renamed = _bn_layer("stale", [0.0, 0.0], [1.0, 1.0]).SerializeToString() + wire.encode_len(1, b"bn")
    data = wire.encode_len(100, first.SerializeToString()) + wire.encode_len(100, renamed)
    assert [layer.name for layer in caffe_pb2.NetParameter.FromString(data).layer] == ["bn", "bn"]
    (tmp_path / "net.caffemodel").write_bytes(data)
    (tmp_path / "deploy.prototxt").write_text(DEPLOY)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            weights = extract(tmp_path / "deploy.prototxt", tmp_path / "net.caffemodel")
    except ModelFormatError:
        return  # refusing the file is fine too
    # Caffe's weights are the later layer's: mean 0, variance 1.
    expected = np.float32(1.0 / np.sqrt(1.0 + np.float64(np.float32(1e-5))))
    assert weights[0].scale.tolist() == [expected, expected]


def test_first_damage_in_file_order_is_reported(tmp_path: Path) -> None:
    """Checks that with two damaged places, the error names the first in file order (as
    before lazy decoding): here a layer whose payload holds a field of wire type 7
    after its name, then a top-level field of wire type 7."""
    good = _bn_layer("bn", [1.0, 2.0], [4.0, 9.0]).SerializeToString()
    damaged = wire.encode_len(1, b"broken") + bytes([(15 << 3) | 7, 0])  # field 15, wire type 7
    data = wire.encode_len(100, good) + wire.encode_len(100, damaged) + bytes([(14 << 3) | 7, 0])  # field 14
    path = tmp_path / "net.caffemodel"
    path.write_bytes(data)
    with pytest.raises(ModelFormatError) as info:
        read_caffemodel(path).check()
    assert "wire type 7 for field 15" in str(info.value)  # inside layer "broken", not the later field 14
