"""A reconciliation as the user reads it: a few headline lines, text tables, CSV, JSON or a workbook.

Money shows with at least two decimals everywhere (``8641.50``), as in ``xlbilling._output.write``."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson
import pandas as pd

from xlbilling._errors import InputError
from xlbilling._files import write_atomically
from xlbilling._inputs.reviews import CHANGED, DISMISSED, FIXED
from xlbilling._output.write import FORMATS, money_text, to_csv, to_json, to_table_text
from xlbilling._reconcile.result import Reconciliation

TERMINAL_COLUMNS = (
    "account_code", "customer_name", "sku", "part_number", "vendor_quantity", "billed_quantity", "difference",
    "unit_cost", "unit_price", "money_at_stake", "category", "match_basis",
)  # fmt: skip


def headline(result: Reconciliation) -> list[str]:
    """What a user should know first: what was compared, the money at stake, what could not be compared."""
    period = result.period_end.isoformat() if result.period_end else "?"
    invoices = ", ".join(str(i) for i in result.invoice_checks["invoice_id"]) or "?"
    counts = ", ".join(f"{n} {category.replace('_', ' ')}" for category, n in result.counts.items())
    lines = [
        f"period ending {period}, Xarios invoice {invoices}: {result.compared} customer/SKU pairs compared ({counts})",
        f"money at stake: {money_text(result.leaked)} not billed (leaked), "
        f"{money_text(result.over_billed)} billed with no matching cost",
    ]
    if result.outside_period:
        lines.append(
            f"{result.outside_period} purchase items of invoice {invoices} are for service outside the period: "
            "not compared"
        )
    if result.unpriced:
        lines.append(f"{result.unpriced} flagged rows have neither a price nor a unit cost: see their quantities")
    for what, frame in (("tenants", result.unmapped_tenants), ("products", result.unmapped_products)):
        if len(frame):
            lines.append(
                f"{len(frame)} unmapped {what} (value {_total(frame['value'])}) were not compared: "
                "add the rows shown in add_to_mapping to the mapping"
            )
    if result.not_supplied:
        lines.append(f"{result.not_supplied} Atria lines are for SKUs not in the product mapping (not from Xarios)")
    for invoice_id, check in zip(result.invoice_checks["invoice_id"], result.invoice_checks["check"], strict=True):
        lines.append(f"invoice {invoice_id} arithmetic: {check}")
    if result.decided_before is not None:
        lines.append(_reviews(result.detail, result.decided_before))
    return lines


def _reviews(detail: pd.DataFrame, decided_before: pd.DataFrame) -> str:
    """What the review trail carried: how many rows stay dismissed or fixed, reopened, or went away."""
    counts = detail["review"].value_counts()
    changed = int(detail["note"].str.startswith(CHANGED).sum())
    return (
        f"reviews: {counts.get(DISMISSED, 0)} dismissed, {counts.get(FIXED, 0)} fixed, {changed} changed since "
        f"dismissed (open again); {len(decided_before)} decided before and not in this period's data"
    )


def _total(values: Iterable[Any]) -> str:
    """The sum of ``values`` as money text (``12.50``)."""
    total = sum(values, Decimal(0))
    return money_text(total) if isinstance(total, Decimal) else str(total)


def unmapped_text(result: Reconciliation) -> str:
    """The unmapped lists as text tables (empty when there are none)."""
    parts = [
        to_table_text(frame, title, limit=None)
        for title, frame in (
            ("Unmapped tenants", result.unmapped_tenants),
            ("Unmapped products", result.unmapped_products),
        )
        if len(frame)
    ]
    return "".join(parts)


def as_text(result: Reconciliation) -> str:
    """Money at stake per customer, the flagged rows (matched ones left out), the unmapped lists."""
    flagged = result.flagged.loc[:, [c for c in (*TERMINAL_COLUMNS, "review", "note") if c in result.detail]]
    text = to_table_text(result.summary, "Money at stake per customer", limit=None)
    text += to_table_text(flagged, "Differences", limit=None) if len(flagged) else "No differences.\n"
    return text + unmapped_text(result)


def as_json(result: Reconciliation) -> str:
    """One JSON document: period, counts, totals and every table; money as exact strings."""
    document = {
        "period_end": result.period_end.isoformat() if result.period_end else None,
        "compared": result.compared,
        "counts": result.counts,
        "leaked": money_text(result.leaked),
        "over_billed": money_text(result.over_billed),
        "not_supplied": result.not_supplied,
        **{
            name: orjson.loads(to_json(frame))
            for name, frame in (
                ("summary", result.summary),
                ("detail", result.detail),
                ("unmapped_tenants", result.unmapped_tenants),
                ("unmapped_products", result.unmapped_products),
                ("invoice_checks", result.invoice_checks),
            )
        },
    }
    return orjson.dumps(document, option=orjson.OPT_INDENT_2).decode() + "\n"


def render(result: Reconciliation, fmt: str, output: Path | None) -> str | None:
    """Write ``result`` as ``fmt`` (``table``, ``csv`` (the detail), ``json`` or ``xlsx``) to ``output``;
    return the text instead when there is no output file. ``xlsx`` needs a file."""
    if fmt == "xlsx":
        if output is None:
            raise InputError("An Excel file cannot go to the terminal.", "Add -o FILE.xlsx.")
        from xlbilling._reconcile.book import write_reconciliation

        write_reconciliation(result, output)
        return None
    renderers = {"table": as_text, "csv": lambda r: to_csv(r.detail), "json": as_json}
    if fmt not in renderers:
        raise InputError(f"Unknown format '{fmt}'.", f"Use one of: {', '.join(FORMATS)}.")
    text = renderers[fmt](result)
    if output is None:
        return text
    write_atomically(output, text.encode("utf-8"))
    return None


__all__ = ["as_json", "as_text", "headline", "render", "unmapped_text"]
