"""The print edition's reshaping of the engine's page bodies, by structure (no PDF is rendered here)."""

from __future__ import annotations

from pathlib import Path

from refsite.htmltree import parse, to_html
from refsite.pdf import PrintPage, print_page

from conftest import copy_root, run_cli

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


def test_the_print_edition_does_not_read_the_themes_html(tmp_path: Path) -> None:
    """A theme that adds words around every page's article: the website shows them, the PDF does not,
    because it is printed from the page bodies as the engine finished them."""
    from test_pdf import pdftext

    root = copy_root("basic", tmp_path)
    (root / "overrides").mkdir()
    (root / "overrides" / "main.html").write_text(
        '{% extends "base.html" %}\n{% block content %}<p>Words of the theme alone.</p>{{ super() }}{% endblock %}\n',
        encoding="utf-8",
    )
    config = root / "mkdocs.yml"
    config.write_text(
        config.read_text(encoding="utf-8").replace("  name: material\n", "  name: material\n  custom_dir: overrides\n"),
        encoding="utf-8",
    )
    proc = run_cli("build", "--pdf", cwd=root)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for page in ("index.html", "actors/japan/index.html"):
        assert "Words of the theme alone." in (root / "site" / page).read_text(encoding="utf-8"), page
    text = " ".join(pdftext(root / "site" / "reference.pdf").split())
    assert "An editor's own remark." in text and "The Japanese state." in text  # the pages are there
    assert "Words of the theme" not in text
