"""1 vs 2 vs 3 gateways on one PostgreSQL store and the ``postgresql`` archive: small files/s.

``python benchmarks/gateways.py [--files N] [--pg-url URL]`` runs, for each count of
gateways, that many ``edigate run`` processes in working directories of their own on a fresh
PostgreSQL schema (`tests.support.cluster`: one shared inbound folder, one shared outbound
folder), drops N bigbox files (one 850, two orders: a 997 and two 855s out each) once every
gateway is up, and waits until every file is done and every answer delivered. It prints
files/s over the store's own clock (first file received to last file finished: poll waits
left out), the gateways' CPU ms per file, and the load average, since on a shared machine
the ratios mean little under load. The PostgreSQL URL comes from ``--pg-url``,
``EDIGATE_BENCH_PG_URL`` or ``EDIGATE_TEST_PG_URL``; without one the benchmark says so and
skips.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
import sys  # noqa: E402

sys.path.insert(0, str(REPO))

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from edigate.store import Status, Store  # noqa: E402
from tests.support.cluster import cluster, stop  # noqa: E402
from tests.support.waiting import wait_until  # noqa: E402

__all__ = ["main"]

PATIENCE = 900.0


@contextmanager
def _schema(url: str) -> Iterator[str]:
    """A URL on a fresh schema of its own, dropped afterwards."""
    name = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{name}"'))
    try:
        yield make_url(url).update_query_dict({"options": f"-csearch_path={name}"}).render_as_string(
            hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{name}" CASCADE'))
        admin.dispose()


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def _finished(store: Store, files: int) -> bool:
    return (len(store.transmissions(status=Status.DONE)) >= files and not store.unsent_outbounds()
            and not store.transmissions(status=Status.PROCESSING))


def run(url: str, gateways: int, files: int) -> dict[str, float]:
    """One measurement: ``gateways`` gateways over ``files`` files on a fresh schema."""
    with _schema(url) as schema, tempfile.TemporaryDirectory(prefix="edigate-gw-") as tmp, \
            Store.open(schema) as store:
        group = cluster(Path(tmp), schema, gateways)
        procs = [group.start(i) for i in range(gateways)]
        try:
            started = lambda: all("job(s)" in (ws / "run.out").read_text() for ws in group.workspaces)  # noqa: E731
            if not wait_until(started, timeout=PATIENCE, interval=0.1):
                raise SystemExit("gateways did not start: see run.err in their workspaces")
            cpu_before = sum(_cpu_seconds(p.pid) for p in procs)
            group.drop(files)
            if not wait_until(lambda: _finished(store, files), timeout=PATIENCE, interval=0.2):
                raise SystemExit(f"{gateways} gateway(s) did not finish {files} files")
            cpu = sum(_cpu_seconds(p.pid) for p in procs) - cpu_before
        finally:
            codes = [stop(p) for p in procs]
        done = store.transmissions(status=Status.DONE)
        first = min(t.received_at for t in done)
        last = max(t.finished_at for t in done if t.finished_at is not None)
        span = (last - first).total_seconds()
        return {"files": len(done), "seconds": span, "files_per_s": len(done) / span,
                "cpu_ms_per_file": 1000 * cpu / len(done), "exit_codes": float(sum(codes))}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", type=int, default=200, help="small files per run (default 200)")
    parser.add_argument("--gateways", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--pg-url", default=os.environ.get("EDIGATE_BENCH_PG_URL")
                        or os.environ.get("EDIGATE_TEST_PG_URL"))
    args = parser.parse_args(argv)
    print(f"\nSeveral gateways on one PostgreSQL store and archive: {args.files} small files each run")
    if not args.pg_url:
        print("  skipped: no PostgreSQL (give --pg-url, EDIGATE_BENCH_PG_URL or EDIGATE_TEST_PG_URL)")
        return
    print(f"  load average before: {' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} cores")
    results = {}
    for count in args.gateways:
        figures = results[count] = run(args.pg_url, count, args.files)
        ratio = figures["files_per_s"] / results[args.gateways[0]]["files_per_s"]
        print(f"  {count} gateway(s): {figures['files']:.0f} files in {figures['seconds']:6.2f} s  "
              f"{figures['files_per_s']:7.1f} files/s  {figures['cpu_ms_per_file']:6.1f} CPU ms/file  "
              f"{ratio:4.2f}x one gateway" + ("" if figures["exit_codes"] == 0 else "  (a gateway exited badly)"))
    print(f"  load average after: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
