"""One period's margin, per Bill To customer, consuming customer and SKU: billed quantity (Atria), revenue at
the price in force at the period's end, cost (the Xarios items the reconciliation matched, at their value),
margin, margin % and leak (the reconciliation's positive money at stake); and the totals over periods.

A customer is keyed by its account code (its name when it has none), as the reconciliation keys it. A line
with cost and no revenue, or revenue and no cost, is kept; Xarios items the reconciliation could not match
are their own lines (``unmapped tenant``, ``unmapped product``). ``status`` says why a line's margin is
not shown: ``no price`` (its SKU has no price then) or ``no cost data`` (no Xarios invoice for the period).
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Mapping as MappingType
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
from pandas.api.types import infer_dtype

from xlbilling._inputs.prices import Price
from xlbilling._reconcile.compare import decimals, text, whole_quantity
from xlbilling._reconcile.result import Reconciliation
from xlbilling._values.money import cents, round_to

DETAIL_COLUMNS = (
    "period_end", "bill_to_code", "bill_to_name", "account_code", "customer_name", "sku", "billed_quantity",
    "unit_price", "revenue", "cost", "margin", "margin_pct", "leak", "status",
)  # fmt: skip
MONEY = ("unit_price", "revenue", "cost", "margin", "leak")
TOTAL_MONEY = ("revenue", "cost", "margin", "margin_pct", "leak", "left_out")
TOTALS = {
    "customer": ("account_code", "customer_name", "bill_to_name"),
    "product": ("sku",),
    "period": ("period_end",),
}
"""Each totals table and the columns it is grouped by (then ``TOTAL_MONEY``)."""
NO_PRICE, NO_COST_DATA = "no price", "no cost data"
UNMAPPED_TENANT, UNMAPPED_PRODUCT = "unmapped tenant", "unmapped product"
ZERO = Decimal("0.00")


def period_lines(billed: pd.DataFrame, prices: MappingType[str, Price], found: Reconciliation | None) -> pd.DataFrame:
    """The margin lines of one period: ``billed`` (its Atria invoice lines), ``prices`` in force at its end and
    ``found`` (its reconciliation; ``None`` when no Xarios invoice covers it: no cost data)."""
    revenue = _billed(billed, prices)
    if found is None:
        lines = revenue.assign(cost=None, leak=None)
    else:
        cost = _costs(found.charges)
        lines = revenue.merge(cost, on=["account_code", "sku"], how="outer", sort=False, suffixes=("", "_cost"))
        lines["customer_name"] = lines["customer_name"].fillna(lines.pop("customer_name_cost"))
        lines["status"] = lines["status"].fillna(lines.pop("status_cost"))
        lines["leak"] = _leaks(lines, found.detail)
        lines["cost"] = lines["cost"].where(lines["cost"].notna(), ZERO)
        payers = revenue.drop_duplicates("account_code").set_index("account_code")
        for column in ("bill_to_code", "bill_to_name"):  # a customer charged, not billed, pays as it always does
            lines[column] = lines[column].fillna(lines["account_code"].map(payers[column]))
        lines["bill_to_name"] = lines["bill_to_name"].fillna(lines["customer_name"])
        unbilled = lines["billed_quantity"].isna()  # charged, not billed: no revenue, whatever its price
        lines["unit_price"] = lines["sku"].map(_unit_prices(prices)).astype(object)
        lines["billed_quantity"] = lines["billed_quantity"].where(~unbilled, ZERO)
        lines["revenue"] = lines["revenue"].where(~unbilled, ZERO)
    lines = lines.astype(object).where(lines.notna(), None)
    lines["margin"] = _each_pair(lines["revenue"], lines["cost"], _less)
    lines["margin_pct"] = _each_pair(lines["margin"], lines["revenue"], _share)
    if found is None:
        lines["status"] = NO_COST_DATA
    lines["status"] = lines["status"].fillna("")
    lines = lines.fillna({"bill_to_code": "", "bill_to_name": ""})
    lines = lines.sort_values(["bill_to_name", "customer_name", "account_code", "sku"], kind="stable")
    return _held_once(lines.reset_index(drop=True))


def _held_once(lines: pd.DataFrame) -> pd.DataFrame:
    """``lines`` with each distinct value held by one object: 20,000 lines repeat a few hundred amounts and
    names, so twelve periods' lines take little more memory than their cells' pointers. Amounts are told apart
    exactly (``1.0`` is not ``1``): nothing shown changes."""
    held = {}
    shared: Any
    for column, values in lines.items():
        if infer_dtype(values, skipna=True) == "string":  # equal text is the same text
            codes, distinct = pd.factorize(values, use_na_sentinel=False)
            shared = np.asarray(distinct, dtype=object)[codes]
        else:  # "1.0" is not "1": amounts are told apart by how they are written
            seen: dict[Any, Any] = {}
            shared = [seen.setdefault((type(v), str(v)), v) for v in values.tolist()]
        held[column] = pd.Series(shared, index=lines.index, dtype=object)
    return pd.DataFrame(held)


def _billed(billed: pd.DataFrame, prices: MappingType[str, Price]) -> pd.DataFrame:
    """Billed quantity per customer and SKU, with the price then and the revenue (``no price`` without one)."""
    frame = pd.DataFrame({
        "bill_to_code": _text(billed, "bill_to_code"),
        "bill_to_name": _text(billed, "bill_to_name"),
        "account_code": _text(billed, "customer_account_code"),
        "customer_name": _text(billed, "customer_name"),
        "sku": _text(billed, "sku"),
        "billed_quantity": decimals(billed["quantity"], "billed quantity").map(whole_quantity),
    })  # fmt: skip
    frame["account_code"] = frame["account_code"].where(frame["account_code"] != "", frame["customer_name"])
    keys = ["account_code", "sku"]
    names = frame.groupby(keys, sort=False)[["bill_to_code", "bill_to_name", "customer_name"]].first()
    totals = frame.groupby(keys, sort=False)["billed_quantity"].sum()
    out = names.join(totals).reset_index()
    out["unit_price"] = out["sku"].map(_unit_prices(prices)).astype(object)
    priced = out["unit_price"].notna()
    out["revenue"] = _each_pair(out["billed_quantity"], out["unit_price"], _times)
    out["status"] = None
    out.loc[~priced, "status"] = NO_PRICE
    return out


def _unit_prices(prices: MappingType[str, Price]) -> dict[str, Decimal]:
    return {sku: price.unit_price for sku, price in prices.items()}


def _costs(charges: pd.DataFrame) -> pd.DataFrame:
    """Xarios value per customer and SKU; an unmatched tenant or part number is its own line."""
    frame = charges.copy()
    tenant = frame["account_code"].eq("") & frame["customer_name"].eq("")
    product = frame["sku"].eq("")
    frame["status"] = None
    frame.loc[product, "status"] = UNMAPPED_PRODUCT
    frame.loc[tenant, "status"] = UNMAPPED_TENANT
    frame.loc[product, "sku"] = frame.loc[product, "part_number"]
    frame.loc[tenant, "customer_name"] = frame.loc[tenant, "tenant_name"]
    frame.loc[tenant, "account_code"] = frame.loc[tenant, "tenant_code_ext"]
    named = frame["account_code"].eq("")
    frame.loc[named, "account_code"] = frame.loc[named, "customer_name"]
    grouped = frame.groupby(["account_code", "sku"], sort=False)
    out = grouped.agg(customer_name=("customer_name", "first"), status=("status", "first"), cost=("value", "sum"))
    out["cost"] = out["cost"].map(cents)
    return out.reset_index()


def _leaks(lines: pd.DataFrame, detail: pd.DataFrame) -> pd.Series:
    """Each line's under-billed money at stake in the period's reconciliation (0 when it has none)."""
    keys = detail["account_code"].where(detail["account_code"] != "", detail["customer_name"])
    money = detail["money_at_stake"].map(lambda m: m if isinstance(m, Decimal) and m > 0 else ZERO)
    found = dict(zip(zip(keys.tolist(), detail["sku"].tolist(), strict=True), money, strict=True))
    return pd.Series(
        [found.get((a, s), ZERO) for a, s in zip(lines["account_code"].tolist(), lines["sku"].tolist(), strict=True)],
        index=lines.index,
        dtype=object,
    )


def totals(detail: pd.DataFrame, by: str) -> pd.DataFrame:
    """Revenue, cost, margin, margin % and leak per ``by`` (``customer``, ``product``, ``period``), over the
    lines whose margin is known; ``left_out`` counts the others (no price, no cost data), and a group with
    none known shows no amounts (never zero)."""
    keys = list(TOTALS[by])
    known = detail["margin"].notna()
    frame = detail.loc[:, keys].copy()
    for column in ("revenue", "cost", "margin"):
        frame[column] = detail[column].where(known, ZERO)
    frame["leak"] = detail["leak"].where(detail["leak"].notna(), ZERO)
    frame["known"] = known.astype(int)
    frame["left_out"] = (~known).astype(int)
    out = frame.groupby(keys, sort=by == "period", dropna=False).sum().reset_index()
    empty = out["known"] == 0
    for column in ("revenue", "cost", "margin"):
        out[column] = out[column].astype(object).where(~empty, None)
    out["margin_pct"] = _each_pair(out["margin"], out["revenue"], _share)
    if by == "period":  # a period with no cost data shows no leak either: there was nothing to reconcile
        out["leak"] = out["leak"].astype(object).where(~empty, None)
    if by != "period":
        out = out.sort_values("margin", ascending=False, kind="stable", key=_amounts)
    return out.loc[:, [*keys, *TOTAL_MONEY]].reset_index(drop=True)


def _amounts(values: pd.Series) -> pd.Series:
    return values.map(lambda v: float(v) if isinstance(v, Decimal) else float("-inf"))


def _each_pair(first: pd.Series, second: pd.Series, func: Callable[[Any, Any], Any]) -> pd.Series:
    """``func(a, b)`` for each pair of values, as an object column (a missing value passed as ``None``)."""
    given = [values.astype(object).where(values.notna(), None) for values in (first, second)]
    return pd.Series([func(a, b) for a, b in zip(*given, strict=True)], index=first.index, dtype=object)


def _less(revenue: Any, cost: Any) -> Decimal | None:
    return None if revenue is None or cost is None else revenue - cost


def _times(quantity: Any, price: Any) -> Decimal | None:
    return None if price is None else cents(quantity * price)


def _share(part: Any, whole: Any) -> Decimal | None:
    """``part / whole`` as a fraction to four places (12.34 %), None when either is unknown or ``whole`` is 0."""
    if part is None or whole is None or not whole:
        return None
    return round_to(Decimal(part) / Decimal(whole), 4)


def _text(frame: pd.DataFrame, column: str) -> pd.Series:
    return text(frame[column]) if column in frame else pd.Series([""] * len(frame), index=frame.index, dtype=object)
