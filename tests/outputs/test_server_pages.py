"""The servers' pages and files (issue 16): /servers/ by region, each server's page, feed,
calendar and badge, and servers.json, read back with independent parsers."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ElementTree
from datetime import datetime
from pathlib import Path

import feedparser
import pytest
from bs4 import BeautifulSoup, Tag
from icalendar import Calendar

from statuspage.build import build
from statuspage.model.models import server_key
from statuspage.outputs import feeds
from statuspage.outputs.urls import Urls
from tests.conftest import HELSINKI, Project
from tests.test_servers import CONFIG, THREE_OF_TWELVE, TWELVE

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=HELSINKI)
EVERY_WEB_SERVER = """\
type: incident
title: Slow shared hosting
components: {web: degraded_performance}
updates:
  - at: 2026-11-20T09:00
    status: investigating
    message: Slow everywhere.
  - at: 2026-11-20T10:00
    status: resolved
    message: Fast again.
"""
MAIL_DOWN = """\
type: incident
title: Mail relay down
components: {email: major_outage}
updates:
  - at: 2026-11-23T09:50
    status: investigating
    message: No mail.
"""
REBOOT = """\
type: maintenance
title: Reboot of web05
components: [web]
servers: [web05]
starts: 2026-11-24T02:00
duration: 1h
"""


def soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def text(node: Tag | None) -> str:
    assert node is not None
    return " ".join(node.get_text(" ").split())


@pytest.fixture
def site(project: Project) -> Path:
    project.write_config(CONFIG.format(web=TWELVE))
    project.write_event("disks", THREE_OF_TWELVE)
    project.write_event("slow", EVERY_WEB_SERVER)
    project.write_event("mail", MAIL_DOWN)
    project.write_event("reboot", REBOOT)
    build(project.config_path, project.root / "site", NOW)
    return project.root / "site"


def server_rows(page: BeautifulSoup) -> dict[str, tuple[str, str]]:
    """{server: (its region's heading, its status words)} from /servers/."""
    rows = {}
    for region in page.select("section.region"):
        heading = region.find("h2")
        assert isinstance(heading, Tag)
        for item in region.select("ul.servers li"):
            link = item.find("a")
            assert isinstance(link, Tag)
            rows[text(link)] = (text(heading.find("bdi")), text(item.select_one(".status")))
    return rows


def test_the_servers_page_lists_every_server_by_region_with_links(site: Path) -> None:
    page = soup(site / "servers" / "index.html")
    rows = server_rows(page)
    assert set(rows) == {f"web{n:02d}" for n in range(1, 13)} | {"mail1"}
    assert {name for name, (_, said) in rows.items() if said != "Operational"} == {
        "web02",
        "web03",
        "web07",
        "mail1",
    }
    assert rows["web03"][0] == "Helsinki 1" and rows["mail1"][0] == "Frankfurt 1"
    for link in page.select("ul.servers a"):
        assert (site / "servers" / str(link["href"]) / "index.html").resolve().is_file()


def test_a_region_rolls_up_its_servers(site: Path) -> None:
    """Three of twelve down: a partial outage; its only server down: a major outage."""
    page = soup(site / "servers" / "index.html")
    roll_ups = {
        text(region.select_one("h2 bdi")): text(region.select_one("h2 .status"))
        for region in page.select("section.region")
    }
    assert roll_ups == {"Helsinki 1": "Partial outage", "Frankfurt 1": "Major outage"}


def test_a_server_page_says_what_touches_it(site: Path) -> None:
    web03 = soup(site / "servers" / "web03" / "index.html")
    assert text(web03.h1) == "web03"
    assert "Major outage" in text(web03.select_one("main"))
    events = [text(a) for a in web03.select("ul.events li a")]
    assert events[0] == "Disk array failure"  # active
    assert "Slow shared hosting" in events  # past, every web server's
    web05 = soup(site / "servers" / "web05" / "index.html")
    assert "Disk array failure" not in [text(a) for a in web05.select("ul.events li a")]
    assert "Reboot of web05" in text(web05.select_one("main"))  # its next planned window
    web06 = soup(site / "servers" / "web06" / "index.html")
    assert "Reboot of web05" not in text(web06.select_one("main"))


def test_a_server_has_its_own_feed_calendar_and_badge(site: Path) -> None:
    web03 = site / "servers" / "web03"
    feed = feedparser.parse((web03 / "feed.atom").read_bytes())
    assert not feed.bozo
    titles = [entry.title for entry in feed.entries]
    assert "Investigating: Disk array failure" in titles
    assert "Resolved: Slow shared hosting" in titles
    web05 = feedparser.parse((site / "servers" / "web05" / "feed.atom").read_bytes())
    assert "Investigating: Disk array failure" not in [entry.title for entry in web05.entries]
    assert "Resolved: Slow shared hosting" in [entry.title for entry in web05.entries]

    def summaries(name: str) -> list[str]:
        calendar = Calendar.from_ical((site / "servers" / name / "calendar.ics").read_bytes())
        return [str(event["summary"]) for event in calendar.walk("VEVENT")]

    assert any("Reboot of web05" in summary for summary in summaries("web05"))
    assert summaries("web06") == []
    badge = ElementTree.fromstring((web03 / "badge.svg").read_bytes())
    assert badge.get("aria-label") == "web03: Major outage"
    page = soup(web03 / "index.html")
    links = {str(a["href"]) for a in page.select("ul.subscribe a")}
    assert {"feed.atom", "calendar.ics", "badge.svg"} <= links
    assert "webcal://status.example.com/servers/web03/calendar.ics" in links


def test_servers_json_finds_a_server_by_any_name_it_is_known_by(site: Path) -> None:
    index = json.loads((site / "servers.json").read_text(encoding="utf-8"))
    by_key = {
        server_key(name): server
        for server in index["servers"]
        for name in (server["name"], *server["aliases"])
    }
    web03 = by_key[server_key("2001:db8::13")]
    assert web03["name"] == "web03" and web03["status"] == "major_outage"
    assert web03["url"] == "https://status.example.com/servers/web03/"
    assert web03["region"] == "hel1" and web03["component"] == "web"
    assert [index["events"][key]["name"] for key in web03["events"]] == ["Disk array failure"]
    assert index["regions"]["hel1"] == {"name": "Helsinki 1", "status": "partial_outage"}
    assert by_key["web01"]["events"] == []


def test_the_sitemap_lists_server_pages_and_not_embeds(site: Path) -> None:
    tree = ElementTree.fromstring((site / "sitemap.xml").read_bytes())
    locations = [node.text or "" for node in tree.iter() if node.tag.endswith("loc")]
    assert "https://status.example.com/servers/" in locations
    assert "https://status.example.com/servers/web03/" in locations
    assert not [url for url in locations if "/embed/" in url]


def test_a_server_feed_is_what_feedgen_writes_for_it_whole(project: Project) -> None:
    """Server feeds are joined from entries written once; each is byte for byte the feed
    feedgen writes for its items."""
    project.write_config(CONFIG.format(web=TWELVE))
    project.write_event("disks", THREE_OF_TWELVE)
    project.write_event("slow", EVERY_WEB_SERVER)
    project.write_event("reboot", REBOOT)
    state = project.state(NOW)
    written = feeds.render_feeds(state, "en")
    items = feeds.feed_items(state, "en")
    urls = Urls.of(state.site, "en")
    for server in state.servers:
        cid, name = server.component.component.id, server.name
        mine = [
            item
            for item in items
            if cid in item.components and (not item.servers or name in item.servers)
        ][: feeds.FEED_LENGTH]
        path = f"servers/{name}/feed.atom"
        assert mine or cid == "email", name
        whole = feeds._atom(state, urls, mine, path, f"{state.site.title}: {name}")
        assert written[path] == whole, name


def test_a_servers_calendar_keeps_the_last_month_and_what_is_to_come(project: Project) -> None:
    """The component's calendar keeps every window; a server's, those of the last month on
    (a site of thousands of servers would otherwise publish years of windows each)."""
    project.write_config(CONFIG.format(web=TWELVE))
    project.write_event("reboot", REBOOT)  # tomorrow
    for name, day in [("lately", "2026-11-01"), ("long-ago", "2026-09-01")]:
        project.write_event(
            name,
            f"type: maintenance\ntitle: Patch {name}\ncomponents: [web]\n"
            f"starts: {day}T02:00\nduration: 1h\n",
        )
    project.write_event(  # weekly since 2025: still going, so in every calendar
        "weekly",
        "type: backup\ntitle: Weekly backup\ncomponents: [web]\n"
        "starts: 2025-01-05T03:00\nduration: 1h\nrepeat: FREQ=WEEKLY\n",
    )
    build(project.config_path, project.root / "site", NOW)

    def summaries(path: Path) -> set[str]:
        calendar = Calendar.from_ical(path.read_bytes())
        return {str(event["summary"]).split(": ", 1)[-1] for event in calendar.walk("VEVENT")}

    site = project.root / "site"
    component = summaries(site / "components" / "web" / "calendar.ics")
    assert {"Patch lately", "Patch long-ago", "Weekly backup", "Reboot of web05"} <= component
    web05 = summaries(site / "servers" / "web05" / "calendar.ics")
    assert {"Patch lately", "Weekly backup", "Reboot of web05"} <= web05
    assert "Patch long-ago" not in web05


def test_feeds_and_calendars_name_the_servers_an_event_names(site: Path) -> None:
    """A subscriber of the site's feed or calendar reads which servers an event concerns;
    one naming none (every server of its components) names no servers."""
    feed = feedparser.parse((site / "feed.atom").read_bytes())
    by_title = {entry.title: entry for entry in feed.entries}

    def facts(title: str) -> str:
        html = by_title[title].content[0].value
        return " ".join(BeautifulSoup(html, "html.parser").get_text(" ").split())

    assert "Affected servers: web02, web03, web07" in facts("Investigating: Disk array failure")
    assert "Affected servers" not in facts("Resolved: Slow shared hosting")
    calendar = Calendar.from_ical((site / "calendar.ics").read_bytes())
    [reboot] = [e for e in calendar.walk("VEVENT") if "Reboot of web05" in str(e["summary"])]
    assert "Affected servers: web05" in str(reboot["description"]).splitlines()
