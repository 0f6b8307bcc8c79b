"""The ``s3`` archive: files in S3-compatible object storage (AWS S3, MinIO, Ceph, R2 ...)
through boto3, shared by gateways on several hosts.

An object's key is ``<prefix>ab/cd/<sha256>``, so the key names its content: a read streams
the body in chunks, hashes it, and a body that does not match its key is an `InputError`
(``archive.damaged``) naming the key. Uploads ask the server to check a SHA-256 of what it
received as well. A write spools the bytes to a local temporary file while hashing them, then
uploads it (in parts when large); the same bytes again only refresh the object's date, which
the retention sweep reads. boto3's errors become one-line `StoreError`s.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import hashlib
import tempfile
import time
from collections.abc import Collection, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from edigate.errors import InputError, StoreError
from edigate.store.archive import CACHE_DAYS, CHUNK, Archive, ArchivedFile, chunked, is_hash, relative, verified

__all__ = ["S3Archive", "s3_client"]


class S3Archive:
    """Archived files in ``bucket`` under ``prefix``; ``client`` is a boto3 S3 client;
    ``cache`` a local folder for the copies a helper process reads."""

    def __init__(self, client: Any, bucket: str, prefix: str, cache: Path) -> None:
        self.client, self.bucket, self.prefix = client, bucket, prefix
        self.cache = Archive(cache)

    @property
    def location(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}"

    def key(self, sha256: str) -> str:
        return self.prefix + relative(sha256)

    def put(self, data: bytes) -> ArchivedFile:
        return self.put_stream(chunked(data))

    def put_stream(self, chunks: Iterable[bytes]) -> ArchivedFile:
        hasher, size = hashlib.sha256(), 0
        with tempfile.TemporaryFile() as spool:
            for chunk in chunks:
                spool.write(chunk)
                hasher.update(chunk)
                size += len(chunk)
            sha = hasher.hexdigest()
            spool.seek(0)
            with self._errors(f"cannot write {size:,} bytes as {self.key(sha)}"):
                if self._exists(sha):
                    self._touch(sha)
                else:
                    self._upload(spool, sha, hasher.digest())
        return ArchivedFile(sha, size, None, relative(sha))

    def _upload(self, body: Any, sha: str, raw: bytes) -> None:
        self.client.put_object(Bucket=self.bucket, Key=self.key(sha), Body=body,
                               ChecksumSHA256=base64.b64encode(raw).decode(), Metadata={"sha256": sha})

    def _touch(self, sha: str) -> None:
        """Copy the object onto itself: its date moves on, as a second put of a folder's file does."""
        key = self.key(sha)
        self.client.copy_object(Bucket=self.bucket, Key=key, CopySource={"Bucket": self.bucket, "Key": key},
                                Metadata={"sha256": sha}, MetadataDirective="REPLACE")

    def _exists(self, sha: str) -> bool:
        try:
            self.client.head_object(Bucket=self.bucket, Key=self.key(sha))
        except self.client.exceptions.ClientError as exc:
            if _status(exc) == 404:
                return False
            raise
        return True

    def batched(self) -> contextlib.AbstractContextManager[None]:
        """Every put is durable as it returns here: nothing to do as a batch ends."""
        return contextlib.nullcontext()

    def get(self, sha256: str, *, verify: bool = True) -> bytes:
        return b"".join(self.stream(sha256) if verify else self._body(sha256))

    def stream(self, sha256: str) -> Iterator[bytes]:
        return verified(self._body(sha256), sha256, f"{self.location} key {self.key(sha256)}")

    def _body(self, sha256: str) -> Iterator[bytes]:
        key = self.key(sha256)
        with self._errors(f"cannot read {key}"):
            try:
                body = self.client.get_object(Bucket=self.bucket, Key=key)["Body"]
            except self.client.exceptions.NoSuchKey as err:
                raise InputError(f"archive {self.location}: no file {sha256} (key {key})") from err
            try:
                yield from body.iter_chunks(CHUNK)
            finally:
                body.close()

    def local_copy(self, sha256: str) -> Path:
        return self.cache.kept_copy(sha256, self.stream)

    def __contains__(self, sha256: object) -> bool:
        if not is_hash(sha256):
            return False
        with self._errors(f"cannot look for {sha256}"):
            return self._exists(str(sha256))

    def hashes(self) -> Iterator[str]:
        return (sha for sha, _ in self._objects())

    def _objects(self) -> Iterator[tuple[str, dt.datetime]]:
        with self._errors("cannot list the objects"):
            pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=self.prefix)
            for page in pages:
                for obj in page.get("Contents", ()):
                    name = obj["Key"].rsplit("/", 1)[-1]
                    if is_hash(name) and obj["Key"] == self.key(name):
                        yield name, obj["LastModified"]

    def sweep(self, older_than_days: float, keep: Collection[str] = (),
              *, now: float | None = None, dry_run: bool = False) -> list[str]:
        """Delete objects last written before the retention, except hashes in ``keep``;
        local copies go after `CACHE_DAYS`."""
        now = time.time() if now is None else now
        cutoff = dt.datetime.fromtimestamp(now - older_than_days * 86_400, dt.UTC)
        removed = sorted(sha for sha, modified in self._objects() if modified < cutoff and sha not in keep)
        if not dry_run:
            with self._errors("cannot delete old objects"):
                removed = [sha for sha in removed if self._delete_if_older(sha, cutoff)]
            self.cache.sweep(CACHE_DAYS, now=now)
        return removed

    def _delete_if_older(self, sha: str, cutoff: dt.datetime) -> bool:
        """Delete the object unless a put received the same file again since the listing
        (it touched the object: the bytes are wanted again); whether it was deleted."""
        from botocore.exceptions import ClientError  # type: ignore[import-untyped]

        try:
            head = self.client.head_object(Bucket=self.bucket, Key=self.key(sha))
        except ClientError as exc:
            if _status(exc) == 404:
                return False
            raise
        if head["LastModified"] >= cutoff:
            return False
        self.client.delete_object(Bucket=self.bucket, Key=self.key(sha))
        return True

    @contextmanager
    def _errors(self, doing: str) -> Iterator[None]:
        """botocore's errors inside the block as one-line `StoreError`s."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            yield
        except (ClientError, BotoCoreError) as exc:
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise StoreError(f"archive {self.location}: {doing}: {reason}", code="archive.s3") from exc


def _status(exc: Any) -> int:
    return int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0))


def s3_client(endpoint_url: str | None, region: str | None, key_id: str | None, secret: str | None) -> Any:
    """A boto3 S3 client; without keys boto3 finds credentials as usual (environment, profile, role)."""
    import boto3  # type: ignore[import-untyped]
    from botocore.config import Config  # type: ignore[import-untyped]

    return boto3.client("s3", endpoint_url=endpoint_url, region_name=region, aws_access_key_id=key_id,
                        aws_secret_access_key=secret,
                        config=Config(retries={"max_attempts": 5, "mode": "standard"}, connect_timeout=10,
                                      read_timeout=60))
