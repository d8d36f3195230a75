"""Notes put in place: reading order after rendering, plugin order in mkdocs.yml."""

from __future__ import annotations

from pathlib import Path

from refsite.footnotes import in_reading_order

from conftest import article, copy_root, run_cli


def _call(name: str, n: int) -> str:
    return f'<sup id="fnref:{name}"><a class="footnote-ref" href="#fn:{name}">{n}</a></sup>'


def _item(name: str, n: int, text: str) -> str:
    return (
        f'<li id="fn:{name}">\n<p>{text}&#160;<a class="footnote-backref" href="#fnref:{name}" '
        f'title="Jump back to footnote {n} in the text">&#8617;</a></p>\n</li>\n'
    )


def test_notes_are_renumbered_in_the_order_their_calls_stand() -> None:
    # Python-Markdown numbered the table's note after the paragraph below it
    page = (
        f"<p>Prose{_call('cite-1', 1)}</p><table><tr><td>cell{_call('cite-2', 3)}</td></tr></table>"
        f"<p>After{_call('cite-3', 2)} and again{_call('cite-1', 1)}</p>"
        '<div class="footnote">\n<hr />\n<ol>\n'
        + _item("cite-1", 1, "A")
        + _item("cite-3", 2, "C")
        + _item("cite-2", 3, "B")
        + "</ol>\n</div>"
    )
    out = in_reading_order(page)
    assert _call("cite-2", 2) in out and _call("cite-3", 3) in out and out.count(_call("cite-1", 1)) == 2
    notes = out[out.index("<ol>") :]
    assert notes.index('id="fn:cite-2"') < notes.index('id="fn:cite-3"')
    assert 'href="#fnref:cite-2" title="Jump back to footnote 2 in the text"' in notes
    assert in_reading_order(out) == out  # already in order: unchanged


def test_a_page_without_notes_is_left_alone() -> None:
    assert in_reading_order("<p>No notes.</p>") == "<p>No notes.</p>"


def test_plugin_order_does_not_matter(tmp_path: Path) -> None:
    root = copy_root("claims", tmp_path)
    config = root / "mkdocs.yml"
    text = config.read_text(encoding="utf-8")
    macros = "  - macros:\n      module_name: macros\n      on_error_fail: true\n      on_undefined: strict\n"
    assert macros in text
    config.write_text(text.replace(macros, "").replace("  - refsite\n", "  - refsite\n" + macros), encoding="utf-8")
    assert config.read_text(encoding="utf-8").index("- refsite") < config.read_text(encoding="utf-8").index("- macros")
    proc = run_cli("build", cwd=root)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    home = article((root / "site/index.html").read_text(encoding="utf-8"))
    assert "[^cite" not in home and "zRSCITE" not in home
    assert '<li id="fn:cite-1">' in home and "Céline Pajon" in home
