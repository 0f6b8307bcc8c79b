"""Receiving over real HTTP on loopback, with pyas2lib building the partner's messages."""

from __future__ import annotations

import dataclasses
import urllib.error
from collections.abc import Callable

import pyas2lib
import pytest

from edigate.transport.as2 import As2Inbound, MdnReply, OurKeys, make_app
from tests.support.as2 import (
    OUR_ID,
    PARTNER_ID,
    X12,
    Pki,
    as2_partner,
    make_pki,
    partner_message,
    post,
    raw,
)
from tests.support.waiting import PATIENCE


def _listener(serve: Callable[[object], str], theirs: Pki, our_keys: OurKeys,
              seen: set[str] | None = None) -> tuple[str, list[As2Inbound]]:
    got: list[As2Inbound] = []
    app = make_app(partners={PARTNER_ID: as2_partner(theirs)}, our_keys=our_keys,
                   on_message=got.append,
                   is_duplicate=None if seen is None else lambda mid, _p: mid in seen)
    return serve(app), got


def _mdn_status(message: object, headers: list[tuple[str, str]], body: bytes) -> tuple[str, str]:
    mdn = pyas2lib.Mdn()
    return mdn.parse(raw(headers, body), find_message_cb=lambda _m, _r: message)  # type: ignore[no-any-return]


def test_signed_encrypted_compressed_in_with_sync_mdn(serve, theirs, ours, our_keys) -> None:
    url, got = _listener(serve, theirs, our_keys)
    message = partner_message(theirs, ours)
    message.build(X12, filename="po.edi", content_type="application/edi-x12")
    status, headers, body = post(url, message)
    assert status == 200
    [inbound] = got
    assert inbound.ok, inbound.error
    assert inbound.payload == X12  # bare LF kept, bytes exact
    assert (inbound.partner_as2_id, inbound.filename) == (PARTNER_ID, "po.edi")
    assert inbound.message_id == message.message_id
    assert inbound.mic == message.mic.decode()
    assert _mdn_status(message, headers, body) == ("processed", None)


def _async_listener(serve: Callable[[object], str], theirs: Pki, our_keys: OurKeys,
                    **channel: object) -> tuple[str, list[MdnReply]]:
    queued: list[MdnReply] = []
    app = make_app(partners={PARTNER_ID: as2_partner(theirs, **channel)}, our_keys=our_keys,
                   on_message=lambda _inbound: None, queue_mdn=lambda _i, mdn: queued.append(mdn))
    return serve(app), queued


ASKED = "http://127.0.0.1:9/asked"


@pytest.mark.parametrize(("channel", "goes_to"), [
    ({"url": "http://127.0.0.1:9/as2"}, "http://127.0.0.1:9/as2"),
    ({"url": "http://127.0.0.1:9/as2", "receipt_url": "http://127.0.0.1:9/mdn"}, "http://127.0.0.1:9/mdn"),
    ({"receipt_url": "http://127.0.0.1:9/mdn", "use_requested_receipt_url": True}, ASKED),
])
def test_an_async_mdn_is_queued_for_the_url_the_partners_settings_allow(
        serve, theirs, ours, our_keys, channel: dict[str, object], goes_to: str) -> None:
    url, queued = _async_listener(serve, theirs, our_keys, **channel)
    message = partner_message(theirs, ours, mdn_mode="ASYNC", mdn_url=ASKED)
    message.build(X12, content_type="application/edi-x12")
    assert post(url, message)[::2] == (200, b"received\n")
    [mdn] = queued
    assert mdn.url == goes_to
    assert _mdn_status(message, list(mdn.headers), mdn.body) == ("processed", None)


def test_a_message_that_does_not_verify_gets_no_async_mdn(serve, theirs, ours, our_keys) -> None:
    url, queued = _async_listener(serve, theirs, our_keys, use_requested_receipt_url=True,
                                  url="http://127.0.0.1:9/as2")
    message = partner_message(theirs, ours, mdn_mode="ASYNC", mdn_url=ASKED,
                              sign_with=make_pki("impostor"))
    message.build(X12, content_type="application/edi-x12")
    with pytest.raises(urllib.error.HTTPError) as refused:
        post(url, message)
    refused.value.close()
    assert refused.value.code == 400 and queued == []  # no receipt anywhere, no "received"


def test_our_mdn_speaks_in_edigates_name_and_domain(serve, theirs, ours, our_keys) -> None:
    keys = dataclasses.replace(our_keys, domain="as2.example.com")
    url, _ = _listener(serve, theirs, keys)
    message = partner_message(theirs, ours)
    message.build(X12, content_type="application/edi-x12")
    _, headers, body = post(url, message)
    head = {k.lower(): v for k, v in headers}
    assert head["message-id"].endswith("@as2.example.com>") and head["user-agent"].startswith("edigate/")
    assert b"Reporting-UA: edigate/" in body and b"pyAS2" not in body and b"pyas2" not in body.lower()
    assert _mdn_status(message, headers, body) == ("processed", None)


def test_bad_signature_gets_a_negative_mdn(serve, theirs, ours, our_keys) -> None:
    url, got = _listener(serve, theirs, our_keys)
    message = partner_message(theirs, ours, sign_with=make_pki("impostor"))
    message.build(X12, content_type="application/edi-x12")
    status, headers, body = post(url, message)
    assert status == 200
    [inbound] = got
    assert not inbound.ok and inbound.payload is None
    assert inbound.disposition == "processed/Error: authentication-failed"
    mdn_status, detail = _mdn_status(message, headers, body)
    assert (mdn_status, detail) == ("processed/Error", "authentication-failed")


def test_duplicate_message_id_is_detected(serve, theirs, ours, our_keys) -> None:
    seen: set[str] = set()
    url, got = _listener(serve, theirs, our_keys, seen)
    message = partner_message(theirs, ours)
    message.build(X12, content_type="application/edi-x12")
    post(url, message)
    seen.add(got[0].message_id)
    _, headers, body = post(url, message)
    first, second = got
    assert first.ok and not first.duplicate
    assert second.duplicate and not second.ok
    assert second.disposition == "processed/Warning: duplicate-document"
    assert _mdn_status(message, headers, body)[0] == "processed/Warning"


def test_unknown_partner_or_wrong_recipient_is_refused(theirs, ours, our_keys) -> None:
    from edigate.transport.as2 import receive

    message = partner_message(theirs, ours)
    message.build(X12, content_type="application/edi-x12")
    headers = [(k, " ".join(v.split())) for k, v in message.headers.items()]
    inbound = receive(headers, message.content, partners={}, our_keys=our_keys)
    assert not inbound.ok
    assert inbound.disposition == "processed/Error: unknown-trading-partner"
    other = OurKeys("SOMEONE ELSE", our_keys.key_pem, our_keys.cert_pem)
    assert OUR_ID != other.as2_id
    inbound = receive(headers, message.content,
                      partners={PARTNER_ID: as2_partner(theirs)}, our_keys=other)
    assert inbound.disposition == "processed/Error: unknown-trading-partner"


def test_listener_answers_get_with_405_and_a_storage_failure_with_500(
        serve, theirs, ours, our_keys) -> None:
    import urllib.error
    import urllib.request

    def broken_store(_inbound: As2Inbound) -> None:
        raise RuntimeError("database down")

    url = serve(make_app(partners={PARTNER_ID: as2_partner(theirs)}, our_keys=our_keys,
                         on_message=broken_store))
    with pytest.raises(urllib.error.HTTPError) as got:
        urllib.request.urlopen(url, timeout=PATIENCE)
    got.value.close()
    assert got.value.code == 405
    message = partner_message(theirs, ours)
    message.build(X12, content_type="application/edi-x12")
    with pytest.raises(urllib.error.HTTPError) as got:
        post(url, message)
    got.value.close()
    assert got.value.code == 500  # no MDN: the sender will retry
