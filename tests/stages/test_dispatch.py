"""Sending recorded outputs: each file once, each record stamped only after its file went."""

from __future__ import annotations

from pathlib import Path

import pytest

from edigate.store.archive import Archive
from edigate.config.channels import FolderChannel
from edigate.stages.send import dispatch, output_name
from edigate.errors import TransportError
from edigate.store import Outbound, Store
from edigate.transport import ChannelOptions, open_channel


def _record(store: Store, archive: Archive, key: str, data: bytes, isa13: str) -> Outbound:
    put = archive.put(data)
    out, _ = store.record_outbound(partner="acme", set_id="855", key=key, isa13=isa13, gs06="1", st02="0001",
                                   archive_path=put.relative, sha256=put.sha256)
    return out


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store.open(f"sqlite:///{tmp_path / 'edigate.db'}")


def test_a_file_answering_several_records_is_sent_once_and_each_record_stamped(tmp_path: Path,
                                                                              store: Store) -> None:
    archive = Archive(tmp_path / "archive")
    shared = b"ISA*shared interchange~"
    outs = [_record(store, archive, "855:a", shared, "000000007"), _record(store, archive, "855:b", shared, "000000007"),
            _record(store, archive, "855:c", b"ISA*its own~", "000000008")]
    options = ChannelOptions(root=tmp_path, settle_seconds=0)
    with open_channel(FolderChannel(path=("out",)), "acme:out", options) as channel:
        sent = [o.id for o in dispatch(channel, store, archive, outs)]
    assert sent == [o.id for o in outs]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["855-acme-000000007.x12",
                                                                    "855-acme-000000008.x12"]
    assert (tmp_path / "out" / output_name(outs[2])).read_bytes() == b"ISA*its own~"
    assert all(store.outbound(o.id).sent_at is not None for o in outs)


def test_stopping_or_a_failed_send_leaves_the_rest_queued(tmp_path: Path, store: Store) -> None:
    archive = Archive(tmp_path / "archive")
    outs = [_record(store, archive, f"855:{n}", b"ISA*%d~" % n, f"00000000{n}") for n in range(1, 4)]
    options = ChannelOptions(root=tmp_path, settle_seconds=0)
    with open_channel(FolderChannel(path=("out",)), "acme:out", options) as channel:
        first = next(dispatch(channel, store, archive, outs, stopping=lambda: False))
        assert list(dispatch(channel, store, archive, outs[1:], stopping=lambda: True)) == []
    assert [store.outbound(o.id).sent_at is not None for o in outs] == [True, False, False]
    assert first.id == outs[0].id
    (tmp_path / "blocked").write_text("a file where the folder should be")
    with open_channel(FolderChannel(path=("blocked",)), "acme:out", options) as channel, \
            pytest.raises(TransportError):
        list(dispatch(channel, store, archive, outs[1:]))
    assert [store.outbound(o.id).sent_at is not None for o in outs] == [True, False, False]
