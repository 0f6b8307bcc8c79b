"""Receive one AS2 message: decrypt, verify, decompress (bounded), check for a duplicate,
build the MDN.

Never raises for what the partner sent: every problem becomes a disposition other than
``processed`` (kept with its text on `As2Inbound`) and, when asked for, a negative MDN.
A duplicate is recognised only once the message verified, so nobody can draw a receipt
for a Message-ID without the partner's key. An async MDN gets a URL only where the
partner's settings allow one (`receipt_url`).
"""

from __future__ import annotations

import base64
import dataclasses
import email.utils
from collections.abc import Callable, Iterable, Mapping

from edigate.transport.as2 import _pyas2
from edigate.transport.as2.model import As2Inbound, As2Partner, OurKeys
from edigate.transport.as2.receipt import MdnAsked, Original, build_mdn, header, mdn_asked

__all__ = ["IsDuplicate", "as2_name", "raw_message", "receipt_url", "receive"]

IsDuplicate = Callable[[str, str], bool]
"""Called with (message id, partner AS2 id); True if that message was received before."""

_MDN_REQUEST = ("disposition-notification-to", "disposition-notification-options",
                "receipt-delivery-option")
DUPLICATE = "processed/Warning: duplicate-document"


def raw_message(headers: Iterable[tuple[str, str]], body: bytes) -> bytes:
    """The HTTP headers and body as one MIME message, as pyas2lib parses it."""
    head = "".join(f"{k}: {v}\r\n" for k, v in headers)
    return head.encode("utf-8") + b"\r\n" + body


def receive(
    headers: Iterable[tuple[str, str]],
    body: bytes,
    *,
    partners: Mapping[str, As2Partner],
    our_keys: OurKeys,
    is_duplicate: IsDuplicate | None = None,
    organization: object | None = None,
) -> As2Inbound:
    """Unpack one AS2 POST; the MDN (if the sender asked for one) is on the result."""
    headers = list(headers)
    org = organization or _pyas2.organization(our_keys)
    found: list[As2Partner] = []
    message = _pyas2.BoundedMessage(0)  # nothing inflates until the sender is known

    def find(org_id: str, partner_id: str) -> tuple[object | None, object | None]:
        p = partners.get(partner_id)
        if p is None or org_id != p.our_as2_id or org_id != our_keys.as2_id:
            return None, None
        found.append(p)
        message.limit = p.channel.decompressed_limit
        return org, _pyas2.partner(p)

    sealed = _unopenable(headers, body, org)
    if sealed is not None:
        inbound = _sealed(headers, partners, our_keys, sealed)
        return _with_mdn(inbound, mdn_asked(headers), partners.get(inbound.partner_as2_id),
                         org, our_keys)
    kept = [(k, v) for k, v in headers if k.lower() not in _MDN_REQUEST]
    status, (exc, _tb), _ = message.parse(raw_message(kept, body), find_org_partner_cb=find)
    inbound = _inbound(message, status, exc)
    if inbound.ok and is_duplicate is not None and is_duplicate(inbound.message_id,
                                                                 inbound.partner_as2_id):
        inbound = As2Inbound(inbound.message_id, inbound.partner_as2_id, DUPLICATE, None,
                             duplicate=True, mic=inbound.mic, mic_alg=inbound.mic_alg,
                             authenticated=True)
    return _with_mdn(inbound, mdn_asked(headers), found[0] if found else None, org, our_keys)


def _unopenable(headers: list[tuple[str, str]], body: bytes, org: object) -> str | None:
    """Why an encrypted body does not open with our key; None if it does or is not encrypted.

    Tried before pyas2lib sees the message: refusing undecryptable bytes takes about their
    size in memory, where pyas2lib's MIME parse of them takes ten times as much."""
    content_type = (header(headers, "content-type") or "").lower()
    if not content_type.startswith("application/pkcs7-mime") or "enveloped-data" not in content_type:
        return None
    encoding = (header(headers, "content-transfer-encoding") or "").lower()
    try:
        der = base64.b64decode(body) if encoding == "base64" else body
        _pyas2.decrypt(der, org)
    except _pyas2.DecryptionError as exc:
        return str(exc)
    except (ValueError, TypeError) as exc:
        return f"Failed to decrypt the payload: {exc}"
    return None


def _sealed(headers: list[tuple[str, str]], partners: Mapping[str, As2Partner],
            our_keys: OurKeys, error: str) -> As2Inbound:
    """A message from a partner of ours that we cannot decrypt (or a stranger's, named so)."""
    sender = as2_name(header(headers, "as2-from") or "")
    known = sender in partners and as2_name(header(headers, "as2-to") or "") == our_keys.as2_id
    return As2Inbound(
        message_id=(header(headers, "message-id") or "").strip("<>"),
        partner_as2_id=sender if known else "",
        disposition="processed/Error: decryption-failed" if known else
        "processed/Error: unknown-trading-partner",
        payload=None, error=error[:500])


def _inbound(message: _pyas2.Message, status: str, exc: BaseException | None) -> As2Inbound:
    ok = exc is None and status == "processed"
    payload = message.payload.get_payload(decode=True) if ok else None
    return As2Inbound(
        message_id=message.message_id or "",
        partner_as2_id=message.sender.as2_name if message.sender else "",
        disposition=_disposition(status, exc),
        payload=payload,
        content_type=message.payload.get_content_type() if ok else None,
        filename=message.payload.get_filename() if ok else None,
        error=None if exc is None else str(exc),
        mic=message.mic.decode("ascii") if message.mic else None,
        mic_alg=getattr(message, "digest_alg", None),
        authenticated=ok,
    )


def _disposition(status: str, exc: BaseException | None) -> str:
    if exc is None:
        return status
    modifier = getattr(exc, "disposition_modifier", "unexpected-processing-error")
    return f"{getattr(exc, 'disposition_type', 'processed/Error')}: {modifier}"


def receipt_url(partner: As2Partner, inbound: As2Inbound, asked: MdnAsked) -> str | None:
    """Where an async MDN for ``inbound`` may go: the partner's configured receipt URL (else
    its AS2 URL), or the one asked for when the partner's settings trust it and the message
    verified; None when it must not go anywhere (the message did not verify)."""
    if not inbound.authenticated:
        return None
    channel = partner.channel
    if channel.use_requested_receipt_url and asked.url:
        return asked.url
    return channel.receipt_url or channel.url


def _with_mdn(inbound: As2Inbound, asked: MdnAsked, partner: As2Partner | None, org: object,
              our_keys: OurKeys) -> As2Inbound:
    """``inbound`` with its MDN, if one was asked for and the sender is a partner of ours."""
    if not asked.wanted or partner is None:
        return inbound
    url = receipt_url(partner, inbound, asked) if asked.url else None
    if asked.url and url is None:
        return inbound  # an async MDN nobody may receive: none is built
    original = Original(inbound.message_id, our_keys.as2_id, partner.as2_id,
                        inbound.disposition, inbound.mic, inbound.mic_alg)
    mdn = build_mdn(original, signer=org, micalg=asked.micalg, domain=our_keys.domain, url=url)
    return dataclasses.replace(inbound, mdn=mdn)


def as2_name(value: str) -> str:
    """An AS2-From/-To value unquoted (RFC 4130 6.2); twice, as some MDNs quote it twice."""
    for _ in range(2):
        value = value.strip()
        if len(value) > 1 and value[0] == value[-1] == '"':
            value = email.utils.unquote(value)
    return value
