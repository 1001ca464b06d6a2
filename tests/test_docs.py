"""The documentation stays true: README.md and docs/*.md.

* Every relative link reaches an existing file, and every ``#anchor`` a heading of its
  target page (anchors as GitHub makes them from headings).
* README.md stays at most 10 KiB: the reference lives in docs/.
* The README's command examples (``$ caffe-bn-merge ...`` on the shipped fixtures) run,
  exit 0 and print exactly what the README shows.
* The README's two set-up commands are the ones CI runs (.ci/run) and the example run.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import ROOT, run_cli

README = ROOT / "README.md"
PAGES = [README, *sorted((ROOT / "docs").glob("*.md"))]
#: The README's size limit (issue 15: "a README of at most ~10 KB").
README_MAX_BYTES = 10_240

FENCE = re.compile(r"^(```|~~~)")
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
#: ``[text](target)``, not ``![image](...)``; targets without spaces (as Markdown needs).
LINK = re.compile(r"(?<!!)\[(?:[^\]\\]|\\.)*\]\(([^)\s]+)\)")


def prose_lines(text: str) -> list[tuple[int, str]]:
    """(line number, line) of the lines outside fenced code blocks."""
    out: list[tuple[int, str]] = []
    fenced = False
    for number, line in enumerate(text.splitlines(), 1):
        if FENCE.match(line.lstrip()):
            fenced = not fenced
            continue
        if not fenced:
            out.append((number, line))
    return out


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, inline code marks and punctuation
    dropped (letters, digits, ``-`` and ``_`` kept), spaces to ``-``."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link keeps its text
    text = text.lower().replace("`", "")
    text = "".join(ch for ch in text if ch.isalnum() or ch in "-_ ")
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    """Every anchor of a page's headings, with GitHub's ``-1``, ``-2`` for repeats."""
    seen: dict[str, int] = {}
    found: set[str] = set()
    for _, line in prose_lines(path.read_text(encoding="utf-8")):
        m = HEADING.match(line)
        if not m:
            continue
        base = slug(m.group(2))
        count = seen.get(base, 0)
        seen[base] = count + 1
        found.add(base if count == 0 else f"{base}-{count}")
    return found


def relative_links(path: Path) -> list[tuple[int, str]]:
    """(line, target) of every link that is not a URL or a mail address."""
    links: list[tuple[int, str]] = []
    for number, line in prose_lines(path.read_text(encoding="utf-8")):
        line = re.sub(r"`[^`]*`", "", line)  # code spans hold no links
        for m in LINK.finditer(line):
            target = m.group(1)
            if not re.match(r"^[a-z][a-z0-9+.-]*:", target):
                links.append((number, target))
    return links


def test_slug_follows_github() -> None:
    assert slug("Where the forks disagree: `--fork`") == "where-the-forks-disagree---fork"
    assert slug("`--ssd-head cut`: decode on the host or with your own plugin") == (
        "--ssd-head-cut-decode-on-the-host-or-with-your-own-plugin"
    )
    assert slug("Performance (measured)") == "performance-measured"
    assert slug("The merge: `caffe-bn-merge DEPLOY CAFFEMODEL`") == "the-merge-caffe-bn-merge-deploy-caffemodel"


def test_link_checker_sees_a_broken_link(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text("# Title\n\n[ok](#title) [gone](#nowhere) `[code](x.md)` [file](missing.md)\n```\n[x](y.md)\n```\n")
    assert relative_links(page) == [(3, "#title"), (3, "#nowhere"), (3, "missing.md")]
    assert anchors(page) == {"title"}


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_resolve(page: Path) -> None:
    broken: list[str] = []
    for line, target in relative_links(page):
        file_part, _, anchor = target.partition("#")
        dest = (page.parent / file_part).resolve() if file_part else page
        if not dest.exists():
            broken.append(f"{page.name}:{line}: {target}: no such file")
        elif anchor and dest.suffix == ".md" and anchor not in anchors(dest):
            broken.append(f"{page.name}:{line}: {target}: no heading with anchor #{anchor}")
    assert not broken, "\n".join(broken)


def test_readme_stays_short() -> None:
    size = len(README.read_bytes())
    assert size <= README_MAX_BYTES, f"README.md is {size} bytes; the reference belongs in docs/"


def test_every_docs_page_is_linked_from_the_readme() -> None:
    linked = {(README.parent / t.partition("#")[0]).resolve() for _, t in relative_links(README)}
    missing = [p.name for p in PAGES[1:] if p.resolve() not in linked]
    assert not missing, f"docs pages the README does not link: {missing}"


@dataclass
class Example:
    """A ``$ caffe-bn-merge ...`` line of the README and the output shown after it."""

    line: int
    args: list[str]
    output: list[str]


def readme_examples() -> list[Example]:
    examples: list[Example] = []
    fenced = False
    current: Example | None = None
    for number, line in enumerate(README.read_text(encoding="utf-8").splitlines(), 1):
        if FENCE.match(line):
            fenced = not fenced
            current = None
            continue
        if not fenced:
            continue
        if line.startswith("$ caffe-bn-merge "):
            current = Example(number, shlex.split(line[len("$ caffe-bn-merge ") :]), [])
            examples.append(current)
        elif current is not None:
            current.output.append(line)
    return examples


EXAMPLES = readme_examples()


def test_the_readme_shows_an_example_of_every_command() -> None:
    from caffe2trt_bn.cli import COMMANDS

    shown = {e.args[0] if e.args[0] in COMMANDS else "merge" for e in EXAMPLES}
    assert shown == {"merge", *COMMANDS}


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda e: f"README.md:{e.line}")
def test_readme_example_prints_what_it_shows(example: Example, tmp_path: Path) -> None:
    # Run from a folder that looks like the root of a clone, so outputs land in tmp_path.
    (tmp_path / "fixtures").symlink_to(ROOT / "fixtures", target_is_directory=True)
    result = run_cli(*example.args, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == example.output
    assert result.stderr == ""


def test_setup_commands_match_ci_and_the_example() -> None:
    text = README.read_text(encoding="utf-8")
    install = re.search(r"^pip install \. && caffe-bn-merge (.+)$", text, re.MULTILINE)
    tests = re.search(r"^(pip install -e \"\.\[test\]\") && (python -m pytest -q)$", text, re.MULTILINE)
    assert install and tests, "the README's two set-up commands are missing"
    # The first set-up command is the merge example, whose output the README shows.
    assert shlex.split(install.group(1)) in [e.args for e in EXAMPLES]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert f"python -m pip install -q -e {tests.group(1)[len('pip install -e '):]}" in ci
    assert re.search(r"^python -m pytest -q\b", ci, re.MULTILINE), "CI must run the README's test command"
