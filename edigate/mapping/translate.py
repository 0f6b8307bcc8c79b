"""Translate a file of 850s (and 860s) for one partner: each set to an Order (an
OrderChange) or to its findings.

No side effects: nothing is stored or sent. `translate_command` and `maps_test` give
the CLI its text and exit code (0 ok, 1 a set failed or differs, 2 bad input or config).
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from edigate.errors import ConfigError, EdigateError
from edigate.mapping.findings import MapFinding, Severity
from edigate.mapping.inbound import Document, InboundMap, load_inbound_map
from edigate.model import SourceRef, to_json
from edigate.config.partners import Partner, load_partner
from edigate.printable import shown
from edigate.x12.envelope import EnvelopeReader, Transaction

__all__ = ["TranslationResult", "maps_test", "translate_command", "translate_file",
           "translate_transaction", "translate_with_map"]


@dataclass(frozen=True, slots=True)
class TranslationResult:
    """One transaction set's outcome, with the control numbers it came under."""

    isa13: str
    gs06: str
    st02: str
    set_id: str
    order: Document | None
    """The set's document: an Order for an 850, an OrderChange for an 860."""
    findings: tuple[MapFinding, ...] = ()

    @property
    def ok(self) -> bool:
        return self.order is not None and not any(f.is_error for f in self.findings)

    def to_json(self) -> dict[str, Any]:
        return {"isa13": self.isa13, "gs06": self.gs06, "st02": self.st02, "set_id": self.set_id,
                "ok": self.ok, "order": to_json(self.order) if self.order else None,
                "findings": [f.to_json() for f in self.findings]}


def translate_file(path: Path | str, partner: Partner | str, *,
                   maps_dir: Path | str = "maps", partners_dir: Path | str = "partners"
                   ) -> list[TranslationResult]:
    """Every 850 and 860 in ``path`` through ``partner``'s inbound map for its set (a
    Partner or a partner id)."""
    if isinstance(partner, str):
        partner = load_partner(Path(partners_dir) / f"{partner}.yaml")
    names = {set_id: name for set_id in ("850", "860") if (name := partner.documents.inbound.get(set_id))}
    if "850" not in names:
        raise ConfigError(f"{partner.file}: documents.inbound: no 850 map for partner {partner.id!r}")
    maps = {set_id: load_inbound_map(name, Path(maps_dir)) for set_id, name in names.items()}
    return [translate_transaction(event, maps[event.set_id], partner.id) if event.set_id in maps
            else _no_map(event, partner.id) for event in EnvelopeReader(Path(path)) if isinstance(event, Transaction)]


def _no_map(tx: Transaction, partner_id: str) -> TranslationResult:
    """A set the partner has no inbound map for: said, never silently left out."""
    finding = MapFinding("map.no_map", f"partner {partner_id!r} names no inbound map for the {tx.set_id}", "set",
                         segment_id="ST", value=tx.set_id,
                         hint="name one under documents.inbound in its partner file")
    return TranslationResult(tx.interchange.control_number, tx.group.control_number if tx.group else "",
                             tx.control_number, tx.set_id, None, (finding,))


def translate_with_map(path: Path | str, mapping: InboundMap,
                       partner_id: str = "unknown") -> list[TranslationResult]:
    """Every set of the map's kind (850 or 860) in ``path`` through one compiled map (this
    map whatever the set's version: it is the map under test)."""
    results = []
    for event in EnvelopeReader(Path(path)):
        if isinstance(event, Transaction) and event.set_id == mapping.set_id:
            results.append(translate_transaction(event, mapping, partner_id, by_version=False))
    return results


def translate_transaction(tx: Transaction, mapping: InboundMap, partner_id: str, *,
                          by_version: bool = True) -> TranslationResult:
    """One transaction set through a compiled map, with its control numbers and version check.

    ``by_version``: a set of another version than the map's is read by the base map of its
    own version when the maps folder has one (`InboundMap.for_version`), so a partner's
    map for 004010 does not read its 003060 or 005010 files; False reads it with ``mapping``."""
    isa13 = tx.interchange.control_number
    gs06 = tx.group.control_number if tx.group else ""
    source = SourceRef(partner_id, isa13, gs06, tx.control_number)
    version = tx.group.version if tx.group else ""
    if by_version:
        mapping = mapping.for_version(version)
    order, findings = mapping.translate(tx, source)
    if mapping.version and version and not version.startswith(mapping.version):
        findings.insert(0, MapFinding(
            "map.version", f"the group is version {version}, the map is for {mapping.version}",
            "set", Severity.WARNING, segment_id="GS", element=8, value=version,
            hint="check the partner's version and the map it names", map_file=mapping.file))
    return TranslationResult(isa13, gs06, tx.control_number, tx.set_id, order, tuple(findings))


def render(results: list[TranslationResult], as_json: bool) -> str:
    """Results as JSON (a list), or as one readable block per set."""
    if as_json:
        return json.dumps([r.to_json() for r in results], indent=2)
    blocks = []
    for r in results:
        head = f"ISA13 {r.isa13} GS06 {r.gs06} ST02 {r.st02}: "
        head += f"PO {shown(r.order.po_number)}, {len(r.order.lines)} lines" if r.order else "no order"
        blocks.append("\n".join([head, *(f"  {f}" for f in r.findings)]))
    return "\n".join(blocks)


def translate_command(path: str, partner: str, *, as_json: bool = False,
                      maps_dir: str = "maps", partners_dir: str = "partners") -> tuple[int, str]:
    """``edigate translate FILE --partner P [--json]``: (exit code, text to print)."""
    try:
        results = translate_file(path, partner, maps_dir=maps_dir, partners_dir=partners_dir)
    except EdigateError as exc:
        return exc.exit_code, str(exc)
    except OSError as exc:
        return 2, f"{path}: cannot read: {exc.strerror}"
    if not results and not as_json:
        return 1, f"{path}: no transaction set in the file"
    code = 0 if results and all(r.ok for r in results) else 1
    return code, render(results, as_json)


def maps_test(map_name: str, path: str, *, expect: str | None = None,
              maps_dir: str = "maps", partner_id: str | None = None) -> tuple[int, str]:
    """``edigate maps test MAP FILE [--expect JSON]``: the result, or a diff to the expectation.

    The orders' source names ``partner_id``, by default the ``<id>`` of a map named
    ``<id>-<set>`` (maps/bigbox-850.yaml is bigbox's).
    """
    try:
        mapping = load_inbound_map(map_name, Path(maps_dir))
        results = translate_with_map(path, mapping, partner_id or _partner_of(mapping.name))
        expected = json.loads(Path(expect).read_text()) if expect else None
    except EdigateError as exc:
        return exc.exit_code, str(exc)
    except (OSError, ValueError) as exc:
        return 2, f"cannot read input: {exc}"
    actual = [r.to_json() for r in results]
    if expected is None:
        return (0 if all(r.ok for r in results) else 1), json.dumps(actual, indent=2)
    return _compare(expected, actual, expect or "")


def _partner_of(map_name: str) -> str:
    head, _, tail = map_name.rpartition("-")
    return head if head and tail.isdigit() and not head.isdigit() else "unknown"


def _compare(expected: Any, actual: Any, name: str) -> tuple[int, str]:
    want = json.dumps(expected, indent=2, sort_keys=True).splitlines()
    got = json.dumps(actual, indent=2, sort_keys=True).splitlines()
    if want == got:
        return 0, f"{name}: matches"
    diff = difflib.unified_diff(want, got, fromfile=name, tofile="actual", lineterm="")
    return 1, "\n".join(diff)
