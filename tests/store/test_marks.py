"""Marks: taken once across store handles, forgotten on request, values kept over a reopen."""

from __future__ import annotations

from edigate.store import Store


def test_a_mark_is_taken_once_even_from_another_handle(url: str) -> None:
    with Store.open(url) as one, Store.open(url) as two:
        assert one.mark_once("shopify.webhook", "b54557e4") is True
        assert two.mark_once("shopify.webhook", "b54557e4") is False
        assert one.mark_once("other", "b54557e4") is True  # kinds keep apart
        two.unmark("shopify.webhook", "b54557e4")
        assert one.mark_once("shopify.webhook", "b54557e4") is True


def test_many_marks_in_one_write_and_read_back_in_chunks(store: Store) -> None:
    keys = [f"{n}:erp" for n in range(1200)]
    store.mark_many("route.delivered", keys[:700])
    store.mark_many("route.delivered", keys)  # those already there are left as they are
    assert store.marked("route.delivered", [*keys, "9999:erp"]) == set(keys)


def test_a_high_water_mark_survives_a_reopen(url: str) -> None:
    with Store.open(url) as store:
        assert store.mark_value("poll.hwm", "netsuite:s4") is None
        store.set_mark_value("poll.hwm", "netsuite:s4", "2026-12-01T00:00:00")
        store.set_mark_value("poll.hwm", "netsuite:s4", "2026-12-02T00:00:00")
    with Store.open(url) as store:
        assert store.mark_value("poll.hwm", "netsuite:s4") == "2026-12-02T00:00:00"
