"""AS2 fixtures: keys made at test time, waitress on loopback, pyas2lib as the partner."""

from __future__ import annotations

import datetime as dt
import threading
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

import edigate.transport.as2  # noqa: F401  (installs the oscrypto fix before pyas2lib is imported)
from edigate.transport.as2 import As2Partner, OurKeys
from edigate.config.channels import As2Channel

waitress = pytest.importorskip("waitress")
pyas2lib = pytest.importorskip("pyas2lib")

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


@pytest.fixture(scope="session")
def ours() -> Pki:
    return make_pki("edigate test")


@pytest.fixture(scope="session")
def theirs() -> Pki:
    return make_pki("bigbox test")


@pytest.fixture(scope="session")
def our_keys(ours: Pki) -> OurKeys:
    return OurKeys(OUR_ID, ours.key_pem, ours.cert_pem)


def as2_partner(theirs: Pki, **channel: object) -> As2Partner:
    settings: dict[str, object] = {"partner_as2_id": PARTNER_ID, "partner_certificate": "x.pem",
                                   "compress": True, "url": None}
    settings.update(channel)
    return As2Partner(As2Channel(**settings), theirs.cert_pem, OUR_ID)  # type: ignore[arg-type]


@pytest.fixture
def serve() -> Iterator[Callable[[object], str]]:
    """Start a WSGI app with waitress on a free loopback port; every one stops at teardown."""
    running: list[tuple[object, threading.Thread]] = []

    def start(app: object) -> str:
        server = waitress.create_server(app, host="127.0.0.1", port=0,
                                        asyncore_loop_timeout=0.05, threads=2)
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        running.append((server, thread))
        return f"http://127.0.0.1:{server.effective_port}/as2"

    yield start
    for server, thread in running:
        try:
            server.trigger.pull_trigger(lambda s=server: _close_all(s))  # type: ignore[attr-defined]
        except OSError:  # its trigger is closed already: close what is left from here
            _close_all(server)
        thread.join(5)
        server.task_dispatcher.shutdown()  # type: ignore[attr-defined]
        assert not thread.is_alive(), "waitress did not stop"


def _close_all(server: object) -> None:
    """Run inside waitress's loop thread: close every socket, so its loop returns."""
    for channel in list(server._map.values()):  # type: ignore[attr-defined]
        channel.close()


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
    with urllib.request.urlopen(request, timeout=10) as resp:
        return resp.status, list(resp.headers.items()), resp.read()


def raw(headers: list[tuple[str, str]], body: bytes) -> bytes:
    return "".join(f"{k}: {v}\r\n" for k, v in headers).encode() + b"\r\n" + body
