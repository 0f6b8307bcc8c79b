"""The business systems around the order: ERPs and commerce platforms, over the HTTP channel.

Each system has its own modules: what an order becomes for it (a payload format routing
writes, `edigate.connectors.formats`), how it is delivered (a channel type in
`edigate.transport.CHANNEL_TYPES`), and how what the system decided, shipped and billed
becomes our PoAck, Shipment and Invoice, so the 855, 856 and 810 come from it.

- SAP S/4HANA: `sap_orders` (ORDERS05 IDoc out), `sap_replies` (ORDRSP, DESADV, INVOIC in).
- NetSuite: `netsuite` (salesOrder upsert by external id, SuiteQL read-back).
- Oracle Fusion Order Management: `oracle` (salesOrdersForOrderHub, status read back).
- Magento: `magento` (orders from the REST orders search; shipments back with tracking).
- Shopify: `shopify` (signed orders/create webhooks in, replays refused; fulfillments back).
"""

from __future__ import annotations

from edigate.connectors.formats import PAYLOAD_FORMATS, PayloadFormat

__all__ = ["PAYLOAD_FORMATS", "PayloadFormat"]
