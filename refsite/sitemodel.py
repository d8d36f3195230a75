"""The site as finished pages: the engine's page model, with no host type in it.

A host (MkDocs today) fills a :class:`SiteModel` while it builds: every page with its address,
title and finished body (notes formatted and in place, the allow-list applied), the site's static
and generated files, its navigation and its redirects. What reads it (the export tree, the print
edition, the review) needs neither MkDocs nor its plugin to be installed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class SitePage:
    """One finished page.

    ``url`` is the address relative to the site's root (``""`` for the home page,
    ``actors/abe-shinzo/`` for a record); ``src`` the page's source path under docs/ (a generated
    page's is the one it would have); ``body`` is the finished HTML of the page's content, whose
    relative links are relative to ``url``; ``notices`` what is shown beside its title (the period
    its sources cover, a record's as-of date, the address of an error report: see
    :mod:`refsite.render.notices`); ``head`` what goes at the end of its ``<head>`` (OpenGraph
    tags and schema.org JSON-LD).
    """

    src: str
    url: str
    title: str
    description: str
    body: str
    homepage: bool = False
    in_nav: bool = True
    notices: Mapping[str, str] = field(default_factory=dict)
    head: str = ""


@dataclass(frozen=True)
class PrintPage:
    """One page of the site as the engine finished it: its address, title and body HTML (notes,
    bibliography and page furniture included; no theme around it)."""

    url: str
    title: str
    body: str


@dataclass(frozen=True)
class NavItem:
    """An entry of the navigation: a page (its ``url``), an outside link (``link``) or a section."""

    title: str
    url: str | None = None
    link: str | None = None
    children: tuple[NavItem, ...] = ()


@dataclass
class SiteModel:
    """Every page, file, navigation entry and redirect of one build, and the site's settings.

    ``settings`` holds the site-wide values a builder of the same pages needs (name, address,
    description, author, copyright, repository, theme language, features and palette, extra CSS
    and scripts); ``files`` the bytes of every file that is not a page (stylesheets, scripts,
    images, downloads), by path; ``redirects`` old page sources to new ones.
    """

    settings: dict[str, Any] = field(default_factory=dict)
    pages: dict[str, SitePage] = field(default_factory=dict)
    files: dict[str, bytes] = field(default_factory=dict)
    nav: list[NavItem] = field(default_factory=list)
    redirects: dict[str, str] = field(default_factory=dict)
    directory_urls: bool = True

    def add(self, page: SitePage) -> None:
        """Record a finished page (a page finished again, as in the preview, replaces the first)."""
        self.pages[page.url] = page

    def in_reading_order(self) -> list[SitePage]:
        """The pages in the navigation's order, then the others by address."""
        order: list[str] = []
        stack = list(reversed(self.nav))
        while stack:
            item = stack.pop()
            if item.url is not None and item.url in self.pages and item.url not in order:
                order.append(item.url)
            stack.extend(reversed(item.children))
        rest = sorted(u for u in self.pages if u not in order)
        return [self.pages[u] for u in order + rest]


__all__ = ["NavItem", "PrintPage", "SiteModel", "SitePage"]
