"""The inspector's commands: `edigate x12 view FILE` and `edigate tx view ID [--po PO]`.

Both print the file's segments numbered and indented by loop, each finding under its
segment with the element marked; colour only on a terminal and without ``NO_COLOR``.
``--json`` prints the same view for tools:

    {"file": NAME, "counts": {"segments": N, "errors": N, "warnings": N},
     "unplaced": [FINDING...],
     "segments": [{"number", "id", "text", "elements", "depth", "loop", "isa13", "gs06",
                   "st02", "position", "offset", "findings": [FINDING...]}]}
    FINDING = {"severity", "code_list", "code", "stage", "message", "hint", "element",
               "component", "value"}

With ``--po``, `tx view` lays the order's 850 set beside its canonical order and the 855
sent: ``{"po_number", "order_id", "status", "x12": [SEGMENT...], "order": {...},
"answers": [SEGMENT...]}``.
"""

from __future__ import annotations

import argparse
import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from edigate.cli.output import dump_json

if TYPE_CHECKING:
    from edigate.config.context import Context
    from edigate.desk.inspect import FileView

__all__ = ["add_commands", "add_x12_view", "use_colour"]


def add_x12_view(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``view`` to the ``x12`` group (registered after it)."""
    x12 = _actions(commands.choices["x12"]).add_parser(
        "view", help="FILE's segments numbered and indented by loop, findings under their segment")
    x12.add_argument("file", type=Path, metavar="FILE")
    x12.add_argument("--json", action="store_true", help="print the view as JSON (shape: README, Inspector)")
    x12.set_defaults(handler=_x12_view)


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``view`` to the ``tx`` group (registered after it)."""
    from edigate.cli.context import reading

    tx = _actions(commands.choices["tx"]).add_parser(
        "view", help="the raw file of transmission ID, its segments and the error log in place")
    tx.add_argument("id", type=int, metavar="ID")
    tx.add_argument("--po", metavar="PO", help="lay this order's 850 beside the canonical order and the 855 sent")
    tx.add_argument("--json", action="store_true", help="print the view as JSON (shape: README, Inspector)")
    tx.set_defaults(handler=reading(_tx_view))


def _actions(parser: argparse.ArgumentParser) -> argparse._SubParsersAction[argparse.ArgumentParser]:
    found = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return found[0]


def use_colour(out: TextIO) -> bool:
    """Colour only for a terminal, and never when ``NO_COLOR`` is set (no-color.org)."""
    if os.environ.get("NO_COLOR"):
        return False
    isatty = getattr(out, "isatty", None)
    return bool(isatty and isatty())


def _x12_view(args: argparse.Namespace, out: TextIO) -> int:
    from edigate.desk.inspect import file_view
    from edigate.errors import UsageError

    if not args.file.is_file():
        raise UsageError(f"{args.file}: no such file")
    view = file_view(str(args.file))
    _print_view(view, args.json, out)
    return 1 if any(m.severity == "error" for m in view.marks()) else 0


def _tx_view(ctx: Context, args: argparse.Namespace, out: TextIO) -> int:
    from edigate.desk.inspect import transmission_view

    if args.po is not None:
        return _order_view(ctx, args, out)
    view = transmission_view(ctx.store, ctx.archive, args.id)
    _print_view(view, args.json, out)
    return 0


def _order_view(ctx: Context, args: argparse.Namespace, out: TextIO) -> int:
    """The order's three columns; its 850 is read from the transmission that made the
    order (a reprocess of ``ID`` when there was one)."""
    from edigate.desk.orderview import order_view, render_order_view

    ctx.store.transmission(args.id)  # exists, else a usage error naming it
    view = order_view(ctx.store, ctx.archive, args.po)
    if args.json:
        dump_json(view.to_json(), out)
        return 0
    for line in render_order_view(view, shutil.get_terminal_size((150, 40)).columns):
        print(line, file=out)
    return 0


def _print_view(view: FileView, as_json: bool, out: TextIO) -> None:
    from edigate.desk.inspect import render_view

    if as_json:
        dump_json(view.to_json(), out)
        return
    for line in render_view(view, colour=use_colour(out)):
        print(line, file=out)

