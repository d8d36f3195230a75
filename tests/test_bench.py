"""The preview's latency measurement of ``make bench``: edits really made, really seen, always cleaned up."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from refsite.tools import bench_serve
from refsite.tools.bench import tree_rss_kb
from refsite.tools.bench_serve import (
    PreviewRun,
    group_members,
    mark_page,
    mark_record,
    measure_preview,
    mount,
    page_address,
    record_address,
)
from refsite.workspace import CACHE

from conftest import ROOTS, copy_root

MARKER = "benchdata1xcafe"
BROKEN = "id: abe-shinzo\nname: [broken\n"


@pytest.mark.parametrize(
    "text",
    [
        "id: a\nsummary: >-\n  First line of the summary,\n  and its second.\nsources: []\n",
        "id: a\nsummary: |\n    Kept as written.\nsources: []\n",
        "id: a\nsummary: Plain text on one line.\nsources: []\n",
        "id: a\nsummary: Plain text that\n  goes on.\nsources: []\n",
        "id: a\nsummary:\n  Plain text from the next line.\nsources: []\n",
        "id: a\nsummary: 'Single: quoted.'\nsources: []\n",
        'id: a\nsummary: "Double \\"quoted\\"."\nsources: []\n',
        yaml.safe_dump({"id": "a", "summary": "word " * 40, "sources": []}, sort_keys=False),
    ],
)
def test_the_marker_starts_the_summary_whatever_its_yaml_style(text: str) -> None:
    before = yaml.safe_load(text)
    after = yaml.safe_load(mark_record(text, MARKER))
    assert after["summary"] == f"{MARKER} {before['summary']}"
    assert {k: v for k, v in after.items() if k != "summary"} == {k: v for k, v in before.items() if k != "summary"}


def test_the_marker_sentence_goes_under_the_title_past_the_front_matter() -> None:
    page = "---\ntitle: T\n# a comment, not a heading\n---\n# Title\n\nBody.\n"
    marked = mark_page(page, MARKER)
    assert marked.startswith("---\ntitle: T\n# a comment, not a heading\n---\n# Title\n\nThis sentence")
    assert MARKER in marked and marked.endswith("\n\nBody.\n")
    sentence = f"This sentence was added to measure the preview ({MARKER})."
    assert mark_page("No heading.\n", MARKER) == f"No heading.\n\n{sentence}\n"


def test_the_polled_addresses_are_the_served_pages(tmp_path: Path) -> None:
    root = copy_root("basic", tmp_path)
    assert mount(root) == "/sample/"
    assert record_address(root, root / "data/actors/abe-shinzo.yaml") == "actors/abe-shinzo/"
    assert page_address(root, root / "docs/index.md") == ""
    assert page_address(root, root / "docs/guide/index.md") == "guide/"
    assert page_address(root, root / "docs/guide/more.md") == "guide/more/"


def test_a_project_without_records_is_a_failure_line(tmp_path: Path) -> None:
    root = copy_root("basic", tmp_path)
    for record in (root / "data").rglob("*.yaml"):
        record.unlink()
    run = measure_preview(root, "empty", 1.0)
    assert run.failure == f"no record in {root / 'data'} has a summary" and run.pid is None
    assert run.line().startswith("preview (empty): first start not measured (build not measured); data edit not")


def _gone(pid: int | None) -> bool:
    """Nothing of the server's process group runs any more (a killed child may wait to be reaped)."""
    assert pid is not None
    return group_members(pid) == []


def _unchanged(root: Path) -> None:
    for path in (ROOTS / "basic").rglob("*"):
        if path.is_file():
            assert (root / path.relative_to(ROOTS / "basic")).read_bytes() == path.read_bytes(), path
    # the server cleaned up its workspace; only the formatted citations are kept (see refsite.citecache)
    assert [p.name for p in (root / CACHE).iterdir()] in ([], ["citations"])


@pytest.mark.slow
def test_the_preview_is_measured_edit_by_edit_and_left_as_found(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bench_serve, "SETTLE", 1.0)
    monkeypatch.setattr(bench_serve, "IDLE", 0.5)
    root = copy_root("basic", tmp_path)
    run = measure_preview(root, "basic", 1.0, repeats=2)
    assert run.failure is None, run.line()
    assert run.records == 10
    assert run.build_seconds is not None and run.build_seconds > 0
    assert run.first_start_seconds is not None and run.first_start_seconds > 0
    assert (run.data.file, run.data.page) == ("data/actors/abe-shinzo.yaml", "actors/abe-shinzo/")
    assert (run.narrative.file, run.narrative.page) == ("docs/index.md", "")
    for latency, kind in ((run.data, "data"), (run.narrative, "narrative")):
        assert len(latency.seconds) == len(latency.markers) == len(latency.seen) == 2
        assert len(set(latency.markers)) == 2 and all(m.startswith(f"bench{kind}") for m in latency.markers)
        assert all(s > 0 for s in latency.seconds)
        assert latency.median is not None and latency.worst == max(latency.seconds)
        for marker, seen in zip(latency.markers, latency.seen, strict=True):
            assert marker in seen  # the page fetched really showed this edit
    # the record's page showed the summary as edited; the home page the added paragraph
    assert any(f"{m} Prime minister of Japan" in s for m, s in zip(run.data.markers, run.data.seen, strict=True))
    assert all(
        f"<p>This sentence was added to measure the preview ({m}).</p>" in s
        for m, s in zip(run.narrative.markers, run.narrative.seen, strict=True)
    )
    assert run.rebuild_seconds and run.idle_rebuilds is not None and run.idle_seconds >= 0.5
    figures = run.as_json()
    assert figures["data_edit"]["seconds"] == run.data.seconds and figures["failure"] is None
    assert figures["server_rebuilds"] >= 6  # every save rebuilt: two edits and a restore of each file
    assert run.line().startswith("preview (basic): first start ") and "data edit " in run.line()
    assert "(target < 1 s)" in run.line()
    assert _gone(run.pid)
    _unchanged(root)


def test_an_edit_that_never_shows_is_a_failure_line_not_a_hang(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bench_serve, "TIMEOUT", 2.0)
    monkeypatch.setattr(bench_serve, "mark_record", lambda text, marker: text)  # a save the page cannot show
    root = copy_root("basic", tmp_path)
    run = measure_preview(root, "basic", 1.0, build=False)
    assert run.first_start_seconds is not None and run.data.seconds == [] and run.narrative.seconds == []
    assert run.failure is not None and run.failure.startswith("data edit 1 not shown on http://127.0.0.1:")
    assert "/sample/actors/abe-shinzo/ within 2 s" in run.failure
    assert run.line().endswith(f"; FAILED: {run.failure}") and "data edit not measured" in run.line()
    assert _gone(run.pid)
    _unchanged(root)


def test_a_project_that_never_builds_fails_without_waiting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bench_serve, "START_TIMEOUT", 3.0)
    root = copy_root("basic", tmp_path)
    (root / "data/actors/abe-shinzo.yaml").write_text(BROKEN, encoding="utf-8")
    run = measure_preview(root, "broken", 1.0)
    assert run.failure is not None and run.failure.startswith("the build failed with status 1: ")
    assert run.pid is None  # no server started
    run = measure_preview(root, "broken", 1.0, build=False)
    assert isinstance(run, PreviewRun) and run.first_start_seconds is None
    assert run.failure is not None and "the first page not shown on " in run.failure
    assert "within 3 s" in run.failure
    assert _gone(run.pid)
    assert (root / "data/actors/abe-shinzo.yaml").read_text(encoding="utf-8") == BROKEN



def test_peak_memory_counts_every_process_of_the_build_together() -> None:
    """A build's memory is its processes' together: two children holding 120 MB each count 240 MB."""
    hold = (
        "import time; b = bytearray(120 * 1024 * 1024); b[::4096] = b'x' * len(b[::4096]); "
        "print(1, flush=True); time.sleep(60)"
    )
    parent = (
        "import subprocess, sys, time\n"
        f"kids = [subprocess.Popen([sys.executable, '-c', {hold!r}], stdout=subprocess.PIPE) for _ in range(2)]\n"
        "[k.stdout.readline() for k in kids]\n"
        "print('ready', flush=True)\n"
        "time.sleep(60)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", parent], stdout=subprocess.PIPE, text=True, start_new_session=True)
    try:
        assert proc.stdout is not None and proc.stdout.readline() == "ready\n"
        total = tree_rss_kb(proc.pid)
        assert 240 * 1024 <= total < 400 * 1024, total
        assert tree_rss_kb(proc.pid + 10_000_000) == 0  # no such process
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


def test_the_bench_reports_each_size_from_nothing_and_cached_and_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import tempfile

    from refsite.tools import bench

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.setattr(bench, "time_citations", lambda n: 0.5)
    monkeypatch.setattr(bench, "time_pdf", lambda root: "pdf (real reference): not measured here")
    assert bench.run_bench([12], None, tmp_path, None) == 0
    out = capsys.readouterr().out.splitlines()
    rows = [line for line in out if line.startswith("N=")]
    assert [r.split(":")[0] for r in rows] == ["N=   12"]
    assert "with cached notes" in rows[0] and "x the floor" in rows[0] and "ms a record" in rows[0], rows
    assert any(line.startswith("memory: peak ") and "at 12 records" in line for line in out), out
    assert list(tmp_path.iterdir()) == []  # the synthetic projects are removed
