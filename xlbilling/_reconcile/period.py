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
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING

import pandas as pd

from xlbilling._apis.xarios_charges import InvoiceCharges, is_purchase, service_days
from xlbilling._errors import MissingMapping, NoInvoiceItems
from xlbilling._inputs.mapping import Mapping
from xlbilling._inputs.prices import Price
from xlbilling._reconcile.compare import compare
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


def counted(opened: pd.Series, closed: pd.Series, start: date, end: date) -> pd.Series:
    """Which items, by their first and last day of service, are counted in the period ``start`` to ``end``
    (the module docstring says why)."""
    first, last = pd.Timestamp(start), pd.Timestamp(end)
    return (opened <= last) & (closed >= first) & ~((opened < first) & (closed < last))


def period_items(invoice: XariosInvoice, start: date, end: date) -> pd.DataFrame:
    """The invoice's purchase items counted in the period ``start`` to ``end``, one by one."""
    items = invoice.items
    return items[counted(*service_days(items, invoice.header), start, end) & is_purchase(items)]


def period_charges(charges: InvoiceCharges, start: date, end: date) -> pd.DataFrame:
    """The invoice's purchase items counted in the period ``start`` to ``end``, added up (``InvoiceCharges``)."""
    rows = charges.items
    return rows[counted(rows["opened"], rows["closed"], start, end)]


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
    cost. The invoices are read at once, each added up as it arrives (``XariosReads.charges``).

    Raises ``MissingMapping`` without a mapping, ``NoInvoiceItems`` when no Xarios invoice item (of
    ``invoice_id``, when given) falls in the period, and ``NothingCompared`` when nothing matched.
    """
    if mapping is None:
        raise MissingMapping()
    start, end = period.start or period.end, period.end
    ids = [invoice_id] if invoice_id else candidate_invoices(xarios.invoices(), start, end)
    invoices = charges_of_invoices(xarios, ids)
    return reconciled(
        period, atria.invoice_lines(period), invoices, mapping=mapping, prices=prices, customers=atria.customers(),
        chosen=bool(invoice_id),
    )  # fmt: skip


def charges_of_invoices(xarios: XariosReads, ids: list[str]) -> list[InvoiceCharges]:
    """The charges of the invoices ``ids`` (a period's two or three), asked for at once."""
    if len(ids) < 2:
        return [xarios.charges(invoice_id) for invoice_id in ids]
    with ThreadPoolExecutor(len(ids), thread_name_prefix="invoices") as pool:
        return list(pool.map(xarios.charges, ids))


def reconciled(
    period: Period,
    billed: pd.DataFrame,
    invoices: list[InvoiceCharges],
    *,
    mapping: Mapping,
    prices: MappingType[str, Price] | None,
    customers: pd.DataFrame,
    chosen: bool = False,
) -> Reconciliation:
    """``reconcile_period`` from what it reads: the period's Atria invoice lines ``billed``, the charges of the
    invoices that may hold its items (``chosen``: the one invoice the user named, whose items for other
    periods are counted as outside it) and every Atria customer."""
    start, end = period.start or period.end, period.end
    found = [(invoice, period_charges(invoice, start, end)) for invoice in invoices]
    outside = 0
    if chosen:
        ((invoice, items),) = found
        outside = invoice.purchases - int(items["items"].sum())
        if not len(items):
            raise NoInvoiceItems(start, end, invoice.header.invoice_id, outside)
    found = [(invoice, items) for invoice, items in found if len(items)]
    if not found:
        raise NoInvoiceItems(start, end)
    charged = [invoice for invoice, _ in found]
    try:
        result = compare(billed, pd.concat([items for _, items in found], ignore_index=True), mapping, prices,
                         customers=customers)  # fmt: skip
    except NothingCompared as error:
        which = ", ".join(invoice.header.invoice_id for invoice in charged)
        raise NothingCompared(
            f"Period ending {end.isoformat()}, invoice {which}: {error.message}",
            error.hint,
            replace(error.reconciliation, invoice_checks=_checks(charged), period_end=end, outside_period=outside),
        ) from None
    return replace(result, invoice_checks=_checks(charged), period_end=end, outside_period=outside)


def _checks(invoices: list[InvoiceCharges]) -> pd.DataFrame:
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
