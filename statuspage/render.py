"""Stage 4a, render: the HTML pages of SPEC's "The site" table, from the state, in memory.

`make_environment()` is the one place where the template search path, filters
and globals are set up; `render_site()` turns a SiteState into {path: bytes}.
Templates get the computed state, never raw YAML (the README lists the context).
"""

from __future__ import annotations

import os
import traceback
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jinja2 import (
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    PackageLoader,
    PrefixLoader,
    StrictUndefined,
    TemplateError,
)

from statuspage import __version__
from statuspage.errors import StatusPageError
from statuspage.i18n import LABELS, RTL, Formatter, translations
from statuspage.markdown import render_markdown
from statuspage.state import IncidentState, SiteState, WindowState
from statuspage.times import midnight

#: Days of history on the home page (SPEC "The site": the last 7 days).
RECENT_DAYS = 7
STATIC_FILES = ("static/style.css",)


# Shields-like colours of the badge, by the page's indicator.
BADGE_COLOURS = {
    "none": "#1a7f37",
    "minor": "#9a6700",
    "major": "#c4361c",
    "critical": "#a11b5a",
    "maintenance": "#0b63c5",
}


def _text_width(text: str) -> int:
    """Roughly how wide `text` is in 11px Verdana, as shields.io estimates it."""
    return round(sum(4.0 if char in "iljtf.,:;' " else 7.0 for char in text))


class TemplateProblemError(StatusPageError):
    """A template failed to load or render; the message names the template and line."""


EventState = IncidentState | WindowState


@dataclass(frozen=True)
class EventEntry:
    """One event as lists show it: its state and when it counts as happening."""

    state: EventState
    kind: str
    start: datetime
    end: datetime | None

    @property
    def id(self) -> str:
        return (
            self.state.incident.id
            if isinstance(self.state, IncidentState)
            else self.state.window.id
        )

    @property
    def title(self) -> str:
        event = self.state.incident if isinstance(self.state, IncidentState) else self.state.window
        return event.title


def make_environment(
    user_templates: Path | None, site_language: str, site_zone: Any
) -> Environment:
    """A Jinja environment: the user's templates/ first, then the built-in theme."""
    builtin = PackageLoader("statuspage", "theme")
    loaders: list[Any] = []
    if user_templates is not None and user_templates.is_dir():
        loaders.append(FileSystemLoader(user_templates))
    loaders += [builtin, PrefixLoader({"!builtin": builtin})]
    env = Environment(
        loader=ChoiceLoader(loaders),
        autoescape=True,
        undefined=StrictUndefined,
        auto_reload=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        extensions=["jinja2.ext.i18n", "jinja2.ext.do"],
    )
    env.install_gettext_translations(translations(site_language), newstyle=True)  # type: ignore[attr-defined]
    formatter = Formatter(site_language, site_zone)
    env.filters.update(
        markdown=render_markdown,
        datetime=formatter.moment,
        time=formatter.clock,
        date=formatter.day,
        long_date=formatter.long_day,
        month=formatter.month_name,
        duration=formatter.duration,
        percent=formatter.percent,
        rule=formatter.rule,
        iso=formatter.iso,
        label=lambda key: LABELS.get(key, key),
    )
    env.globals.update(
        text_width=_text_width,
        badge_colours=BADGE_COLOURS,
        language=site_language,
        direction="rtl" if site_language in RTL else "ltr",
        generator=f"statuspage {__version__}",
    )
    return env


def render_site(state: SiteState, env: Environment) -> dict[str, bytes]:
    """Render every page of the site for `state`: {relative path: bytes}."""
    entries = _entries(state)
    common = {
        "state": state,
        "site": state.site,
        "now": state.now,
        "components_by_id": {c.component.id: c for c in state.components},
    }
    outputs: dict[str, bytes] = {}

    def page(path: str, template: str, root: str | None = None, **context: Any) -> None:
        if path in outputs:
            raise StatusPageError(f"two pages would be written to {path}")
        root = "../" * path.count("/") if root is None else root
        outputs[path] = _render(env, template, {**common, "root": root, "path": path, **context})

    months = _by_month(entry for entry in entries if entry.start <= state.now)
    page("index.html", "index.html", recent=_recent_days(state, entries), months=months)
    for entry in entries:
        page(f"incidents/{entry.id}/index.html", "event.html", entry=entry)
    page("history/index.html", "history.html", months=months, month=None, month_entries=[])
    for month, month_entries in months:
        page(
            f"history/{month:%Y-%m}/index.html",
            "history.html",
            months=months,
            month=month,
            month_entries=month_entries,
        )
    for component in state.components:
        involved = [entry for entry in entries if entry.id in component.event_ids]
        page(
            f"components/{component.component.id}/index.html",
            "component.html",
            component=component,
            entries=involved,
        )
    # The 404 page is served at any depth, so its links start from the site's own path.
    page("404.html", "404.html", root=urlsplit(state.site.base_url).path)
    for static in STATIC_FILES:
        outputs[static] = _render(env, static, common)
    pages = sorted(
        path.removesuffix("index.html") for path in outputs if path.endswith("index.html")
    )
    outputs["sitemap.xml"] = _render(env, "sitemap.xml", {**common, "pages": pages})
    outputs["robots.txt"] = _render(env, "robots.txt", common)
    outputs["badge.svg"] = _render(env, "badge.svg", common)
    return outputs


def _render(env: Environment, name: str, context: dict[str, Any]) -> bytes:
    try:
        return env.get_template(name).render(context).encode("utf-8")
    except TemplateError as error:
        raise TemplateProblemError(_describe_template_error(error, name)) from None


def _describe_template_error(error: TemplateError, name: str) -> str:
    """'templates/index.html:12: 'sate' is undefined', from Jinja's rewritten traceback."""
    filename = getattr(error, "filename", None) or getattr(error, "name", None)
    line = getattr(error, "lineno", None)
    if line is None:
        frames = [
            frame
            for frame in traceback.extract_tb(error.__traceback__)
            if frame.filename.endswith((".html", ".css", ".xml", ".txt"))
        ]
        if frames:
            filename, line = frames[-1].filename, frames[-1].lineno
    shown = (
        os.path.relpath(filename) if filename and os.path.isabs(filename) else (filename or name)
    )
    return f"{shown}:{line or 1}: template error: {error.message or type(error).__name__}"


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
    return sorted(found, key=lambda entry: (entry.start, entry.id), reverse=True)


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
    zone = state.site.zone
    today = state.now.astimezone(zone).date()
    days = []
    for back in range(RECENT_DAYS):
        day = today - timedelta(days=back)
        start, end = midnight(day, zone), midnight(day + timedelta(days=1), zone)
        touching = [
            entry
            for entry in entries
            if not (isinstance(entry.state, WindowState) and entry.state.recurring)
            and entry.start < end
            and entry.start <= state.now
            and (entry.end or state.now) >= start
        ]
        days.append((day, touching))
    return days
