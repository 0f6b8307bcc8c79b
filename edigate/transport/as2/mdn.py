"""Reading MDNs for messages we sent: synchronous (the POST's response) or asynchronous
(POSTed to our listener later). Any disposition other than ``processed`` is a failure; so
is an MDN whose signature does not verify (``verdict`` says which), which is never read as
the partner's word. The MDN's text, Message-ID, MIC and raw bytes are kept on `As2Sent`."""

from __future__ import annotations

import dataclasses
import email.message
import email.parser
import email.policy
from collections.abc import Callable, Iterable, Mapping
from types import SimpleNamespace

from edigate.transport.as2 import _pyas2
from edigate.transport.as2.model import As2Partner, As2Sent
from edigate.transport.as2.receive import raw_message

__all__ = ["FindSent", "is_mdn", "receive_mdn", "verdict_of", "with_mdn"]

FindSent = Callable[[str], As2Sent | None]
"""Called with an original Message-ID; the message we sent with it, if any."""

_SIGNATURE_FAILED = "Failed to verify message signature"


def verdict_of(status: str | None, detail: str | None) -> str:
    """Our word on an MDN: ``verified``, ``signature-failed``, ``unsigned`` (a signed one was
    asked for), ``mic-mismatch`` (it confirms other content than we sent) or ``unreadable``."""
    detail = detail or ""
    if status is None or status == "failed/Failure" and detail == "mdn-not-found":
        return "unreadable"
    if _SIGNATURE_FAILED in detail or "Signed data not found" in detail:
        return "signature-failed"
    if detail.startswith("Expected signed MDN"):
        return "unsigned"
    if status == "processed/warning" and "Integrity check" in detail:
        return "mic-mismatch"
    if status == "failed/Failure" and detail.startswith("Failed to parse"):
        return "unreadable"
    return "verified"


def _disposition(status: str | None, detail: str | None, verdict: str) -> str:
    if verdict == "signature-failed":
        return "the MDN's signature does not verify with the partner's certificate"
    if verdict == "unsigned":
        return "the MDN is not signed, and a signed one was asked for"
    if verdict == "unreadable":
        return f"the MDN cannot be read: {detail or 'no disposition'}"
    return f"{status}: {detail}" if detail else str(status)


def _finish(sent: As2Sent, raw: bytes, mdn: _pyas2.Mdn, status: str | None,
            detail: str | None) -> As2Sent:
    verdict = verdict_of(status, detail)
    return dataclasses.replace(
        sent, mdn_status=status if verdict in ("verified", "mic-mismatch") else "failed",
        disposition=_disposition(status, detail, verdict), mdn_text=_mdn_text(raw),
        awaiting_mdn=False, mdn_verdict=verdict, mdn_message_id=mdn.message_id,
        mdn_mic=_reported_mic(raw), mdn_raw=raw)


def with_mdn(sent: As2Sent, original: object, raw: bytes) -> As2Sent:
    """``sent`` with its sync MDN read; ``original`` is pyas2lib's message."""
    mdn = _pyas2.Mdn()
    status, detail = mdn.parse(raw, find_message_cb=lambda _mid, _rcpt: original)
    return _finish(sent, raw, mdn, status, detail)


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
    return _finish(found[0], raw, mdn, status, detail) if found else None


def _parts(raw: bytes) -> list[email.message.Message]:
    return list(email.parser.BytesParser(policy=email.policy.compat32).parsebytes(raw).walk())


def _reported_mic(raw: bytes) -> str | None:
    """The Received-content-MIC the MDN reports, if any."""
    for part in _parts(raw):
        if part.get_content_type() == "message/disposition-notification":
            for line in part.as_bytes().decode("utf-8", "replace").splitlines():
                if line.lower().startswith("received-content-mic:"):
                    return line.split(":", 1)[1].strip()[:255]
    return None


def _mdn_text(raw: bytes) -> str:
    """The MDN's human-readable and machine-readable parts, for the transmission log."""
    parts = _parts(raw)
    texts = [part.get_payload(decode=True) for part in parts
             if part.get_content_type() == "text/plain"]
    texts += [part.as_bytes() for part in parts
              if part.get_content_type() == "message/disposition-notification"]
    return b"\n".join(t for t in texts if isinstance(t, bytes)).decode("utf-8", "replace")
