"""Telling the partner from the envelope: ISA sender and receiver, GS ids, usage."""

from __future__ import annotations

from pathlib import Path

import pytest

from edigate.stages.identify import UNKNOWN_PARTNER, PartnerDirectory
from edigate.config.partners import load_partners
from edigate.config.workspace import Workspace
from edigate.x12.envelope import EnvelopeReader, FunctionalGroup, Interchange

from tests.support.paths import REPO


@pytest.fixture(scope="module")
def directory() -> PartnerDirectory:
    return PartnerDirectory(Workspace(root=REPO), load_partners(REPO / "partners"))


def _headers(data: bytes) -> tuple[Interchange, FunctionalGroup]:
    events = list(EnvelopeReader(data))
    [isa] = [e for e in events if isinstance(e, Interchange)]
    [gs] = [e for e in events if isinstance(e, FunctionalGroup)]
    return isa, gs


def _codes(directory: PartnerDirectory, claimed: str, data: bytes) -> list[tuple[str, str, int, str]]:
    isa, gs = _headers(data)
    found = [*directory.interchange(claimed, isa.header), *directory.group(claimed, isa.header.control_number,
                                                                           gs.header)]
    return [(m.code, m.segment_id, m.element, m.value) for m in found]


def test_each_sample_names_its_partner(directory: PartnerDirectory, samples: Path) -> None:
    for name, partner in (("bigbox-850-4010.x12", "bigbox"), ("distrib-850-5010.x12", "distrib"),
                          ("dropship-850-4010.x12", "dropship")):
        data = (samples / name).read_bytes()
        assert directory.identify(data) == partner
        assert _codes(directory, partner, data) == []


def test_an_unknown_sender_or_unreadable_file_names_no_partner(directory: PartnerDirectory, samples: Path) -> None:
    data = (samples / "bigbox-850-4010.x12").read_bytes().replace(b"BIGBOXRETAIL", b"SOMEONEELSE1")
    assert directory.identify(data) is None
    assert directory.identify(b"hello, not X12") is None and directory.identify(b"") is None
    [(code, segment, element, value)] = _codes(directory, UNKNOWN_PARTNER, data)
    assert (code, segment, element, value) == ("envelope.unknown_partner", "ISA", 6, "SOMEONEELSE1")


def test_another_partners_file_is_a_mismatch_at_isa_and_gs(directory: PartnerDirectory, samples: Path) -> None:
    data = (samples / "bigbox-850-4010.x12").read_bytes()
    assert _codes(directory, "dropship", data) == [("envelope.partner_mismatch", "ISA", 6, "BIGBOXRETAIL"),
                                                   ("envelope.partner_mismatch", "GS", 2, "BIGBOX")]
    isa, _ = _headers(data)
    [first, *_] = directory.interchange("dropship", isa.header)
    assert "bigbox's identity, not dropship's" in first.message


def test_a_receiver_that_is_not_us_and_a_wrong_usage(directory: PartnerDirectory, samples: Path) -> None:
    data = (samples / "bigbox-850-4010.x12").read_bytes()
    data = data.replace(b"*ZZ*EDIGATE        *", b"*ZZ*OTHERCO        *").replace(b"*0*P*>", b"*0*T*>")
    data = data.replace(b"GS*PO*BIGBOX*EDIGATE*", b"GS*PO*BIGBOX*OTHERCO*")
    assert _codes(directory, "bigbox", data) == [("envelope.partner_mismatch", "ISA", 8, "OTHERCO"),
                                                 ("envelope.usage", "ISA", 15, "T"),
                                                 ("envelope.partner_mismatch", "GS", 3, "OTHERCO")]
