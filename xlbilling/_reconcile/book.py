"""The reconciliation as an .xlsx workbook a finance user can open and act on.

Sheets: **Summary** (opens on the answer: the money leaked this period and how it was valued, the rows per
category, the largest leaks beside a bar chart of them, then the money at stake per customer; printed on
one portrait A4 page), **Detail** (every customer and SKU, flagged rows first with the largest money at
stake on top, each row coloured by its category, filterable, header frozen), **Unmapped Tenants** and
**Unmapped Products** (with the mapping row to add) and **Invoice Checks** (each Xarios invoice's own
arithmetic). Every sheet prints with text of 7 pt or more, its header row on every page and a footer naming
the reconciliation, its period, the sheet and the page; a table too wide for one page prints over several
pages across, the customer repeated at the left of each.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pandas as pd

from xlbilling._reconcile.result import CATEGORIES, Reconciliation
from xlbilling._values.money import cents
from xlbilling._xlsx.book import OpenpyxlBook
from xlbilling._xlsx.coords import bounds, column_letter
from xlbilling._xlsx.layout import (
    CURRENCY,
    UNIT_COST,
    WHOLE,
    colour_rows,
    fit_widths,
    format_table,
    labelled_bars,
    wrap_long_rows,
)  # fmt: skip
from xlbilling._xlsx.look import Look, Sheet, footer_text

# Fill colours per category (matched rows are left plain).
CATEGORY_FILLS = {
    "under_billed": "F8CBAD",  # a margin leak: red
    "charged_not_billed": "F4B084",  # a leak: orange
    "over_billed": "FFE699",  # refund risk: yellow
    "billed_not_charged": "BDD7EE",  # blue
}
CATEGORY_NAMES = {
    "under_billed": "Under-billed",
    "over_billed": "Over-billed",
    "charged_not_billed": "Charged, not billed",
    "billed_not_charged": "Billed, not charged",
    "matched": "Matched",
}
LARGEST = 10
QUANTITIES: tuple[str, ...] = ("vendor_quantity", "billed_quantity", "difference", "flagged", "rows", "Rows", "Flagged")
QUANTITIES += ("Xarios charged", "Atria billed")
MONEY: tuple[str, ...] = ("unit_price", "money_at_stake", "value", "subtotal", "tax", "total", "Money at stake")
MONEY += ("Leaked", *CATEGORY_NAMES.values())
FORMATS = {**dict.fromkeys(MONEY, CURRENCY), "unit_cost": UNIT_COST}
SUMMARY_WIDTHS = (33, 10, 10, 11, 11, 11, 11, 13)  # A: labels and customers; the columns of the widest table
CHART_COLUMNS = (6, 8)  # F to H, beside the largest leaks (A to E)
SUMMARY_ROWS_ON_ONE_PAGE = 60  # a longer summary prints on more pages rather than shrinking to unreadable


def write_reconciliation(result: Reconciliation, path: str | Path) -> Path:
    """Write ``result`` to ``path`` (through a temporary file) and return the path."""
    book = OpenpyxlBook.new()
    period = result.period_end.isoformat() if result.period_end else "(period not given)"
    footer = footer_text(f"Reconciliation, period ending {period}")
    _summary_sheet(book, book.sheet("Summary"), result, footer)
    _detail_sheet(book, result, footer)
    for title, name, frame in (
        ("Unmapped Tenants", "UnmappedTenants", result.unmapped_tenants),
        ("Unmapped Products", "UnmappedProducts", result.unmapped_products),
        ("Invoice Checks", "InvoiceChecks", result.invoice_checks),
    ):
        ref = book.write_table(title, name, frame)
        sheet = book.sheet(title)
        format_table(sheet, ref, FORMATS, QUANTITIES)
        fit_widths(sheet)
        sheet.print_fitted(f"A:{column_letter(bounds(ref)[2])}", title_rows="1:1", title_columns="A:A", footer=footer)
    return book.save(path)


def detail_order(result: Reconciliation) -> pd.DataFrame:
    """The detail with the flagged rows first (largest money at stake first), then the matched rows."""
    return pd.concat([result.flagged, result.detail[result.detail["category"] == "matched"]], ignore_index=True)


def _detail_sheet(book: OpenpyxlBook, result: Reconciliation, footer: str) -> None:
    """Every row, flagged first, each coloured by its category; the header stays in view."""
    detail = detail_order(result)
    ref = book.write_long_table("Detail", "ReconciliationDetail", detail)
    sheet = book.sheet("Detail")
    format_table(sheet, ref, FORMATS, QUANTITIES, rows=detail)
    colour_rows(sheet, ref, list(detail.columns).index("category"), CATEGORY_FILLS)
    sheet.freeze("A2")
    fit_widths(sheet, rows=detail)
    sheet.print_fitted(f"A:{column_letter(bounds(ref)[2])}", title_rows="1:1", title_columns="A:B", footer=footer)


def valuation(result: Reconciliation) -> str:
    """How the money leaked was valued: at the Atria selling price, at Xarios cost, or both."""
    leaks = result.detail[result.detail["money_at_stake"].map(lambda m: isinstance(m, Decimal) and m > 0)]
    found = leaks["price_basis"].value_counts()
    if found.empty:
        return "nothing leaked"
    words = {"price": "at price (Atria selling price)", "cost": "at cost (Xarios unit cost, no price listed)"}
    if len(found) == 1:
        return words.get(str(found.index[0]), str(found.index[0]))
    return ", ".join(f"at {basis} ({n} row{'s' if n != 1 else ''})" for basis, n in found.items())


def _summary_sheet(book: OpenpyxlBook, sheet: Sheet, result: Reconciliation, footer: str) -> None:
    period = result.period_end.isoformat() if result.period_end else "(not given)"
    invoices = ", ".join(str(i) for i in result.invoice_checks["invoice_id"]) or "(not given)"
    facts: list[tuple[str, object]] = [
        ("Period ending", period),
        ("Xarios invoices", invoices),
        ("Customer/SKU pairs compared", result.compared),
        ("Revenue not billed (leaked)", result.leaked),
        ("Billed with no matching cost", result.over_billed),
        ("Money valued", valuation(result)),
        ("Unmapped tenants (not compared)", len(result.unmapped_tenants)),
        ("Unmapped products (not compared)", len(result.unmapped_products)),
    ]
    if result.unpriced:
        facts.append(("Flagged rows with no price or cost", result.unpriced))
    _heading(sheet, "A1", f"Margin leaks: Xarios charges against Atria billing, period ending {period}", size=14)
    for row, (label, value) in enumerate(facts, start=2):
        book.write(sheet.title, f"A{row}", label)
        book.write(sheet.title, f"B{row}", value)
        sheet.style(f"B{row}", Look(align="left" if isinstance(value, str) else "right"))
    sheet.style("B5:B6", Look(number_format=CURRENCY))
    sheet.style("A5:B5", Look(bold=True, size=14, colour="C00000"))
    sheet.row_height(5, 21)
    at = len(facts) + 3
    _heading(sheet, f"A{at}", "Rows per category")
    counts_ref = _table(book, sheet, "CategoryCounts", _counts(result), at + 1)
    for row, category in enumerate(CATEGORIES, start=at + 2):
        if category in CATEGORY_FILLS:
            sheet.style(f"A{row}", Look(fill=CATEGORY_FILLS[category]))
    at = bounds(counts_ref)[3] + 2
    leaks = largest_leaks(result)
    _heading(sheet, f"A{at}", f"Largest leaks (top {LARGEST}): revenue not billed")
    leaks_ref = _table(book, sheet, "LargestLeaks", leaks, at + 1)
    chart_rows = max(len(leaks) + 1, 5)
    if not leaks.empty:
        labelled_bars(sheet, leaks_ref, *CHART_COLUMNS, rows=chart_rows)
    at = max(bounds(leaks_ref)[3], at + chart_rows) + 2
    _heading(sheet, f"A{at}", "Money at stake per customer")
    customers_ref = _table(book, sheet, "MoneyAtStake", _per_customer(result), at + 1)
    sheet.widths({column_letter(column): width for column, width in enumerate(SUMMARY_WIDTHS, start=1)})
    for ref in (counts_ref, leaks_ref, customers_ref):
        wrap_long_rows(sheet, ref, SUMMARY_WIDTHS[0])
    sheet.print_fitted(
        f"A:{column_letter(len(SUMMARY_WIDTHS))}", area=f"A1:{column_letter(len(SUMMARY_WIDTHS))}{sheet.last_row}",
        pages_tall=1 if sheet.last_row <= SUMMARY_ROWS_ON_ONE_PAGE else 0, centred=True, footer=footer,
    )  # fmt: skip


def _heading(sheet: Sheet, cell: str, text: str, size: int = 12) -> None:
    """A bold section heading."""
    sheet.put(cell, text, Look(bold=True, size=size))


def _table(book: OpenpyxlBook, sheet: Sheet, name: str, frame: pd.DataFrame, row: int) -> str:
    """Write ``frame`` as the table ``name`` at column A of ``row``, formatted; its range."""
    ref = book.write_table(sheet.title, name, frame, anchor=f"A{row}")
    format_table(sheet, ref, FORMATS, QUANTITIES)
    sheet.row_height(row, 30)  # room for a header on two lines
    return ref


def _counts(result: Reconciliation) -> pd.DataFrame:
    """Rows and money at stake per category, with the category's name as a user reads it."""
    money = result.detail["money_at_stake"].map(lambda m: m if isinstance(m, Decimal) else Decimal(0))
    at_stake = [cents(sum(money[result.detail["category"] == c], Decimal(0))) for c in CATEGORIES]
    return pd.DataFrame({
        "Category": [CATEGORY_NAMES[c] for c in CATEGORIES],
        "Rows": [result.counts[c] for c in CATEGORIES],
        "Money at stake": pd.Series(at_stake, dtype=object),
    })  # fmt: skip


def _per_customer(result: Reconciliation) -> pd.DataFrame:
    """``result.summary`` with the customer first and headers as a user reads them."""
    names = {"account_code": "Account", "customer_name": "Customer", "flagged": "Flagged"}
    names |= {c: CATEGORY_NAMES[c] for c in CATEGORIES[:4]} | {"money_at_stake": "Money at stake"}
    columns = ["customer_name", "account_code", "flagged", *CATEGORIES[:4], "money_at_stake"]
    return result.summary.loc[:, columns].rename(columns=names)


def largest_leaks(result: Reconciliation) -> pd.DataFrame:
    """The flagged rows with the most revenue not billed: customer, product, quantities and amount."""
    rows = result.flagged
    leaking = rows["money_at_stake"].map(lambda m: isinstance(m, Decimal) and m > 0).astype(bool)
    rows = rows.loc[leaking].head(LARGEST)  # a mask, even when empty: never a list of columns
    customer = rows["customer_name"].where(rows["customer_name"] != "", rows["account_code"])
    return pd.DataFrame({
        "Customer": customer.astype(object),
        "Product": rows["sku"].astype(object),
        "Xarios charged": rows["vendor_quantity"].astype(object),
        "Atria billed": rows["billed_quantity"].astype(object),
        "Leaked": rows["money_at_stake"].astype(object),
    }).reset_index(drop=True)  # fmt: skip


__all__ = ["CATEGORY_FILLS", "WHOLE", "detail_order", "largest_leaks", "valuation", "write_reconciliation"]
