"""How a DataFrame becomes an Excel table's cells, and where the table may go: the rules every book adapter
shares (``WorkbookLike``: a file through ``OpenpyxlBook``, a closed file part by part through
``PackageBook``, a live book through ``xlbilling._excel.live.XlwingsBook``)."""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol

import pandas as pd
from openpyxl.utils.cell import get_column_letter, range_boundaries

from xlbilling._errors import DataError, InputError
from xlbilling._values.cells import clean_text
from xlbilling._xlsx.coords import bounds

DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
MONEY_FORMAT = "#,##0.00"
TABLE_STYLE = "TableStyleMedium2"
_TABLE_NAME = re.compile(r"^[A-Za-z_\\][A-Za-z0-9_.]{0,254}$")
_CELL_LIKE = re.compile(r"^([A-Za-z]{1,3}[0-9]+|[Rr][0-9]*[Cc][0-9]*)$")


@dataclass(frozen=True)
class Formula:
    """A formula a user gave a column of an xlbilling table (a calculated column), written back as a formula
    on every row: ``text`` without its ``=``. Anything else that looks like a formula is written as text."""

    text: str


@dataclass(frozen=True)
class TableShape:
    """An existing table as a refresh needs it: its range, its header cells in order, the formula of each
    calculated column (header -> formula text without ``=``) and whether it ends with a totals row."""

    ref: str
    headers: list[str]
    formulas: dict[str, str]
    totals: bool = False

    @property
    def body(self) -> str | None:
        """The range of the table's data rows (``None`` when it has none), its totals row left out."""
        left, top, right, bottom = bounds(self.ref)
        last = bottom - 1 if self.totals else bottom
        return f"{get_column_letter(left)}{top + 1}:{get_column_letter(right)}{last}" if last > top else None


class WorkbookLike(Protocol):
    """What refresh code needs from a workbook, whichever implementation is behind it."""

    def sheet_names(self) -> list[str]: ...

    def table_names(self, sheet: str) -> list[str]: ...

    def table_shape(self, sheet: str, name: str) -> TableShape | None: ...

    def file_path(self) -> Path | None: ...

    def read(self, sheet: str, cell: str) -> Any: ...

    def read_block(self, sheet: str, ref: str) -> list[list[Any]]: ...

    def read_sheet(self, sheet: str) -> list[list[Any]]: ...

    def write(self, sheet: str, cell: str, value: Any) -> None: ...

    def check_table(self, sheet: str, name: str, df: pd.DataFrame, anchor: str = "A1") -> str: ...

    def write_table(self, sheet: str, name: str, df: pd.DataFrame, anchor: str = "A1") -> str: ...


# --- how a DataFrame column becomes cells -------------------------------------------------------------


def column_format(series: pd.Series) -> str | None:
    """The Excel number format for a column: dates, date-times, money (Decimal) or none."""
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        values = series.dropna()
        has_time = bool((values != values.dt.normalize()).any()) if len(values) else False
        return DATETIME_FORMAT if has_time else DATE_FORMAT
    if series.dtype == object and any(isinstance(v, Decimal) for v in series):
        return MONEY_FORMAT
    return None


def cell_value(value: Any) -> Any:
    """A pandas/numpy value as a plain Python cell value: missing values become ``None``, timestamps
    ``datetime``, numpy scalars Python numbers; Decimal stays Decimal and text is cleaned."""
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, Formula):
        return value
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, Decimal | bool | int | float | date):
        if isinstance(value, float) and value != value:
            return None
        if isinstance(value, pd.Timestamp):
            return value.to_pydatetime()
        return value
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    if hasattr(value, "item"):  # numpy scalar
        return value.item()
    return clean_text(str(value))


def check_table_name(name: str) -> None:
    """Raise ``InputError`` unless ``name`` is a name Excel accepts for a table."""
    if not _TABLE_NAME.match(name) or _CELL_LIKE.match(name):
        raise InputError(
            f"'{name}' cannot be an Excel table name.",
            "Use letters, digits and underscores, starting with a letter (e.g. Summary).",
        )


def table_headers(df: pd.DataFrame) -> list[str]:
    headers = [clean_text(str(column)) for column in df.columns]
    if len({h.lower() for h in headers}) != len(headers) or not all(headers):
        raise DataError("A table needs unique, non-empty column names.", "Rename the columns and try again.")
    return headers


def top_left(ref: str) -> tuple[int, int]:
    """The column and row numbers (from 1) of a range's first cell, e.g. ``(2, 3)`` for ``B3:D9``."""
    column, row, _, _ = range_boundaries(ref)
    assert column is not None and row is not None
    return column, row


def table_rows(df: pd.DataFrame) -> Iterator[list[Any]]:
    for row in df.itertuples(index=False, name=None):
        yield [cell_value(v) for v in row]


# --- where a table goes: the same rules for both implementations -----------------------------------------


def table_ref(top_left: str, df: pd.DataFrame) -> str:
    """The range ``df`` takes as a table whose header row starts at ``top_left`` (e.g. ``A3:K120``);
    an empty frame keeps one empty body row, as Excel tables do."""
    min_col, min_row, _, _ = range_boundaries(top_left + ":" + top_left)
    assert min_col is not None and min_row is not None
    last_row = min_row + max(len(df), 1)
    last_col = min_col + len(df.columns) - 1
    return f"{get_column_letter(min_col)}{min_row}:{get_column_letter(last_col)}{last_row}"


def check_room(
    sheet: str,
    name: str,
    ref: str,
    old_ref: str | None,
    others: dict[str, str],
    value_at: Callable[[int, int], Any],
    merged: Collection[str] = (),
) -> None:
    """Raise ``DataError`` unless the table ``name`` can take ``ref`` on ``sheet``: it may not overlap
    another table (``others``: name -> range), a merged range (``merged``: a table cannot hold one, even an
    empty one) nor cover a filled cell it did not cover before (``old_ref``); ``value_at(row, column)``
    reads a cell."""
    old_cells = cells_of(old_ref) if old_ref is not None else set()
    new_cells = cells_of(ref) - old_cells
    for other, other_ref in others.items():
        if other.lower() != name.lower() and new_cells & cells_of(other_ref):
            raise DataError(
                f"The table {name} would overlap the table {other} on '{sheet}'.",
                "Move one of the tables so there is room, then refresh again.",
            )
    covered = [m for m in merged if cells_of(ref) & cells_of(m)]
    if covered:
        raise DataError(
            f"The table {name} would cover the merged cells {covered[0]} on '{sheet}'.",
            "Unmerge or move them, then refresh again.",
        )
    taken = sorted((r, c) for c, r in new_cells if value_at(r, c) not in (None, ""))
    if taken:
        row, column = taken[0]
        raise DataError(
            f"The table {name} would overwrite {get_column_letter(column)}{row} on '{sheet}'.",
            "Move or clear the cells below and to the right of the table, then refresh again.",
        )


def cells_of(ref: str) -> set[tuple[int, int]]:
    """Every (column, row) of the range ``ref``."""
    min_col, min_row, max_col, max_row = range_boundaries(ref)
    assert None not in (min_col, min_row, max_col, max_row)
    return {(c, r) for c in range(min_col, max_col + 1) for r in range(min_row, max_row + 1)}
