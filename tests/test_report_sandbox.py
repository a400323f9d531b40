"""``xlbilling report`` and ``build_invoices`` against the sandbox over real loopback HTTP."""

from __future__ import annotations

import json
import os
from collections import Counter
from datetime import date
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner, Result
from python_calamine import CalamineWorkbook

from tests.test_report_build import cell_of, recalculate
from xlbilling._apis.atria import Atria
from xlbilling._cli import main
from xlbilling._config.seller import Seller
from xlbilling._errors import NotBillTo, TemplateError
from xlbilling._inputs.prices import load_prices
from xlbilling._invoices import Manifest, build_invoices
from xlbilling._sandbox import Sandbox
from xlbilling._values.money import to_decimal
from xlbilling._values.period import Period

PRICES = Path(__file__).parents[1] / "xlbilling" / "_sandbox" / "data" / "prices.csv"


@pytest.fixture(scope="module")
def invoices(sandbox: Sandbox, tmp_path_factory: pytest.TempPathFactory) -> tuple[Manifest, Atria]:
    """Every invoice of the latest closed period, built once for the module."""
    from tests.conftest import CLOSED  # the fixture `period` is function-scoped
    from xlbilling._apis.transport.client import ApiClient

    client = ApiClient("Atria", sandbox.url, sandbox.token, retries=1, backoff=0.01)
    atria = Atria(client)
    out = tmp_path_factory.mktemp("invoices")
    seller = Seller(name="Test Seller Ltd")  # configured: not SAMPLES (tests/test_seller.py covers those)
    prices = load_prices(PRICES).at(CLOSED.end)
    return build_invoices(atria, CLOSED, out_dir=out, prices=prices, workers=2, seller=seller), atria


def test_one_sku_reads_the_same_on_every_page_of_an_invoice(invoices: tuple[Manifest, Atria]) -> None:
    """Atria's invoice line ("Mail Archive (Assigned to Customer)") and its summary grouping ("Mail Archive
    100 GB") name a SKU differently: an invoice shows the line's name on its lines and on its Changes page."""
    manifest, _ = invoices
    differing = 0
    for entry in manifest.entries:
        book = openpyxl.load_workbook(manifest.out_dir / str(entry.file))
        named: dict[str, set[str]] = {}
        for row in book["Invoice"].iter_rows(min_row=18, max_col=2, values_only=True):
            if row[0] and row[1]:
                named.setdefault(str(row[0]), set()).add(str(row[1]))
        lines = {sku: set(names) for sku, names in named.items()}
        for sku, description in book["Changes"].iter_rows(min_row=4, min_col=2, max_col=3, values_only=True):
            if sku:
                named.setdefault(str(sku), set()).add(str(description))
        assert all(len(names) == 1 for names in named.values()), (entry.file, named)
        differing += sum(1 for sku, names in lines.items() if names != {sku})
    assert differing, "the sandbox's lines carry their own descriptions"


def test_every_bill_to_customer_gets_its_lines(invoices: tuple[Manifest, Atria], period: Period) -> None:
    manifest, atria = invoices
    lines = atria.invoice_lines(period)
    payer = lines["bill_to_code"].fillna(lines["customer_code"])
    assert sorted(e.bill_to_code for e in manifest.entries) == sorted(set(payer))
    assert all(e.status == "ok" for e in manifest.entries)
    for entry in manifest.entries:
        book = openpyxl.load_workbook(manifest.out_dir / str(entry.file))
        sheet = book["Invoice"]
        assert cell_of(book, "InvoiceNumber").value == entry.invoice_number
        shown: Counter[tuple[str, str, Decimal]] = Counter()
        for row in sheet.iter_rows(min_row=18):
            net = row[6].value
            if isinstance(net, str) and net.startswith("=ROUND(D"):
                shown[(row[2].value or entry.bill_to_name, row[0].value, to_decimal(row[3].value))] += 1
        own = lines[payer == entry.bill_to_code]
        expected = Counter(
            (name, sku, to_decimal(qty))
            for name, sku, qty in zip(own["customer_name"], own["sku"], own["quantity"], strict=True)
            if qty
        )
        assert shown == expected, entry.file
        assert entry.line_count == sum(expected.values())


def test_workbooks_read_back_with_calamine(invoices: tuple[Manifest, Atria]) -> None:
    manifest, _ = invoices
    for entry in manifest.entries:
        book = CalamineWorkbook.from_path(str(manifest.out_dir / str(entry.file)))
        assert book.sheet_names == ["Invoice", "Users", "Changes"]
        rows = book.get_sheet_by_name("Invoice").to_python()
        assert rows[5][0] == "Tax invoice"
        assert rows[7][5] == entry.invoice_number
        assert rows[8][0] == entry.bill_to_name
        assert rows[12][5] == entry.currency == "GBP"


def test_libreoffice_totals_equal_the_manifest_for_every_invoice(
    invoices: tuple[Manifest, Atria], tmp_path: Path
) -> None:
    manifest, _ = invoices
    files = [manifest.out_dir / str(e.file) for e in manifest.entries]
    recalculated = recalculate(files, tmp_path)
    assert len(recalculated) == len(manifest.entries) > 10
    for entry in manifest.entries:
        value = cell_of(openpyxl.load_workbook(recalculated[str(entry.file)], data_only=True), "InvoiceTotal").value
        assert isinstance(value, int | float), entry.file
        assert to_decimal(value) == entry.total, entry.file


def test_hostile_sandbox_names_stay_text(invoices: tuple[Manifest, Atria]) -> None:
    manifest, _ = invoices
    hostile = [e for e in manifest.entries if e.bill_to_name.startswith(("=", "+", "-", "@"))]
    assert hostile, "the sandbox serves a customer whose name looks like a formula"
    for entry in hostile:
        assert not str(entry.file).startswith(("=", "+", "-", "@"))
        cell = openpyxl.load_workbook(manifest.out_dir / str(entry.file))["Invoice"]["A9"]
        assert cell.value == entry.bill_to_name and cell.data_type == "s"


def test_a_bad_template_stops_the_run_before_anything_is_written(atria: Atria, period: Period, tmp_path: Path) -> None:
    template = tmp_path / "bad.xlsx"
    book = openpyxl.Workbook()
    assert book.active is not None
    book.active["A1"] = "{{ invoice.numbr }}"
    book.save(template)
    out = tmp_path / "out"
    with pytest.raises(TemplateError, match=r"Sheet!A1 has an unknown placeholder \{\{ invoice.numbr \}\}"):
        build_invoices(atria, period, out_dir=out, prices=load_prices(PRICES).at(period.end), template=template)
    assert not out.exists()


def run(*args: str) -> Result:
    return CliRunner().invoke(main, ["report", *args])


@pytest.mark.usefixtures("sandbox_env")
def test_cli_writes_invoices_and_a_manifest(tmp_path: Path) -> None:
    result = run("--period", "2026-10-31", "--prices", str(PRICES), "--out", str(tmp_path), "--customer", "CUST0001")
    assert result.exit_code == 0, result.output
    data = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
    assert [e["bill_to_code"] for e in data["invoices"]] == ["CUST0001"]
    assert f"Wrote 1 invoice to {tmp_path}" in result.output
    index = openpyxl.load_workbook(tmp_path / "index.xlsx")["Invoices"]
    entry = data["invoices"][0]
    assert [index["A1"].value, index["G1"].value] == ["Invoice number", "Gross"]
    assert index["A2"].value == entry["invoice_number"] and index["G2"].value == float(entry["total"])


@pytest.mark.usefixtures("sandbox_env")
def test_cli_without_prices_says_how_to_give_them(tmp_path: Path) -> None:
    result = run("--period", "2026-10-31", "--out", str(tmp_path / "out"))
    assert result.exit_code == 2
    assert "Invoices need a price list" in result.output and "--prices PATH" in result.output
    assert not (tmp_path / "out").exists()


@pytest.mark.usefixtures("sandbox_env")
def test_cli_missing_price_stops_before_writing_and_names_each_sku_once(tmp_path: Path, atria: Atria) -> None:
    prices = tmp_path / "prices.csv"
    prices.write_text("".join(line for line in PRICES.read_text().splitlines(True) if not line.startswith("DNS-FLT,")))
    result = run("--period", "2026-10-31", "--prices", str(prices), "--out", str(tmp_path / "out"))
    assert result.exit_code == 2
    lines = atria.invoice_lines(atria.period(date(2026, 10, 31)))
    billed = lines[(lines["sku"] == "DNS-FLT") & (lines["quantity"] != 0)]
    payers = sorted(set(billed["bill_to_name"].fillna(billed["customer_name"])))
    assert result.output.count("DNS-FLT") == 1, "one line, each SKU once"
    assert f"No price for 1 billed SKU: DNS-FLT (on {len(payers)} invoices: " in result.output
    assert sum(name in result.output for name in payers) == min(len(payers), 3)
    assert len(payers) <= 3 or f"and {len(payers) - 3} more)" in result.output
    assert "nothing was written" in result.output and not (tmp_path / "out").exists()


@pytest.mark.usefixtures("sandbox_env")
def test_cli_pdf_writes_a_pdf_per_invoice_into_the_default_relative_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # no --out: invoices/<period end>, relative to where the command runs
    result = run("--period", "2026-10-31", "--prices", str(PRICES), "--customer", "CUST0001", "--customer",
                 "CUST0002", "--pdf", "--proration", "daily", "--workers", "2")  # fmt: skip
    assert result.exit_code == 0, result.output
    folder = tmp_path / "invoices" / "2026-10-31"
    entries = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["invoices"]
    assert len(entries) == 2
    for entry in entries:
        assert entry["pdf"] == entry["file"].replace(".xlsx", ".pdf")
        assert (folder / entry["pdf"]).read_bytes().startswith(b"%PDF")
    assert (folder / "index.xlsx").is_file()
    assert not list(folder.glob(".xlbilling-pdf-*"))


@pytest.mark.usefixtures("sandbox_env")
def test_cli_pdf_without_libreoffice_says_how_to_install_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr("xlbilling._invoices.pdf._KNOWN_PLACES", ())
    result = run("--period", "2026-10-31", "--prices", str(PRICES), "--out", str(tmp_path / "out"), "--pdf")
    assert result.exit_code == 1
    assert "PDF output needs LibreOffice" in result.output and "libreoffice.org" in result.output
    assert not (tmp_path / "out").exists()


@pytest.mark.usefixtures("sandbox_env")
def test_cli_price_list_without_tax_rates_stops_before_writing_until_a_rate_is_given(
    atria: Atria, tmp_path: Path
) -> None:
    prices = tmp_path / "prices.csv"
    prices.write_text("".join(",".join(line.split(",")[:3]) + "\n" for line in PRICES.read_text().splitlines()))
    common = ("--period", "2026-10-31", "--prices", str(prices), "--customer", "CUST0001")
    full = run("--period", "2026-10-31", "--prices", str(PRICES), "--out", str(tmp_path / "earlier"))
    assert full.exit_code == 0, full.output
    earlier = {path.name: path.read_bytes() for path in (tmp_path / "earlier").iterdir()}
    result = run(*common[:-2], "--out", str(tmp_path / "earlier"))  # a rerun without rates into the same folder
    assert result.exit_code == 2
    assert "No tax rate for SKU " in result.output and "pass --tax-rate (0 for exempt)" in result.output
    lines = atria.invoice_lines(atria.period(date(2026, 10, 31)))
    billed = sorted(set(lines.loc[lines["quantity"] != 0, "sku"]))
    assert result.output.split("No tax rate for SKU ")[1].split(":")[0] == ", ".join(billed)  # one error, all SKUs
    assert {path.name: path.read_bytes() for path in (tmp_path / "earlier").iterdir()} == earlier
    result = run(*common, "--out", str(tmp_path / "rated"), "--tax-rate", "20%")
    assert result.exit_code == 0, result.output
    full = run(
        "--period", "2026-10-31", "--prices", str(PRICES), "--customer", "CUST0001", "--out", str(tmp_path / "full")
    )
    assert full.exit_code == 0, full.output
    (rated,) = json.loads((tmp_path / "rated" / "manifest.json").read_text(encoding="utf-8"))["invoices"]
    (listed,) = json.loads((tmp_path / "full" / "manifest.json").read_text(encoding="utf-8"))["invoices"]
    assert Decimal(rated["tax"]) > 0 and (rated["tax"], rated["total"]) == (listed["tax"], listed["total"])


@pytest.mark.usefixtures("sandbox_env")
def test_cli_a_sku_without_a_rate_that_is_not_billed_does_not_stop_the_run(tmp_path: Path) -> None:
    prices = tmp_path / "prices.csv"
    prices.write_text(PRICES.read_text() + "NOT-BILLED,1.00,GBP,Never billed,\n")
    result = run("--period", "2026-10-31", "--prices", str(prices), "--customer", "CUST0001", "--out", str(tmp_path))
    assert result.exit_code == 0, result.output
    (entry,) = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))["invoices"]
    assert entry["status"] == "ok" and (tmp_path / entry["file"]).is_file()


@pytest.mark.usefixtures("sandbox_env")
def test_cli_refuses_an_open_period_unless_allowed_and_then_marks_drafts(tmp_path: Path) -> None:
    Path(os.environ["XLBILLING_CONFIG"]).write_text('[seller]\nname = "Test Seller Ltd"\n')  # not SAMPLES
    common = ("--period", "2026-11-15", "--prices", str(PRICES), "--customer", "CUST0001")
    result = run(*common, "--out", str(tmp_path / "refused"))
    assert result.exit_code == 2
    assert "The billing period ending 2026-11-30 is still open" in result.output and "--allow-open" in result.output
    assert not (tmp_path / "refused").exists()
    result = run(*common, "--out", str(tmp_path / "draft"), "--allow-open")
    assert result.exit_code == 0, result.output
    assert "1 invoice is a DRAFT: the period is still open" in result.output
    data = json.loads((tmp_path / "draft" / "manifest.json").read_text(encoding="utf-8"))
    assert data["period_end"] == "2026-11-30"
    (entry,) = data["invoices"]
    assert entry["status"] == "draft" and entry["invoice_number"] == "HAZE001-202611-DRAFT"
    assert entry["file"] == "Hazel Legal Group Ltd - HAZE001 (DRAFT).xlsx"
    assert (
        openpyxl.load_workbook(tmp_path / "draft" / entry["file"])["Invoice"]["A6"].value == "DRAFT - period still open"
    )


@pytest.mark.usefixtures("sandbox_env")
def test_cli_takes_any_day_of_the_period_and_a_customer_by_name(tmp_path: Path) -> None:
    result = run("--period", "2026-10-15", "--prices", str(PRICES), "--out", str(tmp_path),
                 "--customer", "hazel legal group LTD", "--customer", "obri001")  # fmt: skip
    assert result.exit_code == 0, result.output
    data = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
    assert (data["period_start"], data["period_end"]) == ("2026-10-01", "2026-10-31")
    assert [e["bill_to_code"] for e in data["invoices"]] == ["CUST0001", "CUST0002"]


@pytest.mark.usefixtures("sandbox_env")
def test_report_names_a_customer_that_does_not_pay_or_does_not_exist(
    atria: Atria, sandbox: Sandbox, tmp_path: Path
) -> None:
    nobody = run(
        "--period", "2026-10-15", "--prices", str(PRICES), "--out", str(tmp_path / "a"), "--customer", "NOBODY"
    )
    assert nobody.exit_code == 2 and "Atria has no customer 'NOBODY'" in nobody.output
    assert "`xlbilling customers` lists codes and names" in nobody.output
    zurich = atria.customer_code("Zürich Café GmbH")
    lines = atria.invoice_lines(Period(date(2026, 10, 1), date(2026, 10, 31), "October 2026", True), zurich)
    payer_name, payer_account = lines.loc[0, "bill_to_name"], lines.loc[0, "bill_to_account_code"]
    start = len(sandbox.requests)
    payer = run("--period", "2026-10-15", "--prices", str(PRICES), "--out", str(tmp_path / "b"),
                "--customer", "zürich café gmbh")  # fmt: skip
    assert payer.exit_code == 2
    assert f"Zürich Café GmbH ({zurich}) has no invoice of its own: {payer_name} ({payer_account}) bills it" in (
        payer.stderr
    )
    assert f"Pass --customer {payer_account}, the customer who pays" in payer.stderr
    asked = {request.split("?")[0] for request in sandbox.requests[start:]}
    assert asked == {"GET /api/Billing/parameters"}, "said from the customer list, before any period's data"
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()


def test_the_lines_name_who_pays_for_a_customer_asked_for(atria: Atria, period: Period, tmp_path: Path) -> None:
    """Without the customer list's word (building from the lines alone), the period's lines name the payer."""
    zurich = atria.customer_code("Zürich Café GmbH")
    with pytest.raises(NotBillTo) as caught:
        build_invoices(atria, period, out_dir=tmp_path, prices=load_prices(PRICES).at(period.end), customers=[zurich])
    listed = atria.customers().set_index("customer_name")
    payer = listed.loc["Zürich Café GmbH", "billed_by"]  # who the customer list says bills it
    assert caught.value.payers == {zurich: ("Zürich Café GmbH", payer, listed.loc[payer, "account_code"])}
    assert not tmp_path.joinpath("manifest.json").exists()
