"""Formatted citations cached on disk by content: a clean rebuild runs no pandoc and gives the same
pages; every input of the notes invalidates them; a cache file that is not sound, or that came with
the project's files, is never used."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from refsite import bibcsl, citecache
from refsite import cite as cite_mod
from refsite.build import build_into
from refsite.context import BuildContext, using

from conftest import copy_root

CACHE = Path(".refsite") / "citations"


def fresh_build(root: Path, out: Path) -> tuple[int, int]:
    """Build ``root`` into ``out`` as a new process would (nothing kept in memory); return how many
    pandoc runs formatted notes and read the bibliography."""
    ctx = BuildContext()
    with using(ctx):
        assert build_into(root, out) == 0
    return ctx.tallied(cite_mod.FORMAT_RUNS), ctx.tallied(bibcsl.PANDOC_RUNS)


def pages(site: Path) -> dict[str, str]:
    """Every HTML page of a built site, by path."""
    return {p.relative_to(site).as_posix(): p.read_text(encoding="utf-8") for p in sorted(site.rglob("*.html"))}


@pytest.fixture(scope="module")
def primed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """The 'basic' project built once from nothing (its cache filled), and its pages."""
    base = tmp_path_factory.mktemp("primed")
    root = copy_root("basic", base)
    assert fresh_build(root, base / "out") == (1, 1)
    return root, pages(base / "out")


def primed_copy(primed: tuple[Path, dict[str, str]], dest: Path) -> Path:
    """A copy of the primed project, its cache folder included."""
    shutil.copytree(primed[0], dest / "basic", ignore=shutil.ignore_patterns("site"))
    return dest / "basic"


def test_a_clean_rebuild_runs_no_pandoc_and_gives_the_same_pages(
    primed: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    root = primed_copy(primed, tmp_path)
    assert fresh_build(root, tmp_path / "again") == (0, 0)
    again = pages(tmp_path / "again")
    assert again == primed[1]
    assert "Pajon" in again["index.html"]  # the notes are there, not only equal


def _bib_field(root: Path) -> str:
    bib = root / "bib" / "refs.bib"
    bib.write_text(bib.read_text(encoding="utf-8").replace("Toward a Strategic", "Towards a Strategic"))
    return "Towards a Strategic"


def _locator(root: Path) -> str:
    home = root / "docs" / "index.md"
    text = home.read_text(encoding="utf-8")
    assert '"p. 15"' in text or "p. 15" in text
    home.write_text(text.replace("p. 15", "p. 16"), encoding="utf-8")
    return "16"


def _style(root: Path) -> str:
    config = root / "mkdocs.yml"
    config.write_text(config.read_text(encoding="utf-8").replace("  - refsite\n", "  - refsite:\n      style: apa\n"))
    return "(Pajon, 2013, p. 1"


def _locale(root: Path) -> str:
    config = root / "mkdocs.yml"
    config.write_text(config.read_text(encoding="utf-8").replace("  - refsite\n", "  - refsite:\n      lang: de-DE\n"))
    return "„Japan-Russia"  # German quotation marks


@pytest.mark.parametrize("change", [_bib_field, _locator, _style, _locale], ids=["bib", "locator", "style", "locale"])
def test_every_input_of_the_notes_changes_them(
    primed: tuple[Path, dict[str, str]], tmp_path: Path, change: object
) -> None:
    assert callable(change)
    cached = primed_copy(primed, tmp_path / "cached")
    expected = change(cached)
    runs = fresh_build(cached, tmp_path / "out")
    assert runs[0] == 1, runs  # the notes were formatted again
    built = pages(tmp_path / "out")
    assert built != primed[1]
    assert expected in "".join(built.values())
    # exactly what a build from nothing makes of the changed project
    clean = tmp_path / "clean" / "basic"
    shutil.copytree(cached, clean, ignore=shutil.ignore_patterns(".refsite"))
    fresh_build(clean, tmp_path / "clean-out")
    assert pages(tmp_path / "clean-out") == built


def _garbage(path: Path) -> None:
    path.write_bytes(b"\x00\xff not json")


def _other_key(path: Path) -> None:
    value = json.loads(path.read_text(encoding="utf-8"))
    value["key"] = "0" * 40
    path.write_text(json.dumps(value), encoding="utf-8")


def _wrong_shape(path: Path) -> None:
    value = json.loads(path.read_text(encoding="utf-8"))
    for name in ("notes", "items"):
        if name in value:
            value[name] = [{"id": 1}] if name == "items" else [["a", "b"]]
    path.write_text(json.dumps(value), encoding="utf-8")


def _symlink(path: Path) -> None:
    outside = path.parent.parent.parent.parent / f"outside-{path.name}"
    shutil.move(path, outside)
    path.symlink_to(outside)


def _deep(path: Path) -> None:
    path.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")


@pytest.mark.parametrize(
    "spoil", [_garbage, _other_key, _wrong_shape, _symlink, _deep], ids=["garbage", "key", "shape", "symlink", "deep"]
)
def test_an_unsound_cache_file_is_passed_over_and_replaced(
    primed: tuple[Path, dict[str, str]], tmp_path: Path, spoil: object
) -> None:
    assert callable(spoil)
    root = primed_copy(primed, tmp_path)
    files = sorted((root / CACHE).glob("*.json"))
    assert len(files) == 2  # the works as CSL-JSON, the formatted notes
    for path in files:
        spoil(path)
    assert fresh_build(root, tmp_path / "out") == (1, 1)
    assert pages(tmp_path / "out") == primed[1]
    assert fresh_build(root, tmp_path / "again") == (0, 0)  # the sound files written in their place


def test_a_cache_file_over_the_size_limit_is_not_read(
    primed: tuple[Path, dict[str, str]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = primed_copy(primed, tmp_path)
    largest = max(p.stat().st_size for p in (root / CACHE).glob("*.json"))
    monkeypatch.setattr(citecache, "FILE_LIMIT", largest - 1)
    assert fresh_build(root, tmp_path / "out")[0] == 1
    assert pages(tmp_path / "out") == primed[1]


def _forge(root: Path) -> None:
    """Make the cached note of Pajon's report say something else (a cache an author could ship)."""
    for path in (root / CACHE).glob("*.json"):
        value = json.loads(path.read_text(encoding="utf-8"))
        if "notes" in value:
            for row in value["notes"]:
                row[3] = row[3].replace("Pajon", "FORGED")
            path.write_text(json.dumps(value), encoding="utf-8")


def _git(root: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)


@pytest.mark.parametrize("how", ["untracked", "committed", "review"])
def test_a_cache_that_came_with_the_project_files_is_not_used(
    primed: tuple[Path, dict[str, str]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    root = primed_copy(primed, tmp_path)
    _forge(root)
    _git(root, "init", "-q")
    if how == "committed":
        _git(root, "add", "-f", ".refsite")
        _git(root, "-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-qm", "cache")
    if how == "review":  # the review's builds read no git: their files are a snapshot of a change
        monkeypatch.setenv("REFSITE_NO_GIT", "1")
    runs = fresh_build(root, tmp_path / "out")
    home = pages(tmp_path / "out")["index.html"]
    if how == "untracked":  # the project's own cache: used as it is found (so the forgery shows)
        assert runs[0] == 0
        assert "FORGED" in home
    else:
        assert runs[0] == 1
        assert "FORGED" not in home and "Pajon" in home


def test_a_new_version_of_the_site_formats_nothing_again(tmp_path: Path) -> None:
    """The version changes at every commit; "cite this page" takes it after formatting, from the cache."""
    root = copy_root("basic", tmp_path)
    config = root / "mkdocs.yml"
    plain = config.read_text(encoding="utf-8")
    config.write_text(plain.replace("  - refsite\n", "  - refsite:\n      version: v1-first\n"), encoding="utf-8")
    assert fresh_build(root, tmp_path / "one")[0] == 1
    config.write_text(plain.replace("  - refsite\n", "  - refsite:\n      version: v2-second\n"), encoding="utf-8")
    assert fresh_build(root, tmp_path / "two") == (0, 0)
    page = (tmp_path / "two" / "actors" / "abe-shinzo" / "index.html").read_text(encoding="utf-8")
    assert "version = {v2-second}" in page and "v1-first" not in page and "zrsversionz" not in page.lower()
