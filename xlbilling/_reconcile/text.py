"""A reconciliation as the user reads it: a few headline lines, text tables, CSV, JSON or a workbook.

Money shows with at least two decimals everywhere (``8641.50``), as in ``xlbilling._output.write``."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson
import pandas as pd

from xlbilling._errors import InputError
from xlbilling._files import write_atomically
from xlbilling._inputs.reviews import CHANGED, DISMISSED, FIXED
from xlbilling._output import Reading
from xlbilling._output.write import FORMATS, money_text, to_csv, to_json, to_table_text
from xlbilling._reconcile.result import Reconciliation
from xlbilling._values.money import cents
from xlbilling._values.wording import counted

TERMINAL_COLUMNS = (
    "account_code", "customer_name", "sku", "part_number", "vendor_quantity", "billed_quantity", "difference",
    "unit_cost", "unit_price", "money_at_stake", "category", "match_basis",
)  # fmt: skip
_CUSTOMER = ("customer_name", "account_code")
PER_CUSTOMER = Reading(keys=(_CUSTOMER,), first=("flagged", "leaked", "billed_no_cost"))
DIFFERENCES = Reading(
    keys=(_CUSTOMER, "sku"),
    first=("category", "money_at_stake", "difference", "customer_name", "vendor_quantity", "billed_quantity"),
)
UNMAPPED = {
    "Unmapped tenants": Reading(keys=("tenant_code_ext",), first=("value", "add_to_mapping", "tenant_name")),
    "Unmapped products": Reading(keys=("part_number",), first=("value", "add_to_mapping", "product_name")),
}
"""What a narrow terminal keeps of each table: the customer (its name when there is room) and SKU, then the
money and what to do."""
MORE = "-o FILE.xlsx or --format json for every column."
CHOOSE = f"--columns to choose, or {MORE}"
SIGNS = "money_at_stake: positive = leaked, negative = billed with no matching cost"
LEAKED = "leaked (charged by Xarios, not billed)"
NO_COST = "billed with no matching cost (more billed than charged)"


def headline(result: Reconciliation) -> list[str]:
    """What a user should know first: what was compared, the money leaked and billed with no matching cost
    (both positive) and what they are valued at, what could not be compared."""
    period = result.period_end.isoformat() if result.period_end else "?"
    invoices = ", ".join(str(i) for i in result.invoice_checks["invoice_id"]) or "?"
    counts = ", ".join(f"{n} {category.replace('_', ' ')}" for category, n in result.counts.items())
    lines = [
        f"period ending {period}, Xarios invoice {invoices}: {result.compared} customer/SKU pairs compared",
        f"by category: {counts}",
        f"{LEAKED}: {_valued(result, 0)}",
        f"{NO_COST}: {_valued(result, 1)}",
        *_at_cost(result),
    ]
    if result.outside_period:
        lines.append(
            f"{result.outside_period} purchase items of invoice {invoices} are for service outside the period: "
            "not compared"
        )
    if result.unpriced:
        lines.append(f"{result.unpriced} flagged rows have neither a price nor a unit cost: see their quantities")
    for what, frame in (("tenant", result.unmapped_tenants), ("product", result.unmapped_products)):
        if len(frame):
            lines.append(
                f"{counted(len(frame), f'unmapped {what}')} (charged {_total(frame['value'])} at Xarios cost) "
                f"{'was' if len(frame) == 1 else 'were'} not compared: add the rows shown in add_to_mapping to "
                "the mapping"
            )
    if result.not_supplied:
        lines.append(f"{result.not_supplied} Atria lines are for SKUs not in the product mapping (not from Xarios)")
    for invoice_id, check in zip(result.invoice_checks["invoice_id"], result.invoice_checks["check"], strict=True):
        lines.append(f"invoice {invoice_id} arithmetic: {check}")
    if result.decided_before is not None:
        lines.append(_reviews(result.detail, result.decided_before))
    return lines


def valuation(result: Reconciliation) -> str:
    """What the money at stake is valued at, in a few words: ``GBP at your price``, ``at Xarios cost``."""
    bases = list(result.valued_at()) or ["price" if result.currencies else "cost"]
    return " and ".join(_basis(result, basis) for basis in bases)


def _basis(result: Reconciliation, basis: str) -> str:
    return f"{'/'.join(result.currencies)} at your price" if basis == "price" else "at Xarios cost"


def _valued(result: Reconciliation, side: int) -> str:
    """The leaked (``side`` 0) or over-billed (1) total and what it is valued at, per valuation when mixed."""
    total = (result.leaked, result.over_billed)[side]
    parts = {basis: amounts[side] for basis, amounts in result.valued_at().items() if amounts[side]}
    if len(parts) > 1:
        return f"{money_text(total)}: " + ", ".join(f"{money_text(v)} {_basis(result, b)}" for b, v in parts.items())
    return f"{money_text(total)} {_basis(result, next(iter(parts), 'price' if result.currencies else 'cost'))}"


def _at_cost(result: Reconciliation) -> list[str]:
    """What a figure at Xarios cost means, when there is one."""
    if "cost" not in valuation(result):
        return []
    priced = "SKUs with no price in the price list are" if result.currencies else "Everything is"
    return [
        f"{priced} valued at Xarios cost, in the currency of its invoices (they name none); a price list "
        "(--prices) values them at your price"
    ]


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


def per_customer(result: Reconciliation) -> pd.DataFrame:
    """Per customer with something flagged, biggest leak first: the rows flagged, the money leaked and the
    money billed with no matching cost, both positive as the headline says them."""
    summary = result.summary
    leaked = summary["under_billed"] + summary["charged_not_billed"]
    no_cost = -(summary["over_billed"] + summary["billed_not_charged"])
    return pd.DataFrame({
        "account_code": summary["account_code"], "customer_name": summary["customer_name"],
        "flagged": summary["flagged"], "leaked": leaked.map(cents), "billed_no_cost": no_cost.map(cents),
    })  # fmt: skip


def unmapped_text(result: Reconciliation, width: int | None = None) -> str:
    """The unmapped lists as text tables (empty when there are none), fitted to ``width``."""
    parts = [
        to_table_text(frame, title, limit=None, width=width, reading=UNMAPPED[title], more=MORE)
        for title, frame in (
            ("Unmapped tenants", result.unmapped_tenants),
            ("Unmapped products", result.unmapped_products),
        )
        if len(frame)
    ]
    return "".join(parts)


def as_text(result: Reconciliation, width: int | None = None, columns: Sequence[str] = ()) -> str:
    """Money at stake per customer, the flagged rows (matched ones left out; only ``columns`` when given), the
    unmapped lists, each table fitted to ``width`` (a terminal's) when given."""
    shown = columns or [c for c in (*TERMINAL_COLUMNS, "review", "note") if c in result.detail]
    flagged = result.flagged.loc[:, list(shown)]
    title = f"Money at stake per customer, {valuation(result)}"
    text = to_table_text(per_customer(result), title, limit=None, width=width, reading=PER_CUSTOMER, more=MORE)
    reading = Reading(first=tuple(columns), drop_empty=False) if columns else DIFFERENCES
    if len(flagged):
        text += to_table_text(flagged, "Differences", limit=None, width=width, reading=reading, note=SIGNS, more=CHOOSE)
    else:
        text += "No differences.\n"
    return text + unmapped_text(result, width)


def as_json(result: Reconciliation, columns: Sequence[str] = ()) -> str:
    """One JSON document: period, counts, totals and every table (the detail with only ``columns`` when
    given); money as exact strings."""
    document = {
        "period_end": result.period_end.isoformat() if result.period_end else None,
        "compared": result.compared,
        "counts": result.counts,
        "leaked": money_text(result.leaked),
        "over_billed": money_text(result.over_billed),
        "valued_at": {
            basis: {"leaked": money_text(leaked), "over_billed": money_text(over)}
            for basis, (leaked, over) in result.valued_at().items()
        },
        "currency": "/".join(result.currencies) or None,
        "not_supplied": result.not_supplied,
        **{
            name: orjson.loads(to_json(frame))
            for name, frame in (
                ("summary", result.summary),
                ("detail", result.detail.loc[:, list(columns)] if columns else result.detail),
                ("unmapped_tenants", result.unmapped_tenants),
                ("unmapped_products", result.unmapped_products),
                ("invoice_checks", result.invoice_checks),
            )
        },
    }
    return orjson.dumps(document, option=orjson.OPT_INDENT_2).decode() + "\n"


def render(
    result: Reconciliation, fmt: str, output: Path | None, width: int | None = None, columns: Sequence[str] = ()
) -> str | None:
    """Write ``result`` as ``fmt`` (``table``, ``csv`` (the detail), ``json`` or ``xlsx``) to ``output``;
    return the text instead when there is no output file (its tables fitted to ``width``, a terminal's).
    ``columns`` chooses the detail's columns (the table's Differences, the CSV, the JSON's detail; an ``xlsx``
    keeps them all). ``xlsx`` needs a file."""
    unknown = [name for name in columns if name not in result.detail.columns]
    if unknown:
        raise InputError(
            f"No column {', '.join(unknown)} in the reconciliation's detail.",
            f"Choose from: {', '.join(map(str, result.detail.columns))}.",
        )
    if fmt == "xlsx":
        if output is None:
            raise InputError("An Excel file cannot go to the terminal.", "Add -o FILE.xlsx.")
        from xlbilling._reconcile.book import write_reconciliation

        write_reconciliation(result, output)
        return None
    renderers = {
        "table": lambda r: as_text(r, width, columns),
        "csv": lambda r: to_csv(r.detail.loc[:, list(columns)] if columns else r.detail),
        "json": lambda r: as_json(r, columns),
    }
    if fmt not in renderers:
        raise InputError(f"Unknown format '{fmt}'.", f"Use one of: {', '.join(FORMATS)}.")
    text = renderers[fmt](result)
    if output is None:
        return text
    write_atomically(output, text.encode("utf-8"))
    return None


__all__ = ["as_json", "as_text", "headline", "per_customer", "render", "unmapped_text", "valuation"]
