"""Lazy caffemodel reading: names at read time, everything else on first use.

``read_caffemodel`` walks only the top-level fields and decodes each layer's name from
the start of its payload; ``type``, ``bottoms``, ``tops`` and ``blob_spans`` are decoded
on first use.  These tests check that

* laziness holds: a layer whose payload is damaged after its name still reads, and
  fails with a one-line :class:`ModelFormatError` naming the file and the layer when
  it is used, or under :meth:`CaffeModel.check`;
* a payload that does not start with the name is decoded in full at read time;
* what is decoded lazily equals protobuf's decoding for every fixture caffemodel, and
  the inline scanners (layer payloads, Caffe's blob layout) agree with the general
  field loops on damaged input too (they decline, never disagree).
"""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest
from conftest import FIXTURES

from caffe2trt_bn import caffe_pb2
from caffe2trt_bn.io import wire
from caffe2trt_bn.io.blob import _parse_blob_fields, _parse_caffe_blob
from caffe2trt_bn.io.caffemodel import (
    ModelLayer,
    _layer_fields,
    _scan_layer,
    parse_blob,
    parse_caffemodel,
    read_caffemodel,
)
from caffe2trt_bn.errors import Caffe2TrtError, ModelFormatError

ALL_CAFFEMODELS = sorted(FIXTURES.rglob("*.caffemodel"))
RESNET = FIXTURES / "resnet_inplace" / "net.caffemodel"

#: Damaged payload tails (after a valid name), each refused by the protobuf wire rules.
GARBAGE: dict[str, bytes] = {
    "field claims too many bytes": wire.len_header(2, 80) + b"Scale",
    "field number 0": b"\x00\x01",
    "group wire type": b"\x13",
    "varint over 10 bytes": b"\x50" + b"\xff" * 11,
    "truncated 32-bit field": b"\x2d\x00\x00",
    "truncated blob length": b"\x3a\xff",
}

#: Mutated copies of fixture payloads checked per scanner (deterministic seed).
MUTATIONS = 3000


def layer_field(payload: bytes) -> bytes:
    """A NetParameter ``layer`` entry (field 100) holding ``payload``."""
    return wire.encode_len(100, payload)


def scale_layer(name: bytes) -> bytes:
    """A well-formed Scale layer with one 2-value blob, fields in Caffe's order."""
    blob = wire.encode_len(5, np.ones(2, "<f4").tobytes()) + wire.encode_len(7, wire.encode_len(1, b"\x02"))
    return layer_field(
        wire.encode_len(1, name) + wire.encode_len(2, b"Scale") + wire.encode_len(3, b"x")
        + wire.encode_len(4, b"x") + wire.encode_len(7, blob)
    )


def written(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / "lazy.caffemodel"
    path.write_bytes(data)
    return path


def assert_names(exc: Caffe2TrtError, path: Path, layer: str) -> None:
    """The error is one line naming the file and the layer."""
    text = str(exc)
    assert "\n" not in text
    assert exc.file == str(path) and exc.layer == layer
    assert text.startswith(f"{path}: layer {layer!r}: "), text


# --------------------------------------------------------------------------- laziness


@pytest.mark.parametrize("garbage", GARBAGE.values(), ids=GARBAGE.keys())
def test_damage_after_the_name_is_reported_on_first_use(tmp_path: Path, garbage: bytes) -> None:
    path = written(tmp_path, scale_layer(b"fine") + layer_field(wire.encode_len(1, b"broken") + garbage))
    model = read_caffemodel(path)  # the top level is sound: reading succeeds
    broken = model.layer("broken")
    assert broken is not None and not broken.decoded
    assert [layer.name for layer in model.layers] == ["fine", "broken"]
    fine = model.layer("fine")
    assert fine is not None and fine.type == "Scale" and fine.blobs[0].shape == (2,)
    for use in ("type", "bottoms", "tops", "blob_spans", "blobs"):
        with pytest.raises(ModelFormatError, match="malformed protobuf") as info:
            getattr(broken, use)
        assert_names(info.value, path, "broken")
    with pytest.raises(ModelFormatError, match="malformed protobuf") as info:
        model.check()
    assert_names(info.value, path, "broken")


def test_reading_decodes_names_only_and_check_decodes_the_rest() -> None:
    model = read_caffemodel(RESNET)
    assert model.layers and not any(layer.decoded for layer in model.layers)
    assert all(layer._blobs is None for layer in model.layers)
    assert "type=" not in repr(model.layers[0])  # showing a layer decodes nothing
    model.check()
    assert all(layer.decoded for layer in model.layers)
    assert all(layer._blobs is None for layer in model.layers)  # blobs stay for first use
    assert f"type={model.layers[0].type!r}" in repr(model.layers[0])


def test_unused_damaged_layer_does_not_stop_using_the_others(tmp_path: Path) -> None:
    path = written(tmp_path, layer_field(wire.encode_len(1, b"junk") + GARBAGE["group wire type"]) + scale_layer(b"s"))
    model = read_caffemodel(path)
    layer = model.layer("s")
    assert layer is not None
    assert (layer.type, layer.bottoms, layer.tops, len(layer.blobs)) == ("Scale", ["x"], ["x"], 1)


def test_unnamed_layer_is_named_by_index_and_offset(tmp_path: Path) -> None:
    # An empty name (tag 0x0A, length 0) still takes the lazy path.
    data = scale_layer(b"first") + layer_field(wire.encode_len(1, b"") + GARBAGE["field number 0"])
    path = written(tmp_path, data)
    model = read_caffemodel(path)
    unnamed = model.layers[1]
    assert unnamed.name == "" and unnamed.index == 1 and not unnamed.decoded
    with pytest.raises(ModelFormatError) as info:
        unnamed.type  # noqa: B018
    assert_names(info.value, path, f"#1@{unnamed.payload[0]}")


def test_a_second_name_field_is_refused_on_use(tmp_path: Path) -> None:
    """Protobuf keeps the last ``name``; the reader keyed the layer by the first one
    (Caffe never writes two), so using the layer says so instead of mixing them."""
    payload = wire.encode_len(1, b"first") + wire.encode_len(2, b"ReLU") + wire.encode_len(1, b"second")
    path = written(tmp_path, layer_field(payload))
    model = read_caffemodel(path)
    assert [layer.name for layer in model.layers] == ["first"]
    with pytest.raises(ModelFormatError, match="two names") as info:
        model.check()
    assert_names(info.value, path, "first")


# --------------------------------------------------------------------------- fallback


@pytest.mark.parametrize(
    "payload, name",
    [
        (wire.encode_len(2, b"ReLU") + wire.encode_len(1, b"late"), "late"),  # name not first
        (wire.encode_len(1, b"n" * 200) + wire.encode_len(2, b"ReLU"), "n" * 200),  # two-byte name length
        (wire.encode_len(2, b"ReLU"), ""),  # no name at all
        (b"\x8a\x00\x04name" + wire.encode_len(2, b"ReLU"), "name"),  # name tag in two bytes
    ],
    ids=["name not first", "long name", "no name", "non-canonical tag"],
)
def test_payload_not_starting_with_the_name_is_decoded_at_read_time(payload: bytes, name: str) -> None:
    model = parse_caffemodel(scale_layer(b"before") + layer_field(payload), "m.caffemodel")
    layer = model.layers[1]
    assert layer.name == name and layer.decoded
    assert layer.type == "ReLU" and layer.blob_spans == []
    assert model.layer(name) is layer


def test_damaged_payload_not_starting_with_the_name_fails_at_read_time(tmp_path: Path) -> None:
    data = scale_layer(b"ok") + layer_field(wire.encode_len(2, b"ReLU") + GARBAGE["group wire type"])
    path = written(tmp_path, data)
    offset = len(scale_layer(b"ok")) + len(wire.len_header(100, 1))
    with pytest.raises(ModelFormatError, match="unsupported wire type") as info:
        read_caffemodel(path)
    assert_names(info.value, path, f"#1@{offset}")


def test_damaged_top_level_still_fails_at_read_time(tmp_path: Path) -> None:
    """Only layer payloads are left for later: the NetParameter fields are all checked."""
    good = scale_layer(b"a")
    for data, message in (
        (good + wire.len_header(100, 2**40) + b"\x0a\x01b", "claims 1099511627776 bytes"),
        (good + good[:-3], "truncated or corrupt"),
        (good + b"\xa2\x06" + b"\xff" * 11, "varint longer than 10 bytes"),
        (good + b"\x00", "field number 0"),
    ):
        with pytest.raises(ModelFormatError, match=message) as info:
            read_caffemodel(written(tmp_path, data))
        assert info.value.layer is None  # about the file, not a layer


def test_constructed_layer_decodes_only_what_it_was_not_given() -> None:
    payload = wire.encode_len(1, b"c") + wire.encode_len(2, b"Convolution") + wire.encode_len(3, b"in")
    data = layer_field(payload)
    start = len(data) - len(payload)
    layer = ModelLayer("c", "Given", None, ["given"], None, (0, len(data)), (start, len(data)), buffer=data)
    assert layer.type == "Given" and layer.tops == ["given"]  # kept
    assert layer.bottoms == ["in"] and layer.blob_spans == []  # decoded
    assert layer.type == "Given" and layer.decoded


# --------------------------------------------------------------------------- fixtures


def _pb_layers(path: Path) -> list[tuple[str, str | None, list[str], list[str], int]]:
    net = caffe_pb2.NetParameter.FromString(path.read_bytes())
    if len(net.layers):  # V1: the type is an enum there
        return [(l.name, None, list(l.bottom), list(l.top), len(l.blobs)) for l in net.layers]
    return [(l.name, l.type, list(l.bottom), list(l.top), len(l.blobs)) for l in net.layer]


@pytest.mark.parametrize("path", ALL_CAFFEMODELS, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_lazy_attributes_equal_protobuf_and_the_full_parse(path: Path) -> None:
    model = read_caffemodel(path)
    buf = model.buffer
    if not model.is_v1:  # Caffe writes the name first: nothing but names decoded yet
        assert not any(layer.decoded for layer in model.layers)
    theirs = _pb_layers(path)
    ours = [
        (l.name, None if l.v1 else l.type, l.bottoms, l.tops, len(l.blob_spans)) for l in model.layers
    ]
    assert ours == theirs
    for index, layer in enumerate(model.layers):
        assert layer.index == index
        full = _layer_fields(buf, *layer.payload, v1=layer.v1)  # the general field loop
        assert (layer.name, layer.type, layer.bottoms, layer.tops, layer.blob_spans) == tuple(full)
        tag_and_length = wire.len_header(2 if layer.v1 else 100, layer.payload[1] - layer.payload[0])
        assert layer.span == (layer.payload[0] - len(tag_and_length), layer.payload[1])
        assert bytes(buf[layer.span[0] : layer.payload[0]]) == tag_and_length
    model.check()


# --------------------------------------------------------------------------- scanners


def _fixture_payloads(limit: int = 4096) -> list[bytes]:
    """Every LayerParameter payload of the fixtures below ``limit`` bytes."""
    payloads = []
    for path in ALL_CAFFEMODELS:
        model = read_caffemodel(path)
        payloads += [bytes(model.buffer[a:b]) for a, b in (l.payload for l in model.layers if not l.v1) if b - a < limit]
    return payloads


def _mutated(rng: random.Random, data: bytes) -> bytes:
    """``data`` with one small damage: a flipped bit, a cut, a boundary byte, an insertion."""
    pos = rng.randrange(len(data))
    kind = rng.randrange(4)
    if kind == 0:
        return data[:pos] + bytes([data[pos] ^ (1 << rng.randrange(8))]) + data[pos + 1 :]
    if kind == 1:
        return data[:pos]
    byte = bytes([rng.choice((0x00, 0x0A, 0x12, 0x3A, 0x7F, 0x80, 0xFF))])
    return data[:pos] + byte + data[pos + (kind == 2) :]


def test_layer_scanner_declines_or_agrees_with_the_general_loop() -> None:
    rng = random.Random(0)
    payloads = _fixture_payloads()
    assert payloads
    for payload in payloads:
        assert _scan_layer(payload, 0, len(payload)) == _layer_fields(payload, 0, len(payload))
    declined = 0
    for _ in range(MUTATIONS):
        data = _mutated(rng, rng.choice(payloads))
        fast = _scan_layer(data, 0, len(data))
        try:
            general = _layer_fields(data, 0, len(data))
        except ModelFormatError:
            assert fast is None, data  # never accepts what the wire rules refuse
            declined += 1
            continue
        assert fast is None or fast == general, data
    assert declined  # the mutations did reach the refusals


def _fixture_blobs() -> list[bytes]:
    blobs = []
    for path in ALL_CAFFEMODELS:
        model = read_caffemodel(path)
        blobs += [bytes(model.buffer[a:b]) for l in model.layers for a, b in l.blob_spans if b - a < 4096]
    return blobs


def _same_blob(a, b) -> bool:  # type: ignore[no-untyped-def]
    return (
        a.shape == b.shape and a.span == b.span and a.legacy_shape == b.legacy_shape
        and a.data.dtype == b.data.dtype and np.array_equal(a.data, b.data, equal_nan=True)
    )


def test_blob_fast_path_declines_or_agrees_with_the_general_parser() -> None:
    rng = random.Random(1)
    blobs = _fixture_blobs()
    assert any(_parse_caffe_blob(blob, 0, len(blob)) is not None for blob in blobs)
    for _ in range(MUTATIONS):
        data = _mutated(rng, rng.choice(blobs))
        fast = _parse_caffe_blob(data, 0, len(data))
        try:
            general = _parse_blob_fields(data, 0, len(data))
        except ModelFormatError:
            assert fast is None, data
            continue
        assert fast is None or _same_blob(fast, general), data


@pytest.mark.parametrize("count", [0, 1, 31, 32, 127, 128, 4095, 4096, 16383, 16384, 70000])
def test_one_dim_blobs_of_every_length_encoding(count: int) -> None:
    """1-D blobs as Caffe writes them, across one-, two- and three-byte varints of the
    data length and of the dim: the fast path takes them all, zero-copy, as the
    general parser decodes them."""
    values = np.arange(count, dtype="<f4")
    payload = wire.encode_len(5, values.tobytes()) + wire.encode_len(7, wire.encode_len(1, wire.encode_varint(count)))
    data = b"\x01" * 3 + payload  # not at offset 0: offsets must carry through
    start, end = 3, len(data)
    fast = _parse_caffe_blob(data, start, end)
    assert fast is not None
    assert _same_blob(fast, _parse_blob_fields(data, start, end))
    assert fast.shape == (count,) and fast.span == (start, end) and fast.data.dtype == np.dtype("<f4")
    assert np.array_equal(fast.data, values) and not fast.data.flags.writeable
    assert count == 0 or np.shares_memory(fast.data, np.frombuffer(data, np.uint8))
    assert _same_blob(parse_blob(data, start, end), fast)


@pytest.mark.parametrize(
    ("type_name", "low", "high"),
    [("int32", -(2**31), 2**31 - 1), ("uint32", 0, 2**32 - 1), ("int64", -(2**63), 2**63 - 1), ("uint64", 0, 2**64 - 1)],
)
def test_int_range_error_accepts_the_type_range_and_names_it_beyond(type_name: str, low: int, high: int) -> None:
    """The range of each proto integer type, edges included (the values a varint of that
    type decodes to: int32 as int64 two's complement, uint64 as the raw varint)."""
    assert wire.int_range_error(low, type_name) is None
    assert wire.int_range_error(high, type_name) is None
    for value in (low - 1, high + 1):
        assert wire.int_range_error(value, type_name) == f"{value} is out of the range of {type_name} ({low} to {high})"
    if type_name in ("int32", "int64"):
        assert wire.int_range_error(wire.to_int64(2**64 - 1), type_name) is None  # -1 as the wire carries it
