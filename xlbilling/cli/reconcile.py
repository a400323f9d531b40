"""``xlbilling reconcile``: margin leaks between what Xarios charged and what Atria billed."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from xlbilling.cli import main
from xlbilling.cli._common import fetch, new_session, output_options, period_option, resolve_period, stderr

if TYPE_CHECKING:  # pandas comes with xlbilling.reconcile: imported when the command runs
    from xlbilling.reconcile.mapping import Mapping

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
@output_options
def reconcile_command(
    period: str | None, invoice_id: str | None, mappings: tuple[Path, ...], prices: Path | None, fmt: str,
    output: Path | None,
) -> None:  # fmt: skip
    """Compare what Xarios charged with what Atria billed, per customer and product, and show the money at
    stake. Exits 1 when nothing could be compared (never reported as "no leaks")."""
    from xlbilling.errors import NothingCompared
    from xlbilling.reconcile.period import reconcile
    from xlbilling.reconcile.text import headline, render, unmapped_text

    session = new_session()
    atria, xarios, chosen = session.atria(), session.xarios(), resolve_period(session, period)
    try:
        result = fetch(
            "Reconciling…",
            lambda: reconcile(atria, xarios, chosen, invoice_id=invoice_id, mapping=_mapping(mappings), prices=prices),
        )
    except NothingCompared as error:
        sys.stderr.write(unmapped_text(error.reconciliation))
        raise
    for line in headline(result):
        stderr.print(line)
    text = render(result, fmt, output)
    if text is None:
        stderr.print(f"wrote {output}")
    else:
        sys.stdout.write(text)


def _mapping(mappings: tuple[Path, ...]) -> Mapping | None:
    from xlbilling.reconcile.mapping import load_mapping

    return load_mapping(*mappings) if mappings else None
