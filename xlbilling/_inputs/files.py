"""The MSP's own files as named on a command line or a Control sheet: there, and readable as CSV.

A file named that does not exist is a usage error (``InputError``, exit 2), found before any request. A CSV is
read as UTF-8 with commas between its columns; one whose header row is separated by semicolons (as Excel saves
"CSV" where the decimal separator is a comma) is refused with a message saying so, not read: such a file also
writes its prices with decimal commas and perhaps dots between thousands, and guessing which is which is how a
price goes wrong by a factor of a thousand; an .xlsx workbook carries the numbers themselves.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from xlbilling._errors import DataError, InputError

SAVE_AS = (
    'Save it from Excel as an .xlsx workbook (read as it is), or as "CSV UTF-8 (Comma delimited)" with a '
    "decimal point in prices."
)


def named_file(path: str | Path, what: str, hint: str) -> Path:
    """``path`` as a ``Path`` when it is a file; otherwise ``InputError`` saying ``what`` it was to be (``Price
    list``) and ``hint``."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{what} {path} does not exist.", hint)
    return path


def csv_rows(path: Path, what: str = "it") -> Iterator[list[Any]]:
    """The rows of a CSV file (UTF-8, a byte-order mark allowed), the header row included; ``DataError`` for a
    file in another encoding or whose header is separated by semicolons (``what`` names it in the hint)."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            rows = csv.reader(handle)
            header = next(rows, None)
            if header is not None and len(header) == 1 and ";" in header[0]:
                raise DataError(
                    f"{path} separates its columns with ';' (as Excel saves CSV in many European languages).",
                    SAVE_AS.replace("it", what, 1),
                )
            if header is not None:
                yield header
            yield from rows
    except UnicodeDecodeError:
        raise DataError(f"{path} is not a UTF-8 text file.", f"Save {what} as CSV UTF-8.") from None


__all__ = ["csv_rows", "named_file"]
