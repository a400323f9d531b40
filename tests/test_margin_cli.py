"""``xlbilling margin`` against the sandbox: the tables as CSV and JSON, the workbook read back by two
readers, and one short message for each wrong input."""

from __future__ import annotations

import io
import json
import re
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner
from python_calamine import CalamineWorkbook

from tests.test_margin import LAST_THREE, _by_hand, _prices
from tests.test_reconcile_sandbox import MAPPING, PRICES
from xlbilling._apis.atria import Atria
from xlbilling._apis.xarios import Xarios
from xlbilling._cli import main
from xlbilling._xlsx.layout import CURRENCY, PERCENT

BASE = ["margin", "--prices", str(PRICES), "--mapping", str(MAPPING)]
THREE = ["--from", "2026-08-01", "--to", "2026-10-31"]

pytestmark = pytest.mark.usefixtures("sandbox_env")


def run(*args: str) -> Any:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_csv_per_customer_is_exact_and_the_open_period_is_said(atria: Atria, xarios: Xarios) -> None:
    result = run(*BASE, *THREE, "--to", "2026-11-30", "--format", "csv")
    assert result.exit_code == 0, result.stderr
    assert "The period ending 2026-11-30 is still open: left out." in result.stderr
    assert "today's price list" in result.stderr
    table = pd.read_csv(io.StringIO(result.stdout), dtype=str).set_index("account_code")
    revenue = cost = Decimal(0)
    for end in LAST_THREE:
        r, c = _by_hand(atria, xarios, "HAZE001", end, _prices(PRICES))
        revenue, cost = revenue + r, cost + c
    row = table.loc["HAZE001"]
    assert (Decimal(row["revenue"]), Decimal(row["cost"]), Decimal(row["margin"])) == (revenue, cost, revenue - cost)


def test_json_per_period_and_one_customer(atria: Atria) -> None:
    result = run(*BASE, *THREE, "--by", "period", "--customer", "Hazel Legal Group Ltd", "--format", "json")
    assert result.exit_code == 0, result.stderr
    rows = json.loads(result.stdout)
    assert [row["period_end"][:10] for row in rows] == [end.isoformat() for end in LAST_THREE]
    lines = atria.invoice_lines(atria.period(LAST_THREE[0]))
    prices = _prices(PRICES)
    mine = lines[lines["customer_account_code"] == "HAZE001"]
    pairs = zip(mine["sku"], mine["quantity"], strict=True)
    expected = sum((Decimal(str(q)) * prices[sku] for sku, q in pairs), Decimal(0))  # whole units, prices in cents
    assert Decimal(rows[0]["revenue"]) == expected


def test_the_workbook_has_charts_formats_a_filter_and_reads_back(tmp_path: Path) -> None:
    target = tmp_path / "margin.xlsx"
    result = run(*BASE, *THREE, "-o", str(target))
    assert result.exit_code == 0, result.stderr
    csv = pd.read_csv(io.StringIO(run(*BASE, *THREE, "--by", "period", "--format", "csv").stdout), dtype=str)
    book = openpyxl.load_workbook(target)
    assert book.sheetnames == ["Summary", "Customers", "Products", "Detail"]
    summary = book["Summary"]
    assert summary["A1"].value == "Margin over time: periods ending 2026-08-31 to 2026-10-31"
    assert set(summary.tables) == {"MarginByPeriod", "LowestMargin"}
    with zipfile.ZipFile(target) as package:
        charts = [package.read(n).decode() for n in package.namelist() if n.startswith("xl/charts/chart")]
    assert sorted(("lineChart" in c, "barDir val=\"col\"" in c, "barDir val=\"bar\"" in c) for c in charts) == [
        (False, False, True), (False, True, False), (True, False, False)]  # fmt: skip
    (lowest,) = [chart for chart in charts if 'barDir val="bar"' in chart]
    scale = re.search(r"valAx>.*?<scaling>(.*?)</scaling>", lowest, re.S)
    least = re.search(r'<min val="([-\d.]+)"', scale.group(1)) if scale else None
    assert least is not None and float(least.group(1)) <= 0, "the bars start at zero (or below, for a loss)"
    periods = summary.tables["MarginByPeriod"].ref
    first = int(periods.split(":")[0][1:]) + 1
    headers = [c.value for c in summary[first - 1]][:7]
    assert headers == ["Period ending", "Revenue", "Cost", "Margin", "Margin %", "Leak", "Lines left out"]
    assert summary.cell(first, 2).number_format == CURRENCY and summary.cell(first, 5).number_format == PERCENT
    read = [[summary.cell(first + i, c).value for c in range(2, 7)] for i in range(3)]
    expected = [[float(v) for v in row] for row in csv[["revenue", "cost", "margin", "margin_pct", "leak"]].values]
    assert read == expected
    detail = book["Detail"]
    table = detail.tables["MarginDetail"]
    assert detail.freeze_panes == "A2" and table.autoFilter.ref == table.ref  # every column filterable
    calamine = CalamineWorkbook.from_path(str(target)).get_sheet_by_name("Customers").to_python()
    assert calamine[0][:3] == ["Account", "Customer", "Bill To"] and len(calamine) == 27  # 25 + stray tenant + header
    lowest = [row[0] for row in CalamineWorkbook.from_path(str(target)).get_sheet_by_name("Summary").to_python()]
    assert "The 10 customers with the lowest margin %" in lowest


@pytest.mark.parametrize(
    ("args", "code", "said"),
    [
        (["--from", "2026-10-31", "--to", "2026-09-01"], 2, "2026-09-30: it ends before it starts. Give --from"),
        (["--from", "2026-11-02", "--to", "2026-11-30"], 2, "every period in it is still open"),
        (["--from", "someday"], 2, "'someday' is not a date"),
        (["--customer", "Nobody Ltd"], 2, "Nobody Ltd"),
        (["--format", "xlsx"], 2, "Add -o FILE.xlsx"),
    ],
)
def test_wrong_input_is_one_short_message(args: list[str], code: int, said: str) -> None:
    result = run(*BASE, *args)
    assert result.exit_code == code, result.output
    assert said in result.stderr and "Traceback" not in result.output
    assert result.stderr.startswith("error: ") or result.stderr.count("error: ") == 1


def test_a_missing_price_list_is_named(tmp_path: Path) -> None:
    result = run("margin", "--prices", str(tmp_path / "none.csv"), "--mapping", str(MAPPING))
    assert result.exit_code == 2 and "none.csv does not exist" in result.stderr
