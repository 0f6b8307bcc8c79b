"""Available to promise: the inventory feed, and stock taken as orders are accepted.

A partner's ``rules.atp`` names a feed, a CSV with one row per SKU and warehouse:

    sku             our SKU (as in the catalog)                      required
    warehouse       the warehouse holding it; empty for a single one  optional
    on_hand         units free for orders, as of the feed              required
    available_date  YYYY-MM-DD when more comes in (the IB date)        optional

The feed is loaded into the order book whenever its bytes change (several partners may
name the same file; it is loaded once). `Inventory.promise` decides an order with its stock: an
order the other rules accept takes stock for every line it keeps; a line that cannot be
filled becomes a finding (IB or IQ in the 855, per the partner's ``short`` setting); an
order that ends up held or rejected gives its stock back. So does an order that a later
cancel or replacement of the same PO retires (`edigate.orders.purposes`).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from pathlib import Path

from edigate.errors import ConfigError, ConfigProblem
from edigate.model import Order, Purpose
from edigate.orders.book import Allocation, AllocationRequest, OrderBook, StockLevel
from edigate.orders.decision import Decision, Outcome, decide
from edigate.orders.rules import AtpRule, Availability, RuleFinding, RuleSet, check_availability, stock_sku

__all__ = ["FEED_COLUMNS", "Inventory", "read_feed"]

FEED_COLUMNS = ("sku", "warehouse", "on_hand", "available_date")


def read_feed(path: Path, data: bytes | None = None) -> list[StockLevel]:
    """The rows of an inventory feed; every bad row reported at once with file:line."""
    try:
        text = (data if data is not None else path.read_bytes()).decode("utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the inventory feed: {exc}") from exc
    reader = csv.DictReader(text.splitlines())
    missing = [c for c in ("sku", "on_hand") if c not in (reader.fieldnames or ())]
    if missing:
        raise ConfigError([ConfigProblem(str(path), 1, "", f"the inventory feed lacks column(s) {', '.join(missing)}"
                                         f"; its columns are {', '.join(FEED_COLUMNS)}")])
    levels, problems = [], []
    for n, row in enumerate(reader, 2):
        try:
            levels.append(_level(row))
        except (KeyError, ValueError, InvalidOperation) as exc:
            problems.append(ConfigProblem(str(path), n, "", f"bad inventory row: {exc}"))
    if problems:
        raise ConfigError(problems)
    return levels


def _level(row: dict[str, str]) -> StockLevel:
    sku = (row.get("sku") or "").strip()
    if not sku:
        raise ValueError("no sku")
    on_hand = Decimal((row.get("on_hand") or "").strip())
    if on_hand < 0:
        raise ValueError(f"on_hand {on_hand} is negative")
    date = (row.get("available_date") or "").strip()
    return StockLevel(sku, on_hand, (row.get("warehouse") or "").strip(),
                      dt.date.fromisoformat(date) if date else None)


class Inventory:
    """The book's stock, seen from one workspace: feeds are read relative to ``root``."""

    def __init__(self, book: OrderBook, root: Path) -> None:
        self.book = book
        self.root = root
        self._seen: dict[Path, tuple[int, int]] = {}

    def refresh(self, rule: AtpRule) -> bool:
        """Load the rule's feed when it changed since this process last looked; True if loaded."""
        if rule.file is None:
            return False
        path = self.root / rule.file
        try:
            stat = path.stat()
        except OSError as exc:
            raise ConfigError(f"{path}: cannot read the inventory feed: {exc.strerror}") from exc
        if self._seen.get(path) == (stat.st_mtime_ns, stat.st_size):
            return False
        data = path.read_bytes()
        loaded = self.book.load_inventory(read_feed(path, data), source=str(rule.file),
                                          sha256=hashlib.sha256(data).hexdigest())
        self._seen[path] = (stat.st_mtime_ns, stat.st_size)
        return loaded

    def promise(self, order: Order, document_id: int, findings: Sequence[RuleFinding], rules: RuleSet, *,
                today: dt.date, on_accepted: Callable[[], object] = lambda: None) -> Decision:
        """The partner's policy applied to ``order`` with its rule findings and its stock.
        ``on_accepted`` runs once the order is accepted, before it takes stock (so a
        replacement's earlier order gives its stock back first)."""
        policy, atp = rules.rules.policy, rules.rules.atp
        first = decide(order, findings, policy, today=today)
        if first.outcome is Outcome.ACCEPTED:
            on_accepted()
        if atp is None:
            return first
        if first.outcome is not Outcome.ACCEPTED or first.ack is None or order.purpose is Purpose.CANCEL:
            self.book.release_allocations(document_id)
            return first
        kept = {a.line_number: a.quantity for a in first.ack.lines if not a.status.is_rejection}
        short = self.take(order, document_id, rules, kept)
        if not short:
            return first
        final = decide(order, [*findings, *short], policy, today=today)
        if final.outcome is not Outcome.ACCEPTED:
            self.book.release_allocations(document_id)
        return final

    def take(self, order: Order, document_id: int, rules: RuleSet,
             quantities: Mapping[str, Decimal] | None = None) -> list[RuleFinding]:
        """Allocate stock for the order's lines (``quantities`` per line number, default all of
        each line); a finding for every line the stock cannot fill. No ``rules.atp``, no stock."""
        atp = rules.rules.atp
        if atp is None:
            return []
        self.refresh(atp)
        wanted = quantities if quantities is not None else {line.line_number: line.quantity for line in order.lines}
        requests = [AllocationRequest(line.line_number, sku, wanted[line.line_number]) for line in order.lines
                    if line.line_number in wanted and (sku := stock_sku(line, rules))]
        got = self.book.allocate(document_id, requests, warehouse=atp.warehouse, partial=atp.short == "reduce")
        return check_availability([_availability(a) for a in got], atp)


def _availability(a: Allocation) -> Availability:
    return Availability(a.line_number, a.sku, a.requested, a.quantity, a.available_date)
