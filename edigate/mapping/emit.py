"""What a compiled outbound map runs: element values, segments and HL levels, in one pass.

Every emitter takes the record it writes from and a `Render` (the document, the segments
written so far and the HL level they hang under) and appends `Segment`s.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, time
from decimal import Decimal
from typing import Any

from edigate.errors import DataError
from edigate.x12.segment import Segment

__all__ = ["FORMATS", "ElementFn", "Emit", "Getter", "Render"]

Getter = Callable[[Any], Any]


@dataclass(slots=True)
class Render:
    """The state of one document's rendering: segments so far, HL count and current parent."""

    root: Any
    out: list[Segment] = field(default_factory=list)
    hl_count: int = 0
    parent: str = ""


ElementFn = Callable[[Any, Render], "str | list[str]"]
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
    text = format(Decimal(value), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


FORMATS: dict[str, Callable[[Any], str]] = {
    "str": str, "int": str, "date": _format_date, "time": _format_time, "decimal": _decimal,
    **{f"n{n}": _implied(n) for n in range(5)},
}


def nothing(record: Any, render: Render) -> None:
    return None


def present(value: Any) -> bool:
    return value not in (None, "", ())


def formatted(getter: Getter, fmt: Callable[[Any], str], codes: Mapping[str, str] | None,
              default: str | None = None, when: Getter | None = None) -> ElementFn:
    def element(record: Any, render: Render) -> str:
        value = getter(record)
        if (when is not None and not present(when(record))) or value is None or value == "":
            return default or ""
        if codes is not None:
            value = codes.get(str(value), value)
        return fmt(value)
    return element


def constant(value: str, when: Getter | None) -> ElementFn:
    if when is None:
        return lambda record, render: value
    return lambda record, render: value if present(when(record)) else ""


def count(seg_id: str) -> ElementFn:
    """How many ``seg_id`` segments the document holds so far (CTT01 = HL count)."""
    return lambda record, render: str(sum(1 for s in render.out if s.id == seg_id))


def pairs(getter: Getter) -> ElementFn:
    def element(record: Any, render: Render) -> list[str]:
        return [text for pair in getter(record) or () for text in pair]
    return element


def segment_emitter(seg_id: str, elements: list[tuple[int, ElementFn, bool]],
                    when: Getter | None) -> Emit:
    width = max((position for position, _, _ in elements), default=0)

    def emit(record: Any, render: Render) -> None:
        filled = False
        if when is not None:
            if not present(when(record)):
                return
            filled = True  # asked for explicitly: written even with constants only
        values = [""] * width  # by position - 1; a later element overwrites an earlier one
        for position, element, is_constant in elements:
            value = element(record, render)
            if value.__class__ is str:
                values[position - 1] = value
                filled = filled or (bool(value) and not is_constant)
                continue
            for index, text in enumerate(value, position - 1):
                if index >= len(values):
                    values.extend([""] * (index + 1 - len(values)))
                values[index] = text
                filled = filled or (bool(text) and not is_constant)
        if filled:
            while values and not values[-1]:
                values.pop()
            render.out.append(Segment(seg_id, tuple(values)))
    return emit


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
