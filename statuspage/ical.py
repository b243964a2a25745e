"""Stage 4c: calendar.ics, every maintenance and backup window for calendar apps (RFC 5545).

Built with the icalendar library. A repeating window is one VEVENT with its RRULE
and a DTSTART in the site's zone (TZID, with its VTIMEZONE), so calendar apps keep
02:00 local across DST; a cancelled occurrence of it is an override with
RECURRENCE-ID and STATUS:CANCELLED. UIDs come from the event id, so they are stable.
"""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo
from urllib.parse import urlsplit

from icalendar import Calendar, Event, vRecur, vText

from statuspage.feeds import AFFECTED
from statuspage.i18n import LABELS, translations
from statuspage.state import SiteState, WindowState
from statuspage.times import parse_rule_parts, wall_to_utc

#: How often subscribed calendar apps should fetch the calendar again.
REFRESH = timedelta(minutes=15)


def render_calendars(state: SiteState) -> dict[str, bytes]:
    """calendar.ics, and components/ID/calendar.ics for each component."""
    site = state.site
    outputs = {"calendar.ics": _calendar(state, state.windows, site.title)}
    for component in site.components:
        mine = [window for window in state.windows if component.id in window.window.components]
        outputs[f"components/{component.id}/calendar.ics"] = _calendar(
            state, mine, f"{site.title}: {component.name}"
        )
    return outputs


def _calendar(
    state: SiteState, windows: tuple[WindowState, ...] | list[WindowState], name: str
) -> bytes:
    site = state.site
    calendar = Calendar()
    calendar.add("prodid", "-//statuspage//statuspage//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", vText(name))
    calendar.add("x-wr-timezone", site.timezone)
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT15M")
    for window in sorted(windows, key=lambda w: w.window.id):
        for event in _events(state, window):
            calendar.add_component(event)
    calendar.add_missing_timezones()
    return bytes(calendar.to_ical())


def _events(state: SiteState, window: WindowState) -> list[Event]:
    site = state.site
    source = window.window
    gettext = translations(site.language).gettext
    host = urlsplit(site.base_url).netloc
    uid = f"{source.id}@{host}"
    url = f"{site.base_url}incidents/{source.id}/"
    summary = f"{gettext(LABELS[source.type])}: {source.title}"
    names = {c.component.id: c.component.name for c in state.components}
    affected = ", ".join(names[c] for c in source.components if c in names)
    description = "\n\n".join(
        part
        for part in (
            source.description or "",
            f"{gettext(AFFECTED)}: {affected}" if affected else "",
            url,
        )
        if part
    )
    sequence = len(window.updates)  # each update posted about a window is a new version of it

    def vevent(start: datetime, status: str) -> Event:
        event = Event()
        event.add("uid", uid)
        event.add("dtstamp", state.now)
        event.add("sequence", sequence)
        event.add("summary", summary)
        event.add("description", description)
        event.add("url", url)
        event.add("categories", [gettext(LABELS[source.type])])
        event.add("status", status)
        event.add("transp", "TRANSPARENT")
        event.add("dtstart", start.astimezone(site.zone))
        return event

    if source.repeat is None:
        event = vevent(source.starts, "CANCELLED" if window.status == "cancelled" else "CONFIRMED")
        event.add("dtend", (source.starts + source.length).astimezone(site.zone))
        return [event]
    series = vevent(source.starts, "CONFIRMED")
    series.add("duration", source.length)
    series.add("rrule", _rule(source.repeat, site.zone))
    events = [series]
    for occurrence in window.occurrences:
        if occurrence.status_at(state.now) == "cancelled" and occurrence.start > source.starts:
            cancelled = vevent(occurrence.start, "CANCELLED")
            cancelled.add("recurrence-id", occurrence.start.astimezone(site.zone))
            cancelled.add("duration", source.length)
            events.append(cancelled)
    return events


def _rule(text: str, zone: tzinfo) -> vRecur:
    """The repeat rule for iCalendar: with a TZID start, UNTIL must be in UTC (RFC 5545)."""
    parts = parse_rule_parts(text)
    until = parts.get("UNTIL")
    if until and not until.endswith("Z"):
        stamp = "%Y%m%dT%H%M%S" if "T" in until else "%Y%m%d"
        naive = datetime.strptime(until, stamp)  # noqa: DTZ007 - wall-clock time in the site's zone
        parts["UNTIL"] = wall_to_utc(naive, zone).strftime("%Y%m%dT%H%M%SZ")
    rule: vRecur = vRecur.from_ical(";".join(f"{name}={value}" for name, value in parts.items()))
    return rule
