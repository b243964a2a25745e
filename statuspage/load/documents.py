"""The types of a parsed source, below both the loader and its cache: a document, the
places of its nodes, and why a file could not be loaded."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from yaml.nodes import Node

from statuspage.errors import Problem

Loc = tuple[str | int, ...]
Position = tuple[int, int]
Found = tuple[int, int, str]  # line, column, message


class Marks:
    """Line and column (1-based) of every node, by its path in the document."""

    def __init__(self) -> None:
        self.values: dict[Loc, Position] = {}
        self.keys: dict[Loc, Position] = {}

    def at(self, loc: Loc) -> Position:
        """Where the value at `loc` starts, or its nearest enclosing node."""
        for end in range(len(loc), -1, -1):
            found = self.values.get(loc[:end])
            if found is not None:
                return found
        return (1, 1)

    def key_at(self, loc: Loc) -> Position:
        """Where the key of the mapping entry at `loc` starts."""
        return self.keys.get(loc) or self.at(loc)


@dataclass(frozen=True)
class Document:
    """One parsed YAML file: its plain data and where each node was written."""

    path: Path
    display: str
    data: Any
    marks: Marks = field(repr=False)

    def problem(
        self, loc: Loc, message: str, *, key: bool = False, severity: str = "error"
    ) -> Problem:
        """Make a problem positioned at `loc` (at its key when `key`)."""
        line, column = self.marks.key_at(loc) if key else self.marks.at(loc)
        return Problem(
            self.display,
            line,
            column,
            message,
            "warning" if severity == "warning" else "error",
        )


class LoadError(Exception):
    """Why a file could not be loaded: the first problem, and `more` found in the same file."""

    def __init__(self, line: int, column: int, message: str, more: tuple[Found, ...] = ()) -> None:
        super().__init__(message)
        self.line, self.column, self.message = line, column, message
        self.more = more

    @classmethod
    def at(cls, node: Node, message: str) -> LoadError:
        return cls(node.start_mark.line + 1, node.start_mark.column + 1, message)

    @classmethod
    def of(cls, found: list[Found]) -> LoadError:
        """One error for all of `found` (not empty)."""
        return cls(*found[0], more=tuple(found[1:]))

    @property
    def found(self) -> list[Found]:
        """Every problem, the first one first."""
        return [(self.line, self.column, self.message), *self.more]
