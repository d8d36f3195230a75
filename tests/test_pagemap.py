"""Unit tests of the page maps: parsing, and the check of a locator against a map."""

from __future__ import annotations

from pathlib import Path

import pytest

from refsite.load import parse_yaml
from refsite.pagemap import SourceMap, check_locator, load_maps, parse_map

PAGES = SourceMap(
    "paper",
    {4: frozenset(), 5: frozenset({1, 2}), 6: frozenset(), 7: frozenset({3}), 8: frozenset({4, 5})},
    frozenset(),
    frozenset({"Author"}),
    uncertain=((6, 7),),
)
PARAS = SourceMap("talk", {}, frozenset(range(1, 15)), frozenset({"heading"}))


@pytest.mark.parametrize(
    "locator",
    ["p. 4", "p. 5, n. 2", "pp. 4-5", "pp. 4–8", "pp. 7–8, nn. 3–5", "p. 8, nn. 4-5", "sec. Author", "pp. 6-7"],
)
def test_places_the_paper_prints_pass(locator: str) -> None:
    assert PAGES.check(locator) is None


@pytest.mark.parametrize(
    ("locator", "message"),
    [
        ("p. 5, n. 3", "n. 3 is printed on p. 7, not p. 5 (did you mean 'p. 7, n. 3'?)"),
        ("pp. 4–5, n. 4", "n. 4 is printed on p. 8, not pp. 4–5 (did you mean 'p. 8, n. 4'?)"),
        ("p. 8, nn. 4-6", "paper prints no n. 6"),
        ("p. 3", "paper has no printed p. 3 (pages 4–8)"),
        ("pp. 5–9", "paper has no printed p. 9 (pages 4–8)"),
        ("pp. 7-5", "page range 'pp. 7-5' must run forward over two pages or more"),
        ("pp. 5-5", "page range 'pp. 5-5' must run forward over two pages or more"),
        ("p. 6", "the break between pp. 6 and 7 of paper cannot be placed: cite 'pp. 6–7'"),
        ("p. 7", "the break between pp. 6 and 7 of paper cannot be placed: cite 'pp. 6–7'"),
        ("n. 4", "give the page with the note: n. 4 is printed on p. 8 ('p. 8, n. 4')"),
        ("n. 9", "paper prints no n. 9"),
        ("para. 2", "paper is cited by page, not by paragraph ('p. 4')"),
        ("sec. Summary", "paper has no section 'Summary' without a page number; cite a page or one of 'sec. Author'"),
        (
            "chap. 2",
            "locator 'chap. 2' cannot be checked against the map of paper: use 'p. 15', 'p. 15, n. 44' or 'pp. 15–16'",
        ),
    ],
)
def test_places_the_paper_does_not_print_fail(locator: str, message: str) -> None:
    assert PAGES.check(locator) == message


def test_a_note_on_an_uncertain_page_needs_no_range() -> None:
    assert PAGES.check("p. 7, n. 3") is None


@pytest.mark.parametrize(
    ("locator", "message"),
    [
        ("para. 1", None),
        ("para. 14", None),
        ("para. 4-5", None),
        ("sec. heading", None),
        ("para. 15", "talk has no para. 15 (paras. 1–14)"),
        ("para. 0", "talk has no para. 0 (paras. 1–14)"),
        ("para. 5-4", "paragraph range 'para. 5-4' must run forward"),
        ("p. 2", "talk is cited by paragraph, not by page ('para. 1')"),
        ("n. 2", "talk has no numbered notes; cite a paragraph ('para. 1')"),
    ],
)
def test_paragraphs(locator: str, message: str | None) -> None:
    assert PARAS.check(locator) == message


def test_unmapped_works_are_not_checked() -> None:
    maps = {"paper": PAGES}
    assert check_locator(maps, "other", "p. 999, n. 1") is None
    assert check_locator(maps, "paper", "p. 999") == "paper has no printed p. 999 (pages 4–8)"


def _parse(text: str) -> tuple[SourceMap | None, list[str]]:
    doc, problems = parse_yaml("bib/maps/m.yaml", text.encode())
    assert doc is not None and problems == []
    smap, found = parse_map(doc)
    return smap, [str(p) for p in found]


def test_parse_a_page_map() -> None:
    smap, problems = _parse(
        "key: paper\nmethod: m\npages:\n  - {page: 5, starts: a, notes: [1]}\n  - {page: 6, starts: b}\n"
        "uncertain: [[5, 6]]\n"
    )
    assert problems == [] and smap is not None
    assert smap.note_page(1) == 5 and smap.note_page(2) is None and smap.uncertain == ((5, 6),)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("pages: []\n", "bib/maps/m.yaml:1:1: error: a page map needs 'key': the BibTeX key of the work it maps"),
        (
            "key: p\npages:\n  - {page: 5, starts: a}\n",
            "bib/maps/m.yaml:1:6: error: a page map needs 'method': how its pages or paragraphs were found",
        ),
        ("key: p\nmethod: m\n", "bib/maps/m.yaml:1:6: error: a page map needs 'pages' or 'paragraphs'"),
        (
            "key: p\nmethod: m\npages:\n  - {page: five, starts: a}\n",
            "bib/maps/m.yaml:4:5: error: each entry needs 'page': a number",
        ),
        (
            "key: p\nmethod: m\npages:\n  - {page: 5}\n",
            "bib/maps/m.yaml:4:5: error: page 5 needs 'starts': its first words",
        ),
        (
            "key: p\nmethod: m\npages:\n  - {page: 5, starts: a, notes: 1}\n",
            "bib/maps/m.yaml:4:33: error: expected a list of numbers, e.g. [44, 45]",
        ),
        (
            "key: p\nmethod: m\nparagraphs:\n  - {para: 1, starts: a}\n  - {para: 1, starts: b}\n",
            "bib/maps/m.yaml:5:12: error: para 1 is listed twice",
        ),
        (
            "key: p\nmethod: m\npages:\n  - {page: 5, starts: a}\nuncertain: [[5, 9]]\n",
            "bib/maps/m.yaml:5:13: error: an uncertain span is two printed pages, e.g. [15, 16]",
        ),
    ],
)
def test_malformed_maps_are_located(text: str, problem: str) -> None:
    smap, problems = _parse(text)
    assert smap is None and problem in problems


def test_load_maps_reads_every_file_and_refuses_a_second_map(tmp_path: Path) -> None:
    folder = tmp_path / "bib" / "maps"
    folder.mkdir(parents=True)
    text = "key: paper\nmethod: m\npages:\n  - {page: 5, starts: a}\n"
    (folder / "a.yaml").write_text(text, encoding="utf-8")
    (folder / "b.yaml").write_text(text, encoding="utf-8")
    maps, problems = load_maps(tmp_path)
    assert list(maps) == ["paper"]
    assert [str(p) for p in problems] == ["bib/maps/b.yaml:1:6: error: a second map for 'paper'"]


def test_no_map_folder_means_no_maps(tmp_path: Path) -> None:
    assert load_maps(tmp_path) == ({}, [])
