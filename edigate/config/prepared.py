"""A partner with everything its files need, built and checked once, at load.

`prepare` builds the partner's rules with their reference data (catalog, price list,
store list, inventory feed), compiles every map it names (inbound 850 and 860, outbound, 3PL
940) and checks each map's segment and element paths against the set's spec. Every
mistake is collected as a `ConfigProblem` (``file:line: path: message``), not raised.

A partner with problems takes no files: `Prepared.ready` is False, `Prepared.reason`
says why in one line (for a transmission's error log), and `Prepared.require` raises
`ConfigError` with every problem, which `edigate.config.partner_setup.PartnerSetup` does before it touches a
file. `PreparedPartners` keeps each partner prepared and prepares it again when a map
or data file it read has changed, so a fix is picked up by the next file or reprocess.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from types import MappingProxyType
from typing import TypeVar

from edigate.errors import ConfigError, ConfigProblem
from edigate.orders.inventory import read_feed
from edigate.mapping.cache import MapCache, folder_stamp
from edigate.mapping.conformance import check_against_spec
from edigate.mapping.inbound import InboundMap
from edigate.mapping.mapfile import load_map_source
from edigate.mapping.outbound import OutboundMap
from edigate.config.partners import Partner, map_settings, missing_map
from edigate.orders.rules import RuleSet, load_rules
from edigate.config.workspace import Workspace
from edigate.x12.spec import SpecLibrary, bundled_specs

__all__ = ["Prepared", "PreparedPartners", "prepare"]

_T = TypeVar("_T")
_Stamp = tuple[tuple[str, int, int], ...]


@dataclass(frozen=True, slots=True)
class Prepared:
    """A partner's rules and compiled maps, or the problems that stop it taking files."""

    partner: Partner
    rules: RuleSet | None
    inbound: Mapping[str, InboundMap]
    """Compiled inbound maps by set id (``"850"``, and ``"860"`` for changes)."""
    outbound: Mapping[str, OutboundMap]
    """Compiled outbound maps by map name (the 855, 856, 810 maps; each 3PL's 940 map)."""
    problems: tuple[ConfigProblem, ...] = ()
    sources: _Sources | None = field(default=None, compare=False, repr=False)
    """The maps folder and data files read, as they were (see `current`)."""

    @property
    def ready(self) -> bool:
        """Whether the partner can take files: no configuration problem."""
        return not self.problems

    @property
    def reason(self) -> str:
        """Why the partner takes no files, in one line ("" when ready)."""
        if not self.problems:
            return ""
        more = len(self.problems) - 1
        tail = f" (and {more} more)" if more else ""
        return (f"partner {self.partner.id} has a configuration error: {self.problems[0]}{tail}; "
                f"fix it (edigate partners check {self.partner.id}), then reprocess the transmission")

    def current(self) -> bool:
        """Whether nothing it read has changed since; a partner with problems never is, so
        that each file tries again (a fix to a partner file itself needs a restart)."""
        return self.ready and self.sources is not None and self.sources.unchanged()

    def require(self) -> Prepared:
        """Itself when ready; else raise `ConfigError` with every problem."""
        if self.problems:
            raise ConfigError(self.problems)
        return self

    def map_for(self, name: str) -> OutboundMap:
        """A compiled outbound map by name; `ConfigError` if the partner does not name it."""
        found = self.outbound.get(name)
        if found is None:
            raise ConfigError(f"partner {self.partner.id} names no outbound map {name!r}")
        return found


def prepare(partner: Partner, workspace: Workspace, *, maps: MapCache | None = None,
            specs: SpecLibrary | None = None) -> Prepared:
    """Build and check everything ``partner``'s files need; never raises for its mistakes."""
    maps = maps or MapCache(workspace.maps_path)
    builder = _Builder(partner, workspace, specs or bundled_specs())
    rules = builder.catch(lambda: load_rules(partner.rules, file=partner.file, root=workspace.root))
    if rules is not None and rules.rules.atp is not None and rules.rules.atp.file:
        builder.feed(rules.rules.atp.file)
    inbound: dict[str, InboundMap] = {}
    outbound: dict[str, OutboundMap] = {}
    for setting, set_id, name, version in map_settings(partner):
        if (missing := missing_map(partner, setting, name, workspace.maps_path)) is not None:
            builder.problems.append(missing)
        elif setting.startswith("documents.inbound.") and set_id in ("850", "860"):  # 860: edigate.orders.changes
            if (read := builder.compile(partial(maps.inbound, name), name, set_id, version)) is not None:
                inbound[set_id] = read
        elif not setting.startswith("documents.inbound."):
            if (written := builder.compile(partial(maps.outbound, name), name, set_id, version)) is not None:
                outbound[name] = written
    if rules is not None and "850" in inbound:  # the 850 map's units: what its orders' lines convert by
        rules = replace(rules, units=inbound["850"].units)
        builder.problems += _units_beside_atp(rules, partner)
    files = (*builder.data_files, *_rule_files(rules, workspace.root))
    problems = sorted({str(p): p for p in builder.problems}.values(), key=lambda p: (p.file, p.line or 0))
    return Prepared(partner, rules, MappingProxyType(inbound), MappingProxyType(outbound),
                    tuple(problems), _Sources.now(workspace.maps_path, files))


def _units_beside_atp(rules: RuleSet, partner: Partner) -> list[ConfigProblem]:
    """Stock (``rules.atp``) is still taken in the buyer's unit, so a converted line would
    take 2 for 2 CA of 12: refused at load until allocation converts too, never oversold."""
    if rules.rules.atp is None or not rules.units.conversions:
        return []
    first = rules.units.conversions[0]
    return [ConfigProblem(first.file, first.line or None, "units",
                          f"partner {partner.id} takes stock (rules.atp in {partner.file}), which does not convert "
                          "units yet: a converted line would take stock in the buyer's unit; remove the units: "
                          "section or rules.atp")]


class _Builder:
    """Collects one partner's problems while its parts are built."""

    def __init__(self, partner: Partner, workspace: Workspace, specs: SpecLibrary) -> None:
        self.partner, self.workspace, self.specs = partner, workspace, specs
        self.problems: list[ConfigProblem] = []
        self.data_files: list[Path] = []

    def catch(self, build: Callable[[], _T], setting: str = "") -> _T | None:
        """``build()``, or None with its problems recorded (at ``setting``'s line if unlocated)."""
        try:
            return build()
        except ConfigError as exc:
            located = ConfigProblem(self.partner.file, self.partner.lines.get(setting), setting, exc.message)
            self.problems.extend(exc.problems or (located,))
            return None

    def feed(self, relative: str) -> None:
        path = self.workspace.root / relative
        self.data_files.append(path)
        self.catch(lambda: read_feed(path), "rules.atp.file")

    def compile(self, build: Callable[[], _T], name: str, set_id: str, version: str) -> _T | None:
        """A map compiled by ``build``, and its paths checked against the set's spec."""
        compiled = self.catch(build)
        self.conforms(name, set_id, version)
        return compiled

    def conforms(self, name: str, set_id: str, version: str) -> None:
        """The map's paths against the spec of the set it reads or writes."""
        spec = self.catch(lambda: self.specs.get(set_id, version))
        source = self.catch(lambda: load_map_source(name, self.workspace.maps_path))
        if spec is not None and source is not None:
            self.problems.extend(check_against_spec(source, spec))


def _rule_files(rules: RuleSet | None, root: Path) -> list[Path]:
    r = rules.rules if rules is not None else None
    names = (r.catalog.file if r and r.catalog else None, r.prices.file if r and r.prices else None,
             r.ship_to.stores_file if r and r.ship_to else None)
    return [root / name for name in names if name]


@dataclass(frozen=True, slots=True)
class _Sources:
    """What a preparation read: the maps folder and data files, stamped."""

    maps_dir: Path
    files: tuple[Path, ...]
    stamp: _Stamp

    @classmethod
    def now(cls, maps_dir: Path, files: tuple[Path, ...]) -> _Sources:
        return cls(maps_dir, files, _stamp(maps_dir, files))

    def unchanged(self) -> bool:
        return _stamp(self.maps_dir, self.files) == self.stamp


def _stamp(maps_dir: Path, files: tuple[Path, ...]) -> _Stamp:
    found = list(folder_stamp(maps_dir))
    for path in files:
        try:
            st = path.stat()
        except OSError:
            found.append((str(path), 0, -1))
            continue
        found.append((str(path), st.st_mtime_ns, st.st_size))
    return tuple(found)


class PreparedPartners:
    """Each partner prepared once, and again when a map or data file it read has changed."""

    def __init__(self, workspace: Workspace, partners: Mapping[str, Partner], *, maps: MapCache | None = None,
                 specs: SpecLibrary | None = None) -> None:
        self.workspace, self.partners = workspace, partners
        self.maps = maps or MapCache(workspace.maps_path)
        self.specs = specs or bundled_specs()
        self._prepared: dict[str, Prepared] = {}

    def __getitem__(self, partner_id: str) -> Prepared:
        got = self._prepared.get(partner_id)
        if got is None or not got.current():
            got = prepare(self.partners[partner_id], self.workspace, maps=self.maps, specs=self.specs)
            self._prepared[partner_id] = got
        return got
