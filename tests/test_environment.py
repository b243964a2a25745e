"""When the machine says no: output places that cannot take a site, a full disk, a
read-only or vanished output, a permission denied (issues 22 and 24).

Each is one line naming the path and the reason, exit 1, and the site that was there stays
as it was; "internal error" is for our bugs only. Real mounts where the machine allows
them (a small tmpfs, a read-only bind mount), and a real other user for permissions.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from statuspage import build as stage_build
from statuspage.cli import cli
from statuspage.load.sources import display_path
from statuspage.output import MARKER
from tests.conftest import REPO_ROOT, Project

NOW = ["--now", "2026-11-23T10:00"]
NOBODY = 65534


def snapshot(directory: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(directory)): path.read_bytes()
        for path in sorted(directory.rglob("*"))
        if path.is_file()
    }


def one_line_error(result: Result) -> str:
    """The build failed as a user error: exit 1, one line, no traceback, no bug report."""
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    lines = result.output.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.output
    assert "internal error" not in result.output and "Traceback" not in result.output
    return lines[0]


def _mount(*command: str) -> None:
    if os.name != "posix" or os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting needs root and mount(8)")
    done = subprocess.run(["mount", *command], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        pytest.skip(f"mount is not permitted here: {done.stderr.strip()}")


@contextmanager
def mounted(point: Path, *command: str) -> Iterator[Path]:
    point.mkdir(parents=True, exist_ok=True)
    _mount(*command, str(point))
    try:
        yield point
    finally:
        subprocess.run(["umount", "-l", str(point)], check=False)


@contextmanager
def tmpfs(point: Path, size: str) -> Iterator[Path]:
    with mounted(point, "-t", "tmpfs", "-o", f"size={size}", "tmpfs") as place:
        yield place


def fill(disk: Path) -> None:
    """Fill the file system at `disk` to its last block."""
    with (disk / "filler").open("wb", buffering=0) as filler:
        with pytest.raises(OSError, match="No space left on device"):
            while True:
                filler.write(b"\0" * 4096)


def remount_read_only(point: Path, bind: bool = False) -> None:
    _mount("-o", "remount,bind,ro" if bind else "remount,ro", str(point))


@pytest.mark.parametrize(
    ("output", "message"),
    [
        ("/proc/site", "refusing to build into /proc/site: /proc is on a proc file system"),
        ("/sys/site", "refusing to build into /sys/site: /sys is on a sysfs file system"),
        (
            "statuspage.yaml/sub",
            "refusing to build into statuspage.yaml/sub: statuspage.yaml is a file, "
            "not a directory",
        ),
        (
            "statuspage.yaml/a/b",
            "refusing to build into statuspage.yaml/a/b: statuspage.yaml is a file",
        ),
    ],
)
def test_a_place_that_cannot_hold_a_site_is_refused_plainly(
    project: Project, runner: CliRunner, output: str, message: str
) -> None:
    if output.startswith(("/proc", "/sys")) and not Path(output).parent.is_dir():
        pytest.skip(f"no {Path(output).parent} here")
    before = snapshot(project.root)
    line = one_line_error(runner.invoke(cli, ["build", "--output", output, *NOW]))
    assert line.startswith(f"Error: {message}"), line
    assert snapshot(project.root) == before


def test_a_full_disk_names_the_place_and_leaves_the_site_as_it_was(
    project: Project, runner: CliRunner
) -> None:
    with tmpfs(project.root / "small", "1m") as small:
        site = small / "site"
        assert runner.invoke(cli, ["build", "--output", str(site), *NOW]).exit_code == 0
        before = snapshot(site)
        fill(small)
        result = runner.invoke(cli, ["build", "--output", str(site), "--now", "2026-11-24T10:00"])
        line = one_line_error(result)
        shown = display_path(site)
        assert line.startswith(
            f"Error: cannot write the site into {shown}: No space left on device"
        )
        assert line.endswith(f"; {shown} is as it was")
        assert snapshot(site) == before
        assert sorted(p.name for p in small.iterdir()) == ["filler", "site"]  # no half tree


def test_a_full_disk_while_writing_into_the_kept_tree(project: Project, runner: CliRunner) -> None:
    """From the third build on, the site is written into the build before last."""
    with tmpfs(project.root / "small", "2m") as small:
        site = small / "site"
        for day in ("23", "24"):
            result = runner.invoke(cli, ["build", "--output", str(site), "--now", f"2026-11-{day}"])
            assert result.exit_code == 0, result.output
        before = snapshot(site)
        project.write_event(  # a new page, and no room left for it
            "new",
            "type: incident\ntitle: New\ncomponents: [email]\nupdates:\n"
            "  - at: 2026-11-20T09:00\n    status: investigating\n    message: Looking.\n",
        )
        fill(small)
        line = one_line_error(runner.invoke(cli, ["build", "--output", str(site), *NOW]))
        # The file named is the first that needed a new block of the kept tree: the new
        # page, or one that grew with it (the month of history that lists it).
        kept = re.escape(display_path(small / ".site.previous"))
        shown = re.escape(display_path(site))
        assert re.fullmatch(
            f"Error: cannot write the site into {shown}: No space left on device "
            rf"\({kept}/(incidents/new|history/2026-11|)/?index\.html\); {shown} is as it was",
            line,
        ), line
        assert snapshot(site) == before


@pytest.mark.parametrize("how", ["tmpfs", "bind"])
def test_a_read_only_output_file_system_is_refused_before_anything_is_read(
    project: Project, runner: CliRunner, how: str
) -> None:
    place = project.root / "ro"
    source = project.root / "bound"
    source.mkdir()
    command = ("--bind", str(source)) if how == "bind" else ("-t", "tmpfs", "tmpfs")
    with mounted(place, *command):
        assert runner.invoke(cli, ["build", "--output", str(place / "site"), *NOW]).exit_code == 0
        before = snapshot(place / "site")
        remount_read_only(place, bind=how == "bind")
        result = runner.invoke(cli, ["build", "--output", str(place / "site"), *NOW])
        line = one_line_error(result)
        assert line == (
            f"Error: refusing to build into {display_path(place / 'site')}: "
            f"{display_path(place)} is on a read-only file system"
        )
        assert snapshot(place / "site") == before


def test_a_linked_output_whose_target_is_a_mount_point_is_refused(
    project: Project, runner: CliRunner
) -> None:
    """The new tree is made beside the target and swapped with it: a mount point cannot
    trade places with a directory (EBUSY), so say so before writing, naming the target."""
    www = project.root / "www"
    with tmpfs(www / "status", "1m") as status:
        (project.root / "site").symlink_to(status, target_is_directory=True)
        line = one_line_error(runner.invoke(cli, ["build", *NOW]))
        shown = display_path(status)
        assert line == (
            f"Error: refusing to build into site (a link to {shown}): {shown} is a mount point,"
            " which cannot be swapped for the new site; give a directory inside it"
        )
        assert list(status.iterdir()) == []
        assert sorted(p.name for p in www.iterdir()) == ["status"]
        # A directory inside the mounted file system is fine: the swap stays on it.
        (project.root / "site").unlink()
        (project.root / "site").symlink_to(status / "public", target_is_directory=True)
        assert runner.invoke(cli, ["build", *NOW]).exit_code == 0
        assert (status / "public" / MARKER).is_file()


def test_an_output_that_vanishes_during_the_build(
    project: Project, runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    www = project.root / "www"
    render: Callable[..., Iterator[object]] = stage_build.render_site

    def vanishing(*args: object, **kwargs: object) -> Iterator[object]:
        for number, part in enumerate(render(*args, **kwargs)):
            if number == 1:
                shutil.rmtree(www)  # an unmounted share, a clean-up script, ...
            yield part

    monkeypatch.setattr(stage_build, "render_site", vanishing)
    line = one_line_error(runner.invoke(cli, ["build", "--output", str(www / "site"), *NOW]))
    assert line.startswith(f"Error: cannot write the site into {display_path(www / 'site')}: ")
    assert "No such file or directory (" in line
    assert not www.exists()


# --- Another user -------------------------------------------------------------------------


@pytest.fixture
def shared(tmp_path: Path) -> Iterator[Path]:
    """A status repository that the user `nobody` can read (pytest's tmp_path is private)."""
    if os.name != "posix" or os.geteuid() != 0:
        pytest.skip("needs root, to run a build as another user (root ignores permissions)")
    top = Path(tempfile.mkdtemp(prefix="statuspage-shared-"))
    top.chmod(0o755)
    root = top / "repo"
    root.mkdir()
    Project(root)  # readable by all
    try:
        yield root
    finally:
        shutil.rmtree(top, ignore_errors=True)


def build_as_nobody(root: Path, output: Path) -> subprocess.CompletedProcess[str]:
    """`statuspage build` in a real process of another user."""
    script = (  # a first build as root imports all: this Python may be readable by root only
        "import os, sys, tempfile, datetime, pathlib\n"
        "from statuspage.build import build\n"
        "from statuspage.cli import main\n"
        "with tempfile.TemporaryDirectory() as scratch:\n"
        "    now = datetime.datetime(2026, 11, 23, tzinfo=datetime.UTC)\n"
        "    build(pathlib.Path('statuspage.yaml'), pathlib.Path(scratch, 'site'), now)\n"
        f"os.setgroups([]); os.setgid({NOBODY}); os.setuid({NOBODY})\n"
        "sys.argv = ['statuspage', 'build', '--jobs', '1', '--output', sys.argv[1]]\n"
        "main()\n"
    )
    environment = {
        **os.environ,
        "STATUSPAGE_NOW": "2026-11-23T10:00",
        "STATUSPAGE_NO_CACHE": "1",
        "PYTHONPATH": str(REPO_ROOT),
    }
    return subprocess.run(
        [sys.executable, "-c", script, str(output)],
        cwd=root,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def plain_failure(process: subprocess.CompletedProcess[str]) -> str:
    assert process.returncode == 1, (process.stdout, process.stderr)
    lines = process.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), process.stderr
    assert "internal error" not in process.stderr
    return lines[0]


def test_permission_denied_to_create_the_site_is_refused_before_reading(shared: Path) -> None:
    www = shared.parent / "www"
    www.mkdir(mode=0o755)  # root's; nobody may not create anything in it
    line = plain_failure(build_as_nobody(shared, www / "site"))
    assert line == (
        f"Error: refusing to build into {www / 'site'}: permission denied to create files in {www}"
    )
    assert list(www.iterdir()) == []


def test_permission_denied_inside_the_kept_tree(shared: Path) -> None:
    """A directory in the build before last that nobody may write (made by root, say)."""
    www = shared.parent / "www"
    www.mkdir()
    www.chmod(0o777)
    for _ in range(2):
        assert build_as_nobody(shared, www / "site").returncode == 0
    before = snapshot(www / "site")
    locked = www / ".site.previous" / "components" / "email"
    (locked / "index.html").unlink()  # to be written again, where nobody may not
    os.chown(locked, 0, 0)
    locked.chmod(0o755)
    line = plain_failure(build_as_nobody(shared, www / "site"))
    assert line == (
        f"Error: cannot write the site into {www / 'site'}: Permission denied "
        f"({locked / 'index.html'}); {www / 'site'} is as it was"
    )
    assert snapshot(www / "site") == before


def test_a_linked_target_in_a_directory_nobody_may_write(shared: Path) -> None:
    www = shared.parent / "www"
    (www / "status").mkdir(parents=True)
    www.chmod(0o755)
    os.chown(www / "status", NOBODY, NOBODY)  # the target is theirs; its directory is not
    (shared / "site").symlink_to(www / "status", target_is_directory=True)
    line = plain_failure(build_as_nobody(shared, shared / "site"))
    assert line == (
        f"Error: refusing to build into site (a link to {www / 'status'}): "
        f"permission denied to create files in {www}"
    )
    assert list((www / "status").iterdir()) == []


def test_any_other_refusal_of_the_machine_is_one_line_too(
    project: Project, runner: CliRunner
) -> None:
    """The last resort for what the machine refuses (here `update` on a read-only mount):
    the path and the reason, not a bug report."""
    path = project.write_event(
        "mail",
        "type: incident\ntitle: Mail\ncomponents: [email]\nupdates:\n"
        "  - at: 2026-11-23T09:00\n    status: investigating\n    message: Looking.\n",
    )
    before = path.read_bytes()
    incidents = project.root / "incidents"
    with mounted(incidents, "--bind", str(incidents)):
        remount_read_only(incidents, bind=True)
        result = runner.invoke(
            cli, ["update", "mail", "--status", "resolved", "--message", "Fixed.", *NOW]
        )
        line = one_line_error(result)
    assert line.startswith("Error: incidents/"), line
    assert line.endswith(": Read-only file system"), line
    assert path.read_bytes() == before


def test_a_linked_target_of_another_user_in_a_sticky_directory(shared: Path) -> None:
    """As in /tmp: anyone may create files there, but only a directory's owner may move it."""
    www = shared.parent / "www"
    (www / "status").mkdir(parents=True)
    www.chmod(0o1777)
    (shared / "site").symlink_to(www / "status", target_is_directory=True)
    line = plain_failure(build_as_nobody(shared, shared / "site"))
    assert line == (
        f"Error: refusing to build into site (a link to {www / 'status'}): {www / 'status'} "
        f"belongs to another user and {www} is sticky, so it cannot be swapped"
    )
    assert sorted(p.name for p in www.iterdir()) == ["status"]
