"""An 856 whose HL parents loop or name no earlier HL is rejected with AK3/AK4."""

from __future__ import annotations

from pathlib import Path

import pytest

from edigate.x12.envelope import read_envelopes
from edigate.x12.respond import answer_file
from edigate.x12.summary import summarize
from edigate.x12.tokenizer import tokenize
from edigate.x12.validate import Validator
from edigate.x12.writer import Counter

ASN = "olmelabs__EdiEngine/856.Crossdock.OK.edi"


def mutated(corpus: Path, tmp_path: Path, *changes: tuple[str, str]) -> Path:
    text = (corpus / ASN).read_text()
    for old, new in changes:
        assert old in text
        text = text.replace(old, new)
    path = tmp_path / "asn.x12"
    path.write_text(text)
    return path


def ack_errors(path: Path) -> list[tuple[str, ...]]:
    [answer] = answer_file(path, Counter(), check=Validator())
    return [tuple(str(e) for e in s.elements) for s in tokenize(answer.data) if s.id in ("AK3", "AK4", "AK5")]


def test_the_sample_asn_is_valid(corpus: Path) -> None:
    assert summarize(corpus / ASN, check=Validator()).valid


@pytest.mark.parametrize(("changes", "expected"), [
    ((("HL*2*1*O", "HL*2*5*O"),), [("HL", "17", "HL", "8"), ("2", "734", "7", "5")]),  # 2 -> 5 -> 2: a loop
    ((("HL*13*12*I", "HL*13*99*I"),), [("HL", "53", "HL", "8"), ("2", "734", "7", "99")]),  # no HL 99
    ((("HL*4*3*I", "HL*4*4*I"),), [("HL", "25", "HL", "8"), ("2", "734", "7", "4")]),  # its own parent
    ((("HL*5*2*P", "HL*4*2*P"), ("HL*6*5*I", "HL*6*4*I")), [("HL", "28", "HL", "8"), ("1", "628", "7", "4")]),
], ids=["cycle", "unknown-parent", "own-parent", "duplicate-id"])
def test_a_broken_hierarchy_is_an_ak3_ak4_error(corpus: Path, tmp_path: Path,
                                                changes: tuple[tuple[str, str], ...],
                                                expected: list[tuple[str, ...]]) -> None:
    path = mutated(corpus, tmp_path, *changes)
    assert ack_errors(path) == [*expected, ("R", "5")]
    [finding] = [f for f in summarize(path, check=Validator()).findings if f.level.value == "AK4"]
    assert finding.segment_id == "HL" and finding.value == expected[1][3]
    assert finding.message.startswith(("HL01", "HL02")) and "HL" in finding.hint


def test_hl_ids_are_compared_as_written(corpus: Path, tmp_path: Path) -> None:
    path = mutated(corpus, tmp_path, ("HL*2*1*O", "HL*2*01*O"))  # '01' is not '1'
    assert ack_errors(path)[1] == ("2", "734", "7", "01")
    assert [e.set_id for e in read_envelopes(path) if hasattr(e, "set_id")] == ["856"]
