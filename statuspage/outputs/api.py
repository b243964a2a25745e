"""Stage 4d, API: the public Atlassian Statuspage v2 JSON API, from the state, in memory.

`render_api(state)` returns the eight files of SPEC "The site" ({relative path: bytes})
in the shapes of shared/statuspage-api.md: the endpoints and what each selects (§1),
every field of every object, `null` where unknown (§2), in the key order of its
example (§3), with Statuspage's exact enum strings and wording (§0.7, §2.2). All eight
come from one model, so they always agree.

Ids are stable across builds and across `now` (§0.4): 12 lowercase base-36 characters
hashed from a stable key (the page's base_url, a component's id, a group's name, an
event's id, an occurrence's event id and start, an update's event id, time and status).
Timestamps are UTC with milliseconds (§0.5). Nothing here reads the clock: every
`updated_at` is the latest change at or before `state.now`.
"""

from __future__ import annotations

import hashlib
import json
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Literal, NotRequired, TypedDict

from statuspage.model.models import COMPONENT_STATUSES, ComponentStatus, Impact
from statuspage.outputs.urls import API_ROOT as API_ROOT  # where the files go, for build.py
from statuspage.outputs.urls import HOME, Urls
from statuspage.state import (
    ACTIVE_INCIDENT,
    ACTIVE_WINDOW,
    ComponentState,
    IncidentState,
    Occurrence,
    Segment,
    SiteState,
    WindowState,
    repeat_numbers,
    worst_status,
)

#: The list endpoints hold the 50 most recent items (§1).
LIST_LIMIT = 50
ID_LENGTH = 12
ID_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz"
#: Just before a moment, to read the status a change at that moment replaced.
TICK = timedelta(microseconds=1)

ApiIncidentStatus = Literal["investigating", "identified", "monitoring", "resolved", "postmortem"]
ApiWindowStatus = Literal["scheduled", "in_progress", "verifying", "completed"]
ApiIndicator = Literal["none", "minor", "major", "critical", "maintenance"]

# Statuspage's enum has no `cancelled` (§2.6): a cancelled window is over, so `completed`.
WINDOW_STATUS: dict[str, ApiWindowStatus] = {
    "scheduled": "scheduled",
    "in_progress": "in_progress",
    "verifying": "verifying",
    "completed": "completed",
    "cancelled": "completed",
}
SUMMARY_WINDOWS: frozenset[str] = frozenset({"scheduled", "in_progress", "verifying"})
# A window that starts or ends by the clock gets the update Statuspage posts on its own.
AUTO_BODY: dict[str, str] = {
    "in_progress": "Scheduled maintenance is currently in progress. "
    "We will provide updates as necessary.",
    "completed": "The scheduled maintenance has been completed.",
}


# --- the shapes (shared/statuspage-api.md §2) ------------------------------------------------


class PageJSON(TypedDict):
    id: str
    name: str
    url: str
    time_zone: str
    updated_at: str


class StatusJSON(TypedDict):
    indicator: ApiIndicator
    description: str


class ComponentJSON(TypedDict):
    id: str
    name: str
    status: ComponentStatus
    created_at: str
    updated_at: str
    position: int
    description: str | None
    showcase: bool
    start_date: str | None
    group_id: str | None
    page_id: str
    group: bool
    only_show_if_degraded: bool
    components: NotRequired[list[str]]  # groups only (§2.3)


class AffectedJSON(TypedDict):
    code: str
    name: str
    old_status: ComponentStatus
    new_status: ComponentStatus


class UpdateJSON(TypedDict):
    id: str
    status: ApiIncidentStatus | ApiWindowStatus
    body: str
    incident_id: str
    created_at: str
    updated_at: str
    display_at: str
    affected_components: list[AffectedJSON] | None
    deliver_notifications: bool
    custom_tweet: str | None
    tweet_id: str | None


class IncidentJSON(TypedDict):
    id: str
    name: str
    status: ApiIncidentStatus
    created_at: str
    updated_at: str
    monitoring_at: str | None
    resolved_at: str | None
    impact: Impact
    shortlink: str
    started_at: str
    page_id: str
    incident_updates: list[UpdateJSON]
    components: list[ComponentJSON]
    reminder_intervals: str | None


class MaintenanceJSON(TypedDict):
    id: str
    name: str
    status: ApiWindowStatus
    created_at: str
    updated_at: str
    monitoring_at: str | None
    resolved_at: str | None
    impact: Literal["maintenance"]
    shortlink: str
    started_at: str
    page_id: str
    incident_updates: list[UpdateJSON]
    components: list[ComponentJSON]
    scheduled_for: str
    scheduled_until: str


# --- ids and times ------------------------------------------------------------------------------


def make_id(kind: str, *parts: str) -> str:
    """A 12-character lowercase base-36 id hashed from a kind and stable key parts."""
    digest = hashlib.sha256("\n".join((kind, *parts)).encode("utf-8")).digest()
    number = int.from_bytes(digest[:8], "big") % len(ID_ALPHABET) ** ID_LENGTH
    digits = []
    for _ in range(ID_LENGTH):
        number, digit = divmod(number, len(ID_ALPHABET))
        digits.append(ID_ALPHABET[digit])
    return "".join(reversed(digits))


def timestamp(moment: datetime) -> str:
    """'2026-11-23T09:47:12.000Z': UTC with milliseconds (§0.5)."""
    utc = moment.astimezone(UTC)
    return f"{utc:%Y-%m-%dT%H:%M:%S}.{utc.microsecond // 1000:03d}Z"


def _maybe(moment: datetime | None) -> str | None:
    return None if moment is None else timestamp(moment)


def _segment_at(segments: Sequence[Segment], moment: datetime) -> Segment:
    return next(segment for segment in segments if segment.contains(moment))


# --- when things changed -------------------------------------------------------------------------

# A stretch in which an event gives a component a status: [start, end), None is open-ended.
Stretch = tuple[datetime, datetime | None, ComponentStatus]


class Timeline:
    """Each component's status at any moment, from the events' timelines in the state.

    Swept once into the moments the status changes, so each question is a bisection:
    a daily window over a year of history is thousands of occurrences.
    """

    def __init__(self, state: SiteState) -> None:
        stretches: dict[str, list[Stretch]] = {}
        for incident in state.incidents:
            _collect(stretches, incident.segments, ACTIVE_INCIDENT, incident.effects)
        for window in state.windows:
            for occurrence in window.occurrences:
                _collect(stretches, occurrence.segments, ACTIVE_WINDOW, window.effects)
        self._changes = {key: _sweep(items) for key, items in stretches.items()}

    def status_at(self, component_id: str, moment: datetime) -> ComponentStatus:
        """The worst status the events active at `moment` give the component (SPEC)."""
        moments, statuses = self._changes.get(component_id, ([], []))
        index = bisect_right(moments, moment)
        return statuses[index - 1] if index else "operational"

    def last_change(self, component_id: str, now: datetime) -> datetime | None:
        """The latest moment at or before `now` when the component's status changed."""
        moments, _ = self._changes.get(component_id, ([], []))
        index = bisect_right(moments, now)
        return moments[index - 1] if index else None


def _collect(
    stretches: dict[str, list[Stretch]],
    segments: Iterable[Segment],
    active: frozenset[str],
    effects: dict[str, ComponentStatus],
) -> None:
    for segment in segments:
        if segment.status in active and segment.start is not None:
            for component_id, status in effects.items():
                stretches.setdefault(component_id, []).append((segment.start, segment.end, status))


def _sweep(stretches: Iterable[Stretch]) -> tuple[list[datetime], list[ComponentStatus]]:
    """The moments the worst status among the stretches changes, and the status from then on."""
    # Statuses by rank, best to worst: counts[rank] is how many stretches are in that status.
    rank = {status: index for index, status in enumerate(COMPONENT_STATUSES)}
    deltas: dict[datetime, list[tuple[int, int]]] = defaultdict(list)
    for start, end, status in stretches:
        deltas[start].append((rank[status], 1))
        if end is not None:
            deltas[end].append((rank[status], -1))
    counts = [0] * len(COMPONENT_STATUSES)
    worst_first = range(len(COMPONENT_STATUSES) - 1, -1, -1)
    moments: list[datetime] = []
    statuses: list[ComponentStatus] = []
    previous: ComponentStatus = "operational"
    for moment in sorted(deltas):
        for index, change in deltas[moment]:
            counts[index] += change
        worst = next((index for index in worst_first if counts[index] > 0), 0)
        status = COMPONENT_STATUSES[worst]  # operational when none is in any
        if status != previous:
            moments.append(moment)
            statuses.append(status)
            previous = status
    return moments, statuses


def _page_changes(state: SiteState) -> Iterator[datetime]:
    """Every moment something on the page changed: updates and windows opening or closing."""
    for incident in state.incidents:
        yield from (update.at for update in incident.updates)
    for window in state.windows:
        yield from (update.at for update in window.updates)
        for occurrence in window.occurrences:
            yield from (segment.start for segment in occurrence.segments if segment.start)


def _epoch(state: SiteState) -> datetime:
    """The earliest moment the sources know of: the components' `created_at`."""
    return min(
        [
            state.now,
            *(incident.started_at for incident in state.incidents),
            *(window.window.starts for window in state.windows),
            *(update.at for window in state.windows for update in window.updates),
        ]
    )


# --- the model -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Context:
    state: SiteState
    page_id: str
    epoch: datetime
    timeline: Timeline
    urls: Urls
    #: Leaf component rows, and their names with the group's, by component id.
    leaves: dict[str, ComponentJSON] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class _Post:
    """An update as the API shows it: posted in the sources, or by the clock."""

    at: datetime
    status: ApiIncidentStatus | ApiWindowStatus
    body: str


def render_api(state: SiteState) -> dict[str, bytes]:
    """Render the eight Statuspage v2 files for `state`: {relative path: bytes}."""
    return {API_ROOT + name: _dump(document) for name, document in api_documents(state).items()}


def api_documents(state: SiteState) -> dict[str, dict[str, object]]:
    """The eight documents of shared/statuspage-api.md §1, keyed by path under api/v2/."""
    page_id, urls = make_id("page", state.site.base_url), Urls.of(state.site)
    context = _Context(state, page_id, _epoch(state), Timeline(state), urls)
    page = _page(context)
    components = _components(context)
    context = replace(context, leaves=_leaves(state, components), names=_names(state))
    # Only the latest incidents are listed, and the open ones summarised: the rest of a long
    # history is never written out (its status is the state's; "postmortem" is a resolved one).
    ranked = _by_start(state.incidents)
    shown = {
        index: _incident(context, item)
        for index, item in enumerate(ranked)
        if index < LIST_LIMIT or item.status in ACTIVE_INCIDENT
    }
    incidents = [shown[index] for index in range(min(LIST_LIMIT, len(ranked)))]
    windows = [_maintenance(context, *item) for item in _planned(state)]
    status: StatusJSON = {"indicator": state.indicator, "description": state.description}
    unresolved = [
        shown[index] for index, item in enumerate(ranked) if item.status in ACTIVE_INCIDENT
    ]
    current = [item for item in windows if item["status"] in SUMMARY_WINDOWS]
    return {
        "summary.json": {
            "page": page,
            "components": components,
            "incidents": unresolved,
            "scheduled_maintenances": current,
            "status": status,
        },
        "status.json": {"page": page, "status": status},
        "components.json": {"page": page, "components": components},
        "incidents.json": {"page": page, "incidents": incidents[:LIST_LIMIT]},
        "incidents/unresolved.json": {"page": page, "incidents": unresolved},
        "scheduled-maintenances.json": {
            "page": page,
            "scheduled_maintenances": windows[:LIST_LIMIT],
        },
        "scheduled-maintenances/upcoming.json": {
            "page": page,
            "scheduled_maintenances": [item for item in windows if item["status"] == "scheduled"],
        },
        "scheduled-maintenances/active.json": {
            "page": page,
            "scheduled_maintenances": [item for item in windows if item["status"] in ACTIVE_WINDOW],
        },
    }


def _dump(document: dict[str, object]) -> bytes:
    # Key order is the examples' (§3), so no sort_keys; every list is sorted by its builder.
    text = json.dumps(document, indent=2, ensure_ascii=False, sort_keys=False)
    return (text + "\n").encode("utf-8")


def _page(context: _Context) -> PageJSON:
    state = context.state
    changed = [moment for moment in _page_changes(state) if moment <= state.now]
    return {
        "id": context.page_id,
        "name": state.site.title,
        "url": context.urls.page_url(HOME).rstrip("/"),  # Statuspage's page URLs have no slash
        "time_zone": state.site.timezone,
        "updated_at": timestamp(max(changed, default=context.epoch)),
    }


# --- components (§2.3) ---------------------------------------------------------------------------


def _layout(states: Iterable[ComponentState]) -> list[tuple[str | None, list[ComponentState]]]:
    """Top-level rows in config order: a group at its first member, or one ungrouped component."""
    rows: list[tuple[str | None, list[ComponentState]]] = []
    groups: dict[str, list[ComponentState]] = {}
    for state in states:
        name = state.component.group
        if name is None:
            rows.append((None, [state]))
        elif name in groups:
            groups[name].append(state)
        else:
            groups[name] = [state]
            rows.append((name, groups[name]))
    return rows


def _components(context: _Context) -> list[ComponentJSON]:
    """All rows, each group followed by its children; positions count among siblings."""
    rows: list[ComponentJSON] = []
    for position, (group, members) in enumerate(_layout(context.state.components), start=1):
        if group is None:
            rows.append(_leaf(context, members[0], position, None))
            continue
        group_id = make_id("group", group)
        children = [
            _leaf(context, member, index, group_id) for index, member in enumerate(members, 1)
        ]
        rows.append(_group(context, group, children, position))
        rows.extend(children)
    return rows


def _leaf(
    context: _Context, state: ComponentState, position: int, group_id: str | None
) -> ComponentJSON:
    component = state.component
    changed = context.timeline.last_change(component.id, context.state.now)
    return {
        "id": make_id("component", component.id),
        "name": component.name,
        "status": state.status,
        "created_at": timestamp(context.epoch),
        "updated_at": timestamp(max(changed or context.epoch, context.epoch)),
        "position": position,
        "description": component.description,
        "showcase": True,  # its uptime bars are shown
        "start_date": None,
        "group_id": group_id,
        "page_id": context.page_id,
        "group": False,
        "only_show_if_degraded": False,
    }


def _group(
    context: _Context, name: str, children: list[ComponentJSON], position: int
) -> ComponentJSON:
    return {
        "id": make_id("group", name),
        "name": name,
        "status": worst_status(child["status"] for child in children),
        "created_at": timestamp(context.epoch),
        "updated_at": max(child["updated_at"] for child in children),
        "position": position,
        "description": None,
        "showcase": False,
        "start_date": None,
        "group_id": None,
        "page_id": context.page_id,
        "group": True,
        "only_show_if_degraded": False,
        "components": [child["id"] for child in children],
    }


def _leaves(state: SiteState, rows: Iterable[ComponentJSON]) -> dict[str, ComponentJSON]:
    by_id = {row["id"]: row for row in rows}
    return {
        component_id: by_id[make_id("component", component_id)]
        for component_id in state.site.component_ids
    }


def _names(state: SiteState) -> dict[str, str]:
    """'Hosting - Shared web hosting': a grouped component is named with its group (§2.5)."""
    return {
        item.component.id: " - ".join(filter(None, (item.component.group, item.component.name)))
        for item in state.components
    }


def _attached(context: _Context, component_ids: Iterable[str]) -> list[ComponentJSON]:
    """The full rows of an event's components, in config order."""
    wanted = set(component_ids)
    return [row for component_id, row in context.leaves.items() if component_id in wanted]


# --- updates (§2.5) --------------------------------------------------------------------------


def _updates(
    context: _Context,
    parent_id: str,
    event_id: str,
    posts: Sequence[_Post],
    components: Iterable[str],
) -> list[UpdateJSON]:
    """The updates newest first; of two at one moment, the one written later first."""
    component_ids = set(components)
    order = sorted(range(len(posts)), key=lambda index: (posts[index].at, index), reverse=True)
    repeats = repeat_numbers((post.at, post.status) for post in posts)
    return [
        _update(context, parent_id, event_id, posts[index], repeats[index], component_ids)
        for index in order
    ]


def _update(
    context: _Context,
    parent_id: str,
    event_id: str,
    post: _Post,
    repeat: int,
    component_ids: set[str],
) -> UpdateJSON:
    at = timestamp(post.at)
    repeated = (str(repeat),) if repeat else ()  # ids of updates without repeats stay as they were
    return {
        "id": make_id("update", event_id, at, post.status, *repeated),
        "status": post.status,
        "body": post.body,
        "incident_id": parent_id,
        "created_at": at,
        "updated_at": at,
        "display_at": at,
        "affected_components": _affected(context, component_ids, post.at),
        "deliver_notifications": True,
        "custom_tweet": None,
        "tweet_id": None,
    }


def _affected(
    context: _Context, component_ids: set[str], at: datetime
) -> list[AffectedJSON] | None:
    """The event's components whose status changed at `at`; null when none did (§2.5)."""
    found: list[AffectedJSON] = []
    for component_id, row in context.leaves.items():
        if component_id not in component_ids:
            continue
        old = context.timeline.status_at(component_id, at - TICK)
        new = context.timeline.status_at(component_id, at)
        if old != new:
            name = context.names[component_id]
            found.append({"code": row["id"], "name": name, "old_status": old, "new_status": new})
    return found or None


# --- incidents (§2.4) ------------------------------------------------------------------------


def _by_start(incidents: Iterable[IncidentState]) -> list[IncidentState]:
    """Newest first."""
    return sorted(incidents, key=lambda item: (item.started_at, item.incident.id), reverse=True)


def _incident(context: _Context, state: IncidentState) -> IncidentJSON:
    event = state.incident
    incident_id = make_id("event", event.id)
    posts = [_Post(update.at, update.status, update.message) for update in state.updates]
    monitoring = [update.at for update in state.updates if update.status == "monitoring"]
    status: ApiIncidentStatus = state.status
    if status == "resolved" and event.postmortem:
        status = "postmortem"
    return {
        "id": incident_id,
        "name": event.title,
        "status": status,
        "created_at": timestamp(state.started_at),
        "updated_at": timestamp(state.latest.at),
        "monitoring_at": _maybe(max(monitoring, default=None)),
        "resolved_at": _maybe(state.resolved_at),
        "impact": state.impact,
        "shortlink": _shortlink(context, event.id),
        "started_at": timestamp(state.started_at),
        "page_id": context.page_id,
        "incident_updates": _updates(context, incident_id, event.id, posts, event.components),
        "components": _attached(context, event.components),
        "reminder_intervals": None,
    }


def _shortlink(context: _Context, event_id: str) -> str:
    """The event's own page on this site (SPEC "The site": incidents/ID/)."""
    return context.urls.event_url(event_id)


# --- scheduled maintenances (§2.6) -----------------------------------------------------------


def _planned(state: SiteState) -> list[tuple[WindowState, Occurrence]]:
    """Each window's current or next occurrence and its past ones; newest first.

    A repeating window adds only the past occurrences that carry updates of their own
    (an overrun, an early end, a cancellation): one entry per quiet night would push every
    one-off maintenance out of the 50 most recent (issue 12).
    """
    found = [
        (window, occurrence)
        for window in state.windows
        for occurrence in window.occurrences
        if occurrence == window.current
        or (occurrence.start <= state.now and (not window.recurring or occurrence.updates))
        or occurrence.status_at(state.now) == "cancelled"
    ]
    ranked = sorted(found, key=lambda item: (item[1].start, item[0].window.id), reverse=True)
    # Beyond the list's 50, only what summary.json, upcoming and active still need.
    return ranked[:LIST_LIMIT] + [
        item for item in ranked[LIST_LIMIT:] if item[1].status_at(state.now) in SUMMARY_WINDOWS
    ]


def _window_posts(occurrence: Occurrence, now: datetime) -> list[_Post]:
    """The occurrence's updates so far, plus one for each change the clock made alone."""
    posts = [
        _Post(update.at, WINDOW_STATUS[update.status], update.message)
        for update in occurrence.updates
        if update.at <= now
    ]
    written = {post.at for post in posts}
    for segment in occurrence.segments:
        if segment.start is not None and segment.start <= now and segment.start not in written:
            status = WINDOW_STATUS[segment.status]
            posts.append(_Post(segment.start, status, AUTO_BODY.get(status, "")))
    return posts


def _maintenance(context: _Context, window: WindowState, occurrence: Occurrence) -> MaintenanceJSON:
    event, now = window.window, context.state.now
    maintenance_id = (
        make_id("event", event.id)
        if event.repeat is None
        else make_id("occurrence", event.id, timestamp(occurrence.start))
    )
    posts = _window_posts(occurrence, now)
    created = min([event.starts, *(update.at for update in occurrence.updates if update.at <= now)])
    status = WINDOW_STATUS[occurrence.status_at(now)]
    since = _segment_at(occurrence.segments, now).start
    return {
        "id": maintenance_id,
        "name": event.title,
        "status": status,
        "created_at": timestamp(created),
        "updated_at": timestamp(max([created, *(post.at for post in posts)])),
        "monitoring_at": _maybe(_verifying_since(occurrence, now)),
        "resolved_at": _maybe(since if status == "completed" else None),
        "impact": "maintenance",
        "shortlink": _shortlink(context, event.id),
        "started_at": timestamp(created),
        "page_id": context.page_id,
        "incident_updates": _updates(context, maintenance_id, event.id, posts, event.components),
        "components": _attached(context, event.components),
        "scheduled_for": timestamp(occurrence.start),
        "scheduled_until": timestamp(occurrence.end),
    }


def _verifying_since(occurrence: Occurrence, now: datetime) -> datetime | None:
    """When the occurrence last moved to verifying, at or before `now` (§2.6 monitoring_at)."""
    return max(
        (
            segment.start
            for segment in occurrence.segments
            if segment.status == "verifying" and segment.start and segment.start <= now
        ),
        default=None,
    )
