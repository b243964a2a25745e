"""What a notice says: its subject and Markdown body in the channel's language, and the
JSON a webhook gets (in the shape of Atlassian Statuspage's subscriber webhooks).

The words come from the four catalogs; the layout from the theme's notify/subject.txt and
notify/body.md, which a site overrides with templates/notify/ like any other template.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from jinja2 import Environment

from statuspage.i18n import AFFECTED, AFFECTED_SERVERS, LABELS, N_, Formatter, translations
from statuspage.i18n.catalogs import SiteCatalogs
from statuspage.model.models import Incident, IncidentUpdate, Window, WindowUpdate
from statuspage.model.translations import localize, localize_text
from statuspage.notify.channels import Message
from statuspage.notify.notices import Notice
from statuspage.outputs.api import Timeline, make_id, timestamp
from statuspage.outputs.urls import Urls
from statuspage.state import SiteState

HEADLINES: dict[str, str] = {
    "opened": N_("Incident: %(title)s"),
    "updated": N_("Update: %(title)s"),
    "resolved": N_("Resolved: %(title)s"),
    "postmortem": N_("Postmortem: %(title)s"),
    "announced": N_("Planned: %(title)s"),
    "reminder": N_("Reminder: %(title)s starts in %(duration)s"),
    "started": N_("Started: %(title)s"),
    "completed": N_("Completed: %(title)s"),
    "cancelled": N_("Cancelled: %(title)s"),
    "rescheduled": N_("Rescheduled: %(title)s"),
    "test": N_("Test message from %(title)s"),
}
LEADS: dict[str, str] = {
    "opened": N_("We are investigating a problem."),
    "updated": N_("There is a new update."),
    "resolved": N_("The incident is resolved."),
    "postmortem": N_("The postmortem is published."),
    "announced": N_("Work is planned."),
    "reminder": N_("The planned work starts in %(duration)s."),
    "started": N_("The planned work has started."),
    "completed": N_("The planned work is completed."),
    "cancelled": N_("The planned work is cancelled."),
    "rescheduled": N_("The planned work has new times."),
    "test": N_("This channel is set up: notices of %(title)s will arrive here."),
}
WHEN = N_("When")
REPEATS = N_("Repeats")
STATUS = N_("Status")
MORE = N_("More")
NEXT_UPDATE = N_("Next update by")


class Writer:
    """Writes notices for one site, in any of the shipped languages or its own (`catalogs`)."""

    def __init__(
        self, state: SiteState, templates: Path | None, catalogs: SiteCatalogs | None = None
    ) -> None:
        self.state = state
        self.templates = templates
        self.catalogs = catalogs
        self.names = {c.component.id: c.component.name for c in state.components}

    @functools.cache  # noqa: B019 - one writer per run, a handful of languages
    def environment(self, language: str) -> Environment:
        from statuspage.outputs.pages import make_environment

        # Markdown and plain text, not HTML: nothing to escape.
        zone = self.state.site.zone
        return make_environment(self.templates, language, zone, self.catalogs).overlay(
            autoescape=False
        )

    def url(self, event_id: str, language: str | None = None) -> str:
        """The event's page in `language`, where the site has it (else the default's)."""
        site = self.state.site
        return Urls.of(site, language if language in site.languages else None).event_url(event_id)

    def message(self, notice: Notice, language: str) -> Message:
        """The subject, body and webhook JSON of `notice` in `language`: its words, and
        the event's texts where they are written in it (issue 17; the webhook JSON is in
        the site's default language, as the API is)."""
        payload = self.payload(notice)
        notice = _in_language(notice, language)
        gettext = translations(language, self.catalogs).gettext
        formatter = Formatter(language, self.state.site.zone, self.catalogs)
        duration = _duration(notice, formatter, self.state.now)
        values = {"title": notice.event.title, "duration": duration}
        context = {
            "headline": gettext(HEADLINES[notice.kind]) % values,
            "lead": gettext(LEADS[notice.kind]) % values,
            "message": _message(notice),
            "facts": self.facts(notice, gettext, formatter),
            "more": gettext(MORE),
            "url": self.url(notice.event.id, language),
            "notice": notice,
        }
        return Message(
            self.render("notify/subject.txt", language, context).strip(),
            self.render("notify/body.md", language, context).strip() + "\n",
            payload,
            tuple(self.component_updates(notice)),
        )

    def test_message(self, language: str) -> Message:
        """The message of `notify --test`."""
        gettext = translations(language, self.catalogs).gettext
        values = {"title": self.state.site.title}
        subject = gettext(HEADLINES["test"]) % values
        body = gettext(LEADS["test"]) % values + "\n\n" + self.state.site.base_url + "\n"
        return Message(subject, body, {"meta": _meta(self.state.now), "page": self.page()})

    def render(self, name: str, language: str, context: dict[str, Any]) -> str:
        return self.environment(language).get_template(name).render(context)

    def facts(self, notice: Notice, gettext: Any, formatter: Formatter) -> list[tuple[str, str]]:
        """The lines under the message: when, how often, status, what is affected."""
        event = notice.event
        found: list[tuple[str, str]] = []
        if isinstance(event, Window):
            start = notice.start or event.starts
            end = notice.end or (start + event.length)
            found.append((gettext(WHEN), window_text(formatter, start, end)))
            if event.repeat is not None:
                found.append((gettext(REPEATS), formatter.rule(event.repeat)))
        update = notice.update
        if update is not None:
            if isinstance(event, Incident):
                found.append((gettext(WHEN), formatter.moment(update.at)))
            found.append((gettext(STATUS), gettext(LABELS[update.status])))
            if update.next_update is not None:
                found.append((gettext(NEXT_UPDATE), formatter.moment(update.next_update)))
        names = {cid: localize_text(name, formatter.language) for cid, name in self.names.items()}
        affected = [names[c] for c in event.components if c in names]
        if affected:
            found.append((gettext(AFFECTED), ", ".join(affected)))
        if event.servers:  # only these servers of the components (issue 16)
            found.append((gettext(AFFECTED_SERVERS), ", ".join(event.servers)))
        return found

    # --- webhooks -----------------------------------------------------------------------

    def page(self) -> dict[str, Any]:
        return {
            "id": make_id("page", self.state.site.base_url),
            "status_indicator": self.state.indicator,
            "status_description": self.state.description,
        }

    @functools.cached_property
    def timeline(self) -> Timeline:
        return Timeline(self.state)

    def component_updates(self, notice: Notice) -> Iterator[tuple[str, dict[str, Any]]]:
        """A `component_update` body per component whose status the notice's moment
        changes, as Statuspage sends to component subscribers."""
        moment = notice.due
        if moment is None or notice.kind not in _CHANGES:
            return
        before = moment - timedelta(microseconds=1)
        for component_id in notice.event.components:
            old = self.timeline.status_at(component_id, before)
            new = self.timeline.status_at(component_id, moment)
            if old == new or component_id not in self.names:
                continue
            identifier = make_id("component", component_id)
            yield (
                f"component/{component_id}",
                {
                    "meta": _meta(self.state.now),
                    "page": self.page(),
                    "component_update": {
                        "id": make_id("component-update", component_id, timestamp(moment)),
                        "component_id": identifier,
                        "created_at": timestamp(moment),
                        "old_status": old,
                        "new_status": new,
                    },
                    "component": {
                        "id": identifier,
                        "name": self.names[component_id],
                        "status": new,
                        "created_at": timestamp(moment),
                    },
                },
            )

    def payload(self, notice: Notice) -> dict[str, Any]:
        """meta, page and incident (with incident_updates), as Statuspage's webhooks send."""
        return {"meta": _meta(self.state.now), "page": self.page(), "incident": _incident(notice)}


def _in_language(notice: Notice, language: str) -> Notice:
    """`notice` with its event's and its update's texts in `language` where they have it."""
    update = None if notice.update is None else localize(notice.update, language)
    return replace(notice, event=localize(notice.event, language), update=update)


def window_text(formatter: Formatter, start: datetime, end: datetime) -> str:
    """'Tue, Dec 1, 2026, 2:00-4:00 AM EET' (with the language's own dash), as pages do."""
    opening, between, closing = formatter.window_parts(start, end)
    return "".join(text for _, text in opening) + between + "".join(text for _, text in closing)


def _duration(notice: Notice, formatter: Formatter, now: datetime) -> str:
    """How long until the start: the reminder's offset, or what is left if it goes late."""
    if notice.offset is None or notice.start is None:
        return ""
    left = notice.start - now
    if notice.offset - left <= notice.offset / 10:  # on time, near enough: "in 1 day"
        return formatter.duration(notice.offset)
    return formatter.duration(left)


def _message(notice: Notice) -> str:
    """The Markdown under the lead: the update's; the postmortem; for an announcement, its
    first update's and the window's description."""
    event = notice.event
    if notice.kind == "postmortem" and isinstance(event, Incident):
        return event.postmortem or ""
    texts = [notice.update.message] if notice.update is not None else []
    if notice.kind in ("announced", "rescheduled") and isinstance(event, Window):
        texts.append(event.description or "")
    return "\n\n".join(text for text in texts if text)


def _meta(now: datetime) -> dict[str, Any]:
    return {"unsubscribe": None, "documentation": None, "generated_at": timestamp(now)}


#: The notices whose moment can change a component's status.
_CHANGES = frozenset({"opened", "updated", "resolved", "started", "completed", "cancelled"})

_WINDOW_STATUS = {
    "announced": "scheduled",
    "reminder": "scheduled",
    "rescheduled": "scheduled",
    "started": "in_progress",
    "completed": "completed",
    "cancelled": "completed",
}


def _incident(notice: Notice) -> dict[str, Any]:
    event = notice.event
    incident_id = make_id("event", event.id)
    base: dict[str, Any] = {
        "id": incident_id,
        "name": event.title,
        "shortlink": None,
        "components": list(event.components),
        "backfilled": False,
    }
    if event.servers:  # not Statuspage's: the servers it concerns, as servers.json names them
        base["servers"] = list(event.servers)
    if isinstance(event, Incident):
        posted = [u for u in event.updates if notice.update is None or u.at <= notice.update.at]
        updates: list[IncidentUpdate | WindowUpdate] = list(posted)
        latest = posted[-1].status
        base |= {
            "status": "postmortem" if notice.kind == "postmortem" else latest,
            "impact": event.impact,
            "created_at": timestamp(event.updates[0].at),
            "resolved_at": timestamp(posted[-1].at) if latest == "resolved" else None,
            "postmortem_body": event.postmortem if notice.kind == "postmortem" else None,
            "scheduled_for": None,
            "scheduled_until": None,
        }
    else:
        updates = [u for u in event.updates if notice.update is None or u.at <= notice.update.at]
        start = notice.start or event.starts
        status = notice.update.status if notice.update else _WINDOW_STATUS.get(notice.kind, "")
        base |= {
            "status": status,
            "impact": "maintenance",
            "created_at": timestamp(event.starts),
            "resolved_at": None,
            "postmortem_body": None,
            "scheduled_for": timestamp(start),
            "scheduled_until": timestamp(notice.end or (start + event.length)),
        }
    base["incident_updates"] = [
        {
            "id": make_id("update", event.id, timestamp(u.at), u.status),
            "incident_id": incident_id,
            "status": u.status,
            "body": u.message,
            "created_at": timestamp(u.at),
            "display_at": timestamp(u.at),
        }
        for u in reversed(updates)
    ]
    base["notice"] = {"id": notice.id, "kind": notice.kind}
    return base
