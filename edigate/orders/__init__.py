"""The order domain: rules, decisions, purposes, stock, routing choices, fulfillment."""
