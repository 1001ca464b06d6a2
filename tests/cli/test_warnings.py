"""Warnings: one summary line per code, risk or information, ``--strict`` on risks only,
``--json`` always JSON (failures included), and a merge of a net without BatchNorm.

The nets here are chains of Convolution -> BatchNorm -> Scale groups whose statistics
carry what trained nets carry: dead channels (variance 0) and pruned channels (gamma
4e-38), and, where a test needs one, a risk.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import numpy as np
import pytest

from caffe2trt_bn import caffe_pb2, extract
from caffe2trt_bn.cli import main
from caffe2trt_bn.passes.scale_weights import FP16_NEGLIGIBLE_SCALE, convert, value_diagnostics
from caffe2trt_bn.errors import (
    INFO,
    RISK,
    WARNING_KINDS,
    Caffe2TrtWarning,
    Diagnostic,
    StrictModeError,
    enforce_strict,
    summarize,
)
from caffe2trt_bn.passes.fold import fold

from conftest import FIXTURES, ROOT, run_cli

RESNET = FIXTURES / "resnet_inplace"
#: A net with no BatchNorm-like layer in the layer zoo.
NO_BN = FIXTURES / "zoo" / "act_pointwise"
PROG = "caffe-bn-merge"


def chain(
    folder: Path,
    layers: int,
    *,
    dead: int = 0,
    gamma: dict[int, float] | None = None,
    factor: float = 3.5,
    batch_stats: tuple[int, ...] = (),
) -> tuple[Path, Path]:
    """``layers`` groups conv{i} -> bn{i} -> sc{i} on 4 channels, written as
    ``deploy.prototxt`` and ``net.caffemodel`` in ``folder``.

    ``dead`` channels of every BatchNorm have variance 0 (``small_variance``); ``gamma``
    sets channel 0's Scale of the listed groups (4e-38: ``fp16_underflow_negligible``);
    ``factor`` 0 makes every BatchNorm never trained (``zero_factor``); the groups in
    ``batch_stats`` have ``use_global_stats: false``.
    """
    rng = np.random.default_rng(layers)
    c = 4
    text = ['name: "chain"', 'input: "data"', f"input_shape {{ dim: 1 dim: {c} dim: 3 dim: 3 }}"]
    net = caffe_pb2.NetParameter(name="chain")
    bottom = "data"
    for i in range(layers):
        text.append(
            f'layer {{ name: "conv{i}" type: "Convolution" bottom: "{bottom}" top: "conv{i}" '
            f"convolution_param {{ num_output: {c} kernel_size: 1 }} }}"
        )
        param = " batch_norm_param { use_global_stats: false }" if i in batch_stats else ""
        text.append(f'layer {{ name: "conv{i}/bn" type: "BatchNorm" bottom: "conv{i}" top: "conv{i}"{param} }}')
        text.append(
            f'layer {{ name: "conv{i}/scale" type: "Scale" bottom: "conv{i}" top: "conv{i}" '
            "scale_param { bias_term: true } }"
        )
        bottom = f"conv{i}"
        var = rng.random(c) + 0.5
        var[:dead] = 0.0
        scale = rng.random(c) + 0.5
        if gamma and i in gamma:
            scale[0] = gamma[i]
        blobs = {
            f"conv{i}": [rng.normal(0, 0.5, (c, c, 1, 1)), rng.normal(0, 1, c)],
            f"conv{i}/bn": [rng.normal(0, 1, c) * factor, var * factor, np.array([factor])],
            f"conv{i}/scale": [scale, rng.normal(0, 1, c)],
        }
        for name, arrays in blobs.items():
            kind = "Convolution" if name == f"conv{i}" else ("BatchNorm" if name.endswith("/bn") else "Scale")
            stored = net.layer.add(name=name, type=kind)
            for array in arrays:
                blob = stored.blobs.add()
                blob.shape.dim.extend(np.shape(array))
                blob.data.extend(np.asarray(array, dtype=np.float32).ravel().tolist())
    folder.mkdir(parents=True, exist_ok=True)
    proto, model = folder / "deploy.prototxt", folder / "net.caffemodel"
    proto.write_text("\n".join(text) + "\n")
    model.write_bytes(net.SerializeToString())
    return proto, model


def stderr_lines(r) -> list[str]:
    return r.stderr.splitlines()


# --- severities: one table, one strict policy ------------------------------------------


def _emitted_codes() -> set[str]:
    """Every warning code the package's source constructs a Diagnostic with, or hands to
    the ONNX exporter's ``ctx.warn(layer, code, message)``."""
    codes = set()
    for path in (ROOT / "caffe2trt_bn").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call):
                continue
            if getattr(node.func, "id", None) == "Diagnostic" and node.args:
                first = node.args[0]
            elif getattr(node.func, "attr", None) == "warn" and len(node.args) >= 2:
                first = node.args[1]
            else:
                continue
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                codes.add(first.value)
    return codes


def test_every_emitted_code_has_a_severity_and_a_docs_row() -> None:
    codes = _emitted_codes()
    assert {"small_variance", "use_global_stats_false", "fp16_underflow_negligible", "stage_rule"} <= codes
    assert {"fork_default", "tensorrt_topk"} <= codes  # the ONNX exporter's
    assert codes <= set(WARNING_KINDS), codes - set(WARNING_KINDS)
    assert {kind.severity for kind in WARNING_KINDS.values()} == {RISK, INFO}
    table = (ROOT / "docs" / "errors.md").read_text()  # the warning codes and severities table
    for code, kind in WARNING_KINDS.items():
        row = re.search(rf"^\| `{code}` \| (\w+) \|", table, re.MULTILINE)
        assert row is not None, f"docs/errors.md's warnings table lacks {code}"
        assert row.group(1) == kind.severity, code


def test_strict_policy_raises_the_first_risk_and_never_information() -> None:
    info = Diagnostic("small_variance", "dead", "a", "m", channels=2)
    risk = Diagnostic("zero_factor", "untrained", "b", "m")
    enforce_strict([info, info], strict=True)  # information only: no error
    enforce_strict([info, risk], strict=False)
    with pytest.raises(StrictModeError) as raised:
        enforce_strict([info, risk], strict=True)
    assert raised.value.diagnostic is risk and raised.value.layer == "b"
    # A code the table does not know (a newer one) is a risk.
    with pytest.raises(StrictModeError):
        enforce_strict([Diagnostic("some_new_code", "?", "c")], strict=True)


def test_only_risks_are_errors_under_strict_for_every_command_and_function(tmp_path: Path) -> None:
    proto, model = chain(tmp_path / "dead", 3, dead=1, gamma={1: 4e-38})
    codes = {d.code for d in convert(proto, model).diagnostics}
    assert codes == {"small_variance", "fp16_underflow_negligible"}
    # Information only: strict runs succeed and write.
    assert [d.code for d in convert(proto, model, strict=True).diagnostics] != []
    assert fold(proto, model, tmp_path / "f1", strict=True).caffemodel.exists()
    r = run_cli(proto, model, "-o", tmp_path / "w.h5", "--strict", "-q")
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "w.h5").exists()
    # One risk after the information: it is the error, for the merge, fold and the API.
    proto, model = chain(tmp_path / "risk", 3, dead=1, batch_stats=(2,))
    r = run_cli(proto, model, "-o", tmp_path / "x.h5", "--strict")
    assert r.returncode == 1 and not (tmp_path / "x.h5").exists()
    assert stderr_lines(r)[-1].startswith(f"{PROG}: error: {proto}: layer 'conv2/bn': use_global_stats: false")
    r = run_cli("fold", proto, model, "-o", tmp_path / "f2", "--strict")
    assert r.returncode == 1 and not (tmp_path / "f2").exists() and "use_global_stats_false" in r.stderr
    with pytest.raises(StrictModeError, match="use_global_stats_false"):
        extract(proto, model, strict=True)


def test_python_api_issues_one_warning_per_diagnostic_information_included(tmp_path: Path) -> None:
    proto, model = chain(tmp_path, 5, dead=1)
    with pytest.warns(Caffe2TrtWarning) as record:
        extract(proto, model)
    assert len(record) == 5
    assert {w.message.diagnostic.severity for w in record} == {INFO}  # type: ignore[union-attr]
    assert all(str(w.message).startswith("note: ") for w in record)


# --- one line per code -----------------------------------------------------------------


def test_merge_prints_one_summary_line_per_code(tmp_path: Path) -> None:
    proto, model = chain(tmp_path, 6, dead=2, gamma={0: 4e-38, 3: 4e-38, 4: 4e-38})
    r = run_cli(proto, model, "-o", tmp_path / "w.h5")
    assert r.returncode == 0, r.stderr
    assert stderr_lines(r) == [
        f"{PROG}: note: {model}: 6 layers (12 channels) with {WARNING_KINDS['small_variance'].title}: "
        "'conv0/bn', 'conv1/bn', 'conv2/bn' and 3 more (-v lists each) [small_variance]",
        f"{PROG}: note: {model}: 3 layers (3 channels) with {WARNING_KINDS['fp16_underflow_negligible'].title}: "
        "'conv0/bn', 'conv3/bn', 'conv4/bn' (-v lists each) [fp16_underflow_negligible]",
    ]
    assert r.stdout.splitlines()[-1].endswith("0 warning(s), 9 note(s)")

    # -v: every diagnostic on its line, as the Python API issues them.
    r = run_cli(proto, model, "-o", tmp_path / "w.h5", "-v")
    lines = stderr_lines(r)
    assert len(lines) == 9
    assert all(re.fullmatch(rf"{PROG}: note: {re.escape(str(model))}: layer 'conv\d/bn': .* \[\w+\]", x) for x in lines)

    # -q: notes are information; nothing is printed.
    r = run_cli(proto, model, "-o", tmp_path / "w.h5", "-q")
    assert (r.returncode, r.stdout, r.stderr) == (0, "", "")

    # --json: every diagnostic with its severity and channels, and one summary per code.
    r = run_cli(proto, model, "-o", tmp_path / "w.h5", "--json")
    data = json.loads(r.stdout)
    assert len(data["warnings"]) == 9
    assert {(w["code"], w["severity"]) for w in data["warnings"]} == {
        ("small_variance", INFO),
        ("fp16_underflow_negligible", INFO),
    }
    assert [w["channels"] for w in data["warnings"] if w["code"] == "small_variance"] == [2] * 6
    small, tiny = data["warning_summary"]
    assert small == {
        "code": "small_variance",
        "severity": INFO,
        "title": WARNING_KINDS["small_variance"].title,
        "count": 6,
        "files": [str(model)],
        "layers": [f"conv{i}/bn" for i in range(6)],
        "channels": 12,
    }
    assert (tiny["code"], tiny["layers"], tiny["channels"]) == (
        "fp16_underflow_negligible",
        ["conv0/bn", "conv3/bn", "conv4/bn"],
        3,
    )


def test_a_risk_is_a_warning_and_stays_under_quiet(tmp_path: Path) -> None:
    proto, model = chain(tmp_path, 4, dead=1, batch_stats=(1, 3))
    r = run_cli(proto, model, "-o", tmp_path / "w.h5", "-q")
    assert r.returncode == 0 and r.stdout == ""
    (line,) = stderr_lines(r)
    assert line.startswith(f"{PROG}: warning: {proto}: 2 layers with use_global_stats: false")
    assert line.endswith(": 'conv1/bn', 'conv3/bn' (-v lists each) [use_global_stats_false]")
    r = run_cli(proto, model, "-o", tmp_path / "w.h5")
    assert [x.split(": ")[1] for x in stderr_lines(r)] == ["warning", "note"]
    assert r.stdout.splitlines()[-1].endswith("2 warning(s), 4 note(s)")


def test_a_code_on_one_layer_keeps_its_own_line(tmp_path: Path) -> None:
    proto, model = chain(tmp_path, 3, gamma={1: 4e-38})
    r = run_cli(proto, model, "-o", tmp_path / "w.h5")
    (d,) = convert(proto, model).diagnostics
    assert stderr_lines(r) == [f"{PROG}: {d}"]
    assert "layer 'conv1/bn'" in r.stderr and "(-v lists each)" not in r.stderr


def test_fold_and_inspect_summarise_too(tmp_path: Path) -> None:
    proto, model = chain(tmp_path / "in", 5, dead=1)
    r = run_cli("fold", proto, model, "-o", tmp_path / "out")
    assert r.returncode == 0, r.stderr
    (line,) = stderr_lines(r)
    assert line.startswith(f"{PROG}: note: {model}: 5 layers (5 channels) with a variance below eps")
    assert r.stdout.splitlines()[-1].endswith("0 warning(s), 5 note(s)")
    assert len(stderr_lines(run_cli("fold", proto, model, "-o", tmp_path / "out", "-v"))) == 5
    data = json.loads(run_cli("fold", proto, model, "-o", tmp_path / "out", "--json").stdout)
    assert len(data["warnings"]) == 5 and data["warning_summary"][0]["count"] == 5

    r = run_cli("inspect", proto, model)
    assert r.returncode == 0, r.stderr
    (line,) = stderr_lines(r)
    assert "5 layers (5 channels)" in line and line.endswith("[small_variance]")
    assert len(stderr_lines(run_cli("inspect", proto, model, "-v"))) == 5
    data = json.loads(run_cli("inspect", proto, model, "--json").stdout)
    assert data["warning_summary"][0]["layers"] == [f"conv{i}/bn" for i in range(5)]


def test_to_deploy_summarises_stage_rules(tmp_path: Path) -> None:
    src = tmp_path / "n.prototxt"
    src.write_text(
        'input: "x"\ninput_shape { dim: 1 dim: 4 }\n'
        + "".join(
            f'layer {{ name: "r{i}" type: "ReLU" bottom: "x" top: "r{i}" include {{ stage: "s{i}" }} }}\n'
            for i in range(5)
        )
        + 'layer { name: "keep" type: "ReLU" bottom: "x" top: "keep" }\n'
    )
    r = run_cli("to-deploy", src, "-o", tmp_path / "d.prototxt")
    assert r.returncode == 0, r.stderr
    assert stderr_lines(r) == [
        f"{PROG}: warning: {src}: 5 layers with {WARNING_KINDS['stage_rule'].title}: "
        "'r0', 'r1', 'r2' and 2 more (-v lists each) [stage_rule]"
    ]
    assert len(stderr_lines(run_cli("to-deploy", src, "-o", tmp_path / "d.prototxt", "-v"))) == 5
    data = json.loads(run_cli("to-deploy", src, "-o", tmp_path / "d.prototxt", "--json").stdout)
    assert data["warning_summary"][0]["count"] == 5 and data["warnings"][0]["severity"] == RISK


def test_summary_counts_layers_once_and_sums_channels() -> None:
    ds = [
        Diagnostic("small_variance", "m", "a", "f", channels=2),
        Diagnostic("small_variance", "m", "b", "g", channels=3),
        Diagnostic("stage_rule", "m", "a", "f"),
        Diagnostic("small_variance", "m", "a", "f", channels=1),
    ]
    small, stage = summarize(ds)
    assert (small.count, small.layers, small.files, small.channels) == (3, ["a", "b"], ["f", "g"], 6)
    assert (stage.severity, stage.channels) == (RISK, None)


# --- FP16 underflow: when zeroing a scale changes nothing ------------------------------


def test_negligible_scale_leaves_every_fp16_output_unchanged() -> None:
    """Below FP16_NEGLIGIBLE_SCALE, x*scale + shift computed in float32 or float64 and
    rounded to FP16 is the FP16 shift for every finite FP16 input, as with the scale
    zeroed; at 4x the bound the largest input shows."""
    xs = np.array([65504.0, -65504.0, 1000.0, 1.0, 2.0**-24])
    # FP16 shifts: zero, subnormals, the smallest normal, values whose spacing is large.
    shifts = np.array([0.0, 2.0**-24, -(2.0**-24), 3 * 2.0**-24, 2.0**-14, 6e-5, 0.5, -1.0, 1000.0, 65504.0])
    shifts = shifts.astype(np.float16)
    below = np.float32(np.nextafter(np.float32(FP16_NEGLIGIBLE_SCALE), np.float32(0)))
    assert below < FP16_NEGLIGIBLE_SCALE
    for scale in (below, -below, np.float32(4e-38)):
        for dtype in (np.float32, np.float64):
            x, s, b = xs.astype(dtype)[:, None], dtype(scale), shifts.astype(dtype)[None, :]
            got = (x * s + b).astype(np.float16)
            assert np.array_equal(got, np.broadcast_to(shifts, got.shape)), (scale, dtype)
    assert np.float16(65504.0 * 4 * FP16_NEGLIGIBLE_SCALE) != 0


@pytest.mark.parametrize(
    ("scale", "codes"),
    [
        (np.nextafter(np.float32(FP16_NEGLIGIBLE_SCALE), np.float32(0)), ["fp16_underflow_negligible"]),
        (np.float32(4e-38), ["fp16_underflow_negligible"]),
        (np.nextafter(np.float32(FP16_NEGLIGIBLE_SCALE), np.float32(1)), ["fp16_underflow"]),
        (np.float32(1e-9), ["fp16_underflow"]),
        (np.float32(2.0**-24), []),
        (np.float32(0), []),
    ],
)
def test_underflow_severity_follows_the_bound(scale: np.float32, codes: list[str]) -> None:
    scales = np.array([0.5, scale], dtype=np.float32)
    found = value_diagnostics("bn", scales, np.zeros(2, np.float32), "m")
    assert [d.code for d in found] == codes
    assert all(d.channels == 1 for d in found)


def test_underflow_of_both_kinds_in_one_layer_gives_one_of_each() -> None:
    scales = np.array([4e-38, 1e-9, 1e-9, 0.3], dtype=np.float32)
    found = value_diagnostics("bn", scales, np.zeros(4, np.float32), "m")
    assert [(d.code, d.channels, d.severity) for d in found] == [
        ("fp16_underflow", 2, RISK),
        ("fp16_underflow_negligible", 1, INFO),
    ]


def test_overflow_of_scale_and_shift_is_one_warning_counting_channels() -> None:
    found = value_diagnostics(
        "bn", np.array([1e6, 1.0, 1.0], np.float32), np.array([1e6, 1e6, 0.0], np.float32), "m"
    )
    (d,) = found
    assert (d.code, d.channels) == ("fp16_overflow", 2)
    assert "scale of channel 0" in d.message and "shift of channel 0" in d.message


# --- a merge of a net without BatchNorm ----------------------------------------------------


def test_merge_of_a_net_without_batchnorm_is_an_error_and_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "w.h5"
    r = run_cli(NO_BN / "deploy.prototxt", NO_BN / "net.caffemodel", "-o", out)
    assert r.returncode == 1 and r.stdout == ""
    assert stderr_lines(r) == [
        f"{PROG}: error: {NO_BN / 'deploy.prototxt'}: the TEST-phase net has no BatchNorm-like layer "
        "(BatchNorm, BN), so there are no Scale weights to write; is this the model you meant?"
    ]
    assert list(tmp_path.iterdir()) == []
    r = run_cli(NO_BN / "deploy.prototxt", NO_BN / "net.caffemodel", "-o", out, "--json")
    data = json.loads(r.stdout)
    assert (data["code"], data["exit_status"], data["file"]) == ("no_batchnorm", 1, str(NO_BN / "deploy.prototxt"))
    # The library returns no groups (an empty list is a valid answer to a question).
    assert extract(NO_BN / "deploy.prototxt", NO_BN / "net.caffemodel") == []


def test_batchnorm_only_in_the_train_phase_counts_as_none(tmp_path: Path) -> None:
    proto, model = chain(tmp_path, 1)
    text = proto.read_text().replace('type: "BatchNorm" bottom: "conv0" top: "conv0"', 'type: "BatchNorm" bottom: "conv0" top: "conv0" include { phase: TRAIN }')
    text = text.replace('top: "conv0" scale_param', 'top: "conv0" include { phase: TRAIN } scale_param')
    proto.write_text(text)
    r = run_cli(proto, model, "-o", tmp_path / "w.h5")
    assert r.returncode == 1 and "no BatchNorm-like layer" in r.stderr
    assert not (tmp_path / "w.h5").exists()


# --- --json: JSON on standard output for failures too ------------------------------------


@pytest.mark.parametrize(
    ("argv", "code", "status"),
    [
        ([str(RESNET / "deploy.prototxt"), "{tmp}/missing.caffemodel", "-o", "{tmp}/w.h5"], "input", 1),
        ([str(RESNET / "net.caffemodel"), str(RESNET / "deploy.prototxt"), "-o", "{tmp}/w.h5"], "prototxt_syntax", 1),
        ([str(RESNET / "deploy.prototxt"), str(RESNET / "net.caffemodel"), "-o", "{tmp}/w.xyz"], "output", 1),
        ([str(RESNET / "deploy.prototxt"), str(RESNET / "net.caffemodel"), "--no-such-flag"], "usage", 2),
        (["fodl", "x"], "usage", 2),
        (["fold", str(RESNET / "deploy.prototxt"), "{tmp}/missing.caffemodel", "-o", "{tmp}/f"], "input", 1),
        (["fold", str(RESNET / "deploy.prototxt"), str(RESNET / "net.caffemodel")], "usage", 2),
        (["fold", str(RESNET / "deploy.prototxt"), str(RESNET / "net.caffemodel"), "-o", "{tmp}/f", "--rtol", "-1"], "usage", 2),
        (["to-deploy", "{tmp}/missing.prototxt", "-o", "{tmp}/d.prototxt"], "input", 1),
        (["inspect", str(RESNET / "deploy.prototxt"), "{tmp}/missing.caffemodel"], "input", 1),
        (["inspect"], "usage", 2),
    ],
)
def test_json_failures_print_a_json_object(tmp_path: Path, argv: list[str], code: str, status: int) -> None:
    args = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    r = run_cli(*args, "--json")
    assert r.returncode == status
    data = json.loads(r.stdout)
    (line,) = [x for x in stderr_lines(r) if "error:" in x]
    assert (data["error"], data["code"], data["exit_status"]) == (line, code, status)
    # Without --json a failure prints nothing on standard output, as before.
    r = run_cli(*args)
    assert r.returncode == status and r.stdout == ""


def test_json_usage_error_after_parsing(tmp_path: Path) -> None:
    """to-deploy refuses --json without -o FILE (both would use standard output)."""
    r = run_cli("to-deploy", RESNET / "deploy.prototxt", "--json")
    assert r.returncode == 2
    data = json.loads(r.stdout)
    assert (data["code"], data["exit_status"]) == ("usage", 2)
    assert data["error"] == stderr_lines(r)[-1] and "needs -o FILE" in data["error"]


def test_json_failure_of_strict_names_the_warning(tmp_path: Path) -> None:
    case = FIXTURES / "untrained_zero_factor"
    r = run_cli(case / "deploy.prototxt", case / "net.caffemodel", "-o", tmp_path / "w.h5", "--strict", "--json")
    assert r.returncode == 1
    data = json.loads(r.stdout)
    assert (data["code"], data["layer"], data["file"]) == ("strict", "bn1", str(case / "net.caffemodel"))
    assert data["warning"]["code"] == "zero_factor" and data["warning"]["severity"] == RISK


def test_json_failure_after_ctrl_c(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    import caffe2trt_bn.cli.merge as merge

    def interrupted(argv: list[str]) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr(merge, "run", interrupted)
    assert main([str(RESNET / "deploy.prototxt"), str(RESNET / "net.caffemodel"), "--json"]) == 130
    out = capsys.readouterr()
    assert json.loads(out.out) == {"error": f"{PROG}: interrupted", "code": "interrupted", "exit_status": 130}
    assert out.err == f"{PROG}: interrupted\n"


def test_inspect_json_failure_says_why(tmp_path: Path) -> None:
    case = FIXTURES / "forks" / "nvcaffe_ambiguous"
    r = run_cli("inspect", case / "deploy.prototxt", case / "net.caffemodel", "--json")
    assert r.returncode == 1
    data = json.loads(r.stdout)
    assert (data["code"], data["exit_status"], data["convertible"]) == ("not_convertible", 1, False)
    assert "1 of 1 BatchNorm-like layer(s) cannot be converted: 'bn1'" in data["error"]


def test_json_failure_of_verify_is_in_the_report(tmp_path: Path) -> None:
    pytest.importorskip("cv2")
    r = run_cli(
        "fold", RESNET / "deploy.prototxt", RESNET / "net.caffemodel", "-o", tmp_path, "--verify", "--rtol", "1e-12", "--json"
    )
    assert r.returncode == 1
    data = json.loads(r.stdout)
    assert data["verify"]["passed"] is False
    assert (data["code"], data["exit_status"]) == ("verify_failed", 1)
    assert data["error"] == stderr_lines(r)[-1] and "verification failed" in data["error"]
