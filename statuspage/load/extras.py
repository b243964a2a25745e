"""Stage 1 for extra/: files published at the site's root as they are (issue 22).

`CNAME`, `_headers`, `_redirects`, `.well-known/security.txt`: read through the same
confined opener as every source, never parsed; `check` reports their problems and
`build` copies them where it wrote nothing.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from statuspage.errors import InvalidInputError, Problem
from statuspage.load.sources import RefusedSourceError, SourceFolder, display_path, why_unreadable

#: Every file under this folder of the repository is published at the site's root.
EXTRA_DIR = "extra"
#: The folder's own note, which `init` writes: the one file there never published.
EXTRA_NOTE = "README.md"
#: All of extra/ together: a CNAME, headers, a security.txt, a logo; not an archive.
MAX_EXTRA_BYTES = 20_000_000
MAX_EXTRA_FILES = 1_000


@dataclass(frozen=True)
class Extras:
    """What extra/ holds: {site path: bytes}, each file's path as shown, and problems."""

    files: Mapping[str, bytes] = field(default_factory=dict)
    shown: Mapping[str, str] = field(default_factory=dict)
    problems: tuple[Problem, ...] = ()

    def beside(self, generated: Iterable[str]) -> Mapping[str, bytes]:
        """The files, when none takes the place of a generated file (or of the folder one
        is in, or makes one a folder); else every such clash, naming both."""
        files, problems = self.files, set()
        folders = {folder: path for path in files for folder in _folders(path)}
        for path in generated:
            if path in files:
                problems.add((path, f"would replace the generated {path}"))
            if path in folders:
                problems.add((folders[path], f"would make a folder of the generated {path}"))
            for folder in _folders(path):
                if folder in files:
                    problems.add((folder, f"would replace the generated folder {folder}/"))
        if problems:
            raise InvalidInputError(Problem(self.shown[path], 1, 1, why) for path, why in problems)
        return files


def _folders(path: str) -> Iterator[str]:
    """'a/b/c' -> 'a/b', 'a'."""
    while "/" in path:
        path = path.rpartition("/")[0]
        yield path


def load_extras(root: Path) -> Extras:
    """Read every file under `root`/extra/ as it is, opened as every source is
    (sources.SourceFolder: confined to extra/, regular files only, 2 MB each), and at
    most 20 MB and 1,000 files in all."""
    folder = SourceFolder.of(root, EXTRA_DIR)
    if not os.path.lexists(folder.path):
        return Extras()
    if folder.refused:
        return Extras(problems=(_problem(folder.path, folder.refused),))
    files: dict[str, bytes] = {}
    shown: dict[str, str] = {}
    problems: list[Problem] = []
    total = 0
    for path, place in _extra_files(folder, problems):
        shown[path] = display_path(place)
        if len(files) == MAX_EXTRA_FILES:
            problems.append(
                _problem(place, f"{EXTRA_DIR}/ may hold at most {MAX_EXTRA_FILES:,} files")
            )
            break
        try:
            data, _ = folder.read(str(place))
        except RefusedSourceError as error:
            problems.append(_problem(place, error.message))
            continue
        except OSError as error:
            problems.append(_problem(place, why_unreadable(error, place.is_symlink())))
            continue
        total += len(data)
        if total > MAX_EXTRA_BYTES:
            limit = MAX_EXTRA_BYTES // 1_000_000
            problems.append(_problem(place, f"{EXTRA_DIR}/ may hold at most {limit} MB in all"))
            break
        files[path] = data
    return Extras(files, shown, tuple(problems))


def _extra_files(folder: SourceFolder, problems: list[Problem]) -> list[tuple[str, Path]]:
    """(site path, path) of every entry under extra/ that is not a folder, in order. A
    link is followed where it stays in extra/ (a folder too, but never into one that
    contains it); what is not a regular file is refused when it is read."""
    found: list[tuple[str, Path]] = []
    pending: list[tuple[str, Path, tuple[str, ...]]] = [("", folder.path, ())]
    while pending:
        prefix, directory, above = pending.pop()
        real = os.path.realpath(directory)
        if real in above:
            problems.append(
                _problem(directory, "a link to a folder that contains it is not allowed")
            )
            continue
        try:
            with os.scandir(directory) as scan:
                entries = list(scan)
        except OSError as error:
            problems.append(_problem(directory, why_unreadable(error, directory.is_symlink())))
            continue
        for entry in entries:
            place, path = Path(entry.path), prefix + entry.name
            if path == EXTRA_NOTE:
                continue
            if "\\" in entry.name:  # a folder separator to some hosts and to Windows
                problems.append(_problem(place, "a name with a backslash cannot be published"))
                continue
            if entry.is_symlink():
                try:
                    folder.confine(entry.path)
                except RefusedSourceError as error:
                    problems.append(_problem(place, error.message))
                    continue
            if entry.is_dir():  # through a link too
                pending.append((path + "/", place, (*above, real)))
            else:
                found.append((path, place))
    return sorted(found)


def _problem(path: Path, message: str) -> Problem:
    return Problem(display_path(path), 1, 1, message)
