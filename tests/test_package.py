"""The wheel carries the built-in theme and catalogs, and renders the same site as the source."""

from __future__ import annotations

import filecmp
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from tests.conftest import REPO_ROOT


def _same_tree(left: Path, right: Path) -> list[str]:
    """Paths that differ between two directory trees (empty when identical)."""
    files = {p.relative_to(left) for p in left.rglob("*") if p.is_file()}
    files |= {p.relative_to(right) for p in right.rglob("*") if p.is_file()}
    return sorted(
        str(f)
        for f in files
        if not (left / f).is_file()
        or not (right / f).is_file()
        or not filecmp.cmp(left / f, right / f, shallow=False)
    )


def test_wheel_carries_theme_and_renders_the_same_site(tmp_path: Path) -> None:
    source = tmp_path / "source"
    shutil.copytree(
        REPO_ROOT,
        source,
        ignore=shutil.ignore_patterns(
            ".venv*", ".git", "site", "build", "*.egg-info", "__pycache__", ".*_cache"
        ),
    )
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "-q",
            "-w",
            str(tmp_path / "dist"),
            str(source),
        ],
        check=True,
        capture_output=True,
    )
    [wheel] = (tmp_path / "dist").glob("statuspage_static-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        archive.extractall(tmp_path / "installed")
    package = REPO_ROOT / "statuspage"
    needed = {
        str(path.relative_to(REPO_ROOT))
        for folder in ("theme", "locale", "scaffold")
        for path in (package / folder).rglob("*")
        if path.is_file() and path.suffix != ".pot"
    }
    assert needed and needed <= names, sorted(needed - names)

    example = tmp_path / "example"
    example.mkdir()
    shutil.copy(REPO_ROOT / "statuspage.yaml", example)
    shutil.copytree(REPO_ROOT / "incidents", example / "incidents")
    environment = {
        **os.environ,
        "STATUSPAGE_NOW": "2026-11-23T10:00",
        "PYTHONPATH": str(tmp_path / "installed"),
    }
    run = [sys.executable, "-m", "statuspage", "build", "--output"]
    from_wheel = subprocess.run(
        [*run, "from-wheel"],
        cwd=example,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    assert from_wheel.returncode == 0, from_wheel.stdout + from_wheel.stderr
    where = subprocess.run(
        [sys.executable, "-c", "import statuspage; print(statuspage.__file__)"],
        cwd=example,
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    )
    assert where.stdout.startswith(str(tmp_path / "installed"))
    del environment["PYTHONPATH"]
    from_source = subprocess.run(
        [*run, "from-source"],
        cwd=example,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    assert from_source.returncode == 0, from_source.stderr
    assert _same_tree(example / "from-wheel", example / "from-source") == []
