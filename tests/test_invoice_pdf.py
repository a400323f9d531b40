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
