"""CITATION.cff (validated by cffconvert) and .zenodo.json agree with each other and with mkdocs.yml."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
import yaml

from conftest import REPO

CFFCONVERT = REPO / "tests" / "cff" / ".venv" / "bin" / "cffconvert"


def _cffconvert() -> Path:
    if not CFFCONVERT.is_file():
        message = "cffconvert is not installed (see tests/cff/requirements.txt)"
        if os.environ.get("REFSITE_REQUIRE_ALL"):
            pytest.fail(message)
        pytest.skip(message)
    return CFFCONVERT


def _config() -> dict[str, object]:
    data = yaml.load((REPO / "mkdocs.yml").read_text(encoding="utf-8"), Loader=yaml.BaseLoader)
    assert isinstance(data, dict)
    return data


def test_citation_cff_is_valid() -> None:
    cmd = [str(_cffconvert()), "--validate", "-i", str(REPO / "CITATION.cff")]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "valid according to schema version 1.2.0" in proc.stdout


def test_an_invalid_citation_cff_is_refused(tmp_path: Path) -> None:
    broken = tmp_path / "CITATION.cff"
    text = (REPO / "CITATION.cff").read_text(encoding="utf-8")
    text = text.replace("license:\n  - MIT", "license:\n  - Not-A-Licence")
    assert "Not-A-Licence" in text
    broken.write_text(text, encoding="utf-8")
    proc = subprocess.run([str(_cffconvert()), "--validate", "-i", str(broken)], capture_output=True, check=False)
    assert proc.returncode != 0


def test_citation_and_zenodo_agree_with_the_site() -> None:
    cff = yaml.safe_load((REPO / "CITATION.cff").read_text(encoding="utf-8"))
    zenodo = json.loads((REPO / ".zenodo.json").read_text(encoding="utf-8"))
    config = _config()
    work = cff["preferred-citation"]
    assert work["title"] == zenodo["title"] == config["site_name"]
    assert work["url"] == cff["url"] == config["site_url"]
    assert cff["repository-code"] == config["repo_url"]
    editors = config["site_author"]
    assert [a["name"] for a in work["authors"]] == [c["name"] for c in zenodo["creators"]] == [editors]
    assert work["license"] == "CC-BY-4.0" and zenodo["license"] == "cc-by-4.0"
    assert set(cff["license"]) == {"MIT", "CC-BY-4.0"}
    assert zenodo["upload_type"] == "dataset" and zenodo["access_right"] == "open"
    assert "version" not in zenodo  # a release's tag is its version
