"""Each door asks the APIs once per distinct data set: counted by the sandbox itself, over loopback HTTP.

A command, a headless refresh or a sheet of formulas resolves the period and customers once (one
``/parameters`` request serves both lists) and sends every period's own end date.
"""

from __future__ import annotations

import shutil
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from xlbilling._apis.atria import Atria
from xlbilling._apis.transport.client import ApiClient
from xlbilling._apis.xarios import Xarios
from xlbilling._cli import main
from xlbilling._config.shipped import shipped
from xlbilling._excel import udfs
from xlbilling._sandbox import Sandbox
from xlbilling._session import session as sessions
from xlbilling._session.session import Session

DATA = Path(__file__).parents[1] / "xlbilling" / "_sandbox" / "data"
PARAMETERS = "GET /api/Billing/parameters"


@pytest.fixture
def fresh(sandbox: Sandbox) -> Iterator[Session]:
    """The formulas' (and the headless refresh's) session, new, with no cached data; restored afterwards."""
    atria = Atria(ApiClient("Atria", sandbox.url, sandbox.token))
    xarios = Xarios(ApiClient("Xarios", sandbox.url, sandbox.token))
    previous = sessions.current()
    yield sessions.use(Session(atria, xarios))
    sessions.use(previous)


def once_each(requests: list[str]) -> Counter[str]:
    counted = Counter(requests)
    assert counted and all(count == 1 for count in counted.values()), counted
    return counted


def asked_now(sandbox: Sandbox, start: int) -> Counter[str]:
    return once_each(sandbox.requests[start:])


@pytest.mark.usefixtures("sandbox_env")
def test_report_for_three_customers_asks_once_per_data_set(sandbox: Sandbox, tmp_path: Path) -> None:
    start = len(sandbox.requests)
    result = CliRunner().invoke(
        main,
        ["report", "--period", "2026-10-15", "--prices", str(DATA / "prices.csv"), "--out", str(tmp_path),
         "--customer", "CUST0001", "--customer", "cust0002", "--customer", "CUST0004"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert set(asked_now(sandbox, start)) == {
        PARAMETERS,
        "GET /api/Billing/2026-10-31/invoice",  # the period's own end, though the user typed the 15th
        "GET /api/Billing/2026-10-31/analysis",
        "GET /api/Billing/2026-10-31?billableOnly=true&aggregateByCustomer=true",
    }


@pytest.mark.usefixtures("sandbox_env")
def test_reconcile_asks_once_per_data_set(sandbox: Sandbox) -> None:
    start = len(sandbox.requests)
    result = CliRunner().invoke(
        main,
        ["reconcile", "--period", "2026-10-31", "--mapping", str(DATA / "product-map.csv"), "--prices",
         str(DATA / "prices.csv"), "--format", "json"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    counted = asked_now(sandbox, start)
    assert {PARAMETERS, "GET /api/Billing/2026-10-31/invoice", "GET /api/v1.0/billingdata"} <= set(counted)
    assert sum(1 for request in counted if request.startswith("GET /api/v1.0/billingdata/")) >= 2  # arrears, advance


@pytest.mark.usefixtures("sandbox_env")
@pytest.mark.usefixtures("fresh")
def test_a_headless_refresh_asks_once_per_data_set(sandbox: Sandbox, tmp_path: Path) -> None:
    path = tmp_path / "billing.xlsx"
    shutil.copyfile(shipped("templates", "billing.xlsx"), path)
    book = openpyxl.load_workbook(path)
    book["Control"]["B3"] = "2026-10-20"
    book.save(path)
    start = len(sandbox.requests)
    result = CliRunner().invoke(main, ["refresh", str(path), "--only", "periods,customers,summary,detail,changes"])
    assert result.exit_code == 0, result.output
    assert set(asked_now(sandbox, start)) == {
        PARAMETERS,
        "GET /api/Billing/2026-10-31?billableOnly=false&aggregateByCustomer=true",
        "GET /api/Billing/2026-10-31/detail?billableOnly=false",
        "GET /api/Billing/2026-10-31?billableOnly=true&aggregateByCustomer=false",
    }


@pytest.mark.usefixtures("fresh")
def test_a_sheet_of_formulas_asks_once_per_data_set(sandbox: Sandbox) -> None:
    start = len(sandbox.requests)
    for day in ("2026-10-31", "2026-10-15", 46326):  # one period, named three ways
        assert isinstance(udfs.XLB_QUANTITY(day, "CUST0001", "M365-BP"), int)
        assert isinstance(udfs.XLB_CHANGE(day, "cust0001", "M365-BP"), int)
        assert isinstance(udfs.XLB_SUMMARY(day), list)
        assert isinstance(udfs.XLB_INVOICE_LINES(day, "CUST0001"), list)
        assert isinstance(udfs.XLB_PERIODS(), list) and isinstance(udfs.XLB_CUSTOMERS(), list)
    assert set(asked_now(sandbox, start)) == {
        PARAMETERS,
        "GET /api/Billing/2026-10-31?billableOnly=false&aggregateByCustomer=true",
        "GET /api/Billing/2026-10-31/invoice?customer=CUST0001",
    }
