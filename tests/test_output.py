"""Stage 5: the site is replaced all at once, or not at all, and never where it could hurt."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from statuspage.cli import cli
from statuspage.output import MARKER, OutputError, check_output_dir, write_site
from tests.conftest import Project

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
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_failure_while_writing_leaves_previous_site(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_site({"index.html": b"good"}, tmp_path / "out")
    before = snapshot(tmp_path / "out")
    written = []
    original = Path.write_bytes

    def failing(self: Path, data: bytes) -> int:
        written.append(self)
        if len(written) == 2:
            raise OSError(28, "No space left on device")
        return original(self, data)

    monkeypatch.setattr(Path, "write_bytes", failing)
    with pytest.raises(OSError):
        write_site({"index.html": b"new", "more.html": b"new"}, tmp_path / "out")
    assert snapshot(tmp_path / "out") == before
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


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
