"""The book adapter: DataFrames written as real Excel tables into a workbook file or a live book."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import xlwings.main
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont

from tests import xlwings_double as double
from xlbilling._errors import DataError, InputError
from xlbilling._excel.live import XlwingsBook
from xlbilling._xlsx.book import OpenpyxlBook
from xlbilling._xlsx.tablecells import DATE_FORMAT, DATETIME_FORMAT, MONEY_FORMAT


def frame(rows: int = 2) -> pd.DataFrame:
    names = ['=HYPERLINK("http://evil","x")', "Acme Ltd", "+44 113", "Beta"][:rows]
    return pd.DataFrame(
        {
            "customer_name": pd.Series(names, dtype="string"),
            "period_end": pd.to_datetime(["2026-10-31"] * rows),
            "actioned_date": pd.to_datetime(["2026-10-14 09:31"] * rows),
            "invoice_value": [Decimal("1234.56"), Decimal("0.10"), Decimal("7"), Decimal("-2.5")][:rows],
            "quantity": pd.array([12, None, 3, 4][:rows], dtype="Int64"),
        }
    )


def test_new_workbook_gets_a_real_table_with_typed_cells(tmp_path: Path) -> None:
    book = OpenpyxlBook.new()
    assert book.write_table("Summary", "Summary", frame(), anchor="A3") == "A3:E5"
    path = book.save(tmp_path / "out.xlsx")

    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["Summary"]
    ws = wb["Summary"]
    assert ws.tables["Summary"].ref == "A3:E5"
    assert [c.value for c in ws[3]] == ["customer_name", "period_end", "actioned_date", "invoice_value", "quantity"]
    formula_text = ws["A4"]
    assert formula_text.value == '=HYPERLINK("http://evil","x")' and formula_text.data_type == "s"
    assert ws["B4"].value == datetime(2026, 10, 31) and ws["B4"].number_format == DATE_FORMAT
    assert ws["C4"].value == datetime(2026, 10, 14, 9, 31) and ws["C4"].number_format == DATETIME_FORMAT
    assert ws["D4"].value == pytest.approx(1234.56) and ws["D4"].number_format == MONEY_FORMAT
    assert ws["E5"].value is None and ws["E4"].value == 12
    assert not list(tmp_path.glob(".*")), "no temporary file is left behind"


def test_rewriting_a_table_resizes_it_and_leaves_neighbours_alone(tmp_path: Path) -> None:
    book = OpenpyxlBook.new()
    book.write_table("Data", "Data", frame(4), anchor="B2")
    book.write("Data", "H1", "my note")
    book.write("Data", "A20", 42)
    path = book.save(tmp_path / "data.xlsx")

    reopened = OpenpyxlBook.open(path)
    assert reopened.write_table("Data", "Data", frame(1), anchor="Z99") == "B2:F3"
    reopened.save()
    ws = openpyxl.load_workbook(path)["Data"]
    assert ws.tables["Data"].ref == "B2:F3"
    assert ws["B4"].value is None and ws["B6"].value is None, "rows the table no longer covers are emptied"
    assert ws["H1"].value == "my note" and ws["A20"].value == 42


def test_an_empty_frame_still_makes_a_valid_table(tmp_path: Path) -> None:
    book = OpenpyxlBook.new()
    book.write_table("Empty", "Empty", frame(0))
    ws = openpyxl.load_workbook(book.save(tmp_path / "e.xlsx"))["Empty"]
    assert ws.tables["Empty"].ref == "A1:E2"
    assert ws["A1"].value == "customer_name" and ws["A2"].value is None


def test_a_table_that_would_overwrite_a_users_cell_is_refused() -> None:
    book = OpenpyxlBook.new()
    book.write_table("Data", "Data", frame(1))
    book.write("Data", "A4", "keep me")
    with pytest.raises(DataError, match=r"would overwrite A4 on 'Data'"):
        book.write_table("Data", "Data", frame(4))
    assert book.read("Data", "A4") == "keep me"


MERGED = (
    r"^The table Summary would cover the merged cells B7:C8 on 'Summary'\. Unmerge or move them, then refresh again\.$"
)


def test_a_table_never_grows_into_an_empty_merged_range(tmp_path: Path) -> None:
    book = OpenpyxlBook.new()
    book.write_table("Summary", "Summary", frame(1), anchor="A3")
    book.workbook["Summary"].merge_cells("B7:C8")
    path = book.save(tmp_path / "merged.xlsx")
    book = OpenpyxlBook.open(path)
    with pytest.raises(DataError, match=MERGED):
        book.write_table("Summary", "Summary", frame(4))
    assert book.workbook["Summary"].tables["Summary"].ref == "A3:E4", "nothing is written"
    assert book.write_table("Summary", "Summary", frame(2)) == "A3:E5"


def test_a_users_rich_text_cell_stays_rich_text(tmp_path: Path) -> None:
    path = tmp_path / "rich.xlsx"
    wb = openpyxl.Workbook()
    note = CellRichText(["Check ", TextBlock(InlineFont(b=True, color="FFFF0000"), "CUST0007"), " before sending"])
    wb.active["E20"] = note
    wb.save(path)

    book = OpenpyxlBook.open(path)
    book.write_table("Data", "Data", frame(2))
    book.save()
    kept = openpyxl.load_workbook(path, rich_text=True).active["E20"].value
    assert isinstance(kept, CellRichText) and kept == note
    bold = kept[1]
    assert isinstance(bold, TextBlock) and bold.font.b and bold.font.color.rgb == "FFFF0000"


@pytest.mark.parametrize("name", ["A1", "R1C1", "my table", "1st", ""])
def test_names_excel_refuses_for_a_table_are_rejected(name: str) -> None:
    with pytest.raises(InputError, match="cannot be an Excel table name"):
        OpenpyxlBook.new().write_table("S", name, frame(1))


def test_opening_something_that_is_not_a_workbook_says_so(tmp_path: Path) -> None:
    bogus = tmp_path / "notes.xlsx"
    bogus.write_text("hello")
    with pytest.raises(DataError, match=r"notes.xlsx cannot be read as an Excel workbook"):
        OpenpyxlBook.open(bogus)
    with pytest.raises(InputError, match="There is no workbook"):
        OpenpyxlBook.open(tmp_path / "missing.xlsx")


# --- the live-Excel implementation, against a double of xlwings' API ------------------------------------


def test_xlwings_book_writes_and_resizes_a_table() -> None:
    live = double.Book("/Users/ann/billing/billing.xlsx", ["Control"])
    book = XlwingsBook(live)  # type: ignore[arg-type]
    assert book.write_table("Summary", "Summary", frame(4), anchor="A3") == "A3:E7"
    sheet = live.sheets["Summary"]
    assert sheet.cells[(4, 1)] == '\'=HYPERLINK("http://evil","x")', "Excel's text apostrophe, never a formula"
    assert sheet.cells[(4, 4)] == pytest.approx(1234.56)
    assert sheet.formats[(4, 2)] == DATE_FORMAT and sheet.formats[(7, 4)] == MONEY_FORMAT

    assert book.write_table("Summary", "Summary", frame(1)) == "A3:E4"
    assert (5, 1) not in sheet.cells, "rows the table no longer covers are cleared"
    assert book.file_path() == Path("/Users/ann/billing/billing.xlsx")


def test_xlwings_book_refuses_to_grow_a_table_over_a_users_note() -> None:
    live = double.Book("/Users/ann/billing/billing.xlsx", ["Control"])
    book = XlwingsBook(live)  # type: ignore[arg-type]
    book.write_table("Summary", "Summary", frame(1), anchor="A3")
    book.write("Summary", "B6", "ask Sam")
    before = dict(live.sheets["Summary"].cells)
    with pytest.raises(DataError, match=r"The table Summary would overwrite B6 on 'Summary'"):
        book.write_table("Summary", "Summary", frame(4))
    assert live.sheets["Summary"].cells == before, "nothing is written"
    assert [table.range.address for table in live.sheets["Summary"].tables] == ["$A$3:$E$4"]
    with pytest.raises(DataError, match=r"The table Other would overlap the table Summary"):
        book.write_table("Summary", "Other", frame(1), anchor="C2")


def test_xlwings_book_refuses_to_grow_a_table_into_an_empty_merged_range() -> None:
    live = double.Book("/Users/ann/billing/billing.xlsx", ["Control"])
    book = XlwingsBook(live)  # type: ignore[arg-type]
    book.write_table("Summary", "Summary", frame(1), anchor="A3")
    live.sheets["Summary"].range("B7:C8").merge()
    before = dict(live.sheets["Summary"].cells)
    with pytest.raises(DataError, match=MERGED):
        book.write_table("Summary", "Summary", frame(4))
    assert live.sheets["Summary"].cells == before, "nothing is written"
    book.write_table("Summary", "Summary", frame(2))  # short of the merged cells: fine


def test_xlwings_book_reads_a_whole_sheet() -> None:
    live = double.Book("/Users/ann/billing/billing.xlsx", ["Mapping"])
    book = XlwingsBook(live)  # type: ignore[arg-type]
    book.write("Mapping", "B3", "sku")
    book.write("Mapping", "A4", "XDM00001")
    assert book.read_sheet("Mapping") == [[None, None], [None, None], [None, "sku"], ["XDM00001", None]]
    assert book.read_sheet("Missing") == []


def test_the_xlwings_double_offers_only_what_xlwings_has() -> None:
    sheet = double.Sheet("S")
    cell = double.Range(sheet, 1, 1)
    doubles = {
        xlwings.main.App: double.App(), xlwings.main.Book: double.Book("b.xlsx", []),
        xlwings.main.Sheets: double.Sheets([]), xlwings.main.Sheet: sheet, xlwings.main.Range: cell,
        xlwings.main.Tables: double.Tables(), xlwings.main.Table: double.Table("T", cell),
    }  # fmt: skip
    recorders = {"alerts", "cells", "formats", "merges", "saved_to"}  # what the tests read back
    for real, fake in doubles.items():
        public = {name for name in dir(fake) if not name.startswith("_")} - recorders
        missing = sorted(name for name in public if not hasattr(real, name))
        assert not missing, f"the double of {real.__name__} has {missing}, which xlwings lacks"


def test_xlwings_book_uses_only_xlwings_typed_api() -> None:
    from mypy import api

    out, err, status = api.run(["--no-error-summary", "xlbilling/_xlsx/book.py"])
    assert status == 0, out + err
