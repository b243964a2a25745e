"""Notices name the servers an event concerns (issue 16): in the mail a customer reads,
and in the webhook's body, beside the components."""

from __future__ import annotations

from pytest_httpserver import HTTPServer

from tests.conftest import Project
from tests.notify.receivers import (  # noqa: F401
    Mailbox,
    Site,
    channels_config,
    mailbox_fixture,
    site_fixture,
)
from tests.notify.test_life import INCIDENT

SERVERS = """\
    group: Hosting
    servers: [web01, web02, web03]
  - id: vps"""


def test_a_notice_names_the_servers_of_its_event(site: Site, httpserver: HTTPServer) -> None:
    config = channels_config(site.mailbox.port, httpserver.url_for("/hooks/status"))
    site.project.write_config(config.replace("    group: Hosting\n  - id: vps", SERVERS, 1))
    site.notify("2026-11-20T09:00")  # the ledger, from before the incident
    site.project.write_event("2026-11-20-db", INCIDENT + "servers: [web02, web03]\n")
    result = site.notify("2026-11-20T10:05")
    assert result.exit_code == 0, result.output
    body = site.mailbox.text(0)
    assert "Affected servers: web02, web03" in " ".join(body.replace("*", "").split())
    assert site.hooks[0]["incident"]["servers"] == ["web02", "web03"]


def test_a_notice_of_every_server_names_none(site: Site, project: Project) -> None:
    site.notify("2026-11-20T09:00")
    project.write_event("2026-11-20-db", INCIDENT)
    assert site.notify("2026-11-20T10:05").exit_code == 0
    assert "servers" not in site.mailbox.text(0).lower()
    assert "servers" not in site.hooks[0]["incident"]
