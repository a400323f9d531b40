"""``xlbilling reconcile``: margin leaks between what Xarios charged and what Atria billed."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from xlbilling._cli import main
from xlbilling._cli._common import fetch, new_session, output_options, period_option, resolve_period, stderr

if TYPE_CHECKING:  # pandas comes with xlbilling._reconcile: imported when the command runs
    import pandas as pd

    from xlbilling._inputs.mapping import Mapping
    from xlbilling._reconcile.result import Reconciliation

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
@output_options
def reconcile_command(
    period: str | None, invoice_id: str | None, mappings: tuple[Path, ...], prices: Path | None,
    reviews: Path | None, fmt: str, output: Path | None,
) -> None:  # fmt: skip
    """Compare what Xarios charged with what Atria billed, per customer and product, and show the money at
    stake. Exits 1 when nothing could be compared (never reported as "no leaks")."""
    from xlbilling._reconcile.period import reconcile
    from xlbilling._reconcile.result import NothingCompared
    from xlbilling._reconcile.text import headline, render, unmapped_text

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
    if reviews is not None:
        result = _reviewed(result, reviews)
    for line in headline(result):
        stderr.print(line)
    text = render(result, fmt, output)
    if text is None:
        stderr.print(f"wrote {output}")
    else:
        sys.stdout.write(text)


def _mapping(mappings: tuple[Path, ...]) -> Mapping | None:
    from xlbilling._inputs.mapping import load_mapping

    return load_mapping(*mappings) if mappings else None


def _reviewed(result: Reconciliation, path: Path) -> Reconciliation:
    """``result`` whose detail carries the decisions in ``path`` (``reviews.carry``), said on stderr."""
    from dataclasses import replace

    import pandas as pd

    from xlbilling._inputs.reviews import CHANGED, carry

    detail = result.detail.copy()
    detail.insert(0, "period_end", result.period_end)
    kept, closed = carry(detail, read_reviews(path))
    counts = kept["review"].value_counts()
    changed = int(kept["note"].str.startswith(CHANGED).sum())
    stderr.print(
        f"reviews: {counts.get('dismissed', 0)} dismissed, {counts.get('fixed', 0)} fixed, {changed} changed since "
        f"dismissed (open again); {len(closed)} decided before and not in this period's data"
    )
    return replace(result, detail=pd.DataFrame(kept))


def read_reviews(path: Path) -> pd.DataFrame:
    """The decisions in a CSV, or in the Reconciliation table of a billing workbook (.xlsx)."""
    import pandas as pd

    from xlbilling._errors import DataError

    if not path.is_file():
        raise DataError(f"Reviews file {path} does not exist.", "Pass a CSV or a billing workbook with reviews.")
    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        return pd.read_csv(path, dtype=str, keep_default_na=False)
    from xlbilling._workbook.tables import TARGETS, existing_table
    from xlbilling._xlsx.book import OpenpyxlBook

    target = TARGETS["reconciliation"]
    found = existing_table(OpenpyxlBook.open(path), target.sheet, target.table)
    if found.empty:
        raise DataError(f"{path.name} has no {target.table} table with reviews.", "Pass a refreshed billing workbook.")
    return found
