"""Send one AS2 message: sign, compress, encrypt as the partner's channel says, POST, and
check the synchronous MDN (its signature, its disposition, and the MIC it returns)."""

from __future__ import annotations

import email.parser
import email.policy
from collections.abc import Callable

from edigate.as2 import _pyas2
from edigate.as2.http import HttpResponse, Poster, post_with_retry, urllib_post
from edigate.as2.model import As2Partner, As2Sent, OurKeys
from edigate.as2.receive import raw_message
from edigate.errors import TransportError

__all__ = ["send"]


def send(
    payload: bytes,
    *,
    partner: As2Partner,
    our_keys: OurKeys,
    filename: str | None = None,
    content_type: str = "application/edi-x12",
    subject: str = "EDI",
    post: Poster = urllib_post,
    attempts: int = 4,
    backoff: float = 1.0,
    timeout: float = 60.0,
    sleep: Callable[[float], None] | None = None,
) -> As2Sent:
    """Build and POST one message; raise `TransportError` if it could not be delivered."""
    url = partner.channel.url
    if url is None:
        raise TransportError(f"AS2 partner {partner.as2_id} has no url to send to")
    message = _pyas2.Message(
        sender=_pyas2.organization(our_keys, mdn_url=partner.channel.mdn_url),
        receiver=_pyas2.partner(partner),
    )
    message.build(payload, filename=filename, subject=subject, content_type=content_type)
    headers = tuple((k, " ".join(v.split())) for k, v in message.headers.items())
    extra = {} if sleep is None else {"sleep": sleep}
    response, tries = post_with_retry(url, headers, message.content, post=post,
                                      attempts=attempts, backoff=backoff, timeout=timeout,
                                      **extra)
    if response.status // 100 != 2:
        raise TransportError(
            f"AS2 partner {partner.as2_id} answered HTTP {response.status}: "
            f"{response.body[:200].decode('utf-8', 'replace')}"
        )
    sent = As2Sent(message_id=message.message_id, partner_as2_id=partner.as2_id,
                   mic=message.mic.decode("ascii") if message.mic else None, attempts=tries)
    if partner.channel.mdn != "sync":
        return sent
    return _with_mdn(sent, message, response)


def _with_mdn(sent: As2Sent, message: _pyas2.Message, response: HttpResponse) -> As2Sent:
    mdn = _pyas2.Mdn()
    raw = raw_message(response.headers, response.body)
    status, detail = mdn.parse(raw, find_message_cb=lambda _mid, _rcpt: message)
    disposition = f"{status}: {detail}" if detail else str(status)
    return As2Sent(message_id=sent.message_id, partner_as2_id=sent.partner_as2_id,
                   mic=sent.mic, mdn_status=status, disposition=disposition,
                   mdn_text=_mdn_text(raw), attempts=sent.attempts)


def _mdn_text(raw: bytes) -> str:
    """The MDN's human-readable and machine-readable parts, for the transmission log."""
    msg = email.parser.BytesParser(policy=email.policy.compat32).parsebytes(raw)
    texts = [part.get_payload(decode=True) for part in msg.walk()
             if part.get_content_type() == "text/plain"]
    texts += [part.as_bytes() for part in msg.walk()
              if part.get_content_type() == "message/disposition-notification"]
    return b"\n".join(t for t in texts if isinstance(t, bytes)).decode("utf-8", "replace")
