"""The validated whole: records, bibliography, lookups and backlinks."""

from __future__ import annotations

import contextlib
import json
import os
import re
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, TypeVar, cast

from .bib import BibEntry, load_bibliography
from .chars import markdown_bomb
from .claims import claim_checks, page_claim_checks
from .config import docs_dir as config_docs_dir
from .config import load_config, read_config
from .consistency import check_project as check_consistency
from .context import MemoSlot, current
from .files import GEO_LIMIT, PAGE_LIMIT, check_path, folder_problem, read_input, read_text_input, rel_path, walk_files
from .geodata import GEO_DIR, geo_file, geo_files
from .geodata import parse as parse_geo
from .load import parse_document, read_yaml
from .macro_args import MACRO_NAMES, SIGNATURES, ArgProblem, bind, check_args
from .memo import digest
from .model import KINDS, PLURAL, SCHEMA, Record, as_text
from .neutrality import TERMS_FILE, Terms, load_terms
from .neutrality import check_page as neutral_page
from .neutrality import check_records as neutral_records
from .pagemap import SourceMap, check_map_keys, load_maps
from .policy import css_problem, inside, static_file_problem
from .problems import Problem, did_you_mean
from .validate import ID_RE, Unread, _walk_refs, check_bib_use, check_links, check_shape, citation_keys

T = TypeVar("T")


@dataclass
class Reads:
    """What a page read of a dataset: the records it looked up, the back-links and the kinds it listed."""

    ids: set[str] = field(default_factory=set)
    refs: set[tuple[str, str, str]] = field(default_factory=set)
    kinds: set[str] = field(default_factory=set)
    fields: set[tuple[str, str]] = field(default_factory=set)  # (record id, field name)

    def touches(self, changes: Reads) -> bool:
        """Whether anything read here is among ``changes`` (what differs between two datasets)."""
        return not (
            self.ids.isdisjoint(changes.ids)
            and self.fields.isdisjoint(changes.fields)
            and self.refs.isdisjoint(changes.refs)
            and self.kinds.isdisjoint(changes.kinds)
        )

    def add(self, other: Reads) -> None:
        """Read what ``other`` read as well."""
        self.ids |= other.ids
        self.refs |= other.refs
        self.kinds |= other.kinds
        self.fields |= other.fields


@dataclass
class Dataset:
    """All records and bibliography entries of a project, with reverse links."""

    root: Path
    records: dict[str, Record]
    bib: dict[str, BibEntry]
    backlinks: dict[str, dict[tuple[str, str], list[Record]]] = field(default_factory=dict)
    geo: Mapping[str, Any] | None = None
    bib_texts: tuple[str, ...] = ()  # the text of each bib/*.bib file, as the safe reader read it once
    maps: Mapping[str, SourceMap] = field(default_factory=dict)  # bib/maps: each mapped work's pages, headings
    derived: dict[Any, tuple[Any, Reads]] = field(default_factory=dict, compare=False, repr=False)
    readers: list[Reads] = field(default_factory=list, compare=False, repr=False)
    prints: dict[str, str] = field(default_factory=dict, compare=False, repr=False)

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
        for reads in self.readers:
            reads.kinds.add(kind)
        return self._by_kind[kind]

    def referring(self, target: str, kind: str, name: str) -> list[Record]:
        """Records of ``kind`` whose field ``name`` refers to ``target``."""
        for reads in self.readers:
            reads.refs.add((target, kind, name))
        return self.backlinks.get(target, {}).get((kind, name), [])

    def get(self, rid: str) -> Record | None:
        for reads in self.readers:
            reads.ids.add(rid)
        return self.records.get(rid)

    # -- what pages read, so that a page is made again only when something it shows changed ------

    @contextlib.contextmanager
    def reading(self) -> Iterator[Reads]:
        """Note every record looked up, back-link followed and kind listed meanwhile."""
        reads = Reads()
        self.readers.append(reads)
        current().field_readers.append(reads.fields)
        try:
            yield reads
        finally:
            self.readers.remove(reads)
            current().field_readers.remove(reads.fields)

    def derive(self, key: Any, make: Callable[[], T]) -> T:
        """A value worked out from the dataset once and used by many pages (a place's names on every
        map); whoever uses it has read what making it read."""
        if key not in self.derived:
            with self.reading() as reads:
                value = make()
            self.derived[key] = (value, reads)
        value, reads = self.derived[key]
        for reader in self.readers:
            reader.add(reads)
        return cast(T, value)

    def fingerprint(self, rid: str) -> str:
        """What a record is: its file's text (and where it is); "-" when there is no such record."""
        found = self.prints.get(rid)
        if found is None:
            rec = self.records.get(rid)
            found = "-" if rec is None else digest(rec.kind, rec.path, rec.src.text)
            self.prints[rid] = found
        return found

    def changes_since(self, before: Dataset) -> Reads:
        """What a page could have read that differs from ``before``: records that came or went (or
        changed kind), fields whose value changed, back-link lists and kind lists that changed."""
        changes = Reads()
        changed: list[str] = []
        for rid in self.records.keys() | before.records.keys():
            if self.fingerprint(rid) == before.fingerprint(rid):
                continue
            changed.append(rid)
            old, new = before.records.get(rid), self.records.get(rid)
            if old is None or new is None or old.kind != new.kind:
                changes.ids.add(rid)
            old_data, new_data = (old.data if old else {}), (new.data if new else {})
            for name in old_data.keys() | new_data.keys():
                if name not in old_data or name not in new_data or old_data[name] != new_data[name]:
                    changes.fields.add((rid, name))
        targets: set[str] = set()
        for rid in changed:
            for ds in (before, self):
                rec = ds.records.get(rid)
                if rec is not None:
                    targets.update(target for _key, _f, target in _walk_refs(SCHEMA[rec.kind], rec.data, ()))
        for target in targets:
            old_links, new_links = before.backlinks.get(target, {}), self.backlinks.get(target, {})
            for kind, name in old_links.keys() | new_links.keys():
                ids_then = [r.id for r in old_links.get((kind, name), [])]
                ids_now = [r.id for r in new_links.get((kind, name), [])]
                if ids_then != ids_now:
                    changes.refs.add((target, kind, name))
        for kind in KINDS:
            if [r.id for r in before._by_kind[kind]] != [r.id for r in self._by_kind[kind]]:
                changes.kinds.add(kind)
        return changes

    def geo_fingerprint(self) -> str:
        """What the map's geography is (empty without one)."""
        if "geo" not in self.prints:
            self.prints["geo"] = digest(json.dumps(self.geo, sort_keys=True)) if self.geo else ""
        return self.prints["geo"]

    def cited_keys(self) -> dict[str, list[Record]]:
        """Bibliography key -> the records that cite it."""
        out: dict[str, list[Record]] = defaultdict(list)
        for rec, _key, cit in citation_keys(self.records.values()):
            k = as_text(cit.get("key"))
            if not out[k] or out[k][-1] is not rec:
                out[k].append(rec)
        return dict(out)


def sort_key(rec: Record) -> tuple[str, str]:
    """Dated records sort by date, others by label (people by family name, see ``Record.sort_label``)."""
    if rec.kind in ("position", "proposal", "event"):
        return (rec.date or "9999", rec.label.lower())
    return (rec.sort_label.lower(), rec.id)


def load_records(root: Path) -> tuple[dict[str, Record], Unread, list[Problem]]:
    """Read and shape-check every ``data/<kind>s/<id>.yaml`` file.

    Returns the records, what could not be read (a file that fails to load still reserves its
    id, so references to it report nothing more), and the problems.
    """
    problems: list[Problem] = []
    records: dict[str, Record] = {}
    reserved: dict[str, str] = {}
    lost: set[str] = set()
    data = root / "data"
    if bad := folder_problem(root, data):
        return records, Unread(kinds=frozenset(KINDS)), [bad]
    if not data.is_dir():
        return records, Unread(), problems
    dirs = {PLURAL[k]: k for k in KINDS}
    for sub in sorted(data.iterdir()):
        rel = rel_path(root, sub)
        if sub.name.startswith("."):
            continue
        if bad := folder_problem(root, sub) if sub.is_symlink() else None:
            problems.append(bad)
            if sub.name in dirs:
                lost.add(dirs[sub.name])
            continue
        if not sub.is_dir() and sub.name == TERMS_FILE.name:
            continue  # the term list of the neutrality check, read by load_terms
        if not sub.is_dir():
            problems.append(Problem(rel, 1, 1, "files belong in a kind folder such as data/actors/"))
            continue
        kind = dirs.get(sub.name)
        if kind is None and sub.name == GEO_DIR.name:
            continue  # the map's geography, read by load_geo
        if kind is None:
            problems.append(Problem(rel, 1, 1, f"unknown record folder '{sub.name}'{did_you_mean(sub.name, dirs)}"))
            continue
        for file in sorted(sub.iterdir()):
            frel = rel_path(root, file)
            if file.name.startswith("."):
                continue
            if file.suffix != ".yaml":
                problems.append(Problem(frel, 1, 1, "record files must end in .yaml"))
                continue
            rid = file.stem
            doc, found = read_yaml(root, file)
            problems.extend(found)
            if ID_RE.match(rid):
                reserved.setdefault(rid, kind)
            if doc is None:
                continue
            shape = _SHAPES.get(partial(check_shape, doc, kind, rid), doc.path, doc.text, kind, rid)
            problems.extend(shape)
            if not isinstance(doc.data, dict):
                continue
            if rid in records:
                other = records[rid]
                problems.append(doc.problem(("id",), f"id '{rid}' is already used by {other.path}"))
                continue
            records[rid] = Record(kind, rid, doc.data, doc)
    return records, Unread({k: v for k, v in reserved.items() if k not in records}, frozenset(lost)), problems


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


FRONT_MATTER_RE = re.compile(r"^-{3}[ \t]*\n(.*?\n)(?:\.{3}|-{3})[ \t]*\n", re.DOTALL)


def read_front_matter(rel: str, text: str) -> tuple[dict[str, Any], list[Problem]]:
    """A page's YAML front matter (empty if none), read as MkDocs finds it, and its problems."""
    m = FRONT_MATTER_RE.match(text)
    if not m:
        return {}, []
    doc, problems = parse_document(rel, m.group(1), first_line=2, what="front matter")
    if doc is None or not isinstance(doc.data, dict):
        return {}, problems
    return doc.data, problems


def front_matter(text: str) -> dict[str, Any]:
    """A page's YAML front matter (empty if none or unreadable)."""
    return read_front_matter("page", text)[0]


def _parse_only() -> Any:
    """A Jinja environment to read page templates with: sandboxed, and folding no constant
    expression while it looks at the template (``9 ** 99999999`` would never end, and
    ``'x'|center(10**9)`` would make a gigabyte): its filters and tests, never run, ask for the
    render context, which keeps Jinja's compiler from calling them on constants."""
    import jinja2
    from jinja2.exceptions import SecurityError
    from jinja2.sandbox import SandboxedEnvironment

    class ParseOnly(SandboxedEnvironment):
        intercepted_binops = frozenset({"*", "**", "/", "//", "%", "+", "-"})
        intercepted_unops = frozenset({"+", "-"})

    @jinja2.pass_context
    def never_folded(*args: Any, **kwargs: Any) -> Any:
        raise SecurityError("a page template is only read here, not run")

    env = ParseOnly()
    env.filters = dict.fromkeys(env.filters, never_folded)
    env.tests = dict.fromkeys(env.tests, never_folded)
    return env


_SHAPES: MemoSlot[list[Problem]] = MemoSlot("dataset.shapes", 20_000)  # a record file's shape problems, by its text
# parsed pages: only read (find_all, find_undeclared_variables)
_PAGE_ASTS: MemoSlot[Any] = MemoSlot("dataset.page_asts", 1024)
_PAGE_NAMES: MemoSlot[frozenset[str]] = MemoSlot("dataset.page_names", 1024)  # the names each page's template uses


def check_page(
    rel: str,
    text: str,
    records: Mapping[str, Record],
    bib: Mapping[str, BibEntry],
    variables: frozenset[str] = frozenset(),
    unread: Unread | None = None,
    maps: Mapping[str, SourceMap] | None = None,
) -> tuple[set[str], list[Problem]]:
    """Template syntax, unknown names, and the arguments of every macro call of one narrative page.

    ``variables`` are names the page may use besides the macros (``extra`` of mkdocs.yml);
    the page's own front matter adds its keys, and ``render_macros: false`` turns the checks off.
    """
    import jinja2
    from jinja2 import meta

    meta_vars, meta_problems = read_front_matter(rel, text)
    if meta_problems:
        return set(), meta_problems
    if bomb := markdown_bomb(text):
        line = text.count("\n", 0, bomb[0]) + 1
        return set(), [Problem(rel, line, bomb[0] - (text.rfind("\n", 0, bomb[0]) + 1) + 1, bomb[1])]
    if meta_vars.get("render_macros") is False:
        return set(), []
    known = MACRO_NAMES | variables | {str(k) for k in meta_vars}
    try:
        ast = _PAGE_ASTS.get(lambda: _parse_only().parse(text), text)
    except jinja2.TemplateSyntaxError as exc:
        return set(), [Problem(rel, exc.lineno or 1, 1, f"template syntax error: {exc.message}")]
    lines = text.splitlines()
    problems: list[Problem] = []
    names = _PAGE_NAMES.get(lambda: frozenset(meta.find_undeclared_variables(ast)), text)
    for name in sorted(names - known):
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
            found = [p for p in check_args(name, bound, records, bib, maps) if not _unread_arg(name, p, unread)]
        if name == "cite" and isinstance(bound.get("key"), str):
            used.add(bound["key"])
        for problem in found:
            needle = str(problem.value) if problem.param else f"{name}("
            line, col = locate(lines, lineno, needle, max(start, 0))
            problems.append(Problem(rel, line, col, problem.message))
    return used, problems


def _unread_arg(name: str, problem: ArgProblem, unread: Unread | None) -> bool:
    """True if ``problem`` is about an argument naming what could not be read (a follow-on)."""
    if unread is None or not problem.param or not isinstance(problem.value, str):
        return False
    kind = dict((p[0], p[1]) for p in SIGNATURES[name]).get(problem.param)
    if kind == "bibkey":
        return unread.bib
    if kind == "record":
        return unread.covers(problem.value, KINDS)
    return kind in KINDS and unread.covers(problem.value, (kind,))


def scan_pages(
    root: Path,
    docs_dir: str,
    records: dict[str, Record],
    bib: dict[str, BibEntry],
    config: dict[str, Any] | None = None,
    unread: Unread | None = None,
    maps: Mapping[str, SourceMap] | None = None,
    terms: Terms | None = None,
) -> tuple[set[str], list[Problem]]:
    """Check every narrative page's template and macro calls; return the citation keys they use.
    With a term list, one side's terms in the pages' own voice are errors too.

    Every file under the docs folder that may not be read (a symlink leaving the project,
    a dangling one, a device) is an error: MkDocs would publish it.
    """
    problems: list[Problem] = []
    used: set[str] = set()
    docs = root / docs_dir
    if bad := folder_problem(root, docs):
        return used, [bad]
    extra = (read_config(root) if config is None else config).get("extra")
    variables = frozenset(str(k) for k in extra) if isinstance(extra, dict) else frozenset()
    for page in walk_files(root, docs, ""):
        if not page.name.endswith(".md"):
            if (why := check_path(root, page) or static_file_problem(page.relative_to(docs).as_posix())) is not None:
                problems.append(Problem(rel_path(root, page), 1, 1, why))
            elif page.suffix.lower() == ".css":
                css, found = read_text_input(root, page, PAGE_LIMIT)
                problems.extend(found)
                if css is not None and (css_bad := css_problem(css)):
                    line = css.count("\n", 0, css_bad[0]) + 1
                    col = css_bad[0] - css.rfind("\n", 0, css_bad[0])
                    problems.append(Problem(rel_path(root, page), line, col, css_bad[1]))
            continue
        text, found = read_text_input(root, page, PAGE_LIMIT)
        if text is None:
            problems.extend(found)
            continue
        rel = rel_path(root, page)
        keys, found = check_page(rel, text, records, bib, variables, unread, maps)
        used |= keys
        problems.extend(found)
        keys, found = page_claim_checks(rel, text, bib, maps)
        used |= keys
        problems.extend(found)
        if terms is not None:
            problems.extend(neutral_page(rel, text, terms))
    return used, problems


def docs_dir_of(root: Path) -> str:
    """The ``docs_dir`` setting of the project's mkdocs.yml (``docs`` if unset or unreadable)."""
    return config_docs_dir(root)


def _theme_problems(root: Path, config: dict[str, Any]) -> list[Problem]:
    """Files of the theme's ``custom_dir`` that may not be read (MkDocs would read or publish them)."""
    theme = config.get("theme")
    custom = theme.get("custom_dir") if isinstance(theme, dict) else None
    if not isinstance(custom, str) or not inside(root, custom):
        return []  # refused in mkdocs.yml itself (refsite.policy)
    folder = root / custom.strip("/")
    if bad := folder_problem(root, folder):
        return [bad]
    out = []
    for path in walk_files(root, folder, ""):
        if (why := check_path(root, path)) is not None:
            out.append(Problem(rel_path(root, path), 1, 1, why))
    return out


def check_addresses(root: Path, docs_dir: str, records: Mapping[str, Record]) -> list[Problem]:
    """A narrative page where a record's generated page goes is an error (an index page may replace
    the generated index of its kind: that is how an editor writes one)."""
    problems: list[Problem] = []
    docs = root / docs_dir
    for rec in records.values():
        rel = f"{PLURAL[rec.kind]}/{rec.id}.md"
        if (docs / rel).is_file():
            message = (
                f"this page has the address of the generated page of {rec.kind} '{rec.id}' ({rec.path}); rename it"
            )
            problems.append(Problem(f"{docs_dir}/{rel}", 1, 1, message))
    return problems


def load_project(root: Path, docs_dir: str | None = None) -> tuple[Dataset, list[Problem]]:
    """Load, validate and index a project. The dataset is usable only if no problem is an error."""
    config, problems = load_config(root)
    if docs_dir is None:
        docs_dir = config_docs_dir(root, config)
    records, unread, record_problems = load_records(root)
    problems.extend(record_problems)
    bib, bib_problems, bib_complete, bib_texts = load_bibliography(root)
    problems.extend(bib_problems)
    unread = Unread(unread.ids, unread.kinds, not bib_complete)
    maps, map_problems = load_maps(root)
    problems.extend(map_problems + check_map_keys(maps, bib))
    problems.extend(check_links(records, bib, unread, maps))
    inline_keys, claim_problems = claim_checks(records.values(), bib, config, maps)
    problems.extend(claim_problems)
    terms, term_problems = load_terms(root)
    problems.extend(term_problems)
    if terms is not None:
        problems.extend(neutral_records(records.values(), terms))
    used, page_problems = scan_pages(root, docs_dir, records, bib, config, unread, maps, terms)
    problems.extend(page_problems)
    # checks across records leave out a record whose file has an error already: one mistake, one line
    broken = {p.path for p in problems if p.is_error}
    problems.extend(check_consistency(root, docs_dir, {k: r for k, r in records.items() if r.path not in broken}))
    problems.extend(check_bib_use(records.values(), used | inline_keys, bib))
    problems.extend(_theme_problems(root, config))
    problems.extend(check_addresses(root, docs_dir, records))
    geo, geo_problems = load_geo(root, records)
    problems.extend(geo_problems)
    return Dataset(root, records, bib, geo=geo, bib_texts=bib_texts, maps=maps), sorted(set(problems))


def load_geo(root: Path, records: Mapping[str, Record]) -> tuple[Mapping[str, Any] | None, list[Problem]]:
    """The map's geography (the one file in ``data/geo/``) and problems with the places' ``location.shape``."""
    path = geo_file(root)
    shown = rel_path(root, path)
    problems: list[Problem] = []
    if len(several := geo_files(root)) > 1:
        names = ", ".join(p.name for p in several)
        problems.append(
            Problem(rel_path(root, several[1]), 1, 1, f"one map geography per project; data/geo holds {names}")
        )
    geo = None
    if os.path.lexists(path):
        if bad := folder_problem(root, path.parent):
            return None, [bad]
        raw, found = read_input(root, path, GEO_LIMIT)  # never a link out, a device or an unbounded file
        if raw is None:
            return None, found
        geo = parse_geo(raw)
        if geo is None:
            problems.append(Problem(rel_path(root, path), 1, 1, "not the map geography written by 'refsite geodata'"))
    features = geo.get("features", {}) if geo else {}
    for rec in records.values():
        loc = rec.get("location")
        shape = loc.get("shape") if isinstance(loc, dict) else None
        if isinstance(shape, str) and shape not in features:
            where = f"{shown}{did_you_mean(shape, features)}" if geo else f"{shown} (missing)"
            problems.append(rec.src.problem(("location", "shape"), f"unknown shape '{shape}' in {where}"))
    return geo, problems
