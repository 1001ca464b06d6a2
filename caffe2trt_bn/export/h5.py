"""HDF5 writer and reader of Scale weights.

Layout (format ``caffe2trt_bn.scale`` version 1):

* root attributes ``format``, ``format_version``, and ``groups``: the group paths in
  execution order (HDF5 itself lists members alphabetically);
* one group per fused group at ``/<key>``, where ``<key>`` is the BatchNorm layer name
  with ``%`` written ``%25``, ``/`` written ``%2F`` and a leading ``.`` written ``%2E``
  (so ``conv1/bn`` is ``/conv1%2Fbn``);
* in each group the float32 datasets ``scale``, ``shift``, ``power`` (one value per
  channel) and the attributes ``name``, ``layers`` (fused layer names, BatchNorm
  first), ``bottom``, ``top``, ``channels``, ``eps``, ``variant``.

Timestamps are not recorded, so the same weights give byte-identical files.

Files of up to :data:`COMPACT_GROUPS_MAX` groups are in HDF5's original file format;
larger ones in HDF5 1.8's (:data:`LARGE_LIBVER`), whose dense attribute storage holds a
``groups`` attribute of any size, read the same way (see the README, "Output formats").
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import h5py
import numpy as np

from ..io.atomic import atomic_output
from . import FORMAT_NAME, FORMAT_VERSION

if TYPE_CHECKING:
    from ..passes.scale_weights import ScaleWeights


def group_key(name: str) -> str:
    """The HDF5 member name of a group: the layer name with ``%``, ``/`` and a leading ``.`` escaped."""
    key = name.replace("%", "%25").replace("/", "%2F")
    if key.startswith(".") or not key:
        key = "%2E" + key[1:] if key else "%"
    return key


def stored_names(w: ScaleWeights) -> tuple[str]:
    """The name under which the group of ``w`` is stored (see :func:`export.check_unique`)."""
    return (group_key(w.name),)


#: The most groups whose ``groups`` attribute fits in the root group's object header in
#: HDF5's original file format: a header message holds at most 65,535 bytes, and each
#: name takes a 16-byte reference to the global heap whatever its length (measured:
#: 4,091 fit, 4,092 do not).
COMPACT_GROUPS_MAX = 4091

#: The file format of files with more groups: HDF5 1.8's, where an attribute too large
#: for its object header goes to dense attribute storage (a fractal heap) by itself.
#: Readers read it as any attribute; they need HDF5 1.8 (2008) or later.
LARGE_LIBVER = ("v108", "v108")


def write_h5(weights: Sequence[ScaleWeights], path: str | Path, *, inputs: Iterable[str | Path] = ()) -> None:
    # Files of up to COMPACT_GROUPS_MAX groups keep HDF5's original format (h5py's default,
    # readable by any HDF5); only larger ones need the 1.8 format.
    libver = {} if len(weights) <= COMPACT_GROUPS_MAX else {"libver": LARGE_LIBVER}
    with atomic_output(path, inputs) as tmp:
        # The in-memory driver builds the whole file image, written at once: the same
        # bytes as writing object by object, in about half the time.  HDF5 is given no
        # backing file: it refuses to open the unnamed temporary file by its
        # /proc/self/fd path (it resolves symlinks to a real path, and there is none).
        # The image of the flushed file is a complete HDF5 file; in the original format
        # it is byte for byte what closing a backed file writes (in the 1.8 format,
        # closing would also trim a little unused space at its end).
        with h5py.File(str(tmp), "w", track_order=False, driver="core", backing_store=False, **libver) as f:
            f.attrs["format"] = FORMAT_NAME
            f.attrs["format_version"] = np.int64(FORMAT_VERSION)
            f.attrs["groups"] = [group_key(w.name) for w in weights]
            writer = _GroupWriter(f)
            for w in weights:
                _write_group(f, w, writer)
            f.flush()
            image = f.id.get_file_image()
        with open(tmp, "wb") as out:
            out.write(image)


def _write_group(f: h5py.File, w: ScaleWeights, writer: _GroupWriter) -> None:
    """Writes the group of ``w`` into ``f`` (one call per group: tests interrupt a write
    between groups here)."""
    writer.write(w)


# A model has hundreds of groups, each of 3 datasets and 7 attributes; h5py's
# high-level API spends as much time again as HDF5 itself on each of these small
# objects (type guessing, checks, new type and dataspace objects every time), so they
# are made through the low-level API, with the very types the high-level API chooses
# (the files are byte for byte those the high-level API writes), created once per file.
_STR = h5py.string_dtype()


class _GroupWriter:
    """Writes the groups of one file (see the module docstring for the layout)."""

    def __init__(self, f: h5py.File) -> None:
        self.fid = f.id
        # Groups and datasets created through property lists without timestamps keep
        # files reproducible.
        self.gcpl = h5py.h5p.create(h5py.h5p.GROUP_CREATE)
        self.gcpl.set_obj_track_times(False)
        self.dcpl = h5py.h5p.create(h5py.h5p.DATASET_CREATE)
        self.dcpl.set_obj_track_times(False)
        self.float32 = h5py.h5t.py_create(np.dtype("<f4"))
        self.scalar = h5py.h5s.create_simple(())
        # Attribute kind -> (type in the file, type in memory), as AttributeManager.create
        # makes them for a str (or list of str), an int64 and a float64.
        self.types: dict[str, tuple[h5py.h5t.TypeID, h5py.h5t.TypeID]] = {
            key: (h5py.h5t.py_create(dtype, logical=True), h5py.h5t.py_create(dtype))
            for key, dtype in (("str", _STR), ("int64", np.dtype(np.int64)), ("float64", np.dtype(np.float64)))
        }

    def write(self, w: ScaleWeights) -> None:
        gid = h5py.h5g.create(self.fid, group_key(w.name).encode("utf-8"), gcpl=self.gcpl)
        for key in ("scale", "shift", "power"):
            data = np.ascontiguousarray(getattr(w, key), dtype="<f4")
            space = h5py.h5s.create_simple(data.shape)
            dset = h5py.h5d.create(gid, key.encode("ascii"), self.float32, space, dcpl=self.dcpl)
            dset.write(h5py.h5s.ALL, h5py.h5s.ALL, data)
        self.attr(gid, "name", "str", w.name)
        self.attr(gid, "layers", "str", list(w.layers))
        self.attr(gid, "bottom", "str", w.bottom)
        self.attr(gid, "top", "str", w.top)
        self.attr(gid, "channels", "int64", w.channels)
        self.attr(gid, "eps", "float64", w.eps)
        self.attr(gid, "variant", "str", w.variant)

    def attr(self, gid: h5py.h5g.GroupID, name: str, kind: str, value: object) -> None:
        """``attrs[name] = value`` as h5py's ``AttributeManager.create`` writes it."""
        file_type, memory_type = self.types[kind]
        data = np.array(value, dtype=_STR if kind == "str" else kind)
        space = self.scalar if data.ndim == 0 else h5py.h5s.create_simple(data.shape)
        attr = h5py.h5a.create(gid, name.encode("ascii"), file_type, space)
        try:
            attr.write(data, mtype=memory_type)
        finally:
            attr.close()


def read_h5(path: str | Path) -> list[dict[str, object]]:
    """Reads a file written by :func:`write_h5` back as dicts (metadata and arrays), in order."""
    out = []
    with h5py.File(path, "r") as f:
        for key in f.attrs["groups"]:
            g = f[key if isinstance(key, str) else key.decode()]
            item: dict[str, object] = {k: g.attrs[k] for k in g.attrs}
            item["layers"] = [str(x) for x in g.attrs["layers"]]
            for k in ("scale", "shift", "power"):
                item[k] = g[k][()]
            out.append(item)
    return out
