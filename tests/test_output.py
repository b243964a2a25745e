"""Stage 5: the site is replaced all at once, or not at all, and never where it could hurt."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable, Mapping
from contextlib import closing
from functools import partial
from pathlib import Path

import pytest
from click.testing import CliRunner

from statuspage import output as stage_output
from statuspage.cli import cli
from statuspage.load.sources import display_path
from statuspage.output import (
    MARKER,
    MARKER_TEXT,
    OutputError,
    check_output_dir,
    new_site,
    write_site,
)
from statuspage.outputs.parallel import run_tasks
from tests.conftest import REPO_ROOT, Project

NOW = ["--now", "2026-11-23T10:00"]


def snapshot(directory: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(directory)): path.read_bytes()
        for path in sorted(directory.rglob("*"))
        if path.is_file()
    }


def test_write_site_creates_directory_with_marker(tmp_path: Path) -> None:
    write_site({"index.html": b"<p>hi</p>", "a/b.txt": b"x"}, tmp_path / "out")
    assert snapshot(tmp_path / "out") == {
        MARKER: (tmp_path / "out" / MARKER).read_bytes(),
        "a/b.txt": b"x",
        "index.html": b"<p>hi</p>",
    }
    assert [p.name for p in tmp_path.iterdir()] == ["out"]  # no temporary directory left


def test_rebuild_replaces_everything_and_drops_stale_files(tmp_path: Path) -> None:
    write_site({"old.html": b"1", "index.html": b"1"}, tmp_path / "out")
    write_site({"index.html": b"2"}, tmp_path / "out")
    assert set(snapshot(tmp_path / "out")) == {MARKER, "index.html"}
    assert (tmp_path / "out" / "index.html").read_bytes() == b"2"
    # The site it replaced is kept beside it, for the next build to write only what differs.
    assert sorted(p.name for p in tmp_path.iterdir()) == [".out.previous", "out"]
    assert set(snapshot(tmp_path / ".out.previous")) == {MARKER, "index.html", "old.html"}


SITES = [
    {"index.html": b"1", "incidents/a/index.html": b"a", "incidents/b/index.html": b"b"},
    {"index.html": b"2", "incidents/a/index.html": b"a", "feed.atom": b"f"},
    {"index.html": b"3", "incidents/a/index.html": b"a", "incidents/c/index.html": b"c"},
    {"index.html": b"4", "incidents": b"now a file", "a/b/c/d.html": b"deep"},
    {"index.html": b"5", "incidents/a/index.html": b"a2"},
]


def test_each_rebuild_holds_exactly_what_a_first_build_would(tmp_path: Path) -> None:
    for number, outputs in enumerate(SITES):
        write_site(outputs, tmp_path / "out")
        write_site(outputs, tmp_path / f"fresh-{number}")
        assert snapshot(tmp_path / "out") == snapshot(tmp_path / f"fresh-{number}")
        assert snapshot(tmp_path / "out") == {MARKER: MARKER_TEXT, **outputs}


def test_a_rebuild_writes_only_the_files_that_changed(tmp_path: Path) -> None:
    out, changed = tmp_path / "out", {**SITES[2], "index.html": b"changed"}
    write_site(SITES[2], out)
    page = out / "incidents" / "a" / "index.html"
    first = page.stat()
    write_site(SITES[2], out)  # a new tree; the first one is kept as the spare
    write_site(changed, out)  # written into the first tree: only index.html differs
    assert snapshot(out) == {MARKER: MARKER_TEXT, **changed}
    assert (page.stat().st_ino, page.stat().st_mtime_ns) == (first.st_ino, first.st_mtime_ns)


def write_in_workers(outputs: Mapping[str, bytes], out: Path) -> None:
    """write_site, each file rendered and written by one of two forked workers (as a
    large build's pages are); the parent only learns the paths."""
    tasks = [partial(dict, {path: data}) for path, data in outputs.items()]
    with new_site(out) as tree, closing(run_tasks(tasks, 2, tree.write_part)) as parts:
        for part in parts:
            tree.take(part)


def test_files_written_by_workers_make_the_same_tree(tmp_path: Path) -> None:
    """The spare tree changes shape from build to build (a directory becomes a file and
    back, deep directories appear and go); written by workers it holds what one process
    writes."""
    for number, outputs in enumerate([*SITES, *SITES]):
        write_in_workers(outputs, tmp_path / "out")
        write_site(outputs, tmp_path / f"alone-{number}")
        assert snapshot(tmp_path / "out") == snapshot(tmp_path / f"alone-{number}")
        assert snapshot(tmp_path / "out") == {MARKER: MARKER_TEXT, **outputs}


@pytest.mark.parametrize(
    ("outputs", "message"),
    [
        ({"a.html": b"1", "./a.html": b"2"}, "two outputs would be written to a.html"),
        ({"a": b"1", "a/x": b"2"}, None),  # which worker comes first decides the words
    ],
    ids=["one path", "a file and a directory"],
)
def test_workers_writing_one_place_fail_the_build(
    tmp_path: Path, outputs: dict[str, bytes], message: str | None
) -> None:
    write_site({"index.html": b"good"}, tmp_path / "out")
    with pytest.raises(OutputError, match=message):
        write_in_workers(outputs, tmp_path / "out")
    assert snapshot(tmp_path / "out") == {MARKER: MARKER_TEXT, "index.html": b"good"}


def test_a_link_planted_in_the_spare_tree_is_removed_not_followed(tmp_path: Path) -> None:
    outside = tmp_path / "precious.txt"
    outside.write_bytes(b"mine")
    write_site({"index.html": b"1", "incidents/a/index.html": b"a"}, tmp_path / "out")
    write_site({"index.html": b"2"}, tmp_path / "out")
    spare = tmp_path / ".out.previous"
    (spare / "incidents" / "a" / "index.html").unlink()
    (spare / "incidents" / "a" / "index.html").symlink_to(outside)
    (spare / "elsewhere").symlink_to(tmp_path, target_is_directory=True)
    write_site({"index.html": b"3", "incidents/a/index.html": b"new"}, tmp_path / "out")
    assert outside.read_bytes() == b"mine"
    assert snapshot(tmp_path / "out") == {
        MARKER: MARKER_TEXT,
        "index.html": b"3",
        "incidents/a/index.html": b"new",
    }
    assert not (tmp_path / "out" / "incidents" / "a" / "index.html").is_symlink()


def test_a_spare_place_taken_by_something_else_is_left_alone(tmp_path: Path) -> None:
    theirs = tmp_path / ".out.previous"
    theirs.mkdir()
    (theirs / "notes.txt").write_bytes(b"not a site")
    for number in range(3):
        write_site({"index.html": str(number).encode()}, tmp_path / "out")
    assert snapshot(theirs) == {"notes.txt": b"not a site"}
    assert snapshot(tmp_path / "out") == {MARKER: MARKER_TEXT, "index.html": b"2"}
    assert sorted(p.name for p in tmp_path.iterdir()) == [".out.previous", "out"]


def test_failure_while_writing_leaves_previous_site(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_site({"index.html": b"good"}, tmp_path / "out")
    before = snapshot(tmp_path / "out")
    written: list[str] = []

    def failing_second(write: Callable[[str, bytes], None]) -> Callable[[str, bytes], None]:
        def failing(path: str, data: bytes) -> None:
            written.append(path)
            if len(written) == 2:
                raise OSError(28, "No space left on device")
            write(path, data)

        return failing

    with monkeypatch.context() as patched:
        patched.setattr(stage_output, "_write", failing_second(stage_output._write))
        with pytest.raises(OutputError, match="No space left on device"):
            write_site({"index.html": b"new", "more.html": b"new"}, tmp_path / "out")
    assert snapshot(tmp_path / "out") == before
    assert [p.name for p in tmp_path.iterdir()] == ["out"]
    # Again, now into the spare tree that later builds write into: the site stays as it was.
    write_site({"index.html": b"second"}, tmp_path / "out")
    before = snapshot(tmp_path / "out")
    written.clear()
    with monkeypatch.context() as patched:
        patched.setattr(stage_output, "_write", failing_second(stage_output._write))
        patched.setattr(stage_output, "_rewrite", failing_second(stage_output._rewrite))
        with pytest.raises(OutputError, match="No space left on device"):
            write_site({"index.html": b"new", "more.html": b"new"}, tmp_path / "out")
    assert snapshot(tmp_path / "out") == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [".out.previous", "out"]


def test_two_outputs_for_one_path_fail_the_build_and_change_nothing(tmp_path: Path) -> None:
    write_site({"index.html": b"good"}, tmp_path / "out")
    before = snapshot(tmp_path / "out")
    with pytest.raises(OutputError, match=r"two outputs would be written to feed\.atom"):
        with new_site(tmp_path / "out") as site:
            site.write({"index.html": b"new", "feed.atom": b"from the feeds"})
            site.write({"feed.atom": b"from a page"})
    assert snapshot(tmp_path / "out") == before


@pytest.mark.parametrize("relpath", ["../escape.html", "/etc/passwd", "a/../../b", "a\\..\\b"])
def test_write_site_refuses_paths_outside(tmp_path: Path, relpath: str) -> None:
    with pytest.raises(OutputError):
        write_site({relpath: b"x"}, tmp_path / "out")
    assert not (tmp_path / "out").exists()
    assert not (tmp_path / "escape.html").exists()


def test_non_empty_directory_without_marker_is_refused(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / "thesis.txt").write_text("years of work", encoding="utf-8")
    with pytest.raises(OutputError, match="not made by statuspage build"):
        check_output_dir(home, tmp_path / "repo")
    assert (home / "thesis.txt").read_text(encoding="utf-8") == "years of work"


def test_empty_directory_is_accepted(tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    assert check_output_dir(tmp_path / "out", tmp_path / "repo") == tmp_path / "out"


def test_build_into_the_sources_is_refused(project: Project, runner: CliRunner) -> None:
    before = snapshot(project.root)
    for output in [".", "..", str(project.root), "incidents/site", "templates"]:
        result = runner.invoke(cli, ["build", "--output", output, *NOW])
        assert result.exit_code == 1, (output, result.output)
        assert result.output.startswith("Error: refusing to build into"), result.output
    assert snapshot(project.root) == before


def test_build_into_a_users_directory_is_refused(project: Project, runner: CliRunner) -> None:
    documents = project.root.parent / "documents"
    documents.mkdir()
    (documents / "notes.txt").write_text("mine", encoding="utf-8")
    result = runner.invoke(cli, ["build", "--output", str(documents), *NOW])
    assert result.exit_code == 1
    assert "not made by statuspage build" in result.output
    assert [p.name for p in documents.iterdir()] == ["notes.txt"]


def test_corrupt_source_after_good_build_changes_nothing(
    project: Project, runner: CliRunner
) -> None:
    project.write_event(
        "2026-11-23-mail",
        """\
        type: incident
        title: Mail is slow
        components: [email]
        updates:
          - at: 2026-11-23T09:00
            status: investigating
            message: Looking.
        """,
    )
    assert runner.invoke(cli, ["build", *NOW]).exit_code == 0
    before = snapshot(project.root / "site")
    project.write_event("2026-11-23-mail", "type: incident\ntitle: [unclosed\n")
    result = runner.invoke(cli, ["build", *NOW])
    assert result.exit_code == 1
    assert result.output.startswith("incidents/2026-11-23-mail.yaml:3:1: ")
    assert snapshot(project.root / "site") == before


def test_build_replaces_its_own_previous_output(project: Project, runner: CliRunner) -> None:
    assert runner.invoke(cli, ["build", *NOW]).exit_code == 0
    assert runner.invoke(cli, ["build", "--now", "2026-11-24T10:00"]).exit_code == 0
    assert "2026-11-24T10:00:00+02:00" in (project.root / "site" / "index.html").read_text(
        encoding="utf-8"
    )


def test_a_first_build_into_an_empty_directory_keeps_its_spare_tree(tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    for number in range(4):
        write_site({"index.html": str(number).encode()}, tmp_path / "out")
    # The empty directory it replaced was removed, not kept as a spare that is not ours;
    # so from the third build on, the build before last is written over.
    assert snapshot(tmp_path / ".out.previous") == {MARKER: MARKER_TEXT, "index.html": b"2"}
    assert sorted(p.name for p in tmp_path.iterdir()) == [".out.previous", "out"]


def test_a_linked_output_stays_a_link_and_what_it_points_to_is_updated(
    project: Project, runner: CliRunner
) -> None:
    """`ln -s /var/www/status site`: every build lands in the web root, atomically."""
    www = project.root / "www"
    (www / "status").mkdir(parents=True)
    (project.root / "site").symlink_to(www / "status", target_is_directory=True)
    for day in ["2026-11-23", "2026-11-24", "2026-11-25"]:
        before = (www / "status").stat().st_ino
        result = runner.invoke(cli, ["build", "--now", f"{day}T10:00"])
        assert result.exit_code == 0, result.output
        assert result.output.endswith(f"files into {display_path(www / 'status')}.\n")
        assert os.readlink(project.root / "site") == str(www / "status")
        assert f"{day}T10:00:00+02:00" in (www / "status" / "index.html").read_text("utf-8")
        assert (www / "status").stat().st_ino != before  # a new tree swapped in, not rewritten
    # The build before last is kept beside the target, not beside the link.
    assert sorted(p.name for p in www.iterdir()) == [".status.previous", "status"]
    assert "2026-11-24T10:00" in (www / ".status.previous" / "index.html").read_text("utf-8")
    assert not any(p.name.startswith(".site.") for p in project.root.iterdir())


def test_a_link_to_a_directory_not_made_yet_is_built_there(tmp_path: Path) -> None:
    (tmp_path / "out").symlink_to(tmp_path / "www" / "status", target_is_directory=True)
    write_site({"index.html": b"1"}, tmp_path / "out")
    write_site({"index.html": b"2"}, tmp_path / "out")
    assert (tmp_path / "out").is_symlink()
    assert snapshot(tmp_path / "www" / "status") == {MARKER: MARKER_TEXT, "index.html": b"2"}
    assert sorted(p.name for p in (tmp_path / "www").iterdir()) == [".status.previous", "status"]


def test_a_link_is_judged_by_where_it_leads(project: Project, runner: CliRunner) -> None:
    home = project.root / "home"
    home.mkdir()
    (home / "thesis.txt").write_text("years of work", encoding="utf-8")
    before = snapshot(project.root)
    link = project.root / "link"
    for target, message in [
        (project.root, "(a link to .): it contains the sources"),
        (project.root / "incidents", "(a link to incidents): it is inside incidents"),
        (home, "(a link to home): it is not empty and was not made by statuspage build"),
    ]:
        link.unlink(missing_ok=True)
        link.symlink_to(target, target_is_directory=True)
        result = runner.invoke(cli, ["build", "--output", str(link), *NOW])
        assert result.exit_code == 1, result.output
        assert result.output.startswith("Error: refusing to "), result.output
        assert f" link {message}" in result.output, result.output
    assert snapshot(project.root) == before
    assert [p.name for p in home.iterdir()] == ["thesis.txt"]


def _killed_build(project: Project, output: Path) -> None:
    """Run a build in another process and kill it (SIGKILL) while it writes its tree."""
    script = (
        "import os, signal, sys\n"
        "from statuspage import output\n"
        "from statuspage.cli import main\n"
        "write, calls = output._write, []\n"
        "def dying(path, data):\n"
        "    calls.append(path)\n"
        "    if len(calls) == 5:\n"
        "        os.kill(os.getpid(), signal.SIGKILL)\n"
        "    write(path, data)\n"
        "output._write = dying\n"
        "sys.argv = ['statuspage', 'build', '--jobs', '1', '--output', sys.argv[1]]\n"
        "main()\n"
    )
    process = subprocess.run(
        [sys.executable, "-c", script, str(output)],
        cwd=project.root,
        env={**os.environ, "STATUSPAGE_NOW": "2026-11-23T10:00", "PYTHONPATH": str(REPO_ROOT)},
        capture_output=True,
        check=False,
    )
    assert process.returncode == -signal.SIGKILL, process.stderr


def test_a_build_sweeps_away_the_trees_killed_builds_left(
    project: Project, runner: CliRunner
) -> None:
    assert runner.invoke(cli, ["build", *NOW]).exit_code == 0
    before = snapshot(project.root / "site")
    left = []
    for _ in range(2):
        _killed_build(project, project.root / "site")
        left.append([p.name for p in project.root.iterdir() if p.name.startswith(".site.new-")])
        assert snapshot(project.root / "site") == before  # killed before its swap: not seen
    # The second build swept away the first one's tree (under the lock), then was killed.
    assert len(left[0]) == len(left[1]) == 1 and left[0] != left[1], left
    # A killed two-rename swap leaves the old site as .site.old-*; someone's own directory
    # of a similar name, without the marker, is not ours to delete.
    write_site({"index.html": b"old"}, project.root / "elsewhere")
    (project.root / "elsewhere").rename(project.root / ".site.old-x1y2")
    (project.root / ".site.new-mine").mkdir()
    (project.root / ".site.new-mine" / "notes.txt").write_text("mine", encoding="utf-8")
    assert runner.invoke(cli, ["build", "--now", "2026-11-24T10:00"]).exit_code == 0
    assert sorted(p.name for p in project.root.iterdir() if p.name.startswith(".site.")) == [
        ".site.new-mine",
        ".site.previous",
    ]
    assert snapshot(project.root / ".site.new-mine") == {"notes.txt": b"mine"}


def test_paths_are_written_as_they_are_meant(tmp_path: Path) -> None:
    write_site({"a//b.html": b"b", "./c.html": b"c"}, tmp_path / "out")
    assert snapshot(tmp_path / "out") == {MARKER: MARKER_TEXT, "a/b.html": b"b", "c.html": b"c"}
    with pytest.raises(OutputError, match=r"two outputs would be written to a/b\.html"):
        write_site({"a/b.html": b"1", "a//b.html": b"2"}, tmp_path / "out")


@pytest.mark.parametrize("outputs", [{"a/x": b"1", "a": b"2"}, {"a": b"2", "a/x": b"1"}])
def test_a_file_and_a_directory_of_one_name_fail_the_build(
    tmp_path: Path, outputs: dict[str, bytes]
) -> None:
    write_site({"index.html": b"good"}, tmp_path / "out")
    with pytest.raises(OutputError, match="two outputs would be written to a"):
        write_site(outputs, tmp_path / "out")
    assert snapshot(tmp_path / "out") == {MARKER: MARKER_TEXT, "index.html": b"good"}


def test_a_file_also_linked_elsewhere_is_replaced_not_written_through(tmp_path: Path) -> None:
    for number in range(2):
        write_site({"index.html": str(number).encode()}, tmp_path / "out")
    backup = tmp_path / "backup.html"  # a hard link, as `cp -al` or `rsync --link-dest` make
    os.link(tmp_path / ".out.previous" / "index.html", backup)
    write_site({"index.html": b"new"}, tmp_path / "out")
    assert (tmp_path / "out" / "index.html").read_bytes() == b"new"
    assert backup.read_bytes() == b"0"


def test_without_an_atomic_exchange_two_renames_do_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where renameat2 cannot swap (another OS, an old kernel, some file systems)."""
    monkeypatch.setattr(stage_output, "_exchange", lambda first, second: False)
    for number, outputs in enumerate(SITES):
        write_site(outputs, tmp_path / "out")
        assert snapshot(tmp_path / "out") == {MARKER: MARKER_TEXT, **outputs}, number
    assert sorted(p.name for p in tmp_path.iterdir()) == [".out.previous", "out"]
    assert snapshot(tmp_path / ".out.previous") == {MARKER: MARKER_TEXT, **SITES[-2]}
