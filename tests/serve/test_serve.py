"""`statuspage serve` as a user meets it: the real server in a subprocess on a free port.

Every wait is bounded and every server is stopped in a `finally` (issue 5).
"""

from __future__ import annotations

import contextlib
import errno
import functools
import html
import http.client
import json
import os
import queue
import selectors
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from statuspage.serve.incremental import Project as Project_
from statuspage.serve.server import (
    EVENTS_PATH,
    PROBLEMS_PATH,
    Builder,
    Checker,
    LiveSite,
    Redirect,
    SourcePaths,
    _Server,
    locate,
)
from tests.conftest import EXAMPLE_NOW, Project, copy_example

NOW = "2026-11-23T10:00"
#: The longest any step may take before the test fails (never a hang).
WAIT = 20.0  # generous: a busy CI machine runs two test files at once
#: Issue 5: an edit shows on the page within 2 seconds.
REBUILT_WITHIN = 2.0
EVENT_ID = "2026-11-23-email"
INCIDENT = """\
    type: incident
    title: {title}
    impact: critical
    components: [email]
    updates:
      - at: 2026-11-23T09:00
        status: investigating
        message: Nobody can send email.
"""
BROKEN_YAML = "type: incident\ntitle: [\n"


@dataclass(frozen=True)
class Response:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")


class Server:
    """`statuspage serve --port 0` in a subprocess; a thread collects what it prints."""

    def __init__(self, root: Path, host: str = "127.0.0.1") -> None:
        env = {name: value for name, value in os.environ.items() if name != "STATUSPAGE_NOW"}
        self.host = host
        command = ["serve", "--host", host, "--port", "0", "--now", NOW]
        self.process = subprocess.Popen(
            [sys.executable, "-m", "statuspage", *command],
            cwd=root,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            encoding="utf-8",
        )
        self.lines: list[str] = []
        self._printed = threading.Condition()
        self._ended = False
        self._collector = threading.Thread(target=self._collect, daemon=True)
        self._collector.start()
        self.port = 0

    def start(self) -> Server:
        shown = f"http://{self.host}:"
        serving = self.wait_for_line(lambda line: line.startswith(f"Serving on {shown}"))
        self.port = int(serving.rstrip("/").rsplit(":", 1)[1])
        return self

    def _collect(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            with self._printed:
                self.lines.append(line.rstrip("\n"))
                self._printed.notify_all()
        with self._printed:
            self._ended = True
            self._printed.notify_all()

    def wait_for_line(self, wanted: Callable[[str], bool], after: int = 0) -> str:
        """The first line printed after the first `after` lines that is `wanted`."""
        with self._printed:
            self._printed.wait_for(
                lambda: self._ended or any(map(wanted, self.lines[after:])), timeout=WAIT
            )
            found = [line for line in self.lines[after:] if wanted(line)]
        if not found:
            pytest.fail("not printed in time; the output was:\n" + "\n".join(self.lines))
        return found[0]

    def request(
        self, path: str, method: str = "GET", headers: dict[str, str] | None = None
    ) -> Response:
        return fetch(self.port, path, method, headers)

    def poll(self, path: str, done: Callable[[Response], bool], within: float = WAIT) -> Response:
        """Request `path` until the response is `done`, for at most `within` seconds."""
        deadline = time.monotonic() + within
        while True:
            response = self.request(path)
            if done(response):
                return response
            if time.monotonic() > deadline:
                pytest.fail(f"{path} not as expected within {within} s: {response.text[:500]}")
            time.sleep(0.05)

    def stop(self, sig: signal.Signals = signal.SIGINT) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
        try:
            return self.process.wait(WAIT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise
        finally:
            self._collector.join(WAIT)
            assert self.process.stdout is not None
            self.process.stdout.close()

    def printed(self) -> str:
        with self._printed:
            self._printed.wait_for(lambda: self._ended, timeout=WAIT)
            return "\n".join(self.lines)


def fetch(
    port: int, path: str, method: str = "GET", headers: dict[str, str] | None = None
) -> Response:
    """One request to 127.0.0.1:`port` (with `headers`, such as another Host)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=WAIT)
    try:
        connection.request(method, path, headers=headers or {})
        response = connection.getresponse()
        return Response(response.status, response.headers, response.read())
    finally:
        connection.close()


@contextlib.contextmanager
def running(root: Path, host: str = "127.0.0.1") -> Iterator[Server]:
    server = Server(root, host)
    try:
        yield server.start()
    finally:
        with contextlib.suppress(subprocess.TimeoutExpired):
            server.stop()


class EventStream:
    """The server-sent events of `EVENTS_PATH`, parsed in a thread into a queue.

    A plain socket, so that closing it also ends the reading thread.
    """

    def __init__(self, port: int) -> None:
        self._socket = socket.create_connection(("127.0.0.1", port), timeout=WAIT * 2)
        self._socket.sendall(f"GET {EVENTS_PATH} HTTP/1.0\r\n\r\n".encode())
        self._stream = self._socket.makefile("rb")
        self.head = self._read_head()
        self.events: queue.Queue[tuple[str, dict[str, Any]]] = queue.Queue()
        #: The comments (keep-alives) read so far.
        self.comments = 0
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read_head(self) -> list[str]:
        head = []
        while (line := self._stream.readline().decode("latin-1").rstrip("\r\n")) != "":
            head.append(line)
        return head

    def _read(self) -> None:
        kind, data = "message", ""
        with contextlib.suppress(OSError, ValueError):
            while line := self._stream.readline().decode("utf-8"):
                if line.startswith("event: "):
                    kind = line.removeprefix("event: ").strip()
                elif line.startswith("data: "):
                    data += line.removeprefix("data: ").strip()
                elif line.startswith(":"):
                    self.comments += 1
                elif line == "\n" and data:
                    self.events.put((kind, json.loads(data)))
                    kind, data = "message", ""

    def next(self) -> tuple[str, dict[str, Any]]:
        try:
            return self.events.get(timeout=WAIT)
        except queue.Empty:
            pytest.fail(f"no event on {EVENTS_PATH} within {WAIT} s")

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._socket.shutdown(socket.SHUT_RDWR)
        self._reader.join(WAIT)
        self._stream.close()
        self._socket.close()


@pytest.fixture
def server(project: Project) -> Iterator[Server]:
    project.write_event(EVENT_ID, INCIDENT.format(title="Email is down"))
    with running(project.root) as served:
        yield served


def test_serve_answers_get_and_head_like_a_static_host(server: Server) -> None:
    page = server.request("/")
    assert page.status == 200
    assert "Email is down" in page.text
    assert page.headers["Content-Type"] == "text/html; charset=utf-8"
    assert page.headers["Access-Control-Allow-Origin"] == "*"
    assert page.headers["Cache-Control"] == "no-store"
    head = server.request("/", method="HEAD")
    assert (head.status, head.body) == (200, b"")
    assert head.headers["Content-Length"] == str(len(page.body))
    assert head.headers["Access-Control-Allow-Origin"] == "*"
    event = server.request(f"/incidents/{EVENT_ID}/")
    assert event.status == 200
    assert "Nobody can send email." in event.text


CONTENT_TYPES = {
    "/feed.json": "application/json",
    "/api/v2/summary.json": "application/json",
    "/calendar.ics": "text/calendar",
    "/feed.atom": "application/atom+xml",
    "/history.rss": "application/rss+xml",
    "/static/style.css": "text/css",
    "/badge.svg": "image/svg+xml",
}


def test_serve_sends_content_type_by_extension(server: Server) -> None:
    for path, kind in CONTENT_TYPES.items():
        response = server.request(path, method="HEAD")
        assert response.status == 200, path
        assert response.headers["Content-Type"].split(";")[0] == kind, path


def test_serve_redirects_directory_without_slash_and_serves_404_page(server: Server) -> None:
    moved = server.request(f"/incidents/{EVENT_ID}?x=1")
    assert moved.status == 301
    assert moved.headers["Location"] == f"/incidents/{EVENT_ID}/"
    missing = server.request("/no-such-page/")
    assert missing.status == 404
    assert missing.headers["Content-Type"] == "text/html; charset=utf-8"


def test_serve_serves_what_build_writes_with_the_reload_script_in_html_only(
    server: Server, project: Project, tmp_path: Path
) -> None:
    built = tmp_path / "built"
    subprocess.run(
        [sys.executable, "-m", "statuspage", "build", "--now", NOW, "--output", str(built)],
        cwd=project.root,
        check=True,
        capture_output=True,
        timeout=60,
    )
    served = server.request("/").text
    assert "<script data-statuspage-serve>" in served
    assert EVENTS_PATH in served
    start = served.index("<script data-statuspage-serve>")
    assert start < served.rindex("</body>")
    end = served.index("</script>\n", start) + len("</script>\n")
    assert served[:start] + served[end:] == (built / "index.html").read_text(encoding="utf-8")
    for path in ["feed.atom", "calendar.ics", "api/v2/summary.json", "static/style.css"]:
        assert server.request(f"/{path}").body == (built / path).read_bytes(), path


def test_serve_never_writes_into_the_repository(server: Server, project: Project) -> None:
    server.request("/")
    assert not (project.root / "site").exists()
    # Only the parse cache, which every command keeps beside the sources (git-ignored).
    assert sorted(path.name for path in project.root.iterdir()) == [
        ".statuspage-cache",
        "incidents",
        "statuspage.yaml",
    ]


TRAVERSALS = [
    "/../statuspage.yaml",
    "/../site/index.html",
    "/%2e%2e/site/index.html",
    "/%2E%2E/%2e%2e/statuspage.yaml",
    "/..%2fsite/index.html",
    "/static/..%2f..%2fsite/index.html",
    "/incidents/../../site/index.html",
    "/./index.html",
    "//etc/passwd",
    "/\\..\\statuspage.yaml",
    "/%5c..%5cstatuspage.yaml",
    "/index.html%00.css",
    "/%ff",
    "/.statuspage-build",
    "http://127.0.0.1/../site/index.html",
]


def test_serve_refuses_traversal(server: Server, project: Project) -> None:
    absolute = "/" + str(project.config_path)
    for path in [*TRAVERSALS, absolute]:
        response = server.request(path)
        assert response.status == 404, path
        assert b"components:" not in response.body, path


def test_serve_lists_no_directory(server: Server) -> None:
    for path in ["/static/", "/api/", "/api/v2/", "/incidents/", "/static", "/api/v2"]:
        assert server.request(path).status == 404, path


def test_serve_rebuilds_after_edit_and_sends_reload_event(server: Server, project: Project) -> None:
    stream = EventStream(server.port)
    try:
        assert stream.head[0] == "HTTP/1.0 200 OK"
        assert "Content-Type: text/event-stream; charset=utf-8" in stream.head
        kind, first = stream.next()  # the current build, at once
        assert (kind, first["generation"], first["ok"]) == ("build", 1, True)
        before = len(server.lines)
        project.write_event(EVENT_ID, INCIDENT.format(title="Outgoing email is delayed"))
        built = server.wait_for_line(lambda line: line.startswith("Built "), after=before)
        assert built.endswith(f" s (incidents/{EVENT_ID}.yaml changed).")
        page = server.poll(
            f"/incidents/{EVENT_ID}/",
            lambda response: "Outgoing email is delayed" in response.text,
            within=REBUILT_WITHIN,
        )
        assert page.status == 200
        kind, event = stream.next()
        assert (kind, event["ok"], event["problems"]) == ("build", True, [])
        assert event["generation"] > 1
        assert event["build"] != first["build"]
    finally:
        stream.close()


def test_serve_shows_problems_of_broken_file_until_fixed(server: Server, project: Project) -> None:
    before = len(server.lines)
    project.write_event(EVENT_ID, BROKEN_YAML)
    failed = server.wait_for_line(lambda line: line.startswith("Build failed"), after=before)
    assert failed == (
        "Build failed: 1 error in 1 file; still serving the last good build until it is fixed."
    )
    problem = server.wait_for_line(lambda line: line.startswith("incidents/"), after=before)
    assert problem.startswith(f"incidents/{EVENT_ID}.yaml:3:1: ")
    page = server.poll("/", lambda response: "statuspage-serve-problems" in response.text)
    assert page.status == 200
    assert 'role="alert"' in page.text
    assert problem in page.text
    assert "Email is down" in page.text  # the last good build stays served
    report = json.loads(server.request(PROBLEMS_PATH).body)
    assert (report["ok"], report["problems"]) == (False, [problem])

    project.write_event(EVENT_ID, INCIDENT.format(title="Email is back"))
    fixed = server.poll("/", lambda response: "Email is back" in response.text)
    assert "statuspage-serve-problems" not in fixed.text
    assert json.loads(server.request(PROBLEMS_PATH).body)["ok"] is True


def test_serve_escapes_problems_on_the_page(server: Server, project: Project) -> None:
    project.write_event(
        EVENT_ID, INCIDENT.format(title="Email is down") + '    "<em>oops</em>": 1\n'
    )
    page = server.poll("/", lambda response: "statuspage-serve-problems" in response.text)
    assert "unknown field &#x27;&lt;em&gt;oops&lt;/em&gt;&#x27;" in page.text
    assert "<em>oops</em>" not in page.text


def test_serve_starts_with_a_broken_file_and_recovers(project: Project) -> None:
    project.write_event(EVENT_ID, BROKEN_YAML)
    with running(project.root) as server:
        assert (
            "Build failed: 1 error in 1 file; showing the problems until it is fixed."
            in "\n".join(server.lines)
        )
        page = server.request("/")
        assert page.status == 503
        assert f"incidents/{EVENT_ID}.yaml:3:1: " in page.text
        assert EVENTS_PATH in page.text
        project.write_event(EVENT_ID, INCIDENT.format(title="Email is down"))
        fixed = server.poll("/", lambda response: response.status == 200)
        assert "Email is down" in fixed.text


def test_serve_watches_templates_created_while_serving(server: Server, project: Project) -> None:
    templates = project.root / "templates"
    templates.mkdir()
    (templates / "base.html").write_text(
        '{% extends "!builtin/base.html" %}{% block head %}<meta name="x-test" content="one">'
        "{% endblock %}",
        encoding="utf-8",
    )
    server.poll("/", lambda response: 'content="one"' in response.text)
    (templates / "base.html").write_text(
        '{% extends "!builtin/base.html" %}{% block head %}<meta name="x-test" content="two">'
        "{% endblock %}",
        encoding="utf-8",
    )
    server.poll("/", lambda response: 'content="two"' in response.text)


def test_serve_reports_a_template_failing_on_a_page_nobody_opened(
    server: Server, project: Project
) -> None:
    """Pages are rendered as they are asked for, and a rebuild renders one page of each
    new template; the background check renders the rest, so a template that fails only
    on the email component's page (not the first of its kind) is reported all the same."""
    server.wait_for_line(lambda line: line.startswith("Rendered all "))
    before = len(server.lines)
    (project.root / "templates").mkdir()
    (project.root / "templates" / "component.html").write_text(
        '{% extends "!builtin/component.html" %}\n{% block title %}'
        "{% if component.component.id == 'email' %}{{ nope.x }}{% endif %}{% endblock %}\n",
        encoding="utf-8",
    )
    server.wait_for_line(lambda line: line.startswith("Built"), after=before)  # shown first
    failed = server.wait_for_line(lambda line: line.startswith("Build failed"), after=before)
    assert failed == "Build failed: 1 error; still serving the last good build until it is fixed."
    problem = "templates/component.html:2:63: template error: 'nope' is undefined"
    assert problem in server.lines[before:]
    page = server.poll("/", lambda response: "statuspage-serve-problems" in response.text)
    assert html.escape(problem) in page.text
    component = server.request("/components/email/")
    assert component.status == 200  # the last good build's page, with the problems
    assert "statuspage-serve-problems" in component.text
    assert "<title>Email" in component.text

    (project.root / "templates" / "component.html").unlink()
    fixed = server.poll("/", lambda response: "statuspage-serve-problems" not in response.text)
    assert "Email is down" in fixed.text
    server.wait_for_line(lambda line: line.startswith("Rendered all "), after=before)


def test_a_page_failing_when_asked_for_gives_way_to_the_last_good_build(
    project: Project,
) -> None:
    """In process, without the background check: the request that finds a page failing
    is answered with the last good build's page and the problem."""
    project.write_event(EVENT_ID, INCIDENT.format(title="Email is down"))
    older = "2026-11-20-email"
    project.write_event(older, INCIDENT.format(title="Email was slow").replace("23T", "20T"))
    sources = Project_(project.config_path)
    good = sources.refresh(datetime.fromisoformat(NOW))
    live, lines = LiveSite(), list[str]()
    live.publish(good)
    live.mark_good(good)
    (project.root / "templates").mkdir()
    (project.root / "templates" / "event.html").write_text(
        '{% extends "!builtin/event.html" %}\n{% block title %}'
        "{% if entry.id == '2026-11-20-email' %}{{ nope.x }}{% endif %}{% endblock %}\n",
        encoding="utf-8",
    )
    live.publish(sources.refresh(datetime.fromisoformat(NOW)))  # its newest event renders
    server = _Server(("127.0.0.1", 0), live, lines.append)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        connection = http.client.HTTPConnection("127.0.0.1", server.server_address[1], timeout=WAIT)
        connection.request("GET", f"/incidents/{older}/")
        response = connection.getresponse()
        page = response.read().decode("utf-8")
        connection.close()
    finally:
        server.shutdown()
        server.server_close()
    assert response.status == 200
    problem = "templates/event.html:2:60: template error: 'nope' is undefined"
    assert html.escape(problem) in page
    assert "<title>Email was slow" in page  # the last good build's page
    assert live.snapshot.site is good
    assert lines == [
        problem,
        "Build failed: 1 error; still serving the last good build until it is fixed.",
    ]


def test_serve_watches_incidents_deleted_and_made_again(server: Server, project: Project) -> None:
    """`rm -rf incidents && mkdir incidents && cp ...`: the new directory may get the old
    one's inode number (ext4 does), and is watched all the same."""
    incidents = project.root / "incidents"
    for attempt in range(3):
        saved = {path.name: path.read_bytes() for path in incidents.iterdir()}
        shutil.rmtree(incidents)
        incidents.mkdir()
        for name, data in saved.items():
            (incidents / name).write_bytes(data)
        before = len(server.lines)
        server.wait_for_line(lambda line: line.startswith("Built"), after=before)
        project.write_event(EVENT_ID, INCIDENT.format(title=f"Email is down again {attempt}"))
        wanted = f"Email is down again {attempt}"
        server.poll("/", functools.partial(_shows, wanted))
        project.write_event(EVENT_ID, INCIDENT.format(title="Email is down"))


def test_serve_debounces_a_burst_of_writes(server: Server, project: Project) -> None:
    before = len(server.lines)
    for title in ("One", "Two", "Three", "Four", "Five"):
        project.write_event(EVENT_ID, INCIDENT.format(title=title))
    server.poll("/", lambda response: "Five" in response.text)
    time.sleep(0.5)
    rebuilds = [line for line in server.lines[before:] if line.startswith("Built ")]
    assert 1 <= len(rebuilds) <= 2


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_serve_stops_cleanly(project: Project, sig: signal.Signals) -> None:
    with running(project.root) as server:
        assert server.request("/").status == 200
        assert server.stop(sig) == 0
        output = server.printed()
    assert output.splitlines()[-1] == "Stopped."
    assert "Traceback" not in output


def test_serve_reports_a_port_in_use(project: Project) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "statuspage", "serve", "--port", str(port), "--now", NOW],
            cwd=project.root,
            capture_output=True,
            text=True,
            timeout=WAIT * 2,
            check=False,
        )
    assert result.returncode == 1
    assert f"Error: cannot listen on 127.0.0.1:{port}: " in result.stderr


# --- for the operator only (issue 24) ----------------------------------------------------

REFUSAL = (
    "Misdirected request: this statuspage preview answers only requests for localhost, "
    "127.0.0.1, [::1] (start it with --host NAME to answer NAME).\n"
)
FOREIGN_HOSTS = [
    "evil.example",
    "evil.example:{port}",
    "localhost.evil.example:{port}",
    "127.0.0.1.nip.io:{port}",
    "[::1].evil.example",
    "localhost:http",
    "localhost:{port}:{port}",
    "[::1",
    "",
]
OWN_HOSTS = [
    "localhost",
    "localhost:{port}",
    "LocalHost:{port}",
    "127.0.0.1",
    "127.0.0.1:{port}",
    "[::1]:{port}",
    "localhost:9000",  # through `ssh -L 9000:localhost:PORT`
]
SITE_PATHS = ["/", f"/incidents/{EVENT_ID}/", "/feed.atom", "/api/v2/summary.json", "/badge.svg"]
INTERNAL_PATHS = [PROBLEMS_PATH, EVENTS_PATH, "/__statuspage/", "/__statuspage/nothing"]


def test_serve_refuses_a_host_it_is_not_bound_to(server: Server) -> None:
    """A page on another site reaching the preview through a name of its own (DNS
    rebinding) gets neither the site nor serve's endpoints: 421, and a short plain text."""
    for template in FOREIGN_HOSTS:
        host = template.format(port=server.port)
        for path in [*SITE_PATHS, *INTERNAL_PATHS]:
            for method in ["GET", "HEAD"]:
                response = server.request(path, method, {"Host": host})
                assert response.status == 421, (host, path, method)
                assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
                assert response.body == (REFUSAL.encode() if method == "GET" else b"")
                assert "Access-Control-Allow-Origin" not in response.headers
    printed = server.wait_for_line(lambda line: "evil.example'" in line)
    assert printed == (
        "Refused a request for host 'evil.example': not a name this server answers "
        "(give it with --host to answer it)."
    )
    assert sum("'evil.example'" in line for line in server.lines) == 1  # once per name


def test_serve_refuses_two_host_headers(server: Server) -> None:
    with socket.create_connection(("127.0.0.1", server.port), timeout=WAIT) as client:
        client.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\nHost: evil.example\r\n\r\n")
        answer = client.makefile("rb").read()
    assert answer.startswith(b"HTTP/1.0 421 Misdirected Request\r\n")
    assert answer.endswith(REFUSAL.encode())


def test_serve_answers_the_names_it_is_bound_to(server: Server) -> None:
    for template in OWN_HOSTS:
        host = template.format(port=server.port)
        response = server.request("/", headers={"Host": host})
        assert response.status == 200, host
        assert "Email is down" in response.text
    # No Host at all: HTTP/1.0 tools; no browser sends such a request.
    with socket.create_connection(("127.0.0.1", server.port), timeout=WAIT) as client:
        client.sendall(b"GET / HTTP/1.0\r\n\r\n")
        assert client.makefile("rb").readline() == b"HTTP/1.0 200 OK\r\n"


def test_serve_answers_the_host_it_was_given(project: Project) -> None:
    project.write_event(EVENT_ID, INCIDENT.format(title="Email is down"))
    with running(project.root, host="127.0.0.2") as server:
        connection = http.client.HTTPConnection("127.0.0.2", server.port, timeout=WAIT)
        try:
            connection.request("GET", "/")  # Host: 127.0.0.2:PORT
            assert connection.getresponse().status == 200
        finally:
            connection.close()
        for host, status in [("localhost", 200), ("127.0.0.3", 421), ("evil.example", 421)]:
            connection = http.client.HTTPConnection("127.0.0.2", server.port, timeout=WAIT)
            try:
                connection.request("GET", "/", headers={"Host": host})
                response = connection.getresponse()
                assert response.status == status, host
            finally:
                connection.close()
        assert response.read().decode() == (
            "Misdirected request: this statuspage preview answers only requests for "
            "localhost, 127.0.0.1, [::1], 127.0.0.2 (start it with --host NAME to answer NAME).\n"
        )
        assert not any(line.startswith("Anyone who can reach") for line in server.lines)


def test_serve_on_every_interface_answers_its_addresses_and_says_who_can_read(
    project: Project,
) -> None:
    """--host 0.0.0.0 shares the preview: any IP address of the machine may be asked for
    (an address is never a rebound name), and the terminal says the preview is open."""
    project.write_event(EVENT_ID, INCIDENT.format(title="Email is down"))
    with running(project.root, host="0.0.0.0") as server:
        warning = server.wait_for_line(lambda line: line.startswith("Anyone"))
        assert warning == (
            "Anyone who can reach this address can read the preview, drafts and problems "
            "included; serve binds 127.0.0.1 unless given --host."
        )
        for host in ["192.0.2.7:8000", "[2001:db8::7]:8000", "10.0.0.5", "localhost"]:
            assert server.request("/", headers={"Host": host}).status == 200, host
        for host in ["evil.example", "192.0.2.7.nip.io", "[192.0.2.7]", "2001:db8::7"]:
            refused = server.request("/", headers={"Host": host})
            assert refused.status == 421, host
        assert refused.text == (
            "Misdirected request: this statuspage preview answers only requests for "
            "localhost, 127.0.0.1, [::1] or an IP address of this machine "
            "(start it with --host NAME to answer NAME).\n"
        )


def test_only_the_sites_files_may_be_read_by_other_origins(
    server: Server, project: Project
) -> None:
    origin = {"Origin": "https://widget.example"}
    for path in [*SITE_PATHS, "/static/style.css", "/no-such-page/", f"/incidents/{EVENT_ID}"]:
        for method in ["GET", "HEAD"]:
            response = server.request(path, method, origin)
            assert response.status in (200, 301, 404), path
            assert response.headers["Access-Control-Allow-Origin"] == "*", (path, method)
    for path in INTERNAL_PATHS:
        response = server.request(path, "HEAD", origin)
        assert response.status in (200, 404), path
        assert "Access-Control-Allow-Origin" not in response.headers, path
        assert response.headers["Cross-Origin-Resource-Policy"] == "same-origin", path
    stream = EventStream(server.port)
    try:
        assert not any(line.lower().startswith("access-control") for line in stream.head)
    finally:
        stream.close()
    # A page that shows the problems of a failed rebuild is serve's, not the site's.
    project.write_event(EVENT_ID, BROKEN_YAML)
    page = server.poll("/", lambda response: "statuspage-serve-problems" in response.text)
    assert "Access-Control-Allow-Origin" not in page.headers
    assert server.request("/api/v2/summary.json").headers["Access-Control-Allow-Origin"] == "*"


def test_the_problems_page_may_not_be_read_by_other_origins(project: Project) -> None:
    project.write_event(EVENT_ID, BROKEN_YAML)
    with running(project.root) as server:
        page = server.request("/", headers={"Origin": "https://widget.example"})
        assert page.status == 503
        assert "Access-Control-Allow-Origin" not in page.headers


def test_serve_takes_many_parallel_connections_at_once(server: Server) -> None:
    """A browser opening many pages at once: every connect is taken at once (with a
    backlog of 5, a fifth of 150 waited a second for the kernel's retry)."""
    times = connect_all(server.port, 150)
    slowest = max(times.values())
    assert slowest < 0.9, f"a connect took {slowest:.2f} s"
    for client in times:  # and each is answered
        with client:
            client.setblocking(True)
            client.settimeout(WAIT)
            client.sendall(b"GET /static/style.css HTTP/1.0\r\nHost: localhost\r\n\r\n")
            assert client.makefile("rb").readline() == b"HTTP/1.0 200 OK\r\n"


def connect_all(port: int, count: int) -> dict[socket.socket, float]:
    """Open `count` connections at once from one thread (no lock between threads delays
    the clock), and how long each took to be established."""
    waiting = selectors.DefaultSelector()
    began = time.monotonic()
    for _ in range(count):
        client = socket.socket()
        client.setblocking(False)
        assert client.connect_ex(("127.0.0.1", port)) in (0, errno.EINPROGRESS)
        waiting.register(client, selectors.EVENT_WRITE)
    times: dict[socket.socket, float] = {}
    while len(times) < count and time.monotonic() - began < WAIT:
        for key, _ in waiting.select(timeout=WAIT):
            ready = key.fileobj
            assert isinstance(ready, socket.socket)
            assert ready.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0
            times[ready] = time.monotonic() - began
            waiting.unregister(ready)
    waiting.close()
    assert len(times) == count, "not every connection was established"
    return times


@contextlib.contextmanager
def serving_in_process(
    project: Project, idle_timeout: float
) -> Iterator[tuple[_Server, LiveSite, list[str]]]:
    """The server of `statuspage serve` in this process, with a short idle timeout."""
    project.write_event(EVENT_ID, INCIDENT.format(title="Email is down"))
    sources = Project_(project.config_path)
    live, lines = LiveSite(), list[str]()
    live.publish(sources.refresh(datetime.fromisoformat(NOW)))
    server = _Server(("127.0.0.1", 0), live, lines.append, idle_timeout=idle_timeout)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server, live, lines
    finally:
        live.close()
        server.shutdown()
        server.server_close()


def test_an_idle_connection_is_closed_after_the_timeout(project: Project) -> None:
    with serving_in_process(project, idle_timeout=0.3) as (server, _, lines):
        port = server.server_address[1]
        silent = socket.create_connection(("127.0.0.1", port), timeout=WAIT)
        slow = socket.create_connection(("127.0.0.1", port), timeout=WAIT)
        try:
            began = time.monotonic()
            slow.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\n")  # never ends its head
            assert fetch(port, "/").status == 200  # others are answered meanwhile
            assert silent.recv(1) == b""  # closed by the server, without a word
            assert slow.recv(1) == b""
            assert 0.25 < time.monotonic() - began < WAIT
        finally:
            silent.close()
            slow.close()
        assert lines == []  # nothing printed: a silent client is no problem of the site's


def test_the_event_stream_keeps_going_past_the_idle_timeout(project: Project) -> None:
    """The stream sends a comment twice per idle timeout, so an open page keeps its
    connection however long it stays open, and still hears of the next build."""
    with serving_in_process(project, idle_timeout=0.3) as (server, live, _):
        stream = EventStream(server.server_address[1])
        try:
            kind, first = stream.next()
            assert (kind, first["generation"]) == ("build", 1)
            time.sleep(1.2)  # four idle timeouts
            assert stream.comments >= 4
            site = live.snapshot.site
            assert site is not None
            live.publish(site)
            kind, second = stream.next()
            assert (kind, second["generation"]) == ("build", 2)
        finally:
            stream.close()


# --- in process: the pieces the server is made of ---------------------------------------


def test_locate_serves_files_and_index_pages_of_the_site(project: Project) -> None:
    project.write_event(EVENT_ID, INCIDENT.format(title="Email is down"))
    site = Project_(project.config_path).refresh(datetime.fromisoformat(NOW))
    home = site.get("index.html")
    event = site.get(f"incidents/{EVENT_ID}/index.html")
    assert home is not None and event is not None
    assert locate(site, "/") == ("index.html", home)
    assert locate(site, f"/incidents/{EVENT_ID}/") == (f"incidents/{EVENT_ID}/index.html", event)
    assert locate(site, f"/incidents/{EVENT_ID[:-1]}%{ord(EVENT_ID[-1]):02x}/") == (
        f"incidents/{EVENT_ID}/index.html",
        event,
    )
    assert locate(site, f"/incidents/{EVENT_ID}") == Redirect(f"/incidents/{EVENT_ID}/")
    assert locate(site, "/incidents/") is None  # no listing
    assert locate(site, "/feed.atom") == ("feed.atom", site.get("feed.atom"))
    assert locate(site, "/feed.atom/") is None
    assert locate(site, "/../statuspage.yaml") is None
    assert locate(site, "/%2e%2e/statuspage.yaml") is None
    assert locate(site, "index.html") is None


def test_a_site_that_fails_gives_way_to_the_last_one_not_known_to_fail(project: Project) -> None:
    project.write_event(EVENT_ID, INCIDENT.format(title="Email is down"))
    sources = Project_(project.config_path)
    good, bad, worse, newer, newest = (
        sources.refresh(datetime.fromisoformat(NOW)) for _ in range(5)
    )
    live = LiveSite()
    live.publish(good)
    live.mark_good(good)
    live.publish(bad)
    shown = live.fail(bad, ("bad.html:1: template error",))
    assert shown is not None and shown.site is good
    assert shown.problems == ("bad.html:1: template error",)
    assert live.fail(bad, ("again",)) is None  # no longer shown: nothing changes
    # A rebuild failed while `worse` was shown, then `worse` fails too: both are listed.
    live.publish(worse, ("incidents/x.yaml:1:1: error",))
    shown = live.fail(worse, ("worse.html:2: template error",))
    assert shown is not None and shown.site is good
    assert shown.problems == ("incidents/x.yaml:1:1: error", "worse.html:2: template error")
    # Two sites whose checks were cut short: the newest failing gives way to the other.
    live.publish(newer)
    live.publish(newest)
    shown = live.fail(newest, ("newest.html:1: template error",))
    assert shown is not None and shown.site is newer
    shown = live.fail(newer, ("newer.html:1: template error",))
    assert shown is not None and shown.site is good
    # Nothing known not to fail: the problems page.
    live = LiveSite()
    live.publish(bad)
    shown = live.fail(bad, ("bad.html:1: template error",))
    assert shown is not None and shown.site is None


def test_a_failed_rebuild_keeps_the_site_shown_which_is_still_checked(tmp_path: Path) -> None:
    """A template that fails on component pages, then (before its check) a typo in an
    event file: the site shown stays, is checked all the same, and gives way to the last
    good one with both problems."""
    root = tmp_path / "repo"
    config = copy_example(root)
    lines: list[str] = []
    live = LiveSite()
    builder, checker = Builder(config, EXAMPLE_NOW, live, lines.append), Checker(live, lines.append)
    builder.rebuild()
    good = live.snapshot.site
    assert good is not None and good.render_all() is not None
    live.mark_good(good)  # as the check would have
    (root / "templates").mkdir()
    (root / "templates" / "component.html").write_text(  # fails on one component's page
        '{% extends "!builtin/component.html" %}{% block content %}'
        "{% if component.component.id == 'vps' %}{{ nope.x }}{% endif %}{% endblock %}",
        encoding="utf-8",
    )
    builder.rebuild()
    broken = live.snapshot.site
    assert broken is not good
    (root / "incidents" / "2026-11-20-slow-database-responses.yaml").write_text(
        BROKEN_YAML, encoding="utf-8"
    )
    builder.rebuild()  # before the check of `broken` began
    assert live.snapshot.site is broken and live.snapshot.problems
    checker.start()
    try:
        _wait(lambda: live.snapshot.site is good)
        assert [problem.split(": ", 1)[1] for problem in live.snapshot.problems] == [
            "did not find expected node content (while parsing a flow node at line 3)",
            "template error: 'nope' is undefined",
        ]
        assert any("'nope' is undefined" in line for line in lines)
    finally:
        checker.stop()


def _shows(text: str, response: Response) -> bool:
    return text in response.text


def _wait(done: Callable[[], bool]) -> None:
    deadline = time.monotonic() + WAIT * 2
    while not done():
        assert time.monotonic() < deadline, "not in time"
        time.sleep(0.02)


@pytest.mark.parametrize(
    ("relative", "affects"),
    [
        ("statuspage.yaml", True),
        ("incidents", True),
        ("incidents/a.yaml", True),
        ("incidents/a.yml", True),
        ("incidents/.a.yaml.swp", False),
        ("incidents/a.yaml~", False),
        ("incidents/notes.txt", False),
        ("templates", True),
        ("templates/base.html", True),
        ("templates/partials/x.html", True),
        ("locales", True),
        ("locales/de/LC_MESSAGES/messages.po", True),
        ("locales/de/LC_MESSAGES/.messages.po.swp", False),
        ("site/index.html", False),
        ("README.md", False),
        (".git/index", False),
    ],
)
def test_source_paths_tell_which_changes_affect_the_site(
    tmp_path: Path, relative: str, affects: bool
) -> None:
    sources = SourcePaths.beside(tmp_path / "statuspage.yaml")
    assert sources.affects_site(tmp_path.resolve() / relative) is affects
