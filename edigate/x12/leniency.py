"""A partner's leniency profile: which departures from X12 it may send and still be accepted.

Strict by default: every departure is an error, rejected in the 997/999. A profile accepts
those its partner is known to send; each is then a warning, kept in the error log with the
option that let it through, and the acknowledgment reports nothing (it only lists errors).

The checks that find a departure name the option that would accept it (``ISA_PADDING``
and the rest); `Leniency.severity` turns that name into the finding's severity.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from edigate.x12.findings import Severity

__all__ = ["ISA_PADDING", "LOWERCASE", "SEGMENT_ORDER", "STRICT", "TRAILING_SEPARATORS", "UNLISTED_CODES",
           "Leniency"]

ISA_PADDING = "isa_padding"
"""ISA02/04/06/08 shorter than their width (not padded with spaces), ISA13 without its zeros."""
UNLISTED_CODES = "unlisted_codes"
"""A coded element's value that is not in its code list."""
TRAILING_SEPARATORS = "trailing_separators"
"""A segment ending in empty elements (``REF*IA*123**~``)."""
LOWERCASE = "lowercase"
"""A segment id or code in lower case (``po1``, ``ea``) that is valid in upper case."""
SEGMENT_ORDER = "segment_order"
"""A segment before one its loop places ahead of it (``N4`` before ``N3``)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Leniency:
    """What one partner may send that X12 does not allow (``leniency:`` in its YAML)."""

    isa_padding: bool = False
    """ISA fields not padded to their fixed width."""
    unlisted_codes: bool = False
    """Codes outside the X12 code list of their element."""
    trailing_separators: bool = False
    """Separators after the last element of a segment."""
    lowercase: bool = False
    """Lowercase letters in coded values."""
    segment_order: bool = False
    """Segments out of order within a loop."""

    def accepts(self, option: str | None) -> bool:
        """Whether the profile accepts the departure that ``option`` names."""
        return option is not None and bool(getattr(self, option, False))

    def severity(self, option: str | None) -> Severity:
        """A warning when the profile accepts the departure, else an error."""
        return Severity.WARNING if self.accepts(option) else Severity.ERROR

    def note(self, option: str | None) -> str:
        """The hint a warning carries: which option accepted it."""
        return f"accepted by the partner's leniency profile ({option})" if self.accepts(option) else ""

    @property
    def options(self) -> tuple[str, ...]:
        """The options switched on."""
        return tuple(f.name for f in fields(self) if getattr(self, f.name))


STRICT = Leniency()
"""No departure accepted: the default for every partner."""
