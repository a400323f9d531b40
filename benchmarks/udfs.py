"""A sheet's worth of XLB_ formulas against the sandbox: requests made, warm-call cost, and outage behaviour.

The sheet: 1,000 ``XLB_QUANTITY`` cells plus the spilled tables. The sandbox sells 10 SKUs, so the 20
SKU columns are its 10 SKUs in the latest closed period and the same 10 in the period before (50
customers x 20 columns). Printed:
HTTP requests made against distinct data sets (must be equal), time per warm call, the ratio against a
naive formula that sends one request per call (measured in the same process), and, with the API down,
the total time for all 1,000 calls (required under one second). Run: ``python -m benchmarks.udfs``.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from datetime import date
from typing import Any

from tests.excel_support import counting_session
from xlbilling._apis.atria import Atria
from xlbilling._apis.transport.client import ApiClient
from xlbilling._excel import udfs
from xlbilling._sandbox import start_sandbox
from xlbilling._session import session as sessions
from xlbilling._session.results import ResultCache
from xlbilling._values.period import Period

CUSTOMERS, SKUS = 50, 10
NAIVE_SAMPLE = 100
TODAY = date(2026, 11, 21)


def timed(work: Callable[[], Any]) -> float:
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


Cell = tuple[date, str, str]


def sheet(period: date, cells: list[Cell]) -> Callable[[], None]:
    """Recalculate the whole sheet: the spilled tables, then every quantity cell."""

    def recalc() -> None:
        udfs.XLB_PERIODS(), udfs.XLB_CUSTOMERS(), udfs.XLB_XARIOS_INVOICES()
        udfs.XLB_SUMMARY(period), udfs.XLB_DETAIL(period), udfs.XLB_INVOICE_LINES(period), udfs.XLB_ANALYSIS(period)
        quantities(cells)()

    return recalc


def quantities(cells: list[Cell]) -> Callable[[], list[Any]]:
    return lambda: [udfs.XLB_QUANTITY(end, customer, sku) for end, customer, sku in cells]


def naive_quantity(atria: Atria, periods: dict[date, Period], day: date, customer: str, sku: str) -> int:
    """What a formula without a cache does: one request per call (the period is looked up in ``periods``)."""
    summary = atria.summary(periods[day])
    rows = summary[(summary["customer_code"] == customer) & (summary["sku"] == sku) & summary["billable"]]
    return int(rows["this_count"].sum())


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def main() -> None:
    with start_sandbox(seed=1, customers=CUSTOMERS, today=TODAY) as sandbox:
        session, transport = counting_session(sandbox.url, sandbox.token)
        sessions.use(session)
        atria = session.atria()
        latest = atria.latest_closed_period()
        period = latest.end  # what a cell holds: a date
        ends = [end.date() for end in atria.periods()["period_end"] if end.date() <= period][-2:]
        codes = list(atria.customers()["customer_code"])[:CUSTOMERS]
        skus = sorted(set(atria.summary(latest)["sku"]))[:SKUS]
        periods = {end: atria.period(end) for end in ends}
        cells = [(end, code, sku) for code in codes for end in ends for sku in skus]
        session.clear()
        transport.count = 0

        cold = timed(sheet(period, cells))
        data_sets = len(session.cache.entries())
        print(f"sheet: {len(cells)} XLB_QUANTITY cells ({len(codes)} customers x {len(skus)} SKUs x {len(ends)} "
              "periods) + 7 spilled tables")  # fmt: skip
        print(f"HTTP requests made: {transport.count}; distinct data sets: {data_sets}")
        warm = timed(quantities(cells)) / len(cells)
        print(f"warm XLB_QUANTITY: {warm * 1e6:.1f} us per call (cold sheet recalc {cold:.2f} s)")

        naive_client = Atria(ApiClient("Atria", sandbox.url, sandbox.token))
        sample = cells[:NAIVE_SAMPLE]
        naive = timed(lambda: [naive_quantity(naive_client, periods, *cell) for cell in sample]) / len(sample)
        print(f"naive one-request-per-call: {naive * 1e3:.2f} ms per call (sample of {len(sample)})")
        print(f"ratio naive/warm per call: {naive / warm:,.0f}x; naive 1,000 calls ~{naive * len(cells):.1f} s "
              f"vs whole cold sheet {cold:.2f} s ({naive * len(cells) / cold:.1f}x)")  # fmt: skip

        down_url = f"http://127.0.0.1:{closed_port()}"
        outage("no earlier data", ResultCache(), down_url, sandbox.token, cells)
        clock = Clock()
        stale = ResultCache(clock=clock)
        sessions.use(counting_session(sandbox.url, sandbox.token, stale)[0])
        quantities(cells)()
        clock.now += 7 * 24 * 3600  # every result has expired
        outage("last good values, expired", stale, down_url, sandbox.token, cells)


class Clock:
    """A clock the benchmark can move forward."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def outage(label: str, cache: ResultCache, down_url: str, token: str, cells: list[Cell]) -> None:
    """All 1,000 calls against an API that is down, with what ``cache`` already holds."""
    down, transport = counting_session(down_url, token, cache)
    sessions.use(down)
    total = timed(quantities(cells))
    answer = udfs.XLB_QUANTITY(*cells[0])
    verdict = "OK" if total < 1.0 else "TOO SLOW"
    print(f"API down ({label}): {len(cells):,} calls in {total:.3f} s [{verdict}, required < 1 s]; "
          f"requests tried: {transport.count}; a cell shows: {str(answer)[:70]!r}")  # fmt: skip


if __name__ == "__main__":
    main()
