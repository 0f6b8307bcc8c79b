"""AS2 messages we sent that asked for their MDN later, matched when it arrives."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Select, select

from edigate.errors import UsageError
from edigate.store.base import StoreBase
from edigate.store.records import As2Message
from edigate.store.tables import As2MessageRow
from edigate.store.types import utcnow

__all__ = ["As2Mixin"]


def _by_id(message_id: str) -> Select[As2MessageRow]:
    return select(As2MessageRow).where(As2MessageRow.message_id == message_id)


class As2Mixin(StoreBase):

    def await_mdn(self, *, message_id: str, partner: str, as2_id: str, mic: str | None,
                  outbound_id: int | None = None) -> As2Message:
        """Record a message sent with an async MDN asked for (once per Message-ID)."""
        with self._write() as s:
            row = s.scalar(_by_id(message_id))
            if row is None:
                row = As2MessageRow(message_id=message_id, partner=partner, as2_id=as2_id, mic=mic,
                                    outbound_id=outbound_id, sent_at=utcnow())
                s.add(row)
                s.flush()
            return _record(row)

    def as2_message(self, message_id: str) -> As2Message | None:
        """The message we sent under this Message-ID, if any."""
        with self._read() as s:
            row = s.scalar(_by_id(message_id))
            return None if row is None else _record(row)

    def record_mdn(self, message_id: str, *, status: str | None, disposition: str | None,
                   text: str | None = None) -> As2Message:
        """What the partner's async MDN said of a message we sent (a repeated MDN overwrites)."""
        with self._write() as s:
            row = s.scalar(_by_id(message_id))
            if row is None:
                raise UsageError(f"no AS2 message {message_id} was sent", code="store.not_found")
            row.mdn_status, row.disposition, row.mdn_text = status, disposition, text
            row.mdn_at = utcnow()
            s.flush()
            return _record(row)

    def awaiting_mdns(self, *, older_than: dt.datetime | None = None) -> list[As2Message]:
        """Messages whose async MDN has not come (sent before ``older_than``), oldest first."""
        q = select(As2MessageRow).where(As2MessageRow.mdn_at.is_(None)).order_by(As2MessageRow.id)
        if older_than is not None:
            q = q.where(As2MessageRow.sent_at < older_than)
        with self._read() as s:
            return [_record(r) for r in s.scalars(q)]


def _record(row: As2MessageRow) -> As2Message:
    return As2Message(id=row.id, message_id=row.message_id, partner=row.partner, as2_id=row.as2_id,
                      mic=row.mic, outbound_id=row.outbound_id, sent_at=row.sent_at, mdn_at=row.mdn_at,
                      mdn_status=row.mdn_status, disposition=row.disposition, mdn_text=row.mdn_text)
