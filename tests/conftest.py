"""Shared helpers: write a small status repository in tmp_path and look at it."""

from __future__ import annotations

import functools
import shutil
import tempfile
import textwrap
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml
from click.testing import CliRunner

from statuspage.authoring.edit import value_end, yaml_scalar
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


def copy_example(directory: Path, language: str | None = "en") -> Path:
    """Copy the example status repository into `directory`; return its statuspage.yaml.

    The example is in Finnish and English (`languages: [fi, en]`); most tests want a site
    of one language, and get it in English with its UI in `language`: each text written
    in both languages is its English one (english_text). With `language=None` the
    example is copied as it is.
    """
    directory.mkdir(parents=True, exist_ok=True)
    config = directory / "statuspage.yaml"
    shutil.copytree(REPO_ROOT / "incidents", directory / "incidents")
    text = (REPO_ROOT / "statuspage.yaml").read_text(encoding="utf-8")
    if language is None:
        config.write_text(text, encoding="utf-8")
        return config
    text = text.replace("languages: [fi, en]", f"language: {language}")
    config.write_text(english_text(text), encoding="utf-8")
    for path in (directory / "incidents").glob("*.yaml"):
        path.write_text(english_text(path.read_text(encoding="utf-8")), encoding="utf-8")
    return config


@functools.cache
def english_example() -> Path:
    """The example as copy_example gives it (in English alone), once per process: its
    statuspage.yaml, for tests that only read it."""
    return copy_example(Path(tempfile.mkdtemp(prefix="statuspage-example-")) / "example")


def english_text(text: str) -> str:
    """A YAML file of the example with each text given in Finnish and English written as
    its English text alone, everything else as it is (comments, layout)."""
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    found: list[tuple[yaml.Node, yaml.Node]] = []

    def walk(node: yaml.Node) -> None:
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                keys = (
                    {k.value for k, _ in getattr(value, "value", ())}
                    if isinstance(value, yaml.MappingNode)
                    else set()
                )
                if keys and keys <= {"fi", "en"} and "en" in keys:
                    found.append((key, value))
                else:
                    walk(value)
        elif isinstance(node, yaml.SequenceNode):
            for item in node.value:
                walk(item)

    if root is not None:
        walk(root)
    for key, value in sorted(found, key=lambda pair: -pair[0].start_mark.index):
        english = next(item.value for k, item in value.value if k.value == "en")
        written = yaml_scalar(english, " " * (key.start_mark.column + 2))
        end = value_end(value)
        ending = "\n" if text[:end].endswith("\n") else ""
        colon = text.index(":", key.end_mark.index) + 1
        text = text[:colon] + " " + written + ending + text[end:]
    return text


def build_example(
    directory: Path, now: datetime = EXAMPLE_NOW, language: str | None = "en"
) -> Path:
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
