"""The fast paths of prototxt parsing and graph building give what the general code gives.

* ``prototxt.parser._parse_plain`` sets every field of every :class:`Node` (it builds nodes
  without the dataclass ``__init__``) to what the full parser sets, and puts ``line``
  and ``column`` on the field's name, also where they are worked out lazily (fields
  that share a line, line breaks between a name and its value);
* the plain scan stops at the first character outside its subset, so garbled text
  cannot make it retry a long run at every character;
* ``graph.build_graph`` (one pass over each layer's fields, cached string decoding)
  builds the graph the general accessors describe, raises the same errors in the same
  order, and keeps every map in the same order;
* the rarely needed regular expressions are not compiled by importing the module and
  reading a plain net.

Speed itself is measured by ``benchmarks/``, never asserted here.
"""

from __future__ import annotations

import random
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import FIXTURES, NODE_FIELDS, ROOT, tree_difference

from caffe2trt_bn.errors import Caffe2TrtError, GraphError
from caffe2trt_bn.io.prototxt import MAX_DEPTH, Document, Node, parse
from caffe2trt_bn.io.prototxt.parser import _PLAIN_RE, _parse_plain, _parse_tokens
from caffe2trt_bn.ir.graph import (
    _SINGULAR,
    _SINGULAR_V1,
    NAMED_WEIGHTS,
    Graph,
    Layer,
    Value,
    _layer_fields,
    build_graph,
    check_singular,
    layer_selected,
    layer_type,
    missing_type,
    net_state,
)

PROTOTXTS = sorted(FIXTURES.rglob("*.prototxt"))

def all_nodes(container: Document | Node) -> list[Node]:
    out: list[Node] = []
    stack = list(reversed(container.children or ()))
    while stack:
        node = stack.pop()
        out.append(node)
        stack.extend(reversed(node.children or ()))
    return out


def check_positions(text: str, document: Document) -> None:
    """Each node's line and column point at its name in ``text`` (1-based, counted in characters)."""
    lines = text.split("\n")
    for node in all_nodes(document):
        assert node.line >= 1 and node.column >= 1, node
        assert lines[node.line - 1][node.column - 1:].startswith(node.name), (node, lines[node.line - 1])


def plain_and_full(text: str) -> Document:
    """Parses ``text`` both ways; the plain parser must accept it and agree in every field."""
    plain = _parse_plain(text, "net.prototxt")
    assert plain is not None, f"the plain parser declined {text!r}"
    full = _parse_tokens(text, "net.prototxt")
    assert tree_difference(plain, full) is None, (tree_difference(plain, full), text)
    assert plain.render() == text
    check_positions(text, plain)
    return plain


def test_node_fields_cover_what_the_parsers_set() -> None:
    # The fast path stores each field by hand: a field it missed would be unset.
    node = _parse_plain("a { b: 1 }", None)
    assert node is not None
    for parsed in all_nodes(node):
        for name in NODE_FIELDS:
            getattr(parsed, name)
    assert {"name", "value", "children", "line", "column", "_lead", "_colon", "_close_lead", "_path"} <= set(
        NODE_FIELDS
    )


@pytest.mark.parametrize("path", PROTOTXTS, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_every_field_of_every_fixture_node_matches_the_full_parser(path: Path) -> None:
    plain_and_full(path.read_text(encoding="utf-8"))


#: Texts where columns are worked out from the previous field (same line) or from a
#: name-to-value gap that spans lines.
POSITION_TEXTS = [
    'layer { name: "a" type: "Conv" convolution_param { num_output: 8 pad: 1 } top: "a" }\n',
    "a: 1 b: 2\n  c: 3 d { e: f g: -inf } h: 0x1F\n",
    "a:\n   1 b: 2 c\n{ d: 3 } e: 4",
    "a # comment\n  : 'x' b: \"y\" c { } d: 5",
    "x {\n  y: 1 } z: 2 w { v: 3\n} u: 4",
    "\ufeffa: 1 b { c: 2 }\r\n  d: 3\r\n",
    "\tlayer {\t name: 'q'\t\ttop: 'r' }\n\t\tk: 1.5e-3f m: - 3",
    "a{b{c{d:1}e:2}f:3}g:4",
    "a:\n\n\n  \"s\" b: 1\n\n c\n\n{\n} d: 2",
    "a: 1 # trailing\n# whole line\n\n b: 2 c:\n# between\n 3 d: 4",
]


@pytest.mark.parametrize("text", POSITION_TEXTS)
def test_lines_and_columns_point_at_the_names(text: str) -> None:
    plain_and_full(text)


def test_random_single_line_nets_keep_their_columns() -> None:
    rng = random.Random(5)
    names = ["a", "bb", "c_1", "layer", "x"]
    values = ['"s"', "'t'", "1", "-2.5", "MAX", "- inf", '"e\\"q"', "0x1f"]
    for _ in range(300):
        depth = 0
        parts: list[str] = []
        for _ in range(rng.randint(1, 25)):
            roll = rng.random()
            if roll < 0.5:
                parts.append(f"{rng.choice(names)}{rng.choice([':', ': ', ' : ', ':  '])}{rng.choice(values)}")
            elif roll < 0.75 and depth < 5:
                parts.append(f"{rng.choice(names)}{rng.choice([' {', '{', ': {', ' :{'])}")
                depth += 1
            elif depth:
                parts.append("}")
                depth -= 1
        parts += ["}"] * depth
        separators = [rng.choice([" ", "  ", "\t", "\n", "\n  ", " # c\n", "\r\n"]) for _ in parts]
        text = "".join(sep + part for sep, part in zip(separators, parts))
        plain_and_full(text)


def test_nesting_limit_is_the_full_parsers() -> None:
    deepest = "a {" * MAX_DEPTH + "}" * MAX_DEPTH
    plain_and_full(deepest)
    too_deep = "a {" * (MAX_DEPTH + 1) + "}" * (MAX_DEPTH + 1)
    assert _parse_plain(too_deep, None) is None
    with pytest.raises(Caffe2TrtError, match=f"nested deeper than {MAX_DEPTH}"):
        parse(too_deep)


@pytest.mark.parametrize(
    "garbage",
    ["a" * 5000 + "!", '"' + "a" * 5000, "a: " + "1" * 5000 + "x", "a " * 2500 + "]", "a: 1 ;" + " b" * 2000],
)
def test_the_plain_scan_ends_at_the_first_character_outside_its_subset(garbage: str) -> None:
    matches = _PLAIN_RE.findall(garbage)
    others = [m for m in matches if m[4] and m[4] != "}"]
    assert len(others) == 1
    # The rest of the text, from that character on, is one piece: no match after it
    # but the empty one at the end.
    other_index = matches.index(others[0])
    assert garbage.endswith(others[0][4])
    assert all(not any(m) for m in matches[other_index + 1:])
    assert _parse_plain(garbage, None) is None


# --------------------------------------------------------------------------- graph


def reference_graph(doc: Document, phase: str = "TEST") -> Graph:
    """The graph as the general accessors describe it (the straightforward build)."""
    path = doc.path
    layer_nodes = doc.all("layer")
    v1_nodes = doc.all("layers")
    v1 = bool(v1_nodes) and not layer_nodes
    if layer_nodes and v1_nodes:
        raise GraphError("mixes 'layer' and legacy 'layers' entries; Caffe accepts only one kind", file=path)
    if not layer_nodes and not v1_nodes:
        what = "the file is empty" if not doc.children else "defines no layers"
        raise GraphError(f"{what}: not a Caffe net prototxt", file=path)
    state = net_state(doc, phase)
    current: dict[str, Value] = {}
    producer: dict[Value, Layer | None] = {}
    readers: dict[Value, list[Layer]] = {}
    net_inputs = doc.get_strings("input")
    for blob in net_inputs:
        current[blob] = Value(blob, 0)
        producer[current[blob]] = None
    layers: list[Layer] = []
    seen: dict[str, tuple[Node, str]] = {}
    for node in v1_nodes if v1 else layer_nodes:
        check_singular(node, v1)
        name = node.get_string("name", "")
        if not layer_selected(node, state, name):
            continue
        ltype = layer_type(node, v1)
        if not ltype:
            raise missing_type(node, name, node.get("type"))
        if name in seen and (ltype in NAMED_WEIGHTS or seen[name][1] in NAMED_WEIGHTS):
            raise GraphError(
                f"duplicate layer name (also at line {seen[name][0].line}); weights are matched by name, "
                "so a layer whose weights are read must have a name of its own",
                file=path,
                layer=name,
            )
        seen[name] = (node, ltype)
        layer = Layer(len(layers), name, ltype, node.get_strings("bottom"), node.get_strings("top"), node)
        for blob in layer.bottoms:
            value = current.get(blob)
            if value is None:
                raise GraphError(
                    f"bottom {blob!r} is not produced by any earlier layer or net input", file=path, layer=name
                )
            layer.inputs.append(value)
            readers.setdefault(value, []).append(layer)
        for blob in layer.tops:
            previous = current.get(blob)
            value = Value(blob, 0 if previous is None else previous.version + 1)
            current[blob] = value
            producer[value] = layer
            layer.outputs.append(value)
        layers.append(layer)
    return Graph(path, doc.get_string("name", ""), layers, net_inputs, producer, readers, v1)


def graph_summary(graph: Graph) -> tuple[object, ...]:
    """Everything a graph holds, maps in their order, layers by index."""
    return (
        graph.path,
        graph.name,
        graph.net_inputs,
        graph.v1,
        [(l.index, l.name, l.type, l.bottoms, l.tops, id(l.node), l.inputs, l.outputs) for l in graph.layers],
        [(v, None if l is None else l.index) for v, l in graph.producer.items()],
        [(v, [l.index for l in ls]) for v, ls in graph.readers.items()],
    )


def outcome(build: Callable[[Document, str], Graph], doc: Document, phase: str) -> tuple[object, ...]:
    """("graph", its summary) or ("error", class name, message)."""
    try:
        return ("graph", graph_summary(build(doc, phase)))
    except Caffe2TrtError as exc:
        return ("error", type(exc).__name__, str(exc))


def assert_same_graph(text: str, phase: str = "TEST") -> tuple[object, ...]:
    doc = parse(text, "net.prototxt")
    fast = outcome(build_graph, doc, phase)
    assert fast == outcome(reference_graph, doc, phase)
    return fast


@pytest.mark.parametrize("path", PROTOTXTS, ids=lambda p: str(p.relative_to(FIXTURES)))
@pytest.mark.parametrize("phase", ["TEST", "TRAIN"])
def test_fixture_graphs_match_the_general_accessors(path: Path, phase: str) -> None:
    assert_same_graph(path.read_text(encoding="utf-8"), phase)


HEAD = 'name: "n"\ninput: "data"\n'

#: Layers written in ways only the general accessors read, and layers with errors whose
#: order matters (name, then type, then duplicate names, then bottoms and tops).
UNUSUAL_NETS = {
    "scalar_list_tops": HEAD + 'layer { name: "s" type: "Slice" bottom: "data" top: ["a", "b"] }\n'
    'layer { name: "c" type: "Concat" bottom: ["a", "b"] top: "c" }',
    "escaped_and_adjacent": HEAD + 'layer { name: "r\\x65lu" type: "Re" "LU" bottom: "da" \'ta\' top: "d\\141ta" }',
    "message_list_name": HEAD + 'layer { name: [{ a: 1 }] type: "ReLU" bottom: "data" top: "data" }',
    "message_bottom": HEAD + 'layer { name: "r" type: "ReLU" bottom { a: 1 } top: "data" }',
    "bare_bottom": HEAD + 'layer { name: "r" type: "ReLU" bottom: data top: "data" }',
    "bad_name_and_bottom": HEAD + 'layer { name: nope type: "ReLU" bottom: data top: "data" }',
    "bad_type_and_bottom": HEAD + 'layer { name: "r" type: { } bottom: data top: "data" }',
    "bare_type": HEAD + 'layer { name: "r" type: ReLU bottom: "data" top: "data" }',
    "repeated_name_and_type": HEAD + 'layer { name: "x" name: "r" type: "Conv" type: "ReLU" bottom: "data" top: "o" }',
    "missing_bottom": HEAD + 'layer { name: "r" type: "ReLU" bottom: "nothing" top: "data" }',
    "duplicate_weighted": HEAD + 'layer { name: "c" type: "Convolution" bottom: "data" top: "a" }\n'
    'layer { name: "c" type: "Convolution" bottom: "a" top: "b" }',
    "duplicate_weightless": HEAD + 'layer { name: "r" type: "ReLU" bottom: "data" top: "data" }\n'
    'layer { name: "r" type: "ReLU" bottom: "data" top: "data" }',
    "duplicate_then_bad_bottom": HEAD + 'layer { name: "c" type: "Scale" bottom: "data" top: "a" }\n'
    'layer { name: "c" type: "Scale" bottom: data top: "b" }',
    "rules": HEAD + 'layer { name: "t" type: "ReLU" bottom: "data" top: "t" include { phase: TRAIN } }\n'
    'layer { name: "e" type: "ReLU" bottom: "data" top: "e" exclude { phase: TEST } }\n'
    'layer { name: "k" type: "ReLU" bottom: "data" top: "k" exclude { phase: TRAIN } }\n'
    'layer { name: "bad" type: "ReLU" bottom: missing top: "z" include { phase: TRAIN } }',
    "no_name_no_type": HEAD + 'layer { bottom: "data" top: "data" }\nlayer { }',
    "scalar_layer": HEAD + "layer: 5\n",
    "v1": HEAD + 'layers { name: "c" type: CONVOLUTION bottom: "data" top: "c" }\n'
    'layers { name: "r" type: "RELU" bottom: "c" top: "c" }',
    "in_place_chain": HEAD + "".join(
        f'layer {{ name: "l{i}" type: "ReLU" bottom: "data" top: "data" }}\n' for i in range(5)
    ),
    # A bare type is read as an enum; a bare bottom is an error, even with the same text.
    "blob_named_like_a_type": HEAD + 'layer { name: "a" type: "ReLU" bottom: "data" top: "ReLU" }\n'
    'layer { name: "b" type: ReLU bottom: "ReLU" top: "out" }\n'
    'layer { name: "c" type: "ReLU" bottom: ReLU top: "x" }',
}


@pytest.mark.parametrize("name", sorted(UNUSUAL_NETS))
@pytest.mark.parametrize("phase", ["TEST", "TRAIN"])
def test_unusual_layers_build_as_the_general_accessors_say(name: str, phase: str) -> None:
    assert_same_graph(UNUSUAL_NETS[name], phase)


def test_unusual_nets_cover_both_outcomes() -> None:
    # The cases above are meant to exercise both built graphs and every kind of error.
    results = [assert_same_graph(text) for text in UNUSUAL_NETS.values()]
    errors = [str(result[2]) for result in results if result[0] == "error"]
    assert sum(1 for result in results if result[0] == "graph") >= 7
    assert any("duplicate layer name" in e for e in errors)
    assert any("'name': given twice" in e for e in errors)  # Caffe's parser refuses it (issue 14)
    assert any("has no 'type' field" in e for e in errors)
    assert any("is not produced" in e for e in errors)
    assert any("expected a string" in e for e in errors)


def test_the_layer_scan_reads_plain_layers_and_declines_the_unusual_ones() -> None:
    """The comparisons above cover both paths of the layer reading: the one-pass scan
    reads every layer of the fixture nets, and declines (to the general accessors) a
    layer of each unusual net written in a way only they read in the right order."""
    scanned = 0
    for path in PROTOTXTS:
        doc = parse(path.read_text(encoding="utf-8"), str(path))
        v1 = bool(doc.all("layers")) and not doc.all("layer")
        for node in doc.all("layers" if v1 else "layer"):
            assert _layer_fields(node, {}, _SINGULAR_V1 if v1 else _SINGULAR) is not None, (path, node.line)
            scanned += 1
    assert scanned > 1000
    declined = {
        name
        for name, text in UNUSUAL_NETS.items()
        for node in parse(text).all("layer")
        if node.children is not None and _layer_fields(node, {}, _SINGULAR) is None
    }
    assert {"scalar_list_tops", "message_list_name", "message_bottom", "bare_bottom", "repeated_name_and_type"} <= declined


def test_escaped_and_adjacent_strings_decode() -> None:
    kind, summary = assert_same_graph(UNUSUAL_NETS["escaped_and_adjacent"])
    assert kind == "graph"
    layers = summary[4]  # type: ignore[index]
    assert layers[0][1:5] == ("relu", "ReLU", ["data"], ["data"])


def test_random_layer_soups_build_as_the_general_accessors_say() -> None:
    rng = random.Random(11)
    blobs = ['"data"', '"a"', '"b"', "'a'", '"d" "ata"', "data", '["a", "b"]', "{ }"]
    fields = ["name", "type", "bottom", "top", "include { phase: TEST }", "exclude { phase: TEST }"]
    types = ['"Convolution"', '"ReLU"', "ReLU", '"Scale"', '"Sc" "ale"']
    for _ in range(400):
        layers = []
        for _ in range(rng.randint(1, 6)):
            parts = []
            for _ in range(rng.randint(0, 6)):
                field = rng.choice(fields)
                if field == "name":
                    parts.append(f'name: "{rng.choice("xyz")}"')
                elif field == "type":
                    parts.append(f"type: {rng.choice(types)}")
                elif field in ("bottom", "top"):
                    parts.append(f"{field}: {rng.choice(blobs)}")
                else:
                    parts.append(field)
            layers.append("layer { " + " ".join(parts) + " }")
        assert_same_graph(HEAD + "\n".join(layers), rng.choice(["TEST", "TRAIN"]))


# --------------------------------------------------------------------------- import


def test_reading_a_plain_net_compiles_no_rare_pattern() -> None:
    code = textwrap.dedent(
        """
        import caffe2trt_bn.io.prototxt as p
        from caffe2trt_bn.io.prototxt import edits, lexer, parser, tree
        lazy = {
            name: getattr(module, name)
            for module in (lexer, tree, parser, edits)
            for name in dir(module)
            if name.endswith("_re") and hasattr(getattr(module, name), "cache_info")
        }
        assert {"_token_re", "_escape_re", "_quote_re", "_string_piece_re", "_special_float_re"} <= set(lazy), sorted(lazy)
        doc = p.parse('name: "n"\\nlayer { name: "c" type: "Convolution" convolution_param { num_output: 8 } }\\n')
        layer = doc.get("layer")
        assert layer.get_string("name") == "c" and layer.get("convolution_param").get_int("num_output") == 8
        compiled = sorted(name for name, get in lazy.items() if get.cache_info().currsize)
        assert compiled == [], compiled
        p.parse("dim: [1, 2]").get("dim").values()
        assert lazy["_token_re"].cache_info().currsize == 1
        """
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=False)
    assert result.returncode == 0, result.stderr
