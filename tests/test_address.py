"""The site's published address: REFSITE_SITE_URL over site_url, and no placeholder address in pages."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from refsite.config import published_address, site_url_override

from conftest import copy_root

REAL = "https://sample-reference.github.io/sample/"


@pytest.mark.parametrize(
    ("url", "published"),
    [
        ("https://example.org/japan-russia/", ""),
        ("https://www.example.com/x", ""),
        ("http://127.0.0.1:8000/japan-russia/", ""),
        ("http://[::1]:8000/", ""),
        ("https://docs.invalid/", ""),
        ("ftp://reference.org/", ""),
        ("", ""),
        (None, ""),
        ("https://owner.github.io/japan-russia", "https://owner.github.io/japan-russia/"),
        ("https://example.org.evil.net/", "https://example.org.evil.net/"),
    ],
)
def test_published_address(url: str | None, published: str) -> None:
    assert published_address(url) == published


def test_the_environment_overrides_site_url() -> None:
    assert site_url_override({"REFSITE_SITE_URL": " https://o.github.io/r "}) == "https://o.github.io/r/"
    assert site_url_override({"REFSITE_SITE_URL": ""}) is None
    assert site_url_override({}) is None


def build(root: Path, address: str | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "REFSITE_SITE_URL"}
    if address is not None:
        env["REFSITE_SITE_URL"] = address
    return subprocess.run(
        [sys.executable, "-m", "refsite", "build"], cwd=root, env=env, capture_output=True, text=True, check=False
    )


def json_lds(html: str) -> list[dict[str, object]]:
    return [json.loads(t) for t in re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)]


def test_a_configured_address_is_every_pages_address(tmp_path: Path) -> None:
    root = copy_root("basic", tmp_path)
    proc = build(root, REAL.rstrip("/"))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    abe = (root / "site/actors/abe-shinzo/index.html").read_text(encoding="utf-8")
    assert f'<link rel="canonical" href="{REAL}actors/abe-shinzo/">' in abe
    assert f'<meta property="og:url" content="{REAL}actors/abe-shinzo/">' in abe
    assert json_lds(abe)[0]["url"] == f"{REAL}actors/abe-shinzo/"
    assert f"url = {{{REAL}actors/abe-shinzo/}}" in abe
    assert f"{REAL}actors/abe-shinzo/" in abe.split('id="refsite-cite-text">', 1)[1].split("</p>", 1)[0]
    assert "refsite-no-address" not in abe and "example.org" not in abe
    home = json_lds((root / "site/index.html").read_text(encoding="utf-8"))[0]
    assert home["url"] == REAL
    assert home["distribution"][0]["contentUrl"] == f"{REAL}downloads/dataset.json"  # type: ignore[index]


def test_a_placeholder_address_is_written_nowhere(basic_site: Path) -> None:
    for page in ("actors/abe-shinzo/index.html", "index.html", "topics/index.html"):
        html = (basic_site / page).read_text(encoding="utf-8")
        head = html[: html.index("</head>")]
        assert 'rel="canonical"' not in head and "og:url" not in head
        assert all("url" not in ld for ld in json_lds(html)), page
        cite = html[html.index('<details class="refsite-cite-page"') :]
        cite = cite[: cite.index("</details>")]
        assert "example.org" not in cite and "url = {" not in cite
        assert "no published address set" in cite and "[address not set]" in cite


def test_a_bad_address_in_the_environment_is_one_located_error(tmp_path: Path) -> None:
    root = copy_root("basic", tmp_path)
    proc = build(root, "javascript:alert(1)")
    assert proc.returncode != 0
    out = proc.stdout + proc.stderr
    assert "mkdocs.yml:2:1: error: REFSITE_SITE_URL is not an http(s) address: javascript:alert(1)/" in out
    assert "Traceback" not in out
