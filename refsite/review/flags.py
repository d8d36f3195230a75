"""What a reviewer must look at: lost citations, unsourced changes, inconsistent dates, orphans."""

from __future__ import annotations

import difflib
import json
import posixpath
import re
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path

from ..dataset import Dataset, docs_dir_of, scan_pages
from ..editions import EDITIONS_DIR
from ..files import PAGE_LIMIT, read_text_input
from ..model import PLURAL, Record, as_text
from ..neutrality import Terms, lint_text
from ..sanitize import URL_SCHEMES
from ..validate import _walk_citations
from .facts import FactChange, fact_changes, opening, stated_on
from .pages import PageDiff
from .records import RecordDiff
from .site import Page

_INLINE = re.compile(r"@([A-Za-z0-9_][\w:.#$%&+?<>~/-]*?)(?:,\s*([^;\]@]*[^;\]@\s]))?(?=[;\]\s\"')]|$)")
_MARK = re.compile(r"\[\d+\]")
# generated lists: their paragraphs cite nothing and their links do not make a record linked
_INDEXES = {f"{p}/" for p in PLURAL.values()} | {"bibliography/", f"{EDITIONS_DIR}/"}


@dataclass(frozen=True)
class Flag:
    """A located finding, new in this change or already on the base."""

    path: str
    line: int
    col: int
    message: str
    severity: str = "warning"
    new: bool = True
    source: str = "review"  # review (a reviewer's flag), check, build or git
    risk: str = ""  # the kind of risk it is (see RISKS), shown in the ranked summary; "" for others
    before: str = ""  # what was there, in one line (for the summary)
    after: str = ""  # what is there now

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}: {self.severity}: {self.message}"

    @property
    def key(self) -> tuple[str, str]:
        """The same finding in the same file, whatever dates or counts it quotes."""
        return (self.path, re.sub(r"\d+", "#", self.message))


def _where(rec: Record, *field: str | int) -> tuple[str, int, int]:
    line, col = rec.src.pos(tuple(field)) if field else (1, 1)
    return rec.path, line, col


def citations_of(rec: Record) -> set[str]:
    """Every citation a record makes (source lists and inline ``[@key, p. 5]``), as comparable text."""
    out = {json.dumps(cit, sort_keys=True, default=str) for _, cit in _walk_citations(rec.data, ())}
    text = json.dumps(rec.data, default=str, ensure_ascii=False)
    for key, locator in _INLINE.findall(text):
        out.add(json.dumps({"key": key, "locator": locator.strip()} if locator else {"key": key}, sort_keys=True))
    return out


def _cite(cit: str) -> tuple[str, str]:
    data = json.loads(cit)
    return as_text(data.get("key")), as_text(data.get("locator"))


def _cite_text(cit: str) -> str:
    data = json.loads(cit)
    return ", ".join(str(data[k]) for k in ("key", "locator", "note") if data.get(k))


def _where_cited(rec: Record, key: str, locator: str) -> tuple[str, int, int]:
    """Where a record cites ``key`` at ``locator`` (its sources list when the citation stands inline)."""
    for path, cit in _walk_citations(rec.data, ()):
        if as_text(cit.get("key")) == key and as_text(cit.get("locator")) == locator:
            return _where(rec, *path)
    return _where(rec, "sources") if rec.get("sources") is not None else _where(rec)


STANCE_WORDS = {
    "supports": ("supports", "supported", "support", "backs", "backed", "endorses", "endorsed", "accepts", "accepted"),
    "opposes": ("opposes", "opposed", "oppose", "rejects", "rejected", "refuses", "refused", "against"),
    "open": ("open to", "willing", "reopen", "reopens"),
    "ambiguous": ("ambiguous", "non-committal", "noncommittal", "unclear"),
}
"""Words a summary uses for each stance: a summary still using the old stance's words contradicts the new one."""


def _words_of(stance: str, text: str) -> list[str]:
    return [w for w in STANCE_WORDS.get(stance, ()) if re.search(rf"\b{re.escape(w)}\b", text, re.IGNORECASE)]


def _still_on(index: dict[str, list[str]], values: list[str], skip: str) -> str:
    pages = stated_on(index, values, skip)
    if not pages:
        return ""
    more = f" and {len(pages) - 8} more" if len(pages) > 8 else ""
    return "; the old value is still stated on " + ", ".join(u or "/" for u in pages[:8]) + more


def _record_facts(before: Record, rec: Record, same_sources: bool, index: dict[str, list[str]]) -> list[Flag]:
    """A record's date and figures changed: under the same citation a warning, with a new one a notice."""
    out = []
    if before.date and rec.date and before.date != rec.date:
        where = _still_on(index, [before.date[:4]], rec.url) if before.date[:4] != rec.date[:4] else ""
        severity, how = ("warning", " under the same citation") if same_sources else ("notice", "")
        out.append(
            Flag(
                *_where(rec, "date"),
                f"date changed{how}: {before.date} → {rec.date} in '{rec.label}'{where}",
                severity=severity,
                risk="date",
                before=str(before.date),
                after=str(rec.date) + (" (" + where[2:] + ")" if where else ""),
            )
        )
    old_figures = {as_text(f.get("label")): f for f in before.get("figures") or [] if isinstance(f, dict)}
    for i, fig in enumerate(rec.get("figures") or []):
        if not isinstance(fig, dict):
            continue
        was = old_figures.get(as_text(fig.get("label")))
        if was is None or as_text(was.get("value")) == as_text(fig.get("value")):
            continue
        same = was.get("sources") == fig.get("sources")
        a, b = as_text(was.get("value")), as_text(fig.get("value"))
        where = _still_on(index, [a], rec.url)
        out.append(
            Flag(
                *_where(rec, "figures", i, "value"),
                f"figure '{as_text(fig.get('label'))}' changed{' under the same citation' if same else ''}: "
                f"{a} → {b} in '{rec.label}'{where}",
                severity="warning" if same else "notice",
                risk="figure",
                before=a,
                after=b + (" (" + where[2:] + ")" if where else ""),
            )
        )
    return out


def record_flags(
    old: Dataset,
    new: Dataset,
    openings: dict[str, dict[str, str]] | None = None,
    index: dict[str, list[str]] | None = None,
) -> list[Flag]:
    """Flags that compare a record before and after the change: stances, locators, citations, dates.

    ``index`` (:func:`fact_index` of the new site) finds the pages that still state an old value.
    """
    out: list[Flag] = []
    openings, index = openings or {}, index or {}
    for rid, rec in sorted(new.records.items()):
        before = old.records.get(rid)
        if before is None:
            continue
        was_cits, now_cits = citations_of(before), citations_of(rec)
        lost, gained = sorted(was_cits - now_cits), sorted(now_cits - was_cits)
        # a locator moved: the same work cited at another page
        moved: list[tuple[str, str, str]] = []
        for cit in list(lost):
            key, locator = _cite(cit)
            twin = next((g for g in gained if _cite(g)[0] == key and _cite(g)[1] != locator and locator), None)
            if twin is not None and _cite(twin)[1]:
                lost.remove(cit)
                gained.remove(twin)
                moved.append((key, locator, _cite(twin)[1]))
        for cit in list(lost):  # the same place cited with another note: no citation removed
            twin = next((g for g in gained if _cite(g) == _cite(cit)), None)
            if twin is not None:
                lost.remove(cit)
                gained.remove(twin)
        for key, a, b in moved:
            words_a, words_b = opening(openings, key, a), opening(openings, key, b)
            opens = f" ({a} opens '{words_a} …'; {b} opens '{words_b} …')" if words_a and words_b else ""
            out.append(
                Flag(
                    *_where_cited(rec, key, b),
                    f"locator moved {a} → {b} in '{rec.label}' ({key}){opens}: check the new page says it",
                    risk="locator moved",
                    before=f"{key}, {a}" + (f": '{words_a} …'" if words_a else ""),
                    after=f"{key}, {b}" + (f": '{words_b} …'" if words_b else ""),
                )
            )
        was_stance, now_stance = as_text(before.get("stance")), as_text(rec.get("stance"))
        if rec.kind == "position" and was_stance != now_stance:
            was, now = was_stance or "none", now_stance or "none"
            # only a citation of a place the record did not already cite shows the change
            cited = {_cite(c) for c in was_cits}
            new_places = [_cite(c) for c in gained if _cite(c) not in cited]
            new_places += [(key, b) for key, _, b in moved if (key, b) not in cited]
            if not new_places:
                why = "no citation added" if not gained and not moved else "no citation of a page it did not cite"
                out.append(
                    Flag(
                        *_where(rec, "stance"),
                        f"stance changed from {was} to {now} without a new source ({why})",
                        risk="stance",
                        before=was,
                        after=now,
                    )
                )
            else:
                out.append(
                    Flag(
                        *_where(rec, "stance"),
                        f"stance changed from {was} to {now}",
                        severity="notice",
                        risk="stance",
                        before=was,
                        after=now,
                    )
                )
            summary = as_text(rec.get("summary"))
            stale = _words_of(was_stance, summary)
            if stale and not _words_of(now_stance, summary):
                out.append(
                    Flag(
                        *_where(rec, "summary"),
                        f"the summary still reads '{stale[0]}' (the old stance, {was}) while the stance is now {now}",
                        risk="stance",
                        before=f"stance {was}",
                        after=f"stance {now}; summary: '{' '.join(summary.split()[:12])} …'",
                    )
                )
        for cit in lost:
            out.append(
                Flag(
                    *_where(rec, "sources"),
                    f"citation removed from '{rec.label}': {_cite_text(cit)}",
                    risk="citation removed",
                    before=_cite_text(cit),
                    after="(removed)",
                )
            )
        out += _record_facts(before, rec, was_cits == now_cits, index)
        redated = before.date and rec.date and before.date != rec.date
        if redated and rec.get("date_note") is not None and before.get("date_note") == rec.get("date_note"):
            out.append(
                Flag(
                    *_where(rec, "date_note"),
                    f"date changed from {before.date} to {rec.date} but its date_note was left as it was",
                    risk="date",
                    before=str(before.date),
                    after=str(rec.date),
                )
            )
    return out


def state_flags(ds: Dataset, site: dict[str, Page] | None) -> list[Flag]:
    """Flags that hold for one state: positions dated before their proposal, records nothing links to."""
    out: list[Flag] = []
    for rec in ds.of_kind("position"):
        proposal = ds.records.get(as_text(rec.get("proposal")))
        if proposal is not None and rec.date and proposal.date and rec.date < proposal.date[: len(rec.date)]:
            out.append(
                Flag(
                    *_where(rec, "date"),
                    f"position dated {rec.date}, before its proposal '{proposal.label}' ({proposal.date})",
                )
            )
    if site is None:
        return out
    linked: set[str] = set()
    for url, page in site.items():
        if url in _INDEXES:
            continue
        for href in page.links:
            if "://" in href or href.startswith(("#", "mailto:")):
                continue
            target = posixpath.normpath(posixpath.join(url or ".", href.split("#")[0]))
            target = "" if target == "." else target + "/"
            if target != url:
                linked.add(target)
    for _rid, rec in sorted(ds.records.items()):
        if rec.url not in linked and rec.url in site:
            out.append(Flag(*_where(rec), f"no page links to {rec.kind} '{rec.label}' except its index"))
    return out


def cited_keys(ds: Dataset) -> set[str]:
    """Bibliography keys the state cites, in records and in narrative pages."""
    used, _ = scan_pages(ds.root, docs_dir_of(ds.root), ds.records, ds.bib)
    return set(ds.cited_keys()) | used


def source_of(root: Path, docs_dir: str, url: str, ds: Dataset) -> str:
    parts = url.strip("/").split("/")
    if len(parts) == 2 and parts[1] in ds.records and ds.records[parts[1]].url == url:
        return ds.records[parts[1]].path
    stem = url.strip("/") or "index"
    for rel in (f"{docs_dir}/{stem}.md", f"{docs_dir}/{stem}/index.md"):
        if (root / rel).is_file():
            return rel
    return f"{docs_dir}/{stem}.md"


def _line_of(root: Path, rel: str, text: str) -> tuple[int, int]:
    """Where a paragraph's opening words stand in its source file (1, 1 when they can't be found)."""
    words = re.sub(r"\[\d+\]", " ", text).split()[:4]
    source, _ = read_text_input(root, root / rel, PAGE_LIMIT)  # never follows a link out of the project
    if source is None:
        return 1, 1
    lines = source.splitlines()
    for n in range(len(words), 0, -1):
        needle = " ".join(words[:n])
        for i, line in enumerate(lines, 1):
            col = line.find(needle)
            if col >= 0:
                return i, col + 1
    return 1, 1


def _find(root: Path, rel: str, value: str) -> tuple[int, int] | None:
    """The line and column of the first occurrence of ``value`` in a text file of the project."""
    if not rel.endswith((".yaml", ".yml", ".md")) or value == "(none)":
        return None
    source, _ = read_text_input(root, root / rel, PAGE_LIMIT)  # never follows a link out of the project
    for i, text in enumerate((source or "").splitlines(), 1):
        col = text.find(value)
        if col >= 0:
            return i, col + 1
    return None


def page_flags(diffs: list[PageDiff], root: Path, docs_dir: str, ds: Dataset) -> list[Flag]:
    """Citations removed from a paragraph, and paragraphs added or left without one."""
    out: list[Flag] = []
    for d in diffs:
        if d.status not in ("added", "changed") or d.url in _INDEXES:
            continue
        rel = source_of(root, docs_dir, d.url, ds)
        where = d.url or "the home page"
        for b in d.blocks:
            if b.kind not in ("changed", "removed", "added") or b.tag != "p" or b.cls:
                continue
            text = b.new or b.old
            quoted = " ".join(re.sub(r"\[\d+\]", "", text).split()[:8])
            if b.kind == "changed" and b.citations_after < b.citations_before:
                line, col = _line_of(root, rel, b.new)
                if b.citations_after == 0:
                    message = f"paragraph on {where} left without a citation: '{quoted} …'"
                else:
                    lost = b.citations_before - b.citations_after
                    plural = "s" if lost > 1 else ""
                    message = f"{lost} citation{plural} removed from a paragraph on {where}: '{quoted} …'"
                out.append(Flag(rel, line, col, message, risk="citation removed", before=quoted, after="(fewer notes)"))
            elif b.kind == "removed" and b.citations_before and d.status == "changed":
                line, col = _line_of(root, rel, b.old)
                n = b.citations_before
                message = f"paragraph with {n} citation{'s' if n > 1 else ''} removed from {where}: '{quoted} …'"
                out.append(Flag(rel, line, col, message, risk="citation removed", before=quoted, after="(removed)"))
            elif b.kind == "added" and not b.citations_after and len(text.split()) >= 8:
                line, col = _line_of(root, rel, text)
                message = f"new paragraph on {where} has no citation: '{quoted} …'"
                out.append(Flag(rel, line, col, message, risk="unsourced", before="(none)", after=quoted))
            if b.kind == "changed":
                for sentence in new_uncited_sentences(b.old, b.new):
                    line, col = _line_of(root, rel, sentence)
                    short = " ".join(sentence.split()[:8])
                    message = f"new sentence on {where} has no citation: '{short} …'"
                    out.append(Flag(rel, line, col, message, risk="unsourced", before="(none)", after=short))
    return out


_SENTENCE = re.compile(r"(?<=[.!?])(?:\[\d+\])*\s+")


def new_uncited_sentences(old: str, new: str, min_words: int = 6) -> list[str]:
    """Sentences of ``new`` that ``old`` lacks and that carry no note mark (citations end their sentence)."""

    def sentences(text: str) -> list[tuple[str, bool]]:
        out, start = [], 0
        for m in _SENTENCE.finditer(text):
            chunk = text[start : m.end()]
            out.append((_MARK.sub("", chunk).strip(), bool(_MARK.search(chunk))))
            start = m.end()
        if text[start:].strip():
            chunk = text[start:]
            out.append((_MARK.sub("", chunk).strip(), bool(_MARK.search(chunk))))
        return out

    before = [s.split() for s, _ in sentences(old)]

    def is_new(sentence: str) -> bool:  # a reworded sentence is not a new claim
        words = sentence.split()
        return all(difflib.SequenceMatcher(a=w, b=words, autojunk=False).ratio() < 0.6 for w in before)

    return [s for s, cited in sentences(new) if not cited and len(s.split()) >= min_words and is_new(s)]


def work_flags(old: Dataset, new: Dataset, old_keys: set[str], new_keys: set[str]) -> list[Flag]:
    """Works the base cited that the change no longer cites."""
    out = []
    for key in sorted(old_keys - new_keys):
        entry = new.bib.get(key) or old.bib.get(key)
        if entry is None:
            continue
        path, line = (entry.path, entry.line)
        out.append(Flag(path, line, 1, f"work '{key}' ({entry.get('title')}) is no longer cited anywhere"))
    return out


def rename_flags(diffs: list[RecordDiff], new: Dataset) -> list[Flag]:
    """Renamed records whose old address has no redirect."""
    out = []
    for d in diffs:
        if d.status == "renamed" and not d.redirect:
            rec = new.records[d.id]
            old_url = f"{PLURAL[d.kind]}/{d.old_id}/"
            out.append(
                Flag(
                    *_where(rec, "id"),
                    f"'{d.label}' moved from {old_url} to {rec.url} with no redirect: add "
                    f"'{PLURAL[d.kind]}/{d.old_id}.md': '{PLURAL[d.kind]}/{d.id}.md' to redirect_maps of the "
                    "redirects plugin in mkdocs.yml so published links keep working",
                )
            )
    return out


RISKS = (
    "code or policy",
    "figure",
    "date",
    "quotation",
    "stance",
    "island name",
    "contested term",
    "attribution removed",
    "locator moved",
    "link",
    "citation removed",
    "unsourced",
    "presentation",
)
"""The kinds of risk, most serious first: the order of the summary at the top of the comment."""

CODE_PATHS = (
    "macros.py",
    "overrides/",
    "refsite/",
    "Makefile",
    "pyproject.toml",
    "requirements.lock",
    ".github/",
    ".ci/",
    "tests/",
)
"""Files that are the maintainers' code: they run at build or test time, unsandboxed (see README)."""


TRUSTED_CODE = ("refsite", "macros.py", "overrides")
"""What runs when the site is built: a trusted review builds the change's content with the base's."""

POLICY_SETTINGS = (
    "plugins",
    "markdown_extensions",
    "theme",
    "extra_css",
    "extra_javascript",
    "validation",
    "strict",
    "hooks",
    "docs_dir",
    "watch",
    "INHERIT",
)
"""Settings of mkdocs.yml that decide what the checks and the build let through, or what runs."""


def is_code(path: str) -> bool:
    """Whether a changed file is the maintainers' code (it runs at build or test time, unsandboxed)."""
    return (
        path in CODE_PATHS
        or path.startswith(tuple(p for p in CODE_PATHS if p.endswith("/")))
        or path.endswith((".js", ".html", ".py"))
    )


def _flat(value: object, prefix: str) -> dict[str, str]:
    """A setting as dotted leaves (``plugins.refsite.require_claim_citations``), plugin lists by name."""
    named_list = prefix in ("plugins", "markdown_extensions")
    if named_list and isinstance(value, list) and all(isinstance(v, (str, dict)) for v in value) and value:
        named: dict[str, object] = {}
        for v in value:
            if isinstance(v, str):
                named[v] = {}
            elif len(v) == 1:
                named.update(v)
            else:
                return {prefix: json.dumps(value, sort_keys=True, default=str)}
        value = named
    if isinstance(value, dict):
        out: dict[str, str] = {}
        for k, v in value.items():
            out.update(_flat(v, f"{prefix}.{k}"))
        return out or {prefix: "{}"}
    return {prefix: json.dumps(value, sort_keys=True, default=str, ensure_ascii=False)}


def policy_changes(old: dict[str, object], new: dict[str, object]) -> list[tuple[str, str, str]]:
    """Settings of mkdocs.yml that weaken or change the policy: (setting, before, after)."""
    out = []
    for name in POLICY_SETTINGS:
        a = _flat(old[name], name) if name in old else {}
        b = _flat(new[name], name) if name in new else {}
        for leaf in sorted(set(a) | set(b)):
            if a.get(leaf) != b.get(leaf):
                out.append((leaf, a.get(leaf, "(unset)"), b.get(leaf, "(unset)")))
    return out


def code_flags(
    changed: list[str], old_config: dict[str, object] | None = None, new_config: dict[str, object] | None = None
) -> list[Flag]:
    """A flag on every changed file that is code, and on every policy setting of mkdocs.yml changed."""
    out = [
        Flag(
            path,
            1,
            1,
            "code change: needs a maintainer (it runs at build or test time, unsandboxed)",
            risk="code or policy",
            after="changed",
        )
        for path in changed
        if is_code(path)
    ]
    for leaf, was, now in policy_changes(old_config or {}, new_config or {}):
        out.append(
            Flag(
                "mkdocs.yml",
                1,
                1,
                f"policy change: {leaf} {was} → {now}: needs a maintainer",
                risk="code or policy",
                before=f"{leaf}: {was}",
                after=now,
            )
        )
    return out


def presentation_flags(changed: list[str], docs_dir: str) -> list[Flag]:
    """Style sheets and templates changed: they change how pages look without changing their text."""
    return [
        Flag(
            path,
            1,
            1,
            "presentation change: style or template; compare the pages' screenshots, not only their text",
            risk="presentation",
            after="changed",
        )
        for path in changed
        if path.endswith((".css", ".html", ".jinja", ".j2")) and (path.startswith(("overrides/", f"{docs_dir}/")))
    ]


def mark(flags: list[Flag], base: list[Flag]) -> list[Flag]:
    """Mark each flag new, or already on the base (the same finding in the same file)."""
    known = {f.key for f in base}
    return [replace(f, new=f.key not in known) for f in flags]


def fact_flags(
    diffs: list[PageDiff], root: Path, docs_dir: str, ds: Dataset, index: dict[str, list[str]], changed: list[str]
) -> list[Flag]:
    """Figures, dates and quotations changed under the same citation, with the other pages that state the old value.

    The same change shown on several pages (a record's summary on its page and in a topic's list)
    is one flag, placed in the file the change edits when it can be found.
    """
    groups: dict[tuple[str, str, str], list[FactChange]] = {}
    for c in fact_changes(diffs):
        groups.setdefault((c.kind, c.before, c.after), []).append(c)
    out = []
    for (kind, before, after), group in groups.items():
        places = [(c, source_of(root, docs_dir, c.url, ds)) for c in group]
        c, rel = next(((c, rel) for c, rel in places if rel in changed), places[0])
        line, col = _line_of(root, rel, c.block.new)
        if rel not in changed:  # shown by a view: find the edited file that writes the new value
            value = after.split("; ")[0]
            found = next(((f, *pos) for f in changed if (pos := _find(root, f, value)) is not None), None)
            if found is not None:
                rel, line, col = found
        shown = {x.url for x in group}
        elsewhere = [u for u in stated_on(index, c.gone, c.url) if u not in shown]
        more = f" and {len(elsewhere) - 8} more" if len(elsewhere) > 8 else ""
        listed = ", ".join(u or "/" for u in elsewhere[:8]) + more
        where = f"; the old value is still stated on {listed}" if elsewhere else ""
        sentence = " ".join(_MARK.sub("", c.block.new).split()[:10])
        out.append(
            Flag(
                rel,
                line,
                col,
                f"{kind} changed under the same citation: {before} → {after} in '{sentence} …'{where}",
                risk=kind,
                before=before,
                after=after + (f" (old value still on {listed})" if elsewhere else ""),
            )
        )
    return out


def link_flags(diffs: list[PageDiff], root: Path, docs_dir: str, ds: Dataset) -> list[Flag]:
    """Links whose words stayed but whose address changed, and links removed from words that stayed."""
    seen: set[tuple[str, str, str]] = set()
    out = []
    for d in diffs:
        for b in d.blocks:
            if b.kind != "changed":
                continue
            after = dict(b.links_after)
            hrefs = {h for _, h in b.links_after}
            for text, href in b.links_before:
                if not text or after.get(text) == href or href in hrefs:
                    continue  # the same link, or its words reworded (a text change, shown as such)
                now = after.get(text)
                if now is None and text not in _MARK.sub("", b.new):
                    continue  # the words went with the link: a text change, shown as such
                state = "removed (its words stay, unlinked)" if now is None else "retargeted"
                if (text, href, now or "") in seen:
                    continue
                seen.add((text, href, now or ""))
                rel = source_of(root, docs_dir, d.url, ds)
                line, col = _line_of(root, rel, b.new)
                message = f"link '{text}' on {d.url or 'the home page'} {state}: {href} → {now or '(no link)'}"
                before = f"'{text}' → {href}"
                out.append(Flag(rel, line, col, message, risk="link", before=before, after=now or "(no link)"))
    return out


def _neutral_risk(what: str) -> str:
    return "island name" if "name" in what else "contested term"


def neutrality_flags(diffs: list[PageDiff], root: Path, docs_dir: str, ds: Dataset, terms: Terms | None) -> list[Flag]:
    """One side's terms in the site's voice, found in the rendered text of every changed page.

    Only slips the change brings count: a term whose sentence lost its counterpart or its
    attribution is "attribution removed"; a new one is an island name or a contested term.
    Text a view or macro writes (both names of an island, say) is read as the reader sees it.
    """
    if terms is None:
        return []
    out: list[Flag] = []
    seen: set[tuple[str, str, str]] = set()
    for d in diffs:
        if d.status == "removed" or d.status.startswith("redirected"):
            continue
        for b in d.blocks:
            if b.kind not in ("added", "changed", "moved"):
                continue
            new_text, old_text = _MARK.sub("", b.new), _MARK.sub("", b.old)
            before = Counter(s.term for s in lint_text(old_text, terms))
            for slip in lint_text(new_text, terms):
                if before[slip.term]:
                    before[slip.term] -= 1
                    continue
                rel = source_of(root, docs_dir, d.url, ds)
                if (rel, slip.term, slip.sentence) in seen:
                    continue
                seen.add((rel, slip.term, slip.sentence))
                had_term = re.search(rf"\b{re.escape(slip.term)}\b", old_text) is not None
                risk = "attribution removed" if had_term else _neutral_risk(slip.what)
                line, col = _line_of(root, rel, slip.sentence)
                sentence = " ".join(slip.sentence.split()[:14])
                where = d.url or "the home page"
                message = f"on {where}: {slip.message}: '{sentence} …'"
                if had_term:
                    message = f"on {where}: '{slip.term}' lost its counterpart or attribution: {slip.message}"
                old_sentence = next((s for s in re.split(r"(?<=[.!?])\s+", old_text) if slip.term in s), "")
                out.append(
                    Flag(
                        rel,
                        line,
                        col,
                        message,
                        risk=risk,
                        before=" ".join(old_sentence.split()[:14]) or "(none)",
                        after=sentence,
                    )
                )
    return out


_LINK = re.compile(r"\[([^\]\n]*)\]\(\s*<?([^)\s>]*)|href\s*=\s*[\"']?([^\"'\s>]*)", re.I)
_SCHEME = re.compile(r"^([a-z][a-z0-9+.-]*):", re.I)
_HIDDEN = re.compile(
    r"<!--|<[a-z][^>]*\s(?:hidden|aria-hidden\s*=|style\s*=)[^>]*>|display\s*:\s*none|visibility\s*:\s*hidden",
    re.I,
)


def _stripped(target: str) -> bool:
    """Whether the sanitiser drops a link to ``target`` (only http(s), mailto, relative and #anchor stay)."""
    compact = re.sub(r"[\x00-\x20\x7f]+", "", target)
    m = _SCHEME.match(compact)
    return compact.startswith("//") or (m is not None and m[1].lower() not in URL_SCHEMES)


def source_flags(added: dict[str, list[tuple[int, str]]]) -> list[Flag]:
    """What the change's own lines do that the rendered text does not show.

    A link the sanitiser will strip (readers get the words, unlinked) and markup that hides
    text from readers (an HTML comment, ``hidden``, a style) are flagged where they are written.
    """
    out = []
    for path, lines in sorted(added.items()):
        if not path.endswith((".md", ".yaml", ".yml")):
            continue
        for number, text in lines:
            for m in _LINK.finditer(text):
                target = m[2] if m[2] is not None else (m[3] or "")
                if target and _stripped(target):
                    words = f"'{m[1]}' " if m[1] else ""
                    out.append(
                        Flag(
                            path,
                            number,
                            m.start() + 1,
                            f"link {words}to '{target[:60]}' will be stripped by the sanitiser: readers get the words, "
                            "unlinked",
                            risk="link",
                            before=f"{words}→ {target[:60]}",
                            after="(stripped)",
                        )
                    )
            hidden = _HIDDEN.search(text)
            if hidden is not None:
                out.append(
                    Flag(
                        path,
                        number,
                        hidden.start() + 1,
                        f"markup that hides text from readers ('{hidden[0][:40]}'): "
                        "the review reads what they do not see",
                        risk="presentation",
                        before="(visible)",
                        after=f"hidden: '{hidden[0][:40]}'",
                    )
                )
    return out
