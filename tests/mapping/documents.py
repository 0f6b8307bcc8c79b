"""PoAcks, Shipments and Invoices whose values an X12 element can carry.

`tests.support.strategies` draws any text and 1-3 character codes, which no X12 element list
accepts as is (N104 needs 2+ characters, N4 state 2, SAC needs SAC02 ...). These
strategies reuse its dates, amounts, SSCCs and weights and draw text and codes within
the element lengths of the 004010/005010 specs, and codes from their lists where 004010 has
a whole list (codes-004010.yaml), so that a validation error means a map or the engine is
wrong, not the data.
"""

from __future__ import annotations

from hypothesis import strategies as st

from edigate.model import (
    AckType,
    Address,
    AllowanceCharge,
    AllowanceOrCharge,
    Carrier,
    Carton,
    Contact,
    Dates,
    Fob,
    Invoice,
    InvoiceLine,
    LineAck,
    LineStatus,
    Note,
    Order,
    OrderLine,
    Party,
    PartyIds,
    PoAck,
    ProductIds,
    Purpose,
    Reference,
    Shipment,
    ShippedItem,
    ShippedOrder,
    Tax,
    Terms,
    sscc_check_digit,
)
from tests.support.strategies import (
    dates,
    money,
    opt,
    percents,
    prices,
    quantities,
    ssccs,
    times,
    weights,
)

__all__ = ["invoices", "orders", "po_acks", "shipments"]

ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
text = st.from_regex(r"[A-Z0-9](?:[A-Za-z0-9 .,&'/-]{0,18}[A-Z0-9])?", fullmatch=True)
ids = st.text("0123456789", min_size=2, max_size=12)


def code(low: int, high: int | None = None) -> st.SearchStrategy[str]:
    return st.text(ALNUM, min_size=low, max_size=high or low)


def tuples_of(strategy: st.SearchStrategy, max_size: int = 3) -> st.SearchStrategy:
    return st.lists(strategy, max_size=max_size).map(tuple)


uoms = st.sampled_from(["EA", "CA", "DZ", "PK", "LB"])
product_ids = st.lists(st.tuples(st.sampled_from(["UP", "EN", "BP", "VN", "SK", "IN", "UK"]),
                                 ids), max_size=3).map(ProductIds)
addresses = st.builds(Address, lines=tuples_of(text, 2), city=opt(code(2, 20)),
                      state=opt(code(2)), postal_code=opt(code(3, 9)), country=opt(code(2)))
contacts = st.builds(Contact, function=st.sampled_from(["BD", "IC", "OC", "SR", "AP"]), name=opt(text), phone=opt(ids),
                     email=opt(st.from_regex(r"[a-z]{1,8}@[a-z]{1,8}\.example", fullmatch=True)),
                     fax=opt(ids))


def parties(role: str) -> st.SearchStrategy[Party]:
    return st.builds(Party, role=st.just(role), name=text, additional_names=tuples_of(text, 2),
                     address=opt(addresses), contacts=tuples_of(contacts, 2),
                     ids=st.lists(st.tuples(st.sampled_from(["1", "9", "UL", "92"]), ids),
                                  max_size=1).map(PartyIds))


references = st.builds(Reference, qualifier=code(2, 3), value=text, description=opt(text))
notes = st.builds(Note, text=text, code=opt(st.sampled_from(["GEN", "ORI", "SPH", "LIN"])))
carriers = st.builds(Carrier, scac=opt(code(2, 4)), routing=opt(text),
                     transport_method=opt(st.sampled_from(["M", "U", "A", "ZZ"])))
adjustments = st.builds(AllowanceCharge, indicator=st.sampled_from(AllowanceOrCharge),
                        code=code(4), amount=opt(money), percent=opt(percents),
                        description=opt(text))
purpose_codes = st.sampled_from(["00", "01", "04", "05", "06", "07"])

# -- 855 ---------------------------------------------------------------------------------

line_acks = st.builds(LineAck, line_number=code(1, 6), status=st.sampled_from(LineStatus),
                      quantity=quantities, uom=uoms, unit_price=opt(prices),
                      scheduled_date=opt(dates), product_ids=product_ids,
                      ordered_quantity=opt(quantities))


def po_acks(max_lines: int = 4) -> st.SearchStrategy[PoAck]:
    return st.builds(PoAck, po_number=code(1, 22), po_date=dates, ack_type=st.sampled_from(AckType),
                     ack_date=dates, purpose=st.sampled_from(Purpose), purpose_code=purpose_codes,
                     # BAK08 is element 327 (1-8) in our spec, 127 (1-30) in the standard
                     ack_number=opt(code(1, 8)), buyer=opt(parties("BY")),
                     seller=opt(parties("SE")), ship_to=opt(parties("ST")),
                     references=tuples_of(references, 2), lines=tuples_of(line_acks, max_lines),
                     notes=tuples_of(notes, 2))

# -- 940 (an Order for the 3PL) --------------------------------------------------------------

our_items = st.tuples(st.just("VN"), ids).map(lambda pair: ProductIds([pair]))  # the 3PL needs our item
order_lines = st.builds(OrderLine, line_number=st.text("0123456789", min_size=1, max_size=6),  # LX01 is N0 1/6
                        quantity=quantities, uom=uoms, product_ids=our_items, description=opt(text))


def orders(max_lines: int = 4) -> st.SearchStrategy[Order]:
    return st.builds(Order, po_number=code(1, 22), po_date=dates, release_number=opt(code(1, 22)),
                     ship_to=opt(parties("ST")), mark_for=opt(parties("Z7")),
                     dates=st.builds(Dates, requested_ship=opt(dates), requested_delivery=opt(dates),
                                     cancel_after=opt(dates)),
                     notes=tuples_of(notes, 2),
                     lines=st.lists(order_lines, min_size=1, max_size=max_lines).map(tuple))  # a 940 needs a line


# -- 856 ---------------------------------------------------------------------------------

items = st.builds(ShippedItem, line_number=code(1, 6), quantity_shipped=quantities, uom=uoms,
                  product_ids=product_ids, ordered_quantity=opt(quantities))
pallets = st.sampled_from(["00614141" + n for n in ("000000001", "000000002")]).map(
    lambda body: body + sscc_check_digit(body))  # few, so that cartons share pallets
cartons = st.builds(Carton, sscc=opt(ssccs), items=tuples_of(items, 3),
                    tracking_number=opt(ids), pallet_sscc=opt(pallets), weight=opt(weights))
shipped_orders = st.builds(ShippedOrder, po_number=code(1, 22), po_date=opt(dates),
                           cartons=tuples_of(cartons, 3), items=tuples_of(items, 2),
                           references=tuples_of(references, 2))


def shipments(max_orders: int = 3) -> st.SearchStrategy[Shipment]:
    return st.builds(
        Shipment, shipment_id=code(2, 30), ship_date=dates, ship_time=opt(times),
        purpose_code=opt(purpose_codes), carrier=opt(carriers), tracking_number=opt(ids),
        bol_number=opt(ids), gross_weight=opt(weights), lading_quantity=opt(st.integers(1, 9999)),
        packaging_code=opt(st.sampled_from(["CTN25", "PLT94", "CTN"])),
        estimated_delivery=opt(dates), ship_from=opt(parties("SF")), ship_to=opt(parties("ST")),
        other_parties=tuples_of(parties("BY"), 1), references=tuples_of(references, 2),
        orders=tuples_of(shipped_orders, max_orders))

# -- 810 ---------------------------------------------------------------------------------

terms = st.one_of(
    st.builds(Terms, type_code=st.sampled_from(["01", "05", "08"]), basis_date_code=st.just("3"),
              net_days=opt(st.integers(0, 180)), description=opt(text)),
    st.builds(Terms, type_code=st.just("08"), basis_date_code=st.just("3"),
              discount_percent=percents, discount_days=st.integers(0, 90),
              net_days=st.integers(0, 180)))
fobs = st.one_of(st.builds(Fob, payment_method=st.sampled_from(["CC", "PP"])),
                 st.builds(Fob, payment_method=st.sampled_from(["CC", "PP"]),
                           location_qualifier=st.just("OR"), location=text))
invoice_lines = st.builds(InvoiceLine, line_number=code(1, 6), quantity=quantities, uom=uoms,
                          unit_price=prices, price_basis=opt(st.sampled_from(["PE", "UM"])),
                          product_ids=product_ids, description=opt(text),
                          allowances_charges=tuples_of(adjustments, 2))
taxes = st.builds(Tax, type_code=st.sampled_from(["ST", "GS", "CP"]), amount=money,
                  percent=opt(percents))


def invoices(max_lines: int = 5) -> st.SearchStrategy[Invoice]:
    return st.builds(
        Invoice, invoice_number=code(1, 22), invoice_date=dates, po_number=code(1, 22),
        po_date=opt(dates), purpose=st.sampled_from(Purpose), currency=opt(st.just("USD")),
        ship_date=opt(dates), buyer=opt(parties("BY")), seller=opt(parties("SE")),
        ship_to=opt(parties("ST")), bill_to=opt(parties("BT")), remit_to=opt(parties("RI")),
        ship_from=opt(parties("SF")), terms=opt(terms), fob=opt(fobs), carrier=opt(carriers),
        references=tuples_of(references, 2), lines=tuples_of(invoice_lines, max_lines),
        allowances_charges=tuples_of(adjustments, 2), taxes=tuples_of(taxes, 2),
        notes=tuples_of(notes, 2))
