"""One way to write a file whole or not at all (as Lektor's `atomic_open`).

The data goes to a temporary file beside the target, is flushed to the disk, and is then
renamed over the target in one step (or, with `exclusive`, linked to a name that must not
exist yet). A reader sees the old file or the new one, never a part; a crash leaves at
most a hidden `.NAME.*.tmp` beside it, which the next write of that file removes.
"""

from __future__ import annotations

import contextlib
import glob
import os
import tempfile
from pathlib import Path


def atomic_write(
    path: Path, data: bytes | str, *, exclusive: bool = False, mode: int | None = None
) -> Path:
    """Write `data` (text is written as UTF-8, newlines as given) to `path` in one step.

    `exclusive` never replaces a file: FileExistsError if `path` exists. `mode` is the
    new file's permission bits; without it a replaced file keeps its own, and a new one
    gets 0o644. Leftover temporary files of earlier killed writes of `path` are removed.
    """
    payload = data.encode("utf-8") if isinstance(data, str) else data
    path.parent.mkdir(parents=True, exist_ok=True)
    if not exclusive:
        _remove_leftovers(path)
    descriptor, temporary = tempfile.mkstemp(
        prefix=f".{path.name}.", suffix=".tmp", dir=path.parent
    )
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, _mode(path, mode, exclusive))
        if exclusive:
            _link_new(temporary, path, payload)
        else:
            os.replace(temporary, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
    return path


def _mode(path: Path, mode: int | None, exclusive: bool) -> int:
    if mode is not None:
        return mode
    if not exclusive:
        with contextlib.suppress(OSError):
            return path.stat().st_mode & 0o777
    return 0o644


def _link_new(temporary: str, path: Path, payload: bytes) -> None:
    """Give the written file its name, failing if the name is taken."""
    try:
        os.link(temporary, path)  # atomic, and fails if the name exists
    except FileExistsError:
        raise
    except OSError:  # a file system without hard links: an exclusive create instead
        with open(path, "xb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())


def _remove_leftovers(path: Path) -> None:
    for leftover in path.parent.glob(f".{glob.escape(path.name)}.*.tmp"):
        with contextlib.suppress(FileNotFoundError):
            leftover.unlink()
