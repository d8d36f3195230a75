"""Linear note placement and page tagging (refsite.pdf_speed): the same pages as WeasyPrint's own
methods give, and WeasyPrint left as it was afterwards."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
from test_pdf import pages

from refsite.pdf_speed import linear_layout

NOTES_CSS = """
@page { size: A5; margin: 15mm; @footnote { border-top: 0.5pt solid; padding-top: 2mm; } }
p { orphans: 2; widows: 2; }
.fn { float: footnote; font-size: 7pt; }
"""


def _document() -> str:
    """Paragraphs with many notes of one to four lines, so notes fill the foot of pages, push lines
    on and run over to the next page."""
    words = ["the", "islands", "were", "administered", "by", "one", "side", "and", "claimed", "by", "the", "other"]
    paragraphs = []
    for i in range(60):
        sentence = " ".join(words[(i + k) % len(words)] for k in range(9 + i % 7))
        notes = "".join(
            f'{sentence}<span class="fn">Note {i}.{j}: {" ".join(words * (1 + (i + j) % 4))}.</span> '
            for j in range(1 + i % 5)
        )
        paragraphs.append(f"<p>{notes}</p>")
    return f'<html lang="en"><body><h1>Notes</h1>{"".join(paragraphs)}</body></html>'


def _render(tmp: Path, fast: bool) -> Path:
    from weasyprint import CSS, HTML

    out = tmp / ("fast.pdf" if fast else "plain.pdf")
    with linear_layout() if fast else contextlib.nullcontext():
        HTML(string=_document()).write_pdf(str(out), stylesheets=[CSS(string=NOTES_CSS)], pdf_tags=True)
    return out


def test_linear_layout_gives_the_same_pages(tmp_path: Path) -> None:
    pytest.importorskip("weasyprint")
    plain, fast = pages(_render(tmp_path, False)), pages(_render(tmp_path, True))
    assert len(plain) > 5
    assert sum("Note 43.2:" in page for page in plain) == 1
    assert fast == plain


def test_linear_layout_puts_weasyprint_back() -> None:
    pytest.importorskip("weasyprint")
    import pydyf
    from weasyprint.layout import LayoutContext

    def state() -> tuple[object, object, object]:
        own = LayoutContext.__dict__
        return own["_update_footnote_area"], own.get("footnotes"), pydyf.PDF.__dict__["page_references"]

    before = state()
    assert before[1] is None  # WeasyPrint's context keeps its waiting notes as a plain attribute
    with linear_layout():
        assert all(now is not then for now, then in zip(state(), before, strict=True))
    assert state() == before
    with pytest.raises(RuntimeError), linear_layout():
        raise RuntimeError("a failed render")
    assert state() == before
