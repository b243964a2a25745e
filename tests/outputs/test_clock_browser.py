"""Issue 12 in a real browser: a page built at one moment and read at another shows, for
everything time decides, what a build at the reading moment shows; past `stale_after` it
says it may be out of date.

Each case builds the same repository twice, at the build moment B and at the reading
moment T, opens both in Chromium with the browser's clock fixed at T, and compares every
part the script follows (`data-clock`) element by element.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from statuspage.build import build
from tests.outputs.test_browser import browser  # noqa: F401  (the fixture)

BUILT = datetime(2026, 10, 24, 12, 0, tzinfo=UTC)

CONFIG = """\
title: Kettu status
base_url: https://status.example.com/
timezone: Europe/Helsinki
language: {language}
contact:
  email: help@example.com
components:
  - id: web
    name: Web hosting
  - id: mail
    name: Email
  - id: db
    name: Databases
"""

EVENTS = {
    # Running at build time (11:00-12:30 UTC): it must end in the browser on time.
    "restore-test": """\
        type: backup
        title: Restore test
        components: {db: degraded_performance}
        starts: 2026-10-24T11:00Z
        ends: 2026-10-24T12:30Z
        """,
    # Nightly at 02:00 Helsinki time: EEST until 25 October, EET after (a DST change).
    "nightly": """\
        type: backup
        title: Nightly backup
        components: {web: degraded_performance}
        starts: 2026-01-01T02:00
        duration: 40m
        repeat: FREQ=DAILY
        """,
    "kernel": """\
        type: maintenance
        title: Kernel upgrade
        components: [web, mail]
        starts: 2026-10-27T08:00Z
        duration: 2h
        """,
    "mail-down": """\
        type: incident
        title: Mail is slow
        impact: major
        components: [mail]
        updates:
          - at: 2026-10-24T08:00Z
            status: investigating
            message: Mail is slow.
          - at: 2026-10-24T09:00Z
            status: identified
            message: A queue is stuck.
            next_update: 2026-10-24T13:00Z
        """,
}

# The reading moments: (name, moment); the page is stale past B + 2h (the default).
MOMENTS = {
    "at-build": BUILT + timedelta(minutes=5),
    "backup-ends": BUILT + timedelta(minutes=40),
    "13:30": BUILT + timedelta(hours=1, minutes=30),
    "nightly-before-dst": datetime(2026, 10, 24, 23, 10, tzinfo=UTC),  # 02:10 EEST
    "nightly-after-dst": datetime(2026, 10, 26, 0, 15, tzinfo=UTC),  # 02:15 EET
    "next-day": BUILT + timedelta(days=1),
    "before-kernel": datetime(2026, 10, 27, 7, 0, tzinfo=UTC),
    "during-kernel": datetime(2026, 10, 27, 9, 0, tzinfo=UTC),
    "after-kernel": datetime(2026, 10, 27, 11, 0, tzinfo=UTC),
    "nine-days": BUILT + timedelta(days=9),
}
EVERY_LANGUAGE = ["13:30", "next-day", "nine-days"]
PAGES = [
    "index.html",
    "incidents/nightly/index.html",
    "incidents/restore-test/index.html",
    "incidents/mail-down/index.html",
    "incidents/kernel/index.html",
    "components/web/index.html",
    "history/2026-10/index.html",
]
STALE = {
    "en": "This page was last updated",
    "fi": "Tämä sivu päivitettiin viimeksi",
    "hy": "Այս էջը վերջին անգամ թարմացվել է",
    "ur": "یہ صفحہ آخری بار",
}

#: What a test reads of a page: every element the script follows (by its key, its HTML as
#: the browser has it now), the stale notice's text and height, and the durations "so far".
READ = """() => ({
    parts: Object.fromEntries([...document.querySelectorAll('[data-clock]')]
        .map((el) => [el.dataset.clock, el.outerHTML])),
    stale: document.getElementById('stale').innerText.trim(),
    height: document.getElementById('stale').getBoundingClientRect().height,
    since: [...document.querySelectorAll('[data-since]')].map((el) => el.textContent),
})"""


def make_site(root: Path, language: str, now: datetime) -> Path:
    """The repository above built at `now`; its site directory."""
    if not root.exists():
        (root / "incidents").mkdir(parents=True)
        (root / "statuspage.yaml").write_text(CONFIG.format(language=language), "utf-8")
        for name, text in EVENTS.items():
            (root / "incidents" / f"{name}.yaml").write_text(textwrap.dedent(text), "utf-8")
    site = root / f"site-{now:%Y%m%dT%H%M}"
    if not site.exists():
        build(root / "statuspage.yaml", site, now)
    return site


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """make_site, with one repository per language in a module-wide folder."""
    base = tmp_path_factory.mktemp("clock")
    yield lambda language, now: make_site(base / language, language, now)


def read(
    chromium: Any, site: Path, paths: list[str], at: datetime, script: bool = True
) -> dict[str, Any]:
    """Open each path of `site` with the browser's clock fixed at `at`.

    For each: (its followed parts, the stale notice's text, the notice's height, the
    durations "so far" as shown).
    """
    context = chromium.new_context(timezone_id="America/New_York", java_script_enabled=script)
    page = context.new_page()
    found = {}
    try:
        page.clock.set_fixed_time(at)
        for path in paths:
            page.goto((site / path).as_uri())
            shown = page.evaluate(READ)
            found[path] = (shown["parts"], shown["stale"], shown["height"], shown["since"])
        return found
    finally:
        context.close()


def cases() -> list[tuple[str, str]]:
    found = [("en", name) for name in MOMENTS]
    found += [(language, name) for language in ("fi", "hy", "ur") for name in EVERY_LANGUAGE]
    return found


@pytest.mark.parametrize(("language", "moment"), cases())
def test_page_read_later_shows_what_a_build_then_shows(
    browser: Any,  # noqa: F811
    sites: Any,
    language: str,
    moment: str,
) -> None:
    at = MOMENTS[moment]
    built, fresh = sites(language, BUILT), sites(language, at)
    paths = [path for path in PAGES if (fresh / path).exists()]  # a month may come later
    old, new = read(browser, built, paths, at), read(browser, fresh, paths, at)
    for path in paths:
        old_parts, stale, _, old_since = old[path]
        new_parts, fresh_stale, _, new_since = new[path]
        followed = {
            key
            for key in new_parts
            if key in ("banner", "active", "windows") or key[:2] in ("c:", "a:")
        }
        assert followed <= old_parts.keys(), (path, followed - old_parts.keys())
        for key in new_parts.keys() & old_parts.keys():
            assert old_parts[key] == new_parts[key], (language, moment, path, key)
        assert old_since == new_since, (path, "durations so far")
        # Past B + stale_after (2h) the old page says so, in the site's language.
        assert (stale != "") == (at > BUILT + timedelta(hours=2)), (path, stale)
        if stale:
            assert stale.startswith(STALE[language]), stale
            assert "help@example.com" in stale  # with the contact link
        assert fresh_stale == ""


@pytest.mark.parametrize("language", ["en", "fi", "hy", "ur"])
def test_durations_the_script_writes_are_the_builds(
    browser: Any,  # noqa: F811
    tmp_path: Path,
    language: str,
) -> None:
    """A duration "so far" kept current by the script reads as the build writes it."""
    at = datetime(2026, 10, 24, 8, 0, 20, tzinfo=UTC)
    (tmp_path / "incidents").mkdir()
    (tmp_path / "statuspage.yaml").write_text(CONFIG.format(language=language), "utf-8")
    lengths = (0, 1, 2, 59, 61, 60 * 24, 60 * 24 * 3 + 61, 60 * 24 * 40 + 5, 60 * 24 * 400)
    for minutes in lengths:
        started = (at - timedelta(minutes=minutes, seconds=10)).isoformat()
        (tmp_path / "incidents" / f"open-{minutes}.yaml").write_text(
            f"type: incident\ntitle: Open {minutes}\ncomponents: [mail]\nupdates:\n"
            f"  - at: {started}\n    status: investigating\n    message: Slow.\n",
            "utf-8",
        )
    build(tmp_path / "statuspage.yaml", tmp_path / "site", at)
    # The index shows each incident's duration; the page without the script is the build's.
    _, _, _, shown = read(browser, tmp_path / "site", ["index.html"], at)["index.html"]
    _, _, _, built = read(browser, tmp_path / "site", ["index.html"], at, False)["index.html"]
    assert len(built) == len(lengths)
    assert shown == built
    # And a minute later the script has moved them on by a minute.
    later = read(browser, tmp_path / "site", ["index.html"], at + timedelta(minutes=1))
    assert later["index.html"][3] != built


def test_without_javascript_the_notice_takes_no_room(
    browser: Any,  # noqa: F811
    sites: Any,
) -> None:
    site = sites("en", BUILT)
    late = BUILT + timedelta(days=9)
    _, stale, height, _ = read(browser, site, ["index.html"], late, script=False)["index.html"]
    assert (stale, height) == ("", 0)
    # With the script, the same page nine days on says how old it is.
    _, stale, height, _ = read(browser, site, ["index.html"], late)["index.html"]
    assert stale.startswith("This page was last updated 9 days ago and may not show")
    assert height > 0


def test_notice_is_announced_to_screen_readers(
    browser: Any,  # noqa: F811
    sites: Any,
) -> None:
    site = sites("en", BUILT)
    context = browser.new_context()
    page = context.new_page()
    try:
        page.clock.set_fixed_time(BUILT + timedelta(days=1))
        page.goto((site / "index.html").as_uri())
        role = page.locator("#stale").get_attribute("role")
        assert role == "alert"
        alert = page.get_by_role("alert")
        assert alert.inner_text().startswith("This page was last updated 1 day ago")
    finally:
        context.close()
