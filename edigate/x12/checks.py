"""Field checks of the envelope segments (ISA, GS), each tied to the code an ack reports.

Everything here is a pure function of element text; `edigate.x12.envelope` locates what
these checks return and turns it into findings.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import NamedTuple

from edigate.x12.leniency import ISA_PADDING

__all__ = ["FUNCTIONAL_IDS", "ascii_digits", "gs_problems", "isa_problems", "valid_date", "valid_id_qualifier", "valid_time"]

_AUTH_QUALIFIERS = frozenset({"00", "01", "02", "03", "04", "05", "06"})
_SECURITY_QUALIFIERS = frozenset({"00", "01"})
_ID_QUALIFIERS = frozenset({f"{n:02d}" for n in range(1, 39)} | {"AM", "NR", "SA", "SN", "ZZ"})

FUNCTIONAL_IDS = {
    "810": "IN", "820": "RA", "824": "AG", "830": "PS", "832": "SC", "846": "IB", "850": "PO",
    "852": "PD", "855": "PR", "856": "SH", "860": "PC", "862": "SS", "864": "TX", "865": "CA",
    "867": "PT", "869": "RS", "870": "RS", "875": "OG", "880": "GP", "940": "OW", "943": "AR",
    "944": "RE", "945": "SW", "947": "AW", "997": "FA", "999": "FA", "210": "IM", "214": "QM",
    "204": "SM", "990": "GF", "753": "GR", "754": "GR", "270": "HS", "271": "HB", "276": "HR",
    "277": "HN", "278": "HI", "834": "BE", "835": "HP", "837": "HC",
}
"""The functional identifier (GS01) each transaction set (ST01) belongs to."""


class Problem(NamedTuple):
    """A field that failed its check: element position, code, plain words, value."""

    element: int
    code: str
    message: str
    value: str
    option: str | None = None
    """The leniency option that accepts this problem (see `edigate.x12.leniency`), if any."""


def valid_id_qualifier(text: str) -> bool:
    """An interchange ID qualifier (ISA05/ISA07) from the I05 code list."""
    return text in _ID_QUALIFIERS


def ascii_digits(text: str) -> bool:
    """ASCII digits only: ``str.isdigit`` also accepts superscripts such as a Latin-1 0xB9,
    which ``int`` refuses."""
    return text.isascii() and text.isdigit()


def valid_date(text: str) -> bool:
    """YYMMDD or CCYYMMDD naming a real calendar day."""
    if not ascii_digits(text) or len(text) not in (6, 8):
        return False
    year = int(text[:-4]) + (2000 if len(text) == 6 else 0)
    try:
        dt.date(year, int(text[-4:-2]), int(text[-2:]))
    except ValueError:
        return False
    return True


def valid_time(text: str) -> bool:
    """HHMM, HHMMSS, HHMMSSD or HHMMSSDD on a 24-hour clock."""
    if not ascii_digits(text) or not 4 <= len(text) <= 8 or len(text) == 5:
        return False
    seconds_ok = len(text) < 6 or int(text[4:6]) <= 59
    return int(text[:2]) <= 23 and int(text[2:4]) <= 59 and seconds_ok


def _is_version(text: str) -> bool:
    return len(text) == 5 and text.isdigit()


_Check = Callable[[str], bool]
_ISA_FIELDS: tuple[tuple[int, int, str, str, _Check], ...] = (
    (1, 2, "010", "authorization information qualifier", lambda v: v in _AUTH_QUALIFIERS),
    (2, 10, "011", "authorization information", lambda v: True),
    (3, 2, "012", "security information qualifier", lambda v: v in _SECURITY_QUALIFIERS),
    (4, 10, "013", "security information", lambda v: True),
    (5, 2, "005", "sender ID qualifier", lambda v: v in _ID_QUALIFIERS),
    (6, 15, "006", "sender ID", lambda v: bool(v.strip())),
    (7, 2, "007", "receiver ID qualifier", lambda v: v in _ID_QUALIFIERS),
    (8, 15, "008", "receiver ID", lambda v: bool(v.strip())),
    (9, 6, "014", "interchange date (YYMMDD)", valid_date),
    (10, 4, "015", "interchange time (HHMM)", valid_time),
    (12, 5, "017", "interchange control version number", _is_version),
    (13, 9, "018", "interchange control number (9 digits)", ascii_digits),
    (14, 1, "019", "acknowledgment requested (0 or 1)", lambda v: v in ("0", "1")),
    (15, 1, "020", "usage indicator (P, T or I)", lambda v: v in ("P", "T", "I")),
)


_PADDED = (2, 4, 6, 8, 13)
"""ISA fields a sender may leave unpadded: the identifiers (spaces) and ISA13 (zeros)."""


def _unpadded(position: int, value: str, width: int, check: _Check) -> str | None:
    """``ISA_PADDING`` when a field is only short of its width, and valid once padded."""
    if position not in _PADDED or len(value) > width or not check(value):
        return None
    return ISA_PADDING if position != 13 or value else None


def isa_problems(elements: tuple[str, ...]) -> Iterator[Problem]:
    """Every ISA field that is missing, of the wrong width, or holds a wrong value."""
    if len(elements) != 16:
        yield Problem(0, "022", f"ISA must have 16 elements, found {len(elements)}", "")
        return
    for position, width, code, name, check in _ISA_FIELDS:
        value = elements[position - 1]
        if len(value) != width:
            yield Problem(position, code, f"ISA{position:02d} {name} must be {width} characters "
                          f"wide, found {len(value)}", value, _unpadded(position, value, width, check))
        elif not check(value):
            yield Problem(position, code, f"ISA{position:02d} {name} is not valid", value)
    isa11, version = elements[10], elements[11]
    if version < "00402" and isa11 != "U":
        yield Problem(11, "016", "ISA11 must be 'U' (U.S. EDI community) before version 00402", isa11)
    if not isa11.isascii() or not elements[15].isascii():
        yield Problem(16, "027", "ISA11 and ISA16 separators must be ASCII characters", elements[15])


def gs_problems(elements: tuple[str, ...]) -> Iterator[Problem]:
    """GS fields that a receiver cannot accept (reported with TA1 024 or AK9 codes)."""
    def value(n: int) -> str:
        return elements[n - 1] if len(elements) >= n else ""

    if len(value(1)) != 2 or not value(1).isalnum():
        yield Problem(1, "024", "GS01 functional identifier code must be 2 letters", value(1))
    for n, name in ((2, "application sender code"), (3, "application receiver code")):
        if not 2 <= len(value(n).strip()) <= 15:
            yield Problem(n, "024", f"GS{n:02d} {name} must be 2 to 15 characters", value(n))
    if not valid_date(value(4)):
        yield Problem(4, "024", "GS04 date is not a valid CCYYMMDD date", value(4))
    if not valid_time(value(5)):
        yield Problem(5, "024", "GS05 time is not a valid HHMM[SS[D[D]]] time", value(5))
    if not (ascii_digits(value(6)) and len(value(6)) <= 9):
        yield Problem(6, "024", "GS06 group control number must be 1 to 9 digits (no AK1 can name the group)",
                      value(6))
    if value(7) not in ("X", "T"):
        yield Problem(7, "024", "GS07 responsible agency code must be X or T", value(7))
    if not 1 <= len(value(8)) <= 12:
        yield Problem(8, "2", "GS08 version/release code is missing or longer than 12", value(8))
