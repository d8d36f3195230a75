"""The macros' signatures, and checks of their arguments: the same rules for ``make check``
(constant arguments read from a page's template) and for the build (the values passed)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .bib import BibEntry
from .model import KINDS, Record
from .problems import did_you_mean
from .validate import check_date, check_locator

#: name -> ordered parameters: (name, kind of value, required)
SIGNATURES: dict[str, tuple[tuple[str, str, bool], ...]] = {
    "link": (("id", "record", True), ("text", "text", False)),
    "cite": (("key", "bibkey", True), ("locator", "locator", False), ("note", "text", False)),
    "positions": (
        ("actor", "actor", False),
        ("topic", "topic", False),
        ("proposal", "proposal", False),
        ("since", "date", False),
        ("until", "date", False),
        ("group", "bool", False),
    ),
    "records": (
        ("kind", "kind", True),
        ("actor", "actor", False),
        ("topic", "topic", False),
        ("place", "place", False),
        ("since", "date", False),
        ("until", "date", False),
    ),
    "timeline": (
        ("since", "date", False),
        ("until", "date", False),
        ("topic", "topic", False),
        ("actor", "actor", False),
        ("place", "place", False),
    ),
    "timeline_chart": (
        ("since", "date", False),
        ("until", "date", False),
        ("topic", "topic", False),
        ("actor", "actor", False),
        ("place", "place", False),
    ),
    "map": (("place", "place", False), ("proposal", "proposal", False), ("caption", "text", False)),
    "island_comparison": (),
    "stances": (("proposal", "proposal", True),),
    "stance_matrix": (),
    "names": (("place", "place", True),),
    "count": (("kind", "kind", True),),
    "quote": (("text", "text", True),),
}

#: Names a narrative page may use: refsite's macros, the page (title, metadata) and ``extra`` of mkdocs.yml.
#: Pages render in a sandbox that offers nothing else (no configuration, environment or files).
MACRO_NAMES = frozenset(SIGNATURES) | frozenset(["page", "extra"])


@dataclass(frozen=True)
class ArgProblem:
    """A problem with one argument of a macro call (``param`` is '' for the call as a whole)."""

    param: str
    value: Any
    message: str


def bind(name: str, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> tuple[dict[str, Any], list[ArgProblem]]:
    """Match a call's arguments to the macro's parameters."""
    params = SIGNATURES[name]
    bound: dict[str, Any] = {}
    if len(args) > len(params):
        return bound, [ArgProblem("", None, f"{name}() takes at most {len(params)} arguments, {len(args)} given")]
    for (pname, _kind, _req), value in zip(params, args, strict=False):
        bound[pname] = value
    names = [p[0] for p in params]
    for key, value in kwargs.items():
        if key not in names:
            return bound, [ArgProblem("", None, f"{name}() has no argument '{key}'{did_you_mean(key, names)}")]
        if key in bound:
            return bound, [ArgProblem("", None, f"{name}() got two values for '{key}'")]
        bound[key] = value
    missing = [p[0] for p in params if p[2] and bound.get(p[0]) is None]
    if missing:
        return bound, [ArgProblem("", None, f"{name}() needs the argument '{missing[0]}'")]
    return bound, []


def check_args(
    name: str, bound: Mapping[str, Any], records: Mapping[str, Record], bib: Mapping[str, BibEntry]
) -> list[ArgProblem]:
    """Problems with the values of a bound call (None values mean 'not given')."""
    problems = []
    kinds = {p[0]: p[1] for p in SIGNATURES[name]}
    for param, value in bound.items():
        if value is None:
            continue
        kind = kinds[param]
        if kind == "bool":
            if not isinstance(value, bool):
                problems.append(ArgProblem(param, value, f"{name}(): '{param}' must be True or False"))
            continue
        if kind == "date":
            if isinstance(value, bool) or not isinstance(value, (str, int)):
                problems.append(ArgProblem(param, value, f"{name}(): '{param}' must be a date such as \"2013-04\""))
            elif msg := check_date(value):
                problems.append(ArgProblem(param, value, msg))
            continue
        if not isinstance(value, str):
            problems.append(ArgProblem(param, value, f"{name}(): '{param}' must be text in quotes, not {value!r}"))
            continue
        if kind == "bibkey" and value not in bib:
            problems.append(ArgProblem(param, value, f"unknown citation key '{value}'{did_you_mean(value, bib)}"))
        elif kind == "locator" and value and (msg := check_locator(value)):
            problems.append(ArgProblem(param, value, msg))
        elif kind == "kind" and value not in KINDS:
            problems.append(ArgProblem(param, value, f"unknown record kind '{value}'{did_you_mean(value, KINDS)}"))
        elif kind in KINDS or kind == "record":
            rec = records.get(value)
            if rec is None or (kind != "record" and rec.kind != kind):
                pool = [r.id for r in records.values() if kind == "record" or r.kind == kind]
                problems.append(ArgProblem(param, value, f"unknown {kind} '{value}'{did_you_mean(value, pool)}"))
    return problems
