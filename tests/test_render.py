"""Renderers without MkDocs: escaping, dates, links, notes and record pages from inline data."""

from __future__ import annotations

from pathlib import Path

import pytest

from refsite.cite import Cite, collapse, join_notes, pinpoint
from refsite.dataset import Dataset
from refsite.load import parse_yaml
from refsite.model import Record
from refsite.render.names import name_usage, neutral_name
from refsite.render.pages import record_meta, record_page
from refsite.render.text import PageContext, esc, fmt_date, prose, relative, with_calls
from refsite.render.views import names_link, ref_link


def rec(kind: str, text: str) -> Record:
    doc, problems = parse_yaml(f"data/{kind}s/x.yaml", text.encode())
    assert doc is not None, problems
    return Record(kind, doc.data["id"], doc.data, doc)


def dataset(*records: Record) -> Dataset:
    return Dataset(Path("."), {r.id: r for r in records}, {})


def test_escaping_keeps_text_literal() -> None:
    assert esc("R&D *x* [y] {z} <b> | #") == r"R&amp;D \*x\* \[y\] \{z\} &lt;b&gt; \| \#"
    assert prose("A *b* {: .c } {{ d }}") == r"A *b* \{: .c \} \{\{ d \}\}"
    assert prose("line one\n  line two", inline=True) == "line one line two"


def test_dates() -> None:
    assert [fmt_date(d) for d in ("2013-04-29", "2013-04", "2013", 2013)] == [
        "29 April 2013",
        "April 2013",
        "2013",
        "2013",
    ]


def test_relative_links() -> None:
    assert relative("actors/x.md", "positions/y.md") == "../positions/y.md"
    assert relative("index.md", "actors/x.md") == "actors/x.md"
    assert relative("actors/index.md", "actors/x.md") == "x.md"


def test_footnote_call_after_code_goes_on_its_own_line() -> None:
    assert with_calls("Text.", "[^cite-1]") == "Text.[^cite-1]"
    assert with_calls("Text:\n\n    code line", "[^cite-1]") == "Text:\n\n    code line\n\n[^cite-1]"
    assert with_calls("Text:\n```\ncode\n```", "[^cite-1]").endswith("```\n\n[^cite-1]")


def test_calls_after_tables_and_link_definitions_stand_apart() -> None:
    assert with_calls("| a |\n| --- |\n| b |", "[^cite-1]").endswith("| b |\n\n[^cite-1]")
    assert with_calls("See [t].\n\n[t]: https://example.org", "[^cite-1]").endswith("example.org\n\n[^cite-1]")
    assert prose("Use `{a, b}` and {c}.") == r"Use <code>\{a, b\}</code> and \{c\}."


def test_notes_join_several_sources() -> None:
    ctx = PageContext("actors/x.md", 0)
    assert ctx.sources([{"key": "a", "locator": "p. 1"}, {"key": "b"}]) == "[^cite-1]"
    assert ctx.cite("c", "n. 3") == "[^cite-2]"
    assert ctx.footnotes() == "[^cite-1]: zRSCITEn1z\n[^cite-2]: zRSCITEn2z"
    assert join_notes(ctx.notes, ["A, 1.", "B.", "C, n. 3."]) == ["A, 1; B.", "C, n. 3."]


@pytest.mark.parametrize(
    ("locator", "expected"),
    [("p. 19, n. 60", ("p.", "19n60")), ("pp. 3-5", ("p.", "3-5")), ("para. 4", ("para.", "4")), ("x", ("", "x"))],
)
def test_pinpoints(locator: str, expected: tuple[str, str]) -> None:
    assert pinpoint(locator) == expected


def test_one_work_in_one_note_is_cited_once_with_its_locators() -> None:
    cites = [Cite("pajon", f"p. {p}") for p in ("5", "7", "10", "19")] + [
        Cite("pajon", "p. 19, n. 60"),
        Cite("other"),
        Cite("stimson", "para. 2"),
        Cite("stimson", "para. 7"),
        Cite("pajon", "p. 7"),
    ]
    assert collapse(cites) == [
        Cite("pajon", "p. 5, 7, 10, 19, 19n60"),
        Cite("other"),
        Cite("stimson", "para. 2, 7"),
    ]


def test_collapse_keeps_other_labels_free_text_and_gives_way_to_locators() -> None:
    cites = [Cite("a"), Cite("a", "p. 3"), Cite("a", "n. 4"), Cite("a", "p. 5", "Summary"), Cite("a")]
    assert collapse(cites) == [Cite("a", "p. 3"), Cite("a", "n. 4"), Cite("a", "p. 5", "Summary")]


def test_collapse_repeats_no_locator_when_gathered_notes_are_joined_again() -> None:
    gathered = collapse([Cite("a", "p. 19"), Cite("a", "p. 19, n. 59")])
    assert gathered == [Cite("a", "p. 19, 19n59")]
    assert collapse([*gathered, Cite("a", "p. 19, n. 59"), Cite("a", "p. 20")]) == [Cite("a", "p. 19, 19n59, 20")]


def test_neutral_names() -> None:
    japan = rec("actor", "id: japan\nname: Japan\nkind: state\nsummary: s\nsources: [{key: k}]\n")
    russia = rec("actor", "id: russia\nname: Russia\nkind: state\nsummary: s\nsources: [{key: k}]\n")
    island = rec(
        "place",
        "id: etorofu-iturup\nname: Etorofu / Iturup\nkind: island\nsummary: s\nsources: [{key: k}]\nnames:\n"
        "  - {lang: ru, name: Итуруп, used_by: russia}\n  - {lang: ja-Latn, name: Etorofu, used_by: japan}\n"
        "  - {lang: ru-Latn, name: Iturup, used_by: russia}\n",
    )
    shared = rec(
        "place",
        "id: shikotan\nname: Shikotan\nkind: island\nsummary: s\nsources: [{key: k}]\nnames:\n"
        "  - {lang: ja-Latn, name: Shikotan, used_by: japan}\n  - {lang: ru-Latn, name: Shikotan, used_by: russia}\n",
    )
    ds = dataset(japan, russia, island, shared)
    assert neutral_name(ds, island) == "Etorofu (Japan's name) / Iturup (Russia's name)"
    assert neutral_name(ds, shared) == "Shikotan"
    assert name_usage(ds, island) == "Etorofu is Japan's name, Iturup Russia's"
    assert name_usage(ds, shared) == ""
    ctx = PageContext("territorial-dispute.md", 0)
    first = names_link(ctx, ds, island)
    assert first == (
        '<a href="../places/etorofu-iturup/" title="Etorofu is Japan&#x27;s name, Iturup Russia&#x27;s">'
        "Etorofu / Iturup</a> (Etorofu is Japan's name, Iturup Russia's)"
    )
    assert names_link(ctx, ds, island) == first.split(" (Etorofu is")[0]  # later mentions: hover only
    assert names_link(ctx, ds, shared) == "[Shikotan](places/shikotan.md)"
    assert ref_link(ctx, ds, "etorofu-iturup") == first.split(" (Etorofu is")[0]


def test_record_page_links_both_ways_without_mkdocs() -> None:
    japan = rec(
        "actor", "id: japan\nname: Japan\nkind: state\nsummary: The state.\nsources: [{key: k, locator: p. 1}]\n"
    )
    pos = rec(
        "position",
        "id: japan-2013\ntitle: Four islands\nactor: japan\ntopic: dispute\ndate: '2013'\n"
        "summary: Tokyo wants all four.\nsources: [{key: k, locator: p. 2}]\n",
    )
    topic = rec("topic", "id: dispute\nname: Dispute\nsummary: The dispute.\nsources: [{key: k, locator: p. 3}]\n")
    ds = dataset(japan, pos, topic)
    page = record_page(PageContext("actors/japan.md", 0), ds, japan)
    assert "## Positions" in page
    assert "[Four islands](../positions/japan-2013.md)" in page
    assert "on [Dispute](../topics/dispute.md)" in page
    # no front matter: metadata is data
    assert page.startswith('<p class="refsite-crumbs" data-search-exclude="" markdown>')
    assert record_meta(japan) == {
        "render_macros": False,
        "title": "Japan",
        "description": "The state.",
        "search": {"boost": 3.0},  # an actor is found first by its name
    }
    position = record_page(PageContext("positions/japan-2013.md", 1), ds, pos)
    assert "held by [Japan](../actors/japan.md)" in position


def test_adjacent_calls_become_one_note() -> None:
    ctx = PageContext("index.md", 0)
    text = f"A.{ctx.cite('a', 'p. 1')}{ctx.cite('b', 'p. 2')} B.{ctx.cite('c')} C.{ctx.cite('d')}{ctx.cite('e')}"
    merged = ctx.merge_adjacent(text)
    assert merged == "A.[^cite-1] B.[^cite-2] C.[^cite-3]"
    assert [[c.key for c in note] for note in ctx.notes] == [["a", "b"], ["c"], ["d", "e"]]


def test_calls_in_html_comments_are_dropped_with_their_notes() -> None:
    ctx = PageContext("index.md", 0)
    text = f"<!-- draft {ctx.cite('a', 'p. 99')} -->\nClaim.{ctx.cite('b', 'p. 1')}"
    assert ctx.merge_adjacent(text) == "<!-- draft  -->\nClaim.[^cite-1]"
    assert [[c.key for c in note] for note in ctx.notes] == [["b"]]


def test_descriptions_are_cut_at_a_word_never_inside_a_number() -> None:
    from refsite.render.meta import cut_description, plain_text

    text = "Japan's investment reached " + "a very large sum " * 10 + "of more than 1,000,000 yen in all."
    cut = cut_description(text, 200)
    assert len(cut) <= 200 and cut.endswith("…")
    assert text.startswith(cut[:-1]) and text[len(cut) - 1] == " "  # the next character was a space
    assert cut_description("short  text\n here") == "short text here"
    assert plain_text("A *b* [link](../x/) `code` snake_case") == "A b link code snake_case"


def test_descriptions_leave_citation_brackets_to_the_notes() -> None:
    from refsite.render.meta import plain_text

    text = "Russia distrusts Beijing [@stimson2014, para. 5]: it seeks partners [@a, p. 5; @b]."
    assert plain_text(text) == "Russia distrusts Beijing: it seeks partners."
