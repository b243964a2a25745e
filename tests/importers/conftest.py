"""A status repository to import into, and the saved sources under data/."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from statuspage.check import check

DATA = Path(__file__).parent / "data"
STATUSPAGE_DATA = DATA / "statuspage"
CSTATE_DATA = DATA / "cstate"
#: Imports and checks run at this moment (after every event in the fixtures).
NOW = datetime(2026, 12, 10, 12, 0, tzinfo=UTC)

#: A user's statuspage.yaml: its comments and entries must survive every import.
CONFIG = """\
# Our status page; the team edits this by hand.
title: Example Cloud status
base_url: https://status.example.com/
timezone: Europe/Helsinki
components:
  - id: web            # the marketing site
    name: Website
  # - id: legacy       (retired in 2025)

contact:
  email: support@example.com
"""


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An existing status repository (the cwd): its statuspage.yaml and an empty incidents/."""
    monkeypatch.chdir(tmp_path)
    config = tmp_path / "statuspage.yaml"
    config.write_text(CONFIG, encoding="utf-8")
    (tmp_path / "incidents").mkdir()
    return config


def errors(config: Path) -> list[str]:
    """What the real `statuspage check` reports as errors."""
    return [str(p) for p in check(config, NOW) if p.is_error]


def event_files(config: Path) -> dict[str, str]:
    """incidents/*.yaml by name, with their text."""
    return {
        path.name: path.read_text(encoding="utf-8")
        for path in sorted((config.parent / "incidents").glob("*.yaml"))
    }


def soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html5lib")


def words(node: object) -> str:
    assert node is not None
    return " ".join(node.get_text(" ").split())  # type: ignore[attr-defined]
