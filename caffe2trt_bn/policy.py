"""One policy for every public entry point: the collector, numpy's error state, strict mode.

The public functions (the facade's :func:`~caffe2trt_bn.extract`,
:func:`~caffe2trt_bn.fold`, :func:`~caffe2trt_bn.to_deploy`, :func:`~caffe2trt_bn.to_onnx`,
:func:`~caffe2trt_bn.save`, :func:`~caffe2trt_bn.bn_to_scale`, ... and the command
line's ``main``) are decorated with :func:`entry_point`, which applies, once, for the
whole call:

* **The cyclic collector is paused** (:func:`gc_paused`).  Loading a net creates tens of
  thousands of small objects (prototxt nodes, layers, blob versions, stored layers) and
  no reference cycles, so the collector's passes over them find nothing; while they run
  they cost a fifth of a load or more, the more so as the parsed tree grows (a full pass
  visits every object alive).  Freeing the net inside the pause, too, keeps one of those
  passes from landing on it just before it goes.
* **numpy's floating-point warnings are off** (``np.errstate(all="ignore")``).  Every
  value that could overflow or be NaN is checked explicitly where it matters and
  refused or reported by name; numpy's own warnings would only add unnamed lines.  (A
  thread the call starts has numpy's default state: code run there sets its own.)
* **Model warnings follow one strict-mode rule.**  The function hands its final
  diagnostics to :func:`report` before it writes anything: with ``strict=True`` (the
  function's own keyword argument) the first that is a risk is raised as a
  :class:`~caffe2trt_bn.errors.StrictModeError` (:func:`~caffe2trt_bn.errors.enforce_strict`),
  so nothing is written; otherwise they are issued as
  :class:`~caffe2trt_bn.errors.Caffe2TrtWarning` when the function returns (unless the
  entry point returns them to its caller instead: ``issue=False``).

Entry points nest (``extract`` calls ``convert``; the command line calls the API): each
call keeps its own strict mode and diagnostics, and the collector is re-enabled only by
the call that paused it.  :func:`report` outside an entry point does nothing: the
internal functions return their diagnostics, and their callers decide.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import inspect
from collections.abc import Callable, Iterator, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, TypeVar, overload

import numpy as np

from .errors import Diagnostic, enforce_strict, issue_warnings

__all__ = ["entry_point", "gc_paused", "report"]

F = TypeVar("F", bound=Callable[..., Any])


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Disables the cyclic collector for the ``with`` block (restoring it only if it was
    enabled, so blocks nest); reference counting frees objects as usual meanwhile."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@dataclass
class _Run:
    """One call of an entry point: its strict mode and the diagnostics it reported."""

    strict: bool
    diagnostics: list[Diagnostic] = field(default_factory=list)


_RUN: ContextVar[_Run | None] = ContextVar("caffe2trt_bn_run", default=None)


def report(diagnostics: Sequence[Diagnostic]) -> None:
    """Hands the final diagnostics of the current entry point's call to its policy: under
    strict mode the first risk is raised now (call it before writing anything); the
    others are issued as warnings when the entry point returns.  Outside an entry
    point, nothing."""
    run = _RUN.get()
    if run is None:
        return
    enforce_strict(diagnostics, run.strict)
    run.diagnostics.extend(diagnostics)


@overload
def entry_point(fn: F) -> F: ...
@overload
def entry_point(*, issue: bool = True) -> Callable[[F], F]: ...
def entry_point(fn: F | None = None, *, issue: bool = True) -> F | Callable[[F], F]:
    """Decorates a public function with the policy of the module docstring.

    The call's strict mode is its keyword-only argument ``strict`` (False when absent or
    when the function has none).  ``issue=False`` is for entry points that return their
    diagnostics to the caller (the command line prints them itself) instead of issuing
    them as Python warnings.
    """

    def decorate(fn: F) -> F:
        strict_param = inspect.signature(fn).parameters.get("strict")
        if strict_param is not None and strict_param.kind is not inspect.Parameter.KEYWORD_ONLY:
            raise TypeError(f"{fn.__qualname__}: an entry point takes strict as a keyword-only argument")

        @functools.wraps(fn)
        def call(*args: Any, **kwargs: Any) -> Any:
            run = _Run(bool(kwargs.get("strict", False)))
            token = _RUN.set(run)
            try:
                with gc_paused(), np.errstate(all="ignore"):
                    result = fn(*args, **kwargs)
            finally:
                _RUN.reset(token)
            if issue and run.diagnostics:
                issue_warnings(run.diagnostics)  # attributed to the entry point's caller
            return result

        return call  # type: ignore[return-value]

    return decorate if fn is None else decorate(fn)
