"""Real receivers for `statuspage notify`: an SMTP server (aiosmtpd) and an HTTP server
(pytest-httpserver), and a repository whose channels point at them.

Not a conftest.py: tests elsewhere import the root one as `conftest`, which a second
conftest module of that name would replace. Test modules import the fixtures from here.
"""

from __future__ import annotations

import email
import email.policy
import json
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from click.testing import CliRunner, Result
from pytest_httpserver import HTTPServer

from statuspage.cli import cli
from tests.conftest import MINIMAL_CONFIG, Project

SMTP_PASSWORD = "s3cret-smtp-pw"
WEBHOOK_SECRET = "whsec-0123456789abcdef"
HOOK_TOKEN = "tok-9f8e7d6c5b4a"
SECRETS = (SMTP_PASSWORD, WEBHOOK_SECRET, HOOK_TOKEN)


@dataclass
class Mailbox:
    """What the SMTP server received, each message parsed with the email package."""

    port: int
    raw: list[bytes] = field(default_factory=list)

    @property
    def messages(self) -> list[EmailMessage]:
        return [
            email.message_from_bytes(data, policy=email.policy.default)  # type: ignore[misc]
            for data in self.raw
        ]

    @property
    def subjects(self) -> list[str]:
        return [str(message["subject"]) for message in self.messages]

    def text(self, index: int) -> str:
        part = self.messages[index].get_body(("plain",))
        assert part is not None
        return str(part.get_content())  # type: ignore[attr-defined]

    def html(self, index: int) -> str:
        part = self.messages[index].get_body(("html",))
        assert part is not None
        return str(part.get_content())  # type: ignore[attr-defined]


class _Handler:
    def __init__(self, box: Mailbox) -> None:
        self.box = box

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.box.raw.append(envelope.content)
        return "250 OK"


def _authenticate(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> Any:
    return AuthResult(success=data.password == SMTP_PASSWORD.encode())


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(name="mailbox")
def mailbox_fixture() -> Iterator[Mailbox]:
    box = Mailbox(free_port())
    controller = Controller(
        _Handler(box),
        hostname="127.0.0.1",
        port=box.port,
        authenticator=_authenticate,
        auth_require_tls=False,
    )
    controller.start()
    try:
        yield box
    finally:
        controller.stop()


def channels_config(mail_port: int, hook_url: str, extra: str = "") -> str:
    return (
        MINIMAL_CONFIG
        + f"""\
notify:
  channels:
    - name: customers
      url: "mailto://ops:${{SMTP_PASSWORD}}@127.0.0.1:{mail_port}?to=announce@example.com&from=status@example.com"
    - name: partners
      webhook: "{hook_url}"
      secret: "${{WEBHOOK_SECRET}}"
{extra}"""
    )


ENV: dict[str, str | None] = {
    "SMTP_PASSWORD": SMTP_PASSWORD,
    "WEBHOOK_SECRET": WEBHOOK_SECRET,
    "HOOK_TOKEN": HOOK_TOKEN,
}


@dataclass
class Site:
    """A repository whose channels are the mailbox and the HTTP server."""

    project: Project
    mailbox: Mailbox
    server: HTTPServer
    runner: CliRunner
    outputs: list[str] = field(default_factory=list)

    @property
    def ledger(self) -> Path:
        return self.project.root / ".statuspage" / "notified.json"

    def notify(self, now: str, *args: str, env: dict[str, str | None] | None = None) -> Result:
        result = self.runner.invoke(
            cli,
            ["notify", "--now", now, "--backoff", "0,0", *args],
            env=ENV if env is None else env,
            catch_exceptions=False,
        )
        self.outputs.append(result.output)
        return result

    @property
    def posts(self) -> list[dict[str, Any]]:
        return [json.loads(request.get_data()) for request, _ in self.server.log]

    @property
    def hooks(self) -> list[dict[str, Any]]:
        """The incident bodies (not the component updates)."""
        return [post for post in self.posts if "incident" in post]

    @property
    def hook_kinds(self) -> list[str]:
        return [hook["incident"]["notice"]["kind"] for hook in self.hooks]


@pytest.fixture(name="site")
def site_fixture(project: Project, mailbox: Mailbox, httpserver: HTTPServer) -> Site:
    httpserver.expect_request("/hooks/status", method="POST").respond_with_data("ok")
    project.write_config(channels_config(mailbox.port, httpserver.url_for("/hooks/status")))
    return Site(project, mailbox, httpserver, CliRunner())
