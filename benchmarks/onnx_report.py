"""The report of ``onnx_peers.py``: converters against real Caffe, case by case, and on
the ResNet-152-shaped model; written as markdown (``ONNX-PEERS.md``)."""

from __future__ import annotations

import argparse
import statistics
from collections import Counter
from typing import TYPE_CHECKING

from benchmarks.onnx_compare import MATCHES, RESULTS, RTOL, SUITES, Case
from benchmarks.onnx_peers import CASE_ARGS, SAMPLE_SECONDS

if TYPE_CHECKING:
    from benchmarks.onnx_peers import Column

MIB = 1024 * 1024


def counts(col: Column, cases: list[Case]) -> Counter[str]:
    """How many of ``cases`` ended with each result."""
    return Counter(col.cases[c.name].result for c in cases if c.name in col.cases)


def summary_lines(columns: list[Column], cases: list[Case]) -> list[str]:
    """The summary table: per converter, cases matched per suite and each result's count."""
    suites = [(label, [c for c in cases if c.suite == suite]) for suite, label in SUITES]
    suites = [(label, members) for label, members in suites if members]
    head = ["converter", f"matches (of {len(cases)})", *(f"{label} (of {len(m)})" for label, m in suites)]
    head += list(RESULTS[1:])
    rows = ["| " + " | ".join(head) + " |", "| --- |" + " ---: |" * (len(head) - 1)]
    for col in columns:
        if col.skipped is not None:
            rows.append(f"| {col.conv.label} | skipped: {cell(col.skipped)} |" + " |" * (len(head) - 2))
            continue
        total = counts(col, cases)
        values = [str(total[MATCHES])] + [str(counts(col, m)[MATCHES]) for _, m in suites]
        values += [str(total[r]) for r in RESULTS[1:]]
        rows.append(f"| {col.conv.label} | " + " | ".join(values) + " |")
    return rows


def case_cell(col: Column, case: Case) -> str:
    if col.skipped is not None:
        return "skipped"
    res = col.cases.get(case.name)
    if res is None:
        return "-"
    if res.result == MATCHES:
        return "matches"
    return f"**{res.result}**: {cell(shorten(res.detail))}"


def shorten(text: str, limit: int = 240) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def cell(text: str) -> str:
    """Text for a markdown table cell."""
    return text.replace("|", "\\|").replace("\n", " ")


def converters_table(columns: list[Column], workdir: str) -> list[str]:
    """Each converter's command (``WORKDIR``: the ``--workdir``), environment and opsets."""
    rows = ["| converter | command | environment | ONNX opset of the models it wrote |", "| --- | --- | --- | --- |"]
    for col in columns:
        opsets = sorted({r.opset for r in col.cases.values() if r.opset is not None})
        where = f"skipped: {col.skipped}" if col.skipped else col.versions
        rows.append(f"| {col.conv.label} | `{cell(col.conv.template.replace(workdir, 'WORKDIR'))}` | {cell(where)} | "
                    f"{', '.join(map(str, opsets)) or '-'} |")
    return rows


def mib(nbytes: float | None) -> str:
    return "-" if nbytes is None else f"{nbytes / MIB:.0f} MiB"


def seconds(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.2f} s" if value < 10 else f"{value:.0f} s"


def big_table(columns: list[Column]) -> list[str]:
    rows = ["| converter | wall | peak RSS | peak private (sampled) | outcome | ONNX written |",
            "| --- | ---: | ---: | ---: | --- | ---: |"]
    for col in columns:
        if col.skipped is not None:
            rows.append(f"| {col.conv.label} | | | | skipped: {cell(col.skipped)} | |")
            continue
        big = col.big
        if big is None:
            continue
        wall = "-" if big.wall is None else f"{big.wall:.1f} s"
        capped = " (killed at the cap: the figures are those at the kill)" if "timed out" in big.outcome else ""
        rows.append(f"| {col.conv.label} | {wall} | {mib(big.rss)} | {mib(big.anon)} | "
                    f"{cell(shorten(big.outcome))}{capped} | {mib(big.onnx_bytes)} |")
    return rows


#: The issue's limits for the export of the ResNet-152-shaped model.
TIME_LIMIT = 1.5
PRIVATE_LIMIT = "half the model plus 120 MiB"


def private_limit(model_bytes: int) -> float:
    return model_bytes / 2 + 120 * MIB


def vs_fold_lines(col: Column) -> list[str]:
    """Our exporter against ``fold``: medians, the per-round time ratio, the limits, and
    whether the exports were byte-identical."""
    vs = col.vs_fold
    assert vs is not None
    if vs.failure is not None:
        return [f"Not measured: {cell(vs.failure)}", ""]
    n = len(vs.rounds)
    ratios = sorted(r.ratio for r in vs.rounds)
    median_ratio = statistics.median(ratios)
    rows = [
        "| command | wall (median) | peak RSS (median) | peak private, sampled (median) |",
        "| --- | ---: | ---: | ---: |",
        (f"| `caffe-bn-merge fold` | {seconds(vs.median('fold_wall'))} | {mib(vs.median('fold_rss'))} | "
        f"{mib(vs.median('fold_anon'))} |"),
        (f"| `{cell(col.conv.label)}` | {seconds(vs.median('export_wall'))} | {mib(vs.median('export_rss'))} | "
        f"{mib(vs.median('export_anon'))} |"),
    ]
    anon = vs.median("export_anon")
    limit = private_limit(vs.model_bytes)
    time_ok = "met" if median_ratio <= TIME_LIMIT else "**not met**"
    mem_ok = "-" if anon is None else ("met" if anon <= limit else "**not met**")
    same = (f"yes: {len(vs.digests)} exports, one sha256 ({vs.digests[0][:16]}...)" if vs.identical
            else f"**no**: {len(set(vs.digests))} different outputs in {len(vs.digests)} exports")
    checks = [
        "| check | limit | measured | |",
        "| --- | --- | --- | --- |",
        (f"| export time / fold time | at most {TIME_LIMIT:g} | {median_ratio:.2f} (median of the {n} rounds' ratios; "
        f"{ratios[0]:.2f} to {ratios[-1]:.2f}) | {time_ok} |"),
        f"| export peak private memory | at most {PRIVATE_LIMIT} ({mib(limit)}) | {mib(anon)} | {mem_ok} |",
        f"| repeated exports | byte-identical | {same} | {'met' if vs.identical else '**not met**'} |",
    ]
    return [*rows, "", *checks, ""]


def short_table(columns: list[Column], cases: list[Case]) -> list[str]:
    """The few lines the benchmarks' README quotes: per converter, the cases matched and
    the ResNet-152-shaped model's time and peak private memory (ours: medians)."""
    rows = [f"| converter | cases matching Caffe (of {len(cases)}) | ResNet-152 shape: time | peak private memory |",
            "| --- | ---: | ---: | ---: |"]
    for col in columns:
        if col.skipped is not None:
            continue
        matched = str(counts(col, cases)[MATCHES])
        wall: float | None = None
        anon: float | None = None
        if col.vs_fold is not None and col.vs_fold.rounds:
            wall, anon = col.vs_fold.median("export_wall"), col.vs_fold.median("export_anon")
            fold = col.vs_fold.median("fold_wall")
            time = f"{seconds(wall)} (fold: {seconds(fold)}; median of {len(col.vs_fold.rounds)})"
        elif col.big is not None:
            wall, anon = col.big.wall, col.big.anon
            time = seconds(wall) + (" (one run)" if col.big.outcome == "wrote the ONNX model" else f" ({cell(col.big.outcome)})")
        else:
            time = "-"
        rows.append(f"| {col.conv.label} | {matched} | {time} | {mib(anon)} |")
    return rows


def intro(args: argparse.Namespace, date: str, machine: str) -> list[str]:
    import onnxruntime  # type: ignore[import-untyped]

    return [
        "# Caffe -> ONNX converters against real Caffe",
        "",
        (f"Written by `benchmarks/onnx_peers.py` on {date} ({machine}). Every converter converted each case "
         "made by real Caffe (`fixtures/`: the BatchNorm cases, `fixtures/zoo/`, `fixtures/fork_layers/`) in a "
         f"child process (timeout {args.timeout:.0f} s); ONNX Runtime {onnxruntime.__version__} (CPU) ran the "
         "result on the case's `input.npy`; every output blob of the Caffe net (a blob no layer of "
         "`deploy.prototxt` reads) was compared with the value "
         "Caffe recorded (the record of the last layer that wrote it). An output matches when its shape is "
         f"Caffe's and max \\|onnx - caffe\\| <= {RTOL:g} x max \\|caffe\\|. Outputs are paired by name; when "
         "exactly one Caffe output and one ONNX output are left unpaired they are paired (an output written "
         "in place must be renamed in ONNX). Nothing is fixed up: no reshaping, no reordering. A case's "
         "result is the worst of its outputs: matches < wrong values < wrong shape < missing output < ORT "
         "refuses (ONNX Runtime cannot load or run the model) < converter fails (with the first line of its "
         "error). How the peers were installed: `benchmarks/README.md`. Our exporter runs with its default "
         "options, and again with `--opset 13`; on a case made by a fork Caffe whose defaults differ from the "
         "exporter's it is given the option the case's README names ("
         + ", ".join(f"`{name}`: `{' '.join(extra)}`" for name, extra in sorted(CASE_ARGS.items()))
         + "); the peers have no such option."),
        "",
    ]


def markdown(
    columns: list[Column], cases: list[Case], args: argparse.Namespace, date: str, machine: str, big_note: str = ""
) -> str:
    """The whole report (``big_note``: the load average around the big model's runs)."""
    lines = intro(args, date, machine)
    if any(col.big is not None or col.vs_fold is not None for col in columns):
        lines += ["## In short", "", *short_table(columns, cases), "",
                  "Times and memory on the ResNet-152-shaped model below; a 2-CPU machine shared with other jobs.", ""]
    lines += ["## Converters", "", *converters_table(columns, str(args.workdir)), ""]
    lines += ["## Cases matched", "", *summary_lines(columns, cases), ""]
    lines += ["## Case by case", "", "| case | " + " | ".join(c.conv.label for c in columns) + " |",
              "| --- |" + " --- |" * len(columns)]
    for case in cases:
        lines.append(f"| `{case.name}` | " + " | ".join(case_cell(col, case) for col in columns) + " |")
    lines.append("")
    if any(col.big is not None for col in columns):
        lines += [
            "## The ResNet-152-shaped model",
            "",
            (f"`bench.py`'s ResNet-152-shaped model (671 layers, 230 MiB caffemodel, seed {args.seed}) converted "
             f"once by each converter, killed after {args.big_timeout:.0f} s. Wall time around the process; peak "
             "RSS is its `ru_maxrss` (it counts the pages of the memory-mapped caffemodel the converter has "
             "read); peak private memory is the largest `RssAnon` (anonymous pages: heap, arrays) of "
             f"`/proc/PID/status` read every {SAMPLE_SECONDS * 1000:g} ms while it ran, a lower bound of the "
             "true peak. One run each, on a machine shared with other jobs "
             f"({big_note or 'load average not measured'}), so the figures are rough. The output is not checked "
             "(there is no Caffe run of this model)."),
            "",
            *big_table(columns),
            "",
        ]
        for col in columns:
            if col.vs_fold is None:
                continue
            lines += [
                f"### `{col.conv.label}` against `caffe-bn-merge fold`",
                "",
                (f"A warm-up round, then {args.big_runs} rounds each running `caffe-bn-merge fold` then our export "
                 "once, on the same model (in the page cache), from cached bytecode, outputs removed before each "
                 "run (untimed); the figures are medians over the rounds, measured as above. Other jobs ran on "
                 "the machine's 2 CPUs at the same time: a round's two commands see about the same load, so the "
                 "ratio of a round is steadier than either time. Every export's output was hashed, the "
                 "warm-up's included."),
                "",
                *vs_fold_lines(col),
            ]
    return "\n".join(lines)
