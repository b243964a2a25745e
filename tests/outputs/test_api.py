"""The Statuspage v2 JSON API (statuspage/api.py) as its clients read it.

The shapes, enums and wording are those of shared/statuspage-api.md §1-§3. Expected
facts about the example repository were worked out by hand from its YAML files (times
there are Europe/Helsinki; the API speaks UTC). The last tests serve the files on
127.0.0.1 and run the real client the research note names, statuspage-prometheus-exporter
2.6.0 (§4.1), against them.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from statuspage.load.sources import load_sources
from statuspage.model.validate import require_valid, validate_sources
from statuspage.outputs.api import render_api
from statuspage.state import SiteState, compute_state
from tests.conftest import HELSINKI, Project, english_example

#: The example's default moment: the email incident is open, nothing runs.
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=HELSINKI)
#: The PHP 8.4 upgrade runs (02:00-04:00 Helsinki); the email incident was resolved on
#: 2026-11-23 (`unresolved=True` leaves it open beside the upgrade).
DURING = datetime(2026, 12, 1, 2, 30, tzinfo=HELSINKI)

FILES = {
    "api/v2/summary.json": ["page", "components", "incidents", "scheduled_maintenances", "status"],
    "api/v2/status.json": ["page", "status"],
    "api/v2/components.json": ["page", "components"],
    "api/v2/incidents.json": ["page", "incidents"],
    "api/v2/incidents/unresolved.json": ["page", "incidents"],
    "api/v2/scheduled-maintenances.json": ["page", "scheduled_maintenances"],
    "api/v2/scheduled-maintenances/upcoming.json": ["page", "scheduled_maintenances"],
    "api/v2/scheduled-maintenances/active.json": ["page", "scheduled_maintenances"],
}
BASE = "https://status.kettu-hosting.example/"
EMAIL_INCIDENT = "Delayed outgoing email"
PHP_UPGRADE = "PHP 8.4 upgrade on shared hosting"
NIGHTLY = "Nightly database snapshots"
WEEKLY = "Weekly full backup"


def example_state(now: datetime, *, unresolved: bool = False) -> SiteState:
    """The example at `now`; with `unresolved`, as if its email incident had not been
    resolved yet (the example resolves it at 11:48 that day, so that it does not age)."""
    site, events = require_valid(validate_sources(load_sources(english_example())))
    if unresolved:
        events = tuple(
            event.model_copy(update={"updates": event.updates[:-1]})
            if event.id == "2026-11-23-delayed-outgoing-email"
            else event
            for event in events
        )
    return compute_state(site, events, now)


@functools.cache
def rendered(now: datetime, *, unresolved: bool = False) -> dict[str, bytes]:
    return render_api(example_state(now, unresolved=unresolved))


def api(now: datetime, name: str, *, unresolved: bool = False) -> Any:
    """One parsed file of the example's API at `now`, e.g. api(NOW, "summary")."""
    return json.loads(rendered(now, unresolved=unresolved)[f"api/v2/{name}.json"])


def by_name(items: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {item["name"]: item for item in items}


# --- the shapes of shared/statuspage-api.md §2, field for field and in order ----------------

Kind = Callable[[Any], bool]
TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")
ID = re.compile(r"[0-9a-z]{12}")


def is_id(value: Any) -> bool:
    return isinstance(value, str) and ID.fullmatch(value) is not None


def is_time(value: Any) -> bool:
    return isinstance(value, str) and TIMESTAMP.fullmatch(value) is not None


def is_str(value: Any) -> bool:
    return isinstance(value, str)


def is_bool(value: Any) -> bool:
    return isinstance(value, bool)


def is_int(value: Any) -> bool:
    return type(value) is int


def is_list(value: Any) -> bool:
    return isinstance(value, list)


def is_ids(value: Any) -> bool:
    return isinstance(value, list) and all(is_id(item) for item in value)


def is_date_or_null(value: Any) -> bool:
    return value is None or (
        isinstance(value, str) and re.fullmatch(r"\d{4}-\d\d-\d\d", value) is not None
    )


def or_null(kind: Kind) -> Kind:
    return lambda value: value is None or kind(value)


def one_of(*values: str) -> Kind:
    return lambda value: value in values


COMPONENT_STATUS = one_of(
    "operational", "degraded_performance", "partial_outage", "major_outage", "under_maintenance"
)
INCIDENT_STATUS = one_of("investigating", "identified", "monitoring", "resolved", "postmortem")
WINDOW_STATUS = one_of("scheduled", "in_progress", "verifying", "completed")

PAGE: dict[str, Kind] = {
    "id": is_id,
    "name": is_str,
    "url": is_str,
    "time_zone": is_str,
    "updated_at": is_time,
}
STATUS: dict[str, Kind] = {
    "indicator": one_of("none", "minor", "major", "critical", "maintenance"),
    "description": one_of(
        "All Systems Operational",
        "Partially Degraded Service",
        "Minor Service Outage",
        "Partial System Outage",
        "Major Service Outage",
        "Service Under Maintenance",
    ),
}
COMPONENT: dict[str, Kind] = {
    "id": is_id,
    "name": is_str,
    "status": COMPONENT_STATUS,
    "created_at": is_time,
    "updated_at": is_time,
    "position": is_int,
    "description": or_null(is_str),
    "showcase": is_bool,
    "start_date": is_date_or_null,
    "group_id": or_null(is_id),
    "page_id": is_id,
    "group": is_bool,
    "only_show_if_degraded": is_bool,
}
AFFECTED: dict[str, Kind] = {
    "code": is_id,
    "name": is_str,
    "old_status": COMPONENT_STATUS,
    "new_status": COMPONENT_STATUS,
}
UPDATE: dict[str, Kind] = {
    "id": is_id,
    "status": lambda value: INCIDENT_STATUS(value) or WINDOW_STATUS(value),
    "body": is_str,
    "incident_id": is_id,
    "created_at": is_time,
    "updated_at": is_time,
    "display_at": is_time,
    "affected_components": or_null(is_list),
    "deliver_notifications": is_bool,
    "custom_tweet": or_null(is_str),
    "tweet_id": or_null(is_str),
}
EVENT: dict[str, Kind] = {
    "id": is_id,
    "name": is_str,
    "status": is_str,
    "created_at": is_time,
    "updated_at": is_time,
    "monitoring_at": or_null(is_time),
    "resolved_at": or_null(is_time),
    "impact": is_str,
    "shortlink": is_str,
    "started_at": is_time,
    "page_id": is_id,
    "incident_updates": is_list,
    "components": is_list,
}
INCIDENT = EVENT | {
    "status": INCIDENT_STATUS,
    "impact": one_of("none", "minor", "major", "critical"),
    "reminder_intervals": or_null(is_str),
}
MAINTENANCE = EVENT | {
    "status": WINDOW_STATUS,
    "impact": one_of("maintenance"),
    "scheduled_for": is_time,
    "scheduled_until": is_time,
}


def check_shape(item: Any, fields: dict[str, Kind], where: str) -> None:
    """Every field present, none extra, in the order of §3's example, each of its type."""
    assert isinstance(item, dict), where
    assert list(item) == list(fields), where
    for key, kind in fields.items():
        assert kind(item[key]), f"{where}.{key} = {item[key]!r}"


def check_component(row: Any, where: str) -> None:
    fields = COMPONENT | {"components": is_ids} if row.get("group") else COMPONENT
    check_shape(row, fields, where)


def check_event(event: Any, fields: dict[str, Kind], where: str) -> None:
    check_shape(event, fields, where)
    for index, update in enumerate(event["incident_updates"]):
        check_shape(update, UPDATE, f"{where}.incident_updates[{index}]")
        assert update["incident_id"] == event["id"]
        for affected in update["affected_components"] or []:
            check_shape(affected, AFFECTED, f"{where}.incident_updates[{index}].affected")
    for index, row in enumerate(event["components"]):
        check_component(row, f"{where}.components[{index}]")
    times = [update["created_at"] for update in event["incident_updates"]]
    assert times == sorted(times, reverse=True), f"{where}: updates are newest first"


@pytest.mark.parametrize("now", [NOW, DURING], ids=["now", "during"])
def test_api_files_have_every_field_of_the_statuspage_shapes(now: datetime) -> None:
    outputs = rendered(now)
    assert sorted(outputs) == sorted(FILES)
    pages = []
    for path, keys in FILES.items():
        text = outputs[path].decode("utf-8")
        assert text.endswith("}\n") and not text.endswith("\n\n"), path
        document = json.loads(text)
        assert list(document) == keys, path
        check_shape(document["page"], PAGE, f"{path}: page")
        pages.append(document["page"])
        if "status" in document:
            check_shape(document["status"], STATUS, f"{path}: status")
        for index, row in enumerate(document.get("components", [])):
            check_component(row, f"{path}: components[{index}]")
        for index, event in enumerate(document.get("incidents", [])):
            check_event(event, INCIDENT, f"{path}: incidents[{index}]")
        for index, event in enumerate(document.get("scheduled_maintenances", [])):
            check_event(event, MAINTENANCE, f"{path}: scheduled_maintenances[{index}]")
    assert all(page == pages[0] for page in pages)


def test_api_json_is_indented_in_example_key_order() -> None:
    status = rendered(NOW)["api/v2/status.json"].decode("utf-8")
    assert status.startswith('{\n  "page": {\n    "id": "')
    assert '\n  "status": {\n    "indicator": "minor",\n' in status


# --- facts about the example ----------------------------------------------------------------


def test_api_page_is_the_site_with_its_latest_change() -> None:
    page = api(NOW, "status")["page"]
    assert page["name"] == "Kettu Hosting status"
    assert page["url"] == "https://status.kettu-hosting.example"
    assert page["time_zone"] == "Europe/Helsinki"
    # The email incident's "identified" update at 09:35 Helsinki is the last change by 10:00.
    assert page["updated_at"] == "2026-11-23T07:35:00.000Z"
    # During the upgrade: it started at 02:00 Helsinki, by the clock alone.
    assert api(DURING, "status")["page"]["updated_at"] == "2026-12-01T00:00:00.000Z"


def test_api_status_has_statuspage_indicator_and_wording() -> None:
    # A minor incident, and every component at worst degraded (§2.2).
    expected = {"indicator": "minor", "description": "Partially Degraded Service"}
    assert api(NOW, "status")["status"] == expected
    assert api(NOW, "summary")["status"] == expected
    # An open incident outranks a running maintenance.
    assert api(DURING, "status", unresolved=True)["status"] == expected
    assert api(DURING, "status")["status"] == {
        "indicator": "maintenance",
        "description": "Service Under Maintenance",
    }


KERNEL = """\
    type: maintenance
    title: Ytimen päivitys (kernel updates)
    components: [vps]
    starts: 2026-11-23T09:00
    duration: 2h
    """


def test_api_status_under_maintenance_only(project: Project) -> None:
    project.write_event("2026-11-23-kernel", KERNEL)
    outputs = render_api(project.state())
    status = json.loads(outputs["api/v2/status.json"])["status"]
    assert status == {"indicator": "maintenance", "description": "Service Under Maintenance"}
    components = by_name(json.loads(outputs["api/v2/components.json"])["components"])
    assert components["Virtual private servers"]["status"] == "under_maintenance"
    assert components["Hosting"]["status"] == "under_maintenance"
    active = json.loads(outputs["api/v2/scheduled-maintenances/active.json"])
    [window] = active["scheduled_maintenances"]
    assert (window["name"], window["status"]) == ("Ytimen päivitys (kernel updates)", "in_progress")
    summary = json.loads(outputs["api/v2/summary.json"])
    assert summary["scheduled_maintenances"] == [window]
    assert "Ytimen päivitys".encode() in outputs["api/v2/summary.json"]  # UTF-8, not \\u escapes


def test_api_components_are_group_rows_each_followed_by_its_children() -> None:
    rows = api(NOW, "components")["components"]
    assert [(row["name"], row["position"], row["group"]) for row in rows] == [
        ("Hosting", 1, True),
        ("Shared web hosting", 1, False),
        ("Virtual private servers", 2, False),
        ("MySQL databases", 3, False),
        ("Email", 2, True),
        ("Email (IMAP, POP3, SMTP)", 1, False),
        ("Webmail", 2, False),
        ("Platform", 3, True),
        ("DNS", 1, False),
        ("Control panel", 2, False),
        ("Public API", 4, False),
    ]
    named = by_name(rows)
    email = named["Email"]
    assert email["components"] == [named["Email (IMAP, POP3, SMTP)"]["id"], named["Webmail"]["id"]]
    assert email["status"] == "degraded_performance"  # the worst child's
    assert email["group_id"] is None and email["showcase"] is False
    assert named["Webmail"]["group_id"] == email["id"]
    assert named["Public API"]["group_id"] is None
    assert "components" not in named["Public API"] and "components" not in named["DNS"]
    assert named["DNS"]["description"] == "Authoritative name servers ns1 and ns2"
    assert named["MySQL databases"]["description"] is None
    assert {row["page_id"] for row in rows} == {api(NOW, "status")["page"]["id"]}
    assert api(NOW, "summary")["components"] == rows


def test_api_component_updated_at_is_its_latest_status_change() -> None:
    named = by_name(api(NOW, "components")["components"])
    # The email incident started at 08:47 Helsinki.
    assert named["Email (IMAP, POP3, SMTP)"]["updated_at"] == "2026-11-23T06:47:00.000Z"
    # The weekly backup degraded shared hosting on Sunday 02:00-04:00 Helsinki.
    assert named["Shared web hosting"]["updated_at"] == "2026-11-22T02:00:00.000Z"
    assert named["Hosting"]["updated_at"] == "2026-11-22T02:00:00.000Z"
    # The nightly snapshots list the databases without a status: no change by them.
    assert named["MySQL databases"]["updated_at"] == "2026-11-20T09:52:00.000Z"
    # Never changed: created and updated when the sources begin (the nightly's first run).
    assert named["Webmail"]["created_at"] == "2026-01-01T02:00:00.000Z"
    assert named["Webmail"]["updated_at"] == "2026-01-01T02:00:00.000Z"
    during = by_name(api(DURING, "components")["components"])
    assert during["Shared web hosting"]["status"] == "under_maintenance"
    assert during["Shared web hosting"]["updated_at"] == "2026-12-01T00:00:00.000Z"
    assert during["Hosting"]["status"] == "under_maintenance"


def test_api_unresolved_incident_with_its_updates_newest_first() -> None:
    [incident] = api(NOW, "incidents/unresolved")["incidents"]
    assert api(NOW, "summary")["incidents"] == [incident]
    assert incident["name"] == EMAIL_INCIDENT
    assert (incident["status"], incident["impact"]) == ("identified", "minor")
    assert incident["started_at"] == incident["created_at"] == "2026-11-23T06:47:00.000Z"
    assert incident["updated_at"] == "2026-11-23T07:35:00.000Z"
    assert incident["monitoring_at"] is None and incident["resolved_at"] is None
    assert incident["shortlink"] == BASE + "incidents/2026-11-23-delayed-outgoing-email/"
    assert incident["reminder_intervals"] is None
    updates = incident["incident_updates"]
    assert [update["status"] for update in updates] == ["identified", "investigating"]
    assert updates[0]["body"].startswith("One of our outgoing relays was listed")
    assert updates[0]["display_at"] == "2026-11-23T07:35:00.000Z"
    email = by_name(api(NOW, "components")["components"])["Email (IMAP, POP3, SMTP)"]
    assert incident["components"] == [email]
    assert updates[1]["affected_components"] == [
        {
            "code": email["id"],
            "name": "Email - Email (IMAP, POP3, SMTP)",
            "old_status": "operational",
            "new_status": "degraded_performance",
        }
    ]
    assert updates[0]["affected_components"] is None  # nothing changed


def test_api_incidents_lists_resolved_ones_with_postmortem_newest_first() -> None:
    incidents = api(NOW, "incidents")["incidents"]
    assert [(item["name"], item["status"]) for item in incidents] == [
        (EMAIL_INCIDENT, "identified"),
        ("Slow database responses on shared hosting", "postmortem"),
        ("Nimipalvelun häiriö", "postmortem"),
    ]
    slow = incidents[1]
    assert slow["impact"] == "major"
    assert slow["monitoring_at"] == "2026-11-20T09:15:00.000Z"
    assert slow["resolved_at"] == "2026-11-20T09:52:00.000Z"
    assert [update["status"] for update in slow["incident_updates"]] == [
        "resolved",
        "monitoring",
        "identified",
        "investigating",
    ]
    resolved = slow["incident_updates"][0]["affected_components"]
    assert [(item["name"], item["old_status"], item["new_status"]) for item in resolved] == [
        ("Hosting - Shared web hosting", "partial_outage", "operational"),
        ("Hosting - MySQL databases", "degraded_performance", "operational"),
    ]
    assert [row["name"] for row in slow["components"]] == ["Shared web hosting", "MySQL databases"]


def test_api_upcoming_maintenances_before_the_upgrade() -> None:
    upcoming = api(NOW, "scheduled-maintenances/upcoming")["scheduled_maintenances"]
    assert [
        (item["name"], item["scheduled_for"], item["scheduled_until"]) for item in upcoming
    ] == [
        (PHP_UPGRADE, "2026-12-01T00:00:00.000Z", "2026-12-01T02:00:00.000Z"),
        (WEEKLY, "2026-11-29T00:00:00.000Z", "2026-11-29T02:00:00.000Z"),
        (NIGHTLY, "2026-11-24T02:00:00.000Z", "2026-11-24T02:30:00.000Z"),
    ]
    assert {item["status"] for item in upcoming} == {"scheduled"}
    assert {item["impact"] for item in upcoming} == {"maintenance"}
    assert all(item["resolved_at"] is None for item in upcoming)
    php = upcoming[0]
    assert php["shortlink"] == BASE + "incidents/2026-12-01-php-84-upgrade/"
    assert php["created_at"] == "2026-11-17T07:00:00.000Z"  # announced
    assert [update["status"] for update in php["incident_updates"]] == ["scheduled"]
    assert [row["name"] for row in php["components"]] == ["Shared web hosting"]
    assert api(NOW, "scheduled-maintenances/active")["scheduled_maintenances"] == []
    # The cancelled webmail upgrade is left out of the summary.
    assert api(NOW, "summary")["scheduled_maintenances"] == upcoming


def test_api_active_maintenance_while_the_upgrade_runs() -> None:
    [php] = api(DURING, "scheduled-maintenances/active")["scheduled_maintenances"]
    assert (php["name"], php["status"]) == (PHP_UPGRADE, "in_progress")
    assert php["resolved_at"] is None
    started, announced = php["incident_updates"]
    assert (started["status"], started["created_at"]) == ("in_progress", "2026-12-01T00:00:00.000Z")
    assert started["body"].startswith("Scheduled maintenance is currently in progress.")
    assert [
        (item["name"], item["old_status"], item["new_status"])
        for item in started["affected_components"]
    ] == [("Hosting - Shared web hosting", "operational", "under_maintenance")]
    assert announced["status"] == "scheduled"
    assert php["updated_at"] == "2026-12-01T00:00:00.000Z"
    assert php["components"][0]["status"] == "under_maintenance"
    upcoming = api(DURING, "scheduled-maintenances/upcoming")["scheduled_maintenances"]
    assert [(item["name"], item["scheduled_for"]) for item in upcoming] == [
        (WEEKLY, "2026-12-06T00:00:00.000Z"),
        (NIGHTLY, "2026-12-01T02:00:00.000Z"),
    ]
    summary = api(DURING, "summary")["scheduled_maintenances"]
    assert [item["name"] for item in summary] == [WEEKLY, NIGHTLY, PHP_UPGRADE]


def test_api_all_maintenances_include_past_cancelled_and_completed() -> None:
    items = api(NOW, "scheduled-maintenances")["scheduled_maintenances"]
    starts = [item["scheduled_for"] for item in items]
    assert starts == sorted(starts, reverse=True)
    named = by_name(items)  # one-off windows appear once
    webmail = named["Webmail upgrade"]
    assert webmail["status"] == "completed"  # cancelled: Statuspage has no such status
    assert webmail["resolved_at"] == "2026-11-21T13:10:00.000Z"
    assert webmail["scheduled_for"] == "2026-11-26T20:00:00.000Z"
    vps = named["Security patching of VPS hypervisors"]
    assert (vps["status"], vps["resolved_at"]) == ("completed", "2026-11-10T01:40:00.000Z")
    # A repeating window without updates of its own: only its next occurrence, not one
    # entry per past night crowding the one-off maintenances out of the 50 (issue 12).
    for name in (WEEKLY, NIGHTLY):
        [window] = [item for item in items if item["name"] == name]
        assert window["status"] == "scheduled"
        assert window["scheduled_for"] > "2026-11-23T08:00:00.000Z"
    assert len(api(NOW, "incidents")["incidents"]) <= 50


# --- ids and reproducibility ----------------------------------------------------------------


def all_ids(now: datetime) -> dict[tuple[str, ...], str]:
    """Every id of one build, by a key that names what it identifies."""
    ids: dict[tuple[str, ...], str] = {("page",): api(now, "status")["page"]["id"]}
    for row in api(now, "components")["components"]:
        ids["component", row["name"]] = row["id"]
    events = api(now, "incidents")["incidents"]
    events += api(now, "scheduled-maintenances")["scheduled_maintenances"]
    events += api(now, "summary")["scheduled_maintenances"]
    for event in events:
        ids["event", event["name"], event.get("scheduled_for", "")] = event["id"]
        for update in event["incident_updates"]:
            key = ("update", event["name"], update["created_at"], update["status"])
            ids[key] = update["id"]
    return ids


def test_api_ids_are_distinct_and_stable_across_now() -> None:
    before, during = all_ids(NOW), all_ids(DURING)
    for ids in (before, during):
        assert len(set(ids.values())) == len(ids)
    shared = before.keys() & during.keys()
    assert {key: before[key] for key in shared} == {key: during[key] for key in shared}
    assert ("page",) in shared and len([key for key in shared if key[0] == "component"]) == 11
    # The next nightly snapshot at NOW keeps its id while it runs (ids are per occurrence).
    running = all_ids(NOW + timedelta(hours=18, minutes=10))
    key = ("event", NIGHTLY, "2026-11-24T02:00:00.000Z")
    assert before[key] == running[key]
    assert ("event", PHP_UPGRADE, "2026-12-01T00:00:00.000Z") in shared
    assert ("update", EMAIL_INCIDENT, "2026-11-23T06:47:00.000Z", "investigating") in shared


def test_api_same_now_gives_identical_bytes() -> None:
    first, second = render_api(example_state(NOW)), render_api(example_state(NOW))
    assert first == second
    assert first != render_api(example_state(DURING))


# --- a real client: statuspage-prometheus-exporter 2.6.0 (§4.1) ------------------------------


class _CorsHandler(http.server.SimpleHTTPRequestHandler):
    """Serves files like a static host: with CORS (§0.3), and without logging."""

    def end_headers(self) -> None:
        self.send_header("Access-Control-Allow-Origin", "*")
        super().end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


#: Samples by metric name: (labels, value).
Metrics = dict[str, list[tuple[dict[str, str], float]]]


@contextmanager
def serve(directory: Path) -> Iterator[str]:
    """Serve `directory` on 127.0.0.1 at a free port; yield the base URL."""
    handler = functools.partial(_CorsHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def exporter() -> str:
    """The exporter's console script in this venv; skipped when absent, failed under CI."""
    found = shutil.which("statuspage-prometheus-exporter", path=str(Path(sys.executable).parent))
    if found is None:
        reason = (
            "statuspage-prometheus-exporter is not installed in this environment "
            "(pip install statuspage-prometheus-exporter==2.6.0)"
        )
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    return found


def run_exporter(url: str, workdir: Path) -> tuple[Metrics, Any]:
    """Run the exporter once against `url`: its metrics by name, and the check it cached."""
    (workdir / "services.json").write_text(json.dumps({"kettu": {"url": url, "name": "Kettu"}}))
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.lower().endswith("_proxy") and key not in ("SLACK_WEBHOOK_URL", "DEBUG")
    }
    environment |= {
        "RUN_MODE": "once",
        "CLEAR_CACHE": "true",
        "SERVICES_JSON_PATH": str(workdir / "services.json"),
        "METRICS_TEXTFILE_PATH": str(workdir / "out.prom"),
        "NO_PROXY": "127.0.0.1",
    }
    done = subprocess.run(
        [exporter()], cwd=workdir, env=environment, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    from prometheus_client.parser import text_string_to_metric_families

    metrics: Metrics = {}
    text = (workdir / "out.prom").read_text(encoding="utf-8")
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            metrics.setdefault(sample.name, []).append((sample.labels, sample.value))
    cached = json.loads((workdir / "cache" / "kettu.json").read_text(encoding="utf-8"))
    return metrics, cached["response_data"]


def active(series: list[tuple[dict[str, str], float]]) -> list[dict[str, str]]:
    """The labels of the series set to 1: the exporter sets gone ones to 0."""
    return [labels for labels, value in series if value == 1]


def scrape(outputs: dict[str, bytes], workdir: Path) -> tuple[Metrics, Any]:
    """Publish `outputs` under workdir/site, serve it, and run the exporter on its summary."""
    exporter()  # skip before serving anything when it is absent
    site = workdir / "site"
    for path, content in outputs.items():
        (site / path).parent.mkdir(parents=True, exist_ok=True)
        (site / path).write_bytes(content)
    with serve(site) as base:
        return run_exporter(f"{base}/api/v2/summary.json", workdir)


@pytest.mark.parametrize(
    ("now", "maintenances", "not_operational"),
    [
        (NOW, {PHP_UPGRADE, WEEKLY, NIGHTLY}, {"Email", "Email (IMAP, POP3, SMTP)"}),
        (
            DURING,
            {WEEKLY, NIGHTLY, PHP_UPGRADE},
            # The exporter counts under_maintenance as not operational (§4.1 quirk).
            {"Email", "Email (IMAP, POP3, SMTP)", "Hosting", "Shared web hosting"},
        ),
    ],
    ids=["now", "during"],
)
def test_exporter_reads_the_summary_like_a_statuspage(
    tmp_path: Path, now: datetime, maintenances: set[str], not_operational: set[str]
) -> None:
    # At DURING, the email incident is left open beside the running upgrade.
    metrics, check = scrape(rendered(now, unresolved=True), tmp_path)
    summary = api(now, "summary", unresolved=True)
    assert metrics["statuspage_probe_check"] == [({"service_name": "Kettu"}, 1.0)]
    assert (check["success"], check["raw_status"]) == (True, "minor")  # the raw indicator
    assert metrics["statuspage_service_status"] == [({"service_name": "Kettu"}, 0.0)]
    [incident] = active(metrics["statuspage_incident_info"])
    assert incident == {
        "service_name": "Kettu",
        "incident_id": summary["incidents"][0]["id"],
        "incident_name": EMAIL_INCIDENT,
        "impact": "minor",
        "shortlink": BASE + "incidents/2026-11-23-delayed-outgoing-email/",
        "started_at": "2026-11-23T06:47:00Z",
        "affected_components": "Email (IMAP, POP3, SMTP)",
    }
    # The exporter counts scheduled maintenances as active ones too.
    running = active(metrics["statuspage_maintenance_info"])
    assert {labels["maintenance_name"] for labels in running} == maintenances
    assert {labels["maintenance_id"] for labels in running} == {
        item["id"] for item in summary["scheduled_maintenances"]
    }
    components = {
        labels["component_name"]: value for labels, value in metrics["statuspage_component_status"]
    }
    assert len(components) == 11  # 3 group rows + 8 components
    assert {name for name, value in components.items() if value == 0} == not_operational


def test_exporter_reads_maintenance_as_minor(project: Project, tmp_path: Path) -> None:
    project.write_event("2026-11-23-kernel", KERNEL)
    outputs = render_api(project.state())
    metrics, check = scrape(outputs, tmp_path / "exporter")
    assert metrics["statuspage_probe_check"] == [({"service_name": "Kettu"}, 1.0)]
    # Our indicator is Statuspage's `maintenance`; the exporter turns a component under
    # maintenance without an incident into `minor` (§4.1 quirk): not ours to bend.
    assert json.loads(outputs["api/v2/status.json"])["status"]["indicator"] == "maintenance"
    assert check["raw_status"] == "minor"
    assert metrics["statuspage_service_status"] == [({"service_name": "Kettu"}, 0.0)]
    assert active(metrics["statuspage_incident_info"]) == []
    [maintenance] = active(metrics["statuspage_maintenance_info"])
    assert maintenance["maintenance_name"] == "Ytimen päivitys (kernel updates)"
    assert maintenance["scheduled_start"] == "2026-11-23T07:00:00Z"
    assert maintenance["affected_components"] == "Virtual private servers"
