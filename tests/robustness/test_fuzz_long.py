"""The long fuzzing run at volume, in the normal test command (CI runs it; a quick local
run leaves it out with ``-m "not fuzz_long"``).

``fuzz_long.py`` mutates every model fixture's caffemodel, deploy prototxt or train
prototxt and runs every operation that applies (merge and its writers, fold, to-deploy,
the ONNX export): each must end in a result or in one named error, within its time
limit.  The seed is fixed so that a run is reproducible (``FUZZ_SEED`` in the environment
picks another, to explore); a failure prints the seed and one reproducer line per
distinct crash, which becomes a regression in ``test_fuzz.py``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

FUZZ_LONG = Path(__file__).resolve().parent / "fuzz_long.py"

#: The seed of the run (its first run found the dilation-0 export crash).
SEED = 739955

#: About 75 s on two idle cores (675 cases a second measured; several times that under load).
CASES = 50_000


@pytest.mark.fuzz_long
def test_long_fuzz_run_finds_no_crash(tmp_path: Path) -> None:
    seed = int(os.environ.get("FUZZ_SEED", SEED))
    figures = tmp_path / "figures.json"
    run = subprocess.run(
        [sys.executable, str(FUZZ_LONG), "--cases", str(CASES), "--seed", str(seed), "--json", str(figures)],
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert run.returncode == 0, f"seed {seed}:\n{run.stdout[-4000:]}\n{run.stderr[-4000:]}"
    assert figures.exists()
