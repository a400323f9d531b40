"""The ``XLB_...`` Excel formulas (xlwings UDFs).

Tables spill with a header row (Excel's native dynamic arrays); dates come back as dates and money as
numbers. A formula never shows a traceback: when a table cannot be had, its cell holds one short message
saying what is wrong and what to do; when a number cannot, its cell shows ``#N/A`` or ``#VALUE!`` and
``=XLB_ERROR(cell)`` shows that message (``xlbilling.excel.failures``). Results are cached (see
``xlbilling.cache``), so a sheet full of formulas sends one request per distinct data set, and answers at
once while an API is down.

Arguments take what Excel passes: numbers as floats, date cells as ``datetime``, empty cells as
``None``, ``TRUE``/``FALSE`` as ``bool``, and ranges as lists.
"""

from __future__ import annotations

from collections.abc import Hashable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
import xlwings as xw

from xlbilling.atria import billable_counts
from xlbilling.cells import clean_text, flag
from xlbilling.errors import InputError, UnknownSku
from xlbilling.excel.failures import formula, message_of, number
from xlbilling.periods import Period
from xlbilling.reconcile.period import reconcile
from xlbilling.session import CLOSED_TTL, current, lifetime
from xlbilling.workbook.control import mapping_table
from xlbilling.xlsx.tablecells import cell_value

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


def _single(value: Any, what: str) -> Any:
    if isinstance(value, list | tuple):
        raise InputError(f"The {what} must be one cell, not a range.", "Point it at a single cell.")
    return value


def text_arg(value: Any, what: str, required: bool = False) -> str | None:
    """A text argument: empty cells give ``None`` (``InputError`` when ``required``)."""
    value = _single(value, what)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise InputError(f"No {what} given.", f"Give the {what} as text.")
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise InputError(f"{_show(value)} is not a valid {what}.", f"Give the {what} as text.")
    return clean_text(str(value)).strip()


def flag_arg(value: Any, what: str, default: bool) -> bool:
    """A TRUE/FALSE argument: empty gives ``default``; 1/0 and "yes"/"no" are accepted."""
    value = _single(value, what)
    if value is None or (isinstance(value, str) and not value.strip()):
        return default
    given = flag(value)
    if given is not None:
        return given
    raise InputError(f"{_show(value)} is not TRUE or FALSE ({what}).", f"Use TRUE or FALSE for {what}.")


def _period(value: Any) -> Period:
    return current().period(_single(value, "period"))


def _customer(value: Any) -> str | None:
    text = text_arg(value, "customer")
    return current().customer(text) if text is not None else None


def _show(value: Any) -> str:
    shown = repr(value)
    return shown if len(shown) <= 40 else shown[:37] + "..."


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
    return table(current().periods())


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
    return table(current().fetch("Xarios", "invoices"))


def _invoice(invoice_id: Any) -> Any:
    wanted = text_arg(invoice_id, "invoice id", required=True)
    return current().fetch("Xarios", "invoice", wanted, ttl=CLOSED_TTL)


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


def _mapping(value: Any, folder: Path | None) -> tuple[Hashable, str | pd.DataFrame, str]:
    """The mapping argument as (cache key, what ``reconcile`` takes, label): the mapping's own cells
    (a range holding the part_number, sku header) or a file."""
    if isinstance(value, list | tuple):
        rows = [list(row) if isinstance(row, list | tuple) else [row] for row in value]
        if rows and not isinstance(value[0], list | tuple):
            rows = [list(value)]  # one row of cells comes as a flat list
        key = tuple(tuple(row) for row in rows)
        return key, mapping_table(rows), f"({len(rows)} rows of mapping cells)"
    name = text_arg(value, "product mapping", required=True)
    path = _file(str(name), "product mapping", folder)
    return _version(path), path, path


def _version(path: str) -> tuple[str, int, int]:
    """A file's cache key: its path, modification time and size, so an edited and saved file is read
    again at the next recalculation (a missing file gets zeros; reading it then says it is missing)."""
    try:
        stat = Path(path).stat()
    except OSError:
        return path, 0, 0
    return path, stat.st_mtime_ns, stat.st_size


def _file(name: str, what: str, folder: Path | None) -> str:
    """A file argument as a full path: a bare or relative name is looked for next to the calling
    workbook (which xlwings names only in Excel on Windows)."""
    path = Path(name).expanduser()
    if path.is_absolute():
        return str(path)
    if folder is None:
        raise InputError(
            f"The {what} '{name}' is not a full path, and this workbook's folder is unknown.",
            f"Give the full path of the {what} file, or save the workbook next to it.",
        )
    return str(folder / path)


def _folder(caller: Any) -> Path | None:
    """The folder of the workbook holding the calling cell (``None`` when not known or never saved)."""
    try:
        path = Path(str(caller.sheet.book.fullname))
    except Exception:
        return None
    return path.parent if path.is_absolute() else None


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
    folder = _folder(caller)
    key, product_map, shown = _mapping(mapping, folder)
    price_name = text_arg(prices, "price list file")
    price_file = _file(price_name, "price list", folder) if price_name is not None else None
    session = current()
    label = f"Reconcile {chosen} {shown}" + (f" {price_file}" if price_file else "")
    sources = tuple(session.client(api).client.base_url for api in ("Atria", "Xarios"))
    prices_key = _version(price_file) if price_file is not None else None
    result = session.cache.get(
        "Atria", label, ("reconcile", sources, chosen, key, prices_key),
        lambda: reconcile(session.atria(), session.xarios(), chosen, mapping=product_map, prices=price_file),
        lifetime(chosen),
    )  # fmt: skip
    return table(getattr(result, RECONCILE_PARTS[part]))
