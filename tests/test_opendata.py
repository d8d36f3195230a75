"""Open data: CSV tables per kind and a Frictionless Data Package, validated with frictionless."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
from pathlib import Path

import frictionless
import pytest
import yaml

from refsite.model import KINDS, PLURAL
from refsite.opendata import data_package

from conftest import REPO


def _rows(site: Path, kind: str) -> dict[str, dict[str, str]]:
    text = (site / "downloads" / f"{PLURAL[kind]}.csv").read_text(encoding="utf-8")
    return {row["id"]: row for row in csv.DictReader(io.StringIO(text))}


def test_data_package_validates(basic_site: Path) -> None:
    report = frictionless.validate(str(basic_site / "downloads" / "datapackage.json"))
    assert report.valid, report.flatten(["type", "message"])
    assert [t.name for t in report.tasks] == [*PLURAL.values(), "dataset"]
    package = json.loads((basic_site / "downloads" / "datapackage.json").read_text(encoding="utf-8"))
    assert package["name"] == "sample-reference" and package["version"]
    data = json.loads((basic_site / "downloads" / "dataset.json").read_text(encoding="utf-8"))
    assert package["version"] == data["version"]


def test_one_row_per_record_lists_joined_sources_as_key_locator(basic_site: Path) -> None:
    positions = _rows(basic_site, "position")
    assert set(positions) == {"abe-2013-talks", "abe-2014-talks"}
    row = positions["abe-2014-talks"]
    assert row["sources"] == "pajon2013:p. 17; pajon2013:p. 17, n. 50"
    assert row["actor"] == "abe-shinzo" and row["supersedes"] == "abe-2013-talks" and row["date"] == "2014-05"
    assert row["url"] == "positions/abe-2014-talks/"
    place = _rows(basic_site, "place")["etorofu-iturup"]
    assert "択捉島 (ja" in place["names"] and "\n" in place["names"]  # one name per line
    data = json.loads((basic_site / "downloads" / "dataset.json").read_text(encoding="utf-8"))
    counts = {k: sum(r["kind"] == k for r in data["records"]) for k in KINDS}
    assert {k: len(_rows(basic_site, k)) for k in KINDS} == counts


def test_validation_catches_a_broken_reference(basic_site: Path, tmp_path: Path) -> None:
    """The package's foreign keys are checked: a position naming an unknown actor fails."""
    copy = tmp_path / "downloads"
    shutil.copytree(basic_site / "downloads", copy)
    table = copy / "positions.csv"
    table.write_text(table.read_text(encoding="utf-8").replace(",abe-shinzo,", ",nobody,"), encoding="utf-8")
    report = frictionless.validate(str(copy / "datapackage.json"))
    assert not report.valid
    assert {e[0] for e in report.flatten(["type"])} == {"foreign-key"}


def test_licence_is_named_by_spdx_id() -> None:
    package = data_package("Japan–Russia Reference", "A reference.", "https://example.org/", "2026.12", "CC-BY-4.0")
    assert package["licenses"] == [
        {
            "name": "CC-BY-4.0",
            "title": "Creative Commons Attribution 4.0 International",
            "path": "https://creativecommons.org/licenses/by/4.0/",
        }
    ]
    assert "licenses" not in data_package("x", "", "", "1", "")
    assert frictionless.Package.validate_descriptor(package).valid


def test_reference_names_its_data_licence() -> None:
    config = yaml.load((REPO / "mkdocs.yml").read_text(encoding="utf-8"), Loader=yaml.BaseLoader)
    options = next(p["refsite"] for p in config["plugins"] if isinstance(p, dict) and "refsite" in p)
    assert options["data_licence"] == "CC-BY-4.0"


@pytest.mark.parametrize("kind", KINDS)
def test_columns_follow_the_record_fields(basic_site: Path, kind: str) -> None:
    header = (basic_site / "downloads" / f"{PLURAL[kind]}.csv").read_bytes().decode().split("\r\n", 1)[0]
    package = json.loads((basic_site / "downloads" / "datapackage.json").read_text(encoding="utf-8"))
    resource = next(r for r in package["resources"] if r["name"] == PLURAL[kind])
    assert header.split(",") == [f["name"] for f in resource["schema"]["fields"]]
    assert re.fullmatch(r"id,(name|title),summary,sources,.*,url", header)
