"""Lossless protobuf text format ("prototxt") tree: parse, inspect, edit, render.

Caffe nets are described in protobuf text format.  This project must read them without
Caffe and without a schema (Caffe forks add their own fields and layer types, old files use
``layers { type: CONVOLUTION }``), and it rewrites them (e.g. removes BatchNorm/Scale layers
that were folded into a convolution) while leaving everything the user wrote untouched:
comments, blank lines, indentation, field order, separators and quoting.  Hence a
*lossless* tree: :func:`parse` followed by :meth:`Document.render` gives back the input
byte for byte, and an edit changes only the text of the edited fields.

Model
-----
Every field occurrence is a :class:`Node`.  The text between tokens (whitespace and ``#``
comments, called *trivia*) is stored on the nodes: each node owns the trivia *before* its
name (``_lead``), the text between its name and its value (``_colon``: trivia and an
optional ``:``), an optional trailing ``;``/``,`` with the trivia before it (``_sep``), and a
message node owns the trivia before its closing ``}``/``>`` (``_close_lead``).  The
:class:`Document` owns the trivia after the last top-level field.  A scalar keeps its raw
source text in ``value`` (``'"conv1"'``, ``'1e-5'``, ``'[1, 2]'``, ``'"a" "b"'``); the
typed readers (:meth:`Node.string`, :meth:`Node.integer`, ...) decode it on demand.

A list of messages (``name: [{...}, {...}]``) is one child node whose elements are
message nodes with the same name; :meth:`Node.all`, :meth:`Node.get` and
:meth:`Node.walk` see the elements, as protobuf semantics say (the list equals repeated
``name {...}`` fields).

The tokenizer is one compiled regular expression; the parser is iterative (no recursion)
and refuses nesting deeper than :data:`MAX_DEPTH`.  Texts written in the plain subset
nets use (no lists, separators, ``<>``...) first take a one-match-per-field path that
builds the same tree; anything else, and every error, goes through the full parser.  Every syntax error is raised as
:class:`~caffe2trt_bn.errors.PrototxtSyntaxError` with the file, 1-based line and column.
"""

from __future__ import annotations

import copy
import functools
import itertools
import os
import re
from bisect import bisect_right
from dataclasses import dataclass, field
from typing import Callable, Iterable, Iterator, NoReturn, Sequence, overload

from ..errors import PrototxtSyntaxError, file_error
from ..policy import gc_paused

__all__ = [
    "MAX_DEPTH",
    "Document",
    "Node",
    "parse",
    "parse_file",
    "quote",
]

#: Deepest message nesting accepted (protobuf's own default recursion limit is 100).
MAX_DEPTH = 100


def _lazy_re(pattern: str, flags: int = 0) -> Callable[[], re.Pattern[str]]:
    """A function that returns ``re.compile(pattern, flags)``, compiled on its first call.

    Patterns only rare paths use (the full tokenizer, escapes, quoting, edits, errors)
    are compiled on first use, so that importing the module, which every command does,
    does not pay for them (the tokenizer alone takes most of a millisecond to compile).
    """
    return functools.cache(lambda: re.compile(pattern, flags))


# One token with the trivia before it: group 1 is the trivia, group 2 a well-formed token
# (identifier, "[ext.name]", punctuation, string, number, or the empty end of text) and
# group 3 anything else (a lone quote: unterminated string; other garbage).  The kind of a
# group-2 token follows from its first character (see _FIRST_KIND).  Only the full
# parser (texts outside the plain subset, every error) and scalar lists use it.
_token_re = _lazy_re(
    r"""
    ((?:[ \t\r\n\f\v\ufeff]+|\#[^\n]*)+)?
    (?:
        (   -?[ \t]*[A-Za-z_][A-Za-z0-9_]*
          | \[[ \t]*[A-Za-z_][\w.]*(?:/[\w.]+)*[ \t]*\]
          | [{}<>\[\]:;,]
          | "(?:[^"\\\n]|\\[^\n])*" | '(?:[^'\\\n]|\\[^\n])*'
          | -?[ \t]*(?:0[xX][0-9A-Fa-f]+|(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?[fF]?)(?![\w.])
          | \Z
        )
      | ([^ \t\r\n\f\v\ufeff{}<>\[\]:;,\#"']+|.)
    )
    """,
    re.VERBOSE,
)
# Token kinds: "id" (identifier), "ext" ("[a.b]"), "p" (punctuation), "str", "num"
# (numbers and "-inf"-like signed identifiers), "eof", "ustr" (unterminated string), "bad".
_FIRST_KIND = {
    **{c: "id" for c in "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_"},
    **{c: "num" for c in "0123456789.-"},
    **{c: "p" for c in "{}<>[]:;,"},
    '"': "str",
    "'": "str",
}
_SCALAR_KINDS = frozenset(("str", "num", "id"))

_newline_re = _lazy_re(r"\n")
# Rest of a line inside trivia: horizontal space, an optional comment, the line break.
_rest_of_line_re = _lazy_re(r"[ \t\r\f\v]*(?:#[^\n]*)?\n?")
_blank_line_re = _lazy_re(r"[ \t\r\f\v]*\n")
_name_re = _lazy_re(r"[A-Za-z_][A-Za-z0-9_]*\Z|\[[ \t]*[A-Za-z_][\w.]*(?:/[\w.]+)*[ \t]*\]\Z")
_string_piece_re = _lazy_re(r'"((?:[^"\\\n]|\\[^\n])*)"|\'((?:[^\'\\\n]|\\[^\n])*)\'')
_escape_re = _lazy_re(r"\\(?:([0-7]{1,3})|x([0-9A-Fa-f]{1,2})|u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|(.))", re.DOTALL)
_SIMPLE_ESCAPES = {
    "n": 10, "t": 9, "r": 13, "\\": 92, "'": 39, '"': 34, "?": 63, "a": 7, "b": 8, "f": 12, "v": 11,
}
_INT_RE = re.compile(r"(-?)[ \t]*(?:0[xX]([0-9A-Fa-f]+)|(0[0-7]*)|([1-9][0-9]*))\Z")
_FLOAT_RE = re.compile(r"-?[ \t]*(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?[fF]?\Z")
_special_float_re = _lazy_re(r"(-?)[ \t]*(inf|infinity|nan)[fF]?\Z", re.IGNORECASE)
_IDENT_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
# One double-quoted ASCII literal without escapes, almost every string in a net: its
# value is its text between the quotes, nothing to decode.
_PLAIN_STRING_MATCH = re.compile(r'"[\x00-\x09\x0b-\x21\x23-\x5b\x5d-\x7f]*"\Z').match
_BOOLS = {"true": True, "True": True, "t": True, "1": True,
          "false": False, "False": False, "f": False, "0": False}
_DEFAULT_UNIT = "  "


# --------------------------------------------------------------------------- tree


class _Container:
    """Accessors and edits shared by :class:`Node` (message nodes) and :class:`Document`."""

    __slots__ = ()
    children: list[Node] | None
    _close_lead: str

    # -- reading --------------------------------------------------------------------

    @property
    def is_message(self) -> bool:
        """True for a message (``name { ... }``) and for the document."""
        return self.children is not None

    def all(self, name: str) -> list[Node]:
        """Every occurrence of field ``name`` in order (elements of ``name: [{..}]`` included)."""
        out: list[Node] = []
        for child in self.children or ():
            if child.name == name:
                if child._items is not None:
                    out.extend(child._items)
                else:
                    out.append(child)
        return out

    def get(self, name: str) -> Node | None:
        """The last occurrence of field ``name`` (protobuf semantics for a singular field)."""
        for child in reversed(self.children or ()):
            if child.name == name:
                if child._items is None:
                    return child
                if child._items:
                    return child._items[-1]
        return None

    def walk(self) -> Iterator[Node]:
        """Every field below this one, depth first, in source order (list elements as nodes)."""
        stack = list(reversed(self.children or ()))
        while stack:
            node = stack.pop()
            if node._items is not None:
                stack.extend(reversed(node._items))
                continue
            yield node
            if node.children:
                stack.extend(reversed(node.children))

    @overload
    def get_string(self, name: str) -> str | None: ...
    @overload
    def get_string(self, name: str, default: str) -> str: ...
    def get_string(self, name: str, default: str | None = None) -> str | None:
        """Decoded string value of the last ``name`` field, or ``default`` if absent."""
        node = self.get(name)
        return default if node is None else node.string()

    @overload
    def get_int(self, name: str) -> int | None: ...
    @overload
    def get_int(self, name: str, default: int) -> int: ...
    def get_int(self, name: str, default: int | None = None) -> int | None:
        """Integer value of the last ``name`` field, or ``default`` if absent."""
        node = self.get(name)
        return default if node is None else node.integer()

    @overload
    def get_float(self, name: str) -> float | None: ...
    @overload
    def get_float(self, name: str, default: float) -> float: ...
    def get_float(self, name: str, default: float | None = None) -> float | None:
        """Numeric value of the last ``name`` field, or ``default`` if absent."""
        node = self.get(name)
        return default if node is None else node.number()

    @overload
    def get_bool(self, name: str) -> bool | None: ...
    @overload
    def get_bool(self, name: str, default: bool) -> bool: ...
    def get_bool(self, name: str, default: bool | None = None) -> bool | None:
        """Boolean value of the last ``name`` field, or ``default`` if absent."""
        node = self.get(name)
        return default if node is None else node.boolean()

    @overload
    def get_enum(self, name: str) -> str | None: ...
    @overload
    def get_enum(self, name: str, default: str) -> str: ...
    def get_enum(self, name: str, default: str | None = None) -> str | None:
        """Enum value (identifier) of the last ``name`` field, or ``default`` if absent."""
        node = self.get(name)
        return default if node is None else node.enum()

    def get_strings(self, name: str) -> list[str]:
        """Decoded strings of every ``name`` field, lists (``name: ["a", "b"]``) flattened."""
        out: list[str] = []
        for node in self.all(name):
            if node.value is not None and node.value.startswith("["):
                out.extend(node._decode_string(item) for item in node.values())
            else:
                out.append(node.string())
        return out

    def get_ints(self, name: str) -> tuple[int, ...]:
        """Every integer of repeated field ``name`` (``dim: 1 dim: 3`` or ``dim: [1, 3]``)."""
        return tuple(int(v) for v in self._scalars(name, Node.integer, "an integer"))

    def get_floats(self, name: str) -> tuple[float, ...]:
        """Every number of repeated field ``name`` (``loss_weight: 1 loss_weight: 0`` or a list)."""
        return tuple(float(v) for v in self._scalars(name, Node.number, "a number"))

    def _scalars(self, name: str, read: Callable[[Node], float], what: str) -> list[float]:
        values: list[float] = []
        for field_node in self.all(name):
            for raw in field_node.values():
                try:
                    values.append(read(Node(name, raw)))
                except PrototxtSyntaxError:
                    # The throwaway node knows no file or line: report on the field as written.
                    field_node._error(f"expected {what}, found {raw}")
        return values

    # -- rendering ------------------------------------------------------------------

    def _render_body(self, out: list[str]) -> None:
        _render_children(self.children or (), out)
        out.append(self._close_lead)

    def _is_one_line(self) -> bool:
        out: list[str] = []
        self._render_body(out)
        return not any("\n" in part for part in out)

    # -- editing --------------------------------------------------------------------

    def _path_of(self) -> str | None:
        raise NotImplementedError

    def _is_document(self) -> bool:
        return False

    def _kids(self) -> list[Node]:
        if self.children is None:
            raise ValueError("not a message: a scalar field has no children")
        return self.children

    def _index_of(self, node: Node) -> int:
        try:
            return self._kids().index(node)  # nodes compare by identity (eq=False)
        except ValueError:
            return -1

    def _set_trivia_after(self, index: int, text: str) -> None:
        """Sets the trivia that follows child ``index`` (the next lead or the closing trivia)."""
        kids = self._kids()
        if index + 1 < len(kids):
            kids[index + 1]._lead = text
        else:
            self._close_lead = text

    def _trivia_after(self, index: int) -> str:
        kids = self._kids()
        return kids[index + 1]._lead if index + 1 < len(kids) else self._close_lead

    def remove(self, node: Node) -> None:
        """Removes child ``node`` (a direct child, or an element of a child message list).

        What goes with the node, so the rest keeps its line structure:

        * The node alone on its line(s) (only trivia before it on its first line and after
          it on its last line): its whole lines go, including a trailing comment on its last
          line and the comment lines directly above it (no blank line in between).  A blank
          line above those comments belongs to the previous content and stays, except that
          the removal never leaves two blank lines in a row (the blank line below is then
          dropped), nor a blank line right after the opening ``{`` line / at the start of the
          file (the blank line below is dropped), nor a blank line right before the closing
          ``}`` / at the end of the file (the blank line above is dropped).  If the node ended
          the file without a final line break, the file still ends without one.
        * The node shares its line with other tokens: only the node's text (name, value,
          its ``;``/``,``) goes, with the spaces that separated it on one side, so
          ``a { x: 1 } b { x: 2 } c { x: 3 }`` minus ``b`` is ``a { x: 1 } c { x: 3 }``.
          Comments are kept.
        * An element of ``name: [{..}, {..}]``: the element and the comma before it (the
          comma after it if it was first) go; an emptied list stays as ``name: []``.

        Raises ValueError if ``node`` is not a child of this message.
        """
        kids = self._kids()
        index = self._index_of(node)
        if index < 0:
            self._remove_from_list(node, kids)
            return
        count = len(kids)
        after = kids[index + 1]._lead if index + 1 < count else self._close_lead
        region = _removal_region(node._lead, after, self._is_document(), index == 0, index == count - 1)
        del kids[index]
        if index < len(kids):
            kids[index]._lead = region
        else:
            self._close_lead = region

    def remove_many(self, nodes: Iterable[Node]) -> None:
        """Removes each of ``nodes`` exactly as :meth:`remove` would, one after the other
        (so the text is the same), in time linear in the children and the nodes.

        :meth:`remove` finds its node by a scan of the children and deletes it from their
        list; removing many layers that way costs the number of layers squared.  Here the
        children are indexed once, each removal updates the trivia of the next child still
        present (a linked list of the survivors), and the list is rebuilt once at the end.
        Raises ValueError, like :meth:`remove`, for a node that is not (or no longer) a
        child; the nodes before it are removed.
        """
        kids = self._kids()
        count = len(kids)
        position = {id(kid): i for i, kid in enumerate(kids)}
        # Neighbours still present: prev[i] (-1: none) and nxt[i] (count: none).
        prev = list(range(-1, count - 1))
        nxt = list(range(1, count + 1))
        gone = [False] * count
        is_doc = self._is_document()
        try:
            for node in nodes:
                i = position.get(id(node), -1)
                if i < 0 or gone[i]:
                    self._remove_from_list(node, (kid for kid, removed in zip(kids, gone) if not removed))
                    continue
                j = nxt[i]
                after = kids[j]._lead if j < count else self._close_lead
                region = _removal_region(node._lead, after, is_doc, prev[i] < 0, j == count)
                gone[i] = True
                if prev[i] >= 0:
                    nxt[prev[i]] = j
                if j < count:
                    prev[j] = prev[i]
                    kids[j]._lead = region
                else:
                    self._close_lead = region
        finally:
            kids[:] = [kid for kid, removed in zip(kids, gone) if not removed]

    def _remove_from_list(self, node: Node, kids: Iterable[Node]) -> None:
        """Removes ``node`` from the message list (``name: [{..}]``) among ``kids`` holding it."""
        for child in kids:
            if child._items is not None and any(item is node for item in child._items):
                _remove_list_item(child, node)
                return
        raise ValueError(f"field {node.name!r} is not a child of this message")

    def insert(
        self,
        index: int,
        name: str,
        value: str | None = None,
        children: Sequence[Node] | None = None,
    ) -> Node:
        """Inserts a new field before child ``index`` (list.insert semantics) and returns it.

        Give ``value`` (raw scalar text, e.g. ``'64'``, ``quote("conv1")``, ``'MAX'``) for a
        scalar field, or ``children`` (possibly empty) for a message field; the given child
        nodes are copied and laid out anew (their own trivia is dropped).

        Layout, in the style of the siblings:

        * A message written on one line (``{ a: 1 b: 2 }``, ``{}``): the field goes inline,
          separated by one space; a new message renders as ``name { child: v }``.
        * Otherwise (and always at the top level): the field goes on a line of its own, right
          after the line of the previous sibling (after its trailing comment), with the
          indentation of that line, preceded by a blank line if the previous sibling was
          itself preceded by one.  At index 0 it goes right after the opening line (before
          the comments of the old first child), at the very top of a document.  In an empty
          multi-line message its indentation is the closing brace's plus one unit (the
          file's indentation unit, else two spaces).  A new message renders as
          ``name {\\n<indent+unit>child: v\\n<indent>}``; an empty one as
          ``name {\\n<indent>}`` so fields appended to it go on their own lines.

        Line ends follow the file (CRLF if it uses CRLF).  New nodes have line 0, column 0.
        """
        if (value is None) == (children is None):
            raise ValueError("give exactly one of value (scalar field) or children (message field)")
        node = _new_node(name, value, children, self._path_of())
        self._insert_node(index, node)
        return node

    def append(
        self, name: str, value: str | None = None, children: Sequence[Node] | None = None
    ) -> Node:
        """Appends a new last field and returns it; see :meth:`insert` for the layout."""
        return self.insert(len(self._kids()), name, value, children)

    def append_message(self, name: str) -> Node:
        """Appends a new empty message field ``name`` and returns it, ready for appends."""
        return self.append(name, children=[])

    def set(self, name: str, raw: str) -> Node:
        """Sets the raw value of the last ``name`` field, or appends it if absent."""
        node = self.get(name)
        if node is None:
            return self.append(name, raw)
        node.set_value(raw)
        return node

    def replace(self, old: Node, new_text: str) -> Node:
        """Replaces child ``old`` by the single field parsed from ``new_text``; returns it.

        The new field keeps ``old``'s leading trivia (its comments and indentation) and,
        if ``new_text`` has none, its ``;``/``,`` separator.  Whitespace and comments around
        the field in ``new_text`` are dropped; lines inside it are indented by ``old``'s
        indentation and get the file's line ends.  Raises ValueError if ``old`` is not a
        direct child or ``new_text`` does not hold exactly one field, and
        PrototxtSyntaxError if ``new_text`` is not valid text format.
        """
        return self.replace_many([(old, new_text)])[0]

    def replace_many(self, replacements: Sequence[tuple[Node, str]]) -> list[Node]:
        """:meth:`replace` for each ``(old, new_text)`` pair, in time linear in the
        children and the replacements (the children are indexed once; a replacement
        keeps every index).  Returns the new fields in order.  Every ``old`` is checked
        to be a direct child before anything is replaced (ValueError otherwise).
        """
        kids = self._kids()
        position = {id(kid): i for i, kid in enumerate(kids)}
        indices = []
        for old, _ in replacements:
            index = position.get(id(old), -1)
            if index < 0:
                raise ValueError(f"field {old.name!r} is not a direct child of this message")
            indices.append(index)
        newline = self._newline() if replacements else "\n"
        return [self._replace_at(index, new_text, newline) for index, (_, new_text) in zip(indices, replacements)]

    def _replace_at(self, index: int, new_text: str, newline: str) -> Node:
        """Replaces child ``index`` (see :meth:`replace`); ``newline`` is :meth:`_newline`."""
        kids = self._kids()
        old = kids[index]
        if newline == "\r\n" and "\r\n" not in new_text:
            new_text = new_text.replace("\n", "\r\n")
        parsed = parse(new_text)
        if len(parsed.children) != 1 or parsed.children[0]._items is not None:
            raise ValueError(f"replacement text must hold exactly one field, found {len(parsed.children)}")
        new = parsed.children[0]
        lead = old._lead
        indent = lead[lead.rfind("\n") + 1:] if "\n" in lead else ""
        path = self._path_of()
        for node in _subtree(new):
            node.line = node.column = 0
            node._path = path
            if indent:
                for attr in ("_lead", "_colon", "_sep", "_close_lead", "value"):
                    text = getattr(node, attr)
                    if text and "\n" in text and not (node is new and attr == "_lead"):
                        setattr(node, attr, re.sub(r"\n(?![\r\n])", "\n" + indent, text))
        new._lead = lead
        if not new._sep:
            new._sep = old._sep
        kids[index] = new
        return new

    def _newline(self) -> str:
        """The line end this container uses: CRLF if its first line break is CRLF."""
        # Usually found in the first lead: no list of every child's lead is built.
        for text in itertools.chain((child._lead for child in self._kids()), (self._close_lead,)):
            at = text.find("\n")
            if at >= 0:
                return "\r\n" if at > 0 and text[at - 1] == "\r" else "\n"
        return "\n"

    def _unit(self) -> str:
        """Indentation unit: from a multi-line message child, else two spaces."""
        for child in self._kids()[:50]:
            unit = _own_unit(child)
            if unit:
                return unit
        if isinstance(self, Node):
            unit = _own_unit(self)
            if unit:
                return unit
        return _DEFAULT_UNIT

    def _insert_node(self, index: int, node: Node) -> None:
        kids = self._kids()
        count = len(kids)
        if index < 0:
            index = max(0, count + index)
        index = min(index, count)
        is_doc = self._is_document()
        if not is_doc and self._is_one_line():
            if index > 0:
                node._lead = " "
            elif kids:
                node._lead = kids[0]._lead
                kids[0]._lead = " "
            else:
                node._lead = " "
                if not self._close_lead:
                    self._close_lead = " "
            _layout(node, "", "", "", inline=True)
            kids.insert(index, node)
            return
        newline = self._newline()
        unit = self._unit()
        if kids and index > 0:
            indent = _line_indent(kids, index - 1)
            if indent is None:  # the previous sibling sits on the opening line
                indent = "" if is_doc else _close_indent(self) + unit
            trivia = self._trivia_after(index - 1)
            head, tail = _split_rest_of_line(trivia)
            prev_lead = kids[index - 1]._lead
            blank = newline if index - 1 >= 1 and _is_blank_separated(prev_lead) else ""
            node._lead = head + newline + blank + indent
            self._set_trivia_after(index - 1, tail)
        elif kids:
            first = kids[0]
            trivia = first._lead
            if is_doc:
                bom = "\ufeff" if trivia.startswith("\ufeff") else ""
                node._lead = bom
                first._lead = newline + trivia[len(bom):]
                indent = ""
            elif "\n" in trivia:
                head, tail = _split_rest_of_line(trivia)
                indent = trivia[trivia.rfind("\n") + 1:]
                node._lead = head + newline + indent
                first._lead = tail
            else:
                indent = _close_indent(self) + unit
                node._lead = trivia
                first._lead = " "
        else:
            trivia = self._close_lead
            if is_doc:
                if trivia and not trivia.endswith("\n"):
                    trivia += newline
                node._lead = trivia
                self._close_lead = newline
                indent = ""
            else:
                head, tail = _split_rest_of_line(trivia)
                indent = _close_indent(self) + unit
                node._lead = head + newline + indent
                self._close_lead = tail
        _layout(node, indent, unit, newline, inline=False)
        kids.insert(index, node)


@dataclass(eq=False, repr=False, slots=True)
class Node(_Container):
    """One field occurrence: ``name: value`` (scalar) or ``name { ... }`` (message).

    ``value`` is the raw source text of a scalar (``'"conv1"'``, ``'1e-5'``, ``'MAX'``,
    ``'[1, 2]'``) and None for a message; ``children`` is the list of fields of a message
    and None for a scalar.  ``line`` and ``column`` (1-based) locate the name in the parsed
    text (0 for nodes created by editing).  The other attributes are trivia kept so that
    rendering reproduces the source exactly.
    """

    name: str
    value: str | None = None
    children: list[Node] | None = None
    line: int = 0
    column: int = 0
    _lead: str = field(default="", init=False)
    _colon: str = field(default=": ", init=False)
    _open: str = field(default="{", init=False)
    _close_lead: str = field(default="", init=False)
    _close: str = field(default="}", init=False)
    _sep: str = field(default="", init=False)
    # Elements of a message list (``name: [{..}, {..}]``); None otherwise.
    _items: list[Node] | None = field(default=None, init=False)
    # True for an element of a message list: rendered without name and colon.
    _item: bool = field(default=False, init=False)
    _path: str | None = field(default=None, init=False)

    def __repr__(self) -> str:
        if self.children is not None:
            body = f"children={len(self.children)}"
        elif self._items is not None:
            body = f"items={len(self._items)}"
        else:
            body = f"value={self.value!r}"
        return f"Node({self.name!r}, {body}, line={self.line}, column={self.column})"

    def _path_of(self) -> str | None:
        return self._path

    @property
    def is_list(self) -> bool:
        """True for ``name: [...]`` (a scalar list, or a message list container)."""
        return self._items is not None or (self.value is not None and self.value.startswith("["))

    def render(self) -> str:
        """This field's source text, without the trivia before it."""
        out: list[str] = []
        _render_node(self, out)
        return "".join(out)[len(self._lead):]

    # -- typed reads ----------------------------------------------------------------

    def _error(self, message: str) -> NoReturn:
        raise PrototxtSyntaxError(
            f"field {self.name!r}: {message}",
            file=self._path,
            line=self.line or None,
            column=self.column or None,
        )

    def _scalar(self, what: str) -> str:
        if self.value is None:
            self._error(f"expected {what}, found a message")
        if self.value.startswith("["):
            self._error(f"expected {what}, found a list {self.value}")
        return self.value

    def _decode_string(self, raw: str) -> str:
        if _PLAIN_STRING_MATCH(raw):
            return raw[1:-1]
        if not raw or raw[0] not in "\"'":
            self._error(f"expected a string, found {raw}")
        out = bytearray()
        for match in _string_piece_re().finditer(raw):
            body = match.group(1) if match.group(1) is not None else match.group(2)
            try:
                _unescape_into(body, out)
            except ValueError as exc:
                self._error(str(exc))
        return out.decode("utf-8", "surrogateescape")

    def string(self) -> str:
        """Decoded string value (C escapes resolved, adjacent strings joined)."""
        raw = self.value
        if raw is not None and _PLAIN_STRING_MATCH(raw):
            return raw[1:-1]
        return self._decode_string(self._scalar("a string"))

    def integer(self) -> int:
        """Integer value (decimal, ``0x`` hex or leading-0 octal, optional ``-``)."""
        raw = self._scalar("an integer")
        match = _INT_RE.match(raw)
        if match is None:
            self._error(f"expected an integer, found {raw}")
        if match.group(2):
            number = int(match.group(2), 16)
        elif match.group(3):
            number = int(match.group(3), 8)
        else:
            number = int(match.group(4))
        return -number if match.group(1) else number

    def number(self) -> float:
        """Floating point value: ``1e-5``, ``.5``, ``2f``, integers, ``inf``, ``-inf``, ``nan``."""
        raw = self._scalar("a number")
        if _INT_RE.match(raw):
            return float(self.integer())
        if _FLOAT_RE.match(raw):
            return float(raw.replace(" ", "").replace("\t", "").rstrip("fF"))
        special = _special_float_re().match(raw)
        if special is None:
            self._error(f"expected a number, found {raw}")
        magnitude = float("nan") if special.group(2).lower() == "nan" else float("inf")
        return -magnitude if special.group(1) else magnitude

    def boolean(self) -> bool:
        """Boolean value: ``true``/``false``, ``True``/``False``, ``t``/``f``, ``1``/``0``."""
        raw = self._scalar("a boolean")
        try:
            return _BOOLS[raw]
        except KeyError:
            self._error(f"expected a boolean (true or false), found {raw}")

    def enum(self) -> str:
        """Enum value as written: an identifier such as ``MAX`` (an integer value as digits)."""
        raw = self._scalar("an enum value")
        if _IDENT_RE.match(raw) or _INT_RE.match(raw):
            return raw
        self._error(f"expected an enum value, found {raw}")

    def values(self) -> list[str]:
        """Raw items of a scalar list (``[1, 2]`` gives ``['1', '2']``); ``[value]`` otherwise."""
        if self.value is None:
            self._error("expected a scalar or a list of scalars, found a message")
        raw = self.value
        if not raw.startswith("["):
            return [raw]
        inner = raw[1:-1]
        items: list[str] = []
        start = end = -1
        previous_kind = ""
        for _, kind, token, offset in _tokenize(inner):
            if kind == "str" and previous_kind == "str":
                end = offset + len(token)
            elif kind in _SCALAR_KINDS:
                if start >= 0:
                    items.append(inner[start:end])
                start, end = offset, offset + len(token)
            previous_kind = kind
        if start >= 0:
            items.append(inner[start:end])
        return items

    # -- edits ----------------------------------------------------------------------

    def set_value(self, raw: str) -> None:
        """Replaces the raw value of this scalar field (e.g. ``'0.5'``, ``quote("x")``)."""
        if self.value is None:
            raise ValueError(f"field {self.name!r} is a message; set_value needs a scalar field")
        _check_scalar(raw)
        self.value = raw

    def set_string(self, text: str) -> None:
        """Sets this scalar field to the string ``text`` (quoted and escaped)."""
        self.set_value(quote(text))


@dataclass(eq=False, repr=False)
class Document(_Container):
    """A parsed prototxt: the top-level fields plus the trivia after the last one.

    ``render()`` gives back the parsed text byte for byte as long as nothing was edited.
    """

    children: list[Node] = field(default_factory=list)
    path: str | None = None
    # Trivia after the last top-level field (up to the end of the text).
    _close_lead: str = field(default="", init=False)

    def __repr__(self) -> str:
        return f"Document(path={self.path!r}, children={len(self.children)})"

    def _path_of(self) -> str | None:
        return self.path

    def _is_document(self) -> bool:
        return True

    def render(self) -> str:
        """The document's text (exactly the parsed text if nothing was edited)."""
        out: list[str] = []
        self._render_body(out)
        return "".join(out)


# --------------------------------------------------------------------------- rendering


def _render_children(children: Sequence[Node], out: list[str]) -> None:
    previous: Node | None = None
    for child in children:
        if not child._lead and previous is not None and _ends_with_word(previous):
            # Only after edits: keeps "a: 5" and a following "b: 1" from gluing into "5b".
            out.append(" ")
        _render_node(child, out)
        previous = child


def _ends_with_word(node: Node) -> bool:
    value = node.value
    return not node._sep and value is not None and value[-1:] not in ("\"", "'", "]")


def _render_node(node: Node, out: list[str]) -> None:
    out.append(node._lead)
    if not node._item:
        out.append(node.name)
        out.append(node._colon)
    if node.children is not None:
        out.append(node._open)
        _render_children(node.children, out)
        out.append(node._close_lead)
        out.append(node._close)
    elif node._items is not None:
        out.append("[")
        for item in node._items:
            _render_node(item, out)
        out.append(node._close_lead)
        out.append("]")
    else:
        out.append(node.value or "")
    out.append(node._sep)


# --------------------------------------------------------------------------- edit helpers


def _subtree(node: Node) -> Iterator[Node]:
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(current.children or ())
        stack.extend(current._items or ())


def _removal_region(before: str, after: str, is_doc: bool, is_first: bool, is_last: bool) -> str:
    """The trivia left between the neighbours of a removed child (see :meth:`_Container.remove`).

    ``before`` is the child's own leading trivia, ``after`` the trivia that follows it
    (the next child's lead, or the container's closing trivia); ``is_first``/``is_last``
    say whether it is the first/last child of its container (a document when ``is_doc``).
    """
    has_prev_token = not (is_doc and is_first)
    at_eof = is_doc and is_last
    rest = _rest_of_line_re().match(after)
    assert rest is not None
    starts_line = "\n" in before or not has_prev_token
    ends_line = rest.group().endswith("\n") or (at_eof and rest.end() == len(after))
    if starts_line and ends_line:
        return _remove_lines(before, after, rest.end(), has_prev_token, is_first, is_last)
    if ends_line:
        return after  # the node's own lead is horizontal space only
    if starts_line or before:
        return before + after.lstrip(" \t")
    return after


def _remove_lines(
    before: str, after: str, rest_end: int, has_prev_token: bool, is_first: bool, is_last: bool
) -> str:
    """Trivia left between the neighbours of a node removed with its whole lines."""
    starts = [] if has_prev_token else [0]
    starts += [match.end() for match in _newline_re().finditer(before)]
    k = len(starts) - 1  # starts[k]: start of the node's first line
    while k >= 1 and before[starts[k - 1]:starts[k]].lstrip().startswith("#"):
        k -= 1
    prev_blank = k >= 1 and not before[starts[k - 1]:starts[k]].strip()
    new_before = before[: starts[k]]
    new_after = after[rest_end:]
    at_block_start = k == 0 and is_first
    blank_after = _blank_line_re().match(new_after)
    if blank_after and (prev_blank or at_block_start):
        new_after = new_after[blank_after.end():]
    elif prev_blank and is_last and "\n" not in new_after and not new_after.strip():
        new_before = before[: starts[k - 1]]
    if not after[:rest_end].endswith("\n") and new_before.endswith("\n"):
        # The node ended the file without a line break: so does the file now.
        new_before = new_before[:-1]
        if new_before.endswith("\r"):
            new_before = new_before[:-1]
    return new_before + new_after


def _remove_list_item(list_node: Node, item: Node) -> None:
    items = list_node._items
    assert items is not None
    index = next(i for i, candidate in enumerate(items) if candidate is item)
    if index == 0 and len(items) > 1:
        following = items[1]._lead
        comma = following.find(",")
        rest = following[comma + 1:]
        following = item._lead if not rest.strip() else item._lead + rest.lstrip(" \t")
        items[1]._lead = following
    del items[index]


def _split_rest_of_line(trivia: str) -> tuple[str, str]:
    """Splits trivia into the rest of the current line (no line break) and the remainder."""
    match = _rest_of_line_re().match(trivia)
    assert match is not None
    if not match.group().endswith("\n"):
        return "", trivia
    head = match.group()[:-1]
    if head.endswith("\r"):
        head = head[:-1]
    return head, trivia[len(head):]


def _line_indent(kids: list[Node], index: int) -> str | None:
    """Indentation of the line holding ``kids[index]`` (None if it is the opening line)."""
    for position in range(index, -1, -1):
        lead = kids[position]._lead
        newline = lead.rfind("\n")
        if newline >= 0:
            return lead[newline + 1:]
    return None


def _close_indent(container: _Container) -> str:
    """Indentation of the closing brace's line ('' for a document or a one-line message)."""
    trivia = container._close_lead
    newline = trivia.rfind("\n")
    if newline >= 0:
        return trivia[newline + 1:]
    if isinstance(container, Node) and "\n" in container._lead:
        return container._lead[container._lead.rfind("\n") + 1:]
    return ""


def _own_unit(node: Node) -> str:
    """Indentation step inside multi-line message ``node`` ('' if not found)."""
    if not node.children or "\n" not in node._close_lead:
        return ""
    lead = node.children[0]._lead
    if "\n" not in lead:
        return ""
    inner = lead[lead.rfind("\n") + 1:]
    outer = _close_indent(node)
    if inner.startswith(outer) and len(inner) > len(outer):
        return inner[len(outer):]
    return ""


def _is_blank_separated(lead: str) -> bool:
    """True if ``lead`` holds a blank line (other than the rest of the previous line)."""
    return any(not line.strip() for line in lead.split("\n")[1:-1])


def _new_node(name: str, value: str | None, children: Sequence[Node] | None, path: str | None) -> Node:
    if not _name_re().match(name):
        raise ValueError(f"invalid field name {name!r}")
    if value is not None:
        _check_scalar(value)
        node = Node(name, value)
    else:
        node = Node(name, None, [copy.deepcopy(child) for child in children or ()])
        for descendant in _subtree(node):
            if not _name_re().match(descendant.name):
                raise ValueError(f"invalid field name {descendant.name!r}")
            if descendant.value is not None:
                _check_scalar(descendant.value)
            elif descendant.children is None:
                raise ValueError(f"field {descendant.name!r} has neither a value nor children")
    for descendant in _subtree(node):
        descendant._path = path
        descendant.line = descendant.column = 0
    return node


def _layout(node: Node, indent: str, unit: str, newline: str, inline: bool) -> None:
    """Gives a new node (and its new children) fresh trivia; ``node._lead`` is set by the caller."""
    node._sep = ""
    node._item = False
    if node.children is None:
        node._colon = ": "
        return
    node._colon, node._open, node._close = " ", "{", "}"
    node._items = None
    if inline:
        for child in node.children:
            child._lead = " "
            _layout(child, "", "", "", inline=True)
        node._close_lead = " " if node.children else ""
        return
    inner = indent + unit
    for child in node.children:
        child._lead = newline + inner
        _layout(child, inner, unit, newline, inline=False)
    node._close_lead = newline + indent


def _check_scalar(raw: str) -> None:
    """Raises ValueError unless ``raw`` is exactly one scalar value token (or list)."""
    try:
        probe = parse("x: " + raw)
    except PrototxtSyntaxError as exc:
        raise ValueError(f"invalid scalar value {raw!r}: {exc.message}") from None
    if (
        len(probe.children) != 1
        or probe.children[0].value != raw
        or probe.children[0]._sep
        or probe._close_lead
    ):
        raise ValueError(f"invalid scalar value {raw!r}: expected exactly one value")


# --------------------------------------------------------------------------- strings


def _unescape_into(body: str, out: bytearray) -> None:
    position = 0
    for match in _escape_re().finditer(body):
        out += body[position:match.start()].encode("utf-8", "surrogateescape")
        position = match.end()
        octal, hexa, short_u, long_u, simple = match.groups()
        if octal is not None:
            code = int(octal, 8)
            if code > 255:
                raise ValueError(f"octal escape \\{octal} is out of range")
            out.append(code)
        elif hexa is not None:
            out.append(int(hexa, 16))
        elif short_u is not None or long_u is not None:
            code = int(short_u or long_u, 16)
            if code > 0x10FFFF:
                raise ValueError(f"unicode escape \\U{long_u} is out of range")
            out += chr(code).encode("utf-8", "surrogatepass")
        elif simple in _SIMPLE_ESCAPES:
            out.append(_SIMPLE_ESCAPES[simple])
        else:
            raise ValueError(f"invalid escape sequence \\{simple}")
    out += body[position:].encode("utf-8", "surrogateescape")


_QUOTE_TABLE = {
    "\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t",
    **{chr(code): f"\\{code:03o}" for code in (*range(32), 127) if chr(code) not in "\n\r\t"},
    # Undecodable bytes (see Node.string) go back out as octal escapes.
    **{chr(0xDC00 + code): f"\\{code:03o}" for code in range(128, 256)},
}
_quote_re = _lazy_re("[" + re.escape("".join(_QUOTE_TABLE)) + "]")


def quote(text: str) -> str:
    """A double-quoted text format string literal for ``text`` (C escapes where needed).

    Non-ASCII characters are kept as they are (the file is UTF-8); ``Node.string()``
    of the result gives back ``text``.
    """
    return '"' + _quote_re().sub(lambda match: _QUOTE_TABLE[match.group()], text) + '"'


# --------------------------------------------------------------------------- parsing


def _tokenize(text: str) -> list[tuple[str, str, str, int]]:
    """(trivia before, kind, token text, token start) for each token, ending with "eof"."""
    tokens: list[tuple[str, str, str, int]] = []
    append = tokens.append
    first_kind = _FIRST_KIND
    position = 0
    for trivia, token, bad in _token_re().findall(text):
        position += len(trivia)
        if token:
            kind = first_kind[token[0]]
            if kind == "p" and len(token) > 1:
                kind = "ext"
        elif bad:
            token = bad
            kind = "ustr" if bad == '"' or bad == "'" else "bad"
        else:
            append((trivia, "eof", "", position))
            break
        append((trivia, kind, token, position))
        position += len(token)
    return tokens


def _describe(kind: str, token: str) -> str:
    return "end of file" if kind == "eof" else repr(token)


def _binary_error(offset: int, line: int, column: int, path: str | None) -> PrototxtSyntaxError:
    return PrototxtSyntaxError(
        f"not a text prototxt (binary data at byte {offset}); "
        "did you swap the prototxt and the caffemodel?",
        file=path,
        line=line,
        column=column,
    )


def parse(text: str, path: str | None = None) -> Document:
    """Parses protobuf text format; ``path`` is only used in error messages and kept on the tree.

    Raises PrototxtSyntaxError (with file, line and column) on any syntax error.
    """
    nul = text.find("\x00")
    if nul >= 0:
        line = text.count("\n", 0, nul) + 1
        column = nul - (text.rfind("\n", 0, nul) + 1) + 1
        raise _binary_error(len(text[:nul].encode("utf-8", "surrogatepass")), line, column, path)
    return _parse(text, path)


#: The largest prototxt read (a net of 300,000 layers is about 20 MiB): a device or an
#: endless pipe given by mistake is refused instead of read until memory runs out.
MAX_PROTOTXT_BYTES = 512 * 1024 * 1024


def parse_file(path: str | os.PathLike[str]) -> Document:
    """Reads ``path`` as UTF-8 and parses it; binary input is reported as such."""
    name = os.fspath(path)
    try:
        with open(name, "rb") as handle:
            data = handle.read(MAX_PROTOTXT_BYTES + 1)
    except OSError as exc:
        raise file_error(exc, name, what="prototxt file") from None
    if len(data) > MAX_PROTOTXT_BYTES:
        raise PrototxtSyntaxError(f"more than {MAX_PROTOTXT_BYTES >> 20} MiB: not a prototxt", file=name)
    bad = data.find(b"\x00")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        bad = exc.start if bad < 0 else min(bad, exc.start)
    if bad >= 0:
        line = data.count(b"\n", 0, bad) + 1
        column = bad - (data.rfind(b"\n", 0, bad) + 1) + 1
        raise _binary_error(bad, line, column, name)
    return _parse(text, name)


def _parse(text: str, path: str | None) -> Document:
    with gc_paused():  # the tree holds no reference cycles
        document = _parse_plain(text, path)
        return document if document is not None else _parse_tokens(text, path)


# The plain subset of the text format that nets are written in: fields ``name: value``
# with one scalar token as value (identifier, number or one string literal),
# ``name {`` / ``name: {``, ``}``, whitespace and comments.  One match per field instead
# of one per token; the five groups are the lead trivia, the name, the text from the
# name to the value or ``{`` (trivia and the colon, if any), the scalar value (empty
# for ``{``), and, in a match without a name, ``}`` or the rest of the text from the
# first character outside the subset.  Taking the whole rest there ends the scan at
# once: matching on would retry a long identifier at each of its characters
# (quadratic time on a garbled or minified file).
# Every token pattern matches exactly what _token_re's matches (string literals in the
# equivalent unrolled form, which the regex engine runs faster), so a text in the
# subset tokenizes the same either way.  Trivia runs are matched in one way only (no
# nested ambiguity), so a failing match backtracks in linear time.  Identifiers need no
# guard against a shorter match: what must follow a name (trivia, ``:`` or ``{``) never
# starts with an identifier character, and a value ends the match, so the longest try
# is the only one that can succeed.  Comment runs are written as "a comment, then
# more, or nothing" (and the sign of a value as "a minus sign or nothing"): an
# alternative that starts with a literal fails at once on text without it, where a bare
# repeat would set up a loop for each of the three trivia runs of every field.
_PLAIN_SPACE = r"[ \t\r\n\f\v\ufeff]*"
_PLAIN_TRIVIA = rf"{_PLAIN_SPACE}(?:\#[^\n]*(?![^\n]){_PLAIN_SPACE}(?:\#[^\n]*(?![^\n]){_PLAIN_SPACE})*|)"
_PLAIN_IDENT = r"[A-Za-z_][A-Za-z0-9_]*"
_PLAIN_NUMBER = r"(?:0[xX][0-9A-Fa-f]+|(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?[fF]?)(?![\w.])"
_PLAIN_RE = re.compile(
    rf"""
    ({_PLAIN_TRIVIA})
    (?:
        ({_PLAIN_IDENT})
        ({_PLAIN_TRIVIA}(?::{_PLAIN_TRIVIA}|(?=\{{)))
        (?:
            \{{
          | (   "[^"\\\n]*(?:\\[^\n](?:[^"\\\n]|\\[^\n])*|)"
              | '[^'\\\n]*(?:\\[^\n](?:[^'\\\n]|\\[^\n])*|)'
              | (?:-[ \t]*|)(?:{_PLAIN_IDENT}|{_PLAIN_NUMBER})
            )
        )
      | (\}}|[^}}][\s\S]*)
      | \Z
    )
    """,
    re.VERBOSE,
)


def _parse_plain(text: str, path: str | None) -> Document | None:
    """Parses ``text`` if it is written in the plain subset (see _PLAIN_RE), giving the
    very tree :func:`_parse_tokens` gives; None for anything else (lists, separators,
    adjacent strings, ``<>``, extensions) and for every error, which the full parser
    then handles and reports.

    This is the path every net takes, so it is written for speed (the loop costs about
    as much as the regular expression itself):

    * nodes are made with ``object.__new__`` and one store per slot, about half the
      cost of calling the dataclass ``__init__``; every field of :class:`Node` is set
      here (a test checks that against the full parser, field by field);
    * line and column come from the lead trivia alone when it holds a line break (nearly
      always), and the shape of each distinct lead (its line breaks, the columns after
      the last one) is worked out once per text;
    * the column where a field ends is needed only if the next token follows on the
      same line, so it is computed then, from the field's node (``pending``).
    """
    document = Document([], path)
    children: list[Node] = document.children
    stack: list[list[Node]] = []
    new_node = object.__new__
    line = 1
    column = 1  # column of the text after the previous match, unless `pending` is set
    pending: Node | None = None  # the previous match's field, if `column` is not its end
    trivia_shape: dict[str, tuple[int, int]] = {}  # lead -> (line breaks, columns after the last)
    for lead, name, gap, value, other in _PLAIN_RE.findall(text):
        try:
            breaks, width = trivia_shape[lead]
        except KeyError:
            breaks, width = trivia_shape[lead] = (lead.count("\n"), len(lead) - lead.rfind("\n") - 1)
        if breaks:
            line += breaks
            column = width + 1
        else:
            if pending is not None:
                column = pending.column + len(pending.name) + len(pending._colon) + len(pending.value or "{")
            column += width
        if name:
            node: Node = new_node(Node)
            node.name = name
            node.line = line
            node.column = column
            node._lead = lead
            node._colon = gap
            node._open = "{"
            node._close_lead = ""
            node._close = "}"
            node._sep = ""
            node._items = None
            node._item = False
            node._path = path
            children.append(node)
            if value:
                node.value = value
                node.children = None
            else:
                if len(stack) >= MAX_DEPTH:
                    return None
                kids: list[Node] = []
                node.value = None
                node.children = kids
                stack.append(children)
                children = kids
            if "\n" in gap:
                line += gap.count("\n")
                column = len(gap) - gap.rindex("\n") + len(value or "{")
                pending = None
            else:
                pending = node
        elif other == "}":
            if not stack:
                return None
            children = stack.pop()
            children[-1]._close_lead = lead
            column += 1
            pending = None
        elif other:
            return None
        else:
            if stack:
                return None
            document._close_lead = lead
            return document
    return None


def _parse_tokens(text: str, path: str | None) -> Document:
    tokens = _tokenize(text)
    newlines = [match.start() for match in _newline_re().finditer(text)]

    def where(offset: int) -> tuple[int, int]:
        line = bisect_right(newlines, offset - 1)  # line breaks before offset
        start = newlines[line - 1] + 1 if line else 0
        return line + 1, offset - start + 1

    def fail(message: str, offset: int) -> NoReturn:
        line, column = where(offset)
        raise PrototxtSyntaxError(message, file=path, line=line, column=column)

    def fail_unexpected(kind: str, token: str, offset: int, expected: str) -> NoReturn:
        if kind == "ustr":
            fail("unterminated string", offset)
        fail(f"expected {expected}, found {_describe(kind, token)}", offset)

    document = Document([], path)
    children: list[Node] = document.children
    # Open messages: (node, the children list it sits in, its message list or None).
    stack: list[tuple[Node, list[Node], Node | None]] = []
    last: Node | None = None  # the field a following ';' or ',' would belong to
    i = 0
    while True:
        lead, kind, token, start = tokens[i]
        i += 1
        if kind == "id" or kind == "ext":
            if token[0] == "-":
                fail(f"expected a field name, found {token!r}", start)
            line, column = where(start)
            node = Node(token, None, None, line, column)
            node._lead = lead
            node._path = path
            lead2, kind2, token2, start2 = tokens[i]
            i += 1
            has_colon = kind2 == "p" and token2 == ":"
            if has_colon:
                lead3, kind2, token2, start2 = tokens[i]
                i += 1
                node._colon = lead2 + ":" + lead3
            else:
                node._colon = lead2
            children.append(node)
            last = node
            if kind2 in _SCALAR_KINDS:
                if not has_colon:
                    fail(f"expected ':' between field {token!r} and its value {token2}", start2)
                if kind2 == "str":
                    end = start2 + len(token2)
                    while tokens[i][1] == "str":
                        end = tokens[i][3] + len(tokens[i][2])
                        i += 1
                    node.value = text[start2:end]
                else:
                    node.value = token2
                continue
            if kind2 == "p":
                if token2 == "{" or token2 == "<":
                    if len(stack) >= MAX_DEPTH:
                        fail(f"messages nested deeper than {MAX_DEPTH} levels", start2)
                    node._open = token2
                    node.children = []
                    stack.append((node, children, None))
                    children = node.children
                    last = None
                    continue
                if token2 == "[":
                    lead3, kind3, token3, start3 = tokens[i]
                    if kind3 == "p" and (token3 == "{" or token3 == "<"):
                        if len(stack) >= MAX_DEPTH:
                            fail(f"messages nested deeper than {MAX_DEPTH} levels", start3)
                        i += 1
                        node._items = []
                        item = _new_item(token, lead3, token3, where(start3), path)
                        node._items.append(item)
                        stack.append((item, children, node))
                        children = item.children  # type: ignore[assignment]
                        last = None
                        continue
                    if not has_colon:
                        fail(f"expected ':' before the list value of field {token!r}", start2)
                    i = _parse_scalar_list(tokens, i, token, fail, fail_unexpected)
                    node.value = text[start2:tokens[i - 1][3] + 1]
                    continue
            if kind2 == "ext" and has_colon:
                # "[MAX]" after a colon is a one-item list, not an extension name.
                if "." in token2 or "/" in token2:
                    fail(f"invalid list value {token2!r} for field {token!r}", start2)
                node.value = token2
                continue
            if has_colon:
                fail_unexpected(kind2, token2, start2, f"a value for field {token!r}")
            fail_unexpected(kind2, token2, start2, f"':' or '{{' after field name {token!r}")
        elif kind == "p" and (token == "}" or token == ">"):
            if not stack:
                fail(f"unexpected {token!r} with no open message to close", start)
            node, children, list_node = stack.pop()
            expected = "}" if node._open == "{" else ">"
            if token != expected:
                fail(
                    f"expected {expected!r} to close {node.name!r} opened at line {node.line}, "
                    f"found {token!r}",
                    start,
                )
            node._close_lead = lead
            node._close = token
            last = node
            if list_node is None:
                continue
            # Inside "name: [{...}, {...}]": a ',' and the next element, or the ']'.
            lead2, kind2, token2, start2 = tokens[i]
            i += 1
            if kind2 == "p" and token2 == "]":
                list_node._close_lead = lead2
                last = list_node
                continue
            if not (kind2 == "p" and token2 == ","):
                fail_unexpected(kind2, token2, start2, f"',' or ']' in the list {list_node.name!r}")
            lead3, kind3, token3, start3 = tokens[i]
            i += 1
            if not (kind3 == "p" and (token3 == "{" or token3 == "<")):
                fail_unexpected(kind3, token3, start3, f"'{{' of the next element of {list_node.name!r}")
            item = _new_item(list_node.name, lead2 + "," + lead3, token3, where(start3), path)
            assert list_node._items is not None
            list_node._items.append(item)
            stack.append((item, children, list_node))
            children = item.children  # type: ignore[assignment]
            last = None
        elif kind == "p" and (token == ";" or token == ","):
            if last is None or last._sep:
                fail(f"unexpected {token!r}", start)
            last._sep = lead + token
            last = None
        elif kind == "eof":
            if stack:
                node = stack[-1][0]
                closer = "}" if node._open == "{" else ">"
                fail(
                    f"expected {closer!r} to close {node.name!r} opened at line {node.line}, "
                    "found end of file",
                    start,
                )
            document._close_lead = lead
            return document
        else:
            fail_unexpected(kind, token, start, "a field name")


def _new_item(name: str, lead: str, opener: str, position: tuple[int, int], path: str | None) -> Node:
    item = Node(name, None, [], position[0], position[1])
    item._lead = lead
    item._colon = ""
    item._open = opener
    item._item = True
    item._path = path
    return item


def _parse_scalar_list(
    tokens: list[tuple[str, str, str, int]],
    i: int,
    name: str,
    fail: Callable[[str, int], NoReturn],
    fail_unexpected: Callable[[str, str, int, str], NoReturn],
) -> int:
    """Checks a scalar list ``[v, v, ...]`` whose '[' was just read; returns the index after ']'."""
    expect_value = True
    first = True
    while True:
        _, kind, token, offset = tokens[i]
        i += 1
        if kind == "p" and token == "]" and (not expect_value or first):
            return i
        if expect_value:
            if kind not in _SCALAR_KINDS:
                if kind == "eof":
                    fail(f"expected ']' to close the list of field {name!r}, found end of file", offset)
                fail_unexpected(kind, token, offset, f"a value in the list of field {name!r}")
            if kind == "str":
                while tokens[i][1] == "str":
                    i += 1
            expect_value = False
            first = False
        elif kind == "p" and token == ",":
            expect_value = True
        elif kind == "eof":
            fail(f"expected ']' to close the list of field {name!r}, found end of file", offset)
        else:
            fail_unexpected(kind, token, offset, f"',' or ']' in the list of field {name!r}")
