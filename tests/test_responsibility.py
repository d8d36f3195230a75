"""Who stands behind the reference: the editorial page, the licences in the footer, the dataset and
the repository."""

from __future__ import annotations

import json
import re
from pathlib import Path

from conftest import REPO, article


def test_the_editorial_page_covers_editors_sources_neutrality_errors_and_corrections(real_site: Path) -> None:
    body = article((real_site / "editorial/index.html").read_text(encoding="utf-8"))
    headings = re.findall(r"<h2[^>]*>(.*?)<a", body)
    assert headings == [
        "Who edits it",
        "Sources",
        "Neutrality",
        "Reporting an error",
        "How corrections are made and recorded",
        "Licence",
    ]
    assert "Report an error" in body and "CC BY 4.0" in body and "MIT" in body
    home = (real_site / "index.html").read_text(encoding="utf-8")
    assert re.search(
        r'<a href="editorial/" class="md-nav__link">\s*<span class="md-ellipsis">\s*Editorial policy', home
    )


def test_the_licences_stand_in_the_footer_the_dataset_and_the_repository(real_site: Path) -> None:
    for page in ("index.html", "places/etorofu-iturup/index.html"):
        html = (real_site / page).read_text(encoding="utf-8")
        footer = html[html.index('<div class="md-copyright__highlight">') :]
        footer = footer[: footer.index("</div>")]
        assert "Text and data: CC BY 4.0" in footer and "code: MIT" in footer
        assert "all rights reserved" not in html.lower()
    data = json.loads((real_site / "downloads/dataset.json").read_text(encoding="utf-8"))
    assert "(CC BY 4.0), https://creativecommons.org/licenses/by/4.0/" in data["licence"]
    assert "MIT" in data["licence"]
    home = (real_site / "index.html").read_text(encoding="utf-8")
    ld = json.loads(re.findall(r'<script type="application/ld\+json">(.*?)</script>', home, re.S)[0])
    assert "https://creativecommons.org/licenses/by/4.0/" in ld["license"]
    assert "\nMIT License\n\nCopyright (c) 2026 The editors" in (REPO / "LICENSE").read_text(encoding="utf-8")
    content = (REPO / "LICENSE-CONTENT").read_text(encoding="utf-8")
    assert "Creative Commons Attribution 4.0 International" in content and "Section 3 – License Conditions." in content
