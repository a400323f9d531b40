"""The price list: CSV or .xlsx in, Decimal prices out, and clear errors naming file, row and column."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from xlbilling._cli.hints import worded
from xlbilling._errors import DataError, InputError
from xlbilling._inputs.prices import Price, load_prices, parse_tax_rate, with_tax_rate

SANDBOX_PRICES = Path(__file__).parents[1] / "xlbilling" / "_sandbox" / "data" / "prices.csv"

DAY = date(2026, 11, 30)
"""The day the prices are read as of (these lists have no valid_from: any day gives the same)."""


def write(tmp_path: Path, text: str, name: str = "prices.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_csv_prices_are_exact_decimals_keyed_by_sku(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "\ufeffSKU, Unit_Price ,Currency,description,tax_rate\nM365-BP,22.10,gbp,Business Premium,0.20\n"
        "EXO-P1, 4 ,GBP,,20%\n\n",
    )
    prices = load_prices(path).at(DAY)
    assert prices == {
        "M365-BP": Price("M365-BP", Decimal("22.10"), "GBP", "Business Premium", Decimal("0.20")),
        "EXO-P1": Price("EXO-P1", Decimal("4"), "GBP", None, Decimal("0.2")),
    }


def test_optional_columns_may_be_left_out(tmp_path: Path) -> None:
    prices = load_prices(write(tmp_path, "sku,unit_price,currency\nA,0.1,EUR\n")).at(DAY)
    assert prices["A"].unit_price == Decimal("0.1")
    assert prices["A"].tax_rate is None and prices["A"].description is None


def test_xlsx_price_list_reads_numbers_exactly(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["sku", "unit_price", "currency", "description", "tax_rate"])
    sheet.append(["M365-BB", 6.1, "GBP", "Business Basic", 0.2])
    sheet.append([None, None, None, None, None])
    sheet.append(["EXO-P1", 4, "GBP", None, None])
    path = tmp_path / "prices.xlsx"
    book.save(path)
    prices = load_prices(path).at(DAY)
    assert prices["M365-BB"].unit_price == Decimal("6.1")
    assert prices["M365-BB"].tax_rate == Decimal("0.2")
    assert prices["EXO-P1"].unit_price == Decimal("4")


def test_sandbox_sample_prices_every_sku_in_gbp() -> None:
    prices = load_prices(SANDBOX_PRICES).at(DAY)
    assert prices, "the sample price list is empty"
    assert {price.currency for price in prices.values()} == {"GBP"}
    assert all(price.tax_rate == Decimal("0.20") for price in prices.values())


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("sku,unit_price\nA,1\n", "row 1: no column currency"),
        ("sku,unit_price,currency\nA,abc,GBP\n", "row 2, column unit_price: 'abc' is not a price"),
        ("sku,unit_price,currency\nA,1,GBP\nB,-2,GBP\n", "row 3, column unit_price"),
        ("sku,unit_price,currency\n,1,GBP\n", "row 2, column sku: empty"),
        ("sku,unit_price,currency\nA,1,pounds\n", "row 2, column currency: 'pounds' is not a currency code"),
        ("sku,unit_price,currency,tax_rate\nA,1,GBP,20\n", "row 2, column tax_rate: '20' is not a tax rate"),
        ("sku,unit_price,currency\nA,1,GBP\nA,2,GBP\n", "row 3, column sku: A is listed twice"),
        ("", "is empty"),
    ],
)
def test_bad_price_lists_name_file_row_and_column(tmp_path: Path, text: str, expected: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(DataError) as caught:
        load_prices(path)
    assert str(path) in str(caught.value)
    assert expected in str(caught.value)


def test_missing_and_unreadable_files_say_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):  # a usage error (exit 2), like a bad option
        load_prices(tmp_path / "nope.csv")
    fake = tmp_path / "prices.xlsx"
    fake.write_text("not a workbook")
    with pytest.raises(DataError, match=r"cannot be read as an \.xlsx workbook"):
        load_prices(fake)


def test_a_tax_rate_given_on_the_command_line_fills_only_rows_without_one(tmp_path: Path) -> None:
    prices = load_prices(write(tmp_path, "sku,unit_price,currency,tax_rate\nA,1,GBP,0.05\nB,2,GBP,\n")).at(DAY)
    assert prices["B"].tax_rate is None
    assert with_tax_rate(prices, None) == prices
    filled = with_tax_rate(prices, parse_tax_rate("20%"))
    assert (filled["A"].tax_rate, filled["B"].tax_rate) == (Decimal("0.05"), Decimal("0.2"))
    assert with_tax_rate(prices, parse_tax_rate("0"))["B"].tax_rate == Decimal(0)  # exempt


@pytest.mark.parametrize("rate", ["abc", "1.5", "-0.1", ""])
def test_a_bad_tax_rate_option_says_how_to_write_one(rate: str) -> None:
    with pytest.raises(InputError, match=f"'{rate}' is not a tax rate") as caught:
        parse_tax_rate(rate)
    assert "0.20 or 20%" in str(caught.value)
    assert str(worded(caught.value)).startswith(f"--tax-rate {rate} is not a tax rate. Write a fraction")


def test_a_decimal_comma_is_named_never_read_as_a_thousands_separator(tmp_path: Path) -> None:
    with pytest.raises(DataError) as caught:
        load_prices(write(tmp_path, 'sku,unit_price,currency\nM365-BP,"3,50",GBP\n'))
    assert "row 2, column unit_price: '3,50' has a decimal comma. Write it with a decimal point: 3.50." in str(
        caught.value
    )
    thousands = load_prices(write(tmp_path, 'sku,unit_price,currency\nSRV,"1,250.00",GBP\n')).at(DAY)
    assert thousands["SRV"].unit_price == Decimal("1250.00")


def test_valid_from_keeps_each_price_from_its_day(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "sku,unit_price,currency,valid_from\nA,10.00,GBP,\nA,11.00,GBP,2026-07-01\nA,12.50,GBP,2026-10-01\n"
        "B,3.00,GBP,2026-09-01\n",
    )
    history = load_prices(path)
    assert history.dated
    assert {sku: p.unit_price for sku, p in history.at(date(2026, 6, 30)).items()} == {"A": Decimal("10.00")}
    assert history.at(date(2026, 7, 1))["A"].unit_price == Decimal("11.00")
    assert {sku: p.unit_price for sku, p in history.at(date(2026, 10, 31)).items()} == {
        "A": Decimal("12.50"),
        "B": Decimal("3.00"),
    }
    assert load_prices(path).at(date(2026, 8, 15))["A"].unit_price == Decimal("11.00")
    assert not load_prices(SANDBOX_PRICES).dated


def test_a_bad_valid_from_or_a_repeated_day_is_named(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"row 2, column valid_from: 'soon' is not a date"):
        load_prices(write(tmp_path, "sku,unit_price,currency,valid_from\nA,1,GBP,soon\n"))
    repeated = "sku,unit_price,currency,valid_from\nA,1,GBP,2026-01-01\nA,2,GBP,2026-01-01\n"
    with pytest.raises(DataError, match="row 3, column sku: A is listed twice from 2026-01-01"):
        load_prices(write(tmp_path, repeated))
