"""edigate.transport.as2.cms against independent implementations: the OpenSSL CLI and oscrypto."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from edigate.transport.as2 import OurKeys, _pyas2
from edigate.transport.as2.cms import (
    KeyTransport,
    UnsupportedCipher,
    decrypt_enveloped,
    encrypt_enveloped,
)
from tests.support.as2 import X12, Pki

TRANSPORTS = ["rsaes_pkcs1v15", "rsaes_oaep", "rsaes_oaep_sha256"]
CIPHERS = ["aes128_cbc", "aes192_cbc", "aes256_cbc", "tripledes_192_cbc"]


@pytest.mark.parametrize("cipher", CIPHERS)
@pytest.mark.parametrize("transport", TRANSPORTS)
def test_openssl_decrypts_what_we_encrypt(tmp_path: Path, ours: Pki, cipher: str,
                                          transport: KeyTransport) -> None:
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("the openssl command is not installed")
    (tmp_path / "key.pem").write_bytes(ours.key_pem)
    (tmp_path / "cert.pem").write_bytes(ours.cert_pem)
    (tmp_path / "msg.der").write_bytes(
        encrypt_enveloped(X12, ours.cert_pem, cipher=cipher, key_transport=transport))
    proc = subprocess.run(
        [openssl, "cms", "-decrypt", "-binary", "-inform", "DER", "-in", "msg.der",
         "-inkey", "key.pem", "-recip", "cert.pem"],
        cwd=tmp_path, capture_output=True, check=False, timeout=30)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == X12


@pytest.mark.parametrize("transport", ["rsaes_pkcs1v15", "rsaes_oaep"])
def test_pyas2lib_decrypts_what_we_encrypt(ours: Pki, transport: KeyTransport) -> None:
    org = _pyas2.organization(OurKeys("X", ours.key_pem, ours.cert_pem))
    der = encrypt_enveloped(X12, ours.cert_pem, key_transport=transport)
    assert _pyas2._pyas2lib_decrypt(der, org.decrypt_key)[1] == X12


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_round_trip(ours: Pki, transport: KeyTransport) -> None:
    key = load_pem_private_key(ours.key_pem, None)
    der = encrypt_enveloped(X12, ours.cert_pem, key_transport=transport)
    assert decrypt_enveloped(der, key) == ("aes_256_cbc", X12)  # type: ignore[arg-type]


def test_unknown_cipher_is_refused(ours: Pki) -> None:
    with pytest.raises(UnsupportedCipher):
        encrypt_enveloped(X12, ours.cert_pem, cipher="rc2_40_cbc")
