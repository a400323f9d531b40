"""Refresh a billing workbook's tables: the same code behind the ribbon buttons and ``xlbilling refresh``.

Parameters come from the Control sheet (label in column A, value in column B). Each data set is written
as a named Excel table on its own sheet, at ``A3``, resized to fit; cell ``A1`` of that sheet says when,
from where and how many rows. Nothing else in the workbook is touched.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from xlbilling import fields
from xlbilling.dates import parse_period
from xlbilling.errors import InputError
from xlbilling.excel.book import WorkbookLike
from xlbilling.excel.session import Session
from xlbilling.reconcile import DETAIL_COLUMNS, reconcile

CONTROL = "Control"
TABLE_ANCHOR = "A3"
STAMP_CELL = "A1"
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
}


FILES = ("prices", "mapping")
"""Parameters that name a file; a relative path is taken relative to the workbook's folder."""


@dataclass(frozen=True)
class Params:
    """What the Control sheet asks for; ``period`` is None when the cell is empty (latest closed)."""

    period: date | None = None
    customer: str | None = None
    billable_only: bool = False
    service: str | None = None
    user: str | None = None
    prices: str | None = None
    mapping: str | None = None


@dataclass(frozen=True)
class Target:
    """One refreshable table: where it goes and how its data is fetched."""

    key: str
    title: str
    sheet: str
    table: str
    columns: tuple[str, ...]
    load: Callable[[Session, Params, date], pd.DataFrame]
    uses_period: bool = True


@dataclass(frozen=True)
class Refreshed:
    """What one refresh wrote."""

    key: str
    sheet: str
    table: str
    rows: int
    ref: str


def _changes(session: Session, params: Params, period: date) -> pd.DataFrame:
    summary = session.atria().summary(period, True, False)
    changed = summary.loc[summary["difference"].fillna(0) != 0, list(CHANGE_COLUMNS)]
    order = changed["difference"].abs().sort_values(ascending=False, kind="stable").index
    return changed.loc[order].head(CHANGES_SHOWN).reset_index(drop=True)


def _reconciliation(session: Session, params: Params, period: date) -> pd.DataFrame:
    if params.mapping is None:
        raise InputError(
            "No product mapping file is set.",
            f"Put the path of the Xarios-to-Atria product mapping (CSV or .xlsx) next to "
            f"'{PARAMETERS['mapping']}' on the {CONTROL} sheet.",
        )
    result = reconcile(session.atria(), session.xarios(), period, mapping=params.mapping, prices=params.prices)
    return result.detail


def _columns(*tables: tuple[fields.Field, ...]) -> tuple[str, ...]:
    return tuple(field.column for table in tables for field in table)


CHANGE_COLUMNS = ("sku", "grouping", "last_count", "this_count", "difference")

TARGETS: dict[str, Target] = {
    target.key: target
    for target in (
        Target("periods", "Periods", "Periods", "Periods", _columns(fields.ATRIA_PERIOD),
               lambda s, p, d: s.atria().periods(), False),
        Target("customers", "Customers", "Customers", "Customers", _columns(fields.ATRIA_CUSTOMER),
               lambda s, p, d: s.atria().customers(), False),
        Target("summary", "Summary", "Summary", "Summary", _columns(fields.ATRIA_SUMMARY),
               lambda s, p, d: s.atria().summary(d, p.billable_only, True)),
        Target("detail", "Detail", "Detail", "Detail", _columns(fields.ATRIA_DETAIL),
               lambda s, p, d: s.atria().detail(d, p.customer, p.service, p.user, p.billable_only)),
        Target("invoice_lines", "Invoice lines", "Invoice lines", "InvoiceLines",
               _columns(fields.ATRIA_INVOICE_RECORD, fields.ATRIA_INVOICE_LINE),
               lambda s, p, d: s.atria().invoice_lines(d, p.customer)),
        Target("analysis", "Analysis", "Analysis", "Analysis", _columns(fields.ATRIA_ANALYSIS),
               lambda s, p, d: s.atria().analysis(d, p.customer)),
        Target("xarios_invoices", "Xarios invoices", "Xarios invoices", "XariosInvoices",
               _columns(fields.XARIOS_INVOICE_LIST), lambda s, p, d: s.xarios().invoices(), False),
        Target("changes", "Largest changes", "Dashboard", "Changes", CHANGE_COLUMNS, _changes),
        Target("reconciliation", "Reconciliation", "Reconciliation", "Reconciliation", DETAIL_COLUMNS,
               _reconciliation),
    )
}  # fmt: skip

ALL = ("periods", "customers", "summary", "detail", "invoice_lines", "analysis", "xarios_invoices", "changes")
"""What "Refresh all" and ``xlbilling refresh`` without ``--only`` refresh (reconciliation has its own
button, as it needs a product mapping)."""


def write_param(book: WorkbookLike, key: str, value: Any) -> None:
    """Set the Control sheet's value for ``key`` (a ``PARAMETERS`` key) beside its label."""
    label = PARAMETERS[key].lower()
    for row, (found, _) in enumerate(book.read_block(CONTROL, "A1:B40"), start=1):
        if found is not None and str(found).strip().lower() == label:
            book.write(CONTROL, f"B{row}", value)
            return
    raise InputError(f"The {CONTROL} sheet has no '{PARAMETERS[key]}' row.", "Start from templates/billing.xlsx.")


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
    return Params(**found)


def _param(key: str, value: Any) -> Any:
    if key == "period":
        return parse_period(value)
    if key == "billable_only":
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in ("true", "yes", "1", "false", "no", "0"):
            return text in ("true", "yes", "1")
        raise InputError(f"'{value}' is not TRUE or FALSE.", "Choose TRUE or FALSE.")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def resolve(keys: Sequence[str] | None) -> list[Target]:
    """The targets named by ``keys`` (``None``: all); ``InputError`` listing the valid names otherwise."""
    chosen = list(ALL) if not keys else [k.strip().lower().replace("-", "_") for k in keys if k.strip()]
    unknown = [k for k in chosen if k not in TARGETS]
    if unknown:
        raise InputError(f"Unknown table name: {', '.join(unknown)}.", f"Choose from: {', '.join(TARGETS)}.")
    return [TARGETS[key] for key in chosen]


def refresh(
    book: WorkbookLike, keys: Sequence[str] | None, session: Session, now: datetime | None = None
) -> list[Refreshed]:
    """Fetch every chosen data set, then write each as its table with a stamp; returns what was written.

    All data is fetched before anything is written, so a failing API call leaves the workbook as it was.
    """
    targets = resolve(keys)
    params = read_params(book)
    period = params.period
    if period is None and any(t.uses_period for t in targets):
        period = session.atria().latest_closed_period()
    frames = [(target, target.load(session, params, period or date.min)) for target in targets]
    when = (now or datetime.now(UTC)).strftime("%Y-%m-%d %H:%M UTC")
    sources = session.sources()
    written = []
    for target, frame in frames:
        ref = book.write_table(target.sheet, target.table, frame, TABLE_ANCHOR)
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
