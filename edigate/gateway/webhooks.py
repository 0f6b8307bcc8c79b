"""What platforms and ERPs post to the gateway's listener: Shopify's ``orders/create``
webhooks and SAP's IDoc replies, one path per partner (and destination).

Each partner whose ``commerce`` is a Shopify shop gets ``/shopify/<partner id>``: the
signed order (`edigate.connectors.shopify.WebhookApp`) is received as a commerce
transmission (`edigate.stages.commerce.take`) before Shopify is answered ``200``, so an
answered webhook is never lost. Webhook ids are kept in the store (`StoredWebhooks`), so
a replay is refused after a restart too, and by any gateway on the same store.

A SAP target with ``replies_login`` gets ``/sap/<partner id>/<destination>``: an IDoc SAP's
HTTP-XML port posts there (basic authentication, checked in constant time) is received as
a reply transmission (`edigate.stages.replies`) before SAP is answered ``200``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING

from edigate.config.channels import BasicAuth
from edigate.config.connectors import SapTarget, ShopifySource
from edigate.model import Order
from edigate.stages import commerce
from edigate.stages.pipeline import Pipeline
from edigate.stages.receive import REPLIES, receive
from edigate.store import Store, Transmission

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

__all__ = ["MAX_IDOC", "PREFIX", "SEEN", "StoredWebhooks", "routed", "sap_apps", "shopify_apps"]

PREFIX = "/shopify/"
MAX_IDOC = 32 * 2**20
"""The largest IDoc taken over HTTP."""
SEEN = "shopify.webhook"
"""Mark kind: a Shopify webhook id taken (key: partner and webhook id)."""


class StoredWebhooks:
    """`edigate.connectors.shopify.SeenWebhooks` on the store: atomic across processes and restarts."""

    def __init__(self, store: Store, partner: str) -> None:
        self.store, self.partner = store, partner

    def first_time(self, webhook_id: str) -> bool:
        return self.store.mark_once(SEEN, f"{self.partner}:{webhook_id}")

    def forget(self, webhook_id: str) -> None:
        self.store.unmark(SEEN, f"{self.partner}:{webhook_id}")


def shopify_apps(pipeline: Pipeline, on_received: Callable[[Transmission], None]) -> dict[str, WSGIApplication]:
    """Path -> webhook app, for every partner whose orders come from a Shopify shop."""
    from edigate.connectors.shopify import WebhookApp

    apps: dict[str, WSGIApplication] = {}
    for pid, partner in sorted(pipeline.partners.items()):
        source = partner.commerce
        if isinstance(source, ShopifySource):
            apps[PREFIX + pid] = WebhookApp(source.webhook_secret, pid, _taker(pipeline, pid, on_received),
                                            StoredWebhooks(pipeline.store, pid))
    return apps


def sap_apps(pipeline: Pipeline, on_received: Callable[[Transmission], None]) -> dict[str, WSGIApplication]:
    """Path -> IDoc inbox, for every SAP target that takes its replies over HTTP."""
    apps: dict[str, WSGIApplication] = {}
    for pid, partner in sorted(pipeline.partners.items()):
        for dest in partner.routing:
            if isinstance(dest.target, SapTarget) and dest.target.replies_login is not None:
                apps[f"/sap/{pid}/{dest.name}"] = _IdocInbox(pipeline, pid, dest.target.replies_login, on_received)
    return apps


class _IdocInbox:
    """Takes IDoc XML posted by SAP: authenticated, then received as a reply transmission."""

    def __init__(self, pipeline: Pipeline, partner: str, login: BasicAuth,
                 on_received: Callable[[Transmission], None]) -> None:
        self.pipeline, self.partner, self.login, self.on_received = pipeline, partner, login, on_received

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        status, text = self._handle(environ)
        start_response(status, [("Content-Type", "text/plain"), ("Content-Length", str(len(text)))])
        return [text]

    def _handle(self, environ: WSGIEnvironment) -> tuple[str, bytes]:
        if environ.get("REQUEST_METHOD") != "POST":
            return "405 Method Not Allowed", b"POST only\n"
        expected = "Basic " + base64.b64encode(f"{self.login.user}:{self.login.password.resolve()}".encode()).decode()
        if not hmac.compare_digest(str(environ.get("HTTP_AUTHORIZATION") or "").encode(), expected.encode()):
            return "401 Unauthorized", b"logon failed\n"
        length = str(environ.get("CONTENT_LENGTH") or "")
        if not length.isdigit() or int(length) == 0:  # chunked or empty: nothing to record
            return "411 Length Required", b"an IDoc with its Content-Length\n"
        if int(length) > MAX_IDOC:
            return "413 Payload Too Large", b"too large\n"
        body = environ["wsgi.input"].read(int(length))
        name = f"idoc-{hashlib.sha256(body).hexdigest()[:16]}.xml"
        self.on_received(receive(self.pipeline, self.partner, f"{REPLIES}http", name, body))
        return "200 OK", b"received\n"


def _taker(pipeline: Pipeline, partner: str,
           on_received: Callable[[Transmission], None]) -> Callable[[Order, bytes], None]:
    def accept(order: Order, _body: bytes) -> None:
        on_received(commerce.take(pipeline, partner, "shopify", order))
    return accept


def routed(default: WSGIApplication | None, apps: Mapping[str, WSGIApplication]) -> WSGIApplication:
    """One WSGI app: a request to a path of ``apps`` goes there, any other to ``default``."""
    def app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        chosen = apps.get(str(environ.get("PATH_INFO") or "").rstrip("/")) or default
        if chosen is None:
            start_response("404 Not Found", [("Content-Type", "text/plain"), ("Content-Length", "10")])
            return [b"not found\n"]
        return chosen(environ, start_response)
    return app


