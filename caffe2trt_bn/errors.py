"""User-facing error and warning types.

Every problem caused by the input (a bad file, a model that cannot be converted, a
prototxt syntax error) is raised as a :class:`Caffe2TrtError` subclass.  The CLI prints
such errors as one line without a traceback and exits 1; any other exception is a bug
in this project and keeps its traceback.

Messages name where the problem is: the file, then the layer (and channel, line and
column where they apply), then what is wrong.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


class Caffe2TrtError(Exception):
    """Base class of every error caused by the user's input.

    ``file``, ``layer``, ``channel``, ``line`` and ``column`` are optional context that
    :meth:`__str__` puts in front of the message, so the one-line rendering always says
    where the problem is.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | Path | None = None,
        layer: str | None = None,
        channel: int | None = None,
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.file = str(file) if file is not None else None
        self.layer = layer
        self.channel = channel
        self.line = line
        self.column = column

    def with_context(
        self, *, file: str | Path | None = None, layer: str | None = None
    ) -> "Caffe2TrtError":
        """Fills in file or layer context that the raiser did not know; returns self."""
        if self.file is None and file is not None:
            self.file = str(file)
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


class PrototxtSyntaxError(Caffe2TrtError):
    """A prototxt that is not valid protobuf text format; carries line and column."""


class GraphError(Caffe2TrtError):
    """A net whose structure is wrong: unknown bottoms, duplicate names, missing weights."""


class ModelValueError(Caffe2TrtError):
    """Weights that cannot give a usable result: NaN/Inf, non-positive variance, bad sizes."""


class OutputError(Caffe2TrtError):
    """An output path that cannot be written (unknown suffix, a directory, an input file)."""


class StrictModeError(Caffe2TrtError):
    """A warning promoted to an error by ``strict=True`` / ``--strict``."""


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


@dataclass(frozen=True)
class Diagnostic:
    """A warning about the model: the result is written, but the user should know.

    ``code`` is a stable identifier (e.g. ``use_global_stats_false``) for ``--json``
    consumers; ``layer`` names the layer concerned, ``message`` says what and why;
    ``line`` is the prototxt line concerned, for warnings about what a file says where
    (``unknown_field``).
    """

    code: str
    message: str
    layer: str | None = None
    file: str | None = None
    line: int | None = None

    def __str__(self) -> str:
        # The code in brackets names the warning, as in --json and in the --strict error.
        where = ""
        if self.file:
            where = f"{self.file}:{self.line}: " if self.line is not None else f"{self.file}: "
        if self.layer is not None:
            where += f"layer {self.layer!r}: "
        return f"warning: {where}{self.message} [{self.code}]".replace("\n", " ")

    def to_json(self) -> dict[str, str | int | None]:
        out: dict[str, str | int | None] = {"code": self.code, "layer": self.layer, "file": self.file}
        if self.line is not None:  # only warnings about a place in a file carry it
            out["line"] = self.line
        out["message"] = self.message
        return out

    def as_error(self) -> StrictModeError:
        return StrictModeError(
            f"{self.message} (warning {self.code}, an error under --strict or strict=True)",
            file=self.file,
            layer=self.layer,
            line=self.line,
        )


class Caffe2TrtWarning(UserWarning):
    """Category of the Python warnings the API functions issue for model diagnostics."""


def issue_warnings(diagnostics: "list[Diagnostic]", stacklevel: int = 3) -> None:
    """Issues each diagnostic as a :class:`Caffe2TrtWarning` (the API's way to report
    them; the command line prints them itself and silences these)."""
    import warnings

    for d in diagnostics:
        warnings.warn(str(d), Caffe2TrtWarning, stacklevel=stacklevel)
