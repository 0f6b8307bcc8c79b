"""Our keys and partners from the workspace and partner files."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization

from edigate.transport.as2 import As2Partner, OurKeys, receive
from edigate.config.channels import As2Channel
from edigate.config.secrets import SecretRef
from edigate.errors import ConfigError
from edigate.config.workspace import As2Listener
from tests.support.as2 import OUR_ID, PARTNER_ID, X12, Pki, partner_message


def test_keys_from_the_workspace_with_a_passphrase(tmp_path: Path, ours: Pki, theirs: Pki,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    key = serialization.load_pem_private_key(ours.key_pem, None)
    (tmp_path / "our.key").write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"s3cret")))
    (tmp_path / "our.crt").write_bytes(ours.cert_pem)
    (tmp_path / "bigbox.crt").write_bytes(theirs.cert_pem)
    monkeypatch.setenv("EDIGATE_TEST_AS2_PASS", "s3cret")
    listener = As2Listener(as2_id=OUR_ID, certificate="our.crt",
                           private_key=SecretRef("file", "our.key", base=tmp_path),
                           key_passphrase=SecretRef("env", "EDIGATE_TEST_AS2_PASS"))
    keys = OurKeys.from_listener(listener, root=tmp_path)
    channel = As2Channel(partner_as2_id=PARTNER_ID, partner_certificate="bigbox.crt")
    partner = As2Partner.from_channel(channel, root=tmp_path, default_our_id=OUR_ID)
    assert partner.our_as2_id == OUR_ID and partner.certificate == theirs.cert_pem
    message = partner_message(theirs, ours)
    message.build(X12, content_type="application/edi-x12")
    headers = [(k, " ".join(v.split())) for k, v in message.headers.items()]
    inbound = receive(headers, message.content, partners={PARTNER_ID: partner}, our_keys=keys)
    assert inbound.ok and inbound.payload == X12


def test_missing_settings_and_files_are_config_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"as2\.as2_id"):
        OurKeys.from_listener(As2Listener(), root=tmp_path)
    channel = As2Channel(partner_as2_id=PARTNER_ID, partner_certificate="missing.crt")
    with pytest.raises(ConfigError, match="missing.crt cannot be read"):
        As2Partner.from_channel(channel, root=tmp_path, default_our_id=OUR_ID)
