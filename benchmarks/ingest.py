"""Benchmark: from the bytes of an Atria detail answer to the typed DataFrame ``Atria.detail`` returns.

The detail of the sandbox (seed 1, 2,000 customers, period 2026-10-31: about 118,000 rows, 56 MB of JSON) is
fetched once over loopback HTTP. Four paths then run on the same bytes in this process, interleaved,
best of ``--repeat`` each:

- floor: ``orjson.loads`` alone, the least a path through Python dicts must spend;
- xlbilling: ``frames.read_frame`` with the detail field table, what ``Atria.detail`` does after the HTTP
  call: msgspec decodes the bytes into typed row structs (no dict per row), then whole columns are
  converted;
- fallback: ``orjson.loads`` + ``frames.to_frame``, what ``Atria.detail`` does when ``read_frame`` gives
  way (an answer with keys spelt several ways, values of unexpected types, an envelope object, ...);
- naive: ``pd.DataFrame(json.loads(body))``, renamed, plus one pandas conversion per column to the same
  dtypes.

The fallback and naive frames must equal xlbilling's before any time is printed. Peak memory
(``tracemalloc``) is measured for each path in a separate, untimed run, with what its result still holds.
orjson reserves a worst-case buffer of 12 bytes per byte of JSON while it parses, which tracemalloc counts
in full although only a small part of it is ever written; that is why the orjson paths peak highest (in
resident memory, orjson's parse grows the process by about a third more than ``json.loads``).
Aims: xlbilling within 3x of the floor, and the naive path at least 2x slower than xlbilling.

Run: ``.venv/bin/python benchmarks/ingest.py [--customers N] [--repeat R]``
"""

from __future__ import annotations

import argparse
import gc
import json
import time
import tracemalloc
from collections.abc import Callable
from datetime import date
from typing import Any

import httpx
import orjson
import pandas as pd

from xlbilling._apis import fields
from xlbilling._apis.frames import read_frame, to_frame
from xlbilling._sandbox import start_sandbox

PERIOD = "2026-10-31"
TODAY = date(2026, 11, 21)
MIN_ROWS = 100_000
_NAIVE: dict[str, Callable[[pd.Series], pd.Series]] = {
    "text": lambda column: column.astype("string"),
    "bool": lambda column: column.astype("boolean"),
    "datetime": lambda column: pd.to_datetime(column).astype("datetime64[ns]"),
    "date": lambda column: pd.to_datetime(column).dt.normalize().astype("datetime64[ns]"),
}


def fetch_detail(customers: int) -> bytes:
    """The raw body of ``GET /api/billing/2026-10-31/detail`` from a sandbox with ``customers`` customers."""
    with start_sandbox(seed=1, customers=customers, today=TODAY) as sandbox:
        response = httpx.get(
            f"{sandbox.url}/api/billing/{PERIOD}/detail",
            headers={"Authorization": f"Bearer {sandbox.token}"},
            timeout=300,
        )
        response.raise_for_status()
        return response.content


def floor(body: bytes) -> Any:
    """Parse only: the baseline."""
    return orjson.loads(body)


def xlbilling(body: bytes) -> pd.DataFrame:
    """What ``Atria.detail`` does with the body: the columnar decode, which must not give way here."""
    frame = read_frame(body, fields.ATRIA_DETAIL, "Atria", "detail")
    if frame is None:
        raise SystemExit("read_frame gave way to to_frame on the sandbox detail: the fast path is broken")
    return frame


def fallback(body: bytes) -> pd.DataFrame:
    """What ``Atria.detail`` does when ``read_frame`` gives way: ``orjson.loads`` + ``to_frame``."""
    return to_frame(orjson.loads(body), fields.ATRIA_DETAIL, "Atria", "detail")


def naive(body: bytes) -> pd.DataFrame:
    """What one would write without xlbilling: pandas builds the frame, then each column is converted."""
    names = {field.keys[0]: field.column for field in fields.ATRIA_DETAIL}
    frame = pd.DataFrame(json.loads(body)).rename(columns=names)[list(names.values())]
    for field in fields.ATRIA_DETAIL:
        frame[field.column] = _NAIVE[field.kind](frame[field.column])
    return frame


PATHS: dict[str, Callable[[bytes], Any]] = {
    "floor": floor,
    "xlbilling": xlbilling,
    "fallback": fallback,
    "naive": naive,
}


def best_times(body: bytes, repeat: int) -> dict[str, float]:
    """The best wall time of each path over ``repeat`` interleaved rounds."""
    best = dict.fromkeys(PATHS, float("inf"))
    for _ in range(repeat):
        for name, path in PATHS.items():
            gc.collect()
            started = time.perf_counter()
            result = path(body)
            best[name] = min(best[name], time.perf_counter() - started)
            del result
    return best


def memory(path: Callable[[bytes], Any], body: bytes) -> tuple[int, int]:
    """Bytes allocated at the peak of one run of ``path``, and bytes its result still holds (the body not
    counted)."""
    gc.collect()
    tracemalloc.start()
    try:
        result = path(body)
        held, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    del result
    return peak, held


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--customers", type=int, default=2000, help="sandbox customers (default 2000)")
    parser.add_argument("--repeat", type=int, default=7, help="timed rounds per path (default 7)")
    options = parser.parse_args()

    body = fetch_detail(options.customers)
    ours = xlbilling(body)
    rows = len(ours)
    if rows < MIN_ROWS:
        parser.error(f"the detail has {rows:,} rows, fewer than {MIN_ROWS:,}: raise --customers")
    pd.testing.assert_frame_equal(ours, fallback(body))  # both ways of Atria.detail give the same frame
    pd.testing.assert_frame_equal(ours, naive(body))  # the naive path computes the same frame
    del ours

    times = best_times(body, options.repeat)
    peaks = {name: memory(path, body) for name, path in PATHS.items()}
    within = times["xlbilling"] / times["floor"]
    slower = times["naive"] / times["xlbilling"]
    print(
        f"ingest detail {rows:,} rows ({len(body) / 1e6:.1f} MB): floor orjson {times['floor']:.3f} s | "
        f"xlbilling {times['xlbilling']:.3f} s = {within:.1f}x floor | "
        f"fallback orjson + to_frame {times['fallback']:.3f} s = {times['fallback'] / times['xlbilling']:.1f}x | "
        f"naive {times['naive']:.3f} s = {slower:.1f}x slower than xlbilling"
    )
    print(
        "peak memory (tracemalloc): "
        + " | ".join(f"{name} {_mb(peak)}" for name, (peak, _) in peaks.items())
        + f"; the results hold {' / '.join(_mb(held) for _, held in peaks.values())}"
    )
    print(
        f"aims: within 3x of the floor {'met' if within <= 3 else 'NOT met'} ({within:.1f}x); "
        f"naive at least 2x slower {'met' if slower >= 2 else 'NOT met'} ({slower:.1f}x)"
    )


def _mb(size: int) -> str:
    return f"{size / 1e6:,.0f} MB"


if __name__ == "__main__":
    main()
