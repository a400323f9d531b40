"""What a table refreshed part by part keeps of itself: its columns' cell formats and its totals row."""

from __future__ import annotations

import re

from xlbilling._xlsx.sheetxml import Box, SheetXml
from xlbilling._xlsx.tablecells import TableShape

_STYLE = re.compile(rb'\bs="(\d+)"')


def kept_styles(xml: SheetXml, shape: TableShape | None) -> dict[str, int]:
    """The cell format of each column's first data row in the table as it is now, by header (lower case):
    a column whose data sets no format keeps the one the user gave it."""
    if shape is None or shape.body is None:
        return {}
    box = Box.of(shape.body)
    styles = row_styles(xml, box.top, box.left, len(shape.headers))
    return {header.lower(): style for header, style in zip(shape.headers, styles, strict=True) if style is not None}


def row_styles(xml: SheetXml, row: int, left: int, count: int) -> list[int | None]:
    """The cell format of the ``count`` cells of ``row`` from column ``left`` on (``None`` where none is set)."""
    cells = xml.kept(row)
    found = [_STYLE.search(cells[c].attributes) if c in cells else None for c in range(left, left + count)]
    return [int(style.group(1)) if style is not None else None for style in found]


def totals_row(xml: SheetXml, shape: TableShape | None, headers: list[str]) -> list[object]:
    """The table's totals row as the file has it, one cell per header of ``headers`` (``None`` where that
    column's totals cell is empty or new); empty when the table shows no totals row."""
    if shape is None or not shape.totals:
        return []
    box = Box.of(shape.ref)
    cells = xml.kept(box.bottom)
    by_header = {h.lower(): cells.get(box.left + offset) for offset, h in enumerate(shape.headers)}
    return [by_header.get(header.lower()) for header in headers]
