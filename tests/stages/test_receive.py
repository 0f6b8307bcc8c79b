"""The receive stage writes each polled file to the archive once: a shared archive (the
store's database, S3) pays a round trip per write, so the poll archives the files it
fetched (made durable together) and the record step reuses what it wrote."""

from __future__ import annotations

from pathlib import Path

from edigate.store.archive import Archive, ArchivedFile
from tests.support.gateway import make_workspace, open_pipeline, po_file


class CountingArchive(Archive):
    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self.puts: list[str] = []

    def put(self, data: bytes) -> ArchivedFile:
        got = super().put(data)
        self.puts.append(got.sha256)
        return got


def test_a_poll_archives_each_file_once(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    channels = f"  inbound:\n    type: folder\n    path: {inbox}\n    glob: \"*.edi\"\n    ready: rename\n"
    pipeline = open_pipeline(make_workspace(tmp_path / "ws", channels))
    try:
        archive = pipeline.archive = CountingArchive(tmp_path / "archive")
        for n in (1, 2, 3):
            (inbox / f"po{n}.edi").write_bytes(po_file(n))
        received = pipeline.poll("bigbox")
        assert received is not None and len(received) == 3
        assert sorted(archive.puts) == sorted(t.sha256 for t in received)
        assert all(archive.get(t.sha256) == po_file(int(t.file_name[2])) for t in received)
    finally:
        pipeline.store.close()
