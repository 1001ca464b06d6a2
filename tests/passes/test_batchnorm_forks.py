"""Models written by Caffe forks and old writers: fixtures in ``fixtures/forks``.

The fixtures and their float64 expectations come from ``fixtures/make_fork_fixtures.py``,
which writes the protobuf wire format by hand and applies each fork's inference formula
itself (it does not use this package).  Where an independent runtime can load a case, its
output is compared too: OpenCV dnn (NVIDIA Caffe's 5-blob BatchNorm, FLOAT16 ``raw_data``,
unpacked floats) and real BVLC Caffe (``caffe.npz``, recorded when the fixtures were made).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from caffe2trt_bn.passes.batchnorm import BATCHNORM_TYPES, VARIANTS, batchnorm_like, read_batchnorm
from caffe2trt_bn.io.caffemodel import Blob, read_caffemodel
from caffe2trt_bn.errors import GraphError, ModelValueError
from caffe2trt_bn.passes.scale_weights import ScaleWeights, convert
from caffe2trt_bn.ir.graph import build_graph
from caffe2trt_bn.io.prototxt import parse

from conftest import CAFFE_RTOL, FIXTURES, apply_scale, rel_error, run_cli

FORKS = FIXTURES / "forks"

#: Agreement of the written float32 weights with the float64 expectation, relative to each
#: value: rounding once to float32 costs at most 6e-8, so this leaves room for nothing else.
FORK_TOL = 2e-6

#: Agreement of OpenCV dnn's float32 forward pass with ``x*scale + shift``, relative to the
#: output's largest magnitude (OpenCV rounds its own scale and shift to float32 once more).
OPENCV_RTOL = 1e-6

EXPECTED_CASES = sorted(d.name for d in FORKS.iterdir() if (d / "expected.npz").exists())

#: Cases the fork support must be checked on; a missing fixture must fail, not skip.
REQUIRED_CASES = {
    "nvcaffe_scale_bias",
    "nvcaffe_015",
    "nvcaffe_ambiguous",
    "fp16_raw_data",
    "legacy_double",
    "raw_double",
    "unpacked_floats",
    "bn_tsn",
    "bn_segnet",
}


def deploy_of(case: str) -> Path:
    """The prototxt the expectation holds for (the ambiguous case needs ``scale_bias``)."""
    resolved = FORKS / case / "deploy_scale_bias.prototxt"
    return resolved if resolved.exists() else FORKS / case / "deploy.prototxt"


def expected_groups(case: str) -> dict[str, dict[str, np.ndarray]]:
    groups: dict[str, dict[str, np.ndarray]] = {}
    with np.load(FORKS / case / "expected.npz") as z:
        for key in z.files:
            group, what = key.rsplit(".", 1)
            groups.setdefault(group, {})[what] = z[key]
    return groups


def relative_errors(got: np.ndarray, expected: np.ndarray) -> np.ndarray:
    return np.abs(got.astype(np.float64) - expected) / np.abs(expected)


def weights_by_name(case: str) -> dict[str, ScaleWeights]:
    return {w.name: w for w in convert(deploy_of(case), FORKS / case / "net.caffemodel").weights}


def copy_case(tmp_path: Path, case: str, edit: tuple[str, str] | None = None) -> tuple[Path, Path]:
    """The case's deploy prototxt (optionally with one text replacement) next to its model."""
    text = (FORKS / case / "deploy.prototxt").read_text()
    if edit is not None:
        assert edit[0] in text, edit
        text = text.replace(*edit)
    proto = tmp_path / "deploy.prototxt"
    proto.write_text(text)
    return proto, FORKS / case / "net.caffemodel"


def test_every_required_fixture_exists() -> None:
    assert REQUIRED_CASES <= set(EXPECTED_CASES)
    assert (FORKS / "v1_net" / "net.caffemodel").exists()


@pytest.mark.parametrize("case", EXPECTED_CASES)
def test_weights_match_float64_expectation(case: str) -> None:
    expected = expected_groups(case)
    weights = weights_by_name(case)
    assert sorted(weights) == sorted(expected)
    for name, w in weights.items():
        e = expected[name]
        assert w.variant == str(e["variant"]) and w.variant in VARIANTS
        assert w.layers == [str(x) for x in e["layers"]]
        assert w.scale.dtype == np.float32 and w.shift.dtype == np.float32
        assert relative_errors(w.scale, e["scale"]).max() <= FORK_TOL, name
        assert relative_errors(w.shift, e["shift"]).max() <= FORK_TOL, name
        assert np.array_equal(w.power, np.ones_like(w.scale))


def test_fixtures_exercise_the_storage_they_claim() -> None:
    """Guards the fixtures themselves: each stores its blobs the way its name says."""
    fp16 = read_caffemodel(FORKS / "fp16_raw_data" / "net.caffemodel")
    assert all(b.data.dtype == np.float16 for b in fp16.layer("bn1").blobs)
    assert [b.data.dtype for b in fp16.layer("scale2").blobs] == [np.float32, np.float16]
    legacy = read_caffemodel(FORKS / "legacy_double" / "net.caffemodel")
    blobs = legacy.layer("bn1").blobs + legacy.layer("scale1").blobs
    assert all(b.legacy_shape and b.data.dtype == np.float64 for b in blobs)
    raw_double = read_caffemodel(FORKS / "raw_double" / "net.caffemodel")
    assert all(b.data.dtype == np.float64 and not b.legacy_shape for b in raw_double.layer("bn1").blobs)
    unpacked = read_caffemodel(FORKS / "unpacked_floats" / "net.caffemodel")
    for blob in unpacked.layer("bn1").blobs + unpacked.layer("scale1").blobs:
        assert blob.data.strides == (5,)  # one tag byte before every float: an unpacked field
    assert [b.count for b in read_caffemodel(FORKS / "nvcaffe_015" / "net.caffemodel").layer("bn1").blobs] == [
        6,
        6,
        6,
        6,
        1,
    ]
    tsn = read_caffemodel(FORKS / "bn_tsn" / "net.caffemodel")
    assert [b.shape for b in tsn.layer("conv1_bn").blobs] == [(1, 4, 1, 1)] * 4


def test_fp16_values_are_widened_exactly() -> None:
    """Every FLOAT16 value reaches float64 unchanged: compare with a plain byte-level decode."""
    model = read_caffemodel(FORKS / "fp16_raw_data" / "net.caffemodel")
    blob = model.layer("bn1").blobs[1]
    start, end = blob.span
    raw = bytes(model.buffer[start:end])
    payload = np.frombuffer(raw[-2 * blob.count :], dtype="<f2")  # raw_data is the blob's last field
    assert np.array_equal(blob.data.astype(np.float64), payload.astype(np.float64))


# --- independent runtimes ------------------------------------------------------------------


@pytest.mark.parametrize(
    "case, tops",
    [("nvcaffe_scale_bias", ["bn1"]), ("fp16_raw_data", ["bn1", "scale2"]), ("unpacked_floats", ["scale1"])],
)
def test_opencv_computes_the_same_map(case: str, tops: list[str]) -> None:
    """OpenCV reads NVIDIA Caffe's 5-blob BatchNorm and FLOAT16 raw_data itself.

    (``nvcaffe_scale_bias`` layer ``bn2`` is left out: OpenCV does not raise an eps below
    1e-5 as NVIDIA Caffe does.)
    """
    cv2 = pytest.importorskip("cv2")
    net = cv2.dnn.readNetFromCaffe(str(FORKS / case / "deploy.prototxt"), str(FORKS / case / "net.caffemodel"))
    by_top = {w.top: w for w in weights_by_name(case).values()}
    channels = by_top[tops[0]].channels
    x = np.random.default_rng(3).normal(0.7, 2.0, (2, channels, 3, 4)).astype(np.float32)
    net.setInput(x)
    for top, out in zip(tops, net.forward(tops)):
        w = by_top[top]
        assert rel_error(apply_scale(x, w.scale, w.shift), out) <= OPENCV_RTOL, top


@pytest.mark.parametrize("case", sorted(d.name for d in FORKS.iterdir() if (d / "caffe.npz").exists()))
def test_real_caffe_computes_the_same_map(case: str) -> None:
    """BVLC Caffe reads legacy dims, double_data and unpacked floats too (recorded output)."""
    with np.load(FORKS / case / "caffe.npz") as z:
        recorded = {k: z[k] for k in z.files}
    for w in weights_by_name(case).values():
        got = apply_scale(recorded["input"], w.scale, w.shift)
        assert rel_error(got, recorded[w.top]) <= CAFFE_RTOL


def test_caffe_recordings_present() -> None:
    assert (FORKS / "legacy_double" / "caffe.npz").exists() and (FORKS / "unpacked_floats" / "caffe.npz").exists()


# --- variants, parameters, and their errors ------------------------------------------------------


def test_nvcaffe_eps_below_minimum_is_raised_with_a_warning() -> None:
    result = convert(FORKS / "nvcaffe_scale_bias" / "deploy.prototxt", FORKS / "nvcaffe_scale_bias" / "net.caffemodel")
    eps = {w.name: w.eps for w in result.weights}
    assert eps == {"bn1": float(np.float32(1e-4)), "bn2": float(np.float32(1e-5))}
    assert [(d.code, d.layer) for d in result.diagnostics] == [("eps_raised", "bn2")]


def test_nvcaffe_ignores_use_global_stats_false(tmp_path: Path) -> None:
    """NVIDIA Caffe's TEST phase uses the stored statistics whatever use_global_stats says."""
    proto, model = copy_case(
        tmp_path,
        "nvcaffe_scale_bias",
        ("scale_bias: true eps: 0.0001", "use_global_stats: false scale_bias: true eps: 0.0001"),
    )
    assert [d.code for d in convert(proto, model).diagnostics] == ["eps_raised"]


def test_ambiguous_nvcaffe_blobs_are_an_error(tmp_path: Path) -> None:
    proto, model = FORKS / "nvcaffe_ambiguous" / "deploy.prototxt", FORKS / "nvcaffe_ambiguous" / "net.caffemodel"
    with pytest.raises(ModelValueError, match="ambiguous NVIDIA Caffe BatchNorm") as info:
        convert(proto, model)
    assert info.value.layer == "bn1" and "scale_bias: true" in str(info.value)
    r = run_cli(proto, model, "-o", tmp_path / "w.npz")
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert "ambiguous" in r.stderr and "'bn1'" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "w.npz").exists()


def test_nvcaffe_without_scale_bias_in_prototxt_warns(tmp_path: Path) -> None:
    proto, model = copy_case(tmp_path, "nvcaffe_scale_bias", ("scale_bias: true ", ""))
    result = convert(proto, model)
    assert sorted(d.code for d in result.diagnostics) == ["eps_raised", "scale_bias_unset", "scale_bias_unset"]
    expected = expected_groups("nvcaffe_scale_bias")
    for w in result.weights:
        assert relative_errors(w.scale, expected[w.name]["scale"]).max() <= FORK_TOL


def test_scale_bias_with_three_blobs_is_an_error(tmp_path: Path) -> None:
    proto, model = copy_case(
        tmp_path, "unpacked_floats", ('top: "bn1"\n}', 'top: "bn1"\n  batch_norm_param { scale_bias: true }\n}')
    )
    with pytest.raises(ModelValueError, match="scale_bias is set") as info:
        convert(proto, model)
    assert info.value.layer == "bn1"


def test_segnet_bn_in_learn_mode_is_an_error(tmp_path: Path) -> None:
    proto, model = copy_case(tmp_path, "bn_segnet", ("bn_mode: INFERENCE", "bn_mode: LEARN"))
    with pytest.raises(GraphError, match="bn_mode LEARN") as info:
        convert(proto, model)
    assert info.value.layer == "conv1_1_bn" and "compute_bn_statistics" in str(info.value)
    # No bn_param at all means the default, LEARN.
    proto.write_text(proto.read_text().replace("  bn_param { bn_mode: LEARN }\n", ""))
    with pytest.raises(GraphError, match="bn_mode LEARN"):
        convert(proto, model)


def test_bn_type_with_other_blob_counts_is_an_error(tmp_path: Path) -> None:
    proto, model = copy_case(
        tmp_path, "unpacked_floats", ('name: "bn1"\n  type: "BatchNorm"', 'name: "bn1"\n  type: "BN"')
    )
    with pytest.raises(ModelValueError, match=r"BN needs 4 blobs .* or 2 .* holds 3"):
        convert(proto, model)


def bn_layer(type_: str, param: str = ""):
    doc = parse(
        'layer { name: "in" type: "Input" top: "x" input_param { shape { dim: 1 dim: 2 } } }\n'
        f'layer {{ name: "bn" type: "{type_}" bottom: "x" top: "y" {param} }}\n'
    )
    return build_graph(doc).layer("bn")


def blob(*values: float) -> Blob:
    data = np.array(values, dtype=np.float32)
    return Blob(shape=(data.size,), data=data, span=(0, 0))


def test_five_blobs_fitting_no_ordering() -> None:
    blobs = [blob(1, 2), blob(1, 2), blob(1, 2), blob(1), blob(1, 2)]
    with pytest.raises(ModelValueError, match=r"fits neither NVIDIA Caffe ordering"):
        read_batchnorm(bn_layer("BatchNorm"), blobs)


def test_nvcaffe_015_and_016_told_apart_by_sizes() -> None:
    mean, var, gamma, beta = blob(0.5, -1), blob(4, 9), blob(2, 3), blob(1, -1)
    new = read_batchnorm(bn_layer("BatchNorm"), [mean, var, blob(1), gamma, beta])
    old = read_batchnorm(bn_layer("BatchNorm"), [gamma, beta, mean, var, blob(7)])
    assert (new.variant, old.variant) == ("nvcaffe", "nvcaffe-0.15")
    np.testing.assert_array_equal(new.affine().a, old.affine().a)
    np.testing.assert_array_equal(new.affine().b, old.affine().b)
    # 0.15 keeps the written eps; 0.16+ raises it to 1e-5.
    small = "batch_norm_param { eps: 1e-8 }"
    assert read_batchnorm(bn_layer("BatchNorm", small), [gamma, beta, mean, var, blob(7)]).eps == pytest.approx(1e-8)
    assert read_batchnorm(bn_layer("BatchNorm", small), [mean, var, blob(1), gamma, beta]).eps == float(
        np.float32(1e-5)
    )


def test_segnet_map_is_exactly_the_stored_scale_and_shift() -> None:
    stats = read_batchnorm(bn_layer("BN", "bn_param { bn_mode: INFERENCE }"), [blob(0.1, 3e-8), blob(-2, 0)])
    affine = stats.affine()
    assert stats.folded and stats.variant == "bn-segnet"
    assert affine.a.tolist() == [float(np.float32(0.1)), float(np.float32(3e-8))]
    assert affine.b.tolist() == [-2.0, 0.0]


def test_batchnorm_like_types() -> None:
    assert BATCHNORM_TYPES == {"BatchNorm", "BN"}
    for name in ("SyncBN", "BatchNormalization", "FrozenBN", "BatchNormTorch", "batch_norm"):
        assert batchnorm_like(name), name
    for name in ("BatchNorm", "BN", "BNLL", "Scale", "Bias", "ReLU", "InstanceNorm"):
        assert not batchnorm_like(name), name


def test_unknown_batchnorm_like_type_names_the_layer(tmp_path: Path) -> None:
    proto, model = copy_case(tmp_path, "bn_tsn", ('type: "BN"', 'type: "SyncBN"'))
    r = run_cli(proto, model, "-o", tmp_path / "w.npz")
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert "layer 'conv1_bn'" in r.stderr and "'SyncBN' looks like a batch normalisation" in r.stderr
    assert not (tmp_path / "w.npz").exists()
    r = run_cli("inspect", proto, model, "--json")
    assert r.returncode == 1
    layers = json.loads(r.stdout)["layers"]
    assert [(x["name"], x["variant"]) for x in layers] == [("conv1_bn", "unsupported"), ("conv2_bn", "unsupported")]
    assert "SyncBN" in layers[0]["why"] and layers[0]["fuses_with"] == []


# --- V1 nets -----------------------------------------------------------------------------------


def test_v1_net_main_job_says_nothing_to_merge(tmp_path: Path) -> None:
    case = FORKS / "v1_net"
    r = run_cli(case / "deploy.prototxt", case / "net.caffemodel", "-o", tmp_path / "w.h5")
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert "V1 net (legacy 'layers' format) has no BatchNorm layers" in r.stderr
    assert "nothing to merge" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "w.h5").exists()


def test_v1_caffemodel_with_a_new_prototxt(tmp_path: Path) -> None:
    r = run_cli(
        FIXTURES / "resnet_inplace" / "deploy.prototxt", FORKS / "v1_net" / "net.caffemodel", "-o", tmp_path / "w.h5"
    )
    assert r.returncode == 1
    assert "net.caffemodel: the caffemodel is a V1 net" in r.stderr and "nothing to merge" in r.stderr


def test_v1_net_inspect() -> None:
    case = FORKS / "v1_net"
    r = run_cli("inspect", case / "deploy.prototxt", case / "net.caffemodel")
    assert r.returncode == 1 and r.stderr == ""
    assert r.stdout.startswith("V1 net (legacy 'layers' format)")
    r = run_cli("inspect", case / "deploy.prototxt", case / "net.caffemodel", "--json")
    data = json.loads(r.stdout)
    assert data["v1"] is True and data["layers"] == [] and "nothing to merge" in data["message"]


# --- inspect ------------------------------------------------------------------------------------


def test_inspect_table() -> None:
    case = FORKS / "fp16_raw_data"
    r = run_cli("inspect", case / "deploy.prototxt", case / "net.caffemodel")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0].split() == [
        "layer",
        "type",
        "variant",
        "channels",
        "factor",
        "eps",
        "min",
        "var",
        "fuses",
        "with",
        "why",
    ]
    assert lines[1].split()[:6] == ["bn1", "BatchNorm", "nvcaffe", "4", "-", "1e-05"]
    bn2 = lines[2].split()
    assert bn2[:5] == ["bn2", "BatchNorm", "bvlc", "4", f"{1 / 999.5:.6g}"]
    assert "scale2" in bn2 and "'scale2' is the only reader of the output of 'bn2'" in lines[2]


def test_inspect_json() -> None:
    case = FORKS / "nvcaffe_scale_bias"
    r = run_cli("inspect", case / "deploy.prototxt", case / "net.caffemodel", "--json")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["convertible"] is True and data["v1"] is False
    bn1, bn2 = data["layers"]
    assert (bn1["name"], bn1["variant"], bn1["channels"], bn1["factor"]) == ("bn1", "nvcaffe", 5, None)
    assert bn1["eps"] == float(np.float32(1e-4)) and bn2["eps"] == float(np.float32(1e-5))
    assert [w["code"] for w in bn2["warnings"]] == ["eps_raised"] and bn1["warnings"] == []
    assert bn1["variant_description"] == VARIANTS["nvcaffe"]
    assert [b["shape"] for b in bn1["blobs"]] == [[5], [5], [1], [5], [5]]
    assert bn1["fuses_with"] == [] and bn1["why"] == "its output is a net output"
    assert 1e-4 <= bn2["min_variance"] <= 1e-3  # the fixture's small variances


def test_inspect_reports_fan_out_and_segnet() -> None:
    case = FIXTURES / "branching"
    data = json.loads(run_cli("inspect", case / "deploy.prototxt", case / "net.caffemodel", "--json").stdout)
    (bn1,) = data["layers"]
    assert bn1["variant"] == "bvlc" and bn1["fuses_with"] == [] and "also read by" in bn1["why"]
    assert 0 < bn1["factor"] < 1
    case = FORKS / "bn_segnet"
    data = json.loads(run_cli("inspect", case / "deploy.prototxt", case / "net.caffemodel", "--json").stdout)
    (bn,) = data["layers"]
    assert (bn["variant"], bn["eps"], bn["min_variance"], bn["channels"]) == ("bn-segnet", None, None, 6)


def test_inspect_lists_unreadable_layers_and_fails() -> None:
    case = FORKS / "nvcaffe_ambiguous"
    r = run_cli("inspect", case / "deploy.prototxt", case / "net.caffemodel", "--json")
    assert r.returncode == 1
    (row,) = json.loads(r.stdout)["layers"]
    assert row["variant"] == "error" and "ambiguous" in row["error"]
    r = run_cli("inspect", deploy_of("nvcaffe_ambiguous"), case / "net.caffemodel", "--json")
    assert r.returncode == 0 and json.loads(r.stdout)["layers"][0]["variant"] == "nvcaffe"
