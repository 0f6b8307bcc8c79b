"""What the AS2 listener refuses, and how cheaply: over real HTTP on loopback, served by the
gateway's own listener, pyas2lib building the partner's messages."""

from __future__ import annotations

import logging
import threading
import tracemalloc
import urllib.request
import zlib
from collections.abc import Callable, Iterator

import pytest
from asn1crypto import cms as acms

from edigate.transport.as2 import As2Inbound, MdnReply, OurKeys, make_app
from edigate.transport.as2.cms import encrypt_enveloped
from edigate.transport.as2.receive import raw_message
from edigate.transport.listener import HttpListener, Limits
from tests.support.as2 import OUR_ID, PARTNER_ID, X12, Pki, as2_partner, partner_message, post, raw

Serve = Callable[..., tuple[str, list[As2Inbound], list[MdnReply]]]


@pytest.fixture
def gate(theirs: Pki, our_keys: OurKeys) -> Iterator[Serve]:
    """The listener for one partner (its channel settings given); what it stored and queued."""
    running: list[HttpListener] = []

    def start(**channel: object) -> tuple[str, list[As2Inbound], list[MdnReply]]:
        got: list[As2Inbound] = []
        queued: list[MdnReply] = []
        app = make_app(partners={PARTNER_ID: as2_partner(theirs, **channel)}, our_keys=our_keys,
                       on_message=got.append, queue_mdn=lambda _i, mdn: queued.append(mdn))
        listener = HttpListener(app, "127.0.0.1", 0, limits=Limits(max_body_bytes=16 * 2**20))
        listener.start()
        running.append(listener)
        return f"{listener.url}as2", got, queued

    yield start
    for listener in running:
        listener.stop()


def _status(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, exc.read()


AS2 = {"AS2-From": f'"{PARTNER_ID}"', "AS2-To": OUR_ID, "Message-ID": "<m1@partner>",
       "Content-Type": "application/pkcs7-mime; smime-type=enveloped-data"}


def test_a_post_without_as2_headers_is_400(gate: Serve) -> None:
    url, got, _ = gate()
    assert _status(url, b"\x00random bytes" * 100, {"Content-Type": "text/plain"})[0] == 400
    assert got == []


@pytest.mark.parametrize("who", [{"AS2-From": "STRANGER"}, {"AS2-To": "SOMEONE ELSE"}])
def test_an_unknown_sender_or_recipient_is_403_with_nothing_done(gate: Serve, who: dict[str, str],
                                                                 caplog) -> None:
    url, got, queued = gate(url="http://127.0.0.1:9/as2")
    threads = threading.active_count()
    headers = {**AS2, **who, "Disposition-Notification-To": "x@y",
               "Receipt-Delivery-Option": "http://127.0.0.1:9/anywhere"}
    for _ in range(20):
        assert _status(url, b"garbage" * 1000, headers)[0] == 403
    assert got == [] and queued == [] and threading.active_count() == threads
    refusals = [r for r in caplog.records if r.name == "edigate.transport.as2.wsgi"]
    assert len(refusals) == 20 and all(len(r.getMessage()) < 300 for r in refusals)


def test_a_stranger_naming_a_huge_message_id_gets_one_short_log_line(gate: Serve, caplog) -> None:
    url, _, _ = gate()
    headers = {**AS2, "AS2-From": "S" * 12_000, "Message-ID": "<" + "m" * 12_000 + ">"}
    assert _status(url, b"x", headers)[0] == 403
    # ours only: waitress warns of its task queue when the machine is busy
    [line] = [r.getMessage() for r in caplog.records if r.levelno >= logging.INFO and r.name.startswith("edigate")]
    assert len(line) < 300 and "unknown AS2-From" in line


def test_garbage_from_a_known_partner_is_refused_cheaply_and_never_received(gate: Serve) -> None:
    url, got, queued = gate()
    garbage = bytes(range(256)) * (8 * 2**20 // 256)  # 8 MiB that no key opens
    tracemalloc.start()
    try:
        status, body = _status(url, garbage, AS2)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert (status, body) == (400, b"not processed: processed/Error: decryption-failed\n")
    assert [i.ok for i in got] == [False] and queued == []
    assert peak < 4 * len(garbage)  # the body, its copy in the test, and a little (MIME parsing: 10x)


def test_a_body_over_the_partners_cap_is_refused_unread(gate: Serve) -> None:
    url, got, _ = gate(max_body_bytes=10_000)
    assert _status(url, b"x" * 50_000, AS2)[0] == 413
    assert got == []


def test_a_message_that_does_not_verify_gets_a_negative_sync_mdn_and_no_traceback(
        gate: Serve, theirs: Pki, ours: Pki, caplog) -> None:
    from tests.support.as2 import make_pki

    url, got, _ = gate()
    message = partner_message(theirs, ours, sign_with=make_pki("impostor"))
    message.build(X12, content_type="application/edi-x12")
    status, _, _ = post(url, message)
    assert status == 200 and got[0].disposition == "processed/Error: authentication-failed"
    shown = [r for r in caplog.records if r.levelno > logging.DEBUG]
    assert len(shown) == 1 and "authentication-failed" in shown[0].getMessage()
    assert not any(r.exc_info for r in shown) and "Traceback" not in shown[0].getMessage()


def _compressed_bomb(claimed: int) -> bytes:
    """CMS CompressedData of ``claimed`` zero bytes, built without holding them."""
    deflate = zlib.compressobj(9)
    chunk = bytes(2**20)
    compressed = b"".join(deflate.compress(chunk) for _ in range(claimed // len(chunk)))
    compressed += deflate.flush()
    data = acms.CompressedData({"version": "v0", "compression_algorithm": {"algorithm": "zlib"},
                                "encap_content_info": {"content_type": "data",
                                                       "content": compressed}})
    return bytes(acms.ContentInfo({"content_type": "compressed_data", "content": data}).dump())


def test_a_compression_bomb_is_refused_in_bounded_memory(gate: Serve, ours: Pki) -> None:
    url, got, _ = gate(max_decompressed_bytes=4 * 2**20)
    entity = raw_message([("Content-Type", "application/pkcs7-mime; smime-type=compressed-data"),
                          ("Content-Transfer-Encoding", "binary")], _compressed_bomb(256 * 2**20))
    body = encrypt_enveloped(entity, ours.cert_pem)
    assert len(body) < 2**20  # a quarter of a GiB claimed in under a MiB
    tracemalloc.start()
    try:
        status, _ = _status(url, body, {**AS2, "Disposition-Notification-To": "x@y"})
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert status == 200
    [inbound] = got
    assert inbound.disposition == "processed/Error: decompression-failed"
    assert "larger than 4194304 bytes" in (inbound.error or "")
    assert peak < 40 * 2**20


def test_inflate_returns_what_fits_and_refuses_what_does_not() -> None:
    from edigate.transport.as2._pyas2 import DecompressionError, inflate

    bomb = _compressed_bomb(2 * 2**20)
    assert inflate(bomb, 2 * 2**20) == bytes(2 * 2**20)
    with pytest.raises(DecompressionError, match="larger than"):
        inflate(bomb, 2**20)
    with pytest.raises(DecompressionError, match="unreadable"):
        inflate(b"\x30\x03garbage", 2**20)


def test_raw_helper_round_trips() -> None:
    assert raw([("A", "b")], b"c") == raw_message([("A", "b")], b"c")
