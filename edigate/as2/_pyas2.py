"""The one module that imports pyas2lib: our values in, pyas2lib's objects out."""

from __future__ import annotations

from email import encoders
from email.message import Message as MimePart

from edigate.as2 import _compat
from edigate.as2.model import As2Partner, OurKeys

_compat.install()

import pyas2lib.as2  # type: ignore[import-untyped]
from pyas2lib import Mdn, Message, Organization, Partner
from pyas2lib.exceptions import AS2Exception, DuplicateDocument  # type: ignore[import-untyped]

__all__ = ["AS2Exception", "DuplicateDocument", "Mdn", "Message", "organization", "partner"]

_EDI_TYPES = ("application/edi", "application/x12")


class _KeepEdiBytes:
    """Stands in for ``email.encoders`` inside pyas2lib so EDI payloads keep their bytes.

    pyas2lib marks an ``application/edi-*`` payload 7bit/8bit, and the generator then
    rewrites bare LF to CRLF: the partner gets other bytes than we stored (and X12 with LF
    segment terminators gains a CR). AS2 runs over HTTP, which is binary-clean, so EDI
    parts go ``Content-Transfer-Encoding: binary``, which pyas2lib writes byte for byte
    and hashes the same way for the MIC. Every other part is encoded as before.
    """

    encode_base64 = staticmethod(encoders.encode_base64)

    @staticmethod
    def encode_7or8bit(part: MimePart) -> None:
        if part.get_content_type().startswith(_EDI_TYPES):
            part["Content-Transfer-Encoding"] = "binary"
        else:
            encoders.encode_7or8bit(part)


pyas2lib.as2.encoders = _KeepEdiBytes

_MDN_MODES = {"sync": "SYNC", "async": "ASYNC", "none": None}
_CIPHERS = {"aes128_cbc": "aes_128_cbc", "aes192_cbc": "aes_192_cbc",
            "aes256_cbc": "aes_256_cbc", "tripledes_192_cbc": "tripledes_192_cbc"}


def organization(keys: OurKeys, *, mdn_url: str | None = None) -> Organization:
    """pyas2lib's view of us: one PEM holding our certificate and key."""
    pem = keys.cert_pem.rstrip(b"\n") + b"\n" + keys.key_pem
    return Organization(
        as2_name=keys.as2_id,
        sign_key=pem,
        sign_key_pass=keys.passphrase,
        decrypt_key=pem,
        decrypt_key_pass=keys.passphrase,
        mdn_url=mdn_url,
    )


def partner(p: As2Partner) -> Partner:
    """pyas2lib's view of a partner, from its channel settings."""
    ch = p.channel
    return Partner(
        as2_name=ch.partner_as2_id,
        verify_cert=p.certificate,
        encrypt_cert=p.certificate,
        sign=ch.sign,
        encrypt=ch.encrypt,
        compress=ch.compress,
        digest_alg=ch.signing_algorithm,
        enc_alg=_CIPHERS[ch.encryption_algorithm],
        mdn_mode=_MDN_MODES[ch.mdn],
        mdn_digest_alg=ch.signing_algorithm if ch.mdn_signed else None,
        key_enc_alg=p.key_encryption,
    )
