"""`statuspage schema` is the models' own schema: editors accept what check accepts."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest
import yaml

from statuspage.model.schema import config_schema, event_schema
from tests.conftest import REPO_ROOT

EVENT_FILES = sorted((REPO_ROOT / "incidents").glob("*.yaml"))


def _load(path: Any) -> Any:
    return yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)


def _validator(schema: dict[str, Any]) -> jsonschema.Draft202012Validator:
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def _as_text_times(data: Any) -> Any:
    """PyYAML's default loader turns some times into datetimes; editors see text."""
    if isinstance(data, dict):
        return {key: _as_text_times(value) for key, value in data.items()}
    if isinstance(data, list):
        return [_as_text_times(item) for item in data]
    if hasattr(data, "isoformat"):
        return data.isoformat()
    return data


def test_schemas_are_valid_draft_2020_12() -> None:
    _validator(config_schema())
    _validator(event_schema())


def test_example_config_matches_schema() -> None:
    data = _as_text_times(_load(REPO_ROOT / "statuspage.yaml"))
    assert list(_validator(config_schema()).iter_errors(data)) == []


@pytest.mark.parametrize("path", EVENT_FILES, ids=[path.stem for path in EVENT_FILES])
def test_example_event_matches_schema(path: Any) -> None:
    data = _as_text_times(_load(path))
    assert list(_validator(event_schema()).iter_errors(data)) == []


def test_schema_refuses_a_typo_and_a_bad_status() -> None:
    validator = _validator(event_schema())
    typo = {
        "type": "backup",
        "title": "x",
        "components": ["a"],
        "starts": "2026-01-01T02:00",
        "duraton": "2h",
    }
    assert not validator.is_valid(typo)
    bad_status = {
        "type": "incident",
        "title": "x",
        "components": {"a": "down"},
        "updates": [{"at": "2026-01-01T02:00", "status": "investigating", "message": "m"}],
    }
    assert not validator.is_valid(bad_status)
    bad_status["components"] = {"a": "major_outage"}
    assert validator.is_valid(bad_status)


def test_config_schema_describes_fields_for_editors() -> None:
    properties = config_schema()["properties"]
    assert {"title", "base_url", "timezone", "language", "components"} <= set(properties)
    # The shipped languages for an editor to offer, and any code a catalog in locales/ adds.
    shipped, own = properties["language"]["anyOf"]
    assert shipped == {"enum": ["en", "fi", "hy", "sv", "ur"]}
    assert own == {"type": "string", "pattern": "^[a-z]{2,3}$"}
    assert "description" in properties["timezone"]
