"""The words of the notes: locators that find the place (a section heading only where no page
does), each work once per note, and no stray punctuation in any note or bibliography entry of
the real reference."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
import yaml

from refsite import footnotes
from refsite.cite import Cite, collapse
from refsite.load import parse_yaml
from refsite.pagemap import SourceMap, parse_map
from refsite.render.text import PageContext

from conftest import REPO

PAPER = SourceMap(
    "paper",
    {15: frozenset(), 16: frozenset({44, 45})},
    frozenset(),
    frozenset({"Author"}),
    headings=("Japan loses ground in territorial dispute", "Russian military activity in the Far East and more"),
)


def _cites(note: str, locator: str) -> list[Cite]:
    ctx = PageContext("page.md", 0, {"paper": PAPER})
    ctx.sources([{"key": "paper", "locator": locator, "note": note}])
    return ctx.notes[-1]


@pytest.mark.parametrize(
    ("note", "locator", "kept"),
    [
        ("Japan loses ground in territorial dispute", "p. 15", ""),  # the page finds the place
        ("Japan loses ground in territorial dispute", "p. 16, n. 44", ""),
        ("Japan Loses Ground in Territorial Dispute.", "pp. 15-16", ""),  # as words: case and end stop aside
        ("Russian military activity in the Far East", "p. 16", ""),  # a heading's opening words
        ("Japan loses ground in territorial dispute", "", "Japan loses ground in territorial dispute"),
        ("Author", "sec. Author", "Author"),  # no page: the note keeps what finds the place
        ("cited in Pajon (2013), n. 25", "p. 15", "cited in Pajon (2013), n. 25"),  # not a heading
        ("Russian military", "p. 16", ""),
        ("Russian mil", "p. 16", "Russian mil"),  # not a word boundary: kept
    ],
)
def test_a_heading_goes_into_a_note_only_where_no_page_finds_the_place(note: str, locator: str, kept: str) -> None:
    assert [c.note for c in _cites(note, locator)] == [kept]


def test_a_work_without_a_map_keeps_its_note() -> None:
    ctx = PageContext("page.md", 0, {})
    ctx.cite("other", "p. 15", "Japan loses ground in territorial dispute")
    assert ctx.notes[-1][0].note == "Japan loses ground in territorial dispute"


def test_one_note_names_each_work_once_with_its_locators_in_order() -> None:
    note = collapse(
        [
            Cite("paper", "p. 12, n. 34"),
            Cite("paper", "p. 12"),
            Cite("interview"),
            Cite("paper", "p. 5, n. 1"),
            Cite("interview", "", "cited in Pajon (2013), n. 34"),
        ]
    )
    assert note == [Cite("paper", "p. 5n1, 12, 12n34"), Cite("interview", "", "cited in Pajon (2013), n. 34")]
    # a bare citation of one place stays beside a citation of another place with free text
    apart = collapse([Cite("w", "p. 3"), Cite("w", "p. 4", "cited in X")])
    assert apart == [Cite("w", "p. 3"), Cite("w", "p. 4", "cited in X")]


def test_a_maps_headings_are_read_and_checked() -> None:
    head = b"key: w\nmethod: m\npages: [{page: 1, starts: a}]\n"
    doc, _ = parse_yaml("m.yaml", head + b"headings: [Summary, Conclusion]\n")
    assert doc is not None
    found, problems = parse_map(doc)
    assert problems == [] and found is not None and found.headings == ("Summary", "Conclusion")
    bad, _ = parse_yaml("m.yaml", head + b"headings: [1, '']\n")
    assert bad is not None
    _, problems = parse_map(bad)
    assert [p.message for p in problems] == ["'headings' must be a list of the section headings the work prints"]
    assert (problems[0].line, problems[0].col) == (4, 11)


def test_the_papers_headings_are_the_ones_it_prints() -> None:
    seeds = REPO.parent / "shared" / "seeds" / "004_b8f4bbbeab5eaf78.txt"
    if not seeds.is_file():
        pytest.skip("the source documents are not beside the repository")
    printed = {
        re.sub(r"[*]", "", line.lstrip("#")).strip()
        for line in seeds.read_text(encoding="utf-8").splitlines()
        if line.startswith("#")
    }
    headings = yaml.safe_load((REPO / "bib/maps/pajon2013.yaml").read_text(encoding="utf-8"))["headings"]
    assert headings and [h for h in headings if h not in printed] == []


def _notes_and_entries(site: Path) -> list[tuple[str, str]]:
    """Every note of every page (as read, its hidden preview part aside) and every bibliography entry."""
    out = []
    for page in sorted(site.rglob("index.html")):
        if "editions" in page.relative_to(site).parts:
            continue
        text = page.read_text(encoding="utf-8")
        for note in footnotes.notes_of(text):
            if note.id.startswith("cite-"):
                out.append((str(page.relative_to(site)), note.text))
    bib = (site / "bibliography/index.html").read_text(encoding="utf-8")
    for entry in re.findall(r'<div class="refsite-entry" id="[^"]+"><p>(.*?)</p>', bib, re.S):
        out.append(("bibliography", html.unescape(re.sub(r"<[^>]+>", "", entry)).strip()))
    return out


#: Stray or doubled punctuation, and quotation marks out of the British style the notes use.
STRAY = {
    "doubled punctuation": r"([,;:])\s*\1|(?<!\.)\.\.(?!\.)|[,;:]\s*[.,;:]|\.\s+[,;:]|[a-z]{3}\.[,;]",
    "space before punctuation": r"\s[,.;:?)\]’”]",
    "space after an opening mark": r"[(\[‘“]\s",
    "full stop inside a quotation mark, more punctuation after it": r"\.[’”][.,;:]",
    "straight quotation mark": r"\"",
    "American comma inside a closing quotation mark": r",[’”](?!\w)",
    "two spaces": r"\s{2}",
    "empty brackets": r"\(\s*\)|\[\s*\]",
    "season or months apart from the year": r", (?:Spring|Summer|Autumn|Winter|[A-Z][a-z]+/[A-Z][a-z]+) \(\d{4}\)",
}
#: As the work prints it (the title of n. 52: "... kaitô !").
AS_PRINTED = ("Kaitô !",)


def test_no_stray_punctuation_in_the_references_notes_or_bibliography(real_site: Path) -> None:
    texts = _notes_and_entries(real_site)
    assert len(texts) > 1500 and sum(1 for where, _ in texts if where == "bibliography") > 50
    found = []
    for where, text in texts:
        checked = text
        for words in AS_PRINTED:
            checked = checked.replace(words, words.replace(" ", ""))
        for name, pattern in STRAY.items():
            if m := re.search(pattern, checked):
                found.append(f"{where}: {name}: …{checked[max(0, m.start() - 40) : m.end() + 20]}")
        if not re.search(r"[.?!][’”]?$", checked):
            found.append(f"{where}: no full stop at the end: …{checked[-60:]}")
        if checked.count("“") != checked.count("”"):
            found.append(f"{where}: unbalanced double quotation marks: {checked[:80]}")
    assert found == []


def test_the_references_notes_use_pages_not_headings(real_site: Path) -> None:
    headings = yaml.safe_load((REPO / "bib/maps/pajon2013.yaml").read_text(encoding="utf-8"))["headings"]
    openings = {" ".join(h.split()[:3]) for h in headings}
    beside_a_page = [
        f"{where}: {text[:120]}"
        for where, text in _notes_and_entries(real_site)
        if any(re.search(rf"\d, {re.escape(words)}", text) for words in openings)
    ]
    assert beside_a_page == []
    # and no work named twice in a row with the same place: 'Pajon, 15; Pajon, 15'
    same = re.compile(r"(\b[A-Z]\w+, [\d–n, ]+)[.;] \1(?:[.;]|$)")
    twice = [text for _, text in _notes_and_entries(real_site) if same.search(text)]
    assert twice == []
