"""End to end: build sample projects and assert on the HTML."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import refsite.cite as cite_mod
from refsite import footnotes
from refsite.build import build_into
from refsite.context import current
from refsite.tools.synth import write_project

from conftest import article, copy_root, run_cli


def page(site: Path, url: str) -> str:
    return article((site / url / "index.html").read_text(encoding="utf-8"))


def test_links_both_ways(basic_site: Path) -> None:
    actor = page(basic_site, "actors/abe-shinzo")
    assert '<a href="../../positions/abe-2013-talks/">Abe reopens peace-treaty talks</a>' in actor
    assert '<a href="../japan/">Japan</a>' in actor
    assert '<a href="../../events/shimoda-1855/">' not in actor  # Abe took no part in 1855
    position = page(basic_site, "positions/abe-2013-talks")
    assert 'held by <a href="../../actors/abe-shinzo/">Shinzo Abe</a>' in position
    assert 'on <a href="../../topics/territorial-dispute/">Territorial dispute</a>' in position
    assert 'open to <a href="../../proposals/two-islands/">Return of two islands</a>' in position
    assert '<a href="../abe-2014-talks/">Abe keeps the talks going</a>' in position  # replaced by
    topic = page(basic_site, "topics/territorial-dispute")
    assert re.search(r'<h3[^>]*><a href="../../actors/abe-shinzo/">Shinzo Abe</a>', topic)
    proposal = page(basic_site, "proposals/two-islands")
    assert '<td><a href="../../actors/abe-shinzo/">Shinzo Abe</a></td>\n<td>open</td>' in proposal
    assert "<td>stays with Russia</td>" in proposal
    place = page(basic_site, "places/etorofu-iturup")
    assert '<a href="../../events/shimoda-1855/">Treaty of Shimoda</a>' in place
    assert "<td>16,400" in place
    japan = page(basic_site, "actors/japan")
    assert '<a href="../../events/shimoda-1855/">Treaty of Shimoda</a>' in japan
    assert '<a href="../../places/etorofu-iturup/">Etorofu / Iturup</a>' in japan


def test_index_pages_list_every_record(basic_site: Path) -> None:
    actors = page(basic_site, "actors")
    for rid in ("abe-shinzo", "japan", "russia", "odd-name"):
        assert f'href="{rid}/"' in actors
    assert "4 actors in the reference." in actors
    row = re.search(r'<td><a href="abe-shinzo/">Shinzo Abe</a></td>(.*?)</tr>', actors, re.S)
    assert row is not None
    assert re.findall(r"<td[^>]*>(.*?)</td>", row.group(1)) == [
        "person",
        '<a href="japan/">Japan</a>',
        "2013–2014",
        "2",
        "0",
    ]


def test_edit_links_point_at_the_yaml_file(basic_site: Path) -> None:
    html = (basic_site / "actors/abe-shinzo/index.html").read_text(encoding="utf-8")
    url = "https://github.com/example/sample/edit/main/data/actors/abe-shinzo.yaml"
    assert f'href="{url}" title="Edit this page"' in html
    assert "data/actors/abe-shinzo.yaml</code>" not in html  # the file is no text of the page
    home = (basic_site / "index.html").read_text(encoding="utf-8")
    assert 'href="https://github.com/example/sample/edit/main/docs/index.md"' in home


def test_text_from_data_is_escaped_and_braces_literal(basic_site: Path) -> None:
    odd = page(basic_site, "actors/odd-name")
    assert ">R&amp;D_Unit *x* [y] {{ z }} {onclick=alert(1)} &amp;lt;<" in odd
    assert '{% raw %} and {{ config }} stay literal; 3 &lt; 4; <em>styled</em>{: onmouseover="x" } too.' in odd
    shown = odd.replace("{onclick=alert(1)}", "").replace("\\{onclick=alert(1)\\}", "")  # as text, and in BibTeX
    assert "onclick=" not in shown and "<em onmouseover" not in odd
    html = (basic_site / "actors/odd-name/index.html").read_text(encoding="utf-8")
    assert "<title>R&amp;D_Unit *x* [y] {{ z }} {onclick=alert(1)} &amp;lt; - Sample Reference</title>" in html
    abe = page(basic_site, "actors/abe-shinzo")
    assert "literal {{ braces }} and 3 &lt; 4 <em>as written</em>." in abe


def test_footnotes_full_then_short(basic_site: Path) -> None:
    home = page(basic_site, "")
    found = footnotes.notes_of(home)
    notes = [(n.id, n.number, n.html) for n in found]
    # a short note carries the full reference of its work for its preview, hidden on the page
    assert found[0].full == ""  # the first note is the full one
    assert found[1].full.startswith('<span class="refsite-note-work">Pajon, Céline. “Japan-Russia:')
    assert 'class="refsite-note-full web-only" hidden' in home
    assert notes[0] == (
        "cite-1",
        1,
        "<p>Céline Pajon, “Japan-Russia: Toward a Strategic Partnership?” "
        "Russie.Nei.Visions 72 (Paris: Ifri, September 2013), 15.</p>",
    )
    assert notes[1] == ("cite-2", 2, "<p>Pajon, 17.</p>")
    assert notes[2][2].startswith("<p>H. Kimura, <em>The Kurilian Knot")
    # an editor's own footnote keeps its text beside the citations
    assert re.search(r'<li id="fn:1">\s*<p>An editor\'s own remark\.(?:&#160;|&nbsp;)', home)
    position = page(basic_site, "positions/abe-2014-talks")
    assert "Pajon, “Japan-Russia: Toward a Strategic Partnership?” 17; Pajon, 17, n. 50." not in position
    # one work cited twice in one note: one reference with both locators, a note on a page in Chicago's form
    assert re.search(r"Céline Pajon, .*?2013\), 17, 17n50\.(?:&#160;|&nbsp;)", position)


def test_bibliography_lists_citing_pages(basic_site: Path) -> None:
    bib = page(basic_site, "bibliography")
    assert ">R&amp;D_Unit *x* [y] {{ z }} {onclick=alert(1)} &amp;lt;</a>" in bib  # escaped once, not twice
    entry = re.search(r'<div class="refsite-entry" id="kimura2008kurilian">(.*?)</div></div>', bib, re.S)
    assert entry is not None
    assert entry.group(1).startswith("<p>Kimura, H. <em>The Kurilian Knot")
    assert '<a href="../topics/territorial-dispute/">Territorial dispute</a>' in entry.group(1)
    assert '<a href="../actors/odd-name/">' in entry.group(1)
    assert "<p>Cited on 3 pages: Guide (1), Actors (1), Topics (1)</p>" in entry.group(1)
    assert "<li><strong>Actors:</strong> <a href" in entry.group(1)
    assert bib.index('id="kimura2008kurilian"') < bib.index('id="pajon2013"')  # the style's order


def test_cite_this_page_and_downloads(basic_site: Path) -> None:
    abe = page(basic_site, "actors/abe-shinzo")
    cite = 'id="refsite-cite-text">Sample Reference. “Shinzo Abe.” Accessed <span class="refsite-accessed refsite-date-'
    assert cite in abe
    assert "url = {" not in abe  # the sample's address is a placeholder (see tests/test_address.py)
    assert abe.count('class="refsite-copyable"') == 2 and "<button" not in abe  # the script adds the buttons
    home = page(basic_site, "")
    assert 'id="refsite-cite-text">“Sample Reference.” Accessed' in home  # the site, by its title
    assert (basic_site / "assets/refsite.js").is_file()
    data = json.loads((basic_site / "downloads/dataset.json").read_text(encoding="utf-8"))
    assert {r["id"] for r in data["records"]} >= {"abe-shinzo", "two-islands", "shimoda-1855"}
    csl = json.loads((basic_site / "downloads/references.json").read_text(encoding="utf-8"))
    assert {i["id"] for i in csl} == {"pajon2013", "kimura2008kurilian"}
    bib = (basic_site / "downloads/references.bib").read_text(encoding="utf-8")
    assert bib.startswith("@report{pajon2013,") and "annote" not in bib


def test_nav_does_not_list_records(basic_site: Path) -> None:
    html = (basic_site / "events/shimoda-1855/index.html").read_text(encoding="utf-8")
    nav = html[html.index('<nav class="md-nav md-nav--primary"') : html.index("</nav>", html.index("md-nav--primary"))]
    assert "abe-2013-talks" not in nav and "actors/index" not in nav
    assert "Positions" in nav


def test_search_index_and_404(basic_site: Path) -> None:
    index = json.loads((basic_site / "search/search_index.json").read_text(encoding="utf-8"))
    assert any(
        doc["location"].startswith("actors/abe-shinzo/") and doc["title"] == "Shinzo Abe" for doc in index["docs"]
    )
    assert "zRSCITE" not in json.dumps(index)  # notes are formatted before the search index reads them
    assert (basic_site / "404.html").exists()


def test_failed_build_keeps_previous_site(tmp_path: Path) -> None:
    root = copy_root("basic", tmp_path)
    assert run_cli("build", cwd=root).returncode == 0
    before = (root / "site/index.html").read_bytes()
    (root / "data/actors/japan.yaml").write_text("id: japan\nname: Japan\nkind: stat\n", encoding="utf-8")
    (root / "docs/index.md").write_text('# Home\n\n{{ positions(actor="nobody") }}\n', encoding="utf-8")
    proc = run_cli("build", cwd=root)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    assert (
        "data/actors/japan.yaml:3:7: error: 'stat' is not a valid kind (did you mean 'state'?); choose one of: "
        "state, government-body, person, organization, company, public" in lines
    )
    assert "data/actors/japan.yaml:1:1: error: missing required field 'summary'" in lines
    assert (root / "site/index.html").read_bytes() == before
    assert not list(root.glob(".site-*"))
    assert [p.name for p in (root / ".refsite").iterdir()] == ["citations"]  # no workspace left, the notes kept


def test_macro_errors_are_collected_with_their_line(tmp_path: Path) -> None:
    root = copy_root("basic", tmp_path)
    (root / "docs/index.md").write_text(
        '# Home\n\nFirst {{ positions(actor="nobody") }}\n\nThen {{ timeline(since="soon") }}\n'
        '\nAnd {{ stances("abe-shinzo") }}\n',
        encoding="utf-8",
    )
    proc = run_cli("build", cwd=root)
    assert proc.returncode == 1
    assert proc.stdout.splitlines() == [
        "docs/index.md:3:27: error: unknown actor 'nobody'",
        "docs/index.md:5:25: error: 'soon' is not an ISO date (YYYY, YYYY-MM or YYYY-MM-DD)",
        "docs/index.md:7:17: error: unknown proposal 'abe-shinzo'",
    ]


def test_one_formatting_call_per_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = copy_root("basic", tmp_path)
    from refsite import bibcsl, citations

    citations._FORMATTERS().clear()
    bibcsl._CACHE().clear()
    batches = []
    make_batch = citations.Session.batch
    monkeypatch.setattr(citations.Session, "batch", lambda self: batches.append(1) or make_batch(self))
    before, read = current().tallied(cite_mod.FORMAT_RUNS), current().tallied(bibcsl.PANDOC_RUNS)
    assert build_into(root, tmp_path / "out") == 0
    assert (before + 1, read + 1) == (current().tallied(cite_mod.FORMAT_RUNS), current().tallied(bibcsl.PANDOC_RUNS))
    assert len(batches) == 2  # submitted early, assembled at the end
    # a rebuild with nothing changed formats and reads nothing (serve keeps the caches), and gathers the batch
    # as often
    assert build_into(root, tmp_path / "out2") == 0
    assert (before + 1, read + 1) == (current().tallied(cite_mod.FORMAT_RUNS), current().tallied(bibcsl.PANDOC_RUNS))
    assert len(batches) == 4


def test_style_switch_rebuilds_every_note(tmp_path: Path) -> None:
    root = copy_root("basic", tmp_path)
    config = (
        (root / "mkdocs.yml").read_text(encoding="utf-8").replace("  - refsite\n", "  - refsite:\n      style: apa\n")
    )
    (root / "mkdocs.yml").write_text(config, encoding="utf-8")
    assert run_cli("build", cwd=root).returncode == 0
    home = page(root / "site", "")
    assert "(Pajon, 2013, p. 15)" in home
    bib = page(root / "site", "bibliography")
    assert "Pajon, C. (2013). “Japan-Russia: Toward a Strategic Partnership?”" in bib or "Pajon, C. (2013)." in bib


def test_synthetic_project_builds_with_plain_mkdocs(tmp_path: Path) -> None:
    write_project(tmp_path / "p", 60)
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-q"],
        cwd=tmp_path / "p",
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    site = tmp_path / "p" / "site"
    assert len(list((site / "events").iterdir())) > 10
    shutil.rmtree(site)


def test_broken_or_missing_style_is_a_located_error(tmp_path: Path) -> None:
    root = copy_root("basic", tmp_path)
    config = (root / "mkdocs.yml").read_text(encoding="utf-8")
    line = config.splitlines().index("  - refsite") + 2
    (root / "mkdocs.yml").write_text(config.replace("  - refsite\n", "  - refsite:\n      style: broken.csl\n"))
    (root / "broken.csl").write_text("<style>not a style", encoding="utf-8")
    proc = run_cli("build", cwd=root)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stdout + proc.stderr
    assert proc.stdout.startswith(f"mkdocs.yml:{line}:7: error: the citation style could not be used: ")
    (root / "broken.csl").unlink()
    proc = run_cli("build", cwd=root)
    assert proc.stdout.splitlines() == [f"mkdocs.yml:{line}:7: error: citation style file not found: broken.csl"]


def test_build_never_replaces_a_folder_it_did_not_make(tmp_path: Path) -> None:
    root = copy_root("basic", tmp_path)
    before = sorted(p.relative_to(root).as_posix() for p in root.rglob("*"))
    for args in (
        ["build", "--site-dir", "."],
        ["build", "--site-dir", "docs"],
        ["pdf", "--out", "reference.pdf"],
        ["pdf", "--out", str(tmp_path / "reference.pdf")],
    ):
        proc = run_cli(*args, cwd=root)
        assert proc.returncode == 2, (args, proc.stdout, proc.stderr)
        assert proc.stderr.startswith("build refused: ")
    assert sorted(p.relative_to(root).as_posix() for p in root.rglob("*")) == before
    # a folder an earlier build made is replaced as usual
    assert run_cli("build", "--site-dir", "out", cwd=root).returncode == 0
    assert run_cli("build", "--site-dir", "out", cwd=root).returncode == 0
    assert (root / "out" / ".refsite-site").exists()


def test_custom_docs_dir_is_checked_and_printed(tmp_path: Path) -> None:
    root = copy_root("basic", tmp_path)
    (root / "docs").rename(root / "pages")
    config = root / "mkdocs.yml"
    config.write_text("docs_dir: pages\n" + config.read_text(encoding="utf-8"), encoding="utf-8")
    proc = run_cli("build", cwd=root)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (root / "pages" / "index.md").write_text('# Home\n\n{{ cite("nokey") }}\n', encoding="utf-8")
    proc = run_cli("check", cwd=root)
    assert proc.stdout.splitlines() == ["pages/index.md:3:10: error: unknown citation key 'nokey'"]


def test_macro_examples_in_raw_blocks_and_dynamic_arguments(tmp_path: Path) -> None:
    root = copy_root("basic", tmp_path)
    (root / "docs/index.md").write_text(
        '# Home\n\nWrite {% raw %}`{{ cite("key", "p. 15") }}`{% endraw %} to cite.\n\n'
        '{% set who = "nobody" %}\nTheirs: {{ positions(actor=who) }}\n',
        encoding="utf-8",
    )
    check = run_cli("check", cwd=root)
    assert check.returncode == 0, check.stdout  # the raw example is text; the variable is for the build to check
    proc = run_cli("build", cwd=root)
    assert proc.returncode == 1
    assert proc.stdout.splitlines() == ["docs/index.md:6:12: error: unknown actor 'nobody'"]
    assert "Traceback" not in proc.stdout + proc.stderr


def test_pages_without_macros_are_not_checked_and_site_is_readable(tmp_path: Path) -> None:
    root = copy_root("basic", tmp_path)
    (root / "docs/howto.md").write_text(
        '---\nrender_macros: false\n---\n# How to cite\n\nWrite `{{ cite("key", "p. 15") }}`.\n',
        encoding="utf-8",
    )
    (root / "docs/island.md").write_text(
        "---\nisland: etorofu-iturup\n---\n# Island\n\n{{ names(island) }}, then {{ names(island) }}.\n",
        encoding="utf-8",
    )
    proc = run_cli("build", cwd=root)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "{{ cite(&quot;key&quot;, &quot;p. 15&quot;) }}" in page(
        root / "site", "howto"
    ) or '{{ cite("key", "p. 15") }}' in page(root / "site", "howto")
    island = page(root / "site", "island")
    link = '<a href="../places/etorofu-iturup/" title="Etorofu is Japan&#x27;s name, Iturup Russia&#x27;s">'
    link2 = link.replace("&#x27;", "'")
    assert island.count(link) + island.count(link2) == 2, island  # both mentions name it the same way
    assert island.count("(Etorofu is Japan's name, Iturup Russia's)") == 1  # explained at the first only
    assert oct((root / "site").stat().st_mode & 0o777) == oct(0o777 & ~_umask())


def _umask() -> int:
    import os

    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_build_time_errors_in_loops_and_branches_are_located(tmp_path: Path) -> None:
    root = copy_root("basic", tmp_path)
    config = root / "mkdocs.yml"
    config.write_text("extra:\n  k: nokey\n" + config.read_text(encoding="utf-8"), encoding="utf-8")
    (root / "docs/index.md").write_text(
        '# Home\n\n{% for who in ["japan", "nobody"] %}\n- {{ positions(actor=who) }}\n{% endfor %}\n'
        '{% if false %}{{ cite("pajon2013") }}{% endif %}\nThen {{ cite(k) }}\n',
        encoding="utf-8",
    )
    proc = run_cli("build", cwd=root)
    assert proc.stdout.splitlines() == [
        "docs/index.md:4:6: error: unknown actor 'nobody'",
        "docs/index.md:7:9: error: unknown citation key 'nokey'",
    ]


def test_stance_matrix_on_the_proposals_index(basic_site: Path) -> None:
    index = page(basic_site, "proposals")
    assert "Who stands where" in index
    grid = index.split("Who stands")[1]
    row = re.search(
        r'<tr data-kind="person"[^>]*><th scope="row"><a href="../actors/abe-shinzo/">(.*?)</tr>', grid, re.S
    )
    assert row is not None
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row.group(1), re.S)
    assert len(cells) == 1  # one proposal: one column
    assert "◐</span> open to</span>" in cells[0]
    assert '<a class="refsite-stance-date" href="../positions/abe-2013-talks/">April 2013</a>' in cells[0]


def test_dataset_has_version_licence_schema_and_kind_apart_from_subtype(basic_site: Path) -> None:
    data = json.loads((basic_site / "downloads/dataset.json").read_text(encoding="utf-8"))
    assert data["version"] and isinstance(data["licence"], str)
    assert data["$schema"] == "dataset.schema.json"
    abe = next(r for r in data["records"] if r["id"] == "abe-shinzo")
    assert (abe["kind"], abe["subtype"]) == ("actor", "person")
    topic = next(r for r in data["records"] if r["kind"] == "topic")
    assert topic["subtype"] is None
    schema = json.loads((basic_site / "downloads/dataset.schema.json").read_text(encoding="utf-8"))
    variants = schema["properties"]["records"]["items"]["oneOf"]
    by_kind = {v["properties"]["kind"]["const"]: v for v in variants}
    assert set(by_kind) == {"actor", "place", "topic", "position", "proposal", "event"}
    for rec in data["records"]:  # every record names only fields its kind's schema allows
        props = by_kind[rec["kind"]]["properties"]
        assert set(rec) <= set(props), set(rec) - set(props)
        assert set(by_kind[rec["kind"]]["required"]) <= set(rec)


def test_record_pages_are_boosted_and_described_at_a_word(basic_site: Path) -> None:
    index = json.loads((basic_site / "search/search_index.json").read_text(encoding="utf-8"))
    boost = {d["location"].split("#")[0]: d.get("boost", 1) for d in index["docs"]}
    assert boost["actors/abe-shinzo/"] > boost["positions/abe-2013-talks/"] == 1
    html = (basic_site / "actors/abe-shinzo/index.html").read_text(encoding="utf-8")
    description = re.search(r'<meta name="description" content="([^"]*)">', html)
    assert description is not None
    whole = (
        "Prime minister of Japan from December 2012 &amp; a party leader; literal {{ braces }} and 3 &lt; 4 as written."
    )
    assert description.group(1) == whole  # whole, as plain text
    # a result's line of context is the record's summary, not the breadcrumb, footer or "cite this page"
    texts = {d["location"]: d["text"] for d in index["docs"]}
    assert "Prime minister of Japan" in texts["actors/abe-shinzo/#shinzo-abe"]
    assert not any("Actors ›" in t or "Cite this page" in t or "Record <code>" in t for t in texts.values())


def test_home_page_describes_the_reference_as_a_dataset(basic_site: Path) -> None:
    html = (basic_site / "index.html").read_text(encoding="utf-8")
    ld = json.loads(re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)[0])
    assert ld["@type"] == "Dataset" and ld["name"] == "Sample Reference"
    assert "url" not in ld and "distribution" not in ld  # no published address: none named
    assert '<meta property="og:title" content="Sample Reference">' in html
    person = (basic_site / "actors/abe-shinzo/index.html").read_text(encoding="utf-8")
    ld = json.loads(re.findall(r'<script type="application/ld\+json">(.*?)</script>', person, re.S)[0])
    assert (ld["@type"], ld["name"], ld.get("url")) == ("Person", "Shinzo Abe", None)


def test_not_found_page_links_from_its_own_base(basic_site: Path) -> None:
    html = (basic_site / "404.html").read_text(encoding="utf-8")
    assert "/sample/assets/" not in html and 'href="/sample/' not in html
    assert "document.createElement('base')" in html[: html.index("</head>")]


def test_build_without_the_pdf_keeps_the_last_one(tmp_path: Path) -> None:
    root = copy_root("basic", tmp_path)
    assert run_cli("build", cwd=root).returncode == 0
    (root / "site/reference.pdf").write_bytes(b"%PDF-1.7 last edition")
    assert run_cli("build", cwd=root).returncode == 0
    assert (root / "site/reference.pdf").read_bytes() == b"%PDF-1.7 last edition"


def test_one_date_format_configured_once(tmp_path: Path) -> None:
    root = copy_root("basic", tmp_path)
    config = root / "mkdocs.yml"
    config.write_text(
        config.read_text(encoding="utf-8").replace("  - refsite\n", "  - refsite:\n      date_format: us\n")
    )
    assert run_cli("build", cwd=root).returncode == 0
    events = page(root / "site", "events")
    assert re.search(
        r"\b(January|February|March|April|May|June|July|August|September|October|November|December) "
        r"\d{1,2}, \d{4}\b",
        events,
    )
    assert not re.search(
        r"\b\d{1,2} (January|February|March|April|May|June|July|August|September|October|November|"
        r"December) \d{4}\b",
        events,
    )
    config.write_text(config.read_text(encoding="utf-8").replace("date_format: us", "date_format: roman"))
    proc = run_cli("build", cwd=root)
    assert proc.returncode == 1 and "Traceback" not in proc.stdout + proc.stderr
    assert "date_format" in proc.stdout + proc.stderr
