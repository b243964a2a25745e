"""`statuspage check`: stages 1-3 without rendering, every problem and warning at its place."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

from statuspage.authoring.scaffold import placeholder_warnings
from statuspage.cyclegc import fewer_collections
from statuspage.errors import InvalidInputError, Problem
from statuspage.load.documents import Document
from statuspage.load.sources import display_path
from statuspage.model.times import format_duration, local_iso
from statuspage.pipeline import load_state
from statuspage.state import SiteState, is_stale

#: An incident open longer than this is probably forgotten (SPEC "Commands": check).
STALE_INCIDENT = timedelta(days=7)
#: How much of a home page is read to find when it was built (pages are far smaller).
MAX_PAGE = 64 * 1024 * 1024


@fewer_collections()
def check(config_path: Path, now: datetime, output_dir: Path | None = None) -> list[Problem]:
    """Validate everything; return all errors, then warnings about the state at `now`.

    With `output_dir`, also warn when the site built there is older than `stale_after`.
    """
    try:
        loaded = load_state(config_path, now, extras=True)
    except InvalidInputError as error:
        return sorted(error.problems)
    state, validated = loaded.state, loaded.validated
    problems = [*validated.problems, *find_warnings(state, validated.documents)]
    if output_dir is not None:
        problems.extend(stale_build_warnings(output_dir, state))
    return sorted(problems)


#: The build's moment, as the home page carries it for the optional script (clock.py).
_BUILT = re.compile(rb'<script type="application/json" id="clock-data">(\{.*?\})</script>')


def last_build(output_dir: Path) -> datetime | None:
    """When the site in `output_dir` was built (its `now`), or None if there is none."""
    try:
        with (output_dir / "index.html").open("rb") as page:
            text = page.read(MAX_PAGE)
    except OSError:
        return None
    found = _BUILT.search(text)
    try:
        built = json.loads(found.group(1))["built"] if found else None
        return datetime.fromisoformat(built) if isinstance(built, str) else None
    except (ValueError, KeyError, TypeError):
        return None


def stale_build_warnings(output_dir: Path, state: SiteState) -> Iterator[Problem]:
    """Warn when the last build in `output_dir` is older than `stale_after`."""
    built = last_build(output_dir)
    if built is None or not is_stale(built, state):
        return
    age = format_duration(state.now - built)
    yield Problem(
        display_path(output_dir / "index.html"),
        1,
        1,
        f"the site was built {age} ago ({local_iso(built, state.site.zone)}), longer than "
        f"stale_after ({format_duration(state.site.stale_after)}): its pages tell visitors "
        "they may be out of date; run statuspage build",
        severity="warning",
    )


def find_warnings(state: SiteState, documents: dict[str, Document]) -> Iterator[Problem]:
    """Warn about what a customer would find stale: forgotten incidents, broken promises,
    placeholders `statuspage new` wrote that are still in place."""
    yield from placeholder_warnings(documents)
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
