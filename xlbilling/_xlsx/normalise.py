"""A workbook read once through openpyxl and saved again: its parts in a normal form, and its cells as values.

The invoice template is read this way: the saved parts are what each invoice is patched from, and the cell
values, merges, pictures and names are what the template's checks read.
"""

from __future__ import annotations

import io
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.formula import ArrayFormula, DataTableFormula

from xlbilling._xlsx.coords import split_cell


class UnreadableWorkbook(Exception):
    """The file is not an .xlsx workbook openpyxl can read; the text says why."""


@dataclass(frozen=True)
class Merge:
    """A merged range: its ``ref`` (``A1:C2``) and its first and last rows."""

    ref: str
    first_row: int
    last_row: int


@dataclass(frozen=True)
class Grid:
    """One sheet's content as values: every non-empty cell (a formula as its ``=...`` text) in row order,
    the cells holding array or data-table formulas, merged ranges, the rows pictures are anchored on, the
    cells whose text wraps and the columns' widths (letter -> characters, where set)."""

    title: str
    cells: dict[str, Any]
    arrays: tuple[str, ...]
    merges: tuple[Merge, ...]
    picture_rows: tuple[int, ...]
    wrapped: frozenset[str] = frozenset()
    widths: dict[str, float] | None = None

    def value(self, cell: str) -> Any:
        """The value of ``cell`` (``None`` when empty)."""
        return self.cells.get(cell)

    def rows(self) -> dict[int, dict[str, Any]]:
        """The non-empty cells by row number, top to bottom, each row's cells left to right."""
        rows: dict[int, dict[str, Any]] = {}
        for cell, value in self.cells.items():
            rows.setdefault(split_cell(cell)[1], {})[cell] = value
        return rows


@dataclass(frozen=True)
class Normalised:
    """A workbook after one read and save: its ``parts`` (name -> bytes), sheets and defined names."""

    parts: dict[str, bytes]
    sheets: tuple[Grid, ...]
    names: frozenset[str]


def normalise(path: Path) -> Normalised:
    """Read ``path`` and save it again in memory; ``UnreadableWorkbook`` when it is not an .xlsx workbook.

    Shapes openpyxl cannot keep (text boxes, charts) are dropped without a warning: check for them in the
    file's own parts first.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            book = openpyxl.load_workbook(path)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as error:
        raise UnreadableWorkbook(str(error)) from None
    sheets = tuple(_grid(sheet) for sheet in book.worksheets)
    buffer = io.BytesIO()
    book.save(buffer)
    with zipfile.ZipFile(buffer) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    return Normalised(parts, sheets, frozenset(book.defined_names))


def _grid(sheet: Any) -> Grid:
    cells: dict[str, Any] = {}
    arrays: list[str] = []
    wrapped: set[str] = set()
    for row in sheet.iter_rows():
        for cell in row:
            cell.style_id  # noqa: B018 - registers the cell's style before the workbook is saved
            if cell.alignment.wrap_text:
                wrapped.add(cell.coordinate)
            if isinstance(cell.value, ArrayFormula | DataTableFormula):
                arrays.append(cell.coordinate)
            elif cell.value is not None:
                cells[cell.coordinate] = cell.value
    merges = tuple(Merge(m.coord, m.min_row, m.max_row) for m in sheet.merged_cells.ranges)
    pictures = tuple(image.anchor._from.row + 1 for image in sheet._images)
    widths = {letter: float(dim.width) for letter, dim in sheet.column_dimensions.items() if dim.customWidth}
    return Grid(sheet.title, cells, tuple(arrays), merges, pictures, frozenset(wrapped), widths)
