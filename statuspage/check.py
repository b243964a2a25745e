"""`statuspage check`: stages 1-3 without rendering, every problem and warning at its place."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

from statuspage.errors import Problem
from statuspage.memory import fewer_collections
from statuspage.sources import Document, load_sources
from statuspage.state import SiteState, compute_state
from statuspage.times import format_duration, local_iso, resolve_now
from statuspage.validate import validate_sources

#: An incident open longer than this is probably forgotten (SPEC "Commands": check).
STALE_INCIDENT = timedelta(days=7)


@fewer_collections()
def check(config_path: Path, now: datetime) -> list[Problem]:
    """Validate everything; return all errors, then warnings about the state at `now`."""
    validated = validate_sources(load_sources(config_path))
    problems = list(validated.problems)
    if validated.site is not None and not validated.errors:
        state = compute_state(
            validated.site, validated.events, resolve_now(now, validated.site.zone)
        )
        problems.extend(find_warnings(state, validated.documents))
    return sorted(problems)


def find_warnings(state: SiteState, documents: dict[str, Document]) -> Iterator[Problem]:
    """Warn about what a customer would find stale: forgotten incidents, broken promises."""
    now = state.now
    for incident in state.active_incidents:
        document = documents[incident.incident.id]
        last = len(incident.updates) - 1
        if now - incident.started_at > STALE_INCIDENT:
            days = (now - incident.started_at).days
            yield document.problem(
                ("updates", last, "status"),
                f"incident open for {days} days; resolve it or post an update",
                severity="warning",
            )
        promised = incident.next_update
        if promised is not None and promised < now:
            yield document.problem(
                ("updates", last, "next_update"),
                f"the promised next update ({local_iso(promised, state.site.zone)}) has passed; "
                "post an update",
                severity="warning",
            )
    for window in state.running_windows:
        current = window.current
        if current is not None and now > current.end:
            document = documents[window.window.id]
            late = format_duration(now - current.end)
            yield document.problem(
                ("updates", len(window.updates) - 1, "status"),
                f"still {window.status.replace('_', ' ')} {late} after its planned end; "
                "post a 'completed' update when it is done",
                severity="warning",
            )
