"""What every importer shares: the neutral plan, the YAML it becomes, and how it is written.

An importer reads its source into a `Plan`. `apply_plan` then

- matches the plan's components to statuspage.yaml's (by name and group) and appends the
  new ones to its `components:` list as text, so no comment or entry of the user's changes;
- renders each event as an event file whose first line names its source and a digest of
  the text below it, so that a later import knows the file, and whether anyone edited it;
- validates every file before it is written (the same checks as `statuspage check`), and
  writes only new files, or its own files nobody has edited since, unless told to `force`.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any, Literal

import yaml
from markdownify import markdownify
from pydantic import ValidationError

from statuspage.atomic import atomic_write
from statuspage.authoring.edit import yaml_scalar
from statuspage.authoring.scaffold import slugify
from statuspage.check import check
from statuspage.errors import InvalidInputError, StatusPageError
from statuspage.load.documents import LoadError
from statuspage.load.sources import EVENT_DIR, EVENT_SUFFIX, display_path, parse_document
from statuspage.model.models import COMPONENT_STATUSES, SiteConfig
from statuspage.model.times import parse_iso
from statuspage.model.validate import validate_document
from statuspage.pipeline import load_state

Kind = Literal["incident", "maintenance"]
#: The first line of an imported file: `# statuspage import: SOURCE KIND ID (sha256:DIGEST)`.
MARKER = re.compile(r"^# statuspage import: (\S+) (\S+) (\S+) \(sha256:([0-9a-f]{12})\)$")
_HTML = re.compile(r"</?[a-zA-Z][a-zA-Z0-9]*(\s[^<>]*)?/?>|&(#\d+|#x[0-9a-fA-F]+|[a-zA-Z]+);")


class ImportFailure(StatusPageError):
    """The source cannot be read or mapped at all (one line for the CLI)."""


@dataclass(frozen=True)
class Component:
    """A component as the source names it; `key` is the source's own id."""

    key: str
    name: str
    group: str | None = None
    description: str | None = None
    source: str = ""

    @property
    def origin(self) -> str:
        """'SOURCE KEY', as the comment on its id line in statuspage.yaml says."""
        return _one_line(f"{self.source} {self.key}")


@dataclass(frozen=True)
class Update:
    """One update: its time as the source wrote it (offset kept), our status, Markdown.

    `components` are the component statuses the source recorded with this update, as
    (source component key, status); our format has no field for them, so they are kept
    as a comment on the update.
    """

    at: str
    status: str
    message: str
    components: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Event:
    """An incident or maintenance of the source, mapped to our vocabulary."""

    source: str
    key: str
    kind: Kind
    title: str
    updates: tuple[Update, ...]
    #: (source component key, status it causes, or None for the list form)
    components: tuple[tuple[str, str | None], ...] = ()
    impact: str | None = None
    postmortem: str | None = None
    description: str | None = None
    starts: str | None = None
    ends: str | None = None
    #: Comment lines kept in the file: where it came from, what had no field.
    notes: tuple[str, ...] = ()


@dataclass
class Plan:
    """Everything read from one source, and what could not be mapped (source id, reason)."""

    source: str
    components: list[Component] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    #: What was imported all the same, less something: (source id, what was left out).
    warnings: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class Report:
    """What an import did, for the summary line."""

    incidents: list[Path] = field(default_factory=list)
    maintenances: list[Path] = field(default_factory=list)
    components: list[str] = field(default_factory=list)
    updated: list[Path] = field(default_factory=list)
    present: list[str] = field(default_factory=list)
    kept: list[tuple[str, str]] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[tuple[str, str]] = field(default_factory=list)

    def summary(self) -> str:
        """'imported 48 incidents, 12 maintenances, 9 components; 2 already present; ...'"""
        parts = [
            "imported "
            + ", ".join(
                [
                    _count(len(self.incidents), "incident"),
                    _count(len(self.maintenances), "maintenance"),
                    _count(len(self.components), "component"),
                ]
            )
        ]
        if self.updated:
            parts.append(f"{len(self.updated)} updated")
        parts.append(f"{len(self.present)} already present")
        if self.kept:
            parts.append(f"{len(self.kept)} kept as edited (--force replaces them)")
        if self.skipped:
            parts.append(f"{len(self.skipped)} skipped")
        return "; ".join(parts)

    def details(self) -> Iterator[str]:
        """One line per file kept or event skipped, naming the source's id and why."""
        for key, reason in self.kept:
            yield f"kept {key}: {reason}"
        for key, reason in self.skipped:
            yield f"skipped {key}: {reason}"
        for key, reason in self.warnings:
            yield f"note {key}: {reason}"


def _count(number: int, noun: str) -> str:
    """Say "1 incident" or "2 incidents"."""
    return f"{number} {noun}{'' if number == 1 else 's'}"


# --- text from the source ---------------------------------------------------------------


def to_markdown(text: str) -> str:
    """Markdown for an update body: HTML through markdownify, plain text as it is."""
    if not _HTML.search(text):
        return text.strip()
    converted = markdownify(
        text, heading_style="ATX", bullets="-", escape_underscores=False, newline_style="BACKSLASH"
    )
    lines = [line.rstrip() for line in converted.strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def worst(statuses: Iterable[str]) -> str | None:
    """The worst of component statuses (SPEC order), or None for none."""
    ranked = [COMPONENT_STATUSES.index(s) for s in statuses if s in COMPONENT_STATUSES]
    return COMPONENT_STATUSES[max(ranked)] if ranked else None


# --- components -------------------------------------------------------------------------


#: An appended component's id line, which names the source's component it came from.
_ORIGIN = re.compile(r"^\s*-\s+id:\s*([a-z0-9][a-z0-9-]*)\s+# from (\S+) (.+?)\s*$", re.M)


def recorded_origins(text: str) -> dict[str, str]:
    """'SOURCE KEY' -> our id, for the components an earlier import appended."""
    return {f"{source} {key}": ours for ours, source, key in _ORIGIN.findall(text)}


def assign_ids(
    wanted: Sequence[Component], site: dict[str, Any], origins: dict[str, str] | None = None
) -> tuple[dict[str, str], list[dict[str, str]]]:
    """Our id for each source component, and the entries to append for the new ones.

    A component an earlier import appended (its id line names the source's id, as
    `origins` has read them) is that one, whatever either side renamed since; else one
    of statuspage.yaml with the same name and group is; a new one gets the slug of its
    name (of group and name, or a number, when taken).
    """
    existing = [c for c in site.get("components") or [] if isinstance(c, dict)]
    by_name = {(str(c.get("name")), c.get("group")): str(c.get("id")) for c in existing}
    taken = {str(c.get("id")) for c in existing}
    ids: dict[str, str] = {}
    new: list[dict[str, str]] = []
    for component in wanted:
        found = (origins or {}).get(component.origin)
        if found not in taken:
            found = by_name.get((component.name, component.group))
        if found is not None:
            ids[component.key] = found
            continue
        chosen = _free_id(component, taken)
        taken.add(chosen)
        ids[component.key] = chosen
        by_name[(component.name, component.group)] = chosen
        entry = {"id": chosen, "name": component.name}
        if component.group:
            entry["group"] = component.group
        if component.description:
            entry["description"] = component.description
        new.append(entry)
    return ids, new


def _free_id(component: Component, taken: set[str]) -> str:
    """A component id not yet taken: the name's slug, then group-name, then -2, -3, ..."""
    base = slugify(component.name)
    candidates = [base]
    if component.group:
        candidates.append(f"{slugify(component.group)}-{base}"[:60].rstrip("-"))
    candidates.extend(f"{base}-{n}" for n in range(2, 1000))
    for candidate in candidates:
        if candidate not in taken:
            return candidate
    raise ImportFailure(f"too many components named {component.name!r}")


_COMPONENTS_KEY = re.compile(r"^components:[ \t]*(#.*)?$")


def append_components(
    text: str, entries: list[dict[str, str]], source: str, origins: dict[str, str] | None = None
) -> str:
    """statuspage.yaml's text with `entries` appended to its `components:` list.

    Only lines are added, after the list's last entry: the user's comments, order and
    layout stay as they are. A list in flow style ([a, b]) cannot take more lines.
    """
    if not entries:
        return text
    lines = text.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if _COMPONENTS_KEY.match(line)), None)
    if start is None:
        if re.search(r"^components:", text, re.MULTILINE):
            raise ImportFailure(
                "statuspage.yaml writes components: in flow style; write it as a block "
                "list (one '- id:' per line) so that the import can append to it"
            )
        prefix = text if text.endswith("\n") or not text else text + "\n"
        return prefix + "components:\n" + _render_components(entries, "  ", source, origins)
    last, indent = start, "  "
    for index in range(start + 1, len(lines)):
        line = lines[index]
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if not line[0].isspace() and not line.startswith("-"):
            break
        if last == start:
            indent = line[: len(line) - len(line.lstrip())]
        last = index
    if not lines[last].endswith("\n"):
        lines[last] += "\n"
    lines.insert(last + 1, _render_components(entries, indent, source, origins))
    return "".join(lines)


def _render_components(
    entries: list[dict[str, str]], indent: str, source: str, origins: dict[str, str] | None
) -> str:
    """The lines of new component entries, under a comment naming the source; each id
    line names the source's component (`origins`: our id -> 'SOURCE KEY')."""
    out = [f"{indent}# Imported from {source} by statuspage import.\n"]
    for entry in entries:
        for number, (key, value) in enumerate(entry.items()):
            prefix = f"{indent}- " if number == 0 else f"{indent}  "
            origin = (origins or {}).get(value) if key == "id" else None
            comment = f"  # from {origin}" if origin else ""
            out.append(f"{prefix}{key}: {yaml_scalar(value, indent + '    ')}{comment}\n")
    return "".join(out)


def _checked_config(old: str, new: str, entries: list[dict[str, str]], path: Path) -> SiteConfig:
    """The merged statuspage.yaml must read as the old one plus `entries`, and be valid."""
    before, after = yaml.safe_load(old) or {}, yaml.safe_load(new)
    expected = dict(before)
    expected["components"] = [*(before.get("components") or []), *entries]
    if after != expected:
        raise ImportFailure(
            f"cannot append components to {display_path(path)} without changing what it "
            "says; add them by hand: " + ", ".join(e["id"] for e in entries)
        )
    document = parse_document(path, display_path(path), new.encode("utf-8"))
    try:
        return SiteConfig.model_validate(document.data, context={})
    except ValidationError as error:
        raise ImportFailure(
            f"the merged {display_path(path)} would not be valid: {error}"
        ) from None


# --- event files ------------------------------------------------------------------------


def event_id(event: Event, zone: tzinfo) -> str:
    """YYYY-MM-DD-slug, by the day the event starts in the site's zone."""
    first = event.starts if event.kind == "maintenance" else None
    first = first or (event.updates[0].at if event.updates else event.starts)
    day = _instant(first, zone).astimezone(zone).date() if first else None
    slug = slugify(event.title)
    return f"{day:%Y-%m-%d}-{slug}" if day else slug


def _instant(text: str, zone: tzinfo) -> datetime:
    """The instant of an ISO 8601 time; one without an offset is in `zone`."""
    moment = parse_iso(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)


def render_event(event: Event, ids: dict[str, str]) -> str:
    """The event file's text, below its marker line."""
    out: list[str] = [f"# {_one_line(note)}\n" for note in event.notes]
    out.append(f"type: {event.kind}\n")
    out.append(f"title: {yaml_scalar(event.title, '  ')}\n")
    if event.kind == "incident" and event.impact:
        out.append(f"impact: {event.impact}\n")
    out.append(_render_refs(event.components, ids))
    if event.kind == "maintenance":
        out.append(f"starts: {_time(event.starts)}\n")
        out.append(f"ends: {_time(event.ends)}\n")
    if event.description:
        out.append(f"description: {yaml_scalar(event.description, '  ')}\n")
    out.append("updates:" + ("\n" if event.updates else " []\n"))
    for update in event.updates:
        out.append(f"  - at: {_time(update.at)}\n")
        out.append(f"    status: {update.status}\n")
        if update.components:
            shown = ", ".join(f"{ids.get(k, k)}: {s}" for k, s in update.components)
            out.append(f"    # components: {shown}\n")
        out.append(f"    message: {yaml_scalar(update.message, '      ')}\n")
    if event.postmortem:
        out.append(f"postmortem: {yaml_scalar(event.postmortem, '  ')}\n")
    return "".join(out)


_TIME_TEXT = re.compile(r"[0-9][0-9T:.,+Z-]*")


def _time(text: str | None) -> str:
    """A time as the source wrote it, when it is only that; else quoted (check says why)."""
    value = (text or "").strip()
    return value if _TIME_TEXT.fullmatch(value) else yaml_scalar(value, "  ")


def _one_line(text: str) -> str:
    """A comment's text: one line, no control characters."""
    return " ".join("".join(c if c.isprintable() else " " for c in text).split())


def _render_refs(refs: tuple[tuple[str, str | None], ...], ids: dict[str, str]) -> str:
    """The `components:` field: a mapping of our ids to statuses, or the list form."""
    mapped: dict[str, str | None] = {}
    for key, status in refs:
        if key in ids:
            ours = ids[key]
            given = [s for s in (mapped.get(ours), status) if s is not None]
            mapped[ours] = worst(given)
    if not mapped:
        return "components: []\n"
    if all(status is None for status in mapped.values()):
        return f"components: [{', '.join(mapped)}]\n"
    lines = [f"  {key}: {status or 'operational'}\n" for key, status in mapped.items()]
    return "components:\n" + "".join(lines)


def with_marker(event: Event, body: str) -> str:
    """The whole file: the marker line naming the source and the body's digest, the body."""
    marker = f"# statuspage import: {event.source} {event.kind} {event.key}"
    return f"{marker} (sha256:{digest(body)})\n{body}"


def digest(body: str) -> str:
    """The short SHA-256 of a file's body that its marker line records."""
    return hashlib.sha256(body.encode("utf-8")).hexdigest()[:12]


@dataclass(frozen=True)
class _Imported:
    """An event file an earlier import wrote, and whether it is as written."""

    path: Path
    text: str
    edited: bool


def _imported_files(directory: Path) -> dict[tuple[str, str], _Imported]:
    """The files of earlier imports, by (source, source id)."""
    found: dict[tuple[str, str], _Imported] = {}
    for path in sorted(directory.glob(f"*{EVENT_SUFFIX}")):
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        first, _, body = text.partition("\n")
        match = MARKER.match(first)
        if match is not None:
            source, _, key, recorded = match.groups()
            found[(source, key)] = _Imported(path, text, digest(body) != recorded)
    return found


# --- applying a plan --------------------------------------------------------------------


def apply_plan(plan: Plan, config_path: Path, now: datetime, *, force: bool = False) -> Report:
    """Write the plan into the repository of `config_path`; return what was done.

    The repository must be valid before. Every new or changed file is validated before
    anything is written; afterwards `statuspage check` runs over the whole repository.
    """
    loaded = load_state(config_path, now)
    zone = loaded.site.zone
    old_text = config_path.read_text(encoding="utf-8")
    recorded = recorded_origins(old_text)
    ids, entries = assign_ids(plan.components, yaml.safe_load(old_text) or {}, recorded)
    origins = {ids[c.key]: c.origin for c in plan.components if c.source}
    new_text = append_components(old_text, entries, plan.source, origins)
    site = _checked_config(old_text, new_text, entries, config_path) if entries else loaded.site
    report = Report(skipped=list(plan.skipped), warnings=list(plan.warnings))
    directory = config_path.resolve().parent / EVENT_DIR
    writes = _plan_writes(plan, ids, site, zone, directory, force, report)
    if new_text != old_text:
        atomic_write(config_path, new_text)
        report.components = [entry["id"] for entry in entries]
    for path, text, replace in writes:
        atomic_write(path, text, exclusive=not replace)
    _recheck(config_path, now, [path for path, _, _ in writes])
    return report


def _plan_writes(
    plan: Plan,
    ids: dict[str, str],
    site: SiteConfig,
    zone: tzinfo,
    directory: Path,
    force: bool,
    report: Report,
) -> list[tuple[Path, str, bool]]:
    """(path, text, replace) for each file to write, every one valid; fills `report`."""
    imported = _imported_files(directory)
    claimed: set[Path] = {found.path for found in imported.values()}
    writes: list[tuple[Path, str, bool]] = []
    for event in plan.events:
        text = with_marker(event, render_event(event, ids))
        earlier = imported.get((event.source, event.key))
        path = earlier.path if earlier else _new_path(event, zone, directory, claimed)
        label = f"{event.kind} {event.key}"
        if earlier is not None and earlier.text == text:
            report.present.append(label)
            continue
        if earlier is not None and earlier.edited and not force:
            report.kept.append((label, f"{display_path(path)} was edited since it was imported"))
            continue
        if earlier is None and path.exists() and not force:
            report.skipped.append(
                (label, f"{display_path(path)} exists and was not imported; --force replaces it")
            )
            continue
        problem = _invalid(path, text, site)
        if problem is not None:
            report.skipped.append((label, problem))
            continue
        claimed.add(path)
        writes.append((path, text, path.exists()))
        if earlier is not None:
            report.updated.append(path)
        else:
            (report.incidents if event.kind == "incident" else report.maintenances).append(path)
    return writes


def _new_path(event: Event, zone: tzinfo, directory: Path, claimed: set[Path]) -> Path:
    """incidents/ID.yaml for a new event; a second one of the same day and title gets -2."""
    base = event_id(event, zone)
    for number in range(1, 1000):
        path = directory / f"{base if number == 1 else f'{base}-{number}'}{EVENT_SUFFIX}"
        if path not in claimed:
            claimed.add(path)
            return path
    raise ImportFailure(f"too many events named {base}")


def _invalid(path: Path, text: str, site: SiteConfig) -> str | None:
    """Why the file would not pass `check`, or None."""
    try:
        document = parse_document(path, display_path(path), text.encode("utf-8"))
        validate_document(document, site)
    except LoadError as error:
        return f"would not be valid YAML: {error}"
    except InvalidInputError as error:
        return "would not pass check: " + "; ".join(p.message for p in error.problems if p.is_error)
    return None


def _recheck(config_path: Path, now: datetime, written: list[Path]) -> None:
    """Run the real `check`; an error in a file just written is a bug worth stopping on."""
    shown = {display_path(path) for path in written} | {display_path(config_path)}
    errors = [p for p in check(config_path, now) if p.is_error and p.path in shown]
    if errors:
        raise InvalidInputError(errors)
