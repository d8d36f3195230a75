"""Load the BibTeX bibliography with bibtexparser, keeping file and line of each entry."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

import bibtexparser
from bibtexparser.model import DuplicateBlockKeyBlock, DuplicateFieldKeyBlock, Entry, ParsingFailedBlock
from pylatexenc import latex2text, latexwalker, macrospec

from .chars import hidden_char
from .context import StoreSlot
from .files import BIB_LIMIT, check_path, folder_problem, read_text_input, rel_path, walk_files
from .problems import Problem

_MERGED = re.compile(r"\n\s*([A-Za-z][\w-]*)\s*=\s*\S")
_MONTH_MACROS = {
    m: str(i)
    for i, m in enumerate(["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1)
}
_walker_db = latexwalker.get_default_latex_context_db()
_walker_db.add_context_category(
    "refsite",
    prepend=True,
    macros=[macrospec.MacroSpec("href", "{{"), macrospec.MacroSpec("url", "{"), macrospec.MacroSpec("footnote", "[{")],
)
_text_db = latex2text.get_default_latex_context_db()
_text_db.add_context_category(
    "refsite",
    prepend=True,
    macros=[
        latex2text.MacroTextSpec("href", simplify_repl="%(2)s (%(1)s)"),
        latex2text.MacroTextSpec("url", simplify_repl="%(1)s"),
        latex2text.MacroTextSpec("footnote", simplify_repl=" (%(2)s)"),
    ],
)
_latex = latex2text.LatexNodes2Text(math_mode="verbatim", strict_latex_spaces=True, latex_context=_text_db)
logging.getLogger("pylatexenc").setLevel(logging.CRITICAL)
_MACRO = re.compile(r"\\([A-Za-z@]+|.)\*?")

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


#: Fields naming who is responsible for a work; an entry needs one of them or a title.
CREATORS = ("author", "editor", "organization", "institution")


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


def _plain(value: str) -> str:
    """A rendering of LaTeX that needs no parser: macro names and braces dropped, their text kept."""
    return _MACRO.sub("", value).replace("{", "").replace("}", "").replace("~", "\u00a0")


def decode_checked(value: str) -> tuple[str, str | None]:
    """LaTeX markup to plain Unicode text, and why the LaTeX could not be read as written (or None).

    Never raises: LaTeX the converter fails on is shown with its macro names and braces
    dropped and its text kept.
    """
    trouble: str | None = None
    if re.search(r"[\\{}~$]", value):
        try:
            nodes, _, _ = latexwalker.LatexWalker(
                value, latex_context=_walker_db, tolerant_parsing=True
            ).get_latex_nodes()
            text = _latex.nodelist_to_text(nodes)
            value = text
        except Exception as exc:
            value = _plain(value)
            trouble = f"LaTeX that can't be read ({type(exc).__name__}), shown without its markup"
    for tex, char in (("``", "\u201c"), ("''", "\u201d"), ("`", "\u2018"), ("---", "\u2014"), ("--", "\u2013")):
        value = value.replace(tex, char)
    return " ".join(value.split()), trouble


def decode(value: str) -> str:
    """LaTeX markup to plain Unicode text (never raises; see :func:`decode_checked`)."""
    return decode_checked(value)[0]


def parse_bib(path: str, text: str) -> tuple[list[BibEntry], list[Problem]]:
    """Parse one BibTeX file's text; ``path`` is what problems report."""
    entries, problems, _ = _parse_bib(path, text)
    return entries, problems


def _parse_bib(path: str, text: str) -> tuple[list[BibEntry], list[Problem], bool]:
    """Entries, problems, and whether a block failed to parse (its entry is lost)."""
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
    lost = any(isinstance(block, ParsingFailedBlock) for block in library.failed_blocks)
    return entries, problems, lost


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
        if hidden := hidden_char(raw):
            problems.append(Problem(path, field_line, 1, f"field '{f.key}' of entry '{entry.key}' contains {hidden}"))
        if name == "url":
            fields[name] = raw
            continue
        fields[name], trouble = decode_checked(raw)
        if trouble:
            problems.append(
                Problem(path, field_line, 1, f"field '{f.key}' of entry '{entry.key}': {trouble}", "warning")
            )
    if not any(fields.get(n) for n in (*CREATORS, "title")):
        who = ", ".join(CREATORS[:-1]) + " or " + CREATORS[-1]
        problems.append(Problem(path, line, 1, f"entry '{entry.key}' has neither a title nor an {who}"))
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


# each .bib file as last read and parsed, by its path: (mtime, size, entries, problems, entries lost, text)
_CACHE: StoreSlot[Path, tuple[float, int, list[BibEntry], list[Problem], bool, str]] = StoreSlot("bib.files")


def load_bib(root: Path) -> tuple[dict[str, BibEntry], list[Problem]]:
    """All entries of ``root/bib/*.bib``; files are cached by mtime and size."""
    entries, problems, _, _ = load_bibliography(root)
    return entries, problems


def load_bibliography(root: Path) -> tuple[dict[str, BibEntry], list[Problem], bool, tuple[str, ...]]:
    """All entries of ``root/bib/*.bib``, their problems, whether the bibliography is complete, and
    the text of each file read (in file-name order).

    This is the one reading of the bibliography in a build: every file goes through the safe
    reader once, and the notes, the bibliography page, the downloads and the print edition take
    the texts from here. It is incomplete when a file could not be read or an entry could not be
    parsed: a citation of a key then may name a lost entry, and reports nothing more.
    """
    entries: dict[str, BibEntry] = {}
    problems: list[Problem] = []
    texts: list[str] = []
    complete = True
    bibdir = root / "bib"
    if bad := folder_problem(root, bibdir):
        return entries, [bad], False, ()
    for file in walk_files(root, bibdir, ".bib"):
        if file.parent != bibdir:
            continue
        rel = rel_path(root, file)
        why = check_path(root, file)
        stat = file.stat() if why is None else None
        cached = _CACHE().get(file)
        if stat is not None and cached and cached[0] == stat.st_mtime and cached[1] == stat.st_size:
            found, found_problems, lost, text = cached[2], cached[3], cached[4], cached[5]
        else:
            read, read_problems = read_text_input(root, file, BIB_LIMIT)
            if read is None:
                problems.extend(read_problems)
                complete = False
                continue
            assert stat is not None
            text = read
            found, found_problems, lost = _parse_bib(rel, text)
            _CACHE()[file] = (stat.st_mtime, stat.st_size, found, found_problems, lost, text)
        texts.append(text)
        complete = complete and not lost
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
    return entries, problems, complete, tuple(texts)
