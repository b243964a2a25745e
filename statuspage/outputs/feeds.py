"""Stage 4b: Atom, RSS 2.0 and JSON Feed 1.1, one entry per update and per announced window.

Feeds are built from feedgen objects, not templates (Pelican's writers). Entry ids
are built from what an update is (its event, time and status), so they stay the
same across builds and across `now` (issue 4). Text that XML 1.0 forbids never
gets this far: the loader refuses it where it was written.
"""

from __future__ import annotations

import heapq
import json
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from itertools import islice
from operator import attrgetter

from feedgen.feed import FeedGenerator
from markupsafe import Markup

from statuspage.i18n import N_, Formatter, translations
from statuspage.i18n.catalogs import SiteCatalogs
from statuspage.model.markdown import render_markdown
from statuspage.model.models import Incident, IncidentUpdate, Window, WindowUpdate
from statuspage.outputs.summary import EventSummary
from statuspage.outputs.urls import (
    FEEDS,
    HISTORY_FEEDS,
    HOME,
    Urls,
    component_feed,
    server_feed,
)
from statuspage.state import IncidentState, SiteState, WindowState, repeat_numbers

#: How many entries a feed keeps (SPEC "The site": the latest 50).
FEED_LENGTH = 50

_STATUS = N_("Status")
_SCHEDULE = N_("When")


@dataclass(frozen=True)
class FeedItem:
    """One thing a subscriber is told: an update, or a window being announced.

    Its HTML is written when first asked for: a site has an item per update ever posted,
    and the feeds show only the latest ones.
    """

    id: str
    title: str
    url: str
    published: datetime
    components: tuple[str, ...]
    write_html: Callable[[], str] = field(repr=False, compare=False)
    #: The servers its event names (none: every server of its components).
    servers: tuple[str, ...] = ()

    @cached_property
    def html(self) -> str:
        return self.write_html()


class _Writer:
    """Turns events into feed items in `language`."""

    def __init__(
        self, state: SiteState, language: str, catalogs: SiteCatalogs | None = None
    ) -> None:
        self.state = state
        self.urls = Urls.of(state.site, language)
        self._ = translations(language, catalogs).gettext
        self.formatter = Formatter(language, state.site.zone, catalogs)
        self.summary = EventSummary(state, language, catalogs)
        self.label = self.summary.labels.text

    def page(self, event_id: str) -> str:
        return self.urls.event_url(event_id)

    def facts(self, status: str, event: Incident | Window, extra: str = "") -> Markup:
        line = Markup("<p><strong>{}:</strong> {}</p>")
        html = line.format(self._(_STATUS), self.label(status) + extra)
        for found in (
            self.summary.affected_line(event.components),
            self.summary.servers_line(event.servers),
        ):
            if found:
                html += line.format(*found)
        return html

    def link(self, url: str, title: str) -> Markup:
        return Markup('<p><a href="{}">{}</a></p>').format(url, title)

    def incident_items(self, incident: IncidentState) -> Iterable[FeedItem]:
        impact = f" · {self.label('impact-' + incident.impact)}"
        event = incident.incident
        url, components = self.page(event.id), tuple(event.components)
        updates = incident.updates
        repeats = repeat_numbers((update.at, update.status) for update in updates)
        for update, repeat in zip(updates, repeats, strict=True):
            yield self._update_item(event, url, components, update, repeat, impact)

    def window_items(self, window: WindowState) -> Iterable[FeedItem]:
        event: Window = window.window
        first = event.updates[0] if event.updates else None
        announcement = first if first is not None and first.status == "scheduled" else None
        if announcement is None or announcement.at <= self.state.now:
            message = announcement.message if announcement else None
            yield self._announcement(window, self.page(event.id), message)
        url, components = self.page(event.id), tuple(event.components)
        updates = window.updates
        repeats = repeat_numbers((update.at, update.status) for update in updates)
        for update, repeat in zip(updates, repeats, strict=True):
            if update is not announcement:
                yield self._update_item(event, url, components, update, repeat)

    def _update_item(
        self,
        event: Incident | Window,
        url: str,
        components: tuple[str, ...],
        update: IncidentUpdate | WindowUpdate,
        repeat: int,
        extra: str = "",
    ) -> FeedItem:
        def write_html() -> str:
            html = (
                render_markdown(update.message)
                + self.facts(update.status, event, extra)
                + self.link(url, event.title)
            )
            return str(html)

        return FeedItem(
            id=_entry_id(url, update.at, update.status, repeat),
            title=self.summary.headline(update.status, event.title),
            url=url,
            published=update.at,
            components=components,
            write_html=write_html,
            servers=tuple(event.servers or ()),
        )

    def _announcement(self, window: WindowState, url: str, message: str | None) -> FeedItem:
        event = window.window
        # Announced with its first update (`statuspage new` writes a `scheduled` one), or at
        # the latest when it starts.
        published = min(event.updates[0].at, event.starts) if event.updates else event.starts

        def write_html() -> str:
            if window.recurring and event.repeat is not None:
                when = f"{self.formatter.rule(event.repeat)}, {self.formatter.moment(event.starts)}"
            else:
                start, end = event.starts, event.starts + event.length
                when = f"{self.formatter.moment(start)} \N{EN DASH} {self.formatter.moment(end)}"
            html = (
                Markup("<p><strong>{}:</strong> {}</p>").format(self._(_SCHEDULE), when)
                + render_markdown(event.description)
                + render_markdown(message)
                + self.facts("scheduled", event)
                + self.link(url, event.title)
            )
            return str(html)

        return FeedItem(
            id=f"{url}#announced",
            title=self.summary.headline(event.type, event.title),
            url=url,
            published=published,
            components=tuple(event.components),
            write_html=write_html,
            servers=tuple(event.servers or ()),
        )


def _entry_id(url: str, at: datetime, status: str, repeat: int) -> str:
    """`URL#20261120T080200Z-investigating`, and `-2`, `-3` for repeats of both."""
    suffix = f"-{repeat + 1}" if repeat else ""
    return f"{url}#{at.astimezone(UTC):%Y%m%dT%H%M%SZ}-{status}{suffix}"


def feed_items(
    state: SiteState, language: str, catalogs: SiteCatalogs | None = None
) -> list[FeedItem]:
    """Every item of the site's feeds in `language`, newest first (its words from the
    site's own catalog of it in `catalogs` first)."""
    writer = _Writer(state, language, catalogs)
    items: list[FeedItem] = []
    for incident in state.incidents:
        items.extend(writer.incident_items(incident))
    for window in state.windows:
        items.extend(writer.window_items(window))
    return sorted(items, key=lambda item: (item.published, item.id), reverse=True)


def render_feeds(
    state: SiteState, language: str, catalogs: SiteCatalogs | None = None
) -> dict[str, bytes]:
    """feed.atom, feed.rss, feed.json, history.atom, history.rss and one Atom feed per
    component, in `language` (with the site's own `catalogs`)."""
    items = feed_items(state, language, catalogs)
    latest = items[:FEED_LENGTH]
    site = state.site
    urls = Urls.of(site, language)
    path = urls.path
    outputs = {
        path(FEEDS["atom"]): _atom(state, urls, latest, path(FEEDS["atom"])),
        path(FEEDS["rss"]): _rss(state, urls, latest, path(FEEDS["rss"])),
        path(FEEDS["json"]): _json_feed(state, urls, latest, path(FEEDS["json"])),
        # The hosted Statuspage's paths, so subscribers of a page that moves here keep working.
        path(HISTORY_FEEDS["atom"]): _atom(state, urls, latest, path(HISTORY_FEEDS["atom"])),
        path(HISTORY_FEEDS["rss"]): _rss(state, urls, latest, path(HISTORY_FEEDS["rss"])),
    }
    # Each component's latest items, gathered in one pass over them (newest first).
    latest_of: dict[str, list[FeedItem]] = {component.id: [] for component in site.components}
    for item in items:
        for component_id in dict.fromkeys(item.components):
            mine = latest_of.get(component_id)
            if mine is not None and len(mine) < FEED_LENGTH:
                mine.append(item)
    for component in site.components:
        mine = latest_of[component.id]
        feed = path(component_feed(component.id))
        outputs[feed] = _atom(state, urls, mine, feed, f"{site.title}: {component.name}")
    outputs.update(_server_feeds(state, urls, items))
    return outputs


def _server_feeds(state: SiteState, urls: Urls, items: list[FeedItem]) -> dict[str, bytes]:
    """servers/NAME/feed.atom: the latest items of the events that touch each server (an
    event naming no servers touches all of its components'), gathered in one pass.

    A site has thousands of servers and they share most items, so each item's entry is
    written once (`_Entries`) and each feed is its head and its entries joined: the bytes
    feedgen writes for the whole feed.
    """
    if not state.servers:
        return {}
    wide: dict[str, list[FeedItem]] = defaultdict(list)
    named: dict[tuple[str, str], list[FeedItem]] = defaultdict(list)
    for item in items:
        for component_id in dict.fromkeys(item.components):
            if not item.servers:
                if len(wide[component_id]) < FEED_LENGTH:
                    wide[component_id].append(item)
            else:
                for name in dict.fromkeys(item.servers):
                    if len(named[component_id, name]) < FEED_LENGTH:
                        named[component_id, name].append(item)
    newest = attrgetter("published", "id")
    feeds = []
    for server in state.servers:
        cid, name = server.component.component.id, server.name
        merged = heapq.merge(
            wide.get(cid, []), named.get((cid, name), []), key=newest, reverse=True
        )
        feeds.append((name, list(islice(merged, FEED_LENGTH))))
    entries = _Entries(state, urls, [item for _, mine in feeds for item in mine])
    outputs = {}
    for name, mine in feeds:
        path = urls.path(server_feed(name))
        head = _generator(state, urls, mine, path, f"{state.site.title}: {name}", entries=False)
        outputs[path] = entries.feed(bytes(head.atom_str(pretty=True)), mine)
    return outputs


class _Entries:
    """The Atom entries of some items, each as feedgen writes it in a pretty-printed feed."""

    _OPEN = b"  <entry>"
    _CLOSE = b"</feed>\n"

    def __init__(self, state: SiteState, urls: Urls, items: Iterable[FeedItem]) -> None:
        unique = list({item.id: item for item in items}.values())
        whole = bytes(_generator(state, urls, unique, "", None).atom_str(pretty=True))
        # feedgen writes the entries last, in the items' order: cut it there. ("<entry>"
        # inside an entry's text is escaped, so the cuts are the entries' own.)
        pieces = whole[: -len(self._CLOSE)].split(b"\n" + self._OPEN)[1:]
        if len(pieces) != len(unique):
            raise AssertionError("feedgen writes one <entry> per item")
        self._written = {
            item.id: self._OPEN + piece.rstrip(b"\n") + b"\n"
            for item, piece in zip(unique, pieces, strict=True)
        }
        self._joined: dict[tuple[str, ...], bytes] = {}

    def feed(self, head: bytes, items: list[FeedItem]) -> bytes:
        """The feed of `items` whose head (a feed without entries) is `head`."""
        key = tuple(item.id for item in items)
        joined = self._joined.get(key)
        if joined is None:
            joined = self._joined[key] = b"".join(self._written[item.id] for item in items)
        if not head.endswith(self._CLOSE):
            raise AssertionError("feedgen ends a feed with </feed>")
        return head[: -len(self._CLOSE)] + joined + self._CLOSE


def _generator(
    state: SiteState,
    urls: Urls,
    items: list[FeedItem],
    path: str,
    title: str | None,
    *,
    entries: bool = True,
) -> FeedGenerator:
    """The feed of `items` (with `entries` false, only its head: no entries, but updated
    as their feed is)."""
    site = state.site
    feed = FeedGenerator()
    feed.id(urls.url(path))
    feed.title(title or site.title)
    feed.description(site.description or site.title)
    feed.language(urls.language)
    # RSS takes the last link as the channel's link: the page, after the feed itself.
    feed.link(href=urls.url(path), rel="self")
    feed.link(href=urls.page_url(HOME), rel="alternate")
    updated = max(
        (item.published for item in items if item.published <= state.now), default=state.now
    )
    feed.updated(updated)
    feed.lastBuildDate(updated)  # else feedgen writes the wall clock
    for item in reversed(items if entries else []):  # feedgen prepends entries
        entry = feed.add_entry()
        entry.id(item.id)
        entry.guid(item.id, permalink=False)
        entry.title(item.title)
        entry.link(href=item.url)
        entry.content(item.html, type="html")
        entry.published(item.published)
        entry.updated(item.published)
    return feed


def _atom(
    state: SiteState, urls: Urls, items: list[FeedItem], path: str, title: str | None = None
) -> bytes:
    return bytes(_generator(state, urls, items, path, title).atom_str(pretty=True))


def _rss(state: SiteState, urls: Urls, items: list[FeedItem], path: str) -> bytes:
    return bytes(_generator(state, urls, items, path, None).rss_str(pretty=True))


def _json_feed(state: SiteState, urls: Urls, items: list[FeedItem], path: str) -> bytes:
    site = state.site
    iso: Callable[[datetime], str] = lambda moment: moment.astimezone(site.zone).isoformat()  # noqa: E731
    document = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": site.title,
        "home_page_url": urls.page_url(HOME),
        "feed_url": urls.url(path),
        "description": site.description or site.title,
        "language": urls.language,
        "items": [
            {
                "id": item.id,
                "url": item.url,
                "title": item.title,
                "content_html": item.html,
                "date_published": iso(item.published),
                "tags": list(item.components),
            }
            for item in items
        ],
    }
    return (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
