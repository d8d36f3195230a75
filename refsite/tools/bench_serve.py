"""``make bench``: the live preview's latencies, measured the way an editor meets them.

``python -m refsite serve`` runs as a separate process on a free loopback port. The first start
is the time from its launch until a record's page answers 200 with the built site; an edit's
latency is the time from saving a file until the served page, fetched every 20 ms, shows the
change. Edited files are restored and the server is stopped (SIGTERM, killed if it does not
stop) whatever happens; a change that never shows is reported as a failure, not waited for.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..config import docs_dir, read_config, site_url
from ..model import KINDS, PLURAL

POLL = 0.02  # seconds between two requests for the edited page
TIMEOUT = 30.0  # a change not shown by then is a failure
START_TIMEOUT = 600.0  # the first start builds the whole site: a large project on a busy machine
STOP_TIMEOUT = 20.0  # seconds the server gets to stop on SIGTERM before it is killed
QUIET = 0.3  # seconds without a new build that make the server idle
SETTLE = 5.0  # seconds an edit's builds get to settle before the next edit is made anyway
IDLE = 2.0  # seconds (at least) of watching the server after the last edit: it should build nothing
PROJECT_PARTS = ("data", "bib", "docs", "mkdocs.yml", "macros.py", "overrides")
_BUILT = re.compile(r"^(?:rebuilt|build failed) in ([0-9.]+) s")
_FIELD = "summary"


class PreviewFailure(Exception):
    """A measurement that could not be made: the server stopped, or a change never showed."""


@dataclass
class EditLatency:
    """The latencies of one kind of edit: a file saved, a page polled until it shows the marker."""

    file: str
    page: str
    seconds: list[float] = field(default_factory=list)
    markers: list[str] = field(default_factory=list)
    seen: list[str] = field(default_factory=list)  # the served page's text around each marker

    @property
    def median(self) -> float | None:
        """The median latency in seconds (None before the first)."""
        return statistics.median(self.seconds) if self.seconds else None

    @property
    def worst(self) -> float | None:
        """The longest latency in seconds (None before the first)."""
        return max(self.seconds) if self.seconds else None

    def describe(self, name: str) -> str:
        """``data edit 0.62 s median, 0.70 s worst``."""
        if self.median is None or self.worst is None:
            return f"{name} not measured"
        return f"{name} {self.median:.2f} s median, {self.worst:.2f} s worst"

    def as_json(self) -> dict[str, Any]:
        """The figures as plain data."""
        return {
            "file": self.file,
            "page": self.page,
            "seconds": self.seconds,
            "median": self.median,
            "worst": self.worst,
        }


@dataclass
class PreviewRun:
    """The preview's figures on one project."""

    label: str
    records: int
    target: float
    data: EditLatency
    narrative: EditLatency
    build_seconds: float | None = None
    first_start_seconds: float | None = None
    rebuild_seconds: list[float] = field(default_factory=list)  # as the server prints them, first build first
    idle_rebuilds: int | None = None  # builds in idle_seconds after the last edit had settled
    idle_seconds: float = 0.0
    left_running: list[str] = field(default_factory=list)  # processes still running after SIGTERM
    failure: str | None = None
    pid: int | None = None

    def line(self) -> str:
        """One line of the bench's output."""
        start = (
            "first start not measured"
            if self.first_start_seconds is None
            else f"first start {self.first_start_seconds:.1f} s"
        )
        build = "build not measured" if self.build_seconds is None else f"build {self.build_seconds:.1f} s"
        text = (
            f"preview ({self.label}): {start} ({build}); {self.data.describe('data edit')}; "
            f"{self.narrative.describe('narrative edit')} (target < {self.target:g} s)"
        )
        if self.idle_rebuilds:
            builds = "1 rebuild" if self.idle_rebuilds == 1 else f"{self.idle_rebuilds} rebuilds"
            text += f"; PROBLEM: {builds} in {self.idle_seconds:.1f} s with no edit (expected none)"
        if self.left_running:
            text += f"; PROBLEM: still running after it stopped: {', '.join(self.left_running)} (killed)"
        return text if self.failure is None else f"{text}; FAILED: {self.failure}"

    def as_json(self) -> dict[str, Any]:
        """The figures as plain data, for the bench's JSON line."""
        return {
            "project": self.label,
            "records": self.records,
            "target_seconds": self.target,
            "build_seconds": self.build_seconds,
            "first_start_seconds": self.first_start_seconds,
            "data_edit": self.data.as_json(),
            "narrative_edit": self.narrative.as_json(),
            "server_first_build_seconds": self.rebuild_seconds[0] if self.rebuild_seconds else None,
            "server_rebuilds": len(self.rebuild_seconds[1:]),
            "server_rebuild_median_seconds": statistics.median(self.rebuild_seconds[1:])
            if self.rebuild_seconds[1:]
            else None,
            "idle_rebuilds": self.idle_rebuilds,
            "idle_seconds": self.idle_seconds,
            "left_running": self.left_running,
            "failure": self.failure,
        }


def count_records(root: Path) -> int:
    """The number of record files in ``data/``."""
    return sum(len(list((root / "data" / PLURAL[kind]).glob("*.yaml"))) for kind in KINDS)


def pick_record(root: Path) -> Path:
    """The record the data edit changes: the first, by kind then name, with a summary line."""
    for kind in KINDS:
        for path in sorted((root / "data" / PLURAL[kind]).glob("*.yaml")):
            if re.search(rf"^{_FIELD}:", path.read_text(encoding="utf-8"), re.M):
                return path
    raise PreviewFailure(f"no record in {root / 'data'} has a {_FIELD}")


def pick_page(root: Path) -> Path:
    """The narrative page the edit changes: the largest Markdown page (the most to render)."""
    pages = sorted((root / docs_dir(root)).rglob("*.md"), key=lambda p: (-p.stat().st_size, str(p)))
    if not pages:
        raise PreviewFailure(f"no Markdown page in {root / docs_dir(root)}")
    return pages[0]


def record_address(root: Path, record: Path) -> str:
    """The path of a record's page under the site's mount: ``actors/abe-shinzo/``."""
    return f"{record.parent.name}/{record.stem}/"


def page_address(root: Path, page: Path) -> str:
    """The path of a narrative page under the site's mount: ``history/``, ``""`` for the home page."""
    rel = page.relative_to(root / docs_dir(root)).with_suffix("").as_posix()
    if read_config(root).get("use_directory_urls") is False:
        return "" if rel == "index" else rel + ".html"
    if rel == "index":
        return ""
    return rel.removesuffix("/index") + "/"


def mount(root: Path) -> str:
    """The path the preview serves the site under (the path of ``site_url``), ending in a slash."""
    path = re.sub(r"^[a-z]+://[^/]*", "", site_url(read_config(root))).strip("/")
    return f"/{path}/" if path else "/"


def mark_record(text: str, marker: str) -> str:
    """A record's YAML with ``marker`` and a space put at the start of its summary, whatever its style."""
    m = re.search(rf"^{_FIELD}:[ \t]*(.*)$", text, re.M)
    if m is None:
        raise PreviewFailure(f"the record has no {_FIELD} line")
    rest = m.group(1)
    if rest[:1] in ("'", '"'):
        at = m.start(1) + 1
    elif rest and rest[0] not in ">|":
        at = m.start(1)
    else:  # a block scalar, or a plain one that starts on the next line
        nxt = re.compile(r"[ \t]+(?=\S)").match(text, m.end() + 1)
        if nxt is None:
            raise PreviewFailure(f"the record's {_FIELD} has no text")
        at = nxt.end()
    return text[:at] + marker + " " + text[at:]


def mark_page(text: str, marker: str) -> str:
    """A Markdown page with a sentence carrying ``marker`` as a new paragraph under its first heading."""
    sentence = f"This sentence was added to measure the preview ({marker})."
    body = 0
    if text.startswith("---\n"):
        end = text.find("\n---\n", 3)
        body = end + 5 if end >= 0 else 0
    m = re.compile(r"^#[ \t].*$", re.M).search(text, body)
    if m is None:
        return text.rstrip("\n") + f"\n\n{sentence}\n"
    return text[: m.end()] + f"\n\n{sentence}" + text[m.end() :]


def free_port() -> int:
    """A loopback port nobody listens on now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback: never through a proxy


def fetch(url: str) -> tuple[int | None, str]:
    """Status and text of a page; (None, "") while nothing listens."""
    try:
        with _OPENER.open(url, timeout=5) as response:
            return int(response.status), response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode("utf-8", "replace")
    except (urllib.error.URLError, OSError):
        return None, ""


class PreviewProcess:
    """``python -m refsite serve`` on ``port``, in ``root``, its output collected as it comes."""

    def __init__(self, root: Path, port: int) -> None:
        env = dict(os.environ, PYTHONUNBUFFERED="1", NO_MKDOCS_2_WARNING="1")
        self.output: list[str] = []
        self.builds: list[float] = []
        self.changed = threading.Condition()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "refsite", "serve", "--dev-addr", f"127.0.0.1:{port}"],
            cwd=root,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,  # its own process group: whatever it starts is stopped with it
        )
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            with self.changed:
                self.output.append(line.rstrip("\n"))
                if m := _BUILT.match(line):
                    self.builds.append(float(m.group(1)))
                self.changed.notify_all()

    def check_running(self) -> None:
        """Raise :class:`PreviewFailure` if the server has stopped."""
        if self.proc.poll() is not None:
            raise PreviewFailure(f"the server stopped with status {self.proc.returncode}: {self.tail()}")

    def tail(self, lines: int = 3) -> str:
        """The last lines the server printed, on one line."""
        with self.changed:
            return " | ".join(self.output[-lines:]) or "(no output)"

    def wait_idle(self, builds: int, timeout: float | None = None) -> bool:
        """Wait until a build after the ``builds``-th has finished and no other follows within :data:`QUIET`.

        False if the server was still building after ``timeout`` seconds (default :data:`SETTLE`)."""
        deadline = time.monotonic() + (SETTLE if timeout is None else timeout)
        with self.changed:
            while time.monotonic() < deadline:
                count = len(self.builds)
                self.changed.wait(QUIET)
                if count > builds and len(self.builds) == count:
                    return True
                if self.proc.poll() is not None:
                    raise PreviewFailure(f"the server stopped with status {self.proc.returncode}: {self.tail()}")
        return False

    def builds_within(self, seconds: float) -> int:
        """The number of builds the server finishes in the next ``seconds``."""
        with self.changed:
            before = len(self.builds)
        time.sleep(seconds)
        with self.changed:
            return len(self.builds) - before

    def stop(self) -> list[str]:
        """SIGTERM, then SIGKILL to its whole process group; the programs it had left running, if any."""
        left: list[str] = []
        try:
            if self.proc.poll() is None:
                self.proc.send_signal(signal.SIGTERM)
                try:
                    self.proc.wait(timeout=STOP_TIMEOUT)
                except subprocess.TimeoutExpired:
                    left.append("the server itself (it did not stop on SIGTERM)")
        finally:
            if self.proc.poll() is not None:
                left.extend(group_members(self.proc.pid))
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.proc.pid, signal.SIGKILL)  # anything of its group still running
            self.proc.wait()
            self.reader.join(timeout=5)
        return left


def group_members(group: int) -> list[str]:
    """The names of the running (not exited) processes of a process group, from ``/proc`` (empty elsewhere)."""
    names = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue  # gone meanwhile
        name, _, rest = text.partition(" (")[2].rpartition(")")
        fields = rest.split()
        if len(fields) > 2 and fields[2] == str(group) and fields[0] not in ("Z", "X"):
            names.append(name)
    return sorted(names)


def poll_until(
    url: str,
    shown: Callable[[int | None, str], bool],
    server: PreviewProcess,
    since: float,
    what: str,
    timeout: float | None = None,
) -> tuple[float, str]:
    """Fetch ``url`` every :data:`POLL` seconds until ``shown``; seconds since ``since`` and the page.

    :class:`PreviewFailure` if it has not shown after ``timeout`` seconds (default :data:`TIMEOUT`)."""
    timeout = TIMEOUT if timeout is None else timeout
    deadline = since + timeout
    tick = time.perf_counter()
    while True:
        status, text = fetch(url)
        now = time.perf_counter()
        if shown(status, text):
            return now - since, text
        server.check_running()
        if now > deadline:
            raise PreviewFailure(f"{what} not shown on {url} within {timeout:g} s (server: {server.tail()})")
        tick += POLL
        time.sleep(max(0.0, tick - time.perf_counter()))


def _showing(marker: str) -> Callable[[int | None, str], bool]:
    """A page answered 200 that shows ``marker``."""
    return lambda status, text: status == 200 and marker in text


def _excerpt(text: str, marker: str) -> str:
    at = text.find(marker)
    return text[max(0, at - 120) : at + len(marker) + 120]


def time_build(root: Path) -> float:
    """Seconds of a clean ``python -m refsite build`` of ``root``, launch to exit, into a fresh folder."""
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    with tempfile.TemporaryDirectory(prefix="refsite-bench-site-") as out:
        start = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-m", "refsite", "build", "--site-dir", str(Path(out) / "site")],
            cwd=root,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            check=False,
        )
        seconds = time.perf_counter() - start
    if proc.returncode != 0:
        last = (proc.stdout + proc.stderr).strip().splitlines()[-3:]
        raise PreviewFailure(f"the build failed with status {proc.returncode}: {' | '.join(last)}")
    return seconds


def _edits(
    server: PreviewProcess,
    root: Path,
    base: str,
    latency: EditLatency,
    mark: Callable[[str, str], str],
    kind: str,
    repeats: int,
) -> None:
    """Save ``repeats`` edits of one file, each with a new marker, timing each until it shows; restore it."""
    path = root / latency.file
    original = path.read_text(encoding="utf-8")
    url = base + latency.page
    marker = ""
    for i in range(1, repeats + 1):
        marker = f"bench{kind}{i}x{secrets.token_hex(4)}"
        builds = len(server.builds)
        since = time.perf_counter()
        path.write_text(mark(original, marker), encoding="utf-8")
        seconds, page = poll_until(url, _showing(marker), server, since, f"{kind} edit {i}")
        latency.seconds.append(seconds)
        latency.markers.append(marker)
        latency.seen.append(_excerpt(page, marker))
        server.wait_idle(builds)
    builds = len(server.builds)
    path.write_text(original, encoding="utf-8")
    poll_until(
        url,
        lambda status, text: status == 200 and marker not in text,
        server,
        time.perf_counter(),
        f"the restored {latency.file}",
    )
    server.wait_idle(builds)


def measure_preview(
    root: Path,
    label: str,
    target: float,
    *,
    repeats: int = 3,
    record: Path | None = None,
    page: Path | None = None,
    build: bool = True,
) -> PreviewRun:
    """The preview's first start and edit latencies on the project at ``root`` (and a clean build's time).

    ``record`` (a data file) and ``page`` (a Markdown page) are the files edited; by default the
    first record with a summary and the largest page. They are restored, and the server stopped,
    whatever happens; a failure is reported in the result's ``failure``, not raised."""
    if repeats < 1:
        raise ValueError(f"repeats must be at least 1, not {repeats}")
    run = PreviewRun(label, count_records(root), target, EditLatency("", ""), EditLatency("", ""))
    try:
        record = pick_record(root) if record is None else record
        page = pick_page(root) if page is None else page
        run.data = EditLatency(record.relative_to(root).as_posix(), record_address(root, record))
        run.narrative = EditLatency(page.relative_to(root).as_posix(), page_address(root, page))
        if build:
            run.build_seconds = time_build(root)
        _serve_and_edit(root, run, repeats)
    except PreviewFailure as exc:
        run.failure = str(exc)
    return run


def _serve_and_edit(root: Path, run: PreviewRun, repeats: int) -> None:
    """Start the server, time its first page, then the edits of both kinds; stop it whatever happens."""
    originals = {root / name: (root / name).read_bytes() for name in (run.data.file, run.narrative.file)}
    port = free_port()
    base = f"http://127.0.0.1:{port}{mount(root)}"
    # the server runs in its own process group: a SIGTERM to the bench must still stop it and restore the files
    main = threading.current_thread() is threading.main_thread()
    previous = signal.getsignal(signal.SIGTERM)
    if main:
        signal.signal(signal.SIGTERM, _terminate)
    since = time.perf_counter()
    server = PreviewProcess(root, port)
    run.pid = server.proc.pid
    try:
        run.first_start_seconds, _ = poll_until(
            base + run.data.page,
            lambda status, text: status == 200 and "<h1" in text,
            server,
            since,
            "the first page",
            timeout=START_TIMEOUT,
        )
        server.wait_idle(0)
        _edits(server, root, base, run.data, mark_record, "data", repeats)
        _edits(server, root, base, run.narrative, mark_page, "narrative", repeats)
        # long enough for a build that follows the last one to finish: a rebuild loop shows
        run.idle_seconds = max(IDLE, 1.5 * max(server.builds[1:], default=0.0) + 0.5)
        run.idle_rebuilds = server.builds_within(run.idle_seconds)
    finally:
        for path, text in originals.items():
            if path.read_bytes() != text:
                path.write_bytes(text)
        run.left_running = server.stop()
        run.rebuild_seconds = list(server.builds)
        if main:
            signal.signal(signal.SIGTERM, signal.SIG_DFL if previous is None else previous)


def _terminate(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


def copy_project(root: Path, dest: Path) -> Path:
    """A copy of the project's sources (data, bibliography, pages, configuration, theme) in ``dest``."""
    dest.mkdir(parents=True, exist_ok=True)
    skip = shutil.ignore_patterns("__pycache__")
    for name in PROJECT_PARTS:
        source = root / name
        if source.is_dir():
            shutil.copytree(source, dest / name, ignore=skip, dirs_exist_ok=True)
        elif source.is_file():
            shutil.copy2(source, dest / name)
    return dest


def preview_runs(root: Path, workdir: Path, records: int) -> list[PreviewRun]:
    """Measure the preview on a copy of the project at ``root`` and on a synthetic project; print a line each."""
    from .synth import write_project

    runs = []
    if (root / "mkdocs.yml").is_file() and (root / "data").is_dir():
        real = copy_project(root, workdir / "preview-real")
        runs.append(measure_preview(real, f"real reference, {count_records(real)} records", 1.0))
        print(runs[-1].line(), flush=True)
    else:
        print(f"preview (real reference): skipped, {root} has no mkdocs.yml and data/", flush=True)
    synthetic = workdir / f"p{records}"
    if not (synthetic / "mkdocs.yml").is_file():
        write_project(synthetic, records)
    runs.append(measure_preview(synthetic, f"N={records}", 2.0))
    print(runs[-1].line(), flush=True)
    return runs
