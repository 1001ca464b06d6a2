"""Every command's outputs and exit codes on every shipped case equal the recorded ones.

``tests/golden/outputs.json`` is written by ``tools/record_golden.py`` (see its docstring);
a change of any output byte or exit code on the fixtures, the fork fixtures, the layer zoo
or the fork-layer cases fails here.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from conftest import ROOT

_spec = importlib.util.spec_from_file_location("record_golden", ROOT / "tools" / "record_golden.py")
assert _spec is not None and _spec.loader is not None
record_golden = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(record_golden)

GOLDEN = json.loads(record_golden.GOLDEN.read_text())


def test_every_case_is_recorded() -> None:
    cases = {str(c.relative_to(record_golden.FIXTURES)) for c in record_golden.case_dirs()}
    recorded = {key.split(" ")[0] for key in GOLDEN}
    assert cases == recorded


@pytest.mark.parametrize("case", record_golden.case_dirs(), ids=lambda p: str(p.relative_to(record_golden.FIXTURES)))
def test_outputs_unchanged(case: Path, tmp_path: Path) -> None:
    key = str(case.relative_to(record_golden.FIXTURES))
    for i, (name, argv) in enumerate(record_golden.commands(case).items()):
        out = tmp_path / str(i)
        out.mkdir()
        code = record_golden._run([a.replace("{out}", str(out)) for a in argv])
        got = {"exit": code, "files": record_golden._digest(out)}
        assert got == GOLDEN[f"{key} {name}"], f"{key} {name}"
