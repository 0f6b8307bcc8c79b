"""What a compiled outbound map runs: element values, segments and HL levels, in one pass.

Every emitter takes the record it writes from and a `Render` (the document, the segments
written so far and the HL level they hang under) and appends `Segment`s.
"""

from __future__ import annotations

import dataclasses
import functools
import keyword
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from edigate.errors import DataError
from edigate.x12.segment import Segment

__all__ = ["FORMATS", "ElementFn", "Emit", "Field", "Getter", "Render"]

Getter = Callable[[Any], Any]


@dataclass(slots=True)
class Render:
    """The state of one document's rendering: segments so far, HL count and current parent."""

    root: Any
    out: list[Segment] = field(default_factory=list)
    hl_count: int = 0
    parent: str = ""


Emit = Callable[[Any, Render], None]


def _format_date(value: Any) -> str:
    return value.strftime("%Y%m%d") if isinstance(value, date) else str(value)


def _format_time(value: Any) -> str:
    if not isinstance(value, time):
        return str(value)
    return value.strftime("%H%M%S" if value.second else "%H%M")


def _implied(places: int) -> Callable[[Any], str]:
    def fmt(value: Any) -> str:
        scaled = Decimal(value).scaleb(places)
        if scaled != scaled.to_integral_value():
            raise DataError(f"{value} has more than {places} decimal places")
        return str(int(scaled))
    return fmt


def _decimal(value: Any) -> str:
    """A decimal as X12 R: no exponent, no trailing fractional zeros (12.50 -> 12.5)."""
    text = format(value if value.__class__ is Decimal else Decimal(value), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


FORMATS: dict[str, Callable[[Any], str]] = {
    "str": str, "int": str, "date": _format_date, "time": _format_time, "decimal": _decimal,
    **{f"n{n}": _implied(n) for n in range(5)},
}


def nothing(record: Any, render: Render) -> None:
    return None


_NEVER_EMPTY = frozenset({Decimal, int, bool, float, date, datetime, time})
"""Classes whose values never equal ``""`` or ``()``: no comparison needed (comparing a
Decimal with a string goes through the numbers ABCs, the costliest step of an element)."""


def present(value: Any) -> bool:
    cls = value.__class__
    if cls is str:
        return bool(value)
    return cls in _NEVER_EMPTY or value not in (None, "", ())


def _blank(value: Any) -> bool:
    """``value is None or value == ""``, without comparing values that cannot be blank."""
    cls = value.__class__
    if cls is str:
        return not value
    return cls not in _NEVER_EMPTY and (value is None or value == "")


@dataclass(frozen=True, slots=True)
class Field:
    """A field's value formatted, or a constant, either written only ``when`` another field
    has a value: what most elements are. `segment_emitter` runs it inline (it is data, not
    a function), and reads ``name`` and ``when_name`` itself (paths of one attribute)."""

    getter: Getter | None
    fmt: Callable[[Any], str]
    empty: str
    name: str | None = None
    when: Getter | None = None
    when_name: str | None = None
    const: str | None = None


_Compute = Callable[[Any, Render], "str | list[str]"]
ElementFn = _Compute | Field
"""An element: a `Field`, which `segment_emitter` runs inline, or a function it calls."""


def formatted(getter: Getter, fmt: Callable[[Any], str], codes: Mapping[str, str] | None,
              default: str | None = None, when: Getter | None = None, name: str | None = None,
              when_name: str | None = None) -> ElementFn:
    """``name`` and ``when_name``: the attribute ``getter`` and ``when`` read, when their
    paths are one plain attribute."""
    empty = default or ""
    if codes is None:
        return Field(getter, fmt, empty, name, when, when_name)

    def element(record: Any, render: Render) -> str:
        value = getter(record)
        if (when is not None and not present(when(record))) or _blank(value):
            return empty
        value = codes.get(str(value), value)
        return fmt(value)
    return element


def constant(value: str, when: Getter | None, when_name: str | None = None) -> ElementFn:
    if when is None:
        return Field(None, str, "", const=value)
    return Field(None, str, "", when=when, when_name=when_name, const=value)


def count(seg_id: str) -> ElementFn:
    """How many ``seg_id`` segments the document holds so far (CTT01 = HL count)."""
    return lambda record, render: str(sum(1 for s in render.out if s.id == seg_id))


def pairs(getter: Getter) -> ElementFn:
    def element(record: Any, render: Render) -> list[str]:
        return [text for pair in getter(record) or () for text in pair]
    return element


@functools.lru_cache(maxsize=1024)
def _code(source: str, name: str) -> types.CodeType:
    """Generated source compiled once per process: every load of a map generates it again, and
    maps (and copies of them) share most of it; a code object is immutable, and each load still
    runs it into a namespace of its own."""
    return compile(source, name, "exec")


def segment_emitter(seg_id: str, elements: list[tuple[int, ElementFn, bool]],
                    when: Getter | None) -> Emit:
    """One segment's emitter, generated as straight-line code, a few statements per element
    (a loop over the elements unpacking each one's plan cost as much as the values did):
    each value by position (a later element overwrites an earlier one), the segment written
    when a non-constant element (or its ``when``) gave something, its empty tail cut."""
    width = max((position for position, _, _ in elements), default=0)
    env: dict[str, Any] = {"new": tuple.__new__, "Segment": Segment, "seg_id": seg_id, "when": when,
                           "present": present, "_blank": _blank, "NEVER": _NEVER_EMPTY, "_spread": _spread}
    lines = ["def emit(record, render):"]
    if when is not None:
        lines += ["    if not present(when(record)):", "        return", "    filled = True"]
    else:
        lines.append("    filled = False")
    lines.append(f"    values = {[''] * width!r}")
    for i, (position, element, is_constant) in enumerate(elements):
        lines += ["    " + line for line in _element_lines(i, position - 1, element, is_constant, env)]
    lines += ["    if filled:", "        while values and not values[-1]:", "            values.pop()",
              "        render.out.append(new(Segment, (seg_id, tuple(values), 0, 0)))"]
    exec(_code("\n".join(lines), f"<emit {seg_id}>"), env)  # noqa: S102 - our own source
    return typing.cast(Emit, env["emit"])


def _element_lines(i: int, index: int, element: ElementFn, is_constant: bool, env: dict[str, Any]) -> list[str]:
    """The statements that put element ``i`` at ``index`` of ``values``: its value, then
    where it goes (a list, from `pairs`, spreads over the positions from ``index`` on)."""
    if not isinstance(element, Field):  # Field has no subclasses
        env[f"e{i}"] = element
        lines = [f"v = e{i}(record, render)"]
    else:
        lines = _field_lines(i, element, env)
    lines += ["if v.__class__ is str:", f"    values[{index}] = v"]
    if not is_constant:
        lines.append("    if v: filled = True")
    lines += ["else:", f"    {'_spread' if is_constant else 'filled = _spread'}(values, {index}, v)"
              + ("" if is_constant else " or filled")]
    return lines


def _field_lines(i: int, f: Field, env: dict[str, Any]) -> list[str]:
    """A `Field`'s value: read (an attribute by name, else its getter), left empty when its
    ``when`` is not met, a constant as it is, else formatted (``empty`` when blank)."""
    env[f"f{i}"], env[f"g{i}"], env[f"w{i}"], env[f"x{i}"] = f.fmt, f.getter, f.when, f.empty
    env[f"c{i}"] = f.const
    lines = []
    if f.const is None:
        lines.append(f"v = {_read(f.name, f'g{i}')}")
    formatted = [f"elif v.__class__ is str: v = {'v' if f.fmt is str else f'f{i}(v)'} if v else x{i}",
                 f"elif v.__class__ in NEVER: v = f{i}(v)", f"else: v = x{i} if _blank(v) else f{i}(v)"]
    if f.when is not None:
        lines.append(f"if not present({_read(f.when_name, f'w{i}')}): v = x{i}")
        lines += [f"elif True: v = c{i}"] if f.const is not None else formatted
    elif f.const is not None:
        lines.append(f"v = c{i}")
    else:
        lines += [formatted[0][2:], *formatted[1:]]
    return lines


def _read(name: str | None, getter: str) -> str:
    """The expression that reads a field's value: attribute ``name`` of the record (None
    without a record), else the getter's call."""
    if name is None:
        return f"{getter}(record)"
    read = f"record.{name}" if name.isidentifier() and not keyword.iskeyword(name) else f"getattr(record, {name!r})"
    return f"({read} if record is not None else None)"


def _spread(values: list[str], index: int, value: Any) -> bool:
    """Consecutive elements from ``index`` on (`pairs`); whether any holds text."""
    end = index + len(value)
    if end > len(values):
        values.extend([""] * (end - len(values)))
    values[index:end] = value
    return any(value)


def hl_emitter(level: str, inner: Emit) -> Emit:
    """One HL level: HL01 counts levels, HL02 names the parent, HL04 says whether any
    level hangs below this one (known once ``inner`` has run, so HL is patched in)."""
    def emit(record: Any, render: Render) -> None:
        render.hl_count += 1
        number, parent, index = str(render.hl_count), render.parent, len(render.out)
        render.out.append(Segment("HL", ()))
        render.parent = number
        inner(record, render)
        render.parent = parent
        child = "1" if render.hl_count > int(number) else "0"
        render.out[index] = Segment("HL", (number, parent, level, child))
    return emit


@functools.cache
def group_class(item_cls: type) -> type:
    """The record a ``group_by`` block writes from: the shared value and its records."""
    return dataclasses.make_dataclass(f"{item_cls.__name__}Group", [
        ("key", Any), ("records", tuple[item_cls, ...])], frozen=True)  # type: ignore[valid-type]


def grouped(getters: list[Getter], key: Getter, group_cls: type, inner: Emit) -> Emit:
    def emit(record: Any, render: Render) -> None:
        groups: dict[Any, list[Any]] = {}
        for getter in getters:
            value = getter(record)
            for item in (value if isinstance(value, tuple) else (value,)):
                if item is not None:
                    groups.setdefault(key(item), []).append(item)
        for value, records in groups.items():
            inner(group_cls(value, tuple(records)), render)
    return emit


def looped(getters: list[Getter], inner: Emit) -> Emit:
    def emit(record: Any, render: Render) -> None:
        for getter in getters:
            value = getter(record)
            for item in (value if isinstance(value, tuple) else (value,)):
                if item is not None:
                    inner(item, render)
    return emit
