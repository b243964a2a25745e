"""Properties of whole generated status repositories (hardening, item 1).

Hypothesis writes the YAML text of valid repositories: a site timezone drawn from
zones with and without DST (and Lord Howe's half-hour one), 1-6 components with
optional groups, 0-8 events of every type (incidents with ordered updates, optional
`next_update` and `impact`, list or mapping components; maintenance and backup
windows with `ends` or `duration`, optional updates, optional repeat rules with
UNTIL or COUNT), times written with and without offsets, and a `now` near the
events. Each example is built twice with the same `now` and once through the CLI,
and the outputs are read back with tools that are not ours: feedparser, icalendar
with dateutil, json and html5lib. The checks:

- the build succeeds and prints no traceback, in-process and through the CLI
  (updates may share a minute, one-off windows may start or end in a DST fold);
- builds with the same `now` are byte-identical (the CLI's too);
- every started incident and every window has its page, every component its page,
  every page parses as HTML5 without a parse error, the sitemap lists the pages;
- every feed parses with `bozo` 0, newest first, with unique ids, and each incident
  has one entry per update posted by `now`;
- the calendars parse, hold every window once, at its times, and a repeating
  window's RRULE expands (by dateutil, in the site's zone) to the windows we expect;
- the API files have Statuspage's shapes (the checkers of tests/outputs/test_api.py), each
  component's status is the worst its active events give it, a group's is its worst
  child's, and the indicator follows docs/concepts/state.md "The banner".

The expected statuses come from a small model in this file written from SPEC "State
at a moment" and docs/concepts/state.md (and events.md's "Components and impact"), not from
statuspage.state. To keep that model simple the strategies avoid a few hard
corners on purpose (they belong in hand-written tests such as tests/test_state.py):

- repeating windows get no updates (which occurrence an update speaks of is a
  rule of its own), start on a wall-clock time that no DST change of the zones used
  here touches (00:xx or 05:00-23:59, and for FREQ=HOURLY;INTERVAL=6 hours that stay
  in that range), on a day their rule matches (a Sunday for BYDAY=SU, the 1st for
  BYMONTHDAY=1), last less than six hours, and end their UNTIL after their start;
- an incident's `resolved` is only ever its last update (SPEC says an incident is
  active "until an update with status resolved"; whether a later update reopens
  it is not the model's business);
- a window's mapping never sets `operational` (docs/concepts/state.md's "a window that changes a
  component's status" would then be ambiguous for the indicator).

The default profile keeps this file well under a minute for CI; for a longer search
run

    HYPOTHESIS_PROFILE=properties-long .venv/bin/python -m pytest tests/test_properties.py
"""

from __future__ import annotations

import io
import json
import os
import tempfile
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterable
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import feedparser
import html5lib
import hypothesis
import icalendar
import pytest
from click.testing import CliRunner
from dateutil.rrule import rrulestr
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.strategies import DrawFn

from statuspage.build import build
from statuspage.cli import cli
from tests.outputs.test_api import (
    FILES,
    INCIDENT,
    MAINTENANCE,
    PAGE,
    STATUS,
    check_component,
    check_event,
    check_shape,
)

# --- settings ---------------------------------------------------------------------------

settings.register_profile(
    "properties",
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "properties-long",
    max_examples=500,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
_PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "")
#: Applied to each test as a decorator, so that loading it changes no other test file.
PROPERTIES = settings(
    settings.get_profile(
        _PROFILE if _PROFILE in ("properties", "properties-long") else "properties"
    )
)

# --- the vocabulary of the sources (SPEC "Event files") ---------------------------------

ZONES = ("UTC", "Europe/Helsinki", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe")
COMPONENT_STATUSES = (
    "operational",
    "under_maintenance",
    "degraded_performance",
    "partial_outage",
    "major_outage",
)
IMPACTS = ("none", "minor", "major", "critical")
INCIDENT_OPEN = ("investigating", "identified", "monitoring")
WINDOW_STATUSES = ("scheduled", "in_progress", "verifying", "completed", "cancelled")
RULES = (
    "FREQ=DAILY",
    "FREQ=WEEKLY;BYDAY=SU",
    "FREQ=HOURLY;INTERVAL=6",
    "FREQ=MONTHLY;BYMONTHDAY=1",
)

#: docs/concepts/events.md "Components and impact": a list of components means this status for each.
IMPACT_STATUS = {
    "none": "operational",
    "minor": "degraded_performance",
    "major": "partial_outage",
    "critical": "major_outage",
}
#: docs/concepts/events.md "Components and impact": an incident without `impact` takes it from the worst status it sets.
STATUS_IMPACT = {
    "operational": "none",
    "under_maintenance": "minor",
    "degraded_performance": "minor",
    "partial_outage": "major",
    "major_outage": "critical",
}
#: docs/concepts/state.md "The banner", Statuspage's wording.
INDICATOR_TEXT = {
    "none": "All Systems Operational",
    "degraded": "Partially Degraded Service",
    "minor": "Minor Service Outage",
    "major": "Partial System Outage",
    "critical": "Major Service Outage",
    "maintenance": "Service Under Maintenance",
}

# Names and texts with characters that need escaping in HTML, XML and iCalendar.
COMPONENT_NAMES = (
    "Shared web hosting",
    "Email (IMAP & SMTP)",
    "DNS <ns1>",
    "Tietokannat: äöå",
    'API "v2"',
    "Webmail ]]> · ✓",
)
GROUP_NAMES = ("Hosting", "Mail & messaging", "Platform <core>")
TITLES = (
    "Slow database responses",
    "Email delays & bounces",
    "<b>Not bold</b> upgrade",
    "Päivitys: ytimen korjaus",
    "Right-to-left اردو test",
    "Quotes \"double\" and 'single'",
)
MESSAGES = (
    "We are investigating.",
    "A failing disk in node **db-3**. We are moving its load.",
    "Line one.\n\nLine two with <script>alert(1)</script> and ]]> too.",
    "- first step\n- second step with `code`\n",
    "See [the runbook](https://example.com/runbook?a=1&b=2).",
    "Täällä ollaan — ääkkösiä & emoji 🙂.",
)
#: Local hours no DST change of ZONES touches (gaps and folds are 01:00-04:00).
SAFE_HOURS = (0, *range(5, 24))
#: For FREQ=HOURLY;INTERVAL=6 every occurrence must stay in SAFE_HOURS.
SAFE_SIX_HOURLY = (0, 5, 6, 11, 12, 17, 18, 23)
#: DST changes of the zones above, so that events often straddle one.
ANCHORS = (
    datetime(2026, 3, 8, tzinfo=UTC),  # New York springs forward
    datetime(2026, 3, 29, tzinfo=UTC),  # Helsinki springs forward
    datetime(2026, 4, 5, tzinfo=UTC),  # Lord Howe falls back half an hour
    datetime(2026, 6, 15, tzinfo=UTC),
    datetime(2026, 10, 4, tzinfo=UTC),  # Lord Howe springs forward half an hour
    datetime(2026, 10, 25, tzinfo=UTC),  # Helsinki falls back
    datetime(2026, 11, 1, tzinfo=UTC),  # New York falls back
    datetime(2026, 12, 31, 12, tzinfo=UTC),  # a year ends
)
DAY = 24 * 60  # minutes

# --- what was generated -----------------------------------------------------------------


@dataclass(frozen=True)
class Update:
    at: datetime  # UTC
    status: str


@dataclass(frozen=True)
class Component:
    id: str
    name: str
    group: str | None


@dataclass(frozen=True)
class Event:
    id: str
    kind: str  # incident | maintenance | backup
    title: str
    components: tuple[str, ...]
    mapping: dict[str, str] | None  # components as a mapping of id to status, else a list
    text: str  # the YAML file
    updates: tuple[Update, ...] = ()
    impact: str | None = None
    starts: datetime | None = None  # UTC; windows only
    length: timedelta | None = None
    repeat: str | None = None  # as written
    model_rule: str | None = None  # the same rule with any UNTIL as local wall-clock time

    @property
    def is_window(self) -> bool:
        return self.kind != "incident"


@dataclass(frozen=True)
class Repository:
    zone: ZoneInfo
    base_url: str
    components: tuple[Component, ...]
    events: tuple[Event, ...]
    config: str
    now: datetime

    def write(self, root: Path) -> Path:
        (root / "incidents").mkdir()
        for event in self.events:
            (root / "incidents" / f"{event.id}.yaml").write_text(event.text, encoding="utf-8")
        config = root / "statuspage.yaml"
        config.write_text(self.config, encoding="utf-8")
        return config

    def __repr__(self) -> str:  # what Hypothesis shows for a failing example
        files = [f"--- statuspage.yaml\n{self.config}"]
        files += [f"--- incidents/{event.id}.yaml\n{event.text}" for event in self.events]
        return f"Repository(now={self.now.isoformat()}):\n" + "".join(files)

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:  # Hypothesis prints with this
        printer.text(repr(self))


# --- strategies -------------------------------------------------------------------------


def quoted(text: str) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(text, ensure_ascii=False)


def is_ambiguous(wall: datetime, zone: ZoneInfo) -> bool:
    """Whether a wall-clock time falls in a DST fold or gap of `zone` (refused without offset)."""
    first = wall.replace(tzinfo=zone)
    second = wall.replace(tzinfo=zone, fold=1)
    round_trip = first.astimezone(UTC).astimezone(zone).replace(tzinfo=None)
    return first.utcoffset() != second.utcoffset() or round_trip != wall


@st.composite
def written_time(draw: DrawFn, instant: datetime, zone: ZoneInfo) -> str:
    """`instant` as a user could write it: local wall-clock time, or with some offset."""
    local = instant.astimezone(zone)
    wall = local.replace(tzinfo=None, fold=0)  # as a user writes it: no fold
    styles = ["offset", "utc", "other-offset"]
    if not is_ambiguous(wall, zone):  # a local time in a gap or fold is rightly refused
        styles = ["local", "local-seconds", "local-space", *styles]
    style = draw(st.sampled_from(styles))
    if style == "local":
        text = wall.strftime("%Y-%m-%dT%H:%M")
    elif style == "local-seconds":
        text = wall.strftime("%Y-%m-%dT%H:%M:%S")
    elif style == "local-space":
        text = wall.strftime("%Y-%m-%d %H:%M")
    elif style == "offset":
        text = local.isoformat(timespec="seconds")
    elif style == "utc":
        text = instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    else:
        hours, minutes = draw(st.sampled_from([(5, 30), (-3, 0), (12, 45), (-10, 0)]))
        offset = timezone(timedelta(hours=hours, minutes=minutes if hours > 0 else -minutes))
        text = instant.astimezone(offset).isoformat(timespec="minutes")
    return quoted(text) if draw(st.booleans()) else text


@st.composite
def written_duration(draw: DrawFn, minutes: int) -> str:
    days, rest = divmod(minutes, DAY)
    hours, mins = divmod(rest, 60)
    spellings = [f"{minutes}m"]
    if minutes % 60 == 0:
        spellings.append(f"{minutes // 60}h")
    parts = [(days, "d"), (hours, "h"), (mins, "m")]
    spellings.append("".join(f"{count}{unit}" for count, unit in parts if count))
    return draw(st.sampled_from(spellings))


@st.composite
def component_refs(
    draw: DrawFn, component_ids: list[str], statuses: Iterable[str]
) -> tuple[tuple[str, ...], dict[str, str] | None, str]:
    """The `components` field: a list, or a mapping of id to status; and its YAML lines."""
    chosen = draw(
        st.lists(
            st.sampled_from(component_ids), min_size=1, max_size=len(component_ids), unique=True
        )
    )
    flow = draw(st.booleans())
    if draw(st.booleans()):
        if flow:
            return tuple(chosen), None, f"components: [{', '.join(chosen)}]\n"
        return tuple(chosen), None, "components:\n" + "".join(f"  - {c}\n" for c in chosen)
    mapping = {c: draw(st.sampled_from(tuple(statuses))) for c in chosen}
    if flow:
        body = ", ".join(f"{c}: {s}" for c, s in mapping.items())
        return tuple(chosen), mapping, f"components: {{{body}}}\n"
    return (
        tuple(chosen),
        mapping,
        "components:\n" + "".join(f"  {c}: {s}\n" for c, s in mapping.items()),
    )


@st.composite
def update_lines(draw: DrawFn, updates: list[Update], zone: ZoneInfo) -> str:
    if not updates:
        return draw(st.sampled_from(["", "updates: []\n"]))
    lines = ["updates:\n"]
    for update in updates:
        lines.append(f"  - at: {draw(written_time(update.at, zone))}\n")
        lines.append(f"    status: {update.status}\n")
        lines.append(f"    message: {quoted(draw(st.sampled_from(MESSAGES)))}\n")
        if draw(st.integers(0, 3)) == 0:
            promised = update.at + timedelta(minutes=draw(st.integers(0, 300)))
            lines.append(f"    next_update: {draw(written_time(promised, zone))}\n")
    return "".join(lines)


def minutes_after(anchor: datetime, low: int, high: int) -> st.SearchStrategy[datetime]:
    return st.integers(low, high).map(lambda m: anchor + timedelta(minutes=m))


@st.composite
def incidents(
    draw: DrawFn, event_id: str, title: str, anchor: datetime, zone: ZoneInfo, ids: list[str]
) -> Event:
    first = draw(minutes_after(anchor, -10 * DAY, 5 * DAY))
    gaps = draw(st.lists(st.integers(0, 12 * 60), max_size=4))  # 0: the same minute
    times = [first]
    for gap in gaps:
        times.append(times[-1] + timedelta(minutes=gap))
    statuses = [draw(st.sampled_from(INCIDENT_OPEN)) for _ in times[:-1]]
    statuses.append(draw(st.sampled_from((*INCIDENT_OPEN, "resolved"))))  # resolved: last only
    updates = [Update(at, status) for at, status in zip(times, statuses, strict=True)]
    impact = draw(st.none() | st.sampled_from(IMPACTS))
    components, mapping, refs = draw(component_refs(ids, COMPONENT_STATUSES))
    text = f"type: incident\ntitle: {quoted(title)}\n"
    if impact is not None:
        text += f"impact: {impact}\n"
    text += refs + draw(update_lines(updates, zone))
    if draw(st.booleans()):
        text += f"postmortem: {quoted(draw(st.sampled_from(MESSAGES)))}\n"
    return Event(event_id, "incident", title, components, mapping, text, tuple(updates), impact)


@st.composite
def windows(
    draw: DrawFn, event_id: str, title: str, anchor: datetime, zone: ZoneInfo, ids: list[str]
) -> Event:
    kind = draw(st.sampled_from(("maintenance", "backup")))
    # A window's mapping never says `operational` (see the module docstring).
    components, mapping, refs = draw(component_refs(ids, COMPONENT_STATUSES[1:]))
    repeat = model_rule = None
    updates: list[Update] = []
    if draw(st.integers(0, 2)) == 0:  # repeating, without updates
        rule = draw(st.sampled_from(RULES))
        day = (anchor + timedelta(days=draw(st.integers(-20, 10)))).astimezone(zone).date()
        if "BYDAY=SU" in rule:
            day += timedelta(days=(6 - day.weekday()) % 7)
        if "BYMONTHDAY=1" in rule:
            day = day.replace(day=1)
        hours = SAFE_SIX_HOURLY if "HOURLY" in rule else SAFE_HOURS
        wall = datetime.combine(
            day, time(draw(st.sampled_from(hours)), draw(st.sampled_from((0, 15, 30, 45))))
        )
        starts = wall.replace(tzinfo=zone).astimezone(UTC)
        minutes = draw(st.integers(15, 5 * 60 + 45))
        limit = draw(st.sampled_from(("", "count", "until", "until-utc")))
        repeat = model_rule = rule
        if limit == "count":
            repeat = model_rule = f"{rule};COUNT={draw(st.integers(1, 60))}"
        elif limit:
            until = datetime.combine(day + timedelta(days=draw(st.integers(1, 60))), time(21, 7))
            model_rule = f"{rule};UNTIL={until:%Y%m%dT%H%M%S}"
            if limit == "until-utc":
                utc = until.replace(tzinfo=zone).astimezone(UTC)
                repeat = f"{rule};UNTIL={utc:%Y%m%dT%H%M%SZ}"
            else:
                repeat = model_rule
    else:
        starts = draw(minutes_after(anchor, -10 * DAY, 10 * DAY))
        minutes = draw(st.integers(15, 12 * 60))
        offsets = draw(st.lists(st.integers(-2 * DAY, minutes + 4 * 60), max_size=3).map(sorted))
        updates = [
            Update(starts + timedelta(minutes=offset), draw(st.sampled_from(WINDOW_STATUSES)))
            for offset in offsets
        ]
    length = timedelta(minutes=minutes)
    text = f"type: {kind}\ntitle: {quoted(title)}\n{refs}"
    text += f"starts: {draw(written_time(starts, zone))}\n"
    if repeat is None and draw(st.booleans()):
        text += f"ends: {draw(written_time(starts + length, zone))}\n"
    else:
        text += f"duration: {draw(written_duration(minutes))}\n"
    if repeat is not None:
        text += f"repeat: {repeat}\n"
    if draw(st.booleans()):
        text += f"description: {quoted(draw(st.sampled_from(MESSAGES)))}\n"
    text += draw(update_lines(updates, zone))
    return Event(
        event_id,
        kind,
        title,
        components,
        mapping,
        text,
        tuple(updates),
        starts=starts,
        length=length,
        repeat=repeat,
        model_rule=model_rule,
    )


@st.composite
def repositories(draw: DrawFn) -> Repository:
    zone = ZoneInfo(draw(st.sampled_from(ZONES)))
    anchor = draw(st.sampled_from(ANCHORS)) + timedelta(
        minutes=draw(st.integers(-7 * DAY, 7 * DAY))
    )
    count = draw(st.integers(1, 6))
    components = tuple(
        Component(f"c{i}", COMPONENT_NAMES[i], draw(st.none() | st.sampled_from(GROUP_NAMES)))
        for i in range(count)
    )
    base_url = draw(st.sampled_from(("https://status.example.com/", "https://example.org/status")))
    config = (
        f"title: {quoted('Example <status> & more')}\n"
        f"base_url: {base_url}\n"
        f"timezone: {zone.key}\n"
        f"language: {draw(st.sampled_from(('en', 'fi', 'hy', 'ur')))}\n"
        f"uptime_days: {draw(st.sampled_from((1, 7, 90)))}\n"
        "components:\n"
    )
    for component in components:
        config += f"  - id: {component.id}\n    name: {quoted(component.name)}\n"
        if component.group is not None:
            config += f"    group: {quoted(component.group)}\n"
    ids = [component.id for component in components]
    events = []
    for index in range(draw(st.integers(0, 8))):
        title = f"{draw(st.sampled_from(TITLES))} #{index}"
        kind = draw(st.sampled_from((incidents, windows)))
        events.append(
            draw(kind(f"e{index}-{'i' if kind is incidents else 'w'}", title, anchor, zone, ids))
        )
    # `now` near the events: at or around an update, a start or an end, or near the anchor.
    moments = [anchor]
    for event in events:
        moments += [update.at for update in event.updates]
        if event.starts is not None and event.length is not None:
            if event.model_rule is None:
                moments += [event.starts, event.starts + event.length]
            else:
                moments += occurrences(
                    event, zone, anchor - timedelta(days=3), anchor + timedelta(days=3)
                )
    moment = draw(st.sampled_from(moments))
    shift = (
        st.sampled_from((0, -1, 1)) | st.integers(-6 * 60, 6 * 60) | st.integers(-3 * DAY, 3 * DAY)
    )
    now = moment + timedelta(minutes=draw(shift))
    return Repository(zone, base_url, components, tuple(events), config, now.astimezone(zone))


# --- the model: SPEC "State at a moment", docs/concepts/state.md "What counts" ------------


def occurrences(event: Event, zone: ZoneInfo, low: datetime, high: datetime) -> list[datetime]:
    """Starts (UTC) of a repeating window from `low` to `high`: wall-clock time in the zone."""
    assert event.starts is not None and event.model_rule is not None
    wall_start = event.starts.astimezone(zone).replace(tzinfo=None)
    rule = rrulestr(event.model_rule, dtstart=wall_start)
    margin = timedelta(days=1)

    def wall(moment: datetime) -> datetime:
        return moment.astimezone(zone).replace(tzinfo=None)

    found = rule.between(wall(low - margin), wall(high + margin), inc=True)
    starts = [start.replace(tzinfo=zone).astimezone(UTC) for start in found]
    return [start for start in starts if low <= start <= high]


def incident_active(event: Event, now: datetime) -> bool:
    posted = [update for update in event.updates if update.at <= now]
    return bool(posted) and posted[-1].status != "resolved"


def incident_impact(event: Event) -> str:
    if event.impact is not None:
        return event.impact
    if event.mapping is not None:
        return max((STATUS_IMPACT[s] for s in event.mapping.values()), key=IMPACTS.index)
    return "minor"


def window_status(event: Event, now: datetime) -> str:
    """A one-off window: the clock, overridden by any update but `scheduled` from its time on."""
    assert event.starts is not None and event.length is not None
    overrides = [u for u in event.updates if u.status != "scheduled" and u.at <= now]
    if overrides:
        return overrides[-1].status
    if now < event.starts:
        return "scheduled"
    return "in_progress" if now < event.starts + event.length else "completed"


def window_active(event: Event, zone: ZoneInfo, now: datetime) -> bool:
    assert event.length is not None
    if event.repeat is None:
        return window_status(event, now) in ("in_progress", "verifying")
    nearby = occurrences(event, zone, now - event.length - timedelta(days=1), now)
    return any(start <= now < start + event.length for start in nearby)


def effects(event: Event) -> dict[str, str]:
    """The status an event gives each component while it is active."""
    if event.mapping is not None:
        return dict(event.mapping)
    if event.kind == "incident":
        return dict.fromkeys(event.components, IMPACT_STATUS[incident_impact(event)])
    if event.kind == "maintenance":
        return dict.fromkeys(event.components, "under_maintenance")
    return {}  # a backup with a plain list leaves the components as they are


def is_active(event: Event, zone: ZoneInfo, now: datetime) -> bool:
    return window_active(event, zone, now) if event.is_window else incident_active(event, now)


def worst(statuses: Iterable[str]) -> str:
    return max(statuses, key=COMPONENT_STATUSES.index, default="operational")


def expected_statuses(repo: Repository) -> dict[str, str]:
    active = [event for event in repo.events if is_active(event, repo.zone, repo.now)]
    return {
        component.id: worst(
            effects(event)[component.id] for event in active if component.id in effects(event)
        )
        for component in repo.components
    }


def expected_indicator(repo: Repository, statuses: dict[str, str]) -> tuple[str, str]:
    active = [event for event in repo.events if is_active(event, repo.zone, repo.now)]
    impact = max(
        (incident_impact(event) for event in active if not event.is_window),
        key=IMPACTS.index,
        default="none",
    )
    if impact != "none":
        mild = ("operational", "degraded_performance", "under_maintenance")
        if impact == "minor" and all(status in mild for status in statuses.values()):
            return impact, INDICATOR_TEXT["degraded"]
        return impact, INDICATOR_TEXT[impact]
    if any(event.is_window and effects(event) for event in active):
        return "maintenance", INDICATOR_TEXT["maintenance"]
    return "none", INDICATOR_TEXT["none"]


def started(event: Event, now: datetime) -> bool:
    return event.is_window or any(update.at <= now for update in event.updates)


# --- reading the outputs ----------------------------------------------------------------


def read_tree(directory: Path) -> dict[str, bytes]:
    return {
        path.relative_to(directory).as_posix(): path.read_bytes()
        for path in sorted(directory.rglob("*"))
        if path.is_file()
    }


def parse_feed(data: bytes, name: str) -> feedparser.FeedParserDict:
    parsed = feedparser.parse(data)
    assert parsed.bozo == 0, f"{name}: {parsed.get('bozo_exception')!r}"
    return parsed


def check_pages(repo: Repository, site: dict[str, bytes]) -> None:
    pages = {path for path in site if path.endswith(".html")}
    expected = {"index.html", "history/index.html", "404.html"}
    expected |= {f"components/{c.id}/index.html" for c in repo.components}
    for event in repo.events:
        page = f"incidents/{event.id}/index.html"
        if started(event, repo.now):
            expected.add(page)
        else:  # docs/concepts/state.md: an incident whose first update is later has not started
            assert page not in site, f"{page}: an incident that has not started has a page"
    assert expected <= pages, f"missing pages: {sorted(expected - pages)}"
    titles = {f"incidents/{event.id}/index.html": event.title for event in repo.events}
    for path in sorted(pages):
        parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False)
        try:
            tree = parser.parse(site[path])
        except Exception as error:  # html5lib's ParseError says little; its errors say where
            raise AssertionError(f"{path}: not valid HTML5: {parser.errors[:3]}") from error
        for element in tree.iter("time"):
            stamp = element.get("datetime")
            assert stamp, f"{path}: a <time> without datetime: {element.text!r}"
            try:
                datetime.fromisoformat(stamp)
            except ValueError:
                date.fromisoformat(stamp)  # a day is a valid <time datetime> too
        if path in titles:
            assert titles[path] in "".join(tree.itertext()), f"{path}: its title is not shown"
    base = repo.base_url.rstrip("/") + "/"
    root = ElementTree.fromstring(site["sitemap.xml"])
    locations = {element.text for element in root.iter() if element.tag.endswith("loc")}
    for path in pages - {"404.html"}:
        url = base + path.removesuffix("index.html")
        if path.startswith("embed/"):  # for other sites' frames, not for search engines
            assert url not in locations, f"sitemap.xml lists the embed {url}"
        else:
            assert url in locations, f"sitemap.xml does not list {url}"


def check_feeds(repo: Repository, site: dict[str, bytes]) -> None:
    base = repo.base_url.rstrip("/") + "/"
    names = ["feed.atom", "feed.rss", "history.atom", "history.rss"]
    names += [f"components/{c.id}/feed.atom" for c in repo.components]
    parsed = {name: parse_feed(site[name], name) for name in names}
    for name, feed in parsed.items():
        times = [entry.published_parsed for entry in feed.entries]
        assert times == sorted(times, reverse=True), f"{name}: not newest first"
        ids = [entry.id for entry in feed.entries]
        assert len(set(ids)) == len(ids), f"{name}: repeated entry ids"
    atom = parsed["feed.atom"]
    for name in names[1:4]:
        assert [e.id for e in parsed[name].entries] == [e.id for e in atom.entries], name
    document = json.loads(site["feed.json"])
    assert document["version"] == "https://jsonfeed.org/version/1.1"
    assert [item["id"] for item in document["items"]] == [e.id for e in atom.entries]
    links = [entry.link for entry in atom.entries]
    for event in repo.events:
        page = f"{base}incidents/{event.id}/"
        posted = sum(1 for update in event.updates if update.at <= repo.now)
        if event.is_window:  # each update, and an announcement that may be the first one
            assert posted <= links.count(page) <= posted + 1, (event.id, links.count(page))
        else:
            assert links.count(page) == posted, f"{event.id}: {links.count(page)} != {posted}"
    for component in repo.components:
        mine = {f"{base}incidents/{e.id}/" for e in repo.events if component.id in e.components}
        feed = parsed[f"components/{component.id}/feed.atom"]
        assert {entry.link for entry in feed.entries} <= mine, component.id


def calendar_events(data: bytes) -> dict[str, list[icalendar.Event]]:
    calendar = icalendar.Calendar.from_ical(data)
    found: dict[str, list[icalendar.Event]] = {}
    for event in calendar.walk("VEVENT"):
        found.setdefault(str(event["UID"]), []).append(event)
    return found


def check_calendars(repo: Repository, site: dict[str, bytes]) -> None:
    host = urlsplit(repo.base_url).netloc
    windows = [event for event in repo.events if event.is_window]
    found = calendar_events(site["calendar.ics"])
    assert set(found) == {f"{event.id}@{host}" for event in windows}
    for component in repo.components:
        mine = calendar_events(site[f"components/{component.id}/calendar.ics"])
        assert set(mine) == {f"{e.id}@{host}" for e in windows if component.id in e.components}
    for event in windows:
        assert event.starts is not None and event.length is not None
        [vevent] = found[f"{event.id}@{host}"]  # no updates on repeating windows: no overrides
        start = vevent.decoded("DTSTART")
        # Compared in UTC: `==` across zones is False for a time in a DST fold (PEP 495), and
        # a local time that happens twice is the first of the two (RFC 5545 3.3.5).
        assert start.astimezone(UTC) == event.starts, (event.id, start, event.starts)
        if event.repeat is None:
            end = vevent.decoded("DTEND").astimezone(UTC)
            assert end == event.starts + event.length, (event.id, vevent.decoded("DTEND"))
            cancelled = window_status(event, repo.now) == "cancelled"
            assert (str(vevent["STATUS"]) == "CANCELLED") == cancelled, event.id
            continue
        assert vevent.decoded("DURATION") == event.length, event.id
        rule = rrulestr(vevent["RRULE"].to_ical().decode(), dtstart=start)
        low, high = repo.now - timedelta(days=2), repo.now + timedelta(days=15)
        # dateutil expands the calendar's rule in its own zone: wall-clock time across DST.
        expanded = [o.astimezone(UTC) for o in rule.between(low, high, inc=True)]
        assert expanded == occurrences(event, repo.zone, low, high), event.id


def check_api(repo: Repository, site: dict[str, bytes]) -> None:
    documents = {}
    for path, keys in FILES.items():
        document = json.loads(site[path])
        assert list(document) == keys, path
        check_shape(document["page"], PAGE, f"{path}: page")
        if "status" in document:
            check_shape(document["status"], STATUS, f"{path}: status")
        for index, row in enumerate(document.get("components", [])):
            check_component(row, f"{path}: components[{index}]")
        for index, item in enumerate(document.get("incidents", [])):
            check_event(item, INCIDENT, f"{path}: incidents[{index}]")
        for index, item in enumerate(document.get("scheduled_maintenances", [])):
            check_event(item, MAINTENANCE, f"{path}: scheduled_maintenances[{index}]")
        documents[path.removeprefix("api/v2/").removesuffix(".json")] = document
    for path, document in documents.items():  # ids are what clients key everything by
        for key in ("incidents", "scheduled_maintenances"):
            items = document.get(key, [])
            ids = [item["id"] for item in items]
            assert len(set(ids)) == len(ids), f"{path}: repeated {key} ids {ids}"
            updates = [u["id"] for item in items for u in item["incident_updates"]]
            assert len(set(updates)) == len(updates), f"{path}: repeated update ids {updates}"
    rows = documents["components"]["components"]
    assert documents["summary"]["components"] == rows
    assert documents["summary"]["status"] == documents["status"]["status"]
    # Each component's status is the worst of its active events (SPEC "State at a moment").
    statuses = expected_statuses(repo)
    leaves = {row["name"]: row for row in rows if not row["group"]}
    assert {c.id: leaves[c.name]["status"] for c in repo.components} == statuses
    # A group's status is its worst child's (statuspage-api.md §2.3).
    by_id = {row["id"]: row for row in rows}
    for row in rows:
        if row["group"]:
            children = [c for c in repo.components if c.group == row["name"]]
            assert [by_id[i]["name"] for i in row["components"]] == [c.name for c in children]
            assert row["status"] == worst(statuses[c.id] for c in children), row["name"]
    indicator, description = expected_indicator(repo, statuses)
    hypothesis.event(f"indicator: {indicator}")  # shown by --hypothesis-show-statistics
    hypothesis.event(
        f"components not operational: {sum(s != 'operational' for s in statuses.values())}"
    )
    assert documents["status"]["status"] == {"indicator": indicator, "description": description}
    now = repo.now
    incidents = [event for event in repo.events if not event.is_window]
    shown = sorted(item["name"] for item in documents["incidents"]["incidents"])
    assert shown == sorted(e.title for e in incidents if started(e, now))
    unresolved = sorted(item["name"] for item in documents["incidents/unresolved"]["incidents"])
    assert unresolved == sorted(e.title for e in incidents if incident_active(e, now))
    running = documents["scheduled-maintenances/active"]["scheduled_maintenances"]
    expected_running = {
        e.title for e in repo.events if e.is_window and is_active(e, repo.zone, now)
    }
    assert {item["name"] for item in running} == expected_running


# --- the property -----------------------------------------------------------------------


@PROPERTIES
@given(repo=repositories())
def test_generated_repositories_build_reproducibly_and_agree_with_the_model(
    repo: Repository,
) -> None:
    with tempfile.TemporaryDirectory(prefix="statuspage-properties-") as directory:
        root = Path(directory).resolve()
        config = repo.write(root)
        printed = io.StringIO()
        with redirect_stdout(printed), redirect_stderr(printed):
            build(config, root / "first", repo.now)
        first = read_tree(root / "first")
        # Cheapest checks first: a failing example then costs one build per shrinking step.
        check_api(repo, first)
        check_calendars(repo, first)
        check_feeds(repo, first)
        check_pages(repo, first)
        with redirect_stdout(printed), redirect_stderr(printed):
            build(config, root / "second", repo.now)
        assert "Traceback" not in printed.getvalue(), printed.getvalue()
        second = read_tree(root / "second")
        assert sorted(first) == sorted(second)
        differing = [path for path in first if first[path] != second[path]]
        assert not differing, f"two builds with the same now differ in {differing}"

        arguments = ["build", "--config", str(config), "--output", str(root / "cli")]
        arguments += ["--now", repo.now.isoformat()]
        result = CliRunner().invoke(cli, arguments, env={"STATUSPAGE_NOW": None})
        output = result.output + result.stderr  # click 8.2+: output already has stderr
        assert result.exception is None or isinstance(result.exception, SystemExit), (
            f"exception escaped the CLI: {result.exception!r}\n{output}"
        )
        assert "Traceback" not in output, output
        assert result.exit_code == 0, output
        assert read_tree(root / "cli") == first, "the CLI's build differs from build()'s"


# --- corners the property found, pinned as plain regression cases ------------------------


def build_tiny(
    root: Path, timezone_name: str, events: dict[str, str], now: datetime
) -> dict[str, bytes]:
    """Build a one-component repository with `events` (id: YAML) at `now`; return its files."""
    (root / "incidents").mkdir()
    config = root / "statuspage.yaml"
    config.write_text(
        "title: T\nbase_url: https://status.example.com/\n"
        f"timezone: {timezone_name}\ncomponents:\n  - id: c0\n    name: C0\n",
        encoding="utf-8",
    )
    for event_id, text in events.items():
        (root / "incidents" / f"{event_id}.yaml").write_text(text, encoding="utf-8")
    build(config, root / "site", now)
    return read_tree(root / "site")


def test_updates_posted_in_the_same_minute_keep_distinct_ids(tmp_path: Path) -> None:
    """Two updates may share a minute and a status (a correction posted at once, which
    `check` accepts); each is still its own feed entry and its own API update."""
    incident = (
        "type: incident\ntitle: A\ncomponents: [c0]\nupdates:\n"
        "  - at: 2026-11-20T10:00\n    status: investigating\n    message: First.\n"
        "  - at: 2026-11-20T10:00\n    status: investigating\n    message: Correction.\n"
    )
    site = build_tiny(tmp_path, "UTC", {"a": incident}, datetime(2026, 11, 20, 11, 0, tzinfo=UTC))
    for name in ("feed.atom", "feed.rss"):
        ids = [entry.id for entry in parse_feed(site[name], name).entries]
        assert len(ids) == 2 and len(set(ids)) == 2, f"{name}: {ids}"
    [item] = json.loads(site["api/v2/incidents.json"])["incidents"]
    updates = [update["id"] for update in item["incident_updates"]]
    assert len(updates) == 2 and len(set(updates)) == 2, updates


@pytest.mark.parametrize(
    ("starts", "duration", "start_utc", "end_utc"),
    [
        # the second 03:30 in Helsinki on 25 October: the clocks went back at 04:00
        ("2026-10-25T03:30+02:00", "1h", (1, 30), (2, 30)),
        # starts before the change and ends in the repeated hour, at the second 03:10
        ("2026-10-25T03:50+03:00", "20m", (0, 50), (1, 10)),
    ],
    ids=["starts-in-fold", "ends-in-fold"],
)
def test_calendar_keeps_a_window_in_the_repeated_hour(
    tmp_path: Path, starts: str, duration: str, start_utc: tuple[int, int], end_utc: tuple[int, int]
) -> None:
    """A TZID local time that happens twice means the first of the two (RFC 5545 3.3.5),
    so a window at the second one must be written some other way (in UTC, say)."""
    window = (
        f"type: maintenance\ntitle: W\ncomponents: [c0]\nstarts: {starts}\nduration: {duration}\n"
    )
    now = datetime(2026, 10, 20, tzinfo=UTC)
    site = build_tiny(tmp_path, "Europe/Helsinki", {"w": window}, now)
    [vevent] = calendar_events(site["calendar.ics"])["w@status.example.com"]
    start = vevent.decoded("DTSTART").astimezone(UTC)
    end = vevent.decoded("DTEND").astimezone(UTC)
    assert (start, end) == (
        datetime(2026, 10, 25, *start_utc, tzinfo=UTC),
        datetime(2026, 10, 25, *end_utc, tzinfo=UTC),
    )
