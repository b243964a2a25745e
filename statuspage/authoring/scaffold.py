"""`statuspage init` and `statuspage new`: files from the package's commented templates.

Nothing here overwrites: `init` refuses a non-empty directory and `new` picks the next
free name (`-2`, `-3`, ...), creating it exclusively (MkDocs new.py, Pelican quickstart).
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from functools import cache
from importlib import metadata, resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from statuspage import DISTRIBUTION, __version__
from statuspage.atomic import atomic_write
from statuspage.authoring.edit import check_language, yaml_scalar
from statuspage.errors import Problem, StatusPageError
from statuspage.load.documents import Document, Loc
from statuspage.load.sources import (
    EVENT_DIR,
    EVENT_SUFFIX,
    display_path,
    parse_document,
)
from statuspage.model.models import SHIPPED_LANGUAGES, SiteConfig
from statuspage.model.times import (
    TimeError,
    format_duration,
    local_iso,
    parse_duration,
    parse_rule_parts,
    parse_time,
    resolve_now,
)
from statuspage.model.validate import (
    component_hint,
    field_path,
    server_hint,
    validate_document,
)
from statuspage.pipeline import load_state

#: What `init` writes: package file -> path in the new repository.
SCAFFOLD = {
    "statuspage.yaml": "statuspage.yaml",
    "README.md": "README.md",
    "gitignore": ".gitignore",
    "workflows/statuspage.yml": ".github/workflows/statuspage.yml",
    # The folder's own note, which `build` never publishes (statuspage/build.py, EXTRA_NOTE).
    "extra/README.md": "extra/README.md",
}
_PLACEHOLDER = re.compile(r"\{\{ (\w+) \}\}")
# The requirement is written into the workflow's YAML as a double-quoted string, and run
# by a shell as "$STATUSPAGE_REQUIREMENT": no quotes, backslashes, `$` (GitHub's `${{ }}`),
# line breaks or other control characters.
_UNSAFE_REQUIREMENT = re.compile(r'["\\$\x00-\x1f\x7f]')


class ScaffoldError(StatusPageError):
    """A file cannot be created as asked."""


def _template(name: str) -> str:
    return (resources.files("statuspage") / "scaffold" / name).read_text(encoding="utf-8")


def _fill(text: str, values: Mapping[str, str]) -> str:
    """Replace {{ name }} for the names given (the workflow's ${{ }} stays as it is)."""
    return _PLACEHOLDER.sub(lambda match: values.get(match.group(1), match.group(0)), text)


def _minute(moment: datetime, zone: tzinfo) -> str:
    return local_iso(moment.replace(second=0, microsecond=0), zone)


def init_repository(
    directory: Path,
    now: datetime,
    zone: tzinfo,
    requirement: str | None = None,
    language: str = "en",
) -> list[Path]:
    """Scaffold a working status repository in `directory`, which must be empty or new.

    `requirement` is what its publishing workflow installs with pip (default: what this
    copy was installed from, `installed_requirement`); `language` is the site's.
    """
    if language not in LANGUAGES:
        raise ScaffoldError(f"unknown language '{language}'; use one of: {', '.join(LANGUAGES)}")
    note = ""
    if requirement is None:
        requirement, note = installed_requirement()
    requirement = requirement.strip()
    if not requirement or _UNSAFE_REQUIREMENT.search(requirement):
        raise ScaffoldError(
            f"refusing the requirement {requirement!r}: give one line that pip understands, "
            f"such as {DISTRIBUTION}=={__version__} or "
            f"'{DISTRIBUTION} @ git+https://git.example.com/statuspage@v{__version__}'"
        )
    if directory.exists() and (not directory.is_dir() or any(directory.iterdir())):
        raise ScaffoldError(f"refusing to initialise {display_path(directory)}: it is not empty")
    now = resolve_now(now, zone)
    today = now.astimezone(zone).date()
    started = now - timedelta(days=2, hours=1)
    last_sunday = today - timedelta(days=(today.weekday() + 1) % 7 or 7)
    maintenance = datetime.combine(today + timedelta(days=7), datetime.min.time())
    values = {
        "title": "Example status",
        "timezone": getattr(zone, "key", "UTC"),
        "language": language,
        "version": __version__,
        "requirement": requirement,
        "requirement_note": note,
        "started": _minute(started, zone),
        "identified": _minute(started + timedelta(minutes=25), zone),
        "promised": _minute(started + timedelta(hours=1, minutes=25), zone),
        "resolved": _minute(started + timedelta(hours=1, minutes=10), zone),
        "starts": f"{maintenance:%Y-%m-%d}T02:00",
        "announced": _minute(now - timedelta(hours=1), zone),
        "first_backup": f"{last_sunday:%Y-%m-%d}T03:00",
    }
    incident_day = started.astimezone(zone).date()
    events = {
        "incident.yaml": f"{incident_day:%Y-%m-%d}-slow-api-responses",
        "maintenance.yaml": f"{maintenance:%Y-%m-%d}-database-upgrade",
        "backup.yaml": "weekly-database-backup",
    }
    written = []
    for source, target in SCAFFOLD.items():
        written.append(_create(directory / target, _fill(_template(source), values)))
    for source, event_id in events.items():
        text = _fill(_template(f"incidents/{source}"), {**values, "id": event_id})
        written.append(_create(directory / EVENT_DIR / f"{event_id}{EVENT_SUFFIX}", text))
    (directory / "templates").mkdir(exist_ok=True)
    return written


def installed_requirement() -> tuple[str, str]:
    """The pip requirement of the copy that runs, and a workflow comment ("" or lines).

    pip records where a copy came from when it was not an index (PEP 610, the
    distribution's direct_url.json): a VCS URL, pinned here to the commit installed; an
    archive's URL with its hash; or a directory. Else it came from an index, by its name
    and this version. A place only this machine has (a file: URL) is written all the same,
    with a comment saying a runner has no such place.
    """
    released = f"{DISTRIBUTION}=={__version__}"
    try:
        recorded = metadata.distribution(DISTRIBUTION).read_text("direct_url.json")
        record = json.loads(recorded) if recorded else None
    except (metadata.PackageNotFoundError, ValueError, OSError):
        record = None
    found = _direct_requirement(record) if isinstance(record, dict) else None
    if found is None or _UNSAFE_REQUIREMENT.search(found):
        return released, ""
    if not found.startswith(f"{DISTRIBUTION} @ file:"):
        return found, ""
    note = (
        "  # `statuspage init` ran from a copy installed from this machine's disk, which a\n"
        "  # runner does not have: put a release or a git URL here before you push.\n"
    )
    return found, note


def _direct_requirement(record: dict[str, Any]) -> str | None:
    """PEP 610's record as a requirement, or None when it is not one we understand."""
    url = record.get("url")
    if not isinstance(url, str) or not url:
        return None
    url = _without_credentials(url)
    vcs, archive = record.get("vcs_info"), record.get("archive_info")
    fragment = ""
    if isinstance(record.get("subdirectory"), str):
        fragment = f"#subdirectory={record['subdirectory']}"
    if isinstance(vcs, dict):
        kind, commit = vcs.get("vcs"), vcs.get("commit_id")
        if not isinstance(kind, str) or not isinstance(commit, str):
            return None
        return f"{DISTRIBUTION} @ {kind}+{url}@{commit}{fragment}"
    if isinstance(archive, dict):
        hashes = archive.get("hashes")
        digest = hashes.get("sha256") if isinstance(hashes, dict) else None
        if digest is None and isinstance(archive.get("hash"), str):  # the older field
            name, _, value = archive["hash"].partition("=")
            digest = value if name == "sha256" else None
        fragment = f"#sha256={digest}" if isinstance(digest, str) and not fragment else fragment
        return f"{DISTRIBUTION} @ {url}{fragment}"
    if isinstance(record.get("dir_info"), dict):
        return f"{DISTRIBUTION} @ {url}{fragment}"
    return None


def _without_credentials(url: str) -> str:
    """Never write a token into a workflow that is committed: only ssh's `git@` stays."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    user, _, host = parts.netloc.rpartition("@")
    netloc = host if user != "git" else parts.netloc
    return urlunsplit(parts._replace(netloc=netloc))


def _create(path: Path, text: str) -> Path:
    """Write a new file whole or not at all, never replacing one (FileExistsError)."""
    try:
        return _create_file(path, text)
    except FileExistsError:
        raise
    except OSError as error:  # a read-only disk, a full one, a permission
        raise ScaffoldError(
            f"cannot create {display_path(path)}: {error.strerror or error}"
        ) from None


def _create_file(path: Path, text: str) -> Path:
    return atomic_write(path, text, exclusive=True)


# --- statuspage new ---------------------------------------------------------------------


def N_(message: str) -> str:
    """Mark a message for extraction; it is translated into the site's language when written."""
    return message


#: What `new` writes where it is given no text, in the site's language (the catalogs in
#: statuspage/locale/): a customer would read it, so `check` and `build` warn while it
#: is still in place (`placeholder_warnings`).
PLACEHOLDERS = {
    "incident": N_("We are investigating reports of problems."),
    "announced": N_("Announced."),
    "description": N_("Details will follow."),
}
#: Texts earlier versions of `new` wrote, in English whatever the site's language.
_EARLIER_PLACEHOLDERS = ("Announced.", "What customers will notice, in Markdown.")
#: `--repeat` words and the RRULEs they stand for ({day}: the weekday the window starts).
REPEAT_WORDS = {
    "daily": "FREQ=DAILY",
    "weekly": "FREQ=WEEKLY;BYDAY={day}",
    "monthly": "FREQ=MONTHLY",
    "weekdays": "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR",
}
_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
#: The languages a site may have (statuspage.yaml's `language`), each with its catalog.
LANGUAGES: tuple[str, ...] = SHIPPED_LANGUAGES


@dataclass(frozen=True)
class NewEvent:
    """What `statuspage new` was asked for."""

    kind: str
    title: str
    components: tuple[str, ...]
    impact: str | None = None
    starts: str | None = None
    duration: str | None = None
    repeat: str | None = None
    message: str | None = None
    description: str | None = None
    ends: str | None = None
    servers: tuple[str, ...] = ()
    #: The language its texts are written in (issue 17: `new --lang`); None: the default.
    language: str | None = None


def slugify(title: str) -> str:
    """'PHP 8.4 upgrade on shared hosting!' -> 'php-8-4-upgrade-on-shared-hosting'."""
    ascii_text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:60].rstrip("-") or "event"


def new_event(config_path: Path, request: NewEvent, now: datetime) -> Path:
    """Write incidents/YYYY-MM-DD-slug.yaml for the request, validated; return its path.

    A window that repeats without end (no UNTIL or COUNT) is named by its slug alone: its
    first date says nothing about it once it has run for a while.
    """
    loaded = load_state(config_path, now)
    site = loaded.site
    for component in request.components:
        if component not in site.component_ids:
            hint = component_hint(component, set(site.component_ids))
            raise ScaffoldError(f"unknown component '{component}'{hint}")
    _check_servers(site, request)
    zone, now = site.zone, loaded.now
    language = check_language(request.language, site, ScaffoldError)
    text, day, endless = _event_text(request, now, zone, language, site.language)
    directory = config_path.resolve().parent / EVENT_DIR
    base = slugify(request.title) if endless else f"{day:%Y-%m-%d}-{slugify(request.title)}"
    for number in range(1, 1000):
        event_id = base if number == 1 else f"{base}-{number}"
        path = directory / f"{event_id}{EVENT_SUFFIX}"
        if path.exists():
            continue
        document = parse_document(path, display_path(path), text.encode("utf-8"))
        validate_document(document, site)  # raises InvalidInputError, nothing written
        try:
            return _create(path, text)
        except FileExistsError:
            continue  # somebody else took the name just now
    raise ScaffoldError(f"too many events named {base}")


def _check_servers(site: SiteConfig, request: NewEvent) -> None:
    """--server names a server of one of the event's --component (issue 16)."""
    owners = {
        server.name: component.id
        for component in site.components
        for server in component.server_list
    }
    for name in request.servers:
        owner = owners.get(name)
        if owner is None:
            raise ScaffoldError(f"unknown server '{name}'{server_hint(name, owners)}")
        if owner not in request.components:
            raise ScaffoldError(
                f"'{name}' is a server of '{owner}': add --component {owner}, or leave it out"
            )


def in_language(make: Callable[[str], str], language: str, default: str, key_indent: str) -> str:
    """A field's YAML value (written after 'key: ', the key at `key_indent`), `make(indent)`
    writing the text with its further lines at `indent`: the text itself in the default
    language, else a mapping of `language` to it (a text in the other languages can be
    added beside it: `update --lang`)."""
    if language == default:
        return make(key_indent + "  ")
    return f"\n{key_indent}  {language}: {make(key_indent + '    ')}"


def _event_text(
    request: NewEvent, now: datetime, zone: tzinfo, language: str, default: str | None = None
) -> tuple[str, date, bool]:
    """The new file's text, the day it is named by, and whether it repeats without end;
    its texts in `language` (the site's `default` one when None)."""
    default = language if default is None else default

    def text_in(make: Callable[[str], str], key_indent: str) -> str:
        return in_language(make, language, default, key_indent)

    at = _minute(now, zone)
    values = {
        "title": text_in(lambda _: _quoted(request.title), ""),
        "at": at,
        "components": _flow(request.components),
        "servers": f"servers: {_flow(request.servers)}  # only these servers of its components\n"
        if request.servers
        else "",
    }
    if request.kind == "incident":
        values |= {
            "impact": request.impact or "minor",
            "message": text_in(
                lambda indent: _text(request.message, "--message", "incident", language, indent),
                "    ",
            ),
            "description": values["servers"]
            + _description(request.description, language, optional=True, within=text_in),
        }
        return _tidy(_fill(_NEW["incident"], values)), now.astimezone(zone).date(), False
    if request.starts is None:
        raise ScaffoldError(f"a {request.kind} needs --starts (and --duration or --ends)")
    if request.duration is not None and request.ends is not None:
        raise ScaffoldError("give --duration or --ends, not both")
    starts = _option_time("--starts", request.starts, zone)
    if request.ends is not None:
        ends = _option_time("--ends", request.ends, zone)
        if ends <= starts:
            raise ScaffoldError(
                f"--ends {local_iso(ends, zone)} is not after --starts {local_iso(starts, zone)}"
            )
        length = f"ends: {_minute(ends, zone)}             # or: duration: 2h"
    else:
        try:
            duration = format_duration(parse_duration(request.duration or "1h"))
        except TimeError as error:
            raise ScaffoldError(f"--duration: {error}") from None
        length = f"duration: {duration}               # or: ends: <time>"
    rule = repeat_rule(request.repeat, starts.astimezone(zone)) if request.repeat else None
    values |= {
        "kind": request.kind,
        "starts": _minute(starts, zone),
        "length": length,
        "repeat": f"repeat: {rule}\n" if rule else "",
        "message": text_in(
            lambda indent: _text(request.message, "--message", "announced", language, indent),
            "    ",
        ),
        "description": _description(request.description, language, optional=False, within=text_in),
    }
    endless = rule is not None and not {"UNTIL", "COUNT"} & set(parse_rule_parts(rule))
    return _tidy(_fill(_NEW["window"], values)), starts.astimezone(zone).date(), endless


def _tidy(text: str) -> str:
    """No spaces at line ends (a key whose value, a mapping of languages, starts below)."""
    return re.sub(r"[ \t]+\n", "\n", text)


def repeat_rule(repeat: str, starts: datetime) -> str:
    """The RRULE of `--repeat`: daily, weekly, monthly or weekdays, or RRULE text as given."""
    word = REPEAT_WORDS.get(repeat.strip().lower())
    if word is not None:
        return word.format(day=_WEEKDAYS[starts.weekday()])
    return repeat.strip()


def _option_time(option: str, text: str, zone: tzinfo) -> datetime:
    try:
        return parse_time(text, zone)
    except TimeError as error:
        raise ScaffoldError(f"{option}: {error}") from None


def _text(given: str | None, option: str, placeholder: str, language: str, indent: str) -> str:
    """A message as YAML: the text given, else the placeholder in the site's language."""
    if given is None:
        text = yaml_scalar(placeholder_text(placeholder, language), indent)
        return f"{text}  # a placeholder: write what customers should know"
    if not given.strip():
        raise ScaffoldError(f"{option} must not be empty")
    return yaml_scalar(given.strip(), indent)


def _description(
    given: str | None,
    language: str,
    *,
    optional: bool,
    within: Callable[[Callable[[str], str], str], str] | None = None,
) -> str:
    """The `description:` line(s), or "" for an incident given none; `within` writes the
    value in its language (`in_language`)."""
    if within is None:
        within = lambda make, key_indent: make(key_indent + "  ")  # noqa: E731
    if given is None:
        if optional:
            return ""
        text = placeholder_text("description", language)
        note = "  # a placeholder: what customers will notice (Markdown)"
        return f"description: {within(lambda indent: yaml_scalar(text, indent) + note, '')}\n"
    if not given.strip():
        raise ScaffoldError("--description must not be empty")
    return f"description: {within(lambda indent: yaml_scalar(given.strip(), indent), '')}\n"


def placeholder_text(name: str, language: str) -> str:
    """The placeholder `name` of PLACEHOLDERS in `language`, from its catalog."""
    return _catalog_texts(language).get(PLACEHOLDERS[name]) or PLACEHOLDERS[name]


@cache
def _catalog_texts(language: str) -> dict[str, str]:
    """The placeholders' translations in `language` (only Babel's .po reader is imported:
    `check` does not load the rest of Babel)."""
    from babel.messages.pofile import read_po

    if language not in LANGUAGES:  # a language of the site's own: its placeholders in English
        return {}
    path = resources.files("statuspage") / "locale" / language / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        catalog = read_po(handle)  # no locale: its CLDR data is not needed here
    found = {}
    for message_id in PLACEHOLDERS.values():
        message = catalog.get(message_id)
        if message is not None and isinstance(message.string, str) and message.string:
            found[message_id] = message.string
    return found


@cache
def placeholder_texts() -> frozenset[str]:
    """Every placeholder `new` writes, in every shipped language, and those it once wrote."""
    texts = set(PLACEHOLDERS.values()) | set(_EARLIER_PLACEHOLDERS)
    for language in LANGUAGES:
        texts.update(_catalog_texts(language).values())
    return frozenset(" ".join(text.split()) for text in texts)


def placeholder_warnings(documents: Mapping[str, Document]) -> Iterator[Problem]:
    """A warning at each text `statuspage new` wrote that is still in place: a description
    or an update's message, in any of the shipped languages."""
    texts = placeholder_texts()
    for document in documents.values():
        data = document.data
        if not isinstance(data, dict):
            continue
        places: list[tuple[Loc, object]] = [(("description",), data.get("description"))]
        updates = data.get("updates")
        if isinstance(updates, list):
            places.extend(
                (("updates", index, "message"), update.get("message"))
                for index, update in enumerate(updates)
                if isinstance(update, dict)
            )
        for loc, value in places:
            if isinstance(value, dict):  # a text in languages (issue 17): each at its place
                for key, text in value.items():
                    yield from _placeholder(document, (*loc, str(key)), text, texts)
            elif isinstance(value, str) and " ".join(value.split()) in texts:
                yield from _placeholder(document, loc, value, texts)


def _placeholder(
    document: Document, loc: Loc, value: object, texts: frozenset[str]
) -> Iterator[Problem]:
    """The warning for a text that is still one of the placeholders `texts`, if it is."""
    if isinstance(value, str) and " ".join(value.split()) in texts:
        yield document.problem(
            loc,
            f"{field_path(loc)}: still the placeholder '{value.strip()}' that statuspage new "
            "wrote; write what customers should know",
            severity="warning",
        )


def _quoted(text: str) -> str:
    """A YAML double-quoted scalar: JSON's string syntax is valid YAML."""
    return json.dumps(" ".join(text.split()), ensure_ascii=False)


def _flow(items: tuple[str, ...]) -> str:
    return "[" + ", ".join(items) + "]"


_NEW = {
    "incident": """\
# Post updates with `statuspage update --status S --message TEXT [--next-update T]`
# (the one open incident), or `statuspage update ID ...`.
type: incident
title: {{ title }}
impact: {{ impact }}          # none | minor | major | critical
components: {{ components }}  # or map each id to a status: {id: partial_outage}
{{ description }}updates:                   # oldest first; add more with `statuspage update`
  - at: {{ at }}
    status: investigating  # investigating | identified | monitoring | resolved
    message: {{ message }}
# postmortem: |            # optional, Markdown
#   ...
""",
    "window": """\
type: {{ kind }}
title: {{ title }}
components: {{ components }}  # a list: under_maintenance (maintenance) or unchanged (backup)
{{ servers }}starts: {{ starts }}
{{ length }}
{{ repeat }}{{ description }}updates:  # scheduled | in_progress | verifying | completed | cancelled
  - at: {{ at }}
    status: scheduled      # announces it
    message: {{ message }}
""",
}
