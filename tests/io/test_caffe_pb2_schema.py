"""Checks that proto/caffe.proto (via caffe2trt_bn.caffe_pb2) is wire-compatible
with what BVLC Caffe really writes.

The fixtures under fixtures/*/ were produced by BVLC Caffe 1.0 itself, so:
  * every net.caffemodel must decode with no unknown field anywhere and must
    re-serialise to exactly the same bytes (Caffe, like protobuf, writes
    fields in field-number order);
  * every deploy.prototxt / train.prototxt must parse with text_format;
  * layer names, types and blob shapes must be what the prototxts describe.
It also pins the defaults that matter for BatchNorm folding and the
NVIDIA/OpenCV raw_data (FLOAT16) extension of BlobProto.
"""

import json
import math
from pathlib import Path

import numpy as np
import pytest
from google.protobuf import text_format
from google.protobuf.internal import api_implementation
from google.protobuf.message import Message

from caffe2trt_bn import caffe_pb2

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
CASES = sorted(p.name for p in FIXTURES.iterdir() if (p / "net.caffemodel").is_file())
PROTOTXTS = sorted(
    str(p.relative_to(FIXTURES))
    for case in CASES
    for p in (FIXTURES / case / "deploy.prototxt", FIXTURES / case / "train.prototxt")
    if p.is_file()
)


def _load_model(case):
    raw = (FIXTURES / case / "net.caffemodel").read_bytes()
    return raw, caffe_pb2.NetParameter.FromString(raw)


def _load_text(path):
    net = caffe_pb2.NetParameter()
    text_format.Parse(Path(path).read_text(), net)
    return net


def _unknown_count(msg):
    """Number of unknown fields stored directly on `msg` (not nested)."""
    try:  # protobuf >= 4.24: the supported API
        from google.protobuf import unknown_fields

        return len(unknown_fields.UnknownFieldSet(msg))
    except ImportError:  # older runtimes
        return len(msg.UnknownFields())


def _unknown_paths(msg, path="NetParameter"):
    """Paths of every (sub)message that carries unknown fields."""
    found = []
    if _unknown_count(msg):
        found.append(path)
    for field, value in msg.ListFields():
        if field.message_type is None:
            continue
        if isinstance(value, Message):
            found += _unknown_paths(value, f"{path}.{field.name}")
        else:  # repeated message field
            for i, item in enumerate(value):
                found += _unknown_paths(item, f"{path}.{field.name}[{i}]")
    return found


def test_fixtures_present():
    assert len(CASES) >= 9, CASES
    assert len(PROTOTXTS) == 2 * len(CASES)


# --------------------------------------------------------------------------
# Binary caffemodels written by Caffe
# --------------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES)
def test_caffemodel_reserialises_byte_identical(case):
    raw, net = _load_model(case)
    assert len(net.layer) > 0
    assert net.SerializeToString() == raw


@pytest.mark.parametrize("case", CASES)
def test_caffemodel_has_no_unknown_fields(case):
    raw, net = _load_model(case)
    assert _unknown_paths(net) == []
    # Independent of the unknown-field API: dropping unknown fields must not
    # change a single byte.
    stripped = caffe_pb2.NetParameter()
    stripped.CopyFrom(net)
    stripped.DiscardUnknownFields()
    assert stripped.SerializeToString() == raw


@pytest.mark.parametrize("case", CASES)
def test_caffemodel_layers_match_prototxts(case):
    _, model = _load_model(case)
    deploy = _load_text(FIXTURES / case / "deploy.prototxt")
    train = _load_text(FIXTURES / case / "train.prototxt")
    by_name = {layer.name: layer for layer in model.layer}
    assert len(by_name) == len(model.layer), "duplicate layer names"

    # Caffe saves the TRAIN net: every train layer is there, in order
    # (Caffe may insert Split layers in between).
    train_names = [layer.name for layer in train.layer]
    model_names = [layer.name for layer in model.layer if layer.type != "Split"]
    assert model_names == train_names
    for layer in model.layer:
        assert layer.phase == caffe_pb2.TRAIN

    # The activation dump lists the deploy net as Caffe executed it.
    record = json.loads((FIXTURES / case / "activations.json").read_text())
    for entry in record["layers"]:
        if entry["type"] in ("Split", "Input"):
            # Caffe inserts Split layers, and turns a legacy `input:` header into an Input layer.
            continue
        assert by_name[entry["layer"]].type == entry["type"], entry

    for layer in deploy.layer:
        if layer.type == "Input":
            # The deploy Input replaces the train net's data layer.
            assert by_name[layer.name].type == "DummyData"
            assert not by_name[layer.name].blobs
            continue
        saved = by_name[layer.name]
        assert saved.type == layer.type
        _check_blobs(layer, saved)


def _dims(blob):
    if blob.HasField("shape"):
        return list(blob.shape.dim)
    return [blob.num, blob.channels, blob.height, blob.width]


def _check_blobs(layer, saved):
    blobs = saved.blobs
    for blob in blobs:
        dims = _dims(blob)
        assert blob.HasField("shape"), "Caffe 1.0 writes N-d shapes"
        assert len(blob.data) == math.prod(dims)
        assert len(blob.double_data) == 0 and len(blob.diff) == 0
        assert not blob.HasField("raw_data")
        assert all(np.isfinite(blob.data))

    kind = layer.type
    if kind in ("Convolution", "Deconvolution"):
        p = layer.convolution_param
        k = list(p.kernel_size) * 2 if len(p.kernel_size) == 1 else list(p.kernel_size)
        w = _dims(blobs[0])
        assert len(blobs) == (2 if p.bias_term else 1)
        assert w[2:] == k
        if kind == "Convolution":
            assert w[0] == p.num_output
        else:  # (C_in, C_out / group, kh, kw)
            assert w[1] * p.group == p.num_output
        if p.bias_term:
            assert _dims(blobs[1]) == [p.num_output]
    elif kind == "InnerProduct":
        p = layer.inner_product_param
        assert len(blobs) == (2 if p.bias_term else 1)
        assert _dims(blobs[0])[0] == p.num_output
        assert len(_dims(blobs[0])) == 2
    elif kind == "BatchNorm":
        assert len(blobs) == 3
        c = _dims(blobs[0])
        assert len(c) == 1 and _dims(blobs[1]) == c and _dims(blobs[2]) == [1]
        assert all(v >= 0 for v in blobs[1].data)  # variance * s
        assert blobs[2].data[0] >= 0  # the moving-average factor s
    elif kind == "Scale":
        p = layer.scale_param
        # A two-bottom Scale takes its scale from the second bottom: blobs hold only the bias.
        own_scale = 0 if len(layer.bottom) == 2 else 1
        assert len(blobs) == own_scale + (1 if p.bias_term else 0)
        assert all(len(_dims(b)) == 1 for b in blobs)
        if p.bias_term and own_scale:
            assert _dims(blobs[1]) == _dims(blobs[0])
    elif kind == "Bias":
        assert len(blobs) == 1 and len(_dims(blobs[0])) == 1
    else:
        assert len(blobs) == 0, kind


def test_batchnorm_param_survives_in_caffemodel():
    # bn_without_scale sets custom eps / moving_average_fraction; Caffe copies
    # the layer parameters into the caffemodel.
    _, model = _load_model("bn_without_scale")
    bns = {l.name: l for l in model.layer if l.type == "BatchNorm"}
    assert bns["bn1"].batch_norm_param.eps == pytest.approx(1e-3, rel=1e-6)
    assert bns["bn1"].batch_norm_param.moving_average_fraction == pytest.approx(0.9, rel=1e-6)
    assert bns["bn2"].batch_norm_param.eps == pytest.approx(1e-4, rel=1e-6)
    assert not bns["bn2"].batch_norm_param.HasField("use_global_stats")


# --------------------------------------------------------------------------
# Text prototxts
# --------------------------------------------------------------------------


@pytest.mark.parametrize("rel", PROTOTXTS)
def test_prototxt_parses(rel):
    net = _load_text(FIXTURES / rel)
    assert len(net.layer) > 0
    assert _unknown_paths(net) == []
    # Text -> binary -> text is stable.
    again = caffe_pb2.NetParameter.FromString(net.SerializeToString())
    assert again == net


# --------------------------------------------------------------------------
# Declared defaults and field numbers
# --------------------------------------------------------------------------


def test_defaults():
    bn = caffe_pb2.BatchNormParameter()
    # Declared defaults are float32, like every value Caffe stores.
    assert np.float32(bn.eps) == np.float32(1e-5)
    assert np.float32(bn.moving_average_fraction) == np.float32(0.999)
    if api_implementation.Type() != "python":
        # The C/upb backends hand the float32 value out exactly
        # (9.99999974738e-06); the pure-Python backend returns the literal
        # 1e-05 for an unset field, so consumers should round with
        # np.float32 themselves.
        assert bn.eps == float(np.float32(1e-5))
        assert bn.moving_average_fraction == float(np.float32(0.999))
    # A value that went through the wire is float32 in every backend.
    wired = caffe_pb2.BatchNormParameter.FromString(
        caffe_pb2.BatchNormParameter(eps=1e-5).SerializeToString()
    )
    assert wired.eps == float(np.float32(1e-5))
    assert not bn.HasField("use_global_stats")
    assert caffe_pb2.ConvolutionParameter().bias_term is True
    assert caffe_pb2.ConvolutionParameter().group == 1
    assert caffe_pb2.InnerProductParameter().bias_term is True
    assert caffe_pb2.InnerProductParameter().axis == 1
    sp = caffe_pb2.ScaleParameter()
    assert sp.bias_term is False and sp.axis == 1 and sp.num_axes == 1
    bp = caffe_pb2.BiasParameter()
    assert bp.axis == 1 and bp.num_axes == 1
    assert caffe_pb2.NetState().phase == caffe_pb2.TEST


BVLC_LAYER_FIELDS = {
    "name": 1, "type": 2, "bottom": 3, "top": 4, "loss_weight": 5, "param": 6,
    "blobs": 7, "include": 8, "exclude": 9, "phase": 10, "propagate_down": 11,
    "transform_param": 100, "loss_param": 101, "accuracy_param": 102,
    "argmax_param": 103, "concat_param": 104, "contrastive_loss_param": 105,
    "convolution_param": 106, "data_param": 107, "dropout_param": 108,
    "dummy_data_param": 109, "eltwise_param": 110, "exp_param": 111,
    "hdf5_data_param": 112, "hdf5_output_param": 113, "hinge_loss_param": 114,
    "image_data_param": 115, "infogain_loss_param": 116,
    "inner_product_param": 117, "lrn_param": 118, "memory_data_param": 119,
    "mvn_param": 120, "pooling_param": 121, "power_param": 122,
    "relu_param": 123, "sigmoid_param": 124, "softmax_param": 125,
    "slice_param": 126, "tanh_param": 127, "threshold_param": 128,
    "window_data_param": 129, "python_param": 130, "prelu_param": 131,
    "spp_param": 132, "reshape_param": 133, "log_param": 134,
    "flatten_param": 135, "reduction_param": 136, "embed_param": 137,
    "tile_param": 138, "batch_norm_param": 139, "elu_param": 140,
    "bias_param": 141, "scale_param": 142, "input_param": 143,
    "crop_param": 144, "parameter_param": 145, "recurrent_param": 146,
    "swish_param": 147, "clip_param": 148,
}


@pytest.mark.parametrize(
    "message, expected",
    [
        (caffe_pb2.LayerParameter, BVLC_LAYER_FIELDS),
        (caffe_pb2.NetParameter, {"name": 1, "layers": 2, "input": 3, "input_dim": 4,
                                  "force_backward": 5, "state": 6, "debug_info": 7,
                                  "input_shape": 8, "layer": 100}),
        (caffe_pb2.BlobProto, {"num": 1, "channels": 2, "height": 3, "width": 4,
                               "data": 5, "diff": 6, "shape": 7, "double_data": 8,
                               "double_diff": 9, "raw_data_type": 10,
                               "raw_diff_type": 11, "raw_data": 12, "raw_diff": 13}),
        (caffe_pb2.BatchNormParameter, {"use_global_stats": 1,
                                        "moving_average_fraction": 2, "eps": 3}),
        (caffe_pb2.ScaleParameter, {"axis": 1, "num_axes": 2, "filler": 3,
                                    "bias_term": 4, "bias_filler": 5}),
        (caffe_pb2.BiasParameter, {"axis": 1, "num_axes": 2, "filler": 3}),
        (caffe_pb2.ConvolutionParameter, {"num_output": 1, "bias_term": 2, "pad": 3,
                                          "kernel_size": 4, "group": 5, "stride": 6,
                                          "weight_filler": 7, "bias_filler": 8,
                                          "pad_h": 9, "pad_w": 10, "kernel_h": 11,
                                          "kernel_w": 12, "stride_h": 13,
                                          "stride_w": 14, "engine": 15, "axis": 16,
                                          "force_nd_im2col": 17, "dilation": 18}),
        (caffe_pb2.InnerProductParameter, {"num_output": 1, "bias_term": 2,
                                           "weight_filler": 3, "bias_filler": 4,
                                           "axis": 5, "transpose": 6}),
        (caffe_pb2.V1LayerParameter, {"layer": 1, "bottom": 2, "top": 3, "name": 4,
                                      "type": 5, "blobs": 6, "blobs_lr": 7,
                                      "weight_decay": 8, "include": 32,
                                      "exclude": 33, "loss_weight": 35,
                                      "param": 1001, "blob_share_mode": 1002}),
    ],
    ids=lambda v: getattr(v, "DESCRIPTOR", None) and v.DESCRIPTOR.name,
)
def test_field_numbers(message, expected):
    numbers = {f.name: f.number for f in message.DESCRIPTOR.fields}
    for name, number in expected.items():
        assert numbers.get(name) == number, name


def test_packed_repeated_numbers():
    # Caffe writes these packed; a non-packed declaration would still read
    # but would re-serialise differently.
    for msg, name in [(caffe_pb2.BlobProto, "data"), (caffe_pb2.BlobProto, "diff"),
                      (caffe_pb2.BlobProto, "double_data"),
                      (caffe_pb2.BlobProto, "double_diff"), (caffe_pb2.BlobShape, "dim")]:
        blob = msg()
        getattr(blob, name).extend([1, 2])
        tag_packed = (msg.DESCRIPTOR.fields_by_name[name].number << 3) | 2
        assert blob.SerializeToString()[0] == tag_packed


def test_type_enum_values():
    assert caffe_pb2.Type.Value("DOUBLE") == 0
    assert caffe_pb2.Type.Value("FLOAT") == 1
    assert caffe_pb2.Type.Value("FLOAT16") == 2
    assert caffe_pb2.Type.Value("INT") == 3
    assert caffe_pb2.Type.Value("UINT") == 4


# --------------------------------------------------------------------------
# NVIDIA / OpenCV raw_data extension
# --------------------------------------------------------------------------


def test_float16_raw_data_roundtrip():
    values = np.array([0.5, -1.25, 65504.0, 6.1035156e-05, 0.0, -3.0], dtype="<f2")
    blob = caffe_pb2.BlobProto()
    blob.shape.dim.extend([2, 3])
    blob.raw_data_type = caffe_pb2.FLOAT16
    blob.raw_data = values.tobytes()
    wire = blob.SerializeToString()

    # Field 10 (varint, value 2) and field 12 (length-delimited) on the wire.
    assert bytes([10 << 3 | 0, 2]) in wire
    assert bytes([12 << 3 | 2, values.nbytes]) + values.tobytes() in wire

    back = caffe_pb2.BlobProto.FromString(wire)
    assert back == blob
    assert back.raw_data_type == caffe_pb2.FLOAT16
    assert list(back.shape.dim) == [2, 3]
    decoded = np.frombuffer(back.raw_data, dtype="<f2").reshape(tuple(back.shape.dim))
    np.testing.assert_array_equal(decoded.ravel(), values)
    assert len(back.data) == 0
    assert _unknown_count(back) == 0

    text = text_format.MessageToString(back)
    assert "raw_data_type: FLOAT16" in text
    assert text_format.Parse(text, caffe_pb2.BlobProto()) == back


def test_raw_data_inside_a_layer_roundtrip():
    net = caffe_pb2.NetParameter()
    layer = net.layer.add(name="bn", type="BatchNorm")
    for n in (4, 4, 1):
        blob = layer.blobs.add()
        blob.shape.dim.append(n)
        blob.raw_data_type = caffe_pb2.FLOAT16
        blob.raw_data = np.arange(n, dtype="<f2").tobytes()
    back = caffe_pb2.NetParameter.FromString(net.SerializeToString())
    assert back == net
    assert _unknown_paths(back) == []


# --- the wire scanner against protobuf's own decoding -----------------------------------

ALL_CAFFEMODELS = sorted(FIXTURES.rglob("*.caffemodel"))


def _pb_values(blob) -> tuple[tuple[int, ...], np.ndarray]:
    """Shape and values of a BlobProto as protobuf decodes it (every storage form)."""
    if blob.HasField("shape"):
        shape = tuple(blob.shape.dim)
    elif any(blob.HasField(f) for f in ("num", "channels", "height", "width")):
        shape = (blob.num, blob.channels, blob.height, blob.width)
    else:
        shape = None
    if blob.HasField("raw_data"):
        dtype = {caffe_pb2.DOUBLE: "<f8", caffe_pb2.FLOAT: "<f4", caffe_pb2.FLOAT16: "<f2"}[blob.raw_data_type]
        values = np.frombuffer(blob.raw_data, dtype=dtype)
    elif len(blob.double_data):
        values = np.array(blob.double_data, dtype=np.float64)
    else:
        values = np.array(blob.data, dtype=np.float32)
    return (shape if shape is not None else (values.size,)), values


@pytest.mark.parametrize("path", ALL_CAFFEMODELS, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_wire_scanner_agrees_with_protobuf(path) -> None:
    from caffe2trt_bn.io.caffemodel import read_caffemodel

    ours = read_caffemodel(path)
    net = caffe_pb2.NetParameter.FromString(path.read_bytes())
    if len(net.layers):  # V1: names and blobs only (types are an enum there)
        theirs = [(l.name, list(l.bottom), list(l.top), list(l.blobs)) for l in net.layers]
        assert [(l.name, l.bottoms, l.tops) for l in ours.layers] == [t[:3] for t in theirs]
        blobs = [t[3] for t in theirs]
    else:
        assert [(l.name, l.type, l.bottoms, l.tops) for l in ours.layers] == [
            (l.name, l.type, list(l.bottom), list(l.top)) for l in net.layer
        ]
        blobs = [list(l.blobs) for l in net.layer]
    assert ours.name == net.name
    for layer, pb_blobs in zip(ours.layers, blobs):
        assert len(layer.blobs) == len(pb_blobs), layer.name
        for blob, pb in zip(layer.blobs, pb_blobs):
            shape, values = _pb_values(pb)
            assert blob.shape == shape, layer.name
            assert blob.data.dtype == values.dtype, layer.name
            assert np.array_equal(blob.data, values, equal_nan=True), layer.name
