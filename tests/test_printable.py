from __future__ import annotations

import pytest

from edigate.printable import shown


@pytest.mark.parametrize(("name", "printed"), [
    ("po 1.x12", "po 1.x12"),
    ("oké.edi", "oké.edi"),
    ("a.x12\n    9  2026-12-07 00:00:00  bigbox     done", "a.x12\\n    9  2026-12-07 00:00:00  bigbox     done"),
    ("\x1b[2J\x1b[31mred.x12", "\\x1b[2J\\x1b[31mred.x12"),
    ("\u202egnp.x12", "\\u202egnp.x12"),
    ("back\\slash\r", "back\\\\slash\\r"),
])
def test_shown_keeps_a_name_on_one_line_without_terminal_codes(name: str, printed: str) -> None:
    assert shown(name) == printed
    assert shown(name).isprintable()


def test_shown_can_leave_backslashes_of_repr_escaped_text() -> None:
    assert shown("ST02 '00\\x1b'\x1b", backslashes=False) == "ST02 '00\\x1b'\\x1b"
