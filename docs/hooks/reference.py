"""MkDocs hook: the parts of the docs that are generated at build time, so they cannot drift.

- `<!-- schema: config -->` and `<!-- schema: event -->` become the reference of every
  field of statuspage.yaml and of event files, rendered from the JSON Schema that
  `statuspage schema` prints (statuspage/model/schema.py, from the pydantic models).
- `<!-- repo-file: NAME -->` becomes a file of the repository (SECURITY.md), without its
  first heading.
- `<!-- readme-section: TITLE -->` ... `<!-- /readme-section -->` becomes the README's
  section of that title when the README has one; else the text between the markers stays.

Links in included text are rewritten for the docs: README.md, SECURITY.md and docs/...
point at their pages here; any other relative link (a source file, a README anchor)
becomes plain text, so `mkdocs build --strict` never meets a link that leads nowhere.
"""

from __future__ import annotations

import json
import posixpath
import re
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]

# Repository files that have a page in the docs (path from docs/).
PAGES_OF_FILES = {"README.md": "index.md", "SECURITY.md": "reference/security.md"}

SCHEMA_MARKER = re.compile(r"<!-- schema: (config|event) -->")
FILE_MARKER = re.compile(r"<!-- repo-file: ([\w./-]+) -->")
SECTION_MARKER = re.compile(
    r"<!-- readme-section: (.+?) -->\n(.*?)<!-- /readme-section -->", flags=re.S
)
LINK = re.compile(r"(?<!!)\[([^\]]+)\]\(([^)\s]+)\)")
IMAGE = re.compile(r"!\[([^\]]*)\]\(docs/([^)\s]+)\)")
HEADING = re.compile(r"^(#{1,6}) ")


# -- the JSON Schema as Markdown ---------------------------------------------------------


def _anchor(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _code(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return f"`{text}`"


def _ref_name(schema: dict[str, Any]) -> str | None:
    ref = schema.get("$ref")
    return ref.rsplit("/", 1)[-1] if isinstance(ref, str) else None


def _alternatives(schema: dict[str, Any]) -> list[dict[str, Any]]:
    """A field's possible shapes, without the `null` that marks it optional."""
    options = schema.get("anyOf") or schema.get("oneOf")
    if options is None:
        return [schema]
    return [option for option in options if option.get("type") != "null"]


def _type(schema: dict[str, Any]) -> str:
    name = _ref_name(schema)
    if name:
        return f"[{name}](#{_anchor(name)})"
    if "anyOf" in schema or "oneOf" in schema:
        return " or ".join(_type(option) for option in _alternatives(schema))
    if "const" in schema:
        return _code(schema["const"])
    if "enum" in schema:
        return "one of " + ", ".join(_code(value) for value in schema["enum"])
    kind = schema.get("type")
    if kind == "array":
        return f"list of {_type(schema.get('items', {}))}"
    if kind == "object":
        values = schema.get("additionalProperties")
        if isinstance(values, dict):
            return f"mapping of id to {_type(values)}"
        return "mapping"
    words = {
        "string": "text",
        "integer": "whole number",
        "number": "number",
        "boolean": "true or false",
    }
    text = words.get(kind, kind or "any")
    if schema.get("format"):
        text += f" ({schema['format']})"
    return text


def _constraints(schema: dict[str, Any]) -> list[str]:
    notes: list[str] = []
    for option in _alternatives(schema):
        for target in (option, option.get("items") or {}):
            if "pattern" in target:
                notes.append(f"Matches {_code(target['pattern'])}")
            if "minimum" in target and "maximum" in target:
                notes.append(f"From {target['minimum']} to {target['maximum']}")
            elif "minimum" in target:
                notes.append(f"At least {target['minimum']}")
            elif "maximum" in target:
                notes.append(f"At most {target['maximum']}")
            if target.get("minLength") == 1:
                notes.append("Not empty")
            if target.get("minItems"):
                notes.append(f"At least {target['minItems']}")
    examples = schema.get("examples") or next(
        (option["examples"] for option in _alternatives(schema) if "examples" in option), None
    )
    if examples:
        notes.append("For example " + ", ".join(_code(example) for example in examples))
    return list(dict.fromkeys(notes))


def _sentences(parts: list[str | None]) -> str:
    """Texts joined as sentences, each once."""
    texts = [" ".join(part.split()) for part in dict.fromkeys(parts) if part]
    return " ".join(text if text[-1] in ".!?" else text + "." for text in texts)


def _description(schema: dict[str, Any]) -> str:
    texts = [schema.get("description")]
    texts += [option.get("description") for option in _alternatives(schema) if option is not schema]
    return _sentences(texts)


def _references(schema: Any) -> list[str]:
    """The $defs a (sub)schema names, in order of appearance."""
    found: list[str] = []
    if isinstance(schema, dict):
        name = _ref_name(schema)
        if name:
            found.append(name)
        for value in schema.values():
            found += _references(value)
    elif isinstance(schema, list):
        for value in schema:
            found += _references(value)
    return found


def _table(schema: dict[str, Any]) -> str:
    required = set(schema.get("required", []))
    rows = ["| field | type | presence | description |", "| --- | --- | --- | --- |"]
    for name, field in schema.get("properties", {}).items():
        if name in required:
            need = "**required**"
        elif field.get("default") is not None and field.get("default") not in ([], {}):
            need = f"default {_code(field['default'])}"
        else:
            need = "optional"
        text = _sentences([_description(field), *_constraints(field)])
        rows.append(f"| `{name}` | {_cell(_type(field))} | {_cell(need)} | {_cell(text)} |")
    return "\n".join(rows)


def _places(schema: dict[str, Any], where: str, places: dict[str, str]) -> None:
    """Where each $def is written in the file (`notify.channels[]`), first place found."""
    for name, field in schema.get("properties", {}).items():
        path = f"{where}.{name}" if where else name
        for option in _alternatives(field):
            target = option.get("items", option) if option.get("type") == "array" else option
            suffix = "[]" if option.get("type") == "array" else ""
            ref = _ref_name(target)
            if ref and ref not in places:
                places[ref] = path + suffix


def render_schema(schema: dict[str, Any], heading: str) -> str:
    """Every object of the schema as a table of its fields, the file's top level first."""
    defs: dict[str, Any] = schema.get("$defs", {})
    parts: list[str] = []
    places: dict[str, str] = {}
    if "properties" in schema:
        parts += [f"## The top level of {heading} {{#top-level}}", _description(schema)]
        parts.append(_table(schema))
        _places(schema, "", places)
        order = _references(schema.get("properties", {}))
        roots: set[str] = set()
    else:  # the event file: one of several types, told apart by `type`
        variants = [_ref_name(option) for option in schema.get("oneOf", [])]
        rows = ["| `type:` | fields |", "| --- | --- |"]
        for name in variants:
            if name is None:
                continue
            const = defs[name]["properties"]["type"].get("const", name.lower())
            rows.append(f"| `{const}` | [{name}](#{_anchor(name)}) |")
            places.setdefault(name, f"type: {const}")
        intro = f"`type` decides which fields {heading} may have:"
        parts += [f"## The types of {heading} {{#top-level}}", intro, "\n".join(rows)]
        order = [name for name in variants if name]
        roots = set(order)
    seen: list[str] = []
    while order:
        name = order.pop(0)
        if name in seen or name not in defs:
            continue
        seen.append(name)
        definition = defs[name]
        _places(definition, "" if name in roots else places.get(name, ""), places)
        where = places.get(name)
        title = f"{name}: `{where}`" if where else name
        parts += [f"## {title} {{#{_anchor(name)}}}", _description(definition), _table(definition)]
        order += _references(definition.get("properties", {}))
    for name in defs:  # a definition that nothing above named still gets its table
        if name not in seen:
            parts += [
                f"## {name} {{#{_anchor(name)}}}",
                _description(defs[name]),
                _table(defs[name]),
            ]
    return "\n\n".join(part for part in parts if part) + "\n"


def schema_markdown(kind: str) -> str:
    from statuspage.model.schema import SCHEMAS

    heading = "statuspage.yaml" if kind == "config" else "incidents/ID.yaml"
    return render_schema(SCHEMAS[kind](), heading)


# -- text of the repository, its links made to work here ---------------------------------


def _relink(text: str, page: str) -> str:
    """Links of included text, seen from the docs page `page` (a path from docs/)."""
    here = posixpath.dirname(page)

    def fix(match: re.Match[str]) -> str:
        label, target = match.group(1), match.group(2)
        if re.match(r"[a-z][a-z0-9+.-]*:", target):  # http:, mailto:
            return match.group(0)
        path, _, fragment = target.partition("#")
        docs_path = PAGES_OF_FILES.get(path) or (path[5:] if path.startswith("docs/") else None)
        if docs_path and not fragment:
            return f"[{label}]({posixpath.relpath(docs_path, here or '.')})"
        return label if label.startswith("`") else f"{label} (`{path or target}`)"

    text = IMAGE.sub(
        lambda match: f"![{match.group(1)}]({posixpath.relpath(match.group(2), here or '.')})",
        text,
    )
    return LINK.sub(fix, text)


def _headings(text: str) -> list[tuple[int, int]]:
    """(line number, level) of each Markdown heading outside fenced code."""
    found, fenced = [], False
    for number, line in enumerate(text.split("\n")):
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
        elif not fenced and (match := HEADING.match(line)):
            found.append((number, len(match.group(1))))
    return found


def _shift_headings(text: str, top: int) -> str:
    """Headings moved so that the highest is level `top` (code blocks left alone)."""
    headings = _headings(text)
    if not headings:
        return text
    shift = top - min(level for _, level in headings)
    lines = text.split("\n")
    for number, level in headings:
        new = max(1, min(6, level + shift))
        lines[number] = "#" * new + lines[number][level:]
    return "\n".join(lines)


def readme_section(title: str) -> str | None:
    """The README's section whose heading starts with `title` (any level), without it."""
    lines = (ROOT / "README.md").read_text(encoding="utf-8").split("\n")
    headings = _headings("\n".join(lines))
    for index, (number, level) in enumerate(headings):
        if lines[number][level:].strip().startswith(title):  # "Notifications (`notify`)" too
            end = next((n for n, lv in headings[index + 1 :] if lv <= level), len(lines))
            return "\n".join(lines[number + 1 : end]).strip() + "\n"
    return None


def repo_file(name: str) -> str:
    text = (ROOT / name).read_text(encoding="utf-8")
    return re.sub(r"\A# .*\n", "", text).strip() + "\n"


# -- the hook ----------------------------------------------------------------------------


def on_page_markdown(markdown: str, page: Any, **_: Any) -> str:
    src = page.file.src_uri

    def section(match: re.Match[str]) -> str:
        body = readme_section(match.group(1))
        if body is None:
            return match.group(2)
        return _shift_headings(_relink(body, src), 2)

    markdown = SECTION_MARKER.sub(section, markdown)
    markdown = FILE_MARKER.sub(
        lambda match: _shift_headings(_relink(repo_file(match.group(1)), src), 2), markdown
    )
    return SCHEMA_MARKER.sub(lambda match: schema_markdown(match.group(1)), markdown)


def on_page_content(html: str, **_: Any) -> str:
    """mkdocs-click 0.9 prints Click 8.2's marker for "no default" as a default: leave it out."""
    return html.replace("<td><code>Sentinel.UNSET</code></td>", "<td></td>")
