"""Every archive backend behind `ArchiveBackend` keeps the same promises: the local folder,
the store's database (SQLite here, PostgreSQL when EDIGATE_TEST_PG_URL is set) and S3.

S3 runs against moto's S3-compatible server (``ThreadedMotoServer``) on loopback, reached
through boto3 over HTTP as a real bucket is. What that checks: keys and prefixes, the upload
with its SHA-256 checksum, streamed reads, listing with pagination, deletes, and that a body
replaced behind our back is refused on read with an error naming its key. What it cannot
check: AWS's own retries, throttling and consistency under load.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, update

from edigate.errors import EdigateError, InputError
from edigate.store import Store
from edigate.store.archive import CHUNK, Archive, ArchiveBackend, digest
from edigate.store.archive_db import DatabaseArchive
from edigate.store.tables import ArchiveChunkRow

BIG = bytes(range(256)) * (CHUNK // 256) * 2 + b"tail"  # two chunks and a bit


def _s3(endpoint: str, tmp_path: Path) -> Any:
    from edigate.store.archive_s3 import S3Archive, s3_client

    client = s3_client(endpoint, "us-east-1", "testing", "testing")
    bucket = f"edigate-{os.getpid()}-{time.monotonic_ns()}"
    client.create_bucket(Bucket=bucket)
    return S3Archive(client, bucket, "gw/", tmp_path / "cache")


@pytest.fixture(params=["folder", "database", "s3"])
def archive(request: pytest.FixtureRequest, tmp_path: Path, url: str) -> Iterator[ArchiveBackend]:
    if request.param == "folder":
        yield Archive(tmp_path / "archive")
    elif request.param == "database":
        with Store.open(url) as store:
            yield DatabaseArchive(store, tmp_path / "cache")
    else:
        if not url.startswith("sqlite"):
            pytest.skip("S3 does not depend on the store's backend")
        yield _s3(request.getfixturevalue("s3_endpoint"), tmp_path)


def test_round_trip_by_hash_in_chunks(archive: ArchiveBackend) -> None:
    got = archive.put(BIG)
    assert (got.sha256, got.size, got.relative) == (digest(BIG), len(BIG), f"{got.sha256[:2]}/{got.sha256[2:4]}/{got.sha256}")
    pieces = list(archive.stream(got.sha256))
    assert len(pieces) == 3 and max(map(len, pieces)) <= CHUNK and b"".join(pieces) == BIG
    assert archive.get(got.sha256) == BIG
    assert got.sha256 in archive and "0" * 64 not in archive and "../x" not in archive
    assert archive.local_copy(got.sha256).read_bytes() == BIG


def test_the_same_bytes_twice_are_one_file(archive: ArchiveBackend) -> None:
    first = archive.put(b"ISA*00~")
    streamed = archive.put_stream(iter([b"ISA", b"*00~"]))
    assert streamed == first and list(archive.hashes()) == [first.sha256]


def test_a_missing_file_is_an_input_error(archive: ArchiveBackend) -> None:
    with pytest.raises(InputError, match="no file 0000"):
        archive.get("0" * 64)


def test_sweep_keeps_recent_and_pinned_files(archive: ArchiveBackend) -> None:
    old, pinned = archive.put(b"old"), archive.put(b"pinned")
    later = time.time() + 31 * 86_400  # a month from now, both are past a 30-day retention
    assert archive.sweep(30, keep={pinned.sha256}, now=later, dry_run=True) == [old.sha256]
    assert old.sha256 in archive
    assert archive.sweep(30, keep={pinned.sha256}, now=later) == [old.sha256]
    assert list(archive.hashes()) == [pinned.sha256]
    assert archive.sweep(30, now=time.time()) == []


def test_a_damaged_database_file_is_refused_on_read(url: str, tmp_path: Path) -> None:
    with Store.open(url) as store:
        archive = DatabaseArchive(store, tmp_path)
        got = archive.put(BIG)
        with store._write() as s:
            s.execute(update(ArchiveChunkRow).where(ArchiveChunkRow.blob == got.sha256, ArchiveChunkRow.seq == 1)
                      .values(data=b"x" * CHUNK))
        with pytest.raises(InputError, match=f"file {got.sha256} is damaged") as caught:
            archive.get(got.sha256)
        assert caught.value.code == "archive.damaged"
        assert len(archive.get(got.sha256, verify=False)) == len(BIG)
        with store._write() as s:
            s.execute(delete(ArchiveChunkRow).where(ArchiveChunkRow.blob == got.sha256, ArchiveChunkRow.seq == 2))
        with pytest.raises(InputError, match=f"file {got.sha256} lost its chunk 2"):
            archive.get(got.sha256, verify=False)


def test_an_s3_body_that_does_not_match_its_key_names_the_key(s3_endpoint: str, tmp_path: Path) -> None:
    archive = _s3(s3_endpoint, tmp_path)
    got = archive.put(b"the bytes we archived")
    key = f"gw/{got.relative}"
    archive.client.put_object(Bucket=archive.bucket, Key=key, Body=b"other bytes")
    with pytest.raises(EdigateError, match=f"key {key}: file {got.sha256} is damaged"):
        archive.get(got.sha256)


def test_s3_objects_live_under_the_prefix_and_writes_only_refresh(s3_endpoint: str, tmp_path: Path) -> None:
    archive = _s3(s3_endpoint, tmp_path)
    got = archive.put(b"one")
    archive.put(b"one")
    listed = archive.client.list_objects_v2(Bucket=archive.bucket)["Contents"]
    assert [o["Key"] for o in listed] == [f"gw/{got.relative}"]
    head = archive.client.head_object(Bucket=archive.bucket, Key=f"gw/{got.relative}")
    assert head["Metadata"] == {"sha256": got.sha256}


def test_local_copies_of_a_shared_archive_go_after_a_day(url: str, tmp_path: Path) -> None:
    with Store.open(url) as store:
        archive = DatabaseArchive(store, tmp_path / "cache")
        got = archive.put(b"read by a helper process")
        copy = archive.local_copy(got.sha256)
        assert copy.read_bytes() == b"read by a helper process" and copy.is_relative_to(tmp_path / "cache")
        assert archive.sweep(30, now=time.time() + 2 * 86_400) == []  # the archive keeps it ...
        assert not copy.exists() and got.sha256 in archive  # ... the local copy is gone
        assert archive.local_copy(got.sha256).read_bytes() == b"read by a helper process"


def test_an_s3_object_received_again_after_the_sweep_listed_it_stays(s3_endpoint: str, tmp_path: Path) -> None:
    archive = _s3(s3_endpoint, tmp_path)
    kept = archive.put(b"ISA*again~")
    listed_before = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)  # the put came after the listing's cutoff
    assert archive._delete_if_older(kept.sha256, listed_before) is False
    assert kept.sha256 in archive
    assert archive._delete_if_older(kept.sha256, dt.datetime.now(dt.UTC) + dt.timedelta(days=1)) is True
    assert kept.sha256 not in archive
