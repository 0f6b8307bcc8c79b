"""The jinja2 sandbox expressions run in, bounded in size, steps and time.

jinja2's immutable sandbox stops escapes, not waste: ``(value * 100000000) | length`` or
``'x' | center(10 ** 9)`` would take gigabytes. Here every operator, call and filter that
can make a value larger than its inputs is checked *before* it runs, and every value it
makes is checked after: strings and lists stay under `Limits.length`, numbers under
`Limits.digits` digits, and an evaluation stops after `Limits.steps` operations or
`Limits.seconds`. Going past a limit raises `LimitExceeded`. The only globals are a few
builtins (``Decimal``, ``str``, ``int``, ``len``, ``min``, ``max``, ``abs``): no ``range``,
no ``lipsum``.
"""

from __future__ import annotations

import functools
import re
import time
from collections.abc import Callable, Sized
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from jinja2 import nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.environment import Environment
from jinja2.nodes import EvalContext
from jinja2.runtime import Context
from jinja2.sandbox import ImmutableSandboxedEnvironment

__all__ = ["BUDGET", "Budget", "LimitExceeded", "Limits", "environment"]

BUDGET = "_budget"
"""The context name an evaluation's `Budget` travels under (expressions cannot name it:
names starting with ``_`` are refused when they are compiled)."""

_GROWING = frozenset({"center", "ljust", "rjust", "zfill", "expandtabs", "indent", "wordwrap", "batch",
                      "slice"})
"""Methods and filters whose numeric argument says how big their result is."""
_FORMATS = frozenset({"format", "format_map"})
_PERCENT_WIDTH = re.compile(r"%[-#0 +]*(\d*)(?:\.(\d*))?")
_BRACE_WIDTH = re.compile(r"\{[^{}]*?:[^{}\d]*(\d*)(?:\.(\d*))?[^{}]*\}")


class LimitExceeded(ArithmeticError):
    """An expression went past a limit of size, steps or time."""


@dataclass(frozen=True, slots=True)
class Limits:
    """How far one evaluation may go."""

    length: int = 100_000
    """Characters of a string, items of a list, a dict or a range."""
    digits: int = 4_300
    """Digits of a number (Python's own limit for turning an int into text)."""
    steps: int = 10_000
    """Operators and calls per evaluation."""
    seconds: float = 1.0


@dataclass(slots=True)
class Budget:
    """What one evaluation has left; made afresh for each call."""

    limits: Limits
    steps: int = 0
    deadline: float = field(default=0.0)

    def __post_init__(self) -> None:
        self.deadline = time.monotonic() + self.limits.seconds

    def spend(self) -> None:
        self.steps += 1
        if self.steps > self.limits.steps:
            raise LimitExceeded(f"more than {self.limits.steps} operations")
        if time.monotonic() > self.deadline:
            raise LimitExceeded(f"took longer than {self.limits.seconds:g} s")


class _Joining(CodeGenerator):
    """Compiles ``a ~ b`` to `_Bounded.join_present`, which leaves a missing (None) operand
    out instead of writing the text "None" into an order."""

    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:
        self.write("environment.join_present((")
        for arg in node.nodes:
            self.visit(arg, frame)
            self.write(", ")
        self.write("))")


class _Bounded(ImmutableSandboxedEnvironment):
    """The immutable sandbox, with every operator that can grow a value checked."""

    code_generator_class = _Joining
    intercepted_binops = frozenset({"*", "**", "+", "-", "/", "//", "%"})
    intercepted_unops = frozenset({"-", "+"})

    def __init__(self, limits: Limits) -> None:
        super().__init__(autoescape=False)
        self.limits = limits
        self.globals.clear()
        self.globals.update(Decimal=Decimal, str=str, int=int, len=len, min=min, max=max, abs=abs)
        self.filters = {name: _filter(name, fn, limits) for name, fn in self.filters.items()}

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        _spend(context)
        _check_binop(operator, left, right, self.limits)
        return _checked(super().call_binop(context, operator, left, right), self.limits)

    def join_present(self, parts: tuple[Any, ...]) -> str | None:
        """``~``: the text of the operands that are present; None when none is, so that a
        missing element stays missing (``el('PO130') ~ value``)."""
        present = [str(p) for p in parts if p is not None]
        return _checked("".join(present), self.limits) if present else None

    def call_unop(self, context: Context, operator: str, arg: Any) -> Any:
        _spend(context)
        return super().call_unop(context, operator, arg)

    def call(__self, __context: Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805
        _spend(__context)
        name = getattr(__obj, "__name__", "")
        target = getattr(getattr(__obj, "__wrapped__", __obj), "__self__", None)  # str.format comes wrapped
        _check_call(name, target, args, kwargs, __self.limits)
        return _checked(super().call(__context, __obj, *args, **kwargs), __self.limits)


@functools.cache
def environment(limits: Limits = Limits()) -> ImmutableSandboxedEnvironment:
    """The sandbox for ``limits`` (one per distinct limits, shared: it holds no state)."""
    return _Bounded(limits)


def _spend(context: Context) -> None:
    budget = context.get(BUDGET)
    if isinstance(budget, Budget):
        budget.spend()


def _filter(name: str, fn: Callable[..., Any], limits: Limits) -> Callable[..., Any]:
    """``fn`` with its arguments checked first and its result after."""

    @functools.wraps(fn)  # keeps jinja2's pass_context/pass_environment marks
    def bounded(*args: Any, **kwargs: Any) -> Any:
        values = [a for a in args if not isinstance(a, Context | EvalContext | Environment)]  # pass_* marks
        target, rest = (values[0], values[1:]) if values else (None, [])
        _check_call(name, target, tuple(rest), kwargs, limits)
        return _checked(fn(*args, **kwargs), limits)

    return bounded


def _check_binop(op: str, left: Any, right: Any, limits: Limits) -> None:
    if op == "*":
        for seq, n in ((left, right), (right, left)):
            if isinstance(seq, str | list | tuple) and isinstance(n, int):
                _too_long(len(seq) * max(n, 0), limits)
        if isinstance(left, int) and isinstance(right, int):
            _too_big(left.bit_length() + right.bit_length(), limits)
    elif op == "**" and isinstance(left, int) and isinstance(right, int) and right > 0:
        _too_big(max(left.bit_length(), 1) * right, limits)
    elif op == "+" and isinstance(left, Sized) and isinstance(right, Sized):
        _too_long(len(left) + len(right), limits)
    elif op == "%" and isinstance(left, str):
        _check_format(left, _PERCENT_WIDTH, limits)


def _check_call(name: str, target: Any, args: tuple[Any, ...], kwargs: dict[str, Any], limits: Limits) -> None:
    """Refuse, before it runs, a call whose result would be too big."""
    if name in _GROWING:
        for value in (*args, *kwargs.values()):
            if isinstance(value, int) and not isinstance(value, bool):
                _too_long(value, limits)
    elif name == "replace" and isinstance(target, str) and len(args) >= 2:
        old, new = str(args[0]), str(args[1])
        count = target.count(old) if old else len(target) + 1
        _too_long(len(target) + count * max(len(new) - len(old), 0), limits)
    elif name == "join":  # the filter joins its target; str.join is called on the separator
        if isinstance(target, str) and args:
            separator, items = target, args[0]
        else:
            separator, items = (args[0] if args else ""), target
        if isinstance(separator, str) and isinstance(items, Sized):
            _too_long(len(separator) * len(items), limits)
    elif name in _FORMATS and isinstance(target, str):
        _check_format(target, _BRACE_WIDTH, limits)
        _check_format(target, _PERCENT_WIDTH, limits)
    elif name == "int":
        for number in (target, *args[:1]):  # int(Decimal('1e999999999')) spells out every digit
            if isinstance(number, Decimal):
                _checked(number, limits)


def _check_format(text: str, pattern: re.Pattern[str], limits: Limits) -> None:
    for match in pattern.finditer(text):
        for width in match.groups():
            if width:
                _too_long(int(width[:12]), limits)


def _checked(value: Any, limits: Limits) -> Any:
    """``value``, if it is within the limits."""
    if isinstance(value, str | bytes | list | tuple | dict | set | frozenset | range):
        _too_long(len(value), limits)
    elif isinstance(value, bool):
        pass
    elif isinstance(value, int):
        _too_big(value.bit_length(), limits)
    elif isinstance(value, Decimal) and value.is_finite() and value:
        if abs(value.adjusted()) > limits.digits:
            raise LimitExceeded(f"a number of more than {limits.digits} digits")
    return value


def _too_long(size: int, limits: Limits) -> None:
    if size > limits.length:
        raise LimitExceeded(f"a value of {size:,} characters or items; the limit is {limits.length:,}")


def _too_big(bits: int, limits: Limits) -> None:
    if bits > limits.digits * 3.33:
        raise LimitExceeded(f"a number of more than {limits.digits} digits")

