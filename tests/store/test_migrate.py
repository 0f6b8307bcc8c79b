from __future__ import annotations

import socket
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from edigate.errors import EdigateError, StoreError
from edigate.store import Store, migrate
from edigate.store.migrate import head_revision, plain_head
from edigate.store.tables import Base

from tests.support import store_children
from tests.support.forked import children

TABLES = {"transmissions", "envelope_sets", "interchange_keys", "stage_events", "error_entries",
          "documents", "outbound_documents", "control_sequences", "audit_events", "events", "outbound_sets",
          "inventory_levels", "inventory_allocations", "inventory_feeds", "as2_messages", "as2_mdn_outbox",
          "archive_blobs", "archive_chunks", "gateway_leases", "ticket_links", "ticket_actions", "connector_marks",
          "alembic_version"}


def test_migrations_build_every_table_on_an_empty_database(url: str) -> None:
    engine = create_engine(url)
    try:
        migrate(engine)
        assert set(inspect(engine).get_table_names()) == TABLES
        with engine.connect() as conn:
            ctx = MigrationContext.configure(conn)
            assert ctx.get_current_revision() == head_revision()
            assert compare_metadata(ctx, Base.metadata) == []
    finally:
        engine.dispose()


def test_the_head_read_from_the_revision_files_is_alembics() -> None:
    """`migrate` skips Alembic when the database holds this head: it must be Alembic's."""
    assert plain_head() == head_revision() is not None


def test_migrating_again_changes_nothing(url: str) -> None:
    with Store.open(url) as store:
        tx = store.record_received(partner="acme", channel="c", file_name="f", sha256="a" * 64, size=1)
    with Store.open(url) as store:
        migrate(store.engine)
        assert store.transmission(tx.transmission.id) == tx.transmission


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_a_database_that_is_down_is_one_clear_line() -> None:
    url = f"postgresql+psycopg://postgres@127.0.0.1:{_free_port()}/test?connect_timeout=2"
    with pytest.raises(StoreError) as caught:
        Store.open(url)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith("store unavailable at postgresql+psycopg://postgres@127.0.0.1:")
    assert caught.value.exit_code == 2 and caught.value.code == "store"
    assert isinstance(caught.value, EdigateError)


def test_an_unopenable_sqlite_file_is_a_store_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError) as caught:
        Store.open(f"sqlite:///{tmp_path / 'missing' / 'edigate.db'}")
    assert "\n" not in str(caught.value)


def test_a_malformed_url_is_a_store_error() -> None:
    with pytest.raises(StoreError, match="not a database URL"):
        Store.open("not a url")


def test_processes_opening_an_empty_database_at_once_migrate_it_once(url: str) -> None:
    ctx = children()
    procs = [ctx.Process(target=store_children.open_store, args=(url,)) for _ in range(3)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=120)
    assert [p.exitcode for p in procs] == [0, 0, 0]
    with Store.open(url) as store:
        assert store.transmissions() == []


def test_an_unknown_driver_is_a_store_error() -> None:
    with pytest.raises(StoreError, match="unknown database or driver"):
        Store.open("postgresql+nosuchdriver://u:pw@localhost/db")


def test_an_in_memory_database_works_for_tests_and_demos() -> None:
    with Store.open("sqlite://") as store:
        store.record_received(partner="acme", channel="c", file_name="f", sha256="a" * 64, size=1)
        assert store.claim_next("w") is not None
        with store.try_poll_lock("acme") as got:
            assert got
