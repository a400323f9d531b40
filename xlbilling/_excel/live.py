"""A book open in Excel, written through xlwings: the live side of ``xlbilling._xlsx.tablecells.WorkbookLike``."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from xlbilling._values.cells import neutralize
from xlbilling._xlsx.tablecells import (
    TABLE_STYLE,
    Formula,
    TableShape,
    cell_value,
    check_room,
    check_table_name,
    column_format,
    table_headers,
    table_ref,
    table_rows,
    top_left,
)

if TYPE_CHECKING:
    import xlwings as xw


class XlwingsBook:
    """A book open in Excel, driven through xlwings' typed API (mypy checks every call against it)."""

    def __init__(self, book: xw.Book) -> None:
        self.book = book

    def sheet_names(self) -> list[str]:
        """The book's sheet names in tab order."""
        return [sheet.name for sheet in self.book.sheets]

    def table_names(self, sheet: str) -> list[str]:
        """The tables on ``sheet`` (none when it does not exist)."""
        return [table.name for table in self.book.sheets[sheet].tables] if sheet in self.sheet_names() else []

    def file_path(self) -> Path | None:
        """The book's file (None while it has never been saved)."""
        path = Path(self.book.fullname)
        return path if path.parent != Path() else None

    def read(self, sheet: str, cell: str) -> Any:
        """The value of one cell (``None`` when the sheet or cell is empty)."""
        if sheet not in self.sheet_names():
            return None
        return self.book.sheets[sheet].range(cell).value

    def read_block(self, sheet: str, ref: str) -> list[list[Any]]:
        """The values of a rectangle of cells, row by row (empty when the sheet does not exist)."""
        if sheet not in self.sheet_names():
            return []
        values = self.book.sheets[sheet].range(ref).options(ndim=2).value
        return [list(row) for row in values]

    def read_sheet(self, sheet: str) -> list[list[Any]]:
        """Every row of ``sheet`` from ``A1`` to its last used cell (empty when the sheet does not exist)."""
        if sheet not in self.sheet_names():
            return []
        last = _address(self.book.sheets[sheet].used_range.last_cell)
        return self.read_block(sheet, f"A1:{last}")

    def table_shape(self, sheet: str, name: str) -> TableShape | None:
        """The table ``name`` on ``sheet``: its range, headers, the formula of each column whose first data
        cell holds one (a calculated column), and whether it shows a totals row (three calls to Excel)."""
        if sheet not in self.sheet_names():
            return None
        table = next((t for t in self.book.sheets[sheet].tables if t.name.lower() == name.lower()), None)
        if table is None:
            return None
        rows, columns = table.range.shape
        top = table.range[0, 0]
        headers = [str(h) for h in top.resize(1, columns).options(ndim=2).value[0]]
        first = top.offset(1, 0).resize(1, columns).formula if rows > 1 else ()
        cells = [first] if isinstance(first, str) else [f for line in first for f in line]
        formulas = {h: f[1:] for h, f in zip(headers, cells, strict=False) if isinstance(f, str) and f.startswith("=")}
        return TableShape(_address(table.range), headers, formulas, bool(table.show_totals))

    def write(self, sheet: str, cell: str, value: Any) -> None:
        """Put one value in one cell; text that looks like a formula gets Excel's text apostrophe."""
        self._sheet(sheet).range(cell).value = _xl_value(cell_value(value))

    def check_table(self, sheet: str, name: str, df: pd.DataFrame, anchor: str = "A1") -> str:
        """The range ``write_table`` would give the table, without writing anything; ``DataError`` when
        it would overlap another table, a merged range or a filled cell, ``InputError`` for a name Excel
        refuses."""
        check_table_name(name)
        table_headers(df)
        if sheet not in self.sheet_names():
            return table_ref(anchor, df)
        ws = self.book.sheets[sheet]
        tables = {table.name: _address(table.range) for table in ws.tables}
        old = next((ref for other, ref in tables.items() if other.lower() == name.lower()), None)
        ref = table_ref(old.split(":")[0] if old is not None else anchor, df)
        first_column, first_row = top_left(ref)
        block = self.read_block(sheet, ref)  # one call to Excel for every cell the table would take
        merged = _first_merge(ws.range(ref))
        check_room(
            ws.name, name, ref, old, tables, lambda r, c: block[r - first_row][c - first_column], merged
        )  # fmt: skip
        return ref

    def write_table(self, sheet: str, name: str, df: pd.DataFrame, anchor: str = "A1") -> str:
        """Write ``df`` as the Excel table ``name`` on ``sheet`` (resizing it) and return its address.
        Raises ``DataError``, writing nothing, if the table would cover cells that hold something else."""
        ref = self.check_table(sheet, name, df, anchor)
        headers = table_headers(df)
        ws = self._sheet(sheet)
        values = [headers, *([_xl_value(v) for v in row] for row in table_rows(df))]
        existing = {table.name.lower(): table for table in ws.tables}
        table = existing.get(name.lower())
        top = ws.range(ref.split(":")[0])
        target = top.resize(len(values), len(headers))
        if table is None:
            target.value = values
            table = ws.tables.add(source=ws.range(ref), name=name, table_style_name=TABLE_STYLE, has_headers=True)
        else:
            old_rows, old_cols = table.range.shape
            table.resize(ws.range(ref))
            if old_rows > len(values) or old_cols > len(headers):
                top.resize(max(old_rows, len(values)), max(old_cols, len(headers))).clear_contents()
                table.resize(ws.range(ref))
            target.value = values
        for offset, column in enumerate(df.columns):
            number_format = column_format(df[column])
            if number_format and len(df):
                _column_body(top, offset, len(df)).number_format = number_format
        return _address(table.range)

    def save(self, path: str | Path | None = None) -> Path:
        """Save the book in Excel (to ``path`` if given)."""
        self.book.save(str(path) if path is not None else None)
        return Path(self.book.fullname)

    def _sheet(self, sheet: str) -> xw.Sheet:
        if sheet in self.sheet_names():
            return self.book.sheets[sheet]
        return self.book.sheets.add(sheet, after=self.book.sheets[-1])


def _address(cells: xw.Range) -> str:
    return str(cells.address).replace("$", "")


def _first_merge(area: xw.Range) -> list[str]:
    """The first merged range inside ``area`` (none: one call to Excel; some: one more per cell looked at)."""
    if area.merge_cells is False:
        return []
    rows, columns = area.shape
    for row in range(rows):
        for column in range(columns):
            cell = area[row, column]
            if cell.merge_cells:
                return [_address(cell.merge_area)]
    return []


def _column_body(top: xw.Range, offset: int, rows: int) -> xw.Range:
    return top.offset(1, offset).resize(rows, 1)


def _xl_value(value: Any) -> Any:
    """A cell value as xlwings can send it to Excel: Decimal as a number, a user's ``Formula`` as a formula,
    formula-like text as text."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, Formula):
        return "=" + value.text
    return neutralize(value)
