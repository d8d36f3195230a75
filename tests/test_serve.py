"""The live preview: the last good site stays served, problems show on every page, fixing clears them."""

from __future__ import annotations

import html
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from refsite.mkdocs_host.serve import BANNER_ID, preview_url, with_banner
from refsite.workspace import CACHE

from conftest import REPO, copy_root

BROKEN = "id: abe-shinzo\nname: [broken\n"
BROKEN_LINE = "data/actors/abe-shinzo.yaml:3:1: error: invalid YAML: did not find expected ',' or ']'"


class Preview:
    """A ``python -m refsite serve`` process on a free loopback port."""

    def __init__(self, root: Path, tmpdir: Path) -> None:
        tmpdir.mkdir(exist_ok=True)
        env = dict(os.environ, TMPDIR=str(tmpdir), PYTHONUNBUFFERED="1", NO_MKDOCS_2_WARNING="1")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "refsite", "serve", "--dev-addr", "127.0.0.1:0"],
            cwd=root,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.output: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()
        self.url = self._address()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.output.append(line)
            self.lines.put(line)

    def _address(self) -> str:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=1)
            except queue.Empty:
                continue
            if m := re.match(r"Serving the preview on (http://\S+) ", line):
                return m.group(1)
        raise AssertionError("the server did not start:\n" + "".join(self.output))

    def get(self, path: str) -> tuple[int, str]:
        """Status and text of a page; the server must answer within a few seconds, always."""
        try:
            with urllib.request.urlopen(self.url + path, timeout=5) as response:
                return response.status, response.read().decode("utf-8")
        except urllib.error.HTTPError as err:
            return err.code, err.read().decode("utf-8")

    def get_bytes(self, path: str) -> tuple[int, bytes]:
        """Status and bytes of any file the server serves."""
        try:
            with urllib.request.urlopen(self.url + path, timeout=5) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as err:
            return err.code, err.read()

    def wait_for(self, path: str, condition: Callable[[int, str], bool], what: str) -> tuple[int, str]:
        deadline = time.monotonic() + 40
        while time.monotonic() < deadline:
            status, text = self.get(path)
            if condition(status, text):
                return status, text
            time.sleep(0.2)
        raise AssertionError(f"{what}: not seen in 40 s; server output:\n" + "".join(self.output))

    def stop(self) -> int:
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout=20)


def banner_lines(page: str) -> list[str] | None:
    """The problem lines of the banner, unescaped; None when the page has no banner."""
    m = re.search(rf'<div id="{BANNER_ID}"[^>]*>.*?<pre[^>]*>(.*?)</pre></div>', page, re.S)
    return html.unescape(m.group(1)).splitlines() if m else None


@pytest.fixture
def project(tmp_path: Path) -> Iterator[tuple[Path, Path]]:
    root = copy_root("basic", tmp_path)
    tmpdir = tmp_path / "tmp"
    yield root, tmpdir
    # the server's workspace is gone; only the formatted citations are kept (see refsite.citecache)
    assert [p.name for p in (root / CACHE).iterdir()] in ([], ["citations"])
    assert list(tmpdir.iterdir()) == []


def test_a_broken_file_shows_in_the_browser_while_the_last_good_site_is_served(project: tuple[Path, Path]) -> None:
    root, tmpdir = project
    preview = Preview(root, tmpdir)
    try:
        assert preview.url.endswith("/sample/")
        status, page = preview.get("actors/japan/")
        assert status == 200 and banner_lines(page) is None
        assert "livereload(" in page
        record = root / "data/actors/abe-shinzo.yaml"
        good = record.read_text(encoding="utf-8")
        record.write_text(BROKEN, encoding="utf-8")
        status, page = preview.wait_for("actors/japan/", lambda s, t: banner_lines(t) is not None, "the banner")
        assert status == 200
        lines = banner_lines(page)
        assert lines is not None and BROKEN_LINE in lines
        assert "<h1" in page and "Japan" in page  # the last good page, under the banner
        status, abe = preview.get("actors/abe-shinzo/")  # the broken record's last good page too
        assert status == 200 and banner_lines(abe) == lines
        status, missing = preview.get("no-such-page/")
        assert status == 404 and banner_lines(missing) == lines
        record.write_text(good.replace("summary: ", "summary: Edited in the preview. "), encoding="utf-8")
        status, page = preview.wait_for(
            "actors/abe-shinzo/", lambda s, t: "Edited in the preview." in t, "the fixed and edited page"
        )
        assert status == 200 and banner_lines(page) is None
        # a warning (which a strict build refuses) shows above the new build
        index = root / "docs/index.md"
        index.write_text(index.read_text(encoding="utf-8") + "\nSee [the plan](nope.md).\n", encoding="utf-8")
        status, page = preview.wait_for("", lambda s, t: "the plan" in t, "the page with a warning")
        lines = banner_lines(page)
        assert status == 200 and lines is not None and "make site refuses" in page
        assert any("'nope.md'" in line for line in lines), lines
    finally:
        assert preview.stop() == 0
    out = "".join(preview.output)
    assert "Traceback" not in out
    assert BROKEN_LINE in out.splitlines()


def test_a_project_broken_from_the_start_answers_with_its_problems(project: tuple[Path, Path]) -> None:
    root, tmpdir = project
    record = root / "data/actors/abe-shinzo.yaml"
    good = record.read_text(encoding="utf-8")
    record.write_text(BROKEN, encoding="utf-8")
    preview = Preview(root, tmpdir)
    try:
        status, page = preview.get("")
        assert status == 503
        lines = banner_lines(page)
        assert lines is not None and BROKEN_LINE in lines
        record.write_text(good, encoding="utf-8")
        status, page = preview.wait_for("", lambda s, t: s == 200, "the home page")
        assert banner_lines(page) is None
    finally:
        assert preview.stop() == 0


@pytest.mark.browser
def test_the_open_tab_shows_the_problem_and_clears_it_by_itself(project: tuple[Path, Path], browser: Any) -> None:
    """What an editor sees: the open page reloads with the banner on a broken save, without it on the fix."""
    root, tmpdir = project
    preview = Preview(root, tmpdir)
    try:
        tab = browser.new_page(viewport={"width": 1280, "height": 900})
        tab.goto(preview.url + "actors/japan/")
        assert tab.locator(f"#{BANNER_ID}").count() == 0
        record = root / "data/actors/abe-shinzo.yaml"
        good = record.read_text(encoding="utf-8")
        record.write_text(BROKEN, encoding="utf-8")
        banner = tab.locator(f"#{BANNER_ID}")
        banner.wait_for(state="visible", timeout=40000)
        assert BROKEN_LINE in banner.inner_text().splitlines()
        box = banner.bounding_box()
        assert box is not None and box["y"] < 5 and box["height"] > 40  # on top of the page, not hidden
        assert tab.locator("article h1").first.inner_text().startswith("Japan")
        record.write_text(good, encoding="utf-8")
        banner.wait_for(state="detached", timeout=40000)
        assert tab.locator("article h1").first.inner_text().startswith("Japan")
        tab.close()
    finally:
        assert preview.stop() == 0


def test_banner_escapes_the_problems() -> None:
    page = with_banner(b'<html><body class="x"><p>page</p></body></html>', ["a.yaml:1:1: error: <script>x</script>"])
    text = page.decode()
    assert text.index(f'<div id="{BANNER_ID}"') == text.index('<body class="x">') + len('<body class="x">')
    assert "<script>" not in text and "&lt;script&gt;x&lt;/script&gt;" in text
    assert with_banner(b"<body>same</body>", []) == b"<body>same</body>"


def test_readme_gives_the_address_the_server_prints() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    url = preview_url(REPO, "127.0.0.1:8000")
    assert url == "http://127.0.0.1:8000/japan-russia/"
    assert f"live preview at {url}" in readme
    assert ":8000 " not in readme and ":8000," not in readme
