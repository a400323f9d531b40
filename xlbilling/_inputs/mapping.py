"""The mapping that lets a Xarios invoice be compared with Atria: products and, optionally, tenants.

A mapping is one or more tables, each recognised by its header row (column names are matched
case-insensitively, other columns are ignored, blank rows are skipped):

- ``part_number,sku``: a Xarios part number (with or without its ``#``) and the Atria SKU it supplies.
  Several part numbers may feed the same SKU (monthly and annual terms, say).
- ``tenant_code_ext,account_code``: a Xarios ``TenantCodeExt`` that differs from the customer's Atria
  Customer Account Code (a customer whose code changed in one system only).

Each table is a CSV file, or the first sheet of an .xlsx workbook (read like a price list, so a product
and a tenant table in one workbook are two files: save each from Excel as its own .xlsx or CSV), or a
DataFrame (a sheet of the live workbook, read by the Excel layer).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from xlbilling._errors import DataError
from xlbilling._inputs.files import csv_rows, named_file
from xlbilling._values.cells import clean_text

PRODUCT_COLUMNS = ("part_number", "sku")
TENANT_COLUMNS = ("tenant_code_ext", "account_code")
SAMPLE_MAPPING = Path(__file__).resolve().parents[1] / "_sandbox" / "data" / "product-map.csv"
_HINT = (
    "A product mapping has the header part_number,sku; a tenant mapping tenant_code_ext,account_code; in an "
    f".xlsx workbook, on its first sheet (the sandbox's {SAMPLE_MAPPING} is an example)."
)


_NAME, _HEADER_ROW, _SHEET_HINT = (
    "xlbilling.mapping.name",
    "xlbilling.mapping.header_row",
    "xlbilling.mapping.hint",
)


def located(frame: pd.DataFrame, name: str, header_row: int, hint: str) -> pd.DataFrame:
    """``frame`` (a mapping table read from a sheet) labelled so ``load_mapping``'s errors call it
    ``name``, number rows as the sheet does (its header row is sheet row ``header_row``) and say ``hint``."""
    frame.attrs.update({_NAME: name, _HEADER_ROW: header_row, _SHEET_HINT: hint})
    return frame


@dataclass(frozen=True)
class _Table:
    """Rows of one mapping table (the header first) and how its errors name it."""

    name: str
    rows: list[list[Any]]
    header_row: int = 1
    """The row number errors give the header (the following rows count on from it)."""
    hint: str = _HINT


def part_key(part_number: str) -> str:
    """The form part numbers are compared in: no ``#``, no surrounding spaces, upper case."""
    return part_number.strip().lstrip("#").strip().upper()


def code_key(code: str) -> str:
    """The form customer codes are compared in: no surrounding spaces, upper case."""
    return code.strip().upper()


@dataclass(frozen=True)
class Mapping:
    """Xarios part number -> Atria SKU, and Xarios tenant code -> Atria account code (keys normalised)."""

    products: dict[str, str] = field(default_factory=dict)
    tenants: dict[str, str] = field(default_factory=dict)

    @property
    def key(self) -> tuple[tuple[tuple[str, str], ...], ...]:
        """What the mapping says, as a value that can key a cache: equal for equal mappings."""
        return tuple(sorted(self.products.items())), tuple(sorted(self.tenants.items()))

    @property
    def skus(self) -> frozenset[str]:
        """The Atria SKUs the distributor supplies: only these are expected on a Xarios invoice."""
        return frozenset(self.products.values())

    def merged(self, other: Mapping) -> Mapping:
        """This mapping with ``other``'s rows added; a key in both must map to the same value."""
        for mine, theirs, what in (
            (self.products, other.products, "part number"),
            (self.tenants, other.tenants, "tenant code"),
        ):
            for key in mine.keys() & theirs.keys():
                if mine[key] != theirs[key]:
                    raise DataError(
                        f"The mapping gives {what} {key} twice: {mine[key]} and {theirs[key]}.",
                        "Keep one row per part number and per tenant code.",
                    )
        return Mapping({**self.products, **other.products}, {**self.tenants, **other.tenants})


def load_mapping(*sources: str | Path | pd.DataFrame) -> Mapping:
    """Read and merge the mapping tables in ``sources`` (CSV paths, .xlsx paths or DataFrames).

    Raises ``InputError`` for a missing file, ``DataError`` naming the file, row and column for a table with neither
    header, an empty value, or a part number or tenant code listed twice with different targets.
    """
    if not sources:
        raise DataError("No mapping given.", _HINT)
    mapping = Mapping()
    for source in sources:
        for table in _tables(source):
            mapping = mapping.merged(_parse(table))
    if not mapping.products:
        raise DataError(f"The mapping ({_names(sources)}) has no part_number,sku rows.", _HINT)
    return mapping


def _names(sources: Sequence[str | Path | pd.DataFrame]) -> str:
    return ", ".join("a sheet" if isinstance(s, pd.DataFrame) else str(s) for s in sources)


def _tables(source: str | Path | pd.DataFrame) -> list[_Table]:
    """The tables in ``source``."""
    if isinstance(source, pd.DataFrame):
        rows = [list(source.columns), *source.astype(object).where(source.notna(), None).values.tolist()]
        about = source.attrs
        name = about.get(_NAME, "the mapping sheet")
        return [_Table(name, rows, about.get(_HEADER_ROW, 1), about.get(_SHEET_HINT, _HINT))]
    path = named_file(source, "Mapping file", "Pass the path of a CSV or .xlsx mapping.")
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        from xlbilling._xlsx.rows import xlsx_rows  # openpyxl is imported only when an .xlsx is read

        return [_Table(f"{path}, first sheet", list(xlsx_rows(path)))]
    return [_Table(str(path), list(csv_rows(path, "the mapping")))]


def _kind(header: Iterable[Any]) -> tuple[str, str] | None:
    names = {str(name).strip().lower() for name in header if name is not None}
    for columns in (PRODUCT_COLUMNS, TENANT_COLUMNS):
        if set(columns) <= names:
            return columns
    return None


def _parse(found: _Table) -> Mapping:
    name, rows = found.name, found.rows
    if not rows:
        raise DataError(f"{name} is empty.", found.hint)
    columns = _kind(rows[0])
    if columns is None:
        raise DataError(f"{name}, row {found.header_row}: no columns {','.join(PRODUCT_COLUMNS)}.", found.hint)
    header = [str(cell).strip().lower() if cell is not None else "" for cell in rows[0]]
    positions = [header.index(column) for column in columns]
    normalise = part_key if columns == PRODUCT_COLUMNS else code_key
    table: dict[str, str] = {}
    for number, row in enumerate(rows[1:], start=found.header_row + 1):
        source, target = (_cell(row, position) for position in positions)
        if source is None and target is None:
            continue
        for column, value in zip(columns, (source, target), strict=True):
            if value is None:
                raise DataError(f"{name}, row {number}, column {column}: empty.", found.hint)
        key = normalise(str(source))
        value = clean_text(str(target)) if columns == PRODUCT_COLUMNS else code_key(str(target))
        if table.get(key, value) != value:
            raise DataError(
                f"{name}, row {number}, column {columns[0]}: {key} is already mapped to {table[key]}.",
                "Keep one row per part number and per tenant code.",
            )
        table[key] = value
    if columns == PRODUCT_COLUMNS:
        return Mapping(products=table)
    return Mapping(tenants=table)


def _cell(row: list[Any], position: int) -> str | None:
    if position >= len(row) or row[position] is None:
        return None
    text = str(row[position]).strip()
    if isinstance(row[position], float) and row[position].is_integer():
        text = str(int(row[position]))
    return text or None
