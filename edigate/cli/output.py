"""What the commands' ``--json`` prints: one JSON document on stdout, its shape in the README
("JSON output"); errors stay one line each on stderr."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from edigate.store import Outbound, Transmission

__all__ = ["dump_json", "output_json", "transmission_json"]


def dump_json(data: Any, out: TextIO) -> None:
    json.dump(data, out, indent=2, ensure_ascii=False)
    out.write("\n")


def transmission_json(t: Transmission) -> dict[str, Any]:
    """A transmission in a command's answer: what `tx list` shows of it (`tx show --json` has all)."""
    return {"id": t.id, "partner": t.partner, "status": t.status.value, "stage": t.stage, "isa13": t.isa13,
            "file": t.file_name, "received_at": t.received_at.isoformat()}


def output_json(o: Outbound) -> dict[str, Any]:
    """An output written for the partner: its set, control numbers, archive copy, whether sent."""
    return {"id": o.id, "partner": o.partner, "set_id": o.set_id, "isa13": o.isa13, "gs06": o.gs06, "st02": o.st02,
            "transmission_id": o.transmission_id, "archive_path": o.archive_path,
            "sent_at": o.sent_at.isoformat() if o.sent_at else None}
