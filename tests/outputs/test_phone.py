"""Issue 21 in Chromium, as a customer reads the site on a phone (360 px wide), in every UI
language and on every page type: nothing scrolls sideways, an event's facts stand label
above value, and no date, time, duration or zone is drawn over two lines. And the times
the optional script re-shows in the visitor's zone are the ones a build in that zone
writes, with one zone label on the whole page.

One build per language and zone, one browser context per case, one page.evaluate per page.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from statuspage.build import build
from statuspage.i18n import LANGUAGES
from tests.conftest import EXAMPLE_NOW, HELSINKI, copy_example
from tests.outputs.test_browser import browser  # noqa: F401  (the fixture)

PAGES = {
    "home": "index.html",
    "open incident": "incidents/2026-11-23-delayed-outgoing-email/index.html",
    "resolved incident": "incidents/2026-11-20-slow-database-responses/index.html",
    "long words": "incidents/2026-11-22-long-words/index.html",
    "maintenance": "incidents/2026-12-01-php-84-upgrade/index.html",
    "overnight in New York": "incidents/overnight/index.html",
    "across New York's change of clocks": "incidents/clocks/index.html",
    "backup": "incidents/weekly-full-backup/index.html",
    "component": "components/email/index.html",
    "history": "history/index.html",
    "month": "history/2026-11/index.html",
}
# What a phone meets beside the example's events: a long compound word, a URL with no
# break in it, and a right-to-left title ending in a number.
LONG_WORDS = """\
type: incident
title: Sähköpostipalvelinyhteysongelmatilanneselvitys ja خرابی 2
impact: minor
components: [email, webmail]
updates:
  - at: 2026-11-22T21:40
    status: investigating
    message: See https://kettu-hosting.example/status/incidents/2026-11-22/very-long-path-without-any-break-at-all for details.
    next_update: 2026-11-22T23:55
  - at: 2026-11-22T23:50
    status: resolved
    message: Fixed.
"""
# Two windows that read differently in New York: over its midnight, and across the night
# its clocks go back (1 November 2026, 01:30 EDT to 02:30 EST).
WINDOWS = {
    "overnight": "type: maintenance\ntitle: Overnight\ncomponents: [vps]\n"
    "starts: 2026-11-28T06:00+02:00\nduration: 2h\n",
    "clocks": "type: maintenance\ntitle: Clocks\ncomponents: [vps]\n"
    "starts: 2026-11-01T07:30+02:00\nduration: 2h\n",
}

#: Per page: how far it scrolls sideways; every <time>, duration or word of one drawn on
#: more than one line (Range.getClientRects: rects that share no height are two lines);
#: each fact's label and value boxes.
MEASURE = r"""() => {
  const lines = (rects) => {
    const found = [];
    for (const rect of rects) {
      if (!rect.width && !rect.height) { continue; }
      if (!found.some((line) => rect.top < line.bottom - 2 && rect.bottom > line.top + 2)) {
        found.push({top: rect.top, bottom: rect.bottom});
      }
    }
    return found.length;
  };
  const broken = [];
  const range = document.createRange();
  for (const el of document.querySelectorAll("time, [data-since]")) {
    range.selectNodeContents(el);
    if (lines(range.getClientRects()) > 1) { broken.push(el.textContent); }
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (const word of node.data.matchAll(/\S+/g)) {
        range.setStart(node, word.index);
        range.setEnd(node, word.index + word[0].length);
        if (lines(range.getClientRects()) > 1) { broken.push(word[0] + " in " + el.textContent); }
      }
    }
  }
  const facts = [...document.querySelectorAll("dl.facts > dt")].map((dt) => {
    const label = dt.getBoundingClientRect(), value = dt.nextElementSibling.getBoundingClientRect();
    return {label: dt.textContent, above: value.top >= label.bottom - 1, value: value.width};
  });
  return {
    sideways: document.documentElement.scrollWidth - document.documentElement.clientWidth,
    broken, facts,
    times: document.querySelectorAll("time").length,
    width: document.querySelector("main").getBoundingClientRect().width,
  };
}"""


_NAIVE = re.compile(r"\b(\d{4}-\d\d-\d\dT\d\d:\d\d(?::\d\d)?)(?![\d:+Z-])")


def _helsinki(found: re.Match[str]) -> str:
    return datetime.fromisoformat(found[1]).replace(tzinfo=HELSINKI).isoformat()


def make_site(root: Path, language: str, zone: str = "Europe/Helsinki") -> Path:
    """The example repository, with the long words, in `language` and `zone`; its site."""
    config = copy_example(root, language)
    (root / "incidents" / "2026-11-22-long-words.yaml").write_text(LONG_WORDS, "utf-8")
    for name, source in WINDOWS.items():
        (root / "incidents" / f"{name}.yaml").write_text(source, "utf-8")
    if zone != "Europe/Helsinki":
        # The same instants: each time without an offset gets Helsinki's.
        config.write_text(config.read_text("utf-8").replace("Europe/Helsinki", zone), "utf-8")
        for source in (root / "incidents").glob("*.yaml"):
            source.write_text(_NAIVE.sub(_helsinki, source.read_text("utf-8")), "utf-8")
    build(config, root / "site", EXAMPLE_NOW)
    return root / "site"


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """make_site, built once per language and zone for the module."""
    made: dict[tuple[str, str], Path] = {}

    def site(language: str, zone: str = "Europe/Helsinki") -> Path:
        if (language, zone) not in made:
            root = tmp_path_factory.mktemp(f"phone-{language}")
            made[language, zone] = make_site(root, language, zone)
        return made[language, zone]

    yield site


def measure(chromium: Any, site: Path, zone: str, at: datetime) -> dict[str, Any]:
    """Each page of PAGES at 360 px, its clock fixed at `at`, read in `zone`."""
    context = chromium.new_context(viewport={"width": 360, "height": 740}, timezone_id=zone)
    page = context.new_page()
    try:
        page.clock.set_fixed_time(at)
        found = {}
        for name, path in PAGES.items():
            page.goto((site / path).as_uri())
            found[name] = page.evaluate(MEASURE)
        return found
    finally:
        context.close()


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("zone", ["Europe/Helsinki", "America/New_York"])
def test_nothing_breaks_or_scrolls_sideways_at_360_px(
    browser: Any,  # noqa: F811
    sites: Any,
    language: str,
    zone: str,
) -> None:
    """In the site's zone the page is as built; in New York the script has re-shown every
    time: neither may break a time or push the page wider than the phone."""
    problems = []
    for name, shown in measure(browser, sites(language), zone, EXAMPLE_NOW).items():
        assert shown["times"] > 0, name
        if shown["sideways"] > 0:
            problems.append(f"{name}: scrolls sideways by {shown['sideways']}px")
        problems += [f"{name}: drawn over two lines: {text!r}" for text in shown["broken"]]
        for fact in shown["facts"]:
            if not fact["above"]:
                problems.append(f"{name}: {fact['label']!r} is not above its value")
            # The value has the width of the page, not a squeezed column.
            if fact["value"] < shown["width"] - 1:
                problems.append(f"{name}: the value of {fact['label']!r} is {fact['value']}px")
    assert problems == [], f"{language}, read in {zone}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_script_writes_times_as_a_build_in_the_visitors_zone(
    browser: Any,  # noqa: F811
    sites: Any,
    language: str,
) -> None:
    """A Helsinki site read in New York shows each time as the same site built for New
    York shows it without the script, but for the zone's label, which is the browser's
    name for New York's zone (EST, or GMT-5 in some languages) on every time; the note
    names that zone the same way."""
    helsinki, new_york = sites(language), sites(language, "America/New_York")
    read = """() => ({
        times: [...document.querySelectorAll("time[data-local], [data-range]")].map((el) => [
            [...(el.matches("time") ? [el] : el.querySelectorAll("time"))]
                .map((time) => Date.parse(time.getAttribute("datetime"))).join("/"),
            el.textContent]),
        note: document.getElementById("zone-note").textContent,
        labels: [Date.UTC(2026, 0, 15), Date.UTC(2026, 6, 15)].map((when) =>
            new Intl.DateTimeFormat(document.documentElement.lang, {timeZoneName: "short"})
                .formatToParts(when).find((part) => part.type === "timeZoneName").value),
    })"""
    shown: dict[str, Any] = {}
    for name, site, script in (("script", helsinki, True), ("built", new_york, False)):
        context = browser.new_context(timezone_id="America/New_York", java_script_enabled=script)
        page = context.new_page()
        try:
            page.clock.set_fixed_time(EXAMPLE_NOW)
            shown[name] = {}
            for path in PAGES.values():
                page.goto((site / path).as_uri())
                shown[name][path] = page.evaluate(read)
        finally:
            context.close()
    compared = 0
    for path in PAGES.values():
        script, built = shown["script"][path], shown["built"][path]
        winter, summer = script["labels"]  # the browser's names for EST and EDT
        # Every time the built page shows (by its instants) reads the same after the script.
        by_instant = dict(built["times"])
        for instant, text in script["times"]:
            if instant not in by_instant:
                continue  # a list by day: New York's days are not Helsinki's
            assert (winter in text or summer in text) and "EET" not in text, (path, text)
            ours = text.replace(winter, "EST").replace(summer, "EDT")
            assert ours == by_instant[instant], (path, instant)
            compared += 1
        assert winter in script["note"], script["note"]
        if language == "en":  # the browser's words for the zone are CLDR's, as Babel's
            assert script["note"] == built["note"] == "Times are in Eastern Time (EST)."
    assert compared > 20


@pytest.mark.parametrize("language", ["en", "ur"])
def test_in_the_sites_zone_the_script_changes_no_time(
    browser: Any,  # noqa: F811
    sites: Any,
    language: str,
) -> None:
    """A visitor in the site's zone reads every time and the zone note exactly as built."""
    read = "() => [...document.querySelectorAll('time, #zone-note')].map((el) => el.outerHTML)"
    shown = []
    for script in (True, False):
        context = browser.new_context(timezone_id="Europe/Helsinki", java_script_enabled=script)
        page = context.new_page()
        try:
            page.clock.set_fixed_time(EXAMPLE_NOW)
            shown.append(
                {
                    path: page.goto((sites(language) / path).as_uri()) and page.evaluate(read)
                    for path in PAGES.values()
                }
            )
        finally:
            context.close()
    assert shown[0] == shown[1]
