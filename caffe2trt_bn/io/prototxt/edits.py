"""Layout-keeping edits of the lossless tree.

The bodies of the edit methods of :class:`~.tree.Node` and :class:`~.tree.Document`
(:meth:`remove`, :meth:`remove_many`, :meth:`insert`, :meth:`replace_many`,
:meth:`set_value`; their docstrings say what each keeps of the layout).  An edit
changes only the text of the edited fields: comments, blank lines, indentation,
separators and line ends around them stay as the user wrote them, and a new field takes
the layout of its siblings.
"""

from __future__ import annotations

import copy
import itertools
import re
from collections.abc import Iterable, Iterator, Sequence

from ...errors import PrototxtSyntaxError
from .lexer import _lazy_re, _newline_re
from .parser import parse
from .tree import Document, Node

#: What holds children: a message field or the document.
_Container = Node | Document

# Rest of a line inside trivia: horizontal space, an optional comment, the line break.
_rest_of_line_re = _lazy_re(r"[ \t\r\f\v]*(?:#[^\n]*)?\n?")
_blank_line_re = _lazy_re(r"[ \t\r\f\v]*\n")
_name_re = _lazy_re(r"[A-Za-z_][A-Za-z0-9_]*\Z|\[[ \t]*[A-Za-z_][\w.]*(?:/[\w.]+)*[ \t]*\]\Z")
_DEFAULT_UNIT = "  "


# --------------------------------------------------------------------------- removal


def remove(container: _Container, node: Node) -> None:
    """Removes child ``node`` of ``container`` (see :meth:`~.tree._Container.remove`)."""
    kids = _kids(container)
    index = _index_of(container, node)
    if index < 0:
        _remove_from_list(container, node, kids)
        return
    count = len(kids)
    after = kids[index + 1]._lead if index + 1 < count else container._close_lead
    region = _removal_region(node._lead, after, container._is_document(), index == 0, index == count - 1)
    del kids[index]
    if index < len(kids):
        kids[index]._lead = region
    else:
        container._close_lead = region


def remove_many(container: _Container, nodes: Iterable[Node]) -> None:
    """Removes ``nodes`` from ``container`` (see :meth:`~.tree._Container.remove_many`)."""
    kids = _kids(container)
    count = len(kids)
    position = {id(kid): i for i, kid in enumerate(kids)}
    # Neighbours still present: prev[i] (-1: none) and nxt[i] (count: none).
    prev = list(range(-1, count - 1))
    nxt = list(range(1, count + 1))
    gone = [False] * count
    is_doc = container._is_document()
    try:
        for node in nodes:
            i = position.get(id(node), -1)
            if i < 0 or gone[i]:
                _remove_from_list(container, node, (kid for kid, removed in zip(kids, gone) if not removed))
                continue
            j = nxt[i]
            after = kids[j]._lead if j < count else container._close_lead
            region = _removal_region(node._lead, after, is_doc, prev[i] < 0, j == count)
            gone[i] = True
            if prev[i] >= 0:
                nxt[prev[i]] = j
            if j < count:
                prev[j] = prev[i]
                kids[j]._lead = region
            else:
                container._close_lead = region
    finally:
        kids[:] = [kid for kid, removed in zip(kids, gone) if not removed]


def _remove_from_list(container: _Container, node: Node, kids: Iterable[Node]) -> None:
    """Removes ``node`` from the message list (``name: [{..}]``) among ``kids`` holding it."""
    for child in kids:
        if child._items is not None and any(item is node for item in child._items):
            _remove_list_item(child, node)
            return
    raise ValueError(f"field {node.name!r} is not a child of this message")


def _removal_region(before: str, after: str, is_doc: bool, is_first: bool, is_last: bool) -> str:
    """The trivia left between the neighbours of a removed child (see :meth:`~.tree._Container.remove`).

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
        new_before = new_before.removesuffix("\r")
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


# --------------------------------------------------------------------------- insertion


def insert(
    container: _Container,
    index: int,
    name: str,
    value: str | None,
    children: Sequence[Node] | None,
) -> Node:
    """Inserts a new field into ``container`` (see :meth:`~.tree._Container.insert`)."""
    if (value is None) == (children is None):
        raise ValueError("give exactly one of value (scalar field) or children (message field)")
    node = _new_node(name, value, children, container._path_of())
    _insert_node(container, index, node)
    return node


def _insert_node(container: _Container, index: int, node: Node) -> None:
    kids = _kids(container)
    count = len(kids)
    if index < 0:
        index = max(0, count + index)
    index = min(index, count)
    is_doc = container._is_document()
    if not is_doc and container._is_one_line():
        if index > 0:
            node._lead = " "
        elif kids:
            node._lead = kids[0]._lead
            kids[0]._lead = " "
        else:
            node._lead = " "
            if not container._close_lead:
                container._close_lead = " "
        _layout(node, "", "", "", inline=True)
        kids.insert(index, node)
        return
    newline = _newline(container)
    unit = _unit(container)
    if kids and index > 0:
        indent = _line_indent(kids, index - 1)
        if indent is None:  # the previous sibling sits on the opening line
            indent = "" if is_doc else _close_indent(container) + unit
        trivia = _trivia_after(container, index - 1)
        head, tail = _split_rest_of_line(trivia)
        prev_lead = kids[index - 1]._lead
        blank = newline if index - 1 >= 1 and _is_blank_separated(prev_lead) else ""
        node._lead = head + newline + blank + indent
        _set_trivia_after(container, index - 1, tail)
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
            indent = _close_indent(container) + unit
            node._lead = trivia
            first._lead = " "
    else:
        trivia = container._close_lead
        if is_doc:
            if trivia and not trivia.endswith("\n"):
                trivia += newline
            node._lead = trivia
            container._close_lead = newline
            indent = ""
        else:
            head, tail = _split_rest_of_line(trivia)
            indent = _close_indent(container) + unit
            node._lead = head + newline + indent
            container._close_lead = tail
    _layout(node, indent, unit, newline, inline=False)
    kids.insert(index, node)


def _newline(container: _Container) -> str:
    """The line end this container uses: CRLF if its first line break is CRLF."""
    # Usually found in the first lead: no list of every child's lead is built.
    for text in itertools.chain((child._lead for child in _kids(container)), (container._close_lead,)):
        at = text.find("\n")
        if at >= 0:
            return "\r\n" if at > 0 and text[at - 1] == "\r" else "\n"
    return "\n"


def _unit(container: _Container) -> str:
    """Indentation unit: from a multi-line message child, else two spaces."""
    for child in _kids(container)[:50]:
        unit = _own_unit(child)
        if unit:
            return unit
    if isinstance(container, Node):
        unit = _own_unit(container)
        if unit:
            return unit
    return _DEFAULT_UNIT


def _split_rest_of_line(trivia: str) -> tuple[str, str]:
    """Splits trivia into the rest of the current line (no line break) and the remainder."""
    match = _rest_of_line_re().match(trivia)
    assert match is not None
    if not match.group().endswith("\n"):
        return "", trivia
    head = match.group()[:-1]
    head = head.removesuffix("\r")
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


# --------------------------------------------------------------------------- replacement and values


def replace_many(container: _Container, replacements: Sequence[tuple[Node, str]]) -> list[Node]:
    """:meth:`~.tree._Container.replace_many` on ``container``."""
    kids = _kids(container)
    position = {id(kid): i for i, kid in enumerate(kids)}
    indices = []
    for old, _ in replacements:
        index = position.get(id(old), -1)
        if index < 0:
            raise ValueError(f"field {old.name!r} is not a direct child of this message")
        indices.append(index)
    newline = _newline(container) if replacements else "\n"
    return [_replace_at(container, index, new_text, newline) for index, (_, new_text) in zip(indices, replacements)]


def _replace_at(container: _Container, index: int, new_text: str, newline: str) -> Node:
    """Replaces child ``index`` of ``container`` (see :func:`replace_many`); ``newline`` is :func:`_newline`'s."""
    kids = _kids(container)
    old = kids[index]
    if newline == "\r\n" and "\r\n" not in new_text:
        new_text = new_text.replace("\n", "\r\n")
    parsed = parse(new_text)
    if len(parsed.children) != 1 or parsed.children[0]._items is not None:
        raise ValueError(f"replacement text must hold exactly one field, found {len(parsed.children)}")
    new = parsed.children[0]
    lead = old._lead
    indent = lead[lead.rfind("\n") + 1:] if "\n" in lead else ""
    path = container._path_of()
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


def set_value(node: Node, raw: str) -> None:
    """Sets the raw value of scalar field ``node`` (see :meth:`~.tree.Node.set_value`)."""
    if node.value is None:
        raise ValueError(f"field {node.name!r} is a message; set_value needs a scalar field")
    _check_scalar(raw)
    node.value = raw


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


# --------------------------------------------------------------------------- children


def _subtree(node: Node) -> Iterator[Node]:
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(current.children or ())
        stack.extend(current._items or ())


def _kids(container: _Container) -> list[Node]:
    if container.children is None:
        raise ValueError("not a message: a scalar field has no children")
    return container.children


def _index_of(container: _Container, node: Node) -> int:
    try:
        return _kids(container).index(node)  # nodes compare by identity (eq=False)
    except ValueError:
        return -1


def _set_trivia_after(container: _Container, index: int, text: str) -> None:
    """Sets the trivia that follows child ``index`` (the next lead or the closing trivia)."""
    kids = _kids(container)
    if index + 1 < len(kids):
        kids[index + 1]._lead = text
    else:
        container._close_lead = text


def _trivia_after(container: _Container, index: int) -> str:
    kids = _kids(container)
    return kids[index + 1]._lead if index + 1 < len(kids) else container._close_lead


# --------------------------------------------------------------------------- strings
