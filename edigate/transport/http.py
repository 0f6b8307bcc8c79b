"""POST over HTTP with retry, for AS2 messages and MDNs (edigate.transport.as2 opens no socket itself).

`Poster` is the contract (one call in, one response out); `urllib_post` is the real one,
and tests may pass their own. Connection errors are retried with exponential backoff;
an HTTP error status is an answer, not retried.
"""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from edigate.errors import TransportError
from edigate.transport.retry import Backoff

__all__ = ["HTTP_RETRY", "HttpResponse", "Poster", "post_with_retry", "urllib_post"]

HTTP_RETRY = Backoff(attempts=4, base=1.0, cap=30.0)
"""Four tries, waiting about 1, 2 and 4 seconds between them."""


@dataclass(frozen=True, slots=True)
class HttpResponse:
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes


Poster = Callable[[str, Sequence[tuple[str, str]], bytes, float], HttpResponse]


def urllib_post(
    url: str, headers: Sequence[tuple[str, str]], body: bytes, timeout: float
) -> HttpResponse:
    """POST with the standard library; an HTTP error status comes back as a response."""
    request = urllib.request.Request(url, data=body, headers=dict(headers), method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as resp:
            return HttpResponse(resp.status, tuple(resp.headers.items()), resp.read())
    except urllib.error.HTTPError as exc:
        with exc:
            return HttpResponse(exc.code, tuple(exc.headers.items()), exc.read())


def post_with_retry(
    url: str,
    headers: Sequence[tuple[str, str]],
    body: bytes,
    *,
    post: Poster = urllib_post,
    retry: Backoff = HTTP_RETRY,
    timeout: float = 60.0,
    sleep: Callable[[float], None] = time.sleep,
) -> tuple[HttpResponse, int]:
    """POST, retrying connection errors with the channels' bounded backoff; return the
    response and the attempts it took."""
    waits = retry.delays()
    attempt = 1
    while True:
        try:
            return post(url, headers, body, timeout), attempt
        except (urllib.error.URLError, OSError) as exc:
            wait = next(waits, None)
            if wait is None:
                raise TransportError(f"POST {url} failed after {attempt} attempts: {exc}") from exc
            sleep(wait)
            attempt += 1
