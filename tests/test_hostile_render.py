"""Hostile content on the output side: data, bibliography and pages never run, inject, leak or attach.

Each case copies the 'basic' sample project, puts the last good site in place, injects one hostile
value, builds, and asserts the exit status, the exact located line of an error, that no traceback
is printed, that every built page is inert (parsed whole) and that a failed build leaves the
previous site as it was.
"""

from __future__ import annotations

import hashlib
import html
import http.server
import json
import re
import shutil
import subprocess
import threading
from collections.abc import Callable, Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import yaml

from refsite.render.meta import json_ld
from refsite.sanitize import clean_html

from conftest import article, assert_inert, cli_in_process, copy_root, run_cli, scan_site

EXPLOIT = "{{ cycler.__init__.__globals__.os.popen('touch pwned').read() }}"
LOCATED = re.compile(r"^[^\s:]+:\d+:\d+: (?:error|warning): \S")


@pytest.fixture(scope="module")
def theme_scripts(basic_site: Path) -> set[str]:
    """The scripts of a clean build: the theme's own, nothing else may appear."""
    scripts, problems = scan_site(basic_site)
    assert scripts and not problems, problems
    return scripts


@pytest.fixture
def root(tmp_path: Path, basic_site: Path) -> Path:
    """A copy of the sample project with its last good site in place."""
    project = copy_root("basic", tmp_path)
    shutil.copytree(basic_site, project / "site")
    return project


def digest(site: Path) -> dict[str, str]:
    return {
        str(p.relative_to(site)): hashlib.sha256(p.read_bytes()).hexdigest() for p in site.rglob("*") if p.is_file()
    }


def edit_record(root: Path, rel: str, change: Callable[[dict[str, Any]], None]) -> None:
    path = root / "data" / rel
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def add_to_page(root: Path, text: str, name: str = "index.md") -> int:
    """Append ``text`` to a narrative page; return the line it starts on."""
    page = root / "docs" / name
    old = page.read_text(encoding="utf-8") if page.exists() else ""
    page.parent.mkdir(parents=True, exist_ok=True)
    page.write_text(old + "\n" + text + "\n", encoding="utf-8")
    return old.count("\n") + 2


def build(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    before = digest(root / "site")
    proc = cli_in_process("build", *args, cwd=root)  # the build's own; a few cases below run it as a command
    out = proc.stdout + proc.stderr
    assert "Traceback" not in out and "Exception" not in out, out
    for line in proc.stdout.splitlines():
        assert LOCATED.match(line) or line.startswith("site built in "), line
    if proc.returncode != 0:
        assert digest(root / "site") == before, "a failed build changed the previous site"
    assert not (root / "pwned").exists(), "a template from content ran"
    return proc


def errors(proc: subprocess.CompletedProcess[str]) -> list[str]:
    return [line for line in proc.stdout.splitlines() if LOCATED.match(line)]


def text_of(root: Path, url: str) -> str:
    """The text of a built page's body, as a reader sees it."""
    body = article((root / "site" / url / "index.html").read_text(encoding="utf-8"))
    return html.unescape(re.sub(r"<[^>]+>", "", body))


# -- 1. values from data never become templates ----------------------------------------------------


def _title_ends_front_matter(d: dict[str, Any]) -> None:
    d["title"] = f"Talks\n---\nrender_macros: true\n...\n`{EXPLOIT}`"
    d["summary"] = f"Talks resumed: `{EXPLOIT}`."


POSITION = "positions/abe-2013-talks.yaml"
TEMPLATE_CASES: dict[str, tuple[str, Callable[[dict[str, Any]], None], str]] = {
    "title ending the front matter": (
        "positions/abe-2013-talks.yaml",
        _title_ends_front_matter,
        "positions/abe-2013-talks",
    ),
    "name": ("actors/japan.yaml", lambda d: d.update(name=f"Japan {EXPLOIT}"), "actors/japan"),
    "summary code span": (
        "actors/russia.yaml",
        lambda d: d.update(summary=f"Russia `{EXPLOIT}` state."),
        "actors/russia",
    ),
    "note": (
        "actors/russia.yaml",
        lambda d: d.update(notes=[{"text": f"See `{EXPLOIT}` and {EXPLOIT}.", "sources": [{"key": "pajon2013"}]}]),
        "actors/russia",
    ),
    "role": ("actors/abe-shinzo.yaml", lambda d: d["roles"][0].update(title=f"Premier {EXPLOIT}"), "actors/abe-shinzo"),
    "quote": (
        "positions/abe-2013-talks.yaml",
        lambda d: d.update(quote=f"a window {EXPLOIT}"),
        "positions/abe-2013-talks",
    ),
}


@pytest.mark.parametrize("case", TEMPLATE_CASES)
def test_data_values_render_literally(root: Path, theme_scripts: set[str], case: str) -> None:
    rel, change, url = TEMPLATE_CASES[case]
    edit_record(root, rel, change)
    proc = build(root)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert EXPLOIT in text_of(root, url)
    assert_inert(root / "site", theme_scripts)


def test_bib_fields_render_literally(root: Path, theme_scripts: set[str]) -> None:
    bib = root / "bib" / "refs.bib"
    text = bib.read_text(encoding="utf-8").replace(
        "  address = {Paris},", "  address = {Paris \\{\\{ cycler.\\_\\_init\\_\\_ \\}\\} <b onclick=x>},"
    )
    bib.write_text(text, encoding="utf-8")
    proc = build(root)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Paris {{ cycler.__init__ }}" in text_of(root, "bibliography")
    assert "Paris {{ cycler.__init__ }}" in text_of(root, "actors/japan")  # the footnote
    assert_inert(root / "site", theme_scripts)


def test_generated_pages_carry_no_front_matter_text(root: Path) -> None:
    edit_record(root, "positions/abe-2013-talks.yaml", _title_ends_front_matter)
    proc = build(root)
    assert proc.returncode == 0, proc.stdout
    page = (root / "site/positions/abe-2013-talks/index.html").read_text(encoding="utf-8")
    assert "<title>Talks --- render_macros: true ... `{{ cycler.__init__" in page
    assert 'name="description" content="Talks resumed: {{ cycler.__init__' in page  # plain text, literal


# -- 2. stored XSS: inert in strict and non-strict builds -------------------------------------------

DATA_XSS = {
    "tag with underscore": 'Hello <a_b tabindex=1 autofocus onfocus="alert(1)">x</a_b> there.',
    "link definition in a blockquote": "> See [x].\n>\n> [x]: javascript:alert(1)",
    "link definition in a list item": "- See [x].\n\n  [x]: javascript:alert(1)",
    "attr_list after an escaped backtick": 'A \\` *b*{: onclick="alert(1)" } \\` c.',
    "java&Tab;script link": "[x](java&Tab;script:alert(1))",
    "attachment by attr_list": 'A \\` [l](https://example.org){: href="file:///etc/passwd" rel="attachment" } \\`',
}


@pytest.mark.parametrize("strict", [True, False], ids=["strict", "no-strict"])
@pytest.mark.parametrize("case", DATA_XSS)
def test_xss_in_data_is_inert(root: Path, theme_scripts: set[str], case: str, strict: bool) -> None:
    edit_record(root, "actors/russia.yaml", lambda d: d.update(summary=DATA_XSS[case]))
    proc = build(root, *([] if strict else ["--no-strict"]))
    if proc.returncode != 0:  # refused: at the summary (the validator), or MkDocs' own strict link check
        located = any(line.startswith("data/actors/russia.yaml:") for line in errors(proc))
        assert located or "'actors/russia.md'" in proc.stderr, proc.stdout + proc.stderr
    assert_inert(root / "site", theme_scripts)


PAGE_XSS = {
    "tag with underscore": '<a_b tabindex=1 autofocus onfocus="alert(1)">x</a_b>',
    "script and handlers": "<script>alert(1)</script><img src=x onerror=alert(1)><svg onload=alert(1)></svg>",
    "frames, forms and objects": (
        '<iframe src="https://example.org"></iframe><form action="https://example.org"><input></form>'
        '<object data="x.swf"></object><embed src="x"><style>body{}</style>'
    ),
    "javascript link definitions": "> See [x].\n>\n> [x]: javascript:alert(1)\n\n- [y]\n\n  [y]: JaVaScRiPt:alert(2)",
    "entity tricks": '[a](java&Tab;script:alert(1)) <a href="jav&#x09;ascript:alert(2)">b</a> [c](&#106;avascript:x)',
    "data and vbscript": '<a href="data:text/html;base64,PHNjcmlwdD4=">d</a> <a href="vbscript:msgbox(1)">v</a>',
    "attr_list": (
        'Para.\n{: onclick="alert(1)" }\n\n[l](https://example.org){: href="file:///etc/passwd" rel="attachment" }'
    ),
}


@pytest.mark.parametrize("strict", [True, False], ids=["strict", "no-strict"])
@pytest.mark.parametrize("case", PAGE_XSS)
def test_xss_in_pages_is_inert(root: Path, theme_scripts: set[str], case: str, strict: bool) -> None:
    add_to_page(root, PAGE_XSS[case])
    proc = build(root, *([] if strict else ["--no-strict"]))
    if not strict:
        assert proc.returncode == 0, proc.stdout + proc.stderr
    assert_inert(root / "site", theme_scripts)
    if proc.returncode == 0:
        assert "The dispute involves" in text_of(root, "")  # the page is there, cleaned, not dropped


# -- 4. narrative pages render in a sandbox ----------------------------------------------------------

NOT_IN_DOCS = "is not a file in docs/"
SANDBOX_CASES = {
    "configuration internals": (
        "x {{ config.__class__.__init__.__globals__['os'].popen('touch pwned').read() }}",
        6,
        "unknown macro or variable 'config'",
    ),
    "function globals": (
        "{{ link.__globals__ }}",
        9,
        "template refused: access to attribute '__globals__' of 'function' object is unsafe.",
    ),
    "string internals": (
        "{{ ''.__class__.__mro__ }}",
        7,
        "template refused: access to attribute '__class__' of 'str' object is unsafe.",
    ),
    "macro internals": (
        "{{ names.__init__ }}",
        10,
        "template refused: access to attribute '__init__' of 'function' object is unsafe.",
    ),
    "include an absolute path": (
        "{% include '/etc/passwd' %}",
        13,
        "template refused: '/etc/passwd' is not a file in docs/",
    ),
    "include outside docs": (
        "{% include '../mkdocs.yml' %}",
        13,
        "template refused: '../mkdocs.yml' is not a file in docs/",
    ),
    "environment dump": ("{{ environment }}", 4, "unknown macro or variable 'environment'"),
    "file path of the page": (
        "{{ page.file.abs_src_path }}",
        9,
        "template refused: access to attribute 'file' of 'PageView' object is unsafe.",
    ),
    "runtime type error": ("{{ count('event')+1 }}", 1, 'template error: can only concatenate str (not "int") to str'),
    "undefined attribute": (
        "{{ page.nosuch.attr }}",
        9,
        "template refused: access to attribute 'nosuch' of 'PageView' object is unsafe.",
    ),
    "huge power": ("{{ 9 ** 99999999 }}", 1, "template refused: the power 99999999 is too large"),
    "huge string": ("{{ 'x' * 1000000000 }}", 1, "template refused: a value longer than 100000 characters or items"),
    "huge filter width": (
        "{{ 'x'|center(1000000000) }}",
        1,
        "template refused: the number 1000000000 is above the size limit (100000)",
    ),
    "huge format width": (
        "{{ '{:>999999999}'.format(1) }}",
        1,
        "template refused: a format width above the size limit",
    ),
    "include itself": ("{% include 'index.md' %}", 1, "template error: a macro or include calls itself without end"),
    "recursive macro": (
        "{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}",
        1,
        "template error: a macro or include calls itself without end",
    ),
}


@pytest.mark.parametrize("case", SANDBOX_CASES)
def test_page_templates_are_sandboxed(root: Path, case: str) -> None:
    text, col, message = SANDBOX_CASES[case]
    line = add_to_page(root, text)
    proc = build(root)
    assert proc.returncode == 1
    assert errors(proc) == [f"docs/index.md:{line}:{col}: error: {message}"]


def test_template_errors_are_located_below_front_matter(root: Path) -> None:
    page = root / "docs" / "extra.md"
    page.write_text("---\ntitle: Extra\n---\n\n# Extra\n\nFine.\n\nBad {{ count('actor') + 1 }}\n", encoding="utf-8")
    proc = build(root)
    assert proc.returncode == 1
    assert errors(proc) == ['docs/extra.md:9:5: error: template error: can only concatenate str (not "int") to str']


def test_pages_see_title_meta_and_extra_only(root: Path) -> None:
    config = root / "mkdocs.yml"
    config.write_text(config.read_text(encoding="utf-8") + "extra:\n  edition: First\n", encoding="utf-8")
    (root / "docs" / "extra.md").write_text(
        "---\nsubtitle: Sub\n---\n# Extra\n\n{{ page.title }} / {{ page.meta.subtitle }} / {{ subtitle }} / "
        "{{ edition }} / {{ extra.edition }} / {{ page.url }}\n",
        encoding="utf-8",
    )
    proc = build(root)
    assert proc.returncode == 0, proc.stdout
    assert "Extra / Sub / Sub / First / First / extra/" in text_of(root, "extra")


# -- 5. a narrative page at a generated page's address ----------------------------------------------


def test_narrative_page_at_a_record_address_is_an_error(root: Path) -> None:
    add_to_page(root, "# Japan, by hand", "actors/japan.md")
    expected = (
        "docs/actors/japan.md:1:1: error: this page has the address of the generated page of actor 'japan' "
        "(data/actors/japan.yaml); rename it"
    )
    check = run_cli("check", cwd=root)
    assert check.returncode == 1 and check.stdout.splitlines() == [expected]
    proc = build(root)
    assert proc.returncode == 1 and errors(proc) == [expected]


def test_narrative_index_replaces_the_generated_index(root: Path, theme_scripts: set[str]) -> None:
    add_to_page(root, "# Actors\n\nWritten by hand: {{ link('japan') }}.", "actors/index.md")
    proc = build(root)
    assert proc.returncode == 0, proc.stdout
    assert "Written by hand: Japan." in text_of(root, "actors")
    assert_inert(root / "site", theme_scripts)


# -- 6. titles are escaped exactly once ----------------------------------------------------------------


def test_titles_show_data_text_literally(root: Path, theme_scripts: set[str]) -> None:
    name = 'J &lt;script&gt;alert(1)&lt;/script&gt; & "q" 3 < 4 {{ x }}'
    edit_record(root, "actors/japan.yaml", lambda d: d.update(name=name, summary='The &lt;b&gt; "state" {{ y }}.'))
    proc = build(root)
    assert proc.returncode == 0, proc.stdout
    page = (root / "site/actors/japan/index.html").read_text(encoding="utf-8")
    shown = 'J &amp;lt;script&amp;gt;alert(1)&amp;lt;/script&amp;gt; &amp; "q" 3 &lt; 4'
    assert f"<title>{shown} {{{{ x }}}} - Sample Reference</title>" in page
    assert f"{shown} {{{{ x }}}}</h1>" in page
    assert 'content="The &amp;lt;b&amp;gt; &quot;state&quot; {{ y }}."' in page
    index = (root / "site/actors/index.html").read_text(encoding="utf-8")
    assert f">{shown} {{{{ x }}}}</a>" in index
    search = (root / "site/search/search_index.json").read_text(encoding="utf-8")
    assert '"title":"J &amp;lt;script&amp;gt;alert(1)&amp;lt;/script&amp;gt; &amp; \\"q\\"' in search
    assert_inert(root / "site", theme_scripts)


NARRATIVE_TITLES = {
    "front matter title": '---\ntitle: "<img src=x onerror=alert(1)>T"\n---\n# Body\n\nText.\n',
    "front matter description": '---\ndescription: "\\"><script>alert(2)</script>"\n---\n# Body\n\nText.\n',
    "escaped heading": "# a &lt;/title&gt;&lt;script&gt;alert(3)&lt;/script&gt;\n\nText.\n",
    "heading with a tag": "# Hi <img src=x onerror=alert(4)>\n\n## Sub <b onmouseover=alert(5)>x</b> &lt;/a&gt;\n",
}


@pytest.mark.parametrize("case", NARRATIVE_TITLES)
def test_narrative_titles_are_inert(root: Path, theme_scripts: set[str], case: str) -> None:
    (root / "docs" / "t.md").write_text(NARRATIVE_TITLES[case], encoding="utf-8")
    config = root / "mkdocs.yml"
    config.write_text(config.read_text(encoding="utf-8") + "  - 'Hand <img src=x onerror=alert(6)>': t.md\n")
    proc = build(root, "--no-strict")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert_inert(root / "site", theme_scripts)
    page = (root / "site/t/index.html").read_text(encoding="utf-8")
    assert "<" not in page[page.index("<title>") + len("<title>") : page.index("</title>")]


# -- 3. the PDF reads the site's own files only ---------------------------------------------------------


@pytest.fixture
def http_hits() -> Iterator[tuple[int, list[str]]]:
    """A tiny HTTP server on 127.0.0.1 that records every request made to it."""
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"x")

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], hits
    finally:
        server.shutdown()
        server.server_close()


def test_pdf_build_of_hostile_page_attaches_and_fetches_nothing(root: Path, http_hits: tuple[int, list[str]]) -> None:
    pypdf = pytest.importorskip("pypdf")
    port, hits = http_hits
    add_to_page(
        root,
        f'<img src="http://127.0.0.1:{port}/x.png" alt="x">\n\n'
        '<a href="file:///etc/passwd" rel="attachment">passwd</a> <link rel="attachment" href="/etc/hostname">',
    )
    proc = run_cli("build", "--pdf", cwd=root)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    assert hits == []
    reader = pypdf.PdfReader(str(root / "site" / "reference.pdf"))
    assert dict(reader.attachments) == {}


# -- 2. the allow-list itself ---------------------------------------------------------------------------

SANITIZER_CASES = {
    '<a_b tabindex=1 autofocus onfocus="alert(1)">x</a_b>': "x",
    '<a href="java&Tab;script:alert(1)">x</a>': "<a>x</a>",
    '<a href=" JaVaScRiPt:alert(1)">x</a>': "<a>x</a>",
    '<a href="file:///etc/passwd" rel="attachment nofollow">x</a>': '<a rel="nofollow">x</a>',
    "<script>alert(1)</script>ok": "ok",
    '<img src="x" onerror="alert(1)">': '<img src="x">',
    '<p dir="rtl" lang="ja" style="color: red">x</p>': '<p dir="rtl" lang="ja">x</p>',
    '<p dir="javascript:x">x</p>': "<p>x</p>",
    '<a href="#fn:1" class="footnote-ref">1</a>': '<a href="#fn:1" class="footnote-ref">1</a>',
    '<a href="../actors/x/" title="T">x</a><a href="mailto:a@b">m</a>': (
        '<a href="../actors/x/" title="T">x</a><a href="mailto:a@b">m</a>'
    ),
    '<table><tr><td style="text-align: right;">1</td></tr></table>': (
        '<table><tbody><tr><td style="text-align:right">1</td></tr></tbody></table>'
    ),
    "<details open><summary>s</summary><pre><code>{{ x }}</code></pre></details>": (
        '<details open=""><summary>s</summary><pre><code>{{ x }}</code></pre></details>'
    ),
    "<p>zRSBIBLIOGRAPHYz zRSCITEn2z</p>": "<p>zRSBIBLIOGRAPHYz zRSCITEn2z</p>",
}


@pytest.mark.parametrize("dirty", SANITIZER_CASES)
def test_allow_list(dirty: str) -> None:
    assert clean_html(dirty) == SANITIZER_CASES[dirty]


# -- serve publishes what the build would: inert ---------------------------------------------------


def test_serve_publishes_inert_pages(root: Path, theme_scripts: set[str], tmp_path: Path) -> None:
    from test_serve import Preview

    edit_record(root, "actors/russia.yaml", lambda d: d.update(summary=DATA_XSS["java&Tab;script link"]))
    add_to_page(root, PAGE_XSS["tag with underscore"] + "\n\n" + PAGE_XSS["javascript link definitions"])
    preview = Preview(root, tmp_path / "tmp")  # on port 0: the server binds it once and prints its address
    served = tmp_path / "served"
    try:
        for url in ("", "actors/russia/"):
            _, text = preview.wait_for(url, lambda s, t: s == 200, f"the page /{url}")
            (served / url).mkdir(parents=True, exist_ok=True)
            text = re.sub(r"<script[^>]*>[^<]*livereload[^<]*</script>", "", text)  # serve's own reload script
            (served / url / "index.html").write_text(text, encoding="utf-8")
    finally:
        assert preview.stop() == 0
    out = "".join(preview.output)
    assert "Traceback" not in out, out
    assert_inert(served, theme_scripts)
    assert "See x." in text_of_html((served / "index.html").read_text(encoding="utf-8"))
    assert "<a>x</a>" in (served / "actors/russia/index.html").read_text(encoding="utf-8")  # the link, inert


def text_of_html(page: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", article(page)))


# -- 5. head metadata: record text in OpenGraph and JSON-LD stays data -------------------------------

HEAD_BREAKOUT = {
    "script end": "</script><script>alert(1)</script>",
    "script end, upper case and spaced": "</SCRIPT ><img src=x onerror=alert(1)>",
    "comment opener": "<!-- <script>alert(1)//",
    "quote and attribute": '" onmouseover="alert(1)" x="',
    "ampersand and slash": "a &amp; b & </ d",
    "line separators": "a\u2028b\u2029c",
}


class _Head(HTMLParser):
    """The JSON-LD blocks and scripts of a document, as a browser would split them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[str] = []
        self.tags: list[str] = []
        self._in = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self._in = tag == "script"
        if self._in:
            self.blocks.append("")

    def handle_endtag(self, tag: str) -> None:
        self._in = False

    def handle_data(self, data: str) -> None:
        if self._in:
            self.blocks[-1] += data


@pytest.mark.parametrize("case", HEAD_BREAKOUT)
def test_json_ld_is_one_script_whatever_the_text(case: str) -> None:
    """The text reaches the page as data of one script element, and parses back to itself."""
    text = HEAD_BREAKOUT[case]
    parser = _Head()
    parser.feed(json_ld({"name": text, "description": [text, {"k": text}]}))
    assert parser.tags == ["script"] and len(parser.blocks) == 1
    assert "</" not in parser.blocks[0] and "<!--" not in parser.blocks[0]
    assert json.loads(parser.blocks[0]) == {"name": text, "description": [text, {"k": text}]}


ACCEPTED_BREAKOUT = ["quote and attribute", "ampersand and slash"]  # the others are refused as raw HTML


@pytest.mark.parametrize("case", ACCEPTED_BREAKOUT)
def test_record_text_cannot_break_out_of_head_metadata(root: Path, theme_scripts: set[str], case: str) -> None:
    text = HEAD_BREAKOUT[case]
    edit_record(root, "actors/russia.yaml", lambda d: d.update(name=f"Russia {text}", summary=f"Said {text}."))
    proc = build(root, "--no-strict")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert_inert(root / "site", theme_scripts)  # no new script or handler; every JSON-LD block parses
    page = (root / "site/actors/russia/index.html").read_text(encoding="utf-8")
    head = page[: page.index("</head>")]
    ld = re.findall(r'<script type="application/ld\+json">(.*?)</script>', head, re.S)
    assert len(ld) == 1
    data = json.loads(ld[0])
    assert data["name"] == f"Russia {text}"
    assert data["@type"] == "Country"
    assert data["description"] == f"Said {text}."
    og = re.search(r'<meta property="og:description" content="([^"]*)">', head)
    assert og is not None and html.unescape(og.group(1)) == data["description"]
