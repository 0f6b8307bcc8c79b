"""What a duplicate repeats, and what to do about it.

A file received again (the same bytes, the same ISA13, a PO already held) names the
transmission it repeats and how that one stands now: the newest attempt of it, since a
failed transmission may have been reprocessed since. The advice is the command to use.
"""

from __future__ import annotations

from dataclasses import dataclass

from edigate.store import Status, Store, Transmission

__all__ = ["Explanation", "duplicate_of", "earlier_attempts", "explain_duplicate", "latest_attempt"]


@dataclass(frozen=True, slots=True)
class Explanation:
    """``text`` names the original and its status; ``advice`` says what to do."""

    original: int
    status: Status
    text: str
    advice: str


def latest_attempt(store: Store, transmission_id: int) -> Transmission:
    """The newest reprocess attempt of a transmission (itself when there is none)."""
    newest = store.transmission(transmission_id)
    family = store.history(transmission_id)
    while (later := [t for t in family if t.parent_id == newest.id and t.attempt == newest.attempt + 1]):
        newest = later[-1]
    return newest


def earlier_attempts(store: Store, tx: Transmission) -> list[Transmission]:
    """The attempts a reprocess attempt descends from, newest first (none for a first attempt)."""
    found: list[Transmission] = []
    while tx.attempt > 1 and tx.parent_id is not None:
        tx = store.transmission(tx.parent_id)
        found.append(tx)
    return found


def duplicate_of(store: Store, tx: Transmission) -> int | None:
    """The transmission a duplicate repeats: a first attempt links to it; a reprocess
    attempt links to the attempt before it, so its original is the ISA13's holder."""
    if tx.status is not Status.DUPLICATE:
        return None
    if tx.attempt == 1 or tx.isa13 is None:
        return tx.parent_id
    return store.interchange_holder(tx.partner, tx.isa13)


def explain_duplicate(store: Store, original: int) -> Explanation:
    """How the transmission a duplicate repeats stands now, and the command to use."""
    newest = latest_attempt(store, original)
    status = newest.status
    text = f"transmission {original} ({status.value})" if newest.id == original else \
        f"transmission {original}, reprocessed as {newest.id} ({status.value})"
    return Explanation(original, status, text, _advice(newest))


def _advice(tx: Transmission) -> str:
    if tx.status is Status.FAILED:
        return f"to run it again after a fix: edigate tx reprocess {tx.id}"
    if tx.status is Status.HELD:
        return f"its orders wait for a decision: edigate tx show {tx.id}, then edigate orders release or reject"
    if tx.status in (Status.RECEIVED, Status.PROCESSING):
        return f"it is still being processed: edigate tx show {tx.id}"
    return f"nothing to do; to run it again anyway: edigate tx reprocess {tx.id}"
