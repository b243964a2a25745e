"""Problems found in the sources, and the exceptions that carry them."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]
_LINE_BREAKS = re.compile("[\r\n\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong at one place: printed as ``path:line:column: message``."""

    path: str
    line: int
    column: int
    message: str
    severity: Severity = "error"

    def __str__(self) -> str:
        prefix = "warning: " if self.severity == "warning" else ""
        # One problem, one line: a line break quoted from the input must not start another.
        message = _LINE_BREAKS.sub(lambda match: repr(match.group())[1:-1], self.message)
        return f"{self.path}:{self.line}:{self.column}: {prefix}{message}"

    @property
    def is_error(self) -> bool:
        return self.severity == "error"


class StatusPageError(Exception):
    """A failure the user can act on; the CLI prints it without a traceback."""


class InvalidInputError(StatusPageError):
    """The sources hold at least one error; nothing was built."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = sorted(problems)
        super().__init__(summarize(self.problems))


def summarize(problems: list[Problem]) -> str:
    """Say in one line how many errors and warnings there are, and in how many files."""
    errors = [p for p in problems if p.is_error]
    warnings = [p for p in problems if not p.is_error]
    files = len({p.path for p in problems})
    parts = []
    if errors:
        parts.append(_plural(len(errors), "error"))
    if warnings:
        parts.append(_plural(len(warnings), "warning"))
    if not parts:
        return "no problems"
    return f"{' and '.join(parts)} in {_plural(files, 'file')}"


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"
