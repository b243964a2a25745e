"""State at a moment (SPEC "State at a moment"), table-driven over `now`.

Every expected value below was worked out by hand from SPEC.md, not read off the
program. Times without an offset are Europe/Helsinki wall-clock time, as in the
repository the `project` fixture writes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from statuspage.state import SiteState, WindowState
from tests.conftest import MINIMAL_CONFIG, Project

HELSINKI = ZoneInfo("Europe/Helsinki")

OP = "operational"
MAINT = "under_maintenance"
DEGRADED = "degraded_performance"
PARTIAL = "partial_outage"
MAJOR = "major_outage"


def local(text: str) -> datetime:
    """A Helsinki wall-clock time such as 2026-11-20T10:00."""
    return datetime.fromisoformat(text).replace(tzinfo=HELSINKI)


def utc(text: str) -> datetime:
    """A UTC time such as 2026-03-29T00:00."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def write_events(project: Project, events: dict[str, str]) -> None:
    for event_id, text in events.items():
        project.write_event(event_id, text)


def statuses(state: SiteState) -> dict[str, str]:
    return {component.component.id: component.status for component in state.components}


def window(state: SiteState, event_id: str) -> WindowState:
    return next(item for item in state.windows if item.window.id == event_id)


# --- overlapping incidents ----------------------------------------------------------------

OVERLAPPING = {
    # A mapping: each component gets its own status.
    "a-database": """\
        type: incident
        title: Slow database responses
        impact: major
        components:
          shared-hosting: partial_outage
          email: degraded_performance
        updates:
          - at: 2026-11-20T10:00
            status: investigating
            message: Slow MySQL responses.
          - at: 2026-11-20T11:00
            status: identified
            message: A failing disk.
          - at: 2026-11-20T13:00
            status: resolved
            message: All databases respond normally again.
    """,
    # A list: critical -> major_outage.
    "b-email": """\
        type: incident
        title: Email is down
        impact: critical
        components: [email]
        updates:
          - at: 2026-11-20T10:30
            status: investigating
            message: Nobody can send email.
          - at: 2026-11-20T12:00
            status: monitoring
            message: A fix is out.
          - at: 2026-11-20T12:30
            status: resolved
            message: Email works.
    """,
    # A list: minor -> degraded_performance.
    "c-slow": """\
        type: incident
        title: Slow servers
        impact: minor
        components: [vps, shared-hosting]
        updates:
          - at: 2026-11-20T11:30
            status: investigating
            message: Some servers are slow.
          - at: 2026-11-20T14:00
            status: resolved
            message: Fast again.
    """,
    # Starts later than most moments below.
    "d-vps": """\
        type: incident
        title: VPS host down
        impact: critical
        components: [vps]
        updates:
          - at: 2026-11-20T15:00
            status: investigating
            message: A VPS host does not answer.
    """,
}

# now -> (shared-hosting, vps, email), active incidents, indicator, description
OVERLAPPING_TABLE = [
    pytest.param(
        "2026-11-20T09:59",
        (OP, OP, OP),
        set(),
        "none",
        "All Systems Operational",
        id="09:59-nothing-yet",
    ),
    pytest.param(
        "2026-11-20T10:00",
        (PARTIAL, OP, DEGRADED),
        {"a-database"},
        "major",
        "Partial System Outage",
        id="10:00-a-starts",
    ),
    pytest.param(
        "2026-11-20T10:30",
        (PARTIAL, OP, MAJOR),
        {"a-database", "b-email"},
        "critical",
        "Major Service Outage",
        id="10:30-a-and-b",
    ),
    pytest.param(
        "2026-11-20T11:30",
        (PARTIAL, DEGRADED, MAJOR),
        {"a-database", "b-email", "c-slow"},
        "critical",
        "Major Service Outage",
        id="11:30-a-b-c",
    ),
    pytest.param(
        "2026-11-20T12:15",
        (PARTIAL, DEGRADED, MAJOR),
        {"a-database", "b-email", "c-slow"},
        "critical",
        "Major Service Outage",
        id="12:15-b-monitoring-still-active",
    ),
    pytest.param(
        "2026-11-20T12:30",
        (PARTIAL, DEGRADED, DEGRADED),
        {"a-database", "c-slow"},
        "major",
        "Partial System Outage",
        id="12:30-b-resolved",
    ),
    pytest.param(
        "2026-11-20T13:00",
        (DEGRADED, DEGRADED, OP),
        {"c-slow"},
        "minor",
        "Partially Degraded Service",
        id="13:00-a-resolved",
    ),
    pytest.param(
        "2026-11-20T14:00",
        (OP, OP, OP),
        set(),
        "none",
        "All Systems Operational",
        id="14:00-all-resolved",
    ),
    pytest.param(
        "2026-11-20T15:00",
        (OP, MAJOR, OP),
        {"d-vps"},
        "critical",
        "Major Service Outage",
        id="15:00-d-starts",
    ),
]


@pytest.mark.parametrize(
    ("now", "expected", "active", "indicator", "description"), OVERLAPPING_TABLE
)
def test_component_status_overlapping_incidents(
    project: Project,
    now: str,
    expected: tuple[str, str, str],
    active: set[str],
    indicator: str,
    description: str,
) -> None:
    write_events(project, OVERLAPPING)
    state = project.state(local(now))
    assert statuses(state) == dict(zip(("shared-hosting", "vps", "email"), expected, strict=True))
    assert {item.incident.id for item in state.active_incidents} == active


@pytest.mark.parametrize(
    ("now", "expected", "active", "indicator", "description"), OVERLAPPING_TABLE
)
def test_indicator_overlapping_incidents(
    project: Project,
    now: str,
    expected: tuple[str, str, str],
    active: set[str],
    indicator: str,
    description: str,
) -> None:
    write_events(project, OVERLAPPING)
    state = project.state(local(now))
    assert (state.indicator, state.description) == (indicator, description)


@pytest.mark.parametrize(
    ("now", "present"),
    [
        ("2026-11-20T09:59", set()),
        ("2026-11-20T10:00", {"a-database"}),
        ("2026-11-20T10:29", {"a-database"}),
        ("2026-11-20T11:30", {"a-database", "b-email", "c-slow"}),
        ("2026-11-20T14:59", {"a-database", "b-email", "c-slow"}),
        ("2026-11-20T15:00", {"a-database", "b-email", "c-slow", "d-vps"}),
    ],
)
def test_incident_absent_before_first_update(project: Project, now: str, present: set[str]) -> None:
    write_events(project, OVERLAPPING)
    state = project.state(local(now))
    assert {item.incident.id for item in state.incidents} == present


# now -> b-email's status, how many of its updates are visible, active, resolved_at
@pytest.mark.parametrize(
    ("now", "status", "visible", "active", "resolved_at"),
    [
        ("2026-11-20T10:30", "investigating", 1, True, None),
        ("2026-11-20T11:59", "investigating", 1, True, None),
        ("2026-11-20T12:00", "monitoring", 2, True, None),
        ("2026-11-20T12:29", "monitoring", 2, True, None),
        ("2026-11-20T12:30", "resolved", 3, False, "2026-11-20T12:30"),
        ("2026-11-21T00:00", "resolved", 3, False, "2026-11-20T12:30"),
    ],
)
def test_incident_updates_after_now_not_visible(
    project: Project, now: str, status: str, visible: int, active: bool, resolved_at: str | None
) -> None:
    write_events(project, OVERLAPPING)
    state = project.state(local(now))
    incident = next(item for item in state.incidents if item.incident.id == "b-email")
    assert incident.status == status
    assert len(incident.updates) == visible
    assert incident.active is active
    assert incident.started_at == local("2026-11-20T10:30")
    assert incident.resolved_at == (local(resolved_at) if resolved_at else None)


# --- the overall indicator ----------------------------------------------------------------

INDICATOR_EVENTS = {
    "upgrade": """\
        type: maintenance
        title: PHP upgrade
        components: [shared-hosting]
        starts: 2026-11-20T02:00
        ends: 2026-11-20T04:00
    """,
    "slow-email": """\
        type: incident
        title: Slow email
        impact: minor
        components: [email]
        updates:
          - at: 2026-11-20T03:00
            status: investigating
            message: Mail is slow.
          - at: 2026-11-20T05:00
            status: resolved
            message: Mail is fast.
    """,
    # A minor incident that still takes a component down: an outage, not just degraded.
    "vps-minor-outage": """\
        type: incident
        title: Some VPS hosts down
        impact: minor
        components:
          vps: partial_outage
        updates:
          - at: 2026-11-20T06:00
            status: investigating
            message: Two hosts are down.
          - at: 2026-11-20T07:00
            status: resolved
            message: Back.
    """,
    # No impact given: it follows from the worst status the incident sets.
    "email-no-impact": """\
        type: incident
        title: Email rejects mail
        components:
          email: major_outage
        updates:
          - at: 2026-11-20T08:00
            status: investigating
            message: Mail bounces.
          - at: 2026-11-20T09:00
            status: resolved
            message: Mail flows.
    """,
}


@pytest.mark.parametrize(
    ("now", "indicator", "description", "expected"),
    [
        ("2026-11-20T01:00", "none", "All Systems Operational", (OP, OP, OP)),
        ("2026-11-20T02:30", "maintenance", "Service Under Maintenance", (MAINT, OP, OP)),
        ("2026-11-20T03:30", "minor", "Partially Degraded Service", (MAINT, OP, DEGRADED)),
        ("2026-11-20T04:30", "minor", "Partially Degraded Service", (OP, OP, DEGRADED)),
        ("2026-11-20T05:30", "none", "All Systems Operational", (OP, OP, OP)),
        ("2026-11-20T06:30", "minor", "Minor Service Outage", (OP, PARTIAL, OP)),
        ("2026-11-20T07:30", "none", "All Systems Operational", (OP, OP, OP)),
        ("2026-11-20T08:30", "critical", "Major Service Outage", (OP, OP, MAJOR)),
        ("2026-11-20T09:30", "none", "All Systems Operational", (OP, OP, OP)),
    ],
)
def test_indicator_wording(
    project: Project,
    now: str,
    indicator: str,
    description: str,
    expected: tuple[str, str, str],
) -> None:
    write_events(project, INDICATOR_EVENTS)
    state = project.state(local(now))
    assert (state.indicator, state.description) == (indicator, description)
    assert statuses(state) == dict(zip(("shared-hosting", "vps", "email"), expected, strict=True))


# --- a maintenance window -----------------------------------------------------------------

MAINTENANCE = """\
    type: maintenance
    title: PHP 8.4 upgrade
    components: [shared-hosting]
    starts: 2026-11-24T02:00
    ends: 2026-11-24T04:00
"""

MAINTENANCE_VARIANTS = {
    "plain": MAINTENANCE,
    "by-duration": MAINTENANCE.replace("ends: 2026-11-24T04:00", "duration: 2h"),
    "completed-early": MAINTENANCE
    + """\
    updates:
      - at: 2026-11-24T03:00
        status: completed
        message: Done early.
""",
    "cancelled": MAINTENANCE
    + """\
    updates:
      - at: 2026-11-23T12:00
        status: cancelled
        message: Postponed.
""",
    "overrun": MAINTENANCE
    + """\
    updates:
      - at: 2026-11-24T03:55
        status: in_progress
        message: Taking longer than planned.
      - at: 2026-11-24T05:10
        status: completed
        message: Done.
""",
    "overrun-posted-late": MAINTENANCE
    + """\
    updates:
      - at: 2026-11-24T04:15
        status: in_progress
        message: Still at it.
      - at: 2026-11-24T05:10
        status: completed
        message: Done.
""",
    "verifying": MAINTENANCE
    + """\
    updates:
      - at: 2026-11-24T03:30
        status: verifying
        message: Checking the sites.
      - at: 2026-11-24T04:20
        status: completed
        message: All good.
""",
    "announced": MAINTENANCE
    + """\
    updates:
      - at: 2026-11-23T09:00
        status: scheduled
        message: Reminder, tomorrow night.
      - at: 2026-11-24T03:00
        status: scheduled
        message: Note on the plan.
""",
}


@pytest.mark.parametrize(
    ("variant", "now", "status", "component", "indicator"),
    [
        ("plain", "2026-11-23T10:00", "scheduled", OP, "none"),
        ("plain", "2026-11-24T01:59", "scheduled", OP, "none"),
        ("plain", "2026-11-24T02:00", "in_progress", MAINT, "maintenance"),
        ("plain", "2026-11-24T03:59", "in_progress", MAINT, "maintenance"),
        ("plain", "2026-11-24T04:00", "completed", OP, "none"),
        ("plain", "2026-11-25T12:00", "completed", OP, "none"),
        ("by-duration", "2026-11-24T01:59", "scheduled", OP, "none"),
        ("by-duration", "2026-11-24T03:59", "in_progress", MAINT, "maintenance"),
        ("by-duration", "2026-11-24T04:00", "completed", OP, "none"),
        ("completed-early", "2026-11-24T02:59", "in_progress", MAINT, "maintenance"),
        ("completed-early", "2026-11-24T03:00", "completed", OP, "none"),
        ("completed-early", "2026-11-24T03:30", "completed", OP, "none"),
        ("completed-early", "2026-11-24T05:00", "completed", OP, "none"),
        ("cancelled", "2026-11-23T11:59", "scheduled", OP, "none"),
        ("cancelled", "2026-11-23T12:00", "cancelled", OP, "none"),
        ("cancelled", "2026-11-24T02:00", "cancelled", OP, "none"),
        ("cancelled", "2026-11-24T03:00", "cancelled", OP, "none"),
        ("cancelled", "2026-11-24T05:00", "cancelled", OP, "none"),
        ("overrun", "2026-11-24T03:54", "in_progress", MAINT, "maintenance"),
        ("overrun", "2026-11-24T04:00", "in_progress", MAINT, "maintenance"),
        ("overrun", "2026-11-24T05:09", "in_progress", MAINT, "maintenance"),
        ("overrun", "2026-11-24T05:10", "completed", OP, "none"),
        # Until the late note is posted the clock says it is over; then it runs again.
        ("overrun-posted-late", "2026-11-24T04:10", "completed", OP, "none"),
        ("overrun-posted-late", "2026-11-24T04:15", "in_progress", MAINT, "maintenance"),
        ("overrun-posted-late", "2026-11-24T05:09", "in_progress", MAINT, "maintenance"),
        ("overrun-posted-late", "2026-11-24T05:10", "completed", OP, "none"),
        ("verifying", "2026-11-24T03:30", "verifying", MAINT, "maintenance"),
        ("verifying", "2026-11-24T04:10", "verifying", MAINT, "maintenance"),
        ("verifying", "2026-11-24T04:20", "completed", OP, "none"),
        ("announced", "2026-11-23T09:00", "scheduled", OP, "none"),
        ("announced", "2026-11-24T02:00", "in_progress", MAINT, "maintenance"),
        ("announced", "2026-11-24T03:00", "in_progress", MAINT, "maintenance"),
        ("announced", "2026-11-24T04:00", "completed", OP, "none"),
    ],
)
def test_maintenance_status(
    project: Project, variant: str, now: str, status: str, component: str, indicator: str
) -> None:
    project.write_event("php-upgrade", MAINTENANCE_VARIANTS[variant])
    state = project.state(local(now))
    assert window(state, "php-upgrade").status == status
    assert state.component("shared-hosting").status == component
    assert state.component("email").status == OP
    assert state.indicator == indicator


@pytest.mark.parametrize(
    ("now", "visible"),
    [("2026-11-23T08:59", 0), ("2026-11-23T09:00", 1), ("2026-11-24T03:00", 2)],
)
def test_maintenance_updates_after_now_not_visible(
    project: Project, now: str, visible: int
) -> None:
    project.write_event("php-upgrade", MAINTENANCE_VARIANTS["announced"])
    state = project.state(local(now))
    assert len(window(state, "php-upgrade").updates) == visible


@pytest.mark.parametrize(
    ("now", "email", "indicator"),
    [
        ("2026-11-24T01:59", OP, "none"),
        ("2026-11-24T02:00", PARTIAL, "maintenance"),
        ("2026-11-24T04:00", OP, "none"),
    ],
)
def test_maintenance_mapping_sets_status_while_running(
    project: Project, now: str, email: str, indicator: str
) -> None:
    project.write_event(
        "mail-move",
        """\
        type: maintenance
        title: Mail server move
        components:
          email: partial_outage
        starts: 2026-11-24T02:00
        duration: 2h
        """,
    )
    state = project.state(local(now))
    assert statuses(state) == {"shared-hosting": OP, "vps": OP, "email": email}
    assert state.indicator == indicator


# --- a backup window ----------------------------------------------------------------------

BACKUP_LIST = """\
    type: backup
    title: Nightly backup
    components: [shared-hosting, email]
    starts: 2026-11-24T01:00
    duration: 2h
"""
SLOW_EMAIL = """\
    type: incident
    title: Slow email
    impact: minor
    components: [email]
    updates:
      - at: 2026-11-23T20:00
        status: investigating
        message: Mail is slow.
"""


@pytest.mark.parametrize(
    ("now", "status"),
    [
        ("2026-11-24T00:59", "scheduled"),
        ("2026-11-24T01:00", "in_progress"),
        ("2026-11-24T02:59", "in_progress"),
        ("2026-11-24T03:00", "completed"),
    ],
)
def test_backup_list_keeps_component_status(project: Project, now: str, status: str) -> None:
    write_events(project, {"nightly": BACKUP_LIST, "slow-email": SLOW_EMAIL})
    state = project.state(local(now))
    assert window(state, "nightly").status == status
    assert statuses(state) == {"shared-hosting": OP, "vps": OP, "email": DEGRADED}
    assert (state.indicator, state.description) == ("minor", "Partially Degraded Service")


@pytest.mark.parametrize(
    ("now", "status"),
    [("2026-11-24T00:59", "scheduled"), ("2026-11-24T01:30", "in_progress")],
)
def test_backup_list_leaves_banner_untouched(project: Project, now: str, status: str) -> None:
    project.write_event("nightly", BACKUP_LIST)
    state = project.state(local(now))
    assert window(state, "nightly").status == status
    assert statuses(state) == {"shared-hosting": OP, "vps": OP, "email": OP}
    assert (state.indicator, state.description) == ("none", "All Systems Operational")


@pytest.mark.parametrize(
    ("now", "status", "hosting", "vps"),
    [
        ("2026-11-24T00:59", "scheduled", OP, OP),
        ("2026-11-24T01:00", "in_progress", DEGRADED, PARTIAL),
        ("2026-11-24T02:59", "in_progress", DEGRADED, PARTIAL),
        ("2026-11-24T03:00", "completed", OP, OP),
    ],
)
def test_backup_mapping_sets_status_while_running(
    project: Project, now: str, status: str, hosting: str, vps: str
) -> None:
    project.write_event(
        "nightly",
        """\
        type: backup
        title: Nightly backup
        components:
          shared-hosting: degraded_performance
          vps: partial_outage
        starts: 2026-11-24T01:00
        duration: 2h
        """,
    )
    state = project.state(local(now))
    assert window(state, "nightly").status == status
    assert statuses(state) == {"shared-hosting": hosting, "vps": vps, "email": OP}


# --- a weekly backup across the DST changes -----------------------------------------------

WEEKLY_BACKUP = """\
    type: backup
    title: Weekly full backup
    components:
      shared-hosting: degraded_performance
    starts: 2026-01-04T02:00
    duration: 2h
    repeat: FREQ=WEEKLY;BYDAY=SU
"""

# Each Sunday 02:00 Helsinki wall-clock time for 2 hours: 00:00Z-02:00Z in winter (EET,
# +02:00), 23:00Z-01:00Z the day before in summer (EEST, +03:00). On 2026-03-29 the clocks
# jump 03:00 -> 04:00 (01:00Z) inside the window: 02:00 EET + 2h = 02:00Z = 05:00 EEST.
# On 2026-10-25 they fall back 04:00 -> 03:00 (01:00Z): 02:00 EEST + 2h = 01:00Z, which is
# the first 04:00 EEST, i.e. 03:00 EET.
# now (UTC) -> window status, current occurrence start and end (UTC), shared-hosting
WEEKLY_DST_TABLE = [
    # last winter Sunday before the March change
    ("2026-03-21T23:59", "scheduled", "2026-03-22T00:00", "2026-03-22T02:00", OP),
    ("2026-03-22T00:00", "in_progress", "2026-03-22T00:00", "2026-03-22T02:00", DEGRADED),
    ("2026-03-22T01:59", "in_progress", "2026-03-22T00:00", "2026-03-22T02:00", DEGRADED),
    ("2026-03-22T02:00", "scheduled", "2026-03-29T00:00", "2026-03-29T02:00", OP),
    # the Sunday of the March change: starts in winter time, ends in summer time
    ("2026-03-28T23:59", "scheduled", "2026-03-29T00:00", "2026-03-29T02:00", OP),
    ("2026-03-29T00:00", "in_progress", "2026-03-29T00:00", "2026-03-29T02:00", DEGRADED),
    ("2026-03-29T01:59", "in_progress", "2026-03-29T00:00", "2026-03-29T02:00", DEGRADED),
    ("2026-03-29T02:00", "scheduled", "2026-04-04T23:00", "2026-04-05T01:00", OP),
    # first summer Sunday
    ("2026-04-04T22:59", "scheduled", "2026-04-04T23:00", "2026-04-05T01:00", OP),
    ("2026-04-04T23:00", "in_progress", "2026-04-04T23:00", "2026-04-05T01:00", DEGRADED),
    ("2026-04-05T00:59", "in_progress", "2026-04-04T23:00", "2026-04-05T01:00", DEGRADED),
    ("2026-04-05T01:00", "scheduled", "2026-04-11T23:00", "2026-04-12T01:00", OP),
    # last summer Sunday before the October change
    ("2026-10-17T22:59", "scheduled", "2026-10-17T23:00", "2026-10-18T01:00", OP),
    ("2026-10-17T23:00", "in_progress", "2026-10-17T23:00", "2026-10-18T01:00", DEGRADED),
    ("2026-10-18T00:59", "in_progress", "2026-10-17T23:00", "2026-10-18T01:00", DEGRADED),
    ("2026-10-18T01:00", "scheduled", "2026-10-24T23:00", "2026-10-25T01:00", OP),
    # the Sunday of the October change: starts in summer time, ends as the clocks go back
    ("2026-10-24T22:59", "scheduled", "2026-10-24T23:00", "2026-10-25T01:00", OP),
    ("2026-10-24T23:00", "in_progress", "2026-10-24T23:00", "2026-10-25T01:00", DEGRADED),
    ("2026-10-25T00:59", "in_progress", "2026-10-24T23:00", "2026-10-25T01:00", DEGRADED),
    ("2026-10-25T01:00", "scheduled", "2026-11-01T00:00", "2026-11-01T02:00", OP),
    # first winter Sunday
    ("2026-10-31T23:59", "scheduled", "2026-11-01T00:00", "2026-11-01T02:00", OP),
    ("2026-11-01T00:00", "in_progress", "2026-11-01T00:00", "2026-11-01T02:00", DEGRADED),
    ("2026-11-01T01:59", "in_progress", "2026-11-01T00:00", "2026-11-01T02:00", DEGRADED),
    ("2026-11-01T02:00", "scheduled", "2026-11-08T00:00", "2026-11-08T02:00", OP),
]


@pytest.mark.parametrize(("now", "status", "start", "end", "hosting"), WEEKLY_DST_TABLE)
def test_recurring_backup_status_across_dst(
    project: Project, now: str, status: str, start: str, end: str, hosting: str
) -> None:
    project.write_event("weekly", WEEKLY_BACKUP)
    state = project.state(utc(now))
    current = window(state, "weekly").current
    assert window(state, "weekly").status == status
    assert current is not None
    assert current.start == utc(start)
    assert state.component("shared-hosting").status == hosting


@pytest.mark.parametrize(
    ("now", "start", "end"),
    [
        (now, start, end)
        for now, status, start, end, hosting in WEEKLY_DST_TABLE
        if status == "in_progress"
    ],
)
def test_recurring_backup_occurrence_lasts_duration_across_dst(
    project: Project, now: str, start: str, end: str
) -> None:
    project.write_event("weekly", WEEKLY_BACKUP)
    current = window(project.state(utc(now)), "weekly").current
    assert current is not None
    assert (current.start, current.end) == (utc(start), utc(end))


# A one-off window over the March change, its end written in three ways, or as a duration:
# 02:00 EET (00:00Z) to 05:00 EEST (02:00Z), two real hours.
@pytest.mark.parametrize(
    "span",
    [
        "ends: 2026-03-29T05:00",
        "ends: 2026-03-29T05:00+03:00",
        "ends: 2026-03-29T02:00Z",
        "duration: 2h",
    ],
)
@pytest.mark.parametrize(
    ("now", "status"),
    [
        ("2026-03-28T23:59", "scheduled"),
        ("2026-03-29T00:00", "in_progress"),
        ("2026-03-29T01:30", "in_progress"),
        ("2026-03-29T01:59", "in_progress"),
        ("2026-03-29T02:00", "completed"),
    ],
)
def test_maintenance_across_dst_change(project: Project, span: str, now: str, status: str) -> None:
    project.write_event(
        "night-work",
        f"""\
        type: maintenance
        title: Night work
        components: [vps]
        starts: 2026-03-29T02:00
        {span}
        """,
    )
    state = project.state(utc(now))
    assert window(state, "night-work").status == status
    assert state.component("vps").status == (MAINT if status == "in_progress" else OP)


@pytest.mark.parametrize(
    ("now", "starts"),
    [
        (
            "2026-03-15T12:00",
            [
                "2026-03-22T00:00",
                "2026-03-29T00:00",
                "2026-04-04T23:00",
                "2026-04-11T23:00",
                "2026-04-18T23:00",
            ],
        ),
        (
            "2026-10-11T12:00",
            [
                "2026-10-17T23:00",
                "2026-10-24T23:00",
                "2026-11-01T00:00",
                "2026-11-08T00:00",
                "2026-11-15T00:00",
            ],
        ),
    ],
)
def test_recurring_backup_next_occurrences_keep_wall_clock(
    project: Project, now: str, starts: list[str]
) -> None:
    project.write_event("weekly", WEEKLY_BACKUP)
    state = project.state(utc(now))
    found = window(state, "weekly").next_occurrences
    assert [occurrence.start for occurrence in found] == [utc(text) for text in starts]
    for occurrence in found:
        wall = occurrence.start.astimezone(HELSINKI)
        assert (wall.weekday(), wall.hour, wall.minute) == (6, 2, 0)
        assert occurrence.end - occurrence.start == timedelta(hours=2)


WEEKLY_WITH_UPDATES = (
    WEEKLY_BACKUP
    + """\
    updates:
      - at: 2026-11-21T18:00
        status: cancelled
        message: No backup this week, the storage is being replaced.
      - at: 2026-11-29T04:20
        status: in_progress
        message: The first backup to the new storage takes longer.
      - at: 2026-11-29T05:00
        status: completed
        message: Done.
"""
)


@pytest.mark.parametrize(
    ("now", "status", "start", "hosting"),
    [
        # The 2026-11-22 occurrence is cancelled the evening before: it never runs.
        ("2026-11-21T17:59", "scheduled", "2026-11-22T02:00", OP),
        ("2026-11-22T02:30", "scheduled", "2026-11-29T02:00", OP),
        # The 2026-11-29 occurrence overruns: on the clock it ends at 04:00 ...
        ("2026-11-29T03:00", "in_progress", "2026-11-29T02:00", DEGRADED),
        ("2026-11-29T04:10", "scheduled", "2026-12-06T02:00", OP),
        # ... but a note at 04:20 says it still runs, until it is completed at 05:00.
        ("2026-11-29T04:30", "in_progress", "2026-11-29T02:00", DEGRADED),
        ("2026-11-29T05:00", "scheduled", "2026-12-06T02:00", OP),
        ("2026-11-29T12:00", "scheduled", "2026-12-06T02:00", OP),
        ("2026-12-06T02:30", "in_progress", "2026-12-06T02:00", DEGRADED),
    ],
)
def test_recurring_backup_cancelled_and_overrun_occurrences(
    project: Project, now: str, status: str, start: str, hosting: str
) -> None:
    project.write_event("weekly", WEEKLY_WITH_UPDATES)
    state = project.state(local(now))
    current = window(state, "weekly").current
    assert window(state, "weekly").status == status
    assert current is not None
    assert current.start == local(start)
    assert state.component("shared-hosting").status == hosting


# --- uptime -------------------------------------------------------------------------------

UPTIME_EVENTS = {
    "hosting-half-day": """\
        type: incident
        title: Hosting down in the morning
        impact: major
        components: [shared-hosting]
        updates:
          - at: 2026-11-18T00:00
            status: investigating
            message: Down.
          - at: 2026-11-18T12:00
            status: resolved
            message: Up.
    """,
    "vps-slow-day": """\
        type: incident
        title: VPS slow all day
        impact: minor
        components: [vps]
        updates:
          - at: 2026-11-19T00:00
            status: investigating
            message: Slow.
          - at: 2026-11-20T00:00
            status: resolved
            message: Fast.
    """,
    "email-midnight": """\
        type: incident
        title: Email down over midnight
        impact: critical
        components: [email]
        updates:
          - at: 2026-11-20T22:00
            status: investigating
            message: Down.
          - at: 2026-11-21T04:00
            status: resolved
            message: Up.
    """,
    "hosting-maintenance": """\
        type: maintenance
        title: Kernel updates
        components: [shared-hosting]
        starts: 2026-11-21T02:00
        ends: 2026-11-21T04:00
    """,
    "email-today": """\
        type: incident
        title: Email partly down today
        impact: major
        components: [email]
        updates:
          - at: 2026-11-23T08:00
            status: investigating
            message: Some mailboxes do not answer.
          - at: 2026-11-23T12:00
            status: resolved
            message: All mailboxes answer.
    """,
}
UPTIME_NOW = "2026-11-23T10:00"  # Monday; 7 bars: 2026-11-17 .. 2026-11-23


def uptime_project(project: Project) -> Project:
    project.write_config(MINIMAL_CONFIG + "uptime_days: 7\n")
    write_events(project, UPTIME_EVENTS)
    return project


@pytest.mark.parametrize(
    ("component", "day", "status", "uptime"),
    [
        ("shared-hosting", "2026-11-17", OP, 1.0),
        ("shared-hosting", "2026-11-18", PARTIAL, 0.5),  # 00:00-12:00 partial outage
        ("shared-hosting", "2026-11-19", OP, 1.0),
        ("shared-hosting", "2026-11-21", MAINT, 1.0),  # maintenance is not an outage
        ("vps", "2026-11-19", DEGRADED, 1.0),  # degraded counts as up
        ("vps", "2026-11-20", OP, 1.0),  # resolved at the stroke of midnight
        ("email", "2026-11-20", MAJOR, 22 / 24),  # 22:00-24:00
        ("email", "2026-11-21", MAJOR, 20 / 24),  # 00:00-04:00
        ("email", "2026-11-22", OP, 1.0),
        ("email", "2026-11-23", PARTIAL, 8 / 10),  # 08:00-10:00 of the 10 hours so far
    ],
)
def test_uptime_day_bars(
    project: Project, component: str, day: str, status: str, uptime: float
) -> None:
    state = uptime_project(project).state(local(UPTIME_NOW))
    bar = next(bar for bar in state.component(component).days if bar.day == date.fromisoformat(day))
    assert bar.status == status
    assert bar.uptime == pytest.approx(uptime)


@pytest.mark.parametrize(
    ("component", "uptime"),
    [
        # 6 whole days and 10 hours today: 154 hours
        ("shared-hosting", 1 - 12 / 154),
        ("vps", 1.0),
        ("email", 1 - (2 + 4 + 2) / 154),
    ],
)
def test_uptime_over_the_period(project: Project, component: str, uptime: float) -> None:
    state = uptime_project(project).state(local(UPTIME_NOW))
    assert state.component(component).uptime == pytest.approx(uptime)


@pytest.mark.parametrize(
    ("now", "status", "uptime"),
    [
        ("2026-11-23T07:00", OP, 1.0),
        ("2026-11-23T08:30", PARTIAL, 1 - 0.5 / 8.5),
        ("2026-11-23T09:00", PARTIAL, 1 - 1 / 9),
        ("2026-11-23T10:00", PARTIAL, 1 - 2 / 10),
        ("2026-11-23T12:00", PARTIAL, 1 - 4 / 12),
        ("2026-11-23T18:00", PARTIAL, 1 - 4 / 18),
    ],
)
def test_uptime_today_counts_elapsed_part(
    project: Project, now: str, status: str, uptime: float
) -> None:
    state = uptime_project(project).state(local(now))
    today = state.component("email").days[-1]
    assert today.day == date(2026, 11, 23)
    assert today.status == status
    assert today.uptime == pytest.approx(uptime)


@pytest.mark.parametrize("days", [1, 7, 90])
def test_uptime_days_sets_number_of_bars(project: Project, days: int) -> None:
    project.write_config(MINIMAL_CONFIG + f"uptime_days: {days}\n")
    state = project.state(local(UPTIME_NOW))
    for component in state.components:
        bars = [bar.day for bar in component.days]
        assert len(bars) == days
        assert bars[-1] == date(2026, 11, 23)
        assert bars[0] == date(2026, 11, 23) - timedelta(days=days - 1)
        assert bars == sorted(bars)


# 2026-03-29 in Helsinki is 23 hours long and 2026-10-25 is 25 hours long. An outage from
# local midnight to local noon lasts 11 and 13 real hours; the rest of the day is up.
@pytest.mark.parametrize(
    ("started", "resolved", "day", "uptime"),
    [
        pytest.param(
            "2026-03-29T00:00", "2026-03-29T12:00", "2026-03-29", 12 / 23, id="march-local"
        ),
        pytest.param(
            "2026-03-29T00:00+02:00",
            "2026-03-29T12:00+03:00",
            "2026-03-29",
            12 / 23,
            id="march-offsets",
        ),
        pytest.param(
            "2026-03-28T22:00Z", "2026-03-29T09:00Z", "2026-03-29", 12 / 23, id="march-utc"
        ),
        pytest.param(
            "2026-10-25T00:00", "2026-10-25T12:00", "2026-10-25", 12 / 25, id="october-local"
        ),
        pytest.param(
            "2026-10-24T21:00Z", "2026-10-25T10:00Z", "2026-10-25", 12 / 25, id="october-utc"
        ),
    ],
)
def test_uptime_dst_day(
    project: Project, started: str, resolved: str, day: str, uptime: float
) -> None:
    project.write_event(
        "outage",
        f"""\
        type: incident
        title: Hosting down
        impact: major
        components: [shared-hosting]
        updates:
          - at: {started}
            status: investigating
            message: Down.
          - at: {resolved}
            status: resolved
            message: Up.
        """,
    )
    state = project.state(utc(day + "T12:00") + timedelta(days=2))
    bar = next(
        bar for bar in state.component("shared-hosting").days if bar.day == date.fromisoformat(day)
    )
    assert bar.status == PARTIAL
    assert bar.uptime == pytest.approx(uptime)


# --- when the state next changes ----------------------------------------------------------

NEXT_CHANGE_EVENTS = {
    "upgrade": MAINTENANCE,
    "slow-email": """\
        type: incident
        title: Slow email
        impact: minor
        components: [email]
        updates:
          - at: 2026-11-23T09:00
            status: investigating
            message: Mail is slow.
          - at: 2026-11-23T11:00
            status: resolved
            message: Mail is fast.
    """,
}


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        ("2026-11-23T10:00", ("2026-11-23T11:00", "slow-email", "investigating", "resolved")),
        ("2026-11-23T11:00", ("2026-11-24T02:00", "upgrade", "scheduled", "in_progress")),
        ("2026-11-24T01:59", ("2026-11-24T02:00", "upgrade", "scheduled", "in_progress")),
        ("2026-11-24T02:00", ("2026-11-24T04:00", "upgrade", "in_progress", "completed")),
        ("2026-11-24T03:59", ("2026-11-24T04:00", "upgrade", "in_progress", "completed")),
        ("2026-11-24T04:00", None),
    ],
)
def test_next_change_window_and_future_update(
    project: Project, now: str, expected: tuple[str, str, str, str] | None
) -> None:
    write_events(project, NEXT_CHANGE_EVENTS)
    change = project.state(local(now)).next_change
    if expected is None:
        assert change is None
    else:
        assert change is not None
        at, event_id, before, after = expected
        assert (change.at, change.event_id, change.before, change.after) == (
            local(at),
            event_id,
            before,
            after,
        )


@pytest.mark.parametrize(
    ("variant", "now", "expected"),
    [
        # completed early: the `completed` update ends it, not the clock
        (
            "completed-early",
            "2026-11-24T02:30",
            ("2026-11-24T03:00", "in_progress", "completed"),
        ),
        ("completed-early", "2026-11-24T03:00", None),
        # cancelled: it never starts, so nothing changes by the clock
        ("cancelled", "2026-11-23T10:00", ("2026-11-23T12:00", "scheduled", "cancelled")),
        ("cancelled", "2026-11-23T12:00", None),
        # overrun: it ends when the `completed` update says so
        ("overrun", "2026-11-24T04:30", ("2026-11-24T05:10", "in_progress", "completed")),
        # a `scheduled` update changes nothing
        ("announced", "2026-11-24T02:30", ("2026-11-24T04:00", "in_progress", "completed")),
    ],
)
def test_next_change_window_overrides(
    project: Project, variant: str, now: str, expected: tuple[str, str, str] | None
) -> None:
    project.write_event("php-upgrade", MAINTENANCE_VARIANTS[variant])
    change = project.state(local(now)).next_change
    if expected is None:
        assert change is None
    else:
        assert change is not None
        at, before, after = expected
        assert (change.at, change.event_id, change.before, change.after) == (
            local(at),
            "php-upgrade",
            before,
            after,
        )


@pytest.mark.parametrize(
    ("now", "at", "before", "after"),
    [
        ("2026-03-28T12:00", "2026-03-29T00:00", "scheduled", "in_progress"),
        ("2026-03-29T00:30", "2026-03-29T02:00", "in_progress", "completed"),
        ("2026-03-29T02:00", "2026-04-04T23:00", "scheduled", "in_progress"),
        ("2026-04-04T23:30", "2026-04-05T01:00", "in_progress", "completed"),
        ("2026-10-24T23:30", "2026-10-25T01:00", "in_progress", "completed"),
    ],
)
def test_next_change_recurring_backup_across_dst(
    project: Project, now: str, at: str, before: str, after: str
) -> None:
    project.write_event("weekly", WEEKLY_BACKUP)
    change = project.state(utc(now)).next_change
    assert change is not None
    assert (change.at, change.event_id, change.before, change.after) == (
        utc(at),
        "weekly",
        before,
        after,
    )


# --- property: a component's status is the worst of its active events ---------------------

COMPONENT_IDS = ("shared-hosting", "vps", "email")
# Best to worst, as SPEC "Event files" lists them.
WORST_LAST = (OP, MAINT, DEGRADED, PARTIAL, MAJOR)
LIST_STATUS = {"none": OP, "minor": DEGRADED, "major": PARTIAL, "critical": MAJOR}
BASE = datetime(2026, 11, 20, tzinfo=UTC)


@dataclass(frozen=True)
class SimpleEvent:
    """An incident (start, optional resolution) or a window (start, end), in minutes."""

    kind: str
    components: list[str] | dict[str, str]
    impact: str
    start: int
    end: int | None

    def effects(self) -> dict[str, str]:
        if isinstance(self.components, dict):
            return self.components
        if self.kind == "incident":
            return dict.fromkeys(self.components, LIST_STATUS[self.impact])
        if self.kind == "maintenance":
            return dict.fromkeys(self.components, MAINT)
        return {}  # a backup with a list leaves the components alone

    def active(self, now: int) -> bool:
        if self.kind == "incident":
            return self.start <= now and (self.end is None or now < self.end)
        assert self.end is not None
        return self.start <= now < self.end

    def yaml(self) -> str:
        components = json.dumps(self.components)
        if self.kind == "incident":
            lines = [
                "type: incident",
                "title: Something broke",
                f"impact: {self.impact}",
                f"components: {components}",
                "updates:",
                f"  - at: {stamp(self.start)}",
                "    status: investigating",
                "    message: Looking.",
            ]
            if self.end is not None:
                lines += [
                    f"  - at: {stamp(self.end)}",
                    "    status: resolved",
                    "    message: Fixed.",
                ]
        else:
            lines = [
                f"type: {self.kind}",
                "title: Planned work",
                f"components: {components}",
                f"starts: {stamp(self.start)}",
                f"ends: {stamp(self.end or 0)}",
            ]
        return "\n".join(lines) + "\n"


def stamp(minutes: int) -> str:
    return (BASE + timedelta(minutes=minutes)).isoformat()


component_refs = st.one_of(
    st.lists(st.sampled_from(COMPONENT_IDS), min_size=1, max_size=3, unique=True),
    st.dictionaries(st.sampled_from(COMPONENT_IDS), st.sampled_from(WORST_LAST), min_size=1),
)


@st.composite
def simple_events(draw: st.DrawFn) -> SimpleEvent:
    kind = draw(st.sampled_from(["incident", "maintenance", "backup"]))
    start = draw(st.integers(0, 120))
    if kind == "incident":
        end = draw(st.none() | st.integers(start + 1, start + 180))
    else:
        end = start + draw(st.integers(1, 180))
    return SimpleEvent(
        kind=kind,
        components=draw(component_refs),
        impact=draw(st.sampled_from(["minor", "major", "critical"])),
        start=start,
        end=end,
    )


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[list[SimpleEvent], int]:
    """Some events and a moment, often within a few minutes of one of their edges."""
    events = draw(st.lists(simple_events(), min_size=2, max_size=6))
    edges = [edge for event in events for edge in (event.start, event.end) if edge is not None]
    near_edge = st.sampled_from(edges).flatmap(lambda edge: st.integers(edge - 3, edge + 3))
    return events, draw(st.integers(-10, 320) | near_edge)


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(scenario=scenarios())
def test_component_status_is_worst_of_active_events(
    project: Project, scenario: tuple[list[SimpleEvent], int]
) -> None:
    events, now = scenario
    for old in (project.root / "incidents").glob("*.yaml"):
        old.unlink()
    for index, event in enumerate(events):
        project.write_event(f"event-{index}", event.yaml())
    state = project.state(BASE + timedelta(minutes=now))
    for component_id in COMPONENT_IDS:
        found = [
            event.effects()[component_id]
            for event in events
            if event.active(now) and component_id in event.effects()
        ]
        expected = max([OP, *found], key=WORST_LAST.index)
        assert state.component(component_id).status == expected, component_id
