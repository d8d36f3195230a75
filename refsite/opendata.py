"""Open data: one CSV table per record kind and a Frictionless Data Package describing them.

Each table has one row per record and one column per field of the kind (in the order of
:data:`refsite.model.SCHEMA`), then the record's address on the site. A list of ids is joined with
``; ``; sources are ``key:locator`` joined with ``; ``; lists of objects (names, roles, figures,
notes) have one item per line of the cell; a location is ``lon, lat``. ``datapackage.json``
describes the tables (types, allowed values, the id as primary key, references between tables) and
the whole dataset as JSON, with the version and the data licence.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Sequence
from typing import Any

from .context import MemoSlot
from .model import KINDS, PLURAL, SCHEMA, Field, Record, as_text
from .options import LICENCES

SEPARATOR = "; "


def columns(kind: str) -> list[str]:
    """The columns of a kind's table: its fields, then ``url``."""
    return [*SCHEMA[kind], "url"]


def _citation(value: Any) -> str:
    if not isinstance(value, dict):
        return as_text(value)
    key, locator = as_text(value.get("key")), as_text(value.get("locator"))
    return f"{key}:{locator}" if locator else key


def _item(name: str, value: Any) -> str:
    """One object of a list field as one line."""
    if not isinstance(value, dict):
        return as_text(value)
    if name == "names":
        extra = ", ".join(as_text(value.get(k)) for k in ("lang", "used_by") if value.get(k))
        return f"{as_text(value.get('name'))} ({extra})" if extra else as_text(value.get("name"))
    if name == "roles":
        span = "–".join(as_text(value.get(k)) for k in ("from", "to") if value.get(k))
        parts = [as_text(value.get("title")), as_text(value.get("of")), span]
        return ", ".join(p for p in parts if p)
    if name == "figures":
        unit = f" {as_text(value.get('unit'))}" if value.get("unit") else ""
        when = f" ({as_text(value.get('as_of'))})" if value.get("as_of") else ""
        return f"{as_text(value.get('label'))}: {as_text(value.get('value'))}{unit}{when}"
    return " ".join(as_text(value.get("text") or value.get("title") or value.get("name")).split())


def cell(name: str, f: Field, value: Any) -> str:
    """A field's value as one CSV cell."""
    if value is None:
        return ""
    if f.type == "list":
        items = value if isinstance(value, list) else [value]
        if f.item is not None and f.item.type == "object" and "key" in f.item.fields:
            return SEPARATOR.join(_citation(v) for v in items)
        if f.item is not None and f.item.type == "object":
            return "\n".join(_item(name, v) for v in items)
        return SEPARATOR.join(as_text(v) for v in items)
    if f.type == "map" and isinstance(value, dict):
        return SEPARATOR.join(f"{as_text(k)}:{as_text(v)}" for k, v in value.items())
    if name == "location" and isinstance(value, dict):
        return f"{as_text(value.get('lon'))}, {as_text(value.get('lat'))}"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    return as_text(value)


def table(kind: str, records: Sequence[Record]) -> str:
    """The CSV table of one kind (header row first), lines ended with CRLF as RFC 4180 has them."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    spec = SCHEMA[kind]
    writer.writerow(columns(kind))
    for rec in records:
        row = [cell(name, f, rec.id if name == "id" else rec.data.get(name)) for name, f in spec.items()]
        writer.writerow([*row, rec.url])
    return out.getvalue()


def _field_schema(kind: str, name: str, f: Field) -> dict[str, Any]:
    out: dict[str, Any] = {"name": name, "type": "string"}
    if f.doc:
        out["description"] = f.doc
    if name == "location":
        out["type"], out["format"] = "geopoint", "default"
        out["description"] = "longitude, latitude in degrees"
    elif f.type == "list":
        item = f.item
        if item is not None and item.type == "object" and "key" in item.fields:
            out["description"] = "sources, each key:locator (a BibTeX key of references.bib and a pinpoint), '; '"
        elif item is not None and item.type == "object":
            out["description"] = f"{name}, one per line"
        else:
            out["description"] = f"{name}: ids joined with '; '"
    elif f.type == "map":
        out["description"] = "id:value pairs joined with '; '"
    elif f.type == "enum" and f.enum:
        out["constraints"] = {"enum": list(f.enum)}
    elif f.type == "date":
        out["description"] = "ISO date, to the year, month or day"
        out["constraints"] = {"pattern": r"\d{4}(-\d{2}(-\d{2})?)?"}
    if f.required and not (f.type == "date" and name == "date" and kind == "event"):
        out.setdefault("constraints", {})["required"] = True
    if name == "id":
        out["constraints"] = {"required": True, "unique": True, "pattern": r"[a-z0-9]+(-[a-z0-9]+)*"}
    return out


def table_schema(kind: str) -> dict[str, Any]:
    """The Table Schema of a kind's table: field types, allowed values, key and references."""
    spec = SCHEMA[kind]
    fields = [_field_schema(kind, name, f) for name, f in spec.items()]
    fields.append({"name": "url", "type": "string", "description": "the record's page, relative to the site"})
    keys = []
    for name, f in spec.items():
        if f.type == "ref" and len(f.ref) == 1:
            target = PLURAL[f.ref[0]] if f.ref[0] != kind else ""  # "": a row of the same table
            keys.append({"fields": name, "reference": {"resource": target, "fields": "id"}})
    schema: dict[str, Any] = {"fields": fields, "primaryKey": "id"}
    if keys:
        schema["foreignKeys"] = keys
    return schema


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "dataset"


def data_package(title: str, description: str, site_url: str, version: str, licence_id: str) -> dict[str, Any]:
    """``datapackage.json``: the tables and the JSON dataset, with version and licence."""
    resources: list[dict[str, Any]] = [
        {
            "name": PLURAL[kind],
            "path": f"{PLURAL[kind]}.csv",
            "profile": "tabular-data-resource",
            "format": "csv",
            "mediatype": "text/csv",
            "encoding": "utf-8",
            "schema": table_schema(kind),
        }
        for kind in KINDS
    ]
    resources.append(
        {
            "name": "dataset",
            "path": "dataset.json",
            "format": "json",
            "mediatype": "application/json",
            "encoding": "utf-8",
            "description": "every record with all its fields; its JSON Schema is dataset.schema.json",
        }
    )
    package: dict[str, Any] = {
        "profile": "data-package",
        "name": _slug(title),
        "title": title,
        "version": version,
        "resources": resources,
    }
    if description:
        package["description"] = " ".join(description.split())
    if site_url:
        package["homepage"] = site_url
    if licence_id in LICENCES:
        name, path = LICENCES[licence_id]
        package["licenses"] = [{"name": licence_id, "title": name, "path": path}]
    return package


_MEMO: MemoSlot[dict[str, str]] = MemoSlot("opendata.files", 8)


def open_data(
    records: Sequence[Record], title: str, description: str, site_url: str, version: str, licence_id: str
) -> dict[str, str]:
    """The files of the open data, by name: a CSV table per kind and ``datapackage.json``."""

    def make() -> dict[str, str]:
        out = {
            f"{PLURAL[kind]}.csv": table(kind, [r for r in records if r.kind == kind]) for kind in KINDS
        }
        package = data_package(title, description, site_url, version, licence_id)
        out["datapackage.json"] = json.dumps(package, ensure_ascii=False, indent=1)
        return out

    key = (title, description, site_url, version, licence_id, *(f"{r.kind}\0{r.path}\0{r.src.text}" for r in records))
    return _MEMO.get(make, *key)
