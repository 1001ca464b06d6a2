"""Tests of caffe2trt_bn.io.prototxt: lossless round trip, typed reads, errors, edits."""

from __future__ import annotations

import math
import random
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from caffe2trt_bn.errors import PrototxtSyntaxError
from caffe2trt_bn.io.prototxt import MAX_DEPTH, Document, Node, parse, parse_file, quote

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
FIXTURE_FILES = sorted(FIXTURES.rglob("*.prototxt"))


# --------------------------------------------------------------------------- round trip


def test_fixtures_exist() -> None:
    assert FIXTURE_FILES, f"no *.prototxt under {FIXTURES}"


@pytest.mark.parametrize("path", FIXTURE_FILES, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_fixture_round_trip(path: Path) -> None:
    text = path.read_bytes().decode("utf-8")
    document = parse_file(path)
    assert document.render() == text
    assert document.path == str(path)
    assert document.all("layer") or document.all("layers")


TRICKY = {
    "comments_everywhere": (
        "# header\n"
        "name: \"net\" # trailing\n"
        "# before layer\n"
        "layer # before brace\n"
        "{ # after brace\n"
        "  name: # between colon and value\n"
        "    \"a\"\n"
        "  # before close\n"
        "} # after last close\n"
        "# final comment\n"
    ),
    "separators": 'a: 1; b: 2, c { d: 3; }, e: "x";\nf { g: 1 };\n',
    "angle_brackets": "a < b: 1 c < d: 2 > >\ne: < f: 1 >\n",
    "colon_before_brace": "a: { b: 1 }\nc {d: 2}\ne:{}\n",
    "lists": 'dim: [1, 2, 3]\nname: ["a", \'b\']\nempty: []\nl: [ {a: 1}, {b: 2} ]\nm: [\n  {a: 1},\n  # c\n  {b: 2}\n]\n',
    "adjacent_strings": 'a: "x" "y"\nb: "p"\n   "q" # c\n   \'r\'\n',
    "quotes_and_escapes": "a: 'single \"dq\"'\nb: \"esc \\\" \\\\ \\n \\t \\123 \\x41 \\'\"\n",
    "numbers": "a: 1e-5\nb: .5\nc: -inf\nd: nan\ne: 0x1F\nf: 017\ng: 1.0f\nh: -3\ni: 2.\nj: - 4\nk: 1E+5\n",
    "crlf": "name: \"x\"\r\nlayer {\r\n  name: \"a\"  # c\r\n}\r\n",
    "tabs": "layer {\n\tname:\t\"a\"\n\tparam {\tlr_mult: 1\t}\n}\n",
    "no_final_newline": 'layer { name: "a" }',
    "no_final_newline_comment": "a: 1\n# trailing comment",
    "empty": "",
    "only_comments": "# nothing\n\n# here\n",
    "blank_lines": "\n\n\nlayer {\n\n  a: 1\n\n}\n\n\n",
    "v1_layers": (
        "layers {\n  name: \"conv1\"\n  type: CONVOLUTION\n  bottom: \"data\"\n  top: \"conv1\"\n"
        "  blobs_lr: 1\n  convolution_param { num_output: 96 kernel_size: 11 stride: 4 }\n}\n"
    ),
    "ssd_prior_box": (
        'layer {\n  name: "conv4_3_norm_mbox_priorbox"\n  type: "PriorBox"\n'
        '  bottom: "conv4_3_norm"\n  bottom: "data"\n  top: "conv4_3_norm_mbox_priorbox"\n'
        "  prior_box_param { min_size: 30.0 aspect_ratio: 2 flip: true clip: false "
        "variance: 0.1 variance: 0.1 variance: 0.2 variance: 0.2 step: 8 offset: 0.5 }\n}\n"
    ),
    "extension_names": "[some.ext] { }\n[a.b/c.d] { x: 1 }\n[ext.scalar]: 5\n",
    "bom": "\ufeffname: \"x\"\n",
    "input_dims": 'input: "data"\ninput_dim: 1\ninput_dim: 3\ninput_shape { dim: 1 dim: 3 }\n',
    "bool_forms": "a: true b: false c: True d: False e: t f: f g: 1 h: 0\n",
    "enum_list": "pool: [MAX, AVE]\nx: [MAX]\n",
    "weird_spacing": "a:1 b :2 c{d:3}e\n{\nf\n:\n4\n}\n",
}


@pytest.mark.parametrize("text", TRICKY.values(), ids=list(TRICKY))
def test_tricky_round_trip(text: str) -> None:
    assert parse(text).render() == text


def test_comment_lines_are_trivia_not_fields() -> None:
    document = parse(TRICKY["comments_everywhere"])
    assert [child.name for child in document.children] == ["name", "layer"]
    layer = document.children[1]
    assert layer.get_string("name") == "a"
    assert (layer.line, layer.column) == (4, 1)


def test_v1_and_fork_fields_are_schema_less() -> None:
    layer = parse(TRICKY["v1_layers"]).get("layers")
    assert layer is not None
    assert layer.get_enum("type") == "CONVOLUTION"
    assert layer.get("convolution_param").get_int("num_output") == 96  # type: ignore[union-attr]
    prior = parse(TRICKY["ssd_prior_box"]).children[0]
    assert prior.get_string("type") == "PriorBox"
    param = prior.get("prior_box_param")
    assert param is not None
    assert param.get_float("min_size") == 30.0
    assert param.get_bool("flip") is True
    assert [node.number() for node in param.all("variance")] == [0.1, 0.1, 0.2, 0.2]
    extensions = parse(TRICKY["extension_names"])
    assert [child.name for child in extensions.children] == ["[some.ext]", "[a.b/c.d]", "[ext.scalar]"]
    assert extensions.children[0].is_message and extensions.children[0].children == []


def test_lists() -> None:
    document = parse(TRICKY["lists"])
    dim = document.get("dim")
    assert dim is not None and dim.is_list and dim.values() == ["1", "2", "3"]
    assert [int(v) for v in dim.values()] == [1, 2, 3]
    assert document.get_strings("name") == ["a", "b"]
    assert document.get("empty").values() == []  # type: ignore[union-attr]
    # A message list reads like repeated fields.
    elements = document.all("l")
    assert [element.is_message for element in elements] == [True, True]
    assert elements[0].get_int("a") == 1 and elements[1].get_int("b") == 2
    assert document.get("m").get_int("b") == 2  # type: ignore[union-attr]
    assert parse(TRICKY["enum_list"]).get("x").values() == ["MAX"]  # type: ignore[union-attr]
    assert parse('a: ["x" "y", "z"]').get_strings("a") == ["xy", "z"]


# --------------------------------------------------------------------------- typed reads


def test_get_returns_last_occurrence_and_all_in_order() -> None:
    document = parse('a: 1\nb { c: "x" }\na: 2\nb { c: "y" }\n')
    assert document.get("a").integer() == 2  # type: ignore[union-attr]
    assert [node.integer() for node in document.all("a")] == [1, 2]
    assert document.get("b").get_string("c") == "y"  # type: ignore[union-attr]
    assert document.get("missing") is None and document.all("missing") == []
    assert document.get_int("missing", 7) == 7
    assert document.get_string("missing") is None
    with pytest.raises(PrototxtSyntaxError, match="expected a string"):
        document.get_strings("a")


def test_string_decoding() -> None:
    document = parse(TRICKY["quotes_and_escapes"] + 'c: "\\303\\251t\\u00e9" \'!\'\nd: "tab\\there"\n')
    assert document.get_string("a") == 'single "dq"'
    assert document.get_string("b") == "esc \" \\ \n \t S A '"
    assert document.get_string("c") == "été!"
    assert document.get_string("d") == "tab\there"
    assert parse(TRICKY["adjacent_strings"]).get_strings("b") == ["pqr"]


def test_string_errors_name_the_field() -> None:
    document = parse('layer {\n  name: 5\n  top: "bad \\q escape"\n}\n', path="net.prototxt")
    layer = document.get("layer")
    assert layer is not None
    with pytest.raises(PrototxtSyntaxError) as info:
        layer.get_string("name")
    assert (info.value.line, info.value.column) == (2, 3)
    assert "'name'" in str(info.value) and "net.prototxt:2:3" in str(info.value)
    with pytest.raises(PrototxtSyntaxError, match="escape"):
        layer.get_string("top")
    with pytest.raises(PrototxtSyntaxError, match="message"):
        document.get_string("layer")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("1e-5", 1e-5), (".5", 0.5), ("2f", 2.0), ("1.0f", 1.0), ("3", 3.0), ("-3", -3.0),
     ("inf", math.inf), ("-inf", -math.inf), ("Infinity", math.inf), ("0x10", 16.0),
     ("2.", 2.0), ("- 4", -4.0), ("1E+2", 100.0)],
)
def test_number(raw: str, expected: float) -> None:
    assert parse(f"x: {raw}").get_float("x") == expected


def test_number_nan_and_errors() -> None:
    assert math.isnan(parse("x: nan").get_float("x", 0.0))
    with pytest.raises(PrototxtSyntaxError, match="expected a number"):
        parse('x: "1"').get_float("x")
    with pytest.raises(PrototxtSyntaxError, match="expected a number"):
        parse("x: MAX").get_float("x")


@pytest.mark.parametrize(("raw", "expected"), [("7", 7), ("-7", -7), ("0x1F", 31), ("017", 15), ("0", 0)])
def test_integer(raw: str, expected: int) -> None:
    assert parse(f"x: {raw}").get_int("x") == expected


@pytest.mark.parametrize("raw", ["1.5", "1e3", "true", '"3"', "[1, 2]"])
def test_integer_errors(raw: str) -> None:
    with pytest.raises(PrototxtSyntaxError):
        parse(f"x: {raw}").get_int("x")


def test_booleans_and_enums() -> None:
    document = parse(TRICKY["bool_forms"])
    assert [document.get_bool(name) for name in "abcdefgh"] == [True, False, True, False, True, False, True, False]
    with pytest.raises(PrototxtSyntaxError, match="boolean"):
        parse("x: yes").get_bool("x")
    pooling = parse("pool: MAX\nround: 0\nbad: 'MAX'\n")
    assert pooling.get_enum("pool") == "MAX"
    assert pooling.get_enum("round") == "0"
    with pytest.raises(PrototxtSyntaxError, match="enum"):
        pooling.get_enum("bad")


@given(st.text())
def test_quote_round_trips_any_text(text: str) -> None:
    literal = quote(text)
    document = parse(f"s: {literal}\n")
    assert document.get_string("s") == text
    assert "\n" not in literal


# --------------------------------------------------------------------------- syntax errors


def _error(text: str, path: str = "model/deploy.prototxt") -> PrototxtSyntaxError:
    with pytest.raises(PrototxtSyntaxError) as info:
        parse(text, path=path)
    error = info.value
    assert path in str(error)
    return error


@pytest.mark.parametrize(
    ("text", "line", "column", "words"),
    [
        ('layer {\n  name: "conv1\n}\n', 2, 9, "unterminated string"),
        ("a: 'x\n", 1, 4, "unterminated string"),
        ('layer {\n  name: "x"\n', 3, 1, "expected '}' to close 'layer' opened at line 1, found end of file"),
        ("a <\n  b: 1\n}\n", 3, 1, "expected '>' to close 'a' opened at line 1"),
        ("a: 1\n}\n", 2, 1, "unexpected '}'"),
        ("layer {\n  num_output 64\n}\n", 2, 14, "expected ':' between field 'num_output'"),
        ('a: 1\nb: 1abc\n', 2, 4, "'1abc'"),
        ("a: 1 % 2\n", 1, 6, "'%'"),
        ("a: 1\n  b\n", 3, 1, "found end of file"),
        ("a:\n", 2, 1, "expected a value for field 'a', found end of file"),
        ("a: }\n", 1, 4, "expected a value for field 'a'"),
        ("dim: [1, 2\n", 2, 1, "expected ']'"),
        ("dim: [1 2]\n", 1, 9, "expected ',' or ']'"),
        ("dim: [1,]\n", 1, 9, "a value in the list"),
        ("a: 1;;\n", 1, 6, "unexpected ';'"),
        ("{ a: 1 }\n", 1, 1, "expected a field name, found '{'"),
        ("-a: 1\n", 1, 1, "expected a field name"),
        ("l: [{a: 1} {b: 2}]\n", 1, 12, "expected ',' or ']'"),
    ],
)
def test_syntax_error_position(text: str, line: int, column: int, words: str) -> None:
    error = _error(text)
    assert (error.line, error.column) == (line, column), str(error)
    assert words in error.message, error.message
    assert f"model/deploy.prototxt:{line}:{column}: " in str(error)


def test_binary_file_is_reported(tmp_path: Path) -> None:
    model = tmp_path / "net.caffemodel"
    model.write_bytes(b'\n\x05conv1\x12\x03abc\x1a\x00\xff\xfe')
    with pytest.raises(PrototxtSyntaxError) as info:
        parse_file(model)
    assert "binary data at byte 13" in info.value.message
    assert "swap" in info.value.message and str(model) in str(info.value)
    invalid_utf8 = tmp_path / "latin1.prototxt"
    invalid_utf8.write_bytes(b'name: "caf\xe9"\n')
    with pytest.raises(PrototxtSyntaxError, match="binary data at byte 10") as info:
        parse_file(invalid_utf8)
    assert (info.value.line, info.value.column) == (1, 11)
    with pytest.raises(PrototxtSyntaxError, match="binary data at byte 6"):
        parse("a: 1\nb\x00", path="x.prototxt")


def test_parse_file_keeps_crlf(tmp_path: Path) -> None:
    path = tmp_path / "crlf.prototxt"
    path.write_bytes(TRICKY["crlf"].encode())
    assert parse_file(path).render() == TRICKY["crlf"]


def test_deep_nesting_is_a_syntax_error_not_recursion_error() -> None:
    deep = "a { " * 1000 + "}" * 1000
    error = _error(deep)
    assert "nested deeper than 100" in error.message
    assert (error.line, error.column) == (1, 4 * MAX_DEPTH + 3)
    deep_list = "a: [" * 1 + "{ b: [" * 600
    _error(deep_list)
    ok = "a { " * MAX_DEPTH + "}" * MAX_DEPTH
    assert parse(ok).render() == ok


# --------------------------------------------------------------------------- edits

NET = """\
name: "net"
# the data layer
layer {
  name: "data"
  type: "Input"
  top: "data"
}

# conv about
# two lines
layer {
  name: "conv1"
  type: "Convolution"
  param { lr_mult: 1 } param { lr_mult: 2 } param { lr_mult: 0 }
  convolution_param { num_output: 64 kernel_size: 3 }
}

layer {
  name: "relu1"
  type: "ReLU"  # in place
}
"""


def _layer(document: Document, name: str) -> Node:
    for layer in document.all("layer"):
        if layer.get_string("name") == name:
            return layer
    raise AssertionError(name)


def test_remove_layer_with_comment_above() -> None:
    document = parse(NET)
    document.remove(_layer(document, "conv1"))
    assert document.render() == NET.replace(
        '# conv about\n# two lines\nlayer {\n  name: "conv1"\n  type: "Convolution"\n'
        "  param { lr_mult: 1 } param { lr_mult: 2 } param { lr_mult: 0 }\n"
        "  convolution_param { num_output: 64 kernel_size: 3 }\n}\n\n",
        "",
    )


def test_remove_first_and_last_layers() -> None:
    document = parse(NET)
    document.remove(_layer(document, "data"))
    assert document.render().startswith('name: "net"\n\n# conv about\n')
    document.remove(_layer(document, "relu1"))
    assert document.render().endswith("  convolution_param { num_output: 64 kernel_size: 3 }\n}\n")
    document.remove(document.children[0])
    assert document.render().startswith("# conv about\n# two lines\nlayer {\n")


def test_remove_without_final_newline() -> None:
    document = parse("a: 1\nb: 2")
    document.remove(document.children[1])
    assert document.render() == "a: 1"


def test_remove_keeps_blank_line_above_and_no_double_blank() -> None:
    text = "a: 1\n\n# about b\nb: 2\n\nc: 3\n"
    document = parse(text)
    document.remove(document.children[1])
    assert document.render() == "a: 1\n\nc: 3\n"


def test_remove_inline_params() -> None:
    for index, expected in [
        (0, "  param { lr_mult: 2 } param { lr_mult: 0 }\n"),
        (1, "  param { lr_mult: 1 } param { lr_mult: 0 }\n"),
        (2, "  param { lr_mult: 1 } param { lr_mult: 2 }\n"),
    ]:
        document = parse(NET)
        conv = _layer(document, "conv1")
        conv.remove(conv.all("param")[index])
        line = "  param { lr_mult: 1 } param { lr_mult: 2 } param { lr_mult: 0 }\n"
        assert document.render() == NET.replace(line, expected)
    document = parse(NET)
    conv = _layer(document, "conv1")
    for param in conv.all("param"):
        conv.remove(param)
    assert "param" not in document.render().replace("convolution_param", "")
    assert document.render() == NET.replace(
        "  param { lr_mult: 1 } param { lr_mult: 2 } param { lr_mult: 0 }\n", ""
    )


def test_remove_inside_one_line_message() -> None:
    document = parse("p { a: 1 b: 2 c: 3 }\nq {x:1;y:2;z:3}\n")
    p, q = document.children
    p.remove(p.children[1])
    q.remove(q.children[0])
    q.remove(q.children[1])
    assert document.render() == "p { a: 1 c: 3 }\nq {y:2;}\n"
    p.remove(p.children[0])
    p.remove(p.children[0])
    assert document.render() == "p { }\nq {y:2;}\n"


def test_remove_list_element() -> None:
    document = parse("l: [{a: 1}, {b: 2}, {c: 3}]\n")
    document.remove(document.all("l")[1])
    assert document.render() == "l: [{a: 1}, {c: 3}]\n"
    document.remove(document.all("l")[0])
    assert document.render() == "l: [{c: 3}]\n"
    with pytest.raises(ValueError):
        document.remove(Node("zzz", "1"))


def test_set_value() -> None:
    document = parse(NET)
    conv = _layer(document, "conv1")
    conv_param = conv.get("convolution_param")
    assert conv_param is not None
    conv_param.get("num_output").set_value("128")  # type: ignore[union-attr]
    conv.get("name").set_string('new "name"')  # type: ignore[union-attr]
    assert document.render() == NET.replace("num_output: 64", "num_output: 128").replace(
        'name: "conv1"', 'name: "new \\"name\\""'
    )
    assert _layer(parse(document.render()), 'new "name"') is not None
    with pytest.raises(ValueError):
        conv.get("type").set_value('"unterminated')  # type: ignore[union-attr]
    with pytest.raises(ValueError):
        conv.get("type").set_value("1 2")  # type: ignore[union-attr]
    with pytest.raises(ValueError):
        conv_param.set_value("1")


def test_append_into_multi_line_message() -> None:
    document = parse(NET)
    _layer(document, "relu1").append("bottom", quote("conv1"))
    assert document.render() == NET.replace(
        '  type: "ReLU"  # in place\n}', '  type: "ReLU"  # in place\n  bottom: "conv1"\n}'
    )


def test_append_into_inline_messages() -> None:
    document = parse(NET)
    conv = _layer(document, "conv1")
    conv.get("convolution_param").append("pad", "1")  # type: ignore[union-attr]
    conv.all("param")[0].append("decay_mult", "0")
    assert document.render() == NET.replace("kernel_size: 3 }", "kernel_size: 3 pad: 1 }").replace(
        "param { lr_mult: 1 }", "param { lr_mult: 1 decay_mult: 0 }"
    )


def test_append_to_empty_messages() -> None:
    document = parse("a {}\nb { }\nc {\n}\n")
    a, b, c = document.children
    a.append("x", "1")
    b.append("y", "2")
    c.append("z", "3")
    assert document.render() == "a { x: 1 }\nb { y: 2 }\nc {\n  z: 3\n}\n"


def test_append_message_and_children() -> None:
    document = parse(NET)
    relu = _layer(document, "relu1")
    relu_param = relu.append_message("relu_param")
    relu_param.append("negative_slope", "0.1")
    relu_param.append("engine", "CAFFE")
    inline = _layer(document, "conv1").get("convolution_param")
    assert inline is not None
    inline.append("weight_filler", children=[Node("type", quote("xavier"))])
    expected = NET.replace(
        '  type: "ReLU"  # in place\n}',
        '  type: "ReLU"  # in place\n  relu_param {\n    negative_slope: 0.1\n    engine: CAFFE\n  }\n}',
    ).replace("kernel_size: 3 }", 'kernel_size: 3 weight_filler { type: "xavier" } }')
    assert document.render() == expected


def test_insert_top_level_layer() -> None:
    document = parse(NET)
    index = document.children.index(_layer(document, "relu1"))
    document.insert(
        index,
        "layer",
        children=[Node("name", quote("bn1")), Node("type", quote("BatchNorm")),
                  Node("batch_norm_param", children=[Node("use_global_stats", "true")])],
    )
    new_layer = (
        'layer {\n  name: "bn1"\n  type: "BatchNorm"\n'
        "  batch_norm_param {\n    use_global_stats: true\n  }\n}\n"
    )
    # Blank-line separated siblings: the new layer gets a blank line above it too.
    assert document.render() == NET.replace(
        '}\n\nlayer {\n  name: "relu1"', "}\n\n" + new_layer + '\nlayer {\n  name: "relu1"'
    )
    document.append("layer", children=[Node("name", quote("last"))])
    assert document.render().endswith('}\n\nlayer {\n  name: "last"\n}\n')
    document.insert(0, "input", quote("data"))
    assert document.render().startswith('input: "data"\nname: "net"\n')
    assert _layer(parse(document.render()), "bn1").get("batch_norm_param").get_bool("use_global_stats")  # type: ignore[union-attr]


def test_insert_in_message_positions() -> None:
    document = parse("layer {  # opening\n  # about a\n  a: 1\n  b: 2  # about b\n}\n")
    layer = document.children[0]
    layer.insert(0, "first", "0")
    layer.insert(2, "middle", "1")
    layer.append("last", "3")
    assert document.render() == (
        "layer {  # opening\n  first: 0\n  # about a\n  a: 1\n  middle: 1\n"
        "  b: 2  # about b\n  last: 3\n}\n"
    )


def test_crlf_edits_keep_crlf() -> None:
    document = parse(TRICKY["crlf"])
    layer = document.children[1]
    layer.append("type", quote("ReLU"))
    document.append("layer", children=[Node("name", quote("b"))])
    assert document.render() == (
        'name: "x"\r\nlayer {\r\n  name: "a"  # c\r\n  type: "ReLU"\r\n}\r\n'
        'layer {\r\n  name: "b"\r\n}\r\n'
    )


def test_replace() -> None:
    document = parse(NET)
    old = _layer(document, "relu1")
    new = document.replace(old, 'layer {\n  name: "sig"\n  type: "Sigmoid"\n}')
    assert new.get_string("type") == "Sigmoid"
    assert document.render() == NET.replace(
        'layer {\n  name: "relu1"\n  type: "ReLU"  # in place\n}', 'layer {\n  name: "sig"\n  type: "Sigmoid"\n}'
    )
    nested = parse("top {\n  x { a: 1 }\n  y: 2\n}\n")
    top = nested.children[0]
    top.replace(top.children[0], "z {\n  q: 1\n}")
    assert nested.render() == "top {\n  z {\n    q: 1\n  }\n  y: 2\n}\n"
    with pytest.raises(ValueError):
        top.replace(top.children[0], "a: 1 b: 2")


def test_edited_values_do_not_glue_tokens() -> None:
    document = parse('a{x:"s"b:1}')
    message = document.children[0]
    message.children[0].set_value("5")
    text = document.render()
    assert parse(text).children[0].get_int("x") == 5
    assert parse(text).children[0].get_int("b") == 1


def test_untouched_layers_keep_their_text() -> None:
    text = (FIXTURES / "resnet_inplace" / "deploy.prototxt").read_text()
    document = parse(text)
    layers = document.all("layer")
    before = [layer.render() for layer in layers]
    for layer in layers:
        if layer.get_string("type") in ("BatchNorm", "Scale"):
            document.remove(layer)
    rendered = document.render()
    kept = [layer.render() for layer in parse(rendered).all("layer")]
    assert kept == [b for layer, b in zip(layers, before) if layer.get_string("type") not in ("BatchNorm", "Scale")]
    for chunk in kept:
        assert chunk in rendered


# --------------------------------------------------------------------------- property tests


TRIVIA_PIECES = [" ", "  ", "\t", "\n", "\r\n", "\n\n", " # comment\n", "#\n", '# "quoted" { } [x] ;\n', "\f"]
SCALARS = [
    "0", "-3", "42", "0x1F", "017", "1e-5", ".5", "2.", "-inf", "nan", "1.0f", "- 4",
    "MAX", "true", "False", "t", "CONVOLUTION", '"conv1"', "'single'", '"esc \\" \\\\ \\n \\123 \\x41"',
    '"a" "b"', "'x' \"y\"", '""',
]
identifiers = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,6}", fullmatch=True)
names = st.one_of(identifiers, identifiers, identifiers, st.sampled_from(["[ext.name]", "[a.b/c]"]))


def trees(depth: int = 2) -> st.SearchStrategy[list[tuple[Any, ...]]]:
    """Abstract field lists: ("s", name, raw) / ("l", name, [raw]) / ("m", name, fields, "{" or "<")
    / ("ml", name, [fields, ...])."""
    scalar = st.tuples(st.just("s"), names, st.sampled_from(SCALARS))
    scalar_list = st.tuples(st.just("l"), names, st.lists(st.sampled_from(SCALARS), max_size=3))
    if depth == 0:
        return st.lists(st.one_of(scalar, scalar_list), max_size=4)
    inner = trees(depth - 1)
    message = st.tuples(st.just("m"), names, inner, st.sampled_from(["{", "<"]))
    message_list = st.tuples(st.just("ml"), names, st.lists(inner, min_size=1, max_size=2))
    return st.lists(st.one_of(scalar, scalar, scalar_list, message, message_list), max_size=4)


def render_tree(fields: list[tuple[Any, ...]], rng: random.Random, top: bool) -> str:
    """Renders an abstract tree with random trivia; field leads are never empty."""

    def trivia(required: bool = False) -> str:
        count = rng.randint(1 if required else 0, 3) if rng.random() < 0.7 or required else 0
        return "".join(rng.choice(TRIVIA_PIECES) for _ in range(count))

    def value(raw: str) -> str:
        if raw in ('"a" "b"', "'x' \"y\""):  # random trivia between adjacent strings
            return raw.replace(" ", trivia())
        return raw

    out: list[str] = []
    for kind, name, *rest in fields:
        out.append(trivia(required=True))
        out.append(name)
        if kind == "s":
            out.append(trivia() + ":" + trivia() + value(rest[0]))
        elif kind == "l":
            items = [trivia() + value(item) + trivia() for item in rest[0]]
            out.append(trivia() + ":" + trivia() + "[" + ",".join(items) + "]")
        elif kind == "m":
            opener, closer = ("{", "}") if rest[1] == "{" else ("<", ">")
            out.append(trivia() + rng.choice(["", ":"]) + trivia() + opener)
            out.append(render_tree(rest[0], rng, top=False) + trivia() + closer)
        else:
            elements = [trivia() + "{" + render_tree(element, rng, top=False) + trivia() + "}" for element in rest[0]]
            out.append(trivia() + ":" + trivia() + "[" + ",".join(elements) + trivia() + "]")
        if rng.random() < 0.3:
            out.append(trivia() + rng.choice([";", ","]))
    if top:
        out.append(trivia() + rng.choice(["", "# no newline at end"]))
    return "".join(out)


def expected_shape(fields: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    shape: list[tuple[Any, ...]] = []
    for kind, name, *rest in fields:
        if kind == "s":
            shape.append(("s", name, normalize(rest[0])))
        elif kind == "l":
            shape.append(("l", name, tuple(normalize(item) for item in rest[0])))
        elif kind == "m":
            shape.append(("m", name, expected_shape(rest[0])))
        else:
            shape.append(("ml", name, [expected_shape(element) for element in rest[0]]))
    return shape


def normalize(raw: str) -> str:
    """Value identity that ignores the trivia (spaces, comments) between adjacent strings."""
    if raw[:1] not in "\"'":
        return " ".join(raw.split())
    pieces = re.findall(r"#[^\n]*|\"(?:[^\"\\\n]|\\.)*\"|'(?:[^'\\\n]|\\.)*'", raw)
    return "|".join(piece for piece in pieces if not piece.startswith("#"))


def actual_shape(children: list[Node]) -> list[tuple[Any, ...]]:
    shape: list[tuple[Any, ...]] = []
    for node in children:
        if node._items is not None and node._items:
            shape.append(("ml", node.name, [actual_shape(item.children or []) for item in node._items]))
        elif node._items is not None:  # an emptied message list reads back as "[]"
            shape.append(("l", node.name, ()))
        elif node.children is not None:
            shape.append(("m", node.name, actual_shape(node.children)))
        elif node.value is not None and node.value.startswith("["):
            shape.append(("l", node.name, tuple(normalize(item) for item in node.values())))
        else:
            shape.append(("s", node.name, normalize(node.value or "")))
    return shape


PROPERTY_SETTINGS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)


@PROPERTY_SETTINGS
@given(trees(), st.randoms(use_true_random=False))
def test_random_trees_round_trip(fields: list[tuple[Any, ...]], rng: random.Random) -> None:
    text = render_tree(fields, rng, top=True)
    document = parse(text)
    assert document.render() == text
    assert actual_shape(document.children) == expected_shape(fields)


def containers(document: Document) -> list[Document | Node]:
    found: list[Document | Node] = [document]
    found.extend(node for node in document.walk() if node.is_message)
    return found


@PROPERTY_SETTINGS
@given(trees(), st.data())
def test_random_edits_re_parse_to_the_edited_tree(fields: list[tuple[Any, ...]], data: st.DataObject) -> None:
    text = render_tree(fields, data.draw(st.randoms(use_true_random=False)), top=True)
    document = parse(text)
    for _ in range(data.draw(st.integers(1, 4))):
        holders = containers(document)
        holder = data.draw(st.sampled_from(holders))
        action = data.draw(st.sampled_from(["remove", "append", "insert", "message", "set", "replace"]))
        kids = holder.children or []
        if action == "remove" and kids:
            target = data.draw(st.sampled_from(kids))
            if target._items:
                target = data.draw(st.sampled_from(target._items))
            holder.remove(target)
        elif action == "append":
            holder.append(data.draw(identifiers), data.draw(st.sampled_from(SCALARS)))
        elif action == "insert":
            index = data.draw(st.integers(0, len(kids)))
            holder.insert(index, data.draw(identifiers), data.draw(st.sampled_from(SCALARS)))
        elif action == "message":
            message = holder.append_message(data.draw(identifiers))
            if data.draw(st.booleans()):
                message.append("x", "1")
        elif action == "set":
            scalars = [node for node in document.walk() if node.value is not None]
            if scalars:
                data.draw(st.sampled_from(scalars)).set_value(data.draw(st.sampled_from(SCALARS)))
        elif action == "replace" and kids:
            target = data.draw(st.sampled_from(kids))
            if target._items is None:
                holder.replace(target, data.draw(st.sampled_from(["z: 1", "z { q: 'x' }", "z {\n  q: 1\n}"])))
    rendered = document.render()
    assert actual_shape(parse(rendered).children) == actual_shape(document.children)


def _paths(holder: Document | Node, nodes: list[Node]) -> list[tuple[int, int | None]]:
    """Each node of ``nodes`` as (child index, element index or None) in ``holder``."""
    kids = holder.children or []
    out: list[tuple[int, int | None]] = []
    for node in nodes:
        for i, kid in enumerate(kids):
            if kid is node:
                out.append((i, None))
            elif kid._items is not None:
                out.extend((i, j) for j, item in enumerate(kid._items) if item is node)
    return out


def _at(holder: Document | Node, path: tuple[int, int | None]) -> Node:
    kid = (holder.children or [])[path[0]]
    return kid if path[1] is None else (kid._items or [])[path[1]]


@PROPERTY_SETTINGS
@given(trees(), st.data())
def test_remove_many_gives_the_text_of_one_removal_after_the_other(
    fields: list[tuple[Any, ...]], data: st.DataObject
) -> None:
    """``remove_many`` (used by fold, linear) renders exactly as ``remove`` in a loop,
    in any order of the nodes, list elements included; so does ``replace_many``."""
    text = render_tree(fields, data.draw(st.randoms(use_true_random=False)), top=True)
    one, many = parse(text), parse(text)
    holder_index = data.draw(st.integers(0, len(containers(one)) - 1))
    holder_one, holder_many = containers(one)[holder_index], containers(many)[holder_index]
    candidates = [
        n for kid in holder_one.children or [] for n in ([kid] if kid._items is None else [kid, *kid._items])
    ]
    chosen = data.draw(st.lists(st.sampled_from(candidates), unique_by=id, max_size=6)) if candidates else []
    paths = _paths(holder_one, chosen)
    twins = [_at(holder_many, path) for path in paths]
    failed_one = failed_many = False
    try:
        for node in chosen:
            holder_one.remove(node)
    except ValueError:  # a list element after its list: no longer a child
        failed_one = True
    try:
        holder_many.remove_many(twins)
    except ValueError:
        failed_many = True
    assert failed_one == failed_many
    assert many.render() == one.render()
    direct = [kid for kid in holder_many.children or [] if kid._items is None]
    replaced = data.draw(st.lists(st.sampled_from(direct), unique_by=id, max_size=4)) if direct else []
    texts = ["z: 1", "z { q: 'x' }", "z {\n  q: 1\n}"]
    pairs = [(node, data.draw(st.sampled_from(texts))) for node in replaced]
    expected = parse(many.render())
    holder_expected = containers(expected)[holder_index]
    for path, (_, new_text) in zip(_paths(holder_many, replaced), pairs):
        holder_expected.replace(_at(holder_expected, path), new_text)
    holder_many.replace_many(pairs)
    assert many.render() == expected.render()


def test_remove_many_refuses_a_stranger_after_removing_the_nodes_before_it() -> None:
    document = parse('a: 1\nb: 2\nc: 3\n')
    a, _, c = document.children
    with pytest.raises(ValueError, match="'zzz' is not a child"):
        document.remove_many([a, Node("zzz", "1"), c])
    assert document.render() == "b: 2\nc: 3\n"
    with pytest.raises(ValueError):
        document.replace_many([(c, "d: 4"), (a, "e: 5")])  # a is gone: nothing is replaced
    assert document.render() == "b: 2\nc: 3\n"


# --------------------------------------------------------------------------- performance


def resnet_like(layers: int) -> str:
    """A deploy prototxt in the style of ResNet-152: conv, BatchNorm, Scale, ReLU blocks."""
    parts = ['name: "ResNet-152"\ninput: "data"\ninput_dim: 1\ninput_dim: 3\ninput_dim: 224\ninput_dim: 224\n']
    for index in range(layers):
        bottom = f"l{index - 1}" if index else "data"
        kind = index % 4
        if kind == 0:
            parts.append(
                f'layer {{\n\tbottom: "{bottom}"\n\ttop: "l{index}"\n\tname: "l{index}"\n\ttype: "Convolution"\n'
                "\tconvolution_param {\n\t\tnum_output: 256\n\t\tkernel_size: 1\n\t\tpad: 0\n\t\tstride: 1\n"
                "\t\tbias_term: false\n\t}\n}\n\n"
            )
        elif kind == 1:
            parts.append(
                f'layer {{\n\tbottom: "{bottom}"\n\ttop: "l{index}"\n\tname: "bn{index}"\n\ttype: "BatchNorm"\n'
                "\tbatch_norm_param {\n\t\tuse_global_stats: true\n\t}\n}\n\n"
            )
        elif kind == 2:
            parts.append(
                f'layer {{\n\tbottom: "{bottom}"\n\ttop: "l{index}"\n\tname: "scale{index}"\n\ttype: "Scale"\n'
                "\tscale_param {\n\t\tbias_term: true\n\t}\n}\n\n"
            )
        else:
            parts.append(f'layer {{\n\tbottom: "{bottom}"\n\ttop: "l{index}"\n\tname: "relu{index}"\n\ttype: "ReLU"\n}}\n\n')
    return "".join(parts)


def test_parses_5000_layers() -> None:
    # Speed is measured by benchmarks/, never asserted here.
    text = resnet_like(5000)
    document = parse(text)
    assert len(document.all("layer")) == 5000
    assert document.render() == text


def test_get_ints_and_floats_read_repeated_and_list_forms() -> None:
    doc = parse('shape { dim: 1 dim: [3, 0x10] }\nw: 0.5 w: [1e-3, 2]\nbad { dim: x }\n', "n.prototxt")
    assert doc.get("shape").get_ints("dim") == (1, 3, 16)
    assert doc.get_floats("w") == (0.5, 1e-3, 2.0)
    assert doc.get("shape").get_ints("missing") == ()
    with pytest.raises(PrototxtSyntaxError) as err:
        doc.get("bad").get_ints("dim")
    assert err.value.line == 3 and "expected an integer, found x" in str(err.value) and "n.prototxt" in str(err.value)
