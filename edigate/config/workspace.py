"""The workspace file ``edigate.yaml``: store, archive, our own identifiers, AS2 listener, alerts.

Every setting has a default, so a directory with no ``edigate.yaml`` is a workspace too
(`default_workspace`). Relative paths, the SQLite store's file included, are relative to
the workspace root, the directory that holds ``edigate.yaml``; `locate_workspace` finds it
from the current directory upwards, as git finds its repository.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Literal

from edigate.config import SecretRef, load_file, setting
from edigate.config.alerts import AlertSettings
from edigate.config.archive import ArchiveSettings
from edigate.config.channels import FolderChannel, SftpChannel
from edigate.config.tickets import TicketSettings
from edigate.errors import UsageError
from edigate.x12.findings import FindingLimits

__all__ = [
    "COMMERCE_OURS",
    "NOT_GIVEN",
    "WORKSPACE_FILE",
    "As2Listener",
    "FindingSettings",
    "Identities",
    "Identity",
    "Located",
    "Workspace",
    "commerce_identity",
    "default_workspace",
    "load_workspace",
    "locate_workspace",
]

WORKSPACE_FILE = "edigate.yaml"


@dataclass(frozen=True, slots=True, kw_only=True)
class Identity:
    """One side's envelope identifiers: ISA qualifier and id (ISA05/06 or 07/08), GS id."""

    isa_qualifier: str = setting(
        pattern=r"[0-9A-Z]{2}", hint="a two-character ISA qualifier such as 01, 12 or ZZ"
    )
    """ISA05 (ours: ISA07): the qualifier of the id below."""
    isa_id: str = setting(
        pattern=r"[!-~](?:[ -~]{0,13}[!-~])?",
        hint="1 to 15 characters without leading or trailing spaces",
    )
    """ISA06 (ours: ISA08), written padded to 15 characters."""
    gs_id: str = setting(
        pattern=r"[!-~](?:[ -~]{0,13}[!-~])",
        hint="2 to 15 characters without leading or trailing spaces",
    )
    """GS02 (ours: GS03)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Identities:
    """Their envelope identifiers, and ours when they differ from the workspace's."""

    theirs: Identity
    """What they put in ISA05/06 and GS02: how their files are recognised."""
    ours: Identity | None = None
    """Our identifiers for this partner, when not `edigate.yaml`'s `identity`."""


NOT_GIVEN = Identities(theirs=Identity(isa_qualifier="ZZ", isa_id="", gs_id=""))
"""What a partner file without ``identity`` holds until `Partner` derives or refuses it."""


def commerce_identity(partner_id: str) -> Identities:
    """A commerce partner's own ids when its file names none: ``ZZ`` and the partner id in
    capitals (at most 15 characters, GS02 at least 2), used only on the X12 it is written."""
    ident = partner_id.upper()[:15].ljust(2, "0")
    return Identities(theirs=Identity(isa_qualifier="ZZ", isa_id=ident, gs_id=ident))


COMMERCE_OURS = Identity(isa_qualifier="ZZ", isa_id="EDIGATE", gs_id="EDIGATE")
"""Ours on the X12 recorded for a commerce partner (never sent) when no identity is set."""


@dataclass(frozen=True, slots=True, kw_only=True)
class As2Listener:
    """Where we receive AS2 messages and MDNs, and the key and certificate we use."""

    host: str = "0.0.0.0"
    """The address the AS2 listener of `edigate run` binds."""
    port: int = setting(8080, minimum=1, maximum=65535)
    """Its port."""
    as2_id: str | None = setting(
        None, pattern=r"[!-~]{1,128}", hint="1 to 128 characters, no spaces"
    )
    """Our AS2-To/AS2-From name; partners put it in their configuration."""
    private_key: SecretRef | None = None
    """Our private key (PEM): it signs what we send and decrypts what we receive."""
    key_passphrase: SecretRef | None = None
    """The private key's passphrase, when it has one."""
    certificate: str | None = None
    """Our certificate (PEM file, relative to the workspace), given to partners."""
    domain: str = setting("edigate.invalid", pattern=r"[A-Za-z0-9.-]{1,200}",
                          hint="a DNS name")
    """The right side of our Message-IDs (``<...@domain>``); set it to one of yours."""
    header_timeout: int = setting(20, minimum=1, maximum=3600)
    """Seconds a client has to send a request's headers."""
    request_timeout: int = setting(600, minimum=1, maximum=86400)
    """Seconds a whole request may take."""
    max_connections: int = setting(100, minimum=1, maximum=10000)
    """Connections open at once, from all peers."""
    connections_per_peer: int = setting(10, minimum=1, maximum=10000)
    """Connections open at once from one address."""
    max_headers: int = setting(100, minimum=10, maximum=10000)
    """Headers a request may have."""
    max_header_bytes: int = setting(32768, minimum=1024, maximum=1048576)
    """Bytes a request's headers may take."""

    def config_problems(self) -> Iterator[tuple[str, str]]:
        if (self.private_key is None) != (self.certificate is None):
            yield "", "private_key and certificate go together: set both or neither"
        if self.key_passphrase is not None and self.private_key is None:
            yield "key_passphrase", "key_passphrase needs a private_key"


@dataclass(frozen=True, slots=True, kw_only=True)
class MetricsSettings:
    """Where ``edigate run`` serves Prometheus metrics, ``/healthz`` and ``/readyz``."""

    listen: str = setting("127.0.0.1:9464", pattern=r"[A-Za-z0-9.-]{1,253}:[0-9]{1,5}",
                          hint="host:port such as 127.0.0.1:9464 (port 0: any free port)")
    """Where the metrics and health endpoints listen."""

    @property
    def host(self) -> str:
        return self.listen.rsplit(":", 1)[0]

    @property
    def port(self) -> int:
        return int(self.listen.rsplit(":", 1)[1])


@dataclass(frozen=True, slots=True, kw_only=True)
class FindingSettings:
    """How many findings an error log and an ack list per transaction set and per file."""

    per_set: int = setting(FindingLimits().per_set, minimum=1, maximum=999_999)  # AK3 repeats 999,999 times
    """Findings listed per transaction set (the rest are counted in one line)."""
    per_file: int = setting(FindingLimits().per_file, minimum=1)
    """Findings listed per file."""

    def limits(self) -> FindingLimits:
        return FindingLimits(self.per_set, self.per_file)


_RELATIVE_SQLITE = re.compile(r"(?P<scheme>sqlite(?:\+\w+)?):///(?P<file>(?!/)(?!:memory:)[^?]+)(?P<query>\?.*)?")
_SQLITE_FILE = re.compile(r"sqlite(?:\+\w+)?:///(?P<file>(?!:memory:)[^?]+)(?:\?.*)?")
_PASSWORD_IN_URL = re.compile(r"://[^/@:]*:[^/@]+@")


def _no_password(url: str) -> str | None:
    if _PASSWORD_IN_URL.search(url):
        return "the URL holds a password; move it to store_password: env:NAME"
    return None


@dataclass(frozen=True, slots=True, kw_only=True)
class Workspace:
    """``edigate.yaml``: settings shared by every partner, with a default for each."""

    root: Path = setting(Path("."), internal=True)
    store: str = setting(
        "sqlite:///edigate.db",
        pattern=r"(sqlite|postgresql)(\+\w+)?://.*",
        hint="a database URL such as sqlite:///edigate.db or postgresql://host/edigate",
        check=_no_password,
    )
    """The database of transmissions, orders and outputs; a relative SQLite file is relative to the workspace."""
    store_password: SecretRef | None = None
    """The database password (never in the URL)."""
    archive_dir: str = "archive"
    """Where every file received and sent is kept, by content hash (with a shared
    ``archive.backend``: a local cache of the files a helper process reads)."""
    archive: ArchiveSettings = setting(ArchiveSettings)
    """Which archive backend keeps the files: this folder, the PostgreSQL store, or S3."""
    partners_dir: str = "partners"
    """The folder of partner files."""
    maps_dir: str = "maps"
    """The folder of maps."""
    identity: Identity | None = None
    """Our envelope identifiers (ISA07/08 and GS03 of what partners send us)."""
    as2: As2Listener | None = None
    """Our AS2 listener and keys; needed when any partner uses AS2."""
    metrics: MetricsSettings | None = None
    """Prometheus metrics and health checks of the running gateway; none when not set."""
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    """What edigate writes on stderr, one line each (the CLI's and the gateway's log)."""
    debug_log: str | None = None
    """A file that gets every log record with its traceback, the libraries' own too (they
    never write on stderr); relative to the workspace."""
    lease_seconds: int = setting(600, minimum=5)
    """How long a transmission a gateway is processing stays its own without a word from it
    (renewed as each stage starts): when a gateway dies, another takes its files over this
    long after. Longer than the slowest stage of the biggest file."""
    retention_days: int = setting(365, minimum=1)
    """How long archived files are kept once nothing needs them (`edigate archive sweep`)."""
    events_retention_days: int = setting(90, minimum=1)
    """How long the event log keeps channel and scheduler entries (alerts stay)."""
    alerts: AlertSettings = setting(AlertSettings)
    """When the scheduled checks raise alerts and where they go."""
    tickets: TicketSettings = setting(TicketSettings)
    """The ticket systems exceptions open tickets in, and the routes that place them."""
    findings: FindingSettings = setting(FindingSettings)
    """How many findings are listed per set and per file."""
    inboxes: Mapping[str, FolderChannel | SftpChannel] = setting(
        factory=lambda: MappingProxyType({}), keys=r"[a-z0-9][a-z0-9_-]*")
    """Shared inbound channels (one folder or SFTP directory for several partners), by name:
    each file goes to the partner its envelope names."""

    def config_problems(self) -> Iterator[tuple[str, str]]:
        if self.archive.backend == "postgresql" and not self.store.startswith("postgresql"):
            yield "archive", "the postgresql archive keeps files in the store's database: store must be postgresql"

    def store_secret(self) -> str | None:
        """The database password ``store_password`` names, read now (None when unset)."""
        return self.store_password.resolve() if self.store_password is not None else None

    def store_url(self) -> str:
        """``store`` with a relative SQLite file made absolute against the workspace root, so
        a command run in a subdirectory opens the workspace's store, not a new one."""
        match = _RELATIVE_SQLITE.fullmatch(self.store)
        if match is None:
            return self.store
        return f"{match['scheme']}:///{self.path(match['file'])}{match['query'] or ''}"

    def store_file(self) -> Path | None:
        """The SQLite store's file (None for a server database or an in-memory one)."""
        match = _SQLITE_FILE.fullmatch(self.store_url())
        return Path(match["file"]) if match else None

    def path(self, relative: str) -> Path:
        """A path from a config file, made absolute against the workspace root."""
        return self.root / Path(relative).expanduser()

    @property
    def archive_path(self) -> Path:
        return self.path(self.archive_dir)

    @property
    def partners_path(self) -> Path:
        return self.path(self.partners_dir)

    @property
    def maps_path(self) -> Path:
        return self.path(self.maps_dir)


def load_workspace(path: Path) -> Workspace:
    """Load ``edigate.yaml`` (or a directory holding one); raise `ConfigError` if wrong."""
    path = path / WORKSPACE_FILE if path.is_dir() else path
    root = path.parent
    return load_file(Workspace, path, base=root, extra={"root": root}).value


def default_workspace(root: Path) -> Workspace:
    """The workspace rooted at ``root``: its ``edigate.yaml`` if present, else defaults."""
    if (root / WORKSPACE_FILE).exists():
        return load_workspace(root / WORKSPACE_FILE)
    return Workspace(root=root)


@dataclass(frozen=True, slots=True)
class Located:
    """The workspace a command works in, and how it was found."""

    workspace: Workspace
    file: Path | None
    """The ``edigate.yaml`` read; None when the workspace is the defaults."""
    looked: tuple[Path, ...]
    """The directories searched for ``edigate.yaml`` (for the error that names them)."""
    explicit: bool = False
    """Given by ``--workspace`` or ``EDIGATE_WORKSPACE`` rather than found."""


def locate_workspace(start: Path, explicit: Path | None = None) -> Located:
    """The workspace of ``explicit`` (a directory, or its ``edigate.yaml``), else the first
    directory from ``start`` upwards that holds ``edigate.yaml``, else the defaults rooted
    at ``start``."""
    if explicit is not None:
        return _explicit(explicit)
    start = start.resolve()
    looked = (start, *start.parents)
    for directory in looked:
        if (directory / WORKSPACE_FILE).is_file():
            return Located(load_workspace(directory / WORKSPACE_FILE), directory / WORKSPACE_FILE, looked)
    return Located(Workspace(root=start), None, looked)


def _explicit(given: Path) -> Located:
    path = given.expanduser().resolve()
    directory = path.parent if path.name == WORKSPACE_FILE and path.is_file() else path
    if not directory.is_dir():
        raise UsageError(f"workspace {given}: no such directory")
    file = directory / WORKSPACE_FILE
    if file.is_file():
        return Located(load_workspace(file), file, (directory,), explicit=True)
    return Located(Workspace(root=directory), None, (directory,), explicit=True)
