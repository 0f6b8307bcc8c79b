"""The codec's writers: a record to `to_json`'s dict, or straight to `dumps`'s text.

Each record type's writer is generated once from its annotations as straight-line code
(`compile_code`), which the readers in `edigate.model.codec` use too.
"""

from __future__ import annotations

import dataclasses
import json
import typing
from collections.abc import Callable
from datetime import date, time
from decimal import Decimal
from enum import StrEnum
from functools import cache
from typing import Any

from edigate.model._types import QualifiedIds, field_types, non_null, omitted_when_empty

__all__ = ["compile_code", "text_writer", "writer"]

_Write = Callable[[Any], Any]


def _identity(value: Any) -> Any:
    return value


@cache
def writer(tp: Any) -> _Write:
    inner = non_null(tp)
    if inner is not None:
        write = writer(inner)
        return write if write is _identity else (lambda v: None if v is None else write(v))
    if typing.get_origin(tp) is tuple or (isinstance(tp, type) and issubclass(tp, QualifiedIds)):
        return _tuple_writer(tp)
    if dataclasses.is_dataclass(tp):
        return _record_writer(typing.cast(type, tp))
    if isinstance(tp, type) and issubclass(tp, StrEnum):
        return lambda v: v.value
    if tp is Decimal:
        return lambda v: format(v, "f")
    if tp in (date, time):
        return lambda v: v.isoformat()
    return _identity


def _tuple_writer(tp: Any) -> _Write:
    args = (tuple[str, str], Ellipsis) if not typing.get_args(tp) else typing.get_args(tp)
    if len(args) == 2 and args[1] is Ellipsis:
        item = writer(args[0])
        if item is _identity:
            return list
        return lambda v: [item(x) for x in v]
    writers = tuple(writer(a) for a in args)
    return lambda v: [w(x) for w, x in zip(writers, v, strict=True)]


def _record_writer(cls: type) -> _Write:
    """A writer compiled to one dict display, ``{"name": obj.name, "qty": w1(obj.qty), ...}``;
    a field declared with `added` joins it only when it holds a value."""
    env: dict[str, Any] = {}
    items, optional = [], omitted_when_empty(cls)
    defaults = {f.name: f.default for f in dataclasses.fields(cls)}
    for i, (name, tp) in enumerate(field_types(cls).items()):
        inner = non_null(tp)
        write = writer(tp if inner is None else inner)
        value = f"obj.{name}"
        if write is not _identity:
            env[f"w{i}"] = write
            value = f"w{i}(obj.{name})"
            if inner is not None:
                value = f"None if obj.{name} is None else {value}"
        if name in optional:
            env[f"d{i}"] = defaults[name]
            items.append(f"    if obj.{name} is not None and obj.{name} != d{i}: out[{name!r}] = {value}")
        else:
            items.append(f"    out[{name!r}] = {value}")
    return compile_code("\n".join(["def write(obj):", "    out = {}", *items, "    return out"]), "write", env)


def compile_code(source: str, name: str, env: dict[str, Any]) -> Callable[[Any], Any]:
    """A function from generated source: the codec's per-record readers and writers."""
    exec(compile(source, f"<codec {name}>", "exec"), env)  # noqa: S102 - our own source, from field names
    return typing.cast(Callable[[Any], Any], env[name])


# -- writing text ----------------------------------------------------------------------------
#
# `dumps` writes the text ``json.dumps`` would write for `to_json`'s dict (", " and ": "
# separators, ASCII escapes) without building the dict: a value of the exact type a field
# declares is written in place; any other value goes the dict way (`_as_json`), so the
# text, or the error, is the same either way.

_escape = json.encoder.encode_basestring_ascii


@cache
def text_writer(tp: Any) -> Callable[[Any], str]:
    inner = non_null(tp)
    if inner is not None:
        write = text_writer(inner)
        return lambda v: "null" if v is None else write(v)
    if isinstance(tp, type) and issubclass(tp, QualifiedIds):
        return _ids_text_writer(tp)
    if typing.get_origin(tp) is tuple:
        return _tuple_text_writer(tp)
    if dataclasses.is_dataclass(tp):
        return _record_text_writer(typing.cast(type, tp))
    expression = _SCALAR_TEXT.get(tp) or ("_escape(v.value)" if isinstance(tp, type)
                                          and issubclass(tp, StrEnum) else "_as_json(v)")
    env = {"tp": tp, "_escape": _escape, "_as_json": _as_json(tp), "format": format}
    return compile_code(f"def write(v):\n    return {expression} if v.__class__ is tp else _as_json(v)",
                    "write", env)


_SCALAR_TEXT: dict[Any, str] = {
    str: "_escape(v)",
    int: "int.__repr__(v)",
    bool: "('true' if v else 'false')",
    Decimal: "'\"' + format(v, 'f') + '\"'",
    date: "'\"' + v.isoformat() + '\"'",
    time: "'\"' + v.isoformat() + '\"'",
}
"""Each scalar type's JSON text, for a value of exactly that type (``v``)."""


def _as_json(tp: Any) -> Callable[[Any], str]:
    write = writer(tp)
    return lambda v: json.dumps(write(v))


def _ids_text_writer(tp: Any) -> Callable[[Any], str]:
    slow = _as_json(tp)

    def write(v: Any) -> str:
        try:
            return "[" + ", ".join(["[" + _escape(q) + ", " + _escape(x) + "]" for q, x in v]) + "]"
        except (TypeError, ValueError):  # not pairs of text: the dict way writes or refuses it
            return slow(v)
    return write


def _tuple_text_writer(tp: Any) -> Callable[[Any], str]:
    args = typing.get_args(tp)
    if len(args) == 2 and args[1] is Ellipsis:
        item = text_writer(args[0])
        return lambda v: "[" + ", ".join([item(x) for x in v]) + "]"
    writers = tuple(text_writer(a) for a in args)
    return lambda v: "[" + ", ".join([w(x) for w, x in zip(writers, v, strict=True)]) + "]"


def _record_text_writer(cls: type) -> Callable[[Any], str]:
    """One ``%`` of a template with a slot per field; scalar fields of the declared type are
    written in place, the rest by their type's text writer. A field declared with `added`
    writes its whole ``, "name": value`` into its slot, or nothing when it holds no value."""
    env: dict[str, Any] = {"_escape": _escape, "format": format}
    lines, slots, parts = ["def write(obj):"], list[str](), list[str]()
    defaults = {f.name: f.default for f in dataclasses.fields(cls)}
    optional = omitted_when_empty(cls)
    for i, (name, tp) in enumerate(field_types(cls).items()):
        text = _field_text(i, name, tp, defaults[name], env)
        key = (", " if parts else "") + json.dumps(name).replace("%", "%%") + ": "
        if name in optional:
            env[f"k{i}"], env[f"o{i}"] = key.replace("%%", "%"), defaults[name]
            text = f"'' if v is None or v == o{i} else k{i} + ({text})"
            key = ""
        lines += [f"    v = obj.{name}", f"    a{i} = {text}"]
        slots.append(f"a{i}")
        parts.append(key + "%s")
    env["template"] = "{" + "".join(parts) + "}"
    lines.append(f"    return template % ({', '.join(slots)},)")
    return compile_code("\n".join(lines), "write", env)


def _field_text(i: int, name: str, tp: Any, default: Any, env: dict[str, Any]) -> str:
    """The expression writing field ``name``'s value ``v`` as JSON text."""
    inner = non_null(tp)
    kind = tp if inner is None else inner
    text = _SCALAR_TEXT.get(kind)
    if text is None:
        env[f"w{i}"] = text_writer(kind)
        text = f"w{i}(v)"
        if dataclasses.is_dataclass(default):  # a line's Dates(): written once
            env[f"d{i}"], env[f"e{i}"] = default, text_writer(kind)(default)
            text = f"e{i} if v is d{i} else {text}"
        elif typing.get_origin(kind) is tuple:  # most of a line's lists are empty
            text = f"'[]' if v.__class__ is tuple and not v else {text}"
    else:
        env[f"t{i}"], env[f"j{i}"] = kind, _as_json(kind)
        text = f"{text} if v.__class__ is t{i} else j{i}(v)"
    if inner is not None:
        text = f"'null' if v is None else {text}"
    return text
