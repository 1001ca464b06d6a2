"""User-facing error and warning types.

Every problem caused by the input (a bad file, a model that cannot be converted, a
prototxt syntax error) is raised as a :class:`Caffe2TrtError` subclass.  The CLI prints
such errors as one line without a traceback and exits 1; any other exception is a bug
in this project and keeps its traceback.

Messages name where the problem is: the file, then the layer (and channel, line and
column where they apply), then what is wrong.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar


class Caffe2TrtError(Exception):
    """Base class of every error caused by the user's input.

    ``file``, ``layer``, ``channel``, ``line`` and ``column`` are optional context that
    :meth:`__str__` puts in front of the message, so the one-line rendering always says
    where the problem is.  ``code`` is a stable identifier of the kind of error (each
    subclass has its own), printed by ``--json`` for scripts.
    """

    code: ClassVar[str] = "input"

    def __init__(
        self,
        message: str,
        *,
        file: str | os.PathLike[str] | None = None,
        layer: str | None = None,
        channel: int | None = None,
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.file = os.fspath(file) if file is not None else None
        self.layer = layer
        self.channel = channel
        self.line = line
        self.column = column

    def with_context(
        self, *, file: str | os.PathLike[str] | None = None, layer: str | None = None
    ) -> Caffe2TrtError:
        """Fills in file or layer context that the raiser did not know; returns self."""
        if self.file is None and file is not None:
            self.file = os.fspath(file)
        if self.layer is None and layer is not None:
            self.layer = layer
        return self

    def __str__(self) -> str:
        where = ""
        if self.file is not None:
            where = self.file
            if self.line is not None:
                where += f":{self.line}"
                if self.column is not None:
                    where += f":{self.column}"
            where += ": "
        if self.layer is not None:
            where += f"layer {self.layer!r}: "
        if self.channel is not None:
            where += f"channel {self.channel}: "
        # One line, whatever the message holds.
        return (where + self.message).replace("\n", " ")


class ModelFormatError(Caffe2TrtError):
    """A binary caffemodel that is not well-formed protobuf or not a Caffe net."""

    code: ClassVar[str] = "model_format"


class PrototxtSyntaxError(Caffe2TrtError):
    """A prototxt that is not valid protobuf text format; carries line and column."""

    code: ClassVar[str] = "prototxt_syntax"


class GraphError(Caffe2TrtError):
    """A net whose structure is wrong: unknown bottoms, duplicate names, missing weights."""

    code: ClassVar[str] = "graph"


class NoHandlerError(GraphError):
    """A layer whose type has no handler for the job at hand (a
    :class:`~caffe2trt_bn.ir.registry.Registry` lookup): ``layer_type`` names it.  Its
    ``code`` is :class:`GraphError`'s: it is a net the job cannot take."""

    def __init__(
        self,
        message: str,
        *,
        layer_type: str,
        file: str | Path | None = None,
        layer: str | None = None,
        line: int | None = None,
    ) -> None:
        super().__init__(message, file=file, layer=layer, line=line)
        self.layer_type = layer_type


class ModelValueError(Caffe2TrtError):
    """Weights that cannot give a usable result: NaN/Inf, non-positive variance, bad sizes."""

    code: ClassVar[str] = "model_value"


class OutputError(Caffe2TrtError):
    """An output path that cannot be written (unknown suffix, a directory, an input file)."""

    code: ClassVar[str] = "output"


class StrictModeError(Caffe2TrtError):
    """A warning promoted to an error by ``strict=True`` / ``--strict``; ``diagnostic``
    is that warning."""

    code: ClassVar[str] = "strict"

    def __init__(
        self,
        message: str,
        *,
        diagnostic: Diagnostic,
        file: str | None = None,
        layer: str | None = None,
        line: int | None = None,
    ) -> None:
        super().__init__(message, file=file, layer=layer, line=line)
        self.diagnostic = diagnostic


class NoBatchNormError(GraphError):
    """The merge was given a net with no BatchNorm-like layer: nothing to write."""

    code: ClassVar[str] = "no_batchnorm"


def file_error(
    exc: OSError, path: str | Path, *, what: str = "file", writing: bool = False
) -> Caffe2TrtError:
    """The one-line user error for an ``OSError`` met opening, reading or writing ``path``.

    ``what`` names the kind of file expected (``"prototxt"``, ``"caffemodel"``), so a
    directory given in its place says so; ``writing`` makes it an :class:`OutputError`.
    """
    cls = OutputError if writing else Caffe2TrtError
    if isinstance(exc, FileNotFoundError) and not writing:
        message = "no such file"
    elif isinstance(exc, IsADirectoryError):
        message = f"is a directory, not a {what}"
    elif isinstance(exc, NotADirectoryError) and not writing:
        message = "no such file (a part of the path is not a folder)"
    elif isinstance(exc, PermissionError):
        message = "permission denied"
    else:
        verb = "cannot write" if writing else "cannot read"
        message = f"{verb}: {exc.strerror or exc}"
    return cls(message, file=path)


#: Severity of a warning whose weights may compute something other than what the user
#: expects: ``--strict`` / ``strict=True`` make it an error.
RISK = "risk"
#: Severity of a warning that is normal in trained nets and changes nothing the user
#: relies on: printed as a note, listed by ``--json`` and ``-v``, never an error.
INFO = "info"
#: The word printed before each kind: ``caffe-bn-merge: warning: ...``, ``... note: ...``.
LABELS = {RISK: "warning", INFO: "note"}


@dataclass(frozen=True)
class WarningKind:
    """What a warning code means: its ``severity`` (:data:`RISK` or :data:`INFO`) and a
    ``title`` that names what it reports in a summary line (``<title> in 41 layers``)."""

    severity: str
    title: str


#: Every warning code with its severity: the one place that decides what ``--strict``
#: promotes (docs/errors.md's warnings table gives the reasoning of each).  A code missing
#: here counts as a risk.
WARNING_KINDS: dict[str, WarningKind] = {
    # The weights use the stored statistics; Caffe would normalise with each batch's own.
    "use_global_stats_false": WarningKind(
        RISK,
        "use_global_stats: false (Caffe would normalise with each batch's statistics; "
        "`caffe-bn-merge to-deploy` fixes it)",
    ),
    # What Caffe computes, but from statistics never accumulated: x/sqrt(eps), 316x the input.
    "zero_factor": WarningKind(RISK, "a moving-average factor of 0 (never trained: Caffe uses mean = variance = 0)"),
    # No training run stores a negative variance: damaged or hand-edited statistics.
    "negative_variance": WarningKind(
        RISK, "a negative variance (damaged or edited statistics; only eps keeps the result finite)"
    ),
    # A dead channel: its input hardly varies, so its output is about its shift either way.
    "small_variance": WarningKind(
        INFO, "a variance below eps (eps, not the data, sets the scale; typical of dead channels)"
    ),
    # An FP16 engine computes infinities.
    "fp16_overflow": WarningKind(RISK, "a scale or shift beyond the FP16 range (an FP16 engine overflows)"),
    # |scale| * 65504 >= 2**-26: large enough FP16 inputs may show x*scale, which FP16 loses.
    "fp16_underflow": WarningKind(
        RISK, "a scale below FP16's smallest value that an FP16 engine loses, changing outputs for large inputs"
    ),
    # |scale| * 65504 < 2**-26: x*scale rounds away for every FP16 input, zeroed or not.
    "fp16_underflow_negligible": WarningKind(
        INFO, "a scale so small that an FP16 engine zeroes it with no effect on any output"
    ),
    # NVIDIA Caffe itself computes with 1e-5, as the model was trained and validated.
    "eps_raised": WarningKind(INFO, "an eps below NVIDIA Caffe's minimum, raised to 1e-5 as that fork does"),
    # NVIDIA Caffe and OpenCV refuse such a layer: no runtime says scale and bias apply.
    "scale_bias_unset": WarningKind(
        RISK, "NVIDIA Caffe's scale and bias applied though the prototxt does not set scale_bias"
    ),
    # The stages chosen (the net's own state) may not be those the user loads the net with.
    "stage_rule": WarningKind(RISK, "include/exclude rules on stage or level (evaluated for TEST at level 0)"),
    # An explicit request that was not honoured.
    "input_shape_unused": WarningKind(RISK, "--input-shape unused (the net has no data layer)"),
    # A misspelt field is a parameter the user set that nothing applies.
    "unknown_field": WarningKind(RISK, "fields Caffe does not know (misspelt?)"),
    # Two stored layers of one name: which weights were meant is unsure.
    "duplicate_stored_layer": WarningKind(RISK, "a second stored copy in the caffemodel"),
    # onnx: the other fork's default computes other boxes.
    "fork_default": WarningKind(RISK, "a fork default the prototxt does not write (the forks disagree; see --fork)"),
    # onnx: runs in ONNX Runtime, but TensorRT does not build it.
    "tensorrt_topk": WarningKind(RISK, "a TopK of 3840 or more that TensorRT's TopK cannot build"),
    # onnx: a runtime that scatters out of order computes other values where an index repeats.
    "unpool_order": WarningKind(RISK, "an unpooling mask of unknown origin (repeated indices: order left to the runtime)"),
}


def warning_kind(code: str) -> WarningKind:
    """The :class:`WarningKind` of ``code``; an unlisted code is a risk."""
    return WARNING_KINDS.get(code) or WarningKind(RISK, code)


@dataclass(frozen=True)
class Diagnostic:
    """A warning about the model: the result is written, but the user should know.

    ``code`` is a stable identifier (e.g. ``use_global_stats_false``) for ``--json``
    consumers, with a severity (:data:`WARNING_KINDS`); ``layer`` names the layer
    concerned, ``message`` says what and why; ``line`` is the prototxt line concerned,
    for warnings about what a file says where (``unknown_field``); ``channels`` how many
    channels it concerns (None when it is not about channels).
    """

    code: str
    message: str
    layer: str | None = None
    file: str | None = None
    line: int | None = None
    channels: int | None = field(default=None, kw_only=True)

    @property
    def severity(self) -> str:
        return warning_kind(self.code).severity

    def __str__(self) -> str:
        # The code in brackets names the warning, as in --json and in the --strict error.
        where = ""
        if self.file:
            where = f"{self.file}:{self.line}: " if self.line is not None else f"{self.file}: "
        if self.layer is not None:
            where += f"layer {self.layer!r}: "
        return f"{LABELS[self.severity]}: {where}{self.message} [{self.code}]".replace("\n", " ")

    def to_json(self) -> dict[str, str | int | None]:
        out: dict[str, str | int | None] = {
            "code": self.code,
            "severity": self.severity,
            "layer": self.layer,
            "file": self.file,
        }
        if self.line is not None:  # only warnings about a place in a file carry it
            out["line"] = self.line
        out["channels"] = self.channels
        out["message"] = self.message
        return out

    def as_error(self) -> StrictModeError:
        return StrictModeError(
            f"{self.message} (warning {self.code}, an error under --strict or strict=True)",
            diagnostic=self,
            file=self.file,
            layer=self.layer,
            line=self.line,
        )


def enforce_strict(diagnostics: Sequence[Diagnostic], strict: bool) -> None:
    """The strict-mode policy, for every command and API function: with ``strict``, the
    first diagnostic that is a :data:`RISK` is raised as a :class:`StrictModeError`;
    information (:data:`INFO`) never is."""
    if strict:
        for d in diagnostics:
            if d.severity == RISK:
                raise d.as_error()


@dataclass
class DiagnosticSummary:
    """The diagnostics of one code taken together: what a summary line and ``--json``'s
    ``warning_summary`` show.  ``layers`` are the distinct layers named, in order;
    ``channels`` the sum of the channel counts (None when no diagnostic counts any)."""

    code: str
    severity: str
    title: str
    count: int
    files: list[str]
    layers: list[str]
    channels: int | None

    def to_json(self) -> dict[str, object]:
        return {
            "code": self.code,
            "severity": self.severity,
            "title": self.title,
            "count": self.count,
            "files": self.files,
            "layers": self.layers,
            "channels": self.channels,
        }


def summarize(diagnostics: Sequence[Diagnostic]) -> list[DiagnosticSummary]:
    """One :class:`DiagnosticSummary` per code, in the order codes first occur."""
    out: dict[str, DiagnosticSummary] = {}
    for d in diagnostics:
        kind = warning_kind(d.code)
        s = out.get(d.code)
        if s is None:
            s = out[d.code] = DiagnosticSummary(d.code, kind.severity, kind.title, 0, [], [], None)
        s.count += 1
        if d.file is not None and d.file not in s.files:
            s.files.append(d.file)
        if d.layer is not None and d.layer not in s.layers:
            s.layers.append(d.layer)
        if d.channels is not None:
            s.channels = (s.channels or 0) + d.channels
    return list(out.values())


class Caffe2TrtWarning(UserWarning):
    """Category of the Python warnings the API functions issue for model diagnostics,
    one per diagnostic, information included (``strict=True`` raises risks only);
    ``diagnostic`` is the :class:`Diagnostic` (its ``code`` and ``severity``)."""

    diagnostic: Diagnostic | None = None


def issue_warnings(diagnostics: Sequence[Diagnostic], stacklevel: int = 3) -> None:
    """Issues each diagnostic as a :class:`Caffe2TrtWarning` (the API's way to report
    them; the command line prints them itself and silences these)."""
    import warnings

    for d in diagnostics:
        w = Caffe2TrtWarning(str(d))
        w.diagnostic = d
        warnings.warn(w, stacklevel=stacklevel)
