"""`edigate ingest FILE...` and `edigate run [--once]`: files received and processed.

Both are writing commands: they open the workspace's store, creating it when new. With
``--json`` each prints one JSON document (shapes: README, "JSON output"); what was not
delivered and each failure stay one line on stderr.
"""

from __future__ import annotations

import argparse
import functools
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from edigate.cli.context import pipeline_at, pipeline_of, writing
from edigate.cli.output import dump_json, transmission_json
from edigate.config.context import Context
from edigate.errors import UsageError

if TYPE_CHECKING:
    from edigate.stages.pipeline import Pipeline
    from edigate.store import Outbound, Transmission

__all__ = ["add_commands"]


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    ingest = commands.add_parser("ingest", help="run files through the pipeline as if received; the partner is "
                                                "the one the envelope names")
    ingest.add_argument("files", type=Path, nargs="+", metavar="FILE")
    ingest.add_argument("--partner", metavar="P", help="the partner the files must be from (else a mismatch)")
    ingest.add_argument("--json", action="store_true", help="print the transmissions as JSON (shape: README)")
    ingest.set_defaults(handler=writing(_ingest))

    run = commands.add_parser(
        "run", help="the gateway: poll channels on schedule, serve AS2, process, send; "
                    "SIGTERM or Ctrl-C stops it after the file in hand")
    run.add_argument("--once", action="store_true", help="one pass over every channel, then exit (for cron)")
    run.add_argument("--workers", type=_positive, default=1, metavar="N",
                     help="with --once: processes that claim and process transmissions side by side (default 1)")
    run.add_argument("--json", action="store_true", help="with --once: print what the pass did as JSON (shape: README)")
    run.add_argument("--metrics", type=_address, metavar="ADDRESS",
                     help="serve Prometheus metrics, /healthz and /readyz on HOST:PORT (instead of edigate.yaml's "
                          "metrics.listen)")
    run.set_defaults(handler=writing(_run))


def _address(text: str) -> str:
    import re

    if not re.fullmatch(r"[A-Za-z0-9.-]{1,253}:[0-9]{1,5}", text) or int(text.rsplit(":", 1)[1]) > 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not HOST:PORT such as 127.0.0.1:9464")
    return text


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of 1 or more")
    return value


def _ingest(ctx: Context, args: argparse.Namespace, out: TextIO) -> int:
    """One line per file (or one JSON document), the reason under it; the exit code of the worst."""
    from edigate.cli.output import tx_exit_code as exit_code, tx_why as why
    from edigate.printable import shown  # a partner's file name, one field of one line

    worst, answers = 0, []
    gw = pipeline_of(ctx)
    for path in args.files:
        tx = gw.ingest(path, args.partner)
        reasons = why(ctx.store, tx)
        code = exit_code(ctx.store, tx)
        unsent = _unsent(ctx, tx)
        answers.append({**transmission_json(tx), "path": str(path), "exit_code": code, "why": reasons,
                        "queued": [o.id for o in unsent]})
        if not args.json:
            print(f"{tx.id:6}  {tx.status.value:10} {tx.partner:10} {shown(path.name)}", file=out)
            for line in reasons:
                print(f"        {line}", file=out)
        worst = max(worst, code)
        _tell_undelivered(unsent, "warning", "it stays queued: edigate run --once sends it")
    if args.json:
        dump_json({"transmissions": answers, "exit_code": worst}, out)
    return worst


def _unsent(ctx: Context, tx: Transmission) -> list[Outbound]:
    """The transmission's outputs its partner's outbound channel has not taken yet (none
    when the partner has no outbound channel: nothing is sent for it)."""
    partner = ctx.partners.get(tx.partner)
    if partner is None or partner.channels.outbound is None:
        return []
    return [o for o in ctx.store.outbounds(tx.id) if o.sent_at is None]


def _run(ctx: Context, args: argparse.Namespace, out: TextIO) -> int:
    if not args.once:
        if args.workers != 1 or args.json:
            raise UsageError(f"{'--workers' if args.workers != 1 else '--json'} goes with --once; "
                             "the scheduled gateway runs until stopped")
        return _serve(ctx, out, args.metrics)
    if args.metrics is not None:
        raise UsageError("--metrics goes with the scheduled gateway, not --once")
    from edigate.cli.transmissions import print_transmissions
    from edigate.gateway.scheduler import Gateway
    from edigate.stages.send import output_name

    gw = pipeline_of(ctx)
    gateway = Gateway(gw)
    try:
        problems = gateway.poll_all()  # each failure logged on stderr, one line
        processed, failures = _work(gw, args.workers)
        undelivered = gateway.deliver(ctx.store.unsent_outbounds())  # earlier runs' too, whatever their age
    finally:
        gateway.stop()
    for failure in failures:
        print(f"edigate: error: {failure}", file=sys.stderr)
    _tell_undelivered(undelivered, "error", "it stays queued for the next run")
    failed = any(t.status.value == "failed" for t in processed)
    code = 2 if problems or failures or undelivered else 1 if failed else 0
    if args.json:
        answer: dict[str, Any] = {"transmissions": [transmission_json(t) for t in processed],
                                  "channel_problems": problems, "worker_failures": list(failures),
                                  "undelivered": [output_name(o) for o in undelivered], "exit_code": code}
        dump_json(answer, out)
    else:
        print_transmissions(processed, out)
    return code


def _tell_undelivered(outputs: Sequence[Outbound], severity: str, advice: str) -> None:
    """One stderr line per output the partner's channel did not take, naming it."""
    from edigate.stages.send import output_name

    for o in outputs:
        print(f"edigate: {severity}: not delivered: {output_name(o)} ({o.set_id} ISA13 {o.isa13}"
              f"{f' of transmission {o.transmission_id}' if o.transmission_id else ''}); {advice}",
              file=sys.stderr)


def _work(gw: Pipeline, workers: int) -> tuple[list[Transmission], tuple[str, ...]]:
    """Process what waits, in this process or in ``workers`` processes; the transmissions
    processed, and the workers that failed."""
    if workers == 1:
        return gw.work(), ()
    from edigate.stages.pipeline import run_workers

    gw.store.close()  # the workers open their own connections
    done = run_workers(functools.partial(pipeline_at, gw.workspace.root), workers)
    return [gw.store.transmission(i) for i in done.processed], done.failures


def _serve(ctx: Context, out: TextIO, metrics: str | None = None) -> int:
    """Run the scheduled gateway in the foreground until SIGTERM or SIGINT; exit 0 when stopped.
    ``metrics`` (HOST:PORT) serves the metrics there, whatever edigate.yaml says."""
    import dataclasses
    import signal
    import threading

    from edigate.config.workspace import MetricsSettings
    from edigate.gateway.scheduler import Gateway

    stop = threading.Event()
    handlers = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        pipeline = pipeline_of(ctx)
        if metrics is not None:
            pipeline.workspace = dataclasses.replace(pipeline.workspace, metrics=MetricsSettings(listen=metrics))
        gateway = Gateway(pipeline)
        try:
            gateway.start()
            listening = f"; AS2 on {gateway.listener.host}:{gateway.listener.port}" if gateway.listener else ""
            if gateway.metrics_listener is not None:
                listening += f"; metrics on {gateway.metrics_listener.host}:{gateway.metrics_listener.port}"
            print(f"edigate run: {len(gateway.jobs())} job(s){listening}; SIGTERM or Ctrl-C stops",
                  file=out, flush=True)
            while not stop.wait(0.5):
                pass
            print("edigate run: stopping after the work in hand", file=out, flush=True)
        finally:
            gateway.stop()
    finally:
        for sig, previous in handlers.items():
            signal.signal(sig, previous)
    print("edigate run: stopped", file=out, flush=True)
    return 0
