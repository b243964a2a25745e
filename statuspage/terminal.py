"""What `statuspage status` prints: the state at a moment, for a terminal or as JSON."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, tzinfo
from typing import Any

from statuspage.model.times import format_duration
from statuspage.state import (
    ComponentState,
    IncidentState,
    ServerState,
    SiteState,
    UpcomingWindow,
    WindowState,
    is_stale,
)

Style = Callable[[str, str], str]

# Colours only underline the words; the words alone say everything (never colour alone).
COLOURS = {
    "operational": "green",
    "none": "green",
    "under_maintenance": "blue",
    "maintenance": "blue",
    "degraded_performance": "yellow",
    "minor": "yellow",
    "partial_outage": "red",
    "major": "red",
    "major_outage": "magenta",
    "critical": "magenta",
}


def plain(text: str, colour: str) -> str:
    return text


def words(status: str) -> str:
    """'partial_outage' -> 'partial outage'."""
    return status.replace("_", " ")


def format_status(state: SiteState, style: Style = plain, built: datetime | None = None) -> str:
    """Render the state as readable lines for a terminal (`built`: when the site was built)."""
    zone = state.site.zone
    lines = [
        f"{state.site.title}: {style(state.description, COLOURS[state.indicator])}",
        f"at {_when(state.now, zone)}",
        "",
        "Components",
    ]
    for group, members in state.groups:
        indent = "  "
        if group is not None:
            lines.append(f"  {group}")
            indent = "    "
        width = max(len(member.component.name) for member in members)
        lines.extend(f"{indent}{_component(member, width, style)}" for member in members)
    lines += ["", "Active incidents"]
    lines += [_incident(incident, state.now, zone) for incident in state.active_incidents] or [
        "  none"
    ]
    lines += ["", "Running windows"]
    lines += [_running(window, zone) for window in state.running_windows] or ["  none"]
    lines += ["", "Upcoming windows (next 14 days)"]
    lines += _upcoming(state.upcoming, zone) or ["  none"]
    lines.append("")
    change = state.next_change
    if change is None:
        lines.append("Next change by the clock: none scheduled")
    else:
        lines.append(
            f"Next change by the clock: {_when(change.at, zone)}, {change.title} "
            f"({words(change.before or 'not started')} -> {words(change.after)})"
        )
    if built is not None:
        line = f"Site built: {_when(built, zone)}"
        if is_stale(built, state):
            age, limit = format_duration(state.now - built), format_duration(state.site.stale_after)
            line += f", {age} ago: stale (stale_after {limit}); its pages say so; rebuild it"
        lines.append(line)
    return "\n".join(lines)


def _component(member: ComponentState, width: int, style: Style) -> str:
    name = member.component.name.ljust(width)
    return (
        f"{name}  {style(words(member.status), COLOURS[member.status])}  ({member.uptime:.2%} up)"
    )


def _incident(incident: IncidentState, now: datetime, zone: tzinfo) -> str:
    text = (
        f"  {incident.incident.title} [{incident.incident.id}]\n"
        f"    {words(incident.status)}, {incident.impact} impact, since "
        f"{_when(incident.started_at, zone)} ({format_duration(incident.duration(now))})\n"
        f"    latest: {_first_line(incident.latest.message)}"
    )
    if incident.next_update is not None:
        promised = _when(incident.next_update, zone)
        if incident.next_update <= now:
            text += f"\n    next update overdue: it was promised by {promised}"
        else:
            text += f"\n    next update promised by {promised}"
    return text


def _running(window: WindowState, zone: tzinfo) -> str:
    current = window.current
    span = f"{_when(current.start, zone)} to {_when(current.end, zone)}" if current else ""
    return f"  {window.window.title} [{window.window.type}] {words(window.status)}, {span}"


def _upcoming(items: tuple[UpcomingWindow, ...], zone: tzinfo) -> list[str]:
    lines, seen = [], set()
    for item in items:
        window = item.window.window
        if window.id in seen:
            continue  # a repeating window: its next occurrence says enough
        seen.add(window.id)
        repeat = f", repeats {window.repeat}" if window.repeat else ""
        status = " (cancelled)" if item.status == "cancelled" else ""
        lines.append(
            f"  {_when(item.occurrence.start, zone)} to {_when(item.occurrence.end, zone)}  "
            f"{window.title} [{window.type}{repeat}]{status}"
        )
    return lines


def _when(moment: datetime, zone: tzinfo) -> str:
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z")


def _first_line(text: str) -> str:
    line = " ".join(text.split())
    return line if len(line) <= 100 else line[:99] + "…"


def status_json(state: SiteState, built: datetime | None = None) -> dict[str, Any]:
    """The state as plain JSON data, for scripts and CI; times with the site's offset."""
    change = state.next_change
    zone = state.site.zone

    def _iso(moment: datetime | None) -> str | None:
        return None if moment is None else moment.astimezone(zone).isoformat()

    return {
        "now": _iso(state.now),
        "status": {"indicator": state.indicator, "description": state.description},
        "components": [
            {
                "id": member.component.id,
                "name": member.component.name,
                "group": member.component.group,
                "status": member.status,
                "uptime": round(member.uptime, 6),
            }
            for member in state.components
        ],
        "active_incidents": [
            {
                "id": incident.incident.id,
                "title": incident.incident.title,
                "status": incident.status,
                "impact": incident.impact,
                "started_at": _iso(incident.started_at),
                "next_update": _iso(incident.next_update),
                "components": incident.effects,
            }
            for incident in state.active_incidents
        ],
        "running_windows": [_window_json(window, _iso) for window in state.running_windows],
        "upcoming_windows": [
            {
                "id": item.window.window.id,
                "title": item.window.window.title,
                "type": item.window.window.type,
                "status": item.status,
                "starts": _iso(item.occurrence.start),
                "ends": _iso(item.occurrence.end),
            }
            for item in state.upcoming
        ],
        "next_change": None
        if change is None
        else {
            "at": _iso(change.at),
            "event": change.event_id,
            "from": change.before,
            "to": change.after,
        },
        "site_built": None
        if built is None
        else {"at": _iso(built), "stale": is_stale(built, state)},
    }


def _window_json(
    window: WindowState, _iso: Callable[[datetime | None], str | None]
) -> dict[str, Any]:
    current = window.current
    return {
        "id": window.window.id,
        "title": window.window.title,
        "type": window.window.type,
        "status": window.status,
        "starts": _iso(current.start) if current else None,
        "ends": _iso(current.end) if current else None,
        "components": window.effects,
    }


def format_server(state: SiteState, server: ServerState, style: Style = plain) -> str:
    """One server's answer (`status --server`): its status, why, and its next change."""
    zone = state.site.zone
    region = state.site.regions.get(server.server.region or "", server.server.region)
    place = server.component.component.name + (f", {region}" if region else "")
    colour = COLOURS[server.status]
    lines = [
        f"{server.name} ({place}): {style(words(server.status), colour)}",
        f"at {_when(state.now, zone)}",
    ]
    titles = {event.id: event.title for event in state.events}
    lines += [f"  {titles.get(key, key)} ({key})" for key in server.event_ids]
    change = server.next_change
    lines.append(
        "Next change by the clock: "
        + (_when(change, zone) if change is not None else "none scheduled")
    )
    return "\n".join(lines)


def server_json(state: SiteState, server: ServerState) -> dict[str, Any]:
    """`status --server NAME --json`."""
    return {
        "server": server.name,
        "aliases": list(server.server.aliases),
        "region": server.server.region,
        "component": server.component.component.id,
        "status": server.status,
        "events": list(server.event_ids),
        "next_change": server.next_change.isoformat() if server.next_change else None,
        "now": state.now.isoformat(),
    }
