"""tensorrtx ``.wts`` text writer and reader.

The first line is the number of entries; each following line is
``<name>.<key> <count> <hex> <hex> ...`` with ``<key>`` one of ``scale``, ``shift``,
``power`` and each float32 written as 8 lowercase hex digits of its IEEE-754 bits, most
significant byte first (what tensorrtx's ``loadWeights`` reads with ``std::hex``).
Names are whitespace-separated in this format, so a layer name containing whitespace
cannot be written and is refused with an error naming the layer.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..errors import Caffe2TrtError, OutputError
from ..io.atomic import write_bytes_atomic

if TYPE_CHECKING:
    from ..passes.scale_weights import ScaleWeights

KEYS = ("scale", "shift", "power")


def stored_names(w: ScaleWeights) -> tuple[str, ...]:
    """The entry names of ``w`` (see :func:`export.check_unique`)."""
    return tuple(f"{w.name}.{key}" for key in KEYS)


def wts_text(weights: Sequence[ScaleWeights]) -> str:
    lines = [str(len(weights) * len(KEYS))]
    for w in weights:
        if not w.name or any(ch.isspace() for ch in w.name):
            raise OutputError(".wts names are whitespace-separated; this layer name cannot be written", layer=w.name)
        for entry, key in zip(stored_names(w), KEYS):
            values = np.asarray(getattr(w, key), dtype=">f4")
            # Big-endian bytes in hex are the 8-digit words, most significant first.
            words = np.frombuffer(values.tobytes().hex().encode("ascii"), dtype="S8")
            lines.append(f"{entry} {values.size} " + b" ".join(words.tolist()).decode("ascii"))
    return "\n".join(lines) + "\n"


def write_wts(weights: Sequence[ScaleWeights], path: str | Path, *, inputs: Iterable[str | Path] = ()) -> None:
    text = wts_text(weights)
    write_bytes_atomic(path, text.encode("utf-8"), inputs)  # names may be any UTF-8; the rest is ASCII


def read_wts(path: str | Path) -> dict[str, np.ndarray]:
    """Reads a ``.wts`` file into ``{entry name: float32 array}`` (as tensorrtx does)."""
    with open(path, encoding="utf-8") as f:
        tokens = f.read().split()
    if not tokens:
        raise Caffe2TrtError("empty .wts file", file=path)
    count = int(tokens[0])
    pos = 1
    out: dict[str, np.ndarray] = {}
    for _ in range(count):
        name, n = tokens[pos], int(tokens[pos + 1])
        words = np.array([int(t, 16) for t in tokens[pos + 2 : pos + 2 + n]], dtype=">u4")
        out[name] = words.view(">f4").astype(np.float32)
        pos += 2 + n
    return out
