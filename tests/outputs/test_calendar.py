"""The maintenance calendar as calendar apps read it: parsed with icalendar, expanded with dateutil."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest
from dateutil.rrule import rrulestr

from statuspage.build import build
from tests.conftest import FIXED_NOW, HELSINKI, Project, build_example

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=HELSINKI)
HOST = "status.kettu-hosting.example"


@pytest.fixture
def example(tmp_path: Path) -> Path:
    return build_example(tmp_path, NOW)


def events(path: Path) -> dict[str, list[icalendar.Event]]:
    calendar = icalendar.Calendar.from_ical(path.read_bytes())
    found: dict[str, list[icalendar.Event]] = {}
    for event in calendar.walk("VEVENT"):
        found.setdefault(str(event["UID"]), []).append(event)
    return found


def test_every_window_is_an_event(example: Path) -> None:
    found = events(example / "site" / "calendar.ics")
    assert set(found) == {
        f"{name}@{HOST}"
        for name in (
            "2026-11-10-vps-hypervisor-patching",
            "2026-11-26-webmail-upgrade",
            "2026-12-01-php-84-upgrade",
            "nightly-database-snapshots",
            "weekly-full-backup",
        )
    }
    php = found[f"2026-12-01-php-84-upgrade@{HOST}"][0]
    assert php["SUMMARY"] == "Maintenance: PHP 8.4 upgrade on shared hosting"
    assert php.decoded("DTSTART") == datetime(2026, 12, 1, 2, 0, tzinfo=ZoneInfo("Europe/Helsinki"))
    assert php.decoded("DTEND") - php.decoded("DTSTART") == timedelta(hours=2)
    assert php["URL"] == f"https://{HOST}/incidents/2026-12-01-php-84-upgrade/"
    assert "Sites may answer with errors" in php["DESCRIPTION"]
    assert "Affected components: Shared web hosting" in php["DESCRIPTION"]


def test_cancelled_window_is_cancelled(example: Path) -> None:
    webmail = events(example / "site" / "calendar.ics")[f"2026-11-26-webmail-upgrade@{HOST}"][0]
    assert webmail["STATUS"] == "CANCELLED"


def test_weekly_backup_keeps_two_oclock_across_dst(example: Path) -> None:
    calendar = icalendar.Calendar.from_ical((example / "site" / "calendar.ics").read_bytes())
    assert [str(zone["TZID"]) for zone in calendar.walk("VTIMEZONE")] == ["Europe/Helsinki"]
    backup = events(example / "site" / "calendar.ics")[f"weekly-full-backup@{HOST}"]
    assert len(backup) == 1
    series = backup[0]
    assert series["DTSTART"].params["TZID"] == "Europe/Helsinki"
    start = series.decoded("DTSTART")
    assert series.decoded("DURATION") == timedelta(hours=2)
    rule = rrulestr(series["RRULE"].to_ical().decode(), dtstart=start)
    march = rule.between(
        datetime(2026, 3, 20, tzinfo=HELSINKI), datetime(2026, 4, 6, tzinfo=HELSINKI)
    )
    october = rule.between(
        datetime(2026, 10, 17, tzinfo=HELSINKI), datetime(2026, 11, 2, tzinfo=HELSINKI)
    )
    for occurrence in march + october:
        assert (occurrence.hour, occurrence.minute) == (2, 0)
    # ... which is a different UTC time on each side of each change (03:00 on 29 March
    # and 04:00 on 25 October, so the Sundays of the changes are still on the old offset).
    assert [o.utcoffset() for o in march] == [
        timedelta(hours=2),
        timedelta(hours=2),
        timedelta(hours=3),
    ]
    assert [o.utcoffset() for o in october] == [
        timedelta(hours=3),
        timedelta(hours=3),
        timedelta(hours=2),
    ]


def test_uids_stable_and_sequence_rises_with_updates(project: Project) -> None:
    text = """\
        type: maintenance
        title: Upgrade
        components: [vps]
        starts: 2026-12-01T02:00
        duration: 2h
        updates:
          - at: 2026-11-20T09:00
            status: scheduled
            message: Announced.
        """
    project.write_event("2026-12-01-upgrade", text)
    build(project.config_path, project.root / "site", FIXED_NOW)
    first = events(project.root / "site" / "calendar.ics")["2026-12-01-upgrade@status.example.com"][
        0
    ]
    project.write_event(
        "2026-12-01-upgrade",
        text.replace("02:00\n", "03:00\n").rstrip(" ")
        + "          - at: 2026-11-21T09:00\n            status: scheduled\n            message: Moved an hour later.\n",
    )
    build(project.config_path, project.root / "site", datetime(2026, 11, 24, 8, 0, tzinfo=HELSINKI))
    second = events(project.root / "site" / "calendar.ics")[
        "2026-12-01-upgrade@status.example.com"
    ][0]
    assert second.decoded("DTSTART").hour == 3
    assert int(second["SEQUENCE"]) > int(first["SEQUENCE"])


def test_cancelled_occurrence_of_a_series_is_an_override(project: Project) -> None:
    project.write_event(
        "weekly",
        """\
        type: backup
        title: Weekly backup
        components: [shared-hosting]
        starts: 2026-01-04T02:00
        duration: 2h
        repeat: FREQ=WEEKLY;BYDAY=SU
        updates:
          - at: 2026-11-24T09:00
            status: cancelled
            message: No backup this Sunday during the data centre move.
        """,
    )
    build(project.config_path, project.root / "site", datetime(2026, 11, 25, 9, 0, tzinfo=HELSINKI))
    found = events(project.root / "site" / "calendar.ics")["weekly@status.example.com"]
    assert len(found) == 2
    override = next(event for event in found if "RECURRENCE-ID" in event)
    assert override["STATUS"] == "CANCELLED"
    assert override.decoded("RECURRENCE-ID") == datetime(
        2026, 11, 29, 2, 0, tzinfo=ZoneInfo("Europe/Helsinki")
    )


def test_component_calendar_has_only_its_windows(example: Path) -> None:
    found = events(example / "site" / "components" / "databases" / "calendar.ics")
    assert set(found) == {f"nightly-database-snapshots@{HOST}"}
    assert events(example / "site" / "components" / "dns" / "calendar.ics") == {}


def test_until_without_z_becomes_utc(project: Project) -> None:
    project.write_event(
        "daily",
        """\
        type: backup
        title: Daily
        components: [email]
        starts: 2026-11-01T04:00
        duration: 30m
        repeat: FREQ=DAILY;UNTIL=20261231T040000
        """,
    )
    build(project.config_path, project.root / "site", FIXED_NOW)
    series = events(project.root / "site" / "calendar.ics")["daily@status.example.com"][0]
    until = series["RRULE"]["UNTIL"][0]
    assert until == datetime(2026, 12, 31, 2, 0, tzinfo=ZoneInfo("UTC"))
