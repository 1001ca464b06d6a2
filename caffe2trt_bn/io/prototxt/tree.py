"""The lossless tree of a prototxt: :class:`Node`, :class:`Document`, their queries and rendering.

Every field occurrence is a :class:`Node`.  The text between tokens (whitespace and ``#``
comments, called *trivia*) is stored on the nodes: each node owns the trivia *before* its
name (``_lead``), the text between its name and its value (``_colon``: trivia and an
optional ``:``), an optional trailing ``;``/``,`` with the trivia before it (``_sep``), and a
message node owns the trivia before its closing ``}``/``>`` (``_close_lead``).  The
:class:`Document` owns the trivia after the last top-level field.  A scalar keeps its raw
source text in ``value`` (``'"conv1"'``, ``'1e-5'``, ``'[1, 2]'``, ``'"a" "b"'``); the
typed readers (:meth:`Node.string`, :meth:`Node.integer`, ...) decode it on demand.
Rendering concatenates the trivia and the tokens in order, so an unedited tree renders
as the parsed text byte for byte.

A list of messages (``name: [{...}, {...}]``) is one child node whose elements are
message nodes with the same name; :meth:`Node.all`, :meth:`Node.get` and
:meth:`Node.walk` see the elements, as protobuf semantics say (the list equals repeated
``name {...}`` fields).

The layout-keeping edits (:meth:`~_Container.remove`, :meth:`~_Container.replace`,
:meth:`~_Container.insert`, ...) are methods here, so a caller edits the tree it holds,
but their bodies live in :mod:`.edits`: an edit parses text (a replacement field, a
checked scalar), and the parser builds these classes, so the edits module is imported on
the first edit: the imports run one way (lexer <- tree <- parser <- edits), without a cycle.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import NoReturn, cast, overload

from ...errors import PrototxtSyntaxError
from .lexer import (
    _BOOLS,
    _FLOAT_RE,
    _IDENT_RE,
    _INT_RE,
    _PLAIN_STRING_MATCH,
    _SCALAR_KINDS,
    _special_float_re,
    _string_piece_re,
    _tokenize,
    _unescape_into,
)


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

    # -- editing (the bodies are in .edits, see the module docstring) -----------------

    def _path_of(self) -> str | None:
        raise NotImplementedError

    def _is_document(self) -> bool:
        return False

    def _as_node_or_document(self) -> Node | Document:
        """This container typed as what it is: :class:`Node` and :class:`Document` are
        its only subclasses (the edits assign their trivia)."""
        return cast("Node | Document", self)

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
        from .edits import remove

        remove(self._as_node_or_document(), node)

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
        from .edits import remove_many

        remove_many(self._as_node_or_document(), nodes)

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
        from .edits import insert

        return insert(self._as_node_or_document(), index, name, value, children)

    def append(
        self, name: str, value: str | None = None, children: Sequence[Node] | None = None
    ) -> Node:
        """Appends a new last field and returns it; see :meth:`insert` for the layout."""
        if self.children is None:
            raise ValueError("not a message: a scalar field has no children")
        return self.insert(len(self.children), name, value, children)

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
        from .edits import replace_many

        return replace_many(self._as_node_or_document(), replacements)



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

    # -- edits (bodies in .edits) -----------------------------------------------------

    def set_value(self, raw: str) -> None:
        """Replaces the raw value of this scalar field (e.g. ``'0.5'``, ``quote("x")``)."""
        from .edits import set_value

        set_value(self, raw)

    def set_string(self, text: str) -> None:
        """Sets this scalar field to the string ``text`` (quoted and escaped)."""
        from .lexer import quote

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
