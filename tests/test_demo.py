"""The README's first command: `xlbilling demo` on a fresh folder, run as a real process."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from openpyxl import load_workbook
from python_calamine import CalamineWorkbook

TABLES = ["Periods", "Customers", "Summary", "Detail", "InvoiceLines", "Analysis", "XariosInvoices", "Changes"]


def run_demo(out: Path) -> subprocess.CompletedProcess[str]:
    script = shutil.which("xlbilling", path=str(Path(sys.executable).parent)) or "xlbilling"
    env = {k: v for k, v in os.environ.items() if not k.startswith("XLBILLING_")}
    return subprocess.run([script, "demo", "--out", str(out)], capture_output=True, text=True, env=env, timeout=600)


def test_demo_writes_a_billing_workbook_with_one_table_per_data_set(tmp_path: Path) -> None:
    done = run_demo(tmp_path / "demo")
    assert done.returncode == 0, done.stderr
    workbook = tmp_path / "demo" / "billing.xlsx"
    assert f"billing workbook: {workbook}" in done.stdout
    book = load_workbook(workbook)
    tables = {name: sheet for sheet in book.worksheets for name in sheet.tables}
    assert sorted(tables) == sorted(
        [*TABLES, "Reconciliation", "UnmappedTenants", "UnmappedProducts", "InvoiceChecks", "ProductMap"]
    )
    (invoice_folder,) = (tmp_path / "demo").glob("invoices-*")
    period = invoice_folder.name.removeprefix("invoices-")
    assert f"latest closed period: {period}" in done.stderr
    assert str(book["Summary"]["A1"].value).endswith(" UTC") and period in str(book["Summary"]["A1"].value)
    assert book["Dashboard"]._charts, "the template's chart survives the refresh"
    lines = CalamineWorkbook.from_path(str(workbook)).get_sheet_by_name("Invoice lines").to_python()[2:]
    header = lines[0]
    assert header[:2] == ["customer_code", "customer_name"]
    assert all(float(str(row[header.index("quantity")])) > 0 for row in lines[1:])
    assert not [p for p in (tmp_path / "demo").iterdir() if p.name.endswith(".part")]
    invoices = tmp_path / "demo" / f"invoices-{period}"
    manifest = json.loads((invoices / "manifest.json").read_text())
    workbooks = sorted(invoices.glob("*.xlsx"))
    assert f"invoices: {len(workbooks) - 1} workbooks and PDFs in {invoices}" in done.stdout
    assert len(workbooks) - 1 == len(manifest["invoices"]) > 0  # minus index.xlsx
    assert all(
        (invoices / entry["file"]).with_suffix(".pdf").read_bytes()[:4] == b"%PDF" for entry in manifest["invoices"]
    )
    reconciliation = tmp_path / "demo" / f"reconciliation-{period}.xlsx"
    assert f"reconciliation: {reconciliation}" in done.stdout
    assert "money at stake: " in done.stdout and "1 under billed" in done.stdout
    assert "Detail" in load_workbook(reconciliation).sheetnames
