"""Atomic output files: a failed run never leaves a half-written or clobbered output.

Every writer in this project writes through :func:`atomic_output`: the data goes to a
temporary file in the target's folder, is flushed and fsync'ed, and only then renamed
over the target (an atomic replace on POSIX).  If anything fails before the rename,
the temporary file is removed and an existing output stays untouched.
"""

from __future__ import annotations

import contextlib
import functools
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from .errors import OutputError, file_error


def check_output_path(path: str | Path, inputs: Iterable[str | Path] = ()) -> Path:
    """Refuses outputs that are directories, devices, pipes or sockets (an output
    replaces the file at its path: ``-o /dev/null`` would replace the device), missing
    folders, or one of the inputs."""
    out = Path(path)
    parent = out.parent if str(out.parent) else Path(".")
    try:
        is_dir, parent_is_dir = out.is_dir(), parent.is_dir()
        special = out.exists() and not out.is_file() and not is_dir
    except OSError as exc:  # a name too long, a symlink loop, a folder that may not be searched
        raise file_error(exc, out, writing=True) from None
    if is_dir:
        raise OutputError("output path is a directory", file=out)
    if special:
        raise OutputError("is a device, a pipe or a socket, not a file; outputs are written as new files", file=out)
    if not parent_is_dir:
        raise OutputError(f"output folder {str(parent)!r} does not exist", file=out)
    for src in inputs:
        if same_file(out, Path(src)):
            raise OutputError(f"output path is the input file {str(src)!r}; inputs are never overwritten", file=out)
    return out


def same_file(a: Path, b: Path) -> bool:
    """True when ``a`` and ``b`` name the same file (by inode when both exist)."""
    try:
        if a.exists() and b.exists():
            return os.path.samefile(a, b)
        return a.resolve() == b.resolve()
    except (OSError, RuntimeError):  # a symlink loop (RuntimeError before Python 3.13)
        return False


@contextlib.contextmanager
def atomic_output(path: str | Path, inputs: Iterable[str | Path] = ()) -> Iterator[Path]:
    """Yields a temporary path beside ``path``; renames it over ``path`` on success.

    The caller writes and closes the temporary file inside the ``with`` block; this
    function then fsyncs it, renames it, and fsyncs the folder.  An ``OSError`` on the
    way (no space left, permission denied) becomes an :class:`OutputError` naming ``path``.
    """
    out = check_output_path(path, inputs)
    parent = out.parent if str(out.parent) else Path(".")
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=parent)
    except OSError as exc:
        raise file_error(exc, out, writing=True) from None
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        fsync_path(tmp)
        # Keep the permissions a plainly created file would get (mkstemp uses 0600).
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, out)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        # Disk full, permissions, I/O errors: a user-facing error naming the output.
        if isinstance(exc, OSError):
            raise file_error(exc, out, writing=True) from None
        raise
    with contextlib.suppress(OSError):
        fsync_path(parent, directory=True)


#: ``sync_file_range`` flag: start writing the dirty pages of the range, do not wait.
SYNC_FILE_RANGE_WRITE = 2


def start_writeback(fd: int, offset: int, length: int) -> None:
    """Asks the kernel to start writing ``length`` bytes at ``offset`` of ``fd`` to disk,
    without waiting (Linux ``sync_file_range``; nothing elsewhere, and errors are ignored).

    A writer that streams a large output calls it as it goes: the disk then works while
    the rest is computed, and the fsync of :func:`atomic_output`, which is what makes the
    file durable, finds little left to write.
    """
    call = _sync_file_range()
    if call is not None:
        call(fd, offset, length, SYNC_FILE_RANGE_WRITE)


@functools.cache
def _sync_file_range() -> Callable[[int, int, int, int], int] | None:
    """libc's ``sync_file_range``, or None where there is none (not Linux)."""
    import ctypes  # numpy imports it already

    try:
        function = ctypes.CDLL(None, use_errno=True).sync_file_range
    except (AttributeError, OSError, TypeError):
        return None
    function.argtypes = (ctypes.c_int, ctypes.c_int64, ctypes.c_int64, ctypes.c_uint)
    function.restype = ctypes.c_int
    return function  # type: ignore[no-any-return]


def fsync_path(path: Path, *, directory: bool = False) -> None:
    fd = os.open(path, os.O_RDONLY | (os.O_DIRECTORY if directory else 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_bytes_atomic(path: str | Path, data: bytes, inputs: Iterable[str | Path] = ()) -> Path:
    """Writes ``data`` to ``path`` atomically."""
    with atomic_output(path, inputs) as tmp:
        with open(tmp, "wb") as f:
            f.write(data)
    return Path(path)
