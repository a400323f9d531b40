"""The ``XLB_...`` Excel formulas (xlwings UDFs).

Tables spill with a header row (Excel's native dynamic arrays); dates come back as dates and money as
numbers. A formula never shows a traceback: when a table cannot be had, its cell holds one short message
saying what is wrong and what to do; when a number cannot, its cell shows ``#N/A`` or ``#VALUE!`` and
``=XLB_ERROR(cell)`` shows that message (``xlbilling._excel.failures``). Results are cached (see
``xlbilling._session.results``), so a sheet full of formulas sends one request per distinct data set, and answers at
once while an API is down.

Arguments take what Excel passes: numbers as floats, date cells as ``datetime``, empty cells as
``None``, ``TRUE``/``FALSE`` as ``bool``, and ranges as lists.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
import xlwings as xw

from xlbilling._apis.atria import billable_counts
from xlbilling._errors import InputError, UnknownSku
from xlbilling._excel.arguments import file_arg, flag_arg, folder_of, mapping_arg, single, text_arg, version
from xlbilling._excel.failures import formula, message_of, number
from xlbilling._excel.live import XlwingsBook
from xlbilling._inputs.mapping import Mapping, load_mapping
from xlbilling._inputs.prices import PriceList, load_prices
from xlbilling._margin import BY, for_sheet
from xlbilling._session.cached import OPEN_TTL
from xlbilling._session.session import Session, current
from xlbilling._values.dates import parse_period
from xlbilling._values.period import Period
from xlbilling._workbook.control import read_params
from xlbilling._xlsx.tablecells import cell_value

CATEGORY = "xlbilling"
Cells = list[list[Any]]

PERIOD_DOC = "Any day of the billing period (usually its end date): a date cell, an Excel date or text like 2026-10-31."
CUSTOMER_DOC = "Optional customer code, account code or name (empty: every customer)."
BILLABLE_DOC = "Optional TRUE to keep billable items only (default FALSE)."
SKU_DOC = "The product SKU, e.g. M365-BP."
INVOICE_DOC = "The Xarios invoice id, as listed by =XLB_XARIOS_INVOICES()."
WHICH = {"net": "subtotal", "subtotal": "subtotal", "vat": "tax", "tax": "tax", "total": "total",
         "gross": "total"}  # fmt: skip


# --- arguments as Excel passes them ------------------------------------------------------------------


def _period(value: Any) -> Period:
    return current().period(parse_period(single(value, "period")))


def _customer(value: Any) -> str | None:
    text = text_arg(value, "customer")
    return current().customer(text) if text is not None else None


# --- results as Excel shows them ---------------------------------------------------------------------


def excel_value(value: Any) -> Any:
    """One value as a cell shows it: Decimal as a number, missing as empty, text without control
    characters (a returned value is never evaluated as a formula)."""
    value = cell_value(value)
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return float(value)
    return value


def table(df: pd.DataFrame) -> Cells:
    """A DataFrame as a spilled table: a header row, then one row per record."""
    rows: Cells = [[str(column) for column in df.columns]]
    rows.extend([excel_value(v) for v in row] for row in df.itertuples(index=False, name=None))
    return rows


# --- Atria ---------------------------------------------------------------------------------------------


@xw.func(category=CATEGORY)
@formula
def XLB_PERIODS() -> Any:
    """Atria's billing periods (start, end, name, closed), oldest first."""
    return table(current().atria().periods())


@xw.func(category=CATEGORY)
@formula
def XLB_CUSTOMERS() -> Any:
    """Atria's customers: code, name, account code, billed by."""
    return table(current().atria().customers())


@xw.func(category=CATEGORY)
@xw.arg("period", doc=PERIOD_DOC)
@xw.arg("billable_only", doc=BILLABLE_DOC)
@xw.arg("by_customer", doc="Optional FALSE for one row per SKU across all customers (default TRUE).")
@formula
def XLB_SUMMARY(period: Any, billable_only: Any = None, by_customer: Any = None) -> Any:
    """One billing period per customer and SKU, with last month's count and the difference."""
    chosen = _period(period)
    only = flag_arg(billable_only, "billable_only", False)
    return table(current().atria().summary(chosen, only, flag_arg(by_customer, "by_customer", True)))


@xw.func(category=CATEGORY)
@xw.arg("period", doc=PERIOD_DOC)
@xw.arg("customer", doc=CUSTOMER_DOC)
@xw.arg("service", doc="Optional service name, e.g. Microsoft 365 (empty: every service).")
@xw.arg("user", doc="Optional part of a user name (empty: every user).")
@xw.arg("billable_only", doc=BILLABLE_DOC)
@formula
def XLB_DETAIL(
    period: Any, customer: Any = None, service: Any = None, user: Any = None, billable_only: Any = None
) -> Any:
    """Every user-level change in a billing period: added, removed and carried services."""
    chosen, code = _period(period), _customer(customer)
    only = flag_arg(billable_only, "billable_only", False)
    return table(current().atria().detail(chosen, code, text_arg(service, "service"), text_arg(user, "user"), only))


@xw.func(category=CATEGORY)
@xw.arg("period", doc=PERIOD_DOC)
@xw.arg("customer", doc=CUSTOMER_DOC)
@formula
def XLB_INVOICE_LINES(period: Any, customer: Any = None) -> Any:
    """The billable invoice lines of a period, per customer, with who pays (Bill To)."""
    return table(current().atria().invoice_lines(_period(period), _customer(customer)))


@xw.func(category=CATEGORY)
@xw.arg("period", doc=PERIOD_DOC)
@xw.arg("customer", doc=CUSTOMER_DOC)
@formula
def XLB_ANALYSIS(period: Any, customer: Any = None) -> Any:
    """The most detailed rows of a period: addresses, every user service, share of the period active."""
    return table(current().atria().analysis(_period(period), _customer(customer)))


def _summary_cell(period: Any, customer: Any, sku: Any, column: str) -> int:
    chosen = _period(period)
    code = _customer(customer)
    if code is None:
        raise InputError("No customer given.", "Give a customer code, e.g. CUST0001.")
    wanted = str(text_arg(sku, "SKU", required=True)).lower()
    session = current()
    summary = session.atria().summary(chosen, billable_only=False, by_customer=True)
    counts = session.derived(summary, "billable counts", billable_counts)
    if wanted not in counts:
        raise UnknownSku(str(sku), chosen.end)
    return counts[wanted].get(code, {}).get(column, 0)


@xw.func(category=CATEGORY)
@xw.arg("period", doc=PERIOD_DOC)
@xw.arg("customer", doc="The customer code or name.")
@xw.arg("sku", doc=SKU_DOC)
@number
def XLB_QUANTITY(period: Any, customer: Any, sku: Any, caller: Any = None) -> Any:
    """The billed (billable) quantity of one SKU for one customer in a period; 0 when it has none."""
    return _summary_cell(period, customer, sku, "this_count")


@xw.func(category=CATEGORY)
@xw.arg("period", doc=PERIOD_DOC)
@xw.arg("customer", doc="The customer code or name.")
@xw.arg("sku", doc=SKU_DOC)
@number
def XLB_CHANGE(period: Any, customer: Any, sku: Any, caller: Any = None) -> Any:
    """How much the billed quantity of one SKU for one customer changed since the prior period."""
    return _summary_cell(period, customer, sku, "difference")


# --- Xarios ---------------------------------------------------------------------------------------------


@xw.func(category=CATEGORY)
@formula
def XLB_XARIOS_INVOICES() -> Any:
    """The distributor's (Xarios) invoices: id, number, account, period, value."""
    return table(current().xarios().invoices())


def _invoice(invoice_id: Any) -> Any:
    wanted = text_arg(invoice_id, "invoice id", required=True)
    return current().xarios().invoice(str(wanted))


@xw.func(category=CATEGORY)
@xw.arg("invoice_id", doc=INVOICE_DOC)
@formula
def XLB_XARIOS_ITEMS(invoice_id: Any) -> Any:
    """The items of one Xarios invoice: products, tenants, users, quantities and values."""
    return table(_invoice(invoice_id).items)


@xw.func(category=CATEGORY)
@xw.arg("invoice_id", doc=INVOICE_DOC)
@xw.arg("which", doc='Optional "net", "vat" or "total" (default "total", including VAT).')
@number
def XLB_XARIOS_TOTAL(invoice_id: Any, which: Any = None, caller: Any = None) -> Any:
    """One Xarios invoice's net amount, VAT or total, recomputed from its items."""
    choice = (text_arg(which, "which") or "total").lower()
    if choice not in WHICH:
        raise InputError(f"'{choice}' is not one of net, vat, total.", 'Use "net", "vat" or "total".')
    return excel_value(getattr(_invoice(invoice_id).check, WHICH[choice]))


# --- status -------------------------------------------------------------------------------------------------


@xw.func(category=CATEGORY)
@formula
def XLB_STATUS() -> Any:
    """Where the data comes from, when each data set was fetched, and whether it is stale."""
    session = current()
    sources = session.sources()
    rows: Cells = [["data", "fetched_utc", "state", "source"]]
    for api in ("Atria", "Xarios"):
        outage = session.cache.outage(api)
        state = f"unreachable: {outage}" if outage is not None else "ok"
        rows.append([api, "", state if api in sources else "not used yet", sources.get(api, "")])
    for entry in session.cache.entries():
        when = entry.fetched_at.replace(tzinfo=None, microsecond=0)
        rows.append([entry.label, when, "stale" if entry.stale else "fresh", sources.get(entry.api, "")])
    return rows


@xw.func(category=CATEGORY)
@xw.arg("cell", "range", doc="A cell showing #N/A or #VALUE! from XLB_QUANTITY, XLB_CHANGE or XLB_XARIOS_TOTAL.")
@formula
def XLB_ERROR(cell: Any) -> Any:
    """Why a number formula's cell shows #N/A or #VALUE!: its message (empty while it shows a number)."""
    return message_of(cell)


def clear_cache() -> int:
    """Forget every cached result (the ribbon's "Clear cache" button); returns how many were dropped."""
    return current().clear()


# --- margin -------------------------------------------------------------------------------------------------

RECONCILE_PARTS = {
    "detail": "detail",
    "unmapped tenants": "unmapped_tenants",
    "unmapped products": "unmapped_products",
    "checks": "invoice_checks",
}
"""What ``XLB_RECONCILE``'s ``what`` argument may ask for, and the part of the result it shows."""


@xw.func(category=CATEGORY)
@xw.arg("period", doc=PERIOD_DOC)
@xw.arg(
    "mapping",
    doc="The Xarios-to-Atria product mapping: its cells including the part_number, sku header (e.g. "
    "ProductMap[#All]), or a CSV/.xlsx file (a bare name is looked for next to this workbook).",
)
@xw.arg("prices", doc="Optional price list file (CSV or .xlsx) to value differences at selling price.")
@xw.arg(
    "what",
    doc='Optional "detail" (default), "unmapped tenants", "unmapped products" or "checks" (each Xarios '
    "invoice's own arithmetic check).",
)
@formula
def XLB_RECONCILE(period: Any, mapping: Any, prices: Any = None, what: Any = None, caller: Any = None) -> Any:
    """Atria billing against Xarios charges for a period: one row per customer and SKU, leaks flagged;
    or the unmapped tenants, unmapped products or invoice checks."""
    chosen = _period(period)
    part = (text_arg(what, "what") or "detail").lower()
    if part not in RECONCILE_PARTS:
        raise InputError(
            f"'{part}' is not something XLB_RECONCILE shows.", f"Use one of: {', '.join(RECONCILE_PARTS)}."
        )
    folder = folder_of(caller)
    session = current()
    product_map = _mapping(session, mapping, folder)
    price_name = text_arg(prices, "price list file")
    price_list = _prices(session, file_arg(price_name, "price list", folder)) if price_name is not None else None
    return table(getattr(session.reconcile(chosen, mapping=product_map, prices=price_list), RECONCILE_PARTS[part]))


@xw.func(category=CATEGORY)
@xw.arg("first", doc="Any day of the first billing period (empty: twelve closed periods back).")
@xw.arg("last", doc="Any day of the last billing period (empty: the latest closed one). Open periods are left out.")
@xw.arg("by", doc='Optional "customer" (default), "product", "period" or "detail" (every period, customer and SKU).')
@xw.arg("mapping", doc="Optional product mapping cells or file (empty: the Control sheet's, or its Mapping sheet).")
@xw.arg("prices", doc="Optional price list file (empty: the Control sheet's Price list).")
@formula
def XLB_MARGIN(
    first: Any = None, last: Any = None, by: Any = None, mapping: Any = None, prices: Any = None, caller: Any = None
) -> Any:
    """Revenue, cost, margin, margin % and leak over closed billing periods, per customer, product or period,
    or every line."""
    part = (text_arg(by, "by") or "customer").lower()
    if part not in BY:
        raise InputError(f"'{part}' is not something XLB_MARGIN shows.", f"Use one of: {', '.join(BY)}.")
    session, folder = current(), folder_of(caller)
    span = tuple(None if single(day, "period") in (None, "") else _period(day) for day in (first, last))
    product_map = _mapping(session, mapping, folder) if mapping is not None else _control_file(caller, "mapping")
    price_file = (
        file_arg(str(text_arg(prices, "price list file")), "price list", folder) if prices is not None else None
    )
    price_list = _prices(session, price_file or str(_control_file(caller, "prices")))
    found = session.margin(*span, mapping=product_map, prices=price_list)
    return table(for_sheet(found.by(part)))


def _mapping(session: Session, value: Any, folder: Path | None) -> Mapping:
    """The mapping argument read: the mapping's own cells, or a file (read again once it is saved anew)."""
    given = mapping_arg(value, folder)
    if isinstance(given, str):
        return session.remember(f"Mapping {given}", ("mapping", version(given)), OPEN_TTL, lambda: load_mapping(given))
    return load_mapping(given)


def _prices(session: Session, path: str) -> PriceList:
    """The price list at ``path`` read (again once it is saved anew)."""
    return session.remember(f"Prices {path}", ("prices", version(path)), OPEN_TTL, lambda: load_prices(path))


def _control_file(caller: Any, key: str) -> Any:
    """The Control sheet's mapping (read) or price list (its path) of the calling workbook; an ``InputError``
    saying to pass it when there is none."""
    book = getattr(getattr(caller, "sheet", None), "book", None)  # None unless Excel passed the calling cell
    params = read_params(XlwingsBook(book)) if book is not None else None
    given = getattr(params, key, None)
    if given is None:
        what = {"mapping": "product mapping", "prices": "price list"}[key]
        raise InputError(f"No {what} given, and the Control sheet sets none.", f"Pass the {what} to XLB_MARGIN.")
    return load_mapping(given) if key == "mapping" else given
