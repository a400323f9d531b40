"""The ribbon buttons: their actions against a workbook file (openpyxl) and a live-book double (xlwings)."""

from __future__ import annotations

import csv
import json
import shutil
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from tests import xlwings_double as double
from tests.conftest import TODAY
from xlbilling._apis.atria import Atria
from xlbilling._apis.transport.client import ApiClient
from xlbilling._errors import InputError
from xlbilling._excel import macros
from xlbilling._excel.live import XlwingsBook
from xlbilling._inputs.mapping import load_mapping
from xlbilling._sandbox import Sandbox, start_sandbox
from xlbilling._session.session import Session
from xlbilling._values.period import Period
from xlbilling._workbook.conf import CONF_SHEET, workbook_session
from xlbilling._workbook.control import read_params
from xlbilling._xlsx.book import OpenpyxlBook

TEMPLATE = Path(__file__).parents[1] / "templates" / "billing.xlsx"
PRICES = Path(__file__).parents[1] / "xlbilling" / "_sandbox" / "data" / "prices.csv"


@pytest.fixture
def workbook(tmp_path: Path, period: Period) -> OpenpyxlBook:
    """A copy of the billing template with the Control sheet's period set."""
    path = tmp_path / "billing.xlsx"
    shutil.copyfile(TEMPLATE, path)
    book = OpenpyxlBook.open(path)
    book.write("Control", "B3", period.end)
    return book


def live_book(period: object) -> double.Book:
    """A live book as Excel would hand it over, with a Control sheet."""
    book = double.Book("/Users/ann/billing/billing.xlsx", ["Control"])
    control = book.sheets["Control"]
    for row, (label, value) in enumerate([("Period", period), ("Customer", None), ("Billable only", False)], 3):
        control.cells[(row, 1)] = label
        control.cells[(row, 2)] = value
    return book


def test_refresh_summary_writes_the_table_and_the_dashboard(
    formulas: Session, workbook: OpenpyxlBook, atria: Atria, period: Period
) -> None:
    message = macros.refresh_action(["summary", "changes"])(workbook)
    expected = atria.summary(period)
    path = workbook.save()
    wb = openpyxl.load_workbook(path)
    ws = wb["Summary"]
    assert ws.tables["Summary"].ref == f"A3:I{3 + len(expected)}"
    assert ws["D4"].value == expected["sku"].iloc[0] and ws["H4"].value == expected["this_count"].iloc[0]
    assert f"{len(expected)} rows for the period ending {period.end.isoformat()}" in ws["A1"].value
    billable = atria.summary(period, billable_only=True, by_customer=False)
    biggest = billable.iloc[int(billable["difference"].abs().to_numpy().argmax())]
    assert wb["Dashboard"]["A4"].value == biggest["sku"] and wb["Dashboard"]["E4"].value == biggest["difference"]
    changes = wb["Dashboard"].tables["Changes"].ref
    shown = int(changes.split(":")[1][1:]) - 3
    assert message == f"Refreshed Summary ({len(expected)} rows), Changes ({shown} rows)."


def test_a_button_reports_success_in_the_status_bar(formulas: Session, period: Period, atria: Atria) -> None:
    book = live_book(period.end)
    shown = macros.press(macros.refresh_action(["periods"]), book)  # type: ignore[arg-type]
    assert shown == book.app.status_bar == f"Refreshed Periods ({len(atria.periods())} rows)."
    assert book.sheets["Periods"].cells[(3, 2)] == "period_end" and not book.app.alerts


def test_a_button_shows_mistakes_in_a_message_box_not_a_traceback(formulas: Session) -> None:
    book = live_book("someday")
    assert macros.press(macros.refresh_action(["summary"]), book) is None  # type: ignore[arg-type]
    [(prompt, title, mode)] = book.app.alerts
    assert prompt.startswith("Control!B3 (Period): 'someday' is not a date.") and mode == "critical"
    assert title == "xlbilling" and book.app.status_bar is False


def test_an_unexpected_failure_is_still_a_message_box(formulas: Session, period: Period) -> None:
    def broken(book: object) -> str:
        raise ZeroDivisionError("division by zero")

    book = live_book(period.end)
    assert macros.press(broken, book) is None  # type: ignore[arg-type]
    assert "unexpected" in book.app.alerts[0][0] and "Traceback" not in book.app.alerts[0][0]


def test_build_invoices_needs_a_price_list(formulas: Session, workbook: OpenpyxlBook) -> None:
    with pytest.raises(InputError, match="No price list is set"):
        macros.build_invoices_action(workbook)


def test_build_invoices_writes_next_to_the_workbook(formulas: Session, workbook: OpenpyxlBook, period: Period) -> None:
    workbook.write("Control", "B8", str(PRICES))
    message = macros.build_invoices_action(workbook)
    folder = workbook.path.parent / "invoices" / period.end.isoformat()  # type: ignore[union-attr]
    manifest = json.loads((folder / "manifest.json").read_text())
    files = [entry["file"] for entry in manifest["invoices"] if entry["status"] == "ok"]
    assert files and all((folder / name).is_file() for name in files)
    assert message.startswith(f"Wrote {len(files)} invoices to {folder} (list: {folder / 'manifest.json'}, index.xlsx)")
    assert f"for the period ending {period}." in message
    listed = pd.DataFrame(workbook.read_sheet("Built invoices")[3:], columns=workbook.read_sheet("Built invoices")[2])
    assert sorted(listed["invoice_number"]) == sorted(e["invoice_number"] for e in manifest["invoices"])
    totals = {e["invoice_number"]: Decimal(e["total"]) for e in manifest["invoices"]}
    grosses = zip(listed["invoice_number"], listed["gross"], strict=True)
    assert all(totals[number] == Decimal(str(gross)) for number, gross in grosses)
    fetched = pd.DataFrame(workbook.read_sheet("Fetched")[3:], columns=workbook.read_sheet("Fetched")[2])
    (row,) = fetched[fetched["data"] == "Built invoices"].itertuples()
    assert row.period_end.date() == period.end and row.source == f"invoices/{period.end}/manifest.json", (
        "for the Overview, said from beside the workbook"
    )


OPEN_PERIOD = date(2026, 11, 30)
"""The sandbox's open period ("today" is 2026-11-21)."""


def test_build_invoices_refuses_the_open_period_unless_allowed(formulas: Session, workbook: OpenpyxlBook) -> None:
    workbook.write("Control", "B3", OPEN_PERIOD)
    workbook.write("Control", "B8", str(PRICES))
    book = double.Book("/Users/ann/billing/billing.xlsx", ["Control"])
    assert macros.press(lambda _: macros.build_invoices_action(workbook), book) is None  # type: ignore[arg-type]
    [(prompt, title, mode)] = book.app.alerts
    assert prompt == (
        "The billing period ending 2026-11-30 is still open: its invoices could still change. Pick a closed "
        "period on the Control sheet, or set 'Allow open period' to TRUE there to write DRAFT invoices."
    )
    assert (title, mode) == ("xlbilling", "critical")
    assert not (workbook.path.parent / "invoices").exists(), "nothing written"  # type: ignore[union-attr]


def test_build_invoices_writes_the_open_period_as_drafts_when_allowed(
    formulas: Session, workbook: OpenpyxlBook, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "config.toml"  # no [seller]: the invoices are SAMPLES too
    monkeypatch.setenv("XLBILLING_CONFIG", str(config))
    workbook.write("Control", "B3", OPEN_PERIOD)
    workbook.write("Control", "B8", str(PRICES))
    workbook.write("Control", "B10", True)
    message = macros.build_invoices_action(workbook)
    folder = workbook.path.parent / "invoices" / OPEN_PERIOD.isoformat()  # type: ignore[union-attr]
    invoices = json.loads((folder / "manifest.json").read_text())["invoices"]
    assert invoices and {entry["status"] for entry in invoices} == {"draft"}
    assert all((folder / entry["file"]).is_file() for entry in invoices)
    count = len(invoices)
    assert message == (
        f"Wrote {count} invoices to {folder} (list: {folder / 'manifest.json'}, index.xlsx) for the period ending "
        f"2026-11-30. {count} invoices are DRAFTS: the period is still open; do not send them. {count} invoices are "
        "SAMPLES (seller details not set): they show an example seller; do not send them. Fill the Seller rows on "
        f"the Control sheet, or set name, address, vat_id and bank details under [seller] in {config} (`xlbilling "
        "config` shows them), and build again."
    )


def test_build_invoices_takes_the_seller_from_the_control_sheet(
    formulas: Session, workbook: OpenpyxlBook, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, period: Period
) -> None:
    monkeypatch.setenv("XLBILLING_CONFIG", str(tmp_path / "config.toml"))  # no [seller] in the settings
    workbook.write("Control", "B8", str(PRICES))
    rows = {"Seller name": "Kestrel IT Partners Ltd", "Seller address": "4 Mill Lane; York YO1 7HH",
            "Seller VAT number": "GB 987 6543 21", "Seller IBAN": "GB00EXMP12345687654321"}  # fmt: skip
    for row in range(3, 40):
        label = workbook.read("Control", f"A{row}")
        if label in rows:
            workbook.write("Control", f"B{row}", rows.pop(label))
    assert not rows, "the template has every seller row"
    message = macros.build_invoices_action(workbook)
    assert "SAMPLE" not in message
    folder = workbook.path.parent / "invoices" / period.end.isoformat()  # type: ignore[union-attr]
    entry = json.loads((folder / "manifest.json").read_text())["invoices"][0]
    assert entry["sample"] is False and "SAMPLE" not in entry["file"]
    sheet = openpyxl.load_workbook(folder / entry["file"])["Invoice"]
    shown = " ".join(str(cell.value) for row in sheet.iter_rows() for cell in row if cell.value)
    for text in ("Kestrel IT Partners Ltd", "4 Mill Lane, York YO1 7HH", "GB 987 6543 21", "GB00EXMP12345687654321"):
        assert text in shown
    assert "Example MSP" not in shown


@pytest.mark.parametrize(("typed", "allowed"), [("TRUE", True), ("no", False), (1, True), (None, False)])
def test_allow_open_period_is_read_like_billable_only(workbook: OpenpyxlBook, typed: object, allowed: bool) -> None:
    workbook.write("Control", "B10", typed)
    assert read_params(workbook).allow_open is allowed


def test_allow_open_period_must_be_true_or_false(workbook: OpenpyxlBook) -> None:
    workbook.write("Control", "B10", "maybe")
    with pytest.raises(InputError, match=r"^Control!B10 \(Allow open period\): 'maybe' is not TRUE or FALSE"):
        read_params(workbook)


def test_the_output_folder_needs_a_saved_workbook() -> None:
    with pytest.raises(InputError, match="has not been saved yet"):
        macros.output_folder(OpenpyxlBook.new())


def test_clear_cache_says_how_much_it_forgot(formulas: Session) -> None:
    formulas.atria().periods()
    formulas.atria().customers()
    formulas.atria().summary(formulas.latest_closed())
    # the /parameters answer (periods and customers both come from it), and one summary
    assert macros.clear_cache_action(OpenpyxlBook.new()).startswith("Cleared 2 cached results")


def test_settings_show_where_data_comes_from_without_tokens(sandbox: Sandbox, sandbox_env: None) -> None:
    shown = macros.settings_action(OpenpyxlBook.new())
    assert f"atria_url: {sandbox.url} (environment XLBILLING_ATRIA_URL)" in shown
    assert "atria_token: set (environment XLBILLING_ATRIA_TOKEN)" in shown and sandbox.token not in shown


def test_a_workbooks_conf_sheet_sets_the_urls_but_never_a_token(sandbox: Sandbox, sandbox_env: None) -> None:
    book = OpenpyxlBook.new()
    book.write(CONF_SHEET, "A1", "Atria URL")
    book.write(CONF_SHEET, "B1", "http://127.0.0.1:9")
    book.write(CONF_SHEET, "A2", "Atria token")
    book.write(CONF_SHEET, "B2", "from-a-workbook-" + "y" * 20)
    client = workbook_session(book).atria().client.client
    assert client.base_url == "http://127.0.0.1:9"
    assert client._token == sandbox.token


def test_control_sheet_file_names_are_found_next_to_the_workbook(workbook: OpenpyxlBook, period: Period) -> None:
    workbook.write("Control", "B8", "prices.csv")
    workbook.write("Control", "B9", str(PRICES))
    params = read_params(workbook)
    assert params.prices == str(workbook.path.parent / "prices.csv")  # type: ignore[union-attr]
    assert params.mapping == str(PRICES) and params.period == period.end


def test_a_button_writes_nothing_when_one_table_has_no_room(formulas: Session, period: Period) -> None:
    book = live_book(period.end)
    customers = book.sheets.add("Customers")
    customers.range("A3:D3").value = [["customer_code", "customer_name", "account_code", "billed_by"]]
    customers.tables.add(customers.range("A3:D4"), "Customers")  # refreshed once, when Atria had one customer
    customers.cells[(8, 1)] = "ask Sam about CUST0007"
    before = dict(customers.cells)
    assert macros.press(macros.refresh_action(["periods", "customers"]), book) is None  # type: ignore[arg-type]
    [(prompt, _, mode)] = book.app.alerts
    assert prompt.startswith("The table Customers would overwrite A8 on 'Customers'.") and mode == "critical"
    assert [sheet.name for sheet in book.sheets] == ["Control", "Customers"], "not even Periods was written"
    assert customers.cells == before


def test_a_users_own_sheet_named_like_xlbillings_is_never_written(formulas: Session, period: Period) -> None:
    book = live_book(period.end)
    book.sheets.add("Customers").cells[(1, 1)] = "my customer notes"
    assert macros.press(macros.refresh_action(["periods", "customers"]), book) is None  # type: ignore[arg-type]
    [(prompt, _, _)] = book.app.alerts
    assert prompt.startswith("The sheet 'Customers' has no Customers table: it is not xlbilling's")
    assert [sheet.name for sheet in book.sheets] == ["Control", "Customers"], "nothing was fetched or written"
    assert book.sheets["Customers"].cells == {(1, 1): "my customer notes"}


def test_a_live_books_mapping_sheet_is_the_product_mapping_when_control_names_no_file(period: Period) -> None:
    book = live_book(period.end)
    sheet = book.sheets.add("Mapping")
    sheet.cells.update({(1, 1): "Our part numbers", (3, 1): "Part_Number", (3, 2): "SKU",
                        (4, 1): "XDM00001", (4, 2): "M365-BB", (6, 1): "XDM00003", (6, 2): "M365-BP"})  # fmt: skip
    mapping = load_mapping(read_params(XlwingsBook(book)).mapping)  # type: ignore[arg-type]
    assert mapping.products == {"XDM00001": "M365-BB", "XDM00003": "M365-BP"}


@pytest.fixture(scope="module")
def other_atria(sandbox: Sandbox) -> Iterator[Sandbox]:
    """Another Atria (other customers: seed 7) that accepts the user's token, for a workbook to name."""
    with start_sandbox(seed=7, today=TODAY, token=sandbox.token) as running:
        yield running


def test_a_workbook_naming_another_atria_never_reads_the_formulas_cached_lists(
    formulas: Session, sandbox_env: None, other_atria: Sandbox, workbook: OpenpyxlBook, period: Period
) -> None:
    ours = formulas.atria().customers()  # the formulas' Atria: its customer list is cached
    theirs = Atria(ApiClient("Atria", other_atria.url, other_atria.token, retries=0))
    customers = theirs.customers()
    pick = customers[~customers["customer_name"].isin(ours["customer_name"])].iloc[0]
    workbook.write(CONF_SHEET, "A1", "Atria URL")
    workbook.write(CONF_SHEET, "B1", other_atria.url)
    workbook.write("Control", "B4", pick["customer_name"])
    message = macros.refresh_action(["detail"])(workbook)
    expected = theirs.detail(period, pick["customer_code"])
    assert len(expected) and message == f"Refreshed Detail ({len(expected)} rows)."
    detail = pd.DataFrame(workbook.read_sheet("Detail")[3:], columns=workbook.read_sheet("Detail")[2])
    assert set(detail["customer_code"]) == {pick["customer_code"]}
    assert other_atria.url in str(workbook.read("Detail", "A1"))
    assert formulas.atria().customers() is ours, "the formulas' own list is still theirs"


@pytest.fixture
def untaxed_prices(tmp_path: Path) -> Path:
    """The sandbox's price list without its tax_rate column."""
    with PRICES.open(newline="") as handle:
        rows = [row[:-1] for row in csv.reader(handle)]
    assert rows[0] == ["sku", "unit_price", "currency", "description"]
    path = tmp_path / "untaxed.csv"
    with path.open("w", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


def invoices_of(message: str) -> list[dict[str, object]]:
    folder = Path(message.split(" to ", 1)[1].split(" (list: ")[0])
    return json.loads((folder / "manifest.json").read_text())["invoices"]


def test_build_invoices_without_a_tax_rate_says_to_fill_it_on_the_control_sheet(
    formulas: Session, workbook: OpenpyxlBook, untaxed_prices: Path
) -> None:
    workbook.write("Control", "B8", str(untaxed_prices))
    book = double.Book("/Users/ann/billing/billing.xlsx", ["Control"])
    assert macros.press(lambda _: macros.build_invoices_action(workbook), book) is None  # type: ignore[arg-type]
    [(prompt, _, mode)] = book.app.alerts
    assert prompt.startswith("No tax rate for SKU ") and "M365-BB" in prompt and mode == "critical"
    assert prompt.endswith(
        "Fill 'Tax rate' on the Control sheet (0.20 or 20%; 0 if exempt), or add a tax_rate column to the "
        "price list; nothing was written."
    )
    assert not (workbook.path.parent / "invoices").exists()  # type: ignore[union-attr]


@pytest.mark.parametrize(("typed", "rate"), [("20%", Decimal("0.20")), (0, Decimal(0))])
def test_build_invoices_gives_the_control_tax_rate_to_skus_without_one(
    formulas: Session, workbook: OpenpyxlBook, untaxed_prices: Path, typed: object, rate: Decimal
) -> None:
    workbook.write("Control", "B8", str(untaxed_prices))
    workbook.write("Control", "B11", typed)
    message = macros.build_invoices_action(workbook)
    invoices = invoices_of(message)
    assert invoices and {entry["status"] for entry in invoices} == {"ok"}
    assert message.startswith(f"Wrote {len(invoices)} invoices to ") and "tax rate" not in message
    for entry in invoices:
        subtotal, tax = Decimal(str(entry["subtotal"])), Decimal(str(entry["tax"]))
        assert subtotal > 0 and tax == (subtotal * rate).quantize(Decimal("0.01"))


@pytest.mark.parametrize(
    ("typed", "kept"),
    [(0.2, Decimal("0.2")), ("20%", Decimal("0.2")), (0.0, Decimal(0)), (None, None), ("  ", None)],
)
def test_the_control_tax_rate_is_read_below_the_other_rows(
    workbook: OpenpyxlBook, typed: object, kept: Decimal | None
) -> None:
    assert workbook.read("Control", "A11") == "Tax rate" and workbook.read("Control", "A10") == "Allow open period"
    workbook.write("Control", "B11", typed)
    assert read_params(workbook).tax_rate == kept


def test_a_control_tax_rate_that_is_not_one_names_its_cell(workbook: OpenpyxlBook) -> None:
    workbook.write("Control", "B11", "standard")
    with pytest.raises(InputError, match=r"^Control!B11 \(Tax rate\): 'standard' is not a tax rate\. Write a"):
        read_params(workbook)


def test_build_invoices_writes_ubl_e_invoices_with_the_register_sheet(
    formulas: Session, workbook: OpenpyxlBook, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, period: Period
) -> None:
    """ "E-invoice" on Control asks for e-invoices; the Customer register sheet (the sandbox's) gives the buyers."""
    from xlbilling._workbook.control import write_param

    monkeypatch.setenv("XLBILLING_CONFIG", str(tmp_path / "config.toml"))
    workbook.write("Control", "B8", str(PRICES))
    write_param(workbook, "einvoice", "UBL")
    params = read_params(workbook)
    assert params.einvoice == "ubl" and not isinstance(params.register, str) and params.register is not None
    assert params.register.source == "the Customer register sheet" and "HAZE001" in params.register.buyers
    message = macros.build_invoices_action(workbook)
    folder = workbook.path.parent / "invoices" / period.end.isoformat()  # type: ignore[union-attr]
    entries = json.loads((folder / "manifest.json").read_text())["invoices"]
    written = [entry for entry in entries if entry["xml"]]
    assert written and all((folder / entry["xml"]).is_file() for entry in written)
    failed = [entry for entry in entries if entry["einvoice"] == "failed"]
    assert all("of the Customer register sheet for account" in entry["einvoice_error"] for entry in failed)
    assert all(entry["status"] == "ok" for entry in entries)  # a missing e-invoice does not fail its invoice
    assert f" and {len(written)} UBL e-invoices to {folder}" in message
    assert failed, "the sandbox's register leaves a few buyers' details out on purpose"
    assert f"{len(failed)} e-invoice{'s' * (len(failed) > 1)} not written (their invoices were)" in message


def test_the_e_invoice_choice_must_be_one_of_the_formats(workbook: OpenpyxlBook) -> None:
    from xlbilling._workbook.control import param_cell, write_param

    write_param(workbook, "einvoice", "pdf")
    with pytest.raises(InputError, match=rf"Control!{param_cell(workbook, 'einvoice')} \(E-invoice\): 'pdf' is not"):
        read_params(workbook)
