"""Stances stated or inferred, quotes by their speakers, and the checks across records."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from refsite.dataset import load_project

from conftest import article, copy_root, require, run_cli

POS = "data/positions/"
READING = "stance_reading: Read from Moscow saying there was nothing to discuss [@pajon2013, p. 17].\n"


def _inferred(root: Path) -> Path:
    """The 'views' sample with Russia's 2014 stance read by the editors rather than stated."""
    _edit(root, POS + "russia-2014-two-islands.yaml", "stance_basis: stated\n", "stance_basis: inferred\n" + READING)
    return root


@pytest.fixture(scope="module")
def views_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = _inferred(copy_root("views", tmp_path_factory.mktemp("views")))
    proc = run_cli("build", cwd=root)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return root / "site"


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_inferred_stance_is_marked_in_the_grid_with_its_legend(views_site: Path) -> None:
    html = (views_site / "proposals" / "index.html").read_text(encoding="utf-8")
    grid = html.split('id="who-stands-where"')[1]
    row = next(r for r in grid.split("<tr") if 'href="../actors/russia/"' in r and "refsite-grid-cell" in r)
    assert 'class="refsite-stance refsite-stance-opposes refsite-stance-inferred"' in row
    assert "opposes inferred" in _text(row)
    legend = grid.split('class="refsite-grid-legend"')[1].split("</p>")[0]
    assert "inferred" in _text(legend) and "not a stance the actor stated" in _text(legend)
    stated = next(c for c in grid.split("<td")[1:] if "refsite-stance-open" in c.split(">")[0])
    assert "inferred" not in stated.split("</td>")[0]


def test_position_page_gives_the_passage_an_inferred_stance_is_read_from(views_site: Path) -> None:
    body = article((views_site / "positions" / "russia-2014-two-islands" / "index.html").read_text(encoding="utf-8"))
    text = _text(body)
    assert "opposes Return of two islands (inferred)" in text
    assert "How this stance is read" in text
    assert "Read from Moscow saying there was nothing to discuss" in text
    reading = body.split("How this stance is read")[1].split("<h2")[0]
    assert 'class="footnote-ref"' in reading  # the reading cites its passage


def test_proposal_page_marks_inferred_stances(views_site: Path) -> None:
    text = _text(article((views_site / "proposals" / "two-islands" / "index.html").read_text(encoding="utf-8")))
    assert "opposes (inferred)" in text and "supports (inferred)" not in text


def test_a_quote_by_the_source_is_not_shown_as_the_actors_words(views_site: Path) -> None:
    page = _text(article((views_site / "positions" / "abe-2013-talks" / "index.html").read_text(encoding="utf-8")))
    assert "“a window of opportunity” (the source's words, not Shinzo Abe's own)" in page
    topic = _text((views_site / "topics" / "territorial-dispute" / "index.html").read_text(encoding="utf-8"))
    assert "As the source puts it: “a window of opportunity”." in topic
    assert "In their words" not in topic


def test_a_quote_by_the_actor_reads_in_their_words(tmp_path: Path) -> None:
    root = copy_root("views", tmp_path)
    pos = root / POS / "abe-2013-talks.yaml"
    pos.write_text(pos.read_text(encoding="utf-8").replace("quote_by: source", "quote_by: actor"), encoding="utf-8")
    assert run_cli("build", cwd=root).returncode == 0
    topic = _text((root / "site" / "topics" / "territorial-dispute" / "index.html").read_text(encoding="utf-8"))
    assert "In their words: “a window of opportunity”." in topic
    page = _text((root / "site" / "positions" / "abe-2013-talks" / "index.html").read_text(encoding="utf-8"))
    assert "the source's words" not in page


def _errors(root: Path) -> list[str]:
    _, problems = load_project(root)
    return [str(p) for p in problems if p.is_error]


def _edit(root: Path, rel: str, old: str, new: str) -> None:
    path = root / rel
    text = path.read_text(encoding="utf-8")
    assert old in text, (rel, old)
    path.write_text(text.replace(old, new), encoding="utf-8")


@pytest.mark.parametrize(
    ("rel", "old", "new", "expected"),
    [
        (
            "abe-2013-talks.yaml",
            "stance_basis: stated\n",
            "",
            "data/positions/abe-2013-talks.yaml:7:9: error: a 'stance' needs a 'stance_basis': 'stated' (the source "
            "reports the actor saying it) or 'inferred' (the editors' reading of a passage, given in 'stance_reading')",
        ),
        (
            "russia-2014-two-islands.yaml",
            READING,
            "",
            "data/positions/russia-2014-two-islands.yaml:8:15: error: an inferred stance needs a 'stance_reading': "
            "the passage it is read from, cited",
        ),
        (
            "russia-1956-two-islands.yaml",
            "stance_basis: stated\n",
            "stance_basis: stated\nstance_reading: Read from p. 15.\n",
            "data/positions/russia-1956-two-islands.yaml:9:17: error: 'stance_reading' belongs to an inferred stance "
            "('stance_basis: inferred')",
        ),
        (
            "abe-2013-talks.yaml",
            "quote_by: source\n",
            "",
            "data/positions/abe-2013-talks.yaml:9:8: error: a 'quote' needs a 'quote_by': 'actor' (the actor's own "
            "words) or 'source' (the source's author or the summary's writer)",
        ),
        (
            "abe-2013-talks.yaml",
            "quote_by: source",
            "quote_by: author",
            "data/positions/abe-2013-talks.yaml:10:11: error: 'author' is not a valid quote_by "
            "(did you mean 'actor'?); choose one of: actor, source",
        ),
    ],
)
def test_stance_and_quote_fields_are_checked(tmp_path: Path, rel: str, old: str, new: str, expected: str) -> None:
    root = _inferred(copy_root("views", tmp_path))
    _edit(root, POS + rel, old, new)
    assert expected in _errors(root)


def test_a_position_before_its_proposal_is_located(tmp_path: Path) -> None:
    root = copy_root("views", tmp_path)
    _edit(root, POS + "russia-1956-two-islands.yaml", 'date: "1956"', 'date: "1955-12"')
    assert (
        "data/positions/russia-1956-two-islands.yaml:5:7: error: this position (1955-12) is dated before the proposal "
        "it takes a stance on ('two-islands', 1956): redate one of them from the source, with a date_note"
    ) in _errors(root)


def test_a_position_outside_the_role_it_is_recorded_under_is_located(tmp_path: Path) -> None:
    root = copy_root("views", tmp_path)
    # the sample's Abe is Prime Minister from December 2012
    _edit(
        root,
        POS + "abe-2013-talks.yaml",
        "topic: territorial-dispute\n",
        "topic: territorial-dispute\nrole: Prime Minister\n",
    )
    assert not [e for e in _errors(root) if "role" in e]
    _edit(root, POS + "abe-2013-talks.yaml", 'date: "2013-04"', 'date: "2011"')
    assert (
        "data/positions/abe-2013-talks.yaml:6:7: error: this position (2011) is dated before 'abe-shinzo' became "
        "'Prime Minister' (2012-12)"
    ) in _errors(root)
    _edit(root, POS + "abe-2013-talks.yaml", "role: Prime Minister", "role: Foreign Minister")
    assert (
        "data/positions/abe-2013-talks.yaml:5:7: error: 'abe-shinzo' has no role 'Foreign Minister' "
        "(roles: 'Prime Minister')"
    ) in _errors(root)


def test_duplicate_titles_and_copied_notes_are_located(tmp_path: Path) -> None:
    root = copy_root("views", tmp_path)
    _edit(
        root,
        POS + "russia-2014-two-islands.yaml",
        "title: Moscow denies any dispute",
        "title: Abe reopens peace-treaty talks",
    )
    note = "notes:\n  - text: The two sources date this differently.\n"
    _edit(root, POS + "russia-2014-two-islands.yaml", "sources:\n", note + "sources:\n")
    _edit(root, POS + "abe-2013-talks.yaml", "sources:\n", note + "sources:\n")
    errors = _errors(root)
    assert (
        "data/positions/russia-2014-two-islands.yaml:2:8: error: the title 'Abe reopens peace-treaty talks' is also "
        "that of position 'abe-2013-talks' (data/positions/abe-2013-talks.yaml): one record per fact, or titles that "
        "tell them apart"
    ) in errors
    assert (
        "data/positions/russia-2014-two-islands.yaml:11:11: error: this note is a copy of one on position "
        "'abe-2013-talks' (data/positions/abe-2013-talks.yaml): say what it means for this record, or link to that "
        "record"
    ) in errors


def test_a_discrepancy_linked_from_a_record_it_does_not_concern_is_located(tmp_path: Path) -> None:
    root = copy_root("views", tmp_path)
    (root / "docs" / "about.md").write_text(
        "# About\n\n## Known discrepancies\n\n### Date of a visit {: #visit-date }\n\n"
        'Two dates.{{ cite("pajon2013", "p. 5") }}\n\n## Other\n\nText.{{ cite("pajon2013", "p. 17") }}\n',
        encoding="utf-8",
    )
    link = "notes:\n  - text: 'The dates differ: see [Known discrepancies](../about.md#visit-date).'\n"
    _edit(root, POS + "abe-2013-talks.yaml", "sources:\n", link + "sources:\n")  # cites p. 5: concerned
    _edit(
        root,
        POS + "russia-2014-two-islands.yaml",
        "sources:\n",
        link.replace("dates differ", "dates vary") + "sources:\n",
    )
    errors = [e for e in _errors(root) if "about.md" in e]
    assert errors == [
        "data/positions/russia-2014-two-islands.yaml:11:11: error: this note links to 'about.md#visit-date', which "
        "concerns passages this position does not cite (pajon2013 p5): link a discrepancy only where it applies"
    ]


def test_position_page_names_the_role_it_is_recorded_under(tmp_path: Path) -> None:
    root = copy_root("views", tmp_path)
    _edit(root, POS + "abe-2013-talks.yaml", 'date: "2013-04"\n', 'date: "2013-04"\nrole: Prime Minister\n')
    proc = run_cli("build", cwd=root)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    page = _text(article((root / "site" / "positions" / "abe-2013-talks" / "index.html").read_text(encoding="utf-8")))
    assert "held by Shinzo Abe as Prime Minister" in page


def test_print_edition_marks_inferred_stances_and_gives_the_reading(tmp_path: Path) -> None:
    pdftotext = require("pdftotext")
    root = _inferred(copy_root("views", tmp_path))
    proc = run_cli("pdf", cwd=root)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    text = subprocess.run([pdftotext, str(root / "site" / "reference.pdf"), "-"], capture_output=True, text=True).stdout
    flat = " ".join(text.split())
    # the stance view, printed: the actor's row (read as laid out, whichever page the row falls on)
    rows = subprocess.run(
        [pdftotext, "-layout", str(root / "site" / "reference.pdf"), "-"], capture_output=True, text=True
    ).stdout
    assert re.search(r"^ *Russia \(→ p\. \d+\) +✖ opposes inferred May 2014", rows, re.M)
    assert "the editors' reading of a passage" in flat  # its legend
    assert (
        "How this stance is read The source does not report this stance in so many words; the site reads it from this "
        "passage: Read from Moscow saying there was nothing to discuss" in flat
    )
