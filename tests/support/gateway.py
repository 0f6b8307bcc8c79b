"""A workspace for gateway tests: the bigbox partner with the channels a test gives it.

The partner file is the repository's ``partners/bigbox.yaml`` with its ``channels`` block
replaced; maps come from the repository and ``samples`` is linked in, so every order of
`po_file` is accepted and answered with a 997 and two 855s.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from edigate.store.archive import Archive
from edigate.config.partners import load_partners
from edigate.stages.pipeline import Pipeline
from edigate.store import Store
from edigate.config.workspace import Workspace, load_workspace

from tests.support.databases import seed_sqlite
from tests.support.paths import REPO
SAMPLE = REPO / "samples" / "x12" / "bigbox-850-4010.x12"
TODAY = dt.date(2026, 11, 26)

__all__ = ["REPO", "make_workspace", "open_pipeline", "po_file", "sftp_channel_yaml"]


def make_workspace(root: Path, channels: str, *, edigate_yaml: str = "") -> Path:
    """``root`` as a workspace whose bigbox partner has ``channels`` (YAML, indented 2)."""
    root.mkdir(parents=True, exist_ok=True)
    if not (root / "samples").exists():
        (root / "samples").symlink_to(REPO / "samples")
    (root / "partners").mkdir(exist_ok=True)
    text = (REPO / "partners" / "bigbox.yaml").read_text()
    text = re.sub(r"^channels:\n(?:  .*\n)+", lambda _m: "channels:\n" + channels, text, flags=re.M)
    (root / "partners" / "bigbox.yaml").write_text(text)
    (root / "edigate.yaml").write_text(f"store: sqlite:///{root / 'edigate.db'}\nmaps_dir: {REPO / 'maps'}\n"
                                       f"{edigate_yaml}")
    seed_sqlite(f"sqlite:///{root / 'edigate.db'}")
    return root


def open_pipeline(root: Path, store_url: str | None = None) -> Pipeline:
    """The pipeline of the workspace at ``root`` (on its own SQLite file unless ``store_url``)."""
    ws: Workspace = load_workspace(root)
    store = Store.open(store_url or ws.store)
    pipeline = Pipeline(ws, store, Archive(ws.archive_path), load_partners(ws.partners_path), today=TODAY)
    pipeline.channel_options = _with_as2(pipeline, ws)
    return pipeline


def _with_as2(pipeline: Pipeline, ws: Workspace):  # type: ignore[no-untyped-def]
    import dataclasses

    return dataclasses.replace(pipeline.channel_options, as2=ws.as2)


def po_file(n: int) -> bytes:
    """The bigbox sample with interchange control number ``n`` and PO numbers of its own."""
    data = SAMPLE.read_bytes().replace(b"000000101", b"%09d" % n)
    return data.replace(b"*4500012345*", b"*45%08d1*" % n).replace(b"*4500012346*", b"*45%08d2*" % n)


def sftp_channel_yaml(*, port: int, user: str, key: Path, fingerprint: str, remote_dir: Path,
                      glob: str = "*.edi", extra: str = "") -> str:
    """The body of an SFTP channel (indented for ``inbound:`` or ``outbound:``)."""
    return (f"    type: sftp\n    host: 127.0.0.1\n    port: {port}\n    user: {user}\n"
            f"    private_key: file:{key}\n    host_key: \"{fingerprint}\"\n"
            f"    remote_dir: {remote_dir}\n    glob: \"{glob}\"\n{extra}")
