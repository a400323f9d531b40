"""The product and tenant mapping: CSV, workbook sheets, DataFrames, and the errors a user can meet."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pytest

import xlbilling._sandbox
from xlbilling._errors import DataError, InputError
from xlbilling._inputs.mapping import load_mapping
from xlbilling._inputs.prices import load_prices
from xlbilling._sandbox.catalogue import VENDOR_ONLY

DATA = Path(xlbilling._sandbox.__file__).parent / "data"


def test_the_sandbox_mapping_covers_every_priced_sku_but_one_vendor_product() -> None:
    mapping = load_mapping(DATA / "product-map.csv")
    assert mapping.skus == {price.sku for price in load_prices(DATA / "prices.csv").rows}
    assert VENDOR_ONLY.part_number not in mapping.products and mapping.tenants == {}


def test_csv_part_numbers_are_compared_without_hash_case_or_spaces(tmp_path: Path) -> None:
    path = tmp_path / "map.csv"
    path.write_text("\ufeffPart_Number, SKU ,note\n #xdm00003 ,M365-BP,monthly\nXDM10003,M365-BP,annual\n\n")
    mapping = load_mapping(path)
    assert mapping.products == {"XDM00003": "M365-BP", "XDM10003": "M365-BP"}


def workbook(path: Path, *sheets: list[list[object]]) -> Path:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for number, rows in enumerate(sheets, start=1):
        sheet = book.create_sheet(f"Sheet {number}")
        for values in rows:
            sheet.append(values)
    book.save(path)
    return path


def test_a_workbook_s_first_sheet_is_read_like_a_price_list(tmp_path: Path) -> None:
    products = workbook(tmp_path / "products.xlsx",
                        [["part_number", "sku"], [12345, "DNS-FLT"], ["XDM00004", "EXO-P1"]],
                        [["tenant_code_ext", "account_code"], ["later-sheet", "ignored"]])  # fmt: skip
    tenants = workbook(tmp_path / "tenants.xlsx", [["tenant_code_ext", "account_code"], ["acme-old", "acme001"]])
    mapping = load_mapping(products, tenants)
    assert mapping.products == {"12345": "DNS-FLT", "XDM00004": "EXO-P1"}
    assert mapping.tenants == {"ACME-OLD": "ACME001"}
    notes_first = workbook(tmp_path / "notes.xlsx", [["nothing to see"]], [["part_number", "sku"], ["X1", "S1"]])
    with pytest.raises(DataError, match=r"notes\.xlsx, first sheet, row 1: no columns part_number,sku") as raised:
        load_mapping(notes_first)
    assert "first sheet" in raised.value.hint


def test_a_broken_workbook_gets_the_same_message_as_a_broken_price_list(tmp_path: Path) -> None:
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"not a zip")
    with pytest.raises(DataError) as as_prices:
        load_prices(broken)
    with pytest.raises(DataError) as as_mapping:
        load_mapping(broken)
    assert (as_mapping.value.message, as_mapping.value.hint) == (as_prices.value.message, as_prices.value.hint)


def test_a_sheet_read_from_a_live_workbook_is_a_dataframe() -> None:
    sheet = pd.DataFrame({"part_number": ["XDM00001", None], "sku": ["M365-BB", None]})
    assert load_mapping(sheet).products == {"XDM00001": "M365-BB"}


def test_several_files_are_merged(tmp_path: Path) -> None:
    (tmp_path / "products.csv").write_text("part_number,sku\nXDM00001,M365-BB\n")
    (tmp_path / "tenants.csv").write_text("tenant_code_ext,account_code\nOLD1,NEW1\n")
    mapping = load_mapping(tmp_path / "products.csv", tmp_path / "tenants.csv")
    assert (mapping.products, mapping.tenants) == ({"XDM00001": "M365-BB"}, {"OLD1": "NEW1"})


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("sku,unit_price\nM365-BB,6\n", r"row 1: no columns part_number,sku"),
        ("part_number,sku\nXDM00001,M365-BB\nXDM00002,\n", r"row 3, column sku: empty"),
        ("part_number,sku\nXDM00001,M365-BB\n#XDM00001,M365-BS\n", r"row 3, column part_number: XDM00001 is already"),
        ("tenant_code_ext,account_code\nA,B\n", r"has no part_number,sku rows"),
        ("", r"is empty"),
    ],
)
def test_bad_mappings_say_file_row_and_column(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "map.csv"
    path.write_text(content)
    with pytest.raises(DataError, match=message) as raised:
        load_mapping(path)
    assert raised.value.hint  # and says what to do


def test_conflicts_between_files_and_missing_files_are_errors(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text("part_number,sku\nXDM00001,M365-BB\n")
    (tmp_path / "b.csv").write_text("part_number,sku\nXDM00001,M365-BS\n")
    with pytest.raises(DataError, match="gives part number XDM00001 twice: M365-BB and M365-BS"):
        load_mapping(tmp_path / "a.csv", tmp_path / "b.csv")
    with pytest.raises(InputError, match="does not exist"):
        load_mapping(tmp_path / "missing.csv")
