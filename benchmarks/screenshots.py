"""Screenshots of every page type, so that a layout change is visible in review (issue #21).

    python benchmarks/screenshots.py                      # English and Urdu (right to left)
    python benchmarks/screenshots.py --language fi --language hy --output /tmp/shots

Builds the example repository at the repo root (at a fixed --now: an email incident is
open, a maintenance and two backup windows are ahead) in each language, opens each page
type in Debian's chromium (file://, no network) and writes full-page PNGs at 360 and
1280 px wide, in light and dark mode, named LANGUAGE-PAGE-WIDTH-SCHEME.png. The page
types: home, incident, maintenance, backup (repeating), component, history index,
history month. Prints the folder it wrote. Run on demand; never part of the tests.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from statuspage.build import build  # noqa: E402
from statuspage.model.times import parse_time  # noqa: E402

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
NOW = "2026-11-23T10:00+02:00"
PAGES = {
    "home": "index.html",
    "incident": "incidents/2026-11-23-delayed-outgoing-email/index.html",
    "maintenance": "incidents/2026-12-01-php-84-upgrade/index.html",
    "backup": "incidents/weekly-full-backup/index.html",
    "component": "components/email/index.html",
    "history": "history/index.html",
    "month": "history/2026-11/index.html",
}
WIDTHS = (360, 1280)
SCHEMES = ("light", "dark")


#: The example's languages, its default first (statuspage.yaml's `languages`).
EXAMPLE_LANGUAGES = ("fi", "en")


def build_site(folder: Path, language: str, now: datetime) -> Path:
    """The example repository built at `now` into folder/site, with `language`'s pages:
    the folder of those pages (site/ for Finnish, site/en/ for English). Another language
    is made the site's default, before English and Finnish (its texts then are English)."""
    folder.mkdir(parents=True)
    text = (ROOT / "statuspage.yaml").read_text(encoding="utf-8")
    config = folder / "statuspage.yaml"
    if language not in EXAMPLE_LANGUAGES:
        order = ", ".join((language, *reversed(EXAMPLE_LANGUAGES)))
        text = text.replace(f"languages: [{', '.join(EXAMPLE_LANGUAGES)}]", f"languages: [{order}]")
    config.write_text(text, encoding="utf-8")
    shutil.copytree(ROOT / "incidents", folder / "incidents")
    build(config, folder / "site", now)
    return folder / "site" / ("en" if language == "en" else "")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--language",
        action="append",
        help="a UI language (repeat it; default: en and ur)",
    )
    parser.add_argument("--output", type=Path, help="where to write (default: a new temp folder)")
    parser.add_argument("--now", default=NOW, help=f"the build's moment (default {NOW})")
    args = parser.parse_args(argv)
    if not Path(CHROMIUM).exists():
        print(f"{CHROMIUM} is missing: apt-get install chromium", file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright

    languages = args.language or ["en", "ur"]
    output: Path = args.output or Path(tempfile.mkdtemp(prefix="statuspage-screenshots-"))
    output.mkdir(parents=True, exist_ok=True)
    now = parse_time(args.now, ZoneInfo("Europe/Helsinki"))  # the example's zone
    written = 0
    with tempfile.TemporaryDirectory() as scratch, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        for language in languages:
            site = build_site(Path(scratch) / language, language, now)
            for scheme in SCHEMES:
                for width in WIDTHS:
                    # The site's own zone, so the pages read as built.
                    context = browser.new_context(
                        viewport={"width": width, "height": 800},
                        color_scheme=scheme,
                        timezone_id="Europe/Helsinki",
                    )
                    page = context.new_page()
                    page.clock.set_fixed_time(now)
                    for name, path in PAGES.items():
                        page.goto((site / path).as_uri())
                        shot = output / f"{language}-{name}-{width}-{scheme}.png"
                        page.screenshot(path=str(shot), full_page=True)
                        written += 1
                    context.close()
        browser.close()
    print(f"Wrote {written} screenshots to {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
