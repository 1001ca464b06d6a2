"""Binary ``.caffemodel`` reading: the layer list with zero-copy views of every blob.

A caffemodel is a serialised ``NetParameter``.  Reading one walks its top-level fields
only (each checked, so a truncated file or a forged length fails at once), keeps the
byte spans of every layer so writers can copy untouched layers verbatim, and decodes
each layer's name from the first bytes of its payload, where Caffe writes it.  The
rest is decoded on first use: a layer's small fields (type, bottoms, tops, where its
blobs are) when one of them is asked for, and its blobs when :attr:`ModelLayer.blobs`
is, each as a :class:`Blob` whose ``data`` is a numpy view straight into the
memory-mapped file.  So reading a 600 MB model costs a few microseconds per layer and
touches only the pages of the layers a caller uses; a damaged layer is reported (file
and layer named) when it is used, or by :meth:`CaffeModel.check`, which decodes every
layer's small fields (never its blobs): ``net.load_net``, and so every command, calls it,
so that a damaged layer anywhere is refused and every layer is known by its last ``name``
as protobuf reads it (a layer with two is refused).  Blobs are decoded by :mod:`.blob`.
"""

from __future__ import annotations

import mmap
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from ..errors import Caffe2TrtError, ModelFormatError, file_error
from . import wire
from .blob import Blob, parse_blob

__all__ = [
    "Blob",
    "CaffeModel",
    "ModelLayer",
    "looks_like_text",
    "open_readonly_map",
    "parse_blob",
    "parse_caffemodel",
    "read_caffemodel",
    "v1_type_name",
]

# NetParameter
NET_NAME, NET_LAYERS_V1, NET_LAYER = 1, 2, 100
# LayerParameter
L_NAME, L_TYPE, L_BOTTOM, L_TOP, L_BLOBS = 1, 2, 3, 4, 7
# V1LayerParameter
V1_BOTTOM, V1_TOP, V1_NAME, V1_TYPE, V1_BLOBS = 2, 3, 4, 5, 6


class _LayerFields(NamedTuple):
    """The small fields of one stored layer, as decoded from its payload."""

    name: str
    type: str
    bottoms: list[str]
    tops: list[str]
    blob_spans: list[tuple[int, int]]


class ModelLayer:
    """A layer as stored in the caffemodel.

    ``span`` is the byte range of the whole field (tag, length and payload) in the
    file, ``payload`` the LayerParameter bytes alone; ``v1`` marks a legacy
    ``layers`` entry, whose ``type`` is then the V1 enum name or number; ``index`` is
    the layer's position in the file's layer list (it names a layer without a name in
    errors, as ``#index@payload offset``).

    ``type``, ``bottoms``, ``tops`` and ``blob_spans`` given as None are decoded from
    the payload on first use (all at once, then cached): reading a model decodes only
    each layer's name, so a layer a caller never looks at costs next to nothing.  A
    malformed payload then raises :class:`ModelFormatError` naming the file and the
    layer at that first use (:meth:`CaffeModel.check` forces it for every layer).
    :attr:`blobs` likewise parses the blobs on first use only (a tool that needs the
    BatchNorm blobs never decodes the convolutions').
    """

    __slots__ = (
        "_blob_spans",
        "_blobs",
        "_bottoms",
        "_tops",
        "_type",
        "buffer",
        "index",
        "name",
        "path",
        "payload",
        "span",
        "v1",
    )

    def __init__(
        self,
        name: str,
        type: str | None,
        bottoms: list[str] | None,
        tops: list[str] | None,
        blob_spans: list[tuple[int, int]] | None,
        span: tuple[int, int],
        payload: tuple[int, int],
        v1: bool = False,
        buffer: mmap.mmap | bytes = b"",
        path: str = "<memory>",
        index: int = -1,
    ) -> None:
        self.name = name
        self.span = span
        self.payload = payload
        self.v1 = v1
        self.buffer = buffer
        self.path = path
        self.index = index
        self._type = type
        self._bottoms = bottoms
        self._tops = tops
        self._blob_spans = blob_spans
        self._blobs: list[Blob] | None = None

    def __repr__(self) -> str:
        # The decoded state as it is: showing a layer never decodes (or fails on) it.
        lazy = "" if self._type is None else f", type={self._type!r}"
        return f"ModelLayer(name={self.name!r}{lazy}, span={self.span!r}, payload={self.payload!r}, v1={self.v1!r})"

    @property
    def type(self) -> str:
        """The layer type (for a V1 layer the enum name, see :func:`v1_type_name`)."""
        return self._type if self._type is not None else self._decode().type

    @property
    def bottoms(self) -> list[str]:
        """The names of the blobs the layer reads, in order."""
        return self._bottoms if self._bottoms is not None else self._decode().bottoms

    @property
    def tops(self) -> list[str]:
        """The names of the blobs the layer writes, in order."""
        return self._tops if self._tops is not None else self._decode().tops

    @property
    def blob_spans(self) -> list[tuple[int, int]]:
        """The byte ranges of the layer's BlobProto payloads in :attr:`buffer`."""
        return self._blob_spans if self._blob_spans is not None else self._decode().blob_spans

    @property
    def decoded(self) -> bool:
        """Whether ``type``, ``bottoms``, ``tops`` and ``blob_spans`` are all known."""
        return not (self._type is None or self._bottoms is None or self._tops is None or self._blob_spans is None)

    def _decode(self) -> _LayerFields:
        """Decodes the payload once, filling the attributes still unknown.

        The name was decoded at read time from the payload's first field; a later
        ``name`` field (protobuf keeps the last one; Caffe never writes two) would make
        the layer known under a name other than Caffe's, so it is refused here.
        """
        start, end = self.payload
        try:
            fields = _decode_layer(self.buffer, start, end, v1=self.v1)
            if fields.name != self.name:
                raise ModelFormatError(f"the layer holds two names ({self.name!r} first, {fields.name!r} last)")
        except Caffe2TrtError as exc:
            raise exc.with_context(file=self.path, layer=self._label()) from None
        if self._type is None:
            self._type = fields.type
        if self._bottoms is None:
            self._bottoms = fields.bottoms
        if self._tops is None:
            self._tops = fields.tops
        if self._blob_spans is None:
            self._blob_spans = fields.blob_spans
        return fields

    def _label(self) -> str:
        """How errors name the layer: its name, else ``#index@offset`` of its payload."""
        return self.name or f"#{self.index}@{self.payload[0]}"

    @property
    def blobs(self) -> list[Blob]:
        """The layer's blobs (views into :attr:`buffer`); a malformed blob raises
        :class:`ModelFormatError` naming the file and the layer."""
        blobs = self._blobs
        if blobs is None:
            buf = self.buffer
            blobs = []
            for i, (a, b) in enumerate(self.blob_spans):
                try:
                    blobs.append(parse_blob(buf, a, b))
                except Caffe2TrtError as exc:
                    exc.message = f"blob {i}: {exc.message}"
                    raise exc.with_context(file=self.path, layer=self._label()) from None
            self._blobs = blobs
        return blobs


@dataclass
class CaffeModel:
    """A parsed caffemodel; ``buffer`` keeps the memory map alive for the blob views."""

    path: str
    name: str
    layers: list[ModelLayer]
    buffer: mmap.mmap | bytes = field(repr=False)
    by_name: dict[str, ModelLayer] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        # Caffe copies weights source layer by source layer, so a later duplicate wins.
        self.by_name = {layer.name: layer for layer in self.layers}

    def layer(self, name: str) -> ModelLayer | None:
        return self.by_name.get(name)

    @property
    def is_v1(self) -> bool:
        return any(layer.v1 for layer in self.layers)

    def check(self) -> None:
        """Decodes every layer not decoded yet, so a malformed layer raises now.

        Reading decodes each layer's name only, and the rest when a caller first uses
        it; ``net.load_net`` calls this, so a damaged file is refused before anything is
        computed or written (folding copies the untouched layers verbatim), and a lookup
        by name never meets a layer whose later ``name`` field would rename it.
        Blob payloads are left to :attr:`ModelLayer.blobs`, as when reading.
        """
        for layer in self.layers:
            if not layer.decoded:
                layer._decode()


def open_readonly_map(path: str | Path) -> mmap.mmap:
    """Memory-maps ``path`` read-only, turning OS errors into user errors."""
    p = str(path)
    try:
        kind = os.stat(p).st_mode
        if not (stat.S_ISREG(kind) or stat.S_ISDIR(kind)):  # a directory: open() says so
            # Checked before opening: opening a pipe would wait for a writer.
            raise ModelFormatError("is not a regular file (a caffemodel is read through a memory map)", file=p)
        with open(p, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            if size == 0:
                raise ModelFormatError("the file is empty", file=p)
            return mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    except OSError as exc:
        raise file_error(exc, p, what="caffemodel file") from None


def read_caffemodel(path: str | os.PathLike[str]) -> CaffeModel:
    """Reads a binary caffemodel into a :class:`CaffeModel` without copying blob data.

    Every top-level field is checked (a truncated file or a forged length fails here);
    each layer's payload is decoded on first use (see :class:`ModelLayer`)."""
    p = str(path)
    buf = open_readonly_map(p)
    try:
        return parse_caffemodel(buf, p)
    except Caffe2TrtError as exc:
        if looks_like_text(buf):
            raise ModelFormatError(
                "this is a text file, not a binary caffemodel (did you swap the prototxt and the caffemodel?)",
                file=p,
            ) from None
        raise exc.with_context(file=p) from None


def looks_like_text(buf: mmap.mmap | bytes) -> bool:
    """True when the first bytes are printable text: a prototxt given as caffemodel."""
    head = bytes(buf[:512])
    if not head:
        return False
    printable = sum(1 for b in head if 32 <= b < 127 or b in (9, 10, 13))
    return printable == len(head)


def parse_caffemodel(buf: mmap.mmap | bytes, path: str = "<memory>") -> CaffeModel:
    """Parses NetParameter bytes held in ``buf`` (see :func:`read_caffemodel`).

    Every top-level field is walked and checked.  Each ``layer`` entry's name is
    decoded straight from the start of its payload, where Caffe (protobuf C++ writes
    fields in number order) puts ``name``, field 1; the rest of the layer is left for
    first use.  An entry that does not start so, and every legacy V1 ``layers`` entry
    (rare), is decoded in full here.
    """
    name = ""
    layers: list[ModelLayer] = []
    try:
        name = _walk_net(buf, path, layers)
    except Caffe2TrtError:
        # Report the first damage in file order: a layer left for later may hold it.
        for layer in layers:
            if not layer.decoded:
                layer._decode()
        raise
    if not layers:
        raise ModelFormatError("no layers found: not a Caffe caffemodel", file=path)
    return CaffeModel(path=path, name=name, layers=layers, buffer=buf)


def _walk_net(buf: mmap.mmap | bytes, path: str, layers: list[ModelLayer]) -> str:
    """The top-level walk of :func:`parse_caffemodel`: appends every layer to
    ``layers`` (as soon as it is read, so a caller can look at those before a failure)
    and returns the net's name."""
    name = ""
    pos = 0
    end = len(buf)
    while pos < end:
        # Layer entries (tag bytes A2 06: field 100, length-delimited) are almost every
        # top-level field, so they are recognised inline; anything else, or a layer
        # running past the end, goes through the general scanner, which reports it.
        if buf[pos] == 0xA2 and pos + 2 < end and buf[pos + 1] == 0x06:
            length = buf[pos + 2]
            a = pos + 3
            if length >= 0x80:
                length, a = wire.read_varint(buf, pos + 2, end)
            number, wt, b = NET_LAYER, wire.LEN, a + length
            if b > end:
                number, wt, a, b = next(wire.iter_fields(buf, pos, end))
        else:
            number, wt, a, b = next(wire.iter_fields(buf, pos, end))
        if wt == wire.LEN:
            if number == NET_LAYER:
                # Tag 0x0A (field 1, length-delimited), then a one-byte length.
                size = buf[a + 1] if b - a >= 2 and buf[a] == 0x0A else 0x80
                if size < 0x80 and a + 2 + size <= b:
                    layer_name = str(buf[a + 2 : a + 2 + size], "utf-8", "surrogateescape")
                    layers.append(
                        ModelLayer(layer_name, None, None, None, None, (pos, b), (a, b), False, buf, path, len(layers))
                    )
                else:
                    layers.append(_parse_layer(buf, a, b, (pos, b), path, len(layers), v1=False))
            elif number == NET_LAYERS_V1:
                layers.append(_parse_layer(buf, a, b, (pos, b), path, len(layers), v1=True))
            elif number == NET_NAME:
                name = wire.decode_string(buf, a, b)
        pos = b
    return name


def _parse_layer(
    buf: mmap.mmap | bytes,
    start: int,
    end: int,
    span: tuple[int, int],
    path: str,
    index: int,
    *,
    v1: bool,
) -> ModelLayer:
    """A layer decoded in full at read time; a malformed one is reported now."""
    try:
        fields = _decode_layer(buf, start, end, v1=v1)
    except Caffe2TrtError as exc:
        raise exc.with_context(file=path, layer=f"#{index}@{start}") from None
    return ModelLayer(
        fields.name, fields.type, fields.bottoms, fields.tops, fields.blob_spans, span, (start, end), v1, buf, path, index
    )


def _decode_layer(buf: mmap.mmap | bytes, start: int, end: int, *, v1: bool = False) -> _LayerFields:
    """The small fields of a layer payload: the inline scanner for the usual
    ``LayerParameter``, the general field loop for V1 layers and for whatever the
    scanner declines (which is where a malformed payload is reported)."""
    if not v1:
        fields = _scan_layer(buf, start, end)
        if fields is not None:
            return fields
    return _layer_fields(buf, start, end, v1=v1)


def _scan_layer(buf: mmap.mmap | bytes, start: int, end: int) -> _LayerFields | None:
    """:func:`_layer_fields` for a ``LayerParameter``, without a generator step and a
    tuple per field: this runs for every layer a caller uses (and for every layer under
    :meth:`CaffeModel.check`), so tags, lengths and varints are decoded inline.

    Returns None for anything :func:`wire.iter_fields` would refuse (field number 0,
    a varint or a field running past the end, a varint over 10 bytes, a group) and for
    tags over two bytes; the general loop then decodes or reports it.
    """
    name = type_ = ""
    bottoms: list[str] = []
    tops: list[str] = []
    blob_spans: list[tuple[int, int]] = []
    pos = start
    while pos < end:
        key = buf[pos]
        pos += 1
        if key >= 0x80:  # a two-byte tag: fields 16 to 2047 (the *_param messages)
            if pos >= end or buf[pos] >= 0x80:
                return None
            key = (key & 0x7F) | (buf[pos] << 7)
            pos += 1
        if key < 8:  # field number 0
            return None
        wt = key & 7
        if wt == 2:  # length-delimited (wire.LEN; literals keep this loop tight)
            length = buf[pos] if pos < end else 0x80
            if length < 0x80:
                pos += 1
            else:
                length = 0
                shift = 0
                while True:
                    if pos >= end or shift > 28:  # over 5 bytes (non-canonical): the general loop
                        return None
                    byte = buf[pos]
                    pos += 1
                    length |= (byte & 0x7F) << shift
                    if byte < 0x80:
                        break
                    shift += 7
            b = pos + length
            if b > end:
                return None
            number = key >> 3
            if number == L_BLOBS:
                blob_spans.append((pos, b))
            elif number <= L_TOP:
                text = str(buf[pos:b], "utf-8", "surrogateescape")
                if number == L_NAME:
                    name = text
                elif number == L_TYPE:
                    type_ = text
                elif number == L_BOTTOM:
                    bottoms.append(text)
                else:
                    tops.append(text)
            pos = b
        elif wt == 0:  # varint: skipped, at most 10 bytes
            stop = min(pos + 10, end)
            while pos < stop and buf[pos] >= 0x80:
                pos += 1
            if pos == stop:
                return None
            pos += 1
        elif wt == 5 or wt == 1:  # 32-bit, 64-bit
            pos += 4 if wt == 5 else 8
            if pos > end:
                return None
        else:  # groups, wire types 6 and 7
            return None
    return _LayerFields(name, type_, bottoms, tops, blob_spans)


def _layer_fields(buf: mmap.mmap | bytes, start: int, end: int, *, v1: bool = False) -> _LayerFields:
    """Decodes the small fields of a ``LayerParameter`` (or ``V1LayerParameter``)
    payload with :func:`wire.iter_fields`; every field is walked, so a malformed
    payload raises :class:`ModelFormatError` (without file or layer: the caller knows
    them)."""
    if v1:
        f_name, f_type, f_bottom, f_top, f_blobs = V1_NAME, V1_TYPE, V1_BOTTOM, V1_TOP, V1_BLOBS
    else:
        f_name, f_type, f_bottom, f_top, f_blobs = L_NAME, L_TYPE, L_BOTTOM, L_TOP, L_BLOBS
    name = ""
    type_ = ""
    bottoms: list[str] = []
    tops: list[str] = []
    blob_spans: list[tuple[int, int]] = []
    for number, wt, a, b in wire.iter_fields(buf, start, end):
        if wt == wire.LEN:
            if number == f_blobs:
                blob_spans.append((a, b))
            elif number == f_name:
                name = wire.decode_string(buf, a, b)
            elif number == f_bottom:
                bottoms.append(wire.decode_string(buf, a, b))
            elif number == f_top:
                tops.append(wire.decode_string(buf, a, b))
            elif number == f_type and not v1:
                type_ = wire.decode_string(buf, a, b)
        elif v1 and number == f_type and wt == wire.VARINT:
            type_ = v1_type_name(a)
    return _LayerFields(name, type_, bottoms, tops, blob_spans)


def v1_type_name(value: int) -> str:
    """The name of a V1 ``LayerType`` enum value (V1 nets predate BatchNorm)."""
    return V1_TYPES.get(value, f"V1 type {value}")


# BVLC V1LayerParameter.LayerType, the values used by old nets.
V1_TYPES: dict[int, str] = {
    0: "NONE", 35: "ABSVAL", 1: "ACCURACY", 30: "ARGMAX", 2: "BNLL", 3: "CONCAT",
    37: "CONTRASTIVE_LOSS", 4: "CONVOLUTION", 5: "DATA", 39: "DECONVOLUTION", 6: "DROPOUT",
    32: "DUMMY_DATA", 7: "EUCLIDEAN_LOSS", 25: "ELTWISE", 38: "EXP", 8: "FLATTEN",
    9: "HDF5_DATA", 10: "HDF5_OUTPUT", 28: "HINGE_LOSS", 11: "IM2COL", 12: "IMAGE_DATA",
    13: "INFOGAIN_LOSS", 14: "INNER_PRODUCT", 15: "LRN", 29: "MEMORY_DATA",
    16: "MULTINOMIAL_LOGISTIC_LOSS", 34: "MVN", 17: "POOLING", 26: "POWER", 18: "RELU",
    19: "SIGMOID", 27: "SIGMOID_CROSS_ENTROPY_LOSS", 36: "SILENCE", 20: "SOFTMAX",
    21: "SOFTMAX_LOSS", 22: "SPLIT", 33: "SLICE", 23: "TANH", 24: "WINDOW_DATA", 31: "THRESHOLD",
}
