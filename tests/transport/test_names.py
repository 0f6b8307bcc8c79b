from __future__ import annotations

import pytest

from edigate.transport.names import is_temporary, safe_name, shown, temporary_name


@pytest.mark.parametrize(
    ("remote", "local"),
    [
        ("PO123.edi", "PO123.edi"),
        ("../../etc/passwd", "_.._etc_passwd"),
        ("..", "_"),
        (".", "_"),
        ("", "_"),
        ("/abs/path.edi", "_abs_path.edi"),
        ("dir\\win.edi", "dir_win.edi"),
        ("a\x00b\nc\rd\x1b.edi", "a_b_c_d_.edi"),
        ("rtl\u202egpj.edi", "rtl_gpj.edi"),
        (".hidden", "hidden"),
        ("trailing. ", "trailing"),
        ("C:evil.edi", "C_evil.edi"),
        ("NUL.edi", "_NUL.edi"),
        ("commande-été.edi", "commande-été.edi"),
    ],
)
def test_safe_name_is_one_plain_file_name(remote: str, local: str) -> None:
    assert safe_name(remote) == local


def test_safe_name_never_escapes_the_folder() -> None:
    for hostile in ["../x", "..\\x", "a/../../b", "\u2028..", " ../", "x/" * 300]:
        name = safe_name(hostile)
        assert "/" not in name and "\\" not in name
        assert name not in (".", "..") and not name.startswith(".")
        assert len(name.encode()) <= 200


def test_temporary_names() -> None:
    assert all(map(is_temporary, ["a.tmp", "a.PART", "a.edi.filepart", ".a.edi"]))
    assert not any(map(is_temporary, ["a.edi", "part", "tmp.edi"]))
    part = temporary_name("../PO1.edi")
    assert is_temporary(part) and "/" not in part and part.startswith("._PO1.edi.")


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
