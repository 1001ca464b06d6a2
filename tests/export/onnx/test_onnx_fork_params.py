"""The forks' parameter messages (proto/caffe_forks.proto, generated into
caffe2trt_bn/ir/schema.py) as the converters read them: by field name, enums by name or
number, defaults of the fork people deploy."""

from __future__ import annotations

import pytest

from caffe2trt_bn.export.onnx.params import has, layer_params
from caffe2trt_bn.ir.graph import build_graph
from caffe2trt_bn.io.prototxt import parse


def _layer(text: str) -> object:
    doc = parse('input: "data" input_shape { dim: 1 dim: 3 dim: 8 dim: 8 }\n' + text)
    return build_graph(doc).layers[-1]


def test_fork_messages_are_read_by_name_with_deployed_defaults() -> None:
    layer = _layer(
        'layer { name: "pb" type: "PriorBox" bottom: "data" bottom: "data" top: "pb"\n'
        "  prior_box_param { min_size: 7.5 aspect_ratio: 2 aspect_ratio: 3 step: 4 } }\n"
    )
    p = layer_params(layer)
    assert p.min_size == (7.5,)
    assert p.aspect_ratio == (2.0, 3.0)
    assert p.flip is True and p.offset == 0.5
    assert p.clip is False  # weiliu89's default, not brocolli-caffe's
    assert not has(p, "clip") and has(p, "step")


def test_enums_by_name_or_number_and_nested_messages() -> None:
    by_name = _layer(
        'layer { name: "d" type: "DetectionOutput" bottom: "data" bottom: "data" bottom: "data" top: "d"\n'
        "  detection_output_param { num_classes: 3 code_type: CENTER_SIZE nms_param { top_k: 7 } } }\n"
    )
    by_number = _layer(
        'layer { name: "d" type: "DetectionOutput" bottom: "data" bottom: "data" bottom: "data" top: "d"\n'
        "  detection_output_param { num_classes: 3 code_type: 3 } }\n"
    )
    assert layer_params(by_name).code_type == "CENTER_SIZE"
    assert layer_params(by_name).nms_param.top_k == 7
    assert layer_params(by_name).nms_param.nms_threshold == pytest.approx(0.3)
    assert layer_params(by_number).code_type == "CORNER_SIZE"
    assert not has(layer_params(by_number), "nms_param")
    pad = _layer('layer { name: "p" type: "Pad" bottom: "data" top: "p" pad_param { pad_type: 2 pad_u: 1 } }\n')
    assert layer_params(pad).pad_type == "REFLECT"


def test_every_converted_fork_type_reads_a_message() -> None:
    from caffe2trt_bn.export.onnx import registry
    from caffe2trt_bn.ir.params import LAYER_PARAMS

    fork_types = {"PriorBox", "DetectionOutput", "Normalize", "Permute", "Upsample", "Interp", "Resize",
                  "BilinearInterpolate", "ShuffleChannel", "ReLU6", "HardSigmoid", "Pad", "PixelShuffle",
                  "MaxUnPool", "Unsqueeze", "ConvolutionDepthwise", "DepthwiseConvolution"}
    assert fork_types <= set(registry.supported_types())
    assert fork_types <= set(LAYER_PARAMS)
