"""The margin in Excel against the sandbox: ``XLB_MARGIN`` spills the same figures the command shows, the
ribbon's Margin button fills the Margin sheet of a live book, and the headless refresh fills the template's
Margin sheet for the Control sheet's range; read back as a user reads them."""

from __future__ import annotations

import shutil
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from tests import xlwings_double as double
from tests.excel_support import counting_session
from tests.test_margin import LAST_THREE, _by_hand, _prices
from tests.test_reconcile_sandbox import MAPPING, PRICES
from xlbilling._apis.atria import Atria
from xlbilling._apis.xarios import Xarios
from xlbilling._excel import macros, udfs
from xlbilling._margin import TOTALS
from xlbilling._margin.compute import TOTAL_MONEY
from xlbilling._sandbox import Sandbox
from xlbilling._session.session import Session
from xlbilling._workbook.headless import refresh_file
from xlbilling._xlsx.book import OpenpyxlBook

TEMPLATE = Path(__file__).parents[1] / "templates" / "billing.xlsx"
CUSTOMER_HEADER = [*TOTALS["customer"], *TOTAL_MONEY]


def _hazel(atria: Atria, xarios: Xarios) -> tuple[Decimal, Decimal]:
    revenue = cost = Decimal(0)
    for end in LAST_THREE:
        r, c = _by_hand(atria, xarios, "HAZE001", end, _prices(PRICES))
        revenue, cost = revenue + r, cost + c
    return revenue, cost


def test_the_formula_spills_each_customers_margin(formulas: Session, atria: Atria, xarios: Xarios) -> None:
    cells = udfs.XLB_MARGIN("2026-08-15", datetime(2026, 10, 31), None, str(MAPPING), str(PRICES))
    assert isinstance(cells, list) and cells[0] == CUSTOMER_HEADER, cells
    (row,) = [r for r in cells[1:] if r[0] == "HAZE001"]
    revenue, cost = _hazel(atria, xarios)
    assert row[3:6] == [float(revenue), float(cost), float(revenue - cost)]
    periods = udfs.XLB_MARGIN("2026-08-15", "2026-10-31", "period", str(MAPPING), str(PRICES))
    assert [r[0] for r in periods[1:]] == [datetime(e.year, e.month, e.day) for e in LAST_THREE]


def test_the_formula_says_what_is_wrong_in_one_line(formulas: Session) -> None:
    assert udfs.XLB_MARGIN(None, None, "everything", str(MAPPING), str(PRICES)) == (
        "'everything' is not something XLB_MARGIN shows. Use one of: customer, product, period, detail."
    )
    said = udfs.XLB_MARGIN("2026-10-31", "2026-09-30", None, str(MAPPING), str(PRICES))
    assert said == (
        "No closed billing period from 2026-10-31 to 2026-09-30: it ends before it starts. Give XLB_MARGIN days of "
        "closed periods (=XLB_PERIODS() lists them), or leave them empty."
    )
    said = udfs.XLB_MARGIN()
    assert said == "No product mapping given, and the Control sheet sets none. Pass the product mapping to XLB_MARGIN."


def live_book(tmp_path: Path) -> double.Book:
    """A live book whose Control sheet names the price list and the mapping, and a three-period range."""
    book = double.Book(str(tmp_path / "billing.xlsx"), ["Control"])
    rows = [("Period", None), ("Price list", str(PRICES)), ("Product mapping", str(MAPPING)),
            ("Margin from", datetime(2026, 8, 1)), ("Margin to", "2026-10-31")]  # fmt: skip
    for row, (label, value) in enumerate(rows, 3):
        book.sheets["Control"].cells[(row, 1)] = label
        book.sheets["Control"].cells[(row, 2)] = value
    return book


def test_the_formula_takes_the_control_sheets_files(formulas: Session, tmp_path: Path) -> None:
    book = live_book(tmp_path)
    caller = SimpleNamespace(sheet=SimpleNamespace(book=book))
    cells = udfs.XLB_MARGIN("2026-10-31", "2026-10-31", "product", None, None, caller)
    assert isinstance(cells, list) and cells[0] == ["sku", *TOTAL_MONEY]
    assert udfs.XLB_MARGIN("2026-10-31", "2026-10-31", "product", str(MAPPING), str(PRICES)) == cells


def test_the_margin_button_fills_the_margin_sheet(formulas: Session, tmp_path: Path) -> None:
    book = live_book(tmp_path)
    shown = macros.press(macros.refresh_action(["margin"]), book)  # type: ignore[arg-type]
    assert not book.app.alerts, book.app.alerts
    cells = book.sheets["Margin"].cells
    detail = sum(1 for (row, column) in cells if column == 1 and row > 3)
    assert shown == f"Refreshed Margin ({detail} rows)." and cells[(3, 1)] == "period_end"
    assert {cells[(row, 1)] for row in range(4, 4 + detail)} == {datetime(e.year, e.month, e.day) for e in LAST_THREE}


def test_the_button_names_the_control_rows_of_an_empty_range(formulas: Session, tmp_path: Path) -> None:
    book = live_book(tmp_path)
    book.sheets["Control"].cells[(6, 2)] = "2026-11-15"  # Margin from: the open period
    book.sheets["Control"].cells[(7, 2)] = None
    assert macros.press(macros.refresh_action(["margin"]), book) is None  # type: ignore[arg-type]
    [(prompt, _, _)] = book.app.alerts
    assert prompt == (
        "No closed billing period from 2026-11-30 to 2026-11-30: every period in it is still open. Change 'Margin "
        "from' and 'Margin to' on the Control sheet to days of closed periods, or empty them for the last twelve."
    )


def test_the_button_says_when_no_price_list_is_set(formulas: Session, tmp_path: Path) -> None:
    book = live_book(tmp_path)
    book.sheets["Control"].cells[(4, 2)] = None
    assert macros.press(macros.refresh_action(["margin"]), book) is None  # type: ignore[arg-type]
    [(prompt, _, _)] = book.app.alerts
    assert prompt.startswith("No price list is set: the margin needs each SKU's price.")
    assert "next to 'Price list' on the Control sheet" in prompt


@pytest.fixture
def session(sandbox: Sandbox) -> Session:
    return counting_session(sandbox.url, sandbox.token)[0]


def test_a_headless_refresh_fills_the_templates_margin_sheet(
    tmp_path: Path, session: Session, atria: Atria, xarios: Xarios
) -> None:
    path = tmp_path / "billing.xlsx"
    shutil.copyfile(TEMPLATE, path)
    book = OpenpyxlBook.open(path)
    for label, value in (("Price list", str(PRICES)), ("Product mapping", str(MAPPING)),
                         ("Margin from", date(2026, 8, 1)), ("Margin to", date(2026, 10, 31))):  # fmt: skip
        row = next(r for r in range(1, 40) if book.read("Control", f"A{r}") == label)
        book.write("Control", f"B{row}", value)
    book.save()
    (written,) = refresh_file(path, ["margin"], session)
    sheet = openpyxl.load_workbook(path)["Margin"]
    assert set(sheet.tables) == {"Margin", "MarginByPeriod", "MarginByCustomer", "MarginByProduct", "MarginClosed"}
    assert sheet.tables["Margin"].ref.endswith(str(3 + written.rows))
    range_ = "for the periods ending 2026-08-31 to 2026-10-31"  # the stamp says which periods it covers
    assert str(sheet["A1"].value).startswith(f"Margin: {written.rows} rows {range_}, from ")
    assert sheet["A2"].value == f"Margin {range_}" and sheet["R2"].value == f"Per period: 3 rows {range_}"
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("Margin").to_python()
    header = rows[2]
    start = header.index("account_code", header.index("period_end", 1))  # the per-customer table
    (hazel,) = [row for row in rows[3:] if row[start] == "HAZE001"]
    revenue, cost = _hazel(atria, xarios)
    at = start + CUSTOMER_HEADER.index("revenue")
    assert hazel[at : at + 3] == [float(revenue), float(cost), float(revenue - cost)]
    wb = openpyxl.load_workbook(path)  # a note on a line stays on it at the next refresh
    note = header.index("note") + 1
    wb["Margin"].cell(4, note).value = "price rise agreed from January"
    line = [wb["Margin"].cell(4, header.index(c) + 1).value for c in ("account_code", "sku")]
    wb.save(path)
    refresh_file(path, ["margin"], session)
    again = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("Margin").to_python()[3:]
    noted = [row for row in again if row[note - 1] == "price rise agreed from January"]
    assert [[row[header.index("account_code")], row[header.index("sku")]] for row in noted] == [line]
