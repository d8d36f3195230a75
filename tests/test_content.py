"""Guards on the real content: sourced, cited, reachable, neutral, in the site's own words."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
import yaml

from refsite.dataset import Dataset, load_project
from refsite.model import PLURAL, as_text
from refsite.validate import citation_keys

from conftest import REPO, run_cli

SEEDS = REPO.parent / "shared" / "seeds"
SEED_KEYS = {"pajon2013", "stimson2014"}


@pytest.fixture(scope="module")
def dataset() -> Dataset:
    ds, problems = load_project(REPO)
    assert [str(p) for p in problems] == []  # no error and no warning: every bib entry is cited
    return ds


def test_counts(dataset: Dataset) -> None:
    counts = Counter(r.kind for r in dataset.records.values())
    assert counts["actor"] >= 40 and counts["place"] >= 6 and counts["topic"] >= 6
    assert counts["position"] >= 25 and counts["proposal"] >= 7 and counts["event"] >= 40
    assert len(dataset.bib) >= 55


def test_every_record_cites_a_seed_or_its_source_with_a_pinpoint(dataset: Dataset) -> None:
    for rec in dataset.records.values():
        sources = rec.get("sources")
        assert sources, rec.path
        assert any(as_text(c.get("locator")) for c in sources), f"{rec.path}: no pinpoint"
    for rec, _key, cit in citation_keys(dataset.records.values()):
        if cit.get("key") in SEED_KEYS:
            assert cit.get("locator"), f"{rec.path}: citation of {cit.get('key')} without a pinpoint"


def test_ifri_pinpoints_name_a_page_of_the_contents(dataset: Dataset) -> None:
    pages = {"4", "5", "7", "8", "10", "11", "13", "15", "17", "18", "19", "21"}
    for rec, _key, cit in citation_keys(dataset.records.values()):
        if cit.get("key") != "pajon2013":
            continue
        loc = as_text(cit.get("locator"))
        m = re.match(r"p\. (\d+)", loc)
        if m:
            assert m.group(1) in pages, f"{rec.path}: {loc}"
        else:
            assert re.match(r"(n\. \d+|sec\. .+)$", loc), f"{rec.path}: {loc}"


def test_stimson_pinpoints_are_paragraphs(dataset: Dataset) -> None:
    for rec, _key, cit in citation_keys(dataset.records.values()):
        if cit.get("key") == "stimson2014":
            m = re.match(r"para\. (\d+)$", as_text(cit.get("locator")))
            assert m and 1 <= int(m.group(1)) <= 14, f"{rec.path}: {cit.get('locator')}"


def test_disputed_islands_carry_both_names(dataset: Dataset) -> None:
    for pid, japanese, russian in (
        ("etorofu-iturup", "Etorofu", "Iturup"),
        ("kunashiri-kunashir", "Kunashiri", "Kunashir"),
    ):
        names = {(n["name"], n.get("used_by")) for n in dataset.records[pid].get("names")}
        assert (japanese, "japan") in names and (russian, "russia") in names


def test_source_slips_are_recorded(dataset: Dataset) -> None:
    visit = dataset.records["abe-moscow-visit-2013"]
    note = as_text(visit.get("date_note")) + " ".join(as_text(n.get("text")) for n in visit.get("notes") or [])
    assert "March" in note and "April" in note
    kurils = " ".join(as_text(n.get("text")) for n in dataset.records["kuril-islands"].get("notes") or [])
    assert "Tsushima" in kurils


def test_quotations_are_short(dataset: Dataset) -> None:
    for rec in dataset.records.values():
        if rec.get("quote"):
            assert len(as_text(rec.get("quote")).split()) <= 25, rec.path


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower().replace("’", "'"))


def test_prose_is_in_the_sites_own_words(dataset: Dataset) -> None:
    """No run of 12 words outside quotation marks repeats a source document."""
    if not SEEDS.is_dir():
        pytest.skip("the source documents are not beside the repository")
    n = 12
    seed_words = _words(" ".join(p.read_text(encoding="utf-8") for p in SEEDS.glob("*.txt")))
    grams = {tuple(seed_words[i : i + n]) for i in range(len(seed_words) - n + 1)}
    texts = {
        rec.path: " ".join([as_text(rec.get("summary"))] + [as_text(x.get("text")) for x in rec.get("notes") or []])
        for rec in dataset.records.values()
    }
    texts |= {p.relative_to(REPO).as_posix(): p.read_text(encoding="utf-8") for p in (REPO / "docs").glob("*.md")}
    copied = []
    for path, text in texts.items():
        text = re.sub(r"\{\{.*?\}\}", " ", text)
        text = re.sub(r"[\"“][^\"”]*[\"”]", " ", text)
        words = _words(text)
        for i in range(len(words) - n + 1):
            if tuple(words[i : i + n]) in grams:
                copied.append(f"{path}: {' '.join(words[i : i + n])}")
                break
    assert copied == []


@pytest.fixture(scope="module")
def real_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("real") / "site"
    proc = run_cli("build", "--site-dir", str(out), cwd=REPO)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return out


def test_every_record_is_reachable_from_its_index(dataset: Dataset, real_site: Path) -> None:
    for kind in PLURAL:
        index = (real_site / PLURAL[kind] / "index.html").read_text(encoding="utf-8")
        for rec in dataset.of_kind(kind):
            assert f'href="{rec.id}/"' in index, f"{rec.id} missing from {PLURAL[kind]}/index"
            assert (real_site / rec.url / "index.html").is_file()


def test_narrative_pages_are_built_and_in_the_nav(real_site: Path) -> None:
    nav = yaml.safe_load((REPO / "mkdocs.yml").read_text(encoding="utf-8").split("\nnav:", 1)[1].join(["nav:", ""]))
    listed = str(nav)
    for page in (REPO / "docs").glob("*.md"):
        assert page.name in listed, f"{page.name} is not in the nav"
        url = "" if page.stem == "index" else page.stem + "/"
        html = (real_site / url / "index.html").read_text(encoding="utf-8")
        assert "zRSCITE" not in html and '<li id="fn:cite-1">' in html


_MARK = re.compile(r'<sup id="fnref\d*:([^"]+)"><a class="footnote-ref" href="#fn:[^"]+">(\d+)</a></sup>')
_ITEM = re.compile(r'<li id="fn:([^"]+)">')


def test_note_numbers_in_reading_order_on_every_page(real_site: Path) -> None:
    """Every built page: the first call of each note reads 1, 2, 3 … in page order, and the notes are listed so."""
    out_of_order = []
    pages = sorted(real_site.rglob("index.html"))
    assert len(pages) > 300
    for page in pages:
        html = page.read_text(encoding="utf-8")
        first: dict[str, int] = {}
        for name, number in _MARK.findall(html):
            first.setdefault(name, int(number))
        numbers = list(first.values())
        listed = _ITEM.findall(html)
        if numbers != list(range(1, len(numbers) + 1)) or listed != list(first):
            out_of_order.append(f"{page.relative_to(real_site)}: {numbers[:12]}")
    assert out_of_order == []


def test_no_punctuation_made_by_css() -> None:
    css = (REPO / "docs/assets/refsite.css").read_text(encoding="utf-8")
    assert "fnref" not in css and 'content: ","' not in css  # no comma between note calls made by the stylesheet
