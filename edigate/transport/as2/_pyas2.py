"""The one module that imports pyas2lib: our values in, pyas2lib's objects out.

pyas2lib's own log records (an error with a traceback for every refused message) are
lowered to DEBUG: the listener says what it refused in one line of its own.
pyas2lib is adjusted at four named points, each replacing one module attribute it looks
up at call time (tests/as2 covers each):

* ``pyas2lib.as2.encoders``: EDI payloads are sent binary, so bare LF stays LF;
* ``pyas2lib.utils.BinaryBytesGenerator``: a base64 part is hashed and verified as sent
  (pyas2lib decoded ``application/octet-stream`` first, so its MIC and signature check
  were wrong where OpenSSL's were right);
* ``pyas2lib.as2.decrypt_message``: decryption on pyca/cryptography (`edigate.transport.as2.cms`),
  which reads RSA-OAEP parameters (SHA-256 and others), not only SHA-1;
* ``pyas2lib.as2.mime_to_bytes``: its result formats as its size, not its repr.
"""

from __future__ import annotations

import logging
import zlib
from email import encoders
from email import message_from_bytes
from email.generator import BytesGenerator
from email.message import Message as MimePart
from typing import Any

from asn1crypto import cms as asn1_cms  # type: ignore[import-untyped]
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import load_der_private_key

from edigate.transport.as2 import _compat, cms
from edigate.transport.as2.model import As2Partner, OurKeys

_compat.install()

import pyas2lib.as2  # type: ignore[import-untyped]
import pyas2lib.utils  # type: ignore[import-untyped]
from pyas2lib import Mdn, Message, Organization, Partner
from pyas2lib.cms import sign_message  # type: ignore[import-untyped]
from pyas2lib.exceptions import (  # type: ignore[import-untyped]
    AS2Exception,
    DecompressionError,
    DecryptionError,
    DuplicateDocument,
    MDNNotFound,
)
from pyas2lib.utils import canonicalize, make_mime_boundary, quote_as2name

__all__ = [
    "AS2Exception",
    "DecryptionError",
    "BoundedMessage",
    "DuplicateDocument",
    "MDNNotFound",
    "Mdn",
    "Message",
    "canonicalize",
    "decrypt",
    "make_mime_boundary",
    "mime_bytes",
    "organization",
    "partner",
    "quote_as2name",
    "sign_message",
]

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


class _EncodedTextKept(pyas2lib.utils.BinaryBytesGenerator):  # type: ignore[misc]
    """pyas2lib's generator, except that base64 and quoted-printable bodies stay encoded."""

    def _handle_text(self, msg: MimePart) -> None:
        cte = str(msg.get("Content-Transfer-Encoding", "")).strip().lower()
        if cte in ("base64", "quoted-printable"):
            BytesGenerator._handle_text(self, msg)  # type: ignore[attr-defined]
        else:
            super()._handle_text(msg)

    _writeBody = _handle_text


_pyas2lib_decrypt = pyas2lib.as2.decrypt_message


def _decrypt_message(encrypted: bytes, decryption_key: tuple[Any, Any]) -> tuple[str, bytes]:
    """pyas2lib's ``decrypt_message`` contract: (cipher, content) or `DecryptionError`."""
    key = load_der_private_key(decryption_key[0].asn1.dump(), None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise DecryptionError("Failed to decrypt the payload: our key is not an RSA key")
    try:
        return cms.decrypt_enveloped(encrypted, key)
    except cms.UnsupportedCipher:
        return _pyas2lib_decrypt(encrypted, decryption_key)  # type: ignore[no-any-return]
    except (ValueError, TypeError, KeyError) as exc:
        raise DecryptionError(f"Failed to decrypt the payload: {exc}") from exc


class _DebugOnly(logging.Filter):
    """Lowers every record of pyas2lib's logger to DEBUG (its errors carry tracebacks)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.levelno, record.levelname = logging.DEBUG, "DEBUG"
        return True


class _UnprintedBytes(bytes):
    """Bytes that format as their size: pyas2lib formats whole payloads into debug messages
    (a 30 MB body took another 120 MB as its repr) whether or not DEBUG is on."""

    def __format__(self, spec: str) -> str:
        return f"<{len(self)} bytes>"


def _mime_to_bytes(part: MimePart, *args: Any) -> bytes:
    return _UnprintedBytes(_pyas2lib_mime_to_bytes(part, *args))


_pyas2lib_mime_to_bytes = pyas2lib.as2.mime_to_bytes
logging.getLogger("pyas2lib").addFilter(_DebugOnly())
pyas2lib.as2.mime_to_bytes = _mime_to_bytes
pyas2lib.as2.encoders = _KeepEdiBytes
pyas2lib.utils.BinaryBytesGenerator = _EncodedTextKept
pyas2lib.as2.decrypt_message = _decrypt_message

_MDN_MODES = {"sync": "SYNC", "async": "ASYNC", "none": None}
_CIPHERS = {"aes128_cbc": "aes_128_cbc", "aes192_cbc": "aes_192_cbc",
            "aes256_cbc": "aes_256_cbc", "tripledes_192_cbc": "tripledes_192_cbc"}


def decrypt(encrypted: bytes, org: Organization) -> bytes:
    """CMS EnvelopedData opened with our key, as pyas2lib would; `DecryptionError` if not."""
    return _decrypt_message(encrypted, org.decrypt_key)[1]


def mime_bytes(part: MimePart) -> bytes:
    """A MIME entity as pyas2lib writes it (binary parts byte for byte, CRLF lines)."""
    return bytes(pyas2lib.utils.mime_to_bytes(part))


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
        domain=keys.domain,
    )


def partner(p: As2Partner, *, encrypt: bool | None = None) -> Partner:
    """pyas2lib's view of a partner, from its channel settings (``encrypt`` overrides)."""
    ch = p.channel
    return Partner(
        as2_name=ch.partner_as2_id,
        verify_cert=p.certificate,
        encrypt_cert=p.certificate,
        sign=ch.sign,
        encrypt=ch.encrypt if encrypt is None else encrypt,
        compress=ch.compress,
        digest_alg=ch.signing_algorithm,
        enc_alg=_CIPHERS[ch.encryption_algorithm],
        mdn_mode=_MDN_MODES[ch.mdn],
        mdn_digest_alg=ch.signing_algorithm if ch.mdn_signed else None,
    )


class BoundedMessage(Message):  # type: ignore[misc]
    """pyas2lib's message, decompressing at most ``limit`` bytes (`DecompressionError` past it).

    pyas2lib inflates ``compressed-data`` whole, before it checks the signature when the
    compression is outside it: a few hundred KB could claim gigabytes.
    """

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit

    def _decompress_data(self, payload: MimePart) -> tuple[bool, MimePart]:
        if (payload.get_content_type() != "application/pkcs7-mime"
                or payload.get_param("smime-type") != "compressed-data"):
            return False, payload
        der = payload.get_payload(decode=True)
        if not isinstance(der, bytes):
            raise DecompressionError("compressed data is not a single part")
        return True, message_from_bytes(inflate(der, self.limit))


def inflate(der: bytes, limit: int) -> bytes:
    """The content of CMS CompressedData (zlib), refused once it passes ``limit`` bytes."""
    try:
        info = asn1_cms.ContentInfo.load(der)
        if info["content_type"].native != "compressed_data":
            raise DecompressionError("not CMS compressed data")
        compressed = info["content"]["encap_content_info"]["content"].native
    except (ValueError, TypeError, KeyError) as exc:
        raise DecompressionError(f"compressed data unreadable: {exc}") from exc
    inflater = zlib.decompressobj()
    try:
        out = inflater.decompress(compressed, limit + 1)
    except zlib.error as exc:
        raise DecompressionError(f"compressed data unreadable: {exc}") from exc
    if len(out) > limit:
        raise DecompressionError(f"decompressed content is larger than {limit} bytes")
    return out
