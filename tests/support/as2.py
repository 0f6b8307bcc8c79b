"""AS2 test helpers: keys made at test time, pyas2lib as the partner (its messages, its
server), and a gateway workspace that speaks AS2 on loopback."""

from __future__ import annotations

import datetime as dt
import socket
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

import edigate.transport.as2  # noqa: F401,I001  (installs the oscrypto fix before pyas2lib is imported)
import pyas2lib  # noqa: E402
from edigate.config.channels import As2Channel
from edigate.gateway.scheduler import Gateway
from edigate.store import Status
from edigate.transport.as2 import As2Partner
from edigate.transport.as2.wsgi import request_headers
from tests.support.gateway import make_workspace
from tests.support.waiting import PATIENCE, wait_until

__all__ = ["FOLDER_OUT", "OUR_ID", "PARTNER_ID", "X12", "Pki", "Received", "as2_partner", "as2_workspace",
           "encrypted_key", "free_port", "make_pki", "partner_app", "partner_message", "post", "processed", "raw"]


OUR_ID = "EDIGATE"


PARTNER_ID = "BIGBOX AS2"


X12 = b"ISA*00*          *00*          *ZZ*BIGBOX         *ZZ*EDIGATE        *261126*0740*U*00401*000000001*0*P*>~\nGS*PO*BIGBOX*EDIGATE*20261126*0740*1*X*004010~\nST*850*0001~\nSE*2*0001~\nGE*1*1~\nIEA*1*000000001~\n"


@dataclass(frozen=True)
class Pki:
    key_pem: bytes
    cert_pem: bytes

    @property
    def pem(self) -> bytes:
        return self.cert_pem + self.key_pem


def make_pki(common_name: str) -> Pki:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    return Pki(key_pem, cert.public_bytes(serialization.Encoding.PEM))


def encrypted_key(pki: Pki, passphrase: bytes) -> bytes:
    """``pki``'s key as an encrypted PEM."""
    key = serialization.load_pem_private_key(pki.key_pem, None)
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.BestAvailableEncryption(passphrase))


def as2_partner(theirs: Pki, **channel: object) -> As2Partner:
    settings: dict[str, object] = {"partner_as2_id": PARTNER_ID, "partner_certificate": "x.pem",
                                   "compress": True, "url": None}
    settings.update(channel)
    return As2Partner(As2Channel(**settings), theirs.cert_pem, OUR_ID)  # type: ignore[arg-type]


def partner_message(theirs: Pki, ours: Pki, *, mdn_mode: str | None = "SYNC",
                    mdn_url: str | None = None, sign_with: Pki | None = None,
                    key_enc_alg: str = "rsaes_pkcs1v15", enc_alg: str = "aes_256_cbc",
                    encrypt_for: Pki | None = None, encrypt: bool = True) -> object:
    """The partner's side: pyas2lib signs, compresses and encrypts for us."""
    org = pyas2lib.Organization(as2_name=PARTNER_ID, sign_key=(sign_with or theirs).pem,
                                decrypt_key=theirs.pem, mdn_url=mdn_url)
    us = pyas2lib.Partner(as2_name=OUR_ID, verify_cert=ours.cert_pem,
                          encrypt_cert=(encrypt_for or ours).cert_pem, sign=True,
                          encrypt=encrypt, compress=True, enc_alg=enc_alg,
                          mdn_mode=mdn_mode, mdn_digest_alg="sha256", key_enc_alg=key_enc_alg)
    return pyas2lib.Message(sender=org, receiver=us)


def post(url: str, message: object) -> tuple[int, list[tuple[str, str]], bytes]:
    """POST a built pyas2lib message; return status, headers and body."""
    headers = {k: " ".join(v.split()) for k, v in message.headers.items()}  # type: ignore[attr-defined]
    request = urllib.request.Request(url, data=message.content, headers=headers, method="POST")  # type: ignore[attr-defined]
    with urllib.request.urlopen(request, timeout=PATIENCE) as resp:
        return resp.status, list(resp.headers.items()), resp.read()


def raw(headers: list[tuple[str, str]], body: bytes) -> bytes:
    return "".join(f"{k}: {v}\r\n" for k, v in headers).encode() + b"\r\n" + body


Received = list[tuple[object, str, object]]


def partner_app(theirs: Pki, ours: Pki, received: Received, *, tamper_mic: bool = False,
                fail: bool = False, async_mdns: list[object] | None = None,
                mdn_key: Pki | None = None, answered: list[int] | None = None,
                ) -> Callable[..., list[bytes]]:
    """The partner's AS2 server: pyas2lib parses what we send and answers with its MDN
    (signed with ``mdn_key`` if given). With ``answered``, an async MDN is posted back at
    once, before the partner answers our POST; its HTTP status goes to ``answered``."""
    org = pyas2lib.Organization(as2_name=PARTNER_ID, sign_key=(mdn_key or theirs).pem,
                                decrypt_key=theirs.pem)
    us = pyas2lib.Partner(as2_name=OUR_ID, verify_cert=ours.cert_pem, sign=True, encrypt=True,
                          compress=True)

    def app(environ, start_response):  # type: ignore[no-untyped-def]
        body = environ["wsgi.input"].read(int(environ["CONTENT_LENGTH"]))
        message = pyas2lib.Message()
        status, (exc, _), mdn = message.parse(
            raw(request_headers(environ), body), find_org_cb=lambda _o: org,
            find_partner_cb=lambda _p: us,
            find_message_cb=(lambda _m, _p: True) if fail else None)
        received.append((message, status, exc))
        if tamper_mic:
            message.mic = b"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
            mdn = pyas2lib.Mdn(mdn_mode="SYNC", digest_alg="sha256")
            mdn.build(message=message, status=status)
        if mdn.mdn_mode == "ASYNC" and answered is not None:
            answered.append(_post_status(mdn.mdn_url, mdn))
            start_response("200 OK", [("Content-Length", "0")])
            return [b""]
        if mdn.mdn_mode == "ASYNC":
            assert async_mdns is not None
            async_mdns.append(mdn)
            start_response("200 OK", [("Content-Length", "0")])
            return [b""]
        headers = [(k, " ".join(v.split())) for k, v in mdn.headers.items()]
        start_response("200 OK", headers)
        return [mdn.content]

    return app


def _post_status(url: str, message: object) -> int:
    try:
        return post(url, message)[0]
    except urllib.error.HTTPError as exc:
        exc.close()
        return exc.code


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def as2_workspace(root: Path, ours: Pki, theirs: Pki, *, outbound: str, inbound: str = "") -> Path:
    """``outbound``'s ``{listener}`` becomes the URL our listener will answer at."""
    root.mkdir(parents=True)
    (root / "ours.key").write_bytes(ours.key_pem)
    (root / "ours.pem").write_bytes(ours.cert_pem)
    (root / "theirs.pem").write_bytes(theirs.cert_pem)
    port = free_port()
    outbound = outbound.replace("{listener}", f"http://127.0.0.1:{port}/as2")
    channels = (f"  inbound:\n    type: as2\n    partner_as2_id: {PARTNER_ID}\n"
                f"    partner_certificate: theirs.pem\n{inbound}  outbound:\n{outbound}")
    as2 = (f"as2:\n  host: 127.0.0.1\n  port: {port}\n  as2_id: {OUR_ID}\n"
           f"  private_key: file:ours.key\n  certificate: ours.pem\n")
    return make_workspace(root, channels, edigate_yaml=as2)


FOLDER_OUT = "    type: folder\n    path: out\n"


def processed(gateway: Gateway, count: int) -> None:
    assert wait_until(lambda: len(gateway.store.transmissions(status=Status.DONE)) >= count), \
        "not processed in time"
