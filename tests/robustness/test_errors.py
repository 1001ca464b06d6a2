"""The error catalogue: every bad input gives one named line, exit 1, and writes nothing.

Each case builds a damaged input from a real fixture (by editing the message with the
project's own ``caffe_pb2`` schema, by byte surgery, or by editing the prototxt text)
and checks, through the command line as a user runs it:

* exit code 1 (a user error; usage errors, exit 2, have their own test below);
* exactly one stderr line, ``caffe-bn-merge: error: ...``, naming the file and, where
  they apply, the layer and the channel; no traceback;
* no output file and no temporary file left in the output folder;
* an existing output file is left byte for byte as it was (run in-process);
* the input files are unchanged.

Where the problem lies in the input (not the output path), the library call
:func:`caffe2trt_bn.passes.scale_weights.convert` is checked too: the exception class and its
``file``/``layer``/``channel`` attributes.  Further down: forged lengths (time and
memory of a child process), warnings (stderr, ``--json``, ``--strict``), regressions
found by fuzzing, and the same contract for ``fold`` and ``to-deploy``.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest

from caffe2trt_bn import caffe_pb2
from caffe2trt_bn.io import wire
from caffe2trt_bn.cli import main
from caffe2trt_bn.errors import (
    INFO,
    RISK,
    WARNING_KINDS,
    Caffe2TrtError,
    GraphError,
    ModelFormatError,
    ModelValueError,
    OutputError,
    PrototxtSyntaxError,
    StrictModeError,
    file_error,
)
from caffe2trt_bn.export.onnx import ConversionError
from caffe2trt_bn.io.prototxt import MAX_DEPTH
from caffe2trt_bn.passes.scale_weights import convert

from conftest import FIXTURES, ROOT, run_cli

RESNET = FIXTURES / "resnet_inplace"
SCALE_BIAS = FIXTURES / "scale_without_bias"
ERROR_PREFIX = "caffe-bn-merge: error: "
SENTINEL = b"an earlier output that a failed run must not touch\n"

#: A forged length must be rejected at once: well under this many seconds ...
FORGED_LENGTH_SECONDS = 1.0
#: ... and without memory beyond the interpreter's own (peak resident set, MB) more than this.
FORGED_LENGTH_EXTRA_MB = 20.0


# --- building bad inputs ------------------------------------------------------------


def load_net(case: Path = RESNET) -> caffe_pb2.NetParameter:
    net = caffe_pb2.NetParameter()
    net.ParseFromString((case / "net.caffemodel").read_bytes())
    return net


def layer_of(net: caffe_pb2.NetParameter, name: str) -> caffe_pb2.LayerParameter:
    return next(layer for layer in net.layer if layer.name == name)


def edited_model(d: Path, edit: Callable[[caffe_pb2.NetParameter], None], case: Path = RESNET) -> Path:
    """The fixture's caffemodel after ``edit`` changed the message, saved in ``d``."""
    net = load_net(case)
    edit(net)
    path = d / "edited.caffemodel"
    path.write_bytes(net.SerializeToString())
    return path


def edited_prototxt(d: Path, edit: Callable[[str], str], case: Path = RESNET) -> Path:
    text = (case / "deploy.prototxt").read_text()
    new = edit(text)
    assert new != text, "the edit changed nothing"
    path = d / "edited.prototxt"
    path.write_text(new)
    return path


def written(d: Path, name: str, data: bytes) -> Path:
    path = d / name
    path.write_bytes(data)
    return path


def grow_blob(blob: caffe_pb2.BlobProto) -> None:
    """One more value (and a matching shape), so the blob is consistent but too long."""
    blob.data.append(1.0)
    blob.shape.dim[0] += 1


def forged_layer(*blobs: bytes, name: bytes = b"bn1") -> bytes:
    """A NetParameter holding one BatchNorm layer with the given raw BlobProto payloads."""
    payload = wire.encode_len(1, name) + wire.encode_len(2, b"BatchNorm")
    payload += b"".join(wire.encode_len(7, blob) for blob in blobs)
    return wire.encode_len(100, payload)


def signaling_nan_model(d: Path) -> Path:
    """bn2's mean, channel 3, set to a signaling NaN by byte surgery (protobuf would quiet it)."""
    marker = np.float32(12345.678)

    def edit(net: caffe_pb2.NetParameter) -> None:
        layer_of(net, "bn2").blobs[0].data[3] = float(marker)

    path = edited_model(d, edit)
    data = path.read_bytes()
    assert data.count(marker.tobytes()) == 1
    path.write_bytes(data.replace(marker.tobytes(), np.array([0x7F800001], "<u4").tobytes()))
    return path


# --- the catalogue ------------------------------------------------------------------


@dataclass
class Setup:
    """A built case: the two inputs, what the error line must contain, and the API view.

    ``names`` is the file the error must name; ``expect`` further pieces of the line
    (layer, channel, what is wrong); ``kind``/``layer``/``channel`` what
    :func:`convert` raises (``kind`` None for problems of the output path, which the
    library call does not see); ``output`` an explicit ``-o``; ``extra`` more options.
    """

    prototxt: Path
    caffemodel: Path
    names: Path
    expect: tuple[str, ...]
    kind: type[Caffe2TrtError] | None = None
    layer: str | None = None
    channel: int | None = None
    output: Path | None = None
    extra: tuple[str, ...] = ()
    convert_kwargs: dict[str, bool] = field(default_factory=dict)


def _bad_model(
    d: Path,
    model: Path,
    kind: type[Caffe2TrtError],
    *expect: str,
    layer: str | None = None,
    channel: int | None = None,
    prototxt: Path = RESNET / "deploy.prototxt",
) -> Setup:
    pieces = tuple(expect) + ((f"layer {layer!r}",) if layer else ()) + ((f"channel {channel}:",) if channel is not None else ())
    return Setup(prototxt, model, model, pieces, kind, layer, channel)


def _bad_prototxt(
    d: Path,
    prototxt: Path,
    kind: type[Caffe2TrtError],
    *expect: str,
    layer: str | None = None,
    caffemodel: Path = RESNET / "net.caffemodel",
) -> Setup:
    pieces = tuple(expect) + ((f"layer {layer!r}",) if layer else ())
    return Setup(prototxt, caffemodel, prototxt, pieces, kind, layer)


def _deep_prototxt(d: Path) -> Path:
    depth = MAX_DEPTH + 5
    return written(d, "deep.prototxt", ("layer {\n" * depth + "}\n" * depth).encode())


def _output_case(d: Path, output: Path, *expect: str) -> Setup:
    return Setup(RESNET / "deploy.prototxt", RESNET / "net.caffemodel", output, expect, None, output=output)


def _output_is_input(d: Path) -> Setup:
    model = written(d, "weights.h5", (RESNET / "net.caffemodel").read_bytes())
    return Setup(RESNET / "deploy.prototxt", model, model, ("output path is the input file",), None, output=model)


def _output_links_to_input(d: Path) -> Setup:
    model = written(d, "weights.h5", (RESNET / "net.caffemodel").read_bytes())
    link = d / "link.h5"
    link.symlink_to(model)
    return Setup(RESNET / "deploy.prototxt", model, link, ("output path is the input file",), None, output=link)


def _readonly_folder(d: Path) -> Path:
    """A folder this process cannot create files in (a system folder when running as root)."""
    folder = d / "readonly"
    folder.mkdir()
    folder.chmod(0o555)
    if os.access(folder, os.W_OK):  # root: permissions do not stop it, a pseudo file system does
        if not Path("/sys").is_dir():
            pytest.skip("no folder this process cannot write to")
        return Path("/sys")
    return folder


def _folder(path: Path) -> Path:
    path.mkdir()
    return path


def _strict(d: Path) -> Setup:
    case = FIXTURES / "untrained_zero_factor"
    model = case / "net.caffemodel"
    return Setup(
        case / "deploy.prototxt",
        model,
        model,
        ("layer 'bn1'", "moving-average factor is 0", "zero_factor", "--strict"),
        StrictModeError,
        "bn1",
        extra=("--strict",),
        convert_kwargs={"strict": True},
    )


CATALOGUE: dict[str, Callable[[Path], Setup]] = {
    # files that are missing, unreadable, or not files
    "missing prototxt": lambda d: _bad_prototxt(d, d / "nope.prototxt", Caffe2TrtError, "no such file"),
    "missing caffemodel": lambda d: _bad_model(d, d / "nope.caffemodel", Caffe2TrtError, "no such file"),
    "prototxt is a directory": lambda d: _bad_prototxt(d, d, Caffe2TrtError, "is a directory, not a prototxt"),
    "caffemodel is a directory": lambda d: _bad_model(d, d, Caffe2TrtError, "is a directory, not a caffemodel"),
    "prototxt under a file": lambda d: _bad_prototxt(d, RESNET / "deploy.prototxt" / "x", Caffe2TrtError, "no such file"),
    "empty caffemodel": lambda d: _bad_model(d, written(d, "e.caffemodel", b""), ModelFormatError, "the file is empty"),
    "empty prototxt": lambda d: _bad_prototxt(d, written(d, "e.prototxt", b""), GraphError, "the file is empty"),
    "prototxt of comments only": lambda d: _bad_prototxt(
        d, written(d, "c.prototxt", b"# nothing here\n\n"), GraphError, "the file is empty"
    ),
    "prototxt without layers (a solver)": lambda d: _bad_prototxt(
        d, written(d, "solver.prototxt", b'net: "train.prototxt"\nbase_lr: 0.01\n'), GraphError, "defines no layers"
    ),
    # damaged or wrong binary files
    "truncated caffemodel": lambda d: _bad_model(
        d, written(d, "t.caffemodel", (RESNET / "net.caffemodel").read_bytes()[:3000]), ModelFormatError, "truncated or corrupt"
    ),
    "caffemodel cut inside a float": lambda d: _bad_model(
        d, written(d, "t.caffemodel", (RESNET / "net.caffemodel").read_bytes()[:-3]), ModelFormatError, "malformed protobuf"
    ),
    "random bytes as caffemodel": lambda d: _bad_model(
        d, written(d, "r.caffemodel", np.random.default_rng(0).bytes(4096)), ModelFormatError, "malformed protobuf"
    ),
    "random bytes as prototxt": lambda d: _bad_prototxt(
        d, written(d, "r.prototxt", np.random.default_rng(0).bytes(4096)), PrototxtSyntaxError, "not a text prototxt"
    ),
    "prototxt given as caffemodel": lambda d: _bad_model(
        d, RESNET / "deploy.prototxt", ModelFormatError, "this is a text file, not a binary caffemodel"
    ),
    "caffemodel given as prototxt": lambda d: _bad_prototxt(
        d, RESNET / "net.caffemodel", PrototxtSyntaxError, "not a text prototxt", "did you swap"
    ),
    "arguments swapped": lambda d: Setup(
        RESNET / "net.caffemodel", RESNET / "deploy.prototxt", RESNET / "net.caffemodel", ("did you swap",), PrototxtSyntaxError
    ),
    "forged length 2**40 (layer)": lambda d: _bad_model(
        d, written(d, "f.caffemodel", wire.len_header(100, 2**40) + b"\x0a\x03bn1"), ModelFormatError,
        "claims 1099511627776 bytes",
    ),
    "forged length 2**40 (blob data)": lambda d: _bad_model(
        d, written(d, "f.caffemodel", forged_layer(wire.len_header(5, 2**40) + bytes(16))), ModelFormatError,
        "blob 0", "claims 1099511627776 bytes", layer="bn1",
    ),
    "forged shape of 2**120 values": lambda d: _bad_model(
        d,
        written(d, "f.caffemodel", forged_layer(wire.encode_len(7, wire.encode_len(1, wire.encode_varint(2**40) * 3)))),
        ModelFormatError, "blob 0", "needs", "holds 0", layer="bn1",
    ),
    "negative dimension": lambda d: _bad_model(
        d, written(d, "f.caffemodel", forged_layer(wire.encode_len(7, wire.encode_len(1, wire.encode_varint(-3))))),
        ModelFormatError, "negative dimension", layer="bn1",
    ),
    "varint longer than 10 bytes": lambda d: _bad_model(
        d, written(d, "v.caffemodel", b"\xa2\x06" + b"\xff" * 20), ModelFormatError, "varint longer than 10 bytes"
    ),
    "group wire type": lambda d: _bad_model(
        d, written(d, "g.caffemodel", b"\xa3\x06\xa4\x06"), ModelFormatError, "unsupported wire type"
    ),
    "field number 0": lambda d: _bad_model(d, written(d, "z.caffemodel", b"\x02\x00"), ModelFormatError, "field number 0"),
    "deeply nested protobuf": lambda d: _bad_model(
        d, written(d, "n.caffemodel", _nested(10_000)), GraphError, "not in the caffemodel", layer="bn1"
    ),
    "no layers in caffemodel": lambda d: _bad_model(
        d, written(d, "n.caffemodel", wire.encode_len(1, b"net")), ModelFormatError, "no layers found"
    ),
    "merged scale beyond float32": lambda d: _bad_model(
        d, edited_model(d, lambda n: (_set_value("bn1", 1, 2, 0.0)(n), _set_value("scale1", 0, 2, 1e37)(n))),
        ModelValueError, "the merged scale is 3.16", "beyond the float32 range", layer="bn1", channel=2,
    ),
    "raw_data of integer type": lambda d: _bad_model(
        d, written(d, "i.caffemodel", forged_layer(wire.encode_varint_field(10, 3) + wire.encode_len(12, bytes(8)))),
        ModelFormatError, "raw_data of type INT", layer="bn1",
    ),
    "blob in two value fields": lambda d: _bad_model(
        d,
        written(d, "i.caffemodel", forged_layer(wire.encode_len(5, bytes(4)) + wire.encode_len(8, bytes(8)))),
        ModelFormatError, "more than one field", layer="bn1",
    ),
    "shape does not match data": lambda d: _bad_model(
        d, edited_model(d, lambda n: layer_of(n, "bn1").blobs[0].shape.dim.__setitem__(0, 7)), ModelFormatError,
        "shape (7,) needs 7 values but the blob holds 8", layer="bn1",
    ),
    # The value count is exact and stops growing past the values held: past 2**1023 it once
    # became a float infinity (with a 0 among the dims NaN), which crashed the conversion
    # to an integer; an exact product of thousands of such dims took minutes and made a
    # number too long to print.
    "shape product beyond float64": lambda d: _bad_model(
        d, edited_model(d, _set_dims("bn1", 0, [2**62] * 17)), ModelFormatError,
        f"shape ({', '.join([str(2**62)] * 4)}, ... 17 dims) needs more than 8 values but the blob holds 8",
        layer="bn1",
    ),
    "shape of many huge dims": lambda d: _bad_model(
        d, edited_model(d, _set_dims("bn1", 0, [2**62] * 20_000)), ModelFormatError,
        "... 20000 dims) needs more than 8 values", layer="bn1",
    ),
    "shape product beyond float64 times 0": lambda d: _bad_model(
        d, edited_model(d, _set_dims("bn1", 0, [2**62] * 17 + [0])), ModelFormatError,
        "needs 0 values but the blob holds 8", layer="bn1",
    ),
    # prototxt syntax
    "prototxt missing colon": lambda d: _bad_prototxt(
        d, edited_prototxt(d, lambda t: t.replace('top: "conv2"', 'top "conv2"', 1)), PrototxtSyntaxError,
        "edited.prototxt:21:57:", "expected ':'",
    ),
    "prototxt unclosed brace": lambda d: _bad_prototxt(
        d, edited_prototxt(d, lambda t: t.rstrip().rstrip("}")), PrototxtSyntaxError, "found end of file"
    ),
    "prototxt unterminated string": lambda d: _bad_prototxt(
        d, edited_prototxt(d, lambda t: t + 'name: "no end\n'), PrototxtSyntaxError,
        "unterminated string",
    ),
    # A bad parameter value names the layer that holds it, not the group's BatchNorm.
    "bad bias_term of a Scale": lambda d: _bad_prototxt(
        d, edited_prototxt(d, lambda t: t.replace("bias_term: true", "bias_term: 2", 1)), PrototxtSyntaxError,
        "edited.prototxt:17:17:", "field 'bias_term': expected a boolean (true or false), found 2", layer="scale1",
    ),
    "bad num_axes of a Scale": lambda d: _bad_prototxt(
        d, edited_prototxt(d, lambda t: t.replace("scale_param {", "scale_param { num_axes: x", 1)),
        PrototxtSyntaxError, "field 'num_axes': expected an integer, found x", layer="scale1",
    ),
    "prototxt stray closing brace": lambda d: _bad_prototxt(
        d, edited_prototxt(d, lambda t: "}\n" + t), PrototxtSyntaxError, "edited.prototxt:1:1:", "no open message"
    ),
    "prototxt nested too deep": lambda d: _bad_prototxt(
        d, _deep_prototxt(d), PrototxtSyntaxError, f"deep.prototxt:{MAX_DEPTH + 1}:7:", "nested deeper than"
    ),
    "prototxt not UTF-8": lambda d: _bad_prototxt(
        d, written(d, "l.prototxt", (RESNET / "deploy.prototxt").read_bytes().replace(b"bn2", b"bn\xe92")),
        PrototxtSyntaxError, "not a text prototxt",
    ),
    "prototxt bad string escape": lambda d: _bad_prototxt(
        d, edited_prototxt(d, lambda t: t.replace('name: "bn2"', 'name: "bn\\q2"', 1)), PrototxtSyntaxError,
        "invalid escape",
    ),
    "prototxt eps not a number": lambda d: _bad_prototxt(
        d, edited_prototxt(d, lambda t: t.replace('name: "bn2" type: "BatchNorm"', 'name: "bn2" type: "BatchNorm" batch_norm_param { eps: "x" }', 1)),
        PrototxtSyntaxError, "expected a number", layer="bn2",
    ),
    # graph structure
    "bottom nothing produces": lambda d: _bad_prototxt(
        d, edited_prototxt(d, lambda t: t.replace('bottom: "sum" top: "conv3"', 'bottom: "nothing" top: "conv3"')),
        GraphError, "bottom 'nothing' is not produced", layer="conv3",
    ),
    "duplicate layer names": lambda d: _bad_prototxt(
        d, edited_prototxt(d, lambda t: t.replace('name: "conv2"', 'name: "conv1"')), GraphError,
        "duplicate layer name", layer="conv1",
    ),
    "layer and layers mixed": lambda d: _bad_prototxt(
        d, edited_prototxt(d, lambda t: t + 'layers { name: "old" type: RELU bottom: "pool" top: "pool" }\n'), GraphError,
        "mixes 'layer' and legacy 'layers'",
    ),
    "BatchNorm with two tops": lambda d: _bad_prototxt(
        d, edited_prototxt(d, lambda t: t.replace('bottom: "conv2" top: "conv2"\n  param', 'bottom: "conv2" top: "conv2" top: "x"\n  param', 1)),
        GraphError, "must have one bottom and one top", layer="bn2",
    ),
    "deploy BatchNorm absent from caffemodel": lambda d: Setup(
        edited_prototxt(d, lambda t: t + 'layer { name: "bn_extra" type: "BatchNorm" bottom: "pool" top: "pool" }\n'),
        RESNET / "net.caffemodel", RESNET / "net.caffemodel", ("layer 'bn_extra'", "is not in the caffemodel"),
        GraphError, "bn_extra",
    ),
    # BatchNorm / Scale / Bias blobs
    "BatchNorm without blobs": lambda d: _bad_model(
        d, edited_model(d, lambda n: layer_of(n, "bn1").ClearField("blobs")), GraphError, "has no blobs", layer="bn1"
    ),
    "BatchNorm with 2 blobs": lambda d: _bad_model(
        d, edited_model(d, lambda n: layer_of(n, "bn1").blobs.pop()), ModelValueError, "needs 3 blobs", "holds 2", layer="bn1"
    ),
    "BatchNorm with 4 blobs": lambda d: _bad_model(
        d, edited_model(d, lambda n: layer_of(n, "bn2").blobs.add().CopyFrom(layer_of(n, "bn2").blobs[0])),
        ModelValueError, "needs 3 blobs", "holds 4", layer="bn2",
    ),
    "BatchNorm factor with 2 values": lambda d: _bad_model(
        d, edited_model(d, lambda n: grow_blob(layer_of(n, "bn1").blobs[2])), ModelValueError, "holds 2 values, not 1", layer="bn1"
    ),
    "mean and variance channel mismatch": lambda d: _bad_model(
        d, edited_model(d, lambda n: grow_blob(layer_of(n, "bn1").blobs[1])), ModelValueError,
        "channel mismatch: mean has 8 channels, variance 9", layer="bn1",
    ),
    "Scale channel mismatch": lambda d: _bad_model(
        d, edited_model(d, lambda n: grow_blob(layer_of(n, "scale3").blobs[0])), ModelValueError,
        "channel mismatch: scale has 17 values", "16 channels", layer="scale3",
    ),
    "Scale bias channel mismatch": lambda d: _bad_model(
        d, edited_model(d, lambda n: grow_blob(layer_of(n, "scale3").blobs[1])), ModelValueError,
        "channel mismatch: bias has 17 values", layer="scale3",
    ),
    "Bias channel mismatch": lambda d: _bad_model(
        d, edited_model(d, lambda n: grow_blob(layer_of(n, "bias1").blobs[0]), SCALE_BIAS), ModelValueError,
        "channel mismatch: bias has", layer="bias1", prototxt=SCALE_BIAS / "deploy.prototxt",
    ),
    "Scale without its bias blob": lambda d: _bad_model(
        d, edited_model(d, lambda n: layer_of(n, "scale2").blobs.pop()), ModelValueError,
        "bias_term: true needs 2 blob(s)", layer="scale2",
    ),
    # values
    "NaN mean": lambda d: _bad_model(
        d, edited_model(d, lambda n: layer_of(n, "bn2").blobs[0].data.__setitem__(3, float("nan"))), ModelValueError,
        "mean is nan", layer="bn2", channel=3,
    ),
    "signaling NaN mean": lambda d: _bad_model(d, signaling_nan_model(d), ModelValueError, "mean is nan", layer="bn2", channel=3),
    "Inf variance": lambda d: _bad_model(
        d, edited_model(d, lambda n: layer_of(n, "bn2").blobs[1].data.__setitem__(5, float("inf"))), ModelValueError,
        "variance is inf", layer="bn2", channel=5,
    ),
    "NaN factor": lambda d: _bad_model(
        d, edited_model(d, lambda n: layer_of(n, "bn3").blobs[2].data.__setitem__(0, float("nan"))), ModelValueError,
        "moving-average factor s is nan", layer="bn3",
    ),
    "NaN Scale value": lambda d: _bad_model(
        d, edited_model(d, lambda n: layer_of(n, "scale1").blobs[0].data.__setitem__(6, float("nan"))), ModelValueError,
        "scale is nan", layer="scale1", channel=6,
    ),
    "Inf Scale bias": lambda d: _bad_model(
        d, edited_model(d, lambda n: layer_of(n, "scale2").blobs[1].data.__setitem__(2, float("-inf"))), ModelValueError,
        "bias is -inf", layer="scale2", channel=2,
    ),
    "variance*f + eps <= 0": lambda d: _bad_model(
        d, edited_model(d, lambda n: layer_of(n, "bn3").blobs[1].data.__setitem__(4, -1.0)), ModelValueError,
        "variance + eps", "is not positive", layer="bn3", channel=4,
    ),
    "negative factor": lambda d: _bad_model(
        d, edited_model(d, lambda n: layer_of(n, "bn3").blobs[2].data.__setitem__(0, -1.0)), ModelValueError,
        "variance + eps", "is not positive", layer="bn3", channel=0,
    ),
    "negative eps in prototxt": lambda d: Setup(
        edited_prototxt(d, lambda t: t.replace('name: "bn2" type: "BatchNorm"', 'name: "bn2" type: "BatchNorm" batch_norm_param { eps: -1e6 }', 1)),
        RESNET / "net.caffemodel", RESNET / "net.caffemodel", ("layer 'bn2'", "channel 0:", "variance + eps"),
        ModelValueError, "bn2", 0,
    ),
    "--strict turns a warning into an error": _strict,
    # output paths
    "unknown -o suffix": lambda d: _output_case(d, d / "w.xyz", "unknown output suffix '.xyz'"),
    "no -o suffix": lambda d: _output_case(d, d / "weights", "unknown output suffix '(none)'"),
    "output is a directory": lambda d: _output_case(d, _folder(d / "w.h5"), "output path is a directory"),
    "output folder missing": lambda d: _output_case(d, d / "missing" / "w.h5", "output folder", "does not exist"),
    "output equals an input": _output_is_input,
    "output is a link to an input": _output_links_to_input,
    "output folder not writable": lambda d: _output_case(d, _readonly_folder(d) / "w.h5", "w.h5"),
}


def _nested(depth: int) -> bytes:
    """A layer whose payload nests ``depth`` length-delimited fields (unknown to Caffe)."""
    inner = b"\x0a\x00"
    headers = []
    length = len(inner)
    for _ in range(depth):
        header = wire.len_header(100, length)
        headers.append(header)
        length += len(header)
    return b"".join(reversed(headers)) + inner


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def snapshot(*paths: Path) -> dict[Path, str]:
    return {p: digest(p) for p in paths if p.is_file()}


@pytest.mark.parametrize("name", list(CATALOGUE))
def test_catalogue(name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    d = tmp_path / "in"
    d.mkdir()
    (tmp_path / "out").mkdir()
    s = CATALOGUE[name](d)
    inputs = snapshot(s.prototxt, s.caffemodel)
    outdir = tmp_path / "out"
    out = s.output or outdir / "w.h5"
    listing = sorted(outdir.iterdir())

    # As a user runs it: a fresh process.
    r = run_cli(s.prototxt, s.caffemodel, "-o", out, *s.extra)
    lines = r.stderr.splitlines()
    assert r.returncode == 1, r.stderr
    assert "Traceback" not in r.stderr
    assert len(lines) == 1, r.stderr
    line = lines[0]
    assert line.startswith(ERROR_PREFIX), line
    assert str(s.names) in line, line
    for piece in s.expect:
        assert piece in line, (piece, line)
    assert sorted(outdir.iterdir()) == listing, "a failed run left a file behind"
    assert snapshot(s.prototxt, s.caffemodel) == inputs

    # In-process, over an existing output: it must survive untouched.
    if s.output is None:
        existing = outdir / "old.h5"
        existing.write_bytes(SENTINEL)
        capsys.readouterr()
        assert main([str(s.prototxt), str(s.caffemodel), "-o", str(existing), *s.extra]) == 1
        assert capsys.readouterr().err.splitlines() == [line.replace(str(out), str(existing))]
        assert existing.read_bytes() == SENTINEL
        assert sorted(p.name for p in outdir.iterdir()) == ["old.h5"]
        assert snapshot(s.prototxt, s.caffemodel) == inputs

    # The library call: the same error, with its context as attributes.
    if s.kind is not None:
        with pytest.raises(Caffe2TrtError) as info:
            convert(s.prototxt, s.caffemodel, **s.convert_kwargs)
        exc = info.value
        assert type(exc) is s.kind, (type(exc), str(exc))
        assert exc.file == str(s.names)
        assert exc.layer == s.layer
        assert exc.channel == s.channel
        assert ERROR_PREFIX + str(exc) == line


# --- forged lengths: at once, without allocating --------------------------------------


def _measure(args: list[str]) -> tuple[int, float, float, str]:
    """Runs the CLI in a child; returns (exit code, seconds, peak resident MB, stderr)."""
    with open(os.devnull, "wb") as devnull, subprocess.Popen(
        [sys.executable, "-m", "caffe2trt_bn", *args],
        stdout=devnull,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    ) as child:
        start = time.perf_counter()
        assert child.stderr is not None
        err = child.stderr.read().decode()
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - start
        child.returncode = os.waitstatus_to_exitcode(status)
    return child.returncode, seconds, usage.ru_maxrss / 1024, err


@pytest.mark.skipif(not hasattr(os, "wait4"), reason="needs os.wait4 (POSIX)")
@pytest.mark.parametrize("where", ["layer", "blob", "shape"])
def test_forged_length_fails_fast_without_memory(where: str, tmp_path: Path) -> None:
    """A length prefix claiming 2**40 bytes (1 TiB) is refused before anything is
    allocated: the process peaks no higher than a run on a missing file."""
    if where == "layer":
        data = wire.len_header(100, 2**40) + b"\x0a\x03bn1"
    elif where == "blob":
        data = forged_layer(wire.len_header(5, 2**40) + bytes(64))
    else:
        data = forged_layer(wire.encode_len(7, wire.encode_len(1, wire.encode_varint(2**40) * 4)))
    model = written(tmp_path, "forged.caffemodel", data)
    proto = str(RESNET / "deploy.prototxt")
    _, baseline_s, baseline_mb, _ = _measure([proto, str(tmp_path / "missing.caffemodel"), "-o", str(tmp_path / "w.h5")])
    code, seconds, peak_mb, err = _measure([proto, str(model), "-o", str(tmp_path / "w.h5")])
    assert code == 1 and "forged.caffemodel" in err and "Traceback" not in err, err
    # Against a run that fails at once on a missing file (same start-up and imports):
    assert seconds < baseline_s + FORGED_LENGTH_SECONDS, (seconds, baseline_s)
    assert peak_mb < baseline_mb + FORGED_LENGTH_EXTRA_MB, (peak_mb, baseline_mb)
    # The parse itself, without start-up:
    start = time.perf_counter()
    with pytest.raises(ModelFormatError):
        convert(proto, model)
    assert time.perf_counter() - start < FORGED_LENGTH_SECONDS


def test_deep_binary_nesting_is_bounded(tmp_path: Path) -> None:
    """The caffemodel reader descends through a fixed message structure (net, layer,
    blob, shape), never into unknown fields: 100 000 nested levels cost one linear scan
    and no recursion."""
    model = written(tmp_path, "n.caffemodel", _nested(100_000) + forged_layer(name=b"x"))
    start = time.perf_counter()
    with pytest.raises(GraphError, match="'bn1'"):
        convert(RESNET / "deploy.prototxt", model)
    assert time.perf_counter() - start < FORGED_LENGTH_SECONDS


# --- the mapping of OS errors -----------------------------------------------------------


@pytest.mark.parametrize(
    ("exc", "writing", "cls", "text"),
    [
        (FileNotFoundError(2, "No such file or directory"), False, Caffe2TrtError, "no such file"),
        (IsADirectoryError(21, "Is a directory"), False, Caffe2TrtError, "is a directory, not a prototxt"),
        (PermissionError(13, "Permission denied"), False, Caffe2TrtError, "permission denied"),
        (NotADirectoryError(20, "Not a directory"), False, Caffe2TrtError, "no such file (a part of the path is not a folder)"),
        (OSError(5, "Input/output error"), False, Caffe2TrtError, "cannot read: Input/output error"),
        (OSError(28, "No space left on device"), True, OutputError, "cannot write: No space left on device"),
        (PermissionError(13, "Permission denied"), True, OutputError, "permission denied"),
    ],
)
def test_file_error_mapping(exc: OSError, writing: bool, cls: type, text: str) -> None:
    err = file_error(exc, "some/file", what="prototxt", writing=writing)
    assert type(err) is cls
    assert str(err) == f"some/file: {text}"


def _unprivileged() -> list[str]:
    """A command prefix under which file permissions apply: root reads any file, so as
    root the child runs without the capabilities that bypass them (util-linux setpriv)."""
    if not (hasattr(os, "geteuid") and os.geteuid() == 0):
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: cannot make a file unreadable")
    return [setpriv, "--bounding-set", "-dac_override,-dac_read_search", "--"]


def test_unreadable_inputs(tmp_path: Path) -> None:
    for name, original in (("p.prototxt", RESNET / "deploy.prototxt"), ("m.caffemodel", RESNET / "net.caffemodel")):
        locked = written(tmp_path, name, original.read_bytes())
        locked.chmod(0)
        args = [RESNET / "deploy.prototxt", RESNET / "net.caffemodel"]
        args[0 if name.endswith("prototxt") else 1] = locked
        r = run_cli(*args, "-o", tmp_path / "w.h5", prefix=_unprivileged())
        assert r.returncode == 1
        assert r.stderr.splitlines() == [f"{ERROR_PREFIX}{locked}: permission denied"]
        assert not (tmp_path / "w.h5").exists()


def test_pipes_are_refused_not_replaced_or_waited_on(tmp_path: Path) -> None:
    """An output path holding a pipe (or a device) is refused: outputs replace the file at
    their path, and ``-o /dev/null`` as root would replace the device.  A caffemodel that
    is a pipe is refused before it is opened (opening would wait for a writer)."""
    fifo = tmp_path / "p.npz"
    os.mkfifo(fifo)
    special = "is a device, a pipe or a socket, not a file; outputs are written as new files"
    for args in (
        (RESNET / "deploy.prototxt", RESNET / "net.caffemodel", "-o", fifo),
        ("to-deploy", FIXTURES / "train_val_classifier" / "train_val.prototxt", "-o", fifo),
    ):
        r = run_cli(*args)
        assert (r.returncode, r.stderr.splitlines()) == (1, [f"{ERROR_PREFIX}{fifo}: {special}"])
    r = run_cli(RESNET / "deploy.prototxt", fifo, "-o", tmp_path / "w.h5")
    assert r.returncode == 1
    assert r.stderr.splitlines() == [f"{ERROR_PREFIX}{fifo}: is not a regular file (a caffemodel is read through a memory map)"]
    assert stat.S_ISFIFO(fifo.stat().st_mode) and sorted(p.name for p in tmp_path.iterdir()) == ["p.npz"]


def test_symlink_loops_are_one_error_line(tmp_path: Path) -> None:
    loop = tmp_path / "loop"
    loop.symlink_to("loop")
    r = run_cli(RESNET / "deploy.prototxt", loop, "-o", tmp_path / "w.h5")
    assert r.returncode == 1
    assert r.stderr.splitlines() == [f"{ERROR_PREFIX}{loop}: cannot read: Too many levels of symbolic links"]
    r = run_cli("fold", RESNET / "deploy.prototxt", RESNET / "net.caffemodel", "-o", loop)
    assert r.returncode == 1
    assert r.stderr.splitlines() == [f"{ERROR_PREFIX}{loop / 'deploy.prototxt'}: output folder {str(loop)!r} does not exist"]
    # An output path holding a looping link is replaced, as a dangling link would be.
    (tmp_path / "w.h5").symlink_to("w.h5")
    r = run_cli(RESNET / "deploy.prototxt", RESNET / "net.caffemodel", "-o", tmp_path / "w.h5")
    assert (r.returncode, r.stderr) == (0, "")
    assert (tmp_path / "w.h5").read_bytes()[:4] == b"\x89HDF"


@pytest.mark.skipif(not (os.path.exists("/dev/full") and stat.S_ISCHR(os.stat("/dev/full").st_mode)), reason="no /dev/full")
@pytest.mark.parametrize("command", ["merge --json", "to-deploy -o -"])
def test_standard_output_that_fails_is_one_error_line(command: str, tmp_path: Path) -> None:
    if command == "merge --json":
        args = [RESNET / "deploy.prototxt", RESNET / "net.caffemodel", "-o", tmp_path / "w.h5", "--json"]
    else:
        args = ["to-deploy", FIXTURES / "train_val_classifier" / "train_val.prototxt", "-o", "-"]
    with open("/dev/full", "w") as full:
        r = subprocess.run(
            [sys.executable, "-m", "caffe2trt_bn", *map(str, args)], stdout=full, stderr=subprocess.PIPE, text=True,
            env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=120,
        )
    assert r.returncode == 1
    assert r.stderr.splitlines() == [f"{ERROR_PREFIX}cannot write to standard output: No space left on device"]


def test_names_that_are_not_utf8_print_under_a_strict_encoding(tmp_path: Path) -> None:
    out = tmp_path / os.fsdecode(b"w\xff.h5")
    r = subprocess.run(
        [sys.executable, "-m", "caffe2trt_bn", str(RESNET / "deploy.prototxt"), str(RESNET / "net.caffemodel"), "-o", str(out)],
        capture_output=True, env={**os.environ, "PYTHONPATH": str(ROOT), "PYTHONIOENCODING": "utf-8"}, timeout=120,
    )
    assert r.returncode == 0 and b"Traceback" not in r.stderr, r.stderr
    assert b"w\\udcff.h5" in r.stdout and out.exists()


def test_a_negative_seed_is_a_usage_error(tmp_path: Path) -> None:
    r = run_cli("fold", RESNET / "deploy.prototxt", RESNET / "net.caffemodel", "-o", tmp_path / "out", "--seed", "-1")
    assert r.returncode == 2
    assert r.stderr.splitlines()[-1] == "caffe-bn-merge fold: error: argument --seed: '-1' is not a whole number from 0 up"
    assert list(tmp_path.iterdir()) == []


def test_a_prototxt_past_the_size_limit_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A device or an endless pipe given as the prototxt is refused, not read until memory
    runs out (checked with a small limit)."""
    import caffe2trt_bn.io.prototxt as prototxt_module

    monkeypatch.setattr(prototxt_module.parser, "MAX_PROTOTXT_BYTES", 1000)
    with pytest.raises(PrototxtSyntaxError, match="not a prototxt") as info:
        prototxt_module.parse_file(RESNET / "deploy.prototxt")
    assert info.value.file == str(RESNET / "deploy.prototxt")


@pytest.mark.parametrize("command", ["merge", "fold", "to-deploy"])
def test_output_name_too_long(command: str, tmp_path: Path) -> None:
    """A name the file system refuses is one error line naming it, not a traceback."""
    long = tmp_path / ("x" * 300)
    if command == "merge":
        target = Path(f"{long}.h5")
        r = run_cli(RESNET / "deploy.prototxt", RESNET / "net.caffemodel", "-o", target)
    elif command == "fold":
        target = long
        r = run_cli("fold", RESNET / "deploy.prototxt", RESNET / "net.caffemodel", "-o", target)
    else:
        target = Path(f"{long}.prototxt")
        r = run_cli("to-deploy", FIXTURES / "train_val_classifier" / "train_val.prototxt", "-o", target)
    assert r.returncode == 1
    assert r.stderr.splitlines() == [f"{ERROR_PREFIX}{target}: cannot write: File name too long"]
    assert list(tmp_path.iterdir()) == []


# --- usage errors: exit 2 -------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "text"),
    [
        ((), "the following arguments are required: prototxt, caffemodel"),
        ((RESNET / "deploy.prototxt",), "the following arguments are required: caffemodel"),
        ((RESNET / "deploy.prototxt", RESNET / "net.caffemodel", "--no-such-flag"), "unrecognized arguments: --no-such-flag"),
        ((RESNET / "deploy.prototxt", RESNET / "net.caffemodel", "-o"), "argument -o/--output: expected one argument"),
    ],
)
def test_usage_errors(args: tuple, text: str, tmp_path: Path) -> None:
    """argparse prints the usage, then one error line; exit 2; nothing written."""
    r = run_cli(*args, cwd=tmp_path)
    assert r.returncode == 2
    assert "Traceback" not in r.stderr
    lines = r.stderr.splitlines()
    assert lines[0].startswith("usage: caffe-bn-merge")
    assert lines[-1] == f"{ERROR_PREFIX}{text}"
    assert list(tmp_path.iterdir()) == []


# --- warnings: printed and named, in --json, errors under --strict --------------------


def _set_dims(layer: str, blob: int, dims: list[int]) -> Callable[[caffe_pb2.NetParameter], None]:
    def edit(net: caffe_pb2.NetParameter) -> None:
        shape = layer_of(net, layer).blobs[blob].shape
        del shape.dim[:]
        shape.dim.extend(dims)

    return edit


def _set_value(layer: str, blob: int, channel: int, value: float) -> Callable[[caffe_pb2.NetParameter], None]:
    def edit(net: caffe_pb2.NetParameter) -> None:
        layer_of(net, layer).blobs[blob].data[channel] = value

    return edit


#: code -> builder of (prototxt, caffemodel, the file the warning names, the layer).
WARNINGS: dict[str, Callable[[Path], tuple[Path, Path, Path, str]]] = {
    "use_global_stats_false": lambda d: (
        p := edited_prototxt(
            d,
            lambda t: t.replace(
                'name: "bn2" type: "BatchNorm"',
                'name: "bn2" type: "BatchNorm" batch_norm_param { use_global_stats: false }',
                1,
            ),
        ),
        RESNET / "net.caffemodel",
        p,
        "bn2",
    ),
    "zero_factor": lambda d: (
        FIXTURES / "untrained_zero_factor" / "deploy.prototxt",
        FIXTURES / "untrained_zero_factor" / "net.caffemodel",
        FIXTURES / "untrained_zero_factor" / "net.caffemodel",
        "bn1",
    ),
    # var*f slightly below zero: var + eps stays positive, only eps keeps the result finite.
    "negative_variance": lambda d: (
        RESNET / "deploy.prototxt",
        m := edited_model(d, _set_value("bn3", 1, 4, -1e-9)),
        m,
        "bn3",
    ),
    # var*f = 0 < eps: a dead channel whose scale eps alone sets.
    "small_variance": lambda d: (RESNET / "deploy.prototxt", m := edited_model(d, _set_value("bn3", 1, 4, 0.0)), m, "bn3"),
    "fp16_overflow": lambda d: (RESNET / "deploy.prototxt", m := edited_model(d, _set_value("scale1", 0, 2, 1e6)), m, "bn1"),
    "fp16_underflow": lambda d: (RESNET / "deploy.prototxt", m := edited_model(d, _set_value("scale1", 0, 2, 1e-9)), m, "bn1"),
    # A pruned channel: x*scale rounds away in FP16 for every input.
    "fp16_underflow_negligible": lambda d: (
        RESNET / "deploy.prototxt",
        m := edited_model(d, _set_value("scale1", 0, 2, 4e-38)),
        m,
        "bn1",
    ),
}


@pytest.mark.parametrize("code", list(WARNINGS))
def test_warning_is_printed_named_in_json_and_strict(code: str, tmp_path: Path) -> None:
    prototxt, caffemodel, names, layer = WARNINGS[code](tmp_path)
    out = tmp_path / "w.h5"

    r = run_cli(prototxt, caffemodel, "-o", out, "--json")
    assert r.returncode == 0, r.stderr
    summary = json.loads(r.stdout)
    assert {w["code"] for w in summary["warnings"]} == {code}
    for w in summary["warnings"]:
        assert (w["layer"], w["file"]) == (layer, str(names))
    # A risk is printed as a warning, information as a note (WARNING_KINDS says which).
    severity = WARNING_KINDS[code].severity
    assert {w["severity"] for w in summary["warnings"]} == {severity}
    label = {RISK: "warning", INFO: "note"}[severity]
    lines = r.stderr.splitlines()
    assert len(lines) == len(summary["warnings"])
    for line, w in zip(lines, summary["warnings"]):
        assert line == f"caffe-bn-merge: {label}: {names}: layer {layer!r}: {w['message']} [{code}]"
    assert out.exists()

    # --strict makes a risk an error, never information.
    strict_out = tmp_path / "strict.h5"
    r = run_cli(prototxt, caffemodel, "-o", strict_out, "--strict")
    if severity == INFO:
        assert r.returncode == 0, r.stderr
        assert strict_out.exists()
    else:
        assert r.returncode == 1
        assert r.stderr.splitlines() == [
            f"{ERROR_PREFIX}{names}: layer {layer!r}: {summary['warnings'][0]['message']} "
            f"(warning {code}, an error under --strict or strict=True)"
        ]
        assert not strict_out.exists()

    # The library: Python warnings of category Caffe2TrtWarning; strict=True raises.
    from caffe2trt_bn import Caffe2TrtWarning, extract

    with pytest.warns(Caffe2TrtWarning) as record:
        extract(prototxt, caffemodel)
    assert all(str(w.message).endswith(f"[{code}]") for w in record)
    assert [w.message.diagnostic.code for w in record] == [code]  # type: ignore[union-attr]
    if severity == INFO:
        assert [d.code for d in convert(prototxt, caffemodel, strict=True).diagnostics] == [code]
        return
    with pytest.raises(StrictModeError) as info:
        convert(prototxt, caffemodel, strict=True)
    assert (info.value.file, info.value.layer) == (str(names), layer)
    assert info.value.diagnostic.code == code


def test_small_variance_threshold_is_eps(tmp_path: Path) -> None:
    """``small_variance`` fires for 0 <= var*f < eps and not at eps itself: below eps,
    eps outweighs the statistic in ``sqrt(var*f + eps)``."""
    net = load_net()
    s = layer_of(net, "bn3").blobs[2].data[0]
    eps = float(np.float32(1e-5))
    for var, warned in ((0.0, True), (0.5 * eps, True), (eps * 1.01, False), (1.0, False)):

        def edit(n: caffe_pb2.NetParameter, value: float = var * s) -> None:
            layer_of(n, "bn3").blobs[1].data[4] = value

        model = edited_model(tmp_path, edit)
        codes = [d.code for d in convert(RESNET / "deploy.prototxt", model).diagnostics]
        assert ("small_variance" in codes) is warned, (var, codes)


# --- regressions found by fuzzing -------------------------------------------------------


def _renamed(d: Path, text_name: str, stored_name: bytes) -> tuple[Path, Path]:
    """resnet_inplace with bn1 renamed: ``text_name`` as written in the prototxt (escapes
    allowed), ``stored_name`` as the bytes in the caffemodel."""
    proto = edited_prototxt(d, lambda t: t.replace('name: "bn1"', f'name: "{text_name}"', 1))
    marker = b"Q" * len(stored_name)  # protobuf refuses non-UTF-8 text: put the bytes in afterwards
    net = load_net()
    layer_of(net, "bn1").name = marker.decode()
    data = net.SerializeToString()
    assert data.count(marker) == 1
    return proto, written(d, "renamed.caffemodel", data.replace(marker, stored_name))


def test_names_that_are_not_utf8_match_across_files(tmp_path: Path) -> None:
    """Caffe stores names as bytes: a prototxt escape "\\377" and the stored byte 0xFF
    name the same layer.  Formats that need text refuse the name, with the layer named;
    fold writes it back as the same bytes (fuzzing found fold output that did not read
    back)."""
    proto, model = _renamed(tmp_path, "bn\\3771", b"bn\xff1")
    result = convert(proto, model)
    assert [w.name for w in result.weights][0] == "bn\udcff1"
    r = run_cli(proto, model, "-o", tmp_path / "w.npz")
    assert r.returncode == 1
    assert r.stderr.splitlines() == [
        f"{ERROR_PREFIX}{tmp_path / 'w.npz'}: layer 'bn\\udcff1': the name 'bn\\udcff1' is not valid UTF-8, "
        "which a .npz file cannot store"
    ]
    assert not (tmp_path / "w.npz").exists()
    from caffe2trt_bn.passes.fold import fold

    from caffe2trt_bn.io.caffemodel import read_caffemodel

    folded = fold(proto, model, tmp_path / "folded")
    assert [g.name for g in folded.groups][0] == "bn\udcff1"
    names = [layer.name for layer in read_caffemodel(folded.caffemodel).layers]  # reads back
    assert "conv1" in names and "bn\udcff1" not in names  # folded into conv1


def test_nul_in_a_name_is_refused_by_every_format(tmp_path: Path) -> None:
    """HDF5 strings and zip entry names end at a NUL: h5py raised ValueError and npz
    silently cut the name (fuzzing found both)."""
    proto, model = _renamed(tmp_path, "bn\\0001", b"bn\x001")
    for suffix in (".h5", ".npz", ".wts"):
        out = tmp_path / f"w{suffix}"
        r = run_cli(proto, model, "-o", out)
        assert r.returncode == 1 and "Traceback" not in r.stderr
        assert r.stderr.splitlines() == [
            f"{ERROR_PREFIX}{out}: layer 'bn\\x001': the name 'bn\\x001' holds a NUL character, "
            f"which a .{suffix.lstrip('.')} file cannot store"
        ]
        assert not out.exists()


def test_wts_keeps_non_ascii_names(tmp_path: Path) -> None:
    """A layer named in Chinese crashed the .wts writer (it encoded ASCII)."""
    from caffe2trt_bn.export.wts import read_wts

    proto, model = _renamed(tmp_path, "批归一化1", "批归一化1".encode())
    r = run_cli(proto, model, "-o", tmp_path / "w.wts", "-q")
    assert r.returncode == 0, r.stderr
    entries = read_wts(tmp_path / "w.wts")
    assert {"批归一化1.scale", "批归一化1.shift", "批归一化1.power"} <= set(entries)


def test_to_deploy_bad_dimension_names_the_file(tmp_path: Path) -> None:
    """A non-integer DummyData dim was reported without file, line or column (and now,
    read through the typed parameters, with its layer)."""
    train = written(
        tmp_path, "train.prototxt", (RESNET / "train.prototxt").read_bytes().replace(b"dim: 2 ", b"dim: inf ", 1)
    )
    r = run_cli("to-deploy", train, "-o", tmp_path / "deploy.prototxt")
    assert r.returncode == 1
    assert r.stderr.splitlines() == [f"{ERROR_PREFIX}{train}:4:30: layer 'data': field 'dim': expected an integer, found inf"]
    assert not (tmp_path / "deploy.prototxt").exists()


# --- the other commands: the same contract -------------------------------------------

FOLD_CASES = [
    "missing caffemodel",
    "caffemodel is a directory",
    "empty prototxt",
    "truncated caffemodel",
    "forged length 2**40 (blob data)",
    "prototxt missing colon",
    "duplicate layer names",
    "deploy BatchNorm absent from caffemodel",
    "BatchNorm with 2 blobs",
    "NaN mean",
    "variance*f + eps <= 0",
    "merged scale beyond float32",
    "--strict turns a warning into an error",
    "bad bias_term of a Scale",
    "bad num_axes of a Scale",
]

TO_DEPLOY_CASES = [
    "missing prototxt",
    "prototxt is a directory",
    "random bytes as prototxt",
    "caffemodel given as prototxt",
    "prototxt missing colon",
    "prototxt unclosed brace",
    "prototxt nested too deep",
    "prototxt not UTF-8",
]


@pytest.mark.parametrize("name", FOLD_CASES)
def test_fold_catalogue(name: str, tmp_path: Path) -> None:
    d = tmp_path / "in"
    d.mkdir()
    s = CATALOGUE[name](d)
    inputs = snapshot(s.prototxt, s.caffemodel)
    outdir = tmp_path / "folded"
    r = run_cli("fold", s.prototxt, s.caffemodel, "-o", outdir, *s.extra)
    assert r.returncode == 1 and "Traceback" not in r.stderr, r.stderr
    lines = r.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(ERROR_PREFIX), r.stderr
    assert str(s.names) in lines[0]
    for piece in (f"layer {s.layer!r}",) if s.layer else ():
        assert piece in lines[0]
    assert not outdir.exists() or list(outdir.iterdir()) == []
    assert snapshot(s.prototxt, s.caffemodel) == inputs


def test_fold_names_the_producer_with_a_bad_parameter(tmp_path: Path) -> None:
    """Only fold reads the producer's bias_term; its error names that layer."""
    proto = edited_prototxt(tmp_path, lambda t: t.replace("bias_term: false", "bias_term: 7", 1))
    r = run_cli("fold", proto, RESNET / "net.caffemodel", "-o", tmp_path / "out")
    assert r.returncode == 1
    assert r.stderr.splitlines() == [
        f"{ERROR_PREFIX}{proto}:42:5: layer 'conv3': field 'bias_term': expected a boolean (true or false), found 7"
    ]
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("name", TO_DEPLOY_CASES)
def test_to_deploy_catalogue(name: str, tmp_path: Path) -> None:
    d = tmp_path / "in"
    d.mkdir()
    s = CATALOGUE[name](d)
    out = tmp_path / "deploy.prototxt"
    out.write_bytes(SENTINEL)
    r = run_cli("to-deploy", s.prototxt, "-o", out)
    assert r.returncode == 1 and "Traceback" not in r.stderr, r.stderr
    lines = r.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(ERROR_PREFIX + str(s.prototxt)), r.stderr
    assert out.read_bytes() == SENTINEL and sorted(p.name for p in tmp_path.iterdir()) == ["deploy.prototxt", "in"]


@pytest.mark.parametrize(("tag", "field"), [(b"\x2d", "32-bit field 5"), (b"\x41", "64-bit field 8")])
@pytest.mark.parametrize("tail", [0, 1, 3])
def test_unpacked_value_cut_short_does_not_hang(tag: bytes, field: str, tail: int, tmp_path: Path) -> None:
    """An unpacked float/double tag with fewer bytes than one value after it, at the end
    of a blob, sent the blob reader into an endless loop (found by fuzzing)."""
    from test_fuzz import time_limit

    one = b"\x00" * (4 if tag == b"\x2d" else 8)
    model = written(tmp_path, "cut.caffemodel", forged_layer(tag + one + tag + b"\x00" * tail))
    with time_limit(FORGED_LENGTH_SECONDS), pytest.raises(ModelFormatError) as info:
        convert(RESNET / "deploy.prototxt", model)
    assert f"layer 'bn1': blob 0: malformed protobuf: {field} truncated" in str(info.value)


# --- the onnx command: the same contract -------------------------------------------------

ZOO = FIXTURES / "zoo"
ONNX_OUT = "net.onnx"


@dataclass
class OnnxSetup:
    """A bad input (or option) of ``caffe-bn-merge onnx``: the two inputs, the file the
    error line must name (None for an option error, which names no file), the pieces the
    line must hold, the error class :func:`~caffe2trt_bn.to_onnx` raises, the command-line
    options and the same as ``to_onnx`` keywords."""

    prototxt: Path
    caffemodel: Path
    names: Path | None
    expect: tuple[str, ...]
    kind: type[Caffe2TrtError]
    extra: tuple[str, ...] = ()
    options: dict[str, object] = field(default_factory=dict)


def _onnx_net(d: Path, body: str, case: Path = ZOO / "pool_ceil_7x6", shape: str = "1 1 4 5") -> OnnxSetup:
    """A small net (``Input`` of ``shape`` + ``body``) with a caffemodel it needs no blob of."""
    dims = " ".join(f"dim: {x}" for x in shape.split())
    text = f'name: "t"\nlayer {{ name: "data" type: "Input" top: "data" input_param {{ shape {{ {dims} }} }} }}\n{body}'
    return written(d, "net.prototxt", text.encode()), case / "net.caffemodel"  # type: ignore[return-value]


def _onnx_prototxt(d: Path, edit: Callable[[str], str], *expect: str, case: Path = RESNET, kind: type = GraphError) -> OnnxSetup:
    proto = edited_prototxt(d, edit, case)
    return OnnxSetup(proto, case / "net.caffemodel", proto, expect, kind)


def _onnx_small(d: Path, body: str, *expect: str, shape: str = "1 1 4 5", kind: type = GraphError) -> OnnxSetup:
    proto, model = _onnx_net(d, body, shape=shape)  # type: ignore[misc]
    return OnnxSetup(proto, model, proto, expect, kind)


def _onnx_option(
    *extra: str,
    expect: tuple[str, ...],
    names: bool = True,
    kind: type[Caffe2TrtError] = Caffe2TrtError,
    case: Path = RESNET,
    **options: object,
) -> OnnxSetup:
    proto = case / "deploy.prototxt"
    return OnnxSetup(proto, case / "net.caffemodel", proto if names else None, expect, kind, extra, options)


def _without_layer(name: str) -> Callable[[caffe_pb2.NetParameter], None]:
    def edit(net: caffe_pb2.NetParameter) -> None:
        net.layer.remove(layer_of(net, name))

    return edit


def _nan_weight(net: caffe_pb2.NetParameter) -> None:
    layer_of(net, "conv1").blobs[0].data[5] = float("nan")


UNKNOWN_TYPES = (
    'layer { name: "frob" type: "Frobnicate" bottom: "pool" top: "frob" }\n'
    'layer { name: "warp" type: "Warp" bottom: "pool" top: "warp" }\n'
)

ONNX_CATALOGUE: dict[str, Callable[[Path], OnnxSetup]] = {
    "unknown layer types, all listed": lambda d: _onnx_prototxt(
        d, lambda t: t + UNKNOWN_TYPES, "cannot export 2 layer(s) to ONNX", "edited.prototxt:59: layer 'frob': layer type "
        "'Frobnicate' has no ONNX converter", "edited.prototxt:60: layer 'warp': layer type 'Warp' has no ONNX converter",
        kind=ConversionError,
    ),
    "a field the exporter cannot honour": lambda d: _onnx_prototxt(
        d, lambda t: t.replace("num_output: 8 kernel_size: 3", "num_output: 8 frobnicate: 2 kernel_size: 3", 1),
        "edited.prototxt:6: layer 'conv1': convolution_param.frobnicate: not a field of", kind=ConversionError,
    ),
    "a convolution dilation of 0": lambda d: _onnx_prototxt(
        d, lambda t: t.replace("num_output: 8 kernel_size: 3", "num_output: 8 kernel_size: 3 dilation: 0", 1),
        "edited.prototxt:6: layer 'conv1': field 'convolution_param.dilation': 0 is not supported", kind=ConversionError,
    ),
    "a layer missing from the caffemodel with a random filler": lambda d: OnnxSetup(
        ZOO / "conv_kernel_stride_pad" / "deploy.prototxt",
        edited_model(d, _without_layer("c_1x1"), ZOO / "conv_kernel_stride_pad"),
        ZOO / "conv_kernel_stride_pad" / "deploy.prototxt",
        ("layer 'c_1x1': weight_filler: the caffemodel does not hold this layer", "gaussian"), ConversionError,
    ),
    "a NaN weight": lambda d: OnnxSetup(
        RESNET / "deploy.prototxt", edited_model(d, _nan_weight), d / "edited.caffemodel",
        ("layer 'conv1'", "non-finite value nan"), ModelValueError, ("--bn", "keep"), {"bn": "keep"},
    ),
    "--input-shape names no net input": lambda d: _onnx_option(
        "--input-shape", "nope=1,3,8,8", expect=("layer 'data': --input-shape names 'nope', which is not a net input (data)",),
        kind=ConversionError, input_shape={"nope": (1, 3, 8, 8)},
    ),
    "--input-shape beyond Caffe's blob limit": lambda d: _onnx_option(
        "--input-shape", "1,3,40000,40000",
        expect=("net input 'data' of shape (1, 3, 40000, 40000) holds more values than Caffe's limit of 2**31 - 1",),
        kind=ConversionError, input_shape=(1, 3, 40000, 40000),
    ),
    "--input-shape too small for a layer": lambda d: _onnx_option(
        "--input-shape", "1,3,2,2", expect=("deploy.prototxt:10: layer 'c_k4s3p0': kernel_size: leaves no output",),
        kind=ConversionError, case=ZOO / "conv_kernel_stride_pad", input_shape=(1, 3, 2, 2),
    ),
    "--outputs names an unknown blob": lambda d: _onnx_option(
        "--outputs", "conv2,nope", expect=("--outputs names blob(s) the net does not have: 'nope'",),
        outputs=("conv2", "nope"),
    ),
    "--outputs names a net input": lambda d: _onnx_option(
        "--outputs", "data", expect=("--outputs names 'data', a net input that no layer rewrites",), outputs=("data",),
    ),
    "opset below the range": lambda d: _onnx_option(
        "--opset", "12", expect=("opset 12 is not supported; choose 13 to 20",), names=False, opset=12,
    ),
    "opset above the range": lambda d: _onnx_option(
        "--opset", "21", expect=("opset 21 is not supported; choose 13 to 20",), names=False, opset=21,
    ),
    # Found by fuzzing the exporter (each crashed or wrote a model no runtime loads).
    "a layer without its bottom": lambda d: _onnx_prototxt(
        d, lambda t: t.replace('type: "Flatten" bottom: "perm_nhwc"', 'type: "Flatten"'),
        "edited.prototxt:38: layer 'flat_a2': a Flatten layer needs at least 1 bottom(s), this one has 0",
        case=FIXTURES / "fork_layers" / "normalize_permute_flatten", kind=ConversionError,
    ),
    "a layer with a top it does not write": lambda d: _onnx_prototxt(
        d, lambda t: t.replace('top: "crop_w"', 'top: "crop_w" top: "extra"'),
        "layer 'crop_w': top: a Crop layer does not write the top(s) ['extra']", case=ZOO / "crop_variants",
        kind=ConversionError,
    ),
    "no layer after the inputs": lambda d: _onnx_small(
        d, "", "the net has no layer after its inputs: the ONNX graph would have no outputs"
    ),
    "a blob name that is not UTF-8": lambda d: _onnx_small(
        d, 'layer { name: "r" type: "ReLU" bottom: "data" top: "r\\377" }\n',
        "layer 'r': top 'r\\udcff' is not UTF-8 text, which ONNX names must be", kind=ConversionError,
    ),
    "an AVE pooling window starting at the input's end": lambda d: _onnx_small(
        d, 'layer { name: "p" type: "Pooling" bottom: "data" top: "p" pooling_param { pool: AVE kernel_size: 2 stride: 4 } }\n',
        "layer 'p': stride: a window starts right at the end of the input along h", "(NaN outputs)", kind=ConversionError,
    ),
    "a pooling mask with windows past the input": lambda d: _onnx_small(
        d, 'layer { name: "p" type: "Pooling" bottom: "data" top: "p" top: "m" pooling_param { pool: MAX kernel_size: 2 stride: 6 } }\n',
        "layer 'p': top: the argmax mask of a pooling whose last windows lie past the input", kind=ConversionError,
        shape="1 1 5 7",
    ),
    "an Exp whose base^shift overflows float32": lambda d: _onnx_prototxt(
        d, lambda t: t.replace("exp_param { base: 2 }", "exp_param { base: 2 shift: 200 }"),
        "layer 'exp_2': shift: base^shift or log(base)*scale overflows float32", case=ZOO / "act_power_exp_log",
        kind=ConversionError,
    ),
    "a MaxUnPool mask not shaped like the values": lambda d: _onnx_prototxt(
        d, lambda t: t.replace('bottom: "mid" bottom: "pool_mask"', 'bottom: "mid" bottom: "enc"'),
        "layer 'unpool': bottom: the mask (2, 6, 9, 11) must have the shape of the values (2, 6, 5, 6)",
        case=FIXTURES / "fork_layers" / "maxunpool_segnet", kind=ConversionError,
    ),
    "an Im2col kernel far larger than its input": lambda d: _onnx_prototxt(
        d, lambda t: t.replace("kernel_size: 3 pad: 1 stride: 2", "kernel_size: 2147483648 pad: 1 stride: 2"),
        "layer 'im2col': top 'im2col' would have the negative shape", case=ZOO / "spp_silence_misc", kind=ConversionError,
    ),
    "a blob name that is not UTF-8, on a folded Scale": lambda d: _onnx_prototxt(
        d, lambda t: t.replace('top: "scale1"', 'top: "\\377"'),
        "layer 'scale1': top '\\udcff' is not UTF-8 text", case=FIXTURES / "forks" / "unpacked_floats", kind=ConversionError,
    ),
    "an empty top name": lambda d: _onnx_prototxt(
        d, lambda t: t.replace('top: "scale1"', 'top: ""'),
        "layer 'scale1': a top with an empty name cannot name an ONNX tensor", case=FIXTURES / "forks" / "unpacked_floats",
        kind=ConversionError,
    ),
    "a PriorBox box beyond float32": lambda d: _onnx_prototxt(
        d, lambda t: t.replace("min_size: 16 aspect_ratio: 3", "min_size: 3e38 aspect_ratio: 3"),
        "min_size: with aspect_ratio, a box size overflows float32", case=FIXTURES / "fork_layers" / "priorbox_variants",
        kind=ConversionError,
    ),
    "a PriorBox size that is not finite": lambda d: _onnx_prototxt(
        d, lambda t: t.replace("max_size: ", "max_size: nan max_size: ", 1), "max_size: nan is not a finite float32 value",
        case=FIXTURES / "fork_layers" / "priorbox_variants", kind=ConversionError,
    ),
}

#: The cases also run as a user runs them, in a fresh process (the others run in-process:
#: a subprocess per case would cost half a second each).
ONNX_IN_A_PROCESS = ("unknown layer types, all listed", "opset below the range", "a NaN weight")


@pytest.mark.parametrize("name", list(ONNX_CATALOGUE))
def test_onnx_catalogue(name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from caffe2trt_bn.export.onnx import to_onnx

    d = tmp_path / "in"
    d.mkdir()
    outdir = tmp_path / "out"
    outdir.mkdir()
    s = ONNX_CATALOGUE[name](d)
    inputs = snapshot(s.prototxt, s.caffemodel)
    out = outdir / ONNX_OUT
    args = ["onnx", str(s.prototxt), str(s.caffemodel), "-o", str(out), *s.extra]

    capsys.readouterr()
    assert main(args) == 1
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1, lines
    line = lines[0]
    assert line.startswith(ERROR_PREFIX), line
    if s.names is not None:
        assert str(s.names) in line, line
    for piece in s.expect:
        assert piece in line, (piece, line)
    assert list(outdir.iterdir()) == [], "a failed export left a file behind"
    assert snapshot(s.prototxt, s.caffemodel) == inputs

    if name in ONNX_IN_A_PROCESS:
        r = run_cli(*args)
        assert r.returncode == 1 and "Traceback" not in r.stderr, r.stderr
        assert r.stderr.splitlines() == [line]
        assert list(outdir.iterdir()) == []

    # An earlier output survives a failed export untouched.
    out.write_bytes(SENTINEL)
    assert main(args) == 1
    capsys.readouterr()
    assert out.read_bytes() == SENTINEL and [p.name for p in outdir.iterdir()] == [ONNX_OUT]
    out.unlink()

    # The library call: the same error, as the class it is.
    with pytest.raises(Caffe2TrtError) as info:
        to_onnx(s.prototxt, s.caffemodel, out, **s.options)  # type: ignore[arg-type]
    assert type(info.value) is s.kind, (type(info.value), str(info.value))
    assert ERROR_PREFIX + str(info.value) == line
    assert not out.exists()
    if isinstance(info.value, ConversionError):
        # One error per layer, each naming its file and layer.
        assert info.value.problems and all(p.file and p.layer for p in info.value.problems)


@pytest.mark.parametrize(
    ("extra", "text"),
    [
        (("--input-shape", "0,3,8,8"), "argument --input-shape: '0,3,8,8' is not [BLOB=]N,C,H,W with positive whole numbers"),
        (("--input-shape", "data=1,x"), "argument --input-shape: 'data=1,x' is not [BLOB=]N,C,H,W with positive whole numbers"),
        (("--opset", "seventeen"), "argument --opset: invalid int value: 'seventeen'"),
        (("--bn", "merge"), "argument --bn: invalid choice: 'merge' (choose from "),  # quoting varies by Python
    ],
)
def test_onnx_usage_errors(extra: tuple[str, ...], text: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Malformed options of the onnx command: argparse's usage and one error line, exit 2,
    nothing written (in-process: argparse exits through SystemExit)."""
    out = tmp_path / ONNX_OUT
    with pytest.raises(SystemExit) as info:
        main(["onnx", str(RESNET / "deploy.prototxt"), str(RESNET / "net.caffemodel"), "-o", str(out), *extra])
    assert info.value.code == 2
    lines = capsys.readouterr().err.splitlines()
    assert lines[0].startswith("usage: caffe-bn-merge onnx")
    assert lines[-1].startswith(f"caffe-bn-merge onnx: error: {text}"), lines[-1]
    assert list(tmp_path.iterdir()) == []
