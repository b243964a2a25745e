"""`statuspage import` as a user types it: Click's runner, and once the real console script."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner
from pytest_httpserver import HTTPServer

from statuspage.cli import cli
from tests.importers.conftest import CSTATE_DATA, STATUSPAGE_DATA, errors, event_files
from tests.importers.test_statuspage import rest_incident, serve_rest


def test_import_statuspage_prints_the_summary(repo: Path) -> None:
    result = CliRunner().invoke(cli, ["import", "statuspage", str(STATUSPAGE_DATA)])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == (
        "Imported 3 incidents, 2 maintenances, 4 components; 0 already present; 1 skipped."
    )
    assert "skipped incident e1m2p3t4y5zz:" in result.output
    again = CliRunner().invoke(cli, ["import", "statuspage", str(STATUSPAGE_DATA)])
    assert "5 already present" in again.output


def test_import_cstate_with_config_and_force(repo: Path) -> None:
    args = ["import", "cstate", str(CSTATE_DATA), "--config", str(repo)]
    assert CliRunner().invoke(cli, args).exit_code == 0
    first = event_files(repo)
    result = CliRunner().invoke(cli, [*args, "--force"])
    assert result.exit_code == 0, result.output
    assert "3 already present" in result.output
    assert event_files(repo) == first


def test_a_bad_source_is_one_line_and_exit_1(repo: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["import", "statuspage", str(tmp_path / "nowhere")])
    assert result.exit_code == 1
    assert (
        result.output
        == f"Error: {tmp_path / 'nowhere'} is neither an http(s) URL nor a directory\n"
    )
    no_page = CliRunner().invoke(cli, ["import", "statuspage", "--api-key", "k"])
    assert no_page.exit_code == 1
    assert "give both --api-key and --page-id" in no_page.output


def test_an_invalid_repository_is_refused_before_anything_is_written(repo: Path) -> None:
    repo.write_text(repo.read_text(encoding="utf-8").replace("title:", "titel:"), encoding="utf-8")
    before = repo.read_bytes()
    result = CliRunner().invoke(cli, ["import", "cstate", str(CSTATE_DATA)])
    assert result.exit_code == 1
    assert "unknown field 'titel'" in result.output
    assert repo.read_bytes() == before and event_files(repo) == {}


def test_the_console_script_imports_a_cstate_site(repo: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "statuspage", "import", "cstate", str(CSTATE_DATA)],
        capture_output=True,
        text=True,
        cwd=repo.parent,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1].startswith(
        "Imported 2 incidents, 1 maintenance, 4 components"
    )
    assert errors(repo) == []


def test_the_rest_api_from_the_command_line_with_the_key_in_the_environment(
    repo: Path, httpserver: HTTPServer
) -> None:
    api = serve_rest(httpserver, [rest_incident(n) for n in range(3)])
    result = CliRunner(env={"STATUSPAGE_API_KEY": "sekret"}).invoke(
        cli, ["import", "statuspage", "--page-id", "pg1", "--api-url", api]
    )
    assert result.exit_code == 0, result.output
    assert result.output == (
        "Imported 3 incidents, 0 maintenances, 2 components; 0 already present.\n"
    )
    assert "sekret" not in "".join(event_files(repo).values())
