"""Read YAML files safely, remembering the line and column of every value.

Nodes are composed from the parser's event stream by a loop, not by recursion, with a depth
limit checked on every opening bracket or indentation level: 50,000 nested ``[`` is one
located error, not a stack overflow. Values are then built under a node budget (alias
bombs), and a value YAML cannot convert (``!!int abc``, a 5,000-digit number) is a located
error too. The original text of every scalar that is not read as a string is kept, so the
validator can tell ``2013`` from ``0x7DD`` or ``33:33``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import SafeConstructor

from .context import MemoSlot
from .files import RECORD_LIMIT, decode_utf8, read_input, rel_path
from .problems import Problem

Key = tuple[str | int, ...]
Pos = tuple[int, int]

_STR = "tag:yaml.org,2002:str"
_SCALAR_TAGS = {
    _STR,
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
}
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"
_MAX_NODES = 200_000
#: Deepest nesting of lists and mappings read from any YAML input.
MAX_DEPTH = 50


_BaseLoader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_BaseLoader):  # type: ignore[misc, valid-type]
    """Safe parser (libyaml when available) that keeps dates as text: ``2013-04-29`` stays a string."""


_Loader.yaml_implicit_resolvers = {
    ch: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for ch, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@dataclass
class Located:
    """A parsed YAML document and the position of every value and key in it.

    ``raw`` holds the source text of every scalar that was not read as a string
    (a number, true/false, null), keyed like ``values``.
    """

    path: str
    data: Any
    values: dict[Key, Pos] = field(default_factory=dict)
    keys: dict[Key, Pos] = field(default_factory=dict)
    raw: dict[Key, str] = field(default_factory=dict)
    spans: dict[Key, tuple[Pos, Pos]] = field(default_factory=dict)  # scalars: start and end in ``text``, 0-based
    text: str = ""

    def pos(self, key: Key) -> Pos:
        """Position of the value at ``key``, else of its nearest located parent."""
        while key not in self.values and key:
            key = key[:-1]
        return self.values.get(key, (1, 1))

    def key_pos(self, key: Key) -> Pos:
        """Position of the mapping key that leads to ``key``."""
        return self.keys.get(key) or self.pos(key)

    def problem(self, key: Key, message: str, *, at_key: bool = False, severity: str = "error") -> Problem:
        line, col = self.key_pos(key) if at_key else self.pos(key)
        return Problem(self.path, line, col, message, severity)


class _Fail(Exception):
    """One located problem that ends the reading of a document."""

    def __init__(self, line: int, col: int, message: str) -> None:
        super().__init__(message)
        self.line, self.col, self.message = line, col, message


def _mark_of(mark: Any, first_line: int) -> Pos:
    return (mark.line + first_line, mark.column + 1) if mark is not None else (first_line, 1)


def _compose(text: str, first_line: int) -> list[yaml.Node | None]:
    """The root node of every document in ``text``, composed without recursion.

    Raises ``_Fail`` for nesting deeper than ``MAX_DEPTH`` and an undefined alias;
    ``yaml.YAMLError`` for syntax errors. An anchor is defined when its node is complete,
    so a node can't contain itself.
    """
    loader = _Loader(text)
    docs: list[yaml.Node | None] = []
    scalar_event, alias_event = yaml.ScalarEvent, yaml.AliasEvent
    seq_start, map_start = yaml.SequenceStartEvent, yaml.MappingStartEvent
    ends = (yaml.SequenceEndEvent, yaml.MappingEndEvent)
    try:
        anchors: dict[str, yaml.Node] = {}
        # the open collections: [node, anchor, pending mapping key, is a sequence]
        stack: list[list[Any]] = []
        root: yaml.Node | None = None
        while (event := loader.get_event()) is not None:
            kind = type(event)
            node: Any
            if kind is scalar_event:
                tag = event.tag
                if tag is None or tag == "!":
                    tag = loader.resolve(yaml.ScalarNode, event.value, event.implicit)
                node = yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark, style=event.style)
                if event.anchor is not None:
                    anchors[event.anchor] = node
            elif kind is seq_start or kind is map_start:
                if len(stack) >= MAX_DEPTH:
                    line, col = _mark_of(event.start_mark, first_line)
                    raise _Fail(line, col, f"nesting is too deep (more than {MAX_DEPTH} levels)")
                seq = kind is seq_start
                node_class = yaml.SequenceNode if seq else yaml.MappingNode
                tag = event.tag
                if tag is None or tag == "!":
                    tag = loader.resolve(node_class, None, event.implicit)
                node = node_class(tag, [], event.start_mark, None, flow_style=event.flow_style)
                stack.append([node, event.anchor, None, seq])
                continue
            elif kind in ends:
                node, anchor, _, _ = stack.pop()
                node.end_mark = event.end_mark
                if anchor is not None:
                    anchors[anchor] = node
            elif kind is alias_event:
                opened = next((item[0] for item in stack if item[1] == event.anchor), None)
                if opened is not None:
                    line, col = _mark_of(opened.start_mark, first_line)
                    raise _Fail(line, col, f"'{event.anchor}' refers to itself through an alias")
                if event.anchor not in anchors:
                    line, col = _mark_of(event.start_mark, first_line)
                    raise _Fail(line, col, f"invalid YAML: found undefined alias '{event.anchor}'")
                node = anchors[event.anchor]
            elif kind is yaml.DocumentStartEvent:
                anchors, root = {}, None
                continue
            elif kind is yaml.DocumentEndEvent:
                docs.append(root)
                continue
            else:  # stream start and end
                continue
            if not stack:
                root = node
                continue
            parent = stack[-1]
            if parent[3]:
                parent[0].value.append(node)
            elif parent[2] is None:
                parent[2] = node
            else:
                parent[0].value.append((parent[2], node))
                parent[2] = None
    finally:
        loader.dispose()
    return docs


class _Builder:
    def __init__(self, path: str, *, lenient_tags: bool = False) -> None:
        self.doc = Located(path, None)
        self.problems: list[Problem] = []
        self.count = 0
        self.constructor = SafeConstructor()
        self.lenient_tags = lenient_tags
        self.first_line = 1

    def mark(self, node: yaml.Node) -> Pos:
        return _mark_of(node.start_mark, self.first_line)

    def fail(self, node: yaml.Node, message: str) -> None:
        line, col = self.mark(node)
        self.problems.append(Problem(self.doc.path, line, col, message))

    def build(self, node: yaml.Node, key: Key) -> Any:
        self.count += 1
        if self.count > _MAX_NODES or len(key) > MAX_DEPTH:
            line, col = self.mark(node)
            raise _Fail(line, col, "document is too large, too deeply nested, or refers to itself through an alias")
        self.doc.values[key] = self.mark(node)
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, key)
        if isinstance(node, yaml.SequenceNode):
            if node.tag != _SEQ and not self.unknown_tag(node):
                return None
            return [self.build(item, (*key, i)) for i, item in enumerate(node.value)]
        start, end = node.start_mark, node.end_mark
        self.doc.spans[key] = ((start.line, start.column), (end.line, end.column))
        if node.tag not in _SCALAR_TAGS:
            self.unknown_tag(node)
            return None
        return self._scalar(node, key)

    def unknown_tag(self, node: yaml.Node) -> bool:
        """Report an unsupported tag (or accept it silently when lenient); True to read on."""
        if self.lenient_tags:
            return False
        self.fail(node, f"unsupported YAML tag '{node.tag}'")
        return True

    def _scalar(self, node: yaml.Node, key: Key) -> Any:
        try:
            value = self.constructor.construct_object(node, deep=True)
        except Exception as exc:
            text = str(node.value)
            kind = node.tag.rsplit(":", 1)[-1]
            if isinstance(exc, ValueError) and "digits" in str(exc):
                digits = sum(ch.isdigit() for ch in text)
                self.fail(node, f"number is too long ({digits} digits); put it in quotes if it is text")
            else:
                shown = text if len(text) <= 40 else text[:40] + "..."
                self.fail(node, f"'{shown}' is not a valid !!{kind} value")
            return None
        if not isinstance(value, str):
            self.doc.raw[key] = str(node.value)
        return value

    def _mapping(self, node: yaml.MappingNode, key: Key) -> dict[str, Any] | None:
        if node.tag != _MAP and not self.unknown_tag(node):
            return None
        out: dict[str, Any] = {}
        for knode, vnode in node.value:
            if not isinstance(knode, yaml.ScalarNode) or knode.tag == "tag:yaml.org,2002:merge":
                self.fail(knode, "mapping keys must be plain names")
                continue
            name = str(knode.value)
            if name in out:
                line, _ = self.doc.keys[(*key, name)]
                self.fail(knode, f"duplicate key '{name}' (first defined on line {line})")
                continue
            self.doc.keys[(*key, name)] = self.mark(knode)
            out[name] = self.build(vnode, (*key, name))
        return out


def parse_document(
    path: str, text: str, *, first_line: int = 1, lenient_tags: bool = False, what: str = "file"
) -> tuple[Located | None, list[Problem]]:
    """Parse YAML ``text`` holding at most one document (None if it holds none).

    ``first_line`` is the line of the file where ``text`` starts (front matter starts on
    line 2); with ``lenient_tags`` an unknown tag (``!ENV``) reads as None instead of an error.
    """
    builder = _Builder(path, lenient_tags=lenient_tags)
    builder.first_line = first_line
    builder.doc.text = text
    try:
        nodes = [n for n in _compose(text, first_line) if n is not None]
        if len(nodes) > 1:
            line, col = builder.mark(nodes[1])
            return None, [Problem(path, line, col, f"a {what} holds one YAML document, found more")]
        if not nodes:
            return None, []
        builder.doc.data = builder.build(nodes[0], ())
    except _Fail as fail:
        return None, [*builder.problems, Problem(path, fail.line, fail.col, fail.message)]
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = _mark_of(mark, first_line)
        message = " ".join(str(exc.problem or exc.context or "invalid YAML").split())
        return None, [Problem(path, line, col, f"invalid YAML: {message}")]
    except yaml.YAMLError as exc:
        return None, [Problem(path, first_line, 1, f"invalid YAML: {' '.join(str(exc).split())}")]
    if builder.problems:
        return None, builder.problems
    return builder.doc, []


_PARSED: MemoSlot[tuple[Located | None, list[Problem]]] = MemoSlot("load.parsed", 20_000)


def parse_yaml(path: str, raw: bytes) -> tuple[Located | None, list[Problem]]:
    """Parse one record file given as bytes; ``path`` is what problems report. A file read before
    with the same bytes is not parsed again (the preview reloads every file on every edit)."""
    return _PARSED.get(lambda: _parse_yaml(path, raw), path, raw)


def _parse_yaml(path: str, raw: bytes) -> tuple[Located | None, list[Problem]]:
    text, problems = decode_utf8(path, raw)
    if text is None:
        return None, problems
    if not text.strip() or all(ln.strip().startswith("#") or not ln.strip() for ln in text.splitlines()):
        return None, [Problem(path, 1, 1, "file is empty")]
    doc, problems = parse_document(path, text, what="record file")
    if doc is None and not problems:
        return None, [Problem(path, 1, 1, "file is empty")]
    return doc, problems


def read_yaml(root: Path, file: Path, limit: int = RECORD_LIMIT) -> tuple[Located | None, list[Problem]]:
    """Read (safely, see :mod:`refsite.files`) and parse ``file``; problems name it relative to ``root``."""
    raw, problems = read_input(root, file, limit)
    if raw is None:
        return None, problems
    return parse_yaml(rel_path(root, file), raw)
