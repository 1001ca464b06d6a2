"""Writers of Scale weights, one module per format, chosen by the output suffix.

Every format carries the same float32 numbers; every writer is deterministic (the
same weights give byte-identical files) and atomic (see :mod:`caffe2trt_bn.atomic`).
Only :mod:`.h5` imports h5py, and only when an HDF5 file is asked for.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import Caffe2TrtError, OutputError

if TYPE_CHECKING:
    from ..conversion import ScaleWeights

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


def check_names(weights: Sequence["ScaleWeights"], fmt: str) -> None:
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


def save(weights: Sequence["ScaleWeights"], path: str | Path, *, inputs: Iterable[str | Path] = ()) -> Path:
    """Writes ``weights`` to ``path`` in the format its suffix names (.h5/.hdf5, .npz, .wts).

    ``inputs`` are files the output must not replace.  Returns the path written.
    """
    fmt = format_of(path)
    try:
        check_names(weights, fmt)
        if fmt == "h5":
            from .h5 import write_h5

            write_h5(weights, path, inputs=inputs)
        elif fmt == "npz":
            from .npz import write_npz

            write_npz(weights, path, inputs=inputs)
        else:
            from .wts import write_wts

            write_wts(weights, path, inputs=inputs)
    except Caffe2TrtError as exc:
        raise exc.with_context(file=path) from None
    return Path(path)
