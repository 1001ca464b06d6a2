"""``benchmarks/onnx_peers.py`` judges converters the way its README says.

No peer is needed: the converters here are small Python commands that write an ONNX
model (built with ``onnx.helper``) whose outputs are Caffe's recorded values, exactly or
changed in one way, so each result of a case is produced once and must be told apart.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

from benchmarks.measure import Run
from benchmarks.onnx_compare import (
    CONVERTER_FAILS,
    MATCHES,
    MISSING_OUTPUT,
    ORT_REFUSES,
    RTOL,
    WRONG_SHAPE,
    WRONG_VALUES,
    Case,
    CaseResult,
    check_outputs,
    find_cases,
    graph_outputs,
    relative_error,
)
from benchmarks.onnx_peers import Converter, error_line, run_case, unavailable

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


def case_named(name: str) -> Case:
    return next(c for c in find_cases(FIXTURES) if c.name == name)


# --- the comparison, on arrays ---------------------------------------------------------


def test_each_output_result_is_told_apart() -> None:
    rng = np.random.default_rng(0)
    ref = {b: rng.standard_normal((2, 3, 4)).astype(np.float32) for b in ("same", "off", "flat", "gone")}
    top = float(np.abs(ref["off"]).max())
    off = ref["off"].copy()
    off[0, 0, 0] += np.float32(3 * RTOL * top)
    produced = {"same": ref["same"] * np.float32(1 + RTOL / 10), "off": off, "flat": ref["flat"].reshape(2, 12)}
    checks = {c.blob: c for c in check_outputs(ref, produced)}
    assert checks["same"].result == MATCHES
    assert checks["off"].result == WRONG_VALUES and checks["off"].error == pytest.approx(3 * RTOL, rel=1e-3)
    assert checks["flat"].result == WRONG_SHAPE and "the values match" in checks["flat"].detail
    assert checks["gone"].result == MISSING_OUTPUT
    case = CaseResult.from_checks(list(checks.values()))
    assert case.result == MISSING_OUTPUT  # the worst of the four
    assert case.detail.startswith("1 of 4 outputs match")


def test_one_renamed_output_is_paired_two_are_not() -> None:
    ref = {"conv1": np.ones((1, 2), np.float32)}
    [check] = check_outputs(ref, {"scale1": np.ones((1, 2), np.float32)})
    assert (check.result, check.onnx_name) == (MATCHES, "scale1")
    two = {"a": np.ones(2, np.float32), "b": np.zeros(2, np.float32)}
    checks = check_outputs(two, {"x": two["a"], "y": two["b"]})
    assert [c.result for c in checks] == [MISSING_OUTPUT, MISSING_OUTPUT]


def test_relative_error_of_nan_and_of_zero_references() -> None:
    assert relative_error(np.array([np.nan, 1.0]), np.array([1.0, 1.0])) == float("inf")
    assert relative_error(np.zeros(3), np.zeros(3)) == 0.0
    assert relative_error(np.array([0.0, 1e-9]), np.zeros(2)) == float("inf")
    assert relative_error(np.array([1, 2], np.int64), np.array([1.0, 2.0], np.float32)) == 0.0


# --- the cases and Caffe's values ----------------------------------------------------------


def test_cases_of_the_three_suites_are_found() -> None:
    cases = find_cases(FIXTURES)
    suites = {c.suite for c in cases}
    assert suites == {"", "zoo", "fork_layers"}
    assert "resnet_inplace" in {c.name for c in cases} and "zoo/arch_resnet_se" in {c.name for c in cases}
    assert not any(c.name.startswith("forks/") for c in cases)  # no activations there


@pytest.mark.parametrize("suite", ["zoo", "fork_layers"])
def test_graph_outputs_are_the_listed_outputs(suite: str) -> None:
    """Where a case lists its outputs, the graph Caffe ran gives the same blobs
    (``caffe_deploy.prototxt`` where the case recorded stand-ins for layers its Caffe
    lacks); the outputs compared are those of ``deploy.prototxt``, the net the converters
    are given: the same blobs except where a stand-in reads fewer bottoms."""
    differ = {}
    for case in find_cases(FIXTURES):
        if case.suite == suite:
            ran = case.folder / "caffe_deploy.prototxt"
            net = ran if ran.exists() else case.deploy
            assert sorted(graph_outputs(net)) == sorted(case.listed_outputs() or []), case.name
            assert case.outputs() == graph_outputs(case.deploy)
            if sorted(case.outputs()) != sorted(case.listed_outputs() or []):
                differ[case.name] = sorted(set(case.listed_outputs() or []) - set(case.outputs()))
    # interp_hw: an output of the stand-in net only (deploy.prototxt's Interp interp_ref reads it).
    assert differ == ({"fork_layers/stand_in_layers": ["interp_hw"]} if suite == "fork_layers" else {})
    assert not any(case_named(n).reference().keys() - set(case_named(n).outputs()) for n in differ)


def test_an_output_written_in_place_is_its_last_writers_record() -> None:
    case = case_named("zoo/arch_resnet_se")
    meta = json.loads((case.folder / "activations.json").read_text())
    writers = [r for r in meta["layers"] if "res2a" in r["tops"]]
    assert [r["type"] for r in writers] == ["Eltwise", "ReLU"]
    with np.load(case.folder / "activations.npz") as z:
        eltwise, relu = z[writers[0]["keys"][0]], z[writers[1]["keys"][0]]
    assert not np.array_equal(eltwise, relu)
    np.testing.assert_array_equal(case.reference()["res2a"], relu)


# --- whole cases through a converter command and ONNX Runtime -----------------------------

FAKE_CONVERTER = r'''
import sys
import numpy as np
import onnx
from onnx import helper, numpy_helper

mode, outputs_npz, out = sys.argv[1], sys.argv[2], sys.argv[3]
if mode == "crash":
    raise KeyError("Silence")
if mode == "silent":
    print("onnx model was not saved successfully")
    sys.exit(0)
x = np.load(sys.argv[4])
with np.load(outputs_npz) as z:
    values = {k: z[k] for k in z.files}
nodes, outs = [], []
for name, v in values.items():
    if mode == "scaled":
        v = v * np.float32(1.001)
    if mode == "flat":
        v = v.reshape(v.shape[0], -1)
    nodes.append(helper.make_node("Constant", [], [name], value=numpy_helper.from_array(v, name + "_v")))
    outs.append(helper.make_tensor_value_info(name, onnx.TensorProto.FLOAT, list(v.shape)))
if mode == "invalid":  # Dropout's ratio became an input in opset 12
    nodes.append(helper.make_node("Dropout", ["data"], ["dropped"], ratio=0.5))
    outs.append(helper.make_tensor_value_info("dropped", onnx.TensorProto.FLOAT, list(x.shape)))
graph = helper.make_graph(nodes, "fake", [helper.make_tensor_value_info("data", onnx.TensorProto.FLOAT, list(x.shape))],
                          outs)
onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), out)
'''


@pytest.fixture(scope="module")
def fake(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Case, Path]:
    pytest.importorskip("onnx")
    pytest.importorskip("onnxruntime")
    folder = tmp_path_factory.mktemp("fake")
    script = folder / "fake_converter.py"
    script.write_text(FAKE_CONVERTER)
    case = case_named("resnet_inplace")
    outputs = folder / "reference.npz"
    np.savez(outputs, **case.reference())  # type: ignore[arg-type]
    return script, case, outputs


@pytest.mark.parametrize(
    ("mode", "expected", "says"),
    [
        ("exact", MATCHES, ""),
        ("scaled", WRONG_VALUES, "pool: error 1.0e-03"),
        ("flat", WRONG_SHAPE, "(2, 576) instead of (2, 16, 6, 6)"),
        ("invalid", ORT_REFUSES, "at load: "),
        ("crash", CONVERTER_FAILS, "KeyError: 'Silence'"),
        ("silent", CONVERTER_FAILS, "no ONNX file written: onnx model was not saved successfully"),
    ],
)
def test_a_converter_run_on_a_case(
    fake: tuple[Path, Case, Path], tmp_path: Path, mode: str, expected: str, says: str
) -> None:
    script, case, outputs = fake
    template = f"{sys.executable} {script} {mode} {outputs} {{out}} {case.input}"
    conv = Converter("fake", "fake converter", template, sys.executable)
    result = run_case(conv, case, tmp_path, timeout=120)
    assert result.result == expected, result.detail
    assert says in result.detail
    assert str(tmp_path) not in result.detail  # messages do not depend on folders
    if expected in (MATCHES, WRONG_VALUES, WRONG_SHAPE):
        assert result.opset == 17


def test_our_command_is_available_only_when_the_cli_has_it() -> None:
    exe = sys.executable
    known = Converter("ours", "ours", f"{exe} -m caffe2trt_bn fold {{deploy}} {{model}} -o {{out_dir}}", exe, ours=True)
    assert unavailable(known) is None
    unknown = Converter("ours", "ours", f"{exe} -m caffe2trt_bn nosuchcommand {{deploy}} -o {{out}}", exe, ours=True)
    assert "not available" in (unavailable(unknown) or "")
    missing = Converter("ours", "ours", "no-such-program-here {deploy}", None, ours=True)
    assert "not found" in (unavailable(missing) or "")


def test_error_line_is_the_exception_of_the_last_traceback() -> None:
    stderr = (
        "warning: something\nTraceback (most recent call last):\n  File \"x.py\", line 1\n    f()\n"
        "AttributeError: module 'numpy' has no attribute 'float'.\n`np.float` was a deprecated alias\n"
    )
    run = Run(0.1, 1, 1, False, "progress\n", stderr)
    assert error_line(run) == "AttributeError: module 'numpy' has no attribute 'float'."
    assert error_line(Run(0.1, 1, 1, False, "a\nlast words\n\n", "")) == "last words"


# --- our exporter's columns, and the ResNet-152-shaped model against fold ------------------


def test_our_columns_and_the_options_a_case_needs() -> None:
    """Ours is two columns (default options, --opset 13); the case made by brocolli-caffe
    gets --fork brocolli, as the ONNX tests export it; a peer never gets a case's options."""
    from benchmarks.onnx_peers import CASE_ARGS, parse_args, peers
    from tests.export.onnx.harness import CASE_OPTIONS

    assert {name: ("--fork", str(opts["fork"])) for name, opts in CASE_OPTIONS.items()} == CASE_ARGS
    convs = {c.key: c for c in peers(Path("/w"), parse_args([]))}
    assert convs["ours-opset13"].template == convs["ours"].template + " --opset 13"
    case = case_named("fork_layers/ssd_brocolli_defaults")
    out = Path("/o/m.onnx")
    assert convs["ours-opset13"].argv(case.deploy, case.model, out, case.name)[-4:] == [
        "--opset", "13", "--fork", "brocolli"]
    assert "--fork" not in convs["ours"].argv(case.deploy, case.model, out, "resnet_inplace")
    assert "--fork" not in convs["caffe2onnx"].argv(case.deploy, case.model, out, case.name)


def test_the_launcher_samples_private_memory_only_when_asked(tmp_path: Path) -> None:
    from benchmarks.measure import run_measured

    grow = "import numpy as np, time; a = np.ones(25_000_000); time.sleep(0.3)"  # 200 MB of anonymous pages
    sampled = run_measured([sys.executable, "-c", grow], None, tmp_path, sample=0.002)
    assert sampled.exit == 0 and sampled.anon_peak is not None
    assert 190e6 <= sampled.anon_peak <= sampled.rss
    plain = run_measured([sys.executable, "-c", "pass"], None, tmp_path)
    assert plain.exit == 0 and plain.anon_peak is None


def test_ours_against_fold_rounds_and_identity(tmp_path: Path) -> None:
    """On a small case: every round has both commands' figures, every export is hashed
    (the warm-up's too) and they agree; a failing export is reported, not raised."""
    from benchmarks.onnx_peers import OURS_TEMPLATE, ours_vs_fold

    case = case_named("resnet_inplace")
    conv = Converter("ours", "ours", OURS_TEMPLATE, sys.executable, ours=True)
    vs = ours_vs_fold(conv, case.deploy, case.model, tmp_path, 2, 120, lambda _: None)
    assert vs.failure is None and len(vs.rounds) == 2
    assert len(vs.digests) == 3 and vs.identical
    assert all(r.ratio > 0 and r.export_anon and r.fold_anon for r in vs.rounds)
    assert vs.model_bytes == case.model.stat().st_size
    broken = Converter("ours", "ours", OURS_TEMPLATE + " --opset 99", sys.executable, ours=True)
    failed = ours_vs_fold(broken, case.deploy, case.model, tmp_path, 2, 120, lambda _: None)
    assert failed.rounds == [] and "opset 99 is not supported" in (failed.failure or "")


def test_the_report_checks_the_limits_against_fold() -> None:
    from benchmarks.onnx_peers import Column, OursVsFold, Round
    from benchmarks.onnx_report import short_table, vs_fold_lines

    mib = 1 << 20
    conv = Converter("ours", "caffe-bn-merge onnx", "x {out}", None, ours=True)
    fast = OursVsFold(230 * mib, [Round(1.2, 80 * mib, 40 * mib, 1.0, 80 * mib, 40 * mib),
                                  Round(1.4, 80 * mib, 42 * mib, 1.0, 80 * mib, 41 * mib),
                                  Round(3.0, 80 * mib, 44 * mib, 1.5, 80 * mib, 40 * mib)], ["a" * 64] * 4)
    text = "\n".join(vs_fold_lines(Column(conv, vs_fold=fast)))
    assert "| 1.40 (median of the 3 rounds' ratios; 1.20 to 2.00) | met |" in text
    assert "(235 MiB) | 42 MiB | met |" in text
    assert "yes: 4 exports, one sha256" in text
    slow = OursVsFold(230 * mib, [Round(1.6, 80 * mib, 300 * mib, 1.0, 80 * mib, 40 * mib)], ["a" * 64, "b" * 64])
    text = "\n".join(vs_fold_lines(Column(conv, vs_fold=slow)))
    assert text.count("**not met**") == 3 and "**no**: 2 different outputs in 2 exports" in text
    col = Column(conv, vs_fold=fast, cases={"resnet_inplace": CaseResult(MATCHES)})
    rows = short_table([col], [case_named("resnet_inplace"), case_named("branching")])
    assert rows[0].startswith("| converter | cases matching Caffe (of 2) |")
    assert rows[2] == "| caffe-bn-merge onnx | 1 | 1.40 s (fold: 1.00 s; median of 3) | 42 MiB |"
