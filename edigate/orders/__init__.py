"""The order domain: rules, decisions, purposes, stock, routing choices, fulfillment.

Pure: it reaches stored orders and stock only through the order book
(`edigate.orders.book.OrderBook`), which the store implements and so does the in-memory
book (`edigate.orders.memory`); it imports no store, channel, stage or desk module.
"""
