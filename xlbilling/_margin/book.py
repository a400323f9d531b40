"""The margin as an .xlsx workbook an owner can open and print.

Sheets: **Summary** (what the figures cover and leave out; revenue, cost and margin per period with a chart
of them over time; the leak per period with its own chart; the ten customers with the lowest margin % beside
a bar chart of them (bars from zero); printed on portrait A4), **Customers** and **Products** (the totals),
**Detail** (every period, customer and product, filterable, header frozen). Money is in currency format,
margins as percentages. Every sheet prints with text of 7 pt or more, its header row on every page and a
footer naming the margin's periods, the sheet and the page; a table too wide for one page prints over several
pages across, its first columns repeated at the left of each.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from xlbilling._margin.run import Margin, for_sheet
from xlbilling._values.cells import wrapped_lines
from xlbilling._xlsx.book import OpenpyxlBook
from xlbilling._xlsx.coords import bounds, column_letter
from xlbilling._xlsx.layout import (
    CURRENCY,
    PERCENT,
    fit_widths,
    format_table,
    labelled_bars,
    series_chart,
    wrap_long_rows,
)  # fmt: skip
from xlbilling._xlsx.look import Look, Sheet, footer_text

LOWEST = 10
HEADERS = {
    "period_end": "Period ending", "bill_to_code": "Bill To code", "bill_to_name": "Bill To",
    "account_code": "Account", "customer_name": "Customer", "sku": "Product", "billed_quantity": "Billed quantity",
    "unit_price": "Unit price", "revenue": "Revenue", "cost": "Cost", "margin": "Margin", "margin_pct": "Margin %",
    "leak": "Leak", "status": "Status", "left_out": "Lines left out",
}  # fmt: skip
FORMATS = {**dict.fromkeys(("Unit price", "Revenue", "Cost", "Margin", "Leak"), CURRENCY), "Margin %": PERCENT}
QUANTITIES = ("Billed quantity", "Lines left out")
SUMMARY_WIDTHS = (30, 12, 12, 12, 10, 11, 11)
CHART_ROWS = 16
TITLE_COLUMNS = {"Customers": "A:B", "Products": "A:A", "Detail": "A:C"}
"""The columns repeated at the left of each page when a sheet prints over several pages across."""


def write_margin(result: Margin, path: str | Path) -> Path:
    """Write ``result`` to ``path`` (through a temporary file) and return the path."""
    book = OpenpyxlBook.new()
    first, last = result.periods[0].end.isoformat(), result.periods[-1].end.isoformat()
    footer = footer_text(f"Margin, periods ending {first} to {last}")
    _summary(book, book.sheet("Summary"), result, footer)
    for title, name, frame in (
        ("Customers", "MarginByCustomer", result.by("customer")),
        ("Products", "MarginByProduct", result.by("product")),
        ("Detail", "MarginDetail", result.detail),
    ):
        table = shown(frame)
        long = table if title == "Detail" else None  # 20,000 lines a period: written as the file is saved
        ref = book.write_long_table(title, name, table) if long is not None else book.write_table(title, name, table)
        sheet = book.sheet(title)
        format_table(sheet, ref, FORMATS, QUANTITIES, rows=long)
        sheet.freeze("A2")
        fit_widths(sheet, rows=long)
        sheet.print_fitted(f"A:{column_letter(bounds(ref)[2])}", title_rows="1:1", title_columns=TITLE_COLUMNS[title],
                           footer=footer)  # fmt: skip
    return book.save(path)


def shown(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with headers as a user reads them and periods as dates a spreadsheet shows as such."""
    return for_sheet(frame).rename(columns=HEADERS)


def _summary(book: OpenpyxlBook, sheet: Sheet, result: Margin, footer: str) -> None:
    first, last = result.periods[0].end.isoformat(), result.periods[-1].end.isoformat()
    sheet.put("A1", f"Margin over time: periods ending {first} to {last}", Look(bold=True, size=14))
    row, last = 2, column_letter(len(SUMMARY_WIDTHS))
    for note in result.notes:  # each across the printed width, wrapped: a long one is printed whole
        book.write(sheet.title, f"A{row}", note)
        sheet.merge(f"A{row}:{last}{row}")
        sheet.style(f"A{row}", Look(italic=True, colour="595959", wrap=True, vertical="top"))
        sheet.row_height(row, 15 * wrapped_lines(note, sum(SUMMARY_WIDTHS)))
        row += 1
    ref = _section(book, sheet, "Revenue, cost and margin per period", "MarginByPeriod", result.by("period"), row + 1)
    row = bounds(ref)[3] + 2
    series_chart(sheet, ref, ("Revenue", "Cost", "Margin"), (1, 7, row, CHART_ROWS),
                 title="Revenue, cost and margin", number_format="#,##0")  # fmt: skip
    row += CHART_ROWS + 1
    sheet.put(f"A{row}", "Leak per period: revenue not billed (each period's reconciliation)", Look(bold=True, size=12))
    series_chart(sheet, ref, ("Leak",), (1, 7, row + 1, CHART_ROWS - 4), title="Leak", columns=True)
    row += CHART_ROWS - 2
    lowest = result.lowest(LOWEST)
    table = pd.DataFrame({"Customer": lowest["customer_name"], "Revenue": lowest["revenue"],
                          "Margin": lowest["margin"], "Margin %": lowest["margin_pct"]})  # fmt: skip
    ref = _section(book, sheet, f"The {LOWEST} customers with the lowest margin %", "LowestMargin", table, row)
    if len(table):
        labelled_bars(sheet, ref, 5, len(SUMMARY_WIDTHS), rows=max(len(table) + 1, 5), number_format=PERCENT)
    wrap_long_rows(sheet, ref, SUMMARY_WIDTHS[0])
    sheet.widths({column_letter(column): width for column, width in enumerate(SUMMARY_WIDTHS, start=1)})
    sheet.print_fitted(f"A:{last}", area=f"A1:{last}{sheet.last_row}", centred=True, footer=footer)


def _section(book: OpenpyxlBook, sheet: Sheet, heading: str, name: str, frame: pd.DataFrame, row: int) -> str:
    """A bold heading at ``row`` and the table ``name`` under it; the table's range."""
    sheet.put(f"A{row}", heading, Look(bold=True, size=12))
    ref = book.write_table(sheet.title, name, shown(frame), anchor=f"A{row + 1}")
    format_table(sheet, ref, FORMATS, QUANTITIES)
    sheet.row_height(row + 1, 30)
    return ref
