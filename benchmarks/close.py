"""Benchmark: one ``xlbilling close`` against the separate commands it replaces (``refresh``, ``report``,
``reconcile``, ``margin``, each run as a person would, in a process of its own), at 25, 500 and 2,000
customers, in one run.

For each size a sandbox runs in its own process (today 2026-11-21). One untimed ``xlbilling margin`` first
makes the sandbox build its data for the twelve periods, so neither side pays for that. Then the four commands
run one after another, then the close; both write the same files (the billing workbook refreshed, the invoices,
the reconciliation and margin workbooks) and the close's invoiced total is checked against the report's
manifest before the ratio is printed. PDFs are printed at 25 customers only (when LibreOffice is installed):
above that LibreOffice's printing, the same on both sides, would dominate both times.

Run: ``.venv/bin/python benchmarks/close.py [--sizes 25,500,2000]`` (about 40 minutes on a loaded two-core
machine, most of it the 2,000-customer margin fetched by both sides).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).parents[1]
DATA = ROOT / "xlbilling" / "_sandbox" / "data"
TOKEN = "benchmark-token"  # noqa: S105  (the local sandbox's, made up here)
PRICES, MAPPING = str(DATA / "prices.csv"), str(DATA / "product-map.csv")


def start_sandbox(customers: int) -> tuple[subprocess.Popen[str], str]:
    """``xlbilling sandbox`` on a port the system chooses; its URL as it prints it."""
    command = [
        sys.executable,
        "-m",
        "xlbilling",
        "sandbox",
        "--port",
        "0",
        "--customers",
        str(customers),
        "--today",
        "2026-11-21",
        "--token",
        TOKEN,
    ]
    server = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert server.stdout is not None
    for line in server.stdout:
        if line.startswith("URL:"):
            return server, line.split()[1]
    raise SystemExit("the sandbox did not start")


def xlbilling(env: dict[str, str], cwd: Path, *args: str) -> float:
    """Run one command as a person would and return its wall time; exit 0 or 1 (something to look at)."""
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "xlbilling", *args], cwd=cwd, env=env, capture_output=True, text=True)
    took = time.perf_counter() - start
    if done.returncode not in (0, 1):
        raise SystemExit(f"xlbilling {' '.join(args)} exited {done.returncode}: {done.stderr}")
    return took


def one_size(customers: int, pdf: bool) -> str:
    server, url = start_sandbox(customers)
    home = Path(tempfile.mkdtemp(prefix=f"close-bench-{customers}-"))
    env = {
        **os.environ,
        "XLBILLING_CONFIG": str(home / "config.toml"),
        "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring",
    }
    for api in ("ATRIA", "XARIOS"):
        env[f"XLBILLING_{api}_URL"], env[f"XLBILLING_{api}_TOKEN"] = url, TOKEN
    try:
        xlbilling(env, home, "margin", "--prices", PRICES, "--mapping", MAPPING, "-o", "warm.xlsx")  # untimed
        shutil.copyfile(ROOT / "templates" / "billing.xlsx", home / "billing.xlsx")
        printing = ["--pdf"] if pdf else []
        separate = {
            "refresh": xlbilling(env, home, "refresh", "billing.xlsx"),
            "report": xlbilling(env, home, "report", "--prices", PRICES, "--out", "invoices", *printing),
            "reconcile": xlbilling(env, home, "reconcile", "--prices", PRICES, "--mapping", MAPPING, "-o", "r.xlsx"),
            "margin": xlbilling(env, home, "margin", "--prices", PRICES, "--mapping", MAPPING, "-o", "m.xlsx"),
        }
        close = xlbilling(
            env,
            home,
            "close",
            "--out",
            "close",
            "--prices",
            PRICES,
            "--mapping",
            MAPPING,
            "--pdf" if pdf else "--no-pdf",
        )
        _check(home)
    finally:
        server.kill()
        server.wait()
        shutil.rmtree(home, ignore_errors=True)
    parts = ", ".join(f"{name} {seconds:.1f}" for name, seconds in separate.items())
    total = sum(separate.values())
    return (
        f"close at {customers:,} customers (PDFs {'on' if pdf else 'off'}): close {close:.1f} s, separate commands "
        f"{total:.1f} s ({parts}): ratio close/separate {close / total:.2f}"
    )


def _check(home: Path) -> None:
    """The close invoiced what ``xlbilling report`` wrote, to the cent."""
    report = json.loads(next((home / "close").glob("*/report.json")).read_text(encoding="utf-8"))
    listed = json.loads((home / "invoices" / "manifest.json").read_text(encoding="utf-8"))["invoices"]
    expected = sum((Decimal(entry["total"]) for entry in listed if entry["total"]), Decimal(0))
    if Decimal(report["money"]["invoiced"]["total"]) != expected:
        raise SystemExit(f"the close invoiced {report['money']['invoiced']['total']}, the report {expected}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="25,500,2000", help="Customer counts, comma-separated.")
    sizes = [int(size) for size in parser.parse_args().sizes.split(",")]
    soffice = shutil.which("soffice") is not None
    for customers in sizes:
        print(one_size(customers, pdf=soffice and customers <= 25), flush=True)


if __name__ == "__main__":
    main()
