"""Refresh a billing workbook's tables: the same code behind the ribbon buttons and ``xlbilling refresh``.

Parameters come from the Control sheet (label in column A, value in column B). Each data set is written
as a named Excel table on its own sheet, at ``A3``, resized to fit; cell ``A1`` of that sheet says when,
from where and how many rows. Some sheets get further tables beside the first (the Reconciliation sheet
lists unmapped tenants, unmapped products and each Xarios invoice's own check), each titled above it.
Every table is checked for room before anything is written. Nothing else in the workbook is touched.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl.utils.cell import coordinate_from_string, get_column_letter

from xlbilling import fields
from xlbilling.atria import CHANGE_COLUMNS, largest_changes
from xlbilling.cells import flag
from xlbilling.dates import parse_period
from xlbilling.errors import InputError
from xlbilling.prices import with_tax_rate
from xlbilling.reconcile.compare import (
    CHECK_COLUMNS,
    DETAIL_COLUMNS,
    UNMAPPED_PRODUCT_COLUMNS,
    UNMAPPED_TENANT_COLUMNS,
    reconcile,
)
from xlbilling.reconcile.mapping import PRODUCT_COLUMNS, located
from xlbilling.session import Session
from xlbilling.xlsx.book import WorkbookLike

CONTROL = "Control"
TABLE_ANCHOR = "A3"
STAMP_CELL = "A1"
MAPPING_SHEET = "Mapping"
"""The sheet holding the product mapping (part_number, sku) when Control names no mapping file."""
CHANGES_SHOWN = 10
"""How many of the largest changes the Dashboard's Changes table (and its chart) shows."""

#: Control-sheet labels (column A) and the parameter each names.
PARAMETERS = {
    "period": "Period",
    "customer": "Customer",
    "billable_only": "Billable only",
    "service": "Service",
    "user": "User contains",
    "prices": "Price list",
    "mapping": "Product mapping",
    "allow_open": "Allow open period",
    "tax_rate": "Tax rate",
}
FLAGS = ("billable_only", "allow_open")
"""Parameters that are TRUE or FALSE (empty: FALSE)."""


FILES = ("prices", "mapping")
"""Parameters that name a file; a relative path is taken relative to the workbook's folder."""
Frames = tuple[pd.DataFrame, ...]


@dataclass(frozen=True)
class Params:
    """What the Control sheet asks for; ``period`` is None when the cell is empty (latest closed)."""

    period: date | None = None
    customer: str | None = None
    billable_only: bool = False
    service: str | None = None
    user: str | None = None
    prices: str | None = None
    mapping: str | pd.DataFrame | None = None
    """A mapping file's path, or the Mapping sheet's rows (header first) when Control names no file."""
    allow_open: bool = False
    """Build invoices may write a period that is still open, as DRAFT invoices."""
    tax_rate: str | None = None
    """Build invoices' tax rate (``0.20``, ``20%``, ``0``) for SKUs whose price row has none."""


@dataclass(frozen=True)
class Beside:
    """A further table on a target's sheet, to the right of the one before it."""

    title: str
    table: str
    columns: tuple[str, ...]


@dataclass(frozen=True)
class Target:
    """One refreshable sheet: its table, any tables beside it, and how their data is fetched
    (``load`` returns one frame per table, the first table's first)."""

    key: str
    title: str
    sheet: str
    table: str
    columns: tuple[str, ...]
    load: Callable[[Session, Params, date], Frames]
    uses_period: bool = True
    beside: tuple[Beside, ...] = ()
    uses_customer: bool = False

    def layout(self) -> list[tuple[Beside, str]]:
        """Every table of the sheet with where a new one goes: the first at ``A3``, each further one
        two columns right of the one before (one empty column between), so none can grow into another."""
        placed = []
        column = 1
        for part in (Beside(self.title, self.table, self.columns), *self.beside):
            placed.append((part, f"{get_column_letter(column)}{TABLE_ANCHOR[1:]}"))
            column += len(part.columns) + 1
        return placed


@dataclass(frozen=True)
class Refreshed:
    """What one refresh wrote."""

    key: str
    sheet: str
    table: str
    rows: int
    ref: str


def _changes(session: Session, params: Params, period: date) -> Frames:
    return (largest_changes(session.atria().summary(period, True, False), CHANGES_SHOWN),)


def _reconciliation(session: Session, params: Params, period: date) -> Frames:
    if params.mapping is None:
        raise InputError(
            "No product mapping is set.",
            f"Fill the {MAPPING_SHEET} sheet (part_number, sku), or put the path of a mapping file (CSV or "
            f".xlsx) next to '{PARAMETERS['mapping']}' on the {CONTROL} sheet.",
        )
    result = reconcile(session.atria(), session.xarios(), period, mapping=params.mapping, prices=params.prices)
    return result.detail, result.unmapped_tenants, result.unmapped_products, result.invoice_checks


def _columns(*tables: tuple[fields.Field, ...]) -> tuple[str, ...]:
    return tuple(field.column for table in tables for field in table)


TARGETS: dict[str, Target] = {
    target.key: target
    for target in (
        Target("periods", "Periods", "Periods", "Periods", _columns(fields.ATRIA_PERIOD),
               lambda s, p, d: (s.atria().periods(),), False),
        Target("customers", "Customers", "Customers", "Customers", _columns(fields.ATRIA_CUSTOMER),
               lambda s, p, d: (s.atria().customers(),), False),
        Target("summary", "Summary", "Summary", "Summary", _columns(fields.ATRIA_SUMMARY),
               lambda s, p, d: (s.atria().summary(d, p.billable_only, True),)),
        Target("detail", "Detail", "Detail", "Detail", _columns(fields.ATRIA_DETAIL),
               lambda s, p, d: (s.atria().detail(d, p.customer, p.service, p.user, p.billable_only),),
               uses_customer=True),
        Target("invoice_lines", "Invoice lines", "Invoice lines", "InvoiceLines",
               _columns(fields.ATRIA_INVOICE_RECORD, fields.ATRIA_INVOICE_LINE),
               lambda s, p, d: (s.atria().invoice_lines(d, p.customer),), uses_customer=True),
        Target("analysis", "Analysis", "Analysis", "Analysis", _columns(fields.ATRIA_ANALYSIS),
               lambda s, p, d: (s.atria().analysis(d, p.customer),), uses_customer=True),
        Target("xarios_invoices", "Xarios invoices", "Xarios invoices", "XariosInvoices",
               _columns(fields.XARIOS_INVOICE_LIST), lambda s, p, d: (s.xarios().invoices(),), False),
        Target("changes", "Largest changes", "Dashboard", "Changes", CHANGE_COLUMNS, _changes),
        Target("reconciliation", "Reconciliation", "Reconciliation", "Reconciliation", DETAIL_COLUMNS,
               _reconciliation, beside=(
                   Beside("Unmapped tenants", "UnmappedTenants", UNMAPPED_TENANT_COLUMNS),
                   Beside("Unmapped products", "UnmappedProducts", UNMAPPED_PRODUCT_COLUMNS),
                   Beside("Xarios invoice checks", "InvoiceChecks", CHECK_COLUMNS),
               )),
    )
}  # fmt: skip

ALL = ("periods", "customers", "summary", "detail", "invoice_lines", "analysis", "xarios_invoices", "changes")
"""What "Refresh all" and ``xlbilling refresh`` without ``--only`` refresh (reconciliation has its own
button, as it needs a product mapping)."""


def param_cell(book: WorkbookLike, key: str) -> str:
    """Where the Control sheet holds ``key``'s value (a ``PARAMETERS`` key), e.g. ``B4``."""
    label = PARAMETERS[key].lower()
    for row, (found, _) in enumerate(book.read_block(CONTROL, "A1:B40"), start=1):
        if found is not None and str(found).strip().lower() == label:
            return f"B{row}"
    raise InputError(f"The {CONTROL} sheet has no '{PARAMETERS[key]}' row.", "Start from templates/billing.xlsx.")


def write_param(book: WorkbookLike, key: str, value: Any) -> None:
    """Set the Control sheet's value for ``key`` (a ``PARAMETERS`` key) beside its label."""
    book.write(CONTROL, param_cell(book, key), value)


def control_customer(book: WorkbookLike, session: Session, params: Params) -> Params:
    """``params`` with the Control sheet's customer (a code, account code or name) turned into its code;
    ``InputError`` naming the cell when it names no customer or several."""
    if params.customer is None:
        return params
    try:
        return replace(params, customer=session.customer(params.customer))
    except InputError as error:
        where = f"{CONTROL}!{param_cell(book, 'customer')} ({PARAMETERS['customer']})"
        hint = (
            "Refresh Customers to list every customer's code and name, then put one of them there "
            "(or empty it for every customer)."
        )
        raise InputError(f"{where}: {error.message}", hint) from None


def read_params(book: WorkbookLike) -> Params:
    """The parameters on the Control sheet; ``InputError`` naming the cell when one cannot be used."""
    found: dict[str, Any] = {}
    labels = {label.lower(): key for key, label in PARAMETERS.items()}
    for row, (label, value) in enumerate(book.read_block(CONTROL, "A1:B40"), start=1):
        key = labels.get(str(label).strip().lower()) if label is not None else None
        if key is None or value is None or (isinstance(value, str) and not value.strip()):
            continue
        where = f"{CONTROL}!B{row} ({PARAMETERS[key]})"
        try:
            found[key] = _param(key, value)
        except InputError as error:
            raise InputError(f"{where}: {error.message}", error.hint) from None
    home = book.file_path()
    for key in FILES:
        if key in found and home is not None and not Path(found[key]).expanduser().is_absolute():
            found[key] = str(home.parent / found[key])  # a bare file name means: next to the workbook
    if found.get("mapping") is None or Path(found["mapping"]).name.lower() == MAPPING_SHEET.lower():
        found["mapping"] = mapping_sheet(book)
    return Params(**found)


def mapping_sheet(book: WorkbookLike) -> pd.DataFrame | None:
    """The Mapping sheet as ``mapping_table`` reads it; ``None`` when the sheet is missing or empty."""
    rows = book.read_sheet(MAPPING_SHEET)
    return mapping_table(rows, MAPPING_SHEET) if any(cell not in (None, "") for row in rows for cell in row) else None


def mapping_table(rows: list[list[Any]], sheet: str | None = None) -> pd.DataFrame:
    """Cells holding a product mapping, from its ``part_number, sku`` header row down (rows above it, such
    as a note, are skipped; without that header, from the first filled row), as a frame for
    ``xlbilling.reconcile.mapping.load_mapping``, which checks them. Its errors count rows from the header, or,
    for ``rows`` read from ``A1`` of ``sheet``, name that sheet and its rows."""
    width = max((len(row) for row in rows), default=0)
    rows = [[*row, *[None] * (width - len(row))] for row in rows]
    filled = [n for n, row in enumerate(rows) if any(cell not in (None, "") for cell in row)]
    if not filled:
        raise InputError("The product mapping cells are empty.", "Point it at cells with a part_number, sku header.")
    wanted = set(PRODUCT_COLUMNS)
    top = next((n for n in filled if wanted <= {str(c).strip().lower() for c in rows[n]}), filled[0])
    frame = pd.DataFrame(rows[top + 1 :], columns=rows[top])
    if sheet is None:
        return frame
    hint = (
        f"Fix that row on the {sheet} sheet: a Xarios part number under part_number and the Atria SKU it "
        "supplies under sku (or clear the whole row)."
    )
    return located(frame, f"the {sheet} sheet", header_row=top + 1, hint=hint)


def _param(key: str, value: Any) -> Any:
    if key == "period":
        return parse_period(value)
    if key == "tax_rate":
        return _tax_rate(value)
    if key in FLAGS:
        given = flag(value)
        if given is not None:
            return given
        raise InputError(f"'{value}' is not TRUE or FALSE.", "Choose TRUE or FALSE.")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _tax_rate(value: Any) -> str:
    """A tax rate as typed (``0.20``, ``20%``, ``0``; a percent-formatted cell comes as ``0.2``)."""
    text = str(int(value) if isinstance(value, float) and value.is_integer() else value).strip()
    try:
        with_tax_rate({}, text)
    except InputError as error:
        raise InputError(f"'{text}' is not a tax rate.", error.hint) from None
    return text


def resolve(keys: Sequence[str] | None) -> list[Target]:
    """The targets named by ``keys`` (``None``: all); ``InputError`` listing the valid names otherwise."""
    chosen = list(ALL) if not keys else [k.strip().lower().replace("-", "_") for k in keys if k.strip()]
    unknown = [k for k in chosen if k not in TARGETS]
    if unknown:
        raise InputError(f"Unknown table name: {', '.join(unknown)}.", f"Choose from: {', '.join(TARGETS)}.")
    return [TARGETS[key] for key in chosen]


def period_end(session: Session, params: Params) -> date:
    """The end of the period the Control sheet names: the period containing its date (any day of it),
    or the latest closed period when it is empty."""
    if params.period is None:
        return session.atria().latest_closed_period()
    hint = f"Pick a period on the {CONTROL} sheet from its list of end dates (refresh Periods first)."
    return session.period(params.period, hint)[0].end


def refresh(
    book: WorkbookLike, keys: Sequence[str] | None, session: Session, now: datetime | None = None
) -> list[Refreshed]:
    """Fetch every chosen data set, check every table has room, then write each table with a stamp;
    returns what was written (the first table of each sheet).

    All data is fetched and every table's room checked before anything is written, so a failing API call
    or a user's cell in the way leaves the workbook as it was.
    """
    targets = resolve(keys)
    params = read_params(book)
    if any(t.uses_customer for t in targets):
        params = control_customer(book, session, params)
    period = period_end(session, params) if any(t.uses_period for t in targets) else None
    loaded = [(target, target.load(session, params, period or date.min)) for target in targets]
    plan = [
        (target, part, frame, book.check_table(target.sheet, part.table, frame, anchor))
        for target, frames in loaded
        for (part, anchor), frame in zip(target.layout(), frames, strict=True)
    ]
    when = (now or datetime.now(UTC)).strftime("%Y-%m-%d %H:%M UTC")
    sources = session.sources()
    written = []
    for target, part, frame, planned in plan:
        ref = book.write_table(target.sheet, part.table, frame, planned.split(":")[0])
        if part.table != target.table:
            column, row = coordinate_from_string(ref.split(":")[0])
            book.write(target.sheet, f"{column}{max(row - 1, 1)}", f"{part.title}: {len(frame)} rows")
            continue
        api = "Xarios" if target.key == "xarios_invoices" else "Atria"
        about = f" for the period ending {period.isoformat()}" if target.uses_period and period else ""
        stamp = f"{target.title}: {len(frame)} rows{about}, from {sources.get(api, api)}, refreshed {when}"
        book.write(target.sheet, STAMP_CELL, stamp)
        written.append(Refreshed(target.key, target.sheet, target.table, len(frame), ref))
    return written


def summary_line(written: Sequence[Refreshed]) -> str:
    """One line for a message box or a terminal: ``Refreshed Summary (120 rows), Detail (3,400 rows).``"""
    parts = [f"{item.table} ({item.rows:,} rows)" for item in written]
    return "Refreshed " + ", ".join(parts) + "."
