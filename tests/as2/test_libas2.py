"""AS2 against an implementation in another language: libas2 (TypeScript on Node.js), driven by
``tests/as2/node/peer.js`` over loopback HTTP. It sends a signed, encrypted message to
edigate's gateway and verifies our signed MDN; and it receives what we send, answering with
its own signed MDN. Installed by ``.ci/run`` (npm ci in tests/as2/node)."""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from edigate.transport.as2 import As2Partner, OurKeys, send
from edigate.store import EventKind
from tests.support.as2 import FOLDER_OUT, OUR_ID, PARTNER_ID, Pki, as2_partner, processed
from tests.support.gateway import po_file

NODE_DIR = Path(__file__).parent / "node"
PEER = NODE_DIR / "peer.js"

if shutil.which("node") is None:
    pytest.skip("node is not installed (.ci/run installs nodejs and npm)", allow_module_level=True)
if not (NODE_DIR / "node_modules" / "libas2").is_dir():
    pytest.skip("libas2 is not installed: run `npm ci --prefix tests/as2/node` (.ci/run does)",
                allow_module_level=True)


def _job(tmp_path: Path, **job: Any) -> Path:
    path = tmp_path / f"job-{job['mode']}.json"
    path.write_text(json.dumps(job))
    return path


def _keys(theirs: Pki, ours: Pki) -> dict[str, str]:
    return {"partnerId": PARTNER_ID, "ourId": OUR_ID, "key": theirs.key_pem.decode(),
            "cert": theirs.cert_pem.decode(), "edigateCert": ours.cert_pem.decode()}


def _lines(out: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def test_a_libas2_partner_sends_and_verifies_our_signed_mdn(started, ours: Pki, theirs: Pki,
                                                            tmp_path: Path) -> None:
    gateway, url = started(FOLDER_OUT)
    job = _job(tmp_path, mode="send", url=url, filename="po21.edi",
               payload=base64.b64encode(po_file(21)).decode(), **_keys(theirs, ours))
    done = subprocess.run(["node", str(PEER), str(job)], capture_output=True, text=True,
                          timeout=120, check=False)
    [result] = _lines(done.stdout)
    assert done.returncode == 0, done.stdout + done.stderr
    assert result["status"] == 200
    mdn = result["mdn"]
    assert mdn["verified"] and mdn["processed"], mdn
    assert mdn["originalMessageId"].strip("<>") == result["messageId"].strip("<>")
    assert mdn["reportingUa"].startswith("edigate/")
    [tx] = gateway.store.transmissions()
    assert (tx.partner, tx.channel, tx.file_name) == ("bigbox", "as2", "po21.edi")
    assert gateway.pipeline.archive.get(tx.sha256) == po_file(21)
    assert [e.code for e in gateway.store.events(kind=EventKind.CHANNEL)] == ["as2.received"]
    processed(gateway, 1)


@pytest.fixture
def libas2_receiver(ours: Pki, theirs: Pki, tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """libas2 serving on loopback; the URL and the process (its stdout: one JSON per message)."""
    job = _job(tmp_path, mode="serve", signMdn=False, **_keys(theirs, ours))
    with (tmp_path / "peer.stderr").open("w") as errors, subprocess.Popen(
            ["node", str(PEER), str(job)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=errors, text=True) as peer:
        assert peer.stdout is not None and peer.stdin is not None
        try:
            first = json.loads(peer.stdout.readline() or "{}")
            assert "port" in first, first
            yield f"http://127.0.0.1:{first['port']}/as2", peer
        finally:
            peer.stdin.close()
            peer.wait(30)


def test_we_send_to_a_libas2_receiver_and_it_confirms_our_mic(libas2_receiver, our_keys: OurKeys,
                                                              theirs: Pki) -> None:
    """libas2 0.8.2 has no compression; on Node 20 it cannot unwrap a PKCS#1 v1.5 key
    (CVE-2023-46809) and it reads a binary body as text, so this partner is set up as such
    a partner would be: OAEP, base64. Its MDN signatures fail OpenSSL's check as well as ours,
    so its receipts are taken unsigned (``mdn_signed: false``)."""
    url, peer = libas2_receiver
    partner: As2Partner = as2_partner(theirs, url=url, compress=False, key_encryption="rsaes_oaep",
                                      transfer_encoding="base64", mdn_signed=False)
    sent = send(po_file(22), partner=partner, our_keys=our_keys, filename="855-22.x12")
    assert sent.ok, sent.disposition
    assert (sent.mdn_status, sent.mdn_verdict) == ("processed", "verified")
    assert sent.mdn_mic == f"{sent.mic}, SHA-256"  # it hashed exactly what we signed
    assert sent.mdn_raw is not None and sent.mdn_message_id
    assert peer.stdout is not None
    got = json.loads(peer.stdout.readline())["received"]
    assert base64.b64decode(got["payload"]).rstrip(b"\r\n") == po_file(22).rstrip(b"\r\n")
    assert got["messageId"].strip("<>") == sent.message_id
