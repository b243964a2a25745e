"""Stage 1, load: find statuspage.yaml and incidents/*.yaml, parse them safely, keep marks.

Every node's line and column is kept by its path in the document (a tuple of
mapping keys and list indexes), so that any problem found later, also a
semantic one, is reported at its place (SPEC "Bad input").
"""

from __future__ import annotations

import itertools
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from statuspage.errors import Problem

Loc = tuple[str | int, ...]
Position = tuple[int, int]

EVENT_DIR = "incidents"
TEMPLATE_DIR = "templates"
#: No status file is this big; a larger one is refused before it is read (issue 7).
MAX_FILE_BYTES = 2_000_000
EVENT_SUFFIX = ".yaml"

# A document may not expand, through aliases, to more nodes than this: the
# defence against "billion laughs" alias bombs (issue 2, item 4).
MAX_EXPANDED_NODES = 100_000
# Deeper nesting than this is never a status file, and would exhaust the stack.
MAX_DEPTH = 100
# Longer numbers are never a status file's, and Python will not read the longest.
MAX_NUMBER_DIGITS = 100
# Control characters are reported one by one up to this many per file, then counted.
MAX_CHARACTER_PROBLEMS = 100

_TAG = "tag:yaml.org,2002:"
_SCALAR_TAGS = {_TAG + name for name in ("str", "int", "float", "bool", "null")}
_SEXAGESIMAL = {_TAG + "int", _TAG + "float"}

_Base: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_Base):  # type: ignore[misc]
    """A safe loader that leaves times as text: models.py parses them in the site's zone."""

    # Copied, not mutated: the global loader stays as it was (MkDocs get_yaml_loader).
    yaml_implicit_resolvers = {  # noqa: RUF012
        first: [(tag, regexp) for tag, regexp in resolvers if tag != _TAG + "timestamp"]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }


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


@dataclass(frozen=True)
class Sources:
    """Everything stage 1 read: the config, the event files, and what could not be read."""

    root: Path
    config: Document | None
    events: tuple[Document, ...]
    problems: tuple[Problem, ...]


def display_path(path: Path) -> str:
    """Show `path` relative to the working directory when it lies under it."""
    try:
        relative = os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return str(path)
    return str(path) if relative.startswith("..") else relative


class DocumentCache(Protocol):
    """Where parsed documents are kept between runs: statuspage/cache.py's file, or memory."""

    def recall(self, key: str, info: os.stat_result) -> Document | None:
        """The document for `key` if its file (as `info` shows it) is known not to have
        changed, without reading it; raises its LoadError if it could not be loaded."""

    def parse(self, key: str, path: Path, shown: str, raw: bytes, info: os.stat_result) -> Document:
        """`parse_document(path, shown, raw)`, or what it gave for the same bytes before."""

    def save(self) -> None:
        """Keep what this run parsed, for the next."""


def load_sources(config_path: Path, cache: DocumentCache | None = None) -> Sources:
    """Read the config and every event file beside it; collect problems instead of stopping.

    Without a `cache`, unchanged files are taken from the parse cache (statuspage/cache.py).
    """
    from statuspage.cache import ParseCache  # which builds on this module

    resolved = config_path.resolve()
    root = resolved.parent
    problems: list[Problem] = []
    if cache is None:
        cache = ParseCache.open(root)  # an unchanged file is not parsed again (issue 6)
    config = _load_or_report(config_path, problems, cache, resolved.name)
    events = []
    directory = os.path.join(root, EVENT_DIR, "")
    for name, shown in _event_files(root, problems):
        path = directory + name
        document = _load_or_report(path, problems, cache, f"{EVENT_DIR}/{name}", shown)
        if document is not None:
            events.append(document)
    cache.save()
    problems.extend(_outside_links(root, root / TEMPLATE_DIR))
    return Sources(root, config, tuple(events), tuple(problems))


def _outside_links(root: Path, directory: Path) -> Iterator[Problem]:
    """Symbolic links under `directory` that lead out of the repository (issue 7, "paths")."""
    if directory.is_dir():
        for path in [directory, *directory.rglob("*")]:
            if _leads_out(root, path):
                yield _link_problem(path)


def _leads_out(root: Path, path: Path) -> bool:
    return path.is_symlink() and not path.resolve().is_relative_to(root)


def _link_problem(path: Path) -> Problem:
    return Problem(display_path(path), 1, 1, "a symbolic link out of the repository is not allowed")


def _event_files(root: Path, problems: list[Problem]) -> Iterator[tuple[str, str]]:
    """The event files in order, each file's name with its path as shown (display_path)."""
    directory = root / EVENT_DIR
    if not directory.is_dir():
        return
    if _leads_out(root, directory):
        problems.append(_link_problem(directory))
        return
    # One scandir (the entries know whether they are files or links without a stat each),
    # and the directory's shown path once: at 10,000 events, each per file was 0.1 s.
    with os.scandir(directory) as scan:
        entries = {entry.name: entry for entry in scan if not entry.name.startswith(".")}
    shown_directory = display_path(directory)
    prefix = "" if shown_directory == "." else os.path.join(shown_directory, "")
    for name in sorted(entries, key=os.path.normcase):  # the order sorted() gives paths
        entry = entries[name]
        if entry.is_symlink():  # its target decides, as Path.is_file() sees it
            path = directory / name
            if not path.is_file():
                continue
            if _leads_out(root, path):
                problems.append(_link_problem(path))
                continue
        elif not entry.is_file():
            continue
        shown = prefix + name
        if name.endswith(EVENT_SUFFIX):
            yield name, shown
        elif name.endswith(".yml"):
            problems.append(
                Problem(shown, 1, 1, "ignored: event files must end in .yaml", "warning")
            )


def _load_or_report(
    path: str | Path,
    problems: list[Problem],
    cache: DocumentCache,
    key: str,
    shown: str | None = None,
) -> Document | None:
    shown = display_path(Path(path)) if shown is None else shown
    try:
        info = os.stat(path)
        recalled = cache.recall(key, info)
        if recalled is not None:
            return recalled
        size = info.st_size
        if size > MAX_FILE_BYTES:
            problems.append(
                Problem(
                    shown,
                    1,
                    1,
                    f"the file is {size / 1e6:.1f} MB; a source file may be at most "
                    f"{MAX_FILE_BYTES // 1_000_000} MB",
                )
            )
            return None
        return cache.parse(key, Path(path), shown, _read_bytes(path, size), info)
    except FileNotFoundError:
        problems.append(Problem(shown, 1, 1, "file not found"))
        return None
    except OSError as error:
        problems.append(Problem(shown, 1, 1, f"cannot read file: {error.strerror}"))
        return None
    except LoadError as error:  # kept from before (recall) or found now (parse)
        problems.extend(Problem(shown, *found) for found in error.found)
        return None


def _read_bytes(path: str | Path, size: int) -> bytes:
    """`path.read_bytes()` without a buffered file object; `size` is the expected size."""
    descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
    try:
        chunks: list[bytes] = []
        while chunk := os.read(descriptor, size + 1 if not chunks else 1 << 20):
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(descriptor)


Found = tuple[int, int, str]  # line, column, message


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


def parse_document(path: Path, shown: str, raw: bytes) -> Document:
    """Parse one YAML file into plain data and marks, refusing anything unsafe."""
    text = _decode(raw)
    if _FORBIDDEN_IN_STREAM.search(text) is not None:  # YAML refuses them, without a place
        raise LoadError.of(_stream_characters(text))
    if _may_nest_deeper_than(text, MAX_DEPTH):
        _check_depth(text)
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        raise LoadError(line, column, _yaml_message(error)) from None
    except yaml.YAMLError as error:
        raise LoadError(1, 1, f"invalid YAML: {error}") from None
    except RecursionError:
        raise LoadError(1, 1, "the document is nested too deeply") from None
    finally:
        loader.dispose()
    if node is None:
        raise LoadError(1, 1, "the file is empty; expected a mapping of fields")
    marks = Marks()
    builder = _Builder(loader, marks)
    try:
        data = builder.build(node)
    except LoadError as error:  # with the characters refused before it
        raise LoadError.of([*builder.refused, *error.found]) from None
    if builder.refused:
        raise LoadError.of(builder.refused)
    return Document(path, shown, data, marks)


def _stream_characters(text: str) -> list[Found]:
    """Every character YAML refuses to read, at its place; after the first 100, a count."""
    limit = MAX_CHARACTER_PROBLEMS
    first = list(itertools.islice(_FORBIDDEN_IN_STREAM.finditer(text), limit + 1))
    places = _positions(text, [match.start() for match in first])
    found = [
        (line, column, f"the control character U+{ord(match.group()):04X} is not allowed")
        for (line, column), match in zip(places, first, strict=True)
    ]
    if len(found) > limit:  # a 2 MB file of NULs must not print two million lines
        more = _FORBIDDEN_IN_STREAM.subn("", text)[1] - limit
        found[limit] = (*places[limit], f"and {more} more control characters")
    return found


def _may_nest_deeper_than(text: str, limit: int) -> bool:
    """A cheap bound on nesting: every level needs indentation, a "- " or a bracket."""
    brackets = text.count("[") + text.count("{")
    deepest = max(
        (len(line) - len(line.lstrip(" ")) + line.count("- ") for line in text.splitlines()),
        default=0,
    )
    return brackets + deepest > limit


def _check_depth(text: str) -> None:
    """Refuse deep nesting from the parser's events, before anything recursive sees it.

    libyaml's parser keeps its own stack, but composing nodes recurses, and
    100,000 levels crash the process (issue 7, "resource limits").
    """
    loader = _Loader(text)
    depth = -1  # the document's own collection is level 0, as _Builder counts
    try:
        while (event := loader.get_event()) is not None:
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    line, column = (
                        (event.start_mark.line, event.start_mark.column)
                        if event.start_mark
                        else (0, 0)
                    )
                    raise LoadError(
                        line + 1,
                        column + 1,
                        f"nesting deeper than {MAX_DEPTH} levels is not allowed",
                    )
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    except yaml.MarkedYAMLError as error:
        # libyaml 0.2.6 and later stop at 1,000 levels while scanning ahead, before the
        # parser hands out the level that passes ours: the same problem, where libyaml saw it.
        if "maximum nesting depth" in (error.problem or "") and error.problem_mark is not None:
            mark = error.problem_mark
            raise LoadError(
                mark.line + 1,
                mark.column + 1,
                f"nesting deeper than {MAX_DEPTH} levels is not allowed",
            ) from None
        return  # composing reports it with its position
    except yaml.YAMLError:
        return  # composing reports it with its position
    finally:
        loader.dispose()


def _decode(raw: bytes) -> str:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        before = raw[: error.start].decode("utf-8")  # valid up to the error
        line, column = _position(before, len(before))
        raise LoadError(line, column, "the file is not valid UTF-8") from None
    return text.removeprefix("\ufeff")


_LINE_BREAK = re.compile("\r\n|[\n\r\x85\u2028\u2029]")  # YAML's line breaks


def _position(text: str, index: int) -> Position:
    """Line and column (1-based, in characters) of `text[index]`, counted as YAML does."""
    breaks = list(_LINE_BREAK.finditer(text, 0, index))
    line_start = breaks[-1].end() if breaks else 0
    return len(breaks) + 1, index - line_start + 1


def _positions(text: str, indexes: list[int]) -> list[Position]:
    """`_position` of each of `indexes` (ascending, none on a line break) in one pass."""
    places: list[Position] = []
    breaks = _LINE_BREAK.finditer(text)
    line, line_start, pending = 1, 0, next(breaks, None)
    for index in indexes:
        while pending is not None and pending.start() < index:
            line, line_start, pending = line + 1, pending.end(), next(breaks, None)
        places.append((line, index - line_start + 1))
    return places


def _yaml_message(error: yaml.MarkedYAMLError) -> str:
    problem = error.problem or "invalid YAML"
    if error.context and error.context_mark is not None and error.problem_mark is not None:
        return f"{problem} ({error.context} at line {error.context_mark.line + 1})"
    if error.context:
        return f"{error.context}: {problem}"
    return problem


# Characters XML 1.0 forbids (YAML escapes such as "\a" can make them): no page, feed or
# calendar may carry them, so they are refused where they were written (issue 4).
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# What YAML itself refuses to read (besides those, DEL and the C1 controls but NEL).
_FORBIDDEN_IN_STREAM = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff]"
)


def _character_problem(text: str) -> str | None:
    """What is wrong with the characters of `text`, naming each refused one, or None."""
    if _FORBIDDEN.search(text) is None:
        return None
    names = [f"U+{ord(char):04X}" for char in dict.fromkeys(_FORBIDDEN.findall(text))]
    if len(names) == 1:
        return f"the control character {names[0]} is not allowed in text"
    listed = ", ".join(names[:-1]) + f" and {names[-1]}"
    return f"the control characters {listed} are not allowed in text"


class _Builder:
    """Turn a composed node graph into plain values, recording each node's mark."""

    def __init__(self, loader: Any, marks: Marks) -> None:
        self._loader = loader
        self._marks = marks
        self._expanded = 0
        self._open: set[int] = set()
        #: Text with refused characters, one problem per node: the file goes on to the end
        #: so that all of them are reported (SPEC "Bad input"), then it is refused.
        self.refused: list[Found] = []
        self._refused_at: set[Position] = set()  # an alias shows a node again

    def build(self, node: Node) -> Any:
        return self._node(node, (), 0)

    def _node(self, node: Node, loc: Loc, depth: int) -> Any:
        if depth > MAX_DEPTH:
            raise LoadError.at(node, f"nesting deeper than {MAX_DEPTH} levels is not allowed")
        self._expanded += 1
        if self._expanded > MAX_EXPANDED_NODES:
            raise LoadError.at(
                node,
                f"aliases expand this document beyond {MAX_EXPANDED_NODES} nodes (an alias bomb?)",
            )
        self._marks.values[loc] = (node.start_mark.line + 1, node.start_mark.column + 1)
        if isinstance(node, ScalarNode):
            return self._scalar(node)
        key = id(node)
        if key in self._open:
            raise LoadError.at(
                node,
                "an alias refers to a node that contains it; recursive data is not allowed",
            )
        self._open.add(key)
        try:
            if isinstance(node, SequenceNode):
                self._check_tag(node, "seq")
                return [
                    self._node(item, (*loc, index), depth + 1)
                    for index, item in enumerate(node.value)
                ]
            if isinstance(node, MappingNode):
                self._check_tag(node, "map")
                return self._mapping(node, loc, depth)
        finally:
            self._open.discard(key)
        raise LoadError.at(node, "unsupported YAML node")

    def _mapping(self, node: MappingNode, loc: Loc, depth: int) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode):
                raise LoadError.at(
                    key_node, "a mapping key must be plain text, not a list or mapping"
                )
            self._check_tag(key_node, None)
            key = str(key_node.value)
            self._check_characters(key_node, key)
            if key in result:
                raise LoadError.at(key_node, f"duplicate key '{key}'")
            self._marks.keys[(*loc, key)] = (
                key_node.start_mark.line + 1,
                key_node.start_mark.column + 1,
            )
            result[key] = self._node(value_node, (*loc, key), depth + 1)
        return result

    def _scalar(self, node: ScalarNode) -> Any:
        self._check_tag(node, None)
        if node.tag in _SEXAGESIMAL and ":" in node.value:
            # YAML 1.1 reads 11:30 as the base-60 number 690; here it is a clock time.
            return node.value
        if node.tag in _SEXAGESIMAL and len(node.value) > MAX_NUMBER_DIGITS:
            # Python refuses to read integers of over 4,300 digits (ValueError); none is a status.
            raise LoadError.at(node, f"a number may have at most {MAX_NUMBER_DIGITS} digits")
        value = self._loader.construct_object(node, deep=True)
        if isinstance(value, str):
            self._check_characters(node, value)
        return value

    def _check_characters(self, node: Node, text: str) -> None:
        problem = _character_problem(text)
        place = (node.start_mark.line + 1, node.start_mark.column + 1)
        if problem is not None and place not in self._refused_at:
            self._refused_at.add(place)
            self.refused.append((*place, problem))

    @staticmethod
    def _check_tag(node: Node, kind: str | None) -> None:
        allowed = _SCALAR_TAGS if kind is None else {_TAG + kind}
        if node.tag not in allowed:
            tag = node.tag.replace(_TAG, "!!")
            raise LoadError.at(node, f"the tag '{tag}' is not allowed; only plain YAML values are")
