"""Parsing protobuf text format into the lossless tree (:mod:`.tree`).

:func:`parse` and :func:`parse_file` are the one entry point.  A text written in the
plain subset nets use (fields ``name: value`` with one scalar token, ``name {``, ``}``,
whitespace and comments) first takes a one-match-per-field path
(:func:`_parse_plain`), which builds the very tree the full parser builds and declines
(returns None) on anything else: lists, separators, adjacent strings, ``<>``,
extensions, nesting deeper than :data:`MAX_DEPTH`, and every error.  The full parser
(:func:`_parse_tokens`) then reads the text token by token (:mod:`.lexer`), iteratively
(no recursion), and raises every syntax error as
:class:`~caffe2trt_bn.errors.PrototxtSyntaxError` with the file, 1-based line and column.
"""

from __future__ import annotations

import os
import re
from bisect import bisect_right
from collections.abc import Callable
from typing import NoReturn

from ...errors import PrototxtSyntaxError, file_error
from .lexer import _SCALAR_KINDS, _describe, _newline_re, _tokenize
from .tree import Document, Node

#: Deepest message nesting accepted (protobuf's own default recursion limit is 100).
MAX_DEPTH = 100
#: The largest prototxt read (a net of 300,000 layers is about 20 MiB): a device or an
#: endless pipe given by mistake is refused instead of read until memory runs out.
MAX_PROTOTXT_BYTES = 512 * 1024 * 1024


def _binary_error(offset: int, line: int, column: int, path: str | None) -> PrototxtSyntaxError:
    """The error for a NUL byte or undecodable text: a binary file given as the prototxt."""
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
    """The plain path, declining to the full parser (see the module docstring)."""
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
    """Parses ``text`` token by token: the general path, which handles every form of the
    text format and reports every syntax error (see :class:`_TokenParser`)."""
    return _TokenParser(text, path).run()


class _TokenParser:
    """The full parser's state while it reads one text: the tokens, the next one
    (``i``), the children list being filled, the open messages, and the field a
    following ``;`` or ``,`` would belong to.  Iterative: a message opens by pushing
    onto ``stack``, so nesting costs no Python recursion."""

    __slots__ = ("children", "document", "i", "last", "newlines", "path", "stack", "text", "tokens")

    def __init__(self, text: str, path: str | None) -> None:
        self.text = text
        self.path = path
        self.tokens = _tokenize(text)
        self.newlines = [match.start() for match in _newline_re().finditer(text)]
        self.document = Document([], path)
        self.children: list[Node] = self.document.children
        # Open messages: (node, the children list it sits in, its message list or None).
        self.stack: list[tuple[Node, list[Node], Node | None]] = []
        self.last: Node | None = None
        self.i = 0

    def where(self, offset: int) -> tuple[int, int]:
        """1-based line and column of ``offset``."""
        newlines = self.newlines
        line = bisect_right(newlines, offset - 1)  # line breaks before offset
        start = newlines[line - 1] + 1 if line else 0
        return line + 1, offset - start + 1

    def fail(self, message: str, offset: int) -> NoReturn:
        line, column = self.where(offset)
        raise PrototxtSyntaxError(message, file=self.path, line=line, column=column)

    def fail_unexpected(self, kind: str, token: str, offset: int, expected: str) -> NoReturn:
        if kind == "ustr":
            self.fail("unterminated string", offset)
        self.fail(f"expected {expected}, found {_describe(kind, token)}", offset)

    def next_token(self) -> tuple[str, str, str, int]:
        token = self.tokens[self.i]
        self.i += 1
        return token

    def run(self) -> Document:
        while True:
            lead, kind, token, start = self.next_token()
            if kind == "id" or kind == "ext":
                self.field(lead, token, start)
            elif kind == "p" and (token == "}" or token == ">"):
                self.close(lead, token, start)
            elif kind == "p" and (token == ";" or token == ","):
                last = self.last
                if last is None or last._sep:
                    self.fail(f"unexpected {token!r}", start)
                last._sep = lead + token
                self.last = None
            elif kind == "eof":
                if self.stack:
                    node = self.stack[-1][0]
                    closer = "}" if node._open == "{" else ">"
                    self.fail(
                        f"expected {closer!r} to close {node.name!r} opened at line {node.line}, "
                        "found end of file",
                        start,
                    )
                self.document._close_lead = lead
                return self.document
            else:
                self.fail_unexpected(kind, token, start, "a field name")

    def field(self, lead: str, token: str, start: int) -> None:
        """A field whose name ``token`` was just read: its colon, then its value."""
        if token[0] == "-":
            self.fail(f"expected a field name, found {token!r}", start)
        line, column = self.where(start)
        node = Node(token, None, None, line, column)
        node._lead = lead
        node._path = self.path
        lead2, kind2, token2, start2 = self.next_token()
        has_colon = kind2 == "p" and token2 == ":"
        if has_colon:
            lead3, kind2, token2, start2 = self.next_token()
            node._colon = lead2 + ":" + lead3
        else:
            node._colon = lead2
        self.children.append(node)
        self.last = node
        if kind2 in _SCALAR_KINDS:
            if not has_colon:
                self.fail(f"expected ':' between field {token!r} and its value {token2}", start2)
            if kind2 == "str":
                tokens = self.tokens
                end = start2 + len(token2)
                while tokens[self.i][1] == "str":
                    end = tokens[self.i][3] + len(tokens[self.i][2])
                    self.i += 1
                node.value = self.text[start2:end]
            else:
                node.value = token2
            return
        if kind2 == "p":
            if token2 == "{" or token2 == "<":
                self.check_depth(start2)
                node._open = token2
                node.children = []
                self.stack.append((node, self.children, None))
                self.children = node.children
                self.last = None
                return
            if token2 == "[":
                self.list_value(node, has_colon, start2)
                return
        if kind2 == "ext" and has_colon:
            # "[MAX]" after a colon is a one-item list, not an extension name.
            if "." in token2 or "/" in token2:
                self.fail(f"invalid list value {token2!r} for field {token!r}", start2)
            node.value = token2
            return
        if has_colon:
            self.fail_unexpected(kind2, token2, start2, f"a value for field {token!r}")
        self.fail_unexpected(kind2, token2, start2, f"':' or '{{' after field name {token!r}")

    def check_depth(self, offset: int) -> None:
        if len(self.stack) >= MAX_DEPTH:
            self.fail(f"messages nested deeper than {MAX_DEPTH} levels", offset)

    def list_value(self, node: Node, has_colon: bool, start: int) -> None:
        """The value of ``node`` from its '[' at ``start``: a message list (whose first
        element opens here) or a scalar list (read to its ']')."""
        token = node.name
        lead3, kind3, token3, start3 = self.tokens[self.i]
        if kind3 == "p" and (token3 == "{" or token3 == "<"):
            self.check_depth(start3)
            self.i += 1
            node._items = []
            item = _new_item(token, lead3, token3, self.where(start3), self.path)
            node._items.append(item)
            self.stack.append((item, self.children, node))
            self.children = item.children  # type: ignore[assignment]
            self.last = None
            return
        if not has_colon:
            self.fail(f"expected ':' before the list value of field {token!r}", start)
        self.i = _parse_scalar_list(self.tokens, self.i, token, self.fail, self.fail_unexpected)
        node.value = self.text[start:self.tokens[self.i - 1][3] + 1]

    def close(self, lead: str, token: str, start: int) -> None:
        """A '}' or '>' closing the innermost open message (in a message list, then a
        ',' and the next element's opening, or the list's ']')."""
        if not self.stack:
            self.fail(f"unexpected {token!r} with no open message to close", start)
        node, self.children, list_node = self.stack.pop()
        expected = "}" if node._open == "{" else ">"
        if token != expected:
            self.fail(
                f"expected {expected!r} to close {node.name!r} opened at line {node.line}, "
                f"found {token!r}",
                start,
            )
        node._close_lead = lead
        node._close = token
        self.last = node
        if list_node is None:
            return
        lead2, kind2, token2, start2 = self.next_token()
        if kind2 == "p" and token2 == "]":
            list_node._close_lead = lead2
            self.last = list_node
            return
        if not (kind2 == "p" and token2 == ","):
            self.fail_unexpected(kind2, token2, start2, f"',' or ']' in the list {list_node.name!r}")
        lead3, kind3, token3, start3 = self.next_token()
        if not (kind3 == "p" and (token3 == "{" or token3 == "<")):
            self.fail_unexpected(kind3, token3, start3, f"'{{' of the next element of {list_node.name!r}")
        item = _new_item(list_node.name, lead2 + "," + lead3, token3, self.where(start3), self.path)
        assert list_node._items is not None
        list_node._items.append(item)
        self.stack.append((item, self.children, list_node))
        self.children = item.children  # type: ignore[assignment]
        self.last = None


def _new_item(name: str, lead: str, opener: str, position: tuple[int, int], path: str | None) -> Node:
    """An element of a message list, opened by ``opener`` at ``position``."""
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
