"""``xlbilling margin``: what each customer and product earns, period by period, and the leak."""

from __future__ import annotations

from pathlib import Path

import click

from xlbilling._cli import main
from xlbilling._cli._common import new_session, output_options, progress_lines, resolve_day, show, stderr

_FILE = click.Path(dir_okay=False, path_type=Path)
BY = ("customer", "product", "period", "detail")


@main.command("margin")
@click.option("--from", "first", metavar="DATE", help="Any day of the first period. Default: 12 closed periods back.")
@click.option("--to", "last", metavar="DATE", help="Any day of the last period. Default: the latest closed period.")
@click.option("--customer", "customers", metavar="C", multiple=True,
              help="Only this customer (code, account code or name), consumer or Bill To; repeatable.")  # fmt: skip
@click.option("--prices", metavar="PATH", type=_FILE, required=True,
              help="Price list (sku,unit_price,currency; optional valid_from for prices over time).")  # fmt: skip
@click.option("--mapping", "mappings", metavar="PATH", type=_FILE, multiple=True, required=True,
              help="Product mapping (part_number,sku); repeat to add a tenant mapping.")  # fmt: skip
@click.option("--by", type=click.Choice(BY), default="customer", show_default=True,
              help="The table for table, csv and json output (an .xlsx holds them all).")  # fmt: skip
@output_options
def margin_command(
    first: str | None, last: str | None, customers: tuple[str, ...], prices: Path, mappings: tuple[Path, ...],
    by: str, fmt: str, output: Path | None,
) -> None:  # fmt: skip
    """Revenue (billed quantity x price), cost (what Xarios charged), margin and leak per customer and
    product over closed periods; open periods are left out, and said."""
    from xlbilling._errors import InputError
    from xlbilling._inputs.mapping import load_mapping
    from xlbilling._inputs.prices import load_prices
    from xlbilling._jobs import margin

    if fmt == "xlsx" and output is None:
        raise InputError("A margin workbook cannot go to the terminal.", "Add -o FILE.xlsx.")

    session = new_session()
    span = (resolve_day(session, first), resolve_day(session, last))
    codes = [session.customer(name) for name in customers]
    product_map, price_list = load_mapping(*mappings), load_prices(prices)
    with progress_lines("Fetching the periods…") as heard:
        found = margin(session, *span, mapping=product_map, prices=price_list, customers=codes, progress=heard)
    for note in found.notes:
        stderr.print(note)
    if fmt == "xlsx" and output is not None:
        from xlbilling._margin.book import write_margin

        stderr.print(f"wrote {write_margin(found, output)}")
        return
    show(found.by(by), fmt, output, title=f"Margin per {by}" if by != "detail" else "Margin", table_name="Margin")
