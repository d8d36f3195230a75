"""Live preview on MkDocs' livereload server: the last good site stays served, problems show on every page.

Each change rebuilds the site, as ``python -m refsite build --no-strict`` does, into one folder of
the server's workspace (``.refsite/serve-*``), redoing only what the change affects (see
:mod:`refsite.mkdocs_host.incremental`). A build that succeeds is served, its warnings (which a strict
build refuses) in a banner at the top of every page; one that fails leaves the last good site
served, its problems in the banner, one ``path:line:col: error: message`` line each. The browser
reloads when a rebuild ends either way, so fixing the file clears the banner.
"""

from __future__ import annotations

import contextlib
import gc
import html
import io
import logging
import os
import re
import signal
import sys
import threading
import time
import traceback
from collections.abc import Iterable, Iterator
from pathlib import Path
from types import FrameType
from typing import Any, TextIO
from urllib.parse import urlsplit

from watchdog.events import (
    EVENT_TYPE_CLOSED,
    EVENT_TYPE_CREATED,
    EVENT_TYPE_DELETED,
    EVENT_TYPE_MODIFIED,
    EVENT_TYPE_MOVED,
    FileSystemEvent,
    FileSystemEventHandler,
)
from watchdog.observers import Observer

from ..config import docs_dir, read_config, site_url
from ..context import using
from ..files import remember_reads
from ..workspace import Workspace, fault_message, open_workspace
from .build import build_into, quiet_logging
from .incremental import Incremental
from .internals import LiveReloadHooks

BANNER_ID = "refsite-problems"
_CHANGES = frozenset({EVENT_TYPE_CREATED, EVENT_TYPE_DELETED, EVENT_TYPE_MODIFIED, EVENT_TYPE_MOVED, EVENT_TYPE_CLOSED})
_ABORT = re.compile(r"ERROR\s+-\s+refsite: ")  # MkDocs repeating the count that the build prints anyway


def preview_url(root: Path, dev_addr: str) -> str:
    """The address the preview serves the site at: the dev address and the path of ``site_url``."""
    host, _, port = dev_addr.rpartition(":")
    return f"http://{host}:{port}{mount_path(root)}"


def mount_path(root: Path) -> str:
    """The path of ``site_url`` in mkdocs.yml (``/japan-russia/``), or ``/``."""
    path = urlsplit(site_url(read_config(root))).path
    return "/" + path.strip("/") + "/" if path.strip("/") else "/"


FAILED = "The last build failed; this is the last good build. Fix these problems and save: the page reloads."
WARNED = "This build has warnings, which make site refuses. Fix them and save: the page reloads."


def banner(lines: list[str], *, failed: bool = True) -> bytes:
    """The problems of the last build as an HTML banner (every line escaped)."""
    listed = "\n".join(html.escape(line) for line in lines)
    return (
        f'<div id="{BANNER_ID}" role="alert" style="position:relative;z-index:10000;background:#fdecea;'
        'color:#611a15;border-bottom:3px solid #d32f2f;padding:.75em 1em;font:14px/1.45 sans-serif">'
        f"<strong>{FAILED if failed else WARNED}</strong>"
        '<pre style="margin:.5em 0 0;white-space:pre-wrap;font:13px/1.45 monospace;background:none;color:inherit">'
        f"{listed}</pre></div>"
    ).encode()


def with_banner(content: bytes, lines: list[str], *, failed: bool = True) -> bytes:
    """``content`` (an HTML page) with the banner right after its ``<body>`` tag."""
    if not lines:
        return content
    start = content.find(b"<body")
    end = content.find(b">", start) + 1 if start >= 0 else 0
    return content[:end] + banner(lines, failed=failed) + content[end:]


@contextlib.contextmanager
def _no_cycle_collection(paused: bool) -> Iterator[None]:
    """No collection of reference cycles meanwhile, when ``paused``: a rebuild makes many
    short-lived objects, and each full collection would walk the preview's long-lived caches
    again. What the rebuild left is collected once, when it ends (young objects only)."""
    if not paused or not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.collect(0)


class _Tee(io.TextIOBase):
    """Writes through to a stream and keeps a copy of the text."""

    def __init__(self, stream: TextIO, copy: list[str]) -> None:
        self.stream = stream
        self.copy = copy

    def write(self, text: str) -> int:
        self.copy.append(text)
        return self.stream.write(text)

    def flush(self) -> None:
        self.stream.flush()


@contextlib.contextmanager
def _captured() -> Iterator[list[str]]:
    """Everything printed meanwhile (still printed), as a list of its non-empty lines when done."""
    parts: list[str] = []
    lines: list[str] = []
    with contextlib.redirect_stdout(_Tee(sys.stdout, parts)), contextlib.redirect_stderr(_Tee(sys.stderr, parts)):
        try:
            yield lines
        finally:
            text = "".join(parts).splitlines()
            lines.extend(line.rstrip() for line in text if line.strip() and not _ABORT.match(line))


class PreviewServer(LiveReloadHooks):
    """MkDocs' livereload server that never waits for a rebuild and shows the last build's problems."""

    def __init__(self, root: Path, work: Workspace, host: str, port: int, mount: str) -> None:
        self.project = root
        self.listen_host = host
        self.work = work
        self.builds = 0
        self.problems: list[str] = []
        self.failed = False
        self.good: Path | None = None
        self.site = work.path / "site"
        self.incremental = Incremental(root, self.site)
        self.incremental.deferred = True
        self.showing = threading.Lock()
        empty = work.path / "empty"
        empty.mkdir(exist_ok=True)
        super().__init__(builder=self.rebuild, host=host, port=port, root=str(empty), mount_path=mount)
        self.error_handler = self._error_page
        # inotify, not MkDocs' polling every half second: an edit is seen as it is saved
        self.observer = Observer()  # type: ignore[assignment]
        self.watched_files: set[str] = set()

    def watch(self, path: str, func: None = None, *, recursive: bool = True) -> None:
        """Watch a folder, or a file by its folder (an editor that saves by renaming is seen too).

        Only changes count: a file opened or closed unwritten is not an edit (the build itself
        reads every file, and would otherwise start the next build)."""
        path = os.path.abspath(path)
        self.mark_watched(path)  # pages get the reload script only while something is watched
        if os.path.isfile(path):
            self.watched_files.add(path)
            if len(self.watched_files) > 1:
                return  # the folder is watched already
            self._schedule(os.path.dirname(path), False, self.watched_files)
        else:
            self._schedule(path, recursive, None)

    def _schedule(self, folder: str, recursive: bool, only: set[str] | None) -> None:
        def callback(event: FileSystemEvent) -> None:
            if event.is_directory or event.event_type not in _CHANGES:
                return
            if only is not None:
                names = {os.fsdecode(event.src_path), os.fsdecode(getattr(event, "dest_path", "") or "")}
                if not names & only:
                    return
            self.request_rebuild()

        handler = FileSystemEventHandler()
        handler.on_any_event = callback  # type: ignore[method-assign]
        self.observer.schedule(handler, folder, recursive=recursive)

    def serve(self, *, open_in_browser: bool = False) -> None:
        """Listen, watch, then say so: an edit saved once the address is printed is always seen."""
        self.server_bind()
        self.server_activate()
        self.observer.start()
        self.url = f"http://{self.listen_host}:{self.server_address[1]}{self.mount_path}"
        print(f"Serving the preview on {self.url} (Ctrl+C to stop)", flush=True)
        self.serve_thread.start()
        self.run_build_loop()

    def build(self) -> None:
        """Build the site again, redoing what the edit affects; serve it if it is good.

        A build that fails stops before it writes a page, so the last good site stays served."""
        self.builds += 1
        start = time.perf_counter()
        try:
            with _captured() as lines, _no_cycle_collection(self.good is not None), using(self.incremental.context):
                self.site.mkdir(exist_ok=True)
                status = build_into(self.project, self.site, strict=False, runner=self.incremental.build, ahead=False)
        except OSError as exc:
            status, lines = 1, [f"build failed: {fault_message(exc, {self.site: 'the preview site'})}"]
            print(lines[0], file=sys.stderr)
        except Exception:  # a bug of ours: shown, and the site is built whole next time
            traceback.print_exc()
            self.incremental.forget()
            status, lines = 1, ["internal error while building; see the terminal"]
        elapsed = time.perf_counter() - start
        done = self.incremental.stats
        if status == 0:
            with self.showing:  # the new pages and their problems appear together
                self.incremental.commit()
                self.good = self.site
                self.root = str(self.site)
                self.problems, self.failed = lines, False
            print(
                f"rebuilt in {elapsed:.2f} s ({done.converted} of {done.pages} pages converted,"
                f" {done.written} written)",
                flush=True,
            )
        else:
            self.incremental.pending.clear()
            with self.showing:
                self.problems, self.failed = lines or ["build failed"], True
            kept = "serving the last good site" if self.good is not None else "no site to serve yet"
            print(f"build failed in {elapsed:.2f} s; {kept}", flush=True)

    def rebuild(self) -> None:
        """The livereload builder: pages keep being served from the last good site meanwhile."""
        # MkDocs makes page requests wait while a rebuild runs, because it builds in place; this
        # build goes to a new folder, so requests are answered at once from the current one.
        with self.answering_meanwhile():
            self.build()

    def answer_request(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes] | None:
        if environ["PATH_INFO"].startswith("/livereload/"):
            return super().answer_request(environ, start_response)
        with self.showing:  # a page is read and given its banner while no build is being shown
            if self.good is None:
                start_response("503 Service Unavailable", [("Content-Type", "text/html; charset=utf-8")])
                return [self._problem_page()]
            return super().answer_request(environ, start_response)

    def inject_reload_script(self, content: bytes, epoch: int) -> bytes:
        return super().inject_reload_script(with_banner(content, self.problems, failed=self.failed), epoch)

    def _problem_page(self) -> bytes:
        page = (
            b'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Build failed</title></head>'
            b"<body></body></html>"
        )
        return self.inject_reload_script(page, self.visible_epoch())

    def _error_page(self, code: int) -> bytes | None:
        page = Path(self.root) / f"{code}.html"
        if code == 404 and page.is_file():
            return self.inject_reload_script(page.read_bytes(), self.visible_epoch())
        return None


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def serve(root: Path, dev_addr: str) -> int:
    """Serve a live preview of the project at ``root`` on ``dev_addr`` (``host:port``) until interrupted."""
    quiet_logging()
    logging.getLogger("mkdocs.livereload").setLevel(logging.ERROR)  # not every 404 of the browser
    host, _, port_text = dev_addr.rpartition(":")
    if not host or not port_text.isdigit():
        print(f"serve: --dev-addr must be HOST:PORT, not {dev_addr!r}", file=sys.stderr)
        return 2
    mount = mount_path(root)
    remember_reads()  # this process reads the project again on every edit
    try:
        work = open_workspace(root, "serve")
    except OSError as exc:
        print(f"serve failed: {fault_message(exc, {})}", file=sys.stderr)
        return 1
    for signum in (signal.SIGTERM, signal.SIGHUP):  # stopped or its terminal closed: clean up as on Ctrl+C
        signal.signal(signum, _interrupt)
    try:
        with work, work.temp_files():
            server = PreviewServer(root, work, host, int(port_text), mount)
            server.build()
            for path in (docs_dir(root), "data", "bib", "mkdocs.yml", "macros.py", "overrides"):
                if (root / path).exists():
                    server.watch(str(root / path))
            try:
                server.serve()
            except KeyboardInterrupt:
                print("stopped", file=sys.stderr)
            finally:
                server.shutdown()
    except OSError as exc:
        where = "" if exc.filename else f" ({dev_addr})"  # the address in use, say
        print(f"serve failed: {fault_message(exc, {})}{where}", file=sys.stderr)
        return 1
    return 0
