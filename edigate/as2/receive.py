"""Receive one AS2 message: decrypt, verify, decompress, check for a duplicate, build the MDN.

Never raises for what the partner sent: every problem becomes a disposition other than
``processed`` (kept with its text on `As2Inbound`) and, when asked for, a negative MDN.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping

from edigate.as2 import _pyas2
from edigate.transport.http import HTTP_RETRY, Poster, post_with_retry, urllib_post
from edigate.transport.retry import Backoff
from edigate.as2.model import As2Inbound, As2Partner, MdnReply, OurKeys

__all__ = ["IsDuplicate", "deliver_async_mdn", "raw_message", "receive"]

log = logging.getLogger(__name__)

IsDuplicate = Callable[[str, str], bool]
"""Called with (message id, partner AS2 id); True if that message was received before."""


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
) -> As2Inbound:
    """Unpack one AS2 POST; the MDN (if the sender asked for one) is on the result."""
    message = _pyas2.Message()
    org = _pyas2.organization(our_keys)

    def find(org_id: str, partner_id: str) -> tuple[object | None, object | None]:
        p = partners.get(partner_id)
        if p is None or org_id != p.our_as2_id or org_id != our_keys.as2_id:
            return None, None
        return org, _pyas2.partner(p)

    def find_message(message_id: str, partner_id: str) -> bool:
        return is_duplicate is not None and is_duplicate(message_id, partner_id)

    status, (exc, _tb), mdn = message.parse(
        raw_message(headers, body), find_org_partner_cb=find, find_message_cb=find_message
    )
    return _inbound(message, status, exc, mdn)


def _inbound(message: _pyas2.Message, status: str, exc: BaseException | None,
             mdn: _pyas2.Mdn | None) -> As2Inbound:
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
        duplicate=isinstance(exc, _pyas2.DuplicateDocument),
        mic=message.mic.decode("ascii") if message.mic else None,
        mdn=_reply(mdn),
    )


def _disposition(status: str, exc: BaseException | None) -> str:
    modifier = getattr(exc, "disposition_modifier", "") if exc is not None else ""
    return f"{status}: {modifier}" if modifier else status


def _reply(mdn: _pyas2.Mdn | None) -> MdnReply | None:
    if mdn is None or mdn.payload is None:
        return None
    headers = tuple((k, " ".join(v.split())) for k, v in mdn.headers.items())
    return MdnReply(headers=headers, body=mdn.content, url=mdn.mdn_url)


def deliver_async_mdn(mdn: MdnReply, *, post: Poster = urllib_post, retry: Backoff = HTTP_RETRY) -> int:
    """POST an async MDN to the sender's Receipt-Delivery-Option URL; return the status."""
    if mdn.url is None:
        raise ValueError("a synchronous MDN is returned as the HTTP response, not posted")
    response, _ = post_with_retry(mdn.url, mdn.headers, mdn.body, post=post, retry=retry)
    log.info("async MDN to %s: HTTP %s", mdn.url, response.status)
    return response.status
