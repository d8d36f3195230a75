"""Pull-request review: real git repositories, one scenario each, asserting what a reviewer sees."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from refsite.review.flags import Flag
from refsite.review.pages import compare_sites
from refsite.review.report import Review, annotation_lines, markdown
from refsite.review.site import Block, Page
from refsite.review.text import annotation_data, annotation_property, code, html_text, md

from conftest import REPO, copy_root, require, run_cli

# identical commits (same tree, author, date) get the same id, so every scenario shares one cached base build
GIT_ENV = {
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@example.org",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@example.org",
    "GIT_AUTHOR_DATE": "2024-01-01T00:00:00Z",
    "GIT_COMMITTER_DATE": "2024-01-01T00:00:00Z",
}


def git(root: Path, *args: str) -> str:
    proc = subprocess.run(
        [require("git"), *args], cwd=root, check=True, capture_output=True, text=True, env={**os.environ, **GIT_ENV}
    )
    return proc.stdout.strip()


@pytest.fixture
def repo(tmp_path: Path, review_cache: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The basic sample committed on main, with a branch 'change' checked out."""
    monkeypatch.setenv("REFSITE_REVIEW_CACHE", str(review_cache))
    root = copy_root("basic", tmp_path)
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "base")
    git(root, "checkout", "-q", "-b", "change")
    return root


def commit(root: Path, message: str = "change") -> None:
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message)


def review(root: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], str, dict]:
    """Run the review of branch 'change' against main; the Markdown, and the JSON."""
    out = root.parent / "review.json"
    proc = run_cli("review", "main", "change", "--json", str(out), *args, cwd=root)
    assert "Traceback" not in proc.stdout + proc.stderr, proc.stderr
    data = json.loads(out.read_text()) if out.exists() else {}
    return proc, proc.stdout, data


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new), encoding="utf-8")


def flags(data: dict) -> list[str]:
    return [f["line_text"] + ("" if f["new"] else " [base]") for f in data["flags"]]


def test_added_records_are_shown_in_full_with_every_page_they_change(repo: Path) -> None:
    (repo / "data/actors/china.yaml").write_text(
        "id: china\nname: China\nkind: state\nsummary: The Chinese state.\n"
        'sources:\n  - {key: pajon2013, locator: "p. 11"}\n',
        encoding="utf-8",
    )
    (repo / "data/positions/china-2013.yaml").write_text(
        "id: china-2013\ntitle: China watches the talks\nactor: china\ntopic: territorial-dispute\n"
        'date: "2013-05"\nproposal: two-islands\nstance: ambiguous\nstance_basis: stated\n'
        "summary: China kept quiet on the talks.\n"
        'sources:\n  - {key: kimura2008kurilian, locator: "p. 9"}\n',
        encoding="utf-8",
    )
    commit(repo)
    proc, report, data = review(repo)
    assert proc.returncode == 0, proc.stderr
    added = {d["id"]: d for d in data["records"] if d["status"] == "added"}
    assert set(added) == {"china", "china-2013"}
    shown = dict(added["china-2013"]["shown"])
    # names instead of ids, and the sources as the formatted notes of the new page
    assert shown["actor"] == "China" and shown["proposal"] == "Return of two islands"
    assert shown["stance"] == "ambiguous" and shown["date"] == "2013-05"
    assert added["china-2013"]["notes"] == [
        "H. Kimura, The Kurilian Knot, a History of Japanese-Russian Border Negotiations "
        "(Stanford: Stanford University Press, 2008), 9."
    ]
    pages = {p["url"]: p["status"] for p in data["pages"]}
    assert pages["actors/china/"] == "added" and pages["positions/china-2013/"] == "added"
    # the pages the new position shows on through its views: home, topic, proposal, indexes
    for url in ("", "topics/territorial-dispute/", "proposals/two-islands/", "actors/", "positions/"):
        assert pages.get(url) == "changed", url
    assert "bibliography/" in pages  # kimura2008kurilian is now cited by one more page
    assert "- `stance`: ambiguous" in report
    assert "Notes as readers see them:" in report
    assert "no page links to actor" not in report  # the position links to China


def test_a_changed_stance_without_a_new_source_is_flagged_and_shown_on_every_page(repo: Path) -> None:
    edit(repo / "data/positions/abe-2013-talks.yaml", "stance: open", "stance: opposes")
    commit(repo)
    proc, report, data = review(repo, "--annotations")
    assert proc.returncode == 0
    assert (
        "data/positions/abe-2013-talks.yaml:7:9: warning: stance changed from open to opposes without a new source "
        "(no citation added)" in flags(data)
    )
    # the summary still speaks of the old stance
    assert (
        "data/positions/abe-2013-talks.yaml:11:10: warning: the summary still reads 'reopen' (the old stance, open) "
        "while the stance is now opposes" in flags(data)
    )
    changed = {p["url"] for p in data["pages"]}
    assert changed == {
        "",
        "actors/abe-shinzo/",
        "positions/",
        "positions/abe-2013-talks/",
        "proposals/",
        "proposals/two-islands/",
        "topics/territorial-dispute/",
    }
    assert "- changed: Actor: Shinzo Abe \\| Stance: ~~open~~ **opposes** \\| Date: April 2013" in report
    # the stance view's row of the actor, under its proposal
    assert "- changed: Shinzo Abe person, Japan \\| ~~◐ open to~~ **✖ opposes** stated April 2013" in report
    assert "- `stance`: ~~open~~ **opposes**" in report
    assert (
        "::warning file=data/positions/abe-2013-talks.yaml,line=7,col=9,title=refsite review::"
        "stance changed from open to opposes without a new source (no citation added)"
    ) in proc.stdout.splitlines()


def test_a_new_source_with_the_stance_change_is_not_flagged_and_dates_are_checked(repo: Path) -> None:
    pos = repo / "data/positions/abe-2013-talks.yaml"
    edit(pos, "stance: open", "stance: opposes")
    edit(pos, 'date: "2013-04"', 'date: "1950"\ndate_note: Some accounts give a later month.')
    commit(repo, "base note")
    git(repo, "checkout", "-q", "main")
    git(repo, "merge", "-q", "--ff-only", "change")
    git(repo, "checkout", "-q", "change")
    edit(pos, 'date: "1950"', 'date: "1951"')
    edit(pos, "stance: opposes", "stance: supports")
    edit(pos, '{key: pajon2013, locator: "p. 5"}', '{key: pajon2013, locator: "p. 5"}\n  - {key: kimura2008kurilian}')
    commit(repo)
    _proc, _report, data = review(repo)
    lines = flags(data)
    # a new work cited: the stance change is listed among the risks, as a notice, not a warning
    assert "data/positions/abe-2013-talks.yaml:8:9: notice: stance changed from opposes to supports" in lines
    # with a new citation, the date change is listed among the risks as a notice, once, at the record
    assert [f.split(" in '")[0] for f in lines if "1950 → 1951" in f] == [
        "data/positions/abe-2013-talks.yaml:5:7: notice: date changed: 1950 → 1951"
    ]
    assert not any("stance changed" in f and "warning" in f for f in lines)
    assert (
        "data/positions/abe-2013-talks.yaml:6:12: warning: "
        "date changed from 1950 to 1951 but its date_note was left as it was" in lines
    )
    assert (
        "data/positions/abe-2013-talks.yaml:5:7: warning: position dated 1951, before its proposal "
        "'Return of two islands' (1956) [base]"
    ) in lines


def test_a_deleted_record_and_its_page(repo: Path) -> None:
    (repo / "data/positions/abe-2014-talks.yaml").unlink()
    commit(repo)
    proc, report, data = review(repo)
    assert proc.returncode == 0, report
    removed = [d for d in data["records"] if d["status"] == "removed"]
    assert [(d["id"], d["label"]) for d in removed] == [("abe-2014-talks", "Abe keeps the talks going")]
    assert dict(removed[0]["shown"])["summary"] == "Abe kept pursuing talks."
    assert len(removed[0]["notes"]) == 1  # the formatted note of the removed page
    assert {"url": "positions/abe-2014-talks/", "status": "removed"}.items() <= next(
        p for p in data["pages"] if p["url"] == "positions/abe-2014-talks/"
    ).items()
    assert "- page removed: Abe keeps the talks going (`positions/abe-2014-talks/`)" in report
    # the listings of the removed record disappear from the pages that showed it
    home = next(p for p in data["pages"] if p["url"] == "")
    assert [(b["kind"], b["citations_before"]) for b in home["blocks"]] == [("removed", 1)]
    removed_line = "- removed: ~~May 2014 · Shinzo Abe — Abe keeps the talks going: Abe kept pursuing talks.\\[5\\]~~"
    assert removed_line in report


@pytest.mark.slow
def test_a_rename_is_detected_and_needs_a_redirect(repo: Path) -> None:
    git(repo, "mv", "data/positions/abe-2014-talks.yaml", "data/positions/abe-2014-talks-go-on.yaml")
    edit(repo / "data/positions/abe-2014-talks-go-on.yaml", "id: abe-2014-talks", "id: abe-2014-talks-go-on")
    commit(repo)
    _proc, report, data = review(repo)
    renamed = [d for d in data["records"] if d["status"] == "renamed"]
    assert [(d["old_id"], d["id"], d["redirect"]) for d in renamed] == [
        ("abe-2014-talks", "abe-2014-talks-go-on", False)
    ]
    assert not [d for d in data["records"] if d["status"] in ("added", "removed")]
    assert (
        "data/positions/abe-2014-talks-go-on.yaml:1:5: warning: 'Abe keeps the talks going' moved from "
        "positions/abe-2014-talks/ to positions/abe-2014-talks-go-on/ with no redirect: add "
        "'positions/abe-2014-talks.md': 'positions/abe-2014-talks-go-on.md' to redirect_maps"
    ) in " ".join(flags(data))
    assert (
        "renamed <code>abe-2014-talks</code> → <code>abe-2014-talks-go-on</code> (no redirect from the old address)"
        in report
    )
    # with the redirect in mkdocs.yml, the old address sends readers to the new page and nothing is flagged
    edit(
        repo / "mkdocs.yml",
        "  - refsite\n",
        "  - refsite\n  - redirects:\n      redirect_maps:\n"
        "        positions/abe-2014-talks.md: positions/abe-2014-talks-go-on.md\n",
    )
    commit(repo, "redirect")
    _proc, report, data = review(repo)
    assert [d["redirect"] for d in data["records"] if d["status"] == "renamed"] == [True]
    assert not any("no redirect" in f for f in flags(data))
    old = next(p for p in data["pages"] if p["url"] == "positions/abe-2014-talks/")
    assert old["status"] == "redirected to ../abe-2014-talks-go-on/"
    assert "`plugins`" in report  # the configuration change is reported


def test_a_bib_edit_shows_old_and_new_references_and_the_pages_citing_them(repo: Path) -> None:
    edit(repo / "bib/refs.bib", "Toward a Strategic Partnership?", "Towards a Strategic Partnership")
    commit(repo)
    _proc, report, data = review(repo)
    (bib,) = data["bib"]
    assert bib["key"] == "pajon2013" and bib["status"] == "changed"
    assert "“Japan-Russia: Toward a Strategic Partnership?”" in bib["old"]
    assert "“Japan-Russia: Towards a Strategic Partnership.”" in bib["new"]
    assert {"", "actors/japan/", "positions/abe-2013-talks/"} <= set(bib["cited_on"])
    # every page whose full note changes shows the change, identical ones grouped
    assert "the same change on" in report
    note_changes = [n for p in data["pages"] for n in p["notes"] if n["kind"] == "changed"]
    assert note_changes and all("Toward a Strategic" in n["old"] for n in note_changes)


def test_a_narrative_edit_flags_the_sentence_left_without_a_citation(repo: Path) -> None:
    edit(repo / "docs/index.md", 'Again.{{ cite("pajon2013", "p. 17") }} ', "Again. ")
    edit(repo / "docs/index.md", "A remark.[^1]", "A remark.[^1] Both governments later said the matter was closed.")
    with (repo / "docs/index.md").open("a", encoding="utf-8") as f:
        f.write("\nThe islands were settled long before any treaty drew a line through them.\n")
    commit(repo)
    _proc, report, data = review(repo)
    lines = flags(data)
    assert (
        "docs/index.md:3:1: warning: 1 citation removed from a paragraph on the home page: "
        "'The dispute involves Etorofu / Iturup (Etorofu is …'"
    ) in lines
    assert (
        "docs/index.md:15:1: warning: new paragraph on the home page has no citation: "
        "'The islands were settled long before any treaty …'"
    ) in lines
    assert (
        "docs/index.md:5:15: warning: new sentence on the home page has no citation: "
        "'Both governments later said the matter was closed. …'"
    ) in lines
    home = next(p for p in data["pages"] if p["url"] == "")
    assert [n["old"] for n in home["notes"] if n["kind"] == "removed"] == ["Pajon, 17."]
    assert home["renumbered"] > 0
    assert "- added: **The islands were settled long before any treaty drew a line through them.**" in report


def test_three_errors_fail_the_check_and_become_annotations(repo: Path) -> None:
    edit(repo / "data/events/shimoda-1855.yaml", "[japan, russia]", "[japan, rusia]")
    edit(repo / "data/actors/japan.yaml", 'key: pajon2013, locator: "p. 5"', 'key: pajon2031, locator: "p. 5"')
    edit(repo / "data/positions/abe-2014-talks.yaml", 'date: "2014-05"', 'date: "2014-13"')
    commit(repo)
    proc, report, data = review(repo, "--annotations")
    assert proc.returncode == 1
    errors = [f for f in data["flags"] if f["severity"] == "error"]
    assert len(errors) == 3 and all(f["new"] and f["source"] == "check" for f in errors)
    annotations = [line for line in proc.stdout.splitlines() if line.startswith("::error ")]
    assert len(annotations) == 3
    assert any(
        a.startswith(
            "::error file=data/events/shimoda-1855.yaml,line=5,col=17,title=refsite check::unknown actor 'rusia'"
        )
        for a in annotations
    )
    assert "The new state does not build" in report
    assert report.count("| error |") == 3


def test_main_moving_on_is_not_reported_as_a_removal(repo: Path) -> None:
    edit(repo / "data/actors/japan.yaml", "The Japanese state.", "The Japanese state, a party to the dispute.")
    commit(repo)
    branch_point = git(repo, "merge-base", "main", "change")
    git(repo, "checkout", "-q", "main")
    (repo / "data/actors/china.yaml").write_text(
        "id: china\nname: China\nkind: state\nsummary: The Chinese state.\n"
        'sources:\n  - {key: pajon2013, locator: "p. 11"}\n',
        encoding="utf-8",
    )
    commit(repo, "main moves on")
    git(repo, "checkout", "-q", "change")
    _proc, report, data = review(repo)
    assert data["merge_base"] == branch_point
    assert [(d["status"], d["id"]) for d in data["records"]] == [("changed", "japan")]
    assert "china" not in report.lower()
    assert f"Compared from the merge base `{branch_point[:12]}` of main" in report


@pytest.mark.slow
def test_a_large_change_stays_under_the_comment_limit(repo: Path) -> None:
    for i in range(120):
        (repo / f"data/actors/group-{i:03d}.yaml").write_text(
            f"id: group-{i:03d}\nname: Group {i} | with a pipe\nkind: organization\ncountry: japan\n"
            f"summary: Group {i} takes part in the debate on the islands with a long summary "
            + "that repeats itself " * 10
            + '\nsources:\n  - {key: pajon2013, locator: "p. 3"}\n',
            encoding="utf-8",
        )
    commit(repo)
    proc, report, data = review(repo, "--max-chars", "20000")
    assert proc.returncode == 0
    assert len(report) <= 20000
    assert (
        "more sections or rows did not fit in a comment; the full review is in the workflow's `review` artifact"
        in report
    )
    assert len([d for d in data["records"] if d["status"] == "added"]) == 120  # the JSON keeps everything
    full = repo.parent / "full.md"
    _proc, report, _ = review(repo, "--full", str(full))
    assert len(report) <= 65000
    assert len(full.read_text()) > len(report) and "did not fit" not in full.read_text()


def test_hostile_refs_are_refused_and_never_run(repo: Path) -> None:
    readme = repo / "docs/index.md"
    before = readme.read_text()
    for args in (["--", "--output=docs/index.md"], ["main", "--", "--output=docs/index.md"], ["-x"]):
        proc = run_cli("review", *args, cwd=repo)
        assert proc.returncode == 2, args
        assert "Traceback" not in proc.stderr
    proc = run_cli("review", "--", "--output=docs/index.md", cwd=repo)
    assert (
        proc.stderr.splitlines()[0] == "review: refusing git ref '--output=docs/index.md': a ref may not start with '-'"
    )
    assert readme.read_text() == before
    proc = run_cli("review", "HEAD; touch pwned", cwd=repo)
    assert proc.returncode == 2 and not (repo / "pwned").exists()
    assert proc.stderr.strip() == "review: cannot read git ref 'HEAD; touch pwned': no such commit"


def test_make_review_never_runs_base_as_shell_or_make_text(repo: Path) -> None:
    require("make")
    for name in ("Makefile", "requirements.lock", "pyproject.toml"):
        shutil.copy(REPO / name, repo / name)
    (repo / ".venv").mkdir()
    (repo / ".venv/.installed").touch()
    victim = repo / "victim"
    for base in (
        "HEAD; rm victim",
        "x;rm victim",
        "$(shell rm victim)",
        "`rm victim`",
        'a\'"; rm victim; "',
        "--output=victim",
    ):
        victim.write_text("keep")
        proc = subprocess.run(
            ["make", "-s", "review", f"PY={sys.executable}", f"BASE={base}"],
            cwd=repo,
            capture_output=True,
            text=True,
            check=False,
        )
        assert proc.returncode != 0, base
        assert victim.read_text() == "keep", base
        assert "Traceback" not in proc.stderr
    proc = subprocess.run(
        ["make", "-s", "review", f"PY={sys.executable}", "BASE=main"],
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("<!-- refsite-review -->")
    # a legal branch name that is shell text is reviewed like any other, and runs nothing
    git(repo, "branch", "x;id>out", "main")
    proc = subprocess.run(
        ["make", "-s", "review", f"PY={sys.executable}", "BASE=x;id>out"],
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "## Reference review: working tree against x;id&gt;out" in proc.stdout
    assert not (repo / "out").exists()


def test_symlinks_in_a_commit_are_never_followed(repo: Path) -> None:
    (repo / "data/actors/leak.yaml").symlink_to("/etc/passwd")
    (repo / "docs/outside.md").symlink_to("../../../outside.md")
    (repo / "docs/inside.md").symlink_to("index.md")
    commit(repo)
    proc, report, data = review(repo)
    assert proc.returncode == 1
    lines = flags(data)
    assert "data/actors/leak.yaml:1:1: error: symbolic link leaving the project, not followed" in lines
    assert "docs/outside.md:1:1: error: symbolic link leaving the project, not followed" in lines
    assert "root:" not in report and "root:" not in json.dumps(data)


def test_record_text_cannot_forge_the_comment(repo: Path) -> None:
    edit(repo / "data/actors/japan.yaml", "name: Japan", 'name: "Japan | x @octocat #12 ~~s~~ **b** `c`"')
    commit(repo)
    proc, report, data = review(repo)
    assert proc.returncode == 0, report
    assert data["pages"]  # the pages were built and compared
    # a mention or an issue number only ever stands in a code span, where GitHub links nothing
    assert re.search(r"(?<![`>])@octocat", report) is None and report.count("`@octocat`") >= 5
    assert re.search(r"(?<![`>])#12", report) is None and "`#12`" in report
    # in Markdown, every mark is escaped; inside a <summary>, where Markdown is not read, the text is plain HTML
    assert "- `name`: Japan **\\| x `@octocat` `#12` \\~\\~s\\~\\~ \\*\\*b\\*\\* \\`c\\`**" in report
    assert (
        '<a href="https://example.org/sample/actors/japan/">Japan | x <code>@octocat</code> <code>#12</code> '
        "~~s~~ **b** `c`</a>" in report
    )
    table = [line for line in report.splitlines() if line.startswith("| ")]
    assert all(line.count(" | ") - line.count("\\|") <= 2 for line in table)


def test_escaping_helpers() -> None:
    assert annotation_property("a,b:c%d\r\n") == "a%2Cb%3Ac%25d%0D%0A"
    assert annotation_data("50% of a: b,\nnext") == "50%25 of a: b,%0Anext"
    assert md("a|b <i>x</i> @me #5") == "a\\|b &lt;i&gt;x&lt;/i&gt; `@me` `#5`"
    # a key stays whole and copyable: no invisible character inside, no link
    assert md("see @pajon2013, p. 5.") == "see `@pajon2013`, p. 5."
    assert "\u2060" not in md("@a #1") + html_text("@a #1")
    # an apostrophe in a title is one whole entity, never split by anything
    assert html_text("Japan's claim #2") == "Japan&#x27;s claim <code>#2</code>"
    assert md("</details><img src=x onerror=alert(1)>") == "&lt;/details&gt;&lt;img src\\=x onerror\\=alert\\(1\\)&gt;"
    assert (
        html_text('</summary><a href="x">@me</a>')
        == "&lt;/summary&gt;&lt;a href=&quot;x&quot;&gt;<code>@me</code>&lt;/a&gt;"
    )
    assert code("a`b|c") == "``a`b\\|c``"


def test_a_yaml_error_is_not_a_removal(repo: Path) -> None:
    edit(repo / "data/actors/russia.yaml", "kind: state", "kind: [state")
    commit(repo)
    proc, report, data = review(repo, "--no-build")
    assert proc.returncode == 1
    assert [(d["status"], d["id"]) for d in data["records"]] == [("unreadable", "russia")]
    assert "does not load any more (see the problems), so it is left out" in report
    assert "data/actors/russia.yaml:4:8: error: invalid YAML: did not find expected ',' or ']'" in flags(data)


def test_switching_the_citation_style_is_reported_with_every_note_it_changes(repo: Path) -> None:
    edit(repo / "mkdocs.yml", "  - refsite\n", "  - refsite:\n      style: apa\n")
    commit(repo)
    _proc, report, data = review(repo)
    assert [(c["field"], c["kind"]) for c in data["config"]] == [("plugins", "changed")]
    assert '\\{"refsite": \\{"style": "apa"\\}\\}' in report
    changed_notes = [n for p in data["pages"] for n in p["notes"] if n["kind"] == "changed"]
    assert len(changed_notes) >= 10
    assert "Pajon, C. \\(2013" in report or "Pajon, C. (2013" in json.dumps(changed_notes)


def test_an_orphan_record_is_flagged(repo: Path) -> None:
    (repo / "data/topics/fisheries.yaml").write_text(
        "id: fisheries\nname: Fisheries\nsummary: Fishing around the islands.\n"
        'sources:\n  - {key: pajon2013, locator: "p. 9"}\n',
        encoding="utf-8",
    )
    commit(repo)
    proc, _report, data = review(repo)
    assert proc.returncode == 0
    assert flags(data) == [
        "data/topics/fisheries.yaml:1:1: warning: no page links to topic 'Fisheries' except its index"
    ]


def test_a_work_no_longer_cited_is_flagged_and_fails_the_strict_build(repo: Path) -> None:
    edit(repo / "data/topics/territorial-dispute.yaml", 'key: kimura2008kurilian, locator: "p. 105"', "key: pajon2013")
    edit(repo / "data/actors/odd-name.yaml", 'key: kimura2008kurilian, locator: "pp. 15-17"', "key: pajon2013")
    edit(repo / "docs/index.md", ' Other work.{{ cite("kimura2008kurilian", "p. 105") }}', "")
    commit(repo)
    proc, report, data = review(repo)
    assert proc.returncode == 1
    lines = flags(data)
    # the warning that fails the strict build is an error at its own line, and the pages are still compared
    strict = "bib/refs.bib:11:1: error: entry 'kimura2008kurilian' is cited nowhere (an error in the strict build)"
    assert strict in lines
    assert not any(line.startswith("mkdocs.yml:1:1") for line in lines)
    assert "The strict build fails on 1 warning \\(each listed at its line as an error\\)" in report
    assert {p["url"] for p in data["pages"]} >= {"", "topics/territorial-dispute/"}
    assert (
        "bib/refs.bib:11:1: warning: work 'kimura2008kurilian' (The Kurilian Knot, A History of Japanese-Russian "
        "Border Negotiations) is no longer cited anywhere"
    ) in lines


def test_a_project_outside_git_is_one_line(tmp_path: Path) -> None:
    root = copy_root("basic", tmp_path)
    proc = run_cli("review", "main", cwd=root)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == ["review: cannot read git ref 'main': no such commit"]
    assert proc.stdout == ""


def test_identical_edits_to_records_are_grouped(repo: Path) -> None:
    edit(repo / "data/actors/japan.yaml", "The Japanese state.", "The Japanese state. Revised in 2014.")
    edit(repo / "data/actors/russia.yaml", "The Russian Federation.", "The Russian Federation. Revised in 2014.")
    edit(repo / "data/actors/abe-shinzo.yaml", "kind: person", "kind: person\nas_of: '2014'")
    commit(repo)
    _proc, report, data = review(repo, "--no-build")
    assert [d["id"] for d in data["records"]] == ["japan", "russia", "abe-shinzo"]  # by name; the JSON keeps each
    assert (
        '<details><summary>the same edit in 2 actors: <a href="https://example.org/sample/actors/japan/">Japan</a>, '
        '<a href="https://example.org/sample/actors/russia/">Russia</a></summary>'
    ) in report
    assert "Shown for the first:\n- `summary`: The Japanese state. **Revised in 2014.**" in report
    assert "actor <a href" in report and "(<code>data/actors/abe-shinzo.yaml</code>): changed" in report


def test_a_redated_position_moves_in_the_chronology(repo: Path) -> None:
    edit(repo / "data/positions/abe-2014-talks.yaml", 'date: "2014-05"', 'date: "2013-01"')
    commit(repo)
    _proc, report, data = review(repo)
    home = next(p for p in data["pages"] if p["url"] == "")
    moved = [b for b in home["blocks"] if b["kind"] == "moved"]
    assert len(moved) == 1 and moved[0]["old"].startswith("May 2014 · Shinzo Abe — Abe keeps the talks going")
    assert "- moved and changed: ~~May 2014~~ **January 2013** · Shinzo Abe — Abe …" in report
    assert "- moved and changed: Date: ~~May 2014~~ **January 2013** \\| Actor: Shinzo Abe" in report
    # one move, not a paragraph removed and another added
    assert not [b for b in home["blocks"] if b["kind"] in ("added", "removed")]


def test_a_list_item_whose_description_reads_the_same_says_what_differs(tmp_path: Path) -> None:
    from refsite.dataset import load_project
    from refsite.review.records import compare_records

    old_root, new_root = copy_root("basic", tmp_path / "old"), copy_root("basic", tmp_path / "new")
    # a change of spacing only, which reads the same once the words are joined
    edit(old_root / "data/actors/abe-shinzo.yaml", '    locator: "p. 7"', '    locator: "p.  7"')
    (old, _), (new, _) = load_project(old_root), load_project(new_root)
    (diff,) = compare_records(old, new, [])
    (item,) = diff.items
    assert item.field == "sources[1]"
    # never an empty "…" entry: what changed is said
    assert item.diff[-1] == ("+", "(only spacing or form changed)")


def test_blocks_read_apart_never_run_together(tmp_path: Path) -> None:
    from refsite.review.site import read_page

    page = tmp_path / "index.html"
    page.write_text(
        "<article><h1>Japan&#x27;s claim</h1>"
        "<figure><figcaption>Shaded eras begin at Shimoda.<details><summary>The events as a list</summary>"
        "<ol><li>1856 — Treaty of Shimoda</li></ol></details></figcaption></figure>"
        '<table><tr><th></th><th>Two islands</th></tr><tr><th>Japan</th><td class="refsite-grid-cell">'
        '<span class="refsite-stance"><span class="refsite-stance-symbol">◐</span> open to</span> '
        '<a class="refsite-stance-date" href="x/">April 2013</a><details><summary>earlier stances</summary>'
        "<p>Earlier:</p><ul><li>✖ opposes 2012</li></ul></details></td></tr></table></article>",
        encoding="utf-8",
    )
    parsed = read_page(page, "x/")
    assert parsed.title == "Japan's claim"  # an apostrophe, not an entity
    texts = [b.text for b in parsed.blocks]
    assert "Shaded eras begin at Shimoda. The events as a list 1856 — Treaty of Shimoda" in texts
    assert "Japan | Two islands: ◐ open to April 2013 earlier stances Earlier: ✖ opposes 2012" in texts


def _page(url: str, texts: list[str], notes: list[str]) -> Page:
    blocks = [Block("p", t, [str(i + 1)] if i < len(notes) else []) for i, t in enumerate(texts)]
    return Page(
        url, url, blocks, {str(i + 1): n for i, n in enumerate(notes)}, [str(i + 1) for i in range(len(notes))], set()
    )


def test_page_comparison_noise() -> None:
    full = "Céline Pajon, Japan-Russia: Toward a Strategic Partnership? (Paris: Ifri, 2013), 15."
    short = "Pajon, Japan-Russia, 15."
    # a note that only changed form (the paragraph citing the work first is gone) is no note change
    old = _page("a/", ["First claim.[1]", "Second claim.[2]"], [full.replace("15.", "9."), short])
    new = _page("a/", ["Second claim.[1]"], [full])
    (d,) = compare_sites({"a/": old}, {"a/": new})
    assert [(n.kind, n.old) for n in d.notes] == [("removed", full.replace("15.", "9."))]
    # one note renumbered reads in the singular
    old = _page("b/", ["One.[1]", "Two.[2]"], ["Note one, 5.", "Note two, 7."])
    new = _page("b/", ["Two.[1]"], ["Note two, 7."])
    (d,) = compare_sites({"b/": old}, {"b/": new})
    assert d.summary.endswith("1 note renumbered")
    # a renamed page is compared with its old page, not shown as all added
    page = _page("actors/old/", ["Same text.[1]", "More words about the islands here."], ["Note, 3."])
    moved = _page("actors/new/", ["Same text.[1]", "More words about the islands there."], ["Note, 3."])
    diffs = {
        d.url: d for d in compare_sites({"actors/old/": page}, {"actors/new/": moved}, {"actors/new/": "actors/old/"})
    }
    assert diffs["actors/new/"].status == "renamed from actors/old/"
    assert [b.kind for b in diffs["actors/new/"].blocks] == ["changed"]


def test_annotations_are_for_the_change_only() -> None:
    review = Review("change", "main", "main", "0" * 40)
    review.flags = [
        Flag("a.yaml", 3, 1, "new finding"),
        Flag("b.yaml", 1, 1, "old finding", new=False),
        Flag("c.yaml", 2, 1, "stance changed from a to b", "notice", risk="stance", before="a", after="b"),
    ]
    lines = annotation_lines(review)
    assert lines == ["::warning file=a.yaml,line=3,col=1,title=refsite review::new finding"]
    text = markdown(review)
    assert "1 problem already on the base (not this change's, not annotated)" in text
    assert "1. **stance** `c.yaml:2:1`: a → b" in text


def test_weakening_the_policy_in_mkdocs_yml_needs_a_maintainer() -> None:
    from refsite.review.flags import code_flags, policy_changes

    old = {"plugins": ["search", {"refsite": {"require_claim_citations": True}}], "site_name": "A"}
    new = {"plugins": ["search", {"refsite": {"require_claim_citations": False}}], "site_name": "B"}
    assert policy_changes(old, new) == [("plugins.refsite.require_claim_citations", "true", "false")]
    (flag,) = code_flags(["mkdocs.yml", "docs/index.md"], old, new)
    assert flag.risk == "code or policy" and flag.path == "mkdocs.yml"
    assert flag.message == "policy change: plugins.refsite.require_claim_citations true → false: needs a maintainer"
    # code anywhere, and the build's own files, need a maintainer too
    paths = ["macros.py", "overrides/main.html", "refsite/review/report.py", "Makefile", "requirements.lock"]
    assert [f.path for f in code_flags([*paths, "data/actors/japan.yaml"])] == paths


def test_the_review_cache_keeps_the_builds_used_last(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A base reviewed against one change after another stays cached: the cache keeps the few
    builds used last, not the few made last."""
    from refsite.review import site as review_site

    made: list[str] = []

    def fake_build(root: Path, out: Path, *, strict: bool = True) -> review_site.Built:
        out.mkdir(parents=True)
        (out / "index.html").write_text(root.name, encoding="utf-8")
        made.append(root.name)
        return review_site.Built(out, [])

    monkeypatch.setattr(review_site, "build", fake_build)
    monkeypatch.setenv("REFSITE_REVIEW_CACHE", str(tmp_path / "cache"))
    for head in ("h1", "h2", "h3", "h4", "h5"):
        for commit_id in ("base", head):
            built = review_site.cached_build(tmp_path, commit_id, tmp_path / commit_id)
            assert built.site is not None and (built.site / "index.html").read_text(encoding="utf-8") == commit_id
    assert made == ["base", "h1", "h2", "h3", "h4", "h5"]  # the base built once
    kept = sorted(p.name.split("-")[0] for p in (tmp_path / "cache").iterdir())
    assert kept == ["base", "h3", "h4", "h5"]
