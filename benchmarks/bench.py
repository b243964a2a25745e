"""Benchmark: generate a realistic status repository of N events and time whole processes.

    python benchmarks/bench.py                 # 10,000 events
    python benchmarks/bench.py 1000 10000 50000
    python benchmarks/bench.py --runs 5 10000
    python benchmarks/bench.py --serve 10000       # only `statuspage serve`
    python benchmarks/bench.py --servers 5000      # and with 5,000 servers in 3 regions
    python benchmarks/bench.py --languages 3       # and in 3 languages, against 1

For each N it writes the repository into a temporary directory (70 % incidents with
3-6 updates, 25 % maintenance, a few repeating backups, 20 components in 4 groups,
five years of history) and prints, for `statuspage check`, a full `statuspage build`
(median of --runs) and one rebuild in `statuspage serve` after one event file
changes: wall time, events per second and peak RSS; then the number and bytes of
output files and index.html's size gzipped. `check` and `build` are timed cold (no
parse cache, no earlier site) and warm (as on an operator's machine or a CI runner
that keeps .statuspage-cache/ and the output between runs). Run on demand; never
part of the tests.
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import json
import os
import queue
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
GROUPS = ["Hosting", "Email", "Platform", "Network"]
STATUSES = ["degraded_performance", "partial_outage", "major_outage"]
WORDS = (
    "database disk network latency queue relay cache node storage cluster backup "
    "certificate router switch firewall mail web php dns api load balancer"
).split()


REGIONS = {"hel1": "Helsinki 1", "fra1": "Frankfurt 1", "ams1": "Amsterdam 1"}
#: The share of events that name some of their component's servers (issue 16).
NAMING_SERVERS = 0.2


#: The languages of a benchmark site of several (issue 17), the default first.
LANGUAGES = ["en", "fi", "sv"]
_TEXT_LINE = re.compile(r"(?m)^(\s*(?:- )?)(title|name|message|description): (.*)$")


def in_languages(text: str, languages: int) -> str:
    """`text` (YAML) with each title, name, message and description written in the first
    `languages` of LANGUAGES: a mapping of each to its own text (the same words marked
    with the language, as long as a translation)."""
    if languages < 2:
        return text

    def translated(match: re.Match[str]) -> str:
        lead, key, value = match.groups()
        texts = {
            language: value if language == LANGUAGES[0] else f"{value} ({language})"
            for language in LANGUAGES[:languages]
        }
        flow = ", ".join(f"{language}: {json.dumps(body)}" for language, body in texts.items())
        return f"{lead}{key}: {{{flow}}}"

    return _TEXT_LINE.sub(translated, text)


def generate(root: Path, count: int, seed: int = 7, servers: int = 0, languages: int = 1) -> None:
    """Write statuspage.yaml and `count` event files under `root`; with `servers`, that
    many servers over the components and three regions, and a fifth of the events naming
    one to three of their first component's. The servers come from a random generator of
    their own: with and without them, the repository is otherwise the same. With
    `languages` (up to 3), the site is in that many, every text translated."""
    rng, server_rng = random.Random(seed), random.Random(seed + 1)
    components = [(f"service-{n:02d}", GROUPS[n % 4]) for n in range(20)]
    config = [
        "title: Benchmark Hosting status",
        "base_url: https://status.example.com/",
        "timezone: Europe/Helsinki",
    ]
    if languages > 1:
        config.append(f"languages: [{', '.join(LANGUAGES[:languages])}]")
    if servers:
        config += ["regions:", *(f"  {key}: {name}" for key, name in REGIONS.items())]
    config.append("components:")
    names: dict[str, list[str]] = {component_id: [] for component_id, _ in components}
    for n in range(servers):
        names[components[n % len(components)][0]].append(f"srv{n:05d}")
    for component_id, group in components:
        config += [
            f"  - id: {component_id}",
            f"    name: Service {component_id[-2:]}",
            f"    group: {group}",
        ]
        if names[component_id]:
            config.append("    servers:")
        for name in names[component_id]:
            region = list(REGIONS)[int(name[3:]) % len(REGIONS)]
            config += [
                f"      - name: {name}",
                f"        aliases: [{name}.example.com, 10.{int(name[3:]) // 256 % 256}.{int(name[3:]) % 256}.1]",
                f"        region: {region}",
            ]
    config_text = in_languages("\n".join(config) + "\n", languages)
    (root / "statuspage.yaml").write_text(config_text, encoding="utf-8")
    events = root / "incidents"
    events.mkdir()
    start = NOW - timedelta(days=5 * 365)
    span = int((NOW - start).total_seconds())
    backups = max(1, count // 2000)
    for n in range(count):
        at = start + timedelta(seconds=rng.randrange(span))
        title = " ".join(rng.choice(WORDS) for _ in range(4)).capitalize()
        picked = rng.sample(components, rng.randint(1, 3))
        if n < backups:
            text = _backup(n, picked)
        elif rng.random() < 0.74:
            text = _incident(rng, title, picked, at)
        else:
            text = _maintenance(rng, title, picked, at)
        mine = names[picked[0][0]]
        if mine and server_rng.random() < NAMING_SERVERS:
            text += f"servers: [{', '.join(server_rng.sample(mine, min(len(mine), server_rng.randint(1, 3))))}]\n"
        path = events / f"{at:%Y-%m-%d}-event-{n:06d}.yaml"
        path.write_text(in_languages(text, languages), encoding="utf-8")


def _incident(rng: random.Random, title: str, picked: list[tuple[str, str]], at: datetime) -> str:
    lines = [
        "type: incident",
        f"title: {title}",
        f"impact: {rng.choice(['minor', 'major', 'critical'])}",
        "components:",
    ]
    lines += [f"  {component_id}: {rng.choice(STATUSES)}" for component_id, _ in picked]
    lines.append("updates:")
    steps = ["investigating", "identified", "monitoring", "resolved"]
    count = rng.randint(3, 6)
    flow = [*steps[: min(count - 1, 3)], *["monitoring"] * max(0, count - 4), "resolved"][-count:]
    for status in flow:
        at += timedelta(minutes=rng.randint(5, 90))
        lines += [
            f"  - at: {at:%Y-%m-%dT%H:%M:%SZ}",
            f"    status: {status}",
            f"    message: The {rng.choice(WORDS)} {rng.choice(WORDS)} is being looked at; "
            f"**{rng.choice(WORDS)}** affected for some customers.",
        ]
    return "\n".join(lines) + "\n"


def _maintenance(
    rng: random.Random, title: str, picked: list[tuple[str, str]], at: datetime
) -> str:
    components = ", ".join(component_id for component_id, _ in picked)
    return (
        f"type: maintenance\ntitle: {title}\ncomponents: [{components}]\n"
        f"starts: {at:%Y-%m-%dT%H:00:00Z}\nduration: {rng.choice(['30m', '1h', '2h', '4h'])}\n"
        f"description: Planned work on the {rng.choice(WORDS)}.\n"
        f"updates:\n  - at: {at - timedelta(days=7):%Y-%m-%dT%H:%M:%SZ}\n    status: scheduled\n"
        "    message: Announced.\n"
    )


def _backup(n: int, picked: list[tuple[str, str]]) -> str:
    component_id = picked[0][0]
    return (
        f"type: backup\ntitle: Weekly backup {n}\ncomponents:\n  {component_id}: degraded_performance\n"
        f"starts: 2022-01-0{1 + n % 7}T02:00\nduration: 2h\nrepeat: FREQ=WEEKLY\n"
    )


def timed(args: list[str], cwd: Path) -> tuple[float, float]:
    """Run a command; return (wall seconds, peak RSS of the child in MB)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    result = subprocess.run(args, cwd=cwd, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        sys.exit(f"{' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return elapsed, max(peak, before) / 1024  # ru_maxrss is in KB on Linux


def statuspage(*args: str, now: datetime = NOW) -> list[str]:
    return [sys.executable, "-m", "statuspage", *args, "--now", now.isoformat()]


def forget(root: Path) -> None:
    """Remove everything a build keeps for the next one: parse cache, site, spare tree."""
    for name in (".statuspage-cache", "site", ".site.previous"):
        shutil.rmtree(root / name, ignore_errors=True)


@dataclass
class ServeFigures:
    """One `serve` session: its start, then edits of one event file, one at a time."""

    started: float = 0.0  # from starting the process to "Serving on"
    checked: float = 0.0  # the background check of the first build: every file rendered
    rebuilds: list[float] = field(default_factory=list)  # "Built in X s"
    shown: list[float] = field(default_factory=list)  # from the save to the new page served
    home: list[float] = field(default_factory=list)  # ...and then the home page
    rss: float = 0.0  # peak RSS of the server, MB


def serve_rebuilds(root: Path, edits: int = 3, now: datetime | None = NOW) -> ServeFigures:
    """Time `statuspage serve`: start, then `edits` saves of one incident's file, each
    from the save to the server's "Built" line and to its page served with the change."""
    figures = ServeFigures()
    command = [sys.executable, "-u", "-m", "statuspage", "serve", "--port", "0"]
    if now is not None:
        command += ["--now", now.isoformat()]
    started = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=root, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in process.stdout or ()]).start()

    def wait_for(prefix: str) -> str:
        while not (line := lines.get(timeout=600)).startswith(prefix):
            pass
        return line

    try:
        port = int(wait_for("Serving on").strip().rstrip("/").rsplit(":", 1)[1])
        figures.started = time.perf_counter() - started
        figures.checked = _seconds(wait_for("Rendered all"))
        target = sorted((root / "incidents").glob("*-event-*.yaml"))[
            len(list((root / "incidents").glob("*.yaml"))) // 2
        ]
        page = f"http://127.0.0.1:{port}/incidents/{target.stem}/"
        original = target.read_text(encoding="utf-8")
        builds = _follow_builds(port)  # as an open page does: it reloads on a new build
        builds.get(timeout=60)  # the current build, sent at once
        for edit in range(edits):
            title = f"Edited title number {edit}"
            saved = time.perf_counter()
            target.write_text(
                re.sub(r"(?m)^title: .*$", f"title: {title}", original), encoding="utf-8"
            )
            builds.get(timeout=60)
            if title.encode() not in _get(page):
                sys.exit(f"{page} does not show the edit")
            figures.shown.append(time.perf_counter() - saved)
            _get(f"http://127.0.0.1:{port}/")
            figures.home.append(time.perf_counter() - saved)
            figures.rebuilds.append(_seconds(wait_for("Built")))
            wait_for("Rendered all")  # the machine is quiet again, as between a user's saves
        target.write_text(original, encoding="utf-8")
        figures.rss = _peak_rss(process.pid)
    finally:
        process.terminate()
        process.wait(timeout=60)
    return figures


def _peak_rss(pid: int) -> float:
    """The peak RSS of a running process in MB (Linux), or NaN."""
    try:
        status = Path(f"/proc/{pid}/status").read_text(encoding="utf-8")
    except OSError:
        return float("nan")
    found = re.search(r"VmHWM:\s+(\d+) kB", status)
    return int(found.group(1)) / 1024 if found else float("nan")


def _follow_builds(port: int) -> queue.Queue[bytes]:
    """The server's build events, as its reload script receives them."""
    events: queue.Queue[bytes] = queue.Queue()
    stream = urllib.request.urlopen(f"http://127.0.0.1:{port}/__statuspage/events", timeout=600)

    def read() -> None:
        with contextlib.suppress(OSError, ValueError):
            for line in stream:
                if line.startswith(b"data: "):
                    events.put(line)

    threading.Thread(target=read, daemon=True).start()
    return events


def _seconds(line: str) -> float:
    found = re.search(r"in ([0-9.]+) s", line)
    return float(found.group(1)) if found else float("nan")


def _get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=60) as response:
        return bytes(response.read())


def measure(count: int, runs: int, only_serve: bool = False, servers: int = 0) -> float:
    """Print the figures of one repository; return its build's median seconds."""
    build_median = 0.0
    with tempfile.TemporaryDirectory(prefix="statuspage-bench-") as directory:
        root = Path(directory)
        generate(root, count, servers=servers)
        print(f"events: {count:,}" + (f", servers: {servers:,}" if servers else ""), flush=True)

        def row(name: str, seconds: float, rss: float, note: str) -> None:
            print(
                f"  {name:13}{seconds:7.2f} s {count / seconds:9,.0f} events/s"
                f"  peak RSS {rss:5.0f} MB  ({note})",
                flush=True,
            )

        if not only_serve:
            row("check, cold", *timed(statuspage("check"), root), "no parse cache")
            row("check", *timed(statuspage("check"), root), "parse cache warm")
            forget(root)
            row("build, cold", *timed(statuspage("build"), root), "no cache, no earlier site")
            # Rebuilds as CI and cron make them: sources unchanged, `now` 15 minutes later each
            # time, so every page is rendered and written again (each says when it was built).
            builds = []
            build_rss = 0.0
            for run in range(runs):
                later = NOW + timedelta(minutes=15 * (run + 1))
                elapsed, rss = timed(statuspage("build", now=later), root)
                builds.append(elapsed)
                build_rss = max(build_rss, rss)
            times = ", ".join(f"{b:.2f}" for b in builds)
            build_median = statistics.median(builds)
            row("build", build_median, build_rss, f"new --now each time; {times}")
            files = [p for p in (root / "site").rglob("*") if p.is_file()]
            total = sum(p.stat().st_size for p in files)
            index = (root / "site" / "index.html").read_bytes()
            print(f"  output       {len(files):,} files, {total / 1e6:.1f} MB")
            print(
                f"  index.html   {len(index) / 1024:.1f} KB, {len(gzip.compress(index, 9)) / 1024:.1f} KB gzipped",
                flush=True,
            )
            index_file = root / "site" / "servers.json"
            if index_file.exists():
                listed = index_file.read_bytes()
                print(
                    f"  servers.json {len(listed) / 1024:.1f} KB, "
                    f"{len(gzip.compress(listed, 9)) / 1024:.1f} KB gzipped",
                    flush=True,
                )
        serve = serve_rebuilds(root)
        print(
            f"  serve        started in {serve.started:.2f} s, every file rendered after "
            f"{serve.checked:.2f} s more, peak RSS {serve.rss:.0f} MB",
            flush=True,
        )
        for name, values in [
            ("rebuild", serve.rebuilds),
            ("page shown", serve.shown),
            ("home shown", serve.home),
        ]:
            listed = ", ".join(f"{value:.2f}" for value in values)
            print(f"  serve {name:11}{statistics.median(values):5.2f} s  (median; {listed})")
        print(
            "    after one event file changed: the server's Built line; from the save to",
            flush=True,
        )
        print("    its page served with the change, then the home page too", flush=True)
    return build_median


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("counts", nargs="*", type=int, default=[10_000])
    parser.add_argument("--runs", type=int, default=3, help="builds per size (median)")
    parser.add_argument("--serve", action="store_true", help="time `serve` only")
    parser.add_argument(
        "--servers",
        type=int,
        default=0,
        help="also the same repository with this many servers (issue 16: 5000), and the ratio",
    )
    parser.add_argument(
        "--languages",
        type=int,
        default=0,
        choices=[0, 2, 3],
        help="also the same repository in this many languages, every text translated "
        "(issue 17: 3), against one: builds in turns and serve's rebuild",
    )
    arguments = parser.parse_args()
    print(
        f"python {sys.version.split()[0]} on {os.uname().machine}, {os.cpu_count()} cores, {datetime.now(UTC):%Y-%m-%d}"
    )
    for count in arguments.counts:
        without = measure(count, arguments.runs, arguments.serve)
        if arguments.servers:
            with_servers = measure(count, arguments.runs, arguments.serve, arguments.servers)
            if without and with_servers:
                print(
                    f"  with {arguments.servers:,} servers the build takes "
                    f"{with_servers / without:.2f} times as long (issue 16: at most 1.30)",
                    flush=True,
                )
            if not arguments.serve:
                compare_in_turns(count, arguments.servers, arguments.runs)
        if arguments.languages:
            compare_languages(count, arguments.languages, arguments.runs)


def compare_languages(count: int, languages: int, runs: int) -> None:
    """The build of one repository in `languages` languages against the same in one, from
    rebuilds in turns (issue 17: N languages cost about N times one language's render),
    then serve's rebuild after one event changes, for all the languages (issue 17: at
    most 0.3 s per language)."""
    with tempfile.TemporaryDirectory(prefix="statuspage-bench-") as directory:
        roots = [Path(directory) / "one", Path(directory) / "several"]
        for root, many in zip(roots, (1, languages), strict=True):
            root.mkdir()
            generate(root, count, languages=many)
        walls = rebuild_in_turns(roots, runs)
        one, several = (statistics.median(wall) for wall in walls)
        files = [sum(1 for p in (root / "site").rglob("*") if p.is_file()) for root in roots]
        print(f"events: {count:,}, in 1 language and in {languages}", flush=True)
        print(
            f"  build in turns ({runs} rebuilds each): 1 language {one:.2f} s "
            f"({files[0]:,} files), {languages} languages {several:.2f} s ({files[1]:,} "
            f"files): {several / one:.2f} times as long (issue 17: about {languages})",
            flush=True,
        )
        serve = serve_rebuilds(roots[1])
        rebuild = statistics.median(serve.rebuilds)
        listed = ", ".join(f"{value:.2f}" for value in serve.rebuilds)
        print(
            f"  serve rebuild in {languages} languages {rebuild:.2f} s (median; {listed}): "
            f"{rebuild / languages:.2f} s per language (issue 17: at most 0.30)",
            flush=True,
        )


def rebuild_in_turns(roots: list[Path], runs: int) -> list[list[float]]:
    """Each repository of `roots` built twice (a parse cache and a kept tree, as for the
    rebuilds), then rebuilt `runs` times in turns, one of each then the next, at a new
    `now` each: the wall seconds of each one's rebuilds. A machine whose speed drifts (a
    shared virtual one) then slows them alike."""
    for root in roots:
        for run in range(2):
            timed(statuspage("build", now=NOW - timedelta(hours=run + 1)), root)
    walls: list[list[float]] = [[] for _ in roots]
    for run in range(runs):
        later = NOW + timedelta(minutes=15 * (run + 1))
        for root, wall in zip(roots, walls, strict=True):
            wall.append(timed(statuspage("build", now=later), root)[0])
    return walls


def compare_in_turns(count: int, servers: int, runs: int) -> None:
    """The ratio again, from rebuilds of the two repositories in turns: a machine whose
    speed drifts (a shared virtual one) then slows both alike."""
    with tempfile.TemporaryDirectory(prefix="statuspage-bench-") as directory:
        roots = [Path(directory) / "plain", Path(directory) / "servers"]
        for root, many in zip(roots, (0, servers), strict=True):
            root.mkdir()
            generate(root, count, servers=many)
        walls = rebuild_in_turns(roots, runs)
    plain, many = (statistics.median(wall) for wall in walls)
    print(
        f"  in turns ({runs} rebuilds each): {plain:.2f} s and {many:.2f} s (medians), "
        f"{many / plain:.2f} times as long; fastest {min(walls[0]):.2f} s and "
        f"{min(walls[1]):.2f} s, {min(walls[1]) / min(walls[0]):.2f} times",
        flush=True,
    )


if __name__ == "__main__":
    main()
