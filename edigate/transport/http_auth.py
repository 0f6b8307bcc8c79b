"""How the HTTP channel proves who it is: bearer, basic, OAuth 2 client credentials,
OAuth 1.0a (HMAC-SHA256, NetSuite's token-based authentication) and HMAC body signatures.

Each `Authenticator` adds headers to one outgoing request; secrets come from `SecretRef`s
(``env:``/``file:``) and are read when first needed, never held in configuration or shown in
an error. OAuth 1.0a signatures are made by oauthlib, not here. `verify_hmac` is the other
side of HMAC signing: a webhook (Shopify's ``X-Shopify-Hmac-Sha256``) is checked with it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol

from oauthlib import oauth1

from edigate.config.channels import (
    BasicAuth,
    BearerAuth,
    HmacAuth,
    HttpAuth,
    OAuth1Auth,
    OAuth2Auth,
)
from edigate.transport.http_error import HttpError

__all__ = [
    "Authenticator",
    "OutgoingRequest",
    "TokenFetcher",
    "authenticator",
    "hmac_signature",
    "verify_hmac",
]

_TOKEN_MARGIN = 30.0
"""Seconds before an OAuth 2 token's stated expiry at which a new one is fetched."""


@dataclass(frozen=True, slots=True)
class OutgoingRequest:
    """What an authenticator may read of a request: method, full URL, body bytes."""

    method: str
    url: str
    body: bytes


class Authenticator(Protocol):
    """Adds the headers that authenticate one request."""

    def headers(self, request: OutgoingRequest) -> Mapping[str, str]: ...

    def forget(self) -> bool:
        """Drop any cached credential (after a 401), so the next request gets a fresh one;
        whether there was one (else trying again cannot help)."""


TokenFetcher = Callable[[str, Mapping[str, str], Mapping[str, str]], tuple[int, Mapping[str, object]]]
"""POSTs a form to a token URL with headers; returns the status and the decoded JSON answer."""


class _NoAuth:
    def headers(self, request: OutgoingRequest) -> Mapping[str, str]:
        return {}

    def forget(self) -> bool:
        return False


class _Bearer:
    def __init__(self, config: BearerAuth) -> None:
        self._config = config

    def headers(self, request: OutgoingRequest) -> Mapping[str, str]:
        token = self._config.token.resolve()
        return {self._config.header: token} if self._config.header else {"Authorization": f"Bearer {token}"}

    def forget(self) -> bool:
        return False


class _Basic:
    def __init__(self, config: BasicAuth) -> None:
        self._config = config

    def headers(self, request: OutgoingRequest) -> Mapping[str, str]:
        pair = f"{self._config.user}:{self._config.password.resolve()}".encode()
        return {"Authorization": "Basic " + base64.b64encode(pair).decode("ascii")}

    def forget(self) -> bool:
        return False


class _OAuth2:
    """Client credentials (RFC 6749 4.4): a token fetched once, reused until near expiry,
    fetched again after a 401. Thread-safe: one fetch at a time."""

    def __init__(self, config: OAuth2Auth, fetch: TokenFetcher,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._config, self._fetch, self._clock = config, fetch, clock
        self._token: str | None = None
        self._expires = 0.0
        self._lock = threading.Lock()
        self.fetched = 0
        """How many tokens were fetched (tests and the benchmark read it)."""

    def headers(self, request: OutgoingRequest) -> Mapping[str, str]:
        with self._lock:
            if self._token is None or self._clock() >= self._expires:
                self._token, self._expires = self._new_token()
            return {"Authorization": f"Bearer {self._token}"}

    def forget(self) -> bool:
        with self._lock:
            had, self._token = self._token is not None, None
            return had

    def _new_token(self) -> tuple[str, float]:
        c = self._config
        form = {"grant_type": "client_credentials"}
        if c.scope:
            form["scope"] = c.scope
        pair = f"{c.client_id}:{c.client_secret.resolve()}".encode()
        status, answer = self._fetch(c.token_url, form, {"Authorization": "Basic " + base64.b64encode(pair).decode()})
        token = answer.get("access_token")
        if status != 200 or not isinstance(token, str):
            raise HttpError(f"token from {c.token_url} refused ({status})", status=status,
                            body=json.dumps(answer).encode(), code="transport.http.auth")
        self.fetched += 1
        expires_in = answer.get("expires_in")
        life = float(expires_in) if isinstance(expires_in, (int, float, str)) and str(expires_in).isdigit() else 3600.0
        return token, self._clock() + max(life - _TOKEN_MARGIN, 0.0)


class _OAuth1:
    """OAuth 1.0a (RFC 5849) with HMAC-SHA256 and a realm, signed by oauthlib.

    Only a form-encoded body takes part in the signature (RFC 5849 3.4.1.3.1); JSON bodies
    are signed without it, which is what NetSuite and every other REST service expect."""

    def __init__(self, config: OAuth1Auth) -> None:
        self._config = config

    def headers(self, request: OutgoingRequest) -> Mapping[str, str]:
        c = self._config
        client = oauth1.Client(
            c.consumer_key, client_secret=c.consumer_secret.resolve(),
            resource_owner_key=c.token_id, resource_owner_secret=c.token_secret.resolve(),
            signature_method=oauth1.SIGNATURE_HMAC_SHA256, realm=c.realm)
        _, signed, _ = client.sign(request.url, http_method=request.method)  # type: ignore[arg-type]
        return {"Authorization": signed["Authorization"]}

    def forget(self) -> bool:
        return False


class _Hmac:
    """A signature of the raw body in a header, as webhook senders and some APIs ask."""

    def __init__(self, config: HmacAuth) -> None:
        self._config = config

    def headers(self, request: OutgoingRequest) -> Mapping[str, str]:
        c = self._config
        value = hmac_signature(c.secret.resolve().encode(), request.body, c.algorithm, c.encoding)
        return {c.header: c.prefix + value}

    def forget(self) -> bool:
        return False


def hmac_signature(secret: bytes, body: bytes, algorithm: str = "sha256", encoding: str = "base64") -> str:
    """The HMAC of ``body`` under ``secret``, as base64 or lower-case hex."""
    digest = hmac.new(secret, body, getattr(hashlib, algorithm)).digest()
    return base64.b64encode(digest).decode("ascii") if encoding == "base64" else digest.hex()


def verify_hmac(secret: bytes, body: bytes, signature: str | None, *, algorithm: str = "sha256",
                encoding: str = "base64", prefix: str = "") -> bool:
    """Whether ``signature`` (a header's value) is the HMAC of the raw ``body``; compared in
    constant time. A missing or malformed signature is simply not valid."""
    if not signature or not signature.startswith(prefix):
        return False
    expected = hmac_signature(secret, body, algorithm, encoding)
    return hmac.compare_digest(expected.encode(), signature[len(prefix):].strip().encode())


def authenticator(config: HttpAuth | None, fetch: TokenFetcher) -> Authenticator:
    """The authenticator for a target's ``auth:`` block (none: no header)."""
    if config is None:
        return _NoAuth()
    if isinstance(config, BearerAuth):
        return _Bearer(config)
    if isinstance(config, BasicAuth):
        return _Basic(config)
    if isinstance(config, OAuth2Auth):
        return _OAuth2(config, fetch)
    if isinstance(config, OAuth1Auth):
        return _OAuth1(config)
    return _Hmac(config)
