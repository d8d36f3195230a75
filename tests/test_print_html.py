"""The print edition's reshaping of the engine's page bodies, by structure (no PDF is rendered here)."""

from __future__ import annotations

from pathlib import Path

from refsite.htmltree import parse, to_html
from refsite.pdf import PrintPage, print_page

BODY = (
    '<p class="refsite-crumbs" data-search-exclude=""><a href="../">Actors</a> › Shinzo Abe</p>\n'
    '<h1 id="shinzo-abe">Shinzo Abe<a class="headerlink" href="#shinzo-abe" title="Permanent link">¶</a></h1>\n'
    '<p>Prime minister<sup id="fnref:cite-1"><a class="footnote-ref" href="#fn:cite-1">1</a></sup> of '
    '<a href="../japan/">Japan</a>, met <a href="../../events/moscow-2013/#when">in Moscow</a>'
    '<sup id="fnref:cite-2"><a class="footnote-ref" href="#fn:cite-2">2</a></sup>; see '
    '<a href="../../downloads/dataset.json">the data</a> and <a href="https://example.org/x?a=1&amp;b=2">this</a>.'
    '<sup id="fnref2:cite-1"><a class="footnote-ref" href="#fn:cite-1">1</a></sup></p>\n'
    '<p class="web-only">Download it as <a href="../../downloads/references.bib">BibTeX</a>.</p>\n'
    '<img src="../../assets/map.png" alt="A map">\n'
    '<p data-search-exclude="" class="refsite-record">Record <code>abe-shinzo</code>, '
    '<a href="https://example.org/edit">edit this record</a>.</p>\n'
    '<div class="footnote">\n<hr>\n<ol>\n'
    '<li id="fn:cite-1">\n<p>Pajon, 5 &amp; <em>7</em>.&nbsp;<a class="footnote-backref" href="#fnref:cite-1" '
    'title="Jump back to footnote 1 in the text">↩</a>'
    '<a class="footnote-backref" href="#fnref2:cite-1">↩</a></p>\n</li>\n'
    '<li id="fn:cite-2">\n<p>Web note.&nbsp;<a class="footnote-backref" href="#fnref:cite-2">↩</a></p>\n</li>\n'
    "</ol>\n</div>\n"
    '<details data-search-exclude="" class="refsite-cite-page">'
    "<summary>Cite this page</summary><p>Cite me</p></details>"
)
INCLUDED = {"actors/", "actors/abe-shinzo/", "actors/japan/", "events/moscow-2013/"}


def test_web_only_parts_and_permalinks_go_whatever_the_attribute_order() -> None:
    ch = print_page(PrintPage("actors/abe-shinzo/", "Shinzo Abe", BODY), INCLUDED)
    for gone in ("›", "Permanent link", "¶", "edit this record", "Cite this page", "Download it as", "footnote", "↩"):
        assert gone not in ch.body
    assert ch.title == "Shinzo Abe"
    assert '<h1 id="p-actors-abe-shinzo--shinzo-abe">Shinzo Abe</h1>' in ch.body


def test_each_note_stands_where_it_is_called() -> None:
    ch = print_page(PrintPage("actors/abe-shinzo/", "Shinzo Abe", BODY), INCLUDED, {"cite-2": "Print <em>note</em>."})
    assert ch.body.count('<span class="fn">Pajon, 5 &amp; <em>7</em>.</span>') == 2  # called twice, note text whole
    assert 'Prime minister<span class="fn">Pajon' in ch.body
    assert '<span class="fn">Print <em>note</em>.</span>' in ch.body  # the print edition's own note replaces the page's
    assert "Web note" not in ch.body and "<sup" not in ch.body


def test_links_ids_and_images_become_document_wide() -> None:
    ch = print_page(PrintPage("actors/abe-shinzo/", "Shinzo Abe", BODY), INCLUDED)
    assert '<a href="#p-actors-japan">Japan</a>' in ch.body
    assert '<a href="#p-events-moscow-2013--when">in Moscow</a>' in ch.body
    assert "<a>the data</a>" in ch.body  # a page the print edition leaves out: the words stay, unlinked
    assert '<a href="https://example.org/x?a=1&amp;b=2">this</a>' in ch.body
    assert '<img src="assets/map.png" alt="A map">' in ch.body


def test_the_tree_writes_back_what_it_read() -> None:
    text = (
        '<p title="a &quot;b&quot; &lt;c&gt;">x &amp; y &lt; z<br>w</p><svg viewBox="0 0 10 10"><path d="M0 0"/></svg>'
        "<p>stray</span> end</p><ul><li>open"
    )
    assert to_html(parse(text).children) == (
        '<p title="a &quot;b&quot; &lt;c&gt;">x &amp; y &lt; z<br>w</p>'
        '<svg viewBox="0 0 10 10"><path d="M0 0"></path></svg><p>stray end</p><ul><li>open</li></ul>'
    )


def test_pdf_module_knows_no_theme_markup() -> None:
    source = (Path(__file__).parent.parent / "refsite" / "pdf.py").read_text(encoding="utf-8")
    for theme_name in ("md-content", "md-typeset", "md-content__button", "<article", 'index.html").read'):
        assert theme_name not in source
