"""One `statuspage notify` run: read the site at `now`, send what is due, keep the ledger."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path

from statuspage.errors import StatusPageError
from statuspage.i18n.catalogs import SiteCatalogs, load_catalogs
from statuspage.load.sources import TEMPLATE_DIR, load_sources
from statuspage.model.models import Window
from statuspage.model.times import resolve_now
from statuspage.model.validate import require_valid, validate_sources
from statuspage.notify.channels import (
    BACKOFF,
    Channel,
    SendError,
    check_apprise,
    resolve_channels,
    send,
    variables,
)
from statuspage.notify.ledger import DEFAULT_LEDGER, Ledger, locked, read_ledger
from statuspage.notify.messages import Writer
from statuspage.notify.notices import Notice, all_notices, plan, schedule_key
from statuspage.state import SiteState, compute_state

DEFAULT_GRACE = timedelta(hours=6)
Echo = Callable[[str], None]


@dataclass(frozen=True)
class Options:
    """What `notify` was asked to do."""

    now: datetime
    ledger: Path | None = None
    grace: timedelta = DEFAULT_GRACE
    dry_run: bool = False
    test_channel: str | None = None
    backoff: Sequence[float] = BACKOFF


@dataclass
class Report:
    """What a run did: lines to print, and the channels that failed, with why."""

    lines: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


def site_state(config_path: Path, now: datetime) -> tuple[SiteState, SiteCatalogs]:
    """Stages 1 to 3: the valid site's state at `now`, and its own catalogs (locales/)
    (InvalidInputError otherwise)."""
    sources = load_sources(config_path)
    catalogs = load_catalogs(sources.root)
    validated = validate_sources(sources, None, catalogs.languages)
    if catalogs.problems:
        validated = replace(validated, problems=validated.problems + catalogs.problems)
    site, events = require_valid(validated)
    return compute_state(site, events, resolve_now(now, site.zone)), catalogs


def notify(
    config_path: Path,
    options: Options,
    echo: Echo,
    environ: Mapping[str, str] | None = None,
) -> Report:
    """Send every notice due at `options.now` to each channel that has not had it."""
    state, catalogs = site_state(config_path, options.now)
    report = Report()
    values = dict(os.environ if environ is None else environ)
    if options.dry_run:  # it sends nothing, so it needs no secrets
        for name in variables(state.site):
            if name not in values:
                values[name] = f"${{{name}}}"
                _say(report, echo, f"dry run: ${{{name}}} is not set (a real run needs it)")
    channels = resolve_channels(state.site, values)
    if not channels:
        _say(report, echo, "no channels: add notify: channels: to statuspage.yaml")
        return report
    root = config_path.resolve().parent
    writer = Writer(state, root / TEMPLATE_DIR, catalogs)
    if options.test_channel is not None:
        return _send_test(channels, writer, options, echo)
    if not options.dry_run:
        check_apprise(channels)
    ledger_path = options.ledger or root / DEFAULT_LEDGER
    if options.dry_run:
        _run(state, channels, read_ledger(ledger_path), writer, options, report, echo)
        return report
    with locked(ledger_path):
        _run(state, channels, read_ledger(ledger_path), writer, options, report, echo)
    return report


def _say(report: Report, echo: Echo, line: str) -> None:
    report.lines.append(line)
    echo(line)


def _run(
    state: SiteState,
    channels: Sequence[Channel],
    ledger: Ledger,
    writer: Writer,
    options: Options,
    report: Report,
    echo: Echo,
) -> None:
    said = len(report.lines)
    schedules = _schedules(state, ledger)
    notices = all_notices(state, schedules)
    if not ledger.found:
        _start_ledger(state, channels, ledger, notices, options, report, echo)
    else:
        for channel in channels:
            if channel.name in ledger.channels:
                _run_channel(state, channel, ledger, notices, writer, options, report, echo)
            else:  # a new channel starts from the present too: no flood of old postmortems
                _start_ledger(state, [channel], ledger, notices, options, report, echo)
    ledger.schedules = schedules
    if len(report.lines) == said:
        moment = state.now.astimezone(state.site.zone).isoformat()
        _say(report, echo, f"nothing to send at {moment}")
    if not options.dry_run:
        ledger.save()


def _schedules(state: SiteState, ledger: Ledger) -> dict[str, list[str]]:
    """Each window's schedules as runs have seen them: the ledger's, then today's."""
    found: dict[str, list[str]] = {}
    for window in state.events:
        if isinstance(window, Window):
            seen = list(ledger.schedules.get(window.id, []))
            key = schedule_key(window)
            found[window.id] = seen if seen and seen[-1] == key else [*seen, key]
    return found


def _start_ledger(
    state: SiteState,
    channels: Sequence[Channel],
    ledger: Ledger,
    notices: Sequence[Notice],
    options: Options,
    report: Report,
    echo: Echo,
) -> None:
    """With no ledger, the present counts as told: nothing before `now` is sent."""
    count = 0
    for channel in channels:
        ledger.channels.setdefault(channel.name, {})
        for notice in _wanted(channel, notices):
            if notice.due is None or notice.due <= state.now:
                ledger.record(channel.name, notice.id, "present", state.now)
                count += 1
    verb = "would record" if options.dry_run else "recorded"
    if ledger.found:
        what = f"new channel {channels[0].name}"
    else:
        what = f"no ledger at {ledger.path}"
    _say(
        report,
        echo,
        f"{what}: {verb} the present state as told ({count} notices); "
        "only what falls due from now on will be sent",
    )


def _wanted(channel: Channel, notices: Sequence[Notice]) -> list[Notice]:
    return [n for n in notices if channel.wants(n.event_type, n.components)]


def _run_channel(
    state: SiteState,
    channel: Channel,
    ledger: Ledger,
    notices: Sequence[Notice],
    writer: Writer,
    options: Options,
    report: Report,
    echo: Echo,
) -> None:
    steps = plan(_wanted(channel, notices), state.now, options.grace, ledger.done(channel.name))
    for notice in steps.superseded:
        ledger.record(channel.name, notice.id, "superseded", state.now)
        _say(report, echo, f"{channel.name}: skipped {notice.id} (superseded by a later notice)")
    for notice in steps.late:
        ledger.record(channel.name, notice.id, "late", state.now)
        _say(report, echo, f"{channel.name}: skipped {notice.id} (due over {_grace(options)} ago)")
    for notice in steps.send:
        message = writer.message(notice, channel.language)
        if options.dry_run:
            body = "".join(f"    {line}".rstrip() + "\n" for line in message.body.splitlines())
            _say(
                report, echo, f"{channel.name}: would send {notice.id}\n  {message.subject}\n{body}"
            )
            continue
        try:
            send(channel, message, notice.id, options.backoff)
        except SendError as error:
            reason = channel.redact(str(error))
            report.failures.append(f"{channel.name}: {reason}")
            _say(report, echo, f"{channel.name}: FAILED {notice.id}: {reason} (retried next run)")
            return  # the rest wait too, so that the channel hears them in order
        ledger.record(channel.name, notice.id, "sent", state.now)
        ledger.save()  # after each send: a crash re-sends at most this one
        _say(report, echo, f"{channel.name}: sent {notice.id}: {message.subject}")


def _grace(options: Options) -> str:
    from statuspage.model.times import format_duration

    return format_duration(options.grace)


def _send_test(channels: Sequence[Channel], writer: Writer, options: Options, echo: Echo) -> Report:
    report = Report()
    chosen = next((c for c in channels if c.name == options.test_channel), None)
    if chosen is None:
        names = ", ".join(c.name for c in channels)
        raise StatusPageError(f"no notify channel named '{options.test_channel}' (have: {names})")
    message = writer.test_message(chosen.language)
    if options.dry_run:
        _say(report, echo, f"{chosen.name}: would send a test message\n  {message.subject}")
        return report
    check_apprise([chosen])
    try:
        send(chosen, message, f"test/{writer.state.now.isoformat()}", options.backoff)
    except SendError as error:
        report.failures.append(f"{chosen.name}: {chosen.redact(str(error))}")
        _say(report, echo, f"{chosen.name}: FAILED test message: {report.failures[-1]}")
        return report
    _say(report, echo, f"{chosen.name}: sent a test message")
    return report
