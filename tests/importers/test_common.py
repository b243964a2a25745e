"""The shared writer: components appended to statuspage.yaml as text, Markdown from HTML."""

from __future__ import annotations

import pytest
import yaml

from statuspage.importers.common import ImportFailure, append_components, to_markdown

NEW = [{"id": "api", "name": "API: public", "group": "Core"}]


def test_appended_after_the_last_entry_in_its_indentation() -> None:
    text = "title: T\ncomponents:\n- id: web\n  name: Web\n# trailing note\nlanguage: en"
    merged = append_components(text, NEW, "Statuspage")
    assert merged == (
        "title: T\ncomponents:\n- id: web\n  name: Web\n"
        "# Imported from Statuspage by statuspage import.\n"
        '- id: api\n  name: "API: public"\n  group: Core\n'
        "# trailing note\nlanguage: en"
    )
    assert yaml.safe_load(merged)["components"][1] == NEW[0]


def test_a_file_without_components_gets_the_list_at_its_end() -> None:
    merged = append_components("title: T", NEW, "cState")
    assert merged.startswith("title: T\ncomponents:\n  # Imported from cState")
    assert yaml.safe_load(merged)["components"] == NEW


def test_a_flow_style_list_is_refused() -> None:
    with pytest.raises(ImportFailure, match="flow style"):
        append_components("components: [{id: a, name: A}]\n", NEW, "cState")


def test_nothing_to_add_leaves_the_text_alone() -> None:
    assert append_components("odd:   text\n", [], "cState") == "odd:   text\n"


def test_markdown_from_html() -> None:
    assert to_markdown("<p>One</p><p>Two <code>x_y</code></p>") == "One\n\nTwo `x_y`"
    assert to_markdown("<script>alert(1)</script>Safe") == "Safe"
    assert to_markdown("  plain *as written*  ") == "plain *as written*"
