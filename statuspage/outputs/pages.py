"""Stage 4a, render: the HTML pages of SPEC's "The site" table, from the state, in memory.

`make_environment()` is the one place where the template search path, filters
and globals are set up; `plan_site()` lists the pages of a SiteState and
`render_pages()` renders them into {path: bytes}.
Templates get the computed state, never raw YAML (the README lists the context).
"""

from __future__ import annotations

import heapq
import io
import os
import re
import traceback
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from itertools import islice
from operator import attrgetter
from pathlib import Path, PurePath
from types import (
    AsyncGeneratorType,
    BuiltinMethodType,
    CodeType,
    CoroutineType,
    FrameType,
    FunctionType,
    GeneratorType,
    MethodType,
    ModuleType,
    TracebackType,
)
from typing import Any, NamedTuple

from jinja2 import (
    BaseLoader,
    ChoiceLoader,
    Environment,
    PrefixLoader,
    StrictUndefined,
    Template,
    TemplateError,
    TemplateNotFound,
    Undefined,
    pass_eval_context,
)
from jinja2.exceptions import SecurityError
from jinja2.filters import FILTERS
from jinja2.loaders import split_template_path
from jinja2.nodes import EvalContext
from jinja2.runtime import Context, Macro
from jinja2.sandbox import SandboxedEnvironment
from jinja2.utils import _PassArg
from markupsafe import Markup, escape

from statuspage import __version__
from statuspage.errors import Problem, StatusPageError
from statuspage.i18n import (
    N_,
    Formatter,
    Labels,
    Parts,
    isolate_runs,
    language_name,
    right_to_left,
    text_direction,
    translations,
)
from statuspage.i18n.catalogs import SiteCatalogs
from statuspage.load.sources import (
    THEME_DIR,
    RefusedSourceError,
    SourceFolder,
    display_path,
    why_unreadable,
)
from statuspage.model.markdown import render_markdown
from statuspage.model.models import Incident, Window
from statuspage.model.times import midnight
from statuspage.model.translations import text_language
from statuspage.outputs.clock import TEMPLATE_PARTS, ClockParts
from statuspage.outputs.urls import (
    API_ROOT,
    BADGE,
    CALENDAR,
    EMBED,
    EMBED_JS,
    FEEDS,
    HOME,
    NOT_FOUND,
    ROBOTS,
    SERVERS_JSON,
    SITEMAP,
    Urls,
    component_page,
    embed_server_page,
    event_page,
    file_of,
    history_page,
    page_of,
    root_of,
    server_badge,
    server_page,
    servers_page,
)
from statuspage.state import (
    IncidentState,
    ServerState,
    SiteState,
    UpcomingWindow,
    WindowState,
    rollup,
    touches,
)

#: Days of history on the home page (SPEC "The site": the last 7 days).
RECENT_DAYS = 7
STATIC_FILES = ("static/style.css", "static/lookup.js", "static/embed.css")


# Shields-like colours of the badge, by the page's indicator.
BADGE_COLOURS = {
    "none": "#1a7f37",
    "minor": "#9a6700",
    "major": "#c4361c",
    "critical": "#a11b5a",
    "maintenance": "#0b63c5",
}


#: A server badge's colour: the indicator its status would give the page.
SERVER_INDICATORS = {
    "operational": "none",
    "under_maintenance": "maintenance",
    "degraded_performance": "minor",
    "partial_outage": "major",
    "major_outage": "critical",
}


def _text_width(text: str) -> int:
    """Roughly how wide `text` is in 11px Verdana, as shields.io estimates it."""
    return round(sum(4.0 if char in "iljtf.,:;' " else 7.0 for char in text))


class TemplateProblemError(StatusPageError):
    """A template failed to load or render; the message names the template and line."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem

    def __reduce__(self) -> tuple[type[TemplateProblemError], tuple[Problem]]:
        return type(self), (self.problem,)  # as a worker process sends it back


EventState = IncidentState | WindowState


class EventEntry:
    """One event as lists show it: its state and when it counts as happening.

    Read-only by convention; a plain class with slots, as a site makes one per event
    every build (a frozen dataclass took three times as long to make).
    """

    __slots__ = ("end", "event", "id", "kind", "start", "state", "title")

    def __init__(self, state: EventState, kind: str, start: datetime, end: datetime | None):
        self.state, self.kind, self.start, self.end = state, kind, start, end
        # The event's id and title, read once: lists show them thousands of times.
        event = state.incident if isinstance(state, IncidentState) else state.window
        self.event: Incident | Window = event
        self.id: str = state.id
        self.title: str = event.title

    def __repr__(self) -> str:
        return f"EventEntry({self.kind} {self.id!r}, {self.start.isoformat()})"


class TemplateSourceError(TemplateError):
    """A template file that was not read (a link out of templates/, a FIFO, too large, not
    UTF-8): its problem, at its path."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


#: The text of every template file the loader read, by its file name: errors are placed
#: in it (the file on disk may have changed since, or be one not to open again).
_TEMPLATE_SOURCES: dict[str, str] = {}
_LINE_BREAK = re.compile(r"\r\n|\r|\n")  # as Jinja counts lines


class _SourceLoader(BaseLoader):
    """Templates from folders, first to last, each file opened as sources.py opens every
    source file: resolved and confined to the repository's templates/ or the built-in
    theme, whatever links lead there (issue 19), a regular file, at most 2 MB (issue 22).

    A name that exists in a folder but cannot be read there fails; it never falls back
    to the next folder's template of the same name.
    """

    def __init__(self, folders: Sequence[SourceFolder]) -> None:
        self._folders = tuple(folders)

    def get_source(self, environment: Environment, template: str) -> tuple[str, str, None]:
        pieces = split_template_path(template)  # no "..": TemplateNotFound
        for folder in self._folders:
            candidate = os.path.join(folder.path, *pieces)
            if not os.path.lexists(candidate):
                continue
            text = _read_template(folder, candidate)
            _TEMPLATE_SOURCES[candidate] = text
            return text, candidate, None  # None: never stale (the build's one moment)
        raise TemplateNotFound(template)


def _read_template(folder: SourceFolder, path: str) -> str:
    shown = display_path(Path(path))
    try:
        raw, _ = folder.read(path, THEME_DIR)
        return raw.decode("utf-8")
    except RefusedSourceError as error:
        problem = Problem(shown, 1, 1, error.message)
    except OSError as error:
        problem = Problem(shown, 1, 1, why_unreadable(error, os.path.islink(path)))
    except UnicodeDecodeError as error:
        before = raw[: error.start].decode("utf-8")
        lines = _LINE_BREAK.split(before)
        problem = Problem(shown, len(lines), len(lines[-1]) + 1, "the file is not valid UTF-8")
    raise TemplateSourceError(problem) from None


# What no value a template holds may be, however it got there (issue 19): the ways out to
# modules, classes, files and paths, and Jinja's own machinery (the environment, its
# loader, a context, a compiled template), from which the rest of the process is reached.
_UNREACHABLE: tuple[type, ...] = (
    ModuleType,
    type,
    PurePath,
    io.IOBase,
    os.DirEntry,
    Environment,
    BaseLoader,
    Template,
    Context,
    EvalContext,
    CodeType,
    FrameType,
    TracebackType,
)
_METHOD_TYPES = (MethodType, BuiltinMethodType)
# What Jinja's sandbox checks attribute names of (jinja2.sandbox.is_internal_attribute).
_INTERNAL_OWNERS = (
    FunctionType,
    MethodType,
    type,
    CodeType,
    TracebackType,
    FrameType,
    GeneratorType,
    CoroutineType,
    AsyncGeneratorType,
)
#: The types whose objects' attributes, and the types of values, that need no more than
#: the attribute's name checked: the fast path of _Sandbox.getattr (the full checks cost
#: a third more render time at 10,000 events). Types only: the answer never depends on
#: the value.
_PLAIN_OWNERS: set[type] = set()
_PLAIN_VALUES: set[type] = set()
_CHECKED: set[tuple[type, type]] = set()


def _learn(owner: type, kind: type) -> bool:
    """Whether attributes of `owner` objects with `kind` values are plain (see above),
    remembered in _PLAIN_OWNERS and _PLAIN_VALUES."""
    if (owner, kind) not in _CHECKED:
        _CHECKED.add((owner, kind))
        if not issubclass(owner, _INTERNAL_OWNERS):
            _PLAIN_OWNERS.add(owner)
        if not issubclass(kind, (*_UNREACHABLE, *_METHOD_TYPES)):
            _PLAIN_VALUES.add(kind)
    return owner in _PLAIN_OWNERS and kind in _PLAIN_VALUES


class _Sandbox(SandboxedEnvironment):
    """Jinja's sandbox, stricter: besides attributes starting with "_", the internals of
    functions, frames and generators, and str.format's fields (Jinja's own rules), no
    attribute may give a template a module, a class, a path, a file or Jinja's machinery,
    nor a class method through an instance (`now.now()` would read the clock); no class
    may be called; and an attribute refused fails the render at once, where Jinja would
    give an undefined value that `is defined` could test quietly.

    (Not the immutable sandbox: the theme collects with `{% do list.append(...) %}`; a
    template changing the state it is given only changes its own site.)
    """

    #: The ids of the callables make_environment gave it as globals.
    trusted: frozenset[int] = frozenset()
    #: The site's own catalogs it renders with (make_environment's `catalogs`).
    catalogs: SiteCatalogs | None = None
    #: Its `_()` (make_environment's _newstyle_gettext).
    gettext: Callable[..., str] | None = None

    def getattr(self, obj: Any, attribute: str) -> Any:
        # SandboxedEnvironment.getattr, with a fast path for the attributes nearly all
        # are: a name without "_", of an object that is not a function, class, frame or
        # generator, giving a value that is not a method (str.format) nor unreachable.
        try:
            value = getattr(obj, attribute)
        except AttributeError:
            try:
                return obj[attribute]
            except (TypeError, LookupError):
                return self.undefined(obj=obj, name=attribute)
        kind, owner = type(value), type(obj)
        if (kind in _PLAIN_VALUES and owner in _PLAIN_OWNERS) or _learn(owner, kind):
            if attribute[:1] != "_":
                return value
        elif kind is MethodType and owner in _PLAIN_OWNERS and attribute[:1] != "_":
            # A method of an object (state.duration), not of a class (a class method) nor
            # of a string (Markup.format, which wrap_str_format below sandboxes).
            if not isinstance(value.__self__, type | str):
                return value
        wrapped = self.wrap_str_format(value)
        if wrapped is not None:
            return wrapped
        if self.is_safe_attribute(obj, attribute, value):
            return value
        return self.unsafe_undefined(obj, attribute)

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        if isinstance(value, _UNREACHABLE):
            return False
        if type(value) in _METHOD_TYPES and isinstance(value.__self__, type):
            return False
        return super().is_safe_attribute(obj, attr, value)

    def is_safe_callable(self, obj: Any) -> bool:
        return not isinstance(obj, type) and super().is_safe_callable(obj)

    def call(self, context: Context, obj: Any, /, *args: Any, **kwargs: Any) -> Any:
        # The theme's own helpers and the template's macros, called thousands of times a
        # build, are known to be safe; anything else is checked (is_safe_callable). They
        # are called as context.call would, knowing that none of them takes the context
        # and that `_()` (tens of times a page) takes the eval context.
        if type(obj) is Macro or id(obj) in self.trusted:
            pass
        elif obj is self.gettext and obj is not None:
            args = (context.eval_ctx, *args)
        else:
            return super().call(context, obj, *args, **kwargs)
        if kwargs:
            kwargs.pop("_block_vars", None)
            kwargs.pop("_loop_vars", None)
        return obj(*args, **kwargs)

    def unsafe_undefined(self, obj: Any, attribute: str) -> Any:
        if isinstance(obj, Undefined):  # `nope.__init__`: say that `nope` is undefined
            obj._fail_with_undefined_error()
        raise SecurityError(
            f"access to attribute {attribute!r} of a {type(obj).__name__!r} object is "
            "not allowed in templates"
        )


#: Jinja's filters that a template may use: those the theme uses and the plain ones for
#: text and lists. Left out: `attr` (an attribute by a computed name), `format` and
#: `pprint` (which format any object), `random` (builds are reproducible), `safe` and
#: `forceescape` (source text stays escaped), and `xmlattr`, `urlize`, `wordwrap`,
#: `filesizeformat`, which nothing needs.
THEME_FILTERS = (
    "abs",
    "batch",
    "capitalize",
    "center",
    "count",
    "d",
    "default",
    "dictsort",
    "e",
    "escape",
    "first",
    "float",
    "groupby",
    "indent",
    "int",
    "items",
    "join",
    "last",
    "length",
    "list",
    "lower",
    "map",
    "max",
    "min",
    "reject",
    "rejectattr",
    "replace",
    "reverse",
    "round",
    "select",
    "selectattr",
    "slice",
    "sort",
    "string",
    "striptags",
    "sum",
    "title",
    "tojson",
    "trim",
    "truncate",
    "unique",
    "upper",
    "urlencode",
    "wordcount",
)


def make_environment(
    user_templates: Path | None,
    language: str,
    zone: Any,
    catalogs: SiteCatalogs | None = None,
    *,
    default_language: str | None = None,
) -> Environment:
    """A sandboxed Jinja environment: the user's templates/ first, then the built-in theme,
    rendering in `language` with times in `zone` (environment_language tells which), its
    words from the site's own catalog of the language in `catalogs` (locales/) first.
    The site's texts written as plain strings are in `default_language` (None: `language`);
    those not in `language` are marked with their own (`lang_attr`, `markdown`).

    Templates get only the globals and filters set here: none of Jinja's own globals
    (`range`, `dict`, `lipsum`, `cycler`, `joiner`, `namespace`), the gettext functions,
    and what the theme needs (SECURITY.md, "Templates").
    """
    theme = SourceFolder.of(Path(THEME_DIR).parent, os.path.basename(THEME_DIR))
    folders = [theme]
    if user_templates is not None and os.path.lexists(user_templates):
        folders.insert(0, SourceFolder.of(user_templates.parent, user_templates.name))
    env = _Sandbox(
        loader=ChoiceLoader(
            [_SourceLoader(folders), PrefixLoader({"!builtin": _SourceLoader([theme])})]
        ),
        autoescape=True,
        undefined=StrictUndefined,
        auto_reload=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        extensions=["jinja2.ext.i18n", "jinja2.ext.do"],
    )
    env.globals.clear()
    env.filters = {name: FILTERS[name] for name in THEME_FILTERS}
    env.catalogs = catalogs
    catalog = translations(language, catalogs)
    env.install_gettext_translations(catalog, newstyle=True)  # type: ignore[attr-defined]
    env.globals["_"] = env.gettext = _newstyle_gettext(catalog.gettext)
    formatter = Formatter(language, zone, catalogs)
    texts = TextLanguages(language, default_language or language, catalog.gettext)
    snippets = Snippets(catalog.gettext, formatter, Labels.of(language, catalogs), texts)
    env.filters.update(
        markdown=texts.markdown,
        lang_attr=texts.lang_attr,
        datetime=formatter.moment,
        time=formatter.clock,
        date=formatter.day,
        long_date=formatter.long_day,
        month=formatter.month_name,
        duration=formatter.duration,
        percent=formatter.percent,
        rule=formatter.rule,
        iso=formatter.iso,
        label=Labels.message,
    )
    env.globals.update(
        text_width=_text_width,
        badge_colours=BADGE_COLOURS,
        server_indicators=SERVER_INDICATORS,
        # Where the pages are, from a page's `root` (statuspage/outputs/urls.py).
        event_path=event_page,
        component_path=component_page,
        history_path=history_page,
        server_path=server_page,
        servers_path=servers_page(),
        servers_json_path=SERVERS_JSON,
        feed_paths=dict(FEEDS),
        calendar_path=CALENDAR,
        api_path=API_ROOT,
        language=language,
        direction=text_direction(language),
        language_name=language_name,
        untranslated_html=texts.untranslated,
        generator=f"statuspage {__version__}",
        icon_html=snippets.icon,
        status_html=snippets.status,
        when_html=snippets.when,
        window_times_html=snippets.window_times,
        event_link_html=snippets.event_link,
        event_list_html=snippets.event_list,
        uptime_html=snippets.uptime,
        affected_html=snippets.affected,
        live_duration_html=snippets.live_duration,
        promise_html=snippets.promise,
        event_meta_html=snippets.event_meta,
        duration_patterns=formatter.duration_patterns(),
        zone_note_html=snippets.zone_note,
        time_formats=formatter.script_formats(),
    )
    env.trusted = frozenset(
        id(value)
        for value in env.globals.values()
        if callable(value) and _PassArg.from_obj(value) is None  # not gettext's `_`
    )
    return env


# A text shown in the default language on another language's page (issue 17).
_UNTRANSLATED = N_("Not translated; shown in %(language)s")


class TextLanguages:
    """How a page in `language` shows the site's texts: each in the language it is in,
    which a plain string's is `default` (translations.text_language), marked with `lang`
    where that is not the page's."""

    def __init__(self, language: str, default: str, gettext: Callable[[str], str]) -> None:
        self.language, self.default, self._gettext = language, default, gettext

    def of(self, text: object) -> str | None:
        """The language of `text` when it is not the page's, else None."""
        found = text_language(text, self.default)
        return None if found == self.language else found

    def lang_attr(self, text: object) -> Markup:
        """The `lang_attr` filter: ' lang="fi"' for a text not in the page's language, to
        put in its element's tag (`<bdi{{ title|lang_attr }}>`); else nothing."""
        found = self.of(text)
        return Markup(f' lang="{escape(found)}"') if found else Markup()

    def markdown(self, text: str | None) -> Markup:
        """The `markdown` filter: a text's HTML in a block that takes its direction from
        its own first letters (`dir="auto"`), so an English message on an Urdu page reads
        left to right with its full stop at its end, and says its language when it is not
        the page's; nothing for no text."""
        html = render_markdown(text)
        return Markup(f'<div dir="auto"{self.lang_attr(text)}>{html}</div>') if html else html

    def untranslated(self, *texts: object) -> Markup:
        """'Not translated; shown in Finnish' (in the page's language), when any of `texts`
        is in another language than the page's; else nothing."""
        found = next((lang for text in texts if text and (lang := self.of(text))), None)
        if found is None:
            return Markup()
        words = Markup(self._gettext(_UNTRANSLATED)) % {
            "language": language_name(found, self.language)
        }
        return Markup(f'<p class="untranslated">{words}</p>')


def environment_language(env: Environment) -> str:
    """The language `env` renders in (make_environment's `language`)."""
    return str(env.globals["language"])


def environment_catalogs(env: Environment) -> SiteCatalogs | None:
    """The site's own catalogs `env` renders with (make_environment's `catalogs`); the
    feeds and calendars of its language take their words from them too."""
    return getattr(env, "catalogs", None)


def _newstyle_gettext(gettext: Callable[[str], str]) -> Callable[..., str]:
    """`_()` as jinja2.ext.i18n's newstyle gettext has it, with each plain message kept.

    Pages call `_()` tens of times each with the same few messages; jinja2's own goes
    through three context calls and a `%` every time. Same result: the translation, marked
    safe under autoescaping, always formatted with the keyword arguments.
    """
    plain: dict[tuple[str, bool], str] = {}

    @pass_eval_context
    def _(eval_ctx: EvalContext, message: str, /, **variables: Any) -> str:
        if variables:
            text = gettext(message)
            return (Markup(text) if eval_ctx.autoescape else text) % variables
        key = (message, bool(eval_ctx.autoescape))
        found = plain.get(key)
        if found is None:
            text = gettext(message)
            found = plain[key] = (Markup(text) if key[1] else text) % variables
        return found

    return _


# Icons by the status, impact or indicator they stand for (the last one for anything else).
_ICON_PATHS: tuple[tuple[frozenset[str], str], ...] = (
    (
        frozenset({"operational", "none", "resolved", "completed"}),
        "M8 0a8 8 0 1 1 0 16A8 8 0 0 1 8 0zm3.3 4.8L6.8 9.3 4.7 7.2 3.6 8.3l3.2 3.2 5.6-5.6z",
    ),
    (
        frozenset({"under_maintenance", "maintenance", "scheduled", "in_progress", "verifying"}),
        "M8 0a8 8 0 1 1 0 16A8 8 0 0 1 8 0zm-.8 3v5.6l4.1 2.5.8-1.3-3.3-2V3z",
    ),
    (frozenset({"cancelled"}), "M8 0a8 8 0 1 1 0 16A8 8 0 0 1 8 0zM4 7v2h8V7z"),
    (
        frozenset({"degraded_performance", "minor", "monitoring", "identified", "investigating"}),
        "M8 1l8 14H0zm-1 5v4h2V6zm0 5v2h2v-2z",
    ),
)
_ICON_OTHER = (
    "M8 0a8 8 0 1 1 0 16A8 8 0 0 1 8 0zM5.2 4.1 4.1 5.2 6.9 8l-2.8 2.8 1.1 1.1L8 9.1"
    "l2.8 2.8 1.1-1.1L9.1 8l2.8-2.8-1.1-1.1L8 6.9z"
)
_SVG = (
    '<svg class="icon" aria-hidden="true" focusable="false" viewBox="0 0 16 16" '
    'width="16" height="16"><path d="{}"/></svg>'
)

# The uptime bars' words (extracted for the catalogs with N_).
_UPTIME_OVER = N_("Uptime over the last %(count)s days")
_SHARE_UP = N_("%(share)s up")
_DAYS_AGO = N_("%(count)s days ago")
_SHARE_UPTIME = N_("%(share)s uptime")
_TODAY = N_("Today")
# A promise of the next update (issue 12: one in the past is overdue, not still to come).
_NEXT_BY = N_("Next update by")
_NEXT_UPDATE = N_("Next update")
_OVERDUE = N_("Overdue: promised by %(time)s")
# Which zone times are in (issue 21): the site's, or the visitor's once the script re-shows them.
_ZONE_NOTE = N_("Times are in %(zone)s (%(abbreviation)s).")


def _pieces(segments: Sequence[Parts], isolated: bool) -> list[str]:
    """A time's pieces (Formatter.moment_parts; a window's three segments) as HTML text.
    On a right-to-left page an Urdu date is one bidi isolate and "8:47 AM EET" (or "2:00 -
    4:00 AM EET") another, so that the Latin run reads in its own order (isolate_runs;
    the script writes them the same way)."""
    if not isolated:
        return ["".join(str(escape(text)) for _, text in parts) for parts in segments]
    return [str(escape(text)) for text in isolate_runs(segments)]


#: How many list items (Snippets.event_list) an environment keeps at most.
_ITEMS_KEPT = 200_000


class Snippets:
    """The small pieces every page repeats, written in Python: icon, status, time, lists, bars.

    Each method writes exactly what the macro of the same name in the built-in
    macros.html used to write (that file now exports these under the macros' names, so
    `m.status(...)` in a template is a call of `status` here; an overriding
    templates/macros.html may still define any of them as a macro). Results that
    depend only on their argument are kept per environment, that is per language and zone.
    """

    def __init__(
        self,
        gettext: Callable[[str], str],
        formatter: Formatter,
        labels: Labels,
        texts: TextLanguages | None = None,
    ) -> None:
        self._gettext = gettext
        language = formatter.language
        self.texts = TextLanguages(language, language, gettext) if texts is None else texts
        self.formatter = formatter
        self.labels = labels
        self._statuses: dict[str, Markup] = {}
        self._whens: dict[tuple[datetime, timedelta | None], Markup] = {}
        self._items: dict[tuple[Any, ...], str] = {}
        self._isolated = right_to_left(formatter.language)

    def _(self, message: str, **variables: Any) -> Markup:
        """What `_(message, **variables)` gives in an autoescaped template."""
        return Markup(self._gettext(message)) % variables

    def label(self, key: str) -> Markup:
        """`_(key|label)`: the translated words for a status, impact, kind or indicator."""
        return self.labels.html(key)

    def icon(self, kind: str) -> Markup:
        path = next((path for kinds, path in _ICON_PATHS if kind in kinds), _ICON_OTHER)
        return Markup(_SVG.format(path))

    def status(self, key: str) -> Markup:
        html = self._statuses.get(key)
        if html is None:
            html = Markup(
                f'<span class="status s-{escape(key)}">{self.icon(key)}{self.label(key)}</span>'
            )
            self._statuses[key] = html
        return html

    def when(self, moment: datetime) -> Markup:
        if moment.tzinfo is None:
            return self._when(moment)
        key = (moment, moment.utcoffset())  # see Formatter.moment
        html = self._whens.get(key)
        if html is None:
            html = self._whens[key] = self._when(moment)
        return html

    def _when(self, moment: datetime) -> Markup:
        iso, parts = self.formatter.iso(moment), self.formatter.moment_parts(moment)
        text = _pieces([parts], self._isolated)[0]
        return Markup(f'<time datetime="{escape(iso)}" data-local>{text}</time>')

    def window_times(self, occurrence: Any) -> Markup:
        """A window as one phrase: 'Tue, Dec 8, 2026, 2:00 - 4:00 AM EET' within a day, both
        dates over midnight (Formatter.window_parts), its ends in two <time> elements."""
        start, end = occurrence.start, occurrence.end
        opening, between, closing = self.formatter.window_parts(start, end)
        texts = _pieces([opening, (("", between),), closing], self._isolated)
        return Markup(
            f'<span class="range" data-range><time datetime="{escape(self.formatter.iso(start))}">'
            f"{texts[0]}</time>{texts[1]}"
            f'<time datetime="{escape(self.formatter.iso(end))}">'
            f"{texts[2]}</time></span>"
        )

    def zone_note(self, now: datetime) -> Markup:
        """Which zone the page's times are in, in words ('Times are in Eastern European Time
        (EET).'); the optional script says the visitor's instead when it re-shows them."""
        name, abbreviation = self.formatter.zone_words(now)
        local = self._(_ZONE_NOTE, zone="{zone}", abbreviation="{abbreviation}")
        text = self._(_ZONE_NOTE, zone=name, abbreviation=abbreviation)
        return Markup(f'<p class="zone-note" id="zone-note" data-local-note="{local}">{text}</p>')

    def event_link(self, entry: EventEntry, root: str) -> Markup:
        # <bdi>: a title's own right-to-left text, and its (balanced) bidi controls, stay
        # inside it and never reorder what the list puts after it (issue 19).
        return Markup(
            f'<a href="{escape(root)}{escape(event_page(entry.id))}">'
            f"<bdi{self.texts.lang_attr(entry.title)}>{escape(entry.title)}</bdi></a>"
        )

    def event_list(self, entries: Iterable[EventEntry], root: str, dated: bool = True) -> Markup:
        items = self._items
        if len(items) > _ITEMS_KEPT:  # serve's environment lives through many states
            items.clear()
        listed = []
        for entry in entries:
            # An event is listed on its components' pages, the history and the page of
            # each server it concerns, hundreds of times a build: its item is kept, by
            # everything that makes it.
            key = (entry.id, entry.title, entry.kind, entry.state.status, entry.start, root, dated)
            item = items.get(key)
            if item is None:
                item = items[key] = (
                    f"<li>{self.event_link(entry, root)} {self.event_meta(entry, dated)}</li>\n"
                )
            listed.append(item)
        return Markup(f'<ul class="events">\n{"".join(listed)}</ul>')

    def event_meta(self, entry: EventEntry, dated: bool = True) -> Markup:
        """An event's kind, status and (`dated`) start in a list, in a span the script follows."""
        key = f"{'d' if dated else 'e'}:{entry.id}"
        return Markup(
            f'<span class="meta" data-clock="{escape(key)}">{self.label(entry.kind)}'
            f" \N{MIDDLE DOT} {self.status(entry.state.status)}"
            + (f" \N{MIDDLE DOT} {self.when(entry.start)}" if dated else "")
            + "</span>"
        )

    def live_duration(self, since: datetime, now: datetime) -> Markup:
        """How long from `since` to `now`; the optional script keeps it to the minute."""
        text = self.formatter.duration(now - since)
        iso = self.formatter.iso(since)
        return Markup(f'<span data-since="{escape(iso)}">{escape(text)}</span>')

    def promise(self, promised: datetime, now: datetime) -> Markup:
        """The promised next update, or that it is overdue once `now` is past it (issue 12)."""
        if promised <= now:
            overdue = self._(_OVERDUE, time=self.when(promised))
            return Markup(f'<p class="promise overdue">{self._(_NEXT_UPDATE)}: {overdue}</p>')
        return Markup(f'<p class="promise">{self._(_NEXT_BY)} {self.when(promised)}</p>')

    def uptime(self, component: Any, days: Sequence[Any]) -> Markup:
        formatter = self.formatter
        share_up = Markup(self._gettext(_SHARE_UP))
        bars = "".join(
            f'<li class="b-{escape(day.status)}"><span class="vh">{escape(formatter.day(day.day))}:'
            f" {self.label(day.status)}, {share_up % {'share': formatter.percent(day.uptime)}}"
            "</span></li>\n"
            for day in days
        )
        count = len(days)
        return Markup(
            '<div class="uptime">\n'
            f'<ol class="bars" aria-label="{self._(_UPTIME_OVER, count=count)}">\n'
            f"{bars}</ol>\n"
            f'<p class="uptime-legend"><span>{self._(_DAYS_AGO, count=count)}</span> '
            f"<span>{self._(_SHARE_UPTIME, share=formatter.percent(component.uptime))}</span> "
            f"<span>{self._(_TODAY)}</span></p>\n"
            "</div>"
        )

    def affected(
        self, effects: Mapping[str, str], ids: Iterable[str], components_by_id: Mapping[str, Any]
    ) -> Markup:
        items = []
        for component_id in ids:
            if component_id in components_by_id:
                name = components_by_id[component_id].component.name
                effect = f": {self.label(effects[component_id])}" if component_id in effects else ""
                lang = self.texts.lang_attr(name)
                items.append(f"<li><bdi{lang}>{escape(name)}</bdi>{effect}</li>\n")
        return Markup(f'<ul class="affected">\n{"".join(items)}</ul>')


class Page(NamedTuple):
    """One file the theme renders: its path, its template and what the template gets.

    (A named tuple: a site plans one per event, on every build and every `serve` rebuild.)
    """

    path: str
    template: str
    context: dict[str, Any]


def plan_site(state: SiteState, language: str | None = None) -> list[Page]:
    """Every page of the site for `state` in `language` (None: the site's own), not yet
    rendered (cheap: no template runs). Render them with an environment of that language."""
    entries = _entries(state)
    urls = Urls.of(state.site, language)
    common = {**page_context(state), "clock": ClockParts(state, page_context, _entries)}
    pages: dict[str, Page] = {}
    prefixed, several = bool(urls.prefix), len(urls.languages) > 1

    def page(
        name: str, template: str, root: str | None = None, clock: Iterable[str] = (), **context: Any
    ) -> None:
        """The page (or file) `name` of the language's pages, from `template`."""
        path = urls.path(name)
        if path in pages:
            raise StatusPageError(f"two pages would be written to {path}")
        if root is None:
            root = root_of(name)
            # The way to the site's root, where its shared files are (the API, the
            # styles): the language's root for the default language, above it for others.
            site_root = root_of(path) if prefixed else root
        else:
            site_root = root
        pages[path] = Page(
            path,
            template,
            {
                **common,
                "root": root,
                "site_root": site_root,
                "alternates": _alternates(urls, name) if several else [],
                "path": path,
                "clock_keys": tuple(clock),
                **context,
            },
        )

    months = _by_month(entry for entry in entries if entry.start <= state.now)
    recent = _recent_days(state, entries)
    home_parts = [*TEMPLATE_PARTS, *(f"c:{c.component.id}" for c in state.components)]
    home_parts += [f"e:{entry.id}" for _, day in recent for entry in day]
    page(file_of(HOME), "index.html", clock=home_parts, recent=recent, months=months)
    for entry in entries:
        page(file_of(event_page(entry.id)), "event.html", clock=[f"a:{entry.id}"], entry=entry)
    page(file_of(history_page()), "history.html", months=months, month=None, month_entries=[])
    for month, month_entries in months:
        page(
            file_of(history_page(month)),
            "history.html",
            clock=[f"d:{entry.id}" for entry in month_entries],
            months=months,
            month=month,
            month_entries=month_entries,
        )
    # Each component's events, newest first, gathered in one pass over the entries.
    components_of: dict[str, list[str]] = defaultdict(list)
    for component in state.components:
        for event_id in dict.fromkeys(component.event_ids):
            components_of[event_id].append(component.component.id)
    involving: dict[str, list[EventEntry]] = defaultdict(list)
    for entry in entries:
        for component_id in components_of.get(entry.id, ()):
            involving[component_id].append(entry)
    for component in state.components:
        involved = involving[component.component.id]
        page(
            file_of(component_page(component.component.id)),
            "component.html",
            clock=[f"c:{component.component.id}", *(f"d:{entry.id}" for entry in involved)],
            component=component,
            entries=involved,
        )
    _plan_servers(state, entries, page)
    _plan_embeds(state, page)
    files = [(BADGE, "badge.svg", common)]
    files += [
        (server_badge(server.name), "badge.svg", {**common, "server": server})
        for server in state.servers
    ]
    if urls.is_default:  # the files the site has once, at its root
        # The 404 page is served at any depth, so its links start from the site's own path.
        page(NOT_FOUND, "404.html", root=urls.site_path)
        for static in STATIC_FILES:
            pages[static] = Page(static, static, common)
        files += [
            (SITEMAP, "sitemap.xml", {**common, **_sitemap(urls, pages)}),
            (ROBOTS, "robots.txt", common),
            (EMBED_JS, "embed.js", common),  # the widget other sites load (issue 16)
        ]
    for name, template, context in files:
        pages[urls.path(name)] = Page(urls.path(name), template, context)
    return list(pages.values())


def _alternates(urls: Urls, name: str) -> list[tuple[str, str]]:
    """A page's paths in every language of the site (none for a site of one language)."""
    if len(urls.languages) < 2:
        return []
    found = page_of(name)
    return urls.alternates(name if found is None else found)


def _sitemap(urls: Urls, pages: Mapping[str, Page]) -> dict[str, Any]:
    """The sitemap's context: `pages`, the paths of every page for people in every
    language (the embeds are for other sites' frames), and `alternates`, each one's
    paths in all languages (for a site of several)."""
    listed = sorted(
        found
        for found in map(page_of, pages)
        if found is not None and not found.startswith(EMBED) and found != NOT_FOUND
    )
    if len(urls.languages) < 2:
        return {"pages": listed, "alternates": {}}
    alternates: dict[str, list[tuple[str, str]]] = {}
    for page in listed:
        siblings = urls.alternates(page)
        alternates.update((path, siblings) for _, path in siblings)
    return {"pages": sorted(alternates), "alternates": alternates}


#: How many of its past events a server's page lists (its component's page has them all).
SERVER_PAST = 10
#: How far ahead the embed tells of maintenance (issue 16: starting within 24 hours).
EMBED_AHEAD = timedelta(hours=24)


class ServerEvents(NamedTuple):
    """What a server's page (and its embed) lists: the events touching it now, its coming
    windows, and its latest past events, of `past_count`."""

    active: list[EventEntry]
    upcoming: list[UpcomingWindow]
    past: list[EventEntry]
    past_count: int


def _plan_servers(state: SiteState, entries: list[EventEntry], page: Callable[..., None]) -> None:
    """/servers/ and each server's page (issue 16)."""
    if not state.servers:
        return
    regions = [(key, servers, rollup(servers)) for key, servers in state.regions]
    page(
        file_of(servers_page()),
        "servers.html",
        clock=[],
        regions=regions,
        region_names=state.site.regions,
    )
    index = _ServerIndex(state, entries)
    for server in state.servers:
        page(
            file_of(server_page(server.name)),
            "server.html",
            clock=[f"s:{server.name}"],  # followed when the clock can change it (clock.py)
            server=server,
            region=state.site.regions.get(server.server.region or ""),
            events=_EventsOf(index, server),
        )


class _ServerIndex:
    """What each server's page lists, found per server when asked. An event naming no
    servers is in every server's of its components (kept once per component), one
    naming some in theirs; each kept as active or past, so that a server's page takes
    its latest without a pass over all of its component's. Made on the first ask: `serve`
    plans every server's page and renders the few a browser asks for."""

    def __init__(self, state: SiteState, entries: list[EventEntry]) -> None:
        self._state, self._entries = state, entries
        self._wide: dict[str, tuple[list[EventEntry], list[EventEntry]]] | None = None
        self._named: dict[tuple[str, str], tuple[list[EventEntry], list[EventEntry]]] = {}
        self._upcoming: list[UpcomingWindow] = []

    def _index(self) -> dict[str, tuple[list[EventEntry], list[EventEntry]]]:
        if self._wide is not None:
            return self._wide
        now = self._state.now
        wide: dict[str, tuple[list[EventEntry], list[EventEntry]]] = defaultdict(lambda: ([], []))
        named: dict[tuple[str, str], tuple[list[EventEntry], list[EventEntry]]]
        named = defaultdict(lambda: ([], []))
        for entry in self._entries:
            if entry.state.active:
                kept = 0
            elif entry.start <= now:
                kept = 1
            else:
                continue  # a window still to come: the server's upcoming say it
            event = entry.event
            for cid in dict.fromkeys(event.components):
                if event.servers:
                    for name in dict.fromkeys(event.servers):
                        named[cid, name][kept].append(entry)
                else:
                    wide[cid][kept].append(entry)
        self._named = dict(named)
        self._upcoming = [item for item in self._state.upcoming if item.status == "scheduled"]
        self._wide = dict(wide)
        return self._wide

    def of(self, server: ServerState) -> ServerEvents:
        """The events `server`'s page lists."""
        nothing: tuple[list[EventEntry], list[EventEntry]] = ([], [])
        wide = self._index()
        cid, name = server.component.component.id, server.name
        (wide_active, wide_past), (own_active, own_past) = (
            wide.get(cid, nothing),
            self._named.get((cid, name), nothing),
        )
        newest = attrgetter("start", "id")
        active = list(heapq.merge(wide_active, own_active, key=newest, reverse=True))
        past = heapq.merge(wide_past, own_past, key=newest, reverse=True)
        coming = [item for item in self._upcoming if touches(item.window.window, cid, name)]
        count = len(wide_past) + len(own_past)
        return ServerEvents(active, coming, list(islice(past, SERVER_PAST)), count)


class _EventsOf:
    """A server's ServerEvents in its page's context, found when the template first reads
    them (server.html reads `events.active`, `.upcoming`, `.past`, `.past_count`)."""

    __slots__ = ("_events", "_index", "_server")

    def __init__(self, index: _ServerIndex, server: ServerState) -> None:
        self._index, self._server = index, server
        self._events: ServerEvents | None = None

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):  # not one of ServerEvents' (copy and pickle ask for some)
            raise AttributeError(name)
        if self._events is None:
            self._events = self._index.of(self._server)
        return getattr(self._events, name)


def _plan_embeds(state: SiteState, page: Callable[..., None]) -> None:
    """/embed/ and /embed/servers/NAME/: the status for an <iframe> on another site."""
    soon = [
        item
        for item in state.upcoming
        if item.status == "scheduled" and item.occurrence.start <= state.now + EMBED_AHEAD
    ]
    incidents, running = list(state.active_incidents), list(state.running_windows)
    page(file_of(EMBED), "embed.html", incidents=incidents, running=running, soon=soon)
    for server in state.servers:
        cid, name = server.component.component.id, server.name
        page(
            file_of(embed_server_page(server.name)),
            "embed.html",
            server=server,
            incidents=[i for i in incidents if touches(i.incident, cid, name)],
            running=[w for w in running if touches(w.window, cid, name)],
            soon=[item for item in soon if touches(item.window.window, cid, name)],
        )


def page_context(state: SiteState) -> dict[str, Any]:
    """What every page's template gets of the state (and the script's parts of it)."""
    return {
        "state": state,
        "site": state.site,
        "now": state.now,
        "components_by_id": {c.component.id: c for c in state.components},
    }


def render_pages(pages: Iterable[Page], env: Environment) -> dict[str, bytes]:
    """Render some pages of a plan: {relative path: bytes}."""
    return {page.path: _render(env, page.template, page.context) for page in pages}


def compile_templates(pages: Iterable[Page], env: Environment) -> None:
    """Compile the pages' templates now (once, before forked workers inherit them)."""
    for name in dict.fromkeys(page.template for page in pages):
        try:
            env.get_template(name)
        except TemplateError as error:
            raise TemplateProblemError(template_problem(error, name)) from None


def _render(env: Environment, name: str, context: dict[str, Any]) -> bytes:
    try:
        clock = context.get("clock")
        if clock is not None and name.endswith(".html"):
            data = clock.data(env, context.get("clock_keys", ()), context["root"])
            context = {**context, "clock_data": data}
        return env.get_template(name).render(context).encode("utf-8")
    except TemplateError as error:
        raise TemplateProblemError(template_problem(error, name)) from None
    except Exception as error:  # {{ 1/0 }}: a template's error, if it was raised in one
        if not _template_frames(error):
            raise
        raise TemplateProblemError(template_problem(error, name)) from None


def _template_frames(error: BaseException) -> list[traceback.FrameSummary]:
    """The frames of `error`'s traceback that run a template's code."""
    return [
        frame
        for frame in traceback.extract_tb(error.__traceback__)
        if frame.filename in _TEMPLATE_SOURCES
    ]


def template_problem(error: Exception, name: str) -> Problem:
    """'templates/index.html:12:5: template error: 'sate' is undefined', from Jinja's
    rewritten traceback; a template refused unread says why at its path."""
    if isinstance(error, TemplateSourceError):
        return error.problem
    filename = getattr(error, "filename", None) or getattr(error, "name", None)
    line = getattr(error, "lineno", None)
    if line is None:  # a runtime error (a SecurityError too): the template's last frame
        frames = _template_frames(error)
        if frames:
            filename, line = frames[-1].filename, frames[-1].lineno
    shown = (
        os.path.relpath(filename) if filename and os.path.isabs(filename) else (filename or name)
    )
    message = getattr(error, "message", None) if isinstance(error, TemplateError) else None
    message = message or f"{type(error).__name__}: {error}".removesuffix(": ")
    column = _column(filename, line or 1, message)
    return Problem(shown, line or 1, column, f"template error: {message}")


def _column(filename: str | None, line: int, message: str) -> int:
    """Where on its line a template error is: at the first name or token the message
    quotes ('nope' is undefined, unexpected '}'), else where the line's text begins.
    (Jinja tells the line only.)"""
    text = _line(filename, line) if filename else ""
    for token in re.findall(r"'([^'\n]+)'", message):
        quoted = re.escape(token)
        word = rf"\b{quoted}\b" if token.isidentifier() else quoted
        # An attribute where it is read (`.name`, `['name']`), a filter where it is applied
        # (`|name`), before the same word elsewhere on the line (a variable of that name).
        if message.startswith("access to attribute"):
            patterns = [rf"\.\s*({word})", rf"\[\s*['\"]({quoted})['\"]", f"({word})"]
        elif message.startswith("No filter named"):
            patterns = [rf"\|\s*({word})", f"({word})"]
        else:
            patterns = [f"({word})"]
        for pattern in patterns:
            found = re.search(pattern, text)
            if found:
                return found.start(1) + 1
    return len(text) - len(text.lstrip()) + 1 if text.strip() else 1


def _line(filename: str, number: int) -> str:
    """Line `number` of a template as the loader read it ("" for a file it did not)."""
    lines = _LINE_BREAK.split(_TEMPLATE_SOURCES.get(filename, ""))
    return lines[number - 1] if 0 < number <= len(lines) else ""


# --- what lists show -------------------------------------------------------------------------


def _entries(state: SiteState) -> list[EventEntry]:
    """Every event with a page, newest first: started incidents and every window."""
    found = [
        EventEntry(incident, "incident", incident.started_at, incident.resolved_at)
        for incident in state.incidents
    ]
    for window in state.windows:
        anchor = window.current or (window.occurrences[0] if window.occurrences else None)
        start = anchor.start if anchor else window.window.starts
        found.append(EventEntry(window, window.window.type, start, anchor.end if anchor else None))
    return sorted(found, key=attrgetter("start", "id"), reverse=True)


def _by_month(entries: Iterable[EventEntry]) -> list[tuple[date, list[EventEntry]]]:
    """Past events by the month they started in, newest first (repeating windows: own page)."""
    months: dict[date, list[EventEntry]] = defaultdict(list)
    for entry in entries:
        if isinstance(entry.state, WindowState) and entry.state.recurring:
            continue
        started = entry.start
        months[date(started.year, started.month, 1)].append(entry)
    return sorted(months.items(), reverse=True)


def _recent_days(
    state: SiteState, entries: list[EventEntry]
) -> list[tuple[date, list[EventEntry]]]:
    """The last days, today first, each with the events that touched it."""
    zone, now = state.site.zone, state.now
    today = now.astimezone(zone).date()
    first = today - timedelta(days=RECENT_DAYS - 1)
    # One pass over every entry for those that touch the days at all, then a day at a time.
    since, until = midnight(first, zone), midnight(today + timedelta(days=1), zone)
    candidates = [
        entry
        for entry in entries
        if entry.start < until
        and entry.start <= now
        and (entry.end or now) >= since
        and not (isinstance(entry.state, WindowState) and entry.state.recurring)
    ]
    days = []
    for back in range(RECENT_DAYS):
        day = today - timedelta(days=back)
        start, end = midnight(day, zone), midnight(day + timedelta(days=1), zone)
        touching = [
            entry for entry in candidates if entry.start < end and (entry.end or now) >= start
        ]
        days.append((day, touching))
    return days
