"""The workflow that `init` writes runs `statuspage notify` after each deploy (issue 15)."""

from __future__ import annotations

from pathlib import Path

import yaml
from click.testing import CliRunner

from statuspage.cli import cli


def test_init_workflow_notifies_after_the_deploy(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["init", str(tmp_path / "s"), "--now", "2026-11-23T10:00"])
    assert result.exit_code == 0, result.output
    text = (tmp_path / "s" / ".github" / "workflows" / "statuspage.yml").read_text()
    job = yaml.safe_load(text)["jobs"]["notify"]
    assert job["needs"] == "deploy"
    assert "pull_request" in job["if"]
    assert job["permissions"] == {"contents": "read"}
    assert job["concurrency"] == {"group": "statuspage-notify", "cancel-in-progress": False}
    steps = job["steps"]
    runs = [step.get("run") for step in steps if "run" in step]
    assert runs[-1] == "statuspage notify"
    assert "apprise" in runs[0]
    restore, save = (step for step in steps if "cache" in step.get("uses", ""))
    assert restore["with"]["path"] == save["with"]["path"] == ".statuspage/notified.json"
    assert restore["with"]["restore-keys"] == "statuspage-ledger-"
    assert save["if"] == "always()"  # what got through is kept even when a channel failed
    assert ".statuspage/" in (tmp_path / "s" / ".gitignore").read_text()
    # With no notify: channels (as init writes it) the step does nothing and succeeds.
    config = tmp_path / "s" / "statuspage.yaml"
    done = CliRunner().invoke(cli, ["notify", "--config", str(config), "--now", "2026-11-23T10:00"])
    assert done.exit_code == 0 and "no channels" in done.output
