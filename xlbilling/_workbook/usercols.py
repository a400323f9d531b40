"""A user's own columns in xlbilling's tables: checked before a refresh, kept through it.

A column a user adds to one of xlbilling's tables (a calculated ``value`` = ``[@this_count]*[@price]``, or
notes typed beside each row) stays where it is when the table is refreshed: a calculated column gets its
formula on every new row, and a column of typed values keeps each value with its row, found again by the
row's identity (its key columns: customer code and SKU on the Summary, say) whatever the new order or row
count. A row that is gone takes its value with it. One of xlbilling's own columns that the user renamed is
refused before anything is fetched, naming the column and the name xlbilling needs.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Hashable, Sequence
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import pandas as pd

from xlbilling._errors import InputError
from xlbilling._xlsx.formulas import shifted
from xlbilling._xlsx.tablecells import Formula, TableShape, WorkbookLike

EXCEL_EPOCH = pd.Timestamp("1899-12-30")
"""Day 0 of Excel's date serials (as Excel counts from 1900, with its leap-year quirk)."""


def existing_shape(book: WorkbookLike, sheet: str, table: str) -> TableShape | None:
    """The table ``table`` on ``sheet`` as it is now, or None when there is none."""
    if sheet not in book.sheet_names() or table.lower() not in map(str.lower, book.table_names(sheet)):
        return None
    return book.table_shape(sheet, table)


def check_columns(book: WorkbookLike, sheet: str, table: str, columns: Sequence[str]) -> None:
    """``InputError`` when the table ``table`` on ``sheet`` lacks one of xlbilling's ``columns`` while it has
    columns xlbilling does not write: a user renamed it, and the refresh would not know which is which. A
    column that is simply missing (deleted, or new in this version of xlbilling) is written again."""
    shape = existing_shape(book, sheet, table)
    if shape is None:
        return
    present = {header.lower() for header in shape.headers}
    missing = [column for column in columns if column.lower() not in present]
    theirs = [header for header in shape.headers if header.lower() not in {c.lower() for c in columns}]
    if missing and theirs:
        instead = f" (its columns xlbilling does not write: {', '.join(theirs)})"
        raise InputError(
            f"The {table} table on '{sheet}' has no column {missing[0]}, which xlbilling fills{instead}.",
            f"Name that column {missing[0]} again (or undo the change), then refresh again.",
        )


def with_user_columns(
    book: WorkbookLike, sheet: str, table: str, frame: pd.DataFrame, key: Sequence[str] = ()
) -> pd.DataFrame:
    """``frame`` with the columns the user added to the existing table put back in their places: a
    calculated column's formula on every row, a typed column's values on the rows with the same ``key``
    values (all of xlbilling's columns when ``key`` is empty); xlbilling's own columns in the table's order."""
    shape = existing_shape(book, sheet, table)
    if shape is None:
        return frame
    ours = {str(column).lower(): str(column) for column in frame.columns}
    theirs = [header for header in shape.headers if header.lower() not in ours]
    if not theirs:
        return frame.loc[:, _ordered(shape.headers, ours)]
    body = book.read_block(sheet, shape.body) if shape.body else []
    old = [dict(zip(shape.headers, row, strict=False)) for row in body if any(v not in (None, "") for v in row)]
    keys = [ours[k.lower()] for k in key if k.lower() in ours] or list(ours.values())
    dated = {k for k in keys if pd.api.types.is_datetime64_any_dtype(frame[k].dtype)}
    kept: dict[Hashable, deque[dict[str, Any]]] = defaultdict(deque)
    for row in old:
        kept[tuple(_same(row.get(_header(shape, k)), k in dated) for k in keys)].append(row)
    found = [kept[tuple(_same(v) for v in values)] for values in frame.loc[:, keys].itertuples(index=False)]
    matched = [queue.popleft() if queue else {} for queue in found]
    result = frame.copy()
    for header in theirs:
        formula = shape.formulas.get(header)
        values: list[Any] = (
            [Formula(shifted(formula, number)) for number in range(len(frame))]
            if formula is not None
            else [row.get(header) for row in matched]
        )
        result[header] = pd.Series(values, index=frame.index, dtype=object)
    return result.loc[:, [*_ordered(shape.headers, ours, theirs)]]


def _ordered(headers: list[str], ours: dict[str, str], theirs: Sequence[str] = ()) -> list[str]:
    """The columns in the table's order (xlbilling's by their own names), new columns of xlbilling's last."""
    order = [ours.get(h.lower(), h) for h in headers if h.lower() in ours or h in theirs]
    return order + [name for name in ours.values() if name not in order]


def _header(shape: TableShape, column: str) -> str:
    return next((h for h in shape.headers if h.lower() == column.lower()), column)


def _same(value: Any, dated: bool = False) -> Hashable:
    """A value as both sides of a row match: a date as its day (``dated``: a number read back from a date
    cell is its Excel serial), a number whatever its type, text trimmed."""
    if dated and isinstance(value, int | float) and not isinstance(value, bool):
        value = EXCEL_EPOCH + pd.to_timedelta(value, unit="D")
    if value is None or value is pd.NaT or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, datetime | pd.Timestamp):
        moment = pd.Timestamp(value)
        return moment.date().isoformat() if moment == moment.normalize() else moment.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float | Decimal):
        try:
            return Decimal(str(value)).normalize()
        except InvalidOperation:
            return str(value)
    if hasattr(value, "item"):  # a numpy scalar
        return _same(value.item())
    return str(value).strip()
