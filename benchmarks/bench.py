"""Benchmark: generate a realistic status repository of N events and time whole processes.

    python benchmarks/bench.py                 # 10,000 events
    python benchmarks/bench.py 1000 10000 50000
    python benchmarks/bench.py --runs 5 10000

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
import gzip
import os
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
GROUPS = ["Hosting", "Email", "Platform", "Network"]
STATUSES = ["degraded_performance", "partial_outage", "major_outage"]
WORDS = (
    "database disk network latency queue relay cache node storage cluster backup "
    "certificate router switch firewall mail web php dns api load balancer"
).split()


def generate(root: Path, count: int, seed: int = 7) -> None:
    """Write statuspage.yaml and `count` event files under `root`."""
    rng = random.Random(seed)
    components = [(f"service-{n:02d}", GROUPS[n % 4]) for n in range(20)]
    config = [
        "title: Benchmark Hosting status",
        "base_url: https://status.example.com/",
        "timezone: Europe/Helsinki",
        "components:",
    ]
    for component_id, group in components:
        config += [
            f"  - id: {component_id}",
            f"    name: Service {component_id[-2:]}",
            f"    group: {group}",
        ]
    (root / "statuspage.yaml").write_text("\n".join(config) + "\n", encoding="utf-8")
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
        (events / f"{at:%Y-%m-%d}-event-{n:06d}.yaml").write_text(text, encoding="utf-8")


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


def serve_rebuild(root: Path) -> float:
    """Seconds from changing one event file to the server's 'Built' line."""
    process = subprocess.Popen(
        [
            sys.executable,
            "-u",
            "-m",
            "statuspage",
            "serve",
            "--port",
            "0",
            "--now",
            NOW.isoformat(),
        ],
        cwd=root,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    try:
        for line in process.stdout:
            if line.startswith("Watching"):
                break
        target = sorted((root / "incidents").glob("*-event-*.yaml"))[-1]
        started = time.perf_counter()
        target.write_text(
            target.read_text(encoding="utf-8").replace("Announced.", "Announced again."),
            encoding="utf-8",
        )
        os.utime(target)
        for line in process.stdout:
            if line.startswith("Built"):
                reported = re.search(r"in ([0-9.]+) s", line)
                return float(reported.group(1)) if reported else time.perf_counter() - started
        return float("nan")
    finally:
        process.terminate()  # it then removes its temporary builds: slow on some file systems
        process.wait(timeout=300)


def measure(count: int, runs: int) -> None:
    with tempfile.TemporaryDirectory(prefix="statuspage-bench-") as directory:
        root = Path(directory)
        generate(root, count)
        print(f"events: {count:,}", flush=True)

        def row(name: str, seconds: float, rss: float, note: str) -> None:
            print(
                f"  {name:13}{seconds:7.2f} s {count / seconds:9,.0f} events/s"
                f"  peak RSS {rss:5.0f} MB  ({note})",
                flush=True,
            )

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
        row("build", statistics.median(builds), build_rss, f"new --now each time; {times}")
        files = [p for p in (root / "site").rglob("*") if p.is_file()]
        total = sum(p.stat().st_size for p in files)
        index = (root / "site" / "index.html").read_bytes()
        print(f"  output       {len(files):,} files, {total / 1e6:.1f} MB")
        print(
            f"  index.html   {len(index) / 1024:.1f} KB, {len(gzip.compress(index, 9)) / 1024:.1f} KB gzipped",
            flush=True,
        )
        rebuild = serve_rebuild(root)
        print(f"  serve rebuild{rebuild:7.2f} s  after one event file changed", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("counts", nargs="*", type=int, default=[10_000])
    parser.add_argument("--runs", type=int, default=3, help="builds per size (median)")
    arguments = parser.parse_args()
    print(
        f"python {sys.version.split()[0]} on {os.uname().machine}, {os.cpu_count()} cores, {datetime.now(UTC):%Y-%m-%d}"
    )
    for count in arguments.counts:
        measure(count, arguments.runs)


if __name__ == "__main__":
    main()
