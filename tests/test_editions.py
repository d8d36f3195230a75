"""Editions and history: a git repository with two release tags, built with its editions."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
import yaml

from refsite.dataset import load_project
from refsite.editions import build_info
from refsite.history import read_history

from conftest import REPO, copy_root, require, run_cli, serve_folder

STANCE_FILE = "data/positions/abe-2013-talks.yaml"


def git(root: Path, *args: str, date: str = "2026-01-15T12:00:00+00:00") -> str:
    env = {
        "GIT_AUTHOR_NAME": "Editor",
        "GIT_AUTHOR_EMAIL": "editor@example.org",
        "GIT_COMMITTER_NAME": "Editor",
        "GIT_COMMITTER_EMAIL": "editor@example.org",
        "GIT_AUTHOR_DATE": date,
        "GIT_COMMITTER_DATE": date,
        "PATH": "/usr/bin:/bin",
    }
    proc = subprocess.run(["git", *args], cwd=root, env=env, capture_output=True, text=True, check=True)
    return proc.stdout


def _edit(root: Path, path: str, old: str, new: str) -> None:
    file = root / path
    text = file.read_text(encoding="utf-8")
    assert old in text
    file.write_text(text.replace(old, new), encoding="utf-8")


@pytest.fixture(scope="module")
def tagged(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The basic project in a repository: edition 2026.01, a stance change and a new source in
    edition 2026.02, then a commit since the last edition."""
    root = copy_root("basic", tmp_path_factory.mktemp("editions"))
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "First text")
    git(root, "tag", "2026.01")  # a lightweight tag: dated by its commit
    _edit(root, STANCE_FILE, "stance: open", "stance: opposes")
    _edit(root, STANCE_FILE, '  - {key: pajon2013, locator: "p. 5"}', '  - {key: pajon2013, locator: "p. 5"}\n'
          '  - {key: kimura2008kurilian, locator: "p. 4"}')
    git(root, "commit", "-q", "-am", "Abe's stance, with its source", date="2026-02-10T12:00:00+00:00")
    git(root, "tag", "-a", "2026.02", "-m", "Edition 2026.02", date="2026-02-20T12:00:00+00:00")
    _edit(root, "data/positions/abe-2014-talks.yaml", "Abe kept pursuing talks.", "Abe kept the talks going.")
    git(root, "commit", "-q", "-am", "Reworded", date="2026-03-01T12:00:00+00:00")
    return root


@pytest.fixture(scope="module")
def built(tagged: Path) -> Path:
    proc = run_cli("build", "--editions", cwd=tagged)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return tagged / "site"


def _text(html_text: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", "", html_text).split())


def test_build_info_names_editions_and_live_version(tagged: Path) -> None:
    info = build_info(tagged)
    assert [e.tag for e in info.editions] == ["2026.01", "2026.02"]
    assert [e.date for e in info.editions] == ["2026-01-15", "2026-02-20"]
    assert not info.tag and info.version == f"2026-03-01+{info.commit[:7]}"


def test_history_by_meaning_in_one_pass(tagged: Path) -> None:
    ds, _ = load_project(tagged)
    hist = read_history(tagged, build_info(tagged), ds)
    assert hist.available
    [change] = [c for p, c in hist.by_record["abe-2013-talks"] if p.tag == "2026.02"]
    assert change.text == "stance changed from open to opposes; source added: Kimura, p. 4"
    assert [c.text for _, c in hist.by_record["abe-2013-talks"]][-1] == "first published"
    [(live, reworded)] = [(p, c) for p, c in hist.by_record["abe-2014-talks"] if not p.tag]
    assert live.date == "2026-03-01" and reworded.text == "summary changed from Abe kept pursuing talks. to Abe " \
        "kept the talks going."


def test_edition_page_has_label_permanent_cite_and_history(built: Path) -> None:
    page = (built / "editions/2026.02/positions/abe-2013-talks/index.html").read_text(encoding="utf-8")
    text = _text(page)
    assert "Edition 2026.02 of 20 February 2026" in text
    permanent = "https://example.org/sample/editions/2026.02/positions/abe-2013-talks/"
    assert f"This edition, 2026.02 of 20 February 2026, at its permanent address {permanent}" in text
    assert "Edition 2026.02 (20 February 2026): stance changed from open to opposes; source added: Kimura, p. 4" in text
    assert "Edition 2026.01 (15 January 2026): first published" in text
    assert 'href="../../../../">the live site' in page  # two folders up from the edition's root
    data = json.loads((built / "editions/2026.02/downloads/dataset.json").read_text(encoding="utf-8"))
    assert data["version"] == "2026.02"
    old = _text((built / "editions/2026.01/positions/abe-2013-talks/index.html").read_text(encoding="utf-8"))
    assert "Edition 2026.01 of 15 January 2026" in old and "stance changed" not in old


def test_live_site_links_latest_edition_and_lists_changes(built: Path, tagged: Path) -> None:
    page = (built / "positions/abe-2014-talks/index.html").read_text(encoding="utf-8")
    text = _text(page)
    assert "Live version (1 March 2026, commit" in text and "latest edition 2026.02" in text
    assert 'href="../../editions/2026.02/"' in page and 'href="../../editions/"' in page
    assert "This edition" not in text  # the live site between editions has no permanent address
    assert "1 March 2026, commit" in text and "summary changed from Abe kept pursuing talks." in text
    editions = _text((built / "editions/index.html").read_text(encoding="utf-8"))
    assert "Since the last edition Positions Abe keeps the talks going: summary changed" in editions
    assert "What changed since edition 2026.01: Positions Abe reopens peace-treaty talks: stance changed" in editions
    assert "The first edition: 4 actors, 1 places, 1 topics, 2 positions, 1 proposals, 1 events." in editions
    data = json.loads((built / "downloads/dataset.json").read_text(encoding="utf-8"))
    assert data["version"] == build_info(tagged).version


def test_editions_are_cached_by_tag_and_commit(built: Path, tagged: Path) -> None:
    cached = sorted(p.name for p in (tagged / ".refsite/editions").iterdir())
    assert cached == [f"{e.tag}@{e.commit}" for e in build_info(tagged).editions]
    marker = tagged / ".refsite/editions" / cached[0] / "site/index.html"
    stamp = marker.stat().st_mtime_ns
    proc = run_cli("build", "--editions", cwd=tagged)
    assert proc.returncode == 0, proc.stderr
    assert "built into the cache" not in proc.stderr
    assert marker.stat().st_mtime_ns == stamp
    assert (built / "editions/2026.01/index.html").is_file()


def test_shallow_clone_says_history_unavailable(tagged: Path, tmp_path: Path) -> None:
    clone = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{tagged}", str(clone)], check=True)
    proc = run_cli("build", "--editions", cwd=clone)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    text = _text((clone / "site/positions/abe-2013-talks/index.html").read_text(encoding="utf-8"))
    assert "History unavailable: this copy of the project is a shallow git clone." in text


def test_edition_that_does_not_build_is_an_error(tagged: Path, tmp_path: Path) -> None:
    repo = tmp_path / "broken"
    subprocess.run(["git", "clone", "-q", str(tagged), str(repo)], check=True)
    _edit(repo, STANCE_FILE, "stance: opposes", "stance: maybe")
    git(repo, "commit", "-q", "-am", "A stance the engine refuses")
    git(repo, "tag", "2026.03", date="2026-03-05T12:00:00+00:00")
    git(repo, "reset", "-q", "--hard", "HEAD~1")
    proc = run_cli("build", "--editions", cwd=repo)
    assert proc.returncode == 1
    lines = proc.stderr.splitlines()
    assert any(re.match(rf"{STANCE_FILE}:7:9: error: in edition 2026\.03: ", ln) for ln in lines), proc.stderr
    assert "editions/2026.03:1:1: error: edition 2026.03 (commit" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (repo / "site").exists()


def test_deploy_publishes_main_with_cached_editions() -> None:
    wf = yaml.safe_load((REPO / ".github/workflows/deploy.yml").read_text(encoding="utf-8"))
    assert wf[True]["push"] == {"branches": ["main"], "tags": ["*"]}
    steps = wf["jobs"]["build"]["steps"]
    checkout = steps[0]
    assert checkout["uses"].startswith("actions/checkout@")
    assert checkout["with"]["fetch-depth"] == 0 and checkout["with"]["ref"].endswith("default_branch }}")
    cache = next(s for s in steps if s.get("uses", "").startswith("actions/cache@"))
    assert cache["with"]["path"] == ".refsite/editions" and cache["with"]["restore-keys"] == "editions-"
    pages = next(s for s in steps if s.get("uses", "").startswith("actions/configure-pages@"))
    build = next(s for s in steps if "make site" in s.get("run", ""))
    assert build["env"]["REFSITE_SITE_URL"] == "${{ steps." + pages["id"] + ".outputs.base_url }}/"
    assert "--editions" in (REPO / "Makefile").read_text(encoding="utf-8").split("\nsite:", 1)[1].split("\n\n")[0]


def test_review_of_the_working_tree_shows_only_what_changed(tagged: Path, tmp_path: Path) -> None:
    """The review builds both states without git: edition lines and histories do not differ."""
    repo = tmp_path / "review"
    subprocess.run(["git", "clone", "-q", str(tagged), str(repo)], check=True)
    _edit(repo, "data/actors/japan.yaml", "summary: ", "summary: Revised. ")
    out = tmp_path / "review.json"
    proc = run_cli("review", "HEAD", "--json", str(out), cwd=repo)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    data = json.loads(out.read_text(encoding="utf-8"))
    changed = {p["url"] for p in data["pages"]}
    assert "actors/japan/" in changed
    assert "positions/abe-2014-talks/" not in changed and "editions/" not in changed


@pytest.mark.browser
def test_in_a_browser_an_edition_page_cites_its_permanent_address(built: Path, browser: object) -> None:
    with serve_folder(built) as server:
        page = browser.new_page(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
        page.clock.set_fixed_time("2031-02-03T10:00:00")
        page.goto(server + "editions/2026.02/positions/abe-2013-talks/")
        label = page.locator("p.refsite-edition")
        assert label.inner_text().startswith("Edition 2026.02 of 20 February 2026")
        history = page.locator(".refsite-history li").first.inner_text()
        assert history == (
            "Edition 2026.02 (20 February 2026): stance changed from open to opposes; source added: Kimura, p. 4"
        )
        page.locator("details.refsite-cite-page > summary").click()
        cite = page.locator("#refsite-cite-edition")
        assert cite.is_visible()
        text = cite.inner_text()
        assert "https://example.org/sample/editions/2026.02/positions/abe-2013-talks/" in text
        assert "Accessed February 3, 2031." in text
        # from the edition to the live site, and from there to the list of editions
        label.get_by_role("link", name="the live site").click()
        page.wait_for_url(server, timeout=15000)
        assert page.locator("p.refsite-edition").inner_text().startswith("Live version (1 March 2026")
        page.locator("p.refsite-edition").get_by_role("link", name="all editions").click()
        page.wait_for_url(server + "editions/", timeout=15000)
        headings = page.locator("article h2").all_inner_texts()[:3]
        assert headings == ["Since the last edition", "Edition 2026.02", "Edition 2026.01"]
        page.close()


def test_the_pdf_of_an_edition_names_it(tagged: Path, tmp_path: Path) -> None:
    pdftotext = require("pdftotext")
    repo = tmp_path / "at-tag"
    subprocess.run(["git", "clone", "-q", str(tagged), str(repo)], check=True)
    git(repo, "checkout", "-q", "2026.02")
    proc = run_cli("build", "--pdf", cwd=repo)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    text = subprocess.run(
        [pdftotext, "-l", "2", str(repo / "site/reference.pdf"), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Version 2026.02, built" in " ".join(text.split())
    data = json.loads((repo / "site/downloads/dataset.json").read_text(encoding="utf-8"))
    assert data["version"] == "2026.02"


def test_history_skips_files_that_are_not_records(tagged: Path, tmp_path: Path) -> None:
    """A file with an odd name, or a removed one, is no reason to fail: only record files are read."""
    repo = tmp_path / "odd"
    subprocess.run(["git", "clone", "-q", str(tagged), str(repo)], check=True)
    (repo / "data/actors/odd name\nhere.yaml").write_text("id: x\n", encoding="utf-8")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "an odd file")
    (repo / "data/actors/odd name\nhere.yaml").unlink()
    _edit(repo, "data/actors/japan.yaml", "summary: ", "summary: Revised. ")
    git(repo, "commit", "-q", "-am", "gone again, and Japan revised", date="2026-03-02T12:00:00+00:00")
    ds, _ = load_project(repo)
    hist = read_history(repo, build_info(repo), ds)
    assert hist.available
    assert [c.text for p, c in hist.by_record["japan"] if not p.tag] == ["summary changed from The Japanese "
                                                                          "state. to Revised. The Japanese state."]


def test_without_editions_the_history_starts_at_the_first_commit(tagged: Path, tmp_path: Path) -> None:
    repo = tmp_path / "untagged"
    subprocess.run(["git", "clone", "-q", "--no-tags", str(tagged), str(repo)], check=True)
    ds, _ = load_project(repo)
    info = build_info(repo)
    assert info.editions == () and not info.tag
    hist = read_history(repo, info, ds)
    texts = [c.text for _, c in hist.by_record["abe-2013-talks"]]
    assert texts == ["stance changed from open to opposes; source added: Kimura, p. 4", "record added"]
