"""The print edition's Typst source: content reaches Typst as text only, and a failure is one
located line; then a whole sample project with hostile text typeset and read back."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from refsite.typst_print import Book, Chapter, Entry, IndexTerm, TypstFailure, compile_book, lit, typst_source

from conftest import copy_root, require, run_cli

HOSTILE = [
    '#read("/etc/passwd")',
    '#import "@preview/cetz:0.3.0": *',
    '#include "/etc/hostname"',
    "]] ) } [ [[ unbalanced (",
    "```raw block``` and `inline raw`",
    "back\\slash \\\\ and \\u{41} and \\",
    "$x^2$ and $ unclosed",
    "<label> and @ref and @fig:x",
    "* star _under_ = heading // comment /* open",
    '"quoted" and \\"escaped\\"',
    "#set page(width: 1cm) #let x = 1 #x",
]


def _book(body: str, origin: str = "docs/page.md") -> Book:
    return Book(
        title='Book #read("/etc/passwd") "x"',
        author="A \\ B",
        lang="en",
        subtitle="$",
        facts=["]["],
        chapters=[
            Chapter("p-page", "Page ] #x", [Entry("", origin, body)]),
            Chapter("p-part", "Part", [Entry("p-part-one", "data/actors/one.yaml", "<h2>One</h2><p>x</p>")], True),
        ],
        index=[IndexTerm("One <x> @y", "p-part-one", "#note")],
        indexed=frozenset({"p-part-one"}),
    )


def _hostile_body() -> str:
    import html

    cells = "".join(f"<tr><td>{html.escape(h)}</td></tr>" for h in HOSTILE)
    return (
        f"<h1>{html.escape(HOSTILE[0])}</h1>"
        + "".join(
            f'<p>{html.escape(h)}<span class="fn">{html.escape(h)} <a href="https://x.org/{html.escape(h)}">'
            f'{html.escape(h)}</a></span> <code>{html.escape(h)}</code> <a href="#p-part-one">{html.escape(h)}</a></p>'
            for h in HOSTILE
        )
        + f"<table><thead><tr><th>{html.escape(HOSTILE[1])}</th></tr></thead><tbody>{cells}</tbody></table>"
        + f"<ul><li>{html.escape(HOSTILE[2])}</li></ul><pre>{html.escape(HOSTILE[4])}</pre>"
        + f'<figure class="refsite-view"><svg viewBox="0 0 100 50" aria-label="{html.escape(HOSTILE[0])}">'
        '<text x="5" y="20" font-size="4">Label</text></svg>'
        f"<figcaption>{html.escape(HOSTILE[3])}</figcaption></figure>"
    )


def test_string_literals_hold_any_text() -> None:
    assert lit('a"b\\c\nd') == '"a\\"b\\\\c\\nd"'


def test_hostile_text_is_printed_as_text_and_reads_no_file(tmp_path: Path) -> None:
    require("pdftotext")
    out = tmp_path / "book.pdf"
    pages = compile_book(_book(_hostile_body()), out)
    assert pages >= 3
    text = subprocess.run([require("pdftotext"), str(out), "-"], capture_output=True, text=True, check=True).stdout
    flat = " ".join(text.split())
    for hostile in HOSTILE:
        assert " ".join(hostile.split()) in flat, hostile
    assert "root:" not in text  # /etc/passwd was not read
    assert "Label" in text  # the drawing's own text


def test_source_has_content_only_inside_string_literals() -> None:
    source, _ = typst_source(_book(_hostile_body()))
    outside = re.sub(r'"(?:[^"\\]|\\.)*"', '""', source)  # every string literal emptied
    for word in ("passwd", "hostname", "cetz", "unbalanced", "_under_", "@ref", "<label>", "@fig"):
        assert word not in outside, word


def test_a_typst_error_is_one_located_line(tmp_path: Path) -> None:
    book = _book("<p>fine</p>", "docs/history.md")
    drawing = '<figure class="refsite-view"><svg viewBox="0 0 10 10" width="-5" aria-label="x"></svg></figure>'
    book.chapters = [*book.chapters, Chapter("p-two", "Two", [Entry("p-two-x", "data/places/x.yaml", drawing)], True)]
    with pytest.raises(TypstFailure) as failure:
        compile_book(book, tmp_path / "x.pdf")
    assert failure.value.lines == [
        "data/places/x.yaml:1:1: error: the print edition cannot be typeset: "
        "failed to parse SVG (width, height, or viewbox is invalid)"
    ]
    assert not (tmp_path / "x.pdf").exists()


def test_hostile_record_text_through_the_whole_build(tmp_path: Path) -> None:
    require("pdftotext")
    root = copy_root("basic", tmp_path)
    record = root / "data" / "actors" / "japan.yaml"
    text = record.read_text(encoding="utf-8")
    hostile = 'Text #read("/etc/passwd") #import "x" ] [ `raw` $ @r \\\\'
    text = re.sub(r"(?m)^summary: .*$", lambda _: f"summary: '{hostile} [@pajon2013, p. 5]'", text, count=1)
    assert hostile in text
    record.write_text(text, encoding="utf-8")
    proc = run_cli("pdf", cwd=root)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = subprocess.run(
        [require("pdftotext"), str(root / "site" / "reference.pdf"), "-"], capture_output=True, text=True, check=True
    ).stdout
    flat = " ".join(out.split())
    # Markdown keeps one of the two backslashes
    assert 'Text #read("/etc/passwd") #import "x" ] [ raw $' in flat and "$ @r \\" in flat
    assert "root:" not in out


def test_missing_fonts_are_one_line(tmp_path: Path) -> None:
    with pytest.raises(TypstFailure) as failure:
        compile_book(_book("<p>x</p>"), tmp_path / "x.pdf", font_dirs=[str(tmp_path / "none")])
    assert failure.value.lines == [
        "print edition: error: the Noto fonts are missing: install fonts-noto-core and fonts-noto-cjk"
    ]
    assert not (tmp_path / "x.pdf").exists()


def test_an_address_outside_the_book_is_printed_after_its_words(tmp_path: Path) -> None:
    require("pdftotext")
    body = '<p>See <a href="https://example.org/a?b=1">the site</a><span class="fn">Note <a href="https://n.org">n</a></span>.</p>'
    compile_book(_book(body), tmp_path / "x.pdf")
    text = subprocess.run(
        [require("pdftotext"), str(tmp_path / "x.pdf"), "-"], capture_output=True, text=True, check=True
    ).stdout
    flat = " ".join(text.split())
    assert "See the site <https://example.org/a?b=1>" in flat
    assert "<https://n.org>" not in flat  # a note gives its own addresses


DEEP_QUOTE = "> " * 19 + "Deeply quoted words"
"""Quotations nested 19 deep: within what the check allows on one line, beyond what Typst can nest."""


@pytest.mark.parametrize(
    ("path", "edit", "where"),
    [
        (
            "docs/index.md",
            lambda text: text + f"\nA plain paragraph.\n\n{DEEP_QUOTE}\n\nAfter it.\n",
            "docs/index.md:17:39",
        ),
        (
            "data/actors/japan.yaml",
            lambda text: text.replace(
                "summary: The Japanese state.", f"summary: |\n  The Japanese state.\n\n  {DEEP_QUOTE}\n"
            ),
            "data/actors/japan.yaml:7:41",
        ),
    ],
)
def test_a_typst_error_on_content_names_the_line_it_comes_from(
    tmp_path: Path, path: str, edit: Callable[[str], str], where: str
) -> None:
    """Typst fails on what a page or a record says: one line, at the file and line the text is on."""
    root = copy_root("basic", tmp_path)
    source = root / path
    source.write_text(edit(source.read_text(encoding="utf-8")), encoding="utf-8")
    line, column = (int(n) for n in where.split(":")[1:])
    assert source.read_text(encoding="utf-8").split("\n")[line - 1][column - 1 :].startswith("Deeply quoted")
    proc = run_cli("pdf", cwd=root)
    assert proc.returncode == 1
    assert proc.stdout.splitlines() == [
        f"{where}: error: the print edition cannot be typeset: maximum show rule depth exceeded"
    ]
    assert "Traceback" not in proc.stderr
    assert not (root / "site" / "reference.pdf").exists()


def test_a_located_error_names_the_occurrence_of_its_text(tmp_path: Path) -> None:
    """Text met twice in a page: the error names the line of the occurrence that failed."""
    from refsite.typst_print import _located

    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "page.md").write_text("# Page\n\nSame words here.\n\nOther.\n\n  Same words here.\n")
    source = '#setup\n#"Same words here.";\n#bad(#"Same words here.";)\n#"Other.";\n'

    class Failure(Exception):
        diagnostic = "error: it failed\n  ┌─ book.typ:3:1\n"

    lines = _located(Failure(), [(1, ""), (2, "docs/page.md")], source, tmp_path)
    assert lines == ["docs/page.md:7:3: error: the print edition cannot be typeset: it failed"]
    # outside any page or record: no file to name
    assert _located(Failure(), [(1, "")], source, tmp_path) == [
        "print edition: error: the print edition cannot be typeset: it failed"
    ]

    class Warned(Warning):  # a warning is an error of the build too, located the same way
        message = "document did not converge within five attempts"
        diagnostic = "warning: document did not converge within five attempts\n = hint: see the help\n"

    assert _located(Warned(), [(1, "")], source, tmp_path) == [
        "print edition: error: the print edition cannot be typeset: document did not converge within five attempts"
    ]
    Warned.diagnostic = "warning: unknown font family: x\n  ┌─ book.typ:3:1\n"
    assert _located(Warned(), [(1, ""), (2, "docs/page.md")], source, tmp_path) == [
        "docs/page.md:7:3: error: the print edition cannot be typeset: unknown font family: x"
    ]


def test_a_note_astray_is_set_again_by_the_plan() -> None:
    """Read back from a typesetting, each note off its call's page as (note, page of the call, page
    of the entry, called on the line of the note before): one in a table row breaks the table
    before the row; one called on the line of the note before is joined to that note's entry; any
    other sets its paragraph loose, as does a joined note still astray; none astray, nothing to do."""
    from refsite.typst_print import NotePlan, _Notes, _units, replan

    notes = _Notes(bodies=["a", "b", "c", "d"], rows={1: (4, 2)})
    assert replan(NotePlan(), [], notes) is None
    better = replan(NotePlan(), [(1, 5, 6, 0), (2, 6, 5, 0), (3, 6, 7, 1)], notes)
    assert better == NotePlan(breaks=frozenset({(4, 2)}), loose=frozenset({2}), joined=frozenset({3}))
    assert _units(notes, better) == {2: 2, 3: 2}  # the note joined is set in the entry of the one before
    again = replan(better, [(3, 6, 7, 1)], notes)
    assert again == NotePlan(breaks=frozenset({(4, 2)}), loose=frozenset({2, 3}), joined=frozenset({3}))
    assert replan(again, [(1, 5, 6, 0), (3, 6, 7, 1)], notes) is None  # nothing more it can do


def test_a_large_table_is_broken_before_the_row_the_plan_names() -> None:
    from refsite.typst_print import NotePlan, _source

    rows = "".join(f'<tr><td>Row {n}<span class="fn">Note {n}</span></td></tr>' for n in range(12))
    book = _book(f"<table><thead><tr><th>Head</th></tr></thead><tbody>{rows}</tbody></table>")
    whole, _, notes = _source(book, "a4", "", NotePlan())
    assert whole.count("#table(") == 1 and "#colbreak();" not in whole
    assert notes.rows[5] == (0, 6)  # the sixth note is called in the table's seventh row (the header first)
    broken, _, _ = _source(book, "a4", "", NotePlan(breaks=frozenset({(0, 6)})))
    first, second = broken.split("#colbreak();\n")
    assert first.count("#table(") == 1 and second.count("#table(") == 1
    assert '"Row 4"' in first and '"Row 5"' in second
    assert second.count("table.header(") == 1  # the head repeated over the rest


def test_notes_joined_by_the_plan_share_an_entry_and_keep_their_numbers(tmp_path: Path) -> None:
    """A note the plan joins to the note before it is printed in that note's entry, with its own
    number; notes are numbered in the source, but by Typst's counter in a chapter where a note
    floats with a drawing (its caption's note numbered where the drawing is laid out)."""
    import typst

    from refsite.typst_print import FONT_DIRS, NotePlan, _source

    text = "<p>First claim.<span class='fn'>Note alpha.</span> Second.<span class='fn'>Note beta.</span></p>"
    drawing = (
        "<figure class='refsite-view'><svg viewBox='0 0 100 50' aria-label='A drawing'>"
        "<text x='5' y='20' font-size='4'>L</text></svg><figcaption>Credit.<span class='fn'>Note gamma.</span>"
        "</figcaption></figure><p>After.<span class='fn'>Note delta.</span></p>"
    )
    book = _book(text)
    book.chapters = [*book.chapters, Chapter("p-maps", "Maps", [Entry("", "docs/maps.md", drawing)])]
    source, _, _ = _source(book, "a4", "", NotePlan(joined=frozenset({1})))
    assert source.startswith("#let refsite-units = (0, 0, -1, 3,)\n")  # (the last lines of a chapter kept whole)
    assert '#footnote(numbering: (..) => "2")[' in source  # numbered in the source
    assert source.count("#footnote[") == 2  # the chapter with a drawing's note: by Typst's counter
    main = tmp_path / "book.typ"
    main.write_text(source, encoding="utf-8")
    compiler = typst.Compiler(str(main), root=str(tmp_path), font_paths=list(FONT_DIRS), ignore_system_fonts=True)
    (tmp_path / "book.pdf").write_bytes(compiler.compile())
    out = subprocess.run(
        [require("pdftotext"), "-layout", str(tmp_path / "book.pdf"), "-"], capture_output=True, text=True, check=True
    ).stdout
    pages = out.split("\f")
    first = next(p for p in pages if "First claim" in p)
    assert re.search(r"1\. Note alpha\.\s+2\. Note beta\.", first), first
    maps = next(p for p in pages if "After." in p)
    assert re.search(r"\d\. Note gamma\.", maps) and re.search(r"\d\. Note delta\.", maps), maps
    numbers = sorted(re.findall(r"(\d)\. Note (?:gamma|delta)", maps))
    assert numbers == ["1", "2"], maps


def test_a_note_called_on_the_line_of_another_starts_on_its_page(tmp_path: Path) -> None:
    """Two notes called on a page's last line, the second too long for what is left of the page:
    Typst moves the line to the next page with the first note only and leaves the second note's
    entry behind it (read back as a note astray, on its line). The book is set again with the
    second note in the first's entry, kept whole: line and both notes on one page."""
    import json

    import typst

    from refsite.typst_print import FONT_DIRS, NotePlan, _empty_root, _source

    filler = "".join(
        f"<p>{'This sentence fills the page with plain words and nothing more. ' * 6}</p>" for _ in range(11)
    )
    long_note = "A long note that runs over many lines of the foot of the page. " * 12
    body = (
        f"{filler}<p>{'Padding words. ' * 36}Last line here.<span class='fn'>Short note.</span> "
        f"And more.<span class='fn'>{long_note}</span></p>"
    )
    book = Book(
        title="T",
        author="",
        lang="en",
        subtitle="",
        facts=[],
        chapters=[Chapter("p-a", "A", [Entry("", "docs/a.md", body)])],
    )
    with _empty_root() as root:  # the first typesetting, as compile_book does it
        (root / "book.typ").write_text(_source(book, "a4", "", NotePlan())[0], encoding="utf-8")
        compiler = typst.Compiler(
            str(root / "book.typ"), root=str(root), font_paths=list(FONT_DIRS), ignore_system_fonts=True
        )
        astray = json.loads(compiler.query("<refsite-astray>", field="value"))
    assert [(note, shared) for note, _call, _entry, shared in astray] == [(1, True)]
    assert astray[0][2] == astray[0][1] + 1  # the entry on the page after its call's
    compile_book(book, tmp_path / "book.pdf")
    out = subprocess.run(
        [require("pdftotext"), "-layout", str(tmp_path / "book.pdf"), "-"], capture_output=True, text=True, check=True
    ).stdout
    [page] = [p for p in out.split("\f") if "And more." in p]
    assert "1. Short note." in page and "2. A long note" in page, page
