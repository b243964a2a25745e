"""Servers and regions (issue 16, the model and the `status` slice): declared on
components, named by events, checked at their place, and answered for one at a time."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import yaml
from click.testing import CliRunner

from statuspage.cli import cli
from tests.conftest import Project

NOW = "2026-11-23T10:00"

CONFIG = """\
title: Kettu Hosting status
base_url: https://status.example.com/
timezone: Europe/Helsinki
regions:
  hel1: Helsinki 1
  fra1: Frankfurt 1
components:
  - id: web
    name: Shared web hosting
    servers:
{web}
  - id: email
    name: Email
    servers:
      - name: mail1
        aliases: [mail1.kettu.example, 192.0.2.25]
        region: fra1
"""
#: Twelve web servers; web03 has aliases, as customers know it.
TWELVE = "\n".join(
    f"      - name: web{n:02d}\n        region: hel1"
    + ('\n        aliases: [web03.kettu.example, 192.0.2.13, "2001:db8::13"]' if n == 3 else "")
    for n in range(1, 13)
)

THREE_OF_TWELVE = """\
type: incident
title: Disk array failure
components: {web: major_outage}
servers: [web02, web03, web07]
updates:
  - at: 2026-11-23T09:40
    status: investigating
    message: Three servers are down.
"""


@pytest.fixture
def hosting(project: Project) -> Project:
    project.write_config(CONFIG.format(web=TWELVE))
    return project


def status(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["status", "--now", NOW, *args])
    return result.exit_code, result.output


def test_an_incident_naming_three_of_twelve_servers_affects_exactly_those(
    hosting: Project,
) -> None:
    hosting.write_event("disks", THREE_OF_TWELVE)
    answers = {}
    for n in range(1, 13):
        code, output = status("--server", f"web{n:02d}", "--json")
        assert code == 0, output
        answers[f"web{n:02d}"] = json.loads(output)["status"]
    assert {name for name, said in answers.items() if said != "operational"} == {
        "web02",
        "web03",
        "web07",
    }
    assert answers["web03"] == "major_outage"
    code, output = status("--server", "mail1", "--json")
    assert json.loads(output)["status"] == "operational"
    # The component shows the event; its uptime and the site's API are as before.
    code, output = status("--json")
    web = next(c for c in json.loads(output)["components"] if c["id"] == "web")
    assert web["status"] == "major_outage"


def test_without_servers_an_event_covers_every_server_of_its_components(
    hosting: Project,
) -> None:
    hosting.write_event("all", THREE_OF_TWELVE.replace("servers: [web02, web03, web07]\n", ""))
    for name in ("web01", "web12"):
        assert json.loads(status("--server", name, "--json")[1])["status"] == "major_outage"
    assert json.loads(status("--server", "mail1", "--json")[1])["status"] == "operational"


@pytest.mark.parametrize(
    "typed",
    [
        "web03",
        "WEB03",
        "web03.kettu.example",
        "web03.kettu.example.",
        "https://Web03.Kettu.Example/",
        "192.0.2.13",
        "2001:db8::13",
    ],
)
def test_a_server_is_found_as_customers_type_it(hosting: Project, typed: str) -> None:
    hosting.write_event("disks", THREE_OF_TWELVE)
    code, output = status("--server", typed)
    assert code == 0, output
    first = output.splitlines()[0]
    assert first == "web03 (Shared web hosting, Helsinki 1): major outage"
    assert "Disk array failure (disks)" in output


def test_an_unknown_server_gets_a_did_you_mean(hosting: Project) -> None:
    code, output = status("--server", "web3")
    assert code == 1
    assert "no server 'web3' (did you mean 'web03'?)" in output


def test_the_next_change_is_a_window_that_touches_the_server(hosting: Project) -> None:
    hosting.write_event(
        "patch",
        "type: maintenance\ntitle: Kernel patch\ncomponents: [web]\nservers: [web05]\n"
        "starts: 2026-11-24T02:00\nduration: 1h\n",
    )
    hosting.write_event(  # a backup that leaves every status as it is: no change
        "copy",
        "type: backup\ntitle: Copy\ncomponents: [web]\nstarts: 2026-11-23T22:00\nduration: 1h\n",
    )
    patched = json.loads(status("--server", "web05", "--json")[1])
    assert patched["next_change"] == "2026-11-24T00:00:00+00:00"
    assert json.loads(status("--server", "web06", "--json")[1])["next_change"] is None
    during = CliRunner().invoke(
        cli, ["status", "--now", "2026-11-24T02:30", "--server", "web05", "--json"]
    )
    assert json.loads(during.output)["status"] == "under_maintenance"
    assert json.loads(during.output)["events"] == ["patch"]


def test_check_refuses_bad_servers_at_their_place(project: Project) -> None:
    project.write_config(
        CONFIG.format(
            web="      - web01\n      - name: web02\n        region: hel9\n"
            "      - name: web04\n        aliases: [192.0.2.25]\n      - mail1"
        )
    )
    project.write_event(
        "x",
        "type: incident\ntitle: X\ncomponents: [web]\nservers: [web01, wbe02, mail1]\n"
        "updates:\n  - at: 2026-11-23T09:00\n    status: investigating\n    message: x\n",
    )
    result = CliRunner().invoke(cli, ["check", "--now", NOW])
    assert result.exit_code == 1
    assert result.output.splitlines()[:-1] == [
        "incidents/x.yaml:4:18: servers[1]: unknown server 'wbe02' (did you mean 'web02'?)",
        "incidents/x.yaml:4:25: servers[2]: 'mail1' is a server of 'email', which is not among "
        "this event's components",
        "statuspage.yaml:13:17: components[0].servers[1].region: unknown region 'hel9' "
        "(did you mean 'hel1'?)",
        "statuspage.yaml:20:15: components[1].servers[0].name: 'mail1' is already a server name "
        "or alias of component 'web' (line 16); a server belongs to one component",
        "statuspage.yaml:21:40: components[1].servers[0].aliases[1]: '192.0.2.25' is already a "
        "server name or alias of component 'web' (line 15); a server belongs to one component",
    ]


def test_check_refuses_a_server_of_another_component(hosting: Project) -> None:
    hosting.write_event(
        "x",
        "type: incident\ntitle: X\ncomponents: [web]\nservers: [web01, mail1]\n"
        "updates:\n  - at: 2026-11-23T09:00\n    status: investigating\n    message: x\n",
    )
    assert hosting.problems() == [
        "incidents/x.yaml:4:18: servers[1]: 'mail1' is a server of 'email', which is not "
        "among this event's components"
    ]


def test_new_writes_the_servers_and_refuses_others(hosting: Project, runner: CliRunner) -> None:
    result = runner.invoke(
        cli,
        [
            "new",
            "incident",
            "Web03 disk",
            "--component",
            "web",
            "--server",
            "web03",
            "--server",
            "web04",
            "--message",
            "Disk full.",
            "--now",
            NOW,
        ],
    )
    assert result.exit_code == 0, result.output
    assert hosting.problems() == []
    assert [s.name for s in hosting.state().servers if s.status != "operational"] == [
        "web03",
        "web04",
    ]
    refused = runner.invoke(
        cli, ["new", "incident", "Mail", "--component", "web", "--server", "mail1", "--now", NOW]
    )
    assert refused.exit_code == 1
    assert "'mail1' is a server of 'email': add --component email" in refused.output
    typo = runner.invoke(
        cli, ["new", "incident", "Mail", "--component", "email", "--server", "mial1", "--now", NOW]
    )
    assert "unknown server 'mial1' (did you mean 'mail1'?)" in typo.output
    assert sorted(p.name for p in (hosting.root / "incidents").iterdir()) == [
        "2026-11-23-web03-disk.yaml"
    ]


def test_status_server_in_a_real_process(hosting: Project) -> None:
    hosting.write_event("disks", THREE_OF_TWELVE)
    result = subprocess.run(
        [sys.executable, "-m", "statuspage", "status", "--now", NOW, "--server", "192.0.2.13"],
        cwd=hosting.root,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == "web03 (Shared web hosting, Helsinki 1): major outage"


def test_the_schema_describes_servers_and_regions(runner: CliRunner) -> None:
    schema = json.loads(runner.invoke(cli, ["schema", "config"]).output)
    text = json.dumps(schema)
    assert "regions" in schema["properties"]
    assert "aliases" in text
    event = json.loads(runner.invoke(cli, ["schema", "event"]).output)
    assert "servers" in json.dumps(event)


# --- update --server ----------------------------------------------------------------------

BLOCK_SERVERS = """\
type: incident
title: Disk array failure
components: {web: major_outage}
servers:        # the array's servers
  - web02
  - web03
updates:
  - at: 2026-11-23T09:40
    status: investigating
    message: Two servers are down.
"""


def update(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["update", "disks", "--now", NOW, *args])
    return result.exit_code, result.output


def test_update_adds_a_server_to_a_flow_list_and_keeps_the_rest(hosting: Project) -> None:
    path = hosting.write_event("disks", THREE_OF_TWELVE.replace("\n", "  # as planned\n", 1))
    code, output = update(
        "--status",
        "identified",
        "--message",
        "web04 too.",
        "--server",
        "WEB04.",
        "--server",
        "web03",
    )
    assert code == 0, output
    text = path.read_text(encoding="utf-8")
    assert text.splitlines()[0] == "type: incident  # as planned"  # the comment is kept
    assert yaml.safe_load(text)["servers"] == ["web02", "web03", "web07", "web04"]
    code, said = status("--server", "web04", "--json")
    assert json.loads(said)["status"] == "major_outage"


def test_update_adds_a_server_by_its_alias_to_a_block_list(hosting: Project) -> None:
    path = hosting.write_event("disks", BLOCK_SERVERS.replace("web03\n", "web01\n"))
    code, output = update(
        "--status",
        "identified",
        "--message",
        "Found it.",
        "--server",
        "https://web03.kettu.example/",
    )
    assert code == 0, output
    text = path.read_text(encoding="utf-8")
    assert "# the array's servers" in text
    data = yaml.safe_load(text)
    assert data["servers"] == ["web02", "web01", "web03"]
    assert [update["status"] for update in data["updates"]] == ["investigating", "identified"]


@pytest.mark.parametrize(
    ("event", "server", "said"),
    [
        (THREE_OF_TWELVE, "web99", "unknown server 'web99' (did you mean 'web09'?)"),
        (THREE_OF_TWELVE, "mail1", "'mail1' is a server of 'email', which 'disks' does not name"),
        (
            THREE_OF_TWELVE.replace("servers: [web02, web03, web07]\n", ""),
            "web04",
            "'disks' names no servers, so it covers every server of its components",
        ),
    ],
)
def test_update_refuses_a_server_it_cannot_add_and_changes_nothing(
    hosting: Project, event: str, server: str, said: str
) -> None:
    path = hosting.write_event("disks", event)
    before = path.read_bytes()
    code, output = update("--status", "identified", "--message", "More.", "--server", server)
    assert code == 1
    assert said in output
    assert path.read_bytes() == before
