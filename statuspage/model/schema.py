"""`statuspage schema`: JSON Schema (draft 2020-12) of both file kinds, from the models."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, TypeAdapter

from statuspage.model.models import Backup, Incident, Maintenance, SiteConfig

DIALECT = "https://json-schema.org/draft/2020-12/schema"

_EventFile = TypeAdapter(Annotated[Incident | Maintenance | Backup, Field(discriminator="type")])


def config_schema() -> dict[str, Any]:
    """The schema of statuspage.yaml."""
    return {"$schema": DIALECT, **SiteConfig.model_json_schema()}


def event_schema() -> dict[str, Any]:
    """The schema of an event file, incidents/ID.yaml."""
    schema = _EventFile.json_schema()
    return {"$schema": DIALECT, "title": "incidents/ID.yaml", **schema}


SCHEMAS = {"config": config_schema, "event": event_schema}
