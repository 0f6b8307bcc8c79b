"""Routing targets that are business systems rather than folders: SAP S/4HANA, NetSuite,
Oracle Fusion Order Management.

Each is an `HttpSettings` (URL, authentication, timeout, tries) plus what the system needs
to file an order under the right organisation. `edigate.connectors` turns an order into the
system's document and `edigate.transport` sends it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from edigate.config.channels import BasicAuth, FolderChannel, HttpSettings, SftpChannel
from edigate.config.schema import setting
from edigate.config.secrets import SecretRef

__all__ = ["CommerceSource", "MagentoSource", "NetSuiteTarget", "OracleTarget", "SapTarget", "ShopifySource"]

_SAP_PARTNER = r"[A-Z0-9_]{1,10}"
_SAP_HINT = "1 to 10 capital letters, digits or _"


@dataclass(frozen=True, kw_only=True)
class SapTarget(HttpSettings):
    """SAP S/4HANA: each order is an ``ORDERS05`` IDoc (XML) posted to the system's IDoc
    XML inbound service (``url``, e.g. ``https://s4.example.com/sap/bc/idoc_xml?sap-client=100``).
    The control record's sender and receiver must match a partner profile (WE20) in SAP."""

    type: Literal["sap"] = "sap"
    client: str = setting(pattern=r"[0-9]{3}", hint="three digits, e.g. 100")
    """The SAP client (``MANDT``)."""
    sender_port: str = setting("EDIGATE", pattern=_SAP_PARTNER, hint=_SAP_HINT)
    """Our port in SAP's port definition (WE21): ``SNDPOR``."""
    sender_partner: str = setting(pattern=_SAP_PARTNER, hint=_SAP_HINT)
    """Our partner number in SAP's partner profile: ``SNDPRN``."""
    sender_partner_type: Literal["LS", "KU"] = "LS"
    """``LS`` (logical system) or ``KU`` (customer): ``SNDPRT``."""
    receiver_port: str = setting(pattern=_SAP_PARTNER, hint=_SAP_HINT)
    """SAP's port, usually ``SAP`` and the system id (``SAPS4H``): ``RCVPOR``."""
    receiver_partner: str = setting(pattern=_SAP_PARTNER, hint=_SAP_HINT)
    """SAP's logical system (``S4HCLNT100``): ``RCVPRN``."""
    sold_to: str = setting(pattern=r"[A-Z0-9]{1,10}", hint="the SAP customer number")
    """The SAP customer number of this trading partner (partner role ``AG``)."""
    sales_org: str = setting(pattern=r"[A-Z0-9]{4}", hint="four characters")
    """The sales organisation (``VKORG``), in E1EDK14 qualifier 008."""
    distribution_channel: str = setting("10", pattern=r"[A-Z0-9]{2}", hint="two characters")
    """The distribution channel (``VTWEG``), in E1EDK14 qualifier 007."""
    division: str = setting("00", pattern=r"[A-Z0-9]{2}", hint="two characters")
    """The division (``SPART``), in E1EDK14 qualifier 006."""
    order_type: str = setting("OR", pattern=r"[A-Z0-9]{1,4}", hint="1 to 4 characters (OR, TA)")
    """The sales document type (``AUART``), in E1EDK14 qualifier 012."""
    replies: FolderChannel | SftpChannel | None = None
    """Where SAP puts its answers for this partner's orders as IDoc XML (``ORDRSP``,
    ``DESADV``, ``INVOIC``; a folder or SFTP channel, polled as an inbound channel is):
    each file is a transmission whose order response, delivery or invoice becomes the 855,
    856 or 810 to the partner."""
    replies_login: BasicAuth | None = None
    """Take SAP's IDocs over HTTP too: SAP's HTTP-XML port posts them to
    ``/sap/<partner id>/<destination>`` on the gateway's listener with this user and
    password (basic authentication); each is a transmission as a file from ``replies`` is."""


@dataclass(frozen=True, kw_only=True)
class NetSuiteTarget(HttpSettings):
    """NetSuite: each order is a ``salesOrder`` upserted by external id through the REST
    record service (``url`` is ``https://<account>.suitetalk.api.netsuite.com``); use
    ``auth: {type: oauth1, realm: <account id>, ...}`` (token-based authentication)."""

    type: Literal["netsuite"] = "netsuite"
    customer: str = setting(pattern=r"[0-9]{1,12}", hint="the internal id of the customer record")
    """The NetSuite customer (``entity``) this partner's orders are entered for."""
    subsidiary: str | None = setting(None, pattern=r"[0-9]{1,12}", hint="an internal id")
    """The subsidiary (OneWorld accounts), if not the customer's."""
    location: str | None = setting(None, pattern=r"[0-9]{1,12}", hint="an internal id")
    """The warehouse location the order ships from, if not the customer's default."""
    read_back: bool = False
    """Read the orders' item fulfillments and invoices back (SuiteQL, every 5 minutes while
    ``edigate run`` runs): each becomes the 856 or 810 to the partner."""


@dataclass(frozen=True, kw_only=True)
class OracleTarget(HttpSettings):
    """Oracle Fusion Cloud Order Management: each order is created through the
    ``salesOrdersForOrderHub`` REST resource (``url`` is the pod, e.g.
    ``https://fa-xxxx.oraclecloud.com``), identified by source system and PO so that a
    resend finds the order it created instead of making another."""

    type: Literal["oracle"] = "oracle"
    source_system: str = setting(pattern=r"[A-Za-z0-9_]{1,30}", hint="the source system code (Order Management setup)")
    """The source system registered for edigate (``SourceTransactionSystem``)."""
    business_unit: str
    """The selling business unit (``BusinessUnitName``)."""
    buying_party_number: str = setting(pattern=r"[A-Za-z0-9_-]{1,30}", hint="the customer's party number")
    """The customer's party number (``BuyingPartyNumber``)."""
    submit: bool = True
    """Submit the order for fulfillment (``SubmittedFlag``), or leave it as a draft."""
    read_back: bool = False
    """Read each order's status and fulfillment lines back (every 5 minutes while ``edigate
    run`` runs): a status change is noted in the event log, lines that shipped become the
    partner's 856 (with their tracking number), and Receivables' invoices of the order the
    partner's 810 (once each)."""


@dataclass(frozen=True, kw_only=True)
class ShopifySource(HttpSettings):
    """Shopify as an order source: the shop's ``orders/create`` webhook is taken on the
    gateway's listener at ``/shopify/<partner id>``, and shipments go back as fulfillments
    through the Admin API (``url`` is ``https://<shop>.myshopify.com``, ``auth: {type:
    bearer, header: X-Shopify-Access-Token, token: env:...}``)."""

    type: Literal["shopify"] = "shopify"
    webhook_secret: SecretRef
    """The app's client secret, which signs each webhook (``X-Shopify-Hmac-Sha256``)."""


@dataclass(frozen=True, kw_only=True)
class MagentoSource(HttpSettings):
    """Magento (Adobe Commerce) as an order source: new orders are read from the REST orders
    search every ``poll_seconds`` while ``edigate run`` runs, and shipments go back with
    their tracking numbers (``url`` is the store's base URL, ``auth`` the integration's
    bearer token)."""

    type: Literal["magento"] = "magento"
    poll_seconds: int = setting(300, minimum=30, maximum=86400)
    """How often the orders search runs."""
    since: str = setting("2000-01-01 00:00:00", pattern=r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d",
                         hint="YYYY-MM-DD HH:MM:SS")
    """Orders created before this are not taken (the first search's start; then the store
    keeps where it got to)."""


CommerceSource = ShopifySource | MagentoSource
