"""Every quotation from a source document is cited to the page, note or paragraph that prints it.

A quoted phrase (two words or more) that one of the two source documents prints is looked up in
it (case aside); the page map (bib/maps/) gives the pages, notes or paragraphs that print it. The first citation
of that source after the quotation, in the same paragraph, must name one of them. This catches a
passage cited to the page before the one that prints it, or to the paragraph after.

A position's `quote` is held to the same standard, and to its speaker: it must be printed at a place
the record cites, and a quote shown as the actor's own words (`quote_by: actor`) must stand inside
the source's own quotation marks; words the paper or the summary prints in its own voice are theirs.
The tests skip when the source documents are not beside the repository.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import yaml

from refsite import inline
from refsite.claims import citable
from refsite.dataset import Dataset, load_project

from conftest import REPO

SEEDS = Path(os.environ.get("REFSITE_SEEDS") or REPO.parent / "shared" / "seeds")
QUOTE = re.compile(r"\"([^\"\n]{4,}?)\"|“([^”]{4,}?)”|(?<![\w])'([^'\n]{4,}?)'(?![\w])|‘([^’]{4,}?)’")
CITE_RUN = re.compile(r"(?:\{\{\s*cite\(\"[^\"]+\"(?:,\s*\"[^\"]*\")?\)\s*\}\})+")
CITE = re.compile(r"\{\{\s*cite\(\"([^\"]+)\"(?:,\s*\"([^\"]*)\")?\)\s*\}\}")
Place = tuple[str, int]  # ("p", 15), ("n", 49) or ("para", 4)


def _norm(text: str) -> str:
    for a, b in (("’", "'"), ("‘", "'"), ("“", '"'), ("”", '"'), ("–", "-"), ("—", "-")):
        text = text.replace(a, b)
    return " ".join(re.sub(r"[*#\\]|</?b>", "", text).split())


class Sources:
    """The two documents, and where each prints a phrase."""

    def __init__(self) -> None:
        maps = REPO / "bib" / "maps"
        raw = (SEEDS / "004_b8f4bbbeab5eaf78.txt").read_text(encoding="utf-8")
        lines = raw[raw.index("## Summary") :].splitlines()
        self.notes = {int(m[1]): _norm(m[2]) for ln in lines if (m := re.match(r"<sup>(\d+)</sup>\s*(.*)", ln))}
        body = "\n".join(ln for ln in lines if not re.match(r"<sup>\d+</sup>", ln) and ln.strip() != "---")
        self.body = _norm(re.sub(r"<sup>\d+</sup>", "", body))
        pages = yaml.safe_load((maps / "pajon2013.yaml").read_text(encoding="utf-8"))["pages"]
        self.starts = [(self.body.index(_norm(p["starts"])), p["page"]) for p in pages]
        sraw = (SEEDS / "000_afe4909912e8f218.txt").read_text(encoding="utf-8")
        blocks = [_norm(b) for b in sraw[sraw.index("EXECUTIVE SUMMARY") :].split("\n\n")[1:] if b.strip()]
        paras = yaml.safe_load((maps / "stimson2014.yaml").read_text(encoding="utf-8"))["paragraphs"]
        firsts = {_norm(p["starts"]): p["para"] for p in paras}
        self.paras: dict[int, str] = {}
        current = 0
        for block in blocks:
            current = next((n for words, n in firsts.items() if block.startswith(words)), current)
            self.paras[current] = f"{self.paras.get(current, '')} {block}"

    def _page(self, offset: int) -> int:
        return max(page for start, page in self.starts if start <= offset)

    def where(self, phrase: str) -> tuple[str, set[Place]] | None:
        """The source that prints ``phrase`` and the places it prints it; None if neither does."""
        pajon: set[Place] = set()
        for m in re.finditer(re.escape(phrase), self.body, re.I):
            pajon |= {("p", p) for p in range(self._page(m.start()), self._page(m.end()) + 1)}
        pajon |= {("n", n) for n, text in self.notes.items() if phrase.lower() in text.lower()}
        if pajon:
            return "pajon2013", pajon
        stimson = {("para", n) for n, text in self.paras.items() if phrase.lower() in text.lower()}
        return ("stimson2014", stimson) if stimson else None


def places(locator: str) -> set[Place]:
    """The places a locator names: 'pp. 15-16, n. 44' -> p. 15, p. 16, n. 44."""
    out: set[Place] = {("para", int(x)) for x in re.findall(r"para\.\s*(\d+)", locator)}
    if m := re.search(r"pp\.\s*(\d+)\s*[-–]\s*(\d+)", locator):
        out |= {("p", x) for x in range(int(m[1]), int(m[2]) + 1)}
    out |= {("p", int(x)) for x in re.findall(r"(?<!p)p\.\s*(\d+)", locator)}
    return out | {("n", int(x)) for x in re.findall(r"\bnn?\.\s*(\d+)", locator)}


def _quotes(text: str) -> Iterator[tuple[int, str]]:
    for m in QUOTE.finditer(text):
        phrase = _norm(next(g for g in m.groups() if g)).strip(" .,;:")
        if len(phrase.split()) >= 2 and not re.fullmatch(r"(?:pp?|para|n)\.\s*[\d–-]+", phrase):
            yield m.end(), phrase


def _record_citation(text: str, after: int, key: str) -> set[Place] | None:
    end = text.find("\n\n", after)
    for group in inline.find(text[after : len(text) if end < 0 else end]):
        mine = [item.locator for item in group.items if item.key == key]
        if mine:
            return set().union(*(places(loc) for loc in mine))
    return None


def _page_citation(text: str, after: int, key: str) -> set[Place] | None:
    end = text.find("\n\n", after)
    for run in CITE_RUN.finditer(text[after : len(text) if end < 0 else end]):
        mine = [loc for k, loc in CITE.findall(run.group(0)) if k == key]
        if mine:
            return set().union(*(places(loc) for loc in mine))
    return None


@pytest.fixture(scope="module")
def sources() -> Sources:
    if not SEEDS.is_dir():
        pytest.skip("the source documents are not beside the repository")
    return Sources()


@pytest.fixture(scope="module")
def dataset() -> Dataset:
    ds, problems = load_project(REPO)
    assert [str(p) for p in problems if p.is_error] == []
    return ds


def _slips(
    path: str, text: str, sources: Sources, cited_after: Callable[[str, int, str], set[Place] | None]
) -> list[str]:
    out = []
    for end, phrase in _quotes(text):
        found = sources.where(phrase)
        if found is None:
            continue
        key, printed = found
        cited = cited_after(text, end, key)
        if cited is not None and not cited & printed:
            shown = ", ".join(f"{kind}. {n}" for kind, n in sorted(printed))
            out.append(f"{path}: '{phrase}' is printed at {shown}, cited to {sorted(cited)}")
    return out


def test_quotations_in_records_are_cited_where_printed(dataset: Dataset, sources: Sources) -> None:
    slips = []
    for rec in dataset.records.values():
        for _key, text in citable(rec.data):
            slips += _slips(rec.path, text, sources, _record_citation)
    assert slips == []


def test_quotations_on_pages_are_cited_where_printed(sources: Sources) -> None:
    slips = []
    for page in sorted((REPO / "docs").glob("*.md")):
        text = re.sub(r"\{\{(?!\s*cite\()[^}]*\}\}", " ", page.read_text(encoding="utf-8"))
        slips += _slips(f"docs/{page.name}", text, sources, _page_citation)
    assert slips == []


def test_the_check_catches_a_quotation_cited_to_the_wrong_page(sources: Sources) -> None:
    wrong = "Putin called for a 'mutually acceptable solution' [@pajon2013, p. 16]."
    right = wrong.replace("p. 16", "p. 17")
    assert _slips("x", wrong, sources, _record_citation) == [
        "x: 'mutually acceptable solution' is printed at p. 17, cited to [('p', 16)]"
    ]
    assert _slips("x", right, sources, _record_citation) == []
    page = 'She spoke of "not enough balance".{{ cite("stimson2014", "para. 14") }}'
    assert _slips("x", page, sources, _page_citation) == [
        "x: 'not enough balance' is printed at para. 13, cited to [('para', 14)]"
    ]


QUOTED_SPAN = re.compile(r'"([^"]+)"')


def _quoted_in_source(phrase: str, sources: Sources) -> bool:
    """Whether the source text prints ``phrase`` inside its own quotation marks (someone's words)."""
    texts = [sources.body, *sources.notes.values(), *sources.paras.values()]
    return any(phrase.lower() in span.lower() for text in texts for span in QUOTED_SPAN.findall(text))


def _cited_places(data: dict[str, object], key: str) -> set[Place]:
    """Every place of ``key`` a record cites: its sources and its inline citations."""
    out: set[Place] = set()
    for src in data.get("sources") or []:
        if isinstance(src, dict) and src.get("key") == key:
            out |= places(str(src.get("locator", "")))
    for _field, text in citable(data):
        for group in inline.find(text):
            out |= set().union(set(), *(places(item.locator) for item in group.items if item.key == key))
    return out


def quote_slips(path: str, data: dict[str, object], sources: Sources) -> list[str]:
    """What is wrong with a record's ``quote``: not printed, printed elsewhere, or not the actor's."""
    quote = data.get("quote")
    if not isinstance(quote, str):
        return []
    phrase = _norm(quote).strip(" .,;:")
    found = sources.where(phrase)
    if found is None:
        return [f"{path}: quote '{phrase}' is printed in neither source"]
    key, printed = found
    out = []
    if not _cited_places(data, key) & printed:
        shown = ", ".join(f"{kind}. {n}" for kind, n in sorted(printed))
        out.append(f"{path}: quote '{phrase}' is printed at {shown}, which the record does not cite")
    if data.get("quote_by") == "actor" and not _quoted_in_source(phrase, sources):
        out.append(
            f"{path}: quote '{phrase}' is shown as the actor's own words, "
            f"but {key} prints it in its own voice (quote_by: source)"
        )
    return out


def test_every_quote_is_printed_where_cited_and_by_its_speaker(dataset: Dataset, sources: Sources) -> None:
    quoted = [rec for rec in dataset.records.values() if isinstance(rec.data.get("quote"), str)]
    assert len(quoted) >= 10
    slips = [slip for rec in quoted for slip in quote_slips(rec.path, dict(rec.data), sources)]
    assert slips == []


def _at(key: str, locator: str) -> list[dict[str, str]]:
    return [{"key": key, "locator": locator}]


def test_the_quote_check_catches_the_authors_words_shown_as_the_actors(sources: Sources) -> None:
    pajon = {"sources": _at("pajon2013", "p. 19")}
    author = {**pajon, "quote": "fairly open stance", "quote_by": "actor"}
    assert quote_slips("x", author, sources) == [
        "x: quote 'fairly open stance' is shown as the actor's own words, "
        "but pajon2013 prints it in its own voice (quote_by: source)"
    ]
    assert quote_slips("x", {**author, "quote_by": "source"}, sources) == []
    summary = {"quote": "a puppet of the US", "quote_by": "actor", "sources": _at("stimson2014", "para. 2")}
    assert quote_slips("x", summary, sources)[0].startswith("x: quote 'a puppet of the US' is shown as the actor's")
    strategists = {"quote": "conduct regular exercises", "quote_by": "actor", "summary": "[@pajon2013, p. 13, n. 40]"}
    assert quote_slips("x", strategists, sources) == []
    moved = {"quote": "conduct regular exercises", "quote_by": "actor", "sources": _at("pajon2013", "p. 12")}
    assert quote_slips("x", moved, sources) == [
        "x: quote 'conduct regular exercises' is printed at p. 13, which the record does not cite"
    ]
    invented = {"quote": "a lasting friendship", "quote_by": "source", "sources": _at("pajon2013", "p. 4")}
    assert quote_slips("x", invented, sources) == ["x: quote 'a lasting friendship' is printed in neither source"]
