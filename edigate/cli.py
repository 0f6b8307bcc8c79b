"""The `edigate` command.

Exit codes: 0 ok; 1 the input failed validation; 2 usage, configuration or unreadable
input. Errors go to stderr as one line each, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TextIO

from edigate import __version__
from edigate.errors import EdigateError, UsageError
from edigate.x12.summary import FileSummary, TransactionCheck, summarize

__all__ = ["main"]

Handler = Callable[[argparse.Namespace, TextIO], int]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="edigate", description="EDI X12 gateway: parse and validate X12 interchanges, write 997/999/TA1 acks.")
    parser.add_argument("--version", action="version", version=f"edigate {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    demo = commands.add_parser("demo", help="read the bundled samples, write their acks, print where they are")
    demo.add_argument("--out", type=Path, default=Path("edigate-demo"), metavar="DIR",
                      help="where to write the outputs (default: ./edigate-demo)")
    demo.set_defaults(handler=_demo)

    x12 = commands.add_parser("x12", help="look at X12 files: structure and envelope checks")
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
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    args = _parser().parse_args(argv)
    handler: Handler = args.handler
    try:
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


def _x12_parse(args: argparse.Namespace, out: TextIO) -> int:
    summary = summarize(args.file)
    if args.json:
        _dump(summary.to_json(), out)
    else:
        print_summary(summary, out)
    return 0 if summary.valid else 1


def _x12_validate(args: argparse.Namespace, out: TextIO) -> int:
    from edigate.x12.validate import Validator

    check = None if args.envelope_only else Validator()
    summary = summarize(args.file, check=check)
    if args.ack:
        _write_acks(args, out, check)
    if args.json:
        _dump({"file": summary.file, "valid": summary.valid,
               "findings": [f.to_json() for f in summary.findings]}, out)
    else:
        for finding in summary.findings:
            print(finding, file=out)
        verdict = "valid" if summary.valid else "invalid"
        errors = sum(f.is_error for f in summary.findings)
        print(f"{summary.file}: {verdict}: {summary.set_count} transaction sets, {errors} errors", file=out)
    return 0 if summary.valid else 1


def _write_acks(args: argparse.Namespace, out: TextIO, check: TransactionCheck | None) -> None:
    from edigate.x12.respond import AckRequest, answer_file
    from edigate.x12.writer import Counter

    request = AckRequest("none", "always") if args.ack == "ta1" else AckRequest(args.ack, "requested")
    data = b"".join(a.data for a in answer_file(args.file, Counter(), request=request, check=check))
    if args.out is None:
        out.write(data.decode("utf-8"))
        return
    try:
        args.out.write_bytes(data)
    except OSError as exc:
        raise UsageError(f"{args.out}: cannot write: {exc.strerror}") from exc


def print_summary(summary: FileSummary, out: TextIO) -> None:
    """The structure of a file as an indented outline, then its findings."""
    verdict = "valid" if summary.valid else "INVALID"
    print(f"{summary.file}: {len(summary.interchanges)} interchange(s), {summary.set_count} "
          f"transaction set(s), {summary.segment_count} segments: {verdict}", file=out)
    for isa in summary.interchanges:
        h = isa.header
        d = h.delimiters
        print(f"  ISA {h.control_number}  {h.sender} -> {h.receiver}  {h.date} {h.time}  version "
              f"{h.version}  usage {h.usage}  delimiters {d.element!r} {d.component!r} {d.segment!r} "
              f"repetition {d.repetition!r}", file=out)
        for group in isa.groups:
            g = group.header
            if g is not None:
                print(f"    GS {g.functional_id} {g.control_number}  {g.sender} -> {g.receiver}  "
                      f"{g.version}  {len(group.sets)} set(s)", file=out)
            for s in group.sets:
                mark = "" if s.accepted else "  (errors)"
                print(f"      ST {s.set_id} {s.control_number}  {s.segment_count} segments{mark}", file=out)
    for note in summary.notes:
        print(f"  note: byte {note.offset}: {note.message}", file=out)
    for finding in summary.findings:
        print(f"  {finding}", file=out)


def _demo(args: argparse.Namespace, out: TextIO) -> int:
    from edigate.demo import run_demo

    return run_demo(out, args.out)


def _dump(data: Any, out: TextIO) -> None:
    json.dump(data, out, indent=2, ensure_ascii=False)
    out.write("\n")


if __name__ == "__main__":
    raise SystemExit(main())
