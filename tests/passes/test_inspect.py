"""``inspect`` agrees with the merge: it exits 1 exactly when the merge would, and
names the layer the merge stops at with the merge's own error line.

The property test breaks the shipped fixtures at random, the way models arrive broken:
a BatchNorm, Scale or Bias missing from the caffemodel, NaN or Inf in a mean, variance,
factor, scale or bias blob, a blob with one value too many or too few (channel counts
that disagree), a blob missing, a huge scale, a negative eps, a Scale whose
``bias_term`` no longer matches its blobs, harmless changes (a factor of 0, a layer
stored twice, ``use_global_stats: false``), and combinations.  For every variant the
merge, ``inspect`` and ``fold`` run in-process.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from caffe2trt_bn import caffe_pb2
from caffe2trt_bn.cli import main
from caffe2trt_bn.passes.inspect import inspect_net

from conftest import FIXTURES, run_cli

ERROR = "caffe-bn-merge: error: "
#: Fixtures with a caffemodel that the merge converts, of every storage variant.
CASES = sorted(
    p.parent
    for p in [*FIXTURES.glob("*/net.caffemodel"), *(FIXTURES / "forks").glob("*/net.caffemodel")]
    if p.parent.name not in ("v1_net", "nvcaffe_ambiguous")
)
RAW_DTYPES = {0: "<f8", 1: "<f4", 2: "<f2"}
BROKEN_VALUES = [float("nan"), float("inf"), float("-inf")]
KINDS = ["missing", "nan", "grow", "shrink", "no_blob", "huge", "zero_factor", "duplicate", "eps", "bias_term", "global"]


def run(*argv: str | Path) -> tuple[int, str, str]:
    """``caffe-bn-merge ARGV`` in this process: (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(a) for a in argv])
    return code, out.getvalue(), err.getvalue()


def _values(blob: caffe_pb2.BlobProto) -> np.ndarray:
    if blob.raw_data:
        return np.frombuffer(blob.raw_data, RAW_DTYPES[blob.raw_data_type if blob.HasField("raw_data_type") else 1]).copy()
    if len(blob.double_data):
        return np.array(blob.double_data, dtype=np.float64)
    return np.array(blob.data, dtype=np.float32)


def _set_values(blob: caffe_pb2.BlobProto, values: np.ndarray, resized: bool) -> None:
    """Stores ``values`` in the blob's own field; a new count gets a 1-D shape."""
    if blob.raw_data:
        blob.raw_data = values.astype(RAW_DTYPES[blob.raw_data_type if blob.HasField("raw_data_type") else 1]).tobytes()
    elif len(blob.double_data):
        del blob.double_data[:]
        blob.double_data.extend(values.astype(np.float64).tolist())
    else:
        del blob.data[:]
        blob.data.extend(values.astype(np.float32).tolist())
    if resized:
        for name in ("num", "channels", "height", "width"):
            blob.ClearField(name)
        blob.shape.ClearField("dim")
        blob.shape.dim.append(values.size)


def mutate(net: caffe_pb2.NetParameter, text: str, kind: str, pick: int, value: float) -> str:
    """Applies one kind of damage to a BatchNorm/BN/Scale/Bias layer (the ``pick``-th,
    cyclically) of the caffemodel ``net`` or of the prototxt ``text``; returns the text."""
    layers = [layer for layer in net.layer if layer.type in ("BatchNorm", "BN", "Scale", "Bias") and layer.blobs]
    if not layers:
        return text
    layer = layers[pick % len(layers)]
    blob = layer.blobs[pick % len(layer.blobs)]
    values = _values(blob)
    if kind == "missing":
        net.layer.remove(layer)
    elif kind == "nan" and values.size:
        values[pick % values.size] = value
        _set_values(blob, values, False)
    elif kind == "grow":
        _set_values(blob, np.append(values, 1.0), True)
    elif kind == "shrink" and values.size:
        _set_values(blob, values[:-1], True)
    elif kind == "no_blob":
        del layer.blobs[-1]
    elif kind == "huge" and values.size:
        values[pick % values.size] = 3e38
        _set_values(blob, values, False)
    elif kind == "zero_factor" and layer.type == "BatchNorm" and len(layer.blobs) == 3:
        _set_values(layer.blobs[2], np.zeros(1), False)
    elif kind == "duplicate":
        # An earlier copy with other values: Caffe and the tool read the last (the original).
        first = caffe_pb2.LayerParameter()
        first.CopyFrom(layer)
        _set_values(first.blobs[0], _values(first.blobs[0]) * 2, False)
        merged = caffe_pb2.NetParameter.FromString(
            caffe_pb2.NetParameter(layer=[first]).SerializeToString() + net.SerializeToString()
        )
        net.CopyFrom(merged)
    elif kind == "eps":
        text = text.replace("batch_norm_param {", "batch_norm_param { eps: -100", 1)
        if "batch_norm_param { eps: -100" not in text:
            text = re.sub(r'(type: "BatchNorm")', r"\1 batch_norm_param { eps: -100 }", text, count=1)
    elif kind == "bias_term":
        text = text.replace("bias_term: true", "bias_term: false", 1) if pick % 2 else text.replace(
            'type: "Scale"', 'type: "Scale" scale_param { bias_term: true }', 1
        )
    elif kind == "global":
        text = re.sub(r'(type: "BatchNorm")', r"\1 batch_norm_param { use_global_stats: false }", text, count=1)
    return text


mutations = st.lists(
    st.tuples(st.sampled_from(KINDS), st.integers(0, 50), st.sampled_from(BROKEN_VALUES)), min_size=1, max_size=3
)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=st.sampled_from(CASES), changes=mutations)
def test_inspect_exits_1_exactly_when_the_merge_does(tmp_path_factory, case: Path, changes: list) -> None:
    folder = tmp_path_factory.mktemp("variant")
    net = caffe_pb2.NetParameter()
    net.ParseFromString((case / "net.caffemodel").read_bytes())
    text = (case / "deploy.prototxt").read_text()
    with np.errstate(over="ignore"):  # a huge value stored as float16 is an infinity: also broken
        for kind, pick, value in changes:
            text = mutate(net, text, kind, pick, value)
    proto, model = folder / "deploy.prototxt", folder / "net.caffemodel"
    proto.write_text(text)
    model.write_bytes(net.SerializeToString())

    merged, _, merge_err = run(proto, model, "-q", "-o", folder / "w.npz")
    inspected, out, inspect_err = run("inspect", proto, model, "--json")
    assert inspected == merged, (changes, merge_err, inspect_err)
    if merged == 0:
        report = json.loads(out)
        assert report["convertible"] and all(row["error"] is None for row in report["layers"])
        return
    # The merge's error line is inspect's: for the layer it stops at (in the report), or
    # the same input error before any layer is looked at (no report).
    (line,) = merge_err.splitlines()
    report = json.loads(out) if out else None
    if report is not None and "convertible" not in report:
        # Refused before any layer is looked at: --json prints the failure object itself.
        assert report["error"] == line and inspect_err.splitlines() == [line]
    elif report is not None:
        assert not report["convertible"]
        assert line.removeprefix(ERROR) in [row["error"] for row in report["layers"]], (changes, line)
    else:
        assert inspect_err.splitlines() == [line]
    if not any(kind == "huge" for kind, _, _ in changes):  # fold may also refuse a huge folded weight
        folded, _, _ = run("fold", proto, model, "-q", "-o", folder / "folded")
        assert folded == merged, changes


def _variant(tmp_path: Path, edit, case: str = "resnet_inplace") -> tuple[Path, Path]:
    net = caffe_pb2.NetParameter()
    net.ParseFromString((FIXTURES / case / "net.caffemodel").read_bytes())
    edit(net)
    model = tmp_path / "net.caffemodel"
    model.write_bytes(net.SerializeToString())
    return FIXTURES / case / "deploy.prototxt", model


def test_a_fused_scale_missing_from_the_caffemodel(tmp_path: Path) -> None:
    """The issue's case: inspect said the model converts (exit 0) while the merge refused it."""
    proto, model = _variant(tmp_path, lambda net: net.layer.remove(next(l for l in net.layer if l.name == "scale1")))
    r = run_cli("inspect", proto, model)
    assert r.returncode == 1
    expected = f"{model}: layer 'scale1': Scale layer is not in the caffemodel; Caffe would silently run it with its initial values"
    assert r.stderr.splitlines() == [
        ERROR + expected,
        "caffe-bn-merge: 1 of 3 BatchNorm-like layer(s) cannot be converted: 'bn1'",
    ]
    bn1 = next(line for line in r.stdout.splitlines() if line.startswith("bn1 "))
    assert bn1.split()[:4] == ["bn1", "BatchNorm", "bvlc", "8"] and bn1.endswith(expected)
    merge = run_cli(proto, model, "-o", tmp_path / "w.h5")
    assert merge.returncode == 1 and merge.stderr.splitlines() == [ERROR + expected]


def test_nan_in_a_scale_blob_names_the_scale_and_the_channel(tmp_path: Path) -> None:
    def edit(net: caffe_pb2.NetParameter) -> None:
        next(l for l in net.layer if l.name == "scale2").blobs[1].data[5] = float("nan")

    proto, model = _variant(tmp_path, edit)
    report = inspect_net(proto, model)
    assert not report.convertible and [r.name for r in report.failed] == ["bn2"]
    (row,) = report.failed
    assert row.variant == "bvlc" and row.channels == 8  # the BatchNorm itself reads fine
    assert row.error == f"{model}: layer 'scale2': channel 5: bias is nan" and row.error_layer == "scale2"


def test_every_failing_layer_is_listed_not_only_the_first(tmp_path: Path) -> None:
    def edit(net: caffe_pb2.NetParameter) -> None:
        for name in ("bn1", "scale3"):
            next(l for l in net.layer if l.name == name).blobs[0].data[0] = float("inf")

    proto, model = _variant(tmp_path, edit)
    code, out, _ = run("inspect", proto, model, "--json")
    assert code == 1
    rows = {row["name"]: row for row in json.loads(out)["layers"]}
    assert rows["bn1"]["error"] == f"{model}: layer 'bn1': channel 0: mean is inf" and rows["bn1"]["variant"] == "error"
    assert rows["bn3"]["error"] == f"{model}: layer 'scale3': channel 0: scale is inf"
    assert rows["bn2"]["error"] is None and rows["bn2"]["convertible"]


def test_inspect_gives_the_merges_warnings(tmp_path: Path) -> None:
    """The reverse direction: a model the merge converts with warnings is convertible."""
    case = FIXTURES / "untrained_zero_factor"
    code, out, _ = run("inspect", case / "deploy.prototxt", case / "net.caffemodel", "--json")
    merged, merge_out, _ = run(case / "deploy.prototxt", case / "net.caffemodel", "--json", "-o", tmp_path / "w.npz")
    assert code == merged == 0
    codes = [w["code"] for row in json.loads(out)["layers"] for w in row["warnings"]]
    assert codes == [w["code"] for w in json.loads(merge_out)["warnings"]] and "zero_factor" in codes


def test_a_net_without_batchnorm_is_refused_by_both() -> None:
    """The merge refuses a BatchNorm-free net (nothing to write): so does inspect, with the
    merge's error line."""
    case = FIXTURES / "zoo" / "act_pointwise"
    merged, _, merge_err = run(case / "deploy.prototxt", case / "net.caffemodel", "-o", "unused.npz")
    code, out, err = run("inspect", case / "deploy.prototxt", case / "net.caffemodel")
    assert merged == code == 1
    assert out == f"{case / 'deploy.prototxt'}: no BatchNorm-like layers; nothing to merge\n"
    assert err.splitlines() == merge_err.splitlines() and "no BatchNorm-like layer" in err
    code, out, _ = run("inspect", case / "deploy.prototxt", case / "net.caffemodel", "--json")
    report = json.loads(out)
    assert code == 1 and not report["convertible"] and report["layers"] == []
    assert report["net_error"] == merge_err.splitlines()[0].removeprefix(ERROR)
    assert report["code"] == "not_convertible" and report["error"] == merge_err.splitlines()[0]
