"""Atomic output files: a failed or killed run never leaves a half-written or clobbered
output, nor a temporary file.

Every writer in this project writes through :func:`atomic_output`, which yields the path
of a temporary file in the target's folder; once the writer has written and closed it,
the file is fsync'ed and only then put in place, replacing the target atomically.

* On Linux the temporary file is unnamed (``open(folder, O_TMPFILE)``) and the writer
  reaches it as ``/proc/self/fd/N``.  Having no name, it cannot be left behind: when the
  run fails, is interrupted or is killed (SIGKILL, the out-of-memory killer), the kernel
  frees it.  Once complete it is linked into the folder (``linkat`` of
  ``/proc/self/fd/N``).  Over an existing target it is linked under a unique name
  ``.<name>.<random>.tmp`` and renamed over the target, since a link cannot replace a
  file: that name exists for the two system calls between link and rename only.
* Elsewhere, where the file system refuses unnamed files (``EOPNOTSUPP``; ``EISDIR`` or
  ``EINVAL`` from kernels without ``O_TMPFILE``), or without ``/proc``, the temporary
  file is named ``.<name>.<random>.tmp`` from the start and removed when the run fails;
  only a SIGKILL (or a crash of the machine) during the write can leave it behind.
"""

from __future__ import annotations

import contextlib
import functools
import os
import secrets
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from ..errors import OutputError, file_error


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


#: Whether :func:`atomic_output` tries unnamed temporary files (``O_TMPFILE``) at all; the
#: named ones are used where this is False or the file system refuses (tests switch it).
UNNAMED_TEMPORARIES = hasattr(os, "O_TMPFILE")


@contextlib.contextmanager
def atomic_output(path: str | Path, inputs: Iterable[str | Path] = ()) -> Iterator[Path]:
    """Yields the path of a temporary file beside ``path``; puts it in place on success.

    The caller writes and closes the temporary file inside the ``with`` block (opening
    it by the path yielded, which for an unnamed file is ``/proc/self/fd/N``); this
    function then fsyncs it, gives it the permissions a plainly created file would get,
    puts it in place (see the module docstring) and fsyncs the folder.  An ``OSError``
    on the way (no space left, permission denied) becomes an :class:`OutputError`
    naming ``path``; on any failure the temporary file goes and ``path`` is untouched.
    """
    out = check_output_path(path, inputs)
    parent = out.parent if str(out.parent) else Path(".")
    fd = _open_unnamed(parent)
    if fd is None:
        with _named_temporary(out, parent) as tmp:
            yield tmp
    else:
        try:
            tmp = Path(f"/proc/self/fd/{fd}")
            yield tmp
            _finish(tmp)
            _link_into_place(tmp, out, parent)
        except OSError as exc:  # disk full, permissions, I/O errors: a user error naming the output
            raise file_error(exc, out, writing=True) from None
        finally:
            os.close(fd)  # before it is linked, this frees the file
    with contextlib.suppress(OSError):
        fsync_path(parent, directory=True)


def _open_unnamed(folder: Path) -> int | None:
    """A descriptor of a new unnamed file in ``folder`` (mode 0600 until complete), or
    None where there is none: not Linux, a file system or kernel without ``O_TMPFILE``,
    or no ``/proc`` to reach it by path.  Any error falls back to a named temporary
    file, whose own error (permission denied, no space) is the one reported."""
    if not UNNAMED_TEMPORARIES:
        return None
    try:
        fd = os.open(folder, os.O_TMPFILE | os.O_RDWR | os.O_CLOEXEC, 0o600)
    except OSError:
        return None
    if not os.path.exists(f"/proc/self/fd/{fd}"):
        os.close(fd)
        return None
    return fd


@contextlib.contextmanager
def _named_temporary(out: Path, parent: Path) -> Iterator[Path]:
    """:func:`atomic_output` through a named temporary file ``.<name>.<random>.tmp``,
    removed on failure and renamed over ``out`` on success."""
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=parent)
    except OSError as exc:
        raise file_error(exc, out, writing=True) from None
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        _finish(tmp)
        os.replace(tmp, out)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        # Disk full, permissions, I/O errors: a user-facing error naming the output.
        if isinstance(exc, OSError):
            raise file_error(exc, out, writing=True) from None
        raise


def _finish(tmp: Path) -> None:
    """Makes a written temporary file durable, with the permissions a plainly created
    file would get (it was created 0600 so that no one reads it half-written)."""
    fsync_path(tmp)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)


def _link_into_place(tmp: Path, out: Path, parent: Path) -> None:
    """Links the unnamed file ``tmp`` (``/proc/self/fd/N``) at ``out``; over an existing
    ``out``, under a unique temporary name first, renamed over ``out`` at once."""
    folder = os.open(parent, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        # A dst_dir_fd makes Python call linkat(AT_SYMLINK_FOLLOW), which links the file
        # the /proc entry names; link() would try to link the /proc entry itself (EXDEV).
        try:
            os.link(tmp, out.name, dst_dir_fd=folder, follow_symlinks=True)
            return
        except FileExistsError:
            pass
        while True:
            name = f".{out.name}.{secrets.token_hex(4)}.tmp"
            try:
                os.link(tmp, name, dst_dir_fd=folder, follow_symlinks=True)
                break
            except FileExistsError:  # taken: draw another name
                continue
        try:
            os.replace(parent / name, out)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(name, dir_fd=folder)
            raise
    finally:
        os.close(folder)


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
    return function


def fsync_path(path: Path, *, directory: bool = False) -> None:
    fd = os.open(path, os.O_RDONLY | (os.O_DIRECTORY if directory else 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_bytes_atomic(path: str | Path, data: bytes, inputs: Iterable[str | Path] = ()) -> Path:
    """Writes ``data`` to ``path`` atomically."""
    with atomic_output(path, inputs) as tmp, open(tmp, "wb") as f:
        f.write(data)
    return Path(path)
