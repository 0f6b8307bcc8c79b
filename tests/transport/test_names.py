from __future__ import annotations

import pytest

from edigate.transport.names import is_temporary, safe_name, temporary_name


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
