"""Lossless protobuf text format ("prototxt") tree: parse, inspect, edit, render.

Caffe nets are described in protobuf text format.  This project must read them without
Caffe and without a schema (Caffe forks add their own fields and layer types, old files use
``layers { type: CONVOLUTION }``), and it rewrites them (e.g. removes BatchNorm/Scale layers
that were folded into a convolution) while leaving everything the user wrote untouched:
comments, blank lines, indentation, field order, separators and quoting.  Hence a
*lossless* tree: :func:`parse` followed by :meth:`Document.render` gives back the input
byte for byte, and an edit changes only the text of the edited fields.

The package is split by job, each module importing only those before it:

* :mod:`.lexer`: the tokens (one compiled regular expression) and the syntax of scalar
  literals (integers, floats, booleans, strings and their escapes, :func:`quote`);
* :mod:`.tree`: :class:`Node` and :class:`Document` (the data, the queries and typed
  reads, rendering);
* :mod:`.parser`: text -> tree (:func:`parse`, :func:`parse_file`), the plain fast path
  declining to the full parser;
* :mod:`.edits`: the layout-keeping edits behind the tree's edit methods (imported when
  an edit is made: reading a net does not load it).
"""

from __future__ import annotations

from .lexer import quote
from .parser import MAX_DEPTH, MAX_PROTOTXT_BYTES, parse, parse_file
from .tree import Document, Node

__all__ = [
    "MAX_DEPTH",
    "MAX_PROTOTXT_BYTES",
    "Document",
    "Node",
    "parse",
    "parse_file",
    "quote",
]
