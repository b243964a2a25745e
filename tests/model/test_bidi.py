"""Bidi controls in one-line fields (issue 19): an embedding, override or isolate left open
reorders everything after the text (the site's name in <title>, the rest of a list), so
every one must be closed, in order; titles are isolated in lists; a title of invisible
characters only is empty."""

from __future__ import annotations

from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from hypothesis import given
from hypothesis import strategies as st

from statuspage.model.models import _one_line
from tests.conftest import EXAMPLE_NOW, Project, build_example

LRE, RLE, PDF, LRO, RLO = "\u202a", "\u202b", "\u202c", "\u202d", "\u202e"
LRI, RLI, FSI, PDI = "\u2066", "\u2067", "\u2068", "\u2069"


def event(title: str) -> str:
    escaped = title.encode("unicode_escape").decode("ascii").replace('"', '\\"')
    return (
        f'type: incident\ntitle: "{escaped}"\ncomponents: [email]\nupdates:\n'
        "  - at: 2026-11-23T09:00\n    status: investigating\n    message: m\n"
    )


@pytest.mark.parametrize(
    ("title", "message"),
    [
        (
            f"abc {RLO}cba",
            "the right-to-left override U+202E (character 5) is not closed: it would reorder "
            "the text after it; end it with pop directional formatting U+202C or remove it",
        ),
        (
            f"{LRO}abc",
            "the left-to-right override U+202D (character 1) is not closed: it would reorder "
            "the text after it; end it with pop directional formatting U+202C or remove it",
        ),
        (
            f"a {LRE}b",
            "the left-to-right embedding U+202A (character 3) is not closed: it would reorder "
            "the text after it; end it with pop directional formatting U+202C or remove it",
        ),
        (
            f"a {RLE}b",
            "the right-to-left embedding U+202B (character 3) is not closed: it would reorder "
            "the text after it; end it with pop directional formatting U+202C or remove it",
        ),
        (
            f"a {RLI}b",
            "the right-to-left isolate U+2067 (character 3) is not closed: it would reorder "
            "the text after it; end it with pop directional isolate U+2069 or remove it",
        ),
        (
            f"a {LRI}b",
            "the left-to-right isolate U+2066 (character 3) is not closed: it would reorder "
            "the text after it; end it with pop directional isolate U+2069 or remove it",
        ),
        (
            f"a {FSI}b",
            "the first strong isolate U+2068 (character 3) is not closed: it would reorder "
            "the text after it; end it with pop directional isolate U+2069 or remove it",
        ),
        (
            f"x {PDF} y",
            "the pop directional formatting U+202C (character 3) closes nothing; remove it",
        ),
        (
            f"x {PDI} y",
            "the pop directional isolate U+2069 (character 3) closes nothing; remove it",
        ),
        (  # an isolate cannot close an override opened before it, nor the other way round
            f"{RLO}a{PDI}",
            "the pop directional isolate U+2069 (character 3) closes nothing; remove it",
        ),
        (
            f"{LRI}a{RLE}b{PDI}",
            "the right-to-left embedding U+202B (character 3) is not closed before the pop "
            "directional isolate U+2069 (character 5): it would reorder the text after it; "
            "end it with pop directional formatting U+202C or remove it",
        ),
        (  # balanced pairs, then one left open: that one is named
            f"{RLI}a{PDI} {RLO}b{PDF} {RLO}c",
            "the right-to-left override U+202E (character 9) is not closed: it would reorder "
            "the text after it; end it with pop directional formatting U+202C or remove it",
        ),
    ],
)
def test_unbalanced_bidi_controls_in_a_title_are_refused_at_its_place(
    project: Project, title: str, message: str
) -> None:
    project.write_event("x", event(title))
    assert project.problems() == [f"incidents/x.yaml:2:8: title: {message}"]


@pytest.mark.parametrize(
    "title",
    [
        f"Outage of {RLI}\u05d3\u05d5\u05d0\u05e8{PDI} in Helsinki",
        f"{RLO}desrever{PDF} and {LRE}embedded{PDF}",
        f"{LRI}a {RLE}b{PDF} {FSI}c{PDI}{PDI}",
        "\u05e9\u05d9\u05e8\u05d5\u05ea \u05d3\u05d5\u05d0\u05e8 \u05d0\u05d9\u05d8\u05d9",
    ],
)
def test_balanced_bidi_controls_are_fine(project: Project, title: str) -> None:
    project.write_event("x", event(title))
    assert project.problems() == []


@pytest.mark.parametrize(
    "title",
    [
        "\u200b",
        "\u200b\u200c\u200d\u2060\ufeff",
        " \u200e\u200f ",
        f"{LRI}{PDI}",
        "\u00ad\u034f\u3164",
    ],
)
def test_a_title_of_invisible_characters_only_is_empty(project: Project, title: str) -> None:
    project.write_event("x", event(title))
    assert project.problems() == [
        "incidents/x.yaml:2:8: title: must not be empty (it has only invisible characters)"
    ]


def test_every_one_line_field_is_checked(project: Project) -> None:
    project.write_config(
        f'title: "Status{RLO}"\nbase_url: https://s.example/\n'
        f'description: "{LRI}why"\ncomponents:\n'
        f'  - id: email\n    name: "Mail{PDF}"\n    group: "{RLE}Hosting"\n'
    )
    assert project.problems() == [
        "statuspage.yaml:1:8: title: the right-to-left override U+202E (character 7) is not "
        "closed: it would reorder the text after it; end it with pop directional formatting "
        "U+202C or remove it",
        "statuspage.yaml:3:14: description: the left-to-right isolate U+2066 (character 1) is "
        "not closed: it would reorder the text after it; end it with pop directional isolate "
        "U+2069 or remove it",
        "statuspage.yaml:6:11: components[0].name: the pop directional formatting U+202C "
        "(character 5) closes nothing; remove it",
        "statuspage.yaml:7:12: components[0].group: the right-to-left embedding U+202B "
        "(character 1) is not closed: it would reorder the text after it; end it with pop "
        "directional formatting U+202C or remove it",
    ]


# Balanced sequences, made as the grammar makes them: text, or an opener, a balanced
# sequence and its own closer, one after another.
_TEXT = st.text(alphabet="ab \u05d0", max_size=3)
_BALANCED = st.recursive(
    _TEXT,
    lambda inner: st.one_of(
        st.tuples(st.sampled_from([LRE, RLE, LRO, RLO]), inner).map(lambda p: f"{p[0]}{p[1]}{PDF}"),
        st.tuples(st.sampled_from([LRI, RLI, FSI]), inner).map(lambda p: f"{p[0]}{p[1]}{PDI}"),
        st.lists(inner, min_size=2, max_size=3).map("".join),
    ),
    max_leaves=12,
)


@given(_BALANCED)
def test_any_balanced_text_is_accepted(text: str) -> None:
    assert _one_line("t" + text) == "t" + text


@given(_BALANCED, st.data())
def test_taking_any_one_control_away_unbalances_it(text: str, data: st.DataObject) -> None:
    places = [
        i
        for i, char in enumerate(text)
        if "\u202a" <= char <= "\u202e" or "\u2066" <= char <= "\u2069"
    ]
    if not places:
        return
    cut = data.draw(st.sampled_from(places))
    with pytest.raises(ValueError, match=r"closes nothing|is not closed"):
        _one_line("t" + text[:cut] + text[cut + 1 :])


def test_titles_are_isolated_in_every_list(tmp_path: Path) -> None:
    """Each event link of a list holds its title in a <bdi> of its own, so that what the
    list writes after it (kind, status, time) stays in order whatever the title says."""
    root = build_example(tmp_path / "repo", EXAMPLE_NOW)
    for page in ("history/index.html", "history/2026-11/index.html", "components/email/index.html"):
        path = root / "site" / page
        if not path.exists():
            continue
        soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html5lib")
        links = soup.select("ul.events li > a")
        for link in links:
            children = [child for child in link.children if str(child).strip()]
            assert len(children) == 1 and children[0].name == "bdi", link
    index = BeautifulSoup((root / "site" / "index.html").read_text(encoding="utf-8"), "html5lib")
    listed = index.select("ul.events li > a")
    assert listed and all(link.find("bdi") is not None for link in listed)
