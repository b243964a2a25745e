"""extra/: files that hosts read (CNAME, _headers, .well-known/...) reach the site as they
are, confined and limited like every source, and never in place of a generated file
(issue 22)."""

from __future__ import annotations

import os
import time
from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from statuspage.build import subscriber_families
from statuspage.cli import cli
from statuspage.load.extras import MAX_EXTRA_BYTES, load_extras
from statuspage.load.sources import MAX_FILE_BYTES
from tests.conftest import HELSINKI, Project

NOW = ["--now", "2026-11-23T10:00"]
HOSTS_READ = {
    "CNAME": b"status.example.com\n",
    "_headers": b"/api/*\n  Access-Control-Allow-Origin: *\n",
    "_redirects": b"/status/*  /:splat  301\n",
    ".well-known/security.txt": b"Contact: mailto:security@example.com\r\n",
    "brand/logo.png": bytes(range(256)) * 4,  # bytes, not text: copied as they are
}


def write_extra(project: Project, files: dict[str, bytes]) -> None:
    for name, data in files.items():
        path = project.root / "extra" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def build(runner: CliRunner, *args: str) -> str:
    result = runner.invoke(cli, ["build", *NOW, *args])
    assert result.exit_code == 0, result.output
    return result.output


def refused(runner: CliRunner) -> list[str]:
    """The lines a refused build prints: its problems, then the summary."""
    started = time.monotonic()
    result = runner.invoke(cli, ["build", *NOW])
    assert time.monotonic() - started < 10  # a FIFO or a device does not hang it
    assert result.exit_code == 1, result.output
    assert "internal error" not in result.output
    lines = result.output.splitlines()
    assert lines[-1].startswith("Error: Aborted: "), lines
    return lines[:-1]


def snapshot(directory: Path) -> dict[str, bytes]:
    return {
        path.relative_to(directory).as_posix(): path.read_bytes()
        for path in sorted(directory.rglob("*"))
        if path.is_file()
    }


def test_files_under_extra_reach_the_site_root_as_they_are(
    project: Project, runner: CliRunner
) -> None:
    write_extra(project, {**HOSTS_READ, "README.md": b"# What this folder is for\n"})
    build(runner)
    site = project.root / "site"
    for name, data in HOSTS_READ.items():
        assert (site / name).read_bytes() == data, name
    assert not (site / "README.md").exists()  # the folder's own note is never published
    assert (site / "index.html").is_file()
    # A file taken out of extra/ leaves the site at the next build.
    (project.root / "extra" / "_redirects").unlink()
    build(runner, "--now", "2026-11-23T11:00")
    assert not (site / "_redirects").exists()
    assert (site / "CNAME").read_bytes() == HOSTS_READ["CNAME"]


def test_links_are_followed_while_they_stay_in_extra(project: Project, runner: CliRunner) -> None:
    """The confinement of every source (sources.SourceFolder): a link may lead anywhere in
    its own folder, and nowhere else, even inside the repository."""
    write_extra(project, {"brand/logo.svg": b"<svg/>"})
    extra = project.root / "extra"
    (extra / "logo.svg").symlink_to(extra / "brand" / "logo.svg")
    (extra / "images").symlink_to(extra / "brand", target_is_directory=True)
    build(runner)
    site = project.root / "site"
    for name in ["logo.svg", "brand/logo.svg", "images/logo.svg"]:
        assert (site / name).read_bytes() == b"<svg/>", name
        assert not (site / name).is_symlink()
    (project.root / "statuspage.yaml").rename(project.root / "config.yaml")
    (project.root / "statuspage.yaml").symlink_to(project.root / "config.yaml")
    (extra / "config.yaml").symlink_to(project.root / "config.yaml")
    assert refused(runner) == [
        "extra/config.yaml:1:1: a symbolic link out of extra/ is not allowed "
        "(it leads to config.yaml)"
    ]


def test_what_is_not_a_file_in_the_repository_is_refused_at_its_path(
    project: Project, runner: CliRunner, tmp_path_factory: pytest.TempPathFactory
) -> None:
    secret = tmp_path_factory.mktemp("outside") / "secret.txt"
    secret.write_text("root:x:0:0:the password is hunter2\n", encoding="utf-8")
    extra = project.root / "extra"
    extra.mkdir()
    (extra / "passwd").symlink_to(secret)
    (extra / "zero").symlink_to("/dev/zero")
    (extra / "outside").symlink_to(secret.parent, target_is_directory=True)
    os.mkfifo(extra / "pipe")
    (extra / "again").symlink_to(extra, target_is_directory=True)
    (extra / "gone").symlink_to(extra / "nothing-here")
    (project.root / ".git").mkdir()
    (project.root / ".git" / "config").write_text("url = https://token@x/\n", encoding="utf-8")
    (extra / "git").symlink_to(project.root / ".git", target_is_directory=True)
    (extra / "config").symlink_to(project.root / ".git" / "config")
    (extra / "everything").symlink_to(project.root, target_is_directory=True)
    lines = refused(runner)
    assert lines == [
        "extra/again:1:1: a link to a folder that contains it is not allowed",
        "extra/config:1:1: a symbolic link out of extra/ is not allowed (it leads to .git/config)",
        "extra/everything:1:1: a symbolic link out of extra/ is not allowed (it leads to .)",
        "extra/git:1:1: a symbolic link out of extra/ is not allowed (it leads to .git)",
        "extra/gone:1:1: a symbolic link to nothing (its target does not exist)",
        "extra/outside:1:1: a symbolic link out of the repository is not allowed",
        "extra/passwd:1:1: a symbolic link out of the repository is not allowed",
        "extra/pipe:1:1: a FIFO (named pipe), not a regular file",
        "extra/zero:1:1: a symbolic link out of the repository is not allowed",
    ]
    assert not (project.root / "site").exists()
    assert "hunter2" not in "\n".join(lines) and "token" not in "\n".join(lines)
    # `check` on the pull request refuses the same, before any build is tried.
    checked = runner.invoke(cli, ["check", *NOW])
    assert checked.exit_code == 1
    assert checked.output.splitlines()[:-1] == lines


def test_a_device_in_the_repository_is_refused(project: Project, runner: CliRunner) -> None:
    (project.root / "extra").mkdir()
    try:
        os.mknod(project.root / "extra" / "zero", 0o600 | 0o020000, os.makedev(1, 5))
    except (PermissionError, AttributeError):
        pytest.skip("making a device node needs root")
    assert refused(runner) == ["extra/zero:1:1: a character device, not a regular file"]


def test_each_file_and_all_of_them_have_a_size_limit(project: Project, runner: CliRunner) -> None:
    write_extra(project, {"exact.bin": b"x" * MAX_FILE_BYTES})
    build(runner)
    assert (project.root / "site" / "exact.bin").stat().st_size == MAX_FILE_BYTES
    write_extra(project, {"big.bin": b"x" * (MAX_FILE_BYTES + 1)})
    assert refused(runner) == [
        "extra/big.bin:1:1: the file is 2.0 MB; a source file may be at most 2 MB"
    ]
    (project.root / "extra" / "big.bin").unlink()
    count = MAX_EXTRA_BYTES // MAX_FILE_BYTES
    write_extra(project, {f"part-{n:02}.bin": b"x" * MAX_FILE_BYTES for n in range(count)})
    [line] = refused(runner)
    assert line.endswith(":1:1: extra/ may hold at most 20 MB in all"), line


def test_a_file_in_place_of_a_generated_one_names_both_and_changes_nothing(
    project: Project, runner: CliRunner
) -> None:
    write_extra(project, {"CNAME": b"status.example.com\n"})
    build(runner)
    before = snapshot(project.root / "site")
    write_extra(
        project,
        {
            "index.html": b"<p>mine</p>",
            "api/v2/summary.json": b"{}",
            "components": b"a file where the site has a folder",
            "feed.atom/x": b"a folder where the site has a file",
            ".statuspage-build": b"",
        },
    )
    assert refused(runner) == [
        "extra/.statuspage-build:1:1: would replace the generated .statuspage-build",
        "extra/api/v2/summary.json:1:1: would replace the generated api/v2/summary.json",
        "extra/components:1:1: would replace the generated folder components/",
        "extra/feed.atom/x:1:1: would make a folder of the generated feed.atom",
        "extra/index.html:1:1: would replace the generated index.html",
    ]
    assert snapshot(project.root / "site") == before


def test_problems_in_extra_come_with_those_of_the_other_sources(
    project: Project, runner: CliRunner
) -> None:
    project.write_event("broken", "type: incident\ntitle: [unclosed\n")
    (project.root / "extra").mkdir()
    (project.root / "extra" / "passwd").symlink_to("/etc/passwd")
    lines = refused(runner)
    assert lines[0].startswith("extra/passwd:1:1: a symbolic link out of the repository")
    assert lines[1].startswith("incidents/broken.yaml:")


def test_the_extra_files_are_a_family_serve_can_ask_for(project: Project) -> None:
    """build's render path offers them to `serve` like the feeds: by path, as they are."""
    write_extra(project, HOSTS_READ)
    state = project.state(datetime(2026, 11, 23, 10, 0, tzinfo=HELSINKI))
    task, holds = subscriber_families(state, load_extras(project.root))[-1]
    assert task() == HOSTS_READ
    assert holds("CNAME") and not holds("index.html")
    assert len(subscriber_families(state)) == 4  # calendars, feeds, API, servers.json
