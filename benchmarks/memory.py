"""Benchmark: the peak memory of ``margin -o margin.xlsx`` by number of periods (default 1 and 12), at 2,000
customers.

The sandbox runs in its own process (2,000 customers, today 2026-11-21) and is asked for every period once
first, so it has built its data. Each margin then runs in a new Python process of its own, on a new session
with an empty cache folder (nothing kept from before), over the latest N closed periods, and writes its
workbook, as ``xlbilling margin -o margin.xlsx`` does; the process reports its own peak resident memory
(``resource.getrusage``, ``ru_maxrss``), its time, its figures' totals and the size of the closed periods it
kept on disk. Aims: 12 periods within 1.3x of one
period's peak, and under 1.2 GB.

Run: ``.venv/bin/python -m benchmarks.memory [--customers N] [--periods 1 3 6 12]`` (about four minutes on the
shared 2-core machine with the default 1 and 12).
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.floor import run_margin, session
from benchmarks.margin import DATA, start_server
from xlbilling import margin
from xlbilling._inputs.mapping import load_mapping
from xlbilling._inputs.prices import load_prices
from xlbilling._margin import choose_periods
from xlbilling._margin.book import write_margin
from xlbilling._session.stored import Store

COUNTS = (1, 12)
GB = 1024**3


def child(url: str, count: int) -> None:
    """One margin over the latest ``count`` closed periods in this process, and its workbook: its peak, time
    and totals."""
    with tempfile.TemporaryDirectory() as folder:
        found = session(url, Path(folder))
        periods = choose_periods(found.atria().period_list(), None, None).periods[-count:]
        start = time.perf_counter()
        result = margin(found, periods[0], periods[-1], mapping=load_mapping(DATA / "product-map.csv"),
                        prices=load_prices(DATA / "prices.csv"))  # fmt: skip
        write_margin(result, Path(folder) / "margin.xlsx")
        seconds = time.perf_counter() - start
        kept = Store(Path(folder)).usage()[1]
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # kilobytes on Linux
    totals = result.by("period")[["revenue", "cost"]].sum()
    print(peak, f"{seconds:.1f}", len(result.periods), len(result.detail), totals["revenue"], totals["cost"], kept)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--customers", type=int, default=2000)
    parser.add_argument("--periods", type=int, nargs="+", default=COUNTS, help="the numbers of periods, fewest first")
    parser.add_argument("--child", nargs=2, metavar=("URL", "PERIODS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], int(args.child[1]))
        return
    server, url = start_server(args.customers)
    try:
        with tempfile.TemporaryDirectory() as folder:
            run_margin(url, Path(folder))  # the sandbox builds every period's data once
        peaks: dict[int, int] = {}
        for count in args.periods:
            command = [sys.executable, "-m", "benchmarks.memory", "--child", url, str(count)]
            said = subprocess.run(command, capture_output=True, text=True, check=True).stdout.split()
            peaks[count] = int(said[0])
            print(f"{said[2]:>2} periods: peak {peaks[count] / GB:.2f} GB in {said[1]} s, {int(said[3]):,} margin "
                  f"lines, revenue {said[4]}, cost {said[5]}; {int(said[6]) / 1e6:.0f} MB kept on disk")  # fmt: skip
    finally:
        server.terminate()
        server.wait()
    fewest, most_periods = args.periods[0], args.periods[-1]
    ratio, most = peaks[most_periods] / peaks[fewest], max(peaks.values())
    met = "met" if ratio <= 1.3 and most < 1.2 * GB else "NOT met"
    print(f"ratio: {most_periods} periods peak at {ratio:.2f}x the peak of {fewest}; the highest peak "
          f"{most / GB:.2f} GB (aims: at most 1.3x, under 1.2 GB: {met})")  # fmt: skip


if __name__ == "__main__":
    main()
