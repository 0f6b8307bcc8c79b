"""Sending to a pyas2lib-based receiver over real HTTP on loopback, with MDN and MIC check."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import pytest
from asn1crypto import cms as acms

from edigate.transport.as2 import (
    As2Partner,
    As2Sent,
    HttpResponse,
    OurKeys,
    make_app,
    send,
    urllib_post,
)
from edigate.transport.as2.cms import KeyTransport
from edigate.errors import TransportError
from edigate.transport.retry import Backoff
from tests.support.as2 import PARTNER_ID, X12, Pki, Received, as2_partner, make_pki, partner_app, post


def _partner(theirs: Pki, url: str, **channel: object) -> As2Partner:
    return as2_partner(theirs, url=url, **channel)


def test_send_signed_encrypted_compressed_with_mdn_and_mic(serve, theirs, ours,
                                                           our_keys: OurKeys) -> None:
    received: Received = []
    url = serve(partner_app(theirs, ours, received))
    sent = send(X12, partner=_partner(theirs, url), our_keys=our_keys, filename="855.edi")
    [(message, status, exc)] = received
    assert (status, exc) == ("processed", None)
    assert message.payload.get_payload(decode=True) == X12  # type: ignore[attr-defined]
    assert sent.ok and sent.mdn_status == "processed" and sent.disposition == "processed"
    assert sent.mic == message.mic.decode()  # type: ignore[attr-defined]
    assert sent.message_id == message.message_id  # type: ignore[attr-defined]
    assert sent.mdn_text and "processed" in sent.mdn_text


def test_wrong_mic_in_mdn_is_a_failure(serve, theirs, ours, our_keys: OurKeys) -> None:
    url = serve(partner_app(theirs, ours, [], tamper_mic=True))
    sent = send(X12, partner=_partner(theirs, url), our_keys=our_keys)
    assert not sent.ok
    assert sent.disposition == "processed/warning: Message Integrity check failed."


def test_an_mdn_whose_signature_fails_says_so_and_is_kept(serve, theirs, ours,
                                                          our_keys: OurKeys, caplog) -> None:
    url = serve(partner_app(theirs, ours, [], mdn_key=make_pki("impostor")))
    sent = send(X12, partner=_partner(theirs, url), our_keys=our_keys)
    assert not sent.ok and sent.mdn_verdict == "signature-failed" and sent.mdn_status == "failed"
    assert sent.disposition == "the MDN's signature does not verify with the partner's certificate"
    assert sent.mdn_raw is not None and sent.mdn_message_id
    assert caplog.records and all(r.levelno == logging.DEBUG for r in caplog.records)  # its traceback too


def test_the_message_is_announced_before_it_is_posted(serve, theirs, ours,
                                                      our_keys: OurKeys) -> None:
    received: Received = []
    url = serve(partner_app(theirs, ours, received))
    announced: list[tuple[As2Sent, int]] = []
    sent = send(X12, partner=_partner(theirs, url), our_keys=our_keys,
                before_post=lambda s: announced.append((s, len(received))))
    [(first, posted_before)] = announced
    assert posted_before == 0 and (first.message_id, first.mic) == (sent.message_id, sent.mic)
    assert sent.ok and sent.mdn_verdict == "verified" and sent.mdn_mic == f"{sent.mic}, sha256"
    assert sent.message_id.endswith(f"@{our_keys.domain}")  # ours, not the host's name


def test_negative_mdn_is_a_failure_and_its_text_is_kept(serve, theirs, ours,
                                                        our_keys: OurKeys) -> None:
    url = serve(partner_app(theirs, ours, [], fail=True))
    sent = send(X12, partner=_partner(theirs, url), our_keys=our_keys)
    assert not sent.ok and sent.mdn_status == "processed/Warning"
    assert sent.mdn_text is not None and "duplicate-document" in sent.mdn_text


@pytest.mark.parametrize("transport", ["rsaes_pkcs1v15", "rsaes_oaep", "rsaes_oaep_sha256"])
def test_key_transport_is_the_partners_choice(serve, theirs, ours, our_keys: OurKeys,
                                              transport: KeyTransport) -> None:
    received: Received = []
    url = serve(partner_app(theirs, ours, received))
    bodies: list[bytes] = []

    def recording(u: str, h: Sequence[tuple[str, str]], b: bytes, t: float) -> HttpResponse:
        bodies.append(b)
        return urllib_post(u, h, b, t)

    partner = _partner(theirs, url, key_encryption=transport)
    assert send(X12, partner=partner, our_keys=our_keys, post=recording).ok
    assert received[0][0].payload.get_payload(decode=True) == X12  # type: ignore[attr-defined]
    recipient = acms.ContentInfo.load(bodies[0])["content"]["recipient_infos"][0].chosen
    alg = recipient["key_encryption_algorithm"]
    assert alg["algorithm"].native == transport.removesuffix("_sha256")
    if transport == "rsaes_oaep_sha256":
        assert alg["parameters"]["hash_algorithm"]["algorithm"].native == "sha256"


def test_connection_errors_are_retried_with_backoff(serve, theirs, ours,
                                                    our_keys: OurKeys) -> None:
    url = serve(partner_app(theirs, ours, []))
    calls: list[str] = []
    sleeps: list[float] = []

    def flaky(u: str, h: Sequence[tuple[str, str]], b: bytes, t: float) -> HttpResponse:
        calls.append(u)
        if len(calls) < 3:
            raise ConnectionRefusedError("partner down")
        return urllib_post(u, h, b, t)

    sent = send(X12, partner=_partner(theirs, url), our_keys=our_keys, post=flaky,
                retry=Backoff(attempts=4, base=1.0), sleep=sleeps.append)
    assert sent.ok and sent.attempts == 3
    assert len(sleeps) == 2 and 0.5 <= sleeps[0] < sleeps[1]


def test_partner_down_raises_transport_error(theirs, our_keys: OurKeys) -> None:
    sleeps: list[float] = []
    with pytest.raises(TransportError, match="after 2 attempts"):
        send(X12, partner=_partner(theirs, "http://127.0.0.1:9/as2"), our_keys=our_keys,
             retry=Backoff(attempts=2), sleep=sleeps.append)
    assert len(sleeps) == 1


def test_async_mdn_for_what_we_sent_arrives_at_our_listener(serve, theirs, ours,
                                                             our_keys: OurKeys) -> None:
    received: Received = []
    partner_mdns: list[object] = []
    url = serve(partner_app(theirs, ours, received, async_mdns=partner_mdns))
    sent_by_id: dict[str, As2Sent] = {}
    ours_got: list[As2Sent] = []
    listener = serve(make_app(partners={PARTNER_ID: as2_partner(theirs)}, our_keys=our_keys,
                              on_message=lambda _m: None, find_sent=sent_by_id.get,
                              on_mdn=ours_got.append))
    partner = _partner(theirs, url, mdn="async", mdn_url=listener)
    sent = send(X12, partner=partner, our_keys=our_keys)
    assert sent.awaiting_mdn and not sent.ok
    sent_by_id[sent.message_id] = sent
    [mdn] = partner_mdns
    assert mdn.mdn_url == listener  # type: ignore[attr-defined]
    status, _, body = post(listener, mdn)
    assert (status, body) == (200, b"MDN received\n")
    [confirmed] = ours_got
    assert confirmed.ok and confirmed.mdn_status == "processed"
    assert (confirmed.message_id, confirmed.mic) == (sent.message_id, sent.mic)


def test_http_error_status_is_a_transport_error_without_retry(theirs, our_keys: OurKeys) -> None:
    calls: list[str] = []

    def refusing(u: str, h: Sequence[tuple[str, str]], b: bytes, t: float) -> HttpResponse:
        calls.append(u)
        return HttpResponse(503, (), b"maintenance")

    with pytest.raises(TransportError, match="HTTP 503: maintenance"):
        send(X12, partner=_partner(theirs, "http://partner.invalid/as2"), our_keys=our_keys,
             post=refusing)
    assert len(calls) == 1


def test_public_surface() -> None:
    import edigate.transport.as2

    assert all(hasattr(edigate.transport.as2, name) for name in edigate.transport.as2.__all__)
