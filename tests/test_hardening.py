"""Hardening (issue 7): hostile content stays inert, paths stay confined, limits hold, nothing is lost."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import textwrap
import time
import xml.etree.ElementTree as ET
from datetime import datetime
from pathlib import Path
from typing import Any

import feedparser
import icalendar
import pytest
import yaml
from bs4 import BeautifulSoup, Tag
from click.testing import CliRunner

from statuspage.authoring import edit
from statuspage.authoring.edit import NewUpdate, UpdateError, append_update
from statuspage.authoring.scaffold import NewEvent, new_event
from statuspage.build import build
from statuspage.cli import cli
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


#: Contact values the models accept (an address with an @ and a dotted domain, an absolute
#: http(s) URL) that would break out of an attribute or run script if written unescaped.
HOSTILE_EMAIL = '"><script>alert(7)</script>@evil.example'
HOSTILE_URL = (
    "https://evil.example/support?q=\"><script>alert(8)</script>&x='/onmouseover='alert(9)"
)


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
          email: {_quoted(HOSTILE_EMAIL)}
          url: {_quoted(HOSTILE_URL)}
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
    # The contact is on every page, as the values given: text and attribute values, not markup.
    page = BeautifulSoup((site / "index.html").read_text(encoding="utf-8"), "html5lib")
    mail = page.select_one('a[href^="mailto:"]')
    assert isinstance(mail, Tag)
    assert (mail["href"], mail.get_text()) == (f"mailto:{HOSTILE_EMAIL}", HOSTILE_EMAIL)
    assert [link.get_text() for link in page.select(f"a[href={_quoted(HOSTILE_URL)}]")] == [
        "Support"
    ]
    assert (page.title.get_text() if page.title else "").startswith("Status <script>")
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


def write_contact(project: Project, **contact: str) -> None:
    """A one-component config whose contact (on line 4) has these fields."""
    fields = "".join(f"  {name}: {_quoted(value)}\n" for name, value in contact.items())
    project.write_config(
        f"title: T\nbase_url: https://s.example/\ncontact:\n{fields}"
        "components:\n  - id: email\n    name: Mail\n"
    )


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        "vbscript:msgbox(1)",
        "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
        "//evil.example/x",
        "mailto:x@evil.example",
    ],
)
def test_contact_url_must_be_http(project: Project, url: str) -> None:
    write_contact(project, url=url)
    assert project.problems() == [
        "statuspage.yaml:4:8: contact.url: expected an absolute http(s) URL such as "
        f"https://status.example.com/, got '{url}'"
    ]


@pytest.mark.parametrize(
    "url",
    [
        "java\tscript:alert(1)",  # browsers drop tabs inside URLs
        " javascript:alert(1)",
        "https://x.example/a\r\nb",  # urlsplit drops them before it looks
        "https://x.example/\u202ehtml",  # a bidi override
    ],
)
def test_contact_url_must_be_one_printable_word(project: Project, url: str) -> None:
    write_contact(project, url=url)
    assert project.problems() == [
        "statuspage.yaml:4:8: contact.url: a URL may not contain spaces, line breaks or "
        f"invisible characters, got {url!r}"
    ]


@pytest.mark.parametrize(
    "email", ["javascript:alert(1)", "<script>@x", "a @evil.example", "a@b\r\nBcc: c@d.example"]
)
def test_contact_email_must_be_an_address(project: Project, email: str) -> None:
    write_contact(project, email=email)
    [problem] = project.problems()
    assert problem.startswith("statuspage.yaml:4:10: contact.email: expected an email address")


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


def test_symlink_inside_incidents_is_fine(project: Project) -> None:
    # Inside incidents/ only: a link elsewhere in the repository is refused (issue 19,
    # tests/load/test_confinement.py).
    (project.root / "incidents" / "drafts").mkdir()
    target = project.root / "incidents" / "drafts" / "x.yaml"
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
        (
            "a\\b",
            "incidents/a\\b.yaml:1:1: the file name 'a\\b' is not a valid event id: it must match [a-z0-9][a-z0-9-]* (rename the file)",
        ),
        (  # U+0430, the Cyrillic letter that looks like the Latin a
            "d\u0430tabase",
            "incidents/d\u0430tabase.yaml:1:1: the file name 'd\u0430tabase' is not a valid event id: it must match [a-z0-9][a-z0-9-]* (rename the file)",
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


OPEN_INCIDENT = """\
type: incident
title: Slow database
components: [email]
# a comment the update keeps
updates:
  - at: 2026-11-23T09:00
    status: investigating
    message: Looking.
"""


def _is_in(directory: Path, descriptor: int) -> bool:
    """Whether the open file `descriptor` has a name in `directory` (hidden names too)."""
    inode = os.fstat(descriptor).st_ino
    with os.scandir(directory) as entries:
        return any(entry.inode() == inode for entry in entries)


@pytest.mark.parametrize("stage", ["fsync", "replace"])
def test_update_killed_between_write_and_rename_leaves_the_file(
    project: Project, monkeypatch: pytest.MonkeyPatch, stage: str
) -> None:
    """Interrupted once the new text is written to its temporary file (before its fsync, or
    before the rename): the event file is as it was, and the temporary file is gone."""
    path = project.write_event("x", OPEN_INCIDENT)
    incidents = path.parent
    before = path.read_bytes()
    listing = sorted(os.listdir(incidents))
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(descriptor: int) -> None:
        if stage == "fsync" and _is_in(incidents, descriptor):
            assert len(os.listdir(incidents)) == len(listing) + 1  # the temporary file
            raise KeyboardInterrupt
        real_fsync(descriptor)

    def replace(source: Any, target: Any) -> None:
        if stage == "replace" and Path(target).parent.resolve() == incidents.resolve():
            assert Path(source).read_text(encoding="utf-8").endswith("message: Found it.\n")
            raise KeyboardInterrupt
        real_replace(source, target)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(KeyboardInterrupt):
        append_update(project.config_path, "x", NewUpdate("identified", "Found it."), FIXED_NOW)
    assert path.read_bytes() == before
    assert sorted(os.listdir(incidents)) == listing


#: Runs `statuspage update` with hooks that slow it down at chosen points, so that
#: processes overlap the way a test wants: argv is READY GO START LOCK_DELAY HOLD ARGS...
#: It says it is ready once imported, waits for the file GO (which holds the moment T0),
#: starts the command at T0 + START, sleeps LOCK_DELAY before its first lock, and HOLD
#: before it renames a file into incidents/ (after writing it).
_SLOW_UPDATE = textwrap.dedent(
    """\
    import fcntl, os, sys, time
    from pathlib import Path
    from statuspage import cli  # imported before T0: all start together
    from statuspage.authoring import edit

    ready, go = Path(sys.argv[1]), Path(sys.argv[2])
    start, lock_delay, hold = (float(value) for value in sys.argv[3:6])
    real_flock, real_replace = fcntl.flock, os.replace
    delays = [lock_delay]

    def flock(descriptor, operation):
        if delays:
            time.sleep(delays.pop())
        return real_flock(descriptor, operation)

    def replace(source, target):
        if Path(target).parent.name == "incidents":
            Path(str(ready) + ".written").touch()
            time.sleep(hold)
        return real_replace(source, target)

    fcntl.flock, os.replace = flock, replace
    ready.touch()
    deadline = time.time() + 60  # never an orphan waiting for ever
    while not go.exists():
        if time.time() > deadline:
            sys.exit("no go")
        time.sleep(0.005)
    time.sleep(max(0.0, float(go.read_text()) + start - time.time()))
    sys.argv = ["statuspage", *sys.argv[6:]]
    cli.main()
    """
)


def _slow_updates(
    root: Path, schedule: list[tuple[float, float, float]], now: str = "2026-11-23T10:00"
) -> list[subprocess.CompletedProcess[str]]:
    """Run one `statuspage update x` per (start, lock delay, hold), all timed from one T0."""
    control = root.parent / f"{root.name}-control"
    control.mkdir()
    go = control / "go"
    processes = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                _SLOW_UPDATE,
                str(control / f"ready-{index}"),
                str(go),
                *(str(value) for value in timing),
                "update",
                "x",
                "--status",
                "identified",
                "--message",
                f"Update from writer {index}.",
                "--now",
                now,
            ],
            cwd=root,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for index, timing in enumerate(schedule)
    ]
    try:
        deadline = time.monotonic() + 60
        while not all((control / f"ready-{i}").exists() for i in range(len(schedule))):
            assert time.monotonic() < deadline, "the writers did not start"
            time.sleep(0.01)
        (control / "go.tmp").write_text(str(time.time() + 0.05))
        (control / "go.tmp").rename(go)
        results = []
        for process in processes:
            output, _ = process.communicate(timeout=60)
            results.append(subprocess.CompletedProcess(process.args, process.returncode, output))
        return results
    finally:
        _stop(processes)


def _stop(processes: list[subprocess.Popen[str]]) -> None:
    for process in processes:
        if process.poll() is None:
            process.kill()
            process.communicate()


@pytest.mark.parametrize(
    "schedule",
    [
        # Writer 0 locks the file and holds it; writer 1 opens the same file at once but
        # locks it only after writer 0 has renamed its new file over it; writer 2 opens
        # that new file while writer 1 holds its lock; writer 3 comes after everyone.
        # Were a lock on a replaced file good, writers 1 and 2 would both append to the
        # file writer 0 wrote, and the later rename would lose the other's update.
        pytest.param(
            [(0.0, 0.0, 0.4), (0.0, 0.7, 0.4), (0.8, 0.0, 0.4), (1.6, 0.0, 0.0)],
            id="lock-taken-on-a-replaced-file",
        ),
        pytest.param([(0.0, 0.0, 0.0)] * 5, id="five-at-once"),
    ],
)
def test_concurrent_updates_land_or_are_refused(
    project: Project, schedule: list[tuple[float, float, float]]
) -> None:
    path = project.write_event("x", OPEN_INCIDENT)
    results = _slow_updates(project.root, schedule)
    landed = []
    for index, result in enumerate(results):
        assert "Traceback" not in result.stdout, result.stdout
        if result.returncode == 0:
            assert result.stdout == "updated incidents/x.yaml\n"
            landed.append(f"Update from writer {index}.")
        else:
            assert (result.returncode, result.stdout) == (
                1,
                "Error: incidents/x.yaml is being updated by another process; try again\n",
            )
    assert landed, "no update landed"
    text = path.read_text(encoding="utf-8")
    assert text.startswith(OPEN_INCIDENT)  # appended: the rest of the file as it was
    updates = yaml.safe_load(text)["updates"]
    assert updates[0]["message"] == "Looking."
    assert sorted(update["message"] for update in updates[1:]) == sorted(landed)
    assert project.problems() == []
    assert sorted(os.listdir(path.parent)) == ["x.yaml"]


def test_update_checks_its_order_against_the_file_it_locked(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another update lands between our reading the sources and our lock: `--at` is
    checked against the file as it is under the lock, not as it was read."""
    path = project.write_event("x", OPEN_INCIDENT)
    read_before = edit.load_state(project.config_path, FIXED_NOW)
    append_update(
        project.config_path, "x", NewUpdate("identified", "Found it.", at="09:30"), FIXED_NOW
    )
    landed = path.read_bytes()
    monkeypatch.setattr(edit, "load_state", lambda config, now: read_before)
    with pytest.raises(
        UpdateError, match=r"--at 2026-11-23T09:15\+02:00 is before the last update"
    ):
        append_update(
            project.config_path, "x", NewUpdate("monitoring", "Late.", at="09:15"), FIXED_NOW
        )
    assert path.read_bytes() == landed


def test_update_killed_for_good_before_its_rename_leaves_the_file(project: Project) -> None:
    """SIGKILL after the new text is written, before the rename: the event file is whole;
    the temporary file that no one could remove is not read as an event."""
    path = project.write_event("x", OPEN_INCIDENT)
    before = path.read_bytes()
    control = project.root.parent / f"{project.root.name}-control"
    control.mkdir()
    (control / "go").write_text(str(time.time()))
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            _SLOW_UPDATE,
            str(control / "ready"),
            str(control / "go"),
            "0",
            "0",
            "60",
            *("update", "x", "--status", "identified", "--message", "Lost."),
        ],
        cwd=project.root,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not (control / "ready.written").exists():
            assert process.poll() is None and time.monotonic() < deadline
            time.sleep(0.01)
        process.send_signal(signal.SIGKILL)
        assert process.wait() == -signal.SIGKILL
    finally:
        _stop([process])
    assert path.read_bytes() == before
    [left] = [name for name in os.listdir(path.parent) if name != "x.yaml"]
    assert left.startswith(".x.yaml.") and left.endswith(".tmp")
    assert project.problems() == []
    (path.parent / ".other.yaml.abc123.tmp").write_text("another file's", encoding="utf-8")
    append_update(project.config_path, "x", NewUpdate("identified", "Found it."), FIXED_NOW)
    assert yaml.safe_load(path.read_text(encoding="utf-8"))["updates"][-1]["message"] == (
        "Found it."
    )
    # The next update of the file, under its lock, removed what the killed one left.
    assert sorted(os.listdir(path.parent)) == [".other.yaml.abc123.tmp", "x.yaml"]


def test_build_killed_midway_leaves_the_previous_site(tmp_path: Path) -> None:
    """SIGKILL while a build writes: `site/` is the old build, whole, or the new one, whole.

    Each attempt builds a new `--now`, so a tree that mixed two builds would show; the kill
    is sent as soon as the build has begun writing into the spare tree, and at least one
    kill must land there (the spare holds some new files while `site/` is still the old).
    """
    config = copy_example(tmp_path)
    runner = CliRunner()
    first = ["build", "--config", str(config), "--now", "2026-11-23T10:00"]
    assert runner.invoke(cli, first).exit_code == 0
    assert runner.invoke(cli, [*first[:-1], "2026-11-23T10:05"]).exit_code == 0  # a spare
    site, spare = tmp_path / "site", tmp_path / ".site.previous"

    def tree(root: Path) -> dict[Path, bytes]:
        return {p.relative_to(root): p.read_bytes() for p in root.rglob("*") if p.is_file()}

    before, landed = tree(site), 0
    for attempt in range(12):
        now = f"2026-11-{24 + attempt:02}T10:00"
        stamp = now.encode()
        started = time.time()
        process = subprocess.Popen(
            [sys.executable, "-m", "statuspage", "build", "--now", now], cwd=tmp_path
        )
        while process.poll() is None and not any(
            path.stat().st_mtime >= started for path in spare.rglob("*.html")
        ):
            time.sleep(0.001)
        process.send_signal(signal.SIGKILL)
        process.wait()
        after = tree(site)
        new = after[Path("index.html")].count(stamp) > 0
        # The old site, whole, or the new one, whole: never a mix of two builds.
        if new:
            assert all(stamp in after[p] for p in after if p.suffix == ".html"), now
        else:
            assert after == before, now
            landed += any(stamp in content for content in tree(spare).values())
        before = after
        if landed >= 2:
            break
    assert landed >= 1, "no kill landed while the build was writing"


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


def _page(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html5lib")


def _text(node: Any) -> str:
    assert isinstance(node, Tag)
    return " ".join(node.get_text(" ").split())


def _facts(page: BeautifulSoup) -> dict[str, str]:
    return {_text(term): _text(term.find_next_sibling("dd")) for term in page.select("dl.facts dt")}


def _component_item(page: BeautifulSoup, name: str) -> Tag:
    return next(item for item in page.select("li.component") if _text(item.a) == name)


def _component(page: BeautifulSoup, name: str) -> tuple[str, str]:
    """A component's status, and its uptime over the bars, as shown."""
    item = _component_item(page, name)
    uptime = [_text(part) for part in item.select(".uptime-legend span") if "uptime" in _text(part)]
    return _text(item.select_one(".component-head .status")), " ".join(uptime)


def _bars(page: BeautifulSoup, name: str) -> list[str]:
    return [_text(bar) for bar in _component_item(page, name).select("ol.bars li")]


NEW_YEAR_OUTAGE = """\
type: incident
title: New Year outage
impact: major
components: {email: major_outage}
updates:
  - at: 2026-12-31T23:30
    status: investigating
    message: Mail is down.
"""


def test_incident_across_the_year_end(project: Project) -> None:
    """23:30 on New Year's Eve to 00:30 on New Year's Day, Helsinki time."""
    project.write_event("new-year", NEW_YEAR_OUTAGE)
    site = project.root / "site"
    # Ten minutes into the new year, still open: it has lasted 40 minutes, not a year.
    build(project.config_path, site, datetime(2027, 1, 1, 0, 10, tzinfo=HELSINKI))
    index = _page(site / "index.html")
    [active] = index.select("article.incident")
    assert "Lasted 40 min so far" in _text(active)
    assert _component(index, "Email")[0] == "Major outage"
    last_year, today = _bars(index, "Email")[-2:]
    assert last_year == "Dec 31, 2026: Major outage, 97.92% up"  # 30 minutes of 24 hours
    assert today.startswith("Jan 1, 2027: Major outage, ")

    project.write_event(
        "new-year",
        NEW_YEAR_OUTAGE
        + "  - at: 2027-01-01T00:30\n    status: resolved\n    message: Mail is back.\n",
    )
    build(project.config_path, site, datetime(2027, 1, 2, 12, 0, tzinfo=HELSINKI))
    page = _page(site / "incidents" / "new-year" / "index.html")
    assert _facts(page) == {
        "Started": "Dec 31, 2026, 11:30 PM EET",
        "Resolved": "Jan 1, 2027, 12:30 AM EET",
        "Duration": "1 hr",
    }
    index = _page(site / "index.html")
    assert _bars(index, "Email")[-4:] == [
        "Dec 30, 2026: Operational, 100.00% up",
        "Dec 31, 2026: Major outage, 97.92% up",  # 30 minutes on each side of midnight
        "Jan 1, 2027: Major outage, 97.92% up",
        "Jan 2, 2027: Operational, 100.00% up",
    ]
    assert _component(index, "Email") == ("Operational", "99.95% uptime")  # 1 h in 90 days
    assert all(bar.endswith("Operational, 100.00% up") for bar in _bars(index, "Email")[:-3])
    assert all(
        bar.endswith("Operational, 100.00% up") for bar in _bars(index, "Shared web hosting")
    )
    days = {_text(day): _text(day.find_next_sibling()) for day in index.select("h3.day")}
    assert "New Year outage" in days["Thursday, December 31, 2026"]
    assert "New Year outage" in days["Friday, January 1, 2027"]
    assert "Saturday, January 2, 2027" not in days  # a quiet day: in one line (issue 21)
    # The history files it under the month it began, linked from the index of months.
    history = _page(site / "history" / "index.html")
    assert [_text(link) for link in history.select("ul.months a")] == ["December 2026"]
    december = _page(site / "history" / "2026-12" / "index.html")
    assert [_text(item.a) for item in december.select("ul.events li")] == ["New Year outage"]
    assert not (site / "history" / "2027-01").exists()


def test_weekly_backup_across_the_year_end(project: Project) -> None:
    """Thursdays 23:00 for two hours: the one on New Year's Eve ends in the next year."""
    project.write_event(
        "weekly",
        "type: backup\ntitle: Weekly backup\ncomponents: [vps]\n"
        "starts: 2026-12-24T23:00\nduration: 2h\nrepeat: FREQ=WEEKLY\n",
    )
    site = project.root / "site"
    build(project.config_path, site, datetime(2026, 12, 30, 12, 0, tzinfo=HELSINKI))
    index = _page(site / "index.html")
    [window] = index.select("li.window")
    # Over midnight: both dates, with their weekdays (issue 21).
    assert _text(window).endswith(
        "Thu, Dec 31, 2026, 11:00 PM \u2013 Fri, Jan 1, 2027, 1:00 AM EET"
    )
    page = _page(site / "incidents" / "weekly" / "index.html")
    occurrences = [
        [t["datetime"] for t in item.select("time")] for item in page.select("ul.occurrences li")
    ]
    assert occurrences[:2] == [
        ["2026-12-31T23:00:00+02:00", "2027-01-01T01:00:00+02:00"],
        ["2027-01-07T23:00:00+02:00", "2027-01-08T01:00:00+02:00"],
    ]
    # Half an hour into the new year it is running: the one that began last year.
    build(project.config_path, site, datetime(2027, 1, 1, 0, 30, tzinfo=HELSINKI))
    index = _page(site / "index.html")
    running, upcoming = (_text(item) for item in index.select("li.window"))
    assert "In progress" in running
    assert running.endswith("Thu, Dec 31, 2026, 11:00 PM \u2013 Fri, Jan 1, 2027, 1:00 AM EET")
    assert upcoming.endswith("Thu, Jan 7, 2027, 11:00 PM \u2013 Fri, Jan 8, 2027, 1:00 AM EET")
