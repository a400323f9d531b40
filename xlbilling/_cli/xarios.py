"""``xlbilling xarios list | show ID | detail ID | pdf ID``: what the distributor charged."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from xlbilling._cli import main
from xlbilling._cli._common import fetch, output_options, say, show, stderr
from xlbilling._config import clients as connect
from xlbilling._output import Reading

INVOICES = Reading(keys=("invoice_id",), first=("period_end", "invoice_value"))
ITEMS = Reading(
    keys=(("tenant_name", "tenant_code_ext"), "user_name", ("product_name", "part_number")),
    first=("quantity", "value", "unit_cost"),
)

if TYPE_CHECKING:  # pandas and msgspec come with xlbilling._apis.xarios: imported when a command runs
    from xlbilling._apis.xarios import XariosInvoice


@main.group()
def xarios() -> None:
    """Invoices from the Xarios billing-data API (the distributor's charges)."""


@xarios.command("list")
@output_options
def list_invoices(fmt: str, output: Path | None) -> None:
    """List every invoice with its period and value."""
    client = connect.xarios()
    invoices = fetch("Fetching invoices…", client.invoices)
    show(invoices, fmt, output, title="Xarios Invoices", table_name="XariosInvoices", reading=INVOICES)


@xarios.command("show")
@click.argument("invoice_id")
@output_options
def show_invoice(invoice_id: str, fmt: str, output: Path | None) -> None:
    """Show one invoice's items and whether its totals add up (said before and after the items). Exits 1
    when the invoice's own arithmetic differs, so a scheduler notices."""
    client = connect.xarios()
    invoice = fetch(f"Fetching invoice {invoice_id}…", lambda: client.invoice(invoice_id))
    _describe(invoice)
    show(invoice.items, fmt, output, title=f"Invoice {invoice_id}", table_name="XariosItems", reading=ITEMS)
    say(f"arithmetic of invoice {invoice_id}: {invoice.check.message}")
    if not invoice.check.ok:
        raise click.exceptions.Exit(1)


@xarios.command("detail")
@click.argument("invoice_id")
@output_options
def detail_invoice(invoice_id: str, fmt: str, output: Path | None) -> None:
    """Download the detail ZIP, check its JSON against its CSV, and write the CSV's licence rows."""
    client = connect.xarios()
    detail = fetch(f"Fetching the detail of invoice {invoice_id}…", lambda: client.invoice_detail(invoice_id))
    _describe(detail.invoice)
    stderr.print(f"detail: {detail.message}")
    show(detail.csv_items, fmt, output, title=f"Detail {invoice_id}", table_name="XariosDetail", reading=ITEMS)
    if not detail.agrees:
        raise click.exceptions.Exit(1)


@xarios.command("pdf")
@click.argument("invoice_id")
@click.option(
    "--output", "-o", type=click.Path(dir_okay=False, path_type=Path), required=True, help="PDF file to write."
)
def pdf_invoice(invoice_id: str, output: Path) -> None:
    """Save the invoice's PDF."""
    client = connect.xarios()
    path = fetch(f"Fetching the PDF of invoice {invoice_id}…", lambda: client.invoice_pdf(invoice_id, output))
    stderr.print(f"wrote {path}")


def _describe(invoice: XariosInvoice) -> None:
    header = invoice.header
    period = f"{_day(header.period_start)} to {_day(header.period_end)}"
    say(
        f"invoice {header.invoice_id} ({header.invoice_number or 'no number'}) for {header.account_name or '?'}, "
        f"{period}: value {header.invoice_value}; arithmetic {invoice.check.message}"
    )


def _day(value: object) -> str:
    return value.date().isoformat() if hasattr(value, "date") else "?"
