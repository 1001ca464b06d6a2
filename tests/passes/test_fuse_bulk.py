"""Groups computed together (fuse._bulk_affines) give exactly what each group gives alone.

``compute_groups`` computes the common groups (BVLC BatchNorm, per-channel Scale/Bias)
many at a time and hands every other group, and every group whose values need a
warning or an error, to ``group_affine``.  These tests build nets that mix both kinds
and check, bit for bit, that nothing depends on which way a group went.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from conftest import CASES, FIXTURES

from caffe2trt_bn import caffe_pb2
from caffe2trt_bn.passes import fuse
from caffe2trt_bn.errors import Caffe2TrtError
from caffe2trt_bn.ir.net import load_net

# One group per entry: (channels, kind, options).
GROUPS: list[tuple[int, str, dict[str, object]]] = [
    (5, "scale_bias", {}),
    (3, "scale", {}),  # Scale without bias_term
    (4, "plain", {}),  # BatchNorm alone
    (6, "scale_bias", {"small_var": 2}),  # a warning: variance below eps in channel 2
    (2, "bias", {}),  # BatchNorm then Bias
    (7, "scale_bias", {"zero_factor": True}),  # a warning: never trained
    (3, "scalar_scale", {}),  # num_axes: 0 -> one value for every channel
    (4, "nvcaffe", {}),  # 5 blobs: the one-by-one path
    (8, "scale_then_bias", {"eps": 1e-3}),
    (1, "scale_bias", {"negative_mean": True}),
    (9, "scale_bias", {}),
]


def _blob(values: np.ndarray, shape: tuple[int, ...] | None = None) -> caffe_pb2.BlobProto:
    blob = caffe_pb2.BlobProto()
    blob.shape.dim.extend(shape if shape is not None else (values.size,))
    blob.data.extend(np.asarray(values, dtype=np.float32).tolist())
    return blob


def _build(tmp_path: Path, groups: list[tuple[int, str, dict[str, object]]], seed: int = 0) -> tuple[Path, Path]:
    """A chain of Convolution -> group -> Convolution -> group ... as prototxt and caffemodel."""
    rng = np.random.default_rng(seed)
    text = ['name: "bulk"', 'input: "data"', "input_dim: 1", "input_dim: 2", "input_dim: 4", "input_dim: 4"]
    model = caffe_pb2.NetParameter()
    bottom, in_ch = "data", 2
    for i, (c, kind, opt) in enumerate(groups):
        conv, bn = f"conv{i}", f"bn{i}"
        text.append(
            f'layer {{ name: "{conv}" type: "Convolution" bottom: "{bottom}" top: "{conv}" '
            f"convolution_param {{ num_output: {c} kernel_size: 1 }} }}"
        )
        layer = model.layer.add(name=conv, type="Convolution")
        layer.blobs.append(_blob(rng.normal(size=c * in_ch), (c, in_ch, 1, 1)))
        layer.blobs.append(_blob(rng.normal(size=c)))
        eps = f" eps: {opt['eps']}" if "eps" in opt else ""
        param = "batch_norm_param { use_global_stats: true" + eps + " }"
        text.append(f'layer {{ name: "{bn}" type: "BatchNorm" bottom: "{conv}" top: "{conv}" {param} }}')
        layer = model.layer.add(name=bn, type="BatchNorm")
        s = 0.0 if opt.get("zero_factor") else float(rng.uniform(50, 1000))
        mean = rng.normal(size=c) * (-5 if opt.get("negative_mean") else 1)
        var = rng.uniform(0.1, 3, size=c)
        if "small_var" in opt:
            var[int(opt["small_var"])] = 1e-9  # type: ignore[arg-type]
        if kind == "nvcaffe":
            for values in (mean, var, np.ones(1), rng.uniform(0.5, 2, size=c), rng.normal(size=c)):
                layer.blobs.append(_blob(values))
        else:
            for values in (mean * s, var * s, np.array([s])):
                layer.blobs.append(_blob(values))
        if kind in ("scale", "scale_bias", "scalar_scale", "scale_then_bias"):
            bias_term = kind != "scale"
            axes = " num_axes: 0" if kind == "scalar_scale" else ""
            text.append(
                f'layer {{ name: "sc{i}" type: "Scale" bottom: "{conv}" top: "{conv}" '
                f"scale_param {{ bias_term: {'true' if bias_term else 'false'}{axes} }} }}"
            )
            layer = model.layer.add(name=f"sc{i}", type="Scale")
            n = 1 if kind == "scalar_scale" else c
            layer.blobs.append(_blob(rng.uniform(0.5, 2, size=n)))
            if bias_term:
                layer.blobs.append(_blob(rng.normal(size=n)))
        if kind in ("bias", "scale_then_bias"):
            text.append(f'layer {{ name: "bi{i}" type: "Bias" bottom: "{conv}" top: "{conv}" }}')
            model.layer.add(name=f"bi{i}", type="Bias").blobs.append(_blob(rng.normal(size=c)))
        bottom, in_ch = conv, c
    prototxt, caffemodel = tmp_path / "bulk.prototxt", tmp_path / "bulk.caffemodel"
    prototxt.write_text("\n".join(text) + "\n")
    caffemodel.write_bytes(model.SerializeToString())
    return prototxt, caffemodel


def _one_by_one(prototxt: Path, caffemodel: Path) -> list[tuple[np.ndarray, np.ndarray, np.ndarray, float, str, list[str]]]:
    net = load_net(prototxt, caffemodel)
    out = []
    with np.errstate(invalid="ignore", over="ignore"):
        for group in fuse.match_groups(net.graph):
            affine, stats = fuse.group_affine(group, net)
            out.append((affine.a, affine.b, stats.var, stats.eps, stats.variant, [d.code for d in stats.diagnostics]))
    return out


def _together(prototxt: Path, caffemodel: Path) -> list[tuple[np.ndarray, np.ndarray, np.ndarray, float, str, list[str]]]:
    computed, _ = fuse.compute_groups(load_net(prototxt, caffemodel))
    return [
        (c.affine.a, c.affine.b, c.stats.var, c.stats.eps, c.stats.variant, [d.code for d in c.stats.diagnostics])
        for c in computed
    ]


def _assert_same(got: list, want: list) -> None:
    assert len(got) == len(want)
    for g, w in zip(got, want):
        for x, y in zip(g[:3], w[:3]):
            assert x.dtype == y.dtype == np.float64
            assert x.tobytes() == y.tobytes()  # bit for bit, signs of zeros included
        assert g[3:] == w[3:]


@pytest.mark.parametrize("batch_channels", [1, 10, 8192])
def test_mixed_groups_bit_identical(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, batch_channels: int) -> None:
    monkeypatch.setattr(fuse, "BULK_CHANNELS", batch_channels)
    prototxt, caffemodel = _build(tmp_path, GROUPS)
    want = _one_by_one(prototxt, caffemodel)
    assert [w[5] for w in want].count([]) < len(want)  # some groups do warn
    _assert_same(_together(prototxt, caffemodel), want)


@pytest.mark.parametrize("seed", range(5))
def test_random_group_sequences(tmp_path: Path, seed: int) -> None:
    rng = np.random.default_rng(seed)
    groups = [GROUPS[int(i)] for i in rng.integers(0, len(GROUPS), size=12)]
    prototxt, caffemodel = _build(tmp_path, groups, seed)
    _assert_same(_together(prototxt, caffemodel), _one_by_one(prototxt, caffemodel))


def test_fixture_cases_bit_identical(case: str) -> None:
    prototxt, caffemodel = FIXTURES / case / "deploy.prototxt", FIXTURES / case / "net.caffemodel"
    _assert_same(_together(prototxt, caffemodel), _one_by_one(prototxt, caffemodel))


@pytest.mark.parametrize(
    "edits",
    [
        {("sc10", 0, 3): float("nan"), ("sc0", 0, 1): 3e38, ("bn0", 2, 0): 1e-30},  # overflow before a NaN
        {("sc10", 0, 3): float("nan"), ("bn3", 1, 0): -1e6},  # negative variance before a NaN
        {("bi4", 0, 1): float("inf"), ("bn8", 0, 2): float("nan")},
    ],
)
def test_error_of_the_first_bad_group_is_reported(tmp_path: Path, edits: dict[tuple[str, int, int], float]) -> None:
    """Several bad groups: the error is the one computing groups one by one, in net
    order, meets first."""
    prototxt, caffemodel = _build(tmp_path, GROUPS)
    model = caffe_pb2.NetParameter.FromString(caffemodel.read_bytes())
    layers = {layer.name: layer for layer in model.layer}
    for (name, blob, index), value in edits.items():
        layers[name].blobs[blob].data[index] = value
    caffemodel.write_bytes(model.SerializeToString())
    net = load_net(prototxt, caffemodel)
    want = None
    with np.errstate(invalid="ignore", over="ignore"):
        for group in fuse.match_groups(net.graph):
            try:
                fuse.group_affine(group, net)
            except Caffe2TrtError as exc:
                want = exc.with_context(file=net.caffemodel_path, layer=group.name)
                break
    assert want is not None
    # numpy's warnings are the entry points' business (caffe2trt_bn.policy); this calls an inner function.
    with pytest.raises(Caffe2TrtError) as info, np.errstate(invalid="ignore", over="ignore"):
        fuse.compute_groups(load_net(prototxt, caffemodel))
    assert str(info.value) == str(want)


assert CASES  # the fixture parametrisation above needs the real-Caffe cases
