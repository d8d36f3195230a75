"""Citation formatting: golden notes per entry type, first and short forms, locators, batching."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import refsite.cite as cite_mod
from refsite.bib import parse_bib
from refsite.bibcsl import csl_items
from refsite.cite import Cite, Formatter, forms, plan
from refsite.context import current

STYLES = Path(cite_mod.__file__).parent / "styles"
BIB = r"""
@book{kimura2008kurilian,
  author = {Kimura, H.},
  title = {The {Kurilian} Knot, A History of {Japanese}-{Russian} Border Negotiations},
  publisher = {Stanford University Press},
  address = {Stanford},
  year = {2008},
}
@article{akaha2012distant,
  author = {Akaha, T.},
  title = {A Distant Neighbor: {Russia}'s Search to Find its Place in {East Asia}},
  journal = {Global Asia},
  volume = {7},
  number = {2},
  year = {2012},
}
@report{trenin2012russias,
  author = {Trenin, D. and Weber, Y.},
  title = {{Russia}'s {Pacific} Future. Solving the {South Kuril Islands} Dispute},
  series = {The Carnegie Papers},
  institution = {Carnegie Moscow Center},
  date = {2012-12},
}
@incollection{hyodo2012russias,
  author = {Hyodo, S.},
  title = {{Russia}'s Strategic Approach towards {Asia}},
  booktitle = {Neighbourhood Watch. {Japan} and {Swedish} perspectives on {Russian} security},
  editor = {Hyodo, S. and Vendil Pallin, C.},
  publisher = {NIDS-FOI},
  date = {2012-10},
}
@online{itochu2013announces,
  title = {{ITOCHU} Announces Signing of Memorandum of Understanding for {Vladivostok} {LNG} Project},
  organization = {ITOCHU},
  date = {2013-06-24},
  url = {http://www.itochu.co.jp/en/news/2013/130624.html},
}
@article{weaver2013russia,
  author = {Weaver, C. and Buckley, N.},
  title = {{Russia} and {China} Agree \$270bn Oil Deal},
  journal = {Financial Times},
  entrysubtype = {newspaper},
  date = {2013-06-21},
}
@misc{interview2013tanaka,
  title = {Interview with {Hitoshi Tanaka}},
  entrysubtype = {interview},
  address = {Tokyo},
  date = {2013-04-19},
}
"""


@pytest.fixture(scope="module")
def items() -> dict[str, dict]:
    entries, problems = parse_bib("t.bib", BIB)
    assert problems == []
    return csl_items([BIB], {e.key: e for e in entries})


@pytest.fixture(scope="module")
def chicago() -> Formatter:
    return Formatter(STYLES / "chicago-fullnote-bibliography.csl")


FIRST = {
    "kimura2008kurilian": "H. Kimura, <em>The Kurilian Knot, a History of Japanese-Russian Border Negotiations</em> "
    "(Stanford: Stanford University Press, 2008), 15.",
    "akaha2012distant": "T. Akaha, “A Distant Neighbor: Russia’s Search to Find Its Place in East Asia,” "
    "<em>Global Asia</em> 7, no. 2 (2012): 15.",
    "trenin2012russias": "D. Trenin and Y. Weber, “Russia’s Pacific Future. Solving the South Kuril Islands "
    "Dispute,” The Carnegie Papers (Carnegie Moscow Center, December 2012), 15.",
    "hyodo2012russias": "S. Hyodo, “Russia’s Strategic Approach Towards Asia,” in <em>Neighbourhood "
    "Watch. Japan and Swedish Perspectives on Russian Security</em>, ed. S. Hyodo and C. Vendil Pallin "
    "(NIDS-FOI, 2012), 15.",
    "itochu2013announces": "“ITOCHU Announces Signing of Memorandum of Understanding for Vladivostok LNG "
    'Project” (ITOCHU, June 24, 2013), 15, <a href="http://www.itochu.co.jp/en/news/2013/130624.html">'
    "http://www.itochu.co.jp/en/news/2013/130624.html</a>.",
    "weaver2013russia": "C. Weaver and N. Buckley, “Russia and China Agree $270bn Oil Deal,” "
    "<em>Financial Times</em>, June 21, 2013, 15.",
    "interview2013tanaka": "Interview with Hitoshi Tanaka (Tokyo, April 19, 2013), 15.",
}

SHORT = {
    "akaha2012distant": "Akaha, “A Distant Neighbor,” 16.",  # the title before its colon: the short title
    "trenin2012russias": "Trenin and Weber, “Russia’s Pacific Future. Solving the South Kuril Islands Dispute,” 16.",
    "hyodo2012russias": "Hyodo, “Russia’s Strategic Approach Towards Asia,” 16.",
    "weaver2013russia": "Weaver and Buckley, “Russia and China Agree $270bn Oil Deal,” 16.",
    "interview2013tanaka": "Interview with Hitoshi Tanaka, 16.",
}

BIBLIOGRAPHY = [
    (
        "akaha2012distant",
        "Akaha, T. “A Distant Neighbor: Russia’s Search to Find Its Place in East Asia.” "
        "<em>Global Asia</em> 7, no. 2 (2012).",
    ),
    (
        "hyodo2012russias",
        "Hyodo, S. “Russia’s Strategic Approach Towards Asia.” In <em>Neighbourhood "
        "Watch. Japan and Swedish Perspectives on Russian Security</em>, edited by S. Hyodo and C. Vendil Pallin. "
        "NIDS-FOI, 2012.",
    ),
    ("interview2013tanaka", "Interview with Hitoshi Tanaka. Tokyo, April 19, 2013."),
    (
        "itochu2013announces",
        "“ITOCHU Announces Signing of Memorandum of Understanding for Vladivostok LNG "
        'Project.” ITOCHU, June 24, 2013. <a href="http://www.itochu.co.jp/en/news/2013/130624.html">'
        "http://www.itochu.co.jp/en/news/2013/130624.html</a>.",
    ),
    (
        "kimura2008kurilian",
        "Kimura, H. <em>The Kurilian Knot, a History of Japanese-Russian Border Negotiations</em>. "
        "Stanford: Stanford University Press, 2008.",
    ),
    (
        "trenin2012russias",
        "Trenin, D., and Y. Weber. “Russia’s Pacific Future. Solving the South Kuril Islands "
        "Dispute.” The Carnegie Papers. Carnegie Moscow Center, December 2012.",
    ),
    (
        "weaver2013russia",
        "Weaver, C., and N. Buckley. “Russia and China Agree $270bn Oil Deal.” "
        "<em>Financial Times</em>, June 21, 2013.",
    ),
]


def test_entry_types_map_to_csl(items: dict[str, dict]) -> None:
    assert {k: v["type"] for k, v in items.items()} == {
        "kimura2008kurilian": "book",
        "akaha2012distant": "article-journal",
        "trenin2012russias": "report",
        "hyodo2012russias": "chapter",
        "itochu2013announces": "webpage",
        "weaver2013russia": "article-newspaper",
        "interview2013tanaka": "interview",
    }
    assert items["trenin2012russias"]["author"] == [
        {"family": "Trenin", "given": "D."},
        {"family": "Weber", "given": "Y."},
    ]
    assert items["weaver2013russia"]["issued"] == {"date-parts": [[2013, 6, 21]]}


@pytest.mark.parametrize("key", sorted(FIRST))
def test_first_note_golden(chicago: Formatter, items: dict[str, dict], key: str) -> None:
    result = chicago.format([[Cite(key, "p. 15")]], items)
    assert result.notes == [[FIRST[key]]]


@pytest.mark.parametrize("key", sorted(SHORT))
def test_short_note_after_another_work(chicago: Formatter, items: dict[str, dict], key: str) -> None:
    other = "kimura2008kurilian"
    result = chicago.format([[Cite(key, "p. 15"), Cite(other, ""), Cite(key, "p. 16")]], items)
    assert result.notes[0][0] == FIRST[key]
    assert result.notes[0][2] == SHORT[key]


def test_first_form_on_every_page(chicago: Formatter, items: dict[str, dict]) -> None:
    """Each page is its own document: a work cited on an earlier page is in full again."""
    key = "akaha2012distant"
    result = chicago.format([[Cite(key, "p. 15")], [Cite(key, "p. 15")]], items)
    assert result.notes == [[FIRST[key]], [FIRST[key]]]


def test_bibliography_golden(chicago: Formatter, items: dict[str, dict]) -> None:
    result = chicago.format([], items, bibliography=sorted(items))
    assert result.bibliography == BIBLIOGRAPHY


@pytest.mark.parametrize(
    ("locator", "ending"),
    [
        ("p. 105", "2008), 105."),
        ("pp. 105-107", "2008), 105–7."),
        ("n. 50", "2008), n. 50."),
        ("p. 17, n. 50", "2008), 17n50."),
        ("sec. Introduction", "2008), sec. Introduction."),
        ("para. 4", "2008), para. 4."),
        ("chap. 3", "2008), chap. 3."),
        ("", "2008)."),
    ],
)
def test_locator_forms(chicago: Formatter, items: dict[str, dict], locator: str, ending: str) -> None:
    note = chicago.format([[Cite("kimura2008kurilian", locator)]], items).notes[0][0]
    assert note.endswith(ending), note


def test_free_text_is_placed_by_the_style_and_escaped(chicago: Formatter, items: dict[str, dict]) -> None:
    note = chicago.format([[Cite("kimura2008kurilian", "p. 1", "section <Intro>")]], items).notes[0][0]
    assert note.endswith("2008), 1, section &lt;Intro&gt;."), note
    bare = chicago.format([[Cite("kimura2008kurilian", "", "Summary")]], items).notes[0][0]
    assert bare.endswith("2008), Summary."), bare


def test_positions_on_a_page() -> None:
    cites = [Cite("a", "p. 1"), Cite("b"), Cite("a", "p. 2"), Cite("a", "p. 2"), Cite("b", "p. 3")]
    assert forms(cites) == [
        ("a", "p. 1", ("first",)),
        ("b", "", ("first",)),
        ("a", "p. 2", ("subsequent",)),
        ("a", "p. 2", ("follows", "p. 2")),
        ("b", "p. 3", ("subsequent",)),
    ]


def test_no_ibid_after_a_note_that_cites_two_works() -> None:
    cites = [Cite("a", "p. 1", group=0), Cite("b", "p. 2", group=0), Cite("b", "p. 3", group=1)]
    assert forms(cites)[2] == ("b", "p. 3", ("subsequent",))
    alone = [Cite("a", "p. 1", group=0), Cite("b", "p. 2", group=1), Cite("b", "p. 3", group=2)]
    assert forms(alone)[2] == ("b", "p. 3", ("follows", "p. 2"))


def test_plan_puts_each_first_locator_in_its_own_document() -> None:
    made = plan(
        [("a", "p. 1", ("first",)), ("a", "p. 2", ("first",)), ("b", "", ("first",)), ("b", "p. 4", ("subsequent",))]
    )
    assert len(made.docs) == 3
    assert made.where[("a", "p. 2", ("first",))] == (1, 0)
    # the documents of first citations come first; the one that sets up later positions after them
    assert made.fresh == 2
    assert all(c["keep"] for doc in made.docs[:2] for c in doc)
    assert made.where[("b", "p. 4", ("subsequent",))][0] == 2
    assert cite_mod.runs(made) == [[1, 2], [3]]


def test_runs_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    """Documents of first citations share runs of at most RUN_CITATIONS citations."""
    monkeypatch.setattr(cite_mod, "RUN_CITATIONS", 3)
    made = plan([(key, f"p. {n}", ("first",)) for key in "abc" for n in range(4)])
    assert [len(doc) for doc in made.docs] == [3, 3, 3, 3] and made.fresh == 4
    assert cite_mod.runs(made) == [[1], [2], [3], [4]]
    monkeypatch.setattr(cite_mod, "RUN_CITATIONS", 7)
    assert cite_mod.runs(made) == [[1, 2], [3, 4]]


def test_first_citations_share_one_run_and_read_as_if_alone(items: dict[str, dict]) -> None:
    """A work cited first at many pinpoints (each in a document of its own) is formatted in one
    pandoc run, positions reset between the documents: every note reads as when each runs alone."""
    key, other = "akaha2012distant", "kimura2008kurilian"
    pages = [[Cite(key, f"p. {n}"), Cite(other, f"p. {n}"), Cite(key, f"p. {n + 1}")] for n in range(20, 27)]
    pending = Formatter(STYLES / "chicago-fullnote-bibliography.csl").submit(cite_mod.Batch(pages, items))
    assert pending is not None
    payload = json.loads(Path(pending.job.tmp.name, "in.json").read_text(encoding="utf-8"))
    assert payload["runs"] == [[1, 2, 3, 4, 5, 6, 7], [8]]
    together = pending.job.wait()
    alone = cite_mod.Job({**payload, "runs": [[n] for n in range(1, 9)]}).wait()  # each in a run of its own
    assert (together.pop("runs"), alone.pop("runs")) == (2, 8)
    assert together == alone
    before = current().tallied(cite_mod.FORMAT_RUNS)
    notes = Formatter(STYLES / "chicago-fullnote-bibliography.csl").format(pages, items).notes
    assert current().tallied(cite_mod.FORMAT_RUNS) == before + 1
    for n, (first, second, third) in zip(range(20, 27), notes, strict=True):
        assert first == FIRST[key].replace("): 15.", f"): {n}."), first
        assert second == FIRST[other].replace("2008), 15.", f"2008), {n}."), second
        assert third == SHORT[key].replace("16.", f"{n + 1}."), third


def test_hundreds_of_citations_on_one_page(items: dict[str, dict]) -> None:
    fmt = Formatter(STYLES / "chicago-fullnote-bibliography.csl")
    keys = sorted(items)
    cites = [Cite(keys[i % len(keys)], f"p. {i + 1}") for i in range(350)]
    before = current().tallied(cite_mod.FORMAT_RUNS)
    notes = fmt.format([cites], items).notes[0]
    assert before + 1 == current().tallied(cite_mod.FORMAT_RUNS)
    assert len(notes) == 350
    seen: set[str] = set()
    for i, (c, note) in enumerate(zip(cites, notes, strict=False)):
        assert str(i + 1) in note, note
        if c.key in seen:
            assert "(" not in note.split("”")[-1].split("</em>")[-1], note  # short forms carry no publication details
        else:
            assert note == FIRST[c.key].replace("), 15", f"), {i + 1}").replace("): 15", f"): {i + 1}").replace(
                "2013, 15.", f"2013, {i + 1}."
            )
        seen.add(c.key)
    # the same batch again is served from the cache: no new formatting call
    fmt.format([cites], items)
    assert before + 1 == current().tallied(cite_mod.FORMAT_RUNS)


def test_other_style_changes_every_note(items: dict[str, dict]) -> None:
    apa = Formatter(STYLES / "apa.csl")
    result = apa.format([[Cite("kimura2008kurilian", "p. 105")]], items, bibliography=["kimura2008kurilian"])
    assert result.notes == [["(Kimura, 2008, p. 105)"]]
    assert result.bibliography == [
        (
            "kimura2008kurilian",
            "Kimura, H. (2008). <em>The Kurilian knot, a history of Japanese-Russian border "
            "negotiations</em>. Stanford University Press.",  # APA: titles in sentence case
        )
    ]


def test_disambiguation_is_the_same_in_every_note() -> None:
    extra = (
        "\n@book{kimura2008other,\n  author = {Kimura, H.},\n  title = {Another Book},\n"
        "  publisher = {Press},\n  year = {2008},\n}\n"
    )
    entries, _ = parse_bib("t.bib", BIB + extra)
    items = csl_items([BIB + extra], {e.key: e for e in entries})
    apa = Formatter(STYLES / "apa.csl")
    pages = [
        [Cite("kimura2008kurilian", "p. 3")],
        [Cite("akaha2012distant", "p. 1")],
        [Cite("kimura2008kurilian", "p. 9")],
    ]
    result = apa.format(pages, items, bibliography=["kimura2008kurilian", "kimura2008other", "akaha2012distant"])
    first, last = result.notes[0][0], result.notes[2][0]
    suffix = re.search(r"2008([ab])", first)
    assert suffix is not None, first
    assert f"2008{suffix.group(1)}" in last
    entry = dict(result.bibliography)["kimura2008kurilian"]
    assert f"(2008{suffix.group(1)})" in entry
