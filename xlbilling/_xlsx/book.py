"""A workbook file built or edited through openpyxl (``OpenpyxlBook``): the shipped billing template, command
output as .xlsx, and the reconciliation workbook.

It is one of the ``xlbilling._xlsx.tablecells.WorkbookLike`` books: it puts a DataFrame in as a real Excel
table (ListObject) with a header row, resized on every write, with dates shown as dates, money as numbers in
a money format, and API text kept as text (never a formula). Nothing outside the table's own cells is
changed. The headless refresh of a user's file does not use it (``xlbilling._xlsx.packagebook``).
"""

from __future__ import annotations

import os
import zipfile
from copy import copy
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
from openpyxl import Workbook, load_workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.chart.axis import ChartLines
from openpyxl.chart.data_source import NumFmt
from openpyxl.chart.label import DataLabelList
from openpyxl.chart.series import SeriesLabel
from openpyxl.utils.cell import get_column_letter, range_boundaries
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.filters import AutoFilter
from openpyxl.worksheet.table import Table, TableStyleInfo

from xlbilling._errors import DataError, InputError
from xlbilling._files import atomic_path
from xlbilling._values.cells import is_formula_like
from xlbilling._xlsx.coords import bounds, taller
from xlbilling._xlsx.look import Sheet, chart_text
from xlbilling._xlsx.tablecells import (
    DATE_FORMAT,
    DATETIME_FORMAT,
    TABLE_STYLE,
    Formula,
    TableShape,
    cell_value,
    cells_of,
    check_room,
    check_table_name,
    column_format,
    table_headers,
    table_ref,
    table_rows,
)

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

BAR_CHART_BASE_CM = 3.0
"""A bar chart's height besides its bars: the title and the value axis."""
BAR_CM = 0.75
BAR_CHART_WIDTH_CM = 14.0
"""A bar chart's width: beside a table of about 80 characters, both print on one landscape page at 7 pt or
more."""
"""The height each bar of a bar chart gets, gap included."""


# --- openpyxl: a workbook file ------------------------------------------------------------------------


class OpenpyxlBook:
    """A workbook file edited through openpyxl: ``OpenpyxlBook.new()`` or ``OpenpyxlBook.open(path)``."""

    def __init__(self, workbook: Workbook, path: Path | None = None) -> None:
        self.workbook = workbook
        self.path = path
        self._long: dict[tuple[str, str], pd.DataFrame] = {}  # (sheet, table) -> its rows, written by save()

    @classmethod
    def new(cls) -> OpenpyxlBook:
        """An empty workbook (its first, empty sheet is removed once a table sheet exists)."""
        return cls(Workbook())

    @classmethod
    def open(cls, path: str | Path) -> OpenpyxlBook:
        """Open ``path`` (``.xlsx`` or ``.xlsm``; VBA, external links and rich text are kept)."""
        path = Path(path)
        try:
            workbook = load_workbook(
                path, keep_vba=path.suffix.lower() == ".xlsm", keep_links=True, rich_text=True
            )  # rich text (part of a cell bold or red) stays rich text
        except FileNotFoundError:
            raise InputError(f"There is no workbook at {path}.", "Check the path.") from None
        except (OSError, ValueError, KeyError, zipfile.BadZipFile, InvalidFileException) as error:
            raise DataError(
                f"{path.name} cannot be read as an Excel workbook ({error}).",
                "Open it in Excel and save it as .xlsx or .xlsm.",
            ) from None
        return cls(workbook, path)

    def sheet_names(self) -> list[str]:
        """The workbook's sheet names in tab order."""
        return list(self.workbook.sheetnames)

    def file_path(self) -> Path | None:
        """Where the workbook was opened from or last saved (None for a new one)."""
        return self.path

    def table_names(self, sheet: str) -> list[str]:
        """The tables on ``sheet`` (none when it does not exist)."""
        return list(self.workbook[sheet].tables) if sheet in self.workbook.sheetnames else []

    def table_shape(self, sheet: str, name: str) -> TableShape | None:
        """The table ``name`` on ``sheet``: its range, headers, calculated columns and totals row."""
        if sheet not in self.workbook.sheetnames:
            return None
        table = next((t for t in self.workbook[sheet].tables.values() if t.name.lower() == name.lower()), None)
        if table is None:
            return None
        headers = [str(column.name) for column in table.tableColumns]
        formulas = {
            str(column.name): str(column.calculatedColumnFormula.attr_text)
            for column in table.tableColumns
            if column.calculatedColumnFormula is not None
        }
        return TableShape(table.ref, headers, formulas, bool(table.totalsRowCount))

    def read(self, sheet: str, cell: str) -> Any:
        """The value of one cell (``None`` when the sheet or cell is empty)."""
        if sheet not in self.workbook.sheetnames:
            return None
        return self.workbook[sheet][cell].value

    def read_block(self, sheet: str, ref: str) -> list[list[Any]]:
        """The values of a rectangle of cells, row by row (empty when the sheet does not exist)."""
        if sheet not in self.workbook.sheetnames:
            return []
        min_col, min_row, max_col, max_row = range_boundaries(ref)
        rows = self.workbook[sheet].iter_rows(min_row, max_row, min_col, max_col, values_only=True)
        return [list(row) for row in rows]

    def write(self, sheet: str, cell: str, value: Any) -> None:
        """Put one value in one cell; text is always stored as text."""
        target = self._sheet(sheet)[cell]
        _set_cell(target, cell_value(value))
        if isinstance(target.value, datetime | date):
            target.number_format = DATETIME_FORMAT if isinstance(target.value, datetime) else DATE_FORMAT

    def read_sheet(self, sheet: str) -> list[list[Any]]:
        """Every row of ``sheet`` from ``A1`` to its last used cell (empty when the sheet does not exist)."""
        if sheet not in self.workbook.sheetnames:
            return []
        ws = self.workbook[sheet]
        return [list(row) for row in ws.iter_rows(1, ws.max_row, 1, ws.max_column, values_only=True)]

    def check_table(self, sheet: str, name: str, df: pd.DataFrame, anchor: str = "A1") -> str:
        """The range ``write_table`` would give the table, without writing anything; ``DataError`` when
        it would overlap another table, a merged range or a filled cell, ``InputError`` for a name Excel
        refuses."""
        check_table_name(name)
        table_headers(df)
        if sheet not in self.workbook.sheetnames:
            return table_ref(anchor, df)
        ws = self.workbook[sheet]
        old = self._find_table(ws, name)
        ref = table_ref(old.ref.split(":")[0] if old is not None else anchor, df)
        ref = taller(ref, 1) if old is not None and old.totalsRowCount else ref  # room for its totals row
        cells = ws._cells
        check_room(
            ws.title, name, ref, old.ref if old is not None else None,
            {table.name: table.ref for table in ws.tables.values()},
            lambda r, c: cells[(r, c)].value if (r, c) in cells else None,
            [merged.coord for merged in ws.merged_cells.ranges],
        )  # fmt: skip
        return ref

    def write_table(self, sheet: str, name: str, df: pd.DataFrame, anchor: str = "A1") -> str:
        """Write ``df`` as the Excel table ``name`` on ``sheet`` and return its range (e.g. ``A3:K120``).

        An existing table of that name keeps its top-left corner and is resized; cells it no longer
        covers are emptied. Raises ``DataError`` if the table would cover cells that hold something else.
        """
        ref = self.check_table(sheet, name, df, anchor)
        headers = table_headers(df)
        ws = self._sheet(sheet)
        old = self._find_table(ws, name)
        min_col, min_row, _, _ = range_boundaries(ref)
        assert min_col is not None and min_row is not None
        old_cells = cells_of(old.ref) if old is not None else set()
        new_cells = cells_of(ref)
        totals = _totals_row(ws, old)
        if old is not None:
            del ws.tables[old.name]
            for column, row in old_cells - new_cells:
                cell = ws.cell(row=row, column=column)
                cell.value = None
                cell.number_format = "General"
        for offset, header in enumerate(headers):
            _set_cell(ws.cell(row=min_row, column=min_col + offset), header)
        kept = _kept_formats(ws, old)
        formats = [column_format(df[c]) or kept.get(h.lower()) for c, h in zip(df.columns, headers, strict=True)]
        for r, values in enumerate(table_rows(df), start=min_row + 1):
            for offset, value in enumerate(values):
                cell = ws.cell(row=r, column=min_col + offset)
                _set_cell(cell, value)
                cell.number_format = formats[offset] or "General"
        if df.empty:
            for offset in range(len(headers)):
                ws.cell(row=min_row + 1, column=min_col + offset).value = None
        for offset, header in enumerate(headers if totals else []):  # the totals row, under the new last row
            value, style = totals.get(header.lower(), (None, None))
            cell = ws.cell(row=bounds(ref)[3], column=min_col + offset)
            cell.value = value
            if style is not None:
                cell._style = style
        if old is None:
            for offset, header in enumerate(headers):
                width = min(max(len(header) + 4, 12), 40)
                ws.column_dimensions[get_column_letter(min_col + offset)].width = width
        table = Table(displayName=name, ref=ref)
        table.tableStyleInfo = TableStyleInfo(name=TABLE_STYLE, showRowStripes=True)
        if old is not None:  # the user's style and their columns' settings (calculated formulas) stay
            table.tableStyleInfo = old.tableStyleInfo
            settings = {str(column.name).lower(): column for column in old.tableColumns}
            table._initialise_columns()
            table.tableColumns = [
                settings.get(header.lower(), column) for header, column in zip(headers, table.tableColumns, strict=True)
            ]
            for number, column in enumerate(table.tableColumns, start=1):
                column.id = number
            if old.totalsRowCount:
                table.totalsRowCount = old.totalsRowCount
                table.autoFilter = AutoFilter(ref=taller(ref, -1))
        ws.add_table(table)
        self._drop_placeholder_sheet()
        return ref

    def write_long_table(self, sheet: str, name: str, df: pd.DataFrame) -> str:
        """``write_table`` at ``A1`` of a table of many rows, returning the whole table's range: its header and
        first row are cells now, to be laid out as any table's (``layout.format_table`` and ``fit_widths``
        are given ``rows=df``), and ``save`` writes every row into the file, each column formatted as its
        first row is (``PackageBook``): 200,000 rows in seconds rather than minutes, in little memory."""
        self.write_table(sheet, name, df.head(1))
        self._long[(sheet, name)] = df
        return table_ref("A1", df)

    def save(self, path: str | Path | None = None) -> Path:
        """Write the workbook to ``path`` (default: where it was opened) through a temporary file."""
        target = Path(path) if path is not None else self.path
        if target is None:
            raise InputError("No file name to save the workbook to.", "Give a path ending in .xlsx.")
        self._drop_placeholder_sheet()
        with atomic_path(target) as temp:
            self.workbook.save(temp)
            if self._long:
                self._write_long_tables(temp)
        self.path = target
        return target

    def _write_long_tables(self, saved: Path) -> None:
        """Every row of the long tables into the workbook file ``saved`` (see ``write_long_table``)."""
        from xlbilling._xlsx.packagebook import PackageBook

        draft = saved.with_name(saved.name + ".draft")
        os.replace(saved, draft)
        try:
            rows = PackageBook(draft)
            for (sheet, name), df in self._long.items():
                rows.write_table(sheet, name, df, look_kept=True)
            rows.save(saved)
        finally:
            draft.unlink(missing_ok=True)

    # -- layout, for workbooks xlbilling creates (the billing template) --

    def validate_list(self, sheet: str, cell: str, source: str, prompt: str) -> None:
        """Let ``cell`` take only values from the list ``source`` (a formula such as
        ``=INDIRECT("Periods[period_end]")`` or ``"TRUE,FALSE"``), with an input prompt."""
        formula = source[1:] if source.startswith("=") else f'"{source}"'
        validation = DataValidation(type="list", formula1=formula, allow_blank=True)
        validation.prompt = prompt
        validation.showInputMessage = True
        validation.add(cell)
        self._sheet(sheet).add_data_validation(validation)

    def add_bar_chart(
        self, sheet: str, anchor: str, title: str, labels: str, values: str, series: str, *, rows: int
    ) -> None:
        """A horizontal bar chart at ``anchor`` of the cells ``values`` (e.g. ``E4:E13``) labelled by
        ``labels`` on the same sheet; ``series`` names the bars.

        The chart is as tall as ``rows`` bars need to read well (no band sized for more), the first row
        is drawn at the top (so a list sorted largest first reads top down), each bar shows its value, and
        the value axis counts in whole numbers (format ``0``, a step of 1: the values are small counts).
        """
        ws = self._sheet(sheet)
        chart = BarChart()
        chart.type = "bar"
        chart.title = title
        chart.legend = None
        chart.width = BAR_CHART_WIDTH_CM
        chart.height = BAR_CHART_BASE_CM + BAR_CM * rows
        chart.gapWidth = 40  # bars wider than the gaps between them
        data = Reference(ws, range_string=f"'{sheet}'!{values}")
        chart.add_data(data, titles_from_data=False)
        chart.series[0].tx = SeriesLabel(v=series)
        chart.set_categories(Reference(ws, range_string=f"'{sheet}'!{labels}"))
        chart.dataLabels = DataLabelList(showVal=True, showSerName=False, showCatName=False, showLegendKey=False)
        chart.x_axis.scaling.orientation = "maxMin"  # categories top down: the first row at the top
        chart.x_axis.delete = False
        chart.y_axis.delete = False
        chart.y_axis.crosses = "max"  # with the categories reversed, keeps the value axis at the bottom
        chart.y_axis.numFmt = NumFmt(formatCode="0", sourceLinked=False)
        chart.y_axis.majorUnit = 1
        chart.y_axis.majorGridlines = ChartLines()
        chart_text(chart)
        ws.add_chart(chart, anchor)

    def sheet(self, title: str) -> Sheet:
        """The sheet ``title`` (made when it does not exist yet), to lay out."""
        return Sheet(self._sheet(title))

    def show_first(self, title: str) -> None:
        """Make the sheet ``title`` the first tab and the one the workbook opens on."""
        ws = self._sheet(title)
        self._drop_placeholder_sheet()
        self.workbook.move_sheet(ws, offset=-self.workbook.index(ws))
        for sheet in self.workbook.worksheets:
            sheet.sheet_view.tabSelected = sheet is ws
        self.workbook.active = 0

    def define_name(self, name: str, ref: str) -> None:
        """Name the cells ``ref`` (``Invoice!$F$8``) in the whole workbook."""
        self.workbook.defined_names[name] = DefinedName(name, attr_text=ref)

    # -- helpers --

    def _sheet(self, sheet: str) -> Worksheet:
        if sheet in self.workbook.sheetnames:
            return self.workbook[sheet]
        return self.workbook.create_sheet(sheet)

    def _find_table(self, ws: Worksheet, name: str) -> Table | None:
        for other in self.workbook.worksheets:
            for table in other.tables.values():
                if table.name.lower() == name.lower():
                    if other is not ws:
                        raise DataError(
                            f"The table {name} is on sheet '{other.title}', not on '{ws.title}'.",
                            f"Move it back to '{ws.title}' or delete it, then refresh again.",
                        )
                    return table
        return None

    def _drop_placeholder_sheet(self) -> None:
        first = self.workbook.worksheets[0]
        if (
            len(self.workbook.worksheets) > 1
            and self.path is None
            and first.title == "Sheet"
            and first.max_row == 1
            and first["A1"].value is None
            and not first.tables
        ):
            self.workbook.remove(first)


def _set_cell(cell: Any, value: Any) -> None:
    if isinstance(value, Formula):  # a user's calculated column
        cell.value = "=" + value.text
        return
    cell.value = value
    if isinstance(value, str) and is_formula_like(value):
        cell.data_type = "s"


def _totals_row(ws: Worksheet, table: Table | None) -> dict[str, tuple[Any, Any]]:
    """The value and style of each cell of ``table``'s totals row, by header (lower case); empty without one."""
    if table is None or not table.totalsRowCount:
        return {}
    left, _, _, bottom = bounds(table.ref)
    found = {}
    for offset, column in enumerate(table.tableColumns):
        cell = ws.cell(row=bottom, column=left + offset)
        found[str(column.name).lower()] = (cell.value, copy(cell._style))
    return found


def _kept_formats(ws: Worksheet, table: Table | None) -> dict[str, str]:
    """The number format of each column's first data row in ``table``, by header (lower case)."""
    if table is None:
        return {}
    left, top, _, _ = bounds(table.ref)
    return {
        str(column.name).lower(): ws.cell(row=top + 1, column=left + offset).number_format
        for offset, column in enumerate(table.tableColumns)
    }
