"""The figures of a close, money first, as exact text: what was invoiced (the manifest), what leaked and was
over-billed (the reconciliation), the margin against the previous period (the margin), per customer, and the
things that need a person."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from xlbilling._values.money import cents
from xlbilling._values.wording import counted

if TYPE_CHECKING:
    from xlbilling._invoices.manifest import Manifest
    from xlbilling._margin.run import Margin
    from xlbilling._reconcile.result import Reconciliation
    from xlbilling._values.period import Period

SHOWN = 10
"""How many rows of a list the report shows; the workbooks hold the rest."""


def money(value: Any) -> str | None:
    """A Decimal as exact text with two decimals (``"1234.50"``); None for no value."""
    return str(cents(value)) if isinstance(value, Decimal) else None


@dataclass(frozen=True)
class Need:
    """Something a person must do: what, about whom, and how."""

    kind: str
    who: str
    what: str
    do: str


def invoiced(manifest: Manifest) -> dict[str, Any]:
    """The invoices' totals: written, failed, and subtotal, tax and total of those written."""
    written = [entry for entry in manifest.entries if entry.total is not None and entry.file]
    currencies = sorted({entry.currency for entry in written})
    return {
        "invoices": len(written),
        "failed": len(manifest.failed),
        "currency": ", ".join(currencies),
        **{key: money(sum((getattr(e, key) for e in written), Decimal(0))) for key in ("subtotal", "tax", "total")},
    }


def at_stake(result: Reconciliation | None) -> dict[str, Any] | None:
    """The money at stake: leaked, over-billed, how it was valued, and the differences still open."""
    if result is None:
        return None
    from xlbilling._reconcile.book import valuation

    flagged = result.flagged
    still = flagged[flagged["review"].isin(["open", ""])] if "review" in flagged else flagged
    return {
        "leaked": money(result.leaked),
        "over_billed": money(result.over_billed),
        "valued": valuation(result),
        "differences": len(flagged),
        "open": len(still),
    }


def margin_figures(found: Margin | None, period: Period) -> dict[str, Any] | None:
    """This period's revenue, cost, margin and margin %, and the previous period's margin to compare."""
    if found is None:
        return None
    per = found.by("period")
    rows = {row["period_end"]: row for row in per.to_dict("records")}
    ends = sorted(rows)
    if period.end not in rows:
        return None
    this = rows[period.end]
    before = ends.index(period.end) - 1
    previous = rows[ends[before]] if before >= 0 else None
    shown: dict[str, Any] = {key: money(this[key]) for key in ("revenue", "cost", "margin", "leak")}
    shown["margin_pct"] = _pct(this["margin_pct"])
    if previous is not None:
        shown["previous"] = {
            "period_end": ends[before].isoformat(),
            "margin": money(previous["margin"]),
            "margin_pct": _pct(previous["margin_pct"]),
        }
    return shown


def _pct(value: Any) -> str | None:
    return str(value) if isinstance(value, Decimal) else None


def customers(
    manifest: Manifest, result: Reconciliation | None, found: Margin | None, period: Period
) -> list[dict[str, Any]]:
    """Per customer (by account code, sorted): its invoice number and total, its money at stake and its margin
    this period, where it has them: what a rerun compares."""
    table: dict[str, dict[str, Any]] = {}

    def row(code: str, name: str) -> dict[str, Any]:
        return table.setdefault(code, {"account_code": code, "name": name})

    for entry in manifest.entries:
        found_row = row(entry.account_code or entry.bill_to_code, entry.bill_to_name)
        found_row.update(invoice=entry.invoice_number or None, invoice_total=money(entry.total))
    if result is not None:
        for item in result.summary.to_dict("records"):
            row(str(item["account_code"]), str(item["customer_name"]))["at_stake"] = money(item["money_at_stake"])
    if found is not None:
        this = replace(found, detail=found.detail[found.detail["period_end"] == period.end])
        for item in this.by("customer").to_dict("records"):
            row(str(item["account_code"]), str(item["customer_name"]))["margin"] = money(item["margin"])
    return [table[code] for code in sorted(table)]


def differences(result: Reconciliation | None) -> list[dict[str, Any]]:
    """Every flagged difference: customer, SKU, category, quantities, money at stake and review."""
    if result is None:
        return []
    keep = ("account_code", "customer_name", "sku", "part_number", "category", "vendor_quantity", "billed_quantity")
    found = []
    for item in result.flagged.to_dict("records"):
        shown = {key: (None if item.get(key) is None else str(item[key])) for key in keep}
        shown.update(money_at_stake=money(item.get("money_at_stake")), review=str(item.get("review") or "open"))
        found.append(shown)
    return found


def needs(manifest: Manifest, result: Reconciliation | None, problems: list[str]) -> list[Need]:
    """What needs a person: invoices not written, e-invoices missing a buyer's detail, sample invoices, an
    invoice number taken twice, the distributor's arithmetic, open differences, unmapped lines, and steps that
    could not finish (``problems``)."""
    found = [Need("step", "", problem, "See the step's note; fix it and run the close again.") for problem in problems]
    for entry, kind, error in [
        *((entry, "invoice", entry.error) for entry in manifest.failed),
        *((entry, "e-invoice", entry.einvoice_error) for entry in manifest.einvoices_failed),
    ]:
        found.append(
            Need(
                kind,
                f"{entry.bill_to_name} ({entry.account_code})",
                error or "failed",
                "Fill the missing details (customer register, price list), then run the close again.",
            )
        )
    samples = sum(1 for entry in manifest.entries if entry.sample and entry.file)
    if samples:
        found.append(
            Need("seller", counted(samples, "invoice"), "SAMPLE: the seller's details are not set.", SELLER_DO)
        )
    taken = Counter(entry.invoice_number for entry in manifest.entries if entry.invoice_number)
    for number, times in sorted(taken.items()):
        if times > 1:
            found.append(
                Need(
                    "invoice",
                    number,
                    f"Invoice number {number} is on {times} invoices.",
                    "Give each Bill To customer its own account code in Atria, then run the close again.",
                )
            )
    if result is None:
        return found
    for check in result.invoice_checks.to_dict("records"):
        if check["check"] != "matches":
            found.append(
                Need(
                    "distributor",
                    f"Xarios invoice {check['invoice_id']}",
                    f"Its arithmetic {check['check']}.",
                    "Ask the distributor for a corrected invoice.",
                )
            )
    figures = at_stake(result)
    assert figures is not None
    if figures["open"]:
        found.append(
            Need(
                "money",
                counted(figures["open"], "difference"),
                f"{figures['leaked']} leaked and {figures['over_billed']} over-billed, valued {figures['valued']}.",
                f"Review them in {RECONCILIATION_FILE} (Detail: review fixed or dismissed, and a note); "
                "the next close keeps your decisions.",
            )
        )
    for what, frame in (("tenant", result.unmapped_tenants), ("product", result.unmapped_products)):
        if len(frame):
            found.append(
                Need(
                    "mapping",
                    counted(len(frame), f"unmapped {what}"),
                    f"Not compared (value {money(sum(frame['value'], Decimal(0)))}).",
                    "Add the rows shown in add_to_mapping to the product mapping.",
                )
            )
    return found


RECONCILIATION_FILE = "reconciliation.xlsx"
SELLER_DO = "Set name, address, vat_id and bank details under [seller] in the config file (`xlbilling config`)."
