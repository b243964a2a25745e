"""`statuspage check`: stages 1-3, and a trial of the templates, every problem and warning
at its place."""

from __future__ import annotations

import difflib
import json
import os
import re
from collections import defaultdict
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

from jinja2 import Environment, TemplateError

from statuspage.authoring.scaffold import placeholder_warnings
from statuspage.cyclegc import fewer_collections
from statuspage.errors import InvalidInputError, Problem
from statuspage.i18n import language_name
from statuspage.load.documents import Document, Loc
from statuspage.load.sources import TEMPLATE_DIR, THEME_DIR, display_path
from statuspage.memo import Memo
from statuspage.model.times import format_duration, local_iso
from statuspage.model.translations import missing_translations
from statuspage.model.validate import Validated, field_path
from statuspage.outputs.pages import (
    Page,
    TemplateProblemError,
    environment_language,
    make_environment,
    plan_site,
    render_pages,
    template_problem,
)
from statuspage.pipeline import Loaded, load_state
from statuspage.state import SiteState, is_stale

#: An incident open longer than this is probably forgotten (SPEC "Commands": check).
STALE_INCIDENT = timedelta(days=7)
#: How much of a home page is read to find when it was built (pages are far smaller).
MAX_PAGE = 64 * 1024 * 1024


@fewer_collections()
def check(config_path: Path, now: datetime, output_dir: Path | None = None) -> list[Problem]:
    """Validate everything; return all errors, then warnings about the state at `now`.

    With `output_dir`, also warn when the site built there is older than `stale_after`.
    """
    try:
        loaded = load_state(config_path, now, extras=True)
    except InvalidInputError as error:
        return sorted(error.problems)
    state, validated = loaded.state, loaded.validated
    problems = [*validated.problems, *find_warnings(state, validated.documents)]
    problems.extend(translation_warnings(validated))
    problems.extend(template_problems(loaded))
    if output_dir is not None:
        problems.extend(stale_build_warnings(output_dir, state))
    return sorted(problems)


def template_problems(loaded: Loaded) -> list[Problem]:
    """What `build` would refuse in the templates: every file of templates/ compiled, and
    one page of each kind rendered with the real state (an override at its built-in
    name); an override one letter from a built-in name, used by nothing, is a warning."""
    folder = loaded.sources.root / TEMPLATE_DIR
    if not os.path.lexists(folder):
        return []  # the theme alone, which its own tests render
    site = loaded.site
    environment = make_environment(
        folder, site.language, site.zone, loaded.catalogs, default_language=site.language
    )
    names = _override_names(folder)
    problems = [*_unused_overrides(environment, folder, names)]
    for name in names:
        try:
            environment.get_template(name)
        except TemplateError as error:
            problems.append(template_problem(error, name))
    failed = {problem.path for problem in problems if problem.is_error}
    # One page of each kind in each language (an override may fail only where the
    # language switcher or a fallback note is: on a site of several).
    for language in site.languages:
        if language != site.language:
            environment = make_environment(
                folder, language, site.zone, loaded.catalogs, default_language=site.language
            )
        sample: dict[str, Page] = {}
        for page in plan_site(loaded.state_in(language), environment_language(environment)):
            sample.setdefault(page.template, page)
        for page in sample.values():
            try:
                render_pages([page], environment)
            except TemplateProblemError as error:
                if error.problem.path not in failed:  # once per template
                    failed.add(error.problem.path)
                    problems.append(error.problem)
    return problems


def _override_names(folder: Path) -> list[str]:
    """Every file under templates/ by its template name (links are not followed here:
    the loader refuses any that leads out, at its place)."""
    names: list[str] = []
    for directory, subfolders, files in os.walk(folder):
        subfolders[:] = sorted(name for name in subfolders if not name.startswith("."))
        relative = Path(directory).relative_to(folder)
        names.extend(
            (relative / name).as_posix() for name in sorted(files) if not name.startswith(".")
        )
    return names


def _unused_overrides(
    environment: Environment, folder: Path, names: list[str]
) -> Iterator[Problem]:
    """An override one letter from a theme's name (evnet.html) that nothing includes."""
    theme = sorted(name for name in os.listdir(THEME_DIR) if "." in name)
    for name in names:
        if name in theme:
            continue
        close = difflib.get_close_matches(name, theme, n=1, cutoff=0.85)
        if close and not any(name in _text(environment, other) for other in names if other != name):
            shown = display_path(folder / name)
            yield Problem(
                shown,
                1,
                1,
                f"not a template of the theme, so no page uses it; did you mean {close[0]}?",
                "warning",
            )


def _text(environment: Environment, name: str) -> str:
    """A template's text as the loader reads it (confined), or "" if it refuses it."""
    try:
        return environment.loader.get_source(environment, name)[0] if environment.loader else ""
    except TemplateError:
        return ""


#: The build's moment, as the home page carries it for the optional script (clock.py).
_BUILT = re.compile(rb'<script type="application/json" id="clock-data">(\{.*?\})</script>')


def last_build(output_dir: Path) -> datetime | None:
    """When the site in `output_dir` was built (its `now`), or None if there is none."""
    try:
        with (output_dir / "index.html").open("rb") as page:
            text = page.read(MAX_PAGE)
    except OSError:
        return None
    found = _BUILT.search(text)
    try:
        built = json.loads(found.group(1))["built"] if found else None
        return datetime.fromisoformat(built) if isinstance(built, str) else None
    except (ValueError, KeyError, TypeError):
        return None


def stale_build_warnings(output_dir: Path, state: SiteState) -> Iterator[Problem]:
    """Warn when the last build in `output_dir` is older than `stale_after`."""
    built = last_build(output_dir)
    if built is None or not is_stale(built, state):
        return
    age = format_duration(state.now - built)
    yield Problem(
        display_path(output_dir / "index.html"),
        1,
        1,
        f"the site was built {age} ago ({local_iso(built, state.site.zone)}), longer than "
        f"stale_after ({format_duration(state.site.stale_after)}): its pages tell visitors "
        "they may be out of date; run statuspage build",
        severity="warning",
    )


def find_warnings(state: SiteState, documents: dict[str, Document]) -> Iterator[Problem]:
    """Warn about what a customer would find stale: forgotten incidents, broken promises,
    placeholders `statuspage new` wrote that are still in place."""
    yield from placeholder_warnings(documents)
    now = state.now
    for incident in state.active_incidents:
        document = documents[incident.incident.id]
        last = len(incident.updates) - 1
        if now - incident.started_at > STALE_INCIDENT:
            days = (now - incident.started_at).days
            yield document.problem(
                ("updates", last, "status"),
                f"incident open for {days} days; resolve it or post an update",
                severity="warning",
            )
        promised = incident.next_update
        if promised is not None and promised < now:
            yield document.problem(
                ("updates", last, "next_update"),
                f"the promised next update ({local_iso(promised, state.site.zone)}) has passed; "
                "post an update",
                severity="warning",
            )
    for window in state.running_windows:
        current = window.current
        if current is not None and now > current.end:
            document = documents[window.window.id]
            late = format_duration(now - current.end)
            yield document.problem(
                ("updates", len(window.updates) - 1, "status"),
                f"still {window.status.replace('_', ' ')} {late} after its planned end; "
                "post a 'completed' update when it is done",
                severity="warning",
            )


#: How many of the texts a language lacks `check` lists one by one (the rest are counted).
MISSING_LISTED = 5


def translation_warnings(validated: Validated, memo: Memo | None = None) -> Iterator[Problem]:
    """For each language of a site of several, the texts it lacks (issue 17): the first
    MISSING_LISTED at their places, and how many in all at the language in `languages:`.
    Each is shown in the default language (or the first that has it) meanwhile. With a
    `memo` (serve's), a model object seen in the last round is not read again."""
    site, config = validated.site, validated.config
    if site is None or config is None or len(site.languages) < 2:
        return
    if memo is not None:
        memo.next_round()
    models = [(config, site), *((validated.documents[e.id], e) for e in validated.events)]
    missing: dict[str, list[tuple[Document, Loc, str]]] = defaultdict(list)
    setting = (site.language, site.languages)
    for document, model in models:
        kept = memo.recall(model) if memo is not None else None
        if kept is None or kept[0] != setting:
            kept = (setting, list(missing_translations(model, site.languages)))
        if memo is not None:
            memo.keep(model, kept)
        for language, loc, shown in kept[1]:
            missing[language].append((document, loc, shown))
    given = site.given_languages or ()
    for language in site.languages:
        places = missing.get(language)
        if not places:
            continue
        name = f"{language_name(language, 'en')} ({language})"
        for document, loc, shown in places[:MISSING_LISTED]:
            field = field_path(loc)
            yield document.problem(
                loc,
                f"{field}: no {name} text; shown in {language_name(shown, 'en')} there",
                severity="warning",
            )
        at: Loc = ("languages", given.index(language)) if language in given else ("language",)
        listed = min(len(places), MISSING_LISTED)
        yield config.problem(
            at,
            f"{len(places)} text{'s have' if len(places) != 1 else ' has'} no {name} "
            f"translation (the first {listed} listed); {language_name(language, 'en')} pages "
            "show them in the default language, marked as such",
            severity="warning",
        )
