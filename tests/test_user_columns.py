"""A user's own columns in xlbilling's tables survive a refresh, headless and live; a renamed column of
xlbilling's is refused before anything is fetched."""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from openpyxl.worksheet.table import TableColumn, TableFormula, TableStyleInfo

from tests.excel_support import CountingTransport, counting_session
from tests.real_workbooks import calamine_values, libreoffice_values
from tests.test_excel_macros import live_book
from xlbilling._errors import InputError
from xlbilling._excel import macros
from xlbilling._sandbox import Sandbox
from xlbilling._session.session import Session
from xlbilling._values.period import Period
from xlbilling._workbook.control import PARAMETERS
from xlbilling._workbook.headless import refresh_file
from xlbilling._workbook.tables import refresh
from xlbilling._xlsx.book import OpenpyxlBook

TEMPLATE = Path(__file__).parents[1] / "templates" / "billing.xlsx"
DOUBLED = "Summary[[#This Row],[this_count]]*2"
BILLABLE_ONLY = f"B{3 + list(PARAMETERS).index('billable_only')}"


@pytest.fixture
def counted(sandbox: Sandbox) -> tuple[Session, CountingTransport]:
    return counting_session(sandbox.url, sandbox.token)


def summary_rows(sheet: openpyxl.worksheet.worksheet.Worksheet) -> list[dict[str, object]]:
    table = sheet.tables["Summary"]
    (header, *body) = sheet[table.ref]
    names = [cell.value for cell in header]
    return [dict(zip(names, (cell.value for cell in row), strict=True)) for row in body]


@pytest.fixture
def with_my_columns(tmp_path: Path, period: Period, counted: tuple[Session, CountingTransport]) -> Path:
    """The template refreshed once, then given two columns of the user's in Excel's way: ``value``, a
    calculated column, and ``note``, notes typed beside three rows; ``=SUM(Summary[value])`` elsewhere and
    the user's own table style."""
    path = shutil.copyfile(TEMPLATE, tmp_path / "billing.xlsx")
    book = openpyxl.load_workbook(path)
    book["Control"]["B3"] = period.end
    book.save(path)
    refresh_file(path, ["summary"], counted[0])
    book = openpyxl.load_workbook(path)
    sheet = book["Summary"]
    table = sheet.tables["Summary"]
    last = int(table.ref.split(":")[1][1:])
    sheet["J3"], sheet["K3"] = "value", "note"
    for row in range(4, last + 1):
        sheet[f"J{row}"] = f"={DOUBLED}"
    rows = summary_rows(sheet)
    billable = [n for n, r in enumerate(rows) if r["billable"]]
    unbillable = [n for n, r in enumerate(rows) if not r["billable"]]
    for n in (billable[0], billable[-1], unbillable[0]):
        sheet[f"K{4 + n}"] = f"check {rows[n]['customer_code']} {rows[n]['sku']}"
    table.ref = f"A3:K{last}"
    table.autoFilter.ref = table.ref
    table.tableColumns.append(TableColumn(id=10, name="value", calculatedColumnFormula=TableFormula(attr_text=DOUBLED)))
    table.tableColumns.append(TableColumn(id=11, name="note"))
    table.tableStyleInfo = TableStyleInfo(name="TableStyleLight9", showRowStripes=True)
    book["Control"]["H2"] = "=SUM(Summary[value])"
    book["Control"][BILLABLE_ONLY] = True  # the next refresh drops the rows that are not billable
    book.save(path)
    return path


def notes(path: Path) -> dict[tuple[object, ...], object]:
    """Each note by the identity of its row: customer, SKU and whether it is billable."""
    rows = summary_rows(openpyxl.load_workbook(path)["Summary"])
    return {(r["customer_code"], r["sku"], r["billable"]): r["note"] for r in rows if r["note"]}


def test_a_headless_refresh_keeps_a_calculated_column_and_notes_on_their_rows(
    with_my_columns: Path, counted: tuple[Session, CountingTransport]
) -> None:
    before = notes(with_my_columns)
    refresh_file(with_my_columns, ["summary"], counted[0])
    sheet = openpyxl.load_workbook(with_my_columns)["Summary"]
    table = sheet.tables["Summary"]
    assert [c.name for c in table.tableColumns][-2:] == ["value", "note"]
    assert table.tableStyleInfo.name == "TableStyleLight9"
    rows = summary_rows(sheet)
    assert rows and all(r["billable"] for r in rows), "the Control sheet asked for billable rows only"
    assert all(str(r["value"]).startswith("=") and "this_count" in str(r["value"]) for r in rows)
    assert sum(1 for key in before if key[2]) == 2, "two notes on billable rows, one on a row now left out"
    assert notes(with_my_columns) == {key: note for key, note in before.items() if key[2]}
    recalculated = libreoffice_values(with_my_columns, "Summary")
    header = recalculated[2]
    for line in recalculated[3 : 3 + len(rows)]:
        assert line[header.index("value")] == line[header.index("this_count")] * 2
    total = libreoffice_values(with_my_columns, "Control")[1][7]
    assert Decimal(str(total)) == 2 * sum(Decimal(str(r["this_count"])) for r in rows)
    assert calamine_values(with_my_columns, "Summary")[2][-2:] == ["value", "note"]


def test_a_renamed_column_of_xlbillings_is_refused_before_anything_is_fetched(
    with_my_columns: Path, counted: tuple[Session, CountingTransport]
) -> None:
    book = openpyxl.load_workbook(with_my_columns)  # renamed as Excel does: the formulas follow the new name
    sheet = book["Summary"]
    sheet["H3"] = "qty"
    table = sheet.tables["Summary"]
    next(c for c in table.tableColumns if c.name == "this_count").name = "qty"
    next(c for c in table.tableColumns if c.name == "value").calculatedColumnFormula.attr_text = DOUBLED.replace(
        "this_count", "qty"
    )
    for (cell,) in sheet[f"J4:J{sheet.max_row}"]:
        cell.value = cell.value.replace("this_count", "qty") if cell.value else None
    book.save(with_my_columns)
    before, asked = with_my_columns.read_bytes(), counted[1].count
    with pytest.raises(InputError, match=r"^The Summary table on 'Summary' has no column this_count") as refused:
        refresh_file(with_my_columns, ["summary"], counted[0])
    assert "qty" in str(refused.value) and "Name that column this_count again" in str(refused.value.hint)
    assert with_my_columns.read_bytes() == before and counted[1].count == asked


def test_a_live_refresh_keeps_the_users_columns(formulas: Session, period: Period) -> None:
    book = live_book(period.end)
    assert str(macros.press(macros.refresh_action(["summary"]), book)).startswith("Refreshed Summary")  # type: ignore[arg-type]
    sheet = book.sheets["Summary"]
    (table,) = list(sheet.tables)
    rows = table.range.shape[0]
    sheet.range("J3:K3").value = [["value", "note"]]
    for row in range(4, 3 + rows):
        sheet.cells[(row, 10)] = f"=H{row}*2"
    first = [sheet.cells[(4, c)] for c in (1, 4)]
    sheet.cells[(4, 11)] = "call them"
    table.resize(sheet.range(f"A3:K{2 + rows}"))
    sheet.cells[(4, 8)] = 999  # what a refresh puts right: the note follows its row, not this cell
    book.sheets["Control"].range(BILLABLE_ONLY).value = True
    assert str(macros.press(macros.refresh_action(["summary"]), book)).startswith("Refreshed Summary")  # type: ignore[arg-type]
    header = sheet.range("A3:K3").value
    assert header[-2:] == ["value", "note"] and table.range.address.startswith("$A$3:$K$")
    body = table.range.shape[0] - 1
    assert [sheet.cells[(r, 10)] for r in range(4, 4 + body)] == [f"=H{r}*2" for r in range(4, 4 + body)]
    found = [r for r in range(4, 4 + body) if [sheet.cells[(r, 1)], sheet.cells[(r, 4)]] == first]
    assert [sheet.cells.get((r, 11)) for r in found] == ["call them"] * len(found)
    assert sum(1 for r in range(4, 4 + body) if sheet.cells.get((r, 11))) == len(found)


def with_totals_row(path: Path) -> None:
    """Show the Summary table's totals row as Excel does: "Total" under the first column, the sum of
    ``this_count`` under it."""
    book = openpyxl.load_workbook(path)
    sheet = book["Summary"]
    table = sheet.tables["Summary"]
    last = int(table.ref.split(":")[1].lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
    table.autoFilter.ref = table.ref
    table.ref = f"{table.ref.split(':')[0]}:{table.ref.split(':')[1][0]}{last + 1}"
    table.totalsRowCount = 1
    first = table.tableColumns[0]
    first.totalsRowLabel = "Total"
    counted = next(c for c in table.tableColumns if c.name == "this_count")
    counted.totalsRowFunction = "sum"
    sheet[f"A{last + 1}"] = "Total"
    sheet[f"H{last + 1}"] = "=SUBTOTAL(109,Summary[this_count])"
    book.save(path)


@pytest.mark.parametrize("billable_only", [True, False], ids=["fewer rows", "more rows"])
def test_a_headless_refresh_keeps_the_totals_row_under_the_new_rows(
    tmp_path: Path, period: Period, counted: tuple[Session, CountingTransport], billable_only: bool
) -> None:
    path = shutil.copyfile(TEMPLATE, tmp_path / "billing.xlsx")
    book = openpyxl.load_workbook(path)
    book["Control"]["B3"] = period.end
    book["Control"][BILLABLE_ONLY] = not billable_only
    book.save(path)
    refresh_file(path, ["summary"], counted[0])
    with_totals_row(path)
    book = openpyxl.load_workbook(path)
    book["Control"][BILLABLE_ONLY] = billable_only
    book.save(path)
    refresh_file(path, ["summary"], counted[0])
    sheet = openpyxl.load_workbook(path)["Summary"]
    table = sheet.tables["Summary"]
    rows = int(table.ref.split(":")[1][1:]) - 4  # header on row 3, totals on the last row
    total_row = 4 + rows
    assert table.totalsRowCount == 1 and table.autoFilter.ref == f"A3:I{total_row - 1}"
    assert sheet[f"A{total_row}"].value == "Total"
    assert sheet[f"H{total_row}"].value == "=SUBTOTAL(109,Summary[this_count])"
    assert all(sheet[f"A{r}"].value for r in range(4, total_row)), "every data row above the totals is filled"
    assert sheet[f"A{total_row + 1}"].value is None, "no old totals row left below"
    recalculated = libreoffice_values(path, "Summary")
    counts = [line[7] for line in recalculated[3 : 3 + rows]]
    assert recalculated[3 + rows][7] == sum(counts) and len(counts) == rows


def test_a_refresh_through_openpyxl_keeps_the_totals_row_too(
    tmp_path: Path, period: Period, counted: tuple[Session, CountingTransport]
) -> None:
    path = shutil.copyfile(TEMPLATE, tmp_path / "billing.xlsx")
    book = openpyxl.load_workbook(path)
    book["Control"]["B3"] = period.end
    book.save(path)
    refresh_file(path, ["summary"], counted[0])
    with_totals_row(path)
    book = OpenpyxlBook.open(path)
    book.write("Control", BILLABLE_ONLY, True)
    refresh(book, ["summary"], counted[0])
    book.save()
    sheet = openpyxl.load_workbook(path)["Summary"]
    table = sheet.tables["Summary"]
    last = int(table.ref.split(":")[1][1:])
    assert table.totalsRowCount == 1 and table.autoFilter.ref == f"A3:I{last - 1}"
    assert [sheet[f"A{last}"].value, sheet[f"H{last}"].value] == ["Total", "=SUBTOTAL(109,Summary[this_count])"]
    assert all(sheet[f"B{r}"].value for r in range(4, last)) and sheet[f"A{last + 1}"].value is None
