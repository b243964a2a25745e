"""Hardening (issue 7): hostile content stays inert, paths stay confined, limits hold, nothing is lost."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from datetime import datetime
from pathlib import Path

import feedparser
import icalendar
import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner

from statuspage.build import build
from statuspage.cli import cli
from statuspage.scaffold import NewEvent, new_event
from tests.conftest import FIXED_NOW, HELSINKI, Project, copy_example

# --- content injection ---------------------------------------------------------------------

HOSTILE = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(2)>',
    "' onmouseover='alert(3)",
    "[click](javascript:alert(4))",
    "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCg1KTwvc2NyaXB0Pg==)",
    "![img](https://evil.example/pixel.gif)",
    "&lt;b&gt; &amp; &#x3C;script&#x3E;",
    "]]> <![CDATA[ x ]]>",
    "</script><script>alert(6)</script>",
    "line one\r\nINJECTED: yes",
    "\u202eevil\u202c bidi",
]


def _quoted(text: str) -> str:
    return json.dumps(text, ensure_ascii=True)  # a YAML double-quoted scalar


def _hostile_project(project: Project) -> None:
    payload = " ".join(HOSTILE)
    line = payload.replace("\r\n", " ")  # titles and names are one line; check refuses breaks
    project.write_config(
        f"""\
        title: {_quoted("Status " + line)}
        base_url: https://status.example.com/
        description: {_quoted(line)}
        timezone: Europe/Helsinki
        contact:
          email: support@example.com
          url: https://example.com/support
        components:
          - id: email
            name: {_quoted("Mail " + line)}
            group: {_quoted("Group " + line)}
            description: {_quoted(payload)}
        """
    )
    project.write_event(
        "x",
        f"""\
        type: incident
        title: {_quoted("Incident " + line)}
        components: [email]
        updates:
          - at: 2026-11-23T09:00
            status: investigating
            message: {_quoted(payload)}
            next_update: 2026-11-23T12:00
        postmortem: {_quoted(payload)}
        """,
    )
    project.write_event(
        "w",
        f"""\
        type: maintenance
        title: {_quoted("Window " + line)}
        components: [email]
        starts: 2026-11-24T02:00
        duration: 1h
        description: {_quoted(payload)}
        """,
    )


def _assert_inert_html(html: str, where: str) -> None:
    page = BeautifulSoup(html, "html5lib")
    scripts = page.find_all("script")
    assert all("alert" not in script.get_text() for script in scripts), where
    for node in page.find_all(True):
        for name, value in node.attrs.items():
            assert not name.startswith("on"), (where, node.name, name)
            text = " ".join(value) if isinstance(value, list) else str(value)
            if name in ("href", "src"):
                assert not text.strip().lower().startswith(("javascript:", "data:text")), (
                    where,
                    text,
                )
    assert page.find("img") is None, where  # no images at all, so no third-party request


def test_hostile_text_is_inert_everywhere(project: Project) -> None:
    _hostile_project(project)
    build(project.config_path, project.root / "site", FIXED_NOW)
    site = project.root / "site"
    for path in site.rglob("*.html"):
        _assert_inert_html(path.read_text(encoding="utf-8"), str(path))
    for name in (
        "feed.atom",
        "feed.rss",
        "history.atom",
        "history.rss",
        "components/email/feed.atom",
    ):
        feed = feedparser.parse((site / name).read_bytes())
        assert feed.bozo == 0, name
        for entry in feed.entries:
            for content in entry.get("content", []) or [{"value": entry.get("summary", "")}]:
                _assert_inert_html(content["value"], name)
    for item in json.loads((site / "feed.json").read_text(encoding="utf-8"))["items"]:
        _assert_inert_html(item["content_html"], "feed.json")
    for name in ("calendar.ics", "components/email/calendar.ics"):
        calendar = icalendar.Calendar.from_ical((site / name).read_bytes())
        [event] = calendar.walk("VEVENT")
        assert "INJECTED" not in event  # a CR/LF in text cannot start a property
        assert str(event["SUMMARY"]).startswith("Maintenance: Window <script>")
    for path in (site / "api" / "v2").rglob("*.json"):
        json.loads(path.read_text(encoding="utf-8"))
    badge = ET.fromstring((site / "badge.svg").read_bytes())
    assert not [node for node in badge.iter() if node.tag.endswith("script")]


# --- paths -----------------------------------------------------------------------------------


def test_titles_must_be_one_line(project: Project) -> None:
    project.write_event(
        "x",
        'type: backup\ntitle: "a\\r\\nb"\ncomponents: [email]\nstarts: 2026-11-24T02:00\nduration: 1h\n',
    )
    assert project.problems() == ["incidents/x.yaml:2:8: title: must be one line of text"]


def test_symlink_out_of_the_repository_is_refused(
    project: Project, tmp_path_factory: pytest.TempPathFactory
) -> None:
    outside = tmp_path_factory.mktemp("outside")
    secret = outside / "secret.yaml"
    secret.write_text("type: incident\ntitle: secret\n", encoding="utf-8")
    (project.root / "incidents" / "leak.yaml").symlink_to(secret)
    (project.root / "templates").mkdir()
    (project.root / "templates" / "index.html").symlink_to(outside / "index.html")
    assert project.problems() == [
        "incidents/leak.yaml:1:1: a symbolic link out of the repository is not allowed",
        "templates/index.html:1:1: a symbolic link out of the repository is not allowed",
    ]


def test_symlink_inside_the_repository_is_fine(project: Project) -> None:
    (project.root / "drafts").mkdir()
    target = project.root / "drafts" / "x.yaml"
    target.write_text(
        "type: incident\ntitle: X\ncomponents: [email]\nupdates:\n"
        "  - at: 2026-11-23T09:00\n    status: investigating\n    message: m\n",
        encoding="utf-8",
    )
    (project.root / "incidents" / "x.yaml").symlink_to(target)
    assert project.problems() == []


@pytest.mark.parametrize(
    ("name", "message"),
    [
        (
            "con",
            "incidents/con.yaml:1:1: the file name is not a valid event id: 'con' is a reserved file name on Windows; choose another id",
        ),
        (
            "a" * 101,
            f"incidents/{'a' * 101}.yaml:1:1: the file name is not a valid event id: an id may be at most 100 characters, got 101",
        ),
        (
            "ünïcode",
            "incidents/ünïcode.yaml:1:1: the file name 'ünïcode' is not a valid event id: it must match [a-z0-9][a-z0-9-]* (rename the file)",
        ),
        (
            "a..b",
            "incidents/a..b.yaml:1:1: the file name 'a..b' is not a valid event id: it must match [a-z0-9][a-z0-9-]* (rename the file)",
        ),
    ],
)
def test_unsafe_event_ids_are_refused(project: Project, name: str, message: str) -> None:
    project.write_event(
        name,
        "type: incident\ntitle: X\ncomponents: [email]\nupdates:\n"
        "  - at: 2026-11-23T09:00\n    status: investigating\n    message: m\n",
    )
    assert project.problems() == [message]


def test_reserved_component_id_is_refused(project: Project) -> None:
    project.write_config(
        "title: T\nbase_url: https://s.example/\ncomponents:\n  - id: nul\n    name: N\n"
    )
    assert project.problems() == [
        "statuspage.yaml:4:9: components[0].id: 'nul' is a reserved file name on Windows; choose another id"
    ]


# --- resource limits -----------------------------------------------------------------------


def test_huge_file_is_refused_before_it_is_read(project: Project) -> None:
    path = project.root / "incidents" / "huge.yaml"
    path.write_text("title: " + "x" * 3_000_000 + "\n", encoding="utf-8")
    assert project.problems() == [
        "incidents/huge.yaml:1:1: the file is 3.0 MB; a source file may be at most 2 MB"
    ]


def test_deep_nesting_is_refused_without_crashing(project: Project) -> None:
    # In a subprocess: were the C parser to overflow its stack, the test run would survive.
    (project.root / "incidents" / "deep.yaml").write_text(
        "title: " + "[" * 100_000 + "]" * 100_000 + "\n", encoding="utf-8"
    )
    result = subprocess.run(
        [sys.executable, "-m", "statuspage", "check"],
        cwd=project.root,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1, result.stderr
    # The column is where the parser saw it: the 101st bracket (column 108), or with
    # libyaml 0.2.6 and later, which scans ahead and stops at 1,000 levels, the 1,000th.
    assert re.fullmatch(
        r"incidents/deep\.yaml:1:(108|1007): nesting deeper than 100 levels is not allowed",
        result.stdout.splitlines()[0],
    ), result.stdout


def test_nesting_just_past_the_limit_is_refused_at_its_place(project: Project) -> None:
    # 101 levels (the document's mapping is level 0): the 101st bracket is too deep.
    project.write_event("deep", "title: " + "[" * 101 + "]" * 101 + "\n")
    result = CliRunner().invoke(cli, ["check", "--config", str(project.config_path)])
    assert result.exit_code == 1
    assert result.output.splitlines()[0] == (
        "incidents/deep.yaml:1:108: nesting deeper than 100 levels is not allowed"
    )


def test_endless_hourly_rule_is_bounded(project: Project) -> None:
    project.write_event(
        "hourly",
        "type: backup\ntitle: H\ncomponents: [email]\nstarts: 1901-01-01T00:00\nduration: 5m\nrepeat: FREQ=HOURLY\n",
    )
    started = time.perf_counter()
    state = project.state()
    assert time.perf_counter() - started < 5  # generous: the point is "not minutes"
    assert state.windows[0].next_occurrences[0].start == datetime(
        2026, 11, 23, 11, 0, tzinfo=HELSINKI
    )


# --- data safety ---------------------------------------------------------------------------


def test_new_killed_before_its_file_is_whole_leaves_nothing(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(source: str, target: str) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "link", interrupted)
    with pytest.raises(KeyboardInterrupt):
        new_event(project.config_path, NewEvent("incident", "Outage", ("email",)), FIXED_NOW)
    assert list((project.root / "incidents").iterdir()) == []


def test_build_killed_midway_leaves_the_previous_site(tmp_path: Path) -> None:
    config = copy_example(tmp_path)
    runner = CliRunner()
    assert (
        runner.invoke(
            cli, ["build", "--config", str(config), "--now", "2026-11-23T10:00"]
        ).exit_code
        == 0
    )
    site = tmp_path / "site"
    before = {p: p.read_bytes() for p in site.rglob("*") if p.is_file()}
    for delay in (0.3, 0.6, 0.9):
        process = subprocess.Popen(
            [sys.executable, "-m", "statuspage", "build", "--now", "2026-11-24T10:00"], cwd=tmp_path
        )
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        process.wait()
        after = {p: p.read_bytes() for p in site.rglob("*") if p.is_file()}
        # Either the old site, whole, or (if the build finished first) the new one, whole.
        assert after == before or (
            after.keys() == before.keys() and b"2026-11-24T10:00" in after[site / "index.html"]
        )
        before = after


# --- time ----------------------------------------------------------------------------------


def test_yearly_window_on_29_february(project: Project) -> None:
    project.write_event(
        "leap",
        "type: maintenance\ntitle: Leap\ncomponents: [vps]\nstarts: 2028-02-29T01:00\nduration: 1h\nrepeat: FREQ=YEARLY\n",
    )
    starts = [
        o.start.astimezone(HELSINKI).date().isoformat()
        for o in project.state().windows[0].next_occurrences
    ]
    assert starts[:2] == ["2028-02-29", "2032-02-29"]


def test_window_across_midnight_and_a_dst_change(project: Project) -> None:
    # Saturday 23:30 to Sunday 05:30 local, over the October change (04:00 -> 03:00): 6 h of
    # wall clock that last 7 real hours? No: the duration is elapsed time, so it ends at 04:30.
    project.write_event(
        "night",
        "type: maintenance\ntitle: Night\ncomponents: [vps]\nstarts: 2026-10-24T23:30\nduration: 6h\n",
    )
    window = project.state(datetime(2026, 10, 25, 4, 15, tzinfo=HELSINKI)).windows[0]
    assert window.status == "in_progress"
    assert window.current is not None
    assert window.current.end.astimezone(HELSINKI).isoformat() == "2026-10-25T04:30:00+02:00"


@pytest.mark.parametrize("year", [1950, 2150])
def test_events_long_ago_or_far_ahead_build(project: Project, year: int) -> None:
    project.write_event(
        "old",
        f"type: incident\ntitle: Y\ncomponents: [email]\nupdates:\n"
        f"  - at: {year}-06-01T12:00\n    status: investigating\n    message: m\n"
        f"  - at: {year}-06-01T13:00\n    status: resolved\n    message: m\n",
    )
    now = datetime(year, 6, 2, 12, 0, tzinfo=HELSINKI)
    build(project.config_path, project.root / "site", now)
    assert feedparser.parse((project.root / "site" / "feed.atom").read_bytes()).bozo == 0
    assert (project.root / "site" / "incidents" / "old" / "index.html").is_file()


@pytest.mark.parametrize("text", ["1899-12-31T23:00", "2201-01-01T00:00"])
def test_years_out_of_range_are_clear_errors(project: Project, text: str) -> None:
    project.write_event(
        "x",
        f"type: incident\ntitle: X\ncomponents: [email]\nupdates:\n  - at: {text}\n    status: investigating\n    message: m\n",
    )
    [problem] = project.problems()
    assert (
        problem
        == f"incidents/x.yaml:5:9: updates[0].at: '{text}': years before 1900 or after 2200 are not supported"
    )
