"""Receipts for what we send (AS2 MDNs), kept in the store for non-repudiation.

A message is recorded under its Message-ID before it goes (`expect`), so a receipt that
comes back faster than the send returns still finds it. Each receipt, sync or async, is
recorded with its status, our verdict on it (signature, MIC), its own Message-ID and MIC,
and its raw bytes archived (`record`); one that is not a verified ``processed`` is logged
as an event and in the error log of the transmission whose output it was.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from edigate.store.archive import ArchiveBackend
from edigate.store import As2Message, ErrorEntry, EventKind, MdnVerdict, Outbound, Severity, Store
from edigate.transport import Receipt

__all__ = ["by_output", "expect", "noter", "receipt_json", "receipt_text", "record"]

_HINTS = {
    "signature-failed": "the MDN's signature does not verify with the partner's certificate: "
                        "check the certificate in the partner file, then `edigate tx resend`",
    "unsigned": "ask the partner to sign its MDNs (or set mdn_signed: false), then resend",
    "mic-mismatch": "the partner confirmed other content than we sent; resend and compare",
}
_NOT_PROCESSED = ("the partner did not process the file; see its MDN text, fix the cause "
                  "and `edigate tx resend`")


def expect(store: Store, out: Outbound | None, receipt: Receipt, partner: str) -> As2Message:
    """Record the message ``receipt`` will answer, before it is sent."""
    return store.await_mdn(message_id=receipt.message_id, partner=partner,
                           as2_id=receipt.remote_id, mic=receipt.digest,
                           outbound_id=out.id if out is not None else None, mdn_mode=receipt.mode)


def record(store: Store, archive: ArchiveBackend, receipt: Receipt) -> As2Message:
    """Keep a receipt that came; a failed one goes to the event log and the error log."""
    came = receipt.came
    if came is None:
        raise ValueError(f"no receipt came yet for {receipt.message_id}")
    sha = archive.put(came.raw).sha256 if came.raw is not None else None
    got = store.record_mdn(receipt.message_id, MdnVerdict(
        status=came.status, disposition=came.disposition, text=came.text, verdict=came.verdict,
        mdn_message_id=came.receipt_id, mic=came.digest, sha256=sha))
    _log(store, got)
    return got


def noter(store: Store, archive: ArchiveBackend, out: Outbound) -> Callable[[Receipt], None]:
    """The ``note`` for `Channel.send_noting` of ``out``: expect, then record."""
    def note(receipt: Receipt) -> None:
        if receipt.came is None:
            expect(store, out, receipt, out.partner)
        else:
            record(store, archive, receipt)
    return note


def _log(store: Store, got: As2Message) -> None:
    if got.mdn_verdict == "undelivered":
        return  # the send's own failure is logged where it happened
    out = store.outbound(got.outbound_id) if got.outbound_id is not None else None
    what = f"{got.message_id}: {out.set_id} ISA13 {out.isa13}" if out else got.message_id
    tx = out.transmission_id if out else None
    if got.ok and got.mdn_verdict in (None, "verified"):
        store.record_event(kind=EventKind.CHANNEL, code="as2.mdn", partner=got.partner,
                           channel="out", transmission_id=tx, message=f"{what}: processed")
        return
    problem = f"{what}: {got.disposition or 'the MDN says nothing'}"
    if got.mdn_verdict in (None, "verified"):
        problem = f"{what}: the partner's MDN says {got.disposition or 'nothing'}"
    store.record_event(kind=EventKind.CHANNEL, code="as2.mdn_failed", severity=Severity.ERROR,
                       partner=got.partner, channel="out", transmission_id=tx, message=problem)
    if tx is not None:
        hint = _HINTS.get(got.mdn_verdict or "", _NOT_PROCESSED)
        store.add_errors(tx, [ErrorEntry("send", "as2.mdn_failed", problem, hint=hint)])


def by_output(store: Store, outs: Iterable[Outbound]) -> dict[int, As2Message]:
    """The latest AS2 message (with its receipt) of each output that went over AS2."""
    found: dict[int, As2Message] = {}
    for message in store.as2_messages_of([o.id for o in outs]):
        if message.outbound_id is not None:
            found[message.outbound_id] = message
    return found


def receipt_text(message: As2Message | None) -> str:
    """How `tx show` and `orders show` print an output's receipt."""
    if message is None:
        return ""
    if message.mdn_at is None:
        waiting = "awaiting its MDN" if message.mdn_mode != "none" else "no MDN asked"
        return f"; AS2 {message.message_id}: {waiting}"
    verdict = "" if message.mdn_verdict in (None, "verified") else f" ({message.mdn_verdict})"
    return (f"; AS2 {message.message_id}: {message.mdn_mode} MDN {message.mdn_status}{verdict}"
            f" at {message.mdn_at:%Y-%m-%d %H:%M:%S}")


def receipt_json(message: As2Message | None) -> dict[str, Any] | None:
    """An output's receipt for ``--json``."""
    if message is None:
        return None
    return {"message_id": message.message_id, "mdn_mode": message.mdn_mode, "mic": message.mic,
            "sent_at": message.sent_at.isoformat(),
            "mdn_at": message.mdn_at.isoformat() if message.mdn_at else None,
            "mdn_status": message.mdn_status, "disposition": message.disposition,
            "mdn_verdict": message.mdn_verdict, "mdn_message_id": message.mdn_message_id,
            "mdn_mic": message.mdn_mic, "mdn_sha256": message.mdn_sha256}
