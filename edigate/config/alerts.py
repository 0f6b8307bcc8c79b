"""The ``alerts:`` section of ``edigate.yaml``: when the checks fire and where alerts go.

Every setting has a default, so the checks run (and write to the event log) with no
section at all; alerts are mailed or posted only where ``smtp`` or ``webhook`` is set.
Secrets are references: ``password: env:SMTP_PASSWORD``, ``token: file:secrets/hook``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from edigate.config.schema import setting
from edigate.config.secrets import SecretRef

__all__ = ["AlertSettings", "SmtpSettings", "WebhookSettings"]

_ADDRESS = r"[^@\s]+@[^@\s]+"


@dataclass(frozen=True, slots=True, kw_only=True)
class SmtpSettings:
    """An SMTP relay: ``security`` is ``starttls`` (port 587), ``ssl`` (465) or ``none``."""

    host: str
    """The relay."""
    port: int = setting(587, minimum=1, maximum=65535)
    """Its port."""
    security: Literal["starttls", "ssl", "none"] = "starttls"
    """`starttls` (port 587), `ssl` (465) or `none`."""
    username: str | None = None
    """The login, when the relay asks for one."""
    password: SecretRef | None = None
    """Its password."""
    sender: str = setting(pattern=_ADDRESS, hint="an e-mail address")
    """The From address."""
    to: tuple[str, ...] = setting(pattern=_ADDRESS, hint="an e-mail address", one_or_many=True)
    """Who gets the alerts."""
    timeout_seconds: float = setting(10.0, minimum=1, maximum=300)
    """How long a send may take."""

    def config_problems(self) -> Iterator[tuple[str, str]]:
        if self.password is not None and self.username is None:
            yield "password", "a password needs a username"
        if not self.to:
            yield "to", "name at least one recipient"


@dataclass(frozen=True, slots=True, kw_only=True)
class WebhookSettings:
    """A URL that receives each batch of new alerts as a JSON POST; ``token`` is sent as
    ``Authorization: Bearer``."""

    url: str = setting(pattern=r"https?://\S+", hint="an http:// or https:// URL")
    """Where each batch of alerts is posted."""
    token: SecretRef | None = None
    """Sent as `Authorization: Bearer`."""
    timeout_seconds: float = setting(10.0, minimum=1, maximum=300)
    """How long a post may take."""


@dataclass(frozen=True, slots=True, kw_only=True)
class AlertSettings:
    """Thresholds of the checks, and the channels alerts are sent on.

    A partner is *silent* when its last file is older than ``silence_factor`` times its
    usual gap between files (the 95th percentile of the gaps over ``silence_history_days``
    before its last file), and at least ``silence_minimum_hours``; a partner with fewer
    than ``silence_min_files`` files in that history has no usual yet and is not judged.
    """

    failed_after_minutes: int = setting(30, minimum=1)
    """A transmission failed this long ago and not yet resolved raises an alert."""
    mdn_within_minutes: int = setting(60, minimum=1)
    """How long a partner has to post the async MDN for a message we sent."""
    silence_factor: float = setting(3.0, minimum=1)
    """How many of the partner's usual gaps make it silent."""
    silence_minimum_hours: float = setting(2.0, minimum=0)
    """The shortest silence that raises an alert."""
    silence_history_days: int = setting(28, minimum=1)
    """The history a partner's usual gap is taken from."""
    silence_min_files: int = setting(5, minimum=3)
    """Files a partner needs in that history before it is judged."""
    smtp: SmtpSettings | None = None
    """Alerts by e-mail."""
    webhook: WebhookSettings | None = None
    """Alerts as a JSON POST."""
