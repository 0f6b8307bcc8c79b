"""``archive:`` in ``edigate.yaml``: where every file received and sent is kept.

The local folder (``archive_dir``) is the default. Gateways on several hosts sharing one
PostgreSQL store need an archive they all reach: the store's database (``postgresql``) or
S3-compatible object storage (``s3``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from edigate.config import SecretRef, setting

__all__ = ["ArchiveSettings"]


@dataclass(frozen=True, slots=True, kw_only=True)
class ArchiveSettings:
    """Which archive backend keeps the files, and where."""

    backend: Literal["folder", "postgresql", "s3"] = "folder"
    """``folder``: ``archive_dir`` on this host (one gateway, or hosts sharing a network
    folder). ``postgresql``: blobs in the store's own PostgreSQL database, in chunks (several
    gateways; one backup holds store and archive; suits files up to some hundreds of MB and
    archives that fit the database). ``s3``: an S3-compatible bucket (several gateways,
    large archives, lifecycle rules and replication of the provider). With either shared
    backend ``archive_dir`` is only a local cache for the files a helper process reads."""
    bucket: str | None = setting(None, pattern=r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]",
                                 hint="an S3 bucket name: 3 to 63 lower-case letters, digits, dots, hyphens")
    """With ``s3``: the bucket (it must exist)."""
    prefix: str = setting("edigate/", pattern=r"(?:[!-~]+/)?", hint="empty, or a key prefix ending in /")
    """With ``s3``: where in the bucket, a key prefix ending in ``/`` (empty: the bucket's root)."""
    endpoint_url: str | None = setting(None, pattern=r"https?://\S+", hint="an http(s) URL")
    """With ``s3``: the service's URL for an S3-compatible store (MinIO, Ceph, R2 ...); AWS when not set."""
    region: str | None = None
    """With ``s3``: the region (AWS's default chain when not set)."""
    access_key_id: SecretRef | None = None
    """With ``s3``: the access key (``env:NAME`` or ``file:PATH``); boto3's own chain
    (environment, profile, instance role) when not set."""
    secret_access_key: SecretRef | None = None
    """With ``s3``: the secret key, given with ``access_key_id``."""

    def config_problems(self) -> Iterator[tuple[str, str]]:
        if self.backend == "s3" and self.bucket is None:
            yield "bucket", "the s3 archive needs a bucket"
        if (self.access_key_id is None) != (self.secret_access_key is None):
            yield "secret_access_key", "give access_key_id and secret_access_key together, or neither"
