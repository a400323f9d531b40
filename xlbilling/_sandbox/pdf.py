"""The Xarios "Get Invoice Summary" download: a one-file PDF invoice made with fpdf2.

A header (supplier, invoice number, date, period), a table (its heading repeated on every page) with one
line per tenant and product (user licences counted together), then net total, VAT and total. Text outside
Latin-1 shows as ``?`` (core PDF fonts).
"""

from __future__ import annotations

from datetime import UTC, datetime

from fpdf import FPDF

from xlbilling._sandbox.dataset import MSP_NAME
from xlbilling._sandbox.vendor import VendorInvoice

SUPPLIER = "Xarios Distribution (Sandbox)"
_COLUMNS = (("Tenant", 62.0), ("Account", 22.0), ("Product", 50.0), ("Qty", 14.0), ("Value GBP", 32.0))


def invoice_pdf(inv: VendorInvoice) -> bytes:
    """The invoice as PDF bytes (fixed creation date, so the same invoice gives the same bytes)."""
    pdf = FPDF(format="A4")
    pdf.set_creation_date(datetime(inv.issued.year, inv.issued.month, inv.issued.day, tzinfo=UTC))
    pdf.set_title(f"Invoice {inv.invoice_number}")
    pdf.set_author(SUPPLIER)
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.cell(0, 10, _text(f"{SUPPLIER} - Invoice {inv.invoice_number}"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=10)
    for line in (
        f"Invoice ID: {inv.invoice_id}",
        f"Bill to: {MSP_NAME}",
        f"Invoice date: {inv.issued.isoformat()}",
        f"Billing period: {inv.period.start.isoformat()} to {inv.period.end.isoformat()}",
    ):
        pdf.cell(0, 6, _text(line), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    heading = [name for name, _ in _COLUMNS]
    _row(pdf, heading, bold=True)
    for cells in _lines(inv):
        if pdf.will_page_break(5):
            pdf.add_page()
            _row(pdf, heading, bold=True)
        _row(pdf, cells)
    pdf.ln(4)
    for label, amount in (("Net total", inv.net), ("VAT 20%", inv.vat), ("Total incl. VAT", inv.total)):
        pdf.set_font("Helvetica", "B" if label.startswith("Total") else "", 10)
        pdf.cell(148, 7, label, align="R")
        pdf.cell(32, 7, f"{amount:,.2f}", align="R", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _lines(inv: VendorInvoice) -> list[list[str]]:
    return [
        [c.tenant.name, c.tenant.account_code, c.product.product_tag, str(c.quantity), f"{c.value:,.2f}"]
        for c in inv.charges
    ]


def _row(pdf: FPDF, cells: list[str], bold: bool = False) -> None:
    pdf.set_font("Helvetica", "B" if bold else "", 8)
    for (_, width), text in zip(_COLUMNS, cells, strict=True):
        align = "R" if width in (14.0, 32.0) else "L"
        pdf.cell(width, 5, _fit(pdf, _text(text), width), border="B" if bold else 0, align=align)
    pdf.ln(5)


def _fit(pdf: FPDF, text: str, width: float) -> str:
    while text and pdf.get_string_width(text) > width - 2:
        text = text[:-1]
    return text


def _text(text: str) -> str:
    return text.encode("latin-1", "replace").decode("latin-1")
