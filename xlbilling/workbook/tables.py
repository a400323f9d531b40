"""Refresh a billing workbook's tables: the same code behind the ribbon buttons and ``xlbilling refresh``.

Parameters come from the Control sheet (``xlbilling.workbook.control``). Each data set is written
as a named Excel table on its own sheet, at ``A3``, resized to fit; cell ``A1`` of that sheet says when,
from where and how many rows (``A2``, printed atop each page, what and for which period), and so does its
row of the Fetched sheet's table (``xlbilling.workbook.fetched``), which the Overview's figures read. Some
sheets get further tables beside the first (the Reconciliation sheet lists unmapped tenants, unmapped
products and each Xarios invoice's own check), each titled above it. The Reconciliation lists its
differences first. Every table is checked for room before anything is written. Nothing else in the
workbook is touched.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pandas as pd

from xlbilling import fields
from xlbilling.atria import CHANGE_COLUMNS, largest_changes
from xlbilling.errors import InputError
from xlbilling.margin.compute import DETAIL_COLUMNS as MARGIN_COLUMNS
from xlbilling.margin.compute import TOTAL_MONEY, TOTALS
from xlbilling.margin.run import for_sheet, margin_between
from xlbilling.periods import Period
from xlbilling.reconcile.mapping import load_mapping
from xlbilling.reconcile.period import reconcile
from xlbilling.reconcile.result import (
    CHECK_COLUMNS,
    DETAIL_COLUMNS,
    UNMAPPED_PRODUCT_COLUMNS,
    UNMAPPED_TENANT_COLUMNS,
)
from xlbilling.reviews import CLOSED_COLUMNS, NOTE, REVIEW, carry
from xlbilling.session import Session
from xlbilling.workbook import built
from xlbilling.workbook.control import (
    CONTROL,
    MAPPING_SHEET,
    PARAMETERS,
    Params,
    control_customer,
    control_period,
    control_range,
    read_params,
)
from xlbilling.workbook.fetched import SHEET as FETCHED_SHEET
from xlbilling.workbook.fetched import TABLE as FETCHED
from xlbilling.workbook.fetched import Fetched, fetched_table
from xlbilling.workbook.usercols import check_columns, existing_shape, with_user_columns
from xlbilling.xlsx.coords import column_letter, split_cell
from xlbilling.xlsx.tablecells import WorkbookLike

TABLE_ANCHOR = "A3"
STAMP_CELL = "A1"
PRINTED_STAMP = "A2"
"""What a table sheet holds and for which period, short enough to print atop every page (the stamp in A1, with
where from and when, is on screen and the Fetched sheet prints it)."""
CHANGES_SHOWN = 10
"""How many of the largest changes the Dashboard's Changes table (and its chart) shows."""
Frames = tuple[pd.DataFrame, ...]
Load = Callable[[Session, Params, Period | None], Frames]


@dataclass(frozen=True)
class Beside:
    """A further table on a target's sheet, to the right of the one before it."""

    title: str
    table: str
    columns: tuple[str, ...]
    identity: tuple[str, ...] = ()
    """The columns that tell one row from another: a user's value beside a row follows them (all of the
    table's columns when empty)."""


@dataclass(frozen=True)
class Target:
    """One refreshable sheet: its table, any tables beside it, and how their data is fetched
    (``load`` returns one frame per table, the first table's first)."""

    key: str
    title: str
    sheet: str
    table: str
    columns: tuple[str, ...]
    load: Load
    """Fetches the frames; given the Control sheet's period when ``uses_period``, else ``None``."""
    uses_period: bool = True
    beside: tuple[Beside, ...] = ()
    uses_customer: bool = False
    identity: tuple[str, ...] = ()
    """The columns that tell one of the first table's rows from another (see ``Beside.identity``)."""
    reviewed: bool = False
    """Whether the first table carries the user's ``review`` and ``note`` per row (``xlbilling.reviews``),
    kept across refreshes, with the rows that vanished in a "Closed differences" table at the end."""
    apis: tuple[str, ...] = ("Atria",)
    """The APIs its data comes from (none: files, such as the invoices' manifest)."""

    def parts(self) -> tuple[Beside, ...]:
        """Every table of the sheet, the first first."""
        if not self.reviewed:
            return (Beside(self.title, self.table, self.columns, self.identity), *self.beside)
        closed = Beside("Closed differences", f"{self.table}Closed", CLOSED_COLUMNS)
        first = Beside(self.title, self.table, (*self.columns, REVIEW, NOTE), self.identity)
        return (first, *self.beside, closed)

    def layout(self) -> list[tuple[Beside, str]]:
        """Every table of the sheet with where a new one goes: the first at ``A3``, each further one
        two columns right of the one before (one empty column between), so none can grow into another."""
        placed = []
        column = 1
        for part in self.parts():
            placed.append((part, f"{column_letter(column)}{TABLE_ANCHOR[1:]}"))
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


def _given(period: Period | None) -> Period:
    """The period of a target that uses one: ``refresh`` always resolves it for such a target first."""
    if period is None:
        raise InputError("No billing period was chosen.", f"Pick one on the {CONTROL} sheet.")
    return period


def _changes(session: Session, params: Params, period: Period | None) -> Frames:
    return (largest_changes(session.atria().summary(_given(period), True, False), CHANGES_SHOWN),)


def _mapping(params: Params) -> str | pd.DataFrame:
    """The Control sheet's product mapping; ``InputError`` saying where to give one when none is set."""
    if params.mapping is None:
        raise InputError(
            "No product mapping is set.",
            f"Fill the {MAPPING_SHEET} sheet (part_number, sku), or put the path of a mapping file (CSV or "
            f".xlsx) next to '{PARAMETERS['mapping']}' on the {CONTROL} sheet.",
        )
    return params.mapping


def _reconciliation(session: Session, params: Params, period: Period | None) -> Frames:
    chosen = _given(period)
    result = reconcile(session.atria(), session.xarios(), chosen, mapping=_mapping(params), prices=params.prices)
    matched = result.detail[result.detail["category"] == "matched"]
    detail = pd.concat([result.flagged, matched]).reset_index(drop=True)  # differences first, largest on top
    detail.insert(0, "period_end", pd.Timestamp(chosen.end))
    return detail, result.unmapped_tenants, result.unmapped_products, result.invoice_checks


def _margin(session: Session, params: Params, period: Period | None) -> Frames:
    if params.prices is None:
        raise InputError(
            "No price list is set: the margin needs each SKU's price.",
            f"Put the path of your price list (CSV or .xlsx) next to '{PARAMETERS['prices']}' on the {CONTROL} sheet.",
        )
    found = margin_between(
        session.atria(), session.xarios(), *control_range(session, params),
        mapping=load_mapping(_mapping(params)), prices=params.prices,
    )  # fmt: skip
    return tuple(for_sheet(found.by(by)) for by in ("detail", "period", "customer", "product"))


def _folder(params: Params) -> Path | None:
    return Path(params.invoices) if params.invoices else None


API_PAIR = ("Atria", "Xarios")


def _columns(*tables: tuple[fields.Field, ...]) -> tuple[str, ...]:
    return tuple(field.column for table in tables for field in table)


TARGETS: dict[str, Target] = {
    target.key: target
    for target in (
        Target("periods", "Periods", "Periods", "Periods", _columns(fields.ATRIA_PERIOD),
               lambda s, p, d: (s.atria().periods(),), False, identity=("period_end",)),
        Target("customers", "Customers", "Customers", "Customers", _columns(fields.ATRIA_CUSTOMER),
               lambda s, p, d: (s.atria().customers(),), False, identity=("customer_code",)),
        Target("summary", "Summary", "Summary", "Summary", _columns(fields.ATRIA_SUMMARY),
               lambda s, p, d: (s.atria().summary(_given(d), p.billable_only, True),),
               identity=("customer_code", "sku", "billable", "grouping")),
        Target("detail", "Detail", "Detail", "Detail", _columns(fields.ATRIA_DETAIL),
               lambda s, p, d: (s.atria().detail(_given(d), p.customer, p.service, p.user, p.billable_only),),
               uses_customer=True),
        Target("invoice_lines", "Invoice lines", "Invoice lines", "InvoiceLines",
               _columns(fields.ATRIA_INVOICE_RECORD, fields.ATRIA_INVOICE_LINE),
               lambda s, p, d: (s.atria().invoice_lines(_given(d), p.customer),), uses_customer=True,
               identity=("customer_code", "bill_to_code", "sku", "service_code")),
        Target("analysis", "Analysis", "Analysis", "Analysis", _columns(fields.ATRIA_ANALYSIS),
               lambda s, p, d: (s.atria().analysis(_given(d), p.customer),), uses_customer=True),
        Target("xarios_invoices", "Xarios invoices", "Xarios invoices", "XariosInvoices",
               _columns(fields.XARIOS_INVOICE_LIST), lambda s, p, d: (s.xarios().invoices(),), False,
               identity=("invoice_id",), apis=("Xarios",)),
        Target("changes", "Largest changes", "Dashboard", "Changes", CHANGE_COLUMNS, _changes,
               identity=("sku", "grouping")),
        Target("built_invoices", "Built invoices", built.SHEET, built.TABLE, built.COLUMNS,
               lambda s, p, d: (built.built_rows(_folder(p), _given(d)),), identity=("invoice_number", "account_code"),
               apis=()),
        Target("margin", "Margin", "Margin", "Margin", MARGIN_COLUMNS, _margin, False, reviewed=True, apis=API_PAIR,
               beside=(
                   Beside("Per period", "MarginByPeriod", ("period_end", *TOTAL_MONEY), ("period_end",)),
                   Beside("Per customer", "MarginByCustomer", (*TOTALS["customer"], *TOTAL_MONEY), TOTALS["customer"]),
                   Beside("Per product", "MarginByProduct", (*TOTALS["product"], *TOTAL_MONEY), TOTALS["product"]),
               )),
        Target("reconciliation", "Reconciliation", "Reconciliation", "Reconciliation",
               ("period_end", *DETAIL_COLUMNS), _reconciliation, reviewed=True, beside=(
                   Beside("Unmapped tenants", "UnmappedTenants", UNMAPPED_TENANT_COLUMNS, ("tenant_code_ext",)),
                   Beside("Unmapped products", "UnmappedProducts", UNMAPPED_PRODUCT_COLUMNS, ("part_number",)),
                   Beside("Xarios invoice checks", "InvoiceChecks", CHECK_COLUMNS, ("invoice_id",)),
               ), identity=("period_end", "account_code", "sku", "part_number"), apis=API_PAIR),
    )
}  # fmt: skip

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


def resolve(keys: Sequence[str] | None) -> list[Target]:
    """The targets named by ``keys`` (``None``: all); ``InputError`` listing the valid names otherwise."""
    chosen = list(ALL) if not keys else [k.strip().lower().replace("-", "_") for k in keys if k.strip()]
    unknown = [k for k in chosen if k not in TARGETS]
    if unknown:
        raise InputError(f"Unknown table name: {', '.join(unknown)}.", f"Choose from: {', '.join(TARGETS)}.")
    return [TARGETS[key] for key in chosen]


def _check_ours(book: WorkbookLike, targets: list[Target]) -> None:
    """``InputError`` for a workbook that is not a billing workbook (no Control sheet and none of
    xlbilling's tables), or a sheet named like one of xlbilling's that does not hold its table (it is the
    user's own): checked before anything is fetched."""
    names = book.sheet_names()
    ours = {part.table.lower() for t in TARGETS.values() for part in t.parts()}
    found = {table.lower() for sheet in names for table in book.table_names(sheet)}
    file = book.file_path()
    where = file.name if file is not None else "This workbook"
    if CONTROL not in names and not ours & found:
        raise InputError(
            f"{where} is not a billing workbook: it has no {CONTROL} sheet and none of xlbilling's tables.",
            "Refresh a copy of templates/billing.xlsx (the demo writes one), or add a Control sheet.",
        )
    for target in targets:
        if target.sheet in names and target.table.lower() not in map(str.lower, book.table_names(target.sheet)):
            raise InputError(
                f"The sheet '{target.sheet}' has no {target.table} table: it is not xlbilling's, so nothing was "
                "written to it.",
                f"Rename your sheet '{target.sheet}' and xlbilling adds its own, or add the {target.table} table.",
            )


def refresh(
    book: WorkbookLike,
    keys: Sequence[str] | None,
    session: Session,
    now: datetime | None = None,
    progress: Callable[[str], None] | None = None,
) -> list[Refreshed]:
    """Fetch every chosen data set, check every table has room, then write each table with a stamp;
    returns what was written (the first table of each sheet); ``progress`` hears of each table as it is
    fetched.

    All data is fetched and every table's room checked before anything is written, so a failing API call
    or a user's cell in the way leaves the workbook as it was.
    """
    targets = resolve(keys)
    _check_ours(book, targets)
    for target in targets:
        for part, _ in target.layout():
            check_columns(book, target.sheet, part.table, part.columns)
    params = read_params(book)
    if any(t.uses_customer for t in targets):
        params = control_customer(book, session, params)
    period = control_period(book, session, params) if any(t.uses_period for t in targets) else None
    loaded = []
    for target in targets:
        if progress is not None:
            progress(f"fetching {target.title}")
        frames = target.load(session, params, period if target.uses_period else None)
        loaded.append((target, _reviewed(book, target, frames) if target.reviewed else frames))
    plan = [
        (target, part, frame, book.check_table(target.sheet, part.table, frame, anchor))
        for target, frames in loaded
        for (part, anchor), fetched in zip(target.layout(), frames, strict=True)
        for frame in [with_user_columns(book, target.sheet, part.table, fetched, part.identity)]
    ]
    moment = now or datetime.now(UTC)
    when = moment.strftime("%Y-%m-%d %H:%M UTC")
    sources = session.sources()
    fetched = [
        Fetched(target.title, *_period_of(target, frames, period), len(frames[0]),
                _source(target, params, period, sources), moment)
        for target, frames in loaded
    ]  # fmt: skip
    overview = _overview_plan(book, fetched)
    abouts = {target.key: _about(target, frames, period) for target, frames in loaded}
    written = []
    for target, part, frame, planned in plan:
        ref = book.write_table(target.sheet, part.table, frame, planned.split(":")[0])
        about = abouts[target.key]
        if part.table != target.table:
            column, row = split_cell(ref.split(":")[0])
            book.write(target.sheet, f"{column}{max(row - 1, 1)}", f"{part.title}: {len(frame)} rows{about}")
            continue
        source = _source(target, params, period, sources)
        stamp = f"{target.title}: {len(frame)} rows{about}, from {source}, refreshed {when}"
        book.write(target.sheet, STAMP_CELL, stamp)
        book.write(target.sheet, PRINTED_STAMP, f"{target.title}{about}")
        written.append(Refreshed(target.key, target.sheet, target.table, len(frame), ref))
    if overview is not None:
        book.write_table(FETCHED_SHEET, FETCHED, *overview)
    return written


def _overview_plan(book: WorkbookLike, fetched: list[Fetched]) -> tuple[pd.DataFrame, str] | None:
    """The Fetched table's rows after this refresh and where they go (room checked); ``None`` for a workbook
    without that table (one made from an earlier template)."""
    if FETCHED.lower() not in map(str.lower, book.table_names(FETCHED_SHEET)):
        return None
    order = [target.title for target in TARGETS.values()]
    rows = fetched_table(existing_table(book, FETCHED_SHEET, FETCHED), fetched, order)
    shape = existing_shape(book, FETCHED_SHEET, FETCHED)
    anchor = shape.ref.split(":")[0] if shape is not None else TABLE_ANCHOR
    return rows, book.check_table(FETCHED_SHEET, FETCHED, rows, anchor).split(":")[0]


def _about(target: Target, frames: Frames, period: Period | None) -> str:
    """Which period a data set is for, in words for its stamp: " for the period ending 2026-10-31", " for the
    periods ending 2025-11-30 to 2026-10-31" (the margin's range), or nothing (a list such as Periods)."""
    if target.uses_period and period is not None:
        return f" for the period ending {period}"
    if target.key == "margin" and len(frames[1]):
        ends = pd.to_datetime(frames[1]["period_end"])
        return f" for the periods ending {ends.min().date()} to {ends.max().date()}"
    return ""


def _period_of(target: Target, frames: Frames, period: Period | None) -> tuple[date | None, bool | None]:
    """The period a refreshed data set is for, and whether it is closed: the Control sheet's, or the margin's
    last (its range holds closed periods only); none for a list such as Periods."""
    if target.uses_period and period is not None:
        return period.end, period.is_closed
    if target.key == "margin" and len(frames[1]):
        return pd.Timestamp(frames[1]["period_end"].max()).date(), True
    return None, None


def _source(target: Target, params: Params, period: Period | None, sources: dict[str, str]) -> str:
    """Where a data set comes from: its APIs' addresses (once when they share one), or the manifest file."""
    if not target.apis:
        folder = _folder(params)
        return str(built.period_folder(folder, period) / "manifest.json") if folder and period else "no folder"
    return " and ".join(dict.fromkeys(sources.get(api, api) for api in target.apis))


def _reviewed(book: WorkbookLike, target: Target, frames: Frames) -> Frames:
    """The frames with the first one's reviews and notes carried over from the sheet as it is, and the rows
    that vanished (with a decision or a note) as the last frame (``xlbilling.reviews.carry``)."""
    kept, closed = carry(frames[0], existing_table(book, target.sheet, target.table))
    return (kept, *frames[1:], closed)


def existing_table(book: WorkbookLike, sheet: str, table: str) -> pd.DataFrame:
    """The rows of the table ``table`` on ``sheet`` as they are now, headed by its header row (empty when
    there is no such table)."""
    shape = existing_shape(book, sheet, table)
    if shape is None:
        return pd.DataFrame()
    body = book.read_block(sheet, shape.body) if shape.body else []
    rows = [row for row in body if any(cell not in (None, "") for cell in row)]
    return pd.DataFrame(rows, columns=shape.headers)


def summary_line(written: Sequence[Refreshed]) -> str:
    """One line for a message box or a terminal: ``Refreshed Summary (120 rows), Detail (3,400 rows).``"""
    parts = [f"{item.table} ({item.rows:,} rows)" for item in written]
    return "Refreshed " + ", ".join(parts) + "."
