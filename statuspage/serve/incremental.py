"""What `serve` keeps between rebuilds, and the site it serves from memory (issue 6).

`build` runs every stage over every file. `serve` rebuilds on every save, so it keeps
what the stages made last time and redoes only what a change touches:

- stage 1 parses only the files whose size, times or inode changed, or that the
  watcher reported (KeptDocuments); the others are the same Document objects;
- stage 2 validates only the documents it has not seen (validate_sources' memo);
- stage 3 computes only the states of events that changed, or whose state changes
  between the last `now` and this one (compute_state's memo);
- stage 4 renders only what the change most likely breaks (with new templates, one
  page of each; else the pages of the events just read), so that a rebuild `build`
  would refuse fails before it is shown. A Site renders any other file when it is first
  asked for, by a browser or by serve's background check of the whole site. Stage 5 is
  not needed: nothing is written (but the parse cache, after the first load).

Every file a Site gives is the one `build` writes for the same sources and `now`
(tests/serve/test_incremental.py compares them byte for byte).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from jinja2 import Environment

from statuspage.build import build_warnings, subscriber_families
from statuspage.errors import Problem
from statuspage.i18n.catalogs import SiteCatalogs
from statuspage.load.cache import ParseCache
from statuspage.load.documents import Document, Found, LoadError
from statuspage.load.sources import EVENT_DIR, TEMPLATE_DIR
from statuspage.memo import Memo
from statuspage.model.models import SiteConfig
from statuspage.outputs.pages import (
    Page,
    compile_templates,
    environment_catalogs,
    environment_language,
    make_environment,
    plan_site,
    render_pages,
)
from statuspage.outputs.parallel import Task
from statuspage.outputs.urls import Urls, event_page, file_of
from statuspage.pipeline import Caches, load_state
from statuspage.state import SiteState

Signature = tuple[int, ...]


def _signature(info: os.stat_result) -> Signature:
    # ctime: on POSIX no tool can set it, so a rewrite that keeps size and mtime still
    # shows. (On Windows it is the creation time; there, and for a rewrite within one
    # tick of a coarse clock, the watcher's paths are what tells.)
    return (info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino, info.st_dev)


class KeptDocuments:
    """The documents of the last rebuild, reused while their files have not changed.

    The first load goes through the parse cache on disk (statuspage/cache.py); after
    that, a file whose stat is the same and that the watcher did not report is not even
    read again.
    """

    def __init__(self, root: Path) -> None:
        self._root = root
        self._disk = ParseCache.open(root)
        #: Per key: the file's signature, and its document or what its LoadError found.
        self._kept: dict[str, tuple[Signature, Document | list[Found]]] = {}
        self._seen: dict[str, tuple[Signature, Document | list[Found]]] = {}
        self._parsing: list[str] = []
        #: The keys of the files the last load parsed (every one, the first time).
        self.parsed: list[str] = []

    def forget(self, paths: Iterable[Path]) -> None:
        """Read these files again next time, whatever their stat says."""
        for path in paths:
            try:
                key = path.relative_to(self._root).as_posix()
            except ValueError:
                continue
            self._kept.pop(key, None)

    def forget_parsed(self) -> None:
        """Read the files the last load parsed again next time."""
        for key in self.parsed:
            self._kept.pop(key, None)

    def recall(self, key: str, info: os.stat_result) -> Document | None:
        kept = self._kept.get(key)
        if kept is None or kept[0] != _signature(info):
            return None
        self._seen[key] = kept
        if isinstance(kept[1], list):
            raise LoadError.of(kept[1])  # a new one: raising one again would grow its traceback
        return kept[1]

    def parse(self, key: str, path: Path, shown: str, raw: bytes, info: os.stat_result) -> Document:
        signature = _signature(info)
        self._parsing.append(key)
        try:
            document = self._disk.parse(key, path, shown, raw, info)
        except LoadError as error:
            self._seen[key] = (signature, error.found)
            raise
        self._seen[key] = (signature, document)
        return document

    def save(self) -> None:
        """Keep the documents of this load, and only those; the disk cache after the first."""
        self._disk.save()
        self._disk = ParseCache(None, {})  # off: parses each file it is given
        self._kept, self._seen = self._seen, {}
        self.parsed, self._parsing = self._parsing, []


class Project:
    """One repository as `serve` keeps it: load it again with `refresh` after a change."""

    def __init__(self, config_path: Path) -> None:
        self.config_path = config_path
        self._documents = KeptDocuments(config_path.resolve().parent)
        self._caches = Caches(self._documents)
        self._environment: tuple[object, dict[str, Environment]] | None = None
        #: translation_warnings' memo: what each event lacks (issue 17).
        self._translations = Memo()

    def refresh(self, now: datetime, changed: Iterable[Path] = ()) -> Site:
        """The site of the sources as they are now; raises as `build` does on bad input.

        `changed` are paths the watcher reported: read again even if their stat is the
        same (a file rewritten within the file system's clock tick).
        """
        changed = list(changed)
        self._documents.forget(changed)
        loaded = load_state(self.config_path, now, self._caches)
        sources, validated, config, state = (
            loaded.sources,
            loaded.validated,
            loaded.site,
            loaded.state,
        )
        templates = sources.root / TEMPLATE_DIR
        if any(path == templates or path.is_relative_to(templates) for path in changed):
            self._environment = None  # the watcher saw a template change
        last = self._environment
        environments = self._environments_for(templates, config, loaded.catalogs)
        environment = environments[config.language]
        others = {
            language: (loaded.state_in(language), environments[language])
            for language in config.languages[1:]
        }
        warnings = build_warnings(validated, state, self._translations)
        served = Site(state, environment, warnings, others)
        # What a change most likely breaks is rendered before the site is shown, so that
        # a rebuild `build` would refuse fails here, not a moment later in the check:
        # with new templates one page of each; else the pages of the events just read.
        # Until they render, they count as new again (for a rebuild caused by another file).
        new_templates = self._environment is not last
        try:
            if new_templates:
                for each in environments.values():
                    compile_templates(served.pages(), each)
                served.render(served.first_of_each_template())
            else:
                served.render(
                    Urls.of(config, language).path(file_of(event_page(Path(key).stem)))
                    for key in self._documents.parsed
                    if key.startswith(f"{EVENT_DIR}/")
                    for language in config.languages
                )
        except Exception:
            if new_templates:
                self._environment = None
            else:
                self._documents.forget_parsed()
            raise
        return served

    def _environments_for(
        self, templates: Path, site: SiteConfig, catalogs: SiteCatalogs
    ) -> dict[str, Environment]:
        """The last Jinja environments (their templates compiled), one per language of the
        site, unless a template changed: the watcher said so (above), or a file under
        templates/ has another stat; or the site's own catalogs (locales/, read on each
        load), its languages or zone are not those they were made with.

        (An environment loads a template when a page first needs it, so a site kept to
        fall back on may load one edited since; the check has loaded all it renders.)"""
        key = (site.languages, site.zone, catalogs, _tree_signature(templates))
        if self._environment is None or self._environment[0] != key:
            made = {
                language: make_environment(
                    templates, language, site.zone, catalogs, default_language=site.language
                )
                for language in site.languages
            }
            self._environment = (key, made)
        return self._environment[1]


def _tree_signature(directory: Path) -> tuple[tuple[str, Signature], ...]:
    """Every file under `directory` with its stat: any change to a template changes it."""
    found = []
    for folder, _, names in os.walk(directory):
        for name in names:
            path = os.path.join(folder, name)
            try:
                found.append((path, _signature(os.stat(path))))
            except OSError:
                found.append((path, ()))
    return tuple(sorted(found))


def _in_language(
    holds: Callable[[str], bool], prefix: str, prefixes: Iterable[str]
) -> Callable[[str], bool]:
    """`holds`, for the files of the language whose files are under `prefix` ('' for the
    default language's, which are not under any of the others' `prefixes`)."""
    others = tuple(other for other in prefixes if other)
    if prefix:
        return lambda path: path.startswith(prefix) and holds(path)
    if not others:
        return holds
    return lambda path: not path.startswith(others) and holds(path)


@dataclass
class _Group:
    """A task that renders a family of files at once (the feeds, the API, the calendars)."""

    task: Task
    #: Whether a path can be one of its files.
    holds: Callable[[str], bool]
    #: The files it rendered, once it has.
    paths: tuple[str, ...] | None = None


class Site:
    """One build, served from memory: each file rendered when first asked for, then kept.

    Safe to use from several threads: two threads asking for the same page may both
    render it (with the same result); a family of files is rendered once.
    """

    def __init__(
        self,
        state: SiteState,
        environment: Environment,
        warnings: tuple[Problem, ...],
        others: Mapping[str, tuple[SiteState, Environment]] | None = None,
    ):
        """The site in the language of `environment` (its default), and in each other
        language of `others`, in its state and environment (issue 17)."""
        self.state = state
        self.warnings = warnings
        self._environment = environment
        languages = {environment_language(environment): (state, environment), **(others or {})}
        self._pages: dict[str, Page] = {}
        #: The environment of each page not in the default language.
        self._environments: dict[str, Environment] = {}
        self._groups: list[_Group] = []
        prefixes = [Urls.of(state.site, language).prefix for language in languages]
        for language, (each, env) in languages.items():
            planned = {page.path: page for page in plan_site(each, language)}
            self._pages.update(planned)
            if env is not environment:
                self._environments.update(dict.fromkeys(planned, env))
            families = subscriber_families(
                each, language=language, catalogs=environment_catalogs(env)
            )
            prefix = Urls.of(state.site, language).prefix
            self._groups += [
                _Group(task, _in_language(holds, prefix, prefixes)) for task, holds in families
            ]
        self._files: dict[str, bytes] = {}
        self._group_lock = threading.Lock()

    def pages(self) -> list[Page]:
        return list(self._pages.values())

    def first_of_each_template(self) -> list[str]:
        """The first page of each template in the plan."""
        first: dict[str, str] = {}
        for path, page in self._pages.items():
            first.setdefault(page.template, path)
        return list(first.values())

    def render(self, paths: Iterable[str]) -> None:
        """Render these files now (those that are pages of the site), and keep them."""
        for path in paths:
            if path in self._pages:
                self.get(path)

    def has_page(self, path: str) -> bool:
        """Whether `path` is one of the site's pages (not a feed, calendar or API file)."""
        return path in self._pages

    def get(self, path: str) -> bytes | None:
        """The bytes `build` writes at `path` (relative, with slashes), or None if none.

        Raises TemplateProblemError when the file's template fails.
        """
        found = self._files.get(path)
        if found is not None:
            return found
        page = self._pages.get(path)
        if page is not None:
            environment = self._environments.get(path, self._environment)
            found = self._files[path] = render_pages([page], environment)[path]
            return found
        for group in self._groups:
            if group.holds(path):
                self._render_group(group)
        return self._files.get(path)

    def render_all(self, cancelled: Callable[[], bool] = lambda: False) -> int | None:
        """Render every file once, to see that all render; how many files the site has,
        or None when `cancelled()` turned true first (it is asked before each file).

        Pages rendered here are not kept (a page renders in a millisecond or two when it
        is asked for; 10,000 kept pages would take 70 MB); the families are.
        """
        for path, page in self._pages.items():
            if cancelled():
                return None
            if path not in self._files:
                render_pages([page], self._environments.get(path, self._environment))
        count = len(self._pages)
        for group in self._groups:
            if cancelled():
                return None
            count += len(self._render_group(group))
        return count

    def files(self) -> dict[str, bytes]:
        """Every file of the site: {path: bytes}, as `build` would write them."""
        found = {path: self.get(path) for path in self._pages}
        for group in self._groups:
            found.update((path, self._files[path]) for path in self._render_group(group))
        return {path: body for path, body in found.items() if body is not None}

    def _render_group(self, group: _Group) -> tuple[str, ...]:
        """Render a family of files unless it was; the paths of its files."""
        with self._group_lock:
            if group.paths is None:
                rendered = group.task()
                self._files.update(rendered)
                group.paths = tuple(rendered)
            return group.paths
