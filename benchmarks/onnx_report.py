"""The report of ``onnx_peers.py``: converters against real Caffe, case by case, and on
the ResNet-152-shaped model; written as markdown (``ONNX-PEERS.md``)."""

from __future__ import annotations

import argparse
from collections import Counter
from typing import TYPE_CHECKING

from benchmarks.onnx_compare import MATCHES, RESULTS, RTOL, SUITES, Case

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


def big_table(columns: list[Column]) -> list[str]:
    rows = ["| converter | wall | peak RSS | outcome | ONNX written |", "| --- | ---: | ---: | --- | ---: |"]
    for col in columns:
        if col.skipped is not None:
            rows.append(f"| {col.conv.label} | | | skipped: {cell(col.skipped)} | |")
            continue
        big = col.big
        if big is None:
            continue
        wall = "-" if big.wall is None else f"{big.wall:.1f} s"
        rss = "-" if big.rss is None else f"{big.rss / MIB:.0f} MiB"
        size = "-" if big.onnx_bytes is None else f"{big.onnx_bytes / MIB:.0f} MiB"
        capped = " (killed at the cap: the figures are those at the kill)" if "timed out" in big.outcome else ""
        rows.append(f"| {col.conv.label} | {wall} | {rss} | {cell(shorten(big.outcome))}{capped} | {size} |")
    return rows


def intro(args: argparse.Namespace, date: str, machine: str) -> list[str]:
    import onnxruntime  # type: ignore[import-untyped]

    return [
        "# Caffe -> ONNX converters against real Caffe",
        "",
        (f"Written by `benchmarks/onnx_peers.py` on {date} ({machine}). Every converter converted each case "
         "made by real Caffe (`fixtures/`: the BatchNorm cases, `fixtures/zoo/`, `fixtures/fork_layers/`) in a "
         f"child process (timeout {args.timeout:.0f} s); ONNX Runtime {onnxruntime.__version__} (CPU) ran the "
         "result on the case's `input.npy`; every output blob of the Caffe net was compared with the value "
         "Caffe recorded (the record of the last layer that wrote it). An output matches when its shape is "
         f"Caffe's and max \\|onnx - caffe\\| <= {RTOL:g} x max \\|caffe\\|. Outputs are paired by name; when "
         "exactly one Caffe output and one ONNX output are left unpaired they are paired (an output written "
         "in place must be renamed in ONNX). Nothing is fixed up: no reshaping, no reordering. A case's "
         "result is the worst of its outputs: matches < wrong values < wrong shape < missing output < ORT "
         "refuses (ONNX Runtime cannot load or run the model) < converter fails (with the first line of its "
         "error). How the peers were installed: `benchmarks/README.md`."),
        "",
    ]


def markdown(
    columns: list[Column], cases: list[Case], args: argparse.Namespace, date: str, machine: str, big_note: str = ""
) -> str:
    """The whole report (``big_note``: the load average around the big model's runs)."""
    lines = intro(args, date, machine)
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
             "RSS is its `ru_maxrss`. One run each, on a shared machine "
             f"({big_note or 'load average not measured'}), so the figures are rough. The output is not checked "
             "(there is no Caffe run of this model)."),
            "",
            *big_table(columns),
            "",
        ]
    return "\n".join(lines)
