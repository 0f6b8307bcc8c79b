"""The inbound map and the JSON codec alone, in process: translate, dumps, loads.

The file is tokenized and cut into transaction sets once, before any timing, so only the
map engine (``translate_transaction``) and the canonical JSON codec (``dumps`` of each
order, ``loads`` of the text) are measured, in CPU seconds. Each phase runs ``--repeat``
times and the best run is printed (the machine is shared).

    python benchmarks/map_codec.py [--orders 2000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

__all__ = ["main", "phases"]


def _transactions(path: Path) -> list[Any]:
    from edigate.x12.envelope import EnvelopeReader, Transaction

    return [e for e in EnvelopeReader(path) if isinstance(e, Transaction) and e.set_id == "850"]


def phases(path: Path) -> dict[str, Callable[[], Any]]:
    """The three measured phases over every 850 of ``path``; each returns its last output."""
    from edigate.mapping import load_inbound_map
    from edigate.mapping.translate import translate_transaction
    from edigate.model import Order, dumps, loads

    mapping = load_inbound_map("bigbox-850", ROOT / "maps")
    sets = _transactions(path)
    orders = [translate_transaction(tx, mapping, "bigbox").order for tx in sets]
    texts = [dumps(o) for o in orders]
    return {
        "translate": lambda: _each(lambda tx: translate_transaction(tx, mapping, "bigbox"), sets),
        "dumps": lambda: _each(dumps, orders),
        "loads": lambda: _each(lambda text: loads(Order, text), texts),
    }


def _each(run: Callable[[Any], Any], items: list[Any]) -> Any:
    """``run`` on each item, keeping only the last result: the pipeline streams, and 2,000
    results kept alive would make the garbage collector walk them again and again."""
    last = None
    for item in items:
        last = run(item)
    return last


def _best(run: Callable[[], Any], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.process_time()  # CPU time: the box is shared, wall time varies with it
        run()
        best = min(best, time.process_time() - start)
    return best


def main(argv: list[str] | None = None) -> None:
    from benchmarks.pipeline import catalog_file

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--orders", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    path = catalog_file(args.orders)
    total = 0.0
    for name, run in phases(path).items():
        seconds = _best(run, args.repeat)
        total += seconds
        print(f"  {name:9} {seconds:6.3f} s  {seconds / args.orders * 1e3:6.3f} ms/order")
    print(f"  {'total':9} {total:6.3f} s  {total / args.orders * 1e3:6.3f} ms/order")


if __name__ == "__main__":
    main(sys.argv[1:])
