"""``xlbilling margin``: what each customer and product earns, period by period, and the leak."""

from __future__ import annotations

from pathlib import Path

import click

from xlbilling._cli import main
from xlbilling._cli._common import (
    new_session,
    output_options,
    progress_lines,
    refresh_option,
    resolve_day,
    say,
    show,
    stderr,
)
from xlbilling._output import Reading

_FILE = click.Path(dir_okay=False, path_type=Path)
BY = ("customer", "product", "period", "detail")
_CUSTOMER = ("customer_name", "account_code")
_MONEY = ("revenue", "cost", "margin", "margin_pct", "leak")
READINGS = {
    "customer": Reading(keys=(_CUSTOMER,), first=_MONEY),
    "product": Reading(keys=("sku",), first=_MONEY),
    "period": Reading(keys=("period_end",), first=_MONEY),
    "detail": Reading(keys=("period_end", _CUSTOMER, "sku"), first=_MONEY),
}
"""What a terminal keeps of each table: the rows' period, customer (its name when there is room) or SKU, then
the money."""


@main.command("margin")
@click.option("--from", "first", metavar="DATE", help="Any day of the first period. Default: 12 closed periods back.")
@click.option("--to", "last", metavar="DATE", help="Any day of the last period. Default: the latest closed period.")
@click.option("--customer", "customers", metavar="C", multiple=True,
              help="Only this customer (code, account code or name), consumer or Bill To; repeatable.")  # fmt: skip
@click.option(
    "--prices", metavar="PATH", type=_FILE,
    help="Price list (sku,unit_price,currency; optional valid_from for prices over time); required.",
)  # fmt: skip
@click.option("--mapping", "mappings", metavar="PATH", type=_FILE, multiple=True,
              help="Product mapping (part_number,sku); repeat to add a tenant mapping. Required.")  # fmt: skip
@click.option("--by", type=click.Choice(BY), default="customer", show_default=True,
              help="The table for table, csv and json output (an .xlsx holds them all).")  # fmt: skip
@refresh_option
@output_options
def margin_command(
    first: str | None, last: str | None, customers: tuple[str, ...], prices: Path | None, mappings: tuple[Path, ...],
    by: str, refresh: bool, fmt: str, output: Path | None,
) -> None:  # fmt: skip
    """Revenue (billed quantity x price), cost (what Xarios charged), margin and leak per customer and
    product over closed periods; open periods are left out, and said."""
    from xlbilling._cli.hints import margin_inputs
    from xlbilling._errors import InputError
    from xlbilling._inputs.mapping import load_mapping
    from xlbilling._inputs.prices import load_prices
    from xlbilling._jobs import margin

    if prices is None or not mappings:
        raise margin_inputs(prices is None, not mappings)
    if fmt == "xlsx" and output is None:
        raise InputError("A margin workbook cannot go to the terminal.", "Add -o FILE.xlsx.")
    product_map, price_list = load_mapping(*mappings), load_prices(prices)  # a wrong file is said before any request
    session = new_session(refresh)
    span = (resolve_day(session, first), resolve_day(session, last))
    codes = [session.customer(name) for name in customers]
    with progress_lines("Fetching the periods…") as heard:
        found = margin(session, *span, mapping=product_map, prices=price_list, customers=codes, progress=heard)
    say(*found.notes)
    if fmt == "xlsx" and output is not None:
        from xlbilling._margin.book import write_margin

        stderr.print(f"wrote {write_margin(found, output)}")
        return
    title = f"Margin per {by}, {found.currency}" if by != "detail" else f"Margin, {found.currency}"
    show(found.by(by), fmt, output, title=title, table_name="Margin", reading=READINGS[by])
