"""Benchmark: ``margin`` (12 periods) and ``reconcile`` (one period, with and without its .xlsx) against the
time to fetch and decode the very answers they ask for, from the same sandbox, in one run; and a second
``margin`` over the same closed periods against the first.

The sandbox runs in its own process (2,000 customers, today 2026-11-21), so the server does not share this
process's interpreter lock. A first, unmeasured margin makes the sandbox build its data (both sides then pay
only for serving it) and records, through the transport's ``observe`` hook, every URL margin and reconcile
ask for. Then, interleaved and twice each: the **floor** fetches those URLs four at a time with httpx and
decodes each answer with ``orjson.loads``; **xlbilling** runs the job as the command does (``margin``;
``reconcile``, then ``render`` to .xlsx as ``-o rec.xlsx`` does) on a new session whose cache folder is
empty, so nothing is kept from before. Each ratio takes the better of the pair on each side. Last, the
**cached rerun**: a new session over the same closed periods with the cache folder the last margin filled,
whose figures must equal the first run's.

Run: ``.venv/bin/python -m benchmarks.floor [--customers N]`` (about seven minutes on the shared 2-core machine).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import orjson
import pandas as pd

from benchmarks.margin import DATA, TOKEN, start_server
from xlbilling import margin, reconcile
from xlbilling._apis.atria import Atria
from xlbilling._apis.transport.client import ApiClient
from xlbilling._apis.xarios import Xarios
from xlbilling._inputs.mapping import load_mapping
from xlbilling._inputs.prices import load_prices
from xlbilling._margin import Margin
from xlbilling._reconcile.text import render
from xlbilling._session.session import Session
from xlbilling._session.stored import Store

LATEST = date(2026, 10, 31)
FLOOR_WORKERS = 4
Asked = list[tuple[str, dict[str, Any]]]


def session(url: str, folder: Path, asked: Asked | None = None) -> Session:
    """A new session on the sandbox (as a new run of the command makes) keeping closed periods in ``folder``;
    every URL answered is noted in ``asked``."""
    clients = [ApiClient(api, url, TOKEN, timeout=600) for api in ("Atria", "Xarios")]
    if asked is not None:
        for client in clients:
            client.observe = lambda path, query, _status, _type, _body: asked.append((path, dict(query)))
    return Session(Atria(clients[0]), Xarios(clients[1]), store=Store(folder))


def run_margin(url: str, folder: Path, asked: Asked | None = None) -> Margin:
    found = session(url, folder, asked)
    prices, mapping = load_prices(DATA / "prices.csv"), load_mapping(DATA / "product-map.csv")
    return margin(found, mapping=mapping, prices=prices)


def run_reconcile(url: str, folder: Path, workbook: Path | None = None, asked: Asked | None = None) -> None:
    found = session(url, folder, asked)
    prices, mapping = load_prices(DATA / "prices.csv"), load_mapping(DATA / "product-map.csv")
    result = reconcile(found, found.period(LATEST), mapping=mapping, prices=prices)
    if workbook is not None:
        render(result, "xlsx", workbook)


def floor(url: str, asked: Asked) -> int:
    """Fetch every URL of ``asked`` (``FLOOR_WORKERS`` at a time) and decode each answer; the bytes fetched."""
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=600) as client:

        def one(request: tuple[str, dict[str, Any]]) -> int:
            try:
                answer = client.get(request[0], params=request[1] or None)
            except httpx.TransportError:  # a kept-alive connection the server had just closed: once more
                answer = client.get(request[0], params=request[1] or None)
            body = answer.raise_for_status().content
            orjson.loads(body)
            return len(body)

        with ThreadPoolExecutor(FLOOR_WORKERS) as pool:
            return sum(pool.map(one, asked))


def timed(func: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    found = func()
    return time.perf_counter() - start, found


def fresh(root: Path) -> Path:
    """A new, empty cache folder under ``root``."""
    return Path(tempfile.mkdtemp(dir=root))


def verdict(ratio: float, aim: float, below: bool = True) -> str:
    return "met" if (ratio <= aim if below else ratio >= aim) else "NOT met"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--customers", type=int, default=2000)
    args = parser.parse_args()
    server, url = start_server(args.customers)
    try:
        with tempfile.TemporaryDirectory() as temporary:
            root = Path(temporary)
            margin_asked: Asked = []
            run_margin(url, fresh(root), margin_asked)  # the sandbox builds its data; the URLs are noted
            reconcile_asked: Asked = []
            run_reconcile(url, fresh(root), asked=reconcile_asked)
            floors, runs, firsts = [], [], []
            for _ in range(2):
                seconds, fetched = timed(lambda: floor(url, margin_asked))
                floors.append(seconds)
                last = fresh(root)
                seconds, first = timed(lambda f=last: run_margin(url, f))  # type: ignore[misc]
                runs.append(seconds)
                firsts.append(first)
            rerun, again = timed(lambda: run_margin(url, last))
            rec_floors, recs, xlsx = [], [], []
            for _ in range(2):
                rec_floors.append(timed(lambda: floor(url, reconcile_asked))[0])
                recs.append(timed(lambda: run_reconcile(url, fresh(root)))[0])
                xlsx.append(timed(lambda: run_reconcile(url, fresh(root), root / "rec.xlsx"))[0])
    finally:
        server.terminate()
        server.wait()
    pd.testing.assert_frame_equal(again.detail, firsts[-1].detail)  # the rerun's figures are the first run's
    pd.testing.assert_frame_equal(firsts[0].detail, firsts[1].detail)
    periods = len(firsts[-1].periods)
    print(f"margin: {periods} periods x {args.customers:,} customers, {len(margin_asked)} answers "
          f"({fetched / 1e6:,.0f} MB): xlbilling {min(runs):.1f} s ({', '.join(f'{s:.1f}' for s in runs)}), "
          f"fetch + decode {min(floors):.1f} s ({', '.join(f'{s:.1f}' for s in floors)})")  # fmt: skip
    ratio = min(runs) / min(floors)
    print(f"ratio: margin takes {ratio:.2f}x the fetch-and-decode floor (aim: at most 1.5x: {verdict(ratio, 1.5)})")
    floor_rec = min(rec_floors)
    print(f"reconcile: period ending {LATEST}, {len(reconcile_asked)} answers: xlbilling {min(recs):.1f} s, "
          f"with -o .xlsx {min(xlsx):.1f} s, fetch + decode {floor_rec:.1f} s")  # fmt: skip
    plain, written = min(recs) / floor_rec, min(xlsx) / floor_rec
    print(f"ratio: reconcile takes {plain:.2f}x the floor, {written:.2f}x with -o .xlsx "
          f"(aim: at most 1.5x: {verdict(max(plain, written), 1.5)})")  # fmt: skip
    faster = min(runs) / rerun
    print(f"ratio: a cached rerun of margin takes {rerun:.1f} s, {faster:.1f}x faster than the first run "
          f"(aim: at least 5x: {verdict(faster, 5, below=False)}), its figures identical")  # fmt: skip


if __name__ == "__main__":
    main()
