"""Decisions made before about reconciliation rows, read back: a CSV, a billing workbook's Reconciliation
table or a reconciliation workbook's Detail table (``review`` and ``note`` by period, account code and SKU)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from xlbilling._errors import DataError
from xlbilling._inputs.files import named_file
from xlbilling._workbook.tables import TARGETS, existing_table

DETAIL_TABLE = ("Detail", "ReconciliationDetail")
"""The sheet and table of a reconciliation workbook that hold its rows with their reviews."""


def load_reviews(path: str | Path) -> pd.DataFrame:
    """The decisions in a CSV, in the Reconciliation table of a billing workbook (.xlsx/.xlsm) or in the Detail
    table of a reconciliation workbook (``xlbilling reconcile -o FILE.xlsx``, ``xlbilling close``); an
    ``InputError`` when the file is missing, a ``DataError`` naming it when it holds no such table."""
    path = named_file(path, "Reviews file", "Pass a CSV or a billing workbook with reviews.")
    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        return pd.read_csv(path, dtype=str, keep_default_na=False)
    from xlbilling._xlsx.book import OpenpyxlBook

    target = TARGETS["reconciliation"]
    book = OpenpyxlBook.open(path)
    found = existing_table(book, target.sheet, target.table)
    if found.empty:
        found = existing_table(book, *DETAIL_TABLE)
    if found.empty:
        raise DataError(f"{path.name} has no {target.table} table with reviews.", "Pass a refreshed billing workbook.")
    return found
