"""The names of the billing workbook's refreshable tables, with no import behind them so ``--help`` stays fast."""

ALL = (
    "periods",
    "customers",
    "summary",
    "detail",
    "invoice_lines",
    "analysis",
    "xarios_invoices",
    "changes",
    "built_invoices",
)
"""What "Refresh all" and ``xlbilling refresh`` without ``--only`` refresh (reconciliation and margin have
their own buttons, as they need a product mapping; the built invoices are read from the invoices folder)."""
BY_NAME = ("reconciliation", "margin")
"""The tables refreshed only when named: they need the product mapping (and the margin the price list) that
the Control sheet names."""
