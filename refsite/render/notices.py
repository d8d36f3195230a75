"""What every page says beside its title: the period its sources cover, a record's as-of date, and
where a reader reports an error; and the title of a record's edit link.

All of it comes from the data and the configuration; the theme prints each value escaped.
"""

from __future__ import annotations

from functools import partial
from urllib.parse import urlencode, urlsplit

from ..dataset import Dataset
from ..model import Record, as_text
from .text import fmt_date

#: the keys of a page's metadata the theme reads (set on every page, over any front matter)
COVERAGE_KEY = "refsite_coverage"
AS_OF_KEY = "refsite_as_of"
REPORT_KEY = "refsite_report"
EDIT_TITLE_KEY = "refsite_edit_title"
NOTICE_KEYS = (COVERAGE_KEY, AS_OF_KEY, REPORT_KEY, EDIT_TITLE_KEY)

# Hosts whose repositories take a new issue prefilled from the address: /issues/new?title=&body=
ISSUE_HOSTS = frozenset({"github.com"})


def coverage_date(ds: Dataset) -> str:
    """The latest date any record's statements hold at (its ``as_of``), else the latest record date; ISO.
    Worked out once per dataset (every page states it)."""
    return ds.derive(("coverage-date",), partial(_coverage_date, ds))


def _coverage_date(ds: Dataset) -> str:
    dates = [as_text(r.get("as_of")) for r in ds.records.values() if r.get("as_of")]
    if not dates:
        dates = [r.date for r in ds.records.values() if r.date]
    return max(dates, default="")


def coverage_text(ds: Dataset) -> str:
    """``Sources cover events to 9 September 2014`` (empty for a project with no dated record)."""
    latest = coverage_date(ds)
    return f"Sources cover events to {fmt_date(latest)}" if latest else ""


def as_of_text(rec: Record) -> str:
    """``This record states what its sources said as of September 2013`` (empty without ``as_of``)."""
    as_of = as_text(rec.get("as_of"))
    return f"This record states what its sources said as of {fmt_date(as_of)}" if as_of else ""


def edit_title(rec: Record) -> str:
    """The title of a record page's edit link: the record's id and file, kept out of the page's text."""
    return f"Edit the record {rec.id} (file {rec.path})"


def report_url(repo_url: str, page_address: str, title: str) -> str:
    """A new issue in the project's repository, prefilled with the page's title and address; empty
    for a repository host that takes no prefilled issue."""
    parts = urlsplit(repo_url)
    path = parts.path.strip("/")
    if parts.scheme != "https" or parts.hostname not in ISSUE_HOSTS or path.count("/") != 1:
        return ""
    body = (
        f"Page: {page_address}\n\n"
        "What is wrong (quote the sentence or the note):\n\n"
        "What the source says instead (work, page or note number):\n"
    )
    query = urlencode({"title": f"Error on “{title}”", "body": body})
    return f"https://{parts.hostname}/{path}/issues/new?{query}"


def page_notices(ds: Dataset, rec: Record | None, *, repo_url: str, page_address: str, title: str) -> dict[str, str]:
    """The metadata the theme shows beside a page's title (see :data:`NOTICE_KEYS`)."""
    return {
        COVERAGE_KEY: coverage_text(ds),
        AS_OF_KEY: as_of_text(rec) if rec is not None else "",
        REPORT_KEY: report_url(repo_url, page_address, title),
        EDIT_TITLE_KEY: edit_title(rec) if rec is not None else "",
    }
