"""What the optional script follows: each part of a page that time decides, at each moment ahead.

A page is built at one moment and read at another (issue 12). The build knows every moment
in the next days at which the clock alone changes the state (`SiteState.ahead`), so it
renders the parts of a page that depend on it — the banner, the running and upcoming
windows, the active incidents, component statuses, an event's page body and its status in
lists — for each of those moments, with the same templates and snippets as the page
itself. The page carries them as JSON; the script only picks the last moment the visitor's
clock has passed. What it shows at T is then what a build at T shows for those parts.

A part is an element with `data-clock="KEY"`: `banner`, `active`, `windows`, `c:COMPONENT`,
`a:EVENT` (an event page's body), `e:EVENT` and `d:EVENT` (an event in a list, without and
with its date), `s:SERVER` (a server's status).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from jinja2 import Environment
from markupsafe import Markup

from statuspage.load.sources import THEME_DIR
from statuspage.model.times import LAST_YEAR
from statuspage.state import Ahead, ServerState, SiteState

#: The parts rendered by a template of their own name (banner.html, active.html, windows.html).
TEMPLATE_PARTS = ("banner", "active", "windows")
#: A duration the script keeps current (Snippets.live_duration): its text, between the groups.
_SO_FAR = re.compile(r'(<span data-since="[^"]*">)[^<]*(</span>)')


class ClockParts:
    """The parts of the site's pages at each moment ahead, rendered once per site and root."""

    def __init__(
        self,
        state: SiteState,
        context_of: Callable[[SiteState], dict[str, Any]],
        entries_of: Callable[[SiteState], Iterable[Any]],
    ) -> None:
        self.state = state
        self._context_of = context_of
        self._entries_of = entries_of
        self._contexts: dict[int, dict[str, Any]] = {}
        self._entries: dict[int, dict[str, Any]] = {}
        self._servers: dict[str, ServerState] | None = None
        #: The components and (component, server) pairs that events ahead concern.
        self._moving: tuple[frozenset[str], frozenset[tuple[str, str]]] | None = None
        self._modules: dict[tuple[int, int, str], Any] = {}
        self._parts: dict[tuple[str, str], list[list[str]]] = {}
        self._builtins: dict[int, bool] = {}

    @property
    def ahead(self) -> Ahead:
        """The states ahead, computed when a page first asks (serve renders pages lazily)."""
        return self.state.ahead

    def data(self, env: Environment, keys: Iterable[str], root: str) -> Markup:
        """The JSON a page carries for the script: its build, when it is stale, its parts."""
        state = self.state
        regions = {}
        for key in keys:
            if key[1:2] == ":" and key[0] in "aed" and key[2:] not in self.ahead.changing:
                continue  # an event whose state the clock does not change in these days
            if (
                key[:2] == "s:"
                and self._builtin_macros(env)
                and not self._server_may_change(key[2:])
            ):
                continue  # a server no such event concerns: its status stays
            steps = self._steps(env, key, root)
            if len(steps) > 1:
                regions[key] = steps
        data = {
            "built": _instant(state.now),
            "until": _instant(self.ahead.until),
            "stale": int(state.site.stale_after.total_seconds()),
            "regions": regions,
        }
        text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        # Inside <script>: no "</script>" or "<!--" can end it early.
        return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))

    def _steps(self, env: Environment, key: str, root: str) -> list[list[str]]:
        """[[moment, html], ...]: the part at build time, then at each moment it changes."""
        found = self._parts.get((key, root))
        if found is None:
            first = self._render(env, self.state, key, root) or ""
            found = [[_instant(self.state.now), first]]
            # The built-in server_status shows the server's name and status alone: a
            # state ahead where the status is the one last rendered shows the same.
            by_status = key[:2] == "s:" and self._builtin_macros(env)
            shown = self._server(self.state, key[2:]) if by_status else None
            for state in self.ahead.states:
                if by_status:
                    server = self._server(state, key[2:])
                    if server is None or (shown is not None and server.status == shown.status):
                        continue
                    shown = server
                html = self._render(env, state, key, root)
                if html is not None and html != found[-1][1]:
                    found.append([_instant(state.now), html])
            self._parts[(key, root)] = found
        return found

    def _builtin_macros(self, env: Environment) -> bool:
        """Whether `env` renders the theme's own macros.html (no override in templates/)."""
        builtin = self._builtins.get(id(env))
        if builtin is None:
            filename = env.get_template("macros.html").filename or ""
            builtin = self._builtins[id(env)] = os.path.dirname(filename) == THEME_DIR
        return builtin

    def _render(self, env: Environment, state: SiteState, key: str, root: str) -> str | None:
        """The part `key` as a page of `root` shows it in `state`; None where it has no event.

        A duration "so far" is left empty: the script writes it for its own moment.
        """
        html = self._render_part(env, state, key, root)
        return None if html is None else _SO_FAR.sub(r"\1\2", html)

    def _render_part(self, env: Environment, state: SiteState, key: str, root: str) -> str | None:
        context = self._context(state, root)
        if key in TEMPLATE_PARTS:
            return env.get_template(f"{key}.html").render(context).strip()
        kind, _, name = key.partition(":")
        if kind == "c":
            macros = self._macros(env, state, context)
            return str(macros.component_status(state.component(name)))
        if kind == "s":
            server = self._server(state, name)
            macros = self._macros(env, state, context)
            return None if server is None else str(macros.server_status(server))
        entry = self._entry(state, name)
        if entry is None:
            return None
        if kind == "a":
            return env.get_template("article.html").render({**context, "entry": entry}).strip()
        event_meta: Callable[[Any, bool], str] = env.globals["event_meta_html"]  # type: ignore[assignment]
        return str(event_meta(entry, kind == "d"))

    def _context(self, state: SiteState, root: str) -> dict[str, Any]:
        common = self._contexts.get(id(state))
        if common is None:
            common = self._contexts[id(state)] = self._context_of(state)
        return {**common, "root": root}

    def _macros(self, env: Environment, state: SiteState, context: dict[str, Any]) -> Any:
        """macros.html as a module for `state` and a root: made once for all its parts."""
        key = (id(env), id(state), context["root"])
        module = self._modules.get(key)
        if module is None:
            module = self._modules[key] = env.get_template("macros.html").make_module(context)
        return module

    def _server_may_change(self, name: str) -> bool:
        """Whether an event the clock changes in these days (or active now) concerns the
        server `name`: only then can its status ahead differ from its status now (what
        the built-in server_status shows; an override may show more, and is followed)."""
        if self._moving is None:
            changing = self.ahead.changing
            whole: set[str] = set()
            named: set[tuple[str, str]] = set()
            for event in self.state.events:
                if event.id in changing:
                    if event.servers:
                        named.update(
                            (cid, server) for cid in event.components for server in event.servers
                        )
                    else:
                        whole.update(event.components)
            self._moving = (frozenset(whole), frozenset(named))
        found = self._server(self.state, name)
        if found is None:
            return False
        cid = found.component.component.id
        return cid in self._moving[0] or (cid, name) in self._moving[1]

    def _server(self, state: SiteState, name: str) -> ServerState | None:
        """The server `name` in `state` (a state ahead: computed for it alone)."""
        if self._servers is None:
            self._servers = {server.name: server for server in self.state.servers}
        found = self._servers.get(name)
        if found is None or state is self.state:
            return found
        return state.server_state(found.server, state.component(found.component.component.id))

    def _entry(self, state: SiteState, event_id: str) -> Any:
        entries = self._entries.get(id(state))
        if entries is None:
            entries = self._entries[id(state)] = {
                entry.id: entry
                for entry in self._entries_of(state)
                if state is not self.state or entry.id in self.ahead.changing
            }
        return entries.get(event_id)


def _instant(moment: datetime) -> str:
    """An instant as the script's Date.parse reads it: UTC, '2026-12-03T12:00:00Z'."""
    moment = moment.astimezone(UTC)
    if moment.year > LAST_YEAR:  # `until` of a `now` near the end of time
        moment = moment.replace(year=LAST_YEAR)
    return moment.isoformat().replace("+00:00", "Z")
