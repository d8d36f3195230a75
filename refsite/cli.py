"""``python -m refsite check|build|export|serve|schema|synth|pdf|bench|review|geodata``."""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import time
from pathlib import Path

from .dataset import load_project
from .problems import PROBLEMS_ENV, Problem, summary_line
from .workspace import fault_message


def _print_problems(problems: list[Problem]) -> int:
    for p in problems:
        print(p)
    errors = sum(p.is_error for p in problems)
    return 1 if errors else 0


def cmd_check(args: argparse.Namespace) -> int:
    """Validate data, bibliography and page references; print every problem."""
    start = time.perf_counter()
    root = Path(args.root).resolve()
    dataset, problems = load_project(root)
    status = _print_problems(problems)
    elapsed = time.perf_counter() - start
    if status:
        print(f"check failed: {summary_line(problems)}", file=sys.stderr)
    else:
        counts = ", ".join(
            f"{len(dataset.of_kind(k))} {k}s" for k in ("actor", "place", "topic", "position", "proposal", "event")
        )
        print(
            f"check passed: {counts}, {len(dataset.bib)} bibliography entries; "
            f"{summary_line(problems)} ({elapsed:.2f} s)"
        )
    return status


def cmd_build(args: argparse.Namespace) -> int:
    """Validate, then build the site into a temporary directory and swap it in on success."""
    from .build import build_site

    root = Path(args.root).resolve()
    if args.pdf and args.problems is not None:
        print("refsite build: --problems is for a build without --pdf", file=sys.stderr)
        return 2
    if args.pdf:
        from .build import build_pdf

        status: int = build_pdf(root, Path(args.site_dir) / "reference.pdf", editions=args.editions)
        return status
    target = args.problems or os.environ.get(PROBLEMS_ENV)
    if not target:
        return build_site(root, Path(args.site_dir), strict=not args.no_strict, editions=args.editions)
    found: list[Problem] = []
    status = build_site(root, Path(args.site_dir), strict=not args.no_strict, editions=args.editions, problems=found)
    listed = [dataclasses.asdict(p) for p in found]
    try:
        Path(target).write_text(json.dumps(listed, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    except OSError as exc:
        where = {Path(target).parent: str(Path(target).parent)}
        print(f"refsite build: the problems were not written: {fault_message(exc, where)}", file=sys.stderr)
        return 1
    return status


def cmd_export(args: argparse.Namespace) -> int:
    """Write the finished site as a plain Markdown tree with its own mkdocs.yml, for any builder."""
    from .build import export_tree

    return export_tree(Path(args.root).resolve(), Path(args.dir))


def cmd_serve(args: argparse.Namespace) -> int:
    """Live preview that rebuilds when data/, bib/ or docs/ change."""
    from .build import serve

    return serve(Path(args.root).resolve(), args.dev_addr)


def cmd_schema(args: argparse.Namespace) -> int:
    """Write one JSON Schema per record kind."""
    from .schema import write_schemas

    for path in write_schemas(Path(args.out)):
        print(path)
    return 0


def cmd_synth(args: argparse.Namespace) -> int:
    """Write a complete, valid synthetic project with N records."""
    from .tools.synth import write_project

    write_project(Path(args.out), args.records, seed=args.seed)
    print(f"wrote a project with {args.records} records to {args.out}")
    return 0


def cmd_pdf(args: argparse.Namespace) -> int:
    """Build the PDF of the whole reference."""
    from .build import build_pdf

    status: int = build_pdf(Path(args.root).resolve(), Path(args.out), paper=args.paper)
    return status


def cmd_review(args: argparse.Namespace) -> int:
    """What a pull request changes in the reference, as readers see it: pages, records, sources, flags."""
    from .review import run_review

    return run_review(
        Path(args.root).resolve(),
        args.base,
        args.head,
        Path(args.out) if args.out else None,
        json_out=Path(args.json) if args.json else None,
        full_out=Path(args.full) if args.full else None,
        show_annotations=args.annotations or "",
        limit=args.max_chars,
        build_sites=not args.no_build,
        trusted=args.trusted_code,
        screenshots=Path(args.screenshots) if args.screenshots else None,
    )


def cmd_bench(args: argparse.Namespace) -> int:
    """Measure build time and memory on synthetic projects, and the live preview's latencies."""
    from .tools.bench import run_bench

    return run_bench(
        args.sizes,
        Path(args.workdir) if args.workdir else None,
        Path(args.root).resolve(),
        None if args.no_preview else args.preview_records,
        large=args.large,
    )


def cmd_geodata(args: argparse.Namespace) -> int:
    """Extract the map's geography from an installed world-atlas package into data/geo/."""
    from .geodata import GEO_FILE
    from .tools.geodata import run

    return run(Path(args.source), Path(args.root) / GEO_FILE)


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m refsite", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("check", help=cmd_check.__doc__)
    p.add_argument("--root", default=".")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("build", help=cmd_build.__doc__)
    p.add_argument("--root", default=".")
    p.add_argument("--site-dir", default="site")
    p.add_argument("--no-strict", action="store_true")
    p.add_argument("--pdf", action="store_true", help="also write the PDF into the site (reference.pdf)")
    p.add_argument(
        "--editions", action="store_true", help="also put every release tag's edition under editions/<tag>/"
    )
    p.add_argument(
        "--problems",
        metavar="FILE",
        help=f"also write the website build's located problems to FILE as JSON (not with --pdf; or {PROBLEMS_ENV})",
    )
    p.set_defaults(func=cmd_build)

    p = sub.add_parser("export", help=cmd_export.__doc__)
    p.add_argument("dir", help="the folder to write (replaced whole; made by an earlier export, or empty)")
    p.add_argument("--root", default=".")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("serve", help=cmd_serve.__doc__)
    p.add_argument("--root", default=".")
    p.add_argument("--dev-addr", default="127.0.0.1:8000")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("schema", help=cmd_schema.__doc__)
    p.add_argument("--out", default="schema")
    p.set_defaults(func=cmd_schema)

    p = sub.add_parser("synth", help=cmd_synth.__doc__)
    p.add_argument("--records", type=int, required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--seed", type=int, default=1)
    p.set_defaults(func=cmd_synth)

    p = sub.add_parser("pdf", help=cmd_pdf.__doc__)
    p.add_argument("--root", default=".")
    p.add_argument("--out", default="site/reference.pdf")
    p.add_argument("--paper", choices=("a4", "letter"), default="a4")
    p.set_defaults(func=cmd_pdf)

    p = sub.add_parser(
        "review",
        help=cmd_review.__doc__,
        epilog="exit status: 0 the new state has no error (flags are warnings); 1 it has errors; "
        "2 a ref or the repository cannot be read, or a ref is refused",
    )
    p.add_argument("base", help="git ref of the state before the change, e.g. origin/main")
    p.add_argument("head", nargs="?", help="git ref of the state after it (default: the working tree)")
    p.add_argument("--root", default=".")
    p.add_argument("--out", help="write the Markdown report to this file")
    p.add_argument("--json", help="also write the whole review as JSON to this file")
    p.add_argument("--full", help="also write the whole review, not cut to a comment's size, as Markdown")
    p.add_argument(
        "--annotations",
        nargs="?",
        const="all",
        choices=("all", "review"),
        help="print a GitHub annotation for every problem ('review': only the review's own flags)",
    )
    p.add_argument("--max-chars", type=int, default=65_000, help="cap on the comment's length in characters")
    p.add_argument("--no-build", action="store_true", help="compare the data only, without building the sites")
    p.add_argument(
        "--trusted-code",
        action="store_true",
        help="build both states with BASE's code (refsite/, macros.py, overrides/): none of the change's code runs",
    )
    p.add_argument(
        "--screenshots",
        metavar="DIR",
        help="compare the changed pages' pictures in headless Chromium; the pictures go to DIR",
    )
    p.set_defaults(func=cmd_review)

    p = sub.add_parser("bench", help=cmd_bench.__doc__)
    p.add_argument("--sizes", type=int, nargs="+", default=[500, 2000])
    p.add_argument("--workdir")
    p.add_argument("--root", default=".", help="the project timed (PDF) and copied (preview)")
    p.add_argument("--preview-records", type=int, default=2000, help="records of the synthetic preview project")
    p.add_argument("--no-preview", action="store_true", help="leave out the preview latencies")
    p.add_argument("--large", action="store_true", help="add a run of 10,000 records (linearity)")
    p.set_defaults(func=cmd_bench)

    p = sub.add_parser("geodata", help=cmd_geodata.__doc__)
    p.add_argument("--from", dest="source", required=True, help="folder of the installed npm package world-atlas")
    p.add_argument("--root", default=".")
    p.set_defaults(func=cmd_geodata)

    args = parser.parse_args(argv)
    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")
    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        return 130
