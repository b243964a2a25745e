"""Bad input (SPEC "Bad input"): every problem as the exact `path:line:column: message` line.

Each expected position was worked out by hand from the YAML in the test (1-based;
the value's column, the key's column for an unknown field, and the first key of
the mapping for a missing field). Line 1 of every snippet is its first line after
dedenting.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner

from statuspage.cli import cli
from statuspage.load.sources import load_sources
from statuspage.model.models import Incident, Maintenance
from statuspage.model.validate import validate_sources
from tests.conftest import HELSINKI, Project

TIME_HINT = "expected an ISO 8601 time such as 2026-11-20T10:02 or 2026-11-20T10:02:00+02:00"
DURATION_HINT = "expected a duration such as 90m, 2h, 1h30m or 1d"


# --- unknown fields (typos) ---------------------------------------------------------------


def test_unknown_field_top_level_suggests_the_near_miss(project: Project) -> None:
    project.write_event(
        "db",
        """\
        type: incident
        titel: Slow database
        components: [shared-hosting]
        updates:
          - at: 2026-11-20T10:02
            status: investigating
            message: Slow MySQL.
        """,
    )
    assert project.problems() == [
        "incidents/db.yaml:1:1: missing required field 'title'",
        "incidents/db.yaml:2:1: unknown field 'titel' (did you mean 'title'?)",
    ]


def test_unknown_field_in_update_suggests_the_near_miss(project: Project) -> None:
    project.write_event(
        "db",
        """\
        type: incident
        title: Slow database
        components: [shared-hosting]
        updates:
          - at: 2026-11-20T10:02
            status: investigating
            mesage: Slow MySQL.
        """,
    )
    assert project.problems() == [
        "incidents/db.yaml:5:5: updates[0]: missing required field 'message'",
        "incidents/db.yaml:7:5: updates[0]: unknown field 'mesage' (did you mean 'message'?)",
    ]


def test_unknown_field_in_window_suggests_the_near_miss(project: Project) -> None:
    project.write_event(
        "php",
        """\
        type: maintenance
        title: PHP upgrade
        components: [shared-hosting]
        starts: 2026-12-01T02:00
        durration: 2h
        """,
    )
    assert project.problems() == [
        "incidents/php.yaml:5:1: unknown field 'durration' (did you mean 'duration'?)",
    ]


def test_unknown_field_in_config_top_level_suggests_the_near_miss(project: Project) -> None:
    project.write_config(
        """\
        title: Example Hosting status
        base_url: https://status.example.com/
        timezon: Europe/Helsinki
        components:
          - id: email
            name: Email
        """
    )
    assert project.problems() == [
        "statuspage.yaml:3:1: unknown field 'timezon' (did you mean 'timezone'?)",
    ]


def test_unknown_field_in_contact_suggests_the_near_miss(project: Project) -> None:
    project.write_config(
        """\
        title: Example Hosting status
        base_url: https://status.example.com/
        timezone: Europe/Helsinki
        contact:
          emial: support@example.com
        components:
          - id: email
            name: Email
        """
    )
    assert project.problems() == [
        "statuspage.yaml:5:3: contact: unknown field 'emial' (did you mean 'email'?)",
    ]


def test_unknown_field_in_component_suggests_the_near_miss(project: Project) -> None:
    project.write_config(
        """\
        title: Example Hosting status
        base_url: https://status.example.com/
        components:
          - id: email
            nam: Email
        """
    )
    assert project.problems() == [
        "statuspage.yaml:4:5: components[0]: missing required field 'name'",
        "statuspage.yaml:5:5: components[0]: unknown field 'nam' (did you mean 'name'?)",
    ]


# --- wrong types --------------------------------------------------------------------------


def test_type_text_where_a_number_is_expected(project: Project) -> None:
    project.write_config(
        """\
        title: Example Hosting status
        base_url: https://status.example.com/
        uptime_days: ninety
        components:
          - id: email
            name: Email
        """
    )
    assert project.problems() == [
        "statuspage.yaml:3:14: uptime_days: expected a whole number, got 'ninety'",
    ]


def test_type_number_where_text_is_expected(project: Project) -> None:
    project.write_event(
        "db",
        """\
        type: incident
        title: 404
        components: [shared-hosting]
        updates:
          - at: 2026-11-20T10:02
            status: investigating
            message: Slow MySQL.
        """,
    )
    assert project.problems() == [
        "incidents/db.yaml:2:8: title: expected text, got a number (404) (put it in quotes)",
    ]


def test_type_yes_no_where_text_is_expected(project: Project) -> None:
    project.write_event(
        "db",
        """\
        type: incident
        title: Slow database
        components: [shared-hosting]
        updates:
          - at: 2026-11-20T10:02
            status: investigating
            message: no
        """,
    )
    assert project.problems() == [
        "incidents/db.yaml:7:14: updates[0].message: "
        "expected text, got false (a yes/no value) (put it in quotes)",
    ]


def test_type_list_where_a_mapping_is_expected(project: Project) -> None:
    project.write_config(
        """\
        title: Example Hosting status
        base_url: https://status.example.com/
        contact: [support@example.com]
        components:
          - id: email
            name: Email
        """
    )
    assert project.problems() == [
        "statuspage.yaml:3:10: contact: expected a mapping of fields, got a list",
    ]


def test_type_text_where_an_update_mapping_is_expected(project: Project) -> None:
    project.write_event(
        "db",
        """\
        type: incident
        title: Slow database
        components: [shared-hosting]
        updates:
          - Investigating slow MySQL.
        """,
    )
    assert project.problems() == [
        "incidents/db.yaml:5:5: updates[0]: "
        "expected a mapping of fields, got 'Investigating slow MySQL.'",
    ]


def test_type_text_where_components_are_expected(project: Project) -> None:
    project.write_event(
        "db",
        """\
        type: incident
        title: Slow database
        components: shared-hosting
        updates:
          - at: 2026-11-20T10:02
            status: investigating
            message: Slow MySQL.
        """,
    )
    assert project.problems() == [
        "incidents/db.yaml:3:13: components: expected a list of component ids "
        "or a mapping of id to status, got 'shared-hosting'",
    ]


def test_type_list_where_the_event_mapping_is_expected(project: Project) -> None:
    project.write_event(
        "db",
        """\
        - type: incident
          title: Slow database
        """,
    )
    assert project.problems() == [
        "incidents/db.yaml:1:1: expected a mapping of fields, got a list",
    ]


# --- component ids ------------------------------------------------------------------------


def test_component_unknown_in_list_form(project: Project) -> None:
    project.write_event(
        "db",
        """\
        type: incident
        title: Slow database
        components: [shared-hostin, email]
        updates:
          - at: 2026-11-20T10:02
            status: investigating
            message: Slow MySQL.
        """,
    )
    assert project.problems() == [
        "incidents/db.yaml:3:14: components[0]: unknown component 'shared-hostin' "
        "(did you mean 'shared-hosting'?)",
    ]


def test_component_unknown_in_block_list_without_near_miss(project: Project) -> None:
    project.write_event(
        "db",
        """\
        type: incident
        title: Slow database
        components:
          - email
          - databse
        updates:
          - at: 2026-11-20T10:02
            status: investigating
            message: Slow MySQL.
        """,
    )
    assert project.problems() == [
        "incidents/db.yaml:5:5: components[1]: unknown component 'databse' "
        "(components are defined in statuspage.yaml)",
    ]


def test_component_unknown_in_mapping_form(project: Project) -> None:
    project.write_event(
        "db",
        """\
        type: incident
        title: Slow database
        components:
          shared-hosting: partial_outage
          emial: degraded_performance
        updates:
          - at: 2026-11-20T10:02
            status: investigating
            message: Slow MySQL.
        """,
    )
    assert project.problems() == [
        "incidents/db.yaml:5:3: components: unknown component 'emial' (did you mean 'email'?)",
    ]


def test_component_duplicate_id_in_config(project: Project) -> None:
    project.write_config(
        """\
        title: Example Hosting status
        base_url: https://status.example.com/
        components:
          - id: email
            name: Email
          - id: vps
            name: Virtual private servers
          - id: email
            name: Email again
        """
    )
    assert project.problems() == [
        "statuspage.yaml:8:9: components[2].id: duplicate id 'email' (first used on line 4)",
    ]


def test_component_id_not_matching_the_pattern(project: Project) -> None:
    project.write_config(
        """\
        title: Example Hosting status
        base_url: https://status.example.com/
        components:
          - id: E-mail
            name: Email
        """
    )
    assert project.problems() == [
        "statuspage.yaml:4:9: components[0].id: 'E-mail' must match [a-z0-9][a-z0-9-]*",
    ]


def test_component_listed_twice_in_an_event(project: Project) -> None:
    project.write_event(
        "db",
        """\
        type: incident
        title: Slow database
        components: [email, vps, email]
        updates:
          - at: 2026-11-20T10:02
            status: investigating
            message: Slow MySQL.
        """,
    )
    assert project.problems() == [
        "incidents/db.yaml:3:26: components[2]: 'email' is listed twice",
    ]


def test_component_status_unknown_in_mapping_form(project: Project) -> None:
    project.write_event(
        "db",
        """\
        type: incident
        title: Slow database
        components:
          email: down
        updates:
          - at: 2026-11-20T10:02
            status: investigating
            message: Slow MySQL.
        """,
    )
    assert project.problems() == [
        "incidents/db.yaml:4:10: components.email: expected 'operational', "
        "'under_maintenance', 'degraded_performance', 'partial_outage' or 'major_outage', "
        "got 'down'",
    ]


# --- times and durations ------------------------------------------------------------------


def test_time_not_iso_8601(project: Project) -> None:
    project.write_event(
        "php",
        """\
        type: maintenance
        title: PHP upgrade
        components: [shared-hosting]
        starts: next tuesday
        duration: 2h
        """,
    )
    assert project.problems() == [
        f"incidents/php.yaml:4:9: starts: {TIME_HINT}, got 'next tuesday'",
    ]


def test_time_out_of_range_in_update(project: Project) -> None:
    project.write_event(
        "db",
        """\
        type: incident
        title: Slow database
        components: [shared-hosting]
        updates:
          - at: 2026-11-20T25:00
            status: investigating
            message: Slow MySQL.
        """,
    )
    assert project.problems() == [
        f"incidents/db.yaml:5:9: updates[0].at: {TIME_HINT}, got '2026-11-20T25:00'",
    ]


def test_time_written_as_a_clock_reading_only(project: Project) -> None:
    # YAML 1.1 reads an unquoted 11:30 as the base-60 number 690; the user wrote '11:30'.
    project.write_event(
        "db",
        """\
        type: incident
        title: Slow database
        components: [shared-hosting]
        updates:
          - at: 2026-11-20T10:40
            status: identified
            message: A failing disk.
            next_update: 11:30
        """,
    )
    assert project.problems() == [
        f"incidents/db.yaml:8:18: updates[0].next_update: {TIME_HINT}, got '11:30'",
    ]


def test_time_in_a_dst_gap(project: Project) -> None:
    project.write_event(
        "php",
        """\
        type: maintenance
        title: PHP upgrade
        components: [shared-hosting]
        starts: 2026-03-29T03:30
        ends: 2026-03-29T05:00
        """,
    )
    assert project.problems() == [
        "incidents/php.yaml:4:9: starts: '2026-03-29T03:30' does not exist in Europe/Helsinki: "
        "the clocks skip it when daylight saving time starts; "
        "write another time or give its UTC offset",
    ]


def test_time_in_a_dst_fold(project: Project) -> None:
    project.write_event(
        "php",
        """\
        type: maintenance
        title: PHP upgrade
        components: [shared-hosting]
        starts: 2026-10-25T02:00
        ends: 2026-10-25T03:30
        """,
    )
    assert project.problems() == [
        "incidents/php.yaml:5:7: ends: '2026-10-25T03:30' happens twice in Europe/Helsinki "
        "as the clocks go back; add the offset to say which: "
        "2026-10-25T03:30+03:00 or 2026-10-25T03:30+02:00",
    ]


def test_time_in_a_dst_fold_with_offset_is_accepted(project: Project) -> None:
    project.write_event(
        "php",
        """\
        type: maintenance
        title: PHP upgrade
        components: [shared-hosting]
        starts: 2026-10-25T02:00
        ends: 2026-10-25T03:30+02:00
        """,
    )
    assert project.problems() == []


@pytest.mark.parametrize(
    ("written", "message"),
    [
        ("2 hours", f"{DURATION_HINT}, got '2 hours'"),
        ("1h30", f"{DURATION_HINT}, got '1h30'"),
        ("90", f"{DURATION_HINT}, got a number (90)"),
        ("0m", "a duration must be longer than zero, got '0m'"),
    ],
)
def test_duration_bad(project: Project, written: str, message: str) -> None:
    project.write_event(
        "php",
        f"""\
        type: maintenance
        title: PHP upgrade
        components: [shared-hosting]
        starts: 2026-12-01T02:00
        duration: {written}
        """,
    )
    assert project.problems() == [f"incidents/php.yaml:5:11: duration: {message}"]


def test_time_zone_unknown_in_config(project: Project) -> None:
    project.write_config(
        """\
        title: Example Hosting status
        base_url: https://status.example.com/
        timezone: Europe/Helsinky
        components:
          - id: email
            name: Email
        """
    )
    assert project.problems() == [
        "statuspage.yaml:3:11: timezone: unknown time zone 'Europe/Helsinky' "
        "(did you mean 'Europe/Helsinki'?)",
    ]


def test_time_out_of_range_once_converted_to_utc(project: Project) -> None:
    # 0001-01-01T00:30 in Helsinki is in year 0 in UTC, which Python cannot represent.
    # No wording is fixed for this yet: one problem at the value, about `starts`.
    project.write_event(
        "php",
        """\
        type: maintenance
        title: PHP upgrade
        components: [shared-hosting]
        starts: 0001-01-01T00:30
        duration: 2h
        """,
    )
    problems = project.problems()
    assert len(problems) == 1, problems
    assert problems[0].startswith("incidents/php.yaml:4:9: starts: ")


@pytest.mark.parametrize("written", ["99999999d", "9999999999d"])
def test_duration_too_long(project: Project, written: str) -> None:
    # About 274 thousand (and 27 million) years: the window would end after year 9999.
    # No wording is fixed for this yet: one problem at the value, about `duration`.
    project.write_event(
        "php",
        f"""\
        type: maintenance
        title: PHP upgrade
        components: [shared-hosting]
        starts: 2026-12-01T02:00
        duration: {written}
        """,
    )
    problems = project.problems()
    assert len(problems) == 1, problems
    assert problems[0].startswith("incidents/php.yaml:5:11: duration: ")


# --- windows: starts, ends, duration, repeat ----------------------------------------------


def test_window_ends_before_starts(project: Project) -> None:
    project.write_event(
        "php",
        """\
        type: maintenance
        title: PHP upgrade
        components: [shared-hosting]
        starts: 2026-12-01T04:00
        ends: 2026-12-01T02:00
        """,
    )
    assert project.problems() == [
        "incidents/php.yaml:5:7: ends: 2026-12-01T02:00+02:00 is not after starts "
        "(2026-12-01T04:00+02:00)",
    ]


def test_window_ends_equal_to_starts(project: Project) -> None:
    project.write_event(
        "php",
        """\
        type: maintenance
        title: PHP upgrade
        components: [shared-hosting]
        starts: 2026-12-01T04:00
        ends: 2026-12-01T02:00Z
        """,
    )
    assert project.problems() == [
        "incidents/php.yaml:5:7: ends: 2026-12-01T04:00+02:00 is not after starts "
        "(2026-12-01T04:00+02:00)",
    ]


def test_window_both_ends_and_duration(project: Project) -> None:
    project.write_event(
        "php",
        """\
        type: maintenance
        title: PHP upgrade
        components: [shared-hosting]
        starts: 2026-12-01T02:00
        ends: 2026-12-01T04:00
        duration: 2h
        """,
    )
    assert project.problems() == [
        "incidents/php.yaml:6:11: duration: give either ends or duration, not both",
    ]


@pytest.mark.parametrize("kind", ["maintenance", "backup"])
def test_window_neither_ends_nor_duration(project: Project, kind: str) -> None:
    project.write_event(
        "php",
        f"""\
        type: {kind}
        title: PHP upgrade
        components: [shared-hosting]
        starts: 2026-12-01T02:00
        """,
    )
    assert project.problems() == [
        f"incidents/php.yaml:1:1: a {kind} needs 'ends' or 'duration'",
    ]


def test_window_missing_starts(project: Project) -> None:
    project.write_event(
        "php",
        """\
        type: maintenance
        title: PHP upgrade
        components: [shared-hosting]
        duration: 2h
        """,
    )
    assert project.problems() == ["incidents/php.yaml:1:1: missing required field 'starts'"]


@pytest.mark.parametrize(
    ("rule", "reason"),
    [
        ("every sunday", ""),
        ("FREQ=FORTNIGHTLY", " (invalid 'FREQ': FORTNIGHTLY)"),
        ("FREQ=WEEKLY;BYDAY=XX", " (invalid 'BYDAY': XX)"),
    ],
)
def test_repeat_rrule_that_does_not_parse(project: Project, rule: str, reason: str) -> None:
    project.write_event(
        "backup",
        f"""\
        type: backup
        title: Weekly full backup
        components: [shared-hosting]
        starts: 2026-01-04T02:00
        duration: 2h
        repeat: {rule}
        """,
    )
    assert project.problems() == [
        f"incidents/backup.yaml:6:9: repeat: not a valid RRULE{reason}; expected NAME=VALUE "
        f"pairs such as FREQ=WEEKLY;BYDAY=SU, got '{rule}'",
    ]


@pytest.mark.parametrize("rule", ["FREQ=MINUTELY", "FREQ=SECONDLY;INTERVAL=30"])
def test_repeat_rrule_too_frequent(project: Project, rule: str) -> None:
    project.write_event(
        "backup",
        f"""\
        type: backup
        title: Weekly full backup
        components: [shared-hosting]
        starts: 2026-01-04T02:00
        duration: 2h
        repeat: {rule}
        """,
    )
    assert project.problems() == [
        "incidents/backup.yaml:6:9: repeat: a window may repeat at most hourly: "
        "use FREQ=HOURLY, DAILY, WEEKLY, MONTHLY or YEARLY",
    ]


def test_repeat_rrule_ending_before_the_window_starts(project: Project) -> None:
    project.write_event(
        "backup",
        """\
        type: backup
        title: Nightly backup
        components: [shared-hosting]
        starts: 2026-05-01T02:00
        duration: 2h
        repeat: FREQ=DAILY;UNTIL=20260401T000000Z
        """,
    )
    assert project.problems() == [
        "incidents/backup.yaml:6:9: repeat: the rule ends (UNTIL 2026-04-01T03:00+03:00) before "
        "the window first starts (2026-05-01T02:00+03:00): it would never happen",
    ]


def test_repeat_rrule_ending_before_its_first_occurrence(project: Project) -> None:
    # 2026-05-01 is a Friday: the first Sunday would be after UNTIL.
    project.write_event(
        "backup",
        """\
        type: backup
        title: Weekly full backup
        components: [shared-hosting]
        starts: 2026-05-01T02:00
        duration: 2h
        repeat: FREQ=WEEKLY;BYDAY=SU;UNTIL=20260502
        """,
    )
    assert project.problems() == [
        "incidents/backup.yaml:6:9: repeat: the rule has no occurrence between the window's "
        "start (2026-05-01T02:00+03:00) and its end (UNTIL 2026-05-02T00:00+03:00): "
        "it would never happen",
    ]


def test_repeat_rrule_ending_on_the_window_start_is_one_window(project: Project) -> None:
    project.write_event(
        "backup",
        """\
        type: backup
        title: Nightly backup
        components: [shared-hosting]
        starts: 2026-05-01T02:00
        duration: 2h
        repeat: FREQ=DAILY;UNTIL=20260430T230000Z
        """,
    )
    assert project.problems() == []
    (window,) = project.state(datetime(2026, 5, 1, 3, 0, tzinfo=HELSINKI)).running_windows
    assert window.status == "in_progress"


@pytest.mark.parametrize("count", ["0", "00", "-1"])
def test_repeat_rrule_with_count_below_one(project: Project, count: str) -> None:
    project.write_event(
        "backup",
        f"""\
        type: backup
        title: Nightly backup
        components: [shared-hosting]
        starts: 2026-05-01T02:00
        duration: 2h
        repeat: FREQ=DAILY;COUNT={count}
        """,
    )
    assert project.problems() == [
        f"incidents/backup.yaml:6:9: repeat: COUNT must be at least 1, got {count}: "
        "the window would never happen",
    ]


def test_repeat_rrule_is_checked_against_starts_only_when_starts_is_valid(
    project: Project,
) -> None:
    project.write_event(
        "backup",
        """\
        type: backup
        title: Nightly backup
        components: [shared-hosting]
        starts: 2026-05-01T25:00
        duration: 2h
        repeat: FREQ=DAILY;UNTIL=19991231T000000Z
        """,
    )
    assert project.problems() == [
        f"incidents/backup.yaml:4:9: starts: {TIME_HINT}, got '2026-05-01T25:00'",
    ]


# --- updates ------------------------------------------------------------------------------


def test_updates_out_of_order(project: Project) -> None:
    project.write_event(
        "db",
        """\
        type: incident
        title: Slow database
        components: [shared-hosting]
        updates:
          - at: 2026-11-20T10:40
            status: identified
            message: A failing disk.
          - at: 2026-11-20T10:02
            status: investigating
            message: Slow MySQL.
        """,
    )
    assert project.problems() == [
        "incidents/db.yaml:8:9: updates[1].at: 2026-11-20T10:02+02:00 is before the update "
        "above it (2026-11-20T10:40+02:00); updates go oldest first",
    ]


def test_updates_out_of_order_across_offsets(project: Project) -> None:
    # 10:30+02:00 is 08:30 UTC, before 10:00+01:00 (09:00 UTC), though it reads later.
    project.write_event(
        "db",
        """\
        type: incident
        title: Slow database
        components: [shared-hosting]
        updates:
          - at: 2026-11-20T10:00+01:00
            status: investigating
            message: Slow MySQL.
          - at: 2026-11-20T10:30+02:00
            status: identified
            message: A failing disk.
        """,
    )
    assert project.problems() == [
        "incidents/db.yaml:8:9: updates[1].at: 2026-11-20T10:30+02:00 is before the update "
        "above it (2026-11-20T11:00+02:00); updates go oldest first",
    ]


def test_updates_next_update_before_its_update(project: Project) -> None:
    project.write_event(
        "db",
        """\
        type: incident
        title: Slow database
        components: [shared-hosting]
        updates:
          - at: 2026-11-20T10:40
            status: identified
            message: A failing disk.
            next_update: 2026-11-20T10:30
        """,
    )
    assert project.problems() == [
        "incidents/db.yaml:8:18: updates[0].next_update: 2026-11-20T10:30+02:00 "
        "is before the update itself",
    ]


def test_updates_missing_on_an_incident(project: Project) -> None:
    project.write_event(
        "db",
        """\
        type: incident
        title: Slow database
        components: [shared-hosting]
        updates: []
        """,
    )
    assert project.problems() == ["incidents/db.yaml:4:10: updates: needs at least 1 entry"]


# --- title --------------------------------------------------------------------------------


def test_title_missing(project: Project) -> None:
    project.write_event(
        "db",
        """\
        # Somebody forgot the title.
        type: incident
        components: [shared-hosting]
        updates:
          - at: 2026-11-20T10:02
            status: investigating
            message: Slow MySQL.
        """,
    )
    assert project.problems() == ["incidents/db.yaml:2:1: missing required field 'title'"]


@pytest.mark.parametrize("written", ['""', "'   '"])
def test_title_empty(project: Project, written: str) -> None:
    project.write_event(
        "db",
        f"""\
        type: incident
        title: {written}
        components: [shared-hosting]
        updates:
          - at: 2026-11-20T10:02
            status: investigating
            message: Slow MySQL.
        """,
    )
    assert project.problems() == ["incidents/db.yaml:2:8: title: must not be empty"]


def test_title_with_no_value(project: Project) -> None:
    # Nothing follows `title:`; the place to point at is just after the colon.
    project.write_event(
        "db",
        """\
        type: incident
        title:
        components: [shared-hosting]
        updates:
          - at: 2026-11-20T10:02
            status: investigating
            message: Slow MySQL.
        """,
    )
    assert project.problems() == [
        "incidents/db.yaml:2:7: title: expected text, got nothing (null)",
    ]


# --- type and status ----------------------------------------------------------------------


def test_type_unknown(project: Project) -> None:
    project.write_event(
        "db",
        """\
        type: outage
        title: Slow database
        components: [shared-hosting]
        """,
    )
    assert project.problems() == [
        "incidents/db.yaml:1:7: type: expected 'incident', 'maintenance' or 'backup', got 'outage'",
    ]


def test_type_missing(project: Project) -> None:
    project.write_event(
        "db",
        """\
        title: Slow database
        components: [shared-hosting]
        """,
    )
    assert project.problems() == [
        "incidents/db.yaml:1:1: missing required field 'type' "
        "('incident', 'maintenance' or 'backup')",
    ]


def test_status_of_an_incident_on_a_maintenance(project: Project) -> None:
    project.write_event(
        "php",
        """\
        type: maintenance
        title: PHP upgrade
        components: [shared-hosting]
        starts: 2026-12-01T02:00
        duration: 2h
        updates:
          - at: 2026-12-01T02:00
            status: investigating
            message: Started.
        """,
    )
    assert project.problems() == [
        "incidents/php.yaml:8:13: updates[0].status: expected 'scheduled', 'in_progress', "
        "'verifying', 'completed' or 'cancelled', got 'investigating'",
    ]


def test_status_of_a_window_on_an_incident(project: Project) -> None:
    project.write_event(
        "db",
        """\
        type: incident
        title: Slow database
        components: [shared-hosting]
        updates:
          - at: 2026-11-20T10:02
            status: completed
            message: Slow MySQL.
        """,
    )
    assert project.problems() == [
        "incidents/db.yaml:6:13: updates[0].status: expected 'investigating', 'identified', "
        "'monitoring' or 'resolved', got 'completed'",
    ]


def test_impact_unknown(project: Project) -> None:
    project.write_event(
        "db",
        """\
        type: incident
        title: Slow database
        impact: severe
        components: [shared-hosting]
        updates:
          - at: 2026-11-20T10:02
            status: investigating
            message: Slow MySQL.
        """,
    )
    assert project.problems() == [
        "incidents/db.yaml:3:9: impact: expected 'none', 'minor', 'major' or 'critical', "
        "got 'severe'",
    ]


# --- files --------------------------------------------------------------------------------


def test_file_name_not_an_event_id(project: Project) -> None:
    project.write_event(
        "Bad Name",
        """\
        type: incident
        title: Slow database
        components: [shared-hosting]
        updates:
          - at: 2026-11-20T10:02
            status: resolved
            message: Fixed.
        """,
    )
    assert project.problems() == [
        "incidents/Bad Name.yaml:1:1: the file name 'Bad Name' is not a valid event id: "
        "it must match [a-z0-9][a-z0-9-]* (rename the file)",
    ]


def test_yaml_syntax_error_mapping_value_in_plain_text(project: Project) -> None:
    project.write_event(
        "db",
        """\
        type: incident
        title: Slow: database
        components: [shared-hosting]
        """,
    )
    assert project.problems() == [
        "incidents/db.yaml:2:12: mapping values are not allowed in this context",
    ]


def test_yaml_syntax_error_unclosed_quote(project: Project) -> None:
    # The scanner finds the problem at the end of the file; the message names the line
    # where the quoted text began.
    project.write_event(
        "db",
        """\
        type: incident
        title: "Slow database
        components: [shared-hosting]
        """,
    )
    assert project.problems() == [
        "incidents/db.yaml:4:1: found unexpected end of stream "
        "(while scanning a quoted scalar at line 2)",
    ]


def test_yaml_syntax_error_tab_indentation(project: Project) -> None:
    path = project.root / "incidents" / "db.yaml"
    path.write_bytes(b"type: incident\ntitle: Slow database\ncomponents:\n\t- email\n")
    assert project.problems() == [
        "incidents/db.yaml:4:1: found character that cannot start any token "
        "(while scanning for the next token at line 4)",
    ]


@pytest.mark.parametrize("text", ["", "\n\n", "# nothing here yet\n"])
def test_file_empty(project: Project, text: str) -> None:
    project.write_event("db", text)
    assert project.problems() == [
        "incidents/db.yaml:1:1: the file is empty; expected a mapping of fields",
    ]


def test_file_with_only_a_document_marker(project: Project) -> None:
    # The empty document after `---` is a null node, which the parser places where the
    # next token (the end of the file) starts: line 2, column 1.
    project.write_event("db", "---\n")
    assert project.problems() == [
        "incidents/db.yaml:2:1: expected a mapping of fields, got nothing (null)",
    ]


def test_file_invalid_utf8(project: Project) -> None:
    path = project.root / "incidents" / "db.yaml"
    path.write_bytes(b"type: incident\ntitle: Caf\xe9 outage\n")
    # "title: Caf" is 10 characters; the bad byte is the 11th.
    assert project.problems() == ["incidents/db.yaml:2:11: the file is not valid UTF-8"]


def test_file_invalid_utf8_column_counts_characters(project: Project) -> None:
    path = project.root / "incidents" / "db.yaml"
    # "title: Ääni " is 12 characters (14 bytes); the bad byte is the 13th character,
    # counted the way every other column is (YAML marks count characters, not bytes).
    path.write_bytes("type: incident\ntitle: Ääni ".encode() + b"\xff\n")
    assert project.problems() == ["incidents/db.yaml:2:13: the file is not valid UTF-8"]


def test_file_utf8_byte_order_mark_is_accepted(project: Project) -> None:
    path = project.root / "incidents" / "db.yaml"
    path.write_bytes(
        b"\xef\xbb\xbftype: incident\ntitel: Slow database\ncomponents: [email]\n"
        b"updates:\n  - at: 2026-11-20T10:02\n    status: resolved\n    message: Fixed.\n"
    )
    assert project.problems() == [
        "incidents/db.yaml:1:1: missing required field 'title'",
        "incidents/db.yaml:2:1: unknown field 'titel' (did you mean 'title'?)",
    ]


# --- unsafe YAML --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "tag"),
    [
        ('!!python/object/apply:os.system ["touch pwned"]', "!!python/object/apply:os.system"),
        ("!!python/object/new:os.system [touch pwned]", "!!python/object/new:os.system"),
        ('!!python/name:os.system ""', "!!python/name:os.system"),
        ("!include secrets.yaml", "!include"),
    ],
)
def test_yaml_tag_that_constructs_objects_is_refused(
    project: Project, value: str, tag: str
) -> None:
    project.write_event(
        "db",
        f"""\
        type: incident
        title: {value}
        components: [shared-hosting]
        """,
    )
    assert project.problems() == [
        f"incidents/db.yaml:2:8: the tag '{tag}' is not allowed; only plain YAML values are",
    ]
    assert not (project.root / "pwned").exists()


def test_yaml_tag_on_the_config_is_refused(project: Project) -> None:
    project.write_config(
        """\
        !!python/object/apply:os.system
        args: [touch pwned]
        """
    )
    assert project.problems() == [
        "statuspage.yaml:1:1: the tag '!!python/object/apply:os.system' is not allowed; "
        "only plain YAML values are",
    ]
    assert not (project.root / "pwned").exists()


def test_yaml_alias_bomb_is_refused(project: Project) -> None:
    # 1 + 11 + 111 + 1111 + 11111 + 111111 nodes once expanded; the builder stops at the
    # 100001st. Counted by hand: the root and a, b, c, d make 12345 nodes; e is the
    # 12346th; seven *d add 77777 (90123); in the 8th *d, eight *c reach 99012; in its
    # 9th *c, eight *b reach 99901; in its 9th *b, eight *a reach 99990; the 9th *a is
    # 99991 and its 10th x, the last on line 1 (column 35), is the 100001st.
    project.write_event(
        "bomb",
        """\
        a: &a [x, x, x, x, x, x, x, x, x, x]
        b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]
        c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]
        d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]
        e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]
        """,
    )
    assert project.problems() == [
        "incidents/bomb.yaml:1:35: aliases expand this document beyond 100000 nodes "
        "(an alias bomb?)",
    ]


def test_yaml_billion_laughs_is_refused(project: Project) -> None:
    # The classic: lol1..lol9 each list ten aliases of the level below, 10**9 strings in
    # all. Counted by hand: the root and lol0..lol4 make 12346 nodes; lol5 is the 12347th;
    # seven *lol4 add 77777 (90124); in the 8th, eight *lol3 reach 99013; in its 9th *lol3,
    # eight *lol2 reach 99902; in its 9th *lol2, eight *lol1 reach 99991; the 9th *lol1 is
    # 99992 and its 9th *lol0 the 100001st: the anchored "lol", whose node starts at its
    # anchor `&lol0` on line 1, column 7.
    levels = ['lol0: &lol0 "lol"']
    levels += [f"lol{n}: &lol{n} [{', '.join([f'*lol{n - 1}'] * 10)}]" for n in range(1, 10)]
    project.write_event("laughs", "\n".join(levels) + "\n")
    assert project.problems() == [
        "incidents/laughs.yaml:1:7: aliases expand this document beyond 100000 nodes "
        "(an alias bomb?)",
    ]


def test_yaml_recursive_alias_is_refused(project: Project) -> None:
    project.write_event(
        "db",
        """\
        type: incident
        title: &loop [*loop]
        components: [shared-hosting]
        """,
    )
    assert project.problems() == [
        "incidents/db.yaml:2:8: an alias refers to a node that contains it; "
        "recursive data is not allowed",
    ]


def test_yaml_nesting_too_deep_is_refused(project: Project) -> None:
    # `title: ` is 7 characters; the title's value is at depth 1, so the 101st `[`
    # (column 8 + 100) is the first node deeper than 100 levels.
    project.write_event("db", "type: incident\ntitle: " + "[" * 200 + "]" * 200 + "\n")
    assert project.problems() == [
        "incidents/db.yaml:2:108: nesting deeper than 100 levels is not allowed",
    ]


def test_yaml_key_that_is_a_list_is_refused(project: Project) -> None:
    project.write_event(
        "db",
        """\
        type: incident
        [title, name]: Slow database
        """,
    )
    assert project.problems() == [
        "incidents/db.yaml:2:1: a mapping key must be plain text, not a list or mapping",
    ]


def test_yaml_duplicate_key(project: Project) -> None:
    project.write_event(
        "db",
        """\
        type: incident
        title: Slow database
        components: [shared-hosting]
        title: Slow MySQL
        """,
    )
    assert project.problems() == ["incidents/db.yaml:4:1: duplicate key 'title'"]


def test_yaml_every_duplicate_key_is_reported(project: Project) -> None:
    """All problems at once: a file with two duplicate keys reports both (issue 22)."""
    project.write_event(
        "db",
        """\
        type: incident
        title: Slow database
        title: Slow MySQL
        components: [shared-hosting]
        components: [email]
        """,
    )
    assert project.problems() == [
        "incidents/db.yaml:3:1: duplicate key 'title'",
        "incidents/db.yaml:5:1: duplicate key 'components'",
    ]


def test_yaml_duplicate_key_in_update(project: Project) -> None:
    project.write_event(
        "db",
        """\
        type: incident
        title: Slow database
        components: [shared-hosting]
        updates:
          - at: 2026-11-20T10:02
            status: investigating
            status: identified
            message: Slow MySQL.
        """,
    )
    assert project.problems() == ["incidents/db.yaml:7:5: duplicate key 'status'"]


# --- checks across fields also when a file fails its model --------------------------------


def test_raw_updates_out_of_order_beside_a_typo(project: Project) -> None:
    project.write_event(
        "db",
        """\
        type: incident
        title: Slow database
        components: [shared-hosting]
        updates:
          - at: 2026-11-20T10:40
            status: identified
            mesage: A failing disk.
          - at: 2026-11-20T10:00
            status: investigating
            message: Slow MySQL.
        """,
    )
    assert project.problems() == [
        "incidents/db.yaml:5:5: updates[0]: missing required field 'message'",
        "incidents/db.yaml:7:5: updates[0]: unknown field 'mesage' (did you mean 'message'?)",
        "incidents/db.yaml:8:9: updates[1].at: 2026-11-20T10:00+02:00 is before the update "
        "above it (2026-11-20T10:40+02:00); updates go oldest first",
    ]


def test_raw_next_update_before_its_update_beside_a_bad_status(project: Project) -> None:
    project.write_event(
        "db",
        """\
        type: incident
        title: Slow database
        components: [shared-hosting]
        updates:
          - at: 2026-11-20T10:40
            status: fixing
            message: A failing disk.
            next_update: 2026-11-20T10:30
        """,
    )
    assert project.problems() == [
        "incidents/db.yaml:6:13: updates[0].status: expected 'investigating', 'identified', "
        "'monitoring' or 'resolved', got 'fixing'",
        "incidents/db.yaml:8:18: updates[0].next_update: 2026-11-20T10:30+02:00 "
        "is before the update itself",
    ]


def test_raw_update_order_skips_an_invalid_time(project: Project) -> None:
    # The bad time is reported once, by the model; the order check compares the valid
    # times around it and says nothing about the bad one or its next_update.
    project.write_event(
        "db",
        """\
        type: incident
        title: Slow database
        components: [shared-hosting]
        updates:
          - at: 2026-11-20T10:40
            status: identified
            message: A failing disk.
          - at: 2026-11-20T25:00
            status: monitoring
            message: Watching.
            next_update: 2026-11-20T10:00
          - at: 2026-11-20T10:20
            status: resolved
            message: Fixed.
        """,
    )
    assert project.problems() == [
        f"incidents/db.yaml:8:9: updates[1].at: {TIME_HINT}, got '2026-11-20T25:00'",
        "incidents/db.yaml:12:9: updates[2].at: 2026-11-20T10:20+02:00 is before the update "
        "above it (2026-11-20T10:40+02:00); updates go oldest first",
    ]


def test_raw_update_order_on_an_event_of_unknown_type(project: Project) -> None:
    project.write_event(
        "db",
        """\
        type: outage
        title: Slow database
        components: [shared-hosting]
        updates:
          - at: 2026-11-20T10:40
            status: identified
            message: A failing disk.
          - at: 2026-11-20T10:00
            status: investigating
            message: Slow MySQL.
        """,
    )
    assert project.problems() == [
        "incidents/db.yaml:1:7: type: expected 'incident', 'maintenance' or 'backup', got 'outage'",
        "incidents/db.yaml:8:9: updates[1].at: 2026-11-20T10:00+02:00 is before the update "
        "above it (2026-11-20T10:40+02:00); updates go oldest first",
    ]


def test_raw_window_ends_before_starts_without_a_title(project: Project) -> None:
    project.write_event(
        "php",
        """\
        type: maintenance
        components: [shared-hosting]
        starts: 2026-12-01T04:00
        ends: 2026-12-01T02:00
        updates:
          - at: 2026-11-25T12:00
            status: scheduled
            message: Announced.
          - at: 2026-11-24T12:00
            status: scheduled
            message: Announced earlier.
        """,
    )
    assert project.problems() == [
        "incidents/php.yaml:1:1: missing required field 'title'",
        "incidents/php.yaml:4:7: ends: 2026-12-01T02:00+02:00 is not after starts "
        "(2026-12-01T04:00+02:00)",
        "incidents/php.yaml:9:9: updates[1].at: 2026-11-24T12:00+02:00 is before the update "
        "above it (2026-11-25T12:00+02:00); updates go oldest first",
    ]


def test_raw_window_both_ends_and_duration_with_a_bad_ends(project: Project) -> None:
    project.write_event(
        "php",
        """\
        type: maintenance
        title: PHP upgrade
        components: [shared-hosting]
        starts: 2026-12-01T02:00
        ends: soon
        duration: 2h
        """,
    )
    assert project.problems() == [
        f"incidents/php.yaml:5:7: ends: {TIME_HINT}, got 'soon'",
        "incidents/php.yaml:6:11: duration: give either ends or duration, not both",
    ]


@pytest.mark.parametrize("kind", ["maintenance", "backup"])
def test_raw_window_neither_ends_nor_duration_with_a_bad_starts(
    project: Project, kind: str
) -> None:
    project.write_event(
        "php",
        f"""\
        type: {kind}
        title: PHP upgrade
        components: [shared-hosting]
        starts: tomorrow
        """,
    )
    assert project.problems() == [
        f"incidents/php.yaml:1:1: a {kind} needs 'ends' or 'duration'",
        f"incidents/php.yaml:4:9: starts: {TIME_HINT}, got 'tomorrow'",
    ]


def test_raw_repeat_ending_before_starts_without_a_title(project: Project) -> None:
    project.write_event(
        "backup",
        """\
        type: backup
        components: [shared-hosting]
        starts: 2026-05-01T02:00
        duration: 2h
        repeat: FREQ=DAILY;UNTIL=20260401T000000Z
        """,
    )
    assert project.problems() == [
        "incidents/backup.yaml:1:1: missing required field 'title'",
        "incidents/backup.yaml:5:9: repeat: the rule ends (UNTIL 2026-04-01T03:00+03:00) before "
        "the window first starts (2026-05-01T02:00+03:00): it would never happen",
    ]


def test_raw_duplicate_component_id_in_a_config_that_fails_its_model(project: Project) -> None:
    project.write_config(
        """\
        title: Example Hosting status
        base_url: https://status.example.com/
        uptime_days: ninety
        components:
          - id: email
            name: Email
          - id: email
            nam: Email again
        """
    )
    assert project.problems() == [
        "statuspage.yaml:3:14: uptime_days: expected a whole number, got 'ninety'",
        "statuspage.yaml:7:5: components[1]: missing required field 'name'",
        "statuspage.yaml:7:9: components[1].id: duplicate id 'email' (first used on line 5)",
        "statuspage.yaml:8:5: components[1]: unknown field 'nam' (did you mean 'name'?)",
    ]


# --- all problems in one run --------------------------------------------------------------

BROKEN_CONFIG = """\
    title: Example Hosting status
    base_url: https://status.example.com/
    timezone: Europe/Helsinki
    uptime_days: ninety
    components:
      - id: shared-hosting
        name: Shared web hosting
      - id: email
        name: Email
    """
BROKEN_A = """\
    type: incident
    title: Slow database
    components: [emial]
    updates:
      - at: 2026-11-20T10:02
        status: investigating
        message: Slow MySQL.
      - at: 2026-11-20T25:00
        status: resolved
        message: Fixed.
    """
BROKEN_B = """\
    type: maintenance
    title: PHP upgrade: part 2
    components: [shared-hosting]
    """
BROKEN_C = """\
    type: backup
    components: [shared-hosting]
    starts: 2026-01-04T02:00
    duration: 2h
    repeat: FREQ=MINUTELY
    """
EVERY_PROBLEM = [
    "incidents/a.yaml:3:14: components[0]: unknown component 'emial' (did you mean 'email'?)",
    f"incidents/a.yaml:8:9: updates[1].at: {TIME_HINT}, got '2026-11-20T25:00'",
    "incidents/b.yaml:2:19: mapping values are not allowed in this context",
    "incidents/c.yaml:1:1: missing required field 'title'",
    "incidents/c.yaml:5:9: repeat: a window may repeat at most hourly: "
    "use FREQ=HOURLY, DAILY, WEEKLY, MONTHLY or YEARLY",
    "statuspage.yaml:4:14: uptime_days: expected a whole number, got 'ninety'",
]


def _write_broken_repository(project: Project) -> None:
    project.write_config(BROKEN_CONFIG)
    project.write_event("a", BROKEN_A)
    project.write_event("b", BROKEN_B)
    project.write_event("c", BROKEN_C)


def test_all_problems_in_every_file_are_reported(project: Project) -> None:
    _write_broken_repository(project)
    assert project.problems() == EVERY_PROBLEM


def test_all_problems_printed_by_check_without_traceback(
    project: Project, runner: CliRunner
) -> None:
    _write_broken_repository(project)
    result = runner.invoke(cli, ["check", "--now", "2026-11-23T10:00"])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    lines = result.output.splitlines()
    assert lines[:-1] == EVERY_PROBLEM
    assert lines[-1] == "Error: Aborted: 6 errors in 4 files."


# --- valid input: times without an offset are in the site's timezone ----------------------


def test_time_without_offset_is_in_site_timezone(project: Project) -> None:
    project.write_event(
        "db",
        """\
        type: incident
        title: Slow database
        components: [shared-hosting]
        updates:
          - at: 2026-11-20T10:02:00+02:00
            status: investigating
            message: Slow MySQL.
          - at: 2026-11-20T10:40
            status: identified
            message: A failing disk.
            next_update: 2026-11-20T11:30
          - at: 2026-11-20T11:15
            status: resolved
            message: Fixed.
        """,
    )
    project.write_event(
        "php",
        """\
        type: maintenance
        title: PHP upgrade
        components: [shared-hosting]
        starts: 2026-07-01T02:00
        duration: 2h
        """,
    )
    validated = validate_sources(load_sources(project.config_path))
    assert validated.problems == ()
    events = {event.id: event for event in validated.events}
    incident, maintenance = events["db"], events["php"]
    assert isinstance(incident, Incident)
    assert isinstance(maintenance, Maintenance)
    first, second, third = incident.updates
    assert first.at == datetime(2026, 11, 20, 8, 2, tzinfo=UTC)
    assert second.at == datetime(2026, 11, 20, 8, 40, tzinfo=UTC)
    # Kept as instants (UTC), so that arithmetic is right across DST; shown in the site's zone.
    assert second.at.astimezone(HELSINKI).utcoffset() == timedelta(hours=2)
    assert second.next_update == datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
    assert third.at == datetime(2026, 11, 20, 9, 15, tzinfo=UTC)
    # In summer Helsinki is three hours ahead of UTC.
    assert maintenance.starts == datetime(2026, 6, 30, 23, 0, tzinfo=UTC)
    assert maintenance.starts.astimezone(HELSINKI).utcoffset() == timedelta(hours=3)
    assert project.problems() == []


# --- every refused character, not only the first (moved from a proposal) ---


def test_every_control_character_in_text_is_reported(project: Project) -> None:
    project.write_event(
        "db",
        """\
        type: incident
        title: "A \\uFFFE title"
        components: [shared-hosting]
        updates:
          - at: 2026-11-20T10:02
            status: investigating
            message: "Slow \\uFFFF MySQL \\v and \\uFFFF again."
        """,
    )
    for _ in range(2):  # the second time from the parse cache
        assert project.problems() == [
            "incidents/db.yaml:2:8: the control character U+FFFE is not allowed in text",
            "incidents/db.yaml:7:14: the control characters U+FFFF and U+000B "
            "are not allowed in text",
        ]


def test_a_control_character_in_an_alias_is_reported_once(project: Project) -> None:
    project.write_event(
        "db",
        """\
        type: incident
        title: &t "A \\x01 title"
        components: [shared-hosting]
        description: *t
        updates:
          - at: 2026-11-20T10:02
            status: investigating
            message: *t
        """,
    )
    assert project.problems() == [
        "incidents/db.yaml:2:8: the control character U+0001 is not allowed in text",
    ]


def test_control_characters_with_a_later_load_error(project: Project) -> None:
    project.write_event(
        "db",
        """\
        type: incident
        title: "A \\x01 title"
        title: Again
        """,
    )
    assert project.problems() == [
        "incidents/db.yaml:2:8: the control character U+0001 is not allowed in text",
        "incidents/db.yaml:3:1: duplicate key 'title'",
    ]


def test_every_raw_control_character_is_reported_at_its_place(project: Project) -> None:
    path = project.root / "incidents" / "db.yaml"
    path.write_bytes(
        b"type: incident\ntitle: A \x0b title\r\ncomponents: [shared-hosting]\x00\n"
        b"updates:\n  - at: \x1b2026\n"
    )
    assert project.problems() == [
        "incidents/db.yaml:2:10: the control character U+000B is not allowed",
        "incidents/db.yaml:3:29: the control character U+0000 is not allowed",
        "incidents/db.yaml:5:9: the control character U+001B is not allowed",
    ]


def test_raw_control_characters_are_counted_after_a_hundred(project: Project) -> None:
    path = project.root / "incidents" / "db.yaml"
    path.write_bytes(b"title: x\n" + b"\x00" * 150 + b"\n")
    problems = project.problems()
    assert len(problems) == 101
    assert problems[0] == "incidents/db.yaml:2:1: the control character U+0000 is not allowed"
    assert problems[-1] == "incidents/db.yaml:2:101: and 50 more control characters"
