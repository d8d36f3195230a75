"""What content may set in mkdocs.yml and put in docs/: an allow-list, checked before MkDocs reads anything.

mkdocs.yml arrives by pull request like the data, and MkDocs acts on it with full power: ``hooks:``
and ``module_name`` run Python files, YAML tags build Python objects, plugins and Markdown
extensions read files or run code, ``extra_javascript`` adds scripts, and the theme prints
``copyright``, ``site_description``, nav titles and ``extra.analytics`` into every page without
escaping. So every setting, plugin, extension and option must be on an allow-list (the ones this
project uses), text settings hold no markup, links are ``http(s)`` or relative, and files in the docs
folder are Markdown or one of the inert static types. Each refusal is one located problem.
"""

from __future__ import annotations

import os
import posixpath
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .load import Key, Located
from .problems import Problem

SETTINGS = frozenset(
    {
        "site_name",
        "extra_javascript",
        "site_description",
        "site_author",
        "site_url",
        "repo_url",
        "repo_name",
        "edit_uri",
        "copyright",
        "theme",
        "docs_dir",
        "extra_css",
        "nav",
        "plugins",
        "markdown_extensions",
        "validation",
        "extra",
        "use_directory_urls",
        "not_in_nav",
        "exclude_docs",
        "draft_docs",
        "watch",
        "strict",
        "dev_addr",
        "remote_branch",
        "remote_name",
    }
)
"""Top-level settings content may use; anything else (``hooks``, ``INHERIT``, ``extra_javascript``,
``site_dir``, ``extra_templates``) is refused."""

REFUSED = {
    "hooks": "'hooks' runs Python files at build time; content may not add code",
    "INHERIT": "'INHERIT' reads another configuration file; keep every setting in mkdocs.yml",
    "extra_templates": "'extra_templates' renders theme templates from the docs folder; content may not add templates",
    "site_dir": "'site_dir' is chosen by the build command, not by mkdocs.yml",
}

PLUGINS: dict[str, frozenset[str] | None] = {
    "search": frozenset({"lang", "separator", "min_search_length", "prebuild_index", "indexing"}),
    "macros": frozenset({"module_name", "on_error_fail", "on_undefined"}),
    "refsite": frozenset(
        {
            "style",
            "lang",
            "edit_root",
            "bibliography_page",
            "cite_page",
            "require_claim_citations",
            "version",
            "date_format",
            "licence",
            "data_licence",
        }
    ),
    "redirects": frozenset({"redirect_maps"}),
}
"""Plugins content may list, with the options it may give them. ``macros`` loads ``macros.py`` only."""

EXTENSIONS: dict[str, frozenset[str]] = {
    "footnotes": frozenset({"USE_DEFINITION_ORDER", "BACKLINK_TEXT", "SUPERSCRIPT_TEXT", "SEPARATOR"}),
    "tables": frozenset(),
    "attr_list": frozenset(),
    "md_in_html": frozenset(),
    "admonition": frozenset(),
    "toc": frozenset({"permalink", "permalink_title", "toc_depth", "title", "anchorlink", "baselevel"}),
}
"""Markdown extensions content may enable, with the options it may set (scalars only)."""

THEME_EXTRA = frozenset({"analytics", "consent", "social", "alternate", "homepage", "version", "generator", "scope"})
"""Keys of ``extra`` the theme prints into every page, some inside a script: refused."""

STATIC_TYPES = frozenset(
    {
        ".css",
        ".png",
        ".jpg",
        ".jpeg",
        ".gif",
        ".webp",
        ".avif",
        ".ico",
        ".woff",
        ".woff2",
        ".ttf",
        ".otf",
        ".pdf",
        ".txt",
        ".csv",
        ".bib",
        ".json",
    }
)
SCRIPTS = frozenset({"assets/refsite-views.js"})
"""The maintainers' scripts in the docs folder (reviewed as code, like this allow-list): the only
``.js`` files published and the only entries of ``extra_javascript``."""

"""Files besides Markdown that the docs folder may hold; they are published as they are, so no type
that a browser runs (``.html``, ``.js``, ``.svg``, ``.xml``...) is among them."""

_MARKUP = re.compile(r"[<>\"`\x00-\x1f\x7f]")
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")
URL_SETTINGS = ("site_url", "repo_url")


def static_file_problem(rel: str) -> str | None:
    """Why the non-Markdown file ``rel`` (relative to the docs folder) may not be published, or None if it may."""
    ext = posixpath.splitext(rel)[1].lower()
    if ext in STATIC_TYPES or rel in SCRIPTS:
        return None
    shown = ext or "no extension"
    return (
        f"files of type '{shown}' are not published from the docs folder (a browser may run them); "
        f"allowed: .md, {', '.join(sorted(STATIC_TYPES))}"
    )


def config_problems(root: Path, doc: Located) -> list[Problem]:
    """Every setting of mkdocs.yml outside the allow-list, located."""
    return list(_Checker(root, doc).run())


class _Checker:
    def __init__(self, root: Path, doc: Located) -> None:
        self.root = root
        self.doc = doc
        self.reported: set[Key] = set()

    def at(self, key: Key, message: str, *, at_key: bool = True) -> Problem:
        self.reported.add(key)
        return self.doc.problem(key, message, at_key=at_key and key in self.doc.keys)

    def markup(self, key: Key, value: Any) -> Iterator[Problem]:
        """Markup or a path out of the theme in any setting the theme prints or reads (``extra`` is page data)."""
        if isinstance(value, dict):
            for sub, v in value.items():
                yield from self.markup((*key, sub), v)
        elif isinstance(value, list):
            for i, v in enumerate(value):
                yield from self.markup((*key, i), v)
        elif isinstance(value, str) and key not in self.reported:
            name = ".".join(str(k) for k in key)
            if _MARKUP.search(value):
                yield self.at(key, f"'{name}' is plain text: no <, >, \", ` or control characters", at_key=False)
            elif key[0] == "theme" and (value.startswith(("/", "\\")) or ".." in re.split(r"[/\\]", value)):
                yield self.at(key, f"'{name}' names a file of the theme or the project, not '{value}'", at_key=False)

    def run(self) -> Iterator[Problem]:
        data = self.doc.data
        assert isinstance(data, dict)
        yield from self.settings(data)
        for name, value in data.items():
            if name not in ("extra", "nav") and (name,) not in self.reported:
                yield from self.markup((name,), value)

    def settings(self, data: dict[str, Any]) -> Iterator[Problem]:
        for name, value in data.items():
            key = (name,)
            if name in REFUSED:
                yield self.at(key, REFUSED[name])
            elif name not in SETTINGS:
                yield self.at(key, f"unknown setting '{name}'; allowed: {', '.join(sorted(SETTINGS))}")
            elif name in URL_SETTINGS:
                yield from self.url(key, value, relative=False)
            elif name == "edit_uri":
                yield from self.url(key, value, relative=True)
            elif name == "plugins":
                yield from self.plugins(value)
            elif name == "markdown_extensions":
                yield from self.extensions(value)
            elif name == "theme":
                yield from self.theme(value)
            elif name == "extra_css":
                yield from self.extra_css(value)
            elif name == "extra_javascript":
                for i, item in enumerate(value if isinstance(value, list) else [value]):
                    if item not in SCRIPTS:
                        k: Key = ("extra_javascript", i) if isinstance(value, list) else key
                        yield self.at(
                            k,
                            "'extra_javascript' lists the project's own scripts only "
                            f"({', '.join(sorted(SCRIPTS))}); content may not add scripts",
                            at_key=False,
                        )
            elif name == "nav":
                yield from self.nav(("nav",), value)
            elif name == "extra" and isinstance(value, dict):
                for sub in value:
                    if sub in THEME_EXTRA:
                        yield self.at(
                            ("extra", sub),
                            f"'extra.{sub}' is printed by the theme into every page; content may not set it",
                        )
            elif name == "watch":
                yield from self.paths(key, value)

    def url(self, key: Key, value: Any, *, relative: bool) -> Iterator[Problem]:
        if value is None or (isinstance(value, str) and not value):
            return
        ok = isinstance(value, str) and not _MARKUP.search(value) and " " not in value
        if ok and (m := _SCHEME.match(value)):
            ok = m.group(1).lower() in ("http", "https")
        elif ok and not relative:
            ok = False
        if not ok:
            kinds = "an http(s) address or a relative path" if relative else "an http(s) address"
            yield self.at(key, f"'{key[-1]}' must be {kinds}", at_key=False)

    def options(self, key: Key, value: Any, allowed: frozenset[str] | None, what: str) -> Iterator[Problem]:
        if value is None:
            return
        if not isinstance(value, dict):
            yield self.at(key, f"the options of {what} must be a mapping", at_key=False)
            return
        for option, v in value.items():
            okey = (*key, option)
            if allowed is not None and option not in allowed:
                shown = ", ".join(sorted(allowed)) or "none"
                yield self.at(okey, f"option '{option}' of {what} is not allowed; allowed: {shown}")
            elif isinstance(v, dict | list) and option != "redirect_maps":
                yield self.at(okey, f"option '{option}' of {what} takes a single value", at_key=False)

    def entries(self, key: Key, value: Any) -> Iterator[tuple[Key, str, Any]]:
        """(key of the options, name, options) of a ``plugins``/``markdown_extensions`` list or mapping."""
        if isinstance(value, dict):
            for name, opts in value.items():
                yield (*key, name), str(name), opts
        elif isinstance(value, list):
            for i, item in enumerate(value):
                if isinstance(item, str):
                    yield (*key, i), item, None
                elif isinstance(item, dict) and len(item) == 1:
                    name = next(iter(item))
                    yield (*key, i, name), str(name), item[name]
                else:
                    yield (*key, i), "", item

    def plugins(self, value: Any) -> Iterator[Problem]:
        for key, name, opts in self.entries(("plugins",), value):
            if name not in PLUGINS:
                yield self.at(
                    key, f"plugin '{name}' is not allowed (plugins run code); allowed: {', '.join(sorted(PLUGINS))}"
                )
                continue
            yield from self.options(key, opts, PLUGINS[name], f"plugin '{name}'")
            if name == "macros" and isinstance(opts, dict) and opts.get("module_name", "main") != "macros":
                yield self.at(
                    (*key, "module_name"),
                    "plugin 'macros' loads the project's macros.py only (module_name: macros)",
                    at_key=False,
                )
            if name == "redirects" and isinstance(opts, dict):
                yield from self.redirects((*key, "redirect_maps"), opts.get("redirect_maps"))

    def redirects(self, key: Key, maps: Any) -> Iterator[Problem]:
        if maps is None:
            return
        if not isinstance(maps, dict):
            yield self.at(key, "'redirect_maps' must map old page paths to new ones", at_key=False)
            return
        for old, new in maps.items():
            yield from self.url((*key, old), new, relative=True)
            if _MARKUP.search(old) or old.startswith("/") or ".." in old.split("/"):
                yield self.at((*key, old), f"redirect source '{old}' must be a page path inside the site")

    def extensions(self, value: Any) -> Iterator[Problem]:
        for key, name, opts in self.entries(("markdown_extensions",), value):
            if name not in EXTENSIONS:
                yield self.at(
                    key,
                    f"Markdown extension '{name}' is not allowed (extensions read files or run "
                    f"code); allowed: {', '.join(sorted(EXTENSIONS))}",
                )
                continue
            yield from self.options(key, opts, EXTENSIONS[name], f"Markdown extension '{name}'")

    def theme(self, value: Any) -> Iterator[Problem]:
        if isinstance(value, str):
            value = {"name": value}
            key: Key = ("theme",)
            if value["name"] != "material":
                yield self.at(key, "the theme is 'material'", at_key=False)
            return
        if not isinstance(value, dict):
            yield self.at(("theme",), "'theme' must be a mapping", at_key=False)
            return
        if value.get("name") != "material":
            yield self.at(("theme", "name") if "name" in value else ("theme",), "the theme is 'material'", at_key=False)
        custom = value.get("custom_dir")
        if custom is not None and (not isinstance(custom, str) or not inside(self.root, custom)):
            yield self.at(
                ("theme", "custom_dir"), "'theme.custom_dir' must be a folder inside the project", at_key=False
            )

    def extra_css(self, value: Any) -> Iterator[Problem]:
        items = value if isinstance(value, list) else [value]
        for i, item in enumerate(items):
            key: Key = ("extra_css", i) if isinstance(value, list) else ("extra_css",)
            if (
                not isinstance(item, str)
                or _MARKUP.search(item)
                or _SCHEME.match(item)
                or item.startswith(("/", "\\"))
                or ".." in item.replace("\\", "/").split("/")
                or not item.lower().endswith(".css")
            ):
                yield self.at(key, "'extra_css' lists .css files of the docs folder (relative paths)", at_key=False)

    def nav(self, key: Key, value: Any) -> Iterator[Problem]:
        if isinstance(value, list):
            for i, item in enumerate(value):
                yield from self.nav((*key, i), item)
        elif isinstance(value, dict):
            for title, target in value.items():  # titles are made inert by the sanitizer
                yield from self.nav((*key, title), target)
        elif isinstance(value, str) and (
            _MARKUP.search(value)
            or " " in value
            or ((m := _SCHEME.match(value)) and m.group(1).lower() not in ("http", "https"))
        ):
            yield self.at(key, "a nav entry links to a page of the site or an http(s) address", at_key=False)

    def paths(self, key: Key, value: Any) -> Iterator[Problem]:
        items = value if isinstance(value, list) else [value]
        for i, item in enumerate(items):
            k: Key = (*key, i) if isinstance(value, list) else key
            if not isinstance(item, str) or not inside(self.root, item):
                yield self.at(k, f"'{key[0]}' lists folders inside the project", at_key=False)


def inside(root: Path, rel: str) -> bool:
    """True if ``rel`` names a path strictly inside ``root`` (links resolved)."""
    if os.path.isabs(rel) or not rel.strip("/"):
        return False
    real_root = os.path.realpath(root)
    target = os.path.realpath(os.path.join(real_root, rel))
    return target.startswith(real_root.rstrip(os.sep) + os.sep)


_CSS_FETCH = re.compile(
    r"@import|url\(\s*(?!['\"]?[\w.#?-][\w./#?%-]*['\"]?\s*\))|expression\(|javascript:|behavior\s*:", re.I
)


def css_problem(text: str) -> tuple[int, str] | None:
    """The offset and description of CSS that loads or runs something from outside the site, if any.

    ``url()`` may name the site's own files (a relative path); ``@import``, addresses with a scheme,
    ``expression()`` and ``behavior:`` are refused.
    """
    if m := _CSS_FETCH.search(text):
        shown = text[m.start() : m.start() + 60].split(")")[0].split(";")[0].strip()
        return m.start(), f"CSS may load the site's own files only (a relative url()), not '{shown}'"
    return None
