"""Feeds as a subscriber's reader sees them: parsed with feedparser, never string-matched."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import feedparser
import pytest

from statuspage.build import build
from tests.conftest import FIXED_NOW, HELSINKI, Project, build_example

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=HELSINKI)
FEEDS = ["feed.atom", "feed.rss", "history.atom", "history.rss"]


@pytest.fixture
def example(tmp_path: Path) -> Path:
    return build_example(tmp_path, NOW)


def parse(path: Path) -> feedparser.FeedParserDict:
    parsed = feedparser.parse(path.read_bytes())
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    return parsed


@pytest.mark.parametrize("name", FEEDS)
def test_feeds_are_valid_and_newest_first(example: Path, name: str) -> None:
    feed = parse(example / "site" / name)
    # 10 incident updates, and for the 5 windows: 5 announcements and 3 further updates
    # (the PHP upgrade's `scheduled` update is its announcement).
    assert len(feed.entries) == 18
    times = [entry.published_parsed for entry in feed.entries]
    assert times == sorted(times, reverse=True)
    first = feed.entries[0]
    assert first.title == "Identified: Delayed outgoing email"
    assert (
        first.link
        == "https://status.kettu-hosting.example/incidents/2026-11-23-delayed-outgoing-email/"
    )


def test_entry_content_says_status_components_and_links(example: Path) -> None:
    feed = parse(example / "site" / "feed.atom")
    entry = next(
        e
        for e in feed.entries
        if e.title == "Identified: Slow database responses on shared hosting"
    )
    html = entry.content[0].value
    assert "A failing disk in database node <strong>db-3</strong>" in html
    assert "Identified · Major impact" in html
    assert "Shared web hosting, MySQL databases" in html
    assert (
        'href="https://status.kettu-hosting.example/incidents/2026-11-20-slow-database-responses/"'
        in html
    )
    assert entry.published == "2026-11-20T08:40:00+00:00"


def test_announced_windows_have_an_entry(example: Path) -> None:
    feed = parse(example / "site" / "feed.rss")
    titles = [entry.title for entry in feed.entries]
    assert "Maintenance: PHP 8.4 upgrade on shared hosting" in titles
    assert "Backup: Weekly full backup" in titles
    assert "Cancelled: Webmail upgrade" in titles
    php = next(
        e for e in feed.entries if e.title == "Maintenance: PHP 8.4 upgrade on shared hosting"
    )
    assert php.published_parsed[:5] == (2026, 11, 17, 7, 0)  # its `scheduled` update, 09:00 EET
    assert "Announced to all shared hosting customers by email." in php.summary


def test_entry_ids_are_stable_across_now(example: Path) -> None:
    later = datetime(2026, 12, 2, 12, 0, tzinfo=HELSINKI)
    build(example / "statuspage.yaml", example / "later", later)
    for name in FEEDS:
        before = {e.title: e.id for e in parse(example / "site" / name).entries}
        after = {e.title: e.id for e in parse(example / "later" / name).entries}
        assert before.items() <= after.items()
    ids = [e.id for e in parse(example / "site" / "feed.atom").entries]
    assert len(set(ids)) == len(ids)


def test_json_feed(example: Path) -> None:
    document = json.loads((example / "site" / "feed.json").read_text(encoding="utf-8"))
    assert document["version"] == "https://jsonfeed.org/version/1.1"
    assert document["feed_url"] == "https://status.kettu-hosting.example/feed.json"
    atom_ids = [e.id for e in parse(example / "site" / "feed.atom").entries]
    assert [item["id"] for item in document["items"]] == atom_ids
    assert all(item["content_html"] and item["date_published"] for item in document["items"])


def test_component_feed_has_only_its_events(example: Path) -> None:
    feed = parse(example / "site" / "components" / "dns" / "feed.atom")
    assert {entry.title.split(": ", 1)[1] for entry in feed.entries} == {"Nimipalvelun häiriö"}
    assert len(feed.entries) == 4


def test_pages_announce_the_feeds(example: Path) -> None:
    index = (example / "site" / "index.html").read_text(encoding="utf-8")
    parsed = feedparser.parse(index)  # feedparser finds no feed in HTML; the links are in <head>
    assert parsed.bozo == 1
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(index, "html5lib")
    hrefs = {link["href"] for link in soup.select('link[rel="alternate"]')}
    assert hrefs == {"feed.atom", "feed.rss", "feed.json"}


def test_feed_keeps_the_latest_50(project: Project) -> None:
    updates = "".join(
        f"  - at: 2026-11-{1 + n // 24:02d}T{n % 24:02d}:00\n    status: investigating\n    message: Update {n}.\n"
        for n in range(60)
    )
    project.write_event(
        "long", f"type: incident\ntitle: Long\ncomponents: [email]\nupdates:\n{updates}"
    )
    build(project.config_path, project.root / "site", FIXED_NOW)
    feed = parse(project.root / "site" / "feed.atom")
    assert len(feed.entries) == 50
    assert "Update 59." in feed.entries[0].content[0].value
    assert "Update 10." in feed.entries[-1].content[0].value


def test_future_updates_are_not_in_the_feed(project: Project) -> None:
    project.write_event(
        "x",
        """\
        type: incident
        title: X
        components: [email]
        updates:
          - at: 2026-11-23T09:00
            status: investigating
            message: Now.
          - at: 2026-11-23T11:00
            status: resolved
            message: Later.
        """,
    )
    build(project.config_path, project.root / "site", FIXED_NOW)
    assert [e.title for e in parse(project.root / "site" / "feed.atom").entries] == [
        "Investigating: X"
    ]


def test_hostile_but_legal_text_keeps_feeds_valid(project: Project) -> None:
    project.write_event(
        "x",
        """\
        type: incident
        title: "Tags <b>& ]]> \\u202e bidi\\u202c"
        components: [email]
        updates:
          - at: 2026-11-23T09:00
            status: investigating
            message: "<script>alert(1)</script> ]]> &amp; \\u0000"
        """,
    )
    problems = project.problems()
    assert problems == [
        "incidents/x.yaml:7:14: the control character U+0000 is not allowed in text"
    ]
    project.write_event(
        "x",
        """\
        type: incident
        title: "Tags <b>& ]]> \\u202e bidi\\u202c"
        components: [email]
        updates:
          - at: 2026-11-23T09:00
            status: investigating
            message: "<script>alert(1)</script> ]]> &amp;"
        """,
    )
    build(project.config_path, project.root / "site", FIXED_NOW)
    for name in FEEDS:
        entry = parse(project.root / "site" / name).entries[0]
        assert entry.title == "Investigating: Tags <b>& ]]> \u202e bidi\u202c"  # balanced (#19)
    atom = parse(project.root / "site" / "feed.atom").entries[0].content[0].value
    assert "<script>" not in atom
    assert "&lt;script&gt;" in atom
