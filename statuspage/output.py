"""Stage 5, write: put a rendered site in place all at once, or change nothing.

The site is written into a temporary directory beside `output_dir` and then
swapped in with two renames (old out of the way, new in place). Between the two
renames the output directory is briefly missing; it is never half written.
A directory is only ever replaced if a previous build made it (it holds the
marker file) or it is empty, so `--output .` or `--output ~` cannot destroy
anybody's files (issue 3, "Safe output").
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path, PurePosixPath

from statuspage.errors import StatusPageError

#: Written into every build; its presence says "statuspage made this directory".
MARKER = ".statuspage-build"
MARKER_TEXT = b"This directory is written by `statuspage build`; it is replaced on every build.\n"


class OutputError(StatusPageError):
    """The output directory cannot be (re)placed safely."""


def check_output_dir(
    output_dir: Path, sources_root: Path, protected: tuple[Path, ...] = ()
) -> Path:
    """Return the absolute output directory, refusing one that would endanger the sources."""
    target = Path(os.path.abspath(output_dir))
    root = Path(os.path.abspath(sources_root))
    if target == root or root.is_relative_to(target):
        raise OutputError(f"refusing to build into {output_dir}: it contains the sources")
    for path in protected:
        if target.is_relative_to(Path(os.path.abspath(path))):
            raise OutputError(f"refusing to build into {output_dir}: it is inside {path}")
    if target.exists() and not target.is_dir():
        raise OutputError(f"refusing to build into {output_dir}: it is a file, not a directory")
    if target.is_dir() and not (target / MARKER).is_file() and any(target.iterdir()):
        raise OutputError(
            f"refusing to replace {output_dir}: it is not empty and was not made by "
            f"statuspage build (no {MARKER} file in it); choose another --output or empty it"
        )
    return target


def write_site(outputs: Mapping[str, bytes], output_dir: Path) -> None:
    """Write every file under a new directory, then swap it in for `output_dir`."""
    target = Path(os.path.abspath(output_dir))
    target.parent.mkdir(parents=True, exist_ok=True)
    fresh = Path(tempfile.mkdtemp(prefix=f".{target.name}.new-", dir=target.parent))
    try:
        for relpath in sorted(outputs):
            path = fresh / _safe_relpath(relpath)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(outputs[relpath])
        (fresh / MARKER).write_bytes(MARKER_TEXT)
        _publishable(fresh)
        _swap(fresh, target)
    except BaseException:
        shutil.rmtree(fresh, ignore_errors=True)
        raise


def _safe_relpath(relpath: str) -> PurePosixPath:
    path = PurePosixPath(relpath)
    if path.is_absolute() or ".." in path.parts or not path.parts or "\\" in relpath:
        raise OutputError(f"refusing to write outside the output directory: {relpath!r}")
    return path


def _publishable(directory: Path) -> None:
    """mkdtemp makes a private directory; a web server needs to read the site."""
    umask = os.umask(0)
    os.umask(umask)
    for path in [directory, *directory.rglob("*")]:
        if path.is_dir():
            path.chmod(0o777 & ~umask)


def _swap(fresh: Path, target: Path) -> None:
    if not target.exists():
        os.replace(fresh, target)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
    old.rmdir()
    os.replace(target, old)
    try:
        os.replace(fresh, target)
    except BaseException:
        os.replace(old, target)
        raise
    shutil.rmtree(old, ignore_errors=True)
