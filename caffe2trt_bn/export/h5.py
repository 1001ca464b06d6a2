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
            for w in weights:
                _write_group(f, w)


def _write_group(f: h5py.File, w: "ScaleWeights") -> None:
    # A group created through a property list without timestamps keeps files reproducible.
    gcpl = h5py.h5p.create(h5py.h5p.GROUP_CREATE)
    gcpl.set_obj_track_times(False)
    gid = h5py.h5g.create(f.id, group_key(w.name).encode("utf-8"), gcpl=gcpl)
    g = h5py.Group(gid)
    for key in ("scale", "shift", "power"):
        g.create_dataset(key, data=np.asarray(getattr(w, key), dtype=np.float32), track_times=False)
    meta = w.metadata()
    g.attrs["name"] = w.name
    g.attrs["layers"] = list(w.layers)
    g.attrs["bottom"] = w.bottom
    g.attrs["top"] = w.top
    g.attrs["channels"] = np.int64(meta["channels"])
    g.attrs["eps"] = np.float64(w.eps)
    g.attrs["variant"] = w.variant


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
