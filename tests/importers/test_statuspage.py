"""`statuspage import statuspage`: the public v2 API over HTTP, saved JSON, the REST API."""

from __future__ import annotations

import json
import shutil
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from pytest_httpserver import HTTPServer
from werkzeug import Response

from statuspage.build import build
from statuspage.importers.common import ImportFailure, to_markdown
from statuspage.importers.statuspage import PAGE_SIZE, Source, import_statuspage, plan_from
from tests.conftest import HELSINKI, copy_example
from tests.importers.conftest import (
    CONFIG,
    NOW,
    STATUSPAGE_DATA,
    errors,
    event_files,
    soup,
    words,
)

LOGIN = "2026-10-14-dashboard-login-failures.yaml"
OPEN = "2026-11-23-elevated-api-error-rates.yaml"
EXPECTED_FILES = [
    "2026-09-02-elevated-latency-in-all-regions.yaml",
    LOGIN,
    "2026-10-25-api-gateway-upgrade.yaml",
    OPEN,
    "2026-12-01-eu-west-database-upgrade.yaml",
]


def serve_public(httpserver: HTTPServer, directory: Path = STATUSPAGE_DATA) -> str:
    """Serve the saved files at /api/v2/ as a Statuspage page does; return the page's URL."""
    for name in ("summary.json", "incidents.json", "scheduled-maintenances.json"):
        httpserver.expect_request(f"/api/v2/{name}").respond_with_json(
            json.loads((directory / name).read_text(encoding="utf-8"))
        )
    return httpserver.url_for("/")


def test_public_api_over_http_imports_everything_that_passes_check(
    repo: Path, httpserver: HTTPServer
) -> None:
    report = import_statuspage(repo, serve_public(httpserver), NOW)
    assert report.summary() == (
        "imported 3 incidents, 2 maintenances, 4 components; 0 already present; 1 skipped"
    )
    assert list(report.details()) == [
        "skipped incident e1m2p3t4y5zz: it has no updates, and an incident here starts "
        "with its first"
    ]
    assert list(event_files(repo)) == EXPECTED_FILES
    assert errors(repo) == []


def test_times_offsets_statuses_and_component_statuses_are_kept(
    repo: Path, httpserver: HTTPServer
) -> None:
    import_statuspage(repo, serve_public(httpserver), NOW)
    text = event_files(repo)[LOGIN]
    assert text.startswith("# statuspage import: statuspage incident c4r8t1y6u3io (sha256:")
    data = yaml.safe_load(text)
    assert data["impact"] == "major"
    assert data["components"] == {"dashboard": "partial_outage"}
    # Oldest first, the source's own times with their -07:00 offset, written as given.
    assert "  - at: 2026-10-14T08:00:00.000-07:00\n" in text
    assert [u["status"] for u in data["updates"]] == ["investigating", "monitoring", "resolved"]
    assert "    # components: dashboard: partial_outage\n" in text
    assert "    # components: dashboard: operational\n" in text
    assert "# started_at on Statuspage: 2026-10-14T07:58:03.120-07:00" in text


def test_html_bodies_become_markdown(repo: Path, httpserver: HTTPServer) -> None:
    import_statuspage(repo, serve_public(httpserver), NOW)
    messages = [u["message"] for u in yaml.safe_load(event_files(repo)[LOGIN])["updates"]]
    assert messages[0] == (
        "Users cannot log in to the **dashboard**. See [help](https://example.com/help)."
    )
    assert (
        messages[1] == "A fix has been deployed:\n\n- sessions are valid again\n- new logins work"
    )
    assert messages[2] == "This incident has been resolved.\\\nWe are sorry for the trouble."
    assert to_markdown("5 < 6 and a_b stay") == "5 < 6 and a_b stay"  # plain text untouched


def test_postmortem_groups_and_maintenance_windows(repo: Path, httpserver: HTTPServer) -> None:
    import_statuspage(repo, serve_public(httpserver), NOW)
    files = event_files(repo)
    regions = yaml.safe_load(files["2026-09-02-elevated-latency-in-all-regions.yaml"])
    assert regions["postmortem"] == "A bad route announcement.\n\nWe added a filter."
    # The update named the group: it stands for the group's components.
    assert regions["components"] == {"us-east": "major_outage", "eu-west": "major_outage"}
    assert [u["status"] for u in regions["updates"]] == ["investigating", "resolved"]
    gateway = yaml.safe_load(files["2026-10-25-api-gateway-upgrade.yaml"])
    assert gateway["type"] == "maintenance"
    assert (gateway["starts"], gateway["ends"]) == (
        datetime.fromisoformat("2026-10-25T02:00:00+00:00"),
        datetime.fromisoformat("2026-10-25T04:00:00+00:00"),
    )
    statuses = [u["status"] for u in gateway["updates"]]
    assert statuses == ["scheduled", "in_progress", "verifying", "completed"]
    upcoming = yaml.safe_load(files["2026-12-01-eu-west-database-upgrade.yaml"])
    assert upcoming["components"] == ["eu-west"]


def test_components_are_appended_keeping_the_users_text(repo: Path, httpserver: HTTPServer) -> None:
    import_statuspage(repo, serve_public(httpserver), NOW)
    text = repo.read_text(encoding="utf-8")
    head, _, rest = CONFIG.partition("\ncontact:")
    assert text.startswith(head.split("  # - id: legacy")[0])
    assert "  - id: web            # the marketing site\n" in text
    assert "  # - id: legacy       (retired in 2025)\n" in text
    assert text.endswith("\ncontact:" + rest)
    components = yaml.safe_load(text)["components"]
    assert components == [
        {"id": "web", "name": "Website"},
        {"id": "api", "name": "API", "group": "Core Platform", "description": "Public REST API"},
        {
            "id": "dashboard",
            "name": "Dashboard",
            "group": "Core Platform",
            "description": "Web console",
        },
        {"id": "us-east", "name": "US East", "group": "Regions"},
        {"id": "eu-west", "name": "EU West", "group": "Regions"},
    ]


def test_the_built_site_shows_the_imported_incidents(repo: Path, httpserver: HTTPServer) -> None:
    import_statuspage(repo, serve_public(httpserver), NOW)
    build(repo, repo.parent / "site", NOW)
    page = soup(repo.parent / "site" / "incidents" / LOGIN.removesuffix(".yaml") / "index.html")
    shown = words(page.body)
    assert "Dashboard login failures" in shown
    assert "Users cannot log in to the dashboard" in shown
    assert page.select_one("a[href='https://example.com/help']") is not None
    assert page.select_one("strong") is not None  # the <strong> came back through Markdown
    times = {datetime.fromisoformat(str(t["datetime"])) for t in page.select("time[datetime]")}
    for at in ("2026-10-14T08:00:00-07:00", "2026-10-14T08:55:41-07:00", "2026-10-14T09:40-07:00"):
        assert datetime.fromisoformat(at) in times
    history = words(soup(repo.parent / "site" / "history" / "2026-10" / "index.html").body)
    assert "Dashboard login failures" in history and "API gateway upgrade" in history


def test_saved_directory_and_a_rerun_changes_nothing(repo: Path) -> None:
    import_statuspage(repo, str(STATUSPAGE_DATA), NOW)
    config, files = repo.read_bytes(), event_files(repo)
    again = import_statuspage(repo, str(STATUSPAGE_DATA), NOW)
    assert again.summary() == (
        "imported 0 incidents, 0 maintenances, 0 components; 5 already present; 1 skipped"
    )
    assert repo.read_bytes() == config
    assert event_files(repo) == files


def test_a_rerun_imports_only_what_is_new_and_brings_untouched_files_up_to_date(
    repo: Path, tmp_path: Path
) -> None:
    saved = tmp_path / "saved"
    shutil.copytree(STATUSPAGE_DATA, saved)
    import_statuspage(repo, str(saved), NOW)
    incidents = json.loads((saved / "incidents.json").read_text(encoding="utf-8"))
    current = incidents["incidents"][0]
    current["status"] = "resolved"
    current["incident_updates"].insert(
        0,
        {
            "id": "n3w5u7p9d1aa",
            "status": "resolved",
            "body": "Error rates are back to normal.",
            "display_at": "2026-11-23T10:30:00.000Z",
            "created_at": "2026-11-23T10:30:00.000Z",
            "affected_components": None,
        },
    )
    brand_new = json.loads(json.dumps(current))
    brand_new.update(id="b9r8a7n6d5nw", name="Slow dashboard")
    incidents["incidents"].append(brand_new)
    (saved / "incidents.json").write_text(json.dumps(incidents), encoding="utf-8")
    report = import_statuspage(repo, str(saved), NOW)
    assert report.summary() == (
        "imported 1 incident, 0 maintenances, 0 components; 1 updated; 4 already present; 1 skipped"
    )
    updated = yaml.safe_load(event_files(repo)[OPEN])
    assert updated["updates"][-1]["message"] == "Error rates are back to normal."
    assert "2026-11-23-slow-dashboard.yaml" in event_files(repo)
    assert errors(repo) == []


def test_an_edited_file_is_kept_unless_forced(repo: Path, tmp_path: Path) -> None:
    import_statuspage(repo, str(STATUSPAGE_DATA), NOW)
    path = repo.parent / "incidents" / LOGIN
    edited = path.read_text(encoding="utf-8").replace("Dashboard login", "Login")
    path.write_text(edited, encoding="utf-8")
    saved = tmp_path / "saved"
    shutil.copytree(STATUSPAGE_DATA, saved)
    incidents = json.loads((saved / "incidents.json").read_text(encoding="utf-8"))
    incidents["incidents"][1]["name"] = "Dashboard login failures (EU)"
    (saved / "incidents.json").write_text(json.dumps(incidents), encoding="utf-8")
    report = import_statuspage(repo, str(saved), NOW)
    assert "1 kept as edited (--force replaces them)" in report.summary()
    assert (
        f"kept incident c4r8t1y6u3io: incidents/{LOGIN} was edited since it was imported"
        in list(report.details())
    )
    assert path.read_text(encoding="utf-8") == edited
    forced = import_statuspage(repo, str(saved), NOW, force=True)
    assert forced.updated == [path]
    assert "title: Dashboard login failures (EU)" in path.read_text(encoding="utf-8")


def test_a_users_own_file_is_never_replaced_unless_forced(repo: Path) -> None:
    mine = repo.parent / "incidents" / LOGIN
    mine.write_text(
        "type: incident\ntitle: Mine\ncomponents: [web]\nupdates:\n"
        "  - at: 2026-10-14T18:00\n    status: resolved\n    message: Written by hand.\n",
        encoding="utf-8",
    )
    report = import_statuspage(repo, str(STATUSPAGE_DATA), NOW)
    assert (
        f"skipped incident c4r8t1y6u3io: incidents/{LOGIN} exists and was not imported; "
        "--force replaces it"
    ) in list(report.details())
    assert "title: Mine" in mine.read_text(encoding="utf-8")
    import_statuspage(repo, str(STATUSPAGE_DATA), NOW, force=True)
    assert "title: Dashboard login failures" in mine.read_text(encoding="utf-8")
    assert errors(repo) == []


# --- the authenticated REST API -------------------------------------------------------


def rest_incident(number: int) -> dict[str, Any]:
    """An incident as GET /v1/pages/ID/incidents returns it (postmortem_body included)."""
    key = f"rest{number:08d}"
    day = f"2025-{1 + number // 28 % 12:02d}-{1 + number % 28:02d}"
    return {
        "id": key,
        "name": f"Incident number {number}",
        "status": "resolved",
        "impact": "minor",
        "created_at": f"{day}T10:00:00.000+01:00",
        "started_at": f"{day}T10:00:00.000+01:00",
        "resolved_at": f"{day}T11:00:00.000+01:00",
        "scheduled_for": None,
        "scheduled_until": None,
        "postmortem_body": "<p>Root cause: <em>a typo</em>.</p>" if number == 0 else None,
        "shortlink": f"https://stspg.io/{key}",
        "page_id": "pg1",
        "components": [{"id": "cmpapi000001", "name": "API", "status": "operational"}],
        "incident_updates": [
            {
                "id": f"{key}u2",
                "status": "resolved",
                "body": "Fixed.",
                "display_at": f"{day}T11:00:00.000+01:00",
                "created_at": f"{day}T11:00:00.000+01:00",
                "affected_components": [
                    {
                        "code": "cmpapi000001",
                        "name": "API",
                        "old_status": "degraded_performance",
                        "new_status": "operational",
                    }
                ],
            },
            {
                "id": f"{key}u1",
                "status": "investigating",
                "body": "Slow.",
                "display_at": f"{day}T10:00:00.000+01:00",
                "created_at": f"{day}T10:00:00.000+01:00",
                "affected_components": [
                    {
                        "code": "cmpapi000001",
                        "name": "API",
                        "old_status": "operational",
                        "new_status": "degraded_performance",
                    }
                ],
            },
        ],
    }


REST_MAINTENANCE = {
    "id": "restmaint001",
    "name": "Database failover test",
    "status": "completed",
    "impact": "maintenance",
    "scheduled_for": "2025-06-01T01:00:00.000+01:00",
    "scheduled_until": "2025-06-01T03:00:00.000+01:00",
    "components": [{"id": "cmpdb0000001", "name": "Database", "status": "operational"}],
    "incident_updates": [
        {
            "id": "rm1",
            "status": "scheduled",
            "body": "Planned.",
            "display_at": "2025-05-20T09:00:00.000+01:00",
            "affected_components": None,
        }
    ],
}


def serve_rest(httpserver: HTTPServer, incidents: list[dict[str, Any]]) -> str:
    """The REST API for page pg1, answering key 'sekret' only, in pages of PAGE_SIZE."""
    headers = {"Authorization": "OAuth sekret"}
    base = "/v1/pages/pg1"
    components = [
        {
            "id": "cmpgroup0001",
            "name": "Backend",
            "group": True,
            "group_id": None,
            "components": ["cmpapi000001", "cmpdb0000001"],
        },
        {
            "id": "cmpapi000001",
            "name": "API",
            "group": False,
            "group_id": "cmpgroup0001",
            "description": "REST",
        },
        {
            "id": "cmpdb0000001",
            "name": "Database",
            "group": False,
            "group_id": "cmpgroup0001",
            "description": None,
        },
    ]
    query = {"per_page": str(PAGE_SIZE), "limit": str(PAGE_SIZE)}
    httpserver.expect_request(
        f"{base}/components", query_string={"page": "1", **query}, headers=headers
    ).respond_with_json(components)
    httpserver.expect_request(f"{base}/component-groups").respond_with_json(
        {"error": "no"}, status=404
    )
    pages = [incidents[i : i + PAGE_SIZE] for i in range(0, len(incidents), PAGE_SIZE)]
    if len(incidents) % PAGE_SIZE == 0:
        pages.append([])
    for number, rows in enumerate(pages, start=1):
        httpserver.expect_request(
            f"{base}/incidents", query_string={"page": str(number), **query}, headers=headers
        ).respond_with_json(rows)
    return httpserver.url_for("/v1")


def test_rest_api_reads_every_page_of_the_history(repo: Path, httpserver: HTTPServer) -> None:
    history = [rest_incident(n) for n in range(PAGE_SIZE + 4)] + [REST_MAINTENANCE]
    api = serve_rest(httpserver, history)
    report = import_statuspage(repo, None, NOW, api_key="sekret", page_id="pg1", api_url=api)
    assert report.summary() == (
        "imported 104 incidents, 1 maintenance, 2 components; 0 already present"
    )
    requested = [
        request.args.get("page")
        for request, _ in httpserver.log
        if request.path.endswith("/incidents")
    ]
    assert requested == ["1", "2"]
    assert errors(repo) == []
    first = next(t for t in event_files(repo).values() if "statuspage incident rest00000000 " in t)
    data = yaml.safe_load(first)
    assert data["postmortem"] == "Root cause: *a typo*."
    assert data["components"] == {"api": "degraded_performance"}
    assert yaml.safe_load(repo.read_text(encoding="utf-8"))["components"][1:] == [
        {"id": "api", "name": "API", "group": "Backend", "description": "REST"},
        {"id": "database", "name": "Database", "group": "Backend"},
    ]


def test_rest_api_refuses_a_wrong_key_in_one_line(repo: Path, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/v1/pages/pg1/components").respond_with_json(
        {"error": "Could not authenticate"}, status=401
    )
    with pytest.raises(
        ImportFailure, match=r"cannot read http://.*/v1/pages/pg1/components: HTTP 401"
    ):
        import_statuspage(
            repo, None, NOW, api_key="wrong", page_id="pg1", api_url=httpserver.url_for("/v1")
        )
    assert event_files(repo) == {}


def test_key_without_page_id_is_refused(repo: Path) -> None:
    with pytest.raises(ImportFailure, match="give both --api-key and --page-id"):
        import_statuspage(repo, None, NOW, api_key="sekret")


def test_a_page_that_is_not_there(repo: Path, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/api/v2/summary.json").respond_with_data("no", status=404)
    with pytest.raises(ImportFailure, match=r"summary\.json: HTTP 404"):
        import_statuspage(repo, httpserver.url_for("/"), NOW)


# --- round trip: our own site's api/v2 ------------------------------------------------


def instant(value: datetime | str) -> datetime:
    """A time of the example repository (naive: Helsinki time) as an instant."""
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=HELSINKI)


def test_round_trip_through_our_own_api(tmp_path: Path) -> None:
    """Import the example site's api/v2/ into a repository with the same components: the
    incidents come back with their updates, times and components, the windows with theirs."""
    original = copy_example(tmp_path / "original")
    later = datetime.fromisoformat("2026-12-20T12:00:00+02:00")  # every update published
    build(original, tmp_path / "original" / "site", later)
    target = tmp_path / "target"
    (target / "incidents").mkdir(parents=True)
    config = target / "statuspage.yaml"
    config.write_text(original.read_text(encoding="utf-8"), encoding="utf-8")
    report = import_statuspage(config, str(tmp_path / "original" / "site" / "api" / "v2"), later)
    assert report.components == []  # matched by name and group to the ones there
    assert errors(config) == []
    source = {
        p.stem: yaml.safe_load(p.read_text(encoding="utf-8"))
        for p in (tmp_path / "original" / "incidents").glob("*.yaml")
    }
    imported = {yaml.safe_load(t)["title"]: yaml.safe_load(t) for t in event_files(config).values()}
    for data in source.values():
        if data["type"] != "incident":
            continue
        copy = imported[data["title"]]
        assert copy["impact"] == data["impact"]
        assert [u["message"].strip() for u in copy["updates"]] == [
            u["message"].strip() for u in data["updates"]
        ]
        assert [u["status"] for u in copy["updates"]] == [u["status"] for u in data["updates"]]
        assert [u["at"] for u in copy["updates"]] == [instant(u["at"]) for u in data["updates"]]
        wanted = (
            data["components"] if isinstance(data["components"], list) else list(data["components"])
        )
        got = (
            copy["components"] if isinstance(copy["components"], list) else list(copy["components"])
        )
        assert sorted(got) == sorted(wanted)
    patching = imported["Security patching of VPS hypervisors"]
    assert [u["status"] for u in patching["updates"]] == ["in_progress", "completed"]
    assert patching["starts"] == datetime.fromisoformat("2026-11-09T23:00:00+00:00")
    assert patching["ends"] == datetime.fromisoformat("2026-11-10T03:00:00+00:00")


def test_a_resolved_incident_without_a_resolved_update_gets_one() -> None:
    """Statuspage may mark an incident resolved with no update saying so."""
    item = rest_incident(7)
    item["incident_updates"] = item["incident_updates"][1:]  # only 'investigating'
    plan = plan_from(Source(components=[], incidents=[item], maintenances=[], groups=[]))
    (event,) = plan.events
    assert [(u.at, u.status) for u in event.updates] == [
        ("2025-01-08T10:00:00.000+01:00", "investigating"),
        ("2025-01-08T11:00:00.000+01:00", "resolved"),
    ]
    assert "the last update is added: Statuspage marks the incident resolved" in event.notes


def test_a_component_the_page_no_longer_has_is_reported(repo: Path) -> None:
    item = rest_incident(3)
    item["components"].append({"id": "gone00000001", "name": "Old CDN", "status": "operational"})
    page = Source(
        components=[{"id": "cmpapi000001", "name": "API", "group": False, "group_id": None}],
        incidents=[item],
        maintenances=[],
        groups=[],
    )
    plan = plan_from(page)
    assert plan.warnings == [
        (
            "incident rest00000003",
            "component gone00000001 (Old CDN) is not among the page's components: left out",
        )
    ]
    assert plan.events[0].components == (("cmpapi000001", "degraded_performance"),)


def test_two_events_of_a_day_with_one_title_get_two_files(repo: Path, tmp_path: Path) -> None:
    saved = tmp_path / "saved"
    shutil.copytree(STATUSPAGE_DATA, saved)
    incidents = json.loads((saved / "incidents.json").read_text(encoding="utf-8"))
    twin = json.loads(json.dumps(incidents["incidents"][1]))
    twin["id"] = "tw1n2t3w4i5n"
    incidents["incidents"].append(twin)
    (saved / "incidents.json").write_text(json.dumps(incidents), encoding="utf-8")
    import_statuspage(repo, str(saved), NOW)
    assert "2026-10-14-dashboard-login-failures-2.yaml" in event_files(repo)
    again = import_statuspage(repo, str(saved), NOW)
    assert again.summary().startswith(
        "imported 0 incidents, 0 maintenances, 0 components; 6 already"
    )
    assert errors(repo) == []


def test_rate_limited_pages_are_retried(repo: Path, httpserver: HTTPServer) -> None:
    headers = {"Authorization": "OAuth sekret"}
    query = {"page": "1", "per_page": str(PAGE_SIZE), "limit": str(PAGE_SIZE)}
    base = "/v1/pages/pg1"
    httpserver.expect_request(f"{base}/components").respond_with_json(
        [{"id": "cmpapi000001", "name": "API", "group": False, "group_id": None}]
    )
    httpserver.expect_request(f"{base}/component-groups").respond_with_json([])
    answers = [
        Response('{"error": "rate limited"}', status=429, headers={"Retry-After": "0"}),
        Response(json.dumps([rest_incident(1)]), content_type="application/json"),
    ]
    httpserver.expect_request(
        f"{base}/incidents", query_string=query, headers=headers
    ).respond_with_handler(lambda request: answers.pop(0))
    report = import_statuspage(
        repo, None, NOW, api_key="sekret", page_id="pg1", api_url=httpserver.url_for("/v1")
    )
    assert report.summary().startswith("imported 1 incident, 0 maintenances, 1 component")
    assert answers == []  # asked twice


def test_a_full_public_page_says_the_rest_api_has_more(repo: Path, tmp_path: Path) -> None:
    saved = tmp_path / "saved"
    shutil.copytree(STATUSPAGE_DATA, saved)
    incidents = {"incidents": [rest_incident(n) for n in range(50)]}
    (saved / "incidents.json").write_text(json.dumps(incidents), encoding="utf-8")
    report = import_statuspage(repo, str(saved), NOW)
    assert (
        "note page: the public API holds only the latest 50 incidents; --api-key and "
        "--page-id read the whole history"
    ) in list(report.details())


def test_a_component_renamed_after_the_import_stays_the_same_component(repo: Path) -> None:
    import_statuspage(repo, str(STATUSPAGE_DATA), NOW)
    text = repo.read_text(encoding="utf-8")
    assert "  - id: api  # from statuspage b7n2c4x9p1qz\n" in text
    repo.write_text(text.replace("name: API\n", "name: Public API\n"), encoding="utf-8")
    files = event_files(repo)
    again = import_statuspage(repo, str(STATUSPAGE_DATA), NOW)
    assert again.components == [] and "5 already present" in again.summary()
    assert event_files(repo) == files


def test_updates_of_one_moment_keep_the_apis_order() -> None:
    item = rest_incident(2)
    item["incident_updates"][0]["display_at"] = item["incident_updates"][1]["display_at"]
    plan = plan_from(Source(components=[], incidents=[item], maintenances=[], groups=[]))
    assert [u.status for u in plan.events[0].updates] == ["investigating", "resolved"]
