"""The XLB_ formulas, called as Excel would call them, against the sandbox over loopback HTTP."""

from __future__ import annotations

import csv
import shutil
from collections.abc import Iterator, Sequence
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

from tests.conftest import TODAY
from tests.excel_support import CountingTransport, counting_session
from xlbilling import load_mapping, reconcile
from xlbilling._apis.atria import Atria
from xlbilling._apis.xarios import Xarios
from xlbilling._excel import udfs
from xlbilling._reconcile.result import DETAIL_COLUMNS, UNMAPPED_PRODUCT_COLUMNS
from xlbilling._sandbox import Sandbox, start_sandbox
from xlbilling._session import session as sessions
from xlbilling._session.results import ResultCache
from xlbilling._session.session import Session
from xlbilling._values import dates
from xlbilling._values.period import Period

MAPPING = Path(__file__).parents[1] / "xlbilling" / "_sandbox" / "data" / "product-map.csv"


@pytest.fixture
def counted(sandbox: Sandbox) -> Iterator[tuple[Session, CountingTransport]]:
    """Formulas talking to the sandbox through clients that count their requests."""
    previous = sessions.current()
    session, transport = counting_session(sandbox.url, sandbox.token)
    sessions.use(session)
    yield session, transport
    sessions.use(previous)


@pytest.fixture
def formulas(counted: tuple[Session, CountingTransport]) -> Session:
    return counted[0]


def spilled(cells: object, columns: Sequence[str]) -> list[list[object]]:
    """A formula's result, checked to be a table headed by ``columns`` (a formula returns its error as
    text, so two results can only be compared once each is known to be a table)."""
    assert isinstance(cells, list) and cells[0] == list(columns), cells
    return cells


def records(cells: list[list[object]]) -> list[dict[str, object]]:
    assert isinstance(cells, list), cells  # not a message in place of the table
    header, *rows = cells
    return [dict(zip(header, row, strict=True)) for row in rows]  # type: ignore[arg-type]


def test_periods_spill_with_a_header_and_real_dates(formulas: Session, atria: Atria) -> None:
    cells = udfs.XLB_PERIODS()
    assert cells[0] == ["period_start", "period_end", "name", "is_closed"]
    expected = atria.periods()
    assert len(cells) == len(expected) + 1
    last = records(cells)[-1]
    assert last["period_end"] == expected["period_end"].iloc[-1].to_pydatetime()
    assert isinstance(last["period_end"], datetime) and last["is_closed"] is False


@pytest.mark.parametrize("how", ["iso", "date", "datetime", "serial", "serial text"])
def test_quantity_is_the_billed_invoice_quantity_whatever_form_the_period_takes(
    formulas: Session, atria: Atria, period: Period, how: str
) -> None:
    given = {
        "iso": period.end.isoformat(), "date": period.end,
        "datetime": datetime.combine(period.end, datetime.min.time()),
        "serial": float(dates.to_excel_serial(period.end)), "serial text": str(dates.to_excel_serial(period.end)),
    }[how]  # fmt: skip
    lines = atria.invoice_lines(period)
    for row in lines.head(5).itertuples():
        assert udfs.XLB_QUANTITY(given, row.customer_code, row.sku) == row.quantity


def test_quantity_accepts_a_customer_name_and_is_zero_for_a_sku_the_customer_lacks(
    formulas: Session, atria: Atria, period: Period
) -> None:
    customers = atria.customers()
    name = customers["customer_name"].iloc[0]
    code = customers["customer_code"].iloc[0]
    lines = atria.invoice_lines(period)
    mine = lines[lines["customer_code"] == code]
    sku = mine["sku"].iloc[0]
    assert udfs.XLB_QUANTITY(period.end, name.upper(), sku.lower()) == mine.loc[mine["sku"] == sku, "quantity"].sum()
    other_skus = set(lines["sku"]) - set(mine["sku"])
    if other_skus:
        assert udfs.XLB_QUANTITY(period.end, code, sorted(other_skus)[0]) == 0


def test_any_day_of_a_period_means_that_period_as_in_the_cli(formulas: Session, atria: Atria, period: Period) -> None:
    row = atria.periods().set_index("period_end").loc[pd.Timestamp(period.end)]
    first_day = row["period_start"].date()
    middle = first_day + (period.end - first_day) / 2
    assert first_day < middle < period.end
    columns = list(atria.summary(period).columns)
    expected = spilled(udfs.XLB_SUMMARY(period.end), columns)
    assert len(expected) > 1
    assert spilled(udfs.XLB_SUMMARY(middle), columns) == expected
    assert spilled(udfs.XLB_SUMMARY(first_day.isoformat()), columns) == expected
    lines = atria.invoice_lines(period)
    line = lines.iloc[0]
    quantity = udfs.XLB_QUANTITY(middle, line["customer_code"], line["sku"])
    assert isinstance(quantity, int | float) and quantity > 0
    assert quantity == udfs.XLB_QUANTITY(period.end, line["customer_code"], line["sku"])


def test_change_is_this_count_minus_last_count(formulas: Session, atria: Atria, period: Period) -> None:
    summary = atria.summary(period, billable_only=True)
    moved = summary[summary["difference"] != 0].iloc[0]
    expected = int(moved["this_count"] - moved["last_count"])
    assert udfs.XLB_CHANGE(period.end, moved["customer_code"], moved["sku"]) == expected != 0


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda p: udfs.XLB_SUMMARY("1990-01-15"), "No billing period contains 1990-01-15"),
        (lambda p: udfs.XLB_SUMMARY("last month"), "'last month' is not a date"),
        (lambda p: udfs.XLB_SUMMARY(None), "No billing period given"),
        (lambda p: udfs.XLB_SUMMARY([[p, p]]), "must be one cell, not a range"),
        (lambda p: udfs.XLB_SUMMARY(p, "maybe"), "'maybe' is not TRUE or FALSE"),
        (lambda p: udfs.XLB_DETAIL(p, "CUST9999"), "Atria has no customer 'CUST9999'"),
        (lambda p: udfs.XLB_QUANTITY(p, None, "M365-BP"), "No customer given"),
        (lambda p: udfs.XLB_QUANTITY(p, "CUST0001", "NOPE-SKU"), "No customer has the SKU 'NOPE-SKU'"),
        (lambda p: udfs.XLB_XARIOS_ITEMS("INV-000000"), "Xarios invoice INV-000000: not found"),
        (lambda p: udfs.XLB_XARIOS_TOTAL("INV-000000", "fees"), "'fees' is not one of net, vat, total"),
        (lambda p: udfs.XLB_RECONCILE(p, None), "No product mapping given"),
        (lambda p: udfs.XLB_RECONCILE(p, "product-map.csv"), "'product-map.csv' is not a full path"),
        (lambda p: udfs.XLB_RECONCILE(p, str(MAPPING), None, "leaks"), "'leaks' is not something XLB_RECONCILE"),
        (lambda p: udfs.XLB_RECONCILE(p, [["sku", "part"], ["A", "B"]]), "no columns part_number,sku"),
    ],
)
def test_every_mistake_is_one_short_message_in_the_cell(formulas: Session, period: Period, call, message) -> None:  # type: ignore[no-untyped-def]
    shown = call(period.end)  # what Excel passes: a date
    assert isinstance(shown, str) and message in shown
    assert "\n" not in shown and "Traceback" not in shown and len(shown) < 300


def test_a_rejected_token_says_what_to_do(sandbox: Sandbox, formulas: Session) -> None:
    bad, _ = counting_session(sandbox.url, "not-the-token-" + "x" * 20)
    sessions.use(bad)
    shown = udfs.XLB_PERIODS()
    assert isinstance(shown, str) and "token" in shown.lower() and "not-the-token" not in shown


def test_filters_and_flags_take_excel_values(formulas: Session, period: Period, atria: Atria) -> None:
    billable = records(udfs.XLB_SUMMARY(period.end, True))
    assert billable and all(row["billable"] is True for row in billable)
    assert records(udfs.XLB_SUMMARY(period.end, 1.0)) == billable
    assert records(udfs.XLB_SUMMARY(period.end, "yes", None)) == billable
    per_sku = records(udfs.XLB_SUMMARY(period.end, False, False))
    assert all(row["customer_code"] == "" for row in per_sku)
    code = atria.customers()["customer_code"].iloc[1]
    detail = records(udfs.XLB_DETAIL(period.end, code, None, "", None))
    assert detail and {row["customer_code"] for row in detail} == {code}
    assert isinstance(detail[0]["actioned_date"], datetime)


def test_xarios_totals_add_up_to_the_listed_invoice_value(formulas: Session, xarios: Xarios) -> None:
    invoice = records(udfs.XLB_XARIOS_INVOICES())[-1]
    invoice_id = invoice["invoice_id"]
    net, vat, total = (udfs.XLB_XARIOS_TOTAL(invoice_id, which) for which in ("net", "VAT", None))
    assert Decimal(str(net)) + Decimal(str(vat)) == Decimal(str(total))
    assert total == pytest.approx(invoice["invoice_value"])
    items = records(udfs.XLB_XARIOS_ITEMS(invoice_id))
    assert len(items) == len(xarios.invoice(str(invoice_id)).items)


def test_a_sheet_of_formulas_sends_one_request_per_distinct_data_set(
    counted: tuple[Session, CountingTransport], atria: Atria, period: Period
) -> None:
    _, transport = counted
    lines = atria.invoice_lines(period)
    for _ in range(3):
        for row in lines.itertuples():
            udfs.XLB_QUANTITY(period.end, row.customer_code, row.sku)
            udfs.XLB_CHANGE(period.end, row.customer_code, row.sku)
        udfs.XLB_SUMMARY(period.end)
        udfs.XLB_PERIODS()
    assert transport.count == 2  # /parameters (periods and customers), one summary
    assert [row[0] for row in udfs.XLB_STATUS()[3:]] == [
        "Atria parameters", f"Atria summary {period.end.isoformat()} billable_only=False by_customer=True"
    ]  # fmt: skip


def test_while_the_api_is_down_formulas_answer_from_the_last_good_value_marked_stale(period: Period) -> None:
    clock = [0.0]
    cache = ResultCache(clock=lambda: clock[0])
    previous = sessions.current()
    with start_sandbox(seed=1, today=TODAY) as going_down:
        session, transport = counting_session(going_down.url, going_down.token, cache)
        sessions.use(session)
        before = udfs.XLB_QUANTITY(period.end, "CUST0001", "M365-BP")
    try:  # that sandbox has stopped: its address refuses connections now
        assert isinstance(before, int) and before > 0
        clock[0] += 10 * 24 * 3600  # every result has expired
        fetched = transport.count
        assert udfs.XLB_QUANTITY(period.end, "CUST0001", "M365-BP") == before
        for _ in range(50):
            assert udfs.XLB_QUANTITY(period.end, "CUST0001", "M365-BP") == before
        assert transport.count == fetched + 1, "one failed attempt, then the outage pause"
        status = records(udfs.XLB_STATUS())
        assert str(status[0]["state"]).startswith("unreachable: Atria")
        assert {row["state"] for row in status[2:]} == {"stale"}
        never_fetched = udfs.XLB_ANALYSIS(period.end)
        assert isinstance(never_fetched, str) and "Atria" in never_fetched and transport.count == fetched + 1
    finally:
        sessions.use(previous)


def test_reconcile_spills_one_row_per_customer_and_sku(formulas: Session, period: Period) -> None:
    rows = records(udfs.XLB_RECONCILE(period.end, str(MAPPING)))
    assert rows and {"category", "account_code", "sku"} <= set(rows[0])
    assert {row["category"] for row in rows} >= {"matched", "under_billed"}


def test_reconcile_shows_unmapped_entities_and_invoice_checks_too(
    formulas: Session, atria: Atria, xarios: Xarios, period: Period
) -> None:
    expected = reconcile(Session(atria, xarios), period, mapping=load_mapping(MAPPING))
    parts = [("unmapped tenants", expected.unmapped_tenants), ("Unmapped Products", expected.unmapped_products),
             ("checks", expected.invoice_checks), (None, expected.detail)]  # fmt: skip
    for what, part in parts:
        cells = udfs.XLB_RECONCILE(period.end, str(MAPPING), None, what)
        assert cells[0] == list(part.columns) and len(cells) == len(part) + 1, what
    assert len(expected.unmapped_products) and len(expected.invoice_checks), "the sandbox seeds both"
    checks = records(udfs.XLB_RECONCILE(period.end, str(MAPPING), "", "checks"))
    assert [row["invoice_id"] for row in checks] == list(expected.invoice_checks["invoice_id"])


def test_reconcile_takes_the_mapping_as_cells_as_from_the_mapping_sheet(formulas: Session, period: Period) -> None:
    with MAPPING.open(newline="") as handle:
        cells: list[list[object]] = [["Our mapping", None], [None, None], *csv.reader(handle)]
    expected = spilled(udfs.XLB_RECONCILE(period.end, str(MAPPING)), DETAIL_COLUMNS)
    assert len(expected) > 1 and udfs.XLB_RECONCILE(period.end, cells) == expected


def test_reconcile_finds_a_bare_file_name_next_to_the_calling_workbook(
    formulas: Session, period: Period, tmp_path: Path
) -> None:
    shutil.copyfile(MAPPING, tmp_path / "my-map.csv")
    caller = SimpleNamespace(sheet=SimpleNamespace(book=SimpleNamespace(fullname=str(tmp_path / "billing.xlsx"))))
    shown = spilled(udfs.XLB_RECONCILE(period.end, "my-map.csv", None, None, caller), DETAIL_COLUMNS)
    assert len(shown) > 1 and shown == udfs.XLB_RECONCILE(period.end, str(MAPPING))


def test_reconcile_reads_an_edited_mapping_file_at_the_next_recalculation(
    formulas: Session, period: Period, tmp_path: Path
) -> None:
    path = tmp_path / "my-map.csv"
    header, *rows = MAPPING.read_text().splitlines()
    path.write_text("\n".join([header, *rows[1:]]) + "\n")  # the user's file lacks the first row
    missing = rows[0].split(",")[0]

    def unmapped() -> list[object]:
        cells = spilled(udfs.XLB_RECONCILE(period.end, str(path), None, "unmapped products"), UNMAPPED_PRODUCT_COLUMNS)
        return [row["part_number"] for row in records(cells)]

    assert missing in unmapped(), "the sandbox bills the part number the file lacks"
    path.write_text("\n".join([header, *rows]) + "\n")  # adds the suggested row and saves
    assert missing not in unmapped()


def test_clear_cache_makes_the_next_formula_fetch_again(counted: tuple[Session, CountingTransport]) -> None:
    _, transport = counted
    udfs.XLB_CUSTOMERS()
    assert udfs.clear_cache() == 1
    udfs.XLB_CUSTOMERS()
    assert transport.count == 2
