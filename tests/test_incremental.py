"""Rebuilds that reuse earlier work give exactly the bytes of a clean full build (issue 6).

A status repository goes through a day of changes: edits, a new event, a deletion, a
rename, a template override and its removal, a config change and new values of `now`.
After each, the site is rebuilt where it was, as `statuspage build` does on an
operator's machine (the parse cache, the previous build's tree written over in place,
several processes), and compared file for file with a build of the same sources into a
new directory by a single process with no cache.
"""

from __future__ import annotations

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
from statuspage.output import MARKER
from tests.conftest import EXAMPLE_NOW, copy_example

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
    shutil.copytree(Path(__file__).parent.parent / "templates", root / "templates")
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
def test_a_template_error_in_a_worker_is_reported_like_any_other(tmp_path: Path) -> None:
    config = copy_example(tmp_path / "repo")
    write(
        "templates/event.html",
        '{% extends "!builtin/event.html" %}\n{% block content %}{{ nope.x }}{% endblock %}\n',
    )(tmp_path / "repo")
    result = CliRunner().invoke(
        cli, ["build", "--config", str(config), "--now", EXAMPLE_NOW.isoformat(), "--jobs", "2"]
    )
    assert result.exit_code == 1
    assert "event.html:2: template error: 'nope' is undefined" in result.output
    assert not (tmp_path / "repo" / "site").exists()


def test_workers_end_quietly_under_a_sigterm_handler() -> None:
    """A build that stops early (an error in another task) ends its busy workers with
    SIGTERM. Where the parent turned SIGTERM into an exception, as `serve` does, the
    workers must not inherit that and print tracebacks."""
    script = """
import time
from statuspage.parallel import run_tasks
from statuspage.serve import _signals_interrupt

def slow():
    time.sleep(30)
    return {}

with _signals_interrupt():
    tasks = run_tasks([lambda: {}, slow, slow], 2)
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
