"""A one-table workbook streamed to disk row by row (the invoice run's ``index.xlsx``): memory stays flat."""

from __future__ import annotations

import io
import warnings
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.worksheet.table import Table, TableStyleInfo

from xlbilling._files import write_atomically
from xlbilling._values.cells import clean_text
from xlbilling._xlsx.coords import column_letter
from xlbilling._xlsx.package import reproducible
from xlbilling._xlsx.tablecells import TABLE_STYLE


def write_listing(
    path: Path,
    sheet: str,
    table: str,
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    widths: Sequence[float],
    number_formats: dict[int, str],
    stamp: str,
) -> Path:
    """Write ``rows`` under ``headers`` as the Excel table ``table`` on ``sheet``, one row at a time, to
    ``path`` (through a temporary file). Text stays text (API text ``=...`` never becomes a formula);
    ``number_formats`` maps a column's position (0: the first) to its format; ``widths`` are the columns'
    widths; the header stays in view. Every part carries ``stamp`` (ISO, UTC) rather than the clock, so
    the same rows give the same bytes."""
    book = Workbook(write_only=True)
    ws = book.create_sheet(sheet)
    for index, width in enumerate(widths, start=1):
        ws.column_dimensions[column_letter(index)].width = width
    ws.freeze_panes = "A2"
    ws.append(list(headers))
    count = 0
    for row in rows:
        ws.append([_cell(ws, value, number_formats.get(index)) for index, value in enumerate(row)])
        count += 1
    if count:
        listed = Table(displayName=table, ref=f"A1:{column_letter(len(headers))}{count + 1}")
        listed.tableStyleInfo = TableStyleInfo(name=TABLE_STYLE, showRowStripes=True)
        listed._initialise_columns()  # write-only mode cannot read the header row back
        for column, header in zip(listed.tableColumns, headers, strict=True):
            column.name = header
        with warnings.catch_warnings():  # "add table columns manually": done just above
            warnings.simplefilter("ignore", UserWarning)
            ws.add_table(listed)
    buffer = io.BytesIO()
    book.save(buffer)
    return write_atomically(path, reproducible(buffer.getvalue(), stamp))


def _cell(ws: Any, value: Any, number_format: str | None) -> WriteOnlyCell:
    cell = WriteOnlyCell(ws, clean_text(value) if isinstance(value, str) else value)
    if isinstance(value, str):
        cell.data_type = "s"  # API text stays text, even "=..."
    elif number_format:
        cell.number_format = number_format
    return cell
