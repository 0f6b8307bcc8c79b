"""Local folders: files dropped in by another process, files written out for one.

A file is listed once it is whole by the channel's ``ready`` rule (`edigate.transport.ready`),
and fetched or archived only while its size and modification time are still those listed.
Sending writes a hidden ``.part`` file, fsyncs it, then links it into place: a name already
taken is never replaced (the same bytes there mean it was delivered before; other bytes are
a `TransportError`).
"""

from __future__ import annotations

import builtins
import errno
import os
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from edigate.config.channels import FolderChannel as FolderConfig
from edigate.config.channels import FolderTarget
from edigate.durable import can_sync_filesystem, fsync_path, sync_filesystem
from edigate.errors import TransportError
from edigate.transport.base import Channel, ChannelOptions, Received, RemoteFile, Sent
from edigate.transport.names import is_temporary, safe_name, temporary_name
from edigate.transport.ready import ReadyRule, changed, unchanged

__all__ = ["FolderChannel", "claim", "write_all_atomically", "write_atomically"]


class FolderChannel(Channel):
    """Polls one or more local folders; sends into the first."""

    batch_resend_harmless = True  # `claim`: a name holding the same bytes is a delivery done

    def __init__(
        self, config: FolderConfig | FolderTarget, channel_id: str, options: ChannelOptions
    ) -> None:
        paths = (config.path,) if isinstance(config.path, str) else config.path
        self.id = channel_id
        self.folders = [options.root / p for p in paths]
        self._rule = ReadyRule.of(config, options)
        self._delete = getattr(config, "delete", False)
        archive = getattr(config, "archive_dir", None)
        self._archive = options.root / archive if archive else None

    def list(self) -> list[RemoteFile]:
        return self._rule.pick(self._look)

    def probe(self) -> str:
        """Each folder exists and is writable; how many files wait."""
        for folder in self.folders:
            if not folder.is_dir():
                raise TransportError(f"{self.id}: folder {folder} does not exist")
            if not os.access(folder, os.W_OK | os.X_OK):
                raise TransportError(f"{self.id}: folder {folder} is not writable")
        waiting = [f for f in self._look().values() if self._rule.wanted(f.name)]
        return f"{len(waiting)} file(s) waiting in {', '.join(map(str, self.folders))}"

    def _look(self) -> dict[str, RemoteFile]:
        seen: dict[str, RemoteFile] = {}
        for folder in self.folders:
            try:
                entries = list(os.scandir(folder))
            except OSError as exc:
                raise TransportError(f"{self.id}: cannot list {folder}: {exc.strerror}") from exc
            for entry in entries:
                if not is_temporary(entry.name) and entry.is_file(follow_symlinks=False):
                    seen[entry.path] = _remote(entry.path, entry.stat())
        return seen

    def fetch(self, file: RemoteFile) -> Received:
        try:
            data = Path(file.handle).read_bytes()
        except FileNotFoundError:
            raise changed(self.id, file, None) from None
        except OSError as exc:
            raise TransportError(f"{self.id}: cannot read {file.handle}: {exc.strerror}") from exc
        now = self._now(file)
        if len(data) != file.size or not unchanged(file, now):
            raise changed(self.id, file, now)
        return self._rule.taken(self.id, file, Received.of(self.id, file.name, data, Path(file.handle)))

    def done(self, file: RemoteFile) -> None:
        source = Path(file.handle)
        now = self._now(file)
        if now is not None and not unchanged(file, now):
            raise changed(self.id, file, now)
        try:
            if now is None:
                pass  # gone already: nothing to move
            elif self._delete:
                source.unlink()
            else:
                archive = self._archive or source.parent / "archive"
                archive.mkdir(parents=True, exist_ok=True)
                os.rename(source, _free_name(archive, safe_name(file.name)))
            if file.marker is not None:
                Path(file.marker).unlink(missing_ok=True)
        except OSError as exc:
            raise TransportError(f"{self.id}: cannot archive {source}: {exc.strerror}") from exc

    @staticmethod
    def _now(file: RemoteFile) -> RemoteFile | None:
        try:
            return _remote(file.handle, os.stat(file.handle))
        except FileNotFoundError:
            return None

    def send(self, name: str, data: bytes) -> Sent:
        target = self.folders[0] / safe_name(name)
        try:
            write_atomically(target, data)
        except OSError as exc:
            raise TransportError(f"{self.id}: cannot write {target}: {exc.strerror}") from exc
        return Sent.of(self.id, target.name, data)

    def send_many(self, files: Sequence[tuple[str, bytes]]) -> builtins.list[Sent]:
        """Every file written under a hidden name, the batch made durable by one filesystem
        sync, then each renamed into place and the folder synced: readers still never see a
        partial file, and an export of 10,000 orders costs two syncs a page, not two a file."""
        folder = self.folders[0]
        targets = [folder / safe_name(name) for name, _ in files]
        try:
            write_all_atomically(list(zip(targets, (data for _, data in files), strict=True)))
        except OSError as exc:
            raise TransportError(f"{self.id}: cannot write into {folder}: {exc.strerror}"
                                 + (f" ({os.path.basename(exc.filename)})" if exc.filename else "")) from exc
        return [Sent.of(self.id, t.name, data) for t, (_, data) in zip(targets, files, strict=True)]


def write_atomically(target: Path, data: bytes) -> None:
    """Write a hidden temporary file beside ``target``, fsync it, and `claim` ``target``."""
    target.parent.mkdir(parents=True, exist_ok=True)
    part = target.parent / temporary_name(target.name)
    try:
        with open(part, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        claim(part, target, data)
    finally:
        part.unlink(missing_ok=True)
    fsync_path(target.parent)


SYNCFS_FROM = 16
"""From this many files, one syncfs(2) beats a fsync per file. It flushes everything dirty
on the filesystem, the database's files too, so a few files are cheaper one by one."""


def write_all_atomically(files: Sequence[tuple[Path, bytes]]) -> None:
    """`write_atomically` for a batch, with one data sync and one folder sync per folder."""
    if len(files) < SYNCFS_FROM or not can_sync_filesystem():
        for target, data in files:
            write_atomically(target, data)
        return
    parts: list[tuple[Path, Path]] = []
    try:
        for target, data in files:
            target.parent.mkdir(parents=True, exist_ok=True)
            part = target.parent / temporary_name(target.name)
            parts.append((part, target))
            part.write_bytes(data)
        for folder in {t.parent for _, t in parts}:
            sync_filesystem(folder)  # the data is on disk before any name points at it
        for (part, target), (_, data) in zip(parts, files, strict=True):
            claim(part, target, data)
    finally:
        for part, _ in parts:
            part.unlink(missing_ok=True)
    for folder in {t.parent for _, t in parts}:
        fsync_path(folder)


def claim(part: Path, target: Path, data: bytes) -> None:
    """Give the written ``part`` the name ``target`` unless the name is taken (a hard link
    fails rather than replace). A target holding ``data`` already is a delivery done before
    (a resumed stage, a resend); one holding other bytes is an error, never overwritten."""
    try:
        os.link(part, target)
        return
    except FileExistsError:
        pass
    except OSError as exc:
        if exc.errno not in _NO_LINKS or target.exists():
            raise
        os.rename(part, target)  # a filesystem without hard links: looked first, then rename
        return
    if not _holds(target, data):
        raise FileExistsError(errno.EEXIST, "a different file of that name is there already; not replaced",
                              str(target))


_NO_LINKS = frozenset({errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK})


def _holds(target: Path, data: bytes) -> bool:
    try:
        return target.is_file() and target.stat().st_size == len(data) and target.read_bytes() == data
    except OSError:
        return False


def _remote(path: str, st: os.stat_result) -> RemoteFile:
    mtime = datetime.fromtimestamp(st.st_mtime_ns / 1e9, UTC)
    return RemoteFile(os.path.basename(path), st.st_size, mtime, path)


def _free_name(folder: Path, name: str) -> Path:
    """``folder/name``, or ``name.1``, ``name.2``... if the archive already holds one."""
    candidate, n = folder / name, 0
    while candidate.exists():
        n += 1
        candidate = folder / f"{name}.{n}"
    return candidate
