"""Stage 1, load: find statuspage.yaml and incidents/*.yaml, parse them safely, keep marks.

Every node's line and column is kept by its path in the document (a tuple of
mapping keys and list indexes), so that any problem found later, also a
semantic one, is reported at its place (SPEC "Bad input").
"""

from __future__ import annotations

import errno
import itertools
import os
import re
import stat
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from statuspage.errors import Problem
from statuspage.load.documents import Document, Found, LoadError, Loc, Marks, Position

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


def source_root(config_path: Path) -> Path:
    """The folder the sources are read from (where the parse cache lives)."""
    repository, real_config, _ = _locate(config_path)
    return Path(real_config).parent if real_config is not None else Path(repository)


def _locate(config_path: Path) -> tuple[str, str | None, str | None]:
    """The repository, the config's real path in it, or why it is refused.

    The repository is the folder the config is named in; the config may be a link, but
    not to a file outside it: that file is never read, so nothing of it is ever shown.
    """
    repository = os.path.realpath(os.path.dirname(os.path.abspath(config_path)))
    try:
        return (
            repository,
            _confine(os.fspath(config_path), (repository,), repository, hidden=False),
            None,
        )
    except RefusedSourceError as error:
        return repository, None, error.message


class ParseEveryFile:
    """No cache: every file is parsed, and nothing is kept."""

    def recall(self, key: str, info: os.stat_result) -> Document | None:
        return None

    def parse(self, key: str, path: Path, shown: str, raw: bytes, info: os.stat_result) -> Document:
        return parse_document(path, shown, raw)

    def save(self) -> None:
        pass


def load_sources(config_path: Path, cache: DocumentCache | None = None) -> Sources:
    """Read the config and every event file beside it; collect problems instead of stopping.

    With a `cache` (statuspage/load/cache.py), files it knows unchanged are not parsed
    again; without one every file is parsed, and nothing is written. Every file is opened
    as `open_source` opens it, and only where `SourceFolder` allows.
    """
    problems: list[Problem] = []
    shown_config = display_path(config_path)
    repository, real_config, refusal = _locate(config_path)
    if refusal is not None:
        problems.append(Problem(shown_config, 1, 1, refusal))
    root = Path(real_config).parent if real_config is not None else Path(repository)
    cache = cache if cache is not None else ParseEveryFile()
    config = None
    if real_config is not None:
        key = os.path.basename(real_config)
        config = _load_or_report(config_path, real_config, problems, cache, key, shown_config)
    events = []
    incidents = SourceFolder.of(root, EVENT_DIR)
    directory = os.path.join(root, EVENT_DIR, "")
    inside = os.path.join(incidents.real, "")
    for name, shown, linked in _event_files(incidents, problems):
        path = directory + name
        try:
            real = incidents.confine(path) if linked else inside + name
        except RefusedSourceError as error:
            problems.append(Problem(shown, 1, 1, error.message))
            continue
        key = f"{EVENT_DIR}/{name}"
        document = _load_or_report(path, real, problems, cache, key, shown, optional=True)
        if document is not None:
            events.append(document)
    cache.save()
    problems.extend(SourceFolder.of(root, TEMPLATE_DIR).problems(THEME_DIR))
    return Sources(root, config, tuple(events), tuple(problems))


# --- opening source files (issues 19 and 22) -------------------------------------------------
#
# Every file a build reads from the repository (statuspage.yaml, events, templates; later
# catalogs, extra files and notify templates) is opened the same way:
#
# - where it is decided by what is opened, not by a walk: its path is resolved (every
#   link in every step) and must lie inside the folder it belongs to, whatever links
#   lead there; a file refused for where it points is never opened, so nothing of it is
#   ever echoed;
# - it is opened without blocking and without following a link in its last step, and the
#   descriptor is fstat'ed: anything but a regular file (a FIFO, a device, a folder) is
#   refused, by `check` and `build` alike;
# - it is read up to the size limit plus one byte, whatever stat said (/proc says 0).

#: The package's own templates: a template may also be a link into them.
THEME_DIR = os.path.realpath(os.path.join(os.path.dirname(__file__), os.pardir, "theme"))

_OPEN_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NONBLOCK", 0)  # a FIFO with no writer must not hang the open
    | getattr(os, "O_NOFOLLOW", 0)  # the path is resolved: a link now is a swap
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_BINARY", 0)
)
_OUTSIDE = "a symbolic link out of the repository is not allowed"


class RefusedSourceError(Exception):
    """A source file that was not read, and why (never quoting the file)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotRegularFileError(RefusedSourceError):
    """A source path that is a folder, FIFO, device or socket, or leads nowhere readable."""


@dataclass(frozen=True)
class SourceFolder:
    """A folder of source files in the repository: incidents/, templates/ (and later
    locales/, extra/). Every file read from it is resolved first and must lie in it,
    whatever links lead there: a link to a file or a folder outside is refused, in one hop
    or in several (issue 19). The folder itself may be a link, to a folder of the
    repository other than the repository itself or a hidden one (.git holds credentials).
    """

    #: As named: ROOT/templates.
    path: Path
    #: Where it really is (os.path.realpath).
    real: str
    #: Where the repository really is.
    repository: str
    #: Why the folder is not used at all (a link out of the repository), or None.
    refused: str | None

    @classmethod
    def of(cls, root: Path, name: str) -> SourceFolder:
        path = root / name
        repository = os.path.realpath(root)
        real = os.path.realpath(path)
        refused = None
        if real != os.path.join(repository, name):  # the folder is a link
            refused = _folder_refusal(real, repository)
        return cls(path, real, repository, refused)

    @property
    def label(self) -> str:
        return f"{self.path.name}/"

    def confine(self, path: str, *also: str) -> str:
        """The real path of `path`, a file named under this folder, if it lies in the
        folder (or in one of the real folders `also`); else RefusedSourceError."""
        folders = (*(() if self.refused else (self.real,)), *also)
        return _confine(path, folders, self.repository, self.label)

    def read(
        self, path: str, *also: str, limit: int = MAX_FILE_BYTES
    ) -> tuple[bytes, os.stat_result]:
        """`read_source` of `path` (named under this folder) where `confine` allows it."""
        return read_source(self.confine(path, *also), limit)

    def problems(self, *also: str) -> Iterator[Problem]:
        """What `check` says of the folder: a link out of it, at the link's own place (a
        folder it leads to is not entered), and anything that is not a regular file, a
        folder or a link to one of them. Hidden names may be an editor's lock links,
        so only links out are reported for them."""
        if not os.path.lexists(self.path):
            return
        if self.refused:
            yield Problem(display_path(self.path), 1, 1, self.refused)
            return
        folders = (self.real, *also)
        for directory, subfolders, files in os.walk(self.real):
            subfolders.sort()
            for name in sorted([*subfolders, *files]):
                path = os.path.join(directory, name)
                shown = display_path(self.path / os.path.relpath(path, self.real))
                try:
                    if os.path.islink(path):
                        _confine(path, folders, self.repository, self.label)
                    if not name.startswith("."):
                        _check_kind(path)
                except RefusedSourceError as error:
                    yield Problem(shown, 1, 1, error.message)


def _folder_refusal(real: str, repository: str) -> str | None:
    if not _inside(real, repository):
        return _OUTSIDE
    if real == repository:
        return "a symbolic link to the repository itself is not allowed"
    if _hidden(os.path.relpath(real, repository)):
        return _hidden_refusal(real, repository)
    return None


def _hidden_refusal(real: str, repository: str) -> str:
    where = _shown_inside(real, repository)
    return f"a symbolic link into a hidden folder is not allowed (it leads to {where})"


def _inside(real: str, folder: str) -> bool:
    return real == folder or real.startswith(os.path.join(folder, ""))


def _hidden(relative: str) -> bool:
    return any(part.startswith(".") and part not in (".", "..") for part in Path(relative).parts)


def _shown_inside(real: str, repository: str) -> str:
    return Path(os.path.relpath(real, repository)).as_posix()


def _confine(
    path: str,
    folders: Sequence[str],
    repository: str,
    label: str = "the repository",
    *,
    hidden: bool = True,
) -> str:
    """The real path of `path` if it lies in one of `folders` (real paths; with `hidden`
    false, not in a hidden folder of theirs); else RefusedSourceError, naming where it
    leads only when that is inside the repository."""
    real = os.path.realpath(path)
    for folder in folders:
        if _inside(real, folder):
            if not hidden and _hidden(os.path.dirname(os.path.relpath(real, folder))):
                raise RefusedSourceError(_hidden_refusal(real, repository))
            return real
    if not _inside(real, repository):
        raise RefusedSourceError(_OUTSIDE)
    raise RefusedSourceError(
        f"a symbolic link out of {label} is not allowed "
        f"(it leads to {_shown_inside(real, repository)})"
    )


def _kind(mode: int) -> str:
    """What a file that is not a regular one is, in a few words."""
    for test, kind in (
        (stat.S_ISDIR, "a folder"),
        (stat.S_ISFIFO, "a FIFO (named pipe)"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    ):
        if test(mode):
            return f"{kind}, not a regular file"
    return "not a regular file"


def _check_kind(path: str) -> None:
    """NotRegularFileError unless `path` leads to a regular file or a folder."""
    try:
        mode = os.stat(path).st_mode
    except OSError as error:
        raise NotRegularFileError(why_unreadable(error, os.path.islink(path))) from None
    if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
        raise NotRegularFileError(_kind(mode))


def why_unreadable(error: OSError, linked: bool) -> str:
    """Why a source file could not be opened, in words."""
    if isinstance(error, FileNotFoundError):
        return (
            "a symbolic link to nothing (its target does not exist)" if linked else "file not found"
        )
    if error.errno == errno.ELOOP:
        return "a loop of symbolic links"
    return f"cannot read file: {error.strerror}"


def read_source(real: str, limit: int = MAX_FILE_BYTES) -> tuple[bytes, os.stat_result]:
    """The bytes and the fstat of the source file at `real`, a resolved path (see
    `SourceFolder.confine`): opened without blocking (a FIFO) and without following a link
    in its last step; NotRegularFileError for anything but a regular file, and
    RefusedSourceError for more than `limit` bytes, by its fstat (before anything is read)
    or by what reading gave; OSError when it cannot be opened."""
    try:
        descriptor = os.open(real, _OPEN_FLAGS)
    except OSError as error:
        if error.errno in (errno.ENXIO, errno.EOPNOTSUPP):  # a socket
            _check_kind(real)
        raise
    try:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode):
            raise NotRegularFileError(_kind(info.st_mode))
        size = info.st_size
        if size > limit:
            raise RefusedSourceError(f"the file is {size / 1e6:.1f} MB; {_limit_words(limit)}")
        chunks: list[bytes] = []
        left = limit + 1
        while left > 0 and (
            chunk := os.read(descriptor, min(left, size + 1 if not chunks else 1 << 20))
        ):
            chunks.append(chunk)
            left -= len(chunk)
    finally:
        os.close(descriptor)
    if left <= 0:
        raise RefusedSourceError(f"the file is over {limit / 1e6:g} MB; {_limit_words(limit)}")
    return b"".join(chunks), info


def _limit_words(limit: int) -> str:
    return f"a source file may be at most {limit / 1e6:g} MB"


def _event_files(folder: SourceFolder, problems: list[Problem]) -> Iterator[tuple[str, str, bool]]:
    """The event files in order: each file's name, its path as shown (display_path), and
    whether it is a symbolic link (whose target SourceFolder.confine must check)."""
    if not os.path.lexists(folder.path):
        return
    if folder.refused:
        problems.append(Problem(display_path(folder.path), 1, 1, folder.refused))
        return
    if not os.path.isdir(folder.real):
        return
    # One scandir (the entries know whether they are links without a stat each), and the
    # directory's shown path once: at 10,000 events, each per file was 0.1 s.
    with os.scandir(folder.real) as scan:
        entries = {entry.name: entry for entry in scan if not entry.name.startswith(".")}
    shown_directory = display_path(folder.path)
    prefix = "" if shown_directory == "." else os.path.join(shown_directory, "")
    for name in sorted(entries, key=os.path.normcase):  # the order sorted() gives paths
        entry = entries[name]
        shown = prefix + name
        if name.endswith(EVENT_SUFFIX):
            # Whatever it is: open_source refuses what is not a regular file, by name.
            yield name, shown, entry.is_symlink()
        elif name.endswith(".yml") and entry.is_file():
            problems.append(
                Problem(shown, 1, 1, "ignored: event files must end in .yaml", "warning")
            )


def _load_or_report(
    path: str | Path,
    real: str,
    problems: list[Problem],
    cache: DocumentCache,
    key: str,
    shown: str,
    *,
    optional: bool = False,
) -> Document | None:
    """The document at `path` (really at `real`), or None with its problems reported.

    An `optional` file (an event) that is not a readable regular file is left out with a
    warning naming it, so that no incident vanishes from the site without a word."""
    try:
        # serve's cache knows a file it read before by its stat alone (same inode, size and
        # times), without opening it: 10,000 opens took 40 ms of a 0.2 s rebuild.
        try:
            known = os.stat(real)
        except OSError:
            pass  # read_source says why
        else:
            if stat.S_ISREG(known.st_mode):
                recalled = cache.recall(key, known)
                if recalled is not None:
                    return recalled
        raw, info = read_source(real)
        return cache.parse(key, Path(path), shown, raw, info)
    except NotRegularFileError as error:
        problems.append(_unread(shown, error.message, optional))
    except RefusedSourceError as error:
        problems.append(Problem(shown, 1, 1, error.message))
    except OSError as error:
        problems.append(_unread(shown, why_unreadable(error, os.path.islink(path)), optional))
    except LoadError as error:  # kept from before (recall) or found now (parse)
        problems.extend(Problem(shown, *found) for found in error.found)
    return None


def _unread(shown: str, message: str, optional: bool) -> Problem:
    if optional:
        return Problem(shown, 1, 1, f"ignored: {message}", "warning")
    return Problem(shown, 1, 1, message)


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
            if key in result:  # reported with every other one in the file (issue 22)
                place = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
                if place not in self._refused_at:
                    self._refused_at.add(place)
                    self.refused.append((*place, f"duplicate key '{key}'"))
                continue
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
