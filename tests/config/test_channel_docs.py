"""``docs/channels.md`` is what the generator writes from the channel classes, and every
channel field says what it means."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from edigate.config.channel_docs import DOC, SECTIONS, field_docs, main, render

REPO = Path(__file__).resolve().parents[2]


def test_the_committed_page_is_what_the_generator_writes() -> None:
    assert (REPO / DOC).read_text(encoding="utf-8") == render(), (
        "docs/channels.md is out of date: run python -m edigate.config.channel_docs")


@pytest.mark.parametrize("cls", [cls for _, cls, _ in SECTIONS], ids=lambda c: c.__name__)
def test_every_channel_field_is_documented(cls: type) -> None:
    docs = field_docs(cls)
    missing = [f.name for f in dataclasses.fields(cls) if f.name != "type" and not docs.get(f.name)]
    assert missing == [], f"{cls.__name__}: write a docstring under {', '.join(missing)}"


def test_the_fields_an_analyst_asks_about_are_on_the_page() -> None:
    page = render()
    for name in ("sign", "encrypt", "compress", "signing_algorithm", "encryption_algorithm", "mdn_signed",
                 "archive_dir", "delete", "glob", "ready", "settle_seconds", "truncated_after_minutes",
                 "host_key", "known_hosts"):
        assert f"| `{name}` |" in page


def test_check_fails_when_the_page_drifts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["--check"]) == 1
    assert main([]) == 0 and main(["--check"]) == 0
    (tmp_path / DOC).write_text(render().replace("`stable`", "`steady`"), encoding="utf-8")
    assert main(["--check"]) == 1
