"""Facts a citation vouches for: figures, dates and quotations changed under it, and locators moved.

A sentence whose figure changes while its note stays the same now claims something its source
was cited for before the change: the reviewer must check the source says the new value, and
every other place that states the old one.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ..files import walk_files
from ..load import read_yaml
from .pages import BlockChange, PageDiff
from .site import Page
from .text import same_citation

_MARK = re.compile(r"\[\d+\]")
_MONTHS = (
    "January|February|March|April|May|June|July|August|September|October|November|December"
    "|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec"
)
_QUOTE = r"“[^”]{3,}”|\"[^\"]{3,}\"|‘[^’]{3,}’|«[^»]{3,}»|「[^」]+」"
_TOKEN = re.compile(rf"(?P<quote>{_QUOTE})|(?P<month>\b(?:{_MONTHS})\b)|(?P<num>\d(?:[\d,.]*\d)?%?)")


@dataclass(frozen=True)
class Fact:
    """A figure, a date part or a quotation as it stands in a sentence."""

    kind: str  # figure, date, quotation
    text: str


def facts(text: str) -> list[Fact]:
    """The figures, dates and quoted phrases of a text (note numbers left out)."""
    text = _MARK.sub(" ", text)
    out = []
    for m in _TOKEN.finditer(text):
        if m["quote"]:
            out.append(Fact("quotation", m["quote"]))
        elif m["month"]:
            out.append(Fact("date", m["month"]))
        else:
            value = m["num"]
            digits = value.replace(",", "")
            year = digits.isdigit() and len(digits) == 4 and 1000 <= int(digits) <= 2100
            near_month = re.search(rf"(?:{_MONTHS})\W{{0,3}}$", text[: m.start()]) or re.match(
                rf"^\W{{0,3}}(?:{_MONTHS})\b", text[m.end() :]
            )
            out.append(Fact("date" if year or near_month else "figure", value))
    return out


def _same_notes(before: list[str], after: list[str]) -> bool:
    return len(before) == len(after) and all(same_citation(a, b) for a, b in zip(before, after, strict=True))


@dataclass
class FactChange:
    """Figures, dates or quotations of one block changed while its citations stayed."""

    url: str
    block: BlockChange
    kind: str
    before: str
    after: str
    gone: list[str]  # the old values, one by one


def _changed(old: list[Fact], new: list[Fact]) -> tuple[list[Fact], list[Fact]]:
    a, b = Counter(old), Counter(new)
    return list((a - b).elements()), list((b - a).elements())


def fact_changes(diffs: Iterable[PageDiff]) -> list[FactChange]:
    """Every changed block whose figures, dates or quotations changed under the same citations."""
    out = []
    for d in diffs:
        for b in d.blocks:
            if b.kind != "changed" or not b.notes_before or not _same_notes(b.notes_before, b.notes_after):
                continue
            gone, came = _changed(facts(b.old), facts(b.new))
            if not gone and not came:
                continue
            kinds = [f.kind for f in [*gone, *came]]
            kind = next(k for k in ("figure", "date", "quotation") if k in kinds)
            before = "; ".join(f.text for f in gone) or "(none)"
            after = "; ".join(f.text for f in came) or "(none)"
            numbers = [f.text for f in gone if any(ch.isdigit() for ch in f.text)]
            out.append(FactChange(d.url, b, kind, before, after, numbers))
    return out


def fact_index(site: dict[str, Page]) -> dict[str, list[str]]:
    """Every figure and date token of a site (commas left out), with the pages stating it."""
    index: dict[str, list[str]] = {}
    for url, page in site.items():
        for token in {f.text.replace(",", "") for block in page.blocks for f in facts(block.text)}:
            index.setdefault(token, []).append(url)
    return index


def stated_on(index: dict[str, list[str]], values: list[str], skip: str) -> list[str]:
    """Addresses of the pages (other than ``skip``) that state any of ``values``, as a whole token."""
    found = {url for v in values if v for url in index.get(v.replace(",", ""), [])}
    return sorted(found - {skip})


def page_openings(root: Path) -> dict[str, dict[str, str]]:
    """The opening words of each printed page and paragraph of the mapped works: key -> {"p. 15": words}."""
    out: dict[str, dict[str, str]] = {}
    folder = root / "bib" / "maps"
    for file in walk_files(root, folder, ".yaml") if folder.is_dir() else []:
        doc, _ = read_yaml(root, file)
        data = doc.data if doc is not None else None
        if not isinstance(data, dict) or not isinstance(data.get("key"), str):
            continue
        starts: dict[str, str] = {}
        for field, label, prefix in (("pages", "page", "p."), ("paragraphs", "para", "para.")):
            for item in data.get(field) or []:
                if isinstance(item, dict) and isinstance(item.get(label), int) and isinstance(item.get("starts"), str):
                    starts[f"{prefix} {item[label]}"] = item["starts"]
        out[data["key"]] = starts
    return out


def opening(openings: dict[str, dict[str, str]], key: str, locator: str) -> str:
    """The opening words of the first page or paragraph a locator names ('' when the work has no map)."""
    m = re.match(r"^\s*(pp?|paras?)\.\s*(\d+)", locator)
    if not m:
        return ""
    prefix = "p." if m[1].startswith("p") and not m[1].startswith("para") else "para."
    words = openings.get(key, {}).get(f"{prefix} {m[2]}", "")
    return " ".join(words.split()[:8])
