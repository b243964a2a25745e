"""Where a build's time goes: each stage of `statuspage build` timed in one process.

    python benchmarks/stages.py                    # 10,000 generated events
    python benchmarks/stages.py 1000 --profile 25  # and a cProfile of the build, top 25
    python benchmarks/stages.py --repo PATH        # an existing status repository
    python benchmarks/stages.py --servers 5000     # with 5,000 servers (bench.py's)

Then the same for `serve` after one event file changed: the rebuild, and the two pages
a browser asks for next (profiled too with --profile).

Runs the stages of statuspage/build.py one by one (with the build's GC setting) and prints
wall and CPU seconds for each; CPU time is the steadier figure on a busy machine. The
output is written to a temporary directory. Run on demand; never part of the tests.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench import NOW, generate

from statuspage.check import find_warnings
from statuspage.cyclegc import fewer_collections
from statuspage.load.cache import ParseCache
from statuspage.load.sources import load_sources
from statuspage.model.markdown import render_markdown
from statuspage.model.times import resolve_now
from statuspage.model.validate import require_valid, validate_sources
from statuspage.output import write_site
from statuspage.outputs.api import render_api
from statuspage.outputs.calendar import render_calendars
from statuspage.outputs.feeds import render_feeds
from statuspage.outputs.pages import make_environment, plan_site, render_pages
from statuspage.outputs.servers import render_servers
from statuspage.serve.incremental import Project
from statuspage.state import compute_state


def run_stages(root: Path, output: Path) -> None:
    timings: list[tuple[str, float, float]] = []

    def stage(name: str, action: Callable[[], Any]) -> Any:
        wall, cpu = time.perf_counter(), time.process_time()
        result = action()
        timings.append((name, time.perf_counter() - wall, time.process_time() - cpu))
        return result

    with fewer_collections():
        sources = stage(
            "load", lambda: load_sources(root / "statuspage.yaml", ParseCache.open(root))
        )
        validated = stage("validate", lambda: validate_sources(sources))
        site, events = require_valid(validated)
        state = stage("state", lambda: compute_state(site, events, resolve_now(NOW, site.zone)))
        stage("ahead", lambda: state.ahead)  # the states the script follows (issue 12)
        env = make_environment(root / "templates", site.language, site.zone)
        pages = stage("plan", lambda: plan_site(state, site.language))
        outputs: dict[str, bytes] = {}
        by_template: dict[str, list[Any]] = {}
        for page in pages:
            by_template.setdefault(page.template, []).append(page)
        for template, group in sorted(by_template.items(), key=lambda item: -len(item[1])):
            # Each template's pages, the largest families first (the states ahead and the
            # macros are made on the first page that asks, as in a build).
            outputs.update(
                stage(f"{template} ({len(group):,})", lambda group=group: render_pages(group, env))
            )
        outputs.update(stage("feeds", lambda: render_feeds(state, site.language)))
        outputs.update(stage("calendars", lambda: render_calendars(state, site.language)))
        outputs.update(stage("api", lambda: render_api(state)))
        outputs.update(stage("servers.json", lambda: render_servers(state, site.language)))
        stage("warnings", lambda: find_warnings(state, validated.documents))
        stage("write", lambda: write_site(outputs, output))
    for name, wall, cpu in timings:
        print(f"  {name:24} {wall:7.3f} s wall {cpu:7.3f} s CPU")
    print(
        f"  {'total':24} {sum(t[1] for t in timings):7.3f} s wall {sum(t[2] for t in timings):7.3f} s CPU"
        f"  ({len(outputs):,} files)"
    )


def run_serve_rebuild(root: Path, profile: int | None) -> None:
    """What `serve` does after one event file changed: refresh, then the two pages."""
    project = Project(root / "statuspage.yaml")
    project.refresh(NOW)
    target = sorted((root / "incidents").glob("*.yaml"))[len(list(root.glob("incidents/*"))) // 2]
    original = target.read_text(encoding="utf-8")
    profiler = cProfile.Profile() if profile else None
    try:
        with fewer_collections():
            target.write_text(original.replace("title: ", "title: Edited ", 1), encoding="utf-8")
            wall, cpu = time.perf_counter(), time.process_time()
            if profiler:
                profiler.enable()
            site = project.refresh(NOW, [target])
            refreshed = time.perf_counter() - wall, time.process_time() - cpu
            site.get(f"incidents/{target.stem}/index.html")
            site.get("index.html")
            if profiler:
                profiler.disable()
            shown = time.perf_counter() - wall, time.process_time() - cpu
    finally:
        target.write_text(original, encoding="utf-8")
    print("serve, one event file changed:")
    print(f"  {'rebuild':10} {refreshed[0]:7.3f} s wall {refreshed[1]:7.3f} s CPU")
    print(
        f"  {'+2 pages':10} {shown[0]:7.3f} s wall {shown[1]:7.3f} s CPU  (its page, the home page)"
    )
    if profiler:
        pstats.Stats(profiler, stream=sys.stdout).sort_stats("tottime").print_stats(profile)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("count", nargs="?", type=int, default=10_000)
    parser.add_argument("--repo", type=Path, help="time this repository instead of a generated one")
    parser.add_argument("--profile", type=int, metavar="N", help="also profile, print the top N")
    parser.add_argument("--servers", type=int, default=0, help="generate this many servers too")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="statuspage-stages-") as directory:
        root = arguments.repo
        if root is None:
            root = Path(directory) / "repo"
            root.mkdir()
            generate(root, arguments.count, servers=arguments.servers)
        print(f"{root}: {sum(1 for _ in (root / 'incidents').glob('*.yaml')):,} event files")
        run_stages(root, Path(directory) / "site")
        run_serve_rebuild(root, arguments.profile)
        if arguments.profile:
            render_markdown.cache_clear()  # as cold as the first run
            profile = cProfile.Profile()
            profile.runcall(run_stages, root, Path(directory) / "site-profiled")
            stats = pstats.Stats(profile, stream=sys.stdout)
            stats.sort_stats("tottime").print_stats(arguments.profile)


if __name__ == "__main__":
    main()
