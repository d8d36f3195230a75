"""Build a project state with the project's own build, and read back what readers see on each page."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from ..footnotes import notes_of
from ..limits import limit_reached, limited
from ..problems import PROBLEMS_ENV, Problem

ENGINE = Path(__file__).resolve().parent.parent
CACHE = Path(".refsite") / "review-cache"
_BLOCKS = {"p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "dt", "dd", "pre", "figcaption"}
_SKIP_CLASSES = {
    "refsite-cite-page",
    "md-content__button",
    "headerlink",
    "refsite-grid-print",
    "refsite-edition",  # which edition a page is, and a record's history: from git, not from the change
    "refsite-history",
    "refsite-note-full",  # a short note's full references, for its preview (a note's own: refsite.footnotes)
}
# elements that stand apart from their neighbours: their text never runs into the next one's
_APART = {"div", "p", "li", "ul", "ol", "dl", "dt", "dd", "details", "summary", "table", "td", "th", "figcaption"}


@dataclass
class Block:
    """One block of a page as a reader sees it: text with note markers ``[n]``, and its tag."""

    tag: str
    text: str
    notes: list[str] = field(default_factory=list)
    cls: str = ""
    links: list[tuple[str, str]] = field(default_factory=list)  # (text, address) of each link, in order

    @property
    def plain(self) -> str:
        """The text with note numbers replaced by one mark, so renumbering is no change."""
        return re.sub(r"\[\d+\]", "[*]", self.text)


@dataclass
class Page:
    """The article of one built page."""

    url: str
    title: str
    blocks: list[Block]
    notes: dict[str, str]
    note_order: list[str]
    links: set[str]
    redirect: str = ""  # where a redirect stub (an old address) sends the reader

    def note_texts(self) -> list[str]:
        return [self.notes[n] for n in self.note_order]


class _Article(HTMLParser):
    """Collects the blocks, notes and links of a Material page's ``<article>``."""

    def __init__(self, url: str) -> None:
        super().__init__(convert_charrefs=True)
        self.url = url
        self.depth = 0  # depth inside <article>, 0 = outside
        self.skip = 0  # depth at which a skipped element started
        self.stack: list[str] = []
        self.block: Block | None = None
        self.block_depth = 0
        self.sup_ref = ""
        self.blocks: list[Block] = []
        self.order: list[str] = []
        self.links: set[str] = set()
        self.cells: list[tuple[int, bool]] = []  # where each cell of the row starts, and whether it is a header
        self.headers: list[str] = []
        self.refresh = ""
        self.link: tuple[str, int] | None = None  # the address of the open link, where its text starts

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "meta" and a.get("http-equiv", "").lower() == "refresh":
            self.refresh = a.get("content", "").partition("url=")[2]
        if tag == "article" and not self.depth:
            self.depth = 1
            return
        if not self.depth or tag in ("br", "hr", "img", "input", "meta", "link", "wbr"):
            if tag == "br" and self.block is not None:
                self.block.text += " "
            return
        self.depth += 1
        classes = set(a.get("class", "").split())
        if self.skip:
            return
        if tag in _APART or (tag == "span" and self._apart(classes)):
            self._space()
        if classes & _SKIP_CLASSES or tag in ("script", "style", "svg"):
            self.skip = self.depth
            return
        if tag == "div" and "footnote" in classes:  # the notes are read as notes (refsite.footnotes)
            self.skip = self.depth
            return
        if tag == "a" and a.get("href"):
            self.links.add(a["href"])
            if self.block is not None and not self.sup_ref:
                self.link = (a["href"], len(self.block.text))
        if tag == "sup" and a.get("id", "").startswith("fnref"):
            self.sup_ref = a["id"].split(":", 1)[-1]
        if tag == "table":
            self.headers = []
        if tag in _BLOCKS and self.block is None:
            self.block = Block(tag, "", cls=a.get("class", ""))
            self.block_depth = self.depth
            self.cells = []
        elif tag in ("td", "th") and self.block is not None and self.block.tag == "tr":
            self.cells.append((len(self.block.text), tag == "th"))

    def handle_endtag(self, tag: str) -> None:
        if not self.depth or tag in ("br", "hr", "img", "input", "meta", "link", "wbr"):
            return
        if tag == "article" and self.depth == 1:
            self.depth = 0
            return
        if tag in _APART and not self.skip:
            self._space()
        if self.skip and self.depth == self.skip:
            self.skip = 0
        elif self.block is not None and self.depth == self.block_depth:
            if self.block.tag == "tr" and self.cells:
                self.block.text = self._row(self.block.text)
            self.block.text = " ".join(self.block.text.split())
            if self.block.text:
                self.blocks.append(self.block)
            self.block, self.link = None, None
        if tag == "sup":
            self.sup_ref = ""
        if tag == "a" and self.link is not None and self.block is not None:
            href, start = self.link
            self.block.links.append((" ".join(self.block.text[start:].split()), href))
            self.link = None
        self.depth -= 1

    @staticmethod
    def _apart(classes: set[str]) -> bool:
        """A span that is a piece of its own (a grid cell's symbol, word or date), not running text."""
        return any(c.startswith(("refsite-stance", "refsite-cell", "refsite-grid")) for c in classes)

    def _space(self) -> None:
        if self.block is not None and self.block.text and not self.block.text.endswith(" "):
            self.block.text += " "

    def _row(self, text: str) -> str:
        """A table row as 'Header: value' pairs (empty cells left out), or its cells when it is the header."""
        starts = [p for p, _ in self.cells]
        cells = [" ".join(text[p:q].split()) for p, q in zip(starts, [*starts[1:], len(text)], strict=True)]
        if all(is_header for _, is_header in self.cells):
            self.headers = cells
            return " | ".join(cells)
        if len(self.headers) == len(cells):
            return " | ".join(f"{h}: {c}" if h else c for h, c in zip(self.headers, cells, strict=True) if c)
        return " | ".join(cells)

    def handle_data(self, data: str) -> None:
        if not self.depth or self.skip:
            return
        if self.block is not None:
            if self.sup_ref:
                self.block.text += f"[{data.strip()}]"
                self.block.notes.append(self.sup_ref)
                self.order.append(self.sup_ref)
            else:
                self.block.text += data


def read_page(path: Path, url: str) -> Page:
    """The article of one built HTML page."""
    parser = _Article(url)
    text = path.read_text(encoding="utf-8", errors="replace")
    # only the article is read (and a redirect's refresh line): the theme's navigation is no content
    start, end = text.find("<article"), text.rfind("</article>")
    article = text[start : end + len("</article>")] if 0 <= start < end else text
    parser.feed(article)
    parser.close()
    title = next((b.text for b in parser.blocks if b.tag == "h1"), url or "Home")
    notes = {note.id: note.text for note in notes_of(article)}
    order = list(dict.fromkeys(n for n in parser.order if n in notes))
    order += [n for n in notes if n not in order]
    return Page(url, title, parser.blocks, notes, order, parser.links, parser.refresh)


def read_site(site: Path) -> dict[str, Page]:
    """Every page of a built site, by address (``actors/japan/``; ``""`` for the home page)."""
    pages = {}
    for path in sorted(site.rglob("index.html")):
        rel = path.parent.relative_to(site).as_posix()
        url = "" if rel == "." else rel + "/"
        if url.startswith(("assets/", "search/")):
            continue
        pages[url] = read_page(path, url)
    return pages


def engine_digest() -> str:
    """A hash of the engine's code and data, so a cached build is redone when the engine changes."""
    h = hashlib.sha256()
    for path in sorted(ENGINE.rglob("*")):
        if path.is_file() and path.suffix in (".py", ".lua", ".csl", ".css") and "__pycache__" not in path.parts:
            h.update(path.relative_to(ENGINE).as_posix().encode())
            h.update(path.read_bytes())
    return h.hexdigest()[:16]


@dataclass
class Built:
    """A built state: its site folder (None when the build failed) and the problems it printed."""

    site: Path | None
    problems: list[Problem]
    output: str = ""


#: Most memory (address space, MiB) and processor time (s) one build of a reviewed state may take.
BUILD_MEMORY_MB = 4096
BUILD_CPU_SECONDS = 900


def build(root: Path, out: Path, *, strict: bool = True) -> Built:
    """Build the project at ``root`` (strict unless told) into ``out`` with ``python -m refsite build``,
    within :data:`BUILD_MEMORY_MB` of memory and :data:`BUILD_CPU_SECONDS` of processor time."""
    # Both states are built without git: the edition line and the record histories come out alike.
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "REFSITE_NO_GIT": "1"}
    relaxed = [] if strict else ["--no-strict"]
    listed = out.with_name(out.name + ".problems.json")
    listed.unlink(missing_ok=True)
    env[PROBLEMS_ENV] = str(listed)  # the build writes its problems there as data (code before it did not)
    command = [sys.executable, "-m", "refsite", "build", "--root", str(root), "--site-dir", str(out), *relaxed]
    proc = subprocess.run(
        limited(command, BUILD_MEMORY_MB, BUILD_CPU_SECONDS),
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )
    problems = _problems(listed) if listed.is_file() else _printed_problems(proc.stdout)
    ok = proc.returncode == 0 and out.is_dir()
    output = (proc.stdout + proc.stderr).strip()
    reached = limit_reached("the build", proc.returncode, proc.stderr, BUILD_MEMORY_MB, BUILD_CPU_SECONDS)
    if not ok and reached:
        output = f"{output}\n{reached}".strip()
    return Built(out if ok else None, problems, output)


def _problems(listed: Path) -> list[Problem]:
    """The problems a build wrote as data (see ``refsite build --problems``); none if it wrote none."""
    try:
        found = json.loads(listed.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    keys = ("path", "line", "col", "message", "severity")
    return [Problem(**{k: p[k] for k in keys}) for p in found if isinstance(p, dict) and all(k in p for k in keys)]


_PRINTED = re.compile(r"^(.+?):(\d+):(\d+): (error|warning): (.*)$")


def _printed_problems(stdout: str) -> list[Problem]:
    """The problems a build by code that writes none as data printed (one line each)."""
    found = (_PRINTED.match(line) for line in stdout.splitlines())
    return [Problem(m[1], int(m[2]), int(m[3]), m[5], m[4]) for m in found if m]


def cached_build(project: Path, commit: str, root: Path, code: str = "") -> Built:
    """The build of ``commit`` (extracted at ``root``), from the review cache when it has one.

    ``code`` names the commit whose code the build ran with, when it is not ``commit``'s own.
    The cache is ``.refsite/review-cache/`` in the project, or the folder ``REFSITE_REVIEW_CACHE`` names.
    """
    key = f"{commit}-{code[:12]}-{engine_digest()}" if code else f"{commit}-{engine_digest()}"
    cache = Path(os.environ["REFSITE_REVIEW_CACHE"]) if os.environ.get("REFSITE_REVIEW_CACHE") else project / CACHE
    site = cache / key / "site"
    if (cache / key / "complete").exists() and site.is_dir():
        with contextlib.suppress(OSError):  # used now: the last to go when the cache is trimmed
            os.utime(cache / key)
        return Built(site.resolve(), [])
    if cache.is_dir():  # keep the cache small: the few builds used last
        old = sorted((p for p in cache.iterdir() if p.is_dir()), key=lambda p: p.stat().st_mtime)
        for stale in old[:-3]:
            shutil.rmtree(stale, ignore_errors=True)
    (cache / key).mkdir(parents=True, exist_ok=True)
    result = build(root, site)
    if result.site is None:
        shutil.rmtree(cache / key, ignore_errors=True)
    else:
        (cache / key / "complete").write_text(commit + "\n", encoding="utf-8")
        result.site = result.site.resolve()
    return result


class _Bibliography(HTMLParser):
    """The formatted reference of each entry on the built bibliography page, by key."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.key = ""
        self.depth = 0
        self.in_p = False
        self.text: list[str] = []
        self.refs: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "div" and "refsite-entry" in a.get("class", "").split():
            self.key, self.depth, self.text = a.get("id", ""), 1, []
        elif self.key and tag == "div":
            self.depth += 1
        elif self.key and tag == "p" and not self.text and not a.get("class"):
            self.in_p = True

    def handle_endtag(self, tag: str) -> None:
        if self.key and tag == "p" and self.in_p:
            self.in_p = False
            self.refs[self.key] = " ".join("".join(self.text).split())
        elif self.key and tag == "div":
            self.depth -= 1
            if not self.depth:
                self.key = ""

    def handle_data(self, data: str) -> None:
        if self.in_p:
            self.text.append(data)


def read_bibliography(site: Path | None) -> dict[str, str]:
    """Formatted references by key, as the built bibliography page shows them."""
    page = site / "bibliography" / "index.html" if site else None
    if page is None or not page.is_file():
        return {}
    parser = _Bibliography()
    parser.feed(page.read_text(encoding="utf-8", errors="replace"))
    return parser.refs
