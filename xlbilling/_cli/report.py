"""``xlbilling report``: one invoice workbook per Bill To customer, from a template and a price list."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import click

from xlbilling._cli import main
from xlbilling._cli._common import new_session, period_option, resolve_customer, resolve_period, stderr
from xlbilling._errors import InputError

if TYPE_CHECKING:  # pandas and openpyxl come with xlbilling._invoices: imported when the command runs
    from xlbilling._invoices import Manifest
    from xlbilling._progress import Progress as ProgressCallback

_FILE = click.Path(dir_okay=False, path_type=Path)
PRICES_HINT = (
    "Pass --prices PATH: a CSV or .xlsx price list with the header sku,unit_price,currency[,description,tax_rate]. "
    "The sandbox's sample list is xlbilling/_sandbox/data/prices.csv."
)


@main.command("report")
@period_option
@click.option(
    "--customer",
    "customers",
    metavar="CUSTOMER",
    multiple=True,
    help="Only this Bill To customer (code, account code or name); repeat for more. Default: all.",
)
@click.option("--template", type=_FILE, help="Invoice template (.xlsx). Default: the shipped templates/invoice.xlsx.")
@click.option("--prices", type=_FILE, help="Price list (CSV or .xlsx: sku,unit_price,currency,description,tax_rate).")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the invoices. Default: invoices/<period end>.",
)
@click.option(
    "--proration",
    type=click.Choice(["none", "daily"]),
    default="none",
    show_default=True,
    help="none: bill quantities at period end; daily: bill the sum of DurationPercent.",
)
@click.option(
    "--tax-rate",
    metavar="RATE",
    help="Tax rate (0.20 or 20%; 0 if exempt) of SKUs whose price row has no tax_rate. Without it, billing such a "
    "SKU stops the run before anything is written.",
)
@click.option("--allow-open", is_flag=True, help="Also invoice a period that is not closed yet, marked DRAFT.")
@click.option("--pdf", is_flag=True, help="Also print each invoice to PDF (needs LibreOffice).")
@click.option(
    "--einvoice",
    type=click.Choice(["ubl", "facturx", "both"]),
    help="Also write each invoice's EN 16931 e-invoice beside it: ubl (Peppol BIS Billing 3.0, NAME.xml), facturx "
    "(Factur-X PDF/A-3 in place of the PDF; needs LibreOffice) or both. Needs --customer-register.",
)
@click.option(
    "--customer-register",
    "register",
    type=_FILE,
    help="Customer register for e-invoices (CSV or .xlsx keyed by account_code: legal_name, vat_id, "
    "electronic_address, electronic_address_scheme, buyer_reference, purchase_order, email, country).",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Processes writing invoices, and LibreOffice processes printing PDFs.",
)
def report_command(
    period: str | None, customers: tuple[str, ...], template: Path | None, prices: Path | None,
    out_dir: Path | None, proration: str, tax_rate: str | None, allow_open: bool, pdf: bool, einvoice: str | None,
    register: Path | None, workers: int,
) -> None:  # fmt: skip
    """Write one invoice workbook per Bill To customer for a closed billing period (any day in it), with
    manifest.json and index.xlsx. Invoices that cannot be made (a SKU without a price) or printed to PDF
    are listed and the command exits 1; the others are still written, and a failed invoice's file from an
    earlier run is left as it was. --allow-open writes DRAFT invoices: "-DRAFT" numbers, "(DRAFT)" files.
    The seller's details come from [seller] in the config file; without them invoices are SAMPLES.
    --einvoice writes e-invoices with the buyers of --customer-register; one that lacks a mandatory business
    term is listed with the term and where to fill it (its invoice is still written), and the command exits 1."""
    from xlbilling._config.settings import load_settings
    from xlbilling._inputs.prices import load_prices, parse_tax_rate
    from xlbilling._inputs.register import load_register
    from xlbilling._jobs import report

    if prices is None:
        raise InputError("Invoices need a price list: Atria has no prices.", PRICES_HINT)
    price_list = load_prices(prices)
    buyers = load_register(register) if register is not None else None
    rate = parse_tax_rate(tax_rate) if tax_rate is not None else None
    settings = load_settings(use_keyring=False)  # only the seller is used here: tokens come with the session
    session = new_session()
    chosen = resolve_period(session, period)
    codes = [str(resolve_customer(session, customer)) for customer in customers] or None
    with _progress_bar() as progress:
        manifest = report(
            session, chosen, prices=price_list, out_dir=out_dir, customers=codes, template=template,
            proration=proration, tax_rate=rate, allow_open=allow_open, pdf=pdf, einvoice=einvoice, register=buyers,
            seller=settings.seller, workers=workers, progress=progress,
        )  # fmt: skip
    _summary(manifest, settings.config_file)
    if manifest.failed or manifest.einvoices_failed:
        sys.exit(1)


@contextmanager
def _progress_bar() -> Iterator[ProgressCallback | None]:
    """A progress bar on a terminal; nothing when stderr is redirected."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, console=stderr.console, transient=True) as bar:
        task = bar.add_task("Invoices", total=None)
        yield lambda step: bar.update(task, description=step.what, completed=step.done, total=step.total)


def _summary(manifest: Manifest, config_file: Path | None = None) -> None:
    from xlbilling._invoices.summary import run_summary

    for entry in manifest.failed:
        click.echo(f"failed: {entry.bill_to_name} ({entry.bill_to_code}): {entry.error}", err=True)
    for entry in manifest.einvoices_failed:
        click.echo(f"no e-invoice: {entry.bill_to_name} ({entry.bill_to_code}): {entry.einvoice_error}", err=True)
    where = f" in {config_file}" if config_file else " in the config file (`xlbilling config --path`)"
    said = run_summary(
        manifest, f"Set name, address, vat_id, bank details... under [seller]{where}; `xlbilling config` shows them."
    )
    click.echo(said.headline)
    for line in said.needs:
        click.echo(line, err=True)
