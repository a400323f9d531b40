"""Long tables (a reconciliation's or a margin's Detail) are written into the file as it is saved, not cell by
cell through openpyxl: read back by openpyxl and calamine, every row is there with its column's look, as the
rows written cell by cell have it."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import openpyxl
import pandas as pd
from python_calamine import CalamineWorkbook

from tests.test_reconcile_sandbox import MAPPING, PRICES
from xlbilling import reconcile
from xlbilling._apis.atria import Atria
from xlbilling._apis.xarios import Xarios
from xlbilling._inputs.mapping import load_mapping
from xlbilling._inputs.prices import load_prices
from xlbilling._reconcile.book import detail_order, write_reconciliation
from xlbilling._session.session import Session
from xlbilling._values.period import Period
from xlbilling._xlsx.book import OpenpyxlBook
from xlbilling._xlsx.layout import CURRENCY, fit_widths, format_table


def test_every_row_of_a_long_table_has_its_columns_look(
    atria: Atria, xarios: Xarios, period: Period, tmp_path: Path
) -> None:
    found = reconcile(Session(atria, xarios), period, mapping=load_mapping(MAPPING), prices=load_prices(PRICES))
    path = write_reconciliation(found, tmp_path / "rec.xlsx")
    detail = detail_order(found)
    sheet = openpyxl.load_workbook(path)["Detail"]
    headers = [cell.value for cell in sheet[1]]
    assert headers == list(detail.columns) and all(cell.font.bold for cell in sheet[1])
    assert sheet.max_row == len(detail) + 1 and sheet.tables["ReconciliationDetail"].ref == f"A1:N{len(detail) + 1}"
    (coloured,) = sheet.conditional_formatting
    assert str(coloured.sqref) == f"A2:N{len(detail) + 1}"
    money = headers.index("money_at_stake") + 1
    for row in range(2, sheet.max_row + 1):  # the last rows as the first: each column formatted as one
        assert sheet.cell(row, money).number_format == CURRENCY
    for number, expected in enumerate(detail.itertuples(index=False), start=2):
        assert [_plain(cell.value) for cell in sheet[number]] == [_plain(v) for v in expected], number
    read = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("Detail").to_python()
    assert len(read) == len(detail) + 1 and read[-1][0] == detail.iloc[-1]["account_code"]


def _plain(value: object) -> object:
    """A value as a reader compares it: numbers as numbers, nothing and empty text as nothing."""
    if value is None or value == "" or (isinstance(value, float) and value != value):
        return None
    return float(value) if isinstance(value, Decimal | int | float) else value


def test_a_long_table_reads_back_as_the_same_table_written_cell_by_cell(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            "name": ["Acme Ltd", "", "A much longer customer name than the column needs " * 2, None],
            "quantity": [1, 2, 3, 4],
            "money": [pd.NA, 1.5, 2.25, None],
        }
    ).astype({"money": object})
    books = {}
    for how, rows in (("cells", None), ("long", frame)):
        book = OpenpyxlBook.new()
        write = book.write_long_table if rows is not None else book.write_table
        ref = write("T", "Table1", frame)
        format_table(book.sheet("T"), ref, {"money": CURRENCY}, ("quantity",), rows=rows)
        fit_widths(book.sheet("T"), rows=rows)
        books[how] = openpyxl.load_workbook(book.save(tmp_path / f"{how}.xlsx"))["T"]
    cells, long = books["cells"], books["long"]
    assert [[c.value for c in row] for row in long.iter_rows()] == [[c.value for c in row] for row in cells.iter_rows()]
    assert [c.number_format for c in long["C"]] == [c.number_format for c in cells["C"]]
    assert {k: d.width for k, d in long.column_dimensions.items()} == {
        k: d.width for k, d in cells.column_dimensions.items()
    }
    assert long["A4"].alignment.wrap_text  # the long name wraps in both
