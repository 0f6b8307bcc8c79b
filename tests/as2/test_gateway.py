"""AS2 in ``edigate run``: the gateway's listener over real HTTP on loopback, pyas2lib as the
partner; messages become transmissions, answers go back through the AS2 channel."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import queue
import re
import threading
import urllib.error
from pathlib import Path

import pyas2lib
import pytest
import waitress

from edigate.stages import receipts
from edigate.gateway.listener import MDN_ATTEMPTS, deliver_mdns
from edigate.cli.main import main
from edigate.errors import ConfigError
from edigate.transport.as2.wsgi import request_headers
from edigate.stages.pipeline import Pipeline
from edigate.gateway.scheduler import Gateway
from edigate.store import EventKind, Transmission
from edigate.transport import Backoff
from tests.support.as2 import (
    FOLDER_OUT, PARTNER_ID, Pki, Received, as2_workspace, encrypted_key, free_port, make_pki, partner_app, partner_message,
    post, processed, raw,
)
from tests.support.gateway import REPO, open_pipeline, po_file


def _mdn(message: object, headers: list[tuple[str, str]], body: bytes) -> tuple[str, str | None]:
    return pyas2lib.Mdn().parse(raw(headers, body), find_message_cb=lambda _m, _r: message)  # type: ignore[no-any-return]


def test_a_message_becomes_one_transmission_and_a_duplicate_none(started, ours, theirs) -> None:
    gateway, url = started(FOLDER_OUT)
    pipeline: Pipeline = gateway.pipeline
    message = partner_message(theirs, ours)
    message.build(po_file(7), filename="po7.edi", content_type="application/edi-x12")
    status, headers, body = post(url, message)
    assert status == 200 and _mdn(message, headers, body) == ("processed", None)
    [tx] = pipeline.store.transmissions()
    assert (tx.partner, tx.channel, tx.file_name) == ("bigbox", "as2", "po7.edi")
    assert pipeline.archive.get(tx.sha256) == po_file(7)
    status, headers, body = post(url, message)  # the partner sends the same Message-ID again
    assert status == 200
    mdn_status, detail = _mdn(message, headers, body)
    assert mdn_status == "processed/Warning" and "duplicate-document" in (detail or "")
    assert len(pipeline.store.transmissions()) == 1
    assert [e.code for e in pipeline.store.events(kind=EventKind.CHANNEL)] == ["as2.duplicate", "as2.received"]
    processed(gateway, 1)  # the listener woke the processing job


def test_a_bad_signature_gets_a_negative_mdn_and_no_transmission(started, ours, theirs) -> None:
    gateway, url = started(FOLDER_OUT)
    message = partner_message(theirs, ours, sign_with=make_pki("impostor"))
    message.build(po_file(8), content_type="application/edi-x12")
    status, headers, body = post(url, message)
    assert status == 200
    mdn_status, detail = _mdn(message, headers, body)
    assert mdn_status == "processed/Error" and "authentication-failed" in (detail or "")
    assert gateway.store.transmissions() == []
    [event] = gateway.store.events(kind=EventKind.CHANNEL)
    assert event.code == "as2.rejected" and event.partner == "bigbox" and message.message_id in event.message


def _answered_over_as2(started, partner_url: str, ours: Pki, theirs: Pki, n: int,  # type: ignore[no-untyped-def]
                       channel: str) -> tuple[Gateway, str, Transmission]:
    """A gateway whose answers go back over AS2 (``channel``: settings beyond id, certificate
    and URL), after the partner posted PO file ``n`` and it was processed."""
    outbound = (f"    type: as2\n    partner_as2_id: {PARTNER_ID}\n    partner_certificate: theirs.pem\n"
                f"    url: {partner_url}\n{channel}")
    gateway, url = started(outbound)
    message = partner_message(theirs, ours)
    message.build(po_file(n), filename=f"po{n}.edi", content_type="application/edi-x12")
    assert post(url, message)[0] == 200
    processed(gateway, 1)
    [tx] = gateway.store.transmissions()
    return gateway, url, tx


@pytest.mark.parametrize("key_encryption", ["rsaes_pkcs1v15", "rsaes_oaep", "rsaes_oaep_sha256"])
def test_answers_go_back_over_as2_with_the_partners_key_transport(
        started, serve, ours, theirs, key_encryption: str) -> None:
    received: Received = []
    gateway, _, tx = _answered_over_as2(started, serve(partner_app(theirs, ours, received)), ours, theirs, 9,
                                        f"    compress: true\n    key_encryption: {key_encryption}\n")
    outputs = gateway.store.outbounds(tx.id)
    assert {o.set_id for o in outputs} == {"997", "855"} and all(o.sent_at for o in outputs)
    got = sorted(m.payload.get_payload(decode=True) for m, status, exc in received)  # type: ignore[attr-defined]
    assert all(status == "processed" for _, status, _ in received)
    assert got == sorted(gateway.pipeline.archive.get(o.sha256) for o in outputs)


def test_async_mdns_for_our_answers_are_matched_and_a_failed_one_is_logged(started, serve, ours,
                                                                            theirs) -> None:
    received: Received = []
    mdns: list[object] = []
    gateway, url, tx = _answered_over_as2(started, serve(partner_app(theirs, ours, received, async_mdns=mdns)),
                                          ours, theirs, 10, "    mdn: async\n    mdn_url: \"{listener}\"\n")
    outputs = gateway.store.outbounds(tx.id)
    awaited = gateway.store.awaiting_mdns()
    assert len(mdns) == len(awaited) == len(outputs) == 3  # a 997 and two 855s, all sent, none confirmed
    assert sorted(m.outbound_id for m in awaited) == sorted(o.id for o in outputs)  # type: ignore[misc]
    assert all(o.sent_at for o in outputs)

    for mdn in mdns[:2]:
        assert post(url, mdn)[:3:2] == (200, b"MDN received\n")
    failing_message = next(m for m, _, _ in received if m.message_id == awaited[2].message_id)  # type: ignore[attr-defined]
    failing = pyas2lib.Mdn(mdn_mode="ASYNC", digest_alg="sha256")
    failing.build(message=failing_message, status="processed/Error", detailed_status="unexpected-processing-error")
    assert post(url, failing)[0] == 200

    assert gateway.store.awaiting_mdns() == []
    verdicts = {m.outbound_id: m for m in (gateway.store.as2_message(a.message_id) for a in awaited) if m}
    assert [verdicts[a.outbound_id].ok for a in awaited] == [True, True, False]
    [failed] = gateway.store.events(kind=EventKind.CHANNEL, code="as2.mdn_failed")
    assert failed.transmission_id == tx.id and "unexpected-processing-error" in failed.message
    assert len(gateway.store.events(kind=EventKind.CHANNEL, code="as2.mdn")) == 2
    [error] = [e for e in gateway.store.errors(tx.id) if e.code == "as2.mdn_failed"]
    assert awaited[2].message_id in error.message

    failing_message.message_id = "<never-sent@edigate>"  # type: ignore[attr-defined]
    stranger = pyas2lib.Mdn(mdn_mode="ASYNC", digest_alg="sha256")
    stranger.build(message=failing_message, status="processed")
    with pytest.raises(urllib.error.HTTPError) as refused:
        post(url, stranger)
    refused.value.close()
    assert refused.value.code == 404
    assert len(gateway.store.events(kind=EventKind.CHANNEL, code="as2.mdn")) == 2


def test_partner_down_then_up_every_answer_arrives_once(started, ours, theirs) -> None:
    received: Received = []
    port = free_port()
    outbound = (f"    type: as2\n    partner_as2_id: {PARTNER_ID}\n    partner_certificate: theirs.pem\n"
                f"    url: http://127.0.0.1:{port}/as2\n    compress: true\n")
    gateway, url = started(outbound)
    gateway.pipeline.channel_options = dataclasses.replace(gateway.pipeline.channel_options,
                                                           retry=Backoff(attempts=2, base=0.05, cap=0.1))
    message = partner_message(theirs, ours)
    message.build(po_file(11), filename="po11.edi", content_type="application/edi-x12")
    assert post(url, message)[0] == 200
    processed(gateway, 1)  # the partner's server is down: the answers stay queued
    [tx] = gateway.store.transmissions()
    assert {o.set_id for o in gateway.store.unsent_outbounds()} == {"997", "855"}
    tried = receipts.by_output(gateway.store, gateway.store.outbounds(tx.id)).values()
    assert {(m.mdn_verdict, m.mdn_status) for m in tried} == {("undelivered", "failed")}
    assert gateway.store.awaiting_mdns() == []  # nothing to wait for: it never arrived
    server = waitress.create_server(partner_app(theirs, ours, received), host="127.0.0.1", port=port,
                                    asyncore_loop_timeout=0.05, threads=2)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        assert gateway.retry_sends(older_than=dt.timedelta(0)) == 3
        assert gateway.retry_sends(older_than=dt.timedelta(0)) == 0
    finally:
        server.trigger.pull_trigger(lambda: [c.close() for c in list(server._map.values())])
        thread.join(5)
        server.task_dispatcher.shutdown()
    got = sorted(m.payload.get_payload(decode=True) for m, _, _ in received)  # type: ignore[attr-defined]
    assert got == sorted(gateway.pipeline.archive.get(o.sha256) for o in gateway.store.outbounds(tx.id))
    kept = receipts.by_output(gateway.store, gateway.store.outbounds(tx.id)).values()
    assert {m.mdn_verdict for m in kept} == {"verified"}


def test_an_async_mdn_posted_before_our_send_returns_is_matched(started, serve, ours, theirs) -> None:
    received: Received = []
    answered: list[int] = []
    gateway, _, tx = _answered_over_as2(
        started, serve(partner_app(theirs, ours, received, answered=answered)), ours, theirs, 12,
        "    mdn: async\n    mdn_url: \"{listener}\"\n")
    outputs = gateway.store.outbounds(tx.id)
    assert answered == [200, 200, 200]  # each MDN came while our POST was still open
    assert gateway.store.awaiting_mdns() == []
    kept = receipts.by_output(gateway.store, outputs)
    assert sorted(kept) == sorted(o.id for o in outputs)
    for message in kept.values():
        assert (message.mdn_mode, message.mdn_status, message.mdn_verdict) == ("async", "processed", "verified")
        assert message.mdn_message_id and gateway.pipeline.archive.get(message.mdn_sha256 or "")


def test_sync_mdns_are_kept_with_verdict_mic_and_bytes(started, serve, ours, theirs) -> None:
    gateway, _, tx = _answered_over_as2(started, serve(partner_app(theirs, ours, [])), ours, theirs, 13, "")
    outputs = gateway.store.outbounds(tx.id)
    kept = receipts.by_output(gateway.store, outputs)
    assert len({o.sha256 for o in outputs}) == len(kept)  # one AS2 message per file sent
    for message in kept.values():
        assert (message.mdn_mode, message.mdn_status, message.mdn_verdict) == ("sync", "processed", "verified")
        assert message.mdn_mic == f"{message.mic}, sha256"
        raw_mdn = gateway.pipeline.archive.get(message.mdn_sha256 or "")
        assert message.message_id.encode() in raw_mdn and b"multipart/signed" in raw_mdn
    assert gateway.store.awaiting_mdns() == []


def test_tx_show_and_orders_show_print_each_outputs_receipt(started, serve, ours, theirs, capsys,
                                                            monkeypatch) -> None:
    gateway, _, tx = _answered_over_as2(started, serve(partner_app(theirs, ours, [])), ours, theirs, 18, "")
    monkeypatch.chdir(gateway.pipeline.workspace.root)
    kept = receipts.by_output(gateway.store, gateway.store.outbounds(tx.id))
    assert main(["tx", "show", str(tx.id)]) == 0
    shown = [line for line in capsys.readouterr().out.splitlines() if line.strip().startswith("output")]
    assert len(shown) == len(gateway.store.outbounds(tx.id))
    assert all("; AS2 " in line and ": sync MDN processed at " in line for line in shown)
    assert main(["tx", "show", str(tx.id), "--json"]) == 0
    outputs = json.loads(capsys.readouterr().out)["outputs"]
    assert {o["receipt"]["message_id"] for o in outputs} == {m.message_id for m in kept.values()}
    assert {o["receipt"]["mdn_verdict"] for o in outputs} == {"verified"}
    [order] = gateway.store.documents(transmission_id=tx.id)[:1]
    assert main(["orders", "show", str(order.id), "--json"]) == 0
    chain = json.loads(capsys.readouterr().out)
    assert [o["receipt"]["mdn_status"] for o in chain["outbounds"] if o["set_id"] == "855"] == ["processed"]


def test_an_mdn_with_a_bad_signature_is_logged_as_such(started, serve, ours, theirs) -> None:
    gateway, _, tx = _answered_over_as2(
        started, serve(partner_app(theirs, ours, [], mdn_key=make_pki("impostor"))), ours, theirs, 14, "")
    [message] = receipts.by_output(gateway.store, gateway.store.outbounds(tx.id)).values()
    assert (message.mdn_verdict, message.mdn_status) == ("signature-failed", "failed")
    [error] = [e for e in gateway.store.errors(tx.id) if e.code == "as2.mdn_failed"]
    assert "signature does not verify" in error.message and "did not process" not in error.message
    assert "certificate" in (error.hint or "")
    assert {o.sent_at for o in gateway.store.outbounds(tx.id)} == {None}  # still queued


Arrived = queue.Queue[tuple[list[tuple[str, str]], bytes]]


def _sink(arrived: Arrived):  # type: ignore[no-untyped-def]
    def app(environ, start_response):  # type: ignore[no-untyped-def]
        arrived.put((request_headers(environ), environ["wsgi.input"].read(int(environ["CONTENT_LENGTH"]))))
        start_response("200 OK", [("Content-Length", "0")])
        return [b""]
    return app


def test_async_mdns_we_owe_go_through_the_outbox_to_the_configured_url(started, serve, ours,
                                                                       theirs) -> None:
    arrived: Arrived = queue.Queue()
    asked: Arrived = queue.Queue()
    asked_url = serve(_sink(asked))
    gateway, url = started(FOLDER_OUT, inbound=f"    receipt_url: {serve(_sink(arrived))}\n")
    threads = threading.active_count()
    messages = {}
    for n in (15, 16, 17):
        message = partner_message(theirs, ours, mdn_mode="ASYNC", mdn_url=asked_url)
        message.build(po_file(n), content_type="application/edi-x12")
        assert post(url, message)[::2] == (200, b"received\n")
        messages[message.message_id] = message
    assert threading.active_count() <= threads + gateway.threads  # the job pool's; none per request
    for _ in range(len(messages)):
        headers, delivered = arrived.get(timeout=60)  # the scheduler's outbox job posts it
        assert b"Reporting-UA: edigate" in delivered
        [message_id] = [m for m in messages if m.encode() in delivered]
        assert _mdn(messages.pop(message_id), headers, delivered) == ("processed", None)
    assert asked.empty()


def test_async_mdns_are_retried_a_bounded_number_of_times(started) -> None:
    gateway, _ = started(FOLDER_OUT)
    store = gateway.store
    down = f"http://127.0.0.1:{free_port()}/mdn"
    store.queue_mdn(partner="bigbox", original_message_id="m1@x", url=down,
                    headers=(("AS2-To", "x"),), body=b"mdn")
    now = dt.datetime.now(dt.UTC)
    for _ in range(MDN_ATTEMPTS):
        assert deliver_mdns(store, now=now) == 0
        now += dt.timedelta(hours=1)
    assert store.due_mdns(now=now + dt.timedelta(days=1)) == []  # given up
    [gave_up] = store.events(kind=EventKind.CHANNEL, code="as2.mdn_undelivered")
    assert down in gave_up.message and f"after {MDN_ATTEMPTS} attempts" in gave_up.message


def test_a_bad_key_passphrase_stops_the_gateway_at_start(tmp_path: Path, ours: Pki, theirs: Pki) -> None:
    root = as2_workspace(tmp_path / "ws", ours, theirs, outbound=FOLDER_OUT)
    with (root / "edigate.yaml").open("a") as f:
        f.write("  key_passphrase: env:EDIGATE_TEST_NO_SUCH_PASSPHRASE\n")
    (root / "ours.key").write_bytes(encrypted_key(ours, b"right"))
    pipeline = open_pipeline(root)
    try:
        os.environ["EDIGATE_TEST_NO_SUCH_PASSPHRASE"] = "wrong"
        with pytest.raises(ConfigError, match="as2.key_passphrase is wrong"):
            Gateway(pipeline, settle_seconds=0).start()
    finally:
        os.environ.pop("EDIGATE_TEST_NO_SUCH_PASSPHRASE", None)
        pipeline.store.close()


def test_an_as2_id_several_partners_share_sends_each_file_to_its_envelopes_partner(tmp_path, ours,
                                                                                     theirs) -> None:
    root = as2_workspace(tmp_path / "ws", ours, theirs, outbound=FOLDER_OUT)
    hub = (f"channels:\n  inbound:\n    type: as2\n    partner_as2_id: {PARTNER_ID}\n"
           "    partner_certificate: theirs.pem\n  outbound:\n    type: folder\n    path: out\n")
    distrib = re.sub(r"^channels:\n(?:  .*\n)+", lambda _m: hub, (REPO / "partners" / "distrib.yaml").read_text(),
                     flags=re.M)
    (root / "partners" / "distrib.yaml").write_text(distrib)
    gateway = Gateway(open_pipeline(root), settle_seconds=0)
    gateway.start()
    try:
        assert gateway.listener is not None
        url = f"http://127.0.0.1:{gateway.listener.port}/as2"
        for n, data in enumerate((po_file(12), (REPO / "samples" / "x12" / "distrib-850-5010.x12").read_bytes())):
            message = partner_message(theirs, ours)
            message.build(data, filename=f"po{n}.edi", content_type="application/edi-x12")
            assert post(url, message)[0] == 200
        assert sorted(t.partner for t in gateway.store.transmissions()) == ["bigbox", "distrib"]
    finally:
        gateway.stop()
        gateway.store.close()
