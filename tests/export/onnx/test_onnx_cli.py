"""``caffe-bn-merge onnx``: options, report, exit codes, atomic output, --verify."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from caffe2trt_bn.cli import main

from .harness import FIXTURES, FORK_LAYERS, ZOO, check_case
from .test_onnx_registry import _broken_case


def _args(case: Path, out: Path, *more: str) -> list[str]:
    return ["onnx", str(case / "deploy.prototxt"), str(case / "net.caffemodel"), "-o", str(out), *more]


def test_json_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "m.onnx"
    assert main(_args(ZOO / "arch_resnet_se", out, "--json")) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["output"] == str(out) and report["opset"] == 17 and report["bn"] == "fold"
    assert report["inputs"] == [{"name": "data", "shape": [2, 3, 11, 14]}]
    assert report["outputs"] == [{"name": "res2a", "shape": [2, 12, 6, 7]}]
    assert [g["action"] for g in report["groups"]] == ["folded"] * 5
    assert report["bytes"] == out.stat().st_size


def test_quiet_prints_nothing_and_two_runs_are_byte_identical(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a, b = tmp_path / "a.onnx", tmp_path / "b.onnx"
    assert main(_args(ZOO / "arch_inception_bn", a, "-q")) == 0
    assert main(_args(ZOO / "arch_inception_bn", b, "-q")) == 0
    assert capsys.readouterr().out == ""
    assert a.read_bytes() == b.read_bytes()


def test_options_reach_the_model(tmp_path: Path) -> None:
    import onnx

    out = tmp_path / "m.onnx"
    assert main(_args(ZOO / "arch_vgg_classifier", out, "-q", "--opset", "13", "--bn", "keep",
                      "--input-shape", "data=1,3,16,14", "--outputs", "pool1,fc7")) == 0
    model = onnx.load(str(out))
    assert model.opset_import[0].version == 13
    assert [d.dim_value for d in model.graph.input[0].type.tensor_type.shape.dim] == [1, 3, 16, 14]
    assert [o.name for o in model.graph.output] == ["prob", "pool1", "fc7"]
    onnx.checker.check_model(model, full_check=True)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--opset", "12"], "opset 12 is not supported"),
        (["--outputs", "nosuchblob"], "'nosuchblob'"),
        (["--input-shape", "other=1,3,4,4"], "'other', which is not a net input"),
    ],
)
def test_bad_options_are_one_error_line_and_nothing_written(
    extra: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "m.onnx"
    assert main(_args(ZOO / "arch_resnet_se", out, *extra)) == 1
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
    assert not out.exists()


def test_unknown_layer_exit_1_nothing_written(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    proto, model = _broken_case(tmp_path)
    out = tmp_path / "m.onnx"
    out.write_bytes(b"previous")
    assert main(["onnx", str(proto), str(model), "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert "cannot export 3 layer(s)" in err and "'Frobnicate'" in err and "'Warp'" in err
    assert out.read_bytes() == b"previous"  # an existing output stays untouched


def test_strict_turns_a_model_warning_into_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "m.onnx"
    assert main(_args(FIXTURES / "untrained_zero_factor", out, "--strict")) == 1
    assert "zero_factor" in capsys.readouterr().err
    assert not out.exists()
    assert main(_args(FIXTURES / "untrained_zero_factor", out, "-q")) == 0
    assert "zero_factor" in capsys.readouterr().err  # the warning, printed


def test_verify_prints_a_table_and_names_what_opencv_cannot_check(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("cv2")
    out = tmp_path / "m.onnx"
    assert main(_args(ZOO / "deconv_variants", out, "--verify")) == 0
    text = capsys.readouterr().out
    assert "d_k4s2p1" in text and " ok" in text
    assert "unchecked: OpenCV dnn ignores Deconvolution's dilation (layer 'd_dil')" in text


def test_verify_fails_when_the_model_is_wrong(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A model whose weights differ from the caffemodel's fails --verify with exit 1."""
    pytest.importorskip("cv2")
    import onnx
    from onnx import numpy_helper

    from caffe2trt_bn.ir.net import load_net
    from caffe2trt_bn.verify.onnx import verify_onnx

    case = ZOO / "arch_vgg_classifier"
    out = tmp_path / "m.onnx"
    assert main(_args(case, out, "-q")) == 0
    model = onnx.load(str(out))
    init = model.graph.initializer[0]
    init.CopyFrom(numpy_helper.from_array(numpy_helper.to_array(init) * 1.01, init.name))
    onnx.save(model, str(out))
    result = verify_onnx(load_net(case / "deploy.prototxt", case / "net.caffemodel"), out, ["prob"])
    assert not result.ok and result.checks[0].status == "FAIL"


def test_fork_field_is_refused_not_ignored(tmp_path: Path) -> None:
    """A parameter field BVLC Caffe does not have is refused by name and line."""
    from caffe2trt_bn.errors import Caffe2TrtError
    from caffe2trt_bn.export.onnx import to_onnx

    src = ZOO / "softmax_dropout"
    text = (src / "deploy.prototxt").read_text()
    assert "dropout_ratio: 0.5" in text
    proto = tmp_path / "deploy.prototxt"
    proto.write_text(text.replace("dropout_ratio: 0.5", "dropout_ratio: 0.5 scale_train: false"))
    with pytest.raises(Caffe2TrtError, match=r"dropout_param.scale_train: not a field of BVLC Caffe"):
        to_onnx(proto, src / "net.caffemodel", tmp_path / "m.onnx")
    assert not (tmp_path / "m.onnx").exists()


def test_fork_ceil_mode_false_rounds_down(tmp_path: Path) -> None:
    """The forks' ``ceil_mode: false`` (and BVLC's ``round_mode: FLOOR``) round down."""
    import numpy as np
    import onnxruntime as ort

    from caffe2trt_bn.export.onnx import to_onnx

    src = ZOO / "pool_ceil_7x6"
    text = (src / "deploy.prototxt").read_text()
    x = np.load(src / "input.npy")
    for field in ("ceil_mode: false", "round_mode: FLOOR"):
        proto = tmp_path / "deploy.prototxt"
        proto.write_text(text.replace("pool: MAX kernel_size: 2 stride: 2 }", f"pool: MAX kernel_size: 2 stride: 2 {field} }}"))
        out = tmp_path / "m.onnx"
        to_onnx(proto, src / "net.caffemodel", out)
        session = ort.InferenceSession(str(out), providers=["CPUExecutionProvider"])
        (y,) = session.run(["max_k2s2"], {"data": x})
        want = x[:, :, :6, :6].reshape(2, 3, 3, 2, 3, 2).max(axis=(3, 5))  # H 7 -> 3 (floor), W 6 -> 3
        assert np.array_equal(y, want), field


def test_harness_detects_a_wrong_value(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The harness is not vacuous: a converter computing the wrong thing fails it."""
    from caffe2trt_bn.export.onnx.converters import activations

    monkeypatch.setattr(activations, "_unary", lambda ctx, layer, op, **a: activations.Context.node(
        ctx, "Identity", [ctx.input(layer, 0)], [ctx.output(layer, 0, ctx.shape(layer, 0))]))
    result = check_case("zoo/act_pointwise", tmp_path / "m.onnx")
    assert any("relative error" in f for f in result.failures)


def test_fork_and_ssd_head_options_reach_the_export(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--fork and --ssd-head give the bytes of to_onnx(fork=..., ssd_head=...); the
    brocolli-made case matches Caffe only with --fork brocolli."""
    from caffe2trt_bn.export.onnx import to_onnx

    case = FIXTURES / "fork_layers" / "ssd_brocolli_defaults"
    written = {}
    for key, extra, options in (
        ("fork", ["--fork", "brocolli"], {"fork": "brocolli"}),
        ("cut", ["--ssd-head", "cut"], {"ssd_head": "cut"}),
        ("plain", [], {}),
    ):
        out, ref = tmp_path / f"{key}.cli.onnx", tmp_path / f"{key}.api.onnx"
        assert main(_args(case, out, "-q", *extra)) == 0
        to_onnx(case / "deploy.prototxt", case / "net.caffemodel", ref, **options)  # type: ignore[arg-type]
        assert out.read_bytes() == ref.read_bytes()
        written[key] = out.read_bytes()
    assert len(set(written.values())) == 3  # each option changes the model
    assert check_case("fork_layers/ssd_brocolli_defaults", tmp_path / "b.onnx", fork="brocolli").failures == []
    with pytest.raises(SystemExit) as info:
        main(_args(case, tmp_path / "bad.onnx", "--fork", "caffe"))
    assert info.value.code == 2 and "invalid choice: 'caffe'" in capsys.readouterr().err
    assert not (tmp_path / "bad.onnx").exists()


# --- --fork and --ssd-head --------------------------------------------------------------


def _fork_args(case: str, out: Path, *more: str) -> list[str]:
    return _args(FORK_LAYERS / case, out, *more)


def test_fork_flags_reach_the_export_and_the_json_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """ssd_brocolli_defaults writes neither PriorBox clip nor nms_param: --fork brocolli
    (the Caffe that made it) warns of nothing and the report says why each layer follows
    brocolli-caffe; without --fork, weiliu89's defaults with three warnings."""
    out = tmp_path / "b.onnx"
    assert main(_fork_args("ssd_brocolli_defaults", out, "--fork", "brocolli", "--json")) == 0
    captured = capsys.readouterr()
    report = json.loads(captured.out)
    assert report["fork"] == ["brocolli"] and report["ssd_head"] == "decode"
    assert report["warnings"] == [] and "fork_default" not in captured.err
    semantics = {(s["layer"], s["fork"], s["source"]) for s in report["fork_semantics"]}
    assert semantics == {("f_priorbox", "brocolli", "option"), ("det_all", "brocolli", "option"), ("det_all_keep", "brocolli", "option")}
    assert main(_fork_args("ssd_brocolli_defaults", tmp_path / "w.onnx", "--json")) == 0
    captured = capsys.readouterr()
    report = json.loads(captured.out)
    assert report["fork"] == []
    assert {(s["layer"], s["fork"], s["source"]) for s in report["fork_semantics"]} == {
        ("f_priorbox", "ssd", "default"), ("det_all", "ssd", "default"), ("det_all_keep", "ssd", "default")
    }
    assert sorted(w["layer"] for w in report["warnings"] if w["code"] == "fork_default") == ["det_all", "det_all_keep", "f_priorbox"]
    assert out.read_bytes() != (tmp_path / "w.onnx").read_bytes()  # clip and NMS differ


def test_verbose_names_the_fork_of_each_layer(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(_fork_args("ssd_brocolli_defaults", tmp_path / "m.onnx", "-v", "--fork", "ssd", "--ssd-head", "cut")) == 0
    text = capsys.readouterr().out
    assert "fork: ssd; ssd head: cut" in text
    row = next(line for line in text.splitlines() if line.startswith("f_priorbox"))
    assert "PriorBox" in row and " ssd " in row and "clip: false" in row and "--fork ssd given" in row
    assert main(_fork_args("ssd_brocolli_defaults", tmp_path / "q.onnx", "-q", "--fork", "ssd")) == 0
    assert capsys.readouterr().out == ""


def test_strict_refuses_an_unchosen_fork_default(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "m.onnx"
    assert main(_fork_args("ssd_brocolli_defaults", out, "--strict")) == 1
    assert "fork_default" in capsys.readouterr().err and not out.exists()
    assert main(_fork_args("ssd_brocolli_defaults", out, "--strict", "--fork", "ssd", "-q")) == 0
    assert out.exists()


def test_ssd_head_cut_outputs_are_the_caffe_blobs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import onnx

    out = tmp_path / "m.onnx"
    assert main(_fork_args("ssd_bn_three_scale", out, "--ssd-head", "cut", "--json")) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["ssd_head"] == "cut"
    names = ["mbox_loc", "mbox_conf_flatten", "mbox_priorbox"]
    assert [o["name"] for o in report["outputs"]] == names
    model = onnx.load(str(out))
    assert [o.name for o in model.graph.output] == names
    assert not {"NonMaxSuppression", "TopK"} & {n.op_type for n in model.graph.node}


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--fork", "weiliu"], "invalid choice: 'weiliu'"),
        (["--ssd-head", "none"], "invalid choice: 'none'"),
    ],
)
def test_bad_fork_flags_are_usage_errors(extra: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "m.onnx"
    with pytest.raises(SystemExit) as info:
        main(_fork_args("ssd_bn_three_scale", out, *extra))
    assert info.value.code == 2 and message in capsys.readouterr().err
    assert not out.exists()


def test_ssd_and_brocolli_together_are_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "m.onnx"
    assert main(_fork_args("ssd_bn_three_scale", out, "--fork", "ssd", "--fork", "brocolli")) == 1
    assert "--fork ssd and --fork brocolli disagree" in capsys.readouterr().err
    assert not out.exists()


def test_the_error_asking_for_a_fork_names_flags_that_work(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """An Upsample whose second bottom is no pooling mask: the error names the --fork
    choices, and each of them, passed exactly as written there, exports the net."""
    import re
    import shutil

    folder = tmp_path / "case"
    shutil.copytree(FORK_LAYERS / "upsample_pixelshuffle", folder)
    proto = folder / "deploy.prototxt"
    text = proto.read_text()
    old = 'type: "Upsample" bottom: "data" top: "up2"'
    assert old in text
    proto.write_text(text.replace(old, 'type: "Upsample" bottom: "data" bottom: "data" top: "up2"'))
    out = tmp_path / "m.onnx"
    args = ["onnx", str(proto), str(folder / "net.caffemodel"), "-o", str(out), "-q"]
    assert main(args) == 1
    err = capsys.readouterr().err
    named = re.findall(r"--fork (\w+)", err)
    assert sorted(named) == ["brocolli", "segnet"] and not out.exists()
    for fork in named:
        assert main([*args, "--fork", fork]) == 0, fork
        assert out.exists()
        out.unlink()


# --- the typed parameters' field diagnostics --------------------------------------------


@pytest.mark.parametrize("bn", ["fold", "keep"])
def test_a_misspelt_field_warns_and_strict_refuses(bn: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``relu_parm`` (a misspelt layer field) is skipped by every Caffe reader here: the
    export warns as merge/fold/inspect do, with the line and a did-you-mean, whatever the
    --bn mode and whether the net has a BatchNorm; --strict refuses it, nothing written."""
    src = ZOO / "act_relu_family"
    text = (src / "deploy.prototxt").read_text()
    assert "relu_param { negative_slope: 0.1 }" in text
    proto = tmp_path / "deploy.prototxt"
    proto.write_text(text.replace("relu_param { negative_slope: 0.1 }", "relu_parm { negative_slope: 0.1 }"))
    line = next(i + 1 for i, s in enumerate(proto.read_text().splitlines()) if "relu_parm" in s)
    out = tmp_path / "m.onnx"
    args = ["onnx", str(proto), str(src / "net.caffemodel"), "-o", str(out), "--bn", bn]
    assert main([*args, "--json"]) == 0
    captured = capsys.readouterr()
    (warning,) = [w for w in json.loads(captured.out)["warnings"] if w["code"] == "unknown_field"]
    assert warning["layer"] == "leaky" and warning["line"] == line
    assert "did you mean 'relu_param'?" in warning["message"]
    assert f"deploy.prototxt:{line}: layer 'leaky': unknown layer field 'relu_parm'" in captured.err
    out.unlink()
    assert main([*args, "--strict"]) == 1
    assert "unknown layer field 'relu_parm'" in capsys.readouterr().err
    assert not out.exists()


def test_field_warnings_are_not_repeated_with_batchnorm_groups(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A net with BatchNorm groups already got the warnings from the group computation:
    once each."""
    src = ZOO / "arch_resnet_se"
    text = (src / "deploy.prototxt").read_text()
    first = text.index("convolution_param {")
    proto = tmp_path / "deploy.prototxt"
    proto.write_text(text[:first] + "convolution_parm { num_output: 1 }\n  " + text[first:])
    for bn in ("fold", "scale", "keep"):
        assert main(["onnx", str(proto), str(src / "net.caffemodel"), "-o", str(tmp_path / f"{bn}.onnx"), "--bn", bn, "--json"]) == 0
        warnings = json.loads(capsys.readouterr().out)["warnings"]
        assert [w["code"] for w in warnings].count("unknown_field") == 1, bn


def test_a_verify_failure_is_one_json_document(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """--verify --json finding a difference prints one JSON document (the report with the
    failure fields, code verify_failed) and exits 1; without --json, one error line."""
    from caffe2trt_bn.verify import onnx as verify

    def differs(net: object, path: object, blobs: list[str], **options: object) -> verify.VerifyResult:
        return verify.VerifyResult("opencv", 1e-5, [verify.BlobCheck(blobs[0], (1,), 0.5, "FAIL")])

    monkeypatch.setattr(verify, "verify_onnx", differs)
    out = tmp_path / "m.onnx"
    assert main(_args(ZOO / "arch_vgg_classifier", out, "--verify", "--json")) == 1
    captured = capsys.readouterr()
    report = json.loads(captured.out)  # one document
    assert report["code"] == "verify_failed" and report["exit_status"] == 1
    assert report["verify"]["ok"] is False and report["verify"]["blobs"][0]["blob"] == "prob"
    assert main(_args(ZOO / "arch_vgg_classifier", out, "--verify")) == 1
    err = capsys.readouterr().err
    assert err.strip().splitlines()[-1] == "caffe-bn-merge: error: --verify: 1 output(s) differ beyond rtol 1e-05: prob"
