"""Reading MDNs for messages we sent: synchronous (the POST's response) or asynchronous
(POSTed to our listener later). Any disposition other than ``processed`` is a failure;
the MDN's text is kept on `As2Sent` either way."""

from __future__ import annotations

import dataclasses
import email.parser
import email.policy
from collections.abc import Callable, Iterable, Mapping
from types import SimpleNamespace

from edigate.as2 import _pyas2
from edigate.as2.model import As2Partner, As2Sent
from edigate.as2.receive import raw_message

__all__ = ["FindSent", "is_mdn", "receive_mdn", "with_mdn"]

FindSent = Callable[[str], As2Sent | None]
"""Called with an original Message-ID; the message we sent with it, if any."""


def with_mdn(sent: As2Sent, original: object, raw: bytes) -> As2Sent:
    """``sent`` with the MDN's status, disposition and text; ``original`` is pyas2lib's."""
    mdn = _pyas2.Mdn()
    status, detail = mdn.parse(raw, find_message_cb=lambda _mid, _rcpt: original)
    disposition = f"{status}: {detail}" if detail else str(status)
    return dataclasses.replace(sent, mdn_status=status, disposition=disposition,
                               mdn_text=_mdn_text(raw))


def is_mdn(headers: Iterable[tuple[str, str]], body: bytes) -> bool:
    """True if the POST holds an MDN (a report, maybe signed) rather than a message."""
    mdn = _pyas2.Mdn()
    mdn.payload = email.parser.BytesParser(policy=email.policy.compat32).parsebytes(
        raw_message(headers, body))
    try:
        mdn.detect_mdn()
    except _pyas2.MDNNotFound:
        return False
    return True


def receive_mdn(
    headers: Iterable[tuple[str, str]],
    body: bytes,
    *,
    partners: Mapping[str, As2Partner],
    find_sent: FindSent,
) -> As2Sent | None:
    """Match an async MDN to the message we sent; None if we sent no such message."""
    raw = raw_message(headers, body)
    found: list[As2Sent] = []

    def original(message_id: str, _recipient: str | None) -> object | None:
        sent = find_sent(message_id)
        partner = partners.get(sent.partner_as2_id) if sent is not None else None
        if sent is None or partner is None:
            return None
        found.append(sent)
        mic = sent.mic.encode("ascii") if sent.mic else None
        return SimpleNamespace(receiver=_pyas2.partner(partner), mic=mic,
                               message_id=sent.message_id)

    mdn = _pyas2.Mdn()
    status, detail = mdn.parse(raw, find_message_cb=original)
    if not found:
        return None
    disposition = f"{status}: {detail}" if detail else str(status)
    return dataclasses.replace(found[0], mdn_status=status, disposition=disposition,
                               mdn_text=_mdn_text(raw), awaiting_mdn=False)


def _mdn_text(raw: bytes) -> str:
    """The MDN's human-readable and machine-readable parts, for the transmission log."""
    msg = email.parser.BytesParser(policy=email.policy.compat32).parsebytes(raw)
    texts = [part.get_payload(decode=True) for part in msg.walk()
             if part.get_content_type() == "text/plain"]
    texts += [part.as_bytes() for part in msg.walk()
              if part.get_content_type() == "message/disposition-notification"]
    return b"\n".join(t for t in texts if isinstance(t, bytes)).decode("utf-8", "replace")
