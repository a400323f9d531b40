"""``xlbilling margin``: what each customer and product earns, period by period, and the leak."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from xlbilling._cli import main
from xlbilling._cli._common import new_session, output_options, show, stderr

if TYPE_CHECKING:  # pandas comes with xlbilling._margin: imported when the command runs
    from xlbilling._inputs.mapping import Mapping
    from xlbilling._margin import Margin
    from xlbilling._session.session import Session
    from xlbilling._values.period import Period

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

    if fmt == "xlsx" and output is None:
        raise InputError("A margin workbook cannot go to the terminal.", "Add -o FILE.xlsx.")

    session = new_session()
    span = (_period(session, first), _period(session, last))
    codes = [session.customer(name) for name in customers]
    found = _run(session, span, load_mapping(*mappings), prices, codes)
    for note in found.notes:
        stderr.print(note)
    if fmt == "xlsx" and output is not None:
        from xlbilling._margin.book import write_margin

        stderr.print(f"wrote {write_margin(found, output)}")
        return
    show(found.by(by), fmt, output, title=f"Margin per {by}" if by != "detail" else "Margin", table_name="Margin")


def _period(session: Session, text: str | None) -> Period | None:
    return None if text is None else session.period(text)


def _run(session: Session, span: tuple[Period | None, Period | None], product_map: Mapping, prices: Path,
         codes: list[str]) -> Margin:  # fmt: skip
    """``margin_between`` with a line per period on a terminal as each is done."""
    from xlbilling._margin import margin_between

    atria, xarios = session.atria(), session.xarios()
    if not sys.stderr.isatty():
        return margin_between(atria, xarios, *span, mapping=product_map, prices=prices, customers=codes)
    with stderr.status("Fetching the periods…") as status:

        def heard(period: Period, done: int, total: int) -> None:
            stderr.print(f"period {period}: done ({done}/{total})")
            status.update(f"Fetching the periods… {done}/{total} done")

        return margin_between(atria, xarios, *span, mapping=product_map, prices=prices, customers=codes, progress=heard)
