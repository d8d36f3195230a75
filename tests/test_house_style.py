"""House style over data/ and docs/: British spelling, and dates written out in prose.

The site writes British English (the data mostly does: defence, favour, analyse, labour). A
word is exempt inside a quotation (“...”, a ``quote`` field), in a cited work's title, and as
part of a proper name (capitalised: "Ministry of Defense", "Carnegie Moscow Center"). Dates in
prose are written out ("9 September 2014"); ISO dates belong in date fields only.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from refsite.dataset import load_project

from conftest import REPO

# American forms and what the site writes instead (lower case only: capitalised forms are names)
AMERICAN = {
    r"labor(s|ed|ing)?": "labour",
    r"defense(s)?": "defence",
    r"center(s|ed)?": "centre",
    r"favor(s|ed|ing|able|ably|ite|ites)?": "favour",
    r"color(s|ed|ful)?": "colour",
    r"analyz(e|es|ed|ing)": "analyse",
    r"neighbor(s|ing|hood|hoods)?": "neighbour",
    r"honor(s|ed|ing)?": "honour",
    r"catalog(s)?": "catalogue",
    r"licens(e|es)": "licence (the noun)",
}
_IZE_SAME = {"size", "sizes", "sized", "prize", "prizes", "seize", "seized", "seizes", "seizing", "capsize", "maize"}
_IZE = re.compile(r"\b[a-z]+iz(e|es|ed|ing|ation|ations)\b")
_WORD = re.compile(r"\b(" + "|".join(AMERICAN) + r")\b")
_QUOTED = re.compile(r"“[^”]*”|\"[^\"\n]*\"|`[^`]*`|\]\([^)]*\)|<[^>]*>|https?://\S+")
_ID = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
_ISO_IN_PROSE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
_EXEMPT_FIELDS = {
    "quote",
    "kind",
    "id",
    "key",
    "locator",
    "url",
    "stance",
    "status",
    "outcome",
    "lang",
    "date",
    "end_date",
    "as_of",
    "from",
    "to",
    "sources",
    "citations",
}


def _strings(value: Any, key: str = "") -> Iterator[tuple[str, str]]:
    if key in _EXEMPT_FIELDS:
        return
    if isinstance(value, str):
        if not _ID.fullmatch(value):  # ids and references are names, not prose
            yield key, value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _strings(v, str(k))
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v, key)


def _texts() -> Iterator[tuple[str, str]]:
    ds, problems = load_project(REPO)
    assert not [p for p in problems if p.is_error]
    for rec in ds.records.values():
        for key, text in _strings(dict(rec.data)):
            yield f"{rec.path} ({key})", text
    for page in sorted((REPO / "docs").glob("*.md")):
        body = page.read_text(encoding="utf-8")
        body = re.sub(r"\{\{.*?\}\}|\{%.*?%\}", "", body, flags=re.S)  # macro calls: arguments are data
        yield page.relative_to(REPO).as_posix(), body


def american_forms(text: str) -> list[str]:
    """The American spellings in ``text`` outside quotations, code, addresses and names."""
    text = _QUOTED.sub(" ", text)
    found = [m.group(0) for m in _WORD.finditer(text)]
    found += [m.group(0) for m in _IZE.finditer(text) if m.group(0) not in _IZE_SAME]
    return found


def test_the_checker_flags_american_forms_and_spares_names_and_quotations() -> None:
    assert american_forms("the labor market was recognized; a defense pact; realized") == [
        "labor",
        "defense",
        "recognized",
        "realized",
    ]
    assert american_forms("the Ministry of Defense; the Carnegie Moscow Center; a prize") == []
    assert american_forms("he called it “a defense of the center” and [Center](https://x.org/center)") == []


def test_prose_is_british() -> None:
    flagged = [f"{where}: {word}" for where, text in _texts() for word in american_forms(text)]
    assert flagged == []


def test_prose_dates_are_written_out() -> None:
    flagged = [
        f"{where}: {m.group(0)}" for where, text in _texts() for m in _ISO_IN_PROSE.finditer(_QUOTED.sub(" ", text))
    ]
    assert flagged == []
