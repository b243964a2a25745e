"""The documentation's screenshots, from a real build of the example repository.

    .venv/bin/python docs/screenshots.py

Builds the example at the repo root (at benchmarks/screenshots.py's fixed --now: an
email incident is open, a maintenance and two backup windows are ahead), its English
pages (under en/, with the switcher to Finnish) and, with Urdu made its default
language, its Urdu ones; opens the home page in Debian's chromium (file://, no network) and writes
docs/assets/screenshots/{light,dark,mobile,rtl}.png: the first screen of the page,
not the whole page, so that the files stay small. Run it again after a change to the
theme, and commit the PNGs. Urdu needs a font with its letters: Debian's
fonts-noto-core (without it Chromium draws some of them as boxes).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.screenshots import CHROMIUM, FLAGS, NOW, build_site  # noqa: E402
from statuspage.model.times import parse_time  # noqa: E402

OUTPUT = ROOT / "docs" / "assets" / "screenshots"
# name: (language, viewport width, height, colour scheme)
SHOTS = {
    "light": ("en", 1024, 720, "light"),
    "dark": ("en", 1024, 720, "dark"),
    "mobile": ("en", 360, 720, "light"),
    "rtl": ("ur", 1024, 720, "light"),
}


def main() -> int:
    if not Path(CHROMIUM).exists():
        sys.stderr.write(f"{CHROMIUM} is missing: apt-get install chromium\n")
        return 2
    from playwright.sync_api import sync_playwright

    now = parse_time(NOW, ZoneInfo("Europe/Helsinki"))  # the example's zone
    OUTPUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        sites = {lang: build_site(Path(scratch) / lang, lang, now) for lang in ("en", "ur")}
        for name, (language, width, height, scheme) in SHOTS.items():
            context = browser.new_context(
                viewport={"width": width, "height": height},
                color_scheme=scheme,
                timezone_id="Europe/Helsinki",
                device_scale_factor=1,
            )
            page = context.new_page()
            page.clock.set_fixed_time(now)
            page.goto((sites[language] / "index.html").as_uri())
            page.screenshot(path=str(OUTPUT / f"{name}.png"))
            context.close()
        browser.close()
    for name in SHOTS:
        path = OUTPUT / f"{name}.png"
        sys.stdout.write(f"{path.relative_to(ROOT)}: {path.stat().st_size // 1024} KB\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
