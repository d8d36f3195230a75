"""The validated whole: records, bibliography, lookups and backlinks."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .bib import BibEntry, load_bib
from .bibrules import stub_entries
from .claims import claim_checks, page_claim_checks
from .load import read_yaml
from .macro_args import MACRO_NAMES, SIGNATURES, bind, check_args
from .model import KINDS, PLURAL, SCHEMA, Record, as_text
from .pagemap import SourceMap, check_map_keys, load_maps
from .problems import Problem, did_you_mean
from .validate import _walk_refs, check_bib_use, check_links, check_shape, citation_keys


@dataclass
class Dataset:
    """All records and bibliography entries of a project, with reverse links."""

    root: Path
    records: dict[str, Record]
    bib: dict[str, BibEntry]
    backlinks: dict[str, dict[tuple[str, str], list[Record]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        back: dict[str, dict[tuple[str, str], list[Record]]] = defaultdict(lambda: defaultdict(list))
        for rec in self.records.values():
            seen: set[tuple[str, str]] = set()
            for key, _f, target in _walk_refs(SCHEMA[rec.kind], rec.data, ()):
                name = str(key[0])
                if (target, name) in seen:
                    continue
                seen.add((target, name))
                back[target][(rec.kind, name)].append(rec)
        self.backlinks = {k: dict(v) for k, v in back.items()}
        self._by_kind = {
            kind: sorted((r for r in self.records.values() if r.kind == kind), key=sort_key) for kind in KINDS
        }

    def of_kind(self, kind: str) -> list[Record]:
        """Records of one kind, in their natural order (by date or by name)."""
        return self._by_kind[kind]

    def referring(self, target: str, kind: str, name: str) -> list[Record]:
        """Records of ``kind`` whose field ``name`` refers to ``target``."""
        return self.backlinks.get(target, {}).get((kind, name), [])

    def get(self, rid: str) -> Record | None:
        return self.records.get(rid)

    def cited_keys(self) -> dict[str, list[Record]]:
        """Bibliography key -> the records that cite it."""
        out: dict[str, list[Record]] = defaultdict(list)
        for rec, _key, cit in citation_keys(self.records.values()):
            k = as_text(cit.get("key"))
            if not out[k] or out[k][-1] is not rec:
                out[k].append(rec)
        return dict(out)


def sort_key(rec: Record) -> tuple[str, str]:
    """Dated records sort by date, others by label."""
    if rec.kind in ("position", "proposal", "event"):
        return (rec.date or "9999", rec.label.lower())
    return (rec.label.lower(), rec.id)


def load_records(root: Path) -> tuple[dict[str, Record], list[Problem]]:
    """Read and shape-check every ``data/<kind>s/<id>.yaml`` file."""
    problems: list[Problem] = []
    records: dict[str, Record] = {}
    data = root / "data"
    if not data.is_dir():
        return records, problems
    dirs = {PLURAL[k]: k for k in KINDS}
    for sub in sorted(data.iterdir()):
        rel = sub.relative_to(root).as_posix()
        if sub.name.startswith("."):
            continue
        if not sub.is_dir():
            problems.append(Problem(rel, 1, 1, "files belong in a kind folder such as data/actors/"))
            continue
        kind = dirs.get(sub.name)
        if kind is None:
            problems.append(Problem(rel, 1, 1, f"unknown record folder '{sub.name}'{did_you_mean(sub.name, dirs)}"))
            continue
        for file in sorted(sub.iterdir()):
            frel = file.relative_to(root).as_posix()
            if file.name.startswith("."):
                continue
            if file.suffix != ".yaml":
                problems.append(Problem(frel, 1, 1, "record files must end in .yaml"))
                continue
            doc, found = read_yaml(root, file)
            problems.extend(found)
            if doc is None:
                continue
            shape = check_shape(doc, kind, file.stem)
            problems.extend(shape)
            if not isinstance(doc.data, dict):
                continue
            rid = file.stem
            if rid in records:
                other = records[rid]
                problems.append(doc.problem(("id",), f"id '{rid}' is already used by {other.path}"))
                continue
            records[rid] = Record(kind, rid, doc.data, doc)
    return records, problems


def locate(lines: list[str], lineno: int, needle: str, after: int = 0) -> tuple[int, int]:
    """Line and column of ``needle`` on line ``lineno`` (from column ``after``), else of the line."""
    text = lines[lineno - 1] if 0 < lineno <= len(lines) else ""
    pos = text.find(needle, after)
    return lineno, (pos + 1 if pos >= 0 else max(after, 0) + 1)


def macro_calls(ast: Any) -> list[tuple[str, int, tuple[Any, ...] | None, dict[str, Any] | None]]:
    """Every call of a refsite macro in a parsed page: (name, line, constant args, constant kwargs).

    Arguments that are not constants (a variable, an expression) come back as None: the build checks them.
    """
    from jinja2 import nodes

    out: list[tuple[str, int, tuple[Any, ...] | None, dict[str, Any] | None]] = []
    for call in ast.find_all(nodes.Call):
        if not isinstance(call.node, nodes.Name) or call.node.name not in SIGNATURES:
            continue
        const = all(isinstance(a, nodes.Const) for a in call.args) and all(
            isinstance(k.value, nodes.Const) for k in call.kwargs
        )
        if not const or call.dyn_args is not None or call.dyn_kwargs is not None:
            out.append((call.node.name, call.lineno, None, None))
            continue
        args = tuple(a.value for a in call.args)
        kwargs = {k.key: k.value.value for k in call.kwargs}
        out.append((call.node.name, call.lineno, args, kwargs))
    return out


def front_matter(text: str) -> dict[str, Any]:
    """A page's YAML front matter (empty if none or unreadable)."""
    if not text.startswith("---"):
        return {}
    end = text.find("\n---", 3)
    if end < 0:
        return {}
    try:
        data = yaml.load(text[3:end], Loader=_ConfigLoader)
    except yaml.YAMLError:
        return {}
    return data if isinstance(data, dict) else {}


def check_page(
    rel: str,
    text: str,
    records: Mapping[str, Record],
    bib: Mapping[str, BibEntry],
    variables: frozenset[str] = frozenset(),
    maps: Mapping[str, SourceMap] | None = None,
) -> tuple[set[str], list[Problem]]:
    """Template syntax, unknown names, and the arguments of every macro call of one narrative page.

    ``variables`` are names the page may use besides the macros (``extra`` of mkdocs.yml);
    the page's own front matter adds its keys, and ``render_macros: false`` turns the checks off.
    """
    import jinja2
    from jinja2 import meta

    meta_vars = front_matter(text)
    if meta_vars.get("render_macros") is False:
        return set(), []
    known = MACRO_NAMES | variables | {str(k) for k in meta_vars}
    try:
        ast = jinja2.Environment().parse(text)
    except jinja2.TemplateSyntaxError as exc:
        return set(), [Problem(rel, exc.lineno or 1, 1, f"template syntax error: {exc.message}")]
    lines = text.splitlines()
    problems: list[Problem] = []
    for name in sorted(meta.find_undeclared_variables(ast) - known):
        line, col = 1, 1
        for i, src in enumerate(lines, 1):
            m = re.search(r"\b" + re.escape(name) + r"\b", src)
            if m and ("{{" in src or "{%" in src):
                line, col = i, m.start() + 1
                break
        message = f"unknown macro or variable '{name}'{did_you_mean(name, MACRO_NAMES)}"
        problems.append(Problem(rel, line, col, message))
    used: set[str] = set()
    seen: dict[tuple[str, int], int] = {}
    for name, lineno, args, kwargs in macro_calls(ast):
        nth = seen.get((name, lineno), 0)
        seen[(name, lineno)] = nth + 1
        source = lines[lineno - 1] if 0 < lineno <= len(lines) else ""
        start = -1
        for _ in range(nth + 1):
            start = source.find(f"{name}(", start + 1)
        if args is None or kwargs is None:
            continue
        bound, found = bind(name, args, kwargs)
        if not found:
            found = check_args(name, bound, records, bib, maps)
        if name == "cite" and isinstance(bound.get("key"), str):
            used.add(bound["key"])
        for problem in found:
            needle = str(problem.value) if problem.param else f"{name}("
            line, col = locate(lines, lineno, needle, max(start, 0))
            problems.append(Problem(rel, line, col, problem.message))
    return used, problems


def scan_pages(
    root: Path,
    docs_dir: str,
    records: dict[str, Record],
    bib: dict[str, BibEntry],
    maps: Mapping[str, SourceMap] | None = None,
) -> tuple[set[str], list[Problem]]:
    """Check every narrative page's template and macro calls; return the citation keys they use."""
    problems: list[Problem] = []
    used: set[str] = set()
    docs = root / docs_dir
    extra = read_config(root).get("extra")
    variables = frozenset(str(k) for k in extra) if isinstance(extra, dict) else frozenset()
    for page in sorted(docs.rglob("*.md")) if docs.is_dir() else []:
        rel = page.relative_to(root).as_posix()
        try:
            text = page.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            problems.append(Problem(rel, 1, 1, "file is not valid UTF-8"))
            continue
        keys, found = check_page(rel, text, records, bib, variables, maps)
        used |= keys
        problems.extend(found)
        keys, found = page_claim_checks(rel, text, bib, maps)
        used |= keys
        problems.extend(found)
    return used, problems


class _ConfigLoader(yaml.SafeLoader):
    """Reads mkdocs.yml for a few plain settings; tagged values (``!ENV``, ``!!python/name``) read as None."""


_ConfigLoader.add_multi_constructor("", lambda loader, suffix, node: None)


def read_config(root: Path) -> dict[str, Any]:
    """The project's mkdocs.yml as plain data (empty if missing or unreadable)."""
    try:
        config = yaml.load((root / "mkdocs.yml").read_text(encoding="utf-8"), Loader=_ConfigLoader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return {}
    return config if isinstance(config, dict) else {}


def docs_dir_of(root: Path) -> str:
    """The ``docs_dir`` setting of the project's mkdocs.yml (``docs`` if unset or unreadable)."""
    value = read_config(root).get("docs_dir")
    return value.strip("/") if isinstance(value, str) and value.strip("/") else "docs"


def load_project(root: Path, docs_dir: str | None = None) -> tuple[Dataset, list[Problem]]:
    """Load, validate and index a project. The dataset is usable only if no problem is an error."""
    if docs_dir is None:
        docs_dir = docs_dir_of(root)
    records, problems = load_records(root)
    bib, bib_problems = load_bib(root)
    problems.extend(bib_problems)
    problems.extend(stub_entries(bib.values()))
    maps, map_problems = load_maps(root)
    problems.extend(map_problems + check_map_keys(maps, bib))
    problems.extend(check_links(records, bib, maps))
    inline_keys, claim_problems = claim_checks(records.values(), bib, read_config(root), maps)
    problems.extend(claim_problems)
    used, page_problems = scan_pages(root, docs_dir, records, bib, maps)
    problems.extend(page_problems)
    problems.extend(check_bib_use(records.values(), used | inline_keys, bib))
    return Dataset(root, records, bib), sorted(set(problems))
