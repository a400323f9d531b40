"""The headless refresh on real workbooks that other programs wrote (``tests/data/real/``): xlbilling's tables
are added and every other byte of the user's workbook stays as it was.

Each file gets a Control sheet by raw-XML injection (``tests/real_workbooks.py``), is refreshed against the
sandbox over loopback, and is then read back part by part, with openpyxl and calamine, and in LibreOffice.
"""

from __future__ import annotations

import re
import shutil
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from tests.package_check import package_problems
from tests.real_workbooks import (
    CALAMINE_MISCOUNTS_STYLES,
    CORPUS,
    OPENPYXL_CANNOT_READ,
    calamine_values,
    changed_parts,
    libreoffice_cells,
    libreoffice_values,
    opens_in_libreoffice,
    parts,
    registration_parts,
    sheet_parts,
    styles_part,
    with_control_sheet,
)
from xlbilling._errors import InputError
from xlbilling._session.session import Session
from xlbilling._workbook.headless import refresh_file

KEYS = ["periods", "customers", "summary"]
IN_LIBREOFFICE = ("poi_simple-monthly-budget.xlsx", "poi_64473.xlsx", "poi_ExcelWithAttachments.xlsm",
                  "sheetjs_LONumbers.xlsx", "poi_64750.xlsx", "closedxml_InsertingTables.xlsx")  # fmt: skip
ONE_SUMMARY = "poi_55406_Conditional_formatting_sample.xlsx"  # the user has a sheet called "Summary"


def refreshable(path: Path) -> bool:
    return path.name != ONE_SUMMARY


@pytest.fixture
def session(formulas: Session) -> Session:
    return formulas


@pytest.mark.parametrize("source", [p for p in CORPUS if refreshable(p)], ids=lambda p: p.name)
def test_a_refresh_changes_nothing_but_its_own_tables(tmp_path: Path, session: Session, source: Path) -> None:
    path = with_control_sheet(source, tmp_path / source.name)
    before, broken = parts(path), set(package_problems(path))
    refresh_file(path, KEYS, session)
    after = parts(path)
    ours = {sheet_parts(after)[name] for name in ("Periods", "Customers", "Summary")}
    new = set(after) - set(before)
    assert ours <= new, "xlbilling's sheets are added"
    rels = {f"{part.rpartition('/')[0]}/_rels/{part.rpartition('/')[2]}.rels" for part in ours}
    tables = {name for name in new if name.rpartition("/")[0].endswith("/tables") or name.startswith("tables/")}
    styles = styles_part(before)
    made = set() if styles else {styles_part(after)}  # a workbook without styles gets them
    assert new - ours == rels | tables | made and len(tables) == 3, "each new sheet has its table and nothing more"
    assert changed_parts(before, after) - new <= registration_parts(before) | {styles}, "no other part changes"
    assert set(package_problems(path)) <= broken, "every relationship resolves and every style index exists"
    assert path.with_name(path.name + ".bak").read_bytes() != path.read_bytes()
    read = libreoffice_values if source.name in CALAMINE_MISCOUNTS_STYLES else calamine_values
    periods = read(path, "Periods")
    assert periods[2] == ["period_start", "period_end", "name", "is_closed"]
    assert periods[3][:2] == [date(2025, 11, 1), date(2025, 11, 30)] and len(periods) == 3 + 13
    assert str(periods[0][0]).startswith("Periods: 13 rows, from http://127.0.0.1:")
    if source.name not in OPENPYXL_CANNOT_READ:
        book = openpyxl.load_workbook(path)
        assert book["Summary"].tables["Summary"].ref.startswith("A3:I")
        assert book["Control"]["B3"].value == "2026-10-31"
    summary = sheet_parts(after)["Summary"]
    again = refresh_file(path, ["summary"], session)  # a second refresh rewrites that sheet and its table only
    table = next(name for name in tables if name.rpartition("/")[2] == _table_of(after, summary))
    assert changed_parts(after, parts(path)) <= {summary, table}
    assert set(package_problems(path)) <= broken
    if source.name not in OPENPYXL_CANNOT_READ:
        assert again[0].ref == openpyxl.load_workbook(path)["Summary"].tables["Summary"].ref


def _table_of(package: dict[str, bytes], sheet: str) -> str:
    """The file name of the one table part the relationships of ``sheet`` name."""
    rels = package[f"{sheet.rpartition('/')[0]}/_rels/{sheet.rpartition('/')[2]}.rels"].decode()
    return re.findall(r'Target="[^"]*?([^/"]+)"', rels)[0]


@pytest.mark.parametrize("name", IN_LIBREOFFICE)
def test_libreoffice_opens_the_refreshed_file_and_its_formulas_give_what_they_gave(
    tmp_path: Path, session: Session, name: str
) -> None:
    source = next(p for p in CORPUS if p.name == name)
    path = with_control_sheet(source, tmp_path / name)
    sheets = [sheet for sheet in sheet_parts(parts(path)) if sheet != "Control"]
    before = {sheet: libreoffice_cells(path, sheet) for sheet in sheets[:2]}
    refresh_file(path, KEYS, session)
    assert opens_in_libreoffice(path)
    for sheet, cells in before.items():
        assert libreoffice_cells(path, sheet) == cells, sheet
    assert libreoffice_values(path, "Summary")[2][:3] == ["customer_code", "customer_name", "account_code"]


def test_a_users_sheet_named_like_xlbillings_is_refused_and_the_file_is_untouched(
    tmp_path: Path, session: Session
) -> None:
    source = next(p for p in CORPUS if p.name == ONE_SUMMARY)
    path = with_control_sheet(source, tmp_path / source.name)
    before = path.read_bytes()
    with pytest.raises(InputError, match="The sheet 'Summary' has no Summary table: it is not xlbilling's"):
        refresh_file(path, KEYS, session)
    assert path.read_bytes() == before and not path.with_name(path.name + ".bak").exists()


def test_a_workbook_without_a_control_sheet_or_tables_is_refused_before_anything_is_fetched(
    tmp_path: Path, session: Session
) -> None:
    path = tmp_path / "budget.xlsx"
    shutil.copyfile(next(p for p in CORPUS if p.name == "poi_simple-monthly-budget.xlsx"), path)
    asked = len(session.cache.entries())
    with pytest.raises(InputError, match=r"budget\.xlsx is not a billing workbook: it has no Control sheet"):
        refresh_file(path, KEYS, session)
    assert len(session.cache.entries()) == asked and not path.with_name("budget.xlsx.bak").exists()
