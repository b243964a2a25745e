"""`statuspage serve`: serve the site from memory and rebuild it on every change.

MkDocs' `serve` for the loop, Lektor's dev server for the rendering (STYLE §8.7, issues
5 and 6). A rebuild brings the sources, the model and the state up to date from what
the last one kept (statuspage/incremental.py) and publishes a new Site; its files are
rendered when they are asked for, and a background check renders the rest, so that a
template failing on a page nobody opened is reported too. Nothing is written to disk,
never the user's `site/`. The config is re-read on every rebuild. A failed rebuild
prints its problems, keeps the last good build served and shows the problems on every
page until they are fixed. Open pages reload themselves: HTML is served with a small
script that listens on a server-sent-events endpoint; the site's files never contain it.

It answers its operator only (issue 24): requests must name a host it is bound to, so
that a web page open in the operator's browser cannot read the preview through DNS
rebinding, and only the site's own files say that other origins may read them.
"""

from __future__ import annotations

import contextlib
import html
import ipaddress
import json
import os
import re
import secrets
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import FrameType
from urllib.parse import unquote

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.api import ObservedWatch

from statuspage import __version__
from statuspage.cyclegc import fewer_collections, settle
from statuspage.errors import InvalidInputError, StatusPageError
from statuspage.load.sources import EVENT_DIR, TEMPLATE_DIR, display_path
from statuspage.model.models import LOCALE_DIR
from statuspage.model.times import TimeError
from statuspage.serve.incremental import Project, Site

#: Where serve's own endpoints live; no file of a site can be there (hidden names).
INTERNAL_PREFIX = "/__statuspage/"
EVENTS_PATH = INTERNAL_PREFIX + "events"
PROBLEMS_PATH = INTERNAL_PREFIX + "problems"
#: The names a request may give in its Host header, besides the --host it was started
#: with (with any port): a page on another site that a DNS name of its own points at this
#: machine (DNS rebinding) names that site instead and is refused.
LOCAL_NAMES = ("localhost", "127.0.0.1", "[::1]")
#: Addresses that mean "every interface": then any IP address of the machine may be asked
#: for (an IP address is never a rebound name).
WILDCARDS = frozenset({"", "0.0.0.0", "::"})
#: A connection that sends nothing for this long is closed: each holds a thread.
IDLE_TIMEOUT = 10.0
#: Connections waiting to be accepted (the kernel may cap it: net.core.somaxconn). A
#: browser opening many pages opens many at once, and a connect the queue cannot take
#: waits a second for the kernel's retry; the queue costs nothing while empty.
BACKLOG = 1024
#: Refused host names printed, each once; past this many they are refused in silence.
MAX_REFUSED_SHOWN = 10
#: An editor's save is several file events; rebuild once they have been quiet this long.
DEBOUNCE = 0.05
#: ...but do not wait longer than this for a burst to end.
LONGEST_WAIT = 1.0
#: How many sites (besides the good one) are kept to fall back on.
MAX_FALLBACKS = 4
#: The background check of a new site starts this long after it is served.
CHECK_DELAY = 0.3
#: The background check waits for a new site this long at a time, then looks again.
HEARTBEAT = 15.0
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".json": "application/json",
    ".atom": "application/atom+xml",
    ".rss": "application/rss+xml",
    ".ics": "text/calendar; charset=utf-8",
    ".xml": "application/xml",
    ".svg": "image/svg+xml",
    ".txt": "text/plain; charset=utf-8",
    ".png": "image/png",
    ".ico": "image/x-icon",
}
#: File events that can change the sources; opening or reading a file (as a build does) cannot.
CHANGES = frozenset({"created", "deleted", "modified", "moved", "closed"})
_BODY_OPEN = re.compile(r"<body\b[^>]*>", re.IGNORECASE)
_BODY_CLOSE = re.compile(r"</body\s*>", re.IGNORECASE)
_OUTPUT_LOCK = threading.Lock()

Echo = Callable[[str], None]


def write_line(line: str) -> None:
    """Write one line to stdout, flushed: the rebuild thread and the main thread both report."""
    with _OUTPUT_LOCK:
        try:
            sys.stdout.write(line + "\n")
        except UnicodeEncodeError:
            encoding = sys.stdout.encoding or "ascii"
            sys.stdout.write(line.encode(encoding, "backslashreplace").decode(encoding) + "\n")
        sys.stdout.flush()


# --- what is being served ---------------------------------------------------------------


@dataclass(frozen=True)
class Snapshot:
    """What the server shows: the last good build, and the problems of the last rebuild."""

    generation: int = 0
    site: Site | None = None
    #: One line per problem when the last rebuild failed; empty when it succeeded.
    problems: tuple[str, ...] = ()
    #: Tells pages of an earlier server process from this one's.
    token: str = ""

    @property
    def build_id(self) -> str:
        return f"{self.token}-{self.generation}"

    def to_json(self) -> bytes:
        data = {
            "build": self.build_id,
            "generation": self.generation,
            "ok": not self.problems,
            "problems": list(self.problems),
        }
        return json.dumps(data, ensure_ascii=False).encode()


class LiveSite:
    """The current snapshot, read by the request threads; event streams wait for new ones."""

    def __init__(self) -> None:
        self._snapshot = Snapshot(token=secrets.token_hex(4))
        self._changed = threading.Condition()
        self._closed = False
        #: The last site every file of which rendered (the check below), or None.
        self.good: Site | None = None
        #: The sites to fall back on when the one shown fails, oldest first: the good one
        #: and those shown after it (their check cut short by a newer one), none known bad.
        self._fallbacks: list[Site] = []
        #: Set while a rebuild runs: the background check then waits.
        self.rebuilding = threading.Event()

    @property
    def snapshot(self) -> Snapshot:
        return self._snapshot

    def publish(self, site: Site | None, problems: tuple[str, ...] = ()) -> Snapshot:
        """Show `site` (with `problems`, if any) as the next generation."""
        with self._changed:
            previous = self._snapshot
            self._snapshot = Snapshot(previous.generation + 1, site, problems, previous.token)
            if site is not None and not (self._fallbacks and self._fallbacks[-1] is site):
                self._fallbacks.append(site)
                good = [kept for kept in self._fallbacks if kept is self.good]
                others = [kept for kept in self._fallbacks if kept is not self.good]
                self._fallbacks = good[:1] + others[-MAX_FALLBACKS:]
            self._changed.notify_all()
            return self._snapshot

    def mark_good(self, site: Site) -> None:
        """Every file of `site` rendered: no site before it is needed to fall back on."""
        with self._changed:
            self.good = site
            found = [index for index, kept in enumerate(self._fallbacks) if kept is site]
            self._fallbacks = self._fallbacks[found[0] :] if found else [site]

    def keep_with(self, problems: tuple[str, ...]) -> Snapshot:
        """A rebuild failed: go on showing the site shown now, with its problems."""
        with self._changed:
            return self.publish(self._snapshot.site, problems)

    def fail(self, site: Site, problems: tuple[str, ...]) -> Snapshot | None:
        """`site` turned out to have `problems`: show the last site not known to fail
        instead, with them (and with the problems already shown, if any).

        Nothing happens (None) unless `site` is still the one shown.
        """
        with self._changed:
            shown = self._snapshot
            if shown.site is not site:
                return None
            self._fallbacks = [kept for kept in self._fallbacks if kept is not site]
            if self.good is site:
                self.good = None
            fallback = self._fallbacks[-1] if self._fallbacks else None
            return self.publish(fallback, tuple(dict.fromkeys((*shown.problems, *problems))))

    def wait_after(self, generation: int, timeout: float) -> Snapshot | None:
        """Wait up to `timeout` for a snapshot other than `generation`; None once closed."""
        with self._changed:
            self._changed.wait_for(
                lambda: self._closed or self._snapshot.generation != generation, timeout
            )
            return None if self._closed else self._snapshot

    @property
    def closed(self) -> bool:
        return self._closed

    def close(self) -> None:
        with self._changed:
            self._closed = True
            self._changed.notify_all()


# --- building ---------------------------------------------------------------------------


class Builder:
    """Bring the project up to date and publish its site, or publish the problems."""

    def __init__(self, config_path: Path, now: datetime | None, live: LiveSite, echo: Echo):
        self._project = Project(config_path)
        self._now = now
        self._live = live
        self._echo = echo

    def rebuild(self, changed: Iterable[Path] = ()) -> None:
        """Rebuild once; never raise for anything the sources or templates can cause.

        `changed`: the paths the watcher reported since the last rebuild.
        """
        changed = sorted(set(changed))
        started = time.monotonic()
        self._live.rebuilding.set()  # the check of the last site stops: this one is sooner
        try:
            # `now` None is the clock at each rebuild, so windows flip while serving (cli.py).
            outcome = _attempt(self._project, self._now or datetime.now(UTC), changed)
        finally:
            self._live.rebuilding.clear()
        if isinstance(outcome, Site):
            for warning in outcome.warnings:
                self._echo(str(warning))
            self._live.publish(outcome)
            elapsed = time.monotonic() - started
            self._echo(f"Built in {elapsed:.2f} s{_what_changed(changed)}.")
            return
        problems, summary = outcome
        # The site shown now, read as it is replaced: a request may have found it broken
        # during the rebuild and put the last good one in its place.
        shown = self._live.keep_with(tuple(problems))
        announce_failure(self._echo, problems, summary, shown)


def _what_changed(changed: list[Path]) -> str:
    """' (incidents/a.yaml changed)', from the watcher's paths; for the first build, how
    the pages come."""
    if not changed:
        return "; pages are rendered as they are asked for"
    shown = [display_path(path) for path in changed[:3]]
    more = f" and {len(changed) - 3} more" if len(changed) > 3 else ""
    return f" ({', '.join(shown)}{more} changed)"


def _attempt(
    project: Project, now: datetime, changed: Iterable[Path]
) -> Site | tuple[list[str], str]:
    """The rebuilt site, or its problems as lines and a one-line summary."""
    try:
        return project.refresh(now, changed)
    except Exception as error:
        return _problems(error)


def _problems(error: Exception) -> tuple[list[str], str]:
    """What went wrong, as lines and a one-line summary (`build` would print the same)."""
    if isinstance(error, InvalidInputError):
        return [str(problem) for problem in error.problems], str(error)
    if isinstance(error, TimeError):
        return [f"--now: {error}"], "bad --now"
    if isinstance(error, StatusPageError):
        return [str(error)], "1 error"
    # A dev server outlives its bugs; `build` shows the traceback.
    return [f"internal error: {type(error).__name__}: {error}"], "internal error"


class Checker:
    """Render every file of each new site in the background; report a file that fails.

    Pages are rendered when they are asked for, so without this a template that fails
    only on a page nobody opened would go unnoticed until `build`. It gives way at once
    to a newer site. The feeds, calendars and API it renders are kept for the requests;
    the pages are not (they render in a millisecond or two when asked for).
    """

    def __init__(self, live: LiveSite, echo: Echo) -> None:
        self._live = live
        self._echo = echo
        self._thread = threading.Thread(target=self._run, name="statuspage-check", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 30) -> None:
        self._live.close()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def _run(self) -> None:
        seen = -1
        snapshot = self._live.wait_after(seen, HEARTBEAT)
        while snapshot is not None:
            if snapshot.generation == seen:
                snapshot = self._live.wait_after(seen, HEARTBEAT)
                continue
            seen = snapshot.generation
            # The open pages reload first: the check then takes turns with their requests.
            later = self._live.wait_after(seen, CHECK_DELAY)
            if later is not None and later.generation != seen:
                snapshot = later  # a newer site already
                continue
            # A site shown with the problems of a failed rebuild is checked too: it may
            # never have been (a rebuild cancels the check of the site before it).
            site = snapshot.site
            if later is not None and site is not None and site is not self._live.good:
                self._check(site, seen)
            snapshot = later

    def _check(self, site: Site, generation: int) -> None:
        started = time.monotonic()

        def cancelled() -> bool:
            live = self._live
            return live.closed or live.rebuilding.is_set() or live.snapshot.generation != generation

        try:
            count = site.render_all(cancelled)
        except Exception as error:
            report(self._live, site, error, self._echo)
            return
        if count is not None:
            self._live.mark_good(site)
            settle()  # while it is quiet: the next rebuild then meets no full collection
            elapsed = time.monotonic() - started
            self._echo(f"Rendered all {count:,} files in {elapsed:.2f} s.")


def report(live: LiveSite, site: Site, error: Exception, echo: Echo) -> None:
    """A file of `site` failed to render: show the last good site with the problem."""
    problems, summary = _problems(error)
    shown = live.fail(site, tuple(problems))
    if shown is not None:  # else already reported, or a newer site is shown
        announce_failure(echo, problems, summary, shown)


def announce_failure(echo: Echo, problems: list[str], summary: str, shown: Snapshot) -> None:
    """Print the problems, and what is served until they are fixed."""
    for line in problems:
        echo(line)
    still = "still serving the last good build" if shown.site else "showing the problems"
    echo(f"Build failed: {summary}; {still} until it is fixed.")


# --- watching ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SourcePaths:
    """The places a change can come from (never the output directory: Lektor)."""

    config: Path
    incidents: Path
    templates: Path
    #: The site's own catalogs (issue 17).
    locales: Path

    @classmethod
    def beside(cls, config_path: Path) -> SourcePaths:
        config = config_path.resolve()  # the sources are beside the real file (load_sources)
        root = config.parent
        return cls(config, root / EVENT_DIR, root / TEMPLATE_DIR, root / LOCALE_DIR)

    @property
    def folders(self) -> tuple[Path, ...]:
        """The folders watched as a whole once they exist."""
        return (self.incidents, self.templates, self.locales)

    def affects_site(self, path: Path) -> bool:
        """Whether a change at `path` can change the site."""
        if path == self.config or path in self.folders:
            return True
        if path.name.startswith(".") or path.name.endswith("~"):
            return False  # editors' swap and backup files
        if path.parent == self.incidents:
            return path.suffix in (".yaml", ".yml")  # .yml is warned about
        return path.is_relative_to(self.templates) or path.is_relative_to(self.locales)


class _SourceEvents(FileSystemEventHandler):
    def __init__(
        self,
        sources: SourcePaths,
        poke: Callable[[Iterable[Path]], None],
        renew: Callable[[Path], None],
    ) -> None:
        self._sources = sources
        self._poke = poke
        self._renew = renew

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type not in CHANGES:
            return
        if event.is_directory and event.event_type == "modified":
            return  # a file event inside says what changed
        paths = [Path(os.fsdecode(path)) for path in (event.src_path, event.dest_path) if path]
        for path in paths:
            if path in self._sources.folders:
                self._renew(path)  # created, deleted or moved: its watch must be made again
        relevant = [path for path in paths if self._sources.affects_site(path)]
        if relevant:
            self._poke(relevant)  # not an editor's temporary file it was renamed from


class Watcher:
    """Watch the config's directory (not recursively), incidents/, templates/ and locales/.

    incidents/, templates/ and locales/ are watched once they exist; the config's
    directory tells when they are created (or deleted and created again).
    """

    def __init__(self, sources: SourcePaths, poke: Callable[[Iterable[Path]], None]) -> None:
        self._sources = sources
        self._handler = _SourceEvents(sources, poke, self._renew)
        self._observer = Observer()
        self._watches: dict[Path, tuple[ObservedWatch, int]] = {}
        # Directories replaced since the last refresh: a new directory may get the inode
        # number of the one it replaces (ext4 does), so the inode alone cannot tell.
        self._replaced: set[Path] = set()
        self._replaced_lock = threading.Lock()
        self._observer.schedule(self._handler, str(sources.config.parent), recursive=False)
        self.refresh()

    def _renew(self, directory: Path) -> None:
        with self._replaced_lock:
            self._replaced.add(directory)

    def refresh(self) -> None:
        """Watch incidents/, templates/ and locales/ as they now are."""
        with self._replaced_lock:
            replaced, self._replaced = self._replaced, set()
        for directory in self._sources.folders:
            inode = _inode(directory)
            current = self._watches.get(directory)
            if current is not None and current[1] == inode and directory not in replaced:
                continue
            if current is not None:
                with contextlib.suppress(KeyError):
                    self._observer.unschedule(current[0])
                del self._watches[directory]
            if inode is not None:
                try:
                    watch = self._observer.schedule(self._handler, str(directory), recursive=True)
                except OSError:  # gone again already, or no watches left: tried at next change
                    continue
                self._watches[directory] = (watch, inode)

    def start(self) -> None:
        self._observer.start()

    def stop(self) -> None:
        self._observer.stop()
        if self._observer.is_alive():
            self._observer.join(timeout=5)


def _inode(directory: Path) -> int | None:
    try:
        status = directory.stat()
    except OSError:
        return None
    return status.st_ino if directory.is_dir() else None


class Debouncer:
    """Run `action` in a thread once a burst of pokes has been quiet for `delay` seconds.

    `action` gets the paths the burst's pokes named.
    """

    def __init__(self, action: Callable[[set[Path]], None], delay: float = DEBOUNCE) -> None:
        self._action = action
        self._delay = delay
        self._pending = threading.Event()
        self._stopping = threading.Event()
        self._paths: set[Path] = set()
        self._paths_lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="statuspage-rebuild", daemon=True)

    def poke(self, paths: Iterable[Path] = ()) -> None:
        with self._paths_lock:
            self._paths.update(paths)
        self._pending.set()

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 30) -> None:
        """Stop, letting a running rebuild finish."""
        self._stopping.set()
        self._pending.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def _run(self) -> None:
        while True:
            self._pending.wait()
            if not self._settle():
                return
            with self._paths_lock:
                paths, self._paths = self._paths, set()
            try:
                self._action(paths)
            except Exception as error:  # never end the thread: the next save may fix it
                write_line(f"internal error while rebuilding: {type(error).__name__}: {error}")

    def _settle(self) -> bool:
        """Wait until no poke came for `delay` (at most LONGEST_WAIT); False when stopping."""
        deadline = time.monotonic() + LONGEST_WAIT
        while True:
            self._pending.clear()
            if self._stopping.wait(self._delay):
                return False
            if not self._pending.is_set() or time.monotonic() >= deadline:
                return True


# --- answering requests -----------------------------------------------------------------


@dataclass(frozen=True)
class Redirect:
    """A directory asked for without its trailing slash: relative links need the slash."""

    location: str


def locate(site: Site, url_path: str) -> tuple[str, bytes] | Redirect | None:
    """The file of `site` that `url_path` names (its path and bytes), a redirect, or None.

    Directories serve their index.html and are never listed; `..`, `.`, empty
    segments, hidden names, backslashes and NUL are refused in any encoding.
    Raises what rendering the file raises.
    """
    parts = _url_parts(url_path)
    if parts is None:
        return None
    name = "/".join(parts)
    if not url_path.endswith("/"):
        if site.has_page(f"{name}/index.html"):
            return Redirect(url_path + "/")
        body = site.get(name)
        return None if body is None else (name, body)
    index = f"{name}/index.html" if name else "index.html"
    body = site.get(index)
    return None if body is None else (index, body)


def _url_parts(url_path: str) -> list[str] | None:
    if not url_path.startswith("/"):
        return None  # also the absolute form, http://host/...
    try:
        text = unquote(url_path, errors="strict")
    except UnicodeDecodeError:
        return None
    if "\\" in text or "\x00" in text:
        return None
    parts = text[1:].split("/")
    if parts[-1] == "":
        parts.pop()  # a trailing slash names a directory
    if any(part == "" or part.startswith(".") for part in parts):
        return None  # //x, /./, /../ and hidden files such as the build marker
    return parts


def content_type(path: str) -> str:
    """The Content-Type a static host would send for `path`."""
    return CONTENT_TYPES.get(os.path.splitext(path)[1].lower(), "application/octet-stream")


def decorate_html(page: bytes, snapshot: Snapshot) -> bytes:
    """Add the reload script, and the problems banner when the last rebuild failed."""
    text = page.decode("utf-8", errors="replace")
    if snapshot.problems:
        text = _insert(text, _BODY_OPEN, problems_banner(snapshot.problems), after=True)
    text = _insert(text, _BODY_CLOSE, reload_script(snapshot), after=False)
    return text.encode()


def _insert(text: str, pattern: re.Pattern[str], snippet: str, *, after: bool) -> str:
    matches = list(pattern.finditer(text))
    if not matches:
        return snippet + text if after else text + snippet
    match = matches[0] if after else matches[-1]
    at = match.end() if after else match.start()
    return text[:at] + snippet + text[at:]


def reload_script(snapshot: Snapshot) -> str:
    """The script that reloads the page once the server has another build (serve mode only)."""
    return f"""<script data-statuspage-serve>
(function () {{
  "use strict";
  var shown = {json.dumps(snapshot.build_id)};
  var events = new EventSource("{EVENTS_PATH}");
  events.addEventListener("build", function (event) {{
    if (JSON.parse(event.data).build !== shown) {{ events.close(); location.reload(); }}
  }});
}}());
</script>
"""


def problems_banner(problems: tuple[str, ...]) -> str:
    """A visible, announced list of the problems, styled inline to stand out on any theme."""
    items = "".join(f"<li><code>{html.escape(line)}</code></li>" for line in problems)
    return (
        '<section id="statuspage-serve-problems" role="alert" '
        'aria-labelledby="statuspage-serve-problems-title" style="margin:0;padding:1rem;'
        "background:#fff4f4;color:#1f1f1f;border:4px solid #b3261e;"
        'font:1rem/1.5 system-ui,sans-serif">'
        '<h2 id="statuspage-serve-problems-title" style="margin:0 0 .5rem;font-size:1.25rem">'
        "The last rebuild failed</h2>"
        '<p style="margin:0 0 .5rem">This is the last good build. Fix these problems and save; '
        "the page reloads by itself.</p>"
        f'<ul style="margin:0;padding-inline-start:1.5rem">{items}</ul></section>\n'
    )


def problems_page(snapshot: Snapshot) -> bytes:
    """The page served while there is no good build yet."""
    page = (
        '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        "<title>Build failed - statuspage serve</title>\n</head>\n<body>\n</body>\n</html>\n"
    )
    return decorate_html(page.encode(), snapshot)


def host_name(header: str) -> str | None:
    """The name a Host header gives, lower case and without its port; None if malformed."""
    value = header.strip().lower()
    if value.startswith("["):  # an IPv6 address
        end = value.find("]") + 1
        if not end:
            return None
        name, rest = value[:end], value[end:]
    else:
        name, colon, port = value.partition(":")
        rest = colon + port
    port = rest[1:]
    if rest and not (rest[0] == ":" and port.isascii() and port.isdigit() and len(port) <= 5):
        return None
    return name or None


class HostCheck:
    """Which Host names a server bound to `host` answers."""

    def __init__(self, host: str) -> None:
        bound = host.strip().lower()
        self.any_address = bound in WILDCARDS
        shown = f"[{bound}]" if ":" in bound else bound
        self.names = frozenset({*LOCAL_NAMES, *([shown] if not self.any_address else [])})

    def allows(self, header: str | None) -> bool:
        """Whether a request with this Host header (None: none sent) is answered.

        A request without one is, as no browser sends it: HTTP/1.0 clients, and tools.
        """
        if header is None:
            return True
        name = host_name(header)
        if name is None:
            return False
        if name in self.names:
            return True
        return self.any_address and _is_address(name)

    def refusal(self) -> bytes:
        names = [name for name in LOCAL_NAMES if name in self.names]
        names += sorted(self.names - set(LOCAL_NAMES))
        also = " or an IP address of this machine" if self.any_address else ""
        return (
            "Misdirected request: this statuspage preview answers only requests for "
            f"{', '.join(names)}{also} (start it with --host NAME to answer NAME).\n"
        ).encode()


def _is_address(name: str) -> bool:
    bracketed = name.startswith("[")
    try:
        address = ipaddress.ip_address(name[1:-1] if bracketed else name)
    except ValueError:
        return False
    return bracketed == (address.version == 6)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = BACKLOG

    def __init__(
        self,
        address: tuple[str, int],
        live: LiveSite,
        echo: Echo,
        *,
        idle_timeout: float = IDLE_TIMEOUT,
    ) -> None:
        self.address_family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        self.live = live
        self.echo = echo
        self.hosts = HostCheck(address[0])
        #: Seconds a connection may stay silent; the event stream speaks more often.
        self.idle_timeout = idle_timeout
        self.heartbeat = idle_timeout / 2
        self._refused: set[str] = set()
        self._refused_lock = threading.Lock()
        super().__init__(address, _Handler)

    def note_refused(self, header: str) -> None:
        """Say once per name that a request for it was refused, so a user asking by a name
        the server does not answer learns why."""
        with self._refused_lock:
            if header in self._refused or len(self._refused) >= MAX_REFUSED_SHOWN:
                return
            self._refused.add(header)
        self.echo(
            f"Refused a request for host {header[:100]!r}: not a name this server answers "
            "(give it with --host to answer it)."
        )


class _Handler(BaseHTTPRequestHandler):
    server_version = f"statuspage/{__version__}"
    server: _Server

    def setup(self) -> None:
        super().setup()
        self.connection.settimeout(self.server.idle_timeout)  # reads and writes alike

    def do_GET(self) -> None:
        self._answer(with_body=True)

    def do_HEAD(self) -> None:
        self._answer(with_body=False)

    def log_message(self, format: str, *args: object) -> None:
        """Stay quiet: one line per rebuild is what the terminal is for (MkDocs)."""

    def _answer(self, *, with_body: bool, again: bool = True) -> None:
        # A client gone or silent too long: nothing to say to it (TimeoutError, raised by
        # the socket's timeout, is what the base class closes the connection on).
        with contextlib.suppress(ConnectionError):
            hosts = self.headers.get_all("Host") or []
            if len(hosts) > 1 or not self.server.hosts.allows(hosts[0] if hosts else None):
                self._refuse(", ".join(hosts), with_body)
                return
            path = self.path.split("?", 1)[0].split("#", 1)[0]
            snapshot = self.server.live.snapshot
            if path.startswith(INTERNAL_PREFIX):
                self._internal(path, snapshot, with_body)
            elif snapshot.site is None:
                page = problems_page(snapshot)
                self._send(HTTPStatus.SERVICE_UNAVAILABLE, CONTENT_TYPES[".html"], page, with_body)
            else:
                self._send_file(snapshot, snapshot.site, path, with_body, again)

    def _refuse(self, host: str, with_body: bool) -> None:
        """421 Misdirected Request: a Host this server does not answer (DNS rebinding)."""
        self.server.note_refused(host)
        body = self.server.hosts.refusal()
        self.close_connection = True
        self._send(HTTPStatus.MISDIRECTED_REQUEST, "text/plain; charset=utf-8", body, with_body)

    def _internal(self, path: str, snapshot: Snapshot, with_body: bool) -> None:
        """serve's own endpoints: for its pages only, so no other origin may read them."""
        if path == EVENTS_PATH:
            self._stream_events(with_body)
        elif path == PROBLEMS_PATH:
            self._send(HTTPStatus.OK, CONTENT_TYPES[".json"], snapshot.to_json(), with_body)
        else:
            body = b"Not found\n"
            self._send(HTTPStatus.NOT_FOUND, "text/plain; charset=utf-8", body, with_body)

    def _send_file(
        self, snapshot: Snapshot, site: Site, path: str, with_body: bool, again: bool
    ) -> None:
        try:
            found = locate(site, path)
            status = HTTPStatus.OK
            if found is None:
                body = site.get("404.html")
                status, found = HTTPStatus.NOT_FOUND, None if body is None else ("404.html", body)
        except Exception as error:  # a template failed on this page: show the last good one
            report(self.server.live, site, error, self.server.echo)
            if again:
                self._answer(with_body=with_body, again=False)
            else:
                self._send(HTTPStatus.INTERNAL_SERVER_ERROR, "text/plain", b"", with_body)
            return
        if isinstance(found, Redirect):
            moved = HTTPStatus.MOVED_PERMANENTLY
            self._send(moved, "text/plain", b"", with_body, found.location, public=True)
            return
        if found is None:  # no 404.html
            body = b"Not found\n"
            self._send(
                HTTPStatus.NOT_FOUND, "text/plain; charset=utf-8", body, with_body, public=True
            )
            return
        name, body = found
        # The site's own files, as a static host serves them: other origins may read them
        # (SPEC "Commands"), but not a page that carries the problems of a failed rebuild.
        public = True
        if name.endswith(".html"):
            body = decorate_html(body, snapshot)
            public = not snapshot.problems
        self._send(status, content_type(name), body, with_body, public=public)

    def _send(
        self,
        status: HTTPStatus,
        kind: str,
        body: bytes,
        with_body: bool,
        location: str = "",
        *,
        public: bool = False,
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        if location:
            self.send_header("Location", location)
        self._common_headers(public)
        if with_body:
            self.wfile.write(body)

    def _common_headers(self, public: bool) -> None:
        if public:  # like the static hosts: widgets on other origins may read the site
            self.send_header("Access-Control-Allow-Origin", "*")
        else:  # not even embedded by a page of another origin
            self.send_header("Cross-Origin-Resource-Policy", "same-origin")
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()

    def _stream_events(self, with_body: bool) -> None:
        """Send the current build at once, then one event per rebuild, and a comment
        whenever nothing else was sent for half the idle timeout."""
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self._common_headers(public=False)
        if not with_body:
            return
        self.wfile.write(b"retry: 1000\n\n")
        self.wfile.flush()
        seen = -1
        heartbeat = self.server.heartbeat
        while (snapshot := self.server.live.wait_after(seen, heartbeat)) is not None:
            if snapshot.generation == seen:
                self.wfile.write(b": heartbeat\n\n")
            else:
                seen = snapshot.generation
                self.wfile.write(b"event: build\ndata: " + snapshot.to_json() + b"\n\n")
            self.wfile.flush()


# --- the command ------------------------------------------------------------------------


def serve(
    config_path: Path, host: str, port: int, now: datetime | None, *, echo: Echo = write_line
) -> None:
    """Serve the site from memory and rebuild it on changes until Ctrl-C."""
    try:
        # The signal handlers are restored after the clean-up, so a signal during it
        # still ends as KeyboardInterrupt and every clean-up step still runs.
        with _signals_interrupt(), contextlib.ExitStack() as cleanup, fewer_collections():
            _run(config_path, host, port, now, echo, cleanup)
    except KeyboardInterrupt:
        echo("Stopped.")


def _run(
    config_path: Path,
    host: str,
    port: int,
    now: datetime | None,
    echo: Echo,
    cleanup: contextlib.ExitStack,
) -> None:
    live = LiveSite()
    cleanup.callback(live.close)
    server = _open_server(host, port, live, echo)
    cleanup.callback(server.server_close)
    builder = Builder(config_path, now, live, echo)
    sources = SourcePaths.beside(config_path)
    watcher: Watcher | None = None

    def rebuild(changed: set[Path]) -> None:
        if watcher is not None:
            watcher.refresh()
        builder.rebuild(changed)

    debouncer = Debouncer(rebuild)
    watcher = _start_watching(sources, debouncer.poke)
    cleanup.callback(watcher.stop)
    checker = Checker(live, echo)
    builder.rebuild()
    debouncer.start()
    cleanup.callback(debouncer.stop)
    checker.start()
    cleanup.callback(checker.stop)
    echo(f"Serving on {_url(server)}")
    if not _is_loopback(host):
        echo(
            "Anyone who can reach this address can read the preview, drafts and problems "
            "included; serve binds 127.0.0.1 unless given --host."
        )
    echo(
        f"Watching {display_path(sources.config)}, {EVENT_DIR}/, {TEMPLATE_DIR}/ and "
        f"{LOCALE_DIR}/; Ctrl-C stops."
    )
    server.serve_forever()


def _open_server(host: str, port: int, live: LiveSite, echo: Echo) -> _Server:
    try:
        return _Server((host, port), live, echo)
    except OSError as error:
        raise StatusPageError(
            f"cannot listen on {host}:{port}: {error.strerror or error}"
        ) from None


def _start_watching(sources: SourcePaths, poke: Callable[[Iterable[Path]], None]) -> Watcher:
    try:
        watcher = Watcher(sources, poke)
        watcher.start()
    except OSError as error:
        where = display_path(sources.config.parent)
        raise StatusPageError(f"cannot watch {where}: {error.strerror or error}") from None
    return watcher


def _is_loopback(host: str) -> bool:
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip()).is_loopback
    except ValueError:
        return False  # a name: it may resolve to any address


def _url(server: _Server) -> str:
    host, port = server.server_address[:2]
    shown = f"[{host!s}]" if ":" in str(host) else str(host)
    return f"http://{shown}:{port}/"


@contextlib.contextmanager
def _signals_interrupt() -> Iterator[None]:
    """Make SIGINT and SIGTERM stop the server the same clean way (status 0, "Stopped.")."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.signal(sig, _interrupt) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt
