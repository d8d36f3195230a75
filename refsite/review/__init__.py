"""``python -m refsite review BASE [HEAD]``: what a pull request changes in the reference, as readers see it.

The review builds the merge base of BASE and HEAD and the head with the project's own build
(the base build is cached in ``.refsite/review-cache/``), compares the built pages block by
block and the data by meaning, flags what a reviewer must look at, and writes a Markdown
comment (under GitHub's size limit), JSON, and GitHub annotations.

Exit status: 0 when the new state has no error, 1 when it has (a check error, a failed
build, a link leaving the project), 2 when a ref or the repository can't be read.
"""

from __future__ import annotations

import json
import re
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any

from ..config import read_config
from ..dataset import Dataset, docs_dir_of, load_project
from ..files import PAGE_LIMIT, read_text_input, walk_files
from ..model import PLURAL
from ..neutrality import load_terms
from ..problems import Problem
from . import flags as fl
from . import visual
from .facts import fact_index, page_openings
from .git import ReviewError, added_lines, changed_files, check_ref, merge_base, overlay, renames, resolve, snapshot
from .pages import compare_sites
from .records import compare_bib, compare_config, compare_records
from .report import LIMIT, Review, annotation_lines, markdown
from .site import Built, build, cached_build, read_bibliography, read_site

__all__ = ["Review", "ReviewError", "make_review", "run_review"]


def _redirects(config: dict[str, Any]) -> dict[str, str]:
    """``redirect_maps`` of the redirects plugin in mkdocs.yml."""
    for plugin in config.get("plugins") or []:
        if isinstance(plugin, dict) and isinstance(plugin.get("redirects"), dict):
            maps = plugin["redirects"].get("redirect_maps")
            if isinstance(maps, dict):
                return {str(k): str(v) for k, v in maps.items()}
    return {}


def _site_url(config: dict[str, Any]) -> str:
    url = config.get("site_url")
    return url.rstrip("/") + "/" if isinstance(url, str) and url.startswith(("http://", "https://")) else ""


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _as_flags(problems: list[Problem], source: str) -> list[fl.Flag]:
    """Problems as flags; the check's neutrality findings are risks too (island names, contested terms)."""
    out = []
    for p in problems:
        term = re.match(r"^'(.+?)' \((.+?)\) in the site's own voice", p.message)
        risk = ("island name" if "name" in term[2] else "contested term") if term else ""
        after = f"'{term[1]}' ({term[2]})" if term else ""
        out.append(
            fl.Flag(p.path, p.line, p.col, p.message, p.severity, True, source, risk, "(none)" if term else "", after)
        )
    return out


def _cited_on(ds: Dataset, key: str) -> list[str]:
    urls = [rec.url for rec in ds.cited_keys().get(key, [])]
    docs = ds.root / docs_dir_of(ds.root)
    for page in walk_files(ds.root, docs, ".md") if docs.is_dir() else []:
        text, _ = read_text_input(ds.root, page, PAGE_LIMIT)  # never follows a link out of the project
        if text is not None and key in text:
            stem = page.relative_to(docs).with_suffix("").as_posix()
            urls.append("" if stem == "index" else stem.removesuffix("/index") + "/")
    return urls


def make_review(
    root: Path,
    base: str,
    head: str | None,
    *,
    build_sites: bool = True,
    trusted: bool = False,
    screenshots: Path | None = None,
) -> Review:
    """Compare the merge base of ``base`` and ``head`` (a ref, or None for the working tree) with ``head``.

    ``trusted``: both states are built with the code of ``base`` (``refsite/``, ``macros.py``,
    ``overrides/``), so nothing the change brings runs; what it changes there is flagged.
    ``screenshots``: a folder for pictures of the changed pages in both states (all pages when
    a style sheet, template or policy setting changed), compared in headless Chromium.
    """
    check_ref(base)
    if trusted and head is None:
        raise ReviewError("a review with trusted code compares two commits: name the head commit too")
    if head is not None:
        check_ref(head)
    base_sha = resolve(root, base)
    head_sha = resolve(root, head) if head is not None else resolve(root, "HEAD")
    mb = merge_base(root, base_sha, head_sha)
    with tempfile.TemporaryDirectory(prefix="refsite-review-") as tmp:
        old_root, old_skipped = snapshot(root, mb, Path(tmp, "base"))
        new_skipped: list[Problem] = []
        if head is not None:
            new_root, new_skipped = snapshot(root, head_sha, Path(tmp, "head"))
        else:
            new_root = root
        if trusted:  # the base's code, whatever the change did to it
            old_skipped += overlay(root, base_sha, old_root, fl.TRUSTED_CODE)
            new_skipped += overlay(root, base_sha, new_root, fl.TRUSTED_CODE)
        old, old_problems = load_project(old_root)
        new, new_problems = load_project(new_root)
        old_built = new_built = Built(None, [])
        lenient = False
        if build_sites:
            with ThreadPoolExecutor(max_workers=2) as pool:
                base_job = pool.submit(cached_build, root, mb, old_root, base_sha if trusted else "")
                head_job = pool.submit(build, new_root, Path(tmp, "head-site"))
                old_built, new_built = base_job.result(), head_job.result()
            if new_built.site is None and not any(p.is_error for p in [*new_problems, *new_built.problems]):
                # the strict build refuses warnings: compare what a build that lets them through shows
                relaxed = build(new_root, Path(tmp, "head-site-relaxed"), strict=False)
                lenient = relaxed.site is not None
                new_built = Built(relaxed.site, new_built.problems, new_built.output)
        old_site = read_site(old_built.site) if old_built.site else {}
        new_site = read_site(new_built.site) if new_built.site else {}
        old_refs, new_refs = read_bibliography(old_built.site), read_bibliography(new_built.site)
        old_config, new_config = read_config(old_root), read_config(new_root)

        review = Review(
            base=base,
            head=head or "working tree",
            base_ref=base,
            merge_base=mb,
            site_url=_site_url(new_config),
            built=new_built.site is not None,
        )
        git_renames = renames(root, mb, head_sha if head is not None else None)
        review.records = compare_records(old, new, git_renames)
        moved = {
            f"{PLURAL[d.kind]}/{d.id}/": f"{PLURAL[d.kind]}/{d.old_id}/"
            for d in review.records
            if d.status == "renamed"
        }
        head_build = [p for p in new_built.problems if p not in set(new_problems)]
        if old_site and new_site:
            review.pages = compare_sites(old_site, new_site, moved)
            if lenient:
                n = sum(not p.is_error for p in [*new_problems, *head_build])
                review.note = (
                    f"The strict build fails on {_plural(n, 'warning')} (each listed at its line as an error). "
                    "The pages below are compared from a build that lets warnings through."
                )
        elif build_sites and not old_site:
            review.note = "The base does not build, so the pages readers would see are not compared."
        elif build_sites and new_built.site is None:
            errors = sum(p.is_error for p in [*new_problems, *head_build])
            if errors:
                why = f"it has {_plural(errors, 'error')}, each listed at its line"
            else:  # nothing located: the build's last words, without the review's own folders
                why = "the build says: " + " ".join(new_built.output.replace(tmp, "<tmp>").split())[-300:]
            review.note = (
                f"The new state does not build ({why}), so the pages readers would see are not compared; "
                "the records, sources and flags below are."
            )
        redirects = _redirects(new_config)
        for d in review.records:
            site = old_site if d.status == "removed" else new_site
            page = site.get(f"{PLURAL[d.kind]}/{d.id}/")
            if d.status in ("added", "removed") and page is not None:
                d.notes = page.note_texts()
            if d.status == "renamed":
                d.redirect = redirects.get(f"{PLURAL[d.kind]}/{d.old_id}.md") == f"{PLURAL[d.kind]}/{d.id}.md"
        review.bib = compare_bib(old, new, old_refs, new_refs)
        for b in review.bib:
            b.cited_on = _cited_on(new if b.status != "removed" else old, b.key)
        review.config = compare_config(old_config, new_config)

        # problems of the new state (from check, the build, the tree), marked new or already on the base
        if lenient:  # a warning fails the strict build: each is an error, at its own line
            strict = "(an error in the strict build)"
            new_problems = [
                p if p.is_error else replace(p, message=f"{p.message} {strict}", severity="error") for p in new_problems
            ]
            head_build = [
                p if p.is_error else replace(p, message=f"{p.message} {strict}", severity="error") for p in head_build
            ]
        elif build_sites and new_built.site is None and not any(p.is_error for p in [*new_problems, *head_build]):
            output = " ".join(new_built.output.split())[-300:]
            head_build.append(Problem("mkdocs.yml", 1, 1, f"the build fails without naming a file: {output}"))
        state = [
            *_as_flags(new_problems, "check"),
            *_as_flags(head_build, "build"),
            *_as_flags(new_skipped, "git"),
        ]
        base_state = [*_as_flags(old_problems, "check"), *_as_flags(old_skipped, "git")]
        flags = fl.mark(state, base_state)
        flags += fl.mark(fl.state_flags(new, new_site or None), fl.state_flags(old, old_site or None))
        changed = changed_files(root, mb, head_sha if head is not None else None)
        docs = docs_dir_of(new_root)
        index = fact_index(new_site)
        by_record = fl.record_flags(old, new, page_openings(new_root), index)
        flags += by_record
        flags += fl.page_flags(review.pages, new_root, docs, new)
        # a record's own date or figure, shown on its pages, is flagged once, at the record
        known = {(f.risk, f.before.replace(",", "")) for f in by_record if f.risk}
        found = fl.fact_flags(review.pages, new_root, docs, new, index, changed)
        flags += [f for f in found if (f.risk, f.before.replace(",", "")) not in known]
        flags += fl.link_flags(review.pages, new_root, docs, new)
        terms, _ = load_terms(new_root)
        flags += fl.neutrality_flags(review.pages, new_root, docs, new, terms)
        flags += fl.work_flags(old, new, fl.cited_keys(old), fl.cited_keys(new))
        flags += fl.rename_flags(review.records, new)
        flags += fl.code_flags(changed, old_config, new_config)
        flags += fl.presentation_flags(changed, docs)
        content = [f for f in changed if f.endswith((".md", ".yaml", ".yml")) and not fl.is_code(f)]
        flags += fl.source_flags(added_lines(root, mb, head_sha if head is not None else None, content))
        review.trusted = trusted
        if screenshots is not None and old_built.site is not None and new_built.site is not None:
            looks = [d.url for d in review.pages if d.status == "changed" or d.status.startswith("renamed")]
            if any(f.risk in ("presentation", "code or policy") for f in flags):
                looks += [u for u in sorted(new_site) if u not in looks and not new_site[u].redirect]
            review.visual = visual.compare(old_built.site, new_built.site, looks, screenshots)
            text_changed = {d.url for d in review.pages}
            for url in review.visual.differ:
                if url not in text_changed:
                    flags.append(
                        fl.Flag(
                            fl.source_of(new_root, docs, url, new),
                            1,
                            1,
                            f"{url or 'the home page'} looks different with the same text (see the screenshots)",
                            risk="presentation",
                            before="same text",
                            after=f"{url or '/'} looks different",
                        )
                    )
        review.flags = sorted(dict.fromkeys(flags), key=lambda f: (not f.new, f.severity != "error", f.path, f.line))
    return review


def run_review(
    root: Path,
    base: str,
    head: str | None,
    out: Path | None,
    *,
    json_out: Path | None = None,
    full_out: Path | None = None,
    show_annotations: str = "",
    limit: int = LIMIT,
    build_sites: bool = True,
    trusted: bool = False,
    screenshots: Path | None = None,
) -> int:
    """Print (or write) the review; see the module's docstring for the exit status."""
    start = time.perf_counter()
    try:
        review = make_review(root, base, head, build_sites=build_sites, trusted=trusted, screenshots=screenshots)
    except ReviewError as exc:
        print(f"review: {exc}", file=sys.stderr)
        return 2
    text = markdown(review, limit)
    if out is not None:
        out.write_text(text, encoding="utf-8")
    else:
        print(text, end="")
    if full_out is not None:
        full_out.write_text(markdown(review, 0), encoding="utf-8")
    if json_out is not None:
        json_out.write_text(json.dumps(review.to_json(), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    if show_annotations:
        for line in annotation_lines(review, only_review=show_annotations == "review"):
            print(line)
    elapsed = time.perf_counter() - start
    print(
        f"review: {len(review.pages)} pages read differently, {review.errors} errors, "
        f"{review.warnings} warnings ({elapsed:.1f} s)",
        file=sys.stderr,
    )
    return 1 if review.errors else 0
