"""The ``refsite`` plugin's options, defined once.

Everything that reads an option goes through :data:`OPTIONS` and :class:`Options`: the MkDocs
plugin's configuration is made from them (:mod:`refsite.mkdocs_host.plugin`), so is the allow-list of
mkdocs.yml (:mod:`refsite.policy`, which also reports a value of the wrong type at its line), the
check's and the print edition's reading of mkdocs.yml, and the README's table of options (a test
holds the table to this list).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

DATE_FORMAT_NAMES = ("long", "us", "iso")

LICENCES = {  # SPDX id: (title, address) of the licences a data package may name
    "CC-BY-4.0": ("Creative Commons Attribution 4.0 International", "https://creativecommons.org/licenses/by/4.0/"),
    "CC-BY-SA-4.0": (
        "Creative Commons Attribution-ShareAlike 4.0 International",
        "https://creativecommons.org/licenses/by-sa/4.0/",
    ),
    "CC0-1.0": ("Creative Commons Zero 1.0 Universal", "https://creativecommons.org/publicdomain/zero/1.0/"),
    "ODbL-1.0": ("Open Data Commons Open Database License 1.0", "https://opendatacommons.org/licenses/odbl/1-0/"),
}


@dataclass(frozen=True)
class Option:
    """One option: its name, its type (``str`` or ``bool``), its default (None: unset), the values it
    may take (None: any of its type) and what it does, as the README says it."""

    name: str
    kind: type
    default: Any
    doc: str
    choices: tuple[str, ...] | None = None


OPTIONS: tuple[Option, ...] = (
    Option(
        "style",
        str,
        None,
        "the citation style: a `.csl` file in the project, or the name of a style shipped with refsite "
        "(`chicago-fullnote-bibliography`, `apa`); unset, Chicago notes and bibliography",
    ),
    Option("lang", str, "en-US", "the locale of the notes and the bibliography (a CSL locale such as `en-GB`)"),
    Option(
        "edit_root",
        str,
        None,
        "the address under which a record's data file is edited; unset, it is made from `repo_url` and `edit_uri`",
    ),
    Option("bibliography_page", str, "bibliography.md", "the page that lists every work cited"),
    Option("cite_page", bool, True, 'a "Cite this page" box on every page'),
    Option(
        "require_claim_citations",
        bool,
        False,
        "a summary paragraph without an inline citation is a warning (an error in strict builds)",
    ),
    Option(
        "version",
        str,
        None,
        "the version printed in citations, the PDF and `downloads/dataset.json`; unset, the git commit",
    ),
    Option(
        "date_format",
        str,
        "long",
        "how pages and tables write dates: `long` (29 April 2013), `us` (April 29, 2013) or `iso`; "
        "notes follow the citation style",
        DATE_FORMAT_NAMES,
    ),
    Option("licence", str, "", "the licence statement printed in `downloads/dataset.json` and the page metadata"),
    Option(
        "data_licence",
        str,
        "",
        "the data's licence as an SPDX id, named in `downloads/datapackage.json`: "
        + ", ".join(f"`{k}`" for k in LICENCES),
        ("", *LICENCES),
    ),
)
"""Every option of the ``refsite`` plugin, in the README's order."""

BY_NAME: Mapping[str, Option] = {o.name: o for o in OPTIONS}


@dataclass(frozen=True)
class Options:
    """The options of one build, as values (each field is the option of the same name)."""

    style: str | None = None
    lang: str = "en-US"
    edit_root: str | None = None
    bibliography_page: str = "bibliography.md"
    cite_page: bool = True
    require_claim_citations: bool = False
    version: str | None = None
    date_format: str = "long"
    licence: str = ""
    data_licence: str = ""

    @classmethod
    def from_values(cls, values: Mapping[str, Any]) -> Options:
        """The options given in ``values`` (the plugin's entry of mkdocs.yml, or MkDocs' parsed
        configuration); a value missing, of the wrong type or not among the choices is the default
        (:func:`option_errors` reports it)."""
        given = {}
        for option in OPTIONS:
            value = values.get(option.name)
            if value is not None and option_error(option, value) is None:
                given[option.name] = value
        return cls(**given)


def option_error(option: Option, value: Any) -> str | None:
    """What is wrong with ``value`` for ``option``, or None."""
    if value is None:
        return None if option.default is None else f"option '{option.name}' needs a value"
    if not isinstance(value, option.kind) or (option.kind is str and isinstance(value, bool)):
        return f"option '{option.name}' must be {'true or false' if option.kind is bool else 'text'}"
    if option.choices is not None and value not in option.choices:
        return f"option '{option.name}' must be one of: {', '.join(option.choices)}; not '{value}'"
    return None


def option_errors(values: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    """(option name, message) for every known option in ``values`` whose value is wrong."""
    for name, value in values.items():
        option = BY_NAME.get(str(name))
        if option is not None and (message := option_error(option, value)) is not None:
            yield option.name, message


def readme_table() -> str:
    """The README's table of options, made from :data:`OPTIONS`."""
    rows = ["| option | default | what it sets |", "| --- | --- | --- |"]
    for o in OPTIONS:
        default = "unset" if o.default is None else (str(o.default).lower() if o.kind is bool else repr(o.default))
        default = "`''`" if o.default == "" else (f"`{default.strip(chr(39))}`" if default != "unset" else default)
        rows.append(f"| `{o.name}` | {default} | {o.doc} |")
    return "\n".join(rows)


__all__ = [
    "BY_NAME",
    "DATE_FORMAT_NAMES",
    "OPTIONS",
    "Option",
    "Options",
    "option_error",
    "option_errors",
    "readme_table",
]
