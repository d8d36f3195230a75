"""Faults: killed builds, full disks and file system errors never lose the site or leave litter."""

from __future__ import annotations

import os
import random
import re
import resource
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from refsite.build import MARKER, fault_message
from refsite.workspace import CACHE, clean_stale, exchange, open_workspace, replace_site

from conftest import copy_root


def _env(tmpdir: Path) -> dict[str, str]:
    tmpdir.mkdir(exist_ok=True)
    return dict(os.environ, TMPDIR=str(tmpdir), NO_MKDOCS_2_WARNING="1")


def _build(root: Path, env: dict[str, str], *args: str, **kw: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "refsite", "build", *args],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        **kw,  # type: ignore[call-overload]
    )


def _files(site: Path) -> list[str]:
    return sorted(p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file())


def _revise(root: Path, n: int) -> None:
    index = root / "docs/index.md"
    text = index.read_text(encoding="utf-8").split("\n\nRevision ")[0].rstrip("\n")
    index.write_text(f"{text}\n\nRevision r{n}x of the home page.\n", encoding="utf-8")


def _revision(site: Path) -> int | None:
    html = (site / "index.html").read_text(encoding="utf-8")
    found = [n for n in range(100) if f"Revision r{n}x" in html]
    return found[0] if len(found) == 1 else None


def _assert_no_litter(root: Path, tmpdir: Path) -> None:
    # only the formatted citations stay in the cache folder, whole files (no write left half done)
    assert sorted(p.name for p in (root / CACHE).iterdir()) in ([], ["citations"])
    kept = list((root / CACHE).glob("citations/*"))
    assert all(re.fullmatch(r"[0-9a-f]{40}\.json", p.name) for p in kept), kept
    assert not list(root.glob(".site-*"))
    assert sorted(p.name for p in tmpdir.iterdir()) == []


SEED = int(os.environ.get("REFSITE_TEST_SEED", "20261204"))


def _pages_in_workspace(root: Path, pid: int) -> int:
    """How many pages the running build ``pid`` has written so far into its own workspace (a folder
    the build moves or removes while it is counted is passed over, not an error)."""
    count = 0
    for work in (root / CACHE).glob(f"build-{pid}-*"):
        for _folder, _subfolders, files in os.walk(work / "site"):
            count += sum(name.endswith(".html") for name in files)
    return count


def _swapped_in(site: Path, revision: int) -> bool:
    """The build of ``revision`` has put its site in place already."""
    try:
        return _revision(site) == revision
    except OSError:
        return False


def _kill_when(child: subprocess.Popen[bytes], ready: Callable[[], bool], limit: float = 60.0) -> bool:
    """SIGKILL ``child`` as soon as ``ready()`` holds (polled every 2 ms, for ``limit`` seconds at most),
    or once it has ended by itself; True if it was killed while still running."""
    deadline = time.monotonic() + limit
    while child.poll() is None and not ready():
        assert time.monotonic() < deadline, "the build neither ended nor reached the kill point"
        time.sleep(0.002)
    running = child.poll() is None
    child.send_signal(signal.SIGKILL)
    child.wait()
    return running


@pytest.mark.slow
def test_builds_killed_at_chosen_moments_never_lose_the_site(tmp_path: Path) -> None:
    """Builds killed at once, while writing their Nth page, and at a delay drawn from a fixed seed
    (REFSITE_TEST_SEED, printed with every failure) over the whole build, swap included."""
    root = copy_root("basic", tmp_path)
    tmpdir = tmp_path / "tmp"
    env = _env(tmpdir)
    _revise(root, 0)
    start = time.monotonic()
    proc = _build(root, env)
    duration = time.monotonic() - start
    assert proc.returncode == 0, proc.stdout + proc.stderr
    site = root / "site"
    expected = _files(site)
    assert "index.html" in expected and MARKER in expected and len(expected) > 50
    rng = random.Random(SEED)
    pages = sum(p.endswith(".html") for p in expected)
    kills, good, killed_mid_build = 8, 0, 0
    for i in range(1, kills + 1):
        _revise(root, i)
        child = subprocess.Popen(
            [sys.executable, "-m", "refsite", "build"],
            cwd=root,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        if i == 1:
            moment = "at once"
            _kill_when(child, lambda: True)
        elif i % 2 == 0:  # while the new site is being written: certainly before the swap
            written = 1 + rng.randrange(pages - 1)
            moment = f"at page {written} of {pages}"
            # on a busy machine the build may write its last pages and swap between two looks: it is then
            # killed at once, after the swap, and the site must be the new one whole
            reached = lambda n=written, pid=child.pid, i=i: (  # noqa: E731
                _pages_in_workspace(root, pid) >= n or _swapped_in(site, i)
            )
            assert _kill_when(child, reached), moment
            killed_mid_build += 1
        else:  # anywhere in the build, the swap included
            delay = duration * 1.1 * rng.random()
            moment = f"after {delay:.2f} s of a {duration:.2f} s build"
            end = time.monotonic() + delay
            _kill_when(child, lambda end=end: time.monotonic() >= end)
        where = f"REFSITE_TEST_SEED={SEED}, kill {i} {moment}"
        assert _files(site) == expected, where
        shown = _revision(site)
        assert shown in (good, i), where
        good = shown
    proc = _build(root, env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert _revision(site) == kills
    assert _files(site) == expected
    _assert_no_litter(root, tmpdir)
    assert killed_mid_build == kills // 2


_INJECT = textwrap.dedent(
    """
    import builtins, errno, os, sys
    from refsite.cli import main
    real_open, written = builtins.open, []

    def full_disk_open(file, mode="r", *args, **kwargs):
        name = os.fspath(file) if isinstance(file, (str, os.PathLike)) else ""
        if any(m in mode for m in "wax") and "/.refsite/" in name and name.endswith(".html"):
            written.append(name)
            if len(written) > int(sys.argv[1]):
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), name)
        return real_open(file, mode, *args, **kwargs)

    builtins.open = full_disk_open
    sys.exit(main(sys.argv[2:]))
    """
)


@pytest.mark.parametrize("after", [0, 10])
def test_full_disk_is_one_line_and_keeps_the_site(tmp_path: Path, after: int) -> None:
    root = copy_root("basic", tmp_path)
    tmpdir = tmp_path / "tmp"
    env = _env(tmpdir)
    assert _build(root, env).returncode == 0
    before = {name: (root / "site" / name).read_bytes() for name in _files(root / "site")}
    (root / "docs/index.md").write_text("# Home\n\nChanged.\n", encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-c", _INJECT, str(after), "build"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 1
    assert proc.stdout == ""
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("build failed: no space left on device while writing site/"), lines[0]
    assert lines[0].endswith(".html; the previous site/ is left as it was")
    assert {name: (root / "site" / name).read_bytes() for name in _files(root / "site")} == before
    _assert_no_litter(root, tmpdir)


def _limit_file_size() -> None:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG instead
    resource.setrlimit(resource.RLIMIT_FSIZE, (200_000, resource.RLIM_INFINITY))


def test_file_system_error_from_the_kernel_is_one_line(tmp_path: Path) -> None:
    """A real write error (a file size limit: EFBIG) while copying the theme's assets into the site."""
    root = copy_root("basic", tmp_path)
    tmpdir = tmp_path / "tmp"
    env = _env(tmpdir)
    assert _build(root, env).returncode == 0
    before = (root / "site/index.html").read_bytes()
    proc = _build(root, env, preexec_fn=_limit_file_size)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("build failed: file too large while writing site/assets/"), lines[0]
    assert (root / "site/index.html").read_bytes() == before
    _assert_no_litter(root, tmpdir)


def test_full_tmpfs(tmp_path: Path) -> None:
    """A real full disk: a small tmpfs holds one site but not a second one beside it."""
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    size_kb = 4500  # the sample site takes about 3 MB
    if (
        os.geteuid() != 0
        or subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size_kb}k", "tmpfs", str(mnt)], capture_output=True, check=False
        ).returncode
        != 0
    ):
        pytest.skip("mounting a tmpfs needs root")
    try:
        root = copy_root("basic", tmp_path)
        tmpdir = tmp_path / "tmp"
        env = _env(tmpdir)
        proc = _build(root, env, "--site-dir", str(mnt / "site"))
        assert proc.returncode == 0, proc.stderr
        before = {name: (mnt / "site" / name).read_bytes() for name in _files(mnt / "site")}
        proc = _build(root, env, "--site-dir", str(mnt / "site"))
        assert proc.returncode == 1
        lines = proc.stderr.splitlines()
        assert len(lines) == 1, proc.stderr
        assert lines[0].startswith(f"build failed: no space left on device while writing {mnt}/site/"), lines[0]
        assert {name: (mnt / "site" / name).read_bytes() for name in _files(mnt / "site")} == before
        assert sorted(p.name for p in mnt.iterdir()) == [CACHE, "site"]
        assert list((mnt / CACHE).iterdir()) == []
        assert list(tmpdir.iterdir()) == []
    finally:
        subprocess.run(["umount", str(mnt)], check=False)


def test_a_running_build_keeps_its_workspace_and_a_dead_one_is_removed(tmp_path: Path) -> None:
    root = copy_root("basic", tmp_path)
    env = _env(tmp_path / "tmp")
    running = open_workspace(root, "build")  # held by this process, as a concurrent build holds it
    dead = root / CACHE / "build-999999-dead"
    (dead / "tmp" / "refsite-cite-x").mkdir(parents=True)
    proc = _build(root, env)
    assert proc.returncode == 0, proc.stderr
    assert running.path.is_dir()
    assert not dead.exists()
    running.close()
    assert [p.name for p in (root / CACHE).iterdir()] == ["citations"]  # the formatted notes, kept


def test_swap_fallback_and_recovery(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without an atomic exchange, a build that dies between its two renames is repaired by the next one."""
    site, new, spare = tmp_path / "site", tmp_path / "new", tmp_path / "spare"
    for folder, text in ((site, "old"), (new, "new")):
        folder.mkdir()
        (folder / MARKER).write_text(text, encoding="utf-8")
    assert exchange(site, new)
    assert (site / MARKER).read_text(encoding="utf-8") == "new"
    monkeypatch.setattr("refsite.workspace.exchange", lambda a, b: False)
    replace_site(new, site, spare)
    assert (site / MARKER).read_text(encoding="utf-8") == "old"
    assert not new.exists() and not spare.exists()
    # the second rename refused: the old site goes back
    new.mkdir()
    (new / MARKER).write_text("newer", encoding="utf-8")
    real_rename = os.rename

    def refuse_new(a: Path, b: Path) -> None:
        if Path(a) == new:
            raise OSError(28, "No space left on device", str(b))
        real_rename(a, b)

    monkeypatch.setattr("refsite.workspace.os.rename", refuse_new)
    with pytest.raises(OSError):
        replace_site(new, site, spare)
    monkeypatch.setattr("refsite.workspace.os.rename", real_rename)
    assert (site / MARKER).read_text(encoding="utf-8") == "old"
    assert not spare.exists()
    shutil.rmtree(new)
    # a build killed after moving the old site away and before moving the new one in
    cache = tmp_path / CACHE
    work = cache / "build-999999-abc"
    work.mkdir(parents=True)
    site.rename(work / "old")
    assert clean_stale(cache, site) == ["build-999999-abc"]
    assert (site / MARKER).read_text(encoding="utf-8") == "old"
    assert list(cache.iterdir()) == []


def test_fault_messages_name_the_site_file() -> None:
    new = Path("/p/.refsite/build-1-x/site")
    err = OSError(28, "No space left on device", str(new / "actors/a/index.html"))
    assert fault_message(err, {new: "site"}) == "no space left on device while writing site/actors/a/index.html"
    copy = OSError(27, "File too large")
    copy.filename, copy.filename2 = "/usr/lib/theme/bundle.js", str(new / "assets/bundle.js")
    assert fault_message(copy, {new: "site"}) == "file too large while writing site/assets/bundle.js"
    odd = OSError(13, "Permission denied", "/elsewhere/a\nb")
    assert fault_message(odd, {new: "site"}) == "permission denied: /elsewhere/a\\x0ab"


def test_a_cache_folder_that_leads_elsewhere_is_refused(tmp_path: Path) -> None:
    root = copy_root("basic", tmp_path)
    elsewhere = tmp_path / "elsewhere"
    (elsewhere / "build-1-x").mkdir(parents=True)
    (root / CACHE).symlink_to(elsewhere)
    proc = _build(root, _env(tmp_path / "tmp"))
    assert proc.returncode == 1
    assert proc.stderr.splitlines() == [
        f"build failed: {CACHE} must be a folder, not a symlink or a file: {root / CACHE}"
    ]
    assert [p.name for p in elsewhere.iterdir()] == ["build-1-x"]
    assert not (root / "site").exists()
