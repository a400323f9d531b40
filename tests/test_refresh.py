"""Headless refresh of a closed workbook file: tables updated, everything of the user's kept."""

from __future__ import annotations

import re
import shutil
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner
from oletools.olevba import VBA_Parser
from openpyxl.chart import LineChart, Reference
from openpyxl.workbook.defined_name import DefinedName

from tests.excel_support import counting_session
from tests.real_workbooks import cells_outside, parts, sheet_parts, with_control_sheet
from tests.test_report_build import build
from xlbilling import load_mapping, reconcile
from xlbilling._apis.atria import Atria
from xlbilling._apis.xarios import Xarios
from xlbilling._cli import main
from xlbilling._errors import ApiUnreachable, DataError, InputError
from xlbilling._sandbox import Sandbox
from xlbilling._session.session import Session
from xlbilling._values.period import Period
from xlbilling._workbook.headless import refresh_file
from xlbilling._workbook.tables import refresh
from xlbilling._xlsx.book import OpenpyxlBook

TEMPLATE = Path(__file__).parents[1] / "templates" / "billing.xlsx"
MAPPING = Path(__file__).parents[1] / "xlbilling" / "_sandbox" / "data" / "product-map.csv"


@pytest.fixture
def session(sandbox: Sandbox) -> Session:
    return counting_session(sandbox.url, sandbox.token)[0]


@pytest.fixture
def users_workbook(tmp_path: Path, period: Period) -> Iterator[Path]:
    """The template after a user picked a period and added a note, a sheet, a formula, a chart and a name."""
    path = tmp_path / "billing.xlsx"
    wb = openpyxl.load_workbook(TEMPLATE)
    wb["Control"]["B3"] = period.end
    wb["Control"]["E20"] = "ask Sam about CUST0007"
    mine = wb.create_sheet("My sheet")
    for row in range(1, 6):
        mine.cell(row=row, column=1, value=row * 10)
    mine["B1"] = "=SUM(Summary!H4:H10)"
    chart = LineChart()
    chart.title = "My trend"
    chart.add_data(Reference(mine, min_col=1, min_row=1, max_row=5))
    mine.add_chart(chart, "D2")
    wb.defined_names["MyNumbers"] = DefinedName("MyNumbers", attr_text="'My sheet'!$A$1:$A$5")
    wb.save(path)
    yield path


def charts(path: Path) -> list[bytes]:
    """Every chart part of a workbook, as stored."""
    with zipfile.ZipFile(path) as archive:
        return sorted(archive.read(n) for n in archive.namelist() if re.match(r"xl/charts/[^/]+\.xml$", n))


def test_refresh_updates_the_tables_and_keeps_everything_else(
    users_workbook: Path, session: Session, atria: Atria, period: Period
) -> None:
    before = users_workbook.read_bytes()
    charts_before = charts(users_workbook)
    written = refresh_file(users_workbook, ["summary", "periods", "changes"], session)
    assert [item.table for item in written] == ["Summary", "Periods", "Changes"]

    wb = openpyxl.load_workbook(users_workbook)
    summary = atria.summary(period)
    assert wb["Summary"].tables["Summary"].ref == f"A3:I{3 + len(summary)}"
    assert wb["Summary"]["I4"].value == summary["difference"].iloc[0]
    assert wb["Periods"]["B4"].value.date() == atria.periods()["period_end"].iloc[0].date()
    assert wb["Control"]["E20"].value == "ask Sam about CUST0007"
    assert wb["Control"]["B3"].value.date() == period.end
    assert wb["My sheet"]["B1"].value == "=SUM(Summary!H4:H10)"
    assert wb.defined_names["MyNumbers"].attr_text == "'My sheet'!$A$1:$A$5"
    assert [str(dv.sqref) for dv in wb["Control"].data_validations.dataValidation] == ["B3", "B4", "B5", "B10", "B12"]
    assert wb["Detail"]["A1"].value.startswith("Not refreshed yet"), "tables not asked for are left alone"
    charts_after = charts(users_workbook)
    mine = [chart for chart in charts_before if b"My trend" in chart]
    assert len(charts_before) == 2 and len(mine) == 1 and mine[0] in charts_after, "the user's chart: same bytes"
    changes = int(wb["Dashboard"].tables["Changes"].ref.split(":")[1][1:])
    (ours,) = [chart for chart in charts_after if chart not in mine]
    assert f"'Dashboard'!$A$4:$A${changes}<".encode() in ours, "the Dashboard chart reads the rows it has"
    assert f"'Dashboard'!$E$4:$E${changes}<".encode() in ours
    assert any(b"'My sheet'!$A$1:$A$5" in chart for chart in charts_before)
    assert [len(wb[name]._charts) for name in ("Dashboard", "My sheet")] == [1, 1]
    assert users_workbook.with_name("billing.xlsx.bak").read_bytes() == before
    assert sorted(p.name for p in users_workbook.parent.iterdir()) == ["billing.xlsx", "billing.xlsx.bak"]


def test_an_xlsm_keeps_its_vba(tmp_path: Path, session: Session) -> None:
    import xlwings

    path = with_control_sheet(Path(xlwings.__file__).parent / "quickstart.xlsm", tmp_path / "macro.xlsm")
    vba = parts(path)["xl/vbaProject.bin"]

    def modules(file: Path) -> dict[str, str]:
        parser = VBA_Parser(str(file))
        try:
            return {name: code for _, _, name, code in parser.extract_macros()}
        finally:
            parser.close()

    before = modules(path)
    refresh_file(path, ["periods"], session)
    assert before and modules(path) == before and parts(path)["xl/vbaProject.bin"] == vba
    assert "Periods" in openpyxl.load_workbook(path, keep_vba=True).sheetnames


Edit = Callable[[bytes], bytes]


def _edited(source: Path, target: Path, edits: dict[str, Edit]) -> Path:
    """A copy of the package ``source`` with ``edits`` applied (a missing part starts empty)."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for item in old.infolist():
            data = old.read(item)
            new.writestr(item, edits[item.filename](data) if item.filename in edits else data)
        for name in set(edits) - set(old.namelist()):
            new.writestr(name, edits[name](b""))
    return target


def _before_end(text: str) -> Edit:
    """Insert ``text`` before the closing tag of the root element."""
    return lambda data: re.sub(rb"(</[\w:]+>)\s*$", lambda m: text.encode() + m[1], data)


SHAPE = (  # its own xmlns:a: openpyxl declares it on the root only when it writes without lxml
    '<twoCellAnchor xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main">'
    "<from><col>10</col><colOff>0</colOff><row>20</row><rowOff>0</rowOff></from>"
    "<to><col>13</col><colOff>0</colOff><row>23</row><rowOff>0</rowOff></to>"
    '<sp macro="" textlink=""><nvSpPr><cNvPr id="9" name="Note 1"/><cNvSpPr txBox="1"/></nvSpPr>'
    '<spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="1000000" cy="500000"/></a:xfrm>'
    '<a:prstGeom prst="rect"><a:avLst/></a:prstGeom></spPr>'
    "<txBody><a:bodyPr/><a:lstStyle/><a:p><a:r><a:t>Check with Sam</a:t></a:r></a:p></txBody></sp>"
    "<clientData/></twoCellAnchor>"
)
CHART_EXTENSION = (
    '<extLst><ext uri="{56B9EC1D-385E-4148-901F-78D8002777C0}" '
    'xmlns:c16r3="http://schemas.microsoft.com/office/drawing/2017/03/chart">'
    '<c16r3:dataDisplayOptions16><c16r3:dispNaAsBlank val="1"/></c16r3:dataDisplayOptions16></ext></extLst>'
)
STYLE_TYPE = "application/vnd.ms-office.chartstyle+xml"


def _shapes_only(data: bytes) -> bytes:
    """The drawing with its chart's anchor replaced by a text box (its relationship to the chart stays, unused)."""
    return re.sub(rb"<oneCellAnchor>.*?</oneCellAnchor>", SHAPE.encode(), data, flags=re.S)


def test_excel_made_chart_parts_and_shapes_next_to_a_chart_are_kept_byte_for_byte(
    tmp_path: Path, session: Session
) -> None:
    style = b'<cs:chartStyle xmlns:cs="http://schemas.microsoft.com/office/drawing/2012/chartStyle" id="201"/>'
    path = _edited(TEMPLATE, tmp_path / "excel.xlsx", {
        "xl/drawings/drawing1.xml": _before_end(SHAPE),
        "xl/charts/chart1.xml": _before_end(CHART_EXTENSION),
        "xl/charts/style1.xml": lambda _: style,
        "xl/charts/_rels/chart1.xml.rels": lambda _: (
            b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            b'<Relationship Id="rId1" Type="http://schemas.microsoft.com/office/2011/relationships/chartStyle" '
            b'Target="style1.xml"/></Relationships>'
        ),
        "[Content_Types].xml": _before_end(f'<Override PartName="/xl/charts/style1.xml" ContentType="{STYLE_TYPE}"/>'),
    })  # fmt: skip
    with zipfile.ZipFile(path) as archive:
        drawing, chart = archive.read("xl/drawings/drawing1.xml"), archive.read("xl/charts/chart1.xml")

    refresh_file(path, ["periods", "changes"], session)
    refresh_file(path, ["changes"], session)

    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    assert parts["xl/drawings/drawing1.xml"] == drawing
    last_row = rb"\$\d+</f>"  # the chart reads the Changes rows there are; every other byte is kept
    assert re.sub(last_row, b"</f>", parts["xl/charts/chart1.xml"]) == re.sub(last_row, b"</f>", chart)
    assert CHART_EXTENSION.encode() in parts["xl/charts/chart1.xml"]
    assert parts["xl/charts/style1.xml"] == style, "the parts keep their names and bytes"
    assert f'PartName="/xl/charts/style1.xml" ContentType="{STYLE_TYPE}"'.encode() in parts["[Content_Types].xml"]
    assert b"Check with Sam" in drawing
    wb = openpyxl.load_workbook(path)
    assert len(wb["Dashboard"]._charts) == 1 and wb["Dashboard"].tables["Changes"].ref.startswith("A3:E")


@pytest.mark.parametrize(
    ("part", "edit"),
    [
        ("xl/drawings/drawing1.xml", _shapes_only),  # a drawing of shapes only
        ("xl/worksheets/sheet1.xml",
         _before_end('<extLst><ext uri="{05C60535-1F16-4fd2-B633-F4F36F0B64E0}" '
                     'xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main">'
                     "<x14:sparklineGroups/></ext></extLst>")),
        ("xl/slicers/slicer1.xml", lambda _: b"<slicers/>"),
        ("xl/threadedComments/threadedComment1.xml", lambda _: b"<ThreadedComments/>"),
    ],
)  # fmt: skip
def test_what_openpyxl_would_lose_is_kept_byte_for_byte(
    tmp_path: Path, session: Session, part: str, edit: Edit
) -> None:
    path = _edited(TEMPLATE, tmp_path / "fancy.xlsx", {part: edit})
    original = path.read_bytes()
    with zipfile.ZipFile(path) as archive:
        before = {name: archive.read(name) for name in archive.namelist()}
    refresh_file(path, ["periods"], session)
    with zipfile.ZipFile(path) as archive:
        after = {name: archive.read(name) for name in archive.namelist()}
    assert after[part] == before[part]
    sheets = sheet_parts(path)  # the Periods sheet and its table; the Fetched sheet and its table
    tables = {
        name for name in after if name.startswith("xl/tables/") and re.search(rb'name="(Periods|Fetched)"', after[name])
    }
    changed = {name for name in before if after[name] != before[name]}
    assert changed <= {sheets["Periods"], sheets["Fetched"], *tables, "xl/styles.xml", "xl/workbook.xml"}, changed
    assert path.with_name("fancy.xlsx.bak").read_bytes() == original


def test_an_outage_leaves_the_file_untouched(tmp_path: Path, sandbox: Sandbox, closed_port: int) -> None:
    down, _ = counting_session(f"http://127.0.0.1:{closed_port}", sandbox.token)
    path = tmp_path / "billing.xlsx"
    shutil.copyfile(TEMPLATE, path)
    with pytest.raises(ApiUnreachable):
        refresh_file(path, None, down)
    assert path.read_bytes() == TEMPLATE.read_bytes() and not path.with_name("billing.xlsx.bak").exists()


def test_other_formats_are_refused(tmp_path: Path, session: Session) -> None:
    with pytest.raises(InputError, match=r"old.xls is not an .xlsx or .xlsm workbook"):
        refresh_file(tmp_path / "old.xls", None, session)


def test_the_command_refreshes_a_copy_of_the_template(tmp_path: Path, sandbox_env: None, atria: Atria) -> None:
    path = tmp_path / "billing.xlsx"
    shutil.copyfile(TEMPLATE, path)
    result = CliRunner().invoke(main, ["refresh", str(path), "--only", "periods,customers"])
    assert result.exit_code == 0, result.output
    assert (
        result.stdout.strip()
        == f"{path}: Refreshed Periods ({len(atria.periods())} rows), Customers ("
        + str(len(atria.customers()))
        + " rows)."
    )
    steps = [line for line in result.stderr.splitlines() if line.endswith("…")]
    assert steps == ["fetching Periods…", "fetching Customers…", "writing billing.xlsx…"], "each step is shown"
    bad = CliRunner().invoke(main, ["refresh", str(path), "--only", "summry"])
    assert bad.exit_code == 2 and "Unknown table name: summry. Choose from: periods, customers" in bad.stderr


def test_any_day_of_a_period_refreshes_that_period_and_stamps_its_real_end(
    tmp_path: Path, session: Session, atria: Atria, period: Period
) -> None:
    path = tmp_path / "billing.xlsx"
    wb = openpyxl.load_workbook(TEMPLATE)
    row = atria.periods().set_index("period_end").loc[pd.Timestamp(period.end)]
    middle = row["period_start"].date() + (period.end - row["period_start"].date()) / 2
    assert middle < period.end
    wb["Control"]["B3"] = middle
    wb["Control"]["B4"] = atria.customers()["customer_name"].iloc[0].upper()
    wb.save(path)
    refresh_file(path, ["summary", "detail"], session)
    wb = openpyxl.load_workbook(path)
    assert f"rows for the period ending {period.end.isoformat()}," in wb["Summary"]["A1"].value
    assert wb["Summary"].tables["Summary"].ref == f"A3:I{3 + len(atria.summary(period))}"
    code = atria.customers()["customer_code"].iloc[0]
    detail = atria.detail(period, code)
    assert wb["Detail"].tables["Detail"].ref.endswith(str(3 + len(detail)))
    assert {c.value for c in wb["Detail"]["D"][3:]} == {code}, "a customer's name on Control means its code"


def test_the_reconciliation_sheet_lists_unmapped_entities_and_invoice_checks_beside_the_detail(
    tmp_path: Path, session: Session, atria: Atria, xarios: Xarios, period: Period
) -> None:
    path = tmp_path / "billing.xlsx"
    wb = openpyxl.load_workbook(TEMPLATE)
    expected = reconcile(Session(atria, xarios), period, mapping=load_mapping(MAPPING))
    note = f"A{len(expected.detail) + 10}"
    wb["Control"]["B3"] = period.end  # no mapping file: the template's Mapping sheet is used
    wb["Reconciliation"][note] = "my note under the detail"
    wb.save(path)
    refresh_file(path, ["reconciliation"], session)
    refresh_file(path, ["reconciliation"], session)  # a second refresh resizes in place

    ws = openpyxl.load_workbook(path)["Reconciliation"]
    detail = expected.detail.assign(review="open", note="")
    detail.insert(0, "period_end", period.end)  # each row's identity: period, account code, SKU
    parts = {
        "Reconciliation": detail, "UnmappedTenants": expected.unmapped_tenants,
        "UnmappedProducts": expected.unmapped_products, "InvoiceChecks": expected.invoice_checks,
    }  # fmt: skip
    assert len(expected.unmapped_products) and len(expected.invoice_checks)
    refs = {name: ws.tables[name].ref for name in parts}
    for name, part in parts.items():
        first, last = refs[name].split(":")
        top = ws[first]
        assert [ws.cell(top.row, top.column + i).value for i in range(len(part.columns))] == list(part.columns)
        assert int(last.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")) == top.row + max(len(part), 1), name
    about = f" for the period ending {period.end}"  # printed atop each page of these tables
    assert ws["S2"].value == f"Unmapped tenants: {len(expected.unmapped_tenants)} rows{about}"
    assert ws["AA2"].value == f"Unmapped products: {len(expected.unmapped_products)} rows{about}"
    checks = ws.tables["InvoiceChecks"].ref.split(":")[0]
    assert ws[checks].offset(1, 0).value == expected.invoice_checks["invoice_id"].iloc[0]
    assert ws[note].value == "my note under the detail"


def test_a_control_mapping_naming_the_sheet_or_a_file_next_to_the_workbook_is_used(
    tmp_path: Path, session: Session
) -> None:
    path = tmp_path / "billing.xlsx"
    wb = openpyxl.load_workbook(TEMPLATE)
    mapping = wb["Mapping"]
    mapping.append(["XDM99999", "NOT-A-SKU"])  # below the table, still part of the sheet
    mapping["A4"] = None  # a row with a part number but no SKU: the sheet's own words in the error
    wb["Control"]["B9"] = "mapping"
    wb.save(path)
    with pytest.raises(DataError, match=r"^the Mapping sheet, row 4, column part_number: empty") as raised:
        refresh_file(path, ["reconciliation"], session)
    assert str(raised.value.hint).startswith("Fix that row on the Mapping sheet")
    wb["Control"]["B9"] = "my-map.csv"
    wb.save(path)
    shutil.copyfile(MAPPING, tmp_path / "my-map.csv")
    [done] = refresh_file(path, ["reconciliation"], session)
    assert done.rows > 0


def test_every_table_is_checked_for_room_before_any_is_written(tmp_path: Path, session: Session, atria: Atria) -> None:
    path = tmp_path / "billing.xlsx"
    wb = openpyxl.load_workbook(TEMPLATE)
    wb["Customers"]["A6"] = "my note"
    wb.save(path)
    book = OpenpyxlBook.open(path)
    with pytest.raises(DataError, match=r"The table Customers would overwrite A6 on 'Customers'"):
        refresh(book, ["periods", "customers"], session)
    assert book.workbook["Periods"].tables["Periods"].ref == "A3:D4", "Periods was not written either"
    assert book.read("Periods", "A1").startswith("Not refreshed yet")


def test_a_closed_file_refresh_refuses_to_grow_a_table_into_empty_merged_cells(
    tmp_path: Path, session: Session
) -> None:
    path = tmp_path / "billing.xlsx"
    wb = openpyxl.load_workbook(TEMPLATE)
    wb["Customers"].merge_cells("B8:C9")  # empty: a heading the user has yet to type
    wb.save(path)
    before = path.read_bytes()
    with pytest.raises(DataError, match=r"^The table Customers would cover the merged cells B8:C9 on 'Customers'\."):
        refresh_file(path, ["customers"], session)
    assert path.read_bytes() == before


def test_a_wrong_control_customer_blocks_only_the_tables_that_use_it(
    tmp_path: Path, session: Session, atria: Atria
) -> None:
    book = OpenpyxlBook.open(shutil.copyfile(TEMPLATE, tmp_path / "billing.xlsx"))
    book.write("Control", "B4", "Nobody Ltd")
    written = refresh(book, ["periods", "customers"], session)  # the list that shows the right name
    assert [(item.table, item.rows) for item in written] == [
        ("Periods", len(atria.periods())), ("Customers", len(atria.customers()))
    ]  # fmt: skip
    for table in ("detail", "invoice_lines", "analysis"):
        with pytest.raises(InputError, match=r"^Control!B4 \(Customer\): .*Nobody Ltd") as raised:
            refresh(book, [table], session)
        assert str(raised.value.hint).startswith("Refresh Customers"), table


def test_on_xlbillings_own_sheet_only_the_table_and_the_stamp_change(
    tmp_path: Path, session: Session, period: Period
) -> None:
    path = tmp_path / "billing.xlsx"
    wb = openpyxl.load_workbook(TEMPLATE)
    wb["Control"]["B3"] = period.end
    summary = wb["Summary"]
    summary["K2"] = "my check:"
    summary["K4"] = "=SUM(Summary[this_count])"
    summary["L4"] = "=COUNTA(A:A)"
    summary["K6"] = "merged note"
    summary.merge_cells("K6:L7")
    wb.save(path)
    before = cells_outside(path, "Summary", ["A1:A2", "A3:I400"])  # the stamps and the table
    refresh_file(path, ["summary"], session)
    after = openpyxl.load_workbook(path)["Summary"]
    assert cells_outside(path, "Summary", ["A1:A2", "A3:I400"]) == before
    assert after.tables["Summary"].ref.startswith("A3:I") and "K6:L7" in after.merged_cells
    assert b'fullCalcOnLoad="1"' in parts(path)["xl/workbook.xml"], "Excel and LibreOffice recalculate K4 and L4"


def _control_b3(path: Path, cell: str) -> Path:
    """The template with ``cell`` (raw XML) as the Control sheet's B3, written without re-saving anything else."""
    control = sheet_parts(TEMPLATE)["Control"]
    with zipfile.ZipFile(TEMPLATE) as source, zipfile.ZipFile(path, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == control:
                data = re.sub(rb'<c r="B3"[^>]*?(?:/>|>.*?</c>)', cell.encode(), data, count=1, flags=re.S)
            target.writestr(item, data)
    return path


def test_a_period_given_by_a_formula_uses_its_saved_result(tmp_path: Path, session: Session) -> None:
    path = _control_b3(tmp_path / "billing.xlsx", '<c r="B3" s="1"><f>DATE(2026,10,15)</f><v>46310</v></c>')
    refresh_file(path, ["summary"], session)
    assert "for the period ending 2026-10-31," in openpyxl.load_workbook(path)["Summary"]["A1"].value


def test_a_period_formula_never_calculated_says_to_save_the_file_in_excel(tmp_path: Path, session: Session) -> None:
    path = _control_b3(tmp_path / "billing.xlsx", '<c r="B3"><f>DATE(2026,10,15)</f></c>')
    before = path.read_bytes()
    with pytest.raises(InputError) as raised:
        refresh_file(path, ["summary"], session)
    assert str(raised.value).startswith("Control!B3 (Period): the formula =DATE(2026,10,15) has no saved result")
    assert "save it once" in str(raised.value) and path.read_bytes() == before


def test_the_file_keeps_its_mode_and_a_link_stays_a_link(tmp_path: Path, session: Session) -> None:
    real = tmp_path / "shared" / "billing.xlsx"
    real.parent.mkdir()
    shutil.copyfile(TEMPLATE, real)
    real.chmod(0o640)
    link = tmp_path / "billing.xlsx"
    link.symlink_to(real)
    refresh_file(link, ["periods"], session)
    assert link.is_symlink() and link.resolve() == real
    assert real.stat().st_mode & 0o777 == 0o640
    assert openpyxl.load_workbook(link)["Periods"].tables["Periods"].ref != "A3:D4"
    assert (tmp_path / "billing.xlsx.bak").read_bytes() == TEMPLATE.read_bytes()


def test_an_invoice_workbook_is_refused_and_nothing_is_written(tmp_path: Path, session: Session) -> None:
    manifest = build(tmp_path / "invoices")
    invoice = tmp_path / "invoices" / str(manifest.entries[0].file)
    before = invoice.read_bytes()
    with pytest.raises(InputError) as raised:
        refresh_file(invoice, None, session)
    assert str(raised.value).startswith(f"{invoice.name} is not a billing workbook: it has no Control sheet")
    assert invoice.read_bytes() == before and not invoice.with_name(invoice.name + ".bak").exists()
    assert not session.cache.entries(), "nothing was fetched"


def test_a_refreshed_table_sheet_reads_like_a_report(tmp_path: Path, session: Session, period: Period) -> None:
    path = tmp_path / "billing.xlsx"
    wb = openpyxl.load_workbook(TEMPLATE)
    wb["Control"]["B3"] = period.end
    wb["Detail"].freeze_panes = "C5"  # the user froze this one their own way
    wb.save(path)
    refresh_file(path, ["periods", "summary", "detail"], session)
    book = openpyxl.load_workbook(path)
    summary, periods = book["Summary"], book["Periods"]
    assert summary.freeze_panes == "A4" and periods.freeze_panes == "A4", "the header row stays in view"
    assert book["Detail"].freeze_panes == "C5", "the user's own pane is kept"
    names = [cell.value for cell in summary["B"][3:] if cell.value]
    widths = {column: summary.column_dimensions[column].width for column in "ABCDEFGHI"}
    assert widths["B"] == min(max(len(n) for n in names) + 2, 50), "customer_name fits its longest name"
    assert all(8 <= width <= 50 for width in widths.values())
    assert periods.column_dimensions["A"].width == len("period_start") + 2  # the header is longer than a date
    assert periods["A4"].number_format == "yyyy-mm-dd"
