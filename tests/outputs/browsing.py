"""What the browser tests of the lookup and the embeds share: Debian's chromium driven by
Playwright (as tests/outputs/test_browser.py launches it) and static servers on 127.0.0.1."""

from __future__ import annotations

import contextlib
import functools
import http.server
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from tests.outputs.test_browser import CHROMIUM, FLAGS, _require


class _Handler(http.server.SimpleHTTPRequestHandler):
    """A static host: the files of a directory, with `extra` headers on every answer."""

    extra: Mapping[str, str] = {}

    def end_headers(self) -> None:
        for name, value in self.extra.items():
            self.send_header(name, value)
        super().end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextlib.contextmanager
def serving(directory: Path, headers: Mapping[str, str] | None = None) -> Iterator[str]:
    """Serve `directory` on 127.0.0.1 (any free port) while inside: its base URL."""
    handler = type("Handler", (_Handler,), {"extra": dict(headers or {})})
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(handler, directory=str(directory))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@contextlib.contextmanager
def chromium() -> Iterator[Any]:
    """One headless chromium (skipped where there is none, failed under CI)."""
    _require(Path(CHROMIUM).exists(), "Debian's chromium")
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            yield instance
        finally:
            instance.close()
