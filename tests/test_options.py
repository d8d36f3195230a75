"""The plugin's options are defined once: the plugin's configuration, the allow-list, the checks
and the README's table all come from :data:`refsite.options.OPTIONS`."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from refsite.mkdocs_host.plugin import RefsiteConfig
from refsite.options import OPTIONS, Options, option_error, readme_table
from refsite.policy import PLUGINS
from refsite.render.text import DATE_FORMATS

from conftest import REPO, copy_root, run_cli


def test_options_class_and_list_agree() -> None:
    assert [f.name for f in dataclasses.fields(Options)] == [o.name for o in OPTIONS]
    assert all(getattr(Options(), o.name) == o.default for o in OPTIONS)
    date_format = next(o for o in OPTIONS if o.name == "date_format")
    assert set(date_format.choices or ()) == set(DATE_FORMATS)


def test_plugin_config_and_allow_list_come_from_the_list() -> None:
    assert [name for name, _ in RefsiteConfig._schema] == [o.name for o in OPTIONS]  # type: ignore[attr-defined]
    assert PLUGINS["refsite"] == frozenset(o.name for o in OPTIONS)
    config = RefsiteConfig()  # type: ignore[operator]
    config.load_dict({})
    errors, _ = config.validate()
    assert not errors
    assert Options.from_values(dict(config)) == Options()


def test_readme_table_is_the_list() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert readme_table() in readme
    names = re.findall(r"^\| `(\w+)` \|", readme_table(), re.M)
    assert names == [o.name for o in OPTIONS]


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("cite_page", "yes", "option 'cite_page' must be true or false"),
        ("date_format", "short", "option 'date_format' must be one of: long, us, iso; not 'short'"),
        ("lang", True, "option 'lang' must be text"),
        ("style", None, None),
        ("lang", None, "option 'lang' needs a value"),
    ],
)
def test_option_error(name: str, value: object, message: str | None) -> None:
    option = next(o for o in OPTIONS if o.name == name)
    assert option_error(option, value) == message


def test_a_wrong_option_is_located_in_check(tmp_path: Path) -> None:
    root = copy_root("basic", tmp_path)
    config = root / "mkdocs.yml"
    text = config.read_text(encoding="utf-8")
    assert "  - refsite" in text
    lines = text.splitlines()
    at = next(i for i, line in enumerate(lines) if line.strip().startswith("- refsite"))
    indent = lines[at].index("-") + 4
    lines[at] = lines[at].rstrip(":") + ":"
    lines.insert(at + 1, " " * indent + "date_format: short")
    lines.insert(at + 2, " " * indent + "cite_page: maybe")
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    proc = run_cli("check", cwd=root)
    assert proc.returncode == 1
    out = proc.stdout.splitlines()
    assert (
        f"mkdocs.yml:{at + 2}:{indent + 14}: error: option 'date_format' must be one of: long, us, iso; not 'short'"
        in out
    )
    assert f"mkdocs.yml:{at + 3}:{indent + 12}: error: option 'cite_page' must be true or false" in out
    assert "Traceback" not in proc.stdout + proc.stderr
    build = run_cli("build", cwd=root)
    assert build.returncode == 1 and "option 'date_format'" in build.stdout
