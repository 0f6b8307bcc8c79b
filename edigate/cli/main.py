"""The `edigate` command.

Exit codes: 0 ok; 1 the input failed validation; 2 usage, configuration or unreadable
input. Errors go to stderr as one line each, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from edigate import __version__
from edigate.errors import EdigateError, UsageError
from edigate.cli.actor import acting_as
from edigate.cli.context import ENV_WORKSPACE, Handler, workspace_of
from edigate.cli.logs import command_logging
from edigate.cli.output import dump_json
from edigate.config.runtime import tune_collector
from edigate.x12.summary import FileSummary, TransactionCheck, summarize

if TYPE_CHECKING:
    from edigate.config.partners import Partner
    from edigate.config.workspace import Workspace

__all__ = ["main"]

_WORKSPACE_HELP = (f"the workspace folder (its edigate.yaml); default: ${ENV_WORKSPACE}, else the first folder "
                   "from here upwards holding edigate.yaml, else this folder")


def _parser(only: str | None = None) -> argparse.ArgumentParser:
    """The command line; with ``only``, only that command (its help and errors the same):
    ``edigate x12 ...`` then imports none of the other commands' modules."""
    parser = argparse.ArgumentParser(
        prog="edigate", description="EDI X12 gateway: receive 850s over folders, SFTP or AS2; validate, acknowledge, "
                                    "translate, decide, route; answer with 997/999, 855, 856 and 810.")
    parser.add_argument("--version", action="version", version=f"edigate {__version__}")
    parser.add_argument("--workspace", type=Path, metavar="DIR", help=_WORKSPACE_HELP)
    parser.add_argument("--as", dest="actor", metavar="NAME",
                        help="who is acting, for the audit trail (default: EDIGATE_ACTOR, else the OS user)")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    if only is None:
        _first_commands(commands)
    _x12_commands(commands)
    if only is None:
        _config_commands(commands)
        _other_commands(commands)
    _workspace_everywhere(parser)
    return parser


def _first_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from edigate.cli import init as cli_init

    cli_init.add_commands(commands)

    demo = commands.add_parser("demo", help="run the bundled samples through the gateway; print where outputs are")
    demo.add_argument("--out", type=Path, default=Path("edigate-demo"), metavar="DIR",
                      help="where to write the outputs (default: ./edigate-demo)")
    demo.add_argument("--json", action="store_true",
                      help="print the workspace, transmissions, outputs and next commands as JSON")
    demo.set_defaults(handler=_demo)


def _x12_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    x12 = commands.add_parser("x12", help="look at X12 files: structure, validation, acks")
    x12_commands = x12.add_subparsers(dest="x12_command", metavar="ACTION", required=True)
    parse = x12_commands.add_parser("parse", help="envelopes, sets and segment counts of FILE")
    parse.add_argument("file", type=Path, metavar="FILE")
    parse.add_argument("--json", action="store_true", help="print the documented JSON structure")
    parse.set_defaults(handler=_x12_parse)
    validate = x12_commands.add_parser(
        "validate", help="check FILE's envelopes and transaction-set structure; exit 1 when invalid")
    validate.add_argument("file", type=Path, metavar="FILE")
    validate.add_argument("--envelope-only", action="store_true", help="check envelopes, not set structure")
    validate.add_argument("--json", action="store_true", help="print findings as JSON")
    validate.add_argument("--ack", choices=("997", "999", "ta1"),
                          help="also write acknowledgments: a 997 or 999 per group (and TA1 where asked), or TA1 only")
    validate.add_argument("--out", type=Path, metavar="F", help="where to write the acks (default: stdout)")
    validate.set_defaults(handler=_x12_validate)
    from edigate.cli import inspect as cli_inspect

    cli_inspect.add_x12_view(commands)


def _other_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from edigate.cli import channels as cli_channels, kpi as cli_kpi, orders as cli_orders, transmissions as cli_gateway

    from edigate.cli import archive as cli_archive, ingest as cli_ingest

    cli_ingest.add_commands(commands)
    cli_gateway.add_commands(commands)
    cli_archive.add_commands(commands)
    cli_channels.add_commands(commands)
    cli_orders.add_commands(commands)
    cli_kpi.add_commands(commands)
    from edigate.cli import audit as cli_audit, inspect as cli_inspect, tickets as cli_tickets

    cli_inspect.add_commands(commands)
    cli_audit.add_commands(commands)
    cli_tickets.add_commands(commands)


def _workspace_everywhere(parser: argparse.ArgumentParser) -> None:
    """``--workspace DIR`` after the command too (``edigate tx list --workspace DIR``)."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                _workspace_everywhere(sub)
            return
    if parser.prog != "edigate":
        parser.add_argument("--workspace", type=Path, metavar="DIR", default=argparse.SUPPRESS, help=_WORKSPACE_HELP)


def _config_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Commands for analysts: translate, test maps, check partners, print schemas."""
    translate = commands.add_parser("translate", help="850 FILE -> canonical orders, without side effects")
    translate.add_argument("file", type=Path, metavar="FILE")
    translate.add_argument("--partner", required=True, metavar="P", help="partner id (partners/P.yaml)")
    translate.add_argument("--json", action="store_true", help="print the orders as canonical JSON")
    translate.set_defaults(handler=_translate)

    maps = commands.add_parser("maps", help="work with YAML maps: test one, start a new one")
    maps_commands = maps.add_subparsers(dest="maps_command", metavar="ACTION", required=True)
    test = maps_commands.add_parser("test", help="run MAP over FILE; with --expect, diff against a JSON file")
    test.add_argument("map", metavar="MAP", help="map name (maps/MAP.yaml)")
    test.add_argument("file", type=Path, metavar="FILE")
    test.add_argument("--expect", type=Path, metavar="JSON", help="expected canonical JSON; exit 1 on difference")
    test.set_defaults(handler=_maps_test)

    partners = commands.add_parser("partners", help="list partners, check their configuration, start a new one")
    partners_commands = partners.add_subparsers(dest="partners_command", metavar="ACTION", required=True)
    listing = partners_commands.add_parser("list", help="one line per partner")
    listing.add_argument("--json", action="store_true", help="print the partners as JSON (shape: README)")
    listing.set_defaults(handler=_partners_list)
    check = partners_commands.add_parser("check", help="load and check partner files and the maps they name")
    check.add_argument("partner", nargs="?", metavar="P")
    check.add_argument("--connect", action="store_true",
                       help="also try each channel: SFTP login and list, folders, AS2 certificates and URL")
    check.add_argument("--json", action="store_true", help="print the outcome as JSON (shape: README); problems "
                                                           "stay lines on stderr")
    check.set_defaults(handler=_partners_check)
    from edigate.cli import scaffold

    scaffold.add_commands(maps_commands, partners_commands)

    schema = commands.add_parser("schema", help="print the JSON Schema of a canonical document")
    schema.add_argument("document", choices=("order", "poack", "shipment", "invoice", "change"),
                        help="change: an 860 as read (OrderChange)")
    schema.set_defaults(handler=_schema)


def console() -> int:
    """The ``edigate`` command: `main` in a process of its own, tuned for batch work
    (`edigate.config.runtime`)."""
    tune_collector()
    return main()


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    given = sys.argv[1:] if argv is None else argv
    args = _parser("x12" if given[:1] == ["x12"] else None).parse_args(argv)
    handler: Handler = args.handler
    try:
        with command_logging(), acting_as(args.actor):
            return handler(args, sys.stdout)
    except EdigateError as exc:
        for line in str(exc).splitlines() or [exc.code]:
            print(f"edigate: error: {line}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("edigate: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # a bug: say so in one line; EDIGATE_DEBUG=1 shows the traceback
        if os.environ.get("EDIGATE_DEBUG"):
            raise
        print(f"edigate: internal error: {type(exc).__name__}: {exc} (set EDIGATE_DEBUG=1 for details)",
              file=sys.stderr)
        return 2


def _x12_parse(args: argparse.Namespace, out: TextIO) -> int:
    if not args.json:
        summary = summarize(args.file)
        print_summary(summary, out)
        return 0 if summary.valid else 1
    stream = _JsonList(out, "interchanges")
    summary = summarize(args.file, on_interchange=lambda isa: stream.item(isa.to_json()))
    stream.close({key: value for key, value in summary.to_json().items() if key != "interchanges"})
    return 0 if summary.valid else 1


class _JsonList:
    """One JSON object written as it is read: its list of ``key`` item by item, then the
    rest, so a large file's structure starts printing at once and is never held whole."""

    def __init__(self, out: TextIO, key: str) -> None:
        self.out, self.first = out, True
        out.write("{\n  " + json.dumps(key) + ": [")

    def item(self, value: Any) -> None:
        text = json.dumps(value, indent=2, ensure_ascii=False).replace("\n", "\n    ")
        self.out.write(("\n    " if self.first else ",\n    ") + text)
        self.first = False

    def close(self, rest: dict[str, Any]) -> None:
        self.out.write("]" if self.first else "\n  ]")
        for key, value in rest.items():
            text = json.dumps(value, indent=2, ensure_ascii=False).replace("\n", "\n  ")
            self.out.write(f",\n  {json.dumps(key)}: {text}")
        self.out.write("\n}\n")


def _x12_validate(args: argparse.Namespace, out: TextIO) -> int:
    from edigate.x12.validate import Validator

    check = None if args.envelope_only else Validator()
    if args.ack:
        summary = _validate_with_acks(args, out, check)
    else:
        summary = summarize(args.file, check=check)
    if args.json:
        dump_json({"file": summary.file, "valid": summary.valid,
               "findings": [f.to_json() for f in summary.findings]}, out)
    else:
        for finding in summary.findings:
            _say(out, str(finding))
        verdict = "valid" if summary.valid else "invalid"
        errors = sum(f.is_error for f in summary.findings)
        _say(out, f"{summary.file}: {verdict}: {summary.set_count} transaction sets, {errors} errors")
    return 0 if summary.valid else 1


def _refuse_acking_acks(summary: FileSummary, kind: str) -> None:
    """Functional acks are never acknowledged: a file of nothing but acks gets no 997/999."""
    ids = {g.header.functional_id for i in summary.interchanges for g in i.groups if g.header is not None}
    if ids <= {"FA"}:
        what = "functional acknowledgments (997/999)" if ids else "no functional group"
        raise UsageError(f"{summary.file}: holds {what}, which no {kind} answers; "
                         "use --ack ta1 to acknowledge the interchange")


def _validate_with_acks(args: argparse.Namespace, out: TextIO, check: TransactionCheck | None) -> FileSummary:
    """Summary and acks from one validation pass; the acks written to ``--out`` or ``out``."""
    from edigate.x12.respond import AckRequest, summarize_and_answer
    from edigate.x12.writer import Counter

    request = AckRequest("none", "always") if args.ack == "ta1" else AckRequest(args.ack, "requested")
    summary, answers = summarize_and_answer(args.file, Counter(), request=request, check=check)
    if args.ack in ("997", "999"):
        _refuse_acking_acks(summary, args.ack)
    data = b"".join(a.data for a in answers)
    if args.out is None:
        out.write(data.decode("utf-8"))
        return summary
    try:
        args.out.write_bytes(data)
    except OSError as exc:
        raise UsageError(f"{args.out}: cannot write: {exc.strerror}") from exc
    return summary


def print_summary(summary: FileSummary, out: TextIO) -> None:
    """The structure of a file as an indented outline, then its findings."""
    verdict = "valid" if summary.valid else "INVALID"
    _say(out, f"{summary.file}: {len(summary.interchanges)} interchange(s), {summary.set_count} "
              f"transaction set(s), {summary.segment_count} segments: {verdict}")
    for isa in summary.interchanges:
        h = isa.header
        d = h.delimiters
        _say(out, f"  ISA {h.control_number}  {h.sender} -> {h.receiver}  {h.date} {h.time}  version "
                  f"{h.version}  usage {h.usage}  delimiters {d.element!r} {d.component!r} {d.segment!r} "
                  f"repetition {d.repetition!r}")
        for group in isa.groups:
            g = group.header
            if g is not None:
                _say(out, f"    GS {g.functional_id} {g.control_number}  {g.sender} -> {g.receiver}  "
                          f"{g.version}  {len(group.sets)} set(s)")
            for s in group.sets:
                mark = "" if s.accepted else "  (errors)"
                _say(out, f"      ST {s.set_id} {s.control_number}  {s.segment_count} segments{mark}")
    for note in summary.notes:
        _say(out, f"  note: byte {note.offset}: {note.message}")
    for finding in summary.findings:
        _say(out, f"  {finding}")


def _say(out: TextIO, text: str) -> None:
    """One line of output whose file name and partner IDs may hold any byte: control
    characters are escaped (``\\n``, ``\\x1b``) so the line stays one line."""
    from edigate.printable import shown

    print(shown(text, backslashes=False), file=out)


def _translate(args: argparse.Namespace, out: TextIO) -> int:
    from edigate.mapping.translate import translate_command

    ws = workspace_of(args)
    code, text = translate_command(str(args.file), args.partner, as_json=args.json,
                                   maps_dir=str(ws.maps_path), partners_dir=str(ws.partners_path))
    return _emit(code, text, out)


def _maps_test(args: argparse.Namespace, out: TextIO) -> int:
    from edigate.mapping.translate import maps_test

    code, text = maps_test(args.map, str(args.file), expect=str(args.expect) if args.expect else None,
                           maps_dir=str(workspace_of(args).maps_path))
    return _emit(code, text, out)


def _emit(code: int, text: str, out: TextIO) -> int:
    """Print a command's text: to stdout on success or a data failure, as one error line on 2."""
    if code == 2:
        raise UsageError(text)
    print(text, file=out)
    return code


def _partners_list(args: argparse.Namespace, out: TextIO) -> int:
    from edigate.config.partners import load_partners

    partners = sorted(load_partners(workspace_of(args).partners_path).items())
    if args.json:
        dump_json([{"id": pid, "name": p.name, "isa_qualifier": p.identity.theirs.isa_qualifier,
                "isa_id": p.identity.theirs.isa_id, "version": p.version, "usage": p.usage,
                "inbound": sorted(p.documents.inbound), "outbound": sorted(p.documents.outbound)}
               for pid, p in partners], out)
        return 0
    for pid, p in partners:
        theirs = p.identity.theirs
        print(f"{pid:12} {p.name:32} {theirs.isa_qualifier}:{theirs.isa_id:15} {p.version:10} usage {p.usage}  "
              f"in {', '.join(sorted(p.documents.inbound)) or '-'}  out {', '.join(sorted(p.documents.outbound)) or '-'}",
              file=out)
    return 0


def _partners_check(args: argparse.Namespace, out: TextIO) -> int:
    """Every problem of the chosen partners (their files, rules, data files, maps against
    the spec, expressions), one ``file:line: path: message`` a line; exit 2 when any."""
    from edigate.errors import ConfigError
    from edigate.config.partners import read_partners
    from edigate.config.prepared import PreparedPartners

    ws = workspace_of(args)
    partners, problems = read_partners(ws.partners_path)
    known = set(partners) | {Path(p.file).stem for p in problems}
    if args.partner is not None and args.partner not in known:
        raise UsageError(f"no partner {args.partner!r}; known: {', '.join(sorted(partners))}")
    chosen = [partners[k] for k in sorted(partners) if args.partner in (None, k)]
    if args.partner is not None:
        problems = [p for p in problems if Path(p.file).stem == args.partner]
    prepared = PreparedPartners(ws, partners)
    problems += [p for partner in chosen for p in prepared[partner.id].problems]
    if problems:
        raise ConfigError(problems)
    as2_keys_check(ws, chosen)
    if args.json:
        return _check_json(ws, chosen, args.connect, out)
    for partner in chosen:
        print(f"{partner.id}: ok", file=out)
    if args.connect:
        return _check_connections(ws, chosen, out)
    return 0


def _check_connections(ws: Workspace, chosen: list[Partner], out: TextIO) -> int:
    """``partners check --connect``: each channel tried, the outcome recorded in the event log."""
    from edigate.cli.channels import check_connections
    from edigate.cli.context import open_context

    with open_context(ws, strict_partners=False) as ctx:
        return check_connections(ctx, chosen, out)


def _check_json(ws: Workspace, chosen: list[Partner], connect: bool, out: TextIO) -> int:
    """``partners check --json``: the partners that passed and, with ``--connect``, each channel tried."""
    from dataclasses import asdict

    from edigate.cli.channels import probe_channels
    from edigate.cli.context import open_context

    probes = []
    if connect:
        with open_context(ws, strict_partners=False) as ctx:
            probes = probe_channels(ctx, chosen)
    for p in probes:
        if not p.ok:
            print(f"edigate: error: {p.name}: {p.detail}", file=sys.stderr)
    dump_json({"partners": [{"id": p.id, "ok": True} for p in chosen],
           "connections": [asdict(p) for p in probes] if connect else None}, out)
    return 1 if any(not p.ok for p in probes) else 0


def as2_keys_check(ws: Workspace, chosen: list[Partner]) -> None:
    """Our AS2 key and certificate, and the AS2 partners' certificates, load and match."""
    from edigate.transport.as2.keys import check_keys
    from edigate.transport.as2.model import As2Partner, OurKeys

    channels = [c for p in chosen for c in (p.channels.inbound, p.channels.outbound)
                if c is not None and c.type == "as2"]
    if not channels or ws.as2 is None or ws.as2.private_key is None:
        return
    keys = OurKeys.from_listener(ws.as2, root=ws.root)
    check_keys(keys, [As2Partner.from_channel(c, root=ws.root, default_our_id=keys.as2_id)
                      for c in channels])


def _schema(args: argparse.Namespace, out: TextIO) -> int:
    from edigate.model import json_schema

    dump_json(json_schema(args.document), out)
    return 0


def _demo(args: argparse.Namespace, out: TextIO) -> int:
    import io

    from edigate.cli.demo import demo_json, run_demo

    if not args.json:
        return 1 if run_demo(out, args.out).unexpected else 0
    run = run_demo(io.StringIO(), args.out)
    dump_json(demo_json(run, args.out), out)
    return 1 if run.unexpected else 0



if __name__ == "__main__":
    raise SystemExit(console())
