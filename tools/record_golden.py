"""Records what every command writes for every shipped Caffe case, as a golden file.

For each case folder under ``fixtures/`` (the BatchNorm cases, ``forks/``, ``zoo/`` and
``fork_layers/``) it runs, in-process through the CLI's ``main``: the merge to ``.h5``,
``.npz`` and ``.wts``; ``fold``; ``to-deploy`` of ``deploy.prototxt`` (and of
``train.prototxt`` or ``train_val.prototxt`` where present). It stores each exit code and
the SHA-256 of every file written. ``tests/test_golden.py`` runs the same commands and
compares, so a refactoring that changes an output or an exit code fails.

    python tools/record_golden.py            # rewrite tests/golden/outputs.json
    python tools/record_golden.py --check    # compare only; exit 1 on a difference

Rewrite the file only for an intended change of behaviour, and say which in the commit.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import io
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The checkout this script belongs to, not whatever copy of the package is installed.
sys.path.insert(0, str(ROOT))
FIXTURES = ROOT / "fixtures"
GOLDEN = ROOT / "tests" / "golden" / "outputs.json"


def case_dirs() -> list[Path]:
    """Every folder below ``fixtures/`` that holds a deploy prototxt, sorted."""
    return sorted(p.parent for p in FIXTURES.rglob("deploy.prototxt"))


def _digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _run(argv: list[str]) -> int:
    from caffe2trt_bn.cli import main

    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        return main(argv)


def commands(case: Path) -> dict[str, list[str]]:
    """Command name -> argv (``{out}`` is replaced by a fresh output folder)."""
    deploy, model = str(case / "deploy.prototxt"), str(case / "net.caffemodel")
    out: dict[str, list[str]] = {}
    if (case / "net.caffemodel").exists():
        for suffix in ("h5", "npz", "wts"):
            out[f"merge.{suffix}"] = [deploy, model, "-q", "-o", f"{{out}}/weights.{suffix}"]
        out["fold"] = ["fold", deploy, model, "-q", "-o", "{out}/folded"]
    out["to-deploy"] = ["to-deploy", deploy, "-q", "-o", "{out}/deploy.prototxt"]
    for name in ("train.prototxt", "train_val.prototxt"):
        if (case / name).exists():
            out[f"to-deploy.{name}"] = ["to-deploy", str(case / name), "-q", "-o", "{out}/deploy.prototxt"]
    return out


def record() -> dict[str, dict[str, object]]:
    results: dict[str, dict[str, object]] = {}
    for case in case_dirs():
        key = str(case.relative_to(FIXTURES))
        for name, argv in commands(case).items():
            with tempfile.TemporaryDirectory() as tmp:
                code = _run([a.replace("{out}", tmp) for a in argv])
                results[f"{key} {name}"] = {"exit": code, "files": _digest(Path(tmp))}
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with the golden file only")
    args = parser.parse_args()
    results = record()
    if args.check:
        golden = json.loads(GOLDEN.read_text())
        bad = [k for k in sorted(set(golden) | set(results)) if golden.get(k) != results.get(k)]
        for k in bad:
            print(f"differs: {k}: {golden.get(k)} -> {results.get(k)}")
        return 1 if bad else 0
    GOLDEN.write_text(json.dumps(results, indent=1, sort_keys=True) + "\n")
    print(f"recorded {len(results)} runs to {GOLDEN.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
