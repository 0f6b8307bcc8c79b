"""The AS2 listener as a WSGI app; ``edigate run`` serves it (`edigate.transport.listener`).

A request is refused before any of its body is read unless it names, in its headers, a
partner of ours and us: no AS2 headers is 400, an unknown AS2-From or AS2-To is 403, a
body over the partner's ``max_body_bytes`` is 413. Each refusal is one log line, with the
names it gave clipped. Then the POST goes through `receive` (or, for an MDN, through
`receive_mdn`); ``on_message`` (store the transmission) runs before the MDN goes out, so an
MDN never confirms what was not stored. If it raises, the answer is HTTP 500 without an
MDN and the sender will retry. An async MDN is handed to ``queue_mdn`` (the store's
outbox, delivered by the gateway's scheduler), never posted from the request.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, TypeVar

from edigate.transport.as2 import _pyas2
from edigate.transport.as2.mdn import FindSent, is_mdn, receive_mdn
from edigate.transport.as2.model import As2Inbound, As2Partner, As2Sent, MdnReply, OurKeys
from edigate.transport.as2.receipt import header
from edigate.transport.as2.receive import IsDuplicate, as2_name, receive

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

__all__ = ["clip", "make_app", "request_headers"]

log = logging.getLogger(__name__)

QueueMdn = Callable[[As2Inbound, MdnReply], None]
BIG_BODY = 2**20
"""Bodies above this are unpacked one at a time: Python's MIME parser takes about ten times
a body's size while it reads it, so the cap on each body bounds the listener's memory."""
T = TypeVar("T")


def request_headers(environ: WSGIEnvironment) -> list[tuple[str, str]]:
    """The HTTP request headers from a WSGI environ, with their usual names."""
    headers = [(k[5:].replace("_", "-").title(), str(v))
               for k, v in environ.items() if k.startswith("HTTP_")]
    for key, name in (("CONTENT_TYPE", "Content-Type"), ("CONTENT_LENGTH", "Content-Length")):
        if environ.get(key):
            headers.append((name, str(environ[key])))
    return headers


def clip(value: object, limit: int = 80) -> str:
    """``value`` for a log line: printable, quoted, at most ``limit`` characters of it."""
    text = repr(str(value)[:limit])
    return text + "..." if len(str(value)) > limit else text


def _encrypted(headers: list[tuple[str, str]]) -> bool:
    """An encrypted entity is a message: MDNs travel signed, never encrypted."""
    return (header(headers, "content-type") or "").lower().startswith("application/pkcs7-mime")


def _refusal(environ: WSGIEnvironment, headers: list[tuple[str, str]],
             partners: Mapping[str, As2Partner], our_id: str) -> tuple[str, str] | None:
    """(HTTP status, reason) for a request refused before its body is read, else None."""
    sender, recipient = header(headers, "as2-from"), header(headers, "as2-to")
    if not sender or not recipient or not header(headers, "message-id"):
        return "400 Bad Request", "not an AS2 message (no AS2-From, AS2-To or Message-ID)"
    partner = partners.get(as2_name(sender))
    if partner is None:
        return "403 Forbidden", f"unknown AS2-From {clip(sender)}"
    if as2_name(recipient) not in (our_id, partner.our_as2_id) or partner.our_as2_id != our_id:
        return "403 Forbidden", f"AS2-To {clip(recipient)} is not us"
    length = int(environ.get("CONTENT_LENGTH") or 0)
    if length > partner.channel.max_body_bytes:
        return ("413 Content Too Large",
                f"{length} bytes from {clip(sender)}, over its {partner.channel.max_body_bytes}")
    return None


def make_app(
    *,
    partners: Mapping[str, As2Partner],
    our_keys: OurKeys,
    on_message: Callable[[As2Inbound], None],
    is_duplicate: IsDuplicate | None = None,
    queue_mdn: QueueMdn | None = None,
    find_sent: FindSent | None = None,
    on_mdn: Callable[[As2Sent], None] | None = None,
) -> WSGIApplication:
    """A WSGI app receiving AS2 POSTs for ``partners``, answering with or queueing MDNs.

    With ``find_sent`` and ``on_mdn`` it also takes async MDNs for messages we sent.
    Our key is loaded here, once: a bad key or passphrase fails now, not per message.
    """
    org = _pyas2.organization(our_keys)
    one_big = threading.BoundedSemaphore(1)

    def app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") != "POST":
            return _answer(start_response, "405 Method Not Allowed", "AS2: POST only")
        headers = request_headers(environ)
        refused = _refusal(environ, headers, partners, our_keys.as2_id)
        if refused is not None:
            log.warning("AS2 request from %s refused: %s", environ.get("REMOTE_ADDR"), refused[1])
            return _answer(start_response, *refused)
        length = int(environ.get("CONTENT_LENGTH") or 0)
        with one_big if length > BIG_BODY else contextlib.nullcontext():
            body = bytes(environ["wsgi.input"].read(length)) if length else b""
            if find_sent and on_mdn and length <= BIG_BODY and not _encrypted(headers) \
                    and is_mdn(headers, body):
                return _take_mdn(start_response, headers, body, partners, find_sent, on_mdn)
            try:
                inbound = receive(headers, body, partners=partners, our_keys=our_keys,
                                  is_duplicate=is_duplicate, organization=org)
            except Exception as exc:  # a pyas2lib failure outside its own error handling
                log.warning("AS2 message %s not readable: %s",
                            clip(header(headers, "message-id")), clip(exc, 200))
                log.debug("AS2 message not readable", exc_info=True)
                return _answer(start_response, "400 Bad Request", "unreadable AS2 message")
        return _answer_message(start_response, inbound, on_message, queue_mdn)

    return app


def _answer_message(start_response: StartResponse, inbound: As2Inbound,
                    on_message: Callable[[As2Inbound], None],
                    queue_mdn: QueueMdn | None) -> list[bytes]:
    if not inbound.ok:
        log.warning("AS2 message %s from %s refused: %s (%s)", clip(inbound.message_id),
                    clip(inbound.partner_as2_id), inbound.disposition, clip(inbound.error, 200))
    if not _stored(on_message, inbound, f"AS2 message {clip(inbound.message_id)}"):
        return _answer(start_response, "500 Internal Server Error", "not stored")
    mdn = inbound.mdn
    if mdn is None and not inbound.ok and not inbound.duplicate:
        return _answer(start_response, "400 Bad Request", f"not processed: {inbound.disposition}")
    if mdn is None or mdn.is_async:
        if mdn is not None and queue_mdn is not None:
            queue_mdn(inbound, mdn)
        return _answer(start_response, "200 OK", "received")
    start_response("200 OK", [*mdn.headers, ("Content-Length", str(len(mdn.body)))])
    return [mdn.body]


def _take_mdn(start_response: StartResponse, headers: list[tuple[str, str]], body: bytes,
              partners: Mapping[str, As2Partner], find_sent: FindSent,
              on_mdn: Callable[[As2Sent], None]) -> list[bytes]:
    got = receive_mdn(headers, body, partners=partners, find_sent=find_sent)
    if got is None:
        log.warning("AS2 MDN %s refused: it answers no message we sent",
                    clip(header(headers, "message-id")))
        return _answer(start_response, "404 Not Found", "no such message sent")
    if not _stored(on_mdn, got, f"MDN for AS2 message {clip(got.message_id)}"):
        return _answer(start_response, "500 Internal Server Error", "not stored")
    return _answer(start_response, "200 OK", "MDN received")


def _stored(store: Callable[[T], None], value: T, what: str) -> bool:
    """Run ``store``; a failure is one error line (its traceback at DEBUG) and False."""
    try:
        store(value)
    except Exception as exc:
        log.error("%s not stored: %s", what, clip(f"{type(exc).__name__}: {exc}", 200))
        log.debug("%s not stored", what, exc_info=True)
        return False
    return True


def _answer(start_response: StartResponse, status: str, text: str) -> list[bytes]:
    body = f"{text}\n".encode()
    start_response(status, [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
