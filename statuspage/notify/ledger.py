"""The ledger: which notice each channel has been told, kept between runs in one JSON file.

It is rewritten whole (statuspage.atomic) after each send, so that a run killed mid-way
re-sends at most the one message it was sending. A lock file beside it keeps a second
run from sending at the same time. It holds notice ids, channel names and times, never
a channel's URL or secret.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from statuspage.atomic import atomic_write
from statuspage.errors import StatusPageError

DEFAULT_LEDGER = Path(".statuspage/notified.json")
VERSION = 1


@dataclass
class Ledger:
    """The notices told per channel (id -> what happened and when), and the schedules seen.

    `found` is False when there was no ledger file: the run then records the present as
    told instead of sending history.
    """

    path: Path
    channels: dict[str, dict[str, dict[str, str]]] = field(default_factory=dict)
    schedules: dict[str, list[str]] = field(default_factory=dict)
    found: bool = True

    def done(self, channel: str) -> set[str]:
        return set(self.channels.get(channel, {}))

    def record(self, channel: str, notice_id: str, outcome: str, at: datetime) -> None:
        self.channels.setdefault(channel, {})[notice_id] = {
            "outcome": outcome,
            "at": at.isoformat(timespec="seconds"),
        }

    def save(self) -> None:
        atomic_write(self.path, self.dumps())

    def dumps(self) -> str:
        data: dict[str, Any] = {
            "version": VERSION,
            "channels": {name: dict(sorted(told.items())) for name, told in self.channels.items()},
            "schedules": dict(sorted(self.schedules.items())),
        }
        return json.dumps(data, indent=2, sort_keys=False, ensure_ascii=False) + "\n"


def read_ledger(path: Path) -> Ledger:
    """The ledger at `path`; an empty one (found=False) if there is no file."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Ledger(path, found=False)
    except OSError as error:
        raise StatusPageError(f"{path}: cannot read the ledger: {error.strerror}") from None
    try:
        data = json.loads(text)
    except ValueError as error:
        raise StatusPageError(
            f"{path}: the ledger is not valid JSON ({error}); "
            "delete it to start again from the present"
        ) from None
    if not isinstance(data, dict) or data.get("version") != VERSION:
        raise StatusPageError(f"{path}: not a statuspage notify ledger (version {VERSION})")
    channels, schedules = data.get("channels", {}), data.get("schedules", {})
    if not _is_table(channels, dict) or not _is_table(schedules, list):
        raise StatusPageError(
            f"{path}: the ledger's channels or schedules are damaged; "
            "delete it to start again from the present"
        )
    return Ledger(path, dict(channels), dict(schedules))


def _is_table(value: Any, kind: type) -> bool:
    return isinstance(value, dict) and all(isinstance(item, kind) for item in value.values())


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """Hold the ledger's lock (`PATH.lock`) or fail at once: two runs never both send."""
    lock = path.with_name(path.name + ".lock")
    lock.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            _lock(descriptor)
        except OSError:  # held by another process (BlockingIOError, or Windows' EACCES)
            raise StatusPageError(
                f"{lock}: another `statuspage notify` is running; this one sends nothing"
            ) from None
        yield
    finally:
        os.close(descriptor)  # which releases the lock


def _lock(descriptor: int) -> None:
    """Take the lock on an open file without waiting; OSError if another process has it."""
    if sys.platform == "win32":
        import msvcrt

        msvcrt.locking(descriptor, msvcrt.LK_NBLCK, 1)
    else:
        import fcntl

        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
