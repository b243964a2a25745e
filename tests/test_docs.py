"""Every command has help and is documented in the README (sqlite-utils' test_docs)."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from statuspage.cli import cli
from tests.conftest import REPO_ROOT

README = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
COMMANDS = sorted(cli.commands)


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
def test_command_is_in_readme(name: str) -> None:
    assert re.search(rf"`statuspage {name}\b", README), (
        f"README does not document `statuspage {name}`"
    )


def test_readme_has_the_two_setup_commands() -> None:
    blocks = re.findall(r"```sh\n(.*?)\n```", README, flags=re.S)
    assert any(
        "pip install -e ." in block and "statuspage check" in block and "statuspage build" in block
        for block in blocks
    )
    ci = (REPO_ROOT / ".ci" / "run").read_text(encoding="utf-8")
    test_command = next(block for block in blocks if re.search(r"\[test[\],]", block))
    assert "docs" in test_command, "the test command installs the docs extra (tests/docs/)"
    assert test_command in ci, "the README's test command is what .ci/run runs"
