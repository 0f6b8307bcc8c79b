"""The expression sandbox: values, steps and time bounded; refused before memory is spent."""

from __future__ import annotations

import tracemalloc
from decimal import Decimal

import pytest

from edigate.errors import ConfigError
from edigate.mapping.expr import ExpressionFailed, compile_expression
from edigate.mapping.sandbox import Limits

HOSTILE = [
    ("(value * 100000000) | length", "a value of 500,000,000 characters"),
    ("[value] * 100000000", "a value of 100,000,000 characters or items"),
    ("value | center(1000000000)", "a value of 1,000,000,000"),
    ("value.zfill(10 ** 9)", "a value of 1,000,000,000"),
    ("value | indent(999999999)", "a value of 999,999,999"),
    ("'%0999999999d' | format(1)", "a value of 999,999,999"),
    ("'%0999999999d' % 1", "a value of 999,999,999"),
    ("'{:>999999999}'.format(1)", "a value of 999,999,999"),
    ("value | replace('', value * 10000)", "a value of 300,005 characters"),
    ("2 ** 100000000", "a number of more than 4300 digits"),
    ("int(Decimal('1e999999999'))", "a number of more than 4300 digits"),
    ("'{:f}'.format(Decimal('9e99999'))", "a number of more than 4300 digits"),
    ("Decimal(2) ** Decimal(100000000)", "decimal overflow"),
    ("Decimal(value | length) / 0", "decimal division by zero"),
    ("1 // 0", "integer division or modulo by zero"),
]


@pytest.mark.parametrize(("text", "why"), HOSTILE, ids=[t for t, _ in HOSTILE])
def test_hostile_expressions_fail_fast_and_small_with_file_and_line(text: str, why: str) -> None:
    expr = compile_expression(text, "maps/p-850.yaml", 9, "order.currency.expr")
    tracemalloc.start()
    try:
        with pytest.raises(ExpressionFailed) as info:
            expr({"value": "hello"})
        assert tracemalloc.get_traced_memory()[1] < 5_000_000
    finally:
        tracemalloc.stop()
    assert info.value.message.startswith(f"maps/p-850.yaml:9: order.currency.expr: expression {text!r} failed: ")
    assert why in info.value.message and info.value.code == "map.expr"


@pytest.mark.parametrize("text", ["lipsum(n=2000000)", "range(10 ** 9) | list", "cycler(1, 2)", "namespace()"])
def test_jinja_globals_are_not_there(text: str) -> None:
    with pytest.raises(ConfigError, match=r"^m.yaml:2: x: expression .*unknown name"):
        compile_expression(text, "m.yaml", 2, "x")


def test_ordinary_expressions_still_work() -> None:
    expr = compile_expression("(value | upper) ~ '-' ~ ('%05d' % 42) ~ '-' ~ (Decimal('12.50') * 2) | string",
                              "m.yaml", 1, "x")
    assert expr({"value": "ab"}) == "AB-00042-25.00"
    assert compile_expression("value * 3", "m.yaml", 1, "x")({"value": "ab"}) == "ababab"
    assert compile_expression("min(3, 99999999999)", "m.yaml", 1, "x")({"value": None}) == 3


def test_steps_and_time_are_bounded() -> None:
    counted = compile_expression("value + 1 + 1 + 1 + 1", "m.yaml", 1, "x", limits=Limits(steps=3))
    with pytest.raises(ExpressionFailed, match="more than 3 operations"):
        counted({"value": 1})
    late = compile_expression("value + 1", "m.yaml", 1, "x", limits=Limits(seconds=-1))
    with pytest.raises(ExpressionFailed, match="took longer than -1 s"):
        late({"value": 1})
    assert compile_expression("value + 1", "m.yaml", 1, "x", limits=Limits(steps=1))({"value": Decimal(1)}) == 2


@pytest.mark.parametrize("text", ["(value * 20000) | replace('', value * 20000)",
                                  "(value * 20000) | join(value * 20000)", "(value * 20000).join(value * 20000)"])
def test_growth_is_refused_before_the_value_is_made(text: str) -> None:
    expr = compile_expression(text, "m.yaml", 1, "x")
    tracemalloc.start()
    try:
        with pytest.raises(ExpressionFailed, match=r"a value of [\d,]+ characters or items; the limit is 100,000"):
            expr({"value": "hello"})
        assert tracemalloc.get_traced_memory()[1] < 2_000_000  # the result would be 10 GB or more
    finally:
        tracemalloc.stop()
