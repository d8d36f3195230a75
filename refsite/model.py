"""The record kinds, their fields, and the typed record the engine passes around."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .context import current
from .load import Located


@dataclass(frozen=True)
class Field:
    """The declared shape of one field; drives validation and the JSON Schemas."""

    type: str  # text, markdown, date, id, ref, enum, number, number_or_text, list, object, map
    required: bool = False
    doc: str = ""
    ref: tuple[str, ...] = ()
    enum: tuple[str, ...] = ()
    item: Field | None = None
    fields: Mapping[str, Field] = field(default_factory=dict)
    min_items: int = 0
    range: tuple[float, float] | None = None  # for numbers: the smallest and largest allowed


KINDS = ("actor", "place", "topic", "position", "proposal", "event")
PLURAL = {kind: f"{kind}s" for kind in KINDS}
KIND_TITLES = {
    "actor": "Actors",
    "place": "Places",
    "topic": "Topics",
    "position": "Positions",
    "proposal": "Proposals",
    "event": "Events",
}

ACTOR_KINDS = ("state", "government-body", "person", "organization", "company", "public")
PLACE_KINDS = ("island", "island-group", "region", "city", "sea", "country", "facility", "other")
STANCES = ("supports", "opposes", "open", "ambiguous")
STANCE_BASES = ("stated", "inferred")
QUOTE_SPEAKERS = ("actor", "source")
STATUSES = ("floated", "official", "agreed", "rejected", "lapsed", "unknown")
OUTCOMES = ("transfer", "keep", "split", "joint", "unspecified")
EVENT_KINDS = (
    "treaty",
    "agreement",
    "declaration",
    "visit",
    "summit",
    "meeting",
    "statement",
    "sanction",
    "exercise",
    "deal",
    "military",
    "election",
    "policy",
    "incident",
    "other",
)
LANGS = ("en", "ja", "ja-Latn", "ru", "ru-Latn", "zh", "zh-Latn")
LOCATOR_LABELS = ("p.", "pp.", "n.", "nn.", "sec.", "para.", "chap.")

CITATION = Field(
    "object",
    doc="A citation: a BibTeX key and a pinpoint.",
    fields={
        "key": Field("text", required=True, doc="BibTeX key of an entry in bib/"),
        "locator": Field("locator", doc="pinpoint, e.g. 'p. 15', 'p. 17, n. 50', 'para. 4'"),
        "note": Field("text", doc="free text shown after the reference"),
    },
)
CITATIONS = Field("list", item=CITATION, doc="citations", min_items=1)
NOTE = Field(
    "object",
    doc="A remark, caveat or discrepancy, with its own sources.",
    fields={
        "text": Field("markdown", required=True),
        "sources": CITATIONS,
    },
)


def _common(label: str) -> dict[str, Field]:
    return {
        "id": Field("id", required=True, doc="equals the file name; lowercase kebab-case"),
        label: Field("text", required=True, doc=f"the record's {label}"),
        "summary": Field("markdown", required=True, doc="Markdown, in your own words"),
        "sources": Field("list", required=True, item=CITATION, min_items=1, doc="at least one citation"),
        "as_of": Field("date", doc="the date the record's statements hold at"),
        "notes": Field("list", item=NOTE, doc="remarks, caveats and discrepancies"),
        "date_note": Field("markdown", doc="uncertain or conflicting dates"),
    }


NAME = Field(
    "object",
    fields={
        "lang": Field("enum", required=True, enum=LANGS),
        "name": Field("text", required=True),
        "used_by": Field("ref", ref=("actor",), doc="the side that uses this name"),
        "note": Field("text"),
    },
)

LOCATION = Field(
    "object",
    doc="Where a place is: a point (longitude, latitude in degrees) and, optionally, the name of its "
    "shape in the map's geography (data/geo/), with the dataset as source.",
    fields={
        "lon": Field("number", required=True, range=(-180.0, 180.0), doc="longitude, degrees east"),
        "lat": Field("number", required=True, range=(-90.0, 90.0), doc="latitude, degrees north"),
        "shape": Field("text", doc="name of the place's shape in the map geography (data/geo/)"),
        "note": Field("text", doc="what the point stands for, e.g. 'southern tip'"),
        "sources": Field("list", required=True, item=CITATION, min_items=1),
    },
)

SCHEMA: dict[str, dict[str, Field]] = {
    "actor": {
        **_common("name"),
        "kind": Field("enum", required=True, enum=ACTOR_KINDS),
        "sort_name": Field("text", doc="how a person sorts, family name first: 'Putin, Vladimir'"),
        "country": Field("ref", ref=("actor",)),
        "names": Field("list", item=NAME),
        "roles": Field(
            "list",
            item=Field(
                "object",
                fields={
                    "title": Field("text", required=True),
                    "from": Field("date"),
                    "to": Field("date"),
                    "of": Field("ref", ref=("actor",)),
                    "note": Field("text"),
                    "sources": CITATIONS,
                },
            ),
        ),
    },
    "place": {
        **_common("name"),
        "kind": Field("enum", required=True, enum=PLACE_KINDS),
        "part_of": Field("ref", ref=("place",)),
        "names": Field("list", item=NAME),
        "administered_by": Field("ref", ref=("actor",)),
        "claimed_by": Field("list", item=Field("ref", ref=("actor",))),
        "location": LOCATION,
        "figures": Field(
            "list",
            item=Field(
                "object",
                fields={
                    "label": Field("text", required=True),
                    "value": Field("number_or_text", required=True),
                    "unit": Field("text"),
                    "as_of": Field("date"),
                    "note": Field("text"),
                    "sources": Field("list", required=True, item=CITATION, min_items=1),
                },
            ),
        ),
    },
    "topic": {
        **_common("name"),
        "parent": Field("ref", ref=("topic",)),
    },
    "position": {
        **_common("title"),
        "actor": Field("ref", required=True, ref=("actor",)),
        "topic": Field("ref", required=True, ref=("topic",)),
        "date": Field("date", required=True),
        "quote": Field("text", doc="short original wording, shown as a quotation"),
        "quote_by": Field(
            "enum",
            enum=QUOTE_SPEAKERS,
            doc="who said the quoted words: 'actor' (the actor's own words) or 'source' (the source's author or "
            "the summary's writer, paraphrasing); required with 'quote'",
        ),
        "proposal": Field("ref", ref=("proposal",)),
        "stance": Field("enum", enum=STANCES),
        "stance_basis": Field(
            "enum",
            enum=STANCE_BASES,
            doc="'stated' if the source reports the actor stating the stance, 'inferred' if it is the editors' "
            "reading of a passage; required with 'stance'",
        ),
        "stance_reading": Field(
            "markdown", doc="for an inferred stance: the passage it is read from and how, citing it where it stands"
        ),
        "role": Field("text", doc="the title of the actor's role the position is recorded under (see its 'roles')"),
        "supersedes": Field("ref", ref=("position",)),
    },
    "proposal": {
        **_common("title"),
        "proposed_by": Field("list", required=True, item=Field("ref", ref=("actor",)), min_items=1),
        "date": Field("date", required=True),
        "status": Field("enum", required=True, enum=STATUSES),
        "islands": Field("map", fields={}, item=Field("enum", enum=OUTCOMES), ref=("place",)),
        "topic": Field("ref", ref=("topic",)),
    },
    "event": {
        **_common("title"),
        "date": Field("date", doc="required unless a date_note says why the sources give none"),
        "end_date": Field("date"),
        "kind": Field("enum", required=True, enum=EVENT_KINDS),
        "actors": Field("list", item=Field("ref", ref=("actor",))),
        "places": Field("list", item=Field("ref", ref=("place",))),
        "topics": Field("list", item=Field("ref", ref=("topic",))),
    },
}


def label_field(kind: str) -> str:
    """``name`` or ``title``: the field that labels records of ``kind``."""
    return "name" if "name" in SCHEMA[kind] else "title"


def _slug(word: str) -> str:
    return "".join(ch for ch in word.lower() if ch.isalnum())


def as_text(value: Any) -> str:
    """A scalar as text; YAML reads ``2013`` as a number, the model wants ``"2013"``."""
    return "" if value is None else str(value)


@dataclass(frozen=True, eq=False)
class Record:
    """One validated record: its kind, id, data and where each value came from."""

    kind: str
    id: str
    data: Mapping[str, Any]
    src: Located

    def _read(self, name: str) -> Any:
        for fields in current().field_readers:  # see Dataset.reading
            fields.add((self.id, name))
        return self.data.get(name)

    @property
    def label(self) -> str:
        return as_text(self._read(label_field(self.kind)))

    @property
    def sort_label(self) -> str:
        """The label records sort by. A person sorts by family name: the ``sort_name`` field, else
        "Family, Given" when the name's last word starts the record's id (``abe-shinzo`` for
        "Shinzo Abe"), else the name as written; nothing is guessed."""
        given = as_text(self._read("sort_name"))
        if given:
            return given
        if self.kind == "actor" and self._read("kind") == "person":
            words = self.label.split()
            if len(words) >= 2 and self.id.startswith(_slug(words[-1]) + "-"):
                return f"{words[-1]}, {' '.join(words[:-1])}"
        return self.label

    @property
    def path(self) -> str:
        return self.src.path

    @property
    def date(self) -> str:
        return as_text(self._read("date"))

    def get(self, name: str, default: Any = None) -> Any:
        value = self._read(name)
        return default if value is None and name not in self.data else value

    def refs(self, name: str) -> list[str]:
        """The ids a reference field holds, as a list (empty if absent)."""
        value = self._read(name)
        if value is None:
            return []
        return [str(v) for v in value] if isinstance(value, list) else [str(value)]

    @property
    def url(self) -> str:
        return f"{PLURAL[self.kind]}/{self.id}/"
