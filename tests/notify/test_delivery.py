"""Outages, lost ledgers, parallel runs, --dry-run, --test and secrets (issue 15)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading

from pytest import MonkeyPatch
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from statuspage.notify.ledger import locked
from tests.conftest import MINIMAL_CONFIG, Project
from tests.notify.receivers import (  # noqa: F401
    ENV,
    HOOK_TOKEN,
    SECRETS,
    Site,
    channels_config,
    free_port,
    mailbox_fixture,
    site_fixture,
)
from tests.notify.test_life import MAINTENANCE

ANNOUNCE = "2026-11-25T13:00"


def _started(site: Site) -> None:
    """A ledger from before the maintenance was written."""
    assert site.notify("2026-11-25T12:00").exit_code == 0
    site.project.write_event("2026-12-01-php", MAINTENANCE)


def _no_secrets(site: Site, *more: str) -> None:
    everything = "\n".join([*site.outputs, *more])
    if site.ledger.exists():
        everything += site.ledger.read_text()
    for secret in SECRETS:
        assert secret not in everything


def test_receiver_failing_twice_then_recovering_within_the_run(site: Site) -> None:
    site.server.clear()
    for _ in range(2):
        site.server.expect_ordered_request("/hooks/status").respond_with_data("down", status=503)
    site.server.expect_ordered_request("/hooks/status").respond_with_data("ok")
    _started(site)
    result = site.notify(ANNOUNCE)
    assert result.exit_code == 0, result.output
    assert len(site.server.log) == 3
    keys = {request.headers["Idempotency-Key"] for request, _ in site.server.log}
    assert len(keys) == 1  # the same notice, the same key: the receiver can tell retries
    assert len(site.mailbox.raw) == 1


def test_an_outage_loses_nothing(site: Site) -> None:
    site.server.clear()
    site.server.expect_request("/hooks/status").respond_with_data("down", status=500)
    _started(site)
    failed = site.notify(ANNOUNCE)
    assert failed.exit_code == 1
    assert "partners" in failed.output and "HTTP 500" in failed.output
    assert len(site.mailbox.raw) == 1  # the other channel still got its notice
    site.server.clear()
    site.server.expect_request("/hooks/status").respond_with_data("ok")
    recovered = site.notify("2026-11-25T14:00")
    assert recovered.exit_code == 0, recovered.output
    assert site.hook_kinds == ["announced"]
    assert len(site.mailbox.raw) == 1  # not sent twice to the mailbox
    assert site.notify("2026-11-25T15:00").output.startswith("nothing to send")
    _no_secrets(site)


def test_a_refused_connection_names_the_channel_and_hides_the_url(site: Site) -> None:
    hook = f"http://127.0.0.1:{free_port()}/hooks/${{HOOK_TOKEN}}"
    site.project.write_config(channels_config(site.mailbox.port, hook))
    _started(site)
    result = site.notify(ANNOUNCE)
    assert result.exit_code == 1
    assert "partners" in result.output and "cannot connect" in result.output
    _no_secrets(site)
    assert HOOK_TOKEN not in json.dumps(json.loads(site.ledger.read_text()))


def test_a_deleted_ledger_sends_no_history(site: Site) -> None:
    _started(site)
    site.notify(ANNOUNCE)
    site.notify("2026-11-28T02:30")
    assert len(site.mailbox.raw) == 2
    site.ledger.unlink()
    result = site.notify("2026-11-30T03:00")  # the 24h reminder fell due at 02:00
    assert "no ledger" in result.output
    assert len(site.mailbox.raw) == 2
    site.notify("2026-12-01T02:05")  # what falls due after that is sent
    assert site.mailbox.subjects[-1] == "Started: PHP 8.4 upgrade"
    assert len(site.mailbox.raw) == 3


def test_late_beyond_grace_is_skipped_not_sent(site: Site) -> None:
    _started(site)
    site.notify(ANNOUNCE)
    result = site.notify("2026-11-29T12:00", "--grace", "2h")  # the 72h reminder: 34h late
    assert "skipped" in result.output and "late" not in site.mailbox.subjects
    assert len(site.mailbox.raw) == 1
    assert site.notify("2026-11-29T12:05").output.startswith("nothing to send")


def test_dry_run_sends_and_writes_nothing(site: Site) -> None:
    _started(site)
    before = site.ledger.read_bytes()
    result = site.notify(ANNOUNCE, "--dry-run")
    assert result.exit_code == 0
    assert "customers: would send 2026-12-01-php/announced/" in result.output
    assert "Planned: PHP 8.4 upgrade" in result.output
    assert "Sites may answer with errors" in result.output
    assert site.mailbox.raw == [] and site.server.log == []
    assert site.ledger.read_bytes() == before
    _no_secrets(site)


def test_dry_run_without_a_ledger_writes_none(site: Site) -> None:
    result = site.notify(ANNOUNCE, "--dry-run")
    assert "would record the present state" in result.output
    assert not site.ledger.exists()


def test_a_run_while_another_holds_the_lock_sends_nothing(site: Site) -> None:
    _started(site)
    with locked(site.ledger):
        result = site.notify(ANNOUNCE)
    assert result.exit_code == 1
    assert "another `statuspage notify` is running" in result.output
    assert site.mailbox.raw == []


def test_two_parallel_runs_send_each_notice_once(site: Site) -> None:
    _started(site)
    slow = threading.Event()

    def answer(request: Request) -> Response:
        slow.wait(1.0)  # keep the first run inside its lock for a while
        return Response("ok")

    site.server.clear()
    site.server.expect_request("/hooks/status").respond_with_handler(answer)
    environment = {**os.environ, **{k: v for k, v in ENV.items() if v is not None}}
    command = [sys.executable, "-m", "statuspage", "notify", "--now", ANNOUNCE, "--backoff", "0"]
    runs = [
        subprocess.Popen(
            command,
            cwd=site.project.root,
            env=environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [run.communicate(timeout=120)[0] for run in runs]
    slow.set()
    assert len(site.mailbox.raw) == 1
    assert len(site.server.log) == 1
    assert sorted(run.returncode for run in runs) in ([0, 0], [0, 1]), outputs
    _no_secrets(site, *outputs)


def test_a_missing_variable_names_it_and_the_channel(site: Site) -> None:
    _started(site)
    result = site.notify(ANNOUNCE, env={"SMTP_PASSWORD": None, "WEBHOOK_SECRET": "x"})
    assert result.exit_code == 1
    assert "channel 'customers'" in result.output and "SMTP_PASSWORD is not set" in result.output
    assert site.mailbox.raw == [] and site.server.log == []


def test_check_only_warns_of_a_missing_variable(site: Site, monkeypatch: MonkeyPatch) -> None:
    monkeypatch.delenv("SMTP_PASSWORD", raising=False)
    problems = site.project.problems()
    assert [p for p in problems if "SMTP_PASSWORD" in p] == [
        "statuspage.yaml:16:12: warning: notify.channels[0].url: ${SMTP_PASSWORD} is not set "
        "here; `statuspage notify` needs it (set it in the CI's secrets)"
    ]


def test_test_message(site: Site) -> None:
    result = site.notify(ANNOUNCE, "--test", "customers")
    assert result.exit_code == 0, result.output
    assert site.mailbox.subjects == ["Test message from Example Hosting status"]
    assert not site.ledger.exists()
    unknown = site.notify(ANNOUNCE, "--test", "nobody")
    assert unknown.exit_code == 1 and "customers, partners" in unknown.output


def test_json_apprise_channel_gets_the_markdown(project: Project, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/apprise", method="POST").respond_with_data("ok")
    port = httpserver.port
    project.write_config(
        MINIMAL_CONFIG
        + f"""\
notify:
  remind: [2h]
  channels:
    - name: chat
      url: "json://127.0.0.1:{port}/apprise"
      language: fi
"""
    )
    from click.testing import CliRunner

    from statuspage.cli import cli

    runner = CliRunner()
    assert runner.invoke(cli, ["notify", "--now", "2026-11-25T12:00"]).exit_code == 0
    project.write_event("2026-12-01-php", MAINTENANCE)
    for moment in ("2026-11-25T13:00", "2026-12-01T00:10"):
        result = runner.invoke(cli, ["notify", "--now", moment, "--backoff", "0"])
        assert result.exit_code == 0, result.output
    bodies = [json.loads(request.get_data()) for request, _ in httpserver.log]
    assert [body["title"] for body in bodies] == [
        "Suunniteltu: PHP 8.4 upgrade",
        "Muistutus: PHP 8.4 upgrade alkaa 2\xa0t kuluttua",
    ]
    assert "https://status.example.com/incidents/2026-12-01-php/" in bodies[0]["message"]


def test_a_failing_mail_server_names_the_channel_and_hides_the_password(site: Site) -> None:
    site.project.write_config(channels_config(free_port(), site.server.url_for("/hooks/status")))
    _started(site)
    environment = {**os.environ, **{k: v for k, v in ENV.items() if v is not None}}
    done = subprocess.run(
        [sys.executable, "-m", "statuspage", "notify", "--now", ANNOUNCE, "--backoff", "0"],
        cwd=site.project.root,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1
    assert "customers" in done.stderr and "not delivered" in done.stderr
    assert site.hook_kinds == ["announced"]  # the webhook still got its notice
    _no_secrets(site, done.stdout, done.stderr)


def test_dry_run_needs_no_secrets(site: Site) -> None:
    _started(site)
    result = site.notify(ANNOUNCE, "--dry-run", env={"SMTP_PASSWORD": None, "WEBHOOK_SECRET": None})
    assert result.exit_code == 0, result.output
    assert "${SMTP_PASSWORD} is not set (a real run needs it)" in result.output
    assert "partners: would send 2026-12-01-php/announced/" in result.output
    assert site.mailbox.raw == [] and site.server.log == []


def test_a_damaged_ledger_is_an_error_that_says_what_to_do(site: Site) -> None:
    _started(site)
    site.ledger.write_text('{"version": 1, "channels": []}')
    result = site.notify(ANNOUNCE)
    assert result.exit_code == 1
    assert "damaged; delete it to start again from the present" in result.output
    site.ledger.write_text("{")
    assert "not valid JSON" in site.notify(ANNOUNCE).output
    assert site.mailbox.raw == []


def test_without_apprise_a_url_channel_names_the_extra(
    site: Site, monkeypatch: MonkeyPatch
) -> None:
    _started(site)
    monkeypatch.setitem(sys.modules, "apprise", None)  # import apprise raises ImportError
    result = site.notify(ANNOUNCE)
    assert result.exit_code == 1
    assert "notify channel 'customers': url: channels need Apprise" in result.output
    assert "pip install 'statuspage-static[notify]'" in result.output
    assert site.server.log == []  # nothing is sent before the whole set-up is known good


def test_the_ledger_is_on_disk_after_each_send(site: Site) -> None:
    """So a run killed mid-way re-sends at most the message it was sending."""
    seen: list[tuple[str, set[str]]] = []

    def answer(request: Request) -> Response:
        told = json.loads(site.ledger.read_text())["channels"].get("partners", {})
        seen.append((request.headers["Idempotency-Key"], set(told)))
        return Response("ok")

    site.server.clear()
    site.server.expect_request("/hooks/status").respond_with_handler(answer)
    _started(site)
    site.project.write_event("2026-12-02-dns", MAINTENANCE.replace("2026-12-01", "2026-12-02"))
    assert site.notify(ANNOUNCE).exit_code == 0
    (first, before_first), (second, before_second) = seen
    assert first not in before_first and second not in before_second
    assert first in before_second


def test_a_run_killed_mid_send_resends_at_most_that_message(site: Site) -> None:
    """SIGKILL while the receiver holds the second webhook: the next run sends what was
    left, and of what the killed run had sent, nothing again but that one message."""
    _started(site)
    site.project.write_event("2026-12-02-dns", MAINTENANCE.replace("2026-12-01", "2026-12-02"))
    running: list[subprocess.Popen[str]] = []
    keys: list[str] = []

    def answer(request: Request) -> Response:
        keys.append(request.headers["Idempotency-Key"])
        if len(keys) == 2 and running:  # the killed run's second webhook, mid-send
            running[0].kill()
            running[0].wait(timeout=60)
        return Response("ok")

    site.server.clear()
    site.server.expect_request("/hooks/status").respond_with_handler(answer)
    environment = {**os.environ, **{k: v for k, v in ENV.items() if v is not None}}
    command = [sys.executable, "-m", "statuspage", "notify", "--now", ANNOUNCE, "--backoff", "0"]
    running.append(
        subprocess.Popen(
            command,
            cwd=site.project.root,
            env=environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
    )
    killed_output = running[0].communicate(timeout=120)[0]
    assert running[0].returncode == -9, killed_output  # killed, not ended by itself
    assert len(keys) == 2
    mails_then = len(site.mailbox.raw)
    running.clear()
    result = site.notify(ANNOUNCE)  # the next run, as the next CI job
    assert result.exit_code == 0, result.output
    first, second = keys[:2]
    assert first != second
    assert keys.count(first) == 1  # sent and recorded before the kill: never again
    assert keys.count(second) == 2  # the one in flight: sent once more, with its key
    assert set(keys) == {first, second}
    assert len(site.mailbox.raw) == 2 and mails_then <= 2  # each announcement mailed once
    assert site.notify(ANNOUNCE).exit_code == 0
    assert len(keys) == 3 and len(site.mailbox.raw) == 2  # and then nothing more
