"""The fast paths that make reading a model cheap give exactly what the general code gives.

* ``prototxt.parser._parse_plain`` (one regex match per field) builds the very tree the full
  tokenizer-based parser builds, and declines every text outside its subset;
* ``blob._parse_caffe_blob`` (the blob layout Caffe writes) decodes what the
  general BlobProto parser decodes, and declines every other layout;
* ``ModelLayer.blobs`` is parsed on first use, with errors naming the file and layer;
* the HDF5 writer, built on h5py's low-level API, writes byte for byte the file h5py's
  high-level API writes for the same layout.

Speed itself is measured by ``benchmarks/``, never asserted here.
"""

from __future__ import annotations

import random
from pathlib import Path

import h5py
import numpy as np
import pytest
from conftest import FIXTURES, tree_difference
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from caffe2trt_bn.errors import Caffe2TrtError, ModelFormatError, PrototxtSyntaxError
from caffe2trt_bn.export.h5 import group_key, write_h5
from caffe2trt_bn.io import wire
from caffe2trt_bn.io.blob import _parse_caffe_blob
from caffe2trt_bn.io.caffemodel import (
    parse_blob,
    parse_caffemodel,
    read_caffemodel,
)
from caffe2trt_bn.io.prototxt import Document
from caffe2trt_bn.io.prototxt.parser import _parse_plain, _parse_tokens
from caffe2trt_bn.passes.scale_weights import ScaleWeights

PROTOTXTS = sorted(FIXTURES.rglob("*.prototxt"))
CAFFEMODELS = sorted(FIXTURES.rglob("*.caffemodel"))

#: Every attribute of a parsed node (see prototxt.Node).
def check_plain(text: str) -> Document | None:
    """Parses ``text`` both ways; when the plain parser accepts, the trees must match."""
    plain = _parse_plain(text, "net.prototxt")
    try:
        full: Document | None = _parse_tokens(text, "net.prototxt")
    except PrototxtSyntaxError:
        full = None
    if plain is not None:
        assert full is not None, f"the plain parser accepted a text the full parser rejects: {text!r}"
        assert tree_difference(plain, full) is None, (tree_difference(plain, full), text)
        assert plain.render() == text
    return plain


@pytest.mark.parametrize("path", PROTOTXTS, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_plain_parser_matches_full_parser_on_fixtures(path: Path) -> None:
    check_plain(path.read_text(encoding="utf-8"))


PLAIN_TEXTS = [
    "",
    "\n\n# only a comment\n",
    'name: "n"\nlayer {\n  name: "a"  # trailing comment\n  top: "a"\n}\n',
    "layer{name:'q'}",
    'a: "esc \\" \\\\ \\n"\n',
    "\ufeffa: 1\r\nb {\r\n  c: -2.5e-3\r\n}\r\n",
    "a: 0x1F b: -inf c: .5 d: 1f e: - 3 f: true",
    "a: {\n b: 1 }",
    "a # comment between\n : 1\n",
    "a:\n\n   1",
    "\tlayer {\n\t\tname: \"x\"\n\t}",
]

DECLINED_TEXTS = [
    "a: [1, 2]",
    "a: 1;",
    "a: 1, b: 2",
    "a < b: 1 >",
    'a: "x" "y"',
    "[ext.field]: 1",
    "a: [{ b: 1 }]",
    "a { b: 1",
    "a: 1 }",
    "a 1",
    "a: 1.2.3",
    "a: 5x",
    'a: "unterminated',
    "-a: 1",
]


@pytest.mark.parametrize("text", PLAIN_TEXTS)
def test_plain_parser_accepts_plain_texts(text: str) -> None:
    assert check_plain(text) is not None


@pytest.mark.parametrize("text", DECLINED_TEXTS)
def test_plain_parser_declines_the_rest(text: str) -> None:
    assert check_plain(text) is None


PIECES = ["{", "}", ":", " ", "\n", "#c\n", '"s"', "'q'", "1", "-2", "x", "a_b", "[", "]", ",", ";", "<", ">",
          '"a\\n"', "1e5", ".5", "0x1F", "- 3", "-inf", "\t", "#", "\\", '"', "5x", "a:1", "b{", "\ufeff", "é"]


@settings(max_examples=400, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(st.sampled_from(PROTOTXTS), st.lists(st.tuples(st.floats(0, 1), st.sampled_from(PIECES), st.integers(0, 3)),
                                            max_size=4))
def test_plain_parser_matches_full_parser_on_mutations(path: Path, edits: list[tuple[float, str, int]]) -> None:
    text = path.read_text(encoding="utf-8")
    for where, piece, cut in edits:
        k = int(where * len(text))
        text = text[:k] + piece + text[k + cut:]
    check_plain(text)


def test_plain_parser_random_piece_soup() -> None:
    rng = random.Random(0)
    for _ in range(3000):
        check_plain("".join(rng.choice(PIECES) for _ in range(rng.randint(0, 25))))


# --------------------------------------------------------------------------- blobs


def shape_field(dims: bytes) -> bytes:
    """A BlobProto ``shape`` field whose packed ``dim`` payload is ``dims``."""
    return wire.encode_len(7, wire.encode_len(1, dims))


def blob_payload(values: np.ndarray, shape: tuple[int, ...], *, shape_first: bool) -> bytes:
    """A BlobProto with packed float ``data`` and a packed ``shape``, in either field order."""
    data = wire.encode_len(5, values.astype("<f4").tobytes())
    dims = shape_field(b"".join(wire.encode_varint(d) for d in shape))
    return dims + data if shape_first else data + dims


@pytest.mark.parametrize(
    "shape",
    [(0,), (1,), (7,), (2, 3), (64, 3, 7, 7), (127,), (128,), (256, 3), (300,), (129, 2), (1, 1, 1, 1)],
    ids=str,
)
def test_caffe_blob_layout_decodes_as_the_general_parser(shape: tuple[int, ...]) -> None:
    values = np.arange(int(np.prod(shape)), dtype=np.float32) * np.float32(0.5) - 3
    caffe_bytes = blob_payload(values, shape, shape_first=False)  # Caffe's order: the fast path
    fast = parse_blob(caffe_bytes, 0, len(caffe_bytes))
    general_bytes = blob_payload(values, shape, shape_first=True)  # not Caffe's order: the general parser
    general = parse_blob(general_bytes, 0, len(general_bytes))
    assert _parse_caffe_blob(caffe_bytes, 0, len(caffe_bytes)) is not None
    assert _parse_caffe_blob(general_bytes, 0, len(general_bytes)) is None
    assert fast.shape == general.shape == shape
    assert fast.data.dtype == general.data.dtype == np.float32
    assert np.array_equal(fast.data, general.data) and np.array_equal(fast.data, values)
    assert not fast.legacy_shape and not general.legacy_shape


@pytest.mark.parametrize(
    "payload, message",
    [
        (wire.encode_len(5, np.zeros(3, "<f4").tobytes()) + shape_field(b"\x02"), "needs 2"),
        (wire.encode_len(5, b"\x00" * 6) + shape_field(b"\x01"), "whole number"),
        (wire.encode_len(5, np.zeros(1, "<f4").tobytes()) + shape_field(wire.encode_varint(-1)), "negative dimension"),
    ],
    ids=["count mismatch", "ragged data", "negative dim"],
)
def test_inconsistent_caffe_layout_is_reported_by_the_general_parser(payload: bytes, message: str) -> None:
    assert _parse_caffe_blob(payload, 0, len(payload)) is None
    with pytest.raises(ModelFormatError, match=message):
        parse_blob(payload, 0, len(payload))


@pytest.mark.parametrize("path", CAFFEMODELS, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_fixture_blobs_parse_lazily_and_alike(path: Path) -> None:
    try:
        model = read_caffemodel(path)
    except Caffe2TrtError:
        pytest.skip("not a readable caffemodel (an error fixture)")
    for layer in model.layers:
        assert layer._blobs is None  # nothing decoded before it is asked for
        for (a, b), blob in zip(layer.blob_spans, layer.blobs):
            # Reparse from a copy of the bytes: the same values, whatever path decodes them.
            again = parse_blob(bytes(model.buffer[a:b]), 0, b - a)
            assert blob.shape == again.shape and np.array_equal(blob.data, again.data)
        assert layer.blobs is layer.blobs  # decoded once


def test_bad_blob_is_reported_on_use_with_file_and_layer() -> None:
    bad_blob = wire.encode_len(5, b"\x00" * 6)  # 6 bytes: not whole float32 values
    good_blob = blob_payload(np.ones(2, np.float32), (2,), shape_first=False)
    layers = b"".join(
        wire.encode_len(100, wire.encode_len(1, name) + wire.encode_len(2, b"Scale") + wire.encode_len(7, blob))
        for name, blob in ((b"fine", good_blob), (b"broken", bad_blob))
    )
    model = parse_caffemodel(layers, "m.caffemodel")  # reading the layer list does not decode blobs
    assert model.layer("fine") is not None and model.layer("fine").blobs[0].shape == (2,)  # type: ignore[union-attr]
    with pytest.raises(ModelFormatError) as info:
        model.layer("broken").blobs  # type: ignore[union-attr]  # noqa: B018
    text = str(info.value)
    assert "m.caffemodel" in text and "broken" in text and "blob 0:" in text


# --------------------------------------------------------------------------- HDF5


def high_level_h5(weights: list[ScaleWeights], path: Path) -> None:
    """The layout of ``export/h5.py`` written with h5py's high-level API only."""
    with h5py.File(path, "w", track_order=False) as f:
        f.attrs["format"] = "caffe2trt_bn.scale"
        f.attrs["format_version"] = np.int64(1)
        f.attrs["groups"] = [group_key(w.name) for w in weights]
        for w in weights:
            gcpl = h5py.h5p.create(h5py.h5p.GROUP_CREATE)
            gcpl.set_obj_track_times(False)
            g = h5py.Group(h5py.h5g.create(f.id, group_key(w.name).encode("utf-8"), gcpl=gcpl))
            for key in ("scale", "shift", "power"):
                g.create_dataset(key, data=np.asarray(getattr(w, key), dtype=np.float32), track_times=False)
            g.attrs["name"] = w.name
            g.attrs["layers"] = list(w.layers)
            g.attrs["bottom"] = w.bottom
            g.attrs["top"] = w.top
            g.attrs["channels"] = np.int64(w.channels)
            g.attrs["eps"] = np.float64(w.eps)
            g.attrs["variant"] = w.variant


def test_h5_writer_writes_what_the_high_level_api_writes(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    weights = [
        ScaleWeights("conv1/bn", ["conv1/bn", "conv1/scale"], "conv1", "conv1", rng.standard_normal(64, np.float32),
                     rng.standard_normal(64, np.float32), np.ones(64, np.float32), 1e-5),
        ScaleWeights("ünï%.x", ["ünï%.x"], "a b", "c", np.zeros(0, np.float32), np.zeros(0, np.float32),
                     np.ones(0, np.float32), 1e-3, variant="nvcaffe"),
        ScaleWeights(".lead", [".lead", "s", "b"], "x", "y", np.full(3, 2.5, np.float32), np.ones(3, np.float32),
                     np.ones(3, np.float32), 0.25),
    ]
    write_h5(weights, tmp_path / "ours.h5")
    high_level_h5(weights, tmp_path / "reference.h5")
    assert (tmp_path / "ours.h5").read_bytes() == (tmp_path / "reference.h5").read_bytes()

