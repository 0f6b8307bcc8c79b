"""AK304/IK304 for a segment the walk cannot place: 1 when its ID is no X12 segment at all,
6 when it is one but not of this set, 7 when the set has it elsewhere."""

from __future__ import annotations

import pytest

from edigate.x12.directory import is_segment_id

from tests.x12.test_validate import GOOD, ack_body


@pytest.mark.parametrize("segment, ak3", [
    ("ZZZ*1", "AK3*ZZZ*3**1"),  # a private Z segment: no X12 segment
    ("QQ9*1", "AK3*QQ9*3**1"),
    ("BSN*00*SHIP1*20261126*1200", "AK3*BSN*3**6"),  # an 856 segment
    ("YNQ**Y", "AK3*YNQ*3**6"),  # in the directory, in none of our sets
])
def test_unplaceable_segment_codes_in_the_997(segment: str, ak3: str) -> None:
    assert ack_body([GOOD[0], segment, *GOOD[1:]]) == ["AK2*850*0001", ak3, "AK5*R*5"]


@pytest.mark.parametrize("segment, ik3", [("ZZZ*1", "IK3*ZZZ*3**1"), ("BSN*00*SHIP1*20261126*1200", "IK3*BSN*3**6")])
def test_unplaceable_segment_codes_in_the_999(segment: str, ik3: str) -> None:
    assert ack_body([GOOD[0], segment, *GOOD[1:]], version="005010") == ["AK2*850*0001", ik3, "IK5*R*5"]


def test_every_segment_a_set_definition_places_is_in_the_directory() -> None:
    from edigate.x12.spec import SpecLibrary

    library = SpecLibrary()
    for set_id in ("810", "850", "855", "856", "860", "865", "940", "945", "997"):
        spec = library.get(set_id, "004010")
        assert spec is not None
        assert [sid for sid in sorted(spec.segment_ids) if not is_segment_id(sid)] == [], set_id
