"""Write a DataFrame where the user asked: a table on the terminal, CSV, JSON or an Excel file.

CSV text that looks like a formula gets Excel's apostrophe prefix; JSON keeps money exact as strings
(``"1234.50"``) and dates as ISO text; files are written atomically.
"""

from __future__ import annotations

import io
import sys
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson
import pandas as pd
from rich.console import Console
from rich.table import Table

from xlbilling.cells import clean_text, neutralize
from xlbilling.errors import InputError
from xlbilling.files import write_atomically
from xlbilling.formats import FORMATS

TERMINAL_ROWS = 200


def emit(df: pd.DataFrame, fmt: str, output: Path | None, *, title: str, table_name: str) -> str:
    """Write ``df`` as ``fmt`` to ``output`` (or stdout) and return a one-line description of what was
    written, for the terminal. ``xlsx`` needs ``output``; ``title`` names the sheet and ``table_name`` the
    Excel table."""
    if fmt == "xlsx":
        if output is None:
            raise InputError("An Excel file cannot go to the terminal.", "Add -o FILE.xlsx.")
        from xlbilling.xlsx.book import OpenpyxlBook

        book = OpenpyxlBook.new()
        book.write_table(title, table_name, df)
        book.save(output)
        return f"wrote {len(df)} rows to {output} (sheet {title}, table {table_name})"
    if fmt == "table":
        text = to_table_text(df, title, limit=None if output else TERMINAL_ROWS)
    elif fmt == "csv":
        text = to_csv(df)
    elif fmt == "json":
        text = to_json(df)
    else:
        raise InputError(f"Unknown format '{fmt}'.", f"Use one of: {', '.join(FORMATS)}.")
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return ""
    write_atomically(output, text.encode("utf-8"))
    return f"wrote {len(df)} rows to {output}"


def to_csv(df: pd.DataFrame) -> str:
    """CSV with a header row; text that a spreadsheet would run as a formula is prefixed with ``'``."""
    safe = df.copy()
    for column in safe.columns:
        if safe[column].dtype == object or pd.api.types.is_string_dtype(safe[column].dtype):
            safe[column] = safe[column].map(neutralize, na_action="ignore")
    return safe.to_csv(index=False, lineterminator="\n", date_format="%Y-%m-%d")


def to_json(df: pd.DataFrame) -> str:
    """A JSON list of row objects; money as exact strings, dates as ISO text, missing values as null."""
    records = [{key: _json_value(value) for key, value in row.items()} for row in df.to_dict("records")]
    return orjson.dumps(records, option=orjson.OPT_INDENT_2).decode() + "\n"


def _json_value(value: Any) -> Any:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat() if value == value.normalize() else value.isoformat()
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, float) and value != value:
        return None
    if hasattr(value, "item"):
        return value.item()
    return value


def to_table_text(df: pd.DataFrame, title: str, limit: int | None) -> str:
    """A boxed text table; with ``limit``, only that many rows and a line saying how many were left out."""
    shown = df if limit is None else df.head(limit)
    table = Table(title=f"{title} ({len(df)} rows)", show_lines=False)
    for column in df.columns:
        numeric = pd.api.types.is_numeric_dtype(df[column].dtype) and not pd.api.types.is_bool_dtype(df[column])
        table.add_column(str(column), justify="right" if numeric else "left", overflow="fold")
    for row in shown.itertuples(index=False):
        table.add_row(*(_cell_text(value) for value in row))
    buffer = io.StringIO()
    Console(file=buffer, width=200, highlight=False, markup=False, emoji=False).print(table)
    if limit is not None and len(df) > limit:
        buffer.write(f"... {len(df) - limit} more rows: use --format csv, json or xlsx with -o FILE for all.\n")
    return buffer.getvalue()


def _cell_text(value: Any) -> str:
    if value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat() if value == value.normalize() else value.strftime("%Y-%m-%d %H:%M")
    return clean_text(str(value))


__all__ = ["FORMATS", "emit", "to_csv", "to_json", "to_table_text"]
