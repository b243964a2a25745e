"""`statuspage update`: append an update to an event file, keeping everything else as it is.

PyYAML cannot keep comments, so the update is added as text after the last line of
the file's `updates` list (found through the loader's marks), in the list's own
indentation. The result is parsed and validated before it is written, and it must
read back as the old data plus the new update; it is written to a temporary file,
fsynced and renamed over the old one, under a lock (Lektor's atomic_open).

The lock is on the event file itself. Since an update replaces that file, a lock taken
on a file that was opened before another update's rename guards nothing: after locking,
the path must still name the locked file, or the lock is dropped and the new file
locked instead.
"""

from __future__ import annotations

import contextlib
import difflib
import json
import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from pathlib import Path
from typing import IO, Any

import yaml

from statuspage.atomic import atomic_write
from statuspage.errors import StatusPageError
from statuspage.load.documents import Document
from statuspage.load.sources import (
    EVENT_DIR,
    EVENT_SUFFIX,
    display_path,
    parse_document,
)
from statuspage.model.models import Event, Incident, SiteConfig, server_key
from statuspage.model.times import TimeError, local_iso, parse_time, time_of_day_hint
from statuspage.model.validate import server_hint, validate_document
from statuspage.pipeline import load_state

try:  # POSIX only; elsewhere two simultaneous updates are not guarded
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None  # type: ignore[assignment]

INCIDENT_STATUSES = ("investigating", "identified", "monitoring", "resolved")
WINDOW_STATUSES = ("scheduled", "in_progress", "verifying", "completed", "cancelled")
_TOP_LEVEL_KEY = re.compile(r"^[^\s#-]")
_TIME_OF_DAY = re.compile(r"\d{1,2}:\d{2}(:\d{2})?", re.ASCII)


class UpdateError(StatusPageError):
    """The update cannot be added as asked; the file is unchanged."""


@dataclass(frozen=True)
class NewUpdate:
    status: str
    message: str
    at: str | None = None
    next_update: str | None = None
    #: Servers the event now concerns too (issue 16: `update --server`), added to its
    #: `servers:` by name or alias.
    servers: tuple[str, ...] = ()
    #: The language the message is written in (issue 17: `update --lang`); None: the default.
    language: str | None = None


def append_update(
    config_path: Path, event_id: str | None, request: NewUpdate, now: datetime
) -> Path:
    """Append an update to an event's file; return its path.

    `event_id` is the event's id, its file's path (incidents/ID.yaml) or the start of its
    id (`find_event`); None means the one open incident.
    """
    loaded = load_state(config_path, now)
    site, events = loaded.site, loaded.events
    directory = loaded.sources.root / EVENT_DIR
    event = find_event(event_id, events, directory)
    path = directory / f"{event.id}{EVENT_SUFFIX}"
    if not path.is_file():
        raise UpdateError(f"no event '{event.id}' (expected {display_path(path)})")
    allowed = INCIDENT_STATUSES if isinstance(event, Incident) else WINDOW_STATUSES
    if request.status not in allowed:
        kind = "an incident" if isinstance(event, Incident) else f"a {event.type}"
        raise UpdateError(
            f"'{request.status}' is not a status of {kind}; use one of: {', '.join(allowed)}"
        )
    with _locked(path):
        old = path.read_text(encoding="utf-8")
        document = parse_document(path, display_path(path), old.encode("utf-8"))
        # The file as it is now, under the lock: another update may have landed since
        # the sources were read.
        event = validate_document(document, site)
        last = event.updates[-1].at if event.updates else None
        entry: dict[str, Any] = _entry(request, site.zone, loaded.now, last)
        language = check_language(request.language, site)
        if language != site.language:
            entry["message"] = {language: entry["message"]}
        text, servers = old, None
        if request.servers:
            servers = _servers_after(event, request.servers, site)
            text = _with_servers(old, document, servers)
            document = parse_document(path, display_path(path), text.encode("utf-8"))
        new = _append(text, document, entry)
        _verify(path, old, new, entry, site, servers)
        _replace(path, new)
    return path


def _servers_after(event: Event, given: Sequence[str], site: SiteConfig) -> list[str]:
    """The event's `servers:` with the servers `given` (names or aliases) added: each a
    server of one of its components. An event naming none covers them all already."""
    if not event.servers:
        raise UpdateError(
            f"'{event.id}' names no servers, so it covers every server of its components; "
            "to name some, write `servers:` in its file"
        )
    known = {
        server_key(name): (server.name, component.id)
        for component in site.components
        for server in component.server_list
        for name in (server.name, *server.aliases)
    }
    servers = list(event.servers)
    for name in given:
        found = known.get(server_key(name))
        if found is None:
            names = {server_name for server_name, _ in known.values()}
            raise UpdateError(f"unknown server '{name}'{server_hint(name, names)}")
        server, owner = found
        if owner not in event.components:
            raise UpdateError(
                f"'{server}' is a server of '{owner}', which '{event.id}' does not name"
            )
        if server not in servers:
            servers.append(server)
    return servers


def _with_servers(text: str, document: Document, servers: list[str]) -> str:
    """The file's text with its `servers:` list written as `servers`, in its own style: a
    flow list on its line rewritten, a block list given the new items at its end."""
    lines = text.splitlines(keepends=True)
    key_line = document.marks.key_at(("servers",))[0] - 1
    first_line = document.marks.at(("servers", 0))[0] - 1
    if first_line == key_line:  # servers: [web02, web03]
        line = lines[key_line]
        opening, closing = line.find("[", line.find(":")), line.find("]")
        if opening < 0 or closing < opening:
            raise UpdateError(
                f"{document.display}: 'servers' is written over several lines; add the "
                "server by hand"
            )
        flow = "[" + ", ".join(yaml_scalar(name, "") for name in servers) + "]"
        lines[key_line] = line[:opening] + flow + line[closing + 1 :]
        return "".join(lines)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    listed = set(document.data.get("servers") or ())
    end = _end_of_block(lines, key_line)
    indent = _dash_indent(lines[first_line])
    added = "".join(
        f"{indent}- {yaml_scalar(name, indent)}\n" for name in servers if name not in listed
    )
    return "".join(lines[:end]) + added + "".join(lines[end:])


#: How many candidates a message lists when a start of an id fits several events.
_LISTED = 8
_SAY_WHICH = "give its id, its file (incidents/ID.yaml) or the start of its id"


def find_event(given: str | None, events: Sequence[Event], directory: Path) -> Event:
    """The event `given` names: its id, its file's path, or a start of its id that fits
    one event only; with None, the one open incident (whose last update is not resolved).
    UpdateError says why not, with a did-you-mean for an id that fits none."""
    by_id = {event.id: event for event in events}
    if given is None:
        open_incidents = sorted(
            event.id
            for event in events
            if isinstance(event, Incident)
            and (not event.updates or event.updates[-1].status != "resolved")
        )
        if len(open_incidents) == 1:
            return by_id[open_incidents[0]]
        if not open_incidents:
            raise UpdateError(f"no incident is open; say which event to update: {_SAY_WHICH}")
        raise UpdateError(
            f"{len(open_incidents)} incidents are open; say which one to update: "
            f"{_listed(open_incidents)}"
        )
    wanted = given.strip()
    if wanted.endswith(EVENT_SUFFIX) or "/" in wanted or os.sep in wanted:
        wanted = _id_of_path(wanted, directory)
    if wanted in by_id:
        return by_id[wanted]
    starting = sorted(event_id for event_id in by_id if event_id.startswith(wanted))
    if len(starting) == 1 and wanted:
        return by_id[starting[0]]
    if len(starting) > 1 and wanted:
        raise UpdateError(
            f"'{wanted}' is the start of {len(starting)} events' ids; give more of it: "
            f"{_listed(starting)}"
        )
    meant = _meant_id(wanted, sorted(by_id))
    hint = f" (did you mean '{meant}'?)" if meant else ""
    raise UpdateError(f"no event '{given.strip()}' in {display_path(directory)}/{hint}")


def _id_of_path(given: str, directory: Path) -> str:
    """The id of the event file at `given` (incidents/ID.yaml, as shell completion writes)."""
    path = Path(given)
    event_id = path.name.removesuffix(EVENT_SUFFIX)
    if path.exists() and path.resolve() != (directory / path.name).resolve():
        raise UpdateError(
            f"{given} is not an event file of this site; its events are in "
            f"{display_path(directory)}/"
        )
    return event_id


def _listed(ids: list[str]) -> str:
    shown = ", ".join(ids[:_LISTED])
    return shown if len(ids) <= _LISTED else f"{shown} and {len(ids) - _LISTED} more"


def _meant_id(given: str, ids: list[str]) -> str | None:
    """The id `given` was probably meant to be, or to begin (a typo in its first letters)."""
    best, score = None, 0.6
    matcher = difflib.SequenceMatcher(b=given)
    for event_id in ids:
        for candidate in (event_id, event_id[: len(given)]):
            matcher.set_seq1(candidate)
            if matcher.real_quick_ratio() > score and matcher.ratio() > score:
                best, score = event_id, matcher.ratio()
    return best


def _entry(
    request: NewUpdate, zone: tzinfo, now: datetime, last: datetime | None
) -> dict[str, str]:
    at = (
        _when("--at", request.at, zone, now) if request.at else now.replace(second=0, microsecond=0)
    )
    promised = (
        _when("--next-update", request.next_update, zone, now) if request.next_update else None
    )
    if last is not None and at < last:
        raise UpdateError(
            f"--at {local_iso(at, zone)} is before the last update "
            f"({local_iso(last, zone)}); updates go oldest first"
        )
    if promised is not None and promised <= at:
        raise UpdateError(
            f"--next-update {local_iso(promised, zone)} is not after the update itself"
        )
    entry = {
        "at": local_iso(at, zone),
        "status": request.status,
        "message": request.message.strip(),
    }
    if not entry["message"]:
        raise UpdateError("--message must not be empty")
    if promised is not None:
        entry["next_update"] = local_iso(promised, zone)
    return entry


def _when(option: str, text: str, zone: tzinfo, now: datetime) -> datetime:
    """A time from the command line; a time of day alone (11:30) is today in the site's zone.

    Only HH:MM[:SS] is a time of day: 11.30, 11,30 and 1130 are refused with the colon
    form suggested, as they are after a date (`parse_time`).
    """
    written = text.strip()
    try:
        if _TIME_OF_DAY.fullmatch(written):
            hours, rest = written.split(":", 1)
            return parse_time(f"{now.astimezone(zone):%Y-%m-%d}T{int(hours):02d}:{rest}", zone)
        meant = time_of_day_hint(written)
        if meant is not None:
            raise UpdateError(
                f"{option}: expected a time of day as HH:MM, got '{text}'; did you mean {meant}?"
            )
        return parse_time(text, zone)
    except TimeError as error:
        raise UpdateError(f"{option}: {error}") from None


def _append(text: str, document: Document, entry: dict[str, str]) -> str:
    """The file's text with `entry` added at the end of its updates list."""
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    updates = document.data.get("updates")
    if updates is None:  # no updates yet: start the list at the end of the file
        if "updates" in document.data:
            raise UpdateError(
                f"{document.display}: 'updates' is empty; write 'updates: []' or remove it"
            )
        return "".join(lines) + "updates:\n" + _render(entry, "  ")
    if not isinstance(updates, list):
        raise UpdateError(f"{document.display}: 'updates' is not a list")
    key_line = document.marks.key_at(("updates",))[0] - 1
    if not updates:  # `updates: []`: open the list where it is
        lines[key_line] = re.sub(r"\s*\[\s*\]", "", lines[key_line], count=1)
        return (
            "".join(lines[: key_line + 1]) + _render(entry, "  ") + "".join(lines[key_line + 1 :])
        )
    first_line = document.marks.at(("updates", 0))[0] - 1
    if first_line <= key_line:
        raise UpdateError(
            f"{document.display}: 'updates' is written inline; add this update by hand"
        )
    end = _end_of_block(lines, key_line)
    item = _render(entry, _dash_indent(lines[first_line]))
    return "".join(lines[:end]) + item + "".join(lines[end:])


def _dash_indent(line: str) -> str:
    return line[: len(line) - len(line.lstrip(" "))]


def _end_of_block(lines: list[str], key_line: int) -> int:
    """The line after the last content line of the top-level block that starts at key_line."""
    end = key_line + 1
    for index in range(key_line + 1, len(lines)):
        line = lines[index]
        if _TOP_LEVEL_KEY.match(line):
            break
        if line.strip() and not line.lstrip().startswith("#"):
            end = index + 1
    return end


def _render(entry: dict[str, Any], indent: str) -> str:
    first = True
    out = []
    for key, value in entry.items():
        prefix = f"{indent}- " if first else f"{indent}  "
        if isinstance(value, dict):  # a text in languages (issue 17)
            out.append(f"{prefix}{key}:\n")
            out.extend(
                f"{indent}    {language}: {yaml_scalar(text, indent + '      ')}\n"
                for language, text in value.items()
            )
        else:
            out.append(f"{prefix}{key}: {yaml_scalar(value, indent + '    ')}\n")
        first = False
    return "".join(out)


def check_language(
    language: str | None, site: SiteConfig, error: type[StatusPageError] = UpdateError
) -> str:
    """The language `--lang` names (`new`'s and `update`'s), one of the site's (None: its
    default); else `error`."""
    if language is None:
        return site.language
    if language not in site.languages:
        listed = ", ".join(site.languages)
        raise error(f"--lang {language}: not one of the site's languages ({listed})")
    return language


def translate(
    config_path: Path,
    event_id: str | None,
    language: str,
    now: datetime,
    *,
    message: str | None = None,
    title: str | None = None,
) -> Path:
    """Write `language`'s text of an event's latest update (`message`) and of its `title`,
    keeping the other languages' text as it is (issue 17: `update --lang` with no
    --status); return the file's path. `event_id` as append_update's."""
    loaded = load_state(config_path, now)
    site = loaded.site
    check_language(language, site)
    if message is None and title is None:
        raise UpdateError("give --message or --title, the text in that language")
    directory = loaded.sources.root / EVENT_DIR
    event = find_event(event_id, loaded.events, directory)
    path = directory / f"{event.id}{EVENT_SUFFIX}"
    changes: list[tuple[tuple[str | int, ...], str]] = []
    if title is not None:
        changes.append((("title",), " ".join(title.split())))
    if message is not None:
        if not event.updates:
            raise UpdateError(f"{event.id} has no update to translate; post one first")
        changes.append((("updates", len(event.updates) - 1, "message"), message.strip()))
    for loc, text in changes:
        if not text:
            raise UpdateError(f"--{loc[-1]} must not be empty")
    with _locked(path):
        old = path.read_text(encoding="utf-8")
        new = old
        for loc, text in changes:
            new = _with_translation(new, loc, language, text, site)
        expected = yaml.safe_load(old)
        for loc, text in changes:
            _set_in(expected, loc, _translated_value(_get_in(expected, loc), language, text, site))
        if _normalise(yaml.safe_load(new)) != _normalise(expected):
            raise UpdateError(
                f"{display_path(path)}: could not add the translation without changing the "
                "rest of the file; add it by hand"
            )
        validate_document(parse_document(path, display_path(path), new.encode("utf-8")), site)
        _replace(path, new)
    return path


def _translated_value(current: Any, language: str, text: str, site: SiteConfig) -> Any:
    """A text field's value with `language`'s text set, the others kept, in the site's
    order: a plain string when only the default language has one."""
    texts = dict(current) if isinstance(current, dict) else {site.language: current}
    texts[language] = text
    ordered = {lang: texts[lang] for lang in site.languages if lang in texts}
    ordered |= {lang: value for lang, value in texts.items() if lang not in ordered}
    if list(ordered) == [site.language]:
        return ordered[site.language]
    return ordered


def _get_in(data: Any, loc: tuple[str | int, ...]) -> Any:
    for part in loc:
        data = data[part]
    return data


def _set_in(data: Any, loc: tuple[str | int, ...], value: Any) -> None:
    _get_in(data, loc[:-1])[loc[-1]] = value


def _with_translation(
    text: str, loc: tuple[str | int, ...], language: str, value: str, site: SiteConfig
) -> str:
    """`text` with the field at `loc` written as `_translated_value` has it, in place of
    what was there (its key, and what follows its value, as they are)."""
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    key_node, node = None, root
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            key_node, node = next((k, v) for k, v in node.value if k.value == part)
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            node = node.value[part]
    if key_node is None or node is None:
        raise UpdateError(f"no {loc[-1]} to translate")
    current = _get_in(yaml.safe_load(text), loc)
    texts = _translated_value(current, language, value, site)
    indent = " " * (key_node.start_mark.column + 2)
    if isinstance(texts, str):
        written = " " + yaml_scalar(texts, indent)
    else:
        written = "".join(
            f"\n{indent}{lang}: {yaml_scalar(body, indent + '  ')}" for lang, body in texts.items()
        )
    start, end = key_node.end_mark.index, value_end(node)
    colon = text.index(":", start) + 1
    # A block value ends after its last line break; what is written ends before it.
    ending = "\n" if text[:end].endswith("\n") else ""
    return text[:colon] + written + ending + text[end:]


def value_end(node: yaml.Node) -> int:
    """Where a value ends in its file's text: a block mapping's or list's at the end of
    its last value (its own end mark is where the next key starts, past any comments
    between them)."""
    while isinstance(node, yaml.MappingNode | yaml.SequenceNode) and node.value:
        if node.flow_style:
            break
        last = node.value[-1]
        node = last[1] if isinstance(last, tuple) else last
    return int(node.end_mark.index)


def yaml_scalar(value: str, indent: str) -> str:
    """Write a value so that YAML reads back exactly it: plain when safe, else quoted or a block."""
    if "\n" in value:
        body = "".join(f"{indent}{line}\n" if line else "\n" for line in value.split("\n"))
        return "|-\n" + body.rstrip("\n")
    try:
        if yaml.safe_load(f"key: {value}") == {"key": value}:
            return value
    except yaml.YAMLError:
        pass
    return json.dumps(value, ensure_ascii=False)


def _verify(
    path: Path,
    old: str,
    new: str,
    entry: dict[str, str],
    site: SiteConfig,
    servers: list[str] | None = None,
) -> None:
    """The new text must validate and read as the old data plus exactly this update (and
    `servers`, when given, as its servers)."""
    before = yaml.safe_load(old)
    after = yaml.safe_load(new)
    expected = dict(before or {})
    expected["updates"] = [*(expected.get("updates") or []), _as_loaded(entry)]
    if servers is not None:
        expected["servers"] = servers
    if _normalise(after) != _normalise(expected):
        raise UpdateError(
            f"{display_path(path)}: could not add the update without changing the rest "
            "of the file; add it by hand"
        )
    validate_document(parse_document(path, display_path(path), new.encode("utf-8")), site)


def _as_loaded(entry: dict[str, str]) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(_render(entry, ""))[0]
    return loaded


def _normalise(data: Any) -> Any:
    return json.loads(json.dumps(data, default=str, sort_keys=True))


#: How many times a lock is taken again when the file was replaced while it was taken.
_LOCK_ATTEMPTS = 10


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on the event file; refuse if another update holds it.

    Another update may replace the file between our open and our lock; then the lock
    is on the old file, which no other update will lock again, so the path is checked
    to still be the locked file, and if not the new file is opened and locked.
    """
    busy = UpdateError(f"{display_path(path)} is being updated by another process; try again")
    for _ in range(_LOCK_ATTEMPTS):
        try:
            handle = path.open("rb")
        except FileNotFoundError:
            raise UpdateError(f"{display_path(path)} no longer exists") from None
        with handle:
            if fcntl is None:  # pragma: no cover
                yield
                return
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise busy from None
            if _is_open_file(path, handle):
                yield
                return
        # Replaced by another update meanwhile: that one is done; lock the new file.
    raise busy


def _is_open_file(path: Path, handle: IO[bytes]) -> bool:
    """Whether `path` still names the file open as `handle` (not renamed over since)."""
    try:
        named = os.stat(path)
    except FileNotFoundError:
        return False
    opened = os.fstat(handle.fileno())
    return (named.st_dev, named.st_ino) == (opened.st_dev, opened.st_ino)


def _replace(path: Path, text: str) -> None:
    """Write atomically (under the file's lock, so a temporary file of an earlier update
    of it that was killed before its rename is left over from that update alone)."""
    atomic_write(path, text)
