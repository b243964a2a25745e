"""`--now` lies between the years 1970 and 2200: outside them it is a usage error (exit 2)
with a plain message, never an internal error (issue 24)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from statuspage.cli import cli
from tests.conftest import Project

INCIDENT = """\
    type: incident
    title: Email is down
    components: [email]
    updates:
      - at: 2026-11-23T09:00
        status: investigating
        message: Nobody can send email.
"""
COMMANDS = [["check"], ["build"], ["status"], ["status", "--json"], ["serve", "--port", "0"]]


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
@pytest.mark.parametrize(
    "value", ["9999-12-31T23:59", "1969-12-31T23:59", "0001-01-01T00:00", "2201-01-01T00:00+02:00"]
)
def test_a_now_outside_1970_to_2200_is_a_usage_error(
    project: Project, runner: CliRunner, command: list[str], value: str
) -> None:
    project.write_event("2026-11-23-email", INCIDENT)
    result = runner.invoke(cli, [*command, "--now", value])
    assert result.exit_code == 2
    last = result.output.splitlines()[-1]
    assert last == (
        f"Error: Invalid value for '--now': '{value}' is not between the years 1970 and 2200"
    )
    assert not (project.root / "site").exists()


@pytest.mark.parametrize("command", COMMANDS[:3], ids=" ".join)
def test_a_now_from_the_environment_is_held_to_the_same_range(
    project: Project, runner: CliRunner, monkeypatch: pytest.MonkeyPatch, command: list[str]
) -> None:
    monkeypatch.setenv("STATUSPAGE_NOW", "9999-12-31T23:59")
    result = runner.invoke(cli, command)
    assert result.exit_code == 2
    assert "'9999-12-31T23:59' is not between the years 1970 and 2200" in result.output


@pytest.mark.parametrize(
    "value", ["1970-01-01T00:00", "1970-01-01T00:00+14:00", "2200-12-31T23:59-12:00"]
)
def test_the_first_and_last_moments_of_the_range_work(
    project: Project, runner: CliRunner, value: str, tmp_path: Path
) -> None:
    project.write_event("2026-11-23-email", INCIDENT)
    for command in [["check"], ["status", "--json"], ["build", "--output", str(tmp_path / "o")]]:
        result = runner.invoke(cli, [*command, "--now", value])
        assert result.exit_code == 0, (command, result.output)
        assert "internal error" not in result.output
