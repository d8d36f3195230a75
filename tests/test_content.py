"""Guards on the real content: sourced, cited, reachable, neutral, in the site's own words."""

from __future__ import annotations

import os
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from refsite import footnotes
from refsite.dataset import Dataset, load_project
from refsite.model import PLURAL, as_text
from refsite.validate import citation_keys

from conftest import REPO

# the two source documents; beside the repository, or where REFSITE_SEEDS says
SEEDS = Path(os.environ.get("REFSITE_SEEDS") or REPO.parent / "shared" / "seeds")
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


def _map(name: str) -> dict[str, Any]:
    data = yaml.safe_load((REPO / "bib" / "maps" / f"{name}.yaml").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def _seed(name: str) -> str:
    if not SEEDS.is_dir():
        pytest.skip("the source documents are not beside the repository")
    return (SEEDS / name).read_text(encoding="utf-8")


def _flatten(text: str) -> tuple[str, list[tuple[int, int]]]:
    """Text without Markdown marks, note calls or line breaks, and each call's (offset, number) in it."""
    text = re.sub(r"\s+", " ", re.sub(r"[#*]|</?b>|^---$", "", text, flags=re.M)).strip()
    out, calls, size = [], [], 0
    for piece in re.split(r"(<sup>\d+</sup>)", text):
        if m := re.fullmatch(r"<sup>(\d+)</sup>", piece):
            calls.append((size, int(m[1])))
        else:
            out.append(piece)
            size += len(piece)
    return "".join(out), calls


def test_ifri_page_map_agrees_with_the_text() -> None:
    """Pages start where the map says, in order, and call exactly the notes the map prints at their foot."""
    raw = _seed("004_b8f4bbbeab5eaf78.txt")
    body_lines = raw[raw.index("## Summary") :].splitlines()
    printed = [int(m[1]) for line in body_lines if (m := re.match(r"<sup>(\d+)</sup>", line))]
    body, calls = _flatten("\n".join(line for line in body_lines if not re.match(r"<sup>\d+</sup>", line)))
    pages = _map("pajon2013")["pages"]
    assert [p["page"] for p in pages] == list(range(4, 22))
    starts = []
    for page in pages:
        assert body.count(page["starts"]) == 1, f"p. {page['page']}: {page['starts']!r} is not found once"
        starts.append(body.index(page["starts"]))
    assert starts == sorted(starts)
    for page, a, b in zip(pages, starts, [*starts[1:], len(body) + 1], strict=True):
        assert [n for at, n in calls if a <= at < b] == page["notes"], f"p. {page['page']}"
    assert printed == list(range(1, 64))


def test_stimson_paragraph_map_agrees_with_the_text() -> None:
    """Every paragraph starts a block of the text; the cut paragraphs are the only other blocks."""
    raw = _seed("000_afe4909912e8f218.txt")
    blocks = [b.strip() for b in raw[raw.index("EXECUTIVE SUMMARY") :].split("\n\n")[1:] if b.strip()]
    paras = _map("stimson2014")["paragraphs"]
    assert [p["para"] for p in paras] == list(range(1, len(paras) + 1))
    expected = [w for p in paras for w in (p["starts"], p.get("cut")) if w]
    assert len(blocks) == len(expected) == 17 and len(paras) == 14
    for block, words in zip(blocks, expected, strict=True):
        assert block.startswith(words), (block[:60], words)


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
    treaty = dataset.records["san-francisco-peace-treaty"]
    assert "Tsushima" in " ".join(as_text(n.get("text")) for n in treaty.get("notes") or [])


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


def test_people_sort_by_family_name(dataset: Dataset) -> None:
    people = [r.sort_label for r in dataset.of_kind("actor") if r.get("kind") == "person"]
    assert people.index("Asari, H.") < people.index("Obama, Barack") < people.index("Putin, Vladimir")
    assert people.index("Iijima Kazutaka") < people.index("Kendall, James") < people.index("Medvedev, Dmitri")


# Neutrality (each side's terms only inside attribution) is a check of `make check` itself (refsite.neutrality, with
# the term list in data/terms.yaml): the `dataset` fixture above fails on any slip; tests/test_neutrality.py tests it.


def _grid(real_site: Path) -> tuple[dict[str, dict[str, str]], list[str]]:
    """The stance view of the proposals index: for each proposal with stances, its actors' cells
    (actor id -> the cell's HTML); and the proposals listed as having none."""
    html = (real_site / "proposals" / "index.html").read_text(encoding="utf-8").split('id="who-stands-where"')[1]
    groups = {
        m.group(1): {
            a.group(1): a.group(2)
            for a in re.finditer(
                r'<th scope="row"><a href="../actors/([a-z0-9-]+)/">.*?</th>(<td.*?</td>)</tr>', m.group(2), re.S
            )
        }
        for m in re.finditer(
            r'<tbody class="refsite-stance-group"><tr class="refsite-stance-proposal"><th colspan="2" '
            r'scope="rowgroup" id="stances-([a-z0-9-]+)">(.*?)</tbody>',
            html,
            re.S,
        )
    }
    none = html.split('class="refsite-stance-none"', 1)[1].split("</p>", 1)[0] if "refsite-stance-none" in html else ""
    return groups, re.findall(r'<a href="([a-z0-9-]+)/">', none)


def test_stance_view_lists_every_proposal(dataset: Dataset, real_site: Path) -> None:
    groups, none = _grid(real_site)
    assert set(groups) | set(none) == {p.id for p in dataset.of_kind("proposal")}
    assert not set(groups) & set(none)
    for pid in none:
        assert not dataset.referring(pid, "position", "proposal"), pid
    for pid, cells in groups.items():
        actors = {as_text(p.get("actor")) for p in dataset.referring(pid, "position", "proposal")}
        assert set(cells) == actors, pid


def test_stance_view_shows_russias_latest_view_of_the_two_island_handover(real_site: Path) -> None:
    groups, _none = _grid(real_site)
    cell = groups["two-islands-1956-declaration"]["russia"]
    latest = cell.split("<details>")[0]
    assert "opposes" in latest and ">9 September 2014</a>" in latest
    assert "supports" in cell.split("<details>")[1]  # the 2013 stance, kept as an earlier one


def test_undated_events_come_last_and_say_so(real_site: Path) -> None:
    html = (real_site / "actors" / "japan" / "index.html").read_text(encoding="utf-8")
    events = html.split('id="events"')[1].split("</ul>")[0]
    items = re.findall(r"<li>(.*?)</li>", events, re.S)
    undated = [i for i, item in enumerate(items) if item.startswith("Undated — ")]
    assert undated and undated == list(range(len(items) - len(undated), len(items)))
    assert any("fukushima-disaster" in items[i] for i in undated)


def test_note_numbers_in_reading_order_on_every_page(real_site: Path) -> None:
    """Every built page: the first call of each note reads 1, 2, 3 … in page order, and the notes are listed so."""
    out_of_order = []
    pages = sorted(real_site.rglob("index.html"))
    assert len(pages) > 300
    for page in pages:
        html = page.read_text(encoding="utf-8")
        first: dict[str, int] = {}
        for call in footnotes.calls_of(html):
            first.setdefault(call.id, call.number)
        numbers = list(first.values())
        listed = [note.id for note in footnotes.notes_of(html)]
        if numbers != list(range(1, len(numbers) + 1)) or listed != list(first):
            out_of_order.append(f"{page.relative_to(real_site)}: {numbers[:12]}")
    assert out_of_order == []


def test_no_punctuation_made_by_css() -> None:
    css = (REPO / "docs/assets/refsite.css").read_text(encoding="utf-8")
    assert "fnref" not in css and 'content: ","' not in css  # no comma between note calls made by the stylesheet


def test_every_summary_paragraph_cites_where_its_claims_stand(dataset: Dataset) -> None:
    """The site requires claim-level citations (checked by make check), and every record meets it."""
    plugins = yaml.load((REPO / "mkdocs.yml").read_text(encoding="utf-8"), Loader=yaml.BaseLoader)["plugins"]
    options = next(p["refsite"] for p in plugins if isinstance(p, dict) and "refsite" in p)
    assert options.get("require_claim_citations") == "true"
    for rec in dataset.records.values():
        for para in as_text(rec.get("summary")).split("\n\n"):
            assert not para.strip() or "[@" in para, f"{rec.path}: {para[:60]}"


def _cells(html: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", html, re.S)]


def test_one_vocabulary_for_what_a_proposal_does_with_each_island(dataset: Dataset, real_site: Path) -> None:
    from refsite.render.svg_map import NOT_ADDRESSED, OUTCOME_STYLE, outcome_word

    words = {outcome_word(value, dataset) for value in OUTCOME_STYLE}
    assert {"to Japan", "stays with Russia"} <= words  # the sides as the places record them
    index = (real_site / "proposals/index.html").read_text(encoding="utf-8")
    comparison = index[index.index('class="refsite-view refsite-island-comparison"') :]
    comparison = comparison[: comparison.index("</table>")]
    cells = [c for c in _cells(comparison) if c]
    assert cells and set(cells) <= words | {NOT_ADDRESSED}, set(cells) - words
    assert "·" not in re.sub(r"<[^>]+>", "", comparison)
    # no column that is empty on every row: the reference's places give no areas to sum
    assert "Area to each side" not in comparison and "not computable" not in comparison
    for prop in dataset.of_kind("proposal"):
        islands = prop.get("islands") or {}
        if not islands:
            continue
        page = (real_site / f"proposals/{prop.id}/index.html").read_text(encoding="utf-8")
        table = page[page.index('id="what-it-would-mean-for-each-island"') :]
        shown = _cells(table[: table.index("</table>")])[1::2]
        assert shown == [outcome_word(v, dataset) for v in islands.values()], prop.id
        for pid, value in islands.items():
            place = (real_site / f"places/{pid}/index.html").read_text(encoding="utf-8")
            row = re.search(rf'<a href="../../proposals/{prop.id}/">.*?</tr>', place, re.S)
            assert row is not None and _cells(row.group(0))[-1] == outcome_word(value, dataset), (pid, prop.id)
