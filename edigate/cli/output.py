"""What the commands' ``--json`` prints: one JSON document on stdout, its shape in the README
("JSON output"); errors stay one line each on stderr."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import sys
from enum import Enum
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from edigate.store import Outbound, Store, Transmission

__all__ = ["dump_json", "output_json", "record_json", "transmission_json", "tx_exit_code", "tx_why"]


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


def record_json(value: Any) -> Any:
    """A store record (a dataclass, or a list of them) as JSON-ready data."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: record_json(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, (list, tuple)):
        return [record_json(v) for v in value]
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    return value


def tx_exit_code(store: Store, tx: Transmission) -> int:
    """2 when the transmission failed on our configuration (said on stderr too); 1 when it
    failed, is held or had a set rejected; else 0."""
    codes = store.error_codes(tx.id)
    if tx.status.value == "failed" and any(code == "config" for _, code in codes):
        for e in store.errors(tx.id):
            if e.code == "config":
                print(f"edigate: error: transmission {tx.id}: {e.message}", file=sys.stderr)
        return 2
    return 1 if tx.status.value in ("failed", "held") or (tx.status.value == "done" and codes) else 0


def tx_why(store: Store, tx: Transmission) -> list[str]:
    """What a specialist reads first: a duplicate's original, or a failure's first errors."""
    from edigate.stages.resends import duplicate_of, explain_duplicate

    if (original := duplicate_of(store, tx)) is not None:
        said = explain_duplicate(store, original)
        return [f"duplicate of {said.text}; {said.advice}"]
    if tx.status.value != "failed":
        return []
    from edigate.printable import shown  # messages may carry a partner's bytes

    errors = [e for e in store.errors(tx.id) if e.severity.value == "error"]
    more = [f"... {len(errors) - 3} more: edigate tx errors {tx.id}"] if len(errors) > 3 else []
    return [f"{e.stage}: {e.code}: {shown(e.message, backslashes=False)}" for e in errors[:3]] + more
