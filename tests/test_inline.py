"""Inline citations: the syntax, located checks in every YAML scalar style, and the rendered notes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from refsite import footnotes, inline
from refsite.dataset import load_project

from conftest import article, copy_root, run_cli, shared_build

JAPAN = "data/actors/japan.yaml"
HEAD = 'id: japan\nname: Japan\nkind: state\nsources:\n  - {key: pajon2013, locator: "p. 5"}\n'


def test_groups_items_and_locators() -> None:
    text = "A [@pajon2013, p. 15]; B [@a, p. 5; @b:c, para. 4] and C [-@kimura2008kurilian]."
    groups = inline.find(text)
    assert [[(i.key, i.locator, i.suppress_author) for i in g.items] for g in groups] == [
        [("pajon2013", "p. 15", False)],
        [("a", "p. 5", False), ("b:c", "para. 4", False)],
        [("kimura2008kurilian", "", True)],
    ]
    second = groups[1].items[1]
    assert text[second.key_start - 1 : second.key_start + 3] == "@b:c"
    assert text[second.locator_start : second.locator_start + 7] == "para. 4"


@pytest.mark.parametrize(
    "text",
    [
        "an address [me@example.org](mailto:me@example.org)",
        "a link [@home](https://example.org)",
        "code `[@pajon2013]` stays",
        "escaped \\[@pajon2013]",
        "a bare @pajon2013 is no citation",
        "an image ![@x](a.png)",
        "a reference link [@x][ref]",
        "a link definition\n[@label]: https://example.org",
    ],
)
def test_what_is_not_a_citation(text: str) -> None:
    assert inline.find(text) == []


def test_malformed_bracket_is_reported() -> None:
    (group,) = inline.find("see [@pajon2013 p. 15] here")
    assert group.error is not None
    assert "malformed citation '@pajon2013 p. 15'" in group.error[1]


def test_a_colon_after_a_citation_in_running_text_is_punctuation() -> None:
    (group,) = inline.find("does not trust Beijing [@stimson2014, para. 5]: they share a goal")
    assert [(i.key, i.locator) for i in group.items] == [("stimson2014", "para. 5")]
    assert inline.replace("Beijing [@s, para. 5]: they", lambda g: "^1") == "Beijing:^1 they"


def test_note_calls_follow_punctuation_and_drop_the_space() -> None:
    calls = iter(["^1", "^2", "^3"])
    out = inline.replace("In 2013 [@a, p. 5]. Then [@b], and [@c]\nnext.", lambda g: next(calls))
    assert out == "In 2013.^1 Then,^2 and^3\nnext."


def test_code_blocks_of_a_page_are_left_alone() -> None:
    page = "Claim [@a].\n\n```\n[@b]\n```\n"
    assert inline.replace_in_page(page, lambda g: "^N") == "Claim.^N\n\n```\n[@b]\n```\n"


# -- located problems, one per YAML scalar style ----------------------------------------------

REQUIRE = "  - refsite:\n      require_claim_citations: true\n"
BAD_LOCATOR = ": start with one of 'p.', 'pp.', 'n.', 'nn.', 'sec.', 'para.', 'chap.' and a value, e.g. 'p. 15'"
UNKNOWN = "unknown citation key 'pajon2031' (did you mean 'pajon2013'?)"

# (name, summary, [(text the problem points at, message)])
STYLES = [
    (
        "plain",
        "summary: The state [@pajon2031, p. 5] and [@pajon2013, page 5].\n",
        [("@pajon2031", UNKNOWN), ("page 5", "malformed locator 'page 5'" + BAD_LOCATOR)],
    ),
    (
        "plain folded over lines",
        "summary: The state\n  and its claims [@pajon2013,\n    page 5].\n",
        [("page 5", "malformed locator 'page 5'" + BAD_LOCATOR)],
    ),
    (
        "single-quoted",
        "summary: 'It''s the state [@pajon2031].'\n",
        [("@pajon2031", UNKNOWN)],
    ),
    (
        "double-quoted",
        'summary: "The \\"state\\" [@pajon2013, pg 5]"\n',
        [("pg 5", "malformed locator 'pg 5'" + BAD_LOCATOR)],
    ),
    (
        "literal block",
        "summary: |\n  The state.\n    Indented [@pajon2031].\n",
        [("@pajon2031", UNKNOWN)],
    ),
    (
        "folded block",
        "summary: >-\n  The state\n  claims [@pajon2013, p. 5;\n  @nobody].\n",
        [("@nobody", "unknown citation key 'nobody'")],
    ),
    (
        "note text",
        "summary: The state [@pajon2013].\nnotes:\n  - text: >\n      A remark [@pajon2013, pp 3].\n",
        [("pp 3", "malformed locator 'pp 3'" + BAD_LOCATOR)],
    ),
    (
        "malformed bracket",
        "summary: The state [@pajon2013 p. 5].\n",
        [
            (
                "@pajon2013 p. 5",
                "malformed citation '@pajon2013 p. 5': write '@key' or '@key, p. 15', several separated by ';'",
            )
        ],
    ),
]


def _at(text: str, needle: str) -> str:
    index = text.index(needle)
    line = text.count("\n", 0, index) + 1
    return f"{line}:{index - (text.rfind(chr(10), 0, index) + 1) + 1}"


@pytest.mark.parametrize(("name", "summary", "expected"), STYLES, ids=[s[0] for s in STYLES])
def test_citation_problems_at_the_citation(
    tmp_path: Path, name: str, summary: str, expected: list[tuple[str, str]]
) -> None:
    root = copy_root("basic", tmp_path)
    text = HEAD + summary
    (root / JAPAN).write_text(text, encoding="utf-8")
    _, problems = load_project(root)
    assert [str(p) for p in problems if p.path == JAPAN] == [
        f"{JAPAN}:{_at(text, needle)}: error: {message}" for needle, message in expected
    ]


def test_role_note_and_page_citations_are_checked(tmp_path: Path) -> None:
    root = copy_root("claims", tmp_path)
    abe = root / "data/actors/abe-shinzo.yaml"
    abe.write_text(abe.read_text().replace("took office in December 2012 [@pajon2013", "took office [@pajn2013"))
    index = root / "docs/index.md"
    index.write_text(index.read_text().replace("[@kimura2008kurilian, p. 105]", "[@kimura2008kurilian, at 105]"))
    proc = run_cli("check", cwd=root)
    assert proc.returncode == 1
    assert "data/actors/abe-shinzo.yaml:9:24: error: unknown citation key 'pajn2013' (did you mean 'pajon2013'?)" in (
        proc.stdout
    )
    assert "docs/index.md:4:42: error: malformed locator 'at 105'" in proc.stdout
    assert "Traceback" not in proc.stdout + proc.stderr


def test_inline_keys_count_as_cited(tmp_path: Path) -> None:
    root = copy_root("claims", tmp_path)
    _, problems = load_project(root)
    assert problems == []


def test_uncited_summary_paragraph_is_a_warning_when_required(tmp_path: Path) -> None:
    root = copy_root("claims", tmp_path)
    _, problems = load_project(root)
    assert not any("cites no source" in p.message for p in problems)
    config = root / "mkdocs.yml"
    config.write_text(config.read_text().replace("  - refsite\n", REQUIRE))
    _, problems = load_project(root)
    found = sorted(str(p) for p in problems if "cites no source" in p.message)
    assert (
        "data/actors/japan.yaml:4:10: warning: summary paragraph cites no source: add a citation such as "
        "[@key, p. 15] where its claim stands" in found
    )
    assert not any(p.startswith("data/actors/abe-shinzo.yaml") for p in found)
    proc = run_cli("build", cwd=root)
    assert proc.returncode != 0
    assert "data/actors/japan.yaml:4:10: warning: summary paragraph cites no source" in proc.stdout


def test_second_paragraph_without_citation_is_located(tmp_path: Path) -> None:
    root = copy_root("claims", tmp_path)
    config = root / "mkdocs.yml"
    config.write_text(config.read_text().replace("  - refsite\n", REQUIRE))
    abe = root / "data/actors/abe-shinzo.yaml"
    abe.write_text(
        abe.read_text().replace(
            "  He visited Moscow in April 2013 [@pajon2013, p. 10; @pajon2013, p. 19, n. 60].",
            "  He visited Moscow in April 2013.",
        )
    )
    _, problems = load_project(root)
    assert [str(p) for p in problems if p.path.endswith("abe-shinzo.yaml")] == [
        "data/actors/abe-shinzo.yaml:14:3: warning: summary paragraph cites no source: add a citation such as "
        "[@key, p. 15] where its claim stands"
    ]


# -- rendered ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def claims_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return shared_build(tmp_path_factory, "claims")


def notes_of(page_html: str) -> tuple[list[tuple[str, int]], list[str]]:
    """The calls (text before each, number) in page order, and the notes' texts in list order."""
    body = article(page_html)
    calls = [(re.sub(r"<[^>]+>", "", body[: c.at])[-40:], c.number) for c in footnotes.calls_of(body)]
    return calls, [note.text for note in footnotes.notes_of(body)]


def test_claims_get_their_own_notes_in_reading_order(claims_site: Path) -> None:
    calls, notes = notes_of((claims_site / "actors/abe-shinzo/index.html").read_text())
    assert [n for _, n in calls] == list(range(1, len(calls) + 1))
    assert calls[0][0].endswith("from December 2012.")
    assert calls[3][0].endswith("Sources for the whole record.")
    assert calls[4][0].endswith("took office in December 2012")  # in the roles table, after the summary
    assert notes[0].startswith("Céline Pajon, “Japan-Russia: Toward a Strategic Partnership?”")
    assert notes[0].endswith(", 7.")
    assert notes[1].startswith("Stimson Center, “Japan-Russia Relations: Event Summary,” September 9, 2014, para. 3")


def test_narrative_page_inline_and_macro_citations_in_reading_order(claims_site: Path) -> None:
    page_html = (claims_site / "index.html").read_text()
    calls, notes = notes_of(page_html)
    assert [n for _, n in calls] == [1, 2, 3, 4, 5, 6]
    before = ["Shinzo Abe.", "cites inline.", "A table claim", "a list claim", "admonition claim.", "Last prose"]
    assert [c[0].strip().endswith(text) for c, text in zip(calls, before, strict=True)] == [True] * 6
    assert notes[2].startswith("Stimson Center") and "para. 4" in notes[2]
    assert "<code>[@not-a-citation]</code>" in page_html
    assert "[@also-not-one]" in page_html


def test_cite_this_page_names_the_editor_and_the_site(claims_site: Path) -> None:
    abe = (claims_site / "actors/abe-shinzo/index.html").read_text(encoding="utf-8")
    assert 'id="refsite-cite-text">Sample Editor, ed. “Shinzo Abe.” Sample Reference. Accessed <span' in abe
    assert "editor = {Sample Editor}" in abe and "booktitle = {Sample Reference}" in abe
    home = (claims_site / "index.html").read_text(encoding="utf-8")
    assert 'id="refsite-cite-text">Sample Editor, ed. “Sample Reference.” Accessed' in home
