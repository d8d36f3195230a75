"""Hostile and broken input: every case is exact located lines from `check`, never a traceback,
and nothing outside the project is read.

Classes: files (symlinks, devices, folders, sizes), YAML conversion and nesting, values of the
wrong type where an id, key, reference or date belongs, hidden characters, forged output lines,
follow-on errors, BibTeX LaTeX, mkdocs.yml and page front matter.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import check_in_process, copy_root, run_cli

MARK = "OUTSIDE-MARKER-5c1e9a"
JAPAN = "data/actors/japan.yaml"
ABE = "data/actors/abe-shinzo.yaml"
EVENT = "data/events/shimoda-1855.yaml"
BIB = "bib/refs.bib"
PAGE = "docs/index.md"

VALID_JAPAN = """id: japan
name: Japan
kind: state
summary: The Japanese state.
sources:
  - {key: pajon2013, locator: "p. 5"}
"""

Setup = Callable[[Path, Path], None]


def write(rel: str, text: str | bytes) -> Setup:
    """Write ``text`` to ``rel`` in the project."""

    def setup(root: Path, outside: Path) -> None:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")

    return setup


def edit(rel: str, old: str, new: str) -> Setup:
    """Replace ``old`` by ``new`` in the project file ``rel`` (``old`` must be there)."""

    def setup(root: Path, outside: Path) -> None:
        path = root / rel
        text = path.read_text(encoding="utf-8")
        assert old in text, (rel, old)
        path.write_text(text.replace(old, new, 1), encoding="utf-8")

    return setup


def japan(old: str, new: str) -> Setup:
    return write(JAPAN, VALID_JAPAN.replace(old, new))


def link(rel: str, target: str | Callable[[Path, Path], str]) -> Setup:
    """Make ``rel`` a symlink to ``target`` (a path, or a function of root and outside)."""

    def setup(root: Path, outside: Path) -> None:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        elif path.exists() or path.is_symlink():
            path.unlink()
        path.symlink_to(target(root, outside) if callable(target) else target)

    return setup


def to_outside(name: str) -> Callable[[Path, Path], str]:
    return lambda root, outside: str(outside / name)


def folder(rel: str) -> Setup:
    def setup(root: Path, outside: Path) -> None:
        if (root / rel).exists():
            (root / rel).unlink()
        (root / rel).mkdir(parents=True)
        (root / rel / "inner.txt").write_text(MARK, encoding="utf-8")

    return setup


def fifo(rel: str) -> Setup:
    def setup(root: Path, outside: Path) -> None:
        if (root / rel).exists():
            (root / rel).unlink()
        os.mkfifo(root / rel)

    return setup


def sparse(rel: str, size: int) -> Setup:
    """A file of ``size`` bytes (sparse: the test writes no data), starting with the marker."""

    def setup(root: Path, outside: Path) -> None:
        with open(root / rel, "wb") as f:
            f.write(f"id: x\nname: {MARK}\n".encode())
            f.truncate(size)

    return setup


def combine(*steps: Setup) -> Setup:
    def setup(root: Path, outside: Path) -> None:
        for step in steps:
            step(root, outside)

    return setup


DEEP_FLOW = "[" * 50_000
DEEP_BLOCK = "".join(" " * i + "-\n" for i in range(0, 400, 2)) + " " * 400 + "x\n"
DEEP_MAP = "{k: " * 10_000 + "x" + "}" * 10_000
REFUSED_OUT = "symlink leads outside the project; it is not read"

# (name, setup, exit status of check, exact lines printed on stdout)
CASES: list[tuple[str, Setup, int, list[str]]] = [
    # --- files -----------------------------------------------------------------------------
    (
        "record symlinked outside the project",
        link("data/actors/leak.yaml", to_outside("record.yaml")),
        1,
        [f"data/actors/leak.yaml:1:1: error: {REFUSED_OUT}"],
    ),
    (
        "record symlinked to /dev/zero",
        link("data/actors/zero.yaml", "/dev/zero"),
        1,
        [f"data/actors/zero.yaml:1:1: error: {REFUSED_OUT}"],
    ),
    (
        "record replaced by a symlink outside (its id stays reserved)",
        link(JAPAN, to_outside("record.yaml")),
        1,
        [f"data/actors/japan.yaml:1:1: error: {REFUSED_OUT}"],
    ),
    (
        "dangling record symlink",
        link("data/actors/gone.yaml", "nowhere.yaml"),
        1,
        ["data/actors/gone.yaml:1:1: error: dangling symlink (its target does not exist)"],
    ),
    (
        "record symlink into the project is read",
        combine(
            write("extra/kept.yaml", VALID_JAPAN.replace("japan", "nippon").replace("Japan", "Nippon")),
            link("data/actors/nippon.yaml", "../../extra/kept.yaml"),
        ),
        0,
        ["check passed: 5 actors, 1 places, 1 topics, 2 positions, 1 proposals, 1 events, 2 bibliography entries; "],
    ),
    (
        "record file is a FIFO",
        fifo("data/actors/pipe.yaml"),
        1,
        ["data/actors/pipe.yaml:1:1: error: is a FIFO, not a file; it is not read"],
    ),
    (
        "record file is a directory",
        folder("data/actors/folder.yaml"),
        1,
        ["data/actors/folder.yaml:1:1: error: is a directory, not a file; it is not read"],
    ),
    (
        "record file over the size limit",
        sparse("data/actors/huge.yaml", 2 * 1024 * 1024 + 1),
        1,
        ["data/actors/huge.yaml:1:1: error: file is too large (2,097,153 bytes; the limit is 2 MiB); it is not read"],
    ),
    (
        "kind folder symlinked outside the project",
        link("data/topics", to_outside("folder")),
        1,
        [f"data/topics:1:1: error: {REFUSED_OUT}"],
    ),
    (
        "data folder symlinked outside the project",
        link("data", to_outside("folder")),
        1,
        [f"data:1:1: error: {REFUSED_OUT}"],
    ),
    (
        "bib file symlinked outside the project",
        link("bib/leak.bib", to_outside("leak.bib")),
        1,
        [f"bib/leak.bib:1:1: error: {REFUSED_OUT}"],
    ),
    (
        "bib file symlinked to /dev/zero",
        link("bib/zero.bib", "/dev/zero"),
        1,
        [f"bib/zero.bib:1:1: error: {REFUSED_OUT}"],
    ),
    (
        "bib file is a directory",
        folder("bib/x.bib"),
        1,
        ["bib/x.bib:1:1: error: is a directory, not a file; it is not read"],
    ),
    (
        "bib file is a dangling symlink",
        link("bib/x.bib", "missing.bib"),
        1,
        ["bib/x.bib:1:1: error: dangling symlink (its target does not exist)"],
    ),
    (
        "bib file is a FIFO",
        fifo("bib/pipe.bib"),
        1,
        ["bib/pipe.bib:1:1: error: is a FIFO, not a file; it is not read"],
    ),
    (
        "bib file over the size limit",
        sparse("bib/huge.bib", 8 * 1024 * 1024 + 1),
        1,
        ["bib/huge.bib:1:1: error: file is too large (8,388,609 bytes; the limit is 8 MiB); it is not read"],
    ),
    (
        "bib folder symlinked outside the project",
        link("bib", to_outside("folder")),
        1,
        [f"bib:1:1: error: {REFUSED_OUT}"],
    ),
    (
        "docs page symlinked outside the project",
        link("docs/leak.md", to_outside("page.md")),
        1,
        [f"docs/leak.md:1:1: error: {REFUSED_OUT}"],
    ),
    (
        "docs asset symlinked outside the project",
        link("docs/assets/leak.txt", to_outside("page.md")),
        1,
        [f"docs/assets/leak.txt:1:1: error: {REFUSED_OUT}"],
    ),
    (
        "docs sub-folder symlinked outside the project",
        link("docs/more", to_outside("folder")),
        1,
        [f"docs/more:1:1: error: {REFUSED_OUT}"],
    ),
    (
        "docs page is a dangling symlink",
        link("docs/gone.md", "elsewhere.md"),
        1,
        ["docs/gone.md:1:1: error: dangling symlink (its target does not exist)"],
    ),
    (
        "docs page is a FIFO",
        fifo("docs/pipe.md"),
        1,
        ["docs/pipe.md:1:1: error: is a FIFO, not a file; it is not read"],
    ),
    (
        "mkdocs.yml symlinked outside the project",
        link("mkdocs.yml", to_outside("mkdocs.yml")),
        1,
        [f"mkdocs.yml:1:1: error: {REFUSED_OUT}"],
    ),
    (
        "theme override symlinked outside the project",
        combine(
            edit("mkdocs.yml", "  name: material", "  name: material\n  custom_dir: overrides"),
            link("overrides/main.html", to_outside("page.md")),
        ),
        1,
        [f"overrides/main.html:1:1: error: {REFUSED_OUT}"],
    ),
    (
        "docs_dir leading outside the project",
        edit("mkdocs.yml", "site_name: Sample Reference", "site_name: Sample Reference\ndocs_dir: ../outside"),
        1,
        ["mkdocs.yml:2:11: error: docs_dir '../outside' leads outside the project"],
    ),
    # --- YAML conversion and nesting ---------------------------------------------------------
    (
        "!!int on a word",
        japan("name: Japan", "name: !!int abc"),
        1,
        [f"{JAPAN}:2:7: error: 'abc' is not a valid !!int value"],
    ),
    (
        "!!bool on a word",
        japan("name: Japan", "name: !!bool maybe"),
        1,
        [f"{JAPAN}:2:7: error: 'maybe' is not a valid !!bool value"],
    ),
    (
        "!!float on a word",
        japan("name: Japan", "name: !!float abc"),
        1,
        [f"{JAPAN}:2:7: error: 'abc' is not a valid !!float value"],
    ),
    (
        "!!int on nothing",
        japan("name: Japan", 'name: !!int ""'),
        1,
        [f"{JAPAN}:2:7: error: '' is not a valid !!int value"],
    ),
    (
        "5,000-digit number",
        japan("name: Japan", "name: " + "7" * 5000),
        1,
        [f"{JAPAN}:2:7: error: number is too long (5000 digits); put it in quotes if it is text"],
    ),
    (
        "50,000 nested brackets",
        japan("name: Japan", "name: " + DEEP_FLOW),
        1,
        [f"{JAPAN}:2:56: error: nesting is too deep (more than 50 levels)"],
    ),
    (
        "10,000 nested block lists",
        write(JAPAN, VALID_JAPAN + "extra:\n" + DEEP_BLOCK),
        1,
        [f"{JAPAN}:57:99: error: nesting is too deep (more than 50 levels)"],
    ),
    (
        "10,000 nested mappings",
        write(JAPAN, VALID_JAPAN + "extra: " + DEEP_MAP),
        1,
        [f"{JAPAN}:7:204: error: nesting is too deep (more than 50 levels)"],
    ),
    (
        "alias to an anchor not yet defined",
        write(JAPAN, VALID_JAPAN + "notes: *later\n"),
        1,
        [f"{JAPAN}:7:8: error: invalid YAML: found undefined alias 'later'"],
    ),
    (
        "unsupported tag on a record value",
        japan("name: Japan", "name: !!binary aGVsbG8="),
        1,
        [f"{JAPAN}:2:7: error: unsupported YAML tag 'tag:yaml.org,2002:binary'"],
    ),
    # --- numbers where an id, key, reference or date belongs ---------------------------------
    (
        "citation key read as a number",
        japan("key: pajon2013", "key: 12345"),
        1,
        [f"{JAPAN}:6:11: error: field 'key' is read as a number (12345); an id or key is text in quotes"],
    ),
    (
        "reference read as a number",
        edit(ABE, "country: japan", "country: 1234"),
        1,
        [f"{ABE}:4:10: error: field 'country' is read as a number (1234); an id or key is text in quotes"],
    ),
    (
        "id read as a number",
        write("data/actors/123.yaml", VALID_JAPAN.replace("id: japan", "id: 456")),
        1,
        ["data/actors/123.yaml:1:5: error: field 'id' is read as a number (456); an id or key is text in quotes"],
    ),
    (
        "reference in a list read as a number",
        edit(EVENT, "actors: [japan, russia]", "actors: [japan, 1234]"),
        1,
        [f"{EVENT}:5:17: error: field 'actors' is read as a number (1234); an id or key is text in quotes"],
    ),
    (
        "reference read as true/false",
        edit(ABE, "country: japan", "country: yes"),
        1,
        [f"{ABE}:4:10: error: field 'country' is read as true/false (yes); an id or key is text in quotes"],
    ),
    (
        "hexadecimal date",
        edit(EVENT, 'date: "1855"', "date: 0x7DD"),
        1,
        [f"{EVENT}:3:7: error: '0x7DD' in field 'date' is read as the number 2013; put it in quotes"],
    ),
    (
        "sexagesimal date",
        edit(EVENT, 'date: "1855"', "date: 33:33"),
        1,
        [f"{EVENT}:3:7: error: '33:33' in field 'date' is read as the number 2013; put it in quotes"],
    ),
    (
        "octal date",
        edit(EVENT, 'date: "1855"', "date: 03735"),
        1,
        [f"{EVENT}:3:7: error: '03735' in field 'date' is read as the number 2013; put it in quotes"],
    ),
    (
        "underscored number in a name",
        japan("name: Japan", "name: 1_855"),
        1,
        [f"{JAPAN}:2:7: error: '1_855' in field 'name' is read as the number 1855; put it in quotes"],
    ),
    (
        "plain year stays a date",
        edit(EVENT, 'date: "1855"', "date: 1855"),
        0,
        ["check passed: 4 actors, 1 places, 1 topics, 2 positions, 1 proposals, 1 events, 2 bibliography entries; "],
    ),
    # --- hidden characters ------------------------------------------------------------------
    (
        "right-to-left override in a name",
        japan("name: Japan", 'name: "Ja\\u202Epan"'),
        1,
        [
            f"{JAPAN}:2:7: error: field 'name' contains a bidirectional-text control U+202E "
            "(RIGHT-TO-LEFT OVERRIDE); remove it"
        ],
    ),
    (
        "isolate in an event title",
        edit(EVENT, "title: Treaty of Shimoda", 'title: "Treaty \\u2066of Shimoda"'),
        1,
        [
            f"{EVENT}:2:8: error: field 'title' contains a bidirectional-text control U+2066 "
            "(LEFT-TO-RIGHT ISOLATE); remove it"
        ],
    ),
    (
        "Arabic letter mark in a summary",
        japan("The Japanese state.", '"The \\u061CJapanese state."'),
        1,
        [
            f"{JAPAN}:4:10: error: field 'summary' contains a bidirectional-text control U+061C "
            "(ARABIC LETTER MARK); remove it"
        ],
    ),
    (
        "zero-width space in a reference",
        edit(ABE, "country: japan", 'country: "ja\\u200Bpan"'),
        1,
        [f"{ABE}:4:10: error: field 'country' contains an invisible character U+200B (ZERO WIDTH SPACE); remove it"],
    ),
    (
        "soft hyphen in a role title",
        edit(ABE, "title: Prime Minister", 'title: "Prime Min\\u00ADister"'),
        1,
        [f"{ABE}:6:12: error: field 'title' contains an invisible character U+00AD (SOFT HYPHEN); remove it"],
    ),
    (
        "terminal escape in a name",
        japan("name: Japan", 'name: "\\e[31mJapan"'),
        1,
        [f"{JAPAN}:2:7: error: field 'name' contains a control character U+001B; remove it"],
    ),
    # --- forged output lines ------------------------------------------------------------------
    (
        "key holding a newline and a forged problem line",
        write(JAPAN, VALID_JAPAN + '"x\\ndata/actors/russia.yaml:1:1: error: forged": 1\n'),
        1,
        [
            f"{JAPAN}:7:1: error: unknown field 'x\\ndata/actors/russia.yaml:1:1: error: forged'",
        ],
    ),
    (
        "key holding a terminal escape",
        write(JAPAN, VALID_JAPAN + '"\\e[2J\\e[31mred": 1\n'),
        1,
        [f"{JAPAN}:7:1: error: field name '\\x1b[2J\\x1b[31mred' contains a control character U+001B"],
    ),
    (
        "file name holding a newline",
        write("data/actors/a\nb.yaml", VALID_JAPAN.replace("id: japan", "id: a-b")),
        1,
        ["data/actors/a\\nb.yaml:1:1: error: file name 'a\\nb' is not a valid id (lowercase kebab-case)"],
    ),
    (
        "file name holding a terminal escape and a carriage return",
        write("data/actors/\x1b[1mx\r.yaml", VALID_JAPAN.replace("id: japan", "id: x")),
        1,
        ["data/actors/\\x1b[1mx\\r.yaml:1:1: error: file name '\\x1b[1mx\\r' is not a valid id (lowercase kebab-case)"],
    ),
    # --- no follow-on errors ----------------------------------------------------------------
    (
        "syntax error in a record others refer to",
        edit(ABE, "kind: person", "kind: [person"),
        1,
        [f"{ABE}:4:8: error: invalid YAML: did not find expected ',' or ']'"],
    ),
    (
        "record others refer to is a list",
        write(ABE, "- id: abe-shinzo\n"),
        1,
        [f"{ABE}:1:1: error: a actor record must be a mapping, found a list"],
    ),
    (
        "record others refer to is not UTF-8",
        write(ABE, b"id: abe-shinzo\nname: \xff\n"),
        1,
        [f"{ABE}:2:7: error: file is not valid UTF-8 (byte 0xff)"],
    ),
    (
        "reference to a broken record of the wrong kind",
        combine(
            edit(ABE, "kind: person", "kind: [person"), edit(EVENT, "places: [etorofu-iturup]", "places: [abe-shinzo]")
        ),
        1,
        [
            f"{ABE}:4:8: error: invalid YAML: did not find expected ',' or ']'",
            f"{EVENT}:6:10: error: 'abe-shinzo' is an actor, expected a place",
        ],
    ),
    # --- BibTeX -----------------------------------------------------------------------------
    (
        "href in a note",
        edit(BIB, "  date = {2013-09},", "  date = {2013-09},\n  note = {\\href{https://example.org/x}{online}},"),
        0,
        ["check passed: 4 actors, 1 places, 1 topics, 2 positions, 1 proposals, 1 events, 2 bibliography entries; "],
    ),
    (
        "footnote without an argument",
        edit(BIB, "  date = {2013-09},", "  date = {2013-09},\n  note = {see \\footnote},"),
        0,
        [
            "bib/refs.bib:9:1: warning: field 'note' of entry 'pajon2013': LaTeX that can't be read (KeyError), "
            "shown without its markup",
            "check passed: 4 actors, 1 places, 1 topics, 2 positions, 1 proposals, 1 events, 2 bibliography entries; ",
        ],
    ),
    (
        "href with one argument",
        edit(BIB, "  date = {2013-09},", "  date = {2013-09},\n  note = {\\href{https://example.org/x}},"),
        0,
        [
            "bib/refs.bib:9:1: warning: field 'note' of entry 'pajon2013': LaTeX that can't be read (KeyError), "
            "shown without its markup",
            "check passed: 4 actors, 1 places, 1 topics, 2 positions, 1 proposals, 1 events, 2 bibliography entries; ",
        ],
    ),
    (
        "unbalanced math and odd macros",
        edit(
            BIB, "  date = {2013-09},", "  date = {2013-09},\n  note = {$x^2 \\newcommand{\\q}{y} \\verb|z| \\\\ end},"
        ),
        0,
        ["check passed: 4 actors, 1 places, 1 topics, 2 positions, 1 proposals, 1 events, 2 bibliography entries; "],
    ),
    (
        "50,000 nested braces in a title",
        write(
            "bib/deep.bib", "@book{deep,\n  title = {" + "{" * 50_000 + "x" + "}" * 50_000 + "},\n  year = 2013,\n}\n"
        ),
        0,
        [
            "bib/deep.bib:1:1: warning: entry 'deep' is cited nowhere",
            "bib/deep.bib:2:1: warning: field 'title' of entry 'deep': LaTeX that can't be read (RecursionError), "
            "shown without its markup",
            "check passed: 4 actors, 1 places, 1 topics, 2 positions, 1 proposals, 1 events, 3 bibliography entries; ",
        ],
    ),
    (
        "right-to-left override in a BibTeX title",
        edit(BIB, "Toward a Strategic", "Toward a \u202eStrategic"),
        1,
        [
            "bib/refs.bib:3:1: error: field 'title' of entry 'pajon2013' contains a bidirectional-text control "
            "U+202E (RIGHT-TO-LEFT OVERRIDE)"
        ],
    ),
    (
        "entry with neither title nor creator",
        write("bib/stub.bib", "@misc{stub2020,\n  year = {2020},\n}\n"),
        1,
        [
            "bib/stub.bib:1:1: error: entry 'stub2020' has neither a title nor an author, editor, organization "
            "or institution",
            "bib/stub.bib:1:1: warning: entry 'stub2020' is cited nowhere",
        ],
    ),
    # --- mkdocs.yml and page front matter -----------------------------------------------------
    (
        "mkdocs.yml nested 10,000 deep under extra",
        edit("mkdocs.yml", "validation:", "extra:\n  deep: " + DEEP_FLOW[:10_000] + "\nvalidation:"),
        1,
        ["mkdocs.yml:25:57: error: nesting is too deep (more than 50 levels)"],
    ),
    (
        "mkdocs.yml syntax error",
        edit("mkdocs.yml", "site_name: Sample Reference", "site_name: [Sample Reference"),
        1,
        ["mkdocs.yml:2:9: error: invalid YAML: did not find expected ',' or ']'"],
    ),
    (
        "mkdocs.yml !ENV would publish the build's environment",
        edit("mkdocs.yml", "site_name: Sample Reference", "site_name: Sample Reference\ncopyright: !ENV [COPY, x]"),
        1,
        ["mkdocs.yml:2:12: error: unsupported YAML tag '!ENV'"],
    ),
    (
        "front matter nested 10,000 deep",
        edit(PAGE, "# Sample", "---\ndeep: " + DEEP_MAP + "\n---\n# Sample"),
        1,
        [f"{PAGE}:2:203: error: nesting is too deep (more than 50 levels)"],
    ),
    (
        "front matter 50,000 nested brackets",
        edit(PAGE, "# Sample", "---\ndeep: " + DEEP_FLOW + "\n---\n# Sample"),
        1,
        [f"{PAGE}:2:56: error: nesting is too deep (more than 50 levels)"],
    ),
    (
        "front matter conversion error",
        edit(PAGE, "# Sample", "---\ntitle: !!int abc\n---\n# Sample"),
        1,
        [f"{PAGE}:2:8: error: 'abc' is not a valid !!int value"],
    ),
    (
        "front matter syntax error",
        edit(PAGE, "# Sample", "---\ntitle: [x\n---\n# Sample"),
        1,
        [f"{PAGE}:3:1: error: invalid YAML: did not find expected ',' or ']'"],
    ),
]


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """Files outside the project, each holding the marker: a record, a bib file, a page, a folder."""
    out = tmp_path / "outside"
    (out / "folder").mkdir(parents=True)
    (out / "record.yaml").write_text(VALID_JAPAN.replace("Japan", MARK), encoding="utf-8")
    (out / "leak.bib").write_text(f"@misc{{leak, title = {{{MARK}}}}}\n", encoding="utf-8")
    (out / "page.md").write_text(f"# {MARK}\n", encoding="utf-8")
    (out / "mkdocs.yml").write_text(f"site_name: {MARK}\nextra: {{m: {MARK}}}\n", encoding="utf-8")
    for name in ("actors.yaml", "x.yaml", "abe-shinzo.yaml", "x.bib", "x.md"):
        (out / "folder" / name).write_text(f"id: x\nname: {MARK}\n", encoding="utf-8")
    return out


def _lines(stdout: str) -> list[str]:
    """Printed lines, with the timing of a passed check cut off."""
    return [re.split(r"(?:no problems|\d+ warnings?) \(", line)[0] for line in stdout.splitlines()]


@pytest.mark.parametrize(("name", "setup", "status", "expected"), CASES, ids=[c[0] for c in CASES])
def test_hostile_input(
    tmp_path: Path, outside: Path, name: str, setup: Setup, status: int, expected: list[str]
) -> None:
    root = copy_root("basic", tmp_path)
    setup(root, outside)
    proc = check_in_process(root)
    out = proc.stdout + proc.stderr
    assert "Traceback" not in out
    assert MARK not in out
    assert proc.returncode == status, out
    assert _lines(proc.stdout) == expected, proc.stdout


def _tree(root: Path) -> dict[str, tuple[str, bytes]]:
    """Every entry under ``root``, links not followed: its type and its bytes (or link target)."""
    found: dict[str, tuple[str, bytes]] = {}
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            path = Path(folder) / name
            rel = path.relative_to(root).as_posix()
            if path.is_symlink():
                found[rel] = ("link", os.readlink(path).encode())
            elif path.is_file():
                found[rel] = ("file", path.read_bytes())
            elif path.is_dir():
                found[rel] = ("dir", b"")
            else:
                found[rel] = ("other", b"")
    return found


def test_hostile_files_side_by_side_report_exactly_their_own_lines(tmp_path: Path, outside: Path) -> None:
    """The failing cases applied many at once, never two to one file (a case changing the bibliography,
    the configuration or a page has a round to itself): one check prints exactly the union of their
    lines, so no case hides, repeats or garbles another's."""
    clean = copy_root("basic", tmp_path / "clean")
    before = _tree(clean)
    rounds: list[tuple[set[str], list[int]]] = []
    for i, (name, setup, status, _) in enumerate(CASES):
        if status != 1:
            continue
        probe = copy_root("basic", tmp_path / f"probe-{i}")
        setup(probe, outside)
        after = _tree(probe)
        touched = {rel for rel in before.keys() | after.keys() if before.get(rel) != after.get(rel)}
        assert touched, f"{name}: its setup changes nothing"
        alone = any(rel.split("/")[0] in ("bib", "docs", "mkdocs.yml") for rel in touched)
        for used, picked in rounds:
            if not alone and "*" not in used and not used & touched:
                used |= touched
                picked.append(i)
                break
        else:
            rounds.append(({"*"} if alone else touched, [i]))
    assert max(len(picked) for _, picked in rounds) >= 10
    for n, (_, picked) in enumerate(rounds):
        root = copy_root("basic", tmp_path / f"round-{n}")
        for i in picked:
            CASES[i][1](root, outside)
        proc = check_in_process(root)
        assert proc.returncode == 1
        expected = sorted(line for i in picked for line in CASES[i][3])
        assert sorted(_lines(proc.stdout)) == expected, [CASES[i][0] for i in picked]


def test_socket_is_not_read(tmp_path: Path) -> None:
    root = copy_root("basic", tmp_path)
    sock = socket.socket(socket.AF_UNIX)
    cwd = os.getcwd()
    try:
        os.chdir(root / "bib")  # a short relative name: socket paths are limited in length
        sock.bind("s.bib")
    finally:
        os.chdir(cwd)
    try:
        proc = run_cli("check", cwd=root)
    finally:
        sock.close()
    assert proc.returncode == 1
    assert proc.stdout.splitlines() == ["bib/s.bib:1:1: error: is a socket, not a file; it is not read"]


BUILD_CASES = [
    "theme override symlinked outside the project",
    "docs_dir leading outside the project",
    "bib file symlinked outside the project",
    "docs page symlinked outside the project",
    "docs asset symlinked outside the project",
    "record symlinked outside the project",
    "mkdocs.yml nested 10,000 deep under extra",
    "front matter nested 10,000 deep",
    "footnote without an argument",
]


@pytest.mark.parametrize("name", BUILD_CASES)
def test_build_refuses_and_publishes_nothing_from_outside(tmp_path: Path, outside: Path, name: str) -> None:
    _, setup, _, expected = next(c for c in CASES if c[0] == name)
    root = copy_root("basic", tmp_path)
    setup(root, outside)
    proc = run_cli("build", cwd=root)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out
    assert "Traceback" not in out
    assert MARK not in out
    assert expected[0] in proc.stdout.splitlines()
    assert not (root / "site").exists()
    for path in root.rglob("*"):
        if path.is_file() and not path.is_symlink() and "outside" not in path.parts:
            assert MARK.encode() not in path.read_bytes(), path
