"""Margin over time: what each customer and product earns, period by period (revenue at the MSP's price,
cost at what Xarios charged, the reconciliation's leak), added up per customer, product and period."""

from xlbilling._margin.compute import DETAIL_COLUMNS, TOTALS
from xlbilling._margin.run import Chosen, Margin, choose_periods, for_sheet, margin, margin_between

BY = ("customer", "product", "period", "detail")
"""What a margin table may show: the totals per customer, product or period, or every line."""

__all__ = [
    "BY", "DETAIL_COLUMNS", "TOTALS", "Chosen", "Margin", "choose_periods", "for_sheet", "margin", "margin_between",
]  # fmt: skip
