"""The neutrality scan: one side's terms only inside attribution, in records, pages and the term list."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from refsite.neutrality import Terms, lint_text, load_terms

from conftest import REPO, copy_root, run_cli


@pytest.fixture(scope="module")
def terms() -> Terms:
    found, problems = load_terms(REPO)
    assert problems == [] and found is not None
    return found


@pytest.mark.parametrize(
    "sentence",
    [
        "The garrison on Etorofu was upgraded.",
        "Russia administers the Southern Kurils.",
        "Japan bought three of the Senkaku islands.",
        "Most Russians oppose returning the islands.",
        "Two-thirds would accept less than the return of all four.",
        "All four are to come back to Japan.",
        "The Red Army took back the Kurils in 1945.",
        "Tokyo's position is firm. The Northern Territories stay Russian.",
        "Russia will not return the islands to Japan.",
        "Return of the four islands.",
        "Crimea was annexed in March 2014.",
        "See [Iturup](../places/etorofu-iturup.md) on the map.",
        "Russia has illegally occupied the islands since 1945.",
        "The illegal occupation of the four islands goes on.",
    ],
)
def test_flags_a_one_sided_term(terms: Terms, sentence: str) -> None:
    assert lint_text(sentence, terms)


@pytest.mark.parametrize(
    "sentence",
    [
        "The garrison on Etorofu/Iturup was upgraded.",
        "The islands Japan calls the Northern Territories are held by Russia.",
        "Hirose said Japan wants the Northern Territories back.",
        "The summary speaks of the “Senkaku issue”.",
        "Kunashiri (Japanese) and Kunashir (Russian) are one island.",
        "Shikotan and Habomai lie close to Hokkaido.",
        "Abe's return to power in December 2012 changed energy policy.",
        "Russia offered investment in return for nothing.",
        "Japan demands the return of all four islands.",
        "The treaty gave Japan the four southern islands of the Kuril chain.",
        'The summary calls it an "annexation".',
        "{{ names('etorofu-iturup') }} lies north of Hokkaido [@pajon2013, p. 15].",
        "Japan calls the islands illegally occupied by Russia.",
    ],
)
def test_passes_a_paired_or_attributed_term(terms: Terms, sentence: str) -> None:
    assert lint_text(sentence, terms) == []


def test_offsets_point_at_the_term(terms: Terms) -> None:
    text = "Both sides met. Later the garrison on Iturup grew; nobody said “Etorofu”."
    [slip] = lint_text(text, terms)
    assert text[slip.start : slip.end] == "Iturup" and slip.term == "Iturup"
    assert "Russia's name" in slip.message


def _project(tmp_path: Path) -> Path:
    root = copy_root("basic", tmp_path)
    shutil.copy(REPO / "data" / "terms.yaml", root / "data" / "terms.yaml")
    return root


def test_check_locates_one_sided_terms_in_records_and_pages(tmp_path: Path) -> None:
    root = _project(tmp_path)
    event = root / "data" / "events" / "shimoda-1855.yaml"
    event.write_text(
        event.read_text(encoding="utf-8").replace(
            "summary: Allocated the four islands to Japan.",
            "summary: >-\n  Allocated the four islands to Japan,\n  with Iturup the largest [@pajon2013, p. 15].",
        ),
        encoding="utf-8",
    )
    page = root / "docs" / "index.md"
    page.write_text(page.read_text(encoding="utf-8") + "\nThe Northern Territories lie north of Hokkaido.\n")
    proc = run_cli("check", cwd=root)
    assert proc.returncode == 1
    lines = [ln for ln in proc.stdout.splitlines() + proc.stderr.splitlines() if "site's own voice" in ln]
    n = len(page.read_text(encoding="utf-8").splitlines())
    assert lines == [
        "data/events/shimoda-1855.yaml:10:8: error: 'Iturup' (Russia's name of the island) in the site's own voice: "
        "pair it with the other side's term, quote it, or say whose term it is",
        "data/proposals/two-islands.yaml:2:8: error: 'Return' (Japan's framing of a transfer of the islands as their "
        "return) in the site's own voice: pair it with the other side's term, quote it, or say whose term it is",
        f"docs/index.md:{n}:5: error: 'Northern Territories' (Japan's name of the islands) in the site's own voice: "
        "pair it with the other side's term, quote it, or say whose term it is",
    ]
    assert "Traceback" not in proc.stderr


def test_check_flags_one_sided_ids(tmp_path: Path) -> None:
    root = _project(tmp_path)
    proposal = root / "data" / "proposals" / "two-islands.yaml"
    proposal.write_text(proposal.read_text(encoding="utf-8").replace("Return of two", "Two"), encoding="utf-8")
    events = root / "data" / "events"
    (events / "shimoda-1855.yaml").rename(events / "senkaku-1855.yaml")
    event = events / "senkaku-1855.yaml"
    event.write_text(event.read_text(encoding="utf-8").replace("id: shimoda-1855", "id: senkaku-1855"))
    proc = run_cli("check", cwd=root)
    assert proc.returncode == 1
    assert proc.stdout.splitlines() == [
        "data/events/senkaku-1855.yaml:1:5: error: id 'senkaku-1855': 'Senkaku' (Japan's name of the islands) in "
        "the site's own voice: pair it with the other side's term, quote it, or say whose term it is; rename it "
        "(with a redirect)"
    ]


def test_check_passes_without_a_term_list_and_with_a_clean_one(tmp_path: Path) -> None:
    root = copy_root("basic", tmp_path)
    assert run_cli("check", cwd=root).returncode == 0
    shutil.copy(REPO / "data" / "terms.yaml", root / "data" / "terms.yaml")
    proposal = root / "data" / "proposals" / "two-islands.yaml"
    proposal.write_text(proposal.read_text(encoding="utf-8").replace("Return of two", "Two"), encoding="utf-8")
    proc = run_cli("check", cwd=root)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_a_broken_term_list_is_located(tmp_path: Path) -> None:
    root = _project(tmp_path)
    (root / "data" / "terms.yaml").write_text(
        "sides:\n  Japan: {names: [Japan], people: [Japanese]}\n"
        "terms:\n  - {words: [Etorofu], side: Japon, what: a name}\n  - {pattern: '(', what: a framing}\n",
        encoding="utf-8",
    )
    proc = run_cli("check", cwd=root)
    assert proc.returncode == 1
    out = proc.stdout + proc.stderr
    assert "data/terms.yaml:4:30: error: unknown side 'Japon': one of Japan" in out
    assert "data/terms.yaml:5:15: error: not a regular expression: missing ), unterminated subpattern" in out
    assert "Traceback" not in out
