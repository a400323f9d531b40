"""Headless refresh of a closed workbook file: tables updated, everything of the user's kept."""

from __future__ import annotations

import shutil
import socket
import zipfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from oletools.olevba import VBA_Parser
from openpyxl.chart import LineChart, Reference
from openpyxl.workbook.defined_name import DefinedName

from tests.excel_support import counting_session
from xlbilling.atria import Atria
from xlbilling.cli import main
from xlbilling.errors import ApiUnreachable, DataError, InputError
from xlbilling.excel.headless import refresh_file
from xlbilling.excel.session import Session
from xlbilling.sandbox import Sandbox

TEMPLATE = Path(__file__).parents[1] / "templates" / "billing.xlsx"


@pytest.fixture
def session(sandbox: Sandbox) -> Session:
    return counting_session(sandbox.url, sandbox.token)[0]


@pytest.fixture
def users_workbook(tmp_path: Path, period: date) -> Iterator[Path]:
    """The template after a user picked a period and added a note, a sheet, a formula, a chart and a name."""
    path = tmp_path / "billing.xlsx"
    wb = openpyxl.load_workbook(TEMPLATE)
    wb["Control"]["B3"] = period
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


def test_refresh_updates_the_tables_and_keeps_everything_else(
    users_workbook: Path, session: Session, atria: Atria, period: date
) -> None:
    before = users_workbook.read_bytes()
    written = refresh_file(users_workbook, ["summary", "periods", "changes"], session)
    assert [item.table for item in written] == ["Summary", "Periods", "Changes"]

    wb = openpyxl.load_workbook(users_workbook)
    summary = atria.summary(period)
    assert wb["Summary"].tables["Summary"].ref == f"A3:I{3 + len(summary)}"
    assert wb["Summary"]["I4"].value == summary["difference"].iloc[0]
    assert wb["Periods"]["B4"].value.date() == atria.periods()["period_end"].iloc[0].date()
    assert wb["Control"]["E20"].value == "ask Sam about CUST0007"
    assert wb["Control"]["B3"].value.date() == period
    assert wb["My sheet"]["B1"].value == "=SUM(Summary!H4:H10)"
    assert wb.defined_names["MyNumbers"].attr_text == "'My sheet'!$A$1:$A$5"
    assert [dv.sqref for dv in wb["Control"].data_validations.dataValidation] == ["B3", "B5"]
    assert wb["Detail"]["A1"].value.startswith("Not refreshed yet"), "tables not asked for are left alone"
    with zipfile.ZipFile(users_workbook) as archive:
        charts = [archive.read(n).decode() for n in archive.namelist() if n.startswith("xl/charts/chart")]
    assert len(charts) == 2
    assert any("'My sheet'!$A$1:$A$5" in chart for chart in charts)
    assert any("'Dashboard'!$E$4:$E$13" in chart for chart in charts)
    assert users_workbook.with_name("billing.xlsx.bak").read_bytes() == before
    assert sorted(p.name for p in users_workbook.parent.iterdir()) == ["billing.xlsx", "billing.xlsx.bak"]


def test_an_xlsm_keeps_its_vba(tmp_path: Path, session: Session) -> None:
    import xlwings

    path = tmp_path / "macro.xlsm"
    shutil.copyfile(Path(xlwings.__file__).parent / "quickstart.xlsm", path)

    def modules(file: Path) -> dict[str, str]:
        parser = VBA_Parser(str(file))
        try:
            return {name: code for _, _, name, code in parser.extract_macros()}
        finally:
            parser.close()

    before = modules(path)
    refresh_file(path, ["periods"], session)
    assert before and modules(path) == before
    assert "Periods" in openpyxl.load_workbook(path, keep_vba=True).sheetnames


def _with_part(source: Path, target: Path, name: str, text: str) -> Path:
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for item in old.infolist():
            data = old.read(item)
            if item.filename == name:
                data = data.replace(b"</xdr:wsDr>", text.encode() + b"</xdr:wsDr>")
            new.writestr(item, data)
        if name not in old.namelist():
            new.writestr(name, text)
    return target


@pytest.mark.parametrize(
    ("part", "text", "named"),
    [
        ("xl/drawings/drawing1.xml", "<xdr:twoCellAnchor><xdr:sp><xdr:nvSpPr/></xdr:sp></xdr:twoCellAnchor>",
         "shapes or text boxes (on sheet 'Dashboard')"),
        ("xl/slicers/slicer1.xml", "<slicers/>", "slicers"),
        ("xl/threadedComments/threadedComment1.xml", "<ThreadedComments/>", "threaded comments"),
    ],
)  # fmt: skip
def test_what_openpyxl_would_drop_is_named_and_nothing_is_written(
    tmp_path: Path, session: Session, part: str, text: str, named: str
) -> None:
    path = _with_part(TEMPLATE, tmp_path / "fancy.xlsx", part, text)
    before = path.read_bytes()
    with pytest.raises(DataError, match="would lose") as raised:
        refresh_file(path, ["periods"], session)
    assert named in str(raised.value)
    assert path.read_bytes() == before and not path.with_name("fancy.xlsx.bak").exists()


def test_an_outage_leaves_the_file_untouched(tmp_path: Path, sandbox: Sandbox) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    down, _ = counting_session(f"http://127.0.0.1:{port}", sandbox.token)
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
    assert result.stdout.strip() == f"{path}: Refreshed Periods ({len(atria.periods())} rows), Customers (" + str(
        len(atria.customers())
    ) + " rows)."
    bad = CliRunner().invoke(main, ["refresh", str(path), "--only", "summry"])
    assert bad.exit_code == 2 and "Unknown table name: summry. Choose from: periods, customers" in bad.stderr
