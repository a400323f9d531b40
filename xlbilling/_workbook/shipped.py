"""Build ``templates/billing.xlsx``, the workbook a billing person starts from.

- Control: the parameters every refresh reads (the period is picked from a list fed by the Periods table).
- One sheet per table (empty until the first refresh), each stamped in ``A1`` after a refresh.
- Dashboard: the largest changes since the prior period, as a table and a bar chart.
- Margin: every margin line of the Control sheet's margin range, and its totals per period, customer, product.
- Mapping: the Xarios-to-Atria product mapping Reconcile uses, filled with the sandbox's example.
- Formulas: the ``XLB_...`` formulas with what each does, ready to copy into a sheet.

Run ``python -m xlbilling._workbook.shipped [PATH]`` to rebuild it (default ``templates/billing.xlsx``).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

from xlbilling._workbook.control import CONTROL, MAPPING_SHEET, PARAMETERS, REGISTER_SHEET, SELLER_FIELDS
from xlbilling._workbook.tables import CHANGES_SHOWN, STAMP_CELL, TABLE_ANCHOR, TARGETS
from xlbilling._xlsx.book import OpenpyxlBook
from xlbilling._xlsx.coords import split_cell
from xlbilling._xlsx.look import Look
from xlbilling._xlsx.tablecells import DATE_FORMAT

FORMULAS_SHEET = "Formulas"
BOLD = Look(bold=True)
NOT_YET = "Not refreshed yet: use the Billing tab in Excel, or `xlbilling refresh THIS_FILE`."

#: Control-sheet help, per parameter (column C).
HELP = {
    "period": "Any day of the billing period (the list has their end dates; refresh Periods first). "
    "Empty: latest closed period.",
    "customer": "Optional customer code, account code or name for Detail, Invoice lines and Analysis. "
    "Empty: every customer.",
    "billable_only": "TRUE to keep billable items only (Summary, Detail).",
    "service": "Optional service name for Detail, e.g. Microsoft 365.",
    "user": "Optional part of a user name for Detail.",
    "prices": "Price list (CSV or .xlsx) for Build invoices, Reconcile and Margin. A billed SKU it lacks stops Build "
    "invoices before writing anything (each such SKU listed once).",
    "mapping": f"Xarios-to-Atria product mapping for Reconcile: empty (or {MAPPING_SHEET}) uses the "
    f"{MAPPING_SHEET} sheet; or the path of a CSV or .xlsx file.",
    "allow_open": "TRUE to let Build invoices write a period that is still open, as DRAFT invoices.",
    **{
        f"seller_{field}": f"Optional: the seller's {label.removeprefix('Seller ')} on the invoices Build invoices "
        "writes, over [seller] in the settings" + (" (lines separated by ;)" if field == "address" else "") + "."
        for field, label in SELLER_FIELDS
    },
    "einvoice": "Optional: ubl, facturx or both: Build invoices also writes each invoice's e-invoice (Peppol UBL "
    ".xml, Factur-X PDF/A-3 .pdf) with the buyers of the customer register. Empty: none.",
    "register": f"Customer register for e-invoices: empty (or {REGISTER_SHEET}) uses the {REGISTER_SHEET} sheet; "
    "or the path of a CSV or .xlsx file keyed by account_code.",
    "margin_from": "Optional: any day of the Margin sheet's first period. Empty: twelve closed periods back.",
    "margin_to": "Optional: any day of the Margin sheet's last period. Empty: the latest closed one (open periods "
    "are always left out).",
    "tax_rate": "Optional tax rate for Build invoices, for SKUs the price list gives none: 0.20 or 20%; 0 if "
    "exempt. Empty: Build invoices stops before writing anything and lists the SKUs without a rate.",
}

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
    _control(book)
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
    return book.save(path)


TITLE_ROWS = f"1:{TABLE_ANCHOR[1:]}"
"""The rows printed atop every page of a table sheet: the stamp and the table's header row."""
FROZEN = f"A{int(TABLE_ANCHOR[1:]) + 1}"
"""Where a table sheet's panes are frozen: below the header row, so it stays in view."""
WIDE = 6
"""A table sheet with more columns than this prints in landscape."""
CHART_ANCHOR = "G3"
"""The Dashboard chart's top-left cell: one empty column right of the Changes table."""


def _layout(book: OpenpyxlBook) -> None:
    """Freeze the header rows of every table sheet and set how each prints: one page wide with the title
    rows on every page; the Dashboard (its table and chart) on one landscape page."""
    for target in TARGETS.values():
        width = sum(len(part.columns) + 1 for part, _ in target.layout()) - 1
        sheet = book.sheet(target.sheet)
        sheet.freeze(FROZEN)
        sheet.print_setup(title_rows=TITLE_ROWS, landscape=width > WIDE)
    changes = TARGETS["changes"]
    first = int(TABLE_ANCHOR[1:]) + 1
    last = first + CHANGES_SHOWN - 1
    book.add_bar_chart(
        changes.sheet, CHART_ANCHOR, "Largest changes since the prior period (billable)",
        labels=f"$A${first}:$A${last}", values=f"$E${first}:$E${last}", series="difference", rows=CHANGES_SHOWN,
    )  # fmt: skip
    book.sheet(changes.sheet).print_setup(title_rows=TITLE_ROWS, landscape=True, pages_tall=1)


MAPPING_TABLE = "ProductMap"
EXAMPLE_MAPPING = Path(__file__).parents[1] / "_sandbox" / "data" / "product-map.csv"
MAPPING_NOTE = (
    "Example rows from the xlbilling sandbox: replace them with your Xarios part numbers and the Atria SKU "
    "each supplies (keep the part_number, sku header)."
)


def _example_sheet(book: OpenpyxlBook, sheet: str, table: str, example: Path, note: str) -> None:
    """A sheet holding ``note`` in A1 and the sandbox's ``example`` CSV as the table ``table``."""
    rows = pd.read_csv(example, dtype=str, keep_default_na=False)
    book.write(sheet, "A1", note)
    book.write_table(sheet, table, rows, TABLE_ANCHOR)
    book.sheet(sheet).style("A1", BOLD)
    book.sheet(sheet).freeze(FROZEN)
    book.sheet(sheet).print_setup(title_rows=TITLE_ROWS, landscape=len(rows.columns) > WIDE)


REGISTER_TABLE = "CustomerRegister"
EXAMPLE_REGISTER = EXAMPLE_MAPPING.with_name("customers.csv")
REGISTER_NOTE = (
    "Example rows from the xlbilling sandbox: each buyer's e-invoice details by Atria account code (the address "
    "comes from Atria). Replace them with your customers' (keep the header)."
)


def _control(book: OpenpyxlBook) -> None:
    book.write(CONTROL, "A1", "Billing workbook: set the parameters, then use the Billing tab to refresh.")
    control = book.sheet(CONTROL)
    control.style("A1", BOLD)
    for row, (key, label) in enumerate(PARAMETERS.items(), start=3):
        book.write(CONTROL, f"A{row}", label)
        book.write(CONTROL, f"C{row}", HELP[key])
    control.style(f"A3:A{2 + len(PARAMETERS)}", BOLD)
    control.style("B3", Look(number_format=DATE_FORMAT))
    control.widths({"A": 18, "B": 24, "C": 90})
    period_row = 3 + list(PARAMETERS).index("period")
    periods = TARGETS["periods"].table
    book.validate_list(
        CONTROL, f"B{period_row}", f'=INDIRECT("{periods}[period_end]")', "Pick a billing period's end date."
    )
    for key, prompt in (("billable_only", "TRUE: billable items only."), ("allow_open", "TRUE: DRAFT invoices.")):
        row = 3 + list(PARAMETERS).index(key)
        book.write(CONTROL, f"B{row}", False)
        book.validate_list(CONTROL, f"B{row}", "TRUE,FALSE", prompt)


def _formulas(book: OpenpyxlBook) -> None:
    book.write(FORMULAS_SHEET, "A1", "Type any of these into an empty cell with room below and to the right:")
    book.write(FORMULAS_SHEET, "A2", "tables spill with a header row. Needs the xlbilling add-in.")
    book.write(FORMULAS_SHEET, "A4", "Formula")
    book.write(FORMULAS_SHEET, "B4", "What it shows")
    for row, (example, what) in enumerate(EXAMPLES, start=5):
        book.write(FORMULAS_SHEET, f"A{row}", example)  # stored as text: copy it into a cell to run it
        book.write(FORMULAS_SHEET, f"B{row}", what)
    book.sheet(FORMULAS_SHEET).style("A4:B4", BOLD)
    book.sheet(FORMULAS_SHEET).widths({"A": 55, "B": 80})


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parents[2] / "templates" / "billing.xlsx"
    print(build_template(target))
