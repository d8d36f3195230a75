"""Problems in user input, reported as ``path:line:col: severity: message``."""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
#: The file ``refsite build`` writes its located problems to as JSON, when set (as ``--problems`` does).
PROBLEMS_ENV = "REFSITE_PROBLEMS"


def escape(text: str) -> str:
    """``text`` with every control, format and line-separator character written as an escape.

    A path, key or value quoted in a message can then never end the line, start a forged
    ``path:line:col: error:`` line, or send a terminal escape sequence.
    """
    if text.isprintable():
        return text
    out = []
    for ch in text:
        if ch == " " or ch.isprintable():
            out.append(ch)
        elif ch in _NAMED:
            out.append(_NAMED[ch])
        elif unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp") or ord(ch) < 0x20:
            out.append(f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return "".join(out)


@dataclass(frozen=True, order=True)
class Problem:
    """One problem found in the project's input files."""

    path: str
    line: int
    col: int
    message: str
    severity: str = "error"

    def __str__(self) -> str:
        return f"{escape(self.path)}:{self.line}:{self.col}: {self.severity}: {escape(self.message)}"

    @property
    def is_error(self) -> bool:
        return self.severity == "error"


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """Return `` (did you mean 'x'?)`` for the closest candidate, or ``''``."""
    pool = list(candidates)
    match = difflib.get_close_matches(word, pool, n=1, cutoff=0.6)
    if not match and len(word) >= 3:
        match = sorted((c for c in pool if word in c.split("-") or c.startswith(word)), key=lambda c: (len(c), c))[:1]
    return f" (did you mean '{match[0]}'?)" if match else ""


def summary_line(problems: list[Problem]) -> str:
    """A closing line counting errors and warnings."""
    errors = sum(p.is_error for p in problems)
    warnings = len(problems) - errors
    parts = []
    if errors:
        parts.append(f"{errors} error{'s' if errors != 1 else ''}")
    if warnings:
        parts.append(f"{warnings} warning{'s' if warnings != 1 else ''}")
    return ", ".join(parts) if parts else "no problems"


class ProblemsFound(Exception):
    """Raised at the edges when input problems stop a build."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(summary_line(problems))
        self.problems = problems
