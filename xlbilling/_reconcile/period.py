"""Reconciling one billing period: the Xarios invoice items for it, chosen by their service dates, compared
with what Atria billed (``xlbilling._reconcile.compare``). The CLI, ``XLB_RECONCILE``, the ribbon's Reconcile
button and the refresh all call ``reconcile_period``.

Xarios bills on the 1st, pro-rata arrears for the month just ended plus the next month in advance, so one
Atria period's charges sit on two invoices and an invoice holds two months' items. The items compared are
the purchase items whose service dates (``from_date`` to ``to_date``; an item without them takes its
invoice's period) overlap the Atria period (``start`` to ``end``; its end day only when Atria gives no
start), from every invoice holding such items: the invoices whose period overlaps the Atria period and the
one just before and just after them (the advance items for month M are on the invoice for M-1). An item
that began before the period and ends inside it is counted in the period before, whose end it covers, so no
item is counted twice when Atria periods end on another day than the month's last. ``invoice_id`` takes the
items from that one invoice only, still by their service dates: its items for other periods are not
compared, and ``outside_period`` counts them.
"""

from __future__ import annotations

from collections.abc import Mapping as MappingType
from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING

import pandas as pd

from xlbilling._errors import MissingMapping, NoInvoiceItems
from xlbilling._inputs.mapping import Mapping
from xlbilling._inputs.prices import Price
from xlbilling._reconcile.compare import column_of, compare, is_purchase
from xlbilling._reconcile.result import CHECK_COLUMNS, NothingCompared, Reconciliation

if TYPE_CHECKING:
    from xlbilling._apis.atria import AtriaReads
    from xlbilling._apis.xarios import XariosInvoice, XariosReads
    from xlbilling._values.period import Period


def candidate_invoices(invoices: pd.DataFrame, start: date, end: date) -> list[str]:
    """The ids of the Xarios invoices (an ``invoices()`` frame) that may hold items for ``start`` to ``end``:
    those whose period overlaps it, and those just before and just after them (advance and arrears items)."""
    starts, ends = invoices["period_start"].dt.normalize(), invoices["period_end"].dt.normalize()
    before, after = ends < pd.Timestamp(start), starts > pd.Timestamp(end)
    chosen = ~(before | after)
    if before.any():
        chosen |= ends == ends[before].max()
    if after.any():
        chosen |= starts == starts[after].min()
    return [str(i) for i in invoices.loc[chosen, "invoice_id"]]


def period_items(invoice: XariosInvoice, start: date, end: date) -> pd.DataFrame:
    """The invoice's purchase items counted in the period ``start`` to ``end`` (the module docstring says
    how their service dates are read)."""
    items = invoice.items
    opened = _service_day(items, "from_date", invoice.header.period_start)
    closed = _service_day(items, "to_date", invoice.header.period_end)
    first, last = pd.Timestamp(start), pd.Timestamp(end)
    counted = (opened <= last) & (closed >= first) & ~((opened < first) & (closed < last))
    return items[counted & is_purchase(items)]


def _service_day(items: pd.DataFrame, column: str, fallback: pd.Timestamp | None) -> pd.Series:
    """An item date as a day, the invoice's own period date where the item has none."""
    days = pd.to_datetime(column_of(items, column)).dt.normalize()
    return days if fallback is None or pd.isna(fallback) else days.fillna(pd.Timestamp(fallback).normalize())


def reconcile_period(
    atria: AtriaReads,
    xarios: XariosReads,
    period: Period,
    *,
    invoice_id: str | None = None,
    mapping: Mapping | None = None,
    prices: MappingType[str, Price] | None = None,
) -> Reconciliation:
    """Reconcile the Atria billing period ``period`` with the Xarios invoice items for it.

    The items are chosen by their service dates (see the
    module docstring) from the invoices around the period, or from the one invoice ``invoice_id`` only;
    that invoice's items for other periods are not compared (``outside_period`` counts them). ``prices``
    (the prices in force, by SKU) value the differences at selling price, otherwise they are valued at Xarios
    cost.

    Raises ``MissingMapping`` without a mapping, ``NoInvoiceItems`` when no Xarios invoice item (of
    ``invoice_id``, when given) falls in the period, and ``NothingCompared`` when nothing matched.
    """
    start, end = period.start or period.end, period.end
    if mapping is None:
        raise MissingMapping()
    outside = 0
    if invoice_id:
        chosen, items, outside = _items_of_invoice(xarios.invoice(invoice_id), start, end)
    else:
        chosen, items = _items_for_period(xarios, start, end)
    try:
        result = compare(atria.invoice_lines(period), items, mapping, prices, customers=atria.customers())
    except NothingCompared as error:
        which = ", ".join(invoice.header.invoice_id for invoice in chosen)
        raise NothingCompared(
            f"Period ending {end.isoformat()}, invoice {which}: {error.message}",
            error.hint,
            replace(error.reconciliation, invoice_checks=_checks(chosen), period_end=end, outside_period=outside),
        ) from None
    return replace(result, invoice_checks=_checks(chosen), period_end=end, outside_period=outside)


def _items_of_invoice(invoice: XariosInvoice, start: date, end: date) -> tuple[list[XariosInvoice], pd.DataFrame, int]:
    """The invoice, its purchase items for the period ``start`` to ``end``, and how many of its purchase
    items are for other periods; ``NoInvoiceItems`` when none is for this one."""
    items = period_items(invoice, start, end)
    outside = len(invoice.items[is_purchase(invoice.items)]) - len(items)
    if not len(items):
        raise NoInvoiceItems(start, end, invoice.header.invoice_id, outside)
    return [invoice], items, outside


def _items_for_period(xarios: XariosReads, start: date, end: date) -> tuple[list[XariosInvoice], pd.DataFrame]:
    """The invoices holding items for the period ``start`` to ``end``, and those items."""
    found = []
    for invoice_id in candidate_invoices(xarios.invoices(), start, end):
        invoice = xarios.invoice(invoice_id)
        items = period_items(invoice, start, end)
        if len(items):
            found.append((invoice, items))
    if not found:
        raise NoInvoiceItems(start, end)
    return [invoice for invoice, _ in found], pd.concat([items for _, items in found], ignore_index=True)


def _checks(invoices: list[XariosInvoice]) -> pd.DataFrame:
    rows = [
        {
            "invoice_id": invoice.header.invoice_id,
            "invoice_number": invoice.header.invoice_number,
            "period_start": invoice.header.period_start,
            "period_end": invoice.header.period_end,
            "subtotal": invoice.check.subtotal,
            "tax": invoice.check.tax,
            "total": invoice.check.total,
            "check": invoice.check.message,
        }
        for invoice in invoices
    ]
    return pd.DataFrame(rows, columns=list(CHECK_COLUMNS))
