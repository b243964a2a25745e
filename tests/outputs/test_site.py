"""The built site as a customer reads it, parsed with an HTML parser (BeautifulSoup + html5lib)."""

from __future__ import annotations

import filecmp
from datetime import datetime
from pathlib import Path

import pytest
from bs4 import BeautifulSoup, Tag
from click.testing import CliRunner

from statuspage.build import build
from statuspage.cli import cli
from statuspage.errors import InvalidInputError
from statuspage.outputs.pages import TemplateProblemError
from tests.conftest import FIXED_NOW, HELSINKI, Project, build_example

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=HELSINKI)


@pytest.fixture
def example(tmp_path: Path) -> Path:
    """A copy of the example status repository, built at NOW into site/."""
    return build_example(tmp_path, NOW)


def soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html5lib")


def text(node: Tag | None) -> str:
    assert node is not None
    return " ".join(node.get_text(" ").split())


def component_statuses(page: BeautifulSoup) -> dict[str, str]:
    found = {}
    for item in page.select("li.component"):
        head = item.select_one(".component-head")
        assert head is not None
        found[text(head.a)] = text(head.select_one(".status"))
    return found


def test_index_answers_is_it_me_or_them(example: Path) -> None:
    page = soup(example / "site" / "index.html")
    banner = page.select_one(".banner h1")
    assert text(banner) == "Partially Degraded Service"
    assert banner is not None and banner.svg is not None  # an icon, not colour alone
    statuses = component_statuses(page)
    assert statuses["Email (IMAP, POP3, SMTP)"] == "Degraded performance"
    assert statuses["Shared web hosting"] == "Operational"
    assert len(statuses) == 8
    groups = [text(h3) for h3 in page.select(".group h3")]
    assert groups == ["Hosting", "Email", "Platform"]


def test_index_shows_active_incident_with_latest_update_and_promise(example: Path) -> None:
    page = soup(example / "site" / "index.html")
    incidents = page.select("article.incident")
    assert len(incidents) == 1
    incident = incidents[0]
    assert text(incident.h3) == "Delayed outgoing email"
    assert "One of our outgoing relays was listed" in text(incident.select_one(".update"))
    assert "Lasted 1 hr, 13 min so far" in text(incident)
    promise = incident.select_one(".promise time")
    assert promise is not None and promise["datetime"] == "2026-11-23T12:00:00+02:00"
    link = incident.h3.a if incident.h3 else None
    assert link is not None and link["href"] == "incidents/2026-11-23-delayed-outgoing-email/"


def test_index_lists_upcoming_windows_once_each(example: Path) -> None:
    page = soup(example / "site" / "index.html")
    windows = [text(item.a) for item in page.select("li.window")]
    assert windows == [
        "Nightly database snapshots",
        "Webmail upgrade",
        "Weekly full backup",
        "PHP 8.4 upgrade on shared hosting",
    ]
    weekly = page.select("li.window")[2]
    assert "Every week on Sunday" in text(weekly)
    start = weekly.select("time")[0]
    assert start["datetime"] == "2026-11-29T02:00:00+02:00"
    assert "Cancelled" in text(page.select("li.window")[1])


def test_index_uptime_bars_are_labelled_per_day(example: Path) -> None:
    page = soup(example / "site" / "index.html")
    email = next(item for item in page.select("li.component") if "Email" in text(item.a))
    bars = email.select("ol.bars li")
    assert len(bars) == 90
    outage_day = next(bar for bar in bars if "Oct 2, 2026" in text(bar))
    assert text(outage_day) == "Oct 2, 2026: Major outage, 94.10% up"
    assert "b-major_outage" in outage_day["class"]
    assert "99.93% uptime" in text(email.select_one(".uptime-legend"))


def test_index_recent_days_and_subscribe_links(example: Path) -> None:
    page = soup(example / "site" / "index.html")
    # The days with events under their dates; the five quiet ones in one line (issue 21).
    days = [text(h3) for h3 in page.select("h3.day")]
    assert days == ["Monday, November 23, 2026", "Friday, November 20, 2026"]
    recent = page.select_one("section[aria-labelledby=recent-heading]")
    assert "No incidents reported on 5 days." in [text(p) for p in recent.select("p.quiet")]
    hrefs = {link["href"] for link in page.select(".subscribe a")}
    assert {"feed.atom", "feed.rss", "feed.json", "calendar.ics", "api/v2/summary.json"} <= hrefs
    assert "webcal://status.kettu-hosting.example/calendar.ics" in hrefs
    updated = page.select_one("footer time")
    assert updated is not None and updated["datetime"] == "2026-11-23T10:00:00+02:00"


def test_every_event_has_a_page_with_its_timeline(example: Path) -> None:
    for source in (example / "incidents").glob("*.yaml"):
        assert (example / "site" / "incidents" / source.stem / "index.html").is_file(), source.stem
    page = soup(
        example / "site" / "incidents" / "2026-11-20-slow-database-responses" / "index.html"
    )
    assert text(page.h1) == "Slow database responses on shared hosting"
    steps = [text(item.select_one(".status")) for item in page.select("ol.timeline > li")]
    assert steps == ["Resolved", "Monitoring", "Identified", "Investigating"]  # newest first
    assert page.select_one("strong") is not None  # Markdown **db-3** rendered
    assert "Postmortem" in [text(h2) for h2 in page.select("h2")]


def test_recurring_window_page_lists_next_occurrences(example: Path) -> None:
    page = soup(example / "site" / "incidents" / "weekly-full-backup" / "index.html")
    starts = [item.select("time")[0]["datetime"] for item in page.select("ul.occurrences li")]
    assert starts == [
        "2026-11-29T02:00:00+02:00",
        "2026-12-06T02:00:00+02:00",
        "2026-12-13T02:00:00+02:00",
        "2026-12-20T02:00:00+02:00",
        "2026-12-27T02:00:00+02:00",
    ]


def test_history_has_a_page_per_month_newest_first(example: Path) -> None:
    page = soup(example / "site" / "history" / "index.html")
    months = [text(link) for link in page.select("ul.months a")]
    assert months == ["November 2026", "October 2026"]
    november = soup(example / "site" / "history" / "2026-11" / "index.html")
    titles = [text(item.a) for item in november.select("ul.events li")]
    assert titles == [
        "Delayed outgoing email",
        "Slow database responses on shared hosting",
        "Security patching of VPS hypervisors",
    ]


def test_component_page_lists_its_events(example: Path) -> None:
    page = soup(example / "site" / "components" / "dns" / "index.html")
    assert text(page.h1) == "DNS"
    assert [text(item.a) for item in page.select("ul.events li")] == ["Nimipalvelun häiriö"]


def test_component_page_offers_its_own_feed_and_calendar(example: Path) -> None:
    """A customer who cares about one service subscribes to that service alone."""
    directory = example / "site" / "components" / "shared-hosting"
    page = soup(directory / "index.html")
    own = page.select_one('link[rel="alternate"][href="feed.atom"]')
    assert own is not None and own["type"] == "application/atom+xml"
    links = {str(a["href"]) for a in page.select("ul.subscribe a")}
    webcal = "webcal://status.kettu-hosting.example/components/shared-hosting/calendar.ics"
    assert links == {"feed.atom", webcal, "calendar.ics"}
    for href in ("feed.atom", "calendar.ics"):
        assert (directory / href).is_file()  # the links lead to files that exist


def test_404_links_from_the_site_root(example: Path) -> None:
    page = soup(example / "site" / "404.html")
    assert text(page.h1) == "Page not found"
    stylesheet = page.select_one('link[rel="stylesheet"]')
    assert stylesheet is not None and stylesheet["href"] == "/static/style.css"


def test_pages_link_to_feeds_and_need_no_third_party(example: Path) -> None:
    site = example / "site"
    for path in site.rglob("*.html"):
        page = soup(path)
        alternates = {link["type"] for link in page.select('link[rel="alternate"]')}
        # The embeds are for other sites' frames (issue 16): no feeds of their own.
        if path.relative_to(site).parts[0] != "embed":
            assert alternates == {
                "application/atom+xml",
                "application/rss+xml",
                "application/feed+json",
            }
        for node in page.select("[src], link[href]"):
            url = str(node.get("src") or node.get("href"))
            assert not url.startswith(("http:", "https:", "//")), (path, url)


@pytest.mark.parametrize(
    ("language", "banner", "direction"),
    [
        ("fi", "Osittain heikentynyt palvelu", "ltr"),
        ("hy", "Մասնակիորեն վատթարացած ծառայություն", "ltr"),
        ("ur", "جزوی طور پر متاثرہ سروس", "rtl"),
    ],
)
def test_languages_translate_and_set_direction(
    example: Path, language: str, banner: str, direction: str
) -> None:
    build_example(example / language, NOW, language)
    page = soup(example / language / "site" / "index.html")
    assert page.html is not None
    assert page.html["lang"] == language
    assert page.html["dir"] == direction
    assert text(page.select_one(".banner h1")) == banner


def test_finnish_dates_are_written_the_finnish_way(example: Path) -> None:
    build_example(example / "fi", NOW, "fi")
    page = soup(example / "fi" / "site" / "index.html")
    updated = page.select_one("footer time")
    assert text(updated) == "23.11.2026 10.00 EET"


def test_markdown_raw_html_and_unsafe_links_are_not_rendered(project: Project) -> None:
    project.write_event(
        "x",
        """\
        type: incident
        title: Test
        components: [email]
        updates:
          - at: 2026-11-23T09:00
            status: investigating
            message: "<script>alert(1)</script> [bad](javascript:alert(1)) [good](https://example.com)"
        """,
    )
    build(project.config_path, project.root / "site", FIXED_NOW)
    page = soup(project.root / "site" / "incidents" / "x" / "index.html")
    update = page.select_one("ol.timeline li")
    assert update is not None
    assert update.find("script") is None
    assert "<script>alert(1)</script>" in text(update)  # shown as text
    assert [link["href"] for link in update.select("a")] == ["https://example.com"]


def test_same_sources_and_now_give_identical_output(example: Path) -> None:
    build(example / "statuspage.yaml", example / "again", NOW)
    comparison = filecmp.dircmp(example / "site", example / "again")
    assert _all_same(comparison)


def _all_same(comparison: filecmp.dircmp[str]) -> bool:
    if (
        comparison.left_only
        or comparison.right_only
        or comparison.diff_files
        or comparison.funny_files
    ):
        return False
    _, mismatch, errors = filecmp.cmpfiles(
        comparison.left, comparison.right, comparison.common_files, shallow=False
    )
    return (
        not mismatch and not errors and all(_all_same(sub) for sub in comparison.subdirs.values())
    )


def test_template_override_and_builtin_extension(project: Project) -> None:
    templates = project.root / "templates"
    templates.mkdir()
    (templates / "base.html").write_text(
        '{% extends "!builtin/base.html" %}'
        '{% block head %}<meta name="x-custom" content="yes">{% endblock %}',
        encoding="utf-8",
    )
    build(project.config_path, project.root / "site", FIXED_NOW)
    page = soup(project.root / "site" / "index.html")
    assert page.select_one('meta[name="x-custom"]') is not None
    assert page.select_one(".banner") is not None  # the built-in index still renders


def test_template_typo_names_template_and_line(project: Project) -> None:
    templates = project.root / "templates"
    templates.mkdir()
    (templates / "404.html").write_text(
        '{% extends "!builtin/base.html" %}\n{% block content %}\n{{ sate.now }}\n{% endblock %}\n',
        encoding="utf-8",
    )
    with pytest.raises(TemplateProblemError) as raised:
        build(project.config_path, project.root / "site", FIXED_NOW)
    assert str(raised.value) == "templates/404.html:3:4: template error: 'sate' is undefined"
    assert not (project.root / "site").exists()


def test_build_command_reports_and_refuses_bad_input(project: Project, runner: CliRunner) -> None:
    result = runner.invoke(cli, ["build", "--now", "2026-11-23T10:00"])
    assert result.exit_code == 0, result.output
    # 7 pages (index, history, three components, 404, the embed), 3 static files (the
    # stylesheets, the lookup's script), sitemap, robots, badge, embed.js, 5 site feeds and
    # 3 component feeds, 4 calendars, 8 API files
    assert result.output.strip() == "Built 34 files into site."
    project.write_event("broken", "type: incident\n")
    before = {p: p.read_bytes() for p in (project.root / "site").rglob("*") if p.is_file()}
    result = runner.invoke(cli, ["build", "--now", "2026-11-23T10:00"])
    assert result.exit_code == 1
    assert "incidents/broken.yaml:1:1: missing required field 'title'" in result.output
    after = {p: p.read_bytes() for p in (project.root / "site").rglob("*") if p.is_file()}
    assert after == before


def test_build_refuses_invalid_sources_before_touching_output(project: Project) -> None:
    project.write_event("broken", "type: nope\n")
    with pytest.raises(InvalidInputError):
        build(project.config_path, project.root / "site", FIXED_NOW)
    assert not (project.root / "site").exists()


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            "<p>{{ site.title }} {{ sate.now }}</p>",
            "templates/404.html:3:24: template error: 'sate' is undefined",
        ),
        ("<p>{{ site.nope }}</p>", "templates/404.html:3:12: template error: "),
        ("  {% if %}", "templates/404.html:3:3: template error: Expected an expression"),
        ("<p>{% endif %}</p>", "templates/404.html:3:7: template error: Encountered unknown tag"),
    ],
    ids=["undefined-name", "missing-attribute", "syntax", "unknown-tag"],
)
def test_template_errors_give_the_column_of_what_they_quote(
    project: Project, line: str, expected: str
) -> None:
    templates = project.root / "templates"
    templates.mkdir()
    (templates / "404.html").write_text(
        f'{{% extends "!builtin/base.html" %}}\n{{% block content %}}\n{line}\n{{% endblock %}}\n',
        encoding="utf-8",
    )
    with pytest.raises(TemplateProblemError) as raised:
        build(project.config_path, project.root / "site", FIXED_NOW)
    assert str(raised.value).startswith(expected)
