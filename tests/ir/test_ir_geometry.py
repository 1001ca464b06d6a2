"""Convolution and pooling geometry against the output shapes real Caffe recorded
(fixtures/zoo), and Caffe's refusals."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from caffe2trt_bn.errors import GraphError
from caffe2trt_bn.ir.graph import Graph, build_graph
from caffe2trt_bn.ir.geometry import conv_geometry, pool_geometry
from caffe2trt_bn.ir.params import layer_params
from caffe2trt_bn.ir.schema import ConvolutionParameter, PoolingParameter
from caffe2trt_bn.io.prototxt import parse, parse_file

ZOO = Path(__file__).resolve().parents[2] / "fixtures" / "zoo"
CASES = ["conv_kernel_stride_pad", "conv_dilation_group", "deconv_variants", "pool_ceil_7x6", "pool_ceil_8x5", "pool_global_hw"]


def _recorded(case: str) -> tuple[Graph, dict[str, list[int]], dict[str, list[list[int]]]]:
    """The deploy graph, the input blob's shape, and each layer's top shapes as Caffe
    recorded them."""
    record = json.loads((ZOO / case / "activations.json").read_text())
    by_layer = {r["layer"]: r["shapes"] for r in record["layers"]}
    graph = build_graph(parse_file(ZOO / case / "deploy.prototxt"))
    return graph, {record["input_blob"]: record["input_shape"]}, by_layer


@pytest.mark.parametrize("case", CASES)
def test_output_shapes_equal_caffes(case: str) -> None:
    graph, blob_shape, by_layer = _recorded(case)
    checked = 0
    for layer in graph.layers:
        if layer.type == "Input":
            continue
        inputs = [blob_shape[b] for b in layer.bottoms]
        recorded = by_layer.get(layer.name)
        if recorded is None:
            continue
        if layer.type in ("Convolution", "Deconvolution", "Pooling"):
            h, w = inputs[0][2:]
            p = layer_params(layer)
            if isinstance(p, PoolingParameter):
                out = pool_geometry(p, h, w).output
            else:
                assert isinstance(p, ConvolutionParameter)
                out = conv_geometry(p).output_size((h, w), deconvolution=layer.type == "Deconvolution")
            assert list(out) == recorded[0][2:], layer.name
            checked += 1
        for top, shape in zip(layer.tops, recorded):
            blob_shape[top] = shape
    assert checked >= 4


def _conv(body: str) -> ConvolutionParameter:
    graph = build_graph(
        parse(f'input: "d"\nlayer {{\n name: "c" type: "Convolution" bottom: "d" top: "o"\n convolution_param {{ {body} }}\n}}\n', "n.prototxt")
    )
    p = layer_params(graph.layers[0])
    assert isinstance(p, ConvolutionParameter)
    return p


def _pool(body: str) -> PoolingParameter:
    graph = build_graph(
        parse(f'input: "d"\nlayer {{\n name: "p" type: "Pooling" bottom: "d" top: "o"\n pooling_param {{ {body} }}\n}}\n', "n.prototxt")
    )
    p = layer_params(graph.layers[0])
    assert isinstance(p, PoolingParameter)
    return p


def test_conv_defaults_and_per_axis_values() -> None:
    g = conv_geometry(_conv("num_output: 1 kernel_size: 3"))
    assert (g.kernel, g.stride, g.pad, g.dilation) == ((3, 3), (1, 1), (0, 0), (1, 1))
    g = conv_geometry(_conv("num_output: 1 kernel_h: 3 kernel_w: 1 pad_h: 1 stride: 2 dilation: [2, 1]"))
    assert (g.kernel, g.stride, g.pad, g.dilation) == ((3, 1), (2, 2), (1, 0), (2, 1))
    assert conv_geometry(_conv("kernel_size: 3"), spatial_axes=3).kernel == (3, 3, 3)


@pytest.mark.parametrize(
    ("body", "field", "what"),
    [
        ("kernel_size: 3 kernel_h: 3 kernel_w: 3", "kernel_h", "not both"),
        ("kernel_h: 3", "kernel_size", "nonzero"),
        ("num_output: 1", "kernel_size", "required"),
        ("kernel_size: 0", "kernel_size", "nonzero"),
        ("kernel_size: [1, 2, 3]", "kernel_size", "1 or one per spatial axis"),
        ("kernel_size: 3 stride: 0", "stride", "nonzero"),
    ],
)
def test_conv_refusals_name_the_field(body: str, field: str, what: str) -> None:
    with pytest.raises(GraphError, match=what) as info:
        conv_geometry(_conv(body))
    assert f"convolution_param.{field}" in str(info.value)
    assert str(info.value).startswith("n.prototxt:4: layer 'c'")


@pytest.mark.parametrize(
    ("body", "what"),
    [
        ("kernel_size: 2 kernel_h: 2 kernel_w: 2", "not both"),
        ("pool: AVE", "required"),
        ("global_pooling: true kernel_size: 2", "cannot be given"),
        ("global_pooling: true pad: 1", "only pad 0"),
        ("pool: STOCHASTIC kernel_size: 3 pad: 1", "only for AVE and MAX"),
        ("kernel_size: 2 pad: 2", "smaller than the kernel"),
        ("kernel_size: 2 stride_h: 2", "give stride or both"),
    ],
)
def test_pool_refusals(body: str, what: str) -> None:
    with pytest.raises(GraphError, match=what):
        pool_geometry(_pool(body), 8, 8)


def test_pool_rounding() -> None:
    assert pool_geometry(_pool("kernel_size: 3 stride: 2"), 8, 8).output == (4, 4)  # ceil
    assert pool_geometry(_pool("kernel_size: 3 stride: 2 round_mode: FLOOR"), 8, 8).output == (3, 3)
    assert pool_geometry(_pool("global_pooling: true"), 6, 4).kernel == (6, 4)
