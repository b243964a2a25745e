"""The parse cache (issue 6): an unchanged file is not parsed again, and nothing else changes.

Whatever is in .statuspage-cache/ (nothing, our own file, garbage, a forged file), `check`
reports the same problems, and the loaded documents hold the same data and marks, as a
run without any cache.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from statuspage.cli import cli
from statuspage.load import cache as cache_module
from statuspage.load import sources as sources_module
from statuspage.load.documents import Document
from statuspage.load.sources import DocumentCache, display_path, source_root
from tests.conftest import Project


def load_sources(config_path: Path, cache: DocumentCache | None = None) -> sources_module.Sources:
    """Stage 1 as the commands run it: through the parse cache beside the config."""
    if cache is None:
        cache = cache_module.ParseCache.open(source_root(config_path))
    return sources_module.load_sources(config_path, cache)


CACHE_FILE = Path(".statuspage-cache") / "documents.json"

# Aliases, nesting, empty collections, keys that look like numbers, every scalar type,
# text beyond ASCII: everything whose data or marks JSON could get subtly wrong.
TRICKY = """\
type: incident
title: "Ünïcode — \\"quoted\\" ☃"
impact: minor
components: &parts [email]
extra:
  "1": one
  2: two
  "": empty key
  nested: [[1, 2.5, -0.0], {}, [], {a: null, b: true, c: false}]
  copy: *parts
  big: 123456789012345678901234567890
  inf: .inf
  nan: .nan
  multi: |
    line one
    line two
updates:
  - at: 2026-11-23T09:00
    status: investigating
    message: Nobody can send email.
  - &update
    at: 2026-11-23T09:30
    status: identified
  - *update
"""

BROKEN = {
    "syntax": "type: incident\ntitle: [unclosed\n",
    "duplicate": "type: incident\ntitle: a\ntitle: b\n",
    "tag": "type: !!python/object:os.system incident\n",
    "empty": "",
    "not-utf8": b"type: incident\ntitle: caf\xe9\n",
    "control": 'type: incident\ntitle: "bell \\a"\n',
    "invalid-model": "type: incident\ntitel: x\ncomponents: [mail]\nupdates: []\n",
}


@pytest.fixture
def repo(project: Project) -> Project:
    """The minimal project with a tricky valid event, a plain one, and one of each breakage."""
    project.write_event("tricky", TRICKY)
    project.write_event(
        "plain",
        "type: maintenance\ntitle: Upgrade\ncomponents: [vps]\n"
        "starts: 2026-12-01T02:00\nends: 2026-12-01T03:00\n",
    )
    for name, text in BROKEN.items():
        path = project.root / "incidents" / f"{name}.yaml"
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
    return project


def snapshot(project: Project) -> tuple[list[str], list[tuple[Any, ...]]]:
    """What a user can see of stage 1 and `check`: the problems, and every document."""
    loaded = load_sources(project.config_path)
    documents = [loaded.config, *loaded.events]
    return project.problems(), [_document(d) for d in documents if d is not None]


def _document(document: Document) -> tuple[Any, ...]:
    # repr() tells 1 from 1.0 and True, and keeps dict order; nan != nan, but its repr is equal.
    return (
        str(document.path),
        document.display,
        repr(document.data),
        list(document.marks.values.items()),
        list(document.marks.keys.items()),
    )


def uncached(project: Project, monkeypatch: pytest.MonkeyPatch) -> tuple[Any, ...]:
    with monkeypatch.context() as patch:
        patch.setenv("STATUSPAGE_NO_CACHE", "1")
        return snapshot(project)


def count_parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    parsed: list[str] = []
    real = sources_module.parse_document

    def counting(path: Path, shown: str, raw: bytes) -> Document:
        parsed.append(path.name)
        return real(path, shown, raw)

    monkeypatch.setattr(sources_module, "parse_document", counting)
    return parsed


def entries() -> dict[str, Any]:
    files: dict[str, Any] = json.loads(CACHE_FILE.read_text(encoding="utf-8"))["files"]
    return files


def test_second_run_is_served_from_the_cache_and_equals_a_fresh_parse(
    repo: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = uncached(repo, monkeypatch)
    assert not CACHE_FILE.parent.exists()
    assert snapshot(repo) == expected  # the first run writes the cache
    assert CACHE_FILE.is_file()
    parsed = count_parses(monkeypatch)
    assert snapshot(repo) == expected
    assert parsed == []  # not one file parsed again, the broken ones neither


def test_problems_are_placed_the_same_from_the_cache(repo: Project) -> None:
    first = repo.problems()
    assert any(line.startswith("incidents/invalid-model.yaml:2:1: unknown field") for line in first)
    assert any(line.startswith("incidents/syntax.yaml:") for line in first)
    assert repo.problems() == first
    assert repo.problems() == first


def test_only_a_changed_file_is_parsed_again(
    repo: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    snapshot(repo)
    repo.write_event("plain", "type: incident\ntitle: Now broken\n")
    parsed = count_parses(monkeypatch)
    assert snapshot(repo) == uncached(repo, monkeypatch)
    assert parsed[0] == "plain.yaml"  # then the uncached run parses everything


def test_same_size_and_mtime_edit_is_seen(project: Project) -> None:
    path = project.write_event(
        "a", "type: incident\ntitle: aaaa\ncomponents: [email]\nupdates: []\n"
    )
    before = path.stat()
    assert load_sources(project.config_path).events[0].data["title"] == "aaaa"
    path.write_text(
        "type: incident\ntitle: bbbb\ncomponents: [email]\nupdates: []\n", encoding="utf-8"
    )
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert path.stat().st_size == before.st_size
    assert path.stat().st_mtime_ns == before.st_mtime_ns
    assert load_sources(project.config_path).events[0].data["title"] == "bbbb"


def _stamp(path: Path) -> list[Any]:
    info = path.stat()
    return [info.st_size, info.st_mtime_ns, info.st_ctime_ns]


def _forge(repo: Project, name: str, change: dict[int, Any]) -> None:
    """Rewrite one entry of the cache file: its items at the given positions replaced."""
    payload = json.loads(CACHE_FILE.read_text(encoding="utf-8"))
    entry = payload["files"][f"incidents/{name}.yaml"]
    for index, value in change.items():
        entry[index] = value
    CACHE_FILE.write_text(json.dumps(payload), encoding="utf-8")


@pytest.mark.parametrize(
    "change",
    [
        {4: "0" * 64},  # the hash of other bytes: same size and times, other content
        {3: -1},  # another ctime: a cache committed with the files, or restored with them
        {2: 0},  # another mtime
    ],
    ids=["hash", "ctime", "mtime"],
)
def test_an_entry_is_used_only_when_everything_matches(
    repo: Project, monkeypatch: pytest.MonkeyPatch, change: dict[int, Any]
) -> None:
    expected = uncached(repo, monkeypatch)
    snapshot(repo)
    path = repo.root / "incidents" / "plain.yaml"
    assert entries()["incidents/plain.yaml"][1:4] == _stamp(path)
    _forge(repo, "plain", {5: {"type": "incident", "title": "Forged"}, **change})
    assert snapshot(repo) == expected


def test_a_matching_entry_is_believed(repo: Project) -> None:
    """The converse of the above, so that it proves something: the entry is what is served."""
    snapshot(repo)
    forged = {"type": "incident", "title": "From the cache"}
    _forge(repo, "plain", {5: forged, 6: "[[1, 1, 1, 7, 2, 8], [1, 1, 2, 1]]"})
    plain = next(e for e in load_sources(repo.config_path).events if e.path.name == "plain.yaml")
    assert plain.data == forged
    assert plain.marks.at(("title",)) == (2, 8)


def test_damaged_marks_are_read_again_from_the_file(
    repo: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = uncached(repo, monkeypatch)
    snapshot(repo)
    for damaged in ["[[1, 1], []]", "[[], []]", "[[0, 0], [1, 1]]", "[[1, 2, 3]]", "[", "{}"]:
        _forge(repo, "invalid-model", {6: damaged})  # wrong, with a matching stamp
        _forge(repo, "tricky", {6: damaged})
        assert snapshot(repo) == expected


def _wrong_shapes(valid: str) -> str:
    """Every entry replaced by something of a wrong shape (but with a matching stamp)."""
    payload = json.loads(valid)
    files = payload["files"]
    shapes: list[Any] = []
    for entry in files.values():
        stamp = entry[1:5]
        shapes += [
            {"a": 1},
            None,
            [],
            ["document"],
            ["error", *stamp, "1", 2, "x"],
            ["error", *stamp, 0, 0, "x"],
            ["error", *stamp, True, 1, "x"],
            ["document", *stamp, {}, 5],
            ["document", *stamp, {}],
            ["other", *entry[1:]],
            [*entry, "extra"],
        ]
    payload["files"] = dict(zip(files, shapes[3:], strict=False))
    return json.dumps(payload)


CORRUPTIONS = {
    "garbage": lambda valid: "\x00\xff garbage",
    "empty": lambda valid: "",
    "truncated": lambda valid: valid[: len(valid) // 2],
    "not-an-object": lambda valid: "[1, 2, 3]",
    "files-a-list": lambda valid: json.dumps({**json.loads(valid), "files": [["statuspage.yaml"]]}),
    "other-format": lambda valid: json.dumps({**json.loads(valid), "format": 999}),
    "other-version": lambda valid: json.dumps({**json.loads(valid), "statuspage": "0.0.0"}),
    "other-parser": lambda valid: json.dumps({**json.loads(valid), "parser": "pyyaml 1"}),
    "wrong-shapes": _wrong_shapes,
    "deep-nesting": lambda valid: "[" * 100_000 + "]" * 100_000,
    "huge-integer": lambda valid: '{"format": ' + "9" * 5000 + "}",
}


@pytest.mark.parametrize("kind", CORRUPTIONS)
def test_a_corrupt_cache_file_is_ignored_and_replaced(
    repo: Project, monkeypatch: pytest.MonkeyPatch, runner: CliRunner, kind: str
) -> None:
    expected_problems, expected_documents = uncached(repo, monkeypatch)
    snapshot(repo)
    corrupt = CORRUPTIONS[kind](CACHE_FILE.read_text(encoding="utf-8"))

    CACHE_FILE.write_text(corrupt, encoding="utf-8")
    loaded = load_sources(repo.config_path)
    documents = [loaded.config, *loaded.events]
    assert [_document(d) for d in documents if d is not None] == expected_documents
    CACHE_FILE.write_text(corrupt, encoding="utf-8")
    assert repo.problems() == expected_problems
    CACHE_FILE.write_text(corrupt, encoding="utf-8")
    result = runner.invoke(cli, ["check", "--now", "2026-11-23T10:00"])
    assert result.exit_code == 1
    assert result.output.splitlines()[:-1] == expected_problems

    parsed = count_parses(monkeypatch)  # the file was written again, whole, and is used
    assert snapshot(repo) == (expected_problems, expected_documents)
    assert parsed == []


def test_a_cache_that_cannot_be_written_does_not_break_check(
    project: Project, runner: CliRunner
) -> None:
    (project.root / ".statuspage-cache").write_text("not a directory", encoding="utf-8")
    for _ in range(2):
        result = runner.invoke(cli, ["check", "--now", "2026-11-23T10:00"])
        assert result.exit_code == 0, result.output
        assert result.output.strip() == "OK: no problems."
    assert (project.root / ".statuspage-cache").read_text(encoding="utf-8") == "not a directory"


def test_failed_writes_do_not_break_check(
    project: Project, runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Read-only file system")

    monkeypatch.setattr(cache_module.os, "replace", refuse)
    result = runner.invoke(cli, ["check", "--now", "2026-11-23T10:00"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "OK: no problems."
    assert [p.name for p in (project.root / ".statuspage-cache").glob("*.tmp")] == []


def test_an_unreadable_cache_file_is_ignored(
    project: Project, runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    load_sources(project.config_path)
    CACHE_FILE.unlink()
    CACHE_FILE.mkdir()  # reading it fails; so does replacing it
    result = runner.invoke(cli, ["check", "--now", "2026-11-23T10:00"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "OK: no problems."


def test_the_cache_is_not_read_or_written_through_a_symbolic_link(
    project: Project, tmp_path_factory: pytest.TempPathFactory
) -> None:
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    (project.root / ".statuspage-cache").symlink_to(elsewhere, target_is_directory=True)
    load_sources(project.config_path)
    assert list(elsewhere.iterdir()) == []


def test_deleted_files_drop_out_of_the_cache(repo: Project) -> None:
    snapshot(repo)
    assert "incidents/plain.yaml" in entries()
    (repo.root / "incidents" / "plain.yaml").unlink()
    load_sources(repo.config_path)
    assert "incidents/plain.yaml" not in entries()
    assert set(entries()) == {
        "statuspage.yaml",
        *(f"incidents/{p.name}" for p in (repo.root / "incidents").iterdir()),
    }


def test_the_cache_is_written_only_when_something_changed(
    repo: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    snapshot(repo)
    writes: list[Path] = []
    real = cache_module._write

    def counting(directory: Path, data: bytes) -> None:
        writes.append(directory)
        real(directory, data)

    monkeypatch.setattr(cache_module, "_write", counting)
    snapshot(repo)
    assert writes == []
    repo.write_event("new", "type: incident\ntitle: New\n")
    snapshot(repo)
    assert len(writes) == 1
    assert "incidents/new.yaml" in entries()


def test_statuspage_no_cache_turns_it_off(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STATUSPAGE_NO_CACHE", "1")
    load_sources(project.config_path)
    assert not (project.root / ".statuspage-cache").exists()


def test_the_cache_file_is_plain_json_and_keeps_itself_out_of_git(project: Project) -> None:
    load_sources(project.config_path)
    payload = json.loads(CACHE_FILE.read_text(encoding="utf-8"))
    assert payload["statuspage"] and payload["format"] and "statuspage.yaml" in payload["files"]
    assert (CACHE_FILE.parent / ".gitignore").read_text(encoding="utf-8").splitlines()[-1] == "*"


def test_a_copied_repository_uses_its_own_cache(
    repo: Project, monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """A cache that came with the files (a commit, a copy) has other ctimes: it is not used."""
    expected = uncached(repo, monkeypatch)
    snapshot(repo)
    copy = tmp_path_factory.mktemp("copy") / "repo"
    shutil.copytree(repo.root, copy, copy_function=shutil.copy2)  # keeps the mtimes
    parsed = count_parses(monkeypatch)
    monkeypatch.chdir(copy)
    loaded = load_sources(copy / "statuspage.yaml")
    assert len(parsed) == 1 + len(list((copy / "incidents").iterdir()))  # every file
    assert [repr(d.data) for d in [loaded.config, *loaded.events] if d is not None] == [
        d[2] for d in expected[1]
    ]


@pytest.mark.parametrize("where", ["root", "incidents", "parent", "elsewhere"])
def test_shown_paths_follow_the_working_directory(
    repo: Project,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path_factory: pytest.TempPathFactory,
    where: str,
) -> None:
    snapshot(repo)  # and then from the cache
    cwd = {
        "root": repo.root,
        "incidents": repo.root / "incidents",
        "parent": repo.root.parent,
        "elsewhere": tmp_path_factory.mktemp("elsewhere"),
    }[where]
    monkeypatch.chdir(cwd)
    loaded = load_sources(repo.config_path)
    assert loaded.events
    for document in loaded.events:
        assert document.display == display_path(document.path)
    problems = {p.path for p in loaded.problems}
    assert display_path(repo.root / "incidents" / "syntax.yaml") in problems


def test_links_that_go_nowhere_are_skipped_with_a_warning(project: Project) -> None:
    incidents = project.root / "incidents"
    (incidents / "loop-a.yaml").symlink_to(incidents / "loop-b.yaml")
    (incidents / "loop-b.yaml").symlink_to(incidents / "loop-a.yaml")
    (incidents / "dangling.yaml").symlink_to(incidents / "missing.yaml")
    for _ in range(2):  # no incident vanishes without a word (issue 19)
        assert project.problems() == [
            "incidents/dangling.yaml:1:1: warning: ignored: a symbolic link to nothing "
            "(its target does not exist)",
            "incidents/loop-a.yaml:1:1: warning: ignored: a loop of symbolic links",
            "incidents/loop-b.yaml:1:1: warning: ignored: a loop of symbolic links",
        ]


def test_init_ignores_the_cache_in_git(tmp_path: Path, runner: CliRunner) -> None:
    result = runner.invoke(cli, ["init", str(tmp_path / "status")])
    assert result.exit_code == 0, result.output
    lines = (tmp_path / "status" / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert ".statuspage-cache/" in lines


def test_files_the_cache_cannot_hold_are_parsed_every_time(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Aliases that expand a small file far beyond its size."""
    project.write_event(
        "expands", "a: &s " + "x" * 1000 + "\nb: [" + ", ".join(["*s"] * 200) + "]\n"
    )
    project.write_event("plain", "type: incident\ntitle: Plain\n")
    with monkeypatch.context() as patch:
        patch.setenv("STATUSPAGE_NO_CACHE", "1")
        expected = [d.data for d in load_sources(project.config_path).events]
    assert [d.data for d in load_sources(project.config_path).events] == expected
    assert set(entries()) == {"statuspage.yaml", "incidents/plain.yaml"}
    parsed = count_parses(monkeypatch)
    assert [d.data for d in load_sources(project.config_path).events] == expected
    assert sorted(parsed) == ["expands.yaml"]


def test_loading_without_a_cache_writes_nothing(project: Project) -> None:
    """The caller passes the cache in: stage 1 alone has no file side effect."""
    project.write_event("x", "type: incident\ntitle: X\ncomponents: [vps]\nupdates: []\n")
    before = sorted(p.relative_to(project.root) for p in project.root.rglob("*"))
    loaded = sources_module.load_sources(project.config_path)
    assert [document.path.name for document in loaded.events] == ["x.yaml"]
    assert sorted(p.relative_to(project.root) for p in project.root.rglob("*")) == before
