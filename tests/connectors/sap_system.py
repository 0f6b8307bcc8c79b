"""A local stand-in for SAP S/4HANA's IDoc XML inbound service, and the IDocs SAP sends back.

It behaves as SAP documents it: basic authentication against the service user (401 with
SAP's logon-failed page otherwise), the IDoc checked against ORDERS05 (400 with the
parser's message when it does not match), and the control record's receiver checked
against the partner profile (a 500 with SAP's "no partner profile" text otherwise). The
replies are written as SAP's outbound processing would for what it received: an ORDRSP
(ORDERS05) confirming the order, a DESADV (DELVRY07) with handling units, an INVOIC
(INVOIC02) — segment and field names from SAP's IDoc documentation (WE60).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from decimal import Decimal

from lxml import etree

from edigate.connectors.sap_orders import ORDERS05_XSD
from edigate.model import sscc_check_digit
from tests.support.httpd import Answer, Request

SAP_LOGON_FAILED = b"<html><head><title>Logon failed</title></head><body>Logon failed</body></html>"


@dataclass
class SapSystem:
    """What the fake S/4HANA accepted; ``fail`` queues answers to give before accepting."""

    user: str
    password: str
    receiver: str = "S4HCLNT100"
    idocs: list[bytes] = field(default_factory=list)
    fail: list[Answer] = field(default_factory=list)

    def __call__(self, r: Request) -> Answer:
        expected = "Basic " + base64.b64encode(f"{self.user}:{self.password}".encode()).decode()
        if r.header("authorization") != expected:
            return 401, {"WWW-Authenticate": 'Basic realm="SAP NetWeaver Application Server [S4H/100]"'}, SAP_LOGON_FAILED
        if self.fail:
            return self.fail.pop(0)
        parser = etree.XMLParser(resolve_entities=False, no_network=True)
        try:
            doc = etree.fromstring(r.body, parser)
        except etree.XMLSyntaxError as exc:
            return 400, {"Content-Type": "text/plain"}, f"IDoc XML could not be parsed: {exc}".encode()
        schema = etree.XMLSchema(etree.parse(str(ORDERS05_XSD), parser))
        if not schema.validate(doc):
            return 400, {"Content-Type": "text/plain"}, str(schema.error_log).encode()
        if doc.findtext("IDOC/EDI_DC40/RCVPRN") != self.receiver:
            return 500, {"Content-Type": "text/plain"}, b"No partner profile found for the receiver (EA 332)"
        self.idocs.append(r.body)
        return 200, {"Content-Type": "text/plain"}, f"IDoc {len(self.idocs):016d} created".encode()


def _seg(parent: etree._Element, name: str, **fields: str) -> etree._Element:
    el = etree.SubElement(parent, name, SEGMENT="1")
    for tag, value in fields.items():
        etree.SubElement(el, tag).text = value
    return el


def _idoc(idoc_type: str, message: str) -> tuple[etree._Element, etree._Element]:
    root = etree.Element(idoc_type)
    idoc = etree.SubElement(root, "IDOC", BEGIN="1")
    _seg(idoc, "EDI_DC40", TABNAM="EDI_DC40", MANDT="100", DOCNUM="0000000000004711", DIRECT="1",
         IDOCTYP=idoc_type, MESTYP=message, SNDPOR="SAPS4H", SNDPRT="LS", SNDPRN="S4HCLNT100",
         RCVPOR="EDIGATE", RCVPRT="LS", RCVPRN="EDIGATE", CREDAT="20261202", CRETIM="101500")
    return root, idoc


def _po(orders05: bytes) -> tuple[str, str, list[etree._Element]]:
    doc = etree.fromstring(orders05, etree.XMLParser(resolve_entities=False, no_network=True))
    k02 = doc.find("IDOC/E1EDK02")
    assert k02 is not None
    return k02.findtext("BELNR") or "", k02.findtext("DATUM") or "", doc.findall("IDOC/E1EDP01")


def ordrsp(orders05: bytes, *, short_line: int = 1, rejected_line: int | None = None) -> bytes:
    """SAP's order confirmation: every item confirmed in full on 2026-12-08, except item
    ``short_line`` (half) and ``rejected_line`` (reason for rejection 02)."""
    po, po_date, items = _po(orders05)
    root, idoc = _idoc("ORDERS05", "ORDRSP")
    _seg(idoc, "E1EDK01", CURCY="USD", BELNR="0000012345")
    _seg(idoc, "E1EDK02", QUALF="001", BELNR=po, DATUM=po_date)
    for n, item in enumerate(items):
        ordered = Decimal(item.findtext("MENGE") or "0")
        confirmed = ordered / 2 if n == short_line else ordered
        fields = {"POSEX": f"{(n + 1) * 10:06d}", "MENGE": item.findtext("MENGE") or "",
                  "MENEE": item.findtext("MENEE") or ""}
        if item.findtext("VPREI"):
            fields["VPREI"] = item.findtext("VPREI") or ""
        if n == rejected_line:
            fields["ABGRU"] = "02"
        p01 = _seg(idoc, "E1EDP01", **fields)
        _seg(p01, "E1EDP02", QUALF="001", BELNR=po, ZEILE=item.findtext("POSEX") or "")
        _seg(p01, "E1EDP20", WMENG=f"{confirmed:.3f}", EDATU="20261208")
        for p19 in item.findall("E1EDP19"):
            _seg(p01, "E1EDP19", QUALF=p19.findtext("QUALF") or "", IDTNR=p19.findtext("IDTNR") or "")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def desadv(orders05: bytes, *, delivery: str = "0080001234") -> bytes:
    """SAP's outbound delivery ``delivery`` (DELVRY07): every item shipped in full, one
    handling unit (SSCC-18) per item, goods issue on 2026-12-09."""
    po, po_date, items = _po(orders05)
    root, idoc = _idoc("DELVRY07", "DESADV")
    l20 = _seg(idoc, "E1EDL20", VBELN=delivery, BOLNR="BOL778899", BTGEW="42.500", GEWEI="LB", ANZPK=str(len(items)))
    _seg(l20, "E1ADRM1", PARTNER_Q="WE", PARTNER_ID="0042", NAME1="BIGBOX DC 42", STREET1="1 DC ROAD",
         CITY1="BENTONVILLE", POSTL_COD1="72712", REGION="AR", COUNTRY1="US")
    _seg(l20, "E1ADRM1", PARTNER_Q="SP", PARTNER_ID="FDEG")
    _seg(l20, "E1EDT13", QUALF="006", NTANF="20261209")
    for n, item in enumerate(items):
        posnr = f"{(n + 1) * 10:06d}"
        ids = {p.findtext("QUALF"): p.findtext("IDTNR") or "" for p in item.findall("E1EDP19")}
        l24 = _seg(l20, "E1EDL24", POSNR=posnr, MATNR=ids.get("002") or f"MAT{n}", LFIMG=item.findtext("MENGE") or "",
                   VRKME=item.findtext("MENEE") or "")
        _seg(l24, "E1EDL41", QUALI="001", BSTNR=po, BSTDT=po_date, POSEX=item.findtext("POSEX") or "")
    for n, item in enumerate(items):
        first17 = f"0{'0614141':0<7}{n + 1:09d}"[:17]
        hu = _seg(l20, "E1EDL37", EXIDV=first17 + sscc_check_digit(first17), EXIDV2=f"1Z999AA1012345678{n}")
        _seg(hu, "E1EDL44", VELIN="1", VBELN=delivery, POSNR=f"{(n + 1) * 10:06d}",
             VEMNG=item.findtext("MENGE") or "", VEMEH=item.findtext("MENEE") or "")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def invoic(orders05: bytes, *, tax: Decimal = Decimal("7.25"), total_off_by: Decimal = Decimal(0)) -> bytes:
    """SAP's billing document (INVOIC02) for every item at its ordered price, with sales tax
    and the total in E1EDS01 (``total_off_by`` makes it disagree with the lines)."""
    po, po_date, items = _po(orders05)
    root, idoc = _idoc("INVOIC02", "INVOIC")
    _seg(idoc, "E1EDK01", CURCY="USD", BELNR="0090005678")
    _seg(idoc, "E1EDKA1", PARVW="AG", PARTN="100042", NAME1="BIGBOX STORES INC")
    _seg(idoc, "E1EDKA1", PARVW="RS", PARTN="1000", NAME1="ACME SUPPLY CO", STRAS="9 MILL ST", ORT01="AKRON",
         PSTLZ="44301", REGIO="OH", LAND1="US")
    _seg(idoc, "E1EDK02", QUALF="001", BELNR=po, DATUM=po_date)
    _seg(idoc, "E1EDK02", QUALF="009", BELNR="0090005678", DATUM="20261210")
    _seg(idoc, "E1EDK03", IDDAT="026", DATUM="20261210")
    _seg(idoc, "E1EDK04", MWSKZ="O1", MSATZ="7.250", MWSBT=f"{tax:.2f}")
    total = tax
    for n, item in enumerate(items):
        qty, price = Decimal(item.findtext("MENGE") or "0"), Decimal(item.findtext("VPREI") or "1")
        total += (qty * price).quantize(Decimal("0.01"))
        p01 = _seg(idoc, "E1EDP01", POSEX=f"{(n + 1) * 10:06d}", MENGE=item.findtext("MENGE") or "",
                   MENEE=item.findtext("MENEE") or "", VPREI=str(price), PEINH="1")
        _seg(p01, "E1EDP02", QUALF="001", BELNR=po, ZEILE=item.findtext("POSEX") or "")
        for p19 in item.findall("E1EDP19"):
            _seg(p01, "E1EDP19", QUALF=p19.findtext("QUALF") or "", IDTNR=p19.findtext("IDTNR") or "")
    _seg(idoc, "E1EDS01", SUMID="011", SUMME=f"{total + total_off_by:.2f}", WAERQ="USD")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")
