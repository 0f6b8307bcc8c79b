"""Our AS2 key and certificate, and the partners' certificates, checked once at start."""

from __future__ import annotations

import dataclasses

import pytest

from edigate.transport.as2 import OurKeys
from edigate.transport.as2.keys import check_keys, key_problems
from edigate.errors import ConfigError
from tests.support.as2 import OUR_ID, Pki, as2_partner, encrypted_key, make_pki


def test_sound_keys_have_no_problems(ours: Pki, theirs: Pki, our_keys: OurKeys) -> None:
    assert list(key_problems(our_keys, [as2_partner(theirs)])) == []
    locked = OurKeys(OUR_ID, encrypted_key(ours, b"s3cret"), ours.cert_pem, "s3cret")
    assert list(key_problems(locked)) == []


@pytest.mark.parametrize(("passphrase", "says"), [
    ("wrong", "as2.key_passphrase is wrong"),
    (None, "is encrypted: set as2.key_passphrase"),
])
def test_a_key_that_does_not_open_is_one_line(ours: Pki, passphrase: str | None, says: str) -> None:
    keys = OurKeys(OUR_ID, encrypted_key(ours, b"s3cret"), ours.cert_pem, passphrase)
    [problem] = key_problems(keys)
    assert says in problem and "\n" not in problem
    with pytest.raises(ConfigError, match="private key"):
        check_keys(keys)


def test_a_certificate_of_another_key_and_a_broken_partner_certificate(our_keys: OurKeys,
                                                                       theirs: Pki) -> None:
    mismatched = dataclasses.replace(our_keys, cert_pem=make_pki("someone").cert_pem)
    broken = dataclasses.replace(as2_partner(theirs), certificate=b"not a certificate")
    assert list(key_problems(mismatched, [broken])) == [
        "our AS2 certificate (as2.certificate) is not the certificate of as2.private_key",
        "BIGBOX AS2: partner_certificate x.pem is not a PEM certificate"]
    assert list(key_problems(dataclasses.replace(our_keys, key_pem=b"junk"))) == [
        "our AS2 private key (as2.private_key) cannot be read: not a PEM private key, "
        "or as2.key_passphrase is wrong"]
