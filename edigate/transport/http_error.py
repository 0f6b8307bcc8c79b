"""The one error of the HTTP channel, with the status and the start of the server's answer."""

from __future__ import annotations

import json

from edigate.errors import TransportError

__all__ = ["HttpError"]

_EXCERPT = 600
"""Characters of an error answer kept in the exception (enough for a vendor's message and code)."""


class HttpError(TransportError):
    """A request failed: refused (4xx), the server failed (5xx, 429) after every try, or no
    answer came in time. ``status`` is None when no answer came; ``excerpt`` is the start
    of the answer's body, control characters escaped."""

    code = "transport.http"

    def __init__(self, message: str, *, status: int | None = None, body: bytes = b"",
                 code: str | None = None) -> None:
        self.status = status
        self.excerpt = _excerpt(body)
        text = f"{message}: {self.excerpt}" if self.excerpt else message
        super().__init__(text, code=code or _code_for(status))


def _code_for(status: int | None) -> str:
    if status is None:
        return "transport.http.unreachable"
    if status in (401, 403):
        return "transport.http.auth"
    if status == 429 or status >= 500:
        return "transport.http.server"
    return "transport.http.rejected"


def _excerpt(body: bytes) -> str:
    """The start of the body on one line; JSON compacted so the vendor's error code fits."""
    text = body[: _EXCERPT * 8].decode("utf-8", "replace")
    try:
        text = json.dumps(json.loads(text), separators=(",", ":"), ensure_ascii=False)
    except ValueError:
        pass
    text = "".join(c if c.isprintable() else " " for c in text)
    text = " ".join(text.split())
    return text if len(text) <= _EXCERPT else text[:_EXCERPT] + "..."
