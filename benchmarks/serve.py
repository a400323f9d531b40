"""Benchmark: ``xlbilling serve`` against a direct ``xlbilling summary``, in one run, on the sandbox.

Starts the sandbox (seed 1, today 2026-11-21, ``--customers`` customers) and the server in-process on loopback,
with one user. Prints:

- **request counts**: upstream requests (the sandbox's own request log) for 50 concurrent identical
  ``GET /api/summary`` calls, and for 50 concurrent calls spread over 5 periods (one per distinct data set is the
  aim);
- **warm API latency**: the median of ``--repeat`` sequential ``GET /api/summary?period=...`` over one keep-alive
  connection, answered from the server's cache (token check, audit row, the cached frame's JSON, written once),
  against three baselines measured in the same run on the same period: the library call in-process on a warm
  session (the frame cached, its JSON written each call, as a program must), the library call in-process with a
  fresh session (what ``xlbilling summary`` does after start-up: fetch the summary and write its JSON), and
  ``xlbilling summary --period ... --format json`` run as a program (start-up included). Before any timing, it
  checks that the API's bytes equal the program's output.

Run: ``.venv/bin/python benchmarks/serve.py [--customers N] [--repeat R]``
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path
from typing import Any

import httpx

from xlbilling import Atria, Session, Xarios
from xlbilling._output.write import to_json
from xlbilling._sandbox import Sandbox, start_sandbox
from xlbilling._serve.server import start_server
from xlbilling._serve.settings import ServeSettings

TODAY = date(2026, 11, 21)
PERIOD = "2026-10-31"
PERIODS = ("2026-06-30", "2026-07-31", "2026-08-31", "2026-09-30", "2026-10-31")


def median_ms(work: Callable[[], Any], repeat: int) -> float:
    """The median wall time of ``work()`` over ``repeat`` runs, in milliseconds."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def session_on(sandbox: Sandbox) -> Session:
    return Session(Atria.connect(sandbox.url, sandbox.token), Xarios.connect(sandbox.url, sandbox.token))


def upstream(sandbox: Sandbox, http: httpx.Client, paths: list[str]) -> Counter[str]:
    """The upstream requests made while the server answers ``paths``, all at once."""
    before = len(sandbox.requests)
    with ThreadPoolExecutor(len(paths)) as pool:
        answers = list(pool.map(http.get, paths))
    assert all(answer.status_code == 200 for answer in answers)
    return Counter(request.split("?")[0].lower() for request in sandbox.requests[before:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=200, help="warm API calls timed (the program: a tenth)")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder, start_sandbox(1, options.customers, TODAY) as sandbox:
        settings = ServeSettings(public_url="https://x.example", db=Path(folder) / "db", out=Path(folder) / "jobs",
                                 port=0, rate_limit=1_000_000)  # fmt: skip
        with start_server(settings, session_on(sandbox)) as running:
            token = running.server.users.add("bench")
            http = httpx.Client(base_url=running.url, headers={"Authorization": f"Bearer {token}"}, timeout=300)
            same = upstream(sandbox, http, [f"/api/summary?period={PERIOD}"] * 50)
            print(f"50 concurrent identical calls: {sum(same.values())} upstream requests {dict(same)}")
            spread = upstream(sandbox, http, [f"/api/summary?period={PERIODS[i % 5]}" for i in range(50)])
            print(f"50 concurrent calls over 5 periods (then): {sum(spread.values())} upstream requests "
                  f"{dict(spread)} ({PERIOD} and the period list were cached already)")  # fmt: skip

            env = {**os.environ, "XLBILLING_CONFIG": str(Path(folder) / "none.toml")}
            for name in ("ATRIA", "XARIOS"):
                env |= {f"XLBILLING_{name}_URL": sandbox.url, f"XLBILLING_{name}_TOKEN": sandbox.token}
            program = [sys.executable, "-m", "xlbilling", "summary", "--period", PERIOD, "--format", "json"]
            printed = subprocess.run(program, env=env, capture_output=True, check=True).stdout
            answer = http.get(f"/api/summary?period={PERIOD}").content
            assert answer == printed, "the API and the program disagree"
            print(f"GET /api/summary?period={PERIOD}: {len(answer):,} bytes, equal to what the program prints")

            api = median_ms(lambda: http.get(f"/api/summary?period={PERIOD}"), options.repeat)
            warm = session_on(sandbox)
            period = warm.period(date.fromisoformat(PERIOD))
            floor = median_ms(lambda: to_json(warm.atria().summary(period)), options.repeat)

            def fresh() -> str:
                session = session_on(sandbox)
                return to_json(session.atria().summary(session.period(date.fromisoformat(PERIOD))))

            library = median_ms(fresh, max(options.repeat // 10, 5))
            cli = median_ms(lambda: subprocess.run(program, env=env, capture_output=True, check=True),
                            max(options.repeat // 20, 3))  # fmt: skip
            http.close()
    print(f"warm API call (HTTP, token, audit, cached answer): {api:.2f} ms (median of {options.repeat})")
    print(f"in-process library call, warm session (JSON each):  {floor:.2f} ms")
    print(f"in-process library call, fresh session:             {library:.2f} ms")
    print(f"xlbilling summary as a program:                     {cli:.0f} ms")
    print(f"ratio warm API / warm library: {api / floor:.1f}x; warm API / fresh library: {api / library:.3f}x; "
          f"warm API / program: {api / cli:.4f}x ({cli / api:,.0f}x faster than running the program)")  # fmt: skip


if __name__ == "__main__":
    main()
