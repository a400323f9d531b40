"""The reconciliation as an .xlsx workbook a finance user can open and act on.

Sheets: **Summary** (period, invoices, how many customer/SKU pairs were compared, rows per category,
money at stake per customer, and a bar chart of the largest leaks), **Detail** (every customer and SKU,
rows coloured by category), **Unmapped Tenants** and **Unmapped Products** (with the mapping row to add)
and **Invoice Checks** (each Xarios invoice's own arithmetic).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from openpyxl.chart import BarChart, Reference
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Font, PatternFill
from openpyxl.utils.cell import get_column_letter, range_boundaries
from openpyxl.worksheet.worksheet import Worksheet

from xlbilling.reconcile.result import CATEGORIES, Reconciliation
from xlbilling.xlsx.book import OpenpyxlBook

# Fill colours per category (matched rows are left plain).
CATEGORY_FILLS = {
    "under_billed": "F8CBAD",  # a margin leak: red
    "charged_not_billed": "F4B084",  # a leak: orange
    "over_billed": "FFE699",  # refund risk: yellow
    "billed_not_charged": "BDD7EE",  # blue
}
LARGEST = 10
_QUANTITIES = ("vendor_quantity", "billed_quantity", "difference", "flagged", "rows")


def write_reconciliation(result: Reconciliation, path: str | Path) -> Path:
    """Write ``result`` to ``path`` (through a temporary file) and return the path."""
    book = OpenpyxlBook.new()
    summary = book.workbook.worksheets[0]
    summary.title = "Summary"
    _summary_sheet(book, summary, result)
    detail_ref = book.write_table("Detail", "ReconciliationDetail", result.detail)
    detail = book.workbook["Detail"]
    _colour_by_category(detail, detail_ref, list(result.detail.columns).index("category"))
    _tidy(detail)
    for title, name, frame in (
        ("Unmapped Tenants", "UnmappedTenants", result.unmapped_tenants),
        ("Unmapped Products", "UnmappedProducts", result.unmapped_products),
        ("Invoice Checks", "InvoiceChecks", result.invoice_checks),
    ):
        book.write_table(title, name, frame)
        _tidy(book.workbook[title])
    return book.save(path)


def _summary_sheet(book: OpenpyxlBook, ws: Worksheet, result: Reconciliation) -> None:
    period = result.period_end.isoformat() if result.period_end else "(not given)"
    invoices = ", ".join(str(i) for i in result.invoice_checks["invoice_id"]) or "(not given)"
    facts: list[tuple[str, object]] = [
        ("Margin leaks: Xarios charges against Atria billing", None),
        ("Period ending", period),
        ("Xarios invoices", invoices),
        ("Customer/SKU pairs compared", result.compared),
        ("Revenue not billed (leaked)", result.leaked),
        ("Billed with no matching cost", result.over_billed),
        ("Unmapped tenants", len(result.unmapped_tenants)),
        ("Unmapped products", len(result.unmapped_products)),
    ]
    for row, (label, value) in enumerate(facts, start=1):
        book.write("Summary", f"A{row}", label)
        if value is not None:
            book.write("Summary", f"B{row}", value)
    ws["A1"].font = Font(bold=True, size=14)
    for cell in ("B5", "B6"):
        ws[cell].number_format = "#,##0.00"
    start = len(facts) + 2
    counts = pd.DataFrame({"category": list(CATEGORIES), "rows": [result.counts[c] for c in CATEGORIES]})
    book.write_table("Summary", "CategoryCounts", counts, anchor=f"A{start}")
    customers_at = start + len(counts) + 3
    book.write_table("Summary", "MoneyAtStake", result.summary, anchor=f"A{customers_at}")
    leaks = _largest_leaks(result)
    leaks_at = customers_at + max(len(result.summary), 1) + 3
    ref = book.write_table("Summary", "LargestLeaks", leaks, anchor=f"A{leaks_at}")
    if not leaks.empty:
        _chart(ws, ref, anchor=f"{get_column_letter(len(result.summary.columns) + 2)}{start}")
    _tidy(ws)


def _largest_leaks(result: Reconciliation) -> pd.DataFrame:
    """The flagged rows with the most revenue not billed, as ``leak, money_at_stake`` for the chart."""
    rows = result.flagged
    rows = rows[rows["money_at_stake"].map(lambda m: m is not None and m > 0)].head(LARGEST)
    labels = rows["customer_name"].where(rows["customer_name"] != "", rows["account_code"]) + " / " + rows["sku"]
    return pd.DataFrame({"leak": labels.astype(object), "money_at_stake": rows["money_at_stake"].astype(object)})


def _chart(ws: Worksheet, ref: str, anchor: str) -> None:
    min_col, min_row, _, max_row = range_boundaries(ref)
    assert min_col is not None and min_row is not None and max_row is not None
    chart = BarChart()
    chart.type = "bar"
    chart.title = f"Largest leaks (top {LARGEST})"
    chart.y_axis.title = "Money at stake"
    chart.legend = None
    chart.add_data(Reference(ws, min_col=min_col + 1, min_row=min_row, max_row=max_row), titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=min_col, min_row=min_row + 1, max_row=max_row))
    chart.height, chart.width = 9, 18
    ws.add_chart(chart, anchor)


def _colour_by_category(ws: Worksheet, ref: str, category_offset: int) -> None:
    min_col, min_row, max_col, max_row = range_boundaries(ref)
    assert min_col is not None and min_row is not None and max_col is not None and max_row is not None
    body = f"{get_column_letter(min_col)}{min_row + 1}:{get_column_letter(max_col)}{max_row}"
    column = get_column_letter(min_col + category_offset)
    for category, colour in CATEGORY_FILLS.items():
        fill = PatternFill(start_color=colour, end_color=colour, fill_type="solid")
        ws.conditional_formatting.add(body, FormulaRule(formula=[f'${column}{min_row + 1}="{category}"'], fill=fill))


def _tidy(ws: Worksheet) -> None:
    """Quantities shown as plain numbers, unit costs to four places, columns wide enough to read, and the
    sheet printed one page wide."""
    for table in ws.tables.values():
        min_col, min_row, _, max_row = range_boundaries(table.ref)
        assert min_col is not None and min_row is not None and max_row is not None
        headers = [ws.cell(row=min_row, column=c).value for c in range(min_col, min_col + len(table.tableColumns))]
        for offset, header in enumerate(headers):
            fmt = "General" if header in _QUANTITIES else "#,##0.0000" if header == "unit_cost" else None
            if fmt:
                for row in range(min_row + 1, max_row + 1):
                    ws.cell(row=row, column=min_col + offset).number_format = fmt
    for cells in ws.iter_cols(max_row=min(ws.max_row, 300)):
        width = max(len(str(cell.value)) if cell.value is not None else 0 for cell in cells) + 2
        ws.column_dimensions[get_column_letter(cells[0].column)].width = min(max(width, 10), 48)
    ws.page_setup.orientation = "landscape"  # printed one page wide, as many pages tall as it takes
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
