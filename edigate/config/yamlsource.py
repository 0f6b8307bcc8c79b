"""Read a YAML file into a small tree that remembers the line of every key and item.

PyYAML's ``compose`` (safe loader only) gives nodes with marks; we turn them into
`Scalar`, `Seq` and `Map` so the schema layer can say ``file:line`` for every mistake.
Scalars keep both the text as written and the value YAML 1.1 would give it, so a field
declared as a string reads ``004010`` as ``"004010"``, not as the octal number 2056.

Duplicate keys are a problem (with both lines); merge keys (``<<``) are honoured, and
keys written explicitly override merged ones. Syntax errors raise at once: nothing after
them can be trusted. A file above `MAX_BYTES` is refused before it is parsed.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Union

import yaml

from edigate.errors import ConfigError, ConfigProblem

__all__ = ["Document", "Map", "Node", "Scalar", "Seq", "display_name", "load_yaml", "parse_yaml", "to_python"]

_STANDARD_TAGS = {
    f"tag:yaml.org,2002:{name}"
    for name in ("str", "int", "float", "bool", "null", "timestamp", "binary", "map", "seq")
}
_MERGE_TAG = "tag:yaml.org,2002:merge"
MAX_NODES = 100_000
"""Ceiling on nodes after alias expansion, so a file of nested aliases cannot explode."""
MAX_BYTES = 2 << 20
"""Largest configuration file read (2 MiB): a bigger one is refused before it is parsed."""


@dataclass(frozen=True, slots=True)
class Scalar:
    """A leaf: ``text`` as written, ``value`` as YAML 1.1 resolves it (int, bool, None...)."""

    value: object
    text: str
    line: int
    quoted: bool = False


@dataclass(frozen=True, slots=True)
class Seq:
    items: tuple[Node, ...]
    line: int


@dataclass(frozen=True, slots=True)
class Map:
    """A mapping whose keys are scalars; ``entries`` keep the order written."""

    entries: tuple[tuple[Scalar, Node], ...]
    line: int

    def get(self, key: str) -> tuple[Scalar, Node] | None:
        for entry in self.entries:
            if entry[0].text == key:
                return entry
        return None

    def keys(self) -> list[str]:
        return [key.text for key, _ in self.entries]


Node = Union[Scalar, Seq, Map]


@dataclass(frozen=True, slots=True)
class Document:
    """One parsed file: its display name, its tree (``None`` when empty), its problems."""

    file: str
    root: Node | None
    problems: tuple[ConfigProblem, ...] = field(default=())


def display_name(path: Path) -> str:
    """How messages name a file: relative to the current directory when it is below it."""
    try:
        relative = os.path.relpath(path)
    except ValueError:
        return str(path)
    return str(path) if relative.startswith("..") else relative


def load_yaml(path: Path, *, display: str | None = None, max_bytes: int = MAX_BYTES) -> Document:
    """Read and compose ``path``; raise `ConfigError` if it cannot be read or parsed, or
    holds more than ``max_bytes`` (found out before anything is parsed)."""
    name = display or str(path)
    try:
        with open(path, "rb") as fh:
            data = fh.read(max_bytes + 1)
        if len(data) > max_bytes:
            raise ConfigError([ConfigProblem(name, None, "", f"the file is larger than {max_bytes:,} bytes; "
                                             "a configuration file this big is refused unread")])
        text = data.decode("utf-8")
    except OSError as exc:
        raise ConfigError([ConfigProblem(name, None, "", f"cannot read: {exc.strerror}")]) from exc
    except UnicodeDecodeError as exc:
        problem = ConfigProblem(name, None, "", f"not UTF-8 text (byte {exc.start})")
        raise ConfigError([problem]) from exc
    return parse_yaml(text, name)


def parse_yaml(text: str, file: str) -> Document:
    """Compose YAML ``text`` (named ``file`` in messages) into a located tree.

    A text up to `CACHED_CHARS` long is remembered with its name (a `Document` is not
    changed once made): partners are read again on every reload and most have not changed.
    The cache holds at most 256 such texts, so a few MiB whatever is read."""
    return _remembered(text, file) if len(text) <= CACHED_CHARS else _parse(text, file)


CACHED_CHARS = 16_384


@functools.lru_cache(maxsize=256)
def _remembered(text: str, file: str) -> Document:
    return _parse(text, file)


def _parse(text: str, file: str) -> Document:
    slow = "\ufeff" in text or _FAST_LOADER is yaml.SafeLoader  # no second try by the same parser
    composed = None if slow else _fast_compose(text)
    loader, node = composed or _compose(text, file)  # what libyaml refuses, PyYAML reads or reports
    if node is None:
        return Document(file, None)
    converter = _Converter(file, loader)
    root = converter.convert(node, "")
    return Document(file, root, tuple(converter.problems))


_FAST_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's parser, when PyYAML was built with it: a tenth of the pure-Python parser's
CPU, which every command loading partners and maps paid. The same nodes, tags and lines,
except that libyaml drops a byte order mark inside the text: such text goes to PyYAML."""


def _fast_compose(text: str) -> tuple[yaml.SafeLoader, yaml.Node | None] | None:
    """The single document's root node by `_FAST_LOADER`; None when it fails on the text."""
    try:
        loader = _FAST_LOADER(text)
        try:
            return loader, loader.get_single_node()
        finally:
            loader.dispose()
    except Exception:  # whatever libyaml refuses goes to PyYAML's parser
        return None


def _compose(text: str, file: str) -> tuple[yaml.SafeLoader, yaml.Node | None]:
    """The single document's root node by PyYAML's own parser; `ConfigError` when invalid."""
    loader = yaml.SafeLoader(text)
    try:
        return loader, loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        raise ConfigError([_syntax_problem(file, exc)]) from exc
    except yaml.YAMLError as exc:
        raise ConfigError([ConfigProblem(file, None, "", f"invalid YAML: {exc}")]) from exc
    finally:
        loader.dispose()


def _syntax_problem(file: str, exc: yaml.MarkedYAMLError) -> ConfigProblem:
    mark = exc.problem_mark or exc.context_mark
    line = mark.line + 1 if mark else None
    message = f"invalid YAML: {exc.problem or exc.context}"
    if exc.context and exc.context_mark and exc.problem:
        message += f" ({exc.context} on line {exc.context_mark.line + 1})"
    if exc.problem and "'\\t'" in exc.problem:
        message += "; indent with spaces, not tabs"
    return ConfigProblem(file, line, "", message)


class _Converter:
    """Turns PyYAML nodes into `Node`s, collecting problems instead of stopping."""

    def __init__(self, file: str, loader: yaml.SafeLoader) -> None:
        self.file = file
        self.loader = loader
        self.problems: list[ConfigProblem] = []
        self.count = 0
        self.active: set[int] = set()

    def problem(self, line: int, path: str, message: str) -> None:
        self.problems.append(ConfigProblem(self.file, line, path, message))

    def convert(self, node: yaml.Node, path: str) -> Node:
        line = node.start_mark.line + 1
        self.count += 1
        if self.count > MAX_NODES:
            raise ConfigError([ConfigProblem(self.file, line, path, "too many nodes (aliases?)")])
        if id(node) in self.active:
            self.problem(line, path, "an alias refers to itself")
            return Scalar(None, "", line)
        if node.tag not in _STANDARD_TAGS:
            self.problem(line, path, f"unsupported YAML tag {node.tag!r}")
        self.active.add(id(node))
        try:
            if isinstance(node, yaml.MappingNode):
                return self.mapping(node, path)
            if isinstance(node, yaml.SequenceNode):
                items = (self.convert(item, f"{path}[{i}]") for i, item in enumerate(node.value))
                return Seq(tuple(items), line)
            assert isinstance(node, yaml.ScalarNode)
            return self.scalar(node, path)
        finally:
            self.active.discard(id(node))

    def scalar(self, node: yaml.ScalarNode, path: str) -> Scalar:
        line = node.start_mark.line + 1
        text = str(node.value)
        if node.tag not in _STANDARD_TAGS:
            return Scalar(text, text, line)
        try:
            value = self.loader.construct_object(node)
        except (yaml.YAMLError, ValueError):
            value = text  # e.g. 2024-02-30 looks like a date but is not one
        return Scalar(value, text, line, quoted=node.style in ("'", '"'))

    def mapping(self, node: yaml.MappingNode, path: str) -> Map:
        entries: dict[str, tuple[Scalar, Node]] = {}
        merged: set[str] = set()
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG:
                merged |= self.merge(value_node, path, entries)
                continue
            key = self.key(key_node, path)
            if key is None:
                continue
            child = f"{path}.{key.text}" if path else key.text
            first = entries.get(key.text)
            if first is not None and key.text not in merged:
                self.problem(key.line, child, f"duplicate key (first on line {first[0].line})")
            merged.discard(key.text)
            entries[key.text] = (key, self.convert(value_node, child))
        return Map(tuple(entries.values()), node.start_mark.line + 1)

    def key(self, node: yaml.Node, path: str) -> Scalar | None:
        if isinstance(node, yaml.ScalarNode):
            return Scalar(str(node.value), str(node.value), node.start_mark.line + 1)
        self.problem(
            node.start_mark.line + 1, path, "a key must be a plain value, not a list or mapping"
        )
        return None

    def merge(
        self, node: yaml.Node, path: str, entries: dict[str, tuple[Scalar, Node]]
    ) -> set[str]:
        """Apply a ``<<`` merge: earlier sources win, explicit keys later override all."""
        sources = node.value if isinstance(node, yaml.SequenceNode) else [node]
        added: set[str] = set()
        for source in sources:
            converted = self.convert(source, path)
            if not isinstance(converted, Map):
                self.problem(
                    converted.line, path, "<< must refer to a mapping or a list of mappings"
                )
                continue
            for key, value in converted.entries:
                if key.text not in entries:
                    entries[key.text] = (key, value)
                    added.add(key.text)
        return added


def to_python(node: Node | None) -> object:
    """The plain value of a located tree (dicts, lists, scalars), for code that needs no lines."""
    if isinstance(node, Map):
        return {key.text: to_python(value) for key, value in node.entries}
    if isinstance(node, Seq):
        return [to_python(item) for item in node.items]
    return None if node is None else node.value
