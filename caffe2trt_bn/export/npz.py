"""npz writer of Scale weights (loadable with ``numpy.load``, no pickle).

Entries: ``<name>.scale``, ``<name>.shift``, ``<name>.power`` (float32, one value per
channel) for each group, ``<name>`` being the BatchNorm layer name, and ``manifest``: a
0-d unicode array holding JSON text ``{"format", "format_version", "groups": [...]}``
with one object per group in execution order (the HDF5 attributes: ``name``,
``layers``, ``bottom``, ``top``, ``channels``, ``eps``, ``variant``).

``numpy.savez`` stamps entries with the current time; this writer builds the zip
itself with a fixed timestamp so the same weights give byte-identical files.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..io.atomic import atomic_output
from . import FORMAT_NAME, FORMAT_VERSION

if TYPE_CHECKING:
    from ..passes.scale_weights import ScaleWeights

_EPOCH = (1980, 1, 1, 0, 0, 0)
KEYS = ("scale", "shift", "power")


def stored_names(w: ScaleWeights) -> tuple[str, ...]:
    """The zip members holding the arrays of ``w`` (see :func:`export.check_unique`), as
    :mod:`zipfile` stores them (on Windows it writes ``\\`` as ``/``, so ``a\\b`` and
    ``a/b`` would be one member there)."""
    return tuple(zipfile.ZipInfo(f"{w.name}.{key}.npy").filename for key in KEYS)


def manifest(weights: Sequence[ScaleWeights]) -> str:
    """The JSON manifest text shared by the npz writer and readers."""
    return json.dumps(
        {"format": FORMAT_NAME, "format_version": FORMAT_VERSION, "groups": [w.metadata() for w in weights]},
        sort_keys=True,
    )


def _npy_bytes(array: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.lib.format.write_array(buf, array, allow_pickle=False)
    return buf.getvalue()


def write_npz(weights: Sequence[ScaleWeights], path: str | Path, *, inputs: Iterable[str | Path] = ()) -> None:
    entries: list[tuple[str, np.ndarray]] = []
    for w in weights:
        for member, key in zip(stored_names(w), KEYS):
            entries.append((member, np.asarray(getattr(w, key), dtype=np.float32)))
    entries.append(("manifest.npy", np.array(manifest(weights))))
    with atomic_output(path, inputs) as tmp, zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_STORED) as zf:
        for name, array in entries:
            info = zipfile.ZipInfo(name, date_time=_EPOCH)
            info.external_attr = 0o644 << 16
            zf.writestr(info, _npy_bytes(array))
