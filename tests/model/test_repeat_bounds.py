"""A repeat rule cannot take the build down (issue 25), and a mistyped status gets a hint (#12).

Through the real CLI, as an ops person meets it: every rule part in its RFC 5545 range,
at most one start an hour however FREQ, INTERVAL and the BY parts combine, at most
MAX_OVERLAP windows of a rule at once, a bound on a site's repeating windows as a whole,
and only IANA zone names. A property test writes random rules from the RRULE grammar:
each is refused at a position, or `check` and `build` finish within a small budget at any
`--now` from 1970 to 2200. Another checks that the expansion kept per rule
(times.RuleSeries) answers exactly as dateutil does on the whole rule.
"""

from __future__ import annotations

import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner, Result
from dateutil.rrule import rrule
from hypothesis import HealthCheck, Phase, assume, given, settings
from hypothesis import strategies as st
from hypothesis.strategies import DrawFn

from statuspage.cli import cli
from statuspage.model import times
from statuspage.model.times import (
    MAX_OVERLAP,
    TimeError,
    parse_rule,
    rule_series,
    starts_within,
)
from tests.conftest import HELSINKI, REPO_ROOT, Project

NOW = "2026-11-23T10:00"
#: The rule the issue reports: 3,600 starts an hour, gigabytes within a minute.
DENSE = (
    "FREQ=HOURLY;BYMINUTE="
    + ",".join(map(str, range(60)))
    + ";BYSECOND="
    + ",".join(map(str, range(60)))
)
#: Issue 25's budget for one file, with a margin for loaded CI machines (CPU seconds).
BUDGET_SECONDS, MARGIN = 1.0, 5
BUDGET_BYTES = 200 * 1024 * 1024


def backup(rule: str, *, starts: str = "2026-01-04T02:00", duration: str = "30m") -> str:
    """An event file whose `repeat` value is on line 6, column 9."""
    return (
        "type: backup\n"
        "title: Nightly backup\n"
        "components: [shared-hosting]\n"
        f"starts: {starts}\n"
        f"duration: {duration}\n"
        f'repeat: "{rule}"\n'
    )


def run(runner: CliRunner, *args: str) -> tuple[Result, float]:
    """Invoke the CLI; return its result and the CPU seconds it took."""
    began = time.process_time()
    result = runner.invoke(cli, list(args))
    return result, time.process_time() - began


def refused(project: Project, runner: CliRunner, rule: str, message: str, **window: str) -> None:
    """`check` and `build` both refuse `rule` with `message` at the rule, quickly."""
    project.write_event("b", backup(rule, **window))
    expected = f"incidents/b.yaml:6:9: repeat: {message}"
    for command in (["check", "--now", NOW], ["build", "--now", NOW]):
        result, seconds = run(runner, *command)
        assert result.exit_code == 1, result.output
        assert result.output.splitlines()[0] == expected
        assert "internal error" not in result.output
        assert seconds < BUDGET_SECONDS, f"{command[0]} took {seconds:.2f} s"
    assert not (project.root / "site").exists()


# --- the three rules --------------------------------------------------------------


def test_the_dense_rule_is_refused_at_once(project: Project, runner: CliRunner) -> None:
    refused(
        project,
        runner,
        DENSE,
        "a window may start at most once an hour, but 60 BYMINUTE values and 60 BYSECOND "
        "values give this rule 3600 starts in an hour; give BYMINUTE and BYSECOND one value each",
    )


def test_interval_zero_is_refused(project: Project, runner: CliRunner) -> None:
    refused(project, runner, "FREQ=HOURLY;INTERVAL=0", "INTERVAL must be at least 1, got 0")


def test_a_huge_interval_is_refused(project: Project, runner: CliRunner) -> None:
    refused(
        project,
        runner,
        "FREQ=HOURLY;INTERVAL=99999999999",
        "INTERVAL may be at most 1000, got 99999999999",
    )


def test_the_dense_rule_in_a_real_process(project: Project) -> None:
    """`python -m statuspage check`, as CI runs it: refused, not run for minutes and GBs."""
    project.write_event("b", backup(DENSE))
    began = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "statuspage", "check", "--now", NOW],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=project.root,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
    )
    elapsed = time.perf_counter() - began
    assert done.returncode == 1, done.stderr
    assert done.stdout.startswith("incidents/b.yaml:6:9: repeat: a window may start at most once")
    assert done.stderr == "Error: Aborted: 1 error in 1 file.\n"
    # Interpreter start-up included; a runaway rule took minutes. Generous for CI.
    assert elapsed < 10, f"check took {elapsed:.1f} s"


# --- RFC 5545 ranges, part by part ----------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ("FREQ=DAILY;INTERVAL=-1", "INTERVAL must be at least 1, got -1"),
        ("FREQ=DAILY;INTERVAL=1001", "INTERVAL may be at most 1000, got 1001"),
        ("FREQ=DAILY;COUNT=0", "COUNT must be at least 1, got 0: the window would never happen"),
        ("FREQ=DAILY;COUNT=10001", "COUNT may be at most 10000; use UNTIL for a longer series"),
        (
            "FREQ=DAILY;BYSECOND=61",
            "BYSECOND=61 is out of range: seconds go from 0 to 59 (RFC 5545)",
        ),
        (
            "FREQ=DAILY;BYSECOND=60",
            "BYSECOND=60 is a leap second, which is not supported: seconds go from 0 to 59",
        ),
        (
            "FREQ=DAILY;BYMINUTE=60",
            "BYMINUTE=60 is out of range: minutes go from 0 to 59 (RFC 5545)",
        ),
        ("FREQ=DAILY;BYHOUR=24", "BYHOUR=24 is out of range: hours go from 0 to 23 (RFC 5545)"),
        ("FREQ=DAILY;BYHOUR=-1", "BYHOUR=-1 is out of range: hours go from 0 to 23 (RFC 5545)"),
        (
            "FREQ=MONTHLY;BYMONTHDAY=0",
            "BYMONTHDAY=0 is out of range: days of the month go from 1 to 31, or -31 to -1 "
            "counting back from the end (RFC 5545)",
        ),
        (
            "FREQ=MONTHLY;BYMONTHDAY=-32",
            "BYMONTHDAY=-32 is out of range: days of the month go from 1 to 31, or -31 to -1 "
            "counting back from the end (RFC 5545)",
        ),
        (
            "FREQ=YEARLY;BYYEARDAY=367",
            "BYYEARDAY=367 is out of range: days of the year go from 1 to 366, or -366 to -1 "
            "counting back from the end (RFC 5545)",
        ),
        (
            "FREQ=YEARLY;BYWEEKNO=54",
            "BYWEEKNO=54 is out of range: weeks of the year go from 1 to 53, or -53 to -1 "
            "counting back from the end (RFC 5545)",
        ),
        (
            "FREQ=MONTHLY;BYDAY=MO;BYSETPOS=0",
            "BYSETPOS=0 is out of range: positions go from 1 to 366, or -366 to -1 "
            "counting back from the end (RFC 5545)",
        ),
        ("FREQ=YEARLY;BYMONTH=13", "BYMONTH=13 is out of range: months go from 1 to 12 (RFC 5545)"),
        (
            "FREQ=YEARLY;BYDAY=54MO",
            "BYDAY=54MO is out of range: a weekday's number goes from 1 to 53, or -53 to -1 "
            "counting back from the end (RFC 5545)",
        ),
        (
            "FREQ=DAILY;BYHOUR=" + "9" * 5000,
            "BYHOUR=99999999999999999999999… is out of range: hours go from 0 to 23 (RFC 5545)",
        ),
        (
            "FREQ=DAILY;UNTIL=2026",
            "UNTIL must be a date such as 20261231 or a UTC time such as 20261231T235959Z, "
            "got '2026'",
        ),
    ],
)
def test_values_out_of_range_are_refused(
    project: Project, runner: CliRunner, rule: str, message: str
) -> None:
    refused(project, runner, rule, message)


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ("FREQ=MONTHLY;BYWEEKNO=1", "BYWEEKNO needs FREQ=YEARLY (RFC 5545)"),
        ("FREQ=DAILY;BYYEARDAY=1", "BYYEARDAY cannot be used with FREQ=DAILY (RFC 5545)"),
        ("FREQ=WEEKLY;BYMONTHDAY=1", "BYMONTHDAY cannot be used with FREQ=WEEKLY (RFC 5545)"),
        (
            "FREQ=DAILY;BYSETPOS=1",
            "BYSETPOS needs another BY part to pick from, such as BYDAY (RFC 5545)",
        ),
        (
            "FREQ=WEEKLY;BYDAY=1SU",
            "BYDAY=1SU: a numbered weekday (such as 1SU, the first Sunday) needs FREQ=MONTHLY, "
            "or FREQ=YEARLY without BYWEEKNO (RFC 5545); write BYDAY=SU for every Sunday",
        ),
        ("FREQ=DAILY;FREQ=WEEKLY", "FREQ is given twice; an RRULE has each part once (RFC 5545)"),
        ("BYDAY=SU", "an RRULE needs FREQ, such as FREQ=WEEKLY;BYDAY=SU"),
        (
            "FREQ=DAILY;BYHOURS=3",
            "not a valid RRULE (unknown part 'BYHOURS'; did you mean 'BYHOUR'?); expected "
            "NAME=VALUE pairs such as FREQ=WEEKLY;BYDAY=SU, got 'FREQ=DAILY;BYHOURS=3'",
        ),
        # Found by the property test below: dateutil looked for these up to the year 9999.
        (
            "FREQ=HOURLY;BYSETPOS=150,-80,208;COUNT=7100;BYDAY=MO,TU",
            "BYSETPOS=150,-80,208 never picks a start: each hour of this rule has at most 1 "
            "to pick from",
        ),
        (
            "FREQ=DAILY;INTERVAL=7;BYDAY=MO",
            "the RRULE 'FREQ=DAILY;INTERVAL=7;BYDAY=MO' never happens: every 7 days from the "
            "window's start (a Sunday, 02:00) never reaches BYDAY=MO",
        ),
        (
            "FREQ=HOURLY;INTERVAL=84;BYDAY=TU",
            "the RRULE 'FREQ=HOURLY;INTERVAL=84;BYDAY=TU' never happens: every 84 hours from "
            "the window's start (a Sunday, 02:00) never reaches BYDAY=TU",
        ),
        (
            "FREQ=HOURLY;INTERVAL=2;BYHOUR=3",
            "the RRULE 'FREQ=HOURLY;INTERVAL=2;BYHOUR=3' never happens: every 2 hours from the "
            "window's start at 02:00 never reaches BYHOUR=3",
        ),
    ],
)
def test_parts_out_of_place_are_refused(
    project: Project, runner: CliRunner, rule: str, message: str
) -> None:
    refused(project, runner, rule, message)


# --- how often and how many -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        (
            "FREQ=DAILY;BYMINUTE=0,30",
            "a window may start at most once an hour, but 2 BYMINUTE values give this rule "
            "2 starts in an hour; give BYMINUTE and BYSECOND one value each",
        ),
        (
            "FREQ=WEEKLY;BYDAY=SU;BYMINUTE=0,20,40;BYSETPOS=1,2",
            "a window may start at most once an hour, but 3 BYMINUTE values and 2 BYSETPOS "
            "positions give this rule 2 starts in an hour; give BYMINUTE and BYSECOND one "
            "value each",
        ),
    ],
)
def test_more_than_one_start_an_hour_is_refused(
    project: Project, runner: CliRunner, rule: str, message: str
) -> None:
    refused(project, runner, rule, message)


@pytest.mark.parametrize(
    "rule",
    [
        "FREQ=HOURLY",
        "FREQ=HOURLY;BYMINUTE=15;BYSECOND=0",
        "FREQ=DAILY;BYHOUR=1,13;BYMINUTE=15",
        "FREQ=DAILY;BYHOUR=" + ",".join(map(str, range(24))),
        "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1",
        "FREQ=WEEKLY;BYMINUTE=0,30;BYDAY=SU;BYSETPOS=1",  # one of the two a week
        "rrule:freq=weekly;byday=su",
    ],
)
def test_hourly_at_most_is_accepted(project: Project, runner: CliRunner, rule: str) -> None:
    project.write_event("b", backup(rule))
    result, seconds = run(runner, "check", "--now", NOW)
    assert result.output == "OK: no problems.\n"
    assert seconds < BUDGET_SECONDS * MARGIN


def test_windows_that_would_run_by_the_dozen_at_once_are_refused(
    project: Project, runner: CliRunner
) -> None:
    refused(
        project,
        runner,
        "FREQ=HOURLY",
        "up to 48 of this rule's 2d windows would run at once, and at most 24 may: "
        "make the window shorter or repeat it less often",
        duration="2d",
    )


def test_a_day_long_window_every_hour_is_the_most_at_once(
    project: Project, runner: CliRunner
) -> None:
    project.write_event("b", backup("FREQ=HOURLY", duration="1d"))
    assert run(runner, "check", "--now", NOW)[0].output == "OK: no problems.\n"


def test_a_site_of_too_many_dense_windows_is_refused_at_the_one_too_many(
    project: Project, runner: CliRunner
) -> None:
    # Each hourly window takes one state up to 24 x (91 + 14) days + 6 windows = 2,526.
    for number in range(1, 21):
        project.write_event(f"b{number:02}", backup("FREQ=HOURLY"))
    result, seconds = run(runner, "check", "--now", NOW)
    assert result.output.splitlines() == [
        "incidents/b20.yaml:6:9: repeat: with this rule, the repeating windows of the site "
        "come to up to 50,520 in the 90 days of uptime bars and the 14 days ahead, more than "
        "the 50,000 a build takes in; repeat less often, or end the series that are over "
        "with UNTIL",
        "Error: Aborted: 1 error in 1 file.",
    ]
    assert seconds < BUDGET_SECONDS * MARGIN
    (project.root / "incidents" / "b20.yaml").write_text(
        backup("FREQ=HOURLY;UNTIL=20260201T000000Z"), encoding="utf-8"
    )
    assert run(runner, "check", "--now", NOW)[0].output == "OK: no problems.\n"


# --- zones ------------------------------------------------------------------------------------


def _config(zone: str) -> str:
    return (
        "title: Example Hosting status\n"
        "base_url: https://status.example.com/\n"
        f"timezone: {zone}\n"
        "components:\n"
        "  - id: shared-hosting\n"
        "    name: Shared web hosting\n"
    )


@pytest.mark.parametrize(
    ("zone", "message"),
    [
        (
            "localtime",
            "time zone 'localtime' depends on the machine that builds the site; use an IANA "
            "name (did you mean 'Europe/Helsinki', this machine's zone?)",
        ),
        (
            "/etc/localtime",
            "time zone '/etc/localtime' depends on the machine that builds the site; use an "
            "IANA name (did you mean 'Europe/Helsinki', this machine's zone?)",
        ),
        (
            "posixrules",
            "time zone 'posixrules' depends on the machine that builds the site; use an IANA "
            "name (did you mean 'Europe/Helsinki', this machine's zone?)",
        ),
        (
            "posix/Europe/Helsinki",
            "time zone 'posix/Europe/Helsinki' depends on the machine that builds the site; "
            "use an IANA name (did you mean 'Europe/Helsinki'?)",
        ),
        (
            "right/UTC",
            "time zone 'right/UTC' depends on the machine that builds the site; use an IANA "
            "name (did you mean 'UTC'?)",
        ),
        (
            "/usr/share/zoneinfo/Asia/Yerevan",
            "time zone '/usr/share/zoneinfo/Asia/Yerevan' depends on the machine that builds "
            "the site; use an IANA name (did you mean 'Asia/Yerevan'?)",
        ),
        # Opens on a case-insensitive disk (macOS, Windows), and nowhere else.
        (
            "europe/helsinki",
            "unknown time zone 'europe/helsinki' (did you mean 'Europe/Helsinki'?)",
        ),
        ("Helsinki", "unknown time zone 'Helsinki' (did you mean 'Europe/Helsinki'?)"),
        (
            "Mars/Olympus",
            "unknown time zone 'Mars/Olympus'; use an IANA name such as Europe/Helsinki",
        ),
    ],
)
def test_only_iana_zone_names(
    project: Project,
    runner: CliRunner,
    monkeypatch: pytest.MonkeyPatch,
    zone: str,
    message: str,
) -> None:
    monkeypatch.setenv("TZ", "Europe/Helsinki")  # this machine's zone, for the hint
    project.write_config(_config(zone))
    for command in ("check", "build"):
        result = runner.invoke(cli, [command, "--now", "2026-11-23T10:00+02:00"])
        assert result.exit_code == 1
        assert result.output.splitlines()[0] == f"statuspage.yaml:3:11: timezone: {message}"


def test_localtime_without_a_known_machine_zone(
    project: Project, runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(times, "_machine_zone", lambda: None)
    project.write_config(_config("localtime"))
    result = runner.invoke(cli, ["check", "--now", "2026-11-23T10:00+02:00"])
    assert result.output.splitlines()[0] == (
        "statuspage.yaml:3:11: timezone: time zone 'localtime' depends on the machine that "
        "builds the site; use an IANA name such as Europe/Helsinki"
    )


def test_events_of_a_broken_config_are_not_read_in_the_machine_zone(
    project: Project, runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    # With the config refused, events are still checked, in UTC, not in 'localtime'.
    monkeypatch.setenv("TZ", "Europe/Helsinki")
    project.write_config(_config("localtime"))
    project.write_event("b", backup("FREQ=DAILY;UNTIL=20260104T000000Z", starts="2026-01-04T01:00"))
    result = runner.invoke(cli, ["check", "--now", "2026-11-23T10:00+02:00"])
    assert "incidents/b.yaml:6:9: repeat: the rule ends (UNTIL 2026-01-04T00:00+00:00)" in (
        result.output
    )


# --- issue 12: a mistyped status ----------------------------------------------------------


def test_a_mistyped_status_gets_a_hint(project: Project, runner: CliRunner) -> None:
    project.write_event(
        "db",
        "type: incident\n"
        "title: Slow database\n"
        "components:\n"
        "  shared-hosting: degraded_performace\n"
        "updates:\n"
        "  - at: 2026-11-20T10:00\n"
        "    status: identifed\n"
        "    message: A disk.\n",
    )
    project.write_event("typo", "type: incidnt\ntitle: X\ncomponents: [email]\n")
    result = runner.invoke(cli, ["check", "--now", NOW])
    assert result.output.splitlines() == [
        "incidents/db.yaml:4:19: components.shared-hosting: expected 'operational', "
        "'under_maintenance', 'degraded_performance', 'partial_outage' or 'major_outage', "
        "got 'degraded_performace'; did you mean 'degraded_performance'?",
        "incidents/db.yaml:7:13: updates[0].status: expected 'investigating', 'identified', "
        "'monitoring' or 'resolved', got 'identifed'; did you mean 'identified'?",
        "incidents/typo.yaml:1:7: type: expected 'incident', 'maintenance' or 'backup', "
        "got 'incidnt'; did you mean 'incident'?",
        "Error: Aborted: 3 errors in 2 files.",
    ]


def test_a_status_far_from_any_gets_no_hint(project: Project, runner: CliRunner) -> None:
    project.write_event(
        "db",
        "type: incident\ntitle: X\ncomponents: [email]\nupdates:\n"
        "  - at: 2026-11-20T10:00\n    status: broken\n    message: A disk.\n",
    )
    result = runner.invoke(cli, ["check", "--now", NOW])
    assert result.output.splitlines()[0] == (
        "incidents/db.yaml:6:13: updates[0].status: expected 'investigating', 'identified', "
        "'monitoring' or 'resolved', got 'broken'"
    )


# --- random rules from the grammar ------------------------------------------------------------

_WEEKDAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]


def _numbers(low: int, high: int) -> st.SearchStrategy[str]:
    """A list of numbers, mostly near the part's range, now and then far outside it."""
    item = st.one_of(
        st.integers(low - 2, high + 2).map(str),
        st.integers(-(10**15), 10**15).map(str),
        st.integers(0, high).map(lambda n: f"+{n}"),
    )
    return st.one_of(
        st.lists(item, min_size=1, max_size=4).map(",".join),
        st.just(",".join(str(n) for n in range(max(low, 0), high + 1))),  # every value
    )


_weekday = st.tuples(
    st.sampled_from(["", "", "+", "-"]),
    st.one_of(st.just(""), st.integers(0, 60).map(str)),
    st.sampled_from([*_WEEKDAYS, "XX"]),
).map("".join)
_until = st.datetimes(datetime(1890, 1, 1), datetime(2210, 1, 1)).map(  # noqa: DTZ001
    lambda moment: moment.strftime("%Y%m%dT%H%M%SZ")
)
PARTS = {
    "INTERVAL": st.one_of(st.integers(-1, 30), st.integers(0, 10**12)).map(str),
    "COUNT": st.one_of(st.integers(-1, 50), st.integers(0, 20_000)).map(str),
    "UNTIL": st.one_of(_until, _until.map(lambda text: text[:8]), st.just("2026")),
    "BYSECOND": _numbers(0, 60),
    "BYMINUTE": _numbers(0, 59),
    "BYHOUR": _numbers(0, 23),
    "BYDAY": st.lists(_weekday, min_size=1, max_size=3).map(",".join),
    "BYMONTHDAY": _numbers(-31, 31),
    "BYYEARDAY": _numbers(-366, 366),
    "BYWEEKNO": _numbers(-53, 53),
    "BYMONTH": _numbers(1, 12),
    "BYSETPOS": _numbers(-366, 366),
    "WKST": st.sampled_from([*_WEEKDAYS, "XX"]),
}
FREQS = ["HOURLY", "DAILY", "WEEKLY", "MONTHLY", "YEARLY", "MINUTELY", "SECONDLY", "EVERY"]


@st.composite
def rules(draw: DrawFn) -> str:
    """An RRULE as someone might write it: FREQ and up to four other parts, any order."""
    names = draw(st.lists(st.sampled_from(sorted(PARTS)), max_size=4, unique=True))
    parts = [f"FREQ={draw(st.sampled_from(FREQS))}"]
    parts += [f"{name}={draw(PARTS[name])}" for name in names]
    if draw(st.integers(0, 9)) == 0 and len(parts) > 1:
        parts.append(parts[-1])  # a part twice
    order = draw(st.permutations(parts))
    text = ";".join(order)
    return text.lower() if draw(st.integers(0, 9)) == 0 else text


def _in_range(low: int, high: int, most: int = 3) -> st.SearchStrategy[str]:
    values = st.integers(low, high).filter(lambda n: n != 0 or low == 0)
    return st.lists(values.map(str), min_size=1, max_size=most, unique=True).map(",".join)


VALID_PARTS = {
    "INTERVAL": st.one_of(st.integers(1, 12), st.integers(1, 1000)).map(str),
    "COUNT": st.integers(1, 10_000).map(str),
    "UNTIL": _until,
    "BYSECOND": _in_range(0, 59, 1),
    "BYMINUTE": _in_range(0, 59, 1),
    "BYHOUR": _in_range(0, 23, 24),
    "BYDAY": st.lists(st.sampled_from(_WEEKDAYS), min_size=1, max_size=7, unique=True).map(
        ",".join
    ),
    "BYMONTHDAY": _in_range(-31, 31),
    "BYYEARDAY": _in_range(-366, 366),
    "BYWEEKNO": _in_range(-53, 53),
    "BYMONTH": _in_range(1, 12),
    "BYSETPOS": _in_range(-366, 366),
    "WKST": st.sampled_from(_WEEKDAYS),
}


@st.composite
def valid_rules(draw: DrawFn) -> str:
    """A rule of values in their ranges: accepted more often, and heavier to expand."""
    names = draw(st.lists(st.sampled_from(sorted(VALID_PARTS)), max_size=4, unique=True))
    if "COUNT" in names and "UNTIL" in names:
        names.remove("UNTIL")
    frequency = draw(st.sampled_from(["HOURLY", "HOURLY", "DAILY", "WEEKLY", "MONTHLY", "YEARLY"]))
    return ";".join([f"FREQ={frequency}", *(f"{name}={draw(VALID_PARTS[name])}" for name in names)])


durations = st.one_of(
    st.sampled_from(["5m", "30m", "1h", "2h", "1d", "7d", "30d", "366d"]),
    st.integers(1, 366 * 24 * 60).map(lambda minutes: f"{minutes}m"),
)
_span = (datetime(1900, 1, 1), datetime(2200, 12, 1))  # noqa: DTZ001
starts = st.datetimes(*_span).map(lambda moment: f"{moment:%Y-%m-%dT%H:%M}+00:00")
nows = st.datetimes(datetime(1970, 1, 1), datetime(2200, 12, 31)).map(  # noqa: DTZ001
    lambda moment: f"{moment:%Y-%m-%dT%H:%M}+00:00"
)
_POSITIONED = re.compile(r"^incidents/b\.yaml:\d+:\d+: ")
GRAMMAR = settings(
    max_examples=int(os.environ.get("REPEAT_EXAMPLES", "150")),
    deadline=None,
    # Explaining a failure traces every line, which would make the timings meaningless.
    phases=[phase for phase in Phase if phase is not Phase.explain],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


def _check_holds(
    project: Project, runner: CliRunner, rule: str, begins: str, length: str, now: str
) -> bool:
    """Check one random window; True when it was accepted."""
    project.write_event("b", backup(rule, starts=begins, duration=length))
    result, seconds = run(runner, "check", "--now", now)
    assert "internal error" not in result.output and "Traceback" not in result.output
    assert seconds < BUDGET_SECONDS * MARGIN, f"check took {seconds:.2f} s on {rule!r}"
    lines = result.output.splitlines()
    if result.exit_code == 1:
        assert lines[-1].startswith("Error: Aborted: ")
        assert lines[:-1], result.output
        assert all(_POSITIONED.match(line) for line in lines[:-1]), result.output
        return False
    assert result.exit_code == 0, result.output
    assert lines[-1].startswith("OK: ")
    return True


@GRAMMAR
@given(rule=st.one_of(rules(), valid_rules()), begins=starts, length=durations, now=nows)
def test_random_rules_are_refused_at_a_place_or_checked_quickly(
    project: Project, runner: CliRunner, rule: str, begins: str, length: str, now: str
) -> None:
    _check_holds(project, runner, rule, begins, length, now)


def _measured(project: Project, *args: str) -> tuple[int, str, float, int]:
    """Run `python -m statuspage ARGS` as CI does: exit status, output, CPU seconds, peak RSS."""

    def limits() -> None:  # a runaway is stopped, not left to eat the machine
        resource.setrlimit(resource.RLIMIT_CPU, (60, 60))
        resource.setrlimit(resource.RLIMIT_AS, (4 * 2**30, 4 * 2**30))

    with tempfile.TemporaryFile() as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "statuspage", *args],
            cwd=project.root,
            stdout=output,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONPATH": str(REPO_ROOT), "STATUSPAGE_NO_CACHE": "1"},
            preexec_fn=limits,  # no threads of ours are running
        )
        _, status, usage = os.wait4(process.pid, 0)  # this child's own usage
        process.returncode = os.waitstatus_to_exitcode(status)
        output.seek(0)
        text = output.read().decode("utf-8", "replace")
    return process.returncode, text, usage.ru_utime + usage.ru_stime, usage.ru_maxrss * 1024


@pytest.mark.slow
@settings(GRAMMAR, max_examples=int(os.environ.get("REPEAT_BUILD_EXAMPLES", "15")))
@given(rule=st.one_of(valid_rules(), rules()), begins=starts, length=durations, now=nows)
def test_random_rules_that_pass_check_build_within_the_budget(
    project: Project, runner: CliRunner, rule: str, begins: str, length: str, now: str
) -> None:
    """Real processes, measured by the kernel: CPU seconds and peak memory of each."""
    assume(_check_holds(project, runner, rule, begins, length, now))
    for command in (["check", "--now", now], ["build", "--now", now, "--jobs", "1"]):
        status, output, seconds, peak = _measured(project, *command)
        assert status == 0, output
        assert "internal error" not in output
        # Interpreter start-up and imports included (about a third of a second).
        assert seconds < BUDGET_SECONDS * MARGIN, f"{command[0]} took {seconds:.2f} s on {rule!r}"
        assert peak < BUDGET_BYTES, f"{command[0]} took {peak / 2**20:.0f} MB on {rule!r}"


# --- the expansion kept per rule answers as dateutil does ---------------------------------------

VALID_RULES = [
    "FREQ=HOURLY",
    "FREQ=HOURLY;INTERVAL=7;BYMINUTE=15",
    "FREQ=HOURLY;BYHOUR=1,5,9;BYDAY=MO,FR",
    "FREQ=HOURLY;BYMONTH=2;BYMONTHDAY=29",
    "FREQ=DAILY;BYHOUR=2,14",
    "FREQ=DAILY;INTERVAL=3;BYMONTH=3,10",
    "FREQ=WEEKLY;BYDAY=SU",
    "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH;WKST=SU",
    "FREQ=MONTHLY;BYDAY=-1FR",
    "FREQ=MONTHLY;BYMONTHDAY=1,-1;BYHOUR=3",
    "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=1,-1",
    "FREQ=YEARLY;BYWEEKNO=1,53;BYDAY=MO",
    "FREQ=YEARLY;BYYEARDAY=100,-1",
    "FREQ=HOURLY;COUNT=500",
    "FREQ=DAILY;UNTIL=20270301T000000Z",
]
_walls = st.datetimes(datetime(2020, 1, 1), datetime(2028, 1, 1))  # noqa: DTZ001


def _whole(text: str, first: datetime) -> rrule:
    """The rule as dateutil has it, for a window first starting at `first` (wall clock)."""
    try:
        return parse_rule(text, first.replace(tzinfo=HELSINKI), HELSINKI)
    except TimeError:  # UNTIL before `first`: such a window is refused
        assume(False)
        raise


_offsets = st.timedeltas(-timedelta(days=20), timedelta(days=120))


@settings(max_examples=50, deadline=None)
@given(
    text=st.sampled_from(VALID_RULES),
    first=_walls,
    questions=st.lists(
        st.tuples(_offsets, st.timedeltas(timedelta(0), timedelta(days=40))),
        min_size=1,
        max_size=4,
    ),
)
def test_the_kept_expansion_answers_as_dateutil(
    text: str, first: datetime, questions: list[tuple[timedelta, timedelta]]
) -> None:
    """Questions in any order, widening the kept stretch either way or starting anew."""
    first = first.replace(second=0, microsecond=0)
    whole = _whole(text, first)  # dateutil, walking from the first start every time
    series = rule_series(text, first.replace(tzinfo=HELSINKI).astimezone(UTC), HELSINKI)
    for offset, span in questions:
        low = first + offset
        assert series.between(low, low + span) == whole.between(low, low + span, inc=True)
        assert series.after(low, 3) == list(whole.xafter(low, count=3, inc=False))
        assert series.before(low) == whole.before(low, inc=True)


@settings(max_examples=80, deadline=None)
@given(
    text=st.sampled_from(VALID_RULES),
    first=_walls,
    length=st.timedeltas(timedelta(minutes=1), timedelta(days=60)),
)
def test_the_bound_on_windows_at_once_holds(text: str, first: datetime, length: timedelta) -> None:
    """starts_within is never below the windows a rule really starts within `length`."""
    first = first.replace(second=0, microsecond=0)
    starts = _whole(text, first).between(first, first + timedelta(days=400), inc=True)
    most, ahead = 0, 0
    for index, start in enumerate(starts):
        while ahead < len(starts) and starts[ahead] < start + length:
            ahead += 1
        most = max(most, ahead - index)
    assert most <= starts_within(text, length)


def test_a_rule_at_the_limit_of_overlap() -> None:
    assert starts_within("FREQ=HOURLY", timedelta(days=1)) == MAX_OVERLAP
    with pytest.raises(TimeError):
        times.check_overlap("FREQ=HOURLY", timedelta(days=1, minutes=1))
    times.check_overlap("FREQ=DAILY;BYHOUR=" + ",".join(map(str, range(24))), timedelta(hours=1))
