"""Stage 1's parse cache: an unchanged source file is not parsed again (issue 6, "levers").

One JSON file, ``.statuspage-cache/documents.json`` beside statuspage.yaml, holds for
each source file (by its path relative to that directory) its size, mtime and ctime in
nanoseconds and a BLAKE2b hash of its bytes, with what parsing them gave: the plain
data and the marks, or the error. An entry is used only when all four still match the
file: the hash is what makes it right (a file rewritten within the clock's granularity
is parsed again), the ctime what makes it this machine's (no tool sets a ctime, so an
entry committed with the files, or restored with their mtimes, never matches).

The file is JSON, never pickle: CI runs `check` on pull requests, and a cache file a
pull request commits must not run code. Anything wrong with it (missing, truncated,
another version, odd shapes, an unreadable or read-only directory) means parsing as if
there were no cache; nothing here prints, raises or fails the command. It is written
whole, through a temporary file and a rename, only when an entry changed, and holds only
the files that were just read. STATUSPAGE_NO_CACHE=1 turns it off.

Marks are kept compactly, as the lines and columns of the nodes and of the mapping keys
in the order the loader records them, which is the order of a walk of the data; they
are turned back into paths only when a document's marks are first looked at (to place
a problem), which most documents never are.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from statuspage import __version__
from statuspage.atomic import atomic_write
from statuspage.load import sources
from statuspage.load.documents import Document, LoadError, Loc, Marks, Position

#: Bump when the layout of the file or of an entry changes.
FORMAT = 2
CACHE_DIR = ".statuspage-cache"
CACHE_FILE = "documents.json"
#: Set (to anything but "" or "0") to neither read nor write the cache.
NO_CACHE_VARIABLE = "STATUSPAGE_NO_CACHE"
#: A larger cache file is not read (a forged one must not exhaust memory) nor written.
MAX_CACHE_BYTES = 256_000_000
#: An entry may take this many times its file's size, plus MIN_ENTRY_ALLOWANCE: a file
#: whose aliases expand it far beyond that is parsed every time instead.
ENTRY_SIZE_FACTOR = 16
MIN_ENTRY_ALLOWANCE = 4096
#: A file this small without an anchor (`&`) cannot expand beyond the allowance above.
_SMALL_FILE = 3_000

_DOCUMENT, _ERROR = "document", "error"
_CACHEDIR_TAG = "Signature: 8a477f597d28d172789f06886806bc55\n"  # bford.info/cachedir


def _parser_version() -> str:
    """What parsing depends on besides this package: messages differ between versions."""
    libyaml = "none"
    if sources._Base is not yaml.SafeLoader:
        with contextlib.suppress(Exception):
            libyaml = str(yaml._yaml.get_version_string())
    return f"pyyaml {yaml.__version__}, libyaml {libyaml}"


_PARSER = _parser_version()

Stamp = list[Any]  # [size, mtime_ns, ctime_ns, digest]


def cache_disabled() -> bool:
    return os.environ.get(NO_CACHE_VARIABLE, "") not in ("", "0")


class ParseCache:
    """The entries read from the cache file, and those to write back."""

    def __init__(self, directory: Path | None, entries: dict[str, Any]) -> None:
        self._directory = directory  # None: the cache is off
        self._old = entries
        self._new: dict[str, Any] = {}
        self._changed = False

    @classmethod
    def open(cls, root: Path) -> ParseCache:
        """The cache beside the config in `root` (empty when missing or unusable)."""
        if cache_disabled():
            return cls(None, {})
        directory = root / CACHE_DIR
        return cls(directory, _read_entries(directory))

    def recall(self, key: str, info: os.stat_result) -> Document | None:
        """Nothing: only the hash of a file's bytes tells that they were parsed before."""
        return None

    def parse(self, key: str, path: Path, shown: str, raw: bytes, info: os.stat_result) -> Document:
        """`parse_document(path, shown, raw)`, from the cache when `raw` was parsed before."""
        if self._directory is None:
            return sources.parse_document(path, shown, raw)
        stamp: Stamp = [
            info.st_size,
            info.st_mtime_ns,
            info.st_ctime_ns,
            hashlib.blake2b(raw, digest_size=32).hexdigest(),
        ]
        entry = self._old.get(key)
        if type(entry) is list and entry[1:5] == stamp:
            if entry[0] == _ERROR and _is_error_entry(entry):
                self._new[key] = entry
                raise LoadError.of([(line, column, message) for line, column, message in entry[5]])
            if entry[0] == _DOCUMENT and len(entry) == 7 and type(entry[6]) is str:
                self._new[key] = entry
                return Document(
                    path, shown, entry[5], _CachedMarks(entry[5], entry[6], path, shown, raw)
                )
        try:
            document = sources.parse_document(path, shown, raw)
        except LoadError as error:
            self._store(key, [_ERROR, *stamp, [list(found) for found in error.found]])
            raise
        if _fits(document.data, raw):
            self._store(key, [_DOCUMENT, *stamp, document.data, _encode_marks(document.marks)])
        return document

    def _store(self, key: str, entry: list[Any]) -> None:
        self._new[key] = entry
        self._changed = True

    def save(self) -> None:
        """Write the entries of this run, if any changed; quietly give up on any error."""
        if self._directory is None or not (self._changed or self._new.keys() != self._old.keys()):
            return
        payload = {
            "format": FORMAT,
            "statuspage": __version__,
            "parser": _PARSER,
            "files": self._new,
        }
        try:
            data = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        except (ValueError, RecursionError):
            return
        if len(data) > MAX_CACHE_BYTES:
            return
        with contextlib.suppress(OSError):
            _write(self._directory, data)


class _CachedMarks(Marks):
    """Marks decoded from their cached form when they are first looked at."""

    def __init__(self, data: Any, encoded: str, path: Path, shown: str, raw: bytes) -> None:
        # Marks.__init__ is not called: `values` and `keys` appear on first use.
        self._source = (data, encoded, path, shown, raw)

    def __getattr__(self, name: str) -> dict[Loc, Position]:
        # Only called while `values` and `keys` are not set; two threads may both decode.
        if name not in ("values", "keys") or "_source" not in self.__dict__:
            raise AttributeError(name)
        data, encoded, path, shown, raw = self._source
        try:
            marks = _decode_marks(data, encoded)
        except (ValueError, RecursionError):  # damaged: the file's bytes say it again
            try:
                marks = sources.parse_document(path, shown, raw).marks
            except LoadError:
                marks = Marks()
        self.values, self.keys = marks.values, marks.keys
        return marks.values if name == "values" else marks.keys


def _is_error_entry(entry: list[Any]) -> bool:
    return (
        len(entry) == 6
        and type(entry[5]) is list
        and len(entry[5]) > 0
        and all(
            type(found) is list
            and len(found) == 3
            and type(found[0]) is int
            and type(found[1]) is int
            and found[0] > 0
            and found[1] > 0
            and type(found[2]) is str
            for found in entry[5]
        )
    )


# --- marks -------------------------------------------------------------------------------


def _encode_marks(marks: Marks) -> str:
    """JSON text: [[line, column, ...] of every node, [line, column, ...] of every key]."""
    values = list(itertools.chain.from_iterable(marks.values.values()))
    keys = list(itertools.chain.from_iterable(marks.keys.values()))
    return str([values, keys])  # a list of ints prints as JSON, twice as fast as json.dumps


def _decode_marks(data: Any, encoded: str) -> Marks:
    """The marks `_encode_marks` wrote for `data`; ValueError when they do not fit it."""
    parts = json.loads(encoded)
    if type(parts) is not list or len(parts) != 2:
        raise ValueError("not two lists of positions")
    value_positions, key_positions = _positions(parts[0]), _positions(parts[1])
    marks = Marks()
    values, keys = marks.values, marks.keys

    def walk(value: Any, loc: Loc) -> None:
        values[loc] = next(value_positions)
        if type(value) is dict:
            for name, item in value.items():
                inner = (*loc, name)
                keys[inner] = next(key_positions)
                walk(item, inner)
        elif type(value) is list:
            for index, item in enumerate(value):
                walk(item, (*loc, index))

    try:
        walk(data, ())
    except StopIteration:
        raise ValueError("fewer marks than nodes") from None
    if next(value_positions, None) is not None or next(key_positions, None) is not None:
        raise ValueError("more marks than nodes")
    return marks


def _positions(numbers: Any) -> Iterator[Position]:
    if (
        type(numbers) is not list
        or len(numbers) % 2
        or not all(type(number) is int and number > 0 for number in numbers)
    ):
        raise ValueError("not a list of lines and columns")
    return zip(numbers[::2], numbers[1::2], strict=True)


# --- the file ----------------------------------------------------------------------------


def _fits(data: Any, raw: bytes) -> bool:
    """Whether `data`, parsed from `raw`, is not much larger as JSON, and JSON can hold it.

    (The loader refuses numbers of over 100 digits, so JSON reads back every integer.)
    """
    if len(raw) <= _SMALL_FILE and b"&" not in raw:
        return True  # no anchor for an alias to expand
    budget = ENTRY_SIZE_FACTOR * len(raw) + MIN_ENTRY_ALLOWANCE
    stack = [data]
    while stack:
        value = stack.pop()
        kind = type(value)
        if kind is str:
            budget -= 2 * len(value) + 2
        elif kind is dict:
            budget -= 2 + sum(2 * len(name) + 4 for name in value)
            stack.extend(value.values())
        elif kind is list:
            budget -= 2 + len(value)
            stack.extend(value)
        elif kind in (int, float, bool) or value is None:  # numbers have at most 100 digits
            budget -= 24
        else:
            return False
        if budget < 0:
            return False
    return True


def _read_entries(directory: Path) -> dict[str, Any]:
    """The entries of the cache file in `directory`; {} for anything unusable."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    flags |= getattr(os, "O_BINARY", 0)
    try:
        if directory.is_symlink():
            return {}
        descriptor = os.open(directory / CACHE_FILE, flags)
        with open(descriptor, "rb") as file:
            info = os.fstat(file.fileno())
            if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_CACHE_BYTES:
                return {}
            payload = json.loads(file.read(MAX_CACHE_BYTES + 1))
    except (OSError, ValueError, RecursionError):
        return {}
    if (
        type(payload) is not dict
        or payload.get("format") != FORMAT
        or payload.get("statuspage") != __version__
        or payload.get("parser") != _PARSER
        or type(payload.get("files")) is not dict
    ):
        return {}
    files: dict[str, Any] = payload["files"]
    return files


def _write(directory: Path, data: bytes) -> None:
    """Replace the cache file in one step (never through a symbolic link)."""
    if directory.is_symlink():
        return
    if not directory.is_dir():
        directory.mkdir(exist_ok=True)  # a file in its place: FileExistsError
        _mark_as_cache(directory)
    atomic_write(directory / CACHE_FILE, data)


def _mark_as_cache(directory: Path) -> None:
    """Keep the new directory out of git and of backups, even without a .gitignore line."""
    with contextlib.suppress(OSError):
        (directory / ".gitignore").write_text(
            "# Created by statuspage: its parse cache.\n*\n", encoding="utf-8"
        )
        (directory / "CACHEDIR.TAG").write_text(
            _CACHEDIR_TAG + "# statuspage's parse cache; see bford.info/cachedir\n",
            encoding="utf-8",
        )
