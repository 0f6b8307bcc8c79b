"""The server's side of OAuth 1.0a (RFC 5849): a signature recomputed from the request.

Written from the RFC, independently of the client's library: section 3.4.1 (the signature
base string), 3.4.2 (HMAC; with SHA-256 as NetSuite's token-based authentication asks),
3.5.1 (the Authorization header), 3.6 (percent-encoding).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from urllib.parse import parse_qsl, quote, unquote, urlsplit

__all__ = ["authorization_params", "expected_signature"]

_PARAM = re.compile(r'([A-Za-z_]+)="([^"]*)"')


def _enc(text: str) -> str:
    return quote(text, safe="-._~")


def authorization_params(header: str) -> dict[str, str]:
    """The parameters of an ``Authorization: OAuth ...`` header, decoded."""
    assert header.startswith("OAuth "), header
    return {k: unquote(v) for k, v in _PARAM.findall(header[6:])}


def expected_signature(method: str, url: str, params: dict[str, str], consumer_secret: str,
                       token_secret: str) -> str:
    """The HMAC-SHA256 signature the request must carry (RFC 5849 3.4)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port
    default = (parts.scheme == "http" and port == 80) or (parts.scheme == "https" and port == 443)
    netloc = host if port is None or default else f"{host}:{port}"
    base_uri = f"{parts.scheme.lower()}://{netloc.lower()}{parts.path or '/'}"
    pairs = [(k, v) for k, v in params.items() if k not in ("realm", "oauth_signature")]
    pairs += parse_qsl(parts.query, keep_blank_values=True)
    normalized = "&".join(f"{k}={v}" for k, v in sorted((_enc(k), _enc(v)) for k, v in pairs))
    base = "&".join((method.upper(), _enc(base_uri), _enc(normalized)))
    key = f"{_enc(consumer_secret)}&{_enc(token_secret)}"
    return base64.b64encode(hmac.new(key.encode(), base.encode(), hashlib.sha256).digest()).decode()
