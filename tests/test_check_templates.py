"""`check` catches what `build` will refuse in the templates (issue 24, item 2): every
override is compiled, one page of each kind is rendered with the real state, and syntax
and runtime errors are `templates/NAME:line:column: message` in check and build alike."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from statuspage.cli import cli
from tests.conftest import EXAMPLE_NOW, copy_example

NOW = EXAMPLE_NOW.isoformat()

BROKEN = {
    # template, its text, the line the error is on, what the message says
    "unknown-filter": (
        "event.html",
        "<p>{{ event.title|nosuchfilter }}</p>\n",
        1,
        "No filter named 'nosuchfilter'",
    ),
    "division": (
        "event.html",
        '{% extends "base.html" %}\n{% block content %}\n<p>{{ 1/0 }}</p>\n{% endblock %}\n',
        3,
        "ZeroDivisionError: division by zero",
    ),
    "sandbox": (
        "index.html",
        "{{ self.__init__.__globals__ }}\n",
        1,
        "access to attribute '__init__'",
    ),
    "syntax-in-a-partial": ("partials/row.html", "{% if %}\n", 1, "Expected an expression"),
    "undefined-method": ("history.html", "\n\n{{ state.nope() }}\n", 3, "has no attribute 'nope'"),
}


@pytest.fixture
def repository(tmp_path: Path) -> Path:
    root = copy_example(tmp_path / "repo").parent
    (root / "templates").mkdir()
    return root


def _run(repository: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, [*args, "--config", str(repository / "statuspage.yaml")])
    return result.exit_code, result.output


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_check_reports_at_its_place_what_build_refuses(
    repository: Path, case: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    name, text, line, message = BROKEN[case]
    target = repository / "templates" / name
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    monkeypatch.chdir(repository)
    code, output = _run(repository, "check", "--now", NOW)
    assert code == 1, output
    reported = [row for row in output.splitlines() if row.startswith(f"templates/{name}:")]
    assert len(reported) == 1, output
    place, _, said = reported[0].partition(": ")
    assert place.split(":")[1] == str(line)
    assert message in said
    assert "internal error" not in output
    if name.startswith("partials/"):
        return  # nothing includes it: build renders no page with it, check compiles it
    site = repository / "site"
    code, built = _run(repository, "build", "--now", NOW, "--output", str(site))
    assert code == 1
    assert reported[0] in built  # the same line, from build
    assert "internal error" not in built
    assert not site.exists()


def test_a_theme_names_near_miss_is_a_warning_and_fine_overrides_pass(
    repository: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(repository)
    (repository / "templates" / "evnet.html").write_text("<p>mine</p>\n", encoding="utf-8")
    (repository / "templates" / "footer-links.html").write_text(
        "<a href=/>home</a>\n", encoding="utf-8"
    )
    code, output = _run(repository, "check", "--now", NOW)
    assert code == 0, output
    assert output.splitlines()[0] == (
        "templates/evnet.html:1:1: warning: not a template of the theme, so no page uses it; "
        "did you mean event.html?"
    )
    assert "footer-links" not in output
    code, output = _run(repository, "check", "--strict", "--now", NOW)
    assert code == 1


def test_check_in_a_real_process_names_the_template(repository: Path) -> None:
    (repository / "templates" / "component.html").write_text(
        "{{ component.name|nosuchfilter }}\n", encoding="utf-8"
    )
    result = subprocess.run(
        [sys.executable, "-m", "statuspage", "check", "--now", NOW],
        cwd=repository,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert result.stdout.startswith("templates/component.html:1:19: template error: No filter")
