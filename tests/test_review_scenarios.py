"""Review scenarios: one pull request each, built as a branch of the basic sample, reviewed with the
base's code as the comment workflow does, asserting what the comment's first screen says.

The first screen (the first 25 lines of the comment, the merge-base commit written as
``<merge-base>``) is kept as a golden file in ``tests/review_golden/``; set
``REFSITE_UPDATE_GOLDEN=1`` to write them again after a deliberate change, and read the diff.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from test_review import commit, edit, git

from conftest import REPO, require, run_cli

GOLDEN = Path(__file__).parent / "review_golden"
FIRST_SCREEN = 25


def first_screen(markdown: str) -> str:
    """The comment's first lines, with the merge-base commit (the only varying part) normalised."""
    lines = markdown.splitlines()[:FIRST_SCREEN]
    return re.sub(r"`[0-9a-f]{12}`", "`<merge-base>`", "\n".join(lines)) + "\n"


def with_terms(root: Path) -> None:
    """The reference's own term list of one-sided terms, on the base."""
    shutil.copy(REPO / "data" / "terms.yaml", root / "data" / "terms.yaml")
    # the sample's proposal is titled in one side's framing; the base speaks neutrally
    edit(root / "data/proposals/two-islands.yaml", "Return of two islands", "Transfer of two islands")


def with_map(root: Path) -> None:
    """The reference's own page map of the Ifri paper, on the base."""
    (root / "bib" / "maps").mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "bib" / "maps" / "pajon2013.yaml", root / "bib" / "maps" / "pajon2013.yaml")


def figure(root: Path) -> None:
    edit(root / "data/places/etorofu-iturup.yaml", "value: 16400", "value: 17400")


def date(root: Path) -> None:
    edit(root / "data/events/shimoda-1855.yaml", 'date: "1855"', 'date: "1856"')


def locator(root: Path) -> None:
    edit(root / "data/positions/abe-2013-talks.yaml", 'locator: "p. 5"', 'locator: "p. 6"')


def stance(root: Path) -> None:
    pos = root / "data/positions/abe-2013-talks.yaml"
    edit(pos, "stance: open", "stance: opposes")
    edit(pos, '{key: pajon2013, locator: "p. 5"}', '{key: pajon2013, locator: "p. 5", note: as summarised}')


def island_name(root: Path) -> None:
    edit(
        root / "docs/index.md",
        "A remark.[^1]",
        'A remark.[^1] Fishing boats still work off Iturup in the summer months.{{ cite("pajon2013", "p. 16") }}',
    )


def attribution(root: Path) -> None:
    edit(
        root / "data/events/shimoda-1855.yaml",
        "summary: Allocated the four islands to Japan.",
        "summary: Allocated the four islands to Japan, which still seeks their return.",
    )


def link(root: Path) -> None:
    edit(root / "docs/index.md", '{{ link("abe-shinzo") }}', "[Shinzo Abe](actors/japan.md)")


def stripped_link(root: Path) -> None:
    edit(
        root / "docs/index.md",
        "A remark.[^1]",
        "A remark.[^1] See [the treaty](javascript:alert(1)).\n\n<p hidden>Only reviewers read this.</p>",
    )


def policy(root: Path) -> None:
    edit(root / "mkdocs.yml", "    not_found: warn", "    not_found: ignore")


def presentation(root: Path) -> None:
    (root / "docs" / "extra.css").write_text(".footnote { display: none; }\n", encoding="utf-8")
    edit(root / "mkdocs.yml", "markdown_extensions:", "extra_css:\n  - extra.css\nmarkdown_extensions:")


def failing_build(root: Path) -> None:
    # the last citations of a work go: "cited nowhere" is a warning, and a warning fails the strict build
    edit(
        root / "data/topics/territorial-dispute.yaml",
        'kimura2008kurilian, locator: "p. 105"',
        'pajon2013, locator: "p. 15"',
    )
    edit(root / "data/actors/odd-name.yaml", 'kimura2008kurilian, locator: "pp. 15-17"', 'pajon2013, locator: "p. 15"')
    edit(root / "docs/index.md", ' Other work.{{ cite("kimura2008kurilian", "p. 105") }}', "")


def review_code(root: Path) -> None:
    # the change's macros.py would break every build, and it brings its own review code: neither runs
    (root / "macros.py").write_text("raise SystemExit('the change ran its own code')\n", encoding="utf-8")
    (root / "refsite" / "review").mkdir(parents=True)
    (root / "refsite" / "review" / "report.py").write_text("def markdown(*a):\n    return 'all clear'\n")
    edit(root / "data/actors/japan.yaml", "name: Japan", "name: Japan (state)")


def mechanical(root: Path) -> None:
    # one rewording over every file, and one real change among them
    for path in root.glob("data/*/*.yaml"):
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        lines = [line.replace("islands", "isles") if line.startswith("summary:") else line for line in lines]
        path.write_text("".join(lines), encoding="utf-8")
    edit(root / "data/positions/abe-2014-talks.yaml", "Abe kept pursuing talks.", "Abe stopped pursuing talks.")


SCENARIOS: dict[str, tuple[Callable[[Path], None], list[str]]] = {
    "figure": (figure, ["1. **figure** `data/places/etorofu-iturup.yaml:", "16400 → 17400"]),
    "date": (date, ["1. **date** `data/events/shimoda-1855.yaml:", "1855 → 1856"]),
    "locator": (locator, ["1. **locator moved** `data/positions/abe-2013-talks.yaml:13:5`", "pajon2013, p. 5"]),
    "stance": (stance, ["1. **stance** `data/positions/abe-2013-talks.yaml:7:9`: open → opposes"]),
    "island-name": (island_name, ["1. **island name** `docs/index.md:5:", "Iturup"]),
    "attribution": (attribution, ["**contested term** `data/events/shimoda-1855.yaml:", "return"]),
    "link": (link, ["1. **link** `docs/index.md:3:", "actors/abe-shinzo/ → actors/japan/"]),
    "stripped-link": (
        stripped_link,
        [
            "**link** `docs/index.md:5:",
            "'the treaty' → javascript:alert\\(1 → \\(stripped\\)",
            "**presentation** `docs/index.md:7:",
        ],
    ),
    "policy": (
        policy,
        [
            "**Needs a maintainer: changes code or policy.** `mkdocs.yml` "
            '(validation.links.not\\_found: "warn" → "ignore")'
        ],
    ),
    "presentation": (presentation, ["**Needs a maintainer", "extra\\_css", "1. **presentation** `docs/extra.css:1:1`"]),
    "mechanical": (
        mechanical,
        ["**Mechanical edits**", "- ~~islands~~ → **isles** in 4 records", "~~kept~~ **stopped**"],
    ),
    "failing-build": (failing_build, ["The strict build fails on 1 warning"]),
    "review-code": (
        review_code,
        ["**Needs a maintainer: changes code or policy.** `macros.py`, `refsite/review/report.py`"],
    ),
}


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_scenario_first_screen(name: str, tmp_path: Path, review_cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # every scenario's base is the same commit (same tree, author and date): it is built once
    monkeypatch.setenv("REFSITE_REVIEW_CACHE", str(review_cache))
    root = tmp_path / "basic"
    shutil.copytree(REPO / "tests" / "roots" / "basic", root)
    with_terms(root)
    with_map(root)
    git(root, "init", "-q", "-b", "main")
    commit(root, "base")
    git(root, "checkout", "-q", "-b", "change")
    change, expected = SCENARIOS[name]
    change(root)
    commit(root)
    out = tmp_path / "comment.md"
    # run from outside the change's tree, as the workflow runs from the base's checkout
    args = ("review", "--root", str(root), "--trusted-code", "--out", str(out), "--", "main", "change")
    proc = run_cli(*args, cwd=tmp_path)
    assert "Traceback" not in proc.stdout + proc.stderr, proc.stderr
    assert proc.returncode in (0, 1), proc.stderr
    screen = first_screen(out.read_text(encoding="utf-8"))
    for text in expected:
        assert text in screen, f"{text!r} not on the first screen:\n{screen}"
    if name == "review-code":  # the change's macros.py would stop any build: it did not run
        assert "does not build" not in screen and "**11 pages read differently**" in screen
    golden = GOLDEN / f"{name}.md"
    if os.environ.get("REFSITE_UPDATE_GOLDEN"):
        golden.parent.mkdir(exist_ok=True)
        golden.write_text(screen, encoding="utf-8")
    assert screen == golden.read_text(encoding="utf-8")


@pytest.mark.slow
def test_a_style_sheet_that_hides_the_notes_shows_in_the_screenshots(tmp_path: Path) -> None:
    require("chromium")
    root = tmp_path / "basic"
    shutil.copytree(REPO / "tests" / "roots" / "basic", root)
    git(root, "init", "-q", "-b", "main")
    commit(root, "base")
    git(root, "checkout", "-q", "-b", "change")
    presentation(root)
    commit(root)
    out, pictures = tmp_path / "comment.md", tmp_path / "pictures"
    args = ("review", "--root", str(root), "--trusted-code", "--screenshots", str(pictures), "--out", str(out))
    proc = run_cli(*args, "--", "main", "change", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    comment = out.read_text(encoding="utf-8")
    # no text changed, yet the home page (which has notes) looks different, and says so at the top
    assert "**0 pages read differently**" in comment
    line = next(x for x in comment.splitlines() if x.startswith("**Screenshots**"))
    assert "`/`" in line and "look different" in line
    assert "**presentation** `docs/index.md:1:1`: same text → / looks different" in comment
    assert (pictures / "home.base.png").is_file() and (pictures / "home.diff.png").is_file()
    # an index without notes looks the same: not listed, its pictures not kept
    assert "`actors/`" not in line and not (pictures / "actors.base.png").exists()
    assert re.search(r"\*\*Screenshots\*\*: \d+ of \d+ pages look different", line)
