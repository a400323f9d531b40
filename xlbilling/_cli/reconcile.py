"""``xlbilling reconcile``: margin leaks between what Xarios charged and what Atria billed."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from xlbilling._cli import main
from xlbilling._cli._common import (
    COLUMNS,
    fetch,
    new_session,
    output_options,
    period_option,
    refresh_option,
    resolve_period,
    say,
    stderr,
)

_FILE = click.Path(dir_okay=False, path_type=Path)


@main.command("reconcile")
@period_option
@click.option(
    "--invoice",
    "invoice_id",
    metavar="ID",
    help="Take the items from this Xarios invoice only, still those whose service dates fall in the period "
    "(the others are counted, not compared). Default: the items of any invoice whose service dates fall in the "
    "period (this month's arrears and its advance billed the month before).",
)
@click.option(
    "--mapping",
    "mappings",
    metavar="PATH",
    type=_FILE,
    multiple=True,
    help="Product mapping (CSV or .xlsx, header part_number,sku); repeat to add a tenant mapping "
    "(tenant_code_ext,account_code).",
)
@click.option(
    "--prices",
    metavar="PATH",
    type=_FILE,
    help="Price list (sku,unit_price,currency) to value differences at selling price; otherwise at Xarios cost.",
)
@click.option(
    "--reviews",
    metavar="PATH",
    type=_FILE,
    help="Decisions made before (review: open, fixed, dismissed; note), by period, account code and SKU: a CSV "
    "or a billing workbook's Reconciliation table. A dismissed difference stays dismissed while its quantities "
    "are unchanged.",
)
@refresh_option
@output_options
def reconcile_command(
    period: str | None, invoice_id: str | None, mappings: tuple[Path, ...], prices: Path | None,
    reviews: Path | None, refresh: bool, fmt: str, output: Path | None,
) -> None:  # fmt: skip
    """Compare what Xarios charged with what Atria billed, per customer and product, and show the money at
    stake. --columns chooses the detail's columns (the Differences table, the CSV, the JSON's detail). Exits 1
    when nothing could be compared (never reported as "no leaks")."""
    from xlbilling._errors import MissingMapping
    from xlbilling._inputs.mapping import load_mapping
    from xlbilling._inputs.prices import load_prices
    from xlbilling._jobs import reconcile
    from xlbilling._output.lines import terminal_width
    from xlbilling._reconcile.result import NothingCompared
    from xlbilling._reconcile.text import headline, render, unmapped_text
    from xlbilling._workbook.reviews import load_reviews

    if not mappings:
        raise MissingMapping()
    product_map = load_mapping(*mappings)
    price_list = load_prices(prices) if prices is not None else None
    decisions = load_reviews(reviews) if reviews is not None else None
    session = new_session(refresh)
    chosen = resolve_period(session, period)
    try:
        result = fetch(
            "Reconciling…",
            lambda: reconcile(
                session, chosen, mapping=product_map, prices=price_list, invoice=invoice_id, reviews=decisions
            ),
        )
    except NothingCompared as error:
        sys.stderr.write(unmapped_text(error.reconciliation, terminal_width()))
        raise
    say(*headline(result))
    columns = click.get_current_context().meta.get(COLUMNS, ())
    text = render(result, fmt, output, terminal_width() if output is None else None, columns)
    if text is None:
        stderr.print(f"wrote {output}")
    else:
        sys.stdout.write(text)
