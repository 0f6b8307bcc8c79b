"""pyx12 as the tests run it: `validate_with_pyx12` with its parsed maps kept for the whole
process (`Pyx12Maps`), so the differential tests do not parse pyx12's XML maps per call."""

from __future__ import annotations

from edigate.x12.pyx12_bridge import Pyx12Maps, Pyx12Result, validate_with_pyx12

__all__ = ["MAPS", "pyx12_validate"]

MAPS = Pyx12Maps()
"""The maps every test that runs pyx12 shares (`Pyx12Maps.installed` for x12n_document itself)."""


def pyx12_validate(data: bytes, *, name: str = "<bytes>", strict_codes: bool = False) -> Pyx12Result:
    """pyx12's verdict on ``data`` (`validate_with_pyx12`), from the kept maps."""
    return validate_with_pyx12(data, name=name, strict_codes=strict_codes, maps=MAPS)
