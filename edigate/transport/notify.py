"""Sending notices to people: one e-mail over SMTP, one JSON POST to a webhook.

Used by `edigate.gateway.alerts`. Each call either delivers or raises `TransportError` with one
line saying why (the secret values never appear in it); the caller decides what a failed
delivery means.
"""

from __future__ import annotations

import json
import smtplib
import ssl
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from email.message import EmailMessage
from typing import Any

from edigate.config.alerts import SmtpSettings, WebhookSettings
from edigate.errors import ConfigError, TransportError

__all__ = ["post_webhook", "send_mail"]


def send_mail(settings: SmtpSettings, subject: str, body: str) -> None:
    """Mail ``body`` to the configured recipients."""
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = settings.sender, ", ".join(settings.to), subject
    message.set_content(body)
    where = f"SMTP {settings.host}:{settings.port}"
    try:
        password = settings.password.resolve() if settings.password is not None else None
        with _connect(settings) as smtp:
            if settings.security == "starttls":
                smtp.starttls(context=ssl.create_default_context())
            if settings.username is not None:
                smtp.login(settings.username, password or "")
            smtp.send_message(message)
    except ConfigError as exc:
        raise TransportError(f"{where}: {exc.message}", code="notify.smtp") from exc
    except (smtplib.SMTPException, OSError) as exc:
        raise TransportError(f"{where}: {_reason(exc)}", code="notify.smtp") from exc


def _connect(settings: SmtpSettings) -> smtplib.SMTP:
    if settings.security == "ssl":
        return smtplib.SMTP_SSL(settings.host, settings.port, timeout=settings.timeout_seconds,
                                context=ssl.create_default_context())
    return smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout_seconds)


def post_webhook(settings: WebhookSettings, payload: Mapping[str, Any]) -> None:
    """POST ``payload`` as JSON; any answer other than 2xx is a failure."""
    headers = {"Content-Type": "application/json", "User-Agent": "edigate"}
    parts = urllib.parse.urlsplit(settings.url)
    where = f"webhook {parts.scheme}://{parts.netloc.rpartition('@')[2]}"  # the path may hold a token
    try:
        if settings.token is not None:
            headers["Authorization"] = f"Bearer {settings.token.resolve()}"
        request = urllib.request.Request(settings.url, data=json.dumps(payload).encode(), headers=headers,
                                         method="POST")
        with urllib.request.urlopen(request, timeout=settings.timeout_seconds) as answer:  # noqa: S310 (http/https only)
            answer.read()
    except ConfigError as exc:
        raise TransportError(f"{where}: {exc.message}", code="notify.webhook") from exc
    except urllib.error.HTTPError as exc:
        raise TransportError(f"{where}: answered {exc.code} {exc.reason}", code="notify.webhook") from exc
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise TransportError(f"{where}: {_reason(exc)}", code="notify.webhook") from exc


def _reason(exc: Exception) -> str:
    if isinstance(exc, urllib.error.URLError) and not isinstance(exc.reason, str):
        return _reason(exc.reason) if isinstance(exc.reason, Exception) else str(exc.reason)
    if isinstance(exc, smtplib.SMTPResponseException):
        text = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else exc.smtp_error
        return f"{exc.smtp_code} {text}"
    return str(exc) or type(exc).__name__
