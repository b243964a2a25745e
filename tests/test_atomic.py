"""The one atomic writer (statuspage/atomic.py): whole or not at all, never over a file
that `exclusive` protects, the mode kept, and leftovers of killed writes removed."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from statuspage.atomic import atomic_write


def test_replaces_in_one_step_and_keeps_the_files_mode(tmp_path: Path) -> None:
    target = tmp_path / "incident.yaml"
    target.write_text("old\n", encoding="utf-8")
    os.chmod(target, 0o600)
    before = target.stat().st_ino
    atomic_write(target, "new: ä\n")
    assert target.read_bytes() == "new: ä\n".encode()
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert target.stat().st_ino != before  # a new file renamed over, not written in place
    assert sorted(p.name for p in tmp_path.iterdir()) == ["incident.yaml"]


def test_exclusive_never_replaces_a_file(tmp_path: Path) -> None:
    target = tmp_path / "mine.yaml"
    target.write_text("the user's\n", encoding="utf-8")
    with pytest.raises(FileExistsError):
        atomic_write(target, "ours\n", exclusive=True)
    assert target.read_text(encoding="utf-8") == "the user's\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine.yaml"]


def test_a_new_file_gets_its_folders_and_the_mode_asked(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b" / "ledger.json"
    atomic_write(target, b"{}", exclusive=True, mode=0o600)
    assert target.read_bytes() == b"{}"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert stat.S_IMODE(atomic_write(tmp_path / "c.txt", "x").stat().st_mode) == 0o644


def test_a_killed_writes_leftover_is_removed_by_the_next(tmp_path: Path) -> None:
    target = tmp_path / "notified.json"
    leftover = tmp_path / ".notified.json.abc123.tmp"
    other = tmp_path / ".other.json.abc123.tmp"  # another file's: not ours to remove
    leftover.write_text("half", encoding="utf-8")
    other.write_text("half", encoding="utf-8")
    atomic_write(target, "{}")
    assert not leftover.exists()
    assert other.exists()


def test_a_failed_write_leaves_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "incident.yaml"
    target.write_text("old\n", encoding="utf-8")
    with pytest.raises(TypeError):
        atomic_write(target, 42)  # type: ignore[arg-type]
    assert target.read_text(encoding="utf-8") == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["incident.yaml"]
