"""``xlbilling periods | customers | summary | detail | invoice-lines | analysis``: Atria data out."""

from __future__ import annotations

from pathlib import Path

import click

from xlbilling._cli import main
from xlbilling._cli._common import (
    fetch,
    new_session,
    output_options,
    period_option,
    resolve_customer,
    resolve_period,
    show,
    stderr,
)


@main.command()
@output_options
def periods(fmt: str, output: Path | None) -> None:
    """List the billing periods Atria knows (a period is named by its chosen date)."""
    atria = new_session().atria()
    show(fetch("Fetching periods…", atria.periods), fmt, output, title="Periods", table_name="Periods")


@main.command()
@output_options
def customers(fmt: str, output: Path | None) -> None:
    """List Atria's customers with their codes and account codes."""
    atria = new_session().atria()
    show(fetch("Fetching customers…", atria.customers), fmt, output, title="Customers", table_name="Customers")


@main.command()
@period_option
@click.option("--billable-only", is_flag=True, help="Only billable items.")
@click.option("--by-customer/--all-customers", default=True, show_default=True, help="One row per customer and SKU.")
@output_options
def summary(period: str | None, billable_only: bool, by_customer: bool, fmt: str, output: Path | None) -> None:
    """Quantities per SKU for a period, compared with the prior period."""
    session = new_session()
    atria, chosen = session.atria(), resolve_period(session, period)
    frame = fetch(f"Fetching the summary for {chosen}…", lambda: atria.summary(chosen, billable_only, by_customer))
    show(frame, fmt, output, title="Summary", table_name="Summary")


@main.command()
@period_option
@click.option("--customer", "-c", metavar="CUSTOMER", help="One customer: its code, account code or name.")
@click.option("--service", metavar="NAME", help="One service name.")
@click.option("--user", metavar="TEXT", help="Users whose name contains TEXT.")
@click.option("--billable-only", is_flag=True, help="Only billable items.")
@output_options
def detail(
    period: str | None,
    customer: str | None,
    service: str | None,
    user: str | None,
    billable_only: bool,
    fmt: str,
    output: Path | None,
) -> None:
    """User-level rows for a period: who had which service, from when to when."""
    session = new_session()
    atria, chosen = session.atria(), resolve_period(session, period)
    code = resolve_customer(session, customer)
    frame = fetch(
        f"Fetching the detail for {chosen}…", lambda: atria.detail(chosen, code, service, user, billable_only)
    )
    show(frame, fmt, output, title="Detail", table_name="Detail")
    if frame.empty and user and not service:
        stderr.print(f"no user name contains {user!r} in the period ending {chosen}")
    elif frame.empty and service:
        services = sorted(atria.detail(chosen, code)["service_name"].dropna().unique())
        filters = " and ".join(f"--{name} {value!r}" for name, value in (("service", service), ("user", user)) if value)
        stderr.print(
            f"no rows match {filters} in the period ending {chosen}; its services are: {', '.join(services) or 'none'}"
        )


@main.command("invoice-lines")
@period_option
@click.option("--customer", "-c", metavar="CUSTOMER", help="One customer: its code, account code or name.")
@output_options
def invoice_lines(period: str | None, customer: str | None, fmt: str, output: Path | None) -> None:
    """Invoice lines per consuming customer, with the Bill To customer who pays."""
    session = new_session()
    atria, chosen = session.atria(), resolve_period(session, period)
    code = resolve_customer(session, customer)
    frame = fetch(f"Fetching invoice lines for {chosen}…", lambda: atria.invoice_lines(chosen, code))
    show(frame, fmt, output, title="Invoice Lines", table_name="InvoiceLines")


@main.command()
@period_option
@click.option("--customer", "-c", metavar="CUSTOMER", help="One customer: its code, account code or name.")
@output_options
def analysis(period: str | None, customer: str | None, fmt: str, output: Path | None) -> None:
    """Every user service of a period with addresses and DurationPercent (billable and not)."""
    session = new_session()
    atria, chosen = session.atria(), resolve_period(session, period)
    code = resolve_customer(session, customer)
    frame = fetch(f"Fetching the analysis for {chosen}…", lambda: atria.analysis(chosen, code))
    show(frame, fmt, output, title="Analysis", table_name="Analysis")
