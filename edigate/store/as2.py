"""AS2 in the store: every message we sent (recorded before it goes) with the MDN it got,
and the async MDNs we owe partners, delivered by the scheduler with bounded retries."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from sqlalchemy import Select, select

from edigate.errors import UsageError
from edigate.store.base import StoreBase
from edigate.store.records import As2MdnOut, As2Message
from edigate.store.tables import As2MdnOutRow, As2MessageRow
from edigate.store.types import utcnow

__all__ = ["As2Mixin", "MdnVerdict"]


def _by_id(message_id: str) -> Select[As2MessageRow]:
    return select(As2MessageRow).where(As2MessageRow.message_id == message_id)


@dataclass(frozen=True, slots=True, kw_only=True)
class MdnVerdict:
    """What a received MDN said: its status and disposition, text, our verdict on it (its
    signature and MIC), its own Message-ID and MIC, and the archived raw bytes."""

    status: str | None
    disposition: str | None
    text: str | None = None
    verdict: str | None = None
    mdn_message_id: str | None = None
    mic: str | None = None
    sha256: str | None = None


class As2Mixin(StoreBase):

    def await_mdn(self, *, message_id: str, partner: str, as2_id: str, mic: str | None,
                  outbound_id: int | None = None, mdn_mode: str = "async") -> As2Message:
        """Record a message about to be sent (once per Message-ID), before it goes, so an
        MDN that comes back faster than the POST returns finds it."""
        with self._write() as s:
            row = s.scalar(_by_id(message_id))
            if row is None:
                row = As2MessageRow(message_id=message_id, partner=partner, as2_id=as2_id, mic=mic,
                                    outbound_id=outbound_id, sent_at=utcnow(), mdn_mode=mdn_mode)
                s.add(row)
                s.flush()
            return _record(row)

    def as2_message(self, message_id: str) -> As2Message | None:
        """The message we sent under this Message-ID, if any."""
        with self._read() as s:
            row = s.scalar(_by_id(message_id))
            return None if row is None else _record(row)

    def as2_messages_of(self, outbound_ids: list[int]) -> list[As2Message]:
        """The AS2 messages that carried these outputs, oldest first."""
        q = (select(As2MessageRow).where(As2MessageRow.outbound_id.in_(outbound_ids))
             .order_by(As2MessageRow.id))
        with self._read() as s:
            return [_record(r) for r in s.scalars(q)]

    def record_mdn(self, message_id: str, verdict: MdnVerdict) -> As2Message:
        """What the partner's MDN said of a message we sent (a repeated MDN overwrites)."""
        with self._write() as s:
            row = s.scalar(_by_id(message_id))
            if row is None:
                raise UsageError(f"no AS2 message {message_id} was sent", code="store.not_found")
            row.mdn_status, row.disposition, row.mdn_text = (verdict.status, verdict.disposition,
                                                             verdict.text)
            row.mdn_verdict, row.mdn_message_id = verdict.verdict, verdict.mdn_message_id
            row.mdn_mic, row.mdn_sha256, row.mdn_at = verdict.mic, verdict.sha256, utcnow()
            s.flush()
            return _record(row)

    def awaiting_mdns(self, *, older_than: dt.datetime | None = None) -> list[As2Message]:
        """Messages whose async MDN has not come (sent before ``older_than``), oldest first."""
        q = (select(As2MessageRow)
             .where(As2MessageRow.mdn_at.is_(None), As2MessageRow.mdn_mode == "async")
             .order_by(As2MessageRow.id))
        if older_than is not None:
            q = q.where(As2MessageRow.sent_at < older_than)
        with self._read() as s:
            return [_record(r) for r in s.scalars(q)]

    def queue_mdn(self, *, partner: str, original_message_id: str, url: str,
                  headers: tuple[tuple[str, str], ...], body: bytes) -> As2MdnOut:
        """Keep an async MDN we owe, due now."""
        with self._write() as s:
            row = As2MdnOutRow(partner=partner, original_message_id=original_message_id, url=url,
                               headers=json.dumps(headers), body=body, next_at=utcnow())
            s.add(row)
            s.flush()
            return _outgoing(row)

    def due_mdns(self, *, now: dt.datetime | None = None, limit: int = 50) -> list[As2MdnOut]:
        """Async MDNs due for a (first or next) attempt, oldest first."""
        q = (select(As2MdnOutRow).where(As2MdnOutRow.next_at <= (now or utcnow()))
             .order_by(As2MdnOutRow.next_at, As2MdnOutRow.id).limit(limit))
        with self._read() as s:
            return [_outgoing(r) for r in s.scalars(q)]

    def mdn_attempted(self, mdn_id: int, *, error: str | None,
                      next_at: dt.datetime | None) -> As2MdnOut:
        """One delivery attempt: delivered (``error`` None), else retried at ``next_at``
        (None: given up)."""
        with self._write() as s:
            row = s.get(As2MdnOutRow, mdn_id)
            if row is None:
                raise UsageError(f"no queued MDN {mdn_id}", code="store.not_found")
            row.attempts += 1
            row.last_error = error
            row.delivered_at = utcnow() if error is None else None
            row.next_at = None if error is None else next_at
            s.flush()
            return _outgoing(row)


def _record(row: As2MessageRow) -> As2Message:
    return As2Message(id=row.id, message_id=row.message_id, partner=row.partner, as2_id=row.as2_id,
                      mic=row.mic, outbound_id=row.outbound_id, sent_at=row.sent_at, mdn_at=row.mdn_at,
                      mdn_status=row.mdn_status, disposition=row.disposition, mdn_text=row.mdn_text,
                      mdn_mode=row.mdn_mode, mdn_message_id=row.mdn_message_id,
                      mdn_verdict=row.mdn_verdict, mdn_mic=row.mdn_mic, mdn_sha256=row.mdn_sha256)


def _outgoing(row: As2MdnOutRow) -> As2MdnOut:
    headers = tuple((str(k), str(v)) for k, v in json.loads(row.headers))
    return As2MdnOut(id=row.id, partner=row.partner, original_message_id=row.original_message_id,
                     url=row.url, headers=headers, body=row.body, created_at=row.created_at,
                     attempts=row.attempts, next_at=row.next_at, delivered_at=row.delivered_at,
                     last_error=row.last_error)
