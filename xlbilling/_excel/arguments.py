"""The arguments of the XLB_ formulas as Excel passes them (numbers as floats, date cells as ``datetime``,
empty cells as ``None``, ranges as lists) turned into typed values, or an ``InputError`` saying what to give."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from xlbilling._errors import InputError
from xlbilling._values.cells import clean_text, flag
from xlbilling._workbook.control import mapping_table


def single(value: Any, what: str) -> Any:
    if isinstance(value, list | tuple):
        raise InputError(f"The {what} must be one cell, not a range.", "Point it at a single cell.")
    return value


def text_arg(value: Any, what: str, required: bool = False) -> str | None:
    """A text argument: empty cells give ``None`` (``InputError`` when ``required``)."""
    value = single(value, what)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise InputError(f"No {what} given.", f"Give the {what} as text.")
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise InputError(f"{_show(value)} is not a valid {what}.", f"Give the {what} as text.")
    return clean_text(str(value)).strip()


def flag_arg(value: Any, what: str, default: bool) -> bool:
    """A TRUE/FALSE argument: empty gives ``default``; 1/0 and "yes"/"no" are accepted."""
    value = single(value, what)
    if value is None or (isinstance(value, str) and not value.strip()):
        return default
    given = flag(value)
    if given is not None:
        return given
    raise InputError(f"{_show(value)} is not TRUE or FALSE ({what}).", f"Use TRUE or FALSE for {what}.")


def _show(value: Any) -> str:
    shown = repr(value)
    return shown if len(shown) <= 40 else shown[:37] + "..."


def mapping_arg(value: Any, folder: Path | None) -> str | pd.DataFrame:
    """The mapping argument: its own cells (a range holding the part_number, sku header) as a table, or the
    path of a file."""
    if isinstance(value, list | tuple):
        rows = [list(row) if isinstance(row, list | tuple) else [row] for row in value]
        if rows and not isinstance(value[0], list | tuple):
            rows = [list(value)]  # one row of cells comes as a flat list
        return mapping_table(rows)
    name = text_arg(value, "product mapping", required=True)
    return file_arg(str(name), "product mapping", folder)


def version(path: str) -> tuple[str, int, int]:
    """A file's cache key: its path, modification time and size, so an edited and saved file is read
    again at the next recalculation (a missing file gets zeros; reading it then says it is missing)."""
    try:
        stat = Path(path).stat()
    except OSError:
        return path, 0, 0
    return path, stat.st_mtime_ns, stat.st_size


def file_arg(name: str, what: str, folder: Path | None) -> str:
    """A file argument as a full path: a bare or relative name is looked for next to the calling
    workbook (which xlwings names only in Excel on Windows)."""
    path = Path(name).expanduser()
    if path.is_absolute():
        return str(path)
    if folder is None:
        raise InputError(
            f"The {what} '{name}' is not a full path, and this workbook's folder is unknown.",
            f"Give the full path of the {what} file, or save the workbook next to it.",
        )
    return str(folder / path)


def folder_of(caller: Any) -> Path | None:
    """The folder of the workbook holding the calling cell (``None`` when not known or never saved)."""
    try:
        path = Path(str(caller.sheet.book.fullname))
    except Exception:
        return None
    return path.parent if path.is_absolute() else None
