"""One batch of citation formatting per build (the works come from :mod:`refsite.bibcsl`).

Formatting runs pandoc's citeproc through a small Lua script in a single
subprocess. A note's form depends only on the entry, the locator and its
position on the page (first, subsequent, or right after a citation of the same
work), so each distinct form is formatted once and cached across rebuilds, and on
disk across builds (:mod:`refsite.citecache`), by a hash of all it depends on.

A work cited first at several pinpoints needs a document per pinpoint (:func:`plan`); those
documents share citeproc runs (:func:`runs`), each in a section where pandoc starts positions
afresh, so the work citeproc does on every work of the batch is done once a run, not once a
document.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .citecache import DiskCache
from .context import MemoSlot, StoreSlot, current
from .limits import limit_reached, limited

LUA = Path(__file__).with_name("citeproc.lua")
SEPARATOR = "refsite-separator"

#: How many formatting subprocesses this process has run (the tests read it).
FORMAT_RUNS = "cite.pandoc"  # the tally of formatting runs (see refsite.context)


@dataclass(frozen=True)
class Cite:
    """One citation on a page: a key, a pinpoint and optional free text."""

    key: str
    locator: str = ""
    note: str = ""
    group: int = 0  # the footnote this citation is part of, on its page


Form = tuple[str, str, tuple[str, ...]]

_PAGE_NOTE = re.compile(r"^pp?\.\s*(\S+?),\s*nn?\.\s*(\S+)$")
_LABELED = re.compile(r"^(pp?|nn?|sec|para|chap)\.\s*(.+)$")
_LABEL = {"p": "p.", "pp": "p.", "n": "n.", "nn": "n.", "sec": "sec.", "para": "para.", "chap": "chap."}


def pinpoint(locator: str) -> tuple[str, str]:
    """A locator as (label, value); a note on a page in Chicago's form: 'p. 19, n. 60' -> ('p.', '19n60')."""
    text = " ".join(locator.split())
    if m := _PAGE_NOTE.match(text):
        return "p.", f"{m.group(1)}n{m.group(2)}"
    if m := _LABELED.match(text):
        return _LABEL[m.group(1)], m.group(2)
    return "", text


def collapse(cites: Sequence[Cite]) -> list[Cite]:
    """One note's citations with each work cited once, its locators gathered, as a style prints them:
    'p. 5', 'p. 7' and 'p. 19, n. 60' of one work become 'p. 5, 7, 19n60'. Locators of another
    kind (a paragraph beside a page) stay in a citation of their own; one with free text is kept apart."""
    out: list[Cite] = []
    values: dict[int, list[str]] = {}
    slot: dict[tuple[str, str], int] = {}
    for c in cites:
        if c.note:
            out.append(c)
            continue
        label, value = pinpoint(c.locator)
        if not value:
            if not any(o.key == c.key and not o.note for o in out):
                out.append(c)
            continue
        bare = next((i for i, o in enumerate(out) if o.key == c.key and not o.locator and not o.note), None)
        at = slot.get((c.key, label))
        if at is None:
            if bare is not None:  # a bare citation of the work gives way to one with a locator
                at = bare
                out[at] = c
            else:
                at = len(out)
                out.append(c)
            slot[(c.key, label)] = at
            values[at] = []
        # a locator gathered before ('p. 19, 19n59', when notes are joined again) counts part by part
        for part in value.split(", "):
            if part not in values[at]:
                values[at].append(part)
    gathered = [
        replace(c, locator=f"{pinpoint(c.locator)[0]} {', '.join(_in_order(values[i]))}".strip()) if i in values else c
        for i, c in enumerate(out)
    ]
    # a work cited with free text ('cited in ...') and bare at the same place is printed once, with the text
    noted = {(c.key, c.locator) for c in gathered if c.note}
    noted_keys = {key for key, _ in noted}

    def kept(c: Cite) -> bool:
        return bool(c.note) or ((c.key, c.locator) not in noted and not (c.key in noted_keys and not c.locator))

    return [c for c in gathered if kept(c)]


_PLACE = re.compile(r"^(\d+)(?:[–-]\d+)?(?:n(\d+))?$")


def _in_order(values: list[str]) -> list[str]:
    """Gathered locators in the work's order (15, 15n44, 17) where each is a page or a note on one;
    as they came otherwise."""
    keys: dict[str, tuple[int, int]] = {}
    for v in values:
        m = _PLACE.match(v)
        if m is None:
            return values
        keys[v] = (int(m[1]), int(m[2] or 0))
    return sorted(values, key=keys.__getitem__)


def suffix(cite: Cite) -> str:
    """What follows the work in a citation: the locator, then any free text, as pandoc reads them."""
    locator = " ".join(pinpoint(cite.locator)).strip()
    return ", ".join(part for part in (locator, cite.note) if part)


_FORMS: StoreSlot[tuple[Cite, ...], list[Form]] = StoreSlot("cite.forms")


def forms(cites: Sequence[Cite]) -> list[Form]:
    """The form each citation on one page takes: (key, locator, position context)."""
    key = tuple(cites)
    made = _FORMS()
    found = made.get(key)
    if found is None:
        if len(made) > 50_000:
            made.clear()
        found = made[key] = _forms(cites)
    return list(found)


def _forms(cites: Sequence[Cite]) -> list[Form]:
    out: list[Form] = []
    seen: set[str] = set()
    prev: Cite | None = None
    sizes: dict[int, int] = {}
    for c in cites:
        sizes[c.group] = sizes.get(c.group, 0) + 1
    for c in cites:
        # "ibid." only after the same work, in the same note or alone in the note before
        alone = prev is not None and (prev.group == c.group or sizes[prev.group] == 1)
        if c.key not in seen:
            ctx: tuple[str, ...] = ("first",)
        elif prev is not None and prev.key == c.key and alone:
            ctx = ("follows", suffix(prev))
        else:
            ctx = ("subsequent",)
        seen.add(c.key)
        prev = c
        out.append((c.key, suffix(c), ctx))
    return out


@dataclass(frozen=True)
class Plan:
    """Citation documents that make every needed form appear once, and where each form lands.

    The first ``fresh`` documents hold first citations only (a work's second pinpoint in a
    document of its own), so pandoc may format them in one run with positions reset between them.
    """

    docs: list[list[dict[str, Any]]]
    where: dict[Form, tuple[int, int]]
    fresh: int


def plan(needed: Iterable[Form]) -> Plan:
    """The documents that format every needed form (see :class:`Plan`)."""
    firsts: dict[str, list[str]] = {}
    later: dict[str, list[Form]] = {}
    for form in dict.fromkeys(needed):
        key, loc, ctx = form
        if ctx[0] == "first":
            firsts.setdefault(key, []).append(loc)
        else:
            later.setdefault(key, []).append(form)
    docs: list[list[dict[str, Any]]] = []
    where: dict[Form, tuple[int, int]] = {}
    depth = max((len(v) for v in firsts.values()), default=0)
    for j in range(depth):
        doc: list[dict[str, Any]] = []
        for key, locs in firsts.items():
            if j < len(locs):
                where[(key, locs[j], ("first",))] = (len(docs), len(doc))
                doc.append({"id": key, "locator": locs[j], "keep": True})
        docs.append(doc)
    fresh = len(docs)
    if later:
        doc = []
        for key, items in later.items():
            doc.append({"id": key, "locator": ""})
            for form in items:
                _, loc, ctx = form
                doc.append({"id": SEPARATOR, "locator": ""})
                if ctx[0] == "follows":
                    doc.append({"id": key, "locator": ctx[1]})
                where[form] = (len(docs), len(doc))
                doc.append({"id": key, "locator": loc, "keep": True})
        docs.append(doc)
    return Plan(docs, where, fresh)


#: The most citations one pandoc run formats together: bounds its memory on a large site.
RUN_CITATIONS = 10_000


def runs(made: Plan) -> list[list[int]]:
    """The documents grouped into citeproc runs (numbered from 1, as the Lua script counts): the
    documents of first citations together, up to :data:`RUN_CITATIONS` citations a run; any
    other document alone."""
    groups: list[list[int]] = []
    size = 0
    for i, doc in enumerate(made.docs[: made.fresh], 1):
        if not groups or size + len(doc) > RUN_CITATIONS:
            groups.append([])
            size = 0
        groups[-1].append(i)
        size += len(doc)
    return groups + [[i] for i in range(made.fresh + 1, len(made.docs) + 1)]


def join_notes(notes: list[list[Cite]], texts: list[str]) -> list[str]:
    """Group formatted citations back into notes: several sources in one note, joined by semicolons."""
    out, i = [], 0
    for note in notes:
        parts = texts[i : i + len(note)]
        i += len(note)
        trimmed = [p.rstrip().removesuffix(".") if n < len(parts) - 1 else p for n, p in enumerate(parts)]
        out.append("; ".join(trimmed))
    return out


_NOTE_MARK = re.compile(r"<!--note (\d+)-->")


def _split_notes(text: str) -> dict[int, str]:
    """Split one document's HTML at its note markers; strip each note's wrapping div."""
    parts = _NOTE_MARK.split(text)
    out = {}
    for i in range(1, len(parts), 2):
        body = parts[i + 1].strip()
        if body.startswith("<div>") and body.endswith("</div>"):
            body = body[5:-6].strip()
        out[int(parts[i])] = body
    return out


def _strip_p(fragment: str) -> str:
    text = fragment.strip()
    if text.startswith("<p>") and text.endswith("</p>") and text.count("<p>") == 1:
        return text[3:-4]
    return text


@dataclass(frozen=True)
class BibSource:
    """The BibTeX text a batch's items were converted from, with what settles each entry."""

    text: str
    types: Mapping[str, str] = field(default_factory=dict)
    private: Sequence[str] = ()


@dataclass(frozen=True)
class Batch:
    """What one build formats: each page's citations, the entries, the bibliography keys, extra items."""

    pages: Sequence[Sequence[Cite]]
    items: Mapping[str, dict[str, Any]]
    bibliography: Sequence[str] = ()
    extra: Sequence[dict[str, Any]] = ()
    source: BibSource | None = None  # the .bib text the items were read from, formatted from directly


@dataclass
class Result:
    """Formatted notes per page, and the bibliography in the style's order."""

    notes: list[list[str]]
    bibliography: list[tuple[str, str]]
    extra: dict[str, str] = field(default_factory=dict)


class CiteError(Exception):
    """The formatter failed: a bug or a broken style file, not bad data."""


def pandoc_path() -> str:
    """The pandoc binary shipped by pypandoc-binary."""
    import pypandoc

    return str(pypandoc.get_pandoc_path())


#: Most memory (address space) one pandoc run may take, in MiB; past it pandoc stops.
PANDOC_MEMORY_MB = 2048
#: Most processor time one pandoc run may take, in seconds; past it the system stops it.
PANDOC_CPU_SECONDS = 300


def pandoc_command(*args: str) -> list[str]:
    """The command that runs pandoc with ``args`` within :data:`PANDOC_MEMORY_MB` of memory and
    :data:`PANDOC_CPU_SECONDS` of processor time."""
    return limited([pandoc_path(), *args], PANDOC_MEMORY_MB, PANDOC_CPU_SECONDS)


def pandoc_failure(returncode: int, err: str) -> str:
    """One line on why pandoc failed: a limit it reached, else its own message."""
    reached = limit_reached("pandoc", returncode, err, PANDOC_MEMORY_MB, PANDOC_CPU_SECONDS)
    return reached or " ".join(err.split())[:300] or f"pandoc exited with status {returncode}"


class Job:
    """One running pandoc subprocess; ``wait()`` returns its decoded output."""

    def __init__(self, payload: dict[str, Any]) -> None:
        current().tally(FORMAT_RUNS)
        self.tmp = tempfile.TemporaryDirectory(prefix="refsite-cite-")
        src, self.dst = Path(self.tmp.name, "in.json"), Path(self.tmp.name, "out.json")
        src.write_text(json.dumps(payload), encoding="utf-8")
        self.proc = subprocess.Popen(
            pandoc_command("lua", str(LUA), str(src), str(self.dst)),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def wait(self) -> dict[str, Any]:
        try:
            _, err = self.proc.communicate()
            if self.proc.returncode != 0 or not self.dst.exists():
                raise CiteError(pandoc_failure(self.proc.returncode, err))
            result: dict[str, Any] = json.loads(self.dst.read_text(encoding="utf-8"))
            return result
        finally:
            self.tmp.cleanup()


def _digest(value: Any) -> str:
    return hashlib.sha1(json.dumps(value, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def style_digest(style: Path) -> str:
    """A fingerprint of a CSL file's content."""
    return hashlib.sha1(style.read_bytes()).hexdigest()


#: Raised by one whenever what the formatter stores on disk changes form: older files are then passed over.
CACHE_FORMAT = 1
_TOOLS: MemoSlot[str] = MemoSlot("cite.tools", 4)


def tools_digest() -> str:
    """A fingerprint of the formatting tools, taken without running them: the Lua script's
    content and each pandoc the engine may run (its path, size and modification time)."""
    return _TOOLS.get(_tools_digest, str(CACHE_FORMAT))


def _tools_digest() -> str:
    try:
        import pypandoc

        bundled = str(Path(pypandoc.__file__).parent / "files" / "pandoc")
        version = str(getattr(pypandoc, "__version__", ""))
    except ImportError:
        bundled, version = "", ""
    candidates = [
        os.environ.get("PYPANDOC_PANDOC", ""),
        shutil.which("pandoc") or "",
        bundled,
        os.path.join(sys.exec_prefix, "bin", "pandoc"),
        os.path.expanduser("~/bin/pandoc"),
        os.path.expanduser("~/.bin/pandoc"),
    ]
    found: list[Any] = [CACHE_FORMAT, version, hashlib.sha1(LUA.read_bytes()).hexdigest()]
    for path in candidates:
        try:
            info = os.stat(path) if path else None
        except OSError:
            info = None
        found.append([path, info.st_size, info.st_mtime_ns] if info else [path])
    return _digest(found)


def source_digest(source: BibSource | None) -> str:
    """A fingerprint of the .bib text a batch is formatted from, and of how it is settled."""
    if source is None:
        return ""
    h = hashlib.sha1(source.text.encode("utf-8", "surrogatepass"))
    h.update(json.dumps([sorted(source.types.items()), list(source.private)]).encode())
    return h.hexdigest()


class Formatter:
    """Formats citations in a CSL style; results are cached by style, entry and form."""

    def __init__(self, style: Path, lang: str = "en-US") -> None:
        self.style = style
        self.lang = lang
        self.style_hash = style_digest(style)
        self.cache: dict[tuple[str, Form], str] = {}
        self.bib_cache: dict[str, list[tuple[str, str]]] = {}
        self.extra_cache: dict[str, str] = {}
        self.store: DiskCache | None = None
        self._restored: set[str] = set()

    def use_store(self, store: DiskCache | None) -> None:
        """Keep what is formatted in ``store`` too, and take from it what it already holds."""
        if store is None or self.store is None or store.folder != self.store.folder:
            self._restored = set()
        self.store = store

    def _context(self, batch: Batch, fps: Mapping[str, str]) -> tuple[list[str], str]:
        """Every work the batch cites, and a fingerprint of them with the style and the .bib text.

        Each note is formatted with all of them present, so disambiguation (an author-date
        style's 2008a/2008b, say) is the same in every note and in the bibliography.
        """
        universe = sorted({c.key for cites in batch.pages for c in cites} | set(batch.bibliography))
        universe = [k for k in universe if k in fps]
        source = source_digest(batch.source)
        return universe, _digest([self.style_hash, [(k, fps[k]) for k in universe], source])

    def _file(self, ctx: str) -> str:
        """The name of the cache file of a context: everything else the output depends on added."""
        return _digest([ctx, self.style_hash, self.lang, tools_digest()])

    def _restore(self, ctx: str) -> None:
        """Take the context's formatted citations from the disk store (once; a file that is not
        sound is passed over whole)."""
        if self.store is None or ctx in self._restored:
            return
        self._restored.add(ctx)
        found = self.store.load(self._file(ctx))
        if found is None:
            return
        notes, bib, extra = found.get("notes"), found.get("bib"), found.get("extra")
        if not (_rows(notes, 4) and (bib is None or _rows(bib, 2)) and _rows(extra, 2)):
            return
        assert isinstance(notes, list) and isinstance(extra, list)
        if not all(isinstance(row[2], list) and all(isinstance(w, str) for w in row[2]) for row in notes):
            return
        for key, loc, where, text in notes:
            self.cache.setdefault((ctx, (key, loc, tuple(where))), text)
        if bib is not None:
            self.bib_cache.setdefault(ctx, [(k, text) for k, text in bib])
        for fp, text in extra:
            self.extra_cache.setdefault(fp, text)

    def _persist(self, ctx: str, extra: Iterable[str]) -> None:
        """Write the context's formatted citations to the disk store."""
        if self.store is None:
            return
        notes = [[form[0], form[1], list(form[2]), text] for (c, form), text in self.cache.items() if c == ctx]
        bib = self.bib_cache.get(ctx)
        rows = [[fp, self.extra_cache[fp]] for fp in dict.fromkeys(extra) if fp in self.extra_cache]
        value = {"notes": notes, "bib": [list(row) for row in bib] if bib is not None else None, "extra": rows}
        self.store.save(self._file(ctx), value)

    def submit(self, batch: Batch) -> Pending | None:
        """Start formatting whatever the cache lacks, in the background; None if nothing is missing."""
        fps = {key: _digest(item) for key, item in batch.items.items()}
        universe, ctx = self._context(batch, fps)
        self._restore(ctx)
        missing = {f for cites in batch.pages for f in forms(cites) if (ctx, f) not in self.cache}
        need_bib = bool(batch.bibliography) and ctx not in self.bib_cache
        extra_missing = [it for it in batch.extra if _digest([self.style_hash, it]) not in self.extra_cache]
        if not (missing or need_bib or extra_missing):
            return None
        made = plan(sorted(missing, key=lambda f: (f[0], f[1], f[2])))
        source = batch.source
        refs = {} if source is not None else {k: batch.items[k] for k in universe}
        refs[SEPARATOR] = {"id": SEPARATOR, "type": "document", "title": "—"}
        payload = {
            "csl": str(self.style),
            "lang": self.lang,
            "refs": refs,
            "bibtex": source.text if source is not None else "",
            "types": dict(source.types) if source is not None else {},
            "private": list(source.private) if source is not None else [],
            "universe": universe,
            "docs": made.docs,
            "runs": runs(made),
            "bib": [k for k in batch.bibliography if k in fps] if need_bib else [],
            "extra": list(extra_missing),
        }
        extra_keys = [_digest([self.style_hash, it]) for it in batch.extra]
        return Pending(Job(payload), made.where, ctx, need_bib, extra_missing, extra_keys)

    def collect(self, pending: Pending | None) -> None:
        """Wait for a submitted batch and store its results in the cache."""
        if pending is None:
            return
        out = pending.job.wait()
        split = [_split_notes(text) for text in out["docs"]]
        for form, (d, n) in pending.where.items():
            self.cache[(pending.context, form)] = split[d][n]
        if pending.bibliography:
            self.bib_cache[pending.context] = [(k, _strip_p(h.strip())) for k, h in out["bib"]]
        # 'extra' comes back in the style's order; match by id.
        by_id = {i: _strip_p(h.strip()) for i, h in out["extra"]}
        for it in pending.extra:
            self.extra_cache[_digest([self.style_hash, it])] = by_id.get(it["id"], "")
        self._persist(pending.context, pending.extra_keys)

    def assemble(self, batch: Batch) -> Result:
        """The formatted notes, bibliography and extra items, from the cache (KeyError if any is missing)."""
        fps = {key: _digest(item) for key, item in batch.items.items()}
        _, ctx = self._context(batch, fps)
        self._restore(ctx)
        notes = []
        for cites in batch.pages:
            out = []
            for form in forms(cites):
                out.append(_strip_p(self.cache[(ctx, form)]))
            notes.append(out)
        bib = self.bib_cache[ctx] if batch.bibliography else []
        ext = {it["id"]: self.extra_cache[_digest([self.style_hash, it])] for it in batch.extra}
        return Result(notes, bib, ext)

    def format(
        self,
        pages: Sequence[Sequence[Cite]],
        items: Mapping[str, dict[str, Any]],
        bibliography: Sequence[str] = (),
        extra: Sequence[dict[str, Any]] = (),
        source: BibSource | None = None,
    ) -> Result:
        """Format every page's notes, the bibliography of ``bibliography`` keys and ``extra`` items."""
        batch = Batch(pages, items, bibliography, extra, source)
        self.collect(self.submit(batch))
        return self.assemble(batch)


@dataclass
class Pending:
    """A submitted batch: the running job and where each result goes."""

    job: Job
    where: dict[Form, tuple[int, int]]
    context: str
    bibliography: bool
    extra: list[dict[str, Any]]
    extra_keys: list[str] = field(default_factory=list)  # every extra item of the batch, by fingerprint


def _rows(value: object, width: int) -> bool:
    """``value`` is a list of lists of ``width`` items, strings but for a note's position (a list)."""
    return isinstance(value, list) and all(
        isinstance(row, list)
        and len(row) == width
        and all(isinstance(v, str) for i, v in enumerate(row) if not (width == 4 and i == 2))
        for row in value
    )
