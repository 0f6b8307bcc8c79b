"""The MDN we answer a received message with (RFC 4130 7.4, RFC 3798), in edigate's name.

A ``multipart/report`` with a line of text and the ``message/disposition-notification``
part, signed with our key when the sender asked for a signed receipt. Its Message-ID ends
in the workspace's ``as2.domain``.
"""

from __future__ import annotations

import email.utils
from collections.abc import Iterable
from dataclasses import dataclass
from email import encoders
from email.message import Message as MimePart
from email.mime.multipart import MIMEMultipart

from edigate import __version__
from edigate.transport.as2 import _pyas2
from edigate.transport.as2.model import MdnReply

__all__ = ["MdnAsked", "Original", "build_mdn", "header", "mdn_asked", "message_id"]

USER_AGENT = f"edigate/{__version__}"
_DIGESTS = ("sha1", "sha224", "sha256", "sha384", "sha512")
_PROCESSED = "edigate processed the AS2 message; the disposition below is its receipt."
_FAILED = "edigate could not process the AS2 message; the disposition below says why."


@dataclass(frozen=True, slots=True)
class MdnAsked:
    """What the sender's headers asked for: an MDN, signed with ``micalg``, posted to ``url``."""

    wanted: bool
    micalg: str | None = None
    url: str | None = None


@dataclass(frozen=True, slots=True)
class Original:
    """What an MDN says of the message it answers."""

    message_id: str
    our_id: str
    partner_id: str
    disposition: str
    mic: str | None = None
    mic_alg: str | None = None


def header(headers: Iterable[tuple[str, str]], name: str) -> str | None:
    """The first value of header ``name`` (lower case), stripped; None if absent."""
    return next((v.strip() for k, v in headers if k.lower() == name), None)


def mdn_asked(headers: Iterable[tuple[str, str]]) -> MdnAsked:
    """Read Disposition-Notification-To/-Options and Receipt-Delivery-Option."""
    headers = list(headers)
    if not header(headers, "disposition-notification-to"):
        return MdnAsked(False)
    options = header(headers, "disposition-notification-options") or ""
    micalg = None
    if "signed-receipt-micalg" in options.lower():
        asked = [a.strip().lower().replace("-", "") for a in options.split(";")[-1].split(",")]
        micalg = next((a for a in reversed(asked) if a in _DIGESTS), "sha256")
    url = (header(headers, "receipt-delivery-option") or "").strip() or None
    return MdnAsked(True, micalg, url)


def message_id(domain: str) -> str:
    """A new Message-ID (without angle brackets) in our domain."""
    return email.utils.make_msgid(domain=domain).strip("<>")


def build_mdn(original: Original, *, signer: object | None, micalg: str | None, domain: str,
              url: str | None = None) -> MdnReply:
    """The MDN for ``original``; signed when ``micalg`` and a ``signer`` (our organization)."""
    report = MIMEMultipart("report", report_type="disposition-notification")
    del report["MIME-Version"]
    ok = original.disposition == "processed"
    report.attach(_part("text/plain", f"{_PROCESSED if ok else _FAILED}\r\n"))
    report.attach(_part("message/disposition-notification", _notification(original)))
    entity: MimePart = report
    if micalg is not None and signer is not None:
        entity = _signed(report, micalg, signer)
    entity.set_boundary(_pyas2.make_mime_boundary())
    head, body = _pyas2.mime_bytes(entity).split(b"\r\n\r\n", 1)
    content_type = next(line.split(b":", 1)[1].strip() for line in head.split(b"\r\n")
                        if line.lower().startswith(b"content-type:"))
    headers = (("AS2-Version", "1.2"), ("EDIINT-Features", "CMS"),
               ("Message-ID", f"<{message_id(domain)}>"),
               ("AS2-From", _pyas2.quote_as2name(original.our_id)),
               ("AS2-To", _pyas2.quote_as2name(original.partner_id)),
               ("Date", email.utils.formatdate()), ("User-Agent", USER_AGENT),
               ("Mime-Version", "1.0"), ("Content-Type", " ".join(content_type.decode().split())))
    return MdnReply(headers=headers, body=body, url=url)


def _part(content_type: str, text: str) -> MimePart:
    part = MimePart()
    part.set_payload(text)
    part.set_type(content_type)
    part["Content-Transfer-Encoding"] = "7bit"
    return part


def _notification(original: Original) -> str:
    lines = [f"Reporting-UA: {USER_AGENT}",
             f"Original-Recipient: rfc822; {original.our_id}",
             f"Final-Recipient: rfc822; {original.our_id}",
             f"Original-Message-ID: <{original.message_id}>",
             f"Disposition: automatic-action/MDN-sent-automatically; {original.disposition}"]
    if original.mic:
        lines.append(f"Received-content-MIC: {original.mic}, {original.mic_alg or 'sha256'}")
    return "\r\n".join(lines) + "\r\n"


def _signed(report: MimePart, micalg: str, signer: object) -> MimePart:
    signed = MIMEMultipart("signed", protocol="application/pkcs7-signature")
    del signed["MIME-Version"]
    signed.attach(report)
    signature = MimePart()
    signature.set_type("application/pkcs7-signature")
    signature.set_param("name", "smime.p7s")
    signature.set_param("smime-type", "signed-data")
    signature.add_header("Content-Disposition", "attachment", filename="smime.p7s")
    signature.set_payload(_pyas2.sign_message(_pyas2.canonicalize(report), micalg,
                                              signer.sign_key))  # type: ignore[attr-defined]
    encoders.encode_base64(signature)
    signed.set_param("micalg", micalg)
    signed.attach(signature)
    return signed
