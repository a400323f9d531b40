"""Benchmark: ``Atria.detail`` read in pages against the same rows in one answer, over loopback HTTP.

The sandbox (seed 1, ``--customers`` customers, period 2026-10-31) serves the detail plain (the baseline:
one request, one bare list) and then in each paging style at ``--page-size`` rows per page. Each read must
give the baseline's frame and ask for every page once (counted by the sandbox) before any time is printed;
the time of each style is printed as a ratio to the baseline's, best of ``--repeat``, interleaved. Most of
the difference is the requests themselves (one per page): the fast decoder reads every page.

Run: ``.venv/bin/python benchmarks/paging.py [--customers N] [--page-size P] [--repeat R]``
"""

from __future__ import annotations

import argparse
import math
import time
from collections import Counter
from datetime import date

import httpx
import pandas as pd

from xlbilling._apis.atria import Atria
from xlbilling._apis.transport.client import ApiClient
from xlbilling._sandbox import start_sandbox
from xlbilling._values.period import Period

STYLES = ("odata", "next", "pages", "skip", "hasmore")
PERIOD = Period(date(2026, 10, 1), date(2026, 10, 31), "October 2026", is_closed=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=500)
    parser.add_argument("--page-size", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with start_sandbox(seed=1, customers=args.customers, today="2026-11-21") as sandbox:
        headers = {"Authorization": f"Bearer {sandbox.token}"}
        atria = Atria(ApiClient("Atria", sandbox.url, sandbox.token))

        def read(style: str) -> tuple[float, pd.DataFrame, int]:
            body = {"name": style, "page_size": args.page_size}
            httpx.post(f"{sandbox.url}/_sandbox/dialect", json=body, headers=headers).raise_for_status()
            start, began = len(sandbox.requests), time.perf_counter()
            frame = atria.detail(PERIOD)
            seconds = time.perf_counter() - began
            asked = Counter(sandbox.requests[start:])
            assert max(asked.values()) == 1, f"{style}: a page was asked for twice"
            return seconds, frame, sum(asked.values())

        _, baseline, _ = read("plain")
        best = dict.fromkeys(("plain", *STYLES), math.inf)
        for _ in range(args.repeat):
            for style in best:
                seconds, frame, requests = read(style)
                pd.testing.assert_frame_equal(frame, baseline)
                assert requests == (1 if style == "plain" else math.ceil(len(baseline) / args.page_size))
                best[style] = min(best[style], seconds)
        pages = math.ceil(len(baseline) / args.page_size)
        print(f"detail: {len(baseline):,} rows; paged styles: {pages} pages of {args.page_size:,}, each asked once")
        for style in STYLES:
            print(f"  {style:<8} {best[style] / best['plain']:.2f}x the one-answer read")


if __name__ == "__main__":
    main()
