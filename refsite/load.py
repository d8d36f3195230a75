"""Read YAML files safely, remembering the line and column of every value."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import SafeConstructor

from .problems import Problem

Key = tuple[str | int, ...]
Pos = tuple[int, int]

_SCALAR_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
}
_MAX_NODES = 200_000
_MAX_DEPTH = 50


_BaseLoader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_BaseLoader):  # type: ignore[misc, valid-type]
    """Safe loader (libyaml when available) that keeps dates as text: ``2013-04-29`` stays a string."""


_Loader.yaml_implicit_resolvers = {
    ch: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for ch, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@dataclass
class Located:
    """A parsed YAML document and the position of every value and key in it."""

    path: str
    data: Any
    values: dict[Key, Pos] = field(default_factory=dict)
    keys: dict[Key, Pos] = field(default_factory=dict)
    spans: dict[Key, tuple[Pos, Pos]] = field(default_factory=dict)  # scalars: start and end, 0-based
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


def _mark(node: yaml.Node) -> Pos:
    return node.start_mark.line + 1, node.start_mark.column + 1


class _Builder:
    def __init__(self, path: str) -> None:
        self.doc = Located(path, None)
        self.problems: list[Problem] = []
        self.count = 0
        self.constructor = SafeConstructor()
        self.open: set[int] = set()

    def fail(self, node: yaml.Node, message: str) -> None:
        line, col = _mark(node)
        self.problems.append(Problem(self.doc.path, line, col, message))

    def build(self, node: yaml.Node, key: Key) -> Any:
        self.count += 1
        if self.count > _MAX_NODES or len(key) > _MAX_DEPTH:
            raise _TooBig(node)
        if id(node) in self.open:
            raise _TooBig(node)
        if isinstance(node, (yaml.MappingNode, yaml.SequenceNode)):
            self.open.add(id(node))
            try:
                return self._collection(node, key)
            finally:
                self.open.discard(id(node))
        return self._collection(node, key)

    def _collection(self, node: yaml.Node, key: Key) -> Any:
        self.doc.values[key] = _mark(node)
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, key)
        if isinstance(node, yaml.SequenceNode):
            if node.tag != "tag:yaml.org,2002:seq":
                self.fail(node, f"unsupported YAML tag '{node.tag}'")
            return [self.build(item, (*key, i)) for i, item in enumerate(node.value)]
        start, end = node.start_mark, node.end_mark
        self.doc.spans[key] = ((start.line, start.column), (end.line, end.column))
        if node.tag not in _SCALAR_TAGS:
            self.fail(node, f"unsupported YAML tag '{node.tag}'")
            return None
        return self.constructor.construct_object(node, deep=True)

    def _mapping(self, node: yaml.MappingNode, key: Key) -> dict[str, Any]:
        if node.tag != "tag:yaml.org,2002:map":
            self.fail(node, f"unsupported YAML tag '{node.tag}'")
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
            self.doc.keys[(*key, name)] = _mark(knode)
            out[name] = self.build(vnode, (*key, name))
        return out


class _TooBig(Exception):
    def __init__(self, node: yaml.Node) -> None:
        self.node = node


def _decode(path: str, raw: bytes) -> tuple[str | None, list[Problem]]:
    try:
        return raw.decode("utf-8-sig"), []
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        col = exc.start - (before.rfind(b"\n") + 1) + 1
        return None, [Problem(path, line, col, f"file is not valid UTF-8 (byte 0x{raw[exc.start]:02x})")]


def parse_yaml(path: str, raw: bytes) -> tuple[Located | None, list[Problem]]:
    """Parse one YAML file given as bytes; ``path`` is what problems report."""
    text, problems = _decode(path, raw)
    if text is None:
        return None, problems
    if not text.strip() or all(ln.strip().startswith("#") or not ln.strip() for ln in text.splitlines()):
        return None, [Problem(path, 1, 1, "file is empty")]
    try:
        nodes = list(yaml.compose_all(text, Loader=_Loader))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        message = " ".join(str(exc.problem or exc.context or "invalid YAML").split())
        return None, [Problem(path, line, col, f"invalid YAML: {message}")]
    except yaml.YAMLError as exc:
        return None, [Problem(path, 1, 1, f"invalid YAML: {exc}")]
    nodes = [n for n in nodes if n is not None]
    if not nodes:
        return None, [Problem(path, 1, 1, "file is empty")]
    if len(nodes) > 1:
        line, col = _mark(nodes[1])
        return None, [Problem(path, line, col, "a record file holds one YAML document, found more")]
    builder = _Builder(path)
    builder.doc.text = text
    try:
        builder.doc.data = builder.build(nodes[0], ())
    except _TooBig as big:
        builder.fail(big.node, "document is too large, too deeply nested, or refers to itself through an alias")
        return None, builder.problems
    except yaml.YAMLError as exc:
        return None, [Problem(path, 1, 1, f"invalid YAML: {' '.join(str(exc).split())}")]
    if builder.problems:
        return None, builder.problems
    return builder.doc, []


def read_yaml(root: Path, file: Path) -> tuple[Located | None, list[Problem]]:
    """Read and parse ``file``; problems name it relative to ``root``."""
    rel = file.relative_to(root).as_posix()
    try:
        raw = file.read_bytes()
    except OSError as exc:
        return None, [Problem(rel, 1, 1, f"cannot read file: {exc.strerror}")]
    return parse_yaml(rel, raw)
