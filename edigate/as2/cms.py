"""CMS EnvelopedData decryption on pyca/cryptography, for what pyas2lib's oscrypto cannot.

pyas2lib decrypts RSA-OAEP only with SHA-1 (oscrypto's only OAEP); IBM Sterling and
others send OAEP with SHA-256. Here the key transport honours the RSAES-OAEP parameters
(hash and MGF1 hash, SHA-1 when absent, as RFC 4055 says) and PKCS#1 v1.5; the content
is AES-CBC or 3DES-CBC. Anything else raises `UnsupportedCipher` so pyas2lib may try.
"""

from __future__ import annotations

from asn1crypto import cms  # type: ignore[import-untyped]
from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
from cryptography.hazmat.primitives import hashes, padding
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.padding import MGF1, OAEP, PKCS1v15
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

__all__ = ["UnsupportedCipher", "decrypt_enveloped"]

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
