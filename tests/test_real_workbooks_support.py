"""The real-workbook corpus and its test support (``tests/real_workbooks.py``): a Control sheet injected as raw
XML is all that changes in each workbook, every reader sees it, and LibreOffice opens and recalculates the copy."""

from __future__ import annotations

import re
import warnings
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import openpyxl
import pytest

from tests.real_workbooks import (
    CONTENT_TYPES,
    CONTROL,
    CORPUS,
    OPENPYXL_CANNOT_LOAD,
    OPENPYXL_CANNOT_READ,
    OPENPYXL_SEES_NO_SHEETS,
    REAL,
    calamine_cells,
    calamine_sheet_names,
    calamine_values,
    cells_outside,
    changed_outside,
    changed_parts,
    compression,
    inserted_text,
    libreoffice_cells,
    libreoffice_values,
    opens_in_libreoffice,
    owned_parts,
    parts,
    registration_parts,
    rels_part,
    sheet_parts,
    with_control_sheet,
    workbook_part,
)

PERIOD = "2026-10-31"
NAMES = [path.name for path in CORPUS]


def _load(path: Path) -> openpyxl.Workbook:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # openpyxl warns of extensions it drops
        return openpyxl.load_workbook(path)


def test_the_corpus_is_small_and_documented() -> None:
    sources = (REAL / "SOURCES.md").read_text(encoding="utf-8")
    assert 12 <= len(CORPUS) <= 30
    assert all(path.stat().st_size < 300_000 for path in CORPUS)
    assert sum(path.stat().st_size for path in CORPUS) < 3_000_000
    assert all(f"`{path.name}`" in sources for path in CORPUS)
    assert set(OPENPYXL_CANNOT_READ) <= set(NAMES)


@pytest.mark.parametrize("source", CORPUS, ids=NAMES)
def test_openpyxl_loads_the_corpus_but_the_listed_files(source: Path) -> None:
    if source.name in OPENPYXL_CANNOT_LOAD:
        with pytest.raises((TypeError, IndexError)):  # see SOURCES.md for which raises what
            _load(source)
    elif source.name in OPENPYXL_SEES_NO_SHEETS:
        assert _load(source).sheetnames == []
    else:
        _load(source).close()


@pytest.mark.parametrize("source", CORPUS, ids=NAMES)
def test_the_control_sheet_is_the_only_change(source: Path, tmp_path: Path) -> None:
    target = with_control_sheet(source, tmp_path / source.name)
    before, after = parts(source), parts(target)
    added = sheet_parts(after)[CONTROL]
    edited = registration_parts(before)

    assert added not in before
    assert list(after) == [*before, added]  # same members in the same order, the new sheet last
    assert {name: kind for name, kind in compression(target).items() if name != added} == compression(source)
    assert changed_parts(before, after) == edited | {added}
    assert changed_outside(before, after, edited | {added}) == set()
    assert changed_outside(before, after, registration_parts(after) | owned_parts(after, [CONTROL])) == set()

    book = workbook_part(before)
    insertions = {name: inserted_text(before[name], after[name]) for name in edited}
    assert all(insertions.values()), insertions  # each edit is one insertion: nothing removed or rewritten
    assert f'PartName="/{added}"'.encode() in (insertions[CONTENT_TYPES] or b"")
    assert added.rsplit("/", 1)[-1].encode() in (insertions[rels_part(book)] or b"")
    assert b'name="Control"' in (insertions[book] or b"")
    for name in [*edited, added]:
        ElementTree.fromstring(after[name])  # noqa: S314 - still well-formed

    assert calamine_sheet_names(target) == [*calamine_sheet_names(source), CONTROL]
    control = calamine_values(target, CONTROL)
    assert (control[0][0], control[2][0], control[2][1]) == ("Control", "Period", PERIOD)
    for sheet in calamine_sheet_names(source):
        assert calamine_values(target, sheet) == calamine_values(source, sheet), sheet


@pytest.mark.parametrize(
    "source", [path for path in CORPUS if path.name not in OPENPYXL_CANNOT_READ], ids=lambda path: path.name
)
def test_openpyxl_reads_the_copy_like_the_original(source: Path, tmp_path: Path) -> None:
    target = with_control_sheet(source, tmp_path / source.name)
    original, copied = _load(source), _load(target)
    try:
        assert copied.sheetnames == [*original.sheetnames, CONTROL]
        control = copied[CONTROL]
        assert (control["A1"].value, control["A3"].value, control["B3"].value) == ("Control", "Period", PERIOD)
        worksheets = [sheet.title for sheet in original.worksheets]
    finally:
        original.close()
        copied.close()
    assert cells_outside(target, CONTROL) == {"A1": "Control", "A3": "Period", "B3": PERIOD}
    for sheet in worksheets[:4]:
        assert cells_outside(target, sheet) == cells_outside(source, sheet), sheet


def test_the_period_is_written_as_text(tmp_path: Path) -> None:
    source = REAL / "xlsxwriter_dynamic_array01.xlsx"
    target = with_control_sheet(source, tmp_path / "book.xlsx", period=" Q4 <2026> & more")
    assert calamine_values(target, CONTROL)[2][1] == " Q4 <2026> & more"


def test_with_control_sheet_refuses_a_second_control_sheet_and_its_own_source(tmp_path: Path) -> None:
    source = REAL / "poi_49156.xlsx"
    once = with_control_sheet(source, tmp_path / "once.xlsx")
    with pytest.raises(ValueError, match="already has a sheet named 'Control'"):
        with_control_sheet(once, tmp_path / "twice.xlsx")
    with pytest.raises(ValueError, match="target other than its source"):
        with_control_sheet(once, once)


def test_the_control_sheet_follows_the_workbooks_prefixes(tmp_path: Path) -> None:
    closedxml = with_control_sheet(REAL / "closedxml_InsertingTables.xlsx", tmp_path / "x.xlsx")
    assert b'<x:sheet name="Control" sheetId="2" r:id="' in parts(closedxml)["xl/workbook.xml"]
    declared_per_sheet = with_control_sheet(REAL / "calamine_nonstandard-xml-ns-prefix.xlsx", tmp_path / "ns.xlsx")
    assert (
        b'<sheet name="Control" sheetId="2" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/'
        b'relationships" r:id="rId4"/></sheets>' in parts(declared_per_sheet)["xl/workbook.xml"]
    )
    elsewhere = with_control_sheet(REAL / "sheetjs_wtf_path.xlsx", tmp_path / "wtf.xlsx")
    assert sheet_parts(elsewhere)[CONTROL] == "wtf/worksheets/sheet3.xml"
    assert {info.compress_type for info in zipfile.ZipFile(elsewhere).infolist()} == {
        zipfile.ZIP_STORED,
        zipfile.ZIP_DEFLATED,
    }
    high_ids = with_control_sheet(REAL / "poi_64473.xlsx", tmp_path / "ids.xlsx")
    assert b'<sheet name="Control" sheetId="36" r:id="rId27"/>' in parts(high_ids)["xl/workbook.xml"]


def test_owned_parts_are_a_sheets_part_and_its_relationships() -> None:
    source = REAL / "poi_Tables.xlsx"
    assert owned_parts(source, ["Exp1", "Exp2 (2)"]) == {
        "xl/worksheets/sheet1.xml",
        "xl/worksheets/_rels/sheet1.xml.rels",
        "xl/worksheets/sheet2.xml",
        "xl/worksheets/_rels/sheet2.xml.rels",
    }
    assert owned_parts(REAL / "poi_bug67784.xlsx", ["Sheet1"]) == {"xl/worksheets/sheet1.xml"}


def test_inserted_text() -> None:
    assert inserted_text(b"<a><b/></a>", b"<a><b/><c/></a>") == b"<c/>"
    assert inserted_text(b"abc", b"abc") is None
    assert inserted_text(b"abc", b"abd") is None
    assert inserted_text(b"abc", b"axbcd") is None
    assert inserted_text(b"abc", b"xabc") == b"x"


def test_cells_outside_leaves_out_the_ranges() -> None:
    source = REAL / "poi_simple-monthly-budget.xlsx"
    sheet = "Simple Monthly Budget"
    everything = cells_outside(source, sheet)
    assert everything["A1"] == "SIMPLE MONTHLY BUDGET"
    assert everything["E4"] == "=TotalMonthlyExpenses"
    rest = cells_outside(source, sheet, ["A1", "B3:C9", "E:E"])
    assert set(everything) - set(rest) == {ref for ref in everything if ref == "A1" or ref[0] == "E"} | {
        ref for ref in everything if ref[0] in "BC" and 3 <= int(ref[1:]) <= 9
    }
    assert set(calamine_cells(source, sheet)) - set(calamine_cells(source, sheet, ["1:1"])) == {"A1"}
    assert cells_outside(REAL / "xlsxwriter_dynamic_array01.xlsx", "Sheet1")["A1"] == (
        "array",
        "A1",
        "=AVERAGE(TIMEVALUE(B1:B2))",
    )


# --- LibreOffice: a handful of files, to stay quick ----------------------------------------------------------


LIBREOFFICE_SAMPLE = [
    "poi_64750.xlsx",  # Google Sheets, empty drawings
    "closedxml_InsertingTables.xlsx",  # x: prefixes
    "calamine_nonstandard-xml-ns-prefix.xlsx",  # relationships prefix declared per sheet
    "sheetjs_wtf_path.xlsx",  # workbook part at wtf/workbook.xml, openpyxl cannot load it
    "poi_ExcelWithAttachments.xlsm",  # VBA, OLE objects, EMF
]


@pytest.mark.parametrize("name", LIBREOFFICE_SAMPLE)
def test_libreoffice_opens_the_copy(name: str, tmp_path: Path) -> None:
    target = with_control_sheet(REAL / name, tmp_path / name)
    assert opens_in_libreoffice(target)
    control = libreoffice_values(target, CONTROL)
    assert (control[0][0], control[2][0], control[2][1]) == ("Control", "Period", PERIOD)


@pytest.mark.parametrize(
    ("name", "sheet"),
    [("sheetjs_LONumbers.xlsx", "Sheet1"), ("poi_simple-monthly-budget.xlsx", "Simple Monthly Budget")],
)
def test_libreoffice_recalculates_the_copy_like_the_original(name: str, sheet: str, tmp_path: Path) -> None:
    target = with_control_sheet(REAL / name, tmp_path / name)
    recalculated = libreoffice_cells(target, sheet)
    assert recalculated
    assert recalculated == libreoffice_cells(REAL / name, sheet)


def test_libreoffice_values_are_recalculated_not_cached(tmp_path: Path) -> None:
    """A formula whose cached value is stale reads back recalculated (LibreOffice's default is to keep it)."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet["A1"] = 2
    sheet["A2"] = "=A1*3"
    book.save(tmp_path / "fresh.xlsx")
    stale = tmp_path / "stale.xlsx"
    with zipfile.ZipFile(tmp_path / "fresh.xlsx") as fresh, zipfile.ZipFile(stale, "w") as out:
        for info in fresh.infolist():
            data = fresh.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                # openpyxl writes an empty cached value as <v /> or, when lxml is installed, as <v></v>
                data = re.sub(rb"<f>A1\*3</f><v\s*/>|<f>A1\*3</f><v></v>", b"<f>A1*3</f><v>99</v>", data)
                assert b"<v>99</v>" in data
            out.writestr(info, data)
    assert calamine_values(stale, sheet.title) == [[2], [99]]
    assert libreoffice_values(stale, sheet.title) == [[2], [6]]
