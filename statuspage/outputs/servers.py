"""Stage 4e: servers.json, the compact index of every server (issue 16).

The lookup box on the home page and /servers/ reads it as a customer types, and
embed.js with `data-server` reads one server's status from it. A server is found by its
name or any alias as `server_key` reads them (no case, scheme or final dot); `url` is its
page. The active events that touch a server are named by id in its `events`, and told
once in the index's own `events`, with their title, kind, status and page.

    {"page": {"name", "url", "language", "updated_at"},
     "regions": {ID: {"name", "status"}},
     "components": {ID: NAME},
     "events": {ID: {"name", "kind", "status", "url"}},
     "servers": [{"name", "aliases", "region", "component", "status", "events", "url"}]}
"""

from __future__ import annotations

import json
from typing import Any

from statuspage.outputs.urls import SERVERS_JSON, Urls, server_page
from statuspage.state import SiteState, rollup


def render_servers(state: SiteState, language: str) -> dict[str, bytes]:
    """servers.json in `language`'s pages (nothing for a site without servers)."""
    if not state.servers:
        return {}
    return {Urls.of(state.site, language).path(SERVERS_JSON): _dump(servers_index(state, language))}


def servers_index(state: SiteState, language: str) -> dict[str, Any]:
    """What servers.json holds, as a dict."""
    urls = Urls.of(state.site, language)
    active: dict[str, dict[str, str]] = {}
    for incident in state.active_incidents:
        active[incident.id] = _event(
            urls, incident.id, incident.incident.title, "incident", incident.status
        )
    for window in state.running_windows:
        window_type = window.window.type
        active[window.id] = _event(urls, window.id, window.window.title, window_type, window.status)
    touching = {key for server in state.servers for key in server.event_ids}
    return {
        "page": {
            "name": state.site.title,
            "url": urls.page_url(""),
            "language": language,
            "updated_at": state.now.isoformat(),
        },
        "regions": {
            key: {"name": state.site.regions.get(key, key), "status": rollup(servers)}
            for key, servers in state.regions
            if key is not None
        },
        "components": {c.component.id: c.component.name for c in state.components},
        "events": {key: value for key, value in active.items() if key in touching},
        "servers": [
            {
                "name": server.name,
                "aliases": list(server.server.aliases),
                "region": server.server.region,
                "component": server.component.component.id,
                "status": server.status,
                "events": list(server.event_ids),
                "url": urls.page_url(server_page(server.name)),
            }
            for server in state.servers
        ],
    }


def _event(urls: Urls, event_id: str, title: str, kind: str, status: str) -> dict[str, str]:
    return {"name": title, "kind": kind, "status": status, "url": urls.event_url(event_id)}


def _dump(document: dict[str, Any]) -> bytes:
    # One server a line: small, and a change shows as one line in a diff.
    head = {key: value for key, value in document.items() if key != "servers"}
    text = json.dumps(head, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    lines = [
        json.dumps(server, ensure_ascii=False, separators=(",", ":"))
        for server in document["servers"]
    ]
    return (text[:-1] + ',"servers":[\n' + ",\n".join(lines) + "\n]}\n").encode("utf-8")
