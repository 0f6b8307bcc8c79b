"""Where partners' AS2 software differs: OAEP with SHA-256, base64 parts, 3DES, bare LF."""

from __future__ import annotations

import base64
import hashlib
import os

import pyas2lib
import pyas2lib.utils
from asn1crypto import algos
from asn1crypto import cms as acms
from asn1crypto import x509 as ax509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, padding, serialization
from cryptography.hazmat.primitives.asymmetric.padding import MGF1, OAEP
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.serialization import pkcs7

from edigate.transport.as2 import OurKeys, receive
from tests.support.as2 import (
    OUR_ID,
    PARTNER_ID,
    X12,
    Pki,
    as2_partner,
    make_pki,
    partner_message,
    raw,
)


def envelope_oaep_sha256(content: bytes, cert_pem: bytes) -> bytes:
    """CMS EnvelopedData as IBM Sterling sends it: AES-256-CBC, RSA-OAEP with SHA-256."""
    cert = x509.load_pem_x509_certificate(cert_pem)
    key, iv = os.urandom(32), os.urandom(16)
    padder = padding.PKCS7(128).padder()
    encryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    data = encryptor.update(padder.update(content) + padder.finalize()) + encryptor.finalize()
    wrapped = cert.public_key().encrypt(  # type: ignore[union-attr]
        key, OAEP(mgf=MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None))
    acert = ax509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))
    oaep = algos.RSAESOAEPParams({
        "hash_algorithm": {"algorithm": "sha256"},
        "mask_gen_algorithm": {"algorithm": "mgf1", "parameters": {"algorithm": "sha256"}}})
    recipient = acms.KeyTransRecipientInfo({
        "version": "v0",
        "rid": acms.RecipientIdentifier(
            name="issuer_and_serial_number",
            value={"issuer": acert.issuer, "serial_number": acert.serial_number}),
        "key_encryption_algorithm": {"algorithm": "rsaes_oaep", "parameters": oaep},
        "encrypted_key": wrapped})
    enveloped = acms.EnvelopedData({
        "version": "v0",
        "recipient_infos": [acms.RecipientInfo(name="ktri", value=recipient)],
        "encrypted_content_info": {
            "content_type": "data",
            "content_encryption_algorithm": {"algorithm": "aes256_cbc", "parameters": iv},
            "encrypted_content": data}})
    return acms.ContentInfo({"content_type": "enveloped_data", "content": enveloped}).dump()


def _headers(message: object) -> list[tuple[str, str]]:
    return [(k, " ".join(v.split())) for k, v in message.headers.items()]  # type: ignore[attr-defined]


def _mdn_status(message: object, inbound_mdn: object) -> tuple[str, str | None]:
    mdn = pyas2lib.Mdn()
    body = raw(list(inbound_mdn.headers), inbound_mdn.body)  # type: ignore[attr-defined]
    return mdn.parse(body, find_message_cb=lambda _m, _r: message)  # type: ignore[no-any-return]


def test_rsa_oaep_sha256_is_decrypted(theirs: Pki, ours: Pki, our_keys: OurKeys) -> None:
    message = partner_message(theirs, ours, encrypt=False)
    message.build(X12, content_type="application/edi-x12")
    signed = pyas2lib.utils.mime_to_bytes(message.payload)  # type: ignore[attr-defined]
    headers = [(k, v) for k, v in _headers(message) if k.lower() != "content-type"]
    headers.append(("Content-Type", ("application/pkcs7-mime; smime-type=enveloped-data; "
                                    "name=smime.p7m")))
    inbound = receive(headers, envelope_oaep_sha256(signed, ours.cert_pem),
                      partners={PARTNER_ID: as2_partner(theirs)}, our_keys=our_keys)
    assert inbound.ok, inbound.error
    assert inbound.payload == X12
    assert _mdn_status(message, inbound.mdn) == ("processed", None)


def test_tripledes_and_oaep_sha1_from_pyas2lib(theirs: Pki, ours: Pki, our_keys: OurKeys) -> None:
    message = partner_message(theirs, ours, enc_alg="tripledes_192_cbc", key_enc_alg="rsaes_oaep")
    message.build(X12, content_type="application/edi-x12")
    inbound = receive(_headers(message), message.content,  # type: ignore[attr-defined]
                      partners={PARTNER_ID: as2_partner(theirs)}, our_keys=our_keys)
    assert inbound.ok, inbound.error
    assert inbound.payload == X12


def test_encrypted_for_someone_else_is_decryption_failed(theirs: Pki, ours: Pki,
                                                         our_keys: OurKeys) -> None:
    message = partner_message(theirs, ours, encrypt_for=make_pki("someone else"))
    message.build(X12, content_type="application/edi-x12")
    inbound = receive(_headers(message), message.content,  # type: ignore[attr-defined]
                      partners={PARTNER_ID: as2_partner(theirs)}, our_keys=our_keys)
    assert inbound.disposition == "processed/Error: decryption-failed"
    assert _mdn_status(message, inbound.mdn) == ("processed/Error", "decryption-failed")


def test_mic_of_a_base64_octet_stream_part(theirs: Pki, our_keys: OurKeys) -> None:
    """The MIC covers the part as sent (base64 text), as OpenSSL and RFC 5751 say."""
    part = (b"Content-Type: application/octet-stream\r\n"
            b"Content-Transfer-Encoding: base64\r\n"
            b"Content-Disposition: attachment; filename=po.edi\r\n\r\n"
            + base64.encodebytes(X12).replace(b"\n", b"\r\n"))
    cert = x509.load_pem_x509_certificate(theirs.cert_pem)
    key = serialization.load_pem_private_key(theirs.key_pem, None)
    signature = (pkcs7.PKCS7SignatureBuilder().set_data(part)
                 .add_signer(cert, key, hashes.SHA256())  # type: ignore[arg-type]
                 .sign(serialization.Encoding.DER,
                       [pkcs7.PKCS7Options.DetachedSignature, pkcs7.PKCS7Options.Binary]))
    body = (b"--b1\r\n" + part + b"\r\n--b1\r\n"
            b"Content-Type: application/pkcs7-signature; name=smime.p7s\r\n"
            b"Content-Transfer-Encoding: base64\r\n\r\n"
            + base64.encodebytes(signature).replace(b"\n", b"\r\n") + b"\r\n--b1--\r\n")
    headers = [("AS2-Version", "1.2"), ("AS2-From", f'"{PARTNER_ID}"'), ("AS2-To", OUR_ID),
               ("Message-ID", "<b64-1@bigbox>"), ("Disposition-Notification-To", "x@bigbox"),
               ("Content-Type", ('multipart/signed; protocol="application/pkcs7-signature"; '
                                'micalg=sha-256; boundary="b1"'))]
    partner = as2_partner(theirs, encrypt=False, compress=False)
    inbound = receive(headers, body, partners={PARTNER_ID: partner}, our_keys=our_keys)
    assert inbound.ok, inbound.error
    assert inbound.payload == X12
    assert inbound.mic == base64.b64encode(hashlib.sha256(part).digest()).decode()


def test_bare_lf_edi_goes_binary_and_arrives_exact(theirs: Pki, ours: Pki,
                                                   our_keys: OurKeys) -> None:
    message = partner_message(theirs, ours, encrypt=False)
    message.build(X12, content_type="application/edi-x12")
    assert b"Content-Transfer-Encoding: binary" in pyas2lib.utils.mime_to_bytes(message.payload)  # type: ignore[attr-defined]
    inbound = receive(_headers(message), message.content,  # type: ignore[attr-defined]
                      partners={PARTNER_ID: as2_partner(theirs, encrypt=False)},
                      our_keys=our_keys)
    assert inbound.payload == X12 and b"\r" not in X12
