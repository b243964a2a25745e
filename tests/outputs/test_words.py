"""Issue 21 in the built HTML, parsed as a browser does (BeautifulSoup + html5lib): windows
in the words people use, one zone label named in words, a history that tells what
happened, quiet days in one line, and user-written titles that cannot reorder the page.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from babel.dates import format_interval, format_skeleton, get_day_names, get_timezone_name
from bs4 import BeautifulSoup, Tag

from statuspage.build import build
from statuspage.i18n import LANGUAGES
from tests.conftest import HELSINKI, MINIMAL_CONFIG, Project, build_example

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=HELSINKI)  # a Tuesday
WINDOWS = {
    # Within one day: Tuesday 8 December, 02:00-04:00 Helsinki time.
    "one-day": "type: maintenance\ntitle: One day\ncomponents: [vps]\n"
    "starts: 2026-12-08T02:00\nduration: 2h\n",
    # Over midnight: Thursday 10 December 23:00 to Friday 01:00.
    "midnight": "type: maintenance\ntitle: Over midnight\ncomponents: [email]\n"
    "starts: 2026-12-10T23:00\nduration: 2h\n",
}


def soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html5lib")


def text(node: Tag | None) -> str:
    """What a reader sees, spaces as one (no-break and thin spaces too)."""
    assert node is not None
    return " ".join(node.get_text().split())


def plain(value: str) -> str:
    """Babel's text with its spaces as one, and without bidi isolates (they are invisible)."""
    return " ".join(value.replace("\u2068", "").replace("\u2069", "").split())


def windows_site(root: Path, language: str) -> Path:
    project = Project(root)
    project.write_config(MINIMAL_CONFIG + f"language: {language}\n")
    for name, source in WINDOWS.items():
        project.write_event(name, source)
    build(project.config_path, root / "site", NOW)
    return root / "site"


def window_text(page: BeautifulSoup, title: str) -> tuple[str, list[str]]:
    """The window of `title` on the home page: its times' text and their datetime attributes."""
    item = next(li for li in page.select("li.window") if title in text(li.a))
    span = item.select_one("[data-range]")
    assert span is not None
    return plain(span.get_text()), [str(time["datetime"]) for time in span.select("time")]


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_window_within_one_day_reads_as_one_day_with_its_weekday(
    tmp_path: Path, language: str
) -> None:
    site = windows_site(tmp_path, language)
    page = soup(site / "index.html")
    shown, ends = window_text(page, "One day")
    assert ends == ["2026-12-08T02:00:00+02:00", "2026-12-08T04:00:00+02:00"]
    start, end = (datetime.fromisoformat(end) for end in ends)
    tuesday = get_day_names("abbreviated", locale=language)[1]
    assert shown.count("2026") == 1, shown  # one date...
    assert tuesday in shown, shown  # ...with its weekday
    assert shown.endswith("EET")
    # The date with its weekday, then Babel's interval for the time of day.
    times = format_interval(start, end, "Hm", tzinfo=HELSINKI, locale=language)
    if language in ("en", "ur"):
        times = format_interval(start, end, "hm", tzinfo=HELSINKI, locale=language)
    day = format_skeleton("yMMMEd", start, tzinfo=HELSINKI, locale=language)
    if language != "hy":  # Armenian writes 02:00 in a time, so its interval too (CLDR widths)
        assert shown.startswith(plain(day)) and plain(times) in shown, (shown, day, times)
    expected = {
        "en": "Tue, Dec 8, 2026, 2:00 \u2013 4:00 AM EET",
        "fi": "ti 8.12.2026 2.00\u20134.00 EET",
        "hy": "2026 թ. դեկ 8, երք, 02:00 \u2013 04:00 EET",
    }
    if language in expected:
        assert shown == expected[language]
    # The event's own page says it the same way.
    event = soup(site / "incidents" / "one-day" / "index.html")
    facts = event.select_one("dl.facts")
    assert facts is not None and shown in plain(facts.get_text())


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_window_over_midnight_shows_both_dates(tmp_path: Path, language: str) -> None:
    page = soup(windows_site(tmp_path, language) / "index.html")
    shown, ends = window_text(page, "Over midnight")
    assert ends == ["2026-12-10T23:00:00+02:00", "2026-12-11T01:00:00+02:00"]
    names = get_day_names("abbreviated", locale=language)
    assert shown.count("2026") == 2, shown
    assert names[3] in shown and names[4] in shown, shown  # Thursday and Friday
    if language == "en":
        assert shown == "Thu, Dec 10, 2026, 11:00 PM \u2013 Fri, Dec 11, 2026, 1:00 AM EET"


def test_a_window_across_a_change_of_clocks_names_both_zones(project: Project) -> None:
    """Helsinki's clocks go back at 04:00 EEST on 25 October: the window says so."""
    project.write_event(
        "dst",
        "type: maintenance\ntitle: Night of the change\ncomponents: [vps]\n"
        "starts: 2026-10-25T02:00\nends: 2026-10-25T05:00\n",
    )
    build(project.config_path, project.root / "site", datetime(2026, 10, 20, tzinfo=HELSINKI))
    shown, _ = window_text(soup(project.root / "site" / "index.html"), "Night of the change")
    assert shown == "Sun, Oct 25, 2026, 2:00 AM EEST \u2013 Sun, Oct 25, 2026, 5:00 AM EET"


@pytest.fixture(scope="module", params=LANGUAGES)
def example(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example repository built in one language: its site."""
    language = str(request.param)
    return build_example(tmp_path_factory.mktemp(f"words-{language}"), language=language) / "site"


def test_every_time_names_its_zone_by_its_abbreviation_and_the_page_says_it_once(
    example: Path,
) -> None:
    language = soup(example / "index.html").html["lang"]  # type: ignore[index]
    words = get_timezone_name(HELSINKI, "long", locale=str(language))
    for path in sorted(example.rglob("*.html")):
        page = soup(path)
        times = page.select("time[data-local], [data-range] time:last-child")
        notes = page.select("#zone-note")
        if path.name == "404.html" or path.relative_to(example).parts[0] == "embed":
            assert notes == []  # (an embed, in another site's frame, may show no time)
            continue
        assert times, path
        for time in times:
            moment = datetime.fromisoformat(str(time["datetime"]))
            zone = "EEST" if moment.utcoffset() == timedelta(hours=3) else "EET"
            assert plain(time.get_text()).endswith(f" {zone}"), (path, time)
        # Once, in words a customer knows, before the first time on the page.
        [note] = notes
        assert words in text(note) and "(EET)" in text(note), text(note)
        assert "Europe/Helsinki" not in text(note)
        first = page.find("time")
        assert first is not None and note in first.find_all_previous("p"), path


def test_history_index_lists_each_months_events(example: Path) -> None:
    page = soup(example / "history" / "index.html")
    if page.html["lang"] != "en":  # type: ignore[index]
        pytest.skip("the words are checked in English")
    months = {
        text(section.h2): [text(item) for item in section.select("ul.events > li")]
        for section in page.select("section.month")
    }
    assert list(months) == ["November 2026", "October 2026"]
    assert months["November 2026"] == [
        "Delayed outgoing email Nov 23, 2026 · Incident · Minor impact · 1 hr, 13 min (so far)",
        "Slow database responses on shared hosting Nov 20, 2026 · Incident · Major impact · "
        "1 hr, 50 min",
        "Security patching of VPS hypervisors Nov 10, 2026 · Maintenance · 4 hr",
    ]
    assert months["October 2026"] == [
        "Nimipalvelun häiriö Oct 2, 2026 · Incident · Critical impact · 1 hr, 25 min"
    ]
    links = [link["href"] for link in page.select("section.month ul.events a")]
    assert links[0] == "../incidents/2026-11-23-delayed-outgoing-email/"


def test_a_busy_month_shows_its_latest_ten_and_links_to_the_rest(project: Project) -> None:
    for day in range(1, 13):
        project.write_event(
            f"2026-11-{day:02d}-blip",
            f"type: incident\ntitle: Blip {day}\ncomponents: [vps]\nupdates:\n"
            f"  - at: 2026-11-{day:02d}T10:00\n    status: investigating\n    message: Slow.\n"
            f"  - at: 2026-11-{day:02d}T10:30\n    status: resolved\n    message: Fine.\n",
        )
    build(project.config_path, project.root / "site", NOW)
    page = soup(project.root / "site" / "history" / "index.html")
    [section] = page.select("section.month")
    titles = [text(item.a) for item in section.select("ul.events > li")]
    assert titles == [f"Blip {day}" for day in range(12, 2, -1)]
    more = section.select("p a")[-1]
    assert (text(more), more["href"]) == ("All 12 events of November 2026", "../history/2026-11/")


@pytest.mark.parametrize(
    ("language", "quiet"),
    [
        ("en", "No incidents reported on 5 days."),
        ("fi", "Ei raportoituja häiriöitä 5 päivänä."),
        ("ur", "5 دنوں میں کوئی واقعہ رپورٹ نہیں ہوا\u06d4"),
    ],
)
def test_quiet_days_are_one_line(tmp_path: Path, language: str, quiet: str) -> None:
    site = build_example(tmp_path, language=language) / "site"
    section = soup(site / "index.html").select_one("section[aria-labelledby=recent-heading]")
    assert section is not None
    assert len(section.select("h3.day")) == 2  # the two days with events, under their dates
    assert [text(line) for line in section.select("p.quiet")] == [quiet]


def test_one_quiet_day_and_a_quiet_week(project: Project) -> None:
    """Plural-aware: one day is 'day'; a week without events says so without counting."""
    build(project.config_path, project.root / "site", NOW)
    recent = soup(project.root / "site" / "index.html").select_one("#recent-heading")
    assert recent is not None and recent.parent is not None
    assert [text(p) for p in recent.parent.select("p.quiet")] == ["No incidents reported."]
    for day in range(25, 31):
        project.write_event(
            f"2026-11-{day}-blip",
            f"type: incident\ntitle: Blip {day}\ncomponents: [vps]\nupdates:\n"
            f"  - at: 2026-11-{day}T10:00\n    status: investigating\n    message: Slow.\n"
            f"  - at: 2026-11-{day}T10:30\n    status: resolved\n    message: Fine.\n",
        )
    build(project.config_path, project.root / "site", NOW)
    recent = soup(project.root / "site" / "index.html").select_one("#recent-heading")
    assert recent is not None and recent.parent is not None
    assert [text(p) for p in recent.parent.select("p.quiet")] == ["No incidents reported on 1 day."]


RTL_TITLE = "خرابی ای میل 2"  # an Urdu title ending in a number: it would take the list's words


def test_titles_and_names_are_isolated_wherever_they_are_printed(project: Project) -> None:
    project.write_config(
        MINIMAL_CONFIG.replace("Example Hosting status", "حالت 24/7")
        .replace("name: Email", f"name: {RTL_TITLE} میل")
        .replace("group: Hosting", "group: ہوسٹنگ 1")
    )
    project.write_event(
        "rtl",
        f"type: incident\ntitle: {RTL_TITLE}\ncomponents: [email]\nupdates:\n"
        "  - at: 2026-12-01T10:00\n    status: investigating\n    message: Slow.\n",
    )
    project.write_event("window", WINDOWS["one-day"].replace("One day", RTL_TITLE + " 3"))
    build(project.config_path, project.root / "site", NOW)
    site = project.root / "site"
    written = [RTL_TITLE, RTL_TITLE + " 3", f"{RTL_TITLE} میل", "ہوسٹنگ 1", "حالت 24/7"]
    pattern = re.compile("|".join(re.escape(words) for words in written))
    for path in ("index.html", "incidents/rtl/index.html", "components/email/index.html"):
        page = soup(site / path)
        assert page.body is not None
        shown = list(page.body.find_all(string=pattern))
        assert shown, path
        for node in shown:
            if node.find_parent("script") or node.find_parent(class_="vh"):
                continue
            assert node.parent is not None and node.parent.name == "bdi", (path, node.parent)
    # In a page's <title>, a direction mark keeps " · site" out of the title's run.
    title = soup(site / "incidents" / "rtl" / "index.html").title
    assert title is not None and title.get_text() == f"{RTL_TITLE}\u200e · حالت 24/7"


@pytest.mark.parametrize("language", ["en", "fi", "ur"])
def test_one_day_windows_are_babels_interval_of_the_day(language: str) -> None:
    """Over a year of windows at every hour and length within a day: the date with its
    weekday, the language's join, then exactly what babel.dates.format_interval writes."""
    from babel import Locale

    from statuspage.i18n import Formatter

    formatter, locale = Formatter(language, HELSINKI), Locale.parse(language)
    skeleton = "hm" if "h" in locale.time_formats["short"].pattern else "Hm"
    glue = str(locale.datetime_formats["medium"])
    checked = 0
    for hours in range(0, 24 * 365, 13):
        start = datetime(2026, 1, 1, tzinfo=HELSINKI) + timedelta(
            hours=hours, minutes=hours % 4 * 15
        )
        for minutes in (30, 90, 300, 600):
            end = start + timedelta(minutes=minutes)
            local, later = start.astimezone(HELSINKI), end.astimezone(HELSINKI)
            if local.date() != later.date() or local.tzname() != later.tzname():
                continue
            opening, between, closing = formatter.window_parts(start, end)
            shown = "".join(text for _, text in (*opening, ("", between), *closing))
            day = format_skeleton("yMMMEd", local, tzinfo=HELSINKI, locale=language)
            times = format_interval(local, later, skeleton, tzinfo=HELSINKI, locale=language)
            assert shown == glue.replace("{1}", day).replace("{0}", times) + f" {local.tzname()}"
            checked += 1
    assert checked > 1000
