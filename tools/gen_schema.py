#!/usr/bin/env python3
"""Generates ``caffe2trt_bn/ir/schema.py`` from ``proto/caffe.proto``.

The generated module holds one frozen, slotted dataclass per proto message, with
Caffe's defaults written only there (float fields float32-rounded, as Caffe stores
them), a ``FIELDS`` table of :class:`~caffe2trt_bn.ir.spec.FieldSpec` per message and
the proto's enums.  The parser below reads the proto2 subset ``caffe.proto`` uses
(``syntax``, ``package``, top-level and nested ``enum`` and ``message``,
``optional``/``required``/``repeated`` fields, the ``default`` and ``packed``
options, ``//`` and ``/* */`` comments) and refuses anything else, so it needs neither
protobuf nor protoc and runs anywhere Python does.

Usage: ``python tools/gen_schema.py`` (writes the module); ``--check`` exits 1 when
the committed module differs from a fresh generation; ``--stdout`` prints it.
"""

from __future__ import annotations

import argparse
import keyword
import re
import struct
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: The protos read, in order: BVLC's schema (with the extensions it documents), then the
#: fork messages read from prototxts by name only.
PROTOS = (ROOT / "proto" / "caffe.proto", ROOT / "proto" / "caffe_forks.proto")
OUTPUT = ROOT / "caffe2trt_bn" / "ir" / "schema.py"

SCALAR_KINDS = {
    "int32": "int", "int64": "int", "uint32": "int", "uint64": "int",
    "sint32": "int", "sint64": "int", "fixed32": "int", "fixed64": "int",
    "sfixed32": "int", "sfixed64": "int",
    "float": "float", "double": "double", "bool": "bool", "string": "string", "bytes": "bytes",
}
PY_TYPES = {"int": "int", "float": "float", "double": "float", "bool": "bool", "string": "str", "bytes": "bytes", "enum": "str"}

_TOKEN = re.compile(
    r"""
    (?P<space>\s+|//[^\n]*|/\*.*?\*/)
  | (?P<string>"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')
  | (?P<number>[-+]?(?:0[xX][0-9A-Fa-f]+|(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?))
  | (?P<ident>[A-Za-z_][A-Za-z0-9_.]*)
  | (?P<punct>[{}=;\[\],])
    """,
    re.VERBOSE | re.DOTALL,
)


class ProtoError(Exception):
    """A construct outside the supported subset, or a malformed file."""


@dataclass
class Token:
    kind: str
    text: str
    line: int


@dataclass
class EnumDef:
    name: str  # full name: "Phase", "PoolingParameter.PoolMethod"
    values: dict[str, int]


@dataclass
class FieldDef:
    label: str
    type: str
    name: str
    number: int
    default: str | None = None
    packed: bool = False
    line: int = 0


@dataclass
class MessageDef:
    name: str
    line: int
    fields: list[FieldDef] = field(default_factory=list)
    enums: dict[str, EnumDef] = field(default_factory=dict)  # short name -> enum


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    pos = 0
    line = 1
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None:
            raise ProtoError(f"line {line}: unexpected character {text[pos]!r}")
        kind = match.lastgroup
        assert kind is not None
        if kind != "space":
            tokens.append(Token(kind, match.group(), line))
        line += match.group().count("\n")
        pos = match.end()
    return tokens


class Parser:
    """Recursive-descent parser of the proto2 subset (see the module docstring)."""

    def __init__(self, text: str) -> None:
        self.tokens = tokenize(text)
        self.pos = 0
        self.messages: list[MessageDef] = []
        self.enums: dict[str, EnumDef] = {}  # top-level, by name

    def peek(self) -> Token | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def next(self) -> Token:
        token = self.peek()
        if token is None:
            raise ProtoError("unexpected end of file")
        self.pos += 1
        return token

    def expect(self, text: str) -> Token:
        token = self.next()
        if token.text != text:
            raise ProtoError(f"line {token.line}: expected {text!r}, found {token.text!r}")
        return token

    def ident(self) -> Token:
        token = self.next()
        if token.kind != "ident":
            raise ProtoError(f"line {token.line}: expected a name, found {token.text!r}")
        return token

    def parse(self) -> None:
        while (token := self.peek()) is not None:
            if token.text == "syntax":
                self.next()
                self.expect("=")
                value = self.next()
                if value.text.strip("\"'") != "proto2":
                    raise ProtoError(f"line {value.line}: only proto2 is supported")
                self.expect(";")
            elif token.text == "package":
                self.next()
                self.ident()
                self.expect(";")
            elif token.text == "enum":
                enum = self.enum(prefix="")
                self.enums[enum.name] = enum
            elif token.text == "message":
                self.message(prefix="")
            else:
                raise ProtoError(f"line {token.line}: unsupported construct {token.text!r}")

    def enum(self, prefix: str) -> EnumDef:
        self.expect("enum")
        name = self.ident().text
        self.expect("{")
        values: dict[str, int] = {}
        while self.peek() is not None and self.peek().text != "}":  # type: ignore[union-attr]
            value_name = self.ident()
            self.expect("=")
            number = self.next()
            if number.kind != "number":
                raise ProtoError(f"line {number.line}: expected an enum number, found {number.text!r}")
            if value_name.text in values:
                raise ProtoError(f"line {value_name.line}: enum value {value_name.text} defined twice")
            values[value_name.text] = int(number.text, 0)
            self.expect(";")
        self.expect("}")
        return EnumDef(prefix + name, values)

    def message(self, prefix: str) -> None:
        start = self.expect("message")
        name = self.ident().text
        if prefix:
            raise ProtoError(f"line {start.line}: nested messages are not supported ({prefix}{name})")
        msg = MessageDef(name, start.line)
        self.expect("{")
        while (token := self.peek()) is not None and token.text != "}":
            if token.text == "enum":
                enum = self.enum(prefix=name + ".")
                msg.enums[enum.name.rsplit(".", 1)[1]] = enum
            elif token.text in ("optional", "required", "repeated"):
                msg.fields.append(self.field_def())
            else:
                raise ProtoError(f"line {token.line}: unsupported construct {token.text!r} in message {name}")
        self.expect("}")
        self.messages.append(msg)

    def field_def(self) -> FieldDef:
        label = self.next()
        type_name = self.ident().text
        name = self.ident()
        self.expect("=")
        number = self.next()
        if number.kind != "number":
            raise ProtoError(f"line {number.line}: expected a field number, found {number.text!r}")
        f = FieldDef(label.text, type_name, name.text, int(number.text, 0), line=name.line)
        if self.peek() is not None and self.peek().text == "[":  # type: ignore[union-attr]
            self.next()
            while True:
                option = self.ident()
                self.expect("=")
                value = self.next()
                if option.text == "default":
                    f.default = value.text
                elif option.text == "packed":
                    if value.text not in ("true", "false"):
                        raise ProtoError(f"line {value.line}: packed must be true or false")
                    f.packed = value.text == "true"
                else:
                    raise ProtoError(f"line {option.line}: unsupported field option {option.text!r}")
                if self.next().text == "]":
                    break
        self.expect(";")
        if keyword.iskeyword(f.name):
            raise ProtoError(f"line {f.line}: field name {f.name!r} is a Python keyword")
        return f


def float32(value: float) -> float:
    """``value`` rounded to the nearest float32, as Caffe stores a float field."""
    try:
        return float(struct.unpack("<f", struct.pack("<f", value))[0])
    except OverflowError:
        return float("inf") if value > 0 else float("-inf")


@dataclass
class Resolved:
    kind: str
    enum: EnumDef | None = None
    message: str | None = None


def generate(sources: list[tuple[str, str]]) -> str:
    """The text of ``schema.py`` for the protos ``sources`` (``(text, path)`` pairs).

    The protos share one namespace (``caffe``): a later one may use the messages and
    enums of an earlier one.
    """
    parser = Parser("")
    origin: dict[str, str] = {}
    for text, path in sources:
        one = Parser(text)
        one.parse()
        for msg in one.messages:
            if msg.name in origin:
                raise ProtoError(f"{path}: message {msg.name} is already defined in {origin[msg.name]}")
            origin[msg.name] = path
        parser.messages += one.messages
        parser.enums.update(one.enums)
    source = " and ".join(path for _, path in sources)
    messages = {m.name: m for m in parser.messages}

    def resolve(msg: MessageDef, f: FieldDef) -> Resolved:
        if f.type in SCALAR_KINDS:
            return Resolved(SCALAR_KINDS[f.type])
        if f.type in msg.enums:
            return Resolved("enum", enum=msg.enums[f.type])
        if f.type in parser.enums:
            return Resolved("enum", enum=parser.enums[f.type])
        if f.type in messages:
            return Resolved("message", message=f.type)
        raise ProtoError(f"line {f.line}: unknown type {f.type!r} of field {msg.name}.{f.name}")

    # Messages in dependency order: a sub-message's default instance is a class default.
    ordered: list[MessageDef] = []
    state: dict[str, int] = {}

    def visit(msg: MessageDef, trail: tuple[str, ...]) -> None:
        if state.get(msg.name) == 2:
            return
        if state.get(msg.name) == 1:
            raise ProtoError(f"recursive messages are not supported: {' -> '.join((*trail, msg.name))}")
        state[msg.name] = 1
        for f in msg.fields:
            r = resolve(msg, f)
            if r.message is not None and f.label != "repeated":
                visit(messages[r.message], (*trail, msg.name))
        state[msg.name] = 2
        ordered.append(msg)

    for msg in parser.messages:
        visit(msg, ())

    all_enums: list[EnumDef] = list(parser.enums.values())
    for msg in parser.messages:
        all_enums.extend(msg.enums.values())

    out: list[str] = [
        f'"""Caffe\'s messages as typed, frozen value classes: GENERATED from {source} by',
        "tools/gen_schema.py; do not edit (run ``python tools/gen_schema.py`` after editing the proto).",
        "",
        "Attributes are the proto's field names with Caffe's defaults; an enum field holds its",
        "value's name, a repeated field a tuple, a message field the sub-message (its default",
        "instance when absent).  Float fields hold float32-rounded values, as Caffe stores them.",
        '"""',
        "",
        "from __future__ import annotations",
        "",
        "from typing import ClassVar",
        "",
        "from .spec import FieldSpec, Message",
        "",
        "#: Every enum of the proto by full name (nested ones as ``Message.Enum``): name -> number.",
        "ENUMS: dict[str, dict[str, int]] = {",
    ]
    for enum in all_enums:
        out += _fit(f"    {enum.name!r}: {{", [f"{k!r}: {v}" for k, v in enum.values.items()], "},")
    out += ["}", ""]

    for msg in ordered:
        resolved = [(f, resolve(msg, f)) for f in msg.fields]
        out += ["", f"class {msg.name}(Message):", f'    """``{msg.name}`` ({origin[msg.name]}, line {msg.line})."""', ""]
        out += _fit("    __slots__ = (", [repr(name) for name in sorted(f.name for f in msg.fields)], ")", tuple_=True)
        out += _fit("    __match_args__ = (", [repr(f.name) for f in msg.fields], ")", tuple_=True)
        out.append("")
        params: list[str] = []
        sets: list[str] = []
        specs: list[str] = []
        for f, r in resolved:
            repeated = f.label == "repeated"
            default_value, default_src, annotation = _default(f, r, repeated)
            comment = ""
            if r.kind == "float" and f.default is not None and float(f.default) != default_value:
                comment = f"  # {f.default} as float32"
            out.append(f"    {f.name}: {annotation}{comment}")
            params.append(f"        {f.name}: {annotation} = {default_src},")
            sets.append(f"        _set(self, {f.name!r}, {f.name})")
            enum_ref = f"ENUMS[{r.enum.name!r}]" if r.enum is not None else "None"
            spec_default = "None" if r.kind == "message" and not repeated else default_src
            args = [repr(f.name), str(f.number), repr(f.label), repr(f.type), repr(r.kind), spec_default, enum_ref]
            specs += _fit(f"        {f.name!r}: FieldSpec(", [*args, repr(r.message), repr(f.packed)], "),")
        out.append("")
        out.append("    FIELDS: ClassVar[dict[str, FieldSpec]] = {")
        out += specs
        out.append("    }")
        enums = [f"{short!r}: ENUMS[{e.name!r}]" for short, e in msg.enums.items()]
        out += _fit("    ENUMS: ClassVar[dict[str, dict[str, int]]] = {", enums, "}")
        out.append("")
        if msg.fields:
            out.append("    def __init__(")
            out.append("        self,")
            out += params
            out.append("    ) -> None:")
            out.append("        _set = object.__setattr__")
            out += sets
        else:
            out.append("    def __init__(self) -> None:")
            out.append("        pass")
        out.append("")
        out.append("")
        out.append(f"#: The default instance of {msg.name} (what an absent field of that type reads as).")
        out.append(f"DEFAULT_{msg.name} = {msg.name}()")

    out += [
        "",
        "#: Every message class by its proto name.",
        "MESSAGES: dict[str, type[Message]] = {",
    ]
    for msg in parser.messages:
        out.append(f"    {msg.name!r}: {msg.name},")
    out += ["}", ""]
    return "\n".join(out)


#: Width of the generated lines (the project's line length, pyproject.toml [tool.ruff]).
LINE_LENGTH = 120


def _fit(head: str, items: list[str], tail: str, *, tuple_: bool = False) -> list[str]:
    """``head`` + the comma-separated ``items`` + ``tail`` on one line if it fits in
    :data:`LINE_LENGTH`; else ``head``, the items filled into lines one level deeper
    (each item ends with a comma), then ``tail`` on its own line.  ``tuple_``: a one-item
    tuple keeps its comma on one line."""
    one = ", ".join(items) + ("," if tuple_ and len(items) == 1 else "")
    if len(head) + len(one) + len(tail) <= LINE_LENGTH:
        return [f"{head}{one}{tail}"]
    indent = " " * (len(head) - len(head.lstrip()))
    lines = [head]
    line = ""
    for item in items:
        if line and len(indent) + 4 + len(line) + 1 + len(item) + 1 > LINE_LENGTH:
            lines.append(f"{indent}    {line}")
            line = ""
        line = f"{line} {item}," if line else f"{item},"
    lines += [f"{indent}    {line}", f"{indent}{tail}"]
    return lines


def _default(f: FieldDef, r: Resolved, repeated: bool) -> tuple[object, str, str]:
    """(Python default, its source text, the annotation) of field ``f``."""
    if r.kind == "message":
        if repeated:
            return (), "()", f"tuple[{r.message}, ...]"
        return None, f"DEFAULT_{r.message}", str(r.message)
    py = PY_TYPES[r.kind]
    if repeated:
        if f.default is not None:
            raise ProtoError(f"line {f.line}: a repeated field cannot have a default")
        return (), "()", f"tuple[{py}, ...]"
    raw = f.default
    value: object
    if r.kind == "enum":
        assert r.enum is not None
        if raw is None:
            value = next(iter(r.enum.values))  # proto2: the first value listed
        elif raw in r.enum.values:
            value = raw
        else:
            raise ProtoError(f"line {f.line}: default {raw!r} is not a value of {r.enum.name}")
    elif r.kind == "int":
        value = 0 if raw is None else int(raw, 0)
    elif r.kind in ("float", "double"):
        number = 0.0 if raw is None else float(raw)
        value = float32(number) if r.kind == "float" else number
    elif r.kind == "bool":
        if raw not in (None, "true", "false"):
            raise ProtoError(f"line {f.line}: bad bool default {raw!r}")
        value = raw == "true"
    elif r.kind == "string":
        value = "" if raw is None else _unquote(raw, f.line)
    else:  # bytes
        value = b"" if raw is None else _unquote(raw, f.line).encode()
    return value, repr(value), py


def _unquote(raw: str, line: int) -> str:
    if len(raw) < 2 or raw[0] not in "\"'" or raw[-1] != raw[0] or "\\" in raw:
        raise ProtoError(f"line {line}: unsupported string default {raw}")
    return raw[1:-1]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true", help="exit 1 if the committed schema.py is stale")
    ap.add_argument("--stdout", action="store_true", help="print the module instead of writing it")
    args = ap.parse_args(argv)
    text = generate([(p.read_text(encoding="utf-8"), p.relative_to(ROOT).as_posix()) for p in PROTOS])
    if args.stdout:
        sys.stdout.write(text)
        return 0
    if args.check:
        current = OUTPUT.read_text(encoding="utf-8") if OUTPUT.exists() else ""
        if current != text:
            print(f"{OUTPUT.relative_to(ROOT)} is stale: run python tools/gen_schema.py", file=sys.stderr)
            return 1
        return 0
    OUTPUT.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
