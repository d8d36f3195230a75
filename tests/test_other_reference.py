"""Nothing of one reference is in the engine: a second, fictional reference on another dispute
(tests/roots/other: its own places, actors, works and map extent) builds the website, the export,
the print edition and a review, and none of them says a word of the first one."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import copy_root, require, run_cli

FIRST_REFERENCE = re.compile(r"Japan|Russia|Kuril|Etorofu|Iturup|Northern Territories|Hokkaido|Moscow|Tokyo")


def _words_of_the_first(text: str) -> list[str]:
    return sorted(set(FIRST_REFERENCE.findall(text)))


@pytest.fixture(scope="module")
def other(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_root("other", tmp_path_factory.mktemp("other"))


def test_the_website_is_its_own(other: Path) -> None:
    proc = run_cli("build", cwd=other)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    site = other / "site"
    pages = {p: p.read_text(encoding="utf-8") for p in site.rglob("*.html")}
    assert len(pages) > 15
    found = {str(p.relative_to(site)): _words_of_the_first(t) for p, t in pages.items() if _words_of_the_first(t)}
    assert found == {}
    dispute = (site / "dispute" / "index.html").read_text(encoding="utf-8")
    assert "Greyholm" in dispute and "Sivsk" in dispute and "<svg" in dispute
    # the map's extent is the sample's own (data/geo/tern.json), so its shapes fall inside the picture
    assert "to Aldermark" in dispute or "Aldermark" in dispute


def test_the_export_is_its_own(other: Path, tmp_path: Path) -> None:
    out = tmp_path / "export"
    proc = run_cli("export", str(out), cwd=other)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    built = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", "built"], cwd=out, capture_output=True, text=True
    )
    assert built.returncode == 0, built.stdout + built.stderr
    texts = "".join(p.read_text(encoding="utf-8") for p in (out / "built").rglob("*.html"))
    assert "Tern Islands Reference" in texts
    assert _words_of_the_first(texts) == []


def test_the_print_edition_is_its_own(other: Path, tmp_path: Path) -> None:
    pdftotext = require("pdftotext")
    pdf = tmp_path / "other.pdf"
    proc = run_cli("pdf", "--root", str(other), "--out", str(pdf), cwd=other)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    text = subprocess.run([pdftotext, "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "Tern Islands Reference" in text and "Greyholm" in text
    assert _words_of_the_first(text) == []


def test_a_review_is_its_own(tmp_path: Path) -> None:
    git = require("git")
    env = {
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.org",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.org",
        "GIT_AUTHOR_DATE": "2024-01-01T00:00:00Z",
        "GIT_COMMITTER_DATE": "2024-01-01T00:00:00Z",
        "REFSITE_REVIEW_CACHE": str(tmp_path / "cache"),
    }
    root = copy_root("other", tmp_path)

    def run(*args: str) -> None:
        subprocess.run([git, *args], cwd=root, check=True, capture_output=True, env={**os.environ, **env})

    run("init", "-q", "-b", "main")
    run("add", "-A")
    run("commit", "-q", "-m", "base")
    run("checkout", "-q", "-b", "change")
    position = root / "data" / "positions" / "vessland-1999-shared-waters.yaml"
    position.write_text(position.read_text(encoding="utf-8").replace("stance: opposes", "stance: open"), "utf-8")
    run("commit", "-q", "-am", "change")
    out = tmp_path / "review.md"
    proc = subprocess.run(
        [sys.executable, "-m", "refsite", "review", "--out", str(out), "--", "main", "change"],
        cwd=root,
        capture_output=True,
        text=True,
        env={**os.environ, **env},
    )
    assert proc.returncode in (0, 1), proc.stdout + proc.stderr
    review = out.read_text(encoding="utf-8")
    assert "Vessland declines shared waters" in review and "opposes" in review and "open" in review
    assert _words_of_the_first(review) == []
