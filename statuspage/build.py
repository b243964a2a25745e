"""`statuspage build`: every stage in order, all-or-nothing."""

from __future__ import annotations

import os
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
from statuspage.sources import (
    EVENT_DIR,
    TEMPLATE_DIR,
    RefusedSourceError,
    SourceFolder,
    display_path,
    load_sources,
    why_unreadable,
)
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
