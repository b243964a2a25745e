"""Markdown is bounded (issue 24): a text's size, how deep its elements nest, and the
elements one file's Markdown makes. `check` and `build` refuse a text past a bound at
its place, with the same words; a text at the bound is built. (How long the worst file
takes is measured by benchmarks/markdown.py, not here.)"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from statuspage.cli import cli
from statuspage.model.markdown import (
    MAX_ELEMENTS,
    MAX_NESTING,
    MAX_TEXT_LENGTH,
    bounds,
    measure_markdown,
    render_markdown,
)
from tests.conftest import Project

SIZE = (
    "a text may be at most 50,000 characters, got {got}; shorten it, or link to a longer document"
)
NESTED = (
    "Markdown nested {depth} elements deep (quotes, lists, emphasis or links inside each "
    "other); at most 16 are allowed"
)
ELEMENTS = (
    "the Markdown of this file makes more than 10,000 elements (paragraphs, list items, "
    "links, emphasis, line breaks) by the end of this text; shorten the texts, or link to a "
    "longer document"
)


def incident(*messages: str, description: str = "Email is slow.") -> str:
    """An incident with one update per message, each `message: "…"` on lines 9, 12, 15…"""
    updates = "".join(
        f"  - at: 2026-11-23T09:{minute:02d}\n"
        "    status: investigating\n"
        f"    message: {json.dumps(message)}\n"
        for minute, message in enumerate(messages)
    )
    return (
        "type: incident\n"
        "title: Email is down\n"
        "components: [email]\n"
        f"description: {json.dumps(description)}\n"
        "postmortem: A relay was down.\n"
        "updates:\n"
        f"{updates}"
    )


def emphasis(levels: int) -> str:
    """A paragraph with `levels` emphasis elements inside each other."""
    return "*a " * levels + "b" + "*" * levels


def test_the_bounds_are_as_documented() -> None:
    assert (MAX_TEXT_LENGTH, MAX_NESTING, MAX_ELEMENTS) == (50_000, 16, 10_000)


def test_a_text_over_50000_characters_is_refused_at_its_place(project: Project) -> None:
    project.write_event("a", incident("We are on it.", "x" * 50_001))
    assert project.problems() == [
        f"incidents/a.yaml:12:14: updates[1].message: {SIZE.format(got='50,001')}"
    ]


def test_a_text_of_50000_characters_is_built(project: Project, runner: CliRunner) -> None:
    project.write_event("a", incident("x" * 50_000))
    assert project.problems() == []
    result = runner.invoke(cli, ["build", "--now", "2026-11-23T10:00"])
    assert result.exit_code == 0, result.output
    page = (project.root / "site" / "incidents" / "a" / "index.html").read_text(encoding="utf-8")
    assert "x" * 50_000 in page


def test_emphasis_nested_past_16_elements_is_refused(project: Project) -> None:
    # The paragraph is one element, and each emphasis inside it another.
    project.write_event("a", incident("We are on it.", description=emphasis(16)))
    assert project.problems() == [f"incidents/a.yaml:4:14: description: {NESTED.format(depth=17)}"]


def test_quotes_and_lists_nested_past_16_elements_are_refused(project: Project) -> None:
    quotes = "> " * 16 + "b"  # 16 quotes and the paragraph in the innermost
    lists = "".join("  " * level + "- a\n" for level in range(9))  # a list and its item: 2
    project.write_event("a", incident(quotes))
    project.write_event("b", incident(lists))
    assert project.problems() == [
        f"incidents/a.yaml:9:14: updates[0].message: {NESTED.format(depth=17)}",
        f"incidents/b.yaml:9:14: updates[0].message: {NESTED.format(depth=18)}",
    ]


def test_markdown_nested_16_elements_deep_is_built(project: Project, runner: CliRunner) -> None:
    project.write_event("a", incident("We are on it.", description=emphasis(15)))
    assert project.problems() == []
    result = runner.invoke(cli, ["build", "--now", "2026-11-23T10:00"])
    assert result.exit_code == 0, result.output
    page = (project.root / "site" / "incidents" / "a" / "index.html").read_text(encoding="utf-8")
    assert "<em>a " * 15 + "b" + "</em>" * 15 in page


def test_one_file_makes_at_most_10000_elements_refused_at_the_text_that_passes(
    project: Project,
) -> None:
    links = "[a](u) " * 1000  # some 4,000 elements
    project.write_event("a", incident(links, links, links, links))
    project.write_event("b", incident(links, links))  # another file has its own 10,000
    assert project.problems() == [f"incidents/a.yaml:15:14: updates[2].message: {ELEMENTS}"]


def test_one_text_of_too_many_elements_is_refused(project: Project) -> None:
    project.write_event("a", incident("We are on it.", "1. a\n" * 3000))
    assert project.problems() == [f"incidents/a.yaml:12:14: updates[1].message: {ELEMENTS}"]


def test_component_descriptions_are_bounded_in_statuspage_yaml(project: Project) -> None:
    config = project.config_path.read_text(encoding="utf-8")
    project.write_config(
        config.replace("    name: Email\n", f"    name: Email\n    description: '{emphasis(20)}'\n")
    )
    assert project.problems() == [
        f"statuspage.yaml:13:18: components[2].description: {NESTED.format(depth=21)}"
    ]


def test_build_refuses_with_the_same_lines_and_writes_nothing(
    project: Project, runner: CliRunner
) -> None:
    project.write_event("a", incident("We are on it.", description=emphasis(40)))
    result = runner.invoke(cli, ["build", "--now", "2026-11-23T10:00"])
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        f"incidents/a.yaml:4:14: description: {NESTED.format(depth=41)}",
        "Error: Aborted: 1 error in 1 file; nothing was done.",
    ]
    assert not (project.root / "site").exists()


def test_check_prints_the_refusal_and_fails(project: Project, runner: CliRunner) -> None:
    project.write_event("a", incident("x" * 60_000))
    result = runner.invoke(cli, ["check", "--now", "2026-11-23T10:00"])
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        f"incidents/a.yaml:9:14: updates[0].message: {SIZE.format(got='60,000')}",
        "Error: Aborted: 1 error in 1 file.",
    ]


def test_a_measured_text_renders_as_the_parser_renders_it() -> None:
    from statuspage.model.markdown import _PARSER

    text = "Moved **db-3** to [the new rack](https://example.com/r).\n\n> - one\n> - two\n"
    assert measure_markdown(text).depth == 3  # quote, list, item (a tight list shows no p)
    assert render_markdown(text) == _PARSER.render(text)


def test_a_file_whose_texts_are_many_but_small_is_counted_exactly(
    project: Project, runner: CliRunner
) -> None:
    # Bounded without parsing, these could make some 24,000 elements; they make 8,000.
    texts = [f"Step {step}:\n" + "- done\n" * 120 for step in range(8)]
    project.write_event("a", incident(*texts))
    assert project.problems() == []
    result = runner.invoke(cli, ["build", "--now", "2026-11-23T10:00"])
    assert result.exit_code == 0, result.output


MARKDOWN_CHARACTERS = "*_[]()<>:/\\`&#;-+.=~!1a \n\t"


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet=MARKDOWN_CHARACTERS, max_size=120))
def test_the_bounds_taken_without_parsing_hold(text: str) -> None:
    """What lets most texts go unparsed by `check`: a text makes at most as many elements
    as its bound, nested at most as deep."""
    elements, depth = measure_markdown(text)
    most, deepest = bounds(text)
    assert elements <= most
    assert depth <= deepest


@pytest.mark.parametrize(
    "text",
    [
        "#\n" * 50,
        "-\n" * 50,
        "- - - - - - - - a",
        "1. 2) 3. 4) a",
        "> > > > > - 1. *a* [b](c) <http://d>",
        "***a***" * 20,
        "a\\\nb\\\n" * 30,
        "[a]: u\n\n" + "[a]" * 40,
        "```\n" * 30,
        "a\n=\n" * 30,
        "&amp;&#1;`a`" * 20,
    ],
)
def test_the_bounds_hold_for_dense_markdown(text: str) -> None:
    elements, depth = measure_markdown(text)
    most, deepest = bounds(text)
    assert elements <= most
    assert depth <= deepest
