"""The demo's billing workbook as a new user gets it: it opens on an Overview whose figures, recalculated by
LibreOffice, are the reconciliation's, the invoices' manifest's and the margin's; every workbook the demo writes
prints with text of 7 pt or more and nothing cut off; and a live refresh keeps the Overview's sources right."""

from __future__ import annotations

import json
import shutil
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from tests import xlwings_double as double
from tests.conftest import CLOSED, TODAY
from tests.printed import PRINT_TIMEOUT, Printed, print_problems, print_workbook, problems_of
from tests.real_workbooks import libreoffice_values
from xlbilling import load_mapping, load_prices, margin, reconcile
from xlbilling._apis.atria import Atria
from xlbilling._apis.xarios import Xarios
from xlbilling._demo import SAMPLES, DemoResult, run_demo
from xlbilling._excel.live import XlwingsBook
from xlbilling._session.session import Session
from xlbilling._workbook.fetched import COLUMNS, SHEET, TABLE
from xlbilling._workbook.headless import refresh_file
from xlbilling._workbook.tables import existing_table, refresh

PRICES, MAPPING = (source for source, _ in SAMPLES)
TEMPLATE = Path(__file__).parents[1] / "templates" / "billing.xlsx"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoResult:
    """``xlbilling demo`` on the sandbox the other tests use (seed 1, today 2026-11-21), run once."""
    return run_demo(tmp_path_factory.mktemp("demo"), today=TODAY, say=lambda line: None)


@pytest.fixture(scope="module")
def overview_rows(demo: DemoResult) -> list[list[Any]]:
    """The Overview's rows after LibreOffice recalculated the workbook."""
    return libreoffice_values(demo.workbook, "Overview", PRINT_TIMEOUT)


@pytest.fixture(scope="module")
def overview(overview_rows: list[list[Any]]) -> dict[str, list[Any]]:
    """The Overview's rows by their label in column A (the first row so labelled; "fetched Margin" and so on
    for the rows of "What was fetched")."""
    rows = overview_rows
    found: dict[str, list[Any]] = {}
    prefix = ""
    for row in rows:
        if row and row[0] == "What was fetched":
            prefix = "fetched "
        if row and row[0] not in ("", None):
            found.setdefault(prefix + str(row[0]), row)
    return found


@pytest.fixture(scope="module")
def billing_printed(demo: DemoResult, tmp_path_factory: pytest.TempPathFactory) -> Printed:
    """The demo's billing workbook printed by LibreOffice, once (it is some 300 pages)."""
    return print_workbook(demo.workbook, tmp_path_factory.mktemp("billing-pdf"))


def cents(value: Any) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


def test_the_overview_states_the_period_and_when_and_from_where(demo: DemoResult, overview: dict) -> None:
    assert demo.period.end == CLOSED.end
    period = overview["Billing period ending"]
    assert period[1] == CLOSED.end and period[2] == "closed" and period[3] == "its figures are final"
    fetched = overview["Data fetched (UTC)"]
    assert isinstance(fetched[1], datetime) and fetched[3].startswith("from http://127.0.0.1:")
    for title in ("Summary", "Reconciliation", "Built invoices", "Margin"):
        fetched = overview[f"fetched {title}"]  # each data set's period, in "What was fetched"
        assert fetched[1] == CLOSED.end and fetched[2] > 0 and isinstance(fetched[3], datetime), title


def test_the_invoiced_figures_are_the_manifests(demo: DemoResult, overview: dict) -> None:
    folder = demo.workbook.parent / "invoices" / CLOSED.end.isoformat()
    listed = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["invoices"]
    written = [entry for entry in listed if entry["file"]]
    for label, key in (("Net", "subtotal"), ("VAT", "tax"), ("Gross", "total")):
        assert cents(overview[label][1]) == sum(Decimal(e[key]) for e in written), label
        assert overview[label][2] == "GBP"
    assert overview["Invoices written"][1] == len(written) == 21
    assert overview["Invoices failed"][1] == sum(1 for e in listed if e["status"] == "failed") == 0
    einvoices = overview["E-invoices written"]
    assert einvoices[1] == sum(1 for e in listed if e["einvoice"] == "ok")
    failed = sum(1 for e in listed if e["einvoice"] == "failed")
    assert failed and einvoices[3] == f"{failed} not written: see their Problem"


def test_the_leak_and_flagged_rows_are_the_reconciliations(
    overview_rows: list[list[Any]], overview: dict, atria: Atria, xarios: Xarios
) -> None:
    found = reconcile(Session(atria, xarios), CLOSED, mapping=load_mapping(MAPPING), prices=load_prices(PRICES))
    assert cents(overview["Leaked: revenue not billed"][1]) == found.leaked > 0
    assert cents(overview["Over-billed: no matching cost"][1]) == found.over_billed
    assert overview["Leaked: revenue not billed"][3] == "valued at your price list"
    flagged = overview["Customer/SKU pairs flagged"]
    assert flagged[1] == len(found.flagged) and flagged[3] == f"of {found.compared} compared"
    unmapped = overview["Not compared: unmapped"]
    assert unmapped[1] == len(found.unmapped_tenants) + len(found.unmapped_products)
    rows = overview_rows
    top = next(n for n, row in enumerate(rows) if row[0] == "Differences to look at")
    shown = [(row[0], row[1], cents(row[2])) for row in rows[top + 1 : top + 1 + len(found.flagged)]]
    expected = [
        (row.customer_name or row.account_code, row.sku, row.money_at_stake) for row in found.flagged.itertuples()
    ]
    assert shown == expected, "the differences, largest money at stake first"


def test_the_margin_and_its_change_are_the_margins(overview: dict, atria: Atria, xarios: Xarios) -> None:
    found = margin(Session(atria, xarios), mapping=load_mapping(MAPPING), prices=load_prices(PRICES)).by("period")
    ends = [pd.Timestamp(end).date() for end in found["period_end"]]
    now, before = found.iloc[ends.index(CLOSED.end)], found.iloc[ends.index(CLOSED.end) - 1]
    for label, column in (("Revenue", "revenue"), ("Cost", "cost"), ("Margin", "margin")):
        row = overview[label]
        assert (cents(row[1]), cents(row[2])) == (cents(now[column]), cents(before[column])), label
        assert cents(row[3]) == cents(now[column]) - cents(before[column])
    share = overview["Margin %"]
    assert Decimal(str(share[1])).quantize(Decimal("0.0001")) == Decimal(str(now["margin_pct"]))
    assert cents(overview["Leak: revenue not billed"][1]) == cents(now["leak"])


def test_every_workbook_the_demo_writes_prints_readable_with_nothing_cut_off(
    demo: DemoResult, billing_printed: Printed, tmp_path: Path
) -> None:
    """Every page at 7 pt or more with a footer naming the workbook or period, the page and the sheet; every
    printed column's longest texts whole; no number shown as ###."""
    out = demo.workbook.parent
    invoices = out / "invoices" / CLOSED.end.isoformat()
    listed = json.loads((invoices / "manifest.json").read_text(encoding="utf-8"))["invoices"]
    most_lines = max(listed, key=lambda entry: entry["line_count"])["file"]
    longest_name = max(listed, key=lambda entry: len(entry["bill_to_name"]))["file"]
    books = [out / f"reconciliation-{CLOSED.end}.xlsx", out / "margin.xlsx", invoices / "index.xlsx",
             invoices / most_lines, invoices / longest_name]  # fmt: skip
    problems = {book.name: print_problems(book, tmp_path / book.stem) for book in books}
    problems[demo.workbook.name] = problems_of(demo.workbook, billing_printed)
    assert problems == {name: [] for name in problems}, problems


def test_the_overview_prints_on_one_page_and_the_index_on_one_or_two(
    demo: DemoResult, billing_printed: Printed, tmp_path: Path
) -> None:
    assert [page.sheet for page in billing_printed.pages[:2]] == ["Overview", "Control"]
    assert len(billing_printed.sheets["Overview"]) == 1
    index = print_workbook(demo.workbook.parent / "invoices" / CLOSED.end.isoformat() / "index.xlsx", tmp_path)
    assert 1 <= len(index.pages) <= 2 and all(page.smallest and page.smallest >= 7 for page in index.pages)


def test_a_figure_whose_table_is_not_filled_says_which_button_fills_it(formulas: Session, tmp_path: Path) -> None:
    """Refresh all without Build invoices, Reconcile or Margin: those figures say "not yet" and the button,
    never a misleading 0."""
    path = tmp_path / "billing.xlsx"
    shutil.copyfile(TEMPLATE, path)
    refresh_file(path, ["periods", "summary", "built_invoices"], formulas)
    rows = libreoffice_values(path, "Overview")
    shown = {str(row[0]): row for row in rows if row and row[0]}
    assert shown["Billing period ending"][1:4] == [CLOSED.end, "closed", "its figures are final"]
    assert shown["Net"][1] == "not yet" and shown["Net"][3] == "None built yet: press Build invoices"
    assert shown["Leaked: revenue not billed"][1] == "not yet"
    assert shown["Leaked: revenue not billed"][3] == "Not reconciled yet: press Reconcile"
    assert shown["Revenue"][1] == "not yet" and shown["Revenue"][3] == "Not added up yet: press Margin"
    assert "Not reconciled yet: press Reconcile" in [row[0] for row in rows]  # in place of the differences
    figures = rows[: next(n for n, row in enumerate(rows) if row[0] == "What was fetched")]
    assert not [row for row in figures if 0 in row[:4]], "no figure shows 0"


def test_a_live_refresh_writes_the_fetched_rows_and_keeps_the_others(formulas: Session, period: Any) -> None:
    """Through xlwings (here its stand-in): each refresh rewrites the rows of what it refreshed, with the period,
    rows, source and time, and keeps the other rows, so the Overview's figures know their periods."""
    live = double.Book("/Users/ann/billing/billing.xlsx", ["Control", SHEET])
    book = XlwingsBook(live)  # type: ignore[arg-type]
    book.write_table(SHEET, TABLE, pd.DataFrame(columns=list(COLUMNS)), "A3")
    book.write("Control", "A3", "Period")
    book.write("Control", "B3", period.end)
    refresh(book, ["periods", "summary"], formulas, now=datetime(2026, 11, 21, 9, 30))
    refresh(book, ["periods"], formulas, now=datetime(2026, 11, 21, 10, 0))
    rows = existing_table(book, SHEET, TABLE).set_index("data")
    assert list(rows.index) == ["Periods", "Summary"]
    assert pd.Timestamp(rows.loc["Summary", "period_end"]).date() == period.end == date(2026, 10, 31)
    assert rows.loc["Summary", "closed"] is True or rows.loc["Summary", "closed"] == 1
    assert pd.Timestamp(rows.loc["Summary", "refreshed_utc"]) == pd.Timestamp("2026-11-21 09:30")
    assert pd.Timestamp(rows.loc["Periods", "refreshed_utc"]) == pd.Timestamp("2026-11-21 10:00")
    assert str(rows.loc["Periods", "source"]).startswith("http://127.0.0.1:")
