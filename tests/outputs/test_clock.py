"""Issue 12 without a browser: what the build embeds for the script, stale builds, overdue
promises, and an API history that repeating windows cannot flood."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner

from statuspage.build import build
from statuspage.cli import cli
from statuspage.load.sources import THEME_DIR
from statuspage.outputs.api import render_api
from statuspage.state import MAX_AHEAD
from tests.conftest import MINIMAL_CONFIG, Project
from tests.outputs.test_api import active, scrape
from tests.outputs.test_clock_browser import BUILT, make_site
from tests.outputs.test_server_pages import MAIL_DOWN, REBOOT
from tests.outputs.test_server_pages import NOW as SERVERS_NOW
from tests.test_servers import CONFIG, THREE_OF_TWELVE, TWELVE


def parts(html: str) -> dict[str, str]:
    """Every element the script follows, by key, as an HTML parser serialises it."""
    soup = BeautifulSoup(html, "html5lib")
    return {element["data-clock"]: str(element) for element in soup.select("[data-clock]")}


def clock_data(html: str) -> dict[str, object]:
    soup = BeautifulSoup(html, "html5lib")
    found = soup.find("script", id="clock-data")
    assert found is not None
    data: dict[str, object] = json.loads(found.string or "")
    return data


def in_force(steps: list[list[str]], moment: datetime) -> str:
    """The step the script picks at `moment`: the last one whose time has come."""
    chosen = steps[0][1]
    for at, html in steps[1:]:
        if datetime.fromisoformat(at) <= moment:
            chosen = html
    return chosen


def test_embedded_parts_are_what_a_build_at_each_moment_shows(tmp_path: Path) -> None:
    """At any moment of the next 14 days, the step the script picks is the fresh build's part."""
    site = make_site(tmp_path / "repo", "fi", BUILT)
    pages = ["index.html", "incidents/nightly/index.html", "incidents/kernel/index.html"]
    data = {page: clock_data((site / page).read_text("utf-8")) for page in pages}
    assert {"windows", "c:web", "c:db"} <= data["index.html"]["regions"].keys()  # type: ignore[attr-defined]
    for hours in range(1, 14 * 24, 29):
        moment = BUILT + timedelta(hours=hours, minutes=7)
        fresh = make_site(tmp_path / "repo", "fi", moment)
        for page in pages:
            regions: dict[str, list[list[str]]] = data[page]["regions"]  # type: ignore[assignment]
            now_parts = parts((fresh / page).read_text("utf-8"))
            for key, steps in regions.items():
                if key not in now_parts:
                    # Only an event's place in a list may go (the last 7 days move on).
                    assert key[:2] in ("e:", "d:"), (hours, page, key)
                    continue
                picked = parts(f"<body>{in_force(steps, moment)}</body>")
                # A duration "so far" is written by the script; compare the rest.
                expected = parts(_without_durations((fresh / page).read_text("utf-8")))
                assert picked[key] == expected[key], (hours, page, key)


def _without_durations(html: str) -> str:
    soup = BeautifulSoup(html, "html5lib")
    for element in soup.select("[data-since]"):
        element.string = ""
    return str(soup)


def test_a_page_says_when_it_is_stale_only_through_the_script(tmp_path: Path) -> None:
    site = make_site(tmp_path / "repo", "en", BUILT)
    soup = BeautifulSoup((site / "index.html").read_text("utf-8"), "html5lib")
    notice = soup.find(id="stale")
    assert notice is not None and notice.get_text() == ""  # nothing without the script
    assert notice["role"] == "alert"
    assert notice["data-message"] == (
        "This page was last updated {ago} and may not show current problems."
    )
    data = clock_data(str(soup))
    assert data["built"] == "2026-10-24T12:00:00Z"
    assert data["stale"] == 7200  # the default stale_after, 2h
    assert data["until"] == "2026-11-07T12:00:00Z"  # 14 days on


def test_an_overdue_promise_says_so(tmp_path: Path) -> None:
    site = make_site(tmp_path / "repo", "en", BUILT + timedelta(hours=1, minutes=30))
    index = BeautifulSoup((site / "index.html").read_text("utf-8"), "html5lib")
    [promise] = index.select("#main .promise")
    assert "overdue" in promise["class"]
    assert promise.get_text(" ", strip=True) == (
        "Next update: Overdue: promised by Oct 24, 2026, 4:00\u202fPM EEST"
    )
    page = BeautifulSoup((site / "incidents/mail-down/index.html").read_text("utf-8"), "html5lib")
    facts = dict(
        zip(
            [dt.get_text(strip=True) for dt in page.select(".facts dt")],
            [dd.get_text(" ", strip=True) for dd in page.select(".facts dd")],
            strict=True,
        )
    )
    assert facts["Next update"] == "Overdue: promised by Oct 24, 2026, 4:00\u202fPM EEST"
    # Before 13:00 UTC the same promise is still to come.
    earlier = make_site(tmp_path / "repo", "en", BUILT)
    index = BeautifulSoup((earlier / "index.html").read_text("utf-8"), "html5lib")
    [promise] = index.select("#main .promise")
    assert promise.get_text(" ", strip=True) == "Next update by Oct 24, 2026, 4:00\u202fPM EEST"


def test_stale_after_is_a_duration(project: Project) -> None:
    project.write_config(MINIMAL_CONFIG + "stale_after: soon\n")
    assert project.problems() == [
        "statuspage.yaml:13:14: stale_after: expected a duration such as 90m, 2h, 1h30m or 1d, "
        "got 'soon'"
    ]
    project.write_config(MINIMAL_CONFIG + "stale_after: 45m\n")
    assert project.problems() == []
    assert project.state().site.stale_after == timedelta(minutes=45)


def test_check_and_status_say_the_last_build_is_stale(project: Project, runner: CliRunner) -> None:
    runner.invoke(cli, ["build", "--now", "2026-11-23T10:00"], catch_exceptions=False)
    fresh = runner.invoke(cli, ["check", "--strict", "--now", "2026-11-23T11:59"])
    assert (fresh.exit_code, fresh.output) == (0, "OK: no problems.\n")
    late = runner.invoke(cli, ["check", "--strict", "--now", "2026-11-24T10:00"])
    assert late.exit_code == 1
    assert late.output.splitlines() == [
        "site/index.html:1:1: warning: the site was built 1d ago (2026-11-23T10:00+02:00), "
        "longer than stale_after (2h): its pages tell visitors they may be out of date; "
        "run statuspage build",
        "Error: Aborted: 1 warning in 1 file.",
    ]
    status = runner.invoke(cli, ["status", "--now", "2026-11-24T10:00"])
    assert status.output.splitlines()[-1] == (
        "Site built: 2026-11-23 10:00 EET, 1d ago: stale (stale_after 2h); its pages say so; "
        "rebuild it"
    )
    elsewhere = runner.invoke(cli, ["status", "--now", "2026-11-24T10:00", "-o", "nowhere"])
    assert "Site built" not in elsewhere.output
    # Through a real process, as CI runs it.
    done = subprocess.run(
        [sys.executable, "-m", "statuspage", "status", "--json", "--now", "2026-11-23T11:00"],
        cwd=project.root,
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(done.stdout)["site_built"] == {
        "at": "2026-11-23T10:00:00+02:00",
        "stale": False,
    }


def test_a_dense_window_bounds_what_is_embedded(project: Project) -> None:
    """An hourly window: at most MAX_AHEAD moments, and the page is stale after the last."""
    project.write_event(
        "hourly",
        """\
        type: backup
        title: Hourly log rotation
        components: {email: degraded_performance}
        starts: 2026-01-01T00:00
        duration: 10m
        repeat: FREQ=HOURLY
        """,
    )
    state = project.state()
    ahead = state.ahead
    assert len(ahead.states) == MAX_AHEAD
    assert ahead.until == ahead.states[-1].now < state.now + timedelta(days=14)


NIGHTLY_TWO_YEARS = """\
    type: backup
    title: Nightly backup
    components: [shared-hosting]
    starts: 2024-11-23T03:00
    duration: 1h
    repeat: FREQ=DAILY
    """


def test_repeating_windows_do_not_flood_the_maintenance_history(
    project: Project, tmp_path: Path
) -> None:
    """Two years of a nightly backup beside ten one-off maintenances: all ten stay listed."""
    project.write_event("nightly", NIGHTLY_TWO_YEARS)
    for month in range(1, 11):
        project.write_event(
            f"2026-{month:02}-15-upgrade",
            f"""\
            type: maintenance
            title: Upgrade {month}
            components: [vps]
            starts: 2026-{month:02}-15T22:00
            duration: 2h
            """,
        )
    project.write_event(
        "2026-11-20-overrun",
        """\
        type: maintenance
        title: Overrun note
        components: [email]
        starts: 2026-11-30T22:00
        duration: 1h
        """,
    )
    outputs = render_api(project.state())
    listed = json.loads(outputs["api/v2/scheduled-maintenances.json"])["scheduled_maintenances"]
    names = [item["name"] for item in listed]
    assert {f"Upgrade {month}" for month in range(1, 11)} <= set(names)
    assert names.count("Nightly backup") == 1  # its next night, not one per past night
    [nightly] = [item for item in listed if item["name"] == "Nightly backup"]
    assert nightly["scheduled_for"] == "2026-11-24T01:00:00.000Z"
    # What a real client of the summary sees: the nightly once, with the same id.
    metrics, _ = scrape(outputs, tmp_path / "exporter")
    running = active(metrics["statuspage_maintenance_info"])
    assert [m["maintenance_id"] for m in running if m["maintenance_name"] == "Nightly backup"] == [
        nightly["id"]
    ]


def test_a_repeating_windows_own_updates_keep_their_night(project: Project) -> None:
    """A night with an update of its own (an overrun) stays in the history."""
    project.write_event(
        "nightly",
        textwrap.dedent(NIGHTLY_TWO_YEARS)
        + "updates:\n"
        + "  - at: 2026-11-20T04:05\n    status: in_progress\n    message: Running late.\n"
        + "  - at: 2026-11-20T04:40\n    status: completed\n    message: Done.\n",
    )
    listed = json.loads(render_api(project.state())["api/v2/scheduled-maintenances.json"])
    starts = [item["scheduled_for"] for item in listed["scheduled_maintenances"]]
    assert starts == ["2026-11-24T01:00:00.000Z", "2026-11-20T01:00:00.000Z"]


@pytest.mark.parametrize("now", [BUILT, BUILT + timedelta(days=3)])
def test_same_now_gives_the_same_embedded_parts(tmp_path: Path, now: datetime) -> None:
    first = make_site(tmp_path / "one", "ur", now)
    second = make_site(tmp_path / "two", "ur", now)
    for name in ("index.html", "incidents/nightly/index.html"):
        assert (first / name).read_bytes() == (second / name).read_bytes()


#: The mail relay is down now and recovers at 11:00, an hour ahead of the build.
MAIL_UNTIL_ELEVEN = (
    MAIL_DOWN + "  - at: 2026-11-23T11:00\n    status: resolved\n    message: Mail flows again.\n"
)
#: server_status overridden to show more than the server's own status: how many incidents
#: are active on the whole site, which the mail incident's end changes for every server.
COUNTING = """{% macro server_status(server) %}<span data-clock="s:{{ server.name }}">{{ status(server.status) }} ({{ state.active_incidents|length }})</span>{% endmacro %}"""


@pytest.mark.parametrize("override", [False, True], ids=["built-in", "overridden"])
def test_a_server_pages_status_ahead_is_what_a_build_then_shows(
    project: Project, override: bool
) -> None:
    """web05 is rebooted tomorrow night and mail recovers at 11:00. The status the script
    picks on each server's page, at each moment, is the one a build then writes, with the
    theme's server_status and with one that shows what else is going on."""
    project.write_config(CONFIG.format(web=TWELVE))
    project.write_event("disks", THREE_OF_TWELVE)
    project.write_event("mail", MAIL_UNTIL_ELEVEN)
    project.write_event("reboot", REBOOT)
    if override:
        theme = (Path(THEME_DIR) / "macros.html").read_text(encoding="utf-8")
        start = theme.index("{% macro server_status(server) %}")
        end = theme.index("{% endmacro %}", start) + len("{% endmacro %}")
        (project.root / "templates").mkdir(exist_ok=True)
        (project.root / "templates" / "macros.html").write_text(
            theme[:start] + COUNTING + theme[end:], encoding="utf-8"
        )
    build(project.config_path, project.root / "site", SERVERS_NOW)
    servers = ["web01", "web03", "web05", "mail1"]
    steps = {
        name: clock_data((project.root / "site/servers" / name / "index.html").read_text("utf-8"))[
            "regions"
        ]
        for name in servers
    }
    assert "s:web05" in steps["web05"]  # the reboot
    assert ("s:web01" in steps["web01"]) is override  # only the count changes for web01
    later = [timedelta(minutes=30), timedelta(hours=2), timedelta(hours=16, minutes=30)]
    for offset in [*later, timedelta(hours=17, minutes=30)]:
        moment = SERVERS_NOW + offset
        fresh = project.root / f"fresh-{int(offset.total_seconds())}"
        build(project.config_path, fresh, moment)
        for name in servers:
            expected = parts((fresh / "servers" / name / "index.html").read_text("utf-8"))
            key = f"s:{name}"
            regions: dict[str, list[list[str]]] = steps[name]  # type: ignore[assignment]
            if key in regions:
                picked = parts(f"<body>{in_force(regions[key], moment)}</body>")[key]
            else:  # the page's own part holds at every moment ahead
                picked = parts(
                    (project.root / "site/servers" / name / "index.html").read_text("utf-8")
                )[key]
            assert picked == expected[key], (offset, name)
