"""KPIs on a store with known answers (tests/support/report_fixture.py tells each order's story),
on SQLite and, when EDIGATE_TEST_PG_URL is set, on PostgreSQL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from hypothesis import given, strategies as st

from edigate.reports.kpi import (
    code_name,
    AckKpis, Rate, Report, Stat, TransmissionKpis, build_report, format_seconds, quantile, report_json,
)
from edigate.store import Store
from tests.support import report_fixture
from tests.support.report_fixture import NOW, SINCE, UNTIL

H = 3600.0


@pytest.fixture
def report_store(url: str) -> Iterator[Store]:
    with Store.open(url) as store:
        report_fixture.build(store)
        yield store


@pytest.fixture
def march(report_store: Store) -> Report:
    return build_report(report_store, since=SINCE, until=UNTIL, now=NOW)


def test_orders_and_accuracy(march: Report) -> None:
    total, acme, bigbox = march.total, *march.partners
    assert (acme.partner, bigbox.partner) == ("acme", "bigbox")
    assert (total.orders, acme.orders, bigbox.orders) == (7, 5, 2)
    assert total.accuracy == Rate(3, 7)  # A1, A5, B1
    assert acme.accuracy == Rate(2, 5) and bigbox.accuracy == Rate(1, 2)


def test_exceptions_per_thousand_orders_by_code(march: Report) -> None:
    total = march.total
    assert {(e.code, e.count) for e in total.exceptions} == {
        ("rule.price.mismatch", 2), ("7", 2), ("rule.dates.past", 1), ("022", 1), ("8", 1), ("rule.sku.unknown", 1)}
    assert total.exceptions_per_1000 == pytest.approx(8 / 7 * 1000)
    assert total.exceptions[0].per_1000 == pytest.approx(2 / 7 * 1000)
    assert [e.code for e in march.partners[1].exceptions] == ["rule.sku.unknown"]
    assert march.partners[1].exceptions_per_1000 == pytest.approx(500)


def test_exception_codes_carry_their_names(march: Report) -> None:
    labels = [e.label for e in march.total.exceptions]
    assert labels[:3] == ['AK4 7 "Invalid code value"', "rule.price.mismatch", 'TA1 022 "Invalid control structure"']
    assert code_name("AK3", "8") == "Segment has data element errors" == code_name("IK3", "8")
    assert code_name("TA1", "025") == "Duplicate interchange control number"
    assert code_name("AK5", "5") and code_name(None, "rule.uom.mismatch") == "" == code_name("AK4", "99")


def test_the_period_before_is_compared(march: Report) -> None:
    assert march.previous_since == SINCE - (UNTIL - SINCE)
    assert march.previous is not None and march.previous.orders < march.total.orders


def test_cycle_times(march: Report) -> None:
    cycle = march.total.cycle
    # to 997: 60 s, 120 s, 300 s, 600 s, 600 s, 900 s and 3 h (A5, from its first arrival)
    assert cycle.to_997 == Stat(7, 600, pytest.approx(900 + 0.7 * (3 * H - 900)))
    assert cycle.to_855 == Stat(5, 2400, pytest.approx(3600 + 0.8 * 3600))
    shipped = sorted([52 * H, 97 * H, 145 * H, 54 * H])
    assert cycle.to_shipped.count == 4
    assert cycle.to_shipped.median == pytest.approx((shipped[1] + shipped[2]) / 2)
    assert cycle.to_shipped.p95 == pytest.approx(shipped[2] + 0.85 * (shipped[3] - shipped[2]))
    assert cycle.shipped_to_invoiced == Stat(2, pytest.approx(12 * H), pytest.approx(0.95 * 24 * H))


def test_on_time_and_otif(march: Report) -> None:
    total, acme, bigbox = march.total, *march.partners
    assert total.on_time == Rate(3, 5)  # A1, A3, B1 of A1, A2, A3, B1, B2 (B2 due and not shipped)
    assert total.otif == Rate(2, 5)     # A3 shipped 6 of 10
    assert acme.otif == Rate(1, 3) and bigbox.otif == Rate(1, 2)


def test_outbound_acks(march: Report) -> None:
    assert march.total.acks == AckKpis(sent=11, accepted=2, partial=0, rejected=1, pending=1, overdue=1,
                                       acceptance=Rate(2, 3), turnaround=Stat(3, 3600, pytest.approx(5220)))
    assert march.partners[1].acks.turnaround == Stat(1, 1800, 1800)


def test_transmissions_failed_and_resolved(march: Report) -> None:
    acme, bigbox = march.partners
    assert acme.transmissions == TransmissionKpis(received=7, duplicates=1, failed=1, fixed=1, resolved=1)
    assert march.total.transmissions.received == 10
    assert march.total.transmissions.still_failed == 0


def test_top_failing_segments(march: Report) -> None:
    assert [(s.where, s.code, s.count) for s in march.total.top_failing] == [
        ("BEG03", "7", 2), ("ISA13", "022", 1), ("PO102", "8", 1)]


def test_series_for_the_charts(march: Report) -> None:
    volume = dict(march.series.volume)
    assert len(volume) == 31 and sum(volume.values()) == 7
    assert volume[dt.date(2026, 3, 2)] == 2 and volume[dt.date(2026, 3, 5)] == 1
    histograms = dict(march.series.cycle_histograms)
    assert histograms["received -> 997"] == (0, 2, 3, 1, 1, 0, 0, 0, 0)
    assert sum(histograms["received -> shipped"]) == 4
    otif = dict(march.series.otif_weekly)
    assert dict(otif["acme"]) == {dt.date(2026, 3, 2): Rate(1, 3)}
    assert dict(otif["bigbox"]) == {dt.date(2026, 3, 9): Rate(1, 1), dt.date(2026, 3, 16): Rate(0, 1)}


def test_one_partner(report_store: Store) -> None:
    only = build_report(report_store, since=SINCE, until=UNTIL, partner="bigbox", now=NOW)
    assert [k.partner for k in only.partners] == ["bigbox"]
    assert only.total.orders == 2 and only.total.otif == Rate(1, 2)


def test_open_period_and_json(report_store: Store) -> None:
    everything = build_report(report_store, now=NOW)
    assert everything.total.orders == 9  # A0 and B9 too
    data = report_json(everything)
    assert data["total"]["accuracy"] == {"hits": 4, "total": 9, "value": pytest.approx(4 / 9)}
    assert data["total"]["transmissions"]["still_failed"] == 0
    assert data["series"]["volume"][0] == ["2026-02-27", 1]


def test_empty_store(url: str) -> None:
    with Store.open(url) as store:
        empty = build_report(store, since=SINCE, until=UNTIL, now=NOW)
    assert empty.total.orders == 0 and empty.total.accuracy.value is None
    assert empty.total.cycle.to_997 == Stat(0, None, None)
    assert empty.partners == ()


@given(st.lists(st.floats(0, 1e7), min_size=1, max_size=50), st.floats(0, 1))
def test_quantile_lies_between_the_neighbouring_values(values: list[float], q: float) -> None:
    ordered = sorted(values)
    got = quantile(ordered, q)
    assert got is not None and ordered[0] <= got <= ordered[-1]
    assert quantile(ordered, 0.0) == ordered[0] and quantile(ordered, 1.0) == ordered[-1]


@pytest.mark.parametrize(("seconds", "text"), [
    (None, "-"), (42, "42s"), (114, "1m 54s"), (120, "2m"), (600, "10m"), (3599, "59m"), (3 * H, "3h"), (3 * H + 300, "3h 5m"), (52 * H, "2d 4h"), (48 * H, "2d")])
def test_format_seconds(seconds: float | None, text: str) -> None:
    assert format_seconds(seconds) == text


def test_a_line_never_shipped_is_not_in_full(url: str) -> None:
    with Store.open(url) as store:
        b = report_fixture._Builder(store)
        tx = b.receive("acme", report_fixture.at("2026-03-02 08:00"))
        for po in ("P1", "P2"):
            doc = b.order("acme", tx, po, "0001" if po == "P1" else "0002", requested="2026-03-05")
            b.out("acme", "856", tx, report_fixture.at("2026-03-04 12:00"), doc=doc)
        b.ship("acme", "S1", "2026-03-04", {"P1": (10,), "P2": (10, 5)})  # P1's line 2 never ships
        b.ship("acme", "S2", "2026-03-06", {"P1": (0, 5)})                 # ... until after its date
        report = build_report(store, since=SINCE, until=UNTIL, now=NOW)
    assert report.total.on_time == Rate(2, 2) and report.total.otif == Rate(1, 2)
