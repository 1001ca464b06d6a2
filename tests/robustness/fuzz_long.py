#!/usr/bin/env python3
"""Long mutation-fuzzing run (not collected by pytest): ``python tests/robustness/fuzz_long.py``.

Runs the cases of ``test_fuzz.py`` at volume (default 100 000) on every core: each
case mutates a fixture's caffemodel, deploy prototxt or train prototxt one to three
times and runs every operation that applies (convert + write, fold, to-deploy); a fifth
of the cases (the onnx targets, when the onnx extra is installed) run the ONNX export
instead, with its properties (``test_fuzz._export_onnx_and_run``).  A case passes when
each operation succeeds or raises ``Caffe2TrtError`` naming a file, within the per-case
time limit.  Anything else is a crash: the script prints one line per
distinct crash with a reproducer (fixture, target, mutations) and exits 1.

Figures printed: cases, cases per second, outcomes per operation (ok or the error
class), crashes, the slowest case, wall seconds.  ``--seed`` makes a run reproducible
(worker ``i`` draws from ``random.Random(seed * 1000 + i)``).
"""

from __future__ import annotations

import argparse
import collections
import importlib.util
import json
import multiprocessing
import os
import random
import sys
import tempfile
import time
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parents[1]), str(HERE.parent), str(HERE)]

import test_fuzz as tf  # noqa: E402  (the mutation engine and the properties)

#: Whether the onnx extra is installed (the onnx targets need it).
ONNX = all(importlib.util.find_spec(m) for m in ("onnx", "onnxruntime"))

#: Share of cases per target (the rest are train prototxts for to-deploy).  The onnx
#: targets mutate a model's caffemodel or prototxt (with the semantic edits too) and run
#: the ONNX export only, in one of the option combinations of ``test_fuzz.onnx_options``.
TARGETS = (("caffemodel", 0.3), ("prototxt", 0.3), ("onnx-caffemodel", 0.1), ("onnx-prototxt", 0.1), ("train", 0.2))


def draw_case(rng: random.Random) -> tuple[tf.Seed, str, list[tf.Mutation]]:
    roll = rng.random()
    target = "train"
    for name, share in TARGETS:
        if roll < share:
            target = name
            break
        roll -= share
    if target == "train" and (tf.to_deploy is None or not tf.TRAIN_SEEDS):
        target = "prototxt"
    if target.startswith("onnx") and not ONNX:
        target = target.removeprefix("onnx-")
    seed = rng.choice(tf.TRAIN_SEEDS if target == "train" else tf.SEEDS)
    kinds = {"caffemodel": tf.BINARY_KINDS, "onnx-caffemodel": tf.BINARY_KINDS, "onnx-prototxt": tf.ONNX_TEXT_KINDS}
    return seed, target, [tf.random_mutation(rng, kinds.get(target, tf.TEXT_KINDS)) for _ in range(rng.randint(1, 3))]


def run(seed: tf.Seed, target: str, mutations: list[tf.Mutation], workdir: Path, index: int) -> tf.Outcome:
    """One case: an onnx target runs the export only, in option combination ``index``."""
    if target.startswith("onnx-"):
        return tf.run_case(seed, target.removeprefix("onnx-"), mutations, workdir, index % 72, operations=("onnx",))
    return tf.run_case(seed, target, mutations, workdir, index)


def worker(job: tuple[int, int, int]) -> dict:
    index, count, base_seed = job
    rng = random.Random(base_seed * 1000 + index)
    workdir = Path(tempfile.mkdtemp(prefix="fuzz-long-"))
    outcomes: collections.Counter[str] = collections.Counter()
    crashes: dict[str, dict] = {}
    crash_count = 0
    slowest = (0.0, "")
    for i in range(count):
        seed, target, mutations = draw_case(rng)
        start = time.perf_counter()
        try:
            outcome = run(seed, target, mutations, workdir, i)
        except Exception as exc:  # a crash, a broken property or a timeout
            crash_count += 1
            tb = traceback.format_exc().strip().splitlines()
            key = f"{type(exc).__name__}: {str(exc)[:120]} @ {tb[-3].strip() if len(tb) > 2 else ''}"
            crashes.setdefault(
                key,
                {
                    "count": 0, "case": seed.case, "target": target, "index": i % 72, "mutations": repr(mutations),
                    "traceback": tb[-12:],
                },
            )
            crashes[key]["count"] += 1
            continue
        for operation, result in outcome.results.items():
            outcomes[f"{operation}: {result}"] += 1
        seconds = time.perf_counter() - start
        if seconds > slowest[0]:
            slowest = (seconds, f"{seed.case} {target} {mutations!r}")
    return {"cases": count, "outcomes": dict(outcomes), "crashes": crashes, "crash_count": crash_count, "slowest": slowest}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--cases", type=int, default=100_000, help="number of cases (default 100000)")
    p.add_argument("--seed", type=int, default=0, help="seed of the run (default 0)")
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="worker processes (default: all cores)")
    p.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    args = p.parse_args()
    jobs = max(1, min(args.jobs, args.cases))
    shares = [args.cases // jobs + (1 if i < args.cases % jobs else 0) for i in range(jobs)]
    operations = ["convert", "fold" if tf.fold else None, "to-deploy" if tf.to_deploy else None, "onnx" if ONNX else None]
    print(
        f"fuzzing {args.cases} cases on {jobs} process(es), seed {args.seed}; seeds: {len(tf.SEEDS)} models, "
        f"{len(tf.TRAIN_SEEDS)} train prototxts; operations: {', '.join(o for o in operations if o)}",
        flush=True,
    )
    start = time.perf_counter()
    with multiprocessing.Pool(jobs) as pool:
        parts = pool.map(worker, [(i, n, args.seed) for i, n in enumerate(shares)])
    wall = time.perf_counter() - start

    outcomes: collections.Counter[str] = collections.Counter()
    crashes: dict[str, dict] = {}
    for part in parts:
        outcomes.update(part["outcomes"])
        for key, crash in part["crashes"].items():
            if key in crashes:
                crashes[key]["count"] += crash["count"]
            else:
                crashes[key] = crash
    crash_count = sum(part["crash_count"] for part in parts)
    slowest = max(part["slowest"] for part in parts)
    print(f"cases: {args.cases} in {wall:.1f} s wall ({args.cases / wall:.0f} cases/s)")
    by_operation: dict[str, dict[str, int]] = collections.defaultdict(dict)
    for key, n in sorted(outcomes.items()):
        operation, result = key.split(": ")
        by_operation[operation][result] = n
    for operation, results in by_operation.items():
        total = sum(results.values())
        detail = ", ".join(f"{r} {n} ({100 * n / total:.1f}%)" for r, n in sorted(results.items(), key=lambda kv: -kv[1]))
        print(f"  {operation}: {total} runs: {detail}")
    print(f"crashes: {crash_count} ({len(crashes)} distinct)")
    for key, crash in crashes.items():
        print(f"  {crash['count']} x {key}")
        print(
            f"    reproduce: case {crash['case']!r}, target {crash['target']!r}, index {crash['index']}, {crash['mutations']}"
        )
        print("    " + "\n    ".join(crash["traceback"]))
    print(f"slowest case: {slowest[0] * 1000:.1f} ms ({slowest[1][:200]})")
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "cases": args.cases,
                    "seed": args.seed,
                    "jobs": jobs,
                    "wall_seconds": wall,
                    "outcomes": dict(by_operation),
                    "crashes": crash_count,
                    "distinct_crashes": list(crashes),
                    "slowest_ms": slowest[0] * 1000,
                },
                indent=1,
            )
        )
    return 1 if crash_count else 0


if __name__ == "__main__":
    sys.exit(main())
