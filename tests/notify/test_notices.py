"""Which notices each channel gets: types, components, repeating windows, reschedules,
cancellations, per-window settings (issue 15). Webhook receivers only: they are fast."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from click.testing import CliRunner
from pytest_httpserver import HTTPServer

from statuspage.cli import cli
from tests.conftest import MINIMAL_CONFIG, Project
from tests.notify.test_life import MAINTENANCE


class Hooks:
    """Three webhook channels on one HTTP server, and a runner for `notify`."""

    def __init__(self, project: Project, server: HTTPServer, channels: str) -> None:
        self.project = project
        self.server = server
        self.runner = CliRunner()
        for path in ("/all", "/email", "/backups"):
            server.expect_request(path, method="POST").respond_with_data("ok")
        project.write_config(MINIMAL_CONFIG + channels.replace("URL", server.url_for("")))

    def run(self, now: str, *args: str) -> str:
        result = self.runner.invoke(cli, ["notify", "--now", now, "--backoff", "0", *args])
        assert result.exit_code == 0, result.output
        return result.output

    def got(self, path: str, kind: str = "incident") -> list[dict[str, Any]]:
        posts = [json.loads(r.get_data()) for r, _ in self.server.log if r.path == path]
        return [post for post in posts if kind in post]

    def titles(self, path: str) -> list[str]:
        return [
            f"{hook['incident']['notice']['kind']} {hook['incident']['name']}"
            for hook in self.got(path)
        ]


CHANNELS = """\
notify:
  channels:
    - name: all
      webhook: URL/all
    - name: email-team
      webhook: URL/email
      components: [email]
    - name: backups
      webhook: URL/backups
      types: [backup]
"""


@pytest.fixture
def hooks(project: Project, httpserver: HTTPServer) -> Iterator[Hooks]:
    yield Hooks(project, httpserver, CHANNELS)


def test_components_and_types_choose_the_channels(hooks: Hooks) -> None:
    hooks.run("2026-11-25T12:00")
    hooks.project.write_event("2026-12-01-php", MAINTENANCE)
    hooks.project.write_event(
        "2026-11-25-mail",
        """\
        type: incident
        title: Mail delays
        components: [email]
        updates:
          - at: 2026-11-25T12:30
            status: investigating
            message: Mail is slow.
        """,
    )
    hooks.run("2026-11-25T13:00")
    assert sorted(hooks.titles("/all")) == ["announced PHP 8.4 upgrade", "opened Mail delays"]
    assert hooks.titles("/email") == ["opened Mail delays"]
    assert hooks.titles("/backups") == []


BACKUP = """\
type: backup
title: Weekly full backup
components:
  shared-hosting: degraded_performance
starts: 2026-11-29T02:00
duration: 2h
repeat: FREQ=WEEKLY;BYDAY=SU
remind: [1h]
"""


def test_a_repeating_backup_is_announced_once_then_per_occurrence(hooks: Hooks) -> None:
    hooks.run("2026-11-25T12:00")
    hooks.project.write_event("weekly-backup", BACKUP)
    for moment in [
        "2026-11-25T13:00",  # announced, with its rule in words
        "2026-11-29T01:05",  # reminder, 1h before the first
        "2026-11-29T02:05",  # started
        "2026-11-29T04:05",  # completed
        "2026-12-06T01:10",  # the next week's reminder
        "2026-12-06T01:10",
    ]:
        hooks.run(moment)
    assert hooks.titles("/backups") == [
        "announced Weekly full backup",
        "reminder Weekly full backup",
        "started Weekly full backup",
        "completed Weekly full backup",
        "reminder Weekly full backup",
    ]
    assert hooks.got("/all") == []  # backup is opt-in
    first, second = hooks.got("/backups")[1], hooks.got("/backups")[4]
    assert first["incident"]["scheduled_for"] == "2026-11-29T00:00:00.000Z"
    assert second["incident"]["scheduled_for"] == "2026-12-06T00:00:00.000Z"


def test_rule_in_words_in_the_announcement(hooks: Hooks) -> None:
    hooks.run("2026-11-25T12:00")
    hooks.project.write_event("weekly-backup", BACKUP)
    output = hooks.run("2026-11-25T13:00", "--dry-run")
    assert "Every week on Sunday" in output


def test_a_rescheduled_window_says_so_and_reminds_from_its_new_start(hooks: Hooks) -> None:
    hooks.run("2026-11-25T12:00")
    hooks.project.write_event("2026-12-01-php", MAINTENANCE)
    hooks.run("2026-11-25T13:00")
    moved = MAINTENANCE.replace("2026-12-01T02:00", "2026-12-03T02:00").replace(
        "2026-12-01T04:00", "2026-12-03T04:00"
    )
    hooks.project.write_event("2026-12-01-php", moved)
    hooks.run("2026-11-26T09:00")
    hooks.run("2026-11-28T02:30")  # 72h before the old start: nothing
    hooks.run("2026-11-30T02:30")  # 72h before the new one
    hooks.run("2026-11-30T02:40")
    assert hooks.titles("/all") == [
        "announced PHP 8.4 upgrade",
        "rescheduled PHP 8.4 upgrade",
        "reminder PHP 8.4 upgrade",
    ]
    rescheduled = hooks.got("/all")[1]["incident"]
    assert rescheduled["scheduled_for"] == "2026-12-03T00:00:00.000Z"
    assert hooks.got("/all")[2]["incident"]["scheduled_for"] == "2026-12-03T00:00:00.000Z"


def test_a_cancelled_window_is_told_once_and_reminds_no_more(hooks: Hooks) -> None:
    hooks.run("2026-11-25T12:00")
    hooks.project.write_event("2026-12-01-php", MAINTENANCE)
    hooks.run("2026-11-25T13:00")
    hooks.project.write_event(
        "2026-12-01-php",
        MAINTENANCE
        + """\
updates:
  - at: 2026-11-27T10:00
    status: cancelled
    message: Postponed to next year.
""",
    )
    for moment in ["2026-11-27T10:05", "2026-11-30T02:00", "2026-12-01T02:05", "2026-12-01T04:05"]:
        hooks.run(moment)
    assert hooks.titles("/all") == ["announced PHP 8.4 upgrade", "cancelled PHP 8.4 upgrade"]
    assert hooks.got("/all")[1]["incident"]["incident_updates"][0]["body"] == (
        "Postponed to next year."
    )


def test_notify_false_and_a_window_of_its_own_reminders(hooks: Hooks) -> None:
    hooks.run("2026-11-25T12:00")
    hooks.project.write_event("2026-12-01-php", MAINTENANCE + "notify: false\n")
    hooks.project.write_event(
        "2026-12-02-dns",
        MAINTENANCE.replace("PHP 8.4 upgrade", "DNS move")
        .replace("2026-12-01", "2026-12-02")
        .replace("description: Sites may answer with errors for up to five minutes.\n", "")
        + "remind: [30m]\n",
    )
    for moment in ["2026-11-25T13:00", "2026-11-29T02:05", "2026-12-02T01:35"]:
        hooks.run(moment)
    assert hooks.titles("/all") == ["announced DNS move", "reminder DNS move"]


def test_a_repeating_window_added_late_sends_no_history(hooks: Hooks) -> None:
    hooks.run("2026-11-25T12:00")
    old = BACKUP.replace("2026-11-29T02:00", "2026-01-04T02:00")
    hooks.project.write_event("weekly-backup", old)
    output = hooks.run("2026-11-25T13:00")
    assert hooks.titles("/backups") == ["announced Weekly full backup"]
    assert output.count("\n") < 10  # history beyond a week is not even listed


def test_a_window_added_late_is_announced_and_a_late_reminder_says_what_is_left(
    hooks: Hooks,
) -> None:
    hooks.run("2026-11-25T12:00")
    hooks.project.write_event("2026-12-01-php", MAINTENANCE)
    hooks.run("2026-11-30T00:00")  # 26h ahead: the 72h reminder is history, no 24h one yet
    preview = hooks.run("2026-11-30T05:00", "--dry-run")  # the 24h reminder, 3 hours late
    assert "Reminder: PHP 8.4 upgrade starts in 21\xa0hr" in preview
    hooks.run("2026-11-30T05:00")
    assert hooks.titles("/all") == ["announced PHP 8.4 upgrade", "reminder PHP 8.4 upgrade"]
    assert "nothing to send" in hooks.run("2026-11-30T05:00", "--dry-run")
    hooks.project.write_event("2026-12-02-dns", MAINTENANCE.replace("2026-12-01", "2026-12-02"))
    output = hooks.run("2026-12-01T03:00")  # 23h ahead: the announcement, not also "in 1 day"
    assert "skipped 2026-12-02-dns/reminder/1d/" in output
    sent = [line for line in output.splitlines() if "sent 2026-12-02-dns" in line]
    assert len(sent) == 1 and "/announced/" in sent[0]


def test_a_channel_added_later_starts_from_the_present(hooks: Hooks) -> None:
    hooks.run("2026-11-20T09:00")
    hooks.project.write_event(
        "2026-11-20-db",
        """\
        type: incident
        title: Slow databases
        components: [shared-hosting]
        updates:
          - at: 2026-11-20T10:02
            status: resolved
            message: Fixed.
        postmortem: The disk was old.
        """,
    )
    hooks.project.write_event("2026-12-01-php", MAINTENANCE)
    hooks.run("2026-11-20T10:05")
    assert sorted(hooks.titles("/all")) == [
        "announced PHP 8.4 upgrade",
        "postmortem Slow databases",
        "resolved Slow databases",
    ]
    config = hooks.project.config_path
    config.write_text(
        config.read_text()
        + f"    - name: newcomer\n      webhook: {hooks.server.url_for('/backups')}\n"
    )
    output = hooks.run("2026-11-21T09:00")
    assert "new channel newcomer: recorded the present state as told (3 notices)" in output
    assert hooks.got("/backups") == []
    hooks.project.write_event("2026-12-02-dns", MAINTENANCE.replace("2026-12-01", "2026-12-02"))
    hooks.run("2026-11-21T10:00")
    assert hooks.titles("/backups") == ["announced PHP 8.4 upgrade"]


def test_the_scheduled_update_that_new_writes_is_the_announcement(hooks: Hooks) -> None:
    hooks.run("2026-11-25T12:00")
    hooks.project.write_event(
        "2026-12-01-php",
        MAINTENANCE
        + """\
updates:
  - at: 2026-11-25T12:30
    status: scheduled
    message: We upgrade PHP on all shared servers.
""",
    )
    preview = hooks.run("2026-11-25T13:00", "--dry-run")
    assert "We upgrade PHP on all shared servers." in preview
    assert "Sites may answer with errors" in preview
    hooks.run("2026-11-25T13:00")
    assert hooks.titles("/all") == ["announced PHP 8.4 upgrade"]


def test_webhooks_also_get_component_updates(hooks: Hooks) -> None:
    hooks.run("2026-11-25T12:00")
    hooks.project.write_event("2026-12-01-php", MAINTENANCE)
    for moment in ["2026-11-25T13:00", "2026-12-01T02:05", "2026-12-01T04:05"]:
        hooks.run(moment)
    updates = hooks.got("/all", "component_update")
    assert [
        (
            u["component"]["name"],
            u["component_update"]["old_status"],
            u["component_update"]["new_status"],
        )
        for u in updates
    ] == [
        ("Shared web hosting", "operational", "under_maintenance"),
        ("Shared web hosting", "under_maintenance", "operational"),
    ]
    assert updates[0]["component_update"]["created_at"] == "2026-12-01T00:00:00.000Z"
    keys = [r.headers["Idempotency-Key"] for r, _ in hooks.server.log if r.path == "/all"]
    assert keys[2] == keys[1] + "/component/shared-hosting"
    assert hooks.got("/email", "component_update") == []
