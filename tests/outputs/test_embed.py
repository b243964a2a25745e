"""The embeds (issue 16): /embed/ and /embed/servers/NAME/ for an <iframe>, and embed.js,
the widget any site loads with one <script async> tag.

The embed pages are read with an HTML parser. embed.js is tried in Debian's chromium on a
page of another origin (a second server on 127.0.0.1), with and without the CORS header
a static host must send for it.
"""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import pytest

from statuspage.i18n import LANGUAGES, translations
from statuspage.outputs.pages import make_environment, plan_site, render_pages
from statuspage.pipeline import load_state
from tests.conftest import HELSINKI, build_example, copy_example
from tests.outputs.browsing import chromium, serving
from tests.outputs.test_site import soup, text

#: The example's database incident is open (naming web02 and web03); the nightly database
#: snapshot starts within 24 hours, the weekly full backup (Sunday 02:00) later.
NOW = datetime(2026, 11, 20, 10, 30, tzinfo=HELSINKI)
#: The weekly full backup runs (shared hosting, all of its servers).
DURING_BACKUP = datetime(2026, 11, 22, 2, 30, tzinfo=HELSINKI)
BASE_URL = "https://status.kettu-hosting.example/"
INCIDENT = "2026-11-20-slow-database-responses"
INCIDENT_TITLE = "Slow database responses on shared hosting"
MAX_GZIPPED = 2048
CORS = {"Access-Control-Allow-Origin": "*"}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_example(tmp_path_factory.mktemp("embed"), NOW) / "site"


@pytest.fixture(scope="module")
def backup_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_example(tmp_path_factory.mktemp("backup"), DURING_BACKUP) / "site"


def _items(page: Any, selector: str) -> list[str]:
    return [text(item.a) for item in page.select(f"{selector} li")]


# --- /embed/ ------------------------------------------------------------------------------


def test_the_embed_shows_the_status_active_incidents_and_maintenance_soon(site: Path) -> None:
    page = soup(site / "embed" / "index.html")
    assert page.html is not None
    assert (page.html["lang"], page.html["dir"]) == ("en", "ltr")
    robots = page.select_one('meta[name="robots"]')
    assert robots is not None and robots["content"] == "noindex"
    assert page.select("script") == []  # it works without JavaScript
    assert text(page.h1) == "Partial System Outage"
    assert _items(page, "ul.incidents") == [INCIDENT_TITLE]
    link = page.select_one("ul.incidents a")
    assert link is not None
    # Relative, from the frame's own address on the status site: to the incident's page.
    assert urljoin(BASE_URL + "embed/", str(link["href"])) == f"{BASE_URL}incidents/{INCIDENT}/"
    # Within 24 hours, yes; the weekly full backup (in 39.5 hours) and later ones, no.
    assert _items(page, "ul.windows") == ["Nightly database snapshots"]
    assert "Scheduled" in text(page.select_one("ul.windows li"))
    words = text(page.body)
    for later in ("Weekly full backup", "Webmail upgrade", "PHP 8.4 upgrade on shared hosting"):
        assert later not in words


def test_every_embed_link_leaves_the_frame(site: Path) -> None:
    for path in (site / "embed").rglob("index.html"):
        links = soup(path).select("a[href]")
        assert links, path
        for link in links:
            assert link["target"] == "_blank", (path, link)
            assert "noopener" in link["rel"], (path, link)


def test_a_servers_embed_shows_what_touches_that_server(site: Path) -> None:
    web03 = soup(site / "embed" / "servers" / "web03" / "index.html")
    assert text(web03.h1) == "web03 Partial outage"
    link = web03.h1.a if web03.h1 else None
    assert link is not None
    assert urljoin(BASE_URL + "embed/servers/web03/", str(link["href"])) == (
        BASE_URL + "servers/web03/"
    )
    assert _items(web03, "ul.incidents") == [INCIDENT_TITLE]
    assert web03.select("ul.windows") == []  # the database snapshot is not web03's
    web01 = soup(site / "embed" / "servers" / "web01" / "index.html")
    assert text(web01.h1) == "web01 Operational"  # the incident names web02 and web03 only
    assert web01.select("ul.incidents, ul.windows") == []


def test_a_running_window_is_in_the_embeds(backup_site: Path) -> None:
    for path in ("embed/index.html", "embed/servers/web01/index.html"):
        page = soup(backup_site / path)
        assert _items(page, "ul.windows")[0] == "Weekly full backup"
        assert "In progress" in text(page.select_one("ul.windows li"))
    mail1 = soup(backup_site / "embed" / "servers" / "mail1" / "index.html")
    assert mail1.select("ul.windows") == []  # email's servers are not backed up then


def test_the_embed_is_in_the_sites_language_and_direction(tmp_path: Path) -> None:
    site = build_example(tmp_path, NOW, "ur") / "site"
    page = soup(site / "embed" / "index.html")
    assert page.html is not None
    assert (page.html["lang"], page.html["dir"]) == ("ur", "rtl")
    assert text(page.h1) == translations("ur").gettext("Partial System Outage")


# --- embed.js as built ------------------------------------------------------------------------


def _rendered_embed_js(tmp_path: Path) -> dict[str, bytes]:
    """embed.js in every shipped language, for the example at NOW."""
    loaded = load_state(copy_example(tmp_path), NOW)
    found = {}
    for language in LANGUAGES:
        environment = make_environment(None, language, loaded.site.zone)
        pages = [page for page in plan_site(loaded.state, language) if page.path == "embed.js"]
        found[language] = render_pages(pages, environment)["embed.js"]
    return found


def _words(script: bytes) -> dict[str, Any]:
    """The words embed.js carries, as the site's language has them."""
    found = re.search(rb"\bW=(\{.*?\});\n", script)
    assert found is not None
    words: dict[str, Any] = json.loads(found.group(1))
    return words


def test_embed_js_is_at_most_2_kb_gzipped_in_every_language(tmp_path: Path) -> None:
    sizes = {
        language: len(gzip.compress(script))
        for language, script in _rendered_embed_js(tmp_path).items()
    }
    print("embed.js gzipped:", sizes)
    assert max(sizes.values()) <= MAX_GZIPPED, sizes


def test_embed_js_speaks_the_sites_language(tmp_path: Path) -> None:
    scripts = _rendered_embed_js(tmp_path)
    for language, script in scripts.items():
        words, gettext = _words(script), translations(language).gettext
        assert words["l"] == language
        assert words["r"] == ("rtl" if language == "ur" else "ltr")
        assert words["d"]["Partial"][0] == gettext("Partial System Outage")
        assert words["s"]["partial_outage"][0] == gettext("Partial outage")
        assert words["k"]["incident"] == gettext("Incident")
    assert _words(scripts["fi"])["x"] != _words(scripts["en"])["x"]  # 'Dismiss' too


# --- embed.js in a browser, on another site ---------------------------------------------------


@dataclass(frozen=True)
class Hosts:
    """The status site with the CORS header (open) and without (closed), and a customer's
    site on a third origin, whose pages the tests write into `pages`."""

    open: str
    closed: str
    other: str
    pages: Path


@pytest.fixture(scope="module")
def hosts(site: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hosts]:
    pages = tmp_path_factory.mktemp("customer")
    with serving(site, CORS) as open_, serving(site) as closed, serving(pages) as other:
        yield Hosts(open_, closed, other, pages)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as instance:
        yield instance


class Visit:
    """A customer's page with the widget's tag, opened in a fresh context: its page, and
    the uncaught errors and requests seen."""

    def __init__(self, context: Any, hosts: Hosts, name: str, tag: str) -> None:
        (hosts.pages / f"{name}.html").write_text(
            '<!doctype html>\n<html lang="de"><head><meta charset="utf-8">'
            '<title>Kunde</title></head>\n<body>\n<header><p id="here"></p></header>\n'
            f"<main><h1>Unser Hosting</h1></main>\n<footer><p>Status: {tag}</p></footer>\n"
            "</body></html>\n",
            encoding="utf-8",
        )
        self.page = context.new_page()
        self.errors: list[str] = []
        self.requests: list[Any] = []
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on("request", lambda request: self.requests.append(request))
        self.page.goto(f"{hosts.other}{name}.html")
        self.page.wait_for_load_state("networkidle")


@pytest.fixture
def context(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1000, "height": 700})
    try:
        yield context
    finally:
        context.close()


def _tag(host: str, attributes: str = "") -> str:
    return f'<script async src="{host}embed.js"{attributes}></script>'


def test_the_widget_shows_the_status_and_a_dismissible_notice(context: Any, hosts: Hosts) -> None:
    context.add_cookies([{"name": "seen", "value": "1", "url": hosts.open}])
    visit = Visit(context, hosts, "site", _tag(hosts.open))
    page = visit.page
    widget = page.locator("footer .w")  # where the tag is (in its own shadow tree)
    widget.wait_for(timeout=5000)
    assert widget.inner_text().strip() == "Partial System Outage"
    assert widget.get_attribute("href") == BASE_URL.rstrip("/")
    assert widget.get_attribute("lang") == "en"  # the site's language, not the page's
    dot = widget.locator(".d").evaluate("dot => getComputedStyle(dot).backgroundColor")
    assert dot == "rgb(196, 54, 28)"  # the badge's colour for a major indicator
    notice = page.locator(".n")
    assert notice.is_visible()
    assert notice.get_by_role("link").inner_text() == f"Incident: {INCIDENT_TITLE}"
    assert notice.get_by_role("link").get_attribute("href") == f"{BASE_URL}incidents/{INCIDENT}/"
    box = notice.bounding_box()
    assert box is not None and box["x"] + box["width"] > 900 and box["y"] + box["height"] > 600
    page.get_by_role("button", name="Dismiss").click()
    assert notice.count() == 0
    assert widget.is_visible()  # the dot and words stay
    # One request besides the script, without the status site's cookie; nothing stored.
    mine = [request for request in visit.requests if request.url.startswith(hosts.open)]
    assert [request.url for request in mine] == [
        hosts.open + "embed.js",
        hosts.open + "api/v2/summary.json",
    ]
    assert "cookie" not in mine[1].all_headers()
    # (Cookies know no ports: the status site's is the customer page's too, and only it.)
    assert page.evaluate("document.cookie") == "seen=1"
    assert page.evaluate("localStorage.length + sessionStorage.length") == 0
    assert [cookie["name"] for cookie in context.cookies()] == ["seen"]
    assert visit.errors == []


@pytest.mark.parametrize(("scheme", "dark"), [("light", False), ("dark", True)])
def test_the_notice_follows_light_and_dark(
    browser: Any, hosts: Hosts, scheme: str, dark: bool
) -> None:
    context = browser.new_context(color_scheme=scheme)
    try:
        visit = Visit(context, hosts, "scheme", _tag(hosts.open))
        notice = visit.page.locator(".n")
        notice.wait_for(timeout=5000)
        colour = notice.evaluate("notice => getComputedStyle(notice).backgroundColor")
        red, green, blue = map(int, re.findall(r"\d+", colour)[:3])
        assert (red + green + blue < 3 * 128) == dark, colour
    finally:
        context.close()


@pytest.mark.parametrize(("motion", "animation"), [("reduce", "none"), ("no-preference", "i")])
def test_the_notice_moves_only_when_motion_is_welcome(
    browser: Any, hosts: Hosts, motion: str, animation: str
) -> None:
    context = browser.new_context(reduced_motion=motion)
    try:
        visit = Visit(context, hosts, "motion", _tag(hosts.open))
        notice = visit.page.locator(".n")
        notice.wait_for(timeout=5000)
        assert notice.evaluate("notice => getComputedStyle(notice).animationName") == animation
    finally:
        context.close()


def test_the_widget_of_one_server(context: Any, hosts: Hosts) -> None:
    # Found by an alias as a customer writes it, like the lookup.
    visit = Visit(
        context, hosts, "web03", _tag(hosts.open, ' data-server="WEB03.kettu-hosting.example."')
    )
    widget = visit.page.locator("footer .w")
    widget.wait_for(timeout=5000)
    assert widget.inner_text().strip() == "web03: Partial outage"
    assert widget.get_attribute("href") == BASE_URL + "servers/web03/"
    notice = visit.page.locator(".n")
    assert notice.get_by_role("link").inner_text() == f"Incident: {INCIDENT_TITLE}"
    asked = [request.url for request in visit.requests if request.url.startswith(hosts.open)]
    assert asked == [hosts.open + "embed.js", hosts.open + "servers.json"]
    assert visit.errors == []


def test_a_server_untouched_has_no_notice(context: Any, hosts: Hosts) -> None:
    visit = Visit(context, hosts, "web01", _tag(hosts.open, ' data-server="web01"'))
    widget = visit.page.locator("footer .w")
    widget.wait_for(timeout=5000)
    assert widget.inner_text().strip() == "web01: Operational"
    dot = widget.locator(".d").evaluate("dot => getComputedStyle(dot).backgroundColor")
    assert dot == "rgb(26, 127, 55)"
    assert visit.page.locator(".n").count() == 0
    assert visit.errors == []


def test_the_widget_goes_where_data_target_says(context: Any, hosts: Hosts) -> None:
    visit = Visit(context, hosts, "target", _tag(hosts.open, ' data-target="#here"'))
    visit.page.locator("#here .w").wait_for(timeout=5000)
    assert visit.page.locator("footer .w").count() == 0


@pytest.mark.parametrize(
    ("name", "where", "attributes"),
    [
        ("no-cors", "closed", ""),  # the host sends no Access-Control-Allow-Origin
        ("no-cors-server", "closed", ' data-server="web03"'),
        ("unknown-server", "open", ' data-server="web99"'),
    ],
)
def test_a_failed_request_shows_nothing_and_throws_nothing(
    context: Any, hosts: Hosts, name: str, where: str, attributes: str
) -> None:
    host = hosts.closed if where == "closed" else hosts.open
    visit = Visit(context, hosts, name, _tag(host, attributes))
    page = visit.page
    page.wait_for_timeout(300)  # past the request's end
    assert page.evaluate("document.querySelectorAll('script + span, body > span').length") == 0
    assert page.locator(".w, .n").count() == 0
    assert visit.errors == []
    assert page.locator("footer").inner_text().strip() == "Status:"
