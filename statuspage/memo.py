"""What a stage computed for each object in the last round, for `serve`'s rebuilds (issue 6).

A stage that works on each source document or event separately (validating a file,
computing an event's state at `now`) may take a Memo: what it kept for the very same
object in the round before is given back, and the stage decides whether the value still
holds. Objects are told apart by identity, never by value, so a value is only reused for
an object that `serve` kept unchanged (statuspage/incremental.py), and an object that
is gone takes its value with it at the next round.
"""

from __future__ import annotations

from typing import Any


class Memo:
    """Values kept per object from the last round; one round per run of the stage."""

    def __init__(self) -> None:
        self._last: dict[int, tuple[object, Any]] = {}
        self._this: dict[int, tuple[object, Any]] = {}

    def next_round(self) -> None:
        """Start a round: what the last one kept may be recalled, and is dropped after it."""
        self._last, self._this = self._this, {}

    def recall(self, subject: object) -> Any:
        """What the last round kept for this very object, or None."""
        kept = self._last.get(id(subject))
        # The object is kept with its value, so its id cannot be another object's.
        return kept[1] if kept is not None and kept[0] is subject else None

    def keep(self, subject: object, value: Any) -> None:
        """Keep `value` for `subject` for the next round."""
        self._this[id(subject)] = (subject, value)
