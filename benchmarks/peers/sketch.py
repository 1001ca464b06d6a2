"""The yardstick of the ``extract()`` figure: an unchecked single-purpose reader.

It reads the benchmark's generated models and does the arithmetic of ``extract()``, and
nothing else: it assumes what these models are (every BatchNorm followed by its Scale with
a bias, the default eps, Caffe's field order, well-formed files), builds no graph, reads no
other field and checks nothing.  The protobuf parse's work over its time is what a Python
reader reaches when it checks nothing; one that checks its input has more to do.  Not a
tool to use.  :mod:`paired` times :func:`sketch_extract` beside ``extract()``.
"""

import itertools
import mmap
import os
import re
from collections.abc import Iterator

import numpy as np

SKETCH_FIELDS = re.compile(rb'^\s*(name|type)\s*:\s*"([^"]*)"', re.MULTILINE)


def sketch_varint(buf: mmap.mmap, i: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        byte = buf[i]
        i += 1
        value |= (byte & 127) << shift
        shift += 7
        if byte < 128:
            return value, i


def sketch_fields(buf: mmap.mmap, i: int, end: int) -> Iterator[tuple[int, int, int]]:
    # (field number, start, end) of each length-delimited field of buf[i:end]
    while i < end:
        key, i = sketch_varint(buf, i)
        kind = key & 7
        if kind == 2:
            size, i = sketch_varint(buf, i)
            yield key >> 3, i, i + size
            i += size
        elif kind == 0:
            i = sketch_varint(buf, i)[1]
        else:
            i += 4 if kind == 5 else 8


def sketch_extract(
    deploy: str | os.PathLike[str], model: str | os.PathLike[str]
) -> list[tuple[np.ndarray, np.ndarray]]:
    with open(deploy, "rb") as f:
        names: list[bytes] = []
        types: list[bytes] = []
        for key, value in SKETCH_FIELDS.findall(f.read()):
            (names if key == b"name" else types).append(value)
    layers = list(zip(names[len(names) - len(types):], types, strict=False))  # the net's own name comes first
    with open(model, "rb") as f:
        buf = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    spans: dict[bytes, tuple[int, int]] = {}
    for number, start, end in sketch_fields(buf, 0, len(buf)):
        if number == 100:  # NetParameter.layer; its name is its first field
            size, i = sketch_varint(buf, start + 1)
            spans[bytes(buf[i:i + size])] = (start, end)

    def blobs(name: bytes) -> list[np.ndarray]:
        out = []
        for number, start, end in sketch_fields(buf, *spans[name]):
            if number == 7:  # LayerParameter.blobs
                for field, a, b in sketch_fields(buf, start, end):
                    if field == 5:  # BlobProto.data, packed
                        out.append(np.frombuffer(buf, np.float32, (b - a) // 4, a))
        return out

    result = []
    for (name, kind), (next_name, next_kind) in itertools.pairwise(layers):
        if kind == b"BatchNorm" and next_kind == b"Scale":
            mean, var, factor = blobs(name)
            gamma, beta = blobs(next_name)
            s = 1.0 / float(factor[0])
            a = 1.0 / np.sqrt(np.multiply(var, s, dtype=np.float64) + float(np.float32(1e-5)))
            b = -np.multiply(mean, s, dtype=np.float64) * a
            result.append(((a * gamma).astype(np.float32), (b * gamma + beta).astype(np.float32)))
    return result
