"""Invoice workbooks from plain inputs (no API): money, layout, hostile names, failures, reruns, crashes.

The inputs are DataFrames with the columns of docs/pages/contract.md, built here by hand so every expected
amount can be worked out on paper.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from openpyxl.drawing.image import Image
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import Font
from openpyxl.worksheet.formula import ArrayFormula
from python_calamine import CalamineWorkbook

from xlbilling._config.seller import Seller
from xlbilling._errors import DataError, TemplateError
from xlbilling._inputs.prices import Price
from xlbilling._invoice import Invoice
from xlbilling._invoices import Manifest, default_template, write_invoices
from xlbilling._invoices import build as build_module
from xlbilling._invoices.pricing import Invoices
from xlbilling._invoices.shipped import WIDTHS
from xlbilling._invoices.template import load_template
from xlbilling._values.money import to_decimal
from xlbilling._values.period import Period

PERIOD = Period(date(2026, 10, 1), date(2026, 10, 31), "October 2026", is_closed=True)
PRICES = {
    "M365-BP": Price("M365-BP", Decimal("22.10"), "GBP", "Microsoft 365 Business Premium", Decimal("0.20")),
    "AV-EP": Price("AV-EP", Decimal("3.335"), "GBP", "Endpoint Protection", Decimal("0.20")),
    "TRAIN": Price("TRAIN", Decimal("9.99"), "GBP", "Training", Decimal("0.05")),
    "ZERO": Price("ZERO", Decimal("1.00"), "GBP", "Zero rated", Decimal("0")),
}


@dataclass
class Customer:
    code: str
    name: str
    account: str
    bill_to: str
    skus: dict[str, int]
    address: tuple[str, ...] = ("1 High St", "", "Leeds", "West Yorkshire", "LS1 1AA", "United Kingdom")
    extra: dict[str, str] = field(default_factory=dict)


DIRECT = Customer("C1", "Acme Ltd", "ACME001", "C1", {"M365-BP": 12, "AV-EP": 3})
PARTNER = Customer("C2", "Northwind Channel", "NWC001", "C2", {"TRAIN": 2, "ZERO": 5})
CONSUMER_A = Customer("C3", "Willow Ltd", "WILL001", "C2", {"M365-BP": 1, "AV-EP": 1})
CONSUMER_B = Customer("C4", "Zürich Café GmbH", "ZURI001", "C2", {"AV-EP": 7})
CUSTOMERS = [DIRECT, PARTNER, CONSUMER_A, CONSUMER_B]


def frames(customers: list[Customer]) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """invoice_lines, analysis and summary frames; each SKU's first user was active half the period."""
    by_code = {c.code: c for c in customers}
    lines, analysis, summary = [], [], []
    for c in customers:
        payer = by_code[c.bill_to]
        for sku, quantity in c.skus.items():
            lines.append(
                {
                    "customer_code": c.code,
                    "customer_name": c.name,
                    "customer_account_code": c.account,
                    "bill_to_code": payer.code,
                    "bill_to_name": payer.name,
                    "bill_to_account_code": payer.account,
                    "sku": sku,
                    "service_code": sku[:3],
                    "service_name": sku,
                    "line_description": f"{sku} service",
                    "quantity": float(quantity),
                }
            )
            for user in range(quantity):
                analysis.append(
                    {
                        "customer_code": c.code,
                        "customer_name": c.name,
                        "account_code": c.account,
                        "bill_to_code": payer.code,
                        "bill_to_name": payer.name,
                        **dict(
                            zip(
                                ("address_line1", "address_line2", "city", "region", "postal_code", "country"),
                                c.address,
                                strict=True,
                            )
                        ),
                        "user_name": f"user{user}@{c.code.lower()}.example",
                        "service_name": sku,
                        "plan_name": "Plan",
                        "sku": sku,
                        "sku_type": "User",
                        "billable": True,
                        "non_billable_reason": None,
                        "start_date": datetime(2026, 10, 16 if user == 0 else 1),
                        "end_date": datetime(2026, 10, 31),
                        "duration_percent": 50.0 if user == 0 else 100.0,
                        "quantity": 1.0,
                        "line_description": f"{sku} - user{user}",
                        "summary_description": f"{sku} service",
                    }
                )
            summary.append(
                {
                    "customer_code": c.code,
                    "customer_name": c.name,
                    "account_code": c.account,
                    "sku": sku,
                    "billable": True,
                    "grouping": f"{sku} service",
                    "last_count": quantity - 1,
                    "this_count": quantity,
                    "difference": 1,
                }
            )
    return pd.DataFrame(lines), pd.DataFrame(analysis), pd.DataFrame(summary)


SELLER = Seller(name="Test Seller Ltd")
"""A configured seller: these invoices are not SAMPLES (tests/test_seller.py covers those)."""


def invoices(
    customers: list[Customer] = CUSTOMERS, proration: str = "none", prices: dict[str, Price] = PRICES
) -> Invoices:
    lines, analysis, summary = frames(customers)
    return Invoices(PERIOD, lines, analysis, summary, prices, proration=proration)


def build(out: Path, source: Invoices | None = None, template: Path | None = None, workers: int = 1) -> Manifest:
    parsed = load_template(template or default_template())
    return write_invoices(source or invoices(), parsed, out_dir=out, workers=workers, seller=SELLER)


def entry_of(manifest: Manifest, code: str) -> dict:
    data = json.loads(manifest.path.read_text(encoding="utf-8"))
    return next(e for e in data["invoices"] if e["bill_to_code"] == code)


def cell_of(book: openpyxl.Workbook, name: str) -> openpyxl.cell.Cell:
    ((sheet, ref),) = list(book.defined_names[name].destinations)
    return book[sheet][ref.replace("$", "")]


# --- money ------------------------------------------------------------------------------------------


def test_line_nets_subtotals_and_tax_per_rate_follow_the_money_rules() -> None:
    made = {i.bill_to.code: i for i in invoices() if isinstance(i, Invoice)}
    acme = made["C1"]
    assert [(line.sku, line.net) for g in acme.groups for line in g.lines] == [
        ("AV-EP", Decimal("10.01")),  # 3 x 3.335 = 10.005, half-up
        ("M365-BP", Decimal("265.20")),  # 12 x 22.10
    ]
    assert acme.subtotal == Decimal("275.21")
    assert [(t.rate, t.amount) for t in acme.taxes] == [(Decimal("0.20"), Decimal("55.04"))]  # 55.042
    assert acme.total == Decimal("330.25")
    partner = made["C2"]
    assert [g.customer_name for g in partner.groups] == ["Northwind Channel", "Willow Ltd", "Zürich Café GmbH"]
    assert [g.subtotal for g in partner.groups] == [Decimal("24.98"), Decimal("25.44"), Decimal("23.35")]
    # 19.98 at 5%, 5.00 at 0%, 25.44 + 23.35 = 48.79 at 20%
    assert [(t.rate, t.net, t.amount) for t in partner.taxes] == [
        (Decimal("0"), Decimal("5.00"), Decimal("0.00")),
        (Decimal("0.05"), Decimal("19.98"), Decimal("1.00")),  # 0.999 -> 1.00
        (Decimal("0.20"), Decimal("48.79"), Decimal("9.76")),  # 9.758 -> 9.76
    ]
    assert partner.total == partner.subtotal + Decimal("10.76") == Decimal("84.53")


def test_daily_proration_bills_the_sum_of_duration_percent() -> None:
    made = {i.bill_to.code: i for i in invoices(proration="daily") if isinstance(i, Invoice)}
    acme = made["C1"]
    assert acme.basis == "daily"
    quantities = {line.sku: line.quantity for g in acme.groups for line in g.lines}
    assert quantities == {"AV-EP": Decimal("2.5"), "M365-BP": Decimal("11.5")}  # one user active half the month
    assert acme.subtotal == Decimal("8.34") + Decimal("254.15")  # 8.3375 -> 8.34, 254.15


# --- the workbook -----------------------------------------------------------------------------------


def test_workbook_holds_header_lines_names_and_live_formulas(tmp_path: Path) -> None:
    manifest = build(tmp_path)
    partner = entry_of(manifest, "C2")
    book = openpyxl.load_workbook(tmp_path / partner["file"])
    sheet = book["Invoice"]
    assert cell_of(book, "InvoiceNumber").value == "NWC001-202610" == partner["invoice_number"]
    assert sheet["A9"].value == "Northwind Channel"
    assert sheet["A10"].value == "1 High St\nLeeds\nWest Yorkshire\nLS1 1AA\nUnited Kingdom"
    assert sheet["F9"].value == datetime(2026, 11, 1) and sheet["F10"].value == datetime(2026, 12, 1)
    assert sheet["F12"].value == "01 Oct 2026 to 31 Oct 2026"
    rows = [[sheet.cell(r, c).value for c in range(1, 8)] for r in range(18, 29)]
    assert rows == [
        ["TRAIN", "TRAIN service", None, 2, 9.99, 0.05, "=ROUND(D18*E18,2)"],
        ["ZERO", "ZERO service", None, 5, 1, 0, "=ROUND(D19*E19,2)"],
        [None, "Subtotal Northwind Channel", None, None, None, None, "=SUBTOTAL(9,G18:G19)"],
        ["AV-EP", "AV-EP service", "Willow Ltd", 1, 3.335, 0.2, "=ROUND(D21*E21,2)"],
        ["M365-BP", "M365-BP service", "Willow Ltd", 1, 22.1, 0.2, "=ROUND(D22*E22,2)"],
        [None, "Subtotal Willow Ltd", None, None, None, None, "=SUBTOTAL(9,G21:G22)"],
        ["AV-EP", "AV-EP service", "Zürich Café GmbH", 7, 3.335, 0.2, "=ROUND(D24*E24,2)"],
        [None, "Subtotal Zürich Café GmbH", None, None, None, None, "=SUBTOTAL(9,G24:G24)"],
        [None] * 7,
        [None, None, None, None, "Subtotal", None, "=ROUND(SUBTOTAL(9,G18:G25),2)"],
        [None, None, None, None, "VAT at", 0, "=ROUND(SUMIF($F$18:$F$25,F28,$G$18:$G$25)*F28,2)"],
    ]
    assert [sheet.cell(r, 6).value for r in (28, 29, 30)] == [0, 0.05, 0.2]
    assert sheet["G31"].value == "=ROUND(SUM(G28:G30),2)"
    assert sheet["G32"].value == "=ROUND(G27+G31,2)"
    assert {
        n: next(iter(book.defined_names[n].destinations))[1] for n in ("InvoiceSubtotal", "InvoiceTax", "InvoiceTotal")
    } == {"InvoiceSubtotal": "$G$27", "InvoiceTax": "$G$31", "InvoiceTotal": "$G$32"}
    assert sheet.print_area == "'Invoice'!$A$1:$G$36"
    assert sheet.print_title_rows == "$17:$17"
    assert sheet.page_setup.fitToWidth == 1 and sheet.sheet_properties.pageSetUpPr.fitToPage
    assert "A35:G35" in {str(r) for r in sheet.merged_cells.ranges}  # the notes moved down with the rows
    users = book["Users"]
    assert users.freeze_panes == "A4"
    assert users.max_row == 3 + 2 + 5 + 2 + 7  # every user of every customer on the invoice
    changes = book["Changes"]
    assert [changes.cell(4, c).value for c in range(1, 7)] == ["Northwind Channel", "TRAIN", "TRAIN service", 1, 2, 1]


def test_an_independent_reader_sees_the_same_header_and_lines(tmp_path: Path) -> None:
    manifest = build(tmp_path)
    acme = entry_of(manifest, "C1")
    book = CalamineWorkbook.from_path(str(tmp_path / acme["file"]))
    rows = book.get_sheet_by_name("Invoice").to_python()
    assert rows[7][5] == "ACME001-202610"
    assert rows[8][0] == "Acme Ltd"
    assert rows[8][5] == date(2026, 11, 1)
    assert [row[:6] for row in rows[17:19]] == [
        ["AV-EP", "AV-EP service", "", 3.0, 3.335, 0.2],
        ["M365-BP", "M365-BP service", "", 12.0, 22.1, 0.2],
    ]
    users = book.get_sheet_by_name("Users").to_python()
    assert users[3][:8] == [
        "Acme Ltd",
        "user0@c1.example",
        "AV-EP, Plan",
        "AV-EP",
        date(2026, 10, 16),
        date(2026, 10, 31),
        50.0,
        "Yes",
    ]


def test_libreoffice_recalculates_every_total_to_the_manifest(tmp_path: Path) -> None:
    manifest = build(tmp_path / "out", invoices(proration="daily"))
    recalculated = recalculate([manifest.out_dir / e.file for e in manifest.entries if e.file], tmp_path / "lo")
    assert len(recalculated) == len(manifest.entries) == 2
    for entry in manifest.entries:
        book = openpyxl.load_workbook(recalculated[str(entry.file)], data_only=True)
        for name, expected in (
            ("InvoiceSubtotal", entry.subtotal),
            ("InvoiceTax", entry.tax),
            ("InvoiceTotal", entry.total),
        ):
            value = cell_of(book, name).value
            assert isinstance(value, int | float), f"{entry.file} {name} was not calculated"
            assert to_decimal(value) == expected, (entry.file, name)
        # the invoice shows one VAT row per rate; their amounts add up to InvoiceTax to the cent
        sheet = book["Invoice"]
        tax_row = cell_of(book, "InvoiceTax").row
        rates = [r for r in range(18, tax_row) if sheet.cell(r, 5).value == "VAT at"]
        assert rates, entry.file
        shown = sum(to_decimal(sheet.cell(r, 7).value) for r in rates)
        assert shown == entry.tax, entry.file


def recalculate(files: list[Path], folder: Path) -> dict[str, Path]:
    """Open each file in LibreOffice headless, let it calculate, and save it as .xlsx into ``folder``."""
    profile = (folder / "profile").as_uri()
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation={profile}",
            "--headless",
            "--convert-to",
            "xlsx",
            "--outdir",
            str(folder),
            *map(str, files),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    return {f.name: folder / f.name for f in files if (folder / f.name).is_file()}


# --- reading right: totals, labels, columns, number formats -------------------------------------------


def shown_rows(sheet: openpyxl.worksheet.worksheet.Worksheet, first: int, last: int) -> list[list[object]]:
    """The values in columns E:G of the rows that print (hidden rows left out)."""
    return [
        [sheet.cell(r, c).value for c in (5, 6)]
        for r in range(first, last + 1)
        if not sheet.row_dimensions[r].hidden and sheet.cell(r, 5).value is not None
    ]


def test_the_totals_show_one_row_per_rate_then_the_total_without_repeating_the_tax(tmp_path: Path) -> None:
    manifest = build(tmp_path)
    acme_book = openpyxl.load_workbook(tmp_path / entry_of(manifest, "C1")["file"])
    acme = acme_book["Invoice"]
    assert shown_rows(acme, 20, 24) == [["Subtotal", None], ["VAT at", 0.2], ["Total (GBP)", None]]
    tax = cell_of(acme_book, "InvoiceTax")  # the total tax is still there, on a row that does not print
    assert acme.row_dimensions[tax.row].hidden and tax.value == "=ROUND(SUM(G22:G22),2)"
    assert cell_of(acme_book, "InvoiceTotal").value == f"=ROUND(G21+G{tax.row},2)"
    partner_book = openpyxl.load_workbook(tmp_path / entry_of(manifest, "C2")["file"])
    assert shown_rows(partner_book["Invoice"], 26, 32) == [
        ["Subtotal", None],
        ["VAT at", 0],
        ["VAT at", 0.05],
        ["VAT at", 0.2],
        ["Total (GBP)", None],
    ]


def test_labels_and_the_values_beside_them_do_not_run_together(tmp_path: Path) -> None:
    manifest = build(tmp_path)
    sheet = openpyxl.load_workbook(tmp_path / entry_of(manifest, "C1")["file"])["Invoice"]
    assert sheet["E24"].value == "Total (GBP)" and "E24:F24" in {str(r) for r in sheet.merged_cells.ranges}
    assert sheet["E22"].alignment.horizontal == "right"  # "VAT at" then the rate, an indent apart
    assert sheet["F22"].alignment.horizontal == "left" and sheet["F22"].alignment.indent >= 1


def test_a_single_customer_invoice_hides_the_empty_customer_column(tmp_path: Path) -> None:
    manifest = build(tmp_path)
    acme = openpyxl.load_workbook(tmp_path / entry_of(manifest, "C1")["file"])["Invoice"]
    assert acme["C17"].value == "Customer" and acme.column_dimensions["C"].hidden
    assert [acme.cell(r, 3).value for r in (18, 19)] == [None, None]
    assert not any(acme.column_dimensions[c].hidden for c in "ABDEFG")
    partner = openpyxl.load_workbook(tmp_path / entry_of(manifest, "C2")["file"])["Invoice"]
    assert not partner.column_dimensions["C"].hidden
    assert partner["C21"].value == "Willow Ltd" and partner["C24"].value == "Zürich Café GmbH"
    assert partner.column_dimensions["C"].width == WIDTHS[2]  # the template's width is kept


def test_list_sheet_columns_fit_their_longest_header_or_value(tmp_path: Path) -> None:
    manifest = build(tmp_path, invoices(proration="daily"))
    book = openpyxl.load_workbook(tmp_path / entry_of(manifest, "C2")["file"])
    for name in ("Users", "Changes"):
        sheet = book[name]
        for column in sheet.iter_cols(min_row=3, max_row=sheet.max_row):
            letter = column[0].column_letter
            longest = max(
                11 if isinstance(c.value, datetime) else len(f"{c.value:,.2f}") if isinstance(c.value, int | float)
                else len(str(c.value or ""))
                for c in column
            )  # fmt: skip
            width = sheet.column_dimensions[letter].width
            assert longest + 1 <= width <= min(longest + 4, 60), (name, letter, longest, width)
    users = book["Users"]
    assert [users.cell(3, c).value for c in (7, 8)] == ["Duration %", "Billable"]
    assert users["G3"].alignment.horizontal == "right"
    assert users["H3"].alignment.horizontal == "left" and users["H3"].alignment.indent >= 1  # a gap between them


def test_whole_quantities_show_no_trailing_decimal_point(tmp_path: Path) -> None:
    whole = openpyxl.load_workbook(tmp_path / "whole" / entry_of(build(tmp_path / "whole"), "C1")["file"])["Invoice"]
    prorated = build(tmp_path / "daily", invoices(proration="daily"))
    daily = openpyxl.load_workbook(tmp_path / "daily" / entry_of(prorated, "C1")["file"])["Invoice"]
    # "#,##0.####" prints 3 as "3." in Excel; General prints "3" and "2.5"
    assert [(c.value, c.number_format) for c in (whole["D18"], whole["D19"])] == [(3, "General"), (12, "General")]
    assert [(c.value, c.number_format) for c in (daily["D18"], daily["D19"])] == [(2.5, "General"), (11.5, "General")]


# --- failures, hostile names, reruns ----------------------------------------------------------------


def test_a_missing_price_fails_that_invoice_only_and_leaves_its_earlier_files(tmp_path: Path) -> None:
    build(tmp_path)
    old = tmp_path / entry_of(Manifest(PERIOD.first_day, PERIOD.end, "none", tmp_path), "C2")["file"]
    old.write_bytes(b"edited by the user")
    old.with_suffix(".pdf").write_bytes(b"%PDF earlier")
    prices = {sku: price for sku, price in PRICES.items() if sku not in ("TRAIN", "ZERO")}
    manifest = build(tmp_path, invoices(prices=prices))
    failed = entry_of(manifest, "C2")
    assert failed["status"] == "failed" and failed["file"] is None and failed["total"] is None
    assert failed["error"] == (
        "No price for SKU TRAIN, ZERO: add it to the price list. The file from an earlier run was left as it "
        "was: Northwind Channel - NWC001.xlsx, Northwind Channel - NWC001.pdf."
    )
    assert old.read_bytes() == b"edited by the user" and old.with_suffix(".pdf").read_bytes() == b"%PDF earlier"
    ok = entry_of(manifest, "C1")
    assert ok["status"] == "ok" and (tmp_path / ok["file"]).is_file() and ok["total"] == "330.25"
    index = openpyxl.load_workbook(tmp_path / "index.xlsx")["Invoices"]
    header = [c.value for c in index[1]]
    statuses = {
        index.cell(r, 2).value: index.cell(r, header.index("Workbook") + 1).value for r in range(2, index.max_row + 1)
    }
    assert statuses == {"Acme Ltd": "written", "Northwind Channel": "failed"}


HOSTILE = [
    Customer("H1", '=HYPERLINK("http://evil.example","Click")', "EVIL001", "H1", {"ZERO": 1}),
    Customer(
        "H2",
        "../../etc/passwd\x07",
        "..\\..\\X",
        "H2",
        {"ZERO": 1},
        address=("+SUM(1,2)", "@cmd", "-2+3", "\tTab", "\rCR", "Lands\x00End"),
    ),
    Customer("H3", "Same Name", "DUP", "H3", {"ZERO": 1}),
    Customer("H4", "Same Name", "DUP", "H4", {"ZERO": 2}),
    Customer("H5", "CON", "NUL", "H5", {"ZERO": 1}),
]


def test_hostile_names_stay_text_and_files_stay_inside_the_folder(tmp_path: Path) -> None:
    out = tmp_path / "out"
    manifest = build(out, invoices(HOSTILE))
    files = sorted(p.name for p in out.glob("*.xlsx") if p.name != "index.xlsx")
    assert len(files) == 5, files  # the two "Same Name - DUP" customers do not overwrite each other
    assert all(p.parent == out for p in tmp_path.rglob("*.xlsx") if p.name != "index.xlsx")
    for name in files:
        assert not name.startswith(("=", "+", "-", "@", ".")) and "/" not in name and "\\" not in name
        assert name.split(".")[0].split(" ")[0].upper() not in ("CON", "NUL")
    evil = entry_of(manifest, "H1")
    book = openpyxl.load_workbook(out / evil["file"])
    name_cell = book["Invoice"]["A9"]
    assert name_cell.value == '=HYPERLINK("http://evil.example","Click")' and name_cell.data_type == "s"
    other = openpyxl.load_workbook(out / entry_of(manifest, "H2")["file"])
    assert other["Invoice"]["A9"].value == "../../etc/passwd"  # control character removed
    address = other["Invoice"]["A10"]
    assert address.data_type == "s" and address.value.startswith("+SUM(1,2)\n@cmd\n-2+3")
    assert "\x00" not in address.value
    with zipfile.ZipFile(out / evil["file"]) as archive:
        sheet_xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>HYPERLINK" not in sheet_xml


def test_running_again_gives_the_same_invoices_and_index(tmp_path: Path) -> None:
    first = build(tmp_path / "one")
    time.sleep(2.1)  # a ZIP stores times to two seconds: a clock-dated index would differ now
    second = build(tmp_path / "two", workers=2)
    assert first.to_json() == second.to_json()
    for entry in first.entries:
        assert entry.file
        assert (tmp_path / "one" / entry.file).read_bytes() == (tmp_path / "two" / entry.file).read_bytes()
    assert (tmp_path / "one" / "index.xlsx").read_bytes() == (tmp_path / "two" / "index.xlsx").read_bytes()


KILLER = """
import os, signal, sys
from pathlib import Path
calls = []
real = Path.write_bytes
def dying_write(self, data):
    calls.append(self)
    if len(calls) == 2:
        with open(self, "wb") as handle:
            handle.write(data[: len(data) // 2])
            handle.flush()
        os.kill(os.getpid(), signal.SIGKILL)
    return real(self, data)
Path.write_bytes = dying_write
sys.path.insert(0, sys.argv[2])
import tests.test_report_build as t
t.build(Path(sys.argv[1]))
"""


def test_a_killed_run_leaves_no_half_written_invoice_and_a_rerun_completes(tmp_path: Path) -> None:
    out = tmp_path / "out"
    run = subprocess.run(
        [sys.executable, "-c", KILLER, str(out), str(Path(__file__).parents[1])],
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == -9, run.stderr.decode()
    finals = [p for p in out.iterdir() if p.suffix == ".xlsx"]
    assert len(finals) == 1  # the first invoice was finished, the second was killed mid-write
    openpyxl.load_workbook(finals[0])  # and the finished one is whole
    assert [p for p in out.iterdir() if p.name.endswith(".part")], "the killed write stays under a temporary name"
    assert not (out / "manifest.json").exists()
    manifest = build(out)
    assert not [p for p in out.iterdir() if p.name.endswith(".part")]
    assert all(entry.status == "ok" and (out / str(entry.file)).is_file() for entry in manifest.entries)
    for entry in manifest.entries:
        openpyxl.load_workbook(out / str(entry.file))


# --- templates --------------------------------------------------------------------------------------


def edited_template(tmp_path: Path, edit: object) -> Path:
    book = openpyxl.load_workbook(default_template())
    edit(book)  # type: ignore[operator]
    path = tmp_path / "template.xlsx"
    book.save(path)
    return path


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            lambda b: b["Invoice"].__setitem__("C3", "{{ invoice.nmber }}"),
            "Invoice!C3 has an unknown placeholder {{ invoice.nmber }}",
        ),
        (lambda b: b["Invoice"].__setitem__("C4", "{{ invoice.number"), "Invoice!C4 has a malformed placeholder"),
        (lambda b: b["Invoice"].__setitem__("C18", "{{ tax.rate }}"), "Invoice row 18 mixes line, tax placeholders"),
        (
            lambda b: b["Users"].__setitem__("A6", "{{ group.customer_name }}"),
            "Users row 6: {{ group.* }} must be right below the line row",
        ),
        (lambda b: b["Invoice"].merge_cells("A18:A19"), "Invoice!A18:A19 is merged across a repeated row"),
        (lambda b: b.defined_names.pop("InvoiceTotal"), "the defined name InvoiceTotal is missing"),
        (
            lambda b: b["Invoice"].__setitem__("H5", '="{{ invoice.number }}"'),
            "Invoice!H5 mixes a formula and a placeholder",
        ),
        (
            lambda b: b["Invoice"].__setitem__("H18", ArrayFormula("H18", "=SUM(D18:D18*E18:E18)")),
            "Invoice!H18 holds an array formula",
        ),
        (
            lambda b: (
                b["Invoice"].__setitem__("A18", "{{ invoice.number }}")
                or [b["Invoice"].__setitem__(f"{c}18", None) for c in "BCDEF"]
            ),
            "no row has {{ line.* }} placeholders",
        ),
    ],
)
def test_bad_templates_are_reported_with_their_cell(tmp_path: Path, edit: object, message: str) -> None:
    path = edited_template(tmp_path, edit)
    with pytest.raises(TemplateError) as caught:
        load_template(path)
    assert message in str(caught.value)


def test_a_text_box_is_reported_with_its_cell_and_part(tmp_path: Path) -> None:
    path = tmp_path / "textbox.xlsx"
    shutil.copy(default_template(), path)
    with zipfile.ZipFile(default_template()) as source:
        drawing = source.read("xl/drawings/drawing1.xml").decode()
        others = {n: source.read(n) for n in source.namelist() if n != "xl/drawings/drawing1.xml"}
    text_box = (
        '<xdr:twoCellAnchor xmlns:xdr="http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing">'
        "<xdr:from><xdr:col>1</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>29</xdr:row><xdr:rowOff>0</xdr:rowOff>"
        "</xdr:from><xdr:to><xdr:col>3</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>31</xdr:row>"
        '<xdr:rowOff>0</xdr:rowOff></xdr:to><xdr:sp macro="" textlink=""><xdr:txBody/></xdr:sp>'
        "<xdr:clientData/></xdr:twoCellAnchor>"
    )
    with zipfile.ZipFile(path, "w") as target:
        for name, content in others.items():
            target.writestr(name, content)
        target.writestr("xl/drawings/drawing1.xml", drawing.replace("</wsDr>", text_box + "</wsDr>"))
    with pytest.raises(TemplateError, match=r"a text box or shape at B30 \(xl/drawings/drawing1.xml\) cannot be kept"):
        load_template(path)


def test_an_edited_template_keeps_its_layout_below_the_repeated_rows(tmp_path: Path) -> None:
    logo = default_template().parent / "logo.png"

    def edit(book: openpyxl.Workbook) -> None:
        sheet = book["Invoice"]
        sheet["A30"] = "Thank you, {{ bill_to.name }}"
        sheet.merge_cells("A30:C30")
        sheet.add_image(Image(str(logo)), "E30")  # a signature picture below the totals
        sheet["G33"] = "=InvoiceTotal*2"
        sheet["G34"] = "=G24-G21"
        sheet.conditional_formatting.add(
            "G18:G18", CellIsRule(operator="lessThan", formula=["0"], font=Font(color="FF0000"))
        )

    path = edited_template(tmp_path, edit)
    manifest = build(tmp_path / "out", template=path)
    acme = openpyxl.load_workbook(tmp_path / "out" / entry_of(manifest, "C1")["file"])["Invoice"]
    partner = openpyxl.load_workbook(tmp_path / "out" / entry_of(manifest, "C2")["file"])["Invoice"]
    # Acme: 2 lines, no customer subtotals (one customer), one tax rate: the block shrinks by 0 rows overall
    assert acme["A30"].value == "Thank you, Acme Ltd" and "A30:C30" in {str(r) for r in acme.merged_cells.ranges}
    assert acme._images[0].anchor._from.row == 0 and acme._images[1].anchor._from.row == 29
    # Northwind: 5 lines + 3 subtotals (8 rows for 2) and 3 tax rates (3 rows for 1): 8 rows further down
    assert partner["A38"].value == "Thank you, Northwind Channel"
    assert "A38:C38" in {str(r) for r in partner.merged_cells.ranges}
    assert partner._images[1].anchor._from.row == 37
    assert partner["G41"].value == "=InvoiceTotal*2"
    assert partner["G42"].value == "=G32-G27"  # total minus subtotal, wherever they moved
    assert [str(cf.sqref) for cf in partner.conditional_formatting] == ["G18:G25"]  # every line row


# --- tax rates, drafts, PDF and render failures ------------------------------------------------------


def test_a_sku_without_a_tax_rate_fails_that_invoice_instead_of_billing_no_tax(tmp_path: Path) -> None:
    prices = {**PRICES, "ZERO": Price("ZERO", Decimal("1.00"), "GBP", "No rate given", None)}
    manifest = build(tmp_path, invoices(prices=prices))
    failed = entry_of(manifest, "C2")
    assert failed["status"] == "failed" and failed["file"] is None
    assert failed["error"] == (
        "No tax rate for SKU ZERO: add a tax_rate column to the price list or give a default tax rate (0 for exempt)."
    )
    assert entry_of(manifest, "C1")["status"] == "ok"  # Acme has no SKU without a rate


def test_an_open_period_gives_invoices_marked_draft(tmp_path: Path) -> None:
    lines, analysis, summary = frames(CUSTOMERS)
    open_period = Period(PERIOD.start, PERIOD.end, PERIOD.name, is_closed=False)
    manifest = build(tmp_path, Invoices(open_period, lines, analysis, summary, PRICES))
    assert [e.status for e in manifest.entries] == ["draft", "draft"] and not manifest.failed
    assert [(e.invoice_number, e.file) for e in manifest.entries] == [
        ("ACME001-202610-DRAFT", "Acme Ltd - ACME001 (DRAFT).xlsx"),
        ("NWC001-202610-DRAFT", "Northwind Channel - NWC001 (DRAFT).xlsx"),
    ]
    for entry in manifest.entries:
        assert entry_of(manifest, entry.bill_to_code)["status"] == "draft"
        book = openpyxl.load_workbook(tmp_path / str(entry.file))
        assert cell_of(book, "InvoiceNumber").value == entry.invoice_number
        rows = CalamineWorkbook.from_path(str(tmp_path / str(entry.file))).get_sheet_by_name("Invoice").to_python()
        assert rows[5][0] == "DRAFT - period still open"
    closed = build(tmp_path / "closed")
    assert (closed.entries[0].invoice_number, closed.entries[0].file) == ("ACME001-202610", "Acme Ltd - ACME001.xlsx")
    assert openpyxl.load_workbook(tmp_path / "closed" / str(closed.entries[0].file))["Invoice"]["A6"].value == (
        "Tax invoice"
    )


FAKE_SOFFICE = """#!{python}
import sys
from pathlib import Path
args = sys.argv[1:]
out = Path(args[args.index("--outdir") + 1])
for name in args[args.index("--outdir") + 2:]:
    if "Acme" not in name:
        (out / Path(name).with_suffix(".pdf").name).write_bytes(b"%PDF-1.4 fake")
"""


def test_a_pdf_failure_is_recorded_per_invoice_and_the_manifest_is_new(tmp_path: Path) -> None:
    soffice = tmp_path / "soffice"
    soffice.write_text(FAKE_SOFFICE.format(python=sys.executable))
    soffice.chmod(0o755)
    out = tmp_path / "out"
    build(out)
    acme_file = out / entry_of(Manifest(PERIOD.first_day, PERIOD.end, "none", out), "C1")["file"]
    acme_file.with_suffix(".pdf").write_bytes(b"%PDF from an earlier run")
    listed = Manifest(PERIOD.first_day, PERIOD.end, "none", out)
    partner_pdf = out / entry_of(listed, "C2")["file"].replace(".xlsx", ".pdf")
    partner_pdf.mkdir()  # a PDF that cannot be replaced, as when it is open in a viewer on Windows
    (partner_pdf / "inside").write_text("x")
    cheaper = {**PRICES, "M365-BP": Price("M365-BP", Decimal("20.00"), "GBP", None, Decimal("0.20"))}
    parsed = load_template(default_template())
    manifest = write_invoices(invoices(prices=cheaper), parsed, out_dir=out, soffice=str(soffice), seller=SELLER)
    acme, partner = entry_of(manifest, "C1"), entry_of(manifest, "C2")
    assert acme["status"] == "failed" and acme["pdf"] is None
    assert acme["error"] == (
        "The workbook was written but not its PDF: LibreOffice did not produce Acme Ltd - ACME001.pdf. Open the "
        "workbook in LibreOffice to see why, or run without --pdf."
    )
    assert acme["total"] == "300.01"  # 12 x 20.00 + 10.01 = 250.01, plus 50.00 tax (50.002): the new totals
    assert acme_file.is_file() and not acme_file.with_suffix(".pdf").exists(), "a PDF of other figures is gone"
    assert partner["status"] == "failed" and partner["pdf"] is None and partner["file"]
    assert f"Cannot replace or remove {partner_pdf}: " in partner["error"]
    assert "Close it if it is open in Excel or a PDF viewer" in partner["error"]
    assert (partner_pdf / "inside").is_file()
    assert [e.bill_to_code for e in manifest.failed] == ["C1", "C2"]


def test_a_pdf_stays_only_beside_the_workbook_it_was_printed_from(tmp_path: Path) -> None:
    soffice = tmp_path / "soffice"
    soffice.write_text(FAKE_SOFFICE.format(python=sys.executable))
    soffice.chmod(0o755)
    out, parsed = tmp_path / "out", load_template(default_template())
    printed = write_invoices(invoices(), parsed, out_dir=out, soffice=str(soffice))
    partner = entry_of(printed, "C2")
    pdf = out / partner["pdf"]
    assert pdf.read_bytes().startswith(b"%PDF") and partner["sha256"]
    assert partner["sha256"] == hashlib.sha256((out / partner["file"]).read_bytes()).hexdigest()
    same = write_invoices(invoices(), parsed, out_dir=out)  # a rerun without --pdf, same figures
    assert entry_of(same, "C2")["pdf"] == pdf.name and pdf.is_file(), "still the print of these very bytes"
    index = openpyxl.load_workbook(out / "index.xlsx")["Invoices"]
    pdfs = {row[1]: row[9] for row in index.iter_rows(min_row=2, values_only=True)}
    assert [c.value for c in index[1]][9] == "PDF" and pdfs["Northwind Channel"] == "written"
    cheaper = {**PRICES, "M365-BP": Price("M365-BP", Decimal("20.00"), "GBP", None, Decimal("0.20"))}
    changed = write_invoices(invoices(prices=cheaper), parsed, out_dir=out)  # new figures, no --pdf
    assert entry_of(changed, "C2")["pdf"] is None and not pdf.exists(), "the old print showed other totals"
    assert entry_of(changed, "C2")["status"] == "ok"


COUNTING_SOFFICE = """#!{python}
import os
import sys
from pathlib import Path
args = sys.argv[1:]
out = Path(args[args.index("--outdir") + 1])
with open({calls!r}, "a") as calls:
    calls.write(" ".join(Path(name).name for name in args[args.index("--outdir") + 2:]) + "\\n")
for name in args[args.index("--outdir") + 2:]:
    (out / Path(name).with_suffix(".pdf").name).write_bytes(b"%PDF-1.4 printed by process " + str(os.getpid()).encode())
"""


def test_a_rerun_with_pdfs_prints_only_what_changed_and_keeps_the_other_prints_byte_for_byte(tmp_path: Path) -> None:
    calls = tmp_path / "calls.txt"
    soffice = tmp_path / "soffice"
    soffice.write_text(COUNTING_SOFFICE.format(python=sys.executable, calls=str(calls)))
    soffice.chmod(0o755)
    out, parsed = tmp_path / "out", load_template(default_template())
    write_invoices(invoices(), parsed, out_dir=out, soffice=str(soffice))
    printed = {path.name: path.read_bytes() for path in out.glob("*.pdf")}
    assert len(printed) == 2 and len(calls.read_text().splitlines()) == 1
    again = write_invoices(invoices(), parsed, out_dir=out, soffice=str(soffice))  # same figures, --pdf again
    assert {path.name: path.read_bytes() for path in out.glob("*.pdf")} == printed
    assert len(calls.read_text().splitlines()) == 1, "LibreOffice was not run again"
    assert sorted(str(entry_of(again, code)["pdf"]) for code in ("C1", "C2")) == sorted(printed)
    cheaper = {**PRICES, "TRAIN": Price("TRAIN", Decimal("8.99"), "GBP", "Training", Decimal("0.05"))}  # C2's only
    changed = write_invoices(invoices(prices=cheaper), parsed, out_dir=out, soffice=str(soffice))
    partner, acme = str(entry_of(changed, "C2")["pdf"]), str(entry_of(changed, "C1")["pdf"])
    assert calls.read_text().splitlines()[1] == partner.replace(".pdf", ".xlsx"), "only the changed invoice printed"
    assert (out / partner).read_bytes() != printed[partner] and (out / acme).read_bytes() == printed[acme]


def test_libreoffice_that_cannot_run_fails_every_pdf_but_writes_the_manifest(tmp_path: Path) -> None:
    parsed = load_template(default_template())
    manifest = write_invoices(invoices(), parsed, out_dir=tmp_path, soffice=str(tmp_path / "no-soffice"))
    data = json.loads(manifest.path.read_text(encoding="utf-8"))["invoices"]
    assert [(e["status"], e["pdf"]) for e in data] == [("failed", None), ("failed", None)]
    assert all("LibreOffice could not print the invoices to PDF" in e["error"] for e in data)
    assert all((tmp_path / e["file"]).is_file() for e in data)


def test_a_render_failure_leaves_the_earlier_workbook(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    build(tmp_path)
    old = tmp_path / entry_of(Manifest(PERIOD.first_day, PERIOD.end, "none", tmp_path), "C2")["file"]
    earlier = old.read_bytes()
    real = build_module.render

    def failing(template: object, invoice: Invoice) -> bytes:
        if invoice.bill_to.code == "C2":
            raise TemplateError("Invoice!A1 cannot be filled.")
        return real(template, invoice)  # type: ignore[arg-type]

    monkeypatch.setattr(build_module, "render", failing)
    manifest = build(tmp_path)
    failed = entry_of(manifest, "C2")
    assert failed["status"] == "failed" and failed["file"] is None and "cannot be filled" in failed["error"]
    assert failed["error"].endswith(f"The file from an earlier run was left as it was: {old.name}.")
    assert old.read_bytes() == earlier
    assert entry_of(manifest, "C1")["status"] == "ok"


def test_a_workbook_that_cannot_be_replaced_fails_with_its_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    build(tmp_path)
    old = tmp_path / entry_of(Manifest(PERIOD.first_day, PERIOD.end, "none", tmp_path), "C1")["file"]
    earlier = old.read_bytes()
    real = os.replace

    def locked(source: str, target: str) -> None:  # what Windows does while Excel has the file open
        if Path(target) == old:
            raise PermissionError(13, "Permission denied")
        real(source, target)

    monkeypatch.setattr(os, "replace", locked)
    manifest = build(tmp_path)
    failed = entry_of(manifest, "C1")
    assert failed["status"] == "failed" and failed["file"] is None
    assert failed["error"].startswith(f"Cannot write {old}: Permission denied. Close it if it is open in Excel")
    assert failed["error"].endswith(f"The file from an earlier run was left as it was: {old.name}.")
    assert old.read_bytes() == earlier and entry_of(manifest, "C2")["status"] == "ok"


def test_an_index_that_cannot_be_removed_stops_the_run_naming_it(tmp_path: Path) -> None:
    (tmp_path / "index.xlsx").mkdir()  # cannot be removed, like an index.xlsx open in Excel on Windows
    (tmp_path / "index.xlsx" / "inside").write_text("x")
    with pytest.raises(DataError, match=r"Cannot replace or remove .*index\.xlsx: .*Close it if it is open in Excel"):
        build(tmp_path)
    assert [path.name for path in tmp_path.iterdir()] == ["index.xlsx"]  # no invoice written


def test_a_run_that_stops_leaves_no_earlier_manifest(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    build(tmp_path)
    assert (tmp_path / "manifest.json").is_file() and (tmp_path / "index.xlsx").is_file()

    def crash(template: object, invoice: Invoice) -> bytes:
        raise MemoryError

    monkeypatch.setattr(build_module, "render", crash)
    with pytest.raises(MemoryError):
        build(tmp_path)
    assert not (tmp_path / "manifest.json").exists() and not (tmp_path / "index.xlsx").exists()


def test_a_templates_autofilter_and_its_hidden_name_cover_the_same_rows(tmp_path: Path) -> None:
    def edit(book: openpyxl.Workbook) -> None:
        book["Invoice"].auto_filter.ref = "A17:G18"  # the header and the line row

    path = edited_template(tmp_path, edit)
    manifest = build(tmp_path / "out", template=path)
    written = tmp_path / "out" / entry_of(manifest, "C2")["file"]
    with zipfile.ZipFile(written) as archive:
        sheet_xml = archive.read("xl/worksheets/sheet1.xml").decode()
        workbook_xml = archive.read("xl/workbook.xml").decode()
    (autofilter,) = re.findall(r'<autoFilter ref="([^"]+)"', sheet_xml)
    (name,) = re.findall(r'<definedName name="_xlnm._FilterDatabase"[^>]*>([^<]+)<', workbook_xml)
    # Northwind: 5 lines and 3 customer subtotals from row 18: the filter runs from the header to row 25
    assert autofilter == "A17:G25"
    assert name.split("!")[1].replace("$", "") == autofilter
