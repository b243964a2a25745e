"""Stage 4c: calendar.ics, every maintenance and backup window for calendar apps (RFC 5545).

Built with the icalendar library. A repeating window is one VEVENT with its RRULE
and a DTSTART in the site's zone (TZID, with its VTIMEZONE), so calendar apps keep
02:00 local across DST; a cancelled occurrence of it is an override with
RECURRENCE-ID and STATUS:CANCELLED. UIDs come from the event id, so they are stable.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from urllib.parse import urlsplit

from icalendar import Calendar, Event, Timezone, vRecur, vText

from statuspage.i18n.catalogs import SiteCatalogs
from statuspage.model.times import parse_rule_parts, wall_to_utc
from statuspage.outputs.summary import EventSummary
from statuspage.outputs.urls import CALENDAR, Urls, component_calendar, server_calendar
from statuspage.state import SiteState, WindowState

#: How often subscribed calendar apps should fetch the calendar again.
REFRESH = timedelta(minutes=15)
#: How far back a server's calendar goes: the windows still to come, running or ended
#: within it (a site's and a component's calendars keep every window). A site of 5,000
#: servers and five years of windows wrote 600 MB of server calendars without it.
SERVER_CALENDAR_PAST = timedelta(days=31)
_BEGIN = b"BEGIN:VCALENDAR\r\n"
_END = b"END:VCALENDAR\r\n"


@dataclass(frozen=True)
class _Written:
    """A window's VEVENTs, written once for calendar.ics and its components' calendars."""

    ical: bytes
    tzids: frozenset[str]


def render_calendars(
    state: SiteState, language: str, catalogs: SiteCatalogs | None = None
) -> dict[str, bytes]:
    """calendar.ics, and components/ID/calendar.ics for each component, in `language`
    (its words from the site's own catalog of it in `catalogs` first).

    Each is what icalendar writes for a Calendar of the windows' VEVENTs and the
    VTIMEZONEs they need (Calendar.add_missing_timezones); the VEVENTs and VTIMEZONEs
    are written once each and joined, as every window is in several calendars.
    """
    site = state.site
    urls = Urls.of(site, language)
    windows = sorted(state.windows, key=lambda w: w.window.id)
    summary = EventSummary(state, language, catalogs)
    written = {window.window.id: _write(state, urls, summary, window) for window in windows}
    zones: dict[str, bytes | None] = {}
    heads = _Heads(state)
    every = [written[w.window.id] for w in windows]
    outputs = {urls.path(CALENDAR): _calendar(heads, every, site.title, zones)}
    # Each component's windows, gathered in one pass over them.
    windows_of: dict[str, list[_Written]] = {component.id: [] for component in site.components}
    for window in windows:
        for component_id in dict.fromkeys(window.window.components):
            if component_id in windows_of:
                windows_of[component_id].append(written[window.window.id])
    for component in site.components:
        mine = windows_of[component.id]
        outputs[urls.path(component_calendar(component.id))] = _calendar(
            heads, mine, f"{site.title}: {component.name}", zones
        )
    outputs.update(_server_calendars(state, urls, windows, written, heads, zones))
    return outputs


def _server_calendars(
    state: SiteState,
    urls: Urls,
    windows: list[WindowState],
    written: dict[str, _Written],
    heads: _Heads,
    zones: dict[str, bytes | None],
) -> dict[str, bytes]:
    """servers/NAME/calendar.ics: the windows of its component that name no servers, or
    name it (in the order of their ids, as every calendar), gathered in one pass; those
    to come, running or ended within SERVER_CALENDAR_PAST only."""
    wide: dict[str, list[str]] = defaultdict(list)
    named: dict[tuple[str, str], list[str]] = defaultdict(list)
    since = state.now - SERVER_CALENDAR_PAST
    for window in windows:
        if not any(occurrence.end >= since for occurrence in window.occurrences):
            continue
        event = window.window
        for component_id in dict.fromkeys(event.components):
            if event.servers:
                for name in dict.fromkeys(event.servers):
                    named[component_id, name].append(event.id)
            else:
                wide[component_id].append(event.id)
    outputs = {}
    for server in state.servers:
        cid, name = server.component.component.id, server.name
        ids = heapq.merge(wide.get(cid, []), named.get((cid, name), []))
        mine = [written[window_id] for window_id in ids]
        title = f"{state.site.title}: {name}"
        outputs[urls.path(server_calendar(name))] = _calendar(heads, mine, title, zones)
    return outputs


def _write(state: SiteState, urls: Urls, summary: EventSummary, window: WindowState) -> _Written:
    holder = Calendar()
    for event in _events(state, urls, summary, window):
        holder.add_component(event)
    ical = b"".join(bytes(event.to_ical()) for event in holder.subcomponents)
    return _Written(ical, frozenset(holder.get_used_tzids()))


def _timezone(tzid: str, zones: dict[str, bytes | None]) -> bytes | None:
    """A VTIMEZONE as Calendar.add_missing_timezones makes it (None: a zone it does not know)."""
    if tzid not in zones:
        try:
            zone = Timezone.from_tzid(
                tzid, first_date=Timezone.DEFAULT_FIRST_DATE, last_date=Timezone.DEFAULT_LAST_DATE
            )
        except ValueError:
            zones[tzid] = None
        else:
            zones[tzid] = bytes(zone.to_ical())
    return zones[tzid]


class _Heads:
    """The calendars' opening lines, made once by icalendar: all but the name are the same
    for every calendar of a site (a site with servers has thousands), and the name's own
    line is what icalendar writes for it alone."""

    _PLACEHOLDER = "statuspage-calendar-name"

    def __init__(self, state: SiteState) -> None:
        site = state.site
        calendar = Calendar()
        calendar.add("prodid", "-//statuspage//statuspage//EN")
        calendar.add("version", "2.0")
        calendar.add("calscale", "GREGORIAN")
        calendar.add("method", "PUBLISH")
        calendar.add("x-wr-calname", vText(self._PLACEHOLDER))
        calendar.add("x-wr-timezone", site.timezone)
        calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
        calendar.add("x-published-ttl", "PT15M")
        head = bytes(calendar.to_ical())
        if not head.endswith(_END):
            raise AssertionError("icalendar ends a calendar with END:VCALENDAR")
        self._before, self._after = head[: -len(_END)].split(self._name_line(self._PLACEHOLDER))
        self.tzids = frozenset(calendar.get_used_tzids())

    @staticmethod
    def _name_line(name: str) -> bytes:
        alone = Calendar()
        alone.add("x-wr-calname", vText(name))
        return bytes(alone.to_ical())[len(_BEGIN) : -len(_END)]

    def head(self, name: str) -> bytes:
        """The calendar named `name` up to its first VTIMEZONE or VEVENT."""
        return self._before + self._name_line(name) + self._after


def _calendar(
    heads: _Heads, windows: list[_Written], name: str, zones: dict[str, bytes | None]
) -> bytes:
    used = heads.tzids.union(*(window.tzids for window in windows)) - {"UTC"}
    # Every time is in the site's zone, so this is one zone (or none): icalendar's own order,
    # a set's, only ever mattered for more.
    timezones = [_timezone(tzid, zones) for tzid in sorted(used)]
    return b"".join(
        [
            heads.head(name),
            *(zone for zone in timezones if zone is not None),
            *(window.ical for window in windows),
            _END,
        ]
    )


def _events(
    state: SiteState, urls: Urls, summary: EventSummary, window: WindowState
) -> list[Event]:
    site = state.site
    source = window.window
    host = urlsplit(site.base_url).netloc
    uid = f"{source.id}@{host}"
    url = urls.event_url(source.id)
    headline = summary.headline(source.type, source.title)
    kind = summary.labels.text(source.type)
    affected = summary.affected_line(source.components)
    servers = summary.servers_line(source.servers)
    description = "\n\n".join(
        part
        for part in (
            source.description or "",
            ": ".join(affected) if affected else "",
            ": ".join(servers) if servers else "",
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
        event.add("summary", headline)
        event.add("description", description)
        event.add("url", url)
        event.add("categories", [kind])
        event.add("status", status)
        event.add("transp", "TRANSPARENT")
        event.add("dtstart", start)
        return event

    if source.repeat is None:
        status = "CANCELLED" if window.status == "cancelled" else "CONFIRMED"
        event = vevent(_one_off(source.starts, site.zone), status)
        event.add("dtend", _one_off(source.starts + source.length, site.zone))
        return [event]
    # In the site's zone, so that the rule keeps the wall-clock time across DST changes.
    series = vevent(source.starts.astimezone(site.zone), "CONFIRMED")
    series.add("duration", source.length)
    series.add("rrule", _rule(source.repeat, site.zone))
    events = [series]
    for occurrence in window.occurrences:
        if occurrence.status_at(state.now) == "cancelled" and occurrence.start > source.starts:
            cancelled = vevent(occurrence.start.astimezone(site.zone), "CANCELLED")
            cancelled.add("recurrence-id", occurrence.start.astimezone(site.zone))
            cancelled.add("duration", source.length)
            events.append(cancelled)
    return events


def _one_off(moment: datetime, zone: tzinfo) -> datetime:
    """A one-off window's start or end: in the site's zone, or in UTC where that is unclear.

    A TZID time that happens twice (the hour repeated when the clocks go back) means the
    first of the two (RFC 5545, 3.3.5): the second one is written in UTC instead.
    """
    local = moment.astimezone(zone)
    if local.fold == 1 and local.replace(fold=0).utcoffset() != local.utcoffset():
        return moment.astimezone(UTC)
    return local


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
