"""The benchmark's report: tables of the measurements, ratios against the peers, the
project's targets checked on the ResNet-152-shaped model, and the machine they ran on."""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from benchmarks.measure import Setup, Tool
from benchmarks.models import MODELS

MIB = 1024 * 1024


@dataclass
class ModelResult:
    """The measurements of one model, with the load average around them."""

    kind: str
    layers: int
    model_bytes: int
    setup: Setup
    load_before: str = "?"
    load_after: str = "?"

    def tool(self, key: str) -> Tool | None:
        return next((t for t in self.setup.tools if t.key == key), None)


def fmt_s(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    return f"{seconds * 1000:.1f} ms" if seconds < 1 else f"{seconds:.2f} s"


def fmt_mib(nbytes: float | None) -> str:
    return "-" if nbytes is None else f"{nbytes / MIB:.0f} MiB"


def ratio(a: float | None, b: float | None) -> str:
    if a is None or b is None or b == 0:
        return "-"
    return f"{a / b:.2f}x"


def results_table(res: ModelResult) -> list[str]:
    """Markdown rows: one per tool with medians and the work time inside the process."""
    rows = [
        "| command | wall (whole process) | peak RSS | work inside the process |",
        "| --- | ---: | ---: | ---: |",
    ]
    for t in res.setup.tools:
        work = t.median_report("work")
        rows.append(f"| {t.label} | {fmt_s(t.median_wall())} | {fmt_mib(t.median_rss())} | {fmt_s(work)} |")
    for key, why in res.setup.skipped.items():
        rows.append(f"| {key} | skipped: {why} | | |")
    return rows


def ratio_table(res: ModelResult) -> list[str]:
    """Markdown rows: each of our figures divided by each peer's (below 1 = faster/smaller)."""
    peers = [t for t in res.setup.tools if t.key in ("protobuf", "opencv", "pycaffe", "cp", "floor-scale")]
    if not peers:
        return []
    head = "| ours / peer | " + " | ".join(p.label for p in peers) + " |"
    rows = [head, "| --- |" + " ---: |" * len(peers)]
    merge, fold, ext = res.tool("merge"), res.tool("fold"), res.tool("extract")
    if merge:
        rows.append("| merge wall | " + " | ".join(ratio(merge.median_wall(), p.median_wall()) for p in peers) + " |")
        rows.append("| merge peak RSS | " + " | ".join(ratio(merge.median_rss(), p.median_rss()) for p in peers) + " |")
    if fold:
        rows.append("| fold wall | " + " | ".join(ratio(fold.median_wall(), p.median_wall()) for p in peers) + " |")
        rows.append("| fold peak RSS | " + " | ".join(ratio(fold.median_rss(), p.median_rss()) for p in peers) + " |")
    if ext:
        cells = [ratio(ext.median_report("work"), p.median_report("work")) for p in peers]
        rows.append("| extract() time / peer's work time | " + " | ".join(cells) + " |")
    return rows


@dataclass
class Target:
    what: str
    limit: str
    measured: str
    met: bool | None
    margin: str


# The project's targets, on the ResNet-152-shaped model, as ratios within one run.
MERGE_VS_PROTOBUF = 0.6  # whole-process merge wall time / full protobuf parse wall time, at most
MERGE_RSS_MIB = 120  # whole-process merge peak RSS, below
EXTRACT_SECONDS = 0.030  # in-process extract(), below
EXTRACT_SPEEDUP = 20  # protobuf parse work / extract(), at least
FOLD_VS_CP = 2.5  # fold wall time / cp wall time, at most
FOLD_RSS_EXTRA_MIB = 120  # fold peak RSS at most half the model plus this


def below(measured: float, limit: float) -> tuple[bool, str]:
    """Met, and the margin, of a target ``measured <= limit``."""
    share = measured / limit - 1
    return measured <= limit, f"{-share:.0%} under the limit" if share <= 0 else f"{share:.0%} over the limit"


def targets(results: dict[str, ModelResult], paired: dict[str, dict[str, float]]) -> list[Target]:
    """The project's performance targets, checked on the ResNet-152-shaped model.

    Ratios of in-process work come from the paired measurements when there are any
    (:func:`measure_paired`), else from the separate children."""
    out: list[Target] = []
    big = results.get("resnet152")
    if big is None:
        return out
    merge, fold, ext, pb, cp = (big.tool(k) for k in ("merge", "fold", "extract", "protobuf", "cp"))
    if merge and pb:
        r = merge.median_wall() / pb.median_wall()
        out.append(Target("merge wall / protobuf parse wall", f"<= {MERGE_VS_PROTOBUF:.2f}x", f"{r:.2f}x",
                          *below(r, MERGE_VS_PROTOBUF)))
    if merge:
        rss = merge.median_rss() / MIB
        out.append(Target("merge peak RSS", f"< {MERGE_RSS_MIB} MiB", f"{rss:.0f} MiB", *below(rss, MERGE_RSS_MIB)))
    if ext:
        w = ext.median_report("work") or 0.0
        out.append(Target("extract() time", f"< {EXTRACT_SECONDS * 1000:.0f} ms", f"{w * 1000:.1f} ms",
                          *below(w, EXTRACT_SECONDS)))
        label = "protobuf parse work / extract() time"
        pw = pb.median_report("work") if pb else None
        f = paired[label]["ratio"] if label in paired else (pw / w if pw and w else None)
        if f:
            out.append(Target(label, f">= {EXTRACT_SPEEDUP}x", f"{f:.1f}x{paired_note(paired, label)}",
                              f >= EXTRACT_SPEEDUP, f"{f / EXTRACT_SPEEDUP:.2f}x the minimum"))
    for label in ("protobuf parse work / unchecked sketch time", "extract() time / unchecked sketch time"):
        if label in paired:  # how far a Python reader that checks nothing gets (SKETCH_WORK)
            f = paired[label]["ratio"]
            out.append(Target(f"reference: {label}", "-", f"{f:.2f}x{paired_note(paired, label)}", None, "-"))
    if fold and cp:
        r = fold.median_wall() / cp.median_wall()
        out.append(Target("fold wall / cp wall", f"<= {FOLD_VS_CP}x", f"{r:.2f}x", *below(r, FOLD_VS_CP)))
        for floor in (big.tool("floor-copy"), big.tool("floor-scale")):
            if floor:  # what any fold in Python with numpy pays at least (FLOOR_*_CHILD)
                r = floor.median_wall() / cp.median_wall()
                out.append(Target(f"reference: {floor.label} wall / cp wall", "-", f"{r:.2f}x", None, "-"))
    if fold:
        limit = big.model_bytes / 2 / MIB + FOLD_RSS_EXTRA_MIB
        rss = fold.median_rss() / MIB
        out.append(Target("fold peak RSS", f"<= {limit:.0f} MiB (half the model + {FOLD_RSS_EXTRA_MIB} MiB)",
                          f"{rss:.0f} MiB", *below(rss, limit)))
    out += scaling_targets(results, paired)
    return out


#: How far extraction time may exceed what layers alone explain.
LAYER_SCALING_TOLERANCE = 0.25


def extract_time(res: ModelResult | None) -> float | None:
    tool = res.tool("extract") if res else None
    return tool.median_report("work") if tool else None


def paired_note(paired: dict[str, dict[str, float]], label: str) -> str:
    """How a figure was measured, when paired: `` (paired: min-max)``."""
    if label not in paired:
        return ""
    p = paired[label]
    return f" (paired, {int(p['rounds'])} rounds: {p['min']:.2f}-{p['max']:.2f}x)"


def scaling_targets(results: dict[str, ModelResult], paired: dict[str, dict[str, float]]) -> list[Target]:
    """Extraction time follows the number of layers, not the bytes.

    Bytes alone (resnet50 -> resnet50-k7: the same layers and channels, 3x the bytes)
    may change the time by at most the tolerance; more layers (resnet50 -> resnet152,
    2.9x the layers and BatchNorm channels) may multiply it by at most the layer ratio
    plus the tolerance (a fixed cost per call makes it grow a little less)."""
    out: list[Target] = []
    tol = LAYER_SCALING_TOLERANCE
    for a, b in (("resnet50", "resnet50-k7"), ("resnet50", "resnet152")):
        ta, tb = extract_time(results.get(a)), extract_time(results.get(b))
        if not ta or not tb:
            continue
        ra, rb = results[a], results[b]
        label = f"extract() time {b} / {a}"
        layer_ratio, byte_ratio = rb.layers / ra.layers, rb.model_bytes / ra.model_bytes
        time_ratio = paired[label]["ratio"] if label in paired else tb / ta
        limit = layer_ratio * (1 + tol)
        what = "the layer ratio" if layer_ratio != 1 else "1 (same layers)"
        out.append(
            Target(
                f"{label} (layers x{layer_ratio:.2f}, bytes x{byte_ratio:.2f})",
                f"<= {what} + {tol:.0%} = {limit:.2f}x",
                f"{time_ratio:.2f}x{paired_note(paired, label)}",
                *below(time_ratio, limit),
            )
        )
    return out


def machine() -> list[str]:
    """A short description of the machine and the software versions."""
    cpu = platform.processor() or platform.machine()
    try:
        lscpu = subprocess.run(["lscpu"], capture_output=True, text=True, timeout=10, check=False).stdout
        for line in lscpu.splitlines():
            if line.startswith("Model name:"):
                cpu = line.split(":", 1)[1].strip()
                break
    except (OSError, subprocess.TimeoutExpired):
        pass
    mem = "?"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    versions = [f"Python {platform.python_version()}", f"numpy {np.__version__}"]
    for mod in ("google.protobuf", "h5py", "cv2"):
        try:
            m = __import__(mod, fromlist=["__version__"])
        except ImportError:
            continue
        text = f"{mod.split('.')[-1]} {m.__version__}"
        if mod == "google.protobuf":
            from google.protobuf.internal import api_implementation  # type: ignore[import-untyped]

            text += f" ({api_implementation.Type()} backend)"
        versions.append(text)
    return [
        f"- OS: {platform.platform()}",
        f"- CPU: {cpu}, {os.cpu_count()} logical CPUs",
        f"- memory: {mem}",
        f"- software: {', '.join(versions)}",
    ]


def load_average() -> str:
    """The 1-minute load average: other busy processes inflate every figure."""
    try:
        return f"{os.getloadavg()[0]:.2f}"
    except OSError:
        return "?"


def report(results: dict[str, ModelResult], paired: dict[str, dict[str, float]], args: argparse.Namespace) -> str:
    lines = [
        "# caffe-bn-merge benchmark results",
        "",
        (
            f"Written by `benchmarks/bench.py` on {time.strftime('%Y-%m-%d')}: medians of {args.runs} runs after "
            f"{args.warmup} warm-up run(s); `extract()` is the median of {args.loops} calls in one process. "
            "Wall time is the whole process (interpreter start-up included); peak RSS is the process's "
            "`ru_maxrss`; \"work inside the process\" is the time the child measured around its own work "
            "(parse/load only, no start-up). The caffemodel is in the page cache for every command."
        ),
        "",
        "Machine:",
        "",
        *machine(),
        "",
    ]
    for res in results.values():
        lines += [
            f"## {res.kind}: {res.layers} layers, caffemodel {res.model_bytes / MIB:.0f} MiB",
            "",
            (
                f"{MODELS[res.kind].description}; 1-minute load average {res.load_before} before, "
                f"{res.load_after} after the runs."
            ),
            "",
            *results_table(res),
            "",
            *ratio_table(res),
            "",
        ]
    if paired:
        lines += [
            "## Paired in one process",
            "",
            (
                "Both sides alternate in one process, so a drift of the machine's speed during the run reaches "
                "both alike; an `extract()` side is the median of 5 calls, a protobuf side one parse."
            ),
            "",
            "| ratio | side A (median) | side B (median) | B / A (median) | range |",
            "| --- | ---: | ---: | ---: | ---: |",
        ]
        for label, p in paired.items():
            lines.append(f"| {label} | {fmt_s(p['a'])} | {fmt_s(p['b'])} | {p['ratio']:.2f}x | "
                         f"{p['min']:.2f}-{p['max']:.2f}x |")
        lines.append("")
    tgt = targets(results, paired)
    if tgt:
        lines += ["## Targets (ResNet-152-shaped model)", "", "| target | limit | measured | met | margin |",
                  "| --- | --- | ---: | --- | --- |"]
        for t in tgt:
            met = "-" if t.met is None else ("yes" if t.met else "**no**")
            lines.append(f"| {t.what} | {t.limit} | {t.measured} | {met} | {t.margin} |")
        lines.append("")
    return "\n".join(lines)

