"""Every command has help and is described in the docs; the README is the front door
(sqlite-utils' test_docs, issue #18).

These read the Markdown sources and need no MkDocs: tests/docs/ builds the site and
checks what the built pages hold.
"""

from __future__ import annotations

import re
import tomllib
from itertools import pairwise
from urllib.parse import unquote, urlsplit

import pytest
import yaml
from click.testing import CliRunner

from statuspage.cli import cli
from tests.conftest import REPO_ROOT

README = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
DOCS = REPO_ROOT / "docs"
COMMANDS = sorted(cli.commands)
COMMANDS_PAGE = (DOCS / "reference" / "commands.md").read_text(encoding="utf-8")
#: A Markdown link or image: its target.
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")


def _prose(markdown: str) -> str:
    """Markdown without its fenced code and inline code, where links are only examples."""
    markdown = re.sub(r"^(```|~~~).*?^\1", "", markdown, flags=re.M | re.S)
    return re.sub(r"(`+).+?\1", "", markdown, flags=re.S)


def _section(markdown: str, title: str) -> str:
    """The text under the `## title` heading, up to the next heading of level 2."""
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", markdown, flags=re.M | re.S)
    assert match, f"no section '## {title}'"
    return match.group(1)


@pytest.mark.parametrize("name", COMMANDS)
def test_command_has_help(name: str) -> None:
    """Each command says what it does: its docstring's first line heads its --help."""
    command = cli.commands[name]
    first = (command.help or "").strip().splitlines()[0] if command.help else ""
    assert first, f"`statuspage {name}` has no docstring"
    result = CliRunner().invoke(cli, [name, "--help"])
    assert result.exit_code == 0
    assert " ".join(first.split()) in " ".join(result.output.split())


@pytest.mark.parametrize("name", COMMANDS)
def test_command_is_described_in_the_docs(name: str) -> None:
    """reference/commands.md says what each command does, in words, beside the options
    that mkdocs-click generates from its --help (tests/docs/ checks those)."""
    described = _section(COMMANDS_PAGE, "What each command does")
    match = re.search(rf"^### {name}\n(.*?)(?=^#|\Z)", described, flags=re.M | re.S)
    assert match, f"reference/commands.md has no '### {name}'"
    assert re.search(rf"`statuspage {name}\b", match.group(1)), (
        f"reference/commands.md's '### {name}' does not show `statuspage {name}`"
    )


def test_readme_has_the_two_setup_commands() -> None:
    blocks = re.findall(r"```sh\n(.*?)\n```", README, flags=re.S)
    assert len(blocks) == 2, "the front door has the two set-up commands, no more"
    assert any(
        "pip install -e ." in block and "statuspage check" in block and "statuspage build" in block
        for block in blocks
    )
    ci = (REPO_ROOT / ".ci" / "run").read_text(encoding="utf-8")
    test_command = next(block for block in blocks if re.search(r"\[test[\],]", block))
    assert "docs" in test_command, "the test command installs the docs extra (tests/docs/)"
    assert test_command in ci, "the README's test command is what .ci/run runs"
    getting_started = (DOCS / "getting-started.md").read_text(encoding="utf-8")
    for block in blocks:
        assert block in getting_started, "getting-started.md gives the same two commands"


def test_the_readme_is_a_front_door() -> None:
    """What the tool is, one screenshot, the two commands and links into docs/: short,
    with the manual itself in docs/."""
    lines = README.splitlines()
    assert len(lines) <= 150, f"the README has {len(lines)} lines: the manual goes in docs/"
    headings = re.findall(r"^## (.+)$", README, flags=re.M)
    assert headings == [
        "What it does better",
        "Set-up on a fresh machine",
        "Documentation",
        "Dependencies",
    ]
    images = re.findall(r"!\[[^\]]+\]\(([^)\s]+)\)", README)
    assert images == ["docs/assets/screenshots/light.png"]
    linked = set(LINK.findall(_prose(README)))
    for page in ("getting-started.md", "reference/commands.md", "reference/configuration.md"):
        assert f"docs/{page}" in linked, f"the README does not link docs/{page}"


def test_the_readmes_links_stay_in_the_repository() -> None:
    """Every link of the README names a file of the repository; none leaves it."""
    links = LINK.findall(_prose(README))
    assert any(link.startswith("docs/") for link in links)
    for link in links:
        parts = urlsplit(link)
        assert not parts.scheme and not parts.netloc, f"the README links outside: {link}"
        if parts.path:
            assert (REPO_ROOT / unquote(parts.path)).is_file(), f"README links to {link}"
    assert "shared/" not in README and "SPEC.md" not in README


def test_no_docs_page_links_outside_the_repository() -> None:
    """Nothing in docs/ points to another site (their examples are code, not links)."""
    for source in sorted(DOCS.rglob("*.md")):
        text = _prose(source.read_text(encoding="utf-8"))
        outside = [link for link in LINK.findall(text) if urlsplit(link).scheme]
        outside += re.findall(r"<(https?://[^>\s]+)>", text)
        assert not outside, f"{source.relative_to(REPO_ROOT)} links outside: {outside}"


def _dependency_names(specs: list[str]) -> list[str]:
    return [re.split(r"[\s<>=!~;\[]", spec, maxsplit=1)[0].lower() for spec in specs]


def test_the_readme_names_every_dependency_and_why() -> None:
    """The repository's standard: the README names each dependency, with what it is for."""
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    names = _dependency_names(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        names += _dependency_names(extra)
    section = _section(README, "Dependencies").lower()
    missing = sorted(
        {name for name in names if not re.search(rf"(?<![\w-]){name}(?![\w-])", section)}
    )
    assert not missing, f"README's Dependencies does not name {missing}"
    runtime = section.split("**tests**")[0]
    for name in _dependency_names(project["dependencies"]):
        line = next(line for line in runtime.splitlines() if f"**{name}**" in line)
        assert len(line.split(":", 1)[-1].split()) >= 2, f"README does not say why {name}"


def _nav_pages(entries: object) -> list[str]:
    if isinstance(entries, str):
        return [entries]
    if isinstance(entries, list):
        return [page for entry in entries for page in _nav_pages(entry)]
    if isinstance(entries, dict):
        return [page for value in entries.values() for page in _nav_pages(value)]
    return []


def test_every_docs_page_is_in_the_nav() -> None:
    """A newcomer finds every page from the navigation; the nav names no missing page."""
    config = yaml.safe_load((REPO_ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    nav = _nav_pages(config["nav"])
    assert len(nav) == len(set(nav)), "a page is twice in the nav"
    pages = {
        path.relative_to(DOCS).as_posix()
        for path in DOCS.rglob("*.md")
        if not path.relative_to(DOCS).as_posix().startswith("hooks/")
    }
    assert not sorted(pages - set(nav)), (
        f"pages not in mkdocs.yml's nav: {sorted(pages - set(nav))}"
    )
    assert not sorted(set(nav) - pages), f"nav entries without a page: {sorted(set(nav) - pages)}"


def test_docs_headings_are_in_order() -> None:
    """Each page has one title, and no heading skips a level (a section moved in from the
    README sits at its page's level)."""
    for source in sorted(DOCS.rglob("*.md")):
        text = re.sub(
            r"^(```|~~~).*?^\1", "", source.read_text(encoding="utf-8"), flags=re.M | re.S
        )
        levels = [len(hashes) for hashes in re.findall(r"^(#{1,6}) ", text, flags=re.M)]
        where = source.relative_to(REPO_ROOT)
        assert levels[:1] == [1] and levels.count(1) == 1, f"{where}: one '# title' first"
        for before, after in pairwise(levels):
            assert after <= before + 1, f"{where}: a heading of level {after} after {before}"


def test_moved_sections_are_written_in_their_pages() -> None:
    """The docs no longer wait for README sections: only the Dependencies, which the
    README keeps, are included from it (docs/hooks/reference.py)."""
    markers = {
        source.relative_to(DOCS).as_posix(): re.findall(
            r"<!-- readme-section: (.+?) -->", source.read_text(encoding="utf-8")
        )
        for source in DOCS.rglob("*.md")
    }
    assert {page: titles for page, titles in markers.items() if titles} == {
        "project/speed.md": ["Dependencies"]
    }
    assert "\n## Dependencies\n" in README
