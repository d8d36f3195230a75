"""What a page tells search engines and search boxes: descriptions, boosts, OpenGraph, schema.org.

Everything here is plain data or text escaped for the one place it goes: attribute values are
HTML-escaped with quotes; JSON-LD is ``json.dumps`` with ``<``, ``>`` and ``&`` as ``\\u`` escapes,
so no record text can close the script element or open a comment.
"""

from __future__ import annotations

import html
import json
import re
from typing import Any

from .. import inline
from ..context import MemoSlot
from ..model import KIND_TITLES, KINDS, PLURAL, Record, as_text

DESCRIPTION_LIMIT = 200

# A record's page is boosted in search for its own name; positions are many and name their
# actor in the title, so they stay at 1 and never outrank the actor.
SEARCH_BOOST = {"actor": 3.0, "place": 2.5, "topic": 2.0, "event": 1.5, "proposal": 1.5, "position": 1.0}

# schema.org types: the record kind, refined by its subtype where schema.org has a word for it.
SCHEMA_TYPE = {
    "actor": "Organization",
    "place": "Place",
    "topic": "DefinedTerm",
    "position": "Claim",
    "proposal": "CreativeWork",
    "event": "Event",
}
SUBTYPE_SCHEMA = {
    ("actor", "person"): "Person",
    ("actor", "state"): "Country",
    ("actor", "government-body"): "GovernmentOrganization",
    ("actor", "company"): "Corporation",
    ("actor", "public"): "Audience",
    ("place", "country"): "Country",
    ("place", "city"): "City",
    ("place", "sea"): "BodyOfWater",
    ("place", "island"): "Landform",
    ("place", "island-group"): "Landform",
}


_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MARKS = re.compile(r"[*`]+")


def plain_text(markdown: str) -> str:
    """Markdown from data as plain text for a description: link text kept, ``*`` and backticks dropped,
    citation brackets left out (the page carries them as notes)."""
    bare = inline.replace(markdown, lambda _group: "")
    return " ".join(_MARKS.sub("", _LINK.sub(r"\1", bare)).split())


def cut_description(text: str, limit: int = DESCRIPTION_LIMIT) -> str:
    """``text`` in one line, at most ``limit`` characters, cut at a word boundary with an ellipsis."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:–—-") + "…"


def schema_type(rec: Record) -> str:
    """The schema.org type of a record."""
    return SUBTYPE_SCHEMA.get((rec.kind, as_text(rec.get("kind"))), SCHEMA_TYPE[rec.kind])


def json_ld(data: dict[str, Any]) -> str:
    """A JSON-LD script element whose content no data can break out of."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True)
    text = text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
    text = text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return f'<script type="application/ld+json">{text}</script>'


def record_ld(rec: Record, url: str, description: str, site_name: str, site_url: str) -> dict[str, Any]:
    """The schema.org description of one record's page; with no published address (``url`` and
    ``site_url`` empty) it names no address."""
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": schema_type(rec),
        "name": rec.label,
        "isPartOf": {"@type": "Dataset", "name": site_name},
    }
    if url:
        data["url"] = url
    if site_url:
        data["isPartOf"]["url"] = site_url
    if description:
        data["description"] = description
    if rec.kind == "event" and rec.date:
        data["startDate"] = rec.date
    if rec.kind in ("position", "proposal") and rec.date:
        data["dateCreated"] = rec.date
    return data


def dataset_ld(
    site_name: str, description: str, site_url: str, licence: str, version: str, language: str
) -> dict[str, Any]:
    """The schema.org description of the reference as a whole: a Dataset with its downloads (their
    addresses only when the site has a published address)."""
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Dataset",
        "name": site_name,
        "description": description,
        "version": version,
        "inLanguage": language,
    }
    if site_url:
        data["url"] = site_url
        data["distribution"] = [
            {
                "@type": "DataDownload",
                "encodingFormat": "application/json",
                "contentUrl": f"{site_url}downloads/dataset.json",
            },
            {
                "@type": "DataDownload",
                "encodingFormat": "application/x-bibtex",
                "contentUrl": f"{site_url}downloads/references.bib",
            },
            {
                "@type": "DataDownload",
                "encodingFormat": "application/vnd.datapackage+json",
                "contentUrl": f"{site_url}downloads/datapackage.json",
            },
            *(
                {"@type": "DataDownload", "encodingFormat": "text/csv", "contentUrl": f"{site_url}downloads/{p}.csv"}
                for p in PLURAL.values()
            ),
        ]
    if licence:
        data["license"] = licence
    return data


def opengraph(title: str, description: str, url: str, site_name: str, og_type: str = "website") -> str:
    """OpenGraph ``<meta>`` tags, every value escaped for an attribute."""
    pairs = [("og:type", og_type), ("og:site_name", site_name), ("og:title", title)]
    if url:
        pairs.append(("og:url", url))
    if description:
        pairs.append(("og:description", description))
    return "\n".join(f'<meta property="{k}" content="{html.escape(v, quote=True)}">' for k, v in pairs)


_DOCUMENTS: MemoSlot[str] = MemoSlot("meta.documents", 16)


def dataset_json(records: list[Record], version: str, licence: str) -> str:
    """downloads/dataset.json as text (see :func:`dataset_document`); made again only when a record changed."""
    key = (version, licence, *(f"{r.kind}\x00{r.path}\x00{r.src.text}" for r in records))
    return _DOCUMENTS.get(
        lambda: json.dumps(dataset_document(records, version, licence), ensure_ascii=False, indent=1), *key
    )


def dataset_document(records: list[Record], version: str, licence: str) -> dict[str, Any]:
    """downloads/dataset.json: version, licence, schema, and every record with its kind and subtype
    in two separate fields (the record's own ``kind`` field is its subtype)."""
    items = []
    for rec in records:
        data = dict(rec.data)
        subtype = data.pop("kind", None)
        items.append({"kind": rec.kind, "subtype": subtype, "id": rec.id, "path": rec.path, "url": rec.url, **data})
    return {
        "$schema": "dataset.schema.json",
        "version": version,
        "licence": licence,
        "kinds": {kind: KIND_TITLES[kind] for kind in KINDS},
        "records": items,
    }
