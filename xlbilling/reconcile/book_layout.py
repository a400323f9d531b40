"""How the reconciliation workbook looks: number formats, column widths, the leaks chart and print settings."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from openpyxl.chart import BarChart, Reference
from openpyxl.chart.label import DataLabelList
from openpyxl.drawing.spreadsheet_drawing import AnchorMarker, TwoCellAnchor
from openpyxl.styles import Alignment, Font
from openpyxl.utils.cell import get_column_letter, range_boundaries
from openpyxl.worksheet.worksheet import Worksheet

# Excel's "Currency" format with no symbol (the price list, not the workbook, knows the currency):
# thousands separated, two decimals, negative amounts red and in brackets.
CURRENCY = "#,##0.00_);[Red](#,##0.00)"
WHOLE = "#,##0"
FRACTION = "#,##0.00"
UNIT_COST = "#,##0.0000"
SUMMARY_ROWS_ON_ONE_PAGE = 60  # a longer summary prints on more pages rather than shrinking to unreadable


def bounds(ref: str) -> tuple[int, int, int, int]:
    """``min_col, min_row, max_col, max_row`` of ``ref`` (``A1:D9``)."""
    min_col, min_row, max_col, max_row = range_boundaries(ref)
    assert min_col is not None and min_row is not None and max_col is not None and max_row is not None
    return min_col, min_row, max_col, max_row


def quantity_format(values: list[Any]) -> str:
    """Whole numbers without decimals; a column with any fraction shows two places."""
    numbers = [v for v in values if isinstance(v, Decimal | int | float) and not isinstance(v, bool)]
    return WHOLE if all(float(v).is_integer() for v in numbers) else FRACTION


def format_table(ws: Worksheet, ref: str, formats: dict[str, str], quantities: tuple[str, ...] = ()) -> None:
    """Give the body of the table at ``ref`` its number formats by header: ``formats`` (header -> format)
    and ``quantities`` (headers shown as whole numbers where they are); headers wrap and are bold."""
    min_col, min_row, max_col, max_row = bounds(ref)
    for column in range(min_col, max_col + 1):
        header = ws.cell(row=min_row, column=column)
        body = [ws.cell(row=row, column=column) for row in range(min_row + 1, max_row + 1)]
        fmt = formats.get(str(header.value))
        if header.value in quantities:
            fmt = quantity_format([cell.value for cell in body])
        header.font = Font(bold=True)  # numbers' headers sit over the numbers, on the right
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


def fit_widths(ws: Worksheet, header_row: int = 1, limit: int = 60) -> None:
    """Make every column wide enough for its widest value so nothing is cut off or runs into the next
    column (a header also needs room for its filter button); longer text than ``limit`` wraps."""
    for cells in ws.iter_cols(max_row=ws.max_row):
        widest = 0
        for cell in cells:
            width = shown_width(cell.value, cell.number_format)
            if cell.row == header_row:  # bold, with a filter button
                width = -(-width * 6 // 5) + 3
            if width > limit:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
            widest = max(widest, width)
        ws.column_dimensions[get_column_letter(cells[0].column)].width = min(max(widest + 2, 8), limit)


def print_wide(ws: Worksheet) -> None:
    """Print one page wide and as many tall as it takes, landscape, the header row on every page."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = "1:1"


def print_summary(ws: Worksheet, last_column: int) -> None:
    """Print the summary on one portrait A4 page (more pages, never smaller, when it is long)."""
    ws.print_area = f"A1:{get_column_letter(last_column)}{ws.max_row}"
    ws.page_setup.orientation = "portrait"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 1 if ws.max_row <= SUMMARY_ROWS_ON_ONE_PAGE else 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_margins.left = ws.page_margins.right = 0.5
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    ws.print_options.horizontalCentered = True


def heading(ws: Worksheet, cell: str, text: str, size: int = 12) -> None:
    """A bold section heading."""
    ws[cell] = text
    ws[cell].font = Font(bold=True, size=size)


def leaks_chart(ws: Worksheet, ref: str, first_column: int, last_column: int, rows: int) -> None:
    """A bar per leak beside the table at ``ref`` (labels in its first column, amounts in its last),
    from ``first_column`` to ``last_column`` and ``rows`` rows tall; the largest bar on top, each
    labelled with its amount."""
    min_col, min_row, max_col, max_row = bounds(ref)
    chart = BarChart()
    chart.type = "bar"
    chart.legend = None
    chart.add_data(Reference(ws, min_col=max_col, min_row=min_row, max_row=max_row), titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=min_col, min_row=min_row + 1, max_row=max_row))
    chart.x_axis.scaling.orientation = "maxMin"  # the first (largest) leak at the top
    chart.x_axis.delete = False
    chart.y_axis.delete = True  # each bar carries its amount
    chart.y_axis.majorGridlines = None
    chart.gapWidth = 60
    chart.dataLabels = DataLabelList(showVal=True, numFmt=FRACTION)
    for flag in ("showLegendKey", "showCatName", "showSerName", "showPercent", "showBubbleSize"):
        setattr(chart.dataLabels, flag, False)
    chart.anchor = TwoCellAnchor(
        _from=AnchorMarker(col=first_column - 1, row=min_row - 1),
        to=AnchorMarker(col=last_column, row=min_row - 1 + rows),
    )
    ws.add_chart(chart)
