"""Stages 1 to 3 in one call: from a config path to the state at a moment.

Every command that needs the site (build, check, status, new, update, serve, notify)
reaches it through `load_state`, so that each reads the sources, treats their problems
and places `now` in the site's zone the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import cached_property
from pathlib import Path

from statuspage.i18n.catalogs import SiteCatalogs, load_catalogs
from statuspage.load.cache import ParseCache
from statuspage.load.extras import Extras, load_extras
from statuspage.load.sources import DocumentCache, Sources, load_sources, source_root
from statuspage.memo import Memo
from statuspage.model.models import Event, SiteConfig
from statuspage.model.times import resolve_now
from statuspage.model.translations import localize
from statuspage.model.validate import Validated, require_valid, validate_sources
from statuspage.state import SiteState, compute_state


@dataclass
class Caches:
    """What a long-running caller (serve) keeps between loads: documents, models, states.

    Without it, each load uses the parse cache on disk (`.statuspage-cache/`) alone.
    """

    documents: DocumentCache
    validation: Memo = field(default_factory=Memo)
    states: Memo = field(default_factory=Memo)
    #: Per language but the default: its localized events, and their states (issue 17).
    languages: dict[str, tuple[Memo, Memo]] = field(default_factory=dict)


@dataclass(frozen=True)
class Loaded:
    """A valid site read at `now`: its sources, their model and the state (computed when
    first asked for, as `update` and `new` need the model only)."""

    sources: Sources
    validated: Validated
    site: SiteConfig
    events: tuple[Event, ...]
    now: datetime  # in the site's zone
    extras: Extras | None = None
    states: Memo | None = field(default=None, repr=False, compare=False)
    #: The site's own UI catalogs (locales/), checked.
    catalogs: SiteCatalogs = field(default_factory=SiteCatalogs)
    #: serve's memos of the other languages (Caches.languages).
    language_memos: dict[str, tuple[Memo, Memo]] | None = field(
        default=None, repr=False, compare=False
    )

    @cached_property
    def state(self) -> SiteState:
        return compute_state(self.site, self.events, self.now, self.states)

    def state_in(self, language: str | None = None) -> SiteState:
        """The state with the site's texts in `language` where they have it (issue 17);
        None or the default language: `state`."""
        if language is None or language == self.site.language:
            return self.state
        found = self._other_states.get(language)
        if found is None:
            site = localize(self.site, language)
            memos = None
            if self.language_memos is not None:
                memos = self.language_memos.setdefault(language, (Memo(), Memo()))
            events = _localized(self.events, language, memos[0] if memos else None)
            states = memos[1] if memos else None
            found = self._other_states[language] = compute_state(site, events, self.now, states)
        return found

    @cached_property
    def _other_states(self) -> dict[str, SiteState]:
        return {}

    @property
    def states_by_language(self) -> dict[str, SiteState]:
        """The state in each of the site's languages, the default first."""
        return {language: self.state_in(language) for language in self.site.languages}


def _localized(events: tuple[Event, ...], language: str, memo: Memo | None) -> tuple[Event, ...]:
    """`events` in `language` (localize); with a `memo` (serve's), an event object seen in
    the last round is the same localized object again, so that its state is recalled."""
    if memo is None:
        return tuple(localize(event, language) for event in events)
    memo.next_round()
    found = []
    for event in events:
        kept = memo.recall(event)
        if kept is None:
            kept = localize(event, language)
        memo.keep(event, kept)
        found.append(kept)
    return tuple(found)


def load_validated(
    config_path: Path, caches: Caches | None = None, *, extras: bool = False
) -> tuple[Sources, Validated, Extras | None, SiteCatalogs]:
    """Stages 1 and 2, with every problem collected (none raised): the sources, and the
    site's own catalogs (locales/), whose languages statuspage.yaml may name; with
    `extras`, extra/ is read too. The problems of both join the sources'."""
    cache = caches.documents if caches else ParseCache.open(source_root(config_path))
    sources = load_sources(config_path, cache)
    catalogs = load_catalogs(sources.root)
    validated = validate_sources(sources, caches.validation if caches else None, catalogs.languages)
    found = load_extras(sources.root) if extras else None
    more = catalogs.problems + (found.problems if found is not None else ())
    if more:
        validated = replace(validated, problems=tuple(sorted(validated.problems + more)))
    return sources, validated, found, catalogs


def load_state(
    config_path: Path, now: datetime, caches: Caches | None = None, *, extras: bool = False
) -> Loaded:
    """The site at `now`, or InvalidInputError with every problem if any is an error."""
    sources, validated, found, catalogs = load_validated(config_path, caches, extras=extras)
    site, events = require_valid(validated)
    moment = resolve_now(now, site.zone)
    states = caches.states if caches else None
    memos = caches.languages if caches else None
    return Loaded(sources, validated, site, events, moment, found, states, catalogs, memos)
