"""Rebuilds that reuse earlier work give exactly the bytes of a clean full build (issue 6).

A status repository goes through a day of changes: edits, a new event, a deletion, a
rename, a template override and its removal, a config change and new values of `now`.
After each, the site is rebuilt where it was, as `statuspage build` does on an
operator's machine (the parse cache, the previous build's tree written over in place,
several processes), and compared file for file with a build of the same sources into a
new directory by a single process with no cache.
"""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from statuspage import build as build_module
from statuspage.build import build
from statuspage.cli import cli
from statuspage.errors import InvalidInputError
from statuspage.load.sources import display_path, load_sources
from statuspage.memo import Memo
from statuspage.model.models import Window
from statuspage.model.validate import validate_sources
from statuspage.output import MARKER
from statuspage.outputs.pages import TemplateProblemError
from statuspage.serve.incremental import Project
from statuspage.state import UPCOMING, compute_state
from tests.conftest import EXAMPLE_NOW, REPO_ROOT, copy_example

Step = Callable[[Path], None]


def tree(directory: Path) -> dict[str, bytes]:
    return {
        path.relative_to(directory).as_posix(): path.read_bytes()
        for path in sorted(directory.rglob("*"))
        if path.is_file() and path.name != MARKER
    }


def edit(name: str, old: str, new: str) -> Step:
    def step(root: Path) -> None:
        path = root / "incidents" / name
        text = path.read_text(encoding="utf-8")
        assert old in text, (name, old)
        path.write_text(text.replace(old, new, 1), encoding="utf-8")

    return step


def write(relpath: str, text: str) -> Step:
    def step(root: Path) -> None:
        (root / relpath).parent.mkdir(parents=True, exist_ok=True)
        (root / relpath).write_text(text, encoding="utf-8")

    return step


def delete(relpath: str) -> Step:
    return lambda root: (root / relpath).unlink()


def rename(old: str, new: str) -> Step:
    return lambda root: (root / old).rename(root / new)


def nothing(root: Path) -> None:
    pass


NEW_INCIDENT = """\
type: incident
title: Control panel login fails
impact: minor
components: [control-panel]
updates:
  - at: 2026-11-23T08:00
    status: investigating
    message: Some logins *fail*.
"""

OVERRIDE = """\
{% extends "!builtin/event.html" %}
{% block title %}Event: {{ super() }}{% endblock %}
"""

# (what changes, hours after EXAMPLE_NOW that the build runs at)
STEPS: list[tuple[str, Step, float]] = [
    ("first build", nothing, 0),
    ("same sources, same now", nothing, 0),
    ("a new now only", nothing, 1.5),
    ("a message edited", edit("2026-11-20-slow-database-responses.yaml", "failing", "broken"), 1.5),
    ("an event added", write("incidents/2026-11-23-login.yaml", NEW_INCIDENT), 2),
    ("an event renamed", rename("incidents/2026-11-23-login.yaml", "incidents/login.yaml"), 2),
    ("an event deleted", delete("incidents/2026-10-02-dns-resolution-failures.yaml"), 2),
    ("a template override added", write("templates/event.html", OVERRIDE), 2),
    ("the override removed", delete("templates/event.html"), 2),
    ("the example override edited", edit("../templates/base.html", "{%", "{# x #}{%"), 2),
    ("the config's title edited", edit("../statuspage.yaml", "Kettu Hosting status", "Kettu"), 2),
    ("the time zone changed", edit("../statuspage.yaml", "Europe/Helsinki", "America/Chicago"), 2),
    ("fewer uptime days", edit("../statuspage.yaml", "uptime_days: 90", "uptime_days: 30"), 2),
    ("the language changed", edit("../statuspage.yaml", "language: en", "language: fi"), 2),
    ("a day later", nothing, 26),
]


@pytest.fixture
def everything_parallel(monkeypatch: pytest.MonkeyPatch) -> None:
    """Let even the small example site be rendered by several processes."""
    monkeypatch.setattr(build_module, "PARALLEL_PAGES", 1)


@pytest.mark.usefixtures("everything_parallel")
def test_rebuilds_in_place_equal_clean_full_builds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "repo"
    config = copy_example(root)
    shutil.copytree(REPO_ROOT / "templates", root / "templates")
    runner = CliRunner()
    for number, (what, step, hours) in enumerate(STEPS):
        step(root)
        now = (EXAMPLE_NOW + timedelta(hours=hours)).isoformat()
        result = runner.invoke(cli, ["build", "--config", str(config), "--now", now, "--jobs", "2"])
        assert result.exit_code == 0, (what, result.output)
        clean = tmp_path / f"clean-{number}"
        with monkeypatch.context() as patched:
            patched.setenv("STATUSPAGE_NO_CACHE", "1")
            build(config, clean, datetime.fromisoformat(now), jobs=1)
        assert tree(root / "site") == tree(clean), what


@pytest.mark.usefixtures("everything_parallel")
@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{{ nope.x }}", "event.html:2:23: template error: 'nope' is undefined"),
        (
            "{% if %}",
            "event.html:2:1: template error: Expected an expression, got 'end of statement",
        ),
    ],
    ids=["when-rendered", "when-compiled"],
)
def test_a_template_error_in_a_worker_is_reported_like_any_other(
    tmp_path: Path, content: str, message: str
) -> None:
    config = copy_example(tmp_path / "repo")
    write(
        "templates/event.html",
        f'{{% extends "!builtin/event.html" %}}\n{{% block content %}}{content}{{% endblock %}}\n',
    )(tmp_path / "repo")
    result = CliRunner().invoke(
        cli, ["build", "--config", str(config), "--now", EXAMPLE_NOW.isoformat(), "--jobs", "2"]
    )
    assert result.exit_code == 1
    assert message in result.output
    assert not (tmp_path / "repo" / "site").exists()


def test_workers_end_quietly_under_a_sigterm_handler() -> None:
    """A build that stops early (an error in another task) ends its busy workers with
    SIGTERM. Where the parent turned SIGTERM into an exception, as `serve` does, the
    workers must not inherit that and print tracebacks."""
    script = """
import time
from statuspage.outputs.parallel import run_tasks
from statuspage.serve.server import _signals_interrupt

def slow():
    time.sleep(30)
    return {}

with _signals_interrupt():
    tasks = run_tasks([lambda: {}, slow, slow], 2, dict)
    next(tasks)
    tasks.close()
print("stopped")
"""
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "stopped"
    assert "Traceback" not in result.stderr, result.stderr
    assert time.monotonic() - started < 20  # the busy workers were ended, not waited for


# --- serve's rebuilds: kept documents, memos and a site rendered on demand ----------------


@pytest.mark.parametrize("told", [False, True], ids=["found-by-stat", "told-by-watcher"])
def test_serve_rebuilds_equal_clean_full_builds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, told: bool
) -> None:
    """The same day of changes through one Project, as `serve` keeps it; after each step
    every file its site gives (the home page asked for first, as a browser does) is the
    one a clean build writes. `told`: the watcher's paths are passed too, or only the
    files' stat tells what changed."""
    root = tmp_path / "repo"
    config = copy_example(root)
    shutil.copytree(REPO_ROOT / "templates", root / "templates")
    project = Project(config)
    for number, (what, step, hours) in enumerate(STEPS):
        before = _stats(root)
        step(root)
        changed = [Path(path) for path in before.keys() ^ _stats(root).keys()] if told else []
        changed += [Path(p) for p, s in _stats(root).items() if told and before.get(p) != s]
        now = EXAMPLE_NOW + timedelta(hours=hours)
        site = project.refresh(now, changed)
        assert site.get("index.html") is not None
        served = site.files()
        clean = tmp_path / f"clean-{number}"
        with monkeypatch.context() as patched:
            patched.setenv("STATUSPAGE_NO_CACHE", "1")
            build(config, clean, now, jobs=1)
        assert served == tree(clean), what


def _stats(root: Path) -> dict[str, tuple[int, int]]:
    return {
        str(path.resolve()): (path.stat().st_size, path.stat().st_mtime_ns)
        for path in root.rglob("*")
        if path.is_file() and ".statuspage-cache" not in path.parts
    }


@pytest.mark.skipif(os.name != "posix", reason="a POSIX ctime: no tool can set it")
def test_a_file_rewritten_with_its_old_size_and_times_is_read_again(tmp_path: Path) -> None:
    """An edit that keeps the size and the mtime (a tool restoring times) still shows."""
    config = copy_example(tmp_path / "repo")
    path = tmp_path / "repo" / "incidents" / "2026-11-20-slow-database-responses.yaml"
    project = Project(config)
    project.refresh(EXAMPLE_NOW)
    info = path.stat()
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("failing", "FAILING"), encoding="utf-8")
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns))
    page = project.refresh(EXAMPLE_NOW).get(
        "incidents/2026-11-20-slow-database-responses/index.html"
    )
    assert page is not None and b"FAILING" in page


def test_a_template_the_watcher_names_is_read_again(tmp_path: Path) -> None:
    """A template in a linked folder under templates/ (a link inside templates/: one out
    of it is refused, tests/load/test_confinement.py): the watcher's path makes serve read it
    again, as `build` does."""
    root = tmp_path / "repo"
    config = copy_example(root)
    (root / "templates" / "partials").mkdir(parents=True)
    (root / "templates" / "partials" / "note.html").write_text(
        "<p>First note</p>\n", encoding="utf-8"
    )
    (root / "templates" / "parts").symlink_to(root / "templates" / "partials")
    (root / "templates" / "404.html").write_text(
        '{% extends "!builtin/404.html" %}'
        '{% block content %}{% include "parts/note.html" %}{{ super() }}{% endblock %}',
        encoding="utf-8",
    )
    project = Project(config)
    assert b"First note" in (project.refresh(EXAMPLE_NOW).get("404.html") or b"")
    (root / "templates" / "partials" / "note.html").write_text(
        "<p>Second note</p>\n", encoding="utf-8"
    )
    changed = [(root / "templates" / "parts" / "note.html").absolute()]
    assert b"Second note" in (project.refresh(EXAMPLE_NOW, changed).get("404.html") or b"")


@pytest.mark.parametrize(
    ("template", "text", "message"),
    [
        ("history.html", "{% if %}", "history.html:1:1: template error: Expected an expression"),
        ("404.html", "{{ nope.x }}", "404.html:1:4: template error: 'nope' is undefined"),
    ],
)
def test_a_new_template_that_fails_fails_the_rebuild_before_it_is_served(
    tmp_path: Path, template: str, text: str, message: str
) -> None:
    """New templates: each is compiled, and one page of each rendered, before the site
    is shown (the check of every page would find it only later)."""
    root = tmp_path / "repo"
    project = Project(copy_example(root))
    project.refresh(EXAMPLE_NOW)
    write(f"templates/{template}", text)(root)
    with pytest.raises(TemplateProblemError) as failed:
        project.refresh(EXAMPLE_NOW)
    assert message in str(failed.value)
    edit("2026-11-23-delayed-outgoing-email.yaml", "title: ", "title: Still ")(root)
    with pytest.raises(TemplateProblemError):  # the next rebuild, for another file, too
        project.refresh(EXAMPLE_NOW)


def test_an_edit_that_breaks_its_own_page_fails_the_rebuild(tmp_path: Path) -> None:
    """The page of an event just read is rendered before the site is shown."""
    root = tmp_path / "repo"
    write(
        "templates/event.html",
        '{% extends "!builtin/event.html" %}'
        "{% block content %}{% if 'BOOM' in entry.title %}{{ nope.x }}{% endif %}{% endblock %}",
    )(root)
    project = Project(copy_example(root))
    project.refresh(EXAMPLE_NOW)
    edit("2026-11-23-delayed-outgoing-email.yaml", "title: Delayed", "title: BOOM Delayed")(root)
    with pytest.raises(TemplateProblemError, match="'nope' is undefined"):
        project.refresh(EXAMPLE_NOW)
    edit("2026-11-20-slow-database-responses.yaml", "title: ", "title: Other ")(root)
    with pytest.raises(TemplateProblemError):  # the next rebuild, for another file, too
        project.refresh(EXAMPLE_NOW)


def test_a_broken_file_fails_the_rebuild_and_its_fix_recovers(tmp_path: Path) -> None:
    config = copy_example(tmp_path / "repo")
    path = tmp_path / "repo" / "incidents" / "2026-11-20-slow-database-responses.yaml"
    project = Project(config)
    project.refresh(EXAMPLE_NOW)
    good = path.read_text(encoding="utf-8")
    path.write_text(good.replace("status: identified", "status: identifed"), encoding="utf-8")
    with pytest.raises(InvalidInputError) as failed:
        project.refresh(EXAMPLE_NOW)
    assert [(problem.path, problem.line) for problem in failed.value.problems] == [
        (display_path(path), 12)
    ]
    path.write_text(good, encoding="utf-8")
    site = project.refresh(EXAMPLE_NOW)
    build(config, tmp_path / "clean", EXAMPLE_NOW)
    assert site.files() == tree(tmp_path / "clean")


def test_kept_states_equal_fresh_ones_at_every_moment_that_matters(tmp_path: Path) -> None:
    """compute_state with a memo, asked at moments in any order, around each moment an
    event's state turns (its updates, a window's start, end and the 14 days before it),
    gives the state compute_state gives from nothing."""
    config = copy_example(tmp_path / "repo")
    validated = validate_sources(load_sources(config))
    site, events = validated.site, validated.events
    assert site is not None
    turns: set[datetime] = {EXAMPLE_NOW}
    for event in events:
        for update in event.updates:
            turns.add(update.at)
        if isinstance(event, Window):
            turns.update({event.starts, event.starts + event.length, event.starts - UPCOMING})
    tick = timedelta(microseconds=1)
    moments = sorted({moment + shift for moment in turns for shift in (-tick, timedelta(), tick)})
    memo = Memo()
    for moment in [*moments, *random.Random(6).sample(moments, len(moments))]:
        assert compute_state(site, events, moment, memo) == compute_state(site, events, moment)
