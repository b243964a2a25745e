"""Languages: message catalogs (Babel .po files in the package) and locale-aware formatting."""

from __future__ import annotations

import functools
import io
import re
from datetime import date, datetime, timedelta, tzinfo
from importlib import resources

from babel import Locale
from babel.dates import format_date, format_skeleton, format_time, get_day_names
from babel.lists import format_list
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import Translations
from babel.units import format_unit

from statuspage.times import parse_rule_parts

LANGUAGES = ("en", "fi", "hy", "ur")
RTL = frozenset({"ur"})


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

_FREQUENCIES = {
    "HOURLY": N_("Every hour"),
    "DAILY": N_("Every day"),
    "WEEKLY": N_("Every week"),
    "MONTHLY": N_("Every month"),
    "YEARLY": N_("Every year"),
}
_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


@functools.cache
def translations(language: str) -> Translations:
    """The compiled catalog of a shipped language (compiled in memory from its .po file)."""
    po = resources.files("statuspage") / "locale" / language / "LC_MESSAGES" / "messages.po"
    with po.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled)


class Formatter:
    """Dates, times, numbers and durations the way a language writes them, in the site's zone."""

    def __init__(self, language: str, zone: tzinfo) -> None:
        self.language = language
        self.locale = Locale.parse(language)
        self.zone = zone
        self._ = translations(language).gettext
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
        local = moment.astimezone(self.zone)
        text = self._pattern.replace("{1}", self._day(local.date())).replace(
            "{0}", self._time(local)
        )
        return f"{text} {local.tzname()}"

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
        """'2 hr, 5 min': whole days, hours and minutes."""
        minutes = max(int(length.total_seconds() // 60), 0)
        text = self._durations.get(minutes)
        if text is None:
            text = self._durations[minutes] = self._duration(minutes)
        return text

    def _duration(self, minutes: int) -> str:
        days, rest = divmod(minutes, 24 * 60)
        hours, minutes = divmod(rest, 60)
        parts = [
            format_unit(count, unit, length="short", locale=self.locale)
            for count, unit in (
                (days, "duration-day"),
                (hours, "duration-hour"),
                (minutes, "duration-minute"),
            )
            if count
        ]
        if not parts:
            parts = [format_unit(0, "duration-minute", length="short", locale=self.locale)]
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
                    text = format_unit(count, unit, length="short", locale=self.locale)
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
