"""The documentation builds (`mkdocs build --strict`), its links resolve, and it lists every
command, option and schema field (issue #18).

One build into tmp_path, shared by the module's tests; then the built HTML is read with
html.parser: every internal href and src must name a file of the build (and an anchor
of that page, when it has one), and the reference pages must hold every command of the
Click group, every option of each, and every field of both JSON Schemas.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit
from zoneinfo import ZoneInfo

import click
import pytest

from statuspage.build import build
from statuspage.cli import cli
from statuspage.model.schema import SCHEMAS
from statuspage.model.times import parse_time
from tests.conftest import REPO_ROOT

DOCS = REPO_ROOT / "docs"


class _Page(HTMLParser):
    """The links, ids and text of one HTML page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.ids: set[str] = set()
        self.codes: list[str] = []
        self.text: list[str] = []
        self._code_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        self.links += [values[name] or "" for name in ("href", "src") if values.get(name)]
        if values.get("id"):
            self.ids.add(values["id"] or "")
        if values.get("name") and tag == "a":
            self.ids.add(values["name"] or "")
        if tag == "code":
            self._code_depth += 1
            self.codes.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "code" and self._code_depth:
            self._code_depth -= 1

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._code_depth:
            self.codes[-1] += data


def _parse(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if shutil.which("mkdocs", path=str(Path(sys.executable).parent)) is None:
        if os.environ.get("CI"):
            pytest.fail("mkdocs is not installed: .ci/run installs the docs extra")
        pytest.skip("mkdocs is not installed (pip install -e '.[docs]')")
    out = tmp_path_factory.mktemp("docs") / "site"
    mkdocs = Path(sys.executable).parent / "mkdocs"
    result = subprocess.run(
        [str(mkdocs), "build", "--strict", "--site-dir", str(out)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    assert result.returncode == 0, f"mkdocs build --strict failed:\n{result.stderr}"
    return out


def test_every_internal_link_resolves(built: Path) -> None:
    pages = {path: _parse(path) for path in built.rglob("*.html")}
    assert len(pages) > 10
    broken: list[str] = []
    for path, page in pages.items():
        for link in page.links:
            parts = urlsplit(link)
            if parts.scheme or parts.netloc or link.startswith(("mailto:", "javascript:")):
                continue
            if not parts.path:
                target = path
            elif parts.path.startswith("/"):  # 404.html's, served at any depth: from the root
                target = (built / unquote(parts.path).lstrip("/")).resolve()
            else:
                target = (path.parent / unquote(parts.path)).resolve()
            if target.is_dir():
                target = target / "index.html"
            if not target.is_file():
                broken.append(f"{path.relative_to(built)}: {link}")
                continue
            if parts.fragment and target.suffix == ".html":
                ids = pages[target].ids if target in pages else _parse(target).ids
                if unquote(parts.fragment) not in ids:
                    broken.append(f"{path.relative_to(built)}: {link} (no such anchor)")
    assert not broken, "links that lead nowhere:\n" + "\n".join(broken)


def test_no_page_points_outside_the_repository_docs(built: Path) -> None:
    """Nothing links to the project's private specification, nor out of docs/ by path,
    and no built page links or loads anything from another site (the theme's own
    "Made with" link is turned off in mkdocs.yml)."""
    for source in DOCS.rglob("*.md"):
        text = source.read_text(encoding="utf-8")
        assert "shared/" not in text and "SPEC.md" not in text, source
    outside = [
        f"{path.relative_to(built)}: {link}"
        for path in sorted(built.rglob("*.html"))
        for link in _parse(path).links
        if urlsplit(link).scheme in ("http", "https") or link.startswith("//")
    ]
    assert not outside, "links out of the repository:\n" + "\n".join(outside)


def _commands(group: click.Group, prefix: str) -> list[tuple[str, click.Command]]:
    found: list[tuple[str, click.Command]] = []
    for name, command in sorted(group.commands.items()):
        if command.hidden:
            continue
        found.append((f"{prefix} {name}", command))
        if isinstance(command, click.Group):
            found += _commands(command, f"{prefix} {name}")
    return found


COMMANDS = _commands(cli, "statuspage")


@pytest.mark.parametrize(("name", "command"), COMMANDS, ids=[name for name, _ in COMMANDS])
def test_every_command_and_option_is_in_the_reference(
    built: Path, name: str, command: click.Command
) -> None:
    page = _parse(built / "reference" / "commands" / "index.html")
    text = " ".join("".join(page.text).split())
    assert name in text, f"`{name}` is not in reference/commands"
    assert "Sentinel" not in text, "a default shown as Click's internal marker"
    codes = " ".join(page.codes)
    for parameter in command.params:
        if isinstance(parameter, click.Option) and not parameter.hidden:
            for flag in parameter.opts:
                assert flag in codes, f"`{name} {flag}` is not in reference/commands"


def _fields(schema: Any, where: str = "") -> list[str]:
    """Every property name of a schema, with the path it was found at."""
    found: list[str] = []
    if isinstance(schema, dict):
        for name, value in schema.get("properties", {}).items():
            found.append(name)
            found += _fields(value)
        for key, value in schema.items():
            if key != "properties":
                found += _fields(value)
    elif isinstance(schema, list):
        for value in schema:
            found += _fields(value)
    return found


@pytest.mark.parametrize(("kind", "page"), [("config", "configuration"), ("event", "events")])
def test_every_schema_field_is_in_the_reference(built: Path, kind: str, page: str) -> None:
    schema = SCHEMAS[kind]()
    fields = set(_fields(schema))
    assert {"title", "components"} <= fields
    codes = set(_parse(built / "reference" / page / "index.html").codes)
    missing = sorted(fields - codes)
    assert not missing, f"fields of `statuspage schema {kind}` not in reference/{page}: {missing}"
    for name in schema.get("$defs", {}):  # every object has its own table
        assert f'id="{name.lower()}"' in (built / "reference" / page / "index.html").read_text(
            encoding="utf-8"
        )


def test_the_screenshots_are_committed_and_small() -> None:
    for name in ("light", "dark", "mobile", "rtl"):
        path = DOCS / "assets" / "screenshots" / f"{name}.png"
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", path
        assert path.stat().st_size < 250_000, f"{path} is over 250 KB"


def test_the_readmes_links_land_on_built_pages(built: Path) -> None:
    """The README is the front door: each of its links into docs/ is a page of the built
    site, and a link to a section lands on a heading of that page."""
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    links = re.findall(r"(?<![!`])\[[^\]]+\]\((docs/[^)\s]+\.md(?:#[^)\s]*)?)\)", readme)
    assert len(links) > 10
    for link in links:
        parts = urlsplit(link)
        page = unquote(parts.path).removeprefix("docs/").removesuffix(".md")
        page = page.removesuffix("index")
        target = built / page / "index.html"
        assert target.is_file(), f"README links to {link}, which the docs do not build"
        if parts.fragment:
            assert unquote(parts.fragment) in _parse(target).ids, f"README: {link} (no anchor)"


def _shapes(site: Path) -> set[str]:
    """The paths a build wrote, with ids, months and an extra file's name generalised."""
    shapes = set()
    for path in site.rglob("*"):
        if path.is_file():
            shape = path.relative_to(site).as_posix()
            # A language's pages after the first (en/...) are the default's again (LANG/).
            shape = re.sub(r"^en/", "", shape)
            shape = re.sub(
                r"^(incidents|components|servers|embed/servers)/[^/]+/", r"\1/ID/", shape
            )
            shapes.add(re.sub(r"^history/\d{4}-\d{2}/", "history/YYYY-MM/", shape))
    return shapes


def test_every_file_a_build_writes_is_in_the_reference(tmp_path: Path) -> None:
    """reference/site.md names each kind of file that a build of the example writes."""
    config = tmp_path / "statuspage.yaml"
    shutil.copy(REPO_ROOT / "statuspage.yaml", config)
    shutil.copytree(REPO_ROOT / "incidents", tmp_path / "incidents")
    site = tmp_path / "site"
    build(config, site, parse_time("2026-11-23T10:00+02:00", ZoneInfo("Europe/Helsinki")))
    reference = (DOCS / "reference" / "site.md").read_text(encoding="utf-8")
    shapes = _shapes(site)
    assert "index.html" in shapes and "api/v2/summary.json" in shapes
    assert (site / "en" / "feed.atom").is_file() and "`LANG/`" in reference
    missing = sorted(shape for shape in shapes if f"`{shape}`" not in reference)
    assert not missing, f"reference/site.md does not say what these are: {missing}"


def test_the_first_incident_in_five_minutes_works_as_written(tmp_path: Path) -> None:
    """getting-started.md's commands, run in order (all but serve, pip and git), ten
    minutes apart, do what the page says they do."""
    page = (DOCS / "getting-started.md").read_text(encoding="utf-8")
    tutorial = page.split("## A first incident in five minutes", 1)[1]
    commands = [
        line
        for block in re.findall(r"```sh\n(.*?)\n```", tutorial, flags=re.S)
        for line in block.splitlines()
        if line.startswith("statuspage ") and not line.startswith("statuspage serve")
    ]
    assert [command.split()[1] for command in commands] == [
        "init",
        "new",
        "update",
        "check",
        "update",
    ]
    path = str(Path(sys.executable).parent) + os.pathsep + os.environ["PATH"]  # our statuspage
    env = {**os.environ, "STATUSPAGE_NO_CACHE": "1", "PATH": path}
    cwd = tmp_path
    outputs = []
    for minute, command in enumerate(commands):
        command = command.replace(" && git init", "")
        env["STATUSPAGE_NOW"] = f"2026-12-03T10:{minute * 10:02d}+02:00"
        result = subprocess.run(
            command, shell=True, cwd=cwd, env=env, capture_output=True, text=True, timeout=120
        )
        assert result.returncode == 0, f"{command}:\n{result.stdout}{result.stderr}"
        outputs.append(result.stdout)
        if command.startswith("statuspage init status"):
            cwd = tmp_path / "status"  # the page's `cd status`
    written = "incidents/2026-12-03-email-delays.yaml"
    assert written in page and written in outputs[1]
    text = (cwd / written).read_text(encoding="utf-8")
    for status in ("investigating", "identified", "resolved"):
        assert f"status: {status}" in text
