"""Build ``templates/billing.xlsx``, the workbook a billing person starts from.

- Overview (first, and open when the workbook opens): the answer at a glance, as formulas over the tables
  (``xlbilling._workbook.overview``).
- Control: the parameters every refresh reads, each with a line of help and drop-downs, and the Billing tab's
  buttons (``xlbilling._workbook.controlsheet``).
- One sheet per table (empty until the first refresh), each stamped in ``A1`` after a refresh.
- Dashboard: the largest changes since the prior period, as a table and a bar chart.
- Built invoices: what Build invoices wrote for the period, a status per output.
- Margin: every margin line of the Control sheet's margin range, and its totals per period, customer, product.
- Mapping: the Xarios-to-Atria product mapping Reconcile uses, filled with the sandbox's example.
- Formulas: the ``XLB_...`` formulas with what each does, ready to copy into a sheet.

Every sheet prints on A4 at 7 pt or more with its title and header rows on each page.

Run ``python -m xlbilling._workbook.shipped [PATH]`` to rebuild it (default ``templates/billing.xlsx``).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

from xlbilling._values.cells import wrapped_lines
from xlbilling._workbook.control import MAPPING_SHEET, REGISTER_SHEET
from xlbilling._workbook.controlsheet import build_control
from xlbilling._workbook.overview import build_overview
from xlbilling._workbook.tables import CHANGES_SHOWN, STAMP_CELL, TABLE_ANCHOR, TARGETS
from xlbilling._xlsx.book import OpenpyxlBook
from xlbilling._xlsx.coords import column_letter, split_cell
from xlbilling._xlsx.look import LAST_ROW, Look

FORMULAS_SHEET = "Formulas"
BOLD = Look(bold=True)
NOT_YET = "Not refreshed yet: use the Billing tab in Excel, or `xlbilling refresh THIS_FILE`."

#: Example formulas and what they show (Control!$B$3 is the period cell).
EXAMPLES = (
    ("=XLB_PERIODS()", "Every billing period: start, end, name, closed."),
    ("=XLB_CUSTOMERS()", "Every customer: code, name, account code, billed by."),
    ("=XLB_SUMMARY(Control!$B$3)", "The period per customer and SKU, with last month's count and the change."),
    ("=XLB_SUMMARY(Control!$B$3, TRUE, FALSE)", "Billable items only, one row per SKU across all customers."),
    ('=XLB_DETAIL(Control!$B$3, "CUST0001")', "Every added, removed and carried service of one customer."),
    ("=XLB_INVOICE_LINES(Control!$B$3)", "The billable invoice lines, with who pays (Bill To)."),
    ("=XLB_ANALYSIS(Control!$B$3)", "Addresses and every user service, with the share of the period active."),
    ('=XLB_QUANTITY(Control!$B$3, "CUST0001", "M365-BP")', "The billed quantity of one SKU for one customer."),
    ('=XLB_CHANGE(Control!$B$3, "CUST0001", "M365-BP")', "How much that quantity changed since the prior period."),
    ("=XLB_XARIOS_INVOICES()", "The distributor's invoices."),
    ('=XLB_XARIOS_ITEMS("INV-202610")', "The items of one distributor invoice."),
    ('=XLB_XARIOS_TOTAL("INV-202610", "vat")', "One distributor invoice's net, VAT or total."),
    (
        "=XLB_RECONCILE(Control!$B$3, ProductMap[#All])",
        "Margin check: Atria billing against Xarios charges, one row per customer and SKU.",
    ),
    (
        '=XLB_RECONCILE(Control!$B$3, "product-map.csv", , "unmapped products")',
        'Xarios products the mapping lacks (also: "unmapped tenants", "checks"); a file next to this workbook.',
    ),
    ("=XLB_MARGIN()", "Margin per customer over the last twelve closed periods (Control's price list and mapping)."),
    (
        '=XLB_MARGIN("2026-08-01", "2026-10-31", "period")',
        'Revenue, cost, margin and leak per period (also: "product", "detail").',
    ),
    ("=XLB_STATUS()", "Where the data comes from, when it was fetched, whether it is stale."),
)


def build_template(path: str | Path) -> Path:
    """Write the billing template to ``path`` (atomically) and return the path."""
    book = OpenpyxlBook.new()
    build_control(book)
    for target in TARGETS.values():
        for part, anchor in target.layout():
            book.write_table(target.sheet, part.table, pd.DataFrame(columns=list(part.columns)), anchor)
            if part.table != target.table:
                column, row = split_cell(anchor)
                book.write(target.sheet, f"{column}{row - 1}", part.title)
        book.write(target.sheet, STAMP_CELL, NOT_YET)
    _layout(book)
    _formulas(book)
    _example_sheet(book, MAPPING_SHEET, MAPPING_TABLE, EXAMPLE_MAPPING, MAPPING_NOTE)
    _example_sheet(book, REGISTER_SHEET, REGISTER_TABLE, EXAMPLE_REGISTER, REGISTER_NOTE)
    build_overview(book)
    return book.save(path)


TITLE_ROWS = f"2:{TABLE_ANCHOR[1:]}"
"""The rows printed atop every page of a table sheet: what it holds and for which period (``A2``) and the
table's header row. The stamp in ``A1`` (with where from and when, longer than a page) is not printed: the
Fetched sheet prints it."""
FROZEN = f"A{int(TABLE_ANCHOR[1:]) + 1}"
"""Where a table sheet's panes are frozen: below the header row, so it stays in view."""
CHART_ANCHOR = "G3"
"""The Dashboard chart's top-left cell: one empty column right of the Changes table."""
PRINTED = {
    "Periods": ("A:D", "A:B", 60), "Customers": ("A:D", "A:B", 100), "Summary": ("A:I", "A:B", 165),
    "Detail": ("A:O", "A:E", 320), "Invoice lines": ("A:K", "A:B", 260), "Analysis": ("A:X", "A:B", 520),
    "Xarios invoices": ("A:G", "A:B", 100), "Built invoices": ("A:K", "A:C", 144),
    "Reconciliation": ("A:Q", "A:C", 290),
}  # fmt: skip
"""How each table sheet prints: its columns, the columns repeated at the left of each page when it prints over
several pages across, and about how many characters wide its columns are once a refresh fits them to the data
(which decides: one page wide, or readable over several pages across). Built invoices prints its statuses;
each invoice's problem is on screen, in manifest.json and in index.xlsx, which prints it in full."""
MARGIN_TOTALS = ("R", "X"), ("Z", "AH"), ("AJ", "AP")
"""The Margin sheet prints its totals per period, customer and product (each from a new page); its thousands of
lines are for the screen and the margin workbook's Detail sheet."""


def _layout(book: OpenpyxlBook) -> None:
    """Freeze the header rows of every table sheet and set how each prints (see ``PRINTED``): the stamp and
    header rows on every page, a footer naming the workbook, page and sheet; the Dashboard (its table and chart)
    on one landscape page."""
    for target in TARGETS.values():
        sheet = book.sheet(target.sheet)
        sheet.freeze(FROZEN)
        if target.sheet in PRINTED:
            columns, titles, width = PRINTED[target.sheet]
            left, right = columns.split(":")
            area = f"{left}2:{right}{LAST_ROW}"
            sheet.print_fitted(columns, area=area, title_rows=TITLE_ROWS, title_columns=titles, width=width)
    margin = book.sheet(TARGETS["margin"].sheet)
    areas = ",".join(f"{first}2:{last}{LAST_ROW}" for first, last in MARGIN_TOTALS)
    margin.print_fitted("Z:AH", area=areas, title_rows=TITLE_ROWS, width=166)
    changes = TARGETS["changes"]
    first = int(TABLE_ANCHOR[1:]) + 1
    last = first + CHANGES_SHOWN - 1
    book.add_bar_chart(
        changes.sheet, CHART_ANCHOR, "Largest changes since the prior period (billable)",
        labels=f"$A${first}:$A${last}", values=f"$E${first}:$E${last}", series="difference", rows=CHANGES_SHOWN,
    )  # fmt: skip
    book.sheet(changes.sheet).print_setup(area=f"A2:O{first + CHANGES_SHOWN}", title_rows=TITLE_ROWS, landscape=True,
                                          pages_tall=1)  # fmt: skip  # the chart ends in column O


MAPPING_TABLE = "ProductMap"
EXAMPLE_MAPPING = Path(__file__).parents[1] / "_sandbox" / "data" / "product-map.csv"
MAPPING_NOTE = (
    "Example rows from the xlbilling sandbox: replace them with your Xarios part numbers and the Atria SKU "
    "each supplies (keep the part_number, sku header)."
)


def _example_sheet(book: OpenpyxlBook, sheet: str, table: str, example: Path, note: str) -> None:
    """A sheet holding ``note`` in A1 (wrapped over the table's width) and the sandbox's ``example`` CSV as the
    table ``table``, its columns as wide as their longest value (it is never refreshed, so never refitted)."""
    rows = pd.read_csv(example, dtype=str, keep_default_na=False)
    layout = book.sheet(sheet)
    book.write(sheet, "A1", note)
    book.write_table(sheet, table, rows, TABLE_ANCHOR)
    widths = {
        column_letter(n): float(max([len(str(header)) + 4, *map(len, rows[header])]) + 2)
        for n, header in enumerate(rows.columns, start=1)
    }
    widths = {**{column_letter(n): 12.0 for n in range(1, 5)}, **widths}  # room for the note over 4 columns or more
    layout.widths(widths)
    last = column_letter(len(widths))
    noted = [widths[column_letter(n)] for n in range(1, 5)]  # on the first page however wide the table
    layout.merge("A1:D1")
    layout.style("A1", Look(bold=True, wrap=True, vertical="top"))
    layout.row_height(1, 15 * wrapped_lines(note, sum(noted) * 0.85))  # bold runs wider
    layout.freeze(FROZEN)
    # the table prints (the note, a how-to for the screen, does not: over pages across it would be cut off)
    layout.print_fitted(f"A:{last}", area=f"A2:{last}{LAST_ROW}", title_rows=TITLE_ROWS, title_columns="A:A")


REGISTER_TABLE = "CustomerRegister"
EXAMPLE_REGISTER = EXAMPLE_MAPPING.with_name("customers.csv")
REGISTER_NOTE = (
    "Example rows from the xlbilling sandbox: each buyer's e-invoice details by Atria account code (the address "
    "comes from Atria). Replace them with your customers' (keep the header)."
)


def _formulas(book: OpenpyxlBook) -> None:
    book.write(FORMULAS_SHEET, "A1", "Type any of these into an empty cell with room below and to the right:")
    book.write(FORMULAS_SHEET, "A2", "tables spill with a header row. Needs the xlbilling add-in.")
    book.write(FORMULAS_SHEET, "A4", "Formula")
    book.write(FORMULAS_SHEET, "B4", "What it shows")
    for row, (example, what) in enumerate(EXAMPLES, start=5):
        book.write(FORMULAS_SHEET, f"A{row}", example)  # stored as text: copy it into a cell to run it
        book.write(FORMULAS_SHEET, f"B{row}", what)
    sheet = book.sheet(FORMULAS_SHEET)
    sheet.style("A4:B4", BOLD)
    for row, (example, what) in enumerate(EXAMPLES, start=5):
        sheet.style(f"A{row}:B{row}", Look(wrap=True, vertical="top"))
        sheet.row_height(row, 15 * max(wrapped_lines(example, 60), wrapped_lines(what, 48)))
    sheet.widths({"A": 60, "B": 48})
    sheet.print_fitted("A:B", title_rows="4:4")


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parents[2] / "templates" / "billing.xlsx"
    print(build_template(target))
