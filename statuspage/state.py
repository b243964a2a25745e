"""Stage 3, state at a moment: compute_state(site, events, now) -> SiteState.

A pure function of the validated sources and `now` (SPEC "State at a moment"):
no clock, no files. Everything the site, the feeds and `statuspage status` show
is read off the SiteState it returns.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo
from functools import cached_property
from operator import attrgetter
from typing import Any, Literal, get_args

from statuspage.memo import Memo
from statuspage.model.models import (
    COMPONENT_STATUSES,
    IMPACTS,
    Component,
    ComponentStatus,
    Event,
    Impact,
    Incident,
    IncidentStatus,
    IncidentUpdate,
    Server,
    SiteConfig,
    Window,
    WindowStatus,
    WindowUpdate,
    server_key,
)
from statuspage.model.times import midnight, rule_series, wall_to_utc

Indicator = Literal["none", "minor", "major", "critical", "maintenance"]

#: How far ahead windows are listed as upcoming (SPEC "The site": next 14 days).
UPCOMING = timedelta(days=14)
#: How many next occurrences of a recurring window are listed on its page.
NEXT_OCCURRENCES = 5

ACTIVE_INCIDENT: frozenset[str] = frozenset({"investigating", "identified", "monitoring"})
ACTIVE_WINDOW: frozenset[str] = frozenset({"in_progress", "verifying"})
OUTAGE: frozenset[str] = frozenset({"partial_outage", "major_outage"})

# A list of components on an incident means this status for each (SPEC "Incident").
IMPACT_STATUS: dict[Impact, ComponentStatus] = {
    "none": "operational",
    "minor": "degraded_performance",
    "major": "partial_outage",
    "critical": "major_outage",
}
# An incident without `impact` takes it from the worst status it sets.
STATUS_IMPACT: dict[ComponentStatus, Impact] = {
    "operational": "none",
    "under_maintenance": "minor",
    "degraded_performance": "minor",
    "partial_outage": "major",
    "major_outage": "critical",
}
# Statuspage's own wording for the page's indicator (shared/statuspage-api.md §2.2).
INDICATOR_TEXT: dict[str, str] = {
    "none": "All Systems Operational",
    "degraded": "Partially Degraded Service",
    "minor": "Minor Service Outage",
    "major": "Partial System Outage",
    "critical": "Major Service Outage",
    "maintenance": "Service Under Maintenance",
}
INDICATORS: tuple[Indicator, ...] = get_args(Indicator)


def worst_status(statuses: Iterable[ComponentStatus]) -> ComponentStatus:
    """The worst of some component statuses; operational when there are none."""
    return max(statuses, key=COMPONENT_STATUSES.index, default="operational")


def repeat_numbers(keys: Iterable[Hashable]) -> list[int]:
    """For each key, how many equal keys came before it: 0, 0, 1 for (a, b, a).

    Two updates of one event may share their moment and status (a correction posted at
    once); ids made of those get this number too, where it is not 0, to stay distinct.
    """
    seen: dict[Hashable, int] = {}
    numbers = []
    for key in keys:
        numbers.append(seen.get(key, 0))
        seen[key] = numbers[-1] + 1
    return numbers


# --- the state objects --------------------------------------------------------------------


@dataclass(frozen=True)
class Segment:
    """A stretch of time in one status; None is an open end."""

    start: datetime | None
    end: datetime | None
    status: str

    def contains(self, moment: datetime) -> bool:
        return (self.start is None or self.start <= moment) and (
            self.end is None or moment < self.end
        )


@dataclass(frozen=True)
class Occurrence:
    """One concrete run of a window (the only one, or one of a repeat rule's)."""

    start: datetime
    end: datetime
    updates: tuple[WindowUpdate, ...]
    segments: tuple[Segment, ...]

    def status_at(self, moment: datetime) -> WindowStatus:
        return _status_at(self.segments, moment)  # type: ignore[return-value]

    def active_at(self, moment: datetime) -> bool:
        return self.status_at(moment) in ACTIVE_WINDOW


@dataclass(frozen=True)
class IncidentState:
    """An incident as it stands at `now`, with only the updates posted by then."""

    incident: Incident
    status: IncidentStatus
    impact: Impact
    effects: dict[str, ComponentStatus]
    updates: tuple[IncidentUpdate, ...]
    started_at: datetime
    resolved_at: datetime | None
    segments: tuple[Segment, ...]
    #: The incident's id, read once (lists and indexes ask for it often).
    id: str

    @property
    def active(self) -> bool:
        return self.status in ACTIVE_INCIDENT

    @property
    def latest(self) -> IncidentUpdate:
        return self.updates[-1]

    @property
    def next_update(self) -> datetime | None:
        """The next update the team promised, while the incident is open."""
        return self.latest.next_update if self.active else None

    def duration(self, now: datetime) -> timedelta:
        return (self.resolved_at or now) - self.started_at


@dataclass(frozen=True)
class WindowState:
    """A maintenance or backup window at `now`: its status and the occurrences that matter."""

    window: Window
    status: WindowStatus
    effects: dict[str, ComponentStatus]
    current: Occurrence | None
    occurrences: tuple[Occurrence, ...]
    upcoming: tuple[Occurrence, ...]
    next_occurrences: tuple[Occurrence, ...]
    updates: tuple[WindowUpdate, ...]
    #: The window's id, read once (lists and indexes ask for it often).
    id: str

    @property
    def active(self) -> bool:
        return self.status in ACTIVE_WINDOW

    @property
    def recurring(self) -> bool:
        return self.window.repeat is not None


@dataclass(frozen=True)
class DayStatus:
    """One bar of a component's uptime: the day's worst status and its share of uptime."""

    day: date
    status: ComponentStatus
    uptime: float
    outage: timedelta


@dataclass(frozen=True)
class ComponentState:
    component: Component
    status: ComponentStatus
    days: tuple[DayStatus, ...]
    uptime: float
    event_ids: tuple[str, ...]


@dataclass(frozen=True)
class Change:
    """A moment when the state changes by the clock alone."""

    at: datetime
    event_id: str
    title: str
    before: str
    after: str


@dataclass(frozen=True)
class UpcomingWindow:
    window: WindowState
    occurrence: Occurrence
    status: WindowStatus


@dataclass(frozen=True)
class ServerState:
    """One server at `now` (issue 16): the worst status of the active events that touch it,
    and when the next window that touches it starts or ends."""

    server: Server
    component: ComponentState
    status: ComponentStatus
    event_ids: tuple[str, ...]  # the active events that touch it
    next_change: datetime | None

    @property
    def name(self) -> str:
        return self.server.name


def rollup(servers: Iterable[ServerState]) -> ComponentStatus:
    """A region's status from its servers' (issue 16): operational when none is affected,
    their worst when every one is (all down: major outage), and when only some are, the
    worst of theirs but at most a partial outage."""
    statuses = [server.status for server in servers]
    affected = [status for status in statuses if status != "operational"]
    worst = worst_status(affected)
    if not affected or len(affected) == len(statuses):
        return worst
    return min(worst, "partial_outage", key=COMPONENT_STATUSES.index)


def touches(event: Incident | Window, component_id: str, server: str) -> bool:
    """Whether `event` concerns `server` of `component_id`: it names the component, and
    either names no servers (so it covers them all) or names this one."""
    return component_id in event.components and (not event.servers or server in event.servers)


@dataclass(frozen=True)
class SiteState:
    """Everything that is true of the site at `now`."""

    site: SiteConfig
    now: datetime
    indicator: Indicator
    description: str
    components: tuple[ComponentState, ...]
    incidents: tuple[IncidentState, ...]
    windows: tuple[WindowState, ...]
    upcoming: tuple[UpcomingWindow, ...]
    next_change: Change | None
    groups: tuple[tuple[str | None, tuple[ComponentState, ...]], ...] = field(default=())
    #: The events the state was computed from (for `ahead`).
    events: tuple[Event, ...] = field(default=(), repr=False, compare=False)

    @cached_property
    def ahead(self) -> Ahead:
        """The states at each moment the clock changes something in the next days (issue 12)."""
        return states_ahead(self.site, self.events, self.now)

    @cached_property
    def active_incidents(self) -> tuple[IncidentState, ...]:
        return tuple(incident for incident in self.incidents if incident.active)

    @cached_property
    def running_windows(self) -> tuple[WindowState, ...]:
        return tuple(window for window in self.windows if window.active)

    def component(self, component_id: str) -> ComponentState:
        return next(state for state in self.components if state.component.id == component_id)

    @cached_property
    def servers(self) -> tuple[ServerState, ...]:
        """Every server of every component, in the order statuspage.yaml lists them."""
        return tuple(
            self.server_state(server, component)
            for component in self.components
            for server in component.component.server_list
        )

    def server_state(self, server: Server, component: ComponentState) -> ServerState:
        """One server of `component` at `now`."""
        active, changes = self._by_component
        cid, name = component.component.id, server.name
        hits = [hit for hit in active.get(cid, ()) if touches(hit[0], cid, name)]
        return ServerState(
            server,
            component,
            worst_status(status for _, status, _ in hits if status is not None),
            tuple(key for _, _, key in hits),
            min(
                (at for event, at in changes.get(cid, ()) if touches(event, cid, name)),
                default=None,
            ),
        )

    @cached_property
    def _by_component(
        self,
    ) -> tuple[
        dict[str, list[tuple[Incident | Window, ComponentStatus | None, str]]],
        dict[str, list[tuple[Window, datetime]]],
    ]:
        """The active events and the windows' next changes, by the components they name:
        a server then looks at its own component's few, not at every event."""
        active: dict[str, list[tuple[Incident | Window, ComponentStatus | None, str]]]
        active = defaultdict(list)
        for incident in self.active_incidents:
            for cid in incident.incident.components:
                active[cid].append((incident.incident, incident.effects.get(cid), incident.id))
        for window in self.running_windows:
            for cid in window.window.components:
                active[cid].append((window.window, window.effects.get(cid), window.id))
        changes: dict[str, list[tuple[Window, datetime]]] = defaultdict(list)
        for window in self.windows:
            moments = [
                moment
                for occurrence in (window.current, *window.upcoming)
                if occurrence is not None
                for moment in (occurrence.start, occurrence.end)
                if moment > self.now
            ]
            if moments:
                for cid in window.effects:
                    changes[cid].append((window.window, min(moments)))
        return active, changes

    @cached_property
    def regions(self) -> tuple[tuple[str | None, tuple[ServerState, ...]], ...]:
        """The servers by region: the declared regions in order (those with servers), then
        the servers of no region (None)."""
        by_region: dict[str | None, list[ServerState]] = defaultdict(list)
        for server in self.servers:
            by_region[server.server.region].append(server)
        order = [*self.site.regions, None]
        return tuple((key, tuple(by_region[key])) for key in order if by_region.get(key))

    def find_server(self, text: str) -> ServerState | None:
        """The server named `text` by its name or an alias, as `server_key` reads both."""
        key = server_key(text)
        for state in self.servers:
            names = (state.server.name, *state.server.aliases)
            if any(server_key(name) == key for name in names):
                return state
        return None


# --- computing it -------------------------------------------------------------------------


def compute_state(
    site: SiteConfig, events: Sequence[Event], now: datetime, memo: Memo | None = None
) -> SiteState:
    """Compute the state of every event and component at `now` (aware).

    With a `memo` (serve's rebuilds), an event object seen in the last round keeps its
    state while `now` is still in the stretch of time in which that state holds.
    """
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    zone = site.zone
    history = timedelta(days=site.uptime_days + 1)
    event_state = _EventStates(now, zone, history, memo)
    incidents = sorted(
        (
            state
            for event in events
            if isinstance(event, Incident)
            if (state := event_state.incident(event))
        ),
        key=attrgetter("started_at", "id"),
        reverse=True,
    )
    windows = sorted(
        (event_state.window(event) for event in events if isinstance(event, Window)),
        key=_window_order,
    )
    components = _components(site, incidents, windows, now)
    indicator, description = _indicator(incidents, windows, components)
    return SiteState(
        site=site,
        now=now,
        indicator=indicator,
        description=description,
        components=components,
        incidents=tuple(incidents),
        windows=tuple(windows),
        upcoming=_upcoming(windows, now),
        next_change=_next_change(events, windows, now),
        groups=_groups(components),
        events=tuple(events),
    )


class _EventStates:
    """Each event's state at `now`, computed, or recalled from a memo while it still holds.

    An event's state changes only at some moments (its change points below): at each one
    a comparison with `now` turns. Between two of them it is the same, so a state kept
    with the stretch [since, until) it was computed in holds for any `now` inside it.
    """

    def __init__(self, now: datetime, zone: tzinfo, history: timedelta, memo: Memo | None):
        self._now, self._zone, self._history = now, zone, history
        self._memo = memo
        if memo is not None:
            memo.next_round()

    def incident(self, incident: Incident) -> IncidentState | None:
        kept = self._recall(incident, None)
        if kept is not _NOT_KEPT:
            return kept  # type: ignore[no-any-return]
        state = _incident(incident, self._now)
        self._keep(incident, None, state, [update.at for update in incident.updates])
        return state

    def window(self, window: Window) -> WindowState:
        setting = (self._zone, self._history)
        kept = self._recall(window, setting)
        if kept is not _NOT_KEPT:
            return kept  # type: ignore[no-any-return]
        state = _window(window, self._now, self._zone, self._history)
        points = None
        if window.repeat is None and state.current is not None:
            # The one occurrence: its segments; the updates shown; upcoming from 14 days
            # before its start; future until it starts.
            start = state.current.start
            points = [segment.start for segment in state.current.segments if segment.start]
            points += [update.at for update in window.updates]
            points += [start - UPCOMING, start]
        self._keep(window, setting, state, points)  # a repeating one: for this `now` only
        return state

    def _recall(self, event: object, setting: object) -> Any:
        """The state kept for `event` if it holds at `now` (it may be None), else _NOT_KEPT."""
        if self._memo is None:
            return _NOT_KEPT
        kept = self._memo.recall(event)
        if kept is None:
            return _NOT_KEPT
        state, kept_setting, since, until = kept
        if kept_setting != setting or not (since <= self._now < until):
            return _NOT_KEPT
        self._memo.keep(event, kept)
        return state

    def _keep(
        self, event: object, setting: object, state: object, points: list[datetime] | None
    ) -> None:
        if self._memo is None:
            return
        now = self._now
        if points is None:
            since, until = now, now + timedelta(microseconds=1)
        else:
            since = max((point for point in points if point <= now), default=_DAWN)
            until = min((point for point in points if point > now), default=_DUSK)
        self._memo.keep(event, (state, setting, since, until))


_NOT_KEPT = object()
_DAWN = datetime.min.replace(tzinfo=UTC)
_DUSK = datetime.max.replace(tzinfo=UTC)


def _status_at(segments: Sequence[Segment], moment: datetime) -> str:
    for segment in segments:
        if segment.contains(moment):
            return segment.status
    raise AssertionError("segments cover all time")


def _segments(
    breakpoints: Iterable[datetime], status_at: Callable[[datetime], str]
) -> tuple[Segment, ...]:
    """Cut time at the breakpoints (at least one) and merge neighbours with the same status."""
    points = sorted(set(breakpoints))
    before = status_at(points[0] - timedelta(microseconds=1))
    return _steps([(point, status_at(point)) for point in points], before)


def _steps(steps: Sequence[tuple[datetime, str]], before: str) -> tuple[Segment, ...]:
    """Segments from the status at each breakpoint (ascending, distinct), merged."""
    segments = [Segment(None, steps[0][0], before)]
    for index, (point, status) in enumerate(steps):
        end = steps[index + 1][0] if index + 1 < len(steps) else None
        last = segments[-1]
        if status == last.status:
            segments[-1] = Segment(last.start, end, status)
        else:
            segments.append(Segment(point, end, status))
    return tuple(segments)


# --- incidents ----------------------------------------------------------------------------


def incident_impact(incident: Incident) -> Impact:
    """The incident's impact, or the one its component statuses imply."""
    if incident.impact is not None:
        return incident.impact
    if isinstance(incident.components, dict):
        statuses = incident.components.values()
        return max((STATUS_IMPACT[s] for s in statuses), key=IMPACTS.index, default="none")
    return "minor"


def _effects(
    components: list[str] | dict[str, ComponentStatus], default: ComponentStatus | None
) -> dict[str, ComponentStatus]:
    if isinstance(components, dict):
        return dict(components)
    if default is None:
        return {}
    return dict.fromkeys(components, default)


def _incident(incident: Incident, now: datetime) -> IncidentState | None:
    visible = tuple(update for update in incident.updates if update.at <= now)
    if not visible:
        return None  # it has not started yet at `now`
    impact = incident_impact(incident)
    # The updates are in time order (validate.py): at each moment, the last one posted then.
    posted = {update.at: update.status for update in visible}
    segments = _steps(list(posted.items()), "")  # "": not started yet
    status: IncidentStatus = visible[-1].status
    return IncidentState(
        incident=incident,
        status=status,
        impact=impact,
        effects=_effects(incident.components, IMPACT_STATUS[impact]),
        updates=visible,
        started_at=visible[0].at,
        resolved_at=visible[-1].at if status == "resolved" else None,
        segments=segments,
        id=incident.id,
    )


# --- windows ------------------------------------------------------------------------------


def window_effects(window: Window) -> dict[str, ComponentStatus]:
    """The component statuses a window sets while it runs (none for a backup's plain list)."""
    return _effects(
        window.components, "under_maintenance" if window.type == "maintenance" else None
    )


def _window(window: Window, now: datetime, zone: tzinfo, history: timedelta) -> WindowState:
    starts = list(_occurrence_starts(window, now, zone, history))
    occurrences = _assign_updates(window, starts)
    current = next((occ for occ in occurrences if occ.active_at(now)), None)
    future = [occ for occ in occurrences if occ.start > now]
    if current is not None:
        status = current.status_at(now)
    elif window.repeat is None:
        current = occurrences[0]
        status = current.status_at(now)
    else:
        scheduled = [occ for occ in future if occ.status_at(now) == "scheduled"]
        current = scheduled[0] if scheduled else (occurrences[-1] if occurrences else None)
        status = "scheduled" if scheduled else "completed"
    return WindowState(
        window=window,
        status=status,
        effects=window_effects(window),
        current=current,
        occurrences=tuple(occurrences),
        upcoming=tuple(occ for occ in future if occ.start <= now + UPCOMING),
        next_occurrences=tuple(future[:NEXT_OCCURRENCES]),
        updates=tuple(update for update in window.updates if update.at <= now),
        id=window.id,
    )


def _occurrence_starts(
    window: Window, now: datetime, zone: tzinfo, history: timedelta
) -> Iterator[datetime]:
    """The starts that matter at `now`: recent past, next weeks, next few, and near updates.

    The rule is expanded on the wall clock once and kept (`rule_series`), as a build asks
    about it at many moments; each question expands at most MAX_STARTS starts (issue 25).
    """
    if window.repeat is None:
        yield window.starts
        return
    series = rule_series(window.repeat, window.starts, zone)

    def wall(moment: datetime) -> datetime:
        return moment.astimezone(zone).replace(tzinfo=None)

    since = now - history - window.length
    found: set[datetime] = set(series.between(wall(since), wall(now + UPCOMING)))
    found.update(series.after(wall(now), NEXT_OCCURRENCES))
    for update in window.updates:
        previous = series.before(wall(update.at))
        if previous is not None:
            found.add(previous)
        found.update(series.after(wall(update.at)))
    for start in sorted(found):
        yield wall_to_utc(start, zone)


def _assign_updates(window: Window, starts: list[datetime]) -> list[Occurrence]:
    """Give each update to the occurrence it speaks of, then build each occurrence's timeline."""
    owned: dict[datetime, list[WindowUpdate]] = {start: [] for start in starts}
    if len(starts) == 1:
        owned[starts[0]] = list(window.updates)
    else:
        for update in window.updates:
            owner = _owner(update, starts, owned, window.length)
            if owner is not None:
                owned[owner].append(update)
    return [_occurrence(start, start + window.length, tuple(owned[start])) for start in starts]


def _owner(
    update: WindowUpdate,
    starts: list[datetime],
    owned: dict[datetime, list[WindowUpdate]],
    length: timedelta,
) -> datetime | None:
    """The occurrence an update of a repeating window speaks of.

    `completed` and `verifying` close the one that started last; anything posted while
    one runs (by the clock or by an override) is about it; `in_progress` after an end
    is an overrun of the nearer one; `cancelled` and `scheduled` look ahead.
    """
    earlier = [start for start in starts if start <= update.at]
    later = [start for start in starts if start > update.at]
    previous, following = (earlier[-1] if earlier else None), (later[0] if later else None)
    if previous is None or following is None:
        return previous or following
    if update.status in ("completed", "verifying") or update.at < previous + length:
        return previous
    so_far = _occurrence(previous, previous + length, tuple(owned[previous]))
    if so_far.active_at(update.at):
        return previous
    if update.status == "in_progress" and update.at - (previous + length) < following - update.at:
        return previous  # still running past its planned end
    return following


def _occurrence(start: datetime, end: datetime, updates: tuple[WindowUpdate, ...]) -> Occurrence:
    overrides = [update for update in updates if update.status != "scheduled"]

    def status_at(moment: datetime) -> str:
        latest = None
        for update in overrides:
            if update.at > moment:
                break
            latest = update
        if latest is not None:
            return latest.status
        if moment < start:
            return "scheduled"
        return "in_progress" if moment < end else "completed"

    points = [start, end, *(update.at for update in overrides)]
    return Occurrence(start, end, updates, _segments(points, status_at))


def _window_order(state: WindowState) -> tuple[datetime, str]:
    anchor = state.current.start if state.current else state.window.starts
    return (anchor, state.id)


def _upcoming(windows: Sequence[WindowState], now: datetime) -> tuple[UpcomingWindow, ...]:
    found = [
        UpcomingWindow(state, occurrence, occurrence.status_at(now))
        for state in windows
        for occurrence in state.upcoming
    ]
    return tuple(sorted(found, key=lambda item: (item.occurrence.start, item.window.id)))


# --- components, uptime and the page's indicator ----------------------------------------


def _components(
    site: SiteConfig,
    incidents: Sequence[IncidentState],
    windows: Sequence[WindowState],
    now: datetime,
) -> tuple[ComponentState, ...]:
    zone = site.zone
    today = now.astimezone(zone).date()
    days = [today - timedelta(days=back) for back in range(site.uptime_days - 1, -1, -1)]
    period_start = midnight(days[0], zone)
    intervals = _intervals(incidents, windows, period_start, now)
    involved: dict[str, list[str]] = {component.id: [] for component in site.components}
    for incident in incidents:
        for component_id in incident.effects:
            involved.setdefault(component_id, []).append(incident.id)
    for window in windows:
        for component_id in window.window.components:
            involved.setdefault(component_id, []).append(window.id)
    # What the active events give each component, gathered in one pass over them.
    given: dict[str, list[ComponentStatus]] = defaultdict(list)
    effects = [i.effects for i in incidents if i.active] + [w.effects for w in windows if w.active]
    for effect in effects:
        for component_id, status in effect.items():
            given[component_id].append(status)
    # Each day's bounds and the time elapsed in all of them: the same for every component.
    bounds = [(day, *_day_bounds(day, zone)) for day in days]
    elapsed = sum(
        (max(min(end, now) - start, timedelta()) for _, start, end in bounds), timedelta()
    )
    starts = [start for _, start, _ in bounds]
    states = []
    for component in site.components:
        now_status = worst_status(given.get(component.id, ()))
        # Each interval goes to the days it may touch (from the one it starts in), so that
        # a day looks at its own few, not at all of them.
        per_day: list[list[Interval]] = [[] for _ in bounds]
        for interval in intervals.get(component.id, ()):
            index = max(bisect_right(starts, interval[0]) - 1, 0)
            while index < len(starts) and starts[index] < interval[1]:
                per_day[index].append(interval)
                index += 1
        bars = tuple(
            _day(day, start, end, now, per_day[index])
            for index, (day, start, end) in enumerate(bounds)
        )
        outage = sum((bar.outage for bar in bars), timedelta())
        uptime = 1.0 - outage / elapsed if elapsed else 1.0
        states.append(
            ComponentState(component, now_status, bars, uptime, tuple(involved[component.id]))
        )
    return tuple(states)


Interval = tuple[datetime, datetime, ComponentStatus]


def _intervals(
    incidents: Sequence[IncidentState],
    windows: Sequence[WindowState],
    since: datetime,
    now: datetime,
) -> dict[str, list[Interval]]:
    """Per component, each stretch of time (up to `now`) in which an event set its status."""
    found: dict[str, list[Interval]] = {}

    def add(
        segments: Iterable[Segment], active: frozenset[str], effects: dict[str, ComponentStatus]
    ) -> None:
        for segment in segments:
            if segment.status not in active or segment.start is None:
                continue
            start, end = max(segment.start, since), min(segment.end or now, now)
            if start < end:
                for component_id, status in effects.items():
                    found.setdefault(component_id, []).append((start, end, status))

    for incident in incidents:
        if incident.resolved_at is None or incident.resolved_at > since:
            add(incident.segments, ACTIVE_INCIDENT, incident.effects)
    for window in windows:
        for occurrence in window.occurrences:
            add(occurrence.segments, ACTIVE_WINDOW, window.effects)
    return found


def _day_bounds(day: date, zone: tzinfo) -> tuple[datetime, datetime]:
    return midnight(day, zone), midnight(day + timedelta(days=1), zone)


def _day(
    day: date, start: datetime, end: datetime, now: datetime, intervals: Sequence[Interval]
) -> DayStatus:
    end = min(end, now)
    overlapping = [
        (max(a, start), min(b, end), status) for a, b, status in intervals if a < end and b > start
    ]
    outage = _union_length([(a, b) for a, b, status in overlapping if status in OUTAGE])
    elapsed = max(end - start, timedelta())
    uptime = 1.0 - outage / elapsed if elapsed else 1.0
    return DayStatus(day, worst_status(status for _, _, status in overlapping), uptime, outage)


def _union_length(spans: list[tuple[datetime, datetime]]) -> timedelta:
    total = timedelta()
    reach: datetime | None = None
    for start, end in sorted(spans):
        if reach is None or start > reach:
            total += end - start
            reach = end
        elif end > reach:
            total += end - reach
            reach = end
    return total


def _indicator(
    incidents: Sequence[IncidentState],
    windows: Sequence[WindowState],
    components: Sequence[ComponentState],
) -> tuple[Indicator, str]:
    """Statuspage's rule: the worst open incident's impact, else maintenance if any runs."""
    impact: Impact = max(
        (incident.impact for incident in incidents if incident.active),
        key=IMPACTS.index,
        default="none",
    )
    if impact != "none":
        indicator: Indicator = impact
        if impact == "minor" and all(
            state.status in ("operational", "degraded_performance", "under_maintenance")
            for state in components
        ):
            return indicator, INDICATOR_TEXT["degraded"]
        return indicator, INDICATOR_TEXT[impact]
    if any(window.active and window.effects for window in windows):
        return "maintenance", INDICATOR_TEXT["maintenance"]
    return "none", INDICATOR_TEXT["none"]


def _groups(
    components: Sequence[ComponentState],
) -> tuple[tuple[str | None, tuple[ComponentState, ...]], ...]:
    """Components by group, each group where its first component is; ungrouped ones stay put."""
    order: list[tuple[str | None, list[ComponentState]]] = []
    named: dict[str, list[ComponentState]] = {}
    for state in components:
        group = state.component.group
        if group is None:
            if not order or order[-1][0] is not None:
                order.append((None, []))
            order[-1][1].append(state)
        elif group in named:
            named[group].append(state)
        else:
            named[group] = [state]
            order.append((group, named[group]))
    return tuple((name, tuple(members)) for name, members in order)


# --- when the state next changes by the clock ----------------------------------------------


def _next_change(
    events: Sequence[Event], windows: Sequence[WindowState], now: datetime
) -> Change | None:
    candidates: list[Change] = []
    for event in events:
        # Most incidents are over: their last update (they are in time order) is not after now.
        if isinstance(event, Incident) and event.updates and event.updates[-1].at > now:
            upcoming = [update for update in event.updates if update.at > now]
            if upcoming:
                update = upcoming[0]
                before = next(
                    (u.status for u in reversed(event.updates) if u.at <= now), "not started"
                )
                candidates.append(Change(update.at, event.id, event.title, before, update.status))
    for window in windows:
        for occurrence in window.occurrences:
            for earlier, later in zip(occurrence.segments, occurrence.segments[1:], strict=False):
                if later.start is not None and later.start > now:
                    candidates.append(
                        Change(
                            later.start,
                            window.window.id,
                            window.window.title,
                            earlier.status,
                            later.status,
                        )
                    )
                    break
    return min(candidates, key=lambda change: (change.at, change.event_id), default=None)


# --- what the clock changes ahead (issue 12) --------------------------------------------------


def is_stale(built: datetime, state: SiteState) -> bool:
    """Whether a site built at `built` reads as stale at the state's `now` (`stale_after`)."""
    return state.now > built + state.site.stale_after


#: How far ahead the optional script can follow the clock without a new build.
AHEAD = UPCOMING
#: At most this many moments are embedded; past the last one the page says it is stale.
MAX_AHEAD = 96


@dataclass(frozen=True)
class Ahead:
    """The state at each moment in (now, until] at which the clock alone changes the page.

    Between two moments nothing that time decides changes, so the optional script only
    picks the last moment it has passed. Only the events whose state changes in that
    stretch, or that are active at `now`, are in these states: the others give no
    component a status and stay as they are.
    """

    until: datetime
    states: tuple[SiteState, ...]
    changing: frozenset[str]


def states_ahead(site: SiteConfig, events: Sequence[Event], now: datetime) -> Ahead:
    """The states at every change by the clock in the next AHEAD (at most MAX_AHEAD of them)."""
    until = now + AHEAD
    zone = site.zone
    moments: set[datetime] = set()
    involved: list[Event] = []
    for event in events:
        points, active = _clock_points(event, now, until, zone)
        if points or active:
            involved.append(event)
            moments.update(points)
    ordered = sorted(moments)
    if len(ordered) > MAX_AHEAD:
        ordered = ordered[:MAX_AHEAD]
        until = ordered[-1]
    # The bars are not followed by the clock: one day of them is enough here.
    small = site.model_copy(update={"uptime_days": 1})
    states = tuple(compute_state(small, involved, moment) for moment in ordered)
    return Ahead(until, states, frozenset(event.id for event in involved))


def _clock_points(
    event: Event, now: datetime, until: datetime, zone: tzinfo
) -> tuple[list[datetime], bool]:
    """The moments in (now, until] at which `event`'s state changes, and if it is active now."""

    def inside(moment: datetime) -> bool:
        return now < moment <= until

    if isinstance(event, Incident):
        points = [update.at for update in event.updates if inside(update.at)]
        points += [u.next_update for u in event.updates if u.next_update and inside(u.next_update)]
        visible = [update for update in event.updates if update.at <= now]
        active = bool(visible) and visible[-1].status in ACTIVE_INCIDENT
        return points, active
    window = event
    assert isinstance(window, Window)
    if window.repeat is None:
        moments = [window.starts, window.starts + window.length]
        moments += [update.at for update in window.updates]
        if max(moments) <= now or window.starts - UPCOMING > until:
            # Over by the clock and by every update (or still far off): only an override
            # that left it running keeps it active.
            latest = [update for update in window.updates if update.at <= now]
            running = bool(latest) and latest[-1].status in ACTIVE_WINDOW
            return [], running and max(moments) <= now
    # Occurrences from now to two weeks past `until` (the upcoming list then reaches there).
    state = _window(window, until, zone, until - now + window.length)
    points = [update.at for update in window.updates if inside(update.at)]
    for occurrence in state.occurrences:
        points += [
            start for segment in occurrence.segments if (start := segment.start) and inside(start)
        ]
        if inside(occurrence.start - UPCOMING):
            points.append(occurrence.start - UPCOMING)
    active = any(occurrence.active_at(now) for occurrence in state.occurrences)
    return points, active
