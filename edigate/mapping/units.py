"""A map's ``units:`` section compiled into the partner's `UnitTable`, checked at load.

```yaml
units:
  CA: {EA: 12}             # one CA is 12 EA (and one EA is 1/12 CA)
  CA[ACM-1001]: {EA: 24}   # for our SKU ACM-1001 only
  CA[IN=30012]: {EA: 6}    # for the line whose buyer item (PO1 IN) is 30012
```

Each mistake is a `ConfigProblem` at its file:line: a key that is no unit code, a factor that
is not a positive number, a unit converted into itself, the same conversion declared twice
(either way round, for the same items). Whether a code is a unit at all is checked against
the set's spec with the map's other paths (`edigate.mapping.conformance`).
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from pathlib import Path

from edigate.config.yamlsource import Map, Scalar
from edigate.errors import ConfigProblem
from edigate.mapping.mapfile import Entry, MapSource
from edigate.orders.units import UnitConversion, UnitTable

__all__ = ["compile_units", "unit_codes"]

_KEY = re.compile(r"^(?P<unit>[A-Z0-9]{2})(?:\[(?P<item>[^\]\s]+)\])?$")
_UNIT = re.compile(r"^[A-Z0-9]{2}$")
_EXAMPLE = "e.g. CA: {EA: 12} (one CA is 12 EA), CA[SKU] or CA[IN=ID] for one item"


def compile_units(source: MapSource, root: Path) -> tuple[UnitTable, list[ConfigProblem]]:
    """``source``'s declared conversions, and the problems found in them."""
    problems: list[ConfigProblem] = []
    found: dict[tuple[str, str, str | None], UnitConversion] = {}
    for key, entry in source.units.items():
        for conversion in _conversions(key, entry, problems):
            here = (conversion.unit, conversion.into, conversion.item)
            twice = found.get(here) or found.get((conversion.into, conversion.unit, conversion.item))
            if twice is not None:
                problems.append(ConfigProblem(conversion.file, conversion.line, f"units.{key}.{conversion.into}",
                                              f"{_said(conversion)} is declared already, at {twice.place} "
                                              "(a conversion holds both ways: declare it once)"))
            else:
                found[here] = conversion
    return UnitTable(tuple(found.values()), source.relative(root)), problems


def unit_codes(source: MapSource) -> list[tuple[str, Entry, str]]:
    """Every unit code the section names, with its entry and setting (for the spec check)."""
    codes = []
    for key, entry in source.units.items():
        match = _KEY.match(key)
        if match:
            codes.append((match["unit"], entry, f"units.{key}"))
        if isinstance(entry.node, Map):
            codes += [(k.text, Entry(entry.file, k.line, v), f"units.{key}.{k.text}")
                      for k, v in entry.node.entries if _UNIT.match(k.text)]
    return codes


def _conversions(key: str, entry: Entry, problems: list[ConfigProblem]) -> list[UnitConversion]:
    match = _KEY.match(key)
    if match is None:
        problems.append(ConfigProblem(entry.file, entry.line, f"units.{key}",
                                      f"not a unit code (two letters or digits, as the order carries it); {_EXAMPLE}"))
        return []
    if not isinstance(entry.node, Map):
        problems.append(ConfigProblem(entry.file, entry.line, f"units.{key}",
                                      f"expected a mapping of units to factors; {_EXAMPLE}"))
        return []
    found = []
    for into, value in entry.node.entries:
        where = f"units.{key}.{into.text}"
        if not _UNIT.match(into.text):
            problems.append(ConfigProblem(entry.file, into.line, where,
                                          f"{into.text!r} is not a unit code; {_EXAMPLE}"))
        elif into.text == match["unit"]:
            problems.append(ConfigProblem(entry.file, into.line, where, "a unit converted into itself"))
        elif (factor := _factor(value)) is None:
            problems.append(ConfigProblem(entry.file, into.line, where, f"factor {_shown(value)} is not a positive "
                                          f"number (how many {into.text} one {match['unit']} is)"))
        else:
            found.append(UnitConversion(match["unit"], into.text, factor, match["item"], entry.file, into.line))
    return found


def _factor(node: object) -> Fraction | None:
    if not isinstance(node, Scalar):
        return None
    try:
        number = Decimal(node.text)
    except InvalidOperation:
        return None
    return Fraction(number) if number.is_finite() and number > 0 else None


def _shown(node: object) -> str:
    return repr(node.text) if isinstance(node, Scalar) else "(a list or mapping)"


def _said(c: UnitConversion) -> str:
    return f"{c.unit} -> {c.into}" + (f" for {c.item}" if c.item else "")
