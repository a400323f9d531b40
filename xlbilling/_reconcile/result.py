"""What a reconciliation gives: the detail per Atria customer and SKU, the unmapped lists, the invoice
checks, what was charged (the margin's cost) and the money at stake added up (``Reconciliation``), with the
columns of each table."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal

import pandas as pd

from xlbilling._errors import DataError
from xlbilling._inputs.reviews import carry
from xlbilling._values.money import cents

CATEGORIES = ("under_billed", "over_billed", "charged_not_billed", "billed_not_charged", "matched")
DETAIL_COLUMNS = (
    "account_code", "customer_name", "tenant_name", "match_basis", "sku", "part_number",
    "vendor_quantity", "billed_quantity", "difference", "unit_cost", "unit_price", "money_at_stake",
    "price_basis", "category",
)  # fmt: skip
UNMAPPED_TENANT_COLUMNS = (
    "tenant_code_ext", "tenant_name", "part_numbers", "vendor_quantity", "value", "reason", "add_to_mapping",
)  # fmt: skip
UNMAPPED_PRODUCT_COLUMNS = (
    "part_number", "product_name", "tenant_codes", "vendor_quantity", "value", "add_to_mapping",
)  # fmt: skip
CHECK_COLUMNS = ("invoice_id", "invoice_number", "period_start", "period_end", "subtotal", "tax", "total", "check")
CHARGE_COLUMNS = (
    "account_code", "customer_name", "tenant_code_ext", "tenant_name", "part_number", "product_name", "sku",
    "vendor_quantity", "value",
)  # fmt: skip
"""What Xarios charged per matched customer (or unmatched tenant: no account code or name) and part number
(``sku`` empty when unmapped), at its value: the cost side of the margin."""
SUMMARY_COLUMNS = (
    "account_code", "customer_name", "flagged", "under_billed", "over_billed", "charged_not_billed",
    "billed_not_charged", "money_at_stake",
)  # fmt: skip
TEXT_COLUMNS = (
    "account_code", "customer_name", "tenant_name", "match_basis", "sku", "part_number", "price_basis", "category",
)  # fmt: skip
NOT_ON_INVOICE = "not on invoice"
ZERO = Decimal(0)


def empty_frame(columns: tuple[str, ...]) -> pd.DataFrame:
    """An empty table with ``columns``."""
    return pd.DataFrame({column: pd.Series(dtype=object) for column in columns})


@dataclass(frozen=True)
class Reconciliation:
    """The result: one detail row per Atria customer and SKU, the unmapped lists, the invoice checks."""

    detail: pd.DataFrame
    unmapped_tenants: pd.DataFrame
    unmapped_products: pd.DataFrame
    compared: int
    not_supplied: int = 0
    outside_period: int = 0
    invoice_checks: pd.DataFrame = field(default_factory=lambda: empty_frame(CHECK_COLUMNS))
    period_end: date | None = None
    charges: pd.DataFrame = field(default_factory=lambda: empty_frame(CHARGE_COLUMNS))
    decided_before: pd.DataFrame | None = None
    """With a review trail (``reviewed``): the rows decided before that this period's data no longer has."""
    currencies: tuple[str, ...] = ()
    """The currencies of the prices that valued rows at the MSP's price (from the price list: Xarios's
    answers name none); empty when no row was valued at a price."""

    def reviewed(self, decisions: pd.DataFrame) -> Reconciliation:
        """This result with each detail row's ``review`` and ``note`` carried from ``decisions`` (earlier
        rows, by period, account code and SKU: see ``carry``), its ``period_end`` as the first column, and
        the decided rows it no longer has as ``decided_before``."""
        detail = self.detail.copy()
        detail.insert(0, "period_end", self.period_end)
        kept, closed = carry(detail, decisions)
        return replace(self, detail=pd.DataFrame(kept), decided_before=closed)

    @property
    def counts(self) -> dict[str, int]:
        """Detail rows per category, every category present (zero when none)."""
        found = self.detail["category"].value_counts()
        return {category: int(found.get(category, 0)) for category in CATEGORIES}

    @property
    def flagged(self) -> pd.DataFrame:
        """The detail rows that are not ``matched``, largest money at stake first."""
        rows = self.detail[self.detail["category"] != "matched"]
        order = rows["money_at_stake"].map(lambda m: abs(m) if isinstance(m, Decimal) else ZERO)
        return rows.loc[order.sort_values(ascending=False, kind="stable").index]

    @property
    def leaked(self) -> Decimal:
        """Revenue not billed: the sum of the positive money at stake (under-billed, charged not billed)."""
        return cents(sum((m for m in self.detail["money_at_stake"] if isinstance(m, Decimal) and m > 0), ZERO))

    @property
    def over_billed(self) -> Decimal:
        """Billing with no matching cost: the sum of the negative money at stake, as a positive amount."""
        return -cents(sum((m for m in self.detail["money_at_stake"] if isinstance(m, Decimal) and m < 0), ZERO))

    def valued_at(self) -> dict[str, tuple[Decimal, Decimal]]:
        """What was leaked and over billed (both positive, as ``leaked`` and ``over_billed``) per valuation:
        ``price`` (the MSP's price list) and ``cost`` (Xarios's unit cost, for SKUs with no price); only the
        valuations some money at stake was valued at."""
        money = self.detail["money_at_stake"].map(lambda m: m if isinstance(m, Decimal) else ZERO)
        found: dict[str, tuple[Decimal, Decimal]] = {}
        for basis in ("price", "cost"):
            at = money[(self.detail["price_basis"] == basis) & (money != 0)]
            if len(at):
                found[basis] = (cents(sum(at[at > 0], ZERO)), -cents(sum(at[at < 0], ZERO)))
        return found

    @property
    def unpriced(self) -> int:
        """Flagged rows with neither a price nor a unit cost, so no money at stake (see their quantities)."""
        return int((self.detail["category"].ne("matched") & self.detail["money_at_stake"].isna()).sum())

    @property
    def summary(self) -> pd.DataFrame:
        """Money at stake per customer and category, biggest leak first; customers with nothing flagged
        are left out."""
        rows = self.detail[self.detail["category"] != "matched"]
        if rows.empty:
            return empty_frame(SUMMARY_COLUMNS)
        money = rows["money_at_stake"].where(rows["money_at_stake"].notna(), ZERO)
        frame = pd.DataFrame({"account_code": rows["account_code"], "customer_name": rows["customer_name"]})
        frame["flagged"] = 1
        for category in CATEGORIES[:4]:
            frame[category] = money.where(rows["category"] == category, ZERO)
        frame["money_at_stake"] = money
        keys = ["account_code", "customer_name"]
        summary = frame.groupby(keys, sort=False).sum().reset_index()
        summary["flagged"] = summary["flagged"].astype("int64")
        for column in SUMMARY_COLUMNS[3:]:
            summary[column] = summary[column].map(cents)
        summary = summary.sort_values("money_at_stake", ascending=False, kind="stable", ignore_index=True)
        return summary.loc[:, list(SUMMARY_COLUMNS)]


class NothingCompared(DataError):
    """No invoice item matched both an Atria customer and a mapped SKU, so no leak could be looked for;
    ``reconciliation`` still holds the unmapped lists that explain why."""

    def __init__(self, message: str, hint: str, reconciliation: Reconciliation) -> None:
        super().__init__(message, hint)
        self.reconciliation = reconciliation
