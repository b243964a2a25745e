"""The notify: block: validated by `check` with positions, described by the schema (#15)."""

from __future__ import annotations

import json

from click.testing import CliRunner

from statuspage.cli import cli
from tests.conftest import MINIMAL_CONFIG, Project


def test_channel_problems_are_positioned(project: Project) -> None:
    project.write_config(
        MINIMAL_CONFIG
        + """\
notify:
  remind: [72h, soon]
  channels:
    - name: chat
      url: "json://localhost/"
    - name: chat
      url: "json://localhost/"
      webhook: https://example.com/hook
    - name: partners
      url: "json://localhost/"
      secret: x
      components: [emial]
      types: [outage]
    - name: hook
      webhook: ftp://example.com/
      languag: fi
"""
    )
    problems = project.problems()
    text = "\n".join(problems)
    assert "statuspage.yaml:14:17: notify.remind[1]:" in text
    assert "duplicate channel name 'chat'" in text
    assert "either url: (Apprise) or webhook:, not both" in text
    assert "secret: signs webhook: bodies only" in text
    assert "unknown component 'emial' (did you mean 'email'?)" in text
    assert "notify.channels[2].types[0]" in text
    assert "expected an absolute http(s) URL" in text
    assert "languag" in text and "did you mean 'language'" in text


def test_schema_describes_notify(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["schema", "config"])
    schema = json.loads(result.output)
    text = json.dumps(schema)
    assert "NotifyChannel" in text and "Idempotency" not in text
    assert "X-Statuspage-Signature" in text  # the secret's description
    event = json.dumps(json.loads(runner.invoke(cli, ["schema", "event"]).output))
    assert "remind" in event and "notify" in event
