"""Write a DataFrame where the user asked: a table on the terminal, CSV, JSON or an Excel file.

CSV text that looks like a formula gets Excel's apostrophe prefix; money (``Decimal``) shows at least two
decimals everywhere (``"1234.50"``, never rounded: a unit cost keeps its four places) and JSON keeps it exact as
strings; float columns whose values are all whole show as integers (``12``, not ``12.0``); dates are ISO text.
A table on the terminal shows only the columns that fit its width, those that tell its rows apart first
(``xlbilling._output.fit``), and says which were left out; files are written atomically and keep every column.
"""

from __future__ import annotations

import io
import sys
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import orjson
import pandas as pd
from rich.cells import cell_len
from rich.console import Console
from rich.table import Table

from xlbilling._errors import InputError
from xlbilling._files import write_atomically
from xlbilling._output import FORMATS, Reading
from xlbilling._output.fit import fit, table_width
from xlbilling._output.lines import terminal_width, wrapped
from xlbilling._values.cells import clean_text, neutralize
from xlbilling._values.money import CENT
from xlbilling._values.wording import counted

TERMINAL_ROWS = 200


PERCENT_SUFFIX = "_pct"
"""A column named so holds a fraction (0.2252): the terminal shows it as a percentage (22.5%), CSV and JSON
keep the exact fraction."""


def emit(
    df: pd.DataFrame, fmt: str, output: Path | None, *, title: str, table_name: str, reading: Reading | None = None
) -> str:
    """Write ``df`` as ``fmt`` to ``output`` (or stdout) and return a one-line description of what was
    written, for the terminal. ``xlsx`` needs ``output``; ``title`` names the sheet and ``table_name`` the
    Excel table; ``reading`` says which columns a terminal too narrow for all of them keeps."""
    if fmt == "xlsx":
        if output is None:
            raise InputError("An Excel file cannot go to the terminal.", "Add -o FILE.xlsx.")
        from xlbilling._xlsx.book import OpenpyxlBook

        book = OpenpyxlBook.new()
        book.write_table(title, table_name, df)
        book.save(output)
        return f"wrote {len(df)} rows to {output} (sheet {title}, table {table_name})"
    if fmt == "table":
        if output is None:
            text = to_table_text(df, title, limit=TERMINAL_ROWS, width=terminal_width(), reading=reading)
        else:
            text = to_table_text(df, title, limit=None)
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
    safe = whole_floats(df)
    for column in safe.columns:
        if safe[column].dtype == object or pd.api.types.is_string_dtype(safe[column].dtype):
            safe[column] = safe[column].map(_csv_value, na_action="ignore")
    return safe.to_csv(index=False, lineterminator="\n", date_format="%Y-%m-%d")


def to_json(df: pd.DataFrame) -> str:
    """A JSON list of row objects; money as exact strings, dates as ISO text, missing values as null."""
    frame = whole_floats(df).astype(object)
    records = [{key: _json_value(value) for key, value in row.items()} for row in frame.to_dict("records")]
    return orjson.dumps(records, option=orjson.OPT_INDENT_2).decode() + "\n"


def money_text(amount: Decimal) -> str:
    """``amount`` as plain text with at least two decimals: ``8641.5`` -> ``"8641.50"``, ``12`` ->
    ``"12.00"``; more places are kept, never rounded (``1.2345`` -> ``"1.2345"``)."""
    exponent = amount.as_tuple().exponent
    if amount.is_finite() and isinstance(exponent, int) and exponent > -2:
        amount = amount.quantize(CENT)
    return format(amount, "f")


def whole_floats(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` where each float column whose values are all whole numbers is an integer column
    (missing values stay missing), so ``12.0`` shows as ``12``."""
    frame = df.copy()
    for column in frame.columns:
        series = frame[column]
        if not pd.api.types.is_float_dtype(series.dtype):
            continue
        values = series.dropna()
        if all(float(v).is_integer() and abs(v) < 2**53 for v in values):
            frame[column] = series.astype("Int64")
    return frame


def _csv_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return money_text(value)
    return neutralize(value)


def _json_value(value: Any) -> Any:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, Decimal):
        return money_text(value)
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat() if value == value.normalize() else value.isoformat()
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, float) and value != value:
        return None
    if hasattr(value, "item"):
        return value.item()
    return value


MORE = "--columns to choose, or --format csv or -o FILE for all."
"""What a person can do to see the columns a terminal table left out (a command with other outputs says its own)."""


def to_table_text(
    df: pd.DataFrame,
    title: str,
    limit: int | None,
    width: int | None = None,
    reading: Reading | None = None,
    *,
    note: str | None = None,
    more: str = MORE,
) -> str:
    """A boxed text table; with ``limit``, only that many rows and a line saying how many were left out.

    With ``width`` (a terminal's), the columns are chosen as ``reading`` says (``xlbilling._output.fit``),
    long text is cut, columns empty in every row are left out, and a line says which were left out and
    ``more`` (how to see them); without it every column is shown in full. ``note`` is said under it."""
    frame = whole_floats(df)
    shown = frame if limit is None else frame.head(limit)
    cells = {
        column: [_cell_text(value, str(column).endswith(PERCENT_SUFFIX)) for value in shown[column]]
        for column in frame.columns
    }
    right = {column: _is_right_aligned(frame[column]) for column in frame.columns}
    fitted = fit(cells, right, width, reading or Reading())
    heading = f"{title} ({counted(len(df), 'row')})"
    table = Table(title=heading, show_lines=False)
    for column in fitted.columns:
        cap = fitted.caps.get(column)
        table.add_column(
            str(column),
            justify="right" if right[column] else "left",
            overflow="crop" if cap else "fold",
            no_wrap=bool(cap),
            max_width=cap,
        )
    for index in range(len(shown)):
        table.add_row(*(fitted.text(column, cells[column][index]) for column in fitted.columns))
    buffer = io.StringIO()
    needed = max(table_width(fitted.widths.values()), cell_len(heading), 80)
    console_width = needed if width is None else min(width, needed)
    Console(file=buffer, width=console_width, highlight=False, markup=False, emoji=False).print(table)
    notes = [note] if note else []
    if limit is not None and len(df) > limit:
        notes.append(f"... {len(df) - limit} more rows: use --format csv, json or xlsx with -o FILE for all.")
    if fitted.left_out or fitted.empty:
        said = [f"{what}: {', '.join(map(str, columns))}" for what, columns in
                (("left out", fitted.left_out), ("empty", fitted.empty)) if columns]  # fmt: skip
        notes.append(
            f"{len(fitted.columns)} of {len(frame.columns)} columns shown ({'; '.join(said)})"
            + (f"; {more}" if fitted.left_out else ".")
        )
    for note in notes:
        buffer.write(wrapped(note, width or 100, hang="") + "\n")
    return buffer.getvalue()


def _is_right_aligned(series: pd.Series) -> bool:
    """Numbers and money (a column of ``Decimal``, maybe with a note such as "not on invoice" in some rows)
    are right-aligned; yes/no and text are not."""
    if pd.api.types.is_bool_dtype(series.dtype):
        return False
    if pd.api.types.is_numeric_dtype(series.dtype):
        return True
    values = series.dropna()
    if series.dtype != object or not any(isinstance(v, Decimal) for v in values):
        return False
    return all(isinstance(v, Decimal | str) for v in values)


def _cell_text(value: Any, percent: bool = False) -> str:
    if value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat() if value == value.normalize() else value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, Decimal) and percent:
        return f"{(value * 100).quantize(Decimal('0.1'), ROUND_HALF_UP)}%"
    if isinstance(value, Decimal):
        return money_text(value)
    return clean_text(str(value))


__all__ = [
    "FORMATS", "MORE", "Reading", "emit", "money_text", "terminal_width", "to_csv", "to_json", "to_table_text",
    "whole_floats",
]  # fmt: skip
