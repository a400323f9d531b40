"""Benchmark: ``xlbilling._reconcile.compare.period_items`` + ``compare`` against a straightforward row-by-row loop.

5,000 customers x 10 products (50,000 billed lines; an invoice of about 100,000 purchase items: October's,
with seeded differences, unknown tenants and an unmapped product, and November's in advance, which the
period's dates leave out). Both implementations run in this process on the same data; the loop's results
are checked against ``compare``'s before the timings are printed as a ratio.

Run: ``.venv/bin/python benchmarks/reconcile.py [--customers N] [--repeat R]``
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import pandas as pd

from xlbilling._apis.xarios import InvoiceHeader, XariosInvoice
from xlbilling._apis.xarios_arithmetic import InvoiceCheck
from xlbilling._inputs.mapping import Mapping, code_key, part_key
from xlbilling._inputs.prices import Price
from xlbilling._reconcile.compare import compare, normalise_name
from xlbilling._reconcile.period import period_items
from xlbilling._values.money import cents, round_to, to_decimal

PRODUCTS = 10
START, END = date(2026, 10, 1), date(2026, 10, 31)
OCTOBER = (pd.Timestamp(START), pd.Timestamp(END))
NOVEMBER = (pd.Timestamp("2026-11-01"), pd.Timestamp("2026-11-30"))
COSTS = [Decimal("4.90"), Decimal("10.30"), Decimal("18.10"), Decimal("3.30"), Decimal("6.55"),
         Decimal("1.45"), Decimal("2.15"), Decimal("24.00"), Decimal("1.20"), Decimal("7.75")]  # fmt: skip


def make_data(customers: int, seed: int = 7) -> tuple[pd.DataFrame, XariosInvoice, Mapping, dict[str, Price]]:
    """Billed lines and the invoice for ``customers`` x 10 products, about 5% of them different."""
    rng = random.Random(seed)
    skus = [f"SKU-{n:02d}" for n in range(PRODUCTS)]
    parts = [f"XP{n:05d}" for n in range(PRODUCTS)]
    mapping = Mapping(dict(zip(parts, skus, strict=True)))
    prices = {s: Price(s, c * Decimal("1.25"), "GBP", None, None) for s, c in zip(skus, COSTS, strict=True)}
    billed: list[dict[str, Any]] = []
    charged: list[dict[str, Any]] = []
    for n in range(customers):
        code, name = f"CUST{n:05d}", f"Customer {n} Ltd"
        tenant_code = code if n % 500 else None  # a few tenants without a code: matched by name
        for sku, part, cost in zip(skus, parts, COSTS, strict=True):
            quantity = rng.randint(0, 30)
            vendor = quantity + rng.choice((0,) * 18 + (1, -1)) if quantity else rng.choice((0,) * 39 + (2,))
            billed.append({"customer_code": f"C{n}", "customer_name": name, "customer_account_code": code,
                           "sku": sku, "quantity": float(quantity)})  # fmt: skip
            if vendor > 0:
                charged.append({"tenant_code_ext": tenant_code, "tenant_name": name, "part_number": part,
                                "quantity": Decimal(vendor), "value": cost * vendor, "is_purchase": True,
                                "from_date": OCTOBER[0], "to_date": OCTOBER[1]})  # fmt: skip
                advance = vendor + rng.choice((0, 1, 2))
                charged.append({"tenant_code_ext": tenant_code, "tenant_name": name, "part_number": part,
                                "quantity": Decimal(advance), "value": cost * advance, "is_purchase": True,
                                "from_date": NOVEMBER[0], "to_date": NOVEMBER[1]})  # fmt: skip
        if n % 1000 == 0:  # an unmapped product and an unknown tenant now and then
            charged.append({"tenant_code_ext": code, "tenant_name": name, "part_number": "XP99999",
                            "quantity": Decimal(1), "value": Decimal("30.60"), "is_purchase": True,
                            "from_date": OCTOBER[0], "to_date": OCTOBER[1]})  # fmt: skip
            charged.append({"tenant_code_ext": f"STRAY{n}", "tenant_name": f"Stray {n}", "part_number": parts[0],
                            "quantity": Decimal(2), "value": COSTS[0] * 2, "is_purchase": True,
                            "from_date": OCTOBER[0], "to_date": OCTOBER[1]})  # fmt: skip
    header = InvoiceHeader("INV-202610", None, None, None, None, OCTOBER[0], OCTOBER[1], None)
    invoice = XariosInvoice(header, pd.DataFrame(charged), InvoiceCheck(Decimal(0), Decimal(0), Decimal(0), ()))
    return pd.DataFrame(billed), invoice, mapping, prices


def loop_compare(
    billed: pd.DataFrame, invoice: XariosInvoice, mapping: Mapping, prices: dict[str, Price]
) -> dict[tuple[str, str], tuple[str, Decimal | None]]:
    """The same selection and comparison written the obvious way: one pass over each table, dictionaries,
    a final loop. Returns (account code, SKU) -> (category, money at stake)."""
    by_code: dict[str, str] = {}
    by_name: dict[str, list[str]] = {}
    billed_qty: dict[tuple[str, str], Decimal] = {}
    for _, row in billed.iterrows():
        code = code_key(row["customer_account_code"])
        by_code[code] = code
        names = by_name.setdefault(normalise_name(row["customer_name"]), [])
        if code not in names:
            names.append(code)
        if row["sku"] in mapping.skus:
            key = (code, row["sku"])
            billed_qty[key] = billed_qty.get(key, Decimal(0)) + to_decimal(row["quantity"])
    vendor_qty: dict[tuple[str, str], Decimal] = {}
    vendor_value: dict[tuple[str, str], Decimal] = {}
    first, last = OCTOBER
    for _, item in invoice.items.iterrows():
        opened, closed = item["from_date"], item["to_date"]
        if not item["is_purchase"] or opened > last or closed < first or (opened < first and closed < last):
            continue
        sku = mapping.products.get(part_key(item["part_number"]))
        code = code_key(item["tenant_code_ext"]) if isinstance(item["tenant_code_ext"], str) else ""
        customer = by_code.get(code)
        if customer is None and not code:
            candidates = by_name.get(normalise_name(item["tenant_name"]), [])
            customer = candidates[0] if len(candidates) == 1 else None
        if sku is None or customer is None:
            continue  # listed as unmapped
        key = (customer, sku)
        vendor_qty[key] = vendor_qty.get(key, Decimal(0)) + item["quantity"]
        vendor_value[key] = vendor_value.get(key, Decimal(0)) + item["value"]
    result: dict[tuple[str, str], tuple[str, Decimal | None]] = {}
    for key in billed_qty.keys() | vendor_qty.keys():
        vendor, bill = vendor_qty.get(key, Decimal(0)), billed_qty.get(key, Decimal(0))
        if vendor == bill:
            category = "matched"
        elif bill == 0:
            category = "charged_not_billed"
        elif vendor == 0:
            category = "billed_not_charged"
        else:
            category = "under_billed" if vendor > bill else "over_billed"
        price = prices[key[1]].unit_price if key[1] in prices else None
        rate = price if price is not None else (round_to(vendor_value[key] / vendor, 4) if vendor else None)
        result[key] = (category, cents((vendor - bill) * rate) if rate is not None else None)
    return result


def best_of(repeat: int, func: Callable[[], Any]) -> tuple[float, Any]:
    times, value = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        value = func()
        times.append(time.perf_counter() - start)
    return min(times), value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    billed, invoice, mapping, prices = make_data(args.customers)
    print(f"{args.customers} customers x {PRODUCTS} products: {len(billed)} billed lines, "
          f"{len(invoice.items)} invoice items ({len(period_items(invoice, START, END))} in the period)")  # fmt: skip
    fast, result = best_of(args.repeat, lambda: compare(billed, period_items(invoice, START, END), mapping, prices))
    slow, expected = best_of(args.repeat, lambda: loop_compare(billed, invoice, mapping, prices))
    found = {(r.account_code, r.sku): (r.category, r.money_at_stake) for r in result.detail.itertuples()}
    assert found == expected, "the loop and compare disagree"
    print(f"flagged: {len(result.flagged)}; counts: {result.counts}; leaked {result.leaked}")
    print(f"period_items + compare: {fast:.3f} s   row-by-row loop: {slow:.3f} s   (best of {args.repeat})")
    print(f"ratio: the loop takes {slow / fast:.1f}x as long as period_items + compare")


if __name__ == "__main__":
    main()
