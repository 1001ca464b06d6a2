"""Typed layer parameters (caffe2trt_bn.ir.params) read as Caffe's text parser reads them.

Ground truth for values is protobuf's own text parser on caffe_pb2 (compiled from the
same proto/caffe.proto, and as strict as Caffe's C++ parser on what it refuses).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from google.protobuf import text_format
from google.protobuf.message import Message as PbMessage

from caffe2trt_bn import caffe_pb2
from caffe2trt_bn.errors import GraphError, PrototxtSyntaxError
from caffe2trt_bn.ir.graph import build_graph
from caffe2trt_bn.ir import schema
from caffe2trt_bn.ir.params import (
    LAYER_PARAMS,
    field_diagnostics,
    field_error,
    field_line,
    has,
    layer_params,
    layer_rules,
    param,
    read_message,
)
from caffe2trt_bn.ir.spec import Message
from caffe2trt_bn.io.prototxt import parse, parse_file

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "fixtures"
#: Prototxts of BVLC Caffe only (protobuf's parser reads them with caffe_pb2).
BVLC_PROTOTXTS = sorted(
    p
    for pattern in ("*/deploy.prototxt", "*/train.prototxt", "zoo/*/deploy.prototxt")
    for p in FIXTURES.glob(pattern)
)
#: Every prototxt shipped, forks included.
ALL_PROTOTXTS = sorted(FIXTURES.glob("**/*.prototxt"))
ZOO = sorted(FIXTURES.glob("zoo/*/deploy.prototxt"))


def _ids(p: Path) -> str:
    return str(p.relative_to(FIXTURES))


def _same(typed: object, pb: object, where: str) -> None:
    """The typed value equals protobuf's reading, recursively (enums by name)."""
    if isinstance(typed, Message):
        assert isinstance(pb, PbMessage), where
        descriptor = pb.DESCRIPTOR
        for f in descriptor.fields:
            value = getattr(pb, f.name)
            mine = getattr(typed, f.name)
            if f.is_repeated:
                assert isinstance(mine, tuple), where
                assert len(mine) == len(value), f"{where}.{f.name}"
                for i, (a, b) in enumerate(zip(mine, value)):
                    _same(a, _enum_name(f, b), f"{where}.{f.name}[{i}]")
            else:
                _same(mine, _enum_name(f, value), f"{where}.{f.name}")
                if f.message_type is None:
                    assert has(typed, f.name) == pb.HasField(f.name), f"{where}.{f.name}"
        return
    assert typed == pb and type(typed) is type(pb), f"{where}: {typed!r} != {pb!r}"


def _enum_name(f, value):  # type: ignore[no-untyped-def]
    if f.enum_type is not None:
        return f.enum_type.values_by_number[value].name
    return value


@pytest.mark.parametrize("path", BVLC_PROTOTXTS, ids=_ids)
def test_typed_params_equal_protobufs_reading(path: Path) -> None:
    pb = caffe_pb2.NetParameter()
    text_format.Parse(path.read_text(encoding="utf-8"), pb)
    doc = parse_file(path)
    nodes = doc.all("layer")
    assert len(nodes) == len(pb.layer) > 0
    compared = 0
    for node, pb_layer in zip(nodes, pb.layer):
        for field_name, spec in schema.LayerParameter.FIELDS.items():
            if spec.kind != "message":
                continue
            if spec.repeated:
                typed = tuple(read_message(n, schema.MESSAGES[spec.message or ""]) for n in node.all(field_name))
                assert len(typed) == len(getattr(pb_layer, field_name))
                for a, b in zip(typed, getattr(pb_layer, field_name)):
                    _same(a, b, f"{pb_layer.name}.{field_name}")
                continue
            got = node.all(field_name)
            typed_one = read_message(got[-1] if got else None, schema.MESSAGES[spec.message or ""])
            _same(typed_one, getattr(pb_layer, field_name), f"{pb_layer.name}.{field_name}")
            compared += 1
    assert compared > 0


@pytest.mark.parametrize("path", ALL_PROTOTXTS, ids=_ids)
def test_every_shipped_prototxt_reads_without_error_or_warning(path: Path) -> None:
    graph = build_graph(parse_file(path))
    assert field_diagnostics(graph.layers) == []
    for layer in graph.layers:
        if layer.type in LAYER_PARAMS:
            msg = layer_params(layer)
            assert isinstance(msg, LAYER_PARAMS[layer.type][1])
            assert layer_params(layer) is msg  # cached


def test_the_zoo_is_there() -> None:
    assert len(ZOO) >= 30


# --------------------------------------------------------------------------- enums

NET = 'name: "n"\ninput: "data"\n'


def _layer(body: str, ltype: str = "Pooling", path: str = "net.prototxt"):  # type: ignore[no-untyped-def]
    graph = build_graph(parse(NET + f'layer {{\n  name: "l"\n  type: "{ltype}"\n  bottom: "data"\n  top: "out"\n{body}\n}}\n', path))
    return graph.layers[0]


@pytest.mark.parametrize(
    ("written", "name"),
    [("MAX", "MAX"), ("AVE", "AVE"), ("0", "MAX"), ("1", "AVE"), ("2", "STOCHASTIC"), ("0x1", "AVE")],
)
def test_an_enum_reads_by_name_or_number(written: str, name: str) -> None:
    p = layer_params(_layer(f"  pooling_param {{ pool: {written} }}"))
    assert isinstance(p, schema.PoolingParameter)
    assert p.pool == name and has(p, "pool")


@pytest.mark.parametrize("written", ["ave", "Ave", "3", "-1", "AVERAGE", '"AVE"'])
def test_an_unknown_enum_value_is_an_error_naming_file_line_layer_field(written: str) -> None:
    layer = _layer(f"  pooling_param {{\n    pool: {written}\n  }}")
    with pytest.raises(PrototxtSyntaxError) as info:
        layer_params(layer)
    text = str(info.value)
    assert text.startswith("net.prototxt:9:")
    assert "layer 'l'" in text and "'pool'" in text
    if written != '"AVE"':
        assert "MAX (0), AVE (1), STOCHASTIC (2)" in text


def test_protobuf_agrees_on_enum_numbers_and_spellings() -> None:
    # The references for the two tests above: protobuf's parser takes 1 and refuses ave.
    pb = caffe_pb2.PoolingParameter()
    text_format.Parse("pool: 1", pb)
    assert pb.pool == caffe_pb2.PoolingParameter.AVE
    with pytest.raises(text_format.ParseError):
        text_format.Parse("pool: ave", caffe_pb2.PoolingParameter())
    with pytest.raises(text_format.ParseError):
        text_format.Parse("pool: 3", caffe_pb2.PoolingParameter())


def test_rule_phases_read_by_name_or_number() -> None:
    node = parse('layer { include { phase: 1 } include { phase: TRAIN stage: "a" } exclude { min_level: 2 } }').children[0]
    include = layer_rules(node, "include")
    assert [r.phase for r in include] == ["TEST", "TRAIN"]
    assert include[1].stage == ("a",)
    (exclude,) = layer_rules(node, "exclude")
    assert not has(exclude, "phase") and exclude.min_level == 2
    with pytest.raises(PrototxtSyntaxError, match="unknown value test of enum Phase"):
        layer_rules(parse("layer { include { phase: test } }").children[0], "include")


# --------------------------------------------------------------------------- duplicates and values


@pytest.mark.parametrize(
    "body",
    [
        "  batch_norm_param { eps: 0.1 eps: 0.001 }",
        "  batch_norm_param { eps: 0.1 }\n  batch_norm_param { eps: 0.001 }",
        "  batch_norm_param { scale_filler { type: 'constant' } scale_filler { value: 1 } }",
    ],
)
def test_a_singular_field_given_twice_is_an_error(body: str) -> None:
    # A layer-level field twice is refused when the graph is built, one inside a
    # message when the message is read.
    with pytest.raises(PrototxtSyntaxError, match="given twice") as info:
        layer_params(_layer(body, "BatchNorm"))
    assert info.value.layer == "l" and info.value.line == 8 + body.count("\n")
    with pytest.raises(text_format.ParseError):  # protobuf refuses them too
        text_format.Parse(body.replace("batch_norm_param", "batch_norm_param"), caffe_pb2.LayerParameter())


def test_a_repeated_field_may_be_given_many_times_and_as_a_list() -> None:
    p = layer_params(_layer("  convolution_param { num_output: 2 kernel_size: 3 kernel_size: [1, 2] pad: 1 }", "Convolution"))
    assert isinstance(p, schema.ConvolutionParameter)
    assert p.kernel_size == (3, 1, 2) and p.pad == (1,) and p.stride == ()
    assert has(p, "kernel_size") and not has(p, "stride")


@pytest.mark.parametrize(
    ("body", "what"),
    [
        ("convolution_param { num_output: -1 }", "out of the range of uint32"),
        ("convolution_param { num_output: 4294967296 }", "out of the range of uint32"),
        ("convolution_param { axis: 2147483648 }", "out of the range of int32"),
        ("convolution_param { num_output: 1.5 }", "expected an integer"),
        ('convolution_param { num_output: "2" }', "expected an integer"),
        ("convolution_param { bias_term: yes }", "expected a boolean"),
        ("convolution_param { num_output { } }", "found a message"),
        ("convolution_param { weight_filler: 1 }", "expected a message"),
        ("convolution_param { group: [1, 2] }", "not a repeated field"),
        ("convolution_param: 3", "expected a message"),
    ],
)
def test_values_caffe_refuses_are_errors(body: str, what: str) -> None:
    layer = _layer("  " + body, "Convolution")
    with pytest.raises(PrototxtSyntaxError, match=what) as info:
        layer_params(layer)
    assert info.value.layer == "l" and info.value.file == "net.prototxt" and info.value.line == 8
    with pytest.raises(text_format.ParseError):
        text_format.Parse(body, caffe_pb2.LayerParameter())


def test_float_fields_are_float32_and_double_int_values_widen() -> None:
    p = layer_params(_layer("  batch_norm_param { eps: 0.001 moving_average_fraction: 1 }", "BatchNorm"))
    assert isinstance(p, schema.BatchNormParameter)
    assert p.eps == 0.0010000000474974513 and p.moving_average_fraction == 1.0
    assert type(p.moving_average_fraction) is float


# --------------------------------------------------------------------------- presence and locations


def test_has_and_field_error_locate_fields_and_absent_messages() -> None:
    layer = _layer("  pooling_param {\n    pool: AVE\n    kernel_size: 3\n  }")
    p = layer_params(layer)
    assert isinstance(p, schema.PoolingParameter)
    assert has(p, "pool") and has(p, "kernel_size") and not has(p, "stride")
    assert field_line(p, "kernel_size") == 10
    error = field_error(p, "pool", "STOCHASTIC pooling cannot be exported")
    assert isinstance(error, GraphError)
    assert str(error) == (
        "net.prototxt:9: layer 'l': field 'pooling_param.pool': STOCHASTIC pooling cannot be exported"
    )
    # An absent field: the message's own line.
    assert field_error(p, "stride", "x").line == 8
    # An absent message: the default instance, located at the layer.
    layer = _layer("", "Pooling")
    p = layer_params(layer)
    assert p == schema.PoolingParameter() and not has(p, "pool")
    assert str(field_error(p, "pool", "x")) == "net.prototxt:3: layer 'l': field 'pooling_param.pool': x"
    with pytest.raises(KeyError):
        has(p, "nope")


def test_absent_sub_messages_are_defaults_reached_by_dotted_names() -> None:
    p = layer_params(_layer("  convolution_param {\n    num_output: 1\n    bias_filler { value: 2 }\n  }", "Convolution"))
    assert isinstance(p, schema.ConvolutionParameter)
    assert p.weight_filler is schema.DEFAULT_FillerParameter and not has(p, "weight_filler")
    assert not has(p, "weight_filler.type") and has(p, "bias_filler.value") and not has(p, "bias_filler.type")
    assert str(field_error(p, "weight_filler.type", "x")) == (
        "net.prototxt:8: layer 'l': field 'convolution_param.weight_filler.type': x"
    )
    assert str(field_error(p, "bias_filler.value", "x")) == (
        "net.prototxt:10: layer 'l': field 'convolution_param.bias_filler.value': x"
    )
    assert field_line(p, "bias_filler.type") == 10  # absent: its message's line
    # The shared default knows no location; a written sub-message knows its own.
    assert str(field_error(p.weight_filler, "type", "x")) == "field 'type': x"
    assert str(field_error(p.bias_filler, "value", "x")).startswith("net.prototxt:10: layer 'l': field 'convolution_param.bias_filler.value'")
    with pytest.raises(KeyError):
        has(p, "weight_filler.nope")
    with pytest.raises(KeyError):
        has(p, "num_output.x")


def test_param_reads_any_layer_message_field_once() -> None:
    layer = _layer("  transform_param { crop_size: 7 mean_value: [1, 2, 3] }", "Data")
    t = param(layer, "transform_param")
    assert isinstance(t, schema.TransformationParameter)
    assert t.crop_size == 7 and t.mean_value == (1.0, 2.0, 3.0)
    assert param(layer, "transform_param") is t
    assert param(layer, "loss_param") == schema.LossParameter()
    with pytest.raises(KeyError):
        param(layer, "bottom")
    with pytest.raises(KeyError):
        param(layer, "nope_param")


def test_the_expected_class_types_the_result_and_is_checked() -> None:
    layer = _layer("  pooling_param { pool: AVE kernel_size: 3 }", "Pooling")
    p = layer_params(layer, schema.PoolingParameter)
    assert p is layer_params(layer) and p.pool == "AVE" and p.kernel_size == 3
    with pytest.raises(TypeError, match="reads PoolingParameter, not ConvolutionParameter"):
        layer_params(layer, schema.ConvolutionParameter)
    t = param(layer, "transform_param", schema.TransformationParameter)
    assert t is param(layer, "transform_param")
    with pytest.raises(TypeError, match="reads TransformationParameter, not LossParameter"):
        param(layer, "transform_param", schema.LossParameter)


def test_layer_params_covers_the_listed_types() -> None:
    wanted = [
        "Convolution", "Deconvolution", "Pooling", "InnerProduct", "BatchNorm", "BN", "Scale", "Bias", "Eltwise",
        "Concat", "Slice", "Reshape", "Flatten", "Softmax", "LRN", "PReLU", "ReLU", "ELU", "Power", "Exp", "Log",
        "Threshold", "Crop", "Tile", "Reduction", "ArgMax", "MVN", "Dropout", "Input", "Embed", "SPP", "Parameter",
        "Sigmoid", "TanH",
    ]
    assert set(wanted) <= set(LAYER_PARAMS)
    for ltype, (field_name, cls) in LAYER_PARAMS.items():
        spec = schema.LayerParameter.FIELDS.get(field_name)
        if spec is not None:  # a BVLC field: its message is the table's class
            assert spec.message == cls.__name__, ltype
    with pytest.raises(KeyError):
        layer_params(_layer("", "Split"))


def test_bn_fork_params() -> None:
    p = layer_params(_layer("  bn_param { bn_mode: 1 eps: 0.001 }", "BN"))
    assert isinstance(p, schema.BNParameter)
    assert p.bn_mode == "INFERENCE" and p.eps == 0.0010000000474974513 and p.momentum == 0.8999999761581421
