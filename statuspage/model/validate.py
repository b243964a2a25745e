"""Stage 2, validate: sources -> (site, events), or every problem at its place.

Pydantic checks each file against the models; its errors are translated into
``path:line:column: field: message`` lines through the marks stage 1 kept.
Checks across fields and files (component references, duplicate ids, order of
updates, ends after starts) follow here, so that one run reports all of them.
"""

from __future__ import annotations

import difflib
import os
import re
import types
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from functools import partial
from pathlib import Path
from typing import Annotated, Any, TypeVar, Union, get_args, get_origin
from zoneinfo import ZoneInfoNotFoundError

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from statuspage.errors import InvalidInputError, Problem
from statuspage.load.documents import Document, Loc
from statuspage.load.sources import Sources
from statuspage.memo import Memo
from statuspage.model.models import (
    EVENT_MODELS,
    ID_PATTERN,
    LANGUAGE_CODE,
    LOCALE_DIR,
    SHIPPED_LANGUAGES,
    TEXT_TAG,
    TRANSLATIONS_TAG,
    Event,
    SiteConfig,
    Window,
    describe_value,
    id_problem,
    read_time,
    server_key,
)
from statuspage.model.times import TimeError, local_iso, series_bound, site_zone
from statuspage.state import NEXT_OCCURRENCES, UPCOMING

_ID = ID_PATTERN.strip("^$")
_M = TypeVar("_M", bound=BaseModel)


@dataclass(frozen=True)
class Validated:
    """What stage 2 made of the sources: the model where it is valid, and every problem."""

    site: SiteConfig | None
    events: tuple[Event, ...]
    documents: dict[str, Document]
    problems: tuple[Problem, ...]
    #: statuspage.yaml's document, when it was read.
    config: Document | None = None

    @property
    def errors(self) -> list[Problem]:
        return [problem for problem in self.problems if problem.is_error]


def validate_sources(
    sources: Sources, memo: Memo | None = None, languages: Iterable[str] = ()
) -> Validated:
    """Validate the config and every event file, collecting all problems; `languages` are
    those the repository has catalogs of (locales/), which `language:` may name too.

    With a `memo` (serve's rebuilds), a document object validated in the last round
    against the same zone and components is not validated again.
    """
    if memo is not None:
        memo.next_round()
    problems = list(sources.problems)
    site = None
    if sources.config is not None:
        site, found = _remembered(memo, sources.config, None, _validate_site)
        problems.extend(found)
        problems.extend(_language_problems(sources.config, set(languages)))
    zone, known = _context_for_events(sources.config, site)
    languages = _site_languages(sources.config, site)
    setting = (zone, None if known is None else frozenset(known), languages)
    events: list[Event] = []
    documents: dict[str, Document] = {}
    for document in sources.events:
        event, found = _remembered(
            memo,
            document,
            setting,
            partial(_validate_event, zone=zone, known=known, languages=languages),
        )
        problems.extend(found)
        if event is not None:
            events.append(event)
            documents[event.id] = document
    if site is not None:
        problems.extend(_budget_problems(site, events, documents))
        problems.extend(_event_server_problems(site, events, documents))
    return Validated(site, tuple(events), documents, tuple(sorted(problems)), sources.config)


#: The windows of repeating events that one state of the site may take in (the uptime
#: bars' days, the 14 days ahead, and those still running from before), so that no site
#: takes a build past minutes: 19 hourly windows with 90-day bars, or 475 daily ones.
MAX_BUILD_STARTS = 50_000


def _budget_problems(
    site: SiteConfig, events: list[Event], documents: dict[str, Document]
) -> Iterator[Problem]:
    """Refuse the repeating window that takes the site past MAX_BUILD_STARTS (issue 25)."""
    span = timedelta(days=site.uptime_days + 1) + UPCOMING
    total = 0
    for event in events:
        if not isinstance(event, Window) or event.repeat is None:
            continue
        adds = series_bound(event.repeat, event.starts, span + event.length) + NEXT_OCCURRENCES
        total += adds
        if total > MAX_BUILD_STARTS:
            yield documents[event.id].problem(
                ("repeat",),
                f"repeat: with this rule, the repeating windows of the site come to up to "
                f"{total:,} in the {site.uptime_days} days of uptime bars and the "
                f"{UPCOMING.days} days ahead, more than the {MAX_BUILD_STARTS:,} a build takes "
                "in; repeat less often, or end the series that are over with UNTIL",
            )
            return


_R = TypeVar("_R")


def _remembered(
    memo: Memo | None,
    document: Document,
    setting: object,
    validate: Callable[[Document, list[Problem]], _R],
) -> tuple[_R, tuple[Problem, ...]]:
    """`validate(document, problems)` and its problems, or what the memo kept for both."""
    kept = memo.recall(document) if memo is not None else None
    if kept is None or kept[0] != setting:
        found: list[Problem] = []
        kept = (setting, validate(document, found), tuple(found))
    if memo is not None:
        memo.keep(document, kept)
    return kept[1], kept[2]


def _validate_site(document: Document, problems: list[Problem]) -> SiteConfig | None:
    languages = _site_languages(document, None)
    site = _validate_model(document, SiteConfig, {"languages": languages}, problems)
    problems.extend(_site_problems(document))
    problems.extend(_notify_problems(document))
    if site is not None:
        problems.extend(_server_problems(document, site))
    return site


def _server_problems(document: Document, site: SiteConfig) -> Iterator[Problem]:
    """Each server name and alias once over the site, in one component; known regions."""
    first: dict[str, tuple[str, int]] = {}  # name or alias: its component, its line
    for index, component in enumerate(site.components):
        for number, server in enumerate(component.server_list):
            plain = isinstance(component.servers[number], str)
            at: Loc = ("components", index, "servers", number)
            names = [(server.name, at if plain else (*at, "name"))]
            names += [(alias, (*at, "aliases", k)) for k, alias in enumerate(server.aliases)]
            for name, loc in names:
                key = server_key(name)  # as lookups read it: no case, no final dot
                if key in first:
                    owner, line = first[key]
                    where = "" if owner == component.id else f" of component '{owner}'"
                    yield document.problem(
                        loc,
                        f"{_field(loc)}: '{name}' is already a server name or alias{where} "
                        f"(line {line}); a server belongs to one component",
                    )
                else:
                    first[key] = (component.id, document.marks.at(loc)[0])
            if server.region is not None and server.region not in site.regions:
                loc = (*at, "region")
                hint = (
                    _hint(server.region, sorted(site.regions))
                    if site.regions
                    else (" (regions are declared under `regions:` in statuspage.yaml)")
                )
                yield document.problem(
                    loc, f"{_field(loc)}: unknown region '{server.region}'{hint}"
                )


def _event_server_problems(
    site: SiteConfig, events: list[Event], documents: dict[str, Document]
) -> Iterator[Problem]:
    """An event's `servers` are servers of its own components."""
    owners = {
        server.name: component.id
        for component in site.components
        for server in component.server_list
    }
    for event in events:
        if not event.servers:
            continue
        document = documents[event.id]
        mine = set(event.components)
        for index, name in enumerate(event.servers):
            loc: Loc = ("servers", index)
            owner = owners.get(name)
            if owner is None:
                yield document.problem(
                    loc, f"{_field(loc)}: unknown server '{name}'{server_hint(name, owners)}"
                )
            elif owner not in mine:
                yield document.problem(
                    loc,
                    f"{_field(loc)}: '{name}' is a server of '{owner}', which is not among "
                    "this event's components",
                )


def server_hint(name: str, names: Iterable[str]) -> str:
    """' (did you mean 'web03'?)' for a server name that no component lists."""
    choices = sorted(names)
    if not choices:
        return " (servers are listed under a component's `servers:` in statuspage.yaml)"
    close = _closest(name, choices)
    return f" (did you mean '{close}'?)" if close else ""


def validate_document(document: Document, site: SiteConfig) -> Event:
    """Validate one event file against a valid site; raise with its problems if any."""
    problems: list[Problem] = []
    event = _validate_event(
        document,
        problems,
        zone=site.zone,
        known=set(site.component_ids),
        languages=site.languages,
    )
    if event is None or any(problem.is_error for problem in problems):
        raise InvalidInputError(problems)
    return event


def require_valid(validated: Validated) -> tuple[SiteConfig, tuple[Event, ...]]:
    """Return the site and events, or raise with every problem if there is any error."""
    if validated.errors or validated.site is None:
        raise InvalidInputError(validated.problems)
    return validated.site, validated.events


def _context_for_events(
    config: Document | None, site: SiteConfig | None
) -> tuple[tzinfo, set[str] | None]:
    """The zone and component ids to check events against, even when the config is broken."""
    if site is not None:
        return site.zone, set(site.component_ids)
    raw = config.data if config is not None and isinstance(config.data, dict) else {}
    zone: tzinfo = UTC
    try:  # the same names as the model accepts: never the machine's own zone
        zone = site_zone(str(raw.get("timezone", "UTC")))
    except (TimeError, ZoneInfoNotFoundError, ValueError, OSError):
        pass
    components = raw.get("components")
    if not isinstance(components, list):
        return zone, None  # unknown: don't report every reference as unknown
    ids = {str(item["id"]) for item in components if isinstance(item, dict) and "id" in item}
    return zone, ids


def _site_languages(config: Document | None, site: SiteConfig | None) -> tuple[str, ...]:
    """The site's languages, default first, that translations may name; from the raw
    config when it is broken (no check of its texts' languages when it says none)."""
    if site is not None:
        return site.languages
    raw = config.data if config is not None and isinstance(config.data, dict) else {}
    given = raw.get("languages")
    if isinstance(given, list) and given and all(isinstance(item, str) for item in given):
        first = raw.get("language")
        return tuple(dict.fromkeys([first, *given] if isinstance(first, str) else given))
    return ()


def _validate_event(
    document: Document,
    problems: list[Problem],
    *,
    zone: tzinfo,
    known: set[str] | None,
    languages: tuple[str, ...] = (),
) -> Event | None:
    event_id = Path(document.path).stem
    if not _matches_id(event_id):
        problems.append(
            document.problem(
                (),
                f"the file name '{event_id}' is not a valid event id: it must match "
                f"{_ID} (rename the file)",
            )
        )
    elif (reason := id_problem(event_id)) is not None:
        problems.append(document.problem((), f"the file name is not a valid event id: {reason}"))
    data = document.data
    if not isinstance(data, dict):
        problems.append(
            document.problem((), f"expected a mapping of fields, got {describe_value(data)}")
        )
        return None
    if known is not None:
        problems.extend(_reference_problems(document, known))
    kind = data.get("type")
    model = EVENT_MODELS.get(kind) if isinstance(kind, str) else None
    if model is None:
        choices = "'incident', 'maintenance' or 'backup'"
        if "type" not in data:
            problems.append(document.problem((), f"missing required field 'type' ({choices})"))
        else:
            hint = _choice_hint(kind, list(EVENT_MODELS))
            problems.append(
                document.problem(
                    ("type",), f"type: expected {choices}, got {describe_value(kind)}{hint}"
                )
            )
        problems.extend(_raw_event_problems(document, zone, None))
        return None
    context = {"zone": zone, "id": event_id, "languages": languages}
    event = _validate_model(document, model, context, problems)
    if event is None:
        problems.extend(_raw_event_problems(document, zone, kind))
        return None
    problems.extend(_event_problems(document, event, zone))
    return event


def _matches_id(text: str) -> bool:
    return re.fullmatch(_ID, text) is not None


def _validate_model(
    document: Document, model: type[_M], context: dict[str, Any], problems: list[Problem]
) -> _M | None:
    if not isinstance(document.data, dict):
        problems.append(
            document.problem(
                (), f"expected a mapping of fields, got {describe_value(document.data)}"
            )
        )
        return None
    try:
        return model.model_validate(document.data, context=context)
    except ValidationError as error:
        problems.extend(_translate(error, document, model))
        return None


# --- pydantic errors -> positioned problems ---------------------------------------------


def _translate(
    error: ValidationError, document: Document, model: type[BaseModel]
) -> Iterator[Problem]:
    by_loc: dict[Loc, list[ErrorDetails]] = {}
    for detail in error.errors(include_url=False):
        loc = _data_loc(detail["loc"], document.data)
        if loc is not None:
            by_loc.setdefault(loc, []).append(detail)
    for loc, details in by_loc.items():
        kinds = {detail["type"] for detail in details}
        if {"list_type", "dict_type"} <= kinds:  # both sides of list-or-mapping failed
            got = describe_value(details[0]["input"])
            message = f"expected a list of component ids or a mapping of id to status, got {got}"
            yield document.problem(loc, f"{_field(loc)}: {message}")
            continue
        for detail in details:
            yield _problem(detail, loc, document, model)


def _problem(detail: ErrorDetails, loc: Loc, document: Document, model: type[BaseModel]) -> Problem:
    kind = detail["type"]
    if kind == "missing":
        parent, name = loc[:-1], loc[-1]
        return document.problem(parent, _prefixed(parent, f"missing required field '{name}'"))
    if kind == "extra_forbidden":
        parent, name = loc[:-1], str(loc[-1])
        hint = _hint(name, _fields_at(model, parent))
        return document.problem(loc, _prefixed(parent, f"unknown field '{name}'{hint}"), key=True)
    # A mapping's key that fails (a translation's language): at the key, not its value.
    return document.problem(loc, _prefixed(loc, _message(detail)), key="[key]" in detail["loc"])


def _message(detail: ErrorDetails) -> str:
    kind, got, ctx = detail["type"], describe_value(detail["input"]), detail.get("ctx", {})
    messages = {
        "literal_error": f"expected {ctx.get('expected')}, got {got}"
        + _choice_hint(detail["input"], _QUOTED.findall(str(ctx.get("expected", "")))),
        "string_type": f"expected text, got {got}"
        + (" (put it in quotes)" if isinstance(detail["input"], int | float | bool) else ""),
        "int_type": f"expected a whole number, got {got}",
        "bool_type": f"expected true or false, got {got}",
        "list_type": f"expected a list, got {got}",
        "dict_type": f"expected a mapping, got {got}",
        "model_type": f"expected a mapping of fields, got {got}",
        "model_attributes_type": f"expected a mapping of fields, got {got}",
        "string_too_short": "must not be empty",
        "too_short": f"needs at least {ctx.get('min_length')} entry",
        "string_pattern_mismatch": f"{got} must match {str(ctx.get('pattern', '')).strip('^$')}",
        "greater_than_equal": f"must be at least {ctx.get('ge')}, got {got}",
        "less_than_equal": f"must be at most {ctx.get('le')}, got {got}",
    }
    return messages.get(kind, detail["msg"])


def _data_loc(loc: tuple[int | str, ...], data: Any) -> Loc | None:
    """Map pydantic's loc onto the data, dropping union tags; None for the union side not taken."""
    clean: list[str | int] = []
    current: Any = data
    for segment in loc:
        if isinstance(current, list) and isinstance(segment, int) and 0 <= segment < len(current):
            current = current[segment]
        elif isinstance(current, dict) and segment in current:
            current = current[segment]
        elif isinstance(segment, str) and segment.startswith(("list[", "dict[")):
            if isinstance(current, list | dict) and not segment.startswith(
                "list[" if isinstance(current, list) else "dict["
            ):
                return None
            continue
        elif segment in ("[key]", TEXT_TAG, TRANSLATIONS_TAG):
            continue
        else:
            current = None
        clean.append(segment)
    return tuple(clean)


def field_path(loc: Loc) -> str:
    """A place in a file as messages name it: 'components[0].name'."""
    return _field(loc)


def _field(loc: Loc) -> str:
    text = ""
    for segment in loc:
        text += f"[{segment}]" if isinstance(segment, int) else (f".{segment}" if text else segment)
    return text


def _prefixed(loc: Loc, message: str) -> str:
    field = _field(loc)
    return f"{field}: {message}" if field else message


_HINT_CUTOFF = 0.6  # how close an unknown field must be to a known one for "did you mean"
#: The choices in pydantic's "expected 'a', 'b' or 'c'".
_QUOTED = re.compile(r"'([^']*)'")


def _closest(name: str, choices: list[str]) -> str | None:
    """The choice `name` was probably meant to be, if one is close enough."""
    close = difflib.get_close_matches(name, choices, n=1, cutoff=_HINT_CUTOFF)
    return close[0] if close else None


def _choice_hint(value: Any, choices: list[str]) -> str:
    """ "; did you mean 'identified'?" for a value that is a typo of one of `choices`."""
    close = _closest(value, choices) if isinstance(value, str) else None
    return f"; did you mean '{close}'?" if close else ""


def _hint(name: str, choices: list[str]) -> str:
    close = _closest(name, choices)
    if close:
        return f" (did you mean '{close}'?)"
    if choices:
        return f" (expected one of: {', '.join(choices)})"
    return ""


def _fields_at(model: type[BaseModel], loc: Loc) -> list[str]:
    """The field names a mapping at `loc` may have, for "did you mean" hints."""
    current: Any = model
    for segment in loc:
        current = _unwrap(current)
        if (
            isinstance(current, type)
            and issubclass(current, BaseModel)
            and isinstance(segment, str)
        ):
            field = current.model_fields.get(segment)
            current = field.annotation if field else None
        elif get_origin(current) in (list, dict):
            current = get_args(current)[-1]
        else:
            return []
    current = _unwrap(current)
    return list(current.model_fields) if _is_model(current) else []


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _unwrap(annotation: Any) -> Any:
    while get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    if get_origin(annotation) in (Union, types.UnionType):
        members = [_unwrap(member) for member in get_args(annotation) if member is not type(None)]
        return members[0] if len(members) == 1 else annotation
    return annotation


# --- checks across fields and files ------------------------------------------------------


# They work from the raw data when a file fails its model, so that one run reports them
# all; a value the model refuses is left out of them (its own problem says what is wrong).


def _site_problems(document: Document) -> Iterator[Problem]:
    """Duplicate component ids; from the raw data, which a valid config holds unchanged."""
    components = document.data.get("components") if isinstance(document.data, dict) else None
    if not isinstance(components, list):
        return
    first: dict[str, int] = {}
    for index, component in enumerate(components):
        component_id = component.get("id") if isinstance(component, dict) else None
        if not isinstance(component_id, str):
            continue
        if component_id in first:
            line, _ = document.marks.at(("components", first[component_id], "id"))
            loc: Loc = ("components", index, "id")
            yield document.problem(
                loc, f"{_field(loc)}: duplicate id '{component_id}' (first used on line {line})"
            )
        else:
            first[component_id] = index


def _language_problems(document: Document, own: set[str]) -> Iterator[Problem]:
    """A `language:` (the site's, a channel's) with no catalog: neither shipped nor in
    locales/ (issue 17). From the raw data; a value that is no language code is the
    model's problem."""
    data = document.data if isinstance(document.data, dict) else {}
    places: list[tuple[Loc, Any]] = [(("language",), data.get("language"))]
    given = data.get("languages")
    if "language" in data and "languages" in data:
        yield document.problem(
            ("languages",),
            "languages: give either `language: fi` (one language) or `languages: [fi, en]` "
            "(the first is the default), not both",
            key=True,
        )
    if isinstance(given, list):
        seen: dict[Any, int] = {}
        for index, value in enumerate(given):
            places.append((("languages", index), value))
            if isinstance(value, str) and value in seen:
                loc: Loc = ("languages", index)
                yield document.problem(
                    loc,
                    f"{_field(loc)}: '{value}' is listed twice (first at languages[{seen[value]}])",
                )
            seen.setdefault(value, index)
    notify = data.get("notify")
    channels = notify.get("channels") if isinstance(notify, dict) else None
    for index, channel in enumerate(channels if isinstance(channels, list) else []):
        if isinstance(channel, dict):
            places.append((("notify", "channels", index, "language"), channel.get("language")))
    shipped = list(SHIPPED_LANGUAGES)
    for loc, value in places:
        if not isinstance(value, str) or not LANGUAGE_CODE.fullmatch(value):
            continue
        if value in shipped or value in own:
            continue
        known = [*shipped, *sorted(own - set(shipped))]
        listed = ", ".join(f"'{name}'" for name in known[:-1]) + f" or '{known[-1]}'"
        yield document.problem(
            loc,
            f"{_field(loc)}: expected {listed}, got '{value}'{_choice_hint(value, known)} "
            f"(a language of the site's own needs its catalog, "
            f"{LOCALE_DIR}/{value}/LC_MESSAGES/messages.po)",
        )


_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def _notify_problems(document: Document) -> Iterator[Problem]:
    """notify.channels: unique names, a url or a webhook, known components, set variables."""
    data = document.data if isinstance(document.data, dict) else {}
    notify = data.get("notify")
    channels = notify.get("channels") if isinstance(notify, dict) else None
    if not isinstance(channels, list):
        return
    components = data.get("components")
    known = {str(c["id"]) for c in components or [] if isinstance(c, dict) and "id" in c}
    names: dict[str, int] = {}
    for index, channel in enumerate(channels):
        if isinstance(channel, dict):
            yield from _channel_problems(document, index, channel, known, names)


def _channel_problems(
    document: Document, index: int, channel: dict[str, Any], known: set[str], names: dict[str, int]
) -> Iterator[Problem]:
    loc: Loc = ("notify", "channels", index)
    name = channel.get("name")
    if isinstance(name, str):
        if name in names:
            where: Loc = (*loc, "name")
            yield document.problem(where, f"{_field(where)}: duplicate channel name '{name}'")
        names.setdefault(name, index)
    if ("url" in channel) == ("webhook" in channel):
        yield document.problem(
            loc, f"{_field(loc)}: a channel has either url: (Apprise) or webhook:, not both"
        )
    if "secret" in channel and "webhook" not in channel:
        where = (*loc, "secret")
        yield document.problem(where, f"{_field(where)}: secret: signs webhook: bodies only")
    components = channel.get("components")
    for position, component in enumerate(components if isinstance(components, list) else []):
        if isinstance(component, str) and component not in known:
            where = (*loc, "components", position)
            hint = component_hint(component, known)
            yield document.problem(where, f"{_field(where)}: unknown component '{component}'{hint}")
    for key in ("url", "webhook", "secret"):
        value = channel.get(key)
        for variable in _VARIABLE.findall(value if isinstance(value, str) else ""):
            if variable not in os.environ:
                where = (*loc, key)
                yield document.problem(
                    where,
                    f"{_field(where)}: ${{{variable}}} is not set here; `statuspage notify` "
                    "needs it (set it in the CI's secrets)",
                    severity="warning",
                )


def _reference_problems(document: Document, known: set[str]) -> Iterator[Problem]:
    refs = document.data.get("components")
    if isinstance(refs, dict):
        for name in refs:
            if name not in known:
                loc: Loc = ("components", name)
                yield document.problem(
                    loc,
                    f"components: unknown component '{name}'{component_hint(name, known)}",
                    key=True,
                )
    elif isinstance(refs, list):
        seen: set[str] = set()
        for index, name in enumerate(refs):
            if not isinstance(name, str):
                continue
            loc = ("components", index)
            if name not in known:
                yield document.problem(
                    loc, f"{_field(loc)}: unknown component '{name}'{component_hint(name, known)}"
                )
            elif name in seen:
                yield document.problem(loc, f"{_field(loc)}: '{name}' is listed twice")
            seen.add(name)


def component_hint(name: str, known: set[str]) -> str:
    """' (did you mean 'email'?)' for a component id that is not defined."""
    close = _closest(name, sorted(known))
    if close:
        return f" (did you mean '{close}'?)"
    return " (components are defined in statuspage.yaml)"


@dataclass(frozen=True)
class _UpdateTimes:
    """What the order checks need of one update: its place and its (valid) times."""

    index: int
    at: datetime | None
    next_update: datetime | None


@dataclass(frozen=True)
class _WindowTimes:
    """What the checks across a window's fields need: which are given, and valid times."""

    kind: str
    starts: datetime | None
    ends: datetime | None
    has_ends: bool
    has_duration: bool
    #: A misspelt `ends` or `duration` is given: its unknown field is the problem, not a lack.
    misspelt_length: bool = False


def _event_problems(document: Document, event: Event, zone: tzinfo) -> Iterator[Problem]:
    updates = [
        _UpdateTimes(index, update.at, update.next_update)
        for index, update in enumerate(event.updates)
    ]
    window = None
    if isinstance(event, Window):
        window = _WindowTimes(
            event.type,
            event.starts,
            event.ends,
            event.ends is not None,
            event.duration is not None,
        )
    return _cross_field_problems(document, updates, window, zone)


def _raw_event_problems(document: Document, zone: tzinfo, kind: Any) -> Iterator[Problem]:
    """The same checks on a file that failed its model, from the values that are valid."""
    data: dict[str, Any] = document.data

    def time(value: Any) -> datetime | None:
        try:
            return read_time(value, zone) if value is not None else None
        except TimeError:
            return None

    raw_updates = data.get("updates")
    updates = [
        _UpdateTimes(index, time(update.get("at")), time(update.get("next_update")))
        for index, update in enumerate(raw_updates if isinstance(raw_updates, list) else [])
        if isinstance(update, dict)
    ]
    window = None
    if kind in ("maintenance", "backup"):
        fields = list(EVENT_MODELS[kind].model_fields)
        meant = {_closest(str(name), fields) for name in data if name not in fields}
        window = _WindowTimes(
            kind,
            time(data.get("starts")),
            time(data.get("ends")),
            data.get("ends") is not None,
            data.get("duration") is not None,
            bool(meant & {"ends", "duration"}),
        )
    return _cross_field_problems(document, updates, window, zone)


def _cross_field_problems(
    document: Document,
    updates: list[_UpdateTimes],
    window: _WindowTimes | None,
    zone: tzinfo,
) -> Iterator[Problem]:
    def when(moment: datetime) -> str:
        return local_iso(moment, zone)

    yield from _update_problems(document, updates, when)
    if window is not None:
        yield from _window_problems(document, window, when)


def _update_problems(
    document: Document, updates: list[_UpdateTimes], when: Callable[[datetime], str]
) -> Iterator[Problem]:
    previous: datetime | None = None
    for update in updates:
        if update.at is None:
            continue
        if previous is not None and update.at < previous:
            loc: Loc = ("updates", update.index, "at")
            yield document.problem(
                loc,
                f"{_field(loc)}: {when(update.at)} is before the update above it "
                f"({when(previous)}); updates go oldest first",
            )
        if update.next_update is not None and update.next_update < update.at:
            loc = ("updates", update.index, "next_update")
            yield document.problem(
                loc, f"{_field(loc)}: {when(update.next_update)} is before the update itself"
            )
        previous = max(previous, update.at) if previous else update.at


def _window_problems(
    document: Document, window: _WindowTimes, when: Callable[[datetime], str]
) -> Iterator[Problem]:
    if window.has_ends and window.has_duration:
        yield document.problem(("duration",), "duration: give either ends or duration, not both")
    elif not window.has_ends and not window.has_duration and not window.misspelt_length:
        yield document.problem((), f"a {window.kind} needs 'ends' or 'duration'")
    elif window.ends is not None and window.starts is not None and window.ends <= window.starts:
        yield document.problem(
            ("ends",), f"ends: {when(window.ends)} is not after starts ({when(window.starts)})"
        )
