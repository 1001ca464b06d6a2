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
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import h5py
import numpy as np

from ..atomic import atomic_output
from . import FORMAT_NAME, FORMAT_VERSION

if TYPE_CHECKING:
    from ..extract import ScaleWeights


def group_key(name: str) -> str:
    """The HDF5 member name of a group: the layer name with ``%``, ``/`` and a leading ``.`` escaped."""
    key = name.replace("%", "%25").replace("/", "%2F")
    if key.startswith(".") or not key:
        key = "%2E" + key[1:] if key else "%"
    return key


def write_h5(weights: Sequence["ScaleWeights"], path: str | Path, *, inputs: Iterable[str | Path] = ()) -> None:
    with atomic_output(path, inputs) as tmp:
        with h5py.File(tmp, "w", track_order=False) as f:
            f.attrs["format"] = FORMAT_NAME
            f.attrs["format_version"] = np.int64(FORMAT_VERSION)
            f.attrs["groups"] = [group_key(w.name) for w in weights]
            # Groups and datasets created through property lists without timestamps keep
            # files reproducible.
            gcpl = h5py.h5p.create(h5py.h5p.GROUP_CREATE)
            gcpl.set_obj_track_times(False)
            dcpl = h5py.h5p.create(h5py.h5p.DATASET_CREATE)
            dcpl.set_obj_track_times(False)
            for w in weights:
                _write_group(f, w, gcpl, dcpl)


# A model has hundreds of groups, each of 3 datasets and 7 attributes; h5py's
# high-level API spends as much time again as HDF5 itself on each of these small
# objects (type guessing, checks), so they are made through the low-level API with the
# very types the high-level API chooses (the files are byte for byte the same).
_STR = h5py.string_dtype()
_FLOAT32 = np.dtype("<f4")


def _write_group(f: h5py.File, w: "ScaleWeights", gcpl: h5py.h5p.PropGCID, dcpl: h5py.h5p.PropDCID) -> None:
    gid = h5py.h5g.create(f.id, group_key(w.name).encode("utf-8"), gcpl=gcpl)
    file_type = h5py.h5t.py_create(_FLOAT32)
    for key in ("scale", "shift", "power"):
        data = np.ascontiguousarray(getattr(w, key), dtype=_FLOAT32)
        dset = h5py.h5d.create(gid, key.encode("ascii"), file_type, h5py.h5s.create_simple(data.shape), dcpl=dcpl)
        dset.write(h5py.h5s.ALL, h5py.h5s.ALL, data)
    _write_attr(gid, "name", np.array(w.name, dtype=_STR))
    _write_attr(gid, "layers", np.array(list(w.layers), dtype=_STR))
    _write_attr(gid, "bottom", np.array(w.bottom, dtype=_STR))
    _write_attr(gid, "top", np.array(w.top, dtype=_STR))
    _write_attr(gid, "channels", np.array(w.channels, dtype=np.int64))
    _write_attr(gid, "eps", np.array(w.eps, dtype=np.float64))
    _write_attr(gid, "variant", np.array(w.variant, dtype=_STR))


def _write_attr(oid: h5py.h5g.GroupID, name: str, data: np.ndarray) -> None:
    """``attrs[name] = data`` as h5py's ``AttributeManager.create`` writes it."""
    space = h5py.h5s.create_simple(data.shape)
    attr = h5py.h5a.create(oid, name.encode("ascii"), h5py.h5t.py_create(data.dtype, logical=True), space)
    try:
        attr.write(data, mtype=h5py.h5t.py_create(data.dtype))
    finally:
        attr.close()


def read_h5(path: str | Path) -> list[dict[str, object]]:
    """Reads a file written by :func:`write_h5` back as dicts (metadata and arrays), in order."""
    out = []
    with h5py.File(path, "r") as f:
        for key in f.attrs["groups"]:
            g = f[key if isinstance(key, str) else key.decode()]
            item: dict[str, object] = {k: g.attrs[k] for k in g.attrs}
            item["layers"] = [str(x) for x in item["layers"]]  # type: ignore[union-attr]
            for k in ("scale", "shift", "power"):
                item[k] = g[k][()]
            out.append(item)
    return out
