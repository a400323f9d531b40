"""Refresh a billing workbook's tables: the same code behind the ribbon buttons and ``xlbilling refresh``.

Parameters come from the Control sheet (``xlbilling._workbook.control``). Each data set is written
as a named Excel table on its own sheet, at ``A3``, resized to fit; cell ``A1`` of that sheet says when,
from where and how many rows (``A2``, printed atop each page, what and for which period), and so does its
row of the Fetched sheet's table (``xlbilling._workbook.fetched``), which the Overview's figures read (what
each says: ``xlbilling._workbook.target``). Some
sheets get further tables beside the first (the Reconciliation sheet lists unmapped tenants, unmapped
products and each Xarios invoice's own check), each titled above it. The Reconciliation lists its
differences first. Every table is checked for room before anything is written. Nothing else in the
workbook is touched.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from xlbilling._apis import fields
from xlbilling._apis.atria import CHANGE_COLUMNS, largest_changes
from xlbilling._errors import InputError
from xlbilling._inputs.mapping import Mapping, load_mapping
from xlbilling._inputs.prices import load_prices
from xlbilling._inputs.reviews import carry
from xlbilling._margin.compute import DETAIL_COLUMNS as MARGIN_COLUMNS
from xlbilling._margin.compute import TOTAL_MONEY, TOTALS
from xlbilling._margin.run import for_sheet
from xlbilling._progress import Progress, Step
from xlbilling._reconcile.result import (
    CHECK_COLUMNS,
    DETAIL_COLUMNS,
    UNMAPPED_PRODUCT_COLUMNS,
    UNMAPPED_TENANT_COLUMNS,
)
from xlbilling._session.session import Session
from xlbilling._values.period import Period
from xlbilling._workbook import built
from xlbilling._workbook.control import (
    CONTROL,
    MAPPING_SHEET,
    PARAMETERS,
    Params,
    control_customer,
    control_period,
    control_range,
    read_params,
    write_param,
)
from xlbilling._workbook.fetched import SHEET as FETCHED_SHEET
from xlbilling._workbook.fetched import TABLE as FETCHED
from xlbilling._workbook.fetched import Fetched, fetched_table
from xlbilling._workbook.names import ALL
from xlbilling._workbook.target import (
    PRINTED_STAMP,
    STAMP_CELL,
    TABLE_ANCHOR,
    Beside,
    Frames,
    Refreshed,
    Target,
    title_cell,
)
from xlbilling._workbook.usercols import check_columns, existing_shape, with_user_columns
from xlbilling._xlsx.tablecells import WorkbookLike

CHANGES_SHOWN = 10
"""How many of the largest changes the Dashboard's Changes table (and its chart) shows."""


def _given(period: Period | None) -> Period:
    """The period of a target that uses one: ``refresh`` always resolves it for such a target first."""
    if period is None:
        raise InputError("No billing period was chosen.", f"Pick one on the {CONTROL} sheet.")
    return period


def _changes(session: Session, params: Params, period: Period | None) -> Frames:
    return (largest_changes(session.atria().summary(_given(period), True, False), CHANGES_SHOWN),)


def _mapping(params: Params) -> Mapping:
    """The Control sheet's product mapping, read (or as a door loaded it); ``InputError`` saying where to give
    one when none is set."""
    if isinstance(params.mapping, Mapping):
        return params.mapping
    if params.mapping is None:
        raise InputError(
            "No product mapping is set.",
            f"Fill the {MAPPING_SHEET} sheet (part_number, sku), or put the path of a mapping file (CSV or "
            f".xlsx) next to '{PARAMETERS['mapping']}' on the {CONTROL} sheet.",
        )
    return load_mapping(params.mapping)


def _reconciliation(session: Session, params: Params, period: Period | None) -> Frames:
    chosen = _given(period)
    prices = load_prices(params.prices) if params.prices is not None else None
    result = session.reconcile(chosen, mapping=_mapping(params), prices=prices)
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
    mapping, prices = _mapping(params), load_prices(params.prices)
    found = session.margin(*control_range(session, params), mapping=mapping, prices=prices)
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
    progress: Progress | None = None,
    *,
    period: Period | None = None,
    stamped: str | None = None,
) -> list[Refreshed]:
    """Fetch every chosen data set, check every table has room, then write each table with a stamp;
    returns what was written (the first table of each sheet); ``progress`` hears of each table as it is
    fetched. ``period`` (written on the Control sheet) replaces the Control sheet's period; ``stamped`` is
    what the stamps say after "refreshed" (default: ``now``, or the time now, as ``2026-11-01 06:00 UTC``).

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
    if period is not None:
        write_param(book, "period", period.end)
    elif any(t.uses_period for t in targets):
        period = control_period(book, session, params)
    loaded = []
    for target in targets:
        if progress is not None:
            progress(Step(f"fetching {target.title}"))
        frames = target.load(session, params, period if target.uses_period else None)
        loaded.append((target, _reviewed(book, target, frames) if target.reviewed else frames))
    plan = [
        (target, part, frame, book.check_table(target.sheet, part.table, frame, anchor))
        for target, frames in loaded
        for (part, anchor), fetched in zip(target.layout(), frames, strict=True)
        for frame in [with_user_columns(book, target.sheet, part.table, fetched, part.identity)]
    ]
    when: datetime | str = stamped or now or datetime.now(UTC)
    sources = session.sources()
    said = {
        target.key: (target.about(frames, period), source(target, params, period, sources, book.file_path()))
        for target, frames in loaded
    }
    moment = when if isinstance(when, datetime) else None
    fetched = [target.fetched(frames, period, said[target.key][1], moment) for target, frames in loaded]
    overview = _overview_plan(book, fetched)
    written = []
    for target, part, frame, planned in plan:
        ref = book.write_table(target.sheet, part.table, frame, planned.split(":")[0])
        about, where = said[target.key]
        if part.table != target.table:
            book.write(target.sheet, title_cell(ref), part.line(len(frame), about))
            continue
        book.write(target.sheet, STAMP_CELL, target.stamp(len(frame), about, where, when))
        book.write(target.sheet, PRINTED_STAMP, target.printed(about))
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


def source(target: Target, params: Params, period: Period | None, sources: dict[str, str], home: Path | None) -> str:
    """Where a data set comes from: its APIs' addresses in ``sources`` (see ``Target.source``), or, for the
    built invoices, the manifest file it was read from (relative to the workbook ``home`` when beside it)."""
    if target.apis:
        return target.source(sources)
    folder = _folder(params)
    if not folder or not period:
        return "no folder"
    manifest = built.manifest_folder(folder, period) / "manifest.json"
    if home is not None and manifest.is_relative_to(home.parent):
        return manifest.relative_to(home.parent).as_posix()
    return str(manifest)


def _reviewed(book: WorkbookLike, target: Target, frames: Frames) -> Frames:
    """The frames with the first one's reviews and notes carried over from the sheet as it is (see
    ``with_reviews``)."""
    return with_reviews(frames, existing_table(book, target.sheet, target.table))


def with_reviews(frames: Frames, old: pd.DataFrame) -> Frames:
    """``frames`` with the first one's reviews and notes carried over from ``old`` (its rows as they were), and
    the rows that vanished (with a decision or a note) as the last frame (``xlbilling._inputs.reviews.carry``)."""
    kept, closed = carry(frames[0], old)
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
