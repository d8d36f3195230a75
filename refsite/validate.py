"""Checks on records: shape, types, dates, references, citations and supersede chains."""

from __future__ import annotations

import datetime as dt
import html
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .bib import CREATORS, BibEntry, field_warnings
from .chars import hidden_char, markdown_bomb
from .load import Key, Located
from .model import KINDS, LOCATOR_LABELS, SCHEMA, Field, Record, as_text
from .pagemap import SourceMap
from .problems import Problem, did_you_mean

ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
DATE_RE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
HTML_RE = re.compile(r"<(?:!--|/?[A-Za-z][A-Za-z0-9-]*(?=[\s/>]))")
SCHEME_RE = re.compile(r"(?:\]\(\s*<?|^\s*\[[^\]]+\]:\s*<?|<)\s*([A-Za-z][A-Za-z0-9+.-]*):", re.M)
SAFE_SCHEMES = {"http", "https", "mailto"}
LOCATOR_RE = re.compile(r"^(?:" + "|".join(re.escape(label) for label in LOCATOR_LABELS) + r")\s*\S")


def check_date(value: Any) -> str | None:
    """Return an error message if ``value`` is not an ISO date (YYYY, YYYY-MM, YYYY-MM-DD)."""
    text = as_text(value)
    m = DATE_RE.match(text)
    if not m or isinstance(value, (bool, float)):
        return f"'{text}' is not an ISO date (YYYY, YYYY-MM or YYYY-MM-DD)"
    year, month, day = m.groups()
    try:
        dt.date(int(year), int(month or 1), int(day or 1))
    except ValueError:
        return f"'{text}' is not a real date"
    return None


def check_locator(value: Any) -> str | None:
    """Return an error message if ``value`` is not a locator with a known label."""
    text = as_text(value).strip()
    if not LOCATOR_RE.match(text):
        labels = ", ".join(f"'{label}'" for label in LOCATOR_LABELS)
        return f"malformed locator '{text}': start with one of {labels} and a value, e.g. 'p. 15'"
    return None


_INT_RE = re.compile(r"^-?(?:0|[1-9][0-9]*)$")
_FLOAT_RE = re.compile(r"^-?(?:0|[1-9][0-9]*)?\.[0-9]+(?:[eE][-+]?[0-9]+)?$|^-?(?:0|[1-9][0-9]*)\.[0-9]*$")


def odd_number(value: Any, raw: str | None) -> bool:
    """True for a number YAML read from text that does not look like it: ``0x7DD``, ``33:33``, ``0o17``, ``1_000``."""
    if raw is None or isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    pattern = _INT_RE if isinstance(value, int) else _FLOAT_RE
    return not pattern.match(raw)


def _a(word: str) -> str:
    return f"an {word}" if word[0] in "aeiou" else f"a {word}"


def _type_name(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "empty"
    return f"'{value}'"


class _ShapeChecker:
    def __init__(self, doc: Located) -> None:
        self.doc = doc
        self.problems: list[Problem] = []

    def err(self, key: Key, message: str, *, at_key: bool = False) -> None:
        self.problems.append(self.doc.problem(key, message, at_key=at_key))

    def fields(self, spec: Mapping[str, Field], value: Any, key: Key, what: str) -> None:
        if not isinstance(value, dict):
            self.err(key, f"{what} must be a mapping, found {_type_name(value)}")
            return
        for name, item in value.items():
            if hidden := hidden_char(name):
                self.err((*key, name), f"field name '{name}' contains {hidden}", at_key=True)
                continue
            if name not in spec:
                self.err((*key, name), f"unknown field '{name}'{did_you_mean(name, spec)}", at_key=True)
            else:
                self.value(spec[name], item, (*key, name), name)
        for name, field_spec in spec.items():
            if field_spec.required and name not in value:
                self.err(key, f"missing required field '{name}'")

    def value(self, spec: Field, value: Any, key: Key, name: str) -> None:
        if value is None:
            if spec.required:
                self.err(key, f"field '{name}' is empty")
            return
        t = spec.type
        raw = self.doc.raw.get(key)
        if odd_number(value, raw):
            self.err(key, f"'{raw}' in field '{name}' is read as the number {value!r}; put it in quotes")
            return
        if isinstance(value, str) and (hidden := hidden_char(value, markdown=t == "markdown")):
            self.err(key, f"field '{name}' contains {hidden}; remove it")
            return
        if (t in ("id", "ref") or (t == "text" and name == "key")) and not isinstance(value, (str, dict, list)):
            kind = "true/false" if isinstance(value, bool) else "a number"
            self.err(key, f"field '{name}' is read as {kind} ({raw or value}); an id or key is text in quotes")
            return
        if t in ("text", "markdown", "id", "ref", "enum", "locator"):
            if isinstance(value, (dict, list)):
                self.err(key, f"field '{name}' must be text, found {_type_name(value)}")
                return
            text = as_text(value)
            if isinstance(value, (bool, float)) and t != "enum":
                kind = "true/false" if isinstance(value, bool) else "a number"
                self.err(key, f"field '{name}' is read as {kind} ({value!r}); put the text in quotes")
                return
            if t in ("text", "markdown") and (m := HTML_RE.search(text)):
                tag = text[m.start() : text.find(">", m.start(), m.start() + 60) + 1 or m.end()]
                self.err(key, f"raw HTML is not allowed in '{name}': {tag}")
            if t == "markdown" and (bomb := markdown_bomb(text)):
                self.err(key, f"field '{name}': {bomb[1]}")
            if t == "markdown":
                for s in SCHEME_RE.finditer(html.unescape(text)):
                    if s.group(1).lower() not in SAFE_SCHEMES:
                        self.err(key, f"links in '{name}' may use http, https or mailto, not '{s.group(1)}:'")
            if t in ("text", "markdown", "id") and not text.strip():
                self.err(key, f"field '{name}' is empty")
            if t in ("id", "ref") and not ID_RE.match(text):
                self.err(key, f"'{text}' is not a valid id (lowercase kebab-case)")
            if t == "enum" and text not in spec.enum:
                choices = ", ".join(spec.enum)
                self.err(
                    key, f"'{text}' is not a valid {name}{did_you_mean(text, spec.enum)}; choose one of: {choices}"
                )
            if t == "locator" and (msg := check_locator(text)):
                self.err(key, msg)
        elif t == "date":
            if msg := check_date(value):
                self.err(key, f"{name}: {msg}")
        elif t == "number":
            if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value):
                self.err(key, f"field '{name}' must be a number, found {_type_name(value)}")
            elif spec.range and not spec.range[0] <= value <= spec.range[1]:
                low, high = spec.range
                self.err(key, f"field '{name}' must be between {low:g} and {high:g}, found {value:g}")
        elif t == "number_or_text":
            if isinstance(value, (dict, list, bool)):
                self.err(key, f"field '{name}' must be a number or text")
        elif t == "list":
            if not isinstance(value, list):
                self.err(key, f"field '{name}' must be a list, found {_type_name(value)}")
                return
            if len(value) < spec.min_items:
                self.err(key, f"field '{name}' needs at least {spec.min_items} item{'s' if spec.min_items > 1 else ''}")
            assert spec.item is not None
            for i, item in enumerate(value):
                self.value(spec.item, item, (*key, i), name)
        elif t == "object":
            self.fields(spec.fields, value, key, f"an entry of '{name}'")
        elif t == "map":
            if not isinstance(value, dict):
                self.err(key, f"field '{name}' must be a mapping, found {_type_name(value)}")
                return
            assert spec.item is not None
            for sub, item in value.items():
                if not ID_RE.match(sub):
                    self.err((*key, sub), f"'{sub}' is not a valid id (lowercase kebab-case)", at_key=True)
                self.value(spec.item, item, (*key, sub), sub)


def check_shape(doc: Located, kind: str, expected_id: str) -> list[Problem]:
    """Problems with one record file's fields, types and values."""
    checker = _ShapeChecker(doc)
    checker.fields(SCHEMA[kind], doc.data, (), f"a {kind} record")
    data = doc.data if isinstance(doc.data, dict) else {}
    rid = data.get("id")
    if isinstance(rid, str) and ID_RE.match(rid) and rid != expected_id and ID_RE.match(expected_id):
        checker.err(("id",), f"id '{rid}' does not match the file name '{expected_id}.yaml'")
    if expected_id == "index":
        checker.problems.append(Problem(doc.path, 1, 1, "'index' is reserved for the index page of each kind"))
    if not ID_RE.match(expected_id):
        checker.problems.append(
            Problem(doc.path, 1, 1, f"file name '{expected_id}' is not a valid id (lowercase kebab-case)")
        )
    if kind == "event" and isinstance(doc.data, dict) and "date" not in data and not data.get("date_note"):
        checker.err((), "missing required field 'date' (or a 'date_note' saying why the sources give none)")
    if kind == "position" and data.get("proposal") and not data.get("stance"):
        checker.err(("proposal",), "a position with a 'proposal' needs a 'stance'")
    if kind == "position" and data.get("stance") and not data.get("proposal"):
        checker.err(("stance",), "'stance' needs a 'proposal' it applies to")
    if kind == "position":
        _check_position_fields(checker, data)
    return checker.problems


def _check_position_fields(checker: _ShapeChecker, data: Mapping[str, Any]) -> None:
    """A stance says whether it is stated or inferred (and an inferred one, from what); a quote says whose words."""
    if data.get("stance") and not data.get("stance_basis"):
        checker.err(
            ("stance",),
            "a 'stance' needs a 'stance_basis': 'stated' (the source reports the actor saying it) or 'inferred' "
            "(the editors' reading of a passage, given in 'stance_reading')",
        )
    if data.get("stance_basis") and not data.get("stance"):
        checker.err(("stance_basis",), "'stance_basis' needs a 'stance' it describes")
    if data.get("stance_basis") == "inferred" and not data.get("stance_reading"):
        checker.err(
            ("stance_basis",), "an inferred stance needs a 'stance_reading': the passage it is read from, cited"
        )
    if data.get("stance_reading") and data.get("stance_basis") != "inferred":
        checker.err(("stance_reading",), "'stance_reading' belongs to an inferred stance ('stance_basis: inferred')")
    if data.get("quote") and not data.get("quote_by"):
        checker.err(
            ("quote",),
            "a 'quote' needs a 'quote_by': 'actor' (the actor's own words) or 'source' (the source's author or "
            "the summary's writer)",
        )
    if data.get("quote_by") and not data.get("quote"):
        checker.err(("quote_by",), "'quote_by' needs a 'quote' it describes")


def _walk_citations(value: Any, key: Key) -> Iterable[tuple[Key, dict[str, Any]]]:
    """Every citation mapping below ``value`` (in any ``sources`` list)."""
    if isinstance(value, dict):
        for name, item in value.items():
            if name == "sources" and isinstance(item, list):
                for i, cit in enumerate(item):
                    if isinstance(cit, dict):
                        yield (*key, name, i), cit
            else:
                yield from _walk_citations(item, (*key, name))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _walk_citations(item, (*key, i))


def _walk_refs(spec: Mapping[str, Field], value: Any, key: Key) -> Iterable[tuple[Key, Field, str]]:
    """Every (position, field, id) of a reference below ``value``."""
    if not isinstance(value, dict):
        return
    for name, item in value.items():
        f = spec.get(name)
        if f is None or item is None:
            continue
        yield from _refs_in(f, item, (*key, name))


def _refs_in(f: Field, item: Any, key: Key) -> Iterable[tuple[Key, Field, str]]:
    if f.type == "ref" and isinstance(item, str):
        yield key, f, item
    elif f.type == "list" and isinstance(item, list) and f.item is not None:
        for i, sub in enumerate(item):
            yield from _refs_in(f.item, sub, (*key, i))
    elif f.type == "object":
        yield from _walk_refs(f.fields, item, key)
    elif f.type == "map" and isinstance(item, dict):
        for sub in item:
            yield (*key, sub), f, sub


def citation_keys(records: Iterable[Record]) -> Iterable[tuple[Record, Key, dict[str, Any]]]:
    """Every citation of every record, with its position."""
    for rec in records:
        for key, cit in _walk_citations(rec.data, ()):
            yield rec, key, cit


def check_key(path: str, line: int, col: int, key: str, bib: Mapping[str, BibEntry]) -> Problem | None:
    """A problem if ``key`` is not in the bibliography."""
    if key in bib:
        return None
    return Problem(path, line, col, f"unknown citation key '{key}'{did_you_mean(key, bib)}")


@dataclass(frozen=True)
class Unread:
    """What the project holds but could not be read, so that references to it report nothing more.

    One mistake, one line: a record file that fails to load still reserves its id (its file
    name) for its kind; a kind folder that can't be read covers every id of that kind; an
    unreadable or partly unparsable bibliography covers every citation key.
    """

    ids: Mapping[str, str] = field(default_factory=dict)
    kinds: frozenset[str] = frozenset()
    bib: bool = False

    def covers(self, target: str, kinds: Iterable[str]) -> bool:
        """True if a reference to ``target`` (a record of one of ``kinds``) may be to something unread."""
        wanted = set(kinds)
        return self.ids.get(target) in wanted or bool(self.kinds & wanted)


def check_links(
    records: Mapping[str, Record],
    bib: Mapping[str, BibEntry],
    unread: Unread | None = None,
    maps: Mapping[str, SourceMap] | None = None,
) -> list[Problem]:
    """References between records, citation keys (and locators, against ``maps``) and supersede chains.

    A reference to what ``unread`` covers reports nothing: the file's own error says it all.
    """
    problems: list[Problem] = []
    unread = unread or Unread()
    reserved = unread.ids
    by_kind = {kind: [r.id for r in records.values() if r.kind == kind] for kind in KINDS}
    for rec in records.values():
        for key, f, target in _walk_refs(SCHEMA[rec.kind], rec.data, ()):
            found = records.get(target)
            at_key = f.type == "map"
            if found is None and (unread.covers(target, f.ref) or not ID_RE.match(target)):
                continue  # unread, or not an id at all (the shape check said so)
            if found is None and target in reserved:
                expected = " or ".join(_a(k) for k in f.ref)
                kind = reserved[target]
                problems.append(rec.src.problem(key, f"'{target}' is {_a(kind)}, expected {expected}", at_key=at_key))
                continue
            if found is None:
                pool = [i for kind in f.ref for i in by_kind[kind]]
                problems.append(
                    rec.src.problem(
                        key, f"unknown {'/'.join(f.ref)} '{target}'{did_you_mean(target, pool)}", at_key=at_key
                    )
                )
            elif found.kind not in f.ref:
                expected = " or ".join(_a(k) for k in f.ref)
                problems.append(
                    rec.src.problem(key, f"'{target}' is {_a(found.kind)}, expected {expected}", at_key=at_key)
                )
    for rec, key, cit in citation_keys(records.values()):
        ckey = cit.get("key")
        if isinstance(ckey, str) and not unread.bib:
            line, col = rec.src.pos((*key, "key"))
            if p := check_key(rec.path, line, col, ckey, bib):
                problems.append(p)
            elif maps and ckey in maps and (msg := maps[ckey].check(as_text(cit.get("locator")))):
                problems.append(rec.src.problem((*key, "locator"), msg))
    problems.extend(_check_supersedes(records))
    return problems


def _check_supersedes(records: Mapping[str, Record]) -> list[Problem]:
    """Cycles in supersede chains (each reported once) and links to another actor's position.

    Every position is walked once: a chain stops at the first position already settled.
    """
    problems = []
    state: dict[str, int] = {}  # 1 = on the current walk, 2 = settled
    for start in records:
        if records[start].kind != "position" or start in state:
            continue
        walk: list[str] = []
        cur: str | None = start
        while cur is not None and cur in records and records[cur].kind == "position" and cur not in state:
            state[cur] = 1
            walk.append(cur)
            nxt = records[cur].get("supersedes")
            cur = nxt if isinstance(nxt, str) else None
        if cur is not None and state.get(cur) == 1:
            cycle = [*walk[walk.index(cur) :], cur]
            problems.append(
                records[cycle[0]].src.problem(("supersedes",), f"supersede chain forms a cycle: {' -> '.join(cycle)}")
            )
        for rid in walk:
            state[rid] = 2
    for rec in records.values():
        target = records.get(as_text(rec.get("supersedes"))) if rec.kind == "position" else None
        if (
            target is not None
            and target.kind == "position"
            and target.get("actor") != rec.get("actor")
            and target.get("actor") in records
            and rec.get("actor") in records
        ):
            problems.append(
                rec.src.problem(
                    ("supersedes",),
                    f"'{target.id}' is a position of '{target.get('actor')}', not of '{rec.get('actor')}'",
                )
            )
    return problems


def check_bib_use(
    records: Iterable[Record], cited_in_pages: Iterable[str], bib: Mapping[str, BibEntry]
) -> list[Problem]:
    """Warnings for bibliography entries cited nowhere and entries lacking fields."""
    used = {as_text(cit.get("key")) for _, _, cit in citation_keys(records)} | set(cited_in_pages)
    problems = []
    for entry in bib.values():
        if any(entry.fields.get(n) for n in (*CREATORS, "title")):  # else an error says so already
            problems.extend(field_warnings(entry))
        if entry.key not in used:
            problems.append(Problem(entry.path, entry.line, 1, f"entry '{entry.key}' is cited nowhere", "warning"))
    return problems
