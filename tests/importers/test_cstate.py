"""`statuspage import cstate`: a small cState content tree (data/cstate)."""

from __future__ import annotations

import difflib
import shutil
from datetime import datetime
from pathlib import Path

import pytest
import yaml

from statuspage.build import build
from statuspage.importers.common import ImportFailure
from statuspage.importers.cstate import import_cstate, utc_time
from tests.importers.conftest import CSTATE_DATA, NOW, errors, event_files, soup, words

EAST = "2018-05-25-us-east-connection-issues.yaml"
GATEWAY = "2019-03-02-gateway-down.yaml"
WINDOW = "2024-02-25-gateway-maintenance.yaml"


def test_issues_become_events_that_pass_check(repo: Path) -> None:
    report = import_cstate(repo, CSTATE_DATA, NOW)
    assert report.summary() == (
        "imported 2 incidents, 1 maintenance, 4 components; 0 already present; 1 skipped"
    )
    assert list(report.details()) == [
        "skipped issue 2024-07-01-no-date: it has no date",
        "note issue 2019-03-02-gateway-down: affected 'Payments' is not a system of "
        "config.yml: left out",
    ]
    assert list(event_files(repo)) == [EAST, GATEWAY, WINDOW]
    assert errors(repo) == []


def test_systems_and_categories_become_components_and_groups(repo: Path) -> None:
    import_cstate(repo, CSTATE_DATA, NOW)
    components = yaml.safe_load(repo.read_text(encoding="utf-8"))["components"]
    assert components[1:] == [
        {"id": "gateway", "name": "Gateway", "group": "North Coast"},
        {"id": "backup-gateway", "name": "Backup Gateway", "group": "North Coast"},
        # An `untitled` category is no group.
        {"id": "api", "name": "API", "description": "The guts of the application."},
        {
            "id": "media-proxy",
            "name": "Media Proxy",
            "description": "Serves images, audio and video.",
        },
    ]


def test_track_markers_split_the_body_into_timed_updates_in_utc(repo: Path) -> None:
    import_cstate(repo, CSTATE_DATA, NOW)
    text = event_files(repo)[EAST]
    data = yaml.safe_load(text)
    assert data["impact"] == "major"  # severity: disrupted
    assert data["components"] == {"api": "partial_outage", "media-proxy": "partial_outage"}
    assert [(u["status"], u["message"][:22]) for u in data["updates"]] == [
        ("investigating", "We're aware of reports"),
        ("monitoring", "We believe the connect"),
        ("resolved", "We believe all users e"),
    ]
    # Without an offset, cState's times are UTC: written with Z.
    assert "  - at: 2018-05-25T04:13:00Z\n" in text
    assert "  - at: 2018-05-25T05:54:00Z\n" in text


def test_offsets_kept_and_a_resolved_issue_gets_its_last_update(repo: Path) -> None:
    import_cstate(repo, CSTATE_DATA, NOW)
    text = event_files(repo)[GATEWAY]
    data = yaml.safe_load(text)
    assert data["impact"] == "critical" and data["components"] == {"gateway": "major_outage"}
    assert "  - at: 2019-03-02T10:00:00+02:00\n" in text
    assert [u["status"] for u in data["updates"]] == ["investigating", "resolved"]
    assert data["updates"][1]["at"] == datetime.fromisoformat("2019-03-02T11:30:00+02:00")
    assert "# affected 'Payments' is not a system of config.yml: left out" in text


def test_a_notice_with_an_end_is_a_maintenance(repo: Path) -> None:
    import_cstate(repo, CSTATE_DATA, NOW)
    data = yaml.safe_load(event_files(repo)[WINDOW])
    assert data["type"] == "maintenance"
    assert data["components"] == ["backup-gateway"]
    assert data["starts"] == datetime.fromisoformat("2024-02-24T22:00:00+00:00")
    assert data["ends"] == datetime.fromisoformat("2024-02-25T01:00:00+00:00")
    assert [u["status"] for u in data["updates"]] == ["scheduled", "in_progress"]


def test_rerun_changes_nothing_and_imports_what_is_new(repo: Path, tmp_path: Path) -> None:
    site = tmp_path / "cstate"
    shutil.copytree(CSTATE_DATA, site)
    import_cstate(repo, site, NOW)
    before, config = event_files(repo), repo.read_bytes()
    again = import_cstate(repo, site, NOW)
    assert again.summary() == (
        "imported 0 incidents, 0 maintenances, 0 components; 3 already present; 1 skipped"
    )
    assert event_files(repo) == before and repo.read_bytes() == config
    (site / "content" / "issues" / "2025-01-05-api-slow.md").write_text(
        "---\ntitle: API slow\ndate: 2025-01-05 08:00:00\nresolved: false\n"
        "severity: disrupted\naffected:\n  - API\nsection: issue\n---\n\n"
        '*Investigating* - Slow answers. {{< track "2025-01-05 08:05:00" >}}\n',
        encoding="utf-8",
    )
    (site / "config.yml").write_text(
        (site / "config.yml")
        .read_text(encoding="utf-8")
        .replace("  systems:\n", "  systems:\n    - name: Search\n      category: Uncategorized\n"),
        encoding="utf-8",
    )
    newer = import_cstate(repo, site, NOW)
    assert newer.summary() == (
        "imported 1 incident, 0 maintenances, 1 component; 3 already present; 1 skipped"
    )
    changes = difflib.SequenceMatcher(
        None, config.decode().splitlines(), repo.read_text(encoding="utf-8").splitlines()
    ).get_opcodes()
    assert {op for op, *_ in changes} == {"equal", "insert"}  # lines added, none changed
    assert "2025-01-05-api-slow.yaml" in event_files(repo)


def test_the_built_site_shows_the_issues(repo: Path) -> None:
    import_cstate(repo, CSTATE_DATA, NOW)
    build(repo, repo.parent / "site", NOW)
    page = soup(repo.parent / "site" / "incidents" / EAST.removesuffix(".yaml") / "index.html")
    shown = words(page.body)
    assert "US East Connection Issues" in shown
    assert "isolated ISP issue" in shown
    times = {datetime.fromisoformat(str(t["datetime"])) for t in page.select("time[datetime]")}
    assert datetime.fromisoformat("2018-05-25T04:40:00+00:00") in times
    gateway = soup(
        repo.parent / "site" / "incidents" / GATEWAY.removesuffix(".yaml") / "index.html"
    )
    assert gateway.select_one("strong") is not None  # the body's Markdown renders


def test_utc_time() -> None:
    assert utc_time("2018-05-25 04:13:00") == "2018-05-25T04:13:00Z"
    assert utc_time("2018-05-25") == "2018-05-25T00:00:00Z"
    assert utc_time("2019-03-02T10:00:00+02:00") == "2019-03-02T10:00:00+02:00"
    assert utc_time("2019-03-02 10:00:00 +02:00") == "2019-03-02T10:00:00+02:00"


def test_not_a_cstate_site(repo: Path, tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(ImportFailure, match=r"has no config\.yml: is it a cState site"):
        import_cstate(repo, tmp_path / "empty", NOW)


def test_odd_file_names_and_texts_import_and_rerun(repo: Path, tmp_path: Path) -> None:
    site = tmp_path / "cstate"
    shutil.copytree(CSTATE_DATA, site)
    (site / "content" / "issues" / "odd name.md").write_text(
        '---\ntitle: |\n  Two\n  lines\ndate: 2025-02-01 10:00\nseverity: "down\\nx"\n'
        "resolved: true\nsection: issue\n---\n\n# A heading\n\nBody: with # and a: colon\n",
        encoding="utf-8",
    )
    report = import_cstate(repo, site, NOW)
    assert report.summary().startswith("imported 3 incidents")
    text = event_files(repo)["2025-02-01-two-lines.yaml"]
    assert text.startswith("# statuspage import: cstate incident odd%20name (sha256:")
    assert "# severity on cState: down x (read as disrupted)\n" in text  # one line
    data = yaml.safe_load(text)
    assert data["title"] == "Two lines"
    assert data["updates"][0]["message"] == "# A heading\n\nBody: with # and a: colon"
    assert errors(repo) == []
    assert "4 already present" in import_cstate(repo, site, NOW).summary()


def test_toml_front_matter(repo: Path, tmp_path: Path) -> None:
    site = tmp_path / "cstate"
    shutil.copytree(CSTATE_DATA, site)
    (site / "content" / "issues" / "2025-03-01-toml.md").write_text(
        '+++\ntitle = "Gateway flapping"\ndate = 2025-03-01T10:00:00\nresolved = true\n'
        'resolvedWhen = 2025-03-01T12:00:00+01:00\nseverity = "down"\naffected = ["Gateway"]\n'
        '+++\n\n*Monitoring* - Stable for now. {{< track "2025-03-01 10:30:00" >}}\n',
        encoding="utf-8",
    )
    import_cstate(repo, site, NOW)
    text = event_files(repo)["2025-03-01-gateway-flapping.yaml"]
    data = yaml.safe_load(text)
    assert [(u["status"], u["message"]) for u in data["updates"]] == [
        ("monitoring", "Stable for now."),
        ("resolved", "This issue has been resolved."),
    ]
    assert "  - at: 2025-03-01T12:00:00+01:00\n" in text
    assert errors(repo) == []
