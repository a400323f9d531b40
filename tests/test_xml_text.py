"""Text XML 1.0 forbids never reaches a file: U+FFFE, U+FFFF, lone surrogates and control characters.

Such text comes from an API (a customer name, a product description) or a price list; a workbook holding it
is not well-formed XML, and Excel refuses or repairs it.
"""

from __future__ import annotations

import re
import zipfile
from decimal import Decimal
from pathlib import Path
from xml.etree import ElementTree

import openpyxl
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st
from python_calamine import CalamineWorkbook

from tests.test_report_build import Customer, build, entry_of, invoices
from xlbilling._values.cells import clean_text
from xlbilling._xlsx.book import OpenpyxlBook
from xlbilling._xlsx.packagebook import PackageBook

FORBIDDEN = "\x00\x01\x08\x0b\x0c\x0e\x1f\ud800\udbff\udc00\udfff\ufffe\uffff"
HOSTILE = f"Acme{FORBIDDEN} Ltd \U0001f600 €"
SHOWN = "Acme Ltd \U0001f600 €"
XML_CHAR = re.compile("[\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]*")


def well_formed(path: Path) -> None:
    """Every XML part of the package at ``path`` parses."""
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            if name.endswith((".xml", ".rels")):
                ElementTree.fromstring(archive.read(name))  # noqa: S314 - our own output, in a test


@given(st.text(st.one_of(st.sampled_from(FORBIDDEN), st.characters(blacklist_categories=()))))
def test_clean_text_keeps_only_characters_xml_allows(text: str) -> None:
    cleaned = clean_text(text)
    assert XML_CHAR.fullmatch(cleaned.replace("\x7f", "")), ascii(cleaned)
    assert "\x7f" not in cleaned


def test_clean_text_keeps_every_character_a_name_may_hold() -> None:
    assert clean_text(HOSTILE) == SHOWN
    assert clean_text("Tab\tCR\rLF\n") == "Tab\tCR\rLF\n"


def frame() -> pd.DataFrame:
    return pd.DataFrame({"customer_name": [HOSTILE, "Plain Ltd"], "value": [Decimal("1.50"), Decimal("2")]})


def test_a_table_written_with_openpyxl_stays_well_formed(tmp_path: Path) -> None:
    book = OpenpyxlBook.new()
    book.write_table("Data", "Data", frame())
    book.write("Data", "E1", HOSTILE)
    path = book.save(tmp_path / "out.xlsx")
    well_formed(path)
    assert openpyxl.load_workbook(path)["Data"]["A2"].value == SHOWN
    assert CalamineWorkbook.from_path(str(path)).get_sheet_by_name("Data").to_python()[1][0] == SHOWN


def test_a_table_refreshed_part_by_part_stays_well_formed(tmp_path: Path) -> None:
    path = OpenpyxlBook.new().save(tmp_path / "user.xlsx")
    book = PackageBook(path)
    book.write_table("Data", "Data", frame())
    book.write("Data", "E1", HOSTILE)
    book.save()
    well_formed(path)
    assert openpyxl.load_workbook(path)["Data"]["A2"].value == SHOWN
    assert openpyxl.load_workbook(path)["Data"]["E1"].value == SHOWN


def test_an_invoice_for_a_hostile_name_stays_well_formed(tmp_path: Path) -> None:
    customer = Customer("H1", HOSTILE, "ACME001", "H1", {"ZERO": 1}, address=(HOSTILE, "", "Leeds", "", "", ""))
    manifest = build(tmp_path, invoices([customer]))
    path = tmp_path / entry_of(manifest, "H1")["file"]
    well_formed(path)
    well_formed(tmp_path / "index.xlsx")
    assert openpyxl.load_workbook(path)["Invoice"]["A9"].value == SHOWN
    assert (tmp_path / "manifest.json").read_text(encoding="utf-8").count(SHOWN) >= 1
