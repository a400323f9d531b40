"""Margin leaks: what the distributor charged (Xarios) against what the MSP billed (Atria), per customer
and product, compared on DataFrames (``compare``); ``xlbilling._reconcile.period`` fetches one billing period
from both APIs and calls it.

How things are matched
    Customers: the Xarios ``TenantCodeExt`` is the Atria Customer Account Code (case and surrounding
    spaces ignored), unless the tenant mapping sends that code elsewhere. Only when a code is missing (on
    the tenant, or on the Atria customer) is the exact normalised name used instead (case and runs of
    spaces ignored, nothing else). ``match_basis`` says which rule matched: ``account code``,
    ``mapping``, ``name``; ``not on invoice`` marks Atria customers the invoice does not mention.
    Products: the product mapping sends each Xarios part number to an Atria SKU. Only Atria SKUs named in
    the mapping are expected on a Xarios invoice; other Atria lines are counted as not supplied.
    Periods: how the items of one period are chosen is said in ``xlbilling._reconcile.period``.

What comes out, per Atria customer and SKU
    ``difference`` = vendor quantity - billed quantity. ``money_at_stake`` = difference x unit price
    from the price list, or x the unit cost Xarios charged when the SKU has no price (``price_basis``
    says which), rounded half-up to cents: positive is revenue not billed (a margin leak), negative is
    billing with no matching cost. Categories: ``under_billed`` (charged more than billed),
    ``over_billed``, ``charged_not_billed``, ``billed_not_charged``, ``matched``.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Mapping as MappingType
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
from pandas.api.types import infer_dtype

from xlbilling._apis.xarios_charges import column_of, is_purchase
from xlbilling._errors import DataError
from xlbilling._inputs.mapping import Mapping, code_key, part_key
from xlbilling._inputs.prices import Price
from xlbilling._reconcile.result import (
    CHARGE_COLUMNS,
    DETAIL_COLUMNS,
    NOT_ON_INVOICE,
    TEXT_COLUMNS,
    UNMAPPED_PRODUCT_COLUMNS,
    UNMAPPED_TENANT_COLUMNS,
    ZERO,
    NothingCompared,
    Reconciliation,
    empty_frame,
)
from xlbilling._values.money import cents, round_to, to_decimal

# --- the comparison ----------------------------------------------------------------------------------


def compare(
    billed: pd.DataFrame,
    charged: pd.DataFrame,
    mapping: Mapping,
    prices: MappingType[str, Price] | None = None,
    customers: pd.DataFrame | None = None,
) -> Reconciliation:
    """Compare billed quantities with charged ones, per Atria customer and SKU (see the module docstring).

    ``billed``: Atria invoice lines (``customer_code, customer_name, customer_account_code, sku,
    quantity``). ``charged``: Xarios invoice items (``part_number, tenant_code_ext, tenant_name, quantity,
    value``; ``is_purchase`` and ``product_name`` when present), or items already added up
    (``InvoiceCharges.items``: ``items`` says how many each row stands for). ``customers``: every Atria
    customer (``customer_code, customer_name, account_code``), so a charged customer with nothing billed is
    still recognised; without it only customers in ``billed`` are known.

    Raises ``NothingCompared`` when no invoice item matched both an Atria customer and a mapped SKU.
    """
    _require(billed, ("sku", "quantity"), "billed lines")
    _require(charged, ("part_number", "quantity", "value"), "charged items")
    directory = _directory(billed, customers)
    items = _purchases(charged, mapping)
    matches = _match_tenants(items, directory, mapping)
    items = items.merge(matches, on=["tenant_code_ext", "tenant_name"], how="left", validate="many_to_one")
    unmapped_tenants = _unmapped_tenants(items)
    unmapped_products = _unmapped_products(items)
    matched = items[items["key"].notna() & items["sku"].notna()]
    on_invoice = _aggregate(
        matched, ["key"], tenant_name=("tenant_name", "join"), match_basis=("match_basis", "join")
    ).set_index("key")
    lines = billed.assign(key=_billed_keys(billed))
    in_scope = lines["sku"].isin(mapping.skus)
    sides = _vendor_side(matched).merge(_billed_side(lines[in_scope]), on=["key", "sku"], how="outer", sort=False)
    detail = _detail(sides, on_invoice, directory, _parts_by_sku(mapping), prices or {})
    compared = int((detail["match_basis"] != NOT_ON_INVOICE).sum())
    priced = detail["price_basis"] == "price"  # the rows valued at a price: their currencies are the money's
    result = Reconciliation(
        detail=detail,
        unmapped_tenants=unmapped_tenants,
        unmapped_products=unmapped_products,
        compared=compared,
        not_supplied=int((~in_scope).sum()),
        charges=_charges(items, directory),
        currencies=tuple(sorted({(prices or {})[sku].currency for sku in detail.loc[priced, "sku"]})),
    )
    if compared == 0:
        raise NothingCompared(
            f"Nothing could be compared: none of the {_count(charged)} charged items matched both an Atria customer "
            f"and a mapped SKU ({len(unmapped_tenants)} unmapped tenants, {len(unmapped_products)} unmapped "
            "part numbers).",
            "Check the unmapped lists and the mapping, or choose the invoice.",
            result,
        )
    return result


def _count(charged: pd.DataFrame) -> int:
    """How many purchase items ``charged`` holds (rows added up say how many items each stands for)."""
    purchases = charged[is_purchase(charged)]
    return int(purchases["items"].sum()) if "items" in purchases else len(purchases)


def _require(frame: pd.DataFrame, columns: tuple[str, ...], what: str) -> None:
    missing = [column for column in columns if column not in frame]
    if missing:
        raise DataError(f"The {what} have no column {', '.join(missing)}.", "Pass the DataFrames the clients return.")


def normalise_name(name: Any) -> str:
    """The form names are compared in when a code is missing: case and runs of spaces ignored."""
    return " ".join(str(name).split()).casefold() if isinstance(name, str) else ""


def text(series: pd.Series) -> pd.Series:
    """Text with missing values as ``""`` and surrounding spaces removed (an object column), worked out once
    per distinct value when the values are text already: a customer's name is on each of its lines."""
    if series.dtype == object and infer_dtype(series, skipna=True) not in ("string", "empty"):
        return series.astype("string").fillna("").str.strip().astype(object)
    codes, distinct = pd.factorize(series, use_na_sentinel=False)
    done = pd.Series(distinct).astype("string").fillna("").str.strip().to_numpy(dtype=object)
    return pd.Series(done[codes], index=series.index, dtype=object)


def _billed_keys(billed: pd.DataFrame) -> pd.Series:
    """Each Atria row's customer key: its account code, or ``~`` + its customer code when it has none."""
    codes = text(column_of(billed, "customer_account_code")).str.upper()
    fallback = "~" + text(column_of(billed, "customer_code")).str.upper()
    return codes.where(codes != "", fallback).astype(object)


def _directory(billed: pd.DataFrame, customers: pd.DataFrame | None) -> pd.DataFrame:
    """Every known Atria customer once per key: ``key, account_code, customer_name, name_key``."""
    known = [billed.rename(columns={"customer_account_code": "account_code"})]
    if customers is not None:
        known.insert(0, customers)
    frame = pd.concat(
        [
            pd.DataFrame(
                {
                    "account_code": text(column_of(part, "account_code")),
                    "customer_code": text(column_of(part, "customer_code")),
                    "customer_name": text(column_of(part, "customer_name")),
                }
            )
            for part in known
        ],
        ignore_index=True,
    ).drop_duplicates()
    frame["key"] = _billed_keys(frame.rename(columns={"account_code": "customer_account_code"}))
    frame = frame.drop_duplicates(["key", "customer_name"])
    frame["name_key"] = _each_distinct(frame["customer_name"], normalise_name)
    return _aggregate(
        frame,
        ["key"],
        account_code=("account_code", "first"),
        customer_name=("customer_name", "join"),
        name_key=("name_key", "first"),
    )


def _aggregate(frame: pd.DataFrame, keys: list[str], **columns: tuple[str, str]) -> pd.DataFrame:
    """``frame.groupby(keys).agg(**columns)`` (group order kept) where the function may also be ``"join"``:
    the group's distinct non-empty texts joined with ``"; "`` in first-seen order, done without a Python
    call per group."""
    plain = {name: spec for name, spec in columns.items() if spec[1] != "join"}
    grouped = frame.groupby(keys, sort=False)
    result = grouped.agg(**plain) if plain else grouped.size().to_frame("rows")
    for name, (column, how) in columns.items():
        if how == "join":
            distinct = frame.loc[frame[column] != "", [*keys, column]].drop_duplicates()
            joined = (distinct[column] + "; ").groupby([distinct[k] for k in keys], sort=False).sum().str[:-2]
            result[name] = joined.reindex(result.index).fillna("").astype(object)
    return result.loc[:, list(columns)].reset_index()


def _purchases(charged: pd.DataFrame, mapping: Mapping) -> pd.DataFrame:
    """The chargeable items with their SKU (None when the part number is unmapped), zeros for blanks."""
    charged = charged[is_purchase(charged)]
    parts = _each_distinct(text(column_of(charged, "part_number")), part_key)
    return pd.DataFrame(
        {
            "tenant_code_ext": text(column_of(charged, "tenant_code_ext")),
            "tenant_name": text(column_of(charged, "tenant_name")),
            "part_number": parts,
            "product_name": text(column_of(charged, "product_name")),
            "sku": parts.map(mapping.products).astype(object),
            "quantity": decimals(column_of(charged, "quantity"), "charged quantity"),
            "value": decimals(column_of(charged, "value"), "charged value"),
        }
    ).reset_index(drop=True)


def decimals(values: pd.Series, what: str) -> pd.Series:
    """Exact Decimals, blanks as zero (a float quantity from Atria goes through its shortest repr)."""
    present = values.astype(object).where(values.notna(), ZERO)
    try:
        return _each_distinct(present, to_decimal)
    except ValueError as error:
        raise DataError(f"The {what} column holds a value that is not a number ({error}).",
                        "Check the data passed to compare.") from None  # fmt: skip


def _each_distinct(values: pd.Series, func: Callable[[Any], Any]) -> pd.Series:
    """``values.map(func)`` calling ``func`` once per distinct value (quantities and amounts repeat a lot);
    missing values stay missing."""
    present = values[values.notna()]
    lookup = {value: func(value) for value in pd.unique(present)}
    return _with_none(present.map(lookup).reindex(values.index))


def _with_none(values: pd.Series) -> pd.Series:
    """An object column whose missing values are ``None`` (not NaN), as users and ``is None`` expect."""
    return values.astype(object).where(values.notna(), None)


def _match_tenants(items: pd.DataFrame, directory: pd.DataFrame, mapping: Mapping) -> pd.DataFrame:
    """One row per distinct (tenant code, tenant name): the customer key it matched, how, and if it did
    not, why and what to add to the mapping."""
    tenants = items[["tenant_code_ext", "tenant_name"]].drop_duplicates().reset_index(drop=True)
    keys, codes = directory["key"].tolist(), directory["account_code"].tolist()
    by_code = dict(zip(directory["account_code"].str.upper().tolist(), keys, strict=True))
    by_code.pop("", None)
    names: dict[str, list[str]] = {}
    for name_key, key in zip(directory["name_key"].tolist(), keys, strict=True):
        names.setdefault(name_key, []).append(key)
    coded = dict(zip(keys, codes, strict=True))
    matches = [
        _match(code, name, by_code, names, coded, mapping.tenants)
        for code, name in zip(tenants["tenant_code_ext"], tenants["tenant_name"], strict=True)
    ]
    found = pd.DataFrame(matches, columns=["key", "match_basis", "reason", "add_to_mapping"], dtype=object)
    return pd.concat([tenants, found], axis=1)


def _match(
    code: str,
    name: str,
    by_code: dict[str, str],
    names: dict[str, list[str]],
    coded: dict[str, str],
    aliases: dict[str, str],
) -> tuple[str | None, str | None, str | None, str | None]:
    """(key, match basis, reason, mapping row to add) for one tenant."""
    code = code_key(code)
    if code in aliases:
        target = aliases[code]
        if target in by_code:
            return by_code[target], "mapping", None, None
        return None, None, f"the tenant mapping sends it to {target}, which no Atria customer has", None
    if code in by_code:
        return by_code[code], "account code", None, None
    candidates = names.get(normalise_name(name), []) if name else []
    if len(candidates) > 1:
        return None, None, f"{len(candidates)} Atria customers are named '{name}'", _tenant_row(code, None)
    candidate = candidates[0] if candidates else None
    if candidate is not None and (not code or not coded[candidate]):
        return candidate, "name", None, None
    if not code:
        reason = "no TenantCodeExt and no Atria customer of that name"
        return None, None, reason, "set the tenant's TenantCodeExt in Xarios to its Atria Customer Account Code"
    if candidate is not None:
        suggestion = coded[candidate]
        return (
            None,
            None,
            f"no Atria customer has account code {code}; '{name}' has {suggestion}",
            _tenant_row(code, suggestion),
        )
    return None, None, f"no Atria customer has account code {code}", _tenant_row(code, None)


def _tenant_row(code: str, account_code: str | None) -> str:
    return f"tenant_code_ext,account_code: {code},{account_code or '<Atria account code>'}"


def _unmapped_tenants(items: pd.DataFrame) -> pd.DataFrame:
    rows = items[items["key"].isna()]
    if rows.empty:
        return empty_frame(UNMAPPED_TENANT_COLUMNS)
    totals = _aggregate(
        rows,
        ["tenant_code_ext", "tenant_name"],
        part_numbers=("part_number", "join"),
        vendor_quantity=("quantity", "sum"),
        value=("value", "sum"),
        reason=("reason", "first"),
        add_to_mapping=("add_to_mapping", "first"),
    ).sort_values(["tenant_code_ext", "tenant_name"], ignore_index=True)
    totals["value"] = totals["value"].map(cents)
    return totals.loc[:, list(UNMAPPED_TENANT_COLUMNS)]


def _unmapped_products(items: pd.DataFrame) -> pd.DataFrame:
    rows = items[items["sku"].isna()]
    if rows.empty:
        return empty_frame(UNMAPPED_PRODUCT_COLUMNS)
    totals = _aggregate(
        rows,
        ["part_number"],
        product_name=("product_name", "join"),
        tenant_codes=("tenant_code_ext", "join"),
        vendor_quantity=("quantity", "sum"),
        value=("value", "sum"),
    ).sort_values("part_number", ignore_index=True)
    totals["value"] = totals["value"].map(cents)
    totals["add_to_mapping"] = "part_number,sku: " + totals["part_number"] + ",<Atria SKU>"
    return totals.loc[:, list(UNMAPPED_PRODUCT_COLUMNS)]


def _charges(items: pd.DataFrame, directory: pd.DataFrame) -> pd.DataFrame:
    """The items added up per matched customer (unmatched tenants with no account code or name) and part."""
    people = directory.set_index("key")
    frame = items.assign(
        account_code=items["key"].map(people["account_code"]).fillna("").astype(object),
        customer_name=items["key"].map(people["customer_name"]).fillna("").astype(object),
        sku=items["sku"].fillna("").astype(object),
    )
    keys = ["account_code", "customer_name", "tenant_code_ext", "tenant_name", "part_number", "sku"]
    totals = _aggregate(
        frame, keys, product_name=("product_name", "first"), vendor_quantity=("quantity", "sum"), value=("value", "sum")
    )
    return totals.loc[:, list(CHARGE_COLUMNS)] if len(totals) else empty_frame(CHARGE_COLUMNS)


def _vendor_side(items: pd.DataFrame) -> pd.DataFrame:
    return _aggregate(
        items,
        ["key", "sku"],
        vendor_quantity=("quantity", "sum"),
        value=("value", "sum"),
        part_number=("part_number", "join"),
    )


def _billed_side(lines: pd.DataFrame) -> pd.DataFrame:
    frame = pd.DataFrame(
        {"key": lines["key"], "sku": text(lines["sku"]), "quantity": decimals(lines["quantity"], "billed quantity")}
    )
    return frame.groupby(["key", "sku"], sort=False).agg(billed_quantity=("quantity", "sum")).reset_index()


def _detail(
    rows: pd.DataFrame,
    on_invoice: pd.DataFrame,
    directory: pd.DataFrame,
    parts: dict[str, str],
    prices: MappingType[str, Price],
) -> pd.DataFrame:
    """Charged and billed quantities side by side (``rows``), named, valued and categorised."""
    for column in ("tenant_name", "match_basis"):  # a SKU not charged still shows how its customer matched
        rows[column] = rows["key"].map(on_invoice[column]).astype(object)
    rows["match_basis"] = rows["match_basis"].fillna(NOT_ON_INVOICE)
    rows["part_number"] = rows["part_number"].fillna(rows["sku"].map(parts))  # what would have supplied it
    people = directory.set_index("key")
    rows["account_code"] = rows["key"].map(people["account_code"]).astype(object)
    rows["customer_name"] = rows["key"].map(people["customer_name"]).astype(object)
    for column in ("vendor_quantity", "billed_quantity", "value"):
        rows[column] = rows[column].where(rows[column].notna(), ZERO).astype(object)
    vendor_qty, billed_qty = rows["vendor_quantity"], rows["billed_quantity"]
    rows["difference"] = _each_distinct(vendor_qty - billed_qty, whole_quantity)
    rows["vendor_quantity"] = _each_distinct(vendor_qty, whole_quantity)
    rows["billed_quantity"] = _each_distinct(billed_qty, whole_quantity)
    charged = vendor_qty != 0
    own_cost = _each_distinct((rows["value"] / vendor_qty.where(charged, 1)).where(charged), _unit_cost)
    rows["unit_cost"] = _with_none(own_cost.fillna(rows["sku"].map(_usual_costs(rows))))
    rows["unit_price"] = _with_none(rows["sku"].map({sku: price.unit_price for sku, price in prices.items()}))
    rate = rows["unit_price"].where(rows["unit_price"].notna(), rows["unit_cost"])
    rows["price_basis"] = np.where(rows["unit_price"].notna(), "price", np.where(rate.notna(), "cost", ""))
    rows["money_at_stake"] = _each_distinct((rows["difference"] * rate).where(rate.notna()), cents)
    rows["category"] = (
        np.select(
            [vendor_qty == billed_qty, billed_qty == 0, vendor_qty == 0, vendor_qty > billed_qty],
            ["matched", "charged_not_billed", "billed_not_charged", "under_billed"],
            "over_billed",
        )
        if len(rows)
        else pd.Series(dtype=object)
    )
    for column in ("account_code", "customer_name", "tenant_name", "part_number"):
        rows[column] = rows[column].fillna("")
    rows = rows.sort_values(["account_code", "customer_name", "sku"], kind="stable").reset_index(drop=True)
    return rows.loc[:, list(DETAIL_COLUMNS)].astype(dict.fromkeys(TEXT_COLUMNS, "str"))


def _parts_by_sku(mapping: Mapping) -> dict[str, str]:
    parts: dict[str, list[str]] = {}
    for part, sku in sorted(mapping.products.items()):
        parts.setdefault(sku, []).append(part)
    return {sku: "; ".join(numbers) for sku, numbers in parts.items()}


def _unit_cost(ratio: Decimal) -> Decimal:
    return round_to(ratio, 4)


def _usual_costs(rows: pd.DataFrame) -> dict[str, Decimal]:
    """Each SKU's unit cost across the whole invoice: the cost shown where a customer was not charged."""
    totals = rows.groupby("sku").agg(value=("value", "sum"), quantity=("vendor_quantity", "sum"))
    return {
        sku: _unit_cost(v / q) for sku, v, q in zip(totals.index, totals["value"], totals["quantity"], strict=True) if q
    }


def whole_quantity(value: Decimal) -> Decimal:
    """A quantity without a meaningless ``.0`` (``12.0`` -> ``12``); fractions are kept as they are."""
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()
