"""Entry points of the processes the store tests start (`tests.support.forked`: forked from a
server that has imported this module, so the store, and not pytest and a test module with its
imports)."""

from __future__ import annotations

from decimal import Decimal
from multiprocessing.queues import Queue

from edigate.store import AllocationRequest, ControlKind, Store

__all__ = ["allocate", "claim_all", "draw", "open_store"]


def draw(url: str, draws: int, queue: Queue[list[int]]) -> None:
    with Store.open(url) as store:
        queue.put([store.next_control_number("acme", ControlKind.INTERCHANGE) for _ in range(draws)])


def claim_all(url: str, worker: str, queue: Queue[list[int]]) -> None:
    got = []
    with Store.open(url) as store:
        while (tx := store.claim_next(worker)) is not None:
            got.append(tx.id)
    queue.put(got)


def open_store(url: str) -> None:
    Store.open(url).close()


def allocate(url: str, doc: int, sku: str, quantity: str) -> None:
    with Store.open(url) as own:
        own.allocate(doc, [AllocationRequest("1", sku, Decimal(quantity))], partial=True)
