"""The one reader of mkdocs.yml in the engine: safe, bounded, with the position of every value.

Check, build, serve, review and the PDF read the site configuration through this module, so
they agree on ``docs_dir``, ``site_url`` and the plugin options. mkdocs.yml is content too (a pull
request can change it): every YAML tag (``!!python/...`` builds objects, ``!ENV`` publishes the
build's environment) and every setting off the allow-list of :mod:`refsite.policy` is a located
problem, and so are a syntax error, nesting deeper than :data:`refsite.load.MAX_DEPTH` and a file
over :data:`refsite.files.CONFIG_LIMIT`. MkDocs reads the file only once it has none.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .files import CONFIG_LIMIT, decode_utf8, read_input
from .load import Key, Located, parse_document
from .policy import config_problems
from .problems import Problem

CONFIG_FILE = "mkdocs.yml"


def load_config_doc(root: Path) -> tuple[Located | None, list[Problem]]:
    """mkdocs.yml with positions; None (and no problem) if the project has none."""
    path = root / CONFIG_FILE
    if not os.path.lexists(path):
        return None, []
    raw, problems = read_input(root, path, CONFIG_LIMIT)
    if raw is None:
        return None, problems
    text, problems = decode_utf8(CONFIG_FILE, raw)
    if text is None:
        return None, problems
    doc, problems = parse_document(CONFIG_FILE, text, what="mkdocs.yml")
    if doc is not None and not isinstance(doc.data, dict):
        return None, [Problem(CONFIG_FILE, 1, 1, "mkdocs.yml must be a mapping of settings")]
    if doc is not None and isinstance(value := doc.data.get("docs_dir"), str) and not _inside(root, value):
        problems = [*problems, doc.problem(("docs_dir",), f"docs_dir '{value}' leads outside the project")]
    if doc is not None:
        problems = [*problems, *config_problems(root, doc)]
    return doc, problems


def _inside(root: Path, rel: str) -> bool:
    target = os.path.realpath(root / rel.strip("/")) if rel.strip("/") else os.path.realpath(root)
    real_root = os.path.realpath(root)
    return target != real_root and target.startswith(real_root.rstrip(os.sep) + os.sep)


def load_config(root: Path) -> tuple[dict[str, Any], list[Problem]]:
    """mkdocs.yml as plain data (empty if missing or unreadable) and its problems."""
    doc, problems = load_config_doc(root)
    return (doc.data if doc is not None else {}), problems


def read_config(root: Path) -> dict[str, Any]:
    """mkdocs.yml as plain data; empty if missing or unreadable (the problems come from :func:`load_config`)."""
    return load_config(root)[0]


def docs_dir(root: Path, config: dict[str, Any] | None = None) -> str:
    """The ``docs_dir`` setting (``docs`` if unset, unreadable, or leading out of the project)."""
    value = (read_config(root) if config is None else config).get("docs_dir")
    if not isinstance(value, str) or not value.strip("/"):
        return "docs"
    rel = value.strip("/")
    return rel if _inside(root, rel) else "docs"


def site_url(config: dict[str, Any]) -> str:
    """``site_url`` ending in a slash (empty if unset or not text)."""
    value = config.get("site_url")
    if not isinstance(value, str) or not value.strip():
        return ""
    return value.strip().rstrip("/") + "/"


SITE_URL_ENV = "REFSITE_SITE_URL"
# Hosts that name no published site: the documentation domains and top-level names reserved by
# RFC 2606 and RFC 6761, and the loopback addresses a preview runs at.
PLACEHOLDER_HOSTS = frozenset({"example.org", "example.com", "example.net", "localhost", "127.0.0.1", "::1"})
PLACEHOLDER_SUFFIXES = (".example", ".invalid", ".test", ".localhost", ".example.org", ".example.com", ".example.net")


def site_url_override(environ: Mapping[str, str] | None = None) -> str | None:
    """The address ``REFSITE_SITE_URL`` gives the site (it overrides ``site_url``), ending in a slash;
    None when the variable is unset or empty."""
    value = (os.environ if environ is None else environ).get(SITE_URL_ENV, "").strip()
    return value.rstrip("/") + "/" if value else None


def is_web_address(url: str) -> bool:
    """True for an absolute ``http(s)`` address with a host."""
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def published_address(url: str | None) -> str:
    """The site's published address ending in a slash, or "" when ``url`` is unset, not an
    ``http(s)`` address, or a placeholder (a reserved example domain or a loopback address): pages
    then name no address of their own."""
    if not url or not is_web_address(url.strip()):
        return ""
    host = urlsplit(url.strip()).hostname or ""
    if host in PLACEHOLDER_HOSTS or host.endswith(PLACEHOLDER_SUFFIXES):
        return ""
    return url.strip().rstrip("/") + "/"


def _plugin_entry(config: dict[str, Any], name: str) -> tuple[Key, Any] | None:
    plugins = config.get("plugins")
    if isinstance(plugins, dict):
        return (("plugins", name), plugins[name]) if name in plugins else None
    if isinstance(plugins, list):
        for i, item in enumerate(plugins):
            if item == name:
                return ("plugins", i), {}
            if isinstance(item, dict) and name in item:
                return ("plugins", i, name), item[name]
    return None


def plugin_options(config: dict[str, Any], name: str) -> dict[str, Any]:
    """The options given to plugin ``name`` (empty if it has none or is not listed)."""
    found = _plugin_entry(config, name)
    return found[1] if found is not None and isinstance(found[1], dict) else {}


def has_plugin(config: dict[str, Any], name: str) -> bool:
    """True if plugin ``name`` is listed in ``plugins``."""
    return _plugin_entry(config, name) is not None


def config_problem(root: Path, key: Key, message: str, severity: str = "error") -> Problem:
    """A problem located at the setting ``key`` of mkdocs.yml (nearest located parent, else line 1).

    ``key`` names mapping keys and list indexes from the top, e.g. ``("site_url",)``; see
    :func:`option_problem` for a plugin's option.
    """
    doc, _ = load_config_doc(root)
    if doc is None:
        return Problem(CONFIG_FILE, 1, 1, message, severity)
    return doc.problem(key, message, at_key=key in doc.keys, severity=severity)


def option_problem(root: Path, plugin: str, option: str, message: str, severity: str = "error") -> Problem:
    """A problem located at ``option`` of plugin ``plugin`` in mkdocs.yml (or at the plugin, or line 1)."""
    config = read_config(root)
    found = _plugin_entry(config, plugin)
    key: Key = (*found[0], option) if found is not None else ("plugins",)
    return config_problem(root, key, message, severity)
