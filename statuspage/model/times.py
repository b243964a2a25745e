"""Times and durations as SPEC writes them: ISO 8601, local to the site's zone when no offset."""

from __future__ import annotations

import contextlib
import difflib
import os
import re
import threading
import warnings
from bisect import bisect_left, bisect_right
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from functools import cache, lru_cache
from itertools import islice, takewhile
from zoneinfo import ZoneInfo, available_timezones

from dateutil.rrule import rrule, rrulestr

_DURATION = re.compile(r"^(?:(?P<d>\d+)d)?(?:(?P<h>\d+)h)?(?:(?P<m>\d+)m)?$")
_UNTIL = re.compile(r"UNTIL=(\d{8}(?:T\d{6})?)(Z?)", re.IGNORECASE)

# Windows repeat hourly at most: a minutely rule would expand to millions of
# occurrences (issue 7, "resource limits"), and so would an hourly one with many
# BYMINUTE or BYSECOND values: the limit is on starts per hour (issue 25).
_ALLOWED_FREQS = {"HOURLY", "DAILY", "WEEKLY", "MONTHLY", "YEARLY"}
_FREQS = (*_ALLOWED_FREQS, "MINUTELY", "SECONDLY")

TIME_EXAMPLE = "2026-11-20T10:02 or 2026-11-20T10:02:00+02:00"
# Times and durations are bounded so that no arithmetic on them can overflow.
FIRST_YEAR, LAST_YEAR = 1900, 2200
LONGEST = timedelta(days=366)
# A repeating window with COUNT is expanded from its first start; this bounds the work.
MAX_COUNT = 10_000
#: RFC 5545 sets no upper bound; past this a rule hardly repeats between 1900 and 2200.
MAX_INTERVAL = 1000
#: A window starts at most once an hour, whatever FREQ, INTERVAL and BY* parts say.
MAX_STARTS_PER_HOUR = 1
#: Where a rule is tried when its window's start is not known.
_SOME_START = datetime(2026, 1, 1, tzinfo=UTC)
_COUNT = re.compile(r"([+-]?)(\d+)")


class TimeError(ValueError):
    """A time, duration or repeat rule that cannot be used, with the reason for the user."""


def zone_name(zone: tzinfo) -> str:
    """The IANA name of a zone when it has one."""
    return str(getattr(zone, "key", None) or zone)


# --- zone names ----------------------------------------------------------------------------

#: Entries of a zone database that are not zones of their own: what they mean depends on
#: the machine (localtime is the machine's zone, posixrules its default rules, Factory
#: "zone not set") or its copy of the database (posix/ and right/, leap seconds or not).
_MACHINE_ZONES = frozenset({"localtime", "posixrules", "Factory"})
_MACHINE_FOLDERS = ("posix/", "right/")
#: Where zone files lie on Unix machines; a path or folder name is read past them.
_DATABASE_MARKERS = ("zoneinfo/", "posix/", "right/")


@cache
def iana_zones() -> frozenset[str]:
    """The IANA zone names a site may use: the same on every machine with the same tzdata."""
    return frozenset(
        name
        for name in available_timezones()
        if name not in _MACHINE_ZONES and not name.startswith(_MACHINE_FOLDERS)
    )


def site_zone(name: str) -> ZoneInfo:
    """The zone of an IANA name (as `zone_problem` accepts); TimeError says why not."""
    problem = zone_problem(name)
    if problem is not None:
        raise TimeError(problem)
    return ZoneInfo(name)


def zone_problem(name: str) -> str | None:
    """Why `name` is not an IANA time zone that means the same on every machine, or None.

    A name is looked up in the list of IANA zones, not opened as a file: ZoneInfo also
    opens 'localtime' (the zone of the machine), 'posix/Europe/Helsinki', and on a
    case-insensitive disk 'europe/helsinki', each meaning a zone only on some machines.
    """
    if name in iana_zones():
        return None
    shown = name if len(name) <= 60 else name[:59] + "…"
    machine = name in _MACHINE_ZONES or name.startswith(("/", *_MACHINE_FOLDERS))
    meant, own = _meant_zone(name), None
    if meant is None and _names_this_machine(name):
        own = _machine_zone()
    if meant is not None:
        hint = f" (did you mean '{meant}'?)"
    elif own is not None:
        hint = f" (did you mean '{own}', this machine's zone?)"
    else:
        hint = ""
    if machine:
        return (
            f"time zone '{shown}' depends on the machine that builds the site; use an IANA "
            f"name{hint or ' such as Europe/Helsinki'}"
        )
    if hint:
        return f"unknown time zone '{shown}'{hint}"
    return f"unknown time zone '{shown}'; use an IANA name such as Europe/Helsinki"


def _meant_zone(name: str) -> str | None:
    """The IANA zone `name` was probably meant to be, for "did you mean"."""
    zones = iana_zones()
    for marker in _DATABASE_MARKERS:  # /usr/share/zoneinfo/Europe/Helsinki, right/UTC
        if marker in name:
            name = name.rsplit(marker, 1)[1]
    if name in zones:
        return name
    by_case = {zone.casefold(): zone for zone in zones}
    if name.casefold() in by_case:
        return by_case[name.casefold()]
    if _names_this_machine(name):
        return None  # close to no zone, though difflib finds something
    close = difflib.get_close_matches(name.casefold(), sorted(by_case), n=1, cutoff=0.6)
    return by_case[close[0]] if close else None


def _names_this_machine(name: str) -> bool:
    """'localtime', 'posixrules', 'Factory' or /etc/localtime: no zone but the machine's."""
    return name in _MACHINE_ZONES or name.endswith("/localtime")


def _machine_zone() -> str | None:
    """The IANA name of this machine's own zone, when it can be told (for a hint only)."""
    target = os.environ.get("TZ", "").lstrip(":") or os.path.realpath("/etc/localtime")
    if "zoneinfo/" in target:
        target = target.rsplit("zoneinfo/", 1)[1]
    return target if target in iana_zones() else None


#: The times SPEC writes: a date, then optionally T (or a space), a time of day
#: HH:MM[:SS[.fff]] and an offset. Nothing else: Python's fromisoformat also reads
#: '15.30' as a fraction of the hour (15:00:00.3) and '1530' as 15:30 (issue 20).
_ISO_TIME = re.compile(
    r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?)?",
    re.ASCII,
)
#: A time of day written another way (15.30, 15,30, 1530, 9:30, 15), for "did you mean".
_LOOSE = r"(?P<h>\d{1,2})(?:[.,:]?(?P<m>\d{2})(?:[.,:]?(?P<s>\d{2})(?:[.,](?P<f>\d{1,6}))?)?)?"
_LOOSE_CLOCK = re.compile(_LOOSE, re.ASCII)
_LOOSE_TIME = re.compile(
    r"(?P<date>\d{4}-?\d{2}-?\d{2})(?P<sep>T| +)"
    + _LOOSE
    + r" *(?P<offset>Z|[+-]\d{2}(?::?\d{2})?)?",
    re.ASCII,
)


def parse_iso(text: str) -> datetime:
    """An ISO 8601 time as SPEC writes it, naive when it has no offset; TimeError says why not.

    A time of day written with a dot, a comma or no separator (15.30, 15,30, 1530) is
    refused with the colon form suggested: `fromisoformat` would read 15.30 as 15:00:00.3.
    """
    stripped = text.strip()
    parsed = None
    if _ISO_TIME.fullmatch(stripped):
        with contextlib.suppress(ValueError):
            parsed = datetime.fromisoformat(stripped)
    if parsed is None:
        meant = _meant_time(stripped)
        if meant is not None:
            raise TimeError(
                f"expected a time of day as HH:MM after the date, got '{text}'; "
                f"did you mean {meant}?"
            )
        raise TimeError(f"expected an ISO 8601 time such as {TIME_EXAMPLE}, got '{text}'")
    return parsed


def time_of_day_hint(text: str) -> str | None:
    """'15:30' for a time of day alone written 15.30, 15,30 or 1530, else None."""
    match = _LOOSE_CLOCK.fullmatch(text.strip())
    return _clock_text(match) if match is not None else None


def _meant_time(text: str) -> str | None:
    """The colon form of a time whose time of day is written another way, or None."""
    match = _LOOSE_TIME.fullmatch(text)
    if match is None:
        return None
    clock = _clock_text(match)
    digits = match.group("date").replace("-", "")
    meant = f"{digits[:4]}-{digits[4:6]}-{digits[6:]}{match.group('sep')[0]}{clock}"
    meant += match.group("offset") or ""
    if clock is None or meant == text or not _ISO_TIME.fullmatch(meant):
        return None
    try:
        datetime.fromisoformat(meant)
    except ValueError:
        return None
    return meant


def _clock_text(match: re.Match[str]) -> str | None:
    hours, minutes, seconds, fraction = match.group("h", "m", "s", "f")
    if int(hours) > 23 or int(minutes or 0) > 59 or int(seconds or 0) > 59:
        return None
    clock = f"{int(hours):02d}:{minutes or '00'}"
    if seconds is not None:
        clock += f":{seconds}" + (f".{fraction}" if fraction else "")
    return clock


def parse_time(text: str, zone: tzinfo) -> datetime:
    """Parse an ISO 8601 time (`parse_iso`); one without an offset is wall-clock time in `zone`."""
    parsed = parse_iso(text)
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


# --- the RRULE grammar (RFC 5545 section 3.3.10), checked before dateutil sees a rule ----

_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
#: Not calendar.day_name, which follows the machine's locale.
_DAY_NAMES = dict(
    zip(
        _WEEKDAYS,
        ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
        strict=True,
    )
)
_UNITS = {"HOURLY": "hour", "DAILY": "day", "WEEKLY": "week", "MONTHLY": "month", "YEARLY": "year"}
_PART_NAMES = (
    "FREQ",
    "UNTIL",
    "COUNT",
    "INTERVAL",
    "BYSECOND",
    "BYMINUTE",
    "BYHOUR",
    "BYDAY",
    "BYMONTHDAY",
    "BYYEARDAY",
    "BYWEEKNO",
    "BYMONTH",
    "BYSETPOS",
    "WKST",
)
#: name: (lowest, highest, whether a minus sign counts from the end, the range in words)
_NUMBER_LISTS: dict[str, tuple[int, int, bool, str]] = {
    "BYSECOND": (0, 59, False, "seconds go from 0 to 59"),  # RFC 5545's 60 is a leap second
    "BYMINUTE": (0, 59, False, "minutes go from 0 to 59"),
    "BYHOUR": (0, 23, False, "hours go from 0 to 23"),
    "BYMONTH": (1, 12, False, "months go from 1 to 12"),
    "BYMONTHDAY": (1, 31, True, "days of the month go from 1 to 31"),
    "BYYEARDAY": (1, 366, True, "days of the year go from 1 to 366"),
    "BYWEEKNO": (1, 53, True, "weeks of the year go from 1 to 53"),
    "BYSETPOS": (1, 366, True, "positions go from 1 to 366"),
}
_NUMBER = re.compile(r"([+-]?)(\d+)")
_WEEKDAY = re.compile(r"([+-]?)(\d*)([A-Z]{2})")
_UNTIL_VALUE = re.compile(r"\d{8}(?:T\d{6}Z?)?")


def _shown(value: str) -> str:
    """A value quoted in a message, cut short when someone wrote thousands of digits."""
    return value if len(value) <= 24 else value[:23] + "…"


def _invalid(name: str, value: str) -> TimeError:
    return TimeError(
        f"not a valid RRULE (invalid '{name}': {_shown(value)}); expected NAME=VALUE pairs "
        "such as FREQ=WEEKLY;BYDAY=SU"
    )


def _numbers(name: str, value: str) -> list[int]:
    """The values of a BY* part of numbers, each in its RFC 5545 range."""
    lowest, highest, signed, allowed = _NUMBER_LISTS[name]
    found = []
    for item in value.split(","):
        match = _NUMBER.fullmatch(item)
        if match is None:
            raise _invalid(name, value)
        sign, digits = match.groups()
        size = int(digits) if len(digits) <= 4 else highest + 1  # never read 5,000 digits
        if name == "BYSECOND" and size == 60 and not sign:
            raise TimeError(
                "BYSECOND=60 is a leap second, which is not supported: seconds go from 0 to 59"
            )
        if (sign and not signed) or not lowest <= size <= highest:
            ends = f", or -{highest} to -1 counting back from the end" if signed else ""
            raise TimeError(f"{name}={_shown(item)} is out of range: {allowed}{ends} (RFC 5545)")
        found.append(-size if sign == "-" else size)
    return found


def _check_weekdays(value: str, frequency: str, parts: dict[str, str]) -> None:
    """BYDAY's weekdays; a number (1SU, -1FR) only where RFC 5545 allows one."""
    for item in value.split(","):
        match = _WEEKDAY.fullmatch(item)
        if match is None or match.group(3) not in _WEEKDAYS:
            raise _invalid("BYDAY", value)
        sign, digits, day = match.groups()
        if sign and not digits:
            raise _invalid("BYDAY", value)
        if not digits:
            continue
        if len(digits) > 2 or not 1 <= int(digits) <= 53:
            raise TimeError(
                f"BYDAY={_shown(item)} is out of range: a weekday's number goes from 1 to 53, "
                "or -53 to -1 counting back from the end (RFC 5545)"
            )
        if frequency not in ("MONTHLY", "YEARLY") or "BYWEEKNO" in parts:
            raise TimeError(
                f"BYDAY={item}: a numbered weekday (such as 1SU, the first Sunday) needs "
                f"FREQ=MONTHLY, or FREQ=YEARLY without BYWEEKNO (RFC 5545); write BYDAY={day} "
                f"for every {_DAY_NAMES[day]}"
            )


def check_rule_parts(text: str) -> dict[str, str]:
    """The NAME=VALUE pairs of an RRULE, names and values upper-cased, or TimeError.

    Every part is checked against RFC 5545 before the rule is expanded, so that a bad
    value is refused with its name rather than reaching dateutil (INTERVAL=0 divided by
    zero, a huge INTERVAL overflowed), and a rule that would start a window more than
    once an hour is refused before it runs away (see `_check_density`).
    """
    body = text.strip()
    if body.upper().startswith("RRULE:"):
        body = body[6:]
    parts: dict[str, str] = {}
    for part in body.split(";"):
        if not part:
            continue
        written, equals, value = (piece.strip() for piece in part.partition("="))
        name, value = written.upper(), value.upper()
        if not equals:
            raise TimeError(
                "not a valid RRULE; expected NAME=VALUE pairs such as FREQ=WEEKLY;BYDAY=SU"
            )
        if name not in _PART_NAMES:
            close = difflib.get_close_matches(name, _PART_NAMES, n=1, cutoff=0.6)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            what = f"unknown part '{_shown(written)}'{hint}" if name else "a part without a name"
            raise TimeError(
                f"not a valid RRULE ({what}); expected NAME=VALUE pairs such as "
                "FREQ=WEEKLY;BYDAY=SU"
            )
        if name in parts:
            raise TimeError(f"{name} is given twice; an RRULE has each part once (RFC 5545)")
        if not value:
            raise _invalid(name, value)
        parts[name] = value
    frequency = parts.get("FREQ")
    if frequency is None:
        raise TimeError("an RRULE needs FREQ, such as FREQ=WEEKLY;BYDAY=SU")
    if frequency not in _FREQS:
        raise _invalid("FREQ", frequency)
    if frequency not in _ALLOWED_FREQS:
        raise TimeError(
            "a window may repeat at most hourly: use FREQ=HOURLY, DAILY, WEEKLY, MONTHLY or YEARLY"
        )
    if "COUNT" in parts and "UNTIL" in parts:
        raise TimeError("an RRULE may have COUNT or UNTIL, not both (RFC 5545)")
    _check_count(parts)
    _check_interval(parts)
    until = parts.get("UNTIL")
    if until is not None and _UNTIL_VALUE.fullmatch(until) is None:
        raise TimeError(
            "UNTIL must be a date such as 20261231 or a UTC time such as 20261231T235959Z, "
            f"got '{_shown(until)}'"
        )
    if "WKST" in parts and parts["WKST"] not in _WEEKDAYS:
        raise _invalid("WKST", parts["WKST"])
    values = {name: _numbers(name, parts[name]) for name in _NUMBER_LISTS if name in parts}
    if "BYDAY" in parts:
        _check_weekdays(parts["BYDAY"], frequency, parts)
    _check_combinations(frequency, parts)
    _check_density(values)
    if "BYSETPOS" in values:
        size = _period_size(parts)
        if all(abs(position) > size for position in values["BYSETPOS"]):
            unit = _UNITS[frequency]
            raise TimeError(
                f"BYSETPOS={_shown(parts['BYSETPOS'])} never picks a start: each {unit} of "
                f"this rule has at most {size} to pick from"
            )
    return parts


def _check_count(parts: dict[str, str]) -> None:
    if "COUNT" not in parts:
        return
    count = _COUNT.fullmatch(parts["COUNT"])
    if count is None:
        raise _invalid("COUNT", parts["COUNT"])
    sign, digits = count.group(1), count.group(2).lstrip("0")
    if sign == "-" or not digits:
        raise TimeError(
            f"COUNT must be at least 1, got {_shown(parts['COUNT'])}: the window would never happen"
        )
    if len(digits) > len(str(MAX_COUNT)) or int(digits) > MAX_COUNT:
        raise TimeError(f"COUNT may be at most {MAX_COUNT}; use UNTIL for a longer series")


def _check_interval(parts: dict[str, str]) -> None:
    if "INTERVAL" not in parts:
        return
    interval = parts["INTERVAL"]
    match = _COUNT.fullmatch(interval)
    if match is None:
        raise _invalid("INTERVAL", interval)
    sign, digits = match.group(1), match.group(2).lstrip("0")
    if sign == "-" or not digits:
        raise TimeError(f"INTERVAL must be at least 1, got {_shown(interval)}")
    if len(digits) > len(str(MAX_INTERVAL)) or int(digits) > MAX_INTERVAL:
        raise TimeError(f"INTERVAL may be at most {MAX_INTERVAL}, got {_shown(interval)}")


def _check_combinations(frequency: str, parts: dict[str, str]) -> None:
    """Parts that RFC 5545 allows only with some frequencies, or only beside others."""
    if "BYWEEKNO" in parts and frequency != "YEARLY":
        raise TimeError("BYWEEKNO needs FREQ=YEARLY (RFC 5545)")
    if "BYYEARDAY" in parts and frequency in ("DAILY", "WEEKLY", "MONTHLY"):
        raise TimeError(f"BYYEARDAY cannot be used with FREQ={frequency} (RFC 5545)")
    if "BYMONTHDAY" in parts and frequency == "WEEKLY":
        raise TimeError("BYMONTHDAY cannot be used with FREQ=WEEKLY (RFC 5545)")
    if "BYSETPOS" in parts and not any(
        name.startswith("BY") and name != "BYSETPOS" for name in parts
    ):
        raise TimeError("BYSETPOS needs another BY part to pick from, such as BYDAY (RFC 5545)")


def _check_density(values: dict[str, list[int]]) -> None:
    """Refuse a rule that can start a window more than once an hour.

    In each hour it reaches, a rule starts at every BYMINUTE x BYSECOND combination
    (without them, at the minute and second of its first start), and BYSETPOS keeps at
    most as many starts per period as it has positions. FREQ, INTERVAL, BYHOUR and the
    day parts only choose hours, at most one after another, so a rule that passes starts
    at most 24 times a day, counted from its parts before anything is expanded.
    """
    counts = {name: len(set(values[name])) for name in ("BYMINUTE", "BYSECOND") if name in values}
    per_hour = 1
    for count in counts.values():
        per_hour *= count
    if "BYSETPOS" in values:
        per_hour = min(per_hour, len(set(values["BYSETPOS"])))
    if per_hour <= MAX_STARTS_PER_HOUR:
        return
    given = [f"{count} {name} values" for name, count in counts.items() if count > 1]
    if "BYSETPOS" in values:
        given.append(f"{len(set(values['BYSETPOS']))} BYSETPOS positions")
    raise TimeError(
        f"a window may start at most once an hour, but {' and '.join(given)} give this "
        f"rule {per_hour} starts in an hour; give BYMINUTE and BYSECOND one value each"
    )


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
    try:
        names = check_rule_parts(body)
    except TimeError as error:
        if str(error).startswith("not a valid RRULE"):  # say which rule, as below
            raise TimeError(f"{error}, got '{text}'") from None
        raise
    if not start_known and "BYHOUR" in names:  # HOURLY;INTERVAL=2 reaches BYHOUR from some starts
        start = start.replace(hour=int(names["BYHOUR"].split(",")[0]))
    body = _UNTIL.sub(lambda match: _local_until(match, zone), body)
    wall_start = start.astimezone(zone).replace(tzinfo=None)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # dateutil warns about rules it will refuse later
            rule = rrulestr(body, dtstart=wall_start)
    except (ValueError, TypeError, KeyError, IndexError, Warning) as error:
        reason = str(error)
        if "generates an empty set" in reason:  # FREQ=HOURLY;INTERVAL=2;BYHOUR=3 from 02:00
            raise TimeError(
                f"the RRULE '{text}' never happens: every {names.get('INTERVAL')} hours from "
                f"the window's start at {wall_start:%H:%M} never reaches "
                f"BYHOUR={names.get('BYHOUR')}"
            ) from None
        detail = f" ({reason})" if reason.startswith(("unknown parameter", "invalid")) else ""
        raise TimeError(
            f"not a valid RRULE{detail}; expected NAME=VALUE pairs such as "
            f"FREQ=WEEKLY;BYDAY=SU, got '{text}'"
        ) from None
    if not isinstance(rule, rrule):
        raise TimeError("expected a single RRULE")
    if not _any_day(names, wall_start):
        raise TimeError(f"the RRULE '{text}' never happens (no day matches all its BY parts)")
    if start_known and not _weekday_reached(names, wall_start):
        unit = "hours" if names["FREQ"] == "HOURLY" else "days"
        raise TimeError(
            f"the RRULE '{text}' never happens: every {names['INTERVAL']} {unit} from the "
            f"window's start (a {_DAY_NAMES[_WEEKDAYS[wall_start.weekday()]]}, "
            f"{wall_start:%H:%M}) never reaches BYDAY={names['BYDAY']}"
            + (f" at BYHOUR={names['BYHOUR']}" if "BYHOUR" in names and unit == "hours" else "")
        )
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


def _weekday_reached(parts: dict[str, str], start: datetime) -> bool:
    """Whether stepping INTERVAL hours or days from `start` ever lands on a BYDAY weekday.

    FREQ=DAILY;INTERVAL=7 from a Sunday is on Sundays only: dateutil would look for a
    Monday period by period up to the year 9999 (seconds). The weekday and hour a step
    lands on repeat every week, so one week of steps tells.
    """
    frequency, interval = parts["FREQ"], int(parts.get("INTERVAL", "1"))
    if frequency not in ("HOURLY", "DAILY") or interval == 1 or "BYDAY" not in parts:
        return True
    wanted = {_WEEKDAYS.index(day[-2:]) for day in parts["BYDAY"].split(",")}
    if frequency == "DAILY":
        return any((start.weekday() + step * interval) % 7 in wanted for step in range(7))
    hours = {int(hour) for hour in parts["BYHOUR"].split(",")} if "BYHOUR" in parts else None
    first = start.weekday() * 24 + start.hour
    for step in range(168):
        weekday, hour = divmod((first + step * interval) % 168, 24)
        if weekday in wanted and (hours is None or hour in hours):
            return True
    return False


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


# --- how many windows a rule can make, from its parts (issue 25) ---------------------------

#: At most this many windows of one repeating event may run at once: a 30-day window
#: repeated hourly would be 720 windows at every moment, each one to compute and show.
MAX_OVERLAP = 24
_HOUR = timedelta(hours=1)
#: The shortest period of each frequency (INTERVAL=1).
_SHORTEST_PERIOD = {
    "HOURLY": _HOUR,
    "DAILY": timedelta(days=1),
    "WEEKLY": timedelta(weeks=1),
    "MONTHLY": timedelta(days=28),
    "YEARLY": timedelta(days=365),
}


def _values(parts: dict[str, str], name: str) -> set[str]:
    return set(parts[name].split(",")) if name in parts else set()


def _period_size(parts: dict[str, str]) -> int:
    """An upper bound on the starts one period of a (valid) rule's FREQ offers BYSETPOS."""
    times = (len(_values(parts, "BYMINUTE")) or 1) * (len(_values(parts, "BYSECOND")) or 1)
    frequency = parts["FREQ"]
    if frequency == "HOURLY":
        return times
    weekdays = _values(parts, "BYDAY")
    numbered = sum(1 for day in weekdays if len(day) > 2)
    months = len(_values(parts, "BYMONTH")) or 12
    if frequency == "DAILY":
        days = 1
    elif frequency == "WEEKLY":
        days = len({day[-2:] for day in weekdays}) or 1
    elif "BYYEARDAY" in parts:
        days = len(_values(parts, "BYYEARDAY"))
    elif "BYMONTHDAY" in parts:
        days = len(_values(parts, "BYMONTHDAY")) * (months if frequency == "YEARLY" else 1)
    elif "BYWEEKNO" in parts:
        days = len(_values(parts, "BYWEEKNO")) * (len(weekdays) or 7)
    elif weekdays:  # every Monday: five a month at most, 53 a year; 1MO: one of each
        plain = len(weekdays) - numbered
        if frequency == "MONTHLY":
            days = numbered + plain * 5
        elif "BYMONTH" in parts:  # 1MO is each month's first Monday then
            days = (numbered + plain * 5) * months
        else:
            days = numbered + plain * 53
    else:
        days = len(_values(parts, "BYMONTH")) or 1
    return days * (len(_values(parts, "BYHOUR")) or 1) * times


def _starts_per_period(parts: dict[str, str]) -> int:
    """An upper bound on the windows a (valid) rule starts in one period of FREQ x INTERVAL."""
    starts = _period_size(parts)
    if "BYSETPOS" in parts:
        starts = min(starts, len(_values(parts, "BYSETPOS")))
    return starts


def starts_within(text: str, span: timedelta) -> int:
    """An upper bound on the windows a valid rule starts in any stretch of time `span` long.

    A rule starts at most once an hour, and at most so many times a period (one hour, day,
    week, month of 28 days or year of 365, times INTERVAL). When it starts once a period
    at the same time (FREQ=HOURLY, or DAILY and WEEKLY with one time), its starts are
    whole periods apart; else a stretch meets at most one period more than it spans.
    """
    parts = parse_rule_parts(text)
    frequency = parts["FREQ"]
    period = _SHORTEST_PERIOD[frequency] * int(parts.get("INTERVAL", "1"))
    per_period = _starts_per_period(parts)
    periods = -(-span // period)  # ceiling
    fixed = frequency == "HOURLY" or (
        frequency in ("DAILY", "WEEKLY") and per_period == 1 and "BYSETPOS" not in parts
    )
    bound = per_period * (periods if fixed else periods + 1)
    bound = min(bound, -(-span // _HOUR) + 1)
    if "COUNT" in parts:
        bound = min(bound, int(parts["COUNT"]))
    return max(bound, 1)


def series_bound(text: str, starts: datetime, span: timedelta) -> int:
    """An upper bound on the windows of a rule that starts at `starts` in `span` of time,
    also by its COUNT or UNTIL (give or take a day for UNTIL's zone)."""
    bound = starts_within(text, span)
    until = parse_rule_parts(text).get("UNTIL")
    if until is not None:
        ends = datetime.strptime(until[:8], "%Y%m%d").replace(tzinfo=UTC) + timedelta(days=2)
        bound = min(bound, starts_within(text, max(ends - starts, _HOUR)))
    return bound


def check_overlap(text: str, length: timedelta) -> None:
    """Refuse a rule whose windows of `length` would run more than MAX_OVERLAP at once."""
    at_once = starts_within(text, length)
    if at_once > MAX_OVERLAP:
        raise TimeError(
            f"up to {at_once} of this rule's {format_duration(length)} windows would run at "
            f"once, and at most {MAX_OVERLAP} may: make the window shorter or repeat it less "
            "often"
        )


# --- expanding a rule, each stretch once ---------------------------------------------------

#: A hard cap on the starts one question about one rule expands. Valid rules need fewer:
#: at most 24 a day over the history shown (up to 367 days) and the 14 days ahead, and at
#: most MAX_OVERLAP more still running from before, is 9,168.
MAX_STARTS = 20_000
#: The starts kept of all rules together, across questions (a build asks about each rule
#: at up to some hundred moments); past it, every kept expansion is dropped.
MAX_KEPT_STARTS = 400_000
_kept = [0]


class RuleSeries:
    """The starts (naive wall-clock times) of one valid repeat rule, each expanded once.

    It keeps one stretch [low, high] of the rule fully expanded and widens it when a
    question reaches past it, so that a rule asked about at many nearby moments (a build,
    then the states ahead for the page's script) is walked by dateutil once. A walk goes
    on to the first start past what was asked, which it keeps, so that a rare rule is not
    walked again up to its next start at every moment. A rule with COUNT (at most
    MAX_COUNT windows) is expanded whole. A lock keeps the stretch whole across threads.
    """

    def __init__(self, text: str, rule: rrule) -> None:
        self.text, self.rule = text, rule
        self.first: datetime | None = rule.after(rule._dtstart, inc=True)  # type: ignore[attr-defined]
        self._every: list[datetime] | None = None
        if "COUNT" in parse_rule_parts(text):
            every = takewhile(lambda start: start <= _HORIZON, rule)
            self._every = list(islice(every, MAX_COUNT))
            _note_kept(len(self._every))
        self._known = False
        self._low = self._high = _HORIZON
        self._starts: list[datetime] = []
        self._lock = threading.Lock()

    def between(self, low: datetime, high: datetime) -> list[datetime]:
        """Every start in [low, high], at most MAX_STARTS of them (the first ones)."""
        with self._lock:
            if self._every is None and not (self._known and self._low <= low <= high <= self._high):
                self._widen(low, high)
            starts = self._starts if self._every is None else self._every
            return starts[bisect_left(starts, low) : bisect_right(starts, high)][:MAX_STARTS]

    def after(self, moment: datetime, count: int = 1) -> list[datetime]:
        """The first `count` starts after `moment` (up to the year LAST_YEAR + 1)."""
        with self._lock:
            if self._every is not None:
                index = bisect_right(self._every, moment)
                return self._every[index : index + count]
            inside = self._known and self._low <= moment <= self._high
            if inside:
                index = bisect_right(self._starts, moment)
                found = self._starts[index : index + count]
                if len(found) == count:
                    return found
            near = fast_forward(self.rule, self.text, moment)
            later = takewhile(lambda start: start <= _HORIZON, near.xafter(moment, inc=False))
            found = list(islice(later, count))
            if inside and len(self._starts) < 2 * MAX_STARTS:  # they continue the stretch
                reached = found[-1] if len(found) == count else _HORIZON
                tail = [start for start in found if start > self._high]
                self._keep(self._starts + tail, self._low, max(reached, self._high))
            return found

    def before(self, moment: datetime) -> datetime | None:
        """The last start at or before `moment`."""
        if self.first is None or moment < self.first:
            return None
        with self._lock:
            if self._every is not None:
                return self._every[bisect_right(self._every, moment) - 1]
            if self._known and self._low <= moment <= self._high:
                index = bisect_right(self._starts, moment)
                if index:
                    return self._starts[index - 1]
        if fast_forward(self.rule, self.text, moment) is self.rule:  # MONTHLY, YEARLY
            found: datetime | None = self.rule.before(moment, inc=True)
            return found
        # A rule moved close to `moment` sees only what follows its new start: look back a
        # week, then twice as far each time, down to the first start at worst.
        reach = timedelta(weeks=1)
        while True:
            since = max(moment - reach, self.first)
            found = fast_forward(self.rule, self.text, since).before(moment, inc=True)
            if found is not None and found >= since:
                return found
            if since == self.first:
                return self.first
            reach *= 2

    def _widen(self, low: datetime, high: datetime) -> None:
        if self._known and low <= self._high and high >= self._low:  # overlapping: extend
            head, _ = self._expand(low, self._low) if low < self._low else ([], low)
            tail, reached = self._expand(self._high, high) if high > self._high else ([], high)
            if len(head) < MAX_STARTS and len(tail) < MAX_STARTS:
                starts = (
                    [start for start in head if start < self._low]
                    + self._starts
                    + [start for start in tail if start > self._high]
                )
                if len(starts) <= 2 * MAX_STARTS:
                    self._keep(starts, min(low, self._low), max(reached, self._high))
                    return
        starts, reached = self._expand(low, high)
        self._keep(starts, low, reached)

    def _keep(self, starts: list[datetime], low: datetime, high: datetime) -> None:
        _note_kept(len(starts) - len(self._starts))
        self._starts, self._low, self._high, self._known = starts, low, high, True

    def _expand(self, low: datetime, high: datetime) -> tuple[list[datetime], datetime]:
        """The starts from `low` to the first past `high` (or the cap), and how far that is."""
        found: list[datetime] = []
        for start in fast_forward(self.rule, self.text, low).xafter(low, inc=True):
            found.append(start)
            if start > high or start > _HORIZON or len(found) == MAX_STARTS:
                return found, start
        return found, max(high, _HORIZON)  # the rule ends: nothing more, ever


#: Rules are asked about up to here (times lie between FIRST_YEAR and LAST_YEAR).
_HORIZON = datetime(LAST_YEAR + 1, 12, 31)  # noqa: DTZ001 (naive wall-clock time)


def _note_kept(count: int) -> None:
    """Count the starts kept; past MAX_KEPT_STARTS, forget every series but those in use."""
    _kept[0] += count
    if _kept[0] > MAX_KEPT_STARTS:
        rule_series.cache_clear()
        _kept[0] = 0


@lru_cache(maxsize=512)
def rule_series(text: str, start: datetime, zone: tzinfo) -> RuleSeries:
    """The expansion of a window's (valid) rule, kept while the same rule is asked about."""
    return RuleSeries(text, parse_rule(text, start, zone))


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
