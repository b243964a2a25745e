"""Where each file of the site lives: its path in the built tree and its absolute URL.

Every output asks here (SPEC "The site"): the pages (an event's, the history, a
component's, the sitemap, the badge), the feeds, the calendars and the API. A page's
path ends in "/" ("" for the home page) and its file is that path + "index.html".

Relative paths (`event_page`, ...) are from the root of a language's pages, which is
where a page's `root` leads; `Urls` places them in the tree and gives their absolute
URLs. A language's tree of its own, or pages a server adds, are placed in `Urls` and
nowhere else.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from urllib.parse import urlsplit

from statuspage.model.models import SiteConfig, server_key

#: Where the API's files go: Statuspage clients force this path at the host root (§4.4).
API_ROOT = "api/v2/"
#: A page's file, below its path.
INDEX = "index.html"
HOME = ""
NOT_FOUND = "404.html"
SITEMAP = "sitemap.xml"
ROBOTS = "robots.txt"
BADGE = "badge.svg"
CALENDAR = "calendar.ics"
#: The site's feeds by format; the history's keep the hosted Statuspage's paths, so that
#: subscribers of a page that moves here keep working.
FEEDS = {"atom": "feed.atom", "rss": "feed.rss", "json": "feed.json"}
HISTORY_FEEDS = {"atom": "history.atom", "rss": "history.rss"}
#: The compact index of every server (issue 16): what the lookup and embed.js read.
SERVERS_JSON = "servers.json"
#: The page made for an <iframe> on other sites (issue 16).
EMBED = "embed/"
#: The script other sites load to show the status (issue 16): beside the API it reads.
EMBED_JS = "embed.js"
_FEED_ENDINGS = (".atom", ".rss", FEEDS["json"])
_CALENDAR_ENDING = ".ics"


def event_page(event_id: str) -> str:
    """An event's page: 'incidents/ID/'."""
    return f"incidents/{event_id}/"


def history_page(month: date | None = None) -> str:
    """The history: 'history/', or one month's 'history/2026-11/'."""
    return "history/" if month is None else f"history/{month:%Y-%m}/"


def component_page(component_id: str) -> str:
    """A component's page: 'components/ID/'."""
    return f"components/{component_id}/"


def component_feed(component_id: str) -> str:
    """A component's Atom feed, beside its page."""
    return component_page(component_id) + FEEDS["atom"]


def component_calendar(component_id: str) -> str:
    """A component's calendar, beside its page."""
    return component_page(component_id) + CALENDAR


def servers_page() -> str:
    """Every server by region: 'servers/'."""
    return "servers/"


def server_slug(name: str) -> str:
    """A server's part of its URLs: its name as lookups read it ('Web03.' is 'web03'),
    so that two names check tells apart never share a page."""
    return server_key(name)


def server_page(name: str) -> str:
    """A server's page: 'servers/NAME/'."""
    return f"servers/{server_slug(name)}/"


def server_feed(name: str) -> str:
    """A server's Atom feed, beside its page."""
    return server_page(name) + FEEDS["atom"]


def server_calendar(name: str) -> str:
    """A server's calendar, beside its page."""
    return server_page(name) + CALENDAR


def server_badge(name: str) -> str:
    """A server's status badge, beside its page."""
    return server_page(name) + BADGE


def embed_server_page(name: str) -> str:
    """One server's page for an <iframe>: 'embed/servers/NAME/'."""
    return EMBED + server_page(name)


def language_prefix(language: str, default: str) -> str:
    """The folder of a language's pages: '' for the default language, 'en/' for English."""
    return "" if language == default else f"{language}/"


def file_of(page: str) -> str:
    """The file of a page's path: 'incidents/ID/' -> 'incidents/ID/index.html'."""
    return page + INDEX


def page_of(path: str) -> str | None:
    """The page a file is: 'incidents/ID/index.html' -> 'incidents/ID/'; None for another file."""
    return path.removesuffix(INDEX) if path.endswith(INDEX) else None


def root_of(path: str) -> str:
    """The way from the file at `path` back to its pages' root: '../../' from an event's."""
    return "../" * path.count("/")


def is_calendar(path: str) -> bool:
    """Whether `path` can be one of the calendars."""
    return path.endswith(_CALENDAR_ENDING)


def is_feed(path: str) -> bool:
    """Whether `path` can be one of the feeds."""
    return path.endswith(_FEED_ENDINGS)


def is_servers_index(path: str) -> bool:
    """Whether `path` can be servers.json."""
    return path.endswith(SERVERS_JSON)


def is_api(path: str) -> bool:
    """Whether `path` can be one of the API's files."""
    return path.startswith(API_ROOT)


class Urls:
    """The site's paths and absolute URLs for the pages of one language: the default
    language's at the site's root, each other's under its own folder, 'en/' (issue 17)."""

    def __init__(
        self,
        base_url: str,
        language: str,
        default: str | None = None,
        languages: Iterable[str] = (),
    ) -> None:
        self.base_url = base_url
        #: The language of the pages placed (what feeds say they are in).
        self.language = language
        #: The site's default language, at its root, and all of its languages, that first.
        self.default = language if default is None else default
        self.languages = tuple(dict.fromkeys([self.default, *languages, language]))
        #: Where the language's pages are in the tree: '' or 'en/'.
        self.prefix = language_prefix(language, self.default)

    @classmethod
    def of(cls, site: SiteConfig, language: str | None = None) -> Urls:
        """The site's URLs for its pages in `language` (None: the site's default language,
        as the API links to). A language the site does not list is placed as the site's
        only one, at its root (a site rendered in another language, as tests do)."""
        if language is None or language == site.language:
            return cls(site.base_url, site.language, site.language, site.languages)
        if language not in site.languages:
            return cls(site.base_url, language)
        return cls(site.base_url, language, site.language, site.languages)

    @property
    def is_default(self) -> bool:
        """Whether these are the default language's pages, at the site's root, with the
        files the site has once (the API, the sitemap, the scripts and styles)."""
        return not self.prefix

    def path(self, page: str) -> str:
        """Where a page (or file) of the language's pages is in the tree."""
        return self.prefix + page

    def alternates(self, page: str) -> list[tuple[str, str]]:
        """(language, path in the tree) of `page` in each of the site's languages, the
        default first: hreflang links, the language switcher and the sitemap list them."""
        return [
            (language, language_prefix(language, self.default) + page)
            for language in self.languages
        ]

    def url(self, path: str) -> str:
        """The absolute URL of a path in the tree ('' is the site itself)."""
        return self.base_url + path

    def page_url(self, page: str) -> str:
        """The absolute URL of a page (or file) of the language's pages."""
        return self.url(self.path(page))

    def event_url(self, event_id: str) -> str:
        """An event page's absolute URL, as feeds, calendars and the API link to it."""
        return self.page_url(event_page(event_id))

    @property
    def site_path(self) -> str:
        """The site's own path on its host ('/' or '/status/'): the 404 page links from it."""
        return urlsplit(self.base_url).path
