"""`statuspage build`: every stage in order, all-or-nothing."""

from __future__ import annotations

from collections.abc import Callable, Generator
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from pathlib import Path

from jinja2 import Environment

from statuspage.check import find_warnings
from statuspage.cyclegc import fewer_collections
from statuspage.errors import Problem
from statuspage.i18n.catalogs import SiteCatalogs
from statuspage.load.extras import Extras
from statuspage.load.sources import (
    EVENT_DIR,
    TEMPLATE_DIR,
)
from statuspage.model.validate import Validated
from statuspage.output import check_output_dir, new_site
from statuspage.outputs import urls
from statuspage.outputs.api import API_ROOT, render_api
from statuspage.outputs.calendar import render_calendars
from statuspage.outputs.feeds import render_feeds
from statuspage.outputs.pages import (
    compile_templates,
    environment_catalogs,
    environment_language,
    make_environment,
    plan_site,
    render_pages,
)
from statuspage.outputs.parallel import Taken, Task, run_tasks
from statuspage.outputs.servers import render_servers
from statuspage.pipeline import load_state
from statuspage.state import SiteState


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
    loaded = load_state(config_path, now, extras=True)  # stages 1 to 3, extra/ read too
    site, state = loaded.site, loaded.state
    environment = make_environment(
        loaded.sources.root / TEMPLATE_DIR, site.language, site.zone, loaded.catalogs
    )
    with new_site(target) as tree:
        # Stage 4, task by task, each written into stage 5's tree where it was rendered
        # (swapped in at the end).
        with closing(render_outputs(state, environment, jobs, tree.write_part)) as parts:
            for part in parts:
                tree.take(part)
        if loaded.extras is not None:  # and extra/, where the build wrote nothing
            tree.write(loaded.extras.beside(tree.written))
    return BuildReport(target, tree.count, build_warnings(loaded.validated, state))


def build_warnings(validated: Validated, state: SiteState) -> tuple[Problem, ...]:
    """What a successful build warns about: the sources', then the state's (`check`)."""
    return tuple(sorted((*validated.problems, *find_warnings(state, validated.documents))))


#: A site of fewer pages is rendered in one process: starting workers would cost more.
PARALLEL_PAGES = 2_000


def render_outputs(
    state: SiteState,
    environment: Environment,
    jobs: int,
    sink: Callable[[dict[str, bytes]], Taken],
) -> Generator[Taken, None, None]:
    """Every file of the site, some at a time, given to `sink` where it was rendered:
    the pages, then what subscribers read, in the language `environment` renders in
    (make_environment's)."""

    language = environment_language(environment)
    catalogs = environment_catalogs(environment)
    pages = plan_site(state, language)
    if len(pages) < PARALLEL_PAGES:
        jobs = 1
    else:
        compile_templates(pages, environment)  # once here, not once in each worker
    # The pages in slices, so that the workers share them out as they finish.
    size = max(1, -(-len(pages) // (4 * jobs)))
    slices = [pages[start : start + size] for start in range(0, len(pages), size)]
    tasks: list[Task] = [
        *subscriber_tasks(state, language, catalogs),
        *(partial(render_pages, part, environment) for part in slices),
    ]
    return run_tasks(tasks, jobs, sink)


def subscriber_tasks(
    state: SiteState, language: str, catalogs: SiteCatalogs | None = None
) -> list[Task]:
    """What subscribers read, each task rendering a family of files: calendars, feeds, API."""
    return [task for task, _ in subscriber_families(state, language=language, catalogs=catalogs)]


def subscriber_families(
    state: SiteState,
    extras: Extras | None = None,
    *,
    language: str | None = None,
    catalogs: SiteCatalogs | None = None,
) -> list[tuple[Task, Callable[[str], bool]]]:
    """subscriber_tasks, each with a test of whether a path can be one of its files; with
    `extras`, their files too (for `serve`, which has no tree to check them against).
    The calendars and feeds are in `language` (None: the site's own), their words from
    the site's own `catalogs` first."""

    language = state.site.language if language is None else language
    families: list[tuple[Task, Callable[[str], bool]]] = [
        (partial(render_calendars, state, language, catalogs), urls.is_calendar),
        (partial(render_feeds, state, language, catalogs), urls.is_feed),
        (partial(render_api, state), lambda path: path.startswith(API_ROOT)),
        (partial(render_servers, state, language), urls.is_servers_index),
    ]
    if extras is not None and extras.files:
        files = dict(extras.files)
        families.append((files.copy, files.__contains__))
    return families
