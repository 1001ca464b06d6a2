"""Writers of Scale weights, one module per format, chosen by the output suffix.

Every format carries the same float32 numbers; every writer is deterministic (the
same weights give byte-identical files) and atomic (see :mod:`caffe2trt_bn.io.atomic`).
Only :mod:`.h5` imports h5py, and only when an HDF5 file is asked for.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import Caffe2TrtError, OutputError
from ..policy import entry_point

if TYPE_CHECKING:
    from ..passes.scale_weights import ScaleWeights

#: Output suffix -> format name.
FORMATS = {".h5": "h5", ".hdf5": "h5", ".npz": "npz", ".wts": "wts"}

#: Identifies files written by this project (HDF5 root attribute, npz manifest).
FORMAT_NAME = "caffe2trt_bn.scale"
FORMAT_VERSION = 1


def format_of(path: str | Path) -> str:
    """The format name for ``path``'s suffix, or an :class:`OutputError`."""
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        known = ", ".join(sorted(FORMATS))
        raise OutputError(f"unknown output suffix {suffix or '(none)'!r}; use one of {known}", file=path)
    return FORMATS[suffix]


def check_names(weights: Sequence[ScaleWeights], fmt: str) -> None:
    """Refuses names no format can store: a NUL character (HDF5 strings end there, zip
    entry names are cut there) or text that is not valid UTF-8 (a prototxt escape such
    as ``"\\377"`` gives such a name)."""
    for w in weights:
        for text in (w.name, *w.layers, w.bottom, w.top):
            if "\x00" in text:
                problem = "holds a NUL character"
            else:
                try:
                    text.encode("utf-8")
                    continue
                except UnicodeEncodeError:
                    problem = "is not valid UTF-8"
            raise OutputError(f"the name {text!r} {problem}, which a .{fmt} file cannot store", layer=w.name)


def check_unique(weights: Sequence[ScaleWeights], fmt: str, stored_names: Callable[[ScaleWeights], Iterable[str]]) -> None:
    """Refuses two groups that a format would store under one name (``stored_names``
    gives the names a group takes in the file: its HDF5 group key, its npz members, its
    ``.wts`` entries).  Both would be written, and a reader would see only one of them
    (HDF5 refuses the second, a zip holds both and ``numpy.load`` returns one, tensorrtx
    keeps the last): the names are compared as stored, after any escaping."""
    owners: dict[str, int] = {}  # stored name -> index of the group stored there
    for index, w in enumerate(weights):
        for stored in stored_names(w):
            first = owners.setdefault(stored, index)
            if first == index:
                continue
            other = weights[first].name
            if other == w.name:
                message = f"two groups are named {w.name!r}; a .{fmt} file stores each group once, under its name"
            else:
                message = f"the groups {other!r} and {w.name!r} would both be stored as {stored!r} in a .{fmt} file"
            raise OutputError(message, layer=w.name)


@entry_point
def save(weights: Sequence[ScaleWeights], path: str | Path, *, inputs: Iterable[str | Path] = ()) -> Path:
    """Writes ``weights`` to ``path`` in the format its suffix names (.h5/.hdf5, .npz, .wts).

    ``inputs`` are files the output must not replace.  Names a format cannot store, and
    two groups stored under one name, are refused (:class:`OutputError`) before anything
    is written.  Returns the path written.
    """
    fmt = format_of(path)
    try:
        check_names(weights, fmt)
        writer = importlib.import_module(f".{fmt}", __name__)  # h5py only for HDF5
        check_unique(weights, fmt, writer.stored_names)
        getattr(writer, f"write_{fmt}")(weights, path, inputs=inputs)
    except Caffe2TrtError as exc:
        raise exc.with_context(file=path) from None
    return Path(path)
