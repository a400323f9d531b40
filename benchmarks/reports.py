"""Invoice workbooks per second: xlbilling's builder against a naive openpyxl loop, in the same process.

300 Bill To customers with about 25 invoice lines each and their Users sheet. The baseline loads the
template with openpyxl for every customer, fills it cell by cell (inserting rows for the lines and users)
and saves it. xlbilling parses the template once and patches its XML parts, in worker processes.
Also prints the builder's peak traced memory at 100 and 300 customers (in one process, inputs excluded).

Run: .venv/bin/python benchmarks/reports.py [--customers 300] [--workers 2] [--baseline N]
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd

from xlbilling._inputs.prices import Price
from xlbilling._invoice import Invoice
from xlbilling._invoices import default_template, write_invoices
from xlbilling._invoices.pricing import Invoices
from xlbilling._invoices.template import load_template
from xlbilling._values.period import Period

PERIOD = Period(date(2026, 10, 1), date(2026, 10, 31), "October 2026", is_closed=True)
SKUS = [f"SKU-{n:03d}" for n in range(40)]
PRICES = {
    sku: Price(sku, Decimal(random.Random(n).randint(100, 5000)) / 100, "GBP", f"Service {sku}", Decimal("0.20"))
    for n, sku in enumerate(SKUS)
}


def frames(customers: int, lines_each: int = 25) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Invoice lines, analysis and summary frames shaped like Atria's (docs/pages/contract.md)."""
    rng = random.Random(customers)
    lines: list[dict[str, Any]] = []
    analysis: list[dict[str, Any]] = []
    summary: list[dict[str, Any]] = []
    for n in range(customers):
        code, name, account = f"C{n:04d}", f"Customer {n} Ltd", f"ACC{n:04d}"
        for sku in rng.sample(SKUS, lines_each):
            quantity = rng.randint(1, 3)
            lines.append({"customer_code": code, "customer_name": name, "customer_account_code": account,
                          "bill_to_code": code, "bill_to_name": name, "bill_to_account_code": account, "sku": sku,
                          "service_code": sku, "service_name": sku, "line_description": f"Service {sku}",
                          "quantity": float(quantity)})  # fmt: skip
            summary.append({"customer_code": code, "customer_name": name, "account_code": account, "sku": sku,
                            "billable": True, "grouping": sku, "last_count": quantity, "this_count": quantity,
                            "difference": 0})  # fmt: skip
            for user in range(quantity):
                analysis.append({"customer_code": code, "customer_name": name, "account_code": account,
                                 "bill_to_code": code, "bill_to_name": name, "address_line1": f"{n} High St",
                                 "address_line2": None, "city": "Leeds", "region": "West Yorkshire",
                                 "postal_code": "LS1 1AA", "country": "United Kingdom",
                                 "user_name": f"user{user}@{code.lower()}.example", "service_name": sku,
                                 "plan_name": "Plan", "sku": sku, "sku_type": "User", "billable": True,
                                 "non_billable_reason": None, "start_date": datetime(2026, 10, 1),
                                 "end_date": datetime(2026, 10, 31), "duration_percent": 100.0, "quantity": 1.0,
                                 "line_description": sku, "summary_description": f"Service {sku}"})  # fmt: skip
    return pd.DataFrame(lines), pd.DataFrame(analysis), pd.DataFrame(summary)


def naive(invoices: list[Invoice], template: Path, out: Path) -> None:
    """The baseline: load the template per customer, fill it cell by cell, save."""
    for invoice in invoices:
        book = openpyxl.load_workbook(template)
        sheet = book["Invoice"]
        sheet["F8"], sheet["F9"], sheet["F10"] = invoice.number, invoice.issue_date, invoice.due_date
        sheet["A9"], sheet["A10"] = invoice.bill_to.name, "\n".join(invoice.bill_to.address)
        lines = [line for group in invoice.groups for line in group.lines]
        sheet.insert_rows(19, len(lines) - 1)
        for row, line in enumerate(lines, start=18):
            cells: tuple[Any, ...] = (line.sku, line.description, "", line.quantity, line.unit_price, line.tax_rate)
            for column, value in enumerate(cells, start=1):
                sheet.cell(row, column, value)
            sheet.cell(row, 7, f"=ROUND(D{row}*E{row},2)")
        users = book["Users"]
        for row, user in enumerate(invoice.users, start=4):
            values = (user.customer_name, user.user_name, user.service, user.sku, user.start_date, user.end_date,
                      user.duration_percent, user.billable)  # fmt: skip
            for column, value in enumerate(values, start=1):
                users.cell(row, column, value)
        book.save(out / f"{invoice.bill_to.account_code}.xlsx")


def rate(count: int, job: Callable[[], object]) -> float:
    start = time.perf_counter()
    job()
    return count / (time.perf_counter() - start)


def peak_mib(customers: int) -> tuple[float, float]:
    """Peak memory traced while xlbilling writes ``customers`` invoices in one process, above what the
    inputs (the Atria frames and their indexes, loaded before) hold; and how much of it is the returned
    manifest (one small entry per invoice)."""
    lines, analysis, summary = frames(customers)
    template = load_template(default_template())
    source = Invoices(PERIOD, lines, analysis, summary, PRICES)
    with tempfile.TemporaryDirectory() as out:
        tracemalloc.start()
        manifest = write_invoices(source, template, out_dir=out)
        kept, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert len(manifest.entries) == customers
    return peak / 2**20, kept / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=300)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--baseline", type=int, help="customers timed for the (slow) baseline; default: all")
    args = parser.parse_args()
    lines, analysis, summary = frames(args.customers)
    source = Invoices(PERIOD, lines, analysis, summary, PRICES)
    made = [invoice for invoice in source if isinstance(invoice, Invoice)]
    users = sum(len(invoice.users) for invoice in made) // len(made)
    print(f"reports: {len(made)} Bill To customers, ~{len(lines) // len(made)} lines and ~{users} users each")
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder)
        (out / "naive").mkdir()
        sample = made[: args.baseline]
        baseline = rate(len(sample), lambda: naive(sample, default_template(), out / "naive"))
        print(f"baseline (openpyxl load + fill cell by cell + save per customer, {len(sample)} customers): "
              f"{baseline:.1f} invoices/s")  # fmt: skip
        template = load_template(default_template())
        one = rate(len(made), lambda: write_invoices(source, template, out_dir=out / "one"))
        print(f"xlbilling, 1 process: {one:.1f} invoices/s ({one / baseline:.1f}x baseline)")
        fast = rate(len(made), lambda: write_invoices(source, template, out_dir=out / "fast", workers=args.workers))
        print(f"xlbilling, {args.workers} workers: {fast:.1f} invoices/s")
        print(f"ratio: {fast / baseline:.1f}x baseline")
    for customers in (100, 300):
        peak, kept = peak_mib(customers)
        print(f"peak memory while writing {customers} invoices (1 process, inputs excluded): {peak:.2f} MiB, "
              f"of which the returned manifest {kept:.2f} MiB; working set {peak - kept:.2f} MiB")  # fmt: skip


if __name__ == "__main__":
    main()
