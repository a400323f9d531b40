"""The shipped billing template reads like a report: how each sheet prints, its frozen headers, the
Dashboard chart, and Control notes that say what Build invoices really does."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.chart import BarChart
from openpyxl.worksheet.worksheet import Worksheet

from xlbilling._workbook.control import CONTROL, MAPPING_SHEET, PARAMETERS
from xlbilling._workbook.shipped import build_template
from xlbilling._workbook.tables import CHANGES_SHOWN, TARGETS
from xlbilling._xlsx.book import BAR_CHART_BASE_CM, BAR_CM

SHIPPED = Path(__file__).parents[1] / "templates" / "billing.xlsx"
TABLE_SHEETS = [target.sheet for target in TARGETS.values()] + [MAPPING_SHEET]
EMU_PER_CM = 360000
NARROW = {"Periods", "Customers", MAPPING_SHEET}
"""Table sheets of four columns or fewer: portrait; every other one is landscape."""


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
def test_table_sheets_print_one_page_wide_with_title_rows_on_each_page(book: object, sheet: str) -> None:
    ws: Worksheet = book[sheet]  # type: ignore[index]
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.page_setup.fitToWidth == 1
    expected_tall = 1 if sheet == TARGETS["changes"].sheet else 0
    assert ws.page_setup.fitToHeight == expected_tall
    assert ws.print_title_rows == "$1:$3"  # the stamp row and the table's header row
    assert ws.page_setup.orientation == ("portrait" if sheet in NARROW else "landscape")


@pytest.mark.parametrize("sheet", TABLE_SHEETS)
def test_table_sheets_freeze_the_header_rows(book: object, sheet: str) -> None:
    assert book[sheet].freeze_panes == "A4"  # type: ignore[index]


def test_dashboard_prints_its_table_and_chart_on_one_landscape_page(book: object) -> None:
    ws: Worksheet = book[TARGETS["changes"].sheet]  # type: ignore[index]
    assert (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (1, 1)
    assert ws.page_setup.orientation == "landscape"
    _chart(book)


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
