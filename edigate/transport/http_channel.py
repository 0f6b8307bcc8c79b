"""Requests to REST services and HTTP(S) routing targets, over httpx, retried with care.

`HttpClient` sends one request and returns the answer, or raises: it authenticates
(`edigate.transport.http_auth`), waits at most ``timeout`` for each connect and read, and
tries again when trying again is safe and may help. `HttpChannel` is the routing target
built on it (``type: http`` in a partner's ``routing:``); the connectors
(`edigate.connectors`) call `HttpClient` directly. `edigate.transport.http` is the older,
smaller poster that AS2 uses; it is left as it is.

When is a request tried again? A ``429`` always (the server did not act on it), after the
``Retry-After`` it names (seconds or a date; capped by ``max_wait``, plus a little jitter)
or the backoff. A timeout, a dropped connection or a ``500/502/503/504`` only when the
request may be repeated without doing twice what it asked: GET/PUT/DELETE, or a POST that
carries an idempotency key; a connection that was never made is always safe. A ``401`` is
tried once more when the authenticator had a token to forget (an expired OAuth 2 token).
Everything else, and what still fails after the last try, raises `HttpError` with the
status and the start of the answer, so a delivery that keeps failing becomes an exception
in the queue with what the server said.
"""

from __future__ import annotations

import builtins
import email.utils
import hashlib
import json
import math
import random
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx

from edigate.config.channels import HttpAuth, HttpSettings, HttpTarget
from edigate.errors import TransportError
from edigate.transport.base import Channel, ChannelOptions, Received, RemoteFile, Sent
from edigate.transport.http_auth import Authenticator, OutgoingRequest, authenticator
from edigate.transport.http_error import HttpError
from edigate.transport.retry import Backoff

__all__ = ["SendAs", "HttpAnswer", "HttpChannel", "HttpClient", "HttpError", "idempotency_key", "retry_after"]

RETRIED_STATUS = frozenset({429, 500, 502, 503, 504})
_SAFE_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})


@dataclass(frozen=True, slots=True)
class HttpAnswer:
    """A server's answer: status, headers (names lower-cased), body."""

    status: int
    headers: Mapping[str, str]
    body: bytes = field(repr=False)
    attempts: int = 1

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    def json(self) -> Any:
        """The body decoded as JSON; a body that is not JSON raises `HttpError`."""
        try:
            return json.loads(self.body) if self.body else None
        except ValueError as exc:
            raise HttpError("answer is not JSON", status=self.status, body=self.body) from exc


def idempotency_key(*parts: str) -> str:
    """A stable key for one delivery: the same parts give the same key on every retry."""
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:40]


@dataclass(frozen=True, slots=True)
class _Try:
    """One request as sent, repeated as is on a retry (authentication is added each time)."""

    method: str
    url: str
    body: bytes
    headers: Mapping[str, str]
    repeatable: bool


class HttpClient:
    """Requests to one service, authenticated, timed out, retried (see the module doc).

    ``transport`` is httpx's own seam (tests of the benchmark pass none: they use real
    local servers); ``sleep`` and ``rng`` let a caller wait its own way."""

    def __init__(self, base_url: str, auth: HttpAuth | None = None, *, timeout: float = 30.0,
                 retry: Backoff = Backoff(attempts=5, base=1.0, cap=60.0),
                 headers: Mapping[str, str] | None = None, transport: httpx.BaseTransport | None = None,
                 sleep: Callable[[float], None] = time.sleep, rng: random.Random | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.retry = retry
        self._headers = dict(headers or {})
        self._sleep, self._rng = sleep, rng or random.Random()
        self._http = httpx.Client(timeout=timeout, transport=transport, follow_redirects=False)
        self.auth: Authenticator = authenticator(auth, self._token)

    @classmethod
    def for_target(cls, target: HttpSettings, **kwargs: Any) -> HttpClient:
        """A client for a target's or connector's ``url``, ``auth``, timeout and tries."""
        retry = Backoff(attempts=target.attempts, base=target.backoff_seconds, cap=target.max_wait_seconds)
        return cls(target.url, target.auth, timeout=target.timeout_seconds, retry=retry,
                   headers=target.headers, **kwargs)

    def request(self, method: str, path: str = "", *, body: bytes = b"", content_type: str | None = None,
                headers: Mapping[str, str] | None = None, idempotency: tuple[str, str] | None = None,
                repeatable: bool = False, ok: Callable[[int], bool] = lambda status: 200 <= status < 300
                ) -> HttpAnswer:
        """Send ``method`` to ``path`` (absolute, or joined to the base URL); return the
        answer whose status is ``ok``, or raise `HttpError`. ``idempotency`` is the header
        name and key that make a POST safe to repeat; ``repeatable`` says a POST only reads
        (a query) and may be repeated without one."""
        all_headers = {**self._headers, **(headers or {})}
        if content_type:
            all_headers["Content-Type"] = content_type
        if idempotency is not None:
            all_headers[idempotency[0]] = idempotency[1]
        url = path if path.startswith(("http://", "https://")) else self.base_url + path
        repeatable = repeatable or method.upper() in _SAFE_METHODS or idempotency is not None
        return self._send(_Try(method.upper(), url, body, all_headers, repeatable), ok)

    def _send(self, req: _Try, ok: Callable[[int], bool]) -> HttpAnswer:
        waits = self.retry.delays(self._rng)
        attempt, refreshed = 0, False
        while True:
            attempt += 1
            answer = self._once(req, attempt, waits)
            if answer is None:
                continue
            if ok(answer.status):
                return answer
            if answer.status == 401 and not refreshed and self.auth.forget():
                refreshed = True
                continue
            self._wait_or_raise(req, answer, attempt, waits)

    def _once(self, req: _Try, attempt: int, waits: Iterator[float]) -> HttpAnswer | None:
        """One try: the answer, or None after a failure worth another try (waited out)."""
        headers = {**req.headers, **self.auth.headers(OutgoingRequest(req.method, req.url, req.body))}
        try:
            resp = self._http.request(req.method, req.url, content=req.body or None, headers=headers)
        except httpx.TimeoutException as exc:
            never_sent = isinstance(exc, (httpx.ConnectTimeout, httpx.PoolTimeout))
            self._pause_or_raise(req, exc, never_sent, attempt, waits, "no answer in time", "transport.http.timeout")
            return None
        except httpx.TransportError as exc:
            never_sent = isinstance(exc, httpx.ConnectError)
            self._pause_or_raise(req, exc, never_sent, attempt, waits, "cannot reach", "transport.http.unreachable")
            return None
        lowered = {k.lower(): v for k, v in resp.headers.items()}
        return HttpAnswer(resp.status_code, lowered, resp.content, attempt)

    def _pause_or_raise(self, req: _Try, exc: Exception, never_sent: bool, attempt: int,
                        waits: Iterator[float], what: str, code: str) -> None:
        wait = next(waits, None) if (never_sent or req.repeatable) else None
        if wait is None:
            raise HttpError(f"{req.method} {_where(req.url)}: {what} after {attempt} attempt(s) ({exc})",
                            code=code) from exc
        self._sleep(wait)

    def _wait_or_raise(self, req: _Try, answer: HttpAnswer, attempt: int, waits: Iterator[float]) -> None:
        retriable = answer.status == 429 or (answer.status in RETRIED_STATUS and req.repeatable)
        wait = next(waits, None) if retriable else None
        if wait is None:
            raise HttpError(f"{req.method} {_where(req.url)} answered {answer.status} after {attempt} attempt(s)",
                            status=answer.status, body=answer.body)
        asked = retry_after(answer.header("retry-after"))
        if asked is not None:
            wait = min(asked + self._rng.uniform(0, asked * 0.1 + 0.01), self.retry.cap)
        self._sleep(wait)

    def _token(self, url: str, form: Mapping[str, str], headers: Mapping[str, str]) -> tuple[int, Mapping[str, object]]:
        """The OAuth 2 token request, on this client's connections."""
        try:
            resp = self._http.post(url, data=dict(form), headers=dict(headers))
        except httpx.HTTPError as exc:
            raise HttpError(f"token request to {_where(url)} failed ({exc})", code="transport.http.auth") from exc
        try:
            answer = resp.json()
        except ValueError:
            answer = {}
        return resp.status_code, answer if isinstance(answer, dict) else {}

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def retry_after(value: str | None, now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> float | None:
    """Seconds a ``Retry-After`` header asks us to wait (RFC 9110 10.2.3: seconds or an
    HTTP date); None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)  # Shopify sends "2.0"
    except ValueError:
        pass
    else:
        return seconds if math.isfinite(seconds) and seconds >= 0 else None
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - now()).total_seconds(), 0.0)


def _where(url: str) -> str:
    """The URL without its query, which may hold tokens."""
    return url.split("?", 1)[0]


@dataclass(frozen=True, slots=True)
class SendAs:
    """How `HttpChannel` sends each payload (a connector's target gives its own)."""

    method: str = "POST"
    content_type: str = "application/json"
    idempotency_header: str | None = "Idempotency-Key"

    @classmethod
    def of(cls, target: HttpTarget) -> SendAs:
        return cls(target.method, target.content_type, target.idempotency_header)


class SendOnlyChannel(Channel):
    """A routing target: it takes payloads and has nothing to list, fetch or mark done."""

    id: str
    what = "an HTTP target"
    """How the refusals name this kind of target."""

    def list(self) -> builtins.list[RemoteFile]:
        return []

    def fetch(self, file: RemoteFile) -> Received:
        raise TransportError(f"{self.id}: {self.what} only sends", code="transport.http.direction")

    def done(self, file: RemoteFile) -> None:
        raise TransportError(f"{self.id}: {self.what} only sends", code="transport.http.direction")


class HttpChannel(SendOnlyChannel):
    """A routing target over HTTP(S): `send` is one request per payload; nothing to list."""

    def __init__(self, config: HttpSettings, channel_id: str, options: ChannelOptions,
                 send_as: SendAs | None = None, transport: httpx.BaseTransport | None = None) -> None:
        self.id = channel_id
        self.config = config
        self.send_as = send_as or (SendAs.of(config) if isinstance(config, HttpTarget) else SendAs())
        self.client = HttpClient.for_target(config, transport=transport, sleep=options.sleep)

    def send(self, name: str, data: bytes) -> Sent:
        """POST (or PUT) ``data``; ``name`` (made of partner, PO and stored document id) and
        the payload's digest make the idempotency key, the same on every retry."""
        c = self.send_as
        key = (c.idempotency_header, idempotency_key(name, hashlib.sha256(data).hexdigest())) \
            if c.idempotency_header else None
        self.client.request(c.method, body=data, content_type=c.content_type,
                            headers={"X-Edigate-Name": name}, idempotency=key)
        return Sent.of(self.id, name, data)

    def probe(self) -> str:
        """Get credentials ready (an OAuth 2 token is fetched) without sending a payload."""
        self.client.auth.headers(OutgoingRequest("HEAD", self.config.url, b""))
        return f"{self.send_as.method} {_where(self.config.url)}: credentials ready"

    def close(self) -> None:
        self.client.close()
