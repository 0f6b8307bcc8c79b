"""`edigate maps new` and `edigate partners new`: files an analyst starts from.

A new map extends the base map of its set and version (``850-4010``) and holds, commented
out, the fields and tables a partner map most often changes. A new partner file names its
identifiers, version, folder channels, its own inbound 850 map (made beside it) and the base
outbound maps the workspace has, and points to ``docs/configuration.md`` for every setting;
`edigate partners check` accepts both as written. Nothing existing is overwritten.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path
from typing import TextIO

from edigate.cli.context import workspace_of
from edigate.cli.output import dump_json
from edigate.config.partners import VERSIONS
from edigate.errors import UsageError

__all__ = ["add_commands", "new_map", "new_partner"]

INBOUND = ("850", "860")
OUTBOUND = ("855", "856", "810", "865")
_ID = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


def add_commands(maps: argparse._SubParsersAction[argparse.ArgumentParser],
                 partners: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    made = maps.add_parser("new", help="a new map NAME that extends the base map of its set and version")
    made.add_argument("name", metavar="NAME", help="the map's name (maps/NAME.yaml), e.g. acme-850")
    made.add_argument("--set", required=True, choices=(*INBOUND, *OUTBOUND), help="the transaction set it maps")
    made.add_argument("--version", default="004010", metavar="V", help="the X12 version (default 004010)")
    made.add_argument("--extends", metavar="BASE", help="the map it extends (default: SET-VVVV, e.g. 850-4010)")
    made.add_argument("--json", action="store_true", help="print the file written as JSON")
    made.set_defaults(handler=_maps_new)
    partner = partners.add_parser("new", help="a new partner file ID, with its 850 map, that partners check accepts")
    partner.add_argument("id", metavar="ID", help="lower-case letters, digits, - or _ (partners/ID.yaml)")
    partner.add_argument("--name", required=True, metavar="TEXT", help="the partner's name, for people")
    partner.add_argument("--isa-id", required=True, metavar="ID", help="their ISA06 sender id")
    partner.add_argument("--isa-qualifier", default="ZZ", metavar="Q", help="their ISA05 qualifier (default ZZ)")
    partner.add_argument("--gs-id", metavar="ID", help="their GS02 sender code (default: the ISA id)")
    partner.add_argument("--version", default="004010", metavar="V", help="the X12 version (default 004010)")
    partner.add_argument("--json", action="store_true", help="print the files written as JSON")
    partner.set_defaults(handler=_partners_new)


def _maps_new(args: argparse.Namespace, out: TextIO) -> int:
    ws = workspace_of(args)
    path = new_map(ws.maps_path, args.name, args.set, _version(args.version), args.extends)
    return _said(ws.root, [path], args.json, out, f"edigate partners check   # once a partner file names {args.name}")


def _partners_new(args: argparse.Namespace, out: TextIO) -> int:
    ws = workspace_of(args)
    made = new_partner(ws.partners_path, ws.maps_path, args.id, name=args.name, isa_id=args.isa_id,
                       isa_qualifier=args.isa_qualifier, gs_id=args.gs_id or args.isa_id,
                       version=_version(args.version))
    return _said(ws.root, made, args.json, out, f"edigate partners check {args.id}")


def _said(root: Path, made: list[Path], as_json: bool, out: TextIO, step: str) -> int:
    names = [str(p.relative_to(root)) if p.is_relative_to(root) else str(p) for p in made]
    if as_json:
        dump_json({"files": names, "next": [step]}, out)
        return 0
    for name in names:
        print(f"wrote {name}", file=out)
    print(f"next: {step}", file=out)
    return 0


def _version(text: str) -> str:
    # what partners check accepts: a version we have set definitions for, perhaps with its VICS/UCS suffix
    if text[:6] not in VERSIONS or not re.fullmatch(r"[A-Z0-9]{0,6}", text[6:]):
        raise UsageError(f"--version {text!r} is not an X12 version edigate reads: {', '.join(VERSIONS)}")
    return text


def _base(set_id: str, version: str) -> str:
    return f"{set_id}-{version[2:6]}"


def new_map(maps_dir: Path, name: str, set_id: str, version: str, extends: str | None = None) -> Path:
    """Write ``maps_dir/name.yaml`` extending ``extends`` (default the set's base map)."""
    if not _ID.match(name):
        raise UsageError(f"map name {name!r}: use lower-case letters, digits, - or _ (e.g. acme-850)")
    base = extends or _base(set_id, version)
    if not (maps_dir / f"{base}.yaml").is_file():
        raise UsageError(f"no base map {base!r} in {maps_dir}; name one with --extends")
    path = maps_dir / f"{name}.yaml"
    _write(path, (_INBOUND_MAP if set_id in INBOUND else _OUTBOUND_MAP).format(name=name, set=set_id, base=base))
    return path


def new_partner(partners_dir: Path, maps_dir: Path, pid: str, *, name: str, isa_id: str, isa_qualifier: str,
                gs_id: str, version: str) -> list[Path]:
    """Write ``partners_dir/pid.yaml`` and its 850 map; the files written."""
    if not _ID.match(pid):
        raise UsageError(f"partner id {pid!r}: use lower-case letters, digits, - or _")
    path = partners_dir / f"{pid}.yaml"
    if path.exists():
        raise UsageError(f"{path} exists; edit it, or choose another id")
    # the base maps the workspace has; no 865, which answers the 860s the file names no map for
    outbound = [f"    {s}: {_base(s, version)}" for s in ("855", "856", "810")
                if (maps_dir / f"{_base(s, version)}.yaml").is_file()]
    made = [] if (maps_dir / f"{pid}-850.yaml").exists() else [new_map(maps_dir, f"{pid}-850", "850", version)]
    text = _PARTNER.format(id=pid, title=" ".join(name.split()), name=_quoted(name), isa_id=_quoted(isa_id),
                           isa_qualifier=_quoted(isa_qualifier), gs_id=_quoted(gs_id), version=version,
                           functional="999" if version >= "005010" else "997", outbound="\n".join(outbound) or "    {}")
    _write(path, text)
    return [path, *made]


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _write(path: Path, text: str) -> None:
    if path.exists():
        raise UsageError(f"{path} exists; edit it, or choose another name")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"{path}: cannot write: {exc.strerror}") from exc


_INBOUND_MAP = """\
# {name}: the {set} as this partner sends it -- the base map {base} plus the partner's own ways.
# The format is in maps/README.md; the partner file names this map under documents.inbound
# (docs/configuration.md, section "documents"). A field here replaces the base map's field of
# the same name; `edigate maps test {name} FILE` shows what a sample becomes.
extends: {base}

# line:
#   product_ids[VN]: {{from: "PO1/product_id[qualifier=IN]", xref: items}}   # their item -> our SKU

# order:
#   extensions[department]: REF[REF01=DP]/REF02      # a field of their own, kept by name

# xref:
#   items:                     # their item number -> our SKU; a new item is one line more
#     "30012": ACM-1001

# units:                       # their unit -> how many of ours (the catalog's) it holds
#   CA: {{EA: 12}}               # one CA is 12 EA; CA[SKU]: {{EA: 6}} for one item only
"""

_OUTBOUND_MAP = """\
# {name}: the {set} we send this partner -- the base map {base} plus the partner's own ways.
# The format is in maps/README.md; the partner file names this map under documents.outbound
# (docs/configuration.md, section "documents").
extends: {base}

# codes:                       # our values -> the codes this partner wants
#   uom:
#     EA: EA
"""

_PARTNER = """\
# {title}: a trading partner. Every setting is described in docs/configuration.md (section
# "partners/<id>.yaml" and those after it); channels in docs/channels.md. Check it with
# `edigate partners check {id}`.
id: {id}
name: {name}
identity:
  theirs: {{isa_qualifier: {isa_qualifier}, isa_id: {isa_id}, gs_id: {gs_id}}}   # their ISA05/ISA06 and GS02
version: "{version}"
usage: T                         # T while testing, P in production (ISA15)
channels:                        # folder, sftp or as2: docs/channels.md
  inbound:
    type: folder
    path: exchange/{id}/in
  outbound:
    type: folder
    path: exchange/{id}/out
documents:                       # set -> map (maps/<name>.yaml): docs/configuration.md, "documents"
  inbound:
    850: {id}-850
  outbound:
{outbound}
acks:                            # docs/configuration.md, "acks"
  functional: "{functional}"
rules: {{}}                        # catalog, prices, ship_to, dates, atp: docs/configuration.md, "partners/<id>.yaml"
routing: []                      # where accepted orders go: docs/configuration.md, "routing"
"""
