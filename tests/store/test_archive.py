from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from edigate.store.archive import Archive, digest
from edigate.errors import InputError, StoreError

DATA = b"ISA*00*          *00*          *ZZ*ACME~"


def test_round_trip_by_hash(tmp_path: Path) -> None:
    archive = Archive(tmp_path)
    got = archive.put(DATA)
    assert got.sha256 == digest(DATA) and got.size == len(DATA)
    assert got.relative == f"{got.sha256[:2]}/{got.sha256[2:4]}/{got.sha256}"
    assert got.path == tmp_path / got.relative
    assert archive.get(got.sha256) == DATA
    assert got.sha256 in archive and "0" * 64 not in archive and "../x" not in archive


def test_the_same_bytes_twice_are_one_file(tmp_path: Path) -> None:
    archive = Archive(tmp_path)
    assert archive.put(DATA) == archive.put(DATA)
    assert list(archive.hashes()) == [digest(DATA)]


def test_a_missing_or_damaged_file_is_an_input_error(tmp_path: Path) -> None:
    archive = Archive(tmp_path)
    with pytest.raises(InputError, match="no file"):
        archive.get("0" * 64)
    got = archive.put(DATA)
    os.chmod(got.path, 0o644)
    got.path.write_bytes(b"changed")
    with pytest.raises(InputError, match="damaged"):
        archive.get(got.sha256)
    assert archive.get(got.sha256, verify=False) == b"changed"


def test_not_a_hash_is_refused_as_a_path(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        Archive(tmp_path).path("../../etc/passwd")


def test_a_failed_write_leaves_nothing_behind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    archive = Archive(tmp_path)

    def crash(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(StoreError, match=r"cannot write 40 bytes: No space left on device; nothing was recorded"):
        archive.put(DATA)
    monkeypatch.undo()
    assert digest(DATA) not in archive
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


def test_sweep_keeps_recent_and_pinned_files(tmp_path: Path) -> None:
    archive = Archive(tmp_path)
    old, pinned, fresh = (archive.put(b) for b in (b"old", b"pinned", b"fresh"))
    month_ago = time.time() - 31 * 86_400
    for f in (old, pinned):
        os.utime(f.path, (month_ago, month_ago))
    stale_tmp = old.path.parent / ".tmp-leftover"
    stale_tmp.write_bytes(b"half")
    os.utime(stale_tmp, (month_ago, month_ago))
    assert archive.sweep(30, keep={pinned.sha256}, dry_run=True) == [old.sha256]
    assert old.sha256 in archive  # a dry run touches nothing
    assert archive.sweep(30, keep={pinned.sha256}) == [old.sha256]
    assert set(archive.hashes()) == {pinned.sha256, fresh.sha256}
    assert not stale_tmp.exists()


def test_putting_again_refreshes_the_retention_clock(tmp_path: Path) -> None:
    archive = Archive(tmp_path)
    got = archive.put(DATA)
    month_ago = time.time() - 31 * 86_400
    os.utime(got.path, (month_ago, month_ago))
    archive.put(DATA)
    assert archive.sweep(30) == []


@pytest.mark.parametrize("count", [2, 6], ids=["fsync-each", "syncfs"])
def test_a_batch_is_readable_at_once_and_in_place_when_it_ends(tmp_path: Path, count: int) -> None:
    archive = Archive(tmp_path)
    datas = [b"ISA*%d~" % n for n in range(count)]
    with archive.batched():
        puts = [archive.put(d) for d in datas]
        assert puts[0] == archive.put(datas[0])  # the same bytes again: the same pending file
        for put, data in zip(puts, datas, strict=True):
            assert not archive.path(put.sha256).exists()
            assert put.sha256 in archive and archive.get(put.sha256) == data
            assert b"".join(archive.stream(put.sha256)) == data
    for put, data in zip(puts, datas, strict=True):
        assert archive.path(put.sha256).read_bytes() == data
        assert not os.access(archive.path(put.sha256), os.W_OK) or os.geteuid() == 0
    assert sorted(archive.hashes()) == sorted(digest(d) for d in datas)
    assert list(tmp_path.rglob(".tmp-*")) == []


def test_a_batch_that_raises_leaves_nothing(tmp_path: Path) -> None:
    archive = Archive(tmp_path)
    with pytest.raises(RuntimeError), archive.batched():
        with archive.batched():  # a nested block is part of the outer one
            put = archive.put(b"ISA*1~")
        assert put.sha256 in archive
        raise RuntimeError("the commit failed")
    assert put.sha256 not in archive
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []
    assert archive.put(b"ISA*1~").path.read_bytes() == b"ISA*1~"  # outside a batch: at once
