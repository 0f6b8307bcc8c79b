"""AS2 as a channel: sending goes through `edigate.transport.as2.send`; receiving is the listener's.

A partner's AS2 messages arrive at the listener that ``edigate run`` serves, which records
each one as a transmission before its MDN goes out, so there is nothing to poll: `list`
is always empty. `send` signs, compresses and encrypts as the partner's channel says, POSTs
with retry, and fails unless the MDN says ``processed`` with the MIC we computed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import socket
import urllib.parse
from collections.abc import Callable
from functools import cached_property

from cryptography import x509

from edigate.transport.as2 import As2Partner, As2Sent, OurKeys, send
from edigate.config.channels import As2Channel as As2Config
from edigate.errors import ConfigError, TransportError
from edigate.transport.base import (
    Channel,
    ChannelOptions,
    Receipt,
    ReceiptCame,
    Received,
    RemoteFile,
    Sent,
)

__all__ = ["As2Channel", "certificate_dates", "receipt_of"]

RENEW_WITHIN = dt.timedelta(days=30)


class As2Channel(Channel):
    """One partner's AS2 endpoint."""

    def __init__(self, config: As2Config, channel_id: str, options: ChannelOptions) -> None:
        self.id = channel_id
        self.config = config
        self._options = options

    @cached_property
    def keys(self) -> OurKeys:
        """Our AS2 id, key and certificate, as the caller's options carry them (edigate.yaml ``as2``)."""
        listener = self._options.as2
        if listener is None:
            raise ConfigError(f"{self.id}: AS2 needs an as2 block (as2_id, private_key, "
                              "certificate) in edigate.yaml")
        return OurKeys.from_listener(listener, root=self._options.root)

    @cached_property
    def partner(self) -> As2Partner:
        return As2Partner.from_channel(self.config, root=self._options.root,
                                       default_our_id=self.keys.as2_id)

    def list(self) -> list[RemoteFile]:
        return []  # the listener receives; see the module docstring

    def fetch(self, file: RemoteFile) -> Received:
        raise TransportError(f"{self.id}: AS2 messages arrive at the listener, not by fetching")

    def done(self, file: RemoteFile) -> None:
        raise TransportError(f"{self.id}: AS2 messages arrive at the listener, not by fetching")

    def send(self, name: str, data: bytes) -> Sent:
        return self.send_noting(name, data, lambda _receipt: None)

    def send_noting(self, name: str, data: bytes, note: Callable[[Receipt], None]) -> Sent:
        mode = self.config.mdn
        announced: list[Receipt] = []

        def before_post(about: As2Sent) -> None:
            announced.append(receipt_of(about, mode))
            note(announced[0])

        try:
            sent = send(data, partner=self.partner, our_keys=self.keys, filename=name,
                        retry=self._options.retry, timeout=self._options.timeout,
                        before_post=before_post)
        except TransportError as exc:  # it never arrived: no receipt is to be awaited
            for receipt in announced:
                note(dataclasses.replace(receipt, came=ReceiptCame(
                    "failed", f"not delivered: {exc.message}", "undelivered")))
            raise
        if mode == "sync":
            note(receipt_of(sent, mode))
        if not sent.ok and not sent.awaiting_mdn:
            raise TransportError(f"{self.id}: {self.partner.as2_id} did not confirm {name} "
                                 f"(Message-ID {sent.message_id}): {sent.disposition}",
                                 code=_FAILURE_CODES.get(sent.mdn_verdict or "", "transport.as2_mdn"))
        return Sent.of(self.id, name, data)

    def probe(self) -> str:
        """Certificate dates (ours and the partner's), and the partner's URL answering."""
        now = dt.datetime.now(dt.UTC)
        notes = [_dates(f"{self.partner.as2_id} certificate", self.partner.certificate, now),
                 _dates("our certificate", self.keys.cert_pem, now)]
        if self.config.url is not None:
            notes.append(_reachable(self.id, self.config.url, self._options.timeout))
        return "; ".join(notes)


_FAILURE_CODES = {"signature-failed": "transport.as2_mdn_signature",
                  "unsigned": "transport.as2_mdn_signature",
                  "mic-mismatch": "transport.as2_mdn_mic"}


def receipt_of(sent: As2Sent, mode: str) -> Receipt:
    """The receipt for ``sent``: the one to expect, or, with its verdict, the one that came."""
    came = None
    if sent.mdn_verdict is not None:
        came = ReceiptCame(sent.mdn_status, sent.disposition, sent.mdn_verdict,
                           sent.mdn_message_id, sent.mdn_mic, sent.mdn_text, sent.mdn_raw)
    return Receipt(sent.message_id, sent.partner_as2_id, sent.mic, mode=mode, came=came)


def certificate_dates(pem: bytes) -> tuple[dt.datetime, dt.datetime]:
    """When a PEM certificate starts and stops being valid (UTC)."""
    cert = x509.load_pem_x509_certificate(pem)
    return cert.not_valid_before_utc, cert.not_valid_after_utc


def _dates(what: str, pem: bytes, now: dt.datetime) -> str:
    try:
        start, end = certificate_dates(pem)
    except ValueError as exc:
        raise TransportError(f"{what} is not a readable PEM certificate: {exc}",
                             code="transport.certificate") from exc
    if now < start:
        raise TransportError(f"{what} is not valid before {start:%Y-%m-%d}",
                             code="transport.certificate")
    if now > end:
        raise TransportError(f"{what} expired on {end:%Y-%m-%d}", code="transport.certificate")
    soon = " (renew it soon)" if end - now < RENEW_WITHIN else ""
    return f"{what} valid until {end:%Y-%m-%d}{soon}"


def _reachable(channel_id: str, url: str, timeout: float) -> str:
    """A TCP connection to the URL's host and port: the partner's server is listening."""
    parts = urllib.parse.urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        socket.create_connection((parts.hostname or "", port), timeout=timeout).close()
    except OSError as exc:
        raise TransportError(f"{channel_id}: {url} does not answer: "
                             f"{exc.strerror or type(exc).__name__}") from exc
    return f"{parts.hostname}:{port} reachable"
