"""`edigate demo`: the bundled samples through the whole gateway, on embedded defaults.

A workspace is made under the demo folder (SQLite store, archive, the partners' folder
channels); each sample is dropped into its partner's inbound folder (or ingested directly
when the partner's channel is not a folder, e.g. the drop-ship marketplace's SFTP), one
gateway pass polls, processes and sends, and the transmission table and the files written
are printed. Running it again starts the demo folder afresh.
"""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import TextIO

from edigate.errors import InputError, UsageError

__all__ = ["run_demo", "samples_dir"]

MARKER = ".edigate-demo"


def samples_dir() -> Path:
    """The bundled `samples/x12` folder: beside the package in a checkout, or under cwd."""
    for root in (Path(__file__).resolve().parents[2], Path.cwd()):
        candidate = root / "samples" / "x12"
        if candidate.is_dir():
            return candidate
    raise InputError("cannot find the bundled samples folder samples/x12")


def run_demo(out: TextIO, output_dir: Path) -> int:
    from edigate.cli.context import open_context
    from edigate.cli.transmissions import print_transmissions
    from edigate.stages.pipeline import Pipeline
    from edigate.store import Status
    from edigate.config.workspace import Workspace

    samples = samples_dir()
    repo = samples.parent.parent
    root = _fresh(output_dir.resolve())
    shutil.copytree(samples.parent / "data", root / "samples" / "data")
    ws = Workspace(root=root, store=f"sqlite:///{root / 'edigate.db'}", maps_dir=str(repo / "maps"),
                   partners_dir=str(repo / "partners"))
    with open_context(ws) as ctx:
        store, partners = ctx.store, ctx.partners
        pipeline = Pipeline(ws, store, ctx.archive, partners, channel_types=("folder",))
        print(f"edigate demo: workspace {root}", file=out)
        direct = _drop_samples(sorted(samples.glob("*.x12")), partners, root, out)
        processed = [pipeline.ingest(path, pid) for path, pid in direct]
        result = pipeline.run_once("demo")
        processed += result.processed
        for problem in result.channel_problems:
            print(f"  channel problem: {problem}", file=out)
        print("\ntransmissions:", file=out)
        print_transmissions(store.transmissions(), out)
        print("\noutputs:", file=out)
        for tx in sorted(processed, key=lambda t: t.id):
            for o in store.outbounds(tx.id):
                where = "sent to the partner's outbound folder" if o.sent_at else "queued (channel not polled in demo)"
                print(f"  {tx.partner:9} {o.set_id:4} ISA13 {o.isa13}: {ws.archive_path / o.archive_path} ({where})",
                      file=out)
        for partner in sorted({tx.partner for tx in processed}):
            folder = root / "demo" / partner / "out"
            if folder.is_dir():
                print(f"  {partner} outbound folder: {folder}", file=out)
        routed = sorted(p for p in (root / "demo").rglob("*") if p.is_file() and p.parent.name != "out"
                        and p.parent.name not in ("in", "done"))
        for path in routed:
            print(f"  routed: {path}", file=out)
    bad = [t for t in processed if t.status is not Status.DONE]
    print(f"\n{len(processed)} transmissions, {len(bad)} not done; outputs are under {root}", file=out)
    return 1 if bad else 0


def _fresh(root: Path) -> Path:
    """The demo folder, emptied when it is one a previous demo made (never anything else)."""
    if root.exists() and any(root.iterdir()):
        if not (root / MARKER).exists():
            raise UsageError(f"{root} exists and is not a demo folder; pass --out with a new folder")
        shutil.rmtree(root)
    root.mkdir(parents=True)
    (root / MARKER).write_text("made by edigate demo; emptied by the next one\n")
    return root


def _drop_samples(samples: list[Path], partners: Mapping[str, object], root: Path,
                  out: TextIO) -> list[tuple[Path, str]]:
    """Put each sample in its partner's inbound folder; those without one are ingested directly."""
    direct = []
    for path in samples:
        pid = path.name.split("-", 1)[0]
        partner = partners.get(pid)
        channel = getattr(getattr(partner, "channels", None), "inbound", None)
        if getattr(channel, "type", None) == "folder":
            suffix = channel.glob.rsplit("*", 1)[-1] if "*" in channel.glob else path.suffix  # type: ignore[union-attr]
            for folder in channel.path:  # type: ignore[union-attr]
                (root / folder).mkdir(parents=True, exist_ok=True)
            target = root / channel.path[0] / (path.stem + suffix)  # type: ignore[union-attr]
            shutil.copyfile(path, target)
            print(f"  dropped {path.name} into {target.parent}", file=out)
        elif partner is not None:
            print(f"  {path.name}: {pid}'s channel is {getattr(channel, 'type', 'none')}; ingested directly", file=out)
            direct.append((path, pid))
    return direct
