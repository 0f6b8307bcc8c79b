"""Send one AS2 message: sign, compress, encrypt as the partner's channel says, POST, and
check the synchronous MDN (its signature, its disposition, and the MIC it returns).

pyas2lib signs and compresses; encryption is ours (`edigate.transport.as2.cms`), because pyas2lib
always wraps the key with PKCS#1 v1.5 whatever the partner wants."""

from __future__ import annotations

import base64
import dataclasses
import time
from collections.abc import Callable

from edigate.transport.as2 import _pyas2, cms
from edigate.transport.http import HTTP_RETRY, Poster, post_with_retry, urllib_post
from edigate.transport.retry import Backoff
from edigate.transport.as2.mdn import with_mdn
from edigate.transport.as2.model import As2Partner, As2Sent, OurKeys
from edigate.transport.as2.receipt import USER_AGENT
from edigate.transport.as2.receive import raw_message
from edigate.errors import TransportError

__all__ = ["send"]

Headers = tuple[tuple[str, str], ...]


def send(
    payload: bytes,
    *,
    partner: As2Partner,
    our_keys: OurKeys,
    filename: str | None = None,
    content_type: str = "application/edi-x12",
    subject: str = "EDI",
    post: Poster = urllib_post,
    retry: Backoff = HTTP_RETRY,
    timeout: float = 60.0,
    sleep: Callable[[float], None] = time.sleep,
    before_post: Callable[[As2Sent], None] = lambda _sent: None,
) -> As2Sent:
    """Build and POST one message; raise `TransportError` if it could not be delivered.

    ``before_post`` gets the message (its Message-ID and MIC) before it goes, so that it
    can be recorded before its MDN can possibly come back."""
    url = partner.channel.url
    if url is None:
        raise TransportError(f"AS2 partner {partner.as2_id} has no url to send to")
    message = _pyas2.Message(
        sender=_pyas2.organization(our_keys, mdn_url=partner.channel.mdn_url),
        receiver=_pyas2.partner(partner, encrypt=False),
    )
    message.build(payload, filename=filename, subject=subject, content_type=content_type)
    headers, body = _wire(message, partner)
    sent = As2Sent(message_id=message.message_id, partner_as2_id=partner.as2_id,
                   mic=message.mic.decode("ascii") if message.mic else None,
                   awaiting_mdn=partner.channel.mdn != "none")
    before_post(sent)
    response, tries = post_with_retry(url, headers, body, post=post,
                                      retry=retry, timeout=timeout,
                                      sleep=sleep)
    if response.status // 100 != 2:
        raise TransportError(
            f"AS2 partner {partner.as2_id} answered HTTP {response.status}: "
            f"{_printable(response.body[:200].decode('utf-8', 'replace'))}"
        )
    sent = dataclasses.replace(sent, attempts=tries, awaiting_mdn=partner.channel.mdn == "async")
    if partner.channel.mdn != "sync":
        return sent
    return with_mdn(sent, message, raw_message(response.headers, response.body))


def _printable(text: str) -> str:
    return "".join(c if c.isprintable() else " " for c in text)


_ENVELOPED = (
    ("Content-Type", 'application/pkcs7-mime; smime-type=enveloped-data; name="smime.p7m"'),
    ("Content-Transfer-Encoding", "binary"),
    ("Content-Disposition", 'attachment; filename="smime.p7m"'),
)


def _wire(message: _pyas2.Message, partner: As2Partner) -> tuple[Headers, bytes]:
    """The HTTP headers and body: pyas2lib's (signed, compressed) entity, encrypted if asked."""
    headers = [(k, " ".join(v.split())) for k, v in message.headers.items()]
    headers.append(("User-Agent", USER_AGENT))
    body = _pyas2.mime_bytes(message.payload).split(b"\r\n\r\n", 1)[1]
    if not partner.channel.encrypt:
        return tuple(headers), body
    inner = [(k, v) for k, v in headers if k.lower().startswith("content-")]
    outer = [(k, v) for k, v in headers if not k.lower().startswith("content-")]
    enveloped = cms.encrypt_enveloped(raw_message(inner, body), partner.certificate,
                                      cipher=partner.channel.encryption_algorithm,
                                      key_transport=partner.key_encryption)
    if partner.channel.transfer_encoding == "base64":
        wire = [(k, "base64" if k == "Content-Transfer-Encoding" else v) for k, v in _ENVELOPED]
        return (*outer, *wire), base64.encodebytes(enveloped).replace(b"\n", b"\r\n")
    return (*outer, *_ENVELOPED), enveloped
