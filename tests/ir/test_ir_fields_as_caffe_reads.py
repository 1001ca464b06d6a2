"""Issue 14: prototxt fields read as Caffe's parser reads them, in every command.

* enums by name or number (``include { phase: 1 }`` is TEST), other spellings refused;
* a layer without ``type`` refused (it made its BatchNorm group disappear);
* a singular field given twice refused;
* a misspelt field inside a message the tool reads warned about (``unknown_field``).

Each case runs the commands (merge, fold, to-deploy, inspect) on a fixture edited in one
place, and compares with the unedited fixture where the meaning is the same.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
from conftest import FIXTURES, run_cli

from caffe2trt_bn import extract
from caffe2trt_bn.passes.deploy import to_deploy
from caffe2trt_bn.errors import Caffe2TrtError, Caffe2TrtWarning

RESNET = FIXTURES / "resnet_inplace"
DEPLOY = (RESNET / "deploy.prototxt").read_text()
MODEL = RESNET / "net.caffemodel"
TRAIN_VAL = (FIXTURES / "train_val_classifier" / "train_val.prototxt").read_text()
SCALE1 = 'name: "scale1" type: "Scale" bottom: "conv1" top: "conv1"'
BN1 = 'name: "bn1" type: "BatchNorm" bottom: "conv1" top: "conv1"'


def _edit(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, old
    return text.replace(old, new)


def _write(tmp_path: Path, text: str, name: str = "deploy.prototxt") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def _line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


def _weights(prototxt: Path) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    return {w.name: (w.scale, w.shift) for w in extract(prototxt, MODEL)}


def _same_weights(a: dict[str, tuple[np.ndarray, np.ndarray]], b: dict[str, tuple[np.ndarray, np.ndarray]]) -> bool:
    return a.keys() == b.keys() and all(
        np.array_equal(a[k][0], b[k][0]) and np.array_equal(a[k][1], b[k][1]) for k in a
    )


# --------------------------------------------------------------------------- enums by number


def test_merge_include_phase_number_keeps_the_scale(tmp_path: Path) -> None:
    reference = _weights(RESNET / "deploy.prototxt")
    edited = _write(tmp_path, _edit(DEPLOY, SCALE1, SCALE1 + " include { phase: 1 }"))
    assert _same_weights(_weights(edited), reference)  # was: BatchNorm-only weights, no warning
    result = run_cli(edited, MODEL, "-o", tmp_path / "w.npz")
    assert result.returncode == 0 and result.stderr == ""
    with np.load(tmp_path / "w.npz") as z:
        assert np.array_equal(z["bn1.scale"], reference["bn1"][0])


def test_merge_exclude_phase_number_drops_the_layer_as_caffe_does(tmp_path: Path) -> None:
    excluded = _write(tmp_path, _edit(DEPLOY, SCALE1, SCALE1 + " exclude { phase: 1 }"), "excluded.prototxt")
    start = DEPLOY.index("layer {\n  " + SCALE1)
    without = _write(tmp_path, DEPLOY[:start] + DEPLOY[DEPLOY.index("layer {", start + 1):], "without.prototxt")
    assert _same_weights(_weights(excluded), _weights(without))
    assert not _same_weights(_weights(excluded), _weights(RESNET / "deploy.prototxt"))


def test_fold_include_phase_number_is_the_test_net(tmp_path: Path) -> None:
    edited = _write(tmp_path, _edit(DEPLOY, SCALE1, SCALE1 + " include { phase: 1 }"))
    result = run_cli("fold", edited, MODEL, "-o", tmp_path / "folded")  # was: refused as a TRAIN layer
    assert result.returncode == 0, result.stderr
    reference = run_cli("fold", RESNET / "deploy.prototxt", MODEL, "-o", tmp_path / "reference")
    assert reference.returncode == 0
    folded = [p.read_bytes() for p in sorted((tmp_path / "folded").glob("*.caffemodel"))]
    expected = [p.read_bytes() for p in sorted((tmp_path / "reference").glob("*.caffemodel"))]
    assert folded == expected and folded


def test_to_deploy_include_phase_number_keeps_the_layer() -> None:
    # bn2's TEST twin, selected by number: the output must be the same net.
    marker = "batch_norm_param { use_global_stats: true }\n  include { phase: TEST }"
    edited = _edit(TRAIN_VAL, marker, marker.replace("phase: TEST", "phase: 1"))
    out = to_deploy(edited, path="tv.prototxt")
    assert out == to_deploy(TRAIN_VAL, path="tv.prototxt")  # was: bn2 deleted
    assert out.count('name: "bn2"') == 1


def test_to_deploy_exclude_phase_number_removes_the_layer() -> None:
    marker = 'name: "scale2"\n  type: "Scale"'
    edited = _edit(TRAIN_VAL, marker, marker + "\n  exclude { phase: 1 }")
    assert 'name: "scale2"' not in to_deploy(edited, path="tv.prototxt")


@pytest.mark.parametrize("value", ["test", "Test", "2", "-1", '"TEST"'])
@pytest.mark.parametrize("command", ["merge", "fold", "to-deploy"])
def test_an_unknown_phase_is_one_error_line_naming_file_line_layer(tmp_path: Path, command: str, value: str) -> None:
    text = _edit(DEPLOY, SCALE1, SCALE1 + f"\n  include {{ phase: {value} }}")
    path = _write(tmp_path, text)
    args = {
        "merge": (path, MODEL, "-o", tmp_path / "w.npz"),
        "fold": ("fold", path, MODEL, "-o", tmp_path / "out"),
        "to-deploy": ("to-deploy", path, "-o", tmp_path / "d.prototxt"),
    }[command]
    result = run_cli(*args)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    line = _line_of(text, "phase: " + value)
    assert f"{path}:{line}:" in lines[0] and "layer 'scale1'" in lines[0] and "'phase'" in lines[0]
    assert not (tmp_path / "w.npz").exists() and not (tmp_path / "out").exists()
    assert not (tmp_path / "d.prototxt").exists()


def test_segnet_bn_mode_by_number_and_misspelt(tmp_path: Path) -> None:
    case = FIXTURES / "forks" / "bn_segnet"
    text = (case / "deploy.prototxt").read_text()
    reference = {w.name: w.scale for w in extract(case / "deploy.prototxt", case / "net.caffemodel")}
    by_number = _write(tmp_path, _edit(text, "bn_mode: INFERENCE", "bn_mode: 1"))
    got = {w.name: w.scale for w in extract(by_number, case / "net.caffemodel")}
    assert got.keys() == reference.keys() and all(np.array_equal(got[k], reference[k]) for k in got)
    lower = _write(tmp_path, _edit(text, "bn_mode: INFERENCE", "bn_mode: inference"), "lower.prototxt")
    # Was: "SegNet BN layer in bn_mode inference normalises each batch..." (read as not INFERENCE).
    with pytest.raises(Caffe2TrtError, match=r"unknown value inference of enum BNMode; Caffe accepts LEARN \(0\), INFERENCE \(1\)"):
        extract(lower, case / "net.caffemodel")


# --------------------------------------------------------------------------- layers without type


@pytest.mark.parametrize(("replacement", "hint"), [("", ""), ('tpye: "Scale"', "'tpye'")])
@pytest.mark.parametrize("command", ["merge", "to-deploy"])
def test_a_layer_without_type_is_refused(tmp_path: Path, command: str, replacement: str, hint: str) -> None:
    edited = SCALE1.replace('type: "Scale"', replacement)
    text = _edit(DEPLOY, SCALE1, edited)
    path = _write(tmp_path, text)
    args = (path, MODEL, "-o", tmp_path / "w.npz") if command == "merge" else ("to-deploy", path, "-o", tmp_path / "d.prototxt")
    result = run_cli(*args)
    # Was: exit 0, the Scale silently left out of bn1's group (an empty file if it was the only one).
    assert result.returncode == 1, result.stderr
    message = result.stderr.strip()
    assert "layer 'scale1'" in message and "has no 'type' field" in message and hint in message
    assert f"{path}:{_line_of(text, edited) - 1}:" in message  # the line of its 'layer {'

    assert not (tmp_path / "w.npz").exists() and not (tmp_path / "d.prototxt").exists()


# --------------------------------------------------------------------------- singular fields twice


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        (BN1, BN1 + " batch_norm_param { eps: 0.1 eps: 0.001 }", "eps"),
        (BN1, BN1 + " batch_norm_param { eps: 0.1 } batch_norm_param { eps: 0.001 }", "batch_norm_param"),
        (BN1, BN1 + ' type: "BatchNorm"', "type"),
        (BN1, BN1 + ' name: "bn1b"', "name"),
        (SCALE1, SCALE1 + " scale_param { bias_term: true } scale_param { bias_term: false }", "scale_param"),
        (SCALE1, SCALE1 + " include { phase: TEST phase: TRAIN }", "phase"),
    ],
)
@pytest.mark.parametrize("command", ["merge", "to-deploy"])
def test_a_singular_field_given_twice_is_refused(tmp_path: Path, command: str, old: str, new: str, field: str) -> None:
    text = _edit(DEPLOY, old, new)
    path = _write(tmp_path, text)
    args = (path, MODEL, "-o", tmp_path / "w.npz") if command == "merge" else ("to-deploy", path, "-o", tmp_path / "d.prototxt")
    result = run_cli(*args)
    assert result.returncode == 1, result.stderr  # was: exit 0, the last one used
    message = result.stderr.strip()
    assert len(message.splitlines()) == 1
    assert f"field {field!r}: given twice" in message and str(path) in message
    if field != "name":  # a second name: which one is the layer's is the question
        layer = "bn1" if "bn1" in old else "scale1"
        assert f"layer {layer!r}" in message
    assert re.search(rf"{re.escape(str(path))}:{_line_of(text, new)}:[0-9]+: ", message)


def test_the_second_occurrence_line_is_named(tmp_path: Path) -> None:
    text = _edit(DEPLOY, BN1, BN1 + "\n  batch_norm_param {\n    eps: 0.1\n    eps: 0.001\n  }")
    path = _write(tmp_path, text)
    result = run_cli(path, MODEL, "-o", tmp_path / "w.npz")
    second = _line_of(text, "eps: 0.001")
    assert result.returncode == 1
    assert f"{path}:{second}:" in result.stderr and f"(first at line {second - 1})" in result.stderr


# --------------------------------------------------------------------------- misspelt fields


def _warnings(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if "[unknown_field]" in line]


@pytest.mark.parametrize(
    ("new", "what", "mean"),
    [
        (BN1 + "\n  batch_norm_param { epsilon: 0.1 }", "unknown field 'epsilon' in batch_norm_param", "eps"),
        (BN1 + "\n  batch_norm_param { Eps: 0.1 }", "unknown field 'Eps' in batch_norm_param", "eps"),
        (BN1 + "\n  batchnorm_param { eps: 0.1 }", "unknown layer field 'batchnorm_param'", "batch_norm_param"),
    ],
)
def test_a_misspelt_field_warns_in_every_command(tmp_path: Path, new: str, what: str, mean: str) -> None:
    text = _edit(DEPLOY, BN1, new)
    path = _write(tmp_path, text)
    line = _line_of(text, new.splitlines()[-1].strip())
    expected = f"{path}:{line}: layer 'bn1': {what} is ignored (Caffe's parser refuses it); did you mean {mean!r}?"
    runs = {
        "merge": run_cli(path, MODEL, "-o", tmp_path / "w.npz"),
        "fold": run_cli("fold", path, MODEL, "-o", tmp_path / "out"),
        "to-deploy": run_cli("to-deploy", path, "-o", tmp_path / "d.prototxt"),
        "inspect": run_cli("inspect", path, MODEL),
    }
    for command, result in runs.items():
        assert result.returncode == 0, (command, result.stderr)
        found = _warnings(result.stderr)
        assert len(found) == 1 and expected in found[0], (command, result.stderr)
    strict = run_cli(path, MODEL, "-o", tmp_path / "strict.npz", "--strict")
    assert strict.returncode == 1 and "unknown_field" in strict.stderr and not (tmp_path / "strict.npz").exists()
    inspect_json = json.loads(run_cli("inspect", path, MODEL, "--json").stdout)
    assert [w["code"] for w in inspect_json["warnings"]] == ["unknown_field"]
    assert inspect_json["warnings"][0]["line"] == line
    with pytest.warns(Caffe2TrtWarning, match="unknown_field"):
        extract(path, MODEL)


@pytest.mark.parametrize(
    "new",
    [
        SCALE1 + " prior_box_param { min_size: 1 }",  # a fork's message at the layer level
        SCALE1 + " my_private_param { x: 1 }",  # unknown and resembling nothing: a fork's
        SCALE1 + " upsample_param { scale: 2 }",
    ],
)
def test_fork_fields_and_unrelated_layer_fields_are_quiet(tmp_path: Path, new: str) -> None:
    path = _write(tmp_path, _edit(DEPLOY, SCALE1, new))
    result = run_cli(path, MODEL, "-o", tmp_path / "w.npz")
    assert result.returncode == 0 and _warnings(result.stderr) == [], result.stderr


def test_known_fork_fields_inside_read_messages_are_quiet() -> None:
    text = 'input: "d"\ninput_shape { dim: 1 dim: 1 dim: 4 dim: 4 }\nlayer { name: "p" type: "Pooling" bottom: "d" top: "p" pooling_param { kernel_size: 2 ceil_mode: false } }\n'
    from caffe2trt_bn.ir.graph import build_graph
    from caffe2trt_bn.ir.params import field_diagnostics
    from caffe2trt_bn.io.prototxt import parse

    assert field_diagnostics(build_graph(parse(text)).layers) == []
    misspelt = text.replace("ceil_mode", "ceil_mod")
    (d,) = field_diagnostics(build_graph(parse(misspelt)).layers)
    assert "did you mean 'ceil_mode'?" in d.message
