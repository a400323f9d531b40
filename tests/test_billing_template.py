"""The shipped billing template reads like a report: it opens on the Overview, each figure linked to its sheet;
the Control sheet explains itself (help, lists, the buttons); how each sheet prints, its frozen headers, the
Dashboard chart, and Control notes that say what Build invoices really does."""

from __future__ import annotations

from pathlib import Path
from xml.etree import ElementTree

import pytest
from openpyxl import load_workbook
from openpyxl.chart import BarChart
from openpyxl.worksheet.worksheet import Worksheet

from xlbilling._workbook.control import CONTROL, MAPPING_SHEET, PARAMETERS
from xlbilling._workbook.fetched import OVERVIEW
from xlbilling._workbook.shipped import build_template
from xlbilling._workbook.tables import CHANGES_SHOWN, TARGETS
from xlbilling._xlsx.book import BAR_CHART_BASE_CM, BAR_CM

SHIPPED = Path(__file__).parents[1] / "templates" / "billing.xlsx"
TABLE_SHEETS = [target.sheet for target in TARGETS.values()] + [MAPPING_SHEET]
EMU_PER_CM = 360000


@pytest.fixture(scope="module", params=["shipped", "built"])
def book(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> object:
    """The template in the repository, and one built now (so the shipped one is not stale)."""
    path = SHIPPED if request.param == "shipped" else build_template(tmp_path_factory.mktemp("t") / "billing.xlsx")
    return load_workbook(path)


def _chart(book: object) -> BarChart:
    charts = book[TARGETS["changes"].sheet]._charts  # type: ignore[index]
    assert len(charts) == 1
    chart = charts[0]
    assert isinstance(chart, BarChart)
    return chart


@pytest.mark.parametrize("sheet", TABLE_SHEETS)
def test_table_sheets_repeat_their_stamp_and_header_on_every_printed_page(book: object, sheet: str) -> None:
    """What it holds and for which period (A2) and the header row atop every page; a footer naming
    the workbook, the page and the sheet; one page wide, or at a readable scale over pages across with the
    columns that say whose row it is repeated at the left (how it reads on paper: tests/test_billing_overview.py)."""
    ws: Worksheet = book[sheet]  # type: ignore[index]
    assert ws.print_title_rows == "$2:$3"
    assert ws.oddFooter.left.text == "&F" and ws.oddFooter.right.text == "Page &P of &N  ·  &A"
    assert ws.page_setup.paperSize in (9, "9")
    if ws.page_setup.scale:  # over several pages across
        assert ws.page_setup.scale * 11 / 100 >= 7 and ws.print_title_cols and ws.page_setup.orientation == "landscape"
    else:
        assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth == 1


def test_table_sheets_freeze_the_header_rows(book: object) -> None:
    for sheet in TABLE_SHEETS:
        assert book[sheet].freeze_panes == "A4", sheet  # type: ignore[index]


def test_the_workbook_opens_on_the_overview(book: object) -> None:
    assert book.sheetnames[:2] == [OVERVIEW, CONTROL]  # type: ignore[attr-defined]
    assert book.active.title == OVERVIEW  # type: ignore[attr-defined]
    assert [ws.title for ws in book.worksheets if ws.sheet_view.tabSelected] == [OVERVIEW]  # type: ignore[attr-defined]


def test_every_overview_figure_links_to_the_sheet_behind_it(book: object) -> None:
    ws: Worksheet = book[OVERVIEW]  # type: ignore[index]
    names = set(book.sheetnames)  # type: ignore[attr-defined]
    links = {cell.coordinate: cell.hyperlink.location for row in ws.iter_rows() for cell in row if cell.hyperlink}
    targets = {location.split("!")[0].strip("'") for location in links.values()}
    assert targets <= names and {"Built invoices", "Reconciliation", "Margin", "Periods", "Fetched"} <= targets
    figures = [row for row in range(1, ws.max_row + 1) if str(ws[f"B{row}"].value or "").startswith("=")]
    labelled = [row for row in figures if not str(ws[f"A{row}"].value or "=").startswith("=")]
    assert len(labelled) >= 20 and all(f"F{row}" in links for row in labelled), "a link beside each figure"


def _row_of(ws: Worksheet, label: str) -> int:
    return next(cell.row for cell in ws["A"] if cell.value == label)


def test_control_offers_lists_for_the_period_customer_and_every_choice(book: object) -> None:
    ws: Worksheet = book[CONTROL]  # type: ignore[index]
    lists = {str(dv.sqref): dv.formula1 for dv in ws.data_validations.dataValidation}
    row = {key: _row_of(ws, label) for key, label in PARAMETERS.items()}
    assert lists[f"B{row['period']}"] == 'INDIRECT("Periods[period_end]")'
    assert lists[f"B{row['customer']}"] == 'INDIRECT("Customers[customer_name]")'
    assert lists[f"B{row['billable_only']}"] == lists[f"B{row['allow_open']}"] == '"Yes,No"'
    assert lists[f"B{row['einvoice']}"] == '"ubl,facturx,both"'
    assert all(ws[f"C{n}"].value for n in row.values()), "a line of help beside every setting"


def test_control_names_every_ribbon_button_and_what_it_does(book: object) -> None:
    ws: Worksheet = book[CONTROL]  # type: ignore[index]
    ribbon = ElementTree.parse(Path(__file__).parents[1] / "macros" / "customUI.xml").getroot()  # noqa: S314
    buttons = [
        button.get("label") for button in ribbon.iter("{http://schemas.microsoft.com/office/2006/01/customui}button")
    ]
    listed = {str(cell.value).split(": ", 1)[-1]: ws[f"B{cell.row}"].value for cell in ws["A"] if cell.value}
    assert buttons and all(listed.get(name) for name in buttons), listed


def test_dashboard_chart_reads_largest_change_first_with_whole_numbers_and_labels(book: object) -> None:
    chart = _chart(book)
    assert chart.type == "bar"  # horizontal: categories down the side
    assert chart.x_axis.scaling.orientation == "maxMin"  # first row (the largest change) at the top
    assert chart.y_axis.crosses == "max"  # the value axis stays at the bottom
    assert chart.y_axis.numFmt is not None and chart.y_axis.numFmt.formatCode == "0"
    assert chart.y_axis.majorUnit == 1
    labels = chart.dataLabels or chart.series[0].dLbls
    assert labels is not None and labels.showVal


def test_dashboard_chart_is_sized_for_the_rows_the_table_shows(book: object) -> None:
    chart = _chart(book)
    last = 3 + CHANGES_SHOWN
    assert chart.series[0].val.numRef.f == f"'Dashboard'!$E$4:$E${last}"
    categories = chart.series[0].cat
    assert (categories.numRef or categories.strRef).f == f"'Dashboard'!$A$4:$A${last}"
    # the height follows the rows shown (not a fixed size): a title and axis band, then a height per bar
    height_cm = chart.anchor.ext.height / EMU_PER_CM
    assert height_cm == pytest.approx(BAR_CHART_BASE_CM + BAR_CM * CHANGES_SHOWN)
    assert 0.6 <= BAR_CM <= 1.0  # a bar a label can sit beside
    assert chart.gapWidth < 150  # bars thicker than the default gaps


def _note(book: object, key: str) -> str:
    ws: Worksheet = book[CONTROL]  # type: ignore[index]
    row = 3 + list(PARAMETERS).index(key)
    assert ws[f"A{row}"].value == PARAMETERS[key]
    return str(ws[f"C{row}"].value)


def test_tax_rate_note_says_build_invoices_stops_and_lists_the_skus(book: object) -> None:
    assert 3 + list(PARAMETERS).index("tax_rate") == 11  # Control!C11
    note = _note(book, "tax_rate")
    assert "failed" not in note
    assert "stops before writing anything" in note
    assert "lists the SKUs without a rate" in note


def test_price_list_note_says_a_missing_price_stops_the_run_listing_each_sku_once(book: object) -> None:
    note = _note(book, "prices")
    assert "before writing anything" in note
    assert "listed once" in note
