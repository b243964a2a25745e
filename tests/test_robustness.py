"""Robustness: no input makes `statuspage check` crash (SPEC "Bad input").

Every problem must come out as ``path:line:column: message`` with a position
inside the file it names; no input may raise out of `check()`, make the CLI
print a traceback or exit with anything but 0 or 1, or take more than a couple
of seconds. A mutated example repository ends in a build or in exit 1: when check
finds no error it is built (and the build must succeed, in bounded time), else
`statuspage build` must exit 1 with the same positioned problems and write nothing.

Hypothesis generates the inputs: arbitrary YAML data (dumped with
yaml.safe_dump), data shaped like status files, raw YAML-ish text and bytes, and
random mutations of the valid example repository at the project root. The
default profile keeps this file fast enough for CI; for a longer search run

    HYPOTHESIS_PROFILE=robustness-long .venv/bin/python -m pytest tests/test_robustness.py

Crashes found so far are pinned as plain regression cases in
`test_check_known_crash_inputs`.
"""

from __future__ import annotations

import os
import re
import signal
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, TypeVar

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.strategies import DrawFn

from statuspage.build import build
from statuspage.check import check
from statuspage.cli import cli
from statuspage.errors import Problem
from tests.conftest import FIXED_NOW, REPO_ROOT

# --- settings ---------------------------------------------------------------------------

settings.register_profile(
    "robustness",
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "robustness-long",
    max_examples=5_000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
_PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "")
#: Applied to each test as a decorator, so that loading it changes no other test file.
FUZZ = settings(
    settings.get_profile(
        _PROFILE if _PROFILE in ("robustness", "robustness-long") else "robustness"
    )
)

#: "never take more than a couple of seconds", per check() and per CLI run.
TIME_LIMIT = 2.0
#: A run three times longer than its limit is interrupted (SIGALRM) rather than waited for.
#: A build of the example repository takes about 0.15 s; a mutated one may not take much
#: longer (a rule that makes thousands of occurrences, a window of a century).
BUILD_TIME_LIMIT = 4.0

EXAMPLE_CONFIG = REPO_ROOT / "statuspage.yaml"
EXAMPLE_EVENTS = sorted((REPO_ROOT / "incidents").glob("*.yaml"))
FUZZED_EVENT = "fuzzed-event.yaml"
_T = TypeVar("_T")

# --- running check() and the CLI on a temporary repository ------------------------------


@contextmanager
def status_repository(
    config: bytes | None = None, events: dict[str, bytes] | None = None
) -> Iterator[tuple[Path, dict[Path, bytes]]]:
    """A repository in a fresh temporary directory; yields its config path and every file.

    `config` defaults to the valid example statuspage.yaml; `events` are the
    incidents/*.yaml files by name.
    """
    with tempfile.TemporaryDirectory(prefix="statuspage-fuzz-") as directory:
        root = Path(directory).resolve()
        files: dict[Path, bytes] = {}
        config_path = root / "statuspage.yaml"
        files[config_path] = config if config is not None else EXAMPLE_CONFIG.read_bytes()
        (root / "incidents").mkdir()
        for name, content in (events or {}).items():
            files[root / "incidents" / name] = content
        for path, content in files.items():
            path.write_bytes(content)
        yield config_path, files


def example_events() -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in EXAMPLE_EVENTS}


class _Interrupted(BaseException):
    """Raised by the timer; a BaseException so that no `except Exception` swallows it."""


class _Slow(AssertionError):
    """The call took longer than TIME_LIMIT."""


@contextmanager
def time_limit(what: str, limit: float = TIME_LIMIT) -> Iterator[None]:
    """Fail when the block takes longer than `limit`; interrupt it after 3 times that."""
    stop_after = 3 * limit
    use_alarm = hasattr(signal, "setitimer") and _in_main_thread()

    def on_alarm(signum: int, frame: Any) -> None:
        raise _Interrupted

    previous = signal.signal(signal.SIGALRM, on_alarm) if use_alarm else None
    start = time.monotonic()
    try:
        if use_alarm:
            signal.setitimer(signal.ITIMER_REAL, stop_after)
        yield
    except _Interrupted:
        raise AssertionError(f"{what} was stopped after {stop_after:.0f}s") from None
    finally:
        if use_alarm:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
    elapsed = time.monotonic() - start
    if elapsed > limit:
        raise _Slow(f"{what} took {elapsed:.2f}s (limit {limit}s)")


def within_time_limit(what: str, call: Callable[[], _T], limit: float = TIME_LIMIT) -> _T:
    """Run `call` under time_limit; a merely slow run is tried once more before it fails,
    so that a busy CI machine is not taken for an input that makes check slow."""
    try:
        with time_limit(what, limit):
            return call()
    except _Slow:
        pass
    with time_limit(what, limit):
        return call()


def _in_main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


_YAML_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")
_OUTPUT_BREAK = re.compile("[\r\n]")


def line_lengths(raw: bytes) -> list[int]:
    """Each line's length as YAML splits lines; in UTF-8 bytes, an upper bound for columns."""
    text = raw.decode("utf-8", errors="replace")
    lines = _YAML_BREAK.split(text)
    if len(lines) > 1 and lines[-1] == "":
        lines.pop()  # a final line break ends the last line; it does not open another
    return [len(line.encode("utf-8")) for line in lines]


def assert_positioned(problems: list[Problem], files: dict[Path, bytes]) -> None:
    """Every problem names a file of the repository and a place inside it."""
    for problem in problems:
        assert isinstance(problem, Problem), problem
        named = (Path.cwd() / problem.path).resolve()
        assert named in files, f"{problem}: the path names no source file"
        lengths = line_lengths(files[named])
        assert 1 <= problem.line <= len(lengths) + 1, (
            f"{problem}: line outside the file ({len(lengths)} lines)"
        )
        assert problem.column >= 1, f"{problem}: column below 1"
        longest = lengths[problem.line - 1] if problem.line <= len(lengths) else 0
        assert problem.column <= longest + 1, f"{problem}: column past the end of its line"
        assert problem.message.strip(), f"{problem}: empty message"
        assert not _OUTPUT_BREAK.search(str(problem)), (
            f"{str(problem)!r}: a problem must print as one path:line:column: message line"
        )


def run_check(config_path: Path, files: dict[Path, bytes]) -> list[Problem]:
    """check() at FIXED_NOW: must return (not raise), in time, with positioned problems."""
    problems = within_time_limit("check()", lambda: check(config_path, FIXED_NOW))
    assert_positioned(problems, files)
    return problems


def run_cli(config_path: Path, problems: list[Problem]) -> None:
    """`statuspage check`: exit 0 or 1 (1 exactly when check() found errors), no traceback."""
    runner = CliRunner()
    arguments = ["check", "--config", str(config_path), "--now", FIXED_NOW.isoformat()]
    result = within_time_limit(
        "statuspage check", lambda: runner.invoke(cli, arguments, env={"STATUSPAGE_NOW": None})
    )
    output = result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"exception escaped the CLI: {result.exception!r}\n{output}"
    )
    assert "Traceback" not in output, output
    assert "internal error" not in output, output
    assert result.exit_code in (0, 1), f"exit {result.exit_code}\n{output}"
    has_errors = any(problem.is_error for problem in problems)
    assert result.exit_code == (1 if has_errors else 0), f"exit {result.exit_code}\n{output}"


def check_everything(config_path: Path, files: dict[Path, bytes]) -> None:
    run_cli(config_path, run_check(config_path, files))


def check_then_build(config_path: Path, files: dict[Path, bytes]) -> None:
    """check_everything, then: no errors, and build() succeeds in bounded time; errors, and
    `statuspage build` exits 1 with exactly check's errors, positioned, writing nothing."""
    problems = run_check(config_path, files)
    run_cli(config_path, problems)
    output = config_path.parent / "site"
    errors = [problem for problem in problems if problem.is_error]
    if not errors:
        report = within_time_limit(
            "build()", lambda: build(config_path, output, FIXED_NOW, jobs=1), BUILD_TIME_LIMIT
        )
        assert report.files > 0
        assert (output / "index.html").is_file()
        return
    runner = CliRunner()
    arguments = ["build", "--config", str(config_path), "--output", str(output)]
    arguments += ["--now", FIXED_NOW.isoformat(), "--jobs", "1"]
    result = within_time_limit(
        "statuspage build",
        lambda: runner.invoke(cli, arguments, env={"STATUSPAGE_NOW": None}),
        BUILD_TIME_LIMIT,
    )
    lines = result.output.splitlines()
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"exception escaped the CLI: {result.exception!r}\n{result.output}"
    )
    assert "Traceback" not in result.output and "internal error" not in result.output, lines
    assert result.exit_code == 1, f"exit {result.exit_code}\n{result.output}"
    assert lines[-1].startswith("Error: Aborted: "), lines
    printed = set(lines[:-1])
    assert {str(problem) for problem in errors} <= printed <= {str(p) for p in problems}, lines
    assert not output.exists(), "a refused build wrote its output directory"


# --- generated values --------------------------------------------------------------------

EXAMPLE_COMPONENT_IDS = [
    "shared-hosting",
    "vps",
    "databases",
    "email",
    "webmail",
    "dns",
    "control-panel",
    "status-api",
]
COMPONENT_IDS = ["shared-hosting", "vps", "databases", "email", "dns", "no-such-component"]
FIELD_NAMES = [
    "type",
    "title",
    "impact",
    "components",
    "updates",
    "at",
    "status",
    "message",
    "next_update",
    "postmortem",
    "starts",
    "ends",
    "duration",
    "repeat",
    "description",
    "base_url",
    "timezone",
    "language",
    "contact",
    "email",
    "url",
    "uptime_days",
    "id",
    "name",
    "group",
]
#: Values near the edges of what the models accept.
INTERESTING_TEXT = [
    "",
    " ",
    "incident",
    "maintenance",
    "backup",
    "investigating",
    "resolved",
    "scheduled",
    "in_progress",
    "completed",
    "cancelled",
    "major_outage",
    "under_maintenance",
    "critical",
    "2026-11-20T10:02",
    "2026-11-20T10:02:00+02:00",
    "2026-11-23T09:00",
    "2026-11-20",
    "2026-03-29T03:30",  # skipped by DST in Helsinki
    "2026-10-25T03:30",  # repeated by DST in Helsinki
    "0001-01-01T00:00",
    "0001-01-01T00:00+00:00",
    "9999-12-31T23:59",
    "9999-12-31T23:59+00:00",
    "1900-01-01T00:00",
    "not a time",
    "90m",
    "2h",
    "1h30m",
    "1d",
    "0m",
    "9999999d",
    "99999999999d",
    "FREQ=WEEKLY;BYDAY=SU",
    "FREQ=DAILY",
    "FREQ=HOURLY",
    "FREQ=MINUTELY",
    "FREQ=DAILY;COUNT=3",
    "FREQ=DAILY;UNTIL=20261231T000000Z",
    "FREQ=DAILY;UNTIL=99999999T999999Z",
    "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30",
    "RRULE:FREQ=WEEKLY",
    "FREQ=WEEKLY;BYDAY=XX",
    "Europe/Helsinki",
    "UTC",
    "Not/AZone",
    "Europe",
    "../../etc/passwd",
    "x" * 300,
    "https://status.example.com/",
    "ftp://example.com",
    "support@example.com",
    "@",
    "en",
    "ur",
    "{braces} and %s",
    "<b>html</b>",
    *COMPONENT_IDS,
]

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(),
    st.text(max_size=20),
    st.sampled_from(INTERESTING_TEXT),
)
keys = st.one_of(st.text(max_size=12), st.sampled_from(FIELD_NAMES))
any_data = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(keys, children, max_size=5),
    ),
    max_leaves=25,
)


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="minutes")


_OFFSETS = [UTC, timezone(timedelta(hours=14)), timezone(-timedelta(hours=12))]
#: Moments near FIXED_NOW most often, sometimes anywhere around the years the models accept.
moments = st.one_of(
    st.datetimes(min_value=datetime(2025, 10, 1), max_value=datetime(2027, 1, 1)),  # noqa: DTZ001
    st.datetimes(min_value=datetime(1890, 1, 1), max_value=datetime(2210, 1, 1)),  # noqa: DTZ001
)
offsets = st.one_of(st.none(), st.none(), st.sampled_from(_OFFSETS))
valid_times = st.one_of(
    st.builds(lambda moment, zone: _iso(moment.replace(tzinfo=zone)), moments, offsets),
    st.sampled_from([t for t in INTERESTING_TEXT if t[:1].isdigit() and "T" in t]),
)
lengths = st.one_of(
    st.timedeltas(min_value=timedelta(minutes=1), max_value=timedelta(days=2)),
    st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=400)),
)
valid_durations = st.one_of(
    st.sampled_from(["30m", "90m", "2h", "1h30m", "1d", "366d", "367d", "0m", "8785h"]),
    st.tuples(
        st.integers(0, 400) | st.none() | st.just(10**20),
        st.integers(0, 10_000) | st.none(),
        st.integers(0, 600_000) | st.none(),
    ).map(lambda dhm: "".join(f"{n}{u}" for n, u in zip(dhm, "dhm", strict=True) if n is not None)),
)
RULE_PARTS = [
    "INTERVAL=2",
    "INTERVAL=1000",
    "COUNT=3",
    "COUNT=100000",
    "UNTIL=20261231T000000Z",
    "UNTIL=20260101",
    "BYDAY=SU",
    "BYDAY=MO,FR",
    "BYMONTH=2",
    "BYMONTHDAY=30",
    "BYMONTHDAY=-1",
    "BYHOUR=3",
    "BYSETPOS=-1",
    "WKST=MO",
]
#: Rules that are valid but rare or never occur: expensive to expand.
EDGE_RULES = [
    "FREQ=HOURLY;BYMONTH=2;BYMONTHDAY=30",
    "FREQ=DAILY;BYMONTH=4;BYMONTHDAY=31",
    "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29;BYDAY=MO",
    "FREQ=HOURLY;BYHOUR=25",
    "FREQ=HOURLY;INTERVAL=1000000",
    "FREQ=HOURLY;UNTIL=19000101T000000Z",
    "FREQ=HOURLY;COUNT=10000",
    "FREQ=MINUTELY",
    "FREQ=SECONDLY;COUNT=1",
]
valid_rules = st.one_of(
    st.tuples(
        st.sampled_from(["HOURLY", "DAILY", "WEEKLY", "MONTHLY", "YEARLY"]),
        st.lists(st.sampled_from(RULE_PARTS), max_size=3, unique=True),
    ).map(lambda rule: ";".join([f"FREQ={rule[0]}", *rule[1]])),
    st.sampled_from(EDGE_RULES),
)
component_refs = st.one_of(
    st.lists(st.sampled_from(COMPONENT_IDS[:-1]), max_size=3, unique=True),
    st.dictionaries(
        st.sampled_from(COMPONENT_IDS[:-1]),
        st.sampled_from(["operational", "under_maintenance", "partial_outage", "major_outage"]),
        max_size=3,
    ),
)
#: Text the models accept (no control characters, not blank).
good_texts = st.one_of(
    st.sampled_from(["Slow database", "Nightly backup", "**Markdown** <b>html</b>", "{braces} %s"]),
    st.text(st.characters(categories=["L", "N", "P", "S", "Zs"]), min_size=1, max_size=30).filter(
        str.strip
    ),
)
#: Any text at all.
texts = st.one_of(good_texts, st.sampled_from(INTERESTING_TEXT), st.text(max_size=30))
INCIDENT_STATUSES = ["investigating", "identified", "monitoring", "resolved"]
WINDOW_STATUSES = ["scheduled", "in_progress", "verifying", "completed", "cancelled"]


@st.composite
def update_list(draw: DrawFn, statuses: list[str], around: datetime) -> list[dict[str, Any]]:
    """Updates posted around `around`, oldest first (mostly), each maybe with a promise."""
    zone = draw(offsets)
    at = around - draw(lengths)
    updates = []
    for _ in range(draw(st.integers(0, 4))):
        at += draw(lengths) if draw(st.integers(0, 9)) else -draw(lengths)
        update: dict[str, Any] = {
            "at": _iso(at.replace(tzinfo=zone)),
            "status": draw(st.sampled_from(statuses)),
            "message": draw(good_texts),
        }
        if draw(st.booleans()):
            update["next_update"] = _iso((at + draw(lengths)).replace(tzinfo=zone))
        updates.append(update)
    return updates


@st.composite
def incident_fields(draw: DrawFn) -> dict[str, Any]:
    started = draw(moments)
    document: dict[str, Any] = {
        "type": "incident",
        "title": draw(good_texts),
        "components": draw(component_refs),
        "updates": draw(update_list(INCIDENT_STATUSES, started))
        or [{"at": _iso(started), "status": "investigating", "message": "Looking."}],
    }
    if draw(st.booleans()):
        document["impact"] = draw(st.sampled_from(["none", "minor", "major", "critical"]))
    if draw(st.booleans()):
        document["postmortem"] = draw(good_texts)
    return document


@st.composite
def window_fields(draw: DrawFn) -> dict[str, Any]:
    starts, zone = draw(moments), draw(offsets)
    document: dict[str, Any] = {
        "type": draw(st.sampled_from(["maintenance", "backup"])),
        "title": draw(good_texts),
        "components": draw(component_refs),
        "starts": _iso(starts.replace(tzinfo=zone)),
    }
    if draw(st.booleans()):
        document["duration"] = draw(valid_durations)
    else:
        document["ends"] = _iso((starts + draw(lengths)).replace(tzinfo=zone))
    if draw(st.booleans()):
        document["repeat"] = draw(valid_rules)
    if draw(st.booleans()):
        document["updates"] = draw(update_list(WINDOW_STATUSES, starts))
    if draw(st.booleans()):
        document["description"] = draw(good_texts)
    return document


#: Names that are not zones, each failing ZoneInfo in its own way.
ZONE_EDGES = [
    "",
    "utc",
    "Europe",
    "Europe/",
    "/etc/localtime",
    "../../etc/passwd",
    "__init__.py",
    "posix/Europe/Helsinki",
    "x" * 300,
]
component_fields = st.fixed_dictionaries(
    {"id": st.sampled_from(COMPONENT_IDS), "name": good_texts},
    optional={"group": good_texts, "description": good_texts},
)
config_fields = st.fixed_dictionaries(
    {
        "title": good_texts,
        "base_url": st.sampled_from(["https://status.example.com/", "http://x.example/a/b"]),
        "components": st.lists(component_fields, max_size=3).map(
            # the example events refer to these; without them every example is an error
            lambda items: [
                *({"id": ref, "name": ref} for ref in EXAMPLE_COMPONENT_IDS),
                *(item for item in items if item["id"] not in EXAMPLE_COMPONENT_IDS),
            ]
        ),
    },
    optional={
        "description": good_texts,
        "timezone": st.one_of(
            st.sampled_from(["UTC", "Europe/Helsinki", "Pacific/Kiritimati", "Etc/GMT+12"]),
            st.timezone_keys(),
            st.sampled_from(ZONE_EDGES),
        ),
        "language": st.sampled_from(["en", "fi", "hy", "sv", "ur"]),
        "contact": st.fixed_dictionaries(
            {},
            optional={
                "email": st.just("support@example.com"),
                "url": st.just("https://example.com/support"),
            },
        ),
        "uptime_days": st.sampled_from([1, 7, 90, 366]),
    },
)


@st.composite
def corrupted(draw: DrawFn, base: st.SearchStrategy[dict[str, Any]]) -> dict[str, Any]:
    """A valid-looking document, half of the time with one to three fields spoiled."""
    document = draw(base)
    if draw(st.booleans()):
        return document
    spoilers = st.one_of(any_data, st.sampled_from(INTERESTING_TEXT), valid_times)
    for _ in range(draw(st.integers(1, 3))):
        paths = list(_value_paths(document))
        if not paths:
            break
        parent, key = paths[draw(st.integers(0, len(paths) - 1))]
        action = draw(st.sampled_from(["replace", "replace", "delete", "unknown"]))
        if action == "replace":
            parent[key] = draw(spoilers)
        elif action == "delete":
            del parent[key]
        elif isinstance(parent, dict):
            parent[draw(keys) + "x"] = draw(any_data)
    return document


def _value_paths(node: Any) -> Iterator[tuple[Any, Any]]:
    items = node.items() if isinstance(node, dict) else enumerate(node)
    for key, value in items:
        yield node, key
        if isinstance(value, dict | list) and value:
            yield from _value_paths(value)


event_shaped = corrupted(st.one_of(incident_fields(), window_fields()))
config_shaped = corrupted(config_fields)


YAMLISH = (
    " \t\n\r-:?,[]{}#&*!|>'\"%@`~.0123456789abcxyzTFnul=;/+_\\"
    "\x00\x01\x1b\x7f\x85\xa0\ufeff\u2028\u2029\ufffdéü😀"
)
yamlish_text = st.text(alphabet=YAMLISH, max_size=80)
#: Lines built from YAML tokens, so that more of them parse than random characters do.
yamlish_lines = st.lists(
    st.tuples(
        st.sampled_from(["", "  ", "    ", "- ", "  - ", "\t"]),
        st.sampled_from([*FIELD_NAMES, "? ", "<<", "&a x", "*a", "!!str x", "!!python/none", ""]),
        st.sampled_from([": ", ":", ": |", ": >-", " ", ": [", ": {", ": &a ", ": *a ", "]", ""]),
        st.one_of(st.sampled_from(INTERESTING_TEXT), yamlish_text.map(lambda s: s[:10])),
    ).map("".join),
    max_size=12,
).map("\n".join)


def dumped(data: Any, flow: bool | None) -> bytes:
    return yaml.safe_dump(data, default_flow_style=flow, allow_unicode=True).encode("utf-8")


yaml_documents = st.builds(dumped, any_data, st.sampled_from([False, True, None]))
raw_documents = st.one_of(
    yamlish_text.map(str.encode),
    yamlish_lines.map(str.encode),
    st.binary(max_size=60),
)

# --- random mutations of valid files -----------------------------------------------------

_SCALAR_LINE = re.compile(
    rb"^(?P<head>[ \t]*(?:- )?(?:[A-Za-z_][\w-]*:[ \t]+|- ))(?P<value>\S[^\r\n]*)"
)


def _flow(value: Any) -> bytes:
    text = yaml.safe_dump(value, default_flow_style=True, allow_unicode=True, width=10**6)
    return text.removesuffix("\n").removesuffix("\n...").encode("utf-8")


#: What a scalar may be replaced with: another type, or an edge value of the same type.
replacement_values = st.one_of(
    st.sampled_from(
        [
            b"42",
            b"-1",
            b"0",
            b"3.5",
            b"1e400",
            b".nan",
            b"true",
            b"no",
            b"null",
            b"~",
            b"",
            b"''",
            b"[]",
            b"{}",
            b"[a, 1]",
            b"{a: 1}",
            b"[vps, vps]",
            b"{vps: major_outage}",
            b"*nothing",
            b"&anchor value",
            b"!!binary aGVsbG8=",
            b"!!set {a}",
            b"|",
            b">",
        ]
    ),
    st.sampled_from(INTERESTING_TEXT).map(_flow),
    any_data.map(_flow),
)


def _lines(data: bytes) -> list[bytes]:
    return data.splitlines(keepends=True)


def delete_line(draw: DrawFn, data: bytes) -> bytes:
    lines = _lines(data)
    if lines:
        del lines[draw(st.integers(0, len(lines) - 1))]
    return b"".join(lines)


def duplicate_line(draw: DrawFn, data: bytes) -> bytes:
    lines = _lines(data)
    if lines:
        index = draw(st.integers(0, len(lines) - 1))
        line = lines[index]
        lines.insert(index, line if line.endswith((b"\n", b"\r")) else line + b"\n")
    return b"".join(lines)


def swap_lines(draw: DrawFn, data: bytes) -> bytes:
    lines = _lines(data)
    if len(lines) >= 2:
        first = draw(st.integers(0, len(lines) - 1))
        second = draw(st.integers(0, len(lines) - 1))
        lines[first], lines[second] = lines[second], lines[first]
    return b"".join(lines)


def replace_scalar(draw: DrawFn, data: bytes) -> bytes:
    lines = _lines(data)
    candidates = [index for index, line in enumerate(lines) if _SCALAR_LINE.match(line)]
    if not candidates:
        return data
    index = draw(st.sampled_from(candidates))
    line = lines[index]
    match = _SCALAR_LINE.match(line)
    assert match is not None
    ending = line[len(line.rstrip(b"\r\n")) :]
    head = match["head"]
    if draw(st.booleans()):
        value = draw(replacement_values)
        lines[index] = head + value + ending
    else:  # a block list or mapping in place of the scalar
        indent = b" " * (len(head) - len(head.lstrip()) + 2)
        items = draw(st.lists(replacement_values, min_size=1, max_size=3))
        marker = draw(st.sampled_from([b"- ", b"key: ", b"? "]))
        block = b"".join(indent + marker + item + b"\n" for item in items)
        lines[index] = head.rstrip() + b"\n" + block
    return b"".join(lines)


def reindent(draw: DrawFn, data: bytes) -> bytes:
    lines = _lines(data)
    if lines:
        index = draw(st.integers(0, len(lines) - 1))
        line = lines[index]
        body = line.lstrip(b" ")
        width = len(line) - len(body)
        new = draw(st.sampled_from([b"", b" ", b"  ", b"   ", b"    ", b"\t", b"        "]))
        lines[index] = (new if draw(st.booleans()) else b" " * width + new) + body
    return b"".join(lines)


def insert_characters(draw: DrawFn, data: bytes) -> bytes:
    position = draw(st.integers(0, len(data)))
    chunk = draw(
        st.one_of(
            st.text(alphabet=YAMLISH, min_size=1, max_size=6).map(str.encode),
            st.binary(min_size=1, max_size=4),
        )
    )
    return data[:position] + chunk + data[position:]


def overwrite_character(draw: DrawFn, data: bytes) -> bytes:
    if not data:
        return data
    position = draw(st.integers(0, len(data) - 1))
    byte = draw(st.sampled_from([*b"0123456789:-[]{}#&*'\" \t\nxZ+", 0xFF, 0x00]))
    return data[:position] + bytes([byte]) + data[position + 1 :]


def truncate(draw: DrawFn, data: bytes) -> bytes:
    return data[: draw(st.integers(0, len(data)))]


_KEYED_LINE = re.compile(rb"^(?P<head>[ \t]*(?:- )?(?P<key>[A-Za-z_][\w-]*):[ \t]+)\S[^\r\n]*")
COMPONENT_STATUSES = [
    "operational",
    "degraded_performance",
    "partial_outage",
    "major_outage",
    "under_maintenance",
]
#: Values of the kind a field holds, so that the file often stays valid and gets built:
#: times in other zones and years, other durations and rules, other statuses.
VALUES_IN_KIND: dict[str, st.SearchStrategy[Any]] = {
    **dict.fromkeys(["at", "starts", "ends", "next_update"], valid_times),
    "duration": valid_durations,
    "repeat": valid_rules,
    "status": st.sampled_from(INCIDENT_STATUSES + WINDOW_STATUSES),
    "impact": st.sampled_from(["none", "minor", "major", "critical"]),
    "type": st.sampled_from(["incident", "maintenance", "backup"]),
    "timezone": st.sampled_from(
        ["UTC", "Europe/Helsinki", "Pacific/Kiritimati", "Etc/GMT+12", "Australia/Lord_Howe"]
    ),
    "language": st.sampled_from(["en", "fi", "hy", "sv", "ur"]),
    "uptime_days": st.sampled_from([1, 2, 7, 90, 366]),
    "base_url": st.sampled_from(["https://status.example.com/", "http://x.example/a/b"]),
    "url": st.sampled_from(["https://example.com/support", "http://x.example/?q=1#a"]),
    "email": st.sampled_from(["support@example.com", "a.b+c@d.example"]),
    "components": component_refs,
    **dict.fromkeys(EXAMPLE_COMPONENT_IDS, st.sampled_from(COMPONENT_STATUSES)),
}


def replace_value_in_kind(draw: DrawFn, data: bytes) -> bytes:
    """A `key: value` line's value replaced by another of the kind the key holds."""
    lines = _lines(data)
    by_key: dict[bytes, list[int]] = {}
    for index, line in enumerate(lines):
        if keyed := _KEYED_LINE.match(line):
            by_key.setdefault(keyed["key"], []).append(index)
    if not by_key:
        return data
    # A key first, then one of its lines: `timezone` is as likely as each of twenty `at`s.
    index = draw(st.sampled_from(by_key[draw(st.sampled_from(sorted(by_key)))]))
    line = lines[index]
    match = _KEYED_LINE.match(line)
    assert match is not None
    value = draw(VALUES_IN_KIND.get(match["key"].decode(), good_texts))
    lines[index] = match["head"] + _flow(value) + line[len(line.rstrip(b"\r\n")) :]
    return b"".join(lines)


MUTATIONS: list[Callable[[DrawFn, bytes], bytes]] = [
    delete_line,
    duplicate_line,
    swap_lines,
    replace_scalar,
    replace_scalar,
    reindent,
    insert_characters,
    overwrite_character,
    truncate,
    replace_value_in_kind,
    replace_value_in_kind,
    replace_value_in_kind,
]


@st.composite
def mutated(draw: DrawFn, original: bytes) -> bytes:
    """`original` after one to three random mutations."""
    data = original
    for _ in range(draw(st.integers(1, 3))):
        mutation = draw(st.sampled_from(MUTATIONS))
        data = mutation(draw, data)
    return data


@st.composite
def mutated_event(draw: DrawFn) -> tuple[str, bytes]:
    path = draw(st.sampled_from(EXAMPLE_EVENTS))
    return path.name, draw(mutated(path.read_bytes()))


@st.composite
def changed_in_kind(draw: DrawFn) -> tuple[bytes, dict[str, bytes]]:
    """The example repository with one to four values replaced by others of their kind,
    in the config or in events: most of these pass check, and get built."""
    config, events = EXAMPLE_CONFIG.read_bytes(), example_events()
    for _ in range(draw(st.integers(1, 4))):
        if draw(st.integers(0, 2)) == 0:  # the config a third of the time
            config = replace_value_in_kind(draw, config)
        else:
            name = draw(st.sampled_from(sorted(events)))
            events[name] = replace_value_in_kind(draw, events[name])
    return config, events


# --- the baseline ------------------------------------------------------------------------


def test_examples_baseline_valid() -> None:
    """The unmutated examples are valid: every error below comes from the fuzzed input."""
    assert EXAMPLE_EVENTS, "the example repository has no incidents/*.yaml"
    with status_repository(events=example_events()) as (config_path, files):
        problems = run_check(config_path, files)
        assert not [problem for problem in problems if problem.is_error]
        run_cli(config_path, problems)


# --- arbitrary documents -----------------------------------------------------------------


@FUZZ
@given(document=yaml_documents)
def test_event_file_arbitrary_yaml(document: bytes) -> None:
    with status_repository(events={FUZZED_EVENT: document}) as (config_path, files):
        check_everything(config_path, files)


@FUZZ
@given(data=event_shaped, flow=st.sampled_from([False, True, None]))
def test_event_file_shaped_yaml(data: dict[str, Any], flow: bool | None) -> None:
    with status_repository(events={FUZZED_EVENT: dumped(data, flow)}) as (config_path, files):
        check_everything(config_path, files)


@FUZZ
@given(document=raw_documents)
def test_event_file_raw_text(document: bytes) -> None:
    with status_repository(events={FUZZED_EVENT: document}) as (config_path, files):
        check_everything(config_path, files)


@FUZZ
@given(document=yaml_documents)
def test_config_arbitrary_yaml(document: bytes) -> None:
    with status_repository(config=document, events=example_events()) as (config_path, files):
        check_everything(config_path, files)


@FUZZ
@given(data=config_shaped, flow=st.sampled_from([False, True, None]))
def test_config_shaped_yaml(data: dict[str, Any], flow: bool | None) -> None:
    document = dumped(data, flow)
    with status_repository(config=document, events=example_events()) as (config_path, files):
        check_everything(config_path, files)


@FUZZ
@given(document=raw_documents)
def test_config_raw_text(document: bytes) -> None:
    with status_repository(config=document, events=example_events()) as (config_path, files):
        check_everything(config_path, files)


# --- mutations of the valid examples -----------------------------------------------------


@FUZZ
@given(event=mutated_event())
def test_event_file_random_mutations(event: tuple[str, bytes]) -> None:
    name, document = event
    events = example_events() | {name: document}
    with status_repository(events=events) as (config_path, files):
        check_then_build(config_path, files)


@FUZZ
@given(document=mutated(EXAMPLE_CONFIG.read_bytes()))
def test_config_random_mutations(document: bytes) -> None:
    with status_repository(config=document, events=example_events()) as (config_path, files):
        check_then_build(config_path, files)


#: A build takes ten times as long as a check: a third of the examples.
FUZZ_BUILDS = settings(FUZZ, max_examples=max(1, FUZZ.max_examples // 3))


@FUZZ_BUILDS
@given(repository=changed_in_kind())
def test_values_changed_in_kind(repository: tuple[bytes, dict[str, bytes]]) -> None:
    config, events = repository
    with status_repository(config=config, events=events) as (config_path, files):
        check_then_build(config_path, files)


# --- crashes the search found, pinned ----------------------------------------------------

_WINDOW = (
    "type: backup\ntitle: Backup\ncomponents: [vps]\nstarts: {starts}\nduration: 1h\n"
    "repeat: {repeat}\n"
)


def _config_with(old: bytes, new: bytes) -> bytes:
    config = EXAMPLE_CONFIG.read_bytes()
    assert old in config
    return config.replace(old, new)


KNOWN_CRASH_INPUTS = [
    # yaml.reader.ReaderError is not a MarkedYAMLError: it escapes parse_document().
    pytest.param(None, b"\x00", id="event-nul-character"),
    pytest.param(b"\x1b", None, id="config-escape-character"),
    # ZoneInfo raises OSError (File name too long, Is a directory), which neither the
    # model nor validate._context_for_events catches.
    pytest.param(
        _config_with(b"timezone: Europe/Helsinki", b"timezone: " + b"a" * 300),
        None,
        id="config-long-timezone",
    ),
    pytest.param(
        _config_with(b"timezone: Europe/Helsinki", b"timezone: Europe"),
        None,
        id="config-timezone-directory",
    ),
    pytest.param(b"timezone: {" + b"a" * 300 + b": 1}\n", None, id="config-timezone-mapping"),
    # dateutil warns (DeprecationWarning) on COUNT with UNTIL, which RFC 5545 forbids;
    # check() accepts the rule instead of reporting it.
    pytest.param(
        None,
        _WINDOW.format(
            starts="2026-01-01T00:00", repeat="FREQ=DAILY;COUNT=3;UNTIL=20261231T000000Z"
        ).encode(),
        id="event-rrule-count-and-until",
    ),
    # An hourly rule from long ago is expanded hour by hour up to `now` (seconds of CPU).
    pytest.param(
        None,
        _WINDOW.format(starts="1990-01-01T00:00", repeat="FREQ=HOURLY").encode(),
        id="event-hourly-rule-from-1990",
    ),
    # An hourly rule that never matches is searched hour by hour to the year 9999.
    pytest.param(
        None,
        _WINDOW.format(
            starts="2026-01-01T00:00", repeat="FREQ=HOURLY;BYMONTH=2;BYMONTHDAY=30"
        ).encode(),
        id="event-hourly-rule-never-matching",
    ),
    # Time arithmetic overflowed (OverflowError) at the ends of the datetime range.
    pytest.param(
        None,
        b"type: backup\ntitle: Backup\ncomponents: [vps]\nstarts: 0001-01-01T00:00\nduration: 1h\n",
        id="event-starts-year-1",
    ),
    pytest.param(
        None,
        b"type: backup\ntitle: Backup\ncomponents: [vps]\nstarts: 9999-12-31T22:00\nduration: 3h\n",
        id="event-ends-after-year-9999",
    ),
    pytest.param(
        None,
        b"type: backup\ntitle: Backup\ncomponents: [vps]\nstarts: 2026-01-01T00:00\n"
        b"duration: 99999999999d\n",
        id="event-huge-duration",
    ),
    # dateutil raised TypeError from inside the rule for an hour out of range.
    pytest.param(
        None,
        _WINDOW.format(starts="2026-01-01T00:00", repeat="FREQ=HOURLY;BYHOUR=25").encode(),
        id="event-rrule-hour-out-of-range",
    ),
    # A daily rule that never matches was searched day by day to the year 9999.
    pytest.param(
        None,
        _WINDOW.format(
            starts="2026-01-01T00:00", repeat="FREQ=DAILY;BYMONTH=4;BYMONTHDAY=31"
        ).encode(),
        id="event-daily-rule-never-matching",
    ),
    # Invalid UTF-8 is positioned by counting only \n, YAML also breaks lines at \r and NEL.
    pytest.param(None, b"\r\x80", id="event-invalid-utf8-after-cr"),
    pytest.param(b"\xc2\x85\x80", None, id="config-invalid-utf8-after-nel"),
    # Python refuses to read an integer of over 4,300 digits: PyYAML's ValueError escaped.
    pytest.param(None, b"impact: " + b"1" * 5000 + b"\n", id="event-integer-too-long"),
]


@pytest.mark.parametrize(("config", "event"), KNOWN_CRASH_INPUTS)
def test_check_known_crash_inputs(config: bytes | None, event: bytes | None) -> None:
    """Minimal inputs Hypothesis found; each must give positioned problems, quickly."""
    events = {FUZZED_EVENT: event} if event is not None else example_events()
    with status_repository(config=config, events=events) as (config_path, files):
        check_everything(config_path, files)
