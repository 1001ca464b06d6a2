"""``caffe-bn-merge``: the command-line front end (nothing in the package imports it).

``caffe-bn-merge DEPLOY CAFFEMODEL`` runs the main job (:mod:`.merge`); the first
argument may instead name a command, each in its own module with a ``run(argv)``
function: ``to-deploy``, ``fold``, ``inspect``, ``onnx``.

Exit codes: 0 success, 1 a user error (bad or missing file, a model that cannot be
converted; printed as one line, no traceback), 2 a usage error.  Any other exception
is a bug and keeps its traceback.  With ``--json`` a failure also prints a JSON object on
standard output (:func:`failure_json`), so scripts always get JSON.

Model warnings are printed by :func:`print_warnings`: one line per warning code (a
summary when a code concerns several layers), every line with ``-v``.
"""

from __future__ import annotations

import argparse
import errno
import importlib
import os
import signal
import sys
import threading
import warnings
from collections.abc import Sequence
from typing import NoReturn, TextIO

from ..errors import (
    INFO,
    LABELS,
    RISK,
    Caffe2TrtError,
    Caffe2TrtWarning,
    Diagnostic,
    DiagnosticSummary,
    StrictModeError,
    summarize,
)
from ..policy import entry_point

PROG = "caffe-bn-merge"

#: Command name -> module (under this package) whose ``run(argv) -> int`` handles it.
COMMANDS: dict[str, str] = {"to-deploy": "to_deploy", "fold": "fold", "inspect": "inspect", "onnx": "onnx"}


class ArgumentParser(argparse.ArgumentParser):
    """``argparse.ArgumentParser`` whose usage errors (exit 2) also print the ``--json``
    failure object on standard output when the command line holds ``--json``."""

    _json = False

    # typeshed declares parse_known_args as overloads generic in the namespace's type;
    # every caller here passes the default namespace, so one signature is enough.
    def parse_known_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        self._json = json_requested(sys.argv[1:] if args is None else args)
        return super().parse_known_args(args, namespace)

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        line = f"{self.prog}: error: {message}"
        print(line, file=sys.stderr)
        if self._json:
            print_json(failure_json(line, "usage", 2))
        self.exit(2)


def json_requested(argv: Sequence[str]) -> bool:
    """Whether ``--json`` is among the options of ``argv`` (not after ``--``)."""
    args = list(argv)
    return "--json" in (args[: args.index("--")] if "--" in args else args)


def failure_json(line: str, code: str, status: int, exc: Caffe2TrtError | None = None) -> dict[str, object]:
    """What ``--json`` prints on standard output when a run fails: the error ``line`` as
    printed on standard error, its stable ``code`` (``Caffe2TrtError.code``, ``usage``,
    ``interrupted``, ...), the exit status, and where the error is, when known."""
    out: dict[str, object] = {"error": line, "code": code, "exit_status": status}
    if exc is not None:
        out.update(file=exc.file, layer=exc.layer, channel=exc.channel, line=exc.line, column=exc.column)
        if isinstance(exc, StrictModeError):
            out["warning"] = exc.diagnostic.to_json()
    return out


def add_output_options(
    p: argparse.ArgumentParser, verbose: str = "print more detail (why layers were not fused, eps)"
) -> None:
    """The options every command that reports on a model shares (``verbose``: what -v adds)."""
    loudness = p.add_mutually_exclusive_group()
    loudness.add_argument("-q", "--quiet", action="store_true", help="print nothing but warnings and errors")
    loudness.add_argument("-v", "--verbose", action="store_true", help=verbose)
    p.add_argument("--json", action="store_true", help="print a machine-readable JSON summary on stdout")
    p.add_argument(
        "--strict", action="store_true", help="treat warnings that are risks as errors (exit 1, nothing written; notes never are)"
    )


#: How many layer names a summary line shows before "and N more".
SUMMARY_NAMES = 3


def print_warnings(diagnostics: Sequence[Diagnostic], *, verbose: bool = False, quiet: bool = False) -> None:
    """Prints model warnings on standard error.

    Risks come first.  With ``verbose``, every diagnostic on its own line.  Otherwise one line per code: a
    summary (:func:`summary_line`) when the code concerns several layers, else that
    layer's own line(s).  ``quiet`` leaves out information (notes), keeping the risks.
    """
    # Risks first, then information; each in the order found.
    shown = sorted((d for d in diagnostics if not (quiet and d.severity == INFO)), key=lambda d: d.severity != RISK)
    summaries = {s.code: s for s in summarize(shown)}
    done: set[str] = set()
    for d in shown:
        s = summaries[d.code]
        if verbose or len(s.layers) < 2:
            print(f"{PROG}: {d}", file=sys.stderr)
        elif d.code not in done:
            done.add(d.code)
            print(f"{PROG}: {summary_line(s)}", file=sys.stderr)


def summary_line(s: DiagnosticSummary) -> str:
    """``note: net.caffemodel: 41 layers (97 channels) with <title>: 'a', 'b', 'c' and 38
    more (-v lists each) [small_variance]`` (``warning:`` for a risk)."""
    label = LABELS[s.severity]
    where = f"{', '.join(s.files)}: " if s.files else ""
    what = f"{len(s.layers)} layers"
    if s.channels is not None:
        what += f" ({s.channels} channel{'s' if s.channels != 1 else ''})"
    names = ", ".join(repr(name) for name in s.layers[:SUMMARY_NAMES])
    if len(s.layers) > SUMMARY_NAMES:
        names += f" and {len(s.layers) - SUMMARY_NAMES} more"
    return f"{label}: {where}{what} with {s.title}: {names} (-v lists each) [{s.code}]"


def warnings_json(diagnostics: Sequence[Diagnostic]) -> dict[str, object]:
    """The ``--json`` entries of the model warnings: every diagnostic, and one summary per code."""
    return {
        "warnings": [d.to_json() for d in diagnostics],
        "warning_summary": [s.to_json() for s in summarize(diagnostics)],
    }


def warning_counts(diagnostics: Sequence[Diagnostic]) -> str:
    """``3 warning(s)``, with ``, 41 note(s)`` when there are notes: the end of a report."""
    notes = sum(1 for d in diagnostics if d.severity == INFO)
    text = f"{len(diagnostics) - notes} warning(s)"
    return text + (f", {notes} note(s)" if notes else "")


def print_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    for r in [header, *rows]:
        print("  ".join(str(c).ljust(w) for c, w in zip(r, widths)).rstrip())


def print_json(value: object, file: TextIO | None = None) -> None:
    """Prints a ``--json`` report (json is imported only by the runs that print one)."""
    import json

    print(json.dumps(value, indent=1), file=file)


class _Terminated(BaseException):
    """SIGTERM, raised in the main thread so that outputs are cleaned up as for Ctrl-C."""


def _terminate(signum: int, frame: object) -> None:
    raise _Terminated


def _catch_sigterm() -> bool:
    """Installs :func:`_terminate` for SIGTERM unless a handler is set already (or this is
    not the main thread, where handlers cannot be set); whether it did."""
    if threading.current_thread() is not threading.main_thread():
        return False
    if signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL:
        return False
    signal.signal(signal.SIGTERM, _terminate)
    return True


#: What a failing write says (a full disk or device, an I/O error, a closed descriptor).
_WRITE_ERRNOS = frozenset({errno.ENOSPC, errno.EIO, errno.EDQUOT, errno.EFBIG, errno.EBADF})


def _stdout_failure(exc: OSError) -> bool:
    """Whether ``exc`` is standard output failing: every file this tool opens reports its
    own errors by name (``errors.file_error``), so a write error without a file name that
    gets this far comes from standard output."""
    return exc.filename is None and exc.errno in _WRITE_ERRNOS


def _report_stdout_failure(exc: OSError) -> None:
    print(f"{PROG}: error: cannot write to standard output: {exc.strerror or exc}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``caffe-bn-merge`` and ``python -m caffe2trt_bn``."""
    args = list(sys.argv[1:] if argv is None else argv)
    for stream in (sys.stdout, sys.stderr):
        # Names from files may hold any bytes (decoded with surrogateescape).
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    if args in (["--version"], ["-V"]):
        from .. import __version__

        print(f"{PROG} {__version__}")
        return 0
    as_json = json_requested(args)

    def fail(line: str, code: str, status: int, exc: Caffe2TrtError | None = None) -> int:
        print(line, file=sys.stderr)
        if as_json:
            print_json(failure_json(line, code, status, exc))
        return status

    module = COMMANDS.get(args[0]) if args else None
    if module is None and args and not os.path.exists(args[0]):
        import difflib  # only for a mistyped command

        close = difflib.get_close_matches(args[0], COMMANDS, n=1, cutoff=0.75)
        if close:
            return fail(f"{PROG}: error: unknown command {args[0]!r}; did you mean {close[0]!r}?", "usage", 2)
    caught = _catch_sigterm()
    try:
        return _run_command(module, args)
    except Caffe2TrtError as exc:
        return fail(f"{PROG}: error: {exc}", exc.code, 1, exc)
    except KeyboardInterrupt:
        return fail(f"{PROG}: interrupted", "interrupted", 130)
    except _Terminated:
        return fail(f"{PROG}: terminated", "terminated", 128 + signal.SIGTERM)
    except BrokenPipeError:
        # The reader went away (`... | head`): stop quietly, as other command-line tools do.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    except OSError as exc:
        if not _stdout_failure(exc):
            raise  # not the user's doing: a bug, with its traceback
        _report_stdout_failure(exc)
        return 1
    finally:
        if caught:  # main() may run inside a longer-lived process
            signal.signal(signal.SIGTERM, signal.SIG_DFL)


@entry_point(issue=False)
def _run_command(module: str | None, args: list[str]) -> int:
    """Runs the command ``module`` (the merge when None) on ``args``, under the entry-point
    policy (:mod:`caffe2trt_bn.policy`: the collector paused for the whole run, numpy's
    floating-point warnings off).  Model warnings are printed by each command; their
    Python form is for API users, so it is silenced here."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Caffe2TrtWarning)
        if module is not None:
            return int(importlib.import_module(f".{module}", __name__).run(args[1:]))
        from .merge import run

        return run(args)


def console() -> None:
    """The installed command: :func:`main`, then exit without the interpreter's teardown.

    Every output is closed and fsync'ed by then; freeing the model's objects one by one
    at exit would only cost time (tens of milliseconds on a large net).
    """
    code = main()
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        code = code or 1
    except OSError as exc:
        _report_stdout_failure(exc)
        code = code or 1
    try:
        sys.stderr.flush()
    except OSError:
        code = code or 1
    os._exit(code)
