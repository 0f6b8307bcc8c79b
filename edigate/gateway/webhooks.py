"""Shopify's ``orders/create`` webhooks on the gateway's listener, one path per partner.

Each partner whose ``commerce`` is a Shopify shop gets ``/shopify/<partner id>``: the
signed order (`edigate.connectors.shopify.WebhookApp`) is received as a commerce
transmission (`edigate.stages.commerce.take`) before Shopify is answered ``200``, so an
answered webhook is never lost. Webhook ids are kept in the store (`StoredWebhooks`), so
a replay is refused after a restart too, and by any gateway on the same store.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING

from edigate.config.connectors import ShopifySource
from edigate.model import Order
from edigate.stages import commerce
from edigate.stages.pipeline import Pipeline
from edigate.store import Store, Transmission

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

__all__ = ["PREFIX", "SEEN", "StoredWebhooks", "routed", "shopify_apps"]

PREFIX = "/shopify/"
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


