"""The reconciliation workbook, written from a comparison built here."""

from __future__ import annotations

from decimal import Decimal as D
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
from openpyxl.worksheet.worksheet import Worksheet

from tests.printed import print_problems, print_workbook
from xlbilling._inputs.mapping import Mapping
from xlbilling._reconcile.book import write_reconciliation
from xlbilling._reconcile.compare import compare
from xlbilling._reconcile.result import Reconciliation
from xlbilling._xlsx.layout import CURRENCY

MAP = Mapping({"XDM00003": "M365-BP", "XDM00004": "EXO-P1"})


def test_names_that_look_like_formulas_stay_text_and_leaks_are_charted(tmp_path: Path) -> None:
    billed = pd.DataFrame({
        "customer_code": ["C1", "C2", "C2"],
        "customer_name": ['=HYPERLINK("http://evil.example","x")', "Beta", "Beta"],
        "customer_account_code": ["ACME001", "BETA001", "BETA001"],
        "sku": ["M365-BP", "M365-BP", "EXO-P1"],
        "quantity": [1.0, 2.0, 2.0],
    })  # fmt: skip
    charged = pd.DataFrame({
        "tenant_code_ext": ["ACME001", "BETA001", "BETA001"],
        "tenant_name": ["+cmd|' /C calc'!A0", "Beta", "Beta"],
        "part_number": ["XDM00003", "XDM00003", "XDM00004"],
        "quantity": [D(4), D(2), D(2)],
        "value": [D("72.40"), D("36.20"), D("6.60")],
    })  # fmt: skip
    result = compare(billed, charged, MAP)
    path = write_reconciliation(result, tmp_path / "out" / "leaks.xlsx")
    book = openpyxl.load_workbook(path)
    detail = book["Detail"]
    headers = [c.value for c in detail[1]]
    names = [row[headers.index("customer_name")] for row in detail.iter_rows(min_row=2)]
    tenants = [row[headers.index("tenant_name")] for row in detail.iter_rows(min_row=2)]
    assert names[0].value == '=HYPERLINK("http://evil.example","x")' and names[0].data_type == "s"
    assert tenants[0].value == "+cmd|' /C calc'!A0" and tenants[0].data_type == "s"
    money = [row[headers.index("money_at_stake")] for row in detail.iter_rows(min_row=2)]
    assert [D(str(cell.value)) for cell in money] == [D("54.30"), 0, 0]  # 3 more licences at cost 18.10
    assert money[0].number_format == CURRENCY
    summary = book["Summary"]
    leaks = summary.tables["LargestLeaks"]
    first = leaks.ref.split(":")[0]
    label = summary[first].offset(row=1)
    assert label.value == '=HYPERLINK("http://evil.example","x")' and label.data_type == "s"
    assert label.offset(column=1).value == "M365-BP" and D(str(label.offset(column=4).value)) == D("54.30")
    (chart,) = summary._charts
    assert len(chart.series) == 1  # titled by the heading above the table it sits beside
    assert book["Unmapped Tenants"].tables["UnmappedTenants"].ref == "A1:G2"  # empty, header and one blank row
    assert not any(p.name.endswith(".part") for p in (tmp_path / "out").iterdir())


def test_every_sheet_prints_readable_with_nothing_cut_off(tmp_path: Path) -> None:
    """Printed by LibreOffice: every page's text is 7 pt or more, every column's longest text shows whole, and
    each page's footer names the reconciliation's period, the page and the sheet."""
    path = write_reconciliation(_leaky(), tmp_path / "r.xlsx")
    assert print_problems(path, tmp_path / "pdf") == []
    printed = print_workbook(path, tmp_path / "pdf")
    assert list(dict.fromkeys(page.sheet for page in printed.pages)) == [
        "Summary", "Detail", "Unmapped Tenants", "Unmapped Products", "Invoice Checks"]  # fmt: skip
    assert len(printed.sheets["Summary"]) == 1
    assert all("Reconciliation, period ending (period not given)" in page.text for page in printed.pages)


def _leaky() -> Reconciliation:
    billed = pd.DataFrame({
        "customer_code": ["C1", "C2", "C2", "C3"],
        "customer_name": ["Acme", "Beta", "Beta", "Gamma"],
        "customer_account_code": ["ACME001", "BETA001", "BETA001", "GAMM001"],
        "sku": ["M365-BP", "M365-BP", "EXO-P1", "EXO-P1"],
        "quantity": [1.0, 2.0, 2.0, 3.0],
    })  # fmt: skip
    charged = pd.DataFrame({
        "tenant_code_ext": ["ACME001", "BETA001", "BETA001", "GAMM001"],
        "tenant_name": ["Acme", "Beta", "Beta", "Gamma"],
        "part_number": ["XDM00003", "XDM00003", "XDM00004", "XDM00004"],
        "quantity": [D(2), D(7), D(2), D(3)],
        "value": [D("36.20"), D("126.70"), D("6.60"), D("9.90")],
    })  # fmt: skip
    return compare(billed, charged, MAP)  # leaks at cost: Beta 5 x 18.10 = 90.50, Acme 1 x 18.10 = 18.10


def test_summary_opens_on_the_money_leaked_the_categories_and_the_largest_leaks(tmp_path: Path) -> None:
    book = openpyxl.load_workbook(write_reconciliation(_leaky(), tmp_path / "r.xlsx"))
    summary = book.worksheets[0]
    assert summary.title == "Summary"
    assert summary["A5"].value == "Revenue not billed (leaked)" and D(str(summary["B5"].value)) == D("108.60")
    assert summary["B5"].number_format == CURRENCY and summary["B5"].font.bold
    assert "at cost" in summary["B7"].value  # no price list: valued at Xarios cost
    counts = _table_rows(summary, "CategoryCounts")
    assert counts[0] == ["Category", "Rows", "Money at stake"]
    assert counts[1][:2] == ["Under-billed", 2] and counts[-1][:2] == ["Matched", 2]
    leaks = _table_rows(summary, "LargestLeaks")
    assert leaks == [
        ["Customer", "Product", "Xarios charged", "Atria billed", "Leaked"],
        ["Beta", "M365-BP", 7, 2, 90.5],
        ["Acme", "M365-BP", 2, 1, 18.1],
    ]
    first, _ = summary.tables["LargestLeaks"].ref.split(":")
    quantity, money = summary[first].offset(row=1, column=2), summary[first].offset(row=1, column=4)
    assert quantity.number_format == "#,##0" and money.number_format == CURRENCY
    customers = _table_rows(summary, "MoneyAtStake")
    assert customers[0][:3] == ["Customer", "Account", "Flagged"] and "Under-billed" in customers[0]
    assert [row[0] for row in customers[1:]] == ["Beta", "Acme"]
    tables = ["CategoryCounts", "LargestLeaks", "MoneyAtStake"]  # in this order down the sheet
    assert sorted(tables, key=lambda t: _top(summary.tables[t].ref)) == tables


def test_detail_lists_flagged_rows_first_filterable_frozen_coloured_and_fitted(tmp_path: Path) -> None:
    book = openpyxl.load_workbook(write_reconciliation(_leaky(), tmp_path / "r.xlsx"))
    detail = book["Detail"]
    table = detail.tables["ReconciliationDetail"]
    rows = _table_rows(detail, "ReconciliationDetail")
    headers = rows[0]
    categories = [row[headers.index("category")] for row in rows[1:]]
    assert categories == ["under_billed", "under_billed", "matched", "matched"]  # flagged first
    assert [row[headers.index("money_at_stake")] for row in rows[1:3]] == [90.5, 18.1]  # largest first
    assert detail.freeze_panes == "A2" and table.autoFilter is not None and table.autoFilter.ref == table.ref
    (rule_range,) = {str(cf.sqref) for cf in detail.conditional_formatting}
    assert rule_range == "A2:" + table.ref.split(":")[1]  # the whole row takes the category colour
    cost = detail.cell(row=2, column=headers.index("unit_cost") + 1)
    assert cost.number_format == "#,##0.0000"
    assert detail.cell(row=2, column=headers.index("vendor_quantity") + 1).number_format == "#,##0"
    for column, header in enumerate(headers, start=1):
        letter = openpyxl.utils.get_column_letter(column)
        widest = max(len(str(row[column - 1])) for row in rows)
        assert detail.column_dimensions[letter].width >= widest + 1, header


def test_chart_sits_beside_the_largest_leaks_sized_to_them_largest_on_top(tmp_path: Path) -> None:
    book = openpyxl.load_workbook(write_reconciliation(_leaky(), tmp_path / "r.xlsx"))
    summary = book["Summary"]
    (chart,) = summary._charts
    _, min_row, max_col, max_row = openpyxl.utils.range_boundaries(summary.tables["LargestLeaks"].ref)
    anchor = chart.anchor
    assert anchor._from.row == min_row - 1 and anchor._from.col >= max_col  # beside the table, same top
    assert anchor.to.row - anchor._from.row <= max(max_row - min_row + 1, 5)  # as tall as its rows
    assert anchor.to.row < _top(summary.tables["MoneyAtStake"].ref) - 1  # clear of the next table
    (series,) = chart.series
    letter = openpyxl.utils.get_column_letter(max_col)
    assert series.val.numRef.f == f"'Summary'!${letter}${min_row + 1}:${letter}${max_row}"
    assert chart.x_axis.scaling.orientation == "maxMin"  # the first (largest) leak drawn at the top
    assert chart.dataLabels is not None and chart.dataLabels.showVal


def test_summary_prints_on_one_portrait_a4_page_and_detail_repeats_its_header_and_customer(tmp_path: Path) -> None:
    book = openpyxl.load_workbook(write_reconciliation(_leaky(), tmp_path / "r.xlsx"))
    summary, detail = book["Summary"], book["Detail"]
    setup = summary.page_setup
    assert (setup.orientation, setup.paperSize, setup.fitToWidth, setup.fitToHeight) == ("portrait", 9, 1, 1)
    assert summary.sheet_properties.pageSetUpPr.fitToPage
    assert detail.print_title_rows == "$1:$1"
    assert detail.page_setup.fitToWidth == 1 or detail.print_title_cols == "$A:$B"  # over pages across: who it is


def _table_rows(ws: Worksheet, name: str) -> list[list[Any]]:
    """The values of the table ``name``, header first (numbers as floats)."""
    cells = ws[ws.tables[name].ref]
    return [[float(c.value) if isinstance(c.value, D) else c.value for c in row] for row in cells]


def _top(ref: str) -> int:
    return int(openpyxl.utils.range_boundaries(ref)[1])


def test_a_period_with_nothing_flagged_writes_a_workbook_with_empty_leak_tables(tmp_path: Path) -> None:
    billed = pd.DataFrame({
        "customer_code": ["C1"], "customer_name": ["Acme"], "customer_account_code": ["ACME001"],
        "sku": ["M365-BP"], "quantity": [3.0],
    })  # fmt: skip
    charged = pd.DataFrame({
        "tenant_code_ext": ["ACME001"], "tenant_name": ["Acme"], "part_number": ["XDM00003"],
        "quantity": [D(3)], "value": [D("54.30")],
    })  # fmt: skip
    result = compare(billed, charged, MAP)
    assert result.flagged.empty
    path = write_reconciliation(result, tmp_path / "clean.xlsx")
    summary = openpyxl.load_workbook(path)["Summary"]
    leaks = summary.tables["LargestLeaks"]
    header, *body = summary[leaks.ref]
    assert [c.value for c in header] == ["Customer", "Product", "Xarios charged", "Atria billed", "Leaked"]
    assert [[c.value for c in row] for row in body] == [[None] * 5]  # Excel's empty table: one blank row
    assert summary["A5"].value == "Revenue not billed (leaked)" and summary["B5"].value == 0
