"""Checks that an entry of bib/ can be printed as a reference, beyond what BibTeX syntax requires."""

from __future__ import annotations

from collections.abc import Iterable

from .bib import BibEntry
from .problems import Problem


def stub_entries(entries: Iterable[BibEntry]) -> list[Problem]:
    """An entry with neither an author (or editor) nor a title prints as a bare stub: an error at the entry."""
    return [
        Problem(
            e.path,
            e.line,
            1,
            f"entry '{e.key}' has neither an author nor a title, so it would print as a bare stub; "
            "give it a title, or the organisation as author in double braces: author = {{Name}}",
        )
        for e in entries
        if not any(e.get(name).strip() for name in ("author", "editor", "title"))
    ]
