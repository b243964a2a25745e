"""What is due at `now`: every notice the sources imply, with the moment it falls due.

A notice's id is built from what it is (its event, kind and the times it speaks of),
never from `now`, so that the ledger recognises it on every later run (issue 15).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from statuspage.model.models import (
    DEFAULT_REMIND,
    Incident,
    IncidentUpdate,
    SiteConfig,
    Window,
    WindowUpdate,
)
from statuspage.model.times import format_duration
from statuspage.state import Occurrence, SiteState, WindowState

Kind = Literal[
    "opened",
    "updated",
    "resolved",
    "postmortem",
    "announced",
    "reminder",
    "started",
    "completed",
    "cancelled",
    "rescheduled",
]

#: Within one occurrence, a notice is superseded by a later one of at least its stage.
_STAGE: dict[str, int] = {"announced": 0, "reminder": 1, "started": 2, "completed": 3}
_STAGE["cancelled"] = 3
#: The window statuses an update can move an occurrence to, and the notice each makes.
_TRANSITION: dict[str, Kind] = {
    "in_progress": "started",
    "completed": "completed",
    "cancelled": "cancelled",
}


@dataclass(frozen=True)
class Notice:
    """One thing to tell: an incident update, or a moment in a window's life.

    `due` is when it falls due; None means when `notify` first sees it (an announcement,
    a postmortem, a new schedule), which no grace period makes late.
    """

    id: str
    event: Incident | Window
    kind: Kind
    due: datetime | None
    update: IncidentUpdate | WindowUpdate | None = None
    start: datetime | None = None
    end: datetime | None = None
    offset: timedelta | None = None
    #: Notices of one group (an occurrence) supersede each other by stage.
    group: str | None = None

    @property
    def event_type(self) -> str:
        return self.event.type

    @property
    def components(self) -> tuple[str, ...]:
        return tuple(self.event.components)


def stamp(moment: datetime) -> str:
    """A moment in an id: UTC, to the second."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def schedule_key(window: Window) -> str:
    """What a window's times are, to tell when they change (rescheduled)."""
    end = window.ends or (window.starts + window.length)
    return f"{stamp(window.starts)}/{stamp(end)}/{window.repeat or ''}"


#: How far back a run looks: a notice due earlier is history, neither sent nor reported.
HORIZON = timedelta(days=7)


def all_notices(
    state: SiteState, schedules: Mapping[str, Sequence[str]], since: datetime | None = None
) -> list[Notice]:
    """Every notice the events imply at `state.now`, due or not, oldest due first; none
    due before `since` (default: HORIZON before now).

    `schedules` holds each window's schedules as runs have seen them, oldest first.
    """
    since = state.now - HORIZON if since is None else since
    found: list[Notice] = []
    windows = {window.id: window for window in state.windows}
    for event in state.events:
        if isinstance(event, Incident):
            found.extend(incident_notices(event))
        elif event.notify and event.id in windows:
            remind = _reminders(state.site, event)
            found.extend(window_notices(windows[event.id], remind, schedules.get(event.id, ())))
    recent = [notice for notice in found if notice.due is None or notice.due >= since]
    return sorted(recent, key=lambda notice: (notice.due or state.now, notice.id))


def _reminders(site: SiteConfig, window: Window) -> tuple[timedelta, ...]:
    if window.remind is not None:
        return tuple(window.remind)
    if site.notify is not None:
        return tuple(site.notify.remind)
    return DEFAULT_REMIND


def incident_notices(incident: Incident) -> Iterator[Notice]:
    """Opened (the first update), each later update, resolved; the postmortem once added."""
    for index, update in enumerate(incident.updates):
        kind: Kind = "opened" if index == 0 else "updated"
        if update.status == "resolved":
            kind = "resolved"
        notice_id = f"{incident.id}/{kind}/{stamp(update.at)}/{update.status}"
        yield Notice(notice_id, incident, kind, update.at, update)
    if incident.postmortem:
        yield Notice(f"{incident.id}/postmortem", incident, "postmortem", None)


def window_notices(
    state: WindowState, remind: Sequence[timedelta], seen: Sequence[str] = ()
) -> Iterator[Notice]:
    """Announced, rescheduled, reminders, started, updates, completed or cancelled."""
    window = state.window
    key = schedule_key(window)
    # Its times changed since it was first seen: "rescheduled" takes the announcement's place.
    moved = len(seen) > 1 and seen[-1] == key
    intro = _intro(window)
    if window.repeat is not None and not moved:
        notice_id = f"{window.id}/announced/{window.repeat}"
        yield Notice(notice_id, window, "announced", None, intro)
    for occurrence in state.occurrences:
        yield from _occurrence_notices(window, occurrence, remind, intro, announce=not moved)
    if moved and state.status in ("scheduled", "in_progress"):
        end = window.starts + window.length
        yield Notice(
            f"{window.id}/rescheduled/{key}", window, "rescheduled", None, None, window.starts, end
        )


def _intro(window: Window) -> WindowUpdate | None:
    """The `scheduled` update that opens a window's timeline (`statuspage new` writes one):
    its message is the announcement's, not an update of its own."""
    first = window.updates[0] if window.updates else None
    return first if first is not None and first.status == "scheduled" else None


def _occurrence_notices(
    window: Window,
    occurrence: Occurrence,
    remind: Sequence[timedelta],
    intro: WindowUpdate | None,
    *,
    announce: bool,
) -> Iterator[Notice]:
    group = f"{window.id}@{stamp(occurrence.start)}"
    start, end = occurrence.start, occurrence.end
    if window.repeat is None and announce:
        notice_id = f"{window.id}/announced/{stamp(start)}"
        yield Notice(notice_id, window, "announced", None, intro, start, end, group=group)
    for offset in remind:
        due = start - offset
        if occurrence.status_at(due) != "scheduled":
            continue  # cancelled (or begun early) by then: nothing to remind of
        notice_id = f"{window.id}/reminder/{format_duration(offset)}/{stamp(start)}"
        yield Notice(notice_id, window, "reminder", due, None, start, end, offset, group)
    yield from _transitions(window, occurrence, group, intro)


def _transitions(
    window: Window, occurrence: Occurrence, group: str, intro: WindowUpdate | None
) -> Iterator[Notice]:
    """A notice per change of the occurrence's status, with the update that made it, and
    one per update that changed nothing (but the announcement's)."""
    told: set[int] = {id(intro)} if intro is not None else set()
    for segment in occurrence.segments[1:]:
        kind = _TRANSITION.get(segment.status)
        if kind is None or segment.start is None:
            continue
        update = next(
            (u for u in occurrence.updates if u.at == segment.start and u.status == segment.status),
            None,
        )
        if update is not None:
            told.add(id(update))
        notice_id = f"{window.id}/{kind}/{stamp(segment.start)}"
        yield Notice(
            notice_id,
            window,
            kind,
            segment.start,
            update,
            occurrence.start,
            occurrence.end,
            group=group,
        )
    for update in occurrence.updates:
        if id(update) not in told:
            notice_id = f"{window.id}/updated/{stamp(update.at)}/{update.status}"
            yield Notice(
                notice_id, window, "updated", update.at, update, occurrence.start, occurrence.end
            )


@dataclass(frozen=True)
class Plan:
    """What a run does with the notices: send, skip as superseded or late, or keep for later."""

    send: tuple[Notice, ...]
    superseded: tuple[Notice, ...]
    late: tuple[Notice, ...]


def plan(notices: Sequence[Notice], now: datetime, grace: timedelta, done: set[str]) -> Plan:
    """Split the notices due at `now` and not in `done` into sends and skips."""
    due = [notice for notice in notices if notice.due is None or notice.due <= now]
    if not due:
        return Plan((), (), ())
    send: list[Notice] = []
    superseded: list[Notice] = []
    late: list[Notice] = []
    # An announcement about to go out gives the times: no reminder in the same run.
    announcing = {n.event.id for n in due if n.kind == "announced" and n.id not in done}
    for notice in due:
        if notice.id in done:
            continue
        if _is_superseded(notice, due, now) or (
            notice.kind == "reminder" and notice.event.id in announcing
        ):
            superseded.append(notice)
        elif notice.due is not None and now - notice.due > grace:
            late.append(notice)
        else:
            send.append(notice)
    return Plan(tuple(send), tuple(superseded), tuple(late))


def _is_superseded(notice: Notice, due: Sequence[Notice], now: datetime) -> bool:
    """Whether a later notice of its occurrence, also due, makes it old news: no "starts in
    1 hour" after "started", no announcement of a window that is over."""
    stage = _STAGE.get(notice.kind)
    if notice.group is None or stage is None:
        return False
    when = notice.due or now
    return any(
        other.group == notice.group
        and other is not notice
        and _STAGE.get(other.kind, -1) >= max(stage, 1)
        and (other.due or now) > when
        for other in due
    ) or (notice.kind == "announced" and notice.start is not None and notice.start <= now)
