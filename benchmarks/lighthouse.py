"""Lighthouse: score the built home page against issue #6's budget.

    python benchmarks/lighthouse.py                  # the example repository at the repo root
    python benchmarks/lighthouse.py --events 10000   # a generated repository (bench.generate)
    python benchmarks/lighthouse.py --runs 3 --keep /tmp/reports

Builds a site (with a fixed --now) into a temporary directory, serves it on 127.0.0.1 as
a static host would (gzip for text, when asked), runs Lighthouse from npm with Debian's
chromium against index.html with the mobile (default) and desktop presets, and prints
the four category scores, index.html's size and gzip size, and the requests the page
made. The budget: 100 in performance, accessibility, best practices and SEO; at most 3
requests; index.html at most 14 KB gzipped (one round trip). Exits 1 when the page is
over budget, naming the audits that failed, and 2 when Lighthouse cannot run.

Lighthouse is installed on first use into benchmarks/.node/ (git-ignored) with
`npm install --prefix`. Lighthouse 12 is pinned: 13 needs Node 22.19 or newer. Run on
demand; never part of the tests.
"""

from __future__ import annotations

import argparse
import functools
import gzip
import http.server
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import urlsplit

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
NODE = HERE / ".node"
LIGHTHOUSE_VERSION = "12.8.2"
LIGHTHOUSE = NODE / "node_modules" / ".bin" / "lighthouse"
CHROMIUM = "/usr/bin/chromium"
CHROME_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
NOW = "2026-11-23T10:00+02:00"
CATEGORIES = ["performance", "accessibility", "best-practices", "seo"]
PRESETS = ["mobile", "desktop"]
MAX_REQUESTS = 3
MAX_GZIP = 14 * 1024
COMPRESSED = {".html", ".css", ".js", ".json", ".xml", ".txt", ".svg", ".atom", ".rss", ".ics"}
# Words in an error that mean a fetch failed, which here only happens for lack of a network.
OFFLINE = ("net::ERR", "ENOTFOUND", "EAI_AGAIN", "ECONNREFUSED", "fetch failed", "getaddrinfo")


def fail(message: str) -> NoReturn:
    """Stop with status 2: the measurement could not be made (status 1 is over budget)."""
    print(message, file=sys.stderr)
    sys.exit(2)


def ensure_lighthouse() -> str:
    """Install the pinned Lighthouse into benchmarks/.node/ unless it is there; its version."""
    package = NODE / "node_modules" / "lighthouse" / "package.json"
    if package.is_file() and LIGHTHOUSE.exists():
        installed = json.loads(package.read_text(encoding="utf-8")).get("version")
        if installed == LIGHTHOUSE_VERSION:
            return installed
    npm = shutil.which("npm")
    if npm is None:
        fail("npm is not on PATH: install Node.js and npm to run Lighthouse")
    print(f"Installing lighthouse@{LIGHTHOUSE_VERSION} into {NODE.relative_to(ROOT)}/ ...")
    command = [npm, "install", "--prefix", str(NODE), "--no-audit", "--no-fund"]
    command += ["--loglevel=error", f"lighthouse@{LIGHTHOUSE_VERSION}"]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0 or not LIGHTHOUSE.exists():
        fail(f"npm install failed:\n{result.stdout}{result.stderr}")
    return LIGHTHOUSE_VERSION


def build_site(work: Path, events: int | None, language: str | None = None) -> Path:
    """Build the example repository, or a generated one of `events` events, into work/site;
    in `language` instead of the repository's own when given."""
    repository = work / "repository"
    if events is None:
        config = ROOT / "statuspage.yaml"
        if language is not None:
            repository.mkdir()
            for name in ("incidents", "templates"):
                shutil.copytree(ROOT / name, repository / name)
            shutil.copy(config, repository / "statuspage.yaml")
            config = repository / "statuspage.yaml"
    else:
        sys.path.insert(0, str(HERE))
        from bench import generate  # the benchmark's generator, so both measure one site

        repository.mkdir()
        generate(repository, events)
        config = repository / "statuspage.yaml"
    if language is not None:
        lines = config.read_text(encoding="utf-8").splitlines()
        lines = [line for line in lines if not line.startswith("language:")]
        config.write_text("\n".join([*lines, f"language: {language}"]) + "\n", encoding="utf-8")
    site = work / "site"
    command = [sys.executable, "-m", "statuspage", "build", "--config", str(config)]
    command += ["--now", NOW, "--output", str(site)]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        fail(f"statuspage build failed:\n{result.stdout}{result.stderr}")
    return site


class StaticHost(http.server.SimpleHTTPRequestHandler):
    """A quiet static file server that gzips text when the client accepts it, as hosts do."""

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        path = Path(self.translate_path(self.path))
        accepts = "gzip" in self.headers.get("Accept-Encoding", "")
        if not (accepts and path.is_file() and path.suffix in COMPRESSED):
            super().do_GET()
            return
        body = gzip.compress(path.read_bytes(), 9)
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Vary", "Accept-Encoding")
        self.end_headers()
        self.wfile.write(body)


def run_lighthouse(url: str, preset: str, report: Path) -> dict[str, Any]:
    """One Lighthouse run; its JSON report (the LHR)."""
    command = [str(LIGHTHOUSE), url, "--output=json", f"--output-path={report}", "--quiet"]
    command += [f"--only-categories={','.join(CATEGORIES)}"]
    command += [f"--chrome-flags={' '.join(CHROME_FLAGS)}"]
    if preset == "desktop":
        command.append("--preset=desktop")
    env = {**os.environ, "CHROME_PATH": os.environ.get("CHROME_PATH", CHROMIUM)}
    try:
        result = subprocess.run(
            command, capture_output=True, text=True, env=env, timeout=600, check=False
        )
    except subprocess.TimeoutExpired:
        fail(f"Lighthouse ({preset}) did not finish in 10 minutes")
    if result.returncode != 0 or not report.is_file():
        offline = any(word in result.stderr for word in OFFLINE)
        note = "\n(a fetch failed: the network is closed on this machine)" if offline else ""
        fail(f"Lighthouse ({preset}) failed:\n{result.stdout}{result.stderr}{note}")
    lhr: dict[str, Any] = json.loads(report.read_text(encoding="utf-8"))
    if lhr.get("runtimeError"):
        fail(f"Lighthouse ({preset}): {lhr['runtimeError']}")
    return lhr


def score(lhr: dict[str, Any], category: str) -> int | None:
    value = lhr["categories"][category]["score"]
    return None if value is None else round(value * 100)


def requests(lhr: dict[str, Any]) -> list[dict[str, Any]]:
    details = lhr["audits"]["network-requests"].get("details") or {}
    items: list[dict[str, Any]] = details.get("items", [])
    return [item for item in items if not item["url"].startswith("data:")]  # not on the network


def failed_audits(lhr: dict[str, Any], category: str) -> list[tuple[str, str, str]]:
    """(id, title, why) of the audits that cost `category` points."""
    found = []
    for ref in lhr["categories"][category]["auditRefs"]:
        audit = lhr["audits"][ref["id"]]
        if audit["scoreDisplayMode"] == "error" or (
            ref["weight"] > 0 and audit["score"] is not None and audit["score"] < 1
        ):
            why = (
                audit.get("errorMessage") or audit.get("displayValue") or f"score {audit['score']}"
            )
            found.append((audit["id"], audit["title"], str(why)))
    return found


def offline_trouble(lhr: dict[str, Any], local: str) -> list[str]:
    """What went wrong only because the network is closed: failed audits and requests."""
    notes = []
    for audit in lhr["audits"].values():
        message = str(audit.get("errorMessage") or audit.get("explanation") or "")
        if any(word in message for word in OFFLINE):
            notes.append(f"audit {audit['id']} ({audit['title']}): {message}")
    warnings = lhr.get("runWarnings", [])
    notes += [f"warning: {text}" for text in warnings if any(word in text for word in OFFLINE)]
    for item in requests(lhr):
        host = urlsplit(item["url"]).netloc
        if host != local and item.get("statusCode", 200) in (-1, 0):
            notes.append(f"request to {item['url']} failed")
    return notes


def median_run(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The run whose performance score is the median one (Lighthouse's own advice)."""
    ordered = sorted(runs, key=lambda lhr: score(lhr, "performance") or 0)
    return ordered[(len(ordered) - 1) // 2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--events", type=int, help="score a generated repository of N events instead"
    )
    parser.add_argument("--language", help="build the site in this language (en, fi, hy, ur)")
    parser.add_argument("--runs", type=int, default=1, help="runs per preset (median kept)")
    parser.add_argument("--keep", type=Path, help="write the Lighthouse JSON reports here")
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="also list audits below 1 that carry no weight"
    )
    options = parser.parse_args()
    chrome = os.environ.get("CHROME_PATH", CHROMIUM)
    if not Path(chrome).exists():
        fail(f"{chrome} is missing: apt-get install chromium (or set CHROME_PATH)")
    version = ensure_lighthouse()
    problems: list[str] = []
    with tempfile.TemporaryDirectory(prefix="statuspage-lighthouse-") as temporary:
        work = Path(temporary)
        site = build_site(work, options.events, options.language)
        index = (site / "index.html").read_bytes()
        packed = len(gzip.compress(index, 9))
        handler = functools.partial(StaticHost, directory=str(site))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        local = f"127.0.0.1:{server.server_address[1]}"
        results: dict[str, dict[str, Any]] = {}
        performance: dict[str, list[int]] = {}
        try:
            for preset in PRESETS:
                runs = []
                for n in range(options.runs):
                    report = work / f"{preset}-{n + 1}.json"
                    runs.append(run_lighthouse(f"http://{local}/index.html", preset, report))
                    if options.keep:
                        options.keep.mkdir(parents=True, exist_ok=True)
                        shutil.copy(report, options.keep / report.name)
                results[preset] = median_run(runs)
                performance[preset] = [score(lhr, "performance") or 0 for lhr in runs]
        finally:
            server.shutdown()
            server.server_close()

    what = f"{options.events:,} generated events" if options.events else "the example repository"
    version_line = subprocess.run(
        [chrome, "--version"], capture_output=True, text=True, check=False
    ).stdout.strip()
    browser = " ".join(version_line.split()[:2]) or chrome
    print(f"Lighthouse {version}, {browser}; {what}, --now {NOW}")
    print(
        f"index.html   {len(index):,} bytes ({len(index) / 1024:.1f} KB), "
        f"{packed:,} bytes gzipped ({packed / 1024:.1f} KB; budget {MAX_GZIP // 1024} KB)"
    )
    if packed > MAX_GZIP:
        problems.append(f"index.html is {packed / 1024:.1f} KB gzipped, over {MAX_GZIP // 1024} KB")
    print(f"{'':9}" + "".join(f"{name:>16}" for name in [*CATEGORIES, "requests"]))
    for preset, lhr in results.items():
        scores = [score(lhr, category) for category in CATEGORIES]
        cells = ["-" if value is None else str(value) for value in scores]
        print(f"{preset:9}" + "".join(f"{cell:>16}" for cell in [*cells, len(requests(lhr))]))
    if options.runs > 1:
        for preset, values in performance.items():
            print(f"  {preset} performance over {options.runs} runs: {values} (median shown)")
    for preset, lhr in results.items():
        made = requests(lhr)
        listed = ", ".join(item["url"].replace(f"http://{local}/", "") for item in made)
        print(f"requests ({preset}): {listed}")
        if len(made) > MAX_REQUESTS:
            problems.append(f"{preset}: {len(made)} requests, over {MAX_REQUESTS}")
        foreign = [item["url"] for item in made if urlsplit(item["url"]).netloc != local]
        if foreign:
            problems.append(f"{preset}: third-party requests: {', '.join(foreign)}")
        for category in CATEGORIES:
            value = score(lhr, category)
            if value is None or value < 100:
                problems.append(f"{preset}: {category} {value}")
                for audit_id, title, why in failed_audits(lhr, category):
                    problems.append(f"  {audit_id}: {title} ({why})")
        offline = offline_trouble(lhr, local)
        if offline:
            problems.append(f"{preset}: these failed only because the network is closed:")
            problems += [f"  {note}" for note in offline]
        if options.verbose:
            print(f"audits scoring below 1 ({preset}; most carry no weight):")
            for audit in lhr["audits"].values():
                if audit["scoreDisplayMode"] in ("numeric", "binary", "metricSavings") and (
                    audit["score"] is not None and audit["score"] < 1
                ):
                    value = audit.get("displayValue", "")
                    print(f"  {audit['id']}: {audit['title']} {audit['score']} {value}")
    if problems:
        print("Over budget:")
        print("\n".join(f"  {problem}" for problem in problems))
        sys.exit(1)
    print(
        f"Within budget: 100 in all four categories, at most {MAX_REQUESTS} requests, "
        f"index.html at most {MAX_GZIP // 1024} KB gzipped."
    )


if __name__ == "__main__":
    main()
