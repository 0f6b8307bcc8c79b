"""CMS EnvelopedData on pyca/cryptography, for what pyas2lib's oscrypto cannot do.

pyas2lib decrypts RSA-OAEP only with SHA-1 (oscrypto's only OAEP) and always encrypts
with PKCS#1 v1.5; IBM Sterling and others send and expect OAEP with SHA-256. Decryption
honours the RSAES-OAEP parameters (hash and MGF1 hash, SHA-1 when absent, RFC 4055) and
PKCS#1 v1.5; encryption uses the key transport the partner is configured for. Content is
AES-CBC or 3DES-CBC; anything else raises `UnsupportedCipher` (pyas2lib may then try).
"""

from __future__ import annotations

import os
from typing import Literal

from asn1crypto import algos, cms  # type: ignore[import-untyped]
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
from cryptography.hazmat.primitives import hashes, padding, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.padding import MGF1, OAEP, PKCS1v15
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

__all__ = ["KeyTransport", "UnsupportedCipher", "decrypt_enveloped", "encrypt_enveloped"]

KeyTransport = Literal["rsaes_pkcs1v15", "rsaes_oaep", "rsaes_oaep_sha256"]
"""How the content key is wrapped: PKCS#1 v1.5, OAEP with SHA-1, or OAEP with SHA-256."""

_CIPHERS = {  # our config's names: (asn1crypto algorithm, key bytes)
    "aes128_cbc": ("aes128_cbc", 16), "aes192_cbc": ("aes192_cbc", 24),
    "aes256_cbc": ("aes256_cbc", 32), "tripledes_192_cbc": ("tripledes_3key", 24),
}

_HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "sha1": hashes.SHA1, "sha224": hashes.SHA224, "sha256": hashes.SHA256,
    "sha384": hashes.SHA384, "sha512": hashes.SHA512,
}


class UnsupportedCipher(ValueError):
    """The message uses a key transport or cipher this module does not do."""


def decrypt_enveloped(der: bytes, key: rsa.RSAPrivateKey) -> tuple[str, bytes]:
    """Decrypt CMS EnvelopedData with our RSA key: (cipher name, content)."""
    info = cms.ContentInfo.load(der)
    if info["content_type"].native != "enveloped_data":
        raise ValueError("not CMS enveloped data")
    enveloped = info["content"]
    recipient = enveloped["recipient_infos"][0].chosen
    if not isinstance(recipient, cms.KeyTransRecipientInfo):
        raise UnsupportedCipher("only key transport (RSA) recipients are supported")
    content_key = key.decrypt(recipient["encrypted_key"].native,
                              _key_padding(recipient["key_encryption_algorithm"]))
    content = enveloped["encrypted_content_info"]
    return _decrypt_content(content["content_encryption_algorithm"], content_key,
                            content["encrypted_content"].native)


def _key_padding(alg: cms.KeyEncryptionAlgorithm) -> PKCS1v15 | OAEP:
    name = alg["algorithm"].native
    if name == "rsaes_pkcs1v15":
        return PKCS1v15()
    if name != "rsaes_oaep":
        raise UnsupportedCipher(f"key encryption {name} is not supported")
    params = alg["parameters"]
    hash_name = params["hash_algorithm"]["algorithm"].native if params else "sha1"
    mgf_name = (params["mask_gen_algorithm"]["parameters"]["algorithm"].native
                if params else "sha1")
    if params and params["p_source_algorithm"]["parameters"].native not in (b"", None):
        raise UnsupportedCipher("RSA-OAEP with a label is not supported")
    return OAEP(mgf=MGF1(_HASHES[mgf_name]()), algorithm=_HASHES[hash_name](), label=None)


def _decrypt_content(alg: cms.EncryptionAlgorithm, key: bytes, data: bytes) -> tuple[str, bytes]:
    cipher_name = alg.encryption_cipher
    if cipher_name == "aes":
        algorithm: algorithms.AES | TripleDES = algorithms.AES(key)
        name = f"aes_{len(key) * 8}_cbc"
    elif cipher_name == "tripledes":
        algorithm, name = TripleDES(key), "tripledes_192_cbc"
    else:
        raise UnsupportedCipher(f"content cipher {cipher_name} is not supported")
    if alg.encryption_mode != "cbc":
        raise UnsupportedCipher(f"cipher mode {alg.encryption_mode} is not supported")
    decryptor = Cipher(algorithm, modes.CBC(alg.encryption_iv)).decryptor()
    padded = decryptor.update(data) + decryptor.finalize()
    unpadder = padding.PKCS7(algorithm.block_size).unpadder()
    return name, unpadder.update(padded) + unpadder.finalize()


def encrypt_enveloped(content: bytes, cert_pem: bytes, *, cipher: str = "aes256_cbc",
                      key_transport: KeyTransport = "rsaes_pkcs1v15") -> bytes:
    """CMS EnvelopedData (DER) of ``content`` for the holder of ``cert_pem``."""
    if cipher not in _CIPHERS:
        raise UnsupportedCipher(f"content cipher {cipher} is not supported")
    alg_name, key_size = _CIPHERS[cipher]
    key = os.urandom(key_size)
    algorithm: algorithms.AES | TripleDES = (
        TripleDES(key) if alg_name.startswith("tripledes") else algorithms.AES(key))
    iv = os.urandom(algorithm.block_size // 8)
    padder = padding.PKCS7(algorithm.block_size).padder()
    encryptor = Cipher(algorithm, modes.CBC(iv)).encryptor()
    data = encryptor.update(padder.update(content) + padder.finalize()) + encryptor.finalize()
    cert = x509.load_pem_x509_certificate(cert_pem)
    enveloped = cms.EnvelopedData({
        "version": "v0",
        "recipient_infos": [_recipient(cert, key, key_transport)],
        "encrypted_content_info": {
            "content_type": "data",
            "content_encryption_algorithm": {"algorithm": alg_name, "parameters": iv},
            "encrypted_content": data}})
    return bytes(cms.ContentInfo({"content_type": "enveloped_data", "content": enveloped}).dump())


def _recipient(cert: x509.Certificate, key: bytes, transport: KeyTransport) -> cms.RecipientInfo:
    public = cert.public_key()
    if not isinstance(public, rsa.RSAPublicKey):
        raise UnsupportedCipher("the partner certificate does not hold an RSA key")
    if transport == "rsaes_pkcs1v15":
        wrapped, alg = public.encrypt(key, PKCS1v15()), {"algorithm": "rsaes_pkcs1v15"}
    else:
        name = "sha256" if transport == "rsaes_oaep_sha256" else "sha1"
        oaep = OAEP(mgf=MGF1(_HASHES[name]()), algorithm=_HASHES[name](), label=None)
        params = algos.RSAESOAEPParams({
            "hash_algorithm": {"algorithm": name},
            "mask_gen_algorithm": {"algorithm": "mgf1", "parameters": {"algorithm": name}}})
        wrapped, alg = public.encrypt(key, oaep), {"algorithm": "rsaes_oaep", "parameters": params}
    issuer = asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))
    return cms.RecipientInfo(name="ktri", value=cms.KeyTransRecipientInfo({
        "version": "v0",
        "rid": cms.RecipientIdentifier(name="issuer_and_serial_number", value={
            "issuer": issuer.issuer, "serial_number": issuer.serial_number}),
        "key_encryption_algorithm": alg,
        "encrypted_key": wrapped}))
