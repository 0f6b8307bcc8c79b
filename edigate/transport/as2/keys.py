"""Checking AS2 keys and certificates once, at start (``edigate run``, ``partners check``).

A private key that does not load (wrong passphrase, not a key), a certificate that is not a
PEM certificate or does not belong to the key, or a partner certificate that does not load
used to start the gateway, which then answered every message with HTTP 500. Each problem is
one line naming the file and what is wrong.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from edigate.transport.as2.model import As2Partner, OurKeys
from edigate.errors import ConfigError

__all__ = ["check_keys", "key_problems"]


def key_problems(keys: OurKeys, partners: Iterable[As2Partner] = ()) -> Iterator[str]:
    """What is wrong with our key and certificate and the partners' certificates, one line each."""
    key = _our_key(keys)
    if isinstance(key, str):
        yield key
    cert = _certificate(keys.cert_pem, "our AS2 certificate (as2.certificate)")
    if isinstance(cert, str):
        yield cert
    elif not isinstance(key, str) and cert.public_key() != key.public_key():
        yield "our AS2 certificate (as2.certificate) is not the certificate of as2.private_key"
    for partner in partners:
        got = _certificate(partner.certificate, f"{partner.as2_id}: partner_certificate "
                                                f"{partner.channel.partner_certificate}")
        if isinstance(got, str):
            yield got


def check_keys(keys: OurKeys, partners: Iterable[As2Partner] = ()) -> None:
    """`ConfigError` listing every `key_problems` line, if any."""
    problems = list(key_problems(keys, partners))
    if problems:
        raise ConfigError("\n".join(problems))


def _our_key(keys: OurKeys) -> rsa.RSAPrivateKey | str:
    password = keys.passphrase.encode("utf-8") if keys.passphrase else None
    try:
        key = serialization.load_pem_private_key(keys.key_pem, password)
    except TypeError:
        return ("our AS2 private key (as2.private_key) is encrypted: set as2.key_passphrase"
                if password is None else
                "our AS2 private key (as2.private_key) is not encrypted: drop as2.key_passphrase")
    except ValueError:
        return ("our AS2 private key (as2.private_key) cannot be read: not a PEM private key, "
                "or as2.key_passphrase is wrong")
    if not isinstance(key, rsa.RSAPrivateKey):
        return "our AS2 private key (as2.private_key) is not an RSA key (AS2 needs RSA)"
    return key


def _certificate(pem: bytes, what: str) -> x509.Certificate | str:
    try:
        return x509.load_pem_x509_certificate(pem)
    except ValueError:
        return f"{what} is not a PEM certificate"
