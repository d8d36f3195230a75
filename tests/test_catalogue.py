"""A catalogue of bad inputs: each one gives exactly one located error line, and no traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from refsite.dataset import load_project

from conftest import copy_root, run_cli

JAPAN = "data/actors/japan.yaml"
ABE13 = "data/positions/abe-2013-talks.yaml"
EVENT = "data/events/shimoda-1855.yaml"

VALID_JAPAN = """id: japan
name: Japan
kind: state
summary: The Japanese state.
sources:
  - {key: pajon2013, locator: "p. 5"}
"""

PAGE_MAP = "bib/maps/pajon2013.yaml"
VALID_MAP = """key: pajon2013
method: From the footnote rules of the text.
pages:
  - {page: 11, starts: "dispute. Tokyo", notes: [25, 26, 27, 28]}
  - {page: 12, starts: "Japan is adopting", notes: [29, 30, 31, 32, 33]}
sections: [Author]
"""


def _japan(**replace: str) -> str:
    text = VALID_JAPAN
    for old, new in replace.items():
        text = text.replace(old.replace("_", " "), new)
    return text


CASES: list[tuple[str, dict[str, str | bytes | None], str]] = [
    (
        "typo in a field name",
        {JAPAN: VALID_JAPAN.replace("summary:", "sumary:")},
        "data/actors/japan.yaml:4:1: error: unknown field 'sumary' (did you mean 'summary'?)",
    ),
    (
        "missing required field",
        {JAPAN: VALID_JAPAN.replace("name: Japan\n", "")},
        "data/actors/japan.yaml:1:1: error: missing required field 'name'",
    ),
    (
        "enum value misspelt",
        {JAPAN: VALID_JAPAN.replace("kind: state", "kind: stat")},
        "data/actors/japan.yaml:3:7: error: 'stat' is not a valid kind (did you mean 'state'?); choose one of: "
        "state, government-body, person, organization, company, public",
    ),
    (
        "impossible date",
        {EVENT: Path("tests/roots/basic", EVENT).read_text().replace('"1855"', '"2013-13"')},
        "data/events/shimoda-1855.yaml:3:7: error: date: '2013-13' is not a real date",
    ),
    (
        "date not ISO",
        {EVENT: Path("tests/roots/basic", EVENT).read_text().replace('"1855"', "April 1855")},
        "data/events/shimoda-1855.yaml:3:7: error: date: 'April 1855' is not an ISO date (YYYY, YYYY-MM or YYYY-MM-DD)",
    ),
    (
        "unknown actor",
        {ABE13: Path("tests/roots/basic", ABE13).read_text().replace("actor: abe-shinzo", "actor: abe")},
        "data/positions/abe-2013-talks.yaml:3:8: error: unknown actor 'abe' (did you mean 'abe-shinzo'?)",
    ),
    (
        "reference to the wrong kind",
        {ABE13: Path("tests/roots/basic", ABE13).read_text().replace("topic: territorial-dispute", "topic: japan")},
        "data/positions/abe-2013-talks.yaml:4:8: error: 'japan' is an actor, expected a topic",
    ),
    (
        "unknown citation key",
        {JAPAN: VALID_JAPAN.replace("pajon2013", "pajon2031")},
        "data/actors/japan.yaml:6:11: error: unknown citation key 'pajon2031' (did you mean 'pajon2013'?)",
    ),
    (
        "malformed locator",
        {JAPAN: VALID_JAPAN.replace('"p. 5"', '"page five"')},
        "data/actors/japan.yaml:6:31: error: malformed locator 'page five': start with one of 'p.', 'pp.', 'n.', "
        "'nn.', 'sec.', 'para.', 'chap.' and a value, e.g. 'p. 15'",
    ),
    (
        "no sources",
        {JAPAN: VALID_JAPAN.split("sources:")[0] + "sources: []\n"},
        "data/actors/japan.yaml:5:10: error: field 'sources' needs at least 1 item",
    ),
    (
        "id differs from file name",
        {JAPAN: VALID_JAPAN.replace("id: japan", "id: nippon")},
        "data/actors/japan.yaml:1:5: error: id 'nippon' does not match the file name 'japan.yaml'",
    ),
    (
        "file name is not an id",
        {"data/actors/Big_Name.yaml": VALID_JAPAN.replace("id: japan", "id: big-name")},
        "data/actors/Big_Name.yaml:1:1: error: file name 'Big_Name' is not a valid id (lowercase kebab-case)",
    ),
    (
        "id used twice across kinds",
        {
            "data/topics/japan.yaml": "id: japan\nname: Japan\nsummary: x\nsources:\n"
            '  - {key: pajon2013, locator: "p. 5"}\n'
        },
        "data/topics/japan.yaml:1:5: error: id 'japan' is already used by data/actors/japan.yaml",
    ),
    (
        "supersede cycle",
        {ABE13: Path("tests/roots/basic", ABE13).read_text() + "supersedes: abe-2014-talks\n"},
        "data/positions/abe-2013-talks.yaml:14:13: error: supersede chain forms a cycle: "
        "abe-2013-talks -> abe-2014-talks -> abe-2013-talks",
    ),
    (
        "supersedes another actor's position",
        {
            "data/positions/japan-2015.yaml": "id: japan-2015\ntitle: T\nactor: japan\ntopic: territorial-dispute\n"
            'date: "2015"\nsupersedes: abe-2014-talks\nsummary: S\nsources:\n  - {key: pajon2013, locator: "p. 5"}\n'
        },
        "data/positions/japan-2015.yaml:6:13: error: 'abe-2014-talks' is a position of 'abe-shinzo', not of 'japan'",
    ),
    (
        "stance without proposal",
        {ABE13: Path("tests/roots/basic", ABE13).read_text().replace("proposal: two-islands\n", "")},
        "data/positions/abe-2013-talks.yaml:6:9: error: 'stance' needs a 'proposal' it applies to",
    ),
    (
        "proposal without stance",
        {ABE13: Path("tests/roots/basic", ABE13).read_text().replace("stance: open\n", "")},
        "data/positions/abe-2013-talks.yaml:6:11: error: a position with a 'proposal' needs a 'stance'",
    ),
    (
        "raw HTML in a text field",
        {JAPAN: VALID_JAPAN.replace("The Japanese state.", "The <script>x</script> state.")},
        "data/actors/japan.yaml:4:10: error: raw HTML is not allowed in 'summary': <script>",
    ),
    (
        "HTML tag without a space",
        {JAPAN: VALID_JAPAN.replace("The Japanese state.", "The <svg/onload=alert(1)> state.")},
        "data/actors/japan.yaml:4:10: error: raw HTML is not allowed in 'summary': <svg/onload=alert(1)>",
    ),
    (
        "script link in Markdown",
        {JAPAN: VALID_JAPAN.replace("The Japanese state.", "The [state](javascript:alert(1)).")},
        "data/actors/japan.yaml:4:10: error: links in 'summary' may use http, https or mailto, not 'javascript:'",
    ),
    (
        "YAML reads a word as true or false",
        {JAPAN: VALID_JAPAN.replace("name: Japan", "name: No")},
        "data/actors/japan.yaml:2:7: error: field 'name' is read as true/false (False); put the text in quotes",
    ),
    (
        "YAML reads text as a number",
        {JAPAN: VALID_JAPAN.replace("The Japanese state.", "1.50")},
        "data/actors/japan.yaml:4:10: error: field 'summary' is read as a number (1.5); put the text in quotes",
    ),
    (
        "file not UTF-8",
        {JAPAN: VALID_JAPAN.replace("Japanese", "Japan\xe9se").encode("latin-1")},
        "data/actors/japan.yaml:4:19: error: file is not valid UTF-8 (byte 0xe9)",
    ),
    ("empty file", {JAPAN: ""}, "data/actors/japan.yaml:1:1: error: file is empty"),
    (
        "broken YAML",
        {JAPAN: VALID_JAPAN.replace("kind: state", "kind: [state")},
        "data/actors/japan.yaml:4:8: error: invalid YAML: did not find expected ',' or ']'",
    ),
    (
        "alias that contains itself",
        {JAPAN: VALID_JAPAN + "extra: &a [*a]\n"},
        "data/actors/japan.yaml:7:8: error: 'a' refers to itself through an alias",
    ),
    (
        "reserved id",
        {"data/actors/index.yaml": VALID_JAPAN.replace("id: japan", "id: index")},
        "data/actors/index.yaml:1:1: error: 'index' is reserved for the index page of each kind",
    ),
    (
        "duplicate key",
        {JAPAN: VALID_JAPAN + "name: Nippon\n"},
        "data/actors/japan.yaml:7:1: error: duplicate key 'name' (first defined on line 2)",
    ),
    (
        "unsafe YAML tag",
        {JAPAN: VALID_JAPAN.replace("name: Japan", "name: !!python/name:os.system ''")},
        "data/actors/japan.yaml:2:7: error: unsupported YAML tag 'tag:yaml.org,2002:python/name:os.system'",
    ),
    (
        "BibTeX syntax error",
        {"bib/extra.bib": "@book{broken,\n  title = {Unclosed,\n}\n\n@misc{fine, title={Fine}}\n"},
        "bib/extra.bib:1:1: error: BibTeX syntax error in '@book{broken,' (unbalanced braces or a missing comma?)",
    ),
    (
        "missing comma between BibTeX fields",
        {"bib/extra.bib": "@book{extra,\n  title = {Japan}\n  publisher = {Press},\n  year = {2013},\n}\n"},
        "bib/extra.bib:2:1: error: missing comma after field 'title' in entry 'extra' (before 'publisher')",
    ),
    (
        "BibTeX field given twice",
        {"bib/extra.bib": "@book{extra,\n  title = {A},\n  title = {B},\n  year = {2013},\n}\n"},
        "bib/extra.bib:1:1: error: entry 'extra' has the field 'title' twice",
    ),
    (
        "duplicate BibTeX key",
        {"bib/extra.bib": "@book{pajon2013,\n  title = {Again},\n  year = {2013},\n}\n"},
        "bib/refs.bib:1:1: error: duplicate BibTeX key 'pajon2013' (first in bib/extra.bib:1)",
    ),
    (
        "unknown record folder",
        {"data/actor/x.yaml": VALID_JAPAN},
        "data/actor:1:1: error: unknown record folder 'actor' (did you mean 'actors'?)",
    ),
    (
        "wrong file extension",
        {"data/actors/korea.yml": VALID_JAPAN},
        "data/actors/korea.yml:1:1: error: record files must end in .yaml",
    ),
    (
        "text where a list belongs",
        {EVENT: Path("tests/roots/basic", EVENT).read_text().replace("actors: [japan, russia]", "actors: japan")},
        "data/events/shimoda-1855.yaml:5:9: error: field 'actors' must be a list, found 'japan'",
    ),
    (
        "citation that is not a mapping",
        {JAPAN: VALID_JAPAN.replace('{key: pajon2013, locator: "p. 5"}', "pajon2013")},
        "data/actors/japan.yaml:6:5: error: an entry of 'sources' must be a mapping, found 'pajon2013'",
    ),
    (
        "island outcome misspelt",
        {
            "data/proposals/two-islands.yaml": Path("tests/roots/basic/data/proposals/two-islands.yaml")
            .read_text()
            .replace("etorofu-iturup: keep", "etorofu-iturup: kept")
        },
        "data/proposals/two-islands.yaml:7:19: error: 'kept' is not a valid etorofu-iturup (did you mean 'keep'?); "
        "choose one of: transfer, keep, split, joint, unspecified",
    ),
    (
        "island that is not a place",
        {
            "data/proposals/two-islands.yaml": Path("tests/roots/basic/data/proposals/two-islands.yaml")
            .read_text()
            .replace("etorofu-iturup: keep", "iturup: keep")
        },
        "data/proposals/two-islands.yaml:7:3: error: unknown place 'iturup' (did you mean 'etorofu-iturup'?)",
    ),
    (
        "event without date or date note",
        {EVENT: Path("tests/roots/basic", EVENT).read_text().replace('date: "1855"\n', "")},
        "data/events/shimoda-1855.yaml:1:1: error: missing required field 'date' (or a 'date_note' saying why the "
        "sources give none)",
    ),
    (
        "unknown citation key in a page",
        {"docs/index.md": '# Home\n\nText.{{ cite("pajon2031", "p. 1") }}\n'},
        "docs/index.md:3:15: error: unknown citation key 'pajon2031' (did you mean 'pajon2013'?)",
    ),
    (
        "malformed locator in a page",
        {"docs/index.md": '# Home\n\nText.{{ cite("pajon2013", "page 5") }}\n'},
        "docs/index.md:3:28: error: malformed locator 'page 5': start with one of 'p.', 'pp.', 'n.', 'nn.', 'sec.', "
        "'para.', 'chap.' and a value, e.g. 'p. 15'",
    ),
    (
        "unknown record in a page",
        {"docs/index.md": '# Home\n\nSee {{ link("abe") }}.\n'},
        "docs/index.md:3:14: error: unknown record 'abe' (did you mean 'abe-shinzo'?)",
    ),
    (
        "template syntax error in a page",
        {"docs/index.md": '# Home\n\n{{ link("japan" }}\n'},
        "docs/index.md:3:1: error: template syntax error: unexpected '}', expected ')'",
    ),
    (
        "macro argument of the wrong type",
        {"docs/index.md": '# Home\n\nText.{{ cite("pajon2013", 15) }}\n'},
        "docs/index.md:3:27: error: cite(): 'locator' must be text in quotes, not 15",
    ),
    (
        "macro argument missing",
        {"docs/index.md": "# Home\n\n{{ names() }}\n"},
        "docs/index.md:3:4: error: names() needs the argument 'place'",
    ),
    (
        "macro argument misnamed",
        {"docs/index.md": '# Home\n\n{{ positions(actors="japan") }}\n'},
        "docs/index.md:3:4: error: positions() has no argument 'actors' (did you mean 'actor'?)",
    ),
    (
        "second call of a macro is the bad one",
        {"docs/index.md": '# Home\n\n{{ link("japan") }}\n\nSee {{ link("japan") }} and {{ link("abe") }}.\n'},
        "docs/index.md:5:38: error: unknown record 'abe' (did you mean 'abe-shinzo'?)",
    ),
    (
        "macro argument given as None",
        {"docs/index.md": "# Home\n\nText.{{ cite(None) }}\n"},
        "docs/index.md:3:9: error: cite() needs the argument 'key'",
    ),
    (
        "macro argument given twice",
        {"docs/index.md": '# Home\n\n{{ link("abe-shinzo", id="japan") }}\n'},
        "docs/index.md:3:4: error: link() got two values for 'id'",
    ),
    (
        "undefined BibTeX string",
        {"bib/extra.bib": "@book{extra,\n  title = {A},\n  publisher = spup,\n  year = {2013},\n}\n"},
        "bib/extra.bib:3:1: error: undefined @string 'spup' in field 'publisher' of entry 'extra'",
    ),
    (
        "script link hidden behind an entity",
        {JAPAN: VALID_JAPAN.replace("The Japanese state.", "The [state](java&#115;cript:alert(1)).")},
        "data/actors/japan.yaml:4:10: error: links in 'summary' may use http, https or mailto, not 'javascript:'",
    ),
    (
        "unknown macro in a page",
        {"docs/index.md": "# Home\n\n{{ positionz() }}\n"},
        "docs/index.md:3:4: error: unknown macro or variable 'positionz' (did you mean 'positions'?)",
    ),
    (
        "footnote cited to a page that does not print it",
        {PAGE_MAP: VALID_MAP, JAPAN: VALID_JAPAN.replace('"p. 5"', '"p. 11, n. 33"')},
        "data/actors/japan.yaml:6:31: error: n. 33 is printed on p. 12, not p. 11 (did you mean 'p. 12, n. 33'?)",
    ),
    (
        "page the source does not print",
        {PAGE_MAP: VALID_MAP, JAPAN: VALID_JAPAN.replace('"p. 5"', '"pp. 11-13"')},
        "data/actors/japan.yaml:6:31: error: pajon2013 has no printed p. 13 (pages 11–12)",
    ),
    (
        "footnote without its page",
        {PAGE_MAP: VALID_MAP, JAPAN: VALID_JAPAN.replace('"p. 5"', '"n. 30"')},
        "data/actors/japan.yaml:6:31: error: give the page with the note: n. 30 is printed on p. 12 ('p. 12, n. 30')",
    ),
    (
        "paragraph of a work mapped by page",
        {PAGE_MAP: VALID_MAP, JAPAN: VALID_JAPAN.replace('"p. 5"', '"para. 3"')},
        "data/actors/japan.yaml:6:31: error: pajon2013 is cited by page, not by paragraph ('p. 11')",
    ),
    (
        "footnote on the wrong page in a page's cite()",
        {PAGE_MAP: VALID_MAP, "docs/index.md": '# Home\n\nText.{{ cite("pajon2013", "p. 12, n. 26") }}\n'},
        "docs/index.md:3:28: error: n. 26 is printed on p. 11, not p. 12 (did you mean 'p. 11, n. 26'?)",
    ),
    (
        "note listed on two pages of a map",
        {PAGE_MAP: VALID_MAP.replace("[29, 30", "[28, 30")},
        "bib/maps/pajon2013.yaml:5:53: error: n. 28 is also listed on p. 11",
    ),
    (
        "inline citation of a note on the wrong page",
        {
            PAGE_MAP: VALID_MAP,
            JAPAN: VALID_JAPAN.replace("The Japanese state.", "The state [@pajon2013, p. 11, n. 33]."),
        },
        "data/actors/japan.yaml:4:33: error: n. 33 is printed on p. 12, not p. 11 (did you mean 'p. 12, n. 33'?)",
    ),
    (
        "inline citation of a page the source does not print, in a page",
        {PAGE_MAP: VALID_MAP, "docs/index.md": "# Home\n\nText [@pajon2013, p. 99].\n"},
        "docs/index.md:3:19: error: pajon2013 has no printed p. 99 (pages 11–12)",
    ),
    (
        "map of a work not in the bibliography",
        {"bib/maps/other.yaml": VALID_MAP.replace("key: pajon2013", "key: pajon2031")},
        "bib/maps/other.yaml:1:6: error: page map of unknown citation key 'pajon2031'",
    ),
    (
        "citation key read as a number",
        {JAPAN: VALID_JAPAN.replace("key: pajon2013", "key: 12345")},
        "data/actors/japan.yaml:6:11: error: field 'key' is read as a number (12345); an id or key is text in quotes",
    ),
    (
        "date written in hexadecimal",
        {EVENT: Path("tests/roots/basic", EVENT).read_text().replace('"1855"', "0x73F")},
        "data/events/shimoda-1855.yaml:3:7: error: '0x73F' in field 'date' is read as the number 1855; "
        "put it in quotes",
    ),
    (
        "YAML value that can't be converted",
        {JAPAN: VALID_JAPAN.replace("name: Japan", "name: !!int Japan")},
        "data/actors/japan.yaml:2:7: error: 'Japan' is not a valid !!int value",
    ),
    (
        "bidi override in a name",
        {JAPAN: VALID_JAPAN.replace("name: Japan", "name: Ja\u202epan")},
        "data/actors/japan.yaml:2:7: error: field 'name' contains a bidirectional-text control U+202E "
        "(RIGHT-TO-LEFT OVERRIDE); remove it",
    ),
    (
        "BibTeX entry with neither title nor creator",
        {"bib/extra.bib": "@misc{bare,\n  year = {2013},\n}\n"},
        "bib/extra.bib:1:1: error: entry 'bare' has neither a title nor an author, editor, organization or institution",
    ),
]


def _apply(root: Path, files: dict[str, str | bytes | None]) -> None:
    for rel, content in files.items():
        path = root / rel
        if content is None:
            path.unlink()
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")


@pytest.mark.parametrize(("name", "files", "expected"), CASES, ids=[c[0] for c in CASES])
def test_bad_input_is_located(tmp_path: Path, name: str, files: dict[str, str | bytes | None], expected: str) -> None:
    root = copy_root("basic", tmp_path)
    _apply(root, files)
    _, problems = load_project(root)
    lines = [str(p) for p in problems if p.is_error]
    assert expected in lines, "\n".join(lines)


def _rounds(cases: list[tuple[str, dict[str, str | bytes | None], str]]) -> list[list[int]]:
    """The cases in rounds whose edits touch no file in common (the first round that has room). A broken
    bibliography or configuration rightly keeps the checks that depend on it quiet, so such a case
    has a round to itself."""
    rounds: list[tuple[set[str], list[int]]] = []
    for i, (_, files, _) in enumerate(cases):
        alone = any(rel == "mkdocs.yml" or rel.startswith("bib/") for rel in files)
        touched = {"*"} if alone else set(files)
        for used, picked in rounds:
            if not alone and "*" not in used and not used & touched:
                used |= touched
                picked.append(i)
                break
        else:
            rounds.append((set(touched), [i]))
    return [picked for _, picked in rounds]


def test_problems_of_many_files_are_all_reported_together(tmp_path: Path) -> None:
    """The catalogue's edits applied many at once (never two to one file): one check reports every
    case's line, none hides another, and the clean project reports none of them."""
    clean = copy_root("basic", tmp_path / "clean")
    _, problems = load_project(clean)
    assert [str(p) for p in problems if p.is_error] == []
    rounds = _rounds(CASES)
    assert max(len(picked) for picked in rounds) >= 10  # one check meets many problems at once
    for n, picked in enumerate(rounds):
        root = copy_root("basic", tmp_path / f"round-{n}")
        for i in picked:
            _apply(root, CASES[i][1])
        _, problems = load_project(root)
        lines = [str(p) for p in problems if p.is_error]
        missing = [CASES[i][0] for i in picked if CASES[i][2] not in lines]
        assert missing == [], "\n".join(lines)
        assert len(lines) == len(set(lines)), "a problem reported twice"


def test_check_prints_every_problem_and_exits_1(tmp_path: Path) -> None:
    root = copy_root("basic", tmp_path)
    by_name = {c[0]: c for c in CASES}
    picked = [by_name["typo in a field name"], by_name["unknown actor"], by_name["BibTeX syntax error"]]
    _apply(root, {k: v for c in picked for k, v in c[1].items()})
    proc = run_cli("check", cwd=root)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stdout + proc.stderr
    out = proc.stdout.splitlines()
    assert all(c[2] in out for c in picked)
    assert proc.stderr.strip().startswith("check failed: ")


def test_check_clean_project_prints_one_summary_line(tmp_path: Path) -> None:
    root = copy_root("basic", tmp_path)
    proc = run_cli("check", cwd=root)
    assert proc.returncode == 0, proc.stdout
    assert proc.stdout.count("\n") == 1 and proc.stdout.startswith("check passed: ")
