"""`statuspage build`: every stage in order, all-or-nothing."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping
from contextlib import closing
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import partial
from pathlib import Path

from jinja2 import Environment

from statuspage.api import API_ROOT, render_api
from statuspage.check import find_warnings
from statuspage.errors import InvalidInputError, Problem
from statuspage.feeds import render_feeds
from statuspage.ical import render_calendars
from statuspage.memory import fewer_collections
from statuspage.output import check_output_dir, new_site
from statuspage.parallel import Task, run_tasks
from statuspage.render import compile_templates, make_environment, plan_site, render_pages
from statuspage.sources import EVENT_DIR, MAX_FILE_BYTES, TEMPLATE_DIR, display_path, load_sources
from statuspage.state import SiteState, compute_state
from statuspage.times import resolve_now
from statuspage.validate import Validated, require_valid, validate_sources


@dataclass(frozen=True)
class BuildReport:
    """What a build wrote, and what it warned about."""

    output_dir: Path
    files: int
    warnings: tuple[Problem, ...]


@fewer_collections()
def build(config_path: Path, output_dir: Path, now: datetime, jobs: int = 1) -> BuildReport:
    """Render the site for `now` into `output_dir`, or change nothing.

    `jobs` is how many processes may render (see statuspage/parallel.py); the outputs are
    the same for any number.
    """
    root = config_path.resolve().parent
    # First: a build refused its output directory reads and writes nothing.
    target = check_output_dir(output_dir, root, protected=(root / EVENT_DIR, root / TEMPLATE_DIR))
    sources = load_sources(config_path)  # stage 1
    extras = load_extras(sources.root)  # stage 1, extra/: read, not parsed
    validated = validate_sources(sources)  # stage 2
    site, events = require_valid(replace(validated, problems=validated.problems + extras.problems))
    state = compute_state(site, events, resolve_now(now, site.zone))  # stage 3
    environment = make_environment(sources.root / TEMPLATE_DIR, site.language, site.zone)
    with new_site(target) as tree, closing(render_outputs(state, environment, jobs)) as tasks:
        for outputs in tasks:  # stage 4, task by task, into stage 5's tree (swapped in at the end)
            tree.write(outputs)
        tree.write(extras.beside(tree.written))  # and extra/, where the build wrote nothing
    return BuildReport(target, tree.count, build_warnings(validated, state))


def build_warnings(validated: Validated, state: SiteState) -> tuple[Problem, ...]:
    """What a successful build warns about: the sources', then the state's (`check`)."""
    return tuple(sorted((*validated.problems, *find_warnings(state, validated.documents))))


#: A site of fewer pages is rendered in one process: starting workers would cost more.
PARALLEL_PAGES = 2_000


def render_outputs(
    state: SiteState, environment: Environment, jobs: int = 1
) -> Generator[dict[str, bytes], None, None]:
    """Every file of the site, some at a time: the pages, then what subscribers read."""
    pages = plan_site(state)
    if len(pages) < PARALLEL_PAGES:
        jobs = 1
    else:
        compile_templates(pages, environment)  # once here, not once in each worker
    # The pages in slices, so that the workers share them out as they finish.
    size = max(1, -(-len(pages) // (4 * jobs)))
    slices = [pages[start : start + size] for start in range(0, len(pages), size)]
    tasks: list[Task] = [
        *subscriber_tasks(state),
        *(partial(render_pages, part, environment) for part in slices),
    ]
    return run_tasks(tasks, jobs)


def subscriber_tasks(state: SiteState) -> list[Task]:
    """What subscribers read, each task rendering a family of files: calendars, feeds, API."""
    return [task for task, _ in subscriber_families(state)]


def subscriber_families(
    state: SiteState, extras: Extras | None = None
) -> list[tuple[Task, Callable[[str], bool]]]:
    """subscriber_tasks, each with a test of whether a path can be one of its files; with
    `extras`, their files too (for `serve`, which has no tree to check them against)."""
    families: list[tuple[Task, Callable[[str], bool]]] = [
        (partial(render_calendars, state), lambda path: path.endswith(".ics")),
        (partial(render_feeds, state), lambda path: path.endswith((".atom", ".rss", "feed.json"))),
        (partial(render_api, state), lambda path: path.startswith(API_ROOT)),
    ]
    if extras is not None and extras.files:
        files = dict(extras.files)
        families.append((files.copy, files.__contains__))
    return families


# --- extra/: files published as they are (issue 22) ---------------------------------------

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
    """Read every file under `root`/extra/ as it is, with the sources' confinement and
    limits: no link out of the repository, regular files only, 2 MB each, 20 MB in all."""
    files: dict[str, bytes] = {}
    shown: dict[str, str] = {}
    problems: list[Problem] = []
    total = 0
    for path, place in _extra_files(root, problems):
        shown[path] = display_path(place)
        if len(files) == MAX_EXTRA_FILES:
            problems.append(
                Problem(
                    shown[path], 1, 1, f"{EXTRA_DIR}/ may hold at most {MAX_EXTRA_FILES:,} files"
                )
            )
            break
        data = _read_extra(place, shown[path], problems)
        if data is None:
            continue
        total += len(data)
        if total > MAX_EXTRA_BYTES:
            problems.append(
                Problem(
                    shown[path],
                    1,
                    1,
                    f"{EXTRA_DIR}/ may hold at most {MAX_EXTRA_BYTES // 1_000_000} MB in all",
                )
            )
            break
        files[path] = data
    return Extras(files, shown, tuple(problems))


def _extra_files(root: Path, problems: list[Problem]) -> Iterator[tuple[str, Path]]:
    """(site path, path) of every entry under extra/ that is not a folder, in order;
    links are followed where they stay in the repository, and a folder is never entered
    twice on one branch (a link to a folder above it)."""
    top = root / EXTRA_DIR
    real_root = os.path.realpath(root)
    pending: list[tuple[str, Path, tuple[str, ...]]] = [("", top, ())]
    while pending:
        prefix, folder, above = pending.pop()
        real = os.path.realpath(folder)
        if not _inside(real, real_root):
            problems.append(
                _problem(folder, "a symbolic link out of the repository is not allowed")
            )
            continue
        if real in above:
            problems.append(_problem(folder, "a link to a folder that contains it is not allowed"))
            continue
        try:
            with os.scandir(folder) as scan:
                entries = sorted(scan, key=lambda entry: entry.name)
        except FileNotFoundError:
            if os.path.lexists(folder):  # else there is no extra/, which is fine
                problems.append(_problem(folder, "a symbolic link to nothing"))
            continue
        except NotADirectoryError:
            problems.append(_problem(folder, f"{EXTRA_DIR} must be a folder"))
            continue
        except OSError as error:
            problems.append(_problem(folder, f"cannot read the folder: {error.strerror}"))
            continue
        for entry in entries:
            place = Path(entry.path)
            path = prefix + entry.name
            if path == EXTRA_NOTE:
                continue
            if "\\" in entry.name:  # a folder separator to some hosts and to Windows
                problems.append(_problem(place, "a name with a backslash cannot be published"))
            elif entry.is_symlink() and (refused := _refused_link(place, real_root)):
                problems.append(_problem(place, refused))
            elif entry.is_dir():  # through a link too
                pending.append((path + "/", place, (*above, real)))
            else:
                yield path, place


def _refused_link(link: Path, real_root: str) -> str | None:
    """Why a link under extra/ may not be followed: it leads out of the repository, to
    the repository itself, or into a hidden folder of it (.git holds credentials)."""
    real = os.path.realpath(link)
    if not _inside(real, real_root):
        return "a symbolic link out of the repository is not allowed"
    if real == real_root:
        return "a symbolic link to the whole repository is not allowed"
    parts = Path(os.path.relpath(real, real_root)).parts
    if any(part.startswith(".") for part in parts) and parts[0] != EXTRA_DIR:
        return f"a symbolic link into the hidden {parts[0]}/ is not allowed"
    return None


def _inside(real: str, real_root: str) -> bool:
    return real == real_root or real.startswith(os.path.join(real_root, ""))


def _problem(path: Path, message: str) -> Problem:
    return Problem(display_path(path), 1, 1, message)


_KINDS = {
    stat.S_IFIFO: "a FIFO",
    stat.S_IFSOCK: "a socket",
    stat.S_IFCHR: "a device",
    stat.S_IFBLK: "a device",
    stat.S_IFDIR: "a folder",
}


def _read_extra(path: Path, shown: str, problems: list[Problem]) -> bytes | None:
    """The bytes of a regular file, read without blocking and at most one byte over the
    limit, whatever stat says; else None, and why (never what the file holds).

    (A confined opener shared by every source is being written in sources.py; until it is,
    this is extra/'s own, with the same rules.)
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        descriptor = os.open(path, flags | getattr(os, "O_CLOEXEC", 0))
    except OSError as error:
        problems.append(Problem(shown, 1, 1, f"cannot read file: {error.strerror}"))
        return None
    try:
        kind = stat.S_IFMT(os.fstat(descriptor).st_mode)
        if kind != stat.S_IFREG:
            what = _KINDS.get(kind, "not a regular file")
            problems.append(Problem(shown, 1, 1, f"{what} cannot be published; only files can"))
            return None
        chunks, size = [], 0
        while size <= MAX_FILE_BYTES and (chunk := os.read(descriptor, MAX_FILE_BYTES + 1 - size)):
            chunks.append(chunk)
            size += len(chunk)
    except OSError as error:
        problems.append(Problem(shown, 1, 1, f"cannot read file: {error.strerror}"))
        return None
    finally:
        os.close(descriptor)
    if size > MAX_FILE_BYTES:
        limit = MAX_FILE_BYTES // 1_000_000
        problems.append(
            Problem(
                shown, 1, 1, f"the file is over {limit} MB; a source file may be at most {limit} MB"
            )
        )
        return None
    return b"".join(chunks)
