"""The AS2 listener as a WSGI app; ``edigate run`` serves it with waitress.

Each POST goes through `receive`; ``on_message`` (store the transmission) runs before the
MDN goes out, so an MDN never confirms what was not stored. If it raises, the answer is
HTTP 500 without an MDN and the sender will retry.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING

from edigate.as2.mdn import FindSent, is_mdn, receive_mdn
from edigate.as2.model import As2Inbound, As2Partner, As2Sent, MdnReply, OurKeys
from edigate.as2.receive import IsDuplicate, deliver_async_mdn, receive
from edigate.errors import TransportError

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

__all__ = ["make_app", "request_headers"]

log = logging.getLogger(__name__)

MdnScheduler = Callable[[MdnReply], None]


def request_headers(environ: WSGIEnvironment) -> list[tuple[str, str]]:
    """The HTTP request headers from a WSGI environ, with their usual names."""
    headers = [(k[5:].replace("_", "-").title(), str(v))
               for k, v in environ.items() if k.startswith("HTTP_")]
    for key, name in (("CONTENT_TYPE", "Content-Type"), ("CONTENT_LENGTH", "Content-Length")):
        if environ.get(key):
            headers.append((name, str(environ[key])))
    return headers


def _read_body(environ: WSGIEnvironment) -> bytes:
    length = environ.get("CONTENT_LENGTH")
    stream = environ["wsgi.input"]
    return bytes(stream.read(int(length)) if length else stream.read())


def _deliver_in_thread(mdn: MdnReply) -> None:
    def run() -> None:
        try:
            deliver_async_mdn(mdn)
        except TransportError as exc:
            log.error("async MDN not delivered: %s", exc)

    threading.Thread(target=run, name="as2-async-mdn", daemon=True).start()


def make_app(
    *,
    partners: Mapping[str, As2Partner],
    our_keys: OurKeys,
    on_message: Callable[[As2Inbound], None],
    is_duplicate: IsDuplicate | None = None,
    schedule_mdn: MdnScheduler = _deliver_in_thread,
    find_sent: FindSent | None = None,
    on_mdn: Callable[[As2Sent], None] | None = None,
) -> WSGIApplication:
    """A WSGI app receiving AS2 POSTs for ``partners``, answering with or scheduling MDNs.

    With ``find_sent`` and ``on_mdn`` it also takes async MDNs for messages we sent.
    """

    def app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") != "POST":
            return _answer(start_response, "405 Method Not Allowed", b"AS2: POST only\n")
        headers, body = request_headers(environ), _read_body(environ)
        if find_sent is not None and on_mdn is not None and is_mdn(headers, body):
            sent = receive_mdn(headers, body, partners=partners, find_sent=find_sent)
            if sent is None:
                return _answer(start_response, "404 Not Found", b"no such message sent\n")
            try:
                on_mdn(sent)
            except Exception:
                log.exception("MDN for AS2 message %s not stored", sent.message_id)
                return _answer(start_response, "500 Internal Server Error", b"not stored\n")
            return _answer(start_response, "200 OK", b"MDN received\n")
        inbound = receive(headers, body, partners=partners, our_keys=our_keys,
                          is_duplicate=is_duplicate)
        try:
            on_message(inbound)
        except Exception:
            log.exception("AS2 message %s not stored", inbound.message_id)
            return _answer(start_response, "500 Internal Server Error", b"not stored\n")
        mdn = inbound.mdn
        if mdn is None or mdn.is_async:
            if mdn is not None:
                schedule_mdn(mdn)
            return _answer(start_response, "200 OK", b"received\n")
        start_response("200 OK", [*mdn.headers, ("Content-Length", str(len(mdn.body)))])
        return [mdn.body]

    return app


def _answer(start_response: StartResponse, status: str, body: bytes) -> list[bytes]:
    start_response(status, [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
