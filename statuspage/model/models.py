"""Stage 2, model: the typed, frozen model of statuspage.yaml and event files.

The pydantic models below are the one source of truth for both validation and
`statuspage schema` (JSON Schema draft 2020-12). Checks that span fields or files
(ends after starts, updates in order, known component ids) follow in
`validate.py`, which also turns pydantic's errors into positioned problems.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, tzinfo
from functools import cached_property
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal, Union, get_args
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil.rrule import rrule
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    PrivateAttr,
    StringConstraints,
    Tag,
    ValidationInfo,
    WithJsonSchema,
    model_validator,
)
from pydantic_core import PydanticCustomError

from statuspage.model.markdown import markdown_problem
from statuspage.model.times import (
    TIME_EXAMPLE,
    TimeError,
    check_overlap,
    parse_duration,
    parse_rule,
    parse_time,
    site_zone,
)
from statuspage.model.translations import translated

ComponentStatus = Literal[
    "operational", "under_maintenance", "degraded_performance", "partial_outage", "major_outage"
]
#: Best to worst (SPEC "Event files").
COMPONENT_STATUSES: tuple[ComponentStatus, ...] = get_args(ComponentStatus)
Impact = Literal["none", "minor", "major", "critical"]
IMPACTS: tuple[Impact, ...] = get_args(Impact)
IncidentStatus = Literal["investigating", "identified", "monitoring", "resolved"]
WindowStatus = Literal["scheduled", "in_progress", "verifying", "completed", "cancelled"]
#: The languages with a catalog in the package (statuspage/locale/).
ShippedLanguage = Literal["en", "fi", "hy", "sv", "ur"]
SHIPPED_LANGUAGES: tuple[str, ...] = get_args(ShippedLanguage)
#: A language a site may name: ISO 639 letters, the name of its folder under locales/.
LANGUAGE_CODE = re.compile("[a-z]{2,3}")
#: The repository's folder of the site's own catalogs: locales/LANG/LC_MESSAGES/messages.po.
LOCALE_DIR = "locales"

ID_PATTERN = "^[a-z0-9][a-z0-9-]*$"


def describe_value(value: Any) -> str:
    """Name a YAML value in words for an error message."""
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"{'true' if value else 'false'} (a yes/no value)"
    if isinstance(value, int | float):
        return f"a number ({value})"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    text = str(value)
    return repr(text if len(text) <= 60 else text[:59] + "…")


def _custom_error(kind: str, message: str) -> PydanticCustomError:
    # The message goes in as context so that braces in user input stay literal.
    return PydanticCustomError(kind, "{message}", {"message": message})


#: Ids become folder names in the site: short, and never a name Windows reserves.
MAX_ID_LENGTH = 100
_RESERVED = frozenset(
    {"con", "prn", "aux", "nul", *(f"com{n}" for n in range(10)), *(f"lpt{n}" for n in range(10))}
)


def id_problem(text: str) -> str | None:
    """Why `text` cannot be an id, beyond its pattern, or None."""
    if len(text) > MAX_ID_LENGTH:
        return f"an id may be at most {MAX_ID_LENGTH} characters, got {len(text)}"
    if text in _RESERVED:
        return f"'{text}' is a reserved file name on Windows; choose another id"
    return None


def _portable_id(value: str) -> str:
    problem = id_problem(value)
    if problem is not None:
        raise _custom_error("id", problem)
    return value


def read_time(value: Any, zone: tzinfo) -> datetime:
    """The instant a time field holds for the YAML value `value`; TimeError says why not.

    The models read times with it, and so do the checks across fields in validate.py
    when a file fails its model, so that both agree on which times are valid.
    """
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str):
        raise TimeError(
            f"expected an ISO 8601 time such as {TIME_EXAMPLE}, got {describe_value(value)}"
        )
    return parse_time(value, zone)


def _context_zone(info: ValidationInfo) -> tzinfo:
    zone: tzinfo = (info.context or {}).get("zone", UTC)
    return zone


def _time(value: Any, info: ValidationInfo) -> datetime:
    try:
        return read_time(value, _context_zone(info))
    except TimeError as error:
        raise _custom_error("time", str(error)) from None


def _duration(value: Any) -> timedelta:
    if isinstance(value, timedelta):
        return value
    if not isinstance(value, str):
        raise _custom_error(
            "duration_type",
            f"expected a duration such as 90m, 2h, 1h30m or 1d, got {describe_value(value)}",
        )
    try:
        return parse_duration(value)
    except TimeError as error:
        raise _custom_error("duration", str(error)) from None


def _language_code(value: str) -> str:
    # Which codes have a catalog is known to validate, which reads locales/ (issue 17).
    if not LANGUAGE_CODE.fullmatch(value):
        raise _custom_error(
            "language",
            "expected a language code of two or three lowercase letters (ISO 639), as in "
            f"'sv', got {describe_value(value)}",
        )
    return value


#: A shipped language, or one of the site's own with its catalog in locales/LANG/.
Language = Annotated[
    str,
    AfterValidator(_language_code),
    WithJsonSchema(
        {
            "anyOf": [
                {"enum": list(SHIPPED_LANGUAGES)},
                {"type": "string", "pattern": f"^{LANGUAGE_CODE.pattern}$"},
            ]
        }
    ),
]


def _zone_name(value: str) -> str:
    # Only IANA names: ZoneInfo would also open 'localtime', the zone of whichever
    # machine builds the site (issue 25).
    try:
        site_zone(value)
    except TimeError as error:
        raise _custom_error("timezone", str(error)) from None
    except (ZoneInfoNotFoundError, ValueError, OSError):  # listed, yet its file is unreadable
        raise _custom_error("timezone", f"time zone '{value}' cannot be read here") from None
    return value


def _absolute_url(value: str) -> str:
    parts = urlsplit(value)
    # urlsplit drops tabs and line breaks before it looks, so they are refused here.
    if any(c.isspace() or not c.isprintable() for c in value):
        raise _custom_error(
            "url",
            f"a URL may not contain spaces, line breaks or invisible characters, got {value!r}",
        )
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise _custom_error(
            "url",
            f"expected an absolute http(s) URL such as https://status.example.com/, got '{value}'",
        )
    return value


def _base_url(value: str) -> str:
    return _absolute_url(value).rstrip("/") + "/"


def _email(value: str) -> str:
    local, _, domain = value.partition("@")
    if not local or "." not in domain or any(c.isspace() for c in value):
        raise _custom_error("email", f"expected an email address, got '{value}'")
    return value


def _repeat(value: str, info: ValidationInfo) -> str:
    # `starts`, `ends` and `duration` are validated before `repeat` (field order): when
    # they are valid, the rule is checked against them too (one that ends before the
    # window first starts never happens; windows that would overlap by the dozen).
    starts = info.data.get("starts")
    zone = _context_zone(info)
    try:
        parse_rule(value, starts if isinstance(starts, datetime) else None, zone)
        length = _window_length(info.data)
        if length is not None:
            check_overlap(value, length)
    except TimeError as error:
        raise _custom_error("rrule", str(error)) from None
    return value


def _window_length(data: dict[str, Any]) -> timedelta | None:
    """How long each window lasts, from the fields validated so far, if they say."""
    duration, starts, ends = data.get("duration"), data.get("starts"), data.get("ends")
    if isinstance(duration, timedelta):
        return duration
    if isinstance(starts, datetime) and isinstance(ends, datetime) and ends > starts:
        return ends - starts
    return None


Time = Annotated[
    datetime,
    BeforeValidator(_time),
    WithJsonSchema(
        {
            "type": "string",
            "description": "ISO 8601 time; without an offset it is in the site's timezone",
            "examples": ["2026-11-20T10:02", "2026-11-20T10:02:00+02:00"],
        }
    ),
]
Duration = Annotated[
    timedelta,
    BeforeValidator(_duration),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": "^(?:[0-9]+d)?(?:[0-9]+h)?(?:[0-9]+m)?$",
            "description": "A duration such as 90m, 2h, 1h30m or 1d",
        }
    ),
]


# Bidi controls (issue 19): an embedding or override (LRE, RLE, LRO, RLO) ends with PDF,
# an isolate (LRI, RLI, FSI) with PDI. One left open reverses or reorders everything after
# the text on the page, in <title>, in feeds; so each must be closed, in order.
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")
_BIDI_NAMES = {
    "\u202a": "left-to-right embedding",
    "\u202b": "right-to-left embedding",
    "\u202c": "pop directional formatting",
    "\u202d": "left-to-right override",
    "\u202e": "right-to-left override",
    "\u2066": "left-to-right isolate",
    "\u2067": "right-to-left isolate",
    "\u2068": "first strong isolate",
    "\u2069": "pop directional isolate",
}
_CLOSER = {
    **dict.fromkeys("\u202a\u202b\u202d\u202e", "\u202c"),
    **dict.fromkeys("\u2066\u2067\u2068", "\u2069"),
}
# What shows nothing on its own: white space, format characters (zero-width space and
# joiners, direction marks and controls, word joiner, BOM), combining marks, variation
# selectors, the Hangul fillers and tags.
_INVISIBLE = re.compile(
    "[\\s\u00ad\u034f\u061c\u0300-\u036f\u115f\u1160\u17b4\u17b5\u180b-\u180f"
    "\u200b-\u200f\u202a-\u202e\u2060-\u206f\u20d0-\u20ff\u3164\ufe00-\ufe0f"
    "\ufe20-\ufe2f\ufeff\uffa0\U000e0000-\U000e0fff]*"
)


def _one_line(value: str) -> str:
    if any(char in value for char in "\r\n\x85\u2028\u2029"):
        raise _custom_error("one_line", "must be one line of text")
    if _INVISIBLE.fullmatch(value):
        raise _custom_error("empty", "must not be empty (it has only invisible characters)")
    if _BIDI.search(value) is not None:
        problem = _bidi_problem(value)
        if problem is not None:
            raise _custom_error("bidi", problem)
    return value


def _bidi_problem(text: str) -> str | None:
    """Why the bidi controls of `text` are not balanced (each closed, in order), or None."""
    opened: list[tuple[str, int]] = []
    for match in _BIDI.finditer(text):
        char, place = match.group(), match.start() + 1
        if char in _CLOSER:
            opened.append((char, place))
        elif opened and _CLOSER[opened[-1][0]] == char:
            opened.pop()
        elif any(_CLOSER[opener] == char for opener, _ in opened):
            return _unclosed(*opened[-1], f" before the {_name(char)} (character {place})")
        else:
            return f"the {_name(char)} (character {place}) closes nothing; remove it"
    return _unclosed(*opened[-1]) if opened else None


def _name(char: str) -> str:
    return f"{_BIDI_NAMES[char]} U+{ord(char):04X}"


def _unclosed(char: str, place: int, before: str = "") -> str:
    return (
        f"the {_name(char)} (character {place}) is not closed{before}: it would reorder "
        f"the text after it; end it with {_name(_CLOSER[char])} or remove it"
    )


Text = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1), AfterValidator(_one_line)
]


def _bounded_markdown(value: str, info: ValidationInfo) -> str:
    # The validation context is the file's own (validate.py): it tallies the elements
    # that the file's texts make, so that the whole file is bounded, not only each text.
    problem = markdown_problem(value, info.context if isinstance(info.context, dict) else None)
    if problem is not None:
        raise _custom_error("markdown", problem)
    return value


# Required Markdown, any number of lines.
Body = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1), AfterValidator(_bounded_markdown)
]
Markdown = Annotated[
    str,
    AfterValidator(_bounded_markdown),
    Field(description="Markdown (CommonMark); raw HTML is not rendered"),
]
Identifier = Annotated[str, StringConstraints(pattern=ID_PATTERN), AfterValidator(_portable_id)]


# --- texts in several languages (issue 17) -----------------------------------------------


class _Translatable:
    """Marks a field customers read, which may be a mapping of language to text."""

    def __repr__(self) -> str:
        return "TRANSLATABLE"


TRANSLATABLE = _Translatable()
#: The tags of a translatable text's two forms in pydantic's error locations (validate.py
#: drops them): never a key of the data.
TEXT_TAG, TRANSLATIONS_TAG = "[text]", "[translations]"


def _context_languages(info: ValidationInfo) -> tuple[str, ...]:
    languages: tuple[str, ...] = (info.context or {}).get("languages", ())
    return languages


def _site_language(value: str, info: ValidationInfo) -> str:
    languages = _context_languages(info)
    if languages and value not in languages:
        listed = ", ".join(f"'{language}'" for language in languages)
        raise _custom_error(
            "translation_language",
            f"'{value}' is not one of the site's languages ({listed}); add it to "
            "`languages:` in statuspage.yaml, or remove this translation",
        )
    return value


def _as_translated(value: Any, info: ValidationInfo) -> Any:
    if isinstance(value, dict):
        return translated(value, _context_languages(info) or tuple(value))
    return value


def _text_form(value: Any) -> str:
    return TRANSLATIONS_TAG if isinstance(value, dict) else TEXT_TAG


def _translatable(text: Any) -> Any:
    """`text`, or a mapping of the site's languages to such texts (kept as a Translated)."""
    key = Annotated[str, AfterValidator(_site_language)]
    return Annotated[
        Union[  # noqa: UP007 (a tagged union of two annotated forms)
            Annotated[text, Tag(TEXT_TAG)],
            Annotated[dict[key, text], Tag(TRANSLATIONS_TAG), Field(min_length=1)],
        ],
        Discriminator(_text_form),
        AfterValidator(_as_translated),
        TRANSLATABLE,
    ]


_PlainMarkdown = Annotated[str, AfterValidator(_bounded_markdown)]
if TYPE_CHECKING:  # what code reads: the text in the default language (a Translated or not)
    TextIn = str
    MarkdownIn = str
    BodyIn = str
else:
    TextIn = _translatable(Text)
    MarkdownIn = Annotated[
        _translatable(_PlainMarkdown),
        Field(description="Markdown (CommonMark); raw HTML is not rendered"),
    ]
    BodyIn = _translatable(Body)
Url = Annotated[str, AfterValidator(_absolute_url), Field(json_schema_extra={"format": "uri"})]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class Contact(_Model):
    """How customers reach the team; shown on every page."""

    email: _translatable(Annotated[str, AfterValidator(_email)]) | None = Field(  # type: ignore[valid-type]
        default=None, description="Support email address"
    )
    url: _translatable(Url) | None = Field(default=None, description="Support web page")  # type: ignore[valid-type]


#: A server's name or alias as customers know it: a host name, an IP address, a short name.
ServerName = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9.:_-]*$", max_length=253),
    Field(description="A host name, IP address or short name: letters, digits, . : _ -"),
]


def server_key(text: str) -> str:
    """A server name as customers type it, for lookup: no case, scheme, path or final dot
    ("https://Web03.Example./" is web03.example)."""
    text = text.strip().lower()
    if "://" in text:
        text = text.split("://", 1)[1].split("/", 1)[0]
    return text.rstrip("/").rstrip(".")


class Server(_Model):
    """One server of a component, as its customers know it (issue 16)."""

    name: ServerName = Field(description="Unique over the site; also the server page's URL")
    aliases: list[ServerName] = Field(
        default_factory=list, description="Other names that find it: host names, IP addresses"
    )
    region: Identifier | None = Field(default=None, description="An id of `regions`")


class Component(_Model):
    """A service customers care about, shown with its status and uptime."""

    #: The fields customers read in their language (issue 17; translations.texts_of).
    TEXTS: ClassVar[tuple[str, ...]] = ("name", "group", "description")

    id: Identifier = Field(description="Stable id used by events: [a-z0-9][a-z0-9-]*")
    name: TextIn = Field(description="Name shown to customers")
    group: TextIn | None = Field(
        default=None, description="Components of a group are shown together"
    )
    description: MarkdownIn | None = None
    servers: list[ServerName | Server] = Field(
        default_factory=list,
        description="The servers of this component: names, or mappings with aliases and a region",
    )

    @cached_property
    def server_list(self) -> tuple[Server, ...]:
        """Every server of the component as a mapping (a plain name has no alias)."""
        return tuple(
            Server(name=server) if isinstance(server, str) else server for server in self.servers
        )


EventType = Literal["incident", "maintenance", "backup"]
#: Before each maintenance start, the reminders `notify` sends (issue 15).
DEFAULT_REMIND = (timedelta(hours=72), timedelta(hours=24), timedelta(hours=1))
DEFAULT_TYPES: tuple[EventType, ...] = ("incident", "maintenance")


def _webhook_url(value: str) -> str:
    # A ${VAR} may stand for any part of it: such a URL is checked when `notify` reads it.
    return value if "${" in value else _absolute_url(value)


class NotifyChannel(_Model):
    """One place `statuspage notify` tells of incidents and windows: Apprise or a webhook."""

    name: Annotated[str, StringConstraints(pattern=ID_PATTERN)] = Field(
        description="Unique; shown in output and in the ledger"
    )
    url: Annotated[str, StringConstraints(min_length=1)] | None = Field(
        default=None,
        description="Apprise URL (mailtos://, slack://, json://, ...); ${NAME} reads the "
        "environment",
    )
    webhook: Annotated[str, AfterValidator(_webhook_url)] | None = Field(
        default=None,
        description="URL that gets a POST of Statuspage-shaped JSON per notice",
        json_schema_extra={"format": "uri"},
    )
    secret: Annotated[str, StringConstraints(min_length=1)] | None = Field(
        default=None, description="Signs each webhook body (X-Statuspage-Signature)"
    )
    language: Language | None = Field(default=None, description="Default: the site's language")
    components: list[str] | None = Field(default=None, description="Default: all components")
    types: list[EventType] = Field(
        default_factory=lambda: list(DEFAULT_TYPES),
        description="Event types told of; backup is opt-in",
    )


class NotifyConfig(_Model):
    """`notify:` in statuspage.yaml: reminders and channels for `statuspage notify`."""

    remind: list[Duration] = Field(
        default_factory=lambda: list(DEFAULT_REMIND),
        description="Reminders before each maintenance start",
        json_schema_extra={"default": ["72h", "24h", "1h"]},
    )
    channels: list[NotifyChannel] = Field(default_factory=list)


class SiteConfig(_Model):
    """statuspage.yaml: the site's settings and its components."""

    #: The fields customers read in their language (issue 17; translations.texts_of).
    TEXTS: ClassVar[tuple[str, ...]] = ("title", "description", "regions")

    model_config = ConfigDict(title="statuspage.yaml")

    title: TextIn = Field(description="Title of the status page")
    base_url: Annotated[str, AfterValidator(_base_url)] = Field(
        description="Absolute URL the site is published at; used in feeds, calendar, sitemap, API",
        json_schema_extra={"format": "uri"},
    )
    description: TextIn | None = Field(default=None, description="One line about the page")
    timezone: Annotated[str, AfterValidator(_zone_name)] = Field(
        default="UTC", description="IANA time zone; times without an offset are in it"
    )
    language: Language = Field(
        default="en",
        description="UI language: en, fi, hy, sv, ur (right to left), or a catalog of the "
        "site's own in locales/LANG/LC_MESSAGES/messages.po. With `languages`, the first of "
        "them (give one or the other)",
    )
    given_languages: list[Language] | None = Field(
        default=None,
        alias="languages",
        min_length=1,
        description="The site's languages, the default first: it is at the site's root, "
        "each other under /LANG/ (issue 17); texts may then be mappings of language to text",
    )
    contact: Contact | None = None
    uptime_days: int = Field(default=90, ge=1, le=366, description="Length of the uptime bars")
    stale_after: Duration = Field(
        default=timedelta(hours=2),
        description="Pages read this long after their build say they may be out of date",
        json_schema_extra={"default": "2h"},
    )
    regions: dict[Identifier, TextIn] = Field(
        default_factory=dict, description="Region id to the name customers read (issue 16)"
    )
    components: list[Component] = Field(min_length=1, description="Components, in display order")
    notify: NotifyConfig | None = Field(
        default=None, description="Notifications sent by `statuspage notify`"
    )

    @model_validator(mode="before")
    @classmethod
    def _default_language(cls, data: Any) -> Any:
        # `languages: [fi, en]` makes fi the language (giving both is validate.py's error).
        if isinstance(data, dict) and "language" not in data:
            languages = data.get("languages")
            if isinstance(languages, list) and languages and isinstance(languages[0], str):
                return {**data, "language": languages[0]}
        return data

    @cached_property
    def languages(self) -> tuple[str, ...]:
        """Every language the site is published in, the default (`language`) first."""
        return tuple(dict.fromkeys([self.language, *(self.given_languages or ())]))

    @cached_property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @cached_property
    def component_ids(self) -> tuple[str, ...]:
        return tuple(component.id for component in self.components)


ComponentRefs = Annotated[
    list[str] | dict[str, ComponentStatus],
    Field(
        union_mode="left_to_right",
        description="Component ids, or a mapping of component id to the status the event causes",
    ),
]


class _Update(_Model):
    #: The fields customers read in their language (issue 17; translations.texts_of).
    TEXTS: ClassVar[tuple[str, ...]] = ("message",)

    at: Time = Field(description="When this update was posted")
    message: BodyIn = Field(description="Markdown")
    next_update: Time | None = Field(default=None, description="When the next update is promised")


class IncidentUpdate(_Update):
    """One step of an incident's timeline."""

    status: IncidentStatus


class WindowUpdate(_Update):
    """A note on a maintenance or backup window; all but `scheduled` override the clock."""

    status: WindowStatus


class _Event(_Model):
    #: The fields customers read in their language (issue 17; translations.texts_of).
    TEXTS: ClassVar[tuple[str, ...]] = ("title", "description")

    title: TextIn = Field(description="What happened or will happen, in a few words")
    components: ComponentRefs
    servers: list[ServerName] | None = Field(
        default=None,
        description="Only these servers of its components are affected (default: all of them)",
    )
    description: MarkdownIn | None = None

    _id: str = PrivateAttr(default="")

    def model_post_init(self, context: Any) -> None:
        if isinstance(context, dict):
            self._id = str(context.get("id", ""))

    @property
    def id(self) -> str:
        """The event id: its file name without .yaml."""
        # Read past pydantic's __getattr__, which `self._id` goes through: lists, feeds and
        # the state ask for ids about ten times per event.
        return self.__pydantic_private__["_id"]  # type: ignore[no-any-return,index]


class Incident(_Event):
    """Something broke."""

    #: The fields customers read in their language (issue 17; translations.texts_of).
    TEXTS: ClassVar[tuple[str, ...]] = ("title", "description", "postmortem")

    model_config = ConfigDict(title="incident")

    type: Literal["incident"]
    impact: Impact | None = Field(
        default=None,
        description="none | minor | major | critical; defaults from the component statuses",
    )
    updates: list[IncidentUpdate] = Field(
        min_length=1, description="Oldest first; the first is when the incident started"
    )
    postmortem: MarkdownIn | None = None


class Window(_Event):
    """A planned window: maintenance or backup, once or repeating."""

    type: Literal["maintenance", "backup"]
    starts: Time = Field(description="Start of the (first) window")
    ends: Time | None = Field(default=None, description="End of the (first) window")
    duration: Duration | None = Field(default=None, description="Length of each window")
    repeat: Annotated[str, AfterValidator(_repeat)] | None = Field(
        default=None, description="RFC 5545 RRULE, e.g. FREQ=WEEKLY;BYDAY=SU"
    )
    updates: list[WindowUpdate] = Field(default_factory=list, description="Oldest first")
    remind: list[Duration] | None = Field(
        default=None, description="Reminders before its start; default: notify.remind"
    )
    notify: bool = Field(default=True, description="false: `statuspage notify` tells no one")

    @property
    def length(self) -> timedelta:
        """How long each occurrence lasts."""
        if self.duration is not None:
            return self.duration
        if self.ends is not None:
            return self.ends - self.starts
        return timedelta()

    def rule(self, zone: tzinfo) -> rrule | None:
        """The repeat rule on wall-clock time in `zone`, or None for a one-off window."""
        if self.repeat is None:
            return None
        return parse_rule(self.repeat, self.starts, zone)


class Maintenance(Window):
    """Planned work."""

    model_config = ConfigDict(title="maintenance")

    type: Literal["maintenance"]


class Backup(Window):
    """A backup window, usually recurring."""

    model_config = ConfigDict(title="backup")

    type: Literal["backup"]


Event = Incident | Maintenance | Backup
EVENT_MODELS: dict[str, type[Incident] | type[Maintenance] | type[Backup]] = {
    "incident": Incident,
    "maintenance": Maintenance,
    "backup": Backup,
}
