"""A Xarios invoice's own arithmetic, redone in Decimal and compared with what the invoice says.

Items are processed in ``calculationOrder``: ``PRICE`` adds its value; ``SUM`` totals everything before
it (a later SUM includes earlier SUMs' totals and adjustments); ``ADJUSTPERCENTAGE`` adds
``operatorValueUsed`` percent of the latest SUM, rounded half-up to cents (usually VAT).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pandas as pd

from xlbilling._values.money import cents

_ZERO = Decimal(0)


@dataclass(frozen=True)
class InvoiceCheck:
    """The recomputed totals of one invoice and every place where the invoice disagrees with them."""

    subtotal: Decimal
    tax: Decimal
    total: Decimal
    differences: tuple[str, ...]

    @property
    def ok(self) -> bool:
        """True when every summary item and the invoice value match the arithmetic to the cent."""
        return not self.differences

    @property
    def message(self) -> str:
        """``matches`` or ``differs: ...`` listing each disagreement, for a cell or a terminal."""
        return "matches" if self.ok else "differs: " + "; ".join(self.differences)


def check_invoice(items: pd.DataFrame, invoice_value: Decimal | None) -> InvoiceCheck:
    """Recompute ``items`` (columns ``calculation_order, operator, operator_value, output_tags, value``)
    and compare every SUM and ADJUSTPERCENTAGE item, and ``invoice_value``, with the result."""
    running = _ZERO
    last_sum = _ZERO
    subtotal: Decimal | None = None
    tax = _ZERO
    differences: list[str] = []
    ordered = items.sort_values("calculation_order", kind="stable")
    columns = ("calculation_order", "operator", "operator_value", "output_tags", "value")
    for order, operator, percent, tags, value in zip(*(ordered[c].tolist() for c in columns), strict=True):
        reported = value if isinstance(value, Decimal) else _ZERO
        if not isinstance(value, Decimal):
            differences.append(f"item {order} ({operator}) has no value; counted as 0.00")
        if operator == "PRICE":
            running += reported
            continue
        if operator == "SUM":
            expected = running
            last_sum = expected
            subtotal = expected if subtotal is None else subtotal
        elif operator == "ADJUSTPERCENTAGE":
            rate = percent if isinstance(percent, Decimal) else _ZERO
            expected = cents(last_sum * rate / 100)
            running += expected
            tax += expected
        else:
            differences.append(f"item {order} has an unknown operator '{operator}' and was left out")
            continue
        if reported != expected:
            differences.append(_difference(f"{_label(tags, str(operator))} item {order}", reported, expected))
    if invoice_value is not None and invoice_value != running:
        differences.append(_difference("invoice value", invoice_value, running))
    return InvoiceCheck(subtotal if subtotal is not None else running, tax, running, tuple(differences))


def _label(tags: object, operator: str) -> str:
    names = [tag for tag in str(tags or "").split(",") if tag and tag != "Summary"]
    return names[-1] if names else ("Summary" if operator == "SUM" else operator)


def _difference(what: str, reported: Decimal, expected: Decimal) -> str:
    gap = int((reported - expected) * 100)
    direction = "more" if gap > 0 else "less"
    unit = "cent" if abs(gap) == 1 else "cents"
    return f"{what} says {reported:.2f}, the arithmetic gives {expected:.2f} ({abs(gap)} {unit} {direction})"
