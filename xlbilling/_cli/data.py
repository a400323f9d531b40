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
from xlbilling._output import Reading

CUSTOMER = ("customer_name", "customer_code")
"""A customer on a terminal: its name when there is room, else its code."""
PERIODS = Reading(keys=("period_end",))
CUSTOMERS = Reading(keys=(CUSTOMER,))
SUMMARY = Reading(keys=(CUSTOMER, "sku", "billable"))
PER_SKU = Reading(keys=("sku", "billable"), first=("grouping",))
DETAIL = Reading(
    keys=(CUSTOMER, "user_name", "sku", "action"), first=("start_date", "end_date", "billable"),
    apart=("line_description",),  # what a service assigned to the customer, not a user, is called
)  # fmt: skip
INVOICE_LINES = Reading(keys=(CUSTOMER, ("bill_to_name", "bill_to_code"), "sku"), first=("quantity",))
ANALYSIS = Reading(
    keys=(CUSTOMER, "user_name", "sku"), first=("billable", "duration_percent", "quantity"),
    apart=("line_description",),
)  # fmt: skip


@main.command()
@output_options
def periods(fmt: str, output: Path | None) -> None:
    """List the billing periods Atria knows (a period is named by its chosen date)."""
    atria = new_session().atria()
    show(fetch("Fetching periods…", atria.periods), fmt, output, title="Periods", table_name="Periods", reading=PERIODS)


@main.command()
@output_options
def customers(fmt: str, output: Path | None) -> None:
    """List Atria's customers with their codes and account codes."""
    atria = new_session().atria()
    frame = fetch("Fetching customers…", atria.customers)
    show(frame, fmt, output, title="Customers", table_name="Customers", reading=CUSTOMERS)


@main.command()
@period_option
@click.option("--billable-only", is_flag=True, help="Only billable items.")
@click.option(
    "--per-sku",
    is_flag=True,
    help="One total per SKU (billable and not apart), every customer added together, instead of a row per "
    "customer and SKU.",
)
@click.option("--all-customers", is_flag=True, hidden=True)  # the first name of --per-sku: scripts still work
@click.option("--by-customer", is_flag=True, hidden=True)  # the default, once a flag of its own: still accepted
@output_options
def summary(
    period: str | None, billable_only: bool, per_sku: bool, all_customers: bool, by_customer: bool, fmt: str,
    output: Path | None,
) -> None:  # fmt: skip
    """Quantities per customer and SKU for a period, compared with the prior period."""
    per_sku = per_sku or all_customers
    if per_sku and by_customer:
        raise click.UsageError("--per-sku adds every customer together: leave out --by-customer.")
    session = new_session()
    atria, chosen = session.atria(), resolve_period(session, period)
    frame = fetch(f"Fetching the summary for {chosen}…", lambda: atria.summary(chosen, billable_only, not per_sku))
    title, reading = ("Summary per SKU", PER_SKU) if per_sku else ("Summary", SUMMARY)
    show(frame, fmt, output, title=title, table_name="Summary", reading=reading)


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
    show(frame, fmt, output, title="Detail", table_name="Detail", reading=DETAIL)
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
    show(frame, fmt, output, title="Invoice Lines", table_name="InvoiceLines", reading=INVOICE_LINES)


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
    show(frame, fmt, output, title="Analysis", table_name="Analysis", reading=ANALYSIS)
