"""The YAML loader: values keep their positions; unsafe or broken input becomes problems."""

from refsite.load import parse_yaml


def test_positions_of_values_and_keys() -> None:
    doc, problems = parse_yaml("x.yaml", b"id: a\nsources:\n  - key: k\n    locator: p. 1\n")
    assert problems == []
    assert doc is not None
    assert doc.data == {"id": "a", "sources": [{"key": "k", "locator": "p. 1"}]}
    assert doc.pos(("sources", 0, "key")) == (3, 10)
    assert doc.key_pos(("sources", 0, "locator")) == (4, 5)
    assert doc.pos(("missing", "deeper")) == (1, 1)


def test_dates_stay_text() -> None:
    doc, _ = parse_yaml("x.yaml", b"date: 2013-04-29\nyear: 2013\n")
    assert doc is not None
    assert doc.data == {"date": "2013-04-29", "year": 2013}


def test_duplicate_key_is_located() -> None:
    _, problems = parse_yaml("x.yaml", b"id: a\nname: b\nid: c\n")
    assert [str(p) for p in problems] == ["x.yaml:3:1: error: duplicate key 'id' (first defined on line 1)"]


def test_python_tags_build_nothing() -> None:
    _, problems = parse_yaml("x.yaml", b"id: !!python/object/apply:os.system [echo hi]\n")
    assert [str(p) for p in problems] == [
        "x.yaml:1:5: error: unsupported YAML tag 'tag:yaml.org,2002:python/object/apply:os.system'"
    ]


def test_not_utf8() -> None:
    _, problems = parse_yaml("x.yaml", b"id: a\nname: caf\xe9\n")
    assert [str(p) for p in problems] == ["x.yaml:2:10: error: file is not valid UTF-8 (byte 0xe9)"]


def test_empty_and_comment_only() -> None:
    for raw in (b"", b"   \n", b"# just a comment\n"):
        _, problems = parse_yaml("x.yaml", raw)
        assert [str(p) for p in problems] == ["x.yaml:1:1: error: file is empty"]


def test_two_documents() -> None:
    _, problems = parse_yaml("x.yaml", b"id: a\n---\nid: b\n")
    assert [str(p) for p in problems] == ["x.yaml:3:1: error: a record file holds one YAML document, found more"]


def test_alias_bomb_is_refused() -> None:
    lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 9):
        prev = chr(ord("a") + i - 1)
        cur = chr(ord("a") + i)
        lines.append(f"{cur}: &{cur} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]")
    _, problems = parse_yaml("x.yaml", ("\n".join(lines) + "\n").encode())
    assert len(problems) == 1 and "too large" in problems[0].message


def test_deep_nesting_is_located_not_a_crash() -> None:
    _, problems = parse_yaml("x.yaml", b"a: " + b"[" * 50_000)
    assert [str(p) for p in problems] == ["x.yaml:1:53: error: nesting is too deep (more than 50 levels)"]


def test_aliases_to_earlier_anchors_are_shared_values() -> None:
    doc, problems = parse_yaml("x.yaml", b"a: &x [1, {b: 2}]\nc: *x\n")
    assert problems == []
    assert doc is not None
    assert doc.data == {"a": [1, {"b": 2}], "c": [1, {"b": 2}]}


def test_source_text_of_numbers_is_kept() -> None:
    doc, _ = parse_yaml("x.yaml", b"a: 0x7DD\nb: 33:33\nc: '0x7DD'\nd: 2013\n")
    assert doc is not None
    assert doc.data == {"a": 2013, "b": 2013, "c": "0x7DD", "d": 2013}
    assert doc.raw == {("a",): "0x7DD", ("b",): "33:33", ("d",): "2013"}
