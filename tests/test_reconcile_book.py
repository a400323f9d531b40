"""The reconciliation workbook, written from a comparison built here."""

from __future__ import annotations

from decimal import Decimal as D
from pathlib import Path

import openpyxl
import pandas as pd

from xlbilling.reconcile.book import write_reconciliation
from xlbilling.reconcile.compare import compare
from xlbilling.reconcile.mapping import Mapping

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
    assert money[0].number_format == "#,##0.00"
    summary = book["Summary"]
    leaks = summary.tables["LargestLeaks"]
    first = leaks.ref.split(":")[0]
    label = summary[first].offset(row=1)
    assert label.value.endswith(" / M365-BP") and label.data_type == "s"
    assert D(str(label.offset(column=1).value)) == D("54.30")
    (chart,) = summary._charts
    assert chart.title is not None
    assert book["Unmapped Tenants"].tables["UnmappedTenants"].ref == "A1:G2"  # empty, header and one blank row
    assert not any(p.name.endswith(".part") for p in (tmp_path / "out").iterdir())


def test_every_sheet_prints_one_page_wide(tmp_path: Path) -> None:
    billed = pd.DataFrame({
        "customer_code": ["C1"], "customer_name": ["Acme"], "customer_account_code": ["ACME001"],
        "sku": ["M365-BP"], "quantity": [1.0],
    })  # fmt: skip
    charged = pd.DataFrame({
        "tenant_code_ext": ["ACME001"], "tenant_name": ["Acme"], "part_number": ["XDM00003"],
        "quantity": [D(2)], "value": [D("36.20")],
    })  # fmt: skip
    book = openpyxl.load_workbook(write_reconciliation(compare(billed, charged, MAP), tmp_path / "r.xlsx"))
    for sheet in book.worksheets:
        assert sheet.sheet_properties.pageSetUpPr.fitToPage, sheet.title
        assert (sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight) == (1, 0), sheet.title
