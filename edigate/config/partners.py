"""Trading partners: ``partners/<id>.yaml`` loaded into frozen dataclasses.

Every mistake in a file is reported at once, each as ``file:line: path: message``
(`edigate.errors.ConfigError`). Relative paths in a partner file (folders, known_hosts,
certificates, ``file:`` secrets) are relative to the workspace root, the parent of the
partners directory. Map files are referenced by name; `check_partner` reports the missing
ones, loading does not (`edigate.config.prepared` builds and checks the maps, rules and data).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Literal

from edigate.config import Document, Map, Scalar, build, display_name, load_yaml, setting
from edigate.config.channels import (
    As2Channel,
    Channel,
    Channels,
    FolderChannel,
    FolderTarget,
    HttpTarget,
    SftpChannel,
    SftpTarget,
)
from edigate.config.connectors import MagentoSource, NetSuiteTarget, OracleTarget, SapTarget, ShopifySource
from edigate.errors import ConfigError, ConfigProblem
from edigate.config.workspace import COMMERCE_OURS, NOT_GIVEN, Identities, Identity, Workspace, commerce_identity
from edigate.x12 import delimiters as x12
from edigate.x12.leniency import Leniency

__all__ = [
    "AckPolicy", "As2Channel", "Channel", "Channels", "Delimiters", "Destination", "Documents", "DuplicatePolicy",
    "FolderChannel", "FolderTarget", "Identities", "Identity", "Partner", "SftpChannel", "SftpTarget", "VERSIONS",
    "WarehouseX12", "check_partner", "load_partner", "load_partners", "map_settings", "missing_map", "read_partners"
]

_MAP_NAME = r"[a-z0-9][a-z0-9_.-]*"
_MAP_HINT = "a map name such as bigbox-850"
_REPETITION_DEFAULTS = "^{!`"
VERSIONS = ("003040", "003050", "003060", "003070", "004010", "004020", "004030", "004050", "004060", "005010",
            "005020", "005030", "005040", "006010", "006020", "006050")
"""The X12 versions a partner may use: those edigate has set definitions for."""
_VERSION = rf"({'|'.join(VERSIONS)})[A-Z0-9]{{0,6}}"


def _empty() -> Mapping[str, str]:
    return MappingProxyType({})


def _one_char(value: str) -> str | None:
    if len(value) != 1:
        return f"expected a single character, got {value!r}"
    if value.isalnum() or value == " ":
        return f"a delimiter may not be a letter, digit or space, got {value!r}"
    return None


def _suffix(value: str) -> str | None:
    return None if value in ("", "\n", "\r\n") else f'expected "", "\\n" or "\\r\\n", got {value!r}'


def _expression(value: str) -> str | None:
    """A routing condition compiles in the sandbox and names only ``order``."""
    from edigate.mapping.expr import compile_expression  # the mapping package imports this module

    try:
        compile_expression(value, "", None, "", names=frozenset({"order"}))
    except ConfigError as exc:
        return exc.problems[0].message if exc.problems else exc.message
    return None


# -- identities, version, delimiters ----------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class Delimiters:
    """The delimiters we write to this partner; ``suffix`` follows each terminator.

    ``repetition`` is for 005010 only (defaults to ``^`` there); ``suffix`` defaults to a
    newline, or to nothing when the terminator is itself a line break.
    """

    element: str = setting("*", check=_one_char)
    """The element separator."""
    component: str = setting(">", check=_one_char)
    """The component separator (ISA16)."""
    segment: str = setting("~", check=_one_char)
    """The segment terminator."""
    repetition: str | None = setting(None, check=_one_char)
    """The repetition separator (ISA11), 005010 and later."""
    suffix: str | None = setting(None, check=_suffix)
    """What follows each terminator (a newline by default)."""

    def __post_init__(self) -> None:
        if self.suffix is None:
            object.__setattr__(self, "suffix", "" if self.segment in "\r\n" else "\n")

    def config_problems(self) -> Iterator[tuple[str, str]]:
        seen: dict[str, str] = {}
        for name in ("element", "component", "segment", "repetition"):
            char = getattr(self, name)
            if char is not None and char in seen:
                yield name, f"{char!r} is already the {seen[char]} separator"
            seen.setdefault(char, name)
        if self.segment in "\r\n" and self.suffix:
            yield "suffix", "must be empty when the segment terminator is a line break"

    def to_x12(self) -> x12.Delimiters:
        """The value object the X12 writer takes."""
        return x12.Delimiters(
            element=self.element,
            component=self.component,
            segment=self.segment,
            repetition=self.repetition,
            suffix=self.suffix or "",
        )


# -- documents, acks, duplicates, routing -----------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class Documents:
    """Which transaction sets flow each way, and the map that translates each."""

    inbound: Mapping[str, str] = setting(
        factory=_empty, keys=r"\d{3}", pattern=_MAP_NAME, hint=_MAP_HINT
    )
    """Set id (850, 860) to the map that reads it."""
    outbound: Mapping[str, str] = setting(
        factory=_empty, keys=("810", "855", "856", "865", "997", "999"), pattern=_MAP_NAME, hint=_MAP_HINT
    )
    """Set id (855, 856, 810, 865, 997, 999) to the map that writes it; a set not named is not sent."""
    invoice: Literal["on_shipment", "on_request"] = "on_shipment"
    """When the 810 goes (with an 810 map named): `on_shipment`, with each shipment's 856, or
    `on_request`, when `edigate invoice PO` is run for what shipped."""


@dataclass(frozen=True, slots=True, kw_only=True)
class AckPolicy:
    """Acks we send (functional: default by version; TA1), and what we expect back.

    ``ta1`` says when an accepted interchange gets a TA1 (when ISA14 asks, always, never);
    a rejected interchange always gets one (`edigate.x12.respond`).
    """

    functional: Literal["997", "999", "none"] | None = None
    """The functional ack we send: `997`, `999` or `none`; by default 999 for 005010 and later, else 997."""
    ta1: Literal["requested", "always", "never"] = "requested"
    """When an accepted interchange gets a TA1: `requested` (ISA14 is 1), `always` or `never`."""
    expect_within_hours: int = setting(24, minimum=1)
    """How soon their 997/999 for what we send is due (`edigate acks overdue`)."""
    poack_within_hours: int | None = setting(None, minimum=1)
    """The hours their routing guide allows for our 855; recorded, not yet checked by an alert."""


@dataclass(frozen=True, slots=True, kw_only=True)
class DuplicatePolicy:
    """An ISA13 seen again within the window is rejected (TA1 code 025) or warned about."""

    isa13_window_days: int = setting(30, minimum=0)
    """How long an interchange control number counts as seen."""
    action: Literal["reject_ta1_025", "warn"] = "reject_ta1_025"
    """`reject_ta1_025`: the repeat is refused with TA1 025; `warn`: processed with a warning."""
    reserve_rejected: bool = False
    """True: an interchange we rejected keeps its ISA13 taken, so a resend under it is a
    duplicate too. False (default): the partner's corrected resend under it is processed."""


@dataclass(frozen=True, slots=True, kw_only=True)
class WarehouseX12:
    """How an ``x12-940`` destination writes to its 3PL: their identifiers, version, map.

    ``sequence`` names the control-number sequence (by default ``3pl-`` and their ISA id),
    so that every partner routing to the same 3PL draws from one sequence.
    """

    receiver: Identity
    """The 3PL's envelope identifiers."""
    version: str = setting("004010", pattern=r"00(4010|5010)[A-Z0-9]{0,6}", hint="004010 or 005010")
    """The version of the 940 we write."""
    map: str = setting("940-4010", pattern=_MAP_NAME, hint=_MAP_HINT)
    """The map that writes it."""
    sequence: str | None = setting(None, pattern=r"[a-z0-9][a-z0-9_.-]{0,63}",
                                   hint="lower-case letters, digits, ., - or _")
    """The control-number sequence to draw from; every partner routing to the same 3PL shares one."""

    @property
    def sequence_key(self) -> str:
        return self.sequence or f"3pl-{self.receiver.isa_id.lower()}"


@dataclass(frozen=True, slots=True, kw_only=True)
class Destination:
    """Where accepted orders go, in which format, and (optionally) only when ``when`` holds."""

    name: str = setting(pattern=r"[a-z0-9][a-z0-9_-]*", hint="lower-case letters, digits, - or _")
    """The destination, as the error log and the audit trail name it."""
    format: Literal["json", "xml", "csv", "x12-940", "template", "idoc-orders05", "netsuite-salesorder",
                    "oracle-salesorder"]
    """The payload: `json`, `xml`, `csv`, a 940 to a 3PL, an analyst template, or an ERP shape."""
    target: FolderTarget | SftpTarget | HttpTarget | SapTarget | NetSuiteTarget | OracleTarget
    """Where the payload goes: a folder, SFTP, HTTP or an ERP."""
    when: str | None = setting(None, check=_expression)
    """A sandboxed condition over the order; the destination gets only orders for which it holds."""
    x12: WarehouseX12 | None = None
    """For ``x12-940``: the 3PL's envelope identifiers and the map."""
    template: str | None = None
    """For ``template``: the export template (a ``.yaml`` field mapping, written as JSON or,
    with ``csv:``, as a CSV file; or a ``.j2`` jinja2 template; relative to the workspace;
    see `edigate.mapping.export`), compiled at load."""
    schema: str | None = None
    """A JSON Schema (``.json``) or XSD (``.xsd``) the payload must match before it leaves."""


# -- the partner ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class Partner:
    """One trading partner, as ``partners/<id>.yaml`` describes it."""

    id: str = setting(pattern=r"[a-z0-9][a-z0-9_-]*", hint="lower-case letters, digits, - or _")
    """The partner id; the file is `partners/<id>.yaml`."""
    name: str
    """Its name, for people."""
    identity: Identities = setting(factory=lambda: NOT_GIVEN)
    """Their envelope identifiers (and ours, if different). Required, except for a partner
    whose orders come from ``commerce:`` and who is sent no X12: no file is recognised as
    its by them, and the 856 recorded for it (never sent) is addressed to ``ZZ`` and its id
    in capitals, from `edigate.yaml`'s identity (else ``ZZ``/``EDIGATE``)."""
    version: str = setting(
        pattern=_VERSION,
        hint=f"one of {', '.join(VERSIONS)}, maybe followed by a variant such as VICS or UCS",
    )
    """The version we write to the partner and its maps are for; its files of another
    version are read by that version's base maps (`edigate.mapping.InboundMap.for_version`)."""
    usage: Literal["T", "P"] = "T"
    """ISA15 we expect and write: `T` test or `P` production."""
    delimiters: Delimiters = setting(Delimiters)
    """The delimiters we write."""
    channels: Channels = setting(Channels)
    """How their files reach us and ours reach them."""
    documents: Documents = setting(Documents)
    """Which sets flow each way, and their maps."""
    acks: AckPolicy = setting(AckPolicy)
    """The acks we send and expect."""
    duplicates: DuplicatePolicy = setting(DuplicatePolicy)
    """What a repeated interchange control number means."""
    leniency: Leniency = setting(Leniency)
    """What the partner may send that X12 does not allow, accepted with a warning; strict unless set."""
    rules: Mapping[str, Map | Scalar] = setting(factory=_empty, keys=r"[a-z][a-z0-9_]*")
    """The business rules their orders are checked against (catalog, prices, pack, stores, dates, stock)."""
    routing: tuple[Destination, ...] = ()
    """Where accepted orders go."""
    commerce: ShopifySource | MagentoSource | None = None
    """A commerce platform this partner's orders come from (Shopify webhooks, Magento's
    orders search) instead of X12: they go through the same rules, stock and routing, and
    their shipments go back to the platform."""
    file: str = setting("", internal=True)
    lines: Mapping[str, int] = setting(factory=_empty, internal=True)
    derived_identity: bool = setting(False, internal=True)
    """True when ``identity`` was not in the file and was derived (a commerce partner): no
    X12 file is recognised as this partner's by it."""

    def __post_init__(self) -> None:
        if self.identity is NOT_GIVEN and self.commerce is not None:
            object.__setattr__(self, "identity", commerce_identity(self.id))
            object.__setattr__(self, "derived_identity", True)
        if self.is_5010 and self.delimiters.repetition is None:
            used = {self.delimiters.element, self.delimiters.component, self.delimiters.segment}
            free = next(c for c in _REPETITION_DEFAULTS if c not in used)
            delimiters = dataclasses.replace(self.delimiters, repetition=free)
            object.__setattr__(self, "delimiters", delimiters)
        if self.acks.functional is None:
            acks = dataclasses.replace(self.acks, functional="999" if self.is_5010 else "997")
            object.__setattr__(self, "acks", acks)

    @property
    def base_version(self) -> str:
        """``004010``, ``005010`` ..., without the variant."""
        return self.version[:6]

    @property
    def is_5010(self) -> bool:
        """005010 or later: a repetition separator in ISA11, and 999 acknowledgments."""
        return self.base_version >= "005010"

    @property
    def isa_version(self) -> str:
        """ISA12: ``00401`` or ``00501``."""
        return self.version[:5]

    def our_identity(self, workspace: Workspace) -> Identity:
        """Our identifiers towards this partner: its own ``identity.ours``, else the
        workspace's; a commerce partner without ``identity`` is sent no X12, and what is
        recorded for it says ``ZZ``/``EDIGATE`` when the workspace names none."""
        ours = self.identity.ours or workspace.identity or (COMMERCE_OURS if self.derived_identity else None)
        if ours is None:
            line = self.lines.get("identity")
            message = "set identity.ours here or identity in edigate.yaml"
            raise ConfigError([ConfigProblem(self.file, line, "identity.ours", message)])
        return ours

    def config_problems(self) -> Iterator[tuple[str, str]]:
        if not self.is_5010 and self.delimiters.repetition is not None:
            yield "delimiters.repetition", "a repetition separator needs version 005010"
        if not self.is_5010 and self.acks.functional == "999":
            yield "acks.functional", "999 acknowledgments need version 005010; use 997"
        if self.identity is NOT_GIVEN:
            yield "identity", ("missing: their ISA/GS ids (identity.theirs: isa_qualifier, isa_id, gs_id); only a "
                               "partner whose orders come from commerce: may leave it out")
        else:
            yield from self._identity_problems()
        names = [d.name for d in self.routing]
        for i, name in enumerate(names):
            if name in names[:i]:
                yield f"routing[{i}].name", f"destination {name!r} is named twice"
        for i, dest in enumerate(self.routing):
            if dest.format == "x12-940" and dest.x12 is None:
                yield f"routing[{i}].x12", "an x12-940 destination needs x12.receiver (the 3PL's ISA/GS ids)"
            if (dest.format == "template") != (dest.template is not None):
                yield f"routing[{i}].template", "format template and a template file go together"

    def _identity_problems(self) -> Iterator[tuple[str, str]]:
        chars = {self.delimiters.element, self.delimiters.component, self.delimiters.repetition}
        for side in ("theirs", "ours"):
            ident = getattr(self.identity, side)
            for key in ("isa_id", "gs_id") if ident else ():
                if chars & set(getattr(ident, key)):
                    yield f"identity.{side}.{key}", "holds a delimiter character"


def load_partner(path: Path, *, root: Path | None = None) -> Partner:
    """Load one partner file; its ``id`` must match the file name.

    ``root`` is the workspace root that relative paths and ``file:`` secrets are read
    against; by default the parent of the file's directory.
    """
    path = Path(path)
    root = root if root is not None else path.resolve().parent.parent
    document = _with_id_check(load_yaml(path, display=display_name(path)), path.stem)
    built = build(Partner, document, base=root, extra={"file": document.file})
    return _with_templates(dataclasses.replace(built.value, lines=built.lines), root)


def _with_templates(partner: Partner, root: Path) -> Partner:
    """Export templates compiled now (their mistakes are configuration errors with their own
    file:line), and their paths made absolute for routing."""
    routing: list[Destination] = []
    problems: list[ConfigProblem] = []
    for i, dest in enumerate(partner.routing):
        if dest.template is None:
            routing.append(dest)
            continue
        # here, not above: the mapping package imports this module, and a partner without
        # templates (most) need not import it, nor jsonschema and jinja2, to be loaded
        from edigate.mapping.export import load_template
        template, schema = root / dest.template, root / dest.schema if dest.schema else None
        try:
            load_template(template, schema)
        except ConfigError as exc:
            path = f"routing[{i}].template"
            problems.extend(exc.problems or [ConfigProblem(partner.file, partner.lines.get(path), path, exc.message)])
        routing.append(dataclasses.replace(dest, template=str(template), schema=str(schema) if schema else None))
    if problems:
        raise ConfigError(problems)
    return dataclasses.replace(partner, routing=tuple(routing))


def _with_id_check(document: Document, expected: str) -> Document:
    entry = document.root.get("id") if isinstance(document.root, Map) else None
    if entry is None or not isinstance(entry[1], Scalar) or entry[1].text == expected:
        return document
    message = f"{entry[1].text!r} does not match the file name {expected!r}; rename one of them"
    problem = ConfigProblem(document.file, entry[1].line, "id", message)
    return dataclasses.replace(document, problems=(*document.problems, problem))


def load_partners(directory: Path, *, root: Path | None = None) -> dict[str, Partner]:
    """Load every ``*.yaml`` in ``directory``, reporting all files' problems together."""
    partners, problems = read_partners(directory, root=root)
    if problems:
        raise ConfigError(problems)
    return partners


def read_partners(directory: Path, *, root: Path | None = None) -> tuple[dict[str, Partner], list[ConfigProblem]]:
    """Every partner file in ``directory`` that loads, and the problems of those that do not."""
    partners: dict[str, Partner] = {}
    problems: list[ConfigProblem] = []
    for path in sorted(Path(directory).glob("*.yaml")):
        try:
            partner = load_partner(path, root=root)
        except ConfigError as exc:
            problems.extend(exc.problems or [ConfigProblem(str(path), None, "", exc.message)])
            continue
        partners[partner.id] = partner
    problems.extend(_shared_identities(partners.values()))
    return partners, problems


def _shared_identities(partners: Iterable[Partner]) -> Iterator[ConfigProblem]:
    """Two partners with the same ISA sender would make inbound files ambiguous."""
    seen: dict[tuple[str, str], Partner] = {}
    for partner in (p for p in partners if not p.derived_identity):
        theirs = partner.identity.theirs
        key = (theirs.isa_qualifier, theirs.isa_id)
        first = seen.setdefault(key, partner)
        if first is not partner:
            line = first.lines.get("identity.theirs")
            where = f"{first.file}:{line}" if line else first.file
            message = f"same ISA qualifier/id {key[0]}/{key[1]} as {where}"
            path = "identity.theirs"
            yield ConfigProblem(partner.file, partner.lines.get(path), path, message)


def map_settings(partner: Partner) -> Iterator[tuple[str, str, str, str]]:
    """(setting, set id, map name, version) of every map the partner names."""
    for direction in ("inbound", "outbound"):
        flows: Mapping[str, str] = getattr(partner.documents, direction)
        for set_id, name in flows.items():
            yield f"documents.{direction}.{set_id}", set_id, name, partner.version
    for i, dest in enumerate(partner.routing):
        if dest.x12 is not None:
            yield f"routing[{i}].x12.map", "940", dest.x12.map, dest.x12.version


def missing_map(partner: Partner, setting: str, name: str, maps_dir: Path) -> ConfigProblem | None:
    """A problem at the partner's ``setting`` when map ``name`` has no file in ``maps_dir``."""
    candidate = Path(maps_dir) / f"{name}.yaml"
    if candidate.exists():
        return None
    message = f"map {name!r} not found (looked for {candidate})"
    return ConfigProblem(partner.file, partner.lines.get(setting), setting, message)


def check_partner(partner: Partner, maps_dir: Path) -> list[ConfigProblem]:
    """Map files the partner names that do not exist; `edigate.config.prepared` checks the rest."""
    found = (missing_map(partner, setting, name, maps_dir) for setting, _, name, _ in map_settings(partner))
    return [problem for problem in found if problem is not None]
