"""The README's first command: `xlbilling demo` on a fresh folder, run as a real process."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from python_calamine import CalamineWorkbook
from rich.cells import cell_len

import xlbilling._demo
from tests.conftest import TODAY
from xlbilling._errors import DataError
from xlbilling._sandbox import Sandbox

TABLES = ["Periods", "Customers", "Summary", "Detail", "InvoiceLines", "Analysis", "XariosInvoices", "Changes",
          "BuiltInvoices", "Fetched"]  # fmt: skip


def run_demo(folder: Path) -> subprocess.CompletedProcess[str]:
    """``xlbilling demo`` as the README has a new user run it, from ``folder``, so everything goes to the
    relative default folder ``xlbilling-demo``; only the day the sandbox takes for today is pinned."""
    script = shutil.which("xlbilling", path=str(Path(sys.executable).parent)) or "xlbilling"
    env = {k: v for k, v in os.environ.items() if not k.startswith("XLBILLING_")} | {"COLUMNS": "100"}
    command = [script, "demo", "--today", TODAY.isoformat()]
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=600, cwd=folder)


def test_demo_writes_a_billing_workbook_with_one_table_per_data_set(tmp_path: Path) -> None:
    done = run_demo(tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    workbook = Path("xlbilling-demo", "billing.xlsx")
    assert f"billing workbook: {workbook}" in done.stdout
    out = tmp_path / "xlbilling-demo"
    workbook = tmp_path / workbook
    book = load_workbook(workbook)
    tables = {name: sheet for sheet in book.worksheets for name in sheet.tables}
    assert sorted(tables) == sorted(
        [*TABLES, "Reconciliation", "UnmappedTenants", "UnmappedProducts", "InvoiceChecks", "ReconciliationClosed",
         "ProductMap", "CustomerRegister", "Margin", "MarginByPeriod", "MarginByCustomer", "MarginByProduct",
         "MarginClosed"]
    )  # fmt: skip
    said = done.stdout.splitlines()
    assert max(cell_len(line) for line in [*said, *done.stderr.splitlines()]) <= 100, "it reads at 100 columns"
    assert not (tmp_path / "xlbilling-demo" / "billing.xlsx.bak").exists(), "nothing the demo does not explain"
    at = said.index("  the 3 customers with the lowest margin:")
    lowest = CalamineWorkbook.from_path(str(tmp_path / "xlbilling-demo" / "margin.xlsx")).get_sheet_by_name("Summary")
    rows = lowest.to_python()
    top = next(n for n, row in enumerate(rows) if row[:4] == ["Customer", "Revenue", "Margin", "Margin %"])
    for line, row in zip(said[at + 1 : at + 4], rows[top + 1 : top + 4], strict=True):
        assert line.startswith(f"    {row[0]}: {row[3]:.1%} of {row[1]:.2f} revenue"), (line, row)
    assert said[at - 1] == f"margin: {Path('xlbilling-demo', 'margin.xlsx')}"
    (invoice_folder,) = (out / "invoices").iterdir()  # where the workbook's Build invoices button writes
    period = invoice_folder.name
    assert f"latest closed period: {period}" in done.stderr
    assert str(book["Summary"]["A1"].value).endswith(" UTC") and period in str(book["Summary"]["A1"].value)
    assert book["Dashboard"]._charts, "the template's chart survives the refresh"
    lines = CalamineWorkbook.from_path(str(workbook)).get_sheet_by_name("Invoice lines").to_python()[2:]
    header = lines[0]
    assert header[:2] == ["customer_code", "customer_name"]
    assert all(float(str(row[header.index("quantity")])) > 0 for row in lines[1:])
    assert not [p for p in out.iterdir() if p.name.endswith(".part")]
    invoices = out / "invoices" / period
    manifest = json.loads((invoices / "manifest.json").read_text())
    assert (invoices / "index.xlsx").is_file()
    workbooks = sorted(invoices.glob("*.xlsx"))
    shown = Path("xlbilling-demo", "invoices", period)
    assert f"invoices: {len(workbooks) - 1} workbooks and PDFs in {shown}" in done.stdout
    assert len(workbooks) - 1 == len(manifest["invoices"]) > 0  # minus index.xlsx
    without = {entry["account_code"] for entry in manifest["invoices"] if not entry.get("xml")}
    lacking = [line for line in said if line.startswith("  ") and ": BT-" in line]  # accounts: what to fill
    named = {account for line in lacking for account in line.split(":")[0].strip().split(", ")}
    assert without and named == without and all("is missing (fill" in line for line in lacking), lacking
    assert all(
        (invoices / entry["file"]).with_suffix(".pdf").read_bytes()[:4] == b"%PDF" for entry in manifest["invoices"]
    )
    reconciliation = out / f"reconciliation-{period}.xlsx"
    assert f"reconciliation: {Path('xlbilling-demo', reconciliation.name)}" in done.stdout
    assert "  leaked (charged by Xarios, not billed): " in done.stdout and " GBP at your price" in done.stdout
    assert "1 under billed" in done.stdout
    assert "Detail" in load_workbook(reconciliation).sheetnames


def no_soffice() -> str:
    raise DataError("LibreOffice is left out of this test.")


def test_demo_asks_once_for_each_data_set(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[Sandbox] = []
    real = xlbilling._demo.start_sandbox

    def keep(**options: Any) -> Sandbox:
        started.append(real(**options))
        return started[0]

    monkeypatch.setattr(xlbilling._demo, "start_sandbox", keep)
    monkeypatch.setattr(xlbilling._demo, "find_soffice", no_soffice)  # PDFs ask the APIs nothing more
    result = xlbilling._demo.run_demo(tmp_path / "out", today=TODAY, say=lambda line: None)
    asked = Counter(started[0].requests)
    assert asked and all(count == 1 for count in asked.values()), asked
    end = result.period.end.isoformat()
    assert set(asked) >= {
        "GET /api/Billing/parameters",
        f"GET /api/Billing/{end}/invoice",
        f"GET /api/Billing/{end}/analysis",
        "GET /api/v1.0/billingdata",
    }
