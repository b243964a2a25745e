"""`statuspage import statuspage`: a Statuspage page's components, incidents, maintenances.

Three ways in: the public v2 API of any page (`summary.json`, `incidents.json`,
`scheduled-maintenances.json` under `BASE/api/v2/`), a directory holding those files as
saved, or, with an API key and page id, the authenticated REST API (`/v1/pages/ID/...`),
read page by page, which holds the whole history (the public API only the latest 50).
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from statuspage.importers.common import (
    Component,
    Event,
    ImportFailure,
    Plan,
    Report,
    Update,
    apply_plan,
    to_markdown,
    worst,
)
from statuspage.model.models import COMPONENT_STATUSES, IMPACTS
from statuspage.model.times import TimeError, parse_iso

SOURCE = "statuspage"
REST_API = "https://api.statuspage.io/v1"
#: The REST API's largest page (its `limit`); a shorter page is the last.
PAGE_SIZE = 100
MAX_PAGES = 10_000
TIMEOUT = 30
#: Retries of a rate-limited request (HTTP 420 or 429).
RETRIES = 5
#: The public incidents.json and scheduled-maintenances.json hold this many at most.
PUBLIC_LIMIT = 50
USER_AGENT = "statuspage-static import"
PUBLIC_FILES = ("summary.json", "incidents.json", "scheduled-maintenances.json")

INCIDENT_STATUSES = {
    "investigating": "investigating",
    "identified": "identified",
    "monitoring": "monitoring",
    "resolved": "resolved",
    "postmortem": "resolved",
}
MAINTENANCE_STATUSES = {
    "scheduled": "scheduled",
    "in_progress": "in_progress",
    "verifying": "verifying",
    "completed": "completed",
    "cancelled": "cancelled",
    "resolved": "completed",
}
#: What a component of an incident suffers when the source says nothing (SPEC's list form).
IMPACT_STATUS = {
    "none": "operational",
    "minor": "degraded_performance",
    "major": "partial_outage",
    "critical": "major_outage",
}
_WINDOW_STATUSES = {"scheduled", "in_progress", "verifying", "completed"}


@dataclass(frozen=True)
class Source:
    """The page's components and its incidents and maintenances, as the API shapes them."""

    components: list[dict[str, Any]]
    incidents: list[dict[str, Any]]
    maintenances: list[dict[str, Any]]
    groups: list[dict[str, Any]]


Fetch = Callable[[str, dict[str, str]], Any]


def fetch_json(url: str, headers: dict[str, str]) -> Any:
    """GET `url` and parse its JSON; ImportFailure says why not, in one line.

    The REST API allows about one request a second per key: a 420 or 429 answer is
    retried after its Retry-After (a few times), so a long history is read whole.
    """
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, **headers})
    for attempt in range(RETRIES + 1):
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
                return json.loads(response.read().decode("utf-8"))
        except urllib.error.HTTPError as error:
            if error.code in (420, 429) and attempt < RETRIES:
                time.sleep(_retry_after(error.headers.get("Retry-After")))
                continue
            raise ImportFailure(
                f"cannot read {_shown(url)}: HTTP {error.code} {error.reason}"
            ) from None
        except (urllib.error.URLError, OSError) as error:
            reason = getattr(error, "reason", error)
            raise ImportFailure(f"cannot read {_shown(url)}: {reason}") from None
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise ImportFailure(f"{_shown(url)} is not JSON: {error}") from None
    raise ImportFailure(f"cannot read {_shown(url)}: still rate limited")  # pragma: no cover


def _retry_after(value: str | None) -> float:
    """Seconds to wait before a retry: the server's Retry-After, within 0 to 60."""
    try:
        return min(max(float(value or 1), 0.0), 60.0)
    except ValueError:
        return 1.0


def _shown(url: str) -> str:
    """The URL without its query (which the REST API's pages carry)."""
    return urllib.parse.urlsplit(url)._replace(query="").geturl()


def read_public(source: str, fetch: Fetch = fetch_json) -> Source:
    """The public v2 API of the page at base URL `source`, or the saved files in a directory."""
    if source.startswith(("http://", "https://")):
        base = _api_base(source)
        documents = [fetch(f"{base}/{name}", {}) for name in PUBLIC_FILES]
    else:
        documents = _read_directory(Path(source))
    summary, incidents, maintenances = (
        _mapping(d, n) for d, n in zip(documents, PUBLIC_FILES, strict=True)
    )
    return Source(
        components=_list(summary, "components"),
        incidents=_list(incidents or summary, "incidents"),
        maintenances=_list(maintenances or summary, "scheduled_maintenances"),
        groups=[],
    )


def _api_base(url: str) -> str:
    """https://status.example.com/api/v2 for the page's URL, or for one of its API files."""
    base = url.split("?", 1)[0].rstrip("/")
    if base.endswith(".json"):
        base = base.rsplit("/", 1)[0]
    return base if base.endswith("/api/v2") else f"{base}/api/v2"


def _read_directory(directory: Path) -> list[Any]:
    """The saved files (also found under api/v2/, as a site's output holds them)."""
    if not directory.is_dir():
        raise ImportFailure(f"{directory} is neither an http(s) URL nor a directory")
    if not (directory / "summary.json").exists() and (directory / "api/v2/summary.json").exists():
        directory = directory / "api" / "v2"
    documents: list[Any] = []
    for name in PUBLIC_FILES:
        path = directory / name
        if not path.exists():
            if name == "summary.json":
                raise ImportFailure(f"{path} is missing: save BASE/api/v2/summary.json there")
            documents.append(None)
            continue
        try:
            documents.append(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
            raise ImportFailure(f"cannot read {path}: {error}") from None
    return documents


def _mapping(document: Any, name: str) -> dict[str, Any] | None:
    """A saved or fetched document, which must be a JSON object (or missing)."""
    if document is None or isinstance(document, dict):
        return document
    raise ImportFailure(f"{name}: expected a JSON object, got {type(document).__name__}")


def _list(document: dict[str, Any] | None, key: str) -> list[dict[str, Any]]:
    """The objects listed under `key`, or ImportFailure when it is not a list."""
    items = (document or {}).get(key) or []
    if not isinstance(items, list):
        raise ImportFailure(f"'{key}' is not a list")
    return [item for item in items if isinstance(item, dict)]


def read_rest(
    api_key: str, page_id: str, api_url: str = REST_API, fetch: Fetch = fetch_json
) -> Source:
    """The page's whole history from the authenticated REST API, page by page."""
    base = f"{api_url.rstrip('/')}/pages/{urllib.parse.quote(page_id, safe='')}"
    headers = {"Authorization": f"OAuth {api_key}"}
    components = _all_pages(f"{base}/components", headers, fetch)
    try:
        groups = _all_pages(f"{base}/component-groups", headers, fetch)
    except ImportFailure:  # an older page, or a key without access: groups from rows
        groups = []
    everything = _all_pages(f"{base}/incidents", headers, fetch)
    maintenances = [item for item in everything if _is_maintenance(item)]
    incidents = [item for item in everything if not _is_maintenance(item)]
    return Source(components, incidents, maintenances, groups)


def _all_pages(url: str, headers: dict[str, str], fetch: Fetch) -> list[dict[str, Any]]:
    """Every row of a REST collection: page 1, 2, ... until a page is short or empty."""
    rows: list[dict[str, Any]] = []
    for page in range(1, MAX_PAGES + 1):
        query = urllib.parse.urlencode({"page": page, "per_page": PAGE_SIZE, "limit": PAGE_SIZE})
        batch = fetch(f"{url}?{query}", headers)
        if not isinstance(batch, list):
            raise ImportFailure(f"{url}: expected a JSON list, got {type(batch).__name__}")
        rows.extend(item for item in batch if isinstance(item, dict))
        if len(batch) < PAGE_SIZE:
            return rows
    raise ImportFailure(f"{url}: more than {MAX_PAGES} pages")


def _is_maintenance(item: dict[str, Any]) -> bool:
    """Whether a REST API row is a scheduled maintenance (it has a window)."""
    return bool(item.get("scheduled_for")) or item.get("status") in _WINDOW_STATUSES


# --- mapping ----------------------------------------------------------------------------


def plan_from(source: Source) -> Plan:
    """Map the page's components, incidents and maintenances to ours."""
    plan = Plan("Statuspage")
    group_names, children = _groups(source)
    for row in source.components:
        if row.get("group") or row.get("id") in group_names:
            continue
        name = str(row.get("name") or "").strip()
        if not name or not row.get("id"):
            plan.skipped.append((f"component {row.get('id')}", "it has no id or name"))
            continue
        description = row.get("description")
        plan.components.append(
            Component(
                key=str(row["id"]),
                name=name,
                group=group_names.get(str(row.get("group_id"))),
                description=str(description).strip() or None if description else None,
                source=SOURCE,
            )
        )
    known = {c.key for c in plan.components}
    for item in _unique(source.incidents):
        _add(plan, _incident, item, known, children)
    for item in _unique(source.maintenances):
        _add(plan, _maintenance, item, known, children)
    return plan


def _groups(source: Source) -> tuple[dict[str, str], dict[str, list[str]]]:
    """Group ids to names, and to their child component ids."""
    names: dict[str, str] = {}
    children: dict[str, list[str]] = {}
    for row in [*source.components, *source.groups]:
        is_group = row.get("group") or row in source.groups
        if is_group and row.get("id"):
            names[str(row["id"])] = str(row.get("name") or row["id"]).strip()
            children[str(row["id"])] = [str(c) for c in row.get("components") or []]
    for row in source.components:
        parent = row.get("group_id")
        if parent and str(parent) in children and row.get("id"):
            if str(row["id"]) not in children[str(parent)]:
                children[str(parent)].append(str(row["id"]))
    return names, children


def _unique(items: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows without repeats of an id, first kept (summary and lists overlap)."""
    seen: set[str] = set()
    out = []
    for item in items:
        key = str(item.get("id"))
        if key not in seen:
            seen.add(key)
            out.append(item)
    return out


class _Unmappable(Exception):
    """An event of the source that has no counterpart here; the message says why."""


MapEvent = Callable[[dict[str, Any], set[str], dict[str, list[str]]], Event]


def _add(
    plan: Plan,
    make: MapEvent,
    item: dict[str, Any],
    known: set[str],
    children: dict[str, list[str]],
) -> None:
    """Map one incident or maintenance, or record why it cannot be."""
    kind = "incident" if make is _incident else "maintenance"
    try:
        event = make(item, known, children)
    except _Unmappable as error:
        plan.skipped.append((f"{kind} {item.get('id')}", str(error)))
        return
    lost = [
        f"component {code} ({name}) is not among the page's components: left out"
        for code, name in _unknown_components(item, known, children)
    ]
    plan.events.append(replace(event, notes=(*event.notes, *lost)))
    plan.warnings.extend((f"{kind} {item.get('id')}", note) for note in lost)


def _unknown_components(
    item: dict[str, Any], known: set[str], children: dict[str, list[str]]
) -> list[tuple[str, str]]:
    """(code, name) of what the event names that is no component or group of the page."""
    named: dict[str, str] = {}
    for component in item.get("components") or []:
        if isinstance(component, dict) and component.get("id"):
            named[str(component["id"])] = str(component.get("name") or "")
    for row in item.get("incident_updates") or []:
        for entry in (row.get("affected_components") or []) if isinstance(row, dict) else []:
            if isinstance(entry, dict) and entry.get("code"):
                named.setdefault(str(entry["code"]), str(entry.get("name") or ""))
    return [(c, n) for c, n in named.items() if c not in known and c not in children]


def _incident(item: dict[str, Any], known: set[str], children: dict[str, list[str]]) -> Event:
    """An incident of the page as ours: updates, impact, components, postmortem."""
    key, title = _identity(item)
    impact = str(item.get("impact") or "none")
    notes = _notes("incident", item)
    if impact not in IMPACTS:
        notes.append(f"impact on Statuspage: {impact} (none here)")
        impact = "none"
    updates, postmortems = _updates(item, INCIDENT_STATUSES, known, children, postmortem=True)
    if not updates:
        raise _Unmappable("it has no updates, and an incident here starts with its first")
    if item.get("status") in ("resolved", "postmortem") and updates[-1].status != "resolved":
        at = str(item.get("resolved_at") or item.get("updated_at") or updates[-1].at)
        if not _after(at, updates[-1].at):
            at = updates[-1].at
        updates.append(Update(at, "resolved", "This incident has been resolved."))
        notes.append("the last update is added: Statuspage marks the incident resolved")
    started = item.get("started_at")
    if started and _differs(str(started), updates[0].at):
        notes.append(f"started_at on Statuspage: {started} (here: the first update)")
    body = item.get("postmortem_body")
    postmortem = "\n\n".join([*([to_markdown(str(body))] if body else []), *postmortems]) or None
    return Event(
        source=SOURCE,
        key=key,
        kind="incident",
        title=title,
        updates=tuple(updates),
        components=_refs(item, updates, known, children, IMPACT_STATUS[impact]),
        impact=impact,
        postmortem=postmortem,
        notes=tuple(notes),
    )


def _maintenance(item: dict[str, Any], known: set[str], children: dict[str, list[str]]) -> Event:
    """A scheduled maintenance of the page as ours: its window, updates and components."""
    key, title = _identity(item)
    starts, ends = item.get("scheduled_for"), item.get("scheduled_until")
    if not starts or not ends:
        raise _Unmappable("it has no scheduled_for or scheduled_until")
    try:
        if parse_iso(str(ends)) <= parse_iso(str(starts)):
            raise _Unmappable(f"scheduled_until {ends} is not after scheduled_for {starts}")
    except TimeError as error:
        raise _Unmappable(str(error)) from None
    notes = _notes("maintenance", item)
    impact = item.get("impact")
    if impact not in (None, "maintenance", "none"):
        notes.append(f"impact on Statuspage: {impact} (maintenances have none here)")
    updates, _ = _updates(item, MAINTENANCE_STATUSES, known, children, postmortem=False)
    refs = _refs(item, updates, known, children, None)
    return Event(
        source=SOURCE,
        key=key,
        kind="maintenance",
        title=title,
        updates=tuple(updates),
        components=refs,
        starts=str(starts),
        ends=str(ends),
        notes=tuple(notes),
    )


def _after(first: str, second: str) -> bool:
    """Whether time `first` is at or after `second` (False if either does not parse)."""
    try:
        return parse_iso(first) >= parse_iso(second)
    except (TimeError, TypeError):
        return False


def _differs(first: str, second: str) -> bool:
    """Whether two times are different instants (True if either does not parse)."""
    try:
        return parse_iso(first) != parse_iso(second)
    except TimeError:
        return True


def _identity(item: dict[str, Any]) -> tuple[str, str]:
    """The event's id and its title on one line; _Unmappable without them."""
    key, title = str(item.get("id") or ""), str(item.get("name") or "").strip()
    if not key or not title:
        raise _Unmappable("it has no id or no name")
    if any(c.isspace() for c in key):
        raise _Unmappable(f"its id {key!r} has white space")
    return key, " ".join(title.split())


def _notes(kind: str, item: dict[str, Any]) -> list[str]:
    """The comment lines that say where the event came from."""
    notes = [f"Statuspage {kind} {item.get('id')}"]
    if item.get("shortlink"):
        notes[0] += f": {item['shortlink']}"
    return notes


def _updates(
    item: dict[str, Any],
    statuses: dict[str, str],
    known: set[str],
    children: dict[str, list[str]],
    *,
    postmortem: bool,
) -> tuple[list[Update], list[str]]:
    """The event's updates oldest first, and the bodies of its postmortem updates."""
    rows = [row for row in item.get("incident_updates") or [] if isinstance(row, dict)]
    timed = []
    # The API lists updates newest first: of two at the same moment, the later listed
    # is the older one.
    for place, row in enumerate(reversed(rows)):
        at = row.get("display_at") or row.get("created_at")
        try:
            moment = parse_iso(str(at))
        except TimeError:
            raise _Unmappable(f"update {row.get('id')} has no valid time ({at!r})") from None
        if moment.tzinfo is None:
            raise _Unmappable(f"update {row.get('id')} has a time without an offset ({at})")
        timed.append((moment, place, str(at), row))
    timed.sort(key=lambda entry: (entry[0], entry[1]))
    updates: list[Update] = []
    postmortems: list[str] = []
    for _, _, at, row in timed:
        status = str(row.get("status"))
        body = to_markdown(str(row.get("body") or ""))
        if postmortem and status == "postmortem":
            if body:
                postmortems.append(body)
            continue
        if status not in statuses:
            raise _Unmappable(f"update {row.get('id')} has the status '{status}', unknown here")
        ours = statuses[status]
        message = body or f"{ours.replace('_', ' ').capitalize()}."
        updates.append(Update(at, ours, message, _affected(row, known, children)))
    return updates, postmortems


def _affected(
    row: dict[str, Any], known: set[str], children: dict[str, list[str]]
) -> tuple[tuple[str, str], ...]:
    """(component, new status) the update recorded; a group stands for its components."""
    out: list[tuple[str, str]] = []
    for entry in row.get("affected_components") or []:
        if not isinstance(entry, dict):
            continue
        status = str(entry.get("new_status") or "")
        if status in COMPONENT_STATUSES:
            out.extend(
                (code, status) for code in _expand(str(entry.get("code") or ""), known, children)
            )
    return tuple(out)


def _expand(code: str, known: set[str], children: dict[str, list[str]]) -> list[str]:
    """Our components a source code stands for: itself, or a group's children."""
    if code in known:
        return [code]
    return [child for child in children.get(code, []) if child in known]


def _refs(
    item: dict[str, Any],
    updates: list[Update],
    known: set[str],
    children: dict[str, list[str]],
    default: str | None,
) -> tuple[tuple[str, str | None], ...]:
    """The event's components and the worst status its updates gave each.

    Statuses better than the event's own default (operational, for an incident) do not
    count; with none left, the list form (None) lets our rules say, unless `default`.
    """
    order: list[str] = []
    for component in item.get("components") or []:
        if isinstance(component, dict):
            order.extend(_expand(str(component.get("id")), known, children))
    seen: dict[str, list[str]] = {}
    for update in updates:
        for code, status in update.components:
            order.append(code)
            if status != "operational":
                seen.setdefault(code, []).append(status)
    unique = list(dict.fromkeys(order))
    statuses = {code: worst(seen.get(code, [])) for code in unique}
    if all(status is None for status in statuses.values()):
        return tuple((code, None) for code in unique)
    fallback = default or "under_maintenance"
    return tuple((code, statuses[code] or fallback) for code in unique)


def import_plan(
    source: str,
    *,
    api_key: str | None = None,
    page_id: str | None = None,
    api_url: str = REST_API,
    fetch: Fetch = fetch_json,
) -> Plan:
    """Read a Statuspage page (public API, saved directory, or REST API) into a plan."""
    if (api_key is None) != (page_id is None):
        raise ImportFailure("give both --api-key and --page-id, or neither")
    if api_key is not None and page_id is not None:
        return plan_from(read_rest(api_key, page_id, api_url, fetch))
    page = read_public(source, fetch)
    plan = plan_from(page)
    for rows, what in ((page.incidents, "incidents"), (page.maintenances, "maintenances")):
        if len(rows) >= PUBLIC_LIMIT:
            plan.warnings.append(
                (
                    "page",
                    f"the public API holds only the latest {PUBLIC_LIMIT} {what}; "
                    "--api-key and --page-id read the whole history",
                )
            )
    return plan


def import_statuspage(
    config_path: Path,
    source: str | None,
    now: datetime,
    *,
    api_key: str | None = None,
    page_id: str | None = None,
    api_url: str = REST_API,
    force: bool = False,
    fetch: Fetch = fetch_json,
) -> Report:
    """`statuspage import statuspage`: import the page into the repository of `config_path`."""
    if source is None and api_key is None:
        raise ImportFailure("give the page's URL or a directory of its saved JSON")
    plan = import_plan(source or "", api_key=api_key, page_id=page_id, api_url=api_url, fetch=fetch)
    return apply_plan(plan, config_path, now, force=force)
