"""The entry-point policy (caffe2trt_bn.policy): collector paused, numpy quiet, strict mode once."""

from __future__ import annotations

import gc
import warnings
from pathlib import Path

import numpy as np
import pytest

import caffe2trt_bn
from caffe2trt_bn import policy
from caffe2trt_bn.errors import INFO, RISK, Caffe2TrtWarning, Diagnostic, StrictModeError

from conftest import FIXTURES

RISKY = Diagnostic("zero_factor", "never trained", "bn", "m")
NOTE = Diagnostic("small_variance", "small", "bn2", "m")
assert RISKY.severity == RISK and NOTE.severity == INFO


@policy.entry_point
def _api(diagnostics: list[Diagnostic], *, strict: bool = False) -> tuple[bool, dict[str, str]]:
    state = (gc.isenabled(), dict(np.geterr()))
    policy.report(diagnostics)
    return state


@policy.entry_point(issue=False)
def _quiet(diagnostics: list[Diagnostic], *, strict: bool = False) -> None:
    policy.report(diagnostics)


def test_the_collector_is_paused_and_numpy_quiet_for_the_call_only() -> None:
    assert gc.isenabled()
    before = dict(np.geterr())
    enabled, errors = _api([])
    assert not enabled
    assert set(errors.values()) == {"ignore"}
    assert gc.isenabled() and dict(np.geterr()) == before


def test_a_nested_entry_point_leaves_the_collector_to_the_outer_one() -> None:
    @policy.entry_point
    def outer() -> tuple[bool, bool]:
        inner_enabled = _api([])[0]
        return inner_enabled, gc.isenabled()

    assert outer() == (False, False)
    assert gc.isenabled()


def test_the_collector_comes_back_after_an_error() -> None:
    with pytest.raises(StrictModeError):
        _api([RISKY], strict=True)
    assert gc.isenabled()


def test_strict_raises_the_first_risk_before_returning() -> None:
    with pytest.raises(StrictModeError, match=r"never trained \(warning zero_factor"):
        _api([NOTE, RISKY], strict=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _api([NOTE], strict=True)  # information is never promoted
    assert [str(w.message) for w in caught] == [str(NOTE)]


def test_warnings_are_issued_once_on_return_and_name_the_caller() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _api([RISKY, NOTE])
    assert [w.message.diagnostic for w in caught] == [RISKY, NOTE]  # type: ignore[union-attr]
    assert all(w.category is Caffe2TrtWarning and w.filename == __file__ for w in caught)


def test_an_entry_point_that_returns_its_warnings_issues_none() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _quiet([RISKY])
    assert caught == []
    with pytest.raises(StrictModeError):
        _quiet([RISKY], strict=True)


def test_report_outside_an_entry_point_does_nothing() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        policy.report([RISKY])
    assert caught == []


def test_strict_must_be_keyword_only() -> None:
    with pytest.raises(TypeError, match="keyword-only"):

        @policy.entry_point
        def bad(strict: bool = False) -> None:  # pragma: no cover - never called
            pass


@pytest.mark.parametrize("name", ["extract", "fold", "to_deploy", "to_onnx", "save", "bn_to_scale", "verify_fold"])
def test_the_facade_functions_are_entry_points(name: str) -> None:
    assert getattr(getattr(caffe2trt_bn, name), "__wrapped__", None) is not None


def test_the_policy_holds_inside_the_api(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The state the inner code runs in (the net load) when called through the API."""
    import caffe2trt_bn.passes.fold as fold_module
    import caffe2trt_bn.passes.scale_weights as scale_module

    seen: list[tuple[bool, str]] = []

    def spy(load):  # type: ignore[no-untyped-def]
        def load_net(*args, **kwargs):  # type: ignore[no-untyped-def]
            seen.append((gc.isenabled(), np.geterr()["over"]))
            return load(*args, **kwargs)

        return load_net

    monkeypatch.setattr(fold_module, "load_net", spy(fold_module.load_net))
    monkeypatch.setattr(scale_module, "load_net", spy(scale_module.load_net))
    case = FIXTURES / "resnet_inplace"
    caffe2trt_bn.extract(case / "deploy.prototxt", case / "net.caffemodel")
    caffe2trt_bn.fold(case / "deploy.prototxt", case / "net.caffemodel", tmp_path / "out")
    assert seen == [(False, "ignore"), (False, "ignore")]
    assert gc.isenabled()


def test_fold_under_strict_writes_nothing(tmp_path: Path) -> None:
    case = FIXTURES / "untrained_zero_factor"
    out = tmp_path / "out"
    with pytest.raises(StrictModeError):
        caffe2trt_bn.fold(case / "deploy.prototxt", case / "net.caffemodel", out, strict=True)
    assert not out.exists()
