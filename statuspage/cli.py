"""The command line: each command resolves its options, calls one core function, prints.

Exit status (SPEC "Commands"): 0 success, 1 invalid input, 2 usage error.
This is the only module that imports click, and, but for `serve` (which rebuilds at
the time of each change unless given --now), the only one that reads the clock.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import click

from statuspage import DISTRIBUTION, __version__
from statuspage.authoring.edit import NewUpdate, append_update, translate
from statuspage.authoring.scaffold import LANGUAGES, NewEvent, init_repository, new_event
from statuspage.check import check, last_build
from statuspage.errors import InvalidInputError, Problem, StatusPageError, summarize
from statuspage.load.sources import display_path
from statuspage.model.schema import SCHEMAS
from statuspage.model.times import TimeError, parse_duration, parse_iso, site_zone
from statuspage.model.validate import server_hint
from statuspage.pipeline import load_state
from statuspage.state import SiteState
from statuspage.terminal import format_server, format_status, server_json, status_json

F = TypeVar("F", bound=Callable[..., Any])

# `build` and `serve` import the renderers, feeds, calendars and the HTTP server: they are
# imported by their commands, so that `check` and `status` start without them.

CONFIG_HELP = "The site's settings; the sources are found beside it."
NOW_HELP = (
    "The moment to compute the state at, ISO 8601 (without an offset: the site's timezone). "
    "Default: $STATUSPAGE_NOW, else the clock."
)


#: The years a --now may lie in: the state at a moment outside them is no one's status.
NOW_YEARS = (1970, 2200)


class TimeParam(click.ParamType):  # type: ignore[type-arg]
    """An ISO 8601 time on the command line (HH:MM after the date); a bad one is a usage
    error (exit 2), 15.30 with the colon form suggested."""

    name = "TIME"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> datetime:
        if isinstance(value, datetime):
            return value
        try:
            moment = parse_iso(str(value))
        except TimeError as error:
            self.fail(str(error), param, ctx)
        first, last = NOW_YEARS
        if not first <= moment.year <= last:
            self.fail(f"{value!r} is not between the years {first} and {last}", param, ctx)
        return moment


def config_option(function: F) -> F:
    return click.option(
        "--config",
        type=click.Path(path_type=Path, dir_okay=False),
        default="statuspage.yaml",
        show_default=True,
        help=CONFIG_HELP,
    )(function)


def now_option(function: F) -> F:
    return click.option("--now", type=TimeParam(), envvar="STATUSPAGE_NOW", help=NOW_HELP)(function)


def _clock(now: datetime | None) -> datetime:
    return now if now is not None else datetime.now(UTC)


class _Group(click.Group):
    """Turn any failure into one line: no input may make us print a traceback (SPEC)."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except TimeError as error:  # --now that the site's zone cannot place
            raise click.BadParameter(str(error), param_hint="--now") from None
        except InvalidInputError as error:
            _print_problems(error.problems)
            raise click.ClickException(f"Aborted: {error}; nothing was done.") from None
        except StatusPageError as error:
            raise click.ClickException(str(error)) from None
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except OSError as error:  # the machine, not us: a full disk, a permission, ...
            if ctx.obj and ctx.obj.get("debug"):
                raise
            raise click.ClickException(_os_error_line(error)) from None
        except Exception as error:
            if ctx.obj and ctx.obj.get("debug"):
                raise
            raise click.ClickException(
                f"internal error: {type(error).__name__}: {error} (run with --debug for details, "
                "and please report it)"
            ) from None


def _os_error_line(error: OSError) -> str:
    """'PATH: Reason', or the reason alone when the error names no path (ENOSPC, say)."""
    names = [name for name in (error.filename, error.filename2) if name is not None]
    shown = " -> ".join(
        display_path(Path(os.fsdecode(name))) if isinstance(name, str | bytes) else str(name)
        for name in names
    )
    reason = error.strerror or str(error) or type(error).__name__
    return f"{shown}: {reason}" if shown else reason


@click.group(cls=_Group)
@click.version_option(__version__, prog_name="statuspage")
@click.option("--debug", is_flag=True, help="Show a traceback on internal errors.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Turn a git repository of YAML incident files into a public status site."""
    ctx.obj = {"debug": debug}


def built_site_option(what: str) -> Callable[[F], F]:
    """`--output/-o DIR`: the site a command looks at (not writes), default site/."""
    return click.option(
        "--output",
        "-o",
        type=click.Path(path_type=Path, file_okay=False),
        default=None,
        help=f"The built site to look at: {what}.  [default: site/ beside the config]",
    )


@cli.command("check")
@config_option
@now_option
@click.option("--strict", is_flag=True, help="Fail on warnings too.")
@built_site_option("a warning if it is older than stale_after")
def check_command(config: Path, now: datetime | None, strict: bool, output: Path | None) -> None:
    """Validate statuspage.yaml and every event file.

    Prints each problem as path:line:column: message, all of them, then a
    summary; warns too when the last build in --output is older than
    stale_after. Exit 0 when valid, 1 on errors (or on warnings with --strict).

        statuspage check --strict
    """
    site_dir = output or config.parent / "site"
    problems = check(config, _clock(now), site_dir)
    _print_problems(problems)
    failing = [p for p in problems if p.is_error or strict]
    if failing:
        raise click.ClickException(f"Aborted: {summarize(problems)}.")
    click.echo(f"OK: {summarize(problems)}." if problems else "OK: no problems.")


@cli.command("init")
@click.argument("directory", type=click.Path(path_type=Path, file_okay=False), default=".")
@click.option(
    "--timezone", default="UTC", show_default=True, help="IANA time zone of the new page."
)
@click.option(
    "--language",
    type=click.Choice(LANGUAGES),
    default="en",
    show_default=True,
    help="Language of the new page.",
)
@click.option(
    "--requirement",
    default=None,
    metavar="SPEC",
    help="What the publishing workflow installs, e.g. a git URL or a wheel's.  "
    f"[default: {DISTRIBUTION}=={__version__}]",
)
@now_option
def init_command(
    directory: Path, timezone: str, language: str, requirement: str | None, now: datetime | None
) -> None:
    """Scaffold a status repository in DIRECTORY (default: here), which must be empty.

    Writes statuspage.yaml, incidents/ with a commented example of each event type,
    .gitignore, a GitHub Actions workflow that publishes to GitHub Pages, and a
    README for the team. `check` and `build` pass in it at once.

        statuspage init status && cd status && statuspage serve
    """
    try:  # the names statuspage.yaml accepts: IANA's, never the machine's own `localtime`
        zone = site_zone(timezone)
    except TimeError as error:
        raise click.BadParameter(str(error), param_hint="--timezone") from None
    for path in init_repository(directory, _clock(now), zone, requirement, language):
        click.echo(f"created {display_path(path)}")


@cli.command("new")
@click.argument("kind", type=click.Choice(["incident", "maintenance", "backup"]))
@click.argument("title")
@config_option
@click.option(
    "--component",
    "components",
    multiple=True,
    metavar="ID",
    help="An affected component (repeat for more).",
)
@click.option(
    "--server",
    "servers",
    multiple=True,
    metavar="NAME",
    help="Only this server of the components is affected (repeat for more) [default: all].",
)
@click.option(
    "--impact",
    type=click.Choice(["none", "minor", "major", "critical"]),
    help="Incident impact [default: minor].",
)
@click.option(
    "--message",
    metavar="TEXT",
    help="The first update: what customers should know (Markdown).  "
    "[default: a placeholder in the site's language]",
)
@click.option("--description", metavar="TEXT", help="What customers will notice (Markdown).")
@click.option("--starts", metavar="TIME", help="Start of a maintenance or backup window.")
@click.option(
    "--duration", metavar="DURATION", help="Length of the window, e.g. 90m, 2h [default: 1h]."
)
@click.option("--ends", metavar="TIME", help="End of the window, instead of --duration.")
@click.option(
    "--repeat",
    metavar="RULE",
    help="Repeat a window: daily, weekly, monthly, weekdays, or an RRULE such as "
    "FREQ=WEEKLY;BYDAY=SU.",
)
@click.option(
    "--lang",
    "language",
    metavar="LANG",
    help="The language the title and texts are written in, one of the site's `languages`.  "
    "[default: the site's default language]",
)
@click.option("--edit", is_flag=True, help="Open the new file in $EDITOR.")
@now_option
def new_command(
    kind: str,
    title: str,
    config: Path,
    components: tuple[str, ...],
    servers: tuple[str, ...],
    impact: str | None,
    message: str | None,
    description: str | None,
    starts: str | None,
    duration: str | None,
    ends: str | None,
    repeat: str | None,
    language: str | None,
    edit: bool,
    now: datetime | None,
) -> None:
    """Write incidents/YYYY-MM-DD-slug.yaml for a new event and print its path.

    A window that repeats without end is named without a date (slug.yaml).
    Never overwrites: a taken name gets -2, -3, ... A text not given is a
    placeholder in the site's language, which check warns about. The file is
    validated before it is written. Exit 1 on invalid input.

    \b
        statuspage new incident "Email delays" --component email --impact minor \\
            --message "Outgoing email is delayed by up to 20 minutes."
        statuspage new maintenance "PHP upgrade" --component web \\
            --starts 2030-01-05T02:00 --duration 2h
        statuspage new backup "Nightly backup" --component web \\
            --starts 2030-01-05T03:00 --duration 30m --repeat daily
    """
    if not components:
        raise click.UsageError("give at least one --component")
    if kind != "incident" and starts is None:
        raise click.UsageError(f"a {kind} needs --starts (and --duration, default 1h, or --ends)")
    window_only = {"--starts": starts, "--duration": duration, "--ends": ends, "--repeat": repeat}
    for name, value in window_only.items():
        if kind == "incident" and value is not None:
            raise click.UsageError(f"{name} is for a maintenance or backup window")
    if duration is not None and ends is not None:
        raise click.UsageError("give --duration or --ends, not both")
    request = NewEvent(
        kind,
        title,
        components,
        impact,
        starts,
        duration,
        repeat,
        message,
        description,
        ends,
        servers,
        language,
    )
    path = new_event(config, request, _clock(now))
    click.echo(display_path(path))
    if edit:
        click.edit(filename=str(path))


@cli.command("update")
@click.argument("event_id", metavar="[ID]", required=False)
@config_option
@click.option(
    "--status",
    help="The event's status now (e.g. identified, resolved, completed); without it, with "
    "--lang, the text in that language of the latest update (and --title) is written.",
)
@click.option("--message", help="What customers should know (Markdown).")
@click.option("--next-update", metavar="TIME", help="When the next update is promised.")
@click.option("--at", metavar="TIME", help="When this update was posted [default: now].")
@click.option(
    "--server",
    "servers",
    multiple=True,
    metavar="NAME",
    help="A server the event now concerns too, added to its servers (repeat for more).",
)
@click.option(
    "--lang",
    "language",
    metavar="LANG",
    help="The language of --message (and --title), one of the site's `languages`; the "
    "other languages' texts are kept.  [default: the site's default language]",
)
@click.option("--title", metavar="TEXT", help="With --lang: the event's title in that language.")
@now_option
def update_command(
    event_id: str | None,
    config: Path,
    status: str | None,
    message: str | None,
    next_update: str | None,
    at: str | None,
    servers: tuple[str, ...],
    language: str | None,
    title: str | None,
    now: datetime | None,
) -> None:
    """Append an update to incidents/ID.yaml, keeping its comments and layout.

    ID is the event's id, its file (incidents/ID.yaml) or the start of its id;
    without it, the one open incident. The result is validated before it is
    written; the file is replaced atomically. `--status resolved` closes an
    incident, `--status completed` a window. Times are HH:MM after the date,
    without an offset in the site's timezone; a time of day alone (11:30) is
    today. With --server, the event's `servers:` gains that server (a name or
    an alias) too; an event that names no servers already covers them all. Exit 1
    if the update does not fit.

    \b
        statuspage update 2026-11-20-slow-db --status identified \\
            --message "A failing disk." --next-update 11:30
        statuspage update --status resolved --message "Fixed."   # the one open incident
        statuspage update disks --status identified --message "web04 too." --server web04
        statuspage update --lang en --message "A failing disk."   # translate the latest
    """
    if status is None:
        if language is None:
            raise click.UsageError("give --status (or --lang, to write a translation)")
        extra = {"--next-update": next_update, "--at": at, "--server": servers or None}
        for name, value in extra.items():
            if value is not None:
                raise click.UsageError(f"{name} is for a new update: give --status too")
        path = translate(config, event_id, language, _clock(now), message=message, title=title)
        click.echo(f"translated {display_path(path)} into {language}")
        return
    if message is None:
        raise click.UsageError("give --message: what customers should know")
    if title is not None:
        raise click.UsageError("--title is for a translation: give --lang without --status")
    request = NewUpdate(status, message, at, next_update, servers, language)
    path = append_update(config, event_id, request, _clock(now))
    which = ", the one open incident" if event_id is None else ""
    click.echo(f"updated {display_path(path)}{which}")


@cli.command("build")
@config_option
@click.option(
    "--output",
    "-o",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Where to write the site.  [default: site/ beside the config]",
)
@now_option
@click.option(
    "--jobs",
    type=click.IntRange(min=1),
    default=None,
    help="Processes that render a large site.  [default: the cores available]",
)
def build_command(
    config: Path, output: Path | None, now: datetime | None, jobs: int | None
) -> None:
    """Render the site: HTML pages, feeds, calendar and API, for the state at --now.

    On any error nothing under --output changes. Exit 0 when built, 1 on invalid
    input or an output directory that is not safe to replace.

        statuspage build --output public
    """
    target = output if output is not None else config.parent / "site"
    from statuspage.build import build
    from statuspage.outputs.parallel import default_jobs

    report = build(config, target, _clock(now), jobs or default_jobs())
    _print_problems(list(report.warnings))
    click.echo(f"Built {report.files} files into {display_path(report.output_dir)}.")


@cli.command("status")
@config_option
@now_option
@click.option("--json", "as_json", is_flag=True, help="Print the state as JSON.")
@click.option(
    "--server",
    metavar="NAME",
    help="Answer for one server (its name or an alias) and its next change.",
)
@built_site_option("when it was built, and if it is stale")
def status_command(
    config: Path, now: datetime | None, as_json: bool, server: str | None, output: Path | None
) -> None:
    """Print the overall state, components, active events, and the next change by the clock.

    The next change is the next window start or end, so CI can rebuild then.
    Also says when the site in --output was built, and if it is older than
    stale_after. With --server, answers for one server (by its name or an
    alias): its status, the active events that touch it, its next change.

        statuspage status --now 2026-12-01T02:30
    """
    state = load_state(config, _clock(now)).state
    if server is not None:
        _print_server(state, server, as_json)
        return
    built = last_build(output or config.parent / "site")
    if as_json:
        click.echo(json.dumps(status_json(state, built), indent=2, ensure_ascii=False))
    else:
        click.echo(
            format_status(
                state, lambda text, colour: click.style(text, fg=colour, bold=True), built
            )
        )


@cli.command("serve")
@config_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port",
    default=8000,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="Port (0: any free one).",
)
@now_option
def serve_command(config: Path, host: str, port: int, now: datetime | None) -> None:
    """Build, serve the site and rebuild on every change under the sources.

    Serves the site from memory (never writing site/), watches statuspage.yaml,
    incidents/ and templates/, rebuilds only what a change touches and reloads
    open pages after each rebuild. A broken file or template does not stop it:
    its problems are shown in the terminal and on the page until fixed. Ctrl-C
    stops it.

        statuspage serve --port 8000
    """
    from statuspage.serve.server import serve

    serve(config, host, port, now)


class DurationParam(click.ParamType):  # type: ignore[type-arg]
    """A duration on the command line: 90m, 6h, 1d."""

    name = "DURATION"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> timedelta:
        if isinstance(value, timedelta):
            return value
        try:
            return parse_duration(str(value))
        except TimeError as error:
            self.fail(str(error), param, ctx)


@cli.command("notify")
@config_option
@now_option
@click.option("--dry-run", is_flag=True, help="Print what would be sent; send and write nothing.")
@click.option(
    "--ledger",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="The record of what was sent.  [default: .statuspage/notified.json beside --config]",
)
@click.option(
    "--grace",
    type=DurationParam(),
    default="6h",
    show_default=True,
    help="A notice due longer ago than this is skipped, not sent late.",
)
@click.option("--test", "test_channel", metavar="CHANNEL", help="Send one test message.")
@click.option("--backoff", default="2,8", hidden=True, help="Seconds between retries.")
def notify_command(
    config: Path,
    now: datetime | None,
    dry_run: bool,
    ledger: Path | None,
    grace: timedelta,
    test_channel: str | None,
    backoff: str,
) -> None:
    """Send each incident update and maintenance notice once to the channels of notify:.

    Run it after each deploy and on a schedule; the ledger remembers what each channel
    was told. Exits 1 if a channel failed (its notices are retried on the next run).

    \b
        statuspage notify --dry-run
        statuspage notify --test ops-chat
    """
    from statuspage.notify.run import Options, notify

    waits = tuple(float(part) for part in backoff.split(",") if part.strip())
    options = Options(_clock(now), ledger, grace, dry_run, test_channel, waits)
    report = notify(config, options, click.echo)
    if report.failures:
        raise click.ClickException("not delivered: " + "; ".join(report.failures))


@cli.command("schema")
@click.argument("kind", type=click.Choice(sorted(SCHEMAS)), required=False)
def schema_command(kind: str | None) -> None:
    """Print the JSON Schema (draft 2020-12) of statuspage.yaml ('config') or event files ('event').

    Without KIND, prints both in one object keyed by file pattern.

        statuspage schema event > event.schema.json
    """
    if kind is None:
        document: dict[str, Any] = {
            "statuspage.yaml": SCHEMAS["config"](),
            "incidents/*.yaml": SCHEMAS["event"](),
        }
    else:
        document = SCHEMAS[kind]()
    click.echo(json.dumps(document, indent=2, ensure_ascii=False))


@cli.command("catalog")
@click.argument("language")
@config_option
@now_option
def catalog_command(language: str, config: Path, now: datetime | None) -> None:
    """Start the site's own UI catalog of LANGUAGE, or bring it up to date.

    Writes locales/LANGUAGE/LC_MESSAGES/messages.po beside statuspage.yaml with every
    message of the pages, feeds and calendars, to translate; run it again after an
    upgrade to add new messages (translations are kept). For a shipped language, the
    messages you translate replace the shipped words, each shown in a comment. Then set
    `language: LANGUAGE` in statuspage.yaml (see the languages guide).

        statuspage catalog de
    """
    from statuspage.i18n.catalogs import write_catalog

    path, added = write_catalog(config.resolve().parent, language, _clock(now))
    click.echo(f"wrote {display_path(path)} ({added} new messages to translate)")


@cli.group("import")
def import_group() -> None:
    """Bring an existing status page's components, incidents and maintenances in.

    Safe to run again: files it wrote before are left as they are (or brought up to date
    when nobody edited them), a file of yours is never replaced unless given --force.
    """


def _force_option(function: F) -> F:
    return click.option(
        "--force", is_flag=True, help="Replace event files that exist or were edited."
    )(function)


def _print_import(report: Any) -> None:
    for line in report.details():
        click.echo(line)
    click.echo(report.summary().capitalize() + ".")


@import_group.command("statuspage")
@config_option
@click.argument("source", required=False)
@click.option(
    "--api-key", envvar="STATUSPAGE_API_KEY", help="REST API key: read the whole history."
)
@click.option("--page-id", help="The page's id, with --api-key.")
@click.option("--api-url", default="https://api.statuspage.io/v1", show_default=True, hidden=True)
@_force_option
def import_statuspage_command(
    config: Path,
    source: str | None,
    api_key: str | None,
    page_id: str | None,
    api_url: str,
    force: bool,
) -> None:
    """Import a Statuspage page: SOURCE is its URL or a directory of its saved JSON.

    \b
        statuspage import statuspage https://status.example.com
        statuspage import statuspage saved/        # summary.json, incidents.json, ...
        statuspage import statuspage --api-key KEY --page-id PAGE
    """
    from statuspage.importers.statuspage import import_statuspage

    report = import_statuspage(
        config,
        source,
        _clock(None),
        api_key=api_key,
        page_id=page_id,
        api_url=api_url,
        force=force,
    )
    _print_import(report)


@import_group.command("cstate")
@config_option
@click.argument("directory", type=click.Path(path_type=Path, file_okay=False, exists=True))
@_force_option
def import_cstate_command(config: Path, directory: Path, force: bool) -> None:
    """Import a cState site: its config.yml and content/issues/*.md.

    \b
        statuspage import cstate ../old-status-site
    """
    from statuspage.importers.cstate import import_cstate

    _print_import(import_cstate(config, directory, _clock(None), force=force))


def _print_server(state: SiteState, name: str, as_json: bool) -> None:
    found = state.find_server(name)
    if found is None:
        names = [server.name for server in state.servers]
        raise click.ClickException(f"no server '{name}'{server_hint(name, names)}")
    if as_json:
        click.echo(json.dumps(server_json(state, found), indent=2, ensure_ascii=False))
    else:
        click.echo(format_server(state, found, lambda text, colour: click.style(text, fg=colour)))


def _print_problems(problems: list[Problem]) -> None:
    for problem in problems:
        click.echo(str(problem))


def main() -> None:
    """Entry point of the `statuspage` console script."""
    cli(prog_name="statuspage")
