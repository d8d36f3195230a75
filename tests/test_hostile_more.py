"""Hostile mkdocs.yml and docs/ files: a pull request that changes the site configuration or adds
static files can't run code, read files, leak the environment or publish a script.

Each case changes the 'basic' sample project the way an unknown contributor could, builds it, and
asserts the exit status, the exact located lines, no traceback, that nothing ran, and that no site
was published.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from test_review import commit, flags, repo, review  # noqa: F401 (fixtures used by name)

from conftest import cli_in_process, copy_root, run_cli

CONFIG = "mkdocs.yml"
MARK = "pwned"
Setup = Callable[[Path], None]


def append(text: str) -> Setup:
    def setup(root: Path) -> None:
        path = root / CONFIG
        path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")

    return setup


def replace(old: str, new: str) -> Setup:
    def setup(root: Path) -> None:
        path = root / CONFIG
        text = path.read_text(encoding="utf-8")
        assert old in text
        path.write_text(text.replace(old, new, 1), encoding="utf-8")

    return setup


def write(rel: str, text: str, then: Setup | None = None) -> Setup:
    def setup(root: Path) -> None:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
        if then is not None:
            then(root)

    return setup


EVIL_PY = "import pathlib\npathlib.Path('pwned').write_text('ran')\nfrom refsite.mkdocs_host.macros import define_env\n"
END = 37  # the first line after the sample mkdocs.yml
CASES: list[tuple[str, Setup, list[str]]] = [
    (
        "hooks run a Python file",
        write("evil.py", EVIL_PY, append("hooks:\n  - evil.py\n")),
        [f"{CONFIG}:{END}:1: error: 'hooks' runs Python files at build time; content may not add code"],
    ),
    (
        "python/object/apply tag",
        append("extra:\n  x: !!python/object/apply:os.system ['touch pwned']\n"),
        [f"{CONFIG}:{END + 1}:6: error: unsupported YAML tag 'tag:yaml.org,2002:python/object/apply:os.system'"],
    ),
    (
        "!ENV publishes the build's environment",
        replace("site_name: Sample Reference", "site_name: Sample Reference\ncopyright: !ENV HOME"),
        [f"{CONFIG}:2:12: error: unsupported YAML tag '!ENV'"],
    ),
    (
        "macros module_name loads another Python file",
        write("evil.py", EVIL_PY, replace("module_name: macros", "module_name: evil")),
        [f"{CONFIG}:14:20: error: plugin 'macros' loads the project's macros.py only (module_name: macros)"],
    ),
    (
        "pymdownx.snippets reads files",
        replace("markdown_extensions:", "markdown_extensions:\n  - pymdownx.snippets:\n      base_path: [/]"),
        [
            f"{CONFIG}:19:5: error: Markdown extension 'pymdownx.snippets' is not allowed (extensions read files or"
            " run code); allowed: admonition, attr_list, footnotes, md_in_html, tables, toc"
        ],
    ),
    (
        "superfences custom fence formatter given as a Python name",
        replace(
            "markdown_extensions:",
            "markdown_extensions:\n  - pymdownx.superfences:\n      custom_fences:\n"
            "        - name: x\n          class: x\n          format: !!python/name:os.system",
        ),
        [f"{CONFIG}:23:19: error: unsupported YAML tag 'tag:yaml.org,2002:python/name:os.system'"],
    ),
    (
        "a plugin off the allow-list",
        replace("  - refsite\n", "  - refsite\n  - blog\n"),
        [
            f"{CONFIG}:18:5: error: plugin 'blog' is not allowed (plugins run code); allowed: macros, redirects, "
            "refsite, search"
        ],
    ),
    (
        "INHERIT of a file outside the project",
        replace("site_name: Sample Reference", "INHERIT: /etc/mkdocs.yml\nsite_name: Sample Reference"),
        [f"{CONFIG}:1:1: error: 'INHERIT' reads another configuration file; keep every setting in mkdocs.yml"],
    ),
    (
        "extra_javascript adds a script",
        append("extra_javascript:\n  - https://evil.example/x.js\n"),
        [
            f"{CONFIG}:{END + 1}:5: error: 'extra_javascript' lists the project's own scripts only "
            "(assets/refsite-views.js); content may not add scripts"
        ],
    ),
    (
        "extra_css from another site",
        append("extra_css:\n  - https://evil.example/x.css\n"),
        [f"{CONFIG}:{END + 1}:5: error: 'extra_css' lists .css files of the docs folder (relative paths)"],
    ),
    (
        "theme.custom_dir outside the project",
        replace("  name: material\n", "  name: material\n  custom_dir: ../..\n"),
        [f"{CONFIG}:7:15: error: 'theme.custom_dir' must be a folder inside the project"],
    ),
    (
        "copyright with markup (the theme prints it raw)",
        replace(
            "site_name: Sample Reference", "site_name: Sample Reference\ncopyright: '<img src=x onerror=alert(1)>'"
        ),
        [f"{CONFIG}:2:12: error: 'copyright' is plain text: no <, >, \", ` or control characters"],
    ),
    (
        "site_description breaking out of its attribute",
        replace("site_name: Sample Reference", "site_name: Sample Reference\nsite_description: 'x\"><b>'"),
        [f"{CONFIG}:2:19: error: 'site_description' is plain text: no <, >, \", ` or control characters"],
    ),
    (
        "javascript: link in the nav",
        replace("  - Home: index.md", "  - '<img src=x onerror=alert(1)>': index.md\n  - Ext: 'javascript:alert(1)'"),
        [
            f"{CONFIG}:30:10: error: a nav entry links to a page of the site or an http(s) address",
        ],
    ),
    (
        "theme.font breaking out of the theme's stylesheet link",
        replace("  name: material\n", "  name: material\n  font:\n    text: 'Roboto\"><script>alert(1)</script>'\n"),
        [f"{CONFIG}:8:11: error: 'theme.font.text' is plain text: no <, >, \", ` or control characters"],
    ),
    (
        "theme icon read from outside the theme",
        replace("  name: material\n", "  name: material\n  icon:\n    repo: ../../../../../tmp/x\n"),
        [
            f"{CONFIG}:8:11: error: 'theme.icon.repo' names a file of the theme or the project, "
            "not '../../../../../tmp/x'"
        ],
    ),
    (
        "extra.analytics lands inside a script",
        append("extra:\n  analytics:\n    provider: google\n    property: 'x\"+alert(1)+\"'\n"),
        [
            f"{CONFIG}:{END + 1}:3: error: 'extra.analytics' is printed by the theme into every page; "
            "content may not set it"
        ],
    ),
    (
        "redirect to a javascript: address",
        replace(
            "  - refsite\n",
            "  - refsite\n  - redirects:\n      redirect_maps:\n        old.md: 'javascript:alert(1)'\n",
        ),
        [f"{CONFIG}:20:17: error: 'old.md' must be an http(s) address or a relative path"],
    ),
    (
        "repo_url with a javascript: scheme",
        replace("repo_url: https://github.com/example/sample", "repo_url: 'javascript:alert(1)'"),
        [f"{CONFIG}:3:11: error: 'repo_url' must be an http(s) address"],
    ),
]

STATIC = ".avif, .bib, .css, .csv, .gif, .ico, .jpeg, .jpg, .json, .otf, .pdf, .png, .ttf, .txt, .webp, .woff, .woff2"
for name, body in (
    ("evil.html", "<script>alert(1)</script>"),
    ("assets/evil.js", "alert(1)"),
    ("assets/logo.svg", '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'),
    ("notes.xhtml", "<html xmlns='http://www.w3.org/1999/xhtml'><script>alert(1)</script></html>"),
):
    ext = "." + name.rsplit(".", 1)[1]
    CASES.append(
        (
            f"docs/{name} would be published as it is",
            write(f"docs/{name}", body),
            [
                f"docs/{name}:1:1: error: files of type '{ext}' are not published from the docs folder "
                f"(a browser may run them); allowed: .md, {STATIC}"
            ],
        )
    )

CASES += [
    (
        "docs CSS loading from another site",
        write("docs/assets/x.css", "p {\n  color: red;\n  background: url('https://evil.example/t.png');\n}\n"),
        [
            "docs/assets/x.css:3:15: error: CSS may load the site's own files only (a relative url()), "
            "not 'url('https://evil.example/t.png''"
        ],
    ),
    (
        "docs CSS @import",
        write("docs/assets/x.css", "@import 'https://evil.example/x.css';\n"),
        [
            "docs/assets/x.css:1:1: error: CSS may load the site's own files only (a relative url()), "
            "not '@import 'https://evil.example/x.css''"
        ],
    ),
]


@pytest.mark.parametrize(("setup", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_hostile_config_and_static_files(tmp_path: Path, setup: Setup, expected: list[str]) -> None:
    root = copy_root("basic", tmp_path)
    setup(root)
    for command in ("check", "build"):
        proc = cli_in_process(command, cwd=root)
        out = proc.stdout + proc.stderr
        assert "Traceback" not in out, out
        assert proc.returncode == 1, out
        assert proc.stdout.splitlines() == expected, proc.stdout
        assert not (root / MARK).exists(), "code from content ran"
        assert not (root / "site").exists(), "a refused build published a site"


def test_allowed_static_files_are_published(tmp_path: Path) -> None:
    root = copy_root("basic", tmp_path)
    (root / "docs" / "assets").mkdir()
    (root / "docs" / "assets" / "site.css").write_text("p { background: url('map.png') }\n", encoding="utf-8")
    (root / "docs" / "assets" / "map.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    proc = run_cli("build", cwd=root)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (root / "site" / "assets" / "site.css").is_file()
    assert (root / "site" / "assets" / "map.png").is_file()


def test_review_flags_code_changes(repo: Path) -> None:  # noqa: F811
    """Theme templates and macros.py run unsandboxed: a change to them is flagged for a maintainer."""
    (repo / "overrides").mkdir()
    (repo / "overrides" / "main.html").write_text(
        "{% extends 'base.html' %}{% block content %}{{ config.__class__ }}{% endblock %}\n", encoding="utf-8"
    )
    (repo / "macros.py").write_text(EVIL_PY, encoding="utf-8")
    (repo / "data" / "actors" / "japan.yaml").write_text(
        (repo / "data" / "actors" / "japan.yaml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    commit(repo)
    proc, _report, data = review(repo, "--no-build")
    message = "warning: code change: needs a maintainer (it runs at build or test time, unsandboxed)"
    assert [f for f in flags(data) if "code change" in f] == [
        f"macros.py:1:1: {message}",
        f"overrides/main.html:1:1: {message}",
    ]
    assert "Needs a maintainer: changes code or policy" in proc.stdout
    assert not (repo / MARK).exists()


def _summary(root: Path, text: str) -> None:
    path = root / "data" / "actors" / "japan.yaml"
    body = path.read_text(encoding="utf-8").replace("summary: The Japanese state.", f"summary: '{text}'")
    path.write_text(body, encoding="utf-8")


BOMBS = {
    "30,000 unclosed [ in a summary (minutes of rendering)": (
        lambda root: _summary(root, "[" * 30_000 + "x"),
        "data/actors/japan.yaml:4:10: error: field 'summary': 30000 '[' are never closed (at most 50); "
        "close them or write \\[",
    ),
    "100,000 list items opened on one line of a summary (RecursionError)": (
        lambda root: _summary(root, "* " * 100_000 + "x"),
        "data/actors/japan.yaml:4:10: error: field 'summary': lists or quotes nested more than 20 deep on one line",
    ),
    "30,000 unclosed [ in a narrative page": (
        write("docs/slow.md", "# Slow\n\nText " + "[" * 30_000 + "\n"),
        "docs/slow.md:3:6: error: 30000 '[' are never closed (at most 50); close them or write \\[",
    ),
    "quotes nested 5,000 deep in a narrative page": (
        write("docs/deep.md", "# Deep\n\n" + "> " * 5_000 + "x\n"),
        "docs/deep.md:3:1: error: lists or quotes nested more than 20 deep on one line",
    ),
}


@pytest.mark.parametrize("case", BOMBS)
def test_markdown_that_would_hang_or_crash_the_renderer(tmp_path: Path, case: str) -> None:
    setup, expected = BOMBS[case]
    root = copy_root("basic", tmp_path)
    setup(root)
    proc = run_cli("build", cwd=root)
    assert "Traceback" not in proc.stdout + proc.stderr
    assert proc.returncode == 1
    assert proc.stdout.splitlines() == [expected]


def test_ordinary_brackets_and_lists_still_render(tmp_path: Path) -> None:
    root = copy_root("basic", tmp_path)
    _summary(root, "Terms [sic] and [brackets] [a [b] c], a lone [ and 1. a numbered start.")
    write("docs/lists.md", "# Lists\n\n* a\n    * b\n        * c\n\n> quoted > text [x\n")(root)
    proc = run_cli("build", "--no-strict", cwd=root)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "[brackets]" in (root / "site" / "actors" / "japan" / "index.html").read_text(encoding="utf-8")


def test_every_option_of_the_refsite_plugin_is_allowed() -> None:
    """The allow-list and the plugin's own settings name the same options."""
    from refsite.mkdocs_host.plugin import RefsiteConfig
    from refsite.policy import PLUGINS

    assert PLUGINS["refsite"] == frozenset(RefsiteConfig().keys())
