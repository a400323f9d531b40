"""Freeze the margin and reconciliation figures of the sandbox (seed 1, 25 customers, today 2026-11-21) as the
code on the import path computes them, for ``tests/test_margin_oracle.py``.

The figures in ``tests/data/margin-oracle.json`` were computed by main at commit 1c9f2f8, before issue 25
reduced each Xarios invoice to its sums: every purchase item compared one by one. Run it again only when a
change of the figures is meant, from a checkout whose results are the reference:

    PYTHONPATH=/path/to/that/checkout python tests/freeze_oracle.py tests/data/margin-oracle.json
"""

from __future__ import annotations

import re
import sys
from datetime import date
from pathlib import Path
from typing import Any

import orjson
import pandas as pd

import xlbilling
from xlbilling._apis.atria import Atria
from xlbilling._apis.transport.client import ApiClient
from xlbilling._apis.xarios import Xarios
from xlbilling._errors import NoInvoiceItems
from xlbilling._inputs.mapping import load_mapping
from xlbilling._inputs.prices import load_prices
from xlbilling._margin.run import choose_periods, margin
from xlbilling._reconcile.period import reconcile_period
from xlbilling._reconcile.result import NothingCompared, Reconciliation
from xlbilling._sandbox import start_sandbox

DATA = Path(xlbilling.__file__).parent / "_sandbox" / "data"
TODAY = date(2026, 11, 21)
PARTS = ("detail", "unmapped_tenants", "unmapped_products", "charges", "invoice_checks")


def text(value: Any) -> str | None:
    """A value as the oracle keeps it: ``str`` of it (a Decimal to its last digit), ``None`` when missing."""
    if value is None or (not isinstance(value, str | list | tuple) and pd.isna(value)):
        return None
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def table(frame: pd.DataFrame) -> dict[str, Any]:
    return {
        "columns": list(frame.columns),
        "types": [str(dtype) for dtype in frame.dtypes],
        "rows": [[text(v) for v in row] for row in frame.itertuples(index=False)],
    }


def reconciliation(found: Reconciliation) -> dict[str, Any]:
    figures = {part: table(getattr(found, part)) for part in PARTS}
    return figures | {"compared": found.compared, "not_supplied": found.not_supplied, "outside": found.outside_period}


def main(target: Path) -> None:
    mapping, prices = load_mapping(DATA / "product-map.csv"), load_prices(DATA / "prices.csv")
    with start_sandbox(seed=1, today=TODAY) as sandbox:
        atria = Atria(ApiClient("Atria", sandbox.url, sandbox.token))
        xarios = Xarios(ApiClient("Xarios", sandbox.url, sandbox.token))
        periods = choose_periods(atria.period_list(), None, None).periods
        found = margin(atria, xarios, periods, mapping=mapping, prices=prices)
        invoices = xarios.invoices()
        latest = invoices.loc[invoices["period_end"].dt.date == periods[-1].end, "invoice_id"].tolist()
        reconciled: dict[str, Any] = {}
        for period in periods:
            for invoice in [None, *(latest if period == periods[-1] else [])]:
                try:
                    result = reconcile_period(
                        atria, xarios, period, invoice_id=invoice, mapping=mapping, prices=prices.at(period.end)
                    )
                except NothingCompared as error:
                    result = error.reconciliation
                except NoInvoiceItems:
                    continue
                reconciled[f"{period.end.isoformat()} {invoice or 'all'}"] = reconciliation(result)
    oracle = {"margin": table(found.detail), "reconcile": reconciled}
    rows = re.compile(rb'("rows":\[)(.*?)(\]\})', re.S)  # one table row per line, so a change reads as a diff
    dumped = rows.sub(lambda m: m[1] + b"\n" + m[2].replace(b"],[", b"],\n[") + b"\n" + m[3], orjson.dumps(oracle))
    target.write_bytes(dumped + b"\n")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
