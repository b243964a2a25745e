"""`statuspage import cstate`: a cState (Hugo) site's systems and issues.

config.yml's `params.systems` become components and `params.categories` their groups
(an `untitled` category is no group). Each `content/issues/*.md` becomes an event: its
front matter (title, date, severity, affected, resolved, resolvedWhen, informational)
says what, and its body, split at the `{{< track "TIME" >}}` markers cState puts after
each update, gives the timed updates. cState requires UTC: a time without an offset is UTC.
"""

from __future__ import annotations

import re
import tomllib
import urllib.parse
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import yaml

from statuspage.importers.common import (
    Component,
    Event,
    ImportFailure,
    Plan,
    Report,
    Update,
    apply_plan,
)
from statuspage.model.times import TimeError, parse_iso

SOURCE = "cstate"
CONFIG_NAMES = ("config.yml", "config.yaml", "config.toml", "hugo.yml", "hugo.yaml", "hugo.toml")
ISSUES = Path("content") / "issues"
_FRONT_MATTER = re.compile(
    r"\A(?:\ufeff)?---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)(.*)\Z", re.S
)
_TOML_FRONT_MATTER = re.compile(
    r"\A(?:\ufeff)?\+\+\+[ \t]*\r?\n(.*?)\r?\n\+\+\+[ \t]*(?:\r?\n|\Z)(.*)\Z", re.S
)
_TRACK = re.compile(r"\{\{[<%]\s*track\s+\"([^\"]*)\"\s*[>%]\}\}")
#: A status word at the start of an update, as cState's examples write it: *Resolved* -
_STATUS_WORD = re.compile(r"\A\s*(\*{1,2}|_{1,2})?([A-Za-z ]+?)\1?\s*[-:\u2013\u2014]\s+")
STATUS_WORDS = {
    "investigating": "investigating",
    "identified": "identified",
    "monitoring": "monitoring",
    "resolved": "resolved",
    "fixed": "resolved",
}
#: severity -> (impact, status of the affected systems)
SEVERITY = {
    "down": ("critical", "major_outage"),
    "disrupted": ("major", "partial_outage"),
    "notice": ("none", "under_maintenance"),
}


@dataclass(frozen=True)
class Issue:
    """One content/issues/*.md: its front matter (strings, as written) and body."""

    key: str
    front: dict[str, Any]
    body: str


def read_site(directory: Path) -> tuple[dict[str, Any], list[Issue]]:
    """The site's config and its issues, in file name order."""
    if not directory.is_dir():
        raise ImportFailure(f"{directory} is not a directory")
    config = _read_config(directory)
    issues = []
    for path in sorted((directory / ISSUES).glob("**/*.md")):
        if path.name.startswith("_"):
            continue  # _index.md and friends: the section's page, not an issue
        issues.append(_read_issue(path, path.relative_to(directory / ISSUES)))
    return config, issues


def _read_config(directory: Path) -> dict[str, Any]:
    """The Hugo config of the site (config.yml, .yaml or .toml; hugo.* too)."""
    for name in CONFIG_NAMES:
        path = directory / name
        if path.is_file():
            try:
                text = path.read_text(encoding="utf-8")
                data = tomllib.loads(text) if name.endswith(".toml") else yaml.safe_load(text)
            except (OSError, UnicodeDecodeError, yaml.YAMLError, tomllib.TOMLDecodeError) as e:
                raise ImportFailure(f"cannot read {path}: {e}") from None
            if not isinstance(data, dict):
                raise ImportFailure(f"{path}: expected a mapping of settings")
            return data
    raise ImportFailure(f"{directory} has no config.yml: is it a cState site?")


def _read_issue(path: Path, relative: Path) -> Issue:
    """One issue file; one that cannot be read carries why, to be reported as skipped."""
    # The marker line names the issue by its path: no white space in it.
    key = urllib.parse.quote(relative.with_suffix("").as_posix(), safe="/-_.~")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        return Issue(key, {"_error": f"cannot read it: {error}"}, "")
    try:
        front, body = _front_matter(text)
    except ValueError as error:
        return Issue(key, {"_error": str(error)}, "")
    return Issue(key, front, body)


def _front_matter(text: str) -> tuple[dict[str, Any], str]:
    """The front matter (YAML between ---, or TOML between +++) and the body after it.

    YAML is read with every value as text, so that dates stay as written; TOML's dates
    are written back in ISO 8601 (one without an offset stays without one).
    """
    match = _FRONT_MATTER.match(text)
    if match is not None:
        try:
            front = yaml.load(match.group(1), Loader=yaml.BaseLoader)
        except yaml.YAMLError as error:
            raise ValueError(f"its front matter is not YAML: {error}") from None
    elif (match := _TOML_FRONT_MATTER.match(text)) is not None:
        try:
            front = {k: _toml_text(v) for k, v in tomllib.loads(match.group(1)).items()}
        except tomllib.TOMLDecodeError as error:
            raise ValueError(f"its front matter is not TOML: {error}") from None
    else:
        raise ValueError("it has no front matter between --- (or +++) lines")
    if not isinstance(front, dict):
        raise ValueError("its front matter is not a mapping of fields")
    return front, match.group(2)


def _toml_text(value: Any) -> Any:
    """A TOML value as the YAML front matter would give it: dates and booleans as text."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return [_toml_text(item) for item in value]
    return value


def _params(config: dict[str, Any]) -> dict[str, Any]:
    """The `params:` of a Hugo config (older sites put the settings at the top)."""
    params = config.get("params")
    return params if isinstance(params, dict) else config


def components_of(config: dict[str, Any]) -> list[Component]:
    """The systems, each in its category's group (none for an `untitled` category)."""
    params = _params(config)
    untitled = {
        str(c.get("name"))
        for c in params.get("categories") or []
        if isinstance(c, dict) and _true(c.get("untitled"))
    }
    found = []
    for system in params.get("systems") or []:
        if isinstance(system, str):
            system = {"name": system}
        if not isinstance(system, dict) or not str(system.get("name") or "").strip():
            continue
        name = str(system["name"]).strip()
        category = system.get("category")
        group = str(category).strip() if category and str(category) not in untitled else None
        description = system.get("description")
        found.append(
            Component(name, name, group or None, str(description) if description else None, SOURCE)
        )
    return found


def _true(value: Any) -> bool:
    """A front-matter yes: true, yes or on, as YAML text or a TOML boolean."""
    return value is True or str(value).strip().lower() in ("true", "yes", "on")


def utc_time(text: str) -> str:
    """An ISO 8601 time for a cState date: `2018-05-25 04:13:00` is UTC (...Z), an offset stays."""
    cleaned = text.strip().strip("'\"")
    cleaned = re.sub(r"^(\d{4}-\d{2}-\d{2})[ T](?=\d)", r"\1T", cleaned)
    cleaned = re.sub(r"\s+(?=[+-]\d{2}:?\d{2}$|Z$)", "", cleaned)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", cleaned):
        cleaned += "T00:00:00"
    moment = parse_iso(cleaned)  # TimeError for anything else
    return cleaned if moment.tzinfo is not None else cleaned + "Z"


def _instant(text: str) -> datetime:
    """The instant, in UTC, of a time `utc_time` wrote."""
    return parse_iso(text).astimezone(UTC)


class _Unmappable(Exception):
    """An issue that has no counterpart here; the message says why."""


def plan_from(config: dict[str, Any], issues: list[Issue]) -> Plan:
    """Map a cState site's systems and issues to ours."""
    plan = Plan("cState", components=components_of(config))
    known = {c.key for c in plan.components}
    for issue in issues:
        try:
            event = _event(issue, known)
            plan.events.append(event)
            plan.warnings.extend(
                (f"issue {issue.key}", note) for note in event.notes if "left out" in note
            )
        except _Unmappable as error:
            plan.skipped.append((f"issue {issue.key}", str(error)))
    return plan


def _event(issue: Issue, known: set[str]) -> Event:
    """One issue as an incident, or as a maintenance when it is a notice with an end."""
    front = issue.front
    if "_error" in front:
        raise _Unmappable(str(front["_error"]))
    title = " ".join(str(front.get("title") or "").split())
    if not title:
        raise _Unmappable("it has no title")
    if not front.get("date"):
        raise _Unmappable("it has no date")
    try:
        start = utc_time(str(front["date"]))
        until = utc_time(str(front["resolvedWhen"])) if front.get("resolvedWhen") else None
    except TimeError as error:
        raise _Unmappable(str(error)) from None
    severity = str(front.get("severity") or "").strip().lower() or "disrupted"
    informational = _true(front.get("informational"))
    notes = [f"cState issue content/issues/{issue.key}.md"]
    if severity not in SEVERITY:
        notes.append(f"severity on cState: {severity} (read as disrupted)")
        severity = "disrupted"
    affected = [str(a).strip() for a in front.get("affected") or [] if str(a).strip()]
    notes.extend(
        f"affected '{name}' is not a system of config.yml: left out"
        for name in affected
        if name not in known
    )
    systems = [name for name in affected if name in known]
    segments = _segments(issue.body, start)
    resolved = _true(front.get("resolved"))
    if (informational or severity == "notice") and until and _instant(until) > _instant(start):
        return _window(issue, title, start, until, systems, segments, notes)
    impact, status = SEVERITY[severity]
    if informational:
        impact, status = "none", "operational"
    updates = _incident_updates(segments, resolved, until or start)
    refs = tuple((name, status) for name in systems)
    return Event(
        SOURCE, issue.key, "incident", title, updates, refs, impact=impact, notes=tuple(notes)
    )


def _segments(body: str, start: str) -> list[tuple[str, str]]:
    """(time, text) per update: the text before each track marker, at the marker's time.

    Text after the last marker, or a body without any, is an update at the issue's date.
    """
    out: list[tuple[str, str]] = []
    position = 0
    for match in _TRACK.finditer(body):
        text = body[position : match.start()].strip()
        position = match.end()
        try:
            at = utc_time(match.group(1))
        except TimeError as error:
            raise _Unmappable(f"track marker: {error}") from None
        if text:
            out.append((at, text))
    rest = body[position:].strip()
    if rest:
        out.append((start, rest))
    out.sort(key=lambda entry: _instant(entry[0]))
    return out


def _split_status(text: str) -> tuple[str | None, str]:
    """('resolved', 'We believe...') for '*Resolved* - We believe...'."""
    match = _STATUS_WORD.match(text)
    if match is not None and match.group(2).strip().lower() in STATUS_WORDS:
        rest = text[match.end() :].strip()
        return STATUS_WORDS[match.group(2).strip().lower()], rest or text.strip()
    return None, text.strip()


def _incident_updates(
    segments: list[tuple[str, str]], resolved: bool, resolved_at: str
) -> tuple[Update, ...]:
    """The issue's parts as incident updates, resolved as the front matter says."""
    updates: list[Update] = []
    status = "investigating"
    for at, text in segments:
        found, message = _split_status(text)
        status = found or status
        updates.append(Update(at, status, message))
    if resolved and (not updates or updates[-1].status != "resolved"):
        last = updates[-1] if updates else None
        if last is not None and _instant(last.at) >= _instant(resolved_at):
            updates[-1] = Update(last.at, "resolved", last.message)
        else:
            updates.append(Update(resolved_at, "resolved", "This issue has been resolved."))
    if not updates:
        raise _Unmappable("it has no text and is not resolved: there is no update to show")
    return tuple(updates)


def _window(
    issue: Issue,
    title: str,
    start: str,
    until: str,
    systems: list[str],
    segments: list[tuple[str, str]],
    notes: list[str],
) -> Event:
    """A notice with an end: planned work from `date` to `resolvedWhen`."""
    begins, ends = _instant(start), _instant(until)
    updates = []
    for at, text in segments:
        moment = _instant(at)
        status = "scheduled" if moment < begins else "in_progress" if moment < ends else "completed"
        updates.append(Update(at, status, _split_status(text)[1]))
    refs = tuple((name, None) for name in systems)
    notes.append("a notice with resolvedWhen: a maintenance from date to resolvedWhen")
    return Event(
        SOURCE,
        issue.key,
        "maintenance",
        title,
        tuple(updates),
        refs,
        starts=start,
        ends=until,
        notes=tuple(notes),
    )


def import_plan(directory: Path) -> Plan:
    """Read the cState site in `directory` into a plan."""
    config, issues = read_site(directory)
    return plan_from(config, issues)


def import_cstate(
    config_path: Path, directory: Path, now: datetime, *, force: bool = False
) -> Report:
    """`statuspage import cstate DIR`: import the site into the repository of `config_path`."""
    return apply_plan(import_plan(directory), config_path, now, force=force)
