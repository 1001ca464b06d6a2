"""The command line, run as a user runs it (subprocess)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from caffe2trt_bn.export.h5 import read_h5

from conftest import FIXTURES, run_cli

RESNET = FIXTURES / "resnet_inplace"


def test_main_job_default_output(tmp_path) -> None:
    r = run_cli(RESNET / "deploy.prototxt", RESNET / "net.caffemodel", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    out = tmp_path / "net.scale.h5"
    assert out.exists()
    assert "bn1 + scale1" in r.stdout
    assert r.stdout.strip().splitlines()[-1].startswith("wrote 3 Scale layer(s) to net.scale.h5")
    assert [item["name"] for item in read_h5(out)] == ["bn1", "bn2", "bn3"]
    assert r.stderr == ""


def test_formats_by_suffix_carry_same_numbers(tmp_path) -> None:
    for suffix in (".h5", ".npz", ".wts"):
        r = run_cli(RESNET / "deploy.prototxt", RESNET / "net.caffemodel", "-o", tmp_path / f"w{suffix}", "-q")
        assert r.returncode == 0, r.stderr
        assert r.stdout == ""
    from caffe2trt_bn.export.wts import read_wts

    h5 = read_h5(tmp_path / "w.h5")
    wts = read_wts(tmp_path / "w.wts")
    with np.load(tmp_path / "w.npz") as z:
        for item in h5:
            for key in ("scale", "shift", "power"):
                assert np.array_equal(item[key], z[f"{item['name']}.{key}"])
                assert np.array_equal(item[key], wts[f"{item['name']}.{key}"])


def test_json_summary(tmp_path) -> None:
    case = FIXTURES / "untrained_zero_factor"
    r = run_cli(case / "deploy.prototxt", case / "net.caffemodel", "-o", tmp_path / "w.npz", "--json")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["format"] == "npz"
    assert data["groups"][0]["layers"] == ["bn1", "scale1"]
    assert data["warnings"][0]["code"] == "zero_factor"
    assert "warning:" in r.stderr and "'bn1'" in r.stderr


def test_strict_fails_and_writes_nothing(tmp_path) -> None:
    case = FIXTURES / "untrained_zero_factor"
    r = run_cli(case / "deploy.prototxt", case / "net.caffemodel", "-o", tmp_path / "w.h5", "--strict")
    assert r.returncode == 1
    assert "Traceback" not in r.stderr
    assert len(r.stderr.strip().splitlines()) >= 1 and "error:" in r.stderr.strip().splitlines()[-1]
    assert not (tmp_path / "w.h5").exists()


def test_verbose_prints_notes(tmp_path) -> None:
    case = FIXTURES / "branching"
    r = run_cli(case / "deploy.prototxt", case / "net.caffemodel", "-o", tmp_path / "w.h5", "-v")
    assert r.returncode == 0, r.stderr
    assert "also read by" in r.stdout and "eps 9.99999975e-06" in r.stdout


def test_usage_error_exit_2() -> None:
    r = run_cli()
    assert r.returncode == 2
    r = run_cli(RESNET / "deploy.prototxt", RESNET / "net.caffemodel", "--no-such-flag")
    assert r.returncode == 2


def test_user_error_exit_1_one_line(tmp_path) -> None:
    r = run_cli(RESNET / "deploy.prototxt", tmp_path / "missing.caffemodel", "-o", tmp_path / "w.h5")
    assert r.returncode == 1
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "missing.caffemodel" in lines[0] and "no such file" in lines[0]
    assert not (tmp_path / "w.h5").exists()


def test_swapped_arguments(tmp_path) -> None:
    r = run_cli(RESNET / "net.caffemodel", RESNET / "deploy.prototxt", "-o", tmp_path / "w.h5")
    assert r.returncode == 1
    assert "Traceback" not in r.stderr and "net.caffemodel" in r.stderr


# What each path may import: a run pays for the modules it loads (start-up is most of a run).
HEAVY = ("h5py", "cv2", "google.protobuf", "caffe2trt_bn.caffe_pb2", "caffe2trt_bn.passes.fold", "caffe2trt_bn.passes.deploy", "json")


@pytest.mark.parametrize(
    ("suffix", "allowed"),
    [(".npz", ("json",)), (".wts", ()), (".h5", ("h5py",))],  # npz records metadata as JSON
)
def test_merge_imports_only_what_its_output_needs(tmp_path, suffix: str, allowed: tuple[str, ...]) -> None:
    out = tmp_path / f"w{suffix}"
    code = (
        "import sys; from caffe2trt_bn.cli import main; "
        f"rc = main([{str(RESNET / 'deploy.prototxt')!r}, {str(RESNET / 'net.caffemodel')!r}, '-o', {str(out)!r}, '-q']); "
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules)); sys.exit(rc)"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       env={**os.environ, "PYTHONPATH": str(FIXTURES.parent)}, timeout=120)
    assert r.returncode == 0, r.stderr
    assert out.exists()
    assert r.stdout.strip() == str(sorted(allowed))
