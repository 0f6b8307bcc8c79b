"""Control numbers spent only together with the document they number (`OutboundNumbers`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import ExitStack
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from edigate.store.records import ControlKind, Direction, NewDocument, Outbound, SavedDocument
from edigate.store.work import ReservedNumbers, draw, draw_many

if TYPE_CHECKING:
    from edigate.store.documents import DocumentsMixin

__all__ = ["OutboundNumbers"]


class OutboundNumbers:
    """Control numbers that are spent only together with the document they number.

    The first draw opens a write transaction; `record` adds the outbound document to it
    and commits both; `discard` (or leaving the ``with`` block without recording) rolls
    the draws back. A worker that dies between writing a 997 or 855 and recording it
    leaves no gap in the partner's sequence, and one that records a key already recorded
    (a resumed stage) spends nothing. Hold the transaction briefly: it is the database's
    single writer on SQLite and locks the partner's sequences on PostgreSQL.
    """

    def __init__(self, store: DocumentsMixin, partner: str, direction: Direction = Direction.OUT) -> None:
        self.store, self.partner, self.direction = store, partner, direction
        self._open: ExitStack | None = None
        self._session: Session | None = None

    def next(self, kind: str) -> int:
        return self.reserve(ControlKind(kind), 1)[0]

    def reserve(self, kind: ControlKind, count: int) -> range:
        return draw(self._begin(), self.partner, kind, count, self.direction)

    def blocks(self, interchanges: int, sets: int) -> ReservedNumbers:
        """Numbers for ``interchanges`` of one group each holding ``sets`` in all."""
        counts = {ControlKind.INTERCHANGE: interchanges, ControlKind.GROUP: interchanges,
                  ControlKind.TRANSACTION: sets}
        drawn = draw_many(self._begin(), self.partner, counts, self.direction)
        return ReservedNumbers({kind.value: numbers for kind, numbers in drawn.items()})

    def record(self, **fields: Any) -> tuple[Outbound, bool]:
        """`Store.record_outbound` in the transaction of the draws, then commit.

        When ``key`` is already recorded, the draws are rolled back and the record returned.
        """
        return self.record_all([fields])[0]

    def record_all(self, records: Sequence[Mapping[str, Any]]) -> list[tuple[Outbound, bool]]:
        """`record` for one interchange recorded under several keys (an 856 once per order it
        ships): all in the transaction of the draws, one commit. When the first key is
        already recorded, the draws are rolled back and the records found returned."""
        s = self._begin()
        try:
            found = [self.store._recorded(s, self.partner, r["key"]) for r in records]
            if found and found[0] is not None:
                self.discard()
                return [(f, False) for f in found if f is not None]
            done = [(f, False) if f is not None else
                    (self.store._outbound_row(s, partner=self.partner, **r), True)
                    for f, r in zip(found, records, strict=True)]
        except BaseException:
            self.discard()
            raise
        self._finish(commit=True)
        return done

    def save(self, document: NewDocument) -> SavedDocument:
        """`Store.save_document` in the transaction of the draws: the document (a shipment,
        an invoice) commits with the numbers and the record of the file that carries it."""
        try:
            return self.store._save(self._begin(), document)
        except BaseException:
            self.discard()
            raise

    def discard(self) -> None:
        """Give back every number drawn since the last `record`."""
        self._finish(commit=False)

    def __enter__(self) -> OutboundNumbers:
        return self

    def __exit__(self, *_: object) -> None:
        self.discard()

    def _begin(self) -> Session:
        if self._session is None:
            stack = ExitStack()
            try:
                self._session = stack.enter_context(self.store._write())
            except BaseException:
                stack.close()
                raise
            self._open = stack
        return self._session

    def _finish(self, *, commit: bool) -> None:
        stack, session = self._open, self._session
        self._open = self._session = None
        if stack is None or session is None:
            return
        if commit:
            stack.close()  # the session block commits on a clean exit
        else:
            stack.__exit__(_Discarded, _Discarded(), None)


class _Discarded(Exception):
    """Raised into the open session block to roll it back quietly."""
