"""`statuspage build`: every stage in order, all-or-nothing."""

from __future__ import annotations

from collections.abc import Callable, Generator, Mapping
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from pathlib import Path

from jinja2 import Environment

from statuspage.check import find_warnings, translation_warnings
from statuspage.cyclegc import fewer_collections
from statuspage.errors import Problem
from statuspage.i18n.catalogs import SiteCatalogs
from statuspage.load.extras import Extras
from statuspage.load.sources import (
    EVENT_DIR,
    TEMPLATE_DIR,
)
from statuspage.memo import Memo
from statuspage.model.validate import Validated
from statuspage.output import check_output_dir, new_site
from statuspage.outputs import urls
from statuspage.outputs.api import API_ROOT, render_api
from statuspage.outputs.calendar import render_calendars
from statuspage.outputs.feeds import render_feeds
from statuspage.outputs.pages import (
    compile_templates,
    environment_catalogs,
    make_environment,
    plan_site,
    render_pages,
)
from statuspage.outputs.parallel import Taken, Task, run_tasks
from statuspage.outputs.servers import render_servers
from statuspage.pipeline import Loaded, load_state
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
    states = loaded.states_by_language  # stage 3 in each of the site's languages
    environments = site_environments(loaded)
    with new_site(target) as tree:
        # Stage 4, task by task, each written into stage 5's tree where it was rendered
        # (swapped in at the end).
        with closing(render_site(states, environments, jobs, tree.write_part)) as parts:
            for part in parts:
                tree.take(part)
        if loaded.extras is not None:  # and extra/, where the build wrote nothing
            tree.write(loaded.extras.beside(tree.written))
    return BuildReport(target, tree.count, build_warnings(loaded.validated, loaded.state))


def site_environments(loaded: Loaded) -> dict[str, Environment]:
    """An environment for each of the site's languages (make_environment), the default first."""
    site, templates = loaded.site, loaded.sources.root / TEMPLATE_DIR
    return {
        language: make_environment(
            templates, language, site.zone, loaded.catalogs, default_language=site.language
        )
        for language in site.languages
    }


def build_warnings(
    validated: Validated, state: SiteState, memo: Memo | None = None
) -> tuple[Problem, ...]:
    """What a successful build warns about: the sources', then the state's (`check`);
    `memo` is translation_warnings' (serve's)."""
    found = [*find_warnings(state, validated.documents), *translation_warnings(validated, memo)]
    return tuple(sorted((*validated.problems, *found)))


#: A site of fewer pages is rendered in one process: starting workers would cost more.
PARALLEL_PAGES = 2_000


def render_site(
    states: Mapping[str, SiteState],
    environments: Mapping[str, Environment],
    jobs: int,
    sink: Callable[[dict[str, bytes]], Taken],
) -> Generator[Taken, None, None]:
    """Every file of the site in each of its languages (`states`, Loaded.state_in's, and
    `environments`, site_environments', by language), some at a time, given to `sink`
    where it was rendered; the languages' tasks share the workers, so that N languages
    take about N times one's time."""
    planned = [
        (environments[language], plan_site(state, language)) for language, state in states.items()
    ]
    if sum(len(pages) for _, pages in planned) < PARALLEL_PAGES:
        jobs = 1
    else:
        for environment, pages in planned:  # once here, not once in each worker
            compile_templates(pages, environment)
    tasks: list[Task] = []
    for (environment, pages), (language, state) in zip(planned, states.items(), strict=True):
        # The pages in slices, so that the workers share them out as they finish.
        size = max(1, -(-len(pages) // (4 * jobs)))
        slices = [pages[start : start + size] for start in range(0, len(pages), size)]
        catalogs = environment_catalogs(environment)
        tasks += subscriber_tasks(state, language, catalogs)
        tasks += [partial(render_pages, part, environment) for part in slices]
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
    ]
    if language == state.site.language:  # the files the site has once, in its default language
        families += [
            (partial(render_api, state), lambda path: path.startswith(API_ROOT)),
            (partial(render_servers, state, language), urls.is_servers_index),
        ]
    if extras is not None and extras.files:
        files = dict(extras.files)
        families.append((files.copy, files.__contains__))
    return families
