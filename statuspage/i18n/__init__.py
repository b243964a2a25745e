"""Languages: message catalogs (Babel .po files in the package, and a site's own in its
locales/, see catalogs.py) and locale-aware formatting."""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.dates import (
    PATTERN_CHAR_ORDER,
    DateTimeFormat,
    format_date,
    format_skeleton,
    format_time,
    get_day_names,
    get_timezone_name,
    match_skeleton,
    parse_pattern,
    tokenize_pattern,
    untokenize_pattern,
)
from babel.lists import format_list
from babel.numbers import format_decimal
from babel.support import Translations
from babel.units import format_unit
from markupsafe import Markup

from statuspage.i18n.catalogs import SiteCatalogs, compiled
from statuspage.model.models import SHIPPED_LANGUAGES
from statuspage.model.times import parse_rule_parts

#: The languages with a catalog in the package; a site may add its own (catalogs.py).
LANGUAGES = SHIPPED_LANGUAGES


@functools.cache
def text_direction(language: str) -> str:
    """'rtl' or 'ltr': how `language` is written, as CLDR says (Babel)."""
    return str(Locale.parse(language).text_direction)


@functools.cache
def language_name(language: str, in_language: str | None = None) -> str:
    """A language's name in `in_language` ('Finnish'), as CLDR writes it (Babel), or when
    None in itself, as a menu shows it ('Suomi'); its code for a language Babel does not
    know."""
    try:
        name = Locale.parse(language).get_display_name(in_language or language)
    except (ValueError, UnknownLocaleError):
        return language
    if not name:
        return language
    return name if in_language else name[:1].upper() + name[1:]


def right_to_left(language: str) -> bool:
    """Whether `language` is written right to left (ur, ar, he, fa, ...)."""
    return text_direction(language) == "rtl"


#: The shipped languages written right to left (a site's own: `right_to_left`).
RTL = frozenset(language for language in LANGUAGES if right_to_left(language))

FSI, PDI = "\N{FIRST STRONG ISOLATE}", "\N{POP DIRECTIONAL ISOLATE}"


def _strong(text: str) -> str:
    """How a piece of a time reads: 'R' if its first letter is of a right-to-left script,
    'L' if of another, 'N' with no letter (digits and signs: '8:47', '23.11.2026').
    (The page script tells them apart the same way: by letters, not every bidi class.)"""
    for char in text:
        if unicodedata.category(char).startswith("L"):
            return "R" if unicodedata.bidirectional(char) in ("R", "AL") else "L"
    return "N"


def isolate_runs(segments: Sequence[Parts]) -> list[str]:
    """The texts of a time's pieces (Formatter.moment_parts; a window's opening, text
    between and closing as three segments), with bidi isolates for a right-to-left page:
    each right-to-left piece (an Urdu date) in its own, and each run of the others (the
    time of day, its zone, numbers) with the text between them in one, so that '8:47 AM
    EET' and '2:00 - 4:00 AM EET' read in their own order, left to right, inside the
    right-to-left text (issue 17). A run may go on from one segment into the next: the
    texts are of one line, and the controls pair across the elements that hold them.
    Glue with a letter in it ends a run; glue at a run's edges stays outside it."""
    flat = [(kind, text, index) for index, parts in enumerate(segments) for kind, text in parts]
    marks = [["", ""] for _ in flat]
    position = 0
    while position < len(flat):
        kind, text, _ = flat[position]
        if not kind:
            position += 1
            continue
        last = position
        if _strong(text) != "R":
            for later in range(position + 1, len(flat)):
                other_kind, other, _ = flat[later]
                if not other_kind:
                    if _strong(other) != "N":
                        break
                    continue
                if _strong(other) == "R":
                    break
                last = later
        marks[position][0], marks[last][1] = FSI, PDI
        position = last + 1
    texts = ["" for _ in segments]
    for (_, text, index), (opening, closing) in zip(flat, marks, strict=True):
        texts[index] += opening + text + closing
    return texts


def N_(message: str) -> str:
    """Mark a message for extraction; it is translated where it is shown."""
    return message


# Words for statuses, impacts and indicators, translated in the templates with _().
LABELS: dict[str, str] = {
    "operational": N_("Operational"),
    "under_maintenance": N_("Under maintenance"),
    "degraded_performance": N_("Degraded performance"),
    "partial_outage": N_("Partial outage"),
    "major_outage": N_("Major outage"),
    "investigating": N_("Investigating"),
    "identified": N_("Identified"),
    "monitoring": N_("Monitoring"),
    "resolved": N_("Resolved"),
    "scheduled": N_("Scheduled"),
    "in_progress": N_("In progress"),
    "verifying": N_("Verifying"),
    "completed": N_("Completed"),
    "cancelled": N_("Cancelled"),
    "incident": N_("Incident"),
    "maintenance": N_("Maintenance"),
    "backup": N_("Backup"),
    "impact-none": N_("No impact"),
    "impact-minor": N_("Minor impact"),
    "impact-major": N_("Major impact"),
    "impact-critical": N_("Critical impact"),
    "All Systems Operational": N_("All Systems Operational"),
    "Partially Degraded Service": N_("Partially Degraded Service"),
    "Minor Service Outage": N_("Minor Service Outage"),
    "Partial System Outage": N_("Partial System Outage"),
    "Major Service Outage": N_("Major Service Outage"),
    "Service Under Maintenance": N_("Service Under Maintenance"),
}

#: The heading of the components an event affects (feeds, calendars, notices).
AFFECTED = N_("Affected components")
#: The heading of the servers an event names, when it names some (issue 16).
AFFECTED_SERVERS = N_("Affected servers")


class Labels:
    """The words of one language for statuses, impacts, kinds and indicators (LABELS),
    each translated once: the one set of them that every output of the language shares
    (`Labels.of`). A key LABELS lacks is its own message."""

    def __init__(self, language: str, catalogs: SiteCatalogs | None = None) -> None:
        self.language = language
        self.gettext = translations(language, catalogs).gettext
        self._texts: dict[str, str] = {}
        self._html: dict[str, Markup] = {}

    @staticmethod
    def of(language: str, catalogs: SiteCatalogs | None = None) -> Labels:
        """The Labels of `language` (with the site's own catalog of it, if any), made once."""
        return _labels(language, catalogs.get(language) if catalogs else None)

    @staticmethod
    def message(key: str) -> str:
        """The message (untranslated) of `key`: what the templates' `label` filter gives."""
        return LABELS.get(key, key)

    def text(self, key: str) -> str:
        """The translated words for `key`, as plain text."""
        found = self._texts.get(key)
        if found is None:
            found = self._texts[key] = self.gettext(self.message(key))
        return found

    def html(self, key: str) -> Markup:
        """The translated words for `key` as `_(key|label)` gives them in an autoescaped
        template (a translation is trusted markup)."""
        found = self._html.get(key)
        if found is None:
            found = self._html[key] = Markup(self.gettext(self.message(key))) % {}
        return found


_FREQUENCIES = {
    "HOURLY": N_("Every hour"),
    "DAILY": N_("Every day"),
    "WEEKLY": N_("Every week"),
    "MONTHLY": N_("Every month"),
    "YEARLY": N_("Every year"),
}
_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")

#: One piece of a time as pages show it: ("d", its date), ("t", its time of day), ("z", its
#: zone), or ("", the text between two of them). A line may break only between pieces.
Part = tuple[str, str]
Parts = tuple[Part, ...]
#: A window as pages show it: its start's pieces, the text between, its end's pieces.
WindowParts = tuple[Parts, str, Parts]
Window = tuple[datetime, timedelta | None, datetime, timedelta | None]
#: A token of a CLDR pattern as Babel's tokenize_pattern gives it.
Token = tuple[str, Any]
#: The fields of a pattern the optional script can write itself (numbers, and names it
#: is given per field); a language with another field is left as built.
_SCRIPT_FIELDS = frozenset("yMLdEcaHhKkm")
_PLACEHOLDER = re.compile(r"(\{[01]\})")
_NO_PLACE = ("UTC", "Etc/", "GMT", "Universal", "Zulu", "UCT")  # zones of no country


def translations(language: str, catalogs: SiteCatalogs | None = None) -> Translations:
    """The messages of `language`, compiled in memory from the .po files: the site's own
    catalog of it in `catalogs` first (if any), then the shipped one, then English."""
    return compiled(language, catalogs.get(language) if catalogs else None)


@functools.lru_cache(maxsize=32)
def _labels(language: str, own: bytes | None) -> Labels:
    """Labels.of: one per language and catalog of the site's own (serve's rebuilds may
    bring a new one)."""
    return Labels(language, SiteCatalogs(((language, own),)) if own is not None else None)


class Formatter:
    """Dates, times, numbers and durations the way a language writes them, in the site's zone."""

    def __init__(self, language: str, zone: tzinfo, catalogs: SiteCatalogs | None = None) -> None:
        self.language = language
        self.locale = Locale.parse(language)
        self.zone = zone
        self._ = translations(language, catalogs).gettext
        # Memos: a site shows the same moments, days and lengths on many pages (the event's
        # own page, its component's page, the month's page, the feeds). Each result depends
        # only on its key, so the memos change no output.
        self._moments: dict[tuple[datetime, timedelta | None], str] = {}
        self._times: dict[tuple[int, ...], str] = {}
        self._days: dict[date, str] = {}
        self._durations: dict[int, str] = {}
        self._percents: dict[float, str] = {}
        self._pattern = str(self.locale.datetime_formats["medium"])
        # The short time of the shipped languages shows hours and minutes ('h:mm a', 'H.mm'):
        # then that is all a time's text depends on. Any other field: the whole time of day.
        fields = {
            name[0] for name in re.findall(r"%\((\w+)\)", self.locale.time_formats["short"].format)
        }
        self._minutes_only = fields <= set("hHKkma")
        self._glue = tuple(piece for piece in _PLACEHOLDER.split(self._pattern) if piece)
        self._weekdays: dict[date, str] = {}
        self._windows: dict[Window, WindowParts] = {}
        self._range_times: dict[tuple[str, int, int], str] = {}

    def iso(self, moment: datetime | date) -> str:
        """ISO 8601 for `datetime` attributes, with the site's offset."""
        if isinstance(moment, datetime):
            return moment.astimezone(self.zone).isoformat()
        return moment.isoformat()

    def moment(self, moment: datetime) -> str:
        """'Nov 23, 2026, 10:00 AM EET': date, time and the zone's abbreviation."""
        if moment.tzinfo is None:  # no instant to key on; never the case for the model's times
            return self._moment(moment)
        # The text depends only on the instant. Equal aware datetimes are the same instant,
        # except two readings of one wall-clock time in a zone (fold): the offset tells them apart.
        key = (moment, moment.utcoffset())
        text = self._moments.get(key)
        if text is None:
            text = self._moments[key] = self._moment(moment)
        return text

    def _moment(self, moment: datetime) -> str:
        return "".join(text for _, text in self.moment_parts(moment))

    def moment_parts(self, moment: datetime) -> Parts:
        """`moment` in pieces: (("d", "Nov 23, 2026"), ("", ", "), ("t", "10:00 AM"), ("", " "),
        ("z", "EET")). Pages keep each piece on one line (issue 21)."""
        local = moment.astimezone(self.zone)
        parts = self._full(local, self._day(local.date()))
        return (*parts, ("", " "), ("z", local.tzname() or ""))

    def _full(self, local: datetime, day: str) -> list[Part]:
        """The language's date and time of day of `local`, joined as it joins them."""
        parts: list[Part] = []
        for piece in self._glue:
            if piece == "{1}":
                parts.append(("d", day))
            elif piece == "{0}":
                parts.append(("t", self._time(local)))
            else:
                parts.append(("", piece))
        return parts

    def window_parts(self, start: datetime, end: datetime) -> WindowParts:
        """A window from `start` to `end`, as pieces of its start, the text between, pieces
        of its end. Within one day it reads as one day, with its weekday and Babel's interval
        format for the time of day ('ti 8.12.2026 2.00-4.00 EET'); over midnight, or when the
        zone's abbreviation changes within it, both ends are written in full."""
        key = (start, start.utcoffset(), end, end.utcoffset())  # see `moment`
        found = self._windows.get(key)
        if found is None:
            found = self._windows[key] = self._window_parts(start, end)
        return found

    def _window_parts(self, start: datetime, end: datetime) -> WindowParts:
        first, last = start.astimezone(self.zone), end.astimezone(self.zone)
        zone, end_zone = first.tzname() or "", last.tzname() or ""
        closing_zone: list[Part] = [("", " "), ("z", end_zone)]
        if first.date() == last.date() and zone == end_zone:
            for field, (opening, between, closing) in self._ranges.items():
                if _extract(first, field) == _extract(last, field):
                    continue
                before: list[Part] = []
                after: list[Part] = []
                side = before
                for piece in self._glue:
                    if piece == "{1}":
                        side.append(("d", self._weekday(first.date())))
                    elif piece == "{0}":
                        before.append(("t", self._time_in(opening, first)))
                        after.append(("t", self._time_in(closing, last)))
                        side = after
                    else:
                        side.append(("", piece))
                return tuple(before), between, (*after, *closing_zone)
        head, middle, tail = self._fallback
        opening_parts = self._full(first, self._weekday(first.date()))
        if zone != end_zone:
            opening_parts += [("", " "), ("z", zone)]
        closing_parts = [*self._full(last, self._weekday(last.date())), *closing_zone]
        if head:
            opening_parts.insert(0, ("", head))
        if tail:
            closing_parts.append(("", tail))
        return tuple(opening_parts), middle, tuple(closing_parts)

    @functools.cached_property
    def _fallback(self) -> tuple[str, str, str]:
        """Babel's fallback for an interval ('{0} - {1}'): (before, between, after)."""
        fallback = str(self.locale.interval_formats.get(None) or "{0} \N{EN DASH} {1}")
        head, _, rest = fallback.partition("{0}")
        middle, _, tail = rest.partition("{1}")
        return head, middle, tail

    @functools.cached_property
    def _weekday_pattern(self) -> str:
        """The language's date with its weekday ('E, MMM d, y'): windows are planned by it."""
        skeletons = self.locale.datetime_skeletons
        found = match_skeleton("yMMMEd", skeletons) or match_skeleton("yMMMd", skeletons)
        if found:
            return _pattern_text(skeletons[found])
        return str(self.locale.date_formats["medium"].pattern)

    def _time_in(self, pattern: str, local: datetime) -> str:
        """`local`'s time of day in one of the interval's patterns (their fields are the
        hour, minute and day period only: see _ranges)."""
        key = (pattern, local.hour, local.minute)
        text = self._range_times.get(key)
        if text is None:
            text = self._range_times[key] = parse_pattern(pattern).apply(local, self.locale)
        return text

    def _weekday(self, day: date) -> str:
        text = self._weekdays.get(day)
        if text is None:
            text = self._weekdays[day] = format_date(day, self._weekday_pattern, locale=self.locale)
        return text

    @functools.cached_property
    def _ranges(self) -> dict[str, tuple[str, str, str]]:
        """Babel's interval format for the time of day, by the field whose change picks it
        (in Babel's order): (the start's pattern, the text between, the end's pattern).

        Field widths follow the language's short time, as CLDR says to adjust them ('HH'
        where that writes 02:00)."""
        short = self.locale.time_formats["short"].pattern
        widths = dict(value for kind, value in _tokens(short) if kind == "field")
        skeleton = "hm" if "h" in widths else "Hm" if "H" in widths else None
        formats = self.locale.interval_formats.get(skeleton) if skeleton else None
        if not formats:
            return {}
        found = {}
        for field in PATTERN_CHAR_ORDER:
            if field not in formats:
                continue
            opening, closing = (_widen(_tokens(piece), widths) for piece in formats[field])
            if any(
                kind == "field" and value[0] not in "hHKkma" for kind, value in opening + closing
            ):
                continue  # not a time of day alone: such a window is written in full
            between = ""
            while opening and opening[-1][0] == "chars":
                between = opening.pop()[1] + between
            while closing and closing[0][0] == "chars":
                between += closing.pop(0)[1]
            found[field] = (untokenize_pattern(opening), between, untokenize_pattern(closing))
        return found

    def zone_words(self, moment: datetime) -> tuple[str, str]:
        """The site's zone in words a customer knows, and its abbreviation at `moment`:
        ('Eastern European Time', 'EET') (CLDR's generic name; never the IANA id)."""
        local = moment.astimezone(self.zone)
        key = str(getattr(self.zone, "key", "UTC"))
        if key.startswith(_NO_PLACE):  # CLDR places these in an "Unknown Region"
            name = get_timezone_name(local, "long", locale=self.locale, zone_variant="standard")
        else:
            name = get_timezone_name(self.zone, "long", locale=self.locale)
        return name, local.tzname() or ""

    def script_formats(self) -> dict[str, object] | None:
        """What the optional script needs to write times in the visitor's zone exactly as
        `moment_parts` and `window_parts` write them in the site's: the same patterns, as
        tokens (text, or [field, width]), and the names of each field that has names.
        None if a pattern has a field the script does not write (it then leaves times as
        built)."""
        day = _tokens(self.locale.date_formats["medium"].pattern)
        weekday = _tokens(self._weekday_pattern)
        time = _tokens(self.locale.time_formats["short"].pattern)
        ranges = [
            (field, _tokens(opening), between, _tokens(closing))
            for field, (opening, between, closing) in self._ranges.items()
        ]
        every = [*day, *weekday, *time]
        for _, opening_tokens, _, closing_tokens in ranges:
            every += [*opening_tokens, *closing_tokens]
        names: dict[str, list[str]] = {}
        for kind, value in every:
            if kind != "field":
                continue
            char, width = value
            if char not in _SCRIPT_FIELDS or (char == "c" and width < 3):
                return None
            if char in "ML" and width >= 3:
                samples = [datetime(2001, month, 1, tzinfo=UTC) for month in range(1, 13)]
            elif char in "Ec":  # Monday first, as Babel counts weekdays
                samples = [datetime(2024, 1, day, tzinfo=UTC) for day in range(1, 8)]
            elif char == "a":
                samples = [datetime(2001, 1, 1, hour, tzinfo=UTC) for hour in (0, 12)]
            else:
                continue
            name = char * width
            names[name] = [DateTimeFormat(sample, locale=self.locale)[name] for sample in samples]
        return {
            "zone": str(getattr(self.zone, "key", "UTC")),
            "isolate": right_to_left(self.language),
            "glue": list(self._glue),
            "fallback": list(self._fallback),
            "day": _script_tokens(day),
            "weekday": _script_tokens(weekday),
            "time": _script_tokens(time),
            "ranges": [
                [field, _script_tokens(opening_tokens), between, _script_tokens(closing_tokens)]
                for field, opening_tokens, between, closing_tokens in ranges
            ],
            "names": names,
        }

    def clock(self, moment: datetime) -> str:
        """'10:00 AM EET'."""
        local = moment.astimezone(self.zone)
        return f"{self._time(local)} {local.tzname()}"

    def _time(self, local: datetime) -> str:
        # Babel formats the time of day alone (it takes `local.timetz()`), so that is the key.
        if self._minutes_only:
            key: tuple[int, ...] = (local.hour, local.minute)
        else:
            key = (local.hour, local.minute, local.second, local.microsecond, local.fold)
        text = self._times.get(key)
        if text is None:
            text = format_time(local, "short", tzinfo=self.zone, locale=self.locale)
            self._times[key] = text
        return text

    def day(self, day: date | datetime) -> str:
        if isinstance(day, datetime):
            day = day.astimezone(self.zone).date()
        return self._day(day)

    def _day(self, day: date) -> str:
        text = self._days.get(day)
        if text is None:
            text = self._days[day] = format_date(day, "medium", locale=self.locale)
        return text

    def long_day(self, day: date) -> str:
        return format_date(day, "full", locale=self.locale)

    def month_name(self, day: date) -> str:
        return format_skeleton("yMMMM", day.replace(day=1), locale=self.locale)

    def duration(self, length: timedelta) -> str:
        """'2 hr, 5 min': whole days, hours and minutes; a line breaks between units only."""
        minutes = max(int(length.total_seconds() // 60), 0)
        text = self._durations.get(minutes)
        if text is None:
            text = self._durations[minutes] = self._duration(minutes)
        return text

    def _duration(self, minutes: int) -> str:
        days, rest = divmod(minutes, 24 * 60)
        hours, minutes = divmod(rest, 60)
        parts = [
            _unbroken(format_unit(count, unit, length="short", locale=self.locale))
            for count, unit in (
                (days, "duration-day"),
                (hours, "duration-hour"),
                (minutes, "duration-minute"),
            )
            if count
        ]
        if not parts:
            none = format_unit(0, "duration-minute", length="short", locale=self.locale)
            parts = [_unbroken(none)]
        try:
            return format_list(parts, style="unit-short", locale=self.locale)
        except KeyError:  # CLDR has no unit list for every language (hy)
            return " ".join(parts)

    def duration_patterns(self) -> dict[str, object]:
        """What the optional script needs to write a duration exactly as `duration` does.

        Per unit, the text for each plural category with `{0}` for the number (found from
        Babel's own output for a number of that category), and the joins of two and three
        parts. The script picks the category with the browser's CLDR plural rules.
        """
        units: dict[str, dict[str, str]] = {}
        for unit in ("duration-day", "duration-hour", "duration-minute"):
            patterns = units[unit.removeprefix("duration-")] = {}
            for count in range(200):
                category = self.locale.plural_form(count)
                if category not in patterns:
                    text = _unbroken(format_unit(count, unit, length="short", locale=self.locale))
                    number = format_decimal(count, locale=self.locale)
                    patterns[category] = text.replace(number, "{0}", 1)
        joins = {}
        for size in (2, 3):
            marks = [f"{{{index}}}" for index in range(size)]
            try:
                joins[str(size)] = format_list(marks, style="unit-short", locale=self.locale)
            except KeyError:  # as in _duration
                joins[str(size)] = " ".join(marks)
        return {"units": units, "joins": joins}

    def percent(self, share: float) -> str:
        """An uptime share with two decimals: '99.85 %' in the language's way."""
        text = self._percents.get(share)
        if text is None or not share:  # 0.0 == -0.0, and Babel writes a sign on the latter
            number = format_decimal(share * 100, format="0.00", locale=self.locale)
            text = self._percents[share] = self._("%(number)s%%") % {"number": number}
        return text

    def rule(self, rule: str) -> str:
        """A repeat rule in words: 'Every week on Sunday'."""
        parts = parse_rule_parts(rule)
        text = self._(_FREQUENCIES.get(parts.get("FREQ", ""), N_("Repeats")))
        days = [day[-2:] for day in parts.get("BYDAY", "").split(",") if day[-2:] in _WEEKDAYS]
        if days:
            names = get_day_names("wide", locale=self.locale)
            listed = format_list([names[_WEEKDAYS.index(day)] for day in days], locale=self.locale)
            text = self._("%(every)s on %(days)s") % {"every": text, "days": listed}
        return text


def _pattern_text(pattern: object) -> str:
    """A pattern of Babel's locale data as text (some are DateTimePattern objects)."""
    return str(getattr(pattern, "pattern", pattern))


def _extract(local: datetime, field: str) -> int:
    """What Babel's interval format compares of a field (DateTimeFormat.extract)."""
    if field == "a":
        return int(local.hour >= 12)
    if field == "h":
        return local.hour % 12 or 12
    return {"y": local.year, "M": local.month, "d": local.day, "H": local.hour}.get(
        field, local.minute
    )


def _tokens(pattern: str) -> list[Token]:
    """A CLDR pattern as Babel reads it: ("chars", text) and ("field", (char, width))."""
    return list(tokenize_pattern(pattern))


def _widen(tokens: Iterable[Token], widths: dict[str, int]) -> list[Token]:
    """`tokens` with each numeric time field as wide as in `widths` (CLDR's width adjustment)."""
    found = []
    for kind, value in tokens:
        if kind == "field" and value[0] in "hHKkm" and value[0] in widths:
            value = (value[0], widths[value[0]])
        found.append((kind, value))
    return found


def _script_tokens(tokens: Iterable[Token]) -> list[object]:
    """Tokens as the script reads them: text as it is, a field as [char, width]."""
    return [list(value) if kind == "field" else value for kind, value in tokens]


def _unbroken(unit: str) -> str:
    """'2 hr' with a no-break space: a number and its unit stay on one line (issue 21)."""
    return unit.replace(" ", "\N{NO-BREAK SPACE}")
