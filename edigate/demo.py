"""`edigate demo`: the bundled samples, end to end, on embedded defaults.

Each sample runs as its partner (the file name's prefix) through `edigate.flow`: envelope
and structure checks, 997/999, translation, business rules, the decision, routing and the
855. Outputs are written under the demo folder. The store-backed pipeline records the
same stages; until it lands, the demo runs them in memory.
"""

from __future__ import annotations

from pathlib import Path
from typing import TextIO

from edigate.errors import InputError
from edigate.flow import FileOutcome, Flow, write_outputs
from edigate.partners import load_partners
from edigate.workspace import default_workspace
from edigate.x12.summary import summarize
from edigate.x12.writer import Counter

__all__ = ["run_demo", "samples_dir"]


def samples_dir() -> Path:
    """The bundled `samples/x12` folder: beside the package in a checkout, or under cwd."""
    for root in (Path(__file__).resolve().parent.parent, Path.cwd()):
        candidate = root / "samples" / "x12"
        if candidate.is_dir():
            return candidate
    raise InputError("cannot find the bundled samples folder samples/x12")


def run_demo(out: TextIO, output_dir: Path) -> int:
    """Each bundled sample through every stage as its partner; print what was written where."""
    from edigate.cli import print_summary

    folder = samples_dir()
    workspace = default_workspace(folder.parent.parent)
    partners = load_partners(workspace.partners_path)
    files = sorted(p for p in folder.iterdir() if p.suffix in (".x12", ".edi"))
    print(f"edigate demo: {len(files)} sample files from {folder}, partners from {workspace.partners_path}\n",
          file=out)
    failed = []
    for path in files:
        partner = partners.get(path.name.split("-", 1)[0])
        if partner is None:
            print(f"{path.name}: no partner named {path.name.split('-', 1)[0]!r}, skipped", file=out)
            continue
        outcome = Flow(workspace, partner, Counter()).run(path)
        print_summary(summarize(path), out)
        _print_outcome(outcome, out)
        written = write_outputs(outcome, output_dir.resolve() / partner.id)
        for target in written:
            print(f"    wrote {target}", file=out)
        if not outcome.valid:
            failed.append(path.name)
    print(f"\noutputs are under {output_dir.resolve()}", file=out)
    if failed:
        print(f"unexpectedly invalid: {', '.join(failed)}", file=out)
        return 1
    return 0


def _print_outcome(outcome: FileOutcome, out: TextIO) -> None:
    for order in outcome.orders:
        t, d = order.translation, order.decision
        head = f"PO {t.order.po_number}" if t.order else f"ST02 {t.st02}: not translated"
        verdict = f"{d.outcome.value}" + (f", 855 {d.ack.ack_type.value}" if d and d.ack else "") if d else ""
        print(f"    {head}: {verdict}", file=out)
        for finding in (*t.findings, *(d.findings if d else ())):
            print(f"      {finding}", file=out)
        for delivery in order.deliveries:
            if delivery.error:
                print(f"      route {delivery.destination}: not delivered: {delivery.error}", file=out)
