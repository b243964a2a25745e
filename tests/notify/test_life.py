"""A maintenance's life, driven by --now at a dozen moments, told once to a real mail
server (Apprise mailto://) and a real webhook receiver (issue 15)."""

from __future__ import annotations

import hashlib
import hmac
import json

from tests.notify.receivers import SECRETS, WEBHOOK_SECRET, Site, mailbox_fixture, site_fixture  # noqa: F401

MAINTENANCE = """\
type: maintenance
title: PHP 8.4 upgrade
components: [shared-hosting]
starts: 2026-12-01T02:00
ends: 2026-12-01T04:00
description: Sites may answer with errors for up to five minutes.
"""
UPDATE = """\
updates:
  - at: 2026-12-01T02:45
    status: in_progress
    message: Half of the servers are done.
"""
DONE = """\
  - at: 2026-12-01T03:50
    status: completed
    message: All servers run PHP 8.4.
"""


def test_each_notice_arrives_once_in_order(site: Site) -> None:
    assert site.notify("2026-11-25T12:00").exit_code == 0  # no ledger yet: none is started
    assert "no ledger" in site.outputs[-1]
    assert site.ledger.exists()
    site.project.write_event("2026-12-01-php", MAINTENANCE)
    moments = [
        "2026-11-25T13:00",  # announced
        "2026-11-25T13:00",  # the same run again: nothing
        "2026-11-28T02:30",  # 72h reminder, 30 minutes late
        "2026-11-30T02:00",  # 24h reminder, on time
        "2026-11-30T09:00",  # nothing due
        "2026-12-01T00:30",  # nothing due (the 1h reminder is at 01:00)
        "2026-12-01T02:10",  # late run: "started"; the 1h reminder is superseded
    ]
    for moment in moments:
        result = site.notify(moment)
        assert result.exit_code == 0, result.output
    site.project.write_event("2026-12-01-php", MAINTENANCE + UPDATE)
    assert site.notify("2026-12-01T02:50").exit_code == 0
    site.project.write_event("2026-12-01-php", MAINTENANCE + UPDATE + DONE)
    for moment in ["2026-12-01T03:55", "2026-12-01T04:05", "2026-12-02T09:00"]:
        result = site.notify(moment)
        assert result.exit_code == 0, result.output

    assert site.mailbox.subjects == [
        "Planned: PHP 8.4 upgrade",
        "Reminder: PHP 8.4 upgrade starts in 3 days",
        "Reminder: PHP 8.4 upgrade starts in 1 day",
        "Started: PHP 8.4 upgrade",
        "Update: PHP 8.4 upgrade",
        "Completed: PHP 8.4 upgrade",
    ]
    assert site.hook_kinds == [
        "announced",
        "reminder",
        "reminder",
        "started",
        "updated",
        "completed",
    ]
    assert "superseded" in site.outputs[7]
    text = site.mailbox.text(0)
    assert "Sites may answer with errors" in text
    assert "https://status.example.com/incidents/2026-12-01-php/" in text
    assert "EET" in text  # the site's zone, with its abbreviation
    assert "Shared web hosting" in text
    assert "<strong>" in site.mailbox.html(0)
    assert "Half of the servers are done." in site.mailbox.text(4)
    assert "All servers run PHP 8.4." in site.mailbox.text(5)
    everything = "\n".join(site.outputs) + site.ledger.read_text()
    assert not any(secret in everything for secret in SECRETS)


def test_webhook_is_statuspage_shaped_signed_and_keyed(site: Site) -> None:
    site.notify("2026-11-25T12:00")
    site.project.write_event("2026-12-01-php", MAINTENANCE)
    site.notify("2026-11-25T13:00")
    [(request, _)] = site.server.log
    body = request.get_data()
    expected = hmac.new(WEBHOOK_SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert request.headers["X-Statuspage-Signature"] == f"sha256={expected}"
    key = request.headers["Idempotency-Key"]
    assert key.startswith("2026-12-01-php/announced/")
    document = json.loads(body)
    assert set(document) == {"meta", "page", "incident"}
    incident = document["incident"]
    assert incident["name"] == "PHP 8.4 upgrade"
    assert incident["status"] == "scheduled"
    assert incident["scheduled_for"] == "2026-12-01T00:00:00.000Z"
    assert incident["notice"]["id"] == key
    assert document["page"]["status_indicator"] == "none"


INCIDENT = """\
type: incident
title: Slow databases
impact: major
components: [shared-hosting]
updates:
  - at: 2026-11-20T10:02
    status: investigating
    message: We see slow MySQL responses.
"""
LATER = """\
  - at: 2026-11-20T10:40
    status: identified
    message: A failing disk.
  - at: 2026-11-20T11:15
    status: resolved
    message: All good again.
"""


def test_incident_opened_updated_resolved_postmortem(site: Site) -> None:
    site.notify("2026-11-20T09:00")
    site.project.write_event("2026-11-20-db", INCIDENT)
    site.notify("2026-11-20T10:05")
    site.project.write_event("2026-11-20-db", INCIDENT + LATER)
    site.notify("2026-11-20T11:20")
    site.notify("2026-11-20T11:20")
    site.project.write_event("2026-11-20-db", INCIDENT + LATER + "postmortem: The disk was old.\n")
    site.notify("2026-11-21T09:00")
    assert site.outputs[3].startswith("nothing to send at 2026-11-20T11:20:00+02:00")
    assert site.mailbox.subjects == [
        "Incident: Slow databases",
        "Update: Slow databases",
        "Resolved: Slow databases",
        "Postmortem: Slow databases",
    ]
    assert (
        site.hooks[0]["incident"]["incident_updates"][0]["body"] == "We see slow MySQL responses."
    )
    assert site.hooks[3]["incident"]["status"] == "postmortem"
    assert "The disk was old." in site.mailbox.text(3)


def test_templates_notify_overrides_the_theme(site: Site) -> None:
    (site.project.root / "templates" / "notify").mkdir(parents=True)
    (site.project.root / "templates" / "notify" / "subject.txt").write_text(
        "[Example] {{ headline }}\n"
    )
    site.notify("2026-11-20T09:00")
    site.project.write_event(
        "2026-11-20-db",
        INCIDENT.replace(
            "message: We see slow MySQL responses.",
            "message: We see slow MySQL responses.\n    next_update: 2026-11-20T11:00",
        ),
    )
    site.notify("2026-11-20T10:05")
    assert site.mailbox.subjects == ["[Example] Incident: Slow databases"]
    text = site.mailbox.text(0)
    assert "Nov 20, 2026, 10:02" in text and "Next update by" in text
    assert [p for p in site.project.problems() if "templates/" in p] == []
