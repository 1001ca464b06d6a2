"""The generated schema (caffe2trt_bn/ir/schema.py): up to date with the protos, and
the same field tables as protobuf's own compilation of proto/caffe.proto (caffe_pb2)."""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path

import pytest
from google.protobuf.descriptor import FieldDescriptor

from caffe2trt_bn import caffe_pb2
from caffe2trt_bn.ir import schema

ROOT = Path(__file__).resolve().parents[2]


def _generator():
    spec = importlib.util.spec_from_file_location("gen_schema", ROOT / "tools" / "gen_schema.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["gen_schema"] = module
    spec.loader.exec_module(module)
    return module


GEN = _generator()

_TYPE_NAMES = {
    FieldDescriptor.TYPE_INT32: "int32",
    FieldDescriptor.TYPE_INT64: "int64",
    FieldDescriptor.TYPE_UINT32: "uint32",
    FieldDescriptor.TYPE_UINT64: "uint64",
    FieldDescriptor.TYPE_FLOAT: "float",
    FieldDescriptor.TYPE_DOUBLE: "double",
    FieldDescriptor.TYPE_BOOL: "bool",
    FieldDescriptor.TYPE_STRING: "string",
    FieldDescriptor.TYPE_BYTES: "bytes",
}


def test_committed_schema_is_a_fresh_generation() -> None:
    sources = [(p.read_text(encoding="utf-8"), p.relative_to(ROOT).as_posix()) for p in GEN.PROTOS]
    fresh = GEN.generate(sources)
    committed = (ROOT / "caffe2trt_bn" / "ir" / "schema.py").read_text(encoding="utf-8")
    assert committed == fresh, "caffe2trt_bn/ir/schema.py is stale: run python tools/gen_schema.py"


def test_generator_check_mode_agrees() -> None:
    assert GEN.main(["--check"]) == 0


@pytest.mark.parametrize(
    "text",
    [
        'syntax = "proto3";',
        "message A { optional int32 a = 1 [deprecated = true]; }",
        "message A { oneof x { int32 a = 1; } }",
        "message A { message B { optional int32 b = 1; } }",
        "message A { optional Nope a = 1; }",
        "message A { optional A a = 1; }",
        "message A { optional int32 a = 1 [default = 1.5]; }",
        "service S { }",
    ],
)
def test_generator_refuses_what_it_does_not_support(text: str) -> None:
    with pytest.raises((GEN.ProtoError, ValueError)):
        GEN.generate([(text, "x.proto")])


def _pb_messages() -> list[str]:
    return sorted(caffe_pb2.DESCRIPTOR.message_types_by_name)


def test_every_protobuf_message_has_a_class() -> None:
    assert set(_pb_messages()) <= set(schema.MESSAGES)
    assert len(_pb_messages()) > 50


@pytest.mark.parametrize("name", _pb_messages())
def test_field_tables_equal_protobufs_descriptors(name: str) -> None:
    descriptor = caffe_pb2.DESCRIPTOR.message_types_by_name[name]
    cls = schema.MESSAGES[name]
    assert [f.name for f in descriptor.fields] == list(cls.FIELDS)
    for f in descriptor.fields:
        spec = cls.FIELDS[f.name]
        assert spec.number == f.number, f.name
        assert spec.repeated == f.is_repeated, f.name
        assert spec.label == ("repeated" if f.is_repeated else "required" if f.is_required else "optional")
        assert spec.packed == bool(f.GetOptions().packed), f.name
        if f.type == FieldDescriptor.TYPE_MESSAGE:
            assert spec.kind == "message" and spec.message == f.message_type.name, f.name
            assert spec.default == (() if f.is_repeated else None)
            continue
        if f.type == FieldDescriptor.TYPE_ENUM:
            assert spec.kind == "enum" and spec.type == f.enum_type.name, f.name
            assert spec.enum == {v.name: v.number for v in f.enum_type.values}, f.name
            if not f.is_repeated:
                assert spec.enum[spec.default] == f.default_value, f.name
            continue
        assert spec.type == _TYPE_NAMES[f.type], f.name
        if f.is_repeated:
            assert spec.default == ()
            continue
        expected = f.default_value
        if f.type == FieldDescriptor.TYPE_BYTES and isinstance(expected, str):
            expected = expected.encode()
        # protobuf widens a float default from float32 exactly, as schema.py stores it.
        assert spec.default == expected and type(spec.default) is type(expected), f.name
        # The class default is the table's default.
        assert getattr(cls(), f.name) == expected


def test_float_defaults_are_the_float32_caffe_stores() -> None:
    p = schema.BatchNormParameter()
    assert p.eps == 9.999999747378752e-06
    assert p.eps != 1e-5
    assert p.moving_average_fraction == 0.9990000128746033
    assert schema.MVNParameter().eps == GEN.float32(1e-9)
    assert schema.LRNParameter().beta == 0.75  # exact in float32
    assert math.isinf(GEN.float32(1e40))


def test_defaults_of_enums_messages_and_repeated_fields() -> None:
    p = schema.PoolingParameter()
    assert p.pool == "MAX" and p.round_mode == "CEIL"
    c = schema.ConvolutionParameter()
    assert c.kernel_size == () and c.bias_term is True and c.group == 1
    assert c.weight_filler.type == "constant" and c.weight_filler == schema.FillerParameter()
    assert schema.NetStateRule().phase == "TRAIN"  # proto2: the first value listed
    assert schema.BNParameter().bn_mode == "LEARN" and schema.BNParameter().eps == GEN.float32(1e-5)


def test_messages_behave_as_frozen_dataclasses() -> None:
    a = schema.ScaleParameter(axis=2, bias_term=True)
    b = schema.ScaleParameter(2, 1, schema.FillerParameter(), True)
    assert a == b and hash(a) == hash(b) and a != schema.ScaleParameter()
    assert repr(a).startswith("ScaleParameter(axis=2, num_axes=1, filler=FillerParameter(type='constant'")
    with pytest.raises(AttributeError):
        a.axis = 3  # type: ignore[misc]
    with pytest.raises(AttributeError):
        a.nope = 3  # type: ignore[attr-defined]
    assert a.replace(axis=1) == schema.ScaleParameter(bias_term=True)
    with pytest.raises(TypeError):
        schema.ScaleParameter(nope=1)  # type: ignore[call-arg]
