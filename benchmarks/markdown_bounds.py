"""Benchmark: the costliest Markdown one event file can hold, timed as whole processes.

    python benchmarks/markdown_bounds.py               # every case, 3 runs each
    python benchmarks/markdown_bounds.py --runs 5 links nested

Each case is one incident file of about 2 MB (the largest file the loader takes) beside
the example statuspage.yaml. Files that keep to the bounds of statuspage/markdown.py
(a text of at most 50,000 characters, elements nested at most 16 deep, at most 10,000
elements in one file) spend their 10,000 elements on the costliest kind and fill the
rest with prose; hostile files are the ones the bounds refuse, such as issue 24's
deeply nested emphasis and links. For `statuspage check` and `statuspage build`
(no parse cache, a new output directory) it prints the median wall time, the peak RSS
and the exit status. Run on demand; never part of the tests.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from statuspage.load.sources import MAX_FILE_BYTES
from statuspage.model.markdown import MAX_ELEMENTS, measure_markdown

ROOT = Path(__file__).resolve().parent.parent
STATUSPAGE = [sys.executable, "-m", "statuspage"]
NOW = "2026-11-23T10:00"
#: Just below the largest file the loader takes.
FILE_SIZE = MAX_FILE_BYTES - 4096
TEXT = 50_000
PROSE = (
    "We see slow responses on some shared servers and are moving their load to the "
    "spare nodes while the failing disk is replaced. "
)


def prose(length: int, seed: int) -> str:
    """`length` characters of one paragraph of prose, unlike any other (no cache helps)."""
    text = f"Update {seed}: "
    return (text + PROSE * (length // len(PROSE) + 1))[: length - 1].rstrip() + "."


#: Name -> (what the case is, the texts of its one file).
CASES: dict[str, tuple[str, Callable[[], list[str]]]] = {}


def case(name: str, what: str) -> Callable[[Callable[[], list[str]]], Callable[[], list[str]]]:
    def register(texts: Callable[[], list[str]]) -> Callable[[], list[str]]:
        CASES[name] = (what, texts)
        return texts

    return register


def at_the_limit(unit: str = "") -> list[str]:
    """Prose up to 2 MB, and as many `unit`s in one text as the element limit leaves."""
    texts: list[str] = []
    used, seed = 0, 0
    while used < FILE_SIZE - 2 * TEXT:  # room for the markup, and the YAML around it
        seed += 1
        texts.append(prose(TEXT, seed))
        used += TEXT + 80
    if not unit:
        return texts
    left = MAX_ELEMENTS - sum(measure_markdown(text).elements for text in texts)
    low, high = 1, min(MAX_ELEMENTS, TEXT // len(unit))  # the most that fit: binary search
    while low < high:
        middle = (low + high + 1) // 2
        if measure_markdown(unit * middle).elements <= left:
            low = middle
        else:
            high = middle - 1
    return [unit * low, *texts]


@case("prose", "2 MB of prose in texts of 50,000 characters (the baseline)")
def _prose() -> list[str]:
    return at_the_limit()


@case("links", "links ([a](u)) up to the element limit, and prose")
def _links() -> list[str]:
    return at_the_limit("[a](u) ")


@case("autolinks", "autolinks (<http://a.example>) up to the element limit, and prose")
def _autolinks() -> list[str]:
    return at_the_limit("<http://a.example> ")


@case("ordered", "ordered list items up to the element limit, and prose")
def _ordered() -> list[str]:
    return at_the_limit("1. a\n")


@case("nested", "emphasis and links nested 16 deep up to the element limit, and prose")
def _nested() -> list[str]:
    # The paragraph, 6 emphasis, a link, an emphasis and 7 strong inside each other.
    return at_the_limit(
        "*a " * 6 + "[b _c " + "**d " * 7 + "e" + "**" * 7 + "_](u)" + "*" * 6 + "\n\n"
    )


@case("hostile-huge", "refused: one text of 2 MB of emphasis and links, 190,000 levels of each")
def _hostile_huge() -> list[str]:
    return [nested_deep(FILE_SIZE - 4096)]


@case(
    "hostile-nested",
    "refused: 40 texts of 50,000 characters of emphasis and links, 4,500 levels of each",
)
def _hostile_nested() -> list[str]:
    return [f"{index} " + nested_deep(TEXT - 10) for index in range(40)]


def nested_deep(length: int) -> str:
    """Issue 24's case: `length` characters of emphasis and links inside each other."""
    levels = length // len("*a [b ](u)*")
    return "*a [b " * levels + "c" + "](u)*" * levels


@case("hostile-flat", "refused: 2 MB of flat links in 40 texts of 50,000 characters")
def _hostile_flat() -> list[str]:
    return [f"{index} " + "[a](u) " * (TEXT // 7 - 1) for index in range(40)]


@case("hostile-many", "refused: 40 texts each just inside the element limit")
def _hostile_many() -> list[str]:
    return [f"{index} " + "*a* " * 2495 for index in range(40)]


def event_file(texts: list[str]) -> str:
    updates = "".join(
        f"  - at: 2026-11-{1 + index // 1440:02d}T{index // 60 % 24:02d}:{index % 60:02d}\n"
        f"    status: investigating\n"
        f"    message: {json.dumps(text)}\n"
        for index, text in enumerate(texts)
    )
    return f"type: incident\ntitle: Markdown\ncomponents: [email]\nupdates:\n{updates}"


def run(args: list[str], cwd: Path) -> tuple[float, float, float, int, str]:
    """Wall time, CPU time, peak RSS in MB, exit status and first line printed of one
    process (CPU time tells more than wall time on a busy machine)."""
    with tempfile.TemporaryFile() as output:
        started = time.perf_counter()
        process = subprocess.Popen(args, cwd=cwd, stdout=output, stderr=output, env=ENV)
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        output.seek(0)
        first = output.readline().decode("utf-8", "replace").rstrip()
    cpu = usage.ru_utime + usage.ru_stime
    return elapsed, cpu, usage.ru_maxrss / 1024, process.returncode, first


ENV = {**os.environ, "STATUSPAGE_NO_CACHE": "1"}
ENV.pop("STATUSPAGE_NOW", None)


def measure(name: str, runs: int, directory: Path) -> None:
    what, texts = CASES[name]
    repo = directory / name
    (repo / "incidents").mkdir(parents=True)
    shutil.copy(ROOT / "statuspage.yaml", repo / "statuspage.yaml")
    path = repo / "incidents" / "2026-11-01-markdown.yaml"
    chosen = texts()
    while len(content := event_file(chosen).encode()) > MAX_FILE_BYTES:
        chosen.pop()  # prose, the markup (or a hostile text) comes first
    path.write_bytes(content)
    print(f"{name}: {what}; {len(content) / 1e6:.2f} MB")
    for command in ("check", "build"):
        figures = []
        for attempt in range(runs):
            args = [*STATUSPAGE, command, "--now", NOW]
            if command == "build":
                args += ["--output", str(directory / f"{name}-site-{attempt}")]
            figures.append(run(args, repo))
        wall = statistics.median(figure[0] for figure in figures)
        cpu = statistics.median(figure[1] for figure in figures)
        peak = max(figure[2] for figure in figures)
        codes = ", ".join(sorted({str(figure[3]) for figure in figures}))
        said = figures[0][4]
        said = said if len(said) <= 120 else said[:119] + "…"
        print(
            f"  {command:5}  {wall:5.2f} s  CPU {cpu:5.2f} s  {peak:4.0f} MB  exit {codes}  {said}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("cases", nargs="*", choices=[[], *CASES], help="default: all")
    parser.add_argument("--runs", type=int, default=3)
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="statuspage-markdown-") as directory:
        empty = Path(directory) / "empty"
        (empty / "incidents").mkdir(parents=True)
        shutil.copy(ROOT / "statuspage.yaml", empty / "statuspage.yaml")
        for command in ("check", "build"):
            args = [*STATUSPAGE, command, "--now", NOW]
            figures = [run(args, empty) for _ in range(arguments.runs)]
            wall = statistics.median(figure[0] for figure in figures)
            cpu = statistics.median(figure[1] for figure in figures)
            print(f"no events: {command}  {wall:5.2f} s  CPU {cpu:5.2f} s")
        for name in arguments.cases or CASES:
            measure(name, arguments.runs, Path(directory))


if __name__ == "__main__":
    main()
