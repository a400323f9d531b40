"""Benchmark: the margin over 12 periods x 2,000 customers x 10 products, against a row-by-row loop, and the
fetches with and without concurrency.

The sandbox runs in its own process (so the server does not share this one's interpreter lock), with 2,000
customers and today 2026-11-21. First every period is fetched and its margin computed through
``margin`` on a fresh session twice: one period at a time (``workers=1``) and ``WORKERS`` at a time; their
wall times are printed. Then, on the data already fetched, the margin's own work (``period_lines`` and the
totals per customer, the vectorised path) is timed against a straightforward loop over the rows computing the
same per-customer totals; the two results are checked equal before the ratio is printed.

Run: ``.venv/bin/python benchmarks/margin.py [--customers N] [--repeat R]``
"""

from __future__ import annotations

import argparse
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pandas as pd

from xlbilling._apis.atria import Atria
from xlbilling._apis.transport.client import ApiClient
from xlbilling._apis.xarios import Xarios
from xlbilling._errors import NoInvoiceItems
from xlbilling._inputs.mapping import Mapping, load_mapping
from xlbilling._inputs.prices import Price, load_prices
from xlbilling._margin import Margin, choose_periods, margin
from xlbilling._margin.compute import period_lines, totals
from xlbilling._margin.run import WORKERS
from xlbilling._reconcile.period import reconcile_period
from xlbilling._reconcile.result import Reconciliation
from xlbilling._session.session import Session
from xlbilling._values.money import cents
from xlbilling._values.period import Period

DATA = Path(__file__).parents[1] / "xlbilling" / "_sandbox" / "data"
TOKEN = "benchmark-token"  # noqa: S105  (the local sandbox's, made up here)
Inputs = list[tuple[pd.DataFrame, dict[str, Price], Reconciliation | None]]


def start_server(customers: int) -> tuple[subprocess.Popen[bytes], str]:
    """``xlbilling sandbox`` in a process of its own on a free port; its URL once it answers."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [sys.executable, "-m", "xlbilling", "sandbox", "--port", str(port), "--customers", str(customers),
               "--today", "2026-11-21", "--token", TOKEN]  # fmt: skip
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            httpx.get(f"{url}/api/billing/parameters", headers={"Authorization": f"Bearer {TOKEN}"}).raise_for_status()
            return server, url
        except httpx.HTTPError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit("the sandbox did not start")


def session(url: str) -> Session:
    return Session(
        Atria(ApiClient("Atria", url, TOKEN, timeout=300)), Xarios(ApiClient("Xarios", url, TOKEN, timeout=300))
    )


def timed(func: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = func()
    return time.perf_counter() - start, result


def inputs(found: Session, periods: tuple[Period, ...], mapping: Mapping, prices: dict[str, Price]) -> Inputs:
    """Each period's billed lines, prices and reconciliation, from the session's cache (already fetched)."""
    atria, xarios, given = found.atria(), found.xarios(), []
    for period in periods:
        try:
            reconciled: Reconciliation | None = reconcile_period(atria, xarios, period, mapping=mapping, prices=prices)
        except NoInvoiceItems:
            reconciled = None
        given.append((atria.invoice_lines(period), prices, reconciled))
    return given


def vectorised(given: Inputs) -> pd.DataFrame:
    """xlbilling's path: every period's lines, then the totals per customer."""
    detail = pd.concat([period_lines(*one) for one in given], ignore_index=True)
    return totals(detail, "customer")


def loop(given: Inputs) -> dict[str, tuple[Decimal, Decimal, Decimal]]:
    """Revenue, cost and leak per account code, one row at a time."""
    per: dict[str, list[Decimal]] = {}
    for billed, prices, found in given:
        quantities: dict[tuple[str, str], Decimal] = {}
        for _, row in billed.iterrows():
            key = (row["customer_account_code"] or row["customer_name"], row["sku"])
            quantities[key] = quantities.get(key, Decimal(0)) + Decimal(repr(float(row["quantity"])))
        for (account, sku), quantity in quantities.items():
            per.setdefault(account, [Decimal(0)] * 3)[0] += cents(quantity * prices[sku].unit_price)
        assert found is not None
        for _, row in found.charges.iterrows():
            account = row["account_code"] or row["customer_name"] or row["tenant_code_ext"]
            per.setdefault(account, [Decimal(0)] * 3)[1] += row["value"]
        for _, row in found.detail.iterrows():
            money = row["money_at_stake"]
            if isinstance(money, Decimal) and money > 0:
                per[row["account_code"] or row["customer_name"]][2] += money
    return {account: (cents(r), cents(c), cents(leak)) for account, (r, c, leak) in per.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    server, url = start_server(args.customers)
    try:
        mapping, price_list = load_mapping(DATA / "product-map.csv"), load_prices(DATA / "prices.csv")
        prices = price_list.at(date.today())
        runs: dict[int, float] = {}
        for workers in (1, WORKERS):
            kept = session(url)
            periods = choose_periods(kept.atria().period_list(), None, None).periods
            runs[workers], result = timed(lambda s=kept, p=periods, w=workers: margin(
                s.atria(), s.xarios(), p, mapping=mapping, prices=price_list, workers=w))  # fmt: skip
        assert isinstance(result, Margin)
        print(f"{len(periods)} periods x {args.customers} customers: {len(result.detail):,} margin lines")
        print(f"fetch + margin, one period at a time: {runs[1]:.1f} s   {WORKERS} at a time: {runs[WORKERS]:.1f} s   "
              f"(concurrency saves {1 - runs[WORKERS] / runs[1]:.0%})")  # fmt: skip
        given = inputs(kept, periods, mapping, prices)
        fast = min(timed(lambda: vectorised(given))[0] for _ in range(args.repeat))
        slow, by_loop = timed(lambda: loop(given))
        ours = vectorised(given)
        assert by_loop == {
            a: (r, c, leak)
            for a, r, c, leak in zip(ours["account_code"], ours["revenue"], ours["cost"], ours["leak"], strict=True)
        }, "the loop and xlbilling disagree"
        print(f"margin lines + totals: {fast:.2f} s (best of {args.repeat})   row-by-row loop: {slow:.2f} s")
        print(f"ratio: the loop takes {slow / fast:.1f}x as long as xlbilling's margin")
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
