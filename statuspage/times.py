"""Times and durations as SPEC writes them: ISO 8601, local to the site's zone when no offset."""

from __future__ import annotations

import re
import warnings
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo

from dateutil.rrule import rrule, rrulestr

_DURATION = re.compile(r"^(?:(?P<d>\d+)d)?(?:(?P<h>\d+)h)?(?:(?P<m>\d+)m)?$")
_UNTIL = re.compile(r"UNTIL=(\d{8}(?:T\d{6})?)(Z?)", re.IGNORECASE)

# Windows repeat hourly at most: a minutely rule would expand to millions of
# occurrences (issue 7, "resource limits").
_ALLOWED_FREQS = {"HOURLY", "DAILY", "WEEKLY", "MONTHLY", "YEARLY"}
_FREQ = re.compile(r"(?:^|;)FREQ=(\w+)", re.IGNORECASE)

TIME_EXAMPLE = "2026-11-20T10:02 or 2026-11-20T10:02:00+02:00"
# Times and durations are bounded so that no arithmetic on them can overflow.
FIRST_YEAR, LAST_YEAR = 1900, 2200
LONGEST = timedelta(days=366)
# A repeating window with COUNT is expanded from its first start; this bounds the work.
MAX_COUNT = 10_000
#: Where a rule is tried when its window's start is not known.
_SOME_START = datetime(2026, 1, 1, tzinfo=UTC)
_COUNT = re.compile(r"([+-]?)(\d+)")


class TimeError(ValueError):
    """A time, duration or repeat rule that cannot be used, with the reason for the user."""


def zone_name(zone: tzinfo) -> str:
    """The IANA name of a zone when it has one."""
    return str(getattr(zone, "key", None) or zone)


def parse_time(text: str, zone: tzinfo) -> datetime:
    """Parse an ISO 8601 time; one without an offset is wall-clock time in `zone`."""
    try:
        parsed = datetime.fromisoformat(text.strip())
    except ValueError:
        raise TimeError(f"expected an ISO 8601 time such as {TIME_EXAMPLE}, got '{text}'") from None
    if not FIRST_YEAR <= parsed.year <= LAST_YEAR:
        raise TimeError(
            f"'{text}': years before {FIRST_YEAR} or after {LAST_YEAR} are not supported"
        )
    if parsed.tzinfo is not None:
        return parsed.astimezone(UTC)
    return localize(parsed, zone, text)


def localize(naive: datetime, zone: tzinfo, shown: str | None = None) -> datetime:
    """The instant (in UTC) of a wall-clock time in `zone`, refusing one that DST skips or repeats.

    Every time is kept in UTC: Python adds and compares times that share a zone by their
    clock reading, which is wrong across a DST change. Zones are for display only.
    """
    shown = shown or naive.isoformat(timespec="minutes")
    aware = naive.replace(tzinfo=zone)
    if aware.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != naive:
        raise TimeError(
            f"'{shown}' does not exist in {zone_name(zone)}: the clocks skip it when "
            "daylight saving time starts; write another time or give its UTC offset"
        )
    first, second = aware.utcoffset(), aware.replace(fold=1).utcoffset()
    if first != second:
        raise TimeError(
            f"'{shown}' happens twice in {zone_name(zone)} as the clocks go back; "
            f"add the offset to say which: {_with_offset(naive, first)} or "
            f"{_with_offset(naive, second)}"
        )
    return aware.astimezone(UTC)


def resolve_now(now: datetime, zone: tzinfo) -> datetime:
    """Take a `--now` without an offset as wall-clock time in the site's zone."""
    return now.astimezone(UTC) if now.tzinfo is not None else localize(now, zone)


def local_iso(moment: datetime, zone: tzinfo) -> str:
    """'2026-11-20T10:40+02:00': a time as the user wrote it, in their zone, for messages."""
    return moment.astimezone(zone).isoformat(timespec="minutes")


def wall_to_utc(naive: datetime, zone: tzinfo) -> datetime:
    """The instant of a wall-clock time; one the DST change skips moves forward by the gap,
    and one it repeats is the first of the two, as RFC 5545 says."""
    return naive.replace(tzinfo=zone).astimezone(UTC)


def midnight(day: date, zone: tzinfo) -> datetime:
    """The instant (UTC) a local day starts."""
    return wall_to_utc(datetime.combine(day, time()), zone)


def _with_offset(naive: datetime, offset: timedelta | None) -> str:
    return naive.replace(tzinfo=timezone(offset or timedelta())).isoformat(timespec="minutes")


def parse_duration(text: str) -> timedelta:
    """Parse a duration such as 90m, 2h, 1h30m or 1d."""
    match = _DURATION.match(text.strip().replace(" ", ""))
    if not text.strip() or match is None:
        raise TimeError(f"expected a duration such as 90m, 2h, 1h30m or 1d, got '{text}'")
    days, hours, minutes = (int(match.group(name) or 0) for name in "dhm")
    if days > LONGEST.days or hours > LONGEST.days * 24 or minutes > LONGEST.days * 24 * 60:
        raise TimeError(f"a duration may be at most {LONGEST.days}d, got '{text}'")
    length = timedelta(days=days, hours=hours, minutes=minutes)
    if length <= timedelta():
        raise TimeError(f"a duration must be longer than zero, got '{text}'")
    if length > LONGEST:
        raise TimeError(f"a duration may be at most {LONGEST.days}d, got '{text}'")
    return length


def format_duration(length: timedelta) -> str:
    """Write a duration the way SPEC reads it: 1d2h30m."""
    minutes = int(length.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = [(days, "d"), (hours, "h"), (minutes, "m")]
    return "".join(f"{count}{unit}" for count, unit in parts if count) or "0m"


def parse_rule(text: str, start: datetime | None, zone: tzinfo) -> rrule:
    """Parse an RFC 5545 RRULE for a window whose first start is `start`.

    The rule runs on wall-clock time in `zone`, so a 02:00 window stays at 02:00
    across DST changes; occurrences are localised by the caller. A UTC UNTIL is
    turned into local wall-clock time first, as dateutil needs a naive one here.
    A rule that never happens is refused: one whose days never match, with COUNT
    below 1, or (when `start` is known, not None) without an occurrence from `start` on.
    """
    start_known = start is not None
    if start is None:  # the window's start is unknown (invalid): check the rule alone
        start, zone = _SOME_START, UTC
    body = text.strip()
    if body.upper().startswith("RRULE:"):
        body = body[6:]
    if not body or "\n" in body or ":" in body:
        raise TimeError(f"expected one RRULE such as FREQ=WEEKLY;BYDAY=SU, got '{text}'")
    names = parse_rule_parts(body)
    if "COUNT" in names and "UNTIL" in names:
        raise TimeError("an RRULE may have COUNT or UNTIL, not both (RFC 5545)")
    count = _COUNT.fullmatch(names.get("COUNT", ""))
    if count is not None:  # anything else is left for rrulestr to refuse
        sign, digits = count.group(1), count.group(2).lstrip("0")
        if sign == "-" or not digits:
            raise TimeError(
                f"COUNT must be at least 1, got {names['COUNT']}: the window would never happen"
            )
        if len(digits) > len(str(MAX_COUNT)) or int(digits) > MAX_COUNT:
            raise TimeError(f"COUNT may be at most {MAX_COUNT}; use UNTIL for a longer series")
    body = _UNTIL.sub(lambda match: _local_until(match, zone), body)
    wall_start = start.astimezone(zone).replace(tzinfo=None)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # dateutil warns about rules it will refuse later
            rule = rrulestr(body, dtstart=wall_start)
    except (ValueError, TypeError, KeyError, IndexError, Warning) as error:
        reason = str(error)
        detail = f" ({reason})" if reason.startswith(("unknown parameter", "invalid")) else ""
        raise TimeError(
            f"not a valid RRULE{detail}; expected NAME=VALUE pairs such as "
            f"FREQ=WEEKLY;BYDAY=SU, got '{text}'"
        ) from None
    if not isinstance(rule, rrule):
        raise TimeError("expected a single RRULE")
    frequency = _FREQ.search(body)
    if frequency is None or frequency.group(1).upper() not in _ALLOWED_FREQS:
        raise TimeError(
            "a window may repeat at most hourly: use FREQ=HOURLY, DAILY, WEEKLY, MONTHLY or YEARLY"
        )
    if not _any_day(names, wall_start):
        raise TimeError(f"the RRULE '{text}' never happens (no day matches all its BY parts)")
    try:
        first = rule.after(wall_start, inc=True)  # dateutil trips on some values (BYHOUR=25) here
    except (ValueError, TypeError, KeyError, IndexError, OverflowError):
        raise TimeError(f"not a valid RRULE: '{text}' has a value out of range") from None
    if first is None and start_known:
        raise TimeError(_never_message(text, rule, wall_start, zone))
    return rule


def _never_message(text: str, rule: rrule, wall_start: datetime, zone: tzinfo) -> str:
    """Why a rule that parses has no occurrence from its window's first start on."""

    def shown(wall: datetime) -> str:
        return wall.replace(tzinfo=zone).isoformat(timespec="minutes")

    until: datetime | None = rule._until  # type: ignore[attr-defined]
    if until is None:
        return f"the RRULE '{text}' never happens from the window's start ({shown(wall_start)}) on"
    if until < wall_start:
        return (
            f"the rule ends (UNTIL {shown(until)}) before the window first starts "
            f"({shown(wall_start)}): it would never happen"
        )
    return (
        f"the rule has no occurrence between the window's start ({shown(wall_start)}) "
        f"and its end (UNTIL {shown(until)}): it would never happen"
    )


_DAY_PARTS = ("BYMONTH", "BYMONTHDAY", "BYYEARDAY", "BYWEEKNO", "BYDAY", "WKST")


def _any_day(parts: dict[str, str], start: datetime) -> bool:
    """Whether some day matches the rule's day filters.

    dateutil searches an impossible rule (BYMONTH=2;BYMONTHDAY=30) period by period up
    to the year 9999, seconds for an hourly one; a yearly rule with the same day
    filters answers the same question in a few hundred steps.
    """
    filters = {name: parts[name] for name in _DAY_PARTS if name in parts}
    if not filters.keys() & {"BYMONTH", "BYMONTHDAY", "BYYEARDAY", "BYWEEKNO"}:
        return True
    if "BYDAY" in filters:  # "+1SU" means the first Sunday of the period: a year here
        filters["BYDAY"] = ",".join(day[-2:] for day in filters["BYDAY"].split(","))
    yearly = ";".join(["FREQ=YEARLY", *(f"{name}={value}" for name, value in filters.items())])
    try:
        found = rrulestr(yearly, dtstart=start.replace(hour=0, minute=0, second=0)).after(start)
    except (ValueError, TypeError):
        return True  # let dateutil's own parse say what is wrong
    return found is not None


_PERIODS = {"HOURLY": timedelta(hours=1), "DAILY": timedelta(days=1), "WEEKLY": timedelta(weeks=1)}


def fast_forward(rule: rrule, text: str, target: datetime) -> rrule:
    """The same rule started as late as possible before `target` (naive wall-clock time).

    dateutil walks a rule from its first start, so an hourly rule begun years ago costs
    tens of thousands of steps per question. Moving the start by whole periods keeps
    every later occurrence the same; a COUNT counts from the real start, so such rules
    (at most MAX_COUNT occurrences) are left as they are.
    """
    parts = parse_rule_parts(text)
    unit = _PERIODS.get(parts.get("FREQ", ""))
    start = rule._dtstart  # type: ignore[attr-defined]
    if unit is None or "COUNT" in parts or start is None:
        return rule
    period = unit * int(parts.get("INTERVAL") or "1")
    steps = (target - start) // period - 1
    if steps <= 0:
        return rule
    moved: rrule = rule.replace(dtstart=start + steps * period)
    return moved


def parse_rule_parts(text: str) -> dict[str, str]:
    """The NAME=VALUE pairs of a (valid) RRULE, names upper-cased: {'FREQ': 'WEEKLY', ...}."""
    body = text.strip()
    if body.upper().startswith("RRULE:"):
        body = body[6:]
    pairs = (part.partition("=") for part in body.split(";") if part)
    return {name.strip().upper(): value.strip().upper() for name, _, value in pairs}


def _local_until(match: re.Match[str], zone: tzinfo) -> str:
    stamp, utc = match.group(1), match.group(2)
    if not utc:
        return match.group(0)
    stamp_format = "%Y%m%dT%H%M%S" if "T" in stamp else "%Y%m%d"
    try:
        parsed = datetime.strptime(stamp, stamp_format).replace(tzinfo=UTC)
    except ValueError:
        return match.group(0)  # left for rrulestr to refuse with its own reason
    local = parsed.astimezone(zone).replace(tzinfo=None)
    return "UNTIL=" + local.strftime("%Y%m%dT%H%M%S")
