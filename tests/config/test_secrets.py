"""Secret references: parsing, lazy resolution, no value in reprs."""

from __future__ import annotations

from pathlib import Path

import pytest

from edigate.config.secrets import SecretRef, parse_secret_ref
from edigate.errors import ConfigError


@pytest.mark.parametrize(
    "text, expected",
    [
        ("env:SFTP_PW", ("env", "SFTP_PW")),
        ("file:keys/id_ed25519", ("file", "keys/id_ed25519")),
        ("hunter2", "secrets may not be written inline; use env:NAME or file:PATH"),
        ("vault:x", "secrets may not be written inline; use env:NAME or file:PATH"),
        ("file:", "file: needs a path, e.g. file:secrets/sftp_key"),
    ],
)
def test_parse(text: str, expected: object) -> None:
    assert parse_secret_ref(text) == expected


def test_env(monkeypatch: pytest.MonkeyPatch) -> None:
    ref = SecretRef("env", "EDIGATE_TEST_SECRET", "p.yaml", 3, "a.b")
    monkeypatch.setenv("EDIGATE_TEST_SECRET", "v4lue")
    assert ref.resolve() == "v4lue"
    monkeypatch.delenv("EDIGATE_TEST_SECRET")
    with pytest.raises(
        ConfigError, match=r"^p.yaml:3: a.b: environment variable EDIGATE_TEST_SECRET is not set$"
    ):
        ref.resolve()


def test_file_is_read_each_time_and_trimmed(tmp_path: Path) -> None:
    (tmp_path / "pw").write_text("first\n")
    ref = SecretRef("file", "pw", "p.yaml", 3, "a", tmp_path)
    assert ref.resolve() == "first"
    (tmp_path / "pw").write_text("second\r\n")
    assert ref.resolve() == "second"


def test_never_shows_the_value(tmp_path: Path) -> None:
    (tmp_path / "pw").write_text("s3cr3t")
    ref = SecretRef("file", "pw", "p.yaml", 3, "a", tmp_path)
    assert ref.resolve() == "s3cr3t"
    assert "s3cr3t" not in repr(ref) + str(ref) and str(ref) == "file:pw"
