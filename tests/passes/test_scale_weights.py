"""The main job against real Caffe: every fused group reproduces Caffe's activations."""

from __future__ import annotations

import numpy as np
import pytest

import caffe2trt_bn
from caffe2trt_bn import Caffe2TrtWarning, bn_to_scale, extract

from conftest import CAFFE_RTOL, FIXTURES, Activations, apply_scale, rel_error

# The groups each fixture must produce (its README says what each case exercises).
EXPECTED_GROUPS = {
    "resnet_inplace": [["bn1", "scale1"], ["bn2", "scale2"], ["bn3", "scale3"]],
    "separate_tops": [["conv1_bn", "conv1_scale"], ["conv2_bn", "conv2_scale"]],
    "bn_without_scale": [["bn1"], ["bn2"]],
    "scale_without_bias": [["bn1", "scale1", "bias1"], ["bn2", "scale2"]],
    "fully_connected": [["fc1_bn", "fc1_scale"], ["fc2_bn", "fc2_scale"]],
    "deconv_and_groups": [["bn1", "scale1"], ["up1_bn", "up1_scale"], ["up2_bn", "up2_scale"]],
    "untrained_zero_factor": [["bn1", "scale1"]],
    "branching": [["bn1"]],
    "preact_se": [["res/bn_a", "res/scale_a"], ["res/bn2", "res/scale2"], ["post/bn", "post/scale"], ["bn3"], ["bn4"]],
    "slash_names": [["conv1/bn", "conv1/scale"], ["conv2/x1/bn", "conv2/x1/scale"], ["concat_2/bn", "concat_2/scale"]],
}


def _extract(case: str) -> list[caffe2trt_bn.ScaleWeights]:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Caffe2TrtWarning)
        return extract(FIXTURES / case / "deploy.prototxt", FIXTURES / case / "net.caffemodel")


def test_every_case_has_expectations(case: str) -> None:
    assert case in EXPECTED_GROUPS


def test_groupings(case: str) -> None:
    assert [w.layers for w in _extract(case)] == EXPECTED_GROUPS[case]


def test_reproduces_caffe_activations(case: str) -> None:
    acts = Activations.load(case)
    weights = _extract(case)
    assert weights
    for w in weights:
        x = acts.before(w.layers[0], w.bottom)
        ref = acts.after(w.layers[-1], w.top)
        got = apply_scale(x, w.scale, w.shift)
        assert got.shape == ref.shape
        err = rel_error(got, ref)
        assert err <= CAFFE_RTOL, f"{case}/{w.name}: relative error {err:.3g}"


def test_arrays_are_float32_per_channel(case: str) -> None:
    for w in _extract(case):
        for arr in (w.scale, w.shift, w.power):
            assert arr.dtype == np.float32 and arr.shape == (w.channels,)
        assert np.all(w.power == 1)


def test_bottom_and_top_names() -> None:
    ws = {w.name: w for w in _extract("separate_tops")}
    assert (ws["conv1_bn"].bottom, ws["conv1_bn"].top) == ("conv1", "conv1_scale")
    ws = {w.name: w for w in _extract("branching")}
    assert (ws["bn1"].bottom, ws["bn1"].top) == ("conv1", "bn1")
    assert any("also read by" in n for n in ws["bn1"].notes)


def test_two_bottom_scale_is_never_fused() -> None:
    ws = {w.name: w for w in _extract("preact_se")}
    assert ws["bn4"].layers == ["bn4"]
    assert any("2 bottoms" in n for n in ws["bn4"].notes)


def test_eps_comes_from_prototxt() -> None:
    ws = {w.name: w for w in _extract("bn_without_scale")}
    assert ws["bn1"].eps == float(np.float32(1e-3))
    assert ws["bn2"].eps == float(np.float32(1e-4))
    assert _extract("resnet_inplace")[0].eps == float(np.float32(1e-5))


def test_zero_factor_means_zero_statistics_and_warns() -> None:
    with pytest.warns(Caffe2TrtWarning, match="moving-average factor is 0"):
        (w,) = extract(FIXTURES / "untrained_zero_factor/deploy.prototxt", FIXTURES / "untrained_zero_factor/net.caffemodel")
    # mean = var = 0: the BatchNorm is x / sqrt(eps); check against Caffe's output.
    acts = Activations.load("untrained_zero_factor")
    ref = acts.after("bn1", "conv1")
    x = acts.before("bn1", "conv1")
    assert rel_error(x / np.sqrt(np.float32(1e-5)), ref) <= CAFFE_RTOL


def test_strict_raises_on_warning() -> None:
    with pytest.raises(caffe2trt_bn.Caffe2TrtError, match="zero_factor"):
        extract(
            FIXTURES / "untrained_zero_factor/deploy.prototxt",
            FIXTURES / "untrained_zero_factor/net.caffemodel",
            strict=True,
        )


def test_fused_is_at_least_as_close_as_float64_truth(case: str) -> None:
    """The once-rounded float32 weights equal the float64 computation to float32 rounding."""
    from caffe2trt_bn.passes.scale_weights import convert
    from caffe2trt_bn.passes.fuse import group_affine

    result = convert(FIXTURES / case / "deploy.prototxt", FIXTURES / case / "net.caffemodel")
    for group, w in zip(result.groups, result.weights):
        affine, _ = group_affine(group, result.net)
        assert np.array_equal(w.scale, affine.a.astype(np.float32))
        assert np.array_equal(w.shift, affine.b.astype(np.float32))


def test_bn_to_scale_matches_batchnorm_definition() -> None:
    rng = np.random.default_rng(0)
    c = 7
    mean, var = rng.normal(size=c), rng.uniform(0.1, 3, size=c)
    gamma, beta = rng.normal(size=c), rng.normal(size=c)
    x = rng.normal(size=(2, c, 3, 3))
    scale, shift, power = bn_to_scale(mean, var, 1e-3, gamma, beta)
    ref = (x - mean[None, :, None, None]) / np.sqrt(var[None, :, None, None] + 1e-3) * gamma[
        None, :, None, None
    ] + beta[None, :, None, None]
    assert rel_error(apply_scale(x.astype(np.float32), scale, shift), ref) < 1e-6
    assert power.dtype == np.float32 and np.all(power == 1)
    s2, b2, _ = bn_to_scale(mean, var, 1e-3)
    assert np.allclose(s2, 1 / np.sqrt(var + 1e-3), rtol=1e-7)
    with pytest.raises(caffe2trt_bn.Caffe2TrtError, match="not positive"):
        bn_to_scale(mean, -np.ones(c), 1e-5)
    with pytest.raises(caffe2trt_bn.Caffe2TrtError, match="gamma has 3 values"):
        bn_to_scale(mean, var, 1e-5, gamma[:3])



F32_MAX = float(np.finfo(np.float32).max)

#: Inputs bn_to_scale must refuse -> (the message, the channel named or None).  Every
#: input is finite where it is not the subject, so the only way out is an error.
BN_TO_SCALE_REFUSED = {
    # 1/sqrt(var + eps) passes the float32 range (and even float64 denormals).
    "scale beyond float32 (tiny var and eps)": (
        dict(mean=[0.0, 0.0], var=[1.0, 1e-90], eps=1e-90), r"merged scale is 7\.07107e\+44, beyond the float32", 1),
    "scale beyond float32 (denormal var, eps 0)": (
        dict(mean=[0.0], var=[1e-320], eps=0.0), r"merged scale is 1\.0\d*e\+160, beyond the float32", 0),
    "scale beyond float32 (gamma 1e38)": (
        dict(mean=[0.0, 0.0, 0.0], var=[1e-3] * 3, eps=1e-5, gamma=[1.0, 1.0, 1e38]), r"merged scale is 3\.14658e\+39", 2),
    "shift beyond float32 (mean 1e38)": (dict(mean=[1.0, 1e38], var=[1e-3, 1e-3]), r"merged shift is -3\.14658e\+39", 1),
    "shift beyond float32 (beta at the float32 limit)": (
        dict(mean=[1.0], var=[1.0], gamma=[1.0], beta=[F32_MAX * 1.0000001]), r"merged shift is 3\.40282e\+38", 0),
    "shift beyond float64 (mean 1e300, tiny var)": (dict(mean=[1e300], var=[1e-20], eps=0.0), r"merged shift is -inf", 0),
    "sum of the inputs beyond float64": (dict(mean=[1.7e308, 1.7e308], var=[1.0, 1.0]), r"merged shift is -1\.69999e\+308", 0),
    "var + eps beyond float64": (dict(mean=[0.0, 0.0], var=[1.0, 1.7e308], eps=1.7e308), r"var \+ eps is inf", 1),
    "NaN mean": (dict(mean=[0.0, float("nan")], var=[1.0, 1.0]), r"mean is nan", 1),
    "NaN var": (dict(mean=[0.0], var=[float("nan")]), r"var is nan", 0),
    "inf gamma": (dict(mean=[0.0], var=[1.0], gamma=[float("-inf")]), r"gamma is -inf", 0),
    "NaN beta": (dict(mean=[0.0, 0.0], var=[1.0, 1.0], beta=[1.0, float("nan")]), r"beta is nan", 1),
    "NaN eps": (dict(mean=[0.0], var=[1.0], eps=float("nan")), r"eps is nan", None),
    "inf eps": (dict(mean=[0.0], var=[1.0], eps=float("inf")), r"eps is inf", None),
    "eps not a number": (dict(mean=[0.0], var=[1.0], eps="1e-5"), r"eps holds <U4 values, not real numbers", None),
    "eps not one number": (dict(mean=[0.0], var=[1.0], eps=[1e-5, 1e-3]), r"eps holds 2 values, not one", None),
    "negative var + eps": (dict(mean=[0.0, 0.0], var=[1.0, -1.0]), r"var \+ eps = -0\.99999 is not positive", 1),
    "var + eps zero": (dict(mean=[0.0], var=[0.0], eps=0.0), r"var \+ eps = 0 is not positive", 0),
    "var shorter than mean": (dict(mean=[0.0, 1.0], var=[1.0]), r"var has 1 values but mean has 2", None),
    "beta longer than mean": (dict(mean=[0.0], var=[1.0], beta=[1.0, 2.0]), r"beta has 2 values but mean has 1", None),
    "complex values": (dict(mean=np.array([1 + 1j]), var=[1.0]), r"mean holds complex128 values, not real numbers", None),
    "strings": (dict(mean=["0"], var=[1.0]), r"mean holds <U1 values, not real numbers", None),
}


@pytest.mark.parametrize("case", list(BN_TO_SCALE_REFUSED))
def test_bn_to_scale_never_returns_a_non_finite_value(case: str) -> None:
    """Each input refused as extract() refuses it, naming the channel, with no numpy
    warning escaping (warnings are errors here, as under ``python -W error``)."""
    import warnings

    kwargs, message, channel = BN_TO_SCALE_REFUSED[case]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(caffe2trt_bn.errors.ModelValueError, match=message) as info:
            bn_to_scale(**kwargs)  # type: ignore[arg-type]
    assert info.value.channel == channel
    if channel is not None:
        assert str(info.value).startswith(f"channel {channel}: ")


def test_bn_to_scale_keeps_finite_extremes() -> None:
    """Values that do fit float32 are returned, also when the float64 computation comes
    close to its limits (the checks refuse only what does not fit)."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        # scale 1e-150 rounds to 0 (an underflow, still finite); shift -1; beta at the limit stays.
        scale, shift, _ = bn_to_scale([1e150, 0.0], [1e300, 1.0], 0.0, beta=[0.0, F32_MAX])
        assert scale.tolist() == [0.0, 1.0] and shift.tolist() == [-1.0, F32_MAX]
        scale, shift, _ = bn_to_scale([], [])
        assert scale.size == shift.size == 0


def _graph_groups(text: str) -> list[list[str]]:
    from caffe2trt_bn.passes.fuse import match_groups
    from caffe2trt_bn.ir.graph import build_graph
    from caffe2trt_bn.io.prototxt import parse

    return [[layer.name for layer in g.layers] for g in match_groups(build_graph(parse(text)))]


HEAD = 'input: "data"\ninput_shape { dim: 1 dim: 4 dim: 3 dim: 3 }\n'
CONV = 'layer { name: "conv" type: "Convolution" bottom: "data" top: "c" convolution_param { num_output: 4 kernel_size: 1 } }\n'


def test_stage_rules_select_layers_as_caffe_does() -> None:
    """A ReLU that Caffe runs between BatchNorm and Scale (its exclude rule names a stage the
    net does not have) keeps them apart; a producer only another stage includes is skipped.
    (Checked against pycaffe: `caffe.Net(prototxt, caffe.TEST)` makes the same choices.)"""
    relu = 'layer { name: "relu" type: "ReLU" bottom: "c" top: "c" exclude { stage: "deploy" } }\n'
    bn = 'layer { name: "bn" type: "BatchNorm" bottom: "c" top: "c" }\n'
    sc = 'layer { name: "sc" type: "Scale" bottom: "c" top: "c" scale_param { bias_term: true } }\n'
    assert _graph_groups(HEAD + CONV + bn + relu + sc) == [["bn"]]
    # With the net's own state naming that stage, the ReLU is excluded and the pair fuses.
    assert _graph_groups(HEAD + 'state { stage: "deploy" }\n' + CONV + bn + relu + sc) == [["bn", "sc"]]
    level = relu.replace('exclude { stage: "deploy" }', "exclude { min_level: 1 }")
    assert _graph_groups(HEAD + CONV + bn + level + sc) == [["bn"]]


def test_scale_over_more_than_the_channel_axis_stays_separate() -> None:
    bn = 'layer { name: "bn" type: "BatchNorm" bottom: "c" top: "c" }\n'
    for num_axes in ("2", "-1"):
        sc = f'layer {{ name: "sc" type: "Scale" bottom: "c" top: "c" scale_param {{ num_axes: {num_axes} }} }}\n'
        assert _graph_groups(HEAD + CONV + bn + sc) == [["bn"]]


def test_duplicate_names_of_weightless_layers_are_accepted() -> None:
    """Caffe loads nets whose weightless layers share a name; names of layers whose weights
    are matched by name must stay unique."""
    from caffe2trt_bn.errors import GraphError

    bn = 'layer { name: "bn" type: "BatchNorm" bottom: "c" top: "c" }\n'
    relu = 'layer { name: "relu" type: "ReLU" bottom: "c" top: "c" }\n'
    assert _graph_groups(HEAD + CONV + relu + bn + relu) == [["bn"]]
    with pytest.raises(GraphError, match="duplicate layer name"):
        _graph_groups(HEAD + CONV + bn + bn)
