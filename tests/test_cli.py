"""The command line as a user meets it: exit codes, what is printed, the real console script."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from statuspage import cli as cli_module
from statuspage.cli import cli
from tests.conftest import REPO_ROOT, Project

INCIDENT = """\
    type: incident
    title: Email is down
    impact: critical
    components: [email]
    updates:
      - at: 2026-11-23T09:00
        status: investigating
        message: Nobody can send email.
        next_update: 2026-11-23T09:30
"""


def test_check_valid_repository_exits_0(project: Project, runner: CliRunner) -> None:
    result = runner.invoke(cli, ["check", "--now", "2026-11-23T10:00"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "OK: no problems."


def test_check_prints_every_problem_and_exits_1(project: Project, runner: CliRunner) -> None:
    project.write_event("a", "type: incident\ntitel: x\ncomponents: [email]\nupdates: []\n")
    project.write_event(
        "b", "type: backup\ntitle: b\ncomponents: [mail]\nstarts: x\nduration: 1h\n"
    )
    result = runner.invoke(cli, ["check"])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert "incidents/a.yaml:2:1: unknown field 'titel' (did you mean 'title'?)" in lines
    assert "incidents/a.yaml:1:1: missing required field 'title'" in lines
    assert "incidents/a.yaml:4:10: updates: needs at least 1 entry" in lines
    assert (
        "incidents/b.yaml:3:14: components[0]: unknown component 'mail' (did you mean 'email'?)"
        in lines
    )
    assert any(
        line.startswith("incidents/b.yaml:4:9: starts: expected an ISO 8601 time") for line in lines
    )
    assert lines[-1] == "Error: Aborted: 5 errors in 2 files."


def test_check_warnings_pass_unless_strict(project: Project, runner: CliRunner) -> None:
    project.write_event("2026-11-23-email", INCIDENT)
    result = runner.invoke(cli, ["check", "--now", "2026-11-23T10:00"])
    assert result.exit_code == 0
    warning = (
        "incidents/2026-11-23-email.yaml:9:18: warning: the promised next update "
        "(2026-11-23T09:30+02:00) has passed; post an update"
    )
    assert result.output.splitlines() == [warning, "OK: 1 warning in 1 file."]
    strict = runner.invoke(cli, ["check", "--strict", "--now", "2026-11-23T10:00"])
    assert strict.exit_code == 1
    assert strict.output.splitlines()[-1] == "Error: Aborted: 1 warning in 1 file."


def test_check_warns_about_incident_open_over_a_week(project: Project, runner: CliRunner) -> None:
    project.write_event("2026-11-23-email", INCIDENT)
    result = runner.invoke(cli, ["check", "--now", "2026-12-01T10:00"])
    assert (
        "incidents/2026-11-23-email.yaml:7:13: warning: incident open for 8 days; " in result.output
    )


def test_check_missing_config_exits_1(
    tmp_path: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(cli, ["check"])
    assert result.exit_code == 1
    assert result.output.splitlines()[0] == "statuspage.yaml:1:1: file not found"


def test_status_shows_banner_components_and_incident(project: Project, runner: CliRunner) -> None:
    project.write_event("2026-11-23-email", INCIDENT)
    result = runner.invoke(cli, ["status", "--now", "2026-11-23T10:00"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "Example Hosting status: Major Service Outage"
    assert lines[1] == "at 2026-11-23 10:00 EET"
    assert any(line.split() == ["Email", "major", "outage", "(99.95%", "up)"] for line in lines), (
        lines
    )
    assert "  Email is down [2026-11-23-email]" in lines
    # 09:30 has passed at 10:00: the promise is overdue, not still to come (issue 12).
    assert "    next update overdue: it was promised by 2026-11-23 09:30 EET" in lines
    assert "\x1b[" not in result.output  # no colour when not a terminal


def test_status_reads_now_from_environment(project: Project, runner: CliRunner) -> None:
    project.write_event("2026-11-23-email", INCIDENT)
    before = runner.invoke(cli, ["status", "--json"], env={"STATUSPAGE_NOW": "2026-11-23T08:59"})
    during = runner.invoke(
        cli, ["status", "--json"], env={"STATUSPAGE_NOW": "2026-11-23T09:01+02:00"}
    )
    assert json.loads(before.output)["status"] == {
        "indicator": "none",
        "description": "All Systems Operational",
    }
    assert json.loads(during.output)["status"]["indicator"] == "critical"


def test_status_json_names_the_next_clock_change(project: Project, runner: CliRunner) -> None:
    project.write_event(
        "2026-12-01-upgrade",
        """\
        type: maintenance
        title: Upgrade
        components: [vps]
        starts: 2026-12-01T02:00
        duration: 2h
        """,
    )
    result = runner.invoke(cli, ["status", "--json", "--now", "2026-12-01T02:30"])
    data = json.loads(result.output)
    assert data["status"] == {
        "indicator": "maintenance",
        "description": "Service Under Maintenance",
    }
    assert [c["status"] for c in data["components"] if c["id"] == "vps"] == ["under_maintenance"]
    assert data["running_windows"][0]["id"] == "2026-12-01-upgrade"
    assert data["next_change"] == {
        "at": "2026-12-01T04:00:00+02:00",
        "event": "2026-12-01-upgrade",
        "from": "in_progress",
        "to": "completed",
    }


@pytest.mark.parametrize("value", ["yesterday", "2026-13-01T00:00"])
def test_bad_now_is_a_usage_error(project: Project, runner: CliRunner, value: str) -> None:
    result = runner.invoke(cli, ["status", "--now", value])
    assert result.exit_code == 2
    assert "Invalid value for '--now'" in result.output


def test_now_in_a_dst_gap_is_a_usage_error(project: Project, runner: CliRunner) -> None:
    result = runner.invoke(cli, ["status", "--now", "2026-03-29T03:30"])
    assert result.exit_code == 2
    assert "does not exist in Europe/Helsinki" in result.output


def test_status_on_invalid_sources_exits_1(project: Project, runner: CliRunner) -> None:
    project.write_event("x", "type: incident\n")
    result = runner.invoke(cli, ["status"])
    assert result.exit_code == 1
    assert result.output.splitlines()[-1].startswith("Error: Aborted: 3 errors in 1 file")


def test_unknown_option_is_a_usage_error(project: Project, runner: CliRunner) -> None:
    assert runner.invoke(cli, ["check", "--stirct"]).exit_code == 2


def test_internal_error_prints_one_line_not_a_traceback(
    project: Project, runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(cli_module, "load_state", broken)
    result = runner.invoke(cli, ["status"])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert result.output.strip().startswith("Error: internal error: RuntimeError: boom")


def test_schema_prints_both_kinds(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["schema"])
    assert result.exit_code == 0
    schemas = json.loads(result.output)
    assert set(schemas) == {"statuspage.yaml", "incidents/*.yaml"}
    event = json.loads(runner.invoke(cli, ["schema", "event"]).output)
    assert event["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert runner.invoke(cli, ["schema", "nope"]).exit_code == 2


def _console_script() -> str:
    found = Path(sys.executable).parent / "statuspage"
    return str(found) if found.exists() else (shutil.which("statuspage") or "statuspage")


def test_console_script_checks_and_reports_the_example(tmp_path: Path) -> None:
    """The installed `statuspage` command, in a real process, on a copy of the example."""
    shutil.copy(REPO_ROOT / "statuspage.yaml", tmp_path)
    shutil.copytree(REPO_ROOT / "incidents", tmp_path / "incidents")
    env = {**os.environ, "STATUSPAGE_NOW": "2026-11-23T10:00"}
    checked = subprocess.run(
        [_console_script(), "check"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    status = subprocess.run(
        [_console_script(), "status", "--json"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert status.returncode == 0, status.stderr
    data = json.loads(status.stdout)
    assert data["status"]["description"] == "Partially Degraded Service"
    assert [incident["id"] for incident in data["active_incidents"]] == [
        "2026-11-23-delayed-outgoing-email"
    ]


def test_python_dash_m_reports_broken_file(tmp_path: Path) -> None:
    shutil.copy(REPO_ROOT / "statuspage.yaml", tmp_path)
    (tmp_path / "incidents").mkdir()
    (tmp_path / "incidents" / "bad.yaml").write_text("type: [\n", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "statuspage", "check"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert result.stdout.splitlines()[0].startswith("incidents/bad.yaml:2:1: ")
    assert "Traceback" not in result.stdout + result.stderr
