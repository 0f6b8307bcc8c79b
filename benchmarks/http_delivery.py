"""Orders delivered over the HTTP channel to a local server that refuses some of them first.

The server answers the first try of every 10th order 429 (``Retry-After: 0``) and of every
7th order 500; the channel retries both (the 500 because each POST carries an idempotency
key), so every order arrives exactly once. Prints orders/s, requests and retries.

    python benchmarks/http_delivery.py [--orders 1000]
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from edigate.config.channels import BearerAuth, HttpTarget  # noqa: E402
from edigate.config.secrets import SecretRef  # noqa: E402
from edigate.mapping.translate import translate_file  # noqa: E402
from edigate.model import Order, dumps  # noqa: E402
from edigate.transport import ChannelOptions, open_channel  # noqa: E402
from tests.support.httpd import Answer, Request, serve  # noqa: E402

REPO = HERE.parent


class Receiver:
    """Accepts each idempotency key once; refuses the first try of some orders."""

    def __init__(self) -> None:
        self.seen: dict[str, int] = {}
        self.accepted: set[str] = set()
        self.requests = 0
        self.lock = threading.Lock()

    def __call__(self, r: Request) -> Answer:
        key = r.header("idempotency-key") or ""
        with self.lock:
            self.requests += 1
            tries = self.seen[key] = self.seen.get(key, 0) + 1
            order = len(self.seen)
        if tries == 1 and order % 10 == 0:
            return 429, {"Retry-After": "0"}, b'{"error":"rate_limited"}'
        if tries == 1 and order % 7 == 0:
            return 500, {}, b'{"error":"internal"}'
        with self.lock:
            duplicate = key in self.accepted
            self.accepted.add(key)
        return (200, {}, b'{"duplicate":true}') if duplicate else (201, {}, b'{"created":true}')


def orders(count: int) -> list[Order]:
    """``count`` orders made from the bigbox sample, each with its own PO number."""
    results = translate_file(REPO / "samples/x12/bigbox-850-4010.x12", "bigbox",
                             maps_dir=REPO / "maps", partners_dir=REPO / "partners")
    base = next(r.order for r in results if isinstance(r.order, Order))
    return [dataclasses.replace(base, po_number=f"BENCH{n:06d}") for n in range(count)]


def run(count: int) -> dict[str, float]:
    """Deliver ``count`` orders; the figures of the run."""
    import os

    os.environ.setdefault("BENCH_TOKEN", "bench-token")
    payloads = [(f"bench-{o.po_number}.json", (dumps(o) + "\n").encode()) for o in orders(count)]
    receiver = Receiver()
    with serve(receiver) as server:
        target = HttpTarget(url=server.url + "/orders", auth=BearerAuth(token=SecretRef("env", "BENCH_TOKEN")),
                            backoff_seconds=0.005, max_wait_seconds=1.0)
        with open_channel(target, "bench:http", ChannelOptions()) as channel:
            start = time.perf_counter()
            channel.send_many(payloads)
            seconds = time.perf_counter() - start
    assert len(receiver.accepted) == count, "every order arrives once"
    return {"orders": count, "seconds": seconds, "requests": receiver.requests,
            "retries": receiver.requests - count, "orders_per_second": count / seconds}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--orders", type=int, default=1000)
    args = parser.parse_args(argv)
    f = run(args.orders)
    print(f"http delivery: {f['orders']:.0f} orders in {f['seconds']:.2f} s, {f['requests']:.0f} requests "
          f"({f['retries']:.0f} retried after 429/500): {f['orders_per_second']:,.0f} orders/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
