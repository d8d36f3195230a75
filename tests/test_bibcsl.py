"""BibTeX read by pandoc: names, accents, links, working notes left out, one conversion per content."""

from __future__ import annotations

from pathlib import Path

import pytest

import refsite.bibcsl as bibcsl
import refsite.cite as cite_mod
from refsite.bib import BibEntry, parse_bib
from refsite.bibcsl import bib_source, csl_items
from refsite.cite import Cite, Formatter
from refsite.context import current

CHICAGO = Path(cite_mod.__file__).parent / "styles" / "chicago-fullnote-bibliography.csl"

BIB = r"""
% a working comment that names a local folder: /home/editor/scans
@book{berg2001,
  author    = {Jan van der Berg and Smith, Jr., John and {Ministry of Foreign Affairs of Japan}},
  title     = {Caf\'e {\"U}ber {NATO} and \v{S}koda},
  publisher = {Press},
  address   = {Tokyo},
  year      = {2001},
  annote    = {Working note: scan in /home/editor/scans},
}
@misc{interview2013,
  title        = {Interview with {H. Asari}},
  entrysubtype = {interview},
  address      = {Tokyo},
  date         = {2013-04-17},
}
@misc{portal2014,
  title        = {Statistics},
  howpublished = {\href{https://example.org/stats}{the ministry's portal}},
  year         = {2014},
}
@misc{stub2013,
  organization = {The Asahi Shimbun},
  year         = {2013},
}
"""


@pytest.fixture(scope="module")
def parsed() -> tuple[dict[str, dict], dict]:
    # the entries as the checks know them (the note's LaTeX is pandoc's to read, not theirs)
    entries = {
        "berg2001": BibEntry("berg2001", "book", {"title": "t", "author": "a"}, "bib/t.bib", 3),
        "interview2013": BibEntry(
            "interview2013", "misc", {"title": "t", "entrysubtype": "interview"}, "bib/t.bib", 13
        ),
        "portal2014": BibEntry("portal2014", "misc", {"title": "Statistics"}, "bib/t.bib", 19),
        "stub2013": BibEntry("stub2013", "misc", {"organization": "The Asahi Shimbun"}, "bib/t.bib", 24),
    }
    return csl_items([BIB], entries), entries


def test_names_particles_suffixes_and_organisations(parsed: tuple[dict[str, dict], dict]) -> None:
    items, _ = parsed
    assert items["berg2001"]["author"] == [
        {"dropping-particle": "van der", "family": "Berg", "given": "Jan"},
        {"family": "Smith", "given": "John", "suffix": "Jr."},
        {"literal": "Ministry of Foreign Affairs of Japan"},
    ]


def test_latex_accents_are_decoded(parsed: tuple[dict[str, dict], dict]) -> None:
    items, _ = parsed
    title = items["berg2001"]["title"]
    assert "Café" in title and "NATO" in title and "koda" in title and "ber" in title
    assert "\\" not in title


def test_working_notes_are_left_out_and_untyped_entries_get_a_type(parsed: tuple[dict[str, dict], dict]) -> None:
    items, _ = parsed
    assert "annote" not in items["berg2001"]
    assert items["interview2013"]["type"] == "interview"
    assert items["stub2013"]["type"] == "document"


def test_notes_print_names_accents_and_links(parsed: tuple[dict[str, dict], dict]) -> None:
    items, entries = parsed
    result = Formatter(CHICAGO).format(
        [[Cite("berg2001", "p. 3")]], items, bibliography=["berg2001"], source=bib_source([BIB], entries)
    )
    note = result.notes[0][0]
    assert note.startswith("Jan van der Berg, John Smith Jr., and Ministry of Foreign Affairs of Japan, ")
    assert "Café Über NATO and Škoda" in note
    entry = dict(result.bibliography)["berg2001"]
    assert entry.startswith("Berg, Jan van der, John Smith Jr., and Ministry of Foreign Affairs of Japan.")
    assert "Working note" not in note + entry


def test_a_link_in_a_field_is_a_link_in_the_note(parsed: tuple[dict[str, dict], dict]) -> None:
    items, entries = parsed
    note = Formatter(CHICAGO).format([[Cite("portal2014")]], items, source=bib_source([BIB], entries)).notes[0][0]
    assert note == '“Statistics” (<a href="https://example.org/stats">the ministry’s portal</a>, 2014).', note


def test_initials_protected_in_braces_keep_their_case(parsed: tuple[dict[str, dict], dict]) -> None:
    items, entries = parsed
    note = Formatter(CHICAGO).format([[Cite("interview2013")]], items, source=bib_source([BIB], entries)).notes[0][0]
    assert "Interview with H. Asari" in note


def test_one_conversion_per_content(parsed: tuple[dict[str, dict], dict]) -> None:
    entries, _ = parse_bib("bib/u.bib", "@book{solo, author = {Solo, A.}, title = {Solo}, year = {2000}}\n")
    by_key = {**parsed[1], **{e.key: e for e in entries}}
    before = current().tallied(bibcsl.PANDOC_RUNS)
    first = csl_items([BIB, "@book{solo, author = {Solo, A.}, title = {Solo}, year = {2000}}"], by_key)
    again = csl_items([BIB, "@book{solo, author = {Solo, A.}, title = {Solo}, year = {2000}}"], by_key)
    assert first == again and "solo" in first
    assert before + 1 == current().tallied(bibcsl.PANDOC_RUNS)


ORDER_BIB = r"""
@article{reuters2013, title = {Gazprom Neft to Start Output}, journaltitle = {Reuters}, entrysubtype = {newspaper},
  date = {2013-06-07}}
@article{izvestia2013, title = {La {Russie} investit}, journaltitle = {Izvestia}, entrysubtype = {newspaper},
  langid = {french}, date = {2013-01-22}}
@article{akaha2012, author = {Akaha, T.}, title = {A Distant Neighbor}, journaltitle = {Global Asia}, year = {2012}}
@misc{asahi2013, author = {{The Asahi Shimbun}}, title = {Map}, year = {2013}}
@misc{stimson2014, title = {{Japan}-{Russia} Relations}, organization = {Stimson Center}, date = {2014-09-09}}
"""


def test_bibliography_in_the_order_the_style_prints_it() -> None:
    entries, problems = parse_bib("bib/o.bib", ORDER_BIB)
    assert problems == []
    by_key = {e.key: e for e in entries}
    result = Formatter(CHICAGO).format(
        [], csl_items([ORDER_BIB], by_key), bibliography=sorted(by_key), source=bib_source([ORDER_BIB], by_key)
    )
    # an unsigned newspaper article is filed under the newspaper, as it is printed; an organisation
    # as author under its name; an entry with neither under its title
    assert [key for key, _ in result.bibliography] == [
        "akaha2012", "izvestia2013", "stimson2014", "reuters2013", "asahi2013",
    ]  # fmt: skip
    assert dict(result.bibliography)["reuters2013"].startswith("Reuters. “Gazprom Neft")
