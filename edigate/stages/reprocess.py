"""A reprocess attempt (``edigate tx reprocess``): a transmission's archived bytes, or a
corrected copy of its file, run again as a new attempt of the same transmission, claimed
as it is created so that no other worker runs it with other settings.

The policy for what a reprocess answers: an interchange an earlier attempt answered with a
997/999 (or a TA1) is not answered again unless asked (`Retry.ack_again`); an order is
answered with its 855 once in any case. The duplicate checks hold for a reprocess as for a
received file: a corrected copy whose bytes another transmission from the partner carried
is refused, and an ISA13 another transmission holds is answered TA1 025, unless forced
with a reason, which the audit trail keeps.
"""

from __future__ import annotations

from dataclasses import dataclass

from edigate.errors import UsageError
from edigate.stages import runner
from edigate.stages.context import Parts, Retry
from edigate.stages.resends import earlier_attempts
from edigate.store import Replacement, Transmission

__all__ = ["Corrected", "reprocess"]


@dataclass(frozen=True, slots=True)
class Corrected:
    """A corrected copy of a transmission's file (``tx reprocess --file``)."""

    name: str
    data: bytes


def reprocess(parts: Parts, transmission_id: int, *, actor: str, worker: str, corrected: Corrected | None = None,
              force: str | None = None, ack_again: bool = False) -> Transmission:
    """Run transmission ``transmission_id`` again as a new attempt; the attempt as it ended.
    ``force`` is the reason to go past the duplicate checks (None: they hold)."""
    if force is not None and not force.strip():
        raise UsageError("--force needs a reason: --reason TEXT")
    old = parts.store.transmission(transmission_id)
    replacement = None if corrected is None else _archived(parts, old, corrected, forced=force is not None)
    note = "; ".join(["edigate tx reprocess", *([f"corrected file {corrected.name}"] if corrected else []),
                      *([f"forced past the duplicate checks: {force.strip()}"] if force is not None else []),
                      *(["acks again"] if ack_again else [])])
    again = parts.store.reprocess(old.id, actor=actor, note=note, replacement=replacement, worker=worker,
                                  lease=parts.lease)
    return runner.process(parts, again, Retry(force=force is not None, ack_again=ack_again))


def _archived(parts: Parts, old: Transmission, corrected: Corrected, *, forced: bool) -> Replacement:
    """The corrected copy archived; refused (unless ``forced``) when another transmission
    from the partner carried the same bytes."""
    archived = parts.archive.put(corrected.data)
    seen = parts.store.received_as(old.partner, archived.sha256)
    lineage = {old.id, *(t.id for t in earlier_attempts(parts.store, old))}  # a duplicate's original is not
    if seen is not None and seen.id not in lineage and not forced:
        raise UsageError(f"{corrected.name}: the same bytes as transmission {seen.id} ({seen.status.value}) "
                         f"from {old.partner}; to run it anyway: --force --reason TEXT", code="tx.duplicate")
    return Replacement(corrected.name, archived.sha256, archived.size, archived.relative)
