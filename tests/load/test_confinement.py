"""Every source file is opened the same way, and only inside its own folder (issues 19, 22).

statuspage.yaml, event files and templates are resolved (every link of every step) and
must lie in the config's folder, incidents/, or templates/ and the built-in theme; they
are opened without blocking, fstat'ed, and read up to the size limit plus one byte. With
real symbolic links in one, two and three hops, real FIFOs and /dev/zero: whatever is
refused is refused at its path by `check` and `build` alike, at once, and nothing of a
file outside the repository is ever printed or published.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner

from statuspage.cli import cli
from statuspage.load import sources
from statuspage.load.sources import (
    THEME_DIR,
    NotRegularFileError,
    RefusedSourceError,
    load_sources,
    read_source,
)
from statuspage.outputs.pages import (
    Page,
    TemplateProblemError,
    TemplateSourceError,
    compile_templates,
    make_environment,
    render_pages,
)
from tests.conftest import HELSINKI, Project

pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="POSIX links and FIFOs")

NOW = "2026-11-23T10:00"
MARKER = "outside-the-repository-7f3a9c"
OUT = "a symbolic link out of the repository is not allowed"
EVENT = (
    "type: incident\ntitle: {title}\ncomponents: [email]\nupdates:\n"
    "  - at: 2026-11-23T09:00\n    status: investigating\n    message: m\n"
)


@pytest.fixture
def outside(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder outside the repository, with files that must never be shown."""
    folder = tmp_path_factory.mktemp("outside")
    (folder / "secret.txt").write_text(f"{MARKER}\n", encoding="utf-8")
    (folder / "secret.yaml").write_text(EVENT.format(title=MARKER), encoding="utf-8")
    (folder / "page.html").write_text(f"<p>{MARKER}</p>\n", encoding="utf-8")
    return folder


def run(*arguments: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, [*arguments, "--now", NOW])
    assert "Traceback" not in result.output
    return result.exit_code, result.output


def check(project: Project) -> tuple[int, str]:
    return run("check")


def build(project: Project) -> tuple[int, str]:
    return run("build")


def published(root: Path) -> bytes:
    site = root / "site"
    return b"".join(p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file())


def refused_everywhere(project: Project, *lines: str) -> None:
    """`check` and `build` both print exactly these problems and stop; the build writes
    nothing; nothing printed or published shows the outside files."""
    errors = sum(" warning: " not in line for line in lines)
    files = len({line.split(":", 1)[0] for line in lines})
    summary = f"{errors} error{'s' * (errors != 1)} in {files} file{'s' * (files != 1)}"
    body = "".join(f"{line}\n" for line in lines)
    assert check(project) == (1, f"{body}Error: Aborted: {summary}.\n")
    assert build(project) == (1, f"{body}Error: Aborted: {summary}; nothing was done.\n")
    assert not (project.root / "site").exists()


@contextmanager
def within(seconds: int) -> Iterator[None]:
    """Fail instead of hanging (a FIFO opened the old way would block for ever)."""

    def expired(signum: int, frame: object) -> None:
        raise AssertionError(f"took over {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def templates(project: Project) -> Path:
    folder = project.root / "templates"
    folder.mkdir(exist_ok=True)
    return folder


def include(project: Project, name: str) -> None:
    (templates(project) / "404.html").write_text(
        '{% extends "!builtin/404.html" %}'
        f'{{% block content %}}{{% include "{name}" %}}{{% endblock %}}\n',
        encoding="utf-8",
    )


# --- templates/ -----------------------------------------------------------------------------


@pytest.mark.parametrize("target", ["/etc/passwd", "secret.txt"])
def test_the_two_hop_link_of_the_issue_is_refused_at_its_place(
    project: Project, outside: Path, target: str
) -> None:
    """ln -s /etc/passwd other/evil; ln -s ../other templates/sub; include "sub/evil"."""
    (project.root / "other").mkdir()
    (project.root / "other" / "evil").symlink_to(outside / target if "/" not in target else target)
    include(project, "sub/evil")
    (templates(project) / "sub").symlink_to("../other")
    refused_everywhere(
        project,
        "templates/sub:1:1: a symbolic link out of templates/ is not allowed (it leads to other)",
    )


@pytest.mark.parametrize(
    ("layout", "problems"),
    [
        (  # one hop, to a file
            {"templates/404.html": "{outside}/page.html"},
            [f"templates/404.html:1:1: {OUT}"],
        ),
        (  # one hop, to a folder outside
            {"templates/sub": "{outside}"},
            [f"templates/sub:1:1: {OUT}"],
        ),
        (  # two hops: a file links to a file of the repository that links out
            {"other/page.html": "{outside}/page.html", "templates/404.html": "../other/page.html"},
            [f"templates/404.html:1:1: {OUT}"],
        ),
        (  # three hops, files: inside templates/, into the repository, out
            {
                "hop/b.html": "{outside}/page.html",
                "templates/a.html": "../hop/b.html",
                "templates/404.html": "a.html",
            },
            [f"templates/404.html:1:1: {OUT}", f"templates/a.html:1:1: {OUT}"],
        ),
        (  # three hops, folders
            {"two": "{outside}", "one": "two", "templates/sub": "../one"},
            [f"templates/sub:1:1: {OUT}"],
        ),
        (  # a link to /dev/zero
            {"templates/404.html": "/dev/zero"},
            [f"templates/404.html:1:1: {OUT}"],
        ),
        (  # hidden names are checked for links out too
            {"templates/.x.html": "{outside}/page.html"},
            [f"templates/.x.html:1:1: {OUT}"],
        ),
        (  # a link within the repository that leaves templates/
            {"pages/404.html": None, "templates/404.html": "../pages/404.html"},
            [
                "templates/404.html:1:1: a symbolic link out of templates/ is not allowed "
                "(it leads to pages/404.html)"
            ],
        ),
    ],
)
def test_links_out_of_templates_in_one_two_and_three_hops(
    project: Project, outside: Path, layout: dict[str, str | None], problems: list[str]
) -> None:
    for name, target in layout.items():
        path = project.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if target is None:
            path.write_text("<p>a page</p>\n", encoding="utf-8")
        else:
            path.symlink_to(target.format(outside=outside))
    refused_everywhere(project, *problems)


def test_the_loader_refuses_what_it_opens_without_the_walk(project: Project, outside: Path) -> None:
    """Confinement by what is opened: the environment alone, given a link that `check`
    would have caught, refuses it where the include names it."""
    (project.root / "other").mkdir()
    (project.root / "other" / "evil").symlink_to(outside / "secret.txt")
    (templates(project) / "sub").symlink_to("../other")
    env = make_environment(project.root / "templates", "en", HELSINKI)
    with pytest.raises(TemplateSourceError) as raised:
        env.get_template("sub/evil")
    assert str(raised.value.problem) == f"templates/sub/evil:1:1: {OUT}"
    (templates(project) / "page.html").write_text('{% extends "sub/evil" %}', encoding="utf-8")
    compile_templates([Page("x", "page.html", {})], env)  # the parent is known at render
    with pytest.raises(TemplateProblemError) as failed:
        render_pages([Page("x", "page.html", {})], env)
    assert str(failed.value) == f"templates/sub/evil:1:1: {OUT}"


def test_an_include_through_a_refused_link_fails_the_render_at_its_path(
    project: Project, outside: Path
) -> None:
    (templates(project) / "sub").symlink_to(outside)
    (templates(project) / "page.html").write_text('{% include "sub/page.html" %}', encoding="utf-8")
    env = make_environment(project.root / "templates", "en", HELSINKI)
    with pytest.raises(TemplateProblemError) as raised:
        render_pages([Page("x", "page.html", {})], env)
    assert str(raised.value) == f"templates/sub/page.html:1:1: {OUT}"


def test_links_inside_templates_and_into_the_theme_are_fine(project: Project) -> None:
    folder = templates(project)
    (folder / "partials").mkdir()
    (folder / "partials" / "note.html").write_text("<p>A note</p>\n", encoding="utf-8")
    (folder / "parts").symlink_to("partials")
    (folder / "real-404.html").write_text(
        '{% extends "!builtin/404.html" %}{% block content %}{% include "parts/note.html" %}'
        "{{ super() }}{% endblock %}\n",
        encoding="utf-8",
    )
    (folder / "404.html").symlink_to("real-404.html")
    (folder / "base.html").symlink_to(Path(THEME_DIR) / "base.html")
    (folder / ".#index.html").symlink_to("root@host.1234:1700000000")  # an editor's lock
    assert check(project) == (0, "OK: no problems.\n")
    assert build(project)[0] == 0
    assert "<p>A note</p>" in (project.root / "site" / "404.html").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("make", "problem"),
    [
        (lambda path: os.mkfifo(path), "a FIFO (named pipe), not a regular file"),
        (
            lambda path: path.symlink_to("missing.html"),
            "a symbolic link to nothing (its target does not exist)",
        ),
        (lambda path: path.symlink_to(path.name), "a loop of symbolic links"),
    ],
    ids=["fifo", "dangling", "loop"],
)
def test_a_template_that_is_not_a_regular_file_is_refused_at_its_path(
    project: Project, make: Callable[[Path], object], problem: str
) -> None:
    path = templates(project) / "404.html"
    make(path)
    with within(20):
        refused_everywhere(project, f"templates/404.html:1:1: {problem}")
        env = make_environment(project.root / "templates", "en", HELSINKI)
        with pytest.raises(TemplateSourceError) as raised:
            env.get_template("404.html")  # not the built-in one of the same name
    assert str(raised.value.problem) == f"templates/404.html:1:1: {problem}"


def test_a_template_that_is_too_large_or_not_utf8_fails_the_build(project: Project) -> None:
    path = templates(project) / "404.html"
    path.write_bytes(b"<p>\n<p>caf\xe9</p>\n")
    code, output = build(project)
    assert (code, output) == (1, "Error: templates/404.html:2:7: the file is not valid UTF-8\n")
    path.write_bytes(b"x" * 2_100_000)
    code, output = build(project)
    assert (code, output) == (
        1,
        "Error: templates/404.html:1:1: the file is 2.1 MB; a source file may be at most 2 MB\n",
    )


@pytest.mark.parametrize(
    ("target", "problem"),
    [
        ("{outside}", OUT),
        (".", "a symbolic link to the repository itself is not allowed"),
        ("..", OUT),
        (".git", "a symbolic link into a hidden folder is not allowed (it leads to .git)"),
    ],
)
@pytest.mark.parametrize("folder", ["templates", "incidents"])
def test_a_source_folder_that_links_out_is_refused(
    project: Project, outside: Path, folder: str, target: str, problem: str
) -> None:
    (project.root / ".git").mkdir()
    (project.root / ".git" / "config").write_text(f"[core]\n# {MARKER}\n", encoding="utf-8")
    if folder == "incidents":
        (project.root / "incidents").rmdir()
    (project.root / folder).symlink_to(target.format(outside=outside))
    if target in (".", ".."):  # site/ would lie in it: build refuses before reading
        assert check(project) == (
            1,
            f"{folder}:1:1: {problem}\nError: Aborted: 1 error in 1 file.\n",
        )
        assert build(project) == (1, f"Error: refusing to build into site: it is inside {folder}\n")
    else:
        refused_everywhere(project, f"{folder}:1:1: {problem}")


def test_a_source_folder_may_link_to_a_folder_of_the_repository(project: Project) -> None:
    (project.root / "incidents").rmdir()
    (project.root / "data" / "incidents").mkdir(parents=True)
    (project.root / "data" / "incidents" / "x.yaml").write_text(
        EVENT.format(title="Linked"), encoding="utf-8"
    )
    (project.root / "incidents").symlink_to("data/incidents")
    assert check(project) == (0, "OK: no problems.\n")
    assert [e.data["title"] for e in load_sources(project.config_path).events] == ["Linked"]


# --- statuspage.yaml ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "problem"),
    [
        ("/dev/zero", OUT),
        ("/etc/passwd", OUT),
        ("{outside}/secret.yaml", OUT),
        (
            ".git/config",
            "a symbolic link into a hidden folder is not allowed (it leads to .git/config)",
        ),
    ],
)
def test_a_config_that_links_out_is_refused_at_once_echoing_nothing(
    project: Project, outside: Path, target: str, problem: str
) -> None:
    (project.root / ".git").mkdir()
    (project.root / ".git" / "config").write_text(f"title: {MARKER}\n", encoding="utf-8")
    project.config_path.unlink()
    project.config_path.symlink_to(target.format(outside=outside))
    with within(20):
        started = time.monotonic()
        loaded = load_sources(project.config_path)
        assert time.monotonic() - started < 1
        assert loaded.config is None
        assert [str(p) for p in loaded.problems] == [f"statuspage.yaml:1:1: {problem}"]
        refused_everywhere(project, f"statuspage.yaml:1:1: {problem}")
    _, output = check(project)
    assert MARKER not in output and "root:" not in output


@pytest.mark.parametrize(
    ("make", "problem"),
    [
        (os.mkfifo, "a FIFO (named pipe), not a regular file"),
        (os.mkdir, "a folder, not a regular file"),
    ],
    ids=["fifo", "folder"],
)
def test_a_config_that_is_not_a_regular_file_is_refused_at_once(
    project: Project, make: Callable[[Path], object], problem: str
) -> None:
    project.config_path.unlink()
    make(project.config_path)
    with within(20):
        started = time.monotonic()
        assert [str(p) for p in load_sources(project.config_path).problems] == [
            f"statuspage.yaml:1:1: {problem}"
        ]
        assert time.monotonic() - started < 1
        if make is os.mkdir:  # the command line says so first
            code, output = check(project)
            assert code == 2 and "'statuspage.yaml' is a directory" in output
        else:
            refused_everywhere(project, f"statuspage.yaml:1:1: {problem}")


def test_a_device_named_as_the_config_is_refused(project: Project) -> None:
    with within(20):
        code, output = run("check", "--config", "/dev/zero")
    assert (code, output) == (
        1,
        "/dev/zero:1:1: a character device, not a regular file\nError: Aborted: 1 error in 1 file.\n",
    )


def test_a_config_linked_inside_the_repository_is_read(project: Project) -> None:
    (project.root / "conf").mkdir()
    project.config_path.rename(project.root / "conf" / "statuspage.yaml")
    project.config_path.symlink_to("conf/statuspage.yaml")
    assert load_sources(project.config_path).config is not None


@pytest.mark.parametrize("kind", ["zero", "fifo"])
def test_a_real_check_process_refuses_a_config_that_would_hang_or_fill_memory(
    project: Project, kind: str
) -> None:
    """Before: /dev/zero was read until memory ran out, and a FIFO hung `check`."""
    project.config_path.unlink()
    if kind == "zero":
        project.config_path.symlink_to("/dev/zero")
        problem = OUT
    else:
        os.mkfifo(project.config_path)
        problem = "a FIFO (named pipe), not a regular file"
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "statuspage", "check", "--now", NOW],
        cwd=project.root,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert time.monotonic() - started < 30  # the interpreter's start-up, on a busy machine
    assert (result.returncode, result.stdout, result.stderr) == (
        1,
        f"statuspage.yaml:1:1: {problem}\n",
        "Error: Aborted: 1 error in 1 file.\n",
    )


# --- incidents/ -----------------------------------------------------------------------------


def test_event_files_that_are_not_readable_regular_files_are_warned_about(
    project: Project,
) -> None:
    """No incident vanishes from the site without a word (issue 19, "No silent loss")."""
    incidents = project.root / "incidents"
    project.write_event("fine", EVENT.format(title="Fine"))
    os.mkfifo(incidents / "fifo.yaml")
    (incidents / "folder.yaml").mkdir()
    (incidents / "dangling.yaml").symlink_to("gone.yaml")
    (incidents / "drafts").mkdir()
    (incidents / "to-folder.yaml").symlink_to("drafts")
    warnings = [
        "incidents/dangling.yaml:1:1: warning: ignored: a symbolic link to nothing (its target does not exist)",
        "incidents/fifo.yaml:1:1: warning: ignored: a FIFO (named pipe), not a regular file",
        "incidents/folder.yaml:1:1: warning: ignored: a folder, not a regular file",
        "incidents/to-folder.yaml:1:1: warning: ignored: a folder, not a regular file",
    ]
    with within(20):
        assert check(project) == (
            0,
            "".join(f"{w}\n" for w in warnings) + "OK: 4 warnings in 4 files.\n",
        )
        code, output = run("check", "--strict")
        assert code == 1
        code, output = build(project)
    assert code == 0
    assert output.splitlines()[:4] == warnings
    assert (project.root / "site" / "incidents" / "fine" / "index.html").is_file()


@pytest.mark.parametrize(
    ("target", "problem"),
    [
        ("/dev/zero", OUT),
        ("/dev/null", OUT),
        ("{outside}/secret.yaml", OUT),
        ("{outside}", OUT),
        (
            "../statuspage.yaml",
            "a symbolic link out of incidents/ is not allowed (it leads to statuspage.yaml)",
        ),
    ],
)
def test_event_links_out_of_incidents_are_errors(
    project: Project, outside: Path, target: str, problem: str
) -> None:
    (project.root / "incidents" / "x.yaml").symlink_to(target.format(outside=outside))
    with within(20):
        refused_everywhere(project, f"incidents/x.yaml:1:1: {problem}")


# --- the opener itself ----------------------------------------------------------------------


def test_every_read_stops_at_the_limit_whatever_stat_says(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file that says it is small (as /proc's do) is still read to 2 MB + 1 byte only."""
    big = tmp_path / "big.yaml"
    big.write_bytes(b"x" * 3_000_000)
    real_fstat = os.fstat
    reads: list[int] = []
    real_read = os.read

    def small(descriptor: int) -> os.stat_result:
        info = list(real_fstat(descriptor))
        info[6] = 10  # st_size
        return os.stat_result(info)

    def counted(descriptor: int, size: int) -> bytes:
        reads.append(size)
        return real_read(descriptor, size)

    monkeypatch.setattr(os, "fstat", small)
    monkeypatch.setattr(os, "read", counted)
    with pytest.raises(RefusedSourceError) as raised:
        read_source(str(big))
    assert raised.value.message == "the file is over 2 MB; a source file may be at most 2 MB"
    assert sum(reads) <= sources.MAX_FILE_BYTES + 1


def test_the_opener_never_blocks_nor_reads_a_device(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    with within(10):
        with pytest.raises(NotRegularFileError) as raised:
            read_source(str(fifo))
        assert raised.value.message == "a FIFO (named pipe), not a regular file"
        with pytest.raises(NotRegularFileError) as raised:
            read_source("/dev/zero")
        assert raised.value.message == "a character device, not a regular file"
    link = tmp_path / "link"
    link.symlink_to(tmp_path / "fifo")
    with pytest.raises(OSError):  # a resolved path that is a link now was swapped: O_NOFOLLOW
        read_source(str(link))


def test_nothing_outside_the_repository_reaches_the_site_or_the_log(
    project: Project, outside: Path
) -> None:
    """Every refused link at once, then each fixed but the hidden ones: the site builds,
    and no file of it, nor anything printed, holds what lies outside."""
    (project.root / "other").mkdir()
    (project.root / "other" / "evil").symlink_to(outside / "secret.txt")
    (templates(project) / "sub").symlink_to("../other")
    (templates(project) / ".hidden").symlink_to(outside / "page.html")
    (project.root / "incidents" / "leak.yaml").symlink_to(outside / "secret.yaml")
    include(project, "sub/evil")
    for command in ("check", "build"):
        code, output = run(command)
        assert code == 1 and MARKER not in output
    (templates(project) / "sub").unlink()
    (templates(project) / ".hidden").unlink()
    (project.root / "incidents" / "leak.yaml").unlink()
    (templates(project) / "404.html").unlink()
    code, output = build(project)
    assert code == 0 and MARKER not in output
    assert MARKER.encode() not in published(project.root)
