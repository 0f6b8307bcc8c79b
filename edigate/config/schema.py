"""Validate a located YAML tree against frozen dataclasses, collecting every problem.

The dataclass *is* the schema: each field's annotation says what YAML may hold there, and
`setting` adds what an annotation cannot (allowed pattern, range, key rules, a check).
Supported annotations::

    str  int  float  bool  Literal["a", "b"]  X | None  tuple[X, ...]  Mapping[str, X]
    a nested dataclass   a union of dataclasses told apart by their ``type: Literal[...]``
    SecretRef (env:NAME / file:PATH only)   Node (the located YAML kept as is, for later)

A field without a default is required; a YAML ``null`` means "use the default". Unknown
keys are reported with a "did you mean". After an object's fields are all valid, its
optional ``config_problems()`` method may yield ``(key, message)`` pairs for rules that
span several fields; ``key`` may be dotted (``"delimiters.repetition"``) or ``""``.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
import types
import typing
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Generic, Literal, TypeVar

from edigate.config.secrets import SecretRef, parse_secret_ref
from edigate.config.yamlsource import Document, Map, Node, Scalar, Seq
from edigate.errors import ConfigError, ConfigProblem

__all__ = ["Built", "build", "did_you_mean", "setting"]

T = TypeVar("T")
_MISSING: Any = dataclasses.MISSING
_INVALID: Any = object()
_NODE_NAMES: dict[Any, str] = {Map: "a mapping", Seq: "a list", Scalar: "a single value"}
_NODE_TYPES = set(_NODE_NAMES)


def setting(
    default: Any = _MISSING,
    *,
    pattern: str | None = None,
    hint: str | None = None,
    minimum: float | None = None,
    maximum: float | None = None,
    keys: str | tuple[str, ...] | None = None,
    one_or_many: bool = False,
    check: Callable[[Any], str | None] | None = None,
    factory: Callable[[], Any] | None = None,
    internal: bool = False,
) -> Any:
    """A dataclass field with validation rules.

    ``pattern`` (with ``hint``, the plain-words description used in messages) constrains a
    string; ``minimum``/``maximum`` a number; ``keys`` the keys of a Mapping (a pattern or a
    tuple of allowed keys); ``one_or_many`` lets a list be written as a single value;
    ``check`` returns a message when a value is wrong; ``factory`` makes the default;
    ``internal`` fields are not read from YAML (nor compared or shown in reprs). A dataclass
    given as ``default`` is built fresh for each instance.
    """
    meta = {
        "pattern": re.compile(pattern) if pattern else None,
        "hint": hint or (f"a value matching {pattern}" if pattern else None),
        "minimum": minimum,
        "maximum": maximum,
        "keys": keys,
        "one_or_many": one_or_many,
        "check": check,
        "internal": internal,
    }
    if dataclasses.is_dataclass(default) and isinstance(default, type):
        factory = default
    shown = not internal
    if factory is not None:
        return dataclasses.field(default_factory=factory, metadata=meta, compare=shown, repr=shown)
    return dataclasses.field(default=default, metadata=meta, compare=shown, repr=shown)


@dataclass(frozen=True, slots=True)
class Built(Generic[T]):
    """A validated value and the line of every path in it (``"channels.inbound.port"``)."""

    value: T
    lines: Mapping[str, int]

    def line_of(self, path: str) -> int | None:
        return _nearest_line(self.lines, path)


def build(
    cls: type[T], document: Document, *, base: Path, extra: Mapping[str, Any] | None = None
) -> Built[T]:
    """Validate ``document`` as ``cls``; raise `ConfigError` with every problem found.

    ``base`` is the directory that relative ``file:`` secrets resolve against; ``extra``
    supplies the top-level ``internal`` fields.
    """
    ctx = _Context(document.file, base, list(document.problems), {"": 1})
    root = document.root if document.root is not None else Map((), 1)
    value = ctx.build_object(cls, root, "", 1, extra or {})
    if ctx.problems:
        ordered = sorted(ctx.problems, key=lambda p: p.line or 0)
        raise ConfigError(ordered)
    return Built(value, types.MappingProxyType(ctx.lines))


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` when a choice is close to ``word``, else ``""``."""
    options = list(choices)
    folded = [c for c in options if c.lower() == word.lower()]
    close = folded or difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


@dataclass(frozen=True, slots=True)
class _Field:
    name: str
    tp: Any
    field: dataclasses.Field[Any]

    @property
    def meta(self) -> Mapping[str, Any]:
        return self.field.metadata

    @property
    def required(self) -> bool:
        no_factory = self.field.default_factory is dataclasses.MISSING
        return self.field.default is dataclasses.MISSING and no_factory

    def default(self) -> Any:
        if self.field.default_factory is not dataclasses.MISSING:
            return self.field.default_factory()
        return self.field.default


@cache
def _fields(cls: type) -> tuple[_Field, ...]:
    hints = typing.get_type_hints(cls)
    return tuple(_Field(f.name, hints[f.name], f) for f in dataclasses.fields(cls))


def _tag(cls: type) -> Any:
    """The annotation of a tagged union member's ``type`` field (from the cached hints: resolving
    them again was a third of loading a partner file)."""
    return next(f.tp for f in _fields(cls) if f.name == "type")


def _is_optional(tp: Any) -> bool:
    return _is_union(tp) and type(None) in typing.get_args(tp)


def _is_union(tp: Any) -> bool:
    return typing.get_origin(tp) in (typing.Union, types.UnionType)


def _got(node: Node) -> str:
    if isinstance(node, Map):
        return "a mapping"
    if isinstance(node, Seq):
        return "a list"
    return "nothing" if node.value is None else repr(node.text)


def _is_null(node: Node | None) -> bool:
    return node is None or (isinstance(node, Scalar) and node.value is None and not node.quoted)


def _nearest_line(lines: Mapping[str, int], path: str) -> int | None:
    while path and path not in lines:
        path = path[: max(path.rfind("."), path.rfind("["), 0)]
    return lines.get(path)


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path and key else path or key


_TYPE_NAMES: dict[Any, str] = {
    str: "a string",
    int: "an integer",
    float: "a number",
    bool: "true or false",
}


@dataclass
class _Context:
    file: str
    base: Path
    problems: list[ConfigProblem]
    lines: dict[str, int]

    def problem(self, line: int | None, path: str, message: str) -> Any:
        self.problems.append(ConfigProblem(self.file, line, path, message))
        return _INVALID

    # -- objects --------------------------------------------------------------------

    def build_object(
        self, cls: type, node: Node, path: str, line: int, extra: Mapping[str, Any]
    ) -> Any:
        if not isinstance(node, Map):
            return self.problem(line, path, f"expected a mapping, got {_got(node)}")
        fields = _fields(cls)
        names = [f.name for f in fields if not f.meta.get("internal")]
        before = len(self.problems)
        for key, _ in node.entries:
            if key.text not in names:
                hint = did_you_mean(key.text, names)
                self.problem(key.line, _join(path, key.text), f"unknown key{hint}")
        kwargs = {f.name: self.build_field(f, node, path, line) for f in fields if f.name in names}
        if len(self.problems) > before or _INVALID in kwargs.values():
            return _INVALID
        return self.construct(cls, {**kwargs, **extra}, path, line)

    def build_field(self, f: _Field, node: Map, path: str, line: int) -> Any:
        child = _join(path, f.name)
        entry = node.get(f.name)
        value = entry[1] if entry else None
        if entry:
            self.lines[child] = entry[0].line
        if _is_null(value):
            if entry and _is_optional(f.tp):
                return None
            if not f.required:
                return f.default()
            if entry:
                return self.problem(entry[0].line, child, "a value is required")
            return self.problem(line, path, f"missing required key {f.name!r}")
        assert value is not None and entry is not None
        where = value.line if isinstance(value, Scalar) else entry[0].line
        return self.build_value(f.tp, value, child, where, f.meta)

    def construct(self, cls: type, kwargs: dict[str, Any], path: str, line: int) -> Any:
        try:
            obj = cls(**kwargs)
        except ValueError as exc:  # a class's own __post_init__ refusing the values
            return self.problem(line, path, str(exc))
        checker = getattr(obj, "config_problems", None)
        failed = False
        for key, message in checker() if checker else ():
            where = _join(path, key)
            self.problem(_nearest_line(self.lines, where) or line, where, message)
            failed = True
        return _INVALID if failed else obj

    # -- values ---------------------------------------------------------------------

    def build_value(
        self, tp: Any, node: Node, path: str, line: int, meta: Mapping[str, Any]
    ) -> Any:
        self.lines.setdefault(path, line)
        value = self.dispatch(tp, node, path, line, meta)
        check = meta.get("check")
        if value is not _INVALID and check is not None:
            message = check(value)
            if message:
                return self.problem(line, path, message)
        return value

    def dispatch(self, tp: Any, node: Node, path: str, line: int, meta: Mapping[str, Any]) -> Any:
        origin = typing.get_origin(tp)
        if _is_union(tp):
            return self.union(tp, node, path, line, meta)
        if tp in _NODE_TYPES:
            return self.union(tp | None, node, path, line, meta)
        if origin is Literal:
            return self.choice(typing.get_args(tp), node, path, line)
        if origin is tuple:
            return self.sequence(typing.get_args(tp)[0], node, path, line, meta)
        if origin in (Mapping, dict):
            return self.mapping(typing.get_args(tp)[1], node, path, line, meta)
        if tp is SecretRef:
            return self.secret(node, path, line)
        if isinstance(tp, type) and dataclasses.is_dataclass(tp):
            return self.build_object(tp, node, path, line, {})
        return self.scalar(tp, node, path, line, meta)

    def union(self, tp: Any, node: Node, path: str, line: int, meta: Mapping[str, Any]) -> Any:
        options = [a for a in typing.get_args(tp) if a is not type(None)]
        if set(options) <= _NODE_TYPES:
            if isinstance(node, tuple(options)):
                return node
            wanted = " or ".join(_NODE_NAMES[o] for o in options)
            return self.problem(line, path, f"expected {wanted}, got {_got(node)}")
        if len(options) == 1:
            return self.dispatch(options[0], node, path, line, meta)
        return self.tagged(options, node, path, line)

    def tagged(self, options: list[type], node: Node, path: str, line: int) -> Any:
        """A union of dataclasses chosen by the mapping's ``type`` key."""
        by_type = {typing.get_args(_tag(c))[0]: c for c in options}
        if not isinstance(node, Map):
            return self.problem(line, path, f"expected a mapping, got {_got(node)}")
        entry = node.get("type")
        if entry is None or _is_null(entry[1]):
            return self.problem(
                line, path, f"missing required key 'type' (one of: {', '.join(by_type)})"
            )
        if self.choice(tuple(by_type), entry[1], _join(path, "type"), entry[0].line) is _INVALID:
            return _INVALID
        assert isinstance(entry[1], Scalar)
        return self.build_object(by_type[entry[1].text], node, path, line, {})

    def choice(self, choices: tuple[str, ...], node: Node, path: str, line: int) -> Any:
        if isinstance(node, Scalar) and node.text in choices:
            return node.text
        hint = did_you_mean(node.text, choices) if isinstance(node, Scalar) else ""
        return self.problem(
            line, path, f"expected one of: {', '.join(choices)}; got {_got(node)}{hint}"
        )

    def sequence(self, item: Any, node: Node, path: str, line: int, meta: Mapping[str, Any]) -> Any:
        if isinstance(node, Scalar) and meta.get("one_or_many"):
            node = Seq((node,), node.line)
        if not isinstance(node, Seq):
            return self.problem(line, path, f"expected a list, got {_got(node)}")
        inner = _item_meta(meta)
        values = [
            self.build_value(item, child, f"{path}[{i}]", child.line, inner)
            for i, child in enumerate(node.items)
        ]
        return _INVALID if _INVALID in values else tuple(values)

    def mapping(self, item: Any, node: Node, path: str, line: int, meta: Mapping[str, Any]) -> Any:
        if not isinstance(node, Map):
            return self.problem(line, path, f"expected a mapping, got {_got(node)}")
        result: dict[str, Any] = {}
        for key, child in node.entries:
            where = _join(path, key.text)
            self.lines[where] = key.line
            if not self.check_key(key, meta.get("keys"), where):
                result[key.text] = _INVALID
                continue
            child_line = child.line if isinstance(child, Scalar) else key.line
            result[key.text] = self.build_value(item, child, where, child_line, _item_meta(meta))
        return _INVALID if _INVALID in result.values() else types.MappingProxyType(result)

    def check_key(self, key: Scalar, rule: str | tuple[str, ...] | None, path: str) -> bool:
        if rule is None:
            return True
        if isinstance(rule, tuple):
            if key.text in rule:
                return True
            hint = did_you_mean(key.text, rule)
            self.problem(key.line, path, f"unknown key{hint}; expected one of: {', '.join(rule)}")
            return False
        if re.fullmatch(rule, key.text):
            return True
        self.problem(key.line, path, f"key {key.text!r} does not match {rule}")
        return False

    def secret(self, node: Node, path: str, line: int) -> Any:
        if not isinstance(node, Scalar):
            return self.problem(line, path, f"expected env:NAME or file:PATH, got {_got(node)}")
        parsed = parse_secret_ref(node.text)
        if isinstance(parsed, str):
            return self.problem(line, path, parsed)
        return SecretRef(parsed[0], parsed[1], self.file, line, path, self.base)

    def scalar(self, tp: Any, node: Node, path: str, line: int, meta: Mapping[str, Any]) -> Any:
        name = _TYPE_NAMES.get(tp)
        if name is None:
            raise TypeError(f"schema: unsupported annotation {tp!r} at {path}")
        if not isinstance(node, Scalar):
            return self.problem(line, path, f"expected {name}, got {_got(node)}")
        value = self.convert(tp, node)
        if value is _INVALID:
            return self.problem(line, path, f"expected {name}, got {_got(node)}")
        message = _constraint_problem(value, meta, name)
        return self.problem(line, path, message) if message else value

    @staticmethod
    def convert(tp: Any, node: Scalar) -> Any:
        value = node.value
        if tp is str:
            return node.text
        if tp is bool:
            return value if isinstance(value, bool) else _INVALID
        if isinstance(value, bool) or not isinstance(value, int | float):
            return _INVALID
        if tp is int:
            return value if isinstance(value, int) else _INVALID
        return float(value)


def _item_meta(meta: Mapping[str, Any]) -> Mapping[str, Any]:
    """The rules that apply to each item of a list or mapping (pattern, range)."""
    return {k: v for k, v in meta.items() if k not in ("check", "one_or_many", "keys")}


def _constraint_problem(value: Any, meta: Mapping[str, Any], name: str) -> str | None:
    pattern = meta.get("pattern")
    if pattern is not None and not pattern.fullmatch(value):
        return f"expected {meta['hint']}, got {value!r}"
    low, high = meta.get("minimum"), meta.get("maximum")
    if low is not None and value < low:
        bound = f"from {low} to {high}" if high is not None else f"of at least {low}"
        return f"expected {name} {bound}, got {value}"
    if high is not None and value > high:
        bound = f"from {low} to {high}" if low is not None else f"of at most {high}"
        return f"expected {name} {bound}, got {value}"
    return None
