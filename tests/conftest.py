"""Shared helpers: write a small status repository in tmp_path and look at it."""

from __future__ import annotations

import shutil
import textwrap
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from statuspage.build import build
from statuspage.check import check
from statuspage.load.sources import load_sources
from statuspage.model.validate import require_valid, validate_sources
from statuspage.state import SiteState, compute_state

HELSINKI = ZoneInfo("Europe/Helsinki")
#: Every test pins `now`; this is the default moment (a Monday).
FIXED_NOW = datetime(2026, 11, 23, 10, 0, tzinfo=HELSINKI)
REPO_ROOT = Path(__file__).resolve().parent.parent

MINIMAL_CONFIG = """\
title: Example Hosting status
base_url: https://status.example.com/
timezone: Europe/Helsinki
components:
  - id: shared-hosting
    name: Shared web hosting
    group: Hosting
  - id: vps
    name: Virtual private servers
    group: Hosting
  - id: email
    name: Email
"""


#: The moment the example repository is usually looked at (an email incident is open).
EXAMPLE_NOW = datetime(2026, 11, 23, 10, 0, tzinfo=HELSINKI)


def copy_example(directory: Path, language: str = "en") -> Path:
    """Copy the example status repository into `directory`; return its statuspage.yaml."""
    directory.mkdir(parents=True, exist_ok=True)
    config = directory / "statuspage.yaml"
    text = (REPO_ROOT / "statuspage.yaml").read_text(encoding="utf-8")
    config.write_text(text.replace("language: en", f"language: {language}"), encoding="utf-8")
    shutil.copytree(REPO_ROOT / "incidents", directory / "incidents")
    return config


def build_example(directory: Path, now: datetime = EXAMPLE_NOW, language: str = "en") -> Path:
    """Copy the example repository into `directory` and build it at `now` into site/."""
    config = copy_example(directory, language)
    build(config, directory / "site", now)
    return directory


class Project:
    """A status repository under construction in a temporary directory (the cwd)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.config_path = root / "statuspage.yaml"
        self.write_config(MINIMAL_CONFIG)
        (root / "incidents").mkdir()

    def write_config(self, text: str) -> Path:
        self.config_path.write_text(textwrap.dedent(text), encoding="utf-8")
        return self.config_path

    def write_event(self, event_id: str, text: str) -> Path:
        path = self.root / "incidents" / f"{event_id}.yaml"
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    def problems(self, now: datetime = FIXED_NOW) -> list[str]:
        """Every problem `statuspage check` reports, as the lines it prints."""
        return [str(problem) for problem in check(self.config_path, now)]

    def state(self, now: datetime = FIXED_NOW) -> SiteState:
        site, events = require_valid(validate_sources(load_sources(self.config_path)))
        return compute_state(site, events, now)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Project]:
    """A minimal valid repository in tmp_path, which is also the working directory."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("STATUSPAGE_NOW", raising=False)
    yield Project(tmp_path)


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()
