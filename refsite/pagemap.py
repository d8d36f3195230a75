"""Maps of a source's printed pages and paragraphs, and the check of a locator against them.

A map lives in ``bib/maps/<name>.yaml`` and describes one work of the bibliography: its
printed pages (each with the footnotes printed at its foot and the words it starts with)
or its paragraphs. A citation of a mapped work must name a page, note or paragraph that
the work prints, and a note together with the page that prints it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .files import folder_problem, walk_files
from .load import Key, Located, read_yaml
from .problems import Problem

_NUM = r"(\d+)"
_RANGE = r"(\d+)\s*[-–]\s*(\d+)"
_NOTE = rf"(?:,\s*(?:n\.\s*{_NUM}|nn\.\s*{_RANGE}))?"
_PAGE_RE = re.compile(rf"^p\.\s*{_NUM}{_NOTE}$")
_PAGES_RE = re.compile(rf"^pp\.\s*{_RANGE}{_NOTE}$")
_NOTE_RE = re.compile(rf"^(?:n\.\s*{_NUM}|nn\.\s*{_RANGE})$")
_PARA_RE = re.compile(rf"^para\.\s*(?:{_RANGE}|{_NUM})$")
_SEC_RE = re.compile(r"^sec\.\s*(.+)$")


@dataclass(frozen=True)
class SourceMap:
    """The printed pages (page -> notes at its foot) or paragraphs of one work."""

    key: str
    pages: Mapping[int, frozenset[int]]
    paragraphs: frozenset[int]
    sections: frozenset[str]
    uncertain: tuple[tuple[int, int], ...] = ()
    path: str = ""
    pos: tuple[int, int] = (1, 1)
    headings: tuple[str, ...] = ()  # the section headings the work prints

    def is_heading(self, text: str) -> bool:
        """Whether ``text`` is one of the work's section headings, or its opening words."""
        said = _plain(text)
        return bool(said) and any(h == said or h.startswith(said + " ") for h in map(_plain, self.headings))

    def note_page(self, note: int) -> int | None:
        """The page that prints ``note``, if any."""
        for page, notes in self.pages.items():
            if note in notes:
                return page
        return None

    @staticmethod
    def _span(numbers: Mapping[int, Any] | frozenset[int]) -> str:
        return f"{min(numbers)}–{max(numbers)}"

    def check(self, locator: str) -> str | None:
        """An error message if ``locator`` names no place this work prints, else None."""
        text = locator.strip()
        if m := _PAGE_RE.match(text):
            return self._pages(text, int(m[1]), int(m[1]), m[2], m[3], m[4])
        if m := _PAGES_RE.match(text):
            return self._pages(text, int(m[1]), int(m[2]), m[3], m[4], m[5])
        if m := _NOTE_RE.match(text):
            if not self.pages:
                return f"{self.key} has no numbered notes; cite a paragraph ('para. 1')"
            first, last = (int(m[1]), int(m[1])) if m[1] else (int(m[2]), int(m[3]))
            for note in range(first, last + 1):
                if self.note_page(note) is None:
                    return f"{self.key} prints no n. {note}"
            page = self.note_page(first)
            return f"give the page with the note: n. {first} is printed on p. {page} ('p. {page}, {text}')"
        if m := _PARA_RE.match(text):
            if not self.paragraphs:
                return f"{self.key} is cited by page, not by paragraph ('p. {min(self.pages)}')"
            first, last = (int(m[1]), int(m[2])) if m[1] else (int(m[3]), int(m[3]))
            for para in (first, last):
                if para not in self.paragraphs:
                    return f"{self.key} has no para. {para} (paras. {self._span(self.paragraphs)})"
            if first >= last and m[1]:
                return f"paragraph range '{text}' must run forward"
            return None
        if m := _SEC_RE.match(text):
            if m[1].strip() in self.sections:
                return None
            named = ", ".join(f"'sec. {s}'" for s in sorted(self.sections))
            return f"{self.key} has no section '{m[1].strip()}' without a page number; cite a page or one of {named}"
        want = "'p. 15', 'p. 15, n. 44' or 'pp. 15–16'" if self.pages else "'para. 4'"
        return f"locator '{text}' cannot be checked against the map of {self.key}: use {want}"

    def _pages(
        self, text: str, first: int, last: int, note: str | None, nfirst: str | None, nlast: str | None
    ) -> str | None:
        if not self.pages:
            return f"{self.key} is cited by paragraph, not by page ('para. 1')"
        for page in (first, last):
            if page not in self.pages:
                return f"{self.key} has no printed p. {page} (pages {self._span(self.pages)})"
        if last < first or (last == first and text.startswith("pp.")):
            return f"page range '{text}' must run forward over two pages or more"
        notes = [int(note)] if note else list(range(int(nfirst), int(nlast) + 1)) if nfirst and nlast else []
        for n in notes:
            printed = self.note_page(n)
            if printed is None:
                return f"{self.key} prints no n. {n}"
            if not first <= printed <= last:
                where = f"p. {first}" if first == last else f"pp. {first}–{last}"
                return f"n. {n} is printed on p. {printed}, not {where} (did you mean 'p. {printed}, n. {n}'?)"
        if not notes and first == last:
            for a, b in self.uncertain:
                if a <= first <= b:
                    return f"the break between pp. {a} and {b} of {self.key} cannot be placed: cite 'pp. {a}–{b}'"
        return None


def _plain(text: str) -> str:
    """Text compared as words: case, curly apostrophes, spacing and end punctuation aside."""
    return " ".join(text.replace("\u2019", "'").lower().split()).rstrip(".:;, ")


def check_map_keys(maps: Mapping[str, SourceMap], bib: Mapping[str, object]) -> list[Problem]:
    """A problem for each map of a work that is not in the bibliography."""
    return [
        Problem(m.path, *m.pos, f"page map of unknown citation key '{m.key}'")
        for m in maps.values()
        if m.key not in bib
    ]


def check_locator(maps: Mapping[str, SourceMap], key: str, locator: str) -> str | None:
    """An error message if ``locator`` of a citation of ``key`` names no place the work prints."""
    found = maps.get(key)
    return found.check(locator) if found else None


def _ints(doc: Located, key: Key, value: Any, problems: list[Problem]) -> list[int]:
    if not isinstance(value, list) or not all(isinstance(v, int) and not isinstance(v, bool) for v in value):
        problems.append(doc.problem(key, "expected a list of numbers, e.g. [44, 45]"))
        return []
    return list(value)


def parse_map(doc: Located) -> tuple[SourceMap | None, list[Problem]]:
    """Build a map from a parsed file, with a located problem for each malformed entry."""
    problems: list[Problem] = []
    data = doc.data
    if not isinstance(data, dict) or not isinstance(data.get("key"), str):
        return None, [doc.problem(("key",), "a page map needs 'key': the BibTeX key of the work it maps")]
    if not isinstance(data.get("method"), str) or not data["method"].strip():
        problems.append(doc.problem(("key",), "a page map needs 'method': how its pages or paragraphs were found"))
    pages: dict[int, frozenset[int]] = {}
    paragraphs: set[int] = set()
    for field, label in (("pages", "page"), ("paragraphs", "para")):
        items = data.get(field) or []
        if not isinstance(items, list):
            problems.append(doc.problem((field,), f"'{field}' must be a list"))
            continue
        for i, item in enumerate(items):
            number = item.get(label) if isinstance(item, dict) else None
            if not isinstance(number, int) or isinstance(number, bool):
                problems.append(doc.problem((field, i), f"each entry needs '{label}': a number"))
                continue
            if not isinstance(item.get("starts"), str):
                problems.append(doc.problem((field, i), f"{label} {number} needs 'starts': its first words"))
            if number in pages or number in paragraphs:
                problems.append(doc.problem((field, i, label), f"{label} {number} is listed twice"))
            if field == "pages":
                pages[number] = frozenset(_ints(doc, (field, i, "notes"), item.get("notes", []), problems))
            else:
                paragraphs.add(number)
    if not pages and not paragraphs:
        problems.append(doc.problem(("key",), "a page map needs 'pages' or 'paragraphs'"))
    seen: dict[int, int] = {}
    for i, item in enumerate(data.get("pages") or []):
        notes = item.get("notes") if isinstance(item, dict) else None
        for j, note in enumerate(notes if isinstance(notes, list) else []):
            if note in seen:
                problems.append(doc.problem(("pages", i, "notes", j), f"n. {note} is also listed on p. {seen[note]}"))
            seen[note] = item.get("page")
    uncertain = []
    for i, span in enumerate(data.get("uncertain") or []):
        nums = _ints(doc, ("uncertain", i), span, problems)
        if len(nums) == 2 and nums[0] in pages and nums[1] in pages and nums[0] < nums[1]:
            uncertain.append((nums[0], nums[1]))
        elif nums:
            problems.append(doc.problem(("uncertain", i), "an uncertain span is two printed pages, e.g. [15, 16]"))
    sections = data.get("sections") or []
    if not isinstance(sections, list) or not all(isinstance(s, str) for s in sections):
        problems.append(doc.problem(("sections",), "'sections' must be a list of names"))
        sections = []
    headings = data.get("headings") or []
    if not isinstance(headings, list) or not all(isinstance(s, str) and s.strip() for s in headings):
        problems.append(doc.problem(("headings",), "'headings' must be a list of the section headings the work prints"))
        headings = []
    if problems:
        return None, problems
    where = doc.pos(("key",))
    return SourceMap(
        data["key"],
        pages,
        frozenset(paragraphs),
        frozenset(sections),
        tuple(uncertain),
        doc.path,
        where,
        tuple(headings),
    ), []


def load_maps(root: Path) -> tuple[dict[str, SourceMap], list[Problem]]:
    """Every map under ``root/bib/maps``, by the key of the work it maps."""
    maps: dict[str, SourceMap] = {}
    problems: list[Problem] = []
    folder = root / "bib" / "maps"
    if bad := folder_problem(root, folder):
        return maps, [bad]
    for file in walk_files(root, folder, ".yaml") if folder.is_dir() else []:
        doc, found = read_yaml(root, file)
        problems.extend(found)
        if doc is None:
            continue
        smap, found = parse_map(doc)
        problems.extend(found)
        if smap is None:
            continue
        if smap.key in maps:
            problems.append(doc.problem(("key",), f"a second map for '{smap.key}'"))
            continue
        maps[smap.key] = smap
    return maps, problems
