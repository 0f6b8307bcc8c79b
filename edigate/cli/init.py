"""`edigate init DIR`: a new, complete workspace that `edigate partners check` accepts.

It holds ``edigate.yaml``, a sample partner (``partners/bigbox.yaml``) with its maps and
the data files its rules read (catalog, store list), a sample 850 to ingest and an 860
that changes it, and an empty store. The files come from the package
(``edigate/data/workspace``), so an installed edigate makes the same workspace as a checkout.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import TextIO

from edigate.errors import UsageError

__all__ = ["add_commands", "make_workspace"]

TEMPLATE = "workspace"
"""The folder under ``edigate/data`` copied into a new workspace."""


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    init = commands.add_parser("init", help="make a new workspace in DIR: edigate.yaml, a sample partner with "
                                            "its maps and data, an empty store")
    init.add_argument("dir", type=Path, nargs="?", default=Path("."), metavar="DIR",
                      help="the folder to make (default: this one); it must hold no edigate files yet")
    init.add_argument("--json", action="store_true", help="print the workspace made as JSON (shape: README)")
    init.set_defaults(handler=_init)


def _init(args: argparse.Namespace, out: TextIO) -> int:
    from edigate.cli.context import open_context
    from edigate.config.workspace import load_workspace

    root = args.dir.expanduser().resolve()
    made = make_workspace(root)
    with open_context(load_workspace(root)) as ctx:  # creates the store: reading commands work at once
        store = ctx.workspace.store_file() or ctx.workspace.store
    steps = [f"cd {root}", "edigate partners check", "edigate ingest samples/x12/bigbox-850-4010.x12",
             "edigate tx list"]
    if args.json:
        from edigate.cli.output import dump_json

        dump_json({"workspace": str(root), "files": [str(p.relative_to(root)) for p in made], "store": str(store),
                   "next": steps}, out)
        return 0
    print(f"edigate init: workspace {root}", file=out)
    for path in made:
        print(f"  {path.relative_to(root)}", file=out)
    print(f"  store {store}", file=out)
    print("next:", file=out)
    for step in steps:
        print(f"  {step}", file=out)
    return 0


def make_workspace(root: Path) -> list[Path]:
    """Copy the workspace template into ``root``; the files written. Nothing is overwritten:
    a folder already holding any of them is refused as a whole."""
    template = resources.files("edigate") / "data" / TEMPLATE
    files = sorted(_files(template, ()), key=lambda f: f[0])
    taken = [root.joinpath(*parts) for parts, _ in files if root.joinpath(*parts).exists()]
    if taken:
        raise UsageError(f"{root}: already holds {taken[0].relative_to(root)}"
                         f"{f' and {len(taken) - 1} more' if len(taken) > 1 else ''}; "
                         "edigate init makes a new workspace in a new or empty folder")
    made = []
    for parts, source in files:
        target = root.joinpath(*parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            target.write_bytes(source.read_bytes())
        except OSError as exc:
            raise UsageError(f"{target}: cannot write: {exc.strerror}") from exc
        made.append(target)
    return made


def _files(folder: Traversable, parts: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], Traversable]]:
    for entry in folder.iterdir():
        if entry.is_dir():
            yield from _files(entry, (*parts, entry.name))
        elif entry.is_file() and not entry.name.startswith("."):
            yield (*parts, entry.name), entry
