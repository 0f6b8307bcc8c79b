"""Core statements for what every small file reads and writes, each built once.

Building a statement (and running it through the ORM's unit of work and identity map)
costs more than running it: a small file's stages run these dozens of times, so they are
Core statements over the tables, with bind parameters, cached per shape, and their rows
read into records by `edigate.store.convert` (columns and attributes share their names).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from sqlalchemy import Connection, Table, bindparam, delete, func, insert, select, update

from edigate.errors import UsageError
from edigate.store import convert
from edigate.store.records import Severity, Transmission
from edigate.store.tables import Base

__all__ = ["by_transmission", "count_documents", "documents", "load_transmission", "statement",
           "update_transmission"]

T = TypeVar("T")


def _table(name: str) -> Table:
    return Base.metadata.tables[name]


def _param(table: Table, column: str) -> Any:
    return bindparam(column, type_=table.c[column].type)


@functools.cache
def statement(name: str) -> Any:
    """The statement called ``name`` (see `_BUILDERS`), built on first use."""
    return _BUILDERS[name]()


def _transmission() -> Any:
    t = _table("transmissions")
    return select(t).where(t.c.id == bindparam("tx_id"))


def _sets() -> Any:
    t = _table("envelope_sets")
    return select(t.c.gs06, t.c.functional_id, t.c.set_id, t.c.st02).where(
        t.c.transmission_id == bindparam("tx_id")).order_by(t.c.id)


def _of_transmission(table: str) -> Any:
    """A table's rows of one transmission (``tx_id``), in the order they were written."""
    t = _table(table)
    return select(t).where(t.c.transmission_id == bindparam("tx_id")).order_by(t.c.id)


def _of_transmissions(table: str) -> Any:
    """`_of_transmission` for several (``tx_ids``): a batch's in one read."""
    t = _table(table)
    return select(t).where(t.c.transmission_id.in_(bindparam("tx_ids", expanding=True))).order_by(t.c.id)


def by_transmission(conn: Connection, table: str, transmission_ids: Sequence[int],
                    record: Callable[[Any], T]) -> dict[int, list[T]]:
    """Each transmission's rows of ``table``, as ``record`` makes them, in the order they
    were written, in one read; an id without any maps to an empty list."""
    found: dict[int, list[T]] = {i: [] for i in transmission_ids}
    for row in conn.execute(statement(f"{table}_of"), {"tx_ids": list(found)}):
        found[row.transmission_id].append(record(row))
    return found


def _recorded() -> Any:
    t = _table("outbound_documents")
    return select(t).where(t.c.partner == bindparam("partner"), t.c.key == bindparam("key"))


def _marked() -> Any:
    t = _table("connector_marks")
    return select(t.c.key).where(t.c.kind == bindparam("kind"), t.c.key.in_(bindparam("keys", expanding=True)))


def _error_codes() -> Any:
    t = _table("error_entries")
    return select(t.c.stage, t.c.code).distinct().where(
        t.c.transmission_id == bindparam("tx_id"), t.c.severity == Severity.ERROR)


def _first_receipt() -> Any:
    t = _table("transmissions")
    return select(t.c.id).where(t.c.partner == bindparam("partner"), t.c.direction == _param(t, "direction"),
                                t.c.first_sha256 == bindparam("sha256"))


def _insert_transmission() -> Any:
    t = _table("transmissions")
    return insert(t).returning(*t.c)


def _insert_sets() -> Any:
    return insert(_table("envelope_sets"))


def _delete_sets() -> Any:
    t = _table("envelope_sets")
    return delete(t).where(t.c.transmission_id == bindparam("tx_id"))


def _insert_marks() -> Any:
    return insert(_table("connector_marks"))


def _interchange() -> Any:
    t = _table("interchange_keys")
    return select(t).where(t.c.partner == bindparam("partner"), t.c.isa13 == bindparam("isa13")).with_for_update()


def _insert_interchange() -> Any:
    return insert(_table("interchange_keys"))


def _hold_interchange() -> Any:
    t = _table("interchange_keys")
    return update(t).where(t.c.partner == bindparam("held_partner"), t.c.isa13 == bindparam("held_isa13")).values(
        transmission_id=bindparam("transmission_id"), received_at=_param(t, "received_at"))


def _lineage() -> Any:
    t = _table("transmissions")
    return select(t.c.parent_id, t.c.attempt).where(t.c.id == bindparam("tx_id"))


def _held_documents() -> Any:
    t = _table("documents")
    return select(t).where(t.c.partner == bindparam("partner"), t.c.kind == _param(t, "kind"),
                           t.c.active_key.in_(bindparam("keys", expanding=True)))


def _insert_documents() -> Any:
    t = _table("documents")
    return insert(t).returning(*t.c)


_PER_TRANSMISSION = ("outbound_documents", "stage_events")
"""Tables read by transmission: ``statement(name)`` for one, ``statement(name + "_of")`` for several."""

_BUILDERS: dict[str, Callable[[], Any]] = {
    "transmission": _transmission, "sets": _sets, "lineage": _lineage, "first_receipt": _first_receipt,
    "insert_transmission": _insert_transmission, "insert_sets": _insert_sets, "delete_sets": _delete_sets,
    "interchange": _interchange, "insert_interchange": _insert_interchange, "hold_interchange": _hold_interchange,
    "held_documents": _held_documents, "insert_documents": _insert_documents, "recorded": _recorded,
    "marked": _marked, "insert_marks": _insert_marks, "error_codes": _error_codes,
    **{name: functools.partial(_of_transmission, name) for name in _PER_TRANSMISSION},
    **{f"{name}_of": functools.partial(_of_transmissions, name) for name in _PER_TRANSMISSION},
}


def load_transmission(conn: Connection, transmission_id: int) -> Transmission:
    """One transmission with its envelope sets; `UsageError` when the id does not exist."""
    row = conn.execute(statement("transmission"), {"tx_id": transmission_id}).one_or_none()
    if row is None:
        raise UsageError(f"no transmission {transmission_id}", code="store.not_found")
    return convert.transmission(row, conn.execute(statement("sets"), {"tx_id": transmission_id}))


def update_transmission(conn: Connection, transmission_id: int, values: Mapping[str, Any]) -> Transmission:
    """Set ``values`` (column: value) on one transmission; the transmission as it now stands."""
    row = conn.execute(_update_transmission(tuple(values)), {"tx_id": transmission_id, **values}).one_or_none()
    if row is None:
        raise UsageError(f"no transmission {transmission_id}", code="store.not_found")
    return convert.transmission(row, conn.execute(statement("sets"), {"tx_id": transmission_id}))


@functools.cache
def _update_transmission(columns: tuple[str, ...]) -> Any:
    t = _table("transmissions")
    return update(t).where(t.c.id == bindparam("tx_id")).values({c: _param(t, c) for c in columns}).returning(*t.c)


@functools.cache
def documents(filters: tuple[str, ...], current: bool, after: bool, limit: int | None) -> Any:
    """Documents whose columns ``filters`` equal their parameters (``after``: an id above
    the parameter ``after``), oldest first, at most ``limit``."""
    t = _table("documents")
    q = select(t).where(*(t.c[f] == _param(t, f) for f in filters)).order_by(t.c.id)
    if current:
        q = q.where(t.c.active_key.is_not(None))
    if after:
        q = q.where(t.c.id > bindparam("after"))
    return q.limit(limit)


@functools.cache
def count_documents(excluding: bool) -> Any:
    """How many current documents of a ``kind`` a transmission holds (without those whose
    status is in ``excluding``)."""
    t = _table("documents")
    q = select(func.count()).select_from(t).where(
        t.c.transmission_id == bindparam("transmission_id"), t.c.kind == _param(t, "kind"), t.c.active_key.is_not(None))
    return q.where(t.c.status.not_in(bindparam("excluding", expanding=True))) if excluding else q
