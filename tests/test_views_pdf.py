"""The views in the PDF: drawn as vector graphics (the SVG's own labels are in the page text),
legible at 7 pt or more, and within the page."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from conftest import require, shared_build


@pytest.fixture(scope="module")
def pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    require("pdftotext")
    return shared_build(tmp_path_factory, "views", "build", "--pdf") / "reference.pdf"


def _words(pdf: Path) -> list[tuple[int, float, float, float, float, float, str]]:
    """Every word of the PDF: page, page width, xMin, xMax, yMax, font height, text."""
    html = subprocess.run(
        [require("pdftotext"), "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    out = []
    for n, (width, body) in enumerate(re.findall(r'<page width="([\d.]+)"[^>]*>(.*?)</page>', html, re.S), 1):
        for x0, y0, x1, y1, text in re.findall(
            r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', body
        ):
            out.append((n, float(width), float(x0), float(x1), float(y1), float(y1) - float(y0), text))
    return out


def _chapter(pdf: Path, title: str) -> str:
    text = subprocess.run([require("pdftotext"), "-layout", str(pdf), "-"], capture_output=True, text=True).stdout
    found = re.compile(rf"[\n\f]{re.escape(title)}\n").search(text, text.index("Contents") + 200)
    assert found is not None, title
    start = found.start()
    return text[start : start + 20000]


def test_views_are_drawn_in_the_pdf(pdf: Path) -> None:
    views = _chapter(pdf, "Views")
    # the map's own labels (SVG text), its legend, and its text equivalent
    assert "Hokkaido" in views and "Etorofu (Japan's name)" in views and "Iturup (Russia's name)" in views
    assert "stays with Russia" in views
    assert "Etorofu / Iturup: administered by Russia, claimed by Japan" in views
    # the timeline's axis and kinds, the undated group, the list of events
    assert re.search(r"treaty\s", views) and "date not given" in views and "1850" in views
    # each event of the list with the page of its record
    assert re.search(r"Date not given in the sources — A treaty without a date \(→ p\. \d+\) \(treaty\)", views)
    # the stance view, proposal by proposal (it fits a page as it fits a phone), and the island comparison
    assert "latest stance in the sources" in views
    assert re.search(r"Russia \(→ p\. \d+\)\s+✖ opposes.{0,60}May 2014", views, re.S), views
    assert "Japan: 250 km²; Russia:" in views and "3,000 km²" in views  # a cell of two lines


def test_views_stay_within_the_page_and_legible(pdf: Path) -> None:
    words = _words(pdf)
    assert words
    for page, width, x0, x1, _y1, _h, text in words:
        assert x0 >= 0 and x1 <= width, (page, text, x0, x1, width)
    labels = [w for w in words if w[6] in ("Hokkaido", "Shikotan", "1850")]
    assert labels
    # points: the drawing's labels print at 7 pt or more (a word's box is about 1.2 times its type size)
    assert min(w[5] for w in labels) >= 7.0 * 1.1, sorted({(w[6], w[5]) for w in labels})
