"""JSON Schemas for editors, generated from the record model."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .model import KINDS, LOCATOR_LABELS, SCHEMA, Field

_DATE = {
    "type": ["string", "integer"],
    "pattern": r"^\d{4}(-\d{2}(-\d{2})?)?$",
    "description": "ISO date: YYYY, YYYY-MM or YYYY-MM-DD",
}
_ID = {"type": "string", "pattern": r"^[a-z0-9]+(-[a-z0-9]+)*$"}


def field_schema(f: Field) -> dict[str, Any]:
    """The JSON Schema of one field."""
    out: dict[str, Any]
    if f.type in ("text", "markdown"):
        out = {"type": "string", "minLength": 1}
    elif f.type in ("id", "ref"):
        out = dict(_ID)
        if f.ref:
            out["description"] = f"id of a {' or '.join(f.ref)}"
    elif f.type == "enum":
        out = {"enum": list(f.enum)}
    elif f.type == "date":
        out = dict(_DATE)
    elif f.type == "locator":
        labels = "|".join(label.replace(".", r"\.") for label in LOCATOR_LABELS)
        out = {"type": "string", "pattern": f"^({labels})\\s*\\S"}
    elif f.type == "number":
        out = {"type": "number"}
        if f.range:
            out["minimum"], out["maximum"] = f.range
    elif f.type == "number_or_text":
        out = {"type": ["number", "string"]}
    elif f.type == "list":
        assert f.item is not None
        out = {"type": "array", "items": field_schema(f.item)}
        if f.min_items:
            out["minItems"] = f.min_items
    elif f.type == "map":
        assert f.item is not None
        out = {"type": "object", "propertyNames": _ID, "additionalProperties": field_schema(f.item)}
    else:
        out = object_schema(f.fields)
    if f.doc and "description" not in out:
        out["description"] = f.doc
    return out


def object_schema(fields: dict[str, Field] | Any) -> dict[str, Any]:
    """A closed object: unknown fields are errors, as in ``make check``."""
    return {
        "type": "object",
        "properties": {name: field_schema(f) for name, f in fields.items()},
        "required": [name for name, f in fields.items() if f.required],
        "additionalProperties": False,
    }


def kind_schema(kind: str) -> dict[str, Any]:
    """The JSON Schema of one record kind."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": f"refsite {kind} record",
        **object_schema(SCHEMA[kind]),
    }


def write_schemas(out: Path) -> list[Path]:
    """Write ``<kind>.schema.json`` for every kind into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for kind in KINDS:
        path = out / f"{kind}.schema.json"
        path.write_text(json.dumps(kind_schema(kind), indent=2) + "\n", encoding="utf-8")
        paths.append(path)
    return paths
