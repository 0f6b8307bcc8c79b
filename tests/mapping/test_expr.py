"""Expressions run sandboxed; escapes are refused with the map's file:line."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from edigate.errors import ConfigError
from edigate.mapping.expr import ExpressionFailed, compile_expression
from edigate.mapping.inbound import load_inbound_map

ESCAPES = [
    "''.__class__.__mro__",
    "value.__class__.__base__.__subclasses__()",
    "el.__globals__",
    "value['__class__']",
    "(value|attr('__class__'))",
    "cycler.__init__.__globals__.os",
    "_private",
]


def test_expression_sees_value_and_helpers() -> None:
    expr = compile_expression("value | upper ~ '-' ~ el('BEG03')", "m.yaml", 3, "order.x",
                              frozenset({"value", "el"}))
    assert expr({"value": "ab", "el": lambda p: "PO1"}) == "AB-PO1"


@pytest.mark.parametrize("text", ESCAPES)
def test_escape_attempts_fail_clearly(text: str) -> None:
    with pytest.raises(ConfigError) as info:
        expr = compile_expression(text, "maps/x.yaml", 12, "line.description.expr")
        expr({"value": "x", "el": lambda p: None})
    message = str(info.value)
    assert message.startswith("maps/x.yaml:12: line.description.expr: ")
    assert "sandbox" in message


def test_syntax_error_is_located() -> None:
    with pytest.raises(ConfigError, match=r"^m.yaml:4: order.x: invalid expression"):
        compile_expression("value |", "m.yaml", 4, "order.x")


def test_escape_in_a_map_names_file_and_line(
        write_map: Callable[[str, str], Path]) -> None:
    path = write_map("p-850", "extends: 850-4010\norder:\n  currency:\n"
                              "    expr: \"''.__class__.__mro__\"\n")
    with pytest.raises(ConfigError) as info:
        load_inbound_map("p-850", path.parent)
    assert str(info.value).startswith(f"{path}:4: order.currency.expr: ")


def test_misspelt_name_is_located() -> None:
    with pytest.raises(ConfigError, match=r"^m.yaml:5: order.x: .*unknown name 'vaule' "
                                          r"\(did you mean 'value'\?\)"):
        compile_expression("vaule | upper", "m.yaml", 5, "order.x")


def test_data_failure_is_not_a_config_error() -> None:
    expr = compile_expression("Decimal(value)", "m.yaml", 5, "order.x")
    with pytest.raises(ExpressionFailed, match="failed"):
        expr({"value": "abc"})


@pytest.mark.parametrize(("text", "words"), [
    ("el('po105')", "'po105' is not a path"),
    ("el(value)", "el() takes one path written as a string"),
])
def test_el_paths_are_checked_at_load(write_map: Callable[[str, str], Path], text: str,
                                      words: str) -> None:
    path = write_map("p-850", f"extends: 850-4010\nline:\n  price_basis: {{expr: \"{text}\"}}\n")
    with pytest.raises(ConfigError) as info:
        load_inbound_map("p-850", path.parent)
    assert str(info.value).startswith(f"{path}:3: line.price_basis.expr: ")
    assert words in str(info.value)


def test_failing_expression_is_a_finding(write_map: Callable[[str, str], Path],
                                         samples: Path) -> None:
    from edigate.mapping.translate import translate_with_map
    path = write_map("p-850", "extends: 850-4010\norder:\n  release_number:\n"
                              "    {from: BEG03, expr: \"Decimal(value) / 0\"}\n")
    mapping = load_inbound_map("p-850", path.parent)
    result = translate_with_map(samples / "bigbox-850-4010.x12", mapping)[0]
    [finding] = result.findings
    assert (finding.code, finding.segment_id, finding.element) == ("map.expr", "BEG", 3)
    assert finding.map_line == 3  # the field's line


@pytest.mark.parametrize(("value", "po130", "expected"), [
    ("IN", None, "IN"), (None, None, None), (None, "A7", "A7"), ("IN", "A7", "A7IN")])
def test_a_missing_operand_of_tilde_stays_missing(value: str | None, po130: str | None,
                                                  expected: str | None) -> None:
    expr = compile_expression("el('PO130') ~ value", "m.yaml", 3, "line.x", frozenset({"value", "el"}))
    assert expr({"value": value, "el": lambda p: po130}) == expected


def test_a_misspelt_filter_is_located_even_in_a_branch() -> None:
    for text in ("value | titel", "value | titel if value else ''"):
        with pytest.raises(ConfigError, match=r"^m.yaml:6: line.x: .*unknown filter 'titel' "
                                              r"\(did you mean 'title'\?\)"):
            compile_expression(text, "m.yaml", 6, "line.x")
    with pytest.raises(ConfigError, match=r"unknown test 'nmber' \(did you mean 'number'\?\)"):
        compile_expression("value is nmber", "m.yaml", 6, "line.x")
