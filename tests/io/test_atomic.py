"""Outputs are atomic and inputs are read-only.

A writer that fails part-way (disk full, an I/O error, an interrupt) must leave an
existing output byte for byte as it was and no temporary file behind; the temporary
file lives in the target's folder (so that putting it in place is atomic) and is only
put in place after it was flushed and fsync'ed.  Both ways of holding it are tested: an
unnamed file (Linux ``O_TMPFILE``, the default where the file system has it) and a
named hidden file (elsewhere, forced here by switching ``atomic.UNNAMED_TEMPORARIES``
off).  ``tests/robustness/test_killed.py`` kills runs with SIGKILL.  The inputs are opened
read-only (checked with Python's audit hooks in a child process) and never change.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import signal
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from caffe2trt_bn.io import atomic
from caffe2trt_bn.io.atomic import atomic_output, check_output_path, write_bytes_atomic
from caffe2trt_bn.errors import OutputError
from caffe2trt_bn.export import h5 as h5_module
from caffe2trt_bn.export import npz as npz_module
from caffe2trt_bn.export import save
from caffe2trt_bn.passes.scale_weights import ScaleWeights, convert

from conftest import FIXTURES, ROOT

RESNET = FIXTURES / "resnet_inplace"
SENTINEL = b"the output of an earlier, successful run\n"
ENOSPC = OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


@pytest.fixture(scope="module")
def weights() -> list[ScaleWeights]:
    result = convert(RESNET / "deploy.prototxt", RESNET / "net.caffemodel")
    assert len(result.weights) == 3  # several groups, so a writer can fail between them
    return result.weights


def unnamed_supported(folder: Path) -> bool:
    """Whether ``folder``'s file system makes unnamed files reachable through /proc."""
    if not hasattr(os, "O_TMPFILE") or not Path("/proc/self/fd").is_dir():
        return False
    try:
        fd = os.open(folder, os.O_TMPFILE | os.O_WRONLY, 0o600)
    except OSError:
        return False
    os.close(fd)
    return True


@pytest.fixture(params=["unnamed", "named"])
def mechanism(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """Runs a test with unnamed temporary files (skipped where there are none) and with
    named ones (the fallback, forced)."""
    if request.param == "unnamed":
        if not unnamed_supported(tmp_path):
            pytest.skip("no O_TMPFILE here")
        assert atomic.UNNAMED_TEMPORARIES
    else:
        monkeypatch.setattr(atomic, "UNNAMED_TEMPORARIES", False)
    return request.param


class Spy:
    """Records the temporary files a writer wrote to: the path it was given, how large
    the file had grown, the folder it lives in, and whether it had a name there."""

    def __init__(self) -> None:
        self.paths: list[Path] = []
        self.sizes: list[int] = []
        self.folders: list[Path] = []
        self.named: list[bool] = []

    def see(self, path: Path) -> None:
        path = Path(path)
        info = path.stat()
        self.paths.append(path)
        self.sizes.append(info.st_size)
        self.named.append(info.st_nlink > 0)
        if path.parent == Path("/proc/self/fd"):  # an unnamed file: "<folder>/#<inode> (deleted)"
            self.folders.append(Path(os.readlink(path)).parent)
        else:
            self.folders.append(path.parent)

    def check(self, mechanism: str, folder: Path, out: Path) -> None:
        """The writer wrote to a temporary file in ``folder``, other than ``out``, named
        or not as ``mechanism`` says."""
        assert self.paths and all(f == folder for f in self.folders), self.folders
        assert all(p != out for p in self.paths)
        hidden = [p.name.startswith(f".{out.name}.") and p.name.endswith(".tmp") for p in self.paths]
        if mechanism == "unnamed":
            # Unnamed while written; only over an old output does it get a hidden name,
            # between its link and its rename over the target.
            assert self.paths[0].parent == Path("/proc/self/fd")
            for path, is_hidden, named in zip(self.paths, hidden, self.named):
                assert (path.parent == Path("/proc/self/fd") and not named) or (is_hidden and named)
        else:
            assert all(hidden) and all(self.named)


def _fail_h5_after_first_group(monkeypatch: pytest.MonkeyPatch, spy: Spy, error: BaseException) -> None:
    """HDF5 builds the file in memory: the temporary file exists, still empty."""
    original = h5_module._write_group
    calls = []

    def write_group(f, w, *args):  # type: ignore[no-untyped-def]
        if calls:
            spy.see(Path(f.filename))  # the in-memory file is named after the temporary file
            raise error
        calls.append(w.name)
        original(f, w, *args)

    monkeypatch.setattr(h5_module, "_write_group", write_group)


def _fail_npz_after_three_arrays(monkeypatch: pytest.MonkeyPatch, spy: Spy, error: BaseException) -> None:
    original = npz_module._npy_bytes
    calls = []
    real_zip = npz_module.zipfile.ZipFile

    class Zip(real_zip):  # type: ignore[misc, valid-type]
        def __init__(self, file, *args, **kwargs):  # type: ignore[no-untyped-def]
            self.target = Path(file)
            super().__init__(file, *args, **kwargs)
            opened.append(self)

    opened: list[Zip] = []

    def npy_bytes(array: np.ndarray) -> bytes:
        if len(calls) == 3:
            opened[-1].fp.flush()  # type: ignore[union-attr]
            spy.see(opened[-1].target)
            raise error
        calls.append(1)
        return original(array)

    monkeypatch.setattr(npz_module.zipfile, "ZipFile", Zip)
    monkeypatch.setattr(npz_module, "_npy_bytes", npy_bytes)


def _fail_fsync(monkeypatch: pytest.MonkeyPatch, spy: Spy, error: BaseException) -> None:
    """The whole file is written, then fsync fails (an I/O error surfacing late)."""

    def fsync_path(path: Path, *, directory: bool = False) -> None:
        spy.see(path)
        raise error

    monkeypatch.setattr(atomic, "fsync_path", fsync_path)


def _fail_rename(monkeypatch: pytest.MonkeyPatch, spy: Spy, error: BaseException) -> None:
    """Putting the complete file in place fails: the rename of a named file, the link of
    an unnamed one at the target, or the rename over an old output of the name it was
    linked under (which must go too)."""
    real_link = os.link

    def replace(src, dst, **kwargs):  # type: ignore[no-untyped-def]
        spy.see(Path(src))
        raise error

    def link(src, dst, **kwargs):  # type: ignore[no-untyped-def]
        spy.see(Path(src))
        folder = kwargs.get("dst_dir_fd")
        if not Path(dst).name.startswith("."):  # at the target itself
            if os.path.lexists(dst if folder is None else f"/proc/self/fd/{folder}/{dst}"):
                raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST))
            raise error
        real_link(src, dst, **kwargs)

    monkeypatch.setattr(atomic.os, "replace", replace)
    monkeypatch.setattr(atomic.os, "link", link)


INJECTIONS: dict[str, tuple[str, Callable[[pytest.MonkeyPatch, Spy, BaseException], None], bool]] = {
    # name: (suffix, injection, whether the temporary file holds data when it fails)
    "h5 fails after the first group": (".h5", _fail_h5_after_first_group, False),
    "npz fails after three arrays": (".npz", _fail_npz_after_three_arrays, True),
    "wts fsync fails": (".wts", _fail_fsync, True),
    "h5 fsync fails": (".h5", _fail_fsync, True),
    "h5 rename fails": (".h5", _fail_rename, True),
}


def listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


@pytest.mark.parametrize("name", list(INJECTIONS))
@pytest.mark.parametrize("existing", [True, False], ids=["over an old output", "no old output"])
def test_failure_mid_write_keeps_the_old_output(
    name: str, existing: bool, mechanism: str, weights: list[ScaleWeights], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    suffix, inject, holds_data = INJECTIONS[name]
    out = tmp_path / f"w{suffix}"
    if existing:
        out.write_bytes(SENTINEL)
    before = listing(tmp_path)
    spy = Spy()
    inject(monkeypatch, spy, ENOSPC)
    with pytest.raises(OutputError) as info:
        save(weights, out)
    assert str(info.value) == f"{out}: cannot write: No space left on device"
    # The failure happened while a temporary file beside the target existed ...
    spy.check(mechanism, tmp_path, out)
    if holds_data:
        assert spy.sizes[-1] > 0
    # ... and that file is gone; the old output (or its absence) is as before.
    assert listing(tmp_path) == before
    if existing:
        assert out.read_bytes() == SENTINEL


def test_interrupt_mid_write_removes_the_temporary_file(
    mechanism: str, weights: list[ScaleWeights], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "w.npz"
    out.write_bytes(SENTINEL)
    spy = Spy()
    _fail_npz_after_three_arrays(monkeypatch, spy, KeyboardInterrupt())
    with pytest.raises(KeyboardInterrupt):
        save(weights, out)
    spy.check(mechanism, tmp_path, out)
    assert spy.sizes[-1] > 0
    assert listing(tmp_path) == ["w.npz"] and out.read_bytes() == SENTINEL


def test_non_os_error_keeps_its_type(mechanism: str, tmp_path: Path) -> None:
    """Only OS errors become OutputError; a bug in a writer keeps its own type (and
    its traceback in the command line), still without a half-written file."""
    out = tmp_path / "w.bin"
    with pytest.raises(ZeroDivisionError):
        with atomic_output(out) as tmp:
            tmp.write_bytes(b"partial")
            1 / 0  # noqa: B018
    assert listing(tmp_path) == []


@pytest.mark.parametrize("existing", [True, False], ids=["over an old output", "no old output"])
def test_success_replaces_with_plain_permissions(
    existing: bool, mechanism: str, weights: list[ScaleWeights], tmp_path: Path
) -> None:
    out = tmp_path / "w.h5"
    if existing:
        out.write_bytes(SENTINEL)
    save(weights, out)
    assert out.read_bytes() != SENTINEL and out.read_bytes()[:8] == b"\x89HDF\r\n\x1a\n"
    assert listing(tmp_path) == ["w.h5"] and out.stat().st_nlink == 1
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(out.stat().st_mode) == 0o666 & ~umask


def test_temporary_file_has_no_name_while_written(mechanism: str, tmp_path: Path) -> None:
    """With unnamed files the folder shows nothing until the output is complete (a
    SIGKILL then leaves nothing); with named ones, the hidden temporary file."""
    out = tmp_path / "w.bin"
    out.write_bytes(SENTINEL)
    with atomic_output(out) as tmp:
        with open(tmp, "wb") as f:
            f.write(b"new")
        during = listing(tmp_path)
        assert out.read_bytes() == SENTINEL
    assert listing(tmp_path) == ["w.bin"] and out.read_bytes() == b"new"
    if mechanism == "unnamed":
        assert during == ["w.bin"]
    else:
        assert len(during) == 2 and during[0].startswith(".w.bin.") and during[0].endswith(".tmp")


@pytest.mark.parametrize("refusal", [errno.EOPNOTSUPP, errno.EISDIR, errno.EINVAL])
def test_file_systems_without_unnamed_files_use_named_ones(
    refusal: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file system without O_TMPFILE (EOPNOTSUPP), or a kernel without it (EISDIR,
    EINVAL), falls back to a named temporary file: the output is still written."""
    real_open = os.open
    tried = []

    def refusing_open(path, flags, *args, **kwargs):  # type: ignore[no-untyped-def]
        if flags & getattr(os, "O_TMPFILE", 0) == getattr(os, "O_TMPFILE", -1):
            tried.append(path)
            raise OSError(refusal, os.strerror(refusal))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(atomic.os, "open", refusing_open)
    monkeypatch.setattr(atomic, "UNNAMED_TEMPORARIES", True)
    monkeypatch.setattr(atomic.os, "O_TMPFILE", getattr(os, "O_TMPFILE", 0o20200000), raising=False)
    out = tmp_path / "x.wts"
    seen = []
    with atomic_output(out) as tmp:
        seen.append(tmp)
        tmp.write_bytes(b"1\n")
    assert tried == [tmp_path]
    assert seen[0].parent == tmp_path and seen[0].name.startswith(".x.wts.")
    assert listing(tmp_path) == ["x.wts"] and out.read_bytes() == b"1\n"


@pytest.mark.parametrize("existing", [True, False], ids=["over an old output", "no old output"])
def test_fsync_happens_before_the_file_is_put_in_place(
    existing: bool, mechanism: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """fsync, then link (unnamed) or rename (named, or an unnamed file linked under a
    temporary name over an old output), then fsync of the folder."""
    events: list[tuple[str, str]] = []
    real_fsync, real_replace, real_link = atomic.fsync_path, os.replace, os.link

    def fsync_path(path: Path, *, directory: bool = False) -> None:
        events.append(("fsync-dir" if directory else "fsync", str(path)))
        real_fsync(path, directory=directory)

    def replace(src, dst, **kwargs):  # type: ignore[no-untyped-def]
        events.append(("rename", Path(src).name))
        real_replace(src, dst, **kwargs)

    def link(src, dst, **kwargs):  # type: ignore[no-untyped-def]
        events.append(("link", Path(dst).name))
        real_link(src, dst, **kwargs)

    monkeypatch.setattr(atomic, "fsync_path", fsync_path)
    monkeypatch.setattr(atomic.os, "replace", replace)
    monkeypatch.setattr(atomic.os, "link", link)
    out = tmp_path / "x.wts"
    if existing:
        out.write_bytes(SENTINEL)
    write_bytes_atomic(out, b"1\n")
    kinds = [kind for kind, _ in events]
    assert events[-1] == ("fsync-dir", str(tmp_path))
    if mechanism == "named":
        assert kinds == ["fsync", "rename", "fsync-dir"], events
        assert Path(events[0][1]).name.startswith(".x.wts.") and events[0][1].endswith(".tmp")
        assert events[1][1] == Path(events[0][1]).name
    elif existing:
        # The target exists (a link cannot replace it): linked under a temporary name, renamed.
        assert kinds == ["fsync", "link", "link", "rename", "fsync-dir"], events
        assert events[1][1] == "x.wts" and events[2][1].startswith(".x.wts.") and events[3][1] == events[2][1]
    else:
        assert kinds == ["fsync", "link", "fsync-dir"], events
        assert events[0][1].startswith("/proc/self/fd/") and events[1][1] == "x.wts"
    assert listing(tmp_path) == ["x.wts"] and out.read_bytes() == b"1\n"


def test_output_may_not_be_an_input_by_any_name(tmp_path: Path) -> None:
    model = tmp_path / "m.h5"
    model.write_bytes(SENTINEL)
    hard = tmp_path / "hard.h5"
    os.link(model, hard)
    soft = tmp_path / "soft.h5"
    soft.symlink_to(model)
    dotted = tmp_path / "sub" / ".." / "m.h5"
    (tmp_path / "sub").mkdir()
    for alias in (model, hard, soft, dotted):
        with pytest.raises(OutputError, match="inputs are never overwritten"):
            check_output_path(alias, [model])
    assert model.read_bytes() == SENTINEL


# --- through the command line ---------------------------------------------------------


def _child(code: str, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=120,
    )


DISK_FULL_AFTER_FIRST_GROUP = """
import errno, os, sys
from caffe2trt_bn.export import h5
from caffe2trt_bn.cli import main
original = h5._write_group
calls = []
def write_group(f, w, *args):
    if calls:
        f.flush()
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    calls.append(w)
    original(f, w, *args)
h5._write_group = write_group
sys.exit(main(sys.argv[1:]))
"""


def test_cli_disk_full_mid_write(tmp_path: Path) -> None:
    out = tmp_path / "w.h5"
    out.write_bytes(SENTINEL)
    r = _child(DISK_FULL_AFTER_FIRST_GROUP, str(RESNET / "deploy.prototxt"), str(RESNET / "net.caffemodel"), "-o", str(out))
    assert r.returncode == 1
    assert r.stderr.splitlines() == [f"caffe-bn-merge: error: {out}: cannot write: No space left on device"]
    assert out.read_bytes() == SENTINEL and listing(tmp_path) == ["w.h5"]


SIGTERM_AFTER_FIRST_GROUP = """
import os, signal, sys
from caffe2trt_bn.export import h5
from caffe2trt_bn.cli import main
original = h5._write_group
calls = []
def write_group(f, w, *args):
    if calls:
        os.kill(os.getpid(), signal.SIGTERM)
    calls.append(w)
    original(f, w, *args)
h5._write_group = write_group
sys.exit(main(sys.argv[1:]))
"""


def test_cli_terminated_mid_write(tmp_path: Path) -> None:
    """SIGTERM (``kill``, a job scheduler, a container stopping) cleans up as Ctrl-C does:
    the temporary file goes, the old output stays; exit code 128 + 15."""
    out = tmp_path / "w.h5"
    out.write_bytes(SENTINEL)
    r = _child(SIGTERM_AFTER_FIRST_GROUP, str(RESNET / "deploy.prototxt"), str(RESNET / "net.caffemodel"), "-o", str(out))
    assert r.returncode == 128 + signal.SIGTERM
    assert r.stderr.splitlines() == ["caffe-bn-merge: terminated"]
    assert out.read_bytes() == SENTINEL and listing(tmp_path) == ["w.h5"]


# Logs every open and mmap of the process (Python audit events) as JSON lines on the
# pipe whose descriptor AUDIT_FD names.
AUDIT_OPENS = """
import json, os, sys
log = os.fdopen(int(os.environ["AUDIT_FD"]), "w")
def hook(event, args):
    if event == "open":
        path, mode, flags = args
        if isinstance(path, (str, bytes, os.PathLike)):
            log.write(json.dumps({"event": event, "path": os.fsdecode(path), "mode": mode, "flags": flags}) + "\\n")
    elif event == "mmap.__new__":
        fileno, length, access, offset = args
        try:
            path = os.readlink(f"/proc/self/fd/{fileno}")
        except OSError:
            path = None
        log.write(json.dumps({"event": event, "path": path, "access": access}) + "\\n")
sys.addaudithook(hook)
from caffe2trt_bn.cli import main
code = main(sys.argv[1:])
log.flush()
sys.exit(code)
"""


def _audited(args: list[str], cwd: Path) -> tuple[int, list[dict], str]:
    read, write = os.pipe()
    try:
        proc = subprocess.Popen(
            [sys.executable, "-c", AUDIT_OPENS, *args],
            pass_fds=(write,),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=cwd,
            env={**os.environ, "PYTHONPATH": str(ROOT), "AUDIT_FD": str(write)},
            text=True,
        )
        os.close(write)
        write = -1
        with os.fdopen(read, "r") as log:
            read = -1
            events = [json.loads(line) for line in log]
        _, err = proc.communicate(timeout=120)
    finally:
        for fd in (read, write):
            if fd >= 0:
                os.close(fd)
    return proc.returncode, events, err


def _commands(tmp_path: Path) -> dict[str, tuple[list[str], list[Path]]]:
    """Each command with its inputs (all must exist in this package to be tested)."""
    from caffe2trt_bn.cli import COMMANDS

    proto, model = RESNET / "deploy.prototxt", RESNET / "net.caffemodel"
    commands = {"merge": ([str(proto), str(model), "-o", str(tmp_path / "w.h5")], [proto, model])}
    import importlib.util

    if "fold" in COMMANDS and importlib.util.find_spec("caffe2trt_bn.cli.fold"):
        commands["fold"] = (["fold", str(proto), str(model), "-o", str(tmp_path / "folded")], [proto, model])
    train = RESNET / "train.prototxt"
    if "to-deploy" in COMMANDS and importlib.util.find_spec("caffe2trt_bn.cli.to_deploy"):
        commands["to-deploy"] = (["to-deploy", str(train), "-o", str(tmp_path / "deploy.prototxt")], [train])
    return commands


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc to name mapped files")
@pytest.mark.parametrize("command", ["merge", "fold", "to-deploy"])
def test_inputs_are_opened_read_only_and_unchanged(command: str, tmp_path: Path) -> None:
    commands = _commands(tmp_path)
    if command not in commands:
        pytest.skip(f"no {command} command in this package")
    args, inputs = commands[command]
    before = {p: (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns) for p in inputs}
    code, events, err = _audited(args, tmp_path)
    assert code == 0, err
    resolved = {str(p.resolve()) for p in inputs}
    seen = [e for e in events if e["path"] and str(Path(e["path"]).resolve()) in resolved]
    assert {str(Path(e["path"]).resolve()) for e in seen} == resolved  # every input was read
    for e in seen:
        if e["event"] == "open":
            if isinstance(e["flags"], int) and e["flags"] >= 0:
                assert e["flags"] & os.O_ACCMODE == os.O_RDONLY, e
                assert not e["flags"] & (os.O_TRUNC | os.O_CREAT | os.O_APPEND), e
            if e["mode"] is not None:
                assert set(e["mode"]) <= set("rbt"), e
        else:
            import mmap

            assert e["access"] == mmap.ACCESS_READ, e
    after = {p: (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns) for p in inputs}
    assert after == before
