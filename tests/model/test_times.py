"""Times, durations and repeat rules (statuspage/times.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from statuspage.model.times import (
    TimeError,
    fast_forward,
    format_duration,
    parse_duration,
    parse_rule,
)
from tests.conftest import HELSINKI

# Rules run on naive wall-clock times, as statuspage.state asks them.
WALL_FROM, WALL_TO = datetime(2020, 1, 1), datetime(2026, 1, 1)  # noqa: DTZ001
RULES = [
    "FREQ=HOURLY",
    "FREQ=HOURLY;INTERVAL=5",
    "FREQ=DAILY;INTERVAL=3",
    "FREQ=DAILY;BYHOUR=1,13",
    "FREQ=WEEKLY;BYDAY=SU",
    "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH",
    "FREQ=WEEKLY;BYDAY=SA;UNTIL=20270101T000000Z",
    "FREQ=DAILY;BYMONTH=3,10",
]


@settings(max_examples=60, deadline=None)
@given(
    text=st.sampled_from(RULES),
    start=st.datetimes(WALL_FROM, WALL_TO),
    offset=st.timedeltas(timedelta(0), timedelta(days=900)),
)
def test_fast_forward_keeps_every_occurrence(text: str, start: datetime, offset: timedelta) -> None:
    start = start.replace(second=0, microsecond=0)
    rule = parse_rule(text, start.replace(tzinfo=HELSINKI), HELSINKI)
    target = start + offset
    window = (target, target + timedelta(days=15))
    assert fast_forward(rule, text, target).between(*window, inc=True) == rule.between(
        *window, inc=True
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "FREQ=DAILY;COUNT=3;UNTIL=20270101T000000Z",
            "an RRULE may have COUNT or UNTIL, not both (RFC 5545)",
        ),
        ("FREQ=HOURLY;COUNT=20000", "COUNT may be at most 10000; use UNTIL for a longer series"),
        # Longer than Python reads as an int (4,300 digits): refused, not a ValueError.
        (
            "FREQ=HOURLY;COUNT=" + "9" * 5000,
            "COUNT may be at most 10000; use UNTIL for a longer series",
        ),
        ("FREQ=DAILY;COUNT=0", "COUNT must be at least 1, got 0: the window would never happen"),
        (
            "FREQ=MINUTELY",
            "a window may repeat at most hourly: use FREQ=HOURLY, DAILY, WEEKLY, MONTHLY or YEARLY",
        ),
    ],
)
def test_unbounded_rules_are_refused(text: str, message: str) -> None:
    with pytest.raises(TimeError) as raised:
        parse_rule(text, datetime(2026, 1, 1, tzinfo=UTC), UTC)
    assert str(raised.value) == message


@pytest.mark.parametrize(
    ("text", "written"),
    [
        ("90m", "1h30m"),
        ("2h", "2h"),
        ("1h30m", "1h30m"),
        ("1d", "1d"),
        ("25h", "1d1h"),
        ("1d2h3m", "1d2h3m"),
    ],
)
def test_durations_parse_and_format(text: str, written: str) -> None:
    assert format_duration(parse_duration(text)) == written
