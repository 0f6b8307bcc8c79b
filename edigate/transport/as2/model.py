"""The values AS2 exchanges: partners, our keys, what came in, what went out, MDNs."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from edigate.config.channels import As2Channel
from edigate.errors import ConfigError
from edigate.transport.as2.cms import KeyTransport
from edigate.transport.base import As2Identity

__all__ = ["As2Inbound", "As2Partner", "As2Sent", "MdnReply", "OurKeys"]



@dataclass(frozen=True, slots=True)
class OurKeys:
    """Our AS2 id with the key (PEM, maybe encrypted) and certificate we sign and decrypt with."""

    as2_id: str
    key_pem: bytes = field(repr=False)
    cert_pem: bytes
    passphrase: str | None = field(default=None, repr=False)
    domain: str = "edigate.invalid"
    """The right side of the Message-IDs of our messages and MDNs."""

    @classmethod
    def from_listener(cls, listener: As2Identity, *, root: Path) -> OurKeys:
        """Resolve ``edigate.yaml``'s ``as2`` block; `ConfigError` if something is missing."""
        if listener.as2_id is None or listener.private_key is None or listener.certificate is None:
            raise ConfigError("AS2 needs as2.as2_id, as2.private_key and as2.certificate "
                              "in edigate.yaml")
        path = root / listener.certificate
        try:
            cert = path.read_bytes()
        except OSError as exc:
            raise ConfigError(f"AS2 certificate {path} cannot be read: {exc}") from exc
        passphrase = listener.key_passphrase.resolve() if listener.key_passphrase else None
        return cls(listener.as2_id, listener.private_key.resolve().encode("utf-8"), cert,
                   passphrase, listener.domain)


@dataclass(frozen=True, slots=True)
class As2Partner:
    """One partner's AS2 settings with its certificate read; ``our_as2_id`` is resolved."""

    channel: As2Channel
    certificate: bytes
    our_as2_id: str

    @property
    def as2_id(self) -> str:
        return self.channel.partner_as2_id

    @property
    def key_encryption(self) -> KeyTransport:
        """How the content key is wrapped for this partner (the channel's ``key_encryption``)."""
        return self.channel.key_encryption

    @classmethod
    def from_channel(
        cls, channel: As2Channel, *, root: Path, default_our_id: str
    ) -> As2Partner:
        """Read the partner certificate (relative to ``root``); `ConfigError` if unreadable."""
        path = root / channel.partner_certificate
        try:
            cert = path.read_bytes()
        except OSError as exc:
            raise ConfigError(f"AS2 partner certificate {path} cannot be read: {exc}") from exc
        return cls(channel, cert, channel.our_as2_id or default_our_id)


@dataclass(frozen=True, slots=True)
class MdnReply:
    """An MDN we built: returned as the HTTP response (sync) or POSTed to ``url`` (async)."""

    headers: tuple[tuple[str, str], ...]
    body: bytes
    url: str | None = None

    @property
    def is_async(self) -> bool:
        return self.url is not None


@dataclass(frozen=True, slots=True)
class As2Inbound:
    """One received AS2 message: ``ok`` only when the disposition is ``processed``."""

    message_id: str
    partner_as2_id: str
    disposition: str
    payload: bytes | None
    content_type: str | None = None
    filename: str | None = None
    error: str | None = None
    duplicate: bool = False
    mic: str | None = None
    mdn: MdnReply | None = None
    mic_alg: str | None = None
    authenticated: bool = False
    """True once the message decrypted and its signature verified (as the partner requires)."""

    @property
    def ok(self) -> bool:
        return self.disposition == "processed"


@dataclass(frozen=True, slots=True)
class As2Sent:
    """One sent AS2 message and what the partner's MDN said (``awaiting_mdn`` until an
    async MDN arrives through `edigate.transport.as2.receive_mdn`)."""

    message_id: str
    partner_as2_id: str
    mic: str | None
    mdn_status: str | None = None
    disposition: str | None = None
    mdn_text: str | None = None
    attempts: int = 1
    awaiting_mdn: bool = False
    mdn_verdict: str | None = None
    """``verified``, ``signature-failed``, ``unsigned``, ``mic-mismatch`` or ``unreadable``
    (and, in the store, ``undelivered`` for a message whose POST never got through)."""
    mdn_message_id: str | None = None
    mdn_mic: str | None = None
    mdn_raw: bytes | None = field(default=None, repr=False)

    @property
    def ok(self) -> bool:
        """True when the MDN says ``processed``, or no MDN was asked for."""
        return not self.awaiting_mdn and self.mdn_status in (None, "processed")
