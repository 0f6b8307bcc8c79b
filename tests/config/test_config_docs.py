"""``docs/configuration.md`` is what the generator writes from the configuration classes, and
every setting an analyst can write says what it means."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from edigate.config.channel_docs import field_docs
from edigate.config.config_docs import DOC, SECTIONS, main, render

from tests.support.paths import REPO


def test_the_committed_page_is_what_the_generator_writes() -> None:
    assert (REPO / DOC).read_text(encoding="utf-8") == render(), (
        "docs/configuration.md is out of date: run python -m edigate.config.config_docs")


@pytest.mark.parametrize("cls", [cls for _, cls, _ in SECTIONS], ids=lambda c: c.__name__)
def test_every_setting_is_documented(cls: type) -> None:
    docs = field_docs(cls)
    missing = [f.name for f in dataclasses.fields(cls) if not f.metadata.get("internal") and not docs.get(f.name)]
    assert missing == [], f"{cls.__name__}: write a docstring under {', '.join(missing)}"


def test_every_section_a_setting_points_to_is_on_the_page() -> None:
    page = render()
    headings = {line[4:-1] for line in page.splitlines() if line.startswith("## `")}
    for title, _, _ in SECTIONS:
        assert title in headings
    for name in ("store", "archive_dir", "retention_days", "isa13_window_days", "expect_within_hours",
                 "unlisted_codes", "when", "repetition", "failed_after_minutes"):
        assert f"| `{name}` |" in page


def test_check_fails_when_the_page_drifts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["--check"]) == 1
    assert main([]) == 0 and main(["--check"]) == 0
    (tmp_path / DOC).write_text(render().replace("`reject_ta1_025`", "`reject`"), encoding="utf-8")
    assert main(["--check"]) == 1
