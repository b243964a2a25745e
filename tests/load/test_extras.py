"""badge.svg, sitemap.xml and robots.txt, parsed as XML and text."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime
from pathlib import Path

import pytest

from statuspage.build import build
from tests.conftest import HELSINKI, build_example, copy_example

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=HELSINKI)
SVG = "{http://www.w3.org/2000/svg}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


@pytest.fixture
def site(tmp_path: Path) -> Path:
    return build_example(tmp_path, NOW) / "site"


def test_badge_says_the_status_in_words_and_colour(site: Path) -> None:
    root = ET.fromstring((site / "badge.svg").read_bytes())
    assert root.tag == f"{SVG}svg"
    assert root.get("aria-label") == "status: Partially Degraded Service"
    texts = [node.text for node in root.iter(f"{SVG}text")]
    assert texts == ["status", "Partially Degraded Service"]
    colours = [rect.get("fill") for rect in root.iter(f"{SVG}rect")]
    assert colours == ["#555", "#9a6700"]
    width = int(root.get("width", "0"))
    assert width == sum(int(rect.get("width", "0")) for rect in root.iter(f"{SVG}rect"))


def test_badge_during_maintenance(tmp_path: Path) -> None:
    copy_example(tmp_path)
    # 2026-12-01 02:30: the PHP upgrade runs; without the open email incident, nothing else does.
    (tmp_path / "incidents" / "2026-11-23-delayed-outgoing-email.yaml").unlink()
    build(
        tmp_path / "statuspage.yaml",
        tmp_path / "site",
        datetime(2026, 12, 1, 2, 30, tzinfo=HELSINKI),
    )
    root = ET.fromstring((tmp_path / "site" / "badge.svg").read_bytes())
    assert [node.text for node in root.iter(f"{SVG}text")][1] == "Service Under Maintenance"


def test_sitemap_lists_every_page_with_absolute_urls(site: Path) -> None:
    root = ET.fromstring((site / "sitemap.xml").read_bytes())
    urls = [loc.text for loc in root.iter(f"{SITEMAP}loc")]
    base = "https://status.kettu-hosting.example/"
    pages = sorted(str(p.relative_to(site).parent) for p in site.rglob("index.html"))
    # The embeds are for other sites' frames, not for search engines.
    pages = [page for page in pages if page != "embed" and not page.startswith("embed/")]
    expected = sorted(base + ("" if page == "." else page + "/") for page in pages)
    assert sorted(u or "" for u in urls) == expected
    assert base + "incidents/weekly-full-backup/" in urls


def test_robots_names_the_sitemap(site: Path) -> None:
    lines = (site / "robots.txt").read_text(encoding="utf-8").splitlines()
    assert "Sitemap: https://status.kettu-hosting.example/sitemap.xml" in lines
    assert "User-agent: *" in lines
