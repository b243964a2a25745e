"""What an event is in a line or two, in one language: its headline ('Maintenance: Webmail
upgrade') and the components it affects ('Affected components: Webmail, DNS').

Feeds and calendars say it the same way from here, and so may notices.
"""

from __future__ import annotations

from collections.abc import Iterable

from statuspage.i18n import AFFECTED, AFFECTED_SERVERS, Labels
from statuspage.i18n.catalogs import SiteCatalogs
from statuspage.state import SiteState


class EventSummary:
    """An event's headline and affected components in `language`, for the site of `state`
    (with its own catalogs in `catalogs`, if any)."""

    def __init__(
        self, state: SiteState, language: str, catalogs: SiteCatalogs | None = None
    ) -> None:
        self.labels = Labels.of(language, catalogs)
        #: The name of each component, by its id.
        self.names = {c.component.id: c.component.name for c in state.components}

    def headline(self, key: str, title: str) -> str:
        """'LABEL: TITLE', the label of a status or kind ('Resolved: Slow database')."""
        return f"{self.labels.text(key)}: {title}"

    def affected(self, component_ids: Iterable[str]) -> str:
        """The names of the components, as listed, joined ('Webmail, DNS'); ids of no
        component are left out, and none gives ''."""
        return ", ".join(self.names[c] for c in component_ids if c in self.names)

    def affected_line(self, component_ids: Iterable[str]) -> tuple[str, str] | None:
        """('Affected components', 'Webmail, DNS') in the language; None for no component."""
        names = self.affected(component_ids)
        return (self.labels.gettext(AFFECTED), names) if names else None

    def servers_line(self, servers: Iterable[str] | None) -> tuple[str, str] | None:
        """('Affected servers', 'web02, web03') for an event naming servers; None for one
        naming none (it covers every server of its components)."""
        names = ", ".join(dict.fromkeys(servers or ()))
        return (self.labels.gettext(AFFECTED_SERVERS), names) if names else None
