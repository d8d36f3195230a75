"""Shared helpers: sample projects under tests/roots/, built into temporary directories."""

from __future__ import annotations

import contextlib
import functools
import http.server
import io
import json
import os
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).parent
ROOTS = HERE / "roots"
REPO = HERE.parent
os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")
# The suite runs its own workers: a build converts its pages in its own process (test_conversions
# starts conversion workers where it tests them).
os.environ.setdefault("REFSITE_JOBS", "1")
# Builds, reviews and previews run as subprocesses that import the engine: with bytecode caching
# turned off in the environment, every one of them would compile the engine's source again.
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The tests marked ``slow`` (several seconds each) first, in their order; then the rest, in theirs.
    The workers then end the run on short tests and finish together, where a long test started
    last would keep one worker busy while the other has nothing left to do. A slow test that needs
    the reference built goes first of all: its build is under way before any other test waits for it."""
    slow = [item for item in items if item.get_closest_marker("slow")]
    slow.sort(key=lambda item: "real_site" not in getattr(item, "fixturenames", ()))
    rest = [item for item in items if not item.get_closest_marker("slow")]
    items[:] = slow + rest


def require(program: str) -> str:
    """The path of a program the test needs; skip (or fail in CI) when it is missing."""
    path = shutil.which(program)
    if path is None:
        if os.environ.get("REFSITE_REQUIRE_ALL"):
            pytest.fail(f"{program} is required here but not installed")
        pytest.skip(f"{program} is not installed")
    return path


def copy_root(name: str, dest: Path) -> Path:
    """Copy the sample project ``tests/roots/<name>`` to ``dest``."""
    target = dest / name
    shutil.copytree(ROOTS / name, target, ignore=shutil.ignore_patterns("site", ".site-*", ".refsite"))
    return target


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run ``python -m refsite ARGS`` in ``cwd``."""
    return subprocess.run(
        [sys.executable, "-m", "refsite", *args], cwd=cwd, capture_output=True, text=True, check=False
    )


def cli_in_process(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """``python -m refsite ARGS`` in ``cwd`` inside the test process: the same output and exit status as
    :func:`run_cli` without an interpreter start and its imports (most of a short command's cost).
    An exception propagates and fails the test, where a subprocess would print a traceback."""
    from refsite.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.chdir(cwd), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            status = main(list(args))
        except SystemExit as exc:  # argparse refusing the arguments
            status = exc.code if isinstance(exc.code, int) else 2
    return subprocess.CompletedProcess(["refsite", *args], status, out.getvalue(), err.getvalue())


def check_in_process(root: Path) -> subprocess.CompletedProcess[str]:
    """``python -m refsite check`` on ``root``, in the test process (see :func:`cli_in_process`)."""
    return cli_in_process("check", cwd=root)


@contextlib.contextmanager
def _shared_lock(path: Path) -> Iterator[None]:
    """An exclusive lock on ``path`` across the test workers (pytest-xdist runs one process each)."""
    import fcntl

    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def shared_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder every worker of this test run sees (the run's own base folder without xdist)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def shared_build(tmp_path_factory: pytest.TempPathFactory, name: str, *args: str) -> Path:
    """The sample project ``name`` (or ``"."``: this repository) run once per test run through
    ``python -m refsite ARGS`` (``build`` by default), whichever worker asks first; the others wait
    for it and get the same folder. Returns the built ``site/`` folder; callers must not change it."""
    args = args or ("build",)
    key = re.sub(r"[^a-z0-9]+", "-", f"{name}-{'-'.join(args)}".lower()).strip("-")
    folder = shared_root(tmp_path_factory) / "shared" / key
    done = folder / "built"
    with _shared_lock(folder.with_suffix(".lock")):
        if not done.exists():
            if folder.exists():
                shutil.rmtree(folder)  # a build that failed in another worker: try again, show its error here
            folder.mkdir(parents=True)
            if name == ".":
                proc = run_cli(*args, "--site-dir", str(folder / "site"), cwd=REPO)
            else:
                proc = run_cli(*args, cwd=copy_root(name, folder))
            assert proc.returncode == 0, proc.stdout + proc.stderr
            done.write_text("ok\n", encoding="utf-8")
    return folder / "site" if name == "." else folder / name / "site"


@pytest.fixture(scope="session")
def basic_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The 'basic' sample project, built once with --strict."""
    return shared_build(tmp_path_factory, "basic")


@pytest.fixture(scope="session")
def real_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The reference itself (this repository's data, docs and theme), built once with its PDF
    (``site/reference.pdf``; the website is the same with or without it)."""
    return shared_build(tmp_path_factory, ".", "build", "--pdf")


@pytest.fixture(scope="session")
def review_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One review cache per test worker: a base commit reviewed again (the same tree, author and
    date give the same commit) is built once."""
    return tmp_path_factory.mktemp("review-cache")


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Serves a folder with no access log in the test output."""

    def log_message(self, format: str, *args: Any) -> None:
        """No access log."""


@contextlib.contextmanager
def http_server(handler: Any) -> Iterator[str]:
    """Serve with ``handler`` on a free loopback port; yields the root address."""
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    finally:
        httpd.shutdown()


def _empty_search_index(route: Any) -> None:
    """The site's search index with no page in it: its settings kept, nothing to index. (A tab
    closed before the index is asked for gets nothing: no one is left to read it.)"""
    from playwright.sync_api import Error

    with contextlib.suppress(Error):
        index = json.loads(route.fetch().text())
        route.fulfill(json={**index, "docs": []})


def open_page(browser: Any, url: str, width: int, scheme: str = "light", js: bool = True) -> Any:
    """A new browser tab ``width`` px wide (900 high) in the colour scheme, with or without scripts, at ``url``.

    The tab's search index is served empty: indexing the whole site's text again at every page
    load is most of a page's work in the browser, and search is not what these pages are opened
    for (test_browser.py searches the real index)."""
    page = browser.new_page(viewport={"width": width, "height": 900}, color_scheme=scheme, java_script_enabled=js)
    page.route("**/search/search_index.json", _empty_search_index)
    page.goto(url)
    return page


def serve_folder(folder: Path) -> contextlib.AbstractContextManager[str]:
    """A static server of ``folder`` on a free loopback port."""
    return http_server(functools.partial(QuietHandler, directory=str(folder)))


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's Chromium through Playwright, one for the whole session."""
    chromium = require("chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=chromium,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--disable-quic",
            ],
        )
        yield b
        b.close()


def article(html: str) -> str:
    """The main article of a Material page."""
    start = html.index("<article")
    return html[start : html.index("</article>", start)]


_URL_ATTRS = frozenset({"href", "src", "action", "formaction", "xlink:href", "data", "poster", "background"})
_UNSAFE_SCHEME = re.compile(r"^(?:javascript|vbscript|data):", re.I)
_SPACES = re.compile(r"[\x00-\x20\x7f]+")
_INJECTED_TAGS = frozenset({"iframe", "object", "embed", "form", "input", "button", "textarea", "base", "frame"})


class _PageScan(HTMLParser):
    """Every script, event handler, URL and tag of one page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.scripts: set[str] = set()
        self.problems: list[str] = []
        self._script: dict[str, str] | None = None
        self._text: list[str] = []
        self._article = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag == "script":
            self._script, self._text = values, []
        if tag == "article":
            self._article += 1
        if (self._article and tag in _INJECTED_TAGS) or "_" in tag or "." in tag:
            self.problems.append(f"tag <{tag}>")  # the theme's search form is outside the page body
        if tag == "link" and "attachment" in values.get("rel", "").lower():
            self.problems.append("attachment link")
        for name, value in values.items():
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}={value!r}>")
            if name in _URL_ATTRS and _UNSAFE_SCHEME.match(_SPACES.sub("", value)):
                self.problems.append(f"<{tag} {name}={value!r}>")
            if name == "rel" and "attachment" in value.lower():
                self.problems.append(f"<{tag} rel={value!r}>")

    def handle_endtag(self, tag: str) -> None:
        if tag == "article":
            self._article -= 1
        if tag == "script" and self._script is not None:
            src = self._script.get("src", "")
            if self._script.get("type") == "application/ld+json" and not src:
                # data, not code: it must be one whole JSON document (no text broke out of it)
                try:
                    json.loads("".join(self._text))
                except ValueError as exc:
                    self.problems.append(f"JSON-LD that is not JSON: {exc}")
            else:
                self.scripts.add(_script_key(src.rsplit("/", 1)[-1] if src else "".join(self._text)))
            self._script = None

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            self._text.append(data)


def _script_key(text: str) -> str:
    """A script with the page's own relative paths taken out (they differ by page depth)."""
    text = re.sub(r'"base": "[^"]*"', '"base": ""', text)
    text = re.sub(r'new URL\("[^"]*"', 'new URL(""', text)
    text = re.sub(r"\}\)\(\[\[[^\]]*\], \"[^\"]*\"\]\)$", "})([])", text)  # the not-found page's list of folders
    return re.sub(r'"(?:\.\./)+|"\./|"(?=assets/)', '"', text)


def scan_site(site: Path) -> tuple[set[str], list[str]]:
    """The scripts of every page of a built site, and every injected script, handler, URL or tag."""
    scripts: set[str] = set()
    problems: list[str] = []
    for path in sorted(site.rglob("*.html")):
        scan = _PageScan()
        scan.feed(path.read_text(encoding="utf-8"))
        scripts |= scan.scripts
        problems += [f"{path.relative_to(site)}: {p}" for p in scan.problems]
    return scripts, problems


def assert_inert(site: Path, theme_scripts: set[str]) -> None:
    """Parse every built page: no script but the theme's own, no event handler, no javascript:,
    vbscript: or data: address, no form, frame, object or unknown tag, no attachment."""
    scripts, problems = scan_site(site)
    assert not problems, problems
    assert scripts <= theme_scripts, scripts - theme_scripts
