"""A Xarios invoice reduced to what a reconciliation reads of it (``InvoiceCharges``): its purchase items added
up per service dates, tenant, part number and product name, a few thousand rows where the invoice has
100,000 items, with its header and arithmetic check. ``Xarios.charges`` reads an invoice straight into this
form, so its items are let go as soon as they are added up.

The rows keep the order in which each group's first item comes in the invoice, and amounts are added exactly
(``Decimal``), so whatever is added up or listed from them afterwards (per customer, per part, the tenants
named in first-seen order) comes out as it would from the items one by one.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pandas as pd

from xlbilling._apis.xarios_arithmetic import InvoiceCheck
from xlbilling._apis.xarios_invoice import InvoiceHeader, XariosInvoice
from xlbilling._errors import DataError
from xlbilling._values.money import to_decimal

KEYS = ("opened", "closed", "tenant_code_ext", "tenant_name", "part_number", "product_name")
"""What the items are added up by: the first and last day of service (``service_days``), the tenant, the part."""
COLUMNS = (*KEYS, "quantity", "value", "items")
"""The columns of ``InvoiceCharges.items``: the keys, the summed quantity and value, and how many items."""
_ZERO = Decimal(0)


@dataclass(frozen=True)
class InvoiceCharges:
    """An invoice's header, arithmetic check and purchase items added up (``COLUMNS``)."""

    header: InvoiceHeader
    check: InvoiceCheck
    items: pd.DataFrame

    @property
    def purchases(self) -> int:
        """How many purchase items the invoice holds."""
        return int(self.items["items"].sum())


def column_of(frame: pd.DataFrame, name: str) -> pd.Series:
    """The column ``name`` of ``frame``, or a column of ``None`` when it has none."""
    return frame[name] if name in frame else pd.Series([None] * len(frame), index=frame.index, dtype=object)


def is_purchase(items: pd.DataFrame) -> pd.Series:
    """Which items are purchases (all of them when the frame does not say)."""
    if "is_purchase" in items:
        return items["is_purchase"].fillna(False).astype(bool)
    return pd.Series(True, index=items.index)


def service_days(items: pd.DataFrame, header: InvoiceHeader) -> tuple[pd.Series, pd.Series]:
    """Each item's first and last day of service: its ``from_date`` and ``to_date`` as days, or the invoice's
    own period start and end where it has none."""
    return _day(items, "from_date", header.period_start), _day(items, "to_date", header.period_end)


def _day(items: pd.DataFrame, column: str, fallback: pd.Timestamp | None) -> pd.Series:
    days = pd.to_datetime(column_of(items, column)).dt.normalize()
    return days if fallback is None or pd.isna(fallback) else days.fillna(pd.Timestamp(fallback).normalize())


def charges_of(invoice: XariosInvoice) -> InvoiceCharges:
    """``invoice``'s purchase items added up per ``KEYS`` (a missing quantity or value counts as 0)."""
    items = invoice.items[is_purchase(invoice.items)]
    opened, closed = service_days(items, invoice.header)
    frame = pd.DataFrame(
        {
            "opened": opened,
            "closed": closed,
            **{key: column_of(items, key) for key in KEYS[2:]},
            "quantity": _amounts(column_of(items, "quantity"), "quantity"),
            "value": _amounts(column_of(items, "value"), "value"),
        }
    )
    grouped = frame.groupby(list(KEYS), sort=False, dropna=False)
    summed = grouped.agg(quantity=("quantity", "sum"), value=("value", "sum"), items=("quantity", "size"))
    return InvoiceCharges(invoice.header, invoice.check, summed.reset_index().loc[:, list(COLUMNS)])


def _amounts(values: pd.Series, what: str) -> pd.Series:
    """Exact Decimals, a missing amount as 0, each distinct amount read once."""
    present = values.astype(object).where(values.notna(), _ZERO)
    try:
        found = {value: to_decimal(value) for value in pd.unique(present)}
    except ValueError as error:
        raise DataError(f"An invoice item's {what} is not a number ({error}).", "Check the invoice.") from None
    return present.map(found).astype(object)
