"""Unit conversions a partner's map declares (its ``units:`` section), as the order domain uses them.

A code table only renames a unit (the partner's CS is our CA); a conversion changes the
quantity: ``CA: {EA: 12}`` says one CA is 12 EA, and holds both ways. A conversion may be
declared for one item only, by our SKU (``CA[ACM-1001]``) or by an id the buyer sends on the
line (``CA[IN=30012]``): the most specific one that fits a line wins (a buyer's id, then our
SKU, then the unit alone). The map's declaration comes before the line's PO4 pack and the
catalog's (`edigate.orders.overrides`), and lets the rules take a line ordered in another unit
than the catalog's (`edigate.orders.rules`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from fractions import Fraction

from edigate.model import OrderLine

__all__ = ["UnitConversion", "UnitTable", "converted", "plain"]

_PRICE_PLACES = Decimal("0.0001")


@dataclass(frozen=True, slots=True)
class UnitConversion:
    """One ``unit``: ``factor`` ``into`` declaration (one CA is 12 EA), for every item or one."""

    unit: str
    into: str
    factor: Fraction
    item: str | None = None
    """Our SKU, or ``QUALIFIER=ID`` for an id the buyer sends (``IN=30012``); None: every item."""
    file: str = ""
    line: int = 0

    @property
    def place(self) -> str:
        """Where it is declared, ``maps/bigbox-850.yaml:14``."""
        return f"{self.file}:{self.line}" if self.file else "the partner's map"

    def fits(self, line: OrderLine, sku: str | None) -> bool:
        if self.item is None:
            return True
        qualifier, equals, value = self.item.partition("=")
        if equals:
            return line.product_ids.get(qualifier) == value
        return self.item == sku

    @property
    def specificity(self) -> int:
        return 0 if self.item is None else 2 if "=" in self.item else 1


@dataclass(frozen=True, slots=True)
class UnitTable:
    """A partner's declared conversions, and the map file where more are declared."""

    conversions: tuple[UnitConversion, ...] = ()
    map_file: str = ""
    """The partner's inbound map (relative to the workspace), named in the hint of a line
    whose unit nothing converts; empty when the rules were built without a map."""

    def factor(self, line: OrderLine, sku: str | None, old: str, new: str) -> tuple[Fraction, UnitConversion] | None:
        """How many ``new`` one ``old`` of ``line`` is, and the declaration that says so
        (None when the map declares no conversion between them for that line's item)."""
        found = [(c.factor, c) for c in self.conversions if (c.unit, c.into) == (old, new) and c.fits(line, sku)]
        found += [(1 / c.factor, c) for c in self.conversions if (c.unit, c.into) == (new, old) and c.fits(line, sku)]
        return max(found, key=lambda pair: pair[1].specificity, default=None)

    @property
    def where(self) -> str:
        """Where an analyst declares a conversion, for a finding's hint."""
        return f"the `units:` section of {self.map_file}" if self.map_file else \
            "the `units:` section of the partner's inbound 850 map"


def converted(line: OrderLine, unit: str, factor: Fraction) -> OrderLine | None:
    """``line`` in ``unit`` (``factor`` of it per unit it is in now), quantity and price
    together so that its amount stays; None when the quantity would not be whole."""
    quantity = line.quantity * factor.numerator / factor.denominator
    if quantity != quantity.to_integral_value():
        return None
    price = None if line.unit_price is None else \
        plain((line.unit_price * factor.denominator / factor.numerator).quantize(_PRICE_PLACES))
    return replace(line, uom=unit, quantity=plain(quantity), unit_price=price)


def plain(number: Decimal) -> Decimal:
    """``number`` without trailing zeros, written without an exponent (60, not 6E+1)."""
    normal = number.normalize()
    return normal.quantize(Decimal(1)) if normal == normal.to_integral_value() else normal
