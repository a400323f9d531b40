"""``xlbilling close``: the month-end close in one command, for a person or a scheduler."""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from xlbilling._cli import main
from xlbilling._cli._common import period_option, stderr
from xlbilling._errors import InputError, MissingMapping, XlbillingError

if TYPE_CHECKING:
    from xlbilling._close.steps import Inputs
    from xlbilling._config.close import CloseSettings
    from xlbilling._config.settings import Settings

_FILE = click.Path(dir_okay=False, path_type=Path)


@main.command("close")
@period_option
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder holding one folder per period. Default: [close] out in the config file, else ./close.",
)
@click.option("--prices", type=_FILE, help="Price list (CSV or .xlsx). Default: [close] prices.")
@click.option(
    "--mapping",
    "mappings",
    type=_FILE,
    multiple=True,
    metavar="PATH",
    help="Product mapping (part_number,sku); repeat to add a tenant mapping. Default: [close] mapping.",
)
@click.option("--workbook", type=_FILE, help="Billing workbook to copy and refresh. Default: the shipped template.")
@click.option(
    "--einvoice", type=click.Choice(["ubl", "facturx", "both"]), help="Also write e-invoices (needs a register)."
)
@click.option("--customer-register", "register", type=_FILE, help="Customer register for e-invoices.")
@click.option("--reviews", type=_FILE, help="Decisions on differences kept in a file of your own (CSV or workbook).")
@click.option("--tax-rate", metavar="RATE", help="Tax rate of SKUs whose price row has none (0.20 or 20%).")
@click.option("--pdf/--no-pdf", default=None, help="Print invoices to PDF. Default: when LibreOffice is installed.")
@click.option(
    "--workers", type=click.IntRange(min=1), help="Processes writing invoices. Default: [close] workers, else 1."
)
@click.option(
    "--notify",
    "urls",
    metavar="URL",
    multiple=True,
    help="Also notify this Apprise URL (mailto://, msteams://, slack://, json://host/path); repeatable.",
)
@click.option("--dry-run", is_flag=True, help="Say what would be fetched, written and notified; write nothing.")
@click.pass_context
def close_command(ctx: click.Context, period: str | None, urls: tuple[str, ...], dry_run: bool, **typed: Any) -> None:
    """Close a billing period in one run, for a person or a scheduler.

    Writes OUT/<period>/: the refreshed billing workbook, the invoices (PDFs, e-invoices), the reconciliation
    with your earlier decisions, the margin, and report.html. Safe to run again (only what changed is
    rewritten) and to interrupt. Exit codes: 0 done, nothing needs a person; 1 done, something needs a person
    (see the report); 2 could not run (settings, lock, open period); 3 an API failed. See docs/close.md."""
    from xlbilling._close.secrets import Secrets
    from xlbilling._config.settings import load_settings

    settings = load_settings(use_keyring=False)
    everyone = (*settings.close.notify, *urls)
    secrets = Secrets(everyone)
    try:
        _run(settings, period, _merged(settings.close, typed), everyone, dry_run, secrets.mask)
    except XlbillingError as error:
        if ctx.obj and ctx.obj.get("debug"):
            raise
        from xlbilling._cli.hints import worded
        from xlbilling._close.lock import LockHeld
        from xlbilling._close.run import exit_code, notify_failure

        said = secrets.mask(str(worded(error)))
        click.echo(f"error: {said}", err=True)
        if not dry_run and not isinstance(error, LockHeld):  # the running close will tell them itself
            for entry in notify_failure(everyone, f"xlbilling close could not run: {said}"):
                click.echo(f"notification to {entry['to']}: {entry['status']}", err=True)
        sys.exit(exit_code(error))


def _merged(given: CloseSettings, typed: dict[str, Any]) -> CloseSettings:
    """The ``[close]`` settings with what was typed on the command line over them."""
    typed = dict(typed)
    typed["mapping"] = typed.pop("mappings") or None
    return replace(given, **{key: value for key, value in typed.items() if value is not None})


def _run(
    settings: Settings, period: str | None, given: CloseSettings, urls: tuple[str, ...], dry_run: bool,
    mask: Callable[[str], str],
) -> None:  # fmt: skip
    from xlbilling._close.run import Request, close
    from xlbilling._session.session import Session
    from xlbilling._session.stored import Store
    from xlbilling._values.dates import parse_period

    inputs = _inputs(settings, given)
    command = mask(" ".join(["xlbilling", *sys.argv[1:]]))
    day = parse_period(period) if period else None
    request = Request(given.out or Path("close"), day, inputs, urls, command)
    # the close is the month's record: it reads nothing kept on disk by earlier runs, so a late change in Atria
    # is seen, and keeps what it fetched for the margins and reconciliations after it
    session = Session(settings=settings, store=Store(refresh=True))
    if dry_run:
        from xlbilling._close.dryrun import dry_run as said

        for line in said(request, session):
            click.echo(mask(line))
        return
    result = close(request, session, lambda line: stderr.print(mask(line), markup=False))
    for need in result.report["needs"]:
        stderr.print(mask(f"needs a person: {need['who']}: {need['what']}".replace(": : ", ": ")), markup=False)
    stderr.print(f"report: {result.folder / 'report.html'}", markup=False)
    since = result.report.get("unchanged_since")
    click.echo(mask(result.report["headline"]) + (f" Unchanged since {since}." if since else ""))
    sys.exit(result.exit_code)


def _inputs(settings: Settings, given: CloseSettings) -> Inputs:
    """Every input loaded and checked before anything is fetched or locked."""
    from xlbilling._cli.report import PRICES_HINT
    from xlbilling._close.steps import Inputs
    from xlbilling._config.shipped import shipped
    from xlbilling._errors import DataError
    from xlbilling._inputs.mapping import load_mapping
    from xlbilling._inputs.prices import load_prices, parse_tax_rate
    from xlbilling._inputs.register import load_register
    from xlbilling._invoices.pdf import find_soffice

    if given.prices is None:
        raise InputError(
            "A close needs a price list: Atria has no prices.",
            "Set prices under [close] or pass " + PRICES_HINT[0].lower() + PRICES_HINT[1:],
        )
    if not given.mapping:
        raise MissingMapping()
    if given.einvoice and given.register is None:
        raise InputError(
            "E-invoices need a customer register.", "Set register under [close] or pass --customer-register."
        )
    source = given.workbook or shipped("templates", "billing.xlsx")
    if not source.is_file():
        raise InputError(f"There is no billing workbook at {source}.", "Check [close] workbook or --workbook.")
    pdf = given.pdf
    if pdf is None:
        try:
            pdf = bool(find_soffice())
        except DataError:
            pdf = False
    return Inputs(
        prices=load_prices(given.prices), mapping=load_mapping(*given.mapping), workbook=source,
        seller=settings.seller, register=load_register(given.register) if given.register else None,
        einvoice=given.einvoice, pdf=pdf, tax_rate=parse_tax_rate(given.tax_rate) if given.tax_rate else None,
        reviews=given.reviews, workers=given.workers,
    )  # fmt: skip
