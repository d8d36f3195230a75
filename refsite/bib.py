"""Load the BibTeX bibliography with bibtexparser, keeping file and line of each entry."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

import bibtexparser
from bibtexparser.model import DuplicateBlockKeyBlock, DuplicateFieldKeyBlock, Entry, ParsingFailedBlock
from pylatexenc.latex2text import LatexNodes2Text

from .problems import Problem

_MERGED = re.compile(r"\n\s*([A-Za-z][\w-]*)\s*=\s*\S")
_MONTH_MACROS = {
    m: str(i)
    for i, m in enumerate(["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1)
}
_latex = LatexNodes2Text(math_mode="verbatim", strict_latex_spaces=True)

#: Fields each entry type needs for a complete reference (warnings when missing).
NEEDED: dict[str, tuple[tuple[str, ...], ...]] = {
    "book": (("title",), ("date", "year")),
    "article": (("title",), ("journal", "journaltitle"), ("date", "year")),
    "report": (("title",), ("date", "year")),
    "techreport": (("title",), ("date", "year")),
    "incollection": (("title",), ("booktitle",), ("date", "year")),
    "inbook": (("title",), ("booktitle",), ("date", "year")),
    "online": (("title",), ("url", "organization", "publisher")),
    "misc": (("title", "note", "howpublished", "organization"),),
}


@dataclass(frozen=True)
class BibEntry:
    """One BibTeX entry, its fields decoded to text, and where it is defined."""

    key: str
    type: str
    fields: dict[str, str]
    path: str
    line: int
    raw_names: dict[str, list[str]] = field(default_factory=dict)

    def get(self, name: str, default: str = "") -> str:
        return self.fields.get(name, default)


def split_names(raw: str) -> list[str]:
    """Split a BibTeX name list on top-level ``and``; braces protect a name."""
    names, depth, start, i = [], 0, 0, 0
    while i < len(raw):
        ch = raw[i]
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        elif depth == 0 and raw[i : i + 5].lower() == " and ":
            names.append(raw[start:i].strip())
            start = i + 5
            i += 4
        i += 1
    names.append(raw[start:].strip())
    return [n for n in names if n]


def decode(value: str) -> str:
    """LaTeX markup to plain Unicode text."""
    if re.search(r"[\\{}~$]", value):
        value = _latex.latex_to_text(value)
    for tex, char in (("``", "\u201c"), ("''", "\u201d"), ("`", "\u2018"), ("---", "\u2014"), ("--", "\u2013")):
        value = value.replace(tex, char)
    return " ".join(value.split())


def parse_bib(path: str, text: str) -> tuple[list[BibEntry], list[Problem]]:
    """Parse one BibTeX file's text; ``path`` is what problems report."""
    problems: list[Problem] = []
    logger = logging.getLogger("bibtexparser")
    old_level, old_propagate = logger.level, logger.propagate
    logger.setLevel(logging.CRITICAL)
    logger.propagate = False
    try:
        library = bibtexparser.parse_string(text)  # type: ignore[attr-defined]
    finally:
        logger.setLevel(old_level)
        logger.propagate = old_propagate
    entries: list[BibEntry] = []
    for block in library.failed_blocks:
        line = (block.start_line or 0) + 1
        if isinstance(block, DuplicateBlockKeyBlock):
            problems.append(Problem(path, line, 1, f"duplicate BibTeX key '{block.key}'"))
        elif isinstance(block, DuplicateFieldKeyBlock):
            names = ", ".join(f"'{n}'" for n in sorted(block.duplicate_keys))
            key = getattr(block.ignore_error_block, "key", "?")
            problems.append(Problem(path, line, 1, f"entry '{key}' has the field {names} twice"))
        elif isinstance(block, ParsingFailedBlock):
            raw = block.raw or ""
            head = raw.strip().splitlines()[0][:40] if raw.strip() else "block"
            problems.append(
                Problem(path, line, 1, f"BibTeX syntax error in '{head}' (unbalanced braces or a missing comma?)")
            )
    strings = {st.key.lower(): str(st.value) for st in library.strings}
    for entry in library.entries:
        bib_entry, found = _entry(path, entry, strings)
        entries.append(bib_entry)
        problems.extend(found)
        problems.extend(_run_on_fields(path, entry))
    return entries, problems


def _run_on_fields(path: str, entry: Entry) -> list[Problem]:
    """A value that runs into a next ``name = {...}`` line: a missing comma merged two fields."""
    out = []
    for f in entry.fields:
        raw = str(f.value)
        m = _MERGED.search(raw)
        if m:
            line = (f.start_line or entry.start_line or 0) + 1 + raw[: m.start()].count("\n")
            message = f"missing comma after field '{f.key}' in entry '{entry.key}' (before '{m.group(1)}')"
            out.append(Problem(path, line, 1, message))
    return out


def _bare(value: str, strings: dict[str, str]) -> tuple[str, list[str]]:
    """Resolve a value written without braces: ``@string`` names, month macros, ``#`` concatenation."""
    parts, depth, quoted, start = [], 0, False, 0
    for i, ch in enumerate(value):
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        elif ch == '"' and depth == 0:
            quoted = not quoted
        elif ch == "#" and depth == 0 and not quoted:
            parts.append(value[start:i].strip())
            start = i + 1
    parts.append(value[start:].strip())
    out, unknown = [], []
    for part in parts:
        if (part.startswith("{") and part.endswith("}")) or (part.startswith('"') and part.endswith('"')):
            out.append(part[1:-1])
        elif part.isdigit():
            out.append(part)
        elif part.lower() in strings:
            out.append(strings[part.lower()])
        elif part.lower() in _MONTH_MACROS:
            out.append(part.lower())
        else:
            unknown.append(part)
    return "".join(out), unknown


def _entry(path: str, entry: Entry, strings: dict[str, str]) -> tuple[BibEntry, list[Problem]]:
    fields: dict[str, str] = {}
    raw_names: dict[str, list[str]] = {}
    problems: list[Problem] = []
    line = (entry.start_line or 0) + 1
    for f in entry.fields:
        name = f.key.lower()
        raw = str(f.value)
        field_line = (f.start_line or entry.start_line or 0) + 1
        if getattr(f, "enclosing", None) == "no-enclosing":
            raw, unknown = _bare(raw, strings)
            for word in (w for w in unknown if "\n" not in w):
                problems.append(
                    Problem(
                        path, field_line, 1, f"undefined @string '{word}' in field '{f.key}' of entry '{entry.key}'"
                    )
                )
        if name in fields:
            problems.append(Problem(path, field_line, 1, f"entry '{entry.key}' has the field '{name}' twice"))
            continue
        if name in ("author", "editor", "translator"):
            raw_names[name] = split_names(raw)
        fields[name] = raw if name == "url" else decode(raw)
    return BibEntry(entry.key, entry.entry_type.lower(), fields, path, line, raw_names), problems


def field_warnings(entry: BibEntry) -> list[Problem]:
    """Warnings for fields the entry's type needs but lacks."""
    out = []
    for alternatives in NEEDED.get(entry.type, (("title",),)):
        if not any(entry.fields.get(a) for a in alternatives):
            out.append(
                Problem(
                    entry.path,
                    entry.line,
                    1,
                    f"entry '{entry.key}' (@{entry.type}) lacks field '{' or '.join(alternatives)}'",
                    "warning",
                )
            )
    return out


_CACHE: dict[Path, tuple[float, int, list[BibEntry], list[Problem]]] = {}


def load_bib(root: Path) -> tuple[dict[str, BibEntry], list[Problem]]:
    """All entries of ``root/bib/*.bib``; files are cached by mtime and size."""
    entries: dict[str, BibEntry] = {}
    problems: list[Problem] = []
    bibdir = root / "bib"
    for file in sorted(bibdir.glob("*.bib")) if bibdir.is_dir() else []:
        rel = file.relative_to(root).as_posix()
        stat = file.stat()
        cached = _CACHE.get(file)
        if cached and cached[0] == stat.st_mtime and cached[1] == stat.st_size:
            found, found_problems = cached[2], cached[3]
        else:
            raw = file.read_bytes()
            try:
                text = raw.decode("utf-8-sig")
            except UnicodeDecodeError as exc:
                line = raw[: exc.start].count(b"\n") + 1
                problems.append(Problem(rel, line, 1, "file is not valid UTF-8"))
                continue
            found, found_problems = parse_bib(rel, text)
            _CACHE[file] = (stat.st_mtime, stat.st_size, found, found_problems)
        problems.extend(found_problems)
        for entry in found:
            if entry.key in entries:
                first = entries[entry.key]
                problems.append(
                    Problem(
                        rel, entry.line, 1, f"duplicate BibTeX key '{entry.key}' (first in {first.path}:{first.line})"
                    )
                )
                continue
            entries[entry.key] = entry
    return entries, problems
