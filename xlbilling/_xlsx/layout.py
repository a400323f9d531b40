"""How a report sheet reads: number formats by header, fitted widths, headings, row colours, a bar chart and
a chart of series over time.

Used by the reconciliation and margin workbooks on the tables ``OpenpyxlBook.write_table`` wrote.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.chart.label import DataLabelList
from openpyxl.drawing.spreadsheet_drawing import AnchorMarker, TwoCellAnchor
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Font, PatternFill

from xlbilling._xlsx.coords import bounds, column_letter
from xlbilling._xlsx.look import Sheet, chart_text

if TYPE_CHECKING:
    import pandas as pd

# Excel's "Currency" format with no symbol (the price list, not the workbook, knows the currency):
# thousands separated, two decimals, negative amounts red and in brackets.
CURRENCY = "#,##0.00_);[Red](#,##0.00)"
WHOLE = "#,##0"
FRACTION = "#,##0.00"
UNIT_COST = "#,##0.0000"
PERCENT = "0.0%"
LABEL_ROOM = 1.6
"""A bar chart's value axis runs this far past its longest bar, so the bar's label fits beside it."""


def quantity_format(values: list[Any]) -> str:
    """Whole numbers without decimals; a column with any fraction shows two places."""
    numbers = [v for v in values if isinstance(v, Decimal | int | float) and not isinstance(v, bool)]
    return WHOLE if all(float(v).is_integer() for v in numbers) else FRACTION


def format_table(
    sheet: Sheet, ref: str, formats: dict[str, str], quantities: tuple[str, ...] = (), rows: pd.DataFrame | None = None
) -> None:
    """Give the body of the table at ``ref`` its number formats by header: ``formats`` (header -> format)
    and ``quantities`` (headers shown as whole numbers where they are); headers wrap and are bold. ``rows``:
    every row of a long table (``OpenpyxlBook.write_long_table``), whose first only is in cells yet."""
    ws = sheet.ws
    min_col, min_row, max_col, max_row = bounds(ref)
    if rows is not None:
        max_row = min_row + 1
    for column in range(min_col, max_col + 1):
        header = ws.cell(row=min_row, column=column)
        body = [ws.cell(row=row, column=column) for row in range(min_row + 1, max_row + 1)]
        fmt = formats.get(str(header.value))
        if header.value in quantities:
            fmt = quantity_format(list(rows.iloc[:, column - min_col]) if rows is not None else [c.value for c in body])
        header.font = Font(name=header.font.name, size=header.font.sz, bold=True)  # numbers' headers: on the right
        side = {"horizontal": "right"} if fmt else {"horizontal": "left", "indent": 1}  # clear of a number's header
        header.alignment = Alignment(wrap_text=True, vertical="bottom", **side)
        for cell in body:
            if fmt:
                cell.number_format = fmt


def shown_width(value: Any, number_format: str) -> int:
    """About how many characters ``value`` takes on screen in ``number_format``."""
    if value is None:
        return 0
    if isinstance(value, Decimal | int | float) and not isinstance(value, bool):
        places = 4 if number_format == UNIT_COST else 0 if number_format == WHOLE else 2
        return len(f"{float(value):,.{places}f}") + (2 if number_format == CURRENCY else 0)
    return max((len(line) for line in str(value).splitlines()), default=0)


def fit_widths(sheet: Sheet, header_row: int = 1, limit: int = 60, rows: pd.DataFrame | None = None) -> None:
    """Make every column wide enough for its widest value so nothing is cut off or runs into the next
    column (a header also needs room for its filter button); longer text than ``limit`` wraps. ``rows``: every
    row of a long table at ``A{header_row}`` (``OpenpyxlBook.write_long_table``), measured as each column's
    first row is formatted; a column with text longer than ``limit`` wraps."""
    ws = sheet.ws
    for cells in ws.iter_cols(max_row=ws.max_row):
        widest = 0
        for cell in cells:
            width = shown_width(cell.value, cell.number_format)
            if cell.row == header_row:  # bold, with a filter button
                width = -(-width * 6 // 5) + 3
            if width > limit:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
            widest = max(widest, width)
        if rows is not None and cells[0].column <= len(rows.columns):
            first = ws.cell(row=header_row + 1, column=cells[0].column)  # the look every row takes
            longest = max((shown_width(v, first.number_format) for v in rows.iloc[:, cells[0].column - 1].unique()),
                          default=0)  # fmt: skip
            if longest > limit:
                first.alignment = Alignment(wrap_text=True, vertical="top")
            widest = max(widest, longest)
        ws.column_dimensions[column_letter(cells[0].column)].width = min(max(widest + 2, 8), limit)


def wrap_long_rows(sheet: Sheet, ref: str, width: int) -> None:
    """Wrap the first column's text in the body of the table at ``ref`` where it is longer than ``width``
    characters, in a row tall enough to show it all (a long customer name is never cut off)."""
    min_col, min_row, _, max_row = bounds(ref)
    column = column_letter(min_col)
    for row in range(min_row + 1, max_row + 1):
        lines = -(-len(str(sheet.value(f"{column}{row}") or "")) // (width - 2))
        if lines > 1:
            sheet.ws[f"{column}{row}"].alignment = Alignment(wrap_text=True, vertical="top")
            sheet.row_height(row, 15 * lines)


def colour_rows(sheet: Sheet, ref: str, offset: int, fills: dict[str, str]) -> None:
    """Fill each body row of the table at ``ref`` with the colour its column ``offset`` (0: the first) names
    in ``fills`` (value -> hex colour), as a conditional format: a row whose value changes changes colour."""
    min_col, min_row, max_col, max_row = bounds(ref)
    body = f"{column_letter(min_col)}{min_row + 1}:{column_letter(max_col)}{max_row}"
    column = column_letter(min_col + offset)
    for value, colour in fills.items():
        fill = PatternFill(start_color=colour, end_color=colour, fill_type="solid")
        rule = FormulaRule(formula=[f'${column}{min_row + 1}="{value}"'], fill=fill)
        sheet.ws.conditional_formatting.add(body, rule)


def labelled_bars(
    sheet: Sheet, ref: str, first_column: int, last_column: int, rows: int, number_format: str = FRACTION
) -> None:
    """A bar per row of the table at ``ref`` (labels in its first column, amounts in its last), from
    ``first_column`` to ``last_column`` and ``rows`` rows tall; the first row's bar on top, each bar starting
    at zero and labelled with its amount in ``number_format``."""
    ws = sheet.ws
    min_col, min_row, max_col, max_row = bounds(ref)
    chart = BarChart()
    chart.type = "bar"
    chart.legend = None
    chart.add_data(Reference(ws, min_col=max_col, min_row=min_row, max_row=max_row), titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=min_col, min_row=min_row + 1, max_row=max_row))
    chart.x_axis.scaling.orientation = "maxMin"  # the first (largest) row at the top
    chart.x_axis.delete = False
    chart.y_axis.delete = True  # each bar carries its amount
    chart.y_axis.majorGridlines = None
    cells = ws.iter_rows(min_row=min_row + 1, max_row=max_row, min_col=max_col, max_col=max_col, values_only=True)
    amounts = [float(value) for (value,) in cells if isinstance(value, int | float | Decimal)]
    chart.y_axis.scaling.min = min([0.0, *amounts])  # bars from zero: a bar twice as long is twice as much
    if amounts:  # room beyond the longest bar for its label
        chart.y_axis.scaling.max = max(0.0, *amounts) * LABEL_ROOM
    chart.gapWidth = 60
    chart.dataLabels = DataLabelList(showVal=True, numFmt=number_format)
    for flag in ("showLegendKey", "showCatName", "showSerName", "showPercent", "showBubbleSize"):
        setattr(chart.dataLabels, flag, False)
    chart_text(chart)
    _place(sheet, chart, first_column, last_column, min_row, rows)


def series_chart(
    sheet: Sheet,
    ref: str,
    series: tuple[str, ...],
    place: tuple[int, int, int, int],
    *,
    title: str,
    columns: bool = False,
    number_format: str = FRACTION,
) -> None:
    """A line chart (columns with ``columns``) of the table at ``ref``: one line per header in ``series``
    over the rows, labelled by its first column (periods, say), with a legend below. ``place`` is (first
    column, last column, first row, rows) of the cells it covers; the value axis reads ``number_format``."""
    ws = sheet.ws
    min_col, min_row, max_col, max_row = bounds(ref)
    headers = {ws.cell(row=min_row, column=c).value: c for c in range(min_col, max_col + 1)}
    chart: BarChart | LineChart = BarChart() if columns else LineChart()
    chart.title = title
    for header in series:
        column = headers[header]
        chart.add_data(Reference(ws, min_col=column, min_row=min_row, max_row=max_row), titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=min_col, min_row=min_row + 1, max_row=max_row))
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    chart.x_axis.number_format = "mmm yy"
    chart.y_axis.number_format = number_format
    chart.legend.position = "b"
    if columns:
        chart.gapWidth = 60
    chart_text(chart)
    first_column, last_column, row, rows = place
    _place(sheet, chart, first_column, last_column, row, rows)


def _place(sheet: Sheet, chart: BarChart | LineChart, first_column: int, last_column: int, row: int, rows: int) -> None:
    """Put ``chart`` over columns ``first_column`` to ``last_column``, ``rows`` rows from ``row`` down."""
    chart.anchor = TwoCellAnchor(
        _from=AnchorMarker(col=first_column - 1, row=row - 1),
        to=AnchorMarker(col=last_column, row=row - 1 + rows),
    )
    sheet.ws.add_chart(chart)
