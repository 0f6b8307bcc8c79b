"""Hypothesis strategies for the canonical model, for any test module to reuse.

``orders()``, ``po_acks()``, ``shipments()``, ``invoices()`` build valid documents; the
smaller ones (``parties()``, ``money()`` ...) are public too. Text avoids nothing but
surrogates: a map or writer that cannot carry a character must say so itself.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import strategies as st

from edigate.model import (
    AckType,
    Address,
    AllowanceCharge,
    AllowanceOrCharge,
    Amount,
    Carrier,
    Carton,
    Contact,
    Dates,
    DeclaredTotals,
    Destination,
    Extensions,
    Fob,
    Invoice,
    InvoiceLine,
    ItemDescription,
    ItemDetail,
    LineAck,
    LineChange,
    LineStatus,
    Note,
    Order,
    OrderChange,
    OrderLine,
    Pack,
    Packaging,
    Party,
    PartyIds,
    PoAck,
    Price,
    ProductIds,
    Purpose,
    Reference,
    Schedule,
    Shipment,
    ShippedItem,
    ShippedOrder,
    SourceRef,
    SubLine,
    Tax,
    Terms,
    Weight,
    sscc_check_digit,
)

__all__ = [
    "addresses",
    "allowances_charges",
    "changes",
    "codes",
    "dates",
    "invoice_lines",
    "invoices",
    "money",
    "order_lines",
    "orders",
    "parties",
    "po_acks",
    "product_ids",
    "quantities",
    "ssccs",
    "shipments",
    "texts",
]

texts = st.text(st.characters(exclude_categories=["Cs"]), min_size=1, max_size=20)
codes = st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=1, max_size=3)
digits = st.text("0123456789", min_size=1, max_size=12)
dates = st.dates(min_value=date(1990, 1, 1), max_value=date(2099, 12, 31))
times = st.times().map(lambda t: t.replace(microsecond=0))


def _decimals(places: int, max_value: int) -> st.SearchStrategy[Decimal]:
    return st.decimals(
        min_value=0, max_value=max_value, places=places, allow_nan=False, allow_infinity=False
    )


money = _decimals(2, 10**9)
prices = _decimals(4, 10**6)
quantities = _decimals(3, 10**6)
percents = _decimals(3, 100)


def opt(strategy: st.SearchStrategy) -> st.SearchStrategy:
    """The strategy's values, or None."""
    return st.none() | strategy


def _ids(cls: type[PartyIds] | type[ProductIds], qualifiers: list[str]) -> st.SearchStrategy:
    pair = st.tuples(st.sampled_from(qualifiers), digits)
    return st.lists(pair, max_size=3).map(cls)


party_ids = _ids(PartyIds, ["1", "9", "UL", "92", "91", "ZZ"])
product_ids = _ids(ProductIds, ["UP", "EN", "BP", "VN", "SK", "IN", "UK", "UA", "CB"])
purposes = st.sampled_from(Purpose)


def tuples_of(strategy: st.SearchStrategy, max_size: int = 3) -> st.SearchStrategy:
    return st.lists(strategy, max_size=max_size).map(tuple)


addresses = st.builds(
    Address,
    lines=tuples_of(texts, 2),
    city=opt(texts),
    state=opt(codes),
    postal_code=opt(digits),
    country=opt(codes),
)
contacts = st.builds(
    Contact, function=codes, name=opt(texts), phone=opt(digits), email=opt(texts), fax=opt(digits)
)


def parties(role: str | None = None) -> st.SearchStrategy[Party]:
    return st.builds(
        Party,
        role=st.just(role) if role else codes,
        name=opt(texts),
        additional_names=tuples_of(texts, 2),
        address=opt(addresses),
        contacts=tuples_of(contacts, 2),
        ids=party_ids,
        references=tuples_of(st.builds(Reference, qualifier=codes, value=texts), 1),
        carrier=opt(st.builds(Carrier, scac=opt(codes), location=opt(texts))),
    )


all_dates = st.builds(
    Dates,
    requested_ship=opt(dates),
    requested_delivery=opt(dates),
    cancel_after=opt(dates),
    ship_not_before=opt(dates),
    ship_no_later=opt(dates),
    other=tuples_of(st.tuples(codes, dates), 2),
    deliver_not_after=opt(dates),
    deliver_not_before=opt(dates),
)
terms = st.builds(
    Terms,
    type_code=opt(codes),
    basis_date_code=opt(codes),
    discount_percent=opt(percents),
    discount_days=opt(st.integers(0, 365)),
    net_days=opt(st.integers(0, 365)),
    description=opt(texts),
    discount_due_date=opt(dates),
    net_due_date=opt(dates),
    discount_amount=opt(money),
    deferred_due_date=opt(dates),
    deferred_amount=opt(money),
    percent_payable=opt(percents),
    day_of_month=opt(st.integers(1, 31)),
    payment_method=opt(codes),
    percent=opt(percents),
)
carriers = st.builds(Carrier, scac=opt(codes), routing=opt(texts), transport_method=opt(codes),
                     sequence_code=opt(codes), id_qualifier=opt(codes), location_qualifier=opt(codes),
                     location=opt(texts), service_level=opt(codes))
fobs = st.builds(Fob, payment_method=codes, location_qualifier=opt(codes), location=opt(texts))
notes = st.builds(Note, text=texts, code=opt(codes))
references = st.builds(Reference, qualifier=codes, value=texts, description=opt(texts))
allowances_charges = st.builds(
    AllowanceCharge,
    indicator=st.sampled_from(AllowanceOrCharge),
    code=opt(codes),
    amount=opt(money),
    percent=opt(percents),
    description=opt(texts),
    agency_qualifier=opt(codes),
    agency_code=opt(codes),
    percent_qualifier=opt(codes),
    rate=opt(prices),
    uom=opt(codes),
    quantity=opt(quantities),
    handling_code=opt(codes),
    reference=opt(texts),
)
sources = st.builds(
    SourceRef, partner_id=codes, isa13=digits, gs06=digits, st02=digits, transmission_id=opt(digits),
    set_id=opt(st.just("860")),
)
packs = st.builds(
    Pack,
    pack=opt(st.integers(1, 999)),
    size=opt(quantities),
    size_uom=opt(codes),
    inner_pack=opt(st.integers(1, 999)),
    packaging_code=opt(codes),
    weight_qualifier=opt(codes),
    weight=opt(quantities),
    weight_uom=opt(codes),
    volume=opt(quantities),
    volume_uom=opt(codes),
    length=opt(quantities),
    width=opt(quantities),
    height=opt(quantities),
    dimension_uom=opt(codes),
)
destinations = st.builds(Destination, ship_to=parties("ST"), quantity=quantities, uom=opt(codes))
amounts = st.builds(Amount, qualifier=codes, amount=money)
extensions = st.lists(st.tuples(st.text("abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=12), texts),
                      max_size=2).map(Extensions)
line_prices = st.builds(Price, class_of_trade=opt(codes), type=opt(codes), amount=opt(prices),
                        quantity=opt(quantities), uom=opt(codes), multiplier_qualifier=opt(codes),
                        multiplier=opt(percents))
descriptions = st.builds(ItemDescription, type=codes, characteristic=opt(codes), agency=opt(codes),
                         code=opt(codes), text=opt(texts))
item_details = st.builds(ItemDetail, reason_code=codes, date=opt(dates), price_code=opt(codes),
                         unit_price=opt(prices), price_basis=opt(codes), quantity=opt(quantities),
                         uom=opt(codes), description=opt(texts))

schedules = st.builds(Schedule, quantity=quantities, uom=codes, date_qualifier=opt(codes), date=opt(dates),
                      end_qualifier=opt(codes), end_date=opt(dates), entity_code=opt(codes), name=opt(texts),
                      reference=opt(texts))
packagings = st.builds(Packaging, type=opt(codes), characteristic=opt(codes), agency=opt(codes), code=opt(codes),
                       text=opt(texts), unit_load_option=opt(codes))
sublines = st.builds(SubLine, line_number=digits, relationship=opt(codes), parent=opt(digits),
                     quantity=opt(quantities), uom=opt(codes), unit_price=opt(prices), price_basis=opt(codes),
                     product_ids=product_ids, description=opt(texts))

order_lines = st.builds(
    OrderLine,
    line_number=digits,
    quantity=quantities,
    uom=codes,
    unit_price=opt(prices),
    price_basis=opt(codes),
    product_ids=product_ids,
    description=opt(texts),
    pack=opt(packs),
    dates=all_dates,
    allowances_charges=tuples_of(allowances_charges, 2),
    destinations=tuples_of(destinations, 2),
    references=tuples_of(references, 2),
    notes=tuples_of(notes, 1),
    prices=tuples_of(line_prices, 2),
    descriptions=tuples_of(descriptions, 2),
    item_details=tuples_of(item_details, 1),
    amounts=tuples_of(amounts, 1),
    extensions=extensions,
    contacts=tuples_of(contacts, 1),
    carrier=opt(carriers),
    schedules=tuples_of(schedules, 2),
    sales_requirement=opt(codes),
    sublines=tuples_of(sublines, 1),
    packaging=tuples_of(packagings, 1),
    parties=tuples_of(parties("ST"), 1),
)


def orders(max_lines: int = 5) -> st.SearchStrategy[Order]:
    """Valid orders with every optional part sometimes present."""
    return st.builds(
        Order,
        po_number=digits,
        po_date=dates,
        purpose=purposes,
        purpose_code=opt(codes),
        order_type=codes,
        currency=opt(codes),
        release_number=opt(texts),
        contract_number=opt(texts),
        buyer=opt(parties("BY")),
        seller=opt(parties("SE")),
        ship_to=opt(parties("ST")),
        bill_to=opt(parties("BT")),
        ship_from=opt(parties("SF")),
        mark_for=opt(parties("Z7")),
        other_parties=tuples_of(parties(), 2),
        dates=all_dates,
        terms=opt(terms),
        carrier=opt(carriers),
        fob=opt(fobs),
        notes=tuples_of(notes, 2),
        allowances_charges=tuples_of(allowances_charges, 2),
        references=tuples_of(references, 3),
        lines=tuples_of(order_lines, max_lines),
        totals=opt(
            st.builds(
                DeclaredTotals,
                line_count=opt(st.integers(0, 10**6)),
                hash_total=opt(quantities),
                amount=opt(money),
            )
        ),
        source=opt(sources),
        contacts=tuples_of(contacts, 2),
        amounts=tuples_of(amounts, 2),
        extensions=extensions,
        sales_requirement=opt(codes),
        packaging=tuples_of(packagings, 1),
    )


line_changes = st.builds(
    LineChange,
    line_number=digits,
    change_code=st.sampled_from(["AI", "DI", "CA", "QI", "QD", "PC", "RZ"]),
    quantity=opt(quantities),
    quantity_left=opt(quantities),
    uom=opt(codes),
    unit_price=opt(prices),
    price_basis=opt(codes),
    product_ids=product_ids,
    description=opt(texts),
    dates=all_dates,
    references=tuples_of(references, 1),
    notes=tuples_of(notes, 1),
)


def changes(max_lines: int = 4) -> st.SearchStrategy[OrderChange]:
    """Valid 860 changes (OrderChange) with every optional part sometimes present."""
    return st.builds(
        OrderChange,
        po_number=digits,
        po_date=dates,
        purpose=purposes,
        purpose_code=opt(codes),
        order_type=opt(codes),
        release_number=opt(texts),
        change_number=opt(digits),
        change_date=opt(dates),
        ship_to=opt(parties("ST")),
        other_parties=tuples_of(parties(), 1),
        dates=all_dates,
        references=tuples_of(references, 2),
        notes=tuples_of(notes, 1),
        lines=tuples_of(line_changes, max_lines),
        source=opt(sources),
    )


line_acks = st.builds(
    LineAck,
    line_number=digits,
    status=st.sampled_from(LineStatus),
    quantity=quantities,
    uom=codes,
    unit_price=opt(prices),
    scheduled_date=opt(dates),
    product_ids=product_ids,
    ordered_quantity=opt(quantities),
)


def po_acks(max_lines: int = 5) -> st.SearchStrategy[PoAck]:
    return st.builds(
        PoAck,
        po_number=digits,
        po_date=dates,
        ack_type=st.sampled_from(AckType),
        ack_date=dates,
        purpose=purposes,
        purpose_code=opt(codes),
        ack_number=opt(digits),
        buyer=opt(parties("BY")),
        seller=opt(parties("SE")),
        ship_to=opt(parties("ST")),
        references=tuples_of(references, 2),
        lines=tuples_of(line_acks, max_lines),
        notes=tuples_of(notes, 2),
        source=opt(sources),
    )


ssccs = st.text("0123456789", min_size=17, max_size=17).map(lambda s: s + sscc_check_digit(s))
weights = st.builds(Weight, value=quantities, uom=st.sampled_from(["LB", "KG"]))
shipped_items = st.builds(
    ShippedItem,
    line_number=digits,
    quantity_shipped=quantities,
    uom=codes,
    product_ids=product_ids,
    ordered_quantity=opt(quantities),
)
cartons = st.builds(
    Carton,
    sscc=opt(ssccs),
    items=tuples_of(shipped_items, 3),
    tracking_number=opt(digits),
    pallet_sscc=opt(ssccs),
    weight=opt(weights),
)
shipped_orders = st.builds(
    ShippedOrder,
    po_number=digits,
    po_date=opt(dates),
    cartons=tuples_of(cartons, 3),
    items=tuples_of(shipped_items, 2),
    references=tuples_of(references, 2),
)


def shipments(max_orders: int = 3) -> st.SearchStrategy[Shipment]:
    return st.builds(
        Shipment,
        shipment_id=digits,
        ship_date=dates,
        ship_time=opt(times),
        purpose=purposes,
        purpose_code=opt(codes),
        structure_code=st.sampled_from(["0001", "0002", "0004"]),
        carrier=opt(carriers),
        tracking_number=opt(digits),
        bol_number=opt(digits),
        gross_weight=opt(weights),
        net_weight=opt(weights),
        lading_quantity=opt(st.integers(0, 9999)),
        packaging_code=opt(codes),
        estimated_delivery=opt(dates),
        ship_from=opt(parties("SF")),
        ship_to=opt(parties("ST")),
        other_parties=tuples_of(parties(), 1),
        references=tuples_of(references, 2),
        orders=tuples_of(shipped_orders, max_orders),
        source=opt(sources),
    )


invoice_lines = st.builds(
    InvoiceLine,
    line_number=digits,
    quantity=quantities,
    uom=codes,
    unit_price=prices,
    price_basis=opt(codes),
    product_ids=product_ids,
    description=opt(texts),
    allowances_charges=tuples_of(allowances_charges, 2),
)
taxes = st.builds(
    Tax, type_code=codes, amount=money, percent=opt(percents), jurisdiction=opt(texts)
)


def invoices(max_lines: int = 5) -> st.SearchStrategy[Invoice]:
    return st.builds(
        Invoice,
        invoice_number=digits,
        invoice_date=dates,
        po_number=digits,
        po_date=opt(dates),
        purpose=purposes,
        currency=opt(codes),
        ship_date=opt(dates),
        buyer=opt(parties("BY")),
        seller=opt(parties("SE")),
        ship_to=opt(parties("ST")),
        bill_to=opt(parties("BT")),
        remit_to=opt(parties("RI")),
        ship_from=opt(parties("SF")),
        other_parties=tuples_of(parties(), 1),
        terms=opt(terms),
        fob=opt(fobs),
        carrier=opt(carriers),
        references=tuples_of(references, 2),
        lines=tuples_of(invoice_lines, max_lines),
        allowances_charges=tuples_of(allowances_charges, 2),
        taxes=tuples_of(taxes, 2),
        notes=tuples_of(notes, 2),
        source=opt(sources),
    )
