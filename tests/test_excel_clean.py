"""The repair-trigger check catches what it is there to catch: broken copies of a clean workbook fail it."""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from tests.excel_clean import assert_excel_clean, problems
from xlbilling._xlsx.book import OpenpyxlBook

pytestmark = pytest.mark.broken_files  # the broken copies are the point


@pytest.fixture
def clean(tmp_path: Path) -> Path:
    book = OpenpyxlBook.new()
    frame = pd.DataFrame({"sku": ["M365-BP", "AV-EP"], "value": [Decimal("22.10"), Decimal("3.34")]})
    book.write_table("Data", "Data", frame)
    book.write("Data", "D1", "total")
    book.workbook["Data"]["E1"] = "=SUM(Data[value])"
    book.workbook["Data"].merge_cells("D5:E6")
    return book.save(tmp_path / "clean.xlsx")


def edited(path: Path, part: str | None, change: Callable[[str], str], drop: str | None = None) -> Path:
    """A copy of ``path`` with ``part`` changed (and the part ``drop`` left out)."""
    copy = path.with_name(f"broken-{len(list(path.parent.iterdir()))}.xlsx")
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(copy, "w") as target:
        for name in source.namelist():
            if name != drop:
                data = source.read(name)
                target.writestr(name, change(data.decode()).encode() if name == part else data)
    return copy


def test_a_clean_workbook_passes(clean: Path) -> None:
    assert problems(clean) == []
    assert_excel_clean(clean)


def test_a_missing_relationship_target_is_caught(clean: Path) -> None:
    broken = edited(clean, None, str, drop="xl/tables/table1.xml")
    assert any("points at xl/tables/table1.xml, which is missing" in p for p in problems(broken))


def test_a_header_that_differs_from_its_table_column_is_caught(clean: Path) -> None:
    broken = edited(clean, "xl/tables/table1.xml", lambda xml: xml.replace('name="value"', 'name="amount"'))
    assert "the table Data's column 'amount' sits under the header cell 'value'" in problems(broken)


def test_an_unresolved_structured_reference_is_caught(clean: Path) -> None:
    broken = edited(clean, "xl/worksheets/sheet1.xml", lambda xml: xml.replace("Data[value]", "Data[amount]"))
    assert "Data!E1: Data[amount] names no column of Data" in problems(broken)
    missing = edited(clean, "xl/worksheets/sheet1.xml", lambda xml: xml.replace("Data[value]", "Sales[value]"))
    assert "Data!E1: Sales[value] names no table" in problems(missing)


def test_an_overlapping_merge_is_caught(clean: Path) -> None:
    broken = edited(
        clean,
        "xl/worksheets/sheet1.xml",
        lambda xml: re.sub(r'<mergeCell ref="D5:E6"\s*/>', '<mergeCell ref="D5:E6"/><mergeCell ref="E6:F7"/>', xml),
    )
    assert "Data: merged E6:F7 overlaps merged D5:E6" in problems(broken)
    over_table = edited(clean, "xl/worksheets/sheet1.xml", lambda xml: xml.replace('ref="D5:E6"', 'ref="B2:D2"'))
    assert "Data: merged B2:D2 overlaps the table Data" in problems(over_table)


def test_a_character_xml_forbids_is_caught(clean: Path) -> None:
    broken = edited(clean, "xl/worksheets/sheet1.xml", lambda xml: xml.replace("M365-BP", "M365&#xFFFE;BP"))
    assert any("xl/worksheets/sheet1.xml is not well-formed XML" in p for p in problems(broken))


def test_elements_out_of_the_schemas_order_are_caught(clean: Path) -> None:
    def swap(xml: str) -> str:
        merges = re.search(r"<mergeCells.*?</mergeCells>", xml, re.S)
        assert merges is not None
        without = xml.replace(merges.group(0), "")
        return without.replace("<sheetData>", merges.group(0) + "<sheetData>")

    broken = edited(clean, "xl/worksheets/sheet1.xml", swap)
    assert any("elements out of the schema's order" in p for p in problems(broken))


def test_a_style_index_beyond_the_styles_is_caught(clean: Path) -> None:
    broken = edited(clean, "xl/worksheets/sheet1.xml", lambda xml: re.sub(r' s="\d+"', ' s="99"', xml, count=1))
    assert any("uses cell format 99, which the styles part does not have" in p for p in problems(broken))
    with pytest.raises(AssertionError, match="would make Excel repair it"):
        assert_excel_clean(broken)
