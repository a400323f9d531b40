"""Read the rows of a simple table kept in the first sheet of an .xlsx file (a price list, say)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from zipfile import BadZipFile

import openpyxl
from openpyxl.utils.exceptions import InvalidFileException

from xlbilling._errors import DataError


def xlsx_rows(path: Path) -> Iterator[list[Any]]:
    """Yield the cell values of each row of the first sheet, the header row included.

    Raises ``DataError`` when the file is not an .xlsx workbook.
    """
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (BadZipFile, InvalidFileException, KeyError, OSError) as error:
        raise DataError(
            f"{path}: cannot be read as an .xlsx workbook ({error}).",
            "Save it from Excel as .xlsx, or use a CSV file.",
        ) from None
    try:
        sheet = book.worksheets[0]
        for row in sheet.iter_rows(values_only=True):
            yield list(row)
    finally:
        book.close()
