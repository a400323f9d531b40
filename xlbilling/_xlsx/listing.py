"""A one-table workbook streamed to disk row by row (the invoice run's ``index.xlsx``): memory stays flat; it
prints in landscape one page wide with its header row on every page."""

from __future__ import annotations

import io
import warnings
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.table import Table, TableStyleInfo

from xlbilling._files import write_atomically
from xlbilling._values.cells import clean_text, wrapped_lines
from xlbilling._xlsx.coords import column_letter
from xlbilling._xlsx.look import footer_text, print_setup
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
    wrapped: set[int] | frozenset[int] = frozenset(),
    footer: str = "",
) -> Path:
    """Write ``rows`` under ``headers`` as the Excel table ``table`` on ``sheet``, one row at a time, to
    ``path`` (through a temporary file). Text stays text (API text ``=...`` never becomes a formula);
    ``number_formats`` maps a column's position (0: the first) to its format; ``widths`` are the columns'
    widths; long text in the columns ``wrapped`` wraps; the header stays in view, and is printed atop every
    page, with ``footer`` (what the workbook is, for which period) at the foot. Every part carries ``stamp``
    (ISO, UTC) rather than the clock, so the same rows give the same bytes."""
    book = Workbook(write_only=True)
    ws = book.create_sheet(sheet)
    for index, width in enumerate(widths, start=1):
        ws.column_dimensions[column_letter(index)].width = width
    ws.freeze_panes = "A2"
    print_setup(ws, title_rows="1:1", landscape=True, footer=footer_text(footer) or "&F")
    ws.append([_header(ws, header, n in number_formats) for n, header in enumerate(headers)])
    count = 0
    for row in rows:
        lines = max((wrapped_lines(str(row[n] or ""), widths[n]) for n in wrapped if n < len(row)), default=1)
        if lines > 1:  # LibreOffice keeps a row's height as written: tall enough for its wrapped text
            ws.row_dimensions[count + 2].height = LINE_HEIGHT * lines
        ws.append([_cell(ws, value, number_formats.get(n), n in wrapped) for n, value in enumerate(row)])
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


def _header(ws: Any, text: str, number: bool) -> WriteOnlyCell:
    """A bold header cell, over the right edge of its numbers."""
    cell = WriteOnlyCell(ws, text)
    cell.data_type = "s"
    cell.font = _BOLD
    cell.alignment = _RIGHT if number else _LEFT
    return cell


def _cell(ws: Any, value: Any, number_format: str | None, wrap: bool) -> WriteOnlyCell:
    value = None if value == "" else value
    cell = WriteOnlyCell(ws, clean_text(value) if isinstance(value, str) else value)
    cell.alignment = _WRAPPED if wrap else _TOP
    if isinstance(value, str):
        cell.data_type = "s"  # API text stays text, even "=..."
    elif number_format:
        cell.number_format = number_format
    return cell


LINE_HEIGHT = 14
"""Points per line of a row of wrapped text (Calibri 11, as Excel spaces it)."""
_WRAPPED = Alignment(wrap_text=True, vertical="top")
_TOP = Alignment(vertical="top")  # beside a wrapped cell, a value sits on its first line
_BOLD = Font(name="Calibri", size=11, bold=True)  # the workbook's own font, bold (not a stand-in's)
_RIGHT = Alignment(horizontal="right", vertical="bottom", wrap_text=True)
_LEFT = Alignment(horizontal="left", vertical="bottom", wrap_text=True)
