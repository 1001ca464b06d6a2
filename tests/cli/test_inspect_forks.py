"""``inspect`` lists, per layer the Caffe forks disagree on, whose semantics the ONNX
export follows and why, with the same ``--fork`` choices as ``onnx``: the decision is
the exporter's own (one function, :func:`caffe2trt_bn.ir.forks.fork_semantics`)."""

from __future__ import annotations

import contextlib
import io
import json
import shutil
import warnings
from pathlib import Path

import pytest
from conftest import FIXTURES

from caffe2trt_bn.cli import main
from caffe2trt_bn.errors import Caffe2TrtError
from caffe2trt_bn.passes.inspect import inspect_net

FORK_LAYERS = FIXTURES / "fork_layers"
FORK_CASES = sorted(p.parent.name for p in FORK_LAYERS.glob("*/net.caffemodel"))
CHOICES: list[tuple[str, ...]] = [(), ("ssd",), ("brocolli",), ("segnet",), ("ssd", "segnet")]


def run(*argv: str | Path) -> tuple[int, str, str]:
    """``caffe-bn-merge ARGV`` in this process: (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(a) for a in argv])
    return code, out.getvalue(), err.getvalue()


def _case(name: str) -> tuple[Path, Path]:
    return FORK_LAYERS / name / "deploy.prototxt", FORK_LAYERS / name / "net.caffemodel"


@pytest.mark.parametrize("case", FORK_CASES)
def test_inspect_lists_the_exporters_decisions(case: str, tmp_path: Path) -> None:
    """On every fork case and every --fork choice, inspect's rows are the decisions the
    export took (same layers, forks, sources and reasons)."""
    from caffe2trt_bn.export.onnx import to_onnx

    proto, model = _case(case)
    compared = 0
    for forks in CHOICES:
        listed = [s.to_json() for s in inspect_net(proto, model, fork=forks).fork_semantics]
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                report = to_onnx(proto, model, tmp_path / "m.onnx", fork=forks)
        except Caffe2TrtError as exc:
            # Only a fork choice that contradicts the fields may fail (brocolli on SegNet fields).
            assert "brocolli" in forks and "--fork brocolli" in str(exc), exc
            continue
        assert listed == [s.to_json() for s in report.fork_semantics], forks
        compared += 1
    assert compared >= 3


def test_fork_choices_change_the_listing(capsys: pytest.CaptureFixture[str]) -> None:
    proto, model = _case("ssd_brocolli_defaults")
    code, out, _ = run("inspect", proto, model)
    assert code == 0
    rows = {line.split()[0]: line for line in out.splitlines() if line.startswith(("f_priorbox", "det_all"))}
    assert set(rows) == {"f_priorbox", "det_all", "det_all_keep"}
    assert " ssd " in rows["f_priorbox"] and "clip: false" in rows["f_priorbox"] and "not written" in rows["f_priorbox"]
    code, out, _ = run("inspect", proto, model, "--fork", "brocolli", "--json")
    assert code == 0
    report = json.loads(out)
    assert report["fork"] == ["brocolli"]
    by_layer = {s["layer"]: s for s in report["fork_semantics"]}
    assert by_layer["f_priorbox"]["fork"] == "brocolli" and by_layer["f_priorbox"]["source"] == "option"
    assert by_layer["f_priorbox"]["semantics"].startswith("clip: true")
    assert by_layer["det_all"]["semantics"].startswith("no NMS")
    assert all(s["warning"] is None for s in report["fork_semantics"])
    # A written field decides whatever the option.
    proto2, model2 = _case("priorbox_variants")
    written = inspect_net(proto2, model2, fork=("brocolli",)).fork_semantics
    assert written and all(s.source == "field" and s.fork == "any" for s in written)


def test_the_undecided_upsample_is_listed_with_what_to_pass(tmp_path: Path) -> None:
    folder = tmp_path / "case"
    shutil.copytree(FORK_LAYERS / "upsample_pixelshuffle", folder)
    proto = folder / "deploy.prototxt"
    old = 'type: "Upsample" bottom: "data" top: "up2"'
    assert old in proto.read_text()
    proto.write_text(proto.read_text().replace(old, 'type: "Upsample" bottom: "data" bottom: "data" top: "up2"'))
    model = folder / "net.caffemodel"
    code, out, _ = run("inspect", proto, model, "--json")
    assert code == (0 if inspect_net(proto, model).convertible else 1)  # the merge's verdict, whatever the forks
    (up2,) = [s for s in json.loads(out)["fork_semantics"] if s["layer"] == "up2"]
    assert up2["fork"] is None and up2["source"] == "undecided"
    assert "--fork segnet" in up2["error"] and "--fork brocolli" in up2["error"]
    _, out, _ = run("inspect", proto, model, "--fork", "segnet")
    row = next(line for line in out.splitlines() if line.startswith("up2 "))
    assert " segnet " in row and "--fork segnet given" in row
    _, out, _ = run("inspect", proto, model, "--fork", "brocolli")
    row = next(line for line in out.splitlines() if line.startswith("up2 "))
    assert " brocolli " in row and "nearest" in row


def test_inspect_fork_options_are_checked(capsys: pytest.CaptureFixture[str]) -> None:
    proto, model = _case("ssd_bn_three_scale")
    code, _, err = run("inspect", proto, model, "--fork", "ssd", "--fork", "brocolli")
    assert code == 1 and "--fork ssd and --fork brocolli disagree" in err and err.count("\n") == 1
    with pytest.raises(SystemExit) as info:
        run("inspect", proto, model, "--fork", "caffe")
    assert info.value.code == 2


def test_a_net_without_fork_layers_lists_none(capsys: pytest.CaptureFixture[str]) -> None:
    proto, model = FIXTURES / "resnet_inplace" / "deploy.prototxt", FIXTURES / "resnet_inplace" / "net.caffemodel"
    code, out, _ = run("inspect", proto, model, "--json")
    assert code == 0 and json.loads(out)["fork_semantics"] == []
    code, out, _ = run("inspect", proto, model)
    assert "forks disagree" not in out


def test_the_failure_line_is_the_reports(tmp_path: Path) -> None:
    """The CLI prints the pass's verdict (Report.failure), it does not compute it."""
    proto, model = _case("stand_in_layers")  # no BatchNorm: the merge refuses it
    report = inspect_net(proto, model)
    assert report.failure is not None and report.failure.startswith("error: ")
    code, out, err = run("inspect", proto, model)
    assert code == 1 and err.splitlines()[-1] == f"caffe-bn-merge: {report.failure}"
    assert "interp_ref" in out  # the fork rows are printed even so


def test_a_layer_whose_parameters_cannot_be_read_is_listed_with_the_error(tmp_path: Path) -> None:
    folder = tmp_path / "case"
    shutil.copytree(FORK_LAYERS / "priorbox_variants", folder)
    proto = folder / "deploy.prototxt"
    text = proto.read_text()
    assert "clip: false" in text
    proto.write_text(text.replace("clip: false", "clip: maybe", 1))
    report = inspect_net(proto, folder / "net.caffemodel")
    (bad,) = [s for s in report.fork_semantics if s.source == "undecided"]
    assert bad.fork is None and bad.error is not None
    assert "field 'clip': expected a boolean" in bad.error and f"layer '{bad.layer}'" in bad.error
