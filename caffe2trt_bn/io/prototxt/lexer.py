"""Lexing of protobuf text format: the tokens, and the syntax of scalar literals.

One compiled regular expression splits a text into tokens, each with the trivia
(whitespace and ``#`` comments) before it; the full parser (:mod:`.parser`) and the
items of a scalar list (:meth:`~.tree.Node.values`) use it.  The literal patterns below
(integers, floats, booleans, string pieces and their C escapes) are what the typed
readers of :class:`~.tree.Node` accept.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable


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
    **dict.fromkeys("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_", "id"),
    **dict.fromkeys("0123456789.-", "num"),
    **dict.fromkeys("{}<>[]:;,", "p"),
    '"': "str",
    "'": "str",
}
_SCALAR_KINDS = frozenset(("str", "num", "id"))

_newline_re = _lazy_re(r"\n")
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


def _unescape_into(body: str, out: bytearray) -> None:
    """Appends the bytes of string literal body ``body`` (C escapes resolved) to ``out``;
    ValueError names an escape out of range or unknown."""
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


def _tokenize(text: str) -> list[tuple[str, str, str, int]]:
    """(trivia before, kind, token text, token start) for each token, ending with "eof"."""
    tokens: list[tuple[str, str, str, int]] = []
    append = tokens.append
    first_kind = _FIRST_KIND
    position = 0
    for trivia, good, bad in _token_re().findall(text):
        position += len(trivia)
        if good:
            token = good
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
    """A token as error messages name it."""
    return "end of file" if kind == "eof" else repr(token)


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
