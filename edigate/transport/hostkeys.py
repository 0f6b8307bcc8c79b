"""Host key pinning for SFTP: the partner file's fingerprint and/or a known_hosts entry.

There is no trust on first use: a key that is unknown or different refuses the connection
with a message naming the server and every fingerprint involved. A server may hold several
keys (Ed25519, ECDSA, RSA) and shows one per handshake, so a pinned fingerprint that does not
match the first key offered is looked for among the server's other key types.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import paramiko

from edigate.config.channels import SftpChannel as SftpConfig
from edigate.config.channels import SftpTarget
from edigate.errors import ConfigError, TransportError

__all__ = ["HostKeyPin", "fingerprint"]

RSA_ALGORITHMS = ("rsa-sha2-512", "rsa-sha2-256", "ssh-rsa")
KEY_FAMILIES: tuple[tuple[str, ...], ...] = (
    ("ssh-ed25519",),
    ("ecdsa-sha2-nistp256",),
    ("ecdsa-sha2-nistp384",),
    ("ecdsa-sha2-nistp521",),
    RSA_ALGORITHMS,
)


def fingerprint(key: paramiko.PKey) -> str:
    """OpenSSH's ``SHA256:...`` fingerprint of a public key."""
    digest = hashlib.sha256(key.asbytes()).digest()
    return "SHA256:" + base64.b64encode(digest).decode("ascii").rstrip("=")


def _family(key_type: str) -> tuple[str, ...]:
    return RSA_ALGORITHMS if key_type == "ssh-rsa" else (key_type,)


def _describe(keys: Sequence[paramiko.PKey]) -> str:
    return ", ".join(dict.fromkeys(f"{k.get_name()} {fingerprint(k)}" for k in keys))


@dataclass(frozen=True, slots=True)
class HostKeyPin:
    """What the server's key must be; ``known`` is None when no known_hosts file is set."""

    server: str
    fingerprint: str | None
    known: dict[str, paramiko.PKey] | None
    known_hosts: str | None = None

    @classmethod
    def load(cls, config: SftpConfig | SftpTarget, root: Path) -> HostKeyPin:
        """Read the pins from the config (and its known_hosts file, relative to ``root``)."""
        server = f"{config.host}:{config.port}"
        pinned = config.host_key.rstrip("=") if config.host_key else None
        if config.known_hosts is None:
            return cls(server, pinned, None)
        path = root / config.known_hosts
        try:
            keys = paramiko.HostKeys(str(path))
        except OSError as exc:
            raise ConfigError(f"known_hosts {path} cannot be read: {exc.strerror}") from exc
        name = config.host if config.port == 22 else f"[{config.host}]:{config.port}"
        entry = keys.lookup(name)
        return cls(server, pinned, dict(entry) if entry else {}, config.known_hosts)

    def preferred(self, algorithms: Sequence[str], first: Sequence[str] = ()) -> list[str]:
        """``algorithms`` reordered: ``first``, then the types in known_hosts (as OpenSSH)."""
        wanted = set(first)
        known = {a for t in self.known or {} for a in _family(t)}
        return sorted(algorithms, key=lambda a: (a not in wanted, a not in known))

    def accepts(self, key: paramiko.PKey) -> bool:
        if self.fingerprint is not None and fingerprint(key) != self.fingerprint:
            return False
        return self.known is None or self.known.get(key.get_name()) == key

    def alternatives(self, offered: paramiko.PKey) -> list[tuple[str, ...]]:
        """Other key types worth asking for: only a bare fingerprint leaves the type open."""
        if self.fingerprint is None or self.known is not None:
            return []
        return [f for f in KEY_FAMILIES if offered.get_name() not in f]

    def refusal(self, channel_id: str, offered: Sequence[paramiko.PKey]) -> TransportError:
        """The one-line error for a server whose keys were all refused."""
        keys = _describe(offered)
        if self.known is not None and not self.known:
            why = f"{self.server} is not in known_hosts {self.known_hosts}: server offered {keys}"
        elif self.fingerprint is not None and not any(
            fingerprint(k) == self.fingerprint for k in offered
        ):
            why = (
                f"host key of {self.server} does not match host_key: server offered {keys}, "
                f"partner file pins {self.fingerprint}"
            )
        else:
            expected = _describe(list((self.known or {}).values()))
            why = (
                f"host key of {self.server} CHANGED: server offered {keys}, "
                f"known_hosts has {expected}"
            )
        message = f"{channel_id}: {why}; refusing to connect"
        return TransportError(message, code="transport.host_key")
