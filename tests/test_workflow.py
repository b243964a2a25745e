"""The operator's workflow: init, new and update, and the publishing workflow init writes."""

from __future__ import annotations

import difflib
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tomllib
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from statuspage import __version__
from statuspage.authoring.edit import NewUpdate, UpdateError, append_update
from statuspage.build import build
from statuspage.check import check
from statuspage.cli import cli
from statuspage.load.sources import load_sources
from statuspage.model.validate import require_valid, validate_sources
from statuspage.state import compute_state
from tests.conftest import HELSINKI, REPO_ROOT, Project

NOW = "2026-11-23T10:00"


def run(runner: CliRunner, *args: str) -> str:
    result = runner.invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_init_then_check_and_build_pass(tmp_path: Path, runner: CliRunner) -> None:
    target = tmp_path / "status"
    output = run(runner, "init", str(target), "--timezone", "Europe/Helsinki", "--now", NOW)
    created = {
        Path(line.removeprefix("created ")).relative_to(target).as_posix()
        for line in output.splitlines()
    }
    assert {
        "statuspage.yaml",
        "README.md",
        ".gitignore",
        ".github/workflows/statuspage.yml",
        "extra/README.md",
    } <= created
    kinds = sorted(
        yaml.safe_load(p.read_text(encoding="utf-8"))["type"]
        for p in (target / "incidents").glob("*.yaml")
    )
    assert kinds == ["backup", "incident", "maintenance"]
    for moment in ["2026-11-23T10:00", "2027-06-01T12:00"]:
        at = datetime.fromisoformat(moment).replace(tzinfo=HELSINKI)
        assert [str(p) for p in check(target / "statuspage.yaml", at)] == []
    build(
        target / "statuspage.yaml", target / "site", datetime(2026, 11, 23, 10, 0, tzinfo=HELSINKI)
    )
    assert (target / "site" / "index.html").is_file()
    assert (target / ".gitignore").read_text(encoding="utf-8").splitlines()[-1] == "site/"
    # extra/'s example explains the folder, and is not itself published.
    assert "CNAME" in (target / "extra" / "README.md").read_text(encoding="utf-8")
    assert not (target / "site" / "README.md").exists()


def test_init_ignores_what_builds_leave_beside_the_site(tmp_path: Path, runner: CliRunner) -> None:
    """git ignores the build before last and the trees of builds that were killed."""
    if shutil.which("git") is None:
        pytest.skip("needs git")
    target = tmp_path / "status"
    run(runner, "init", str(target), "--now", NOW)
    for name in ["site", ".site.previous", ".site.new-k2j4x9", ".site.old-abc123"]:
        (target / name).mkdir()
        (target / name / "index.html").write_text("built", encoding="utf-8")
    (target / ".statuspage-cache").mkdir()
    (target / ".statuspage-cache" / "documents.json").write_text("{}", encoding="utf-8")
    subprocess.run(["git", "init", "-q", str(target)], check=True)
    listed = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=all"],
        cwd=target,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    untracked = sorted(line[3:] for line in listed.splitlines())
    assert untracked == sorted(
        [
            ".github/workflows/statuspage.yml",
            ".gitignore",
            "README.md",
            "extra/README.md",
            "statuspage.yaml",
            *(f"incidents/{p.name}" for p in (target / "incidents").iterdir()),
        ]
    )


def test_init_refuses_a_non_empty_directory(tmp_path: Path, runner: CliRunner) -> None:
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    result = runner.invoke(cli, ["init", str(tmp_path)])
    assert result.exit_code == 1
    assert "it is not empty" in result.output
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


def recorded_metadata() -> str:
    return f"Metadata-Version: 2.1\nName: statuspage-static\nVersion: {__version__}\n"


def recorded_install(directory: Path, direct_url: dict[str, object] | None) -> Path:
    """A dist-info of this copy in `directory`, as pip records an install (PEP 610)."""
    info = directory / f"statuspage_static-{__version__}.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(recorded_metadata(), encoding="utf-8")
    if direct_url is not None:
        (info / "direct_url.json").write_text(json.dumps(direct_url), encoding="utf-8")
    return directory


def installed_as(
    monkeypatch: pytest.MonkeyPatch, directory: Path, direct_url: dict[str, object] | None
) -> None:
    """Make this copy look installed the way pip records it (PEP 610's direct_url.json)."""
    monkeypatch.syspath_prepend(str(recorded_install(directory, direct_url)))


def workflow_of(runner: CliRunner, target: Path, *args: str) -> tuple[dict[str, Any], str]:
    run(runner, "init", str(target), "--now", NOW, *args)
    text = (target / ".github" / "workflows" / "statuspage.yml").read_text(encoding="utf-8")
    return yaml.safe_load(text), text


COMMIT = "0123456789abcdef0123456789abcdef01234567"


@pytest.mark.parametrize(
    ("direct_url", "requirement", "local"),
    [
        (None, f"statuspage-static=={__version__}", False),  # from an index
        (
            {
                "url": "https://git.example.com/ops/statuspage",
                "vcs_info": {"vcs": "git", "commit_id": COMMIT, "requested_revision": "v0.1.0"},
            },
            f"statuspage-static @ git+https://git.example.com/ops/statuspage@{COMMIT}",
            False,
        ),
        (
            {  # never a token into a committed workflow
                "url": "https://deploy:s3cr3t@git.example.com/ops/statuspage.git",
                "vcs_info": {"vcs": "git", "commit_id": COMMIT},
                "subdirectory": "tool",
            },
            "statuspage-static @ git+https://git.example.com/ops/statuspage.git"
            f"@{COMMIT}#subdirectory=tool",
            False,
        ),
        (
            {
                "url": "ssh://git@git.example.com/ops/statuspage",
                "vcs_info": {"vcs": "git", "commit_id": COMMIT},
            },
            f"statuspage-static @ git+ssh://git@git.example.com/ops/statuspage@{COMMIT}",
            False,
        ),
        (
            {
                "url": "https://files.example.com/statuspage_static-0.1.0-py3-none-any.whl",
                "archive_info": {"hashes": {"sha256": "ab" * 32}},
            },
            "statuspage-static @ https://files.example.com/statuspage_static-0.1.0-py3-none-any"
            f".whl#sha256={'ab' * 32}",
            False,
        ),
        (
            {"url": "file:///home/ops/statuspage", "dir_info": {"editable": True}},
            "statuspage-static @ file:///home/ops/statuspage",
            True,
        ),
        (  # what pip would never write, and a shell must never run: the released name
            {"url": 'https://x.example/"; curl evil', "archive_info": {}},
            f"statuspage-static=={__version__}",
            False,
        ),
    ],
)
def test_the_workflow_installs_what_this_copy_was_installed_from(
    tmp_path: Path,
    runner: CliRunner,
    monkeypatch: pytest.MonkeyPatch,
    direct_url: dict[str, object] | None,
    requirement: str,
    local: bool,
) -> None:
    installed_as(monkeypatch, tmp_path / "site-packages", direct_url)
    workflow, text = workflow_of(runner, tmp_path / "s")
    assert workflow["env"]["STATUSPAGE_REQUIREMENT"] == requirement
    assert ("runner does not have" in text) is local  # a place only this machine has
    assert "s3cr3t" not in text


def test_the_workflow_pip_can_install_from_a_local_wheel(tmp_path: Path, runner: CliRunner) -> None:
    """The requirement init writes is one that pip itself resolves: a real `pip install
    --dry-run` of it, for a wheel on this machine (a minimal one: pip only resolves it)."""
    wheel = tmp_path / f"statuspage_static-{__version__}-py3-none-any.whl"
    info = f"statuspage_static-{__version__}.dist-info"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr(f"{info}/METADATA", recorded_metadata())
        archive.writestr(
            f"{info}/WHEEL", "Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
        )
        archive.writestr(f"{info}/RECORD", "")
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    script = "from statuspage.authoring.scaffold import installed_requirement as r; print(r()[0])"
    site = recorded_install(
        tmp_path / "site-packages",
        {"url": wheel.as_uri(), "archive_info": {"hashes": {"sha256": digest}}},
    )
    found = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tmp_path,  # not the checkout, whose egg-info would be found first
        env={**os.environ, "PYTHONPATH": os.pathsep.join([str(site), str(REPO_ROOT)])},
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert found == f"statuspage-static @ {wheel.as_uri()}#sha256={digest}"
    dry_run = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--dry-run", "--no-deps", "--no-index", found],
        capture_output=True,
        text=True,
        check=False,
    )
    assert dry_run.returncode == 0, dry_run.stderr


def test_generated_workflow_checks_builds_and_deploys(
    tmp_path: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    installed_as(monkeypatch, tmp_path / "site-packages", None)  # a release from PyPI
    run(runner, "init", str(tmp_path / "s"), "--now", NOW)
    workflow = yaml.safe_load(
        (tmp_path / "s" / ".github" / "workflows" / "statuspage.yml").read_text(encoding="utf-8")
    )
    triggers = workflow[True]  # YAML 1.1 reads the key `on` as true
    assert set(triggers) == {"pull_request", "push", "schedule", "workflow_dispatch"}
    assert triggers["push"]["branches"] == ["main"]
    assert triggers["schedule"] == [{"cron": "*/15 * * * *"}, {"cron": "41 3 * * 1"}]
    jobs = workflow["jobs"]
    assert jobs["check"]["if"] == "github.event_name == 'pull_request'"
    assert [step.get("run") for step in jobs["check"]["steps"]][-1] == "statuspage check"
    build_steps = jobs["build"]["steps"]
    uses = [step["uses"].split("@")[0] for step in build_steps if "uses" in step]
    assert uses == [
        "actions/checkout",
        "actions/setup-python",
        "actions/configure-pages",
        "actions/upload-pages-artifact",
    ]
    runs = [step["run"] for step in build_steps if "run" in step]
    assert runs == [
        'pip install "$STATUSPAGE_REQUIREMENT"',
        "statuspage check",
        "statuspage build --output site",
    ]
    assert build_steps[-1]["with"]["path"] == "site"
    assert jobs["deploy"]["needs"] == "build"
    assert jobs["deploy"]["steps"][0]["uses"].startswith("actions/deploy-pages@")
    assert jobs["deploy"]["permissions"] == {"pages": "write", "id-token": "write"}
    # GitHub stops the schedule of a public repository after 60 days without a commit: once
    # a week, an empty commit when the last is 50 days old; the only job that may write.
    keepalive = jobs["keepalive"]
    assert keepalive["if"] == "github.event.schedule == '41 3 * * 1'"
    assert keepalive["permissions"] == {"contents": "write"}
    assert "commit --allow-empty" in keepalive["steps"][-1]["run"]
    assert "50 * 86400" in keepalive["steps"][-1]["run"]
    assert [name for name, job in jobs.items() if "write" in job["permissions"].values()] == [
        "deploy",
        "keepalive",
    ]
    # Our own package ("statuspage" on PyPI is an unrelated project), at this release.
    assert workflow["env"]["STATUSPAGE_REQUIREMENT"] == f"statuspage-static=={__version__}"
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["project"]["name"] == "statuspage-static"
    assert workflow["env"]["STATUSPAGE_NO_CACHE"] == "1"  # a fresh checkout every run


def test_init_takes_the_requirement_the_workflow_installs(
    tmp_path: Path, runner: CliRunner
) -> None:
    """Before a release is on PyPI, a team installs from its git host or a wheel's URL."""
    wanted = "statuspage-static @ git+https://git.example.com/ops/statuspage@v0.1.0"
    run(runner, "init", str(tmp_path / "s"), "--requirement", wanted, "--now", NOW)
    path = tmp_path / "s" / ".github" / "workflows" / "statuspage.yml"
    workflow = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert workflow["env"]["STATUSPAGE_REQUIREMENT"] == wanted
    for hostile in ['x" && curl evil', "x\nrun: evil", "${{ secrets.TOKEN }}", " "]:
        result = runner.invoke(cli, ["init", str(tmp_path / "t"), "--requirement", hostile])
        assert result.exit_code == 1, hostile
        assert "refusing the requirement" in result.output
        assert not (tmp_path / "t").exists()


def test_pre_commit_hook_runs_check() -> None:
    hooks = yaml.safe_load((REPO_ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert hooks[0]["id"] == "statuspage-check"
    assert hooks[0]["entry"] == "statuspage check"
    assert hooks[0]["pass_filenames"] is False


def test_new_incident_is_valid_and_never_overwrites(project: Project, runner: CliRunner) -> None:
    args = [
        "new",
        "incident",
        "Email delays: 50% of mail!",
        "--component",
        "email",
        "--impact",
        "major",
        "--now",
        NOW,
    ]
    first = run(runner, *args).strip()
    second = run(runner, *args).strip()
    assert first == "incidents/2026-11-23-email-delays-50-of-mail.yaml"
    assert second == "incidents/2026-11-23-email-delays-50-of-mail-2.yaml"
    state = project.state()
    incident = next(
        i for i in state.incidents if i.incident.id == "2026-11-23-email-delays-50-of-mail"
    )
    assert incident.incident.title == "Email delays: 50% of mail!"
    assert incident.status == "investigating"
    assert incident.impact == "major"
    assert incident.started_at == datetime(2026, 11, 23, 10, 0, tzinfo=HELSINKI)
    assert state.component("email").status == "partial_outage"


def test_new_maintenance_uses_its_start_date_and_announces_it(
    project: Project, runner: CliRunner
) -> None:
    path = run(
        runner,
        "new",
        "maintenance",
        "Router swap",
        "--component",
        "vps",
        "--starts",
        "2026-12-02T01:00",
        "--duration",
        "90m",
        "--now",
        NOW,
    ).strip()
    assert path == "incidents/2026-12-02-router-swap.yaml"
    window = next(w for w in project.state().windows if w.window.id == "2026-12-02-router-swap")
    assert window.status == "scheduled"
    assert window.window.starts == datetime(2026, 12, 2, 1, 0, tzinfo=HELSINKI)
    assert window.window.length.total_seconds() == 90 * 60
    assert [u.status for u in window.window.updates] == ["scheduled"]


def test_new_backup_with_repeat(project: Project, runner: CliRunner) -> None:
    run(runner, "new", "backup", "Nightly", "--component", "email", "--starts", "2026-11-24T03:00",
        "--duration", "30m", "--repeat", "FREQ=DAILY", "--now", NOW)  # fmt: skip
    window = next(w for w in project.state().windows if w.window.id == "nightly")
    assert window.recurring
    assert [o.start.astimezone(HELSINKI).hour for o in window.next_occurrences] == [3] * 5


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--component", "emial"], 1, "Error: unknown component 'emial' (did you mean 'email'?)"),
        ([], 2, "give at least one --component"),
        (["--component", "email", "--impact", "huge"], 2, "Invalid value for '--impact'"),
    ],
)
def test_new_refuses_bad_requests(
    project: Project, runner: CliRunner, args: list[str], code: int, message: str
) -> None:
    result = runner.invoke(cli, ["new", "incident", "X", *args, "--now", NOW])
    assert result.exit_code == code
    assert message in result.output
    assert list((project.root / "incidents").iterdir()) == []


def test_new_window_needs_a_valid_start(project: Project, runner: CliRunner) -> None:
    missing = runner.invoke(cli, ["new", "maintenance", "X", "--component", "vps", "--now", NOW])
    assert missing.exit_code == 2
    gap = runner.invoke(
        cli, ["new", "maintenance", "X", "--component", "vps", "--starts", "2026-03-29T03:30"]
    )
    assert gap.exit_code == 1
    assert "does not exist in Europe/Helsinki" in gap.output
    assert list((project.root / "incidents").iterdir()) == []


COMMENTED = """\
# Our database incident. Keep this comment!
type: incident
title: Slow database   # short and clear
impact: major
components:
  shared-hosting: partial_outage
updates:
- at: 2026-11-23T09:00
  status: investigating     # aligned comment
  message: Slow queries.
  next_update: 2026-11-23T09:30

# The postmortem comes later.
postmortem: |
  To be written.
"""


def test_update_appends_only_lines(project: Project, runner: CliRunner) -> None:
    path = project.write_event("2026-11-23-db", COMMENTED)
    before = path.read_text(encoding="utf-8")
    run(runner, "update", "2026-11-23-db", "--status", "identified", "--message", "A failing disk: db-3.",
        "--next-update", "11:30", "--now", NOW)  # fmt: skip
    run(runner, "update", "2026-11-23-db", "--status", "resolved", "--message", "Fixed.\n\nAll good.",
        "--now", "2026-11-23T11:00")  # fmt: skip
    after = path.read_text(encoding="utf-8")
    diff = [
        line for line in difflib.ndiff(before.splitlines(), after.splitlines()) if line[:1] in "+-"
    ]
    assert all(line.startswith("+ ") for line in diff), diff
    assert after.startswith("# Our database incident. Keep this comment!\n")
    assert "# The postmortem comes later." in after
    incident = next(
        i for i in project.state(datetime(2026, 11, 23, 12, 0, tzinfo=HELSINKI)).incidents
    )
    assert [u.status for u in incident.updates] == ["investigating", "identified", "resolved"]
    assert incident.updates[1].message == "A failing disk: db-3."
    assert incident.updates[1].at == datetime(2026, 11, 23, 10, 0, tzinfo=HELSINKI)
    assert incident.updates[1].next_update == datetime(2026, 11, 23, 11, 30, tzinfo=HELSINKI)
    assert incident.updates[2].message == "Fixed.\n\nAll good."
    assert not incident.active


def test_update_opens_an_empty_list_and_closes_a_window(
    project: Project, runner: CliRunner
) -> None:
    path = project.write_event(
        "w",
        "type: maintenance\ntitle: W\ncomponents: [vps]\nstarts: 2026-11-23T09:00\nduration: 4h\nupdates: []  # none yet\n",
    )
    run(runner, "update", "w", "--status", "completed", "--message", "Done early.", "--now", NOW)
    assert "updates:  # none yet\n  - at: 2026-11-23T10:00+02:00\n" in path.read_text(
        encoding="utf-8"
    )
    assert project.state().windows[0].status == "completed"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--status", "completed"], "'completed' is not a status of an incident"),
        (["--status", "identified", "--at", "2026-11-23T08:00"], "is before the last update"),
        (
            ["--status", "identified", "--next-update", "2026-11-23T08:00"],
            "is not after the update itself",
        ),
        (["--status", "identified", "--at", "tomorrow"], "expected an ISO 8601 time"),
    ],
)
def test_update_refuses_what_does_not_fit(
    project: Project, runner: CliRunner, args: list[str], message: str
) -> None:
    path = project.write_event("2026-11-23-db", COMMENTED)
    before = path.read_bytes()
    result = runner.invoke(cli, ["update", "2026-11-23-db", "--message", "x", *args, "--now", NOW])
    assert result.exit_code == 1
    assert message in result.output
    assert path.read_bytes() == before


def test_update_refused_while_another_holds_the_lock(project: Project) -> None:
    fcntl = pytest.importorskip("fcntl")
    path = project.write_event("2026-11-23-db", COMMENTED)
    with path.open("rb") as held:
        fcntl.flock(held.fileno(), fcntl.LOCK_EX)
        with pytest.raises(UpdateError, match="being updated by another process"):
            append_update(
                project.config_path,
                "2026-11-23-db",
                NewUpdate("identified", "x"),
                datetime(2026, 11, 23, 10, 0, tzinfo=HELSINKI),
            )
    assert path.read_text(encoding="utf-8") == COMMENTED


def test_update_through_the_console_script(project: Project) -> None:
    project.write_event("2026-11-23-db", COMMENTED)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "statuspage",
            "update",
            "2026-11-23-db",
            "--status",
            "monitoring",
            "--message",
            "Watching.",
        ],
        cwd=project.root,
        env={**os.environ, "STATUSPAGE_NOW": "2026-11-23T10:15"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    site, events = require_valid(validate_sources(load_sources(project.config_path)))
    state = compute_state(site, events, datetime(2026, 11, 23, 10, 30, tzinfo=HELSINKI))
    assert state.incidents[0].status == "monitoring"
