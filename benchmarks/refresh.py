"""The headless refresh of a large billing workbook beside a user's own large sheets, against XlsxWriter.

A 2,000-customer sandbox billing workbook (every table, about 300,000 rows) is refreshed headlessly next to a
user's own sheet of about 20 MB; in the same run XlsxWriter (``constant_memory``) writes the same table rows
into a new file from scratch: the least a writer of those rows can spend. The data is fetched once before
timing (the session's cache), so both sides write the same frames. Peak memory (how far a forked child's
resident size grows) is measured with and without the user's sheet: it must not grow with the user's other
sheets, which are copied, not parsed.

Run: .venv/bin/python benchmarks/refresh.py [--customers 2000] [--user-mb 20]
"""

from __future__ import annotations

import argparse
import multiprocessing
import resource
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import xlsxwriter

from xlbilling._apis.atria import Atria
from xlbilling._apis.transport.client import ApiClient
from xlbilling._apis.xarios import Xarios
from xlbilling._config.shipped import shipped
from xlbilling._sandbox import start_sandbox
from xlbilling._session.session import Session
from xlbilling._workbook.headless import refresh_file
from xlbilling._workbook.tables import ALL, TARGETS
from xlbilling._xlsx.packagebook import PackageBook
from xlbilling._xlsx.tablecells import table_rows


def users_workbook(folder: Path, megabytes: int) -> Path:
    """The billing template with a user's own sheet of about ``megabytes`` MB of XML (numbers and text)."""
    path = folder / f"billing-{megabytes}mb.xlsx"
    shutil.copyfile(shipped("templates", "billing.xlsx"), path)
    if megabytes:
        rows = megabytes * 1024 * 1024 // 700  # about 700 bytes of sheet XML per row of 8 cells
        frame = pd.DataFrame({
            "ref": [f"JOB-{n:07d}" for n in range(rows)], "client": [f"Client {n % 997}" for n in range(rows)],
            "hours": [n % 37 + 0.25 for n in range(rows)], "rate": [85.0] * rows, "note": ["checked by Ann"] * rows,
            "week": [n % 52 for n in range(rows)], "billed": [n % 3 == 0 for n in range(rows)],
            "total": [(n % 37 + 0.25) * 85 for n in range(rows)],
        })  # fmt: skip
        book = PackageBook(path)
        book.write_table("My timesheets", "MyTimesheets", frame, "A1")
        book.save(path)
    return path


def measured(run: Callable[[], object]) -> tuple[float, float]:
    """Seconds of ``run()``, and how many MiB its process grew at most, measured in a second run in a forked
    child (its peak resident size less what it started with): tracing allocations would slow Python down
    several times over."""
    start = time.perf_counter()
    run()
    seconds = time.perf_counter() - start
    context = multiprocessing.get_context("fork")
    results = context.Queue()

    def child() -> None:
        before = _resident_mib()
        run()
        results.put(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 - before)

    process = context.Process(target=child)
    process.start()
    grown = float(results.get())
    process.join()
    return seconds, grown


def _resident_mib() -> float:
    """This process's resident size now, in MiB (Linux)."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * resource.getpagesize() / 2**20


def xlsxwriter_baseline(path: Path, frames: list[tuple[str, pd.DataFrame]]) -> None:
    """The same table rows written from scratch, one sheet per table, in constant-memory mode."""
    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    for name, frame in frames:
        sheet = workbook.add_worksheet(name[:31])
        sheet.write_row(0, 0, [str(column) for column in frame.columns])
        for number, values in enumerate(table_rows(frame), start=1):
            sheet.write_row(number, 0, [v if not hasattr(v, "is_finite") else float(v) for v in values])
    workbook.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=2000)
    parser.add_argument("--user-mb", type=int, default=20)
    options = parser.parse_args()
    keys = [*ALL]
    with (
        start_sandbox(customers=options.customers, today="2026-11-21") as sandbox,
        tempfile.TemporaryDirectory() as temp,
    ):
        folder = Path(temp)
        session = Session(
            Atria(ApiClient("Atria", sandbox.url, sandbox.token, timeout=300)),
            Xarios(ApiClient("Xarios", sandbox.url, sandbox.token, timeout=300)),
        )
        small, large = users_workbook(folder, 0), users_workbook(folder, options.user_mb)
        refresh_file(shutil.copy(small, folder / "warm.xlsx"), keys, session)  # fetch every data set once
        period = session.latest_closed()
        frames = [(TARGETS[k].table, TARGETS[k].load(session, _params(), period)[0]) for k in keys]
        rows = sum(len(frame) for _, frame in frames)
        base_s, base_mb = measured(lambda: xlsxwriter_baseline(folder / "xlsxwriter.xlsx", frames))
        small_s, small_mb = measured(lambda: refresh_file(small, keys, session))
        large_s, large_mb = measured(lambda: refresh_file(large, keys, session))
        size = large.stat().st_size / 2**20
        print(f"refresh of {rows:,} table rows ({options.customers:,} customers); the user's workbook is {size:.1f} MB")
        print(f"XlsxWriter constant_memory, the same rows from scratch: {base_s:.2f} s, peak {base_mb:.0f} MiB")
        print(f"xlbilling refresh, template only: {small_s:.2f} s ({small_s / base_s:.2f}x XlsxWriter), "
              f"peak {small_mb:.0f} MiB")  # fmt: skip
        print(f"xlbilling refresh, beside {options.user_mb} MB of the user's sheets: {large_s:.2f} s "
              f"({large_s / base_s:.2f}x XlsxWriter), peak {large_mb:.0f} MiB "
              f"({large_mb / small_mb:.2f}x the template-only peak)")  # fmt: skip
        print(f"aims: within 2x XlsxWriter's time {'met' if large_s <= 2 * base_s else 'NOT met'} "
              f"({large_s / base_s:.2f}x); peak not growing with the user's sheets "
              f"{'met' if large_mb <= 1.25 * small_mb + 50 else 'NOT met'}")  # fmt: skip


def _params() -> object:
    from xlbilling._workbook.control import Params

    return Params()


if __name__ == "__main__":
    main()
