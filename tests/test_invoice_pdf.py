"""The invoice PDF as a person reads it: the invoice, then the Users and Changes sheets, each from a new page
with its own heading, and the pages numbered across the whole document ("Page X of Y")."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.test_report_build import SELLER, invoices
from xlbilling._invoices import default_template, write_invoices
from xlbilling._invoices.pdf import find_soffice
from xlbilling._invoices.template import load_template


def pages(pdf: Path) -> list[str]:
    """The text of each page of ``pdf`` (pdftotext, layout kept)."""
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return [page for page in text.split("\f") if page.strip()]


def test_each_sheet_starts_its_own_page_with_its_heading_and_pages_count_across_the_document(tmp_path: Path) -> None:
    manifest = write_invoices(
        invoices(), load_template(default_template()), out_dir=tmp_path, soffice=find_soffice(), seller=SELLER
    )
    partner = next(entry for entry in manifest.entries if entry.bill_to_code == "C2")
    printed = pages(tmp_path / str(partner.pdf))
    total = len(printed)
    assert total >= 3
    assert "Tax invoice" in printed[0] and "Test Seller Ltd" in printed[0]
    starts = [page.strip().splitlines()[0].strip() for page in printed]
    users = next(n for n, first in enumerate(starts) if first.startswith("Users and services"))
    changes = next(n for n, first in enumerate(starts) if first.startswith("Changes since"))
    assert 0 < users < changes, "the invoice, then Users, then Changes, each from the top of a page"
    for number, page in enumerate(printed, start=1):
        assert f"Page {number} of {total}" in page, "numbered across the whole document"


def test_every_printed_page_names_the_invoice_and_period_never_the_file_and_prints_readable(tmp_path: Path) -> None:
    """The footer names the invoice number, the customer and the period on each page (not the .xlsx file's
    name), the notes point to what is attached, and LibreOffice prints every page at 7 pt or more with
    every column's longest text whole."""
    from tests.printed import print_problems

    manifest = write_invoices(invoices(), load_template(default_template()), out_dir=tmp_path, seller=SELLER)
    partner = next(entry for entry in manifest.entries if entry.bill_to_code == "C2")
    workbook = tmp_path / str(partner.file)
    assert print_problems(workbook, tmp_path / "pdf") == []
    printed = pages(tmp_path / "pdf" / workbook.with_suffix(".pdf").name)
    for page in printed:
        assert f"{partner.invoice_number} · Northwind Channel · October 2026" in " ".join(page.split())
        assert ".xlsx" not in page
    notes = " ".join(printed[0].split())
    assert "Users sheet" not in notes and "The users and services of the period (Users)" in notes
    assert "are attached." in notes
