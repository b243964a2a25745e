"""docs/hooks/reference.py: README sections and repository files included in the docs keep
working links, and the schema renders every field (issue #18)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType, SimpleNamespace

import pytest

from tests.conftest import REPO_ROOT


@pytest.fixture(scope="module")
def hook() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "docs_reference_hook", REPO_ROOT / "docs" / "hooks" / "reference.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


README = """# statuspage

## Commands

text

### Notifications (`statuspage notify`)

`statuspage notify` tells people; see [SECURITY.md](SECURITY.md), [the code](statuspage/notify/run.py),
[a section](#publishing), [Publishing](docs/guides/publishing.md) and [a site](https://example.com/).

![shot](docs/assets/screenshots/light.png)

```yaml
# a comment, not a heading
notify: {}
```

#### Channels

more

## Speed

not included
"""


def _page(src: str) -> SimpleNamespace:
    return SimpleNamespace(file=SimpleNamespace(src_uri=src))


def test_a_readme_section_is_included_with_links_that_work(
    hook: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "README.md").write_text(README, encoding="utf-8")
    monkeypatch.setattr(hook, "ROOT", tmp_path)
    markdown = "# Notifications\n\n<!-- readme-section: Notifications -->\nstub\n<!-- /readme-section -->\n"
    out = hook.on_page_markdown(markdown, page=_page("guides/notifications.md"))
    assert "stub" not in out and "not included" not in out
    assert "[SECURITY.md](../reference/security.md)" in out
    assert "[Publishing](publishing.md)" in out
    assert "the code (`statuspage/notify/run.py`)" in out  # a source file: text, not a link
    assert "a section (`#publishing`)" in out  # a README anchor: text
    assert "[a site](https://example.com/)" in out
    assert "![shot](../assets/screenshots/light.png)" in out
    assert "# a comment, not a heading" in out  # code is left alone
    assert "\n## Channels\n" in out  # the section's headings sit under the page's title


def test_without_the_section_the_stub_stays(
    hook: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "README.md").write_text("# statuspage\n\n## Commands\n", encoding="utf-8")
    monkeypatch.setattr(hook, "ROOT", tmp_path)
    markdown = "<!-- readme-section: Importing from Statuspage or cState -->\nstub\n<!-- /readme-section -->\n"
    assert hook.on_page_markdown(markdown, page=_page("guides/migrating.md")).strip() == "stub"


def test_the_schema_renders_every_object_and_field(hook: ModuleType) -> None:
    schema = {
        "title": "Root",
        "properties": {
            "name": {"type": "string", "description": "A name", "minLength": 1},
            "child": {"anyOf": [{"$ref": "#/$defs/Child"}, {"type": "null"}], "default": None},
            "kids": {"type": "array", "items": {"$ref": "#/$defs/Child"}},
        },
        "required": ["name"],
        "$defs": {
            "Child": {"description": "A child.", "properties": {"age": {"type": "integer"}}},
            "Orphan": {"properties": {"alone": {"type": "boolean", "default": False}}},
        },
    }
    out = hook.render_schema(schema, "root.yaml")
    for text in ("`name`", "`child`", "`kids`", "`age`", "`alone`", "{#child}", "{#orphan}"):
        assert text in out
    assert "**required**" in out and "list of [Child](#child)" in out
    assert "Child: `child`" in out  # where the object is written
