"""The headless refresh on packages of unusual shapes: real files (``tests/data/real``, see its SOURCES.md), and
copies of them edited by hand where no real file has the shape. What the refresh adds speaks the package's own
language (namespace prefixes, the Strict conformance class), style indexes count as Excel counts them and point
at records that exist, a workbook without styles gets them, new part names differ from every other without
regard to case, and every refusal of a file comes before any request reaches the API (the sandbox's request log
stays as it was).
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable
from datetime import date
from pathlib import Path
from xml.etree import ElementTree

import pytest
from click.testing import CliRunner

from tests.package_check import package_problems
from tests.real_workbooks import (
    REAL,
    calamine_values,
    libreoffice_values,
    parts,
    rels_part,
    sheet_parts,
    styles_part,
    with_control_sheet,
    workbook_part,
)
from xlbilling._cli import main
from xlbilling._errors import XlbillingError
from xlbilling._sandbox import Sandbox
from xlbilling._session.session import Session
from xlbilling._workbook.headless import refresh_file
from xlbilling._xlsx.package import TRANSITIONAL
from xlbilling._xlsx.sheetparts import with_table_parts

CT = "{http://schemas.openxmlformats.org/package/2006/content-types}"
PACKAGE_RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
STRICT_MAIN = "http://purl.oclc.org/ooxml/spreadsheetml/main"
STRICT_RELS = "http://purl.oclc.org/ooxml/officeDocument/relationships"
FIRST_PERIOD = [date(2025, 11, 1), date(2025, 11, 30), "November 2025", True]


@pytest.fixture
def session(formulas: Session) -> Session:
    return formulas


def refreshed(tmp_path: Path, session: Session, name: str, keys: tuple[str, ...] = ("periods",)) -> Path:
    """A copy of the real workbook ``name`` with a Control sheet, refreshed; no new package problem."""
    path = with_control_sheet(REAL / name, tmp_path / name)
    known = set(package_problems(path))
    refresh_file(path, list(keys), session)
    assert set(package_problems(path)) <= known, "every relationship resolves and every style index exists"
    return path


def edited(source: Path, target: Path, changes: dict[str, Callable[[bytes], bytes]], renames: dict[str, str]) -> Path:
    """A copy of the package ``source`` with some parts' bytes changed and some parts renamed (by hand)."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for info in old.infolist():
            data = changes.get(info.filename, bytes)(old.read(info))
            new.writestr(renames.get(info.filename, info.filename), data, info.compress_type)
    return target


def test_package_xml_written_with_a_prefix_gets_its_new_entries_in_that_prefix(
    tmp_path: Path, session: Session
) -> None:
    path = refreshed(tmp_path, session, "poi_58760.xlsx")  # <ns0:Types>, <ns0:Relationships>, <s:workbook>
    after = parts(path)
    sheet = sheet_parts(after)["Periods"]
    types = ElementTree.fromstring(after["[Content_Types].xml"])  # noqa: S314
    assert {o.get("PartName") for o in types.iter(f"{CT}Override")} >= {f"/{sheet}", "/xl/tables/table1.xml"}
    assert f'<ns0:Override PartName="/{sheet}"'.encode() in after["[Content_Types].xml"]
    rels = ElementTree.fromstring(after["xl/_rels/workbook.xml.rels"])  # noqa: S314
    assert sheet.rpartition("/")[2] in {
        r.get("Target", "").rpartition("/")[2] for r in rels.iter(f"{PACKAGE_RELS}Relationship")
    }
    assert (
        b'<s:sheet xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" name="Periods"'
        in (after["xl/workbook.xml"])
    )
    assert calamine_values(path, "Periods")[3] == FIRST_PERIOD


def test_styles_in_alternate_content_are_counted_as_excel_counts_them(tmp_path: Path, session: Session) -> None:
    path = refreshed(tmp_path, session, "poi_style-alternate-content.xlsx")  # written by Hancom Hancell
    styles = parts(path)["xl/styles.xml"]
    # 29 cell formats as Excel reads them (each mc:AlternateContent one entry): the date format is number 29
    assert re.search(rb'<x:cellXfs count="30">', styles)
    cells = parts(path)[sheet_parts(path)["Periods"]]
    assert re.search(rb'<c r="A4" s="29">', cells), "the dates use the format appended as the 30th"
    assert libreoffice_values(path, "Periods")[3] == FIRST_PERIOD  # LibreOffice reads one branch too


def _without_a_fallback_xf(styles: bytes) -> bytes:
    """The styles part with the first mc:Fallback of its cell formats emptied: its branches then disagree."""
    start = styles.index(b"<x:cellXfs")
    fallback = re.compile(rb"<mc:Fallback>.*?</mc:Fallback>", re.S).search(styles, start)
    assert fallback is not None
    return styles[: fallback.start()] + b"<mc:Fallback/>" + styles[fallback.end() :]


def test_an_appended_cell_format_points_only_at_records_that_exist(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory, session: Session
) -> None:
    path = refreshed(tmp_path, session, "sheetjs_xlsx-stream-d-date-cell.xlsx")  # no cellStyleXfs at all
    styles = ElementTree.fromstring(parts(path)[str(styles_part(path))])  # noqa: S314
    main = styles.tag.rpartition("}")[0] + "}"
    assert len(styles.findall(f"{main}cellStyleXfs/{main}xf")) == 1, "the cell style format xfId 0 names is added"
    bare = edited(
        REAL / "sheetjs_xlsx-stream-d-date-cell.xlsx",
        tmp_path_factory.mktemp("by-hand") / "bare.xlsx",  # no fills, no borders: the copy is broken
        {"xl/styles.xml": lambda xml: re.sub(rb"<fills.*?</fills><borders.*?</borders>", b"", xml, flags=re.S)},
        {},
    )
    path = with_control_sheet(bare, tmp_path / "bare-control.xlsx")
    refresh_file(path, ["periods"], session)
    styles = ElementTree.fromstring(parts(path)["xl/styles.xml"])  # noqa: S314
    lists = [child.tag.rpartition("}")[2] for child in styles]
    assert lists[:6] == ["numFmts", "fonts", "fills", "borders", "cellStyleXfs", "cellXfs"], "in the schema's order"
    assert [len(styles.findall(f"{main}{name}/*")) for name in ("fills", "borders")] == [2, 1]
    assert not [p for p in package_problems(path) if "entry 8" in p], "the appended format's fill and border exist"
    assert calamine_values(path, "Periods")[3] == FIRST_PERIOD


@pytest.mark.parametrize("name", ["poi_56278.xlsx", "poi_59021.xlsx"])
def test_a_workbook_without_a_styles_part_gets_one(tmp_path: Path, session: Session, name: str) -> None:
    path = refreshed(tmp_path, session, name, ("periods", "summary"))
    after = parts(path)
    styles = styles_part(after)
    assert styles == "xl/styles.xml" and styles not in parts(REAL / name)
    types = ElementTree.fromstring(after["[Content_Types].xml"])  # noqa: S314
    assert "application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml" in {
        o.get("ContentType") for o in types.iter(f"{CT}Override") if o.get("PartName") == "/xl/styles.xml"
    }
    assert calamine_values(path, "Periods")[3] == FIRST_PERIOD
    if name == "poi_56278.xlsx":
        assert libreoffice_values(path, "Periods")[3] == FIRST_PERIOD


STYLES_TYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles"
STYLES_CONTENT = "application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"


def test_a_workbook_naming_a_styles_part_it_lacks_gets_it_there(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory, session: Session
) -> None:
    # exceljs's test-issue-771.xlsx has this shape (a styles relationship and content type, no part); made by hand
    rel = f'<Relationship Id="rId99" Type="{STYLES_TYPE}" Target="styles.xml"/>'.encode()
    listed = f'<Override PartName="/xl/styles.xml" ContentType="{STYLES_CONTENT}"/>'.encode()
    source = edited(
        REAL / "poi_56278.xlsx",
        tmp_path_factory.mktemp("by-hand") / "named.xlsx",
        {
            "xl/_rels/workbook.xml.rels": lambda xml: xml.replace(b"</Relationships>", rel + b"</Relationships>"),
            "[Content_Types].xml": lambda xml: xml.replace(b"</Types>", listed + b"</Types>"),
        },
        {},
    )
    path = with_control_sheet(source, tmp_path / "named.xlsx")
    refresh_file(path, ["periods"], session)
    after = parts(path)
    assert styles_part(after) == "xl/styles.xml" and package_problems(path) == []
    assert after["xl/_rels/workbook.xml.rels"].count(STYLES_TYPE.encode()) == 1, "no second styles relationship"
    assert after["[Content_Types].xml"].count(b'PartName="/xl/styles.xml"') == 1
    assert calamine_values(path, "Periods")[3] == FIRST_PERIOD  # a reader takes the first styles relationship


def test_a_strict_workbook_gets_strict_sheets_tables_and_relationships(tmp_path: Path, session: Session) -> None:
    path = refreshed(tmp_path, session, "poi_SimpleStrict.xlsx", ("periods", "summary"))  # saved by Excel, Strict
    after = parts(path)
    book = workbook_part(after)
    for sheet in ("Periods", "Summary"):
        part = sheet_parts(after)[sheet]
        assert ElementTree.fromstring(after[part]).tag == f"{{{STRICT_MAIN}}}worksheet"  # noqa: S314
        (table,) = [n for n in after if "/tables/" in n and ElementTree.fromstring(after[n]).get("name") == sheet]  # noqa: S314
        assert ElementTree.fromstring(after[table]).tag == f"{{{STRICT_MAIN}}}table"  # noqa: S314
        assert f'Type="{STRICT_RELS}/table"'.encode() in after[rels_part(part)]
        assert f'xmlns:r="{STRICT_RELS}" r:id='.encode() in after[part]
    assert (
        f'Type="{STRICT_RELS}/worksheet" Target="{sheet_parts(after)["Periods"].partition("/")[2]}"'.encode()
        in (after[rels_part(book)])
    )
    assert libreoffice_values(path, "Periods")[3] == FIRST_PERIOD
    assert calamine_values(path, "Summary")[2][:3] == ["customer_code", "customer_name", "account_code"]


def test_a_workbook_counting_dates_from_1904_gets_its_dates_in_that_system(tmp_path: Path, session: Session) -> None:
    path = refreshed(tmp_path, session, "xlsxwriter_date_1904_02.xlsx")  # saved by Excel with date1904="1"
    cells = parts(path)[sheet_parts(path)["Periods"]]
    assert re.search(rb'<c r="A4" s="\d+"><v>44500(\.0)?</v></c>', cells), "2025-11-01 is 44500 days after 1904-01-01"
    assert calamine_values(path, "Periods")[3] == FIRST_PERIOD
    assert libreoffice_values(path, "Periods")[3] == FIRST_PERIOD


def test_new_part_names_differ_from_every_other_without_regard_to_case(tmp_path: Path, session: Session) -> None:
    # Sheet1.xml to Sheet5.xml, the relationships of Sheet1.xml spelled sheet1.xml.rels (written so by Excel)
    path = refreshed(tmp_path, session, "poi_123233_charts.xlsx", ("periods", "summary"))
    names = [name.lower() for name in parts(path)]
    assert len(names) == len(set(names))
    summary = sheet_parts(path)["Summary"]
    table = next(n for n in parts(path) if n.startswith("xl/tables/") and b'name="Summary"' in parts(path)[n])
    upper = {summary: summary.replace("/sheet", "/Sheet"), table: table.replace("/table", "/TABLE")}

    def renamed(data: bytes) -> bytes:
        for old, new in upper.items():
            data = data.replace(old.rpartition("/")[2].encode(), new.rpartition("/")[2].encode())
        return data

    registers = {"[Content_Types].xml": renamed, "xl/_rels/workbook.xml.rels": renamed, rels_part(summary): renamed}
    again = edited(path, tmp_path / "upper.xlsx", registers, upper)  # the sheet's rels part keeps its lower case
    known = set(package_problems(again))
    refresh_file(again, ["summary", "customers"], session)  # finds the Summary table through sheet7.xml.rels
    after = parts(again)
    names = [name.lower() for name in after]
    assert len(names) == len(set(names)), "no part name repeats another but for case"
    assert (
        upper[table] in after
        and sum(1 for n in after if n.lower().endswith(".xml.rels"))
        == len([n for n in parts(path) if n.lower().endswith(".xml.rels")]) + 1
    ), "the Customers sheet's relationships are the only new ones"
    assert set(package_problems(again)) <= known
    assert calamine_values(again, "Summary")[2][0] == "customer_code"


DATA_BAR_TAIL = (  # the end of a sheet with a data bar, as Excel 2010 and later write it (by hand from its shape)
    '<conditionalFormatting sqref="A1:A4"><cfRule type="dataBar" priority="1"><dataBar><cfvo type="min"/>'
    '<cfvo type="max"/><color rgb="FF638EC6"/></dataBar><extLst><ext uri="{B025F937-C7B1-47D3-B67F-A62EFF666E3E}" '
    'xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main"><x14:id>{0A1B2C3D-0000-4000-8000-'
    '000000000001}</x14:id></ext></extLst></cfRule></conditionalFormatting><pageMargins left="0.7" right="0.7" '
    'top="0.75" bottom="0.75" header="0.3" footer="0.3"/><extLst><ext uri="{78C0D931-6437-407d-A8EE-F0AAD7539E65}" '
    'xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main"><x14:conditionalFormattings/></ext>'
    "</extLst></worksheet>"
)


def test_a_table_list_goes_before_the_sheets_own_extensions_not_into_a_rules() -> None:
    tail = with_table_parts(["rId7"], TRANSITIONAL.rels, DATA_BAR_TAIL.encode())
    sheet = ElementTree.fromstring(f'<worksheet xmlns="{TRANSITIONAL.main}"><sheetData/>'.encode() + tail)  # noqa: S314
    assert [child.tag.rpartition("}")[2] for child in sheet] == [
        "sheetData", "conditionalFormatting", "pageMargins", "tableParts", "extLst"
    ]  # fmt: skip
    assert b"tablePart" not in tail[: tail.index(b"</conditionalFormatting>")]


# --- refusals come before any request ----------------------------------------------------------------------


def _no_sheet_data(path: Path, session: Session, target: Path) -> Path:
    refresh_file(path, ["periods"], session)
    part = sheet_parts(path)["Periods"]
    return edited(path, target, {part: lambda xml: re.sub(rb"<sheetData>.*</sheetData>", b"", xml, flags=re.S)}, {})


def _as_it_is(path: Path, session: Session, target: Path) -> Path:
    return path


def _without_control(path: Path, session: Session, target: Path) -> Path:
    return edited(REAL / path.name.removeprefix("control-"), target, {}, {})


REFUSED = {
    "not a billing workbook": ("poi_49156.xlsx", _without_control, r"poi_49156\.xlsx is not a billing workbook"),
    "a user's sheet named Summary": ("poi_55406_Conditional_formatting_sample.xlsx", _as_it_is, "has no Summary table"),
    "styles that are not XML": (
        "poi_58760.xlsx",
        lambda path, session, target: edited(path, target, {"xl/styles.xml": lambda xml: xml[:200]}, {}),
        "the styles part cannot be read",
    ),
    "styles whose alternatives differ in length": (
        "poi_style-alternate-content.xlsx",
        lambda path, session, target: edited(path, target, {"xl/styles.xml": _without_a_fallback_xf}, {}),
        "lists cellXfs in alternative versions of different lengths",
    ),
    "content types that are not XML": (
        "poi_58760.xlsx",
        lambda path, session, target: edited(path, target, {"[Content_Types].xml": lambda xml: xml[:-20]}, {}),
        r"the part \[Content_Types\]\.xml cannot be read",
    ),
    "xlbilling's sheet without cells": ("poi_64750.xlsx", _no_sheet_data, "A worksheet has no cell data part"),
}


@pytest.mark.broken_files
@pytest.mark.parametrize("shape", REFUSED)
def test_a_file_is_refused_before_any_request(tmp_path: Path, session: Session, sandbox: Sandbox, shape: str) -> None:
    name, make, message = REFUSED[shape]
    path = make(with_control_sheet(REAL / name, tmp_path / f"control-{name}"), session, tmp_path / name)
    before, asked, heard = path.read_bytes(), len(sandbox.requests), []
    with pytest.raises(XlbillingError, match=message):
        refresh_file(path, ["periods", "summary"], session, progress=heard.append)
    assert sandbox.requests[asked:] == [] and heard == [], "nothing was fetched, nothing said about fetching"
    assert path.read_bytes() == before and not path.with_name(path.name + ".bak").exists()


@pytest.mark.broken_files
def test_the_command_refuses_a_file_in_one_line_and_fetches_nothing(
    tmp_path: Path, sandbox_env: None, sandbox: Sandbox
) -> None:
    path = edited(
        with_control_sheet(REAL / "poi_style-alternate-content.xlsx", tmp_path / "control.xlsx"),
        tmp_path / "hancell.xlsx",
        {"xl/styles.xml": _without_a_fallback_xf},
        {},
    )
    asked = len(sandbox.requests)
    result = CliRunner().invoke(main, ["refresh", str(path), "--only", "periods"])
    assert result.exit_code != 0 and "fetching" not in result.output
    assert result.stderr.strip().splitlines() == [
        "error: hancell.xlsx: the styles part lists cellXfs in alternative versions of different lengths. "
        "Open and save the workbook in Excel."
    ]
    assert sandbox.requests[asked:] == []
