"""Property-based fuzzing of the loader and validator: random bytes and mutated real records.

Whatever the input, no exception escapes, and every problem prints as exactly one line.
"""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from refsite.bib import decode_checked, parse_bib
from refsite.dataset import load_project, read_front_matter
from refsite.load import parse_document, parse_yaml
from refsite.model import KINDS, PLURAL, Record
from refsite.problems import Problem
from refsite.validate import check_links, check_shape

from conftest import REPO

# The same 200 examples on every run (drawn from a seed fixed by each test's own code), so a run
# passes or fails for its code alone; Hypothesis prints the failing example and how to replay it.
FUZZ = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=True,
    database=None,
    print_blob=True,
)

DATASET, _ = load_project(REPO)
KIND_OF = {PLURAL[k]: k for k in KINDS}
RECORD_FILES = sorted((REPO / "data").glob("*/*.yaml"))
BIB_ENTRIES = [
    "@" + chunk
    for p in sorted((REPO / "bib").glob("*.bib"))
    for chunk in p.read_text(encoding="utf-8").split("\n@")[1:]
]

# Values that YAML reads as something else than the text an editor meant, and hostile text.
ODD_VALUES = [
    "123",
    "0x7DD",
    "33:33",
    "03735",
    "1_000",
    "1e400",
    ".nan",
    "true",
    "no",
    "null",
    "~",
    "[]",
    "{}",
    "[[[[[[",
    "!!int abc",
    "!!bool maybe",
    "!!float x",
    '!!int ""',
    "!!binary aGk=",
    "!ENV X",
    "*nowhere",
    "&a [*a]",
    "'\u202eevil'",
    '"\\x1b[31m"',
    '"a\\nb: c"',
    "'\u200b'",
    "|\n  text",
    "- a\n- b",
    "9" * 5000,
    "<script>x</script>",
    "[x](javascript:alert(1))",
    "{{ 7*7 }}",
    "---",
    "...",
]
NOISE = st.text(alphabet=st.sampled_from([*":-[]{}&*!|>'\"#%@`,?\n\t \\\u202e\u200b\x1b\x00", "a", "0", "é"]))


def one_line(problems: list[Problem]) -> None:
    for p in problems:
        text = str(p)
        assert "\n" not in text and "\r" not in text and "\x1b" not in text, text
        assert text.count(": error: ") + text.count(": warning: ") >= 1, text
        assert p.line >= 1 and p.col >= 1, text


@st.composite
def mutated_record(draw: st.DrawFn) -> tuple[Path, str]:
    """A real record file with a few random edits: characters, lines, and values swapped for odd ones."""
    path = draw(st.sampled_from(RECORD_FILES))
    text = path.read_text(encoding="utf-8")
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["delete", "insert", "line", "value", "swap"]))
        lines = text.split("\n")
        if op == "delete" and text:
            i = draw(st.integers(0, len(text) - 1))
            n = draw(st.integers(1, 20))
            text = text[:i] + text[i + n :]
        elif op == "insert":
            i = draw(st.integers(0, len(text)))
            text = text[:i] + draw(NOISE) + text[i:]
        elif op == "line":
            i = draw(st.integers(0, len(lines) - 1))
            lines[i] = draw(st.sampled_from(["", lines[i] + lines[i], lines[i][::-1], "  " + lines[i]])) + draw(NOISE)
            text = "\n".join(lines)
        elif op == "value":
            candidates = [i for i, ln in enumerate(lines) if ": " in ln]
            if candidates:
                i = draw(st.sampled_from(candidates))
                head = lines[i].split(": ", 1)[0]
                lines[i] = f"{head}: {draw(st.sampled_from(ODD_VALUES))}"
                text = "\n".join(lines)
        elif len(lines) > 1:
            i, j = draw(st.integers(0, len(lines) - 1)), draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
            text = "\n".join(lines)
    return path, text


def validate(path: Path, raw: bytes) -> list[Problem]:
    """Load one record file's bytes and run every record check on it within the real dataset."""
    rel = path.relative_to(REPO).as_posix()
    doc, problems = parse_yaml(rel, raw)
    if doc is None:
        return problems
    kind = KIND_OF[path.parent.name]
    problems = check_shape(doc, kind, path.stem)
    if isinstance(doc.data, dict):
        records = dict(DATASET.records)
        records[path.stem] = Record(kind, path.stem, doc.data, doc)
        problems += check_links(records, DATASET.bib)
    return problems


@FUZZ
@given(st.binary(max_size=2000))
def test_random_bytes_as_a_record(raw: bytes) -> None:
    one_line(validate(REPO / "data/actors/fuzz.yaml", raw))


@FUZZ
@given(mutated_record())
def test_mutated_real_records(case: tuple[Path, str]) -> None:
    path, text = case
    one_line(validate(path, text.encode("utf-8", "surrogatepass")))


@FUZZ
@given(st.lists(st.sampled_from(ODD_VALUES), min_size=1, max_size=6), st.sampled_from(RECORD_FILES))
def test_odd_values_in_every_field(values: list[str], path: Path) -> None:
    lines = path.read_text(encoding="utf-8").split("\n")
    keyed = [i for i, ln in enumerate(lines) if ": " in ln]
    for n, value in enumerate(values):
        i = keyed[n % len(keyed)]
        lines[i] = lines[i].split(": ", 1)[0] + ": " + value
    one_line(validate(path, "\n".join(lines).encode()))


@FUZZ
@given(NOISE, NOISE)
def test_front_matter(head: str, body: str) -> None:
    _, problems = read_front_matter("docs/page.md", f"---\n{head}\n---\n{body}")
    one_line(problems)


@FUZZ
@given(
    st.lists(st.sampled_from([*"\\{}$%&#^_~[]() ", "href", "url", "footnote", "verb|", "a", "é", "\n"])).map("".join)
)
def test_latex_never_raises(value: str) -> None:
    text, _ = decode_checked(value)
    assert isinstance(text, str)


@FUZZ
@given(st.sampled_from(BIB_ENTRIES), st.data())
def test_mutated_bibliography(entry: str, data: st.DataObject) -> None:
    at = data.draw(st.integers(0, len(entry)))
    cut = data.draw(st.integers(0, 40))
    text = entry[:at] + data.draw(NOISE) + entry[at + cut :]
    _, problems = parse_bib("bib/references.bib", text)
    one_line(problems)


@FUZZ
@given(st.text(), st.text())
def test_any_path_and_message_print_as_one_line(path: str, message: str) -> None:
    text = str(Problem(path, 1, 1, message))
    assert len(text.splitlines()) <= 1
    assert not any(ch in text for ch in "\x1b\r\x85\u2028\u2029\u202e\x00")


@FUZZ
@given(NOISE)
def test_random_mkdocs_yml(text: str) -> None:
    doc, problems = parse_document("mkdocs.yml", text, lenient_tags=True, what="mkdocs.yml")
    one_line(problems)
    assert doc is None or problems == []
