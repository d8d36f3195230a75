"""``make bench``: build time and peak memory on synthetic projects, against a plain Material floor."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from ..bibcsl import bib_source, csl_items
from ..citations import STYLES
from ..cite import Cite, Formatter, join_notes
from ..dataset import load_project
from ..model import KIND_TITLES, KINDS, PLURAL
from ..render.pages import index_page, record_page
from ..render.text import PageContext, src_uri
from .bench_serve import PreviewRun, preview_runs
from .synth import MKDOCS_YML, write_project

_MEASURE = """
import resource, sys, time, logging
from mkdocs.commands.build import build
from mkdocs.config import load_config
logging.getLogger('mkdocs').setLevel(logging.ERROR)
start = time.perf_counter()
cfg = load_config(sys.argv[1], site_dir=sys.argv[2], strict=True)
build(cfg)
elapsed = time.perf_counter() - start
use = resource.getrusage
print(elapsed, use(resource.RUSAGE_SELF).ru_maxrss, use(resource.RUSAGE_CHILDREN).ru_maxrss)
"""
_PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024 if hasattr(os, "sysconf") else 4


def tree_rss_kb(pid: int) -> int:
    """The resident memory of a process and all its descendants together, in KiB, from ``/proc``
    (0 if it is gone). Reads only the tree's own files, so sampling it costs the machine little."""
    total, todo, seen = 0, [pid], set()
    while todo:
        p = todo.pop()
        if p in seen:
            continue
        seen.add(p)
        try:
            fields = Path(f"/proc/{p}/stat").read_text(encoding="utf-8", errors="replace").rpartition(")")[2].split()
            total += int(fields[21]) * _PAGE_KB if len(fields) > 21 and fields[0] not in ("Z", "X") else 0
            for task in Path(f"/proc/{p}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text(encoding="ascii").split()]
        except (OSError, ValueError):
            continue  # gone meanwhile
    return total


def measure(project: Path) -> tuple[float, float]:
    """Build ``project`` in a fresh process; return (seconds, peak MB of the build with its children:
    the most its processes held together, sampled, and never less than the largest one alone)."""
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    with tempfile.TemporaryDirectory() as out, tempfile.TemporaryFile("w+") as log:
        proc = subprocess.Popen(
            [sys.executable, "-c", _MEASURE, str(project / "mkdocs.yml"), out],
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
            cwd=project,
            env=env,
        )
        sampled = 0
        try:
            while proc.poll() is None:
                sampled = max(sampled, tree_rss_kb(proc.pid))
                time.sleep(0.1)
        finally:
            if proc.poll() is None:  # the bench was stopped: so is the build
                proc.kill()
                proc.wait()
        log.seek(0)
        output = log.read()
    if proc.returncode != 0:
        raise RuntimeError(f"build of {project} failed:\n{output}")
    seconds, self_kb, child_kb = output.strip().splitlines()[-1].split()
    return float(seconds), max(sampled, int(self_kb), int(child_kb)) / 1024


CITE_BOX = (
    '\n<details class="refsite-cite-page" data-search-exclude><summary>Cite this page</summary><p>Synthetic Reference. '
    '<span>“{title}.”</span> Accessed November 22, 2026. <a href="{url}">{url}</a>.</p><pre><code>'
    "@online{{refsite-page,\n  title = {{{title}}},\n  url = {{{url}}}\n}}</code></pre></details>\n"
)


def write_floor(project: Path, floor: Path) -> int:
    """The same pages as plain Markdown files, notes and citation boxes written out, built by Material alone."""
    ds, _ = load_project(project)
    docs = floor / "docs"
    pages: list[tuple[str, PageContext, str, str]] = []
    for i, kind in enumerate(KINDS):
        ctx = PageContext(f"{PLURAL[kind]}/index.md", i)
        pages.append((ctx.uri, ctx, index_page(ctx, ds, kind), KIND_TITLES[kind]))
        for rec in ds.of_kind(kind):
            ctx = PageContext(src_uri(rec), 0)
            pages.append((ctx.uri, ctx, record_page(ctx, ds, rec), rec.label))
    texts = list(ds.bib_texts)
    items = csl_items(texts, ds.bib)
    style = STYLES / "chicago-fullnote-bibliography.csl"
    cites = [ctx.cites for _, ctx, _, _ in pages]
    result = Formatter(style).format(cites, items, source=bib_source(texts, ds.bib))
    for (uri, ctx, text, title), texts in zip(pages, result.notes, strict=True):
        for n, note in enumerate(join_notes(ctx.notes, texts), 1):
            text = text.replace(ctx.token(n), note)
        text += CITE_BOX.format(title=title, url=f"https://example.org/synthetic/{uri.removesuffix('.md')}/")
        path = docs / uri
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    (docs / "index.md").write_text("# Floor\n\nPlain pages.\n", encoding="utf-8")
    (docs / "bibliography.md").write_text("# Bibliography\n", encoding="utf-8")
    for name in ("references.bib", "references.json", "dataset.json"):
        (docs / "downloads").mkdir(exist_ok=True)
        (docs / "downloads" / name).write_text("{}", encoding="utf-8")
    config = MKDOCS_YML.replace(
        "  - macros:\n      module_name: macros\n      on_error_fail: true\n      on_undefined: strict\n  - refsite\n",
        "",
    )
    (floor / "mkdocs.yml").write_text(config, encoding="utf-8")
    return len(pages)


def time_citations(count: int) -> float:
    """Seconds to format ``count`` citations in one batch, from a cold cache."""
    with tempfile.TemporaryDirectory() as tmp:
        write_project(Path(tmp), max(200, count // 3))
        ds, _ = load_project(Path(tmp))
        texts = list(ds.bib_texts)
        items = csl_items(texts, ds.bib)
        keys = sorted(items)
        pages = [[Cite(keys[(p * 7 + j) % len(keys)], f"p. {j + 1}") for j in range(5)] for p in range(count // 5)]
        fmt = Formatter(STYLES / "chicago-fullnote-bibliography.csl")
        start = time.perf_counter()
        fmt.format(pages, items, bibliography=keys, source=bib_source(texts, ds.bib))
        return time.perf_counter() - start


def time_pdf(root: Path) -> str:
    """One line: the project at ``root`` built as ``make site`` builds it (website and PDF, strict,
    in a fresh process), the whole time, the PDF step's part of it and the PDF's pages."""
    if not (root / "mkdocs.yml").is_file():
        return f"pdf (real reference): not measured, no mkdocs.yml in {root}"
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "site" / "reference.pdf"
        start = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-m", "refsite", "pdf", "--out", str(out)],
            capture_output=True,
            text=True,
            cwd=root,
            env=dict(os.environ, NO_MKDOCS_2_WARNING="1"),
            check=False,
        )
        total = time.perf_counter() - start
    made = re.search(r"PDF written to .*: (\d+) pages, made in ([\d.]+) s", proc.stdout)
    if proc.returncode != 0 or made is None:
        return f"pdf (real reference): the build failed (exit {proc.returncode})"
    return (
        f"pdf (real reference): {float(made.group(2)):.1f} s, {made.group(1)} pages (target < 5 s); "
        f"with the website (make site) {total:.1f} s (target < 15 s)"
    )


#: The records of the large run (``--large``), which shows that the build stays linear.
LARGE = 10_000
#: The records at which peak memory is held to :data:`MEMORY_TARGET_MB`.
MEMORY_AT = 2000
MEMORY_TARGET_MB = 1024


def measure_size(base: Path, n: int) -> dict[str, float]:
    """Build a synthetic project of ``n`` records from nothing, again with its notes cached (its site
    removed, ``.refsite/citations/`` kept), and the same pages by plain Material; print one line."""
    project, floor = base / f"p{n}", base / f"floor{n}"
    write_project(project, n)
    pages = write_floor(project, floor)
    t, mem = measure(project)  # from nothing: every note formatted by pandoc
    tc, memc = measure(project)  # a clean build again: the notes from the cache
    tf, memf = measure(floor)
    print(
        f"N={n:>5}: {pages} pages, refsite {t:6.2f} s ({mem:5.0f} MB peak), "
        f"with cached notes {tc:6.2f} s ({memc:5.0f} MB); plain Material floor {tf:6.2f} s ({memf:5.0f} MB) "
        f"-> {t / tf:.2f}x the floor, {tc / tf:.2f}x with cached notes; {1000 * t / n:.1f} ms a record",
        flush=True,
    )
    return {
        "records": n,
        "pages": pages,
        "seconds": t,
        "peak_mb": mem,
        "cached_seconds": tc,
        "cached_peak_mb": memc,
        "floor_seconds": tf,
        "floor_peak_mb": memf,
        "vs_floor": t / tf,
        "cached_vs_floor": tc / tf,
        "ms_per_record": 1000 * t / n,
    }


def run_bench(
    sizes: list[int],
    workdir: Path | None = None,
    root: Path | None = None,
    preview_records: int | None = 2000,
    *,
    large: bool = False,
) -> int:
    """Print the figures: times (from nothing and with the notes cached), ratios to the floor, time
    per record and peak memory (the build's processes together); then the live preview's latencies.

    ``large`` adds a run of :data:`LARGE` records. The preview is measured on a copy of the project
    at ``root`` (when given) and on a synthetic project of ``preview_records`` records (not at all
    if None). Non-zero if a measurement failed. The synthetic projects are removed afterwards,
    unless they were made in ``workdir``."""
    if workdir is not None:
        return _run_bench(sizes, workdir, root, preview_records, large)
    base = Path(tempfile.mkdtemp(prefix="refsite-bench-"))
    try:
        return _run_bench(sizes, base, root, preview_records, large)
    finally:
        shutil.rmtree(base, ignore_errors=True)


def _run_bench(sizes: list[int], base: Path, root: Path | None, preview_records: int | None, large: bool) -> int:
    sizes = sorted({*sizes, *([LARGE] if large else [])})
    rows = [measure_size(base, n) for n in sizes]
    if len(rows) >= 2:
        a, b = rows[0], rows[-1]
        print(
            f"scaling: {b['records'] / a['records']:.1f}x the records took {b['seconds'] / a['seconds']:.2f}x the time "
            f"(target <= {1.1 * b['records'] / a['records']:.1f}x); per record: "
            + ", ".join(f"{r['ms_per_record']:.1f} ms at {r['records']}" for r in rows)
        )
    at = next((r for r in rows if r["records"] == MEMORY_AT), rows[-1])
    print(
        f"memory: peak {at['peak_mb']:.0f} MB at {at['records']} records, the build's processes together "
        f"(target < {MEMORY_TARGET_MB} MB at {MEMORY_AT})"
    )
    cite_s = time_citations(5000)
    print(f"citations: 5000 formatted in one batch from a cold cache in {cite_s:.2f} s (target < 5 s)")
    print(time_pdf(root if root is not None else Path.cwd()))
    peak = max(r["peak_mb"] for r in rows)
    worst = max(r["vs_floor"] for r in rows)
    cached = max(r["cached_vs_floor"] for r in rows)
    print(
        f"summary: worst {worst:.2f}x the floor from nothing, {cached:.2f}x with cached notes "
        f"(target <= 1.0x, never above 1.3x); peak {peak:.0f} MB"
    )
    previews = preview_block(root, base, preview_records)
    print(json.dumps({"runs": rows, "citations_5000_seconds": cite_s, "preview": [p.as_json() for p in previews]}))
    return 1 if any(p.failure for p in previews) else 0


def preview_block(root: Path | None, base: Path, records: int | None) -> list[PreviewRun]:
    """The live preview's first start and edit latencies, on the real project and a synthetic one."""
    if records is None:
        return []
    return preview_runs(root if root is not None else Path.cwd(), base, records)
