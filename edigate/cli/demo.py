"""`edigate demo`: the bundled samples through the whole gateway, in a complete workspace.

The demo folder is made as `edigate init` makes a workspace (``edigate.yaml``, partners,
maps, data), with every bundled partner and map, so that ``cd edigate-demo`` and any
command (``tx list``, ``ship``, ``kpi``) works there afterwards. Each sample is dropped into
its partner's inbound folder (or ingested directly when the partner's channel is not a
folder, e.g. the drop-ship marketplace's SFTP), with three more made from the BigBox sample:
one whose prices break the partner's rules (its order is held), one whose envelope names an
unknown sender and one with an item the partner's map does not know (both fail), so the
exception queue and the error log have something in them and the map something to fix.
The copies are dated relative to today (`edigate.cli.demo_samples`), so the KPIs mean
something; the bundled files stay untouched. One gateway pass polls, processes and sends;
the transmissions, the files written (by their path in the partner's folder) and the next
commands to try are printed. Running it again starts the demo folder afresh.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from edigate.cli.demo_samples import EXTRA, HELD_PO, NEW_ITEM, SHIPPED_PO, dated, dated_shipment, extra_sample
from edigate.errors import InputError, UsageError

if TYPE_CHECKING:
    from edigate.config.context import Context
    from edigate.config.partners import Partner
    from edigate.store import Transmission

__all__ = ["DemoRun", "demo_json", "next_steps", "run_demo", "samples_dir"]

MARKER = ".edigate-demo"


@dataclass(frozen=True)
class DemoRun:
    """What the demo left: its workspace and the transmissions it processed."""

    root: Path
    transmissions: tuple[Transmission, ...]
    outputs: tuple[str, ...]
    """Each output written, by its path relative to the workspace."""
    unexpected: tuple[Transmission, ...]
    """Transmissions whose status is not the one the demo meant them to have."""


def samples_dir() -> Path:
    """The bundled `samples/x12` folder: beside the package in a checkout, or under cwd."""
    for root in (Path(__file__).resolve().parents[2], Path.cwd()):
        candidate = root / "samples" / "x12"
        if candidate.is_dir():
            return candidate
    raise InputError("cannot find the bundled samples folder samples/x12")


def run_demo(out: TextIO, output_dir: Path, today: dt.date | None = None) -> DemoRun:
    """Make the demo workspace at ``output_dir``, run the samples through it, say what happened."""
    from edigate.cli.context import open_context
    from edigate.config.workspace import load_workspace
    from edigate.stages.pipeline import Pipeline

    today = today or dt.date.today()
    samples = samples_dir()
    root = _fresh(output_dir.resolve())
    _workspace(root, samples.parent.parent, today)
    print(f"edigate demo: workspace {root} (samples dated from {today})", file=out)
    with open_context(load_workspace(root)) as ctx:
        pipeline = Pipeline(ctx.workspace, ctx.store, ctx.archive, ctx.partners, channel_types=("folder",),
                            validator=ctx.validator, maps=ctx.maps)
        direct = _drop_samples(_inputs(samples, today), ctx.partners, root, out)
        processed = [pipeline.ingest(path, pid) for path, pid in direct]
        result = pipeline.run_once("demo")
        processed = sorted([*processed, *result.processed], key=lambda t: t.id)
        for problem in result.channel_problems:
            print(f"  channel problem: {problem}", file=out)
        run = DemoRun(root, tuple(processed), tuple(_outputs(ctx, processed, root)), tuple(_unexpected(processed)))
        _report(ctx, run, out)
    _next_steps(run, output_dir, out)
    return run


def _workspace(root: Path, repo: Path, today: dt.date) -> None:
    """`edigate init`'s workspace, with every bundled partner, map and data file over it."""
    from edigate.cli.init import make_workspace

    make_workspace(root)
    for name in ("partners", "maps", "samples/data"):
        if (repo / name).is_dir():
            shutil.copytree(repo / name, root / name, dirs_exist_ok=True)
    bigbox = root / "partners" / "bigbox.yaml"
    if bigbox.is_file():  # so that the walkthrough's `edigate invoice` has a shipment to bill
        bigbox.write_text(bigbox.read_text().replace(
            "\ndocuments:\n", "\ndocuments:\n  invoice: on_request       # the demo bills with `edigate invoice PO`\n",
            1))
    shipment = root / "samples" / "data" / "bigbox-shipment.csv"
    if shipment.is_file():
        shipment.write_text(dated_shipment(shipment.read_text(), today))


def _inputs(samples: Path, today: dt.date) -> list[tuple[str, bytes]]:
    """The files the demo receives: each bundled sample, and the held and failing ones,
    all dated from ``today``."""
    files = [(p.name, dated(p.read_bytes(), today)) for p in sorted(samples.glob("*.x12"))]
    base = samples / "bigbox-850-4010.x12"
    if base.is_file():
        files += [(name, dated(extra_sample(base.read_bytes(), name), today)) for name in EXTRA]
    return files


def _fresh(root: Path) -> Path:
    """The demo folder, emptied when it is one a previous demo made (never anything else)."""
    if root.exists() and any(root.iterdir()):
        if not (root / MARKER).exists():
            raise UsageError(f"{root} exists and is not a demo folder; pass --out with a new folder")
        shutil.rmtree(root)
    root.mkdir(parents=True)
    (root / MARKER).write_text("made by edigate demo; emptied by the next one\n")
    return root


def _drop_samples(samples: list[tuple[str, bytes]], partners: Mapping[str, Partner], root: Path,
                  out: TextIO) -> list[tuple[Path, str]]:
    """Put each sample in its partner's inbound folder; those without one are ingested directly
    (from a dated copy under ``samples/demo``)."""
    direct = []
    for name, data in samples:
        pid = name.split("-", 1)[0]
        partner = partners.get(pid)
        if partner is None:
            continue
        channel = partner.channels.inbound
        if channel is not None and channel.type == "folder":
            stem, _, suffix = name.rpartition(".")
            glob_suffix = channel.glob.rsplit("*", 1)[-1] if "*" in channel.glob else f".{suffix}"
            for folder in channel.path:
                (root / folder).mkdir(parents=True, exist_ok=True)
            target = root / channel.path[0] / (stem + glob_suffix)
            target.write_bytes(data)
            print(f"  dropped {name} into {target.parent.relative_to(root)}", file=out)
        else:
            target = root / "samples" / "demo" / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            kind = channel.type if channel is not None else "none"
            print(f"  {name}: {pid}'s channel is {kind}; ingested directly", file=out)
            direct.append((target, pid))
    return direct


def _outputs(ctx: Context, processed: list[Transmission], root: Path) -> list[str]:
    """Each output by where the partner finds it: its file in the partner's outbound folder,
    or, when not sent there, its archive copy (and why)."""
    from edigate.stages.send import output_name

    lines = []
    for tx in processed:
        for o in ctx.store.outbounds(tx.id):
            partner = ctx.partners.get(tx.partner)
            channel = partner.channels.outbound if partner is not None else None
            if o.sent_at and channel is not None and channel.type == "folder":
                where = f"{channel.path[0]}/{output_name(o)}"
            else:
                where = f"{os.path.relpath(ctx.workspace.archive_path / o.archive_path, root)} (queued: channel not polled)"
            lines.append(f"{tx.partner:9} {o.set_id:4} of tx {tx.id}: {where}")
    routed = sorted(p for p in (root / "demo").rglob("*") if p.is_file() and p.parent.name not in ("in", "out", "done"))
    return lines + [f"routed   : {p.relative_to(root)}" for p in routed]


def _unexpected(processed: list[Transmission]) -> list[Transmission]:
    from edigate.store import Status

    meant = {name.rpartition(".")[0]: status for name, status in EXTRA.items()}
    return [t for t in processed if t.status.value != meant.get(t.file_name.rpartition(".")[0], Status.DONE.value)]


def _report(ctx: Context, run: DemoRun, out: TextIO) -> None:
    from edigate.cli.transmissions import print_transmissions

    print("\ntransmissions:", file=out)
    print_transmissions(run.transmissions, out)
    print("\noutputs (paths in the workspace):", file=out)
    for line in run.outputs:
        print(f"  {line}", file=out)
    counts: dict[str, int] = {}
    for t in run.transmissions:
        counts[t.status.value] = counts.get(t.status.value, 0) + 1
    said = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
    print(f"\n{len(run.transmissions)} transmissions: {said}; {len(run.unexpected)} unexpected", file=out)


def next_steps(run: DemoRun, output_dir: Path) -> list[tuple[str, str]]:
    """The commands to try next, each with what it shows, using the ids this run gave the
    failed files: inspect, fix the map, reprocess, release the held order, ship, invoice, audit."""
    ids = {t.file_name.rpartition(".")[0]: t.id for t in run.transmissions}
    envelope, mapped = ids.get("bigbox-850-failing"), ids.get("bigbox-850-newitem")
    given = os.path.relpath(run.root) if run.root.is_relative_to(Path.cwd()) else str(run.root)
    steps = [(f"cd {given or output_dir} && edigate tx list", "every file the demo received")]
    if envelope is not None:
        steps += [(f"edigate tx show {envelope}", "failed on its envelope: a GS sender BigBox's partner file lacks")]
    if mapped is not None:
        steps += [(f"edigate tx view {mapped}", "failed in the map: each finding under its segment and element"),
                  (f"printf '    \"{NEW_ITEM[0]}\": {NEW_ITEM[1]}\\n' >> maps/bigbox-850.yaml",
                   f"fix the map: BigBox's item {NEW_ITEM[0]} is our {NEW_ITEM[1]}"),
                  (f"edigate tx reprocess {mapped}",
                   "the file again, through the fixed map: done, order stored, 855 sent")]
    if any(t.status.value == "held" for t in run.transmissions):
        steps += [("edigate orders list --held", "the exception queue"),
                  (f'edigate orders release {HELD_PO} --reason "buyer confirmed the price"',
                   "accept it: stock, routing, 855")]
    return steps + [("edigate ship samples/data/bigbox-shipment.csv --partner bigbox", "856 for what shipped"),
                    (f"edigate invoice {SHIPPED_PO} --partner bigbox", "810 for what shipped and is not billed"),
                    ("edigate audit", "who did what, when and why"),
                    ("edigate kpi --html report.html", "the KPI report")]


def _next_steps(run: DemoRun, output_dir: Path, out: TextIO) -> None:
    print("\nnext, try:", file=out)
    steps = next_steps(run, output_dir)
    width = max(len(command) for command, _ in steps)
    for command, why in steps:
        print(f"  {command:{width}}   # {why}", file=out)


def demo_json(run: DemoRun, output_dir: Path) -> dict[str, Any]:
    """What `edigate demo --json` prints."""
    from edigate.cli.output import transmission_json

    return {"workspace": str(run.root), "transmissions": [transmission_json(t) for t in run.transmissions],
            "outputs": list(run.outputs), "unexpected": [t.id for t in run.unexpected],
            "next": [{"command": command, "why": why} for command, why in next_steps(run, output_dir)]}
