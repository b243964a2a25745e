"""The Python helpers behind the built-in macros, the memos and the shortcuts write exactly
what the plain versions wrote: the macros of the old macros.html rendered by Jinja with
jinja2.ext.i18n's own `_()`, uncached Babel formatting, the Markdown parser, and a
calendar built in one piece by icalendar."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_date, format_time
from icalendar import Calendar
from jinja2 import Environment

from statuspage.build import build
from statuspage.i18n import LABELS, LANGUAGES, Formatter, isolate_runs, translations
from statuspage.model.markdown import _PLAIN, parser, render_markdown
from statuspage.outputs.calendar import render_calendars
from statuspage.outputs.pages import make_environment, plan_site
from statuspage.state import SiteState, compute_state
from tests.conftest import EXAMPLE_NOW, REPO_ROOT, Project, copy_example

# The built-in macros.html before its macros became Python (outputs/pages.py, Snippets).
ORIGINAL_MACROS = """{# Small pieces shared by the pages. Status is always words plus an icon, never colour alone. #}
{% macro icon(kind) -%}
<svg class="icon" aria-hidden="true" focusable="false" viewBox="0 0 16 16" width="16" height="16">
{%- if kind in ('operational', 'none', 'resolved', 'completed') -%}
<path d="M8 0a8 8 0 1 1 0 16A8 8 0 0 1 8 0zm3.3 4.8L6.8 9.3 4.7 7.2 3.6 8.3l3.2 3.2 5.6-5.6z"/>
{%- elif kind in ('under_maintenance', 'maintenance', 'scheduled', 'in_progress', 'verifying') -%}
<path d="M8 0a8 8 0 1 1 0 16A8 8 0 0 1 8 0zm-.8 3v5.6l4.1 2.5.8-1.3-3.3-2V3z"/>
{%- elif kind == 'cancelled' -%}
<path d="M8 0a8 8 0 1 1 0 16A8 8 0 0 1 8 0zM4 7v2h8V7z"/>
{%- elif kind in ('degraded_performance', 'minor', 'monitoring', 'identified', 'investigating') -%}
<path d="M8 1l8 14H0zm-1 5v4h2V6zm0 5v2h2v-2z"/>
{%- else -%}
<path d="M8 0a8 8 0 1 1 0 16A8 8 0 0 1 8 0zM5.2 4.1 4.1 5.2 6.9 8l-2.8 2.8 1.1 1.1L8 9.1l2.8 2.8 1.1-1.1L9.1 8l2.8-2.8-1.1-1.1L8 6.9z"/>
{%- endif -%}
</svg>
{%- endmacro %}

{% macro status(key) -%}
<span class="status s-{{ key }}">{{ icon(key) }}{{ _(key|label) }}</span>
{%- endmacro %}

{% macro pieces(parts) -%}
{{ isolated([parts])[0] }}
{%- endmacro %}

{% macro when(moment) -%}
<time datetime="{{ moment|iso }}" data-local>{{ pieces(moment_parts(moment)) }}</time>
{%- endmacro %}

{% macro event_link(entry, root) -%}
<a href="{{ root }}incidents/{{ entry.id }}/"><bdi>{{ entry.title }}</bdi></a>
{%- endmacro %}

{% macro event_list(entries, root, dated=true) -%}
<ul class="events">
{% for entry in entries %}
<li>{{ event_link(entry, root) }} <span class="meta" data-clock="{{ 'd' if dated else 'e' }}:{{ entry.id }}">{{ _(entry.kind|label) }} · {{ status(entry.state.status) }}{% if dated %} · {{ when(entry.start) }}{% endif %}</span></li>
{% endfor %}
</ul>
{%- endmacro %}

{% macro uptime(component, days) -%}
<div class="uptime">
<ol class="bars" aria-label="{{ _('Uptime over the last %(count)s days', count=days|length) }}">
{% for day in days %}
<li class="b-{{ day.status }}"><span class="vh">{{ day.day|date }}: {{ _(day.status|label) }}, {{ _('%(share)s up', share=day.uptime|percent) }}</span></li>
{% endfor %}
</ol>
<p class="uptime-legend"><span>{{ _('%(count)s days ago', count=days|length) }}</span> <span>{{ _('%(share)s uptime', share=component.uptime|percent) }}</span> <span>{{ _('Today') }}</span></p>
</div>
{%- endmacro %}

{% macro window_times(occurrence) -%}
{% set opening, between, closing = window_parts(occurrence.start, occurrence.end) -%}
{% set texts = isolated([opening, [("", between)], closing]) -%}
<span class="range" data-range><time datetime="{{ occurrence.start|iso }}">{{ texts[0] }}</time>{{ texts[1] }}<time datetime="{{ occurrence.end|iso }}">{{ texts[2] }}</time></span>
{%- endmacro %}

{% macro affected(effects, ids, components_by_id) -%}
<ul class="affected">
{% for id in ids %}
{% if id in components_by_id %}
<li><bdi>{{ components_by_id[id].component.name }}</bdi>{% if id in effects %}: {{ _(effects[id]|label) }}{% endif %}</li>
{% endif %}
{% endfor %}
</ul>
{%- endmacro %}
"""

ZONES = [ZoneInfo(name) for name in ("Europe/Helsinki", "America/New_York", "Australia/Lord_Howe")]


def example_state(tmp_path: Path, language: str = "en") -> SiteState:
    from statuspage.load.sources import load_sources
    from statuspage.model.validate import require_valid, validate_sources

    config = copy_example(tmp_path / language, language)
    site, events = require_valid(validate_sources(load_sources(config)))
    return compute_state(site, events, EXAMPLE_NOW)


def environments(tmp_path: Path, language: str, zone: Any) -> tuple[Environment, Environment]:
    """(the build's environment, one with jinja2's own `_` and the original macros)."""
    templates = tmp_path / "original"
    templates.mkdir(exist_ok=True)
    (templates / "original_macros.html").write_text(ORIGINAL_MACROS, encoding="utf-8")
    fast = make_environment(templates, language, zone)
    plain = make_environment(templates, language, zone)
    plain.install_gettext_translations(translations(language), newstyle=True)
    # A time's pieces from a Formatter made afresh for each: no memo.
    plain.globals.update(
        moment_parts=lambda moment: Formatter(language, zone).moment_parts(moment),
        window_parts=lambda start, end: Formatter(language, zone).window_parts(start, end),
        # On a right-to-left page, bidi isolates round each run (i18n.isolate_runs).
        isolated=isolate_runs
        if language == "ur"
        else lambda segments: ["".join(text for _, text in parts) for parts in segments],
    )
    return fast, plain


def moments(zone: Any) -> list[datetime]:
    """Instants around DST changes (both readings of a repeated hour) and odd seconds."""
    found = [
        datetime(year, 3, 1, tzinfo=UTC)
        + timedelta(hours=hours, minutes=hours % 60, seconds=hours % 7)
        for year in (2026, 2027)
        for hours in range(0, 24 * 250, 7)
    ]
    local = [
        datetime(2026, 10, 25, 3, 30, tzinfo=zone),
        datetime(2026, 10, 25, 3, 30, fold=1, tzinfo=zone),
        datetime(2026, 11, 1, 1, 30, tzinfo=zone),
        datetime(2026, 11, 1, 1, 30, fold=1, tzinfo=zone),
        datetime(2026, 4, 5, 1, 45, tzinfo=zone),
        datetime(2026, 4, 5, 1, 45, fold=1, tzinfo=zone),
    ]
    return found + local + [moment.astimezone(UTC) for moment in local]


@pytest.mark.parametrize("language", LANGUAGES)
def test_snippets_write_what_the_macros_wrote(tmp_path: Path, language: str) -> None:
    state = example_state(tmp_path, language)
    fast, plain = environments(tmp_path, language, state.site.zone)
    macros = plain.get_template("original_macros.html").module
    new = fast.get_template("macros.html").make_module({})
    keys = [*LABELS, "unknown-key", "<b>&</b>"]
    for key in keys:
        assert str(new.icon(key)) == str(macros.icon(key)), key
        assert str(new.status(key)) == str(macros.status(key)), key
    for zone in ZONES[:1]:
        for moment in moments(zone):
            assert str(new.when(moment)) == str(macros.when(moment)), moment
    for window in state.windows:
        for occurrence in window.occurrences:
            assert str(new.window_times(occurrence)) == str(macros.window_times(occurrence))
    entries = [page.context["entry"] for page in plan_site(state) if page.template == "event.html"]
    for root in ("", "../../", "<&>"):
        for dated in (True, False):
            assert str(new.event_list(entries, root, dated=dated)) == str(
                macros.event_list(entries, root, dated=dated)
            )
        for entry in entries:
            assert str(new.event_link(entry, root)) == str(macros.event_link(entry, root))
    assert str(new.event_list([], "")) == str(macros.event_list([], ""))
    for component in state.components:
        assert str(new.uptime(component, component.days)) == str(
            macros.uptime(component, component.days)
        )
    by_id = {c.component.id: c for c in state.components}
    for incident in state.incidents:
        event = incident.incident
        assert str(new.affected(incident.effects, event.components, by_id)) == str(
            macros.affected(incident.effects, event.components, by_id)
        )
    assert str(new.affected({}, ["nope", "email"], by_id)) == str(
        macros.affected({}, ["nope", "email"], by_id)
    )


GETTEXT_TEMPLATE = """\
{{ _('History') }}|{{ _('History') }}|{{ _('Past %(count)s days', count=7) }}|\
{{ _('%(share)s up', share='<b>') }}|{{ _('%(number)s%%', number=5) }}|{{ _('not in the catalog') }}|\
{{ _('100%%') }}|{{ _(key) }}|{{ _('Times are in %(zone)s.', zone=zone) }}|\
{% autoescape false %}{{ _('History') }}|{{ _('%(share)s up', share='<b>') }}|{{ _('a & b') }}{% endautoescape %}\
"""


@pytest.mark.parametrize("language", LANGUAGES)
def test_underscore_is_jinjas_newstyle_gettext(tmp_path: Path, language: str) -> None:
    fast, plain = environments(tmp_path, language, UTC)
    for key in [*LABELS, "x < y"]:
        context = {"key": LABELS.get(key, key), "zone": "Europe/Helsinki & <more>"}
        expected = plain.from_string(GETTEXT_TEMPLATE).render(context)
        assert fast.from_string(GETTEXT_TEMPLATE).render(context) == expected
        assert fast.from_string(GETTEXT_TEMPLATE).render(context) == expected  # kept ones too


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("zone", ZONES, ids=str)
def test_formatter_memos_change_nothing(language: str, zone: Any) -> None:
    kept = Formatter(language, zone)
    for moment in moments(zone) * 2:
        fresh = Formatter(language, zone)
        assert kept.moment(moment) == fresh.moment(moment), moment
        local = moment.astimezone(zone)
        assert (
            kept.clock(moment)
            == f"{format_time(local, 'short', tzinfo=zone, locale=language)} {local.tzname()}"
        )
        assert kept.day(moment) == format_date(local.date(), "medium", locale=language)
        assert kept.day(local.date()) == format_date(local.date(), "medium", locale=language)
    for minutes in [0, 1, 59, 60, 61, 1439, 1440, 1441, 10_000, -5]:
        length = timedelta(minutes=minutes, seconds=30)
        assert kept.duration(length) == Formatter(language, zone).duration(length)
        assert kept.duration(length) == Formatter(language, zone).duration(length)
    for share in [0.0, -0.0, 1.0, 0.5, 0.99999, 0.123456, 1 / 3]:
        assert kept.percent(share) == Formatter(language, zone).percent(share)
        assert kept.percent(share) == Formatter(language, zone).percent(share)


def test_formatter_tells_the_two_readings_of_a_repeated_hour_apart() -> None:
    zone = ZoneInfo("Europe/Helsinki")
    formatter = Formatter("en", zone)
    first = datetime(2026, 10, 25, 3, 30, tzinfo=zone)
    second = first.replace(fold=1)
    assert first == second  # Python compares them by the wall clock
    assert formatter.moment(first).endswith("EEST")
    assert formatter.moment(second).endswith("EET")


PLAIN_TEXTS = [
    "We see slow MySQL responses on some shared servers.",
    "It's 10:40 (UTC) - 50% done; see www.example.com/x?a=1 + b=2 @team #ops!",
    "Äiti ja öljy, ümlauts: ok",
    "a  b",
    "A http://example.com/path",
    "Resolved",
    "Over 9000 requests/s, 3 nodes -- back to normal.",
]
NOT_PLAIN = [
    "1. first",
    "- item",
    "# heading",
    "> quote",
    "    code",
    "trailing ",
    " leading",
    "two\nlines",
    "**bold**",
    "a_b_c",
    "a `code` b",
    "[link](https://example.com)",
    "a & b",
    "<script>",
    'say "hi"',
    "back\\slash",
    "",
]


def test_markdown_shortcut_matches_the_parser() -> None:
    for text in PLAIN_TEXTS:
        assert _PLAIN.fullmatch(text), text
        assert render_markdown(text) == parser().render(text)
    for text in NOT_PLAIN:
        assert not (_PLAIN.fullmatch(text) and not text.endswith(" ")), text
        assert render_markdown(text) == (parser().render(text) if text else "")
    letters = "abcXYZ\u00e4\u00f6\u00c5\u00df\u03a9\u0627\u0631\u062f\u0648\u0531\u0562\u65e5\u672c"
    alphabet = letters + "0123456789 .,;:!?'()/%+=@#-_*`[]<>&\\\"~|{}$^\t\n²\u0301\u00a0"
    rng = random.Random(5)
    for _ in range(20_000):
        text = "".join(
            rng.choice(alphabet[: rng.choice((len(letters) + 27, len(alphabet)))])
            for _ in range(rng.randint(1, 40))
        )
        if _PLAIN.fullmatch(text) and not text.endswith(" "):
            assert f"<p>{text}</p>\n" == parser().render(text), text
        assert render_markdown(text) == parser().render(text), text


def test_calendars_are_what_icalendar_writes_in_one_piece(tmp_path: Path) -> None:
    """Each calendar, written in pieces, is what icalendar writes for the same calendar
    whole, its VTIMEZONEs added by Calendar.add_missing_timezones."""
    state = example_state(tmp_path)
    outputs = render_calendars(state, state.site.language)
    calendars = {path: ical for path, ical in outputs.items() if path.endswith(".ics")}
    assert len(calendars) == 1 + len(state.site.components) + len(state.servers)
    for path, ical in calendars.items():
        calendar = Calendar.from_ical(ical)
        events = [part for part in calendar.subcomponents if part.name == "VEVENT"]
        assert bytes(calendar.to_ical()) == ical, path
        whole = Calendar.from_ical(ical)
        whole.subcomponents = [part for part in whole.subcomponents if part.name != "VTIMEZONE"]
        whole.add_missing_timezones()
        assert bytes(whole.to_ical()) == ical, path
        # Each calendar has the windows of its component (the site's: every window; a
        # server's: its component's that name no servers or name it).
        owner = path.removesuffix("/calendar.ics").split("/")[-1]
        servers = {server.name: server.component.component.id for server in state.servers}
        mine = [
            w
            for w in state.windows
            if path == "calendar.ics"
            or (path.startswith("components/") and owner in w.window.components)
            or (
                path.startswith("servers/")
                and servers[owner] in w.window.components
                and (not w.window.servers or owner in w.window.servers)
            )
        ]
        assert {str(event["uid"]).split("@")[0] for event in events} == {w.id for w in mine}


def test_a_macros_override_may_replace_one_snippet(project: Project) -> None:
    """templates/macros.html can define one macro and keep the Python ones for the rest."""
    builtin = (REPO_ROOT / "statuspage" / "theme" / "macros.html").read_text(encoding="utf-8")
    override = builtin.replace(
        "{% set status = status_html %}",
        '{% macro status(key) %}<b class="mine">{{ key }}</b>{% endmacro %}',
    )
    assert override != builtin
    (project.root / "templates").mkdir()
    (project.root / "templates" / "macros.html").write_text(override, encoding="utf-8")
    (project.root / "templates" / "component.html").write_text(
        '{% extends "!builtin/component.html" %}{% block head %}'
        "{{ status_html('operational') }}{{ when_html(now) }}{% endblock %}",
        encoding="utf-8",
    )
    build(project.config_path, project.root / "site", EXAMPLE_NOW)
    page = (project.root / "site" / "components" / "email" / "index.html").read_text(
        encoding="utf-8"
    )
    assert '<p><span data-clock="c:email"><b class="mine">operational</b></span></p>' in page
    assert '<span class="status s-operational">' in page  # the global, in the head
    assert '<time datetime="2026-11-23T10:00:00+02:00" data-local>' in page
    assert '<ol class="bars"' in page
