"""One side's terms in the site's own voice: the term list of ``data/terms.yaml`` and the scan.

A one-sided term (one side's name of a disputed island, one side's framing) stands in the site's
voice only beside its counterpart, inside quotation marks, or attributed: the sentence says whose
term it is, or the side that uses it states its own aim in it. :func:`lint_text` finds every other
use, with offsets into the text it was given; :func:`check_project` reports them for records, ids
and narrative pages as located problems.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .load import Key, Located, read_yaml
from .model import Record
from .problems import Problem

TERMS_FILE = Path("data") / "terms.yaml"

#: Record fields in the site's voice (``names:`` entries carry their ``used_by``; sources are citations).
PROSE = frozenset({"name", "title", "summary", "text", "date_note", "note", "label", "stance_reading"})
SKIP = frozenset({"sources", "names", "quote", "quotes"})

_AIMS = (
    r"(?:wants?|wanted|demands?|demanded|insists?|insisted|seeks?|sought|hopes?|hoped|desires?"
    r"|claims?|claimed|position|aims?|goal|wish|wishes|calls? for|called for)\b"
)
_QUOTED = re.compile(r"[\"“][^\"”\n]*[\"”]|(?<![\w])['‘][^'’\n]*['’](?![\w])")
_HIDDEN = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\[@[^\]]*\]|\]\([^)\s]*\)|`[^`\n]*`", re.S)
_SENTENCE_END = re.compile(r"(?<=[.!?;:])\s+|\n\s*\n|\n\s*[-*#]+\s")


@dataclass(frozen=True)
class Term:
    """One one-sided term: what it matches, whose it is, what pairs it, when it counts."""

    what: str
    regex: re.Pattern[str]
    side: str | None = None
    pairs: re.Pattern[str] | None = None
    about: re.Pattern[str] | None = None


@dataclass(frozen=True)
class Terms:
    """The term list and the attribution cues built from its sides."""

    terms: tuple[Term, ...]
    sides: Mapping[str, str]  # side -> regex of its names and people
    cues: re.Pattern[str]


@dataclass(frozen=True)
class Slip:
    """One use of a one-sided term in the site's voice: ``text[start:end]`` is the term."""

    start: int
    end: int
    term: str
    what: str
    sentence: str

    @property
    def message(self) -> str:
        """The problem's message."""
        return (
            f"'{self.term}' ({self.what}) in the site's own voice: pair it with the other side's term, "
            "quote it, or say whose term it is"
        )


def _words(words: Iterable[str]) -> str:
    longest_first = sorted(words, key=len, reverse=True)
    return "|".join(r"\b" + r"\s+".join(map(re.escape, w.split())) + r"\b" for w in longest_first)


def _cues(names: list[str], people: list[str]) -> re.Pattern[str]:
    n, p = "|".join(map(re.escape, names)), "|".join(map(re.escape, people))
    return re.compile(
        rf"\b(?:{n})['’]s (?:name|names|term|terms|usage|wording|demand|claim|view)\b"
        r"|\b(?:what|which|that|as) (?:the )?(?:\w+ ){0,2}calls?\b|\b(?:it|they|she|he) calls?\b"
        rf"|\b(?:{n}) calls?\b"
        rf"|\b(?:{p}) (?:name|names|usage|term|terms|wording)\b|\((?:{p})\)"
        rf"|\bknown (?:in|to|as)\b|\bto the (?:{p})\b|\bcalls? (?:it|them|the islands)\b",
        re.I,
    )


def _strings(value: Any) -> list[str] | None:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and value and all(isinstance(v, str) and v.strip() for v in value):
        return list(value)
    return None


def parse_terms(doc: Located) -> tuple[Terms | None, list[Problem]]:
    """The term list of a parsed ``data/terms.yaml``, or None and the located problems."""
    problems: list[Problem] = []
    data = doc.data if isinstance(doc.data, dict) else {}
    if not isinstance(doc.data, dict):
        return None, [doc.problem((), "the term list is a mapping with 'sides', 'about' and 'terms'")]
    sides: dict[str, str] = {}
    names: list[str] = []
    people: list[str] = []
    raw_sides = data.get("sides")
    if not isinstance(raw_sides, dict) or not raw_sides:
        problems.append(doc.problem(("sides",), "'sides' maps each side to its 'names' and 'people'"))
        raw_sides = {}
    for side, spec in raw_sides.items():
        side_names = _strings(spec.get("names")) if isinstance(spec, dict) else None
        side_people = _strings(spec.get("people")) if isinstance(spec, dict) else None
        if side_names is None or side_people is None:
            problems.append(doc.problem(("sides", side), "a side has 'names' and 'people', each a list of words"))
            continue
        sides[str(side)] = _words(side_names + side_people)
        names += side_names
        people += side_people
    about: dict[str, re.Pattern[str]] = {}
    raw_about = data.get("about", {})
    for name, words in raw_about.items() if isinstance(raw_about, dict) else []:
        if (found := _strings(words)) is None:
            problems.append(doc.problem(("about", name), "a context is a list of words"))
            continue
        about[str(name)] = re.compile(_words(found), re.I)
    terms: list[Term] = []
    raw_terms = data.get("terms")
    if not isinstance(raw_terms, list) or not raw_terms:
        problems.append(doc.problem(("terms",), "'terms' is a list of terms"))
        raw_terms = []
    for i, spec in enumerate(raw_terms):
        if not isinstance(spec, dict):
            problems.append(doc.problem(("terms", i), "a term is a mapping with 'words' or 'pattern' and 'what'"))
            continue
        term, term_problems = _term(doc, i, spec, sides, about)
        problems += term_problems
        if term is not None:
            terms.append(term)
    if problems:
        return None, problems
    return Terms(tuple(terms), sides, _cues(names, people)), []


def _term(
    doc: Located, i: int, spec: dict[str, Any], sides: Mapping[str, str], about: Mapping[str, re.Pattern[str]]
) -> tuple[Term | None, list[Problem]]:
    problems: list[Problem] = []
    unknown = sorted(set(spec) - {"words", "pattern", "side", "pairs", "about", "what"})
    problems += [doc.problem(("terms", i, k), f"unknown field '{k}' of a term", at_key=True) for k in unknown]
    what = spec.get("what")
    if not isinstance(what, str) or not what.strip():
        problems.append(doc.problem(("terms", i), "a term says 'what' it is (whose name, whose framing)"))
    regex: re.Pattern[str] | None = None
    if ("words" in spec) == ("pattern" in spec):
        problems.append(doc.problem(("terms", i), "a term has either 'words' or 'pattern'"))
    elif "words" in spec:
        if (words := _strings(spec["words"])) is None:
            problems.append(doc.problem(("terms", i, "words"), "'words' is a list of words"))
        else:
            regex = re.compile(_words(words))
    else:
        try:
            regex = re.compile(str(spec["pattern"]), re.I)
        except re.error as e:
            problems.append(doc.problem(("terms", i, "pattern"), f"not a regular expression: {e}"))
    side = spec.get("side")
    if side is not None and side not in sides:
        problems.append(doc.problem(("terms", i, "side"), f"unknown side '{side}': one of {', '.join(sides)}"))
    pairs = None
    if "pairs" in spec:
        if (words := _strings(spec["pairs"])) is None:
            problems.append(doc.problem(("terms", i, "pairs"), "'pairs' is a list of words"))
        else:
            pairs = re.compile(_words(words))
    context = spec.get("about")
    if context is not None and context not in about:
        problems.append(doc.problem(("terms", i, "about"), f"unknown context '{context}' (see 'about')"))
    if problems or regex is None:
        return None, problems
    return Term(str(what), regex, str(side) if side else None, pairs, about.get(str(context)) if context else None), []


def load_terms(root: Path) -> tuple[Terms | None, list[Problem]]:
    """The project's term list (None without ``data/terms.yaml``) and the problems reading it."""
    path = root / TERMS_FILE
    if not path.is_file():
        return None, []
    doc, problems = read_yaml(root, path)
    if doc is None:
        return None, problems
    return parse_terms(doc)


def _blank(m: re.Match[str]) -> str:
    return re.sub(r"[^\n]", " ", m.group(0))


def _sentences(text: str) -> Iterator[tuple[int, str]]:
    """Each sentence of ``text`` with its offset; macros, citations, link targets, code and
    quotations (the source's words) blanked out, offsets kept."""
    bare = _QUOTED.sub(_blank, _HIDDEN.sub(_blank, text))
    start = 0
    for m in _SENTENCE_END.finditer(bare):
        if bare[start : m.start()].strip():
            yield start, bare[start : m.start()]
        start = m.end()
    if bare[start:].strip():
        yield start, bare[start:]


def lint_text(text: str, terms: Terms) -> list[Slip]:
    """Every use of a one-sided term in ``text`` in the site's own voice, in order."""
    found: list[Slip] = []
    for offset, sentence in _sentences(text):
        for term in terms.terms:
            m = term.regex.search(sentence)
            if m is None or (term.pairs is not None and term.pairs.search(sentence)):
                continue
            if term.about is not None and not term.about.search(sentence):
                continue  # "return" about something else than the islands
            side = terms.sides.get(term.side or "")
            if side and re.search(rf"(?:{side})(?:['’]s)?\s+(?:\w+\s+)?{_AIMS}", sentence, re.I):
                continue  # the side that uses the term states its own aim in it
            if terms.cues.search(sentence):
                continue
            found.append(Slip(offset + m.start(), offset + m.end(), m.group(0), term.what, " ".join(sentence.split())))
    return sorted(found, key=lambda s: s.start)


def voice_texts(value: Any, key: Key = ()) -> Iterator[tuple[Key, str]]:
    """Every text of a record in the site's voice, with its key."""
    if isinstance(value, dict):
        for k, v in value.items():
            if k not in SKIP:
                yield from voice_texts(v, (*key, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from voice_texts(v, (*key, i))
    elif isinstance(value, str) and key and any(isinstance(k, str) and k in PROSE for k in key[-2:]):
        yield key, value


def _source_pos(doc: Located, key: Key, value: str, slip: Slip) -> tuple[int, int]:
    """Where the slip stands in the file: the n-th match of its term in the value is the n-th in the
    scalar's source text (folding moves spaces, not words); else the value's own position."""
    span = doc.spans.get(key)
    if span is None:
        return doc.pos(key)
    lines = doc.text.split("\n")
    starts = [0]
    for ln in lines:
        starts.append(starts[-1] + len(ln) + 1)
    base, end = starts[span[0][0]] + span[0][1], starts[span[1][0]] + span[1][1]
    words = r"\s+".join(map(re.escape, slip.term.split()))
    nth = len(re.findall(words, value[: slip.start], re.I))
    hits = list(re.finditer(words, doc.text[base:end], re.I))
    if nth >= len(hits):
        return doc.pos(key)
    at = base + hits[nth].start()
    line = max(i for i, s in enumerate(starts) if s <= at)
    return line + 1, at - starts[line] + 1


def check_records(records: Iterable[Record], terms: Terms) -> list[Problem]:
    """Every one-sided term in a record's prose, located in its file."""
    problems: list[Problem] = []
    for rec in records:
        for key, value in voice_texts(rec.data):
            for slip in lint_text(value, terms):
                line, col = _source_pos(rec.src, key, value, slip)
                problems.append(Problem(rec.path, line, col, slip.message))
    return problems


def check_page(rel: str, text: str, terms: Terms) -> list[Problem]:
    """Every one-sided term in a narrative page's text (code blocks aside), at its line and column."""
    blanked = re.sub(r"(?ms)^(```|~~~).*?^\1[^\n]*$", _blank, text)
    blanked = re.sub(r"\{%\s*raw\s*%\}.*?\{%\s*endraw\s*%\}", _blank, blanked, flags=re.S)
    problems = []
    for slip in lint_text(blanked, terms):
        line = blanked.count("\n", 0, slip.start) + 1
        col = slip.start - (blanked.rfind("\n", 0, slip.start) + 1) + 1
        problems.append(Problem(rel, line, col, slip.message))
    return problems
