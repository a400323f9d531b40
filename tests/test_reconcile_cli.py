"""``xlbilling reconcile`` against the sandbox: each output format, the workbook, and the failures."""

from __future__ import annotations

import io
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner
from python_calamine import CalamineWorkbook

import xlbilling._sandbox
from xlbilling._cli import main
from xlbilling._values.money import cents

DATA = Path(xlbilling._sandbox.__file__).parent / "data"
BASE = ["reconcile", "--period", "2026-10-31", "--mapping", str(DATA / "product-map.csv"), "--prices",
        str(DATA / "prices.csv")]  # fmt: skip

pytestmark = pytest.mark.usefixtures("sandbox_env")


def run(*args: str) -> Any:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture
def seeds(sandbox: Any) -> list[dict[str, Any]]:
    """The latest closed period's seeded differences that land in the detail (not the unmapped lists)."""
    import httpx

    answer = httpx.get(f"{sandbox.url}/_sandbox/discrepancies", headers={"Authorization": f"Bearer {sandbox.token}"})
    return [d for d in answer.json() if d["period_end"] == "2026-10-31" and not d["category"].startswith("unmapped")]


def money(seed: dict[str, Any]) -> Decimal:
    return cents((seed["vendor_quantity"] - seed["billed_quantity"]) * Decimal(str(seed["unit_price"])))


def test_table_shows_the_money_at_stake_and_the_unmapped_lists(seeds: list[dict[str, Any]]) -> None:
    result = run(*BASE)
    assert result.exit_code == 0, result.output
    leaked = sum((money(d) for d in seeds if money(d) > 0), Decimal(0))
    over = -sum((money(d) for d in seeds if money(d) < 0), Decimal(0))
    assert f"leaked (charged by Xarios, not billed): {leaked:.2f} GBP at your price" in result.stderr
    assert f"billed with no matching cost (more billed than charged): {over:.2f} GBP at your price" in result.stderr
    assert "invoice INV-202610 arithmetic: matches" in result.stderr
    per_customer, differences = result.stdout.split("Differences")[:2]
    assert "Money at stake per customer, GBP at your price" in per_customer
    for seed in seeds:  # per customer both amounts are positive, as the headline says them; per row, signed
        assert seed["account_code"] in per_customer and f" {abs(money(seed)):.2f} " in per_customer
        assert seed["account_code"] in differences and f" {money(seed):.2f} " in differences
    assert "money_at_stake: positive = leaked, negative = billed with no matching cost" in differences
    assert "Unmapped tenants" in result.stdout and "HLTX900" in result.stdout
    assert "part_number,sku: XDM00099,<Atria SKU>" in result.stdout


def test_csv_is_the_detail_with_every_seeded_row(seeds: list[dict[str, Any]]) -> None:
    result = run(*BASE, "--format", "csv")
    assert result.exit_code == 0
    detail = pd.read_csv(io.StringIO(result.stdout), dtype=str)
    flagged = detail[detail["category"] != "matched"]
    assert sorted(zip(flagged["account_code"], flagged["category"], flagged["money_at_stake"], strict=True)) == sorted(
        (d["account_code"], d["category"], f"{money(d):.2f}") for d in seeds
    )


def test_json_keeps_money_exact(seeds: list[dict[str, Any]], tmp_path: Path) -> None:
    target = tmp_path / "reconciliation.json"
    result = run(*BASE, "--format", "json", "-o", str(target))
    assert result.exit_code == 0 and result.stdout == ""
    document = json.loads(target.read_text())
    assert document["counts"]["under_billed"] == sum(d["category"] == "under_billed" for d in seeds)
    assert document["leaked"] == str(sum((money(d) for d in seeds if money(d) > 0), Decimal(0)))
    assert document["compared"] == len(document["detail"])
    assert {row["part_number"] for row in document["unmapped_products"]} == {"XDM00099"}


def test_xlsx_workbook_has_summary_chart_coloured_detail_and_unmapped_lists(
    seeds: list[dict[str, Any]], tmp_path: Path
) -> None:
    target = tmp_path / "leaks.xlsx"
    result = run(*BASE, "--format", "xlsx", "-o", str(target))
    assert result.exit_code == 0, result.output
    book = openpyxl.load_workbook(target)
    assert book.sheetnames == ["Summary", "Detail", "Unmapped Tenants", "Unmapped Products", "Invoice Checks"]
    summary = book["Summary"]
    leaked = sum((money(d) for d in seeds if money(d) > 0), Decimal(0))
    assert summary["A5"].value == "Revenue not billed (leaked)" and Decimal(str(summary["B5"].value)) == leaked
    assert len(summary._charts) == 1
    assert set(summary.tables) == {"CategoryCounts", "MoneyAtStake", "LargestLeaks"}
    detail = book["Detail"]
    ref = detail.tables["ReconciliationDetail"].ref
    rules = [(rule.formula[0], rule.dxf.fill.fgColor.rgb) for cf in detail.conditional_formatting for rule in cf.rules]
    assert {formula.split('"')[1] for formula, _ in rules} == {
        "under_billed", "over_billed", "charged_not_billed", "billed_not_charged"}  # fmt: skip
    headers = [cell.value for cell in detail[1]]
    category_column = openpyxl.utils.get_column_letter(headers.index("category") + 1)
    assert all(formula.startswith(f"${category_column}2=") for formula, _ in rules)
    assert int(ref.split(":")[1][1:]) > 200  # every customer and SKU, matched ones too
    calamine = CalamineWorkbook.from_path(str(target))  # a second reader opens it as well
    products = calamine.get_sheet_by_name("Unmapped Products").to_python()
    assert products[1][0] == "XDM00099"


def test_nothing_compared_exits_1_and_shows_why(tmp_path: Path) -> None:
    mapping = tmp_path / "map.csv"
    mapping.write_text("part_number,sku\nNOPE1,M365-BP\n")
    result = run("reconcile", "--period", "2026-10-31", "--mapping", str(mapping))
    assert result.exit_code == 1
    assert "error: Period ending 2026-10-31, invoice INV-202610: Nothing could be compared" in result.stderr
    assert "Unmapped products" in result.stderr and "XDM00003" in result.stderr
    assert "money at stake" not in result.output


def test_a_missing_mapping_is_a_usage_error() -> None:
    result = run("reconcile", "--period", "2026-10-31")
    assert result.exit_code == 2
    assert "No product mapping given" in result.stderr and "--mapping" in result.stderr
    hint = f"copy the sample {(DATA / 'product-map.csv').resolve()} as a starting point"
    assert "".join(hint.split()) in "".join(result.stderr.split())  # however the terminal wraps it


def test_xlsx_needs_an_output_file() -> None:
    result = run(*BASE, "--format", "xlsx")
    assert result.exit_code == 2 and "Add -o FILE.xlsx" in result.stderr


def test_an_invoice_with_no_item_for_the_period_says_so() -> None:
    result = run(*BASE, "--invoice", "INV-202609")
    assert result.exit_code == 1
    assert "error: Xarios invoice INV-202609 has no purchase item for service in the period 2026-10-01 to " in (
        result.stderr
    )
    assert "leave out --invoice" in result.stderr and "money at stake" not in result.output
    result = run(*BASE, "--invoice", "INV-202610")
    assert result.exit_code == 0, result.stderr
    assert "Xarios invoice INV-202610: " in result.stderr and "outside the period" not in result.stderr


def test_columns_chooses_the_columns_of_the_detail() -> None:
    chosen = run(*BASE, "--format", "csv", "--columns", "account_code,sku,money_at_stake")
    assert chosen.exit_code == 0 and chosen.stdout.splitlines()[0] == "account_code,sku,money_at_stake"
    table = run(*BASE, "--columns", "sku,money_at_stake")
    header = next(line for line in table.stdout.split("Differences")[1].splitlines() if line.startswith("┃"))
    assert header.split() == ["┃", "sku", "┃", "money_at_stake", "┃"]
    wrong = run(*BASE, "--columns", "sku,nope")
    assert wrong.exit_code == 2 and "No column nope in the reconciliation's detail. Choose from: " in wrong.stderr
