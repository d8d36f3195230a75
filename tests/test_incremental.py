"""The preview rebuilds only what an edit affects, and shows exactly what a clean build makes."""

from __future__ import annotations

import contextlib
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_serve import Preview, banner_lines

from refsite.dataset import load_project
from refsite.mkdocs_host.build import build_into
from refsite.mkdocs_host.incremental import Incremental
from refsite.workspace import CACHE, MARKER

from conftest import REPO, run_cli

_LIVERELOAD = re.compile(rb"<script>\s*var livereload = function.*?</script>", re.S)
PROJECT_PARTS = ("data", "bib", "docs", "overrides", "mkdocs.yml", "macros.py")


def copy_reference(dest: Path) -> Path:
    """A copy of the reference itself (data, bibliography, narrative, theme and configuration)."""
    root = dest / "reference"
    root.mkdir()
    for name in PROJECT_PARTS:
        src = REPO / name
        if src.is_dir():
            shutil.copytree(src, root / name)
        elif src.is_file():
            shutil.copy2(src, root / name)
    # the notes the reference's other builds of this run formatted, if any are done (the same by content)
    notes = REPO / CACHE / "citations"
    if notes.is_dir() and not notes.is_symlink():
        with contextlib.suppress(shutil.Error, OSError):  # a file replaced meanwhile: formatted again
            shutil.copytree(notes, root / CACHE / "citations", ignore=shutil.ignore_patterns(".write-*"))
    return root


def unreferenced(root: Path, kind: str, count: int) -> list[str]:
    """Ids of records of ``kind`` that no record, narrative page or redirect names: safe to rename or delete."""
    ds, _ = load_project(root)
    text = (root / "mkdocs.yml").read_text(encoding="utf-8") + "".join(
        p.read_text(encoding="utf-8") for p in (root / "docs").rglob("*.md")
    )
    found = [r.id for r in ds.of_kind(kind) if r.id not in ds.backlinks and r.id not in text]
    assert len(found) >= count, f"the reference has too few unreferenced {kind} records for this test"
    return found[:count]


def served_folder(root: Path) -> Path:
    [site] = list((root / CACHE).glob("serve-*/site"))
    return site


def files_under(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


@pytest.fixture
def reference(tmp_path: Path) -> Iterator[Path]:
    yield copy_reference(tmp_path)


@pytest.mark.slow
def test_after_a_series_of_edits_the_preview_serves_what_a_clean_build_makes(reference: Path, tmp_path: Path) -> None:
    root = reference
    deleted, renamed = unreferenced(root, "event", 2)
    preview = Preview(root, tmp_path / "tmp")
    try:
        # a data edit that shows on many pages: a person's name
        actor = root / "data/actors/abe-shinzo.yaml"
        text = actor.read_text(encoding="utf-8")
        edited = text.replace("name: Shinzo Abe\n", "name: Shinzo Abe Edited\n", 1)
        assert edited != text
        actor.write_text(edited, encoding="utf-8")
        preview.wait_for("actors/abe-shinzo/", lambda s, t: "Shinzo Abe Edited" in t, "the new name")
        preview.wait_for("actors/", lambda s, t: "Shinzo Abe Edited" in t, "the new name in the index")
        # one save, one rebuild: the build reading every file is no edit (nothing rebuilds by itself).
        # A second save, of another file, shows once every event before it was seen: a rebuild that
        # the first save's build started by itself would have run before it, or would run with it.
        home = root / "docs/index.md"
        sentence = "A sentence that ends a rebuild count."
        home.write_text(home.read_text(encoding="utf-8") + f"\n{sentence}\n", encoding="utf-8")
        preview.wait_for("", lambda s, t: sentence in t, "the second save")
        assert sum(line.startswith("rebuilt in") for line in preview.output) == 3, "".join(preview.output)

        # a broken file: the problem in the banner, the last good site served; then fixed
        actor.write_text("id: abe-shinzo\nname: [broken\n", encoding="utf-8")
        preview.wait_for("actors/abe-shinzo/", lambda s, t: banner_lines(t) is not None, "the banner")
        actor.write_text(edited, encoding="utf-8")
        preview.wait_for("actors/abe-shinzo/", lambda s, t: banner_lines(t) is None, "the banner cleared")

        # a bibliography edit: a work's title, in every note citing it and in the bibliography
        bib = root / "bib/references.bib"
        source = bib.read_text(encoding="utf-8")
        bib.write_text(source.replace("Tokyo}'s Balancing Act", "Tokyo}'s Careful Balancing Act", 1), encoding="utf-8")
        preview.wait_for("bibliography/", lambda s, t: "Careful Balancing Act" in t, "the new title")

        # a narrative edit
        about = root / "docs/about.md"
        about.write_text(about.read_text(encoding="utf-8") + "\nA sentence added in the preview.\n", encoding="utf-8")
        preview.wait_for("about/", lambda s, t: "A sentence added in the preview." in t, "the narrative edit")

        # a narrative page renamed, and the links to it: the navigation changes on every page
        (root / "docs/names.md").rename(root / "docs/place-names.md")
        for linking in [root / "mkdocs.yml", *(root / "docs").glob("*.md")]:
            content = linking.read_text(encoding="utf-8")
            if "names.md" in content:
                linking.write_text(re.sub(r"(?<![\w-])names\.md", "place-names.md", content), encoding="utf-8")
        preview.wait_for("place-names/", lambda s, t: s == 200, "the renamed page")
        preview.wait_for("names/", lambda s, t: s == 404, "the old address gone")

        # a record deleted, and another renamed (its file and its id)
        (root / f"data/events/{deleted}.yaml").unlink()
        preview.wait_for(f"events/{deleted}/", lambda s, t: s == 404, "the deleted record's page gone")
        old = root / f"data/events/{renamed}.yaml"
        body = old.read_text(encoding="utf-8").replace(f"id: {renamed}\n", f"id: {renamed}-renamed\n", 1)
        old.unlink()
        (root / f"data/events/{renamed}-renamed.yaml").write_text(body, encoding="utf-8")
        preview.wait_for(f"events/{renamed}-renamed/", lambda s, t: s == 200, "the renamed record's page")
        preview.wait_for(f"events/{renamed}/", lambda s, t: s == 404, "the old record page gone")

        clean = tmp_path / "clean"
        proc = run_cli("build", "--site-dir", str(clean), cwd=root)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        expected = files_under(clean) - {MARKER}
        served = served_folder(root)
        assert files_under(served) == expected  # nothing missing, nothing left over
        differ = []
        for name in sorted(expected):
            status, body = preview.get_bytes(name)
            assert status == 200, name
            if _LIVERELOAD.sub(b"", body) != (clean / name).read_bytes():
                differ.append(name)
        assert differ == []
    finally:
        assert preview.stop() == 0


def _build(root: Path, site: Path, builder: Incremental) -> int:
    return build_into(root, site, strict=False, runner=builder.build)


@pytest.mark.slow
def test_a_rebuild_redoes_only_the_pages_an_edit_affects(tmp_path: Path) -> None:
    root = copy_reference(tmp_path)
    site = tmp_path / "served"
    site.mkdir()
    builder = Incremental(root, site)
    assert _build(root, site, builder) == 0
    pages = builder.stats.pages
    assert builder.stats.converted == builder.stats.written == pages > 250  # the whole reference (300 pages)

    assert _build(root, site, builder) == 0  # nothing changed: nothing converted, rendered or written
    assert (builder.stats.converted, builder.stats.rendered, builder.stats.written) == (0, 0, 0)

    # one role's note, shown on that person's page alone
    actor = root / "data/actors/abe-shinzo.yaml"
    text = actor.read_text(encoding="utf-8")
    actor.write_text(text.replace("still in office as of", "still in office (noted) as of", 1), encoding="utf-8")
    assert _build(root, site, builder) == 0
    assert (builder.stats.converted, builder.stats.written) == (1, 1)
    assert "still in office (noted) as of" in (site / "actors/abe-shinzo/index.html").read_text(encoding="utf-8")

    # a person's name: their page, the pages linking to them and the index, no other
    actor.write_text(text.replace("name: Shinzo Abe\n", "name: Shinzo Abe Edited\n", 1), encoding="utf-8")
    assert _build(root, site, builder) == 0
    linking = {p.relative_to(site).as_posix() for p in site.rglob("*.html") if "Shinzo Abe Edited" in p.read_text()}
    assert "actors/index.html" in linking and "actors/abe-shinzo/index.html" in linking
    assert builder.stats.written == len(linking) < pages // 4

    # a change to mkdocs.yml makes the next rebuild a whole one
    config = root / "mkdocs.yml"
    config.write_text(config.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert _build(root, site, builder) == 0
    assert builder.stats.converted == pages
